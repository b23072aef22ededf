//! The rules of the rest of torch.optim on cases the recorded references do not reach (the
//! replay of `tests/data/torch_optim*.json` is tests/torch_reference.rs), and every kind at
//! its default learning rates.

use ndarray::{Array1, array};

use super::Rule;
use super::adafactor::Adafactor;
use super::asgd::Asgd;
use crate::core::objective::Counted;
use crate::core::registry::{self, OPTIMIZERS};
use crate::core::run::{Limits, RunSpec, Status, Trace, run};
use crate::core::schedule::Schedule;
use crate::core::spec::Value;
use crate::core::surface::Surface;

fn limits(steps: u64) -> Limits {
    Limits {
        steps,
        tolerance: None,
    }
}

#[test]
fn every_kind_runs_200_steps_on_every_surface_at_its_default_lr_without_diverging() {
    let mut diverged = Vec::new();
    for surface_kind in registry::built_in_surfaces() {
        let surface = surface_kind
            .build_default()
            .expect("every built-in surface has defaults");
        let start: Array1<f64> = surface.default_start().to_vec().into();
        for kind in OPTIMIZERS {
            let lr = kind.default_lr(surface_kind.name);
            assert!(
                kind.default_lr.iter().any(|(s, _)| *s == surface_kind.name),
                "{} has no default lr on {}",
                kind.name,
                surface_kind.name
            );
            let spec = RunSpec {
                optimizer: (kind.build)(&kind.defaults()),
                schedule: Schedule::Constant,
                lr,
            };
            let trace = run(
                &surface,
                None,
                &spec,
                start.view(),
                limits(200),
                &crate::core::Cancel::new(),
            );
            // Converged (stopped moving) or all 200 steps: either way, never diverged.
            if matches!(trace.status, Status::Diverged { .. }) || !trace.last_loss().is_finite() {
                diverged.push(format!(
                    "{} on {} at lr {lr}: {:?}",
                    kind.name, surface_kind.name, trace.status
                ));
            }
        }
    }
    assert!(diverged.is_empty(), "{}", diverged.join("\n"));
}

