//! The stratified validation split and the minibatches of each epoch.
//!
//! Random choices use `random_range` on `u64` bounds, whose sampling rand specifies the same
//! on 32- and 64-bit machines, and our own Fisher–Yates, so a seed means one order everywhere.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Dataset;

/// Shuffles `items` in place: the Fisher–Yates shuffle, drawing from the back.
fn shuffle(items: &mut [usize], rng: &mut ChaCha8Rng) {
    for last in (1..items.len()).rev() {
        let other = rng.random_range(0..=last as u64) as usize;
        items.swap(last, other);
    }
}

/// `k` of `rows` (all of them if `k` is larger) chosen uniformly at random, returned in the
/// order they have in `rows`.
fn choose_in_order(rows: &[usize], k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let k = k.min(rows.len());
    let mut positions: Vec<usize> = (0..rows.len()).collect();
    // A partial Fisher–Yates: the first k positions end up a uniform sample.
    for first in 0..k {
        let other = rng.random_range(first as u64..rows.len() as u64) as usize;
        positions.swap(first, other);
    }
    let mut chosen = positions[..k].to_vec();
    chosen.sort_unstable();
    chosen.into_iter().map(|position| rows[position]).collect()
}

/// (train, validation): from each class, `round(n_c · validation)` rows chosen at random
/// (seeded) go to validation and the rest to train, so both keep the classes' proportions
/// up to rounding. Each part keeps its rows in their original relative order, and with
/// `validation = 0` the train part is `data` itself, unchanged (the reference cases need
/// that). `validation` is clamped to [0, 1]; NaN counts as 0.
pub fn stratified_split(data: &Dataset, validation: f64, seed: u64) -> (Dataset, Dataset) {
    let validation = if validation.is_nan() {
        0.0
    } else {
        validation.clamp(0.0, 1.0)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut held_out = vec![false; data.len()];
    for class in 0..data.classes {
        let members: Vec<usize> = (0..data.len())
            .filter(|&row| data.labels[row] == class)
            .collect();
        let count = (members.len() as f64 * validation).round() as usize;
        for row in choose_in_order(&members, count, &mut rng) {
            held_out[row] = true;
        }
    }
    let (validation_rows, train_rows): (Vec<usize>, Vec<usize>) =
        (0..data.len()).partition(|&row| held_out[row]);
    (data.subset(&train_rows), data.subset(&validation_rows))
}

/// `n` of `data`'s rows (all of them when `n` is at least its size), a seeded sample with the
/// classes' proportions (each class's share rounded by largest remainder, so the total is
/// exact), rows in their original order: a smaller training set that still has every class
/// (transfer learning's "few examples"; the digits' `points`).
pub fn stratified_subset(data: &Dataset, n: usize, seed: u64) -> Dataset {
    if n >= data.len() {
        return data.clone();
    }
    let quotas = largest_remainder(&data.class_counts(), n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(n);
    for (class, &quota) in quotas.iter().enumerate() {
        let members: Vec<usize> = (0..data.len())
            .filter(|&row| data.labels[row] == class)
            .collect();
        rows.extend(choose_in_order(&members, quota, &mut rng));
    }
    rows.sort_unstable();
    data.subset(&rows)
}

/// `total` shared out in proportion to `counts`: each share's whole part, then one more to
/// the largest fractional parts (ties to the lower class). The digits' classes are so nearly
/// equal that from 10 points on every class gets at least one image (tested).
pub(super) fn largest_remainder(counts: &[usize], total: usize) -> Vec<usize> {
    let whole: usize = counts.iter().sum();
    if whole == 0 {
        return vec![0; counts.len()];
    }
    let exact: Vec<f64> = counts
        .iter()
        .map(|&count| count as f64 * total as f64 / whole as f64)
        .collect();
    let mut shares: Vec<usize> = exact.iter().map(|share| share.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let fraction = |class: usize| exact[class] - exact[class].floor();
        fraction(b).total_cmp(&fraction(a)).then(a.cmp(&b))
    });
    let mut left = total.saturating_sub(shares.iter().sum());
    for &class in by_remainder.iter().cycle().take(left.min(counts.len())) {
        shares[class] += 1;
        left -= 1;
    }
    debug_assert_eq!(left, 0);
    shares
        .iter()
        .zip(counts)
        .map(|(&share, &count)| share.min(count))
        .collect()
}

/// The minibatches of training: row indices into the training set, one batch a step.
///
/// With `batch` 0 or at least `n`, every step is the full batch in data order. Otherwise
/// each epoch is a fresh seeded permutation of `0..n` cut into batches of `batch`, the last
/// one smaller when `batch` does not divide `n` (torch's `DataLoader` without `drop_last`):
/// every row is used exactly once per epoch.
#[derive(Debug, Clone)]
pub struct Batches {
    order: Vec<usize>,
    batch: usize,
    /// Where the next batch starts in `order`; `order.len()` when the epoch is used up.
    next: usize,
    rng: ChaCha8Rng,
}

impl Batches {
    /// Batches of `batch` rows out of `n`, the epochs' permutations drawn from `seed`.
    pub fn new(n: usize, batch: usize, seed: u64) -> Batches {
        let full = batch == 0 || batch >= n;
        Batches {
            order: (0..n).collect(),
            batch: if full { n } else { batch },
            // A full batch never reshuffles; otherwise the first call starts an epoch.
            next: if full { 0 } else { n },
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The rows of the next step's batch (empty only when `n` is 0).
    pub fn next_batch(&mut self) -> &[usize] {
        let n = self.order.len();
        if self.is_full_batch() {
            return &self.order;
        }
        if self.next >= n {
            self.order.sort_unstable();
            shuffle(&mut self.order, &mut self.rng);
            self.next = 0;
        }
        let start = self.next;
        self.next = (start + self.batch).min(n);
        &self.order[start..self.next]
    }

    /// True when every batch is all the rows in order: no sampling, plain gradient descent.
    pub fn is_full_batch(&self) -> bool {
        self.batch >= self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    /// 10 rows of class 0, 20 of class 1, 30 of class 2, interleaved; feature = row index.
    fn unbalanced() -> Dataset {
        let labels: Vec<usize> = (0..60)
            .map(|row| match row % 6 {
                0 => 0,
                1 | 2 => 1,
                _ => 2,
            })
            .collect();
        Dataset {
            features: Array2::from_shape_fn((60, 1), |(row, _)| row as f64),
            labels,
            classes: 3,
            image: None,
        }
    }

    fn rows_of(part: &Dataset) -> Vec<usize> {
        part.features
            .column(0)
            .iter()
            .map(|&x| x as usize)
            .collect()
    }

    #[test]
    fn the_split_holds_out_each_class_s_share_keeping_rows_in_order() {
        let data = unbalanced();
        let (train, validation) = stratified_split(&data, 0.3, 5);
        assert_eq!(validation.class_counts(), [3, 6, 9]);
        assert_eq!(train.class_counts(), [7, 14, 21]);
        let (train_rows, validation_rows) = (rows_of(&train), rows_of(&validation));
        assert!(train_rows.is_sorted() && validation_rows.is_sorted());
        let mut all: Vec<usize> = train_rows.iter().chain(&validation_rows).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..60).collect::<Vec<_>>());
        for (part, rows) in [(&train, &train_rows), (&validation, &validation_rows)] {
            let expected: Vec<usize> = rows.iter().map(|&row| data.labels[row]).collect();
            assert_eq!(part.labels, expected);
            assert_eq!(part.classes, 3);
        }
    }

    #[test]
    fn the_split_is_seeded() {
        let data = unbalanced();
        assert_eq!(
            stratified_split(&data, 0.5, 1),
            stratified_split(&data, 0.5, 1)
        );
        assert_ne!(
            stratified_split(&data, 0.5, 1).1,
            stratified_split(&data, 0.5, 2).1
        );
    }

    #[test]
    fn no_validation_leaves_the_data_as_it_is() {
        let data = unbalanced();
        let (train, validation) = stratified_split(&data, 0.0, 3);
        assert_eq!(train, data);
        assert!(validation.is_empty());
        assert_eq!(validation.inputs(), 1);
        assert_eq!(stratified_split(&data, f64::NAN, 3).0, data);
    }

    #[test]
    fn every_row_is_in_exactly_one_batch_per_epoch_and_epochs_differ() {
        let (n, batch) = (23, 5);
        let mut batches = Batches::new(n, batch, 9);
        assert!(!batches.is_full_batch());
        let mut epochs = Vec::new();
        for _ in 0..3 {
            let mut sizes = Vec::new();
            let mut seen = Vec::new();
            for _ in 0..n.div_ceil(batch) {
                let rows = batches.next_batch();
                sizes.push(rows.len());
                seen.extend_from_slice(rows);
            }
            assert_eq!(sizes, [5, 5, 5, 5, 3]);
            let mut sorted = seen.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            epochs.push(seen);
        }
        assert_ne!(epochs[0], epochs[1]);
        assert_ne!(
            epochs[0],
            (0..n).collect::<Vec<_>>(),
            "the order is shuffled"
        );
        let mut again = Batches::new(n, batch, 9);
        let first: Vec<usize> = (0..5).flat_map(|_| again.next_batch().to_vec()).collect();
        assert_eq!(first, epochs[0], "the same seed draws the same epochs");
    }

    #[test]
    fn batch_zero_or_at_least_n_is_the_full_batch_in_order() {
        for batch in [0, 8, 100] {
            let mut batches = Batches::new(8, batch, 1);
            assert!(batches.is_full_batch());
            for _ in 0..3 {
                assert_eq!(batches.next_batch(), (0..8).collect::<Vec<_>>());
            }
        }
        assert!(Batches::new(0, 4, 1).next_batch().is_empty());
    }

    #[test]
    fn a_choice_is_uniform_enough_to_reach_every_row() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let rows: Vec<usize> = (100..110).collect();
        let mut hits = [0; 10];
        for _ in 0..200 {
            let chosen = choose_in_order(&rows, 3, &mut rng);
            assert!(chosen.is_sorted() && chosen.len() == 3);
            for row in chosen {
                hits[row - 100] += 1;
            }
        }
        // 60 expected per row: far from 0 and from 200 for every one.
        assert!(hits.iter().all(|&h| (30..=90).contains(&h)), "{hits:?}");
    }
}
