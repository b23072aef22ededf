//! The training loop itself: [`train`] runs a training to its end, through the [`Trainer`]
//! that holds everything carried from one step to the next (so the playground can take a
//! few steps at a time); one turn of the loop draws the minibatch and masks, takes the
//! gradient, records a row when one is due and lets the optimizer step. Apart from
//! `train.rs`, which says what a training takes and leaves.

use std::cell::{Cell, RefCell};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::history::{measure, record_average};
use super::objective::{StepObjective, Trainable};
use super::{Frame, HistoryRow, Trained, Training};
use crate::core::cancel::Cancel;
use crate::core::network::averaging::{Averaged, RunningAverage};
use crate::core::network::data::{Batches, augment};
use crate::core::network::model::{Evaluation, Loss, RunningStats, Workspace};
use crate::core::objective::{Counted, Evaluations};
use crate::core::optim::Stepper;
use crate::core::run::{RunSpec, Status};

/// How often (in steps) the loop looks at its cancel token and reports progress.
const CHECK_EVERY: u64 = 256;

/// Seeds of the streams a run draws from, apart from the data's: each run of a file starts
/// them afresh, so every run sees the same minibatches, masks and augmentations.
const MASK_STREAM: u64 = 0x6d61_736b;
const AUGMENT_STREAM: u64 = 0x6175_676d;

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

fn add(total: &mut Evaluations, step: Evaluations) {
    total.value += step.value;
    total.gradient += step.gradient;
    total.hessian += step.hessian;
}
