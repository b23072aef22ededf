//! `optplay compare`: an experiment from command-line values, with usage errors.

use crate::core::network::data::DatasetKind;
use crate::core::registry;
use crate::core::spec::{Configured, Value};
use crate::core::{OptimizerKind, Point, SurfaceKind};

use super::error::{UsageError, closest};
use super::{
    DEFAULT_STEPS, Experiment, FORMATS, MAX_START, MAX_STEPS, OutputSettings, PlotSettings,
    Problem, RunConfig, SurfaceProblem, check_csv_every,
};

/// `compare`'s options, as the command line gave them.
#[derive(Debug, Clone, Default)]
pub struct CompareRequest {
    /// `--opt sgd,momentum,adam`: one run per kind.
    pub optimizers: Vec<&'static OptimizerKind>,
    /// `--surface NAME`; default `quadratic`.
    pub surface: Option<&'static SurfaceKind>,
    /// `--expr FORMULA`: your own surface instead of `--surface`.
    pub expr: Option<String>,
    /// `--window X0,X1,Y0,Y1`: where `--expr`'s plots look; default [-2, 2] × [-2, 2].
    pub window: Option<[[f64; 2]; 2]>,
    /// `--start X,Y`; default the surface's start.
    pub start: Option<Point>,
    pub steps: Option<u64>,
    pub lr: LrRequest,
    /// `--noise STD`; 0 means none.
    pub noise: Option<f64>,
    pub formats: Option<Vec<String>>,
    pub seed: Option<u64>,
    /// `--csv-every K`; default 1, every step.
    pub csv_every: Option<u64>,
    /// `--data KIND`: train networks on this dataset instead of stepping on a surface (the
    /// surface's options must then be absent).
    pub data: Option<&'static DatasetKind>,
}

/// `--lr`: absent, one value for every run, or per kind (`--lr sgd=0.01,adam=0.1`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LrRequest {
    #[default]
    Default,
    All(f64),
    PerKind(Vec<(String, f64)>),
}

/// A usage error for an unknown name: the closest valid one, if any, and the full list.
pub(crate) fn unknown(option: &str, what: &str, given: &str, valid: &[&str]) -> UsageError {
    let hint = closest(given, valid)
        .map(|c| format!(" Did you mean `{c}`?"))
        .unwrap_or_default();
    UsageError::new(
        option,
        format!(
            "unknown {what} `{given}`.{hint} The {what}s are: {}.",
            valid.join(", ")
        ),
    )
}

fn check_lr(option: &str, kind: Option<&str>, lr: f64) -> Result<f64, UsageError> {
    if lr.is_finite() && lr > 0.0 {
        return Ok(lr);
    }
    let whose = kind.map(|k| format!(" for `{k}`")).unwrap_or_default();
    Err(UsageError::new(
        option,
        format!("the learning rate{whose} must be a finite number > 0, not {lr}."),
    ))
}

/// The experiment `compare` runs: `compare-<surface>` (or `compare-<dataset>` with `--data`),
/// one run per optimizer kind (label = kind), each at the given or the default learning rate,
/// every other setting at its default.
pub fn compare_experiment(req: &CompareRequest) -> Result<Experiment, UsageError> {
    if let Some(kind) = req.data {
        return super::network_start::network_compare(req, kind);
    }
    let mut problem = match &req.expr {
        Some(formula) => expression_problem(formula, req.window, req.start)?,
        None => {
            let surface_name = req.surface.map_or("quadratic", |k| k.name);
            SurfaceProblem::default_of(surface_name).ok_or_else(|| {
                UsageError::new(
                    "--surface",
                    format!(
                        "the `{surface_name}` surface has no defaults: give it with --expr and --start."
                    ),
                )
            })?
        }
    };
    let kinds = distinct_kinds(&req.optimizers)?;
    let lrs = learning_rates(&kinds, problem.kind(), &req.lr)?;
    let steps = steps_in_range(req.steps.unwrap_or(DEFAULT_STEPS))?;
    let start = match req.start {
        Some(p) if p.iter().all(|c| c.is_finite() && c.abs() <= MAX_START) => p,
        Some([x, y]) => {
            return Err(UsageError::new(
                "--start",
                format!(
                    "each coordinate must be a finite number from -{MAX_START:e} to {MAX_START:e}, not {x},{y}."
                ),
            ));
        }
        None if req.expr.is_some() => {
            return Err(UsageError::new(
                "--start",
                "--expr needs --start X,Y: your own surface has no start of its own.",
            ));
        }
        None => problem.start,
    };
    let at_start = problem.function.value2(start);
    if !at_start.is_finite() {
        return Err(UsageError::new(
            "--start",
            format!(
                "f is not defined at ({}, {}): f = {at_start} there. Start where it is.",
                start[0], start[1]
            ),
        ));
    }
    problem.start = start;
    let noise = match req.noise {
        Some(std) if std.is_finite() && std >= 0.0 => (std > 0.0).then_some(std),
        Some(std) => {
            return Err(UsageError::new(
                "--noise",
                format!("the noise's standard deviation must be a finite number ≥ 0, not {std}."),
            ));
        }
        None => None,
    };
    let mut plot = PlotSettings::default();
    if let Some(formats) = &req.formats {
        plot.formats = picture_formats(formats)?;
    }
    let output = OutputSettings {
        csv_every: req.csv_every.map_or(Ok(1), check_csv_every)?,
    };
    let runs = kinds
        .iter()
        .zip(lrs)
        .map(|(kind, lr)| RunConfig::defaults(kind, lr))
        .collect();
    Ok(Experiment {
        name: format!("compare-{}", problem.kind()),
        steps,
        seed: req.seed.unwrap_or(0),
        tolerance: None,
        problem: Problem::Surface(problem),
        noise,
        plot,
        output,
        runs,
        sweep: None,
    })
}

