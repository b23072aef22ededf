//! `--format gif`: the trajectories animation, decoded and looked at frame by frame.

use std::path::Path;

use optplay::app::AppError;
use optplay::config::{self, Overrides};

use crate::{configs, experiment_file, file_names, load_with, small_grid, summary, write};

/// A decoded GIF: its size, whether it loops, and every frame as the viewer shows it
/// (composited over the frames before, RGB).
struct Animation {
    width: usize,
    height: usize,
    loops_forever: bool,
    frames: Vec<Vec<[u8; 3]>>,
    delays: Vec<u16>,
}

impl Animation {
    fn decode(bytes: &[u8]) -> Animation {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let mut decoder = options.read_info(bytes).expect("a GIF");
        let (width, height) = (decoder.width() as usize, decoder.height() as usize);
        let mut shown = vec![[255u8; 3]; width * height];
        let (mut frames, mut delays) = (Vec::new(), Vec::new());
        while let Some(frame) = decoder.read_next_frame().expect("frames decode") {
            assert!(
                matches!(
                    frame.dispose,
                    gif::DisposalMethod::Keep | gif::DisposalMethod::Any
                ),
                "frames build on each other"
            );
            let (left, top) = (frame.left as usize, frame.top as usize);
            assert!(left + frame.width as usize <= width && top + frame.height as usize <= height);
            for (k, rgba) in frame.buffer.chunks_exact(4).enumerate() {
                if rgba[3] == 0 {
                    continue; // transparent: the frame before shows through
                }
                let (x, y) = (
                    left + k % frame.width as usize,
                    top + k / frame.width as usize,
                );
                shown[y * width + x] = [rgba[0], rgba[1], rgba[2]];
            }
            frames.push(shown.clone());
            delays.push(frame.delay);
        }
        Animation {
            width,
            height,
            loops_forever: decoder.repeat() == gif::Repeat::Infinite,
            frames,
            delays,
        }
    }

    /// The pixels of `frame` that have exactly `color`, as (x, y).
    fn pixels_of(&self, frame: usize, color: [u8; 3]) -> Vec<(usize, usize)> {
        self.frames[frame]
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == color)
            .map(|(k, _)| (k % self.width, k / self.width))
            .collect()
    }
}

/// The figures' run colours (Okabe & Ito), and the darker shade of each that marks its end.
const BLUE: [u8; 3] = [0, 114, 178];
const VERMILLION: [u8; 3] = [213, 94, 0];
fn end_shade(c: [u8; 3]) -> [u8; 3] {
    c.map(|v| (v as f64 * 0.85).round() as u8)
}

fn centroid(pixels: &[(usize, usize)]) -> (f64, f64) {
    let n = pixels.len().max(1) as f64;
    let (sx, sy) = pixels
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x as f64, b + y as f64));
    (sx / n, sy / n)
}

fn near(pixels: &[(usize, usize)], (cx, cy): (f64, f64), radius: f64) -> usize {
    pixels
        .iter()
        .filter(|&&(x, y)| (x as f64 - cx).hypot(y as f64 - cy) <= radius)
        .count()
}

/// The elongated bowl, two runs from (−3, 2) that end near the minimum, as a GIF only.
fn bowl(steps: u64, size: (u32, u32)) -> String {
    format!(
        "steps = {steps}\nstart = [-3.0, 2.0]\n[surface]\nkind = \"quadratic\"\n\
         [plot]\nwidth = {}\nheight = {}\nformats = [\"gif\"]\n\
         [[optimizer]]\nkind = \"momentum\"\nlr = 0.02\n\
         [[optimizer]]\nkind = \"adam\"\nlr = 0.1\n",
        size.0, size.1
    )
}

