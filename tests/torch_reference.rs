//! Every torch.optim reference trajectory, replayed through optplay's core.
//!
//! `tests/data/torch_optim.json` (24 cases) and `tests/data/torch_optim_more.json` (8 cases)
//! were recorded with PyTorch in float64 (`foreach=False`; see the README files beside them).
//! Each case is built through the registry, as an experiment file would build it: every
//! hyperparameter torch recorded must be a key the kind reads (a key optplay forgot cannot pass
//! unnoticed). Each is replayed through the run loop the command line uses; every point, loss
//! and learning rate must agree to 1e-10 relative (or 1e-12 absolute, near zero).

use std::sync::Arc;

use ndarray::array;
use optplay::core::registry;
use optplay::core::{Cancel, Limits, Optimizer, RunSpec, Schedule, Surface, Value, run};
use serde_json::Value as Json;

const REL: f64 = 1e-10;
const ABS: f64 = 1e-12;

fn cases(text: &str) -> Vec<Json> {
    serde_json::from_str::<Json>(text)
        .expect("reference file is JSON")
        .as_array()
        .expect("a list of cases")
        .clone()
}

fn all_cases() -> Vec<Json> {
    let mut all = cases(include_str!("data/torch_optim.json"));
    all.extend(cases(include_str!("data/torch_optim_more.json")));
    all
}

fn f(v: &Json, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// The case's surface, built through the registry as an experiment file would build it.
fn surface(s: &Json) -> Arc<dyn Surface> {
    let kind = registry::surface(s["kind"].as_str().unwrap()).expect("a built-in surface");
    let mut settings = kind.defaults();
    match kind.name {
        "quadratic" => {
            let m = |i: usize, j: usize| s["A"][i][j].as_f64().unwrap();
            settings.set(
                "matrix",
                Value::Matrix([[m(0, 0), m(0, 1)], [m(1, 0), m(1, 1)]]),
            );
        }
        "rosenbrock" => {
            settings.set("a", Value::Number(f(s, "a")));
            settings.set("b", Value::Number(f(s, "b")));
        }
        other => panic!("no surface {other} in the reference"),
    }
    (kind.build)(&settings).expect("valid settings")
}

/// torch's class and hyperparameters as an optplay kind with settings, through the registry.
fn optimizer(o: &Json) -> Arc<dyn Optimizer> {
    let torch = o["name"].as_str().unwrap();
    let decoupled = o["decoupled_weight_decay"] == true;
    let name = match torch {
        // torch's Adam with decoupled weight decay is AdamW.
        "Adam" if decoupled => "adamw".to_string(),
        other => other.to_lowercase(),
    };
    let kind = registry::optimizer(&name).unwrap_or_else(|| panic!("no optimizer {torch}"));
    let mut settings = kind.defaults();
    for (key, given) in o.as_object().unwrap() {
        match (name.as_str(), key.as_str()) {
            (_, "name" | "lr") => {}
            (_, "maximize") => assert_eq!(given, false, "{name}: optplay minimises"),
            // The class chose the kind: Adam or AdamW.
            ("adam" | "adamw", "decoupled_weight_decay") => {}
            ("nadam", "decoupled_weight_decay") => assert_eq!(given, false),
            // torch's eps = (eps1, eps2), with None for the machine epsilon: absent here.
            ("adafactor", "eps") => {
                match given[0].as_f64() {
                    Some(eps1) => settings.set("eps1", Value::Number(eps1)),
                    None => assert_eq!(settings.get("eps1"), None, "absent: machine epsilon"),
                }
                settings.set("eps2", Value::Number(given[1].as_f64().unwrap()));
            }
            _ => {
                let declared = kind
                    .keys
                    .iter()
                    .find(|k| k.name == key)
                    .unwrap_or_else(|| panic!("{name} has no key {key}"));
                let value = match settings.get(declared.name) {
                    Some(Value::Number(_)) => Value::Number(given.as_f64().unwrap()),
                    Some(Value::Bool(_)) => Value::Bool(given.as_bool().unwrap()),
                    Some(Value::Pair(_)) => {
                        Value::Pair([given[0].as_f64().unwrap(), given[1].as_f64().unwrap()])
                    }
                    other => panic!("{name}.{key}: {other:?} is not in torch's form"),
                };
                settings.set(declared.name, value);
            }
        }
    }
    (kind.check)(&settings).expect("torch accepted these settings");
    (kind.build)(&settings)
}

fn schedule(s: &Json) -> Schedule {
    if s.is_null() {
        return Schedule::Constant;
    }
    let int = |key: &str| s[key].as_u64().unwrap();
    match s["name"].as_str().unwrap() {
        "StepLR" => Schedule::Step {
            step_size: int("step_size"),
            gamma: f(s, "gamma"),
        },
        "ExponentialLR" => Schedule::Exponential {
            gamma: f(s, "gamma"),
        },
        "CosineAnnealingLR" => Schedule::Cosine {
            t_max: int("T_max"),
            eta_min: f(s, "eta_min"),
        },
        "CosineAnnealingWarmRestarts" => Schedule::CosineRestarts {
            t_0: int("T_0"),
            t_mult: int("T_mult"),
            eta_min: f(s, "eta_min"),
        },
        "LambdaLR" if s["lr_lambda"] == "inverse_time" => Schedule::InverseTime { k: f(s, "k") },
        other => panic!("no schedule {other} in optplay"),
    }
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

/// Replays one case: the mismatches it finds (the first few say enough), and its worst errors.
fn replay(case: &Json) -> (Vec<String>, Worst) {
    let id = case["id"].as_str().unwrap();
    let spec = RunSpec {
        optimizer: optimizer(&case["optimizer"]),
        schedule: schedule(&case["schedule"]),
        lr: f(&case["optimizer"], "lr"),
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
        &Cancel::new(),
    );
    let mut failures = Vec::new();
    let mut worst = Worst::default();
    if trace.steps() != steps {
        failures.push(format!("{id}: stopped after {} steps", trace.steps()));
        return (failures, worst);
    }
    let mut compare = |what: String, ours: f64, theirs: f64| {
        worst.add(ours, theirs);
        if !close(ours, theirs) && failures.len() < 3 {
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
fn every_reference_trajectory_matches_torch() {
    let cases = all_cases();
    assert_eq!(cases.len(), 32, "the reference files hold 24 + 8 cases");
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
        failures.extend(mismatches);
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_references_cover_every_first_order_kind_and_rmsprops_options() {
    let cases = all_cases();
    let names: Vec<String> = cases
        .iter()
        .map(|c| c["optimizer"]["name"].as_str().unwrap().to_lowercase())
        .collect();
    for kind in registry::OPTIMIZERS.iter().filter(|k| !k.second_order) {
        // momentum and nesterov are torch's SGD with its momentum and nesterov settings.
        let torch = match kind.name {
            "momentum" | "nesterov" => "sgd",
            name => name,
        };
        assert!(
            names.iter().any(|n| n == torch),
            "no case for {}",
            kind.name
        );
    }
    let rmsprop = |key: &str| {
        cases.iter().any(|c| {
            let o = &c["optimizer"];
            o["name"] == "RMSprop" && (o[key] == true || o[key].as_f64().is_some_and(|v| v > 0.0))
        })
    };
    assert!(rmsprop("centered") && rmsprop("momentum"));
}
