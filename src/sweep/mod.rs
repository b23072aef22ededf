//! `optplay sweep`: every run of an experiment at a grid of learning rates (and of any other
//! numeric key), repeated over seeds, each run keeping nothing but its outcome; then, per
//! optimizer, the learning rate with the best median metric.
//!
//! The grid is a flat list of jobs in a fixed order (run by run as the file lists them, then
//! the values of each further axis, then the learning rates from low to high, then the
//! seeds), so rows come out in the same order whatever the number of threads, and a shard is
//! simply a contiguous slice of that list.

mod files;
mod report;
mod summary;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ndarray::Array1;
use rayon::prelude::*;

use crate::config::{
    Experiment, GridAxis, Metric, NetworkProblem, Problem, RunConfig, SurfaceProblem, SweepSettings,
};
use crate::core::network::data::Dataset;
use crate::core::network::ensemble::{self, Member};
use crate::core::network::model::Workspace;
use crate::core::network::train::train;
use crate::core::spec::Value;
use crate::core::{Cancel, GradientNoise, Limits, OutcomeOnly, Status, run_with};

pub use files::{
    MergeError, Part, check_parts, csv_bytes, json_bytes, parse_part, part_bytes, part_name,
    part_rows, parts_in,
};
pub use report::{render, scene, table};
pub use summary::{Cell, Summary, summarize};

/// One optimizer setting the sweep tries at every learning rate: a run of the file, with one
/// value of each further axis its kind has.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The run of the experiment it comes from (its index).
    pub run: usize,
    /// "sgd", or "sgd momentum=0.5" when an axis sets one of its keys.
    pub label: String,
    /// The run with the axis values set; its `lr` is replaced by each of `lrs`.
    pub config: RunConfig,
    /// Per axis of the sweep, the value this variant takes (`None`: its kind lacks the key).
    pub grid: Vec<Option<Value>>,
    /// Log-spaced, from the low end of the range to the high end, both included.
    pub lrs: Vec<f64>,
}

/// The whole grid of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub variants: Vec<Variant>,
    /// The seeds each setting is run with.
    pub seeds: Vec<u64>,
    pub metric: Metric,
    /// The further axes' keys, in the order written (the CSV's columns after `seed`).
    pub axes: Vec<&'static str>,
    /// The first job of each variant, and the total at the end.
    starts: Vec<usize>,
}

/// A job of the grid: which variant, which of its learning rates, which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Job {
    pub variant: usize,
    pub lr: usize,
    pub seed: usize,
}

/// How a run of the sweep ended: the summary's statuses, without the divergence's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Converged,
    Diverged,
    MaxSteps,
}

impl Ended {
    pub fn name(self) -> &'static str {
        match self {
            Ended::Converged => "converged",
            Ended::Diverged => "diverged",
            Ended::MaxSteps => "max_steps",
        }
    }

    pub fn from_name(name: &str) -> Option<Ended> {
        [Ended::Converged, Ended::Diverged, Ended::MaxSteps]
            .into_iter()
            .find(|e| e.name() == name)
    }
}

/// What one run of the sweep left: a row of `sweep.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub job: Job,
    pub status: Ended,
    pub final_loss: f64,
    pub best_loss: f64,
    /// The steps to converge, when the run converged.
    pub steps_to_tolerance: Option<u64>,
    /// What the sweep ranks by: lower is better, +inf for a diverged run (and for one that
    /// never reached the tolerance, when that is the metric); for `val_accuracy` higher is
    /// better and a diverged run counts as −inf ([`Metric::worst`]).
    pub metric: f64,
}

/// Log-spaced values from `lo` to `hi`, both exact.
pub fn log_space(lo: f64, hi: f64, points: usize) -> Vec<f64> {
    let ratio = hi / lo;
    (0..points)
        .map(|i| match i {
            0 => lo,
            i if i + 1 == points => hi,
            i => lo * ratio.powf(i as f64 / (points - 1) as f64),
        })
        .collect()
}

/// "0.5", "3": an axis value as the CSV and the labels write it (exact: parses back).
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Number(v) => format!("{v}"),
        Value::Integer(v) => format!("{v}"),
        other => other.to_string(),
    }
}

