//! The stepping core: objectives, surfaces, optimizers, schedules and the run loop.
//!
//! Knows nothing of the command line, TOML or plotting. Works on `ndarray` vectors of any
//! length; the 2-D surfaces are one kind of objective among those it can serve.

pub mod expr;
pub mod grid;
pub mod linalg;
pub mod line_search;
pub mod noise;
pub mod objective;
pub mod optim;
pub mod run;
pub mod schedule;
pub mod second_order;
pub mod surface;

pub use grid::Grid;
pub use noise::GradientNoise;
pub use objective::{Evaluations, Objective, Problem};
pub use optim::{Adagrad, Adam, NAdam, Optimizer, RmsProp, Sgd};
pub use run::{Limits, RunSpec, Status, Trace, run};
pub use schedule::Schedule;
pub use second_order::{Lbfgs, LbfgsSearch, Newton, NewtonSearch, StepOutcome};
pub use surface::{Point, Surface, Window};
