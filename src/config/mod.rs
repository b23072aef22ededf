//! Everything that turns user input into a validated experiment.
//!
//! An experiment file (the pinned format of DESIGN.md) is parsed with toml's spanned tree and
//! walked by hand, so every mistake is reported with its file, line:column and dotted key
//! before any step runs. `compare`'s command-line values go through [`compare_experiment`].

mod compare;
mod error;
mod optimizer;
mod reader;

use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::core::surface::SURFACE_KINDS;
use crate::core::{Point, RunSpec, Surface, Window};

pub(crate) use compare::unknown;
pub use compare::{CompareRequest, LrRequest, compare_experiment, picture_formats};
pub use error::{
    ConfigError, ErrorKind, Position, UsageError, closest, edit_distance, line_column,
};
pub use optimizer::{
    DEFAULT_LR, FALLBACK_LR, OPTIMIZER_KINDS, default_lr, hyperparameter_keys, optimizer_keys,
    optimizer_with_defaults, schedule_keys, short_number, summary,
};

use reader::{Cx, Rule, Table, join};

/// The most steps a run may take.
pub const MAX_STEPS: u64 = 1_000_000;
/// Steps when the file does not say.
pub const DEFAULT_STEPS: u64 = 200;
/// How far from the origin a start may be (runs diverge at 1e6).
pub const MAX_START: f64 = 1e5;
/// The picture formats optplay writes. `gif` animates the trajectories figure only.
pub const FORMATS: [&str; 3] = ["png", "svg", "gif"];
/// The formats written when neither the file nor the command line names any: the animation
/// takes far longer to draw than the still figures, so it is asked for, not the default.
pub const DEFAULT_FORMATS: [&str; 2] = ["png", "svg"];
/// What the loss figure's x axis may count (`[plot] x_axis`).
pub const X_AXES: [&str; 2] = ["steps", "evaluations"];

/// The loss figure's x axis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum XAxis {
    /// Optimizer steps.
    #[default]
    Steps,
    /// Gradient evaluations: fair between methods that spend several on one step.
    Evaluations,
}

/// A validated experiment: every value checked, every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// Output directory name; default: the file stem.
    pub name: String,
    pub steps: u64,
    pub seed: u64,
    pub start: Point,
    pub tolerance: Option<f64>,
    pub surface: Surface,
    /// Standard deviation of the gradient noise; `None` when absent or 0.
    pub noise: Option<f64>,
    pub plot: PlotSettings,
    pub runs: Vec<RunConfig>,
}

/// One `[[optimizer]]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Unique within the experiment; default: the kind.
    pub label: String,
    /// The kind as written: one of [`OPTIMIZER_KINDS`].
    pub kind: String,
    pub spec: RunSpec,
    /// Key hyperparameters for a plot legend: "lr=0.1, β=(0.9, 0.999)".
    pub summary: String,
    /// `noise = STD` in the run's table: its own gradient noise instead of the experiment's
    /// `[noise]` (0: exact gradients), so one file can compare full-batch and noisy runs.
    pub noise: Option<f64>,
}

impl RunConfig {
    /// The gradient noise this run sees in `experiment`: its own, else the experiment's.
    pub fn noise_std(&self, experiment_noise: Option<f64>) -> Option<f64> {
        self.noise.or(experiment_noise).filter(|&std| std > 0.0)
    }
}

/// `[plot]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSettings {
    pub window: Window,
    pub levels: usize,
    /// `None`: decide from the data.
    pub log_levels: Option<bool>,
    pub width: u32,
    pub height: u32,
    /// Deduplicated, in the order given; each one of [`FORMATS`].
    pub formats: Vec<String>,
    pub x_axis: XAxis,
}

impl PlotSettings {
    /// The defaults for a surface.
    pub fn default_for(surface: &Surface) -> PlotSettings {
        PlotSettings {
            window: surface.window(),
            levels: 30,
            log_levels: None,
            width: 1000,
            height: 800,
            formats: DEFAULT_FORMATS.iter().map(|f| f.to_string()).collect(),
            x_axis: XAxis::Steps,
        }
    }
}

