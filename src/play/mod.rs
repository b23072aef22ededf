//! `optplay play`: a full-screen terminal playground.
//!
//! A pure model ([`state`]), a view that draws it ([`view`]), and here a thin loop that owns
//! the terminal: alternate screen, raw mode and mouse capture on the way in, all of it given
//! back on every way out (q, Ctrl-C, a signal, an error, a panic).

pub mod export;
pub mod screenshot;
pub mod state;
pub mod view;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::Terminal;
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

use crate::config::Experiment;
use crate::core::Cancel;

pub use state::{Action, Model};

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
    let mut model = Model::new(experiment, PathBuf::from("."), out);

    // A panic restores the terminal before its message is printed, so the message is seen.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));

    let guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let result = event_loop(&mut terminal, &mut model, stop);
    drop(terminal);
    drop(guard);
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    model: &mut Model,
    stop: &Cancel,
) -> Result<(), PlayError> {
    let mut last_tick = Instant::now();
    loop {
        terminal.draw(|frame| view::draw(frame, model))?;
        let timeout = if model.playing {
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
            if let Some(action) = action_for_event(&event, screen, model) {
                if action == Action::Export {
                    // Drawing the figures takes a moment: say so while it happens.
                    model.message = "exporting: writing the file and drawing its figures…".into();
                    terminal.draw(|frame| view::draw(frame, model))?;
                }
                model.handle(action);
            }
        }
        if stop.is_cancelled() {
            return Ok(());
        }
        let now = Instant::now();
        if model.playing {
            model.handle(Action::Tick(now - last_tick));
        }
        last_tick = now;
    }
}

#[cfg(test)]
mod tests;
