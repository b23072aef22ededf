//! Traces as bytes: the pinned `trajectory.csv` and `summary.json`, and the results table.
//!
//! Nothing here touches the file system; the app writes what these functions return.
//! A network experiment's files (`history.csv`, its summary, the weights) are in `network`.

pub mod combined;
pub mod network;

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::core::{Outcome, Status, Surface, Trace};
use crate::number;

/// One finished run, as the outputs name it.
pub struct RunOutcome<'a> {
    pub label: &'a str,
    pub kind: &'a str,
    pub lr: f64,
    /// How it ended and where: exact, whatever `trace` kept. The summary and the table read
    /// this.
    pub outcome: &'a Outcome,
    /// The rows kept of it: row t is step t, unless `row_steps` says otherwise.
    pub trace: &'a Trace,
    /// The step of each row of `trace`, when only some steps were kept.
    pub row_steps: Option<&'a [u64]>,
}

impl RunOutcome<'_> {
    /// The step of row `row` of the trace.
    fn step_of(&self, row: usize) -> u64 {
        self.row_steps
            .and_then(|steps| steps.get(row).copied())
            .unwrap_or(row as u64)
    }
}

/// `trajectory.csv`: one row per run per step, step 0 the start (its lr empty).
pub fn trajectory_csv(runs: &[RunOutcome<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    write_trajectory_csv(&mut out, runs, 1).expect("writing to memory cannot fail");
    out
}

/// [`trajectory_csv`], streamed: a million-step run never holds its CSV in memory. The `csv`
/// crate quotes a label or kind holding a comma, a quote or a line break, as RFC 4180 says.
///
/// With `every` K above 1 each run keeps the rows of step 0, of every K-th step and its last
/// (`[output] csv_every`); the `step` column says which step each row is.
pub fn write_trajectory_csv(
    out: &mut dyn Write,
    runs: &[RunOutcome<'_>],
    every: u64,
) -> io::Result<()> {
    let every = every.max(1);
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["run", "kind", "step", "x", "y", "loss", "grad_norm", "lr"])?;
    let mut field = String::new();
    for run in runs {
        let trace = run.trace;
        for row in 0..trace.len() {
            let step = run.step_of(row);
            if !step.is_multiple_of(every) && row + 1 != trace.len() {
                continue;
            }
            let p = trace.point(row);
            csv.write_field(run.label)?;
            csv.write_field(run.kind)?;
            // Each number formatted into the one buffer, not a String of its own.
            field.clear();
            write!(field, "{step}").expect("writing to a String cannot fail");
            csv.write_field(&field)?;
            for v in [p[0], p[1], trace.loss[row], trace.grad_norm[row]] {
                field.clear();
                number::write_exact(&mut field, v);
                csv.write_field(&field)?;
            }
            field.clear();
            if row > 0 {
                number::write_exact(&mut field, trace.lr[row - 1]);
            }
            csv.write_field(&field)?;
            csv.write_record(None::<&[u8]>)?;
        }
    }
    csv.flush()
}

#[derive(Serialize)]
struct Summary<'a> {
    experiment: &'a str,
    surface: &'a str,
    formula: String,
    min_value: Option<f64>,
    runs: Vec<RunSummary<'a>>,
}

#[derive(Serialize)]
struct RunSummary<'a> {
    label: &'a str,
    kind: &'a str,
    status: &'static str,
    steps: u64,
    #[serde(rename = "final")]
    final_point: [f64; 2],
    final_loss: f64,
    best_loss: f64,
    final_grad_norm: f64,
    lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    diverged_at_step: Option<u64>,
    evaluations: EvaluationsJson,
    nearest_minimum: Option<[f64; 2]>,
    distance: Option<f64>,
}

#[derive(Serialize)]
struct EvaluationsJson {
    value: u64,
    gradient: u64,
    hessian: u64,
}

/// The facts about a run that the summary and the table share.
struct Facts {
    final_point: [f64; 2],
    nearest: Option<([f64; 2], f64)>,
}

fn facts(surface: &dyn Surface, outcome: &Outcome) -> Facts {
    let p = &outcome.final_point;
    let final_point = [p[0], p[1]];
    Facts {
        final_point,
        nearest: surface.nearest_minimum(final_point),
    }
}

fn diverged_at(status: Status) -> Option<u64> {
    match status {
        Status::Diverged { step } => Some(step),
        _ => None,
    }
}

