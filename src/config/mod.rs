//! Everything that turns user input into a validated experiment.
//!
//! An experiment file (the format README.md documents, an interface scripts rely on) is
//! parsed with toml's spanned tree and walked by hand, so every mistake is reported with its
//! file, line:column and dotted key before any step runs. `compare`'s command-line values go through [`compare_experiment`].

mod compare;
pub mod ensemble;
mod error;
mod metric;
pub mod network;
mod network_start;
mod optimizer;
mod reader;
mod settings;
pub mod surface;
pub mod sweep;
pub mod transfer;
mod weights;
pub mod write;

use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::core::spec::{Configured, Range};
use crate::core::{OptimizerKind, RunSpec, ScheduleKind};

pub(crate) use compare::unknown;
pub use compare::{CompareRequest, LrRequest, NO_FORMATS, compare_experiment, picture_formats};
pub use ensemble::EnsembleSettings;
pub use error::{ConfigError, ErrorKind, Position, UsageError, closest, line_column};
pub use network::{DataSettings, DataSource, ModelSettings, NetworkProblem, RunOverrides};
pub use network_start::NetworkStart;
pub use optimizer::{COMMON_KEYS, optimizer_keys};
pub use surface::{SurfaceProblem, SurfaceView};
pub use sweep::{GridAxis, Metric, SweepSettings};
pub use weights::{Weights, widths as network_widths};

use reader::{Cx, Table, join};

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
    pub tolerance: Option<f64>,
    /// What the runs minimise.
    pub problem: Problem,
    /// Standard deviation of the gradient noise; `None` when absent or 0.
    pub noise: Option<f64>,
    /// How the figures are drawn and which are written.
    pub plot: PlotSettings,
    /// What the data files keep (`[output]`).
    pub output: OutputSettings,
    pub runs: Vec<RunConfig>,
    /// `[sweep]`: the grid `optplay sweep` runs; other commands ignore it.
    pub sweep: Option<SweepSettings>,
}

/// What an experiment's runs minimise. Each kind of problem brings its own keys, its own
/// start, its own figures and its own columns; the runs, the optimizers and the writers are
/// shared.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A function of the plane (`[surface]`).
    Surface(SurfaceProblem),
    /// A network trained on data (`[data]` and `[model]`).
    Network(Box<NetworkProblem>),
}

impl Experiment {
    /// The surface problem, when the experiment is one.
    pub fn surface(&self) -> Option<&SurfaceProblem> {
        match &self.problem {
            Problem::Surface(s) => Some(s),
            Problem::Network(_) => None,
        }
    }

    pub fn surface_mut(&mut self) -> Option<&mut SurfaceProblem> {
        match &mut self.problem {
            Problem::Surface(s) => Some(s),
            Problem::Network(_) => None,
        }
    }

    /// The network problem, when the experiment is one.
    pub fn network(&self) -> Option<&NetworkProblem> {
        match &self.problem {
            Problem::Network(n) => Some(n),
            Problem::Surface(_) => None,
        }
    }

    /// The network problem, to change (a transfer source's trained weights).
    pub fn network_mut(&mut self) -> Option<&mut NetworkProblem> {
        match &mut self.problem {
            Problem::Network(n) => Some(n),
            Problem::Surface(_) => None,
        }
    }
}

impl Problem {
    /// What picks each optimizer's default learning rate: the surface kind, or "network".
    pub fn lr_table_key(&self) -> &'static str {
        match self {
            Problem::Surface(s) => s.kind(),
            Problem::Network(_) => NETWORK_LR_KEY,
        }
    }
}

/// The default learning rates of network runs are listed under this name, beside the
/// surfaces'.
pub const NETWORK_LR_KEY: &str = "network";

/// One `[[optimizer]]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Unique within the experiment; default: the kind.
    pub label: String,
    /// The kind and its hyperparameters.
    pub optimizer: Configured<OptimizerKind>,
    /// The base learning rate, before the schedule.
    pub lr: f64,
    pub schedule: Configured<ScheduleKind>,
    /// `noise = STD` in the run's table: its own gradient noise instead of the experiment's
    /// `[noise]` (0: exact gradients), so one file can compare full-batch and noisy runs.
    pub noise: Option<f64>,
    /// `sweep_lr = [lo, hi]`: this run's learning-rate range in a sweep.
    pub sweep_lr: Option<[f64; 2]>,
    /// A network run's own regularisation, batch and augmentation (none on surfaces).
    pub network: RunOverrides,
    /// A network run's ensemble, snapshot ensemble and weight averaging (none on surfaces).
    pub ensemble: EnsembleSettings,
}

