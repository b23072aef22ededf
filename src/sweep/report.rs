//! A finished sweep for people and for files: the table on stdout and the files of
//! `<name>-sweep/` (the figures drawn here; `best/` is an ordinary experiment's outputs).

use std::path::{Path, PathBuf};

use super::{Plan, Row, Summary, csv_bytes, json_bytes};
use crate::config::Experiment;
use crate::number::{short, table as value, three_digits};
use crate::output::{Content, Rendered};
use crate::plot::{self, Format, PlotError};

/// `sweep.csv` and `sweep.json` (pinned names), then the figures in the experiment's picture
/// formats (PNG and SVG; the sweep has no animation). `dir` names files in errors.
pub fn render(
    experiment: &Experiment,
    plan: &Plan,
    rows: &[Row],
    summaries: &[Summary],
    dir: &Path,
) -> Result<Vec<Rendered<'static>>, (PathBuf, PlotError)> {
    let mut files = vec![
        Rendered {
            name: "sweep.csv".to_string(),
            content: Content::Bytes(csv_bytes(experiment, plan, rows)),
        },
        Rendered {
            name: "sweep.json".to_string(),
            content: Content::Bytes(json_bytes(experiment, plan, summaries)),
        },
    ];
    let formats: Vec<Format> = experiment
        .plot
        .formats
        .iter()
        .filter_map(|f| f.parse().ok())
        .filter(|f| *f != Format::Gif)
        .collect();
    if formats.is_empty() {
        return Ok(files);
    }
    let scene = scene(experiment, plan, summaries);
    for format in formats {
        for (stem, draw) in [
            ("heatmap", plot::sweep::heatmap as fn(&_, _) -> _),
            ("lr_curves", plot::sweep::lr_curves),
        ] {
            let name = format!("{stem}.{}", format.extension());
            let bytes = draw(&scene, format).map_err(|e| (dir.join(&name), e))?;
            files.push(Rendered {
                name,
                content: Content::Bytes(bytes),
            });
        }
        if let Some(axis) = axis_scene(plan, &scene) {
            let name = format!("axis_curves.{}", format.extension());
            let bytes =
                plot::sweep::axis_curves(&axis, format).map_err(|e| (dir.join(&name), e))?;
            files.push(Rendered {
                name,
                content: Content::Bytes(bytes),
            });
        }
    }
    Ok(files)
}

/// The axis figure's scene, for a sweep with exactly one further axis whose values are
/// numbers (every variant has one); `None` otherwise.
fn axis_scene(plan: &Plan, scene: &plot::sweep::SweepScene) -> Option<plot::sweep::AxisScene> {
    let [key] = plan.axes[..] else {
        return None;
    };
    let mut runs: Vec<usize> = plan.variants.iter().map(|v| v.run).collect();
    runs.dedup();
    let at = plan
        .variants
        .iter()
        .map(|v| {
            let x = match v.grid.first()?.as_ref()? {
                crate::core::spec::Value::Number(x) => *x,
                crate::core::spec::Value::Integer(n) => *n as f64,
                _ => return None,
            };
            Some((runs.iter().position(|&r| r == v.run)?, x))
        })
        .collect::<Option<Vec<_>>>()?;
    let labels = runs
        .iter()
        .map(|&r| {
            plan.variants
                .iter()
                .find(|v| v.run == r)
                .map(|v| run_label(&v.label))
                .unwrap_or_default()
        })
        .collect();
    Some(plot::sweep::AxisScene {
        sweep: scene.clone(),
        name: match key {
            "data.train_points" => "training points".to_string(),
            other => other.to_string(),
        },
        runs: labels,
        at,
    })
}

/// A variant's label without its axis value: "head data.train_points=10" is run "head".
fn run_label(variant: &str) -> String {
    match variant.rsplit_once(' ') {
        Some((run, value)) if value.contains('=') => run.to_string(),
        _ => variant.to_string(),
    }
}

/// What the sweep figures show.
pub fn scene(
    experiment: &Experiment,
    plan: &Plan,
    summaries: &[Summary],
) -> plot::sweep::SweepScene {
    plot::sweep::SweepScene {
        title: experiment.name.clone(),
        metric: plan.metric.caption().to_string(),
        seeds: plan.seeds.len(),
        unreached: format!("tolerance not reached in {} steps", experiment.steps),
        log_metric: plan.metric.is_loss(),
        higher_is_better: plan.metric.higher_is_better(),
        rows: summaries
            .iter()
            .map(|s| plot::sweep::SweepRow {
                label: plan.variants[s.variant].label.clone(),
                cells: s
                    .cells
                    .iter()
                    .map(|&c| plot::sweep::SweepCell {
                        // Infinite without half the runs diverged: the tolerance was not
                        // reached (steps_to_tolerance), which is no divergence. A diverged
                        // median is +inf for the figures whichever way the metric is better
                        // (−inf accuracy).
                        median: if c.median.is_infinite() && 2 * c.diverged < c.runs {
                            f64::NAN
                        } else if c.median.is_infinite() {
                            f64::INFINITY
                        } else {
                            c.median
                        },
                        ..c
                    })
                    .collect(),
                best: s.best,
                at_edge: s.at_edge,
            })
            .collect(),
        width: experiment.plot.width,
        height: experiment.plot.height,
        scale: experiment.plot.scale,
    }
}

