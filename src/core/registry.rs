//! Every kind optplay knows, one line each, in the order `optplay list` shows them.
//!
//! The parser, `list`, `explain`, `init`, `play`'s export, the legends and the did-you-mean
//! all read these lists; tests walk them, so a new kind is tested as soon as it is listed.

use super::optim::{
    OptimizerKind, adadelta, adafactor, adagrad, adam, adamax, asgd, lbfgs, nadam, newton, radam,
    rmsprop, rprop, sgd,
};
use super::schedule::{self, ScheduleKind};
use super::surface::{
    SurfaceKind, beale, bowl, expr, himmelblau, quadratic, rastrigin, rosenbrock, saddle,
};

/// Every optimizer kind.
pub const OPTIMIZERS: &[&OptimizerKind] = &[
    &sgd::SGD,
    &sgd::MOMENTUM,
    &sgd::NESTEROV,
    &adagrad::ADAGRAD,
    &rmsprop::RMSPROP,
    &adam::ADAM,
    &adam::ADAMW,
    &nadam::NADAM,
    &adadelta::ADADELTA,
    &adamax::ADAMAX,
    &radam::RADAM,
    &rprop::RPROP,
    &asgd::ASGD,
    &adafactor::ADAFACTOR,
    &newton::NEWTON,
    &lbfgs::LBFGS,
];

/// Every surface kind.
pub const SURFACES: &[&SurfaceKind] = &[
    &quadratic::QUADRATIC,
    &saddle::SADDLE,
    &bowl::BOWL,
    &rosenbrock::ROSENBROCK,
    &beale::BEALE,
    &himmelblau::HIMMELBLAU,
    &rastrigin::RASTRIGIN,
    &expr::EXPR,
];

/// Every schedule kind.
pub const SCHEDULES: &[&ScheduleKind] = &[
    &schedule::CONSTANT,
    &schedule::STEP,
    &schedule::MULTISTEP,
    &schedule::EXPONENTIAL,
    &schedule::INVERSE_TIME,
    &schedule::COSINE,
    &schedule::COSINE_RESTARTS,
];

/// The optimizer kind called `name`.
pub fn optimizer(name: &str) -> Option<&'static OptimizerKind> {
    OPTIMIZERS.iter().copied().find(|k| k.name == name)
}

/// The surface kind called `name`.
pub fn surface(name: &str) -> Option<&'static SurfaceKind> {
    SURFACES.iter().copied().find(|k| k.name == name)
}

/// The schedule kind called `name`.
pub fn schedule(name: &str) -> Option<&'static ScheduleKind> {
    SCHEDULES.iter().copied().find(|k| k.name == name)
}

/// The optimizer kinds' names, in order.
pub fn optimizer_names() -> Vec<&'static str> {
    OPTIMIZERS.iter().map(|k| k.name).collect()
}

/// The surface kinds' names, in order.
pub fn surface_names() -> Vec<&'static str> {
    SURFACES.iter().map(|k| k.name).collect()
}

/// The schedule kinds' names, in order.
pub fn schedule_names() -> Vec<&'static str> {
    SCHEDULES.iter().map(|k| k.name).collect()
}

/// The surface `name` with every key at its default (for kinds that have defaults for all).
pub fn default_surface(name: &str) -> Option<std::sync::Arc<dyn super::surface::Surface>> {
    surface(name)?.build_default()
}

/// The surface kinds that work with every key at its default: the built-in surfaces (the
/// others, such as `expr`, need keys of the user's).
pub fn built_in_surfaces() -> impl Iterator<Item = &'static SurfaceKind> {
    SURFACES.iter().copied().filter(|k| k.has_defaults())
}
