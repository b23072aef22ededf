//! What a network problem writes: `history.csv`, `summary.json`, each run's weights
//! (`model-<label>.json`) and the figures; and the trainings themselves, one per run (and
//! per member of a run's ensemble) on threads of their own.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::render::{Content, Rendered, SUMMARY_NAME};
use super::{OutputError, Progress};
use crate::config::{Experiment, NetworkProblem};
use crate::core::Cancel;
use crate::core::network::train::{Trained, train};
use crate::core::run::Status;
use crate::export::Colour;
use crate::export::combined::Combinations;
use crate::export::network::{self as export, DataFacts, NetworkOutcome};
use crate::plot::Format;

/// Frames of `boundaries.gif`.
pub(super) const GIF_FRAMES: u64 = 40;

/// Whether the experiment asks for the animation (which needs the trainings to keep frames).
fn wants_gif(experiment: &Experiment) -> bool {
    super::picture_formats(experiment).contains(&Format::Gif)
}

/// The weights each training keeps along its path: what the animation and the landscape
/// need (the animation picks its frames among the landscape's), and none for neither.
fn frames_kept(experiment: &Experiment, problem: &NetworkProblem) -> u64 {
    let gif = if wants_gif(experiment) { GIF_FRAMES } else { 0 };
    let landscape = if super::landscape::drawn(experiment, problem) {
        super::landscape::LANDSCAPE_FRAMES
    } else {
        0
    };
    gif.max(landscape)
}

/// The history's file name (pinned).
pub(super) const HISTORY_NAME: &str = "history.csv";

/// Trains every run of `problem`, in the file's order, on threads of their own; stops early
/// once `cancel` is set (the caller then throws the results away). A run with `ensemble = N`
/// trains its N members (seeds seed..seed+N−1, the first the run itself) as jobs of their
/// own beside every other run's, so an ensemble uses every core; they come back in the run's
/// [`Trained::members`]. The run itself keeps its averaged weights and snapshots.
pub fn train_all(
    experiment: &Experiment,
    problem: &NetworkProblem,
    cancel: &Cancel,
    progress: &mut dyn Progress,
) -> Vec<Trained> {
    let done = AtomicU64::new(0);
    let jobs: Vec<(usize, u64)> = experiment
        .runs
        .iter()
        .enumerate()
        .flat_map(|(i, r)| (0..members(r) as u64).map(move |member| (i, member)))
        .collect();
    let total = experiment.steps * jobs.len() as u64;
    let kept = frames_kept(experiment, problem);
    let one = |&(run, member): &(usize, u64)| {
        let r = &experiment.runs[run];
        let seed = experiment.seed.wrapping_add(member);
        // The run itself keeps its frames, averaged weights and snapshots; other members
        // only what the ensemble needs: their final weights.
        let frames = if member == 0 { kept } else { 0 };
        let mut training = problem.training(&r.network, experiment.steps, seed, frames);
        if member == 0 {
            training.average = r.ensemble.average;
            training.snapshots = r.snapshot_steps(experiment.steps);
        }
        // Member k's weights drawn for seed + k (the run's own for k = 0), on the transfer
        // source's body when the run starts from one.
        let initial = problem.initial_for(&r.network, seed);
        let publish = |steps: u64| {
            done.fetch_add(steps, Ordering::Relaxed);
        };
        let trained = train(&training, &r.spec(), initial.view(), cancel, &publish);
        // A run that ended early has no more steps to do.
        done.fetch_add(
            experiment.steps - trained.steps.min(experiment.steps),
            Ordering::Relaxed,
        );
        trained
    };
    let trained = super::on_threads(&jobs, one, cancel, || {
        progress.steps(done.load(Ordering::Relaxed).min(total), total)
    });
    let mut trained = trained.into_iter();
    let mut runs = Vec::with_capacity(experiment.runs.len());
    for r in &experiment.runs {
        let Some(mut first) = trained.next() else {
            break;
        };
        first.members = trained.by_ref().take(members(r) - 1).collect();
        runs.push(first);
    }
    runs
}

/// The trainings a run takes: its ensemble's members, or itself alone.
fn members(run: &crate::config::RunConfig) -> usize {
    run.ensemble.members.unwrap_or(1).max(1)
}

