//! What the loss panel's y axis shows, chosen so the picture cannot lie about convergence.
//!
//! - **f − f\* on a log axis** when the surface's minimum value f\* is known and no run went
//!   below it (up to rounding): the distance to the optimum, every decade of progress visible.
//! - **f itself** otherwise: f\* unknown (an `expr` surface, a quadratic that is not positive
//!   definite) or undercut (a saddle with c = 0 racing to −∞, a run leaving an `expr` window
//!   for a lower basin). "Loss minus the lowest loss any run reached" would make the run
//!   racing to −∞ look perfectly converged, so it is never drawn. f is drawn on a
//!   symmetric-log axis when it spans many decades (a linear band around 0, decades beyond it
//!   on both sides) and on a linear axis otherwise; the axis caption says which.
//!
//! A run that diverged must not squash the others: the axis stops three decades beyond what
//! the runs that did not diverge reached, and the divergence is marked at the frame instead.

use super::super::axis::{Axis, Symlog};

/// One run's losses, as the scale sees them.
#[derive(Clone, Copy, Debug)]
pub struct Curve<'a> {
    /// f at each row; rows that are not finite are ignored.
    pub loss: &'a [f64],
    pub diverged: bool,
}

/// How far below f\* a loss may fall and still count as having reached it: rounding in the
/// evaluation of f, relative to the size of f\* and of the starting gap. Anything further
/// below is a run that found lower ground than f\*, which then cannot be the minimum.
const ROUNDING: f64 = 1e-12;

/// Decades a diverged run may add beyond what the other runs reach.
const DIVERGED_ROOM: f64 = 3.0;

/// f on a symmetric-log axis once its magnitudes span at least this many decades (linear
/// below: a few decades read fine on a linear axis, and its ticks are plainer).
const SYMLOG_DECADES: f64 = 3.0;

/// What the y axis plots.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// log10(f − f\*), differences below `floor` (rounding) drawn at the floor.
    Gap { f_star: f64, floor: f64 },
    /// f through a symmetric-log scale.
    Symlog(Symlog),
    /// f itself.
    Linear,
}

/// The y axis of the loss panel: what it shows and its range and ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct LossScale {
    pub shown: Shown,
    pub axis: Axis,
}

impl LossScale {
    /// The axis coordinate of a loss (finite in, finite out).
    pub fn y(&self, loss: f64) -> f64 {
        match &self.shown {
            Shown::Gap { f_star, floor } => (loss - f_star).max(*floor).log10(),
            Shown::Symlog(scale) => scale.forward(loss),
            Shown::Linear => loss,
        }
    }

    /// The axis caption: what is plotted and, for f, on which kind of axis.
    pub fn caption(&self) -> &'static str {
        match self.shown {
            Shown::Gap { .. } => "f − f*",
            Shown::Symlog(_) => "f (symlog)",
            Shown::Linear => "f",
        }
    }
}

