//! The default learning rates per surface (what `compare`, `play` and `init` use) are each
//! optimizer's own best on that surface, found by the search in `fair.rs`:
//!
//! - every rate of the grid 1e-5 … 1000 (ten per decade), 200 steps (`compare`'s default)
//!   from the surface's default start, every key at its default;
//! - a run that diverges, or whose loss ever rises above its start's, is out;
//! - the score is the mean of log10(f − f*) over the 200 steps, floored at 1e-6: lower when a
//!   run gets low sooner and stays there;
//! - the default is the rate with the lowest score. Newton and L-BFGS take their rate as the
//!   first trial step of a line search that then picks the length itself, a fraction of the
//!   model's own step (1): their grid stops at 1, and they keep 1 where it ties the best.
//!
//! A default more than twice or less than half the best fails here, with the search's answer
//! in the message: change the table in `src/core/optim/` to it.

use optplay::core::registry::{OPTIMIZERS, built_in_surfaces};
use optplay::core::{OptimizerKind, RunSpec, Schedule, SurfaceKind};

use crate::fair::{Metric, Search, Task, lr_grid_between, search};

/// The metric the defaults are chosen by.
pub const DEFAULT_METRIC: Metric = Metric::MeanLogGap(1e-6);
/// Steps of the search: `compare`'s and `init`'s default.
pub const DEFAULT_STEPS: u64 = 200;
/// How far a default may be from the best rate of its search.
pub const FACTOR: f64 = 2.0;

/// The search behind `kind`'s default rate on the built-in surface `surface_kind`.
pub fn default_search(kind: &OptimizerKind, surface_kind: &SurfaceKind) -> Search {
    let surface = surface_kind
        .build_default()
        .expect("a built-in surface has defaults");
    let task = Task {
        objective: &surface,
        f_star: surface
            .min_value()
            .expect("a built-in surface has a minimum"),
        start: surface.default_start().to_vec(),
        steps: DEFAULT_STEPS,
        noise: None,
        seeds: vec![0],
    };
    let grid: Vec<f64> = lr_grid_between(-5, 3)
        .into_iter()
        .filter(|&lr| !kind.second_order || lr <= 1.0)
        .collect();
    search(&task, &grid, DEFAULT_METRIC, &|lr| RunSpec {
        optimizer: (kind.build)(&kind.defaults()),
        schedule: Schedule::Constant,
        lr,
    })
}

/// The rate the rule picks from `search`: the best, or 1 for a second-order method where 1
/// ties the best.
pub fn chosen(kind: &OptimizerKind, search: &Search) -> f64 {
    if kind.second_order && search.near_best(1.0, 1.0) {
        1.0
    } else {
        search.best_lr()
    }
}

#[test]
fn every_default_lr_is_near_its_optimizers_best_on_its_surface() {
    let failures: Vec<String> = std::thread::scope(|scope| {
        let per_surface: Vec<_> = built_in_surfaces()
            .map(|surface_kind| {
                scope.spawn(move || {
                    OPTIMIZERS
                        .iter()
                        .filter_map(|kind| {
                            let search = default_search(kind, surface_kind);
                            let default = kind.default_lr(surface_kind.name);
                            (!search.near_best(default, FACTOR)).then(|| {
                                format!(
                                    "{} on {}: default {default}, the search picks {} \
                                     (best within {FACTOR}×: {:?}, score {:.3})",
                                    kind.name,
                                    surface_kind.name,
                                    chosen(kind, &search),
                                    search.best_lrs(),
                                    search.best_score()
                                )
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        per_surface
            .into_iter()
            .flat_map(|h| h.join().expect("a search never panics"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_second_order_method_keeps_the_full_step_where_it_ties() {
    let newton = optplay::core::registry::optimizer("newton").unwrap();
    let quadratic = optplay::core::registry::surface("quadratic").unwrap();
    let search = default_search(newton, quadratic);
    assert!(search.scored.iter().all(|&(lr, _)| lr <= 1.0));
    assert_eq!(chosen(newton, &search), 1.0, "{search}");
}

/// The first step from which `kind`, at its default rate on the default bowl, stays within
/// 1e-6 of the minimum (`compare`'s 200 steps; 201 when it never does).
fn settles_on_the_default_bowl(name: &str) -> f64 {
    let kind = optplay::core::registry::optimizer(name).unwrap();
    let surface = optplay::core::registry::default_surface("quadratic").unwrap();
    let task = Task {
        objective: &surface,
        f_star: 0.0,
        start: surface.default_start().to_vec(),
        steps: DEFAULT_STEPS,
        noise: None,
        seeds: vec![0],
    };
    let spec = RunSpec {
        optimizer: (kind.build)(&kind.defaults()),
        schedule: Schedule::Constant,
        lr: kind.default_lr("quadratic"),
    };
    task.score(&spec, 0, Metric::Settle(1e-6))
        .min(DEFAULT_STEPS as f64 + 1.0)
}

#[test]
fn on_the_default_bowl_tuned_sgd_beats_momentum_and_adam_and_rmsprop_beats_all() {
    // README's first command, `compare --opt sgd,momentum,adam`, at the default rates.
    let [sgd, momentum, adam, rmsprop] =
        ["sgd", "momentum", "adam", "rmsprop"].map(settles_on_the_default_bowl);
    eprintln!(
        "default bowl, f − f* < 1e-6 from step: sgd {sgd}, momentum {momentum}, adam {adam}, rmsprop {rmsprop}"
    );
    assert!(
        sgd * 1.5 < momentum && sgd * 1.5 < adam,
        "{sgd} {momentum} {adam}"
    );
    assert!(rmsprop * 5.0 < sgd, "{rmsprop} {sgd}");
}

/// The network rates (`"network"` in the tables): each optimizer that has one, at it, trains
/// `compare --data spiral`'s network (hidden [64], batch 32, 2000 steps, 30% held out) to 90%
/// validation accuracy or more. (Measured: 94% to 97% for each.)
#[test]
fn every_network_default_lr_trains_the_default_spiral() {
    let network_kinds: Vec<&'static OptimizerKind> = OPTIMIZERS
        .iter()
        .copied()
        .filter(|k| {
            k.default_lr
                .iter()
                .any(|(key, _)| *key == optplay::config::NETWORK_LR_KEY)
        })
        .collect();
    let names: Vec<&str> = network_kinds.iter().map(|k| k.name).collect();
    for kind in [
        "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad",
    ] {
        assert!(names.contains(&kind), "{kind} has no network lr");
    }
    let experiment = crate::compare(&optplay::config::CompareRequest {
        optimizers: network_kinds,
        data: optplay::core::network::data::dataset_kind("spiral"),
        formats: Some(vec!["none".to_string()]),
        ..optplay::config::CompareRequest::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let written = crate::write(&experiment, tmp.path());
    let summary = crate::summary(&written.dir);
    for run in summary["runs"].as_array().unwrap() {
        let accuracy = run["val_accuracy"].as_f64().unwrap();
        assert!(accuracy >= 0.9, "{}: {accuracy}", run["label"]);
    }
}
