//! The trajectories figure: contour lines of f over a pale filled background with a colour
//! bar, every run's path, its start and end, known minima and saddle points, and a legend.
//!
//! [`draw_prepared`] draws it in the order the layers stack, one room each:
//! - `layout`: where the plot, its label areas and a legend under it go;
//! - `background`: the filled background, the axes, the contour lines;
//! - `paths`: every run's path and its markers, in the order and widths that keep each run
//!   in sight (the animation draws them step by step);
//! - `marks`: minima, saddle points and starts, over every path;
//! - `legend`: the runs and what the markers mean, inside the plot where it covers nothing,
//!   or under the plot;
//! - `colour_bar`: the levels' colours and values beside the plot.

pub(super) mod background;
pub(crate) mod colour_bar;
mod layout;
mod legend;
mod marks;
mod paths;

use std::sync::{Arc, Mutex, OnceLock};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::Ticked;
use super::colormap::{ColorMap, background as background_raster};
use super::contours::{Polyline, isolines};
use super::coverage::{Mask, MaskPlot};
use super::levels::{Levels, choose_levels};
use super::parts::{LegendBox, title};
use super::style::Sizes;
use super::{PlotError, Scene};
use crate::core::{Grid, Window};

pub use background::Contours;
pub(in crate::plot) use background::{draw_lines, faded_lines, paint_lines};
pub(in crate::plot) use layout::{Margins, heading};
pub(in crate::plot) use marks::{Mark, START_EDGE, START_FILL, draw_marks};
pub(in crate::plot) use paths::{RunPath, RunStyle, draw_markers, draw_path, draw_run};

/// Whether the figure draws the runs' paths, or leaves them to the animation, which draws
/// them step by step over this figure (legend, markers of minima, colour bar and all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paths {
    Drawn,
    Omitted,
}

/// The plot area's coordinates: data to pixels of the whole figure.
pub type PlotCoord = Cartesian2d<Ticked, Ticked>;

/// Where the figure put the plot and how it drew the runs, so that the animation draws its
/// paths exactly over the still figure, in the same order and styles, and its step counter
/// above the plot.
pub struct Layout {
    pub coord: PlotCoord,
    /// The plot area in the figure's pixels: left, top, width, height.
    pub plot: (i32, i32, u32, u32),
    pub window: Window,
    /// Data units per pixel along x and y.
    pub per_px: [f64; 2],
    pub sizes: Sizes,
    /// Room in the strip above the plot, in pixels: up to the colour bar's caption.
    pub strip: (u32, u32),
    /// Run indices, first drawn to last.
    pub(in crate::plot) order: Vec<usize>,
    /// By run index.
    pub(in crate::plot) styles: Vec<RunStyle>,
    /// Drawn over every path.
    pub(in crate::plot) marks: Vec<Mark>,
    /// By run index: the share of each run's drawing the others leave in sight.
    pub visible: Vec<f64>,
    /// The legend's box in the figure's pixels (left, top, width, height), if any.
    pub legend: Option<(i32, i32, u32, u32)>,
    /// Every run's drawing, its markers and the marks, as masks of the plot area.
    pub(in crate::plot) data: Vec<Mask>,
}

/// The contour lines cut where they fade (each piece with its opacity; none when they were
/// drawn per pixel into the raster), and the background raster under the paths: shared,
/// each figure drawing from the one [`Prepared`] keeps (the PNG and the GIF at once, say).
type UnderPaths = Arc<(Vec<(f64, Vec<[f64; 2]>)>, Vec<u8>)>;

/// What lies under the paths as drawn for one contour mode and plot size in pixels.
type DrawnUnder = (Contours, (u32, u32), UnderPaths);

/// What the trajectories figure draws from the grid, the same for every format: computed once
/// per scene, shared by the PNG and the SVG (which may be drawn at the same time).
pub struct Prepared {
    levels: Levels,
    /// The contour lines as traced by marching squares: for SVG, and for PNG and GIF over a
    /// grid too coarse to draw them pixel by pixel (see `background::fine_enough`), so
    /// traced when first asked for.
    lines: OnceLock<Vec<Vec<Polyline>>>,
    /// What lies under the paths, by contour mode and plot size in pixels (one size in
    /// practice: every format lays out alike).
    under_paths: Mutex<Vec<DrawnUnder>>,
}

impl Prepared {
    pub fn new(scene: &Scene) -> Prepared {
        let levels = choose_levels(scene.grid, scene.min_value, scene.levels, scene.log_levels);
        Prepared {
            levels,
            lines: OnceLock::new(),
            under_paths: Mutex::new(Vec::new()),
        }
    }

