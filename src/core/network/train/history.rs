//! Measuring a recorded row: the model in evaluation mode on the whole training and
//! validation sets (a [`HistoryRow`]), and the averaged model measured beside it. Apart
//! from the loop (`trainer.rs`), which decides when a row is due and what else it keeps.

use ndarray::Array1;

use super::{HistoryRow, Training};
use crate::core::network::averaging::{self, Averaged, RunningAverage};
use crate::core::network::data::Dataset;
use crate::core::network::model::{Evaluation, RunningStats, Workspace};

/// Measures the averaged model (when the training averages) beside the row just recorded at
/// step `t`.
pub(super) fn record_average(
    average: Option<&RunningAverage>,
    training: &Training<'_>,
    t: u64,
    workspace: &mut Workspace,
    averaged: &mut Option<Averaged>,
) {
    if let Some(average) = average {
        let sets = [&*training.train, training.validation];
        averaging::record(training.network, sets, average, t, workspace, averaged);
    }
}

/// The history row of the model at `params` after `step` steps; `on_train` is its
/// evaluation on the training set when the step has already made it.
#[allow(clippy::too_many_arguments)]
pub(super) fn measure(
    training: &Training<'_>,
    params: &Array1<f64>,
    stats: &RunningStats,
    workspace: &mut Workspace,
    step: u64,
    lr: Option<f64>,
    grad_norm: f64,
    on_train: Option<Evaluation>,
) -> HistoryRow {
    let network = training.network;
    let on = |set: &Dataset, ws: &mut Workspace| {
        network.evaluate(params.view(), set.features.view(), &set.labels, stats, ws)
    };
    let train = on_train.unwrap_or_else(|| on(&training.train, workspace));
    let validation = on(training.validation, workspace);
    HistoryRow {
        step,
        train_loss: train.loss,
        val_loss: validation.loss,
        train_accuracy: train.accuracy,
        val_accuracy: validation.accuracy,
        lr,
        grad_norm,
    }
}
