//! Where the plot goes: under the title, with room for the axes' labels on the left and
//! below, and for the colour bar on the right; nothing else around it, so no empty bands.
//! Equal units on both axes (gradients then cross contours at right angles) unless that
//! leaves the plot less than [`PLOT_SHARE`] of the canvas or the units differ by less than a
//! third anyway: then the plot fills its room. A legend that finds no free place inside the
//! plot goes under it, and the plot gives up that height.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::axis::{Axis, Ticked};
use super::super::parts::LegendBox;
use super::super::style::{FONT, Sizes};
use super::super::{PlotError, Scene};
use super::PlotCoord;
use crate::core::Window;

/// The share of the canvas the plot area aims for (60% is promised, the rest is margin).
pub(in crate::plot) const PLOT_SHARE: f64 = 0.62;
/// Units on the two axes may differ by this factor before the plot gives up filling its
/// room for equal units.
const MOST_STRETCH: f64 = 1.34;

/// The margins around the plot, in pixels, from the sizes and the labels they hold.
#[derive(Clone, Copy, Debug)]
pub(in crate::plot) struct Margins {
    /// Left of the plot: the y tick labels and the y axis' name.
    pub left: u32,
    /// Below the plot: the x tick labels and the x axis' name.
    pub bottom: u32,
    /// Above the plot: the colour bar's caption and the animation's step counter.
    pub strip: u32,
    /// Right of the plot up to the colour bar.
    pub bar_gap: u32,
    pub bar_width: u32,
    /// Right of the bar: its tick marks, labels and the figure's edge.
    pub bar_labels: u32,
    pub tick: u32,
}

impl Margins {
    /// The margins for a figure whose y ticks and colour-bar ticks read `y_labels` and
    /// `bar_labels`.
    pub fn new(
        sizes: &Sizes,
        text_width: &dyn Fn(&str, f64) -> u32,
        y_labels: &[String],
        bar_labels: &[String],
    ) -> Margins {
        let tick_font = sizes.tick_font();
        let widest = |labels: &[String]| {
            labels
                .iter()
                .map(|l| text_width(l, tick_font))
                .max()
                .unwrap_or(0)
        };
        let tick_px = (tick_font / 1.24).ceil() as u32;
        let desc_px = (sizes.axis_desc_font() / 1.24).ceil() as u32;
        let tick = sizes.side(5.0);
        Margins {
            left: sizes.side(6.0)
                + desc_px
                + sizes.side(10.0)
                + widest(y_labels)
                + tick
                + sizes.side(6.0),
            bottom: tick + sizes.side(6.0) + tick_px + sizes.side(10.0) + desc_px + sizes.side(8.0),
            strip: tick_px + sizes.side(14.0),
            bar_gap: sizes.side(18.0),
            bar_width: sizes.side(18.0),
            bar_labels: tick + sizes.side(5.0) + widest(bar_labels) + sizes.side(10.0),
            tick,
        }
    }

    /// Pixels beside and above/below the plot that the margins take: (across, down), the
    /// title not included.
    pub fn overhead(&self) -> (u32, u32) {
        (
            self.left + self.bar_gap + self.bar_width + self.bar_labels,
            self.strip + self.bottom,
        )
    }
}

/// Where the plot and the legend under it go, in the figure's pixels.
pub(super) struct Placement {
    pub margins: Margins,
    /// The plot area: left, top, width, height.
    pub plot: (i32, i32, u32, u32),
    /// The legend under the plot, when it goes there, with its top-left corner.
    pub below: Option<(LegendBox, (i32, i32))>,
}

impl Placement {
    /// The chart's part of the figure: the plot with its label areas.
    pub fn chart_area<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawingArea<DB, Shift> {
        let (x, y, pw, ph) = self.plot;
        let m = &self.margins;
        root.clone().shrink(
            (x - m.left as i32, y - m.strip as i32),
            (m.left + pw, m.strip + ph + m.bottom),
        )
    }
}