impl RunConfig {
    /// The run of `kind` at its defaults, with learning rate `lr` and a constant schedule.
    pub fn defaults(kind: &'static OptimizerKind, lr: f64) -> RunConfig {
        RunConfig {
            label: kind.name.to_string(),
            optimizer: Configured::defaults(kind),
            lr,
            schedule: Configured::defaults(&crate::core::schedule::CONSTANT),
            noise: None,
            sweep_lr: None,
            network: RunOverrides::default(),
            ensemble: EnsembleSettings::default(),
        }
    }

    /// The optimizer kind's name.
    pub fn kind(&self) -> &'static str {
        self.optimizer.kind.name
    }

    /// The gradient noise this run sees in `experiment`: its own, else the experiment's.
    pub fn noise_std(&self, experiment_noise: Option<f64>) -> Option<f64> {
        self.noise.or(experiment_noise).filter(|&std| std > 0.0)
    }

    /// What the stepping core runs: the rule, the schedule and the learning rate.
    pub fn spec(&self) -> RunSpec {
        RunSpec {
            optimizer: (self.optimizer.kind.build)(&self.optimizer.settings),
            schedule: (self.schedule.kind.build)(&self.schedule.settings),
            lr: self.lr,
        }
    }

    /// Key hyperparameters for a plot legend: "lr=0.1, β=(0.9, 0.999)". Shows the values
    /// that define the kind and any setting away from its default.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("lr={}", crate::number::setting(self.lr))];
        parts.extend(self.optimizer.legend());
        if self.schedule.kind.name != crate::core::schedule::CONSTANT.name {
            parts.push(format!("{} schedule", self.schedule.kind.name));
        }
        parts.extend(self.network.summary());
        match self.noise {
            Some(std) if std > 0.0 => {
                parts.push(format!("noise σ={}", crate::number::short(std)));
            }
            Some(_) => parts.push("exact gradients".to_string()),
            None => {}
        }
        parts.join(", ")
    }
}

/// `[plot]`, validated: what every problem's figures share.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSettings {
    pub width: u32,
    pub height: u32,
    /// Fonts, lines and markers this many times the size the canvas gives them.
    pub scale: f64,
    /// Deduplicated, in the order given; each one of [`FORMATS`].
    pub formats: Vec<String>,
    pub x_axis: XAxis,
    /// `smooth`: the loss curves' moving-average weight, in (0, 1); `None` when absent or 0.
    pub smooth: Option<f64>,
    /// `log_x`: the loss figure's x axis on a log scale.
    pub log_x: bool,
}

impl Default for PlotSettings {
    fn default() -> PlotSettings {
        PlotSettings {
            width: 1000,
            height: 800,
            scale: 1.0,
            formats: DEFAULT_FORMATS.iter().map(|f| f.to_string()).collect(),
            x_axis: XAxis::Steps,
            smooth: None,
            log_x: false,
        }
    }
}

/// `[output]`, validated: what the data files keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSettings {
    /// The CSV keeps the rows of step 0, of every `csv_every`-th step and each run's last
    /// (1: every step). The summary is exact whatever it keeps.
    pub csv_every: u64,
}

impl Default for OutputSettings {
    fn default() -> OutputSettings {
        OutputSettings { csv_every: 1 }
    }
}

/// `optplay run`'s command-line overrides, applied while parsing so that everything derived
/// from them (a cosine schedule's default `t_max` follows `steps`) agrees.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overrides {
    pub steps: Option<u64>,
    pub seed: Option<u64>,
    pub formats: Option<Vec<String>>,
    /// `--csv-every K`.
    pub csv_every: Option<u64>,
    /// `sweep --points N`: learning rates per run, instead of `[sweep] points`.
    pub points: Option<u64>,
    /// `sweep --seeds N`, instead of `[sweep] seeds`.
    pub seeds: Option<u64>,
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
        if let Some(every) = self.csv_every {
            check_csv_every(every)?;
        }
        if let Some(points) = self.points
            && !sweep::POINTS.contains(&points)
        {
            return Err(UsageError::new(
                "--points",
                format!(
                    "a sweep tries from {} to {} learning rates per run, not {points}.",
                    sweep::POINTS.start(),
                    sweep::POINTS.end()
                ),
            ));
        }
        if let Some(seeds) = self.seeds
            && !(1..=sweep::MAX_SEEDS).contains(&seeds)
        {
            return Err(UsageError::new(
                "--seeds",
                format!(
                    "a sweep repeats each setting with 1 to {} seeds, not {seeds}.",
                    sweep::MAX_SEEDS
                ),
            ));
        }
        Ok(())
    }
}

