//! Figures end to end: bytes, sizes, text, and no panics on awkward input.

use ndarray::arr1;

use super::*;
use crate::core::optim::adam::Adam;
use crate::core::optim::sgd::Sgd;
use crate::core::{Evaluations, Limits, RunSpec, Schedule, Status, Surface, Window, run};

fn sgd(lr: f64, momentum: f64) -> RunSpec {
    RunSpec {
        optimizer: std::sync::Arc::new(Sgd {
            momentum,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }),
        schedule: Schedule::Constant,
        lr,
    }
}

fn adam(lr: f64) -> RunSpec {
    RunSpec {
        optimizer: std::sync::Arc::new(Adam {
            betas: (0.9, 0.999),
            eps: 1e-7,
            weight_decay: 0.0,
            amsgrad: false,
            decoupled_weight_decay: false,
            bias_correction: true,
        }),
        schedule: Schedule::Constant,
        lr,
    }
}

fn traces(
    surface: &std::sync::Arc<dyn Surface>,
    start: [f64; 2],
    specs: &[RunSpec],
    steps: u64,
) -> Vec<Trace> {
    let limits = Limits {
        steps,
        tolerance: None,
    };
    specs
        .iter()
        .map(|s| {
            run(
                surface,
                None,
                s,
                arr1(&start).view(),
                limits,
                &crate::core::Cancel::new(),
            )
        })
        .collect()
}

const LABELS: [&str; 8] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
];

fn scene<'a>(surface: &dyn Surface, grid: &'a Grid, traces: &'a [Trace]) -> Scene<'a> {
    Scene {
        title: "test".into(),
        formula: surface.formula(),
        grid,
        minima: surface.minima(),
        saddles: surface.saddles(),
        min_value: surface.min_value(),
        runs: traces
            .iter()
            .enumerate()
            .map(|(i, trace)| PlotRun {
                label: LABELS[i % 8],
                legend: format!("{} (lr=0.1)", LABELS[i % 8]),
                trace,
                snapshots: vec![3, 10_000],
            })
            .collect(),
        levels: 20,
        log_levels: None,
        width: 500,
        height: 400,
        scale: 1.0,
        x_axis: LossAxis::Steps,
        smooth: None,
        log_x: false,
    }
}

fn check_png(bytes: &[u8], w: u32, h: u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).unwrap();
    assert_eq!((img.width(), img.height()), (w, h));
}

fn check_svg(bytes: &[u8], labels: &[&str]) -> String {
    let svg = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("<text"));
    for l in labels {
        assert!(svg.contains(l), "label {l} missing");
    }
    assert!(!svg.contains("NaN"), "NaN in SVG");
    assert!(!svg.contains("inf"), "inf in SVG");
    svg
}

/// The frames of a GIF as the viewer shows them (each over the ones before), RGB.
fn gif_frames(bytes: &[u8], w: u32, h: u32) -> Vec<Vec<[u8; 3]>> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(bytes).unwrap();
    assert_eq!((decoder.width() as u32, decoder.height() as u32), (w, h));
    let mut shown = vec![[255u8; 3]; w as usize * h as usize];
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        let fw = frame.width as usize;
        for (k, rgba) in frame.buffer.chunks_exact(4).enumerate() {
            if rgba[3] != 0 {
                let (x, y) = (frame.left as usize + k % fw, frame.top as usize + k / fw);
                shown[y * w as usize + x] = [rgba[0], rgba[1], rgba[2]];
            }
        }
        frames.push(shown.clone());
    }
    assert!(!frames.is_empty() && frames.len() <= animation::MAX_FRAMES);
    assert_eq!(decoder.repeat(), gif::Repeat::Infinite);
    frames
}

/// Both figures in both formats, and the animation; `labels` must show in the
/// trajectories, `loss_labels` in the loss figure.
fn both(scene: &Scene, labels: &[&str], loss_labels: &[&str]) {
    for (f, want) in [(trajectories as Figure, labels), (loss, loss_labels)] {
        check_png(&f(scene, Format::Png).unwrap(), scene.width, scene.height);
        check_svg(&f(scene, Format::Svg).unwrap(), want);
    }
    let gif = trajectories(scene, Format::Gif).unwrap();
    gif_frames(&gif, scene.width, scene.height);
    assert!(loss(scene, Format::Gif).is_err(), "no loss animation");
}

type Figure = fn(&Scene, Format) -> Result<Vec<u8>, PlotError>;

