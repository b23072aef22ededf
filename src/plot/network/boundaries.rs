//! The decision boundaries: a panel per run (up to three in a row, more wrap), all over the
//! same window at the same scale in x and y, each titled with the run's name and its train
//! and validation accuracy. The regions are a raster (`regions.rs`); over them the training
//! points as filled discs and the validation points as open circles in their class's colour,
//! and a black ring around every point the model gets wrong. The legend (classes, then what
//! the markers mean) stands between the title and the panels, never over the data.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::PlotError;
use super::super::axis::{Axis, Ticked};
use super::super::parts::{Entry, Glyph, LegendBox, Marker, title};
use super::super::style::{FONT, Sizes, darker};
use super::panel_text::{self, heading_height};
use super::regions::{Probabilities, RING, class_color, raster};
use super::{BoundaryPanel, BoundaryScene, LabelledPoint, Rect, heading, percent, run_name};

/// The markers at the reference size, in pixels: a point's radius, the ring's radius around
/// a misclassified one and its width.
const POINT: f64 = 5.0;
pub(super) const RING_RADIUS: f64 = 9.0;
const RING_WIDTH: f64 = 2.2;
/// The neutral grey of the marker samples in the legend.
const SAMPLE: RGBColor = RGBColor(110, 110, 110);
/// The fewest pixels a panel's plot may have across.
const SMALLEST_PANEL: u32 = 60;

/// Where the figure put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct BoundaryLayout {
    /// Each panel's plotting area.
    pub panels: Vec<Rect>,
    pub legend: Option<Rect>,
    /// By panel: each point drawn, its centre and whether it was ringed.
    pub points: Vec<Vec<DrawnPoint>>,
    pub sizes: Sizes,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct DrawnPoint {
    pub at: (i32, i32),
    pub validation: bool,
    pub ringed: bool,
    pub class: usize,
}

/// Columns and rows of the panel grid: up to three in a row.
pub(super) fn grid(panels: usize) -> (usize, usize) {
    let columns = panels.clamp(1, 3);
    (columns, panels.max(1).div_ceil(columns))
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &BoundaryScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<BoundaryLayout, PlotError> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (columns, rows) = grid(scene.panels.len());
    // Text in proportion to a panel rather than the whole canvas, so that a row of three
    // panels reads like one panel alone: a panel's cell of 450 × 520 pixels writes as the
    // reference figure does, and no cell writes larger.
    let sizes = super::sizes_per_cell((w, h), (columns, rows), (450, 520), scene.scale);
    let mut top = title(root, &heading(&scene.title, "decision regions"), &sizes)?;
    if let Some(caption) = &scene.caption {
        let style = TextStyle::from((FONT, sizes.axis_desc_font()).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(
            caption.as_str(),
            ((w / 2) as i32, top as i32),
            style,
        ))?;
        top += (sizes.axis_desc_font() / 1.24 * 1.3).round() as u32;
    }
    let (classes, markers) = legends(root, scene, &sizes)?;
    let ((cw, ch), (mw, mh)) = (classes.size(), markers.size());
    let between = sizes.side(12.0);
    let left = (w as i32 - (cw + between + mw) as i32) / 2;
    classes.draw(root, (left, top as i32))?;
    markers.draw(root, (left + (cw + between) as i32, top as i32))?;
    let legend_rect = Some((left, top as i32, cw + between + mw, ch.max(mh)));
    top += ch.max(mh) + sizes.side(8.0);

    let [[x0, x1], [y0, y1]] = sane_window(scene.window);
    let target = |side: f64| (side / sizes.px(80.0)).clamp(2.0, 6.0) as usize;
    let margin = sizes.side(10.0);
    let cell_w = w.saturating_sub(margin) / columns as u32;
    let cell_h = h.saturating_sub(top + sizes.side(6.0)) / rows as u32;
    // Every panel alike: its heading, then the plot at the window's own aspect (a circle of
    // data stays a circle) as large as the cell holds, its tick labels left and below.
    let heading_h = heading_height(&sizes);
    let tick = TextStyle::from((FONT, sizes.tick_font()).into_font());
    let y_area = root.estimate_text_size("−0.5", &tick)?.0 + sizes.side(10.0);
    let x_area = root.estimate_text_size("0", &tick)?.1 + sizes.side(10.0);
    let free_w = cell_w.saturating_sub(y_area + sizes.side(16.0));
    let free_h = cell_h.saturating_sub(heading_h + x_area + sizes.side(12.0));
    let aspect = ((x1 - x0) / (y1 - y0)).clamp(0.25, 4.0);
    let (pw, ph) = if f64::from(free_w) / f64::from(free_h.max(1)) > aspect {
        ((f64::from(free_h) * aspect) as u32, free_h)
    } else {
        (free_w, (f64::from(free_w) / aspect) as u32)
    };
    if pw < SMALLEST_PANEL || ph < SMALLEST_PANEL {
        return Err(PlotError::new(format!(
            "a figure of {w}x{h} pixels leaves each of its {} decision-region panels \
             {pw}x{ph} pixels (at least {SMALLEST_PANEL} across)",
            scene.panels.len()
        )));
    }
    // The rows as tall as their panels need, the height left over split above and below.
    let row_h = heading_h + sizes.side(4.0) + ph + x_area + sizes.side(12.0);
    let top = top + (cell_h.saturating_sub(row_h) * rows as u32) / 2;
    let xa = Axis::linear(x0, x1, target(f64::from(pw)));
    let ya = Axis::linear(y0, y1, target(f64::from(ph)));
    let mut panels = Vec::new();
    let mut points = Vec::new();
    for (k, panel) in scene.panels.iter().enumerate() {
        let (left, cell_top) = panel_text::cell_origin(
            k,
            scene.panels.len(),
            columns,
            (cell_w, row_h),
            (margin, top),
        );
        panel_heading(root, panel, (left, cell_top, cell_w), &sizes)?;
        let px = left + y_area as i32 + (free_w.saturating_sub(pw) / 2) as i32;
        let py = cell_top + heading_h as i32 + sizes.int(4.0);
        let area = root
            .clone()
            .shrink((px - y_area as i32, py), (pw + y_area, ph + x_area));
        let drawn = draw_panel(&area, scene, panel, [&xa, &ya], (y_area, x_area), &sizes)?;
        panels.push((px, py, pw, ph));
        points.push(drawn);
    }
    Ok(BoundaryLayout {
        panels,
        legend: legend_rect,
        points,
        sizes,
    })
}

