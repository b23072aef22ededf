//! The path's plane on paths whose plane is known, the honest refusals, and the loss grid
//! against the training's own history.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::core::network::data::{self, Augment, DataSpec, SPIRAL};
use crate::core::network::model::{Activation, Architecture, Init, Regularisation};
use crate::core::network::train::{Trained, Training, train};
use crate::core::optim::sgd::Sgd;
use crate::core::run::RunSpec;
use crate::core::{Cancel, Schedule};

fn views(points: &[Array1<f64>]) -> Vec<ArrayView1<'_, f64>> {
    points.iter().map(|p| p.view()).collect()
}

/// Two orthonormal directions in 40 dimensions and a point off the origin.
fn frame() -> (Array1<f64>, Array1<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let end = Array1::from_shape_simple_fn(40, || rng.random::<f64>() - 0.5);
    let mut u = Array1::from_shape_simple_fn(40, || rng.random::<f64>() - 0.5);
    u /= u.dot(&u).sqrt();
    let mut w = Array1::from_shape_simple_fn(40, || rng.random::<f64>() - 0.5);
    let along = w.dot(&u);
    w.scaled_add(-along, &u);
    w /= w.dot(&w).sqrt();
    (end, u, w)
}

#[test]
fn a_path_in_a_known_plane_is_found_with_its_coordinates() {
    let (end, u, w) = frame();
    // A spiral into the end, wider along u than along w.
    let coordinates: Vec<[f64; 2]> = (0..60)
        .map(|k| {
            let t = 1.0 - k as f64 / 59.0;
            let angle = 6.0 * t;
            [-3.0 * t * angle.cos() - 2.0 * t, t * angle.sin()]
        })
        .collect();
    let path: Vec<Array1<f64>> = coordinates
        .iter()
        .map(|&[a, b]| &end + &(a * &u) + &(b * &w))
        .collect();
    let plane = PathPlane::of_path(&views(&path)).expect("a plane");
    // The plane is u and w's: each direction lies in it, at unit length, orthogonal.
    for d in &plane.directions {
        let inside = d.dot(&u).powi(2) + d.dot(&w).powi(2);
        assert!((inside - 1.0).abs() < 1e-10, "{inside}");
    }
    assert!(plane.directions[0].dot(&plane.directions[1]).abs() < 1e-12);
    // All of the path lies in the plane: the two shares add up to one, the first larger.
    let [first, second] = plane.explained;
    assert!((first + second - 1.0).abs() < 1e-10, "{first} + {second}");
    assert!(first > second && second > 0.01, "{first}, {second}");
    // Distances in the plane are distances in parameter space.
    for (p, q) in plane.path.iter().zip(&path) {
        let d = q - &end;
        assert!((p[0].hypot(p[1]) - d.dot(&d).sqrt()).abs() < 1e-10);
    }
    // The end is the origin, exactly; the start lies on the negative side of both axes.
    assert_eq!(plane.path.last(), Some(&[0.0, 0.0]));
    assert!(plane.path[0][0] <= 0.0 && plane.path[0][1] <= 0.0);
    assert_eq!(plane.path.len(), path.len());
}

#[test]
fn a_path_along_a_line_explains_all_in_one_direction() {
    let (end, u, w) = frame();
    // Along u, with a wobble a thousandth as wide along w.
    let path: Vec<Array1<f64>> = (0..40)
        .map(|k| {
            let t = 1.0 - k as f64 / 39.0;
            &end + &((-5.0 * t) * &u) + &((1e-3 * (9.0 * t).sin()) * &w)
        })
        .collect();
    let plane = PathPlane::of_path(&views(&path)).expect("a plane");
    assert!(plane.explained[0] > 0.999_999, "{:?}", plane.explained);
    assert!(plane.directions[0].dot(&u).abs() > 1.0 - 1e-6);
    // Exactly on the line there is no second direction to draw.
    let straight: Vec<Array1<f64>> = (0..40).map(|k| &end + &((k as f64 - 39.0) * &u)).collect();
    assert_eq!(
        PathPlane::of_path(&views(&straight)),
        Err(NoPlane::OnALine { distinct: 40 })
    );
}

#[test]
fn paths_without_a_plane_say_why() {
    let (end, u, _) = frame();
    assert_eq!(PathPlane::of_path(&[]), Err(NoPlane::NeverMoved));
    assert_eq!(
        PathPlane::of_path(&views(std::slice::from_ref(&end))),
        Err(NoPlane::NeverMoved)
    );
    assert_eq!(
        PathPlane::of_path(&views(&[end.clone(), end.clone(), end.clone()])),
        Err(NoPlane::NeverMoved)
    );
    // Newton done in one step: the start, then the end (kept twice).
    let start = &end + &u;
    assert_eq!(
        PathPlane::of_path(&views(&[start, end.clone(), end.clone()])),
        Err(NoPlane::OnALine { distinct: 2 })
    );
    // Weights that are not numbers never make a plane.
    let mut broken = end.clone();
    broken[0] = f64::INFINITY;
    assert_eq!(
        PathPlane::of_path(&views(&[broken, end])),
        Err(NoPlane::NotFinite)
    );
}

