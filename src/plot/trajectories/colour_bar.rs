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
    axis_with(levels, 8)
}

/// The levels' scale with about `ticks` ticks.
fn axis_with(levels: &Levels, ticks: usize) -> Axis {
    if levels.log {
        Axis::log_from_exponents(levels.lo, levels.hi, ticks)
    } else {
        Axis::linear(levels.lo, levels.hi, ticks)
    }
}

/// Where a colour bar goes, in the figure's pixels, and how it is ticked.
pub(crate) struct BarPlace {
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
    /// The tick marks' length.
    pub tick: u32,
    /// About how many ticks.
    pub ticks: usize,
}

/// A colour bar without its caption: `map`'s colours over `levels`' range (the top is the
/// highest), a line at each level, a frame, and labelled ticks right of it. The
/// trajectories figure's and each landscape panel's.
pub(crate) fn draw_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    levels: &Levels,
    map: &ColorMap,
    place: &BarPlace,
    sizes: &Sizes,
) -> Result<(), PlotError> {
    let BarPlace {
        left,
        top,
        width,
        height,
        tick,
        ticks,
    } = *place;
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
    let bar_axis = axis_with(levels, ticks);
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
            vec![(right, y), (right + tick as i32, y)],
            BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
        ))?;
        root.draw(&Text::new(
            bar_axis.label(t),
            (right + (tick + sizes.side(5.0)) as i32, y),
            label.clone(),
        ))?;
    }
    Ok(())
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
    let bar = BarPlace {
        left,
        top,
        width,
        height,
        tick: m.tick,
        ticks: 8,
    };
    draw_bar(root, levels, map, &bar, sizes)?;
    root.draw(&Text::new(
        levels.caption(scene.min_value.is_some()),
        (left + width as i32 / 2, top - sizes.int(8.0)),
        TextStyle::from((FONT, sizes.tick_font()).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    Ok(())
}