/// `optplay run`'s command-line overrides, applied while parsing so that everything derived
/// from them (a cosine schedule's default `t_max` follows `steps`) agrees.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overrides {
    pub steps: Option<u64>,
    pub seed: Option<u64>,
    pub formats: Option<Vec<String>>,
}

impl Overrides {
    /// Checks the values as command-line options (a usage error, exit code 2).
    pub fn validate(&self) -> Result<(), UsageError> {
        if let Some(steps) = self.steps
            && !(1..=MAX_STEPS).contains(&steps)
        {
            return Err(UsageError::new(
                "--steps",
                format!("the number of steps must be from 1 to {MAX_STEPS}, not {steps}."),
            ));
        }
        if let Some(formats) = &self.formats {
            picture_formats(formats)?;
        }
        Ok(())
    }
}

/// [`load`] with `run`'s overrides; call [`Overrides::validate`] first.
pub fn load_with(path: &Path, overrides: &Overrides) -> Result<Experiment, ConfigError> {
    load_all(path, overrides).map_err(|mut errors| errors.swap_remove(0))
}

/// [`load_with`], reporting every error in the file (in source order), not just the first.
pub fn load_all(path: &Path, overrides: &Overrides) -> Result<Experiment, Vec<ConfigError>> {
    let source = read(path).map_err(|e| vec![e])?;
    check_with(&source, path, overrides)
}

/// Reads and validates an experiment file. A file that is missing, a directory or not UTF-8
/// is a [`ErrorKind::Read`] error naming the file.
pub fn load(path: &Path) -> Result<Experiment, ConfigError> {
    load_with(path, &Overrides::default())
}

/// The file's text, or a [`ErrorKind::Read`] error naming it.
fn read(path: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
            std::io::ErrorKind::IsADirectory => "it is a directory, not a file".to_string(),
            _ if path.is_dir() => "it is a directory, not a file".to_string(),
            _ => e.to_string(),
        };
        ConfigError::whole_file(
            ErrorKind::Read,
            path,
            format!("cannot read {}: {reason}", path.display()),
        )
    })?;
    let source = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(e.as_bytes().get(..valid).unwrap_or_default());
        let at = line_column(&prefix, valid);
        ConfigError::whole_file(
            ErrorKind::Read,
            path,
            format!(
                "cannot read {}: it is not UTF-8 text (invalid byte at line {}, column {})",
                path.display(),
                at.line,
                at.column
            ),
        )
        .note("an experiment file is TOML, which is UTF-8 text; save it as UTF-8")
    })?;
    Ok(source)
}

/// Parses and validates an experiment from `source`; `path` names it in errors and gives the
/// default name. Returns the first error in the file (see [`check`] for all of them).
pub fn parse(source: &str, path: &Path) -> Result<Experiment, ConfigError> {
    check(source, path).map_err(|mut errors| errors.swap_remove(0))
}

/// Like [`parse`], but returns every error found, in source order (never an empty list).
pub fn check(source: &str, path: &Path) -> Result<Experiment, Vec<ConfigError>> {
    check_with(source, path, &Overrides::default())
}

/// [`check`] with `run`'s overrides.
pub fn check_with(
    source: &str,
    path: &Path,
    overrides: &Overrides,
) -> Result<Experiment, Vec<ConfigError>> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if source.trim().is_empty() {
        return Err(vec![
            ConfigError::whole_file(
                ErrorKind::Missing,
                path,
                "empty experiment file: it has no `[surface]`",
            )
            .expected("a `[surface]` table with a `kind`, and at least one `[[optimizer]]`")
            .note("`optplay init FILE` writes a commented starter experiment"),
        ]);
    }
    let root = match DeTable::parse(source) {
        Ok(root) => root,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let error = ConfigError::at(
                ErrorKind::Syntax,
                path,
                source,
                span,
                "invalid TOML".to_string(),
            )
            .detail(e.message().trim().to_string());
            return Err(vec![error]);
        }
    };
    let mut cx = Cx {
        src: source,
        file: path,
        errors: Vec::new(),
    };
    let experiment = experiment(&mut cx, root.get_ref(), path, overrides);
    let mut errors = cx.errors;
    match experiment {
        Some(e) if errors.is_empty() => Ok(e),
        _ => {
            if errors.is_empty() {
                // Every `None` above records an error; this is a safety net, not a path.
                errors.push(ConfigError::whole_file(
                    ErrorKind::InvalidValue,
                    path,
                    "invalid experiment",
                ));
            }
            // Source order; errors about the whole file (no position) last.
            errors.sort_by_key(|e| e.span.as_ref().map_or(usize::MAX, |s| s.start));
            Err(errors)
        }
    }
}