/// `summary.json`: the experiment, its surface, and one record per run.
pub fn summary_json(
    experiment: &str,
    surface_kind: &str,
    surface: &dyn Surface,
    runs: &[RunOutcome<'_>],
) -> Vec<u8> {
    let summary = Summary {
        experiment,
        surface: surface_kind,
        formula: surface.formula(),
        min_value: surface.min_value(),
        runs: runs
            .iter()
            .map(|run| {
                let outcome = run.outcome;
                let f = facts(surface, outcome);
                let e = outcome.evaluations;
                RunSummary {
                    label: run.label,
                    kind: run.kind,
                    status: outcome.status.name(),
                    steps: outcome.steps,
                    final_point: f.final_point,
                    final_loss: outcome.final_loss,
                    best_loss: outcome.best_loss,
                    final_grad_norm: outcome.final_grad_norm,
                    lr: run.lr,
                    diverged_at_step: diverged_at(outcome.status),
                    evaluations: EvaluationsJson {
                        value: e.value,
                        gradient: e.gradient,
                        hessian: e.hessian,
                    },
                    nearest_minimum: f.nearest.map(|n| n.0),
                    distance: f.nearest.map(|n| n.1),
                }
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&summary).expect("plain data always serialises");
    bytes.push(b'\n');
    bytes
}

/// ANSI colours for the status column, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Never,
    Always,
}

/// The results table for stdout: aligned columns, one line per run.
pub fn table(
    experiment: &str,
    surface_kind: &str,
    surface: &dyn Surface,
    runs: &[RunOutcome<'_>],
    colour: Colour,
) -> String {
    let header = [
        "run",
        "kind",
        "status",
        "steps",
        "evals f/∇f/H",
        "loss",
        "best",
        "|grad|",
        "final",
        "nearest min",
    ];
    let mut rows: Vec<[String; 10]> = Vec::with_capacity(runs.len());
    let mut statuses = Vec::with_capacity(runs.len());
    for run in runs {
        let outcome = run.outcome;
        let f = facts(surface, outcome);
        let status = status_text(outcome.status);
        let nearest = f.nearest.map_or("-".to_string(), |(m, d)| {
            format!(
                "({}, {}) at {}",
                number::table(m[0]),
                number::table(m[1]),
                number::table(d)
            )
        });
        statuses.push(outcome.status);
        rows.push([
            run.label.to_string(),
            run.kind.to_string(),
            status,
            outcome.steps.to_string(),
            {
                let e = outcome.evaluations;
                format!("{}/{}/{}", e.value, e.gradient, e.hessian)
            },
            number::table(outcome.final_loss),
            number::table(outcome.best_loss),
            number::table(outcome.final_grad_norm),
            format!(
                "({}, {})",
                number::table(f.final_point[0]),
                number::table(f.final_point[1])
            ),
            nearest,
        ]);
    }
    let numeric = [
        false, false, false, true, true, true, true, true, false, false,
    ];
    let title = format!("{experiment} on {surface_kind}: {}", surface.formula());
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    aligned_table(&title, &header, &numeric, &rows, &statuses, colour)
}

/// A results table: the title, the header, then one line per run, columns aligned (numbers
/// to the right), the third column (the status) coloured by `statuses` when asked.
pub(crate) fn aligned_table(
    title: &str,
    header: &[&str],
    numeric: &[bool],
    rows: &[Vec<String>],
    statuses: &[Status],
    colour: Colour,
) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String], status: Option<Status>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            let text = match (i, status, colour) {
                (2, Some(st), Colour::Always) => paint(cell, st),
                _ => cell.clone(),
            };
            if i > 0 {
                s.push_str("  ");
            }
            if numeric[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(&text);
            } else {
                s.push_str(&text);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s.trim_end().to_string()
    };
    let bold_if = |text: String| {
        if colour == Colour::Always {
            bold(&text)
        } else {
            text
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", bold_if(title.to_string()));
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", bold_if(line(&head, None)));
    for (row, status) in rows.iter().zip(statuses) {
        let _ = writeln!(out, "{}", line(row, Some(*status)));
    }
    out
}

/// A status as the tables write it: "diverged at step 37", "converged", "max_steps".
pub(crate) fn status_text(status: Status) -> String {
    match status {
        Status::Diverged { step } => format!("diverged at step {step}"),
        other => other.name().to_string(),
    }
}

fn bold(s: &str) -> String {
    format!("\x1b[1m{s}\x1b[0m")
}

fn paint(s: &str, status: Status) -> String {
    let code = match status {
        Status::Converged => "32",
        Status::Diverged { .. } => "31",
        Status::MaxSteps => "33",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::optim::sgd::Sgd;
    use crate::core::{Limits, RunSpec, Schedule, run};

    fn sgd_trace(lr: f64, steps: u64) -> Trace {
        let spec = RunSpec {
            optimizer: std::sync::Arc::new(Sgd {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
            schedule: Schedule::Constant,
            lr,
        };
        let surface = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps,
            tolerance: None,
        };
        run(
            &surface,
            None,
            &spec,
            array![-3.0, 2.0].view(),
            limits,
            &crate::core::Cancel::new(),
        )
    }

    #[test]
    fn numbers_parse_back_to_the_same_value() {
        for v in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1.0 / 3.0,
            -2.5e-300,
            5e-324,
            1.7976931348623157e308,
            123456.789,
            1e-5,
            9.99e-6,
        ] {
            let text = number::exact(v);
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{text}"
            );
            assert!(text.len() < 30, "{text} is too long");
        }
    }

    #[test]
    fn csv_has_the_pinned_header_and_one_row_per_step() {
        let trace = sgd_trace(0.05, 3);
        let trace_outcome = trace.outcome();
        let outcome = RunOutcome {
            label: "sgd, fast",
            kind: "sgd",
            lr: 0.05,
            trace: &trace,
            outcome: &trace_outcome,
            row_steps: None,
        };
        let csv = String::from_utf8(trajectory_csv(&[outcome])).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "run,kind,step,x,y,loss,grad_norm,lr");
        assert_eq!(lines.len(), 5);
        assert!(lines[1].starts_with("\"sgd, fast\",sgd,0,-3,2,"));
        assert!(lines[1].ends_with(','), "step 0 has no lr: {}", lines[1]);
        assert!(lines[2].ends_with(",0.05"));
    }

    #[test]
    fn csv_quotes_labels_with_quotes_and_line_breaks_and_leaves_plain_ones() {
        let trace = sgd_trace(0.05, 1);
        let trace_outcome = trace.outcome();
        let row = |label: &str| {
            let outcome = RunOutcome {
                label,
                kind: "sgd",
                lr: 0.05,
                trace: &trace,
                outcome: &trace_outcome,
                row_steps: None,
            };
            let csv = String::from_utf8(trajectory_csv(&[outcome])).unwrap();
            let body = csv.split_once('\n').unwrap().1.to_string();
            body.split(",sgd,0,").next().unwrap().to_string()
        };
        assert_eq!(row("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(row("two\nlines"), "\"two\nlines\"");
        assert_eq!(row("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(row("plain label; β=0.9"), "plain label; β=0.9");
    }

    #[test]
    fn summary_has_the_pinned_keys() {
        let trace = sgd_trace(0.5, 100);
        let trace_outcome = trace.outcome();
        let surface = crate::core::registry::default_surface("quadratic").unwrap();
        let outcome = RunOutcome {
            label: "sgd",
            kind: "sgd",
            lr: 0.5,
            trace: &trace,
            outcome: &trace_outcome,
            row_steps: None,
        };
        let json: serde_json::Value =
            serde_json::from_slice(&summary_json("e", "quadratic", &surface, &[outcome])).unwrap();
        assert_eq!(json["experiment"], "e");
        assert_eq!(json["surface"], "quadratic");
        let run = &json["runs"][0];
        for key in [
            "label",
            "kind",
            "status",
            "steps",
            "final",
            "final_loss",
            "best_loss",
            "evaluations",
            "nearest_minimum",
            "distance",
        ] {
            assert!(run.get(key).is_some(), "missing {key}");
        }
        assert_eq!(run["status"], "diverged");
        assert_eq!(run["diverged_at_step"], 6);
        assert_eq!(run["evaluations"]["gradient"], 7);
    }

    #[test]
    fn table_aligns_columns_and_colours_only_when_asked() {
        let slow = sgd_trace(0.01, 5);
        let slow_outcome = slow.outcome();
        let wild = sgd_trace(0.5, 50);
        let wild_outcome = wild.outcome();
        let surface = crate::core::registry::default_surface("quadratic").unwrap();
        let runs = [
            RunOutcome {
                label: "slow",
                kind: "sgd",
                lr: 0.01,
                trace: &slow,
                outcome: &slow_outcome,
                row_steps: None,
            },
            RunOutcome {
                label: "wild one",
                kind: "sgd",
                lr: 0.5,
                trace: &wild,
                outcome: &wild_outcome,
                row_steps: None,
            },
        ];
        let plain = table("e", "quadratic", &surface, &runs, Colour::Never);
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("diverged at step 6"));
        // Plain SGD: no values, one gradient per row, no Hessians.
        assert!(plain.lines().nth(2).unwrap().contains(" 0/6/0 "), "{plain}");
        let lines: Vec<&str> = plain.lines().collect();
        let kind_col = lines[1].find("kind").unwrap();
        assert_eq!(lines[2].find("sgd"), Some(kind_col));
        assert_eq!(lines[3].find("sgd"), Some(kind_col));
        let coloured = table("e", "quadratic", &surface, &runs, Colour::Always);
        assert!(coloured.contains("\x1b[31mdiverged at step 6"));
    }

    /// The (step, lr) of every data row of `csv`.
    fn steps_and_lrs(csv: &[u8]) -> Vec<(u64, String)> {
        String::from_utf8(csv.to_vec())
            .unwrap()
            .lines()
            .skip(1)
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                (cells[2].parse().unwrap(), cells[7].to_string())
            })
            .collect()
    }

    #[test]
    fn csv_every_keeps_the_start_every_kth_step_and_the_last() {
        let trace = sgd_trace(0.01, 23);
        let trace_outcome = trace.outcome();
        let run = RunOutcome {
            label: "sgd",
            kind: "sgd",
            lr: 0.01,
            trace: &trace,
            outcome: &trace_outcome,
            row_steps: None,
        };
        let mut csv = Vec::new();
        write_trajectory_csv(&mut csv, &[run], 10).unwrap();
        let rows = steps_and_lrs(&csv);
        let steps: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(steps, [0, 10, 20, 23]);
        assert_eq!(rows[0].1, "", "the start has no lr");
        assert_eq!(rows[3].1, "0.01");
        // Its rows are the full CSV's rows of those steps, byte for byte.
        let full = String::from_utf8(trajectory_csv(&[RunOutcome {
            label: "sgd",
            kind: "sgd",
            lr: 0.01,
            trace: &trace,
            outcome: &trace_outcome,
            row_steps: None,
        }]))
        .unwrap();
        let full: Vec<&str> = full.lines().collect();
        let thinned = String::from_utf8(csv).unwrap();
        let thinned: Vec<&str> = thinned.lines().collect();
        assert_eq!(thinned, [full[0], full[1], full[11], full[21], full[24]]);
    }

    #[test]
    fn a_run_that_kept_every_kth_row_writes_the_same_csv_and_an_exact_summary() {
        use crate::core::{Every, run_with};
        let spec = RunSpec {
            optimizer: std::sync::Arc::new(Sgd {
                momentum: 0.9,
                dampening: 0.0,
                nesterov: false,
                weight_decay: 0.0,
            }),
            schedule: Schedule::Constant,
            lr: 0.1,
        };
        let surface = crate::core::registry::default_surface("quadratic").unwrap();
        let limits = Limits {
            steps: 57,
            tolerance: None,
        };
        let start = array![-3.0, 2.0];
        let cancel = crate::core::Cancel::new();
        let whole = run(&surface, None, &spec, start.view(), limits, &cancel);
        let whole_outcome = whole.outcome();
        // Momentum's loss goes up and down: keep rows that miss its lowest.
        let lowest = (0..whole.len())
            .min_by(|&a, &b| whole.loss[a].total_cmp(&whole.loss[b]))
            .unwrap();
        assert!(
            lowest > 0 && lowest + 1 < whole.len(),
            "lowest at row {lowest}"
        );
        let k = lowest as u64 + 1;
        let mut every = Every::new(k, 2);
        let kept = run_with(
            &surface,
            None,
            &spec,
            start.view(),
            limits,
            &cancel,
            &mut every,
        );
        assert_eq!(kept, whole_outcome);
        let from_whole = RunOutcome {
            label: "m",
            kind: "momentum",
            lr: 0.1,
            trace: &whole,
            outcome: &whole_outcome,
            row_steps: None,
        };
        let from_kept = RunOutcome {
            label: "m",
            kind: "momentum",
            lr: 0.1,
            trace: &every.trace,
            outcome: &kept,
            row_steps: Some(&every.steps),
        };
        let csv = |run: RunOutcome<'_>| {
            let mut out = Vec::new();
            write_trajectory_csv(&mut out, &[run], k).unwrap();
            out
        };
        let (a, b) = (csv(from_whole), csv(from_kept));
        assert_eq!(a, b);
        assert_eq!(steps_and_lrs(&a).last().unwrap().0, 57);
        // The lowest loss is on a row that was not kept, and the summary still has it.
        let kept_best = every.trace.best_loss();
        assert!(whole_outcome.best_loss < kept_best);
        let json = |run| summary_json("e", "quadratic", &surface, &[run]);
        let summary_whole = json(RunOutcome {
            label: "m",
            kind: "momentum",
            lr: 0.1,
            trace: &whole,
            outcome: &whole_outcome,
            row_steps: None,
        });
        let summary_kept = json(RunOutcome {
            label: "m",
            kind: "momentum",
            lr: 0.1,
            trace: &every.trace,
            outcome: &kept,
            row_steps: Some(&every.steps),
        });
        assert_eq!(summary_whole, summary_kept);
    }
}
