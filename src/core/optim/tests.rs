//! The optimizers' shared checks: every declared kind, and the second-order methods.

use ndarray::array;

use std::sync::Arc;

use super::lbfgs::{Lbfgs, LbfgsSearch};
use super::newton::{Newton, NewtonSearch, make_positive_definite};
use super::*;
use crate::core::objective::Objective;
use crate::core::registry::{OPTIMIZERS, default_surface};
use crate::core::run::{Limits, RunSpec, Status, run};
use crate::core::schedule::Schedule;
use crate::core::surface::quadratic::Quadratic;

fn spec(optimizer: Arc<dyn Optimizer>) -> RunSpec {
    RunSpec {
        optimizer,
        schedule: Schedule::Constant,
        lr: 1.0,
    }
}

fn newton(line_search: NewtonSearch) -> Arc<dyn Optimizer> {
    Arc::new(Newton {
        damping: 0.0,
        line_search,
    })
}

fn lbfgs() -> Arc<dyn Optimizer> {
    Arc::new(Lbfgs {
        history_size: 10,
        line_search: LbfgsSearch::StrongWolfe,
        tolerance_grad: 1e-7,
        tolerance_change: 1e-9,
    })
}

fn limits(steps: u64) -> Limits {
    Limits {
        steps,
        tolerance: None,
    }
}

#[test]
fn newton_lands_on_a_quadratic_minimum_in_one_step() {
    for matrix in [[[1.0, 0.0], [0.0, 20.0]], [[3.0, 1.0], [1.0, 2.0]]] {
        let s = Quadratic {
            matrix,
            center: [0.5, -1.0],
        };
        for search in [NewtonSearch::Backtracking, NewtonSearch::None] {
            let trace = run(
                &s,
                None,
                &spec(newton(search)),
                array![-3.0, 2.0].view(),
                limits(1),
                &crate::core::Cancel::new(),
            );
            let p = trace.last_point();
            assert!(
                (p[0] - 0.5).abs() < 1e-14 && (p[1] + 1.0).abs() < 1e-14,
                "{p:?}"
            );
            assert_eq!(trace.evaluations.hessian, 1);
            assert_eq!(trace.evaluations.gradient, 2);
        }
    }
}

#[test]
fn lbfgs_never_asks_twice_for_a_gradient_it_has() {
    let s = default_surface("rosenbrock").unwrap();
    let trace = run(
        &s,
        None,
        &spec(lbfgs()),
        array![-1.2, 1.0].view(),
        limits(30),
        &crate::core::Cancel::new(),
    );
    let e = trace.evaluations;
    // One value at the start (for the first line search), then one value and one
    // gradient per trial point; the loop's gradient at the start is the only other one.
    assert_eq!(e.value, e.gradient);
    assert_eq!(e.hessian, 0);
    assert_eq!(trace.evaluations_at.len(), trace.len());
    assert_eq!(trace.evaluations_at[0].gradient, 1);
    assert_eq!(*trace.evaluations_at.last().unwrap(), e);
    assert!(
        trace
            .evaluations_at
            .windows(2)
            .all(|w| w[1].gradient > w[0].gradient)
    );
}

#[test]
fn the_shift_makes_an_indefinite_hessian_positive_definite_and_leaves_a_definite_one() {
    let h = array![[2.0, 0.0], [0.0, -1.0]];
    let factors = make_positive_definite(&h).unwrap();
    // (H + τI)⁻¹ e₂ is large: the direction of negative curvature is stretched.
    let d = factors.solve(array![0.0, 1.0].view());
    assert!(d[1] > 100.0, "{d}");
    let pd = array![[2.0, 1.0], [1.0, 3.0]];
    let x = make_positive_definite(&pd)
        .unwrap()
        .solve(array![3.0, 4.0].view());
    assert!(
        (pd.dot(&x) - array![3.0, 4.0])
            .iter()
            .all(|v| v.abs() < 1e-14)
    );
    assert!(make_positive_definite(&array![[f64::NAN, 0.0], [0.0, 1.0]]).is_none());
}

