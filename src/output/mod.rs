//! From a validated experiment to files on disk: run it, render its outputs to bytes, write
//! them into `<out>/<name>/` whole or not at all.
//!
//! Used by the command line (`app`) and by the playground's export (`play`), so neither needs
//! the other. Interruption is a [`Cancel`] token checked while stepping and while writing; an
//! interrupted write leaves nothing behind (see [`write_all`]).

mod render;
mod surface;
mod write;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ndarray::Array1;

use crate::config::{self, Experiment};
use crate::core::{Cancel, Cancelled, Every, GradientNoise, Limits, Outcome, Trace, run_with};
use crate::export::{self, Colour, RunOutcome};
use crate::plot::{self, Format};

pub use render::{Content, Rendered, render_files};
pub use surface::{sample_grid, scene};
pub use write::{write_all, write_outputs};

/// Test hook, not for users: set to a file path, the runs start, that file is created, and
/// the process waits until it is interrupted. A test waits for the file and then sends its
/// signal, knowing it lands while stepping, with no guess at how long anything takes.
const TEST_PAUSE_STEPPING: &str = "OPTPLAY_TEST_PAUSE_STEPPING";
/// Test hook, not for users: as [`TEST_PAUSE_STEPPING`], once the first chunk of the first
/// output file is on disk (inside the trajectory CSV when it is large).
const TEST_PAUSE_WRITING: &str = "OPTPLAY_TEST_PAUSE_WRITING";

/// Why outputs could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file or folder could not be written.
    #[error("error: cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A figure could not be drawn.
    #[error("error: cannot draw {}: {source}", path.display())]
    Plot {
        path: PathBuf,
        source: plot::PlotError,
    },
    /// The cancel token was set: nothing of this experiment is on disk.
    #[error("interrupted: nothing was written")]
    Interrupted,
}

impl From<Cancelled> for OutputError {
    fn from(_: Cancelled) -> Self {
        OutputError::Interrupted
    }
}

/// What [`write_experiment`] wrote.
#[derive(Debug)]
pub struct Written {
    /// `<out>/<name>/`.
    pub dir: PathBuf,
    /// The names of the files in it.
    pub files: Vec<String>,
    /// The runs, in the experiment's order.
    pub runs: Vec<RunResult>,
}

/// One run of an experiment: how it ended, and the rows kept of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// How it ended and where: exact, whatever was kept. The summary and the table read it.
    pub outcome: Outcome,
    /// The rows kept: every step (the figures need the whole path), or, when an experiment
    /// draws nothing and thins its CSV, only the rows the CSV keeps.
    pub trace: Trace,
    /// The step of each row of `trace` when only some were kept; `None`: row t is step t.
    pub row_steps: Option<Vec<u64>>,
}

/// What the runs of an experiment keep of their rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Every row: what figures (and a CSV of every step) need.
    All,
    /// Rows of step 0, every k-th step and the last: all a thinned CSV without figures
    /// needs, in a fraction of the memory.
    Every(u64),
}

impl Keep {
    /// What `experiment`'s outputs need.
    fn for_outputs(experiment: &Experiment) -> Keep {
        let every = experiment.output.csv_every;
        if experiment.plot.formats.is_empty() && every > 1 {
            Keep::Every(every)
        } else {
            Keep::All
        }
    }
}

/// Runs the experiment and writes its files into `<out>/<name>/`, printing nothing (the
/// playground's export uses it while the terminal shows the UI). Once `cancel` is set it
/// stops, and leaves the folder as it was.
pub fn write_experiment(
    experiment: &Experiment,
    out: &Path,
    cancel: &Cancel,
) -> Result<Written, OutputError> {
    let formats = picture_formats(experiment);
    let runs = run_all_until(experiment, cancel, Keep::for_outputs(experiment));
    // A run that saw the token stopped early: its outcome is not a result.
    cancel.check()?;
    let dir = out.join(&experiment.name);
    let files = render_files(experiment, &runs, &formats, &dir)?;
    // Drawing does not look at the token: look before anything touches the disk.
    cancel.check()?;
    write_outputs(&dir, &files, cancel)?;
    let files = files.into_iter().map(|f| f.name).collect();
    Ok(Written { dir, files, runs })
}

