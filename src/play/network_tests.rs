//! The network playground driven by scripted keys against ratatui's test backend: no
//! terminal, no clock.

use std::path::Path;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::network_state::{NetworkAction, NetworkModel, Picture, REGION_GRID};
use super::{Playground, network_action_for, network_view};
use crate::core::Status;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// Two moons of 60 points (48 to train on), a net of 8 ReLUs, three runs, 200 steps, a row
/// every 10: quick enough to train to the end in a test.
const MOONS: &str = r#"
steps = 200
seed = 1
record_every = 10

[data]
kind = "moons"
points = 60
noise = 0.2

[model]
hidden = [8]

[[optimizer]]
kind = "sgd"
lr = 0.5

[[optimizer]]
kind = "adam"
lr = 0.02

[[optimizer]]
kind = "adam"
label = "adam dropout"
lr = 0.02
dropout = 0.2
"#;

fn model_of(source: &str, dir: &Path) -> NetworkModel {
    let experiment = crate::config::parse(source, &dir.join("net.toml")).unwrap();
    NetworkModel::new(experiment, dir.to_path_buf(), dir.join("out"))
        .unwrap_or_else(|_| panic!("a network file makes a network playground"))
}

fn press(model: &mut NetworkModel, keys: &[KeyCode]) {
    for &code in keys {
        let action = network_action_for(KeyEvent::new(code, KeyModifiers::NONE))
            .unwrap_or_else(|| panic!("{code:?} has no action"));
        model.handle(action);
    }
}

fn chars(keys: &str) -> Vec<KeyCode> {
    keys.chars().map(KeyCode::Char).collect()
}

/// The screen as text, one string per row.
fn screen(model: &NetworkModel) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal
        .draw(|frame| network_view::draw(frame, model))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..HEIGHT)
        .map(|y| (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

/// The panel's line of run `label` (below the map's title, which names the selected run).
fn run_line(screen: &[String], label: &str) -> String {
    screen[1..]
        .iter()
        .find(|line| line.contains(&format!("▶{label} ")) || line.contains(&format!(" {label} ")))
        .cloned()
        .unwrap_or_else(|| panic!("no line for {label} in\n{}", screen.join("\n")))
}

fn steps(model: &NetworkModel) -> Vec<u64> {
    model.runs.iter().map(|r| r.step()).collect()
}

#[test]
fn a_network_file_opens_on_its_regions_its_runs_and_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = crate::config::parse(MOONS, &dir.path().join("net.toml")).unwrap();
    let playground = Playground::new(experiment, dir.path().into(), dir.path().join("out"));
    let Playground::Network(m) = &playground else {
        panic!("a network file plays as a network");
    };
    assert!(m.playing);
    let text = screen(m).join("\n");
    for expected in [
        "moons · sgd · decision regions at step 0",
        "step 0/200",
        "48 training, 12 validation",
        "adam dropout",
        "dropout 0 · l2 0 · full batch (48)",
        "d/D dropout",
        "n/N data noise",
        "q quit",
    ] {
        assert!(text.contains(expected), "`{expected}` missing in\n{text}");
    }
    // Both sets of points are drawn over the regions.
    assert!(text.contains('●') && text.contains('○'), "{text}");
    let Picture::Regions { probabilities, .. } = &m.picture else {
        panic!("2-D points have decision regions");
    };
    assert_eq!(probabilities.len(), REGION_GRID * REGION_GRID * 2);
}

#[test]
fn ticks_train_every_run_from_where_it_stands_and_playback_stops_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    m.speed = 6;
    assert_eq!(m.steps_per_second(), 100.0);
    m.handle(NetworkAction::Tick(Duration::from_millis(100)));
    assert_eq!(steps(&m), [10, 10, 10]);
    m.handle(NetworkAction::Tick(Duration::from_millis(50)));
    assert_eq!(steps(&m), [15, 15, 15]);
    // A long stall is not made up at once: a tenth of a second's worth at most.
    m.handle(NetworkAction::Tick(Duration::from_secs(60)));
    assert_eq!(steps(&m), [25, 25, 25]);
    let text = screen(&m).join("\n");
    assert!(text.contains("step 25/200"), "{text}");
    assert!(run_line(&screen(&m), "adam").contains(" 25 "));

    while m.playing {
        m.handle(NetworkAction::Tick(Duration::from_millis(100)));
    }
    assert!(m.finished());
    assert_eq!(steps(&m), [200, 200, 200]);
    assert!(m.runs.iter().all(|r| r.status() == Some(Status::MaxSteps)));
    let text = screen(&m).join("\n");
    assert!(text.contains("done: all 200 steps"), "{text}");
    // The panel shows what the model learnt: the moons are easy for 8 ReLUs.
    assert!(m.runs[1].now.train.accuracy > 0.9, "{:?}", m.runs[1].now);
    // Space at the end says how to go again instead of doing nothing silently.
    press(&mut m, &[KeyCode::Char(' ')]);
    assert!(!m.playing && m.message.contains("r trains them again"));
}