/// Places the plot under a title that ends at `title_bottom`, with `below` (a legend) under
/// it if given.
pub(super) fn place(
    (w, h): (u32, u32),
    win: &Window,
    margins: Margins,
    title_bottom: u32,
    below: Option<LegendBox>,
    sizes: &Sizes,
) -> Placement {
    let (across, down) = margins.overhead();
    let legend_h = below.as_ref().map_or(0, |b| b.size().1 + sizes.side(4.0));
    let avail_w = f64::from(w.saturating_sub(across).max(20));
    let avail_h = f64::from(
        h.saturating_sub(title_bottom + down + legend_h + sizes.side(2.0))
            .max(20),
    );
    let (wx, wy) = (win.x[1] - win.x[0], win.y[1] - win.y[0]);
    let (pw, ph) = plot_size((avail_w, avail_h), (wx, wy), f64::from(w) * f64::from(h));
    let (pw, ph) = (pw.round() as u32, ph.round() as u32);
    let left = margins.left + (avail_w as u32).saturating_sub(pw) / 2;
    let top = title_bottom + margins.strip + (avail_h as u32).saturating_sub(ph) / 2;
    let below = below.map(|legend| {
        let (lw, _) = legend.size();
        let x = (left as i32 + pw as i32 / 2 - lw as i32 / 2).max(sizes.int(4.0));
        let y = (top + ph + margins.bottom) as i32;
        (legend, (x, y))
    });
    Placement {
        margins,
        plot: (left as i32, top as i32, pw, ph),
        below,
    }
}

/// The plot's size in a room of `avail` pixels for a window of `span` data units.
fn plot_size(avail: (f64, f64), span: (f64, f64), canvas: f64) -> (f64, f64) {
    let (aw, ah) = avail;
    let (sx, sy) = (aw / span.0, ah / span.1);
    if sx / sy <= MOST_STRETCH && sy / sx <= MOST_STRETCH {
        return (aw, ah);
    }
    let s = sx.min(sy);
    let (mut pw, mut ph) = (span.0 * s, span.1 * s);
    // Equal units leave a band: stretch the short side as far as the share asks.
    let want = PLOT_SHARE * canvas;
    if pw * ph < want {
        if pw < aw {
            pw = (want / ph).min(aw);
        } else {
            ph = (want / pw).min(ah);
        }
    }
    (pw, ph)
}

/// The chart on `chart_area`: the plot with room for the axes' labels around it.
pub(super) fn chart<'a, DB: DrawingBackend>(
    chart_area: &'a DrawingArea<DB, Shift>,
    margins: &Margins,
    xa: &Axis,
    ya: &Axis,
) -> Result<ChartContext<'a, DB, PlotCoord>, PlotError> {
    Ok(ChartBuilder::on(chart_area)
        .margin_top(margins.strip)
        .x_label_area_size(margins.bottom)
        .y_label_area_size(margins.left)
        .build_cartesian_2d::<Ticked, Ticked>(xa.ranged(), ya.ranged())?)
}

/// The axes for a plot of `pw × ph` pixels over `win`.
pub(super) fn axes(win: &Window, (pw, ph): (u32, u32), sizes: &Sizes) -> (Axis, Axis) {
    let spacing = |reference: f64| sizes.px(reference).max(1.0);
    (
        Axis::linear(
            win.x[0],
            win.x[1],
            (f64::from(pw) / spacing(90.0)).clamp(3.0, 11.0) as usize,
        ),
        Axis::linear(
            win.y[0],
            win.y[1],
            (f64::from(ph) / spacing(80.0)).clamp(3.0, 11.0) as usize,
        ),
    )
}

/// The width of `text` at font size `size`, as the figure's backend measures it.
pub(super) fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> u32 {
    root.estimate_text_size(text, &TextStyle::from((FONT, size).into_font()))
        .map_or(0, |(w, _)| w)
}

/// The figure's heading: the experiment's name and the formula, either when the other is
/// empty.
pub(in crate::plot) fn heading(scene: &Scene) -> String {
    if scene.title.is_empty() {
        scene.formula.clone()
    } else if scene.formula.is_empty() {
        scene.title.clone()
    } else {
        format!("{} — {}", scene.title, scene.formula)
    }
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
