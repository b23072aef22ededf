//! What lies under the paths: the filled background, the axes and the contour lines; and
//! the frame drawn over it all.
//!
//! Contour lines fade where they crowd: a line's opacity follows the pixels between it and
//! the next level there (|Δf| / |∇f|), so a steep wall of levels reads as a soft shade, not
//! as a dark streak. In PNG and GIF they are drawn into the background raster, antialiased
//! (plotters' bitmap lines are 1-pixel steps that break into dots): over a fine grid each
//! pixel measures its own distance to the nearest level ([`contoured_raster`]), with no
//! lines traced at all; over a coarse one the lines traced by marching squares are painted
//! in ([`paint_lines`]). In SVG they stay those traced paths, which the viewer smooths.

use plotters::prelude::*;

use super::super::PlotError;
use super::super::axis::Axis;
use super::super::clip::{P, decimate};
use super::super::colormap::{ColorMap, Sampler, in_two_halves, round_u8, round_unsigned};
use super::super::contours::Polyline;
use super::super::levels::Levels;
use super::super::style::{FONT, Sizes};
use super::PlotCoord;
use super::layout::Margins;
use crate::core::{Grid, Window};

/// How the contour lines are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contours {
    /// Painted into the background raster, antialiased.
    InRaster,
    /// Drawn as vector paths.
    Vector,
}

/// The contour lines' colour and full opacity: neutral, since the background carries the
/// value and the lines carry the shape.
const LINE: RGBColor = RGBColor(40, 40, 60);
const LINE_ALPHA: f64 = 0.45;
/// Below this many pixels between neighbouring levels, a line fades.
const CROWDED_PX: f64 = 7.0;
/// Opacity steps a line is split at (its pieces share one opacity each).
const FADE_STEPS: f64 = 6.0;

/// The background raster of the plot area's size, its top-left corner at the window's.
pub(super) fn draw_raster<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    raster: &[u8],
    win: &Window,
) -> Result<(), PlotError> {
    let size = area.dim_in_pixel();
    if let Some(img) = BitMapElement::with_ref((win.x[0], win.y[1]), size, raster) {
        area.draw(&img)?;
    }
    Ok(())
}

/// The axes, their ticks and labels; no grid lines.
pub(super) fn draw_axes<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, PlotCoord>,
    xa: &Axis,
    ya: &Axis,
    sizes: &Sizes,
    margins: &Margins,
) -> Result<(), PlotError> {
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .set_all_tick_mark_size(margins.tick)
        .axis_style(BLACK.mix(0.7).stroke_width(sizes.side(1.0)))
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    Ok(())
}

/// The contour lines cut where their opacity changes: (opacity, piece).
pub(in crate::plot) fn faded_lines(
    lines: &[Vec<Polyline>],
    levels: &[f64],
    grid: &Grid,
    per_px: [f64; 2],
) -> Vec<(f64, Vec<P>)> {
    let mut out = Vec::new();
    for (k, level_lines) in lines.iter().enumerate() {
        // The distance in f to the nearest other level.
        let gap = [k.checked_sub(1), Some(k + 1)]
            .into_iter()
            .flatten()
            .filter_map(|j| levels.get(j))
            .map(|v| (v - levels[k]).abs())
            .fold(f64::INFINITY, f64::min);
        for line in level_lines {
            let line = decimate(line, per_px, 0.5);
            let mut piece: Vec<P> = Vec::new();
            let mut piece_alpha = f64::NAN;
            for &p in &line {
                let alpha = LINE_ALPHA * fade(gap, gradient_px(grid, p, per_px));
                if alpha != piece_alpha && !piece.is_empty() {
                    let last = *piece.last().unwrap_or(&p);
                    if piece.len() >= 2 {
                        out.push((piece_alpha, std::mem::take(&mut piece)));
                    }
                    piece = vec![last];
                }
                piece_alpha = alpha;
                piece.push(p);
            }
            if piece.len() >= 2 {
                out.push((piece_alpha, piece));
            }
        }
    }
    out
}

/// A line's opacity factor, in steps, from the pixels to the next level.
fn fade(gap: f64, gradient: f64) -> f64 {
    fade_spaced(gap / gradient)
}

