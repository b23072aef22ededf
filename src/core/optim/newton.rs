//! Newton's method, the lecture's second-order step, with an optional safeguard.
//!
//! Unlike the first-order rules it asks the objective for more than the gradient at the
//! current point: the Hessian, and values when it searches along its direction. Every question
//! goes through [`Counted`], so it is counted.

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView1};

use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome};
use crate::core::linalg::{Ldlt, solve_general};
use crate::core::line_search::backtracking;
use crate::core::objective::Counted;
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// How Newton's method chooses the length of its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewtonSearch {
    /// Make the (damped) Hessian positive definite, then backtrack from `lr` until Armijo's
    /// sufficient decrease holds: a descent method, whatever the curvature.
    Backtracking,
    /// x ← x − lr·(H + damping·I)⁻¹ ∇f: the lecture's pure Newton step.
    None,
}

impl NewtonSearch {
    /// The names in experiment files.
    pub const NAMES: [&'static str; 2] = ["backtracking", "none"];

    /// The search called `name`.
    pub fn from_name(name: &str) -> Option<NewtonSearch> {
        match name {
            "backtracking" => Some(NewtonSearch::Backtracking),
            "none" => Some(NewtonSearch::None),
            _ => None,
        }
    }

    /// Its name in experiment files.
    pub fn name(self) -> &'static str {
        match self {
            NewtonSearch::Backtracking => "backtracking",
            NewtonSearch::None => "none",
        }
    }
}

/// Newton's method: solve (H + damping·I) d = −∇f and step along d.
///
/// With `line_search = None` and no damping this is the pure Newton step, which jumps to the
/// stationary point of the local quadratic model: the minimum on a convex quadratic (in one
/// step at lr 1), but just as readily a saddle or a maximum, because it only looks for
/// ∇f = 0. The default, [`NewtonSearch::Backtracking`], first makes the matrix positive
/// definite by adding τ·I, τ doubled until a Cholesky (LDLᵀ) factorisation succeeds (Nocedal &
/// Wright, Algorithm 3.3), so d is always a descent direction, then backtracks along d. Where
/// the curvature is negative, the small τ left over there makes d long in that direction:
/// the method runs away from saddles instead of towards them.
///
/// At ∇f = 0 exactly it does not move, asks for no Hessian and says it is done
/// ([`StepOutcome::converged`]); a step that leaves the point unchanged (a line search that
/// found no decrease) ends a run with exact gradients through the run loop's own test.
#[derive(Debug, Clone, PartialEq)]
pub struct Newton {
    /// Added to the Hessian's diagonal (Levenberg).
    pub damping: f64,
    /// How the step length is chosen.
    pub line_search: NewtonSearch,
}

/// The smallest shift [`Newton`] adds when the Hessian is not positive definite (N&W's β).
pub const MIN_SHIFT: f64 = 1e-3;

impl Rule for Newton {
    /// f at the current point, when the last line search evaluated it: not asked for twice.
    type State = Option<f64>;

    fn init(&self, _dim: usize) -> Option<f64> {
        None
    }

    fn step(
        &self,
        value_here: &mut Option<f64>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Counted<'_>,
    ) -> StepOutcome {
        if grad.iter().all(|&g| g == 0.0) {
            // d = −(H + damping·I)⁻¹·0 = 0 whatever H is: nothing to solve, and no Hessian
            // to pay for. With exact gradients the run ends here, converged.
            return StepOutcome::done_here();
        }
        let known = value_here.take();
        let hessian = problem.hessian(params.view());
        let Some(mut h) = hessian else {
            // An objective without a Hessian: Newton cannot step (config only offers Newton
            // on surfaces, which all have one).
            *value_here = known;
            return StepOutcome::default();
        };
        for i in 0..h.nrows() {
            h[[i, i]] += self.damping;
        }
        match self.line_search {
            NewtonSearch::None => {
                // Pure Newton: whatever H is. A singular H gives a non-finite point, which the
                // run loop reports as diverged.
                let newton = solve_general(h.view(), grad);
                params.scaled_add(-lr, &newton);
                StepOutcome::default()
            }
            NewtonSearch::Backtracking => {
                let d = match make_positive_definite(&h) {
                    Some(factors) => -factors.solve(grad),
                    // A Hessian that is not finite: fall back on steepest descent.
                    None => -&grad,
                };
                let f0 = known.unwrap_or_else(|| problem.value(params.view()));
                let slope = grad.dot(&d);
                let x = params.clone();
                let searched = backtracking(
                    |t| {
                        let mut trial = x.clone();
                        trial.scaled_add(t, &d);
                        problem.value(trial.view())
                    },
                    f0,
                    slope,
                    lr,
                );
                match searched {
                    Ok(step) => {
                        params.scaled_add(step.t, &d);
                        *value_here = Some(step.f);
                    }
                    // No decrease found along d (a stationary point, or noise pointing d
                    // uphill): stay, and let the next gradient decide.
                    Err(_) => *value_here = Some(f0),
                }
                StepOutcome::default()
            }
        }
    }
}

