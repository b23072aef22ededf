//! The landscape figure through the binary: written for points in the plane and for the
//! digits in every picture format asked for, each path in its run's colour, and an honest
//! panel (never a crash) for a path with no plane.

use crate::optplay;

const MOONS: &str = "steps = 120\nrecord_every = 5\n\n[data]\nkind = \"moons\"\npoints = 80\n\
                     validation = 0.25\nbatch = 16\n\n[model]\nhidden = [12]\n\n\
                     [[optimizer]]\nkind = \"sgd\"\nlabel = \"momentum\"\nmomentum = 0.9\nlr = 0.1\n\n\
                     [[optimizer]]\nkind = \"adam\"\nlr = 0.02\n";

/// How many pixels of a PNG have exactly run `i`'s colour.
fn pixels_of_run(path: &std::path::Path, i: usize) -> usize {
    let picture = image::open(path).expect("a PNG").to_rgb8();
    let c = optplay::plot::style::run_color(i);
    picture.pixels().filter(|p| p.0 == [c.0, c.1, c.2]).count()
}

/// The SVG's text, element after element, joined by spaces: a sentence wrapped over lines
/// reads whole.
fn svg_text(path: &std::path::Path) -> String {
    let svg = std::fs::read_to_string(path).unwrap();
    svg.split("<text")
        .skip(1)
        .filter_map(|element| {
            let (_, rest) = element.split_once('>')?;
            let (text, _) = rest.split_once("</text>")?;
            Some(text.trim().to_string())
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn a_network_run_draws_each_path_on_its_landscape_in_its_colour() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("moons.toml"), MOONS).unwrap();
    optplay(work.path())
        .args(["run", "moons.toml", "--format", "png,svg", "-q"])
        .assert()
        .success();
    let dir = work.path().join("out/moons");
    for i in 0..2 {
        let n = pixels_of_run(&dir.join("landscape.png"), i);
        assert!(n > 100, "run {i}: {n} pixels of its colour");
    }
    let svg = svg_text(&dir.join("landscape.svg"));
    assert!(
        svg.contains("of the path's variance"),
        "the variance explained"
    );
    assert!(svg.contains("PC1 (") && svg.contains("PC2 ("), "the axes");

    // The animation alone draws no landscape.
    optplay(work.path())
        .args(["run", "moons.toml", "--format", "gif", "--out", "gif", "-q"])
        .assert()
        .success();
    let dir = work.path().join("gif/moons");
    assert!(dir.join("boundaries.gif").is_file());
    assert!(!dir.join("landscape.png").exists() && !dir.join("landscape.svg").exists());
}

#[test]
fn digits_get_a_landscape_and_a_path_without_a_plane_gets_a_panel_that_says_so() {
    let work = tempfile::tempdir().unwrap();
    let digits = "steps = 30\n[data]\nkind = \"digits\"\npoints = 300\nbatch = 32\n\
                  [model]\nhidden = [16]\n[[optimizer]]\nkind = \"adam\"\n";
    std::fs::write(work.path().join("digits.toml"), digits).unwrap();
    optplay(work.path())
        .args(["run", "digits.toml", "--format", "png", "-q"])
        .assert()
        .success();
    let n = pixels_of_run(&work.path().join("out/digits/landscape.png"), 0);
    assert!(n > 100, "{n} pixels of the path");

    // Blown up at the first step: nothing but the start is left of the path.
    let blown = "steps = 20\n[data]\nkind = \"spiral\"\npoints = 60\nvalidation = 0\n\
                 [model]\nhidden = [8]\n\
                 [[optimizer]]\nkind = \"sgd\"\nlabel = \"blows up\"\nlr = 1e300\n\
                 [[optimizer]]\nkind = \"adam\"\nlr = 0.05\n";
    std::fs::write(work.path().join("blown.toml"), blown).unwrap();
    optplay(work.path())
        .args(["run", "blown.toml", "--format", "png,svg", "-q"])
        .assert()
        .success();
    let dir = work.path().join("out/blown");
    let svg = svg_text(&dir.join("landscape.svg"));
    assert!(svg.contains("the weights never left their start"), "{svg}");
    assert!(svg.contains("diverged at step 1"), "the divergence");
    assert_eq!(
        pixels_of_run(&dir.join("landscape.png"), 0),
        0,
        "no path drawn"
    );
    assert!(
        pixels_of_run(&dir.join("landscape.png"), 1) > 100,
        "adam's path"
    );
}