#[test]
fn pure_newton_goes_to_the_saddle_and_the_default_escapes() {
    let s = default_surface("saddle").unwrap();
    let start = array![1.0, 0.3];
    let pure = run(
        &s,
        None,
        &spec(newton(NewtonSearch::None)),
        start.view(),
        limits(50),
        &crate::core::Cancel::new(),
    );
    let p = pure.last_point();
    assert!(p[0].abs() < 1e-12 && p[1].abs() < 1e-12, "{p:?}");
    let safe = run(
        &s,
        None,
        &spec(newton(NewtonSearch::Backtracking)),
        start.view(),
        limits(50),
        &crate::core::Cancel::new(),
    );
    let q = safe.last_point();
    assert!(
        q[0].abs() < 1e-9 && (q[1].abs() - 1.0).abs() < 1e-9,
        "{q:?}"
    );
}

#[test]
fn pure_newton_on_a_singular_hessian_is_divergence_not_a_crash() {
    // f = x² − y²/2 + y⁴/4 has H = diag(2, 3y² − 1): singular at y = 1/√3.
    let s = default_surface("saddle").unwrap();
    let start = array![1.0, 1.0 / 3f64.sqrt()];
    assert!(s.hessian(start.view()).unwrap()[[1, 1]].abs() < 1e-15);
    let trace = run(
        &s,
        None,
        &spec(newton(NewtonSearch::None)),
        start.view(),
        limits(10),
        &crate::core::Cancel::new(),
    );
    assert!(
        matches!(trace.status, Status::Diverged { step: 1 }),
        "{:?}",
        trace.status
    );
    assert!(trace.points.iter().all(|v| v.is_finite()));
}

mod never_silently_non_finite {
    use proptest::prelude::*;

    use super::*;
    use crate::core::registry::built_in_surfaces;