    /// Draws ahead what the figure puts under the paths, for the plot size the layout gives
    /// when the legend fits inside the plot (nearly always): it needs nothing of the runs, so
    /// a caller may draw it while the runs are still stepping. `scene` is the figure's, its
    /// runs aside; the figure drawn from it later takes this from here.
    pub fn draw_ahead(&self, scene: &Scene, contours: Contours) -> Result<(), PlotError> {
        // The layout measures text on a canvas of the figure's size: an SVG's is text only.
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (scene.width, scene.height));
        let head = head(scene, self, &root.into_drawing_area())?;
        let map = ColorMap::pale();
        let size = head.first_plot;
        self.under_paths(scene.grid, &map, size, &head.win, &head.sizes, contours);
        Ok(())
    }

    /// The contour lines cut where they fade, and the background raster of a `size` plot with
    /// them painted in (PNG, GIF) or without (SVG, which draws them as paths): drawn once per
    /// contour mode and size, a copy handed out.
    fn under_paths(
        &self,
        grid: &Grid,
        map: &ColorMap,
        size: (u32, u32),
        win: &Window,
        sizes: &Sizes,
        contours: Contours,
    ) -> UnderPaths {
        let mut drawn = self.under_paths.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, under)) = drawn
            .iter()
            .find(|(mode, at, _)| *mode == contours && *at == size)
        {
            return Arc::clone(under);
        }
        let under = if contours == Contours::InRaster && background::fine_enough(grid, size) {
            (
                Vec::new(),
                background::contoured_raster(grid, &self.levels, map, size, sizes),
            )
        } else {
            let traced = self
                .lines
                .get_or_init(|| isolines(grid, &self.levels.values));
            let lines =
                background::faded_lines(traced, &self.levels.values, grid, per_pixel(win, size));
            let mut raster = background_raster(grid, &self.levels, map, size.0, size.1);
            if contours == Contours::InRaster {
                background::paint_lines(&mut raster, size, &lines, win, sizes);
            }
            (lines, raster)
        };
        let under = Arc::new(under);
        drawn.push((contours, size, Arc::clone(&under)));
        under
    }
}

/// What the figure settles before anything of the runs: the sizes, the title (drawn), the
/// window, the margins, and the plot's size when the legend goes inside it.
struct Head {
    sizes: Sizes,
    title_bottom: u32,
    win: Window,
    canvas: (u32, u32),
    margins: Margins,
    first_plot: (u32, u32),
}

/// Draws the title on `root` and lays out what needs nothing of the runs.
fn head<DB: DrawingBackend>(
    scene: &Scene,
    prepared: &Prepared,
    root: &DrawingArea<DB, Shift>,
) -> Result<Head, PlotError> {
    let sizes = Sizes::new(scene.width, scene.height, scene.scale);
    let title_bottom = title(root, &heading(scene), &sizes)?;
    let win = layout::sane_window(scene.grid.window);
    let canvas = root.dim_in_pixel();
    // The margins hold the y ticks' and the colour bar's labels: measured on the axes a
    // plot of the whole room would get.
    let bar_axis = colour_bar::axis(&prepared.levels);
    let bar_labels: Vec<String> = bar_axis.ticks.iter().map(|&t| bar_axis.label(t)).collect();
    let (_, rough_ya) = layout::axes(&win, canvas, &sizes);
    let y_labels: Vec<String> = rough_ya.ticks.iter().map(|&t| rough_ya.label(t)).collect();
    let width = |text: &str, size: f64| layout::text_width(root, text, size);
    let margins = Margins::new(&sizes, &width, &y_labels, &bar_labels);
    let (_, _, pw, ph) = layout::place(canvas, &win, margins, title_bottom, None, &sizes).plot;
    Ok(Head {
        sizes,
        title_bottom,
        win,
        canvas,
        margins,
        first_plot: (pw, ph),
    })
}

/// Draws the figure on `root` and says where its plot went.
pub fn draw_prepared<'r, DB: DrawingBackend + 'r>(
    scene: &Scene,
    prepared: &Prepared,
    root: &'r DrawingArea<DB, Shift>,
    paths: Paths,
    contours: Contours,
) -> Result<Layout, PlotError> {
    root.fill(&WHITE)?;
    let Head {
        sizes,
        title_bottom,
        win,
        canvas,
        margins,
        first_plot,
    } = head(scene, prepared, root)?;
    let grid = scene.grid;
    let runs = RunPath::of_scene(scene);

    // The background under a plot with the legend inside it (the first layout tried below,
    // and nearly always the last) needs nothing of the runs: it is drawn on another thread
    // while the planning renders the runs' masks (unless it was drawn ahead).
    let map = ColorMap::pale();
    std::thread::scope(|scope| {
        let early = scope.spawn(|| {
            let drawn = prepared.under_paths(grid, &map, first_plot, &win, &sizes, contours);
            (first_plot, drawn)
        });
        let early = move || early.join().ok();
        draw_over_background(
            scene,
            prepared,
            root,
            paths,
            contours,
            early,
            LaidOut {
                sizes,
                title_bottom,
                win,
                runs,
                canvas,
                margins,
                map: &map,
            },
        )
    })
}

/// What [`draw_prepared`] settles before the background is drawn.
struct LaidOut<'m> {
    sizes: Sizes,
    title_bottom: u32,
    win: Window,
    runs: Vec<RunPath>,
    canvas: (u32, u32),
    margins: Margins,
    map: &'m ColorMap,
}

