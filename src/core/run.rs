//! The one run loop every optimizer goes through, and the trace it leaves.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1};

use super::cancel::Cancel;
use super::noise::{GradientNoise, Noisy, Stream};
use super::objective::{Counted, Evaluations, Objective};
use super::optim::{Optimizer, PlaneStep, PlaneStepper, Stepper};
use super::schedule::Schedule;
use super::surface::{Surface, plane_point};

/// How often (in steps) the loop looks at its cancel token: one atomic load per this many
/// steps costs nothing, and a million-step run still stops within a millisecond.
const CANCEL_CHECK_EVERY: u64 = 256;

/// A run is called diverged once a coordinate leaves this radius (or stops being finite).
pub const DIVERGENCE_RADIUS: f64 = 1e6;

/// Without a [`Limits::tolerance`], a run with exact gradients, of an optimizer that rests
/// where the gradient vanishes, is converged once |∇f| is below this fraction of |∇f| at the
/// start: ten orders of magnitude down. On a quadratic f − f* has then fallen by about twenty
/// (give or take the condition number): nothing a figure or the table can show changes after
/// that.
pub const RELATIVE_TOLERANCE: f64 = 1e-10;

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The most steps a run takes.
    pub steps: u64,
    /// Stop, converged, once the exact gradient's norm falls below this, noise or not.
    /// `None`: below [`RELATIVE_TOLERANCE`] times its norm at the start, for runs with exact
    /// gradients whose learning rate never rises, of optimizers that rest there (see
    /// [`run_with`]).
    pub tolerance: Option<f64>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It stopped moving: |∇f| fell below the tolerance, a step left the point exactly where
    /// it was, or the optimizer's own termination test said so (see [`run_with`]).
    Converged,
    /// The step that produced a point that was not finite or left [`DIVERGENCE_RADIUS`].
    Diverged {
        /// The step that left the finite numbers or the radius.
        step: u64,
    },
    /// It took every step it was allowed.
    MaxSteps,
}

impl Status {
    /// The pinned name used in summary.json.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::Diverged { .. } => "diverged",
            Status::MaxSteps => "max_steps",
        }
    }
}

/// Everything a run produced, row by row: row 0 is the start, row t the point after step t.
///
/// Only finite rows are kept: a step that produced a non-finite point ends the trace just
/// before it, with the status naming that step.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Length of each point.
    pub dim: usize,
    /// Points, row after row, `dim` numbers each.
    pub points: Vec<f64>,
    /// f at each point (exact, even when gradients are noisy).
    pub loss: Vec<f64>,
    /// |∇f| at each point (exact, even when gradients are noisy).
    pub grad_norm: Vec<f64>,
    /// `lr[t - 1]` is the learning rate of the step that reached row t.
    pub lr: Vec<f64>,
    /// How the run ended.
    pub status: Status,
    /// Every evaluation the run asked for, in total.
    pub evaluations: Evaluations,
    /// `evaluations_at[t]`: the evaluations made up to and including the gradient at row t,
    /// so loss can be drawn against work done rather than steps taken.
    pub evaluations_at: Vec<Evaluations>,
}

impl Trace {
    /// A trace with no rows yet, for parameters of length `dim`.
    pub fn empty(dim: usize) -> Trace {
        Trace::with_capacity(dim, 0)
    }

    /// An empty trace with room for `rows` rows.
    pub fn with_capacity(dim: usize, rows: usize) -> Trace {
        Trace {
            dim,
            points: Vec::with_capacity(rows * dim),
            loss: Vec::with_capacity(rows),
            grad_norm: Vec::with_capacity(rows),
            lr: Vec::with_capacity(rows),
            status: Status::MaxSteps,
            evaluations: Evaluations::default(),
            evaluations_at: Vec::with_capacity(rows),
        }
    }

    /// Number of rows: steps recorded plus the start.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    /// Whether not even the start was recorded (it was not finite).
    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// Steps taken to reach the last recorded row.
    pub fn steps(&self) -> u64 {
        self.len().saturating_sub(1) as u64
    }

    /// The point of row `row`.
    pub fn point(&self, row: usize) -> &[f64] {
        &self.points[row * self.dim..(row + 1) * self.dim]
    }

    /// The point of the last row.
    pub fn last_point(&self) -> &[f64] {
        self.point(self.len() - 1)
    }

    /// f at the last row.
    pub fn last_loss(&self) -> f64 {
        self.loss[self.len() - 1]
    }

    /// The lowest f of any row.
    pub fn best_loss(&self) -> f64 {
        self.loss.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The 2-D points of the path, for plots of surfaces.
    pub fn points_2d(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        self.points.chunks_exact(self.dim).map(|p| [p[0], p[1]])
    }

    /// How the run ended, read off a trace that kept every row (what [`run_with`] returns
    /// beside it).
    pub fn outcome(&self) -> Outcome {
        let last = self.len().checked_sub(1);
        Outcome {
            status: self.status,
            steps: self.steps(),
            final_point: last.map_or_else(|| vec![f64::NAN; self.dim], |r| self.point(r).to_vec()),
            final_loss: last.map_or(f64::NAN, |r| self.loss[r]),
            final_grad_norm: last.map_or(f64::NAN, |r| self.grad_norm[r]),
            best_loss: self.best_loss(),
            evaluations: self.evaluations,
        }
    }
}

/// One optimizer run: settings, schedule and base learning rate.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The update rule and its settings.
    pub optimizer: Arc<dyn Optimizer>,
    /// The learning rate's schedule.
    pub schedule: Schedule,
    /// The base learning rate the schedule starts from.
    pub lr: f64,
}

