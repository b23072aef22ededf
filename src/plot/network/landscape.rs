//! The landscape of each run's path: a panel per run (up to three in a row, more wrap), the
//! training loss over the plane of the path's two principal directions through its final
//! weights, drawn as the trajectories figure draws a surface (the pale background, contour
//! lines that fade where they crowd, the run's path in its colour with a white halo, the
//! start dot and the end cross), with a colour bar of the panel's own levels beside it. Each
//! panel says how much of the path's variance its two directions explain: in its heading and
//! on its axes. A path with no plane (it never moved, or moved along one line) gets a panel
//! that says so.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::axis::Axis;
use super::super::colormap::{ColorMap, background};
use super::super::contours::isolines;
use super::super::levels::{Levels, choose_levels};
use super::super::parts::{Entry, Glyph, LegendBox, Marker, title};
use super::super::style::{FONT, Sizes};
use super::super::trajectories::{
    Contours, RunPath, RunStyle, START_EDGE, START_FILL, draw_lines, draw_run, faded_lines,
    paint_lines,
};
use super::super::{Draw, Format, PlotError};
use super::panel_text::{self, fitted, heading_height, line_height};
use super::{LandscapePanel, LandscapePlane, LandscapeScene, Rect, heading, percent, run_name};
use crate::core::{Grid, Status, Window};
use bar::Bar;

/// Contour levels per panel: fewer than the trajectories' 30, for a plot a third as wide.
const LEVELS: usize = 18;
/// The fewest pixels a panel's plot may have across.
const SMALLEST_PANEL: u32 = 60;
/// The reference cell a panel's text is sized for (see `sizes_per_cell`).
pub(super) const CELL: (u32, u32) = (540, 500);
/// A neutral grey for the legend's samples.
const SAMPLE: RGBColor = RGBColor(70, 70, 70);
/// The caption's colour: a little softer than the title.
const CAPTION: RGBColor = RGBColor(50, 50, 50);

/// Where the figure put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct LandscapeLayout {
    /// Each panel's plotting area (for a panel with no plane: the box its reason is in).
    pub plots: Vec<Rect>,
    /// Each panel's colour bar, when it has one.
    pub bars: Vec<Option<Rect>>,
    /// By panel: where the start and the end were drawn, when the panel has a plane.
    pub ends: Vec<Option<[(i32, i32); 2]>>,
    pub legend: Rect,
    pub sizes: Sizes,
}

/// The figure in one format: bitmaps paint the contour lines into the background raster,
/// antialiased; SVG keeps them as paths.
pub(super) struct Landscape(pub Format);

impl Draw<LandscapeScene> for Landscape {
    fn draw<'r, DB: DrawingBackend + 'r>(
        &self,
        scene: &LandscapeScene,
        root: &'r DrawingArea<DB, Shift>,
    ) -> Result<(), PlotError> {
        let contours = match self.0 {
            Format::Svg => Contours::Vector,
            Format::Png | Format::Gif => Contours::InRaster,
        };
        draw(scene, root, contours)?;
        Ok(())
    }
}

/// Columns and rows of the panel grid: up to three in a row.
pub(super) fn grid(panels: usize) -> (usize, usize) {
    let columns = panels.clamp(1, 3);
    (columns, panels.max(1).div_ceil(columns))
}

