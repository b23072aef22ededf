//! `e` in the playground: what is on screen, written as an experiment file that `optplay run`
//! accepts and that reproduces the same traces.
//!
//! Every number is written so it parses back to the same f64 (Rust's shortest round-trip
//! form), so the file is the experiment, not an approximation of it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::config::{Experiment, XAxis};
use crate::core::{Cancel, Optimizer, Point, Schedule, Surface};

/// A TOML float that reads back as exactly `v` (`1.0`, `0.05`, `1e-7`, `1e20`).
fn num(v: f64) -> String {
    // `{:?}` is the shortest representation that round-trips and always has a `.` or an `e`.
    format!("{v:?}")
}

fn point(p: Point) -> String {
    format!("[{}, {}]", num(p[0]), num(p[1]))
}

/// A TOML string, quoted and escaped.
fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn surface_lines(surface: &Surface) -> Vec<String> {
    let mut lines = vec![format!("kind = {}", string(surface.kind()))];
    match *surface {
        Surface::Quadratic { matrix, center } => {
            lines.push(format!(
                "matrix = [{}, {}]",
                point(matrix[0]),
                point(matrix[1])
            ));
            lines.push(format!("center = {}", point(center)));
        }
        Surface::Saddle { a, b, c } => {
            lines.extend([
                format!("a = {}", num(a)),
                format!("b = {}", num(b)),
                format!("c = {}", num(c)),
            ]);
        }
        Surface::Bowl {
            global,
            barrier,
            local,
            curvature,
        } => {
            lines.extend([
                format!("global = {}", num(global)),
                format!("barrier = {}", num(barrier)),
                format!("local = {}", num(local)),
                format!("curvature = {}", num(curvature)),
            ]);
        }
        Surface::Rosenbrock { a, b } => {
            lines.extend([format!("a = {}", num(a)), format!("b = {}", num(b))]);
        }
        Surface::Rastrigin { a } => lines.push(format!("a = {}", num(a))),
        Surface::Beale | Surface::Himmelblau => {}
    }
    lines
}

fn optimizer_lines(optimizer: &Optimizer) -> Vec<String> {
    let betas = |b: (f64, f64)| format!("[{}, {}]", num(b.0), num(b.1));
    let pairs: Vec<(&str, String)> = match optimizer {
        Optimizer::Sgd(o) => vec![
            ("momentum", num(o.momentum)),
            ("dampening", num(o.dampening)),
            ("nesterov", o.nesterov.to_string()),
            ("weight_decay", num(o.weight_decay)),
        ],
        Optimizer::Adagrad(o) => vec![
            ("lr_decay", num(o.lr_decay)),
            (
                "initial_accumulator_value",
                num(o.initial_accumulator_value),
            ),
            ("eps", num(o.eps)),
            ("weight_decay", num(o.weight_decay)),
        ],
        Optimizer::RmsProp(o) => vec![
            ("alpha", num(o.alpha)),
            ("eps", num(o.eps)),
            ("weight_decay", num(o.weight_decay)),
        ],
        Optimizer::Adam(o) => vec![
            ("betas", betas(o.betas)),
            ("eps", num(o.eps)),
            ("weight_decay", num(o.weight_decay)),
            ("amsgrad", o.amsgrad.to_string()),
            ("bias_correction", o.bias_correction.to_string()),
        ],
        Optimizer::NAdam(o) => vec![
            ("betas", betas(o.betas)),
            ("eps", num(o.eps)),
            ("weight_decay", num(o.weight_decay)),
            ("momentum_decay", num(o.momentum_decay)),
        ],
        Optimizer::Newton(o) => vec![
            ("line_search", string(o.line_search.name())),
            ("damping", num(o.damping)),
        ],
        Optimizer::Lbfgs(o) => vec![
            ("history_size", o.history_size.to_string()),
            ("line_search", string(o.line_search.name())),
            ("tolerance_grad", num(o.tolerance_grad)),
        ],
    };
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect()
}

