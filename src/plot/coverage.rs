//! What covers what in a plot: each run's drawing rendered alone into a mask of the plot's
//! pixels, how much of each run the runs drawn after it leave in sight, and where a legend
//! of a given size can go without covering any of it.
//!
//! The masks are drawn with the very code that draws the figure (the figures' bitmap backend,
//! [`Bitmap`], on a scratch buffer the size of the plot), so what is measured is what is
//! shown.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;
use super::axis::{Axis, Ticked};
use super::raster::Bitmap;
use crate::core::Window;

/// Which pixels of a `width × height` plot something touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    pub width: u32,
    pub height: u32,
    /// Indices (y · width + x) of the touched pixels, increasing.
    pub pixels: Vec<u32>,
}

/// What a scratch buffer is filled with before drawing: a colour no figure draws, so that
/// every pixel a drawing touches (a white halo too) differs from it afterwards.
const UNTOUCHED: [u8; 3] = [1, 2, 3];

impl Mask {
    /// The pixels `draw` touches on a blank plot of `width × height` pixels.
    pub fn render(
        width: u32,
        height: u32,
        buffer: &mut Vec<u8>,
        draw: impl FnOnce(&DrawingArea<Bitmap<'_>, Shift>) -> Result<(), PlotError>,
    ) -> Result<Mask, PlotError> {
        blank(buffer, width, height);
        let reach = RefCell::new(Reach::new(width, height));
        draw_on(buffer, width, height, &reach, draw)?;
        let pixels = touched(buffer, &reach.borrow());
        reset(buffer, &pixels);
        Ok(Mask {
            width,
            height,
            pixels,
        })
    }

    /// The pixels `first` touches on a blank plot, and those `first` and `then` (drawn over
    /// it) touch together: for a drawing whose full mask is another's plus more (a run's
    /// ink, and its ink with the halo), one blank plot and one drawing of the shared part
    /// instead of two. Neither may draw the blank colour itself: the second mask is the
    /// union of what each touches alone only if `then` leaves no touched pixel blank.
    pub fn render_pair(
        width: u32,
        height: u32,
        buffer: &mut Vec<u8>,
        first: impl FnOnce(&DrawingArea<Bitmap<'_>, Shift>) -> Result<(), PlotError>,
        then: impl FnOnce(&DrawingArea<Bitmap<'_>, Shift>) -> Result<(), PlotError>,
    ) -> Result<(Mask, Mask), PlotError> {
        blank(buffer, width, height);
        let reach = RefCell::new(Reach::new(width, height));
        draw_on(buffer, width, height, &reach, first)?;
        let alone = touched(buffer, &reach.borrow());
        draw_on(buffer, width, height, &reach, then)?;
        let both = touched(buffer, &reach.borrow());
        // `alone` too, should `then` have drawn a pixel back to blank.
        reset(buffer, &alone);
        reset(buffer, &both);
        let mask = |pixels| Mask {
            width,
            height,
            pixels,
        };
        Ok((mask(alone), mask(both)))
    }

    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }
}

/// Makes `buffer` a blank plot of `width × height` pixels. Between masks the buffer stays
/// blank (see [`reset`]): only a buffer of another size, or one a failed drawing left
/// touched somewhere unknown (emptied), is filled, instead of refilling the whole plot for
/// each of the many masks a figure's planning draws.
fn blank(buffer: &mut Vec<u8>, width: u32, height: u32) {
    let len = width as usize * height as usize * 3;
    if buffer.len() != len {
        buffer.clear();
        buffer.resize(len, 0);
        for pixel in buffer.chunks_exact_mut(3) {
            pixel.copy_from_slice(&UNTOUCHED);
        }
    }
}

/// Draws on the plot in `buffer`, widening `reach` to every pixel drawn on; on failure
/// empties the buffer, so that the next mask refills it.
fn draw_on(
    buffer: &mut Vec<u8>,
    width: u32,
    height: u32,
    reach: &RefCell<Reach>,
    draw: impl FnOnce(&DrawingArea<Bitmap<'_>, Shift>) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    let drawn = {
        let root = Bitmap::tracking(buffer, (width, height), reach).into_drawing_area();
        draw(&root).and_then(|()| Ok(root.present()?))
    };
    if drawn.is_err() {
        buffer.clear();
    }
    drawn
}

/// Where on a plot something was drawn: per row, the columns `first..=last` between which
/// every pixel drawn on lies (none while `first > last`). A mask's drawing is a few
/// thousand pixels of a plot of half a million: its scan ([`touched`]) looks only here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::plot) struct Reach {
    width: i32,
    /// By row: the first and last column drawn on.
    spans: Vec<(i32, i32)>,
}

impl Reach {
    const NONE: (i32, i32) = (i32::MAX, i32::MIN);

    fn new(width: u32, height: u32) -> Reach {
        Reach {
            width: width as i32,
            spans: vec![Reach::NONE; height as usize],
        }
    }

