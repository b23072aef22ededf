//! Draws a [`Model`]: the surface as a shaded field with every path in braille on the left, a
//! side panel with every run's step, loss, lr and status and the selected run's loss
//! sparkline, and the keys at the bottom.

use std::sync::OnceLock;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as Segment};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Sparkline, Table, Wrap};

use crate::core::{Point, Status, Window};
use crate::number::{compact, short as short_number};
use crate::plot::style::{RGBColor, play_run_color};

use super::state::Model;

/// The keys, as the two help lines show them (broken between keys, not inside one).
pub const HELP: &str = "space play/pause · →/← step · +/− speed · tab run · l/L lr −/+ · \
                        m/M momentum −/+ · b bias correction\n\
                        n noise · s surface · r restart · click: start here · e export · q quit";

/// Smaller than this, only a note asking for a bigger terminal is drawn.
pub const MIN_WIDTH: u16 = 72;
pub const MIN_HEIGHT: u16 = 16;
/// The narrowest map worth drawing, border included.
pub const MIN_MAP_WIDTH: u16 = 26;

/// Bands of the shaded field; each holds about as many cells as the next.
const BANDS: usize = 14;

/// Where the parts of the screen go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The map with its border.
    pub map_block: Rect,
    /// Inside the border: the surface's window, cell for cell.
    pub map: Rect,
    pub side: Rect,
    pub help: Rect,
}

/// The layout of a screen of size `area`; `None` when it is too small to be useful.
pub fn layout(area: Rect) -> Option<Areas> {
    layout_with(area, [MIN_WIDTH - MIN_MAP_WIDTH, 56])
}

/// The layout with a side panel a third of the screen wide within `side` ([narrowest,
/// widest]) and a map of [`MIN_MAP_WIDTH`] columns at least; `None` when the screen is too small.
pub fn layout_with(area: Rect, [narrowest, widest]: [u16; 2]) -> Option<Areas> {
    if area.width < narrowest + MIN_MAP_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [main, help] = Layout::vertical([Constraint::Min(8), Constraint::Length(2)]).areas(area);
    let side_width = (area.width * 35 / 100).clamp(narrowest, widest);
    let [map_block, side] =
        Layout::horizontal([Constraint::Min(20), Constraint::Length(side_width)]).areas(main);
    let map = Block::bordered().inner(map_block);
    Some(Areas {
        map_block,
        map,
        side,
        help,
    })
}

/// The surface point at the centre of the terminal cell (`column`, `row`), if it is on the
/// map.
pub fn point_at(map: Rect, window: Window, column: u16, row: u16) -> Option<Point> {
    if !map.contains((column, row).into()) {
        return None;
    }
    let fx = (f64::from(column - map.x) + 0.5) / f64::from(map.width);
    let fy = (f64::from(row - map.y) + 0.5) / f64::from(map.height);
    Some([
        window.x[0] + fx * (window.x[1] - window.x[0]),
        window.y[1] - fy * (window.y[1] - window.y[0]),
    ])
}

/// The terminal cell that shows surface point `p`, if it is in the window.
pub fn cell_of(map: Rect, window: Window, p: Point) -> Option<(u16, u16)> {
    let fx = (p[0] - window.x[0]) / (window.x[1] - window.x[0]);
    let fy = (window.y[1] - p[1]) / (window.y[1] - window.y[0]);
    if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
        return None;
    }
    let column = map.x + (fx * f64::from(map.width)) as u16;
    let row = map.y + (fy * f64::from(map.height)) as u16;
    Some((column, row))
}

/// Run `i`'s colour on the map: the figures' colour, lightened until it stands out 3:1 on
/// the lightest band of the field in either colour mode (tested below), so every path shows
/// on the dark background.
pub(super) fn rgb(i: usize) -> Color {
    let c = run_rgb(i);
    color(c.0, c.1, c.2)
}

/// Run `i`'s colour in the playground, as 24-bit RGB.
pub fn run_rgb(i: usize) -> RGBColor {
    play_run_color(i)
}