/// [`fade`] of a spacing already divided out: `gap / gradient` pixels to the next level.
fn fade_spaced(spacing: f64) -> f64 {
    if !spacing.is_finite() {
        return 1.0;
    }
    let f = (spacing / CROWDED_PX).clamp(1.0 / FADE_STEPS, 1.0);
    // f · FADE_STEPS lies in [1, FADE_STEPS]: a round without the libm call (one per point
    // of every contour line).
    round_unsigned(f * FADE_STEPS) as f64 / FADE_STEPS
}

/// |∇f| per pixel at `p`, from the grid's differences (bilinear within a cell).
fn gradient_px(grid: &Grid, p: P, per_px: [f64; 2]) -> f64 {
    let (nx, ny) = (grid.nx, grid.ny);
    if nx < 2 || ny < 2 || grid.values.len() != nx * ny {
        return 0.0;
    }
    let w = &grid.window;
    let dx = (w.x[1] - w.x[0]) / (nx - 1) as f64;
    let dy = (w.y[1] - w.y[0]) / (ny - 1) as f64;
    let cell = |v: f64, lo: f64, d: f64, n: usize| {
        let g = ((v - lo) / d).clamp(0.0, (n - 1) as f64);
        let i = (g.floor() as usize).min(n - 2);
        (i, g - i as f64)
    };
    let (i, tx) = cell(p[0], w.x[0], dx, nx);
    let (j, ty) = cell(p[1], w.y[0], dy, ny);
    let v = |i: usize, j: usize| grid.values[j * nx + i];
    let fx = ((v(i + 1, j) - v(i, j)) * (1.0 - ty) + (v(i + 1, j + 1) - v(i, j + 1)) * ty) / dx;
    let fy = ((v(i, j + 1) - v(i, j)) * (1.0 - tx) + (v(i + 1, j + 1) - v(i + 1, j)) * tx) / dy;
    let g = (fx * per_px[0]).hypot(fy * per_px[1]);
    if g.is_finite() { g } else { 0.0 }
}

/// Paints the lines antialiased into an RGB raster of the plot (`w × h`, top row = the
/// window's top): each pixel takes the strongest line over it, so crossing and touching
/// lines never darken one another.
pub(in crate::plot) fn paint_lines(
    raster: &mut [u8],
    (w, h): (u32, u32),
    lines: &[(f64, Vec<P>)],
    win: &Window,
    sizes: &Sizes,
) {
    let (w, h) = (w as usize, h as usize);
    if w == 0 || h == 0 || raster.len() != w * h * 3 {
        return;
    }
    let sx = w as f64 / (win.x[1] - win.x[0]);
    let sy = h as f64 / (win.y[1] - win.y[0]);
    let to_px = |p: &P| ((p[0] - win.x[0]) * sx, (win.y[1] - p[1]) * sy);
    let half = sizes.px(0.6).max(0.5);
    let mut coverage = vec![0f32; w * h];
    for (alpha, line) in lines {
        for s in line.windows(2) {
            let (a, b) = (to_px(&s[0]), to_px(&s[1]));
            stroke_segment(&mut coverage, (w, h), a, b, half, *alpha as f32);
        }
    }
    for (px, &c) in raster.chunks_exact_mut(3).zip(&coverage) {
        if c > 0.0 {
            let c = f64::from(c);
            for (v, line) in px.iter_mut().zip([LINE.0, LINE.1, LINE.2]) {
                // The same as `.round() as u8` for every value, without a libm call per
                // pixel and channel (see `round_u8`).
                *v = round_u8(f64::from(*v) * (1.0 - c) + f64::from(line) * c);
            }
        }
    }
}

/// Whether the grid is fine enough for [`contoured_raster`] on a `w × h` plot: four pixels
/// or fewer between samples. Its lines follow f as the grid interpolates it, bilinear in
/// each cell, whose level sets bend within a cell and whose gradient jumps from one cell to
/// the next: invisible over the 2 pixels of the default 400-sample grid, wavy lines over
/// cells of ten (a network's landscape). Coarser grids get the traced lines, which marching
/// squares smooths.
pub(in crate::plot) fn fine_enough(grid: &Grid, (w, h): (u32, u32)) -> bool {
    const MOST_PIXELS_PER_CELL: f64 = 4.0;
    let cells = |samples: usize| samples.saturating_sub(1).max(1) as f64;
    f64::from(w) / cells(grid.nx) <= MOST_PIXELS_PER_CELL
        && f64::from(h) / cells(grid.ny) <= MOST_PIXELS_PER_CELL
}

