//! The 2-D loss surfaces: the lecture's and the classic test functions, each in its own file,
//! each declared once as a [`SurfaceKind`].
//!
//! Every surface has an analytic value, gradient and Hessian, a plot window, a default start,
//! and the minima (and saddle points) it knows of. Where a minimum has no closed form it is
//! refined by Newton's method once, when the surface is built.
//!
//! Adding a surface: a new file here with a type implementing [`Surface`] and a [`SurfaceKind`]
//! declaring its keys; then one line in the `surfaces!` list below.

use std::fmt;
use std::sync::Arc;

use ndarray::{Array2, ArrayView1, ArrayViewMut1};

use super::objective::Objective;
use super::run::{Outcome, PlaneRun, Recorder};
use super::spec::{Invalid, Key, Settings};

/// Declares each surface's module and lists its kind: the registry of surfaces. Adding a
/// surface is its file and one line here.
macro_rules! surfaces {
    ($($module:ident: $kind:ident;)+) => {
        $(pub mod $module;)+

        /// Every surface kind, in the order `optplay list` shows them.
        pub const KINDS: &[&SurfaceKind] = &[$(&$module::$kind),+];
    };
}

surfaces! {
    quadratic: QUADRATIC;
    saddle: SADDLE;
    bowl: BOWL;
    rosenbrock: ROSENBROCK;
    beale: BEALE;
    himmelblau: HIMMELBLAU;
    rastrigin: RASTRIGIN;
    expr: EXPR;
}

/// A point in the plane.
pub type Point = [f64; 2];

/// A plot window: x range and y range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// The x range.
    pub x: [f64; 2],
    /// The y range.
    pub y: [f64; 2],
}

/// A function of the plane with what the plots and the summary need to know of it.
pub trait Surface: fmt::Debug + Send + Sync {
    /// f at a point.
    fn value2(&self, p: Point) -> f64;
    /// ∇f at a point.
    fn grad2(&self, p: Point) -> Point;
    /// The Hessian at a point, row-major.
    fn hess2(&self, p: Point) -> [[f64; 2]; 2];
    /// The formula with this surface's numbers, for plot titles: "f = x² − 0.5·y² + 0.25·y⁴".
    fn formula(&self) -> String;
    /// The window the plots show unless the experiment says otherwise.
    fn window(&self) -> Window;
    /// Where runs start unless the experiment says otherwise.
    fn default_start(&self) -> Point;
    /// Every local minimum it knows of; the global ones first.
    fn minima(&self) -> Vec<Point>;
    /// Saddle points worth marking on a plot.
    fn saddles(&self) -> Vec<Point> {
        Vec::new()
    }
    /// The lowest value it takes, where it has one.
    fn min_value(&self) -> Option<f64>;

    /// f and ∇f at a point. A provided method, so it is compiled for each surface with both
    /// inlined: the run loop takes a step's row and gradient from one call (through
    /// [`Objective::surface_at`]) instead of two through array views.
    #[inline]
    fn value_grad2(&self, p: Point) -> (f64, Point) {
        (self.value2(p), self.grad2(p))
    }

    /// A first-order optimizer's run on this surface (see `run::run_with`). A provided
    /// method, so the run loop is compiled for each surface with its `value_grad2` inlined:
    /// the point, f and ∇f stay in registers rather than pass through two dynamic calls and
    /// the memory of their results, every step.
    fn walk_plane(&self, run: PlaneRun<'_>, recorder: &mut dyn Recorder) -> Outcome {
        crate::core::run::walk_plane(self, run, recorder)
    }

    /// f at `out.len()` points of the row y, from x0 in steps of dx. A provided method, so it
    /// is compiled for each surface with its `value2` inlined: the grid behind every contour
    /// figure is sampled through here.
    fn sample_row(&self, y: f64, x0: f64, dx: f64, out: &mut [f64]) {
        for (i, v) in out.iter_mut().enumerate() {
            *v = self.value2([x0 + i as f64 * dx, y]);
        }
    }
}

/// A shared surface is the surface (so `&Arc<dyn Surface>` goes wherever a surface does).
impl<S: Surface + ?Sized> Surface for Arc<S> {
    fn value2(&self, p: Point) -> f64 {
        (**self).value2(p)
    }
    fn grad2(&self, p: Point) -> Point {
        (**self).grad2(p)
    }
    fn hess2(&self, p: Point) -> [[f64; 2]; 2] {
        (**self).hess2(p)
    }
    fn formula(&self) -> String {
        (**self).formula()
    }
    fn window(&self) -> Window {
        (**self).window()
    }
    fn default_start(&self) -> Point {
        (**self).default_start()
    }
    fn minima(&self) -> Vec<Point> {
        (**self).minima()
    }
    fn saddles(&self) -> Vec<Point> {
        (**self).saddles()
    }
    fn min_value(&self) -> Option<f64> {
        (**self).min_value()
    }
    fn value_grad2(&self, p: Point) -> (f64, Point) {
        (**self).value_grad2(p)
    }
    fn sample_row(&self, y: f64, x0: f64, dx: f64, out: &mut [f64]) {
        (**self).sample_row(y, x0, dx, out)
    }
    fn walk_plane(&self, run: PlaneRun<'_>, recorder: &mut dyn Recorder) -> Outcome {
        (**self).walk_plane(run, recorder)
    }
}

