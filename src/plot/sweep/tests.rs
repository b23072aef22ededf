//! The sweep figures end to end: bytes in both formats, awkward scenes, and the marks a
//! reader relies on found at the pixels the layout says they are.

use super::heatmap::{BEST_OUTER, DIVERGED_FILL, EDGE_FLAG, HeatmapLayout};
use super::*;
use crate::plot::colormap::ColorMap;
use crate::plot::style::run_color;

/// A row of `n` log-spaced learning rates from `lo` to `hi`, its log10 loss falling in a
/// straight line from `start` to `floor` at index `best`, rising after it, and every cell
/// from `diverge` on diverged (the one before it loses one seed of four). Quartiles a
/// factor of 1.6 either side.
fn row(label: &str, (lo, hi): (f64, f64), best: usize, diverge: Option<usize>) -> SweepRow {
    let n = 25;
    let (start, floor) = (3.0, -12.0);
    let cells: Vec<SweepCell> = (0..n)
        .map(|k| {
            let lr = lo * (hi / lo).powf(k as f64 / (n - 1) as f64);
            let e = if k <= best {
                start + (floor - start) * k as f64 / best.max(1) as f64
            } else {
                floor + 2.5 * (k - best) as f64
            };
            let diverged = match diverge {
                Some(d) if k >= d => 4,
                Some(d) if k + 1 == d => 1,
                _ => 0,
            };
            let median = if diverged >= 2 {
                f64::INFINITY
            } else {
                10f64.powf(e)
            };
            SweepCell {
                lr,
                median,
                q25: median / 1.6,
                q75: if diverged > 0 {
                    f64::INFINITY
                } else {
                    median * 1.6
                },
                diverged,
                runs: 4,
            }
        })
        .collect();
    finish(label, cells)
}

/// A row with its best and at_edge worked out from its medians, as the sweep does.
fn finish(label: &str, cells: Vec<SweepCell>) -> SweepRow {
    let best = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.median.is_finite())
        .min_by(|a, b| a.1.median.total_cmp(&b.1.median))
        .map(|(k, _)| k);
    let at_edge = best.is_some_and(|b| b == 0 || b + 1 == cells.len());
    SweepRow {
        label: label.into(),
        cells,
        best,
        at_edge,
    }
}

/// Six optimizers over different ranges: sgd diverging at its top five, momentum lower,
/// adam higher, one whose best is its last lr, one whose every lr diverged.
fn realistic() -> SweepScene {
    SweepScene {
        unreached: "not reached in the steps".to_string(),
        title: "sweep_rosenbrock".into(),
        metric: "final loss".into(),
        seeds: 4,
        log_metric: true,
        higher_is_better: false,
        rows: vec![
            row("sgd", (1e-5, 1e-2), 18, Some(20)),
            row("sgd momentum=0.9", (1e-6, 1e-3), 15, Some(19)),
            row("adam", (1e-3, 1.0), 14, None),
            row("rmsprop", (1e-4, 1e-1), 24, None),
            row("adagrad", (1e-2, 10.0), 20, Some(23)),
            row("nag", (0.1, 10.0), 0, Some(0)),
        ],
        width: 1000,
        height: 800,
        scale: 1.0,
    }
}

fn pixel(buf: &[u8], width: u32, (x, y): (i32, i32)) -> [u8; 3] {
    let at = (y as usize * width as usize + x as usize) * 3;
    [buf[at], buf[at + 1], buf[at + 2]]
}

