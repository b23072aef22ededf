//! The trajectories figure: contour lines of f over a pale filled background with a colour
//! bar, every run's path, its start and end, known minima and saddle points, and a legend.

use std::sync::Mutex;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, Ticked};
use super::clip::{P, decimate, inside, last_visible, split_sharp, thin_path, visible_pieces};
use super::colormap::{ColorMap, background, color_bar};
use super::contours::{Polyline, isolines};
use super::levels::{Levels, choose_levels};
use super::parts::{Glyph, Marker, legend_corner, title};
use super::style::{AXIS_DESC_SIZE, FONT, LEGEND_SIZE, TICK_SIZE, darker, run_color};
use super::{PlotError, Scene};
use crate::core::{Grid, Status, Window};

/// Pixels: label areas and the colour bar beside the plot.
const LEFT: u32 = 78;
const BOTTOM: u32 = 58;
/// Also the strip above the plot where the animation's step counter goes.
pub(super) const TOP_PAD: u32 = 28;
pub(super) const RIGHT_PAD: u32 = 12;
pub(super) const BAR_GAP: u32 = 22;
const BAR_W: u32 = 20;
const BAR_LABELS: u32 = 80;

/// At most this many step markers per run, so long runs do not turn into a blob.
const MARKERS_PER_RUN: usize = 30;
/// The most points a path piece is drawn with. Far more than a smooth path needs at this
/// size; a noisy million-step path is thinned to it, so the SVG stays a few MB.
pub(super) const PATH_POINTS: usize = 20_000;
/// Points of a path closer than this many pixels to the last one kept are not drawn.
pub(super) const PATH_TOLERANCE_PX: f64 = 0.7;

/// Whether the figure draws the runs' paths, or leaves them to the animation, which draws
/// them step by step over this figure (legend, markers of minima, colour bar and all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paths {
    Drawn,
    Omitted,
}

/// The plot area's coordinates: data to pixels of the whole figure.
pub type PlotCoord = Cartesian2d<Ticked, Ticked>;

/// Where the figure put the plot, so that the animation draws its paths exactly over the
/// still figure and its step counter above the plot.
pub struct Layout {
    pub coord: PlotCoord,
    /// The plot area in the figure's pixels: left, top, width, height.
    pub plot: (i32, i32, u32, u32),
    pub window: Window,
    /// Data units per pixel along x and y.
    pub per_px: [f64; 2],
}

/// A background raster and its size in pixels.
type Background = ((u32, u32), Vec<u8>);

/// What the trajectories figure draws from the grid, the same for every format: computed once
/// per scene, shared by the PNG and the SVG (which may be drawn at the same time).
pub struct Prepared {
    levels: Levels,
    lines: Vec<Vec<Polyline>>,
    /// Background rasters by size in pixels (one size in practice: both formats lay out alike).
    backgrounds: Mutex<Vec<Background>>,
}

impl Prepared {
    pub fn new(scene: &Scene) -> Prepared {
        let levels = choose_levels(scene.grid, scene.min_value, scene.levels, scene.log_levels);
        let lines = isolines(scene.grid, &levels.values);
        Prepared {
            levels,
            lines,
            backgrounds: Mutex::new(Vec::new()),
        }
    }

    fn background(&self, grid: &Grid, map: &ColorMap, (w, h): (u32, u32)) -> Vec<u8> {
        let mut cache = self.backgrounds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, bg)) = cache.iter().find(|(size, _)| *size == (w, h)) {
            return bg.clone();
        }
        let bg = background(grid, &self.levels, map, w, h);
        cache.push(((w, h), bg.clone()));
        bg
    }
}

