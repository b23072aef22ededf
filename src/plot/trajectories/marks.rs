//! The marks that carry the lesson: the known minima, the saddle points and where the runs
//! start. They are drawn last, over every path, so nothing ever covers them; a start is one
//! neutral dot however many runs share it, as the legend shows it.

use plotters::prelude::*;

use super::super::clip::{P, inside};
use super::super::parts::{Glyph, Marker};
use super::super::style::Sizes;
use super::super::{PlotError, Scene};
use super::PlotCoord;
use super::paths::RunPath;
use crate::core::Window;

/// The start dot's colours, on the plot and in the legend.
pub(in crate::plot) const START_FILL: RGBColor = RGBColor(50, 50, 50);
pub(in crate::plot) const START_EDGE: RGBColor = RGBColor(255, 255, 255);

/// One mark at a point of the plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::plot) struct Mark {
    pub at: P,
    pub glyph: Glyph,
    /// Radius in pixels.
    pub size: i32,
    pub fill: RGBColor,
    pub edge: RGBColor,
}

impl Mark {
    pub fn marker(&self) -> Marker<(f64, f64)> {
        Marker::new(
            (self.at[0], self.at[1]),
            self.glyph,
            self.size,
            self.fill,
            self.edge,
        )
    }
}

/// The colour of an end shared by several runs.
pub(in crate::plot) const SHARED_END: RGBColor = RGBColor(70, 70, 70);

/// The shared ends (one neutral cross where several runs stop), minima, saddle points and
/// distinct starts inside the window, starts last (on top).
pub(super) fn marks(
    scene: &Scene,
    runs: &[RunPath],
    shared_ends: &[usize],
    win: &Window,
    sizes: &Sizes,
) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::new();
    for &i in shared_ends {
        if let Some(&p) = runs[i].points.last()
            && !out.iter().any(|m| m.at == p)
        {
            out.push(Mark {
                at: p,
                glyph: Glyph::Cross,
                size: sizes.int(7.0),
                fill: SHARED_END,
                edge: SHARED_END,
            });
        }
    }
    for &m in scene.minima.iter().filter(|&&m| inside(m, win)) {
        out.push(Mark {
            at: m,
            glyph: Glyph::Star,
            size: sizes.int(11.0),
            fill: WHITE,
            edge: BLACK,
        });
    }
    for &s in scene.saddles.iter().filter(|&&s| inside(s, win)) {
        out.push(Mark {
            at: s,
            glyph: Glyph::Diamond,
            size: sizes.int(8.0),
            fill: WHITE,
            edge: BLACK,
        });
    }
    let mut starts: Vec<P> = Vec::new();
    for run in runs {
        if let Some(&p) = run.points.first()
            && inside(p, win)
            && !starts.contains(&p)
        {
            starts.push(p);
        }
    }
    out.extend(starts.into_iter().map(|p| Mark {
        at: p,
        glyph: Glyph::Dot,
        size: sizes.int(6.0),
        fill: START_FILL,
        edge: START_EDGE,
    }));
    out
}

pub(in crate::plot) fn draw_marks<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    marks: &[Mark],
) -> Result<(), PlotError> {
    for mark in marks {
        area.draw(&mark.marker())?;
    }
    Ok(())
}
