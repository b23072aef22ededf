//! The network playground's model: a network experiment (a file with `[data]` and `[model]`)
//! being trained, one resumable training per run, and what is shown. Pure: no terminal; time
//! comes in through [`NetworkAction::Tick`], so tests drive it with scripted actions.
//!
//! A training is too long to redo at every frame, so each tick takes the steps the speed owes
//! on every unfinished run, from where it stands ([`Trainer::step_n`]). A knob that changes a
//! run (lr, momentum, dropout, l2, batch) starts that run again from the file's initial
//! weights; `n` / `N` (new data) and `r` start them all.

use std::path::PathBuf;
use std::time::Duration;

use ndarray::Array2;
use rayon::prelude::*;

use crate::config::{Experiment, NetworkProblem, Problem, RunConfig};
use crate::core::network::data::Dataset;
use crate::core::network::model::{Evaluation, Workspace, argmax};
use crate::core::network::train::{HistoryRow, Trainer, Training};
use crate::core::{Cancel, RunSpec, Status};

use super::knobs;
use super::network_knobs::{next_batch, next_dropout, next_l2, next_noise};

/// Playback speeds, in optimizer steps per second.
pub const SPEEDS: [f64; 11] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0,
];
/// A whole training plays in about this long at the speed a session starts at.
const DEFAULT_PLAY_SECONDS: f64 = 20.0;
/// How often, in play time, the picture follows the training (each redraw of the regions is
/// a forward pass over the whole grid).
const PICTURE_EVERY: Duration = Duration::from_millis(100);
/// The decision regions are computed on this many cells a side, then interpolated.
pub const REGION_GRID: usize = 48;

/// Something the user asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NetworkAction {
    /// Time passed while playing.
    Tick(Duration),
    TogglePlay,
    /// Paused, one history row's worth of steps (`record_every`) on every run.
    StepForward,
    Faster,
    Slower,
    NextRun,
    PreviousRun,
    LowerLr,
    RaiseLr,
    MomentumDown,
    MomentumUp,
    DropoutDown,
    DropoutUp,
    L2Down,
    L2Up,
    BatchDown,
    BatchUp,
    /// The data drawn again with less noise.
    NoiseDown,
    /// The data drawn again with more noise.
    NoiseUp,
    Restart,
    Export,
}

/// A run's model now, measured on both sets in evaluation mode (NaN without validation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub train: Evaluation,
    pub validation: Evaluation,
}

/// One run's training as it stands.
pub struct RunState {
    trainer: Trainer,
    spec: RunSpec,
    workspace: Workspace,
    /// The model at the trainer's step.
    pub now: Measured,
}

impl RunState {
    /// `config`'s training from the file's initial weights, not yet stepped.
    fn start(experiment: &Experiment, problem: &NetworkProblem, config: &RunConfig) -> RunState {
        let training = training(experiment, problem, config);
        let spec = config.spec();
        let initial = problem.initial_for(&config.network, experiment.seed);
        let trainer = Trainer::new(&training, &spec, initial.view());
        let mut state = RunState {
            trainer,
            spec,
            workspace: Workspace::default(),
            now: Measured {
                train: NO_EVALUATION,
                validation: NO_EVALUATION,
            },
        };
        state.measure(&training);
        state
    }

    fn advance(&mut self, training: &Training<'_>, steps: u64) {
        if self.trainer.status().is_some() || steps == 0 {
            return;
        }
        self.trainer
            .step_n(training, &self.spec, steps, &Cancel::new());
        self.measure(training);
    }

    fn measure(&mut self, training: &Training<'_>) {
        let (params, stats) = (self.trainer.params(), self.trainer.stats());
        let mut on = |set: &Dataset| {
            let (x, labels) = (set.features.view(), &set.labels);
            training
                .network
                .evaluate(params.view(), x, labels, stats, &mut self.workspace)
        };
        self.now = Measured {
            train: on(&training.train),
            validation: on(training.validation),
        };
    }

    /// Steps taken (after a divergence: the step of the last finite row).
    pub fn step(&self) -> u64 {
        self.trainer.step()
    }

    /// How the training ended; `None` while it goes on.
    pub fn status(&self) -> Option<Status> {
        self.trainer.status()
    }

