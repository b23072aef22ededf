//! The training curves: loss per step above (log scale when every loss is positive), accuracy
//! below (in per cent, sharing the step axis), each run in its run colour, training solid and
//! validation dashed, so that the gap between a run's two lines (overfitting) reads at a
//! glance. The legend stands above the panels like the loss figure's: the runs by colour,
//! and beside them what solid and dashed mean (only when there is a validation set). A run
//! that diverged ends with the loss figure's divergence mark.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::super::PlotError;
use super::super::axis::{Axis, Ticked};
use super::super::clip::{P, column_envelope, decimate, visible_pieces};
use super::super::loss::divergence::{self, Dims, Divergence};
use super::super::loss::{left_margin, right_margin};
use super::super::parts::{Entry, Glyph, LegendBox, Marker, title};
use super::super::style::{FONT, Sizes, log_label, run_color};
use super::curve_axes::{accuracy_axis, loss_axis, series, series_at, step_axis, x_of};
use super::{CurvesScene, NetRun, Rect, heading, run_name};
use crate::core::Window;

type PlotCoord = Cartesian2d<Ticked, Ticked>;
/// A run's curves in one panel, as unbroken pieces in axis coordinates: training,
/// validation, and the averaged weights' (empty without averaging).
type Pieces = (Vec<Vec<P>>, Vec<Vec<P>>, Vec<Vec<P>>);

// Pixels at the reference size (see `Sizes`); the margins beside the panels are the loss
// figure's.
const BOTTOM: f64 = 56.0;
const GAP: f64 = 14.0;
/// A curve's width, and the validation dashes: long enough to read as dashes, not dots.
const WIDTH: f64 = 2.0;
const DASH: f64 = 9.0;
const DASH_GAP: f64 = 6.0;
/// The averaged weights' curve: short dashes, close together, a little wider than a curve,
/// which read as dots beside the validation dashes.
const DOT: f64 = 3.0;
const DOT_GAP: f64 = 3.0;
const DOTTED_WIDTH: f64 = 3.0;
/// The radius of a snapshot's ring on the loss panel.
const SNAPSHOT_RING: f64 = 6.0;
/// The legend samples of "train" and "validation": a neutral dark grey, no run's colour.
pub(super) const STYLE_SAMPLE: RGBColor = RGBColor(70, 70, 70);

