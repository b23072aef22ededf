//! The optimizers: torch.optim's update rules in f64, each kind declared once beside its code.
//!
//! An optimizer is a pair, as in optax: immutable settings (a type implementing [`Rule`]) and
//! the state a run carries from step to step ([`Rule::State`], made by [`Rule::init`]). The
//! learning rate is supplied by the caller on every step (it comes from the schedule), so no
//! rule knows about time beyond its own step count.
//!
//! Each rule mirrors the arithmetic of torch.optim's single-tensor implementation, operation
//! by operation (`lerp` for Adam's first moment, `addcdiv`, Python-float bias corrections), so
//! trajectories agree with torch to rounding, not just to the formula.
//!
//! Adding an optimizer: a new file here with its settings, state, [`Rule`] impl and an
//! [`OptimizerKind`] declaring its keys, defaults, ranges, documentation and default learning
//! rates; then one line in the `optimizers!` list below.

use std::fmt;
use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::objective::Counted;
use super::spec::{Invalid, Key, Settings};

/// Declares each optimizer's module and lists its kinds: the registry of optimizers. Adding
/// an optimizer is its file and one line here.
macro_rules! optimizers {
    ($($module:ident: $($kind:ident),+;)+) => {
        $(pub mod $module;)+

        /// Every optimizer kind, in the order `optplay list` shows them.
        pub const KINDS: &[&OptimizerKind] = &[$($(&$module::$kind),+),+];
    };
}

optimizers! {
    sgd: SGD, MOMENTUM, NESTEROV;
    adagrad: ADAGRAD;
    rmsprop: RMSPROP;
    adam: ADAM, ADAMW;
    nadam: NADAM;
    adadelta: ADADELTA;
    adamax: ADAMAX;
    radam: RADAM;
    rprop: RPROP;
    asgd: ASGD;
    adafactor: ADAFACTOR;
    newton: NEWTON;
    lbfgs: LBFGS;
}

/// What a step leaves behind besides the new parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepOutcome {
    /// The gradient at the new parameters, when the step already evaluated it (as the
    /// objective gave it, noise included); `None` when the caller must ask for it.
    pub gradient: Option<Array1<f64>>,
    /// The rule's own termination test says it is done: with these gradients it would not
    /// move the point again (Newton at ∇f = 0, L-BFGS's `tolerance_grad` and
    /// `tolerance_change`). The run loop ends a run with exact gradients there, converged: at
    /// the point this step left, or, when the step did not move, at the one it was given.
    /// With noisy gradients the next gradient differs, and the loop goes on.
    pub converged: bool,
}

impl StepOutcome {
    /// The rule is done and did not move: the point it was given is where the run ends.
    pub fn done_here() -> StepOutcome {
        StepOutcome {
            gradient: None,
            converged: true,
        }
    }
}

/// An update rule: settings (`self`, immutable) apart from state.
pub trait Rule: fmt::Debug + Clone + Send + Sync + 'static {
    /// What the rule remembers between steps.
    type State: Send + 'static;

    /// A fresh state for `dim` parameters.
    fn init(&self, dim: usize) -> Self::State;

    /// One update of `params` in place, given the gradient at `params` and the learning rate.
    ///
    /// `problem` is the objective behind the gradient; first-order rules ask it nothing more,
    /// but Newton asks for the Hessian and values, L-BFGS for values and gradients along a
    /// line, each counted by `problem`. When the step has evaluated the gradient at the new
    /// `params` it returns it, so the caller need not ask again.
    fn step(
        &self,
        state: &mut Self::State,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Counted<'_>,
    ) -> StepOutcome;

    /// Whether a run rests where the gradient vanishes: its steps shrink with the gradient,
    /// so once |∇f| is ten orders of magnitude below the start's it stays there, and the run
    /// loop may end it (its relative tolerance). Rules that divide the step by a running
    /// average of g² say no: that average shrinks with the gradient, so the step does not,
    /// and such a run passes through a minimum at |∇f| ≈ 0 and comes back out once eps is
    /// all that is left of the divisor (RMSProp at lr 0.3 on the quadratic from (−3, 2):
    /// |∇f| from 40 to 5e-17, back up to 19.6 within 300 steps).
    fn rests_where_the_gradient_vanishes(&self) -> bool {
        true
    }

    /// A run of this rule on a point of the plane, its state in fixed-size arrays, stepped
    /// without ndarray: the run loop's path for surfaces, where a step's few flops cost less
    /// than the views, layout checks and heap vectors around them. Only for rules that ask
    /// nothing of the objective but the gradient they are given (whose steps return
    /// `StepOutcome::default()`); it must step exactly as [`Rule::step`] does, through the
    /// same code. `None` (the default): the run takes the general path.
    fn start_plane(&self) -> Option<PlaneStepper> {
        None
    }
}

