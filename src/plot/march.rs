//! Marching squares with segments stitched into rings: the algorithm of the `contour` crate's
//! `ContourBuilder::lines` with `smooth = true` (itself d3-contour's), rewritten for speed.
//!
//! The result is the same, point for point and ring for ring (a test checks it against the
//! crate): the cells are visited in the same raster order and stitched by the same rules, so
//! rings close in the same order and start at the same point. What is faster:
//! - cells whose four corners lie on one side of the level (almost all of them) are skipped
//!   without any work: rows and blocks of 16 cells whose values lie wholly on one side of the
//!   level are skipped at once;
//! - the segment table is a constant, not a lazily built `Vec<Vec<Vec<_>>>`;
//! - prepending to a fragment is O(1) (a `VecDeque`), not a `Vec::insert(0, _)`.
//!
//! Kept over the crate because it is measured ten times faster on the figure it serves: the
//! compare's 400×400 Rosenbrock grid and its 30 levels, one thread each, take 4.0 ms here
//! against 39.9 ms for `ContourBuilder::lines` (`cargo bench --bench render -- kept/`,
//! criterion medians, machine under load; BENCHMARKS.md). Before it, the crate took 63 % of
//! a whole compare.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

/// One ring in the cell units of the `contour` crate: grid value (i, j) at (i + ½, j + ½).
pub type Ring = Vec<(f64, f64)>;

/// Segments per case (up to two), each from its start to its end, in cell-local units.
const CASES: [&[[[f64; 2]; 2]]; 16] = [
    &[],
    &[[[1.0, 1.5], [0.5, 1.0]]],
    &[[[1.5, 1.0], [1.0, 1.5]]],
    &[[[1.5, 1.0], [0.5, 1.0]]],
    &[[[1.0, 0.5], [1.5, 1.0]]],
    &[[[1.0, 1.5], [0.5, 1.0]], [[1.0, 0.5], [1.5, 1.0]]],
    &[[[1.0, 0.5], [1.0, 1.5]]],
    &[[[1.0, 0.5], [0.5, 1.0]]],
    &[[[0.5, 1.0], [1.0, 0.5]]],
    &[[[1.0, 1.5], [1.0, 0.5]]],
    &[[[0.5, 1.0], [1.0, 0.5]], [[1.5, 1.0], [1.0, 1.5]]],
    &[[[1.5, 1.0], [1.0, 0.5]]],
    &[[[0.5, 1.0], [1.5, 1.0]]],
    &[[[1.0, 1.5], [1.5, 1.0]]],
    &[[[0.5, 1.0], [1.0, 1.5]]],
    &[],
];

/// Fragment ids by point key, as in the crate. FxHash: a multiply per key, where SipHash
/// would cost more than the rest of a lookup; the keys are grid positions, not an attacker's.
type Map = FxHashMap<usize, usize>;

struct Fragment {
    start: usize,
    end: usize,
    ring: VecDeque<(f64, f64)>,
}

/// `a` then `b`, copying the shorter one: fragments merge again and again as the scan goes
/// on, and always copying the second made long zigzagging lines quadratic.
fn join(mut a: VecDeque<(f64, f64)>, mut b: VecDeque<(f64, f64)>) -> VecDeque<(f64, f64)> {
    if a.len() >= b.len() {
        a.extend(b);
        a
    } else {
        b.reserve(a.len());
        for p in a.into_iter().rev() {
            b.push_front(p);
        }
        b
    }
}

/// Stitches segments into rings for one level.
struct Stitcher {
    by_start: Map,
    by_end: Map,
    fragments: Vec<Option<Fragment>>,
    free: Vec<usize>,
    row_width: f64,
    rings: Vec<Ring>,
}

impl Stitcher {
    fn new(dx: usize) -> Stitcher {
        Stitcher {
            by_start: Map::default(),
            by_end: Map::default(),
            fragments: Vec::new(),
            free: Vec::new(),
            row_width: ((dx + 1) * 4) as f64,
            rings: Vec::new(),
        }
    }