/// The kinds of `--opt`, each once: a kind listed twice is refused.
pub(crate) fn distinct_kinds(
    optimizers: &[&'static OptimizerKind],
) -> Result<Vec<&'static OptimizerKind>, UsageError> {
    if optimizers.is_empty() {
        return Err(UsageError::new(
            "--opt",
            format!(
                "no optimizer given. Name at least one, e.g. `--opt sgd,momentum,adam`; the optimizers are: {}.",
                registry::optimizer_names().join(", ")
            ),
        ));
    }
    let mut kinds: Vec<&'static OptimizerKind> = Vec::with_capacity(optimizers.len());
    for &kind in optimizers {
        if kinds.iter().any(|k| k.name == kind.name) {
            return Err(UsageError::new(
                "--opt",
                format!(
                    "`{}` is listed twice. Each optimizer runs once; to compare settings of one optimizer, write an experiment file with several `[[optimizer]]` tables and distinct labels.",
                    kind.name
                ),
            ));
        }
        kinds.push(kind);
    }
    Ok(kinds)
}

/// Each kind's learning rate: `--lr`'s, else its default in the table under `lr_key` (a
/// surface kind, or `"network"`).
pub(crate) fn learning_rates(
    kinds: &[&'static OptimizerKind],
    lr_key: &str,
    request: &LrRequest,
) -> Result<Vec<f64>, UsageError> {
    let names: Vec<&str> = kinds.iter().map(|k| k.name).collect();
    let mut lrs: Vec<f64> = kinds.iter().map(|k| k.default_lr(lr_key)).collect();
    match request {
        LrRequest::Default => {}
        LrRequest::All(lr) => {
            let lr = check_lr("--lr", None, *lr)?;
            lrs.iter_mut().for_each(|l| *l = lr);
        }
        LrRequest::PerKind(pairs) => {
            let mut given: Vec<&str> = Vec::new();
            for (kind, lr) in pairs {
                let kind = kind.trim();
                let Some(i) = names.iter().position(|k| *k == kind) else {
                    let message = if registry::optimizer(kind).is_some() {
                        format!(
                            "`{kind}` has a learning rate but is not among the optimizers of --opt ({}). Add it to --opt or drop its --lr.",
                            names.join(",")
                        )
                    } else {
                        let hint = closest(kind, &names)
                            .map(|c| format!(" Did you mean `{c}`?"))
                            .unwrap_or_default();
                        format!(
                            "unknown optimizer `{kind}`.{hint} --lr names optimizers of --opt: {}.",
                            names.join(", ")
                        )
                    };
                    return Err(UsageError::new("--lr", message));
                };
                if given.contains(&kind) {
                    return Err(UsageError::new(
                        "--lr",
                        format!("`{kind}` is given two learning rates; give each optimizer one."),
                    ));
                }
                given.push(kind);
                if let Some(slot) = lrs.get_mut(i) {
                    *slot = check_lr("--lr", Some(kind), *lr)?;
                }
            }
        }
    }
    Ok(lrs)
}

/// `--steps`: from 1 to [`MAX_STEPS`].
pub(crate) fn steps_in_range(steps: u64) -> Result<u64, UsageError> {
    if (1..=MAX_STEPS).contains(&steps) {
        Ok(steps)
    } else {
        Err(UsageError::new(
            "--steps",
            format!("the number of steps must be from 1 to {MAX_STEPS}, not {steps}."),
        ))
    }
}

/// `--expr`'s surface: the formula over the window, minima and saddles found numerically.
fn expression_problem(
    formula: &str,
    window: Option<[[f64; 2]; 2]>,
    start: Option<Point>,
) -> Result<SurfaceProblem, UsageError> {
    let kind = &crate::core::surface::expr::EXPR;
    let mut surface = Configured::defaults(kind);
    surface.settings.set("f", Value::Text(formula.to_string()));
    surface.settings.set(
        "window",
        Value::Window(window.unwrap_or([[-2.0, 2.0], [-2.0, 2.0]])),
    );
    let function = (kind.build)(&surface.settings).map_err(|invalid| {
        // Point at the mistake under the formula, as a file's error would.
        let column = invalid.at.map_or(0, |at| at as usize);
        let caret = format!("{}^", " ".repeat(column));
        let found = invalid.found.unwrap_or_default();
        let note = invalid
            .note
            .map(|n| format!("\n  = note: {n}"))
            .unwrap_or_default();
        UsageError::new(
            "--expr",
            format!("{found}\n    {formula}\n    {caret}{note}"),
        )
    })?;
    let mut problem = SurfaceProblem::new(surface, function);
    if let Some(start) = start {
        problem.start = start;
    }
    Ok(problem)
}

/// What `--format none` asks for: no figures, the CSV and JSON only.
pub const NO_FORMATS: &str = "none";

/// `--format png,svg`: known formats, deduplicated, in order; `--format none`: none at all.
/// Shared with `run --format`.
pub fn picture_formats(formats: &[String]) -> Result<Vec<String>, UsageError> {
    if let [only] = formats
        && only.trim() == NO_FORMATS
    {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for f in formats {
        let f = f.trim();
        if f == NO_FORMATS {
            return Err(UsageError::new(
                "--format",
                format!("`{NO_FORMATS}` means no figures: give it alone, not with other formats."),
            ));
        }
        if !FORMATS.contains(&f) {
            return Err(unknown("--format", "format", f, &FORMATS));
        }
        if !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    if out.is_empty() {
        return Err(UsageError::new(
            "--format",
            format!(
                "no format given; choose from: {}, or `{NO_FORMATS}` for the CSV and JSON only.",
                FORMATS.join(", ")
            ),
        ));
    }
    Ok(out)
}
