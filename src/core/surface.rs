//! The 2-D loss surfaces of the lecture and the classic test functions.
//!
//! Every surface has an analytic value, gradient and Hessian, a plot window, a default start,
//! and the minima (and saddle points) it knows of. Where a minimum has no closed form it is
//! refined by Newton's method once, when the surface is built.

use std::f64::consts::PI;

use ndarray::{Array2, ArrayView1, ArrayViewMut1};

use super::objective::Objective;

/// A point in the plane.
pub type Point = [f64; 2];

/// A surface with its parameters. Construct through the `new_*` functions or `Surface::default_of`,
/// which check what the formulas need (a symmetric matrix, ordered roots, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum Surface {
    /// ½ (p−c)ᵀ A (p−c) with A symmetric.
    Quadratic {
        matrix: [[f64; 2]; 2],
        center: Point,
    },
    /// a·x² − b·y² + c·y⁴.
    Saddle { a: f64, b: f64, c: f64 },
    /// h(x) + ½·curvature·y², where h′(x) = (x−global)(x−barrier)(x−local): a minimum at
    /// `global`, a shallow one at `local`, a ridge at `barrier` between them. Shifted so the
    /// global minimum has value 0.
    Bowl {
        global: f64,
        barrier: f64,
        local: f64,
        curvature: f64,
    },
    /// (a−x)² + b·(y−x²)².
    Rosenbrock { a: f64, b: f64 },
    /// (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².
    Beale,
    /// (x² + y − 11)² + (x + y² − 7)².
    Himmelblau,
    /// 2a + Σ (xᵢ² − a·cos 2πxᵢ).
    Rastrigin { a: f64 },
}

/// The surface kinds, in the order `optplay list` shows them.
pub const SURFACE_KINDS: [&str; 7] = [
    "quadratic",
    "saddle",
    "bowl",
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
];

/// A plot window: x range and y range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub x: [f64; 2],
    pub y: [f64; 2],
}

