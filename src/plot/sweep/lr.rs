//! The learning-rate axis both sweep figures share: one log axis over every row's range, so
//! rows swept over different ranges sit where their learning rates are.

use super::super::axis::Axis;
use super::{SweepRow, SweepScene};

/// The width, in decades, given to a row of a single learning rate (it has no spacing of
/// its own).
const LONE_CELL: f64 = 0.2;

/// Where each cell of a row lies on the log-lr axis: (log10 lr, left edge, right edge), the
/// edges halfway (in log) to the neighbouring cells and, at the ends, as far out as the
/// nearest neighbour is; so a log-spaced row's cells all have its own spacing as width.
/// `None` for a learning rate a log axis cannot show (≤ 0, NaN, infinite).
pub(super) fn cells(row: &SweepRow) -> Vec<Option<(f64, f64, f64)>> {
    let logs: Vec<Option<f64>> = row
        .cells
        .iter()
        .map(|c| (c.lr > 0.0 && c.lr.is_finite()).then(|| c.lr.log10()))
        .collect();
    let shown: Vec<(usize, f64)> = logs
        .iter()
        .enumerate()
        .filter_map(|(k, l)| l.map(|l| (k, l)))
        .collect();
    let mut out = vec![None; logs.len()];
    for (j, &(k, l)) in shown.iter().enumerate() {
        let before = j.checked_sub(1).map(|i| shown[i].1);
        let after = shown.get(j + 1).map(|s| s.1);
        let half = |gap: f64| (gap / 2.0).abs();
        let (left, right) = match (before, after) {
            (Some(b), Some(a)) => (half(l - b), half(a - l)),
            (Some(b), None) => (half(l - b), half(l - b)),
            (None, Some(a)) => (half(a - l), half(a - l)),
            (None, None) => (LONE_CELL / 2.0, LONE_CELL / 2.0),
        };
        out[k] = Some((l, l - left, l + right));
    }
    out
}

/// The span of every row's cells, edges included, in log10 of the learning rate; `None`
/// when no cell has a learning rate a log axis can show.
pub(super) fn extent(scene: &SweepScene) -> Option<(f64, f64)> {
    scene
        .rows
        .iter()
        .flat_map(cells)
        .flatten()
        .fold(None, |acc, (_, lo, hi)| match acc {
            None => Some((lo, hi)),
            Some((a, b)) => Some((lo.min(a), hi.max(b))),
        })
}

/// The shared log-lr axis: `extent` widened by `pad` of its span on each side, with about
/// `target` ticks (powers of ten when it spans three decades or more, like every log axis
/// of the figures). With no learning rate to show, 10⁻⁴ to 1.
pub(super) fn axis(scene: &SweepScene, pad: f64, target: usize) -> Axis {
    let (lo, hi) = extent(scene).unwrap_or((-4.0, 0.0));
    let room = (hi - lo) * pad;
    Axis::log_from_exponents(lo - room, hi + room, target)
}
