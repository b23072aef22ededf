//! The figures of the network experiments (`optplay run` on a file with `[data]` and
//! `[model]`): `curves` (train solid, validation dashed; loss above, accuracy below: the
//! lecture's train/validation gap), `boundaries` (a panel per run: the decision regions with
//! the training and validation points), its GIF (the regions forming as the model trains),
//! `digits` (a confusion matrix per run and a strip of the images it got wrong),
//! `landscape` (a panel per run: the loss on the plane of its path's two principal
//! directions, with the path on it) and `ensemble` (each of a run's models alone against
//! them combined).
//!
//! Each figure reads a scene the caller has computed once (the model is never evaluated
//! here) and draws through the same [`render_with`] as every other figure, with the run
//! colours, sizes, titles, legends and divergence marks of the loss figure, so that they read
//! as one tool. `curves.rs`, `boundaries.rs`, `digits.rs`, `landscape.rs` and `ensemble.rs`
//! draw one figure each (`curve_axes.rs` the curves' axes); `regions.rs` turns the boundary
//! probabilities into the panels' raster; `gif.rs` hands the boundary frames to the
//! animation encoder.

mod boundaries;
mod curve_axes;
mod curves;
mod digits;
mod ensemble;
mod gif;
mod landscape;
mod panel_text;
mod regions;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::raster::Bitmap;
use super::{Canvas, Format, PlotError, figure, render_with};
use crate::core::Grid;

/// One run's training history, as the curves figure shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct NetRun {
    pub label: String,
    /// The label plus key hyperparameters, e.g. "adam (lr=0.001, dropout=0.5)".
    pub legend: String,
    /// The recorded steps (step 0 = the initial model), ascending.
    pub steps: Vec<u64>,
    /// The same length as `steps`.
    pub train_loss: Vec<f64>,
    /// The same length as `steps`; empty when there is no validation set.
    pub val_loss: Vec<f64>,
    /// In [0, 1], the same length as `steps`.
    pub train_accuracy: Vec<f64>,
    /// In [0, 1]; empty when there is no validation set.
    pub val_accuracy: Vec<f64>,
    /// The step whose loss stopped being finite (the rows end before it).
    pub diverged_at: Option<u64>,
    /// The averaged weights' model (`average`), drawn dotted in the run's colour; `None`
    /// without averaging.
    pub averaged: Option<AveragedCurve>,
    /// The snapshots of a snapshot ensemble: each one's step and training loss, ringed on
    /// the loss panel (the saw-tooth's low points).
    pub snapshots: Vec<(u64, f64)>,
}

/// The curve of a run's averaged weights, on one set.
#[derive(Clone, Debug, PartialEq)]
pub struct AveragedCurve {
    /// The recorded steps from the averaging's start, ascending.
    pub steps: Vec<u64>,
    /// The same length as `steps`.
    pub loss: Vec<f64>,
    /// In [0, 1], the same length as `steps`.
    pub accuracy: Vec<f64>,
    /// Measured on the validation set (else the training set: there is none).
    pub validation: bool,
}

/// What the curves figure shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvesScene {
    /// The experiment's name.
    pub title: String,
    pub runs: Vec<NetRun>,
    pub width: u32,
    pub height: u32,
    /// `[plot] scale`: fonts, lines and markers this many times their size for the canvas.
    pub scale: f64,
    /// The step axis on a log scale (from step 1).
    pub log_x: bool,
}

/// One run's model over the data's plane.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryPanel {
    pub label: String,
    pub legend: String,
    /// nx, ny cells over the window.
    pub resolution: [usize; 2],
    /// nx·ny·classes, row-major (y outer from the window's bottom, x inner from its left,
    /// then class): the model's softmax at each cell's centre.
    pub probabilities: Vec<f32>,
    pub train: Vec<LabelledPoint>,
    pub validation: Vec<LabelledPoint>,
    /// Train and validation accuracy in [0, 1]; validation NaN when there is none.
    pub accuracy: [f64; 2],
}

/// A data point, its class and what the model predicts for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabelledPoint {
    pub at: [f64; 2],
    pub label: usize,
    pub predicted: usize,
}

/// What the boundaries figure (or one frame of its GIF) shows.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryScene {
    pub title: String,
    pub classes: usize,
    /// [x0, x1], [y0, y1]: the plane every panel shows.
    pub window: [[f64; 2]; 2],
    pub panels: Vec<BoundaryPanel>,
    pub width: u32,
    pub height: u32,
    pub scale: f64,
    /// A line under the title, e.g. "step 400 of 2000" on the GIF's frames.
    pub caption: Option<String>,
}