/// The figure from its layout on: the planning, the background (`early`'s, drawn for the
/// plot size it names, when the plot has that size), the paths, the legend and the rest.
fn draw_over_background<'r, DB: DrawingBackend + 'r>(
    scene: &Scene,
    prepared: &Prepared,
    root: &'r DrawingArea<DB, Shift>,
    paths: Paths,
    contours: Contours,
    early: impl FnOnce() -> Option<((u32, u32), UnderPaths)>,
    laid_out: LaidOut<'_>,
) -> Result<Layout, PlotError> {
    let LaidOut {
        sizes,
        title_bottom,
        win,
        runs,
        canvas,
        margins,
        map,
    } = laid_out;
    let grid = scene.grid;
    // First with the legend inside the plot; when it finds no free place there, under it.
    let mut below: Option<LegendBox> = None;
    // One scratch plot for every mask of the planning (the runs' and the marks'): it is left
    // blank after each mask, and refilled only when a legend under the plot changes its size.
    let mut buffer = Vec::new();
    let (place, plan, marks, legend_inside, data) = loop {
        let place = layout::place(canvas, &win, margins, title_bottom, below.clone(), &sizes);
        let (_, _, pw, ph) = place.plot;
        let (xa, ya) = layout::axes(&win, (pw, ph), &sizes);
        let per_px = per_pixel(&win, (pw, ph));
        let mask_plot = MaskPlot {
            xa: &xa,
            ya: &ya,
            size: (pw, ph),
            win: &win,
            per_px,
        };
        let plan = paths::plan(&runs, &sizes, &mask_plot, &mut buffer)?;
        let shared: Vec<usize> = (0..runs.len())
            .filter(|&i| plan.styles[i].shared_end)
            .collect();
        let marks = marks::marks(scene, &runs, &shared, &win, &sizes);
        let marks_mask = mask_plot.mask(&mut buffer, |area| draw_marks(area, &marks))?;
        let mut data: Vec<Mask> = plan.cover.clone();
        data.push(marks_mask);
        let entries = legend::entries(scene, &runs, &plan, &marks, &win, &sizes);
        if below.is_some() || entries.is_empty() {
            break (place, plan, marks, None, data);
        }
        let occupied: Vec<&Mask> = data.iter().collect();
        match legend::inside_plot(root, &entries, &occupied, (pw, ph), &sizes)? {
            Some(inside) => break (place, plan, marks, Some(inside), data),
            None => below = Some(legend::under_plot(root, &entries, canvas.0, &sizes)?),
        }
    };

    let (px, py, pw, ph) = place.plot;
    let (xa, ya) = layout::axes(&win, (pw, ph), &sizes);
    let chart_area = place.chart_area(root);
    let mut chart = layout::chart(&chart_area, &place.margins, &xa, &ya)?;
    let area = chart.plotting_area().clone();
    let per_px = per_pixel(&win, (pw, ph));

    let under = match early() {
        Some((size, drawn)) if size == (pw, ph) => drawn,
        _ => prepared.under_paths(grid, map, (pw, ph), &win, &sizes, contours),
    };
    let (lines, raster) = &*under;
    background::draw_raster(&area, raster, &win)?;
    background::draw_axes(&mut chart, &xa, &ya, &sizes, &place.margins)?;
    if contours == Contours::Vector {
        background::draw_lines(&area, lines, &sizes)?;
    }
    if paths == Paths::Drawn {
        for &i in &plan.order {
            paths::draw_run(&area, &runs[i], &plan.styles[i], &win, per_px)?;
        }
        draw_marks(&area, &marks)?;
    } else {
        // The animation draws the paths, then these marks over them, frame by frame.
        draw_marks(&area, &marks)?;
    }
    let legend = match (&legend_inside, &place.below) {
        (Some((legend, (x, y))), _) => Some((legend, (px + x, py + y))),
        (None, Some((legend, at))) => Some((legend, *at)),
        (None, None) => None,
    };
    if let Some((legend, at)) = legend {
        legend.draw(root, at)?;
    }
    background::draw_frame(&area, &win, &sizes)?;
    colour_bar::draw(root, scene, &prepared.levels, map, &place, &sizes)?;

    let strip_width = pw + place.margins.bar_gap;
    Ok(Layout {
        coord: area.as_coord_spec().clone(),
        plot: (px, py, pw, ph),
        window: win,
        per_px,
        sizes,
        strip: (strip_width, place.margins.strip),
        order: plan.order,
        styles: plan.styles,
        marks,
        visible: plan.visible,
        legend: legend.map(|(l, (x, y))| {
            let (w, h) = l.size();
            (x, y, w, h)
        }),
        data,
    })
}

impl Layout {
    /// Every run's drawing, its markers and the marks, as masks of the plot area.
    pub(in crate::plot) fn data(&self) -> &[Mask] {
        &self.data
    }
}

/// Data units per pixel of a plot of `pw × ph` pixels over `win`.
fn per_pixel(win: &Window, (pw, ph): (u32, u32)) -> [f64; 2] {
    [
        (win.x[1] - win.x[0]) / pw.max(1) as f64,
        (win.y[1] - win.y[0]) / ph.max(1) as f64,
    ]
}
