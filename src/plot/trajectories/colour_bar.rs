//! The colour bar right of the plot: the background's colours level by level, each contour
//! level's line across it, tick marks with their values, and a caption saying what they
//! measure.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::axis::Axis;
use super::super::colormap::{ColorMap, color_bar};
use super::super::levels::Levels;
use super::super::style::{FONT, Sizes};
use super::super::{PlotError, Scene};
use super::layout::Placement;

/// The bar's axis: the levels' scale, ticked like the plot's axes.
pub(super) fn axis(levels: &Levels) -> Axis {
    if levels.log {
        Axis::log_from_exponents(levels.lo, levels.hi, 8)
    } else {
        Axis::linear(levels.lo, levels.hi, 8)
    }
}

/// Draws the bar beside the plot placed by `place`, as tall as the plot.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
    levels: &Levels,
    map: &ColorMap,
    place: &Placement,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let (px, top, pw, height) = place.plot;
    let m = &place.margins;
    let left = px + (pw + m.bar_gap) as i32;
    let width = m.bar_width;
    if height < 2 || levels.hi <= levels.lo {
        return Ok(());
    }
    if let Some(img) = BitMapElement::with_owned_buffer(
        (left, top),
        (width, height),
        color_bar(map, width, height),
    ) {
        root.draw(&img)?;
    }
    // Scale coordinate to the pixel row (top = hi).
    let row = |s: f64| {
        top + ((levels.hi - s) / (levels.hi - levels.lo) * f64::from(height - 1)).round() as i32
    };
    let right = left + width as i32;
    for value in &levels.values {
        let y = row(levels.scale(*value));
        root.draw(&PathElement::new(
            vec![(left, y), (right, y)],
            map.line_color(levels.unit(*value))
                .mix(0.6)
                .stroke_width(sizes.side(1.0)),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(left, top), (right, top + height as i32)],
        BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
    ))?;
    let bar_axis = axis(levels);
    let label = TextStyle::from((FONT, sizes.tick_font()).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for &t in bar_axis
        .ticks
        .iter()
        .filter(|&&t| t >= levels.lo && t <= levels.hi)
    {
        let y = row(t);
        root.draw(&PathElement::new(
            vec![(right, y), (right + m.tick as i32, y)],
            BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
        ))?;
        root.draw(&Text::new(
            bar_axis.label(t),
            (right + (m.tick + sizes.side(5.0)) as i32, y),
            label.clone(),
        ))?;
    }
    root.draw(&Text::new(
        levels.caption(scene.min_value.is_some()),
        (left + width as i32 / 2, top - sizes.int(8.0)),
        TextStyle::from((FONT, sizes.tick_font()).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    Ok(())
}
