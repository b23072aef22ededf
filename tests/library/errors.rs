//! Every class of bad input in an experiment file: refused before anything runs, with exit
//! code 2 and a message naming the file, the position and the key. The message is the one
//! `optplay run` prints on stderr (`AppError::Config`'s text); `tests/cli/bad_input.rs` checks
//! that the binary prints it and writes nothing.

use std::path::Path;

use optplay::app::AppError;
use optplay::config::{self, Overrides};

/// The message for `source` as a file called `bad.toml`, after checking its exit code.
fn rejected(source: &str) -> String {
    reported(config::check(source, Path::new("bad.toml")))
}

/// The message for the file at `path`, read as `optplay run` reads it.
fn rejected_file(path: &Path) -> String {
    reported(config::load_all(path, &Overrides::default()))
}

fn reported(checked: Result<config::Experiment, Vec<config::ConfigError>>) -> String {
    let errors = checked.expect_err("bad input is refused");
    let error = AppError::Config(errors);
    let message = error.to_string();
    assert_eq!(error.exit_code(), 2, "message: {message}");
    message
}

/// Asserts the message names the file with line:column, the key, and each expected phrase.
fn says(message: &str, position: &str, key: &str, phrases: &[&str]) {
    assert!(
        message.contains(&format!("bad.toml:{position}")),
        "no bad.toml:{position} in:\n{message}"
    );
    assert!(message.contains(key), "no key `{key}` in:\n{message}");
    for phrase in phrases {
        assert!(message.contains(phrase), "no `{phrase}` in:\n{message}");
    }
}

const SURFACE: &str = "[surface]\nkind = \"saddle\"\n";

#[test]
fn a_missing_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let message = rejected_file(&tmp.path().join("nowhere.toml"));
    assert!(message.contains("nowhere.toml"), "{message}");
}

#[test]
fn a_directory_is_not_an_experiment() {
    let tmp = tempfile::tempdir().unwrap();
    let message = rejected_file(tmp.path());
    assert!(message.contains("error"), "{message}");
}

#[test]
fn toml_syntax_errors_point_at_the_spot() {
    let message = rejected("steps = 200\n[surface\nkind = \"saddle\"\n");
    assert!(message.contains("bad.toml:2:"), "{message}");
}

#[test]
fn unknown_keys_are_named_with_a_suggestion() {
    let message = rejected(&format!(
        "stpes = 10\n{SURFACE}[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&message, "1:1", "stpes", &["steps"]);
}

#[test]
fn wrong_types_say_what_was_expected() {
    let message = rejected(&format!(
        "steps = \"many\"\n{SURFACE}[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&message, "1:9", "steps", &["integer"]);
}

#[test]
fn an_unknown_surface_lists_the_valid_ones_and_the_closest() {
    let message = rejected("[surface]\nkind = \"sadle\"\n[[optimizer]]\nkind = \"sgd\"\n");
    says(
        &message,
        "2:8",
        "surface.kind",
        &["saddle", "rosenbrock", "himmelblau"],
    );
}

#[test]
fn an_unknown_optimizer_lists_the_valid_ones_and_the_closest() {
    let message = rejected(&format!("{SURFACE}[[optimizer]]\nkind = \"adan\"\n"));
    says(
        &message,
        "4:8",
        "optimizer[1].kind",
        &["adam", "rmsprop", "nesterov"],
    );
}

#[test]
fn an_unknown_schedule_lists_the_valid_ones() {
    let message = rejected(&format!(
        "{SURFACE}[[optimizer]]\nkind = \"sgd\"\nschedule = {{ kind = \"cosin\" }}\n"
    ));
    says(
        &message,
        "5:21",
        "schedule.kind",
        &["cosine", "cosine_restarts", "step"],
    );
}

#[test]
fn out_of_range_numbers_are_refused() {
    let cases = [
        ("kind = \"sgd\"\nlr = -0.1", "5:6", "lr"),
        ("kind = \"sgd\"\nlr = 0", "5:6", "lr"),
        ("kind = \"adam\"\nbetas = [0.9, 1.0]", "5:", "betas"),
        ("kind = \"adam\"\neps = -1e-8", "5:7", "eps"),
        ("kind = \"sgd\"\nmomentum = -0.5", "5:12", "momentum"),
    ];
    for (optimizer, position, key) in cases {
        let message = rejected(&format!("{SURFACE}[[optimizer]]\n{optimizer}\n"));
        says(&message, position, &format!("optimizer[1].{key}"), &[]);
    }
}

#[test]
fn zero_steps_are_refused() {
    let message = rejected(&format!(
        "steps = 0\n{SURFACE}[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&message, "1:9", "steps", &[]);
}

#[test]
fn an_empty_plot_window_is_refused() {
    let message = rejected(&format!(
        "{SURFACE}[plot]\nx = [1.0, 1.0]\n[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&message, "4:5", "plot.x", &[]);
}
