//! The one run loop every optimizer goes through, and the trace it leaves.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1};

use super::cancel::Cancel;
use super::noise::{GradientNoise, Noisy};
use super::objective::{Counted, Evaluations, Objective};
use super::optim::Optimizer;
use super::schedule::Schedule;

/// How often (in steps) the loop looks at its cancel token: one atomic load per this many
/// steps costs nothing, and a million-step run still stops within a millisecond.
const CANCEL_CHECK_EVERY: u64 = 256;

/// A run is called diverged once a coordinate leaves this radius (or stops being finite).
pub const DIVERGENCE_RADIUS: f64 = 1e6;

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The most steps a run takes.
    pub steps: u64,
    /// Stop, converged, once the exact gradient's norm falls below this.
    pub tolerance: Option<f64>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The exact gradient's norm fell below the tolerance.
    Converged,
    /// The step that produced a point that was not finite or left [`DIVERGENCE_RADIUS`].
    Diverged {
        /// The step that left the finite numbers or the radius.
        step: u64,
    },
    /// It took every step it was allowed.
    MaxSteps,
}

impl Status {
    /// The pinned name used in summary.json.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::Diverged { .. } => "diverged",
            Status::MaxSteps => "max_steps",
        }
    }
}

/// Everything a run produced, row by row: row 0 is the start, row t the point after step t.
///
/// Only finite rows are kept: a step that produced a non-finite point ends the trace just
/// before it, with the status naming that step.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Length of each point.
    pub dim: usize,
    /// Points, row after row, `dim` numbers each.
    pub points: Vec<f64>,
    /// f at each point (exact, even when gradients are noisy).
    pub loss: Vec<f64>,
    /// |∇f| at each point (exact, even when gradients are noisy).
    pub grad_norm: Vec<f64>,
    /// `lr[t - 1]` is the learning rate of the step that reached row t.
    pub lr: Vec<f64>,
    /// How the run ended.
    pub status: Status,
    /// Every evaluation the run asked for, in total.
    pub evaluations: Evaluations,
    /// `evaluations_at[t]`: the evaluations made up to and including the gradient at row t,
    /// so loss can be drawn against work done rather than steps taken.
    pub evaluations_at: Vec<Evaluations>,
}

impl Trace {
    /// A trace with no rows yet, for parameters of length `dim`.
    pub fn empty(dim: usize) -> Trace {
        Trace::with_capacity(dim, 0)
    }

    /// An empty trace with room for `rows` rows.
    pub fn with_capacity(dim: usize, rows: usize) -> Trace {
        Trace {
            dim,
            points: Vec::with_capacity(rows * dim),
            loss: Vec::with_capacity(rows),
            grad_norm: Vec::with_capacity(rows),
            lr: Vec::with_capacity(rows),
            status: Status::MaxSteps,
            evaluations: Evaluations::default(),
            evaluations_at: Vec::with_capacity(rows),
        }
    }

    /// Number of rows: steps recorded plus the start.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    /// Whether not even the start was recorded (it was not finite).
    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// Steps taken to reach the last recorded row.
    pub fn steps(&self) -> u64 {
        self.len().saturating_sub(1) as u64
    }

    /// The point of row `row`.
    pub fn point(&self, row: usize) -> &[f64] {
        &self.points[row * self.dim..(row + 1) * self.dim]
    }

    /// The point of the last row.
    pub fn last_point(&self) -> &[f64] {
        self.point(self.len() - 1)
    }

    /// f at the last row.
    pub fn last_loss(&self) -> f64 {
        self.loss[self.len() - 1]
    }

    /// The lowest f of any row.
    pub fn best_loss(&self) -> f64 {
        self.loss.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The 2-D points of the path, for plots of surfaces.
    pub fn points_2d(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        self.points.chunks_exact(self.dim).map(|p| [p[0], p[1]])
    }
}

/// One optimizer run: settings, schedule and base learning rate.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The update rule and its settings.
    pub optimizer: Arc<dyn Optimizer>,
    /// The learning rate's schedule.
    pub schedule: Schedule,
    /// The base learning rate the schedule starts from.
    pub lr: f64,
}