/// Runs every optimizer of an experiment to its end, in the order the file lists them,
/// keeping every row.
pub fn run_all(experiment: &Experiment) -> Vec<Trace> {
    run_results(experiment)
        .into_iter()
        .map(|run| run.trace)
        .collect()
}

/// [`run_all`], with each run's outcome.
pub fn run_results(experiment: &Experiment) -> Vec<RunResult> {
    // Nobody else holds this token, so nothing can cancel these runs.
    run_all_until(experiment, &Cancel::new(), Keep::All)
}

/// [`run_all`], given up once `cancel` is set.
pub fn run_all_unless_cancelled(
    experiment: &Experiment,
    cancel: &Cancel,
) -> Result<Vec<Trace>, Cancelled> {
    let runs = run_all_until(experiment, cancel, Keep::All);
    // A run that saw the token stopped early: its trace is not a result.
    cancel.check()?;
    Ok(runs.into_iter().map(|run| run.trace).collect())
}

/// The runs, each keeping what `keep` says and stopping early once `cancel` is set.
fn run_all_until(experiment: &Experiment, cancel: &Cancel, keep: Keep) -> Vec<RunResult> {
    let start = Array1::from(experiment.problem.start());
    let seed = experiment.seed;
    let limits = Limits {
        steps: experiment.steps,
        tolerance: experiment.tolerance,
    };
    let objective = experiment.problem.objective();
    let one = |r: &config::RunConfig| {
        let noise = r
            .noise_std(experiment.noise)
            .map(|std| GradientNoise { std, seed });
        let spec = r.spec();
        let start = start.view();
        let dim = start.len();
        match keep {
            Keep::All => {
                let rows = limits.steps.min(1 << 20) as usize + 1;
                let mut trace = Trace::with_capacity(dim, rows);
                let outcome = run_with(objective, noise, &spec, start, limits, cancel, &mut trace);
                trace.status = outcome.status;
                trace.evaluations = outcome.evaluations;
                RunResult {
                    outcome,
                    trace,
                    row_steps: None,
                }
            }
            Keep::Every(k) => {
                let mut every = Every::new(k, dim);
                let outcome = run_with(objective, noise, &spec, start, limits, cancel, &mut every);
                every.trace.status = outcome.status;
                every.trace.evaluations = outcome.evaluations;
                RunResult {
                    outcome,
                    trace: every.trace,
                    row_steps: Some(every.steps),
                }
            }
        }
    };
    // Runs are independent: share them among threads, results in file order.
    std::thread::scope(|scope| {
        let handles: Vec<_> = experiment
            .runs
            .iter()
            .map(|r| scope.spawn(move || one(r)))
            .collect();
        if let Some(marker) = std::env::var_os(TEST_PAUSE_STEPPING) {
            pause_until_cancelled(Path::new(&marker), cancel);
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("a run never panics"))
            .collect()
    })
}

/// The experiment's picture formats; config has checked the names already.
pub fn picture_formats(experiment: &Experiment) -> Vec<Format> {
    experiment
        .plot
        .formats
        .iter()
        .filter_map(|name| Format::from_str(name).ok())
        .collect()
}

/// The runs of `experiment` with their results, as the table, CSV and JSON describe them.
pub fn outcomes<'a>(experiment: &'a Experiment, runs: &'a [RunResult]) -> Vec<RunOutcome<'a>> {
    experiment
        .runs
        .iter()
        .zip(runs)
        .map(|(r, run)| RunOutcome {
            label: &r.label,
            kind: r.kind(),
            lr: r.lr,
            outcome: &run.outcome,
            trace: &run.trace,
            row_steps: run.row_steps.as_deref(),
        })
        .collect()
}

/// The results table for stdout, as the experiment's problem describes its runs.
pub fn table(experiment: &Experiment, runs: &[RunResult], colour: Colour) -> String {
    let outcomes = outcomes(experiment, runs);
    match &experiment.problem {
        config::Problem::Surface(problem) => export::table(
            &experiment.name,
            problem.kind(),
            &problem.function,
            &outcomes,
            colour,
        ),
    }
}

/// The test hooks' pause: creates `marker`, then waits until `cancel` is set. A short sleep
/// between looks is fine here: only tests ever get here, and they wait for the signal anyway.
fn pause_until_cancelled(marker: &Path, cancel: &Cancel) {
    if std::fs::write(marker, b"").is_err() {
        return;
    }
    while !cancel.is_cancelled() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