impl dyn Surface + '_ {
    /// The minimum closest to `p`, and how far it is.
    pub fn nearest_minimum(&self, p: Point) -> Option<(Point, f64)> {
        self.minima()
            .into_iter()
            .map(|m| (m, (m[0] - p[0]).hypot(m[1] - p[1])))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// The surface as an objective of the stepping core: a function of a 2-vector.
impl<S: Surface + ?Sized> Objective for S {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        self.value2(point(p))
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, mut out: ArrayViewMut1<'_, f64>) {
        let g = self.grad2(point(p));
        out[0] = g[0];
        out[1] = g[1];
    }

    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        let h = self.hess2([p[0], p[1]]);
        Some(Array2::from_shape_fn((2, 2), |(i, j)| h[i][j]))
    }

    fn surface_at(&self, p: Point) -> Option<(f64, Point)> {
        Some(self.value_grad2(p))
    }

    fn walk_plane(&self, run: PlaneRun<'_>, recorder: &mut dyn Recorder) -> Option<Outcome> {
        Some(Surface::walk_plane(self, run, recorder))
    }
}

/// The point a 2-vector holds, read in one piece when it lies contiguous in memory (as a run's
/// parameters do): a surface reads it as one 16-byte load, which two 8-byte copies just
/// before would keep waiting on their stores (a store-forwarding stall on every value and
/// gradient of a run).
#[inline]
fn point(p: ArrayView1<'_, f64>) -> Point {
    plane_point(p).unwrap_or_else(|| [p[0], p[1]])
}

/// The point of the plane a contiguous 2-vector holds, read in one piece; `None` for a vector
/// of another length or a strided one.
#[inline]
pub(crate) fn plane_point(p: ArrayView1<'_, f64>) -> Option<Point> {
    p.as_slice()
        .and_then(|s| <&Point>::try_from(s).ok())
        .copied()
}

/// What building a surface from its settings gives: the surface, or the rule its settings
/// break.
pub type Built = Result<Arc<dyn Surface>, Box<Invalid>>;

/// A surface kind: its name, what it shows, its keys, and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct SurfaceKind {
    /// The name in experiment files.
    pub name: &'static str,
    /// One line: what it is for.
    pub about: &'static str,
    /// Its keys, besides `kind`.
    pub keys: &'static [Key],
    /// Whether an experiment must give `start` (it has no start of its own).
    pub needs_start: bool,
    /// The surface with these settings, or what is wrong between them.
    pub build: fn(&Settings) -> Built,
    /// Settings to show it with (`init`'s starter file): its defaults, or for a kind with
    /// required keys an example of them.
    pub example: fn() -> Settings,
}

impl crate::core::spec::Kind for SurfaceKind {
    fn name(&self) -> &'static str {
        self.name
    }

    fn keys(&self) -> &'static [Key] {
        self.keys
    }
}

impl SurfaceKind {
    /// Every key at its default.
    pub fn defaults(&self) -> Settings {
        Settings::defaults(self.keys)
    }

    /// Whether every key has a default (no formula or window of the user's is needed).
    pub fn has_defaults(&self) -> bool {
        self.keys
            .iter()
            .all(|k| k.default != crate::core::spec::Default::Required)
    }

    /// The settings of [`SurfaceKind::example`] and the surface they build.
    pub fn build_example(&self) -> Option<(Settings, Arc<dyn Surface>)> {
        let settings = (self.example)();
        let surface = (self.build)(&settings).ok()?;
        Some((settings, surface))
    }

    /// The surface with every key at its default (kinds with a required key have none).
    pub fn build_default(&self) -> Option<Arc<dyn Surface>> {
        (self.build)(&self.defaults()).ok()
    }
}

/// Eigenvalues of a symmetric 2x2 matrix, smaller first.
pub fn eigenvalues(m: [[f64; 2]; 2]) -> (f64, f64) {
    let mean = 0.5 * (m[0][0] + m[1][1]);
    let half_diff = 0.5 * (m[0][0] - m[1][1]);
    let radius = half_diff.hypot(m[0][1]);
    (mean - radius, mean + radius)
}

pub(crate) fn is_positive_definite(m: [[f64; 2]; 2]) -> bool {
    eigenvalues(m).0 > 0.0
}

/// Newton's method on the gradient from a good guess: a stationary point to machine precision
/// (minima known to 6 digits are refined once, when the surface is built).
pub fn refine_stationary(s: &(impl Surface + ?Sized), mut p: Point) -> Point {
    for _ in 0..20 {
        let g = s.grad2(p);
        let h = s.hess2(p);
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

/// A number as a person writes it in a formula.
pub(crate) use crate::number::plain as num;

/// A coefficient in front of a term: nothing for 1, else the number and a `·`.
pub(crate) fn coef(v: f64) -> String {
    if v == 1.0 {
        String::new()
    } else {
        format!("{}·", num(v))
    }
}

#[cfg(test)]
mod tests;
