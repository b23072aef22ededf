//! How runs share a plot so that each one stays in sight, for every figure that draws runs
//! as lines (the trajectories' paths, the loss figure's curves).
//!
//! Every run's drawing is rendered alone into a mask of the plot; the drawing order is the
//! one that leaves the least visible run most in sight; and where runs still hide one
//! another (paths or curves that lie on top of each other), the runs of such a bundle are
//! dashed in turn: each draws its dash where the others leave a gap, so the bundle shows
//! every colour. A figure says how its runs are drawn (`masks`) and how a dash is measured
//! along a line; [`arrange`] chooses the order and the dashes.

use std::sync::Arc;

use super::PlotError;
use super::clip::{P, clip_segment};
use super::coverage::{Mask, Overlaps, covered_share};
use crate::core::Window;

/// The share of its drawing each run keeps in sight, with a margin over the 30% promised.
pub(in crate::plot) const VISIBLE_TARGET: f64 = 0.36;
/// A run hides another when it covers this share of it.
const HIDES: f64 = 0.15;
/// Rounds of measuring and dashing anew: bundles grow by a pair or more each round.
const ROUNDS: usize = 4;

/// A dash pattern along a line, in pixels from a place its figure chooses: drawn from
/// `phase` for `on`, then a gap to the end of `period`, again and again; only where other
/// runs of its bundle pass too (`crowd`): elsewhere the line is solid.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::plot) struct Dash {
    pub on: f64,
    pub period: f64,
    pub phase: f64,
    pub crowd: Arc<Crowd>,
}

impl Dash {
    /// Whether the pattern draws `at` pixels along the line.
    pub fn draws(&self, at: f64) -> bool {
        (at - self.phase).rem_euclid(self.period) < self.on
    }
}

/// The plot's pixels where other runs of a bundle are drawn, widened by a pixel.
// Eq as well: an `Arc<Crowd>` then compares equal to itself without reading its pixels
// (the standard library's shortcut for `Arc<T: Eq>`), as a run's unchanged dash does when
// the trajectories' planning asks whether its style changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::plot) struct Crowd {
    width: usize,
    height: usize,
    /// A bit per pixel (y · width + x): a bundle's runs get a crowd each, a plot's worth of
    /// pixels, so as bits rather than bools (an eighth of the memory to allocate and fault
    /// in).
    taken: Vec<u64>,
}

impl Crowd {
    fn new(width: u32, height: u32, masks: &[&Mask]) -> Crowd {
        let (w, h) = (width as usize, height as usize);
        let mut taken = vec![0u64; (w * h).div_ceil(64)];
        for mask in masks {
            for &p in &mask.pixels {
                let (x, y) = (p as usize % w.max(1), p as usize / w.max(1));
                for yy in y.saturating_sub(1)..(y + 2).min(h) {
                    for xx in x.saturating_sub(1)..(x + 2).min(w) {
                        let k = yy * w + xx;
                        taken[k / 64] |= 1 << (k % 64);
                    }
                }
            }
        }
        Crowd {
            width: w,
            height: h,
            taken,
        }
    }

    /// Whether another run of the bundle passes through the pixel of `p`.
    pub fn at(&self, p: P, win: &Window, per_px: [f64; 2]) -> bool {
        let x = ((p[0] - win.x[0]) / per_px[0]).floor();
        let y = ((win.y[1] - p[1]) / per_px[1]).floor();
        if !(x >= 0.0 && y >= 0.0) {
            return false;
        }
        let (x, y) = ((x as usize).min(self.width.saturating_sub(1)), y as usize);
        let k = y * self.width + x;
        y < self.height && self.taken[k / 64] & (1 << (k % 64)) != 0
    }
}

/// The drawn parts of a polyline inside the window, where `on(p, walked)` says so: `p` runs
/// along every segment a pixel at a time (the pattern changes along a segment), `walked`
/// is how many pixels of the window's segments lie before it, counted on from `walked`'s
/// value, which is left at the polyline's end (a line drawn in pieces dashes as one).
pub(in crate::plot) fn dashed(
    points: &[P],
    win: &Window,
    per_px: [f64; 2],
    walked: &mut f64,
    mut on: impl FnMut(P, f64) -> bool,
) -> Vec<Vec<P>> {
    let mut pieces: Vec<Vec<P>> = Vec::new();
    let mut current: Vec<P> = Vec::new();
    let flush = |current: &mut Vec<P>, pieces: &mut Vec<Vec<P>>| {
        if current.len() >= 2 {
            pieces.push(std::mem::take(current));
        }
        current.clear();
    };
    for w in points.windows(2) {
        let Some((a, b)) = clip_segment(w[0], w[1], win) else {
            flush(&mut current, &mut pieces);
            continue;
        };
        let length = ((b[0] - a[0]) / per_px[0]).hypot((b[1] - a[1]) / per_px[1]);
        let length = if length.is_finite() { length } else { 0.0 };
        let n = (length.ceil() as usize).clamp(1, 100_000);
        for k in 0..=n {
            let t = k as f64 / n as f64;
            let p = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
            if on(p, *walked + length * t) {
                if current.last() != Some(&p) {
                    current.push(p);
                }
            } else {
                flush(&mut current, &mut pieces);
            }
        }
        *walked += length;
    }
    flush(&mut current, &mut pieces);
    pieces
}

/// How the runs share a plot: the order they are drawn in and each one's dash, with the
/// masks the choice was measured on.
#[derive(Clone, Debug)]
pub(in crate::plot) struct Arrangement {
    /// Run indices, first drawn to last.
    pub order: Vec<usize>,
    /// By run index: its dash, if it lies in a bundle.
    pub dashes: Vec<Option<Dash>>,
    /// By run index: the share of each run's drawing left in sight (of its kin's, for runs
    /// that draw one line together: see [`arrange`]).
    pub visible: Vec<f64>,
    /// By run index: everything each run's drawing changes, alone on the plot.
    pub cover: Vec<Mask>,
}

