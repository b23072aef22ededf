//! Every torch.optim reference trajectory, replayed through optplay's core.
//!
//! `tests/data/torch_optim.json` was recorded with PyTorch in float64 (see
//! `tests/data/torch_optim.README.md`). Each case is translated from torch's names to optplay's
//! settings and run through the same `run` loop the command line uses; every point and every
//! learning rate must agree to 1e-10 relative (or 1e-12 absolute).

use std::sync::Arc;

use ndarray::array;
use optplay::core::registry;
use optplay::core::{Limits, Optimizer, RunSpec, Schedule, Surface, Value, run};
use serde_json::Value as Json;

const REL: f64 = 1e-10;
const ABS: f64 = 1e-12;

fn cases() -> Vec<Json> {
    let text = include_str!("data/torch_optim.json");
    serde_json::from_str::<Json>(text)
        .expect("reference file is JSON")
        .as_array()
        .expect("a list of cases")
        .clone()
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

/// torch's class and hyperparameters as an optplay kind with settings, through the registry:
/// every key the kind declares is read from the case under torch's name.
fn optimizer(o: &Json) -> Arc<dyn Optimizer> {
    let name = match o["name"].as_str().unwrap() {
        "SGD" => "sgd",
        "Adagrad" => "adagrad",
        "RMSprop" => "rmsprop",
        "Adam" if o["decoupled_weight_decay"].as_bool() == Some(true) => "adamw",
        "Adam" => "adam",
        "AdamW" => "adamw",
        "NAdam" => {
            assert_ne!(o["decoupled_weight_decay"], true);
            "nadam"
        }
        other => panic!("no optimizer {other} in optplay"),
    };
    let kind = registry::optimizer(name).unwrap();
    let mut settings = kind.defaults();
    for key in kind.keys {
        let given = &o[key.name];
        let value = match settings.get(key.name) {
            _ if given.is_null() => continue,
            Some(Value::Number(_)) => Value::Number(given.as_f64().unwrap()),
            Some(Value::Bool(_)) => Value::Bool(given.as_bool().unwrap()),
            Some(Value::Pair(_)) => {
                Value::Pair([given[0].as_f64().unwrap(), given[1].as_f64().unwrap()])
            }
            other => panic!("{name}.{}: {other:?} not in torch's form", key.name),
        };
        settings.set(key.name, value);
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

#[test]
fn every_reference_trajectory_matches_torch() {
    let cases = cases();
    assert_eq!(cases.len(), 24, "the reference file holds 24 cases");
    let mut failures = Vec::new();
    for case in &cases {
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
            &optplay::core::Cancel::new(),
        );
        assert_eq!(trace.steps(), steps, "{id}: the run stopped early");

        let expected = case["trajectory"].as_array().unwrap();
        let worst_point = expected
            .iter()
            .enumerate()
            .flat_map(|(t, p)| {
                let ours = trace.point(t);
                (0..2).map(move |k| (t, k, ours[k], p[k].as_f64().unwrap()))
            })
            .find(|&(_, _, ours, theirs)| !close(ours, theirs));
        if let Some((t, k, ours, theirs)) = worst_point {
            failures.push(format!(
                "{id}: step {t} coordinate {k}: {ours} vs torch {theirs}"
            ));
        }
        for (t, lr) in case["lr"].as_array().unwrap().iter().enumerate() {
            let theirs = lr.as_f64().unwrap();
            if !close(trace.lr[t], theirs) {
                failures.push(format!(
                    "{id}: lr of step {}: {} vs torch {theirs}",
                    t + 1,
                    trace.lr[t]
                ));
                break;
            }
        }
        for (t, loss) in case["loss"].as_array().unwrap().iter().enumerate() {
            let theirs = loss.as_f64().unwrap();
            if !close(trace.loss[t], theirs) {
                failures.push(format!(
                    "{id}: loss at step {t}: {} vs torch {theirs}",
                    trace.loss[t]
                ));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
