//! The network figures end to end: synthetic scenes (1, 2, 4 and 7 runs; 2, 3 and 10
//! classes; with and without validation; a run that diverged) rendered in both formats, and
//! what a reader relies on found at the pixels the layout says it is.

use super::boundaries::{BoundaryLayout, RING_RADIUS};
use super::curves::CurvesLayout;
use super::digits::{DigitsLayout, cell_color};
use super::regions::{CLASS_COLORS, RING, class_color, ring_contrast_at_least};
use super::*;
use crate::plot::style::{RGBColor, run_color};

mod after;
mod scenes;

use scenes::*;

fn pixel(buf: &[u8], width: u32, (x, y): (i32, i32)) -> [u8; 3] {
    let at = (y as usize * width as usize + x as usize) * 3;
    [buf[at], buf[at + 1], buf[at + 2]]
}

fn rgb(c: RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

/// How many pixels of `rect` are exactly `color`.
fn count(buf: &[u8], width: u32, (x, y, w, h): Rect, color: [u8; 3]) -> usize {
    (y..y + h as i32)
        .flat_map(|yy| (x..x + w as i32).map(move |xx| (xx, yy)))
        .filter(|&p| pixel(buf, width, p) == color)
        .count()
}

fn draw_curves(scene: &CurvesScene) -> (Vec<u8>, CurvesLayout) {
    raster((scene.width, scene.height), |root| {
        curves::draw(scene, root)
    })
    .expect("curves draw")
}

fn draw_boundaries(scene: &BoundaryScene) -> (Vec<u8>, BoundaryLayout) {
    raster((scene.width, scene.height), |root| {
        boundaries::draw(scene, root)
    })
    .expect("boundaries draw")
}

fn draw_digits(scene: &DigitsScene) -> (Vec<u8>, DigitsLayout) {
    raster((scene.width, scene.height), |root| {
        digits::draw(scene, root)
    })
    .expect("digits draw")
}

/// PNG and SVG bytes of a figure, checked to be what they say; the PNG written to the folder
/// `OPTPLAY_FIGURES_TO` names, if it is set, to be looked at.
fn renders_in_both_formats<S>(
    name: &str,
    scene: &S,
    figure: fn(&S, Format) -> Result<Vec<u8>, PlotError>,
) {
    let png = figure(scene, Format::Png).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    let svg = figure(scene, Format::Svg).unwrap_or_else(|e| panic!("{name}: {e}"));
    let svg = String::from_utf8(svg).expect("utf-8");
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{name}"
    );
    to_look_at(&format!("{name}.png"), &png);
}

/// Writes a figure to the folder `OPTPLAY_FIGURES_TO` names, if it is set.
fn to_look_at(file: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("OPTPLAY_FIGURES_TO") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("the folder");
        std::fs::write(dir.join(file), bytes).expect("written");
    }
}

#[test]
fn every_scene_looked_at_renders_in_both_formats() {
    let one = curves_scene(vec![run("adam", 2000, 1.0, 0.15, true)]);
    let two = curves_scene(vec![
        run("sgd", 2000, 0.6, 0.02, true),
        run("adam", 2000, 2.0, 0.2, true),
    ]);
    let mut four_plain = curves_scene(
        (0..4)
            .map(|k| {
                run(
                    ["sgd", "momentum", "adam", "rmsprop"][k],
                    2000,
                    0.5 + k as f64,
                    0.0,
                    false,
                )
            })
            .collect(),
    );
    four_plain.title = "moons".into();
    let seven = curves_scene(seven_runs());
    let mut log_x = curves_scene(seven_runs());
    log_x.log_x = true;
    for (name, scene) in [
        ("curves_1", one),
        ("curves_2", two),
        ("curves_4_no_validation", four_plain),
        ("curves_7_diverged", seven),
        ("curves_7_log_x", log_x),
    ] {
        renders_in_both_formats(name, &scene, curves);
    }
    for (name, scene) in [
        ("boundaries_1_2classes", boundary_scene(2, 1, true)),
        ("boundaries_2_3classes", boundary_scene(3, 2, true)),
        ("boundaries_4_10classes", boundary_scene(10, 4, true)),
        (
            "boundaries_7_3classes_no_validation",
            boundary_scene(3, 7, false),
        ),
    ] {
        renders_in_both_formats(name, &scene, boundaries);
    }
    for (name, scene) in [
        ("digits_1", digits_scene(1)),
        ("digits_2", digits_scene(2)),
        ("digits_4", digits_scene(4)),
    ] {
        renders_in_both_formats(name, &scene, digits);
    }
}