pub fn draw_prepared<'r, DB: DrawingBackend + 'r>(
    scene: &Scene,
    prepared: &Prepared,
    root: &'r DrawingArea<DB, Shift>,
    paths: Paths,
) -> Result<Layout, PlotError> {
    let drawn = paths == Paths::Drawn;
    root.fill(&WHITE)?;
    let heading = if scene.title.is_empty() {
        scene.formula.clone()
    } else if scene.formula.is_empty() {
        scene.title.clone()
    } else {
        format!("{} — {}", scene.title, scene.formula)
    };
    let top = title(root, &heading)?;

    let grid = scene.grid;
    let win = sane_window(grid.window);
    let (w, h) = root.dim_in_pixel();

    // The plot area: equal units on both axes (so gradients cross contours at right angles),
    // unless the window is so elongated that this would waste more than half the room.
    let avail_w = w
        .saturating_sub(10 + LEFT + RIGHT_PAD + BAR_GAP + BAR_W + BAR_LABELS)
        .max(40) as f64;
    let avail_h = h.saturating_sub(top + TOP_PAD + BOTTOM).max(40) as f64;
    let (wx, wy) = (win.x[1] - win.x[0], win.y[1] - win.y[0]);
    let fit = |avail_h: f64, may_stretch: bool| {
        let (sx, sy) = (avail_w / wx, avail_h / wy);
        let (pw, ph) = if !may_stretch || (sx / sy <= 2.0 && sy / sx <= 2.0) {
            let s = sx.min(sy);
            (wx * s, wy * s)
        } else {
            (avail_w, avail_h)
        };
        (pw.round().max(20.0) as u32, ph.round().max(20.0) as u32)
    };
    let (mut pw, mut ph) = fit(avail_h, true);
    // A wide window leaves room under the plot: the legend goes there, in columns, rather
    // than over the paths. So it does when every corner of the plot holds a minimum or a
    // saddle point the legend would hide; the plot then shrinks to make room.
    // Otherwise the spare height is split above and below the plot.
    let grid_legend = legend_below(root, scene, w)?;
    let mut spare = avail_h as u32 - ph.min(avail_h as u32);
    let mut below = Some(grid_legend).filter(|b| b.height + 8 <= spare);
    if below.is_none() {
        let (lw, lh) = corner_legend_size(root, scene)?;
        if every_corner_hides_a_marked_point(scene, &win, (pw, ph), (lw, lh)) {
            let shrunk = (avail_h - (grid_legend.height + 8) as f64).max(40.0);
            (pw, ph) = fit(shrunk, false);
            spare = avail_h as u32 - ph.min(avail_h as u32);
            below = Some(grid_legend).filter(|b| b.height + 8 <= spare);
        }
    }
    let left = ((avail_w as u32 - pw.min(avail_w as u32)) / 2) as i32;
    let top = match &below {
        Some(b) => top + (spare - b.height - 8) / 2,
        None => top + spare / 2,
    };
    let chart_area = root.clone().shrink(
        (left, top as i32),
        (10 + LEFT + pw + RIGHT_PAD, TOP_PAD + ph + BOTTOM),
    );

    let xa = Axis::linear(win.x[0], win.x[1], (pw / 90).clamp(3, 11) as usize);
    let ya = Axis::linear(win.y[0], win.y[1], (ph / 80).clamp(3, 11) as usize);
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_top(TOP_PAD)
        .margin_right(RIGHT_PAD)
        .margin_left(10)
        .x_label_area_size(BOTTOM)
        .y_label_area_size(LEFT)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    let area = chart.plotting_area().clone();
    let (aw, ah) = area.dim_in_pixel();
    let per_px = [wx / aw.max(1) as f64, wy / ah.max(1) as f64];

    // Background and contour lines.
    let levels = &prepared.levels;
    let map = ColorMap::pale();
    let bg = prepared.background(grid, &map, (aw, ah));
    if let Some(img) = BitMapElement::with_owned_buffer((win.x[0], win.y[1]), (aw, ah), bg) {
        area.draw(&img)?;
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    // Neutral lines: the background already carries the value, the lines carry the shape.
    let color = RGBColor(40, 40, 60).mix(0.38);
    for lines in &prepared.lines {
        for line in lines {
            let line = decimate(line, per_px, 0.5);
            area.draw(&PathElement::new(
                line.into_iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
                color.stroke_width(1),
            ))?;
        }
    }

    // Known stationary points, under the paths (which often end on them).
    for &m in &scene.minima {
        if inside(m, &win) {
            area.draw(&Marker::new((m[0], m[1]), Glyph::Star, 11, WHITE, BLACK))?;
        }
    }
    for &s in &scene.saddles {
        if inside(s, &win) {
            area.draw(&Marker::new((s[0], s[1]), Glyph::Diamond, 8, WHITE, BLACK))?;
        }
    }

    // Paths.
    let mut drawn_px: Vec<(i32, i32)> = Vec::new();
    let mut legends: Vec<(String, RGBColor)> = Vec::new();
    let (mut any_snapshot, mut any_diverged, mut any_end) = (false, false, false);
    let to_px = |p: [f64; 2]| {
        (
            ((p[0] - win.x[0]) / per_px[0]) as i32,
            ((win.y[1] - p[1]) / per_px[1]) as i32,
        )
    };
    for (i, run) in scene.runs.iter().enumerate() {
        let color = run_color(i);
        let trace = run.trace;
        let points: Vec<[f64; 2]> = if trace.dim >= 2 {
            trace.points_2d().collect()
        } else {
            Vec::new()
        };
        let mut legend = if run.legend.is_empty() {
            run.label.to_string()
        } else {
            run.legend.clone()
        };
        if let Status::Diverged { step } = trace.status {
            legend.push_str(&format!(" (diverged at step {step})"));
        }
        legends.push((legend, color));
        if points.is_empty() {
            continue;
        }
        for piece in visible_pieces(&points, &win) {
            let piece = thin_path(&piece, per_px, PATH_TOLERANCE_PX, PATH_POINTS);
            drawn_px.extend(piece.iter().map(|&p| to_px(p)));
            if drawn {
                draw_path(
                    &area,
                    &[piece.as_slice()],
                    &[piece.as_slice()],
                    color,
                    per_px,
                )?;
            }
        }
        // Small markers every few steps show the step size along the path.
        let n = points.len();
        if drawn {
            for row in (1..n).filter(|&row| is_step_marker(row, n)) {
                draw_step_marker(&area, points[row], color, &win)?;
            }
        }
        for &row in &run.snapshots {
            if let Some(&p) = points.get(row).filter(|p| inside(**p, &win)) {
                any_snapshot = true;
                if drawn {
                    area.draw(&snapshot_marker(p, color))?;
                }
            }
        }
        if drawn && inside(points[0], &win) {
            area.draw(&start_marker(points[0], color))?;
        }
        if let Some((marker, end)) = end_marker(&points, color, trace.status, &win) {
            any_diverged |= end == End::LeftPlot;
            any_end |= end == End::Reached;
            if drawn {
                area.draw(&marker)?;
            }
        }
    }

    // Legend: runs, then what the markers mean. It avoids the known minima and saddles too:
    // each counts as more path points than any run has, so the legend covers a marked point
    // only when every corner holds one.
    for &m in scene.minima.iter().chain(&scene.saddles) {
        if inside(m, &win) {
            let p = to_px(m);
            drawn_px.extend(std::iter::repeat_n(p, 5_000));
        }
    }
    let mut key: Vec<Key> = Vec::new();
    if scene.runs.iter().any(|r| !r.trace.is_empty()) {
        key.push(Key::Start);
    }
    if any_end {
        key.push(Key::End);
    }
    if any_diverged {
        key.push(Key::LeftPlot);
    }
    if any_snapshot {
        key.push(Key::Snapshot);
    }
    if scene.minima.iter().any(|&m| inside(m, &win)) {
        key.push(Key::Minimum);
    }
    if scene.saddles.iter().any(|&s| inside(s, &win)) {
        key.push(Key::Saddle);
    }
    let entries = legends.len() + key.len();
    if let Some(b) = &below {
        let x0 = left + 10 + LEFT as i32 + (pw as i32 - b.width as i32) / 2;
        let y0 = top as i32 + (TOP_PAD + ph + BOTTOM) as i32 + 4;
        draw_legend_grid(root, &legends, &key, b, (x0.max(4), y0))?;
    } else if entries > 0 {
        for (text, color) in &legends {
            let color = *color;
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(text.as_str())
                .legend(move |(x, y)| run_symbol((x, y), color));
        }
        for &k in &key {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(k.text())
                .legend(move |(x, y)| k.element((x + 10, y)));
        }
        let style = TextStyle::from((FONT, LEGEND_SIZE).into_font());
        let mut text_w = 0;
        for (t, _) in &legends {
            text_w = text_w.max(root.estimate_text_size(t, &style)?.0);
        }
        let lw = text_w as i32 + 60;
        let lh = entries as i32 * (LEGEND_SIZE as i32 + 9) + 16;
        let corner = legend_corner(&drawn_px, (aw as i32, ah as i32), (lw, lh));
        chart
            .configure_series_labels()
            .position(corner)
            .margin(10)
            .legend_area_size(28)
            .label_font((FONT, LEGEND_SIZE))
            .background_style(WHITE.mix(0.88))
            .border_style(BLACK.mix(0.4))
            .draw()?;
    }

    // Frame.
    area.draw(&Rectangle::new(
        [(win.x[0], win.y[0]), (win.x[1], win.y[1])],
        BLACK.mix(0.7).stroke_width(1),
    ))?;

    // Colour bar, level by level.
    let bar_left = left + (10 + LEFT + pw + RIGHT_PAD + BAR_GAP) as i32;
    let bar_top = (top + TOP_PAD) as i32;
    let bar_area = root
        .clone()
        .shrink((bar_left, bar_top), (BAR_W + BAR_LABELS, ah));
    let bar_axis = if levels.log {
        Axis::log_from_exponents(levels.lo, levels.hi, 8)
    } else {
        Axis::linear(levels.lo, levels.hi, 8)
    };
    let mut bar = ChartBuilder::on(&bar_area)
        .right_y_label_area_size(BAR_LABELS)
        .build_cartesian_2d(0f64..1f64, bar_axis.ranged())?;
    let bar_plot = bar.plotting_area().clone();
    let (bw, bh) = bar_plot.dim_in_pixel();
    if let Some(img) =
        BitMapElement::with_owned_buffer((0.0, levels.hi), (bw, bh), color_bar(&map, bw, bh))
    {
        bar_plot.draw(&img)?;
    }
    for value in &levels.values {
        let s = levels.scale(*value);
        bar_plot.draw(&PathElement::new(
            vec![(0.0, s), (1.0, s)],
            map.line_color(levels.unit(*value)).mix(0.6).stroke_width(1),
        ))?;
    }
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style((FONT, TICK_SIZE))
        .y_label_formatter(&|v| bar_axis.label(*v))
        .draw()?;
    bar_plot.draw(&Rectangle::new(
        [(0.0, levels.lo), (1.0, levels.hi)],
        BLACK.mix(0.7).stroke_width(1),
    ))?;
    root.draw(&Text::new(
        levels.caption(scene.min_value.is_some()),
        (bar_left + BAR_W as i32 / 2, bar_top - 8),
        TextStyle::from((FONT, TICK_SIZE).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    let (xs, ys) = area.get_pixel_range();
    Ok(Layout {
        coord: area.as_coord_spec().clone(),
        plot: (xs.start, ys.start, aw, ah),
        window: win,
        per_px,
    })
}

/// Part of a run's path: a white halo under `halo`, then the run's colour along `line`,
/// each split at sharp turns (thick bitmap lines would grow spikes there). The figure passes
/// the same pieces twice; the animation draws the line one step further back than the
/// halo, so that the new halo does not cut a notch into the line drawn the frame before.
pub(super) fn draw_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    halo: &[&[P]],
    line: &[&[P]],
    color: RGBColor,
    per_px: [f64; 2],
) -> Result<(), PlotError> {
    let coords = |part: &Vec<P>| part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
    for piece in halo {
        for part in &split_sharp(piece, per_px) {
            area.draw(&PathElement::new(
                coords(part),
                WHITE.mix(0.85).stroke_width(6),
            ))?;
        }
    }
    for piece in line {
        let parts = split_sharp(piece, per_px);
        for part in &parts {
            area.draw(&PathElement::new(coords(part), color.stroke_width(3)))?;
        }
        // Round off the turning points where the path was split.
        for part in parts.iter().skip(1) {
            area.draw(&Circle::new((part[0][0], part[0][1]), 1, color.filled()))?;
        }
    }
    Ok(())
}

/// Whether row `row` of a path of `n` rows gets a small marker: every few steps, so that
/// the spacing shows the step size, at most [`MARKERS_PER_RUN`] of them, never on the end.
pub(super) fn is_step_marker(row: usize, n: usize) -> bool {
    let stride = n.div_ceil(MARKERS_PER_RUN).max(1);
    row >= stride && row + 1 < n && row.is_multiple_of(stride)
}

pub(super) fn draw_step_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    p: P,
    color: RGBColor,
    win: &Window,
) -> Result<(), PlotError> {
    if inside(p, win) {
        area.draw(&Circle::new((p[0], p[1]), 3, color.filled()))?;
    }
    Ok(())
}

/// A ring at an SGDR restart.
pub(super) fn snapshot_marker(p: P, color: RGBColor) -> Marker<(f64, f64)> {
    let ring = darker(color, 0.2);
    Marker::new((p[0], p[1]), Glyph::Ring, 10, ring, ring)
}

pub(super) fn start_marker(p: P, color: RGBColor) -> Marker<(f64, f64)> {
    Marker::new((p[0], p[1]), Glyph::Dot, 7, color, BLACK)
}

/// How a path's end is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum End {
    /// A cross where the run stopped inside the plot.
    Reached,
    /// A triangle where a diverged run left the plot for the last time.
    LeftPlot,
}

/// The marker at the end of a whole path, if its end shows: a cross where the run stopped,
/// or, for a diverged run, a triangle where it last left the plot.
pub(super) fn end_marker(
    points: &[P],
    color: RGBColor,
    status: Status,
    win: &Window,
) -> Option<(Marker<(f64, f64)>, End)> {
    let &last = points.last()?;
    if matches!(status, Status::Diverged { .. }) {
        let p = last_visible(points, win)?;
        let marker = Marker::new((p[0], p[1]), Glyph::Triangle, 10, color, BLACK);
        Some((marker, End::LeftPlot))
    } else if points.len() > 1 && inside(last, win) {
        let c = darker(color, 0.15);
        let marker = Marker::new((last[0], last[1]), Glyph::Cross, 7, c, c);
        Some((marker, End::Reached))
    } else {
        None
    }
}

/// A run's legend symbol: its line with a step marker.
fn run_symbol((x, y): (i32, i32), color: RGBColor) -> Marker<(i32, i32)> {
    Marker::new((x + 10, y), Glyph::Line, 12, color, color)
}

/// A legend laid out in columns under the plot.
#[derive(Clone, Copy)]
struct Below {
    width: u32,
    height: u32,
    columns: usize,
    rows: usize,
    column_width: u32,
}

const ROW: u32 = 24;

/// The size of a legend in up to three columns under the plot, for the most entries it can
/// have (every run, diverged, and every marker kind).
/// The size of the legend box drawn inside the plot: runs plus the marker key.
fn corner_legend_size<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
) -> Result<(u32, u32), PlotError> {
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font());
    let mut text_w = 0;
    for run in &scene.runs {
        text_w = text_w.max(root.estimate_text_size(&run.legend, &style)?.0);
    }
    // start, end, minimum, saddle: the usual key entries.
    let entries = scene.runs.len() as u32 + 4;
    Ok((text_w + 60, entries * (LEGEND_SIZE as u32 + 9) + 16))
}