/// Whether colours are given as 24-bit RGB; decided once, on first use.
static TRUECOLOR: OnceLock<bool> = OnceLock::new();

/// Whether the terminal says it shows 24-bit colour (`COLORTERM`, as terminals and SSH
/// clients that forward it set it).
fn truecolor() -> bool {
    *TRUECOLOR
        .get_or_init(|| std::env::var("COLORTERM").is_ok_and(|v| v == "truecolor" || v == "24bit"))
}

/// Draws in 24-bit colour whatever `COLORTERM` says (a screenshot shows every colour). Takes
/// effect only before the first colour is chosen; says whether 24-bit colour is on.
pub fn use_truecolor() -> bool {
    *TRUECOLOR.get_or_init(|| true)
}

/// `(r, g, b)` as the terminal can show it: itself, or the nearest of xterm's 256 colours
/// (the 6×6×6 cube), which every terminal worth the name has.
pub fn color(r: u8, g: u8, b: u8) -> Color {
    if truecolor() {
        return Color::Rgb(r, g, b);
    }
    Color::Indexed(cube_index(r, g, b))
}

/// The nearest colour of xterm's 6×6×6 cube.
fn cube_index(r: u8, g: u8, b: u8) -> u8 {
    // The cube's levels are 0, 95, 135, 175, 215, 255.
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (v - 35) / 40
        }
    };
    16 + 36 * level(r) + 6 * level(g) + level(b)
}

/// Band `b` of [`BANDS`]: dark blue-grey low, lighter high, dark enough for the run colours.
fn band_color(b: usize) -> Color {
    if !truecolor() {
        return Color::Indexed(grey_ramp(b));
    }
    let c = band_rgb(true, b);
    color(c.0, c.1, c.2)
}

/// Where band `b` falls on the 256-colour palette's grey ramp (232 = darkest), which keeps
/// the bands apart where 24-bit colour is missing; it stops at 240 (88, 88, 88), as dark as
/// the 24-bit bands' top.
fn grey_ramp(b: usize) -> u8 {
    let t = b as f64 / (BANDS - 1) as f64;
    232 + (t * 8.0).round() as u8
}

/// Band `b`'s colour as the terminal shows it, in 24-bit colour or on the grey ramp.
fn band_rgb(truecolor: bool, b: usize) -> RGBColor {
    if !truecolor {
        let v = 8 + 10 * (grey_ramp(b) - 232);
        return RGBColor(v, v, v);
    }
    let t = b as f64 / (BANDS - 1) as f64;
    let lerp = |lo: f64, hi: f64| (lo + t * (hi - lo)).round() as u8;
    RGBColor(lerp(14.0, 82.0), lerp(20.0, 88.0), lerp(36.0, 100.0))
}

pub fn draw(frame: &mut Frame, model: &Model) {
    let Some(areas) = layout(frame.area()) else {
        frame.render_widget(
            Paragraph::new("optplay play: make the terminal larger (72×16 at least) · q quits")
                .wrap(Wrap { trim: true }),
            frame.area(),
        );
        return;
    };
    draw_map(frame, model, areas);
    draw_side(frame, model, areas.side);
    frame.render_widget(
        Paragraph::new(HELP)
            .style(Style::new().fg(Color::Gray))
            .wrap(Wrap { trim: true }),
        areas.help,
    );
}

