//! Minima and saddle points found numerically: Newton's method on the gradient, seeded from a
//! grid over the window.

use super::Expression;

/// Seeds per side of the window.
const SEEDS: usize = 24;
/// Newton steps per seed. Quadratic convergence needs a handful; a degenerate critical point
/// such as the minimum of x⁴ converges linearly (by 2/3 a step) and needs the rest.
const MAX_STEPS: usize = 100;
/// Points closer than this fraction of the window's diagonal are one point.
const SAME_POINT: f64 = 1e-3;

/// The minima (lowest value first, so the global minimum leads) and the saddle points of
/// `expr` inside `window` = [[x0, x1], [y0, y1]]. Maxima are left out.
///
/// Each of 24×24 seeds on the window is refined by Newton's method with the exact Hessian;
/// a point is kept if the iteration converged inside the window (borders included) to a
/// gradient below 1e-7 of the median gradient over the seeds, with a finite value there. It is a minimum if both
/// eigenvalues of the Hessian are positive and a saddle if their signs differ; where one is
/// about zero, the values on a small circle around the point decide. Points closer than a
/// thousandth of the window's diagonal are one. Seeds where the formula is undefined are
/// skipped. Deterministic: the same formula and window give the same points in the same
/// order. An empty or non-finite window gives nothing.
pub fn critical_points(expr: &Expression, window: [[f64; 2]; 2]) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let [[x0, x1], [y0, y1]] = window;
    if ![x0, x1, y0, y1].iter().all(|v| v.is_finite()) || x0 >= x1 || y0 >= y1 {
        return (Vec::new(), Vec::new());
    }
    let seeds: Vec<[f64; 2]> = (0..SEEDS)
        .flat_map(|j| {
            (0..SEEDS).map(move |i| {
                let at =
                    |k: usize, lo: f64, hi: f64| lo + (k as f64 + 0.5) / SEEDS as f64 * (hi - lo);
                [at(i, x0, x1), at(j, y0, y1)]
            })
        })
        .collect();
    let Some(tolerance) = gradient_tolerance(expr, &seeds) else {
        return (Vec::new(), Vec::new());
    };
    let diagonal = (x1 - x0).hypot(y1 - y0);
    let inside = |[x, y]: [f64; 2]| x0 <= x && x <= x1 && y0 <= y && y <= y1;
    let probe = 1e-3 * (x1 - x0).min(y1 - y0);

    let mut found: Vec<Found> = Vec::new();
    for seed in seeds {
        let Some(point) = newton(expr, seed, diagonal) else {
            continue;
        };
        let gradient = norm(expr.gradient(point));
        // The gradient can be finite where the value is not (log(u) has u'/u): such a point
        // is no minimum of anything.
        if !inside(point) || gradient > tolerance || !expr.value(point).is_finite() {
            continue;
        }
        let Some(kind) = classify(expr, point, probe) else {
            continue;
        };
        match found
            .iter_mut()
            .find(|f| distance(f.point, point) <= SAME_POINT * diagonal)
        {
            // The same point reached again: keep the better converged copy.
            Some(same) if gradient < same.gradient => {
                *same = Found {
                    point,
                    gradient,
                    kind,
                }
            }
            Some(_) => {}
            None => found.push(Found {
                point,
                gradient,
                kind,
            }),
        }
    }

    let sorted = |kind: Kind| {
        let mut points: Vec<([f64; 2], f64)> = found
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| (f.point, expr.value(f.point)))
            .collect();
        points.sort_by(|(p, v), (q, w)| {
            v.total_cmp(w)
                .then(p[0].total_cmp(&q[0]))
                .then(p[1].total_cmp(&q[1]))
        });
        points.into_iter().map(|(p, _)| p).collect()
    };
    (sorted(Kind::Minimum), sorted(Kind::Saddle))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Minimum,
    Saddle,
}

struct Found {
    point: [f64; 2],
    gradient: f64,
    kind: Kind,
}

fn norm([a, b]: [f64; 2]) -> f64 {
    a.hypot(b)
}

fn distance(p: [f64; 2], q: [f64; 2]) -> f64 {
    (p[0] - q[0]).hypot(p[1] - q[1])
}

/// "Tiny" for a gradient, relative to the surface: 1e-7 of the median gradient norm over the
/// seeds. None when the gradient is zero or undefined at every seed (a constant formula has
/// no isolated critical points to report).
fn gradient_tolerance(expr: &Expression, seeds: &[[f64; 2]]) -> Option<f64> {
    let mut norms: Vec<f64> = seeds
        .iter()
        .map(|&p| norm(expr.gradient(p)))
        .filter(|n| n.is_finite())
        .collect();
    if norms.is_empty() {
        return None;
    }
    norms.sort_by(f64::total_cmp);
    let median = norms[norms.len() / 2];
    (median > 0.0).then_some(1e-7 * median)
}

/// Newton's method on ∇f = 0 from `seed`: None if the Hessian is singular or undefined on the
/// way, or the iterate leaves the neighbourhood of the window.
fn newton(expr: &Expression, seed: [f64; 2], diagonal: f64) -> Option<[f64; 2]> {
    let mut p = seed;
    for _ in 0..MAX_STEPS {
        let [gx, gy] = expr.gradient(p);
        let [[a, b], [_, d]] = expr.hessian(p);
        let det = a * d - b * b;
        if !(det.is_finite() && gx.is_finite() && gy.is_finite()) || det == 0.0 {
            return None;
        }
        let step = [(d * gx - b * gy) / det, (a * gy - b * gx) / det];
        p = [p[0] - step[0], p[1] - step[1]];
        if !(p[0].is_finite() && p[1].is_finite()) || distance(p, seed) > 2.0 * diagonal {
            return None;
        }
        if norm(step) <= 1e-14 * diagonal {
            break;
        }
    }
    Some(p)
}

/// Minimum, saddle, or neither (a maximum, or undefined), from the Hessian's eigenvalues; where
/// one of them is about zero, from the values on a circle of radius `probe` around the point.
fn classify(expr: &Expression, p: [f64; 2], probe: f64) -> Option<Kind> {
    let [[a, b], [_, d]] = expr.hessian(p);
    let mean = 0.5 * (a + d);
    let radius = (0.5 * (a - d)).hypot(b);
    let (low, high) = (mean - radius, mean + radius);
    if !(low.is_finite() && high.is_finite()) {
        return None;
    }
    let negligible = 1e-9 * high.abs().max(low.abs());
    if low > negligible {
        Some(Kind::Minimum)
    } else if low < -negligible && high > negligible {
        Some(Kind::Saddle)
    } else if high < -negligible {
        None
    } else {
        by_neighbours(expr, p, probe)
    }
}

/// Whether f rises all around `p` (minimum), rises and falls (saddle), or neither.
fn by_neighbours(expr: &Expression, p: [f64; 2], probe: f64) -> Option<Kind> {
    let centre = expr.value(p);
    let (mut above, mut below) = (false, false);
    for k in 0..16 {
        let angle = k as f64 * std::f64::consts::TAU / 16.0;
        let q = [p[0] + probe * angle.cos(), p[1] + probe * angle.sin()];
        let v = expr.value(q);
        if !v.is_finite() {
            return None;
        }
        above |= v > centre;
        below |= v < centre;
    }
    match (above, below) {
        (true, false) => Some(Kind::Minimum),
        (true, true) => Some(Kind::Saddle),
        _ => None,
    }
}
