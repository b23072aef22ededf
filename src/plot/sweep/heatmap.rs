//! The heatmap: one band per optimizer variant, its cells at their true learning rates on a
//! log axis every row shares (so rows swept over different ranges are visibly offset, each
//! cell as wide as its row's spacing), coloured by the median metric through viridis. A
//! cell where half or more of the runs diverged is grey with a ×; each row's best cell is
//! outlined; a row whose best lies at the edge of its range gets ⚠ by its label and an arrow
//! pointing the way to widen it. A key under the title says what the marks mean, a colour
//! bar right of the plot what the colours are.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::PlotError;
use super::super::colormap::{ColorMap, color_bar};
use super::super::parts::title;
use super::super::style::{FONT, Sizes, run_color};
use super::scale::MetricScale;
use super::{Rect, SweepScene, heading, lr};

/// A diverged cell: a grey no colour of viridis comes near, with a darker ×.
pub(super) const DIVERGED_FILL: RGBColor = RGBColor(222, 222, 222);
const DIVERGED_MARK: RGBColor = RGBColor(105, 105, 105);
/// A cell without a value that did not diverge: paler than a diverged one, a dash across.
const UNREACHED_FILL: RGBColor = RGBColor(244, 244, 244);
/// The edge flag's colour: a warning orange, darker than any viridis cell it sits beside.
const WARNING: RGBColor = RGBColor(196, 78, 0);
/// The outline of a row's best cell: black outside, white inside, so it reads on the dark
/// and the light end of viridis alike.
pub(super) const BEST_OUTER: RGBColor = RGBColor(0, 0, 0);
const BEST_INNER: RGBColor = RGBColor(255, 255, 255);
/// The flag beside the label of a row whose best learning rate is at an end of its range
/// (DejaVu Sans has it: see the tests).
pub(super) const EDGE_FLAG: &str = "⚠";

