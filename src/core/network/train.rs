//! The training loop: the core's optimizers and schedules stepping a network on minibatches,
//! with a history row (losses and accuracies on the whole training and validation sets, in
//! evaluation mode) every few steps.
//!
//! One step: draw the next minibatch (every row once per epoch), augment it, draw the step's
//! dropout and DropConnect masks, compute the minibatch gradient, move batch norm's running
//! statistics, then let the optimizer step, as `loss.backward(); opt.step()` would. The
//! optimizer sees the step's minibatch loss as its objective, masks held fixed, so a line
//! search (L-BFGS) or Newton evaluates the same function the gradient came from.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::averaging::{self, Averaged, Averaging, RunningAverage};
use super::data::{Augment, Batches, Dataset, augment};
use super::model::{Evaluation, Loss, Masks, Network, Regularisation, RunningStats, Workspace};
use crate::core::cancel::Cancel;
use crate::core::objective::{Counted, Evaluations, Objective};
use crate::core::optim::Stepper;
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

    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        hessian_by_differences(self, p)
    }
}

/// Central differences of `objective`'s exact gradient, symmetrised: Newton on a small
/// network. `None` over [`MAX_HESSIAN_PARAMETERS`].
fn hessian_by_differences(
    objective: &dyn Objective,
    p: ArrayView1<'_, f64>,
) -> Option<Array2<f64>> {
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
        objective.gradient(point.view(), up.view_mut());
        point[i] = p[i] - step;
        objective.gradient(point.view(), down.view_mut());
        point[i] = p[i];
        h.row_mut(i).assign(&((&up - &down) / (2.0 * step)));
    }
    let symmetric = (&h + &h.t()) / 2.0;
    Some(symmetric)
}

/// The step's objective as a function of the trained parameters alone (those after the
/// first `frozen`, which keep the values they had): what a head-only training's optimizer
/// steps, and what its line search or Hessian asks about.
struct Trainable<'a> {
    whole: &'a StepObjective<'a>,
    frozen: usize,
    /// The whole parameter vector, its trained part overwritten at each question.
    point: RefCell<Array1<f64>>,
    gradient: RefCell<Array1<f64>>,
}

impl<'a> Trainable<'a> {
    fn new(whole: &'a StepObjective<'a>, params: &Array1<f64>, frozen: usize) -> Trainable<'a> {
        Trainable {
            whole,
            frozen,
            point: RefCell::new(params.clone()),
            gradient: RefCell::new(Array1::zeros(params.len())),
        }
    }

    /// The whole vector with `trained` in its trained part.
    fn at(&self, trained: ArrayView1<'_, f64>) -> std::cell::RefMut<'_, Array1<f64>> {
        let mut point = self.point.borrow_mut();
        point.slice_mut(s![self.frozen..]).assign(&trained);
        point
    }
}

impl Objective for Trainable<'_> {
    fn dim(&self) -> usize {
        self.whole.dim() - self.frozen
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        self.whole.value(self.at(p).view())
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, mut out: ArrayViewMut1<'_, f64>) {
        let mut gradient = self.gradient.borrow_mut();
        self.whole.gradient(self.at(p).view(), gradient.view_mut());
        out.assign(&gradient.slice(s![self.frozen..]));
    }

    /// Of the trained parameters alone: a small head has a small Hessian however large the
    /// frozen body is.
    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        hessian_by_differences(self, p)
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
    let mut trainer = Trainer::new(training, spec, initial);
    while trainer.status.is_none() {
        trainer.iterate(training, spec, cancel, progress);
    }
    trainer.finish(training)
}

/// A training that can be taken a few steps at a time (`optplay play` draws between them):
/// everything [`train`] carries from one step to the next, the optimizer's state, the
/// minibatch order, the random streams and the buffers. Stepped in chunks it reaches the
/// same numbers as [`train`] in one go, since a chunk is the same loop body run fewer times.
///
/// The trainer does not hold its [`Training`] and [`RunSpec`] (they borrow the data, which
/// the caller owns beside it): every call takes them, and must take the same ones.
pub struct Trainer {
    params: Array1<f64>,
    stats: RunningStats,
    stepper: Box<dyn Stepper>,
    batches: Batches,
    /// Every step sees the whole training set, unaugmented.
    full_batch: bool,
    /// Anything drawn at random in a step: minibatches, masks, augmentation.
    random: bool,
    /// The step's own forward pass is the training set's evaluation (see [`Trainer::new`]).
    step_is_evaluation: bool,
    mask_rng: ChaCha8Rng,
    augment_rng: ChaCha8Rng,
    workspace: RefCell<Workspace>,
    measuring: Workspace,
    batch_x: Array2<f64>,
    batch_labels: Vec<usize>,
    grad: Array1<f64>,
    evaluations: Evaluations,
    history: Vec<HistoryRow>,
    /// The parameters of the last row recorded: what a diverged run ends with.
    last_recorded: Array1<f64>,
    last_lr: Option<f64>,
    /// Steps already told to `progress`.
    reported: u64,
    record_every: u64,
    /// Frames at every `frame_every`-th step (a multiple of `record_every`), and the last.
    frame_every: u64,
    frames: Vec<Frame>,
    /// The running average of the weights ([`Training::average`]).
    average: Option<RunningAverage>,
    /// The averaged model as last measured.
    averaged: Option<Averaged>,
    /// The parameters kept at [`Training::snapshots`]' steps.
    snapshots: Vec<Frame>,
    /// The first parameters, which stay as they are ([`Training::frozen`]).
    frozen: usize,
    /// Steps taken.
    t: u64,
    /// Set once the training has ended.
    status: Option<Status>,
}