/// `text` broken at spaces into lines of at most `room` pixels (a longer word alone).
fn wrapped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: f64,
    room: u32,
) -> Result<Vec<String>, PlotError> {
    let style = TextStyle::from((FONT, font).into_font());
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line)
                if root
                    .estimate_text_size(&format!("{line} {word}"), &style)?
                    .0
                    <= room =>
            {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    Ok(lines)
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &LandscapeScene,
    root: &DrawingArea<DB, Shift>,
    contours: Contours,
) -> Result<LandscapeLayout, PlotError> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (columns, rows) = grid(scene.panels.len());
    let sizes = super::sizes_per_cell((w, h), (columns, rows), CELL, scene.scale);
    let mut top = title(
        root,
        &heading(&scene.title, "the loss landscape of each path"),
        &sizes,
    )?;
    let caption_font = sizes.tick_font();
    let room = w.saturating_sub(sizes.side(24.0));
    for text in &scene.caption {
        for line in wrapped(root, text, caption_font, room)? {
            fitted(
                root,
                &line,
                ((w / 2) as i32, top as i32),
                caption_font,
                room,
                CAPTION,
            )?;
            top += line_height(caption_font);
        }
    }
    top += sizes.side(6.0);
    let legend = legend(root, &sizes)?;
    let (lw, lh) = legend.size();
    let legend_at = ((w as i32 - lw as i32) / 2, top as i32);
    legend.draw(root, legend_at)?;
    top += lh + sizes.side(8.0);

    let margin = sizes.side(10.0);
    let cell_w = w.saturating_sub(margin) / columns as u32;
    let cell_h = h.saturating_sub(top + sizes.side(6.0)) / rows as u32;
    let heading_h = heading_height(&sizes);
    let tick = TextStyle::from((FONT, sizes.tick_font()).into_font());
    let desc_h = line_height(sizes.axis_desc_font());
    let y_area = root.estimate_text_size("−0.25", &tick)?.0 + desc_h + sizes.side(12.0);
    let x_area = root.estimate_text_size("0", &tick)?.1 + desc_h + sizes.side(12.0);
    let bar = Bar::new(root, &sizes)?;
    let free_w = cell_w.saturating_sub(y_area + bar.room + sizes.side(12.0));
    let free_h = cell_h
        .saturating_sub(heading_h + line_height(sizes.tick_font()) + x_area + sizes.side(22.0));
    let side = free_w.min(free_h);
    if side < SMALLEST_PANEL {
        return Err(PlotError::new(format!(
            "a figure of {w}x{h} pixels leaves each of its {} landscape panels {side}x{side} \
             pixels (at least {SMALLEST_PANEL} across)",
            scene.panels.len()
        )));
    }
    // Room between the heading and the plot for the colour bar's "loss" over the bar.
    let above = line_height(sizes.tick_font()) + sizes.side(6.0);
    let row_h = heading_h + above + side + x_area + sizes.side(10.0);
    let top = top + (cell_h.saturating_sub(row_h) * rows as u32) / 2;
    let block_w = y_area + side + bar.room;
    let mut layout = LandscapeLayout {
        plots: Vec::new(),
        bars: Vec::new(),
        ends: Vec::new(),
        legend: (legend_at.0, legend_at.1, lw, lh),
        sizes,
    };
    for (k, panel) in scene.panels.iter().enumerate() {
        let (left, cell_top) = panel_text::cell_origin(
            k,
            scene.panels.len(),
            columns,
            (cell_w, row_h),
            (margin, top),
        );
        panel_heading(root, panel, (left, cell_top, cell_w), &sizes)?;
        let px = left + ((cell_w.saturating_sub(block_w)) / 2 + y_area) as i32;
        let py = cell_top + (heading_h + above) as i32;
        let plot = (px, py, side, side);
        match &panel.plane {
            Ok(plane) => {
                let area = root
                    .clone()
                    .shrink((px - y_area as i32, py), (side + y_area, side + x_area));
                let drawn = draw_plane(&area, k, plane, (y_area, x_area), contours, &sizes)?;
                let levels = drawn.levels;
                let bar_rect = bar.draw(root, &levels, plot, &sizes)?;
                layout.bars.push(bar_rect);
                layout.ends.push(Some(drawn.ends));
            }
            Err(reason) => {
                no_plane(root, reason, plot, &sizes)?;
                layout.bars.push(None);
                layout.ends.push(None);
            }
        }
        layout.plots.push(plot);
    }
    Ok(layout)
}

/// What the panel's two directions explain, for its heading.
fn explained_line(panel: &LandscapePanel) -> String {
    let mut line = match &panel.plane {
        Ok(plane) => format!(
            "PC1 {} · PC2 {} of the path's variance",
            percent(plane.explained[0]),
            percent(plane.explained[1])
        ),
        Err(_) => "no plane to draw".to_string(),
    };
    if let Some(step) = panel.diverged_at {
        line.push_str(&format!(" · diverged at step {step}"));
    }
    line
}

/// The panel's title: the run's name, and what its plane explains below it.
fn panel_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &LandscapePanel,
    area: (i32, i32, u32),
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let name = run_name(&panel.label, &panel.legend);
    panel_text::panel_heading(root, [name, &explained_line(panel)], area, sizes)
}

/// What the markers mean: the start, the end (the final weights, the plane's origin) and
/// the path.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sizes: &Sizes,
) -> Result<LegendBox, PlotError> {
    let entry = |text: &str, glyph, size: f64, fill, edge| Entry {
        text: text.to_string(),
        glyph,
        size: sizes.int(size),
        fill,
        edge,
    };
    let entries = vec![
        entry(
            "the path (in its run's colour)",
            Glyph::Line,
            12.0,
            SAMPLE,
            SAMPLE,
        ),
        entry("start", Glyph::Dot, 6.0, START_FILL, START_EDGE),
        entry(
            "end: the final weights at (0, 0)",
            Glyph::Cross,
            6.0,
            SAMPLE,
            SAMPLE,
        ),
    ];
    let width = root.dim_in_pixel().0.saturating_sub(sizes.side(16.0));
    LegendBox::widest_fitting(root, &entries, sizes.legend_font() * 0.95, width)
}