/// `--csv-every K`: from 1 (every step) to [`MAX_STEPS`].
pub(crate) fn check_csv_every(every: u64) -> Result<u64, UsageError> {
    if (1..=MAX_STEPS).contains(&every) {
        Ok(every)
    } else {
        Err(UsageError::new(
            "--csv-every",
            format!(
                "the CSV keeps every K-th step, K from 1 (every step) to {MAX_STEPS}, not {every}."
            ),
        ))
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

const ROOT_KEYS: [&str; 15] = [
    "name",
    "steps",
    "seed",
    "start",
    "tolerance",
    "surface",
    "noise",
    "plot",
    "output",
    "optimizer",
    "sweep",
    "data",
    "model",
    "record_every",
    "transfer",
];

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
        let optimizer_key = crate::core::registry::OPTIMIZERS
            .iter()
            .any(|k| k.takes(key));
        (["kind", "lr"].contains(&key) || optimizer_key)
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
        Some(v) => cx.number(v, "tolerance", Range::Positive).map(Some),
        None => Some(None),
    };
    let plot_table = match cx.get(root, "plot") {
        Some(v) => cx.table(v, "plot"),
        None => None,
    };
    let problem = match (cx.get(root, "data"), cx.get(root, "surface")) {
        (Some(data), None) => {
            refuse_surface_keys(cx, root, plot_table);
            let seed = overrides.seed.or(seed).unwrap_or(0);
            let steps = overrides.steps.or(steps).unwrap_or(DEFAULT_STEPS);
            network::parse(cx, root, path, data, seed, steps).map(|n| Problem::Network(Box::new(n)))
        }
        (Some(_), Some(surface)) => {
            let e = cx
                .error(
                    ErrorKind::InvalidValue,
                    surface.span(),
                    "a file with both `[surface]` and `[data]`".to_string(),
                )
                .key("surface")
                .expected(
                    "either `[surface]` (a 2-D loss surface) or `[data]` and `[model]` (a network)",
                )
                .note("a surface experiment and a network experiment are two files");
            cx.push(e);
            None
        }
        (None, _) => {
            for key in ["model", "record_every", "transfer"] {
                if let Some(v) = cx.get(root, key) {
                    let e = cx
                        .error(
                            ErrorKind::UnknownKey,
                            v.span(),
                            format!("`{key}` without `[data]`"),
                        )
                        .key(key)
                        .expected("`[data]` beside it: networks train on data")
                        .note("a surface experiment has `[surface]`; `optplay init --data spiral` writes a network experiment");
                    cx.push(e);
                }
            }
            surface::parse(cx, root, path, plot_table).map(Problem::Surface)
        }
    };
    let images = match &problem {
        Some(Problem::Network(n)) => Some(n.train.image.is_some()),
        Some(Problem::Surface(_)) => None,
        // The problem was broken: still check the runs' network keys when `[data]` is there.
        None => cx.get(root, "data").map(|_| false),
    };
    let noise = match cx.get(root, "noise") {
        Some(v) => cx.table(v, "noise").and_then(|t| noise(cx, t)),
        None => Some(None),
    };
    let plot = match (cx.get(root, "plot"), plot_table) {
        (Some(_), Some(table)) => plot(cx, table),
        (Some(_), None) => None,
        (None, _) => Some(PlotSettings::default()),
    };
    let output = match cx.get(root, "output") {
        Some(v) => cx.table(v, "output").and_then(|t| output(cx, t)),
        None => Some(OutputSettings::default()),
    };
    // The command line wins; the file's values were still checked above.
    let file_steps = steps.unwrap_or(DEFAULT_STEPS);
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
    let output = match (output, overrides.csv_every) {
        (Some(_), Some(csv_every)) => Some(OutputSettings { csv_every }),
        (output, _) => output,
    };
    let lr_key = match (&problem, images) {
        (Some(p), _) => Some(p.lr_table_key()),
        (None, Some(_)) => Some(NETWORK_LR_KEY),
        (None, None) => None,
    };
    let runs = runs(
        cx,
        root,
        path,
        lr_key,
        images,
        steps.unwrap_or(DEFAULT_STEPS).clamp(1, MAX_STEPS),
    );

    // A run that turns batch norm the other way trains its own variant of the network.
    let mut problem = problem;
    if let (Some(Problem::Network(network)), Some(runs)) = (&mut problem, &runs) {
        let seed = overrides.seed.or(seed).unwrap_or(0);
        if network::add_variant(cx, root, network, runs, seed).is_none()
            || !network::hessians_fit(cx, root, network, runs)
            || !ensemble::members_differ(cx, root, network, runs)
            || !ensemble::fit_the_steps(cx, root, runs, file_steps)
        {
            problem = None;
        } else {
            match transfer::parse(cx, root, path, network, runs) {
                Some(t) => network.transfer = t.map(Box::new),
                None => problem = None,
            }
        }
    }
    let random = noise.flatten().is_some()
        || runs
            .iter()
            .flatten()
            .any(|r| r.noise.is_some_and(|std| std > 0.0))
        || match (&problem, &runs) {
            (Some(Problem::Network(n)), Some(runs)) => runs.iter().any(|r| n.is_random(&r.network)),
            _ => false,
        };
    let swept = match (&problem, cx.get(root, "data")) {
        (Some(Problem::Network(n)), _) => sweep::SweptProblem::Network {
            validation: !n.validation.is_empty(),
        },
        (_, Some(_)) => sweep::SweptProblem::Unknown,
        (_, None) => sweep::SweptProblem::Surface {
            tolerance: tolerance.flatten(),
        },
    };
    let sweep = match cx.get(root, "sweep") {
        Some(v) => cx
            .table(v, "sweep")
            .and_then(|t| sweep::parse(cx, t, runs.as_deref(), random, swept))
            .map(|mut s| {
                s.points = overrides.points.unwrap_or(s.points);
                s.seeds = overrides.seeds.unwrap_or(s.seeds);
                Some(s)
            }),
        None => Some(None),
    };

    Some(Experiment {
        name: name?,
        steps: steps?,
        seed: seed?,
        tolerance: tolerance?,
        problem: problem?,
        noise: noise?,
        plot: plot?,
        output: output?,
        runs: runs?,
        sweep: sweep?,
    })
}