/// One row of a run, as the loop hands it to a [`Recorder`]: the point reached by step
/// `step` (step 0: the start), with its exact loss and gradient norm.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Steps taken to reach this row.
    pub step: u64,
    /// The parameters.
    pub point: &'a [f64],
    /// f here (exact, even when gradients are noisy).
    pub loss: f64,
    /// |∇f| here (exact).
    pub grad_norm: f64,
    /// The learning rate of the step that reached this row; `None` for the start.
    pub lr: Option<f64>,
    /// Every evaluation made up to and including the gradient at this row.
    pub evaluations: Evaluations,
}

/// What a run keeps of its rows, chosen by whoever runs it: everything ([`Trace`]), every
/// k-th row ([`Every`]), or nothing but the outcome ([`OutcomeOnly`]). The loop itself owns
/// stopping, divergence and evaluation counting, whatever is kept.
pub trait Recorder {
    /// A finite row of the run, in order.
    fn record(&mut self, row: &Row<'_>);

    /// The run's last finite row, once it has ended (it was also passed to `record`).
    /// Recorders that thin keep it, so a path always ends where the run did.
    fn finish(&mut self, _last: &Row<'_>) {}

    /// Whether `record` keeps anything: when not, the loop does not make the rows (each
    /// takes a square root), and hands on only the last, to `finish`.
    fn keeps_rows(&self) -> bool {
        true
    }
}

impl Recorder for Trace {
    fn record(&mut self, row: &Row<'_>) {
        self.points.extend_from_slice(row.point);
        self.loss.push(row.loss);
        self.grad_norm.push(row.grad_norm);
        self.evaluations_at.push(row.evaluations);
        if let Some(lr) = row.lr {
            self.lr.push(lr);
        }
    }
}

/// Every `k`-th row (and the last), into a [`Trace`] whose rows are then not one per step:
/// `steps` says which step each row is.
#[derive(Debug, Clone, PartialEq)]
pub struct Every {
    /// Keep rows whose step is a multiple of this.
    pub k: u64,
    /// The kept rows.
    pub trace: Trace,
    /// The step of each kept row.
    pub steps: Vec<u64>,
}

impl Every {
    /// Keeps every `k`-th row (k = 0 is taken as 1) of points of length `dim`.
    pub fn new(k: u64, dim: usize) -> Every {
        Every {
            k: k.max(1),
            trace: Trace::empty(dim),
            steps: Vec::new(),
        }
    }
}

impl Recorder for Every {
    fn record(&mut self, row: &Row<'_>) {
        if row.step.is_multiple_of(self.k) {
            self.trace.record(row);
            self.steps.push(row.step);
        }
    }

    fn finish(&mut self, last: &Row<'_>) {
        if self.steps.last() != Some(&last.step) {
            self.trace.record(last);
            self.steps.push(last.step);
        }
    }
}

/// Keeps no rows: a sweep of thousands of runs needs only their outcomes.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutcomeOnly;

impl Recorder for OutcomeOnly {
    fn record(&mut self, _: &Row<'_>) {}

    fn keeps_rows(&self) -> bool {
        false
    }
}

/// How a run ended and where: what every recorder leaves, and all a summary needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// How the run ended.
    pub status: Status,
    /// Steps taken to reach the last finite point.
    pub steps: u64,
    /// The last finite point (the start when not even it was finite).
    pub final_point: Vec<f64>,
    /// f at the last finite point (NaN when not even the start was finite).
    pub final_loss: f64,
    /// |∇f| there.
    pub final_grad_norm: f64,
    /// The lowest loss of any finite row.
    pub best_loss: f64,
    /// Every evaluation the run asked for.
    pub evaluations: Evaluations,
}

/// Runs `spec` on `objective` from `start` until `limits` or divergence stop it, and keeps
/// every row: [`run_with`] and a [`Trace`].
pub fn run(
    objective: &dyn Objective,
    noise: Option<GradientNoise>,
    spec: &RunSpec,
    start: ArrayView1<'_, f64>,
    limits: Limits,
    cancel: &Cancel,
) -> Trace {
    let mut trace = Trace::with_capacity(start.len(), limits.steps.min(1 << 20) as usize + 1);
    let outcome = run_with(objective, noise, spec, start, limits, cancel, &mut trace);
    trace.status = outcome.status;
    trace.evaluations = outcome.evaluations;
    trace
}

/// The run loop: runs `spec` on `objective` from `start` until it stops, handing every finite
/// row to `recorder`.
///
/// The optimizer sees gradients through a [`Counted`] (noisy if `noise` is given) that counts
/// every evaluation; rows carry exact losses and gradient norms, so noise shows in the path,
/// not in the measuring.
///
/// A run ends at the first of these, checked at every row:
/// - **diverged**: the point or f stopped being finite, or a coordinate left
///   [`DIVERGENCE_RADIUS`];
/// - **converged**: |∇f| < `limits.tolerance` (the exact gradient, noise or not);
/// - **converged**, because it stopped moving; with exact gradients only, since noise moves
///   a resting run again:
///   - without a tolerance, |∇f| < [`RELATIVE_TOLERANCE`] × |∇f(start)|, for optimizers that
///     rest where the gradient vanishes (`Rule::rests_where_the_gradient_vanishes`: not
///     RMSProp and the Adam family, which pass through such a point and come back out);
///   - two steps in a row left every coordinate exactly where it was (each step smaller than
///     the float spacing of the point, or zero): the run ends at the point before them. One
///     such step is not enough: Rprop holds still for a step after a sign flip, then moves;
///   - the optimizer's own termination test (`StepOutcome::converged`): the run ends where
///     that step left it, or where it was if the step did not move.
///
///   The first two only when the schedule's lr never rises: a warm restart can throw a run
///   out of a minimum it rests in, when the larger lr makes that minimum unstable.
/// - **max_steps**, after `limits.steps` steps.
///
/// Once `cancel` is cancelled the run stops within a few hundred steps, cut short: whoever
/// cancelled it is expected to throw its outcome away.
///
/// On a surface, optimizers with a fixed-size form ([`crate::core::optim::Rule::start_plane`])
/// step on a `[f64; 2]` with no ndarray or objective in between ([`OnPlane`]); every other run
/// goes through the general [`General`]. Both are walked by the one loop, [`walk`].
pub fn run_with<R: Recorder + ?Sized>(
    objective: &dyn Objective,
    noise: Option<GradientNoise>,
    spec: &RunSpec,
    start: ArrayView1<'_, f64>,
    limits: Limits,
    cancel: &Cancel,
    recorder: &mut R,
) -> Outcome {
    let exact = noise.is_none();
    if let Some(start) = plane_point(start)
        && let Some(stepper) = spec.optimizer.start_plane()
    {
        let run = PlaneRun {
            stepper,
            walk: PlaneWalk {
                stream: noise.map(Stream::new),
                start,
                exact,
                spec,
                limits,
                cancel,
            },
        };
        if let Some(outcome) = objective.walk_plane(run, &mut Forward(recorder)) {
            return outcome;
        }
    }
    let noisy = noise.map(|n| Noisy::new(objective, n));
    let oracle: &dyn Objective = match &noisy {
        Some(n) => n,
        None => objective,
    };
    let dim = start.len();
    let params: Array1<f64> = start.to_owned();
    let general = General {
        objective,
        noisy: noisy.as_ref(),
        problem: Counted::new(oracle),
        stepper: spec.optimizer.start(dim),
        last_point: params.clone(),
        params,
        grad: Array1::zeros(dim),
        exact_grad: Array1::zeros(dim),
        known: None,
    };
    walk(general, exact, spec, limits, cancel, recorder)
}

/// A run's point and optimizer as the loop ([`walk`]) sees them: the point, its exact f and
/// |∇f| with the gradient a step is given, and the step.
trait Walker {
    /// Whether every coordinate of the point is finite.
    fn is_finite(&self) -> bool;
    /// f and |∇f|² at the point (both exact), with the gradient the next step is given (noisy
    /// when the run is) made ready and counted.
    fn evaluate(&mut self) -> (f64, f64);
    /// Every evaluation asked for so far.
    fn evaluations(&self) -> Evaluations;
    /// Keeps the point as the last one recorded.
    fn keep_point(&mut self);
    /// The point last kept.
    fn kept_point(&self) -> &[f64];
    /// Whether a coordinate of the point is outside [`DIVERGENCE_RADIUS`].
    fn is_outside(&self) -> bool;
    /// One step at learning rate `lr`; true when the optimizer's own termination test says it
    /// is done (see [`crate::core::optim::StepOutcome::converged`]).
    fn step(&mut self, lr: f64) -> bool;
    /// Whether the point is exactly the one last kept.
    fn is_unmoved(&self) -> bool;
}

/// Any objective, any optimizer: ndarray vectors, the rule behind a `Stepper`, every
/// evaluation through a [`Counted`].
struct General<'a> {
    objective: &'a dyn Objective,
    noisy: Option<&'a Noisy<'a>>,
    problem: Counted<'a>,
    stepper: Box<dyn Stepper>,
    params: Array1<f64>,
    grad: Array1<f64>,
    exact_grad: Array1<f64>,
    // The point of the last row recorded: a step that leaves the finite numbers loses the
    // point it came from, and a step that did not move is seen by comparing with it.
    last_point: Array1<f64>,
    // The gradient at `params` when the last step already evaluated it (a line search's
    // accepted point): used as is, not asked for (and counted) twice.
    known: Option<Array1<f64>>,
}

impl Walker for General<'_> {
    fn is_finite(&self) -> bool {
        self.params.iter().all(|v| v.is_finite())
    }

