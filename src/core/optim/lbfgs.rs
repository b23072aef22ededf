//! L-BFGS (Liu & Nocedal, 1989), as torch.optim.LBFGS does one iteration.
//!
//! It asks the objective for values and gradients along a line; every question goes through
//! [`Counted`], so it is counted, and when the line search has already evaluated the gradient
//! at the point it accepts, the step hands it back ([`StepOutcome::gradient`]) so the run loop
//! does not ask again.

use std::collections::VecDeque;
use std::sync::Arc;

use ndarray::{Array1, ArrayView1};

use super::newton::FULL_STEP;
use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome};
use crate::core::line_search::{LinePoint, strong_wolfe};
use crate::core::objective::Counted;
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// How L-BFGS chooses the length of its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbfgsSearch {
    /// Strong Wolfe conditions (torch's `line_search_fn="strong_wolfe"`).
    StrongWolfe,
    /// A fixed step: lr (the first one scaled by min(1, 1/|g|₁)), as torch without a line
    /// search; f and ∇f are then evaluated at the new point, as torch's closure does, for
    /// the f-change test.
    None,
}

impl LbfgsSearch {
    /// The names in experiment files.
    pub const NAMES: [&'static str; 2] = ["strong_wolfe", "none"];

    /// The search called `name`.
    pub fn from_name(name: &str) -> Option<LbfgsSearch> {
        match name {
            "strong_wolfe" => Some(LbfgsSearch::StrongWolfe),
            "none" => Some(LbfgsSearch::None),
            _ => None,
        }
    }

    /// Its name in experiment files.
    pub fn name(self) -> &'static str {
        match self {
            LbfgsSearch::StrongWolfe => "strong_wolfe",
            LbfgsSearch::None => "none",
        }
    }
}

/// L-BFGS: a quasi-Newton direction from the last `history_size` steps and gradient changes
/// (two-loop recursion), then a line search. One optplay step is one L-BFGS iteration, the
/// same as one iteration inside torch.optim.LBFGS.step() — torch's rules otherwise: pairs
/// with yᵀs ≤ 1e-10 are skipped, H₀ = (sᵀy / yᵀy)·I, and the first step has length
/// min(1, 1/|g|₁)·lr.
///
/// torch's termination tests end it ([`StepOutcome::converged`]), as they end the iterations
/// of one torch.optim.LBFGS.step() call: once |g|∞ ≤ `tolerance_grad` it does not move, and
/// after a step that moved the point by at most `tolerance_change` in every coordinate
/// (|t·d|∞), or changed f by less than `tolerance_change`, it is done.
#[derive(Debug, Clone, PartialEq)]
pub struct Lbfgs {
    /// m: how many (s, y) pairs it remembers.
    pub history_size: usize,
    /// How the step length is chosen.
    pub line_search: LbfgsSearch,
    /// Done, without moving, once max |gᵢ| is at most this.
    pub tolerance_grad: f64,
    /// Done once a step moves no coordinate by more than this, or changes f by less; also
    /// where the strong Wolfe search stops narrowing its bracket (torch passes it on too).
    pub tolerance_change: f64,
}

/// Pairs with yᵀs at or below this are not curvature information (torch's threshold).
pub const CURVATURE_EPS: f64 = 1e-10;

/// What L-BFGS carries from one iteration to the next.
#[derive(Debug, Clone, Default)]
pub struct LbfgsState {
    /// Iterations since the memory was last (re)started.
    iterations: u64,
    /// sᵢ = x_{i+1} − xᵢ, yᵢ = g_{i+1} − gᵢ and 1 / yᵢᵀsᵢ, oldest first.
    s: VecDeque<Array1<f64>>,
    y: VecDeque<Array1<f64>>,
    rho: VecDeque<f64>,
    /// The scale of the initial inverse Hessian, sᵀy / yᵀy of the newest pair.
    h_diag: f64,
    /// The last direction and the step taken along it.
    direction: Option<Array1<f64>>,
    t: f64,
    prev_grad: Option<Array1<f64>>,
    /// f at the current point, when the last line search evaluated it.
    value_here: Option<f64>,
}

