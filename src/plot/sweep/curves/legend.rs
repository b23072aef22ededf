//! The learning-rate curves' legend: a line per row with its best learning rate, then what
//! the marks mean.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::PlotError;
use crate::plot::parts::{Entry, Glyph, LegendBox};
use crate::plot::style::{Sizes, run_color};
use crate::plot::sweep::{SweepScene, lr_label};

/// The legend's font: smaller when it has many entries, so it keeps few rows.
pub(super) fn legend_font(entries: &[Entry], sizes: &Sizes) -> f64 {
    sizes.legend_font() * if entries.len() > 8 { 0.85 } else { 1.0 }
}

/// The legend: a line per row (its best learning rate, or that every one diverged; ⚠ where
/// the best is at an end of the range), then what the marks mean.
pub(super) fn entries(scene: &SweepScene, any_diverged: bool, sizes: &Sizes) -> Vec<Entry> {
    let mut entries: Vec<Entry> = scene
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let best = row.best.and_then(|b| row.cells.get(b));
            let text = match best {
                Some(cell) if row.at_edge => {
                    format!("{}: best {} ⚠ end of range", row.label, lr_label(cell.lr))
                }
                Some(cell) => format!("{}: best {}", row.label, lr_label(cell.lr)),
                None if row.cells.iter().all(|c| c.median == f64::INFINITY) => {
                    format!("{}: every lr diverged", row.label)
                }
                None => format!("{}: {}", row.label, scene.unreached),
            };
            Entry {
                text,
                glyph: Glyph::Line,
                size: sizes.int(12.0),
                fill: run_color(i),
                edge: run_color(i),
            }
        })
        .collect();
    let mark = RGBColor(60, 60, 60);
    entries.push(Entry {
        text: "best learning rate".into(),
        glyph: Glyph::Dot,
        size: sizes.int(6.0),
        fill: mark,
        edge: BLACK,
    });
    if any_diverged {
        let text = if scene.seeds > 1 {
            "diverged (half or more of the seeds)"
        } else {
            "diverged"
        };
        entries.push(Entry {
            text: text.into(),
            glyph: Glyph::Cross,
            size: sizes.int(5.0),
            fill: mark,
            edge: mark,
        });
    }
    // A line that breaks off has cells without a value: say why, with no mark of its own
    // (the sample is drawn in the legend's white).
    if scene
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .any(|c| c.median.is_nan())
    {
        entries.push(Entry {
            text: format!("no line: {}", scene.unreached),
            glyph: Glyph::Line,
            size: sizes.int(12.0),
            fill: WHITE,
            edge: WHITE,
        });
    }
    entries
}

/// The legend above the plot, in as many columns (up to four) as the width holds.
pub(super) fn legend_above<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    sizes: &Sizes,
) -> Result<LegendBox, PlotError> {
    let width = root.dim_in_pixel().0.saturating_sub(sizes.side(16.0));
    let font = legend_font(entries, sizes);
    LegendBox::widest_fitting(root, entries, font, width)
}