/// Chooses the drawing order and the dashes of `n` runs on a plot of `size` pixels so that
/// each run keeps at least [`VISIBLE_TARGET`] of its drawing in sight where it can.
///
/// `masks(dashes, buffer)` renders each run alone with those dashes: what it draws in its
/// colour (ink) and everything it changes (cover, a superset of the ink), on `buffer` (a
/// blank plot kept from mask to mask, see `coverage::Mask::render`). `widths` are the
/// runs' line widths and `dash_range` the shortest and longest dash, in pixels. Runs of
/// the same `kin` draw one and the same line (the same learning-rate schedule): they are a
/// bundle from the start, dashed in turn so each colour shows, and their share in sight is
/// the line's, since no order can show one of them where the others draw it too.
pub(in crate::plot) fn arrange(
    n: usize,
    size: (u32, u32),
    kin: &[usize],
    widths: &[u32],
    dash_range: (f64, f64),
    buffer: &mut Vec<u8>,
    mut masks: impl FnMut(&[Option<Dash>], &mut Vec<u8>) -> Result<(Vec<Mask>, Vec<Mask>), PlotError>,
) -> Result<Arrangement, PlotError> {
    // Bundles of runs, joined (for good) whenever one hides the other while either is out of
    // sight; each round dashes the bundles anew and measures again. Kin start joined.
    let mut group: Vec<usize> = (0..n)
        .map(|i| (0..n).find(|&j| kin[j] == kin[i]).unwrap_or(i))
        .collect();
    fn root(group: &mut [usize], i: usize) -> usize {
        let mut r = i;
        while group[r] != r {
            r = group[r];
        }
        group[i] = r;
        r
    }
    // Solid kin must be dashed before a plan counts: drawn solid, one colour hides the rest.
    let kin_bundles = (0..n).any(|i| group[i] != i);
    let worst = |v: &[f64]| v.iter().copied().fold(1.0, f64::min);
    // Dashes short enough that a short bundle still shows every run's colour.
    let dash_length = |members: &[usize], ink: &[Mask]| {
        let shortest = members
            .iter()
            .map(|&i| ink[i].pixels.len() as f64 / f64::from(widths[i].max(1)))
            .fold(f64::INFINITY, f64::min);
        (shortest / (2.0 * members.len() as f64)).clamp(dash_range.0, dash_range.1)
    };
    let mut dashes: Vec<Option<Dash>> = vec![None; n];
    let mut best: Option<Arrangement> = None;
    // Where each run goes when drawn solid: the crowds its bundle's dashes avoid.
    let mut solid_cover: Option<Vec<Mask>> = None;
    // By run: the bundle its crowd was made of, and the crowd. A crowd is the other members'
    // solid covers, which stay as the first round measured them, so a bundle that did not
    // change keeps its runs' crowds: no new plot-sized crowd per member and round, and the
    // masks' planning finds such a run's dash unchanged by pointer (`Arc<Crowd: Eq>`)
    // rather than by comparing two plots of pixels.
    let mut crowds: Vec<Option<(Vec<usize>, Arc<Crowd>)>> = vec![None; n];
    for round in 0..ROUNDS {
        let (ink, cover) = masks(&dashes, buffer)?;
        let solid_cover = solid_cover.get_or_insert_with(|| cover.clone());
        let overlaps = Overlaps::new(&ink, &cover);
        let order = overlaps.best_order();
        let visible = overlaps.visible_fractions(&order, kin);
        let counts = round > 0 || !kin_bundles;
        let done = counts && visible.iter().all(|&v| v >= VISIBLE_TARGET);
        let plan = Arrangement {
            order,
            dashes: dashes.clone(),
            visible,
            cover,
        };
        if counts
            && best
                .as_ref()
                .is_none_or(|b| worst(&plan.visible) > worst(&b.visible))
        {
            best = Some(plan.clone());
        }
        if done {
            break;
        }
        let mut joined = false;
        for (i, ink_i) in ink.iter().enumerate() {
            for j in 0..n {
                let hidden = plan.visible[i] < VISIBLE_TARGET;
                if i != j && hidden && covered_share(ink_i, &plan.cover[j]) >= HIDES {
                    let (a, b) = (root(&mut group, i), root(&mut group, j));
                    if a != b {
                        group[a.max(b)] = a.min(b);
                        joined = true;
                    }
                }
            }
        }
        if !joined && counts {
            break;
        }
        let roots: Vec<usize> = (0..n).map(|i| root(&mut group, i)).collect();
        for r in 0..n {
            let members: Vec<usize> = (0..n).filter(|&i| roots[i] == r).collect();
            let k = members.len() as f64;
            let dash_length = dash_length(&members, &ink);
            for (slot, &i) in members.iter().enumerate() {
                if members.len() < 2 {
                    dashes[i] = None;
                    continue;
                }
                let crowd = match &crowds[i] {
                    Some((bundle, crowd)) if *bundle == members => Arc::clone(crowd),
                    _ => {
                        let others: Vec<&Mask> = members
                            .iter()
                            .filter(|&&j| j != i)
                            .map(|&j| &solid_cover[j])
                            .collect();
                        let crowd = Arc::new(Crowd::new(size.0, size.1, &others));
                        crowds[i] = Some((members.clone(), Arc::clone(&crowd)));
                        crowd
                    }
                };
                dashes[i] = Some(Dash {
                    on: dash_length,
                    period: dash_length * k,
                    phase: dash_length * slot as f64,
                    crowd,
                });
            }
        }
    }
    best.ok_or_else(|| PlotError::new("no runs to arrange"))
}