impl Surface {
    /// The surface of this kind with every parameter at its default.
    pub fn default_of(kind: &str) -> Option<Surface> {
        Some(match kind {
            "quadratic" => Surface::Quadratic {
                matrix: [[1.0, 0.0], [0.0, 20.0]],
                center: [0.0, 0.0],
            },
            "saddle" => Surface::Saddle {
                a: 1.0,
                b: 0.5,
                c: 0.25,
            },
            "bowl" => Surface::Bowl {
                global: -1.0,
                barrier: 0.6,
                local: 1.2,
                curvature: 2.0,
            },
            "rosenbrock" => Surface::Rosenbrock { a: 1.0, b: 100.0 },
            "beale" => Surface::Beale,
            "himmelblau" => Surface::Himmelblau,
            "rastrigin" => Surface::Rastrigin { a: 10.0 },
            _ => return None,
        })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Surface::Quadratic { .. } => "quadratic",
            Surface::Saddle { .. } => "saddle",
            Surface::Bowl { .. } => "bowl",
            Surface::Rosenbrock { .. } => "rosenbrock",
            Surface::Beale => "beale",
            Surface::Himmelblau => "himmelblau",
            Surface::Rastrigin { .. } => "rastrigin",
        }
    }

    /// The formula with this surface's numbers, for plot titles.
    pub fn formula(&self) -> String {
        match *self {
            Surface::Quadratic { matrix, center } => {
                let p = if center == [0.0, 0.0] {
                    "p".to_string()
                } else {
                    format!("(p − ({}, {}))", num(center[0]), num(center[1]))
                };
                if matrix[0][1] == 0.0 {
                    let shifted = |v: &str, c: f64| {
                        if c == 0.0 {
                            v.to_string()
                        } else {
                            format!("({v} − {})", num(c))
                        }
                    };
                    format!(
                        "f = ½·({}{}² + {}{}²)",
                        coef(matrix[0][0]),
                        shifted("x", center[0]),
                        coef(matrix[1][1]),
                        shifted("y", center[1])
                    )
                } else {
                    format!(
                        "f = ½·{p}ᵀ A {p},  A = [[{}, {}], [{}, {}]]",
                        num(matrix[0][0]),
                        num(matrix[0][1]),
                        num(matrix[1][0]),
                        num(matrix[1][1])
                    )
                }
            }
            Surface::Saddle { a, b, c } => {
                if c == 0.0 {
                    format!("f = {}x² − {}y²", coef(a), coef(b))
                } else {
                    format!("f = {}x² − {}y² + {}y⁴", coef(a), coef(b), coef(c))
                }
            }
            Surface::Bowl {
                global,
                barrier,
                local,
                curvature,
            } => format!(
                "f = h(x) + {}y²,  h′ = (x − {})(x − {})(x − {})",
                coef(curvature / 2.0),
                num(global),
                num(barrier),
                num(local)
            )
            .replace("− -", "+ "),
            Surface::Rosenbrock { a, b } => {
                format!("f = ({} − x)² + {}(y − x²)²", num(a), coef(b))
            }
            Surface::Beale => {
                "f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²".to_string()
            }
            Surface::Himmelblau => "f = (x² + y − 11)² + (x + y² − 7)²".to_string(),
            Surface::Rastrigin { a } => format!(
                "f = {} + x² + y² − {}(cos 2πx + cos 2πy)",
                num(2.0 * a),
                coef(a)
            ),
        }
    }

    /// The window the plots show unless the experiment says otherwise.
    pub fn window(&self) -> Window {
        match *self {
            Surface::Quadratic { matrix, center } => {
                // Wide enough for the default start and the zigzag across the narrow axis.
                let _ = matrix;
                Window {
                    x: [center[0] - 3.5, center[0] + 3.5],
                    y: [center[1] - 2.5, center[1] + 2.5],
                }
            }
            Surface::Saddle { b, c, .. } => {
                let reach = if c > 0.0 { (b / (2.0 * c)).sqrt() } else { 1.0 };
                Window {
                    x: [-1.5 * reach.max(1.0), 1.5 * reach.max(1.0)],
                    y: [-1.6 * reach, 1.6 * reach],
                }
            }
            Surface::Bowl {
                global,
                barrier,
                local,
                ..
            } => {
                let lo = global.min(local);
                let hi = global.max(local);
                let span = (hi - lo).max(1e-3);
                let _ = barrier;
                Window {
                    x: [lo - 0.6 * span, hi + 0.6 * span],
                    y: [-0.6 * span, 0.6 * span],
                }
            }
            Surface::Rosenbrock { a, .. } => Window {
                x: [-2.0 * a.abs().max(1.0), 2.0 * a.abs().max(1.0)],
                y: [-1.0, 3.0 * (a * a).max(1.0)],
            },
            Surface::Beale => Window {
                x: [-4.5, 4.5],
                y: [-4.5, 4.5],
            },
            Surface::Himmelblau => Window {
                x: [-5.0, 5.0],
                y: [-5.0, 5.0],
            },
            Surface::Rastrigin { .. } => Window {
                x: [-5.12, 5.12],
                y: [-5.12, 5.12],
            },
        }
    }

    /// Where runs start unless the experiment says otherwise.
    pub fn default_start(&self) -> Point {
        match *self {
            Surface::Quadratic { center, .. } => [center[0] - 3.0, center[1] + 2.0],
            // On the ridge, a hair off it: exactly on it the gradient never leaves y = 0.
            Surface::Saddle { .. } => [1.0, 0.001],
            Surface::Bowl { global, local, .. } => {
                // Beyond the shallow minimum, on the far side from the global one.
                let span = local - global;
                [local + 0.55 * span, 0.4 * span.abs()]
            }
            Surface::Rosenbrock { .. } => [-1.2, 1.0],
            Surface::Beale => [1.0, 1.4],
            Surface::Himmelblau => [0.0, 0.0],
            Surface::Rastrigin { .. } => [2.2, 2.7],
        }
    }

    /// Every local minimum this surface knows of; the global ones first.
    pub fn minima(&self) -> Vec<Point> {
        match *self {
            Surface::Quadratic { matrix, center } => {
                if is_positive_definite(matrix) {
                    vec![center]
                } else {
                    Vec::new()
                }
            }
            Surface::Saddle { b, c, .. } => {
                if c > 0.0 {
                    let y = (b / (2.0 * c)).sqrt();
                    vec![[0.0, y], [0.0, -y]]
                } else {
                    Vec::new()
                }
            }
            Surface::Bowl { global, local, .. } => {
                let (g, l) = self.bowl_minima_order(global, local);
                vec![[g, 0.0], [l, 0.0]]
            }
            Surface::Rosenbrock { a, .. } => vec![[a, a * a]],
            Surface::Beale => vec![[3.0, 0.5]],
            Surface::Himmelblau => [
                [3.0, 2.0],
                [-2.805118, 3.131312],
                [-3.779310, -3.283186],
                [3.584428, -1.848126],
            ]
            .iter()
            .map(|&p| self.refine_stationary(p))
            .collect(),
            Surface::Rastrigin { .. } => vec![[0.0, 0.0]],
        }
    }

    /// Saddle points worth marking on a plot.
    pub fn saddles(&self) -> Vec<Point> {
        match *self {
            Surface::Quadratic { matrix, center } => {
                let (lo, hi) = eigenvalues(matrix);
                if lo < 0.0 && hi > 0.0 {
                    vec![center]
                } else {
                    Vec::new()
                }
            }
            Surface::Saddle { .. } => vec![[0.0, 0.0]],
            Surface::Bowl { barrier, .. } => vec![[barrier, 0.0]],
            _ => Vec::new(),
        }
    }

    /// The lowest value the surface takes, where it has one.
    pub fn min_value(&self) -> Option<f64> {
        match *self {
            Surface::Quadratic { matrix, .. } => is_positive_definite(matrix).then_some(0.0),
            Surface::Saddle { b, c, .. } => (c > 0.0).then(|| -b * b / (4.0 * c)),
            Surface::Bowl { .. } => Some(0.0),
            Surface::Rosenbrock { .. }
            | Surface::Beale
            | Surface::Himmelblau
            | Surface::Rastrigin { .. } => Some(0.0),
        }
    }

    /// Of the bowl's two minima, which is the global one (lower h) comes first.
    fn bowl_minima_order(&self, global: f64, local: f64) -> (f64, f64) {
        if self.bowl_raw(global) <= self.bowl_raw(local) {
            (global, local)
        } else {
            (local, global)
        }
    }

    /// ∫h′ without the shift that puts the global minimum at 0.
    fn bowl_raw(&self, x: f64) -> f64 {
        let Surface::Bowl {
            global,
            barrier,
            local,
            ..
        } = *self
        else {
            return f64::NAN;
        };
        let (s1, s2, s3) = symmetric_sums(global, barrier, local);
        x * x * x * x / 4.0 - s1 * x * x * x / 3.0 + s2 * x * x / 2.0 - s3 * x
    }

    /// Newton's method on the gradient, from a good guess, for minima given to 6 digits.
    fn refine_stationary(&self, mut p: Point) -> Point {
        for _ in 0..20 {
            let g = self.grad2(p);
            let h = self.hess2(p);
            let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
            if det == 0.0 || !det.is_finite() {
                break;
            }
            let dx = (h[1][1] * g[0] - h[0][1] * g[1]) / det;
            let dy = (h[0][0] * g[1] - h[1][0] * g[0]) / det;
            p = [p[0] - dx, p[1] - dy];
            if dx.abs() + dy.abs() < 1e-15 {
                break;
            }
        }
        p
    }

    /// f at a point of the plane.
    #[inline]
    pub fn value2(&self, [x, y]: Point) -> f64 {
        match *self {
            Surface::Quadratic { matrix: a, center } => {
                let (dx, dy) = (x - center[0], y - center[1]);
                0.5 * (a[0][0] * dx * dx + (a[0][1] + a[1][0]) * dx * dy + a[1][1] * dy * dy)
            }
            Surface::Saddle { a, b, c } => a * x * x - b * y * y + c * y * y * y * y,
            Surface::Bowl {
                global,
                local,
                curvature,
                ..
            } => {
                let (g, _) = self.bowl_minima_order(global, local);
                self.bowl_raw(x) - self.bowl_raw(g) + 0.5 * curvature * y * y
            }
            Surface::Rosenbrock { a, b } => {
                let u = a - x;
                let v = y - x * x;
                u * u + b * v * v
            }
            Surface::Beale => {
                let t1 = 1.5 - x + x * y;
                let t2 = 2.25 - x + x * y * y;
                let t3 = 2.625 - x + x * y * y * y;
                t1 * t1 + t2 * t2 + t3 * t3
            }
            Surface::Himmelblau => {
                let u = x * x + y - 11.0;
                let v = x + y * y - 7.0;
                u * u + v * v
            }
            Surface::Rastrigin { a } => {
                2.0 * a + x * x - a * (2.0 * PI * x).cos() + y * y - a * (2.0 * PI * y).cos()
            }
        }
    }

    /// ∇f at a point of the plane.
    pub fn grad2(&self, [x, y]: Point) -> Point {
        match *self {
            Surface::Quadratic { matrix: a, center } => {
                let (dx, dy) = (x - center[0], y - center[1]);
                // The matrix is symmetric (checked on input), so ∇ = A (p − c).
                [a[0][0] * dx + a[0][1] * dy, a[1][0] * dx + a[1][1] * dy]
            }
            Surface::Saddle { a, b, c } => [2.0 * a * x, -2.0 * b * y + 4.0 * c * y * y * y],
            Surface::Bowl {
                global,
                barrier,
                local,
                curvature,
            } => [(x - global) * (x - barrier) * (x - local), curvature * y],
            Surface::Rosenbrock { a, b } => {
                let v = y - x * x;
                [-2.0 * (a - x) - 4.0 * b * x * v, 2.0 * b * v]
            }
            Surface::Beale => {
                let (y2, y3) = (y * y, y * y * y);
                let t = [1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3];
                let dx = [y - 1.0, y2 - 1.0, y3 - 1.0];
                let dy = [x, 2.0 * x * y, 3.0 * x * y2];
                [
                    2.0 * (t[0] * dx[0] + t[1] * dx[1] + t[2] * dx[2]),
                    2.0 * (t[0] * dy[0] + t[1] * dy[1] + t[2] * dy[2]),
                ]
            }
            Surface::Himmelblau => {
                let u = x * x + y - 11.0;
                let v = x + y * y - 7.0;
                [4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v]
            }
            Surface::Rastrigin { a } => [
                2.0 * x + 2.0 * PI * a * (2.0 * PI * x).sin(),
                2.0 * y + 2.0 * PI * a * (2.0 * PI * y).sin(),
            ],
        }
    }

    /// The Hessian at a point of the plane, row-major.
    pub fn hess2(&self, [x, y]: Point) -> [[f64; 2]; 2] {
        match *self {
            Surface::Quadratic { matrix, .. } => matrix,
            Surface::Saddle { a, b, c } => [[2.0 * a, 0.0], [0.0, -2.0 * b + 12.0 * c * y * y]],
            Surface::Bowl {
                global,
                barrier,
                local,
                curvature,
            } => {
                // d/dx of (x−r1)(x−r2)(x−r3).
                let h = (x - barrier) * (x - local)
                    + (x - global) * (x - local)
                    + (x - global) * (x - barrier);
                [[h, 0.0], [0.0, curvature]]
            }
            Surface::Rosenbrock { b, .. } => {
                let xy = -4.0 * b * x;
                [[2.0 - 4.0 * b * y + 12.0 * b * x * x, xy], [xy, 2.0 * b]]
            }
            Surface::Beale => {
                let (y2, y3) = (y * y, y * y * y);
                let t = [1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3];
                let dx = [y - 1.0, y2 - 1.0, y3 - 1.0];
                let dy = [x, 2.0 * x * y, 3.0 * x * y2];
                // Second derivatives of each term: t_xx = 0, t_xy = i·y^(i−1), t_yy = i(i−1)·x·y^(i−2).
                let dxy = [1.0, 2.0 * y, 3.0 * y2];
                let dyy = [0.0, 2.0 * x, 6.0 * x * y];
                let mut h = [[0.0; 2]; 2];
                for i in 0..3 {
                    h[0][0] += 2.0 * dx[i] * dx[i];
                    h[0][1] += 2.0 * (dx[i] * dy[i] + t[i] * dxy[i]);
                    h[1][1] += 2.0 * (dy[i] * dy[i] + t[i] * dyy[i]);
                }
                h[1][0] = h[0][1];
                h
            }
            Surface::Himmelblau => {
                let xy = 4.0 * (x + y);
                [
                    [12.0 * x * x + 4.0 * y - 42.0, xy],
                    [xy, 12.0 * y * y + 4.0 * x - 26.0],
                ]
            }
            Surface::Rastrigin { a } => {
                let k = 4.0 * PI * PI * a;
                [
                    [2.0 + k * (2.0 * PI * x).cos(), 0.0],
                    [0.0, 2.0 + k * (2.0 * PI * y).cos()],
                ]
            }
        }
    }

    /// The minimum closest to `p`, and how far it is.
    pub fn nearest_minimum(&self, p: Point) -> Option<(Point, f64)> {
        self.minima()
            .into_iter()
            .map(|m| (m, (m[0] - p[0]).hypot(m[1] - p[1])))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

impl Objective for Surface {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        self.value2([p[0], p[1]])
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, mut out: ArrayViewMut1<'_, f64>) {
        let g = self.grad2([p[0], p[1]]);
        out[0] = g[0];
        out[1] = g[1];
    }

    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        let h = self.hess2([p[0], p[1]]);
        Some(Array2::from_shape_fn((2, 2), |(i, j)| h[i][j]))
    }
}

