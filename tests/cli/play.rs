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

/// Two moons, 8 ReLUs, Adam: a network file small enough to train in a test.
const MOONS: &str = r#"
steps = 150
[data]
kind = "moons"
points = 80
noise = 0.15
[model]
hidden = [8]
[[optimizer]]
kind = "adam"
lr = 0.03
"#;

#[test]
fn play_screenshot_of_a_network_file_draws_both_classes_regions_and_points() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("moons.toml"), MOONS).unwrap();
    optplay(dir.path())
        .args(["play", "moons.toml", "--screenshot", "net.png"])
        .args(["--screenshot-steps", "150"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote net.png"));
    let picture = decoded(&dir.path().join("net.png"));
    assert_eq!(picture.dimensions(), (1320, 880));
    // The map: the left half of the screen, below its title row.
    let pixels: Vec<[u8; 3]> = (22..800u32)
        .flat_map(|y| (11..660u32).map(move |x| (x, y)))
        .map(|(x, y)| picture.get_pixel(x, y).0)
        .collect();
    let map = || pixels.iter();
    let total = pixels.len();
    // Each class's region, in its figure colour made pale: class 0 blue, class 1 vermillion.
    let bluish = map()
        .filter(|p| i32::from(p[2]) - i32::from(p[0]) > 40)
        .count();
    let orange = map()
        .filter(|p| i32::from(p[0]) - i32::from(p[2]) > 40)
        .count();
    for (name, count) in [("class 0", bluish), ("class 1", orange)] {
        assert!(
            count > total / 8,
            "{name}'s region: {count} of {total} pixels"
        );
    }
    // Each class's points, in its colour a fifth darker.
    for class in 0..2 {
        let c = optplay::plot::network::class_color(class);
        let dark = |v: u8| (f64::from(v) * 0.8).round() as u8;
        let point = [dark(c.0), dark(c.1), dark(c.2)];
        let drawn = map().filter(|p| **p == point).count();
        assert!(drawn > 50, "class {class}'s points: {drawn} pixels");
    }
}
