//! The rest of torch.optim against torch itself, and every kind at its default learning rates.
//!
//! `tests/data/torch_optim_more.json` was recorded with PyTorch in float64 with
//! `foreach=False` (see `tests/data/torch_optim_more.README.md`). Each case is built through
//! the registry, as an experiment file would build it, and replayed through the run loop:
//! every point, loss and learning rate must agree to 1e-10 relative (or 1e-12 absolute).

use std::sync::Arc;

use ndarray::{Array1, array};
use serde_json::Value as Json;

use super::adafactor::Adafactor;
use super::asgd::Asgd;
use super::{Optimizer, Rule};
use crate::core::objective::Counted;
use crate::core::registry::{self, OPTIMIZERS};
use crate::core::run::{Limits, RunSpec, Status, Trace, run};
use crate::core::schedule::Schedule;
use crate::core::spec::Value;
use crate::core::surface::Surface;

const REL: f64 = 1e-10;
const ABS: f64 = 1e-12;

fn cases() -> Vec<Json> {
    let text = include_str!("../../../tests/data/torch_optim_more.json");
    let parsed: Json = serde_json::from_str(text).expect("the reference file is JSON");
    parsed.as_array().expect("a list of cases").clone()
}

fn number(v: &Json, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// The case's surface, through the registry.
fn surface(s: &Json) -> Arc<dyn Surface> {
    let kind = registry::surface(s["kind"].as_str().unwrap()).expect("a built-in surface");
    let mut settings = kind.defaults();
    match kind.name {
        "quadratic" => {
            let a = |i: usize, j: usize| s["A"][i][j].as_f64().unwrap();
            settings.set(
                "matrix",
                Value::Matrix([[a(0, 0), a(0, 1)], [a(1, 0), a(1, 1)]]),
            );
        }
        "rosenbrock" => {
            settings.set("a", Value::Number(number(s, "a")));
            settings.set("b", Value::Number(number(s, "b")));
        }
        other => panic!("no surface {other} in the reference"),
    }
    (kind.build)(&settings).expect("valid settings")
}

/// torch's value of `key` as the value our key holds.
fn translate(kind: &str, key: &str, ours: &Value, given: &Json) -> Value {
    match ours {
        Value::Number(_) => Value::Number(given.as_f64().unwrap()),
        Value::Bool(_) => Value::Bool(given.as_bool().unwrap()),
        Value::Pair(_) => Value::Pair([given[0].as_f64().unwrap(), given[1].as_f64().unwrap()]),
        other => panic!("{kind}.{key}: {other:?} is not in torch's form"),
    }
}

/// torch's class and hyperparameters as a kind with settings, through the registry. Every
/// hyperparameter torch recorded must be one the kind reads (or `lr`, or `maximize` off), so a
/// key that optplay forgot cannot pass unnoticed.
fn optimizer(o: &Json) -> Arc<dyn Optimizer> {
    let name = match o["name"].as_str().unwrap() {
        "Adadelta" => "adadelta",
        "Adamax" => "adamax",
        "RAdam" => "radam",
        "Rprop" => "rprop",
        "ASGD" => "asgd",
        "Adafactor" => "adafactor",
        "RMSprop" => "rmsprop",
        other => panic!("no optimizer {other} in this reference"),
    };
    let kind = registry::optimizer(name).unwrap();
    let mut settings = kind.defaults();
    for (key, given) in o.as_object().unwrap() {
        match (name, key.as_str()) {
            (_, "name" | "lr") => {}
            (_, "maximize") => assert_eq!(given, false, "{name}: optplay minimises"),
            // torch's eps = (eps1, eps2), with None for the machine epsilon: our default.
            ("adafactor", "eps") => {
                match given[0].as_f64() {
                    Some(eps1) => settings.set("eps1", Value::Number(eps1)),
                    None => {
                        assert!(given[0].is_null());
                        assert_eq!(settings.get("eps1"), None, "absent: the machine epsilon");
                    }
                }
                settings.set("eps2", Value::Number(given[1].as_f64().unwrap()));
            }
            _ => {
                let declared = kind
                    .keys
                    .iter()
                    .find(|k| k.name == key)
                    .unwrap_or_else(|| panic!("{name} has no key {key}"));
                let ours = settings.get(declared.name).unwrap().clone();
                settings.set(declared.name, translate(name, key, &ours, given));
            }
        }
    }
    (kind.check)(&settings).expect("torch accepted these settings");
    (kind.build)(&settings)
}

fn close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() <= ABS.max(REL * theirs.abs())
}