    /// The crate's point key, computed the same way (a float expression cast to usize).
    #[inline]
    fn index(&self, p: (f64, f64)) -> usize {
        (p.0 * 2.0 + p.1 * self.row_width) as usize
    }

    fn insert(&mut self, f: Fragment) -> usize {
        match self.free.pop() {
            Some(ix) => {
                self.fragments[ix] = Some(f);
                ix
            }
            None => {
                self.fragments.push(Some(f));
                self.fragments.len() - 1
            }
        }
    }

    fn remove(&mut self, ix: usize) -> Fragment {
        self.free.push(ix);
        self.fragments[ix].take().expect("a live fragment")
    }

    #[inline]
    fn case(&mut self, case: usize, x: i64, y: i64) {
        for seg in CASES[case] {
            self.stitch(seg, x, y);
        }
    }

    fn stitch(&mut self, seg: &[[f64; 2]; 2], x: i64, y: i64) {
        let start = (seg[0][0] + x as f64, seg[0][1] + y as f64);
        let end = (seg[1][0] + x as f64, seg[1][1] + y as f64);
        let si = self.index(start);
        let ei = self.index(end);
        if self.by_end.contains_key(&si) {
            let f_ix = self.by_end.remove(&si).expect("checked");
            if let Some(g_ix) = self.by_start.remove(&ei) {
                if f_ix == g_ix {
                    let mut f = self.remove(f_ix);
                    f.ring.push_back(end);
                    self.rings.push(f.ring.into());
                } else {
                    let f = self.remove(f_ix);
                    let g = self.remove(g_ix);
                    let (fs, ge) = (f.start, g.end);
                    let ring = join(f.ring, g.ring);
                    let ix = self.insert(Fragment {
                        start: fs,
                        end: ge,
                        ring,
                    });
                    self.by_start.insert(fs, ix);
                    self.by_end.insert(ge, ix);
                }
            } else {
                let f = self.fragments[f_ix].as_mut().expect("a live fragment");
                f.ring.push_back(end);
                f.end = ei;
                self.by_end.insert(ei, f_ix);
            }
        } else if let Some(f_ix) = self.by_start.remove(&ei) {
            // (The crate checks `by_end[si]` again here; it was just found absent.)
            let f = self.fragments[f_ix].as_mut().expect("a live fragment");
            f.ring.push_front(start);
            f.start = si;
            self.by_start.insert(si, f_ix);
        } else {
            let ix = self.insert(Fragment {
                start: si,
                end: ei,
                ring: VecDeque::from(vec![start, end]),
            });
            self.by_start.insert(si, ix);
            self.by_end.insert(ei, ix);
        }
    }
}

/// Cells per block of [`Ranges`].
const BLOCK: usize = 8;

/// The smallest and largest corner value of every block of [`BLOCK`] cells along each row of
/// cells, and of each whole row: a level outside a block's range has no segment in it.
/// Computed once per grid, it lets every level skip almost every cell.
pub struct Ranges {
    rows: Vec<(f64, f64)>,
    blocks: Vec<(f64, f64)>,
    per_row: usize,
}

