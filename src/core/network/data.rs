//! The data of a network experiment: labelled points or images, where they come from (a
//! generator, the embedded digits, or a CSV's text), the stratified validation split, the
//! minibatches of each epoch and training-time augmentation.
//!
//! Everything random draws from a `ChaCha8Rng` seeded with `seed_from_u64`: ChaCha8 is
//! specified bit for bit, so the same recipe and seed give the same bytes on every machine
//! and every release, and a different seed gives different data.

use ndarray::{Array2, Axis};

mod augment;
mod digits;
mod kinds;
mod points_csv;
mod split;
mod toy;

pub use augment::{Augment, augment};
pub use digits::{DIGITS_IMAGES, DigitsError, digits};
pub use kinds::{
    CIRCLES, Classes, DATASETS, DIGITS, DatasetKind, GAUSSIANS, MOONS, SPIRAL, XOR, dataset_kind,
};
pub use points_csv::{CsvError, parse_csv};
pub use split::{Batches, stratified_split, stratified_subset};

use kinds::Generator;

/// Labelled points or images: row i of `features` has label `labels[i]` < `classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// One example a row: a point's coordinates, or an image's pixels row-major.
    pub features: Array2<f64>,
    /// The class of each row, `0..classes`.
    pub labels: Vec<usize>,
    /// How many classes the classifier tells apart (a subset may lack some of them).
    pub classes: usize,
    /// `Some([height, width])` when each row is an image (digits: `[8, 8]`), so that
    /// augmentation shifts pixels instead of moving points.
    pub image: Option<[usize; 2]>,
}

impl Dataset {
    /// The number of examples (rows).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no example at all.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The number of features of each example: the network's input width.
    pub fn inputs(&self) -> usize {
        self.features.ncols()
    }

    /// How many examples each class has, indexed by class (`classes` entries).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &label in &self.labels {
            if let Some(count) = counts.get_mut(label) {
                *count += 1;
            }
        }
        counts
    }

    /// The examples at `rows`, in that order, with the same classes and image shape.
    ///
    /// Rows come from this module's splits and batches, never from a user; an index past the
    /// end is a programming error and panics (ndarray's bounds check).
    pub fn subset(&self, rows: &[usize]) -> Dataset {
        Dataset {
            features: self.features.select(Axis(0), rows),
            labels: rows.iter().map(|&row| self.labels[row]).collect(),
            classes: self.classes,
            image: self.image,
        }
    }

    /// Only the examples labelled one of `labels`, relabelled by their place in it (the
    /// digits 5–9 as classes 0–4), rows in their original order: a transfer target's task.
    /// Labels this dataset does not have select nothing.
    pub fn keep_labels(&self, labels: &[usize]) -> Dataset {
        let rows: Vec<usize> = (0..self.len())
            .filter(|&row| labels.contains(&self.labels[row]))
            .collect();
        let mut kept = self.subset(&rows);
        for label in &mut kept.labels {
            *label = labels.iter().position(|l| l == label).unwrap_or(0);
        }
        kept.classes = labels.len();
        kept
    }

    /// A dataset of 2-D points (the toy generators' output).
    fn from_points(points: &[[f64; 2]], labels: Vec<usize>, classes: usize) -> Dataset {
        Dataset {
            features: Array2::from_shape_fn((points.len(), 2), |(row, axis)| points[row][axis]),
            labels,
            classes,
            image: None,
        }
    }
}

/// A generated dataset's recipe (the toy kinds and digits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataSpec {
    /// Which generator.
    pub kind: &'static DatasetKind,
    /// The TOTAL number of examples, whatever the number of classes.
    pub points: usize,
    /// Spiral arms or Gaussian blobs; ignored by kinds with a fixed number of classes.
    pub classes: usize,
    /// The kind's noise (its `explain` says what it is: a standard deviation for all of them).
    pub noise: f64,
    /// The seed of the generator's stream (and of digits' subset when `points` < 1797).
    pub seed: u64,
}

impl DataSpec {
    /// `kind` with every setting at its default.
    pub fn defaults(kind: &'static DatasetKind, seed: u64) -> DataSpec {
        DataSpec {
            kind,
            points: kind.default_points,
            classes: kind.classes.default_count(),
            noise: kind.default_noise,
            seed,
        }
    }
}

/// The dataset `spec` describes, rows grouped by class (class 0's rows first, each class's in
/// the generator's order; digits keep the file's order). Minibatches are drawn in a seeded
/// order, so the grouping never reaches the optimizer; it keeps the files and figures easy to
/// read and matches the case study's layout.
///
/// Never panics: the configuration checks every value against the kind's declaration first,
/// and values outside it are brought into it here (points and classes clamped to their
/// ranges, a noise clamped to its range, a NaN noise read as the default).
pub fn generate(spec: &DataSpec) -> Dataset {
    let kind = spec.kind;
    let points = spec.points.clamp(kind.points_range.0, kind.points_range.1);
    let classes = kind.classes.clamp(spec.classes);
    let noise = if spec.noise.is_nan() {
        kind.default_noise
    } else {
        spec.noise.clamp(kind.noise_range.0, kind.noise_range.1)
    };
    match kind.generator {
        Generator::Spiral => toy::spiral(points, classes, noise, spec.seed),
        Generator::Moons => toy::moons(points, noise, spec.seed),
        Generator::Circles => toy::circles(points, noise, spec.seed),
        Generator::Xor => toy::xor(points, noise, spec.seed),
        Generator::Gaussians => toy::gaussians(points, classes, noise, spec.seed),
        Generator::Digits => digits::digits_subset(points, spec.seed),
    }
}

#[cfg(test)]
mod tests;
