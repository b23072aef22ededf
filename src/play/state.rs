//! The playground's model: the experiment being played, its traces for the current knobs, and
//! what is shown. Pure: no terminal, so tests drive it with scripted [`Action`]s.
//!
//! A run of a few hundred steps on a 2-D surface takes microseconds, so every knob change
//! simply re-runs every run from the start.

use std::path::PathBuf;
use std::time::Duration;

use super::knobs;
use crate::config::{Experiment, SurfaceProblem};
use crate::core::registry::SURFACES;
use crate::core::{Point, Trace, Value};

/// Playback speeds, in steps per second.
pub const SPEEDS: [f64; 8] = [2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];
/// The speed a session starts at (an index into [`SPEEDS`]).
const DEFAULT_SPEED: usize = 3;
/// The gradient noise `n` switches on when the experiment has none of its own.
pub const DEFAULT_NOISE: f64 = 0.1;
/// Something the user asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Time passed while playing.
    Tick(Duration),
    TogglePlay,
    StepForward,
    StepBack,
    Faster,
    Slower,
    NextRun,
    PreviousRun,
    /// The selected run's lr one round value down (… 0.1, 0.05, 0.02, 0.01 …).
    LowerLr,
    /// The selected run's lr one round value up.
    RaiseLr,
    MomentumDown,
    MomentumUp,
    ToggleBiasCorrection,
    ToggleNoise,
    NextSurface,
    Restart,
    /// Every run starts here from now on.
    SetStart(Point),
    Export,
}

/// The playground's whole state.
#[derive(Debug, Clone)]
pub struct Model {
    /// The experiment with the current knobs: what `e` writes.
    pub experiment: Experiment,
    /// `traces[i]`: the full trace of `experiment.runs[i]`.
    pub traces: Vec<Trace>,
    /// The step shown: every path is drawn up to this row (or its end).
    pub cursor: usize,
    pub playing: bool,
    /// An index into [`SPEEDS`].
    pub speed: usize,
    /// The run the knobs act on.
    pub selected: usize,
    /// The noise `n` switches back on.
    pub noise_when_on: f64,
    /// A line for the user: what the last key did, or why it did nothing.
    pub message: String,
    /// Where `e` writes the experiment file.
    pub export_dir: PathBuf,
    /// Where `e` writes the figures (`<out>/<name>/`).
    pub out: PathBuf,
    /// Steps owed to playback, carried between ticks.
    pending: f64,
}

impl Model {
    /// A model playing `experiment` from the first step; exports go to `export_dir` and
    /// `out`.
    pub fn new(experiment: Experiment, export_dir: PathBuf, out: PathBuf) -> Model {
        let noise_when_on = experiment.noise.unwrap_or(DEFAULT_NOISE);
        let mut model = Model {
            experiment,
            traces: Vec::new(),
            cursor: 0,
            playing: true,
            speed: DEFAULT_SPEED,
            selected: 0,
            noise_when_on,
            message: String::new(),
            export_dir,
            out,
            pending: 0.0,
        };
        model.rerun();
        model
    }

    /// The surface being played.
    pub fn problem(&self) -> &SurfaceProblem {
        match &self.experiment.problem {
            crate::config::Problem::Surface(problem) => problem,
            // `app` builds a playground from surface experiments only and refuses network
            // files with a usage error first: no input reaches this.
            crate::config::Problem::Network(_) => {
                unreachable!("the playground is built from surface experiments only")
            }
        }
    }

    /// Re-runs everything with the current knobs and plays it from the start.
    fn rerun(&mut self) {
        self.traces = crate::output::run_all(&self.experiment);
        self.cursor = 0;
        self.pending = 0.0;
        self.playing = true;
    }

    /// The last row any run has: playback stops there.
    pub fn last_row(&self) -> usize {
        self.traces
            .iter()
            .map(|t| t.len().saturating_sub(1))
            .max()
            .unwrap_or(0)
    }

    /// The row of run `i` shown at the cursor.
    pub fn row(&self, i: usize) -> usize {
        self.cursor.min(self.traces[i].len().saturating_sub(1))
    }

    /// Steps per second.
    pub fn steps_per_second(&self) -> f64 {
        SPEEDS[self.speed]
    }

    fn advance(&mut self, by: usize) {
        self.cursor = (self.cursor + by).min(self.last_row());
    }