/// Where the heatmap put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct HeatmapLayout {
    pub plot: Rect,
    /// By row, by cell: the cell's rectangle; `None` for a learning rate a log axis cannot
    /// show.
    pub cells: Vec<Vec<Option<Rect>>>,
    pub bar: Rect,
    /// By row: the tip of the edge arrow, for a row whose best is at an end of its range.
    pub arrows: Vec<Option<(i32, i32)>>,
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &SweepScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<HeatmapLayout, PlotError> {
    root.fill(&WHITE)?;
    let sizes = Sizes::new(scene.width, scene.height, scene.scale);
    let (w, h) = root.dim_in_pixel();
    let shows = format!("{} by learning rate", scene.metric);
    let title_bottom = title(root, &heading(scene, &shows), &sizes)?;
    let key_bottom = draw_key(root, scene, title_bottom, &sizes)?;

    let scale = MetricScale::choose(scene, 8, 0.0, false);
    let tick_font = sizes.tick_font();
    let width_of = |text: &str| text_width(root, text, tick_font);
    let tick = sizes.side(5.0);
    let tick_px = (tick_font / 1.24).ceil() as u32;
    let desc_px = (sizes.axis_desc_font() / 1.24).ceil() as u32;
    let bottom = tick + sizes.side(6.0) + tick_px + sizes.side(10.0) + desc_px + sizes.side(8.0);
    let top = key_bottom + sizes.side(6.0);
    let ph = h.saturating_sub(top + bottom).max(20);
    // Many rows: the labels shrink to fit their bands (plotters' size s is s / 1.24 px).
    let n = scene.rows.len().max(1);
    let label_font = tick_font.min(f64::from(ph) / n as f64 * 0.8 * 1.24);
    let label_width = |text: &str| text_width(root, text, label_font);
    let any_edge = scene.rows.iter().any(|r| r.at_edge);
    let gap = sizes.side(8.0);
    let swatch = sizes.side(18.0);
    let flag_w = if any_edge {
        label_width(EDGE_FLAG) + sizes.side(5.0)
    } else {
        0
    };
    // Each label with its flag, if it has one: the widest sets the margin.
    let labels_w = scene
        .rows
        .iter()
        .map(|r| label_width(&r.label) + if r.at_edge { flag_w } else { 0 })
        .max()
        .unwrap_or(0);
    let left = gap + swatch + sizes.side(6.0) + labels_w + sizes.side(10.0);
    let bar_axis = &scale.axis;
    let bar_labels_w = bar_axis
        .ticks
        .iter()
        .map(|&t| width_of(&bar_axis.label(t)))
        .max()
        .unwrap_or(0);
    let (bar_gap, bar_w) = (sizes.side(16.0), sizes.side(18.0));
    let right = bar_gap
        + bar_w
        + tick
        + sizes.side(5.0)
        + bar_labels_w
        + sizes.side(10.0)
        + tick_px
        + sizes.side(8.0);
    let pw = w.saturating_sub(left + right).max(20);
    let plot: Rect = (left as i32, top as i32, pw, ph);

    // Room beyond the outermost cells for an edge arrow, when a row needs one.
    let arrow = sizes.px(8.0);
    let pad = if any_edge {
        let r = (2.6 * arrow / f64::from(pw)).min(0.2);
        r / (1.0 - 2.0 * r)
    } else {
        0.0
    };
    let xa = lr::axis(
        scene,
        pad,
        (f64::from(pw) / sizes.px(90.0)).clamp(3.0, 11.0) as usize,
    );
    let chart_area = root
        .clone()
        .shrink((left as i32, top as i32), (pw, ph + bottom));
    let mut chart = ChartBuilder::on(&chart_area)
        .x_label_area_size(bottom)
        .build_cartesian_2d(xa.ranged(), 0.0..n as f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .y_labels(0)
        .x_desc("learning rate")
        .set_all_tick_mark_size(tick)
        .axis_style(BLACK.mix(0.7).stroke_width(sizes.side(1.0)))
        .label_style((FONT, tick_font))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|v| xa.label(*v))
        .draw()?;
    let x_px = |c: f64| chart.plotting_area().map_coordinate(&(c, 0.0)).0;

    let map = ColorMap::viridis();
    let row_gap = sizes.side(3.0);
    let mut cells = Vec::with_capacity(scene.rows.len());
    let mut arrows = Vec::with_capacity(scene.rows.len());
    let label_style = TextStyle::from((FONT, label_font).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, row) in scene.rows.iter().enumerate() {
        let band_top = top as i32 + (i as f64 * f64::from(ph) / n as f64).round() as i32;
        let band_bottom = top as i32 + ((i + 1) as f64 * f64::from(ph) / n as f64).round() as i32;
        let (y0, y1) = (
            band_top + (row_gap / 2) as i32,
            band_bottom - (row_gap - row_gap / 2) as i32 - 1,
        );
        let mid = (band_top + band_bottom) / 2;
        let placed: Vec<Option<Rect>> = lr::cells(row)
            .iter()
            .map(|c| {
                c.map(|(_, lo, hi)| {
                    let (x0, x1) = (x_px(lo), x_px(hi));
                    (x0, y0, (x1 - x0).max(1) as u32, (y1 - y0).max(1) as u32)
                })
            })
            .collect();
        for (cell, rect) in row.cells.iter().zip(&placed) {
            let Some(rect) = *rect else { continue };
            let (x0, y0, cw, ch) = rect;
            let corner = (x0 + cw as i32, y0 + ch as i32);
            if cell.median.is_finite() {
                let [r, g, b] = map.at(scale.unit(cell.median));
                root.draw(&Rectangle::new(
                    [(x0, y0), corner],
                    RGBColor(r, g, b).filled(),
                ))?;
            } else if cell.median.is_nan() {
                root.draw(&Rectangle::new([(x0, y0), corner], UNREACHED_FILL.filled()))?;
                draw_dash(root, rect, &sizes)?;
            } else {
                root.draw(&Rectangle::new([(x0, y0), corner], DIVERGED_FILL.filled()))?;
                draw_cross(root, rect, &sizes)?;
            }
        }
        if let Some(rect) = row.best.and_then(|b| placed.get(b).copied().flatten()) {
            draw_best(root, rect, &sizes)?;
        }
        let tip = edge_arrow(row, &placed, arrow, mid);
        if let Some((tip, towards)) = tip {
            draw_arrow(root, tip, towards, arrow)?;
        }
        arrows.push(tip.map(|(t, _)| t));
        cells.push(placed);

        // The label, right-aligned by the plot; the flag and the row's colour before it.
        let label_right = left as i32 - sizes.int(10.0);
        root.draw(&Text::new(
            row.label.as_str(),
            (label_right, mid),
            label_style.clone(),
        ))?;
        let mut x = label_right - label_width(&row.label) as i32 - sizes.int(5.0);
        if row.at_edge {
            root.draw(&Text::new(
                EDGE_FLAG,
                (x, mid),
                label_style.clone().color(&WARNING),
            ))?;
            x -= flag_w as i32;
        }
        root.draw(&PathElement::new(
            vec![(x - swatch as i32, mid), (x - sizes.int(2.0), mid)],
            run_color(i).stroke_width(sizes.side(4.0)),
        ))?;
    }
    root.draw(&Rectangle::new(
        [
            (left as i32, top as i32),
            (left as i32 + pw as i32, top as i32 + ph as i32),
        ],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    let bar: Rect = (left as i32 + (pw + bar_gap) as i32, top as i32, bar_w, ph);
    draw_bar(root, scene, &scale, &map, bar, tick, bar_labels_w, &sizes)?;
    Ok(HeatmapLayout {
        plot,
        cells,
        bar,
        arrows,
    })
}

/// The width of `text` at font size `size`, as the figure's backend measures it.
fn text_width<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, text: &str, size: f64) -> u32 {
    root.estimate_text_size(text, &TextStyle::from((FONT, size).into_font()))
        .map_or(0, |(w, _)| w)
}

/// What a cell's mark is drawn with: its centre, its half-size (as large as the cell's smaller
/// side allows) and its stroke.
fn mark_in((x0, y0, cw, ch): Rect, sizes: &Sizes) -> ((i32, i32), i32, ShapeStyle) {
    let r = ((cw.min(ch) as f64) * 0.32).min(sizes.px(9.0)).max(2.0) as i32;
    let centre = (x0 + cw as i32 / 2, y0 + ch as i32 / 2);
    let style = DIVERGED_MARK.stroke_width(sizes.side(1.6).min((r as u32 / 2).max(1)));
    (centre, r, style)
}

/// A × across a diverged cell.
fn draw_cross<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: Rect,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let ((cx, cy), r, style) = mark_in(rect, sizes);
    root.draw(&PathElement::new(
        vec![(cx - r, cy - r), (cx + r, cy + r)],
        style,
    ))?;
    root.draw(&PathElement::new(
        vec![(cx - r, cy + r), (cx + r, cy - r)],
        style,
    ))?;
    Ok(())
}

