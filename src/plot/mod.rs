//! Pictures from traces: trajectories over contour lines, and loss / learning-rate curves.
//!
//! Nothing here calls the objective: a figure is drawn from the traces and from a [`Grid`]
//! sampled once by the caller. The drawing code is written once, generic over plotters'
//! [`DrawingBackend`], and rendered either into an RGB buffer (encoded as PNG with the `png`
//! crate) or into an SVG string. Text uses DejaVu Sans, built into the binary. The
//! trajectories figure also comes as an animated GIF (`animation.rs`): the paths drawn step by
//! step over the same figure.

mod animation;
mod axis;
mod bundle;
mod clip;
mod colormap;
mod contours;
mod coverage;
mod levels;
mod loss;
mod march;
pub mod network;
mod parts;
mod raster;
pub mod style;
mod svg;
pub mod sweep;
mod trajectories;

use std::fmt;
use std::str::FromStr;

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use crate::core::{Grid, Point, Trace};
use raster::Bitmap;

pub use levels::{Levels, choose_levels};
pub use trajectories::Prepared;

/// An output format for a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    /// The trajectories figure animated; the loss figure has no GIF form.
    Gif,
}

impl Format {
    /// The file extension, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Gif => "gif",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for Format {
    type Err = PlotError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "gif" => Ok(Format::Gif),
            other => Err(PlotError::new(format!(
                "unknown image format `{other}`: expected `png`, `svg` or `gif`"
            ))),
        }
    }
}

/// One run as the figures show it.
#[derive(Clone, Debug)]
pub struct PlotRun<'a> {
    pub label: &'a str,
    /// The label plus key hyperparameters, e.g. "adam (lr=0.1, β=(0.9, 0.999))".
    pub legend: String,
    pub trace: &'a Trace,
    /// Rows to mark specially on the path (SGDR snapshot points); may be empty.
    pub snapshots: Vec<usize>,
}

/// What the loss figure's horizontal axis counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LossAxis {
    /// Optimizer steps (row t of a trace at t).
    #[default]
    Steps,
    /// Gradient evaluations so far (row t at `evaluations_at[t].gradient`): the fair axis
    /// when runs spend different numbers of evaluations on a step.
    Evaluations,
}

/// Everything a figure shows.
#[derive(Clone, Debug)]
pub struct Scene<'a> {
    /// The experiment's name.
    pub title: String,
    /// The surface's formula, e.g. "f = x² − 0.5·y² + 0.25·y⁴".
    pub formula: String,
    /// f sampled once over the plot window.
    pub grid: &'a Grid,
    pub minima: Vec<Point>,
    pub saddles: Vec<Point>,
    /// f*, when known.
    pub min_value: Option<f64>,
    pub runs: Vec<PlotRun<'a>>,
    /// Number of contour levels.
    pub levels: usize,
    /// `None`: log-spaced levels when f − f* spans several decades over the grid.
    pub log_levels: Option<bool>,
    pub width: u32,
    pub height: u32,
    /// `[plot] scale`: fonts, lines and markers this many times their size for the canvas.
    pub scale: f64,
    /// The loss figure's x axis.
    pub x_axis: LossAxis,
    /// The loss curves smoothed by an exponential moving average of this weight in (0, 1),
    /// the raw curves faint behind them; `None`: raw curves only.
    pub smooth: Option<f64>,
    /// The loss figure's x axis on a log scale (from step 1).
    pub log_x: bool,
}

/// A figure could not be drawn or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot draw the figure: {message}")]
pub struct PlotError {
    pub message: String,
}

impl PlotError {
    pub fn new(message: impl Into<String>) -> Self {
        PlotError {
            message: message.into(),
        }
    }
}

impl From<png::EncodingError> for PlotError {
    fn from(e: png::EncodingError) -> Self {
        PlotError::new(format!("PNG encoding: {e}"))
    }
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::new(e.to_string())
    }
}

/// The smallest and largest figure sides accepted, in pixels.
pub const MIN_SIDE: u32 = 200;
pub const MAX_SIDE: u32 = 8192;

/// Trajectories over the contour lines of f: PNG bytes, SVG text, or a GIF animation of the
/// paths drawn step by step.
pub fn trajectories(scene: &Scene, format: Format) -> Result<Vec<u8>, PlotError> {
    trajectories_prepared(scene, format, &Prepared::new(scene))
}

fn trajectories_prepared(
    scene: &Scene,
    format: Format,
    prepared: &Prepared,
) -> Result<Vec<u8>, PlotError> {
    match format {
        Format::Gif => {
            check_size(scene)?;
            style::register_fonts();
            animation::animate(scene, prepared)
        }
        Format::Png | Format::Svg => render_with(scene, format, &Trajectories(prepared, format)),
    }
}

