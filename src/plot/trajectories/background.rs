//! What lies under the paths: the filled background, the axes, the contour lines, the known
//! minima and saddle points; and the frame drawn over it all.

use plotters::prelude::*;

use super::super::axis::Axis;
use super::super::clip::{decimate, inside};
use super::super::contours::Polyline;
use super::super::parts::{Glyph, Marker};
use super::super::style::{AXIS_DESC_SIZE, FONT, TICK_SIZE};
use super::super::{PlotError, Scene};
use super::PlotCoord;
use crate::core::Window;

/// The background raster of the plot area's size, its top-left corner at the window's.
pub(super) fn draw_raster<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    raster: Vec<u8>,
    win: &Window,
) -> Result<(), PlotError> {
    let size = area.dim_in_pixel();
    if let Some(img) = BitMapElement::with_owned_buffer((win.x[0], win.y[1]), size, raster) {
        area.draw(&img)?;
    }
    Ok(())
}

/// The axes, their ticks and labels; no grid lines.
pub(super) fn draw_axes<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, PlotCoord>,
    xa: &Axis,
    ya: &Axis,
) -> Result<(), PlotError> {
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, AXIS_DESC_SIZE))
        .x_label_formatter(&|v| xa.label(*v))
        .y_label_formatter(&|v| ya.label(*v))
        .draw()?;
    Ok(())
}

/// The contour lines, thinned to half a pixel.
pub(super) fn draw_contours<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    lines: &[Vec<Polyline>],
    per_px: [f64; 2],
) -> Result<(), PlotError> {
    // Neutral lines: the background already carries the value, the lines carry the shape.
    let color = RGBColor(40, 40, 60).mix(0.38);
    for line in lines.iter().flatten() {
        let line = decimate(line, per_px, 0.5);
        area.draw(&PathElement::new(
            line.into_iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
            color.stroke_width(1),
        ))?;
    }
    Ok(())
}

/// Known stationary points, drawn under the paths (which often end on them).
pub(super) fn draw_marked_points<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    scene: &Scene,
    win: &Window,
) -> Result<(), PlotError> {
    for &m in &scene.minima {
        if inside(m, win) {
            area.draw(&Marker::new((m[0], m[1]), Glyph::Star, 11, WHITE, BLACK))?;
        }
    }
    for &s in &scene.saddles {
        if inside(s, win) {
            area.draw(&Marker::new((s[0], s[1]), Glyph::Diamond, 8, WHITE, BLACK))?;
        }
    }
    Ok(())
}

/// The plot's frame, over the paths and the legend.
pub(super) fn draw_frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, PlotCoord>,
    win: &Window,
) -> Result<(), PlotError> {
    area.draw(&Rectangle::new(
        [(win.x[0], win.y[0]), (win.x[1], win.y[1])],
        BLACK.mix(0.7).stroke_width(1),
    ))?;
    Ok(())
}
