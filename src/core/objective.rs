//! What an optimizer may ask of the function it minimises, and the counting of every question.

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

/// A differentiable function of a parameter vector of fixed length.
///
/// All methods take `&self` so a surface can be shared by runs on several threads; an
/// objective with state of its own (the noise stream) keeps it in a cell, one per run.
pub trait Objective {
    /// Length of the parameter vector.
    fn dim(&self) -> usize;
    fn value(&self, p: ArrayView1<'_, f64>) -> f64;
    /// Writes the gradient at `p` into `out` (same length as `p`).
    fn gradient(&self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>);
    /// The Hessian at `p`, where the objective knows it.
    fn hessian(&self, _p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        None
    }
}

/// How often a run asked for each kind of information.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluations {
    pub value: u64,
    pub gradient: u64,
    pub hessian: u64,
}

/// An objective together with the tally of what was asked of it. Every evaluation in a run
/// goes through here, so the counts in the summary are complete by construction.
pub struct Counted<'a> {
    objective: &'a dyn Objective,
    counts: Evaluations,
}

impl<'a> Counted<'a> {
    pub fn new(objective: &'a dyn Objective) -> Self {
        Self {
            objective,
            counts: Evaluations::default(),
        }
    }

    pub fn dim(&self) -> usize {
        self.objective.dim()
    }

    pub fn value(&mut self, p: ArrayView1<'_, f64>) -> f64 {
        self.counts.value += 1;
        self.objective.value(p)
    }

    pub fn gradient_into(&mut self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>) {
        self.counts.gradient += 1;
        self.objective.gradient(p, out);
    }

    pub fn gradient(&mut self, p: ArrayView1<'_, f64>) -> Array1<f64> {
        let mut out = Array1::zeros(p.len());
        self.gradient_into(p, out.view_mut());
        out
    }

    pub fn hessian(&mut self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        self.counts.hessian += 1;
        self.objective.hessian(p)
    }

    pub fn evaluations(&self) -> Evaluations {
        self.counts
    }
}
