//! The playground driven by scripted keys against ratatui's test backend: no terminal.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::*;
use crate::config::{CompareRequest, compare_experiment};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// The default session: sgd, momentum and adam on the saddle, exports into `dir`.
fn model(dir: &Path) -> Model {
    let experiment = compare_experiment(&CompareRequest {
        optimizers: ["sgd", "momentum", "adam"]
            .iter()
            .filter_map(|name| crate::core::registry::optimizer(name))
            .collect(),
        surface: crate::core::registry::surface("saddle"),
        ..CompareRequest::default()
    })
    .unwrap();
    Model::new(experiment, dir.to_path_buf(), dir.join("out"))
}

fn press(model: &mut Model, keys: &[KeyCode]) {
    for &code in keys {
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        assert!(!is_quit(key));
        let action = action_for(key).unwrap_or_else(|| panic!("{code:?} has no action"));
        model.handle(action);
    }
}

/// The screen as text, one string per row.
fn screen(model: &Model) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal.draw(|frame| view::draw(frame, model)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..HEIGHT)
        .map(|y| (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

fn areas() -> view::Areas {
    view::layout(Rect::new(0, 0, WIDTH, HEIGHT)).unwrap()
}

/// Braille cells on the map: how much path is drawn.
fn braille_cells(screen: &[String]) -> usize {
    let map = areas().map;
    screen[map.top() as usize..map.bottom() as usize]
        .iter()
        .map(|line| {
            line.chars()
                .skip(map.left() as usize)
                .take(map.width as usize)
                .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
                .count()
        })
        .sum()
}

/// The side panel's row of run `label`.
fn table_row<'a>(screen: &'a [String], label: &str) -> &'a str {
    screen
        .iter()
        .find(|line| line.contains(&format!("▶{label} ")) || line.contains(&format!(" {label} ")))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no row for {label} in\n{}", screen.join("\n")))
}

#[test]
fn the_first_screen_shows_map_runs_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let text = screen(&model(dir.path())).join("\n");
    for expected in [
        "saddle · f = x² − 0.5·y² + 0.25·y⁴",
        "step 0/200",
        "sgd",
        "momentum",
        "adam",
        "space play/pause",
        "q quit",
    ] {
        assert!(text.contains(expected), "`{expected}` missing in\n{text}");
    }
    // Two minima and the saddle are marked, and the start.
    assert_eq!(text.matches('*').count(), 2, "{text}");
    assert!(text.contains('x') && text.contains('o'));
}

#[test]
fn right_arrow_advances_the_step_and_the_path_and_left_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    press(&mut m, &[KeyCode::Char(' ')]);
    assert!(!m.playing);
    let before = screen(&m);
    assert_eq!(braille_cells(&before), 0, "no path before the first step");

    press(&mut m, &[KeyCode::Right; 10]);
    let after = screen(&m);
    assert!(after.join("\n").contains("step 10/200"));
    assert!(table_row(&after, "adam").contains(" 10 "));
    let drawn = braille_cells(&after);
    assert!(drawn > 0, "the paths advance");

    press(&mut m, &[KeyCode::Right; 30]);
    assert!(braille_cells(&screen(&m)) > drawn, "and go on advancing");

    press(&mut m, &[KeyCode::Left; 35]);
    assert_eq!(m.cursor, 5);
    assert!(screen(&m).join("\n").contains("step 5/200"));
}

#[test]
fn playback_advances_with_time_and_stops_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    assert!(m.playing);
    m.handle(Action::Tick(Duration::from_millis(500)));
    assert_eq!(m.cursor, 10, "20 steps/s for half a second");
    press(&mut m, &[KeyCode::Char('+')]);
    m.handle(Action::Tick(Duration::from_millis(100)));
    assert_eq!(m.cursor, 15, "50 steps/s");
    m.handle(Action::Tick(Duration::from_secs(3600)));
    assert_eq!(m.cursor, m.last_row());
    assert!(!m.playing);
    // Space at the end plays again from the start.
    press(&mut m, &[KeyCode::Char(' ')]);
    assert!(m.playing && m.cursor == 0);
}

