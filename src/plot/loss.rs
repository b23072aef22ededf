//! The loss figure: the loss per step (top; f − f* on a log axis where f* is known and no
//! run went below it, else f itself: see `scale.rs`), the learning rate per step (bottom,
//! sharing the step axis). Run i has the same colour as in the trajectories figure.

mod divergence;
mod scale;
mod smooth;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::clip::{column_envelope, decimate, split_sharp, visible_pieces};
use super::parts::{legend_corner, title};
use super::style::{AXIS_DESC_SIZE, FONT, LEGEND_SIZE, TICK_SIZE, run_color};
use super::{LossAxis, PlotError, PlotRun, Scene};
use crate::core::{Status, Window};
use divergence::Divergence;
use scale::{Curve, LossScale};
use smooth::Ema;

const LEFT: u32 = 96;
// Room for half of the last step label (1000000) at the right end of the axis.
const RIGHT: u32 = 34;
const BOTTOM: u32 = 56;
const GAP: u32 = 14;
/// How strongly a raw curve shows behind its smoothed one.
const FAINT: f64 = 0.35;

pub fn draw_on<'r, DB: DrawingBackend + 'r>(
    scene: &Scene,
    root: &'r DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    root.fill(&WHITE)?;
    let heading = if scene.title.is_empty() {
        "loss and learning rate".to_string()
    } else {
        format!("{} — loss and learning rate", scene.title)
    };
    let top = title(root, &heading)?;
    let (w, h) = root.dim_in_pixel();
    let body = h.saturating_sub(top + 10);
    let upper_h = (body as f64 * 0.68).round() as u32;
    let upper = root
        .clone()
        .shrink((0, top as i32), (w, upper_h.saturating_sub(GAP / 2)));
    let lower = root.clone().shrink(
        (0, (top + upper_h + GAP / 2) as i32),
        (w, body.saturating_sub(upper_h + GAP / 2)),
    );

    let last = scene
        .runs
        .iter()
        .filter(|r| !r.trace.is_empty())
        .map(|r| x_of(scene, r, r.trace.len() - 1))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let target = (w / 110).clamp(3, 10) as usize;
    let xa = if scene.log_x {
        // Step 0 (and 0 evaluations) has no place on a log axis: it starts at 1.
        Axis::log_from_exponents(0.0, last.log10(), target)
    } else {
        Axis::linear(0.0, last, target)
    };

    draw_losses(scene, &upper, &xa)?;
    draw_lrs(scene, &lower, &xa)?;
    Ok(())
}

/// Where row `row` of a run sits on the x axis, in axis coordinates; `None` for a row a log
/// axis cannot show (step 0).
fn x_at(scene: &Scene, run: &PlotRun, row: usize) -> Option<f64> {
    let x = x_of(scene, run, row);
    if !scene.log_x {
        Some(x)
    } else if x >= 1.0 {
        Some(x.log10())
    } else {
        None
    }
}

/// The x axis caption: what it counts, and how it is scaled when not linearly.
fn x_caption(scene: &Scene) -> &'static str {
    match (scene.x_axis, scene.log_x) {
        (LossAxis::Steps, false) => "step",
        (LossAxis::Steps, true) => "step (log scale, from step 1)",
        (LossAxis::Evaluations, false) => "gradient evaluations",
        (LossAxis::Evaluations, true) => "gradient evaluations (log scale)",
    }
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

