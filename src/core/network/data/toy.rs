//! The toy generators: 2-D points, rows grouped by class. Each draws from its own ChaCha8
//! stream seeded with the spec's seed; Gaussian noise is `noise * z` with z standard normal,
//! so noise 0 gives the exact geometry (and the stream is drawn all the same, so the other
//! draws do not depend on the noise).

use std::f64::consts::PI;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Dataset;

/// The distance from the axes xor keeps its points (before the noise).
pub(super) const XOR_MARGIN: f64 = 0.05;

/// The radius of make_circles' inner circle (scikit-learn's `factor`).
pub(super) const CIRCLES_FACTOR: f64 = 0.5;

/// The radius of the circle the Gaussian blobs' centres sit on: two blobs 1.5 apart with the
/// default std 0.5 overlap by about 7% (Φ(−1.5)), learnable but not separable point by point.
pub(super) const GAUSSIANS_RADIUS: f64 = 0.75;

/// `total` split into `parts` sizes as equal as possible: the first `total % parts` parts get
/// one more, so the sizes add up to `total` exactly.
pub(super) fn split_evenly(total: usize, parts: usize) -> Vec<usize> {
    let parts = parts.max(1);
    (0..parts)
        .map(|part| total / parts + usize::from(part < total % parts))
        .collect()
}

/// numpy's `linspace(start, stop, n)[i]`, with numpy's arithmetic (`i * step + start`, the
/// last value exactly `stop`), so the case study's spiral is reproduced to the bit.
pub(super) fn linspace(start: f64, stop: f64, n: usize, i: usize) -> f64 {
    if n <= 1 {
        start
    } else if i == n - 1 {
        stop
    } else {
        i as f64 * ((stop - start) / (n - 1) as f64) + start
    }
}

/// numpy's `linspace(start, stop, n, endpoint=False)[i]`, as make_circles uses it.
fn linspace_open(start: f64, stop: f64, n: usize, i: usize) -> f64 {
    i as f64 * ((stop - start) / n.max(1) as f64) + start
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// Adds `noise * N(0, 1)` to both coordinates of every point, in row order.
fn add_noise(points: &mut [[f64; 2]], noise: f64, rng: &mut ChaCha8Rng) {
    for point in points {
        for coordinate in point {
            *coordinate += noise * normal(rng);
        }
    }
}

/// Labels for rows grouped by class: `sizes[c]` copies of `c`, in class order.
fn grouped_labels(sizes: &[usize]) -> Vec<usize> {
    sizes
        .iter()
        .enumerate()
        .flat_map(|(class, &size)| std::iter::repeat_n(class, size))
        .collect()
}

/// The case study's spiral: arm j has r = linspace(0, 1, N), t = linspace(4j, 4(j+1), N) +
/// noise·N(0, 1) and x = (r sin t, r cos t); the angle noise of arm j is drawn before arm j+1's.
pub(super) fn spiral(points: usize, arms: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sizes = split_evenly(points, arms);
    let mut rows = Vec::with_capacity(points);
    for (arm, &n) in sizes.iter().enumerate() {
        let (start, stop) = (4.0 * arm as f64, 4.0 * (arm + 1) as f64);
        for i in 0..n {
            let r = linspace(0.0, 1.0, n, i);
            let t = linspace(start, stop, n, i) + normal(&mut rng) * noise;
            rows.push([r * t.sin(), r * t.cos()]);
        }
    }
    Dataset::from_points(&rows, grouped_labels(&sizes), sizes.len())
}

/// make_moons: points / 2 on the outer half circle (class 0), the rest on the inner one.
pub(super) fn moons(points: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sizes = [points / 2, points - points / 2];
    let outer = (0..sizes[0]).map(|i| {
        let s = linspace(0.0, PI, sizes[0], i);
        [s.cos(), s.sin()]
    });
    let inner = (0..sizes[1]).map(|i| {
        let s = linspace(0.0, PI, sizes[1], i);
        [1.0 - s.cos(), 1.0 - s.sin() - 0.5]
    });
    let mut rows: Vec<[f64; 2]> = outer.chain(inner).collect();
    add_noise(&mut rows, noise, &mut rng);
    Dataset::from_points(&rows, grouped_labels(&sizes), 2)
}

/// make_circles with factor 0.5: points / 2 on the unit circle (class 0), the rest on the
/// circle of radius 0.5, each evenly spaced in [0, 2π).
pub(super) fn circles(points: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sizes = [points / 2, points - points / 2];
    let mut rows = Vec::with_capacity(points);
    for (class, &n) in sizes.iter().enumerate() {
        let radius = if class == 0 { 1.0 } else { CIRCLES_FACTOR };
        for i in 0..n {
            let s = linspace_open(0.0, 2.0 * PI, n, i);
            rows.push([radius * s.cos(), radius * s.sin()]);
        }
    }
    add_noise(&mut rows, noise, &mut rng);
    Dataset::from_points(&rows, grouped_labels(&sizes), 2)
}

/// xor: each coordinate's size uniform in [margin, 1] and its sign such that x·y > 0 for
/// class 0 and < 0 for class 1 (x's sign a fair coin), so the classes are exactly balanced
/// and each is uniform over its two quadrants; then the Gaussian jitter.
pub(super) fn xor(points: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sizes = [points - points / 2, points / 2];
    let labels = grouped_labels(&sizes);
    let mut rows: Vec<[f64; 2]> = labels
        .iter()
        .map(|&class| {
            let x_sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
            let y_sign = if class == 0 { x_sign } else { -x_sign };
            [x_sign * xor_size(&mut rng), y_sign * xor_size(&mut rng)]
        })
        .collect();
    add_noise(&mut rows, noise, &mut rng);
    Dataset::from_points(&rows, labels, 2)
}

/// A coordinate's distance from the axis in xor: uniform in [margin, 1].
fn xor_size(rng: &mut ChaCha8Rng) -> f64 {
    XOR_MARGIN + (1.0 - XOR_MARGIN) * rng.random::<f64>()
}

/// Gaussian blobs: class k centred at 0.75·(cos 2πk/K, sin 2πk/K), std = noise.
pub(super) fn gaussians(points: usize, classes: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sizes = split_evenly(points, classes);
    let mut rows = Vec::with_capacity(points);
    for (class, &n) in sizes.iter().enumerate() {
        let angle = 2.0 * PI * class as f64 / sizes.len() as f64;
        let centre = [
            GAUSSIANS_RADIUS * angle.cos(),
            GAUSSIANS_RADIUS * angle.sin(),
        ];
        rows.extend(std::iter::repeat_n(centre, n));
    }
    add_noise(&mut rows, noise, &mut rng);
    Dataset::from_points(&rows, grouped_labels(&sizes), sizes.len())
}
