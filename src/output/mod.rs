//! From a validated experiment to files on disk: run it, render its outputs to bytes, write
//! them into `<out>/<name>/` whole or not at all.
//!
//! Used by the command line (`app`) and by the playground's export (`play`), so neither needs
//! the other. Interruption is a [`Cancel`] token checked while stepping and while writing; an
//! interrupted write leaves nothing behind (see [`write_all`]).

mod ensemble_figures;
mod landscape;
pub mod network;
mod network_combined;
mod network_figures;
mod render;
mod surface;
mod write;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use ndarray::Array1;

use crate::config::{self, Experiment};
use crate::core::network::train::Trained;
use crate::core::{
    Cancel, Cancelled, Every, GradientNoise, Limits, Outcome, Recorder, Row, Trace, run_with,
};
use crate::export::{self, Colour, RunOutcome};
use crate::plot::{self, Format};

pub(crate) use network_figures::window as network_plane;
pub use render::{Content, Rendered, render_files};
pub use surface::{Ahead, sample_grid, scene};
pub use write::{write_all, write_outputs, write_outputs_in};

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
    /// The transfer source's training blew up: there are no weights to start from.
    #[error(
        "the transfer source {} (its run `{label}`) diverged at step {step}: its weights \
         cannot seed this experiment; give that run a lower lr",
        from.display()
    )]
    SourceDiverged {
        from: PathBuf,
        label: String,
        step: u64,
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
    /// The runs of a surface experiment, in the experiment's order.
    pub runs: Vec<RunResult>,
    /// The trainings of a network experiment, in the experiment's order.
    pub trained: Vec<Trained>,
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

/// What [`write_experiment_with`] says of its work while it goes on, on the thread that
/// called it (the runs step on threads of their own).
pub trait Progress {
    /// `done` of `total` steps (every run's steps), a few times a second while the runs step;
    /// a run that stopped early counts its remaining steps as done.
    fn steps(&mut self, done: u64, total: u64);
    /// `done` of `total` whole runs have ended (a sweep counts runs, not steps).
    fn runs(&mut self, done: u64, total: u64) {
        self.steps(done, total);
    }
    /// The runs are done; now this.
    fn stage(&mut self, stage: Stage);
}

/// What comes after the runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The figures are drawn.
    Drawing,
    /// The files are written.
    Writing,
}

/// Says nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn steps(&mut self, _: u64, _: u64) {}
    fn stage(&mut self, _: Stage) {}
}

