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
    let spacing = gap / gradient;
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
    let values = &levels.values;
    let n = values.len();
    let edge = sizes.px(0.6).max(0.5) + 0.5;
    let edge2 = edge * edge;
    // Each level's distance in f to the nearest other one, as `faded_lines` measures it.
    let gaps: Vec<f64> = (0..n)
        .map(|k| {
            let below = k.checked_sub(1).map(|j| values[k] - values[j]);
            let above = values.get(k + 1).map(|v| v - values[k]);
            below.into_iter().chain(above).fold(f64::INFINITY, f64::min)
        })
        .collect();
    let fill_rows = |first: usize, rows: &mut [u8]| {
        let mut t = vec![0.0; w];
        // f on the rows above, at and below the one being filled.
        let mut f = [vec![0.0; w], vec![0.0; w], vec![0.0; w]];
        let sample = |y: usize, out: &mut Vec<f64>| sampler.row_of(&grid.values, y.min(h - 1), out);
        if first > 0 {
            sample(first - 1, &mut f[0]);
        }
        sample(first, &mut f[1]);
        for (k, row) in rows.chunks_exact_mut(w * 3).enumerate() {
            let y = first + k;
            sampler.row(y, &mut t);
            sample(y + 1, &mut f[2]);
            let above = if y > 0 { &f[0] } else { &f[1] };
            let (at, below) = (&f[1], if y + 1 < h { &f[2] } else { &f[1] });
            // One-sided at the plot's edges.
            let half_dy = if y > 0 && y + 1 < h { 0.5 } else { 1.0 };
            for (x, px) in row.chunks_exact_mut(3).enumerate() {
                let mut colour = map.pixel(t[x]);
                let fx = at[x];
                if n > 0 && fx.is_finite() {
                    // The level nearest on the scale (t·n − ½ ≥ −½, so this is a round) is
                    // nearly always the nearest in f too; where the two interpolations part
                    // (a trench on a log scale), a step or two along the levels finds it.
                    let mut nearest = ((t[x] * n as f64) as usize).min(n - 1);
                    while nearest + 1 < n && fx - values[nearest] > values[nearest + 1] - fx {
                        nearest += 1;
                    }
                    while nearest > 0 && values[nearest] - fx > fx - values[nearest - 1] {
                        nearest -= 1;
                    }
                    let (left, right) = (x.saturating_sub(1), (x + 1).min(w - 1));
                    // Halving is exact: the same numbers as dividing by the two pixels.
                    let half_dx = if right - left == 2 { 0.5 } else { 1.0 };
                    let gx = (at[right] - at[left]) * half_dx;
                    let gy = (below[x] - above[x]) * half_dy;
                    let gradient2 = gx * gx + gy * gy;
                    let gap = (fx - values[nearest]).abs();
                    // Most pixels lie far from every line: told apart without the square
                    // root and the division (with room for their rounding, so that every
                    // pixel the exact test below takes passes this one).
                    if gap * gap >= edge2 * gradient2 * (1.0 + 1e-9) {
                        px.copy_from_slice(&colour);
                        continue;
                    }
                    let gradient = gradient2.sqrt();
                    let distance = gap / gradient;
                    // NaN (f undefined here or beside) fails the test: no line.
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
    };
    in_two_halves(&mut out, w * 3, fill_rows);
    out
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
