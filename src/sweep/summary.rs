//! From the rows to the fair comparison: per variant and learning rate, the median and
//! quartiles of the metric over seeds; per variant, the best learning rate.
//!
//! A diverged run's metric is +inf, so it counts as the worst result, not as a missing one:
//! a learning rate where half the seeds diverge has an infinite median and can never be the
//! best. Validation accuracy is the one metric where higher is better: there a diverged run
//! counts as −inf, the median and quartiles are taken the same way on the negated values,
//! and the best is the highest median. Ties (equal medians, common with
//! `steps_to_tolerance` and with accuracies on a small validation set) go to the smaller
//! learning rate, the safer choice.

use super::{Plan, Row};

/// One learning rate of one variant, over its seeds: what the figures draw a cell from
/// (their type, so the two cannot drift apart).
pub use crate::plot::sweep::SweepCell as Cell;

/// One variant's learning-rate curve and its best point.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The variant's index in the plan.
    pub variant: usize,
    /// By learning rate, low to high.
    pub cells: Vec<Cell>,
    /// The cell with the best finite median (lowest; highest for accuracy); `None` when every
    /// median is infinite.
    pub best: Option<usize>,
    /// The best is the first or last learning rate tried: the best may lie outside the range.
    pub at_edge: bool,
}

impl Summary {
    /// Diverged runs over all of the variant's learning rates.
    pub fn diverged_runs(&self) -> usize {
        self.cells.iter().map(|c| c.diverged).sum()
    }
}

/// The `q` quantile of sorted values, linearly interpolated between neighbours (numpy's
/// default); +inf once an infinite value takes part.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(&last) = sorted.last() else {
        return f64::NAN;
    };
    let at = q * (sorted.len() - 1) as f64;
    let (below, above) = (at.floor() as usize, at.ceil() as usize);
    let (a, b) = (sorted[below], sorted.get(above).copied().unwrap_or(last));
    if below == above || a == b {
        a
    } else if b.is_infinite() {
        f64::INFINITY
    } else {
        a + (b - a) * (at - below as f64)
    }
}

/// The summaries of every variant of `plan` from its complete `rows` (in grid order).
pub fn summarize(plan: &Plan, rows: &[Row]) -> Vec<Summary> {
    let seeds = plan.seeds.len();
    let metric = plan.metric;
    let mut rows = rows.iter();
    plan.variants
        .iter()
        .enumerate()
        .map(|(index, variant)| {
            let cells: Vec<Cell> = variant
                .lrs
                .iter()
                .map(|&lr| {
                    let runs: Vec<&Row> = rows.by_ref().take(seeds).collect();
                    // Ranked lower-is-better, so the worst (a divergence) is +inf for
                    // every metric; the quartiles go back to the metric's own values.
                    let mut ranks: Vec<f64> = runs.iter().map(|r| metric.rank(r.metric)).collect();
                    ranks.sort_by(f64::total_cmp);
                    let (low, high) = if metric.higher_is_better() {
                        (0.75, 0.25)
                    } else {
                        (0.25, 0.75)
                    };
                    Cell {
                        lr,
                        median: metric.rank(quantile(&ranks, 0.5)),
                        q25: metric.rank(quantile(&ranks, low)),
                        q75: metric.rank(quantile(&ranks, high)),
                        diverged: runs
                            .iter()
                            .filter(|r| r.status == super::Ended::Diverged)
                            .count(),
                        runs: runs.len(),
                    }
                })
                .collect();
            // The first of the best: ties go to the smaller learning rate.
            let best = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.median.is_finite())
                .map(|(i, c)| (i, metric.rank(c.median)))
                .fold(None, |best: Option<(usize, f64)>, (i, rank)| match best {
                    Some((_, m)) if m <= rank => best,
                    _ => Some((i, rank)),
                })
                .map(|(i, _)| i);
            let at_edge = best.is_some_and(|b| b == 0 || b + 1 == cells.len());
            Summary {
                variant: index,
                cells,
                best,
                at_edge,
            }
        })
        .collect()
}