    /// Widened to the box with corners `a` and `b` (pixels), `margin` more on every side:
    /// what a drawing call between them may touch. A box beyond an edge of the plot still
    /// reaches that edge: the bitmap backend clamps a line's ends into the plot, so a
    /// line wholly to its right draws in its last column.
    pub(in crate::plot) fn widen(&mut self, a: (i32, i32), b: (i32, i32), margin: i32) {
        let (width, height) = (self.width, self.spans.len() as i32);
        if width <= 0 || height <= 0 {
            return;
        }
        let within = |v: i32, len: i32| v.clamp(0, len - 1);
        let x0 = within(a.0.min(b.0).saturating_sub(margin), width);
        let x1 = within(a.0.max(b.0).saturating_add(margin), width);
        let y0 = within(a.1.min(b.1).saturating_sub(margin), height);
        let y1 = within(a.1.max(b.1).saturating_add(margin), height);
        for span in &mut self.spans[y0 as usize..=y1 as usize] {
            *span = (span.0.min(x0), span.1.max(x1));
        }
    }
}

/// Sets `pixels` of `buffer` back to blank.
fn reset(buffer: &mut [u8], pixels: &[u32]) {
    for &k in pixels {
        let at = k as usize * 3;
        buffer[at..at + 3].copy_from_slice(&UNTOUCHED);
    }
}

/// Pixels per block that [`touched`] compares at once: 96 bytes, twelve 8-byte words.
const BLOCK: usize = 32;

/// The indices of the pixels of an RGB `buffer` that differ from [`UNTOUCHED`], increasing;
/// only `reach` can hold any. This scan follows each of the many masks a figure's planning
/// renders: each row's reach is compared with a blank block as 8-byte words, their
/// differences or-ed together (no branch per word, no call to memcmp), and only the rare
/// blocks that differ are looked at pixel by pixel.
fn touched(buffer: &[u8], reach: &Reach) -> Vec<u32> {
    let mut pixels = Vec::new();
    let width = reach.width.max(0) as usize;
    if width == 0 {
        return pixels;
    }
    let mut blank = [0u8; BLOCK * 3];
    for pixel in blank.chunks_exact_mut(3) {
        pixel.copy_from_slice(&UNTOUCHED);
    }
    let word = |bytes: &[u8]| u64::from_ne_bytes(bytes.try_into().expect("8 bytes"));
    let blank: Vec<u64> = blank.chunks_exact(8).map(word).collect();
    let check = |first: usize, pixels_of: &[u8], pixels: &mut Vec<u32>| {
        for (k, p) in pixels_of.chunks_exact(3).enumerate() {
            if p != UNTOUCHED {
                pixels.push((first + k) as u32);
            }
        }
    };
    for (y, &(x0, x1)) in reach.spans.iter().enumerate() {
        if x0 > x1 {
            continue;
        }
        let first = y * width + x0 as usize;
        let end = y * width + x1 as usize + 1;
        let Some(row) = buffer.get(first * 3..end * 3) else {
            break;
        };
        let mut blocks = row.chunks_exact(BLOCK * 3);
        for (b, block) in blocks.by_ref().enumerate() {
            let differs = block
                .chunks_exact(8)
                .zip(&blank)
                .fold(0, |acc, (bytes, &blank)| acc | (word(bytes) ^ blank));
            if differs != 0 {
                check(first + b * BLOCK, block, &mut pixels);
            }
        }
        let tail = blocks.remainder();
        check(end - tail.len() / 3, tail, &mut pixels);
    }
    pixels
}

/// Which runs meet at the plot's pixels, without a map of the plot: for each combination of
/// runs that cover a pixel and runs that ink it, how many pixels have it. The planning
/// rounds of a figure ask what covers what a dozen times over masks of a few thousand pixels
/// each; a few plot-sized maps per question (half a million pixels) cost more to allocate,
/// fill and fault in than the questions themselves, and a figure's pixels fall into a few
/// hundred combinations at most.
pub struct Overlaps {
    /// u64 words per set of runs.
    words: usize,
    /// Per combination, `2 × words` words: the runs covering its pixels, then those inking
    /// them (run i is bit i % 64 of word i / 64).
    sets: Vec<u64>,
    /// Per combination: its pixels.
    pixels: Vec<u32>,
    /// Per run: its ink's pixels.
    ink_len: Vec<usize>,
}

/// Pixels of the plot gathered at a time by [`Overlaps::new`]: a map of this many run sets
/// stays in the cache and is reused band after band.
const BAND: u32 = 4096;

impl Overlaps {
    /// What `ink[i]` (what run i draws in its colour) and `cover[i]` (everything its drawing
    /// changes) share, all masks of one plot.
    pub fn new(ink: &[Mask], cover: &[Mask]) -> Overlaps {
        let n = ink.len();
        let words = n.div_ceil(64).max(1);
        let stride = 2 * words;
        let mut overlaps = Overlaps {
            words,
            sets: Vec::new(),
            pixels: Vec::new(),
            ink_len: ink.iter().map(|m| m.pixels.len()).collect(),
        };
        // Each list with where its run's bit goes in a pixel's sets: (pixels, word, bit).
        let lists: Vec<(&[u32], usize, u64)> = cover
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.pixels[..], i / 64, 1u64 << (i % 64)))
            .chain(
                ink.iter()
                    .enumerate()
                    .map(|(i, m)| (&m.pixels[..], words + i / 64, 1u64 << (i % 64))),
            )
            .collect();
        let end = lists
            .iter()
            .filter_map(|(pixels, _, _)| pixels.last())
            .max()
            .map_or(0, |&last| last + 1);
        let mut band = vec![0u64; BAND as usize * stride];
        let mut index: FxHashMap<Box<[u64]>, usize> = FxHashMap::default();
        let mut cursors = vec![0usize; lists.len()];
        let mut starts = vec![0usize; lists.len()];
        let mut last_found: Option<usize> = None;
        for first in (0..end).step_by(BAND as usize) {
            let band_end = first.saturating_add(BAND);
            // Mark each pixel of the band with the runs that meet there, …
            for ((pixels, word, bit), (cursor, start)) in
                lists.iter().zip(cursors.iter_mut().zip(&mut starts))
            {
                *start = *cursor;
                while let Some(&p) = pixels.get(*cursor).filter(|&&p| p < band_end) {
                    band[(p - first) as usize * stride + word] |= bit;
                    *cursor += 1;
                }
            }
            // … then count each marked pixel once, in its combination, and unmark it.
            for ((pixels, _, _), (&cursor, &start)) in lists.iter().zip(cursors.iter().zip(&starts))
            {
                for &p in &pixels[start..cursor] {
                    let at = (p - first) as usize * stride;
                    let sets = &mut band[at..at + stride];
                    if sets.iter().all(|&w| w == 0) {
                        continue;
                    }
                    // Neighbours along a line mostly share their runs: the last combination
                    // first, before hashing.
                    let last_sets =
                        last_found.map(|k| &overlaps.sets[k * stride..(k + 1) * stride]);
                    let k = match last_sets
                        .filter(|&last_sets| last_sets == &*sets)
                        .and(last_found)
                        .or_else(|| index.get(&*sets).copied())
                    {
                        Some(k) => k,
                        None => {
                            overlaps.sets.extend_from_slice(sets);
                            overlaps.pixels.push(0);
                            index.insert(sets.into(), overlaps.pixels.len() - 1);
                            overlaps.pixels.len() - 1
                        }
                    };
                    overlaps.pixels[k] += 1;
                    last_found = Some(k);
                    sets.fill(0);
                }
            }
        }
        overlaps
    }

    /// The combinations: the runs covering, the runs inking, and how many pixels.
    fn combinations(&self) -> impl Iterator<Item = (&[u64], &[u64], u32)> {
        self.sets
            .chunks_exact(2 * self.words)
            .zip(&self.pixels)
            .map(|(sets, &pixels)| {
                let (cover, ink) = sets.split_at(self.words);
                (cover, ink, pixels)
            })
    }

    /// The drawing order that keeps the least visible run as visible as it can be (Lawler's
    /// rule for a bottleneck: the run that suffers least under all the others goes to the
    /// bottom, then the same among the rest). Ties keep the runs' own order, later runs on
    /// top.
    pub fn best_order(&self) -> Vec<usize> {
        let n = self.ink_len.len();
        let mut left: Vec<usize> = (0..n).collect();
        let mut left_set = vec![0u64; self.words];
        for i in 0..n {
            left_set[i / 64] |= 1 << (i % 64);
        }
        let mut bottom_up = Vec::with_capacity(n);
        let mut seen = vec![0usize; n];
        while !left.is_empty() {
            // How much of each run's ink no other run still left covers (its own cover holds
            // its ink, and counts once).
            seen.fill(0);
            for (cover, ink, pixels) in self.combinations() {
                let covering: u32 = cover
                    .iter()
                    .zip(&left_set)
                    .map(|(c, l)| (c & l).count_ones())
                    .sum();
                if covering <= 1 {
                    for i in members(ink) {
                        seen[i] += pixels as usize;
                    }
                }
            }
            let visible = |i: usize| -> f64 {
                if self.ink_len[i] == 0 {
                    return 1.0;
                }
                seen[i] as f64 / self.ink_len[i] as f64
            };
            let (at, _) = left
                .iter()
                .enumerate()
                .map(|(at, &i)| (at, visible(i)))
                .fold((0, f64::NEG_INFINITY), |best, (at, v)| {
                    if v > best.1 + 1e-12 { (at, v) } else { best }
                });
            let i = left.remove(at);
            left_set[i / 64] &= !(1 << (i % 64));
            bottom_up.push(i);
        }
        bottom_up
    }

    /// For each run, the share of its ink that the runs drawn after it do not cover:
    /// `order` the runs from first drawn to last. Runs of the same `kin` draw one line
    /// together (identical learning-rate schedules): each gets the share of the line's ink
    /// (all of theirs) that no other kin's run covers, as which of them is on top at a pixel
    /// changes a colour, not what the line shows. A run that draws nothing in the plot counts
    /// as fully visible: there is nothing of it to hide.
    pub fn visible_fractions(&self, order: &[usize], kin: &[usize]) -> Vec<f64> {
        let n = self.ink_len.len();
        // Where each run is drawn: the last run drawn at a pixel is what is seen there.
        let mut drawn_at = vec![None; n];
        for (at, &i) in order.iter().enumerate() {
            drawn_at[i] = Some(at);
        }
        // By run: its kin, as a set.
        let mut kin_sets = vec![0u64; n * self.words];
        for i in 0..n {
            for j in (0..n).filter(|&j| kin[j] == kin[i]) {
                kin_sets[i * self.words + j / 64] |= 1 << (j % 64);
            }
        }
        let (mut all, mut seen) = (vec![0usize; n], vec![0usize; n]);
        for (cover, ink, pixels) in self.combinations() {
            let top = members(cover)
                .filter_map(|i| drawn_at[i].map(|at| (at, i)))
                .max()
                .map(|(_, i)| i);
            for i in 0..n {
                let kin_set = &kin_sets[i * self.words..(i + 1) * self.words];
                if ink.iter().zip(kin_set).all(|(a, b)| a & b == 0) {
                    continue;
                }
                all[i] += pixels as usize;
                if top.is_some_and(|t| kin[t] == kin[i]) {
                    seen[i] += pixels as usize;
                }
            }
        }
        (0..n)
            .map(|i| {
                if all[i] > 0 {
                    seen[i] as f64 / all[i] as f64
                } else {
                    1.0
                }
            })
            .collect()
    }
}