/// `schedule = { ... }`, or nothing for a constant lr.
fn schedule_line(schedule: &Schedule) -> Option<String> {
    let fields = match schedule {
        Schedule::Constant => return None,
        Schedule::Step { step_size, gamma } => {
            format!("step_size = {step_size}, gamma = {}", num(*gamma))
        }
        Schedule::MultiStep { milestones, gamma } => {
            let list: Vec<String> = milestones.iter().map(u64::to_string).collect();
            format!(
                "milestones = [{}], gamma = {}",
                list.join(", "),
                num(*gamma)
            )
        }
        Schedule::Exponential { gamma } => format!("gamma = {}", num(*gamma)),
        Schedule::InverseTime { k } => format!("k = {}", num(*k)),
        Schedule::Cosine { t_max, eta_min } => {
            format!("t_max = {t_max}, eta_min = {}", num(*eta_min))
        }
        Schedule::CosineRestarts {
            t_0,
            t_mult,
            eta_min,
        } => format!(
            "t_0 = {t_0}, t_mult = {t_mult}, eta_min = {}",
            num(*eta_min)
        ),
    };
    Some(format!(
        "schedule = {{ kind = {}, {fields} }}",
        string(schedule.kind())
    ))
}

/// The experiment as the text of an experiment file. It has no `name`: the file's stem names
/// the outputs, so `play-export-2.toml` writes to `out/play-export-2/`.
pub fn experiment_toml(e: &Experiment) -> String {
    let mut out = vec![
        "# Exported from `optplay play`: what was on screen. Run it with `optplay run FILE`."
            .to_string(),
        format!("# {}", e.surface.formula()),
        String::new(),
        format!("steps = {}", e.steps),
        format!("seed = {}", e.seed),
        format!("start = {}", point(e.start)),
    ];
    if let Some(t) = e.tolerance {
        out.push(format!("tolerance = {}", num(t)));
    }
    out.push(String::new());
    out.push("[surface]".into());
    out.extend(surface_lines(&e.surface));
    if let Some(std) = e.noise {
        out.push(String::new());
        out.push("[noise]".into());
        out.push(format!("std = {}", num(std)));
    }
    out.push(String::new());
    out.push("[plot]".into());
    out.push(format!("x = {}", point(e.plot.window.x)));
    out.push(format!("y = {}", point(e.plot.window.y)));
    out.push(format!("levels = {}", e.plot.levels));
    if let Some(log) = e.plot.log_levels {
        out.push(format!("log_levels = {log}"));
    }
    out.push(format!("width = {}", e.plot.width));
    out.push(format!("height = {}", e.plot.height));
    let formats: Vec<String> = e.plot.formats.iter().map(|f| string(f)).collect();
    out.push(format!("formats = [{}]", formats.join(", ")));
    if e.plot.x_axis == XAxis::Evaluations {
        out.push("x_axis = \"evaluations\"".into());
    }
    for r in &e.runs {
        out.push(String::new());
        out.push("[[optimizer]]".into());
        out.push(format!("kind = {}", string(&r.kind)));
        out.push(format!("label = {}", string(&r.label)));
        out.push(format!("lr = {}", num(r.spec.lr)));
        out.extend(optimizer_lines(&r.spec.optimizer));
        out.extend(schedule_line(&r.spec.schedule));
        if let Some(std) = r.noise {
            out.push(format!("noise = {}", num(std)));
        }
    }
    out.push(String::new());
    out.join("\n")
}

/// Writes `text` to the first free name among `play-export.toml`, `play-export-2.toml`, … in
/// `dir`. Never overwrites: the file system refuses a name that exists, and the next is tried.
pub fn write_next_free(dir: &Path, text: &str) -> std::io::Result<PathBuf> {
    for n in 1..10_000u32 {
        let name = if n == 1 {
            "play-export.toml".to_string()
        } else {
            format!("play-export-{n}.toml")
        };
        let path = dir.join(name);
        match crate::guide::write_new(&path, text.as_bytes()) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "every name from play-export.toml to play-export-9999.toml is taken",
    ))
}

/// `e`: writes the experiment file, reads it back as `optplay run` would, and writes its
/// figures, CSV and summary into `<out>/<name>/`. Returns what to tell the user.
pub fn export(model: &super::Model) -> Result<String, String> {
    let text = experiment_toml(&model.experiment);
    let path = write_next_free(&model.export_dir, &text)
        .map_err(|e| format!("cannot write {}: {e}", model.export_dir.display()))?;
    // What is rendered is what the file says, so the figures are the file's.
    let experiment = crate::config::load(&path).map_err(|e| e.to_string())?;
    // An export is not interrupted halfway: a signal during it ends the playground once the
    // files are whole (the event loop looks at the signal's token after each action).
    let whole = Cancel::new();
    let written = crate::output::write_experiment(&experiment, &model.out, &whole)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "exported {} and {}/ ({})",
        path.display(),
        written.dir.display(),
        written.files.join(", ")
    ))
}
