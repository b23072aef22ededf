//! The landscape of a network's path (Li et al., 2018, "Visualizing the Loss Landscape of
//! Neural Nets", §6): the loss on the plane through the final weights spanned by the two
//! directions the path moved along most, with the path projected on it.
//!
//! Millions of directions lead away from the final weights, and two random ones see
//! nothing of the path (random directions in many dimensions are nearly orthogonal to it).
//! The principal directions of the path itself, θᵢ − θ_final, are the plane the optimizer
//! actually crossed: projected on it, the path keeps most of its length, and the share of
//! the path's squared distance each direction explains says how faithful the picture is.
//!
//! The directions are not normalised filter by filter (Li et al. do that for random
//! directions, not for the path's): a coordinate is a true distance in parameter space.
//!
//! Pure: the caller gives the path (a few dozen to a couple of hundred weight vectors, as
//! `Training::frames` keeps them) and the data; nothing is read or written.

use ndarray::{Array1, Array2, ArrayView1};
use rayon::prelude::*;

use super::data::Dataset;
use super::model::{Network, RunningStats, Workspace};
use crate::core::linalg::symmetric_eigen;
use crate::core::{Grid, Window};

/// Below this share of the first direction's variance, a second direction is rounding: the
/// path lies on a line.
const FLAT: f64 = 1e-12;
/// The margin around the projected path, as a share of its longer side: the landscape
/// beyond the path's ends shows whether the end sits in a basin.
const MARGIN: f64 = 0.15;

/// The plane of a path's two principal directions through its end.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPlane {
    /// The path's last point, θ_final: the plane's origin.
    pub origin: Array1<f64>,
    /// Orthonormal: the first and second principal directions of θᵢ − θ_final, each signed
    /// so that the path's start has a coordinate ≤ 0 along it.
    pub directions: [Array1<f64>; 2],
    /// The share of Σᵢ |θᵢ − θ_final|² along each direction, in [0, 1].
    pub explained: [f64; 2],
    /// Every point of the path in the plane's coordinates, in order; the end is (0, 0).
    pub path: Vec<[f64; 2]>,
}

/// Why a path has no plane to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPlane {
    /// Every point is the end: the weights never moved (a run that diverged at its first
    /// step keeps only its initial weights).
    NeverMoved,
    /// The points lie on one line through the end (two distinct points always do: Newton
    /// converging in one step), so there is no second direction.
    OnALine {
        /// How many points follow a different one.
        distinct: usize,
    },
    /// A point or its distance to the end is not a finite number.
    NotFinite,
}