fn rgb(c: RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

fn draw_heatmap(scene: &SweepScene) -> (Vec<u8>, HeatmapLayout) {
    raster(scene, |root| heatmap::draw(scene, root)).expect("the heatmap draws")
}

fn draw_curves(scene: &SweepScene) -> (Vec<u8>, curves::CurvesLayout) {
    raster(scene, |root| curves::draw(scene, root)).expect("the curves draw")
}

fn renders_in_both_formats(scene: &SweepScene) {
    for figure in [heatmap, lr_curves] {
        let png = figure(scene, Format::Png).expect("png");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let svg = String::from_utf8(figure(scene, Format::Svg).expect("svg")).expect("utf-8");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn both_figures_render_as_png_and_svg_and_not_as_gif() {
    let scene = realistic();
    renders_in_both_formats(&scene);
    let svg = String::from_utf8(heatmap(&scene, Format::Svg).unwrap()).unwrap();
    assert!(svg.contains("median of 4 seeds"), "the title says so");
    assert!(svg.contains(EDGE_FLAG), "the edge flag is drawn");
    for figure in [heatmap, lr_curves] {
        let err = figure(&scene, Format::Gif).unwrap_err();
        assert!(err.message.contains("GIF"), "{err}");
    }
}

#[test]
fn the_heatmap_marks_the_best_cell_the_diverged_ones_and_the_edge() {
    let scene = realistic();
    let (buf, layout) = draw_heatmap(&scene);
    let w = scene.width;
    let map = ColorMap::viridis();
    let scale = scale::MetricScale::choose(&scene, 8, 0.0, false);
    for (i, row) in scene.rows.iter().enumerate() {
        for (k, cell) in row.cells.iter().enumerate() {
            let (x0, y0, cw, ch) = layout.cells[i][k].expect("every lr is positive");
            let centre = (x0 + cw as i32 / 2, y0 + ch as i32 / 2);
            if row.best == Some(k) {
                // The outline at the cell's left edge, the colour in its middle.
                assert_eq!(pixel(&buf, w, (x0, centre.1)), rgb(BEST_OUTER), "row {i}");
                assert_eq!(pixel(&buf, w, centre), map.at(scale.unit(cell.median)));
            } else if cell.median.is_finite() {
                let inside = (x0 + cw as i32 / 4, y0 + ch as i32 / 4);
                assert_eq!(pixel(&buf, w, inside), map.at(scale.unit(cell.median)));
            } else {
                // Grey, with the × through the middle.
                assert_eq!(pixel(&buf, w, (x0 + 2, y0 + 2)), rgb(DIVERGED_FILL));
                assert_ne!(pixel(&buf, w, centre), rgb(DIVERGED_FILL), "row {i} lr {k}");
            }
        }
        assert_eq!(layout.arrows[i].is_some(), row.at_edge, "row {i}");
    }
    // rmsprop's best is its last lr: the arrow points right, beyond that cell.
    let (tip_x, tip_y) = layout.arrows[3].unwrap();
    let (x0, _, cw, _) = layout.cells[3][24].unwrap();
    assert!(tip_x > x0 + cw as i32);
    assert_ne!(pixel(&buf, w, (tip_x - 4, tip_y)), [255, 255, 255]);
    let (px, _, pw, _) = layout.plot;
    assert!(tip_x < px + pw as i32, "the arrow stays in the plot");
}

#[test]
fn heatmap_cells_sit_at_their_true_learning_rates() {
    let scene = realistic();
    let (_, layout) = draw_heatmap(&scene);
    let left = |i: usize, k: usize| layout.cells[i][k].unwrap().0;
    let width = |i: usize, k: usize| layout.cells[i][k].unwrap().2 as i32;
    // sgd starts at 1e-5, momentum at 1e-6: a decade to the left; adam's 1e-3 is where
    // sgd's and momentum's cells of 1e-3 are.
    let decade = (left(0, 0) - left(1, 0)) as f64;
    assert!(decade > 60.0, "{decade}");
    assert!(
        (f64::from(width(0, 0)) * 8.0 - decade).abs() <= 8.0,
        "3 decades, 24 gaps"
    );
    let centre = |i: usize, k: usize| left(i, k) + width(i, k) / 2;
    assert!((centre(2, 0) - centre(0, 16)).abs() <= 1);
    assert!((centre(2, 0) - centre(1, 24)).abs() <= 1);
    // Rows do not overlap and fill the plot top to bottom.
    let (_, top, _, ph) = layout.plot;
    let rows: Vec<(i32, u32)> = (0..6)
        .map(|i| {
            let (_, y, _, h) = layout.cells[i][0].unwrap();
            (y, h)
        })
        .collect();
    assert!(rows[0].0 - top <= 3);
    assert!(rows.windows(2).all(|r| r[0].0 + r[0].1 as i32 <= r[1].0));
    assert!(top + ph as i32 - (rows[5].0 + rows[5].1 as i32) <= 3);
}

#[test]
fn the_curves_mark_best_lrs_and_divergence_in_sight_of_everything() {
    let scene = realistic();
    let (buf, layout) = draw_curves(&scene);
    let w = scene.width;
    let (px, py, pw, ph) = layout.plot;
    assert!(layout.strip > 0);
    for (i, row) in scene.rows.iter().enumerate() {
        match layout.best[i] {
            Some(at) => assert_eq!(pixel(&buf, w, at), rgb(run_color(i)), "row {i}"),
            None => assert!(row.best.is_none()),
        }
        let diverged = row.cells.iter().filter(|c| c.median.is_infinite()).count();
        assert_eq!(layout.diverged[i].len(), diverged, "row {i}");
        for &(x, y) in &layout.diverged[i] {
            assert!(y > py && y < py + layout.strip as i32, "in the strip");
            assert!(x >= px && x < px + pw as i32);
        }
        assert!(layout.visible[i] >= 0.6, "row {i}: {:?}", layout.visible);
    }
    // sgd's and momentum's diverged lrs lie apart and share a lane; adagrad's and nag's
    // overlap and do not: two lanes, each mark clear of the others.
    let lane_y = |i: usize| layout.diverged[i][0].1;
    assert_eq!(lane_y(0), lane_y(1));
    assert_ne!(lane_y(4), lane_y(5));
    let marks: Vec<(i32, i32)> = layout.diverged.iter().flatten().copied().collect();
    for (k, a) in marks.iter().enumerate() {
        for b in &marks[k + 1..] {
            assert!((a.0 - b.0).abs() >= 8 || a.1 != b.1, "{a:?} on {b:?}");
        }
    }
    let (lx, ly, lw, lh) = layout.legend.expect("a legend");
    assert_eq!(layout.legend_covers, 0);
    let inside = lx >= px && ly >= py && lx + lw as i32 <= px + pw as i32;
    let above = ly + lh as i32 <= py;
    assert!(inside || above, "{:?} {:?}", layout.legend, layout.plot);
    let share = f64::from(pw) * f64::from(ph) / (f64::from(w) * f64::from(scene.height));
    assert!(share >= 0.6, "plot share {share}");
}

#[test]
fn a_curve_lying_on_another_is_dashed_so_both_show() {
    let mut scene = realistic();
    scene.rows.truncate(2);
    let mut twin = scene.rows[0].clone();
    twin.label = "sgd again".into();
    scene.rows.push(twin);
    let (_, layout) = draw_curves(&scene);
    // One of the twins (either) dashed over the other; the row apart stays solid.
    assert!(
        !layout.dashed[1] && layout.dashed[0] != layout.dashed[2],
        "{:?}",
        layout.dashed
    );
    assert!(
        layout.visible.iter().all(|&v| v > 0.3),
        "{:?}",
        layout.visible
    );
}

#[test]
fn a_row_where_every_lr_diverged_is_grey_and_crossed_out() {
    let mut scene = realistic();
    scene.rows.truncate(1);
    scene.rows.push(row("nag", (0.1, 10.0), 0, Some(0)));
    renders_in_both_formats(&scene);
    let (buf, layout) = draw_heatmap(&scene);
    for rect in &layout.cells[1] {
        let (x0, y0, _, _) = rect.unwrap();
        assert_eq!(
            pixel(&buf, scene.width, (x0 + 1, y0 + 1)),
            rgb(DIVERGED_FILL)
        );
    }
    let (_, curves) = draw_curves(&scene);
    assert_eq!(curves.best[1], None);
    assert_eq!(curves.diverged[1].len(), 25);
    // Every row diverged everywhere: nothing finite to scale by, still a figure.
    scene.rows.remove(0);
    renders_in_both_formats(&scene);
}

#[test]
fn one_seed_has_no_band_and_says_no_median() {
    let mut scene = realistic();
    scene.seeds = 1;
    for row in &mut scene.rows {
        for c in &mut row.cells {
            (c.q25, c.q75, c.runs) = (c.median, c.median, 1);
            c.diverged = c.diverged.min(1);
        }
    }
    renders_in_both_formats(&scene);
    assert_eq!(heading(&scene, "x"), "sweep_rosenbrock — x");
    let svg = String::from_utf8(lr_curves(&scene, Format::Svg).unwrap()).unwrap();
    assert!(!svg.contains("median of") && !svg.contains("band"));
}

#[test]
fn cells_without_a_value_are_explained_and_never_called_diverged() {
    // The first row's low rates never reached the tolerance: no value, yet no divergence.
    let mut scene = realistic();
    scene.unreached = "tolerance not reached in 2000 steps".to_string();
    for c in &mut scene.rows[0].cells[..10] {
        (c.median, c.q25, c.q75, c.diverged) = (f64::NAN, f64::NAN, f64::NAN, 0);
    }
    renders_in_both_formats(&scene);
    let curves = String::from_utf8(lr_curves(&scene, Format::Svg).unwrap()).unwrap();
    assert!(curves.contains("no line: tolerance not reached in 2000 steps"));
    let cells = String::from_utf8(heatmap(&scene, Format::Svg).unwrap()).unwrap();
    assert!(cells.contains("tolerance not reached in 2000 steps"));
    // Without such cells, neither figure mentions it.
    let plain = realistic();
    for figure in [heatmap, lr_curves] {
        let svg = String::from_utf8(figure(&plain, Format::Svg).unwrap()).unwrap();
        assert!(!svg.contains("not reached"));
    }
}

#[test]
fn a_negative_loss_falls_back_from_a_log_scale_and_says_so() {
    let mut scene = realistic();
    scene.rows[2].cells[10].median = -3e4;
    scene.rows[2].cells[10].q25 = -5e4;
    scene.rows[2] = finish("adam", scene.rows[2].cells.clone());
    renders_in_both_formats(&scene);
    let svg = String::from_utf8(lr_curves(&scene, Format::Svg).unwrap()).unwrap();
    assert!(svg.contains("symmetric log"));
    // Step counts: linear.
    scene.log_metric = false;
    scene.metric = "steps to tolerance".into();
    renders_in_both_formats(&scene);
}

#[test]
fn awkward_scenes_draw_without_panicking() {
    let mut scene = realistic();
    (scene.width, scene.height) = (200, 200);
    renders_in_both_formats(&scene);
    (scene.width, scene.height, scene.scale) = (1600, 500, 2.0);
    renders_in_both_formats(&scene);
    let mut odd = realistic();
    odd.rows[0].cells.truncate(1);
    odd.rows[0] = finish("one lr", odd.rows[0].cells.clone());
    odd.rows[1].cells[3].lr = 0.0;
    odd.rows[1].cells[4].median = f64::NAN;
    odd.rows.push(SweepRow {
        label: "empty".into(),
        cells: Vec::new(),
        best: None,
        at_edge: false,
    });
    renders_in_both_formats(&odd);
    odd.rows.clear();
    renders_in_both_formats(&odd);
}

#[test]
fn the_heatmap_keeps_most_of_the_canvas_for_the_cells() {
    let scene = realistic();
    let (_, layout) = draw_heatmap(&scene);
    let (_, _, pw, ph) = layout.plot;
    let share = f64::from(pw) * f64::from(ph) / (1000.0 * 800.0);
    // Less than the 60% of the run figures: the rows' names ("sgd momentum=0.9") and the
    // key take their room, and neither can go inside the cells.
    assert!(share >= 0.55, "plot share {share}");
    let (bx, _, _, bh) = layout.bar;
    assert_eq!(bh, ph, "the colour bar is as tall as the plot");
    assert!(bx > layout.plot.0 + pw as i32);
}

#[test]
fn learning_rates_read_in_three_digits() {
    assert_eq!(lr_label(0.001778279410038923), "0.00178");
    assert_eq!(lr_label(7.498942093324559e-5), "7.5×10⁻⁵");
    assert_eq!(lr_label(3.1622776601683804), "3.16");
    assert_eq!(lr_label(0.1), "0.1");
    assert_eq!(lr_label(9.996), "10");
    assert_eq!(lr_label(2e4), "2×10⁴");
}

#[test]
fn the_embedded_font_has_every_symbol_the_figures_write() {
    use ab_glyph::{Font, FontRef};
    let font = FontRef::try_from_slice(dejavu::sans::regular()).expect("DejaVu Sans");
    for c in EDGE_FLAG.chars().chain("≤×—⁻⁰¹²³⁴⁵⁶⁷⁸⁹".chars()) {
        assert_ne!(font.glyph_id(c).0, 0, "{c} has no glyph");
    }
}

/// The scenes the figures were looked at with (the real ones come from `optplay sweep` on
/// the gallery's configs): one seed, a negative loss, a small and a wide canvas, step
/// counts, eighteen rows; each renders in both formats.
#[test]
fn every_scene_looked_at_renders_in_both_formats() {
    let mut one_seed = realistic();
    one_seed.seeds = 1;
    let mut negative = realistic();
    negative.rows[2].cells[10].median = -3e4;
    negative.rows[2] = finish("adam", negative.rows[2].cells.clone());
    let mut small = realistic();
    (small.width, small.height) = (640, 400);
    // Steps to tolerance: linear, the loss's exponent standing in for the step count.
    let mut steps = realistic();
    (steps.metric, steps.log_metric) = ("steps to tolerance".into(), false);
    for row in &mut steps.rows {
        for c in &mut row.cells {
            let to_steps = |v: f64| {
                if v.is_finite() {
                    (40.0 + 60.0 * (v.log10() + 12.0)).round()
                } else {
                    v
                }
            };
            (c.median, c.q25, c.q75) = (to_steps(c.median), to_steps(c.q25), to_steps(c.q75));
        }
    }
    // A second grid axis: eighteen rows.
    let mut many = realistic();
    many.rows = (0..18)
        .map(|k| {
            let mut r = realistic().rows[k % 5].clone();
            r.label = format!("{} momentum={}", r.label, k / 5);
            r
        })
        .collect();
    let mut wide = realistic();
    (wide.width, wide.height, wide.scale) = (1600, 500, 1.5);
    for (name, scene) in [
        ("realistic", realistic()),
        ("one_seed", one_seed),
        ("negative", negative),
        ("small", small),
        ("wide", wide),
        ("steps", steps),
        ("many", many),
    ] {
        for (figure, draw) in [
            ("heatmap", heatmap as fn(_, _) -> _),
            ("lr_curves", lr_curves),
        ] {
            let png = draw(&scene, Format::Png).unwrap_or_else(|e| panic!("{name} {figure}: {e}"));
            assert_eq!(&png[..4], b"\x89PNG", "{name} {figure}");
            let svg = draw(&scene, Format::Svg).unwrap_or_else(|e| panic!("{name} {figure}: {e}"));
            assert!(svg.starts_with(b"<svg"), "{name} {figure}");
        }
    }
}

#[test]
fn an_accuracy_is_linear_and_both_figures_say_higher_is_better() {
    let accuracy = |lr: f64| (0.95 - 0.1 * (lr.log10() + 2.0).powi(2)).max(0.3);
    let cells: Vec<SweepCell> = (0..9)
        .map(|k| {
            let lr = 10f64.powf(-4.0 + 0.5 * k as f64);
            let diverged = k == 8;
            let median = if diverged {
                f64::INFINITY
            } else {
                accuracy(lr)
            };
            SweepCell {
                lr,
                median,
                // One seed of the last finite lr diverged: its lower quartile is −inf.
                q25: if k == 7 {
                    f64::NEG_INFINITY
                } else {
                    median - 0.02
                },
                q75: median + 0.01,
                diverged: if diverged { 3 } else { usize::from(k == 7) },
                runs: 4,
            }
        })
        .collect();
    let scene = SweepScene {
        unreached: String::new(),
        title: "sweep_network".into(),
        metric: "validation accuracy".into(),
        seeds: 4,
        log_metric: false,
        higher_is_better: true,
        rows: vec![SweepRow {
            label: "adam".into(),
            cells,
            best: Some(4),
            at_edge: false,
        }],
        width: 1000,
        height: 800,
        scale: 1.0,
    };
    renders_in_both_formats(&scene);
    for figure in [heatmap, lr_curves] {
        let svg = String::from_utf8(figure(&scene, Format::Svg).unwrap()).unwrap();
        assert!(svg.contains("validation accuracy (higher is better)"));
        assert!(!svg.contains("symmetric log"));
    }
    let (_, layout) = draw_curves(&scene);
    assert!(layout.best[0].is_some(), "the best accuracy is marked");
    assert_eq!(layout.diverged[0].len(), 1, "the diverged lr is marked");
    // A loss keeps its captions as they were.
    let svg = String::from_utf8(heatmap(&realistic(), Format::Svg).unwrap()).unwrap();
    assert!(!svg.contains("better"));
}