    pub fn handle(&mut self, action: Action) {
        if !matches!(action, Action::Tick(_)) {
            self.message.clear();
        }
        match action {
            Action::Tick(dt) => {
                if !self.playing {
                    return;
                }
                self.pending += dt.as_secs_f64() * self.steps_per_second();
                let whole = self.pending.floor();
                self.pending -= whole;
                self.advance(whole as usize);
                if self.cursor >= self.last_row() {
                    self.playing = false;
                }
            }
            Action::TogglePlay => {
                if !self.playing && self.cursor >= self.last_row() {
                    self.cursor = 0;
                }
                self.playing = !self.playing;
                self.pending = 0.0;
            }
            Action::StepForward => {
                self.playing = false;
                self.advance(1);
            }
            Action::StepBack => {
                self.playing = false;
                self.cursor = self.cursor.saturating_sub(1);
            }
            Action::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => self.speed = self.speed.saturating_sub(1),
            Action::NextRun => self.selected = (self.selected + 1) % self.experiment.runs.len(),
            Action::PreviousRun => {
                let n = self.experiment.runs.len();
                self.selected = (self.selected + n - 1) % n;
            }
            Action::LowerLr => self.step_lr(false),
            Action::RaiseLr => self.step_lr(true),
            Action::MomentumDown => self.change_momentum(false),
            Action::MomentumUp => self.change_momentum(true),
            Action::ToggleBiasCorrection => self.toggle_bias_correction(),
            Action::ToggleNoise => {
                self.experiment.noise = match self.experiment.noise {
                    Some(std) => {
                        self.noise_when_on = std;
                        None
                    }
                    None => Some(self.noise_when_on),
                };
                self.message = match self.experiment.noise {
                    Some(std) => format!("gradient noise on: std {std}"),
                    None => "gradient noise off: exact gradients".into(),
                };
                self.rerun();
            }
            Action::NextSurface => self.next_surface(),
            Action::Restart => self.rerun(),
            Action::SetStart(p) => {
                if let Some(problem) = self.experiment.surface_mut() {
                    problem.start = p;
                }
                self.message = format!("start moved to ({:.3}, {:.3})", p[0], p[1]);
                self.rerun();
            }
            Action::Export => {
                self.message =
                    match super::export::export(&self.experiment, &self.export_dir, &self.out) {
                        Ok(said) => said,
                        Err(e) => format!("export failed: {e}"),
                    }
            }
        }
    }

    /// `l` / `L`: the lr one step along 1, 2, 5 × 10ᵏ (see [`knobs::step_lr`]).
    fn step_lr(&mut self, up: bool) {
        match knobs::step_lr(&mut self.experiment.runs[self.selected], up) {
            Ok(said) => {
                self.message = said;
                self.rerun();
            }
            Err(said) => self.message = said,
        }
    }

    /// `m` / `M`: the momentum (or β₁) one step (see [`knobs::step_momentum`]).
    fn change_momentum(&mut self, up: bool) {
        match knobs::step_momentum(&mut self.experiment.runs[self.selected], up) {
            Ok(said) => {
                self.message = said;
                self.rerun();
            }
            Err(said) => self.message = said,
        }
    }

    fn toggle_bias_correction(&mut self) {
        let r = &mut self.experiment.runs[self.selected];
        let Some(Value::Bool(on)) = r.optimizer.settings.get("bias_correction").cloned() else {
            self.message = format!(
                "{} ({}) has no bias correction: select an Adam run",
                r.label,
                r.kind()
            );
            return;
        };
        r.optimizer
            .settings
            .set("bias_correction", Value::Bool(!on));
        self.message = format!(
            "{}: bias correction {}",
            r.label,
            if on { "off" } else { "on" }
        );
        self.rerun();
    }

    /// `s`: the next surface kind with its defaults, its own start and window, and every run
    /// at its default lr for that surface (an lr tuned for one surface often diverges on
    /// another); the other hyperparameters stay. Kinds that need keys of the user's (a
    /// formula) are skipped.
    fn next_surface(&mut self) {
        let Some(problem) = self.experiment.surface() else {
            return;
        };
        let now = problem.kind();
        let i = SURFACES.iter().position(|k| k.name == now).unwrap_or(0);
        let Some(next) = (1..=SURFACES.len())
            .map(|k| SURFACES[(i + k) % SURFACES.len()])
            .find_map(|kind| SurfaceProblem::default_of(kind.name))
        else {
            return;
        };
        let kind = next.kind();
        for r in &mut self.experiment.runs {
            r.lr = r.optimizer.kind.default_lr(kind);
        }
        if let Some(problem) = self.experiment.surface_mut() {
            *problem = next;
        }
        self.message = format!("surface {kind}: default start and learning rates");
        self.rerun();
    }
}