#[test]
fn formats_parse_and_name_their_extension() {
    assert_eq!("png".parse::<Format>().unwrap(), Format::Png);
    assert_eq!(" SVG".parse::<Format>().unwrap(), Format::Svg);
    assert_eq!("gif".parse::<Format>().unwrap(), Format::Gif);
    assert!("webp".parse::<Format>().is_err());
    assert_eq!(Format::Svg.extension(), "svg");
    assert_eq!(Format::Gif.extension(), "gif");
}

#[test]
fn saddle_figures_are_valid_png_and_svg_with_text() {
    let s = crate::core::registry::default_surface("saddle").unwrap();
    let grid = Grid::sample(&s, s.window(), 80, 80);
    let t = traces(
        &s,
        [1.0, 0.001],
        &[sgd(0.05, 0.0), sgd(0.05, 0.9), adam(0.1)],
        80,
    );
    let sc = scene(&s, &grid, &t);
    both(
        &sc,
        &["alpha", "bravo", "charlie", "saddle point", "test — f = x²"],
        &[
            "alpha",
            "bravo",
            "charlie",
            "learning rate",
            "f − f*",
            "step",
        ],
    );
    // The background is one embedded image, not a rect per pixel.
    let svg = String::from_utf8(trajectories(&sc, Format::Svg).unwrap()).unwrap();
    assert_eq!(
        svg.matches("<image").count(),
        2,
        "background and colour bar"
    );
    assert!(svg.matches("<rect").count() < 50);
}

#[test]
fn a_diverged_run_is_drawn_to_the_frame_and_named() {
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let grid = Grid::sample(&s, s.window(), 60, 60);
    let t = traces(&s, [-3.0, 2.0], &[sgd(0.5, 0.0), sgd(0.05, 0.0)], 200);
    assert!(matches!(t[0].status, Status::Diverged { .. }));
    let sc = scene(&s, &grid, &t);
    both(
        &sc,
        &["diverged at step 6", "diverged: last point in view"],
        &["diverged at step 6"],
    );
}

#[test]
fn empty_single_row_and_huge_traces_do_not_panic() {
    let s = crate::core::registry::default_surface("rosenbrock").unwrap();
    let grid = Grid::sample(&s, s.window(), 50, 50);
    let blank = |points: Vec<f64>, status| Trace {
        dim: 2,
        loss: points.chunks(2).map(|p| s.value2([p[0], p[1]])).collect(),
        grad_norm: vec![1.0; points.len() / 2],
        lr: vec![0.1; (points.len() / 2).saturating_sub(1)],
        points,
        status,
        evaluations: Evaluations::default(),
        evaluations_at: Vec::new(),
    };
    let t = vec![
        blank(vec![], Status::MaxSteps),
        blank(vec![0.5, 0.5], Status::MaxSteps),
        blank(
            vec![0.0, 0.0, 3e5, -2e5, -9e5, 9e5, 1e300, -1e300],
            Status::Diverged { step: 3 },
        ),
        Trace {
            dim: 1,
            points: vec![1.0, 2.0],
            loss: vec![1.0, 0.5],
            grad_norm: vec![1.0, 1.0],
            lr: vec![0.1],
            status: Status::MaxSteps,
            evaluations: Evaluations::default(),
            evaluations_at: Vec::new(),
        },
    ];
    let sc = scene(&s, &grid, &t);
    both(&sc, &["alpha", "delta"], &["alpha", "delta"]);
    let no_runs = Scene {
        runs: Vec::new(),
        ..sc.clone()
    };
    both(&no_runs, &[], &[]);
}

#[test]
fn eight_runs_and_a_flat_grid_do_not_panic() {
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let mut grid = Grid::sample(
        &s,
        Window {
            x: [-1.0, 1.0],
            y: [-1.0, 1.0],
        },
        30,
        30,
    );
    grid.values.iter_mut().for_each(|v| *v = 2.5);
    let specs: Vec<RunSpec> = (0..8).map(|k| sgd(0.01 * (k + 1) as f64, 0.5)).collect();
    let t = traces(&s, [-0.8, 0.7], &specs, 30);
    let mut sc = scene(&s, &grid, &t);
    for log in [None, Some(true)] {
        sc.log_levels = log;
        both(&sc, &LABELS, &LABELS);
    }
}

