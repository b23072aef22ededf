//! A network experiment's figures: `curves` always; `boundaries` (and `boundaries.gif`) for
//! points in the plane; `digits` (confusion matrices and misclassified images) for images;
//! `landscape` (the loss on the plane of each path's principal directions) for both;
//! `ensemble` when a run combines models (`ensemble_figures.rs`).

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};

use super::OutputError;
use super::render::{Content, Rendered};
use crate::config::{Experiment, NetworkProblem, PlotSettings};
use crate::core::Status;
use crate::core::network::data::Dataset;
use crate::core::network::ensemble::{self, Member};
use crate::core::network::model::{RunningStats, Workspace, argmax};
use crate::core::network::train::Trained;
use crate::export::combined::Combinations;
use crate::plot::network::{
    self as figures, BoundaryPanel, BoundaryScene, CurvesScene, DigitsPanel, DigitsScene,
    LabelledPoint, MISCLASSIFIED_SHOWN, Misclassified, NetRun,
};
use crate::plot::{Format, PlotError};

/// Cells per side of the decision-region raster.
const REGION_CELLS: usize = 160;
/// How long each frame of `boundaries.gif` shows.
const FRAME_MS: u32 = 120;

/// Draws the figures `formats` ask for into `files`.
pub(super) fn render(
    experiment: &Experiment,
    problem: &NetworkProblem,
    runs: &[Trained],
    combinations: &[Combinations],
    formats: &[Format],
    dir: &Path,
    files: &mut Vec<Rendered<'_>>,
) -> Result<(), OutputError> {
    let mut push = |stem: &str, format: Format, bytes: Result<Vec<u8>, PlotError>| {
        let name = format!("{stem}.{}", format.extension());
        let bytes = bytes.map_err(|source| OutputError::Plot {
            path: dir.join(&name),
            source,
        })?;
        files.push(Rendered {
            name,
            content: Content::Bytes(bytes),
        });
        Ok::<(), OutputError>(())
    };
    let stills: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|f| *f != Format::Gif)
        .collect();
    if !stills.is_empty() {
        let mut curves = curves_scene(experiment, runs);
        super::ensemble_figures::mark_curves(&mut curves, runs, combinations);
        for &format in &stills {
            push("curves", format, figures::curves(&curves, format))?;
        }
        if combinations.iter().any(|c| c.each().next().is_some()) {
            let scene = super::ensemble_figures::scene(experiment, combinations);
            for &format in &stills {
                push("ensemble", format, figures::ensemble(&scene, format))?;
            }
        }
    }
    if problem.is_planar() {
        let window = window(problem);
        if !stills.is_empty() {
            let mut panels: Vec<PanelModel<'_>> = Vec::new();
            for (i, t) in runs.iter().enumerate() {
                panels.push(PanelModel::of_run(
                    experiment, problem, i, &t.params, &t.stats,
                ));
                panels.extend(super::ensemble_figures::panels(experiment, problem, i, t));
            }
            let scene = boundary_scene(experiment, problem, &panels, window, None);
            for &format in &stills {
                push("boundaries", format, figures::boundaries(&scene, format))?;
            }
        }
        if formats.contains(&Format::Gif) {
            push(
                "boundaries",
                Format::Gif,
                gif(experiment, problem, runs, window),
            )?;
        }
    } else if problem.train.image.is_some() && !stills.is_empty() {
        let scene = digits_scene(experiment, problem, runs);
        for &format in &stills {
            push("digits", format, figures::digits(&scene, format))?;
        }
    }
    if super::landscape::drawn(experiment, problem) {
        let canvas = canvas(&experiment.plot, figures::landscape_canvas(runs.len()));
        let legend = |i: usize| legend(experiment, i);
        let scene = super::landscape::scene(experiment, problem, runs, legend, canvas);
        for &format in &stills {
            push("landscape", format, figures::landscape(&scene, format))?;
        }
    }
    Ok(())
}

/// The figure's size: the file's, else what suits `panels` panels when the file kept the
/// default canvas (which suits one wide figure).
pub(super) fn canvas(plot: &PlotSettings, suggested: (u32, u32)) -> (u32, u32) {
    let default = PlotSettings::default();
    if (plot.width, plot.height) == (default.width, default.height) {
        suggested
    } else {
        (plot.width, plot.height)
    }
}

fn legend(experiment: &Experiment, index: usize) -> String {
    let run = &experiment.runs[index];
    format!("{} ({})", run.label, run.summary())
}