/// `optplay run` of `text` as `<name>.toml` into `dir/out`, returning the GIF. The figures
/// keep the size the file gives them (the pixels are what these tests look at); `coarse`
/// shrinks the grid behind the contours, for the tests whose pixels do not depend on it.
fn run_file(dir: &Path, name: &str, text: &str, overrides: &Overrides, coarse: bool) -> Vec<u8> {
    let file = experiment_file(dir, name, text);
    let mut experiment = load_with(&file, overrides);
    if coarse {
        small_grid(&mut experiment);
    }
    let written = write(&experiment, &dir.join("out"));
    std::fs::read(written.dir.join("trajectories.gif")).expect("the GIF is written")
}

#[test]
fn a_short_run_animates_every_step_at_the_plot_size_and_loops() {
    let tmp = tempfile::tempdir().unwrap();
    let gif = run_file(
        tmp.path(),
        "bowl",
        &bowl(40, (640, 480)),
        &Overrides::default(),
        true,
    );
    let dir = tmp.path().join("out/bowl");
    assert_eq!(
        file_names(&dir),
        ["summary.json", "trajectories.gif", "trajectory.csv"],
        "GIF alone: no still figures, and no loss animation"
    );
    let animation = Animation::decode(&gif);
    assert_eq!((animation.width, animation.height), (640, 480));
    assert!(animation.loops_forever);
    assert_eq!(
        animation.frames.len(),
        41,
        "the start and every one of 40 steps"
    );
    let last = *animation.delays.last().unwrap();
    assert!(
        animation.delays[1..40].iter().all(|&d| d > 0 && d < last),
        "the finished paths are held longest: {:?}",
        animation.delays
    );
    assert_eq!(summary(&dir)["runs"][0]["steps"], 40);
}

#[test]
fn paths_grow_from_the_start_to_their_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let gif = run_file(
        tmp.path(),
        "bowl",
        &bowl(60, (640, 480)),
        &Overrides::default(),
        true,
    );
    let animation = Animation::decode(&gif);
    let last = animation.frames.len() - 1;
    let mut ends = Vec::new();
    for color in [BLUE, VERMILLION] {
        // The end is marked by a cross in the run's darker shade, in the last frame only.
        assert!(animation.pixels_of(0, end_shade(color)).is_empty());
        let cross = animation.pixels_of(last, end_shade(color));
        assert!(cross.len() > 10, "{color:?}: the end is marked");
        let end = centroid(&cross);
        ends.push(end);
        // The path, in the run's colour, reaches the end in the last frame; in the first
        // there is nothing of it there (only the start marker and the legend have the colour).
        let at_last = animation.pixels_of(last, color);
        let at_first = animation.pixels_of(0, color);
        assert!(
            near(&at_last, end, 12.0) > 5,
            "{color:?}: the path reaches its end {end:?}"
        );
        assert_eq!(near(&at_first, end, 25.0), 0, "{color:?}: no path at first");
        assert!(
            at_last.len() > at_first.len() + 200,
            "{color:?}: the path is drawn: {} pixels, then {}",
            at_first.len(),
            at_last.len()
        );
        // Half way, part of the path is there: more of the colour than at first, less than
        // at the end.
        let middle = animation.pixels_of(last / 2, color).len();
        assert!(at_first.len() < middle && middle < at_last.len());
    }
    // Both runs end near the minimum, so near each other, far from their common start.
    let (a, b) = (ends[0], ends[1]);
    assert!((a.0 - b.0).hypot(a.1 - b.1) < 40.0, "{ends:?}");
}