#[test]
fn a_single_run_at_the_default_size() {
    let s = crate::core::registry::default_surface("rosenbrock").unwrap();
    let grid = Grid::sample(&s, s.window(), 300, 300);
    let t = traces(&s, [-1.2, 1.0], &[adam(0.05)], 500);
    let mut sc = scene(&s, &grid, &t);
    sc.width = 1000;
    sc.height = 800;
    sc.levels = 30;
    both(&sc, &["alpha", "f − f*", "minimum"], &["alpha", "f − f*"]);
    let svg = trajectories(&sc, Format::Svg).unwrap();
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
}

#[test]
fn the_step_counter_counts_in_the_strip_above_the_plot() {
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let grid = Grid::sample(&s, s.window(), 60, 60);
    let t = traces(&s, [-3.0, 2.0], &[sgd(0.02, 0.9), adam(0.1)], 30);
    let sc = scene(&s, &grid, &t);
    let frames = gif_frames(
        &trajectories(&sc, Format::Gif).unwrap(),
        sc.width,
        sc.height,
    );
    assert_eq!(frames.len(), 31);
    // Where the still figure puts the plot.
    style::register_fonts();
    let mut buffer = vec![255u8; sc.width as usize * sc.height as usize * 3];
    let root = BitMapBackend::with_buffer(&mut buffer, (sc.width, sc.height)).into_drawing_area();
    let prepared = Prepared::new(&sc);
    let layout = trajectories::draw_prepared(
        &sc,
        &prepared,
        &root,
        trajectories::Paths::Omitted,
        trajectories::Contours::InRaster,
    )
    .unwrap();
    let (x, y, _, _) = layout.plot;
    let strip = |frame: &[[u8; 3]]| -> Vec<[u8; 3]> {
        (y as usize - 26..y as usize - 2)
            .flat_map(|row| (x as usize..x as usize + 140).map(move |col| (row, col)))
            .map(|(row, col)| frame[row * sc.width as usize + col])
            .collect()
    };
    let dark = |pixels: &[[u8; 3]]| pixels.iter().filter(|c| c.iter().all(|&v| v < 90)).count();
    let (first, middle, last) = (strip(&frames[0]), strip(&frames[15]), strip(&frames[30]));
    assert!(
        dark(&first) > 40,
        "the counter's text is there from the start"
    );
    assert!(first != middle && middle != last, "and it counts");
}

#[test]
fn sizes_out_of_range_are_errors_not_panics() {
    let s = crate::core::registry::default_surface("saddle").unwrap();
    let grid = Grid::sample(&s, s.window(), 20, 20);
    let mut sc = scene(&s, &grid, &[]);
    sc.width = 10;
    assert!(trajectories(&sc, Format::Png).is_err());
    assert!(trajectories(&sc, Format::Gif).is_err());
    assert!(loss(&sc, Format::Svg).is_err());
}

/// Every text of an SVG with the x and y it is drawn at.
fn svg_texts(svg: &str) -> Vec<(f64, f64, String)> {
    let attribute = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        let end = tag[at..].find('"').expect("closing quote");
        tag[at..at + end].parse().expect("a number")
    };
    svg.split("<text")
        .skip(1)
        .map(|piece| {
            let (tag, rest) = piece.split_once('>').expect("tag end");
            let text = rest.split("</text>").next().unwrap_or("").trim();
            (attribute(tag, "x"), attribute(tag, "y"), text.to_string())
        })
        .collect()
}