/// A window with finite, increasing sides.
fn sane_window([[x0, x1], [y0, y1]]: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let side = |a: f64, b: f64| {
        if a.is_finite() && b.is_finite() && b > a {
            [a, b]
        } else if a.is_finite() && b.is_finite() && a > b {
            [b, a]
        } else {
            let c = if a.is_finite() { a } else { 0.0 };
            [c - 1.0, c + 1.0]
        }
    };
    [side(x0, x1), side(y0, y1)]
}

/// The panel's title: the run's name, and its accuracies below it, each shrunk to the
/// panel's width when long (down to two thirds), in [`heading_height`].
fn panel_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &BoundaryPanel,
    area: (i32, i32, u32),
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let name = run_name(&panel.label, &panel.legend);
    let [train, val] = panel.accuracy;
    let accuracy = if val.is_nan() {
        format!("train {}", percent(train))
    } else {
        format!("train {} · validation {}", percent(train), percent(val))
    };
    panel_text::panel_heading(root, [name, &accuracy], area, sizes)
}

/// Two legends side by side: the classes' colours, and what the markers mean (training,
/// validation when a panel has such points, misclassified), with no more rows than the
/// classes take where it can.
fn legends<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &BoundaryScene,
    sizes: &Sizes,
) -> Result<(LegendBox, LegendBox), PlotError> {
    let r = sizes.int(POINT * 1.2);
    let font = sizes.legend_font() * 0.95;
    let marker = |text: &str, glyph, size, edge| Entry {
        text: text.to_string(),
        glyph,
        size,
        fill: SAMPLE,
        edge,
    };
    let mut markers = vec![marker("training", Glyph::Dot, r, darker(SAMPLE, 0.35))];
    if scene.panels.iter().any(|p| !p.validation.is_empty()) {
        markers.push(marker("validation", Glyph::Hollow, r, SAMPLE));
    }
    markers.push(marker(
        "misclassified",
        Glyph::Ringed,
        sizes.int(RING_RADIUS),
        RING,
    ));
    let classes: Vec<Entry> = (0..scene.classes.min(64))
        .map(|k| Entry {
            text: format!("class {k}"),
            glyph: Glyph::Dot,
            size: r,
            fill: class_color(k),
            edge: darker(class_color(k), 0.35),
        })
        .collect();
    let width = root.dim_in_pixel().0.saturating_sub(sizes.side(16.0));
    let one_column = LegendBox::measure(root, markers.clone(), font, 1)?;
    let room = width.saturating_sub(one_column.size().0 + sizes.side(12.0));
    let classes = LegendBox::widest_fitting(root, &classes, font, room)?;
    // As many marker columns as keep the markers within the classes' rows.
    let mut markers_box = one_column;
    for columns in 2..=markers.len() {
        let wider = LegendBox::measure(root, markers.clone(), font, columns)?;
        if markers_box.size().1 <= classes.size().1
            || wider.size().0 + classes.size().0 + sizes.side(12.0) > width
        {
            break;
        }
        markers_box = wider;
    }
    Ok((classes, markers_box))
}