/// Trains `experiment`'s transfer source when it is an experiment file (that file's own
/// source first), and gives the experiment with the source's trained weights in place;
/// `None` when there is nothing to train. Every run of the experiment then starts from the
/// same source weights, whatever its seed: the source is trained once, with its own file's
/// steps and seed.
pub fn with_trained_source(
    experiment: &Experiment,
    cancel: &Cancel,
) -> Result<Option<Experiment>, OutputError> {
    let Some(transfer) = experiment.network().and_then(|p| p.transfer.as_deref()) else {
        return Ok(None);
    };
    let Some((source, run)) = transfer.needs_training() else {
        return Ok(None);
    };
    let resolved = with_trained_source(source, cancel)?;
    let source = resolved.as_ref().unwrap_or(source);
    let (Some(problem), Some(r)) = (source.network(), source.runs.get(run)) else {
        return Ok(None);
    };
    let training = problem.training(&r.network, source.steps, source.seed, 0);
    let initial = problem.initial_for(&r.network, source.seed);
    let trained = train(&training, &r.spec(), initial.view(), cancel, &|_| {});
    cancel.check()?;
    if let Status::Diverged { step } = trained.status {
        return Err(OutputError::SourceDiverged {
            from: transfer.from.clone(),
            label: r.label.clone(),
            step,
        });
    }
    let mut experiment = experiment.clone();
    if let Some(transfer) = experiment
        .network_mut()
        .and_then(|p| p.transfer.as_deref_mut())
    {
        transfer.set_trained(trained.params);
    }
    Ok(Some(experiment))
}

/// The runs as the exports name them.
fn outcomes<'a>(
    experiment: &'a Experiment,
    problem: &'a NetworkProblem,
    runs: &'a [Trained],
    combinations: &'a [Combinations],
) -> Vec<NetworkOutcome<'a>> {
    experiment
        .runs
        .iter()
        .zip(runs)
        .zip(combinations)
        .map(|((r, trained), combinations)| NetworkOutcome {
            network: problem.model(&r.network).0,
            label: &r.label,
            kind: r.kind(),
            lr: r.lr,
            trained,
            combinations,
        })
        .collect()
}

fn facts(problem: &NetworkProblem) -> DataFacts<'_> {
    DataFacts {
        kind: problem.data_kind(),
        inputs: problem.train.inputs(),
        classes: problem.train.classes,
        train: problem.train.len(),
        validation: problem.validation.len(),
    }
}

/// Every output file of a network experiment: the history, the summary, the weights of each
/// run and the figures in `formats`. `dir` only names files in errors.
pub fn render_files<'a>(
    experiment: &'a Experiment,
    problem: &'a NetworkProblem,
    runs: &'a [Trained],
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Rendered<'a>>, OutputError> {
    let combinations = super::network_combined::combinations(experiment, problem, runs);
    let outcomes = outcomes(experiment, problem, runs, &combinations);
    let mut files = vec![
        Rendered {
            name: HISTORY_NAME.into(),
            content: Content::Bytes(export::history_csv(&outcomes)),
        },
        Rendered {
            name: SUMMARY_NAME.into(),
            content: Content::Bytes(export::summary_json(
                &experiment.name,
                &facts(problem),
                &problem.network,
                &outcomes,
            )),
        },
    ];
    for (name, run) in model_file_names(experiment).into_iter().zip(&outcomes) {
        files.push(Rendered {
            name,
            content: Content::Bytes(export::model_json(run.network, run.trained)),
        });
    }
    super::network_figures::render(
        experiment,
        problem,
        runs,
        &combinations,
        formats,
        dir,
        &mut files,
    )?;
    Ok(files)
}

/// `model-<label>.json` for each run, the label made a safe file name (anything but letters,
/// digits, `-`, `_` and `.` becomes `_`), a number added where two labels become one name.
pub fn model_file_names(experiment: &Experiment) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(experiment.runs.len());
    for run in &experiment.runs {
        let slug: String = run
            .label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = format!("model-{slug}.json");
        let mut n = 2;
        while names.contains(&name) {
            name = format!("model-{slug}-{n}.json");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// The results table for stdout.
pub fn table(
    experiment: &Experiment,
    problem: &NetworkProblem,
    runs: &[Trained],
    colour: Colour,
) -> String {
    let combinations = super::network_combined::combinations(experiment, problem, runs);
    export::table(
        &experiment.name,
        &facts(problem),
        &outcomes(experiment, problem, runs, &combinations),
        colour,
    )
}