fn draw_losses<DB: DrawingBackend>(
    scene: &Scene,
    area: &DrawingArea<DB, Shift>,
    xa: &Axis,
) -> Result<(), PlotError> {
    let curves: Vec<Curve> = scene
        .runs
        .iter()
        .map(|r| Curve {
            loss: &r.trace.loss,
            diverged: matches!(r.trace.status, Status::Diverged { .. }),
        })
        .collect();
    let scale = scale::choose(&curves, scene.min_value, 8);
    let ya = &scale.axis;
    let caption = match scene.smooth {
        Some(weight) => format!(
            "{} (smoothed {})",
            scale.caption(),
            crate::number::short(weight)
        ),
        None => scale.caption().to_string(),
    };
    let mut chart = ChartBuilder::on(area)
        .margin_right(RIGHT)
        .margin_left(12)
        .margin_top(6)
        .x_label_area_size(14)
        .y_label_area_size(LEFT)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1))
        .y_desc(caption)
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let win = Window {
        x: [xa.lo, xa.hi],
        y: [ya.lo, ya.hi],
    };
    let x_per_px = column_width(xa, area);
    // Each run's curve in axis coordinates, reduced to what the pixel columns show; with
    // smoothing, the average is taken over every row first (of what the axis shows, so a
    // geometric convergence keeps its slope on a log axis) and the raw curve is kept to be
    // drawn faintly behind it.
    let points = |r: &PlotRun, ema: Option<f64>| {
        let scale = &scale;
        let mut ema = ema.map(Ema::new);
        let points = r
            .trace
            .loss
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .filter_map(move |(t, &v)| {
                let y = scale.y(v);
                let y = ema.as_mut().map_or(y, |e| e.next(y));
                Some([x_at(scene, r, t)?, y])
            });
        column_envelope(points, xa.lo, x_per_px)
    };
    let series: Vec<Vec<[f64; 2]>> = scene.runs.iter().map(|r| points(r, scene.smooth)).collect();
    if scene.smooth.is_some() {
        let raw: Vec<Vec<[f64; 2]>> = scene.runs.iter().map(|r| points(r, None)).collect();
        draw_faint(chart.plotting_area(), &raw, &win)?;
    }
    let labels: Vec<String> = scene
        .runs
        .iter()
        .map(|r| {
            let mut s = if r.legend.is_empty() {
                r.label.to_string()
            } else {
                r.legend.clone()
            };
            if let Status::Diverged { step } = r.trace.status {
                s.push_str(&format!(" (diverged at step {step})"));
            }
            s
        })
        .collect();
    let marks = divergences(scene, &scale, xa);
    draw_series(&mut chart, &series, &labels, &marks, &win)
}

/// Each diverged run's last finite row, where its divergence is marked. On a log step axis a
/// run that diverged at once (its last finite row is step 0) is marked at the axis' start.
fn divergences(scene: &Scene, scale: &LossScale, xa: &Axis) -> Vec<Divergence> {
    scene
        .runs
        .iter()
        .enumerate()
        .filter_map(|(run, r)| {
            let Status::Diverged { step } = r.trace.status else {
                return None;
            };
            let (row, &loss) = r
                .trace
                .loss
                .iter()
                .enumerate()
                .rfind(|(_, v)| v.is_finite())?;
            Some(Divergence {
                run,
                x: x_at(scene, r, row).unwrap_or(xa.lo),
                y: scale.y(loss),
                step,
            })
        })
        .collect()
}

/// The raw curves behind smoothed ones: thin and pale, drawn before every smoothed curve so
/// none of them covers a smoothed one.
fn draw_faint<DB: DrawingBackend>(
    area: &DrawingArea<DB, Cartesian2d<super::axis::Ticked, super::axis::Ticked>>,
    series: &[Vec<[f64; 2]>],
    win: &Window,
) -> Result<(), PlotError> {
    let (aw, ah) = area.dim_in_pixel();
    let per_px = [
        (win.x[1] - win.x[0]) / aw.max(1) as f64,
        (win.y[1] - win.y[0]) / ah.max(1) as f64,
    ];
    for (i, points) in series.iter().enumerate() {
        let color = run_color(i).mix(FAINT);
        for piece in visible_pieces(points, win) {
            let piece = decimate(&piece, per_px, 0.5);
            for part in split_sharp(&piece, per_px) {
                area.draw(&PathElement::new(
                    part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
                    color.stroke_width(1),
                ))?;
            }
        }
    }
    Ok(())
}