impl PathPlane {
    /// The plane of `path` (its points in order; the last is the end it passes through).
    pub fn of_path(path: &[ArrayView1<'_, f64>]) -> Result<PathPlane, NoPlane> {
        let Some(end) = path.last() else {
            return Err(NoPlane::NeverMoved);
        };
        let dim = end.len();
        let distinct = 1 + path.windows(2).filter(|w| w[0] != w[1]).count();
        let mut offsets = Array2::<f64>::zeros((path.len(), dim));
        for (mut row, point) in offsets.rows_mut().into_iter().zip(path) {
            row.assign(&(point - end));
        }
        // Worked on at unit scale, so that squares neither overflow (a diverged run's last
        // finite weights may be 1e150) nor underflow (a learning rate of 1e-300 moves the
        // weights by as little); coordinates are scaled back at the end.
        let scale = offsets.iter().fold(0.0f64, |s, d| s.max(d.abs()));
        if scale == 0.0 {
            return Err(NoPlane::NeverMoved);
        }
        if !scale.is_finite() {
            return Err(NoPlane::NotFinite);
        }
        offsets /= scale;
        // The right singular vectors of the offsets through the small Gram matrix: with
        // G = D Dᵀ = U Λ Uᵀ, the principal directions are Dᵀ uₖ / √λₖ.
        let gram = offsets.dot(&offsets.t());
        let total: f64 = gram.diag().sum();
        let (values, vectors) = symmetric_eigen(gram.view());
        let on_a_line = Err(NoPlane::OnALine { distinct });
        // A second direction carrying (to rounding) nothing, or NaN, makes no plane.
        let planar = values.len() >= 2
            && values[0] > 0.0
            && values[0].is_finite()
            && values[1] > FLAT * values[0];
        if !planar {
            return on_a_line;
        }
        let mut first = offsets.t().dot(&vectors.column(0));
        normalise(&mut first);
        let mut second = offsets.t().dot(&vectors.column(1));
        // Orthogonal to the first to rounding already; made so exactly.
        let along = second.dot(&first);
        second.scaled_add(-along, &first);
        if !normalise(&mut second) {
            return on_a_line;
        }
        let start = offsets.row(0);
        for direction in [&mut first, &mut second] {
            if start.dot(direction) > 0.0 {
                direction.mapv_inplace(|v| -v);
            }
        }
        let coordinates =
            |row: ArrayView1<'_, f64>| [row.dot(&first) * scale, row.dot(&second) * scale];
        let mut coordinates: Vec<[f64; 2]> = offsets.rows().into_iter().map(coordinates).collect();
        if let Some(last) = coordinates.last_mut() {
            *last = [0.0, 0.0];
        }
        Ok(PathPlane {
            origin: end.to_owned(),
            explained: [values[0] / total, values[1] / total],
            directions: [first, second],
            path: coordinates,
        })
    }

    /// The weights at `(a, b)` on the plane: θ_final + a·d₁ + b·d₂, into `out`.
    pub fn point_into(&self, [a, b]: [f64; 2], out: &mut Array1<f64>) {
        out.assign(&self.origin);
        out.scaled_add(a, &self.directions[0]);
        out.scaled_add(b, &self.directions[1]);
    }

    /// The part of the plane to look at with `side × side` samples: the projected path with
    /// a margin, its sample positions chosen so that one of them is the origin (the final
    /// weights' loss is then a sample, not an interpolation).
    pub fn window(&self, side: usize) -> Window {
        let side = side.max(3);
        let (mut lo, mut hi) = ([0.0f64; 2], [0.0f64; 2]);
        for p in &self.path {
            for axis in 0..2 {
                if p[axis].is_finite() {
                    lo[axis] = lo[axis].min(p[axis]);
                    hi[axis] = hi[axis].max(p[axis]);
                }
            }
        }
        let longer = (hi[0] - lo[0]).max(hi[1] - lo[1]);
        let margin = if longer > 0.0 { MARGIN * longer } else { 1.0 };
        let range = |axis: usize| {
            let (lo, hi) = (lo[axis] - margin, hi[axis] + margin);
            // One step to spare: moving the first sample down onto the origin's lattice
            // costs at most one step at the top.
            let step = (hi - lo) / (side - 2) as f64;
            let first = (lo / step).floor() * step;
            [first, first + (side - 1) as f64 * step]
        };
        Window {
            x: range(0),
            y: range(1),
        }
    }
}

/// Scales `v` to unit length; false (and `v` untouched) when it has none.
fn normalise(v: &mut Array1<f64>) -> bool {
    let norm = v.dot(v).sqrt();
    if norm > 0.0 && norm.is_finite() {
        *v /= norm;
        true
    } else {
        false
    }
}

/// The mean cross-entropy of `network` on `set` (evaluation mode, batch norm on `stats`, no
/// penalty: the history's `train_loss`) at `side × side` points of `window` on `plane`,
/// corners included, as a [`Grid`] (row by row from the bottom). Rows are shared among
/// rayon's threads; the values do not depend on how. Where the loss is not a number (the
/// scores overflowed, far out on the plane) the grid holds +∞: higher than anything.
pub fn loss_grid(
    plane: &PathPlane,
    network: &Network,
    set: &Dataset,
    stats: &RunningStats,
    window: Window,
    side: usize,
) -> Grid {
    let side = side.max(2);
    let step = |range: [f64; 2]| (range[1] - range[0]) / (side - 1) as f64;
    let (dx, dy) = (step(window.x), step(window.y));
    let mut values = vec![0.0; side * side];
    values.par_chunks_mut(side).enumerate().for_each_init(
        || (Workspace::default(), Array1::zeros(plane.origin.len())),
        |(workspace, weights), (j, row)| {
            let b = window.y[0] + j as f64 * dy;
            for (i, value) in row.iter_mut().enumerate() {
                plane.point_into([window.x[0] + i as f64 * dx, b], weights);
                let loss = network
                    .evaluate(
                        weights.view(),
                        set.features.view(),
                        &set.labels,
                        stats,
                        workspace,
                    )
                    .loss;
                *value = if loss.is_nan() && !set.is_empty() {
                    f64::INFINITY
                } else {
                    loss
                };
            }
        },
    );
    Grid {
        window,
        nx: side,
        ny: side,
        values,
    }
}

/// The sample of `grid` nearest `(x, y)`: for the tests and for reading the end's loss.
pub fn nearest_sample(grid: &Grid, [x, y]: [f64; 2]) -> f64 {
    let index = |v: f64, range: [f64; 2], n: usize| {
        let t = (v - range[0]) / (range[1] - range[0]) * (n - 1) as f64;
        (t.round().max(0.0) as usize).min(n - 1)
    };
    grid.at(
        index(x, grid.window.x, grid.nx),
        index(y, grid.window.y, grid.ny),
    )
}

#[cfg(test)]
mod tests;