    fn evaluate(&mut self) -> (f64, f64) {
        let General {
            objective,
            noisy,
            problem,
            params,
            grad,
            exact_grad,
            known,
            ..
        } = self;
        let objective = *objective;
        let exact = noisy.is_none();
        let known_here = known.take().filter(|g| g.len() == params.len());
        let on_surface = || plane_point(params.view()).and_then(|p| objective.surface_at(p));
        if let Some(g) = known_here {
            grad.assign(&g);
            let grad_sq = if exact {
                squared_norm(grad.iter())
            } else {
                objective.gradient(params.view(), exact_grad.view_mut());
                squared_norm(exact_grad.iter())
            };
            (objective.value(params.view()), grad_sq)
        } else if let Some((loss, g)) = on_surface() {
            // A surface: f and ∇f from one call, the gradient stored in one piece (copying it
            // out of a vector just written, element by element, stalls on the stores), then
            // the noise added to it as `Noisy::gradient` would.
            problem.count_gradient();
            grad.as_slice_mut()
                .expect("an owned vector is contiguous")
                .copy_from_slice(&g);
            if let Some(noisy) = noisy {
                noisy.add_noise(grad.view_mut());
            }
            (loss, squared_norm(&g))
        } else if let Some(noisy) = noisy {
            // The noisy gradient is the exact one plus the stream's next noise: the exact one
            // (for |∇f|) is computed once, and counted as the noisy one would be.
            objective.gradient(params.view(), exact_grad.view_mut());
            copy(grad, exact_grad);
            noisy.add_noise(grad.view_mut());
            problem.count_gradient();
            (
                objective.value(params.view()),
                squared_norm(exact_grad.iter()),
            )
        } else {
            problem.gradient_into(params.view(), grad.view_mut());
            (objective.value(params.view()), squared_norm(grad.iter()))
        }
    }