/// The loss per step (f − f* on a log axis where f* is known and no run went below it, f
/// itself otherwise), and the learning rate per step below it. Not in GIF: there is no
/// animation of it.
pub fn loss(scene: &Scene, format: Format) -> Result<Vec<u8>, PlotError> {
    render_with(scene, format, &figures::Loss)
}

/// A drawing function of what a figure shows (`S`: a [`Scene`], a [`sweep::SweepScene`]),
/// generic over the backend: plotters' backends are types, not objects, so the figure is a
/// trait with a generic method rather than a closure.
trait Draw<S: ?Sized> {
    fn draw<'r, DB: DrawingBackend + 'r>(
        &self,
        scene: &S,
        root: &'r DrawingArea<DB, Shift>,
    ) -> Result<(), PlotError>;
}

/// Declares `$figure`, the [`Draw`] of `$scene` that a module's `$draw(scene, root)` does: the
/// adapter every figure function hands to [`render_with`].
macro_rules! figure {
    ($figure:ident, $scene:ty, $draw:path) => {
        struct $figure;

        impl $crate::plot::Draw<$scene> for $figure {
            fn draw<'r, DB: plotters::prelude::DrawingBackend + 'r>(
                &self,
                scene: &$scene,
                root: &'r plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
            ) -> Result<(), $crate::plot::PlotError> {
                $draw(scene, root)?;
                Ok(())
            }
        }
    };
}
pub(crate) use figure;

/// What a figure is drawn from knows the canvas it asks for, so that every figure is checked
/// and rendered by one [`render_with`].
trait Canvas {
    /// Width and height in pixels.
    fn canvas(&self) -> (u32, u32);
}

impl Canvas for Scene<'_> {
    fn canvas(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// The trajectories figure in one format, drawn from what every format shares.
struct Trajectories<'p>(&'p Prepared, Format);

impl<'a> Draw<Scene<'a>> for Trajectories<'_> {
    fn draw<'r, DB: DrawingBackend + 'r>(
        &self,
        scene: &Scene<'a>,
        root: &'r DrawingArea<DB, Shift>,
    ) -> Result<(), PlotError> {
        let contours = contours_for(&self.1);
        trajectories::draw_prepared(scene, self.0, root, trajectories::Paths::Drawn, contours)?;
        Ok(())
    }
}

mod figures {
    use super::*;
    pub struct Loss;
    impl<'a> Draw<Scene<'a>> for Loss {
        fn draw<'r, DB: DrawingBackend + 'r>(
            &self,
            scene: &Scene<'a>,
            root: &'r DrawingArea<DB, Shift>,
        ) -> Result<(), PlotError> {
            crate::plot::loss::draw_on(scene, root)?;
            Ok(())
        }
    }
}

/// What can be measured of a drawn figure's layout: for the tests, and for anyone who wants
/// to check a figure without looking at it. Rectangles are (left, top, width, height) in the
/// figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// The plotting areas (one for the trajectories, two panels for the loss figure).
    pub plots: Vec<(i32, i32, u32, u32)>,
    /// The plotting areas' share of the canvas.
    pub plot_share: f64,
    pub legend: Option<(i32, i32, u32, u32)>,
    /// Pixels of drawn data (paths, their markers, minima, saddles, starts) under the legend.
    pub legend_covers: usize,
    /// By run: the share of the pixels its path and markers (trajectories) or its curve
    /// (loss: in the panel where it keeps least) are drawn with that no run drawn after it
    /// covers. The loss figure's learning-rate panel counts runs with the very same
    /// schedule as one curve, which they draw in turns.
    pub visible: Vec<f64>,
}

/// The trajectories figure's layout, drawn as its PNG is.
pub fn inspect_trajectories(scene: &Scene) -> Result<Inspection, PlotError> {
    check_size(scene)?;
    style::register_fonts();
    let (w, h) = (scene.width, scene.height);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    let root = Bitmap::new(&mut buf, (w, h)).into_drawing_area();
    let layout = trajectories::draw_prepared(
        scene,
        &Prepared::new(scene),
        &root,
        trajectories::Paths::Drawn,
        trajectories::Contours::InRaster,
    )?;
    let (px, py, pw, ph) = layout.plot;
    let legend_covers = layout.legend.map_or(0, |(lx, ly, lw, lh)| {
        // The legend's pixels inside the plot, against every data mask.
        let inside = |p: u32| {
            let (x, y) = (px + (p % pw) as i32, py + (p / pw) as i32);
            x >= lx && x < lx + lw as i32 && y >= ly && y < ly + lh as i32
        };
        let mut covered: Vec<u32> = layout
            .data()
            .iter()
            .flat_map(|m| m.pixels.iter().copied())
            .filter(|&p| inside(p))
            .collect();
        covered.sort_unstable();
        covered.dedup();
        covered.len()
    });
    Ok(Inspection {
        plots: vec![layout.plot],
        plot_share: f64::from(pw) * f64::from(ph) / (f64::from(w) * f64::from(h)),
        legend: layout.legend,
        legend_covers,
        visible: layout.visible.clone(),
    })
}