/// Where the figure put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CurvesLayout {
    /// The loss panel's and the accuracy panel's plotting areas.
    pub panels: [Rect; 2],
    /// The runs' legend, and the legend of the line styles (with validation only).
    pub legend: Option<Rect>,
    pub styles: Option<Rect>,
    /// The step axis, and the loss and accuracy axes (accuracy in per cent).
    pub x: Axis,
    pub y: [Axis; 2],
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &CurvesScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<CurvesLayout, PlotError> {
    root.fill(&WHITE)?;
    let sizes = Sizes::new(scene.width, scene.height, scene.scale);
    let validation = scene.runs.iter().any(has_validation);
    let shows = if validation {
        "training and validation loss and accuracy"
    } else {
        "training loss and accuracy"
    };
    let top = title(root, &heading(&scene.title, shows), &sizes)?;
    let (w, h) = root.dim_in_pixel();

    // The legends between the title and the panels, never over a curve: the line styles at
    // the right, the runs in the width left of them.
    let font = sizes.legend_font() * if scene.runs.len() > 6 { 0.85 } else { 1.0 };
    let sample = sizes.int(12.0);
    let styles = style_entries(scene, validation, sample);
    let styles = if styles.is_empty() {
        None
    } else {
        let columns = styles.len().min(2);
        Some(LegendBox::measure(root, styles, font, columns)?)
    };
    let styles_w = styles.as_ref().map_or(0, |s| s.size().0 + sizes.side(12.0));
    let entries: Vec<Entry> = scene
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| Entry {
            text: run_label(run),
            glyph: Glyph::Line,
            size: sample,
            fill: run_color(i),
            edge: run_color(i),
        })
        .collect();
    let room = w.saturating_sub(sizes.side(16.0) + styles_w);
    let runs_legend = if entries.is_empty() {
        None
    } else {
        Some(LegendBox::widest_fitting(root, &entries, font, room)?)
    };
    let runs_size = runs_legend.as_ref().map_or((0, 0), LegendBox::size);
    let styles_size = styles.as_ref().map_or((0, 0), LegendBox::size);
    let together = runs_size.0 + styles_w;
    let x0 = (w as i32 - together as i32) / 2;
    let legend_rect = runs_legend
        .as_ref()
        .map(|_| (x0, top as i32, runs_size.0, runs_size.1));
    let styles_rect = styles.as_ref().map(|_| {
        let x = x0 + (together - styles_size.0) as i32;
        (x.max(0), top as i32, styles_size.0, styles_size.1)
    });
    if let (Some(legend), Some((x, y, _, _))) = (&runs_legend, legend_rect) {
        legend.draw(root, (x, y))?;
    }
    if let (Some(legend), Some((x, y, _, _))) = (&styles, styles_rect) {
        legend.draw(root, (x, y))?;
    }
    let legend_h = runs_size.1.max(styles_size.1);
    let top = if legend_h > 0 {
        top + legend_h + sizes.side(4.0)
    } else {
        top
    };

    let gap = sizes.side(GAP);
    let body = h.saturating_sub(top + sizes.side(10.0));
    let upper_h = (f64::from(body) * 0.52).round() as u32;
    let upper = root
        .clone()
        .shrink((0, top as i32), (w, upper_h.saturating_sub(gap / 2)));
    let lower = root.clone().shrink(
        (0, (top + upper_h + gap / 2) as i32),
        (w, body.saturating_sub(upper_h + gap / 2)),
    );

    let xa = step_axis(scene, w, &sizes);
    let (loss_axis, loss_log) = loss_axis(&scene.runs);
    let accuracy_axis = accuracy_axis(&scene.runs);
    let left = left_margin(root, [&loss_axis, &accuracy_axis], &sizes)?;
    let right = right_margin(root, &xa, &sizes)?;

    let loss_caption = if loss_log { "loss (log scale)" } else { "loss" };
    let loss_rect = panel(
        Panel {
            area: &upper,
            xa: &xa,
            ya: &loss_axis,
            caption: loss_caption,
            x_caption: None,
            left,
            right,
        },
        &sizes,
        |run| {
            let y = |v: f64| if loss_log { v.log10() } else { v };
            (
                series(scene, run, &run.train_loss, y),
                series(scene, run, &run.val_loss, y),
                averaged_series(scene, run, |a| &a.loss, y),
            )
        },
        |run| {
            let y = |v: f64| if loss_log { v.log10() } else { v };
            snapshot_points(scene, run, y)
        },
        &scene.runs,
    )?;
    let x_caption = if scene.log_x {
        "step (log scale; step 0 not shown)"
    } else {
        "step"
    };
    let accuracy_rect = panel(
        Panel {
            area: &lower,
            xa: &xa,
            ya: &accuracy_axis,
            caption: "accuracy (%)",
            x_caption: Some(x_caption),
            left,
            right,
        },
        &sizes,
        |run| {
            let y = |v: f64| v * 100.0;
            (
                series(scene, run, &run.train_accuracy, y),
                series(scene, run, &run.val_accuracy, y),
                averaged_series(scene, run, |a| &a.accuracy, y),
            )
        },
        |_| Vec::new(),
        &scene.runs,
    )?;
    Ok(CurvesLayout {
        panels: [loss_rect, accuracy_rect],
        legend: legend_rect,
        styles: styles_rect,
        x: xa,
        y: [loss_axis, accuracy_axis],
    })
}

fn has_validation(run: &NetRun) -> bool {
    run.val_loss
        .iter()
        .chain(&run.val_accuracy)
        .any(|v| v.is_finite())
}

/// A run's name in the legend, and where it diverged.
fn run_label(run: &NetRun) -> String {
    let name = run_name(&run.label, &run.legend).to_string();
    match run.diverged_at {
        Some(step) => format!("{name} (diverged at step {step})"),
        None => name,
    }
}

/// One panel's area and axes.
struct Panel<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    xa: &'a Axis,
    ya: &'a Axis,
    caption: &'a str,
    /// The step axis's caption, on the lower panel; the upper one has no x labels.
    x_caption: Option<&'a str>,
    left: u32,
    right: u32,
}

