//! The self-documenting commands: `optplay list`, `optplay explain` and `optplay init`.
//!
//! Everything here returns text; `app` prints it. Numbers are never typed twice: defaults come
//! from [`Surface::default_of`], [`optimizer_with_defaults`] and [`default_lr`], and the tests
//! check that every key the config reader takes is listed.

mod explain;
mod init;

pub use explain::explain;
pub use init::{GuideError, init, starter, write_new};

use crate::config::{
    OPTIMIZER_KINDS, UsageError, default_lr, optimizer_with_defaults, short_number, unknown,
};
use crate::core::surface::SURFACE_KINDS;
use crate::core::{Optimizer, Point, Surface};

/// The surface `init` writes when `--surface` is not given.
pub const DEFAULT_SURFACE: &str = "quadratic";

/// The sections of `optplay list`, in the order it shows them.
pub const SECTIONS: [&str; 3] = ["surfaces", "optimizers", "schedules"];

/// A surface kind, what it is for, and what each of its parameters means.
type SurfaceNote = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// One note per surface kind. Order: [`SURFACE_KINDS`].
const SURFACE_NOTES: [SurfaceNote; 7] = [
    (
        "quadratic",
        "the lecture's elongated bowl: SGD zigzags across it and crawls along it",
        &[
            (
                "matrix",
                "A, symmetric 2×2; its eigenvalues are the curvatures",
            ),
            ("center", "c, the minimum"),
        ],
    ),
    (
        "saddle",
        "a saddle point at the origin between two minima: SGD crawls off the ridge",
        &[
            ("a", "curvature along x (upwards)"),
            ("b", "curvature along y at the origin (downwards)"),
            (
                "c",
                "the y⁴ term: minima at y = ±√(b/2c); 0 gives the unbounded saddle",
            ),
        ],
    ),
    (
        "bowl",
        "a shallow local minimum before the global one: SGD stops there, momentum rolls on",
        &[
            ("global", "x of the global minimum"),
            (
                "barrier",
                "x of the ridge between the minima (strictly between them)",
            ),
            ("local", "x of the shallow local minimum"),
            ("curvature", "curvature along y"),
        ],
    ),
    (
        "rosenbrock",
        "a curved valley with a flat floor (the banana function)",
        &[
            ("a", "the minimum is at (a, a²)"),
            ("b", "steepness of the valley's walls"),
        ],
    ),
    (
        "beale",
        "flat plateaus and steep ridges around one minimum",
        &[],
    ),
    (
        "himmelblau",
        "four global minima: where a run ends depends on the method",
        &[],
    ),
    (
        "rastrigin",
        "a grid of local minima around the global one at the origin",
        &[("a", "height of the ripples")],
    ),
];

/// A schedule kind, its lr after t completed steps, and its parameters: name, default
/// (`None`: required) and meaning.
type ScheduleNote = (
    &'static str,
    &'static str,
    &'static [(&'static str, Option<&'static str>, &'static str)],
);

/// One note per schedule kind. Order: `SCHEDULE_KINDS`.
const SCHEDULE_NOTES: [ScheduleNote; 7] = [
    ("constant", "lr, every step (the default)", &[]),
    (
        "step",
        "lr·gamma^⌊t/step_size⌋: drop by gamma every step_size steps (ResNet's step decay)",
        &[
            ("step_size", None, "steps between drops"),
            ("gamma", Some("0.1"), "factor at each drop"),
        ],
    ),
    (
        "multistep",
        "lr·gamma^(milestones passed): drop by gamma at chosen steps",
        &[
            (
                "milestones",
                None,
                "increasing step counts, e.g. [100, 150]",
            ),
            ("gamma", Some("0.1"), "factor at each milestone"),
        ],
    ),
    (
        "exponential",
        "lr·gammaᵗ: a little smaller every step",
        &[("gamma", None, "factor per step, e.g. 0.99")],
    ),
    (
        "inverse_time",
        "lr / (1 + k·t): the 1/t decay",
        &[("k", None, "how fast it decays")],
    ),
    (
        "cosine",
        "eta_min + ½(lr − eta_min)(1 + cos(π·t/t_max)): half a cosine down to eta_min",
        &[
            ("t_max", Some("steps"), "steps to reach eta_min"),
            ("eta_min", Some("0.0"), "the lowest lr"),
        ],
    ),
    (
        "cosine_restarts",
        "SGDR: cosine cycles that restart at lr, each t_mult times longer (snapshot ensembles)",
        &[
            ("t_0", None, "length of the first cycle"),
            (
                "t_mult",
                Some("1"),
                "each cycle is t_mult times the one before",
            ),
            ("eta_min", Some("0.0"), "the lowest lr"),
        ],
    ),
];

