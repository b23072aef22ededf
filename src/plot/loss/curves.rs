//! The runs' curves in one panel, each in sight: every curve is rendered alone into a mask
//! of the panel by [`draw_curve`], the code that draws it in the figure, and
//! `bundle::arrange` chooses the order they are drawn in and dashes the curves that still
//! lie on top of each other (runs whose losses agree, runs that share a learning-rate
//! schedule), each in its turn, so that every colour shows.
//!
//! A dash's place is the length walked along the curve, in pixels from where it enters the
//! panel: curves that agree agree on that too, so their dashes fall in turn. (The
//! trajectories measure from a path's start instead; a loss curve that falls straight down
//! and then runs flat would stretch a dash over its whole bend that way.)

use plotters::prelude::*;

use super::super::PlotError;
use super::super::bundle::{Arrangement, Dash, arrange, dashed};
use super::super::clip::{P, column_envelope, decimate, split_sharp, visible_pieces};
use super::super::coverage::{Mask, MaskPlot};
use super::super::style::{Sizes, run_color};
use crate::core::Window;

/// A curve's line width in pixels at the reference size.
const WIDTH: f64 = 2.0;
/// The radius of the dot that stands for a curve of one point.
const DOT: f64 = 3.0;

/// Draws run `i`'s curve (`points` in axis coordinates, x never decreasing) clipped to the
/// panel, dashed by `dash` where the rest of its bundle passes; a curve that shows a
/// single point is a dot.
pub(super) fn draw_curve<DB: DrawingBackend>(
    area: &DrawingArea<DB, Cartesian2d<super::super::axis::Ticked, super::super::axis::Ticked>>,
    points: &[P],
    i: usize,
    dash: Option<&Dash>,
    win: &Window,
    per_px: [f64; 2],
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let color = run_color(i);
    let mut walked = 0.0;
    for piece in visible_pieces(points, win) {
        let piece = decimate(&column_envelope(piece, win.x[0], per_px[0]), per_px, 0.5);
        if piece.len() == 1 {
            area.draw(&Circle::new(
                (piece[0][0], piece[0][1]),
                sizes.side(DOT),
                color.filled(),
            ))?;
            continue;
        }
        let parts = match dash {
            None => vec![piece],
            Some(dash) => dashed(&piece, win, per_px, &mut walked, |p, at| {
                !dash.crowd.at(p, win, per_px) || dash.draws(at)
            }),
        };
        for part in &parts {
            for part in split_sharp(part, per_px) {
                area.draw(&PathElement::new(
                    part.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
                    color.stroke_width(sizes.side(WIDTH)),
                ))?;
            }
        }
    }
    Ok(())
}

/// The order and dashes that keep every curve of the panel in sight (see `bundle::arrange`;
/// `kin[i]` is the first run whose curve is the very same as run i's).
pub(super) fn arrange_curves(
    series: &[Vec<P>],
    kin: &[usize],
    plot: &MaskPlot,
    sizes: &Sizes,
) -> Result<Arrangement, PlotError> {
    let n = series.len();
    let widths = vec![sizes.side(WIDTH); n];
    // Each curve's mask by the dash it was drawn with: a planning round changes the dashes
    // of the curves it bundles, and the rest are drawn as they were the round before.
    let mut drawn: Vec<Option<(Option<Dash>, Mask)>> = vec![None; n];
    arrange(
        n,
        plot.size,
        kin,
        &widths,
        (sizes.px(3.0), sizes.px(14.0)),
        &mut Vec::new(),
        |dashes, buffer| {
            let mut ink = Vec::with_capacity(n);
            for (i, ((points, dash), drawn)) in
                series.iter().zip(dashes).zip(&mut drawn).enumerate()
            {
                if drawn.as_ref().is_none_or(|(was, _)| was != dash) {
                    let mask = plot.mask(buffer, |area| {
                        draw_curve(area, points, i, dash.as_ref(), plot.win, plot.per_px, sizes)
                    })?;
                    *drawn = Some((dash.clone(), mask));
                }
                let (_, mask) = drawn.as_ref().expect("drawn just now if not before");
                ink.push(mask.clone());
            }
            // A curve has no halo: what it changes is what it draws.
            let cover = ink.clone();
            Ok((ink, cover))
        },
    )
}