#[test]
fn the_panel_shows_the_models_losses_and_accuracies_at_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    m.show_step(Some(120));
    let text = screen(&m);
    let line = run_line(&text, "adam");
    let now = m.runs[1].now;
    for number in [
        crate::number::compact(now.train.loss),
        crate::number::compact(now.validation.loss),
        network_view::percent(now.validation.accuracy),
    ] {
        assert!(line.contains(&number), "`{number}` missing in `{line}`");
    }
    // Each run has its own numbers.
    assert_ne!(m.runs[0].now, now);
}

#[test]
fn space_pauses_and_the_right_arrow_takes_one_rows_worth_of_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    press(&mut m, &[KeyCode::Char(' ')]);
    assert!(!m.playing);
    m.handle(NetworkAction::Tick(Duration::from_secs(1)));
    assert_eq!(steps(&m), [0, 0, 0], "paused: time passes, nothing trains");
    let before = m.picture.clone();
    press(&mut m, &[KeyCode::Right, KeyCode::Right]);
    assert_eq!(steps(&m), [20, 20, 20]);
    assert!(!m.playing);
    assert_ne!(m.picture, before, "the regions follow the step");
    press(&mut m, &[KeyCode::Char(' ')]);
    assert!(m.playing);
}

#[test]
fn tab_selects_the_run_the_map_and_the_knobs_show() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    m.show_step(Some(50));
    press(&mut m, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(m.selected, 2);
    assert!(matches!(
        m.picture,
        Picture::Regions {
            run: 2,
            step: 50,
            ..
        }
    ));
    let text = screen(&m).join("\n");
    assert!(
        text.contains("adam dropout · decision regions at step 50"),
        "{text}"
    );
    assert!(text.contains("dropout 0.2 · l2 0"), "{text}");
    press(&mut m, &[KeyCode::BackTab]);
    assert_eq!(m.selected, 1);
}

/// Reads a setting of the model back as text.
type Reading = fn(&NetworkModel) -> String;

#[test]
fn each_knob_moves_the_selected_run_only_and_restarts_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    m.show_step(Some(40));
    press(&mut m, &[KeyCode::Tab]);
    let knobs: [(&str, Reading, &str); 8] = [
        ("l", |m| m.experiment.runs[1].lr.to_string(), "0.01"),
        ("LL", |m| m.experiment.runs[1].lr.to_string(), "0.05"),
        (
            "m",
            |m| {
                format!(
                    "{:?}",
                    m.experiment.runs[1].optimizer.settings.pair("betas")
                )
            },
            "[0.8, 0.999]",
        ),
        (
            "D",
            |m| format!("{:?}", m.experiment.runs[1].network.dropout),
            "Some(0.1)",
        ),
        (
            "W",
            |m| format!("{:?}", m.experiment.runs[1].network.l2),
            "Some(1e-5)",
        ),
        (
            "WW",
            |m| format!("{:?}", m.experiment.runs[1].network.l2),
            "Some(5e-5)",
        ),
        (
            "b",
            |m| format!("{:?}", m.experiment.runs[1].network.batch),
            "Some(32)",
        ),
        (
            "bb",
            |m| format!("{:?}", m.experiment.runs[1].network.batch),
            "Some(8)",
        ),
    ];
    for (keys, read, expected) in knobs {
        m.show_step(Some(40));
        press(&mut m, &chars(keys));
        assert_eq!(read(&m), expected, "after `{keys}`");
        assert_eq!(steps(&m), [40, 0, 40], "after `{keys}`: only adam restarts");
        assert!(m.message.contains("adam restarted"), "{}", m.message);
        assert!(m.playing);
    }
    let text = screen(&m).join("\n");
    assert!(text.contains("lr 0.05 · β1 0.8"), "{text}");
    assert!(text.contains("dropout 0.1 · l2 5e-5 · batch 8"), "{text}");

    // And back: the batch up to the full batch, the l2 down to none, the dropout to 0.
    press(&mut m, &chars("BBBwwwd"));
    let network = m.experiment.runs[1].network;
    assert_eq!(network.batch, Some(0));
    assert_eq!(network.l2, Some(0.0));
    assert_eq!(network.dropout, Some(0.0));
    assert!(screen(&m).join("\n").contains("full batch (48)"));
    // At the end of a ladder a knob says so and restarts nothing.
    m.show_step(Some(40));
    press(&mut m, &chars("B"));
    assert!(m.message.contains("full batch (48) stays"), "{}", m.message);
    assert_eq!(steps(&m), [40, 40, 40]);
    // SGD has a momentum too.
    press(&mut m, &[KeyCode::BackTab, KeyCode::Char('M')]);
    assert_eq!(
        m.experiment.runs[0].optimizer.settings.number("momentum"),
        0.5
    );
}

