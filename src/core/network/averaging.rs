//! Weight averaging: a second model kept beside the one the optimizer steps, whose weights are
//! an average of the weights the training passed through (Polyak–Ruppert averaging, or an
//! exponential moving average). Under noisy minibatches the iterates hover around a minimum;
//! their average sits nearer its middle than any one of them, at the cost of one extra
//! parameter vector (the path itself is never stored).

use ndarray::{Array1, ArrayView1};

use super::model::{Evaluation, Network, RunningStats, Workspace};

/// How the weights are averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Averaging {
    /// The plain mean of the weights after every step from `start` on (step 0 being the
    /// initial weights): Polyak–Ruppert averaging after a burn-in, stochastic weight
    /// averaging on a constant learning rate.
    Polyak {
        /// Steps taken before the first weights averaged.
        start: u64,
    },
    /// An exponential moving average with decay β, from the initial weights on, corrected
    /// for its start at zero as Adam corrects its moments: a weighted mean of the weights the
    /// training passed through, the recent ones weighing most (about the last 1/(1 − β)).
    Ema {
        /// β in (0, 1).
        decay: f64,
    },
}

impl Averaging {
    /// Whether the weights after `step` steps go into the average.
    pub fn takes(&self, step: u64) -> bool {
        match *self {
            Averaging::Polyak { start } => step >= start,
            Averaging::Ema { .. } => true,
        }
    }

    /// "polyak from step 500", "ema 0.999": for tables and legends.
    pub fn describe(&self) -> String {
        match *self {
            Averaging::Polyak { start } => format!("polyak from step {start}"),
            Averaging::Ema { decay } => format!("ema {}", crate::number::short(decay)),
        }
    }
}

/// The average so far.
#[derive(Debug, Clone)]
pub(super) struct RunningAverage {
    how: Averaging,
    /// The mean (Polyak) or the uncorrected moving average (EMA).
    sum: Array1<f64>,
    /// Weights taken in.
    count: u64,
}

impl RunningAverage {
    pub(super) fn new(how: Averaging, dim: usize) -> RunningAverage {
        RunningAverage {
            how,
            sum: Array1::zeros(dim),
            count: 0,
        }
    }

    /// Takes in the weights after `step` steps, when the averaging takes them.
    pub(super) fn add(&mut self, step: u64, params: ArrayView1<'_, f64>) {
        if !self.how.takes(step) {
            return;
        }
        self.count += 1;
        match self.how {
            Averaging::Polyak { .. } => {
                let n = self.count as f64;
                self.sum.zip_mut_with(&params, |m, &p| *m += (p - *m) / n);
            }
            Averaging::Ema { decay } => {
                self.sum
                    .zip_mut_with(&params, |m, &p| *m = decay * *m + (1.0 - decay) * p);
            }
        }
    }

    /// The averaged weights; `None` before any were taken in.
    pub(super) fn current(&self) -> Option<Array1<f64>> {
        if self.count == 0 {
            return None;
        }
        Some(match self.how {
            Averaging::Polyak { .. } => self.sum.clone(),
            Averaging::Ema { decay } => {
                let correction = 1.0 - decay.powf(self.count as f64);
                &self.sum / correction
            }
        })
    }
}

/// The averaged model at one recorded step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AveragedRow {
    /// Steps taken.
    pub step: u64,
    /// On the whole training set, evaluation mode, no penalty (as the history's).
    pub train: Evaluation,
    /// On the validation set (NaN without one).
    pub validation: Evaluation,
}

/// What the averaging leaves: the averaged weights at the end and the model's history.
#[derive(Debug, Clone)]
pub struct Averaged {
    /// How they were averaged.
    pub how: Averaging,
    /// The averaged weights at the last recorded row.
    pub params: Array1<f64>,
    /// Batch norm's statistics for them: recomputed over the training set (the averaged
    /// weights never ran a batch, so they have no running statistics of their own).
    pub stats: RunningStats,
    /// The averaged model at every recorded row from the first weights averaged on.
    pub history: Vec<AveragedRow>,
}

/// Measures the averaged weights after `step` steps, with batch norm's statistics recomputed
/// over the training set; keeps them as the result in `averaged`.
pub(super) fn record(
    network: &Network,
    sets: [&super::data::Dataset; 2],
    average: &RunningAverage,
    step: u64,
    workspace: &mut Workspace,
    averaged: &mut Option<Averaged>,
) {
    let Some(params) = average.current() else {
        return;
    };
    let [train, validation] = sets;
    let stats = network.batch_statistics(params.view(), train.features.view(), workspace);
    let on = |set: &super::data::Dataset, ws: &mut Workspace| {
        network.evaluate(params.view(), set.features.view(), &set.labels, &stats, ws)
    };
    let row = AveragedRow {
        step,
        train: on(train, workspace),
        validation: on(validation, workspace),
    };
    match averaged {
        Some(a) => {
            a.params = params;
            a.stats = stats;
            a.history.push(row);
        }
        None => {
            *averaged = Some(Averaged {
                how: average.how,
                params,
                stats,
                history: vec![row],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn fed(how: Averaging, points: &[[f64; 2]]) -> Option<Array1<f64>> {
        let mut average = RunningAverage::new(how, 2);
        for (step, p) in points.iter().enumerate() {
            average.add(step as u64, ArrayView1::from(&p[..]));
        }
        average.current()
    }

    #[test]
    fn polyak_is_the_plain_mean_of_the_weights_from_its_start_on() {
        let path = [[9.0, 9.0], [9.0, -9.0], [1.0, 2.0], [3.0, 4.0], [5.0, 0.0]];
        let mean = fed(Averaging::Polyak { start: 2 }, &path).unwrap();
        assert_eq!(mean, array![3.0, 2.0]);
        assert_eq!(fed(Averaging::Polyak { start: 5 }, &path), None);
    }

    #[test]
    fn ema_is_a_weighted_mean_of_the_weights_not_pulled_towards_zero() {
        // Constant weights average to themselves at once: the correction removes the start
        // at zero.
        let still = fed(Averaging::Ema { decay: 0.9 }, &[[2.0, -4.0]; 3]).unwrap();
        for (got, want) in still.iter().zip([2.0, -4.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        // Two weights: (0.1·0.9·a + 0.1·b) / (1 − 0.81) = (0.9a + b)/1.9.
        let two = fed(Averaging::Ema { decay: 0.9 }, &[[1.0, 0.0], [0.0, 1.0]]).unwrap();
        assert!((two[0] - 0.9 / 1.9).abs() < 1e-12 && (two[1] - 1.0 / 1.9).abs() < 1e-12);
    }
}