/// The background raster of a `w × h` plot with the contour lines in it, antialiased. Each
/// pixel finds the level nearest to it on the colour scale (a rounding: the levels are
/// evenly spaced on it) and its distance in pixels to where f equals that level (the gap in
/// f over |∇f|, both bilinear between the grid's samples as the traced lines are, the
/// gradient from the neighbouring pixels), and is covered as a line through there would
/// cover it: 0.6 of a reference pixel either side, with a soft edge one pixel wide, faded
/// as [`faded_lines`] fades it. A pixel far from every level keeps the background's colour.
/// No marching squares, no lines to stroke: one pass over the pixels.
///
/// Row by row, in passes: every pixel's background colour; every pixel's bound on the
/// squared gap to be far from a line (its squared gradient, scaled); the pixels that are
/// not far, found by following the pair of levels around f along the row; and only those
/// (a tenth or so) measured and blended as above. Each pixel gets the very bytes the
/// one-pass reference in the tests gives it: the same operations in the same order, and a
/// far test decided the same way (see [`near_pixels`]).
pub(in crate::plot) fn contoured_raster(
    grid: &Grid,
    levels: &Levels,
    map: &ColorMap,
    (w, h): (u32, u32),
    sizes: &Sizes,
) -> Vec<u8> {
    let (w, h) = (w as usize, h as usize);
    let mut out = vec![255u8; w * h * 3];
    let Some(sampler) = Sampler::new(grid, levels, w, h) else {
        return out;
    };
    let lines = LineTest::new(&levels.values, sizes);
    let fill_rows = |first: usize, rows: &mut [u8]| {
        // The map positions on the row being filled and the next one; f on the rows above,
        // at and below the one being filled.
        let mut t = [vec![0.0; w], vec![0.0; w]];
        let mut f = [vec![0.0; w], vec![0.0; w], vec![0.0; w]];
        let mut unused_t = vec![0.0; w];
        let mut far_below = vec![0.0; w];
        let mut near = vec![0; w];
        let mut measured = Near::default();
        if first > 0 {
            sampler.row_and_field(&grid.values, first - 1, &mut unused_t, &mut f[0]);
        }
        sampler.row_and_field(&grid.values, first, &mut t[0], &mut f[1]);
        for (k, row) in rows.chunks_exact_mut(w * 3).enumerate() {
            let y = first + k;
            let [t_here, t_next] = &mut t;
            let [f_above, f_here, f_below] = &mut f;
            sampler.row_and_field(&grid.values, (y + 1).min(h - 1), t_next, f_below);
            for (px, &t) in row.chunks_exact_mut(3).zip(t_here.iter()) {
                px.copy_from_slice(&map.pixel(t));
            }
            if !lines.values.is_empty() {
                let rows = Neighbours {
                    above: if y > 0 { f_above } else { f_here },
                    at: f_here,
                    below: if y + 1 < h { f_below } else { f_here },
                    // One-sided at the plot's edges.
                    half_dy: if y > 0 && y + 1 < h { 0.5 } else { 1.0 },
                };
                lines.far_bounds(&rows, &mut far_below);
                let count = lines.near_pixels(rows.at, &far_below, &mut near);
                measured.clear();
                for &x in &near[..count] {
                    lines.measure(t_here[x], &rows, x, &mut measured);
                }
                measured.paint(row, t_here, map, &lines);
            }
            t.swap(0, 1);
            f.rotate_left(1);
        }
    };
    in_two_halves(&mut out, w * 3, fill_rows);
    out
}

/// f on a pixel row and the rows above and below it, for the gradient.
struct Neighbours<'a> {
    above: &'a [f64],
    at: &'a [f64],
    below: &'a [f64],
    /// 0.5 for central differences, 1 for one-sided ones.
    half_dy: f64,
}

impl Neighbours<'_> {
    /// |∇f|² in f per pixel squared at column `x`, from the neighbouring pixels.
    #[inline]
    fn gradient2(&self, x: usize) -> f64 {
        let (at, w) = (self.at, self.at.len());
        let (left, right) = (x.saturating_sub(1), (x + 1).min(w - 1));
        // Halving is exact: the same numbers as dividing by the two pixels.
        let half_dx = if right - left == 2 { 0.5 } else { 1.0 };
        let gx = (at[right] - at[left]) * half_dx;
        let gy = (self.below[x] - self.above[x]) * self.half_dy;
        gx * gx + gy * gy
    }
}

