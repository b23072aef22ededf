//! `optplay play`: a full-screen terminal playground, on a surface or on a network file.
//!
//! Two pure models, each with a view that draws it: [`state`] and [`view`] play optimizers on
//! a surface, [`network_state`] and [`network_view`] train a network experiment's runs step
//! by step. A [`Playground`] is one or the other; here a thin loop owns the terminal:
//! alternate screen, raw mode and mouse capture on the way in, all of it given back on every
//! way out (q, Ctrl-C, a signal, an error, a panic).

pub mod export;
mod knobs;
mod network_knobs;
pub mod network_state;
pub mod network_view;
pub mod screenshot;
pub mod state;
pub mod view;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEvent, KeyEventKind,
    KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::layout::Rect;
use ratatui::prelude::CrosstermBackend;
use ratatui::{Frame, Terminal};

use crate::config::Experiment;
use crate::core::Cancel;

pub use network_state::{NetworkAction, NetworkModel};
pub use state::{Action, Model};

/// What is being played: optimizers on a surface, or a network experiment's trainings.
pub enum Playground {
    Surface(Model),
    Network(NetworkModel),
}

impl Playground {
    /// The playground for `experiment` (a network file trains, anything else steps on its
    /// surface); exports go to `export_dir` and `out`.
    pub fn new(experiment: Experiment, export_dir: PathBuf, out: PathBuf) -> Playground {
        match NetworkModel::new(experiment, export_dir.clone(), out.clone()) {
            Ok(model) => Playground::Network(model),
            Err(experiment) => Playground::Surface(Model::new(*experiment, export_dir, out)),
        }
    }

    pub fn draw(&self, frame: &mut Frame) {
        match self {
            Playground::Surface(model) => view::draw(frame, model),
            Playground::Network(model) => network_view::draw(frame, model),
        }
    }

    fn playing(&self) -> bool {
        match self {
            Playground::Surface(model) => model.playing,
            Playground::Network(model) => model.playing,
        }
    }

    /// Shows step `steps` (the last when `None`), paused, as a screenshot does: a surface
    /// moves its cursor there, a network trains that far.
    pub fn show_step(&mut self, steps: Option<u64>) {
        match self {
            Playground::Surface(model) => screenshot::show_step(model, steps),
            Playground::Network(model) => model.show_step(steps),
        }
    }

    fn tick(&mut self, dt: Duration) {
        match self {
            Playground::Surface(model) => model.handle(Action::Tick(dt)),
            Playground::Network(model) => model.handle(NetworkAction::Tick(dt)),
        }
    }
}

/// What a key asks of the network playground; `None` for keys without a meaning there.
pub fn network_action_for(key: KeyEvent) -> Option<NetworkAction> {
    Some(match key.code {
        KeyCode::Char(' ') => NetworkAction::TogglePlay,
        KeyCode::Right => NetworkAction::StepForward,
        KeyCode::Char('+' | '=') => NetworkAction::Faster,
        KeyCode::Char('-' | '_') => NetworkAction::Slower,
        KeyCode::Tab => NetworkAction::NextRun,
        KeyCode::BackTab => NetworkAction::PreviousRun,
        KeyCode::Char('l') => NetworkAction::LowerLr,
        KeyCode::Char('L') => NetworkAction::RaiseLr,
        KeyCode::Char('m') => NetworkAction::MomentumDown,
        KeyCode::Char('M') => NetworkAction::MomentumUp,
        KeyCode::Char('d') => NetworkAction::DropoutDown,
        KeyCode::Char('D') => NetworkAction::DropoutUp,
        KeyCode::Char('w') => NetworkAction::L2Down,
        KeyCode::Char('W') => NetworkAction::L2Up,
        KeyCode::Char('b') => NetworkAction::BatchDown,
        KeyCode::Char('B') => NetworkAction::BatchUp,
        KeyCode::Char('n') => NetworkAction::NoiseDown,
        KeyCode::Char('N') => NetworkAction::NoiseUp,
        KeyCode::Char('r') => NetworkAction::Restart,
        KeyCode::Char('e') => NetworkAction::Export,
        _ => return None,
    })
}

/// How often the screen is redrawn while playing.
const FRAME: Duration = Duration::from_millis(40);

/// Why the playground could not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// stdout is not a terminal (exit 2).
    #[error(
        "error: `optplay play` is a full-screen terminal program and stdout is not a terminal; \
         run it in a terminal, or use `optplay compare` / `optplay run` for files"
    )]
    NotATerminal,
    /// The terminal failed (exit 1).
    #[error("error: terminal: {0}")]
    Io(#[from] std::io::Error),
}