/// A network file's root keys and `[plot]` keys that only a surface has: each an error that
/// says why.
fn refuse_surface_keys(cx: &mut Cx<'_>, root: Table<'_, '_>, plot: Option<Table<'_, '_>>) {
    let why = [
        (
            "start",
            "a network starts from its initialised weights (`[model] init`, `init_from`)",
        ),
        (
            "tolerance",
            "a network run takes its `steps`; watch the validation curves instead",
        ),
        (
            "noise",
            "a network's gradients are noisy by its minibatches (`[data] batch`)",
        ),
    ];
    for (key, note) in why {
        if let Some(v) = cx.get(root, key) {
            let e = cx
                .error(
                    ErrorKind::UnknownKey,
                    v.span(),
                    format!("`{key}` in a network experiment"),
                )
                .key(key)
                .expected("a key of a network experiment")
                .note(note);
            cx.push(e);
        }
    }
    if let Some(plot) = plot {
        for key in surface::PLOT_KEYS {
            if let Some(v) = cx.get(plot, key) {
                let e = cx
                    .error(ErrorKind::UnknownKey, v.span(), format!("`plot.{key}` in a network experiment"))
                    .key(join("plot", key))
                    .expected("a `[plot]` key of a network experiment: width, height, scale, formats, log_x")
                    .note("contour settings belong to surfaces; decision regions span the data");
                cx.push(e);
            }
        }
    }
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

fn noise(cx: &mut Cx<'_>, table: Table<'_, '_>) -> Option<Option<f64>> {
    cx.check_keys(table, &["std"], "`[noise]`", |_| None);
    let v = cx.require(
        table,
        "std",
        "a number ≥ 0, the gradient noise's standard deviation",
    )?;
    let std = cx.number(v, "noise.std", Range::NonNegative)?;
    Some((std > 0.0).then_some(std))
}

/// The keys `[plot]` takes whatever the problem.
const PLOT_KEYS: [&str; 7] = [
    "width", "height", "scale", "formats", "x_axis", "smooth", "log_x",
];

fn plot(cx: &mut Cx<'_>, table: Table<'_, '_>) -> Option<PlotSettings> {
    let allowed: Vec<&str> = PLOT_KEYS
        .iter()
        .chain(&surface::PLOT_KEYS)
        .copied()
        .collect();
    cx.check_keys(table, &allowed, "`[plot]`", |_| None);
    let int = |cx: &mut Cx<'_>, key: &str, lo: u64, hi: u64, default: u64| match cx.get(table, key)
    {
        Some(v) => cx.integer(v, &join("plot", key), lo, hi),
        None => Some(default),
    };
    let width = int(cx, "width", 200, 8000, 1000);
    let height = int(cx, "height", 200, 8000, 800);
    let scale = scale(cx, table);
    let (width, height) = (
        width.and_then(|w| u32::try_from(w).ok()),
        height.and_then(|h| u32::try_from(h).ok()),
    );
    if let (Some(w), Some(h), Some(s)) = (width, height, scale)
        && let Err(misfit) = crate::plot::fit(w, h, s)
    {
        // At the key that made it too small: the size if given, else the scale.
        let at = ["width", "height", "scale"]
            .into_iter()
            .find_map(|key| cx.get(table, key).map(|v| (key, v)));
        let (key, span) = match at {
            Some((key, v)) => (join("plot", key), v.span()),
            None => ("plot".to_string(), table.span()),
        };
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                span,
                format!("a {w}x{h} figure at scale {s} has no room for its plot"),
            )
            .key(&key)
            .detail(misfit.to_string());
        cx.push(e);
        return None;
    }
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
    // 0 is no smoothing; 1 would never move from the first value.
    let smooth = match cx.get(table, "smooth") {
        Some(v) => cx
            .number(v, "plot.smooth", Range::UnitOpen)
            .map(|w| (w > 0.0).then_some(w)),
        None => Some(None),
    };
    let log_x = match cx.get(table, "log_x") {
        Some(v) => cx.boolean(v, "plot.log_x"),
        None => Some(false),
    };
    Some(PlotSettings {
        width: width?,
        height: height?,
        scale: scale?,
        formats: formats?,
        x_axis: x_axis?,
        smooth: smooth?,
        log_x: log_x?,
    })
}