/// The runs in a set, increasing.
fn members(set: &[u64]) -> impl Iterator<Item = usize> + '_ {
    set.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + bit
            })
        })
    })
}

/// The share of `ink`'s pixels that `cover` covers.
pub fn covered_share(ink: &Mask, cover: &Mask) -> f64 {
    if ink.is_empty() {
        return 0.0;
    }
    // Both lists are increasing: one merge.
    let (mut a, mut b, mut shared) = (0, 0, 0usize);
    while a < ink.pixels.len() && b < cover.pixels.len() {
        match ink.pixels[a].cmp(&cover.pixels[b]) {
            std::cmp::Ordering::Less => a += 1,
            std::cmp::Ordering::Greater => b += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                a += 1;
                b += 1;
            }
        }
    }
    shared as f64 / ink.pixels.len() as f64
}

/// The plot's pixels as a blank bitmap in the plot's data coordinates, for the masks.
pub(in crate::plot) struct MaskPlot<'a> {
    pub xa: &'a Axis,
    pub ya: &'a Axis,
    /// The plot area's size in pixels.
    pub size: (u32, u32),
    pub win: &'a Window,
    pub per_px: [f64; 2],
}

impl MaskPlot<'_> {
    /// The pixels `draw` touches on the blank plot.
    pub fn mask(
        &self,
        buffer: &mut Vec<u8>,
        draw: impl FnOnce(
            &DrawingArea<Bitmap<'_>, Cartesian2d<Ticked, Ticked>>,
        ) -> Result<(), PlotError>,
    ) -> Result<Mask, PlotError> {
        let (w, h) = self.size;
        Mask::render(w, h, buffer, |root: &DrawingArea<Bitmap<'_>, Shift>| {
            draw(&root.apply_coord_spec(self.coord()))
        })
    }

    /// The pixels `first` touches on the blank plot, and those it and `then` touch together
    /// (see [`Mask::render_pair`]).
    pub fn mask_pair(
        &self,
        buffer: &mut Vec<u8>,
        first: impl FnOnce(
            &DrawingArea<Bitmap<'_>, Cartesian2d<Ticked, Ticked>>,
        ) -> Result<(), PlotError>,
        then: impl FnOnce(
            &DrawingArea<Bitmap<'_>, Cartesian2d<Ticked, Ticked>>,
        ) -> Result<(), PlotError>,
    ) -> Result<(Mask, Mask), PlotError> {
        let (w, h) = self.size;
        Mask::render_pair(
            w,
            h,
            buffer,
            |root| first(&root.apply_coord_spec(self.coord())),
            |root| then(&root.apply_coord_spec(self.coord())),
        )
    }

    /// The same mapping as the chart's plotting area, moved to the origin.
    fn coord(&self) -> Cartesian2d<Ticked, Ticked> {
        let (w, h) = self.size;
        Cartesian2d::<Ticked, Ticked>::new(
            self.xa.ranged(),
            self.ya.ranged(),
            (0..w as i32 - 1, h as i32 - 1..0),
        )
    }
}