fn draw_lrs<DB: DrawingBackend>(
    scene: &Scene,
    area: &DrawingArea<DB, Shift>,
    xa: &Axis,
) -> Result<(), PlotError> {
    // Row t was reached with lr[t − 1].
    let x_per_px = column_width(xa, area);
    let series: Vec<Vec<[f64; 2]>> = scene
        .runs
        .iter()
        .map(|r| {
            let points = r.trace.lr.iter().enumerate().filter(|(_, v)| v.is_finite());
            column_envelope(
                points.filter_map(|(k, &v)| Some([x_at(scene, r, k + 1)?, v])),
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
        .margin_right(RIGHT)
        .margin_left(12)
        .margin_top(4)
        .x_label_area_size(BOTTOM)
        .y_label_area_size(LEFT)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1))
        .x_desc(x_caption(scene))
        .y_desc("learning rate")
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    let win = Window {
        x: [xa.lo, xa.hi],
        y: [ya.lo, ya.hi],
    };
    draw_series(&mut chart, &series, &[], &[], &win)
}

/// Lines clipped to the panel, one colour per run index; divergence marks; a legend when
/// labels are given.
fn draw_series<'c, DB: DrawingBackend + 'c>(
    chart: &mut ChartContext<'c, DB, Cartesian2d<super::axis::Ticked, super::axis::Ticked>>,
    series: &[Vec<[f64; 2]>],
    labels: &[String],
    marks: &[Divergence],
    win: &Window,
) -> Result<(), PlotError> {
    let area = chart.plotting_area().clone();
    let (aw, ah) = area.dim_in_pixel();
    let per_px = [
        (win.x[1] - win.x[0]) / aw.max(1) as f64,
        (win.y[1] - win.y[0]) / ah.max(1) as f64,
    ];
    let mut drawn = Vec::new();
    for (i, points) in series.iter().enumerate() {
        let color = run_color(i);
        // A curve identical to an earlier one (same lr schedule) is dashed so both show.
        let repeat = series[..i].contains(points);
        for piece in visible_pieces(points, win) {
            let piece = decimate(&column_envelope(piece, win.x[0], per_px[0]), per_px, 0.5);
            drawn.extend(piece.iter().map(|p| {
                (
                    ((p[0] - win.x[0]) / per_px[0]) as i32,
                    ((win.y[1] - p[1]) / per_px[1]) as i32,
                )
            }));
            if piece.len() == 1 {
                area.draw(&Circle::new((piece[0][0], piece[0][1]), 3, color.filled()))?;
            } else if repeat {
                for element in DashedLineSeries::new(
                    piece.iter().map(|p| (p[0], p[1])),
                    10,
                    10,
                    color.stroke_width(2),
                ) {
                    area.draw(&element)?;
                }
            } else {
                for part in split_sharp(&piece, per_px) {
                    area.draw(&PathElement::new(
                        part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
                        color.stroke_width(2),
                    ))?;
                }
            }
        }
    }
    let (lw, lh) = legend_size(&area, labels)?;
    if !marks.is_empty() {
        let pixels = area.strip_coord_spec();
        let font = TextStyle::from((FONT, TICK_SIZE).into_font()).color(&BLACK);
        let measure = |text: &str| {
            pixels
                .estimate_text_size(text, &font)
                .map_or((0, 0), |(w, h)| (w as i32, h as i32))
        };
        let size = (aw as i32, ah as i32);
        // The texts keep out of the corner the legend would take beside these curves when
        // they can, and the legend then keeps clear of the texts.
        let legend = if labels.is_empty() {
            Vec::new()
        } else {
            vec![corner_rect(
                legend_corner(&drawn, size, (lw, lh)),
                size,
                (lw, lh),
            )]
        };
        let placed = divergence::place(marks, win, size, measure, &drawn, &legend);
        divergence::draw(&pixels, &placed, run_color, font.clone())?;
        drawn.extend(divergence::text_pixels(&placed));
    }
    if labels.is_empty() {
        return Ok(());
    }
    for (i, text) in labels.iter().enumerate() {
        let color = run_color(i);
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(text.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 2, y), (x + 22, y)], color.stroke_width(3))
            });
    }
    let corner = legend_corner(&drawn, (aw as i32, ah as i32), (lw, lh));
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

/// The legend's size in pixels for these labels.
fn legend_size<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    labels: &[String],
) -> Result<(i32, i32), PlotError> {
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font());
    let mut text_w = 0;
    for t in labels {
        text_w = text_w.max(area.estimate_text_size(t, &style)?.0);
    }
    let lw = text_w as i32 + 60;
    let lh = labels.len() as i32 * (LEGEND_SIZE as i32 + 9) + 16;
    Ok((lw, lh))
}

/// Where `legend_corner` puts a legend of `lw × lh` pixels in an area of `w × h`, as a
/// pixel rectangle.
fn corner_rect(
    corner: SeriesLabelPosition,
    (w, h): (i32, i32),
    (lw, lh): (i32, i32),
) -> divergence::Rect {
    let (x, y) = match corner {
        SeriesLabelPosition::UpperLeft => (0, 0),
        SeriesLabelPosition::LowerRight => (w - lw, h - lh),
        SeriesLabelPosition::LowerLeft => (0, h - lh),
        _ => (w - lw, 0),
    };
    (x, y, x + lw, y + lh)
}
