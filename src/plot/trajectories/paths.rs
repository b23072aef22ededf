//! Every run's path with its markers: small dots every few steps, rings at snapshots, and a
//! cross where it stopped (or a triangle where a diverged run left the plot). The animation
//! draws the same pieces step by step.
//!
//! How runs share the plot so that each one stays in sight ([`plan`]) is `bundle`'s: the
//! paths are measured on masks drawn by the code that draws them ([`draw_path`] and
//! [`draw_markers`], as [`draw_run`] does), and bundles of paths that lie on top
//! of each other (as Adam's relatives do) are dashed in turn, a dash's place being its
//! distance from the path's start.

use plotters::prelude::*;

use super::super::bundle::{Dash, arrange, dashed};
use super::super::clip::{P, inside, last_visible, split_sharp, thin_path, visible_pieces};
use super::super::coverage::{Mask, MaskPlot};
use super::super::parts::{Glyph, Marker};
use super::super::style::{Sizes, darker, run_color};
use super::super::{PlotError, Scene};
use super::PlotCoord;
use crate::core::{Status, Window};

/// At most this many step markers per run, so long runs do not turn into a blob.
const MARKERS_PER_RUN: usize = 30;
/// The most points a path piece is drawn with. Far more than a smooth path needs at this
/// size; a noisy million-step path is thinned to it, so the SVG stays a few MB.
pub(in crate::plot) const PATH_POINTS: usize = 20_000;
/// Points of a path closer than this many pixels to the last one kept are not drawn.
pub(in crate::plot) const PATH_TOLERANCE_PX: f64 = 0.7;
/// How one run is drawn.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::plot) struct RunStyle {
    pub color: RGBColor,
    /// Line width in pixels.
    pub width: u32,
    /// The white halo's width in pixels (wider than the line).
    pub halo: u32,
    /// Radius of the step markers.
    pub dot: u32,
    /// Radius of the end markers.
    pub end: i32,
    /// The run stops where another does: one neutral cross marks both (see `marks`).
    pub shared_end: bool,
    /// Dashed when the run lies in a bundle of paths.
    pub dash: Option<Dash>,
}

impl RunStyle {
    /// Run `i`'s style, solid.
    pub(in crate::plot) fn new(i: usize, sizes: &Sizes) -> RunStyle {
        let width = sizes.side(2.6);
        RunStyle {
            color: run_color(i),
            width,
            halo: width + 2 * sizes.side(0.8),
            dot: sizes.side(2.4),
            end: sizes.int(7.0),
            shared_end: false,
            dash: None,
        }
    }
}

/// One run's path as the plot shows it.
#[derive(Clone, Debug)]
pub(in crate::plot) struct RunPath {
    /// Every point, in data coordinates.
    pub points: Vec<P>,
    pub status: Status,
    pub snapshots: Vec<usize>,
}

impl RunPath {
    pub fn of_scene(scene: &Scene) -> Vec<RunPath> {
        scene
            .runs
            .iter()
            .map(|run| RunPath {
                points: if run.trace.dim >= 2 {
                    run.trace.points_2d().collect()
                } else {
                    Vec::new()
                },
                status: run.trace.status,
                snapshots: run.snapshots.clone(),
            })
            .collect()
    }

    /// The pieces of rows `from..=to` inside the window, thinned to what the pixels show;
    /// with a dash pattern, only its drawn parts (measured along the whole path from its
    /// start, so a path drawn in parts dashes as the whole one does).
    pub fn pieces(
        &self,
        from: usize,
        to: usize,
        win: &Window,
        per_px: [f64; 2],
        dash: Option<&Dash>,
    ) -> Vec<Vec<P>> {
        if self.points.is_empty() {
            return Vec::new();
        }
        let to = to.min(self.points.len() - 1);
        let from = from.min(to);
        let pieces = match dash {
            None => visible_pieces(&self.points[from..=to], win),
            Some(dash) => self.dashed(from, to, win, per_px, dash),
        };
        pieces
            .iter()
            .map(|piece| thin_path(piece, per_px, PATH_TOLERANCE_PX, PATH_POINTS))
            .collect()
    }

    /// Whether `p` is drawn: away from the rest of its bundle, or on a dash of the pattern
    /// (see [`RunPath::dashed`]).
    pub fn dash_on(&self, p: P, win: &Window, per_px: [f64; 2], dash: &Dash) -> bool {
        if !dash.crowd.at(p, win, per_px) {
            return true;
        }
        let origin = self.points.first().copied().unwrap_or(p);
        let r = ((p[0] - origin[0]) / per_px[0]).hypot((p[1] - origin[1]) / per_px[1]);
        dash.draws(if r.is_finite() { r } else { 0.0 })
    }