/// The y axis for these curves, given f\* when the surface knows it.
pub fn choose(curves: &[Curve<'_>], f_star: Option<f64>, target_ticks: usize) -> LossScale {
    let all = || {
        curves
            .iter()
            .flat_map(|c| c.loss.iter().copied())
            .filter(|v| v.is_finite())
    };
    // What the axis must hold in full: every row of the runs that did not diverge and every
    // run's start. When every run diverged there is nothing to protect: all of it.
    let any_tame = curves.iter().any(|c| !c.diverged && !c.loss.is_empty());
    let tame = move || {
        curves
            .iter()
            .flat_map(move |c| {
                let rows = if c.diverged && any_tame {
                    1
                } else {
                    c.loss.len()
                };
                c.loss.iter().take(rows).copied()
            })
            .filter(|v| v.is_finite())
    };
    if let Some(f_star) = f_star.filter(|m| m.is_finite()) {
        let starts = curves
            .iter()
            .filter_map(|c| c.loss.first().copied())
            .filter(|v| v.is_finite());
        let size = starts.fold(f_star.abs(), |s, v| s.max((v - f_star).abs()));
        let lowest = all().fold(f64::INFINITY, f64::min);
        let reached_not_passed = lowest >= f_star - ROUNDING * size;
        if reached_not_passed && let Some(scale) = gap(all, tame, f_star, target_ticks) {
            return scale;
        }
    }
    value(all, tame, target_ticks)
}

/// f − f\* on a log axis, or `None` when no loss lies above f\* (nothing to show on a log).
fn gap<A, T, I, J>(all: A, tame: T, f_star: f64, target_ticks: usize) -> Option<LossScale>
where
    A: Fn() -> I,
    T: Fn() -> J,
    I: Iterator<Item = f64>,
    J: Iterator<Item = f64>,
{
    let d_all = all().map(|v| v - f_star).fold(0.0f64, f64::max);
    let d_tame = tame().map(|v| v - f_star).fold(0.0f64, f64::max);
    let room = 10f64.powf(DIVERGED_ROOM);
    let d_max = if d_tame > 0.0 {
        d_all.min(d_tame * room)
    } else {
        d_all
    };
    if !(d_max > 0.0 && d_max.is_finite()) {
        return None;
    }
    // Differences below about 1e-16·|f*| are rounding, not progress; and nothing is shown
    // more than 24 decades below the top.
    let floor = (1e-16 * f_star.abs())
        .max(1e-24 * d_max)
        .max(f64::MIN_POSITIVE);
    let d_min = all()
        .map(|v| (v - f_star).max(floor))
        .fold(f64::INFINITY, f64::min)
        .min(d_max);
    let (lo, hi) = (d_min.log10(), d_max.log10());
    let pad = ((hi - lo) * 0.04).max(0.05);
    Some(LossScale {
        shown: Shown::Gap { f_star, floor },
        axis: Axis::log_from_exponents(lo - pad, hi + pad, target_ticks),
    })
}

/// f itself: on a symmetric-log axis when its magnitudes span many decades, else linear.
fn value<A, T, I, J>(all: A, tame: T, target_ticks: usize) -> LossScale
where
    A: Fn() -> I,
    T: Fn() -> J,
    I: Iterator<Item = f64>,
    J: Iterator<Item = f64>,
{
    let extent = |values: &mut dyn Iterator<Item = f64>| {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
    };
    let (lo, hi) = extent(&mut all());
    let linear = || {
        // No finite loss at all: the axis makes up a range of its own.
        let pad = if lo <= hi { (hi - lo) * 0.04 } else { 0.0 };
        LossScale {
            shown: Shown::Linear,
            axis: Axis::linear(lo - pad, hi + pad, target_ticks),
        }
    };
    let Some(threshold) = symlog_threshold(all) else {
        return linear();
    };
    // Finite: a threshold exists only where some loss is finite and not 0.
    let largest = lo.abs().max(hi.abs());
    if largest / threshold < 10f64.powf(SYMLOG_DECADES) {
        return linear();
    }
    let scale = Symlog { threshold };
    let (a_lo, a_hi) = (scale.forward(lo), scale.forward(hi));
    let (t_lo, t_hi) = extent(&mut tame().map(|v| scale.forward(v)));
    let (s_lo, s_hi) = if t_lo <= t_hi {
        (
            a_lo.max(t_lo - DIVERGED_ROOM),
            a_hi.min(t_hi + DIVERGED_ROOM),
        )
    } else {
        (a_lo, a_hi)
    };
    let pad = ((s_hi - s_lo) * 0.04).max(0.05);
    LossScale {
        shown: Shown::Symlog(scale),
        axis: Axis::symlog(s_lo - pad, s_hi + pad, scale, target_ticks),
    }
}

/// Where a symmetric-log axis of these losses turns linear: the power of ten at or below the
/// scale of the small values that matter. When f keeps one sign, that is its smallest
/// magnitude (the axis is then a log axis of |f|, mirrored when f < 0). When f changes sign,
/// the smallest magnitudes are wherever a curve happened to cross 0, so the runs' starting
/// magnitudes set the band instead. `None` when every loss is 0 or none is finite.
fn symlog_threshold<A, I>(all: A) -> Option<f64>
where
    A: Fn() -> I,
    I: Iterator<Item = f64>,
{
    let nonzero = || all().filter(|v| *v != 0.0);
    let largest = nonzero().map(f64::abs).fold(0.0f64, f64::max);
    if !(largest > 0.0 && largest.is_finite()) {
        return None;
    }
    let positive = nonzero().any(|v| v > 0.0);
    let negative = nonzero().any(|v| v < 0.0);
    let small = if positive && negative {
        // The first loss read is the first run's start, where every run begins.
        nonzero().next().map(f64::abs).unwrap_or(largest)
    } else {
        nonzero().map(f64::abs).fold(f64::INFINITY, f64::min)
    };
    // Nothing more than 24 decades below the largest magnitude, as on the log axis.
    let small = small.max(largest * 1e-24).max(f64::MIN_POSITIVE);
    Some(10f64.powf(small.log10().floor()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(loss: &[f64]) -> Curve<'_> {
        Curve {
            loss,
            diverged: false,
        }
    }

    fn geometric(from: f64, to: f64, ratio: f64) -> Vec<f64> {
        let mut out = vec![from];
        while (out[out.len() - 1] - to).abs() > 1e-300 && out.len() < 400 {
            let last = out[out.len() - 1];
            out.push(to + (last - to) * ratio);
        }
        out
    }

    #[test]
    fn a_known_minimum_nobody_passed_gives_the_gap_on_a_log_axis() {
        let a = geometric(24.0, -0.25, 0.8);
        let b = geometric(24.0, -0.25, 0.95);
        let s = choose(&[curve(&a), curve(&b)], Some(-0.25), 8);
        assert!(matches!(s.shown, Shown::Gap { f_star, .. } if f_star == -0.25));
        assert!(s.axis.log);
        assert_eq!(s.caption(), "f − f*");
        // The gap itself: 24 − (−0.25) at the start.
        assert!((s.y(24.0) - 24.25f64.log10()).abs() < 1e-12);
        assert!(s.axis.hi >= 24.25f64.log10());
    }

    #[test]
    fn rounding_below_the_minimum_is_not_undercutting() {
        // f* = −0.25 evaluated a few ulps low at the bottom.
        let a = [1.0, 0.1, -0.2, -0.25 - 1e-16];
        let s = choose(&[curve(&a)], Some(-0.25), 8);
        assert!(matches!(s.shown, Shown::Gap { .. }), "{:?}", s.shown);
        assert!(s.y(-0.25 - 1e-16).is_finite());
    }

    #[test]
    fn an_unknown_minimum_gives_f_itself() {
        // A run converging to some level nobody knows: f, linear when it spans little.
        let a = geometric(5.0, 4.2, 0.7);
        let s = choose(&[curve(&a)], None, 8);
        assert_eq!(s.shown, Shown::Linear);
        assert_eq!(s.caption(), "f");
        assert_eq!(s.y(4.5), 4.5);
        assert!(!s.axis.log && s.axis.symlog.is_none());
        assert!(s.axis.lo <= 4.2 && s.axis.hi >= 5.0);
        // Positive and spanning decades: a symmetric-log axis, which is a log axis of f here.
        let b: Vec<f64> = (0..30).map(|k| 1e3 * 0.5f64.powi(k)).collect();
        let s = choose(&[curve(&b)], None, 8);
        let Shown::Symlog(scale) = s.shown else {
            panic!("{:?}", s.shown)
        };
        let smallest = b.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(scale.threshold <= smallest && scale.threshold * 10.0 > smallest);
        assert_eq!(s.caption(), "f (symlog)");
    }

    #[test]
    fn a_run_racing_to_minus_infinity_is_not_drawn_converged() {
        // The unbounded saddle (c = 0): one run crawls near 1, one dives to −5·10¹¹. Even with
        // an f* claimed, a run below it means f* was not the minimum: f on a symlog axis.
        let crawl = geometric(1.0, 0.9, 0.99);
        let dive: Vec<f64> = (0..60).map(|k| 1.0 - 1.6f64.powi(k) * 1e-1).collect();
        assert!(dive[59] < -1e11);
        for f_star in [None, Some(0.0)] {
            let s = choose(&[curve(&crawl), curve(&dive)], f_star, 8);
            let Shown::Symlog(scale) = s.shown else {
                panic!("{f_star:?}: {:?}", s.shown)
            };
            assert_eq!(s.caption(), "f (symlog)");
            // The band is set by the start (1), not by where the dive crossed 0.
            assert_eq!(scale.threshold, 1.0);
            // Both ends on the axis, the dive's bottom included.
            assert!(s.axis.lo <= s.y(dive[59]) && s.axis.hi >= s.y(1.0));
            // Higher loss, higher on the axis, across zero.
            assert!(s.y(-1e6) < s.y(-1.0) && s.y(-1.0) < s.y(0.0) && s.y(0.0) < s.y(0.5));
        }
    }

    #[test]
    fn a_known_minimum_undercut_by_more_than_rounding_gives_f() {
        // An expr surface whose window holds a minimum at −1; a run left for a lower basin.
        let stay = geometric(2.0, -1.0, 0.8);
        let leave = geometric(2.0, -1.5, 0.8);
        let s = choose(&[curve(&stay), curve(&leave)], Some(-1.0), 8);
        assert_eq!(s.shown, Shown::Linear, "3.5 units of f read fine linearly");
        assert_eq!(s.caption(), "f");
        assert!(s.axis.lo <= -1.5 && s.axis.hi >= 2.0);
    }

    #[test]
    fn a_diverged_run_does_not_squash_the_others() {
        let good = geometric(50.0, 0.0, 0.7);
        let blown: Vec<f64> = (0..138).map(|k| 50.0 * 1.21f64.powi(k)).collect();
        let curves = [
            Curve {
                loss: &blown,
                diverged: true,
            },
            curve(&good),
        ];
        let s = choose(&curves, Some(0.0), 8);
        assert!(matches!(s.shown, Shown::Gap { .. }));
        // Three decades above the highest loss of the others (the start, 50), not 10¹³.
        assert!((s.axis.hi - (50e3f64.log10())).abs() < 1.5, "{}", s.axis.hi);
        assert!(s.y(blown[137]) > s.axis.hi);
        // Every run diverged: nothing to protect, all of it shows.
        let only = [Curve {
            loss: &blown,
            diverged: true,
        }];
        let s = choose(&only, Some(0.0), 8);
        assert!(s.y(blown[137]) <= s.axis.hi);
    }

    #[test]
    fn degenerate_curves_give_a_finite_axis() {
        let empty: [f64; 0] = [];
        let flat = [3.0; 5];
        let zeros = [0.0; 4];
        let at_minimum = [-0.25; 3];
        let odd = [f64::NAN, f64::INFINITY, 1.0];
        for (curves, f_star) in [
            (vec![], None),
            (vec![curve(&empty)], Some(0.0)),
            (vec![curve(&flat)], None),
            (vec![curve(&zeros)], None),
            (vec![curve(&at_minimum)], Some(-0.25)),
            (vec![curve(&odd)], Some(f64::NAN)),
        ] {
            let s = choose(&curves, f_star, 8);
            assert!(s.axis.lo.is_finite() && s.axis.hi.is_finite() && s.axis.lo < s.axis.hi);
            for c in &curves {
                for v in c.loss.iter().filter(|v| v.is_finite()) {
                    assert!(s.y(*v).is_finite());
                }
            }
        }
    }
}