/// [`Ranges`] of a `dx × dy` grid of finite values.
pub fn row_pair_ranges(values: &[f64], dx: usize, dy: usize) -> Ranges {
    let cells = dx - 1;
    let per_row = cells.div_ceil(BLOCK);
    // Each row's blocks first (corner columns x0..=x1), then pairs of rows.
    let mut single = Vec::with_capacity(per_row * dy);
    for row in values.chunks_exact(dx).take(dy) {
        for b in 0..per_row {
            let (x0, x1) = (b * BLOCK, ((b + 1) * BLOCK).min(cells));
            let (mut lo, mut hi) = (row[x0], row[x0]);
            for &v in &row[x0 + 1..=x1] {
                lo = if v < lo { v } else { lo };
                hi = if v > hi { v } else { hi };
            }
            single.push((lo, hi));
        }
    }
    let mut blocks = Vec::with_capacity(per_row * (dy - 1));
    let mut rows = Vec::with_capacity(dy - 1);
    for y in 0..dy - 1 {
        let (below, above) = (
            &single[y * per_row..(y + 1) * per_row],
            &single[(y + 1) * per_row..(y + 2) * per_row],
        );
        let (mut rlo, mut rhi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (a, b) in below.iter().zip(above) {
            let (lo, hi) = (a.0.min(b.0), a.1.max(b.1));
            blocks.push((lo, hi));
            rlo = rlo.min(lo);
            rhi = rhi.max(hi);
        }
        rows.push((rlo, rhi));
    }
    Ranges {
        rows,
        blocks,
        per_row,
    }
}

/// The rings of one level, in cell units, smoothed by linear interpolation: what
/// `ContourBuilder::new(dx, dy, true).lines(values, &[threshold])` returns for it.
///
/// `values` must be finite (NaN compares differently in the skips). `ranges` comes from
/// [`row_pair_ranges`].
#[cfg(test)]
pub fn rings(values: &[f64], dx: usize, dy: usize, ranges: &Ranges, threshold: f64) -> Vec<Ring> {
    Tracer::new(dx, dy).rings(values, ranges, threshold)
}

/// Traces level after level on one grid, reusing its tables.
pub struct Tracer {
    s: Stitcher,
    dx: usize,
    dy: usize,
}

impl Tracer {
    pub fn new(dx: usize, dy: usize) -> Tracer {
        assert!(dx >= 2 && dy >= 2);
        Tracer {
            s: Stitcher::new(dx),
            dx,
            dy,
        }
    }

    /// See [`rings`].
    pub fn rings(&mut self, values: &[f64], ranges: &Ranges, threshold: f64) -> Vec<Ring> {
        let (dx, dy) = (self.dx, self.dy);
        assert!(values.len() == dx * dy);
        let s = &mut self.s;
        let rings = trace(s, values, dx, dy, ranges, threshold);
        // Fragments left open (none when the values are finite) leave the tables clean.
        for f in s.fragments.drain(..).flatten() {
            s.by_start.remove(&f.start);
            s.by_end.remove(&f.end);
        }
        s.free.clear();
        rings
    }
}

fn trace(
    s: &mut Stitcher,
    values: &[f64],
    dx: usize,
    dy: usize,
    ranges: &Ranges,
    threshold: f64,
) -> Vec<Ring> {
    let above = |k: usize| (values[k] >= threshold) as usize;
    let (dxi, dyi) = (dx as i64, dy as i64);

    // First row (y = -1; below it, the frame counts as below the level).
    let mut t1 = above(0);
    s.case(t1 << 1, -1, -1);
    for x in 0..dxi - 1 {
        let t0 = t1;
        t1 = above((x + 1) as usize);
        let c = t0 | t1 << 1;
        if c != 0 {
            s.case(c, x, -1);
        }
    }
    s.case(t1, dxi - 1, -1);

    // Rows between.
    for y in 0..dyi - 1 {
        let (lo, hi) = ranges.rows[y as usize];
        let base = (y * dxi) as usize;
        if threshold > hi {
            // Every corner below: nothing, not even on the frame.
            continue;
        }
        if threshold <= lo {
            // Every corner above: only the frame cells at both ends have segments.
            s.case(6, -1, y);
            s.case(9, dxi - 1, y);
            continue;
        }
        s.case(above(base + dx) << 1 | above(base) << 2, -1, y);
        let blocks = &ranges.blocks[y as usize * ranges.per_row..][..ranges.per_row];
        for (b, &(lo, hi)) in blocks.iter().enumerate() {
            if threshold > hi || threshold <= lo {
                // Every cell of the block is case 0 or case 15: no segment.
                continue;
            }
            let (x0, x1) = (b * BLOCK, ((b + 1) * BLOCK).min(dx - 1));
            let mut t1 = above(base + dx + x0);
            let mut t2 = above(base + x0);
            for x in x0..x1 {
                let t0 = t1;
                t1 = above(base + dx + x + 1);
                let t3 = t2;
                t2 = above(base + x + 1);
                let c = t0 | t1 << 1 | t2 << 2 | t3 << 3;
                if c != 0 && c != 15 {
                    s.case(c, x as i64, y);
                }
            }
        }
        s.case(
            above(base + dx + dx - 1) | above(base + dx - 1) << 3,
            dxi - 1,
            y,
        );
    }

    // Last row (y = dy - 1; above it, the frame).
    let y = dyi - 1;
    let base = (y * dxi) as usize;
    let mut t2 = above(base);
    s.case(t2 << 2, -1, y);
    for x in 0..dx - 1 {
        let t3 = t2;
        t2 = above(base + x + 1);
        let c = t2 << 2 | t3 << 3;
        if c != 0 {
            s.case(c, x as i64, y);
        }
    }
    s.case(t2 << 3, dxi - 1, y);

    let mut rings = std::mem::take(&mut s.rings);
    for ring in &mut rings {
        smooth(ring, values, dx, dy, threshold);
    }
    rings
}

/// The crate's `smoooth_linear`, expression for expression.
fn smooth(ring: &mut Ring, values: &[f64], dx: usize, dy: usize, value: f64) {
    let len = values.len();
    for point in ring.iter_mut() {
        let (x, y) = *point;
        // `as` truncates, as `trunc()` then `as` did (points are never negative).
        let xt = x as usize;
        let yt = y as usize;
        let ix = yt * dx + xt;
        if ix < len {
            let v1 = values[ix];
            if x > 0.0 && x < dx as f64 && (xt as f64 - x).abs() < f64::EPSILON {
                let v0 = values[yt * dx + xt - 1];
                point.0 = x + (value - v0) / (v1 - v0) - 0.5;
            }
            if y > 0.0 && y < dy as f64 && (yt as f64 - y).abs() < f64::EPSILON {
                let v0 = values[(yt - 1) * dx + xt];
                point.1 = y + (value - v0) / (v1 - v0) - 0.5;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Grid, Surface};

    /// Same rings, same order, same points (bit for bit) as the `contour` crate.
    #[test]
    fn rings_match_the_contour_crate() {
        for (kind, n, levels) in [
            ("rosenbrock", 120, vec![0.5, 5.0, 50.0, 500.0, 3000.0]),
            ("saddle", 97, vec![-0.2, 0.0, 0.3, 1.0, 2.5]),
            ("himmelblau", 64, vec![1.0, 10.0, 50.0, 150.0]),
            ("rastrigin", 101, vec![5.0, 20.0, 40.0]),
            ("quadratic", 41, vec![0.0, 0.1, 1.0, 1e9]),
        ] {
            let s = crate::core::registry::default_surface(kind).unwrap();
            let g = Grid::sample(&s, s.window(), n, n + 7);
            let (dx, dy) = (g.nx, g.ny);
            let expected = contour::ContourBuilder::new(dx, dy, true)
                .lines(&g.values, &levels)
                .unwrap();
            let ranges = row_pair_ranges(&g.values, dx, dy);
            for (line, &level) in expected.iter().zip(&levels) {
                let ours = rings(&g.values, dx, dy, &ranges, level);
                let theirs: Vec<Ring> = line
                    .geometry()
                    .0
                    .iter()
                    .map(|r| r.0.iter().map(|c| (c.x, c.y)).collect())
                    .collect();
                assert_eq!(ours.len(), theirs.len(), "{kind} {level}");
                for (a, b) in ours.iter().zip(&theirs) {
                    assert_eq!(a.len(), b.len(), "{kind} {level}");
                    for (p, q) in a.iter().zip(b) {
                        assert_eq!(p.0.to_bits(), q.0.to_bits(), "{kind} {level}");
                        assert_eq!(p.1.to_bits(), q.1.to_bits(), "{kind} {level}");
                    }
                }
            }
        }
    }
}