/// Draws a panel: its axes, every run's training curve solid, validation curve dashed and
/// averaged weights' curve dotted (`of_run` gives them in axis coordinates), the points
/// `marks` gives ringed (snapshots), and the divergence marks. Returns the plotting area's
/// rectangle.
fn panel<DB: DrawingBackend>(
    p: Panel<'_, DB>,
    sizes: &Sizes,
    of_run: impl Fn(&NetRun) -> Pieces,
    marks: impl Fn(&NetRun) -> Vec<P>,
    runs: &[NetRun],
) -> Result<Rect, PlotError> {
    let (xa, ya) = (p.xa, p.ya);
    let bottom = if p.x_caption.is_some() {
        sizes.side(BOTTOM)
    } else {
        sizes.side(14.0)
    };
    let mut chart = ChartBuilder::on(p.area)
        .margin_right(p.right)
        .margin_left(sizes.side(8.0))
        .margin_top(sizes.side(6.0))
        .x_label_area_size(bottom)
        .y_label_area_size(p.left)
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    // A log axis of losses between 0.001 and 1000 reads in plain decimals (0.05, 2), as a
    // classifier's cross-entropy does; wider ones in powers of ten.
    let plain = ya.log && ya.ticks.iter().all(|t| (-3.0..=3.0).contains(t));
    let y_labels = |v: &f64| {
        if plain {
            log_label(*v, true)
        } else {
            ya.label(*v)
        }
    };
    let x_labels = |v: &f64| xa.label(*v);
    let no_labels = |_: &f64| String::new();
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .y_desc(p.caption)
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .y_label_formatter(&y_labels);
    match p.x_caption {
        Some(caption) => mesh.x_desc(caption).x_label_formatter(&x_labels),
        None => mesh.x_label_formatter(&no_labels),
    };
    mesh.draw()?;
    let area = chart.plotting_area().clone();
    let (aw, ah) = area.dim_in_pixel();
    let win = Window {
        x: [xa.lo, xa.hi],
        y: [ya.lo, ya.hi],
    };
    let per_px = [
        (win.x[1] - win.x[0]) / f64::from(aw.max(1)),
        (win.y[1] - win.y[0]) / f64::from(ah.max(1)),
    ];
    let curves: Vec<Pieces> = runs.iter().map(&of_run).collect();
    // Training curves first, every run's, then the validation dashes over them: a dash
    // never hides a whole solid line, and the solid one shows in its gaps. The averaged
    // weights' dots last, and the snapshots' rings over everything.
    let mut drawn: Vec<(i32, i32)> = Vec::new();
    for stroke in [Stroke::Solid, Stroke::Dashed, Stroke::Dotted] {
        for (i, (train, val, averaged)) in curves.iter().enumerate() {
            let pieces = match stroke {
                Stroke::Solid => train,
                Stroke::Dashed => val,
                Stroke::Dotted => averaged,
            };
            for piece in pieces {
                draw_piece(&area, piece, i, stroke, &win, per_px, sizes, &mut drawn)?;
            }
        }
    }
    for (i, run) in runs.iter().enumerate() {
        let ring = sizes.int(SNAPSHOT_RING);
        for at in marks(run) {
            if (win.x[0]..=win.x[1]).contains(&at[0]) && (win.y[0]..=win.y[1]).contains(&at[1]) {
                let color = run_color(i);
                area.draw(&Marker::new(
                    (at[0], at[1]),
                    Glyph::Ring,
                    ring,
                    color,
                    color,
                ))?;
            }
        }
    }
    let marks: Vec<Divergence> = runs
        .iter()
        .zip(&curves)
        .enumerate()
        .filter_map(|(run, (r, (train, _, _)))| {
            let step = r.diverged_at?;
            let last = train.last()?.last()?;
            Some(Divergence {
                run,
                x: last[0],
                y: last[1],
                step,
            })
        })
        .collect();
    if !marks.is_empty() {
        let pixels = area.strip_coord_spec();
        let font = TextStyle::from((FONT, sizes.tick_font()).into_font()).color(&BLACK);
        let measure = |text: &str| {
            pixels
                .estimate_text_size(text, &font)
                .map_or((0, 0), |(w, h)| (w as i32, h as i32))
        };
        let dims = Dims::scaled(sizes.k);
        let size = (aw as i32, ah as i32);
        let placed = divergence::place(&marks, &win, size, measure, &drawn, &[], &dims);
        divergence::draw(&pixels, &placed, run_color, font.clone(), &dims)?;
    }
    let (xs, ys) = area.get_pixel_range();
    Ok((xs.start, ys.start, aw, ah))
}

