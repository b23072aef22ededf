//! The colour bar right of the plot: the background's colours level by level, each contour
//! level's line across it, its values, and a caption saying what they measure.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::axis::Axis;
use super::super::colormap::{ColorMap, color_bar};
use super::super::levels::Levels;
use super::super::style::{FONT, TICK_SIZE};
use super::super::{PlotError, Scene};
use super::layout::{BAR_GAP, BAR_LABELS, BAR_W, LEFT, Placement, RIGHT_PAD, TOP_PAD};

/// Draws the bar beside the plot placed by `place`, as tall as the plot (`height` pixels).
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
    levels: &Levels,
    map: &ColorMap,
    place: &Placement,
    height: u32,
) -> Result<(), PlotError> {
    let (pw, _) = place.plot;
    let bar_left = place.left + (10 + LEFT + pw + RIGHT_PAD + BAR_GAP) as i32;
    let bar_top = (place.top + TOP_PAD) as i32;
    let bar_area = root
        .clone()
        .shrink((bar_left, bar_top), (BAR_W + BAR_LABELS, height));
    let bar_axis = if levels.log {
        Axis::log_from_exponents(levels.lo, levels.hi, 8)
    } else {
        Axis::linear(levels.lo, levels.hi, 8)
    };
    let mut bar = ChartBuilder::on(&bar_area)
        .right_y_label_area_size(BAR_LABELS)
        .build_cartesian_2d(0f64..1f64, bar_axis.ranged())?;
    let bar_plot = bar.plotting_area().clone();
    let (bw, bh) = bar_plot.dim_in_pixel();
    if let Some(img) =
        BitMapElement::with_owned_buffer((0.0, levels.hi), (bw, bh), color_bar(map, bw, bh))
    {
        bar_plot.draw(&img)?;
    }
    for value in &levels.values {
        let s = levels.scale(*value);
        bar_plot.draw(&PathElement::new(
            vec![(0.0, s), (1.0, s)],
            map.line_color(levels.unit(*value)).mix(0.6).stroke_width(1),
        ))?;
    }
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style((FONT, TICK_SIZE))
        .y_label_formatter(&|v| bar_axis.label(*v))
        .draw()?;
    bar_plot.draw(&Rectangle::new(
        [(0.0, levels.lo), (1.0, levels.hi)],
        BLACK.mix(0.7).stroke_width(1),
    ))?;
    root.draw(&Text::new(
        levels.caption(scene.min_value.is_some()),
        (bar_left + BAR_W as i32 / 2, bar_top - 8),
        TextStyle::from((FONT, TICK_SIZE).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    Ok(())
}
