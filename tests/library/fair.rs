//! A reproducible learning-rate search: for one optimizer on one problem, every learning rate
//! of a log grid run through the stepping core, scored by a stated metric, the best one named.
//!
//! It is how the default learning rates per surface and every gallery config's rates were
//! chosen, and the tests that keep them fair call it again: an optimizer compared at a rate
//! far from its own best would make the comparison say nothing about the optimizer.

use std::fmt;

use ndarray::Array1;
use optplay::config::{Experiment, RunConfig};
use optplay::core::{Cancel, GradientNoise, Limits, Objective, Recorder, Row, RunSpec, run_with};

/// The mantissas of each decade of the grid: ten round numbers, each 1.2 to 1.33 times the
/// one before. A coarser grid misses optima that sit just below a stability limit, as plain
/// gradient descent's does on a quadratic (at 2/(L + μ), 5% below 2/L on the default bowl).
pub const MANTISSAS: [f64; 10] = [1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0];

/// The grid every search uses unless told otherwise: 1e-5 to 10, ten rates per decade.
pub fn lr_grid() -> Vec<f64> {
    lr_grid_between(-5, 1)
}

/// `MANTISSAS × 10^e` for every decade e from `lowest` to `highest` (10^highest included).
pub fn lr_grid_between(lowest: i32, highest: i32) -> Vec<f64> {
    let mut grid: Vec<f64> = (lowest..highest)
        .flat_map(|e| MANTISSAS.map(|m| round(m * 10f64.powi(e))))
        .collect();
    grid.push(10f64.powi(highest));
    grid
}

/// `x` to 3 significant digits: a refined rate a config can quote.
fn three_digits(x: f64) -> f64 {
    format!("{x:.2e}").parse().unwrap()
}

/// `x` to 12 significant digits: 3 × 10⁻⁴ is 0.0003, not 0.00030000000000000003.
fn round(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap()
}

/// What makes one run better than another: lower scores are better.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// The first step from which f − f* stays below the threshold to the end of the run (a
    /// lucky pass near the minimum does not count). A run that does not get there scores
    /// `steps + 1 + log10(worst gap over the last tenth / threshold)`: it ranks behind every
    /// run that did, and the lower the level it keeps to at the end, the better.
    Settle(f64),
    /// The mean over every row of log10(f − f*), each floored at the given gap: the area under
    /// the loss curve on a log axis. Lower when a run gets low sooner and stays there; among
    /// runs that end in the same local minimum, the one that got there first.
    MeanLogGap(f64),
    /// The mean of f − f* over the last fraction of the rows (a half: the second half):
    /// where a noisy run hovers at the end.
    TailMean(f64),
    /// f − f* at the last step.
    FinalGap,
}

impl Metric {
    /// Whether two scores are as good as each other: within a hundredth of a decade (or of a
    /// step) on the log and step scales, within 1% on the linear ones. Step counts tie only
    /// when equal; a line search's rates that differ in the 15th digit tie too.
    pub fn ties(self, a: f64, b: f64) -> bool {
        match self {
            Metric::Settle(_) | Metric::MeanLogGap(_) => (a - b).abs() <= 0.01,
            Metric::TailMean(_) | Metric::FinalGap => (a - b).abs() <= 0.01 * a.abs().max(b.abs()),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Settle(threshold) => {
                write!(f, "first step from which f − f* stays below {threshold:e}")
            }
            Metric::MeanLogGap(floor) => {
                write!(
                    f,
                    "mean log10(f − f*) over every step, floored at {floor:e}"
                )
            }
            Metric::TailMean(fraction) => {
                write!(f, "mean f − f* over the last {fraction} of the steps")
            }
            Metric::FinalGap => write!(f, "f − f* after the last step"),
        }
    }
}

/// What one optimizer is searched on: the function, its lowest value, the start, the steps
/// and the gradient noise (the median over `seeds` is scored when there is noise).
pub struct Task<'a> {
    pub objective: &'a dyn Objective,
    pub f_star: f64,
    pub start: Vec<f64>,
    pub steps: u64,
    pub noise: Option<f64>,
    pub seeds: Vec<u64>,
}

/// The seeds a noisy search takes the median over.
pub const NOISE_SEEDS: u64 = 9;

