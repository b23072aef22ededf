//! Where the plot goes: equal units on both axes where the window allows, centred in the room
//! the title, the label areas and the colour bar leave, with the legend under the plot when
//! there is room for it there or no corner of the plot is free.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::axis::{Axis, Ticked};
use super::super::clip::inside;
use super::super::{PlotError, Scene};
use super::PlotCoord;
use super::legend::{Below, corner_legend_size, legend_below};
use crate::core::Window;

/// Pixels: label areas and the colour bar beside the plot.
pub(super) const LEFT: u32 = 78;
pub(super) const BOTTOM: u32 = 58;
/// Also the strip above the plot where the animation's step counter goes.
pub(in crate::plot) const TOP_PAD: u32 = 28;
pub(in crate::plot) const RIGHT_PAD: u32 = 12;
pub(in crate::plot) const BAR_GAP: u32 = 22;
pub(super) const BAR_W: u32 = 20;
pub(super) const BAR_LABELS: u32 = 80;

/// Where the chart (the plot and its label areas) and the legend go, in the figure's pixels.
pub(super) struct Placement {
    /// The chart's left edge.
    pub left: i32,
    /// The chart's top edge, below the title.
    pub top: u32,
    /// The plot area's width and height.
    pub plot: (u32, u32),
    /// The legend in columns under the plot, when it goes there.
    pub below: Option<Below>,
}

impl Placement {
    /// The chart's part of the figure: the plot with its label areas and margins.
    pub fn chart_area<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawingArea<DB, Shift> {
        let (pw, ph) = self.plot;
        root.clone().shrink(
            (self.left, self.top as i32),
            (10 + LEFT + pw + RIGHT_PAD, TOP_PAD + ph + BOTTOM),
        )
    }
}

/// Places the plot under a title that ends at `title_bottom`.
pub(super) fn place<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &Scene,
    win: &Window,
    title_bottom: u32,
) -> Result<Placement, PlotError> {
    let (w, h) = root.dim_in_pixel();
    // The plot area: equal units on both axes (so gradients cross contours at right angles),
    // unless the window is so elongated that this would waste more than half the room.
    let avail_w = w
        .saturating_sub(10 + LEFT + RIGHT_PAD + BAR_GAP + BAR_W + BAR_LABELS)
        .max(40) as f64;
    let avail_h = h.saturating_sub(title_bottom + TOP_PAD + BOTTOM).max(40) as f64;
    let (wx, wy) = (win.x[1] - win.x[0], win.y[1] - win.y[0]);
    let fit = |avail_h: f64, may_stretch: bool| {
        let (sx, sy) = (avail_w / wx, avail_h / wy);
        let (pw, ph) = if !may_stretch || (sx / sy <= 2.0 && sy / sx <= 2.0) {
            let s = sx.min(sy);
            (wx * s, wy * s)
        } else {
            (avail_w, avail_h)
        };
        (pw.round().max(20.0) as u32, ph.round().max(20.0) as u32)
    };
    let (mut pw, mut ph) = fit(avail_h, true);
    // A wide window leaves room under the plot: the legend goes there, in columns, rather
    // than over the paths. So it does when every corner of the plot holds a minimum or a
    // saddle point the legend would hide; the plot then shrinks to make room.
    // Otherwise the spare height is split above and below the plot.
    let grid_legend = legend_below(root, scene, w)?;
    let mut spare = avail_h as u32 - ph.min(avail_h as u32);
    let mut below = Some(grid_legend).filter(|b| b.height + 8 <= spare);
    if below.is_none() {
        let (lw, lh) = corner_legend_size(root, scene)?;
        if every_corner_hides_a_marked_point(scene, win, (pw, ph), (lw, lh)) {
            let shrunk = (avail_h - (grid_legend.height + 8) as f64).max(40.0);
            (pw, ph) = fit(shrunk, false);
            spare = avail_h as u32 - ph.min(avail_h as u32);
            below = Some(grid_legend).filter(|b| b.height + 8 <= spare);
        }
    }
    let left = ((avail_w as u32 - pw.min(avail_w as u32)) / 2) as i32;
    let top = match &below {
        Some(b) => title_bottom + (spare - b.height - 8) / 2,
        None => title_bottom + spare / 2,
    };
    Ok(Placement {
        left,
        top,
        plot: (pw, ph),
        below,
    })
}

/// The chart on `chart_area`: the plot with room for the axes' labels around it.
pub(super) fn chart<'a, DB: DrawingBackend>(
    chart_area: &'a DrawingArea<DB, Shift>,
    xa: &Axis,
    ya: &Axis,
) -> Result<ChartContext<'a, DB, PlotCoord>, PlotError> {
    Ok(ChartBuilder::on(chart_area)
        .margin_top(TOP_PAD)
        .margin_right(RIGHT_PAD)
        .margin_left(10)
        .x_label_area_size(BOTTOM)
        .y_label_area_size(LEFT)
        .build_cartesian_2d::<Ticked, Ticked>(xa.ranged(), ya.ranged())?)
}

/// Whether a legend of this size would cover a minimum or saddle in every corner of a plot
/// of `pw × ph` pixels.
fn every_corner_hides_a_marked_point(
    scene: &Scene,
    win: &Window,
    (pw, ph): (u32, u32),
    (lw, lh): (u32, u32),
) -> bool {
    let (pw, ph, lw, lh) = (pw as f64, ph as f64, lw as f64 + 10.0, lh as f64 + 10.0);
    let marked: Vec<(f64, f64)> = scene
        .minima
        .iter()
        .chain(&scene.saddles)
        .filter(|&&m| inside(m, win))
        .map(|m| {
            (
                (m[0] - win.x[0]) / (win.x[1] - win.x[0]) * pw,
                (win.y[1] - m[1]) / (win.y[1] - win.y[0]) * ph,
            )
        })
        .collect();
    let corners = [
        (0.0, 0.0),
        (pw - lw, 0.0),
        (0.0, ph - lh),
        (pw - lw, ph - lh),
    ];
    corners.iter().all(|&(x0, y0)| {
        marked.iter().any(|&(x, y)| {
            x >= x0 - 12.0 && x <= x0 + lw + 12.0 && y >= y0 - 12.0 && y <= y0 + lh + 12.0
        })
    })
}

/// The grid's window, or a unit square if it is degenerate.
pub(super) fn sane_window(w: Window) -> Window {
    let fix = |r: [f64; 2]| {
        if r[0].is_finite() && r[1].is_finite() && r[1] > r[0] {
            r
        } else if r[0].is_finite() {
            [r[0] - 0.5, r[0] + 0.5]
        } else {
            [-1.0, 1.0]
        }
    };
    Window {
        x: fix(w.x),
        y: fix(w.y),
    }
}