const ROOT_KEYS: [&str; 9] = [
    "name",
    "steps",
    "seed",
    "start",
    "tolerance",
    "surface",
    "noise",
    "plot",
    "optimizer",
];

/// The parameters of each surface kind, besides `kind`.
pub fn surface_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "quadratic" => &["matrix", "center"],
        "saddle" => &["a", "b", "c"],
        "bowl" => &["global", "barrier", "local", "curvature"],
        "rosenbrock" => &["a", "b"],
        "rastrigin" => &["a"],
        _ => &[],
    }
}

fn experiment(
    cx: &mut Cx<'_>,
    root: &DeTable<'_>,
    path: &Path,
    overrides: &Overrides,
) -> Option<Experiment> {
    let root = Table {
        map: root,
        bounds: (0, 0),
        path: "",
    };
    cx.check_keys(root, &ROOT_KEYS, "an experiment file", |key| {
        (["kind", "lr"].contains(&key) || hyperparameter_keys("adam").contains(&key))
            .then(|| format!("`{key}` goes inside a table such as `[surface]` or `[[optimizer]]`"))
    });

    let name = match cx.get(root, "name") {
        Some(v) => experiment_name(cx, v),
        None => Some(default_name(path)),
    };
    let steps = match cx.get(root, "steps") {
        Some(v) => cx.integer(v, "steps", 1, MAX_STEPS),
        None => Some(DEFAULT_STEPS),
    };
    let seed = match cx.get(root, "seed") {
        Some(v) => cx.integer(v, "seed", 0, u64::MAX),
        None => Some(0),
    };
    let tolerance = match cx.get(root, "tolerance") {
        Some(v) => cx.number(v, "tolerance", Rule::Positive).map(Some),
        None => Some(None),
    };
    let surface = match cx.get(root, "surface") {
        Some(v) => cx.table(v, "surface").and_then(|t| surface(cx, t)),
        None => {
            let e = ConfigError::whole_file(ErrorKind::Missing, path, "missing table `[surface]`")
                .key("surface")
                .expected(format!(
                    "a `[surface]` table with a `kind`, one of: {}",
                    SURFACE_KINDS.join(", ")
                ));
            cx.push(e);
            None
        }
    };
    let start = match (cx.get(root, "start"), &surface) {
        (Some(v), _) => cx.pair(v, "start", Rule::MaxAbs(MAX_START)),
        (None, Some(s)) => Some(s.default_start()),
        (None, None) => None,
    };
    let noise = match cx.get(root, "noise") {
        Some(v) => cx.table(v, "noise").and_then(|t| noise(cx, t)),
        None => Some(None),
    };
    let plot = match cx.get(root, "plot") {
        Some(v) => cx
            .table(v, "plot")
            .and_then(|t| plot(cx, t, surface.as_ref())),
        None => surface.as_ref().map(PlotSettings::default_for),
    };
    // The command line wins; the file's values were still checked above.
    let steps = overrides.steps.or(steps);
    let seed = overrides.seed.or(seed);
    let plot = match (plot, &overrides.formats) {
        (Some(mut plot), Some(formats)) => match picture_formats(formats) {
            Ok(formats) => {
                plot.formats = formats;
                Some(plot)
            }
            Err(_) => Some(plot),
        },
        (plot, _) => plot,
    };
    let runs = runs(
        cx,
        root,
        path,
        surface.as_ref().map(Surface::kind),
        steps.unwrap_or(DEFAULT_STEPS).clamp(1, MAX_STEPS),
    );

    Some(Experiment {
        name: name?,
        steps: steps?,
        seed: seed?,
        start: start?,
        tolerance: tolerance?,
        surface: surface?,
        noise: noise?,
        plot: plot?,
        runs: runs?,
    })
}