/// Elementary symmetric sums of three roots: (x−r1)(x−r2)(x−r3) = x³ − s1x² + s2x − s3.
fn symmetric_sums(r1: f64, r2: f64, r3: f64) -> (f64, f64, f64) {
    (r1 + r2 + r3, r1 * r2 + r1 * r3 + r2 * r3, r1 * r2 * r3)
}

/// Eigenvalues of a symmetric 2x2 matrix, smaller first.
pub fn eigenvalues(m: [[f64; 2]; 2]) -> (f64, f64) {
    let mean = 0.5 * (m[0][0] + m[1][1]);
    let half_diff = 0.5 * (m[0][0] - m[1][1]);
    let radius = half_diff.hypot(m[0][1]);
    (mean - radius, mean + radius)
}

fn is_positive_definite(m: [[f64; 2]; 2]) -> bool {
    eigenvalues(m).0 > 0.0
}

/// A number as a person would write it in a formula: 20 not 20.0, 0.25 as is.
fn num(v: f64) -> String {
    format!("{v}")
}

/// A coefficient in front of a term: nothing for 1, else the number and a `·`.
fn coef(v: f64) -> String {
    if v == 1.0 {
        String::new()
    } else {
        format!("{}·", num(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_default() -> Vec<Surface> {
        SURFACE_KINDS
            .iter()
            .map(|k| Surface::default_of(k).expect("every listed kind has a default"))
            .collect()
    }

    /// Deterministic points spread over the window (a few beyond it too).
    fn sample_points(s: &Surface) -> Vec<Point> {
        let w = s.window();
        let mut points = Vec::new();
        for i in 0..13 {
            for j in 0..11 {
                let u = -0.1 + 1.2 * (i as f64 + 0.37) / 13.0;
                let v = -0.1 + 1.2 * (j as f64 + 0.61) / 11.0;
                points.push([
                    w.x[0] + u * (w.x[1] - w.x[0]),
                    w.y[0] + v * (w.y[1] - w.y[0]),
                ]);
            }
        }
        points
    }

    #[test]
    fn gradients_match_central_differences() {
        for s in all_default() {
            for p in sample_points(&s) {
                let g = s.grad2(p);
                for k in 0..2 {
                    let h = 1e-6 * (1.0 + p[k].abs());
                    let (mut lo, mut hi) = (p, p);
                    lo[k] -= h;
                    hi[k] += h;
                    let fd = (s.value2(hi) - s.value2(lo)) / (2.0 * h);
                    let scale = 1.0 + g[k].abs() + s.value2(p).abs() * 1e-3;
                    assert!(
                        (fd - g[k]).abs() <= 1e-5 * scale,
                        "{}: ∂f/∂p{k} at {p:?}: analytic {} vs difference {fd}",
                        s.kind(),
                        g[k]
                    );
                }
            }
        }
    }

    #[test]
    fn hessians_match_central_differences_of_the_gradient() {
        for s in all_default() {
            for p in sample_points(&s) {
                let hess = s.hess2(p);
                for k in 0..2 {
                    let h = 1e-6 * (1.0 + p[k].abs());
                    let (mut lo, mut hi) = (p, p);
                    lo[k] -= h;
                    hi[k] += h;
                    let (gl, gh) = (s.grad2(lo), s.grad2(hi));
                    for i in 0..2 {
                        let fd = (gh[i] - gl[i]) / (2.0 * h);
                        let scale = 1.0 + hess[i][k].abs() + s.grad2(p)[i].abs() * 1e-3;
                        assert!(
                            (fd - hess[i][k]).abs() <= 1e-5 * scale,
                            "{}: H[{i}][{k}] at {p:?}: analytic {} vs difference {fd}",
                            s.kind(),
                            hess[i][k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn minima_are_stationary_with_the_stated_value() {
        for s in all_default() {
            let minima = s.minima();
            assert!(!minima.is_empty(), "{} lists no minimum", s.kind());
            let f_star = s.min_value().expect("default surfaces are bounded below");
            let global = minima[0];
            assert!(
                (s.value2(global) - f_star).abs() < 1e-9,
                "{}: f at its global minimum is {} not {f_star}",
                s.kind(),
                s.value2(global)
            );
            for m in minima {
                let g = s.grad2(m);
                assert!(
                    g[0].hypot(g[1]) < 1e-9,
                    "{}: ∇f at {m:?} is {g:?}",
                    s.kind()
                );
                let (lo, _) = eigenvalues(s.hess2(m));
                assert!(lo > 0.0, "{}: {m:?} is not a minimum", s.kind());
                assert!(s.value2(m) >= f_star - 1e-12);
            }
        }
    }

    #[test]
    fn saddles_are_stationary_and_indefinite() {
        for s in all_default() {
            for p in s.saddles() {
                let g = s.grad2(p);
                assert!(g[0].hypot(g[1]) < 1e-12, "{}: ∇f at {p:?}", s.kind());
                let (lo, hi) = eigenvalues(s.hess2(p));
                assert!(lo < 0.0 && hi > 0.0, "{}: {p:?} is not a saddle", s.kind());
            }
        }
    }

    #[test]
    fn bowl_local_minimum_is_shallow_and_above_the_global_one() {
        let s = Surface::default_of("bowl").unwrap();
        let [global, local] = [s.minima()[0], s.minima()[1]];
        assert_eq!(global, [-1.0, 0.0]);
        assert_eq!(local, [1.2, 0.0]);
        let barrier = s.value2([0.6, 0.0]);
        assert!(
            s.value2(local) > 0.1,
            "the local minimum must sit visibly higher"
        );
        assert!(
            barrier - s.value2(local) < 0.1,
            "the local dip must be shallow"
        );
    }

    #[test]
    fn default_start_lies_inside_the_window() {
        for s in all_default() {
            let [x, y] = s.default_start();
            let w = s.window();
            assert!(
                w.x[0] < x && x < w.x[1] && w.y[0] < y && y < w.y[1],
                "{}",
                s.kind()
            );
        }
    }
}
