//! The learning-rate curves: for each optimizer variant, the median metric against the
//! learning rate (log axes for a loss), the seeds' middle half as a translucent band around
//! it, its best learning rate as a filled dot. A learning rate where the median diverged has
//! no value to plot: the curve rises to the top of the data and a × in the row's colour
//! marks it in a strip above, one lane per row that diverged, so "too high" reads at a
//! glance. The legend goes where the plot is empty (measured on masks of what is drawn,
//! `coverage.rs`), else above the plot; a curve the others would hide is drawn last and
//! dashed, as the trajectories figure does with its bundles.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::PlotError;
use super::super::axis::{Axis, Ticked};
use super::super::coverage::{Mask, Occupancy};
use super::super::parts::{Glyph, LegendBox, Marker, title};
use super::super::style::{FONT, Sizes, darker};
use super::scale::MetricScale;
use super::{Rect, SweepRow, SweepScene, heading, lr};

mod legend;
mod planning;
use legend::{entries, legend_above, legend_font};
use planning::{Plan, covered, plan, strip_mask};

type PlotCoord = Cartesian2d<Ticked, Ticked>;
type P = (f64, f64);

/// How strongly the seeds' band shows.
const BAND_ALPHA: f64 = 0.16;
/// The off-scale strip's background: a hint of grey, so it reads as outside the data.
const STRIP_FILL: RGBColor = RGBColor(244, 244, 244);
/// Between the figure's left edge and the y axis' caption (plotters draws the turned caption
/// from the label area's very edge), at the reference size.
const OUTER: f64 = 8.0;

/// Where the figure put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CurvesLayout {
    /// The plotting area, the off-scale strip at its top included.
    pub plot: Rect,
    /// The strip's height (0: no median diverged).
    pub strip: u32,
    pub legend: Option<Rect>,
    /// Pixels of drawn data (curves, bands, marks) under the legend.
    pub legend_covers: usize,
    /// By row: the share of its curve and marks the rows drawn over it leave in sight.
    pub visible: Vec<f64>,
    /// By row: drawn dashed, over the others.
    pub dashed: Vec<bool>,
    /// By row: the centre of its best-lr dot.
    pub best: Vec<Option<(i32, i32)>>,
    /// By row: the centres of its × marks in the strip.
    pub diverged: Vec<Vec<(i32, i32)>>,
}

/// Where the plot goes and its axes.
struct Geometry {
    plot: Rect,
    left: u32,
    bottom: u32,
    xa: Axis,
    /// The metric's axis, its top raised by the strip.
    ya: Axis,
    /// The data's top, where the strip begins, in axis coordinates.
    data_hi: f64,
    /// The data's bottom, in axis coordinates.
    data_lo: f64,
    strip: u32,
    /// Axis units per pixel, vertically.
    per_px: f64,
    lane: f64,
    strip_pad: f64,
}

impl Geometry {
    /// The centre of lane `k` of the strip, in axis coordinates.
    fn lane_y(&self, k: usize) -> f64 {
        self.ya.hi - (self.strip_pad + self.lane * (k as f64 + 0.5)) * self.per_px
    }
}