#[test]
fn l_lowers_the_selected_runs_lr_to_the_next_round_value_and_the_panel_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    press(&mut m, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(m.experiment.runs[m.selected].label, "adam");
    assert!(table_row(&screen(&m), "adam").contains(" 0.5 "));
    let before = m.traces.clone();

    press(&mut m, &[KeyCode::Char('l')]);
    assert_eq!(m.experiment.runs[2].lr, 0.2);
    let text = screen(&m);
    assert!(
        table_row(&text, "adam").contains(" 0.2 "),
        "{}",
        text.join("\n")
    );
    assert!(
        table_row(&text, "sgd").contains(" 0.8 "),
        "other runs keep theirs"
    );
    assert_ne!(m.traces[2], before[2], "adam re-ran");
    assert_eq!(m.traces[0], before[0]);
    assert_eq!(m.cursor, 0, "a knob change plays from the start");

    press(&mut m, &[KeyCode::Char('L'), KeyCode::Char('L')]);
    assert_eq!(m.experiment.runs[2].lr, 1.0);
    // Off the ladder (a file's 0.03), the next round value either way; exports read round.
    m.experiment.runs[2].lr = 0.03;
    press(&mut m, &[KeyCode::Char('L')]);
    assert_eq!(m.experiment.runs[2].lr.to_string(), "0.05");
    press(
        &mut m,
        &[KeyCode::Char('l'), KeyCode::Char('l'), KeyCode::Char('l')],
    );
    assert_eq!(m.experiment.runs[2].lr.to_string(), "0.005");
}

#[test]
fn m_and_shift_m_move_momentum_and_beta1() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    press(&mut m, &[KeyCode::Tab, KeyCode::Char('m')]);
    let settings = &m.experiment.runs[1].optimizer.settings;
    assert_eq!(settings.number("momentum"), 0.8);
    press(&mut m, &[KeyCode::Tab, KeyCode::Char('M')]);
    let settings = &m.experiment.runs[2].optimizer.settings;
    assert_eq!(settings.pair("betas")[0], 0.95);
    assert!(screen(&m).join("\n").contains("β1 0.95"));
    // Up and up again, then back: every value round, capped at 0.999.
    press(&mut m, &[KeyCode::Char('M'); 6]);
    let b1 = m.experiment.runs[2].optimizer.settings.pair("betas")[0];
    assert_eq!(b1.to_string(), "0.999");
    press(&mut m, &[KeyCode::Char('m'); 3]);
    let b1 = m.experiment.runs[2].optimizer.settings.pair("betas")[0];
    assert_eq!(b1.to_string(), "0.98");
}

#[test]
fn b_toggles_adams_bias_correction_and_its_trace_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    let original = m.traces[2].clone();
    press(&mut m, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Char('b')]);
    assert!(
        !m.experiment.runs[2]
            .optimizer
            .settings
            .boolean("bias_correction")
    );
    assert_ne!(m.traces[2], original);
    assert!(screen(&m).join("\n").contains("bias correction off"));
    press(&mut m, &[KeyCode::Char('b')]);
    assert_eq!(m.traces[2], original, "back on: the same run as before");

    // On SGD it only says why nothing happens.
    press(&mut m, &[KeyCode::Tab, KeyCode::Char('b')]);
    assert!(m.message.contains("no bias correction"));
    assert_eq!(m.traces[2], original);
}

#[test]
fn n_toggles_gradient_noise() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    let exact = m.traces.clone();
    press(&mut m, &[KeyCode::Char('n')]);
    assert_eq!(m.experiment.noise, Some(state::DEFAULT_NOISE));
    assert_ne!(m.traces, exact);
    assert!(screen(&m).join("\n").contains("noise std 0.1"));
    press(&mut m, &[KeyCode::Char('n')]);
    assert_eq!(m.traces, exact);
}

#[test]
fn s_switches_to_the_next_surface() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    press(&mut m, &[KeyCode::Char('s')]);
    assert_eq!(m.problem().kind(), "bowl");
    assert_eq!(m.problem().start, m.problem().function.default_start());
    assert_eq!(m.problem().view.window, m.problem().function.window());
    assert!(screen(&m)[0].contains("bowl"));
    // Around the list and back.
    press(&mut m, &[KeyCode::Char('s'); 6]);
    assert_eq!(m.problem().kind(), "saddle");
}

#[test]
fn a_click_maps_to_the_surface_point_under_it_and_moves_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    let map = areas().map;
    let window = m.problem().view.window;
    let (dx, dy) = (
        (window.x[1] - window.x[0]) / f64::from(map.width),
        (window.y[1] - window.y[0]) / f64::from(map.height),
    );
    // The top-left cell's centre.
    let p = view::point_at(map, window, map.x, map.y).unwrap();
    assert!((p[0] - (window.x[0] + dx / 2.0)).abs() < 1e-12);
    assert!((p[1] - (window.y[1] - dy / 2.0)).abs() < 1e-12);
    // The bottom-right one.
    let p = view::point_at(map, window, map.right() - 1, map.bottom() - 1).unwrap();
    assert!((p[0] - (window.x[1] - dx / 2.0)).abs() < 1e-12);
    assert!((p[1] - (window.y[0] + dy / 2.0)).abs() < 1e-12);
    // Off the map (the border, the side panel): nothing.
    assert!(view::point_at(map, window, map.x - 1, map.y).is_none());
    assert!(view::point_at(map, window, areas().side.x + 2, map.y + 2).is_none());

    let (column, row) = (map.x + 10, map.y + 7);
    let click = Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    });
    let action = action_for_event(&click, Rect::new(0, 0, WIDTH, HEIGHT), &m).unwrap();
    let Action::SetStart(p) = action else {
        panic!("a click moves the start, not {action:?}");
    };
    assert_eq!(view::cell_of(map, window, p), Some((column, row)));
    for v in p {
        assert!(format!("{v:?}").len() <= 6, "a round start, not {v:?}");
    }
    m.handle(action);
    assert_eq!(m.problem().start, p);
    assert_eq!(m.traces[0].point(0), &p[..], "every run starts there");
    let at_start = |m: &Model| screen(m)[row as usize].chars().nth(column as usize);
    assert_eq!(at_start(&m), Some('●'), "the runs are at the start");
    press(&mut m, &[KeyCode::Right; 30]);
    assert_eq!(
        at_start(&m),
        Some('o'),
        "they have left it; it stays marked"
    );
}