impl Trainer {
    /// A training of `training` with `spec` about to take its first step from `initial`.
    pub fn new(training: &Training<'_>, spec: &RunSpec, initial: ArrayView1<'_, f64>) -> Trainer {
        let network = training.network;
        let dim = network.parameters();
        let params = initial.to_owned();
        let batches = Batches::new(training.train.len(), training.batch, training.seed);
        let full_batch = batches.is_full_batch() && training.augment.is_identity();
        let random = !full_batch
            || training.regularisation.dropout > 0.0
            || training.regularisation.dropconnect > 0.0;
        let record_every = training.record_every.max(1);
        Trainer {
            last_recorded: params.clone(),
            params,
            stats: network.running_stats(),
            stepper: spec.optimizer.start(dim - training.frozen.min(dim)),
            frozen: training.frozen.min(dim),
            batches,
            full_batch,
            random,
            // Then the step's own forward pass is the evaluation of the training set: its
            // loss and accuracy are the history's, with no second pass.
            step_is_evaluation: !random && !network.architecture.batch_norm,
            mask_rng: ChaCha8Rng::seed_from_u64(training.seed ^ MASK_STREAM),
            augment_rng: ChaCha8Rng::seed_from_u64(training.seed ^ AUGMENT_STREAM),
            workspace: RefCell::new(Workspace::default()),
            measuring: Workspace::default(),
            batch_x: Array2::zeros((0, 0)),
            batch_labels: Vec::new(),
            grad: Array1::zeros(dim),
            evaluations: Evaluations::default(),
            history: Vec::new(),
            last_lr: None,
            reported: 0,
            record_every,
            frame_every: match training.frames {
                0 => u64::MAX,
                n => training.steps.div_ceil(n).div_ceil(record_every).max(1) * record_every,
            },
            frames: Vec::new(),
            average: training.average.map(|how| RunningAverage::new(how, dim)),
            averaged: None,
            snapshots: Vec::new(),
            t: 0,
            status: None,
        }
    }

    /// Takes up to `n` more optimizer steps, fewer when the training ends first; a training
    /// that reaches its last step ends there (its last row recorded). Returns how it ended,
    /// or `None` while it goes on.
    pub fn step_n(
        &mut self,
        training: &Training<'_>,
        spec: &RunSpec,
        n: u64,
        cancel: &Cancel,
    ) -> Option<Status> {
        let target = self.t.saturating_add(n);
        while self.status.is_none() && (self.t < target || self.t == training.steps) {
            self.iterate(training, spec, cancel, &|_| {});
        }
        self.status
    }

    /// Steps taken (after a divergence: the step of the last finite row).
    pub fn step(&self) -> u64 {
        self.t
    }

    /// How the training ended; `None` while it goes on.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The parameters now (after a divergence: the last finite ones recorded).
    pub fn params(&self) -> &Array1<f64> {
        &self.params
    }

    /// Batch norm's running statistics now.
    pub fn stats(&self) -> &RunningStats {
        &self.stats
    }

    /// The rows recorded so far.
    pub fn history(&self) -> &[HistoryRow] {
        &self.history
    }

