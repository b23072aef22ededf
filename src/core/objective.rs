//! What an optimizer may ask of the function it minimises, and the counting of every question.

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

use super::run::{Outcome, PlaneRun, Recorder};

/// A differentiable function of a parameter vector of fixed length.
///
/// All methods take `&self` so a surface can be shared by runs on several threads; an
/// objective with state of its own (the noise stream) keeps it in a cell, one per run.
pub trait Objective {
    /// Length of the parameter vector.
    fn dim(&self) -> usize;
    /// f at `p`.
    fn value(&self, p: ArrayView1<'_, f64>) -> f64;
    /// Writes the gradient at `p` into `out` (same length as `p`).
    fn gradient(&self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>);
    /// The Hessian at `p`, where the objective knows it.
    fn hessian(&self, _p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        None
    }
    /// f and ∇f at a point of the plane when the objective is a surface (see
    /// `Surface::value_grad2`), else `None`: the run loop's fast path, one dynamic call per
    /// step for both, its numbers passed by value rather than through array views.
    fn surface_at(&self, _p: [f64; 2]) -> Option<(f64, [f64; 2])> {
        None
    }
    /// A first-order run on this objective when it is a surface (see
    /// `Surface::walk_plane`), else `None`: the run loop's path for surfaces.
    fn walk_plane(&self, _run: PlaneRun<'_>, _recorder: &mut dyn Recorder) -> Option<Outcome> {
        None
    }
}

/// How often a run asked for each kind of information.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluations {
    /// Values of f asked for.
    pub value: u64,
    /// Gradients asked for.
    pub gradient: u64,
    /// Hessians asked for.
    pub hessian: u64,
}

/// An objective together with the tally of what was asked of it. Every evaluation in a run
/// goes through here, so the counts in the summary are complete by construction.
pub struct Counted<'a> {
    objective: &'a dyn Objective,
    counts: Evaluations,
}

impl<'a> Counted<'a> {
    /// Counts what is asked of `objective`, from zero.
    pub fn new(objective: &'a dyn Objective) -> Self {
        Self {
            objective,
            counts: Evaluations::default(),
        }
    }

    /// Length of the parameter vector.
    pub fn dim(&self) -> usize {
        self.objective.dim()
    }

    /// f at `p`, counted.
    pub fn value(&mut self, p: ArrayView1<'_, f64>) -> f64 {
        self.counts.value += 1;
        self.objective.value(p)
    }

    /// ∇f at `p` into `out`, counted.
    pub fn gradient_into(&mut self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>) {
        self.counts.gradient += 1;
        self.objective.gradient(p, out);
    }

    /// Counts a gradient at `p` that the caller computed itself from the same objective
    /// (the run loop builds a noisy gradient from the exact one it needs anyway).
    pub fn count_gradient(&mut self) {
        self.counts.gradient += 1;
    }

    /// ∇f at `p`, counted.
    pub fn gradient(&mut self, p: ArrayView1<'_, f64>) -> Array1<f64> {
        let mut out = Array1::zeros(p.len());
        self.gradient_into(p, out.view_mut());
        out
    }

    /// The Hessian at `p`, counted (asked for even when the objective has none).
    pub fn hessian(&mut self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        self.counts.hessian += 1;
        self.objective.hessian(p)
    }

    /// Everything asked so far.
    pub fn evaluations(&self) -> Evaluations {
        self.counts
    }
}
