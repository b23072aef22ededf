//! `[plot] smooth`: an exponential moving average of a curve, debiased as TensorBoard's
//! smoothing is, so the smoothed curve starts at the first value instead of rising from 0.

/// The running average, fed one value at a time (a million-step curve is never copied).
#[derive(Debug, Clone)]
pub struct Ema {
    /// How much of the average each new value keeps: 0 keeps none (no smoothing), 0.9
    /// averages over about the last ten values.
    weight: f64,
    /// The average as if it had started from 0 (biased towards 0 early on).
    biased: f64,
    /// weight^n after n values: the share of the average still owed to the starting 0.
    owed: f64,
}

impl Ema {
    /// `weight` in [0, 1); the config refuses anything else.
    pub fn new(weight: f64) -> Ema {
        Ema {
            weight,
            biased: 0.0,
            owed: 1.0,
        }
    }

    /// The smoothed value after `v`: the average of every value so far, value k weighted
    /// by weight^(n−k), those weights summing to 1.
    pub fn next(&mut self, v: f64) -> f64 {
        self.biased = self.weight * self.biased + (1.0 - self.weight) * v;
        self.owed *= self.weight;
        self.biased / (1.0 - self.owed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoothed(weight: f64, values: &[f64]) -> Vec<f64> {
        let mut ema = Ema::new(weight);
        values.iter().map(|&v| ema.next(v)).collect()
    }

    #[test]
    fn the_average_is_debiased_from_the_first_value() {
        // By hand, weight ½: biased 0.5, 1.25, 2.125 over owed-off shares 0.5, 0.75, 0.875.
        let got = smoothed(0.5, &[1.0, 2.0, 3.0]);
        let want = [1.0, 1.25 / 0.75, 2.125 / 0.875];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{got:?}");
        }
        // A constant stays that constant from the first value on: no ramp up from 0.
        assert!(
            smoothed(0.9, &[7.0; 50])
                .iter()
                .all(|v| (v - 7.0).abs() < 1e-12)
        );
    }

    #[test]
    fn no_smoothing_gives_the_values_back_and_a_slope_is_kept() {
        let values = [3.0, -1.0, 4.0, 1.5];
        assert_eq!(smoothed(0.0, &values), values);
        // A straight line (a geometric convergence on a log axis) comes out as the same
        // line, lagging by weight/(1 − weight) = 9 steps once the start is forgotten.
        let line: Vec<f64> = (0..400).map(|k| 5.0 - 0.02 * k as f64).collect();
        let got = smoothed(0.9, &line);
        let lag = (got[399] - line[399]) / 0.02;
        assert!((lag - 9.0).abs() < 1e-6, "lag {lag}");
        assert!(((got[399] - got[398]) - (line[399] - line[398])).abs() < 1e-9);
    }

    #[test]
    fn a_spike_is_spread_out_and_shrunk() {
        let mut values = vec![1.0; 30];
        values[10] = 11.0;
        let got = smoothed(0.9, &values);
        let peak = got.iter().cloned().fold(f64::MIN, f64::max);
        assert!(peak < 3.0 && peak > 1.5, "{peak}");
        assert!(got[20] > 1.0 && got[20] < peak);
    }
}
