//! Which contour levels to draw, and the scale that maps f to a colour.

use crate::core::Grid;

/// The contour levels of a figure and the scale of its colour map.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    /// Log-spaced levels of f − base (and a log colour scale) or linear levels of f.
    pub log: bool,
    /// f* when known (and not above the grid's minimum), else the grid's minimum.
    pub base: f64,
    /// Colour-scale range in scale coordinates: log10(f − base) when `log`, f otherwise.
    pub lo: f64,
    pub hi: f64,
    /// The levels, as values of f, increasing.
    pub values: Vec<f64>,
}

impl Levels {
    /// Scale coordinate of a value of f: NaN where f is undefined, the top of the scale
    /// where it overflows, the bottom where it runs to −∞.
    pub fn scale(&self, f: f64) -> f64 {
        if f.is_nan() {
            return f64::NAN;
        }
        if f == f64::NEG_INFINITY {
            return self.lo;
        }
        if !f.is_finite() {
            return self.hi;
        }
        if self.log {
            let d = f - self.base;
            if d > 0.0 {
                d.log10().max(self.lo)
            } else {
                self.lo
            }
        } else {
            f
        }
    }

    /// Position of a value of f on the colour map, 0 to 1; NaN where f is undefined.
    pub fn unit(&self, f: f64) -> f64 {
        if f.is_nan() {
            return f64::NAN;
        }
        let t = (self.scale(f) - self.lo) / (self.hi - self.lo);
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// What the colour bar is labelled with.
    pub fn caption(&self, min_known: bool) -> &'static str {
        match (self.log, min_known) {
            (true, true) => "f − f*",
            (true, false) => "f − min f",
            (false, _) => "f",
        }
    }
}

/// Chooses `n` contour levels for `grid`.
///
/// `log`: `Some` forces the choice; `None` picks log-spaced levels of f − f* when most of the
/// grid lies two or more decades below its top (Rosenbrock, Beale), linear otherwise (bowls,
/// saddles). A flat grid gets no levels and a small range around its value.
pub fn choose_levels(grid: &Grid, min_value: Option<f64>, n: usize, log: Option<bool>) -> Levels {
    let (gmin, gmax) = grid.range();
    if !(gmin.is_finite() && gmax.is_finite()) {
        return flat(0.0);
    }
    let base = match min_value {
        Some(m) if m.is_finite() && m <= gmin => m,
        _ => gmin,
    };
    let top = gmax - base;
    if top <= 0.0 || gmax - gmin <= 1e-12 * gmax.abs().max(gmin.abs()).max(f64::MIN_POSITIVE) {
        return flat(gmin);
    }
    let n = n.clamp(0, 1000);

    let mut d: Vec<f64> = grid
        .values
        .iter()
        .map(|v| v - base)
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let p10 = quantile(&mut d, 0.10);
    let decide = || p10.is_some_and(|p| (top / p).log10() >= 2.0);
    let log = log.unwrap_or_else(decide) && !d.is_empty();

    if log {
        // The lowest level: a hair above the very bottom (0.5 % of the grid lies below it),
        // never more than 12 decades under the top.
        let bottom = lower_quantile(&mut d, 0.005, 0.10)
            .unwrap_or(top * 1e-6)
            .max(top * 1e-12);
        let (lo, hi) = (bottom.log10(), top.log10());
        let values = (0..n)
            .map(|k| base + 10f64.powf(lo + (hi - lo) * (k as f64 + 0.5) / n as f64))
            .collect();
        Levels {
            log: true,
            base,
            lo,
            hi,
            values,
        }
    } else {
        let values = (0..n)
            .map(|k| gmin + (gmax - gmin) * (k as f64 + 0.5) / n as f64)
            .collect();
        Levels {
            log: false,
            base,
            lo: gmin,
            hi: gmax,
            values,
        }
    }
}

fn flat(v: f64) -> Levels {
    let pad = if v == 0.0 { 0.5 } else { v.abs() * 0.05 };
    Levels {
        log: false,
        base: v,
        lo: v - pad,
        hi: v + pad,
        values: Vec::new(),
    }
}

/// The q-quantile of `v` when [`quantile`] has just found its `done` quantile (`q <= done`):
/// the elements below that one are the smallest, so the search stays among them.
fn lower_quantile(v: &mut [f64], q: f64, done: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let k = ((v.len() - 1) as f64 * q).round() as usize;
    let upto = ((v.len() - 1) as f64 * done).round() as usize;
    if k >= upto {
        return quantile(v, q);
    }
    let (_, x, _) = v[..upto].select_nth_unstable_by(k, f64::total_cmp);
    Some(*x)
}

/// The q-quantile of `v` (reorders it), `None` when empty.
fn quantile(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let k = ((v.len() - 1) as f64 * q).round() as usize;
    let (_, x, _) = v.select_nth_unstable_by(k, f64::total_cmp);
    Some(*x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Surface, Window};

    fn sampled(kind: &str) -> (Grid, Option<f64>) {
        let s = crate::core::registry::default_surface(kind).unwrap();
        (Grid::sample(&s, s.window(), 120, 120), s.min_value())
    }

    #[test]
    fn rosenbrock_gets_log_levels_and_bowls_linear_ones() {
        let (g, m) = sampled("rosenbrock");
        let l = choose_levels(&g, m, 30, None);
        assert!(l.log);
        assert_eq!(l.values.len(), 30);
        assert!(l.values.windows(2).all(|w| w[0] < w[1]));
        assert!(l.values[0] < 1.0 && *l.values.last().unwrap() > 1e3);
        for kind in ["quadratic", "saddle"] {
            let (g, m) = sampled(kind);
            assert!(!choose_levels(&g, m, 30, None).log, "{kind}");
        }
        let (g, m) = sampled("quadratic");
        assert!(choose_levels(&g, m, 30, Some(true)).log);
    }

    #[test]
    fn a_flat_grid_gets_no_levels_and_a_sane_scale() {
        let s = crate::core::registry::default_surface("quadratic").unwrap();
        let mut g = Grid::sample(
            &s,
            Window {
                x: [0.0, 1.0],
                y: [0.0, 1.0],
            },
            10,
            10,
        );
        g.values.iter_mut().for_each(|v| *v = 7.0);
        for log in [None, Some(true), Some(false)] {
            let l = choose_levels(&g, Some(0.0), 30, log);
            assert!(l.values.is_empty());
            assert!(l.lo < l.hi && l.lo.is_finite() && l.hi.is_finite());
            assert_eq!(l.unit(7.0), 0.5);
        }
    }
}