    /// The rows recorded so far.
    pub fn history(&self) -> &[HistoryRow] {
        self.trainer.history()
    }
}

const NO_EVALUATION: Evaluation = Evaluation {
    loss: f64::NAN,
    accuracy: f64::NAN,
};

/// What the map shows of the selected run.
#[derive(Debug, Clone, PartialEq)]
pub enum Picture {
    /// 2-D points: the model's softmax at the centres of [`REGION_GRID`]² cells over the
    /// window, laid out as the boundaries figure's (rows from the window's bottom, then
    /// columns, then classes).
    Regions {
        run: usize,
        step: u64,
        probabilities: Vec<f32>,
    },
    /// Anything else (the digits): `counts[true][predicted]` on the validation set, or the
    /// training set without one.
    Confusion {
        run: usize,
        step: u64,
        counts: Vec<Vec<usize>>,
        on_validation: bool,
    },
}

/// The network playground's whole state.
pub struct NetworkModel {
    /// The experiment with the current knobs: what `e` writes.
    pub experiment: Experiment,
    /// `runs[i]`: the training of `experiment.runs[i]`.
    pub runs: Vec<RunState>,
    /// The plane the map shows: every point, with a margin, square (the figures' window).
    pub window: [[f64; 2]; 2],
    /// The selected run's regions or confusion, as of the last refresh.
    pub picture: Picture,
    pub playing: bool,
    /// An index into [`SPEEDS`].
    pub speed: usize,
    /// The run the knobs act on and the map shows.
    pub selected: usize,
    /// A line for the user: what the last key did, or why it did nothing.
    pub message: String,
    /// Where `e` writes the experiment file.
    pub export_dir: PathBuf,
    /// Where `e` writes the figures (`<out>/<name>/`).
    pub out: PathBuf,
    /// Steps owed to playback, carried between ticks.
    pending: f64,
    /// Play time since the picture was last drawn from the models.
    since_picture: Duration,
}

/// The network problem of an experiment the network playground holds.
fn network_of(experiment: &Experiment) -> &NetworkProblem {
    match &experiment.problem {
        Problem::Network(problem) => problem,
        // `NetworkModel::new` takes network experiments only, and the one knob that replaces
        // the problem (`n`) puts another network problem in its place.
        Problem::Surface(_) => unreachable!("the network playground holds a network problem"),
    }
}

fn training<'a>(
    experiment: &Experiment,
    problem: &'a NetworkProblem,
    config: &RunConfig,
) -> Training<'a> {
    problem.training(&config.network, experiment.steps, experiment.seed, 0)
}

impl NetworkModel {
    /// A model playing `experiment` from its first step; exports go to `export_dir` and
    /// `out`. An experiment without a network problem is handed back.
    pub fn new(
        experiment: Experiment,
        export_dir: PathBuf,
        out: PathBuf,
    ) -> Result<NetworkModel, Box<Experiment>> {
        let Some(problem) = experiment.network() else {
            return Err(Box::new(experiment));
        };
        let window = crate::output::network_plane(problem);
        let wanted = experiment.steps as f64 / DEFAULT_PLAY_SECONDS;
        let speed = SPEEDS
            .iter()
            .position(|&s| s >= wanted)
            .unwrap_or(SPEEDS.len() - 1);
        let mut model = NetworkModel {
            runs: Vec::new(),
            window,
            picture: Picture::Confusion {
                run: 0,
                step: 0,
                counts: Vec::new(),
                on_validation: false,
            },
            experiment,
            playing: true,
            speed,
            selected: 0,
            message: String::new(),
            export_dir,
            out,
            pending: 0.0,
            since_picture: Duration::ZERO,
        };
        model.restart_all();
        Ok(model)
    }

    /// The network problem being played.
    pub fn problem(&self) -> &NetworkProblem {
        network_of(&self.experiment)
    }

    /// Steps per second.
    pub fn steps_per_second(&self) -> f64 {
        SPEEDS[self.speed]
    }

    /// Whether every run has ended (its last step, converged or diverged).
    pub fn finished(&self) -> bool {
        self.runs.iter().all(|r| r.status().is_some())
    }

