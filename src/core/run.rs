//! The one run loop every optimizer goes through, and the trace it leaves.

use ndarray::{Array1, ArrayView1};

use super::cancel::Cancel;
use super::noise::{GradientNoise, Noisy};
use super::objective::{Evaluations, Objective, Problem};
use super::optim::Optimizer;
use super::schedule::Schedule;

/// A run is called diverged once a coordinate leaves this radius (or stops being finite).
pub const DIVERGENCE_RADIUS: f64 = 1e6;

/// How often the loop looks at its [`Cancel`] token: often enough to stop within a blink,
/// rarely enough to cost nothing.
const CANCEL_CHECK_EVERY: u64 = 256;

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
    Converged,
    /// The step that produced a point that was not finite or left [`DIVERGENCE_RADIUS`].
    Diverged {
        step: u64,
    },
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
    pub dim: usize,
    /// Points, row after row, `dim` numbers each.
    pub points: Vec<f64>,
    /// f at each point (exact, even when gradients are noisy).
    pub loss: Vec<f64>,
    /// |∇f| at each point (exact, even when gradients are noisy).
    pub grad_norm: Vec<f64>,
    /// `lr[t - 1]` is the learning rate of the step that reached row t.
    pub lr: Vec<f64>,
    pub status: Status,
    /// Every evaluation the run asked for, in total.
    pub evaluations: Evaluations,
    /// `evaluations_at[t]`: the evaluations made up to and including the gradient at row t,
    /// so loss can be drawn against work done rather than steps taken.
    pub evaluations_at: Vec<Evaluations>,
}

impl Trace {
    /// Number of rows: steps recorded plus the start.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// Steps taken to reach the last recorded row.
    pub fn steps(&self) -> u64 {
        self.len().saturating_sub(1) as u64
    }

    pub fn point(&self, row: usize) -> &[f64] {
        &self.points[row * self.dim..(row + 1) * self.dim]
    }

    pub fn last_point(&self) -> &[f64] {
        self.point(self.len() - 1)
    }

    pub fn last_loss(&self) -> f64 {
        self.loss[self.len() - 1]
    }

    pub fn best_loss(&self) -> f64 {
        self.loss.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The 2-D points of the path, for plots of surfaces.
    pub fn points_2d(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        self.points.chunks_exact(self.dim).map(|p| [p[0], p[1]])
    }
}

/// One optimizer run: settings, schedule and base learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    pub optimizer: Optimizer,
    pub schedule: Schedule,
    pub lr: f64,
}

/// Runs `spec` on `objective` from `start` until `limits` or divergence stop it.
///
/// The optimizer sees gradients through a [`Problem`] (noisy if `noise` is given) that counts
/// every evaluation; the trace records exact losses and gradient norms, so noise shows in the
/// path, not in the measuring.
///
/// Once `cancel` is cancelled the run stops within a few hundred steps, its trace
/// cut short: whoever cancelled it is expected to throw that trace away.
pub fn run(
    objective: &dyn Objective,
    noise: Option<GradientNoise>,
    spec: &RunSpec,
    start: ArrayView1<'_, f64>,
    limits: Limits,
    cancel: &Cancel,
) -> Trace {
    let noisy = noise.map(|n| Noisy::new(objective, n));
    let oracle: &dyn Objective = match &noisy {
        Some(n) => n,
        None => objective,
    };
    let mut problem = Problem::new(oracle);
    let dim = start.len();
    let mut state = spec.optimizer.init(dim);
    let mut params: Array1<f64> = start.to_owned();
    let mut grad = Array1::zeros(dim);
    let mut exact_grad = Array1::zeros(dim);
    let rows = limits.steps.min(1 << 20) as usize + 1;
    let mut trace = Trace {
        dim,
        points: Vec::with_capacity(rows * dim),
        loss: Vec::with_capacity(rows),
        grad_norm: Vec::with_capacity(rows),
        lr: Vec::with_capacity(rows),
        status: Status::MaxSteps,
        evaluations: Evaluations::default(),
        evaluations_at: Vec::with_capacity(rows),
    };

    let mut t: u64 = 0;
    let mut last_lr = None;
    // The gradient at `params` when the last step already evaluated it (a line search's
    // accepted point): used as is, not asked for (and counted) twice.
    let mut known: Option<Array1<f64>> = None;
    trace.status = loop {
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
        trace.points.extend(params.iter());
        trace.loss.push(loss);
        trace.grad_norm.push(grad_norm);
        trace.evaluations_at.push(problem.evaluations());
        if let Some(lr) = last_lr {
            trace.lr.push(lr);
        }
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
        known = spec
            .optimizer
            .step(&mut state, &mut params, grad.view(), lr, &mut problem)
            .gradient;
        last_lr = Some(lr);
        t += 1;
    };
    trace.evaluations = problem.evaluations();
    trace
}

fn norm(v: ArrayView1<'_, f64>) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::optim::Sgd;
    use crate::core::surface::Surface;

    fn sgd(lr: f64) -> RunSpec {
        RunSpec {
            optimizer: Optimizer::Sgd(Sgd {
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
        let s = Surface::default_of("quadratic").unwrap();
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
        let s = Surface::default_of("quadratic").unwrap();
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
        let s = Surface::default_of("rosenbrock").unwrap();
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
        let s = Surface::default_of("quadratic").unwrap();
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
}