#[test]
fn export_writes_a_file_that_run_accepts_and_that_reproduces_the_paths() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    // Turn a few knobs first, so the file has something to remember.
    press(
        &mut m,
        &[
            KeyCode::Char('l'),
            KeyCode::Tab,
            KeyCode::Char('M'),
            KeyCode::Tab,
            KeyCode::Char('b'),
            KeyCode::Char('L'),
            KeyCode::Char('n'),
        ],
    );
    m.handle(Action::SetStart([0.7, -0.3]));
    press(&mut m, &[KeyCode::Char('e')]);
    let file = dir.path().join("play-export.toml");
    assert!(m.message.contains("exported"), "{}", m.message);
    assert!(screen(&m).join("\n").contains("exported"));

    let loaded = crate::config::load(&file).unwrap();
    assert_eq!(loaded.runs, m.experiment.runs);
    assert_eq!(loaded.surface().map(|s| s.start), Some([0.7, -0.3]));
    assert_eq!(crate::output::run_all(&loaded), m.traces);
    for name in [
        "trajectories.png",
        "trajectories.svg",
        "loss.png",
        "trajectory.csv",
    ] {
        assert!(
            dir.path().join("out/play-export").join(name).is_file(),
            "{name}"
        );
    }

    // A second export takes the next name and leaves the first alone.
    let first = std::fs::read_to_string(&file).unwrap();
    press(&mut m, &[KeyCode::Char('l'), KeyCode::Char('e')]);
    assert!(dir.path().join("play-export-2.toml").is_file());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first);
    let second = crate::config::load(&dir.path().join("play-export-2.toml")).unwrap();
    assert_eq!(crate::output::run_all(&second), m.traces);
}

#[test]
fn every_setting_survives_the_experiment_file() {
    let source = r#"
steps = 120
seed = 7
start = [0.30000000000000004, -1.2]
tolerance = 1e-9

[surface]
kind = "quadratic"
matrix = [[2.0, 0.1], [0.1, 3.0]]
center = [0.5, -0.25]

[noise]
std = 0.05

[plot]
levels = 12
log_levels = false
formats = ["svg"]
x_axis = "evaluations"

[[optimizer]]
kind = "sgd"
lr = 0.01
schedule = { kind = "multistep", milestones = [10, 50], gamma = 0.3 }

[[optimizer]]
kind = "nesterov"
label = "nesterov \"quoted\""
weight_decay = 0.001
schedule = { kind = "cosine_restarts", t_0 = 10, t_mult = 2 }

[[optimizer]]
kind = "adagrad"
schedule = { kind = "inverse_time", k = 0.1 }

[[optimizer]]
kind = "rmsprop"
noise = 0.0
schedule = { kind = "exponential", gamma = 0.99 }

[[optimizer]]
kind = "adamw"
amsgrad = true
schedule = { kind = "cosine", t_max = 100, eta_min = 1e-5 }

[[optimizer]]
kind = "nadam"
schedule = { kind = "step", step_size = 30, gamma = 0.5 }

[[optimizer]]
kind = "newton"
damping = 0.1

[[optimizer]]
kind = "lbfgs"
history_size = 5
"#;
    let original = crate::config::parse(source, Path::new("all.toml")).unwrap();
    let text = export::experiment_toml(&original);
    let again = crate::config::parse(&text, Path::new("all.toml")).unwrap_or_else(|e| {
        panic!("{e}\n{text}");
    });
    assert_eq!(again, original, "{text}");
}

#[test]
fn quit_keys_are_not_actions() {
    for key in [
        KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ] {
        assert!(is_quit(key));
    }
    assert!(!is_quit(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::NONE
    )));
}

#[test]
fn a_tiny_terminal_gets_a_note_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path());
    for (w, h) in [(1, 1), (20, 5), (71, 40), (200, 15), (72, 16), (300, 100)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| view::draw(frame, &m)).unwrap();
    }
}
