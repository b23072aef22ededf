//! The sweep figures: `heatmap` (optimizer × learning rate, coloured by the median metric)
//! and `lr_curves` (the metric against the learning rate, one curve per optimizer).
//!
//! Both read a [`SweepScene`], already reduced to medians and quartiles per cell: nothing here
//! knows runs or seeds beyond their counts. They share the metric's scale (`scale.rs`: log,
//! or an honest fallback) and the learning-rate axis (`lr.rs`: one log axis for every row,
//! each cell at its true learning rate); `heatmap.rs` and `curves.rs` draw one figure each.

mod axis;
mod curves;
mod heatmap;
mod lr;
mod scale;

#[cfg(test)]
use plotters::coord::Shift;
#[cfg(test)]
use plotters::prelude::*;

use super::{Canvas, Format, PlotError, figure, render_with};

pub use axis::AxisScene;

/// What the sweep figures show.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepScene {
    /// The experiment's name, e.g. "sweep_rosenbrock".
    pub title: String,
    /// What is measured, for the colour bar and the y axis, e.g. "final loss" or "steps to
    /// tolerance".
    pub metric: String,
    /// Over how many seeds each cell's median is taken (1: no band, no "median of").
    pub seeds: usize,
    /// What a cell without a value means (median NaN: its runs did not diverge, yet the
    /// metric has no value, e.g. "tolerance not reached in 2000 steps"); shown in the key.
    pub unreached: String,
    /// The metric is drawn on a log scale when it is a loss; linear for step counts. When log
    /// is asked but some finite value is ≤ 0 (an unbounded surface's loss goes negative), the
    /// figures fall back to a symmetric-log axis and say so in the caption.
    pub log_metric: bool,
    /// Higher values are better (validation accuracy): the captions say so, and a curve ends
    /// at a diverged learning rate instead of rising into the strip of × marks above the data
    /// (for an accuracy, up is where the best values are).
    pub higher_is_better: bool,
    /// One per optimizer variant, in file order.
    pub rows: Vec<SweepRow>,
    pub width: u32,
    pub height: u32,
    /// `[plot] scale`: fonts, lines and markers this many times their size for the canvas.
    pub scale: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// "adam", or "sgd momentum=0.5" when a second grid axis is swept.
    pub label: String,
    /// Ascending lr, log-spaced over the row's own range (rows may have different ranges).
    pub cells: Vec<SweepCell>,
    /// The best lr's index; None when every lr diverged.
    pub best: Option<usize>,
    /// The best lr is the first or last of the range: the range may be too narrow.
    pub at_edge: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepCell {
    pub lr: f64,
    /// Median of the metric over seeds; +inf when half or more of its runs diverged
    /// (diverged runs count as +inf, worst); NaN when it has no value although they did not
    /// diverge (see [`SweepScene::unreached`]): drawn as such, never as a divergence.
    pub median: f64,
    /// Quartiles over seeds (linear interpolation); may be +inf.
    pub q25: f64,
    pub q75: f64,
    /// Runs of this cell that diverged, of `runs`.
    pub diverged: usize,
    pub runs: usize,
}

impl SweepScene {
    /// The metric as the colour bar and the y axis name it: with "higher is better" where it
    /// is (a loss or a step count is read lower-is-better, as everywhere in optplay).
    fn metric_caption(&self) -> String {
        if self.higher_is_better {
            format!("{} (higher is better)", self.metric)
        } else {
            self.metric.clone()
        }
    }
}

impl Canvas for SweepScene {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// optimizer × lr, coloured by the median metric; diverged cells marked; PNG bytes or SVG
/// text (Format::Gif is a PlotError).
pub fn heatmap(scene: &SweepScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &Heatmap)
}

/// The metric against lr per row: median line with a q25–q75 band when seeds > 1, the best
/// lr marked; diverged lrs marked at the top edge, so "too high" is visible.
pub fn lr_curves(scene: &SweepScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &Curves)
}

/// Each run's metric at its best lr against the sweep's one further axis (`axis.rs`).
pub fn axis_curves(scene: &AxisScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &AxisCurves)
}

figure!(Heatmap, SweepScene, heatmap::draw);

figure!(AxisCurves, AxisScene, axis::draw);

figure!(Curves, SweepScene, curves::draw);

/// A rectangle in the figure's pixels: left, top, width, height.
type Rect = (i32, i32, u32, u32);

/// The figure's heading: the experiment's name, what the figure shows, and over how many
/// seeds its medians are taken.
fn heading(scene: &SweepScene, shows: &str) -> String {
    let what = if scene.seeds > 1 {
        format!("{shows}, median of {} seeds", scene.seeds)
    } else {
        shows.to_string()
    };
    if scene.title.is_empty() {
        what
    } else {
        format!("{} — {what}", scene.title)
    }
}

/// A learning rate for people, in three significant digits as the axes write numbers:
/// plain decimals from 0.001 to 1000 (`0.00178`, `3.16`), powers of ten beyond
/// (`7.5×10⁻⁵`). A sweep's rates are log-spaced, so their full digits say nothing.
fn lr_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return super::style::minus(format!("{v}"));
    }
    let mut e = v.abs().log10().floor() as i32;
    let mut m = (v / 10f64.powi(e) * 100.0).round() / 100.0;
    if m.abs() >= 10.0 {
        m /= 10.0;
        e += 1;
    }
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let text = if (-3..4).contains(&e) {
        let decimals = (2 - e).max(0) as usize;
        trim(format!("{:.decimals$}", m * 10f64.powi(e)))
    } else {
        format!(
            "{}×10{}",
            trim(format!("{m:.2}")),
            super::style::superscript(i64::from(e))
        )
    };
    super::style::minus(text)
}

/// A figure drawn into an RGB buffer as its PNG is, with what its drawing returned: for the
/// tests, which check pixels where the layout says something is.
#[cfg(test)]
fn raster<T>(
    scene: &SweepScene,
    draw: impl FnOnce(&DrawingArea<super::raster::Bitmap<'_>, Shift>) -> Result<T, PlotError>,
) -> Result<(Vec<u8>, T), PlotError> {
    super::style::register_fonts();
    let (w, h) = (scene.width, scene.height);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    let out = {
        let root = super::raster::Bitmap::new(&mut buf, (w, h)).into_drawing_area();
        let out = draw(&root)?;
        root.present()?;
        out
    };
    Ok((buf, out))
}

#[cfg(test)]
mod tests;
