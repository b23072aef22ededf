//! Line searches along a direction d from a point x: φ(t) = f(x + t·d), φ'(t) = ∇f(x + t·d)·d.
//!
//! - [`backtracking`]: Armijo's sufficient decrease φ(t) ≤ φ(0) + c1·t·φ'(0), trying t, t/2,
//!   t/4, … (Nocedal & Wright, Algorithm 3.1). Needs values only.
//! - [`strong_wolfe`]: sufficient decrease and the strong curvature condition
//!   |φ'(t)| ≤ c2·|φ'(0)|, by bracketing then zooming with cubic interpolation (Nocedal &
//!   Wright, Algorithms 3.5 and 3.6; the bracketing and safeguards follow torch.optim.LBFGS's
//!   `_strong_wolfe` so L-BFGS takes torch's steps). Needs values and gradients.
//!
//! Both are written against closures, so they can be checked on any function of t, and both
//! treat a trial point whose value is not finite as "too far": they never accept one.

use ndarray::{Array1, ArrayView1};

/// Armijo's constant: the decrease must be at least this fraction of the linear prediction.
pub const C1: f64 = 1e-4;
/// The curvature constant of the strong Wolfe conditions (quasi-Newton value).
pub const C2: f64 = 0.9;
/// Most halvings [`backtracking`] tries: 2⁻⁶⁰ is below any useful step.
pub const MAX_HALVINGS: u32 = 60;
/// Most evaluations [`strong_wolfe`] makes (torch's `max_ls`).
pub const MAX_WOLFE_EVALS: u32 = 25;
/// torch's default `tolerance_change`: [`strong_wolfe`] does not refine its bracket below
/// this width times |d|∞ unless told otherwise.
pub const TOLERANCE_CHANGE: f64 = 1e-9;

/// Armijo's condition: φ(t) ≤ φ(0) + c1·t·φ'(0), false for a non-finite φ(t).
pub fn armijo(f0: f64, slope0: f64, t: f64, ft: f64, c1: f64) -> bool {
    ft.is_finite() && ft <= f0 + c1 * t * slope0
}

/// The strong curvature condition: |φ'(t)| ≤ c2·|φ'(0)|.
pub fn strong_curvature(slope0: f64, slope_t: f64, c2: f64) -> bool {
    slope_t.abs() <= c2 * slope0.abs()
}

/// What [`backtracking`] found: an accepted step and φ there, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backtracked {
    /// The step length along the direction.
    pub t: f64,
    /// f at that step.
    pub f: f64,
    /// Values asked for.
    pub evals: u32,
}

/// The first of t0, t0/2, t0/4, … that satisfies Armijo's condition, calling `phi(t)` for
/// φ(t); `Err(evals)` when none of [`MAX_HALVINGS`] does (or `slope0` is not negative and
/// finite, so no decrease is promised).
pub fn backtracking(
    mut phi: impl FnMut(f64) -> f64,
    f0: f64,
    slope0: f64,
    t0: f64,
) -> Result<Backtracked, u32> {
    if !(slope0 < 0.0 && slope0.is_finite() && f0.is_finite()) {
        return Err(0);
    }
    let mut t = t0;
    for evals in 1..=MAX_HALVINGS {
        let f = phi(t);
        if armijo(f0, slope0, t, f, C1) {
            return Ok(Backtracked { t, f, evals });
        }
        t *= 0.5;
    }
    Err(MAX_HALVINGS)
}

/// A point on the line with φ and ∇f there.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePoint {
    /// The step length along the direction.
    pub t: f64,
    /// f at that step.
    pub f: f64,
    /// ∇f at that step.
    pub g: Array1<f64>,
    /// φ'(t) = g·d.
    pub slope: f64,
}

/// What [`strong_wolfe`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct WolfeResult {
    /// The best point seen that satisfies sufficient decrease (t = 0, the start, if none).
    pub point: LinePoint,
    /// Gradient (and value) evaluations made.
    pub evals: u32,
    /// Whether `point` satisfies both strong Wolfe conditions; false when the search ran out
    /// of evaluations or the bracket shrank below its `tolerance_change`.
    pub satisfied: bool,
}

/// The minimiser of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to
/// `bounds` (default: between x1 and x2); the middle of the bounds when the cubic has none.
pub fn cubic_interpolate(
    (x1, f1, g1): (f64, f64, f64),
    (x2, f2, g2): (f64, f64, f64),
    bounds: Option<(f64, f64)>,
) -> f64 {
    let (lo, hi) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    let t = if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        }
    } else {
        f64::NAN
    };
    if t.is_finite() {
        t.max(lo).min(hi)
    } else {
        // No minimiser, or infinities from a trial point too far out: bisect.
        0.5 * (lo + hi)
    }
}