impl Plan {
    /// The grid of `experiment`'s `[sweep]`.
    pub fn new(experiment: &Experiment, sweep: &SweepSettings) -> Plan {
        let mut variants = Vec::new();
        for (index, run) in experiment.runs.iter().enumerate() {
            let [lo, hi] = run.sweep_lr.or(sweep.lr).unwrap_or([
                run.lr / crate::config::sweep::DEFAULT_SPAN,
                run.lr * crate::config::sweep::DEFAULT_SPAN,
            ]);
            let lrs = log_space(lo, hi, sweep.points as usize);
            for grid in combinations(&sweep.axes, run) {
                let mut config = run.clone();
                let mut label = run.label.clone();
                for (axis, value) in sweep.axes.iter().zip(&grid) {
                    if let Some(value) = value {
                        if axis.is_network_key() {
                            config.network.set_axis(axis.key, value);
                        } else {
                            config.optimizer.settings.set(axis.key, value.clone());
                        }
                        label.push_str(&format!(" {}={}", axis.key, value_text(value)));
                    }
                }
                variants.push(Variant {
                    run: index,
                    label,
                    config,
                    grid,
                    lrs: lrs.clone(),
                });
            }
        }
        let seeds = (0..sweep.seeds)
            .map(|i| experiment.seed.wrapping_add(i))
            .collect();
        Plan::from_parts(variants, seeds, sweep)
    }

    fn from_parts(variants: Vec<Variant>, seeds: Vec<u64>, sweep: &SweepSettings) -> Plan {
        let per_lr = sweep.seeds as usize;
        let mut starts = vec![0];
        for v in &variants {
            starts.push(starts.last().copied().unwrap_or(0) + v.lrs.len() * per_lr);
        }
        Plan {
            variants,
            seeds,
            metric: sweep.metric,
            axes: sweep.axes.iter().map(|a| a.key).collect(),
            starts,
        }
    }

    /// How many runs the sweep holds.
    pub fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The job at `index` of the grid's order.
    pub fn job(&self, index: usize) -> Job {
        let variant = self.starts.partition_point(|&s| s <= index) - 1;
        let within = index - self.starts[variant];
        let seeds = self.seeds.len();
        Job {
            variant,
            lr: within / seeds,
            seed: within % seeds,
        }
    }

    /// The jobs of shard `k` of `n` (1-based): the k-th of n contiguous slices, as equal as
    /// can be.
    pub fn shard(&self, k: usize, n: usize) -> std::ops::Range<usize> {
        let total = self.len();
        total * (k - 1) / n..total * k / n
    }
}