impl Rule for Lbfgs {
    type State = LbfgsState;

    fn init(&self, _dim: usize) -> LbfgsState {
        LbfgsState::default()
    }

    fn step(
        &self,
        state: &mut LbfgsState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Counted<'_>,
    ) -> StepOutcome {
        let max_abs = grad.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if max_abs <= self.tolerance_grad {
            // torch's first test, at the start of every step() call.
            return StepOutcome::done_here();
        }
        state.iterations += 1;
        let mut d = self.direction(state, grad);
        let mut slope = grad.dot(&d);
        if !is_descent(slope) {
            // Not a descent direction (noisy gradients can do this): forget the memory and
            // start again from steepest descent.
            state.iterations = 1;
            state.s.clear();
            state.y.clear();
            state.rho.clear();
            state.h_diag = 1.0;
            d = -&grad;
            slope = grad.dot(&d);
            if !is_descent(slope) {
                // Even −g is no descent: g·g rounds to 0, as at a stationary point.
                return StepOutcome::done_here();
            }
        }
        state.prev_grad = Some(grad.to_owned());
        let t = if state.iterations == 1 {
            let l1: f64 = grad.iter().map(|v| v.abs()).sum();
            (1.0f64).min(1.0 / l1) * lr
        } else {
            lr
        };
        // f where this step starts: torch's `prev_loss`, for its f-change test.
        let f0 = match state.value_here.take() {
            Some(f) => f,
            None => problem.value(params.view()),
        };
        let (t, f, gradient) = match self.line_search {
            LbfgsSearch::None => {
                // torch's closure gives f with the gradient after every fixed step, as here.
                params.scaled_add(t, &d);
                let f = problem.value(params.view());
                (t, f, problem.gradient(params.view()))
            }
            LbfgsSearch::StrongWolfe => {
                let start = LinePoint {
                    t: 0.0,
                    f: f0,
                    g: grad.to_owned(),
                    slope,
                };
                let x = params.clone();
                let found = strong_wolfe(
                    |t| {
                        let mut trial = x.clone();
                        trial.scaled_add(t, &d);
                        let f = problem.value(trial.view());
                        (f, problem.gradient(trial.view()))
                    },
                    d.view(),
                    start,
                    t,
                    self.tolerance_change,
                );
                let p = found.point;
                params.scaled_add(p.t, &d);
                (p.t, p.f, p.g)
            }
        };
        // torch's lack-of-progress tests, in its order and with its comparisons.
        let moved = d.iter().fold(0.0f64, |m, v| m.max((v * t).abs()));
        let converged = moved <= self.tolerance_change || (f - f0).abs() < self.tolerance_change;
        state.t = t;
        state.value_here = Some(f);
        state.direction = Some(d);
        StepOutcome {
            gradient: Some(gradient),
            converged,
        }
    }
}

impl Lbfgs {
    /// The two-loop recursion: −H·g with H the L-BFGS inverse Hessian, after adding the
    /// newest (s, y) pair to the memory.
    fn direction(&self, state: &mut LbfgsState, grad: ArrayView1<'_, f64>) -> Array1<f64> {
        let (Some(prev_grad), Some(prev_d), true) = (
            state.prev_grad.as_ref(),
            state.direction.as_ref(),
            state.iterations > 1,
        ) else {
            state.iterations = 1;
            state.h_diag = 1.0;
            return -&grad;
        };
        let y = &grad - prev_grad;
        let s = prev_d * state.t;
        let ys = y.dot(&s);
        if ys > CURVATURE_EPS {
            if state.s.len() == self.history_size {
                state.s.pop_front();
                state.y.pop_front();
                state.rho.pop_front();
            }
            state.h_diag = ys / y.dot(&y);
            state.s.push_back(s);
            state.y.push_back(y);
            state.rho.push_back(1.0 / ys);
        }
        let k = state.s.len();
        let mut alpha = vec![0.0; k];
        let mut q = -&grad;
        for i in (0..k).rev() {
            alpha[i] = state.s[i].dot(&q) * state.rho[i];
            q.scaled_add(-alpha[i], &state.y[i]);
        }
        let mut r = q * state.h_diag;
        for (i, a) in alpha.iter().enumerate() {
            let beta = state.y[i].dot(&r) * state.rho[i];
            r.scaled_add(a - beta, &state.s[i]);
        }
        r
    }
}