    /// Every run from the start, and playing.
    fn restart_all(&mut self) {
        let (experiment, problem) = (&self.experiment, network_of(&self.experiment));
        self.runs = experiment
            .runs
            .iter()
            .map(|config| RunState::start(experiment, problem, config))
            .collect();
        self.started();
    }

    /// Run `i` from the start, and playing.
    fn restart_run(&mut self, i: usize) {
        let (experiment, problem) = (&self.experiment, network_of(&self.experiment));
        self.runs[i] = RunState::start(experiment, problem, &experiment.runs[i]);
        self.started();
    }

    fn started(&mut self) {
        self.pending = 0.0;
        self.playing = true;
        self.refresh_picture();
    }

    /// Takes up to `steps` more steps on every unfinished run, the runs on threads of their
    /// own (each training is deterministic, so the threads change nothing but the time).
    pub fn advance(&mut self, steps: u64) {
        self.advance_each(|_| steps);
    }

    /// Takes `steps(run's step)` more steps on every unfinished run.
    fn advance_each(&mut self, steps: impl Fn(u64) -> u64 + Sync) {
        let (experiment, problem) = (&self.experiment, network_of(&self.experiment));
        self.runs
            .par_iter_mut()
            .zip(&experiment.runs)
            .for_each(|(state, config)| {
                let n = steps(state.step());
                state.advance(&training(experiment, problem, config), n);
            });
    }

    /// Trains every run on to step `step` (to its end when `None`) and shows it paused, as a
    /// screenshot does.
    pub fn show_step(&mut self, step: Option<u64>) {
        let target = step.unwrap_or(self.experiment.steps);
        self.advance_each(|now| target.saturating_sub(now));
        self.playing = false;
        self.refresh_picture();
    }

    /// Draws the selected run's picture again from its model as it is now.
    pub fn refresh_picture(&mut self) {
        self.since_picture = Duration::ZERO;
        let run = self.selected;
        let (experiment, problem) = (&self.experiment, network_of(&self.experiment));
        let state = &mut self.runs[run];
        let network = problem.model(&experiment.runs[run].network).0;
        let (params, stats) = (state.trainer.params().view(), state.trainer.stats());
        let step = state.step();
        let workspace = &mut state.workspace;
        self.picture = if problem.is_planar() {
            let grid = region_grid(self.window);
            let probabilities = network
                .probabilities(params, grid.view(), stats, workspace)
                .iter()
                .map(|&p| p as f32)
                .collect();
            Picture::Regions {
                run,
                step,
                probabilities,
            }
        } else {
            let on_validation = !problem.validation.is_empty();
            let set = if on_validation {
                &problem.validation
            } else {
                &problem.train
            };
            let classes = problem.train.classes;
            let mut counts = vec![vec![0; classes]; classes];
            let p = network.probabilities(params, set.features.view(), stats, workspace);
            for (row, &label) in p.rows().into_iter().zip(&set.labels) {
                if let Some(cell) = counts.get_mut(label).and_then(|r| r.get_mut(argmax(row))) {
                    *cell += 1;
                }
            }
            Picture::Confusion {
                run,
                step,
                counts,
                on_validation,
            }
        };
    }