/// Whether and how a pixel lies on a contour line.
struct LineTest<'a> {
    /// The levels, as values of f, increasing.
    values: &'a [f64],
    /// The levels between −∞ and +∞, for following the pair of levels around f.
    bounds: Vec<f64>,
    /// Whether the levels are finite and in order, which the far test's shortcut needs.
    ordered: bool,
    /// Each level's distance in f to the nearest other one, as `faded_lines` measures it.
    gaps: Vec<f64>,
    /// How far from a line (in pixels) its coverage reaches, and that squared.
    edge: f64,
    edge2: f64,
}

impl LineTest<'_> {
    fn new<'a>(values: &'a [f64], sizes: &Sizes) -> LineTest<'a> {
        let n = values.len();
        let edge = sizes.px(0.6).max(0.5) + 0.5;
        let gaps = (0..n)
            .map(|k| {
                let below = k.checked_sub(1).map(|j| values[k] - values[j]);
                let above = values.get(k + 1).map(|v| v - values[k]);
                below.into_iter().chain(above).fold(f64::INFINITY, f64::min)
            })
            .collect();
        let bounds = std::iter::once(f64::NEG_INFINITY)
            .chain(values.iter().copied())
            .chain(std::iter::once(f64::INFINITY))
            .collect();
        LineTest {
            values,
            bounds,
            ordered: values.iter().all(|v| v.is_finite())
                && values.windows(2).all(|p| p[0] <= p[1]),
            gaps,
            edge,
            edge2: edge * edge,
        }
    }

    /// The far test's bound for every pixel of the row: a pixel whose squared gap in f to
    /// its nearest level is at least this is far from every line. (The one-pixel columns at
    /// the ends differ one-sided; the rest is one loop the compiler vectorises.)
    fn far_bounds(&self, rows: &Neighbours, out: &mut [f64]) {
        let w = rows.at.len();
        // Without the square root and the division, with room for their rounding, so that
        // every pixel the exact test in `paint` takes passes this one.
        let bound = |gradient2: f64| self.edge2 * gradient2 * (1.0 + 1e-9);
        if w < 3 {
            for (x, out) in out.iter_mut().enumerate() {
                *out = bound(rows.gradient2(x));
            }
            return;
        }
        out[0] = bound(rows.gradient2(0));
        out[w - 1] = bound(rows.gradient2(w - 1));
        let inner = 1..w - 1;
        let sideways = rows.at[2..].iter().zip(&rows.at[..w - 2]);
        let vertical = rows.below[inner.clone()]
            .iter()
            .zip(&rows.above[inner.clone()]);
        for ((out, (right, left)), (below, above)) in
            out[inner].iter_mut().zip(sideways).zip(vertical)
        {
            // `Neighbours::gradient2` of an inner pixel, operation for operation.
            let gx = (right - left) * 0.5;
            let gy = (below - above) * rows.half_dy;
            *out = bound(gx * gx + gy * gy);
        }
    }

    /// Writes the columns of the pixels that may lie on a line into `near` (as long as the
    /// row), and returns how many: every pixel with f defined that the one-pass test does
    /// not call far. That test measures the gap to the level it reaches by stepping from
    /// the nearest on the colour scale; here it is the smaller gap to the two levels around
    /// f, followed along the row (f moves little from pixel to pixel). The two are the same
    /// number: the gaps d_k = f − v_k, each rounded, never increase with k (rounding is
    /// monotonic and the levels are in order), and v_k − f is exactly −d_k (rounding to
    /// nearest is symmetric); so the steps up (while d_k > −d_{k+1}) and down (while
    /// −d_k > d_{k−1}) end where |d_k| is smallest, wherever they start, which is at one of
    /// the two levels around f (the last d_k ≥ 0 or the first < 0); and squaring rounds
    /// monotonically too. Levels out of order or not finite: every pixel, tested exactly.
    fn near_pixels(&self, at: &[f64], far_below: &[f64], near: &mut [usize]) -> usize {
        let mut count = 0;
        if !self.ordered {
            for (x, _) in at.iter().enumerate().filter(|(_, f)| f.is_finite()) {
                near[count] = x;
                count += 1;
            }
            return count;
        }
        let bounds = &self.bounds[..];
        // bounds[pair] <= f < bounds[pair + 1], for finite f.
        let mut pair = 0;
        for (x, (&f, &far_below)) in at.iter().zip(far_below).enumerate() {
            if !f.is_finite() {
                continue;
            }
            while bounds[pair + 1] <= f {
                pair += 1;
            }
            while bounds[pair] > f {
                pair -= 1;
            }
            let (under, over) = (f - bounds[pair], bounds[pair + 1] - f);
            let gap2 = (under * under).min(over * over);
            // Written always, kept when near: no branch to mispredict on the line's edges.
            near[count] = x;
            // A bound of NaN (f undefined beside) is not passed: near, as in `paint`.
            let far = gap2 >= far_below;
            count += usize::from(!far);
        }
        count
    }

    /// The first half of painting pixel `x` of the row (at map position `t`) as the one-pass
    /// test does: the nearest level, its gap to f and |∇f|², unless the pixel is far from
    /// it; [`Near::paint`] does the rest.
    #[inline]
    fn measure(&self, t: f64, rows: &Neighbours, x: usize, near: &mut Near) {
        let (values, n) = (self.values, self.values.len());
        let fx = rows.at[x];
        // The level nearest on the scale (t·n − ½ ≥ −½, so this is a round) is nearly always
        // the nearest in f too; where the two interpolations part (a trench on a log
        // scale), a step or two along the levels finds it.
        let mut nearest = ((t * n as f64) as usize).min(n - 1);
        while nearest + 1 < n && fx - values[nearest] > values[nearest + 1] - fx {
            nearest += 1;
        }
        while nearest > 0 && values[nearest] - fx > fx - values[nearest - 1] {
            nearest -= 1;
        }
        let gradient2 = rows.gradient2(x);
        let gap = (fx - values[nearest]).abs();
        if gap * gap >= self.edge2 * gradient2 * (1.0 + 1e-9) {
            return;
        }
        near.x.push(x);
        near.gap.push(gap);
        near.gradient.push(gradient2);
        near.spacing.push(self.gaps[nearest]);
    }
}

