//! A sweep's data files as bytes, and shard parts read back for `--merge`.
//!
//! Numbers are written with Rust's `{}` for f64, which parses back to the same value, so a
//! merge of the parts rebuilds exactly the rows an unsharded sweep had and writes the same
//! bytes. A part carries the experiment file's text in its leading comment lines: a merge
//! needs nothing but the parts, and can tell parts of different files or grids apart.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use super::{Ended, Job, Plan, Row, Summary, value_text};
use crate::config::Experiment;
use crate::number::exact;

/// The columns before the grid's own and after them (pinned).
const LEADING: [&str; 4] = ["run", "kind", "lr", "seed"];
const TRAILING: [&str; 5] = [
    "status",
    "final_loss",
    "best_loss",
    "steps_to_tolerance",
    "metric",
];

/// The first comment line of a part, up to its numbers.
const PART_MARK: &str = "# optplay sweep part ";
/// Comment lines that hold the experiment file's text.
const SOURCE_MARK: &str = "#| ";

fn header(plan: &Plan) -> Vec<String> {
    LEADING
        .iter()
        .map(|c| c.to_string())
        .chain(plan.axes.iter().map(|a| a.to_string()))
        .chain(TRAILING.iter().map(|c| c.to_string()))
        .collect()
}

fn record(experiment: &Experiment, plan: &Plan, row: &Row) -> Vec<String> {
    let variant = &plan.variants[row.job.variant];
    let run = &experiment.runs[variant.run];
    let mut fields = vec![
        run.label.clone(),
        run.kind().to_string(),
        exact(variant.lrs[row.job.lr]),
        plan.seeds[row.job.seed].to_string(),
    ];
    fields.extend(
        variant
            .grid
            .iter()
            .map(|v| v.as_ref().map(value_text).unwrap_or_default()),
    );
    fields.extend([
        row.status.name().to_string(),
        exact(row.final_loss),
        exact(row.best_loss),
        row.steps_to_tolerance
            .map(|s| s.to_string())
            .unwrap_or_default(),
        exact(row.metric),
    ]);
    fields
}

fn csv_of(experiment: &Experiment, plan: &Plan, rows: &[Row], prefix: String) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(prefix.into_bytes());
    // Writing into memory cannot fail.
    let _ = writer.write_record(header(plan));
    for row in rows {
        let _ = writer.write_record(record(experiment, plan, row));
    }
    writer.into_inner().unwrap_or_default()
}

/// `sweep.csv`: one row per run, in grid order.
pub fn csv_bytes(experiment: &Experiment, plan: &Plan, rows: &[Row]) -> Vec<u8> {
    csv_of(experiment, plan, rows, String::new())
}

/// The file name of part `k` of `n` (pinned).
pub fn part_name(k: usize, n: usize) -> String {
    format!("sweep.part-{k}-of-{n}.csv")
}

/// What a part says of itself, besides its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub path: PathBuf,
    pub k: usize,
    pub n: usize,
    /// The experiment file it was run from, as given on the command line, and its text.
    pub file: PathBuf,
    pub source: String,
    /// The grid's size as run (`--points`, `--seeds` included).
    pub points: u64,
    pub seeds: u64,
    /// The rows' CSV text, header included.
    pub csv: String,
}

/// Part `k` of `n` of a sweep of `file` (whose text is `source`): its rows, after comment
/// lines that say which part of which sweep it is.
pub fn part_bytes(
    experiment: &Experiment,
    plan: &Plan,
    rows: &[Row],
    (k, n): (usize, usize),
    file: &Path,
    source: &str,
    (points, seeds): (u64, u64),
) -> Vec<u8> {
    let range = plan.shard(k, n);
    let mut prefix = String::new();
    let _ = writeln!(
        prefix,
        "{PART_MARK}{k} of {n}: runs {} to {} of {}",
        range.start + 1,
        range.end,
        plan.len()
    );
    let _ = writeln!(prefix, "# points = {points}, seeds = {seeds}");
    let _ = writeln!(prefix, "# file = {}", file.display());
    for line in source.lines() {
        let _ = writeln!(prefix, "{SOURCE_MARK}{line}");
    }
    csv_of(experiment, plan, rows, prefix)
}