    fn evaluations(&self) -> Evaluations {
        self.problem.evaluations()
    }

    fn keep_point(&mut self) {
        copy(&mut self.last_point, &self.params);
    }

    fn kept_point(&self) -> &[f64] {
        self.last_point.as_slice().unwrap_or(&[])
    }

    fn is_outside(&self) -> bool {
        self.params.iter().any(|v| v.abs() > DIVERGENCE_RADIUS)
    }

    fn step(&mut self, lr: f64) -> bool {
        let step = self
            .stepper
            .step(&mut self.params, self.grad.view(), lr, &mut self.problem);
        self.known = step.gradient;
        step.converged
    }

    fn is_unmoved(&self) -> bool {
        self.params == self.last_point
    }
}

/// A first-order run on a surface, before its surface is known: what
/// [`Objective::walk_plane`] takes (see [`run_with`]): its rule, and the rest.
pub struct PlaneRun<'a> {
    stepper: PlaneStepper,
    walk: PlaneWalk<'a>,
}

/// A [`PlaneRun`] but for its rule, which is handed to the loop apart, by its type.
struct PlaneWalk<'a> {
    stream: Option<Stream>,
    start: [f64; 2],
    exact: bool,
    spec: &'a RunSpec,
    limits: Limits,
    cancel: &'a Cancel,
}

/// `run` on `surface`: [`walk`] over [`OnPlane`], compiled for each surface (see
/// `Surface::walk_plane`) and each rule.
pub(crate) fn walk_plane<S: Surface + ?Sized>(
    surface: &S,
    run: PlaneRun<'_>,
    recorder: &mut dyn Recorder,
) -> Outcome {
    let PlaneRun { stepper, walk } = run;
    match stepper {
        PlaneStepper::Sgd(plane) => walk_rule(surface, plane, walk, recorder),
        PlaneStepper::Adagrad(plane) => walk_rule(surface, plane, walk, recorder),
        PlaneStepper::RmsProp(plane) => walk_rule(surface, plane, walk, recorder),
        PlaneStepper::Adam(plane) => walk_rule(surface, plane, walk, recorder),
    }
}

/// [`walk_plane`] for one rule's type.
fn walk_rule<S: Surface + ?Sized, P: PlaneStep>(
    surface: &S,
    stepper: P,
    run: PlaneWalk<'_>,
    recorder: &mut dyn Recorder,
) -> Outcome {
    let on_plane = OnPlane {
        surface,
        stream: run.stream,
        stepper,
        params: run.start,
        grad: [0.0; 2],
        last_point: run.start,
        gradients: 0,
    };
    walk(
        on_plane, run.exact, run.spec, run.limits, run.cancel, recorder,
    )
}

/// A recorder behind `&mut dyn Recorder`, whatever its type (one not known to be sized, too).
struct Forward<'a, R: ?Sized>(&'a mut R);

impl<R: Recorder + ?Sized> Recorder for Forward<'_, R> {
    fn record(&mut self, row: &Row<'_>) {
        self.0.record(row);
    }

    fn finish(&mut self, last: &Row<'_>) {
        self.0.finish(last);
    }

    fn keeps_rows(&self) -> bool {
        self.0.keeps_rows()
    }
}

/// A first-order optimizer on a surface: the point and its gradients as `[f64; 2]`, f and ∇f
/// from the surface's own `value_grad2`, the noise added from the run's own stream, the
/// gradients counted here (a first-order step asks for nothing else). The same numbers, in
/// the same order, as [`General`] computes them.
struct OnPlane<'a, S: ?Sized, P> {
    surface: &'a S,
    stream: Option<Stream>,
    stepper: P,
    params: [f64; 2],
    grad: [f64; 2],
    last_point: [f64; 2],
    gradients: u64,
}

impl<S: Surface + ?Sized, P: PlaneStep> Walker for OnPlane<'_, S, P> {
    #[inline]
    fn is_finite(&self) -> bool {
        self.params.iter().all(|v| v.is_finite())
    }

    #[inline]
    fn evaluate(&mut self) -> (f64, f64) {
        let (loss, exact) = self.surface.value_grad2(self.params);
        self.gradients += 1;
        self.grad = exact;
        if let Some(stream) = &mut self.stream {
            self.grad.iter_mut().for_each(|g| stream.add(g));
        }
        (loss, squared_norm(&exact))
    }

    #[inline]
    fn evaluations(&self) -> Evaluations {
        Evaluations {
            gradient: self.gradients,
            ..Evaluations::default()
        }
    }

    #[inline]
    fn keep_point(&mut self) {
        self.last_point = self.params;
    }

    #[inline]
    fn kept_point(&self) -> &[f64] {
        &self.last_point
    }

    #[inline]
    fn is_outside(&self) -> bool {
        self.params.iter().any(|v| v.abs() > DIVERGENCE_RADIUS)
    }

    #[inline]
    fn step(&mut self, lr: f64) -> bool {
        self.stepper.step(&mut self.params, self.grad, lr);
        false
    }

    #[inline]
    fn is_unmoved(&self) -> bool {
        self.params == self.last_point
    }
}