/// A row's pixels that lie near a line, measured by [`LineTest::measure`]: each one's
/// column, its gap in f to the nearest level, |∇f|² (then |∇f|), and that level's gap to
/// the next (then its spacing in pixels). Their square roots and divisions are done in
/// loops of their own, which the compiler does two at a time: the same numbers as one
/// pixel at a time, at about a third of a row's pixels on a log scale.
#[derive(Default)]
struct Near {
    x: Vec<usize>,
    gap: Vec<f64>,
    gradient: Vec<f64>,
    spacing: Vec<f64>,
    distance: Vec<f64>,
}

impl Near {
    fn clear(&mut self) {
        self.x.clear();
        self.gap.clear();
        self.gradient.clear();
        self.spacing.clear();
        self.distance.clear();
    }

    /// Paints the measured pixels into `row` (RGB), each over its colour on the map at
    /// `t`: covered as a line through the level would cover it, faded as the lines fade.
    fn paint(&mut self, row: &mut [u8], t: &[f64], map: &ColorMap, lines: &LineTest) {
        for g in &mut self.gradient {
            *g = g.sqrt();
        }
        self.distance
            .extend(self.gap.iter().zip(&self.gradient).map(|(gap, g)| gap / g));
        for (spacing, g) in self.spacing.iter_mut().zip(&self.gradient) {
            *spacing /= g;
        }
        for (k, &x) in self.x.iter().enumerate() {
            let distance = self.distance[k];
            // NaN (f undefined beside) fails the test: no line.
            if distance < lines.edge {
                let alpha = LINE_ALPHA * fade_spaced(self.spacing[k]);
                let c = (lines.edge - distance).clamp(0.0, 1.0) * alpha;
                let mut colour = map.pixel(t[x]);
                for (v, line) in colour.iter_mut().zip([LINE.0, LINE.1, LINE.2]) {
                    *v = round_u8(f64::from(*v) * (1.0 - c) + f64::from(line) * c);
                }
                row[x * 3..x * 3 + 3].copy_from_slice(&colour);
            }
        }
    }
}