/// The pixel row of value `v` on a panel's y axis.
fn row_of((_, top, _, h): Rect, axis: &crate::plot::axis::Axis, v: f64) -> i32 {
    top + ((axis.hi - v) / (axis.hi - axis.lo) * f64::from(h)).round() as i32
}

/// Runs of `color` along one pixel row of `rect`: a dashed line has many, a solid one one.
fn segments(buf: &[u8], width: u32, (x, _, w, _): Rect, y: i32, color: [u8; 3]) -> usize {
    let on: Vec<bool> = (x..x + w as i32)
        .map(|xx| pixel(buf, width, (xx, y)) == color)
        .collect();
    on.windows(2).filter(|p| p[1] && !p[0]).count() + usize::from(on.first() == Some(&true))
}

#[test]
fn every_run_shows_in_both_panels_in_its_colour() {
    for runs in [
        vec![run("adam", 2000, 1.0, 0.15, true)],
        (0..4)
            .map(|k| run("sgd", 2000, 0.5 + k as f64, 0.0, false))
            .collect(),
        seven_runs(),
    ] {
        let scene = curves_scene(runs);
        let (buf, layout) = draw_curves(&scene);
        for (i, _) in scene.runs.iter().enumerate() {
            for (p, panel) in layout.panels.iter().enumerate() {
                let n = count(&buf, scene.width, *panel, rgb(run_color(i)));
                assert!(n > 30, "run {i} has {n} pixels in panel {p}");
            }
        }
        // The legends stand above the panels, within the figure.
        let top = layout.panels[0].1;
        for (x, y, w, h) in [layout.legend, layout.styles].into_iter().flatten() {
            assert!(y + h as i32 <= top, "a legend over the loss panel");
            assert!(x >= 0 && x + w as i32 <= scene.width as i32);
        }
    }
}

#[test]
fn validation_is_dashed_and_only_drawn_when_there_is_validation() {
    // Flat lines: training at 90%, validation at 50%.
    let mut r = run("adam", 1000, 1.0, 0.0, true);
    r.train_accuracy.iter_mut().for_each(|a| *a = 0.9);
    r.val_accuracy.iter_mut().for_each(|a| *a = 0.5);
    let scene = curves_scene(vec![r.clone()]);
    let (buf, layout) = draw_curves(&scene);
    let panel = layout.panels[1];
    let blue = rgb(run_color(0));
    let most = |v: f64| {
        let y = row_of(panel, &layout.y[1], v);
        (y - 2..=y + 2)
            .map(|y| segments(&buf, scene.width, panel, y, blue))
            .max()
            .unwrap_or(0)
    };
    assert_eq!(most(90.0), 1, "training solid");
    assert!(most(50.0) >= 20, "validation dashed: {} dashes", most(50.0));
    assert!(layout.styles.is_some());
    let svg = String::from_utf8(curves(&scene, Format::Svg).unwrap()).unwrap();
    assert!(svg.contains("validation"));

    r.val_accuracy.clear();
    r.val_loss.clear();
    let scene = curves_scene(vec![r]);
    let (buf, layout) = draw_curves(&scene);
    let (x, top, w, h) = layout.panels[1];
    let line = row_of(layout.panels[1], &layout.y[1], 90.0);
    // Nothing of the run's colour but its training line.
    let elsewhere = count(
        &buf,
        scene.width,
        (x, top, w, (line - 4 - top) as u32),
        blue,
    ) + count(
        &buf,
        scene.width,
        (x, line + 4, w, (top + h as i32 - line - 4).max(0) as u32),
        blue,
    );
    assert_eq!(elsewhere, 0, "no dashes");
    assert!(layout.styles.is_none());
    let svg = String::from_utf8(curves(&scene, Format::Svg).unwrap()).unwrap();
    assert!(
        !svg.contains("validation"),
        "the legend does not mention validation"
    );
}

