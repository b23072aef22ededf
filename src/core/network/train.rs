//! The training loop: the core's optimizers and schedules stepping a network on minibatches,
//! with a history row (losses and accuracies on the whole training and validation sets, in
//! evaluation mode) every few steps.
//!
//! One step: draw the next minibatch (every row once per epoch), augment it, draw the step's
//! dropout and DropConnect masks, compute the minibatch gradient, move batch norm's running
//! statistics, then let the optimizer step, as `loss.backward(); opt.step()` would. The
//! optimizer sees the step's minibatch loss as its objective, masks held fixed, so a line
//! search (L-BFGS) or Newton evaluates the same function the gradient came from.
//!
//! What a training takes and leaves ([`Training`], and [`Trained`] with its [`HistoryRow`]s
//! and [`Frame`]s) is here; the loop itself ([`train`], and the [`Trainer`] it runs) is in
//! `train/trainer.rs`, the step's objective as the optimizer sees it in `train/objective.rs`,
//! and the measuring of a recorded row in `train/history.rs`.

use std::borrow::Cow;

use ndarray::Array1;

use super::averaging::{Averaged, Averaging};
use super::data::{Augment, Dataset};
use super::model::{Network, Regularisation, RunningStats};
use crate::core::objective::Evaluations;
use crate::core::run::Status;

mod history;
mod objective;
mod trainer;

pub use trainer::{Trainer, train};

/// A parameter vector this long has a Hessian of this many numbers at most: Newton refuses
/// larger networks (its Hessian, `n²` f64s, would not fit in 128 MB).
pub const MAX_HESSIAN_PARAMETERS: usize = 4096;

/// Everything a run's training needs apart from its optimizer.
#[derive(Debug, Clone)]
pub struct Training<'a> {
    /// The network's shape and parameter layout.
    pub network: &'a Network,
    /// What the minibatches are drawn from: the problem's training set, or a run's own
    /// smaller part of it.
    pub train: Cow<'a, Dataset>,
    /// Held out: measured, never trained on (may be empty).
    pub validation: &'a Dataset,
    /// L1, L2, dropout, DropConnect.
    pub regularisation: Regularisation,
    /// Minibatch size; 0 or at least the training set: full batch.
    pub batch: usize,
    /// Training-time augmentation of each minibatch.
    pub augment: Augment,
    /// The most optimizer steps.
    pub steps: u64,
    /// A history row every this many steps (and the last).
    pub record_every: u64,
    /// Seeds the minibatches, masks and augmentations.
    pub seed: u64,
    /// Keep the parameters at this many recorded rows, evenly spread (and the last): the
    /// frames of an animation. 0: none.
    pub frames: u64,
    /// The first this many parameters stay as they start and the optimizer steps only the
    /// rest (transfer's head-only training: the body frozen, as torch's `requires_grad =
    /// False` leaves it: no momentum, no weight decay). 0: every parameter is trained.
    pub frozen: usize,
    /// Average the weights as they train, and measure the averaged model at every recorded
    /// row beside the trained one. `None`: no second model.
    pub average: Option<Averaging>,
    /// Keep the parameters after each of these steps (ascending; a snapshot ensemble's cycle
    /// ends), whatever `record_every`.
    pub snapshots: Vec<u64>,
}

/// The model at one recorded step, kept for an animation.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Steps taken.
    pub step: u64,
    /// The parameters then.
    pub params: Array1<f64>,
    /// Batch norm's running statistics then.
    pub stats: RunningStats,
}

/// One row of the history: the model after `step` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryRow {
    /// Steps taken (0: the initial model).
    pub step: u64,
    /// Mean cross-entropy over the whole training set, evaluation mode, no penalty.
    pub train_loss: f64,
    /// The same on the validation set (NaN without one).
    pub val_loss: f64,
    /// Fraction of the training set classified right.
    pub train_accuracy: f64,
    /// The same on the validation set (NaN without one).
    pub val_accuracy: f64,
    /// The learning rate of the step that reached this row; `None` for step 0.
    pub lr: Option<f64>,
    /// |∇| of the minibatch objective (penalty included) at these parameters.
    pub grad_norm: f64,
}

/// What a training leaves.
#[derive(Debug, Clone)]
pub struct Trained {
    /// Converged (the optimizer's own test, full batch, nothing random), diverged at a step,
    /// or every step taken.
    pub status: Status,
    /// Steps taken to reach the last finite parameters.
    pub steps: u64,
    /// Every recorded row; the last is the final model (or the last finite one recorded).
    pub history: Vec<HistoryRow>,
    /// The final parameters (the last finite ones recorded, when the run diverged).
    pub params: Array1<f64>,
    /// Batch norm's running statistics with them.
    pub stats: RunningStats,
    /// The penalty term at the final parameters.
    pub penalty: f64,
    /// Every gradient and value the optimizer asked for.
    pub evaluations: Evaluations,
    /// The parameters at evenly spread recorded rows ([`Training::frames`]).
    pub frames: Vec<Frame>,
    /// The averaged model ([`Training::average`]); `None` without averaging, or when the
    /// training ended before the averaging started.
    pub averaged: Option<Averaged>,
    /// The parameters after each of [`Training::snapshots`]' steps the training reached.
    pub snapshots: Vec<Frame>,
    /// The other members of the run's ensemble (seeds after the run's), trained apart and
    /// attached by whoever trained them; empty for a run alone.
    pub members: Vec<Trained>,
}

impl Trained {
    /// The last row.
    pub fn last(&self) -> Option<&HistoryRow> {
        self.history.last()
    }

    /// The best validation accuracy of any row (NaN without validation).
    pub fn best_val_accuracy(&self) -> f64 {
        self.history
            .iter()
            .map(|r| r.val_accuracy)
            .filter(|a| !a.is_nan())
            .fold(f64::NAN, f64::max)
    }
}