/// Why parts cannot be merged. Each names the files at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("no sweep parts (sweep.part-K-of-N.csv) in {}", dirs.join(", "))]
    NoParts { dirs: Vec<String> },
    #[error("{} and {} are parts of sweeps of {}: {what}", a.display(), b.display(), what_of)]
    Mismatch {
        a: PathBuf,
        b: PathBuf,
        what_of: String,
        what: String,
    },
    #[error("part {k} of {n} twice: {} and {}", a.display(), b.display())]
    Duplicate {
        k: usize,
        n: usize,
        a: PathBuf,
        b: PathBuf,
    },
    #[error("missing part{} {} of {n} (found {})", if missing.len() > 1 { "s" } else { "" },
        missing.iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
        found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    Missing {
        missing: Vec<usize>,
        n: usize,
        found: Vec<PathBuf>,
    },
    #[error("{}: {reason}", path.display())]
    Rows { path: PathBuf, reason: String },
}

/// The part files in `dir`, or in the `*-sweep` folders inside it, sorted by name.
pub fn parts_in(dir: &Path) -> Result<Vec<PathBuf>, MergeError> {
    let is_part = |p: &PathBuf| named(p, |n| parse_part_name(n).is_some());
    let listed = listing(dir)?;
    let here: Vec<PathBuf> = listed.iter().filter(|p| is_part(p)).cloned().collect();
    if !here.is_empty() {
        return Ok(here);
    }
    let mut inside = Vec::new();
    for folder in listed
        .iter()
        .filter(|p| p.is_dir() && named(p, |n| n.ends_with("-sweep")))
    {
        inside.extend(listing(folder)?.into_iter().filter(is_part));
    }
    Ok(inside)
}

/// The entries of `dir`, sorted.
fn listing(dir: &Path) -> Result<Vec<PathBuf>, MergeError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such folder".to_string(),
                std::io::ErrorKind::NotADirectory => "not a folder".to_string(),
                _ => e.to_string(),
            };
            MergeError::Unreadable {
                path: dir.to_path_buf(),
                reason: format!(
                    "cannot read the shards' parts there ({why}): --merge takes each shard's \
                     --out folder, or the <name>-sweep folder inside it"
                ),
            }
        })?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    Ok(entries)
}

/// Whether `path`'s file name is text that `test` accepts.
fn named(path: &Path, test: impl Fn(&str) -> bool) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(test)
}

/// (k, n) from `sweep.part-K-of-N.csv`.
fn parse_part_name(name: &str) -> Option<(usize, usize)> {
    let (k, n) = name
        .strip_prefix("sweep.part-")?
        .strip_suffix(".csv")?
        .split_once("-of-")?;
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    (1..=n).contains(&k).then_some((k, n))
}

/// A part file's comment lines and rows.
pub fn parse_part(path: &Path) -> Result<Part, MergeError> {
    let bad = |reason: &str| MergeError::Unreadable {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(&e.to_string()))?;
    let not_a_part = "not a part of an optplay sweep (its first lines are missing or changed)";
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or_else(|| bad(not_a_part))?;
    let (k, n) = first
        .strip_prefix(PART_MARK)
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(kn, _)| kn.split_once(" of "))
        .and_then(|(k, n)| Some((k.parse().ok()?, n.trim().parse().ok()?)))
        .ok_or_else(|| bad(not_a_part))?;
    let grid = lines.next().ok_or_else(|| bad(not_a_part))?;
    let (points, seeds) = grid
        .strip_prefix("# points = ")
        .and_then(|rest| rest.trim_end().split_once(", seeds = "))
        .and_then(|(p, s)| Some((p.parse().ok()?, s.parse().ok()?)))
        .ok_or_else(|| bad(not_a_part))?;
    let file = lines
        .next()
        .and_then(|l| l.strip_prefix("# file = "))
        .map(|f| PathBuf::from(f.trim_end_matches(['\n', '\r'])))
        .ok_or_else(|| bad(not_a_part))?;
    let mut source = String::new();
    let mut csv = String::new();
    for line in lines {
        match line.strip_prefix(SOURCE_MARK) {
            Some(text) if csv.is_empty() => source.push_str(text),
            _ => csv.push_str(line),
        }
    }
    Ok(Part {
        path: path.to_path_buf(),
        k,
        n,
        file,
        source,
        points,
        seeds,
        csv,
    })
}

