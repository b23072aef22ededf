//! The metric's scale, shared by the heatmap's colours and the curves' y axis: a log axis for
//! a loss, a linear one for step counts, and a symmetric-log axis where a log one was asked
//! but some value is ≤ 0 (a loss on a surface without a floor goes negative): that is
//! written in the caption, so the figure never pretends a log axis it does not have.

use super::super::axis::{Axis, Symlog};
use super::SweepScene;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Shown {
    Log,
    Symlog(Symlog),
    Linear,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct MetricScale {
    pub shown: Shown,
    /// In axis coordinates (log10 of the values on a log scale).
    pub axis: Axis,
    /// Where the finite values lie, in axis coordinates (low, high); `None` when none is.
    pub data: Option<(f64, f64)>,
}

/// Beyond this many decades below the largest magnitude, a symmetric-log axis turns linear:
/// as the loss figure's log axes, nothing finer than 24 decades.
const SYMLOG_DECADES: f64 = 24.0;

impl MetricScale {
    /// The scale for every finite median and quartile of the scene, with about `target`
    /// ticks. `pad`: the share of the data's span added on each side (curves keep their
    /// ends off the frame; the colour bar spans the data exactly). A linear scale of values
    /// that are all ≥ 0 starts at 0 when `from_zero`.
    pub fn choose(scene: &SweepScene, target: usize, pad: f64, from_zero: bool) -> MetricScale {
        let values: Vec<f64> = scene
            .rows
            .iter()
            .flat_map(|r| &r.cells)
            .flat_map(|c| [c.median, c.q25, c.q75])
            .filter(|v| v.is_finite())
            .collect();
        let shown = if !scene.log_metric {
            Shown::Linear
        } else if values.iter().all(|&v| v > 0.0) {
            Shown::Log
        } else {
            symlog_threshold(&values).map_or(Shown::Linear, |threshold| {
                Shown::Symlog(Symlog { threshold })
            })
        };
        let at = |v: f64| Self::forward(shown, v);
        let data = values.iter().fold(None, |acc: Option<(f64, f64)>, &v| {
            let c = at(v);
            Some(acc.map_or((c, c), |(a, b)| (a.min(c), b.max(c))))
        });
        let (mut lo, mut hi) = data.unwrap_or(match shown {
            Shown::Log => (-3.0, 0.0),
            _ => (0.0, 1.0),
        });
        if shown == Shown::Linear && from_zero && lo >= 0.0 {
            lo = 0.0;
        }
        let room = ((hi - lo) * pad).max(if pad > 0.0 { 0.05 } else { 0.0 });
        lo -= if shown == Shown::Linear && from_zero && lo == 0.0 {
            0.0
        } else {
            room
        };
        hi += room;
        let axis = match shown {
            Shown::Log => Axis::log_from_exponents(lo, hi, target),
            Shown::Symlog(s) => Axis::symlog(lo, hi, s, target),
            Shown::Linear => Axis::linear(lo, hi, target),
        };
        MetricScale { shown, axis, data }
    }

    fn forward(shown: Shown, v: f64) -> f64 {
        match shown {
            Shown::Log => v.log10(),
            Shown::Symlog(s) => s.forward(v),
            Shown::Linear => v,
        }
    }

    /// A finite value's axis coordinate.
    pub fn at(&self, v: f64) -> f64 {
        Self::forward(self.shown, v)
    }

    /// Where a finite value lies between the data's low (0) and high (1) end: its colour.
    pub fn unit(&self, v: f64) -> f64 {
        match self.data {
            Some((lo, hi)) if hi > lo => (self.at(v) - lo) / (hi - lo),
            _ => 0.5,
        }
    }

    /// What the axis shows: the metric, and the scale where it is not the one asked for.
    pub fn caption(&self, metric: &str) -> String {
        match self.shown {
            Shown::Symlog(_) => format!("{metric} (symmetric log: some are ≤ 0)"),
            Shown::Log | Shown::Linear => metric.to_string(),
        }
    }
}

/// Where a symmetric-log axis turns linear: the power of ten at or below the smallest
/// magnitude that is not 0 (at most [`SYMLOG_DECADES`] below the largest); `None` when every
/// value is 0 or there is none.
fn symlog_threshold(values: &[f64]) -> Option<f64> {
    let magnitudes = || values.iter().map(|v| v.abs()).filter(|&v| v > 0.0);
    let largest = magnitudes().fold(0.0f64, f64::max);
    if largest <= 0.0 {
        return None;
    }
    let smallest = magnitudes()
        .fold(f64::INFINITY, f64::min)
        .max(largest * 10f64.powf(-SYMLOG_DECADES))
        .max(f64::MIN_POSITIVE);
    Some(10f64.powf(smallest.log10().floor()))
}

#[cfg(test)]
mod tests {
    use super::super::{SweepCell, SweepRow};
    use super::*;

    fn scene(values: &[f64], log: bool) -> SweepScene {
        let cells = values
            .iter()
            .enumerate()
            .map(|(k, &v)| SweepCell {
                lr: 10f64.powi(k as i32 - 3),
                median: v,
                q25: v,
                q75: v,
                diverged: 0,
                runs: 1,
            })
            .collect();
        SweepScene {
            unreached: "not reached in the steps".to_string(),
            title: String::new(),
            metric: "final loss".into(),
            seeds: 1,
            log_metric: log,
            higher_is_better: false,
            rows: vec![SweepRow {
                label: "sgd".into(),
                cells,
                best: Some(0),
                at_edge: true,
            }],
            width: 1000,
            height: 800,
            scale: 1.0,
        }
    }

    #[test]
    fn a_loss_is_on_a_log_scale_until_a_value_is_not_positive() {
        let log = MetricScale::choose(
            &scene(&[1e-12, 1.0, 1e3, f64::INFINITY], true),
            8,
            0.0,
            false,
        );
        assert_eq!(log.shown, Shown::Log);
        assert_eq!(log.data, Some((-12.0, 3.0)));
        assert!((log.unit(1e-12)).abs() < 1e-12 && (log.unit(1e3) - 1.0).abs() < 1e-12);
        assert_eq!(log.caption("final loss"), "final loss");

        let negative = MetricScale::choose(&scene(&[-1e6, 0.5, 1e2], true), 8, 0.04, false);
        let Shown::Symlog(s) = negative.shown else {
            panic!("{:?}", negative.shown)
        };
        assert_eq!(s.threshold, 0.1);
        assert!(negative.caption("final loss").contains("symmetric log"));
        assert!(negative.axis.lo < negative.at(-1e6) && negative.axis.hi > negative.at(1e2));

        let steps = MetricScale::choose(&scene(&[120.0, 40.0], false), 8, 0.04, true);
        assert_eq!(steps.shown, Shown::Linear);
        assert_eq!(steps.axis.lo, 0.0, "step counts from 0");
    }

    #[test]
    fn nothing_finite_still_gives_an_axis() {
        let none = MetricScale::choose(&scene(&[f64::INFINITY], true), 8, 0.04, false);
        assert_eq!(none.data, None);
        assert!(none.axis.lo < none.axis.hi);
        assert_eq!(none.unit(1.0), 0.5);
    }
}
