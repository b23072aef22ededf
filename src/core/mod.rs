#![warn(missing_docs)]
//! The stepping core: objectives, surfaces, optimizers, schedules, the run loop, and the
//! declarations of every kind (the registry).
//!
//! Knows nothing of the command line, TOML or plotting. Works on `ndarray` vectors of any
//! length; the 2-D surfaces are one kind of objective among those it can serve.

pub mod cancel;
pub mod expr;
pub mod grid;
pub mod linalg;
pub mod line_search;
pub mod network;
pub mod noise;
pub mod objective;
pub mod optim;
pub mod registry;
pub mod run;
pub mod schedule;
pub mod spec;
pub mod surface;

pub use cancel::{Cancel, Cancelled};
pub use grid::Grid;
pub use noise::GradientNoise;
pub use objective::{Counted, Evaluations, Objective};
pub use optim::{Optimizer, OptimizerKind, Rule, StepOutcome};
pub use run::{
    Every, Limits, Outcome, OutcomeOnly, Recorder, Row, RunSpec, Status, Trace, run, run_with,
};
pub use schedule::{Schedule, ScheduleKind};
pub use spec::{Key, Settings, Value};
pub use surface::{Point, Surface, SurfaceKind, Window};
