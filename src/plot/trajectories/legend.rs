//! The legend: the runs, then what the markers mean. Inside the plot where it covers no
//! path, marker, minimum, saddle or start (measured on the masks the paths were planned
//! with); when no such place is free, under the plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::clip::inside;
use super::super::coverage::{Mask, Occupancy};
use super::super::parts::{Entry, Glyph, LegendBox};
use super::super::style::Sizes;
use super::super::{PlotError, Scene};
use super::marks::{Mark, START_EDGE, START_FILL};
use super::paths::{End, Plan, RunPath, end_marker};
use crate::core::{Status, Window};

/// The legend's entries: each run in its colour, then the markers that show.
pub(super) fn entries(
    scene: &Scene,
    runs: &[RunPath],
    plan: &Plan,
    marks: &[Mark],
    win: &Window,
    sizes: &Sizes,
) -> Vec<Entry> {
    let mut out: Vec<Entry> = scene
        .runs
        .iter()
        .zip(&plan.styles)
        .map(|(run, style)| {
            let mut text = if run.legend.is_empty() {
                run.label.to_string()
            } else {
                run.legend.clone()
            };
            if let Status::Diverged { step } = run.trace.status {
                text.push_str(&format!(" (diverged at step {step})"));
            }
            Entry {
                text,
                glyph: Glyph::Line,
                size: sizes.int(12.0),
                fill: style.color,
                edge: style.color,
            }
        })
        .collect();
    let grey = RGBColor(70, 70, 70);
    let shared_end = marks.iter().any(|m| m.glyph == Glyph::Cross);
    let ends: Vec<End> = runs
        .iter()
        .zip(&plan.styles)
        .filter_map(|(run, style)| end_marker(&run.points, style, run.status, win).map(|m| m.1))
        .collect();
    let any_snapshot = runs.iter().any(|run| {
        run.snapshots
            .iter()
            .any(|&row| run.points.get(row).is_some_and(|p| inside(*p, win)))
    });
    let mut key = |show: bool, text: &str, glyph: Glyph, size: f64, fill, edge| {
        if show {
            out.push(Entry {
                text: text.to_string(),
                glyph,
                size: sizes.int(size),
                fill,
                edge,
            });
        }
    };
    let has = |glyph: Glyph| marks.iter().any(|m| m.glyph == glyph);
    key(
        has(Glyph::Dot),
        "start",
        Glyph::Dot,
        6.0,
        START_FILL,
        START_EDGE,
    );
    key(
        ends.contains(&End::Reached) || shared_end,
        "end",
        Glyph::Cross,
        6.0,
        grey,
        grey,
    );
    key(
        ends.contains(&End::LeftPlot),
        "diverged: last point in view",
        Glyph::Triangle,
        8.0,
        grey,
        BLACK,
    );
    key(any_snapshot, "snapshot", Glyph::Ring, 7.0, grey, grey);
    key(has(Glyph::Star), "minimum", Glyph::Star, 10.0, WHITE, BLACK);
    key(
        has(Glyph::Diamond),
        "saddle point",
        Glyph::Diamond,
        7.0,
        WHITE,
        BLACK,
    );
    out
}

/// A legend and the plot-relative position of its top-left corner.
pub(super) type Placed = (LegendBox, (i32, i32));

/// A legend inside the plot, at a place free of data: the largest font and fewest columns
/// that fit somewhere, with the plot-relative position of its top-left corner.
pub(super) fn inside_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    occupied: &[&Mask],
    plot: (u32, u32),
    sizes: &Sizes,
) -> Result<Option<Placed>, PlotError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let occupancy = Occupancy::new(plot.0, plot.1, occupied);
    for shrink in [1.0, 0.9, 0.8] {
        for columns in 1..=3 {
            let legend = LegendBox::measure(
                root,
                entries.to_vec(),
                sizes.legend_font() * shrink,
                columns,
            )?;
            let place = occupancy.free_place(legend.size(), sizes.side(8.0), sizes.side(5.0));
            if let Some(at) = place {
                return Ok(Some((legend, at)));
            }
        }
    }
    Ok(None)
}

/// The legend under the plot, in as many columns as the figure's width holds, at the
/// largest font (of three) whose legend is no more than a tenth taller than the shortest:
/// every row it saves is height the plot keeps.
pub(super) fn under_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    width: u32,
    sizes: &Sizes,
) -> Result<LegendBox, PlotError> {
    let mut candidates = Vec::new();
    for shrink in [1.0, 0.9, 0.8] {
        let font = sizes.legend_font() * shrink;
        let mut legend = LegendBox::measure(root, entries.to_vec(), font, 1)?;
        for columns in 2..=4 {
            let wider = LegendBox::measure(root, entries.to_vec(), font, columns)?;
            if wider.size().0 + sizes.side(8.0) > width {
                break;
            }
            legend = wider;
        }
        candidates.push(legend);
    }
    let shortest = candidates.iter().map(|l| l.size().1).min().unwrap_or(0);
    let limit = f64::from(shortest) * 1.1;
    let index = candidates
        .iter()
        .position(|l| f64::from(l.size().1) <= limit)
        .unwrap_or(0);
    Ok(candidates.swap_remove(index))
}