/// A strong Wolfe line search from `start` (t = 0, with φ(0), ∇f and φ'(0) < 0) trying `t`
/// first. `eval(t)` returns φ(t) and ∇f(x + t·d); `d` is the direction. The bracket is not
/// refined below `tolerance_change` times |d|∞ (torch's `tolerance_change`).
pub fn strong_wolfe(
    mut eval: impl FnMut(f64) -> (f64, Array1<f64>),
    d: ArrayView1<'_, f64>,
    start: LinePoint,
    t: f64,
    tolerance_change: f64,
) -> WolfeResult {
    let d_norm = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (f0, slope0) = (start.f, start.slope);
    let mut evals = 0u32;
    let mut probe = |t: f64, evals: &mut u32| {
        let (f, g) = eval(t);
        *evals += 1;
        // A non-finite value is "too high"; its slope is unknown.
        let f = if f.is_nan() { f64::INFINITY } else { f };
        let slope = if f.is_finite() { g.dot(&d) } else { f64::NAN };
        LinePoint { t, f, g, slope }
    };
    let sufficient = |p: &LinePoint| armijo(f0, slope0, p.t, p.f, C1);
    let curvature = |p: &LinePoint| p.slope.is_finite() && strong_curvature(slope0, p.slope, C2);

    // Bracketing: grow t until [prev, t] must contain an acceptable step.
    let mut prev = start.clone();
    let mut new = probe(t, &mut evals);
    let mut bracket: [LinePoint; 2];
    loop {
        if !sufficient(&new) || (evals > 2 && new.f >= prev.f) {
            bracket = [prev, new];
            break;
        }
        if curvature(&new) {
            return WolfeResult {
                point: new,
                evals,
                satisfied: true,
            };
        }
        if new.slope >= 0.0 {
            bracket = [prev, new];
            break;
        }
        if evals >= MAX_WOLFE_EVALS {
            // Every trial went downhill: the last one is the best seen.
            return WolfeResult {
                point: new,
                evals,
                satisfied: false,
            };
        }
        let min_step = new.t + 0.01 * (new.t - prev.t);
        let max_step = new.t * 10.0;
        let next = cubic_interpolate(
            (prev.t, prev.f, prev.slope),
            (new.t, new.f, new.slope),
            Some((min_step, max_step)),
        );
        prev = new;
        new = probe(next, &mut evals);
    }

    // Zoom: shrink the bracket, keeping `low` the end with the lower value that satisfies
    // sufficient decrease, until a point satisfies the curvature condition.
    let mut low = usize::from(bracket[0].f > bracket[1].f);
    let mut insufficient_progress = false;
    while evals < MAX_WOLFE_EVALS {
        let (a, b) = (&bracket[0], &bracket[1]);
        let (lo, hi) = (a.t.min(b.t), a.t.max(b.t));
        if (hi - lo) * d_norm < tolerance_change {
            break;
        }
        let mut t = cubic_interpolate((a.t, a.f, a.slope), (b.t, b.f, b.slope), None);
        // Keep away from the ends, so the bracket shrinks by a tenth at least.
        let eps = 0.1 * (hi - lo);
        if (hi - t).min(t - lo) < eps {
            if insufficient_progress || t >= hi || t <= lo {
                t = if (t - hi).abs() < (t - lo).abs() {
                    hi - eps
                } else {
                    lo + eps
                };
                insufficient_progress = false;
            } else {
                insufficient_progress = true;
            }
        } else {
            insufficient_progress = false;
        }
        let new = probe(t, &mut evals);
        let high = 1 - low;
        if !sufficient(&new) || new.f >= bracket[low].f {
            bracket[high] = new;
        } else {
            let done = curvature(&new);
            if !done && new.slope * (bracket[high].t - bracket[low].t) >= 0.0 {
                // The minimiser lies on the other side of `new`: the old low end becomes
                // the high end.
                bracket[high] = bracket[low].clone();
            }
            bracket[low] = new;
            if done {
                return WolfeResult {
                    point: bracket[low].clone(),
                    evals,
                    satisfied: true,
                };
            }
        }
        low = usize::from(bracket[0].f > bracket[1].f);
    }
    let point = bracket[low].clone();
    let satisfied = point.t != 0.0 && sufficient(&point) && curvature(&point);
    WolfeResult {
        point,
        evals,
        satisfied,
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::objective::Objective;
    use crate::core::surface::Surface;

    /// φ and φ' along `d` from `x` on a surface.
    fn line(s: &dyn Surface, x: [f64; 2], d: [f64; 2]) -> impl Fn(f64) -> (f64, Array1<f64>) + '_ {
        move |t| {
            let p = array![x[0] + t * d[0], x[1] + t * d[1]];
            let mut g = array![0.0, 0.0];
            s.gradient(p.view(), g.view_mut());
            (s.value(p.view()), g)
        }
    }

    fn start(phi: &impl Fn(f64) -> (f64, Array1<f64>), d: &Array1<f64>) -> LinePoint {
        let (f, g) = phi(0.0);
        let slope = g.dot(d);
        LinePoint {
            t: 0.0,
            f,
            g,
            slope,
        }
    }

    /// Lines on several surfaces, each along −∇f (a descent direction), from several first
    /// trial steps: too short, about right, far too long.
    /// A surface, a point, a direction and a first trial step.
    type Case = (std::sync::Arc<dyn Surface>, [f64; 2], [f64; 2], f64);

    fn cases() -> Vec<Case> {
        let mut out = Vec::new();
        for (kind, x) in [
            ("quadratic", [-3.0, 2.0]),
            ("rosenbrock", [-1.2, 1.0]),
            ("rosenbrock", [0.5, 0.9]),
            ("beale", [1.0, 1.4]),
            ("himmelblau", [0.0, 0.0]),
            ("saddle", [1.0, 0.3]),
            ("rastrigin", [2.2, 2.7]),
        ] {
            let s = crate::core::registry::default_surface(kind).unwrap();
            let g = s.grad2(x);
            for t in [1e-4, 1e-2, 1.0, 100.0] {
                out.push((s.clone(), x, [-g[0], -g[1]], t));
            }
        }
        out
    }

    #[test]
    fn backtracking_accepts_only_sufficient_decrease_and_the_first_such_halving() {
        for (s, x, d, t0) in cases() {
            let phi = line(&s, x, d);
            let dd = array![d[0], d[1]];
            let p0 = start(&phi, &dd);
            let found = backtracking(|t| phi(t).0, p0.f, p0.slope, t0).unwrap();
            let (ft, _) = phi(found.t);
            assert_eq!(ft, found.f);
            // Armijo, checked from scratch.
            assert!(ft <= p0.f + 1e-4 * found.t * p0.slope, "{s:?} {t0}");
            // Every longer step tried before failed it.
            let mut t = t0;
            while t > found.t {
                let f = phi(t).0;
                assert!(
                    !armijo(p0.f, p0.slope, t, f, 1e-4),
                    "{s:?}: {t} was acceptable"
                );
                t *= 0.5;
            }
            assert_eq!(t, found.t);
        }
    }

    #[test]
    fn backtracking_refuses_an_uphill_direction() {
        assert_eq!(backtracking(|t| t, 0.0, 1.0, 1.0), Err(0));
        assert_eq!(
            backtracking(|_| f64::NAN, 0.0, -1.0, 1.0),
            Err(MAX_HALVINGS)
        );
    }

    #[test]
    fn strong_wolfe_points_satisfy_both_conditions() {
        let mut satisfied = 0;
        for (s, x, d, t0) in cases() {
            let phi = line(&s, x, d);
            let dd = array![d[0], d[1]];
            let p0 = start(&phi, &dd);
            let found = strong_wolfe(&phi, dd.view(), p0.clone(), t0, TOLERANCE_CHANGE);
            let p = &found.point;
            // The point reported is the point evaluated.
            let (f, g) = phi(p.t);
            assert_eq!((f, &g), (p.f, &p.g));
            assert!(found.evals >= 1 && found.evals <= MAX_WOLFE_EVALS);
            if found.satisfied {
                satisfied += 1;
                assert!(p.t > 0.0);
                assert!(
                    f <= p0.f + C1 * p.t * p0.slope,
                    "sufficient decrease: {s:?} {t0}"
                );
                assert!(
                    g.dot(&dd).abs() <= C2 * p0.slope.abs(),
                    "curvature: {s:?} {t0}: {} vs {}",
                    g.dot(&dd),
                    p0.slope
                );
            } else {
                // Never worse than where it started.
                assert!(p.f <= p0.f, "{s:?} {t0}");
            }
        }
        assert_eq!(
            satisfied,
            cases().len(),
            "every case finds a strong Wolfe point"
        );
    }

    #[test]
    fn strong_wolfe_survives_non_finite_trial_points() {
        // f = t² − t for t < 2, NaN beyond: the minimiser t = 1/2 is found from t = 10.
        let d = array![1.0];
        let phi = |t: f64| {
            if t < 2.0 {
                (t * t - t, array![2.0 * t - 1.0])
            } else {
                (f64::NAN, array![f64::NAN])
            }
        };
        let p0 = LinePoint {
            t: 0.0,
            f: 0.0,
            g: array![-1.0],
            slope: -1.0,
        };
        let found = strong_wolfe(phi, d.view(), p0, 10.0, TOLERANCE_CHANGE);
        assert!(found.satisfied);
        assert!(found.point.f.is_finite() && found.point.t < 2.0);
    }

    #[test]
    fn cubic_interpolation_finds_a_cubic_minimiser() {
        // φ(t) = t³ − 3t has its local minimiser at t = 1; a cubic is interpolated exactly.
        let phi = |t: f64| (t * t * t - 3.0 * t, 3.0 * t * t - 3.0);
        let (f0, g0) = phi(0.0);
        let (f2, g2) = phi(2.0);
        let t = cubic_interpolate((0.0, f0, g0), (2.0, f2, g2), None);
        assert!((t - 1.0).abs() < 1e-12, "{t}");
        // Bounds clamp; no minimiser bisects.
        assert_eq!(
            cubic_interpolate((0.0, f0, g0), (2.0, f2, g2), Some((1.5, 3.0))),
            1.5
        );
        let t = cubic_interpolate((0.0, 0.0, f64::NAN), (1.0, 0.0, 0.0), None);
        assert_eq!(t, 0.5);
    }
}