#[test]
fn paths_of_any_scale_have_the_same_plane() {
    // A learning rate of 1e-300 moves weights by as little, a diverged run's last finite
    // weights can be 1e150 away: squares of either are out of range of a float.
    let (_, u, w) = frame();
    let path_at = |scale: f64| -> Vec<Array1<f64>> {
        (0..30)
            .map(|k| {
                let t = 1.0 - k as f64 / 29.0;
                (scale * -4.0 * t) * &u + (scale * t * (5.0 * t).sin()) * &w
            })
            .collect()
    };
    let unit = PathPlane::of_path(&views(&path_at(1.0))).expect("a plane");
    for scale in [1e-300, 1e150] {
        let plane = PathPlane::of_path(&views(&path_at(scale))).expect("a plane");
        for k in 0..2 {
            assert!((plane.explained[k] - unit.explained[k]).abs() < 1e-12);
        }
        for (p, q) in plane.path.iter().zip(&unit.path) {
            for k in 0..2 {
                assert!(
                    (p[k] / scale - q[k]).abs() < 1e-9,
                    "{scale}: {p:?} against {q:?}"
                );
            }
        }
    }
}

#[test]
fn the_window_holds_the_path_with_a_margin_and_the_origin_is_a_sample() {
    let plane = PathPlane {
        origin: Array1::zeros(3),
        directions: [Array1::zeros(3), Array1::zeros(3)],
        explained: [0.9, 0.1],
        path: vec![[-7.3, -0.4], [-2.0, 1.1], [0.0, 0.0]],
    };
    for side in [3, 21, 41] {
        let w = plane.window(side);
        for p in &plane.path {
            assert!(w.x[0] < p[0] && p[0] < w.x[1], "{side}: {w:?}");
            assert!(w.y[0] < p[1] && p[1] < w.y[1], "{side}: {w:?}");
        }
        let step = (w.x[1] - w.x[0]) / (side - 1) as f64;
        let origin = -w.x[0] / step;
        assert!((origin - origin.round()).abs() < 1e-9, "{side}: {origin}");
        let step = (w.y[1] - w.y[0]) / (side - 1) as f64;
        let origin = -w.y[0] / step;
        assert!((origin - origin.round()).abs() < 1e-9, "{side}: {origin}");
    }
}

fn sgd(lr: f64, momentum: f64) -> RunSpec {
    RunSpec {
        optimizer: Arc::new(Sgd {
            momentum,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }),
        schedule: Schedule::Constant,
        lr,
    }
}

/// A small ReLU network trained on the spiral, minibatches or full batch, keeping frames.
fn trained(batch_norm: bool, batch: usize) -> (Network, data::Dataset, Trained) {
    let spiral = data::generate(&DataSpec::defaults(&SPIRAL, 0));
    let empty = spiral.subset(&[]);
    let network = Network::new(Architecture {
        inputs: 2,
        hidden: vec![12],
        classes: spiral.classes,
        activation: Activation::Relu,
        batch_norm,
    });
    let training = Training {
        network: &network,
        train: std::borrow::Cow::Borrowed(&spiral),
        validation: &empty,
        regularisation: Regularisation::NONE,
        batch,
        augment: Augment::default(),
        steps: 200,
        record_every: 5,
        seed: 0,
        frames: 30,
        frozen: 0,
        average: None,
        snapshots: Vec::new(),
    };
    let initial = network.init(Init::He, &mut ChaCha8Rng::seed_from_u64(0));
    let run = train(
        &training,
        &sgd(0.2, 0.9),
        initial.view(),
        &Cancel::new(),
        &|_| {},
    );
    (network, spiral, run)
}

#[test]
fn the_grid_at_the_origin_is_the_final_training_loss() {
    for (batch_norm, batch) in [(false, 0), (true, 32)] {
        let (network, spiral, run) = trained(batch_norm, batch);
        let path: Vec<ArrayView1<'_, f64>> = run.frames.iter().map(|f| f.params.view()).collect();
        assert_eq!(run.frames.last().map(|f| f.step), Some(200));
        let plane = PathPlane::of_path(&path).expect("a plane");
        assert!(plane.explained[0] + plane.explained[1] <= 1.0 + 1e-12);
        let window = plane.window(15);
        let grid = loss_grid(&plane, &network, &spiral, &run.stats, window, 15);
        assert_eq!((grid.nx, grid.ny, grid.values.len()), (15, 15, 225));
        let at_end = nearest_sample(&grid, [0.0, 0.0]);
        let last = run.last().expect("rows").train_loss;
        assert!(
            (at_end - last).abs() <= 1e-12 * last,
            "batch norm {batch_norm}: {at_end} against {last}"
        );
        // The start's loss is the first row's, up to how far the start is from a sample:
        // the landscape is higher there than at the end, as the training went downhill.
        let at_start = nearest_sample(&grid, plane.path[0]);
        assert!(at_start > at_end, "{at_start} ≤ {at_end}");
        assert!(grid.values.iter().all(|v| !v.is_nan()));
    }
}
