//! The surface problem: `[surface]`, `start`, and the 2-D parts of `[plot]` (window, contour
//! levels, grid). Nothing here knows of any other kind of problem.

use std::path::Path;
use std::sync::Arc;

use crate::core::registry::{self, SURFACES};
use crate::core::spec::{Configured, Range};
use crate::core::{Point, Surface, SurfaceKind, Window};

use super::MAX_START;
use super::error::{ConfigError, ErrorKind};
use super::reader::{Cx, Table, join};
use super::settings::{judged_on_good_keys, range, read_keys, report_invalid};

/// The keys `[plot]` takes for a surface, besides the ones every problem's plots take.
pub const PLOT_KEYS: [&str; 5] = ["x", "y", "levels", "log_levels", "grid"];

/// Samples per side of the grid the contour figure is drawn from, unless `[plot] grid` says.
pub const DEFAULT_GRID: usize = 400;

/// A validated surface problem: the function, where runs start, and how to look at it.
#[derive(Debug, Clone)]
pub struct SurfaceProblem {
    /// The kind and its settings, as the file gave them.
    pub surface: Configured<SurfaceKind>,
    /// The function those settings build.
    pub function: Arc<dyn Surface>,
    pub start: Point,
    pub view: SurfaceView,
}

impl PartialEq for SurfaceProblem {
    /// The function is built from the settings, so the settings say it all.
    fn eq(&self, other: &Self) -> bool {
        self.surface == other.surface && self.start == other.start && self.view == other.view
    }
}

/// How the trajectory figure looks at the surface (`[plot]`'s 2-D keys).
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceView {
    pub window: Window,
    pub levels: usize,
    /// `None`: decide from the data.
    pub log_levels: Option<bool>,
    /// Samples per side of the grid behind the contours.
    pub grid: usize,
}

impl SurfaceProblem {
    /// The surface `kind` with `settings`, from its own start, seen through its own window.
    pub fn new(surface: Configured<SurfaceKind>, function: Arc<dyn Surface>) -> SurfaceProblem {
        SurfaceProblem {
            start: function.default_start(),
            view: SurfaceView {
                window: function.window(),
                levels: 30,
                log_levels: None,
                grid: DEFAULT_GRID,
            },
            surface,
            function,
        }
    }

    /// The kind's name: "saddle".
    pub fn kind(&self) -> &'static str {
        self.surface.kind.name
    }

    /// The built-in surface `name` with its defaults.
    pub fn default_of(name: &str) -> Option<SurfaceProblem> {
        let kind = registry::surface(name)?;
        let function = kind.build_default()?;
        Some(SurfaceProblem::new(Configured::defaults(kind), function))
    }
}

/// Reads `[surface]`, then `start` and `[plot]`'s 2-D keys from the root.
pub(crate) fn parse(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    path: &Path,
    plot: Option<Table<'_, '_>>,
) -> Option<SurfaceProblem> {
    let surface = match cx.get(root, "surface") {
        Some(v) => cx.table(v, "surface").and_then(|t| surface(cx, t)),
        None => {
            let names = registry::surface_names();
            let e = ConfigError::whole_file(ErrorKind::Missing, path, "missing table `[surface]`")
                .key("surface")
                .expected(format!(
                    "a `[surface]` table with a `kind`, one of: {}",
                    names.join(", ")
                ));
            cx.push(e);
            None
        }
    };
    let start = match (cx.get(root, "start"), &surface) {
        (Some(v), _) => cx.pair(v, "start", Range::MaxAbs(MAX_START)),
        (None, Some((configured, _))) if configured.kind.needs_start => {
            let e = ConfigError::whole_file(ErrorKind::Missing, path, "missing key `start`")
                .key("start")
                .expected(format!(
                    "`start = [x, y]`: a surface of kind \"{}\" has no start of its own",
                    configured.kind.name
                ));
            cx.push(e);
            None
        }
        (None, Some((_, f))) => Some(f.default_start()),
        (None, None) => None,
    };
    let view = match (plot, &surface) {
        (Some(table), Some((_, f))) => view(cx, table, f.window()),
        (Some(table), None) => {
            // Still check the keys, so every mistake is found in one go.
            view(
                cx,
                table,
                Window {
                    x: [0.0, 1.0],
                    y: [0.0, 1.0],
                },
            );
            None
        }
        (None, Some((_, f))) => Some(SurfaceView {
            window: f.window(),
            levels: 30,
            log_levels: None,
            grid: DEFAULT_GRID,
        }),
        (None, None) => None,
    };
    let (surface, function) = surface?;
    let start = start?;
    let at_start = function.value2(start);
    if !at_start.is_finite() {
        // A run from here could take no step: say so before anything runs.
        let e = match cx.get(root, "start") {
            Some(v) => cx.error(
                ErrorKind::InvalidValue,
                v.span(),
                "invalid value for `start`".to_string(),
            ),
            None => ConfigError::whole_file(ErrorKind::InvalidValue, path, "invalid start"),
        }
        .key("start")
        .expected("a point where f is defined (a finite number)")
        .found(format!(
            "f({}, {}) = {at_start}",
            crate::number::short(start[0]),
            crate::number::short(start[1])
        ));
        cx.push(e);
        return None;
    }
    Some(SurfaceProblem {
        surface,
        function,
        start,
        view: view?,
    })
}