#[test]
fn the_accuracy_axis_starts_at_a_round_ten_and_the_loss_axis_says_its_scale() {
    let mut high = run("adam", 1000, 1.0, 0.0, true);
    for a in high.train_accuracy.iter_mut().chain(&mut high.val_accuracy) {
        *a = 0.87 + 0.1 * *a;
    }
    let (_, layout) = draw_curves(&curves_scene(vec![high.clone()]));
    let accuracy = &layout.y[1];
    assert!(accuracy.lo < 80.0 && accuracy.lo > 78.0, "{}", accuracy.lo);
    assert!(
        accuracy.hi > 100.0 && accuracy.hi < 101.0,
        "{}",
        accuracy.hi
    );
    // From near chance: from 0.
    let (_, layout) = draw_curves(&curves_scene(vec![run("sgd", 1000, 1.0, 0.0, true)]));
    assert!(layout.y[1].lo < 0.0 && layout.y[1].lo > -3.5);
    assert!(layout.y[0].log, "positive losses: a log axis");
    let svg = String::from_utf8(curves(&curves_scene(vec![high.clone()]), Format::Svg).unwrap());
    assert!(svg.unwrap().contains("loss (log scale)"));
    // A loss of 0 cannot go on a log axis: linear, and said so by saying nothing.
    high.train_loss[3] = 0.0;
    let (_, layout) = draw_curves(&curves_scene(vec![high.clone()]));
    assert!(!layout.y[0].log);
    let svg = String::from_utf8(curves(&curves_scene(vec![high]), Format::Svg).unwrap());
    assert!(!svg.unwrap().contains("log scale"));
}

#[test]
fn a_diverged_run_is_marked_where_its_curves_end() {
    let scene = curves_scene(seven_runs());
    let svg = String::from_utf8(curves(&scene, Format::Svg).unwrap()).unwrap();
    // In the legend, and at the end of its curve in each panel.
    assert_eq!(svg.matches("diverged at step 600").count(), 3, "{svg:.0}");
    let (buf, layout) = draw_curves(&scene);
    // The mark is drawn in the run's colour with a black outline right of where its
    // accuracy curve ends (step 590) and nowhere further right.
    let colour = rgb(run_color(6));
    let (px, py, pw, ph) = layout.panels[1];
    let end = px + ((590.0 - layout.x.lo) / (layout.x.hi - layout.x.lo) * f64::from(pw)) as i32;
    let beyond = count(
        &buf,
        scene.width,
        (end + 30, py, pw - (end + 30 - px) as u32, ph),
        colour,
    );
    assert_eq!(beyond, 0, "the curve stops at its divergence");
    let at_end = count(&buf, scene.width, (end - 12, py, 24, ph), colour);
    assert!(at_end > 20, "{at_end}");
}

