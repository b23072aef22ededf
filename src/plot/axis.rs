//! Axes with ticks chosen here, so linear and logarithmic axes are the same plotters type:
//! a log axis is a linear axis over log10 of the values, labelled 10ᵏ; a symmetric-log axis
//! is a linear axis over [`Symlog::forward`] of the values.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

use super::style::{linear_label, log_label};

/// A linear plotters axis whose ticks are exactly the given positions (plotters' own
/// `WithKeyPoints` has no label formatting, so meshes cannot use it).
#[derive(Clone)]
pub struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
        Ticked {
            inner: (lo..hi).into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Range in axis coordinates (log10 of the values on a log axis).
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    /// Tick positions in axis coordinates.
    pub ticks: Vec<f64>,
    step: f64,
    /// Set on a symmetric-log axis: how its coordinates map to values.
    pub symlog: Option<Symlog>,
}

/// A symmetric-log scale: values within ±`threshold` are spread linearly over [−1, 1], and
/// beyond it each decade takes one unit more, on either side of zero. One axis shows both
/// a loss near 0 and one racing to −10¹² by the same rule, with both signs readable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Symlog {
    /// Where the linear band ends; a power of ten, so the ticks beyond it are too.
    pub threshold: f64,
}

impl Symlog {
    /// The axis coordinate of a value.
    pub fn forward(&self, v: f64) -> f64 {
        let c = self.threshold;
        if v.abs() <= c {
            v / c
        } else {
            v.signum() * (1.0 + (v.abs() / c).log10())
        }
    }

    /// The value at an axis coordinate.
    pub fn inverse(&self, s: f64) -> f64 {
        let c = self.threshold;
        if s.abs() <= 1.0 {
            s * c
        } else {
            s.signum() * c * 10f64.powf(s.abs() - 1.0)
        }
    }
}

impl Axis {
    /// A linear axis over `[lo, hi]` with about `target` ticks.
    pub fn linear(lo: f64, hi: f64, target: usize) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        let (ticks, step) = nice_ticks(lo, hi, target);
        Axis {
            lo,
            hi,
            log: false,
            ticks,
            step,
            symlog: None,
        }
    }

    /// A log axis over `[10^slo, 10^shi]`, given as exponents, with ticks at powers of ten
    /// (or 1-2-5 multiples of them when the range spans less than about two decades).
    pub fn log_from_exponents(slo: f64, shi: f64, target: usize) -> Axis {
        let (slo, shi) = sane_range(slo, shi);
        let ticks = log_ticks(slo, shi, target);
        Axis {
            lo: slo,
            hi: shi,
            log: true,
            ticks,
            step: 1.0,
            symlog: None,
        }
    }

    /// A symmetric-log axis over the coordinates `[lo, hi]` of `scale` (not values), with
    /// ticks at 0 and at ±threshold·10ᵏ: every unit when few, every few units otherwise,
    /// always including 0 when it is in range.
    pub fn symlog(lo: f64, hi: f64, scale: Symlog, target: usize) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        let (first, last) = (lo.ceil() as i64, hi.floor() as i64);
        let units = (last - first + 1).max(0) as usize;
        let every = units.div_ceil(target.max(1)).max(1) as i64;
        let ticks = (first..=last)
            .filter(|k| k.rem_euclid(every) == 0)
            .map(|k| k as f64)
            .collect();
        Axis {
            lo,
            hi,
            log: false,
            ticks,
            step: 1.0,
            symlog: Some(scale),
        }
    }

    /// The plotters coordinate for this axis.
    pub fn ranged(&self) -> Ticked {
        Ticked::new(self.lo, self.hi, self.ticks.clone())
    }

    /// The tick label for a position in axis coordinates.
    pub fn label(&self, c: f64) -> String {
        if let Some(scale) = self.symlog {
            return self.symlog_label(scale, c);
        }
        if self.log {
            // Plain decimals when every tick lies between 0.001 and 1000.
            let plain = self.ticks.iter().all(|t| (-3.0..=3.0).contains(t));
            log_label(c, plain)
        } else {
            linear_label(c, self.step)
        }
    }
}

impl Axis {
    /// A symmetric-log tick label: 0, or the value's sign and its power of ten, written as a
    /// log axis writes it (plain decimals when every tick lies between 0.001 and 1000).
    fn symlog_label(&self, scale: Symlog, c: f64) -> String {
        let v = scale.inverse(c);
        if v == 0.0 || !v.is_finite() {
            return "0".into();
        }
        let exponent = |t: f64| scale.inverse(t).abs().log10();
        let plain = self
            .ticks
            .iter()
            .filter(|t| **t != 0.0)
            .all(|&t| (-3.0..=3.0).contains(&exponent(t)));
        let magnitude = log_label(v.abs().log10(), plain);
        if v < 0.0 {
            format!("−{magnitude}")
        } else {
            magnitude
        }
    }
}

/// A finite, non-empty range.
fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    let scale = lo.abs().max(hi.abs());
    if hi - lo <= scale * 1e-12 {
        let pad = if scale > 0.0 { scale * 0.05 } else { 0.5 };
        lo -= pad;
        hi += pad;
    }
    (lo, hi)
}

