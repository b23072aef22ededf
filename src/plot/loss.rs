//! The loss figure: the loss per step (top; f − f* on a log axis where f* is known and no
//! run went below it, else f itself: see `scale.rs`), the learning rate per step (bottom,
//! sharing the step axis). Run i has the same colour as in the trajectories figure. In each
//! panel the curves are drawn in the order, and dashed where they lie on top of each other,
//! that keeps every run's curve in sight (`curves.rs`).

mod curves;
pub(super) mod divergence;
mod scale;
mod smooth;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Axis;
use super::bundle::{Arrangement, Dash};
use super::clip::{P, column_envelope, decimate, split_sharp, visible_pieces};
use super::coverage::MaskPlot;
use super::parts::{Entry, Glyph, LegendBox, title};
use super::style::{FONT, Sizes, run_color};
use super::{LossAxis, PlotError, PlotRun, Scene};
use crate::core::{Status, Window};
use divergence::Divergence;
use scale::{Curve, LossScale};
use smooth::Ema;

// Pixels at the reference size (see `Sizes`).
const LEFT: f64 = 80.0;
// Room for half of the longest last step label (1000000) at the right end of the axis: what
// a figure's size is judged by; each figure keeps only the room its own last label needs.
const RIGHT: f64 = 28.0;
const BOTTOM: f64 = 56.0;
const GAP: f64 = 14.0;
/// How strongly a raw curve shows behind its smoothed one.
const FAINT: f64 = 0.35;