impl<'a> Task<'a> {
    /// The task of `run` in `experiment`: its surface, start, steps and noise; noisy runs are
    /// scored over [`NOISE_SEEDS`] seeds from the experiment's own.
    pub fn of(experiment: &'a Experiment, run: &RunConfig) -> Task<'a> {
        let surface = experiment.surface().expect("a surface experiment");
        let noise = run.noise_std(experiment.noise);
        let seeds = match noise {
            Some(_) => (experiment.seed..experiment.seed + NOISE_SEEDS).collect(),
            None => vec![experiment.seed],
        };
        Task {
            objective: &surface.function,
            f_star: surface
                .function
                .min_value()
                .expect("the surface knows its lowest value"),
            start: surface.start.to_vec(),
            steps: experiment.steps,
            noise,
            seeds,
        }
    }

    /// f − f* at every step of one run (fewer when it diverged; a converged run's last one
    /// repeated to the end), and whether it diverged.
    pub fn gaps(&self, spec: &RunSpec, seed: u64) -> (Vec<f64>, bool) {
        let mut gaps = Gaps {
            f_star: self.f_star,
            gaps: Vec::with_capacity(self.steps as usize + 1),
        };
        let noise = self.noise.map(|std| GradientNoise { std, seed });
        let limits = Limits {
            steps: self.steps,
            tolerance: None,
        };
        let start = Array1::from(self.start.clone());
        let outcome = run_with(
            self.objective,
            noise,
            spec,
            start.view(),
            limits,
            &Cancel::new(),
            &mut gaps,
        );
        let diverged = outcome.status.name() == "diverged";
        // A run that stopped moving stays where it stopped: its remaining steps count at its
        // last gap, as if it had stood there to the end (as runs did before they stopped).
        let mut gaps = gaps.gaps;
        if outcome.status.name() == "converged"
            && let Some(&last) = gaps.last()
        {
            gaps.resize(self.steps as usize + 1, last);
        }
        (gaps, diverged)
    }

    /// The score of one run under `metric`. A run that diverged, or whose loss ever rose
    /// above its start's, scores +∞: a rate that throws the run out of the picture before it
    /// settles is no rate to show anyone, however lucky its landing.
    pub fn score(&self, spec: &RunSpec, seed: u64, metric: Metric) -> f64 {
        let (gaps, diverged) = self.gaps(spec, seed);
        if diverged || gaps.is_empty() || gaps.iter().any(|&g| g > gaps[0]) {
            return f64::INFINITY;
        }
        score(&gaps, self.steps, metric)
    }

    /// The median score over the task's seeds.
    pub fn median_score(&self, spec: &RunSpec, metric: Metric) -> f64 {
        let mut scores: Vec<f64> = self
            .seeds
            .iter()
            .map(|&seed| self.score(spec, seed, metric))
            .collect();
        scores.sort_by(f64::total_cmp);
        scores[scores.len() / 2]
    }
}

/// The score of a run whose gaps f − f* are `gaps`, row 0 the start.
pub fn score(gaps: &[f64], steps: u64, metric: Metric) -> f64 {
    let last = *gaps.last().expect("the start is a row");
    match metric {
        Metric::Settle(threshold) => {
            let settled = gaps
                .iter()
                .rposition(|&g| g >= threshold)
                .map_or(0, |t| t + 1);
            if settled < gaps.len() {
                settled as f64
            } else {
                let tenth = &gaps[gaps.len() - tail_len(gaps.len(), 0.1)..];
                let worst = tenth.iter().copied().fold(threshold, f64::max);
                steps as f64 + 1.0 + (worst / threshold).log10()
            }
        }
        Metric::MeanLogGap(floor) => {
            gaps.iter().map(|&g| g.max(floor).log10()).sum::<f64>() / gaps.len() as f64
        }
        Metric::TailMean(fraction) => {
            let tail = &gaps[gaps.len() - tail_len(gaps.len(), fraction)..];
            tail.iter().sum::<f64>() / tail.len() as f64
        }
        Metric::FinalGap => last,
    }
}

/// How many of `rows` rows the last `fraction` of them is: at least one.
pub fn tail_len(rows: usize, fraction: f64) -> usize {
    ((rows as f64 * fraction).round() as usize).clamp(1, rows)
}

/// The recorder of a search: f − f* of every row, nothing else.
struct Gaps {
    f_star: f64,
    gaps: Vec<f64>,
}

impl Recorder for Gaps {
    fn record(&mut self, row: &Row<'_>) {
        self.gaps.push(row.loss - self.f_star);
    }
}

/// A finished search: every rate of the grid with its score.
#[derive(Debug, Clone)]
pub struct Search {
    pub metric: Metric,
    pub scored: Vec<(f64, f64)>,
}

/// Scores every rate of `grid` for the run `spec_at(lr)` builds, under `metric`.
pub fn search(
    task: &Task<'_>,
    grid: &[f64],
    metric: Metric,
    spec_at: &impl Fn(f64) -> RunSpec,
) -> Search {
    let scored = grid
        .iter()
        .map(|&lr| (lr, task.median_score(&spec_at(lr), metric)))
        .collect();
    Search { metric, scored }
}

/// [`search`], then again on `points` rates log-spaced between the best rate's neighbours on
/// `grid`: a best rate that sits just below a stability limit, as plain gradient descent's
/// does on a quadratic, is found to within a few percent instead of a grid step.
pub fn search_refined(
    task: &Task<'_>,
    grid: &[f64],
    points: usize,
    metric: Metric,
    spec_at: impl Fn(f64) -> RunSpec,
) -> Search {
    let mut found = search(task, grid, metric, &spec_at);
    let best = found.best_lr();
    let Some(at) = grid.iter().position(|&lr| lr == best) else {
        return found;
    };
    let (low, high) = (
        grid[at.saturating_sub(1)],
        grid[(at + 1).min(grid.len() - 1)],
    );
    let mut fine: Vec<f64> = (1..points)
        .map(|i| three_digits(low * (high / low).powf(i as f64 / points as f64)))
        .filter(|lr| !grid.contains(lr))
        .collect();
    fine.dedup();
    found
        .scored
        .extend(search(task, &fine, metric, &spec_at).scored);
    found.scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    found
}

/// The search of `run` of `experiment` (its optimizer, settings and schedule; only the lr
/// changes) over `grid`, refined around the best.
pub fn search_run(
    experiment: &Experiment,
    run: &RunConfig,
    grid: &[f64],
    metric: Metric,
) -> Search {
    let task = Task::of(experiment, run);
    search_refined(&task, grid, REFINE, metric, |lr| RunSpec {
        lr,
        ..run.spec()
    })
}

/// How many intervals [`search_refined`] splits the best rate's neighbourhood into.
pub const REFINE: usize = 20;

impl Search {
    /// The lowest score on the grid.
    pub fn best_score(&self) -> f64 {
        self.scored
            .iter()
            .map(|&(_, s)| s)
            .fold(f64::INFINITY, f64::min)
    }

