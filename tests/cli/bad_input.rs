//! Every class of bad input: exit code 2, a message naming the file, the position and the key,
//! and nothing written.

use std::path::Path;

use crate::optplay;

/// Runs `optplay run` on `source` and returns stderr, after checking the exit code and that
/// no output folder appeared.
fn rejected(source: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    std::fs::write(&file, source).unwrap();
    rejected_file(tmp.path(), &file)
}

fn rejected_file(dir: &Path, file: &Path) -> String {
    let output = optplay(dir).arg("run").arg(file).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        !dir.join("out").exists(),
        "nothing may be written for bad input"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Asserts the message names the file with line:column, the key, and each expected phrase.
fn says(stderr: &str, position: &str, key: &str, phrases: &[&str]) {
    assert!(
        stderr.contains(&format!("bad.toml:{position}")),
        "no bad.toml:{position} in:\n{stderr}"
    );
    assert!(stderr.contains(key), "no key `{key}` in:\n{stderr}");
    for phrase in phrases {
        assert!(stderr.contains(phrase), "no `{phrase}` in:\n{stderr}");
    }
}

const SURFACE: &str = "[surface]\nkind = \"saddle\"\n";

#[test]
fn a_missing_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = rejected_file(tmp.path(), &tmp.path().join("nowhere.toml"));
    assert!(stderr.contains("nowhere.toml"), "{stderr}");
}

#[test]
fn a_directory_is_not_an_experiment() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = rejected_file(tmp.path(), tmp.path());
    assert!(stderr.contains("error"), "{stderr}");
}

#[test]
fn toml_syntax_errors_point_at_the_spot() {
    let stderr = rejected("steps = 200\n[surface\nkind = \"saddle\"\n");
    assert!(stderr.contains("bad.toml:2:"), "{stderr}");
}

#[test]
fn unknown_keys_are_named_with_a_suggestion() {
    let stderr = rejected(&format!(
        "stpes = 10\n{SURFACE}[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&stderr, "1:1", "stpes", &["steps"]);
}

#[test]
fn wrong_types_say_what_was_expected() {
    let stderr = rejected(&format!(
        "steps = \"many\"\n{SURFACE}[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&stderr, "1:9", "steps", &["integer"]);
}

#[test]
fn an_unknown_surface_lists_the_valid_ones_and_the_closest() {
    let stderr = rejected("[surface]\nkind = \"sadle\"\n[[optimizer]]\nkind = \"sgd\"\n");
    says(
        &stderr,
        "2:8",
        "surface.kind",
        &["saddle", "rosenbrock", "himmelblau"],
    );
}

#[test]
fn an_unknown_optimizer_lists_the_valid_ones_and_the_closest() {
    let stderr = rejected(&format!("{SURFACE}[[optimizer]]\nkind = \"adan\"\n"));
    says(
        &stderr,
        "4:8",
        "optimizer[1].kind",
        &["adam", "rmsprop", "nesterov"],
    );
}

#[test]
fn an_unknown_schedule_lists_the_valid_ones() {
    let stderr = rejected(&format!(
        "{SURFACE}[[optimizer]]\nkind = \"sgd\"\nschedule = {{ kind = \"cosin\" }}\n"
    ));
    says(
        &stderr,
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
        let stderr = rejected(&format!("{SURFACE}[[optimizer]]\n{optimizer}\n"));
        says(&stderr, position, &format!("optimizer[1].{key}"), &[]);
    }
}

#[test]
fn zero_steps_are_refused() {
    let stderr = rejected(&format!(
        "steps = 0\n{SURFACE}[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&stderr, "1:9", "steps", &[]);
}

#[test]
fn an_empty_plot_window_is_refused() {
    let stderr = rejected(&format!(
        "{SURFACE}[plot]\nx = [1.0, 1.0]\n[[optimizer]]\nkind = \"sgd\"\n"
    ));
    says(&stderr, "4:5", "plot.x", &[]);
}

#[test]
fn every_error_in_every_file_is_reported_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.toml");
    std::fs::write(&good, format!("{SURFACE}[[optimizer]]\nkind = \"sgd\"\n")).unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("{SURFACE}[[optimizer]]\nkind = \"sgd\"\nlr = -1\n"),
    )
    .unwrap();
    let output = optplay(tmp.path())
        .arg("run")
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !tmp.path().join("out").exists(),
        "the good file must not run either"
    );
}

#[test]
fn bad_compare_flags_exit_2_and_write_nothing() {
    for args in [
        &["compare", "--opt", "sgd,adan"][..],
        &["compare", "--opt", "sgd", "--surface", "sadle"],
        &["compare", "--opt", "sgd", "--lr", "-1"],
        &["compare", "--opt", "sgd", "--start", "1"],
        &["compare", "--opt", "sgd", "--steps", "0"],
        &["compare", "--opt", "sgd", "--format", "webp,png"],
        &["compare"],
        &["frobnicate"],
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let output = optplay(tmp.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!tmp.path().join("out").exists(), "{args:?} wrote output");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn an_unknown_optimizer_on_the_command_line_gets_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["compare", "--opt", "sgd,adan"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("adan") && stderr.contains("adam"),
        "{stderr}"
    );
}