/// `s` padded with spaces to `width` characters.
pub(crate) fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// A number as a TOML float: `1.0`, `0.09`, `1e-7`.
pub(crate) fn toml_number(v: f64) -> String {
    let s = short_number(v);
    if s.chars().all(|c| c.is_ascii_digit() || c == '-') {
        format!("{s}.0")
    } else {
        s
    }
}

/// `v` rounded to `digits` significant digits (drops 2.4100000000000006's noise).
pub(crate) fn round_to(v: f64, digits: usize) -> f64 {
    format!("{v:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(v)
}

/// A point for reading: `(-2.80512, 3.13131)`.
fn show_point(p: Point) -> String {
    format!(
        "({}, {})",
        short_number(round_to(p[0], 6)),
        short_number(round_to(p[1], 6))
    )
}

/// A point as a TOML array of floats.
pub(crate) fn toml_point(p: Point) -> String {
    format!(
        "[{}, {}]",
        toml_number(round_to(p[0], 10)),
        toml_number(round_to(p[1], 10))
    )
}

/// A surface's parameters as TOML values, in the order of `config::surface_keys`.
pub(crate) fn surface_parameters(surface: &Surface) -> Vec<(&'static str, String)> {
    let n = |v: f64| toml_number(v);
    match *surface {
        Surface::Quadratic { matrix, center } => vec![
            (
                "matrix",
                format!("[{}, {}]", toml_point(matrix[0]), toml_point(matrix[1])),
            ),
            ("center", toml_point(center)),
        ],
        Surface::Saddle { a, b, c } => vec![("a", n(a)), ("b", n(b)), ("c", n(c))],
        Surface::Bowl {
            global,
            barrier,
            local,
            curvature,
        } => vec![
            ("global", n(global)),
            ("barrier", n(barrier)),
            ("local", n(local)),
            ("curvature", n(curvature)),
        ],
        Surface::Rosenbrock { a, b } => vec![("a", n(a)), ("b", n(b))],
        Surface::Rastrigin { a } => vec![("a", n(a))],
        Surface::Beale | Surface::Himmelblau => Vec::new(),
    }
}

/// An optimizer's hyperparameters as TOML values, in the order of
/// `config::hyperparameter_keys`.
pub(crate) fn hyperparameters(optimizer: &Optimizer) -> Vec<(&'static str, String)> {
    let n = |v: f64| toml_number(v);
    let betas = |b: (f64, f64)| format!("[{}, {}]", n(b.0), n(b.1));
    match optimizer {
        Optimizer::Sgd(o) => vec![
            ("momentum", n(o.momentum)),
            ("dampening", n(o.dampening)),
            ("nesterov", o.nesterov.to_string()),
            ("weight_decay", n(o.weight_decay)),
        ],
        Optimizer::Adagrad(o) => vec![
            ("lr_decay", n(o.lr_decay)),
            ("initial_accumulator_value", n(o.initial_accumulator_value)),
            ("eps", n(o.eps)),
            ("weight_decay", n(o.weight_decay)),
        ],
        Optimizer::RmsProp(o) => vec![
            ("alpha", n(o.alpha)),
            ("eps", n(o.eps)),
            ("weight_decay", n(o.weight_decay)),
        ],
        Optimizer::Adam(o) => vec![
            ("betas", betas(o.betas)),
            ("eps", n(o.eps)),
            ("weight_decay", n(o.weight_decay)),
            ("amsgrad", o.amsgrad.to_string()),
            ("bias_correction", o.bias_correction.to_string()),
        ],
        Optimizer::NAdam(o) => vec![
            ("betas", betas(o.betas)),
            ("eps", n(o.eps)),
            ("weight_decay", n(o.weight_decay)),
            ("momentum_decay", n(o.momentum_decay)),
        ],
        Optimizer::Newton(o) => vec![
            ("line_search", format!("\"{}\"", o.line_search.name())),
            ("damping", n(o.damping)),
        ],
        Optimizer::Lbfgs(o) => vec![
            ("history_size", o.history_size.to_string()),
            ("line_search", format!("\"{}\"", o.line_search.name())),
            ("tolerance_grad", n(o.tolerance_grad)),
        ],
    }
}

/// What a surface parameter means.
pub(crate) fn surface_parameter_meaning(kind: &str, key: &str) -> &'static str {
    SURFACE_NOTES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .and_then(|(_, _, params)| params.iter().find(|(p, _)| *p == key))
        .map_or("", |(_, meaning)| meaning)
}

