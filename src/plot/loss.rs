//! The loss figure: loss − f* per step on a log axis (top), the learning rate per step
//! (bottom, sharing the step axis). Run i has the same colour as in the trajectories figure.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::clip::{column_envelope, decimate, last_visible, split_sharp, visible_pieces};
use super::parts::{Entry, Glyph, LegendBox, Marker, title};
use super::style::{FONT, Sizes, run_color};
use super::{LossAxis, PlotError, PlotRun, Scene};
use crate::core::{Status, Window};

// Pixels at the reference size (see `Sizes`).
const LEFT: f64 = 80.0;
// Room for half of the last step label (1000000) at the right end of the axis.
const RIGHT: f64 = 28.0;
const BOTTOM: f64 = 56.0;
const GAP: f64 = 14.0;

/// Where the loss figure put its panels and legend, in the figure's pixels (left, top,
/// width, height).
pub struct LossLayout {
    /// The loss panel's and the learning-rate panel's plotting areas.
    pub panels: [Rect; 2],
    pub legend: Option<Rect>,
}

pub type Rect = (i32, i32, u32, u32);

pub fn draw_on<'r, DB: DrawingBackend + 'r>(
    scene: &Scene,
    root: &'r DrawingArea<DB, Shift>,
) -> Result<LossLayout, PlotError> {
    root.fill(&WHITE)?;
    let heading = if scene.title.is_empty() {
        "loss and learning rate".to_string()
    } else {
        format!("{} — loss and learning rate", scene.title)
    };
    let sizes = Sizes::new(scene.width, scene.height, scene.scale);
    let top = title(root, &heading, &sizes)?;
    let (w, h) = root.dim_in_pixel();
    // The legend goes between the title and the panels, never over a curve.
    let legend = legend(root, scene, &sizes)?;
    let mut legend_box = None;
    let top = match &legend {
        Some(legend) => {
            let (lw, lh) = legend.size();
            let x = (w as i32 - lw as i32) / 2;
            legend.draw(root, (x, top as i32))?;
            legend_box = Some((x, top as i32, lw, lh));
            top + lh + sizes.side(2.0)
        }
        None => top,
    };
    let gap = sizes.side(GAP);
    let body = h.saturating_sub(top + sizes.side(10.0));
    let upper_h = (body as f64 * 0.68).round() as u32;
    let upper = root
        .clone()
        .shrink((0, top as i32), (w, upper_h.saturating_sub(gap / 2)));
    let lower = root.clone().shrink(
        (0, (top + upper_h + gap / 2) as i32),
        (w, body.saturating_sub(upper_h + gap / 2)),
    );

    let last = scene
        .runs
        .iter()
        .filter(|r| !r.trace.is_empty())
        .map(|r| x_of(scene, r, r.trace.len() - 1))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let xa = Axis::linear(
        0.0,
        last,
        (f64::from(w) / sizes.px(110.0)).clamp(3.0, 10.0) as usize,
    );

    let upper = draw_losses(scene, &upper, &xa, &sizes)?;
    let lower = draw_lrs(scene, &lower, &xa, &sizes)?;
    Ok(LossLayout {
        panels: [upper, lower],
        legend: legend_box,
    })
}

/// A run's name in the legend: its label and settings, and where it diverged.
fn run_label(run: &PlotRun) -> String {
    let mut s = if run.legend.is_empty() {
        run.label.to_string()
    } else {
        run.legend.clone()
    };
    if let Status::Diverged { step } = run.trace.status {
        s.push_str(&format!(" (diverged at step {step})"));
    }
    s
}

/// The legend of the runs, in as many columns (up to four) as the figure's width holds.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
    sizes: &Sizes,
) -> Result<Option<LegendBox>, PlotError> {
    let entries: Vec<Entry> = scene
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| Entry {
            text: run_label(run),
            glyph: Glyph::Line,
            size: sizes.int(12.0),
            fill: run_color(i),
            edge: run_color(i),
        })
        .collect();
    if entries.is_empty() {
        return Ok(None);
    }
    let width = root.dim_in_pixel().0.saturating_sub(sizes.side(16.0));
    // Many runs: a smaller font keeps the legend's rows few.
    let font = sizes.legend_font() * if entries.len() > 6 { 0.85 } else { 1.0 };
    let mut legend = LegendBox::measure(root, entries.clone(), font, 1)?;
    for columns in 2..=4 {
        let wider = LegendBox::measure(root, entries.clone(), font, columns)?;
        if wider.size().0 > width {
            break;
        }
        legend = wider;
    }
    Ok(Some(legend))
}

/// The pixels beside and above/below the panels that the margins take, the title and
/// legend not included: (across, down).
pub fn overhead(sizes: &Sizes) -> (u32, u32) {
    (
        sizes.side(LEFT) + sizes.side(RIGHT) + sizes.side(8.0),
        sizes.side(10.0)
            + sizes.side(6.0)
            + sizes.side(14.0)
            + sizes.side(GAP)
            + sizes.side(4.0)
            + sizes.side(BOTTOM),
    )
}