/// The results on stdout: per variant, its best lr and the median metric there (with the
/// quartiles over seeds), its diverged runs, and a hint where the best lies at an edge.
pub fn table(experiment: &Experiment, plan: &Plan, summaries: &[Summary]) -> String {
    let metric = plan.metric.caption();
    let seeds = plan.seeds.len();
    // Step counts are whole (a median of two may end in .5); losses span decades.
    // Accuracies read as percentages, as the run table writes them.
    let counts_steps = plan.metric == crate::config::Metric::StepsToTolerance;
    let accuracy = plan.metric == crate::config::Metric::ValAccuracy;
    let value = |v: f64| {
        if !v.is_finite() {
            value(v)
        } else if counts_steps {
            format!("{v}")
        } else if accuracy {
            format!("{:.1}%", 100.0 * v)
        } else {
            value(v)
        }
    };
    let mut rows: Vec<[String; 5]> = vec![[
        "run".to_string(),
        "lr range".to_string(),
        "best lr".to_string(),
        if seeds > 1 {
            format!("median {metric} [q25, q75]")
        } else {
            metric.to_string()
        },
        "diverged".to_string(),
    ]];
    let mut hints = Vec::new();
    for s in summaries {
        let variant = &plan.variants[s.variant];
        let (lo, hi) = (variant.lrs[0], variant.lrs[variant.lrs.len() - 1]);
        let runs: usize = s.cells.iter().map(|c| c.runs).sum();
        let (best, value) = match s.best {
            Some(b) => {
                let c = s.cells[b];
                let value = if seeds > 1 {
                    format!("{} [{}, {}]", value(c.median), value(c.q25), value(c.q75))
                } else {
                    value(c.median)
                };
                (three_digits(c.lr), value)
            }
            None if s.diverged_runs() * 2 >= runs => {
                ("-".to_string(), "every lr diverged".to_string())
            }
            None => (
                "-".to_string(),
                format!("never within {} steps", experiment.steps),
            ),
        };
        let edge = if s.at_edge { " (edge)" } else { "" };
        rows.push([
            variant.label.clone(),
            format!("{}..{}", short(lo), short(hi)),
            format!("{best}{edge}"),
            value,
            format!("{}/{runs}", s.diverged_runs()),
        ]);
        if let Some(b) = s.best.filter(|_| s.at_edge) {
            let (side, beyond) = if b == 0 {
                ("lowest", format!("below {}", short(lo)))
            } else {
                ("highest", format!("above {}", short(hi)))
            };
            hints.push(format!(
                "{}: the best is the {side} lr tried; the best may lie {beyond}: widen its range \
                 (`sweep_lr` in its table, or `[sweep] lr`)",
                variant.label
            ));
        }
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "{}: {} runs ({} setting{} × {} lrs × {seeds} seed{}, {} steps each); best lr: the \
         {} {}{metric}\n",
        experiment.name,
        plan.len(),
        plan.variants.len(),
        if plan.variants.len() == 1 { "" } else { "s" },
        plan.variants.first().map_or(0, |v| v.lrs.len()),
        if seeds == 1 { "" } else { "s" },
        experiment.steps,
        if plan.metric.higher_is_better() {
            "highest"
        } else {
            "lowest"
        },
        if seeds > 1 { "median " } else { "" },
    );
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    for hint in hints.into_iter().chain(measured_how(plan)) {
        out.push_str(&hint);
        out.push('\n');
    }
    out.pop();
    out
}

/// What the table's numbers are of, for rows that are not simply the run's trained weights:
/// its ensemble, snapshot ensemble or averaged weights, whichever it yields.
fn measured_how(plan: &Plan) -> Vec<String> {
    let labels = |keep: &dyn Fn(&crate::config::EnsembleSettings) -> bool| {
        let labels: Vec<&str> = plan
            .variants
            .iter()
            .filter(|v| keep(&v.config.ensemble))
            .map(|v| v.label.as_str())
            .collect();
        // Labels may hold commas ("batch 8, polyak"): semicolons between them.
        (!labels.is_empty()).then(|| labels.join("; "))
    };
    let members = |e: &crate::config::EnsembleSettings| e.members.is_some_and(|m| m > 1);
    let mut notes = Vec::new();
    if let Some(runs) = labels(&members) {
        notes.push(format!(
            "measured on the ensemble (`ensemble`: every member trained for every lr and seed), \
             at its end: {runs}"
        ));
    }
    if let Some(runs) = labels(&|e| e.snapshots && !members(e)) {
        notes.push(format!(
            "measured on the snapshot ensemble (`snapshots`), at its end: {runs}"
        ));
    }
    if let Some(runs) = labels(&|e| e.average.is_some() && !e.snapshots && !members(e)) {
        notes.push(format!(
            "measured on the averaged weights (`average`), the model such a run yields: {runs}"
        ));
    }
    notes
}