/// Which pixels of a plot hold data a legend must not cover, and where a box fits among them.
pub struct Occupancy {
    width: usize,
    height: usize,
    /// Every occupied pixel (y · width + x), once per mask that holds it.
    pixels: Vec<u32>,
}

/// Occupied pixels in rectangles whose edges lie on given columns and rows: a summed-area
/// table over the cells those lines cut the plot into, not over every pixel. A legend's
/// search asks about a few hundred positions; a table per pixel of the plot (half a million
/// sums, most of them never read) cost more than the search itself.
struct CutTable {
    columns: Vec<usize>,
    rows: Vec<usize>,
    /// `sums[r · columns.len() + c]`: occupied pixels left of `columns[c]` and above `rows[r]`.
    sums: Vec<u32>,
}

impl CutTable {
    /// The table of `occupancy` for edges at `columns` and `rows` (increasing, within the plot).
    fn new(occupancy: &Occupancy, columns: Vec<usize>, rows: Vec<usize>) -> CutTable {
        // The cell of each pixel column: how many edges lie at or left of it (a pixel left of
        // an edge counts in that edge's sums).
        let cell_of = |edges: &[usize], n: usize| -> Vec<usize> {
            (0..n).map(|x| edges.partition_point(|&e| e <= x)).collect()
        };
        let (cell_x, cell_y) = (
            cell_of(&columns, occupancy.width),
            cell_of(&rows, occupancy.height),
        );
        let (nc, nr) = (columns.len() + 1, rows.len() + 1);
        let mut cells = vec![0u32; nc * nr];
        for &p in &occupancy.pixels {
            let (x, y) = (p as usize % occupancy.width, p as usize / occupancy.width);
            cells[cell_y[y] * nc + cell_x[x]] += 1;
        }
        // Sums over cells c' ≤ c and r' ≤ r, kept for the edges (cells 0..len of each).
        let mut sums = vec![0u32; columns.len() * rows.len()];
        let mut above = vec![0u32; nc];
        for r in 0..rows.len() {
            let mut left = 0;
            for c in 0..nc {
                left += cells[r * nc + c];
                above[c] += left;
                if c < columns.len() {
                    sums[r * columns.len() + c] = above[c];
                }
            }
        }
        CutTable {
            columns,
            rows,
            sums,
        }
    }