    /// Every rate whose score ties the best (see [`Metric::ties`]): several where the
    /// landscape is flat, as it is for a line search that picks its own step length.
    pub fn best_lrs(&self) -> Vec<f64> {
        let best = self.best_score();
        self.scored
            .iter()
            .filter(|&&(_, s)| s.is_finite() && self.metric.ties(s, best))
            .map(|&(lr, _)| lr)
            .collect()
    }

    /// The rate with the lowest score (the smallest such).
    pub fn best_lr(&self) -> f64 {
        let best = self.best_score();
        self.scored
            .iter()
            .find(|&&(_, s)| s == best)
            .map_or(f64::NAN, |&(lr, _)| lr)
    }

    /// Whether `lr` is within `factor` of one of the best rates.
    pub fn near_best(&self, lr: f64, factor: f64) -> bool {
        self.best_score().is_finite()
            && self
                .best_lrs()
                .iter()
                .any(|&best| lr <= best * factor && lr >= best / factor)
    }
}

impl fmt::Display for Search {
    /// One line per finite score: `lr score`, for reading a landscape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "metric: {}", self.metric)?;
        for &(lr, s) in &self.scored {
            if s.is_finite() {
                writeln!(f, "  {lr:>8e}  {s:.4e}")?;
            }
        }
        write!(f, "best: {:?}", self.best_lrs())
    }
}