/// A slope that promises a decrease: negative (and so not NaN).
fn is_descent(slope: f64) -> bool {
    slope < 0.0
}

const KEYS: [Key; 4] = [
    Key::integer(
        "history_size",
        10,
        1,
        1000,
        "m, how many recent (s, y) pairs make up the curvature estimate",
    )
    .with_legend(Legend::Always("m")),
    Key::choice(
        "line_search",
        "strong_wolfe",
        &LbfgsSearch::NAMES,
        "\"strong_wolfe\" (f drops enough and the slope flattens) or \"none\" (a fixed step)",
    )
    .with_legend(Legend::Prefixed("line search")),
    Key::number(
        "tolerance_grad",
        1e-7,
        Range::NonNegative,
        "done (converged) once the largest gradient component is at most this",
    ),
    Key::number(
        "tolerance_change",
        1e-9,
        Range::NonNegative,
        "done (converged) once a step moves no coordinate by more than this, or changes f by less",
    ),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Lbfgs {
        history_size: usize::try_from(s.integer("history_size")).unwrap_or(usize::MAX),
        line_search: LbfgsSearch::from_name(s.choice("line_search"))
            .unwrap_or(LbfgsSearch::StrongWolfe),
        tolerance_grad: s.number("tolerance_grad"),
        tolerance_change: s.number("tolerance_change"),
    })
}

/// The `lbfgs` kind.
pub const LBFGS: OptimizerKind = OptimizerKind {
    name: "lbfgs",
    title: "L-BFGS: a quasi-Newton method that learns the curvature from recent steps",
    keys: &KEYS,
    lr_doc: "the first step length tried along d (the first iteration scales it by min(1, 1/|g|₁))",
    default_lr: &FULL_STEP,
    fallback_lr: 1.0,
    second_order: true,
    build,
    check: no_check,
    explain: Explain {
        rule: "d ← −H̃·g          H̃ ≈ (∇²f)⁻¹, built from the last m steps s = Δx and gradient\n\
                                  changes y = Δg by the two-loop recursion, never stored\n\
               α ← a step length meeting the strong Wolfe conditions along d\n\
               x ← x + α·d",
        why: "L-BFGS never forms the Hessian: m pairs (s, y) are enough to apply an approximate\n\
              inverse to a vector in O(m·N). It works very well in full batch, deterministic\n\
              mode; with noisy (minibatch) gradients the differences y are mostly noise, the\n\
              curvature it learns is wrong, and it does poorly: the lecture's advice.",
        torch: "torch.optim.LBFGS (line_search_fn=\"strong_wolfe\"):\n\
                one optplay step is one L-BFGS iteration (one direction, one line search);\n\
                pairs with yᵀs ≤ 1e-10 are skipped; H̃ starts as (sᵀy / yᵀy)·I.\n\
                torch's termination tests end the run, \"converged\" (exact gradients only):\n\
                max|g| ≤ tolerance_grad, or a step with |α·d|∞ ≤ tolerance_change, or one that\n\
                changes f by less than tolerance_change.",
        advice: "If you can afford full-batch updates, try L-BFGS (and disable all sources of\n\
                 noise), the lecture says; it does not transfer well to minibatches.",
        configs: &["second_order.toml", "full_batch.toml"],
    },
};