    /// Occupied pixels in the rectangle from column edge `x0` to `x1` and row edge `y0` to
    /// `y1`, each one of the table's edges.
    fn count(&self, (x0, x1): (usize, usize), (y0, y1): (usize, usize)) -> u32 {
        let edge =
            |edges: &[usize], v: usize| edges.binary_search(&v).expect("an edge of the table");
        let (c0, c1) = (edge(&self.columns, x0), edge(&self.columns, x1));
        let (r0, r1) = (edge(&self.rows, y0), edge(&self.rows, y1));
        let at = |c: usize, r: usize| self.sums[r * self.columns.len() + c];
        at(c1, r1) + at(c0, r0) - at(c0, r1) - at(c1, r0)
    }
}

impl Occupancy {
    /// The union of `masks` (all of one plot's size).
    pub fn new(width: u32, height: u32, masks: &[&Mask]) -> Occupancy {
        Occupancy {
            width: width as usize,
            height: height as usize,
            pixels: masks
                .iter()
                .flat_map(|m| m.pixels.iter().copied())
                .collect(),
        }
    }

    /// Where a `w × h` box fits inside the plot with `inset` pixels to its edges, with no
    /// occupied pixel within `margin` of it: the free place nearest a corner of the plot
    /// (upper right first on ties), as its top-left corner; `None` when there is none.
    pub fn free_place(&self, (w, h): (u32, u32), inset: u32, margin: u32) -> Option<(i32, i32)> {
        let (w, h, inset, margin) = (w as i64, h as i64, inset as i64, margin as i64);
        let (pw, ph) = (self.width as i64, self.height as i64);
        let (x_max, y_max) = (pw - inset - w, ph - inset - h);
        if x_max < inset || y_max < inset {
            return None;
        }
        let stride = ((w.min(h)) / 16).clamp(1, 8);
        let positions = |lo: i64, hi: i64| {
            let mut v: Vec<i64> = (lo..=hi).step_by(stride as usize).collect();
            if v.last() != Some(&hi) {
                v.push(hi);
            }
            v
        };
        let (xs, ys) = (positions(inset, x_max), positions(inset, y_max));
        // Each position asks about the box with its margin, clipped to the plot: those
        // rectangles' edges are all the table needs.
        let spans = |at: i64, size: i64, end: i64| {
            let clip = |v: i64| v.clamp(0, end) as usize;
            (clip(at - margin), clip(at + size + margin))
        };
        let edges = |positions: &[i64], size: i64, end: i64| {
            let mut edges: Vec<usize> = positions
                .iter()
                .flat_map(|&at| {
                    let (a, b) = spans(at, size, end);
                    [a, b]
                })
                .collect();
            edges.sort_unstable();
            edges.dedup();
            edges
        };
        let table = CutTable::new(self, edges(&xs, w, pw), edges(&ys, h, ph));
        let mut best: Option<(i64, (i64, i64))> = None;
        for &y in &ys {
            for &x in &xs {
                // Distance to the nearest corner, the upper ones and the right ones first.
                let dx = (x - inset).min(x_max - x);
                let dy = (y - inset).min(y_max - y);
                let bias = i64::from(x - inset < x_max - x) + 2 * i64::from(y - inset > y_max - y);
                let score = (dx + dy) * 8 + bias;
                if best.is_some_and(|(s, _)| s <= score) {
                    continue;
                }
                if table.count(spans(x, w, pw), spans(y, h, ph)) == 0 {
                    best = Some((score, (x, y)));
                }
            }
        }
        best.map(|(_, (x, y))| (x as i32, y as i32))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn mask(width: u32, height: u32, pixels: &[(u32, u32)]) -> Mask {
        let mut pixels: Vec<u32> = pixels.iter().map(|&(x, y)| y * width + x).collect();
        pixels.sort_unstable();
        Mask {
            width,
            height,
            pixels,
        }
    }

    // The planning's questions answered with plot-sized maps, as they were before
    // `Overlaps`: what it must answer to the bit.
    /// For each run, the share of its ink that the runs drawn after it do not cover: `ink[i]`
    /// is what run i draws in its colour, `cover[i]` everything its drawing changes (its ink and
    /// the white halo under it: a superset of the ink), `order` the runs from first drawn to
    /// last. Runs of the same `kin` draw one line together (identical learning-rate schedules):
    /// each gets the share of the line's ink (all of theirs) that no other kin's run covers, as
    /// which of them is on top at a pixel changes a colour, not what the line shows. A run that
    /// draws nothing in the plot counts as fully visible: there is nothing of it to hide.
    fn reference_visible_fractions(
        ink: &[Mask],
        cover: &[Mask],
        order: &[usize],
        kin: &[usize],
    ) -> Vec<f64> {
        let mut fractions = vec![1.0; ink.len()];
        let Some(first) = ink.first() else {
            return fractions;
        };
        // The run drawn last at each pixel: what is seen there. Run numbers as u16 (a figure
        // has far fewer runs): these maps span the plot and are rebuilt at every planning round,
        // so their size is most of their cost.
        const NONE: u16 = u16::MAX;
        let size = first.width as usize * first.height as usize;
        let mut top = vec![NONE; size];
        for &i in order {
            for &p in &cover[i].pixels {
                top[p as usize] = i as u16;
            }
        }
        // Each kin's ink, every pixel once.
        let mut counted = vec![NONE; size];
        for i in 0..ink.len() {
            let (mut all, mut seen) = (0usize, 0usize);
            for j in (0..ink.len()).filter(|&j| kin[j] == kin[i]) {
                for &p in &ink[j].pixels {
                    if counted[p as usize] != i as u16 {
                        counted[p as usize] = i as u16;
                        all += 1;
                        let t = top[p as usize];
                        seen += usize::from(t != NONE && kin[usize::from(t)] == kin[i]);
                    }
                }
            }
            if all > 0 {
                fractions[i] = seen as f64 / all as f64;
            }
        }
        fractions
    }

    /// The drawing order that keeps the least visible run as visible as it can be (Lawler's rule
    /// for a bottleneck: the run that suffers least under all the others goes to the bottom,
    /// then the same among the rest). Ties keep the runs' own order, later runs on top.
    fn reference_best_order(ink: &[Mask], cover: &[Mask]) -> Vec<usize> {
        let n = ink.len();
        let Some(first) = ink.first() else {
            return Vec::new();
        };
        let size = first.width as usize * first.height as usize;
        // How many of the runs not yet placed cover each pixel.
        let mut count = vec![0u16; size];
        for mask in cover {
            for &p in &mask.pixels {
                count[p as usize] += 1;
            }
        }
        let mut left: Vec<usize> = (0..n).collect();
        let mut bottom_up = Vec::with_capacity(n);
        while !left.is_empty() {
            // The share of run i's ink that no other run still left covers (its own cover holds
            // its ink, and counts once).
            let visible = |i: usize, count: &[u16]| -> f64 {
                let mask = &ink[i];
                if mask.is_empty() {
                    return 1.0;
                }
                let seen = mask
                    .pixels
                    .iter()
                    .filter(|&&p| count[p as usize] <= 1)
                    .count();
                seen as f64 / mask.pixels.len() as f64
            };
            let (at, _) = left
                .iter()
                .enumerate()
                .map(|(at, &i)| (at, visible(i, &count)))
                .fold((0, f64::NEG_INFINITY), |best, (at, v)| {
                    if v > best.1 + 1e-12 { (at, v) } else { best }
                });
            let i = left.remove(at);
            for &p in &cover[i].pixels {
                count[p as usize] -= 1;
            }
            bottom_up.push(i);
        }
        bottom_up
    }

    fn best_order(ink: &[Mask], cover: &[Mask]) -> Vec<usize> {
        Overlaps::new(ink, cover).best_order()
    }

    fn visible_fractions(ink: &[Mask], cover: &[Mask], order: &[usize], kin: &[usize]) -> Vec<f64> {
        Overlaps::new(ink, cover).visible_fractions(order, kin)
    }

    /// Runs of random lines and blobs on a small plot: ink, and cover as the ink with some
    /// pixels around it (as a halo is), some runs drawing nothing, some the same as another.
    fn arb_runs() -> impl Strategy<Value = (Vec<Mask>, Vec<Mask>, Vec<usize>)> {
        (1usize..80, 0u64..u64::MAX).prop_map(|(n, seed)| {
            let (w, h) = (23u32, 17u32);
            let mut state = seed | 1;
            let mut next = move |m: u32| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % u64::from(m)) as u32
            };
            let (mut ink, mut cover, mut kin): (Vec<Mask>, Vec<Mask>, Vec<usize>) =
                (Vec::new(), Vec::new(), Vec::new());
            for i in 0..n {
                if i > 0 && next(5) == 0 {
                    let j = next(i as u32) as usize;
                    ink.push(ink[j].clone());
                    cover.push(cover[j].clone());
                    kin.push(kin[j]);
                    continue;
                }
                let count = [0, 3, 30, 120][next(4) as usize];
                let drawn: Vec<(u32, u32)> = (0..count).map(|_| (next(w), next(h))).collect();
                let halo: Vec<(u32, u32)> = drawn
                    .iter()
                    .filter(|_| next(2) == 0)
                    .map(|&(x, y)| ((x + 1).min(w - 1), y))
                    .chain(drawn.iter().copied())
                    .collect();
                let mut ink_mask = mask(w, h, &drawn);
                ink_mask.pixels.dedup();
                let mut cover_mask = mask(w, h, &halo);
                cover_mask.pixels.dedup();
                ink.push(ink_mask);
                cover.push(cover_mask);
                kin.push(if next(3) == 0 {
                    next(i as u32 + 1) as usize
                } else {
                    i
                });
            }
            (ink, cover, kin)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn overlaps_answer_as_the_plot_maps_do((ink, cover, kin) in arb_runs(), shuffle in 0u64..1000) {
            let overlaps = Overlaps::new(&ink, &cover);
            let order = overlaps.best_order();
            prop_assert_eq!(&order, &reference_best_order(&ink, &cover));
            // The ink as its own cover too, as the learning-rate curves' planning asks.
            prop_assert_eq!(Overlaps::new(&ink, &ink).best_order(), reference_best_order(&ink, &ink));
            let mut other: Vec<usize> = order.clone();
            let turn = shuffle as usize % other.len().max(1);
            other.rotate_left(turn);
            for order in [&order, &other] {
                let fast = overlaps.visible_fractions(order, &kin);
                let slow = reference_visible_fractions(&ink, &cover, order, &kin);
                prop_assert_eq!(
                    fast.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    slow.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn a_run_drawn_over_another_hides_what_they_share() {
        // Run 0 is a row of 10 pixels; run 1 covers its first 7.
        let row: Vec<(u32, u32)> = (0..10).map(|x| (x, 0)).collect();
        let ink = [mask(10, 2, &row), mask(10, 2, &row[..7])];
        let cover = ink.clone();
        let v = visible_fractions(&ink, &cover, &[0, 1], &[0, 1]);
        assert!((v[0] - 0.3).abs() < 1e-12 && v[1] == 1.0, "{v:?}");
        // Drawn the other way round, the short run is hidden entirely.
        let v = visible_fractions(&ink, &cover, &[1, 0], &[0, 1]);
        assert_eq!(v, [1.0, 0.0]);
        // The best order puts the run that is hidden least by the other at the bottom.
        assert_eq!(best_order(&ink, &cover), [0, 1]);
    }

    #[test]
    fn runs_drawing_one_line_together_share_what_strangers_leave_of_it() {
        // Runs 0 and 1 draw the same row of 10 pixels (one schedule, in turn); run 2 covers
        // its last 4.
        let row: Vec<(u32, u32)> = (0..10).map(|x| (x, 0)).collect();
        let ink = [mask(10, 2, &row), mask(10, 2, &row), mask(10, 2, &row[6..])];
        let cover = ink.clone();
        let v = visible_fractions(&ink, &cover, &[0, 1, 2], &[0, 0, 2]);
        assert!(
            (v[0] - 0.6).abs() < 1e-12 && v[0] == v[1] && v[2] == 1.0,
            "{v:?}"
        );
        // As runs of their own, the one under the other is hidden.
        let v = visible_fractions(&ink, &cover, &[0, 1, 2], &[0, 1, 2]);
        assert_eq!(v[0], 0.0, "{v:?}");
    }

    #[test]
    fn a_legend_goes_to_the_free_corner_or_nowhere() {
        // A 100 × 80 plot with its upper right quarter taken.
        let taken: Vec<(u32, u32)> = (50..100)
            .flat_map(|x| (0..40).map(move |y| (x, y)))
            .collect();
        let m = mask(100, 80, &taken);
        let o = Occupancy::new(100, 80, &[&m]);
        assert_eq!(o.free_place((30, 20), 4, 2), Some((4, 4)), "upper left");
        assert_eq!(
            o.free_place((90, 70), 4, 2),
            None,
            "too big for the free part"
        );
        let empty = Occupancy::new(100, 80, &[]);
        assert_eq!(
            empty.free_place((30, 20), 4, 2),
            Some((66, 4)),
            "upper right"
        );
        assert_eq!(
            empty.free_place((100, 20), 4, 2),
            None,
            "wider than the plot"
        );
    }

    /// Where a box fits, as a search over every pixel would find it: the first position in
    /// the search's order with the best score whose rectangle (with its margin, clipped)
    /// holds no occupied pixel.
    fn reference_free_place(
        (pw, ph): (u32, u32),
        occupied: &[(u32, u32)],
        (w, h): (u32, u32),
        inset: u32,
        margin: u32,
    ) -> Option<(i32, i32)> {
        let (w, h, inset, margin) = (w as i64, h as i64, inset as i64, margin as i64);
        let (pw, ph) = (pw as i64, ph as i64);
        let (x_max, y_max) = (pw - inset - w, ph - inset - h);
        if x_max < inset || y_max < inset {
            return None;
        }
        let stride = ((w.min(h)) / 16).clamp(1, 8) as usize;
        let positions = |lo: i64, hi: i64| {
            let mut v: Vec<i64> = (lo..=hi).step_by(stride).collect();
            if v.last() != Some(&hi) {
                v.push(hi);
            }
            v
        };
        let free = |x: i64, y: i64| {
            !occupied.iter().any(|&(px, py)| {
                let (px, py) = (i64::from(px), i64::from(py));
                (x - margin..x + w + margin).contains(&px)
                    && (y - margin..y + h + margin).contains(&py)
            })
        };
        let mut best: Option<(i64, (i64, i64))> = None;
        for y in positions(inset, y_max) {
            for x in positions(inset, x_max) {
                let dx = (x - inset).min(x_max - x);
                let dy = (y - inset).min(y_max - y);
                let bias = i64::from(x - inset < x_max - x) + 2 * i64::from(y - inset > y_max - y);
                let score = (dx + dy) * 8 + bias;
                if best.is_none_or(|(s, _)| score < s) && free(x, y) {
                    best = Some((score, (x, y)));
                }
            }
        }
        best.map(|(_, (x, y))| (x as i32, y as i32))
    }

    proptest! {
        #[test]
        fn a_box_goes_where_a_search_over_every_pixel_puts_it(
            (pw, ph) in (8u32..90, 8u32..70),
            spots in proptest::collection::vec((0u32..90, 0u32..70, 0u32..12, 0u32..12), 0..6),
            (w, h) in (1u32..60, 1u32..50),
            (inset, margin) in (0u32..6, 0u32..6),
            split in 0usize..6,
        ) {
            // A few rectangles of occupied pixels, spread over two masks that share some.
            let occupied: Vec<(u32, u32)> = spots
                .iter()
                .flat_map(|&(x, y, sw, sh)| {
                    (x..(x + sw).min(pw)).flat_map(move |x| (y..(y + sh).min(ph)).map(move |y| (x, y)))
                })
                .collect();
            let cut = split.min(occupied.len());
            let first = mask(pw, ph, &occupied[..cut]);
            let second = mask(pw, ph, &occupied[cut.saturating_sub(3)..]);
            let o = Occupancy::new(pw, ph, &[&first, &second]);
            prop_assert_eq!(
                o.free_place((w, h), inset, margin),
                reference_free_place((pw, ph), &occupied, (w, h), inset, margin)
            );
        }
    }

    /// A drawing call of the kinds the figures make on a mask.
    #[derive(Clone, Debug)]
    enum Stroke {
        Pixel((i32, i32)),
        Line((i32, i32), (i32, i32), u32),
        Rect((i32, i32), (i32, i32), u32, bool),
        Circle((i32, i32), u32, u32, bool),
        Path(Vec<(i32, i32)>, u32),
    }

    fn arb_stroke() -> impl Strategy<Value = Stroke> {
        // Coordinates reach past the 40 × 30 plot on every side.
        let at = || (-8i32..48, -8i32..38);
        prop_oneof![
            at().prop_map(Stroke::Pixel),
            (at(), at(), 1u32..13).prop_map(|(a, b, w)| Stroke::Line(a, b, w)),
            (at(), at(), 1u32..5, any::<bool>()).prop_map(|(a, b, w, f)| Stroke::Rect(a, b, w, f)),
            (at(), 0u32..9, 1u32..4, any::<bool>())
                .prop_map(|(c, r, w, f)| Stroke::Circle(c, r, w, f)),
            (prop::collection::vec(at(), 2..8), 1u32..17).prop_map(|(p, w)| Stroke::Path(p, w)),
        ]
    }

    fn draw_strokes<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        strokes: &[Stroke],
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let color = RGBColor(200, 30, 90).mix(0.6);
        for stroke in strokes {
            match stroke {
                Stroke::Pixel(p) => root.draw_pixel(*p, &color)?,
                Stroke::Line(a, b, w) => {
                    root.draw(&PathElement::new(vec![*a, *b], color.stroke_width(*w)))?
                }
                Stroke::Rect(a, b, w, fill) => {
                    let style = if *fill {
                        color.filled()
                    } else {
                        color.stroke_width(*w)
                    };
                    root.draw(&Rectangle::new([*a, *b], style))?
                }
                Stroke::Circle(c, r, w, fill) => {
                    let style = if *fill {
                        color.filled()
                    } else {
                        color.stroke_width(*w)
                    };
                    root.draw(&Circle::new(*c, *r, style))?
                }
                Stroke::Path(points, w) => {
                    root.draw(&PathElement::new(points.clone(), color.stroke_width(*w)))?
                }
            }
        }
        Ok(())
    }

    proptest! {
        /// The scan looks only where the calls reached, and finds every pixel a scan of the
        /// whole plot finds.
        #[test]
        fn the_reach_holds_every_touched_pixel(
            strokes in prop::collection::vec(arb_stroke(), 1..6),
        ) {
            let (w, h) = (40u32, 30u32);
            let mut buffer = Vec::new();
            let m = Mask::render(w, h, &mut buffer, |root| {
                draw_strokes(root, &strokes).map_err(|e| PlotError::new(e.to_string()))
            })
            .unwrap();
            let mut plain = UNTOUCHED.repeat((w * h) as usize);
            {
                let root = Bitmap::new(&mut plain, (w, h)).into_drawing_area();
                draw_strokes(&root, &strokes).unwrap();
                root.present().unwrap();
            }
            let everywhere: Vec<u32> = plain
                .chunks_exact(3)
                .enumerate()
                .filter(|(_, p)| *p != UNTOUCHED)
                .map(|(k, _)| k as u32)
                .collect();
            prop_assert_eq!(m.pixels, everywhere);
        }
    }

    #[test]
    fn the_block_scan_finds_every_touched_pixel() {
        // 11 × 7 pixels: two whole blocks of 32 and a tail of 13; pixels touched first and
        // last in a block, inside one, in the tail (its last too), each differing from blank
        // in its last channel only.
        let (w, h) = (11u32, 7u32);
        let at = [(0, 0), (9, 2), (10, 2), (3, 5), (1, 6), (10, 6)];
        let mut buffer = Vec::new();
        let m = Mask::render(w, h, &mut buffer, |root| {
            for (x, y) in at {
                root.draw_pixel((x, y), &RGBColor(1, 2, 4))?;
            }
            Ok(())
        })
        .unwrap();
        let expected: Vec<u32> = at.iter().map(|&(x, y)| y as u32 * w + x as u32).collect();
        assert_eq!(expected, [0, 31, 32, 58, 67, 76]);
        assert_eq!(m.pixels, expected);
        // The buffer is left blank for the next mask.
        let again = Mask::render(w, h, &mut buffer, |_| Ok(())).unwrap();
        assert!(again.is_empty());
    }
}