/// `[plot] scale`: 1 unless given, within [`crate::plot::SCALES`].
fn scale(cx: &mut Cx<'_>, table: Table<'_, '_>) -> Option<f64> {
    let Some(v) = cx.get(table, "scale") else {
        return Some(1.0);
    };
    let s = cx.number(v, "plot.scale", Range::Positive)?;
    let range = crate::plot::SCALES;
    if !range.contains(&s) {
        cx.invalid(
            v,
            "plot.scale",
            format!(
                "a number from {} to {}: fonts, lines and markers this many times their size",
                range.start(),
                range.end()
            ),
        );
        return None;
    }
    Some(s)
}

fn formats(cx: &mut Cx<'_>, v: &reader::Value<'_>) -> Option<Vec<String>> {
    let expected = format!(
        "an array of formats from: {} (`[]`: no figures, the CSV and JSON only)",
        FORMATS.join(", ")
    );
    let items = cx.array(v, "plot.formats", &expected)?;
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for item in items {
        match cx.name(item, "plot.formats", "picture format", &FORMATS) {
            Some(f) if !out.iter().any(|o| o == f) => out.push(f.to_string()),
            Some(_) => {}
            None => {
                // `--format none` on the command line; a file says it with an empty list.
                let none = matches!(item.get_ref(), DeValue::String(s) if s == NO_FORMATS);
                if none && let Some(e) = cx.errors.pop() {
                    cx.push(e.note("`formats = []` draws no figures: the CSV and JSON only"));
                }
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// The keys of `[output]`.
const OUTPUT_KEYS: [&str; 1] = ["csv_every"];

fn output(cx: &mut Cx<'_>, table: Table<'_, '_>) -> Option<OutputSettings> {
    cx.check_keys(table, &OUTPUT_KEYS, "`[output]`", |_| None);
    let csv_every = match cx.get(table, "csv_every") {
        Some(v) => cx.integer(v, "output.csv_every", 1, MAX_STEPS),
        None => Some(1),
    };
    Some(OutputSettings {
        csv_every: csv_every?,
    })
}

fn runs(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    path: &Path,
    surface_kind: Option<&str>,
    network: Option<bool>,
    steps: u64,
) -> Option<Vec<RunConfig>> {
    let no_runs = || {
        format!(
            "at least one `[[optimizer]]` table with a `kind`, one of: {}",
            crate::core::registry::optimizer_names().join(", ")
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
        let Some(run) = optimizer::parse_optimizer(cx, table, surface_kind, network, steps) else {
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