/// The coverage of one segment `half` pixels either side of it (plus half a pixel of soft
/// edge), scaled by `alpha`, kept where it is the strongest yet.
fn stroke_segment(
    coverage: &mut [f32],
    (w, h): (usize, usize),
    a: (f64, f64),
    b: (f64, f64),
    half: f64,
    alpha: f32,
) {
    let reach = half + 1.0;
    let x0 = (a.0.min(b.0) - reach).floor().max(0.0) as usize;
    let x1 = ((a.0.max(b.0) + reach).ceil().max(0.0) as usize).min(w);
    let y0 = (a.1.min(b.1) - reach).floor().max(0.0) as usize;
    let y1 = ((a.1.max(b.1) + reach).ceil().max(0.0) as usize).min(h);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    // Pixels farther than this get nothing: most of the box.
    let edge = half + 0.5;
    let edge2 = edge * edge;
    // Branch-free per pixel, so that the compiler can work on several pixels at once: the
    // segments are short (a pixel or two, the marching squares' steps), their boxes mostly
    // outside the stroke, and a branch on each pixel's distance was mispredicted often. A
    // pixel farther than `edge` gets 0, which never beats a cell's coverage, just as the
    // skip it replaces left the cell as it was.
    for y in y0..y1 {
        let py = y as f64 + 0.5;
        let row = &mut coverage[y * w + x0..y * w + x1];
        for (x, cell) in (x0..x1).zip(row) {
            let px = x as f64 + 0.5;
            let t = if len2 > 0.0 {
                (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (ex, ey) = (px - a.0 - t * dx, py - a.1 - t * dy);
            let d2 = ex * ex + ey * ey;
            // Distances here are a few pixels: `sqrt` is exact enough, `hypot`'s care for
            // overflow only costs time (a fifth of the figure's).
            let c = ((edge - d2.sqrt()).clamp(0.0, 1.0) as f32) * alpha;
            let c = if d2 >= edge2 { 0.0 } else { c };
            *cell = if c > *cell { c } else { *cell };
        }
    }
}

/// The lines as vector paths, each piece at its opacity.
pub(in crate::plot) fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    lines: &[(f64, Vec<P>)],
    sizes: &Sizes,
) -> Result<(), PlotError> {
    for (alpha, line) in lines {
        area.draw(&PathElement::new(
            line.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
            LINE.mix(*alpha).stroke_width(sizes.side(1.0)),
        ))?;
    }
    Ok(())
}

/// The plot's frame, over the paths and the legend.
pub(super) fn draw_frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    win: &Window,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    area.draw(&Rectangle::new(
        [(win.x[0], win.y[0]), (win.x[1], win.y[1])],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::levels::choose_levels;

    /// f = x on [0, 1] × [0, 1], 41 samples a side, with NaN (f undefined) on the top rows.
    fn ramp(undefined_from_row: usize) -> Grid {
        let n = 41;
        let values = (0..n * n)
            .map(|k| {
                let (i, j) = (k % n, k / n);
                if j >= undefined_from_row {
                    f64::NAN
                } else {
                    i as f64 / (n - 1) as f64
                }
            })
            .collect();
        Grid {
            window: Window {
                x: [0.0, 1.0],
                y: [0.0, 1.0],
            },
            nx: n,
            ny: n,
            values,
        }
    }

    /// The raster as it was first written, one pixel at a time, every test in its place:
    /// what the passes of [`contoured_raster`] must give byte for byte.
    fn one_pass_raster(
        grid: &Grid,
        levels: &Levels,
        map: &ColorMap,
        (w, h): (u32, u32),
        sizes: &Sizes,
    ) -> Vec<u8> {
        let (w, h) = (w as usize, h as usize);
        let mut out = vec![255u8; w * h * 3];
        let Some(sampler) = Sampler::new(grid, levels, w, h) else {
            return out;
        };
        let values = &levels.values;
        let n = values.len();
        let edge = sizes.px(0.6).max(0.5) + 0.5;
        let edge2 = edge * edge;
        let gaps: Vec<f64> = (0..n)
            .map(|k| {
                let below = k.checked_sub(1).map(|j| values[k] - values[j]);
                let above = values.get(k + 1).map(|v| v - values[k]);
                below.into_iter().chain(above).fold(f64::INFINITY, f64::min)
            })
            .collect();
        let mut t = vec![0.0; w];
        let mut f = [vec![0.0; w], vec![0.0; w], vec![0.0; w]];
        let sample = |y: usize, out: &mut Vec<f64>| sampler.row_of(&grid.values, y.min(h - 1), out);
        sample(0, &mut f[1]);
        for (y, row) in out.chunks_exact_mut(w * 3).enumerate() {
            sampler.row(y, &mut t);
            sample(y + 1, &mut f[2]);
            let above = if y > 0 { &f[0] } else { &f[1] };
            let (at, below) = (&f[1], if y + 1 < h { &f[2] } else { &f[1] });
            let half_dy = if y > 0 && y + 1 < h { 0.5 } else { 1.0 };
            for (x, px) in row.chunks_exact_mut(3).enumerate() {
                let mut colour = map.pixel(t[x]);
                let fx = at[x];
                if n > 0 && fx.is_finite() {
                    let mut nearest = ((t[x] * n as f64) as usize).min(n - 1);
                    while nearest + 1 < n && fx - values[nearest] > values[nearest + 1] - fx {
                        nearest += 1;
                    }
                    while nearest > 0 && values[nearest] - fx > fx - values[nearest - 1] {
                        nearest -= 1;
                    }
                    let (left, right) = (x.saturating_sub(1), (x + 1).min(w - 1));
                    let half_dx = if right - left == 2 { 0.5 } else { 1.0 };
                    let gx = (at[right] - at[left]) * half_dx;
                    let gy = (below[x] - above[x]) * half_dy;
                    let gradient2 = gx * gx + gy * gy;
                    let gap = (fx - values[nearest]).abs();
                    if gap * gap >= edge2 * gradient2 * (1.0 + 1e-9) {
                        px.copy_from_slice(&colour);
                        continue;
                    }
                    let gradient = gradient2.sqrt();
                    let distance = gap / gradient;
                    if distance < edge {
                        let alpha = LINE_ALPHA * fade(gaps[nearest], gradient);
                        let c = (edge - distance).clamp(0.0, 1.0) * alpha;
                        for (v, line) in colour.iter_mut().zip([LINE.0, LINE.1, LINE.2]) {
                            *v = round_u8(f64::from(*v) * (1.0 - c) + f64::from(line) * c);
                        }
                    }
                }
                px.copy_from_slice(&colour);
            }
            f.rotate_left(1);
        }
        out
    }

    /// `f(x, y)` sampled `n × n` on [-1, 1]².
    fn sampled(n: usize, f: impl Fn(f64, f64) -> f64) -> Grid {
        let at = |k: usize| -1.0 + 2.0 * k as f64 / (n - 1) as f64;
        Grid {
            window: Window {
                x: [-1.0, 1.0],
                y: [-1.0, 1.0],
            },
            nx: n,
            ny: n,
            values: (0..n * n).map(|k| f(at(k % n), at(k / n))).collect(),
        }
    }

    /// The passes against the one-pass reference, on plots of a few sizes and line widths.
    fn assert_same_as_one_pass(grid: &Grid, levels: &Levels, what: &str) {
        let map = ColorMap::pale();
        for (w, h) in [(1, 1), (2, 3), (3, 2), (97, 61), (230, 170)] {
            for scale in [0.5, 1.0, 2.5] {
                let sizes = Sizes::new(1000, 800, scale);
                let fast = contoured_raster(grid, levels, &map, (w, h), &sizes);
                let reference = one_pass_raster(grid, levels, &map, (w, h), &sizes);
                if let Some(at) = (0..fast.len()).find(|&k| fast[k] != reference[k]) {
                    let px = at / 3;
                    panic!(
                        "{what}, {w}×{h} at scale {scale}: pixel ({}, {}) is {:?}, not {:?}",
                        px % w as usize,
                        px / w as usize,
                        &fast[px * 3..px * 3 + 3],
                        &reference[px * 3..px * 3 + 3]
                    );
                }
            }
        }
    }

    #[test]
    fn the_passes_paint_every_pixel_as_the_one_pass_reference_does() {
        // The ramp, f undefined on its top rows; its linear levels fall exactly halfway
        // between samples, where the nearest level is a tie.
        let ramp = ramp(30);
        for n in [0, 1, 10, 40] {
            let levels = choose_levels(&ramp, None, n, Some(false));
            assert_same_as_one_pass(&ramp, &levels, &format!("ramp, {n} levels"));
        }
        // A bowl with a trench on a log scale, where the colour scale's nearest level and
        // f's part; with f undefined on a disc.
        let bowl = sampled(120, |x, y| {
            let trench = (y - 0.3 * x).abs() * 50.0;
            let hole = (x - 0.5).powi(2) + (y + 0.4).powi(2) < 0.04;
            if hole {
                f64::NAN
            } else {
                x * x + 3.0 * y * y + trench.min(1.0) * 1e-3 + 1e-9
            }
        });
        for log in [true, false] {
            let levels = choose_levels(&bowl, Some(0.0), 30, Some(log));
            assert_eq!(levels.log, log);
            assert_same_as_one_pass(&bowl, &levels, &format!("bowl, log {log}"));
        }
        // Steep walls and infinities: f overflows to +∞ in a corner.
        let walls = sampled(80, |x, y| {
            if x > 0.95 && y > 0.9 {
                f64::INFINITY
            } else {
                (40.0 * x).exp() * (1.0 + y * y)
            }
        });
        let levels = choose_levels(&walls, None, 30, None);
        assert_same_as_one_pass(&walls, &levels, "walls");
        // Levels repeated and out of order (not what `choose_levels` gives, but `Levels` is
        // open): the passes must not rely on order they do not check.
        let mut repeated = choose_levels(&bowl, Some(0.0), 12, Some(false));
        repeated.values[5] = repeated.values[4];
        repeated.values[6] = repeated.values[4];
        assert_same_as_one_pass(&bowl, &repeated, "repeated levels");
        let mut shuffled = repeated.clone();
        shuffled.values.swap(2, 9);
        assert_same_as_one_pass(&bowl, &shuffled, "levels out of order");
    }

    #[test]
    fn the_default_grid_is_drawn_pixel_by_pixel_and_a_landscape_s_coarse_one_traced() {
        let grid = |n: usize| Grid {
            window: Window {
                x: [0.0, 1.0],
                y: [0.0, 1.0],
            },
            nx: n,
            ny: n,
            values: vec![0.0; n * n],
        };
        // The trajectories figure's plot at the default size, over the default 400 samples.
        assert!(fine_enough(&grid(400), (830, 660)));
        // A landscape panel over its at most 41 samples a side: cells of ten pixels.
        assert!(!fine_enough(&grid(41), (450, 400)));
    }

    #[test]
    fn the_raster_draws_each_level_where_f_equals_it_and_nothing_between_or_where_f_is_undefined() {
        // Ten linear levels of f = x: vertical lines at x = 0.05, 0.15, …, 0.95, every 20
        // pixels of a 200-pixel-wide plot, at pixel columns 9.5, 29.5, ….
        let grid = ramp(30);
        let levels = choose_levels(&grid, None, 10, Some(false));
        assert!(!levels.log);
        let map = ColorMap::pale();
        let (w, h) = (200u32, 100u32);
        let sizes = Sizes::new(1000, 800, 1.0);
        let plain = crate::plot::colormap::background(&grid, &levels, &map, w, h);
        let lined = contoured_raster(&grid, &levels, &map, (w, h), &sizes);
        let pixel = |raster: &[u8], x: usize, y: usize| {
            let at = (y * w as usize + x) * 3;
            [raster[at], raster[at + 1], raster[at + 2]]
        };
        let darkness = |p: [u8; 3]| p.iter().map(|&c| 255 - u32::from(c)).sum::<u32>();
        // A row where f is defined (the bottom of the plot).
        let y = 90;
        for k in 0..10 {
            let on = 20 * k + 9;
            assert!(
                darkness(pixel(&lined, on, y)) > darkness(pixel(&plain, on, y)) + 30,
                "level {k}: a line at column {on}"
            );
            let between = 20 * k + 19;
            assert_eq!(
                pixel(&lined, between, y),
                pixel(&plain, between, y),
                "no line halfway between levels (column {between})"
            );
        }
        // The top rows, where f is undefined: blank, and no line.
        assert_eq!(pixel(&lined, 9, 2), [255, 255, 255]);
    }
}