#[test]
fn one_panel_per_run_in_rows_of_up_to_three() {
    for (panels, rows) in [(1, 1), (2, 1), (4, 2), (7, 3)] {
        let scene = boundary_scene(3, panels, panels != 7);
        let (_, layout) = draw_boundaries(&scene);
        assert_eq!(layout.panels.len(), panels);
        let mut tops: Vec<i32> = layout.panels.iter().map(|p| p.1).collect();
        tops.dedup();
        assert_eq!(tops.len(), rows, "{panels} panels");
        let size = (layout.panels[0].2, layout.panels[0].3);
        assert!(layout.panels.iter().all(|p| (p.2, p.3) == size), "one size");
        assert!(
            size.0 >= 300 && size.0 == size.1,
            "a square window, square panels: {size:?}"
        );
        // No panel meets another; the legend stands above all of them.
        for (k, a) in layout.panels.iter().enumerate() {
            for b in &layout.panels[k + 1..] {
                let apart = a.0 + a.2 as i32 <= b.0 || b.0 + b.2 as i32 <= a.0;
                assert!(apart || a.1 + a.3 as i32 <= b.1 || b.1 + b.3 as i32 <= a.1);
            }
        }
        let (_, ly, _, lh) = layout.legend.expect("a legend");
        assert!(ly + lh as i32 <= layout.panels[0].1);
        // In SVG each panel's regions are one embedded image, not a rectangle per pixel.
        let svg = String::from_utf8(boundaries(&scene, Format::Svg).unwrap()).unwrap();
        assert_eq!(svg.matches("<image").count(), panels);
        assert!(svg.matches("<rect").count() < 200, "no rectangle per cell");
    }
}

/// Black pixels within `reach` of a point, apart from the point's own disc.
fn black_around(buf: &[u8], width: u32, (x, y): (i32, i32), inner: i32, reach: i32) -> usize {
    (-reach..=reach)
        .flat_map(|dy| (-reach..=reach).map(move |dx| (dx, dy)))
        .filter(|(dx, dy)| {
            let d2 = dx * dx + dy * dy;
            d2 > inner * inner && d2 <= reach * reach
        })
        .filter(|(dx, dy)| pixel(buf, width, (x + dx, y + dy)) == rgb(RING))
        .count()
}

#[test]
fn misclassified_points_and_only_they_are_ringed() {
    for classes in [2, 3, 10] {
        let scene = boundary_scene(classes, 2, true);
        let (buf, layout) = draw_boundaries(&scene);
        let ring = layout.sizes.px(RING_RADIUS);
        let (inner, reach) = ((ring * 0.6) as i32, (ring * 1.5).ceil() as i32);
        for (k, points) in layout.points.iter().enumerate() {
            let panel = &scene.panels[k];
            let wrong = panel
                .train
                .iter()
                .chain(&panel.validation)
                .filter(|p| p.label != p.predicted)
                .count();
            assert_eq!(points.iter().filter(|p| p.ringed).count(), wrong);
            assert!(wrong >= 1, "the mislabelled point at least");
            for p in points {
                let black = black_around(&buf, scene.width, p.at, inner, reach);
                // A ring nearby may reach into this point's surroundings.
                let near_ring = points.iter().any(|q| {
                    q.ringed && q.at != p.at && {
                        let (dx, dy) = (q.at.0 - p.at.0, q.at.1 - p.at.1);
                        f64::from(dx * dx + dy * dy).sqrt() < 2.6 * ring
                    }
                });
                if p.ringed {
                    assert!(black > 20, "{classes} classes: {p:?} has {black}");
                } else if !near_ring {
                    assert_eq!(black, 0, "{classes} classes: {p:?}");
                }
            }
        }
    }
}

#[test]
fn training_points_are_filled_and_validation_points_hollow() {
    let scene = boundary_scene(3, 1, true);
    let (buf, layout) = draw_boundaries(&scene);
    let r = layout.sizes.int(5.0);
    for p in &layout.points[0] {
        let colour = rgb(class_color(p.class));
        let centre = pixel(&buf, scene.width, p.at);
        let rim = [(r, 0), (-r, 0), (0, r), (0, -r)]
            .iter()
            .flat_map(|&(dx, dy)| (-1..=1).map(move |e| (p.at.0 + dx + e, p.at.1 + dy)))
            .any(|q| pixel(&buf, scene.width, q) == colour);
        if p.validation {
            assert_ne!(centre, colour, "{p:?}: hollow");
            assert!(rim, "{p:?}: a circle in its class's colour");
        } else {
            assert_eq!(centre, colour, "{p:?}: filled");
        }
    }
}