/// Whether a legend of this size would cover a minimum or saddle in every corner of a plot
/// of `pw × ph` pixels.
fn every_corner_hides_a_marked_point(
    scene: &Scene,
    win: &crate::core::Window,
    (pw, ph): (u32, u32),
    (lw, lh): (u32, u32),
) -> bool {
    let (pw, ph, lw, lh) = (pw as f64, ph as f64, lw as f64 + 10.0, lh as f64 + 10.0);
    let marked: Vec<(f64, f64)> = scene
        .minima
        .iter()
        .chain(&scene.saddles)
        .filter(|&&m| inside(m, win))
        .map(|m| {
            (
                (m[0] - win.x[0]) / (win.x[1] - win.x[0]) * pw,
                (win.y[1] - m[1]) / (win.y[1] - win.y[0]) * ph,
            )
        })
        .collect();
    let corners = [
        (0.0, 0.0),
        (pw - lw, 0.0),
        (0.0, ph - lh),
        (pw - lw, ph - lh),
    ];
    corners.iter().all(|&(x0, y0)| {
        marked.iter().any(|&(x, y)| {
            x >= x0 - 12.0 && x <= x0 + lw + 12.0 && y >= y0 - 12.0 && y <= y0 + lh + 12.0
        })
    })
}

fn legend_below<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
    w: u32,
) -> Result<Below, PlotError> {
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font());
    let mut text_w = root.estimate_text_size(Key::LeftPlot.text(), &style)?.0;
    for run in &scene.runs {
        let legend = if run.legend.is_empty() {
            run.label
        } else {
            &run.legend
        };
        let extra = " (diverged at step 0000)";
        text_w = text_w.max(
            root.estimate_text_size(&format!("{legend}{extra}"), &style)?
                .0,
        );
    }
    let column_width = text_w + 48;
    let columns = ((w.saturating_sub(40)) / column_width).clamp(1, 3) as usize;
    let n = scene.runs.len() + 6;
    let rows = n.div_ceil(columns);
    Ok(Below {
        width: column_width * columns as u32 + 12,
        height: rows as u32 * ROW + 8,
        columns,
        rows,
        column_width,
    })
}

