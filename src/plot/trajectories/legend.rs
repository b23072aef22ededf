//! The legend: the runs, then what the markers mean. Inside the plot, in the corner the paths
//! and the marked points leave freest; or in columns under the plot, where the layout made
//! room for it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::clip::inside;
use super::super::parts::{Glyph, Marker, legend_corner};
use super::super::style::{FONT, LEGEND_SIZE};
use super::super::{PlotError, Scene};
use super::layout::{BOTTOM, LEFT, Placement, TOP_PAD};
use super::paths::DrawnPaths;
use super::{PlotCoord, plot_pixel};
use crate::core::Window;

/// A legend laid out in columns under the plot.
#[derive(Clone, Copy)]
pub(super) struct Below {
    pub width: u32,
    pub height: u32,
    columns: usize,
    rows: usize,
    column_width: u32,
}

/// The height of one entry of the legend under the plot.
const ROW: u32 = 24;

/// Draws the legend of the paths in `chart`'s plot: under it where `place` made room,
/// otherwise in the plot's freest corner.
pub(super) fn draw<'a, DB: DrawingBackend + 'a>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'a, DB, PlotCoord>,
    scene: &Scene,
    win: &Window,
    per_px: [f64; 2],
    place: &Placement,
    paths: DrawnPaths,
) -> Result<(), PlotError> {
    let key = keys(scene, win, &paths);
    let DrawnPaths {
        pixels: mut drawn_px,
        legends,
        ..
    } = paths;
    let entries = legends.len() + key.len();
    let (pw, ph) = place.plot;
    if let Some(b) = &place.below {
        let x0 = place.left + 10 + LEFT as i32 + (pw as i32 - b.width as i32) / 2;
        let y0 = place.top as i32 + (TOP_PAD + ph + BOTTOM) as i32 + 4;
        return draw_legend_grid(root, &legends, &key, b, (x0.max(4), y0));
    }
    if entries == 0 {
        return Ok(());
    }
    // The corner legend avoids the known minima and saddles too: each counts as more path
    // points than any run has, so it covers a marked point only when every corner holds one.
    for &m in scene.minima.iter().chain(&scene.saddles) {
        if inside(m, win) {
            let p = plot_pixel(m, win, per_px);
            drawn_px.extend(std::iter::repeat_n(p, 5_000));
        }
    }
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
    let (aw, ah) = chart.plotting_area().dim_in_pixel();
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
    Ok(())
}

/// The markers to explain, in this order: those that show in the plot.
fn keys(scene: &Scene, win: &Window, paths: &DrawnPaths) -> Vec<Key> {
    let mut key: Vec<Key> = Vec::new();
    if scene.runs.iter().any(|r| !r.trace.is_empty()) {
        key.push(Key::Start);
    }
    if paths.any_end {
        key.push(Key::End);
    }
    if paths.any_left_plot {
        key.push(Key::LeftPlot);
    }
    if paths.any_snapshot {
        key.push(Key::Snapshot);
    }
    if scene.minima.iter().any(|&m| inside(m, win)) {
        key.push(Key::Minimum);
    }
    if scene.saddles.iter().any(|&s| inside(s, win)) {
        key.push(Key::Saddle);
    }
    key
}

/// A run's legend symbol: its line with a step marker.
fn run_symbol((x, y): (i32, i32), color: RGBColor) -> Marker<(i32, i32)> {
    Marker::new((x + 10, y), Glyph::Line, 12, color, color)
}

/// The size of the legend box drawn inside the plot: runs plus the marker key.
pub(super) fn corner_legend_size<DB: DrawingBackend>(
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

/// The size of a legend in up to three columns under the plot, for the most entries it can
/// have (every run, diverged, and every marker kind).
pub(super) fn legend_below<DB: DrawingBackend>(
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
            Key::LeftPlot => "diverged: last point in view",
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