/// Where row `row` of a run sits on the x axis: its step, or the gradient evaluations made
/// by then (the step again when the trace does not record them).
fn x_of(scene: &Scene, run: &PlotRun, row: usize) -> f64 {
    match (scene.x_axis, run.trace.evaluations_at.get(row)) {
        (LossAxis::Evaluations, Some(e)) if run.trace.evaluations_at.len() == run.trace.len() => {
            e.gradient as f64
        }
        _ => row as f64,
    }
}

/// The x span of one pixel column, or a little less: the panel's whole width stands in for
/// its plotting area, so the columns are never coarser than the pixels. Curves are reduced
/// to a few points per column before anything else (a million-step run stays small).
fn column_width<DB: DrawingBackend>(xa: &Axis, area: &DrawingArea<DB, Shift>) -> f64 {
    (xa.hi - xa.lo) / f64::from(area.dim_in_pixel().0.max(1))
}

/// What the top panel shows: loss − reference, clamped to a floor on a log axis.
struct LossScale {
    reference: f64,
    floor: f64,
    axis: Axis,
    caption: &'static str,
}

fn loss_scale(scene: &Scene) -> LossScale {
    let losses = || {
        scene
            .runs
            .iter()
            .flat_map(|r| r.trace.loss.iter().copied())
            .filter(|v| v.is_finite())
    };
    let lowest = losses().fold(f64::INFINITY, f64::min);
    let (reference, caption) = match scene.min_value {
        Some(m) if m.is_finite() => (m.min(lowest), "loss − f*"),
        _ => (
            if lowest.is_finite() { lowest } else { 0.0 },
            "loss − min loss",
        ),
    };
    let d_all = losses().map(|v| v - reference).fold(0.0f64, f64::max);
    // A diverged run must not squash the others: the axis stops three decades above the
    // highest loss of the runs that did not diverge (or of any start), and the diverged
    // curves are drawn up to the frame.
    let tame = scene
        .runs
        .iter()
        .flat_map(|r| {
            let all = !matches!(r.trace.status, Status::Diverged { .. });
            let rows = if all { r.trace.loss.len() } else { 1 };
            r.trace.loss.iter().take(rows).copied()
        })
        .filter(|v| v.is_finite())
        .map(|v| v - reference)
        .fold(0.0f64, f64::max);
    let d_max = if tame > 0.0 {
        d_all.min(tame * 1e3)
    } else {
        d_all
    };
    if !(d_max > 0.0 && d_max.is_finite()) {
        // Nothing above the reference: show the loss itself on a linear axis.
        let (lo, hi) = losses().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        return LossScale {
            reference: 0.0,
            floor: f64::NEG_INFINITY,
            axis: Axis::linear(lo, hi, 6),
            caption: "loss",
        };
    }
    // Differences below about 1e-16·|f*| are rounding, not progress; and nothing is shown
    // more than 24 decades below the top.
    let floor = (1e-16 * reference.abs())
        .max(1e-24 * d_max)
        .max(f64::MIN_POSITIVE);
    let d_min = losses()
        .map(|v| (v - reference).max(floor))
        .fold(f64::INFINITY, f64::min)
        .min(d_max);
    let (slo, shi) = (d_min.log10(), d_max.log10());
    let pad = ((shi - slo) * 0.04).max(0.05);
    LossScale {
        reference,
        floor,
        axis: Axis::log_from_exponents(slo - pad, shi + pad, 8),
        caption,
    }
}

impl LossScale {
    fn y(&self, loss: f64) -> f64 {
        if self.axis.log {
            (loss - self.reference).max(self.floor).log10()
        } else {
            loss
        }
    }
}

fn draw_losses<DB: DrawingBackend>(
    scene: &Scene,
    area: &DrawingArea<DB, Shift>,
    xa: &Axis,
    sizes: &Sizes,
) -> Result<Rect, PlotError> {
    let scale = loss_scale(scene);
    let ya = &scale.axis;
    let mut chart = ChartBuilder::on(area)
        .margin_right(sizes.side(RIGHT))
        .margin_left(sizes.side(8.0))
        .margin_top(sizes.side(6.0))
        .x_label_area_size(sizes.side(14.0))
        .y_label_area_size(sizes.side(LEFT))
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .y_desc(scale.caption)
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let win = Window {
        x: [xa.lo, xa.hi],
        y: [ya.lo, ya.hi],
    };
    let x_per_px = column_width(xa, area);
    let series: Vec<Vec<[f64; 2]>> = scene
        .runs
        .iter()
        .map(|r| {
            let points = r
                .trace
                .loss
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite());
            column_envelope(
                points.map(|(t, &v)| [x_of(scene, r, t), scale.y(v)]),
                xa.lo,
                x_per_px,
            )
        })
        .collect();
    let diverged: Vec<bool> = scene
        .runs
        .iter()
        .map(|r| matches!(r.trace.status, Status::Diverged { .. }))
        .collect();
    draw_series(&mut chart, &series, &diverged, &win, sizes)?;
    Ok(plotting_rect(&chart))
}

