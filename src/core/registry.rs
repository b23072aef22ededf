//! Every kind optplay knows, one line each, in the order `optplay list` shows them. Optimizers
//! and surfaces are listed beside their modules (each kind's file plus one line there); the
//! schedules, which share one file, here.
//!
//! The parser, `list`, `explain`, `init`, `play`'s export, the legends and the did-you-mean
//! all read these lists; tests walk them, so a new kind is tested as soon as it is listed.

use super::optim::{self, OptimizerKind};
use super::schedule::{self, ScheduleKind};
use super::surface::{self, SurfaceKind};

/// Every optimizer kind: the list in `core/optim/mod.rs`, next to the modules.
pub const OPTIMIZERS: &[&OptimizerKind] = optim::KINDS;

/// Every surface kind: the list in `core/surface/mod.rs`, next to the modules.
pub const SURFACES: &[&SurfaceKind] = surface::KINDS;

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