#[test]
fn a_late_divergence_is_marked_at_its_own_step_even_off_the_scale() {
    // learning_rates: lr 0.105 on the bowl ½(x² + 20y²) grows 1.1 times a step: the loss
    // leaves an axis kept for the others after about 40 steps, the run diverges after 137.
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let grid = Grid::sample(&s, s.window(), 40, 40);
    let t = traces(&s, [-3.0, 2.0], &[sgd(0.105, 0.0), sgd(0.03, 0.0)], 300);
    let Status::Diverged { step } = t[0].status else {
        panic!("{:?}", t[0].status)
    };
    assert!(step > 100, "diverged at {step}");
    let mut sc = scene(&s, &grid, &t);
    sc.width = 1000;
    sc.height = 800;
    let svg = String::from_utf8(loss(&sc, Format::Svg).unwrap()).unwrap();
    let texts = svg_texts(&svg);
    let written = format!("diverged at step {step}");
    // In the legend and at the mark.
    assert_eq!(texts.iter().filter(|t| t.2.contains(&written)).count(), 2);
    // The step axis' labels say where steps 0 and 300 are drawn.
    let at = |label: &str| {
        texts
            .iter()
            .filter(|t| t.2 == label)
            .map(|t| t.0)
            .fold(f64::NAN, f64::max)
    };
    let (x0, x300) = (at("0"), at("300"));
    let x_step = x0 + (x300 - x0) * (t[0].steps() as f64 / 300.0);
    // The arrow head is the only filled polygon: its tip at the run's last step, at the top
    // of the upper panel, pointing up, wholly inside the figure.
    let polygon = svg
        .split("<polygon")
        .nth(1)
        .and_then(|p| p.split("points=\"").nth(1))
        .and_then(|p| p.split('"').next())
        .expect("an arrow head");
    let points: Vec<(f64, f64)> = polygon
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    let tip = points[0];
    assert!(
        (tip.0 - x_step).abs() <= 2.0,
        "tip at {tip:?}, step at {x_step}"
    );
    assert!(
        points[1..].iter().all(|p| p.1 > tip.1),
        "points up: {points:?}"
    );
    let top_tick = texts
        .iter()
        .filter(|t| t.2.starts_with("10"))
        .map(|t| t.1)
        .fold(f64::INFINITY, f64::min);
    assert!(
        tip.1 > 40.0 && tip.1 < top_tick,
        "tip {tip:?}, top tick at {top_tick}"
    );
    // Its text beside it, on the same level, inside the figure.
    let mark = texts.iter().find(|t| t.2 == written).unwrap();
    assert!((mark.1 - tip.1).abs() < 40.0 && mark.0 > 0.0 && mark.0 < 1000.0);
}

#[test]
fn a_surface_without_a_minimum_shows_f_on_a_symlog_axis() {
    // The saddle with c = 0 has no minimum: a run racing to −∞ must not look converged.
    let unbounded: std::sync::Arc<dyn Surface> =
        std::sync::Arc::new(crate::core::surface::saddle::Saddle {
            a: 1.0,
            b: 0.5,
            c: 0.0,
        });
    assert_eq!(unbounded.min_value(), None);
    let grid = Grid::sample(
        &unbounded,
        Window {
            x: [-2.0, 2.0],
            y: [-2.0, 2.0],
        },
        30,
        30,
    );
    let t = traces(
        &unbounded,
        [1.0, 0.001],
        &[sgd(0.04, 0.0), sgd(0.04, 0.9)],
        200,
    );
    let sc = scene(unbounded.as_ref(), &grid, &t);
    let svg = check_svg(&loss(&sc, Format::Svg).unwrap(), &["f (symlog)", "step"]);
    assert!(!svg.contains("f − f*") && !svg.contains("min loss"));
    // Negative ticks: the dive is drawn where it goes.
    let texts = svg_texts(&svg);
    assert!(
        texts
            .iter()
            .any(|t| t.2.starts_with('−') && t.2.contains("10")),
        "{texts:?}"
    );
}

#[test]
fn smoothing_draws_the_average_over_the_faint_raw_curve() {
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let grid = Grid::sample(&s, s.window(), 30, 30);
    let t = traces(&s, [-3.0, 2.0], &[sgd(0.098, 0.0), sgd(0.03, 0.0)], 120);
    let mut sc = scene(&s, &grid, &t);
    let faint = |svg: &str| svg.matches("opacity=\"0.35\"").count();
    let raw = String::from_utf8(loss(&sc, Format::Svg).unwrap()).unwrap();
    assert_eq!(faint(&raw), 0);
    sc.smooth = Some(0.9);
    let svg = check_svg(&loss(&sc, Format::Svg).unwrap(), &["f − f* (smoothed 0.9)"]);
    assert!(faint(&svg) >= 2, "a faint raw curve per run");
    check_png(&loss(&sc, Format::Png).unwrap(), sc.width, sc.height);
}

#[test]
fn a_log_step_axis_starts_at_step_one() {
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let grid = Grid::sample(&s, s.window(), 30, 30);
    let t = traces(&s, [-3.0, 2.0], &[sgd(0.098, 0.0), adam(0.1)], 1000);
    let mut sc = scene(&s, &grid, &t);
    sc.log_x = true;
    let svg = check_svg(
        &loss(&sc, Format::Svg).unwrap(),
        &["step (log scale, from step 1)"],
    );
    let labels: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.2).collect();
    // Every log axis labels its decades as powers of ten.
    for decade in ["10⁰", "10¹", "10²", "10³"] {
        assert!(labels.iter().any(|l| l == decade), "{decade} in {labels:?}");
    }
    // Evaluations start at 1 too (the start's gradient), so the caption says only "log".
    sc.x_axis = LossAxis::Evaluations;
    check_svg(
        &loss(&sc, Format::Svg).unwrap(),
        &["gradient evaluations (log scale)"],
    );
    // One step only, or none: still a figure.
    let short = traces(&s, [-3.0, 2.0], &[sgd(0.098, 0.0)], 1);
    let sc = Scene {
        log_x: true,
        smooth: Some(0.5),
        ..scene(&s, &grid, &short)
    };
    check_png(&loss(&sc, Format::Png).unwrap(), sc.width, sc.height);
}