/// Round-number ticks (1, 2, 5 × 10ᵏ apart) inside `[lo, hi]`, and the step.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return (vec![lo], 1.0);
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    let ticks = (first..=last)
        .take(1000)
        .map(|k| {
            let v = k as f64 * step;
            // Exactly zero, not 1e-17, for tick 0.
            if k == 0 { 0.0 } else { v }
        })
        .collect();
    (ticks, step)
}

/// Ticks on a log axis given in exponents.
pub fn log_ticks(slo: f64, shi: f64, target: usize) -> Vec<f64> {
    let first = slo.ceil() as i64;
    let last = shi.floor() as i64;
    let decades = (last - first + 1).max(0) as usize;
    if decades >= 3 {
        let every = decades.div_ceil(target.max(1)).max(1) as i64;
        // Align to multiples of `every` so 10⁰ is a tick when it is in range.
        let start = first + (every - first.rem_euclid(every)) % every;
        return (start..=last)
            .step_by(every as usize)
            .map(|k| k as f64)
            .collect();
    }
    for mantissas in [&[1.0, 2.0, 5.0][..], &[1.0, 2.0, 3.0, 5.0, 7.0][..]] {
        let ticks: Vec<f64> = (slo.floor() as i64..=shi.ceil() as i64)
            .flat_map(|e| {
                mantissas
                    .iter()
                    .map(move |m| (m * 10f64.powi(e as i32)).log10())
            })
            .filter(|s| *s >= slo - 1e-12 && *s <= shi + 1e-12)
            .collect();
        if ticks.len() >= 3 {
            return ticks;
        }
    }
    // Less than a factor of two: round-number ticks of the values themselves.
    let (lo, hi) = (10f64.powf(slo), 10f64.powf(shi));
    nice_ticks(lo, hi, 4)
        .0
        .into_iter()
        .filter(|v| *v > 0.0)
        .map(f64::log10)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_numbers() {
        let a = Axis::linear(-1.5, 1.5, 7);
        assert_eq!(a.ticks, vec![-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]);
        let flat = Axis::linear(3.0, 3.0, 5);
        assert!(flat.lo < 3.0 && flat.hi > 3.0);
        let nan = Axis::linear(f64::NAN, f64::INFINITY, 5);
        assert!(nan.lo.is_finite() && nan.hi.is_finite() && nan.lo < nan.hi);
    }

    #[test]
    fn symlog_is_linear_inside_the_threshold_and_logarithmic_beyond() {
        let scale = Symlog { threshold: 0.1 };
        assert_eq!(scale.forward(0.0), 0.0);
        assert_eq!(scale.forward(0.05), 0.5);
        assert_eq!(scale.forward(-0.1), -1.0);
        assert!((scale.forward(10.0) - 3.0).abs() < 1e-12);
        assert!((scale.forward(-1e11) + 13.0).abs() < 1e-12);
        for v in [-3e9, -0.07, 0.0, 0.02, 0.1, 4.5, 1e12] {
            let back = scale.inverse(scale.forward(v));
            assert!(
                (back - v).abs() <= 1e-12 * v.abs().max(1e-3),
                "{v} → {back}"
            );
        }
        // Monotone across the band's edges.
        let along: Vec<f64> = [-1e3, -0.1001, -0.1, 0.0, 0.1, 0.1001, 1e3]
            .iter()
            .map(|&v| scale.forward(v))
            .collect();
        assert!(along.windows(2).all(|w| w[0] < w[1]), "{along:?}");
    }

    #[test]
    fn symlog_ticks_are_zero_and_signed_powers_of_ten() {
        let scale = Symlog { threshold: 0.1 };
        let a = Axis::symlog(-13.4, 2.2, scale, 8);
        assert!(a.ticks.contains(&0.0), "{:?}", a.ticks);
        assert!(a.ticks.len() <= 9 && a.ticks.len() >= 4, "{:?}", a.ticks);
        assert_eq!(a.label(0.0), "0");
        assert_eq!(a.label(2.0), "10⁰");
        assert_eq!(a.label(-12.0), "−10¹⁰");
        let narrow = Axis::symlog(-1.5, 4.2, scale, 8);
        assert_eq!(narrow.ticks, vec![-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]);
        let labels: Vec<String> = narrow.ticks.iter().map(|&t| narrow.label(t)).collect();
        assert_eq!(labels, ["−0.1", "0", "0.1", "1", "10", "100"]);
    }

    #[test]
    fn log_ticks_are_decades_when_the_range_is_wide() {
        let a = Axis::log_from_exponents(-12.0, 3.0, 8);
        assert!(a.ticks.iter().all(|t| t.fract() == 0.0));
        assert!(a.ticks.contains(&0.0));
        assert!(a.ticks.len() <= 9 && a.ticks.len() >= 4);
        let narrow = Axis::log_from_exponents(0.3f64.log10(), 2f64.log10(), 6);
        assert!(narrow.ticks.len() >= 3, "{:?}", narrow.ticks);
        let tiny = Axis::log_from_exponents(0.0, 1.2f64.log10(), 6);
        assert!(!tiny.ticks.is_empty());
    }
}
