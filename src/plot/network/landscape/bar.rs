//! A landscape panel's colour bar, right of its plot: the colours of its levels, a line at
//! each level, labelled ticks, and "loss" over it. The trajectories figure's bar belongs to
//! that figure's layout; this one is placed per panel.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::super::PlotError;
use super::super::super::axis::Axis;
use super::super::super::colormap::{ColorMap, color_bar};
use super::super::super::levels::Levels;
use super::super::super::style::{FONT, Sizes};
use super::super::Rect;

/// A panel's colour bar: its levels' colours, a line at each level, labelled ticks, and
/// "loss" over it.
pub(super) struct Bar {
    gap: u32,
    width: u32,
    tick: u32,
    /// Pixels the bar takes right of the plot, its labels included.
    pub room: u32,
}

impl Bar {
    pub(super) fn new<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        sizes: &Sizes,
    ) -> Result<Bar, PlotError> {
        let tick = TextStyle::from((FONT, sizes.tick_font()).into_font());
        let label = root.estimate_text_size("5×10⁻²", &tick)?.0;
        let (gap, width, tick_len) = (sizes.side(10.0), sizes.side(14.0), sizes.side(4.0));
        Ok(Bar {
            gap,
            width,
            tick: tick_len,
            room: gap + width + tick_len + sizes.side(5.0) + label + sizes.side(4.0),
        })
    }

    /// The bar's axis: the levels' scale.
    fn axis(levels: &Levels) -> Axis {
        if levels.log {
            Axis::log_from_exponents(levels.lo, levels.hi, 5)
        } else {
            Axis::linear(levels.lo, levels.hi, 5)
        }
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        levels: &Levels,
        (px, top, pw, height): Rect,
        sizes: &Sizes,
    ) -> Result<Option<Rect>, PlotError> {
        if height < 2 || levels.hi <= levels.lo {
            return Ok(None);
        }
        let map = ColorMap::pale();
        let left = px + (pw + self.gap) as i32;
        if let Some(img) = BitMapElement::with_owned_buffer(
            (left, top),
            (self.width, height),
            color_bar(&map, self.width, height),
        ) {
            root.draw(&img)?;
        }
        let row = |s: f64| {
            top + ((levels.hi - s) / (levels.hi - levels.lo) * f64::from(height - 1)).round() as i32
        };
        let right = left + self.width as i32;
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
        let axis = Bar::axis(levels);
        let label = TextStyle::from((FONT, sizes.tick_font()).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for &t in axis
            .ticks
            .iter()
            .filter(|&&t| t >= levels.lo && t <= levels.hi)
        {
            let y = row(t);
            root.draw(&PathElement::new(
                vec![(right, y), (right + self.tick as i32, y)],
                BLACK.mix(0.7).stroke_width(sizes.side(1.0)),
            ))?;
            root.draw(&Text::new(
                axis.label(t),
                (right + (self.tick + sizes.side(5.0)) as i32, y),
                label.clone(),
            ))?;
        }
        root.draw(&Text::new(
            "loss",
            (left + self.width as i32 / 2, top - sizes.int(4.0)),
            TextStyle::from((FONT, sizes.tick_font()).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        Ok(Some((left, top, self.width, height)))
    }
}