/// One row's drawing, in axis coordinates.
struct RowCurve {
    /// The median's polylines; a diverged cell next to a finite one ends its line at the
    /// data's top.
    pieces: Vec<Vec<P>>,
    /// The q25–q75 band's polygons over runs of finite medians.
    bands: Vec<Vec<P>>,
    best: Option<P>,
    crosses: Vec<P>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layer {
    Band,
    Line,
    Marks,
}

/// How a row is drawn.
#[derive(Clone, Copy)]
struct RowStyle {
    color: RGBColor,
    dashed: bool,
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &SweepScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<CurvesLayout, PlotError> {
    root.fill(&WHITE)?;
    let sizes = Sizes::new(scene.width, scene.height, scene.scale);
    let shows = format!("{} against learning rate", scene.metric);
    let mut heading = heading(scene, &shows);
    if scene.seeds > 1 {
        heading.push_str(" (band: middle half)");
    }
    let title_bottom = title(root, &heading, &sizes)?;
    let (_, h) = root.dim_in_pixel();
    let target = (f64::from(h) / sizes.px(80.0)).clamp(3.0, 10.0) as usize;
    let scale = MetricScale::choose(scene, target, 0.04, true);
    let (lanes, count) = lanes(scene);
    let entries = entries(scene, count > 0, &sizes);

    // First with the legend inside the plot; where no free place holds it, above the plot.
    let mut above: Option<LegendBox> = None;
    let (geometry, curves, plan, legend_at) = loop {
        let top = title_bottom + above.as_ref().map_or(0, |l| l.size().1 + sizes.side(6.0));
        let g = geometry(root, scene, &scale, top + sizes.side(4.0), count, &sizes);
        let curves: Vec<RowCurve> = scene
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| row_curve(row, &scale, &g, lanes[i], scene))
            .collect();
        let plan = plan(&curves, &g, &sizes)?;
        if let Some(legend) = &above {
            let (lw, _) = legend.size();
            let x = (root.dim_in_pixel().0 as i32 - lw as i32) / 2;
            break (
                g,
                curves,
                plan,
                Some((legend.clone(), (x, title_bottom as i32))),
            );
        }
        let inside = LegendBox::measure(root, entries.clone(), legend_font(&entries, &sizes), 1)?;
        let strip = strip_mask(&g);
        let mut occupied: Vec<&Mask> = plan.ink.iter().chain(&plan.bands).collect();
        occupied.push(&strip);
        let (_, _, pw, ph) = g.plot;
        let place = Occupancy::new(pw, ph, &occupied).free_place(
            inside.size(),
            sizes.side(8.0),
            sizes.side(6.0),
        );
        match place {
            Some((x, y)) => {
                let at = (g.plot.0 + x, g.plot.1 + y);
                break (g, curves, plan, Some((inside, at)));
            }
            None => above = Some(legend_above(root, &entries, &sizes)?),
        }
    };

    let g = &geometry;
    let (px, py, pw, ph) = g.plot;
    let outer = sizes.side(OUTER);
    let chart_area = root.clone().shrink(
        (px - (g.left + outer) as i32, py),
        (outer + g.left + pw, ph + g.bottom),
    );
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_left(outer)
        .x_label_area_size(g.bottom)
        .y_label_area_size(g.left)
        .build_cartesian_2d(g.xa.ranged(), g.ya.ranged())?;
    let (xa, ya) = (&g.xa, &g.ya);
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .x_desc("learning rate")
        .y_desc(scale.caption(&scene.metric_caption()))
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let area = chart.plotting_area();
    if g.strip > 0 {
        draw_strip(root, area, g, &sizes)?;
    }
    draw_rows(area, &curves, &plan, &sizes)?;
    let legend = match legend_at {
        Some((legend, at)) => {
            legend.draw(root, at)?;
            let (lw, lh) = legend.size();
            Some((at.0, at.1, lw, lh))
        }
        None => None,
    };
    let legend_covers = legend.map_or(0, |l| covered(&plan, g.plot, l));
    let pixel = |p: P| {
        let (x, y) = area.map_coordinate(&p);
        (x, y)
    };
    Ok(CurvesLayout {
        plot: g.plot,
        strip: g.strip,
        legend,
        legend_covers,
        visible: plan.visible.clone(),
        dashed: plan.styles.iter().map(|s| s.dashed).collect(),
        best: curves.iter().map(|c| c.best.map(pixel)).collect(),
        diverged: curves
            .iter()
            .map(|c| c.crosses.iter().map(|&p| pixel(p)).collect())
            .collect(),
    })
}

/// Each row's lane in the strip (`None`: no median of it diverged) and how many lanes there
/// are. Rows whose diverged learning rates lie apart share a lane, the lowest free one, so
/// the strip stays low; rows whose marks would overlap never do.
fn lanes(scene: &SweepScene) -> (Vec<Option<usize>>, usize) {
    let mut taken: Vec<Vec<(f64, f64)>> = Vec::new();
    let lanes = scene
        .rows
        .iter()
        .map(|row| {
            let (lo, hi) = row
                .cells
                .iter()
                .zip(lr::cells(row))
                .filter(|(c, _)| c.median == f64::INFINITY)
                .filter_map(|(_, place)| place)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, l, h)| {
                    (a.min(l), b.max(h))
                });
            if lo > hi {
                return None;
            }
            let free = |lane: &Vec<(f64, f64)>| lane.iter().all(|&(a, b)| hi < a || lo > b);
            let k = match taken.iter().position(free) {
                Some(k) => k,
                None => {
                    taken.push(Vec::new());
                    taken.len() - 1
                }
            };
            taken[k].push((lo, hi));
            Some(k)
        })
        .collect();
    (lanes, taken.len())
}

