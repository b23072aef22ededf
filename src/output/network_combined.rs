//! What each run's models give together, measured once for the summary, the table and the
//! figures: its ensemble (the run and its other members, each alone and averaging their
//! probabilities), its snapshot ensemble (the weights at each cycle's end), and its averaged
//! weights against its final ones.

use crate::config::ensemble::EnsembleSettings;
use crate::config::{Experiment, NetworkProblem, RunConfig};
use crate::core::network::ensemble::{self, Member};
use crate::core::network::model::Workspace;
use crate::core::network::train::Trained;
use crate::export::combined::{Combination, Combinations, Scores};

/// Per run, in the file's order.
pub(super) fn combinations(
    experiment: &Experiment,
    problem: &NetworkProblem,
    runs: &[Trained],
) -> Vec<Combinations> {
    let mut workspace = Workspace::default();
    experiment
        .runs
        .iter()
        .zip(runs)
        .map(|(r, trained)| of_run(experiment, problem, r, trained, &mut workspace))
        .collect()
}

fn of_run(
    experiment: &Experiment,
    problem: &NetworkProblem,
    run: &RunConfig,
    trained: &Trained,
    workspace: &mut Workspace,
) -> Combinations {
    let network = problem.model(&run.network).0;
    let settings: &EnsembleSettings = &run.ensemble;
    let mut out = Combinations {
        averaging: settings.average,
        ..Combinations::default()
    };
    if let Some(n) = settings.members {
        let members = Member::ensemble(network, trained);
        let (first, last) = (experiment.seed, experiment.seed.wrapping_add(n as u64 - 1));
        out.seeds = (0..n as u64)
            .map(|k| experiment.seed.wrapping_add(k))
            .collect();
        out.ensemble = Some(combine(
            format!("ensemble of {n} (seeds {first}–{last})"),
            &members,
            problem,
            workspace,
        ));
    }
    if settings.snapshots {
        let members = Member::snapshots(network, trained);
        out.snapshot_steps = trained.snapshots.iter().map(|s| s.step).collect();
        let what = match members.len() {
            0 => "no snapshot (no cycle ended within the run)".to_string(),
            1 => format!("1 snapshot (step {})", out.snapshot_steps[0]),
            n => format!("{n} snapshots (steps {})", steps_text(&out.snapshot_steps)),
        };
        out.snapshots = Some(combine(what, &members, problem, workspace));
    }
    if let Some(how) = settings.average {
        let last = Member {
            network,
            params: trained.params.view(),
            stats: &trained.stats,
        };
        let together = match &trained.averaged {
            Some(a) => scores(
                &[Member {
                    network,
                    params: a.params.view(),
                    stats: &a.stats,
                }],
                problem,
                workspace,
            ),
            None => Scores::NONE,
        };
        out.averaged = Some(Combination {
            what: format!("averaged weights ({}) vs final", how.describe()),
            alone: vec![scores(&[last], problem, workspace)],
            together,
        });
    }
    out
}

/// Each member alone, and all of them together.
fn combine(
    what: String,
    members: &[Member<'_>],
    problem: &NetworkProblem,
    workspace: &mut Workspace,
) -> Combination {
    Combination {
        what,
        alone: members
            .iter()
            .map(|m| scores(std::slice::from_ref(m), problem, workspace))
            .collect(),
        together: scores(members, problem, workspace),
    }
}

/// The ensemble of `members` on both sets (one member: that model).
fn scores(members: &[Member<'_>], problem: &NetworkProblem, workspace: &mut Workspace) -> Scores {
    let on = |set: &crate::core::network::data::Dataset, ws: &mut Workspace| {
        ensemble::evaluate(members, set.features.view(), &set.labels, ws)
    };
    Scores {
        train: on(&problem.train, workspace),
        validation: on(&problem.validation, workspace),
    }
}

/// "500, 1000, 2000", or the first two, "…" and the last when there are many.
fn steps_text(steps: &[u64]) -> String {
    let text: Vec<String> = steps.iter().map(u64::to_string).collect();
    if text.len() <= 5 {
        text.join(", ")
    } else {
        format!("{}, {}, …, {}", text[0], text[1], text[text.len() - 1])
    }
}
