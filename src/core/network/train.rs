//! The training loop: the core's optimizers and schedules stepping a network on minibatches,
//! with a history row (losses and accuracies on the whole training and validation sets, in
//! evaluation mode) every few steps.
//!
//! One step: draw the next minibatch (every row once per epoch), augment it, draw the step's
//! dropout and DropConnect masks, compute the minibatch gradient, move batch norm's running
//! statistics, then let the optimizer step, as `loss.backward(); opt.step()` would. The
//! optimizer sees the step's minibatch loss as its objective, masks held fixed, so a line
//! search (L-BFGS) or Newton evaluates the same function the gradient came from.

use std::cell::{Cell, RefCell};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::averaging::{self, Averaged, Averaging, RunningAverage};
use super::data::{Augment, Batches, Dataset, augment};
use super::model::{Evaluation, Loss, Masks, Network, Regularisation, RunningStats, Workspace};
use crate::core::cancel::Cancel;
use crate::core::objective::{Counted, Evaluations, Objective};
use crate::core::run::{RunSpec, Status};

/// How often (in steps) the loop looks at its cancel token and reports progress.
const CHECK_EVERY: u64 = 256;

/// A parameter vector this long has a Hessian of this many numbers at most: Newton refuses
/// larger networks (its Hessian, `n²` f64s, would not fit in 128 MB).
pub const MAX_HESSIAN_PARAMETERS: usize = 4096;

/// Seeds of the streams a run draws from, apart from the data's: each run of a file starts
/// them afresh, so every run sees the same minibatches, masks and augmentations.
const MASK_STREAM: u64 = 0x6d61_736b;
const AUGMENT_STREAM: u64 = 0x6175_676d;

/// Everything a run's training needs apart from its optimizer.
#[derive(Debug, Clone)]
pub struct Training<'a> {
    /// The network's shape and parameter layout.
    pub network: &'a Network,
    /// What the minibatches are drawn from.
    pub train: &'a Dataset,
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

/// The minibatch objective of one step, masks fixed: what the optimizer may ask about.
struct StepObjective<'a> {
    network: &'a Network,
    x: ArrayView2<'a, f64>,
    labels: &'a [usize],
    regularisation: &'a Regularisation,
    masks: &'a Masks,
    workspace: &'a RefCell<Workspace>,
    /// The loss of the last evaluation.
    loss: Cell<Loss>,
}

impl StepObjective<'_> {
    fn evaluate(&self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>) -> Loss {
        let loss = self.network.loss_and_gradient(
            p,
            self.x,
            self.labels,
            self.regularisation,
            self.masks,
            &mut self.workspace.borrow_mut(),
            out,
        );
        self.loss.set(loss);
        loss
    }
}

impl Objective for StepObjective<'_> {
    fn dim(&self) -> usize {
        self.network.parameters()
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        let mut scratch = Array1::zeros(p.len());
        self.evaluate(p, scratch.view_mut()).total()
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>) {
        self.evaluate(p, out);
    }

    /// Central differences of the exact gradient, symmetrised: Newton on a small network.
    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        let n = p.len();
        if n > MAX_HESSIAN_PARAMETERS {
            return None;
        }
        let mut h = Array2::zeros((n, n));
        let mut point = p.to_owned();
        let (mut up, mut down) = (Array1::zeros(n), Array1::zeros(n));
        for i in 0..n {
            let step = 1e-5 * p[i].abs().max(1.0);
            point[i] = p[i] + step;
            self.evaluate(point.view(), up.view_mut());
            point[i] = p[i] - step;
            self.evaluate(point.view(), down.view_mut());
            point[i] = p[i];
            h.row_mut(i).assign(&((&up - &down) / (2.0 * step)));
        }
        let symmetric = (&h + &h.t()) / 2.0;
        Some(symmetric)
    }
}