/// How often a run adds its steps to the shared count: one atomic add per this many steps
/// costs nothing next to the steps themselves.
const PUBLISH_EVERY: u64 = 256;
/// How often [`Progress::steps`] is told, at most, while the runs step.
pub(crate) const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Runs the experiment and writes its files into `<out>/<name>/`, printing nothing (the
/// playground's export uses it while the terminal shows the UI). Once `cancel` is set it
/// stops, and leaves the folder as it was.
pub fn write_experiment(
    experiment: &Experiment,
    out: &Path,
    cancel: &Cancel,
) -> Result<Written, OutputError> {
    write_experiment_with(experiment, out, cancel, &mut Silent)
}

/// [`write_experiment`], telling `progress` how far it has got.
pub fn write_experiment_with(
    experiment: &Experiment,
    out: &Path,
    cancel: &Cancel,
    progress: &mut dyn Progress,
) -> Result<Written, OutputError> {
    let formats = picture_formats(experiment);
    let dir = out.join(&experiment.name);
    let with_source = network::with_trained_source(experiment, cancel)?;
    let experiment = with_source.as_ref().unwrap_or(experiment);
    if let Some(problem) = experiment.network() {
        let trained = network::train_all(experiment, problem, cancel, progress);
        cancel.check()?;
        if !formats.is_empty() {
            progress.stage(Stage::Drawing);
        }
        let files = network::render_files(experiment, problem, &trained, &formats, &dir)?;
        cancel.check()?;
        progress.stage(Stage::Writing);
        write_outputs(&dir, &files, cancel)?;
        let files = files.into_iter().map(|f| f.name).collect();
        return Ok(Written {
            dir,
            files,
            runs: Vec::new(),
            trained,
        });
    }
    // What the figures draw of the surface alone is drawn while the runs step, and while the
    // figures that do not need it are drawn.
    let ahead = Ahead::new(experiment, &formats);
    Ahead::drawn_during(ahead.as_ref(), || {
        let runs = run_for_outputs(experiment, cancel, progress)?;
        if !formats.is_empty() {
            progress.stage(Stage::Drawing);
        }
        let files = render_files(experiment, &runs, &formats, &dir, ahead.as_ref())?;
        // Drawing does not look at the token: look before anything touches the disk.
        cancel.check()?;
        progress.stage(Stage::Writing);
        write_outputs(&dir, &files, cancel)?;
        let files = files.into_iter().map(|f| f.name).collect();
        Ok(Written {
            dir,
            files,
            runs,
            trained: Vec::new(),
        })
    })
}

/// The runs of `experiment`, each keeping the rows its outputs need ([`render_files`] draws
/// and writes from them); given up once `cancel` is set.
pub fn run_for_outputs(
    experiment: &Experiment,
    cancel: &Cancel,
    progress: &mut dyn Progress,
) -> Result<Vec<RunResult>, OutputError> {
    let runs = run_all_until(experiment, cancel, Keep::for_outputs(experiment), progress);
    // A run that saw the token stopped early: its outcome is not a result.
    cancel.check()?;
    Ok(runs)
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
    run_all_until(experiment, &Cancel::new(), Keep::All, &mut Silent)
}

/// [`run_all`], given up once `cancel` is set.
pub fn run_all_unless_cancelled(
    experiment: &Experiment,
    cancel: &Cancel,
) -> Result<Vec<Trace>, Cancelled> {
    let runs = run_all_until(experiment, cancel, Keep::All, &mut Silent);
    // A run that saw the token stopped early: its trace is not a result.
    cancel.check()?;
    Ok(runs.into_iter().map(|run| run.trace).collect())
}

/// The runs, each keeping what `keep` says and stopping early once `cancel` is set, while
/// `progress` is told the steps done.
fn run_all_until(
    experiment: &Experiment,
    cancel: &Cancel,
    keep: Keep,
    progress: &mut dyn Progress,
) -> Vec<RunResult> {
    let Some(surface) = experiment.surface() else {
        // Networks train through `network::train_all`: a surface's runs have nothing to do.
        return Vec::new();
    };
    let start = Array1::from(surface.start.to_vec());
    let seed = experiment.seed;
    let limits = Limits {
        steps: experiment.steps,
        tolerance: experiment.tolerance,
    };
    let objective = &surface.function;
    let done = AtomicU64::new(0);
    let total = limits.steps * experiment.runs.len() as u64;
    let one = |r: &config::RunConfig| {
        let noise = r
            .noise_std(experiment.noise)
            .map(|std| GradientNoise { std, seed });
        let spec = r.spec();
        let start = start.view();
        let dim = start.len();
        let step = |recorder: &mut dyn Recorder| {
            let mut published = Published::new(recorder, &done, limits.steps);
            run_with(
                objective,
                noise,
                &spec,
                start,
                limits,
                cancel,
                &mut published,
            )
        };
        let (outcome, mut trace, row_steps) = match keep {
            Keep::All => {
                let rows = limits.steps.min(1 << 20) as usize + 1;
                let mut trace = Trace::with_capacity(dim, rows);
                (step(&mut trace), trace, None)
            }
            Keep::Every(k) => {
                let mut every = Every::new(k, dim);
                (step(&mut every), every.trace, Some(every.steps))
            }
        };
        trace.status = outcome.status;
        trace.evaluations = outcome.evaluations;
        RunResult {
            outcome,
            trace,
            row_steps,
        }
    };
    // Runs are independent: share them among threads, results in file order.
    on_threads(&experiment.runs, one, cancel, || {
        progress.steps(done.load(Ordering::Relaxed), total)
    })
}

/// `one` of every item, each on a thread of its own, in the items' order; `tick` is called
/// as each ends and every [`REPORT_EVERY`] while they run (a progress bar redraws there).
pub(crate) fn on_threads<T: Sync, R: Send>(
    items: &[T],
    one: impl Fn(&T) -> R + Sync,
    cancel: &Cancel,
    mut tick: impl FnMut(),
) -> Vec<R> {
    std::thread::scope(|scope| {
        let (finished, finishes) = mpsc::channel();
        let handles: Vec<_> = items
            .iter()
            .map(|item| {
                let (one, finished) = (&one, finished.clone());
                scope.spawn(move || {
                    let result = one(item);
                    // The receiver waits for every run: it is there to hear this.
                    let _ = finished.send(());
                    result
                })
            })
            .collect();
        // Only the runs hold a sender now: once all have ended, the wait below ends too.
        drop(finished);
        pause_while_stepping_if_testing(cancel);
        let mut running = handles.len();
        while running > 0 {
            match finishes.recv_timeout(REPORT_EVERY) {
                Ok(()) => running -= 1,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            tick();
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("a run never panics"))
            .collect()
    })
}

/// Hands every row on to `inner`, and adds the run's steps to `done` every
/// [`PUBLISH_EVERY`] steps; when the run ends, its remaining steps too (a run that stopped
/// early has no more to do).
struct Published<'a, R: ?Sized> {
    inner: &'a mut R,
    done: &'a AtomicU64,
    /// The steps already added.
    published: u64,
    /// The most steps the run may take.
    steps: u64,
}

impl<'a, R: Recorder + ?Sized> Published<'a, R> {
    fn new(inner: &'a mut R, done: &'a AtomicU64, steps: u64) -> Self {
        Published {
            inner,
            done,
            published: 0,
            steps,
        }
    }
}

impl<R: Recorder + ?Sized> Recorder for Published<'_, R> {
    fn record(&mut self, row: &Row<'_>) {
        self.inner.record(row);
        if row.step >= self.published + PUBLISH_EVERY {
            self.done
                .fetch_add(row.step - self.published, Ordering::Relaxed);
            self.published = row.step;
        }
    }

    fn finish(&mut self, last: &Row<'_>) {
        self.inner.finish(last);
        let rest = self.steps.saturating_sub(self.published);
        self.done.fetch_add(rest, Ordering::Relaxed);
        self.published = self.steps;
    }
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
pub fn table(experiment: &Experiment, written: &Written, colour: Colour) -> String {
    match &experiment.problem {
        config::Problem::Surface(problem) => export::table(
            &experiment.name,
            problem.kind(),
            &problem.function,
            &outcomes(experiment, &written.runs),
            colour,
        ),
        config::Problem::Network(problem) => {
            network::table(experiment, problem, &written.trained, colour)
        }
    }
}

/// The stepping test hook ([`TEST_PAUSE_STEPPING`]) for work that steps elsewhere (a sweep):
/// when set, creates its marker and waits until `cancel` is set. Not for users.
#[doc(hidden)]
pub fn pause_while_stepping_if_testing(cancel: &Cancel) {
    if let Some(marker) = std::env::var_os(TEST_PAUSE_STEPPING) {
        pause_until_cancelled(Path::new(&marker), cancel);
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
