//! Every run's path with its markers: a start dot, small dots every few steps, rings at
//! snapshots, and a cross where it stopped (or a triangle where a diverged run left the plot).
//! The animation draws the same pieces step by step.

use plotters::prelude::*;

use super::super::clip::{P, inside, last_visible, split_sharp, thin_path, visible_pieces};
use super::super::parts::{Glyph, Marker};
use super::super::style::{darker, run_color};
use super::super::{PlotError, Scene};
use super::{PlotCoord, plot_pixel};
use crate::core::{Status, Window};

/// At most this many step markers per run, so long runs do not turn into a blob.
const MARKERS_PER_RUN: usize = 30;
/// The most points a path piece is drawn with. Far more than a smooth path needs at this
/// size; a noisy million-step path is thinned to it, so the SVG stays a few MB.
pub(in crate::plot) const PATH_POINTS: usize = 20_000;
/// Points of a path closer than this many pixels to the last one kept are not drawn.
pub(in crate::plot) const PATH_TOLERANCE_PX: f64 = 0.7;

/// What the paths left for the legend to know.
pub(super) struct DrawnPaths {
    /// The plot-area pixels the paths pass through, drawn or not: the legend avoids them.
    pub pixels: Vec<(i32, i32)>,
    /// Each run's legend text and colour.
    pub legends: Vec<(String, RGBColor)>,
    pub any_snapshot: bool,
    /// Whether a diverged run left the plot (and got a triangle).
    pub any_left_plot: bool,
    /// Whether a run stopped inside the plot (and got a cross).
    pub any_end: bool,
}

/// Draws every run's path and markers if `drawn`; either way, says where they go.
pub(super) fn draw_paths<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    scene: &Scene,
    win: &Window,
    per_px: [f64; 2],
    drawn: bool,
) -> Result<DrawnPaths, PlotError> {
    let mut out = DrawnPaths {
        pixels: Vec::new(),
        legends: Vec::new(),
        any_snapshot: false,
        any_left_plot: false,
        any_end: false,
    };
    for (i, run) in scene.runs.iter().enumerate() {
        let color = run_color(i);
        let trace = run.trace;
        let points: Vec<[f64; 2]> = if trace.dim >= 2 {
            trace.points_2d().collect()
        } else {
            Vec::new()
        };
        let mut legend = if run.legend.is_empty() {
            run.label.to_string()
        } else {
            run.legend.clone()
        };
        if let Status::Diverged { step } = trace.status {
            legend.push_str(&format!(" (diverged at step {step})"));
        }
        out.legends.push((legend, color));
        if points.is_empty() {
            continue;
        }
        for piece in visible_pieces(&points, win) {
            let piece = thin_path(&piece, per_px, PATH_TOLERANCE_PX, PATH_POINTS);
            out.pixels
                .extend(piece.iter().map(|&p| plot_pixel(p, win, per_px)));
            if drawn {
                draw_path(
                    area,
                    &[piece.as_slice()],
                    &[piece.as_slice()],
                    color,
                    per_px,
                )?;
            }
        }
        // Small markers every few steps show the step size along the path.
        let n = points.len();
        if drawn {
            for row in (1..n).filter(|&row| is_step_marker(row, n)) {
                draw_step_marker(area, points[row], color, win)?;
            }
        }
        for &row in &run.snapshots {
            if let Some(&p) = points.get(row).filter(|p| inside(**p, win)) {
                out.any_snapshot = true;
                if drawn {
                    area.draw(&snapshot_marker(p, color))?;
                }
            }
        }
        if drawn && inside(points[0], win) {
            area.draw(&start_marker(points[0], color))?;
        }
        if let Some((marker, end)) = end_marker(&points, color, trace.status, win) {
            out.any_left_plot |= end == End::LeftPlot;
            out.any_end |= end == End::Reached;
            if drawn {
                area.draw(&marker)?;
            }
        }
    }
    Ok(out)
}

/// Part of a run's path: a white halo under `halo`, then the run's colour along `line`,
/// each split at sharp turns (thick bitmap lines would grow spikes there). The figure passes
/// the same pieces twice; the animation draws the line one step further back than the
/// halo, so that the new halo does not cut a notch into the line drawn the frame before.
pub(in crate::plot) fn draw_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    halo: &[&[P]],
    line: &[&[P]],
    color: RGBColor,
    per_px: [f64; 2],
) -> Result<(), PlotError> {
    let coords = |part: &Vec<P>| part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
    for piece in halo {
        for part in &split_sharp(piece, per_px) {
            area.draw(&PathElement::new(
                coords(part),
                WHITE.mix(0.85).stroke_width(6),
            ))?;
        }
    }
    for piece in line {
        let parts = split_sharp(piece, per_px);
        for part in &parts {
            area.draw(&PathElement::new(coords(part), color.stroke_width(3)))?;
        }
        // Round off the turning points where the path was split.
        for part in parts.iter().skip(1) {
            area.draw(&Circle::new((part[0][0], part[0][1]), 1, color.filled()))?;
        }
    }
    Ok(())
}

/// Whether row `row` of a path of `n` rows gets a small marker: every few steps, so that
/// the spacing shows the step size, at most [`MARKERS_PER_RUN`] of them, never on the end.
pub(in crate::plot) fn is_step_marker(row: usize, n: usize) -> bool {
    let stride = n.div_ceil(MARKERS_PER_RUN).max(1);
    row >= stride && row + 1 < n && row.is_multiple_of(stride)
}

pub(in crate::plot) fn draw_step_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    p: P,
    color: RGBColor,
    win: &Window,
) -> Result<(), PlotError> {
    if inside(p, win) {
        area.draw(&Circle::new((p[0], p[1]), 3, color.filled()))?;
    }
    Ok(())
}

/// A ring at an SGDR restart.
pub(in crate::plot) fn snapshot_marker(p: P, color: RGBColor) -> Marker<(f64, f64)> {
    let ring = darker(color, 0.2);
    Marker::new((p[0], p[1]), Glyph::Ring, 10, ring, ring)
}

pub(in crate::plot) fn start_marker(p: P, color: RGBColor) -> Marker<(f64, f64)> {
    Marker::new((p[0], p[1]), Glyph::Dot, 7, color, BLACK)
}

/// How a path's end is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::plot) enum End {
    /// A cross where the run stopped inside the plot.
    Reached,
    /// A triangle where a diverged run left the plot for the last time.
    LeftPlot,
}

/// The marker at the end of a whole path, if its end shows: a cross where the run stopped,
/// or, for a diverged run, a triangle where it last left the plot.
pub(in crate::plot) fn end_marker(
    points: &[P],
    color: RGBColor,
    status: Status,
    win: &Window,
) -> Option<(Marker<(f64, f64)>, End)> {
    let &last = points.last()?;
    if matches!(status, Status::Diverged { .. }) {
        let p = last_visible(points, win)?;
        let marker = Marker::new((p[0], p[1]), Glyph::Triangle, 10, color, BLACK);
        Some((marker, End::LeftPlot))
    } else if points.len() > 1 && inside(last, win) {
        let c = darker(color, 0.15);
        let marker = Marker::new((last[0], last[1]), Glyph::Cross, 7, c, c);
        Some((marker, End::Reached))
    } else {
        None
    }
}