fn surface(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
) -> Option<(Configured<SurfaceKind>, Arc<dyn Surface>)> {
    let kind_value = cx.require(table, "kind", "a surface kind, e.g. \"quadratic\"")?;
    let names = registry::surface_names();
    let name = cx.name(kind_value, "surface.kind", "surface kind", &names)?;
    let kind = registry::surface(name)?;
    let allowed: Vec<&str> = std::iter::once("kind")
        .chain(kind.keys.iter().map(|k| k.name))
        .collect();
    cx.check_keys(
        table,
        &allowed,
        &format!("`[surface]` with kind = \"{name}\""),
        |key| {
            let owners: Vec<String> = SURFACES
                .iter()
                .filter(|k| k.keys.iter().any(|own| own.name == key))
                .map(|k| format!("`{}`", k.name))
                .collect();
            (!owners.is_empty()).then(|| {
                format!(
                    "`{key}` is a parameter of {}, not of `{name}`",
                    owners.join(", ")
                )
            })
        },
    );
    let mut configured = Configured::defaults(kind);
    let failed = read_keys(cx, table, kind.keys, &mut configured.settings);
    // Built even when a key was wrong, so its rules between keys are checked in the same pass
    // (a formula's mistake too); a broken rule is reported only over keys that were right.
    match (kind.build)(&configured.settings) {
        Ok(function) => failed.is_empty().then_some((configured, function)),
        Err(invalid) => {
            if judged_on_good_keys(&invalid, &failed) {
                report_invalid(cx, table, kind.keys, &configured.settings, *invalid);
            }
            None
        }
    }
}

/// `[plot]`'s 2-D keys over the surface's own window.
fn view(cx: &mut Cx<'_>, table: Table<'_, '_>, window: Window) -> Option<SurfaceView> {
    let read_range = |cx: &mut Cx<'_>, key: &str| -> Option<Option<[f64; 2]>> {
        match cx.get(table, key) {
            Some(v) => range(cx, v, &join("plot", key)).map(Some),
            None => Some(None),
        }
    };
    let x = read_range(cx, "x");
    let y = read_range(cx, "y");
    let int = |cx: &mut Cx<'_>, key: &str, lo: u64, hi: u64, default: u64| match cx.get(table, key)
    {
        Some(v) => cx.integer(v, &join("plot", key), lo, hi),
        None => Some(default),
    };
    let levels = int(cx, "levels", 1, 500, 30);
    let grid = int(cx, "grid", 8, 2000, DEFAULT_GRID as u64);
    let log_levels = match cx.get(table, "log_levels") {
        Some(v) => cx.boolean(v, "plot.log_levels").map(Some),
        None => Some(None),
    };
    Some(SurfaceView {
        window: Window {
            x: x?.unwrap_or(window.x),
            y: y?.unwrap_or(window.y),
        },
        levels: usize::try_from(levels?).ok()?,
        log_levels: log_levels?,
        grid: usize::try_from(grid?).ok()?,
    })
}