fn draw_map(frame: &mut Frame, model: &Model, areas: Areas) {
    let window = model.problem().view.window;
    let title = format!(
        " {} · {} ",
        model.problem().kind(),
        model.problem().function.formula()
    );
    frame.render_widget(Block::bordered().title(title), areas.map_block);

    // Paths in braille; the selected run last, on top.
    let mut order: Vec<usize> = (0..model.traces.len())
        .filter(|&i| i != model.selected)
        .collect();
    order.push(model.selected);
    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds(window.x)
        .y_bounds(window.y)
        .paint(|ctx| {
            for &i in &order {
                let trace = &model.traces[i];
                let color = rgb(i);
                let points: Vec<[f64; 2]> = trace.points_2d().take(model.row(i) + 1).collect();
                for pair in points.windows(2) {
                    ctx.draw(&Segment::new(
                        pair[0][0], pair[0][1], pair[1][0], pair[1][1], color,
                    ));
                }
                ctx.layer();
            }
        });
    frame.render_widget(canvas, areas.map);

    let buf = frame.buffer_mut();
    shade(buf, model, areas.map);
    let mut mark = |p: Point, symbol: &str, style: Style| {
        if let Some(cell) = cell_of(areas.map, window, p) {
            buf[cell].set_symbol(symbol).set_style(style);
        }
    };
    let white = Style::new().fg(Color::White).add_modifier(Modifier::BOLD);
    for p in model.problem().function.minima() {
        mark(p, "*", white);
    }
    for p in model.problem().function.saddles() {
        mark(p, "x", white);
    }
    mark(model.problem().start, "o", white);
    for &i in &order {
        let trace = &model.traces[i];
        let p = trace.point(model.row(i));
        mark([p[0], p[1]], "●", Style::new().fg(rgb(i)));
    }
}

/// The field: each cell's background shows the band of f at its centre.
fn shade(buf: &mut Buffer, model: &Model, map: Rect) {
    let mut values = Vec::with_capacity(map.width as usize * map.height as usize);
    for row in map.top()..map.bottom() {
        for column in map.left()..map.right() {
            let v = point_at(map, model.problem().view.window, column, row)
                .map_or(f64::NAN, |p| model.problem().function.value2(p));
            values.push(v);
        }
    }
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return;
    }
    let thresholds: Vec<f64> = (1..BANDS)
        .map(|k| sorted[k * (sorted.len() - 1) / BANDS])
        .collect();
    let mut values = values.into_iter();
    for row in map.top()..map.bottom() {
        for column in map.left()..map.right() {
            let v = values.next().unwrap_or(f64::NAN);
            let band = if v.is_finite() {
                thresholds.partition_point(|&t| t < v)
            } else {
                BANDS - 1
            };
            buf[(column, row)].set_bg(band_color(band));
        }
    }
}

fn status_text(model: &Model, i: usize) -> String {
    let trace = &model.traces[i];
    if model.cursor < trace.len().saturating_sub(1) {
        return "running".into();
    }
    match trace.status {
        Status::Diverged { .. } => "diverged".into(),
        s => s.name().replace('_', " "),
    }
}

fn draw_side(frame: &mut Frame, model: &Model, area: Rect) {
    let e = &model.experiment;
    let n = model.traces.len() as u16;
    let [head, table, detail, spark, message] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(n + 3),
        Constraint::Length(3),
        Constraint::Max(12),
        Constraint::Fill(1),
    ])
    .areas(area);

    let state = if model.playing {
        "▶ playing"
    } else {
        "⏸ paused"
    };
    let noise = match e.noise {
        Some(std) => format!("noise std {std}"),
        None => "noise off".into(),
    };
    let head_text = vec![
        Line::from(vec![
            Span::styled("optplay play", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(" · {}", model.problem().kind())),
        ]),
        Line::from(format!(
            "step {}/{} · {state} · {} steps/s",
            model.cursor,
            model.last_row(),
            model.steps_per_second()
        )),
        Line::from(format!(
            "start ({}, {}) · {noise}",
            compact(model.problem().start[0]),
            compact(model.problem().start[1])
        )),
    ];
    frame.render_widget(Paragraph::new(head_text), head);

    let rows: Vec<Row> = e
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let trace = &model.traces[i];
            let row = model.row(i);
            let pointer = if i == model.selected { "▶" } else { " " };
            let style = if i == model.selected {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            Row::new(vec![
                Cell::from(Span::styled(
                    format!("{pointer}{}", r.label),
                    Style::new().fg(rgb(i)).add_modifier(Modifier::BOLD),
                )),
                Cell::from(row.to_string()),
                Cell::from(compact(trace.loss[row])),
                Cell::from(short_number(r.lr)),
                Cell::from(status_text(model, i)),
            ])
            .style(style)
        })
        .collect();
    let label_width = e
        .runs
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(3) as u16;
    let widths = [
        Constraint::Min(label_width.clamp(3, 16) + 1),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(9),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(
                Row::new(["run", "step", "loss", "lr", "status"])
                    .style(Style::new().add_modifier(Modifier::UNDERLINED)),
            )
            .block(Block::bordered().title(" runs (tab selects) ")),
        table,
    );

    let selected = &e.runs[model.selected];
    frame.render_widget(
        Paragraph::new(format!("{}: {}", selected.kind(), selected.summary()))
            .style(Style::new().fg(rgb(model.selected)))
            .wrap(Wrap { trim: true }),
        detail,
    );

    let block = Block::bordered().title(format!(" loss of {} (log) ", selected.label));
    let inner = block.inner(spark);
    frame.render_widget(block, spark);
    frame.render_widget(
        Sparkline::default()
            .data(sparkline(model, inner.width as usize))
            .max(100)
            .style(Style::new().fg(rgb(model.selected))),
        inner,
    );

    frame.render_widget(
        Paragraph::new(model.message.as_str())
            .style(Style::new().fg(Color::Yellow))
            .wrap(Wrap { trim: true }),
        message,
    );
}