/// One panel: axes, the regions' raster, the points and their rings.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scene: &BoundaryScene,
    panel: &BoundaryPanel,
    [xa, ya]: [&Axis; 2],
    (y_area, x_area): (u32, u32),
    sizes: &Sizes,
) -> Result<Vec<DrawnPoint>, PlotError> {
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(BLACK.mix(0.7).stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(4.0))
        .label_style((FONT, sizes.tick_font()))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let plot = chart.plotting_area();
    let (pw, ph) = plot.dim_in_pixel();
    let probabilities = Probabilities::new(&panel.probabilities, panel.resolution, scene.classes)?;
    let window = [[xa.lo, xa.hi], [ya.lo, ya.hi]];
    let rgb = raster(&probabilities, window, (pw, ph));
    if let Some(image) = BitMapElement::with_owned_buffer((xa.lo, ya.hi), (pw, ph), rgb) {
        plot.draw(&image)?;
    }
    let inside = |p: &LabelledPoint| {
        p.at.iter().all(|v| v.is_finite())
            && (xa.lo..=xa.hi).contains(&p.at[0])
            && (ya.lo..=ya.hi).contains(&p.at[1])
    };
    let r = sizes.int(POINT);
    let mut drawn = Vec::new();
    // Training points, then validation points over them, then every ring over all points.
    for (validation, set) in [(false, &panel.train), (true, &panel.validation)] {
        for p in set.iter().filter(|p| inside(p)) {
            let at = plot.map_coordinate(&(p.at[0], p.at[1]));
            let c = class_color(p.label);
            if validation {
                // A thin dark rim outside: the circle reads on a region of its own colour.
                plot.strip_coord_spec().draw(&Circle::new(
                    rel(plot, at),
                    (r + sizes.int(1.5)) as u32,
                    darker(c, 0.35).stroke_width(1),
                ))?;
                plot.strip_coord_spec().draw(&Marker::new(
                    rel(plot, at),
                    Glyph::Hollow,
                    r,
                    c,
                    c,
                ))?;
            } else {
                plot.strip_coord_spec().draw(&Marker::new(
                    rel(plot, at),
                    Glyph::Dot,
                    r,
                    c,
                    darker(c, 0.35),
                ))?;
            }
            drawn.push(DrawnPoint {
                at,
                validation,
                ringed: p.label != p.predicted,
                class: p.label,
            });
        }
    }
    for p in drawn.iter().filter(|p| p.ringed) {
        plot.strip_coord_spec().draw(&Circle::new(
            rel(plot, p.at),
            sizes.side(RING_RADIUS),
            RING.stroke_width(sizes.side(RING_WIDTH)),
        ))?;
    }
    let (xs, ys) = plot.get_pixel_range();
    let corner = (xs.end - xs.start - 1, ys.end - ys.start - 1);
    plot.strip_coord_spec().draw(&Rectangle::new(
        [(0, 0), corner],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    Ok(drawn)
}

/// A pixel of the figure in the plotting area's own pixels.
fn rel<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Cartesian2d<Ticked, Ticked>>,
    (x, y): (i32, i32),
) -> (i32, i32) {
    let (xs, ys) = plot.get_pixel_range();
    (x - xs.start, y - ys.start)
}