fn curves_scene(experiment: &Experiment, runs: &[Trained]) -> CurvesScene {
    let has_validation = runs
        .iter()
        .flat_map(|t| &t.history)
        .any(|r| !r.val_loss.is_nan());
    CurvesScene {
        title: experiment.name.clone(),
        runs: runs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let column = |f: fn(&crate::core::network::train::HistoryRow) -> f64| {
                    t.history.iter().map(f).collect::<Vec<f64>>()
                };
                NetRun {
                    label: experiment.runs[i].label.clone(),
                    legend: legend(experiment, i),
                    steps: t.history.iter().map(|r| r.step).collect(),
                    train_loss: column(|r| r.train_loss),
                    val_loss: if has_validation {
                        column(|r| r.val_loss)
                    } else {
                        Vec::new()
                    },
                    train_accuracy: column(|r| r.train_accuracy),
                    val_accuracy: if has_validation {
                        column(|r| r.val_accuracy)
                    } else {
                        Vec::new()
                    },
                    diverged_at: match t.status {
                        Status::Diverged { step } => Some(step),
                        _ => None,
                    },
                    averaged: None,
                    snapshots: Vec::new(),
                }
            })
            .collect(),
        width: experiment.plot.width,
        height: experiment.plot.height,
        scale: experiment.plot.scale,
        log_x: experiment.plot.log_x,
    }
}

/// The plane the regions are drawn over: every point of both sets, with a margin of a tenth
/// of the larger side, made square so that distances look like distances.
pub(crate) fn window(problem: &NetworkProblem) -> [[f64; 2]; 2] {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for set in [&problem.train, &problem.validation] {
        for row in set.features.rows() {
            for axis in 0..2 {
                lo[axis] = lo[axis].min(row[axis]);
                hi[axis] = hi[axis].max(row[axis]);
            }
        }
    }
    let side = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-9) * 1.2;
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    [0, 1].map(|axis| [centre[axis] - side / 2.0, centre[axis] + side / 2.0])
}

/// One panel of the boundaries figure: a run's model, or an ensemble of models predicting by
/// their mean probabilities.
pub(super) struct PanelModel<'a> {
    pub label: String,
    pub legend: String,
    pub members: Vec<Member<'a>>,
    /// The run whose training points it is shown with.
    pub run: usize,
}

impl<'a> PanelModel<'a> {
    /// Run `index`'s model at `params`.
    fn of_run(
        experiment: &Experiment,
        problem: &'a NetworkProblem,
        index: usize,
        params: &'a Array1<f64>,
        stats: &'a RunningStats,
    ) -> PanelModel<'a> {
        PanelModel {
            label: experiment.runs[index].label.clone(),
            legend: legend(experiment, index),
            members: vec![Member {
                network: problem.model(&experiment.runs[index].network).0,
                params: params.view(),
                stats,
            }],
            run: index,
        }
    }

    /// The class probabilities of every row of `x`: the one model's (computed as it always
    /// was), or the ensemble's mean.
    fn probabilities(&self, x: ArrayView2<'_, f64>, workspace: &mut Workspace) -> Array2<f64> {
        match self.members.as_slice() {
            [one] => one
                .network
                .probabilities(one.params, x, one.stats, workspace)
                .to_owned(),
            members => ensemble::probabilities(members, x, workspace),
        }
    }
}

