//! The synthetic scenes the network figures are tested and looked at with: runs that learn
//! at different speeds and overfit by different gaps, blobs of classes on a circle with the
//! model's softmax over them, and digits runs with their confusions and wrong images.

use super::super::*;

/// A run of `steps` steps recorded every 10: the loss falls from ln 10 towards a floor, the
/// accuracy rises; validation trails training by `gap` (0: none), growing as the run
/// overfits. `speed` > 1 learns faster.
pub(super) fn run(label: &str, steps: u64, speed: f64, gap: f64, validation: bool) -> NetRun {
    let rows: Vec<u64> = (0..=steps / 10).map(|k| k * 10).collect();
    let progress = |t: u64| 1.0 - (-(t as f64) * speed / 300.0).exp();
    let train_loss: Vec<f64> = rows
        .iter()
        .map(|&t| 2.3 * (1.0 - progress(t)) + 0.04 / speed)
        .collect();
    let train_accuracy: Vec<f64> = rows
        .iter()
        .map(|&t| 0.1 + 0.88 * progress(t).powf(0.7))
        .collect();
    let overfit = |t: u64| gap * (t as f64 / steps as f64);
    let (val_loss, val_accuracy) = if validation {
        (
            train_loss
                .iter()
                .zip(&rows)
                .map(|(l, &t)| l + 0.05 + 1.5 * overfit(t))
                .collect(),
            train_accuracy
                .iter()
                .zip(&rows)
                .map(|(a, &t)| (a - 0.02 - overfit(t)).max(0.0))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    NetRun {
        label: label.to_string(),
        legend: format!("{label} (lr=0.01)"),
        steps: rows,
        train_loss,
        val_loss,
        train_accuracy,
        val_accuracy,
        diverged_at: None,
        averaged: None,
        snapshots: Vec::new(),
    }
}

/// `run` cut off at `step`, its loss climbing steeply over the last rows before it.
pub(super) fn diverged(label: &str, step: u64) -> NetRun {
    let mut r = run(label, 2000, 2.0, 0.1, true);
    let keep = (step / 10) as usize;
    r.steps.truncate(keep);
    for v in [
        &mut r.train_loss,
        &mut r.val_loss,
        &mut r.train_accuracy,
        &mut r.val_accuracy,
    ] {
        v.truncate(keep);
    }
    for k in keep.saturating_sub(5)..keep {
        let climb = 10f64.powi((k + 6 - keep) as i32);
        r.train_loss[k] *= climb;
        r.val_loss[k] *= climb;
        r.train_accuracy[k] = 0.3;
        r.val_accuracy[k] = 0.28;
    }
    r.diverged_at = Some(step);
    r
}

pub(super) fn curves_scene(runs: Vec<NetRun>) -> CurvesScene {
    CurvesScene {
        title: "spiral".into(),
        runs,
        width: 1000,
        height: 800,
        scale: 1.0,
        log_x: false,
    }
}

/// Seven runs: different speeds and gaps, one diverging.
pub(super) fn seven_runs() -> Vec<NetRun> {
    let mut runs: Vec<NetRun> = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
        .iter()
        .enumerate()
        .map(|(k, name)| run(name, 2000, 0.5 + k as f64 * 0.4, 0.04 * k as f64, true))
        .collect();
    runs.push(diverged("sgd lr=1", 600));
    runs
}

/// `classes` blobs on a circle, `per_class` points each, training points on the blob and
/// validation points between them; the model's probabilities a softmax of the negative
/// squared distance to each blob's centre, sharper with `sharpness`. A point is predicted by
/// that softmax, and the first training point of class 1 is mislabelled on purpose.
pub(super) fn boundary_panel(
    label: &str,
    classes: usize,
    per_class: usize,
    sharpness: f64,
    with_validation: bool,
) -> BoundaryPanel {
    let centre = |c: usize| {
        let a = std::f64::consts::TAU * c as f64 / classes as f64;
        [1.2 * a.cos(), 1.2 * a.sin()]
    };
    let softmax = |p: [f64; 2]| {
        let scores: Vec<f64> = (0..classes)
            .map(|c| {
                let q = centre(c);
                -sharpness * ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2))
            })
            .collect();
        let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
        let sum: f64 = e.iter().sum();
        e.into_iter().map(|v| v / sum).collect::<Vec<f64>>()
    };
    let argmax = |p: [f64; 2]| {
        let s = softmax(p);
        (0..classes)
            .max_by(|&a, &b| s[a].total_cmp(&s[b]))
            .unwrap_or(0)
    };
    let [nx, ny] = [60, 50];
    let mut probabilities = Vec::with_capacity(nx * ny * classes);
    for iy in 0..ny {
        for ix in 0..nx {
            let p = [
                -2.0 + 4.0 * (ix as f64 + 0.5) / nx as f64,
                -2.0 + 4.0 * (iy as f64 + 0.5) / ny as f64,
            ];
            probabilities.extend(softmax(p).into_iter().map(|v| v as f32));
        }
    }
    let point = |c: usize, k: usize, spread: f64| {
        let a = k as f64 * 2.4;
        let q = centre(c);
        // Blobs shrink as more share the circle.
        let r = spread * (0.15 + 0.07 * k as f64) * 3.0 / classes.max(3) as f64;
        let at = [q[0] + r * a.cos(), q[1] + r * a.sin()];
        LabelledPoint {
            at,
            label: c,
            predicted: argmax(at),
        }
    };
    let mut train: Vec<LabelledPoint> = (0..classes)
        .flat_map(|c| (0..per_class).map(move |k| (c, k)))
        .map(|(c, k)| point(c, k, 1.0))
        .collect();
    // A point of class 1 lying in class 0's blob: misclassified whatever the model learns.
    if classes > 1 {
        train.push(LabelledPoint {
            at: centre(0),
            label: 1,
            predicted: argmax(centre(0)),
        });
    }
    let validation: Vec<LabelledPoint> = if with_validation {
        (0..classes)
            .flat_map(|c| (0..per_class / 2).map(move |k| (c, k)))
            .map(|(c, k)| point(c, k + per_class, 0.9))
            .collect()
    } else {
        Vec::new()
    };
    let accuracy = |set: &[LabelledPoint]| {
        set.iter().filter(|p| p.label == p.predicted).count() as f64 / set.len().max(1) as f64
    };
    BoundaryPanel {
        label: label.to_string(),
        legend: format!("{label} (lr=0.1)"),
        resolution: [nx, ny],
        accuracy: [
            accuracy(&train),
            if with_validation {
                accuracy(&validation)
            } else {
                f64::NAN
            },
        ],
        probabilities,
        train,
        validation,
    }
}