    pub fn handle(&mut self, action: NetworkAction) {
        if !matches!(action, NetworkAction::Tick(_)) {
            self.message.clear();
        }
        match action {
            NetworkAction::Tick(dt) => self.tick(dt),
            NetworkAction::TogglePlay => {
                if self.finished() {
                    self.playing = false;
                    self.message = "every run has ended: r trains them again".into();
                } else {
                    self.playing = !self.playing;
                    self.pending = 0.0;
                }
            }
            NetworkAction::StepForward => {
                self.playing = false;
                self.advance(self.problem().record_every);
                self.refresh_picture();
            }
            NetworkAction::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            NetworkAction::Slower => self.speed = self.speed.saturating_sub(1),
            NetworkAction::NextRun => self.select((self.selected + 1) % self.runs.len()),
            NetworkAction::PreviousRun => {
                let n = self.runs.len();
                self.select((self.selected + n - 1) % n);
            }
            NetworkAction::LowerLr => self.turn(|run, _| knobs::step_lr(run, false)),
            NetworkAction::RaiseLr => self.turn(|run, _| knobs::step_lr(run, true)),
            NetworkAction::MomentumDown => self.turn(|run, _| knobs::step_momentum(run, false)),
            NetworkAction::MomentumUp => self.turn(|run, _| knobs::step_momentum(run, true)),
            NetworkAction::DropoutDown => self.turn(|run, p| next_dropout(run, p, false)),
            NetworkAction::DropoutUp => self.turn(|run, p| next_dropout(run, p, true)),
            NetworkAction::L2Down => self.turn(|run, p| next_l2(run, p, false)),
            NetworkAction::L2Up => self.turn(|run, p| next_l2(run, p, true)),
            NetworkAction::BatchDown => self.turn(|run, p| next_batch(run, p, false)),
            NetworkAction::BatchUp => self.turn(|run, p| next_batch(run, p, true)),
            NetworkAction::NoiseDown => self.change_noise(false),
            NetworkAction::NoiseUp => self.change_noise(true),
            NetworkAction::Restart => {
                self.restart_all();
                self.message = format!(
                    "every run restarted from the file's initial weights (seed {})",
                    self.experiment.seed
                );
            }
            NetworkAction::Export => {
                self.message =
                    match super::export::export(&self.experiment, &self.export_dir, &self.out) {
                        Ok(said) => said,
                        Err(e) => format!("export failed: {e}"),
                    }
            }
        }
    }

    fn tick(&mut self, dt: Duration) {
        if !self.playing {
            return;
        }
        let speed = self.steps_per_second();
        self.pending += dt.as_secs_f64() * speed;
        // At most a tenth of a second's worth at once: a machine that cannot keep up plays
        // slower instead of freezing, and what it owes beyond that is let go.
        let whole = self.pending.floor().min((speed / 10.0).ceil());
        self.pending = (self.pending - whole).fract();
        self.advance(whole as u64);
        self.since_picture += dt;
        let finished = self.finished();
        if self.since_picture >= PICTURE_EVERY || finished {
            self.refresh_picture();
        }
        if finished {
            self.playing = false;
        }
    }

    fn select(&mut self, run: usize) {
        self.selected = run;
        self.refresh_picture();
    }

    /// Turns a knob of the selected run: `change` sets it and says what it did (`Ok`), or
    /// why it could not (`Err`). A run whose knob moved trains again from the start.
    fn turn(
        &mut self,
        change: impl FnOnce(&mut RunConfig, &NetworkProblem) -> Result<String, String>,
    ) {
        let i = self.selected;
        let Experiment { problem, runs, .. } = &mut self.experiment;
        let Problem::Network(problem) = problem else {
            return;
        };
        match change(&mut runs[i], problem) {
            Ok(said) => {
                self.restart_run(i);
                self.message = format!("{said} · {} restarted", self.experiment.runs[i].label);
            }
            Err(said) => self.message = said,
        }
    }

    /// `n` / `N`: the data drawn again with less or more noise; every run trains again on
    /// them.
    fn change_noise(&mut self, up: bool) {
        let problem = self.problem();
        let Some((noise, range)) = problem.data_noise() else {
            self.message = format!(
                "the {} data have no noise to change: {}",
                problem.data_kind(),
                if problem.data_kind() == "csv" {
                    "a CSV's points are what the file says"
                } else {
                    "the images are what they are"
                }
            );
            return;
        };
        let next = next_noise(noise, range, up);
        let Some(changed) = (next != noise)
            .then(|| problem.with_data_noise(next))
            .flatten()
        else {
            self.message = format!("data noise stays {noise}");
            return;
        };
        self.window = crate::output::network_plane(&changed);
        self.experiment.problem = Problem::Network(Box::new(changed));
        self.restart_all();
        self.message = format!("data noise {next}: new points drawn, every run restarted");
    }
}

/// The centres of [`REGION_GRID`]² cells over `window`: row 0 at its bottom, x along a row.
fn region_grid(window: [[f64; 2]; 2]) -> Array2<f64> {
    let n = REGION_GRID;
    let cell =
        |range: [f64; 2], i: usize| range[0] + (i as f64 + 0.5) / n as f64 * (range[1] - range[0]);
    Array2::from_shape_fn((n * n, 2), |(k, axis)| match axis {
        0 => cell(window[0], k % n),
        _ => cell(window[1], k / n),
    })
}