/// A first-order rule with its state on a point of the plane (see [`Rule::start_plane`]): one
/// variant per rule that has the form. The run loop matches it once and is compiled for each
/// variant's type ([`PlaneStep`]), the update inlined and the point kept in registers,
/// rather than a dynamic call that takes it through memory every step.
pub enum PlaneStepper {
    /// SGD, momentum and Nesterov.
    Sgd(Plane<sgd::Sgd, Option<[f64; 2]>>),
    /// AdaGrad.
    Adagrad(Plane<adagrad::Adagrad, adagrad::AdagradState<[f64; 2]>>),
    /// RMSProp.
    RmsProp(Plane<rmsprop::RmsProp, rmsprop::RmsPropState<[f64; 2]>>),
    /// Adam and AdamW.
    Adam(Plane<adam::Adam, adam::AdamState<[f64; 2]>>),
}

/// A rule and its state in any storage: what a [`PlaneStepper`] holds, with the state's
/// vectors as `[f64; 2]`.
pub struct Plane<R, S> {
    pub(crate) rule: R,
    pub(crate) state: S,
}

/// A first-order rule whose update is written once, over slices, with its state's vectors in
/// any [`Vector`]: a `Vec` on the general path, `[f64; 2]` on the plane. Such a rule is a
/// [`Rule`] (the impl below) and has a plane form ([`Rule::start_plane`]).
pub trait SliceRule: fmt::Debug + Clone + Send + Sync + 'static {
    /// What the rule remembers between steps, its vectors of type `V`.
    type State<V: Vector>: Send + 'static;

    /// A fresh state for `dim` parameters.
    fn fresh<V: Vector>(&self, dim: usize) -> Self::State<V>;

    /// One update of `params` in place, given the gradient there and the learning rate.
    fn update<V: Vector>(
        &self,
        state: &mut Self::State<V>,
        params: &mut [f64],
        grad: &[f64],
        lr: f64,
    );

    /// The rule on the plane: its variant of [`PlaneStepper`].
    fn on_plane(plane: Plane<Self, Self::State<[f64; 2]>>) -> PlaneStepper;

    /// See [`Rule::rests_where_the_gradient_vanishes`].
    fn rests_where_the_gradient_vanishes(&self) -> bool {
        true
    }
}

impl<R: SliceRule> Rule for R {
    type State = R::State<Vec<f64>>;

    fn init(&self, dim: usize) -> Self::State {
        self.fresh(dim)
    }

    fn step(
        &self,
        state: &mut Self::State,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        on_slices(params, grad, |p, g| self.update(state, p, g, lr));
        StepOutcome::default()
    }

    fn start_plane(&self) -> Option<PlaneStepper> {
        Some(R::on_plane(Plane {
            rule: self.clone(),
            state: self.fresh::<[f64; 2]>(2),
        }))
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        SliceRule::rests_where_the_gradient_vanishes(self)
    }
}

/// One update of a point of the plane by a rule whose type the caller knows: the run loop
/// is compiled once per rule (see `run::walk_plane`), with the update inlined into it and
/// the point kept in registers, rather than a call through [`PlaneStepper`]'s `match`
/// every step.
pub trait PlaneStep {
    /// One update of `params` in place, as [`Rule::step`] would make it.
    fn step(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64);
}

/// Any rule of the plane, its variant chosen at every step (the run loop chooses once).
impl PlaneStep for PlaneStepper {
    fn step(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        match self {
            PlaneStepper::Sgd(plane) => plane.step(params, grad, lr),
            PlaneStepper::Adagrad(plane) => plane.step(params, grad, lr),
            PlaneStepper::RmsProp(plane) => plane.step(params, grad, lr),
            PlaneStepper::Adam(plane) => plane.step(params, grad, lr),
        }
    }
}