/// The parts, checked to be all of one sweep: same file text and grid, each of 1..=N once.
/// Sorted by k.
pub fn check_parts(mut parts: Vec<Part>) -> Result<Vec<Part>, MergeError> {
    let Some(first) = parts.first().cloned() else {
        return Err(MergeError::NoParts { dirs: Vec::new() });
    };
    for part in &parts[1..] {
        let what = if part.n != first.n {
            Some(format!("split {} and {} ways", first.n, part.n))
        } else if part.source != first.source {
            Some("different experiment files".to_string())
        } else if (part.points, part.seeds) != (first.points, first.seeds) {
            Some(format!(
                "different grids ({} lrs × {} seeds and {} × {})",
                first.points, first.seeds, part.points, part.seeds
            ))
        } else {
            None
        };
        if let Some(what) = what {
            return Err(MergeError::Mismatch {
                a: first.path.clone(),
                b: part.path.clone(),
                what_of: "different sweeps".to_string(),
                what,
            });
        }
    }
    parts.sort_by_key(|p| p.k);
    for pair in parts.windows(2) {
        if pair[0].k == pair[1].k {
            return Err(MergeError::Duplicate {
                k: pair[0].k,
                n: pair[0].n,
                a: pair[0].path.clone(),
                b: pair[1].path.clone(),
            });
        }
    }
    let missing: Vec<usize> = (1..=first.n)
        .filter(|k| !parts.iter().any(|p| p.k == *k))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing,
            n: first.n,
            found: parts.iter().map(|p| p.path.clone()).collect(),
        });
    }
    Ok(parts)
}

/// The rows of `part`, checked against the grid of `plan`: its share of the jobs, each row
/// the setting the grid has at its place.
pub fn part_rows(
    experiment: &Experiment,
    plan: &Plan,
    part: &Part,
) -> Result<Vec<Row>, MergeError> {
    let wrong = |reason: String| MergeError::Rows {
        path: part.path.clone(),
        reason,
    };
    let range = plan.shard(part.k, part.n);
    let mut reader = csv::Reader::from_reader(part.csv.as_bytes());
    let expected_header = header(plan);
    let found_header: Vec<String> = reader
        .headers()
        .map_err(|e| wrong(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if found_header != expected_header {
        return Err(wrong(format!(
            "its columns are `{}`, the sweep's are `{}`",
            found_header.join(","),
            expected_header.join(",")
        )));
    }
    let axes = plan.axes.len();
    let mut rows = Vec::with_capacity(range.len());
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| wrong(e.to_string()))?;
        let line = i + 2;
        let Some(index) = range.clone().nth(i) else {
            return Err(wrong(format!(
                "more rows than its share of the sweep ({})",
                range.len()
            )));
        };
        let job: Job = plan.job(index);
        let field = |c: usize| record.get(c).unwrap_or("");
        let number = |c: usize| -> Result<f64, MergeError> {
            field(c).parse::<f64>().map_err(|_| {
                wrong(format!(
                    "row {line}: `{}` in column {} is not a number",
                    field(c),
                    c + 1
                ))
            })
        };
        // Each row must be the setting the grid has at its place.
        let expected = record_key(experiment, plan, job);
        let found: Vec<String> = (0..LEADING.len() + axes)
            .map(|c| field(c).to_string())
            .collect();
        if found != expected {
            return Err(wrong(format!(
                "row {line} is `{}`, where the sweep has `{}`: a different grid",
                found.join(","),
                expected.join(",")
            )));
        }
        let t = LEADING.len() + axes;
        let status = Ended::from_name(field(t))
            .ok_or_else(|| wrong(format!("row {line}: unknown status `{}`", field(t))))?;
        let steps_to_tolerance = match field(t + 3) {
            "" => None,
            s => Some(
                s.parse::<u64>()
                    .map_err(|_| wrong(format!("row {line}: `{s}` is not a number of steps")))?,
            ),
        };
        rows.push(Row {
            job,
            status,
            final_loss: number(t + 1)?,
            best_loss: number(t + 2)?,
            steps_to_tolerance,
            metric: number(t + 4)?,
        });
    }
    if rows.len() != range.len() {
        return Err(wrong(format!(
            "{} rows where its share of the sweep has {}: the part is incomplete",
            rows.len(),
            range.len()
        )));
    }
    Ok(rows)
}