/// What drawing a plane left to place around it.
struct DrawnPlane {
    levels: Levels,
    /// The start's and the end's pixels.
    ends: [(i32, i32); 2],
}

/// One panel's plot: axes named after the directions, the background and contour lines of
/// the loss, the path, its start and its end.
fn draw_plane<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    run: usize,
    plane: &LandscapePlane,
    (y_area, x_area): (u32, u32),
    contours: Contours,
    sizes: &Sizes,
) -> Result<DrawnPlane, PlotError> {
    let grid = &plane.loss;
    let win = grid.window;
    let xa = Axis::linear(win.x[0], win.x[1], 5);
    let ya = Axis::linear(win.y[0], win.y[1], 5);
    let win = Window {
        x: [xa.lo, xa.hi],
        y: [ya.lo, ya.hi],
    };
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    let [pc1, pc2] = plane.explained.map(percent);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(format!("PC1 ({pc1})"))
        .y_desc(format!("PC2 ({pc2})"))
        .axis_style(BLACK.mix(0.7).stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(4.0))
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let plot = chart.plotting_area();
    let (pw, ph) = plot.dim_in_pixel();
    let per_px = [
        (win.x[1] - win.x[0]) / f64::from(pw.max(1)),
        (win.y[1] - win.y[0]) / f64::from(ph.max(1)),
    ];
    let levels = levels(grid);
    let lines = isolines(grid, &levels.values);
    let lines = faded_lines(&lines, &levels.values, grid, per_px);
    let map = ColorMap::pale();
    let mut raster = background(grid, &levels, &map, pw, ph);
    if contours == Contours::InRaster {
        paint_lines(&mut raster, (pw, ph), &lines, &win, sizes);
    }
    if let Some(image) = BitMapElement::with_owned_buffer((win.x[0], win.y[1]), (pw, ph), raster) {
        plot.draw(&image)?;
    }
    if contours == Contours::Vector {
        draw_lines(plot, &lines, sizes)?;
    }
    // The end is drawn as a reached end (a cross) even for a diverged run: its path ends at
    // the last finite weights, which is where the plane is centred, and the heading says it
    // diverged.
    let path = RunPath {
        points: plane.path.clone(),
        status: Status::MaxSteps,
        snapshots: Vec::new(),
    };
    draw_run(plot, &path, &RunStyle::new(run, sizes), &win, per_px)?;
    let start = plane.path.first().copied().unwrap_or([0.0, 0.0]);
    plot.draw(&Marker::new(
        (start[0], start[1]),
        Glyph::Dot,
        sizes.int(6.0),
        START_FILL,
        START_EDGE,
    ))?;
    plot.draw(&Rectangle::new(
        [(win.x[0], win.y[0]), (win.x[1], win.y[1])],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    let end = plane.path.last().copied().unwrap_or([0.0, 0.0]);
    Ok(DrawnPlane {
        levels,
        ends: [
            plot.map_coordinate(&(start[0], start[1])),
            plot.map_coordinate(&(end[0], end[1])),
        ],
    })
}

/// The panel's contour levels. The loss is a cross-entropy, whose floor is 0: levels are of
/// the loss itself, log-spaced as soon as it spans two decades over the plane. The general
/// rule (most of the grid two decades under its top) would miss what matters here: the
/// well around the final weights, often a small part of the plane and decades deep.
pub(super) fn levels(grid: &Grid) -> Levels {
    let (lo, hi) = grid.range();
    let decades = lo > 0.0 && hi / lo >= 100.0;
    choose_levels(grid, Some(0.0), LEVELS, Some(decades))
}

/// A panel with no plane: a grey box with the reason written in it.
fn no_plane<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    reason: &str,
    (x, y, w, h): Rect,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let corner = (x + w as i32, y + h as i32);
    root.draw(&Rectangle::new(
        [(x, y), corner],
        RGBColor(242, 242, 242).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x, y), corner],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    let font = sizes.legend_font();
    let room = w.saturating_sub(sizes.side(24.0));
    let lines = wrapped(root, reason, font, room)?;
    let line_h = line_height(font) as i32;
    let mut at = y + h as i32 / 2 - line_h * lines.len() as i32 / 2;
    for line in &lines {
        fitted(root, line, (x + w as i32 / 2, at), font, room, BLACK)?;
        at += line_h;
    }
    Ok(())
}

mod bar;
#[cfg(test)]
mod tests;