#[test]
fn a_long_run_stays_under_200_frames_and_3_mb_and_gives_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    // Noisy gradients scribble: the hardest case for the encoder. 398 steps make exactly
    // 200 frames, two steps each.
    let text = "steps = 398\nseed = 5\n[surface]\nkind = \"rosenbrock\"\n[noise]\nstd = 2.0\n\
                [plot]\nwidth = 800\nheight = 600\nformats = [\"gif\"]\n\
                [[optimizer]]\nkind = \"sgd\"\nlr = 0.001\n\
                [[optimizer]]\nkind = \"momentum\"\nlr = 0.0005\n\
                [[optimizer]]\nkind = \"rmsprop\"\nlr = 0.01\n\
                [[optimizer]]\nkind = \"adam\"\nlr = 0.05\n\
                [[optimizer]]\nkind = \"nesterov\"\nlr = 0.0005\n";
    // The grid keeps its default size: the background's detail is part of what the encoder
    // has to fit under 3 MB.
    let gif = run_file(tmp.path(), "noisy", text, &Overrides::default(), false);
    let animation = Animation::decode(&gif);
    assert_eq!((animation.width, animation.height), (800, 600));
    assert_eq!(animation.frames.len(), 200);
    assert!(gif.len() < 3_000_000, "{} bytes", gif.len());
    std::fs::remove_dir_all(tmp.path().join("out")).unwrap();
    assert_eq!(
        run_file(tmp.path(), "noisy", text, &Overrides::default(), false),
        gif,
        "same input, same bytes"
    );
}

#[test]
fn many_steps_are_thinned_to_at_most_200_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let gif = run_file(
        tmp.path(),
        "bowl",
        // Noise keeps both runs moving for all 5000 steps (exact ones stop once they rest).
        &format!("{}[noise]\nstd = 0.1\n", bowl(1000, (500, 375))),
        &Overrides {
            steps: Some(5000),
            ..Overrides::default()
        },
        true,
    );
    let animation = Animation::decode(&gif);
    // 5000 steps, 26 a frame: 0, 26, …, 4992 and the last.
    assert_eq!(animation.frames.len(), 194);
}

#[test]
fn a_diverging_run_is_animated_up_to_the_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[surface]\nkind = \"quadratic\"\n[plot]\nwidth = 500\nheight = 375\n\
                [[optimizer]]\nkind = \"sgd\"\nlr = 0.5\n";
    let gif = run_file(
        tmp.path(),
        "wild",
        text,
        &crate::formats(&["gif", "png"]),
        true,
    );
    let dir = tmp.path().join("out/wild");
    assert_eq!(summary(&dir)["runs"][0]["status"], "diverged");
    assert!(dir.join("trajectories.png").exists() && dir.join("loss.png").exists());
    let animation = Animation::decode(&gif);
    // Diverged at step 6: the start and six steps.
    assert_eq!(animation.frames.len(), 7);
    // The triangle where it left the plot, in the run's colour, appears at the end.
    let last = animation.frames.len() - 1;
    assert!(animation.pixels_of(last, BLUE).len() > animation.pixels_of(0, BLUE).len());
}

#[test]
fn gif_is_a_format_of_the_command_line_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    // run --steps 5 --format gif configs/saddle.toml
    let overrides = Overrides {
        steps: Some(5),
        ..crate::formats(&["gif"])
    };
    assert!(overrides.validate().is_ok());
    crate::run_small(&configs().join("saddle.toml"), &overrides, tmp.path());
    let dir = tmp.path().join("saddle");
    assert!(dir.join("trajectories.gif").exists());
    assert!(!dir.join("trajectories.png").exists());

    // compare --opt sgd --format webp
    let request = optplay::config::CompareRequest {
        optimizers: crate::optimizers(&["sgd"]),
        formats: Some(vec!["webp".to_string()]),
        ..Default::default()
    };
    let error = AppError::from(config::compare_experiment(&request).unwrap_err());
    assert_eq!(error.exit_code(), 2);
    let message = error.to_string();
    assert!(message.contains("png, svg, gif"), "{message}");

    let source = "[surface]\nkind = \"saddle\"\n[plot]\nformats = [\"gift\"]\n\
                  [[optimizer]]\nkind = \"sgd\"\n";
    let error = AppError::Config(config::check(source, Path::new("bad.toml")).unwrap_err());
    assert_eq!(error.exit_code(), 2);
    let message = error.to_string();
    assert!(message.contains("gif"), "{message}");
}