fn draw_legend_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legends: &[(String, RGBColor)],
    key: &[Key],
    b: &Below,
    (x0, y0): (i32, i32),
) -> Result<(), PlotError> {
    let n = legends.len() + key.len();
    if n == 0 {
        return Ok(());
    }
    // Fill columns top to bottom, using as few rows as the entries need.
    let rows = n.div_ceil(b.columns).min(b.rows).max(1);
    let columns = n.div_ceil(rows);
    let width = b.column_width as i32 * columns as i32 + 12;
    let x0 = x0 + (b.width as i32 - width) / 2;
    let height = rows as i32 * ROW as i32 + 8;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + width, y0 + height)],
        WHITE.mix(0.88).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + width, y0 + height)],
        BLACK.mix(0.4).stroke_width(1),
    ))?;
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for k in 0..n {
        let (col, row) = (k / rows, k % rows);
        let x = x0 + 10 + col as i32 * b.column_width as i32;
        let y = y0 + 4 + row as i32 * ROW as i32 + ROW as i32 / 2;
        let text = if let Some((text, color)) = legends.get(k) {
            root.draw(&run_symbol((x, y), *color))?;
            text.as_str()
        } else {
            let key = key[k - legends.len()];
            root.draw(&key.element((x + 10, y)))?;
            key.text()
        };
        root.draw(&Text::new(text, (x + 32, y), style.clone()))?;
    }
    Ok(())
}

