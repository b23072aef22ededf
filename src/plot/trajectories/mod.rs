//! The trajectories figure: contour lines of f over a pale filled background with a colour
//! bar, every run's path, its start and end, known minima and saddle points, and a legend.
//!
//! [`draw_prepared`] draws it in the order the layers stack, one room each:
//! - `layout`: where the plot, its label areas and a legend under it go;
//! - `background`: the filled background, the axes, the contour lines, the marked points;
//! - `paths`: every run's path and its markers (the animation draws them step by step);
//! - `legend`: the runs and what the markers mean, in a corner or under the plot;
//! - `colour_bar`: the levels' colours and values beside the plot.

mod background;
mod colour_bar;
mod layout;
mod legend;
mod paths;

use std::sync::Mutex;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, Ticked};
use super::colormap::{ColorMap, background as background_raster};
use super::contours::{Polyline, isolines};
use super::levels::{Levels, choose_levels};
use super::parts::title;
use super::{PlotError, Scene};
use crate::core::{Grid, Window};

pub(super) use layout::{BAR_GAP, RIGHT_PAD, TOP_PAD};
pub(super) use paths::{
    PATH_POINTS, PATH_TOLERANCE_PX, draw_path, draw_step_marker, end_marker, is_step_marker,
    snapshot_marker, start_marker,
};

/// Whether the figure draws the runs' paths, or leaves them to the animation, which draws
/// them step by step over this figure (legend, markers of minima, colour bar and all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paths {
    Drawn,
    Omitted,
}

/// The plot area's coordinates: data to pixels of the whole figure.
pub type PlotCoord = Cartesian2d<Ticked, Ticked>;

/// Where the figure put the plot, so that the animation draws its paths exactly over the
/// still figure and its step counter above the plot.
pub struct Layout {
    pub coord: PlotCoord,
    /// The plot area in the figure's pixels: left, top, width, height.
    pub plot: (i32, i32, u32, u32),
    pub window: Window,
    /// Data units per pixel along x and y.
    pub per_px: [f64; 2],
}

/// A background raster and its size in pixels.
type Background = ((u32, u32), Vec<u8>);

/// What the trajectories figure draws from the grid, the same for every format: computed once
/// per scene, shared by the PNG and the SVG (which may be drawn at the same time).
pub struct Prepared {
    levels: Levels,
    lines: Vec<Vec<Polyline>>,
    /// Background rasters by size in pixels (one size in practice: both formats lay out alike).
    backgrounds: Mutex<Vec<Background>>,
}

impl Prepared {
    pub fn new(scene: &Scene) -> Prepared {
        let levels = choose_levels(scene.grid, scene.min_value, scene.levels, scene.log_levels);
        let lines = isolines(scene.grid, &levels.values);
        Prepared {
            levels,
            lines,
            backgrounds: Mutex::new(Vec::new()),
        }
    }

    fn background(&self, grid: &Grid, map: &ColorMap, (w, h): (u32, u32)) -> Vec<u8> {
        let mut cache = self.backgrounds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, bg)) = cache.iter().find(|(size, _)| *size == (w, h)) {
            return bg.clone();
        }
        let bg = background_raster(grid, &self.levels, map, w, h);
        cache.push(((w, h), bg.clone()));
        bg
    }
}

/// Draws the figure on `root` and says where its plot went.
pub fn draw_prepared<'r, DB: DrawingBackend + 'r>(
    scene: &Scene,
    prepared: &Prepared,
    root: &'r DrawingArea<DB, Shift>,
    paths: Paths,
) -> Result<Layout, PlotError> {
    root.fill(&WHITE)?;
    let title_bottom = title(root, &heading(scene))?;
    let grid = scene.grid;
    let win = layout::sane_window(grid.window);
    let place = layout::place(root, scene, &win, title_bottom)?;
    let (pw, ph) = place.plot;

    let chart_area = place.chart_area(root);
    let xa = Axis::linear(win.x[0], win.x[1], (pw / 90).clamp(3, 11) as usize);
    let ya = Axis::linear(win.y[0], win.y[1], (ph / 80).clamp(3, 11) as usize);
    let mut chart = layout::chart(&chart_area, &xa, &ya)?;
    let area = chart.plotting_area().clone();
    let (aw, ah) = area.dim_in_pixel();
    let per_px = [
        (win.x[1] - win.x[0]) / aw.max(1) as f64,
        (win.y[1] - win.y[0]) / ah.max(1) as f64,
    ];

    let map = ColorMap::pale();
    background::draw_raster(&area, prepared.background(grid, &map, (aw, ah)), &win)?;
    background::draw_axes(&mut chart, &xa, &ya)?;
    background::draw_contours(&area, &prepared.lines, per_px)?;
    background::draw_marked_points(&area, scene, &win)?;

    let drawn = paths::draw_paths(&area, scene, &win, per_px, paths == Paths::Drawn)?;
    legend::draw(root, &mut chart, scene, &win, per_px, &place, drawn)?;
    background::draw_frame(&area, &win)?;

    colour_bar::draw(root, scene, &prepared.levels, &map, &place, ah)?;
    let (xs, ys) = area.get_pixel_range();
    Ok(Layout {
        coord: area.as_coord_spec().clone(),
        plot: (xs.start, ys.start, aw, ah),
        window: win,
        per_px,
    })
}

/// The figure's title: the experiment's name and the formula, either when the other is empty.
fn heading(scene: &Scene) -> String {
    if scene.title.is_empty() {
        scene.formula.clone()
    } else if scene.formula.is_empty() {
        scene.title.clone()
    } else {
        format!("{} — {}", scene.title, scene.formula)
    }
}

/// The pixel of a data point in the plot area, from its top-left corner.
fn plot_pixel(p: [f64; 2], win: &Window, per_px: [f64; 2]) -> (i32, i32) {
    (
        ((p[0] - win.x[0]) / per_px[0]) as i32,
        ((win.y[1] - p[1]) / per_px[1]) as i32,
    )
}