/// A dash across a cell without a value.
fn draw_dash<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: Rect,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let ((cx, cy), r, style) = mark_in(rect, sizes);
    root.draw(&PathElement::new(vec![(cx - r, cy), (cx + r, cy)], style))?;
    Ok(())
}

/// The best cell's outline, inside the cell so it never spills onto a neighbouring row.
fn draw_best<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x0, y0, cw, ch): Rect,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let outer = sizes.int(2.5).min(cw as i32 / 4).max(1);
    let inner = sizes.int(1.2).min(cw as i32 / 6).max(1);
    let (x1, y1) = (x0 + cw as i32, y0 + ch as i32);
    for k in 0..outer {
        root.draw(&Rectangle::new(
            [(x0 + k, y0 + k), (x1 - k, y1 - k)],
            BEST_OUTER,
        ))?;
    }
    for k in outer..outer + inner {
        root.draw(&Rectangle::new(
            [(x0 + k, y0 + k), (x1 - k, y1 - k)],
            BEST_INNER,
        ))?;
    }
    Ok(())
}

/// For a row whose best learning rate is its first or last: the arrow's tip just beyond that
/// cell, on the row's middle, and whether it points to higher rates.
fn edge_arrow(
    row: &super::SweepRow,
    placed: &[Option<Rect>],
    arrow: f64,
    mid: i32,
) -> Option<((i32, i32), bool)> {
    if !row.at_edge {
        return None;
    }
    let best = row.best?;
    let (x0, _, cw, _) = placed.get(best).copied().flatten()?;
    // The end of the range the best lies at; a one-cell row points both ways, so right.
    let higher = best + 1 == row.cells.len();
    let reach = (arrow * 2.2).round() as i32;
    let tip = if higher {
        x0 + cw as i32 + reach
    } else {
        x0 - reach
    };
    Some(((tip, mid), higher))
}

/// A filled arrowhead with its tip at `tip`, pointing right when `towards_higher`.
fn draw_arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (tx, ty): (i32, i32),
    towards_higher: bool,
    size: f64,
) -> Result<(), PlotError> {
    let (long, half) = ((size * 1.7).round() as i32, size.round() as i32);
    let back = if towards_higher { tx - long } else { tx + long };
    let outline = vec![(tx, ty), (back, ty - half), (back, ty + half)];
    root.draw(&Polygon::new(outline.clone(), WARNING.filled()))?;
    let mut closed = outline.clone();
    closed.push(outline[0]);
    root.draw(&PathElement::new(closed, BLACK.mix(0.6)))?;
    Ok(())
}