/// The run loop proper, over either [`Walker`]: what [`run_with`] describes.
fn walk<W: Walker, R: Recorder + ?Sized>(
    mut walker: W,
    exact: bool,
    spec: &RunSpec,
    limits: Limits,
    cancel: &Cancel,
    recorder: &mut R,
) -> Outcome {
    let mut kept = Kept {
        last: None,
        best_loss: f64::INFINITY,
        keeps_rows: recorder.keeps_rows(),
    };
    // |∇f| below this stops a run: the file's tolerance, else the relative one (set at the
    // start, exact gradients only; 0 at a stationary start, where `<` never holds and a step
    // that does not move decides instead).
    let mut tolerance = limits.tolerance;
    let resting_is_final = spec.optimizer.rests_where_the_gradient_vanishes();
    let mut lr_never_rises = LrNeverRises::new(spec, limits.steps);
    let mut optimizer_done = false;
    // The step that reached this row left the point where it was (exact gradients, an lr
    // that never rises): its row is held back until the next step shows whether the run is
    // stuck.
    let mut still = false;
    let mut held: Option<RowValues> = None;

    let mut t: u64 = 0;
    let mut last_lr = None;
    let status = loop {
        if !walker.is_finite() {
            break Status::Diverged { step: t };
        }
        // f and |∇f|² at the point (both exact), and the gradient the step is given. |∇f| is
        // taken only where it is used (a tolerance, a row a recorder keeps, the outcome): a
        // square root a step is most of the cost of a sweep's row that nothing keeps. It is
        // finite exactly when its square is.
        let (loss, grad_sq) = walker.evaluate();
        if !loss.is_finite() || !grad_sq.is_finite() {
            break Status::Diverged { step: t };
        }
        let values = RowValues {
            step: t,
            loss,
            grad_sq,
            lr: last_lr,
            evaluations: walker.evaluations(),
        };
        if still {
            // The same point as the row before: the same f and |∇f|, the same verdicts.
            held = Some(values);
        } else {
            walker.keep_point();
            kept.keep(values, walker.kept_point(), recorder);
            if walker.is_outside() {
                break Status::Diverged { step: t };
            }
            if t == 0 && tolerance.is_none() && exact && resting_is_final {
                tolerance = Some(RELATIVE_TOLERANCE * values.grad_norm());
            }
            let below = tolerance.is_some_and(|tol| values.grad_norm() < tol);
            if below && (limits.tolerance.is_some() || lr_never_rises.get()) {
                break Status::Converged;
            }
            if optimizer_done {
                break Status::Converged;
            }
        }
        let cancelled = t.is_multiple_of(CANCEL_CHECK_EVERY) && cancel.is_cancelled();
        if t == limits.steps || cancelled {
            if let Some(row) = held.take() {
                kept.keep(row, walker.kept_point(), recorder);
            }
            break Status::MaxSteps;
        }
        // A constant lr without a call per step: most runs have one (every gallery sweep's).
        let lr = match spec.schedule {
            Schedule::Constant => spec.lr,
            ref schedule => schedule.lr(spec.lr, t),
        };
        let converged = walker.step(lr);
        let unchanged = exact && walker.is_unmoved();
        if unchanged && (converged || still) {
            // Nothing moved, twice in a row or with the optimizer done, and with exact
            // gradients nothing will: the run ends at the last row recorded.
            break Status::Converged;
        }
        if let Some(row) = held.take() {
            // It moved on after all (Rprop holds still for a step after a sign flip).
            kept.keep(row, walker.kept_point(), recorder);
        }
        still = unchanged && lr_never_rises.get();
        optimizer_done = exact && converged;
        last_lr = Some(lr);
        t += 1;
    };
    let (steps, final_loss, final_grad_norm) = match kept.last {
        Some(values) => {
            recorder.finish(&values.row(walker.kept_point()));
            (values.step, values.loss, values.grad_norm())
        }
        None => (0, f64::NAN, f64::NAN),
    };
    Outcome {
        status,
        steps,
        final_point: walker.kept_point().to_vec(),
        final_loss,
        final_grad_norm,
        best_loss: kept.best_loss,
        evaluations: walker.evaluations(),
    }
}

/// A row's numbers, before its point is attached.
#[derive(Debug, Clone, Copy)]
struct RowValues {
    step: u64,
    loss: f64,
    /// |∇f|², its root taken where it is used.
    grad_sq: f64,
    lr: Option<f64>,
    evaluations: Evaluations,
}

impl RowValues {
    /// |∇f|: the root of the sum of squares, as it always was.
    #[inline]
    fn grad_norm(&self) -> f64 {
        self.grad_sq.sqrt()
    }

    fn row<'a>(&self, point: &'a [f64]) -> Row<'a> {
        Row {
            step: self.step,
            point,
            loss: self.loss,
            grad_norm: self.grad_norm(),
            lr: self.lr,
            evaluations: self.evaluations,
        }
    }
}

/// What the loop keeps of the rows it has handed on: the last one, and the lowest loss.
struct Kept {
    last: Option<RowValues>,
    best_loss: f64,
    /// The recorder's `keeps_rows`.
    keeps_rows: bool,
}