/// The decision regions and points of each panel's model.
fn boundary_scene(
    experiment: &Experiment,
    problem: &NetworkProblem,
    models: &[PanelModel<'_>],
    window: [[f64; 2]; 2],
    caption: Option<String>,
) -> BoundaryScene {
    let n = REGION_CELLS;
    // Cell centres, row 0 at the bottom of the window (y0), x growing along a row.
    let cell =
        |range: [f64; 2], i: usize| range[0] + (i as f64 + 0.5) / n as f64 * (range[1] - range[0]);
    let grid = Array2::from_shape_fn((n * n, 2), |(k, axis)| match axis {
        0 => cell(window[0], k % n),
        _ => cell(window[1], k / n),
    });
    let mut workspace = Workspace::default();
    let panels = models
        .iter()
        .map(|model| {
            let probabilities = model
                .probabilities(grid.view(), &mut workspace)
                .iter()
                .map(|&p| p as f32)
                .collect();
            let mut points = |set: &Dataset| -> Vec<LabelledPoint> {
                let p = model.probabilities(set.features.view(), &mut workspace);
                set.features
                    .rows()
                    .into_iter()
                    .zip(&set.labels)
                    .zip(p.rows())
                    .map(|((x, &label), p)| LabelledPoint {
                        at: [x[0], x[1]],
                        label,
                        predicted: argmax(p),
                    })
                    .collect()
            };
            // The points this run trained on: its own part when it asks for fewer.
            let train = points(&problem.train_set(&experiment.runs[model.run].network));
            let validation = points(&problem.validation);
            let accuracy = |points: &[LabelledPoint]| {
                if points.is_empty() {
                    f64::NAN
                } else {
                    points.iter().filter(|p| p.label == p.predicted).count() as f64
                        / points.len() as f64
                }
            };
            BoundaryPanel {
                label: model.label.clone(),
                legend: model.legend.clone(),
                resolution: [n, n],
                probabilities,
                accuracy: [accuracy(&train), accuracy(&validation)],
                train,
                validation,
            }
        })
        .collect();
    let (width, height) = canvas(&experiment.plot, figures::boundaries_canvas(models.len()));
    BoundaryScene {
        title: experiment.name.clone(),
        classes: problem.train.classes,
        window,
        panels,
        width,
        height,
        scale: experiment.plot.scale,
        caption,
    }
}

/// Up to `wanted` of `kept` frames, evenly spread, the first and the last among them: the
/// trainings keep more frames than the animation shows when the landscape needs them.
fn spread(kept: usize, wanted: usize) -> Vec<usize> {
    if kept <= wanted || wanted < 2 {
        return (0..kept).collect();
    }
    let mut chosen: Vec<usize> = (0..wanted)
        .map(|k| (k * (kept - 1) + (wanted - 1) / 2) / (wanted - 1))
        .collect();
    chosen.dedup();
    chosen
}

/// The regions forming: one frame per kept step, every run at that step (a run that ended
/// early stays at its last frame).
fn gif(
    experiment: &Experiment,
    problem: &NetworkProblem,
    runs: &[Trained],
    window: [[f64; 2]; 2],
) -> Result<Vec<u8>, PlotError> {
    let frames = runs.iter().map(|t| t.frames.len()).max().unwrap_or(0);
    // One more than the frames asked for: the trainings keep the last step besides.
    let shown = spread(frames, super::network::GIF_FRAMES as usize + 1);
    let scenes: Vec<BoundaryScene> = shown
        .into_iter()
        .map(|f| {
            let models: Vec<PanelModel<'_>> = runs
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let frame = &t.frames[f.min(t.frames.len().saturating_sub(1))];
                    PanelModel::of_run(experiment, problem, i, &frame.params, &frame.stats)
                })
                .collect();
            let step = runs
                .iter()
                .filter_map(|t| t.frames.get(f).map(|frame| frame.step))
                .max()
                .unwrap_or(0);
            let caption = Some(format!("step {step} of {}", experiment.steps));
            boundary_scene(experiment, problem, &models, window, caption)
        })
        .collect();
    figures::boundaries_gif(&scenes, FRAME_MS)
}

/// Per run: the confusion matrix on the validation set (the training set without one) and
/// the first misclassified images.
fn digits_scene(
    experiment: &Experiment,
    problem: &NetworkProblem,
    runs: &[Trained],
) -> DigitsScene {
    let set = if problem.validation.is_empty() {
        &problem.train
    } else {
        &problem.validation
    };
    let classes = set.classes;
    let mut workspace = Workspace::default();
    let panels = runs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = problem.network.probabilities(
                t.params.view(),
                set.features.view(),
                &t.stats,
                &mut workspace,
            );
            let mut confusion = vec![vec![0usize; classes]; classes];
            let mut misclassified = Vec::new();
            for ((row, &label), x) in p
                .rows()
                .into_iter()
                .zip(&set.labels)
                .zip(set.features.rows())
            {
                let predicted = argmax(row);
                confusion[label][predicted] += 1;
                if predicted != label && misclassified.len() < MISCLASSIFIED_SHOWN {
                    misclassified.push(Misclassified {
                        pixels: x.to_vec(),
                        label,
                        predicted,
                    });
                }
            }
            DigitsPanel {
                label: format!(
                    "{} on the {} set",
                    legend(experiment, i),
                    if problem.validation.is_empty() {
                        "training"
                    } else {
                        "validation"
                    }
                ),
                confusion,
                misclassified,
            }
        })
        .collect();
    let (width, height) = canvas(&experiment.plot, figures::digits_canvas(runs.len()));
    DigitsScene {
        title: experiment.name.clone(),
        panels,
        width,
        height,
        scale: experiment.plot.scale,
    }
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn the_animation_shows_its_frames_evenly_spread_among_those_kept() {
        // As many kept as shown, or fewer: every one.
        assert_eq!(spread(41, 41), (0..41).collect::<Vec<_>>());
        assert_eq!(spread(7, 41), (0..7).collect::<Vec<_>>());
        // The landscape's 121: 41 of them, the first and the last included, evenly apart.
        let chosen = spread(121, 41);
        assert_eq!(chosen.len(), 41);
        assert_eq!((chosen[0], chosen[40]), (0, 120));
        assert!(chosen.windows(2).all(|w| w[1] - w[0] == 3));
    }
}
