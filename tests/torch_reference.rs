//! Every torch.optim reference trajectory, replayed through optplay's core.
//!
//! `tests/data/torch_optim.json` was recorded with PyTorch in float64 (see
//! `tests/data/torch_optim.README.md`). Each case is translated from torch's names to optplay's
//! settings and run through the same `run` loop the command line uses; every point and every
//! learning rate must agree to 1e-10 relative (or 1e-12 absolute).

use ndarray::array;
use optplay::core::{
    Adagrad, Adam, Cancel, Limits, NAdam, Optimizer, RmsProp, RunSpec, Schedule, Sgd, Surface, run,
};
use serde_json::Value;

const REL: f64 = 1e-10;
const ABS: f64 = 1e-12;

fn cases() -> Vec<Value> {
    let text = include_str!("data/torch_optim.json");
    serde_json::from_str::<Value>(text)
        .expect("reference file is JSON")
        .as_array()
        .expect("a list of cases")
        .clone()
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

fn surface(s: &Value) -> Surface {
    match s["kind"].as_str().unwrap() {
        "quadratic" => {
            let a = &s["A"];
            let m = |i: usize, j: usize| a[i][j].as_f64().unwrap();
            Surface::Quadratic {
                matrix: [[m(0, 0), m(0, 1)], [m(1, 0), m(1, 1)]],
                center: [0.0, 0.0],
            }
        }
        "rosenbrock" => Surface::Rosenbrock {
            a: f(s, "a"),
            b: f(s, "b"),
        },
        other => panic!("no surface {other} in optplay"),
    }
}

fn optimizer(o: &Value) -> Optimizer {
    let betas = || {
        (
            o["betas"][0].as_f64().unwrap(),
            o["betas"][1].as_f64().unwrap(),
        )
    };
    match o["name"].as_str().unwrap() {
        "SGD" => Optimizer::Sgd(Sgd {
            momentum: f(o, "momentum"),
            dampening: f(o, "dampening"),
            nesterov: o["nesterov"].as_bool().unwrap(),
            weight_decay: f(o, "weight_decay"),
        }),
        "Adagrad" => Optimizer::Adagrad(Adagrad {
            lr_decay: f(o, "lr_decay"),
            initial_accumulator_value: f(o, "initial_accumulator_value"),
            eps: f(o, "eps"),
            weight_decay: f(o, "weight_decay"),
        }),
        "RMSprop" => {
            assert_eq!(f(o, "momentum"), 0.0);
            assert_eq!(o["centered"], false);
            Optimizer::RmsProp(RmsProp {
                alpha: f(o, "alpha"),
                eps: f(o, "eps"),
                weight_decay: f(o, "weight_decay"),
            })
        }
        "Adam" | "AdamW" => Optimizer::Adam(Adam {
            betas: betas(),
            eps: f(o, "eps"),
            weight_decay: f(o, "weight_decay"),
            amsgrad: o["amsgrad"].as_bool().unwrap(),
            decoupled_weight_decay: o["name"] == "AdamW"
                || o["decoupled_weight_decay"].as_bool() == Some(true),
            bias_correction: true,
        }),
        "NAdam" => {
            assert_ne!(o["decoupled_weight_decay"], true);
            Optimizer::NAdam(NAdam {
                betas: betas(),
                eps: f(o, "eps"),
                weight_decay: f(o, "weight_decay"),
                momentum_decay: f(o, "momentum_decay"),
            })
        }
        other => panic!("no optimizer {other} in optplay"),
    }
}

fn schedule(s: &Value) -> Schedule {
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
            &Cancel::new(),
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