/// The loss figure's layout, drawn as its PNG is. Its legend stands above the panels, so it
/// covers nothing.
pub fn inspect_loss(scene: &Scene) -> Result<Inspection, PlotError> {
    check_size(scene)?;
    style::register_fonts();
    let (w, h) = (scene.width, scene.height);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    let root = Bitmap::new(&mut buf, (w, h)).into_drawing_area();
    let layout = loss::draw_on(scene, &root)?;
    let area: f64 = layout
        .panels
        .iter()
        .map(|&(_, _, pw, ph)| f64::from(pw) * f64::from(ph))
        .sum();
    Ok(Inspection {
        plots: layout.panels.to_vec(),
        plot_share: area / (f64::from(w) * f64::from(h)),
        legend: layout.legend,
        legend_covers: 0,
        visible: layout.visible,
    })
}

/// A figure of [`render_all`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    Trajectories,
    Loss,
}

impl Figure {
    /// The file stem: `trajectories`, `loss`.
    pub fn stem(&self) -> &'static str {
        match self {
            Figure::Trajectories => "trajectories",
            Figure::Loss => "loss",
        }
    }
}

/// Every figure in every format, each byte for byte what [`trajectories`] and [`loss`] give,
/// in the order format by format, trajectories before loss; GIF gives the trajectories
/// animation only.
///
/// The contour levels, lines and background are computed once for all formats, and the
/// figures are drawn at the same time, one thread each (the machine's cores share them).
pub fn render_all(
    scene: &Scene,
    formats: &[Format],
    ahead: Option<&std::sync::OnceLock<Prepared>>,
) -> Vec<(Figure, Format, Result<Vec<u8>, PlotError>)> {
    let jobs: Vec<(Figure, Format)> = formats
        .iter()
        .flat_map(|&f| [(Figure::Trajectories, f), (Figure::Loss, f)])
        .filter(|&(figure, format)| !(figure == Figure::Loss && format == Format::Gif))
        .collect();
    if jobs.is_empty() {
        return Vec::new();
    }
    // The loss figures need nothing from the grid: they start at once, while the contour
    // levels and lines for the trajectories figures are traced.
    let loss = |format: Format| render_with(scene, format, &figures::Loss);
    let loss = &loss;
    // Drawn ahead on another thread (see `draw_ahead`), or here: whichever comes first
    // computes the levels and lines, the other waits for them.
    let own = std::sync::OnceLock::new();
    let prepared = ahead.unwrap_or(&own);
    std::thread::scope(|s| {
        let mut handles: Vec<_> = jobs
            .iter()
            .map(|&(figure, format)| {
                (figure == Figure::Loss).then(|| s.spawn(move || loss(format)))
            })
            .collect();
        let prepared: &Prepared = prepared.get_or_init(|| Prepared::new(scene));
        for (&(figure, format), handle) in jobs.iter().zip(&mut handles) {
            if figure == Figure::Trajectories {
                *handle = Some(s.spawn(move || trajectories_prepared(scene, format, prepared)));
            }
        }
        jobs.iter()
            .zip(handles)
            .map(|(&(figure, format), h)| {
                let bytes = h
                    .expect("every job was started")
                    .join()
                    .unwrap_or_else(|_| Err(PlotError::new("drawing panicked")));
                (figure, format, bytes)
            })
            .collect()
    })
}

/// Draws ahead what the trajectories figures of `scene` in `formats` put under their paths,
/// into `prepared` (made from `scene`): `scene` need not hold its runs yet, so a caller can
/// do this while they step, and hand `prepared` to [`render_all`] with the finished scene
/// (the same grid, window, title and canvas).
pub fn draw_ahead(scene: &Scene, prepared: &Prepared, formats: &[Format]) {
    if check_size(scene).is_err() {
        return;
    }
    style::register_fonts();
    let mut modes: Vec<trajectories::Contours> = Vec::new();
    for contours in formats.iter().map(contours_for) {
        if !modes.contains(&contours) {
            modes.push(contours);
        }
    }
    for contours in modes {
        // A failure here (text that cannot be measured) is met again, and reported, when the
        // figure itself is drawn.
        let _ = prepared.draw_ahead(scene, contours);
    }
}

