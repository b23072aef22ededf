//! The landscape figure's scene: each run's kept path (its frames and its final weights),
//! the plane of the path's two principal directions, and the training loss over that plane
//! (`core::network::landscape`), for the network experiments that have the other pictures
//! (points in the plane, or images).

use ndarray::ArrayView1;

use crate::config::{Experiment, NetworkProblem};
use crate::core::Status;
use crate::core::network::landscape::{NoPlane, PathPlane, loss_grid};
use crate::core::network::train::Trained;
use crate::plot::network::{LandscapePanel, LandscapePlane, LandscapeScene};

/// Weights kept along each path for its plane (evenly spread over the recorded rows, and
/// the last): Li et al. use one per epoch; a hundred or so already fix the two directions,
/// and cost ~10 MB per run for the largest network of the gallery (10,602 parameters).
pub(super) const LANDSCAPE_FRAMES: u64 = 120;
/// The loss grid's samples per side: at most a 41 × 41 grid (every contour well placed on a
/// plot of ~400 pixels), at least 21 × 21 (enough for the shape of a basin).
const MOST_SAMPLES: usize = 41;
const FEWEST_SAMPLES: usize = 21;
/// A forward and backward pass costs about this many forward passes.
const BACKWARD_COST: f64 = 3.0;
/// The landscape's forward passes, as a share of what the training cost.
const SHARE_OF_TRAINING: f64 = 0.5;

/// Whether the experiment draws the landscape: a network on points in the plane or on
/// images (the runs with pictures), when it draws pictures at all.
pub(super) fn drawn(experiment: &Experiment, problem: &NetworkProblem) -> bool {
    let stills = super::picture_formats(experiment)
        .iter()
        .any(|f| *f != crate::plot::Format::Gif);
    stills && (problem.is_planar() || problem.train.image.is_some())
}

/// Samples per side of a run's grid, each one a forward pass over the whole training set:
/// as many as half what the training itself cost in such passes (its history's evaluations
/// of both sets, and its steps' minibatches forward and backward), between 21 and 41. So the
/// figure adds about half a run's time at most: a full-batch run of a few thousand steps gets
/// 41 × 41, a minibatch run on the spiral about 26 × 26, on the digits 21 × 21.
fn samples_per_side(experiment: &Experiment, problem: &NetworkProblem, run: usize) -> usize {
    let overrides = &experiment.runs[run].network;
    let train = problem.train.len().max(1) as f64;
    let rows_per_step = match problem.batch(overrides) {
        0 => train,
        b => (b as f64).min(train),
    };
    let recorded = (experiment.steps / problem.record_every.max(1) + 1) as f64;
    let evaluations = recorded * (1.0 + problem.validation.len() as f64 / train);
    let steps = experiment.steps as f64 * rows_per_step * BACKWARD_COST / train;
    let side = ((evaluations + steps) * SHARE_OF_TRAINING).sqrt().floor();
    (side as usize).clamp(FEWEST_SAMPLES, MOST_SAMPLES)
}

/// The run's path: its frames, then its final weights when the last frame is not them (a
/// run that converged, or diverged, between two frames).
fn path(trained: &Trained) -> Vec<ArrayView1<'_, f64>> {
    let mut path: Vec<ArrayView1<'_, f64>> =
        trained.frames.iter().map(|f| f.params.view()).collect();
    if path
        .last()
        .is_none_or(|last| *last != trained.params.view())
    {
        path.push(trained.params.view());
    }
    path
}

/// Why a path has no plane, as the panel writes it.
fn reason(no: NoPlane) -> String {
    match no {
        NoPlane::NeverMoved => {
            "the weights never left their start: there is no path to draw a plane of".into()
        }
        NoPlane::OnALine { distinct } if distinct <= 2 => format!(
            "only {distinct} distinct weights on the path (the run ended after a step): two \
             points make a line, not a plane"
        ),
        NoPlane::OnALine { .. } => {
            "the path runs along one line (a second direction would carry less than 10⁻¹² of \
             its variance): no plane to draw"
                .into()
        }
        NoPlane::NotFinite => "the weights along the path overflowed: no plane to draw".into(),
    }
}

/// Every run's panel. Each grid is computed on rayon's threads, a run after another.
pub(super) fn scene(
    experiment: &Experiment,
    problem: &NetworkProblem,
    runs: &[Trained],
    legend: impl Fn(usize) -> String,
    canvas: (u32, u32),
) -> LandscapeScene {
    let panels = runs
        .iter()
        .enumerate()
        .map(|(i, trained)| {
            let plane = PathPlane::of_path(&path(trained)).map_err(reason);
            let plane = plane.map(|plane| {
                let side = samples_per_side(experiment, problem, i);
                let network = problem.model(&experiment.runs[i].network).0;
                let window = plane.window(side);
                LandscapePlane {
                    loss: loss_grid(
                        &plane,
                        network,
                        &problem.train,
                        &trained.stats,
                        window,
                        side,
                    ),
                    explained: plane.explained,
                    path: plane.path,
                }
            });
            LandscapePanel {
                label: experiment.runs[i].label.clone(),
                legend: legend(i),
                plane,
                diverged_at: match trained.status {
                    Status::Diverged { step } => Some(step),
                    _ => None,
                },
            }
        })
        .collect();
    let batch_norm = experiment
        .runs
        .iter()
        .any(|r| problem.model(&r.network).0.architecture.batch_norm);
    let mut how = format!(
        "axes: the path's top two principal directions (PCA of θᵢ − θ_final over up to {} \
         kept weights; Li et al., 2018), unnormalised: distances in parameter space",
        LANDSCAPE_FRAMES + 1
    );
    if batch_norm {
        how.push_str("; batch norm evaluated with the final running statistics");
    }
    LandscapeScene {
        title: experiment.name.clone(),
        caption: vec![
            "the training loss (mean cross-entropy, evaluation mode, no penalty) on the plane \
             through each run's final weights"
                .to_string(),
            how,
        ],
        panels,
        width: canvas.0,
        height: canvas.1,
        scale: experiment.plot.scale,
    }
}