/// The setting columns of `job`'s row.
fn record_key(experiment: &Experiment, plan: &Plan, job: Job) -> Vec<String> {
    let row = Row {
        job,
        status: Ended::MaxSteps,
        final_loss: 0.0,
        best_loss: 0.0,
        steps_to_tolerance: None,
        metric: 0.0,
    };
    let mut fields = record(experiment, plan, &row);
    fields.truncate(LEADING.len() + plan.axes.len());
    fields
}

/// A number for JSON: non-finite values (a median of diverged runs) are `null`.
fn number(x: f64) -> Json {
    if x.is_finite() { json!(x) } else { Json::Null }
}

/// `sweep.json`: per variant, the best learning rate and the curve it was chosen from.
pub fn json_bytes(experiment: &Experiment, plan: &Plan, summaries: &[Summary]) -> Vec<u8> {
    let optimizers: Vec<Json> = summaries
        .iter()
        .map(|s| {
            let variant = &plan.variants[s.variant];
            let run = &experiment.runs[variant.run];
            let best = s.best.map(|b| s.cells[b]);
            let grid: serde_json::Map<String, Json> = plan
                .axes
                .iter()
                .zip(&variant.grid)
                .filter_map(|(key, v)| {
                    let v = v.as_ref()?;
                    let value = match v {
                        crate::core::spec::Value::Integer(i) => json!(i),
                        crate::core::spec::Value::Number(x) => json!(x),
                        other => json!(other.to_string()),
                    };
                    Some((key.to_string(), value))
                })
                .collect();
            json!({
                "label": variant.label,
                "run": run.label,
                "kind": run.kind(),
                "grid": grid,
                "best_lr": best.map(|c| json!(c.lr)).unwrap_or(Json::Null),
                "best_metric": best.map_or(Json::Null, |c| number(c.median)),
                "metric_median": best.map_or(Json::Null, |c| number(c.median)),
                "metric_q25": best.map_or(Json::Null, |c| number(c.q25)),
                "metric_q75": best.map_or(Json::Null, |c| number(c.q75)),
                "diverged_runs": s.diverged_runs(),
                "at_edge": s.at_edge,
                "runs": s.cells.iter().map(|c| c.runs).sum::<usize>(),
                "lrs": s.cells.iter().map(|c| json!(c.lr)).collect::<Vec<_>>(),
                "medians": s.cells.iter().map(|c| number(c.median)).collect::<Vec<_>>(),
                "q25s": s.cells.iter().map(|c| number(c.q25)).collect::<Vec<_>>(),
                "q75s": s.cells.iter().map(|c| number(c.q75)).collect::<Vec<_>>(),
                "diverged": s.cells.iter().map(|c| c.diverged).collect::<Vec<_>>(),
            })
        })
        .collect();
    let document = json!({
        "experiment": experiment.name,
        "metric": plan.metric.name(),
        "seeds": plan.seeds.len(),
        "optimizers": optimizers,
    });
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