/// The file stem, or "experiment" when the path has none.
fn default_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "experiment".to_string())
}

/// `name` becomes a directory under `--out`: one plain path component.
fn experiment_name(cx: &mut Cx<'_>, v: &reader::Value<'_>) -> Option<String> {
    let expected =
        "a non-empty name without `/`, `\\` or control characters (it names the output directory)";
    let s = cx.string(v, "name", expected)?;
    let bad = s.trim().is_empty()
        || s == "."
        || s == ".."
        || s.chars().any(|c| c == '/' || c == '\\' || c.is_control());
    if bad {
        cx.invalid(v, "name", expected);
        return None;
    }
    Some(s.to_string())
}

fn surface(cx: &mut Cx<'_>, table: Table<'_, '_>) -> Option<Surface> {
    let kind_value = cx.require(table, "kind", "a surface kind, e.g. \"quadratic\"")?;
    let kind = cx.name(kind_value, "surface.kind", "surface kind", &SURFACE_KINDS)?;
    let allowed: Vec<&str> = std::iter::once("kind")
        .chain(surface_keys(kind).iter().copied())
        .collect();
    cx.check_keys(
        table,
        &allowed,
        &format!("`[surface]` with kind = \"{kind}\""),
        |_| None,
    );
    let mut s = crate::core::registry::default_surface(kind)?;
    let mut ok = true;
    let mut num = |cx: &mut Cx<'_>, key: &str, rule: Rule, slot: &mut f64| {
        if let Some(v) = cx.get(table, key) {
            match cx.number(v, &join("surface", key), rule) {
                Some(x) => *slot = x,
                None => ok = false,
            }
        }
    };
    match &mut s {
        Surface::Quadratic { matrix, center } => {
            if let Some(v) = cx.get(table, "center") {
                match cx.pair(v, "surface.center", Rule::Any) {
                    Some(c) => *center = c,
                    None => ok = false,
                }
            }
            if let Some(v) = cx.get(table, "matrix") {
                match quadratic_matrix(cx, v) {
                    Some(m) => *matrix = m,
                    None => ok = false,
                }
            }
        }
        Surface::Saddle { a, b, c } => {
            num(cx, "a", Rule::Positive, a);
            num(cx, "b", Rule::Positive, b);
            num(cx, "c", Rule::NonNegative, c);
        }
        Surface::Bowl {
            global,
            barrier,
            local,
            curvature,
        } => {
            num(cx, "global", Rule::Any, global);
            num(cx, "barrier", Rule::Any, barrier);
            num(cx, "local", Rule::Any, local);
            num(cx, "curvature", Rule::Positive, curvature);
            let (g, b, l) = (*global, *barrier, *local);
            let between = (g < b && b < l) || (l < b && b < g);
            if ok && !between {
                bowl_order_error(cx, table, g, b, l);
                return None;
            }
        }
        Surface::Rosenbrock { a, b } => {
            num(cx, "a", Rule::Any, a);
            num(cx, "b", Rule::Positive, b);
        }
        Surface::Rastrigin { a } => num(cx, "a", Rule::Positive, a),
        Surface::Beale | Surface::Himmelblau => {}
    }
    ok.then_some(s)
}