impl Kept {
    /// Hands the row at `point` to `recorder` and remembers it.
    fn keep<R: Recorder + ?Sized>(&mut self, values: RowValues, point: &[f64], recorder: &mut R) {
        self.last = Some(values);
        self.best_loss = self.best_loss.min(values.loss);
        if self.keeps_rows {
            recorder.record(&values.row(point));
        }
    }
}

/// Whether the schedule's lr never rises during the run: a rise (a warm restart, a growing
/// factor) can move a run that rests now, at a minimum that the larger lr makes unstable, so
/// only a schedule that never rises lets a resting run be called converged. Asked only when
/// a run looks done, so a schedule is scanned (once) only then.
struct LrNeverRises<'a> {
    spec: &'a RunSpec,
    steps: u64,
    answer: Option<bool>,
}

impl<'a> LrNeverRises<'a> {
    fn new(spec: &'a RunSpec, steps: u64) -> Self {
        Self {
            spec,
            steps,
            answer: None,
        }
    }

    fn get(&mut self) -> bool {
        let (spec, steps) = (self.spec, self.steps);
        *self.answer.get_or_insert_with(|| {
            let lr = |t| spec.schedule.lr(spec.lr, t);
            // `lr(t)` drives step t + 1: steps 1 to `steps` use lr(0) to lr(steps − 1).
            matches!(spec.schedule, Schedule::Constant) || (1..steps).all(|t| lr(t) <= lr(t - 1))
        })
    }
}

/// `to.assign(from)` for vectors of one length, as a plain copy where both lie contiguous in
/// memory (owned vectors always do): ndarray's general assign costs more than the copy of a
/// 2-vector, twice a step.
fn copy(to: &mut Array1<f64>, from: &Array1<f64>) {
    match (to.as_slice_mut(), from.as_slice()) {
        // A surface's point: two numbers, not a call to memmove.
        (Some([a, b]), Some(&[x, y])) => (*a, *b) = (x, y),
        (Some(to), Some(from)) if to.len() == from.len() => to.copy_from_slice(from),
        _ => to.assign(from),
    }
}