/// LDLᵀ factors of H + τ·I for the smallest τ in {0, τ₀, 2τ₀, 4τ₀, …} that is positive
/// definite (Nocedal & Wright, Algorithm 3.3, "Cholesky with added multiple of the identity"),
/// with τ₀ = β − min(Hᵢᵢ) (β = [`MIN_SHIFT`]) or β; `None` when H is not finite.
pub fn make_positive_definite(h: &Array2<f64>) -> Option<Ldlt> {
    if !h.iter().all(|v| v.is_finite()) {
        return None;
    }
    let min_diag = h.diag().iter().copied().fold(f64::INFINITY, f64::min);
    let mut tau = if min_diag > 0.0 {
        0.0
    } else {
        MIN_SHIFT - min_diag
    };
    for _ in 0..2100 {
        let mut shifted = h.clone();
        for i in 0..h.nrows() {
            shifted[[i, i]] += tau;
        }
        if let Some(factors) = Ldlt::new(shifted.view()) {
            return Some(factors);
        }
        tau = (2.0 * tau).max(MIN_SHIFT);
    }
    None
}

const KEYS: [Key; 2] = [
    Key::choice(
        "line_search",
        "backtracking",
        &NewtonSearch::NAMES,
        "\"backtracking\" (positive definite H, then Armijo) or \"none\" (the pure step)",
    )
    .with_legend(Legend::Prefixed("line search")),
    Key::number(
        "damping",
        0.0,
        Range::NonNegative,
        "adds damping·I to H: shorter, more gradient-like steps (Levenberg's idea)",
    ),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Newton {
        damping: s.number("damping"),
        line_search: NewtonSearch::from_name(s.choice("line_search"))
            .unwrap_or(NewtonSearch::Backtracking),
    })
}

/// Newton and L-BFGS take the full step (lr 1) everywhere: their line searches shorten it.
pub(crate) const FULL_STEP: [(&str, f64); 7] = [
    ("quadratic", 1.0),
    ("saddle", 1.0),
    ("bowl", 1.0),
    ("rosenbrock", 1.0),
    ("beale", 1.0),
    ("himmelblau", 1.0),
    ("rastrigin", 1.0),
];

/// The `newton` kind.
pub const NEWTON: OptimizerKind = OptimizerKind {
    name: "newton",
    title: "Newton's method: step to the minimum of the local quadratic model",
    keys: &KEYS,
    lr_doc: "α, the first step length tried (1 is the full Newton step)",
    default_lr: &FULL_STEP,
    fallback_lr: 1.0,
    second_order: true,
    build,
    check: no_check,
    explain: Explain {
        rule: "H ← ∇²f(x)                          the Hessian: the curvature in every direction\n\
               d ← −(H + damping·I)⁻¹·g\n\
               x ← x + α·d                         α = 1 lands on a quadratic's minimum in one step",
        why: "Newton uses the curvature, so there is no learning rate to tune on a quadratic: the\n\
              step is exactly as long as the bowl is wide. But it looks for ∇f = 0, not for a\n\
              minimum, so the pure step runs into saddle points and maxima just as readily.\n\
              optplay's default (line_search = \"backtracking\") therefore first makes H positive\n\
              definite, adding τ·I with τ doubled until a Cholesky factorisation succeeds\n\
              (Nocedal & Wright, Algorithm 3.3), so d always points downhill; where the\n\
              curvature is negative the step then grows in that direction and runs away from the\n\
              saddle. It then halves α until f drops enough (Armijo's condition).\n\
              For a network with N parameters H has N² entries and costs O(N³) to invert: the\n\
              lecture's reason why nobody trains deep networks this way.",
        torch: "torch.optim has no Newton's method:\n\
                optplay counts every Hessian, value and gradient it asks for\n\
                (`evaluations` in summary.json and the table). At ∇f = 0 it stops, \"converged\",\n\
                without another Hessian; so does a run whose steps no longer move the point.",
        advice: "Second-order methods converge in few steps but each step is expensive; in full\n\
                 batch on a small problem they win (the lecture).",
        configs: &["second_order.toml", "newton_saddle.toml"],
    },
};