    /// The dashes of rows `from..=to` inside the window. A point's place in the pattern is
    /// its distance in pixels from the path's start, not the length walked to it: paths of
    /// a bundle that start together then have their dashes at the same places, each in its
    /// own slot of the pattern, however differently they wiggled on the way.
    fn dashed(
        &self,
        from: usize,
        to: usize,
        win: &Window,
        per_px: [f64; 2],
        dash: &Dash,
    ) -> Vec<Vec<P>> {
        dashed(&self.points[from..=to], win, per_px, &mut 0.0, |p, _| {
            self.dash_on(p, win, per_px, dash)
        })
    }
}

/// Draws `run` whole: its path (halo, then ink) and its markers, with the end marker.
pub(in crate::plot) fn draw_run<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    run: &RunPath,
    style: &RunStyle,
    win: &Window,
    per_px: [f64; 2],
) -> Result<(), PlotError> {
    if run.points.is_empty() {
        return Ok(());
    }
    let pieces = run.pieces(0, usize::MAX, win, per_px, style.dash.as_ref());
    let pieces: Vec<&[P]> = pieces.iter().map(Vec::as_slice).collect();
    draw_path(area, &pieces, &pieces, style, per_px)?;
    draw_markers(area, run, 0, run.points.len() - 1, style, win, per_px)
}

/// The step markers, snapshot rings and end marker of rows `from..=to`. A dashed run shows
/// its step markers on its dashes only, where no other run of its bundle is drawn.
pub(in crate::plot) fn draw_markers<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    run: &RunPath,
    from: usize,
    to: usize,
    style: &RunStyle,
    win: &Window,
    per_px: [f64; 2],
) -> Result<(), PlotError> {
    let n = run.points.len();
    for row in (from..=to).filter(|&row| is_step_marker(row, n)) {
        let p = run.points[row];
        let on_dash = style
            .dash
            .as_ref()
            .is_none_or(|d| run.dash_on(p, win, per_px, d));
        if inside(p, win) && on_dash {
            area.draw(&Circle::new((p[0], p[1]), style.dot, style.color.filled()))?;
        }
    }
    for &row in run
        .snapshots
        .iter()
        .filter(|&&row| (from..=to).contains(&row))
    {
        if let Some(&p) = run.points.get(row).filter(|p| inside(**p, win)) {
            area.draw(&snapshot_marker(p, style))?;
        }
    }
    if to + 1 == n
        && let Some((marker, end)) = end_marker(&run.points, style, run.status, win)
        // An end shared with other runs is drawn once for all of them, with the marks.
        && !(style.shared_end && end == End::Reached)
    {
        area.draw(&marker)?;
    }
    Ok(())
}