/// A chart's plotting area in the figure's pixels.
fn plotting_rect<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(
    chart: &ChartContext<'_, DB, CT>,
) -> Rect {
    let area = chart.plotting_area();
    let (xs, ys) = area.get_pixel_range();
    let (w, h) = area.dim_in_pixel();
    (xs.start, ys.start, w, h)
}

fn draw_lrs<DB: DrawingBackend>(
    scene: &Scene,
    area: &DrawingArea<DB, Shift>,
    xa: &Axis,
    sizes: &Sizes,
) -> Result<Rect, PlotError> {
    // Row t was reached with lr[t − 1].
    let x_per_px = column_width(xa, area);
    let series: Vec<Vec<[f64; 2]>> = scene
        .runs
        .iter()
        .map(|r| {
            let points = r.trace.lr.iter().enumerate().filter(|(_, v)| v.is_finite());
            column_envelope(
                points.map(|(k, &v)| [x_of(scene, r, k + 1), v]),
                xa.lo,
                x_per_px,
            )
        })
        .collect();
    let (lo, hi) = series
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p[1]), b.max(p[1]))
        });
    let log = lo > 0.0 && hi / lo > 10.0;
    let ya = if log {
        let (slo, shi) = (lo.log10(), hi.log10());
        let pad = ((shi - slo) * 0.06).max(0.05);
        Axis::log_from_exponents(slo - pad, shi + pad, 4)
    } else if lo.is_finite() && lo >= 0.0 {
        Axis::linear(0.0, hi * 1.15, 4)
    } else {
        Axis::linear(lo, hi, 4)
    };
    let series: Vec<Vec<[f64; 2]>> = series
        .into_iter()
        .map(|s| {
            s.into_iter()
                .filter_map(|[t, v]| {
                    let y = if log { v.log10() } else { v };
                    y.is_finite().then_some([t, y])
                })
                .collect()
        })
        .collect();
    let mut chart = ChartBuilder::on(area)
        .margin_right(sizes.side(RIGHT))
        .margin_left(sizes.side(8.0))
        .margin_top(sizes.side(4.0))
        .x_label_area_size(sizes.side(BOTTOM))
        .y_label_area_size(sizes.side(LEFT))
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .x_desc(match scene.x_axis {
            LossAxis::Steps => "step",
            LossAxis::Evaluations => "gradient evaluations",
        })
        .y_desc("learning rate")
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let win = Window {
        x: [xa.lo, xa.hi],
        y: [ya.lo, ya.hi],
    };
    draw_series(&mut chart, &series, &[], &win, sizes)?;
    Ok(plotting_rect(&chart))
}

/// Lines clipped to the panel, one colour per run index.
fn draw_series<'c, DB: DrawingBackend + 'c>(
    chart: &mut ChartContext<'c, DB, Cartesian2d<super::axis::Ticked, super::axis::Ticked>>,
    series: &[Vec<[f64; 2]>],
    diverged: &[bool],
    win: &Window,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let area = chart.plotting_area().clone();
    let (aw, ah) = area.dim_in_pixel();
    let per_px = [
        (win.x[1] - win.x[0]) / aw.max(1) as f64,
        (win.y[1] - win.y[0]) / ah.max(1) as f64,
    ];
    for (i, points) in series.iter().enumerate() {
        let color = run_color(i);
        // A curve identical to an earlier one (same lr schedule) is dashed so both show.
        let repeat = series[..i].contains(points);
        for piece in visible_pieces(points, win) {
            let piece = decimate(&column_envelope(piece, win.x[0], per_px[0]), per_px, 0.5);
            if piece.len() == 1 {
                area.draw(&Circle::new(
                    (piece[0][0], piece[0][1]),
                    sizes.side(3.0),
                    color.filled(),
                ))?;
            } else if repeat {
                for element in DashedLineSeries::new(
                    piece.iter().map(|p| (p[0], p[1])),
                    sizes.int(10.0),
                    sizes.int(10.0),
                    color.stroke_width(sizes.side(2.0)),
                ) {
                    area.draw(&element)?;
                }
            } else {
                for part in split_sharp(&piece, per_px) {
                    area.draw(&PathElement::new(
                        part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
                        color.stroke_width(sizes.side(2.0)),
                    ))?;
                }
            }
        }
        if diverged.get(i).copied().unwrap_or(false)
            && let Some(p) = last_visible(points, win)
        {
            area.draw(&Marker::new(
                (p[0], p[1]),
                Glyph::Triangle,
                sizes.int(8.0),
                color,
                BLACK,
            ))?;
        }
    }
    Ok(())
}