    /// One turn of the loop: the gradient at the current parameters on the step's minibatch,
    /// a history row when one is due, then the optimizer's step, unless the training ends
    /// here (which sets `status`).
    fn iterate(
        &mut self,
        training: &Training<'_>,
        spec: &RunSpec,
        cancel: &Cancel,
        progress: &dyn Fn(u64),
    ) {
        let network = training.network;
        let train = &*training.train;
        let t = self.t;
        // The step's minibatch objective, and its gradient at the current parameters.
        let (x, labels): (ArrayView2<'_, f64>, &[usize]) = if self.full_batch {
            (train.features.view(), &train.labels)
        } else {
            let rows = self.batches.next_batch();
            self.batch_x = train.features.select(ndarray::Axis(0), rows);
            self.batch_labels.clear();
            self.batch_labels
                .extend(rows.iter().map(|&r| train.labels[r]));
            if !training.augment.is_identity() {
                augment(
                    &mut self.batch_x,
                    train.image,
                    &training.augment,
                    &mut self.augment_rng,
                );
            }
            (self.batch_x.view(), &self.batch_labels)
        };
        let masks = network.draw_masks(&training.regularisation, x.nrows(), &mut self.mask_rng);
        let objective = StepObjective {
            network,
            x,
            labels,
            regularisation: &training.regularisation,
            masks: &masks,
            workspace: &self.workspace,
            loss: Cell::new(Loss {
                data: f64::NAN,
                penalty: f64::NAN,
            }),
        };
        let mut counted = Counted::new(&objective);
        counted.gradient_into(self.params.view(), self.grad.view_mut());
        // What the optimizer sees: the trained parameters' gradient.
        let grad_norm = self
            .grad
            .slice(s![self.frozen..])
            .iter()
            .map(|g| g * g)
            .sum::<f64>()
            .sqrt();
        if !objective.loss.get().total().is_finite() || !grad_norm.is_finite() {
            add(&mut self.evaluations, counted.evaluations());
            return self.end(Status::Diverged { step: t }, progress);
        }
        network.update_running_stats(&mut self.stats, &self.workspace.borrow());
        if let Some(average) = &mut self.average {
            average.add(t, self.params.view());
        }
        if training.snapshots.binary_search(&t).is_ok() {
            self.snapshots.push(Frame {
                step: t,
                params: self.params.clone(),
                stats: self.stats.clone(),
            });
        }

        if t.is_multiple_of(self.record_every) || t == training.steps {
            let on_train = self.step_is_evaluation.then(|| Evaluation {
                loss: objective.loss.get().data,
                accuracy: self.workspace.borrow().accuracy(labels),
            });
            let row = measure(
                training,
                &self.params,
                &self.stats,
                &mut self.measuring,
                t,
                self.last_lr,
                grad_norm,
                on_train,
            );
            if !row.train_loss.is_finite() {
                add(&mut self.evaluations, counted.evaluations());
                return self.end(Status::Diverged { step: t }, progress);
            }
            self.history.push(row);
            record_average(
                self.average.as_ref(),
                training,
                t,
                &mut self.measuring,
                &mut self.averaged,
            );
            self.last_recorded.assign(&self.params);
            if training.frames > 0 && (t.is_multiple_of(self.frame_every) || t == training.steps) {
                self.frames.push(Frame {
                    step: t,
                    params: self.params.clone(),
                    stats: self.stats.clone(),
                });
            }
        }
        let cancelled = t.is_multiple_of(CHECK_EVERY) && {
            progress(t - self.reported);
            self.reported = t;
            cancel.is_cancelled()
        };
        if t == training.steps || cancelled {
            add(&mut self.evaluations, counted.evaluations());
            return self.end(Status::MaxSteps, progress);
        }
        let lr = spec.schedule.lr(spec.lr, t);
        let frozen = self.frozen;
        let step = if frozen == 0 {
            self.stepper
                .step(&mut self.params, self.grad.view(), lr, &mut counted)
        } else {
            let part = Trainable::new(&objective, &self.params, frozen);
            let mut counted_part = Counted::new(&part);
            let mut trained = self.params.slice(s![frozen..]).to_owned();
            let step = self.stepper.step(
                &mut trained,
                self.grad.slice(s![frozen..]),
                lr,
                &mut counted_part,
            );
            self.params.slice_mut(s![frozen..]).assign(&trained);
            add(&mut self.evaluations, counted_part.evaluations());
            step
        };
        add(&mut self.evaluations, counted.evaluations());
        self.last_lr = Some(lr);
        self.t += 1;
        if !self.params.iter().all(|p| p.is_finite()) {
            return self.end(Status::Diverged { step: self.t }, progress);
        }
        if step.converged && !self.random {
            let row = measure(
                training,
                &self.params,
                &self.stats,
                &mut self.measuring,
                self.t,
                self.last_lr,
                f64::NAN,
                None,
            );
            self.history.push(row);
            if let Some(average) = &mut self.average {
                average.add(self.t, self.params.view());
            }
            record_average(
                self.average.as_ref(),
                training,
                self.t,
                &mut self.measuring,
                &mut self.averaged,
            );
            self.end(Status::Converged, progress);
        }
    }

    /// Ends the training with `status`. A diverged one keeps the last recorded parameters and
    /// their step, not the blown-up point.
    fn end(&mut self, status: Status, progress: &dyn Fn(u64)) {
        progress(self.t - self.reported);
        self.reported = self.t;
        if matches!(status, Status::Diverged { .. }) {
            if let Some(row) = self.history.last() {
                self.t = row.step;
            }
            self.params.assign(&self.last_recorded);
        }
        self.status = Some(status);
    }

    /// What the training leaves; a training that has not ended is cut short here, as a
    /// cancelled one is (status: every step it was given).
    pub fn finish(self, training: &Training<'_>) -> Trained {
        let penalty = training
            .regularisation
            .penalty(training.network, self.params.view());
        Trained {
            status: self.status.unwrap_or(Status::MaxSteps),
            steps: self.t,
            history: self.history,
            params: self.params,
            stats: self.stats,
            penalty,
            evaluations: self.evaluations,
            frames: self.frames,
            averaged: self.averaged,
            snapshots: self.snapshots,
            members: Vec::new(),
        }
    }
}

/// Measures the averaged model (when the training averages) beside the row just recorded at
/// step `t`.
fn record_average(
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

fn add(total: &mut Evaluations, step: Evaluations) {
    total.value += step.value;
    total.gradient += step.gradient;
    total.hessian += step.hessian;
}