/// The colour bar: viridis from the lowest median (bottom) to the highest, ticks on the
/// metric's scale, and the caption turned along it.
#[allow(clippy::too_many_arguments)]
fn draw_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &SweepScene,
    scale: &MetricScale,
    map: &ColorMap,
    (left, top, width, height): Rect,
    tick: u32,
    labels_w: u32,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    if let Some(img) = BitMapElement::with_owned_buffer(
        (left, top),
        (width, height),
        color_bar(map, width, height),
    ) {
        root.draw(&img)?;
    }
    let right = left + width as i32;
    root.draw(&Rectangle::new(
        [(left, top), (right, top + height as i32)],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    let axis = &scale.axis;
    let row = |s: f64| {
        top + ((axis.hi - s) / (axis.hi - axis.lo) * f64::from(height.saturating_sub(1))).round()
            as i32
    };
    let label = TextStyle::from((FONT, sizes.tick_font()).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for &t in axis.ticks.iter().filter(|&&t| t >= axis.lo && t <= axis.hi) {
        let y = row(t);
        root.draw(&PathElement::new(
            vec![(right, y), (right + tick as i32, y)],
            BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
        ))?;
        root.draw(&Text::new(
            axis.label(t),
            (right + (tick + sizes.side(5.0)) as i32, y),
            label.clone(),
        ))?;
    }
    // Read from the bottom up, like a y axis' caption.
    let caption_x = right + (tick + sizes.side(5.0) + labels_w + sizes.side(10.0)) as i32;
    root.draw(&Text::new(
        scale.caption(&scene.metric_caption()),
        (caption_x, top + height as i32 / 2),
        TextStyle::from((FONT, sizes.tick_font()).into_font())
            .color(&BLACK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    Ok(())
}

/// One item of the key: what its swatch shows, and the text after it.
enum Swatch {
    Diverged,
    Unreached,
    Best,
    Edge,
}

/// The key under the title, centred, items wrapped onto as many lines as the width needs.
/// Returns where it ends.
fn draw_key<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &SweepScene,
    top: u32,
    sizes: &Sizes,
) -> Result<u32, PlotError> {
    let diverged = if scene.seeds > 1 {
        "diverged (half or more of the seeds)"
    } else {
        "diverged"
    };
    let cells = || scene.rows.iter().flat_map(|r| &r.cells);
    let mut items = Vec::new();
    // Only what the figure shows is explained.
    if cells().any(|c| c.median == f64::INFINITY) {
        items.push((Swatch::Diverged, diverged.to_string()));
    }
    if cells().any(|c| c.median.is_nan()) {
        items.push((Swatch::Unreached, scene.unreached.clone()));
    }
    items.push((Swatch::Best, "best learning rate of the row".to_string()));
    if scene.rows.iter().any(|r| r.at_edge) {
        items.push((
            Swatch::Edge,
            format!("{EDGE_FLAG} best at the end of its range: widen it"),
        ));
    }
    let font = sizes.tick_font();
    let (sw, sh) = (sizes.side(22.0), sizes.side(15.0));
    let (inner_gap, item_gap) = (sizes.side(6.0), sizes.side(22.0));
    let widths: Vec<u32> = items
        .iter()
        .map(|(_, t)| sw + inner_gap + text_width(root, t, font))
        .collect();
    let room = root.dim_in_pixel().0.saturating_sub(sizes.side(24.0));
    let mut lines: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0;
    for (k, &iw) in widths.iter().enumerate() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && used + item_gap + iw > room {
            lines.push(vec![k]);
            used = iw;
        } else {
            used += if line.is_empty() { 0 } else { item_gap } + iw;
            line.push(k);
        }
    }
    let line_h = sizes.side(22.0);
    let text = TextStyle::from((FONT, font).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let viridis = ColorMap::viridis();
    for (l, line) in lines.iter().enumerate() {
        let total: u32 =
            line.iter().map(|&k| widths[k]).sum::<u32>() + item_gap * (line.len() as u32 - 1);
        let mut x = (root.dim_in_pixel().0.saturating_sub(total) / 2) as i32;
        let y = (top + l as u32 * line_h + line_h / 2) as i32;
        for &k in line {
            let rect: Rect = (x, y - sh as i32 / 2, sw, sh);
            let corner = (x + sw as i32, y + sh as i32 / 2);
            match items[k].0 {
                Swatch::Diverged => {
                    root.draw(&Rectangle::new(
                        [(x, rect.1), corner],
                        DIVERGED_FILL.filled(),
                    ))?;
                    draw_cross(root, rect, sizes)?;
                }
                Swatch::Unreached => {
                    root.draw(&Rectangle::new(
                        [(x, rect.1), corner],
                        UNREACHED_FILL.filled(),
                    ))?;
                    root.draw(&Rectangle::new([(x, rect.1), corner], DIVERGED_MARK))?;
                    draw_dash(root, rect, sizes)?;
                }
                Swatch::Best => {
                    let [r, g, b] = viridis.at(0.1);
                    root.draw(&Rectangle::new(
                        [(x, rect.1), corner],
                        RGBColor(r, g, b).filled(),
                    ))?;
                    draw_best(root, rect, sizes)?;
                }
                Swatch::Edge => {
                    draw_arrow(root, (x + sw as i32, y), true, sizes.px(8.0))?;
                }
            }
            root.draw(&Text::new(
                items[k].1.as_str(),
                (x + (sw + inner_gap) as i32, y),
                text.clone(),
            ))?;
            x += (widths[k] + item_gap) as i32;
        }
    }
    Ok(top + lines.len() as u32 * line_h + sizes.side(4.0))
}