/// A run of `kind` (at its defaults, with `changes`) on the 2-D quadratic from (2, 1).
fn quadratic_run(kind: &str, changes: &[(&'static str, Value)], schedule: Schedule) -> Trace {
    let kind = registry::optimizer(kind).unwrap();
    let mut settings = kind.defaults();
    for (key, value) in changes {
        settings.set(key, value.clone());
    }
    let surface = registry::default_surface("quadratic").unwrap();
    let spec = RunSpec {
        optimizer: (kind.build)(&settings),
        schedule,
        lr: 0.05,
    };
    run(
        &surface,
        None,
        &spec,
        array![2.0, 1.0].view(),
        limits(30),
        &crate::core::Cancel::new(),
    )
}

#[test]
fn rprop_reads_lr_once_so_a_schedule_changes_nothing_after_the_first_step() {
    let constant = quadratic_run("rprop", &[], Schedule::Constant);
    let decayed = quadratic_run(
        "rprop",
        &[],
        Schedule::Step {
            step_size: 1,
            gamma: 0.1,
        },
    );
    // The recorded lr follows the schedule; the path does not.
    assert!(decayed.lr[5] < 1e-4 * constant.lr[5]);
    assert_eq!(constant.points, decayed.points);
    // The first step is lr·sign(g) in every coordinate.
    assert_eq!(constant.point(1), &[2.0 - 0.05, 1.0 - 0.05]);
}

#[test]
fn rprop_halves_a_step_after_a_sign_flip_and_waits_one_step() {
    // On 0.5·(x² + 20·y²) from (2, 1), y's steps grow by 1.2 until y crosses 0.
    let trace = quadratic_run("rprop", &[], Schedule::Constant);
    let ys: Vec<f64> = (0..trace.len()).map(|t| trace.point(t)[1]).collect();
    let flip = ys.iter().position(|y| *y < 0.0).expect("y crosses zero");
    // The step after the crossing does not move y; the next moves back by half the last step.
    assert_eq!(ys[flip + 1], ys[flip]);
    let last = ys[flip - 1] - ys[flip];
    let back = ys[flip + 2] - ys[flip + 1];
    assert!((back - 0.5 * last).abs() < 1e-15, "{last} then {back}");
}

#[test]
fn asgd_takes_a_new_lr_one_step_late_as_torch_does() {
    // With λ = 0, η is lr itself, computed after each step from that step's lr.
    let lambd_zero = [("lambd", Value::Number(0.0))];
    let halving = Schedule::Step {
        step_size: 1,
        gamma: 0.5,
    };
    let trace = quadratic_run("asgd", &lambd_zero, halving);
    let surface = registry::default_surface("quadratic").unwrap();
    let mut p = [2.0, 1.0];
    // Step 1 uses lr; step 2 the η step 1 left (lr again); step t the lr of step t − 1.
    for (t, eta) in [0.05, 0.05, 0.025, 0.0125].into_iter().enumerate() {
        let g = surface.grad2(p);
        p = [p[0] - eta * g[0], p[1] - eta * g[1]];
        assert_eq!(trace.point(t + 1), &p, "step {}", t + 1);
    }
}

#[test]
fn asgd_averages_its_iterates_from_t0_on_without_moving_them() {
    let rule = Asgd {
        lambd: 0.0,
        alpha: 0.75,
        t0: 2.0,
        weight_decay: 0.0,
    };
    let surface = registry::default_surface("quadratic").unwrap();
    let mut problem = Counted::new(&surface);
    let mut state = rule.init(2);
    let mut params = array![2.0, 1.0];
    let mut iterates = Vec::new();
    for _ in 0..6 {
        let g = problem.gradient(params.view());
        rule.step(&mut state, &mut params, g.view(), 0.01, &mut problem);
        iterates.push(params.clone());
    }
    // μ = 1/max(1, t − t0) after step t: the average copies x through step 3, then takes
    // x₄ with weight 1 (still a copy), x₅ with ½ and x₆ with ⅓: the mean of x₄, x₅, x₆.
    let mean = (&iterates[3] + &iterates[4] + &iterates[5]) / 3.0;
    let average = state.average();
    assert!(
        (average - &mean).iter().all(|d| d.abs() < 1e-15),
        "{average} vs {mean}"
    );
    assert_eq!(params, iterates[5]);
}

#[test]
fn radam_takes_momentum_steps_until_rho_passes_five() {
    // With β2 = 0.999, ρ_t first exceeds 5 at step 6: steps 1 to 5 are x ← x − lr·m̂.
    let trace = quadratic_run("radam", &[], Schedule::Constant);
    // Step 1: m̂ = g = (2, 20) at (2, 1), so x moves by lr·g exactly.
    assert_eq!(trace.point(1), &[2.0 - 0.05 * 2.0, 1.0 - 0.05 * 20.0]);
    let radam = registry::optimizer("radam").unwrap();
    let decoupled = quadratic_run(
        "radam",
        &[
            ("weight_decay", Value::Number(0.1)),
            ("decoupled_weight_decay", Value::Bool(true)),
        ],
        Schedule::Constant,
    );
    // Decoupled: x shrinks by (1 − lr·wd) first, then the momentum step with g alone.
    let shrunk = [2.0 * (1.0 - 0.05 * 0.1), 1.0 * (1.0 - 0.05 * 0.1)];
    assert_eq!(
        decoupled.point(1),
        &[shrunk[0] - 0.05 * 2.0, shrunk[1] - 0.05 * 20.0]
    );
    let mut settings = radam.defaults();
    settings.set("decoupled_weight_decay", Value::Bool(true));
    assert_eq!(settings.legend(radam.keys), ["β=(0.9, 0.999)", "decoupled"]);
}

#[test]
fn adafactor_moves_by_the_relative_step_and_clips_an_update_to_an_rms_of_d() {
    let rule = Adafactor {
        beta2_decay: -0.8,
        eps1: f64::EPSILON,
        eps2: 1e-3,
        d: 1.0,
        weight_decay: 0.0,
    };
    let surface = registry::default_surface("quadratic").unwrap();
    let mut problem = Counted::new(&surface);
    let mut state = rule.init(2);
    let mut params = array![2.0, 1.0];
    let lr: f64 = 0.05;
    let relative_step = |params: &Array1<f64>, t: f64| {
        let rms = (params.mapv(|p| p * p).sum() / 2.0).sqrt();
        rms * lr.min(1.0 / t.sqrt())
    };
    // Step 1: β̂2 = 0, so v = g² and the update is sign(g), of RMS 1 = d: unclipped.
    let alpha = relative_step(&params, 1.0);
    let before = params.clone();
    rule.step(
        &mut state,
        &mut params,
        array![1.0, 1.0].view(),
        lr,
        &mut problem,
    );
    assert!(
        (&before - &params)
            .iter()
            .all(|d| (d - alpha).abs() < 1e-15)
    );
    // Step 2: a gradient ten times larger than v remembers gives u ≈ 1.31 per coordinate;
    // clipping scales it back to RMS d = 1, so x again moves by exactly α.
    let alpha = relative_step(&params, 2.0);
    let before = params.clone();
    rule.step(
        &mut state,
        &mut params,
        array![10.0, 10.0].view(),
        lr,
        &mut problem,
    );
    assert!(
        (&before - &params)
            .iter()
            .all(|d| (d - alpha).abs() < 1e-15)
    );
}

#[test]
fn cross_key_rules_are_checked_and_defaults_pass() {
    let refused = |kind: &str, key: &'static str, value: Value| {
        let kind = registry::optimizer(kind).unwrap();
        let mut settings = kind.defaults();
        settings.set(key, value);
        (kind.check)(&settings).err().map(|e| e.key)
    };
    assert_eq!(
        refused("rprop", "etas", Value::Pair([1.0, 1.2])),
        Some("etas")
    );
    assert_eq!(
        refused("rprop", "etas", Value::Pair([0.5, 0.9])),
        Some("etas")
    );
    assert_eq!(
        refused("rprop", "step_sizes", Value::Pair([1.0, 0.5])),
        Some("step_sizes")
    );
    assert_eq!(refused("rprop", "etas", Value::Pair([0.3, 2.0])), None);
    assert_eq!(refused("adafactor", "d", Value::Number(0.5)), Some("d"));
    assert_eq!(refused("adafactor", "d", Value::Number(1.0)), None);
}

#[test]
fn legends_show_each_new_kinds_symbols() {
    let legend = |kind: &str, changes: &[(&'static str, Value)]| {
        let kind = registry::optimizer(kind).unwrap();
        let mut settings = kind.defaults();
        for (key, value) in changes {
            settings.set(key, value.clone());
        }
        settings.legend(kind.keys)
    };
    assert_eq!(legend("adadelta", &[]), ["ρ=0.9"]);
    assert_eq!(legend("adamax", &[]), ["β=(0.9, 0.999)"]);
    assert_eq!(legend("rprop", &[]), ["η=(0.5, 1.2)"]);
    assert_eq!(
        legend(
            "asgd",
            &[("lambd", Value::Number(0.01)), ("t0", Value::Number(50.0))]
        ),
        ["λ=0.01", "t₀=50"]
    );
    assert!(legend("asgd", &[]).is_empty());
    assert_eq!(
        legend("adafactor", &[("beta2_decay", Value::Number(-0.5))]),
        ["τ=-0.5"]
    );
}

#[test]
fn the_new_kinds_have_the_pinned_defaults_of_torch() {
    use Value::{Bool, Number, Pair};
    // torch.optim's defaults, as optplay's design pins them; lr is the fallback lr.
    type Pinned = (&'static str, f64, &'static [(&'static str, Value)]);
    let pinned: [Pinned; 7] = [
        (
            "adadelta",
            1.0,
            &[
                ("rho", Number(0.9)),
                ("eps", Number(1e-6)),
                ("weight_decay", Number(0.0)),
            ],
        ),
        (
            "adamax",
            2e-3,
            &[
                ("betas", Pair([0.9, 0.999])),
                ("eps", Number(1e-8)),
                ("weight_decay", Number(0.0)),
            ],
        ),
        (
            "radam",
            1e-3,
            &[
                ("betas", Pair([0.9, 0.999])),
                ("eps", Number(1e-8)),
                ("weight_decay", Number(0.0)),
                ("decoupled_weight_decay", Bool(false)),
            ],
        ),
        (
            "rprop",
            0.01,
            &[
                ("etas", Pair([0.5, 1.2])),
                ("step_sizes", Pair([1e-6, 50.0])),
            ],
        ),
        (
            "asgd",
            0.01,
            &[
                ("lambd", Number(1e-4)),
                ("alpha", Number(0.75)),
                ("t0", Number(1e6)),
                ("weight_decay", Number(0.0)),
            ],
        ),
        (
            "adafactor",
            1e-2,
            &[
                ("beta2_decay", Number(-0.8)),
                ("eps2", Number(1e-3)),
                ("d", Number(1.0)),
                ("weight_decay", Number(0.0)),
            ],
        ),
        (
            "rmsprop",
            1e-2,
            &[("momentum", Number(0.0)), ("centered", Bool(false))],
        ),
    ];
    for (name, lr, keys) in pinned {
        let kind = registry::optimizer(name).unwrap();
        assert_eq!(kind.fallback_lr, lr, "{name}");
        let defaults = kind.defaults();
        for (key, value) in keys {
            assert_eq!(defaults.get(key), Some(value), "{name}.{key}");
        }
    }
    // Adafactor's eps1 is absent by default, torch's None: the machine epsilon.
    let adafactor = registry::optimizer("adafactor").unwrap();
    assert_eq!(adafactor.defaults().get("eps1"), None);
    assert_eq!(adafactor.defaults().number_or("eps1", 1.0), 1.0);
}