/// One run on the digits: what it confused, and some images it got wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsPanel {
    pub label: String,
    /// [true][predicted], 10×10, on the validation set (or the training set without one).
    pub confusion: Vec<Vec<usize>>,
    /// The strip shows the first [`MISCLASSIFIED_SHOWN`].
    pub misclassified: Vec<Misclassified>,
}

/// An image the model got wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Misclassified {
    /// 64 values in [0, 1], row-major 8×8; 1 is ink.
    pub pixels: Vec<f64>,
    pub label: usize,
    pub predicted: usize,
}

/// What the digits figure shows.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsScene {
    pub title: String,
    pub panels: Vec<DigitsPanel>,
    pub width: u32,
    pub height: u32,
    pub scale: f64,
}

/// One run's path on the plane of its two principal directions through its final weights.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapePlane {
    /// The training loss sampled over the plane; the final weights are its origin (0, 0).
    pub loss: Grid,
    /// The path's points in the plane's coordinates, start first, the end (0, 0) last.
    pub path: Vec<[f64; 2]>,
    /// The share of the path's variance each direction explains, in [0, 1].
    pub explained: [f64; 2],
}

/// One run's panel of the landscape figure.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapePanel {
    pub label: String,
    pub legend: String,
    /// The plane, or why the path has none: written in the panel instead.
    pub plane: Result<LandscapePlane, String>,
    /// The step whose loss stopped being finite: the path ends at the last finite weights.
    pub diverged_at: Option<u64>,
}

/// What the landscape figure shows: a panel per run, in the runs' order (panel k in run
/// k's colour).
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeScene {
    pub title: String,
    /// Lines under the title: what is drawn and how it was computed.
    pub caption: Vec<String>,
    pub panels: Vec<LandscapePanel>,
    pub width: u32,
    pub height: u32,
    pub scale: f64,
}

/// One combination of a run's models, as the ensemble figure shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleRow {
    /// The run's place in the file: its colour.
    pub run: usize,
    pub label: String,
    /// What is combined: "ensemble of 5 (seeds 0–4)", "4 snapshots (steps …)".
    pub what: String,
    /// Each model alone: [accuracy in [0, 1], loss].
    pub alone: Vec<[f64; 2]>,
    /// Which of `alone` is the run's own model, drawn filled: the run itself among its
    /// ensemble's members, the last snapshot, the final weights beside their average.
    pub own: Option<usize>,
    /// The combination: [accuracy, loss].
    pub together: [f64; 2],
}

/// What the ensemble figure shows: a band per combination.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleScene {
    pub title: String,
    /// The set measured: "validation", or "training" without one.
    pub set: String,
    pub rows: Vec<EnsembleRow>,
    pub width: u32,
    pub height: u32,
    pub scale: f64,
}

/// How many misclassified images a digits panel shows at most.
pub const MISCLASSIFIED_SHOWN: usize = 16;

impl Canvas for CurvesScene {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl Canvas for BoundaryScene {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl Canvas for EnsembleScene {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl Canvas for DigitsScene {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl Canvas for LandscapeScene {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// Loss (above, log scale when every loss is positive) and accuracy (below) per step, each
/// run in its colour, train solid and validation dashed: PNG bytes or SVG text (GIF is a
/// [`PlotError`]).
pub fn curves(scene: &CurvesScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &Curves)
}

/// A panel per run: the decision regions in the classes' colours, training points filled,
/// validation points hollow, misclassified points ringed. PNG or SVG; the animation is
/// [`boundaries_gif`].
pub fn boundaries(scene: &BoundaryScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &Boundaries)
}

/// The regions forming: one frame per scene, same window and layout (an animated GIF that
/// loops, each frame shown `frame_ms` milliseconds and the last one longer).
pub fn boundaries_gif(frames: &[BoundaryScene], frame_ms: u32) -> Result<Vec<u8>, PlotError> {
    gif::animate(frames, frame_ms)
}

/// A confusion matrix per run (rows true, columns predicted, counts in the cells) and a strip
/// of misclassified images captioned "true→predicted". PNG or SVG.
pub fn digits(scene: &DigitsScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &Digits)
}

/// A panel per run: the loss over the plane of its path's two principal directions (the
/// background and contour lines of the trajectories figure, a colour bar of its own), the
/// path in the run's colour from its start dot to its end cross at the origin, and the
/// variance the directions explain in the heading and on the axes. PNG or SVG.
pub fn landscape(scene: &LandscapeScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &landscape::Landscape(format))
}

/// A canvas that gives each landscape panel a plot of about 380 pixels a side with its
/// axes, colour bar and heading (panels in rows of up to three), and room for the title,
/// caption and legend.
pub fn landscape_canvas(panels: usize) -> (u32, u32) {
    let (columns, rows) = landscape::grid(panels.max(1));
    let (w, h) = landscape::CELL;
    // A panel alone still gets the width its caption and legend read well in.
    ((columns as u32 * w + 20).max(800), rows as u32 * h + 150)
}

/// The decision regions of one panel as an RGB raster of `size` pixels (top row first), in
/// the boundaries figure's colours (without its boundary line, which would be a wall at a
/// terminal's few pixels): `probabilities` are `resolution` cells of `classes` each over
/// `window`, laid out as [`BoundaryPanel::probabilities`]. The playground paints its map
/// with this, so a screenshot and a figure agree.
pub fn regions_raster(
    probabilities: &[f32],
    resolution: [usize; 2],
    classes: usize,
    window: [[f64; 2]; 2],
    size: (u32, u32),
) -> Result<Vec<u8>, PlotError> {
    let probabilities = regions::Probabilities::new(probabilities, resolution, classes)?;
    Ok(regions::shade(&probabilities, window, size).0)
}

/// Class `k`'s colour in every figure (its points and, paler, its region).
pub fn class_color(k: usize) -> super::style::RGBColor {
    regions::class_color(k)
}

/// A confusion matrix cell's colour as the digits figure paints it: towards blue on the
/// diagonal, orange off it, with `share` of the true class's examples in it.
pub fn confusion_color(diagonal: bool, share: f64) -> super::style::RGBColor {
    digits::cell_color(diagonal, share)
}

/// Each model of a run alone against the models combined: a band per combination (an
/// ensemble, a snapshot ensemble, averaged weights), accuracy left and loss right. PNG or
/// SVG.
pub fn ensemble(scene: &EnsembleScene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &Ensemble)
}