/// How a format draws the contour lines: SVG keeps them as paths; bitmaps get them
/// antialiased in the raster.
fn contours_for(format: &Format) -> trajectories::Contours {
    match format {
        Format::Svg => trajectories::Contours::Vector,
        Format::Png | Format::Gif => trajectories::Contours::InRaster,
    }
}

/// The smallest share of the canvas a figure's plotting area keeps: the rest is title,
/// axes' labels, colour bar and legend.
pub const LEAST_PLOT_SHARE: f64 = 0.6;

/// The smallest and largest `[plot] scale`.
pub const SCALES: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// Why a canvas cannot hold the figures at a scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Misfit {
    /// The share of the canvas the plotting area would keep.
    pub share: f64,
    /// The smallest canvas of the same shape that fits at this scale, if any does.
    pub smallest: Option<(u32, u32)>,
    /// The largest scale that fits this canvas, if any does.
    pub largest_scale: Option<f64>,
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the plot would keep {:.0}% of the figure (at least {:.0}%)",
            self.share * 100.0,
            LEAST_PLOT_SHARE * 100.0
        )?;
        if let Some((w, h)) = self.smallest {
            write!(f, "; the smallest size of this shape that fits is {w}x{h}")?;
        }
        if let Some(scale) = self.largest_scale {
            write!(f, "; at this size the largest scale that fits is {scale}")?;
        }
        Ok(())
    }
}

/// Whether a `width × height` canvas holds both figures at `scale`: their plotting areas keep
/// at least [`LEAST_PLOT_SHARE`] of it once the title, the axes' labels and the colour bar
/// have their room at the sizes the canvas and the scale give them (legends go inside the
/// plot where it is free, so they are not counted). Text stops shrinking below a readable
/// size, so a small canvas is refused, with the smallest of its shape that fits; and a
/// large scale is refused at any size, with the largest that fits.
pub fn fit(width: u32, height: u32, scale: f64) -> Result<(), Misfit> {
    let share = plot_share(width, height, scale);
    if share >= LEAST_PLOT_SHARE {
        return Ok(());
    }
    let smallest = (100..=4000).map(|p| f64::from(p) / 100.0).find_map(|t| {
        let (w, h) = (
            (f64::from(width) * t).ceil() as u32,
            (f64::from(height) * t).ceil() as u32,
        );
        let inside = (MIN_SIDE..=MAX_SIDE).contains(&w) && (MIN_SIDE..=MAX_SIDE).contains(&h);
        (inside && plot_share(w, h, scale) >= LEAST_PLOT_SHARE).then_some((w, h))
    });
    // Scales in twentieths, from the given one down.
    let largest_scale = (0..=(scale * 20.0).floor() as i64)
        .rev()
        .map(|k| k as f64 / 20.0)
        .filter(|s| SCALES.contains(s))
        .find(|&s| plot_share(width, height, s) >= LEAST_PLOT_SHARE);
    Err(Misfit {
        share,
        smallest,
        largest_scale,
    })
}

/// The smaller of the two figures' plotting shares for a canvas at a scale, measured on
/// typical labels.
fn plot_share(width: u32, height: u32, scale: f64) -> f64 {
    style::register_fonts();
    let sizes = style::Sizes::new(width, height, scale);
    let text_width = |text: &str, size: f64| {
        (style::FONT, size)
            .into_font()
            .box_size(text)
            .map_or(0, |(w, _)| w)
    };
    let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let margins = trajectories::Margins::new(
        &sizes,
        &text_width,
        &labels(&["−0.25", "1.5"]),
        &labels(&["0.75", "10⁻²"]),
    );
    let title = parts::title_height(&sizes, 1);
    let canvas = f64::from(width) * f64::from(height);
    let share = |(across, down): (u32, u32)| {
        let w = f64::from(width.saturating_sub(across));
        let h = f64::from(height.saturating_sub(down + title));
        w * h / canvas
    };
    let (across, down) = margins.overhead();
    share((across, down + sizes.side(4.0))).min(share(loss::overhead(&sizes)))
}

fn check_size(scene: &(impl Canvas + ?Sized)) -> Result<(), PlotError> {
    let (w, h) = scene.canvas();
    if !(MIN_SIDE..=MAX_SIDE).contains(&w) || !(MIN_SIDE..=MAX_SIDE).contains(&h) {
        return Err(PlotError::new(format!(
            "a figure of {w}x{h} pixels: each side must be between {MIN_SIDE} and {MAX_SIDE}"
        )));
    }
    Ok(())
}