/// Part of a run's path: a white halo under `halo`, then the run's colour along `line`,
/// each split at sharp turns (thick bitmap lines would grow spikes there). The figure passes
/// the same pieces twice; the animation draws the line one step further back than the
/// halo, so that the new halo does not cut a notch into the line drawn the frame before.
pub(in crate::plot) fn draw_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    halo: &[&[P]],
    line: &[&[P]],
    style: &RunStyle,
    per_px: [f64; 2],
) -> Result<(), PlotError> {
    let coords = |part: &Vec<P>| part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
    for piece in halo {
        for part in &split_sharp(piece, per_px) {
            area.draw(&PathElement::new(
                coords(part),
                WHITE.mix(0.85).stroke_width(style.halo),
            ))?;
        }
    }
    for piece in line {
        let parts = split_sharp(piece, per_px);
        for part in &parts {
            area.draw(&PathElement::new(
                coords(part),
                style.color.stroke_width(style.width),
            ))?;
        }
        // Round off the turning points where the path was split.
        for part in parts.iter().skip(1) {
            area.draw(&Circle::new(
                (part[0][0], part[0][1]),
                style.width / 2,
                style.color.filled(),
            ))?;
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

/// A ring at an SGDR restart.
fn snapshot_marker(p: P, style: &RunStyle) -> Marker<(f64, f64)> {
    let ring = darker(style.color, 0.2);
    Marker::new((p[0], p[1]), Glyph::Ring, style.end + 3, ring, ring)
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
    style: &RunStyle,
    status: Status,
    win: &Window,
) -> Option<(Marker<(f64, f64)>, End)> {
    let &last = points.last()?;
    if matches!(status, Status::Diverged { .. }) {
        let p = last_visible(points, win)?;
        let marker = Marker::new(
            (p[0], p[1]),
            Glyph::Triangle,
            style.end + 3,
            style.color,
            BLACK,
        );
        Some((marker, End::LeftPlot))
    } else if points.len() > 1 && inside(last, win) {
        let c = darker(style.color, 0.15);
        let marker = Marker::new((last[0], last[1]), Glyph::Cross, style.end, c, c);
        Some((marker, End::Reached))
    } else {
        None
    }
}

/// How the runs share the plot: the order they are drawn in and each one's style, with
/// the masks the choice was measured on.
#[derive(Clone, Debug)]
pub(in crate::plot) struct Plan {
    /// Run indices, first drawn to last.
    pub order: Vec<usize>,
    /// By run index.
    pub styles: Vec<RunStyle>,
    /// By run index: the share of each run's drawing left in sight.
    pub visible: Vec<f64>,
    /// By run index: each run's drawing with its halo, alone on the plot.
    pub cover: Vec<Mask>,
}

/// The runs (by index) that stop within a few pixels of another run's stop: their ends
/// share one neutral cross instead of piling crosses of every colour on one spot.
pub(in crate::plot) fn shared_ends(runs: &[RunPath], plot: &MaskPlot) -> Vec<usize> {
    let ends: Vec<Option<P>> = runs
        .iter()
        .map(|run| match run.points.last() {
            Some(&p)
                if run.points.len() > 1
                    && inside(p, plot.win)
                    && !matches!(run.status, Status::Diverged { .. }) =>
            {
                Some(p)
            }
            _ => None,
        })
        .collect();
    let near =
        |a: P, b: P| ((a[0] - b[0]) / plot.per_px[0]).hypot((a[1] - b[1]) / plot.per_px[1]) < 6.0;
    (0..runs.len())
        .filter(|&i| {
            ends[i].is_some_and(|a| {
                (0..runs.len()).any(|j| j != i && ends[j].is_some_and(|b| near(a, b)))
            })
        })
        .collect()
}

/// Chooses the drawing order and the runs' dashes so that each run keeps at least
/// `bundle::VISIBLE_TARGET` of its drawing in sight where it can; the masks are drawn on
/// `buffer`, left a blank plot for more masks of its size.
pub(in crate::plot) fn plan(
    runs: &[RunPath],
    sizes: &Sizes,
    plot: &MaskPlot,
    buffer: &mut Vec<u8>,
) -> Result<Plan, PlotError> {
    let n = runs.len();
    let mut solid: Vec<RunStyle> = (0..n).map(|i| RunStyle::new(i, sizes)).collect();
    for i in shared_ends(runs, plot) {
        solid[i].shared_end = true;
    }
    let styles = |dashes: &[Option<Dash>]| -> Vec<RunStyle> {
        solid
            .iter()
            .zip(dashes)
            .map(|(style, dash)| RunStyle {
                dash: dash.clone(),
                ..style.clone()
            })
            .collect()
    };
    let widths: Vec<u32> = solid.iter().map(|s| s.width).collect();
    // Every path is a line of its own: two runs are never one line here.
    let kin: Vec<usize> = (0..n).collect();
    // Each run's masks by the style they were drawn in: a planning round changes the dashes
    // of a few runs, and the rest are drawn as they were the round before.
    let mut drawn: Vec<Option<(RunStyle, Mask, Mask)>> = vec![None; n];
    let arranged = arrange(
        n,
        plot.size,
        &kin,
        &widths,
        (sizes.px(3.0), sizes.px(14.0)),
        buffer,
        |dashes, buffer| {
            let mut ink = Vec::with_capacity(n);
            let mut cover = Vec::with_capacity(n);
            for ((run, style), drawn) in runs.iter().zip(styles(dashes)).zip(&mut drawn) {
                if drawn.as_ref().is_none_or(|(was, _, _)| *was != style) {
                    let (i, c) = masks(run, &style, plot, buffer)?;
                    *drawn = Some((style, i, c));
                }
                let (_, i, c) = drawn.as_ref().expect("drawn just now if not before");
                ink.push(i.clone());
                cover.push(c.clone());
            }
            Ok((ink, cover))
        },
    )?;
    Ok(Plan {
        order: arranged.order,
        styles: styles(&arranged.dashes),
        visible: arranged.visible,
        cover: arranged.cover,
    })
}

/// What `run` drawn in `style` inks (its path's line and its markers), and everything
/// [`draw_run`] changes (the ink with the halo under it), on the blank plot. The cover is
/// the ink with the halo drawn over it rather than under: the same pixels are touched (the
/// halo's white never draws a pixel blank), with the path's pieces cut and the ink drawn
/// once.
fn masks(
    run: &RunPath,
    style: &RunStyle,
    plot: &MaskPlot,
    buffer: &mut Vec<u8>,
) -> Result<(Mask, Mask), PlotError> {
    if run.points.is_empty() {
        return Ok((
            plot.mask(buffer, |_| Ok(()))?,
            plot.mask(buffer, |_| Ok(()))?,
        ));
    }
    let pieces = run.pieces(0, usize::MAX, plot.win, plot.per_px, style.dash.as_ref());
    let pieces: Vec<&[P]> = pieces.iter().map(Vec::as_slice).collect();
    plot.mask_pair(
        buffer,
        |area| {
            draw_path(area, &[], &pieces, style, plot.per_px)?;
            draw_markers(
                area,
                run,
                0,
                run.points.len() - 1,
                style,
                plot.win,
                plot.per_px,
            )
        },
        |area| draw_path(area, &pieces, &[], style, plot.per_px),
    )
}