impl<R: SliceRule> PlaneStep for Plane<R, R::State<[f64; 2]>> {
    #[inline(always)]
    fn step(&mut self, params: &mut [f64; 2], grad: [f64; 2], lr: f64) {
        self.rule.update(&mut self.state, params, &grad, lr);
    }
}

/// The vectors of a rule's state: a `Vec` on the general path, an array on the plane (see
/// [`Rule::start_plane`]), so one update written over slices serves both.
pub trait Vector: AsRef<[f64]> + AsMut<[f64]> + Send + 'static {
    /// `len` copies of `value` (an array has its own length).
    fn filled(len: usize, value: f64) -> Self;
}

impl Vector for Vec<f64> {
    fn filled(len: usize, value: f64) -> Self {
        vec![value; len]
    }
}

impl Vector for [f64; 2] {
    #[inline]
    fn filled(len: usize, value: f64) -> Self {
        debug_assert_eq!(len, 2);
        [value; 2]
    }
}

/// Any rule, behind one type: what a run holds.
pub trait Optimizer: fmt::Debug + Send + Sync {
    /// A run of this optimizer on `dim` parameters: the settings with a fresh state.
    fn start(&self, dim: usize) -> Box<dyn Stepper>;

    /// See [`Rule::start_plane`].
    fn start_plane(&self) -> Option<PlaneStepper>;

    /// See [`Rule::rests_where_the_gradient_vanishes`].
    fn rests_where_the_gradient_vanishes(&self) -> bool;
}

/// A rule with its state: one run's optimizer.
pub trait Stepper: Send {
    /// See [`Rule::step`].
    fn step(
        &mut self,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Counted<'_>,
    ) -> StepOutcome;
}

struct Running<R: Rule> {
    rule: R,
    state: R::State,
}

impl<R: Rule> Stepper for Running<R> {
    fn step(
        &mut self,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Counted<'_>,
    ) -> StepOutcome {
        self.rule.step(&mut self.state, params, grad, lr, problem)
    }
}

impl<R: Rule> Optimizer for R {
    fn start(&self, dim: usize) -> Box<dyn Stepper> {
        Box::new(Running {
            rule: self.clone(),
            state: self.init(dim),
        })
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        Rule::rests_where_the_gradient_vanishes(self)
    }

    fn start_plane(&self) -> Option<PlaneStepper> {
        Rule::start_plane(self)
    }
}

/// What `optplay explain` says of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Explain {
    /// The update rule as the lecture or the method's paper writes it; g = ∇f(x), α the lr.
    pub rule: &'static str,
    /// Why the rule looks the way it does.
    pub why: &'static str,
    /// torch.optim's exact form, where it differs from the paper's or adds to it.
    pub torch: &'static str,
    /// The lecture's (or the paper's) advice.
    pub advice: &'static str,
    /// The experiment files (in `configs/`) that show it.
    pub configs: &'static [&'static str],
}

/// An optimizer kind: everything optplay knows and says about it, declared once.
#[derive(Debug, Clone, Copy)]
pub struct OptimizerKind {
    /// The name in experiment files and on the command line.
    pub name: &'static str,
    /// One line: what the method is.
    pub title: &'static str,
    /// Its hyperparameters besides `lr`, torch.optim's names, in torch's order.
    pub keys: &'static [Key],
    /// What `lr` means for it, in its symbols.
    pub lr_doc: &'static str,
    /// The default learning rate on each built-in surface: the method's own best there, so a
    /// comparison at defaults compares the methods, not their rates. Each is the best of a log
    /// grid of rates by the mean log10(f − f*) over 200 steps from the surface's default start,
    /// among the rates whose loss never rises above the start's; tests/library/default_lrs.rs
    /// holds the search and fails when a value here strays from it. An entry `"network"`
    /// (`config::NETWORK_LR_KEY`) is the rate for network experiments: one that trains the
    /// default spiral (hidden [64], batch 32, 2000 steps) to 90% validation accuracy or more;
    /// it is not a surface, and the surface searches do not see it.
    pub default_lr: &'static [(&'static str, f64)],
    /// The default learning rate anywhere else (user-written surfaces).
    pub fallback_lr: f64,
    /// Whether it uses curvature (Newton, L-BFGS) rather than the gradient alone.
    pub second_order: bool,
    /// The rule with these settings (every key present: see [`Settings::defaults`]).
    pub build: fn(&Settings) -> Arc<dyn Optimizer>,
    /// Rules between keys, beyond each key's own range.
    pub check: fn(&Settings) -> Result<(), Box<Invalid>>,
    /// What `optplay explain` says.
    pub explain: Explain,
}