#[test]
fn n_draws_the_data_again_as_the_file_with_that_noise_would_and_restarts_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    m.show_step(Some(30));
    let before = m.problem().train.clone();
    press(&mut m, &chars("N"));
    assert_eq!(steps(&m), [0, 0, 0]);
    assert!(m.message.contains("data noise 0.3"), "{}", m.message);
    assert_ne!(m.problem().train, before);
    let file = crate::config::parse(
        &MOONS.replace("noise = 0.2", "noise = 0.3"),
        &dir.path().join("net.toml"),
    )
    .unwrap();
    assert_eq!(m.problem(), file.network().unwrap());
    assert_eq!(m.window, crate::output::network_plane(m.problem()));
    assert!(screen(&m)[0].contains("noise 0.3"));
    press(&mut m, &chars("nn"));
    assert_eq!(m.problem().data_noise().map(|(n, _)| n), Some(0.15));
}

#[test]
fn r_restarts_every_run_from_the_same_weights() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    m.show_step(Some(60));
    let first: Vec<_> = m.runs.iter().map(|r| r.now).collect();
    let picture = m.picture.clone();
    press(&mut m, &chars("r"));
    assert_eq!(steps(&m), [0, 0, 0]);
    assert!(m.playing && m.message.contains("restarted"));
    m.show_step(Some(60));
    let again: Vec<_> = m.runs.iter().map(|r| r.now).collect();
    assert_eq!(
        format!("{again:?}"),
        format!("{first:?}"),
        "the same training again"
    );
    assert_eq!(m.picture, picture);
}

#[test]
fn export_writes_a_file_that_reads_back_as_the_knobs_and_runs_with_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model_of(MOONS, dir.path());
    press(&mut m, &chars("N"));
    press(&mut m, &[KeyCode::Tab]);
    press(&mut m, &chars("LDWb"));
    press(&mut m, &chars("e"));
    assert!(m.message.contains("exported"), "{}", m.message);
    let loaded = crate::config::load(&dir.path().join("play-export.toml")).unwrap();
    assert_eq!(loaded.runs, m.experiment.runs);
    assert_eq!(loaded.network(), Some(m.problem()));
    assert_eq!((loaded.steps, loaded.seed), (200, 1));
    for name in [
        "curves.png",
        "boundaries.png",
        "history.csv",
        "summary.json",
    ] {
        let path = dir.path().join("out/play-export").join(name);
        assert!(path.is_file(), "{name}");
    }
    // The history is the training the playground does: its last row of adam is the model
    // the playground reaches at the end.
    m.show_step(None);
    let csv = std::fs::read_to_string(dir.path().join("out/play-export/history.csv")).unwrap();
    let last = csv
        .lines()
        .rfind(|l| l.starts_with("adam,adam,200,"))
        .unwrap_or_else(|| panic!("no last row of adam in\n{csv}"));
    let val_loss: f64 = last.split(',').nth(4).unwrap().parse().unwrap();
    assert!(
        (val_loss - m.runs[1].now.validation.loss).abs() < 1e-12,
        "{last}"
    );
}

#[test]
fn a_diverged_run_says_where_in_the_panel_and_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let source = MOONS.replacen("lr = 0.5", "lr = 1e150", 1);
    let mut m = model_of(&source, dir.path());
    m.show_step(Some(100));
    assert!(matches!(m.runs[0].status(), Some(Status::Diverged { .. })));
    assert_eq!(steps(&m)[1..], [100, 100]);
    let text = screen(&m);
    let line = run_line(&text, "sgd");
    assert!(line.contains("diverged at step"), "{line}");
    // Its map shows the last finite model, not garbage.
    let Picture::Regions { probabilities, .. } = &m.picture else {
        panic!("regions");
    };
    assert!(probabilities.iter().all(|p| p.is_finite()));
}

#[test]
fn the_digits_show_a_confusion_matrix_and_have_no_noise_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let source = "steps = 30\n[data]\nkind = \"digits\"\npoints = 300\n[model]\nhidden = [16]\n\
                  [[optimizer]]\nkind = \"adam\"\nlr = 0.01\n";
    let mut m = model_of(source, dir.path());
    m.show_step(None);
    let Picture::Confusion {
        counts,
        on_validation,
        ..
    } = &m.picture
    else {
        panic!("64 features have no plane to draw");
    };
    assert!(on_validation);
    let total: usize = counts.iter().flatten().sum();
    assert_eq!(total, m.problem().validation.len());
    let right: usize = (0..10).map(|k| counts[k][k]).sum();
    let accuracy = right as f64 / total as f64;
    assert!((accuracy - m.runs[0].now.validation.accuracy).abs() < 1e-12);
    let text = screen(&m).join("\n");
    assert!(
        text.contains("confusion on the validation set at step 30"),
        "{text}"
    );
    press(&mut m, &chars("N"));
    assert!(m.message.contains("no noise"), "{}", m.message);
    assert_eq!(steps(&m), [30], "nothing restarted");
}

#[test]
fn every_key_the_help_names_has_an_action_and_a_tiny_terminal_gets_a_note() {
    for key in "lLmMdDwWbBnNre +".chars() {
        let event = KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE);
        assert!(network_action_for(event).is_some(), "{key:?}");
        assert!(
            network_view::HELP.contains(key),
            "{key:?} is not in the help"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let m = model_of(MOONS, dir.path());
    for (w, h) in [(1, 1), (20, 5), (81, 40), (82, 15), (82, 16), (300, 100)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|frame| network_view::draw(frame, &m))
            .unwrap();
    }
}