/// What a key asks for; `None` for keys without a meaning. Quitting is not an [`Action`].
pub fn action_for(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char(' ') => Action::TogglePlay,
        KeyCode::Right => Action::StepForward,
        KeyCode::Left => Action::StepBack,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-' | '_') => Action::Slower,
        KeyCode::Tab => Action::NextRun,
        KeyCode::BackTab => Action::PreviousRun,
        KeyCode::Char('l') => Action::LowerLr,
        KeyCode::Char('L') => Action::RaiseLr,
        KeyCode::Char('m') => Action::MomentumDown,
        KeyCode::Char('M') => Action::MomentumUp,
        KeyCode::Char('b') => Action::ToggleBiasCorrection,
        KeyCode::Char('n') => Action::ToggleNoise,
        KeyCode::Char('s') => Action::NextSurface,
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('e') => Action::Export,
        _ => return None,
    })
}

/// q, Esc and Ctrl-C end the session.
pub fn is_quit(key: KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char('q') | KeyCode::Esc)
        || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
}

/// What a terminal event asks for, given the screen's size.
pub fn action_for_event(event: &Event, screen: Rect, model: &Model) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => action_for(*key),
        Event::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
            let areas = view::layout(screen)?;
            let window = model.problem().view.window;
            let p = view::point_at(areas.map, window, m.column, m.row)?;
            // A tenth of a cell or finer, in round decimals: `start = [-0.37, 0.84]` in an
            // export, not the cell centre's seventeen digits.
            let cell = ((window.x[1] - window.x[0]) / f64::from(areas.map.width))
                .min((window.y[1] - window.y[0]) / f64::from(areas.map.height));
            let scale = 10f64.powi(-(cell / 10.0).log10().floor() as i32);
            let round = |v: f64| (v * scale).round() / scale;
            Some(Action::SetStart([round(p[0]), round(p[1])]))
        }
        _ => None,
    }
}

/// Puts the terminal back as it was: cooked mode, main screen, no mouse capture, a cursor.
/// Safe to call more than once.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Owns the terminal's modes while it lives; dropping it restores them, on every path out.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> std::io::Result<TerminalGuard> {
        // The guard exists before the first change, so a failure halfway is undone too.
        let guard = TerminalGuard;
        enable_raw_mode()?;
        execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Runs the playground on `experiment` until the user quits or `stop` is cancelled (a signal:
/// SIGINT, which raw mode turns into a key when it comes from the keyboard, SIGTERM or
/// SIGHUP), and gives the terminal back either way. Exports go to the current folder (the
/// experiment file) and `out` (the figures).
pub fn play(experiment: Experiment, out: PathBuf, stop: &Cancel) -> Result<(), PlayError> {
    if !std::io::stdout().is_terminal() {
        return Err(PlayError::NotATerminal);
    }
    let mut playground = Playground::new(experiment, PathBuf::from("."), out);

    // A panic restores the terminal before its message is printed, so the message is seen.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));

    let guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let result = event_loop(&mut terminal, &mut playground, stop);
    drop(terminal);
    drop(guard);
    result
}

/// Drawing the figures takes a moment: the message says so while it happens.
const EXPORTING: &str = "exporting: writing the file and drawing its figures…";

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    playground: &mut Playground,
    stop: &Cancel,
) -> Result<(), PlayError> {
    let mut last_tick = Instant::now();
    loop {
        terminal.draw(|frame| playground.draw(frame))?;
        let timeout = if playground.playing() {
            FRAME.saturating_sub(last_tick.elapsed())
        } else {
            Duration::from_millis(250)
        };
        if event::poll(timeout)? {
            let event = event::read()?;
            if let Event::Key(key) = event
                && key.kind != KeyEventKind::Release
                && is_quit(key)
            {
                return Ok(());
            }
            let screen = terminal.size()?;
            let screen = Rect::new(0, 0, screen.width, screen.height);
            match playground {
                Playground::Surface(model) => {
                    if let Some(action) = action_for_event(&event, screen, model) {
                        if action == Action::Export {
                            model.message = EXPORTING.into();
                            terminal.draw(|frame| view::draw(frame, model))?;
                        }
                        model.handle(action);
                    }
                }
                Playground::Network(model) => {
                    let action = match event {
                        Event::Key(key) if key.kind != KeyEventKind::Release => {
                            network_action_for(key)
                        }
                        _ => None,
                    };
                    if let Some(action) = action {
                        if action == NetworkAction::Export {
                            model.message = EXPORTING.into();
                            terminal.draw(|frame| network_view::draw(frame, model))?;
                        }
                        model.handle(action);
                    }
                }
            }
        }
        if stop.is_cancelled() {
            return Ok(());
        }
        let now = Instant::now();
        if playground.playing() {
            playground.tick(now - last_tick);
        }
        last_tick = now;
    }
}

#[cfg(test)]
mod network_tests;
#[cfg(test)]
mod tests;