impl crate::core::spec::Kind for OptimizerKind {
    fn name(&self) -> &'static str {
        self.name
    }

    fn keys(&self) -> &'static [Key] {
        self.keys
    }
}

impl OptimizerKind {
    /// The default learning rate on the surface `surface_kind`.
    pub fn default_lr(&self, surface_kind: &str) -> f64 {
        self.default_lr
            .iter()
            .find(|(s, _)| *s == surface_kind)
            .map_or(self.fallback_lr, |(_, lr)| *lr)
    }

    /// Every key at its default.
    pub fn defaults(&self) -> Settings {
        Settings::defaults(self.keys)
    }

    /// Whether `key` is one of its hyperparameters.
    pub fn takes(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k.name == key)
    }
}

/// `grad + weight_decay·p` when there is L2 weight decay, as torch's `grad.add(p, alpha=wd)`.
///
/// Inlined, so a step without weight decay (the usual case) costs a comparison, not a call
/// that copies the gradient's view it was just handed (the copy stalls on the caller's stores).
#[inline]
pub(crate) fn with_weight_decay(
    grad: ArrayView1<'_, f64>,
    params: &Array1<f64>,
    weight_decay: f64,
) -> Option<Array1<f64>> {
    (weight_decay != 0.0).then(|| {
        let mut g = grad.to_owned();
        Zip::from(&mut g)
            .and(params)
            .for_each(|g, &p| *g = decayed(*g, p, weight_decay));
        g
    })
}

/// One element of [`with_weight_decay`], for updates that apply it element by element (it
/// must be read before the element of `p` is updated): `g + weight_decay·p`, or `g` as it is
/// without weight decay (adding 0·p would turn −0 into +0, and an infinite p into NaN).
#[inline(always)]
pub(crate) fn decayed(g: f64, p: f64, weight_decay: f64) -> f64 {
    if weight_decay != 0.0 {
        g + weight_decay * p
    } else {
        g
    }
}

/// Runs an update written over slices on a run's vectors: they lie contiguous (a run owns
/// them), so this only borrows them; a strided gradient view is copied first, and strided
/// parameters are updated through a copy.
#[inline]
pub(crate) fn on_slices<T>(
    params: &mut Array1<f64>,
    grad: ArrayView1<'_, f64>,
    update: impl FnOnce(&mut [f64], &[f64]) -> T,
) -> T {
    let copied;
    let grad = match grad.as_slice() {
        Some(g) => g,
        None => {
            copied = grad.to_vec();
            &copied
        }
    };
    assert_eq!(params.len(), grad.len(), "a gradient for every parameter");
    if let Some(p) = params.as_slice_mut() {
        return update(p, grad);
    }
    let mut p = params.to_vec();
    let out = update(&mut p, grad);
    params.iter_mut().zip(p).for_each(|(to, from)| *to = from);
    out
}

/// Weight decay as torch's Adam-family rules take it: decoupled (AdamW's) shrinks `params`
/// in place by (1 − lr·weight_decay) and leaves the gradient alone; coupled returns
/// `grad + weight_decay·p` (see [`with_weight_decay`]).
#[inline]
pub(crate) fn apply_weight_decay(
    grad: ArrayView1<'_, f64>,
    params: &mut Array1<f64>,
    lr: f64,
    weight_decay: f64,
    decoupled: bool,
) -> Option<Array1<f64>> {
    if weight_decay == 0.0 {
        None
    } else if decoupled {
        let shrink = 1.0 - lr * weight_decay;
        params.mapv_inplace(|p| p * shrink);
        None
    } else {
        with_weight_decay(grad, params, weight_decay)
    }
}

/// torch's `lerp_(end, weight)`: the formula flips for weights of one half and more, which
/// changes the rounding, so it is copied as is.
#[inline(always)]
pub(crate) fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod torch_more_tests;
