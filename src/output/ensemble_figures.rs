//! The figures' share of a run's combined models: the averaged weights' curve and the
//! snapshots on `curves`, the ensemble's and the snapshot ensemble's decision regions as
//! panels of `boundaries`, and the `ensemble` figure itself.

use super::network_figures::{PanelModel, canvas};
use crate::config::{Experiment, NetworkProblem};
use crate::core::network::ensemble::Member;
use crate::core::network::train::Trained;
use crate::export::combined::Combinations;
use crate::plot::network::{
    self as figures, AveragedCurve, CurvesScene, EnsembleRow, EnsembleScene,
};

/// Adds each run's averaged curve (on the validation set, or the training set without one)
/// and its snapshots (their steps and training losses) to the curves figure.
pub(super) fn mark_curves(
    scene: &mut CurvesScene,
    runs: &[Trained],
    combinations: &[Combinations],
) {
    for ((run, trained), c) in scene.runs.iter_mut().zip(runs).zip(combinations) {
        if let Some(a) = &trained.averaged {
            let validation = a.history.iter().any(|r| !r.validation.loss.is_nan());
            let pick = |r: &crate::core::network::averaging::AveragedRow| {
                if validation { r.validation } else { r.train }
            };
            run.averaged = Some(AveragedCurve {
                steps: a.history.iter().map(|r| r.step).collect(),
                loss: a.history.iter().map(|r| pick(r).loss).collect(),
                accuracy: a.history.iter().map(|r| pick(r).accuracy).collect(),
                validation,
            });
        }
        if let Some(s) = &c.snapshots {
            run.snapshots = c
                .snapshot_steps
                .iter()
                .zip(&s.alone)
                .map(|(&step, scores)| (step, scores.train.loss))
                .collect();
        }
    }
}

/// The decision-region panels run `index` adds after its own: its ensemble's, its snapshot
/// ensemble's.
pub(super) fn panels<'a>(
    experiment: &Experiment,
    problem: &'a NetworkProblem,
    index: usize,
    trained: &'a Trained,
) -> Vec<PanelModel<'a>> {
    let run = &experiment.runs[index];
    let network = problem.model(&run.network).0;
    let mut panels = Vec::new();
    if let Some(n) = run.ensemble.members {
        panels.push(PanelModel {
            label: format!("{}: ensemble of {n}", run.label),
            legend: format!("{}: ensemble of {n}", run.label),
            members: Member::ensemble(network, trained),
            run: index,
        });
    }
    if run.ensemble.snapshots && !trained.snapshots.is_empty() {
        let k = trained.snapshots.len();
        panels.push(PanelModel {
            label: format!("{}: {k} snapshots", run.label),
            legend: format!("{}: ensemble of its {k} snapshots", run.label),
            members: Member::snapshots(network, trained),
            run: index,
        });
    }
    panels
}

/// A band for every combination of every run, in the file's order: measured on the
/// validation set, or on the training set without one.
pub(super) fn scene(experiment: &Experiment, combinations: &[Combinations]) -> EnsembleScene {
    let validation = combinations
        .iter()
        .flat_map(Combinations::each)
        .flat_map(|c| &c.alone)
        .any(|s| !s.validation.loss.is_nan());
    let pick = |s: &crate::export::combined::Scores| {
        let e = if validation { s.validation } else { s.train };
        [e.accuracy, e.loss]
    };
    let mut rows = Vec::new();
    for (i, c) in combinations.iter().enumerate() {
        let label = experiment.runs[i].label.clone();
        let parts = [
            (&c.ensemble, Some(0)),
            (&c.snapshots, None),
            (&c.averaged, Some(0)),
        ];
        for (combination, own) in parts {
            let Some(combination) = combination else {
                continue;
            };
            let alone: Vec<[f64; 2]> = combination.alone.iter().map(pick).collect();
            // A snapshot ensemble's own model is its last snapshot.
            let own = own.or(alone.len().checked_sub(1));
            rows.push(EnsembleRow {
                run: i,
                label: label.clone(),
                what: combination.what.clone(),
                alone,
                own,
                together: pick(&combination.together),
            });
        }
    }
    let (width, height) = canvas(&experiment.plot, figures::ensemble_canvas(rows.len()));
    EnsembleScene {
        title: experiment.name.clone(),
        set: if validation { "validation" } else { "training" }.to_string(),
        rows,
        width,
        height,
        scale: experiment.plot.scale,
    }
}