/// The plot's place under `top` and its axes, with a strip of `lanes` lanes at its top.
fn geometry<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &SweepScene,
    scale: &MetricScale,
    top: u32,
    lanes: usize,
    sizes: &Sizes,
) -> Geometry {
    let (w, h) = root.dim_in_pixel();
    let font = TextStyle::from((FONT, sizes.tick_font()).into_font());
    let width = |t: &str| root.estimate_text_size(t, &font).map_or(0, |(w, _)| w);
    let mut widest = scale
        .axis
        .ticks
        .iter()
        .map(|&t| width(&scale.axis.label(t)))
        .max()
        .unwrap_or(0);
    if lanes > 0 {
        widest = widest.max(width("diverged"));
    }
    let desc = TextStyle::from((FONT, sizes.axis_desc_font()).into_font());
    let caption_h = root.estimate_text_size("f", &desc).map_or(0, |(_, h)| h);
    // Tick mark, the gap plotters leaves beside a label, air around the caption.
    let left = widest + caption_h + sizes.side(5.0 + 5.0 + 10.0);
    let tick_px = (sizes.tick_font() / 1.24).ceil() as u32;
    let desc_px = (sizes.axis_desc_font() / 1.24).ceil() as u32;
    let bottom =
        sizes.side(5.0) + sizes.side(6.0) + tick_px + sizes.side(10.0) + desc_px + sizes.side(8.0);
    let ticks = |pw: u32| (f64::from(pw) / sizes.px(100.0)).clamp(3.0, 10.0) as usize;
    // The right margin holds half of the last x label, centred on its tick at the very end.
    let rough = w.saturating_sub(left + sizes.side(40.0)).max(20);
    let rough_xa = lr::axis(scene, 0.01, ticks(rough));
    let half_last = rough_xa
        .ticks
        .last()
        .map_or(0, |&t| width(&rough_xa.label(t)) / 2);
    let right = (half_last + sizes.side(6.0)).max(sizes.side(12.0));
    let outer = sizes.side(OUTER);
    let pw = w.saturating_sub(outer + left + right).max(20);
    let ph = h.saturating_sub(top + bottom + sizes.side(4.0)).max(20);
    let lane = sizes.px(14.0);
    let strip_pad = sizes.px(4.0);
    let strip = if lanes > 0 {
        ((lane * lanes as f64 + 2.0 * strip_pad).round() as u32).min(ph / 3)
    } else {
        0
    };
    let lane = if lanes > 0 {
        (f64::from(strip) - 2.0 * strip_pad) / lanes as f64
    } else {
        lane
    };
    let data = &scale.axis;
    let per_px = (data.hi - data.lo) / f64::from(ph.saturating_sub(strip).max(1));
    let mut ya = data.clone();
    ya.hi = data.hi + f64::from(strip) * per_px;
    Geometry {
        plot: ((outer + left) as i32, top as i32, pw, ph),
        left,
        bottom,
        xa: lr::axis(scene, 0.01, ticks(pw)),
        ya,
        data_hi: data.hi,
        data_lo: data.lo,
        strip,
        per_px,
        lane,
        strip_pad,
    }
}