/// One row of a run, as the loop hands it to a [`Recorder`]: the point reached by step
/// `step` (step 0: the start), with its exact loss and gradient norm.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Steps taken to reach this row.
    pub step: u64,
    /// The parameters.
    pub point: &'a [f64],
    /// f here (exact, even when gradients are noisy).
    pub loss: f64,
    /// |∇f| here (exact).
    pub grad_norm: f64,
    /// The learning rate of the step that reached this row; `None` for the start.
    pub lr: Option<f64>,
    /// Every evaluation made up to and including the gradient at this row.
    pub evaluations: Evaluations,
}

/// What a run keeps of its rows, chosen by whoever runs it: everything ([`Trace`]), every
/// k-th row ([`Every`]), or nothing but the outcome ([`OutcomeOnly`]). The loop itself owns
/// stopping, divergence and evaluation counting, whatever is kept.
pub trait Recorder {
    /// A finite row of the run, in order.
    fn record(&mut self, row: &Row<'_>);

    /// The run's last finite row, once it has ended (it was also passed to `record`).
    /// Recorders that thin keep it, so a path always ends where the run did.
    fn finish(&mut self, _last: &Row<'_>) {}
}

impl Recorder for Trace {
    fn record(&mut self, row: &Row<'_>) {
        self.points.extend_from_slice(row.point);
        self.loss.push(row.loss);
        self.grad_norm.push(row.grad_norm);
        self.evaluations_at.push(row.evaluations);
        if let Some(lr) = row.lr {
            self.lr.push(lr);
        }
    }
}

/// Every `k`-th row (and the last), into a [`Trace`] whose rows are then not one per step:
/// `steps` says which step each row is.
#[derive(Debug, Clone, PartialEq)]
pub struct Every {
    /// Keep rows whose step is a multiple of this.
    pub k: u64,
    /// The kept rows.
    pub trace: Trace,
    /// The step of each kept row.
    pub steps: Vec<u64>,
}

impl Every {
    /// Keeps every `k`-th row (k = 0 is taken as 1) of points of length `dim`.
    pub fn new(k: u64, dim: usize) -> Every {
        Every {
            k: k.max(1),
            trace: Trace::empty(dim),
            steps: Vec::new(),
        }
    }
}

impl Recorder for Every {
    fn record(&mut self, row: &Row<'_>) {
        if row.step.is_multiple_of(self.k) {
            self.trace.record(row);
            self.steps.push(row.step);
        }
    }

    fn finish(&mut self, last: &Row<'_>) {
        if self.steps.last() != Some(&last.step) {
            self.trace.record(last);
            self.steps.push(last.step);
        }
    }
}

/// Keeps no rows: a sweep of thousands of runs needs only their outcomes.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutcomeOnly;

impl Recorder for OutcomeOnly {
    fn record(&mut self, _: &Row<'_>) {}
}

/// How a run ended and where: what every recorder leaves, and all a summary needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// How the run ended.
    pub status: Status,
    /// Steps taken to reach the last finite point.
    pub steps: u64,
    /// The last finite point (the start when not even it was finite).
    pub final_point: Vec<f64>,
    /// f at the last finite point (NaN when not even the start was finite).
    pub final_loss: f64,
    /// |∇f| there.
    pub final_grad_norm: f64,
    /// The lowest loss of any finite row.
    pub best_loss: f64,
    /// Every evaluation the run asked for.
    pub evaluations: Evaluations,
}

/// Runs `spec` on `objective` from `start` until `limits` or divergence stop it, and keeps
/// every row: [`run_with`] and a [`Trace`].
pub fn run(
    objective: &dyn Objective,
    noise: Option<GradientNoise>,
    spec: &RunSpec,
    start: ArrayView1<'_, f64>,
    limits: Limits,
    cancel: &Cancel,
) -> Trace {
    let mut trace = Trace::with_capacity(start.len(), limits.steps.min(1 << 20) as usize + 1);
    let outcome = run_with(objective, noise, spec, start, limits, cancel, &mut trace);
    trace.status = outcome.status;
    trace.evaluations = outcome.evaluations;
    trace
}

/// The run loop: runs `spec` on `objective` from `start` until `limits` or divergence stop
/// it, handing every finite row to `recorder`.
///
/// The optimizer sees gradients through a [`Counted`] (noisy if `noise` is given) that counts
/// every evaluation; rows carry exact losses and gradient norms, so noise shows in the path,
/// not in the measuring.
///
/// Once `cancel` is cancelled the run stops within a few hundred steps, cut short: whoever
/// cancelled it is expected to throw its outcome away.
pub fn run_with<R: Recorder + ?Sized>(
    objective: &dyn Objective,
    noise: Option<GradientNoise>,
    spec: &RunSpec,
    start: ArrayView1<'_, f64>,
    limits: Limits,
    cancel: &Cancel,
    recorder: &mut R,
) -> Outcome {
    let noisy = noise.map(|n| Noisy::new(objective, n));
    let oracle: &dyn Objective = match &noisy {
        Some(n) => n,
        None => objective,
    };
    let mut problem = Counted::new(oracle);
    let dim = start.len();
    let mut stepper = spec.optimizer.start(dim);
    let mut params: Array1<f64> = start.to_owned();
    let mut grad = Array1::zeros(dim);
    let mut exact_grad = Array1::zeros(dim);
    // The last finite row: a step that leaves the finite numbers loses the point it came from.
    let mut last_point = params.clone();
    let mut last: Option<(u64, f64, f64, Option<f64>, Evaluations)> = None;
    let mut best_loss = f64::INFINITY;

    let mut t: u64 = 0;
    let mut last_lr = None;
    // The gradient at `params` when the last step already evaluated it (a line search's
    // accepted point): used as is, not asked for (and counted) twice.
    let mut known: Option<Array1<f64>> = None;
    let status = loop {
        if !params.iter().all(|v| v.is_finite()) {
            break Status::Diverged { step: t };
        }
        match known.take() {
            Some(g) if g.len() == dim => grad.assign(&g),
            _ => problem.gradient_into(params.view(), grad.view_mut()),
        }
        let grad_norm = if noisy.is_some() {
            objective.gradient(params.view(), exact_grad.view_mut());
            norm(exact_grad.view())
        } else {
            norm(grad.view())
        };
        let loss = objective.value(params.view());
        if !loss.is_finite() || !grad_norm.is_finite() {
            break Status::Diverged { step: t };
        }
        let evaluations = problem.evaluations();
        last_point.assign(&params);
        last = Some((t, loss, grad_norm, last_lr, evaluations));
        best_loss = best_loss.min(loss);
        recorder.record(&Row {
            step: t,
            point: last_point.as_slice().unwrap_or(&[]),
            loss,
            grad_norm,
            lr: last_lr,
            evaluations,
        });
        if params.iter().any(|v| v.abs() > DIVERGENCE_RADIUS) {
            break Status::Diverged { step: t };
        }
        if limits.tolerance.is_some_and(|tol| grad_norm < tol) {
            break Status::Converged;
        }
        if t == limits.steps {
            break Status::MaxSteps;
        }
        if t.is_multiple_of(CANCEL_CHECK_EVERY) && cancel.is_cancelled() {
            break Status::MaxSteps;
        }
        let lr = spec.schedule.lr(spec.lr, t);
        known = stepper
            .step(&mut params, grad.view(), lr, &mut problem)
            .gradient;
        last_lr = Some(lr);
        t += 1;
    };
    let (steps, final_loss, final_grad_norm) = match last {
        Some((step, loss, grad_norm, lr, evaluations)) => {
            recorder.finish(&Row {
                step,
                point: last_point.as_slice().unwrap_or(&[]),
                loss,
                grad_norm,
                lr,
                evaluations,
            });
            (step, loss, grad_norm)
        }
        None => (0, f64::NAN, f64::NAN),
    };
    Outcome {
        status,
        steps,
        final_point: last_point.to_vec(),
        final_loss,
        final_grad_norm,
        best_loss,
        evaluations: problem.evaluations(),
    }
}

fn norm(v: ArrayView1<'_, f64>) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::optim::sgd::Sgd;

    fn sgd(lr: f64) -> RunSpec {
        RunSpec {
            optimizer: Arc::new(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
            schedule: Schedule::Constant,
            lr,
        }
    }

    #[test]
    fn a_run_records_the_start_and_every_step() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 10,
            tolerance: None,
        };
        let trace = run(
            &s,
            None,
            &sgd(0.01),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        assert_eq!(trace.status, Status::MaxSteps);
        assert_eq!(trace.len(), 11);
        assert_eq!(trace.lr.len(), 10);
        assert_eq!(trace.point(0), &[-3.0, 2.0]);
        assert_eq!(trace.evaluations.gradient, 11);
        assert!(trace.last_loss() < trace.loss[0]);
    }

    #[test]
    fn a_too_large_step_is_reported_as_divergence_not_a_crash() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 1000,
            tolerance: None,
        };
        let trace = run(
            &s,
            None,
            &sgd(0.5),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        let Status::Diverged { step } = trace.status else {
            panic!("expected divergence, got {:?}", trace.status);
        };
        // |1 - 0.5·20| = 9 per step: 2·9^k passes 1e6 after 6 steps.
        assert_eq!(step, 6);
        assert!(trace.loss.iter().all(|l| l.is_finite()));
        assert_eq!(trace.steps(), 6);
    }

    #[test]
    fn a_non_finite_point_ends_the_trace_before_it() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let limits = Limits {
            steps: 1000,
            tolerance: None,
        };
        let trace = run(
            &s,
            None,
            &sgd(1e6),
            array![-1.2, 1.0].view(),
            limits,
            &Cancel::new(),
        );
        let Status::Diverged { step } = trace.status else {
            panic!("expected divergence");
        };
        assert!(trace.steps() <= step);
        assert!(trace.points.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn tolerance_stops_a_converging_run() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 10_000,
            tolerance: Some(1e-6),
        };
        let trace = run(
            &s,
            None,
            &sgd(0.05),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        assert_eq!(trace.status, Status::Converged);
        assert!(*trace.grad_norm.last().unwrap() < 1e-6);
        assert!(trace.grad_norm[trace.len() - 2] >= 1e-6);
    }

    #[test]
    fn every_recorder_sees_the_same_run_and_the_thinned_path_ends_where_it_did() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let limits = Limits {
            steps: 95,
            tolerance: None,
        };
        let start = array![-1.2, 1.0];
        let full = run(&s, None, &sgd(1e-3), start.view(), limits, &Cancel::new());
        let mut every = Every::new(10, 2);
        let thinned = run_with(
            &s,
            None,
            &sgd(1e-3),
            start.view(),
            limits,
            &Cancel::new(),
            &mut every,
        );
        let alone = run_with(
            &s,
            None,
            &sgd(1e-3),
            start.view(),
            limits,
            &Cancel::new(),
            &mut OutcomeOnly,
        );
        assert_eq!(thinned, alone);
        assert_eq!(alone.status, full.status);
        assert_eq!(alone.evaluations, full.evaluations);
        assert_eq!(alone.final_point, full.last_point());
        assert_eq!(alone.best_loss, full.best_loss());
        assert_eq!(alone.steps, 95);
        assert_eq!(every.steps, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
        assert_eq!(every.trace.point(10), full.point(95));
        assert_eq!(every.trace.point(3), full.point(30));
    }

    #[test]
    fn a_diverged_outcome_keeps_the_last_finite_point() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let limits = Limits {
            steps: 1000,
            tolerance: None,
        };
        let start = array![-1.2, 1.0];
        let full = run(&s, None, &sgd(1e6), start.view(), limits, &Cancel::new());
        let alone = run_with(
            &s,
            None,
            &sgd(1e6),
            start.view(),
            limits,
            &Cancel::new(),
            &mut OutcomeOnly,
        );
        assert!(matches!(alone.status, Status::Diverged { .. }));
        assert_eq!(alone.final_point, full.last_point());
        assert_eq!(alone.steps, full.steps());
    }
}