/// Where the loss figure put its panels and legend, in the figure's pixels (left, top,
/// width, height).
pub struct LossLayout {
    /// The loss panel's and the learning-rate panel's plotting areas.
    pub panels: [Rect; 2],
    pub legend: Option<Rect>,
    /// By run: the share of its curve's pixels no curve drawn after it covers, in the panel
    /// where it keeps least in sight. In the learning-rate panel, runs with the very same
    /// schedule draw one curve (in turns of their colours) and share its share. The raw
    /// curves faint behind smoothed ones and the divergence marks drawn over every curve are
    /// not counted, as the trajectories figure does not count its marks.
    pub visible: Vec<f64>,
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
    // The legend goes between the title and the panels, never over a curve. It is drawn
    // once the loss panel's dashes are known (its samples show them); they do not change
    // its size.
    let solid = vec![None; scene.runs.len()];
    let legend_box = legend(root, scene, &sizes, &solid)?.map(|legend| {
        let (lw, lh) = legend.size();
        ((w as i32 - lw as i32) / 2, top as i32, lw, lh)
    });
    let top = match legend_box {
        Some((_, _, _, lh)) => top + lh + sizes.side(2.0),
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
    let target = (f64::from(w) / sizes.px(110.0)).clamp(3.0, 10.0) as usize;
    let xa = if scene.log_x {
        // Step 0 (and 0 evaluations) has no place on a log axis: it starts at 1.
        Axis::log_from_exponents(0.0, last.log10(), target)
    } else {
        Axis::linear(0.0, last, target)
    };

    let curves: Vec<Curve> = scene
        .runs
        .iter()
        .map(|r| Curve {
            loss: &r.trace.loss,
            diverged: matches!(r.trace.status, Status::Diverged { .. }),
        })
        .collect();
    let loss_scale = scale::choose(&curves, scene.min_value, 8);
    let lr_axis = lr_axis(scene);
    let margins = Margins {
        left: left_margin(root, [&loss_scale.axis, &lr_axis], &sizes)?,
        right: right_margin(root, &xa, &sizes)?,
    };
    let (upper, losses) = draw_losses(scene, &upper, &xa, &loss_scale, margins, &sizes)?;
    let (lower, lrs) = draw_lrs(scene, &lower, &xa, &lr_axis, margins, &sizes)?;
    if let (Some(legend), Some((x, y, _, _))) =
        (legend(root, scene, &sizes, &losses.dashes)?, legend_box)
    {
        legend.draw(root, (x, y))?;
    }
    Ok(LossLayout {
        panels: [upper, lower],
        legend: legend_box,
        visible: losses
            .visible
            .iter()
            .zip(&lrs.visible)
            .map(|(a, b)| a.min(*b))
            .collect(),
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

/// The legend of the runs, in as many columns (up to four) as the figure's width holds; a
/// run dashed in the loss panel has its sample line dashed.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
    sizes: &Sizes,
    dashes: &[Option<Dash>],
) -> Result<Option<LegendBox>, PlotError> {
    let entries: Vec<Entry> = scene
        .runs
        .iter()
        .zip(dashes)
        .enumerate()
        .map(|(i, (run, dash))| Entry {
            text: run_label(run),
            glyph: if dash.is_some() {
                Glyph::Dashed
            } else {
                Glyph::Line
            },
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
    Ok(Some(LegendBox::widest_fitting(
        root, &entries, font, width,
    )?))
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

/// A chart's plotting area in the figure's pixels.
fn plotting_rect<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(
    chart: &ChartContext<'_, DB, CT>,
) -> Rect {
    let area = chart.plotting_area();
    let (xs, ys) = area.get_pixel_range();
    let (w, h) = area.dim_in_pixel();
    (xs.start, ys.start, w, h)
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

/// The room left of both panels, the same for both so their x axes line up: the reference
/// width, or more when a tick label is wider than it holds (`5×10⁻³` on a log lr axis).
pub(super) fn left_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axes: [&Axis; 2],
    sizes: &Sizes,
) -> Result<u32, PlotError> {
    let font = TextStyle::from((FONT, sizes.tick_font()).into_font());
    let mut widest = 0;
    for axis in axes {
        for &tick in &axis.ticks {
            widest = widest.max(root.estimate_text_size(&axis.label(tick), &font)?.0);
        }
    }
    let caption = TextStyle::from((FONT, sizes.axis_desc_font()).into_font());
    let caption_height = root.estimate_text_size("f", &caption)?.1;
    // Tick mark, the gap plotters leaves beside a label, and air around the caption.
    let needed = widest + caption_height + sizes.side(5.0 + 5.0 + 8.0);
    Ok(sizes.side(LEFT).max(needed))
}

/// The room right of both panels: half of the step axis's last label, which is centred on
/// its tick and may sit at the axis's very end.
pub(super) fn right_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    xa: &Axis,
    sizes: &Sizes,
) -> Result<u32, PlotError> {
    let font = TextStyle::from((FONT, sizes.tick_font()).into_font());
    let half = match xa.ticks.last() {
        Some(&tick) => root.estimate_text_size(&xa.label(tick), &font)?.0 / 2,
        None => 0,
    };
    Ok((half + sizes.side(4.0)).max(sizes.side(8.0)))
}

/// The room beside the panels, in pixels.
#[derive(Clone, Copy)]
struct Margins {
    left: u32,
    right: u32,
}

fn draw_losses<DB: DrawingBackend>(
    scene: &Scene,
    area: &DrawingArea<DB, Shift>,
    xa: &Axis,
    scale: &scale::LossScale,
    margins: Margins,
    sizes: &Sizes,
) -> Result<(Rect, Arrangement), PlotError> {
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
        .margin_right(margins.right)
        .margin_left(sizes.side(8.0))
        .margin_top(sizes.side(6.0))
        .x_label_area_size(sizes.side(14.0))
        .y_label_area_size(margins.left)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .y_desc(caption)
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
        draw_faint(chart.plotting_area(), &raw, &win, sizes)?;
    }
    let marks = divergences(scene, scale, xa);
    // Every loss curve counts on its own, even one equal to another's: each is a result.
    let kin: Vec<usize> = (0..series.len()).collect();
    let arranged = draw_series(&mut chart, [xa, ya], &series, &kin, &marks, &win, sizes)?;
    Ok((plotting_rect(&chart), arranged))
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
    sizes: &Sizes,
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
                    color.stroke_width(sizes.side(1.0)),
                ))?;
            }
        }
    }
    Ok(())
}