pub(super) fn boundary_scene(classes: usize, panels: usize, validation: bool) -> BoundaryScene {
    let (width, height) = boundaries_canvas(panels);
    BoundaryScene {
        title: "gaussians".into(),
        classes,
        window: [[-2.0, 2.0], [-2.0, 2.0]],
        panels: (0..panels)
            .map(|k| {
                let name = ["sgd", "momentum", "adam", "rmsprop", "adagrad"][k % 5];
                boundary_panel(name, classes, 8, 0.5 + k as f64, validation)
            })
            .collect(),
        width,
        height,
        scale: 1.0,
        caption: None,
    }
}

/// An 8×8 image of a stroke: a ring for even digits, a bar for odd ones, shifted by `k`.
pub(super) fn image(digit: usize, k: usize) -> Vec<f64> {
    (0..64)
        .map(|p| {
            let (x, y) = ((p % 8) as f64 - 3.5, (p / 8) as f64 - 3.5);
            let shift = (k % 3) as f64 * 0.5;
            if digit.is_multiple_of(2) {
                let r = (x - shift).hypot(y);
                (1.0 - (r - 2.5).abs()).clamp(0.0, 1.0)
            } else {
                (1.0 - (x - shift + 0.3 * y).abs()).clamp(0.0, 1.0)
            }
        })
        .collect()
}

/// A run on the digits: about `right` of each digit's 36 images right, the rest mistaken for
/// the next digit or two on.
pub(super) fn digits_panel(label: &str, right: f64, wrong_shown: usize) -> DigitsPanel {
    let confusion: Vec<Vec<usize>> = (0..10)
        .map(|t| {
            let correct = (36.0 * right).round() as usize + t % 3;
            let mut row = vec![0; 10];
            row[t] = correct;
            let rest = 36usize.saturating_sub(correct);
            row[(t + 1) % 10] += rest.div_ceil(2);
            row[(t + 3) % 10] += rest / 2;
            row
        })
        .collect();
    let misclassified = (0..wrong_shown)
        .map(|k| Misclassified {
            pixels: image(k % 10, k),
            label: k % 10,
            predicted: (k % 10 + 1) % 10,
        })
        .collect();
    DigitsPanel {
        label: label.to_string(),
        confusion,
        misclassified,
    }
}

pub(super) fn digits_scene(panels: usize) -> DigitsScene {
    let (width, height) = digits_canvas(panels);
    DigitsScene {
        title: "digits".into(),
        panels: (0..panels)
            .map(|k| {
                digits_panel(
                    ["sgd", "adam", "rmsprop", "momentum"][k % 4],
                    0.9 - 0.1 * k as f64,
                    30,
                )
            })
            .collect(),
        width,
        height,
        scale: 1.0,
    }
}
