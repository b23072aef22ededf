//! Planning the learning-rate curves so that every row stays in sight: the drawing order,
//! which curves go dashed on top, and the masks of what each draws (which the legend's
//! placement reads too).

use plotters::prelude::*;

use super::{Geometry, Layer, PlotCoord, RowCurve, RowStyle, draw_row};
use crate::plot::PlotError;
use crate::plot::coverage::{Mask, Overlaps};
use crate::plot::raster::Bitmap;
use crate::plot::style::{Sizes, run_color};
use crate::plot::sweep::Rect;

/// A curve of which less than this share stays in sight under the others is dashed and
/// drawn over them.
const VISIBLE_ENOUGH: f64 = 0.6;

/// The drawing order and dashes that keep every row in sight, with the masks they were
/// measured on.
pub(super) struct Plan {
    /// Rows from first drawn to last.
    pub(super) order: Vec<usize>,
    pub(super) styles: Vec<RowStyle>,
    pub(super) visible: Vec<f64>,
    /// By row: its line and marks; its band.
    pub(super) ink: Vec<Mask>,
    pub(super) bands: Vec<Mask>,
}

pub(super) fn plan(curves: &[RowCurve], g: &Geometry, sizes: &Sizes) -> Result<Plan, PlotError> {
    let mut buffer = Vec::new();
    let mut styles: Vec<RowStyle> = (0..curves.len())
        .map(|i| RowStyle {
            color: run_color(i),
            dashed: false,
        })
        .collect();
    let ink_of = |c: &RowCurve, s: &RowStyle, buffer: &mut Vec<u8>| {
        mask(g, buffer, |area| {
            draw_row(area, c, s, Layer::Line, sizes)?;
            draw_row(area, c, s, Layer::Marks, sizes)
        })
    };
    let mut ink = Vec::with_capacity(curves.len());
    let mut bands = Vec::with_capacity(curves.len());
    for (c, s) in curves.iter().zip(&styles) {
        ink.push(ink_of(c, s, &mut buffer)?);
        bands.push(mask(g, &mut buffer, |area| {
            draw_row(area, c, s, Layer::Band, sizes)
        })?);
    }
    let overlaps = Overlaps::new(&ink, &ink);
    let mut order = overlaps.best_order();
    let alone: Vec<usize> = (0..ink.len()).collect();
    let visible = overlaps.visible_fractions(&order, &alone);
    let hidden: Vec<usize> = (0..curves.len())
        .filter(|&i| visible[i] < VISIBLE_ENOUGH)
        .collect();
    if hidden.is_empty() {
        return Ok(Plan {
            order,
            styles,
            visible,
            ink,
            bands,
        });
    }
    // Dashed on top: what lies under a hidden curve shows between its dashes.
    order.retain(|i| !hidden.contains(i));
    order.extend(&hidden);
    for &i in &hidden {
        styles[i].dashed = true;
        ink[i] = ink_of(&curves[i], &styles[i], &mut buffer)?;
    }
    let visible = Overlaps::new(&ink, &ink).visible_fractions(&order, &alone);
    Ok(Plan {
        order,
        styles,
        visible,
        ink,
        bands,
    })
}

/// The pixels `draw` touches on a blank plot, drawn with the plot's own mapping.
fn mask(
    g: &Geometry,
    buffer: &mut Vec<u8>,
    draw: impl FnOnce(&DrawingArea<Bitmap<'_>, PlotCoord>) -> Result<(), PlotError>,
) -> Result<Mask, PlotError> {
    let (_, _, w, h) = g.plot;
    Mask::render(w, h, buffer, |root| {
        let coord = PlotCoord::new(
            g.xa.ranged(),
            g.ya.ranged(),
            (0..w as i32 - 1, h as i32 - 1..0),
        );
        draw(&root.apply_coord_spec(coord))
    })
}

/// The strip's pixels, as a mask: the legend keeps out of it.
pub(super) fn strip_mask(g: &Geometry) -> Mask {
    let (_, _, w, h) = g.plot;
    Mask {
        width: w,
        height: h,
        pixels: (0..g.strip.min(h) * w).collect(),
    }
}

/// Pixels of data (every row's ink and band) under the legend's box.
pub(super) fn covered(plan: &Plan, (px, py, pw, _): Rect, (lx, ly, lw, lh): Rect) -> usize {
    let mut pixels: Vec<u32> = plan
        .ink
        .iter()
        .chain(&plan.bands)
        .flat_map(|m| m.pixels.iter().copied())
        .filter(|&p| {
            let (x, y) = (px + (p % pw) as i32, py + (p / pw) as i32);
            x >= lx && x < lx + lw as i32 && y >= ly && y < ly + lh as i32
        })
        .collect();
    pixels.sort_unstable();
    pixels.dedup();
    pixels.len()
}
