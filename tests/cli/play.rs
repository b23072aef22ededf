//! `optplay play` is a full-screen program: without a terminal it refuses cleanly, after
//! checking its options; `--screenshot` draws the screen into a PNG instead.

use predicates::prelude::*;

use super::optplay;

#[test]
fn play_needs_a_terminal_checks_its_options_first_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    optplay(dir.path())
        .arg("play")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdout is not a terminal"))
        .stderr(predicate::str::contains("panicked").not());
    // Mistakes are reported as mistakes, not as the missing terminal.
    for (args, says) in [
        (
            &["play", "--surface", "sadle"][..],
            "Did you mean `saddle`?",
        ),
        (&["play", "no-such-file.toml"], "no-such-file.toml"),
        (&["play", "--screenshot", "play.jpg"], "ending in .png"),
        (&["play", "--screenshot-steps", "5"], "--screenshot"),
        (
            &["play", "--surface", "sadle", "--screenshot", "play.png"],
            "Did you mean `saddle`?",
        ),
    ] {
        optplay(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// The screenshot's pixels, decoded.
fn decoded(path: &std::path::Path) -> image::RgbImage {
    image::open(path).expect("a PNG").to_rgb8()
}

/// How many pixels have exactly run `i`'s colour.
fn pixels_of_run(picture: &image::RgbImage, i: usize) -> usize {
    let c = optplay::plot::style::play_run_color(i);
    picture.pixels().filter(|p| p.0 == [c.0, c.1, c.2]).count()
}

#[test]
fn play_screenshot_draws_the_step_asked_for_into_a_png_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    optplay(dir.path())
        .args(["play", "--screenshot", "shots/play.png"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote shots/play.png"));
    let picture = decoded(&dir.path().join("shots/play.png"));
    // 120×40 cells of 11×22 pixels.
    assert_eq!(picture.dimensions(), (1320, 880));
    let first = picture.get_pixel(0, 0);
    assert!(picture.pixels().any(|p| p != first), "a uniform picture");
    // sgd, momentum and adam: each run's path and label in its colour.
    for i in 0..3 {
        assert!(
            pixels_of_run(&picture, i) > 50,
            "run {i}'s colour is missing"
        );
    }
    // Written through the whole-or-absent writer: no temporary file stays behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("shots"))
        .unwrap()
        .collect();
    assert_eq!(names.len(), 1);

    let shot = |name: &str, steps: &str| {
        optplay(dir.path())
            .args(["play", "--surface", "quadratic", "--opt", "sgd"])
            .args(["--screenshot", name, "--screenshot-steps", steps])
            .assert()
            .code(0);
        pixels_of_run(&decoded(&dir.path().join(name)), 0)
    };
    // More steps, more path drawn in the run's colour.
    assert!(shot("early.png", "1") < shot("late.png", "150"));
}