#[test]
fn regions_take_their_classes_colours() {
    let scene = boundary_scene(3, 1, false);
    let (buf, layout) = draw_boundaries(&scene);
    let (x, y, w, h) = layout.panels[0];
    // Class c's region lies around angle 2πc/3 on the circle of radius 1.2; look a little
    // further out, away from its points.
    for c in 0..3 {
        let a = std::f64::consts::TAU * c as f64 / 3.0 + 0.25;
        let at = (1.75 * a.cos(), 1.75 * a.sin());
        let px = x + ((at.0 + 2.0) / 4.0 * f64::from(w)) as i32;
        let py = y + ((2.0 - at.1) / 4.0 * f64::from(h)) as i32;
        let shown = pixel(&buf, scene.width, (px, py));
        // The direction away from white points at the class's own colour.
        let away = |c: [u8; 3]| c.map(|v| 255.0 - f64::from(v));
        let cosine = |a: [f64; 3], b: [f64; 3]| {
            let dot: f64 = (0..3).map(|k| a[k] * b[k]).sum();
            dot / (a.iter().map(|v| v * v).sum::<f64>().sqrt()
                * b.iter().map(|v| v * v).sum::<f64>().sqrt())
        };
        let nearest = (0..3)
            .max_by(|&i, &j| {
                cosine(away(shown), away(rgb(class_color(i))))
                    .total_cmp(&cosine(away(shown), away(rgb(class_color(j)))))
            })
            .unwrap();
        assert_eq!(nearest, c, "region of class {c}: {shown:?}");
    }
}