/// The selected run's loss on a log scale, 0..=100, one bar per column: the whole run spans
/// the width, so the bars grow left to right as it plays.
fn sparkline(model: &Model, width: usize) -> Vec<u64> {
    let trace = &model.traces[model.selected];
    if width == 0 || trace.is_empty() {
        return Vec::new();
    }
    let floor = model
        .problem()
        .function
        .min_value()
        .unwrap_or_else(|| trace.best_loss());
    let log = |v: f64| (v - floor).max(1e-12).ln();
    let lo = trace
        .loss
        .iter()
        .map(|&v| log(v))
        .fold(f64::INFINITY, f64::min);
    let hi = trace
        .loss
        .iter()
        .map(|&v| log(v))
        .fold(f64::NEG_INFINITY, f64::max);
    let span = (hi - lo).max(1e-9);
    let shown = model.row(model.selected);
    let len = trace.len();
    (0..width.min(len))
        .map(|c| c * (len - 1) / width.min(len).saturating_sub(1).max(1))
        .take_while(|&step| step <= shown)
        .map(|step| (1.0 + 99.0 * (log(trace.loss[step]) - lo) / span).round() as u64)
        .collect()
}

#[cfg(test)]
mod colour_tests {
    use super::*;
    use crate::plot::style::contrast;

    /// xterm's colour for an index of the 6×6×6 cube.
    fn cube_rgb(index: u8) -> RGBColor {
        let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
        let i = index - 16;
        RGBColor(level(i / 36), level(i / 6 % 6), level(i % 6))
    }

    #[test]
    fn every_run_stands_out_three_to_one_on_every_band_in_both_colour_modes() {
        // The terminal's own background, under the side panel's text.
        let panel = RGBColor(16, 18, 24);
        for i in 0..16 {
            let c = run_rgb(i);
            let quantized = cube_rgb(cube_index(c.0, c.1, c.2));
            for (truecolor, shown) in [(true, c), (false, quantized)] {
                for bg in (0..BANDS).map(|b| band_rgb(truecolor, b)).chain([panel]) {
                    let ratio = contrast(shown, bg);
                    assert!(
                        ratio >= 3.0,
                        "run {i} ({shown:?}) on {bg:?}: {ratio:.2}:1 (24-bit: {truecolor})"
                    );
                }
            }
        }
        // Runs keep their own colours: no two runs of one compare look the same.
        let colours: std::collections::HashSet<(u8, u8, u8)> = (0..16)
            .map(|i| {
                let c = run_rgb(i);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(colours.len(), 16);
    }
}