/// |v|², the squares summed in order (the one sum every path takes, so |∇f| has the same bits
/// whichever computes it).
#[inline]
fn squared_norm<'a>(v: impl IntoIterator<Item = &'a f64>) -> f64 {
    v.into_iter().map(|x| x * x).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::optim::sgd::Sgd;

    fn sgd(lr: f64) -> RunSpec {
        RunSpec {
            optimizer: Arc::new(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
            schedule: Schedule::Constant,
            lr,
        }
    }

    #[test]
    fn a_run_records_the_start_and_every_step() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 10,
            tolerance: None,
        };
        let trace = run(
            &s,
            None,
            &sgd(0.01),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        assert_eq!(trace.status, Status::MaxSteps);
        assert_eq!(trace.len(), 11);
        assert_eq!(trace.lr.len(), 10);
        assert_eq!(trace.point(0), &[-3.0, 2.0]);
        assert_eq!(trace.evaluations.gradient, 11);
        assert!(trace.last_loss() < trace.loss[0]);
    }

    #[test]
    fn a_too_large_step_is_reported_as_divergence_not_a_crash() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 1000,
            tolerance: None,
        };
        let trace = run(
            &s,
            None,
            &sgd(0.5),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        let Status::Diverged { step } = trace.status else {
            panic!("expected divergence, got {:?}", trace.status);
        };
        // |1 - 0.5·20| = 9 per step: 2·9^k passes 1e6 after 6 steps.
        assert_eq!(step, 6);
        assert!(trace.loss.iter().all(|l| l.is_finite()));
        assert_eq!(trace.steps(), 6);
    }

    #[test]
    fn a_non_finite_point_ends_the_trace_before_it() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let limits = Limits {
            steps: 1000,
            tolerance: None,
        };
        let trace = run(
            &s,
            None,
            &sgd(1e6),
            array![-1.2, 1.0].view(),
            limits,
            &Cancel::new(),
        );
        let Status::Diverged { step } = trace.status else {
            panic!("expected divergence");
        };
        assert!(trace.steps() <= step);
        assert!(trace.points.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn tolerance_stops_a_converging_run() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 10_000,
            tolerance: Some(1e-6),
        };
        let trace = run(
            &s,
            None,
            &sgd(0.05),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        assert_eq!(trace.status, Status::Converged);
        assert!(*trace.grad_norm.last().unwrap() < 1e-6);
        assert!(trace.grad_norm[trace.len() - 2] >= 1e-6);
    }

    #[test]
    fn every_recorder_sees_the_same_run_and_the_thinned_path_ends_where_it_did() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let limits = Limits {
            steps: 95,
            tolerance: None,
        };
        let start = array![-1.2, 1.0];
        let full = run(&s, None, &sgd(1e-3), start.view(), limits, &Cancel::new());
        let mut every = Every::new(10, 2);
        let thinned = run_with(
            &s,
            None,
            &sgd(1e-3),
            start.view(),
            limits,
            &Cancel::new(),
            &mut every,
        );
        let alone = run_with(
            &s,
            None,
            &sgd(1e-3),
            start.view(),
            limits,
            &Cancel::new(),
            &mut OutcomeOnly,
        );
        assert_eq!(thinned, alone);
        assert_eq!(alone.status, full.status);
        assert_eq!(alone.evaluations, full.evaluations);
        assert_eq!(alone.final_point, full.last_point());
        assert_eq!(alone.best_loss, full.best_loss());
        assert_eq!(alone.steps, 95);
        assert_eq!(every.steps, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
        assert_eq!(every.trace.point(10), full.point(95));
        assert_eq!(every.trace.point(3), full.point(30));
    }

    #[test]
    fn a_diverged_outcome_keeps_the_last_finite_point() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let limits = Limits {
            steps: 1000,
            tolerance: None,
        };
        let start = array![-1.2, 1.0];
        let full = run(&s, None, &sgd(1e6), start.view(), limits, &Cancel::new());
        let alone = run_with(
            &s,
            None,
            &sgd(1e6),
            start.view(),
            limits,
            &Cancel::new(),
            &mut OutcomeOnly,
        );
        assert!(matches!(alone.status, Status::Diverged { .. }));
        assert_eq!(alone.final_point, full.last_point());
        assert_eq!(alone.steps, full.steps());
    }

    /// A run of `optimizer` on the default quadratic (minimum 0 at the origin) from `start`.
    fn on_quadratic(
        optimizer: Arc<dyn crate::core::Optimizer>,
        schedule: Schedule,
        lr: f64,
        start: [f64; 2],
        noise: Option<GradientNoise>,
        steps: u64,
    ) -> Trace {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let spec = RunSpec {
            optimizer,
            schedule,
            lr,
        };
        let limits = Limits {
            steps,
            tolerance: None,
        };
        run(
            &s,
            noise,
            &spec,
            ndarray::Array1::from(start.to_vec()).view(),
            limits,
            &Cancel::new(),
        )
    }

    fn kind(name: &str) -> Arc<dyn crate::core::Optimizer> {
        let kind = crate::core::registry::optimizer(name).unwrap();
        (kind.build)(&kind.defaults())
    }

    const NOISE: Option<GradientNoise> = Some(GradientNoise { std: 0.1, seed: 7 });

    #[test]
    fn newton_on_a_quadratic_is_converged_after_one_step_and_one_hessian() {
        let trace = on_quadratic(
            kind("newton"),
            Schedule::Constant,
            1.0,
            [-3.0, 2.0],
            None,
            200,
        );
        assert_eq!(trace.status, Status::Converged);
        assert_eq!(trace.steps(), 1);
        assert_eq!(trace.last_point(), &[0.0, 0.0]);
        assert_eq!(trace.evaluations.hessian, 1);
        assert_eq!(trace.evaluations.gradient, 2);
    }

    #[test]
    fn lbfgs_ends_at_its_own_termination_and_evaluates_nothing_after_it() {
        let s = crate::core::registry::default_surface("rosenbrock").unwrap();
        let run_for = |steps, settings: &[(&'static str, f64)]| {
            let kind = crate::core::registry::optimizer("lbfgs").unwrap();
            let mut values = kind.defaults();
            for (key, value) in settings {
                values.set(key, crate::core::Value::Number(*value));
            }
            let spec = RunSpec {
                optimizer: (kind.build)(&values),
                schedule: Schedule::Constant,
                lr: 1.0,
            };
            let limits = Limits {
                steps,
                tolerance: None,
            };
            run(
                &s,
                None,
                &spec,
                array![-1.2, 1.0].view(),
                limits,
                &Cancel::new(),
            )
        };
        let done = run_for(1000, &[]);
        assert_eq!(done.status, Status::Converged);
        assert!(done.steps() < 100, "{} steps", done.steps());
        assert!(done.last_loss() < 1e-10, "f = {}", done.last_loss());
        // The same run cut at that step asked for exactly as much: nothing after it.
        let cut = run_for(done.steps(), &[]);
        assert_eq!(cut.evaluations, done.evaluations);
        assert_eq!(cut.points, done.points);
        // With torch's tests switched off it goes on, to the relative tolerance or further.
        let tight = run_for(1000, &[("tolerance_grad", 0.0), ("tolerance_change", 0.0)]);
        assert!(tight.steps() > done.steps());
        assert!(tight.evaluations.gradient > done.evaluations.gradient);
    }

    #[test]
    fn lbfgs_done_at_tolerance_grad_does_not_move_and_asks_for_nothing() {
        let trace = on_quadratic(
            kind("lbfgs"),
            Schedule::Constant,
            1.0,
            [1e-9, 0.0],
            None,
            50,
        );
        assert_eq!(trace.status, Status::Converged);
        assert_eq!(trace.steps(), 0);
        assert_eq!(trace.evaluations.gradient, 1);
        assert_eq!(trace.evaluations.value, 0);
    }

    #[test]
    fn sgd_at_a_zero_gradient_is_converged_where_it_started() {
        let trace = on_quadratic(sgd_kind(), Schedule::Constant, 0.05, [0.0, 0.0], None, 200);
        assert_eq!(trace.status, Status::Converged);
        assert_eq!(trace.steps(), 0);
        assert_eq!(trace.len(), 1);
        // The start's gradient, and the one after the step that did not move.
        assert_eq!(trace.evaluations.gradient, 2);
    }

    fn sgd_kind() -> Arc<dyn crate::core::Optimizer> {
        sgd(1.0).optimizer
    }

    #[test]
    fn without_a_tolerance_a_run_stops_ten_orders_of_magnitude_down() {
        let trace = on_quadratic(
            sgd_kind(),
            Schedule::Constant,
            0.05,
            [-3.0, 2.0],
            None,
            10_000,
        );
        assert_eq!(trace.status, Status::Converged);
        let tolerance = RELATIVE_TOLERANCE * trace.grad_norm[0];
        assert!(trace.grad_norm[trace.len() - 1] < tolerance);
        assert!(trace.grad_norm[trace.len() - 2] >= tolerance);
    }

    #[test]
    fn a_noisy_run_is_never_converged_without_a_tolerance() {
        // Each of these stops at once with exact gradients; noise keeps them all moving.
        for (optimizer, lr, start) in [
            (sgd_kind(), 0.05, [0.0, 0.0]),
            (kind("newton"), 1.0, [-3.0, 2.0]),
            (kind("lbfgs"), 1.0, [1e-9, 0.0]),
            (kind("rprop"), 0.01, [0.0, 0.0]),
        ] {
            let trace = on_quadratic(optimizer, Schedule::Constant, lr, start, NOISE, 300);
            assert_eq!(trace.status, Status::MaxSteps, "{start:?}");
            assert_eq!(trace.steps(), 300);
        }
        let newton = on_quadratic(
            kind("newton"),
            Schedule::Constant,
            1.0,
            [-3.0, 2.0],
            NOISE,
            300,
        );
        assert_eq!(newton.evaluations.hessian, 300);
    }

    #[test]
    fn one_step_that_holds_still_is_not_the_end_of_a_run() {
        // Rprop does not move a coordinate on the step after its sign flipped; when both flip
        // at once the point stays for a step, and then it moves on.
        let trace = on_quadratic(
            kind("rprop"),
            Schedule::Constant,
            0.01,
            [-3.0, 2.0],
            None,
            200,
        );
        let held = (1..trace.len()).find(|&t| trace.point(t) == trace.point(t - 1));
        assert!(held.is_some(), "no step held still");
        assert_eq!(trace.status, Status::MaxSteps);
    }

    #[test]
    fn a_schedule_that_rises_again_keeps_a_resting_run_going() {
        let restarts = Schedule::CosineRestarts {
            t_0: 20,
            t_mult: 1,
            eta_min: 0.0,
        };
        let trace = on_quadratic(sgd_kind(), restarts, 0.05, [0.0, 0.0], None, 100);
        assert_eq!(trace.status, Status::MaxSteps);
        let decaying = Schedule::Cosine {
            t_max: 100,
            eta_min: 0.0,
        };
        let trace = on_quadratic(sgd_kind(), decaying, 0.05, [0.0, 0.0], None, 100);
        assert_eq!(trace.status, Status::Converged);
        assert_eq!(trace.steps(), 0);
    }

    #[test]
    fn a_tolerance_from_the_file_stops_noisy_runs_too() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 10_000,
            tolerance: Some(0.5),
        };
        let trace = run(
            &s,
            NOISE,
            &sgd(0.05),
            array![-3.0, 2.0].view(),
            limits,
            &Cancel::new(),
        );
        assert_eq!(trace.status, Status::Converged);
        assert!(trace.grad_norm[trace.len() - 1] < 0.5);
    }

    #[test]
    fn a_rule_that_speeds_up_as_the_gradient_vanishes_is_not_stopped_where_it_passes_zero() {
        // RMSProp divides by its average of g², which shrinks with g: it passes the minimum at
        // |∇f| far below the relative tolerance and comes back out; stopping it there would
        // call a run converged that is not.
        let trace = on_quadratic(
            kind("rmsprop"),
            Schedule::Constant,
            0.3,
            [-3.0, 2.0],
            None,
            300,
        );
        let tolerance = RELATIVE_TOLERANCE * trace.grad_norm[0];
        let below = trace.grad_norm.iter().position(|&g| g < tolerance);
        assert!(below.is_some_and(|t| t < 100), "below at {below:?}");
        assert_eq!(trace.status, Status::MaxSteps);
        let later = trace.grad_norm[below.unwrap()..]
            .iter()
            .copied()
            .fold(0.0, f64::max);
        assert!(later > 1e6 * tolerance, "back out to |∇f| = {later}");
    }

    #[test]
    fn every_rule_that_says_it_rests_stays_where_the_gradient_vanished() {
        // Each kind at its defaults and at 1 and 3 times its default lr on each built-in
        // surface, exact gradients, 3000 steps with the relative tolerance out of the way:
        // once |∇f| has fallen ten orders of magnitude, a rule that rests never brings it back
        // a hundredfold. (RMSProp, said to rest, fails this on the bowl at 3× its lr.)
        let limits = Limits {
            steps: 3000,
            tolerance: Some(f64::MIN_POSITIVE),
        };
        for surface_kind in crate::core::registry::built_in_surfaces() {
            let surface = surface_kind.build_default().unwrap();
            let start = ndarray::Array1::from(surface.default_start().to_vec());
            for kind in crate::core::registry::OPTIMIZERS {
                let optimizer = (kind.build)(&kind.defaults());
                if !optimizer.rests_where_the_gradient_vanishes() {
                    continue;
                }
                for factor in [1.0, 3.0] {
                    let spec = RunSpec {
                        optimizer: optimizer.clone(),
                        schedule: Schedule::Constant,
                        lr: factor * kind.default_lr(surface_kind.name),
                    };
                    let trace = run(&surface, None, &spec, start.view(), limits, &Cancel::new());
                    let tolerance = RELATIVE_TOLERANCE * trace.grad_norm[0];
                    if let Some(t) = trace.grad_norm.iter().position(|&g| g < tolerance) {
                        let later = trace.grad_norm[t..].iter().copied().fold(0.0, f64::max);
                        assert!(
                            later < 100.0 * tolerance,
                            "{} on {} at {factor}× its lr: below at step {t}, back to {later}",
                            kind.name,
                            surface_kind.name
                        );
                    }
                }
            }
        }
    }
}