/// Trains `training.network` from `initial` with `spec`'s optimizer and schedule until the
/// steps run out, the optimizer's own test says it is done (full batch, nothing random), or
/// the loss, the gradient or the parameters stop being finite (diverged: the history ends at
/// the last finite row recorded). `progress` hears of steps taken every few hundred steps;
/// once `cancel` is cancelled the training stops within as many, cut short.
pub fn train(
    training: &Training<'_>,
    spec: &RunSpec,
    initial: ArrayView1<'_, f64>,
    cancel: &Cancel,
    progress: &dyn Fn(u64),
) -> Trained {
    let network = training.network;
    let train = training.train;
    let dim = network.parameters();
    let mut params = initial.to_owned();
    let mut stats = network.running_stats();
    let mut stepper = spec.optimizer.start(dim);
    let mut batches = Batches::new(train.len(), training.batch, training.seed);
    let full_batch = batches.is_full_batch() && training.augment.is_identity();
    let random = !full_batch
        || training.regularisation.dropout > 0.0
        || training.regularisation.dropconnect > 0.0;
    // Then the step's own forward pass is the evaluation of the training set: its loss and
    // accuracy are the history's, with no second pass.
    let step_is_evaluation = !random && !network.architecture.batch_norm;
    let mut mask_rng = ChaCha8Rng::seed_from_u64(training.seed ^ MASK_STREAM);
    let mut augment_rng = ChaCha8Rng::seed_from_u64(training.seed ^ AUGMENT_STREAM);
    let workspace = RefCell::new(Workspace::default());
    let mut measuring = Workspace::default();
    let mut batch_x: Array2<f64>;
    let mut batch_labels: Vec<usize> = Vec::new();
    let mut grad = Array1::zeros(dim);
    let mut evaluations = Evaluations::default();
    let mut history = Vec::new();
    // The parameters of the last row recorded: what a diverged run ends with.
    let mut last_recorded = params.clone();
    let mut last_lr = None;
    let mut reported = 0;
    let record_every = training.record_every.max(1);
    // Frames at every `frame_every`-th step (a multiple of `record_every`), and the last.
    let frame_every = match training.frames {
        0 => u64::MAX,
        n => training.steps.div_ceil(n).div_ceil(record_every).max(1) * record_every,
    };
    let mut frames = Vec::new();
    let mut average = training.average.map(|how| RunningAverage::new(how, dim));
    let mut averaged: Option<Averaged> = None;
    let mut snapshots = Vec::new();

    let mut t: u64 = 0;
    let status = loop {
        // The step's minibatch objective, and its gradient at the current parameters.
        let (x, labels): (ArrayView2<'_, f64>, &[usize]) = if full_batch {
            (train.features.view(), &train.labels)
        } else {
            let rows = batches.next_batch();
            batch_x = train.features.select(ndarray::Axis(0), rows);
            batch_labels.clear();
            batch_labels.extend(rows.iter().map(|&r| train.labels[r]));
            if !training.augment.is_identity() {
                augment(
                    &mut batch_x,
                    train.image,
                    &training.augment,
                    &mut augment_rng,
                );
            }
            (batch_x.view(), &batch_labels)
        };
        let masks = network.draw_masks(&training.regularisation, x.nrows(), &mut mask_rng);
        let objective = StepObjective {
            network,
            x,
            labels,
            regularisation: &training.regularisation,
            masks: &masks,
            workspace: &workspace,
            loss: Cell::new(Loss {
                data: f64::NAN,
                penalty: f64::NAN,
            }),
        };
        let mut counted = Counted::new(&objective);
        counted.gradient_into(params.view(), grad.view_mut());
        let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        if !objective.loss.get().total().is_finite() || !grad_norm.is_finite() {
            add(&mut evaluations, counted.evaluations());
            break Status::Diverged { step: t };
        }
        network.update_running_stats(&mut stats, &workspace.borrow());
        if let Some(average) = &mut average {
            average.add(t, params.view());
        }
        if training.snapshots.binary_search(&t).is_ok() {
            snapshots.push(Frame {
                step: t,
                params: params.clone(),
                stats: stats.clone(),
            });
        }

        if t.is_multiple_of(record_every) || t == training.steps {
            let on_train = step_is_evaluation.then(|| Evaluation {
                loss: objective.loss.get().data,
                accuracy: workspace.borrow().accuracy(labels),
            });
            let row = measure(
                training,
                &params,
                &stats,
                &mut measuring,
                t,
                last_lr,
                grad_norm,
                on_train,
            );
            if !row.train_loss.is_finite() {
                add(&mut evaluations, counted.evaluations());
                break Status::Diverged { step: t };
            }
            history.push(row);
            if let Some(average) = &average {
                let sets = [training.train, training.validation];
                averaging::record(network, sets, average, t, &mut measuring, &mut averaged);
            }
            last_recorded.assign(&params);
            if training.frames > 0 && (t.is_multiple_of(frame_every) || t == training.steps) {
                frames.push(Frame {
                    step: t,
                    params: params.clone(),
                    stats: stats.clone(),
                });
            }
        }
        let cancelled = t.is_multiple_of(CHECK_EVERY) && {
            progress(t - reported);
            reported = t;
            cancel.is_cancelled()
        };
        if t == training.steps || cancelled {
            add(&mut evaluations, counted.evaluations());
            break Status::MaxSteps;
        }
        let lr = spec.schedule.lr(spec.lr, t);
        let step = stepper.step(&mut params, grad.view(), lr, &mut counted);
        add(&mut evaluations, counted.evaluations());
        last_lr = Some(lr);
        t += 1;
        if !params.iter().all(|p| p.is_finite()) {
            break Status::Diverged { step: t };
        }
        if step.converged && !random {
            let row = measure(
                training,
                &params,
                &stats,
                &mut measuring,
                t,
                last_lr,
                f64::NAN,
                None,
            );
            history.push(row);
            if let Some(average) = &mut average {
                average.add(t, params.view());
                let sets = [training.train, training.validation];
                averaging::record(network, sets, average, t, &mut measuring, &mut averaged);
            }
            break Status::Converged;
        }
    };
    progress(t - reported);
    if matches!(status, Status::Diverged { .. }) {
        // The parameters are no longer finite, or about to be: keep the last recorded ones'
        // numbers as the result, not the blown-up point.
        if let Some(row) = history.last() {
            t = row.step;
        }
        params = last_recorded;
    }
    let penalty = training.regularisation.penalty(network, params.view());
    Trained {
        status,
        steps: t,
        history,
        params,
        stats,
        penalty,
        evaluations,
        frames,
        averaged,
        snapshots,
        members: Vec::new(),
    }
}

/// The history row of the model at `params` after `step` steps; `on_train` is its
/// evaluation on the training set when the step has already made it.
#[allow(clippy::too_many_arguments)]
fn measure(
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
    let train = on_train.unwrap_or_else(|| on(training.train, workspace));
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

fn add(total: &mut Evaluations, step: Evaluations) {
    total.value += step.value;
    total.gradient += step.gradient;
    total.hessian += step.hessian;
}