/// `optplay list [SECTION]`: one section, or all three.
pub fn list(section: Option<&str>) -> Result<String, UsageError> {
    let sections: Vec<&str> = match section {
        None => SECTIONS.to_vec(),
        Some(s) => {
            // The singular is what was meant; the pinned names are the plurals.
            let plural = if s.ends_with('s') {
                s.to_string()
            } else {
                format!("{s}s")
            };
            match SECTIONS.iter().find(|&&k| k == plural) {
                Some(&k) => vec![k],
                None => return Err(unknown("SECTION", "section", s, &SECTIONS)),
            }
        }
    };
    let parts: Vec<String> = sections
        .iter()
        .map(|s| match *s {
            "surfaces" => list_surfaces(),
            "optimizers" => list_optimizers(),
            _ => list_schedules(),
        })
        .collect();
    Ok(parts.join("\n\n"))
}

fn list_surfaces() -> String {
    let mut out =
        vec!["SURFACES   [surface] kind = \"NAME\"; every parameter is optional".to_string()];
    let surfaces: Vec<Surface> = SURFACE_KINDS
        .iter()
        .filter_map(|k| crate::core::registry::default_surface(k))
        .collect();
    let settings = |s: &Surface| -> Vec<String> {
        surface_parameters(s)
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect()
    };
    let width = surfaces
        .iter()
        .flat_map(settings)
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    for (surface, (_, about, _)) in surfaces.iter().zip(SURFACE_NOTES) {
        let kind = surface.kind();
        out.push(String::new());
        out.push(format!("{kind} — {about}"));
        out.push(format!("    {}", surface.formula()));
        for ((key, _), setting) in surface_parameters(surface).iter().zip(settings(surface)) {
            out.push(format!(
                "    {}   {}",
                pad(&setting, width),
                surface_parameter_meaning(kind, key)
            ));
        }
        let minima: Vec<String> = surface.minima().into_iter().map(show_point).collect();
        let f_star = surface.min_value().map_or_else(
            || "unbounded below".to_string(),
            |v| format!("f* = {}", short_number(round_to(v, 6))),
        );
        let minima = match minima.len() {
            0 => "no minimum".to_string(),
            1 => format!("minimum {}", minima[0]),
            _ => format!("minima {}", minima.join(" ")),
        };
        out.push(format!(
            "    start {};  {minima};  {f_star}",
            show_point(surface.default_start())
        ));
    }
    out.join("\n")
}

fn list_optimizers() -> String {
    let mut out = vec![
        "OPTIMIZERS   [[optimizer]] kind = \"NAME\"; torch.optim's names and update rules"
            .to_string(),
        "             (`optplay explain NAME` for the rule and what each setting does)".to_string(),
        String::new(),
    ];
    let width = OPTIMIZER_KINDS.iter().map(|k| k.len()).max().unwrap_or(0);
    for kind in OPTIMIZER_KINDS {
        let Some(optimizer) = optimizer_with_defaults(kind) else {
            continue;
        };
        let title = explain::entry(kind).map_or("", |e| e.title);
        out.push(format!("{}   {title}", pad(kind, width)));
        let settings: Vec<String> = hyperparameters(&optimizer)
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        out.push(format!("{}   {}", pad("", width), settings.join(", ")));
    }
    out.push(String::new());
    out.push("Default lr, when a run gives none (tuned per surface):".to_string());
    let first = SURFACE_KINDS.iter().map(|s| s.len()).max().unwrap_or(0);
    let columns: Vec<usize> = OPTIMIZER_KINDS
        .iter()
        .map(|k| {
            SURFACE_KINDS
                .iter()
                .map(|s| short_number(default_lr(k, s)).len())
                .chain([k.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let row = |head: &str, cells: Vec<String>| {
        let cells: Vec<String> = cells
            .iter()
            .zip(&columns)
            .map(|(c, &w)| pad(c, w))
            .collect();
        format!("    {}   {}", pad(head, first), cells.join("  "))
            .trim_end()
            .to_string()
    };
    out.push(row(
        "",
        OPTIMIZER_KINDS.iter().map(|k| k.to_string()).collect(),
    ));
    for surface in SURFACE_KINDS {
        let lrs = OPTIMIZER_KINDS
            .iter()
            .map(|k| short_number(default_lr(k, surface)))
            .collect();
        out.push(row(surface, lrs));
    }
    out.join("\n")
}

fn list_schedules() -> String {
    let mut out = vec![
        "SCHEDULES   schedule = { kind = \"NAME\", ... } in an [[optimizer]]; the lr after t steps"
            .to_string(),
        "            (torch.optim.lr_scheduler, stepped after every optimizer step)".to_string(),
    ];
    let param = |(key, default, _): &(&str, Option<&str>, &str)| match default {
        Some(d) => format!("{key} = {d}"),
        None => format!("{key} (required)"),
    };
    let width = SCHEDULE_NOTES
        .iter()
        .flat_map(|(_, _, params)| params.iter().map(param))
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    for (kind, meaning, params) in SCHEDULE_NOTES {
        out.push(String::new());
        out.push(format!("{kind} — {meaning}"));
        for p in params {
            out.push(format!("    {}   {}", pad(&param(p), width), p.2));
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests;
