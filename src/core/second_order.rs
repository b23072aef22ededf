//! The lecture's second-order methods: Newton's step and L-BFGS.
//!
//! Unlike the first-order rules they ask the objective for more than the gradient at the
//! current point: Newton for the Hessian (and values, when it searches along its direction),
//! L-BFGS for values and gradients along a line. Every question goes through [`Problem`], so
//! it is counted; when a line search has already evaluated the gradient at the point it
//! accepts, the step hands it back ([`StepOutcome::gradient`]) and the run loop uses it
//! instead of asking again.

use std::collections::VecDeque;

use ndarray::{Array1, Array2, ArrayView1};

use super::linalg::{Ldlt, solve_general};
use super::line_search::{LinePoint, backtracking, strong_wolfe};
use super::objective::Problem;

/// What a step leaves behind besides the new parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepOutcome {
    /// The gradient at the new parameters, when the step already evaluated it (as the
    /// objective gave it, noise included); `None` when the caller must ask for it.
    pub gradient: Option<Array1<f64>>,
}

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
    pub const NAMES: [&'static str; 2] = ["backtracking", "none"];

    pub fn from_name(name: &str) -> Option<NewtonSearch> {
        match name {
            "backtracking" => Some(NewtonSearch::Backtracking),
            "none" => Some(NewtonSearch::None),
            _ => None,
        }
    }

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
#[derive(Debug, Clone, PartialEq)]
pub struct Newton {
    pub damping: f64,
    pub line_search: NewtonSearch,
}

/// The smallest shift [`Newton`] adds when the Hessian is not positive definite (N&W's β).
pub const MIN_SHIFT: f64 = 1e-3;

impl Newton {
    /// One Newton step. `value_here` is f at `params` when the last step's line search knows
    /// it, so it is not asked for twice.
    pub(crate) fn step(
        &self,
        value_here: &mut Option<f64>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Problem<'_>,
    ) -> StepOutcome {
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

/// How L-BFGS chooses the length of its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbfgsSearch {
    /// Strong Wolfe conditions (torch's `line_search_fn="strong_wolfe"`).
    StrongWolfe,
    /// A fixed step: lr (the first one scaled by min(1, 1/|g|₁)), as torch without a line
    /// search.
    None,
}

impl LbfgsSearch {
    pub const NAMES: [&'static str; 2] = ["strong_wolfe", "none"];

    pub fn from_name(name: &str) -> Option<LbfgsSearch> {
        match name {
            "strong_wolfe" => Some(LbfgsSearch::StrongWolfe),
            "none" => Some(LbfgsSearch::None),
            _ => None,
        }
    }

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
/// Once |g|∞ ≤ `tolerance_grad` a step does nothing (torch's stopping test); the run goes on
/// until its steps or its `tolerance`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lbfgs {
    pub history_size: usize,
    pub line_search: LbfgsSearch,
    pub tolerance_grad: f64,
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

impl Lbfgs {
    pub(crate) fn step(
        &self,
        state: &mut LbfgsState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Problem<'_>,
    ) -> StepOutcome {
        let here = StepOutcome {
            gradient: Some(grad.to_owned()),
        };
        let max_abs = grad.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if max_abs <= self.tolerance_grad {
            return here;
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
                return here;
            }
        }
        state.prev_grad = Some(grad.to_owned());
        let t = if state.iterations == 1 {
            let l1: f64 = grad.iter().map(|v| v.abs()).sum();
            (1.0f64).min(1.0 / l1) * lr
        } else {
            lr
        };
        let outcome = match self.line_search {
            LbfgsSearch::None => {
                params.scaled_add(t, &d);
                state.t = t;
                state.value_here = None;
                StepOutcome::default()
            }
            LbfgsSearch::StrongWolfe => {
                let f0 = match state.value_here.take() {
                    Some(f) => f,
                    None => problem.value(params.view()),
                };
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
                );
                let p = found.point;
                params.scaled_add(p.t, &d);
                state.t = p.t;
                state.value_here = Some(p.f);
                StepOutcome {
                    gradient: Some(p.g),
                }
            }
        };
        state.direction = Some(d);
        outcome
    }

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

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::cancel::Cancel;
    use crate::core::objective::Objective;
    use crate::core::optim::Optimizer;
    use crate::core::run::{Limits, RunSpec, Status, run};
    use crate::core::schedule::Schedule;
    use crate::core::surface::Surface;

    fn spec(optimizer: Optimizer) -> RunSpec {
        RunSpec {
            optimizer,
            schedule: Schedule::Constant,
            lr: 1.0,
        }
    }

    fn newton(line_search: NewtonSearch) -> Optimizer {
        Optimizer::Newton(Newton {
            damping: 0.0,
            line_search,
        })
    }

    fn lbfgs() -> Optimizer {
        Optimizer::Lbfgs(Lbfgs {
            history_size: 10,
            line_search: LbfgsSearch::StrongWolfe,
            tolerance_grad: 1e-7,
        })
    }

    fn limits(steps: u64) -> Limits {
        Limits {
            steps,
            tolerance: None,
        }
    }

    #[test]
    fn newton_lands_on_a_quadratic_minimum_in_one_step() {
        for matrix in [[[1.0, 0.0], [0.0, 20.0]], [[3.0, 1.0], [1.0, 2.0]]] {
            let s = Surface::Quadratic {
                matrix,
                center: [0.5, -1.0],
            };
            for search in [NewtonSearch::Backtracking, NewtonSearch::None] {
                let trace = run(
                    &s,
                    None,
                    &spec(newton(search)),
                    array![-3.0, 2.0].view(),
                    limits(1),
                    &Cancel::new(),
                );
                let p = trace.last_point();
                assert!(
                    (p[0] - 0.5).abs() < 1e-14 && (p[1] + 1.0).abs() < 1e-14,
                    "{p:?}"
                );
                assert_eq!(trace.evaluations.hessian, 1);
                assert_eq!(trace.evaluations.gradient, 2);
            }
        }
    }

    #[test]
    fn lbfgs_never_asks_twice_for_a_gradient_it_has() {
        let s = Surface::default_of("rosenbrock").unwrap();
        let trace = run(
            &s,
            None,
            &spec(lbfgs()),
            array![-1.2, 1.0].view(),
            limits(30),
            &Cancel::new(),
        );
        let e = trace.evaluations;
        // One value at the start (for the first line search), then one value and one
        // gradient per trial point; the loop's gradient at the start is the only other one.
        assert_eq!(e.value, e.gradient);
        assert_eq!(e.hessian, 0);
        assert_eq!(trace.evaluations_at.len(), trace.len());
        assert_eq!(trace.evaluations_at[0].gradient, 1);
        assert_eq!(*trace.evaluations_at.last().unwrap(), e);
        assert!(
            trace
                .evaluations_at
                .windows(2)
                .all(|w| w[1].gradient > w[0].gradient)
        );
    }

    #[test]
    fn the_shift_makes_an_indefinite_hessian_positive_definite_and_leaves_a_definite_one() {
        let h = array![[2.0, 0.0], [0.0, -1.0]];
        let factors = make_positive_definite(&h).unwrap();
        // (H + τI)⁻¹ e₂ is large: the direction of negative curvature is stretched.
        let d = factors.solve(array![0.0, 1.0].view());
        assert!(d[1] > 100.0, "{d}");
        let pd = array![[2.0, 1.0], [1.0, 3.0]];
        let x = make_positive_definite(&pd)
            .unwrap()
            .solve(array![3.0, 4.0].view());
        assert!(
            (pd.dot(&x) - array![3.0, 4.0])
                .iter()
                .all(|v| v.abs() < 1e-14)
        );
        assert!(make_positive_definite(&array![[f64::NAN, 0.0], [0.0, 1.0]]).is_none());
    }

    #[test]
    fn pure_newton_goes_to_the_saddle_and_the_default_escapes() {
        let s = Surface::default_of("saddle").unwrap();
        let start = array![1.0, 0.3];
        let pure = run(
            &s,
            None,
            &spec(newton(NewtonSearch::None)),
            start.view(),
            limits(50),
            &Cancel::new(),
        );
        let p = pure.last_point();
        assert!(p[0].abs() < 1e-12 && p[1].abs() < 1e-12, "{p:?}");
        let safe = run(
            &s,
            None,
            &spec(newton(NewtonSearch::Backtracking)),
            start.view(),
            limits(50),
            &Cancel::new(),
        );
        let q = safe.last_point();
        assert!(
            q[0].abs() < 1e-9 && (q[1].abs() - 1.0).abs() < 1e-9,
            "{q:?}"
        );
    }

    #[test]
    fn pure_newton_on_a_singular_hessian_is_divergence_not_a_crash() {
        // f = x² − y²/2 + y⁴/4 has H = diag(2, 3y² − 1): singular at y = 1/√3.
        let s = Surface::default_of("saddle").unwrap();
        let start = array![1.0, 1.0 / 3f64.sqrt()];
        assert!(s.hessian(start.view()).unwrap()[[1, 1]].abs() < 1e-15);
        let trace = run(
            &s,
            None,
            &spec(newton(NewtonSearch::None)),
            start.view(),
            limits(10),
            &Cancel::new(),
        );
        assert!(
            matches!(trace.status, Status::Diverged { step: 1 }),
            "{:?}",
            trace.status
        );
        assert!(trace.points.iter().all(|v| v.is_finite()));
    }

    mod never_silently_non_finite {
        use proptest::prelude::*;

        use super::*;
        use crate::core::surface::SURFACE_KINDS;

        fn optimizer() -> impl Strategy<Value = Optimizer> {
            prop_oneof![
                (any::<bool>(), prop_oneof![Just(0.0), 0.0..10.0f64]).prop_map(
                    |(pure, damping)| {
                        Optimizer::Newton(Newton {
                            damping,
                            line_search: if pure {
                                NewtonSearch::None
                            } else {
                                NewtonSearch::Backtracking
                            },
                        })
                    }
                ),
                (1usize..12, any::<bool>()).prop_map(|(history_size, none)| {
                    Optimizer::Lbfgs(Lbfgs {
                        history_size,
                        line_search: if none {
                            LbfgsSearch::None
                        } else {
                            LbfgsSearch::StrongWolfe
                        },
                        tolerance_grad: 1e-7,
                    })
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn every_point_is_finite_or_the_run_says_diverged(
                surface in 0..SURFACE_KINDS.len(),
                optimizer in optimizer(),
                log_lr in -3.0..3.0f64,
                x in -50.0..50.0f64,
                y in -50.0..50.0f64,
                noisy in any::<bool>(),
            ) {
                let s = Surface::default_of(SURFACE_KINDS[surface]).unwrap();
                let noise = noisy.then_some(crate::core::noise::GradientNoise { std: 1.0, seed: 3 });
                let spec = RunSpec { optimizer, schedule: Schedule::Constant, lr: 10f64.powf(log_lr) };
                let trace = run(&s, noise, &spec, array![x, y].view(), limits(40), &Cancel::new());
                prop_assert!(trace.points.iter().all(|v| v.is_finite()));
                prop_assert!(trace.loss.iter().all(|v| v.is_finite()));
                prop_assert_eq!(trace.evaluations_at.len(), trace.len());
                match trace.status {
                    Status::MaxSteps => prop_assert_eq!(trace.steps(), 40),
                    Status::Diverged { step } => prop_assert!(trace.steps() <= step),
                    Status::Converged => prop_assert!(false, "no tolerance was set"),
                }
            }
        }
    }
}