thread_local! {
    /// The canvas of the last PNG this thread drew, for its next: a sweep draws its heatmap
    /// and its learning-rate curves one after the other on one thread, and a fresh canvas is
    /// some 600 pages to fault in. Freed with the thread.
    static SPARE_CANVAS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn render_with<S: Canvas + ?Sized>(
    scene: &S,
    format: Format,
    figure: &impl Draw<S>,
) -> Result<Vec<u8>, PlotError> {
    let (w, h) = scene.canvas();
    check_size(scene)?;
    style::register_fonts();
    match format {
        Format::Png => {
            // The thread's last canvas if it has one (its pages are mapped already), else
            // a zeroed one, so fresh pages are not written twice: every figure fills its
            // canvas white as it starts (`root.fill(&WHITE)`).
            let mut buf = SPARE_CANVAS.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
            buf.clear();
            buf.resize(w as usize * h as usize * 3, 0);
            {
                let root = Bitmap::new(&mut buf, (w, h)).into_drawing_area();
                figure.draw(scene, &root)?;
                root.present()?;
            }
            let png = encode_png(&buf, w, h)?;
            SPARE_CANVAS.with(|spare| *spare.borrow_mut() = buf);
            Ok(png)
        }
        Format::Svg => {
            let mut s = String::new();
            let images = {
                let (backend, images) = svg::Svg::new(SVGBackend::with_string(&mut s, (w, h)));
                let root = backend.into_drawing_area();
                figure.draw(scene, &root)?;
                root.present()?;
                images
            };
            Ok(svg::finish(s, &images).into_bytes())
        }
        Format::Gif => Err(PlotError::new(
            "only the trajectories figure is animated: there is no GIF of this figure",
        )),
    }
}

/// An RGB image as a PNG: fast deflate (fdeflate) and the adaptive filter, which is within a
/// few per cent of the best size at a fraction of zlib's time.
/// The play screenshot is encoded here too.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::Filter::Adaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// The stages of drawing one by one, for the benches (`benches/render.rs`): not an API.
#[doc(hidden)]
pub mod stages {
    pub use super::animation::median_cut;
    pub use super::colormap::{ColorMap, background};
    pub use super::contours::isolines;
    pub use super::encode_png;
    pub use super::raster::{fill_polygon, polygonize};

    use super::*;

    /// Every level's rings by the own marching squares, on one thread, in the `contour`
    /// crate's cell units: to weigh it against the crate's `lines`.
    pub fn march_rings(
        values: &[f64],
        dx: usize,
        dy: usize,
        levels: &[f64],
    ) -> Vec<Vec<march::Ring>> {
        let ranges = march::row_pair_ranges(values, dx, dy);
        let mut tracer = march::Tracer::new(dx, dy);
        levels
            .iter()
            .map(|&t| tracer.rings(values, &ranges, t))
            .collect()
    }

    /// The trajectories figure's background with its contour lines in it, as a `w × h` plot
    /// on a canvas of the scene's size draws it.
    pub fn contoured_raster(
        scene: &Scene,
        levels: &Levels,
        map: &ColorMap,
        (w, h): (u32, u32),
    ) -> Vec<u8> {
        let sizes = style::Sizes::new(scene.width, scene.height, scene.scale);
        trajectories::background::contoured_raster(scene.grid, levels, map, (w, h), &sizes)
    }

    /// A figure drawn into an RGB buffer, not encoded.
    pub fn raster(scene: &Scene, figure: Figure) -> Result<Vec<u8>, PlotError> {
        let (w, h) = (scene.width, scene.height);
        style::register_fonts();
        let mut buf = vec![255u8; w as usize * h as usize * 3];
        {
            let root = Bitmap::new(&mut buf, (w, h)).into_drawing_area();
            match figure {
                Figure::Trajectories => {
                    Trajectories(&Prepared::new(scene), Format::Png).draw(scene, &root)?;
                }
                Figure::Loss => figures::Loss.draw(scene, &root)?,
            }
            root.present()?;
        }
        Ok(buf)
    }

    /// One figure in one format, everything included.
    pub fn figure(scene: &Scene, figure: Figure, format: Format) -> Result<Vec<u8>, PlotError> {
        match figure {
            Figure::Trajectories => trajectories(scene, format),
            Figure::Loss => loss(scene, format),
        }
    }
}

#[cfg(test)]
mod tests;