/// What the markers mean, in the legend after the runs.
#[derive(Clone, Copy)]
enum Key {
    Start,
    End,
    LeftPlot,
    Snapshot,
    Minimum,
    Saddle,
}

impl Key {
    fn text(self) -> &'static str {
        match self {
            Key::Start => "start",
            Key::End => "end",
            Key::LeftPlot => "left the plot (diverged)",
            Key::Snapshot => "snapshot",
            Key::Minimum => "minimum",
            Key::Saddle => "saddle point",
        }
    }

    fn element(self, at: (i32, i32)) -> Marker<(i32, i32)> {
        let grey = RGBColor(70, 70, 70);
        match self {
            Key::Start => Marker::new(at, Glyph::Dot, 6, grey, BLACK),
            Key::End => Marker::new(at, Glyph::Cross, 6, grey, grey),
            Key::LeftPlot => Marker::new(at, Glyph::Triangle, 8, grey, BLACK),
            Key::Snapshot => Marker::new(at, Glyph::Ring, 7, grey, grey),
            Key::Minimum => Marker::new(at, Glyph::Star, 10, WHITE, BLACK),
            Key::Saddle => Marker::new(at, Glyph::Diamond, 7, WHITE, BLACK),
        }
    }
}

/// The grid's window, or a unit square if it is degenerate.
fn sane_window(w: Window) -> Window {
    let fix = |r: [f64; 2]| {
        if r[0].is_finite() && r[1].is_finite() && r[1] > r[0] {
            r
        } else if r[0].is_finite() {
            [r[0] - 0.5, r[0] + 0.5]
        } else {
            [-1.0, 1.0]
        }
    };
    Window {
        x: fix(w.x),
        y: fix(w.y),
    }
}
