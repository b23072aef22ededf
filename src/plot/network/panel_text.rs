//! Text that the network figures' panels share: a line shrunk to fit its room, and a
//! panel's two-line heading (the run's name, then what the panel measures), so the
//! boundaries and landscape panels read alike.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::PlotError;
use super::super::style::{FONT, Sizes};

/// The font sizes of a panel's two heading lines: the run's name, what it measures.
pub(super) fn heading_fonts(sizes: &Sizes) -> [f64; 2] {
    [sizes.legend_font() * 1.1, sizes.tick_font()]
}

/// A line's height at a font size.
pub(super) fn line_height(size: f64) -> u32 {
    (size / 1.24 * 1.3).round() as u32
}

/// The height of a panel's heading.
pub(super) fn heading_height(sizes: &Sizes) -> u32 {
    heading_fonts(sizes).iter().map(|&f| line_height(f)).sum()
}

/// Writes `text` centred at `(centre, y)`, shrunk (down to two thirds of `size`) to fit
/// `room` pixels.
pub(super) fn fitted<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (centre, y): (i32, i32),
    size: f64,
    room: u32,
    color: RGBColor,
) -> Result<(), PlotError> {
    let mut font = size;
    while font > size * 2.0 / 3.0
        && root
            .estimate_text_size(text, &TextStyle::from((FONT, font).into_font()))?
            .0
            > room
    {
        font *= 0.95;
    }
    let style = TextStyle::from((FONT, font).into_font())
        .color(&color)
        .pos(Pos::new(HPos::Center, VPos::Top));
    root.draw(&Text::new(text, (centre, y), style))?;
    Ok(())
}

/// A panel's heading in [`heading_height`]: `lines` (the run's name, then what the panel
/// measures) centred over the panel, each shrunk to its width when long.
pub(super) fn panel_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lines: [&str; 2],
    (left, top, width): (i32, i32, u32),
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let centre = left + width as i32 / 2;
    let room = width.saturating_sub(sizes.side(8.0));
    let mut y = top;
    for (text, size) in lines.into_iter().zip(heading_fonts(sizes)) {
        fitted(root, text, (centre, y), size, room, BLACK)?;
        y += line_height(size) as i32;
    }
    Ok(())
}

/// The top-left corner of panel `k` of `count` in a grid of `columns` cells of `cell_w` ×
/// `row_h` pixels starting at (`margin`, `top`); the last row's panels centred under the
/// full rows.
pub(super) fn cell_origin(
    k: usize,
    count: usize,
    columns: usize,
    (cell_w, row_h): (u32, u32),
    (margin, top): (u32, u32),
) -> (i32, i32) {
    let (column, row) = (k % columns, k / columns);
    let in_row = (count - row * columns).min(columns);
    let offset = (columns - in_row) as u32 * cell_w / 2;
    let left = margin as i32 + offset as i32 + (column as u32 * cell_w) as i32;
    (left, top as i32 + (row as u32 * row_h) as i32)
}