/// Draws one unbroken piece of run `i`'s curve, clipped to the panel, solid, dashed or
/// dotted; a piece of one point is a dot. Adds the pixels it passes to `drawn`, for the divergence
/// texts to keep clear of.
#[allow(clippy::too_many_arguments)]
fn draw_piece<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    points: &[P],
    i: usize,
    stroke: Stroke,
    win: &Window,
    per_px: [f64; 2],
    sizes: &Sizes,
    drawn: &mut Vec<(i32, i32)>,
) -> Result<(), PlotError> {
    let color = run_color(i);
    let style = color.stroke_width(sizes.side(WIDTH));
    for piece in visible_pieces(points, win) {
        let piece = decimate(&column_envelope(piece, win.x[0], per_px[0]), per_px, 0.5);
        drawn.extend(piece.iter().map(|p| {
            (
                ((p[0] - win.x[0]) / per_px[0]) as i32,
                ((win.y[1] - p[1]) / per_px[1]) as i32,
            )
        }));
        if piece.len() == 1 {
            let at = (piece[0][0], piece[0][1]);
            area.draw(&Circle::new(at, sizes.side(3.0), color.filled()))?;
            continue;
        }
        let coords: Vec<(f64, f64)> = piece.iter().map(|p| (p[0], p[1])).collect();
        match stroke {
            Stroke::Solid => area.draw(&PathElement::new(coords, style))?,
            Stroke::Dashed => area.draw(&DashedPathElement::new(
                coords,
                sizes.px(DASH) as f32,
                sizes.px(DASH_GAP) as f32,
                style,
            ))?,
            Stroke::Dotted => {
                // On a white halo: the averaged curve runs through the noisy band of the
                // run's own curves, and must stand out of it.
                let halo = WHITE.mix(0.85).stroke_width(sizes.side(DOTTED_WIDTH * 2.2));
                area.draw(&PathElement::new(coords.clone(), halo))?;
                area.draw(&DashedPathElement::new(
                    coords,
                    sizes.px(DOT) as f32,
                    sizes.px(DOT_GAP) as f32,
                    color.stroke_width(sizes.side(DOTTED_WIDTH)),
                ))?
            }
        }
    }
    Ok(())
}

/// How a curve is drawn: training solid, validation dashed, the averaged weights dotted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stroke {
    Solid,
    Dashed,
    Dotted,
}

/// The legend of the line styles and marks the figure uses: train and validation (with a
/// validation set), the averaged weights (when a run averages) and the snapshots.
fn style_entries(scene: &CurvesScene, validation: bool, sample: i32) -> Vec<Entry> {
    let mut styles: Vec<(&str, Glyph)> = Vec::new();
    if validation {
        styles.extend([("train", Glyph::Line), ("validation", Glyph::Dashed)]);
    }
    if scene.runs.iter().any(|r| r.averaged.is_some()) {
        let text = if validation {
            "averaged weights (validation)"
        } else {
            "averaged weights"
        };
        styles.push((text, Glyph::Dotted));
    }
    if scene.runs.iter().any(|r| !r.snapshots.is_empty()) {
        styles.push(("snapshot", Glyph::Ring));
    }
    styles
        .into_iter()
        .map(|(text, glyph)| Entry {
            text: text.to_string(),
            glyph,
            // A ring as large as the line samples are long would dwarf them.
            size: if glyph == Glyph::Ring {
                sample / 2
            } else {
                sample
            },
            fill: STYLE_SAMPLE,
            edge: STYLE_SAMPLE,
        })
        .collect()
}

/// The averaged weights' curve of one quantity, in axis coordinates.
fn averaged_series(
    scene: &CurvesScene,
    run: &NetRun,
    values: fn(&super::AveragedCurve) -> &Vec<f64>,
    y: impl Fn(f64) -> f64,
) -> Vec<Vec<P>> {
    match &run.averaged {
        Some(a) => series_at(scene, &a.steps, values(a), y),
        None => Vec::new(),
    }
}

/// Where each snapshot sits on the loss panel.
fn snapshot_points(scene: &CurvesScene, run: &NetRun, y: impl Fn(f64) -> f64) -> Vec<P> {
    run.snapshots
        .iter()
        .filter_map(|&(step, loss)| Some([x_of(scene, step)?, y(loss)]))
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect()
}
