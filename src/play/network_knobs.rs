//! The knobs of a network run and of its data, each a ladder of round values: what `d`/`D`,
//! `w`/`W`, `b`/`B` and `n`/`N` step through. Each setting goes into the run's own overrides
//! (`dropout = 0.3` in its `[[optimizer]]` table once exported), so the other runs keep the
//! file's.

use crate::config::{NetworkProblem, RunConfig};
use crate::number::short;

use super::knobs::next_on_ladder;

/// The dropout probabilities `d` / `D` step through (`[model] dropout` takes [0, 1)).
const DROPOUT_STEPS: [f64; 10] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/// The smallest L2 strength above 0, and the largest: past it every weight is crushed.
const L2_SMALLEST: f64 = 1e-5;
const L2_LARGEST: f64 = 10.0;
/// The data noises `n` / `N` step through, within the kind's range.
const NOISE_STEPS: [f64; 11] = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0];

/// The value after `current` along `steps`, up or down; `current` itself at either end.
fn along(steps: &[f64], current: f64, up: bool) -> f64 {
    if up {
        steps.iter().copied().find(|&v| v > current + 1e-12)
    } else {
        steps.iter().rev().copied().find(|&v| v < current - 1e-12)
    }
    .unwrap_or(current)
}

/// `d` / `D`: the run's dropout one step along 0, 0.1, …, 0.9.
pub fn next_dropout(
    run: &mut RunConfig,
    problem: &NetworkProblem,
    up: bool,
) -> Result<String, String> {
    let current = problem.regularisation(&run.network).dropout;
    let next = along(&DROPOUT_STEPS, current, up);
    if next == current {
        return Err(format!("{}: dropout stays {}", run.label, short(current)));
    }
    run.network.dropout = Some(next);
    Ok(format!("{}: dropout {}", run.label, short(next)))
}

/// `w` / `W`: the run's L2 strength one step along 0, 1e-5, 2e-5, 5e-5, 1e-4, … 10.
pub fn next_l2(run: &mut RunConfig, problem: &NetworkProblem, up: bool) -> Result<String, String> {
    let current = problem.regularisation(&run.network).l2;
    let next = match (up, current) {
        (true, c) if c < L2_SMALLEST => L2_SMALLEST,
        (true, c) => next_on_ladder(c, true),
        (false, c) if c <= L2_SMALLEST * (1.0 + 1e-9) => 0.0,
        (false, c) => next_on_ladder(c, false).max(L2_SMALLEST),
    };
    if next == current || next > L2_LARGEST * (1.0 + 1e-9) {
        return Err(format!("{}: l2 stays {}", run.label, short(current)));
    }
    run.network.l2 = Some(next);
    Ok(format!("{}: l2 {}", run.label, short(next)))
}

/// A minibatch size as the panel says it: "full batch (44)" or "batch 32".
pub fn batch_text(batch: usize, train: usize) -> String {
    if batch == 0 || batch >= train {
        format!("full batch ({train})")
    } else {
        format!("batch {batch}")
    }
}

/// `b` / `B`: the run's minibatch size one step along the powers of two below the training
/// set's size, then the full batch (written `batch = 0`).
pub fn next_batch(
    run: &mut RunConfig,
    problem: &NetworkProblem,
    up: bool,
) -> Result<String, String> {
    let n = problem.train.len();
    let current = problem.batch(&run.network);
    let full = current == 0 || current >= n;
    // The largest power of two below `limit` (limit ≥ 2).
    let below = |limit: usize| 1usize << (usize::BITS - 1 - (limit - 1).leading_zeros());
    let next = match (up, full) {
        (true, true) => None,
        (true, false) => Some(match current.checked_next_power_of_two() {
            Some(p) if p > current && p < n => p,
            Some(p) if p == current && p * 2 < n => p * 2,
            _ => 0,
        }),
        (false, true) if n >= 2 => Some(below(n)),
        (false, false) if current >= 2 => Some(below(current)),
        (false, _) => None,
    };
    let Some(next) = next else {
        return Err(format!("{}: {} stays", run.label, batch_text(current, n)));
    };
    run.network.batch = Some(next);
    Ok(format!("{}: {}", run.label, batch_text(next, n)))
}

/// `n` / `N`: the data's noise one step along [`NOISE_STEPS`] within `range`; `noise` itself
/// at either end.
pub fn next_noise(noise: f64, (lo, hi): (f64, f64), up: bool) -> f64 {
    let steps: Vec<f64> = NOISE_STEPS
        .iter()
        .copied()
        .filter(|v| (lo..=hi).contains(v))
        .collect();
    along(&steps, noise, up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_steps_stay_in_the_kinds_range_and_stop_at_its_ends() {
        assert_eq!(next_noise(0.2, (0.0, 1.0), true), 0.3);
        assert_eq!(next_noise(0.2, (0.0, 1.0), false), 0.15);
        // Off the ladder (a file's 0.45 is on it; 0.25 is not): the next value either way.
        assert_eq!(next_noise(0.25, (0.0, 1.0), true), 0.3);
        assert_eq!(next_noise(0.25, (0.0, 1.0), false), 0.2);
        assert_eq!(next_noise(1.0, (0.0, 1.0), true), 1.0);
        assert_eq!(next_noise(0.0, (0.0, 1.0), false), 0.0);
        assert_eq!(next_noise(0.45, (0.0, 0.5), true), 0.45);
    }
}