fn bowl_order_error(cx: &mut Cx<'_>, table: Table<'_, '_>, g: f64, b: f64, l: f64) {
    // Point at the barrier if written, else at whichever of the others was.
    let (key, span) = ["barrier", "global", "local"]
        .iter()
        .find_map(|k| cx.get(table, k).map(|v| (*k, v.span())))
        .unwrap_or(("barrier", table.span()));
    let written = |k: &str| {
        if cx.get(table, k).is_some() {
            ""
        } else {
            " (default)"
        }
    };
    let found = format!(
        "global = {g}{}, barrier = {b}{}, local = {l}{}",
        written("global"),
        written("barrier"),
        written("local")
    );
    let path = join("surface", key);
    let e = cx
        .error(
            ErrorKind::InvalidValue,
            span,
            format!("invalid value for `{path}`"),
        )
        .key(path)
        .expected("`barrier` strictly between `global` and `local`")
        .found(found);
    cx.push(e);
}

/// A finite, symmetric 2x2 matrix: `[[a, b], [b, d]]`.
fn quadratic_matrix(cx: &mut Cx<'_>, v: &reader::Value<'_>) -> Option<[[f64; 2]; 2]> {
    let key = "surface.matrix";
    let expected = "a symmetric 2x2 matrix of finite numbers, e.g. [[1, 0], [0, 20]]";
    let rows = cx.array(v, key, expected)?;
    let [r0, r1] = rows else {
        cx.invalid(v, key, expected);
        return None;
    };
    let m0 = cx.pair(r0, key, Rule::Any);
    let m1 = cx.pair(r1, key, Rule::Any);
    let m = [m0?, m1?];
    if m[0][1] != m[1][0] {
        let found = format!(
            "{} (A[0][1] = {} but A[1][0] = {})",
            cx.show(v, true),
            m[0][1],
            m[1][0]
        );
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                v.span(),
                format!("invalid value for `{key}`"),
            )
            .key(key)
            .expected(expected)
            .found(found);
        cx.push(e);
        return None;
    }
    Some(m)
}

fn noise(cx: &mut Cx<'_>, table: Table<'_, '_>) -> Option<Option<f64>> {
    cx.check_keys(table, &["std"], "`[noise]`", |_| None);
    let v = cx.require(
        table,
        "std",
        "a number ≥ 0, the gradient noise's standard deviation",
    )?;
    let std = cx.number(v, "noise.std", Rule::NonNegative)?;
    Some((std > 0.0).then_some(std))
}

const PLOT_KEYS: [&str; 8] = [
    "x",
    "y",
    "levels",
    "log_levels",
    "width",
    "height",
    "formats",
    "x_axis",
];

fn plot(cx: &mut Cx<'_>, table: Table<'_, '_>, surface: Option<&Surface>) -> Option<PlotSettings> {
    cx.check_keys(table, &PLOT_KEYS, "`[plot]`", |_| None);
    let mut ok = true;
    let mut range = |cx: &mut Cx<'_>, key: &str| -> Option<[f64; 2]> {
        let v = cx.get(table, key)?;
        let path = join("plot", key);
        let r = cx.pair(v, &path, Rule::Any);
        match r {
            Some([lo, hi]) if lo < hi => Some([lo, hi]),
            Some(_) => {
                cx.invalid(v, &path, "[min, max] with min < max");
                ok = false;
                None
            }
            None => {
                ok = false;
                None
            }
        }
    };
    let x = range(cx, "x");
    let y = range(cx, "y");
    let int = |cx: &mut Cx<'_>, key: &str, lo: u64, hi: u64, default: u64| match cx.get(table, key)
    {
        Some(v) => cx.integer(v, &join("plot", key), lo, hi),
        None => Some(default),
    };
    let levels = int(cx, "levels", 1, 500, 30);
    let width = int(cx, "width", 200, 8000, 1000);
    let height = int(cx, "height", 200, 8000, 800);
    let log_levels = match cx.get(table, "log_levels") {
        Some(v) => cx.boolean(v, "plot.log_levels").map(Some),
        None => Some(None),
    };
    let formats = match cx.get(table, "formats") {
        Some(v) => formats(cx, v),
        None => Some(DEFAULT_FORMATS.iter().map(|f| f.to_string()).collect()),
    };
    let x_axis = match cx.get(table, "x_axis") {
        Some(v) => cx
            .name(v, "plot.x_axis", "loss x axis", &X_AXES)
            .map(|name| match name {
                "evaluations" => XAxis::Evaluations,
                _ => XAxis::Steps,
            }),
        None => Some(XAxis::Steps),
    };
    let mut settings = PlotSettings::default_for(surface?);
    if let Some(x) = x {
        settings.window.x = x;
    }
    if let Some(y) = y {
        settings.window.y = y;
    }
    settings.levels = usize::try_from(levels?).ok()?;
    settings.width = u32::try_from(width?).ok()?;
    settings.height = u32::try_from(height?).ok()?;
    settings.log_levels = log_levels?;
    settings.formats = formats?;
    settings.x_axis = x_axis?;
    ok.then_some(settings)
}