#[test]
fn minima_saddles_and_the_start_are_drawn_over_every_path() {
    // Every run starts on the saddle's ridge and several end on the minimum: their marks
    // must still show whole.
    let s = crate::core::registry::default_surface("saddle").unwrap();
    let grid = Grid::sample(&s, s.window(), 60, 60);
    let t = traces(
        &s,
        [0.0, 0.001],
        &[sgd(0.05, 0.0), sgd(0.05, 0.9), adam(0.1)],
        300,
    );
    let sc = scene(&s, &grid, &t);
    let png = trajectories(&sc, Format::Png).unwrap();
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    style::register_fonts();
    let mut buffer = vec![255u8; sc.width as usize * sc.height as usize * 3];
    let root = BitMapBackend::with_buffer(&mut buffer, (sc.width, sc.height)).into_drawing_area();
    let layout = trajectories::draw_prepared(
        &sc,
        &Prepared::new(&sc),
        &root,
        trajectories::Paths::Drawn,
        trajectories::Contours::InRaster,
    )
    .unwrap();
    use plotters::coord::CoordTranslate;
    let at = |p: [f64; 2]| {
        let (x, y) = layout.coord.translate(&(p[0], p[1]));
        img.get_pixel(x as u32, y as u32).0
    };
    for m in s.minima() {
        assert_eq!(at(m), [255, 255, 255], "the star at {m:?} is filled white");
    }
    // The saddle point is where the runs start: the start dot is drawn over the diamond.
    let start = trajectories::START_FILL;
    assert_eq!(at([0.0, 0.001]), [start.0, start.1, start.2]);
}

#[test]
fn wide_tick_labels_keep_clear_of_the_axis_captions() {
    // Rates 0.015 and 0.0012 put the lr panel on a log axis labelled 5×10⁻³ and 2×10⁻³,
    // wider than the 10⁻¹ a loss axis shows: the room left of the panels grows to hold them.
    let s = crate::core::registry::default_surface("quadratic").unwrap();
    let grid = Grid::sample(&s, s.window(), 30, 30);
    let t = traces(&s, [-3.0, 2.0], &[sgd(0.0151, 0.0), sgd(0.0012, 0.9)], 400);
    let sc = Scene {
        width: 1000,
        height: 800,
        ..scene(&s, &grid, &t)
    };
    let img = image::load_from_memory_with_format(
        &loss(&sc, Format::Png).unwrap(),
        image::ImageFormat::Png,
    )
    .unwrap()
    .to_rgb8();
    let layout = inspect_loss(&sc).unwrap();
    for (left, top, _, height) in layout.plots {
        // Columns left of the tick marks holding ink in the panel's rows: the caption, then
        // the tick labels, with white between them.
        let inked: Vec<bool> = (0..(left - 8).max(0) as u32)
            .map(|x| (top as u32..top as u32 + height).any(|y| img.get_pixel(x, y).0 != [255; 3]))
            .collect();
        // Runs of inked columns: (first, width).
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (x, &ink) in inked.iter().enumerate() {
            match runs.last_mut() {
                Some((first, width)) if ink && *first + *width == x => *width += 1,
                _ if ink => runs.push((x, 1)),
                _ => {}
            }
        }
        // The caption stands alone: as wide as its (rotated) line of text with descenders.
        let caption_height = sizes_text_height(&sc);
        assert!(
            runs.len() >= 2 && runs[0].1 <= caption_height * 13 / 10,
            "the caption and the tick labels run together left of the panel at x = {left}: {runs:?}"
        );
    }
}

/// The height of the axis captions' text, in pixels.
fn sizes_text_height(sc: &Scene) -> usize {
    let sizes = style::Sizes::new(sc.width, sc.height, sc.scale);
    (sizes.axis_desc_font() / 1.24).ceil() as usize
}
