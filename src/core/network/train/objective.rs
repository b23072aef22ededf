//! The step's objective as the optimizer sees it: the minibatch loss with the step's masks
//! held fixed (so a line search or Newton asks about the very function the gradient came
//! from), its Hessian by differences of the gradient, and the view of it restricted to the
//! trained parameters that a head-only training steps. Apart from the loop (`trainer.rs`),
//! which builds one each step and hands it to the optimizer.

use std::cell::{Cell, RefCell};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, s};

use super::MAX_HESSIAN_PARAMETERS;
use crate::core::network::model::{Loss, Masks, Network, Regularisation, Workspace};
use crate::core::objective::Objective;

/// The minibatch objective of one step, masks fixed: what the optimizer may ask about.
pub(super) struct StepObjective<'a> {
    pub(super) network: &'a Network,
    pub(super) x: ArrayView2<'a, f64>,
    pub(super) labels: &'a [usize],
    pub(super) regularisation: &'a Regularisation,
    pub(super) masks: &'a Masks,
    pub(super) workspace: &'a RefCell<Workspace>,
    /// The loss of the last evaluation.
    pub(super) loss: Cell<Loss>,
}

impl StepObjective<'_> {
    fn evaluate(&self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>) -> Loss {
        let loss = self.network.loss_and_gradient(
            p,
            self.x,
            self.labels,
            self.regularisation,
            self.masks,
            &mut self.workspace.borrow_mut(),
            out,
        );
        self.loss.set(loss);
        loss
    }
}

impl Objective for StepObjective<'_> {
    fn dim(&self) -> usize {
        self.network.parameters()
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        let mut scratch = Array1::zeros(p.len());
        self.evaluate(p, scratch.view_mut()).total()
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>) {
        self.evaluate(p, out);
    }

    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        hessian_by_differences(self, p)
    }
}

/// Central differences of `objective`'s exact gradient, symmetrised: Newton on a small
/// network. `None` over [`MAX_HESSIAN_PARAMETERS`].
fn hessian_by_differences(
    objective: &dyn Objective,
    p: ArrayView1<'_, f64>,
) -> Option<Array2<f64>> {
    let n = p.len();
    if n > MAX_HESSIAN_PARAMETERS {
        return None;
    }
    let mut h = Array2::zeros((n, n));
    let mut point = p.to_owned();
    let (mut up, mut down) = (Array1::zeros(n), Array1::zeros(n));
    for i in 0..n {
        let step = 1e-5 * p[i].abs().max(1.0);
        point[i] = p[i] + step;
        objective.gradient(point.view(), up.view_mut());
        point[i] = p[i] - step;
        objective.gradient(point.view(), down.view_mut());
        point[i] = p[i];
        h.row_mut(i).assign(&((&up - &down) / (2.0 * step)));
    }
    let symmetric = (&h + &h.t()) / 2.0;
    Some(symmetric)
}

/// The step's objective as a function of the trained parameters alone (those after the
/// first `frozen`, which keep the values they had): what a head-only training's optimizer
/// steps, and what its line search or Hessian asks about.
pub(super) struct Trainable<'a> {
    whole: &'a StepObjective<'a>,
    frozen: usize,
    /// The whole parameter vector, its trained part overwritten at each question.
    point: RefCell<Array1<f64>>,
    gradient: RefCell<Array1<f64>>,
}

impl<'a> Trainable<'a> {
    pub(super) fn new(
        whole: &'a StepObjective<'a>,
        params: &Array1<f64>,
        frozen: usize,
    ) -> Trainable<'a> {
        Trainable {
            whole,
            frozen,
            point: RefCell::new(params.clone()),
            gradient: RefCell::new(Array1::zeros(params.len())),
        }
    }

    /// The whole vector with `trained` in its trained part.
    fn at(&self, trained: ArrayView1<'_, f64>) -> std::cell::RefMut<'_, Array1<f64>> {
        let mut point = self.point.borrow_mut();
        point.slice_mut(s![self.frozen..]).assign(&trained);
        point
    }
}

impl Objective for Trainable<'_> {
    fn dim(&self) -> usize {
        self.whole.dim() - self.frozen
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        self.whole.value(self.at(p).view())
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, mut out: ArrayViewMut1<'_, f64>) {
        let mut gradient = self.gradient.borrow_mut();
        self.whole.gradient(self.at(p).view(), gradient.view_mut());
        out.assign(&gradient.slice(s![self.frozen..]));
    }

    /// Of the trained parameters alone: a small head has a small Hessian however large the
    /// frozen body is.
    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        hessian_by_differences(self, p)
    }
}