/// The learning-rate panel's y axis: from 0 when the rates stay within a decade, on a log
/// scale when they span more.
fn lr_axis(scene: &Scene) -> Axis {
    let (lo, hi) = scene
        .runs
        .iter()
        .flat_map(|r| {
            // Row t was reached with lr[t − 1]; a row a log x axis cannot show is left out.
            r.trace
                .lr
                .iter()
                .enumerate()
                .filter(|(k, v)| v.is_finite() && x_at(scene, r, k + 1).is_some())
                .map(|(_, &v)| v)
        })
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let log = lo > 0.0 && hi / lo > 10.0;
    if log {
        let (slo, shi) = (lo.log10(), hi.log10());
        let pad = ((shi - slo) * 0.06).max(0.05);
        Axis::log_from_exponents(slo - pad, shi + pad, 4)
    } else if lo.is_finite() && lo >= 0.0 {
        Axis::linear(0.0, hi * 1.15, 4)
    } else {
        Axis::linear(lo, hi, 4)
    }
}

fn draw_lrs<DB: DrawingBackend>(
    scene: &Scene,
    area: &DrawingArea<DB, Shift>,
    xa: &Axis,
    ya: &Axis,
    margins: Margins,
    sizes: &Sizes,
) -> Result<(Rect, Arrangement), PlotError> {
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
    let log = ya.log;
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
        .margin_right(margins.right)
        .margin_left(sizes.side(8.0))
        .margin_top(sizes.side(4.0))
        .x_label_area_size(sizes.side(BOTTOM))
        .y_label_area_size(margins.left)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .x_desc(x_caption(scene))
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
    // Runs with the very same schedule draw one curve: no order can show one of them where
    // the others draw it too, so they take turns in dashes along it (each colour shows) and
    // count as that one curve, in sight as long as no other schedule's curve covers it.
    let kin: Vec<usize> = (0..series.len())
        .map(|i| {
            let same = |j: &usize| !series[i].is_empty() && series[*j] == series[i];
            (0..i).find(same).unwrap_or(i)
        })
        .collect();
    let arranged = draw_series(&mut chart, [xa, ya], &series, &kin, &[], &win, sizes)?;
    Ok((plotting_rect(&chart), arranged))
}

/// The curves clipped to the panel, one colour per run index, in the order and with the
/// dashes that keep each in sight (`kin` as `curves::arrange_curves` takes it); divergence
/// marks over them.
fn draw_series<'c, DB: DrawingBackend + 'c>(
    chart: &mut ChartContext<'c, DB, Cartesian2d<super::axis::Ticked, super::axis::Ticked>>,
    [xa, ya]: [&Axis; 2],
    series: &[Vec<P>],
    kin: &[usize],
    marks: &[Divergence],
    win: &Window,
    sizes: &Sizes,
) -> Result<Arrangement, PlotError> {
    let area = chart.plotting_area().clone();
    let (aw, ah) = area.dim_in_pixel();
    let per_px = [
        (win.x[1] - win.x[0]) / aw.max(1) as f64,
        (win.y[1] - win.y[0]) / ah.max(1) as f64,
    ];
    let plot = MaskPlot {
        xa,
        ya,
        size: (aw, ah),
        win,
        per_px,
    };
    let arranged = curves::arrange_curves(series, kin, &plot, sizes)?;
    for &i in &arranged.order {
        let dash = arranged.dashes[i].as_ref();
        curves::draw_curve(&area, &series[i], i, dash, win, per_px, sizes)?;
    }
    // The pixels of every curve, drawn solid, for the divergence texts to keep clear of.
    let mut drawn = Vec::new();
    for points in series {
        for piece in visible_pieces(points, win) {
            let piece = decimate(&column_envelope(piece, win.x[0], per_px[0]), per_px, 0.5);
            drawn.extend(piece.iter().map(|p| {
                (
                    ((p[0] - win.x[0]) / per_px[0]) as i32,
                    ((win.y[1] - p[1]) / per_px[1]) as i32,
                )
            }));
        }
    }
    if !marks.is_empty() {
        let pixels = area.strip_coord_spec();
        let font = TextStyle::from((FONT, sizes.tick_font()).into_font()).color(&BLACK);
        let measure = |text: &str| {
            pixels
                .estimate_text_size(text, &font)
                .map_or((0, 0), |(w, h)| (w as i32, h as i32))
        };
        let size = (aw as i32, ah as i32);
        // The legend sits above the panels, so the texts need only keep clear of the curves.
        let dims = divergence::Dims::scaled(sizes.k);
        let placed = divergence::place(marks, win, size, measure, &drawn, &[], &dims);
        divergence::draw(&pixels, &placed, run_color, font.clone(), &dims)?;
    }
    Ok(arranged)
}