/// How far one case is from torch: the worst relative error where the relative tolerance
/// applies, the worst absolute error where the absolute one does (values near zero).
#[derive(Debug, Default)]
struct Worst {
    relative: f64,
    absolute: f64,
}

impl Worst {
    fn add(&mut self, ours: f64, theirs: f64) {
        let error = (ours - theirs).abs();
        if REL * theirs.abs() >= ABS {
            self.relative = self.relative.max(error / theirs.abs());
        } else {
            self.absolute = self.absolute.max(error);
        }
    }
}

/// Replays one case; the mismatches it finds, and its worst errors.
fn replay(case: &Json) -> (Vec<String>, Worst) {
    let id = case["id"].as_str().unwrap();
    assert!(
        case["schedule"].is_null(),
        "{id}: these cases have no schedule"
    );
    let spec = RunSpec {
        optimizer: optimizer(&case["optimizer"]),
        schedule: Schedule::Constant,
        lr: number(&case["optimizer"], "lr"),
    };
    let steps = case["steps"].as_u64().unwrap();
    let start = array![
        case["start"][0].as_f64().unwrap(),
        case["start"][1].as_f64().unwrap()
    ];
    let limits = Limits {
        steps,
        tolerance: None,
    };
    let trace = run(
        &surface(&case["surface"]),
        None,
        &spec,
        start.view(),
        limits,
        &crate::core::Cancel::new(),
    );
    let mut failures = Vec::new();
    let mut worst = Worst::default();
    if trace.steps() != steps {
        failures.push(format!("{id}: stopped after {} steps", trace.steps()));
        return (failures, worst);
    }
    let mut compare = |what: String, ours: f64, theirs: f64| {
        worst.add(ours, theirs);
        if !close(ours, theirs) {
            failures.push(format!("{id}: {what}: {ours:e} vs torch {theirs:e}"));
        }
    };
    for (t, point) in case["trajectory"].as_array().unwrap().iter().enumerate() {
        for k in 0..2 {
            let what = format!("step {t} coordinate {k}");
            compare(what, trace.point(t)[k], point[k].as_f64().unwrap());
        }
    }
    for (t, loss) in case["loss"].as_array().unwrap().iter().enumerate() {
        compare(
            format!("loss at step {t}"),
            trace.loss[t],
            loss.as_f64().unwrap(),
        );
    }
    for (t, lr) in case["lr"].as_array().unwrap().iter().enumerate() {
        compare(
            format!("lr of step {}", t + 1),
            trace.lr[t],
            lr.as_f64().unwrap(),
        );
    }
    (failures, worst)
}

#[test]
fn every_more_reference_trajectory_matches_torch() {
    let cases = cases();
    assert_eq!(cases.len(), 8, "the reference file holds 8 cases");
    let mut failures = Vec::new();
    for case in &cases {
        let (mismatches, worst) = replay(case);
        // Shown with --nocapture: how close each case is, not just that it passes.
        println!(
            "{}: worst relative error {:.1e}, worst absolute error near zero {:.1e}",
            case["id"].as_str().unwrap(),
            worst.relative,
            worst.absolute
        );
        // The first few of a case say enough.
        failures.extend(mismatches.into_iter().take(3));
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_reference_covers_every_new_kind_and_rmsprops_new_keys() {
    let cases = cases();
    let names: Vec<&str> = cases
        .iter()
        .map(|c| c["optimizer"]["name"].as_str().unwrap())
        .collect();
    for torch in ["Adadelta", "Adamax", "RAdam", "Rprop", "ASGD", "Adafactor"] {
        assert!(names.contains(&torch), "no case for {torch}");
    }
    let rmsprop = |key: &str| {
        cases.iter().any(|c| {
            let o = &c["optimizer"];
            o["name"] == "RMSprop" && (o[key] == true || o[key].as_f64().is_some_and(|v| v > 0.0))
        })
    };
    assert!(rmsprop("centered") && rmsprop("momentum"));
}

fn limits(steps: u64) -> Limits {
    Limits {
        steps,
        tolerance: None,
    }
}

#[test]
fn every_kind_runs_200_steps_on_every_surface_at_its_default_lr() {
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
            if trace.status != Status::MaxSteps || !trace.last_loss().is_finite() {
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