fn formats(cx: &mut Cx<'_>, v: &reader::Value<'_>) -> Option<Vec<String>> {
    let expected = format!("a non-empty array of formats from: {}", FORMATS.join(", "));
    let items = cx.array(v, "plot.formats", &expected)?;
    if items.is_empty() {
        cx.invalid(v, "plot.formats", expected);
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for item in items {
        match cx.name(item, "plot.formats", "picture format", &FORMATS) {
            Some(f) if !out.iter().any(|o| o == f) => out.push(f.to_string()),
            Some(_) => {}
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn runs(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    path: &Path,
    surface_kind: Option<&str>,
    steps: u64,
) -> Option<Vec<RunConfig>> {
    let no_runs = || {
        format!(
            "at least one `[[optimizer]]` table with a `kind`, one of: {}",
            OPTIMIZER_KINDS.join(", ")
        )
    };
    let Some(v) = cx.get(root, "optimizer") else {
        let e = ConfigError::whole_file(ErrorKind::Missing, path, "no optimizer runs")
            .key("optimizer")
            .expected(no_runs());
        cx.push(e);
        return None;
    };
    let items = match v.get_ref() {
        DeValue::Array(items) => items,
        DeValue::Table(_) => {
            let found = "a single table `[optimizer]`".to_string();
            let e = cx
                .error(
                    ErrorKind::WrongType,
                    v.span(),
                    "wrong type for `optimizer`".to_string(),
                )
                .key("optimizer")
                .expected("an array of tables `[[optimizer]]`")
                .found(found)
                .note("write each run as `[[optimizer]]`, with double brackets");
            cx.push(e);
            return None;
        }
        _ => {
            cx.wrong_type(v, "optimizer", "an array of tables `[[optimizer]]`");
            return None;
        }
    };
    if items.is_empty() {
        cx.invalid(v, "optimizer", no_runs());
        return None;
    }
    let mut runs = Vec::with_capacity(items.len());
    let mut ok = true;
    // Where each label came from: the label value or, when defaulted, the table header.
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key_path = format!("optimizer[{}]", i + 1);
        let Some(table) = cx.table(item, &key_path) else {
            ok = false;
            continue;
        };
        let Some(run) = optimizer::parse_optimizer(cx, table, surface_kind, steps) else {
            ok = false;
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(l, _)| *l == run.label) {
            let label_path = join(&key_path, "label");
            let span = cx.get(table, "label").map_or(table.span(), |l| l.span());
            let first_line = line_column(cx.src, *first).line;
            let e = cx
                .error(
                    ErrorKind::Duplicate,
                    span,
                    format!("duplicate label `{}`", run.label),
                )
                .key(label_path)
                .expected("a label not used by another run")
                .found(format!(
                    "`{}`, already used on line {first_line}",
                    run.label
                ))
                .note("labels name runs in plots and tables; give one run a different `label`");
            cx.push(e);
            ok = false;
            continue;
        }
        let origin = cx
            .get(table, "label")
            .map_or(table.bounds.0, |l| l.span().start);
        seen.push((run.label.clone(), origin));
        runs.push(run);
    }
    ok.then_some(runs)
}

#[cfg(test)]
mod tests;
