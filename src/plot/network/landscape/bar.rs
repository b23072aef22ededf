//! A landscape panel's colour bar, right of its plot: the colours of its levels, a line at
//! each level, labelled ticks, and "loss" over it. The trajectories figure's bar belongs to
//! that figure's layout; this one is placed per panel.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::super::PlotError;
use super::super::super::colormap::ColorMap;
use super::super::super::levels::Levels;
use super::super::super::style::{FONT, Sizes};
use super::super::super::trajectories::colour_bar::{BarPlace, draw_bar};
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
        let left = px + (pw + self.gap) as i32;
        let place = BarPlace {
            left,
            top,
            width: self.width,
            height,
            tick: self.tick,
            ticks: 5,
        };
        draw_bar(root, levels, &ColorMap::pale(), &place, sizes)?;
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