#[test]
fn class_colours_are_distinct_and_stand_apart_from_the_ring() {
    assert!(ring_contrast_at_least(3.0));
    for (i, a) in CLASS_COLORS.iter().enumerate() {
        for b in &CLASS_COLORS[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn the_gif_has_a_frame_per_scene_of_one_size() {
    let frames: Vec<BoundaryScene> = (0..4)
        .map(|k| {
            let mut s = boundary_scene(3, 2, true);
            for (p, panel) in s.panels.iter_mut().enumerate() {
                *panel = boundary_panel("sgd", 3, 6, 0.05 + k as f64 + p as f64, true);
            }
            s.caption = Some(format!("step {} of 300", k * 100));
            s
        })
        .collect();
    let bytes = boundaries_gif(&frames, 120).expect("a GIF");
    to_look_at("boundaries.gif", &bytes);
    let mut decoder = ::gif::DecodeOptions::new()
        .read_info(bytes.as_slice())
        .expect("a readable GIF");
    assert_eq!(
        (u32::from(decoder.width()), u32::from(decoder.height())),
        (frames[0].width, frames[0].height)
    );
    let mut delays = Vec::new();
    while let Some(frame) = decoder.read_next_frame().expect("a frame") {
        delays.push(frame.delay);
    }
    assert_eq!(delays.len(), 4);
    assert_eq!(delays[..3], [12, 12, 12]);
    assert!(delays[3] > 100, "the trained model stays longest");
    assert!(boundaries_gif(&[], 100).is_err());
    let mut odd = frames.clone();
    odd[2].width += 10;
    assert!(boundaries_gif(&odd, 100).is_err());
}

#[test]
fn the_confusion_matrix_shows_its_diagonal_and_the_strip_its_images() {
    let scene = digits_scene(2);
    let (buf, layout) = draw_digits(&scene);
    for (panel, drawn) in scene.panels.iter().zip(&layout.panels) {
        assert!(drawn.counts, "counts written at the default size");
        let (mx, my, _, _) = drawn.matrix;
        let c = drawn.cell as i32;
        for (t, row) in panel.confusion.iter().enumerate() {
            let images: usize = row.iter().sum();
            for (p, &n) in row.iter().enumerate() {
                let corner = (mx + p as i32 * c + 3, my + t as i32 * c + 3);
                let share = n as f64 / images as f64;
                assert_eq!(
                    pixel(&buf, scene.width, corner),
                    rgb(cell_color(t == p, share)),
                    "cell {t},{p}"
                );
            }
        }
        assert_eq!(drawn.images.len(), MISCLASSIFIED_SHOWN);
        // The first image is a ring: ink (dark) on its rim, paper (white) in its middle.
        let (x, y, s, _) = drawn.images[0];
        let at = |fx: f64, fy: f64| {
            (
                x + (fx * f64::from(s)) as i32,
                y + (fy * f64::from(s)) as i32,
            )
        };
        assert!(pixel(&buf, scene.width, at(0.5, 0.2))[0] < 80);
        assert_eq!(pixel(&buf, scene.width, at(0.5, 0.5)), [255, 255, 255]);
    }
    // The diagonal is the darkest of its row when most images are right.
    let diagonal = crate::plot::style::luminance(cell_color(true, 0.8));
    assert!(diagonal < crate::plot::style::luminance(cell_color(false, 0.2)));
}

#[test]
fn a_canvas_too_small_is_an_error_and_gif_is_not_a_still_format() {
    let mut c = curves_scene(seven_runs());
    c.width = 120;
    assert!(curves(&c, Format::Png).is_err());
    c.width = 1000;
    assert!(curves(&c, Format::Gif).is_err());
    let mut b = boundary_scene(3, 7, true);
    (b.width, b.height) = (400, 300);
    let err = boundaries(&b, Format::Png).unwrap_err();
    assert!(err.message.contains("panels"), "{err}");
    let mut d = digits_scene(1);
    d.height = 100;
    assert!(digits(&d, Format::Svg).is_err());
}

#[test]
fn broken_numbers_never_panic() {
    let mut r = run("adam", 500, 1.0, 0.1, true);
    r.train_loss[3] = f64::NAN;
    r.val_loss[4] = f64::INFINITY;
    r.train_accuracy[5] = f64::NEG_INFINITY;
    r.val_accuracy[6] = f64::NAN;
    r.steps.truncate(20);
    let mut all_nan = run("sgd", 100, 1.0, 0.0, false);
    all_nan.train_loss.iter_mut().for_each(|v| *v = f64::NAN);
    all_nan
        .train_accuracy
        .iter_mut()
        .for_each(|v| *v = f64::NAN);
    let empty = NetRun {
        steps: Vec::new(),
        train_loss: Vec::new(),
        train_accuracy: Vec::new(),
        diverged_at: Some(0),
        ..all_nan.clone()
    };
    for log_x in [false, true] {
        let mut scene = curves_scene(vec![r.clone(), all_nan.clone(), empty.clone()]);
        scene.log_x = log_x;
        renders_in_both_formats("nan_curves", &scene, curves);
        scene.runs.clear();
        renders_in_both_formats("no_runs", &scene, curves);
    }

    let mut b = boundary_scene(3, 2, true);
    b.panels[0]
        .probabilities
        .iter_mut()
        .step_by(7)
        .for_each(|p| *p = f32::NAN);
    b.panels[0].train[0].at = [f64::NAN, 0.0];
    b.panels[0].validation[0].at = [1e300, -1e300];
    b.panels[0].accuracy = [f64::NAN, f64::INFINITY];
    b.panels[1].train[0].label = 99;
    b.panels[1]
        .probabilities
        .iter_mut()
        .for_each(|p| *p = f32::NAN);
    renders_in_both_formats("nan_boundaries", &b, boundaries);
    b.window = [[f64::NAN, 1.0], [2.0, 2.0]];
    renders_in_both_formats("odd_window", &b, boundaries);
    b.panels[1].probabilities.pop();
    assert!(
        boundaries(&b, Format::Png).is_err(),
        "probabilities of the wrong length"
    );
    b.panels.clear();
    renders_in_both_formats("no_panels", &b, boundaries);

    let mut d = digits_scene(2);
    d.panels[0].confusion = vec![vec![3, 1], vec![], vec![0, 0, 5]];
    d.panels[0].misclassified[0].pixels = vec![f64::NAN; 10];
    d.panels[1].confusion.clear();
    d.panels[1].misclassified.clear();
    renders_in_both_formats("odd_digits", &d, digits);
}