/// A canvas with room for the title, the legend and `bands` bands of four lines of text.
pub fn ensemble_canvas(bands: usize) -> (u32, u32) {
    (1100, 250 + 130 * bands.max(1) as u32)
}

/// A canvas that gives each boundary panel about 400 pixels (panels in rows of up to three),
/// with room for the title and legend: what to use when the experiment asks for no size.
pub fn boundaries_canvas(panels: usize) -> (u32, u32) {
    let (columns, rows) = boundaries::grid(panels.max(1));
    (columns as u32 * 450 + 20, rows as u32 * 490 + 150)
}

/// A canvas that gives each digits panel room for a readable 10×10 matrix and its strip.
pub fn digits_canvas(panels: usize) -> (u32, u32) {
    let (columns, rows) = digits::grid(panels.max(1));
    (columns as u32 * 900 + 40, rows as u32 * 440 + 90)
}

figure!(Curves, CurvesScene, curves::draw);

figure!(Boundaries, BoundaryScene, boundaries::draw);

figure!(Digits, DigitsScene, digits::draw);

figure!(Ensemble, EnsembleScene, ensemble::draw);

/// Text, lines and markers for a grid of panels, in proportion to one panel's cell: a cell of
/// `reference` pixels writes as the reference figure does, and no cell writes larger.
fn sizes_per_cell(
    (w, h): (u32, u32),
    (columns, rows): (usize, usize),
    reference: (u32, u32),
    scale: f64,
) -> super::style::Sizes {
    let cell = (w / columns.max(1) as u32, h / rows.max(1) as u32);
    let full = super::style::Sizes::REFERENCE;
    super::style::Sizes::new(
        full.0.min(cell.0 * full.0 / reference.0),
        full.1.min(cell.1 * full.1 / reference.1),
        scale,
    )
}

/// A rectangle in the figure's pixels: left, top, width, height.
type Rect = (i32, i32, u32, u32);

/// The figure's heading: the experiment's name and what the figure shows.
fn heading(title: &str, shows: &str) -> String {
    if title.is_empty() {
        shows.to_string()
    } else {
        format!("{title} — {shows}")
    }
}

/// A share in [0, 1] as a percentage for people: "93.1%", or "–" when it is not a number.
fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{:.1}%", share * 100.0)
    } else {
        "–".to_string()
    }
}

/// A run's name in a legend or panel title: its legend, else its label.
fn run_name<'a>(label: &'a str, legend: &'a str) -> &'a str {
    if legend.is_empty() { label } else { legend }
}

/// A figure drawn into an RGB buffer as its PNG is, with what its drawing returned: for the
/// GIF's frames and for the tests, which check pixels where the layout says something is.
fn raster<T>(
    (w, h): (u32, u32),
    draw: impl FnOnce(&DrawingArea<Bitmap<'_>, Shift>) -> Result<T, PlotError>,
) -> Result<(Vec<u8>, T), PlotError> {
    super::style::register_fonts();
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    let out = {
        let root = Bitmap::new(&mut buf, (w, h)).into_drawing_area();
        let out = draw(&root)?;
        root.present()?;
        out
    };
    Ok((buf, out))
}

#[cfg(test)]
mod tests;