/// Every combination of the axes' values that `run`'s kind takes, first axis slowest; an
/// axis its kind lacks contributes `None` once.
fn combinations(axes: &[GridAxis], run: &RunConfig) -> Vec<Vec<Option<Value>>> {
    let mut out: Vec<Vec<Option<Value>>> = vec![Vec::new()];
    for axis in axes {
        let choices: Vec<Option<Value>> = if axis.taken_by(run) {
            axis.values.iter().cloned().map(Some).collect()
        } else {
            vec![None]
        };
        out = out
            .into_iter()
            .flat_map(|prefix| {
                choices.iter().map(move |c| {
                    let mut next = prefix.clone();
                    next.push(c.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// Runs job `index` of `plan`, keeping only its outcome.
fn run_job(experiment: &Experiment, plan: &Plan, index: usize, cancel: &Cancel) -> Row {
    let job = plan.job(index);
    let variant = &plan.variants[job.variant];
    let mut config = variant.config.clone();
    config.lr = variant.lrs[job.lr];
    let seed = plan.seeds[job.seed];
    let row = match &experiment.problem {
        Problem::Surface(surface) => surface_job(experiment, surface, &config, seed, plan, cancel),
        Problem::Network(network) => network_job(experiment, network, &config, seed, plan, cancel),
    };
    Row { job, ..row }
}

/// A surface run: the experiment's start, its noise seeded `seed`.
fn surface_job(
    experiment: &Experiment,
    surface: &SurfaceProblem,
    config: &RunConfig,
    seed: u64,
    plan: &Plan,
    cancel: &Cancel,
) -> Row {
    let noise = config
        .noise_std(experiment.noise)
        .map(|std| GradientNoise { std, seed });
    let limits = Limits {
        steps: experiment.steps,
        tolerance: experiment.tolerance,
    };
    let start = Array1::from(surface.start.to_vec());
    let outcome = run_with(
        &surface.function,
        noise,
        &config.spec(),
        start.view(),
        limits,
        cancel,
        &mut OutcomeOnly,
    );
    let status = ended(outcome.status);
    let steps_to_tolerance = (status == Ended::Converged).then_some(outcome.steps);
    let metric = match (status, plan.metric) {
        (Ended::Diverged, _) => f64::INFINITY,
        (_, Metric::FinalLoss) => outcome.final_loss,
        (_, Metric::BestLoss) => outcome.best_loss,
        (_, Metric::StepsToTolerance) => steps_to_tolerance.map_or(f64::INFINITY, |s| s as f64),
        // A surface has no validation set: refused when the file is read.
        (_, Metric::ValAccuracy | Metric::ValLoss) => f64::NAN,
    };
    Row {
        job: Job::default(),
        status,
        final_loss: outcome.final_loss,
        best_loss: outcome.best_loss,
        steps_to_tolerance,
        metric: finite_or_worst(plan.metric, metric),
    }
}

/// A network training: the file's data and split, with the minibatches, masks, augmentation
/// and initial weights of `seed` (so the seeds vary the training, never what it is measured
/// on). Its metric is read off the model the run yields: its ensemble (`ensemble = N`: the
/// other members trained too, from seeds seed + 1, …) or its snapshot ensemble, measured once
/// at the end (their final and best loss are one), else its averaged weights (their last
/// history row), else its weights (theirs). The lr that suits the trained weights is not the
/// one that suits their average or their snapshots (a higher one, whose noise the average
/// smooths out, often wins).
fn network_job(
    experiment: &Experiment,
    problem: &NetworkProblem,
    config: &RunConfig,
    seed: u64,
    plan: &Plan,
    cancel: &Cancel,
) -> Row {
    let mut training = problem.training(&config.network, experiment.steps, seed, 0);
    // Only what the yielded model needs: an ensemble's members make snapshots and an average
    // unused (the average would recompute batch norm's statistics at every row for nothing).
    let ensemble = config.ensemble.members.is_some_and(|n| n > 1);
    if !ensemble {
        training.snapshots = config.snapshot_steps(experiment.steps);
        if training.snapshots.is_empty() {
            training.average = config.ensemble.average;
        }
    }
    let initial = problem.initial_for(&config.network, seed);
    let mut trained = train(&training, &config.spec(), initial.view(), cancel, &|_| {});
    // An ensemble's other members: seeds seed + 1, …, as `run` trains them, final weights only.
    trained.members = (1..config.ensemble.members.unwrap_or(1) as u64)
        .map(|k| {
            let seed = seed.wrapping_add(k);
            let member = problem.training(&config.network, experiment.steps, seed, 0);
            let initial = problem.initial_for(&config.network, seed);
            train(&member, &config.spec(), initial.view(), cancel, &|_| {})
        })
        .collect();
    // A member that diverged leaves the ensemble's probabilities undefined.
    let status = match trained
        .members
        .iter()
        .find(|t| matches!(t.status, Status::Diverged { .. }))
    {
        Some(broken) => ended(broken.status),
        None => ended(trained.status),
    };
    let together = if trained.members.is_empty() {
        Member::snapshots(training.network, &trained)
    } else {
        Member::ensemble(training.network, &trained)
    };
    // (training loss, validation loss, validation accuracy) at every recorded row of the
    // model the run yields.
    let averaged = trained.averaged.as_ref().filter(|a| !a.history.is_empty());
    let rows: Vec<[f64; 3]> = if !together.is_empty() {
        let mut workspace = Workspace::default();
        let mut on = |set: &Dataset| {
            ensemble::evaluate(&together, set.features.view(), &set.labels, &mut workspace)
        };
        let (train_set, validation) = (on(&training.train), on(training.validation));
        vec![[train_set.loss, validation.loss, validation.accuracy]]
    } else if let Some(averaged) = averaged {
        averaged
            .history
            .iter()
            .map(|r| [r.train.loss, r.validation.loss, r.validation.accuracy])
            .collect()
    } else {
        trained
            .history
            .iter()
            .map(|r| [r.train_loss, r.val_loss, r.val_accuracy])
            .collect()
    };
    let last = rows.last();
    let final_loss = last.map_or(f64::NAN, |r| r[0]);
    let best_loss = rows
        .iter()
        .map(|r| r[0])
        .filter(|l| !l.is_nan())
        .fold(f64::NAN, f64::min);
    let metric = match (status, plan.metric) {
        (Ended::Diverged, m) => m.worst(),
        (_, Metric::FinalLoss) => final_loss,
        (_, Metric::BestLoss) => best_loss,
        (_, Metric::ValAccuracy) => last.map_or(f64::NAN, |r| r[2]),
        (_, Metric::ValLoss) => last.map_or(f64::NAN, |r| r[1]),
        // A network has no tolerance: refused when the file is read.
        (_, Metric::StepsToTolerance) => f64::NAN,
    };
    Row {
        job: Job::default(),
        status,
        final_loss,
        best_loss,
        steps_to_tolerance: None,
        metric: finite_or_worst(plan.metric, metric),
    }
}

fn ended(status: Status) -> Ended {
    match status {
        Status::Converged => Ended::Converged,
        Status::Diverged { .. } => Ended::Diverged,
        Status::MaxSteps => Ended::MaxSteps,
    }
}

/// A NaN metric (a start where f is not finite) ranks last, like a divergence.
fn finite_or_worst(metric: Metric, value: f64) -> f64 {
    if value.is_nan() {
        metric.worst()
    } else {
        value
    }
}

/// How often the waiting thread reports the runs done.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// The jobs `range` of `plan`, on `threads` threads (0: one per core), in grid order
/// whatever the threads; `report(done, total)` is called from this thread as runs finish.
/// Once `cancel` is set the remaining runs stop at once (their rows are not results: look at
/// the token after).
pub fn run_range(
    experiment: &Experiment,
    plan: &Plan,
    range: std::ops::Range<usize>,
    threads: usize,
    cancel: &Cancel,
    report: &mut dyn FnMut(u64, u64),
) -> Result<Vec<Row>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let total = range.len() as u64;
    let done = AtomicU64::new(0);
    let finished = std::sync::atomic::AtomicBool::new(false);
    let waiting = std::thread::current();
    let rows = std::thread::scope(|scope| {
        let work = scope.spawn(|| {
            let rows: Vec<Row> = pool.install(|| {
                range
                    .clone()
                    .into_par_iter()
                    .map(|i| {
                        let row = run_job(experiment, plan, i, cancel);
                        done.fetch_add(1, Ordering::Relaxed);
                        row
                    })
                    .collect()
            });
            finished.store(true, Ordering::Release);
            waiting.unpark();
            rows
        });
        while !finished.load(Ordering::Acquire) {
            report(done.load(Ordering::Relaxed), total);
            std::thread::park_timeout(REPORT_EVERY);
        }
        report(done.load(Ordering::Relaxed), total);
        work.join().expect("a sweep run never panics")
    });
    Ok(rows)
}

/// The experiment `best/` holds: each run of the file once, at the variant and learning rate
/// with its best median metric (a run whose every setting diverged keeps its own lr), named
/// "best" so its outputs go into `<name>-sweep/best/`.
pub fn best_experiment(experiment: &Experiment, plan: &Plan, summaries: &[Summary]) -> Experiment {
    let mut best = best_frame(experiment);
    for (index, run) in best.runs.iter_mut().enumerate() {
        let winner = summaries
            .iter()
            .filter(|s| plan.variants[s.variant].run == index)
            .filter_map(|s| s.best.map(|b| (s, b)))
            .min_by(|(a, ai), (b, bi)| {
                let rank = |s: &Summary, i: usize| plan.metric.rank(s.cells[i].median);
                rank(a, *ai).total_cmp(&rank(b, *bi))
            });
        if let Some((summary, at)) = winner {
            let variant = &plan.variants[summary.variant];
            *run = variant.config.clone();
            run.lr = variant.lrs[at];
            if variant.label != run.label {
                run.label = variant.label.clone();
            }
        }
    }
    best
}

/// `best/`'s experiment before the best lrs are known: the file's, named `best`, without
/// its sweep. Everything but its runs is as [`best_experiment`] makes it, so what its figures
/// draw of the surface alone can be drawn while the sweep runs.
pub fn best_frame(experiment: &Experiment) -> Experiment {
    let mut frame = experiment.clone();
    frame.name = "best".to_string();
    frame.sweep = None;
    frame
}

#[cfg(test)]
mod network_tests;
#[cfg(test)]
mod tests;