/// A row's polylines, band and marks in axis coordinates.
fn row_curve(
    row: &SweepRow,
    scale: &MetricScale,
    g: &Geometry,
    lane: Option<usize>,
    scene: &SweepScene,
) -> RowCurve {
    let band = scene.seeds > 1;
    let places = lr::cells(row);
    let mut pieces: Vec<Vec<P>> = Vec::new();
    let mut bands: Vec<Vec<P>> = Vec::new();
    let mut crosses = Vec::new();
    let mut piece: Vec<P> = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    // The previous cell shown: its x and whether its median diverged.
    let mut previous: Option<(f64, bool)> = None;
    let close = |v: &mut Vec<P>, into: &mut Vec<Vec<P>>| {
        if !v.is_empty() {
            into.push(std::mem::take(v));
        }
    };
    let close_band = |run: &mut Vec<(f64, f64, f64)>, bands: &mut Vec<Vec<P>>| {
        if run.len() >= 2 {
            let mut polygon: Vec<P> = run.iter().map(|&(x, lo, _)| (x, lo)).collect();
            polygon.extend(run.iter().rev().map(|&(x, _, hi)| (x, hi)));
            bands.push(polygon);
        }
        run.clear();
    };
    // A loss curve rises towards a diverged learning rate, into the strip of × marks above
    // the data. An accuracy curve just ends there: falling to the bottom would read as a
    // measured 0%, and rising would point at the best values.
    let towards_divergence = (!scene.higher_is_better).then_some(g.data_hi);
    for (cell, place) in row.cells.iter().zip(&places) {
        let Some((x, _, _)) = *place else { continue };
        let m = cell.median;
        if m.is_finite() {
            let p = (x, scale.at(m));
            if let (Some((from, true)), Some(y)) = (previous, towards_divergence) {
                piece.push((from, y));
            }
            piece.push(p);
            let quartile = |q: f64, otherwise: f64| {
                if q.is_finite() {
                    scale.at(q).min(g.data_hi)
                } else {
                    otherwise
                }
            };
            // A diverged seed is the lower quartile of an accuracy (−inf), the upper of a loss.
            let low = if scene.higher_is_better {
                g.data_lo
            } else {
                p.1
            };
            run.push((x, quartile(cell.q25, low), quartile(cell.q75, g.data_hi)));
            previous = Some((x, false));
        } else if m == f64::INFINITY {
            if let (Some((_, false)), Some(y)) = (previous, towards_divergence) {
                piece.push((x, y));
            }
            close(&mut piece, &mut pieces);
            close_band(&mut run, &mut bands);
            if let Some(k) = lane {
                crosses.push((x, g.lane_y(k)));
            }
            previous = Some((x, true));
        } else {
            // No value at all (NaN): a gap.
            close(&mut piece, &mut pieces);
            close_band(&mut run, &mut bands);
            previous = None;
        }
    }
    close(&mut piece, &mut pieces);
    close_band(&mut run, &mut bands);
    let best = row
        .best
        .and_then(|b| Some((places.get(b).copied().flatten()?, row.cells.get(b)?)))
        .filter(|(_, c)| c.median.is_finite())
        .map(|((x, _, _), c)| (x, scale.at(c.median)));
    RowCurve {
        pieces,
        bands: if band { bands } else { Vec::new() },
        best,
        crosses,
    }
}

/// Every row, layer by layer: the bands under every line, the lines in the planned order,
/// the marks over every line.
fn draw_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    curves: &[RowCurve],
    plan: &Plan,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    for layer in [Layer::Band, Layer::Line, Layer::Marks] {
        for &i in &plan.order {
            draw_row(area, &curves[i], &plan.styles[i], layer, sizes)?;
        }
    }
    Ok(())
}

fn draw_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    curve: &RowCurve,
    style: &RowStyle,
    layer: Layer,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let color = style.color;
    match layer {
        Layer::Band => {
            for polygon in &curve.bands {
                area.draw(&Polygon::new(
                    polygon.clone(),
                    color.mix(BAND_ALPHA).filled(),
                ))?;
            }
        }
        Layer::Line => {
            let line = color.stroke_width(sizes.side(2.5));
            for piece in &curve.pieces {
                if piece.len() == 1 {
                    area.draw(&Circle::new(piece[0], sizes.side(3.0), color.filled()))?;
                } else if style.dashed {
                    for dash in DashedLineSeries::new(
                        piece.iter().copied(),
                        sizes.int(9.0),
                        sizes.int(7.0),
                        line,
                    ) {
                        area.draw(&dash)?;
                    }
                } else {
                    area.draw(&PathElement::new(piece.clone(), line))?;
                }
            }
        }
        Layer::Marks => {
            for &p in &curve.crosses {
                area.draw(&Marker::new(p, Glyph::Cross, sizes.int(5.0), color, color))?;
            }
            if let Some(p) = curve.best {
                area.draw(&Marker::new(
                    p,
                    Glyph::Dot,
                    sizes.int(6.0),
                    color,
                    darker(color, 0.5),
                ))?;
            }
        }
    }
    Ok(())
}

/// The off-scale strip: a faint band above the data, its edge dashed, "diverged" beside it.
fn draw_strip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, PlotCoord>,
    g: &Geometry,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let (px, py, pw, _) = g.plot;
    let bottom = py + g.strip as i32;
    root.draw(&Rectangle::new(
        [(px + 1, py + 1), (px + pw as i32 - 1, bottom)],
        STRIP_FILL.filled(),
    ))?;
    for dash in DashedLineSeries::new(
        [(g.xa.lo, g.data_hi), (g.xa.hi, g.data_hi)],
        sizes.int(5.0),
        sizes.int(4.0),
        BLACK.mix(0.45).stroke_width(sizes.side(1.0)),
    ) {
        area.draw(&dash)?;
    }
    root.draw(&Text::new(
        "diverged",
        (px - sizes.int(10.0), py + g.strip as i32 / 2),
        TextStyle::from((FONT, sizes.tick_font()).into_font())
            .color(&BLACK.mix(0.75))
            .pos(Pos::new(HPos::Right, VPos::Center)),
    ))?;
    Ok(())
}