    fn optimizer() -> impl Strategy<Value = Arc<dyn Optimizer>> {
        prop_oneof![
            (any::<bool>(), prop_oneof![Just(0.0), 0.0..10.0f64]).prop_map(|(pure, damping)| {
                Arc::new(Newton {
                    damping,
                    line_search: if pure {
                        NewtonSearch::None
                    } else {
                        NewtonSearch::Backtracking
                    },
                }) as Arc<dyn Optimizer>
            }),
            (1usize..12, any::<bool>()).prop_map(|(history_size, none)| {
                Arc::new(Lbfgs {
                    history_size,
                    line_search: if none {
                        LbfgsSearch::None
                    } else {
                        LbfgsSearch::StrongWolfe
                    },
                    tolerance_grad: 1e-7,
                    tolerance_change: 1e-9,
                }) as Arc<dyn Optimizer>
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn every_point_is_finite_or_the_run_says_diverged(
            surface in 0..built_in_surfaces().count(),
            optimizer in optimizer(),
            log_lr in -3.0..3.0f64,
            x in -50.0..50.0f64,
            y in -50.0..50.0f64,
            noisy in any::<bool>(),
        ) {
            let s = built_in_surfaces().nth(surface).and_then(|k| k.build_default()).unwrap();
            let noise = noisy.then_some(crate::core::noise::GradientNoise { std: 1.0, seed: 3 });
            let spec = RunSpec { optimizer, schedule: Schedule::Constant, lr: 10f64.powf(log_lr) };
            let trace = run(&s, noise, &spec, array![x, y].view(), limits(40), &crate::core::Cancel::new());
            prop_assert!(trace.points.iter().all(|v| v.is_finite()));
            prop_assert!(trace.loss.iter().all(|v| v.is_finite()));
            prop_assert_eq!(trace.evaluations_at.len(), trace.len());
            match trace.status {
                Status::MaxSteps => prop_assert_eq!(trace.steps(), 40),
                Status::Diverged { step } => prop_assert!(trace.steps() <= step),
                // Stopped moving: only gradients that are exact do.
                Status::Converged => {
                    prop_assert!(!noisy, "a noisy run stopped at step {}", trace.steps());
                    prop_assert!(trace.steps() <= 40);
                }
            }
        }
    }
}

#[test]
fn every_kind_is_declared_whole() {
    for (i, kind) in OPTIMIZERS.iter().enumerate() {
        assert!(
            OPTIMIZERS[..i].iter().all(|k| k.name != kind.name),
            "{} twice",
            kind.name
        );
        assert!(
            !kind.title.is_empty() && !kind.lr_doc.is_empty(),
            "{}",
            kind.name
        );
        assert!(!kind.explain.rule.is_empty() && !kind.explain.torch.is_empty());
        for (j, key) in kind.keys.iter().enumerate() {
            assert!(
                !key.doc.is_empty(),
                "{}.{} is not documented",
                kind.name,
                key.name
            );
            assert!(
                kind.keys[..j].iter().all(|k| k.name != key.name),
                "{}.{} twice",
                kind.name,
                key.name
            );
            assert!(
                key.default_value().is_some()
                    || matches!(key.default, crate::core::spec::Default::Absent { .. }),
                "{}.{}: optimizer keys all have defaults (or say what absence means)",
                kind.name,
                key.name
            );
        }
        assert!((kind.check)(&kind.defaults()).is_ok(), "{}", kind.name);
        assert!(kind.fallback_lr > 0.0);
    }
}

#[test]
fn every_config_an_explanation_names_exists() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    for kind in OPTIMIZERS {
        for config in kind.explain.configs {
            assert!(
                dir.join(config).is_file(),
                "{}: configs/{config} is missing",
                kind.name
            );
        }
    }
}

#[test]
fn nesterov_without_momentum_is_refused_by_its_check() {
    let kind = crate::core::registry::optimizer("sgd").unwrap();
    let mut s = kind.defaults();
    s.set("nesterov", crate::core::spec::Value::Bool(true));
    let e = (kind.check)(&s).unwrap_err();
    assert_eq!(e.key, "momentum");
}

#[test]
fn every_rule_on_the_plane_steps_bit_for_bit_as_on_ndarray() {
    use crate::core::spec::Value;
    // Each kind with a plane form, at its defaults and with each option that changes its
    // arithmetic: the run loop takes the plane path for all of these on a surface.
    let number = |key: &'static str, v: f64| (key, Value::Number(v));
    let flag = |key: &'static str| (key, Value::Bool(true));
    let cases: Vec<(&str, Vec<(&str, Value)>)> = vec![
        ("sgd", vec![]),
        ("sgd", vec![number("weight_decay", 0.1)]),
        ("momentum", vec![number("dampening", 0.3)]),
        ("momentum", vec![number("weight_decay", 0.1)]),
        ("nesterov", vec![]),
        ("nesterov", vec![number("weight_decay", 0.1)]),
        ("adagrad", vec![]),
        (
            "adagrad",
            vec![
                number("lr_decay", 0.01),
                number("initial_accumulator_value", 0.5),
                number("weight_decay", 0.1),
            ],
        ),
        ("rmsprop", vec![]),
        ("rmsprop", vec![number("weight_decay", 0.1)]),
        ("rmsprop", vec![flag("centered")]),
        ("rmsprop", vec![number("momentum", 0.9)]),
        ("rmsprop", vec![flag("centered"), number("momentum", 0.5)]),
        ("adam", vec![]),
        ("adam", vec![flag("amsgrad"), number("weight_decay", 0.1)]),
        ("adam", vec![number("betas", 0.6)]),
        ("adamw", vec![]),
        ("adamw", vec![flag("amsgrad")]),
    ];
    let surface = Quadratic {
        matrix: [[1.0, 0.0], [0.0, 20.0]],
        center: [0.0, 0.0],
    };
    for (name, settings) in cases {
        let kind = crate::core::registry::optimizer(name).unwrap();
        let mut values = kind.defaults();
        for (key, value) in &settings {
            let value = match (key, value) {
                // Both betas: a first one of 0.6 takes torch's other form of lerp.
                (&"betas", Value::Number(b1)) => Value::Pair([*b1, 0.99]),
                _ => value.clone(),
            };
            values.set(key, value);
        }
        let optimizer = (kind.build)(&values);
        let mut on_plane = optimizer.start_plane().expect("a first-order rule");
        let mut general = optimizer.start(2);
        let mut problem = Counted::new(&surface);
        let (mut plane, mut params) = ([-3.0, 2.0], array![-3.0, 2.0]);
        // Gradients of both signs, a zero of each sign and a large one, with the lr changing.
        for t in 0..60 {
            let s = t as f64;
            let grad = match t % 7 {
                3 => [0.0, -0.0],
                5 => [1e3 * s, -2.5],
                _ => [(0.7 * s).sin() * 4.0, (1.3 * s).cos() - 0.2],
            };
            let lr = 0.01 * (1.0 + (t % 3) as f64);
            on_plane.step(&mut plane, grad, lr);
            let outcome = general.step(
                &mut params,
                array![grad[0], grad[1]].view(),
                lr,
                &mut problem,
            );
            assert_eq!(outcome, StepOutcome::default());
            assert_eq!(
                plane.map(f64::to_bits),
                [params[0].to_bits(), params[1].to_bits()],
                "{name} {settings:?} at step {t}"
            );
        }
    }
}
