//! The figures of what comes after optimisation: the ensemble figure (each model alone, the
//! mean, the combination, where their values say), the averaged weights' dotted curve and the
//! snapshots' rings on the curves figure.

use super::*;

/// An ensemble of five, four snapshots, and averaged weights, in three runs' colours.
fn ensemble_scene() -> EnsembleScene {
    let rows = vec![
        EnsembleRow {
            run: 0,
            label: "sgd".into(),
            what: "ensemble of 5 (seeds 0–4)".into(),
            alone: vec![
                [0.874, 0.44],
                [0.76, 0.76],
                [0.848, 0.42],
                [0.871, 0.39],
                [0.881, 0.43],
            ],
            own: Some(0),
            together: [0.879, 0.375],
        },
        EnsembleRow {
            run: 1,
            label: "restarts".into(),
            what: "4 snapshots (steps 400, 800, 1200, 1600)".into(),
            alone: vec![[0.855, 0.42], [0.869, 0.43], [0.871, 0.42], [0.86, 0.49]],
            own: Some(3),
            together: [0.874, 0.414],
        },
        EnsembleRow {
            run: 2,
            label: "ema".into(),
            what: "averaged weights (ema 0.99) vs final".into(),
            alone: vec![[0.838, 0.503]],
            own: Some(0),
            together: [0.898, 0.439],
        },
    ];
    let (width, height) = ensemble_canvas(rows.len());
    EnsembleScene {
        title: "spiral".into(),
        set: "validation".into(),
        rows,
        width,
        height,
        scale: 1.0,
    }
}

fn draw_ensemble(scene: &EnsembleScene) -> (Vec<u8>, super::super::ensemble::EnsembleLayout) {
    raster((scene.width, scene.height), |root| {
        super::super::ensemble::draw(scene, root)
    })
    .expect("ensemble draws")
}

/// The pixel column of value `v` on an x axis spanning `rect`.
fn column_of((left, _, w, _): Rect, axis: &crate::plot::axis::Axis, v: f64) -> i32 {
    left + ((v - axis.lo) / (axis.hi - axis.lo) * f64::from(w)).round() as i32
}

#[test]
fn the_ensemble_figure_renders_and_odd_scenes_do_not_break_it() {
    let scene = ensemble_scene();
    renders_in_both_formats("ensemble_3", &scene, ensemble);
    let mut odd = scene.clone();
    odd.rows[0].alone[1] = [f64::NAN, f64::INFINITY];
    odd.rows[1].alone.clear();
    odd.rows[2].together = [f64::NAN, f64::NAN];
    renders_in_both_formats("ensemble_odd", &odd, ensemble);
    odd.rows.clear();
    renders_in_both_formats("ensemble_empty", &odd, ensemble);
}

#[test]
fn each_combination_is_a_diamond_in_its_run_colour_where_its_value_is() {
    let scene = ensemble_scene();
    let (buf, layout) = draw_ensemble(&scene);
    for (r, row) in scene.rows.iter().enumerate() {
        let (band_y, at) = layout.bands[r];
        for (k, &(x_at, y_at)) in at.iter().enumerate() {
            let value = if k == 0 {
                row.together[0] * 100.0
            } else {
                row.together[1]
            };
            let x = column_of(layout.panels[k], &layout.x[k], value);
            assert!((x_at - x).abs() <= 1, "row {r} panel {k}: {x_at} vs {x}");
            // The diamond's middle is filled with the run's colour, below the band's centre.
            assert_eq!(
                pixel(&buf, scene.width, (x_at, y_at)),
                rgb(run_color(row.run))
            );
            assert!(y_at > band_y, "the combination sits below the models alone");
        }
    }
    // The panels sit beside each other under the legend, within the figure.
    let [a, b] = layout.panels;
    assert!(a.0 + a.2 as i32 <= b.0 && b.0 + b.2 as i32 <= scene.width as i32);
    assert!(layout.legend.1 + layout.legend.3 as i32 <= a.1.min(b.1));
}

#[test]
fn every_model_alone_shows_in_its_run_colour_in_both_panels() {
    let scene = ensemble_scene();
    let (buf, layout) = draw_ensemble(&scene);
    for (r, row) in scene.rows.iter().enumerate() {
        for (k, panel) in layout.panels.iter().enumerate() {
            let (band_y, _) = layout.bands[r];
            for v in &row.alone {
                let value = if k == 0 { v[0] * 100.0 } else { v[1] };
                let x = column_of(*panel, &layout.x[k], value);
                // Somewhere above the combination's line, in the band, a pixel of its colour.
                let found = (band_y - 60..band_y + 10)
                    .flat_map(|y| (x - 2..=x + 2).map(move |xx| (xx, y)))
                    .any(|p| pixel(&buf, scene.width, p) == rgb(run_color(row.run)));
                assert!(found, "row {r} panel {k}: a model at {value}");
            }
        }
    }
}

#[test]
fn the_averaged_curve_is_dotted_and_snapshots_are_ringed_on_the_loss() {
    let mut r = run("sgd", 1000, 1.0, 0.0, true);
    r.train_accuracy.iter_mut().for_each(|a| *a = 0.9);
    r.val_accuracy.iter_mut().for_each(|a| *a = 0.5);
    let steps: Vec<u64> = r.steps.iter().copied().filter(|&s| s >= 500).collect();
    r.averaged = Some(AveragedCurve {
        accuracy: vec![0.7; steps.len()],
        loss: vec![0.3; steps.len()],
        steps,
        validation: true,
    });
    r.snapshots = vec![(250, 1.0), (1000, r.train_loss[100])];
    let scene = curves_scene(vec![r]);
    let (buf, layout) = draw_curves(&scene);
    let panel = layout.panels[1];
    let blue = rgb(run_color(0));
    let y = row_of(panel, &layout.y[1], 70.0);
    let (x, _, w, _) = panel;
    // From step 500 only, in many short pieces.
    let half = (x + w as i32 / 2 + 4, panel.1, w / 2 - 8, panel.3);
    let dots = (y - 1..=y + 1)
        .map(|y| segments(&buf, scene.width, half, y, blue))
        .max()
        .unwrap_or(0);
    assert!(dots >= 40, "the averaged curve dotted: {dots} dots");
    let first_half = (x + 2, panel.1, w / 2 - 8, panel.3);
    assert_eq!(segments(&buf, scene.width, first_half, y, blue), 0);
    // A ring around the snapshot at step 250: its colour on a circle around the curve's point.
    let loss = layout.panels[0];
    let (ring_x, ring_y) = (
        column_of(loss, &layout.x, 250.0),
        row_of(loss, &layout.y[0], 1.0f64.log10()),
    );
    let ringed = (-12..=12)
        .flat_map(|dy| (-12..=12).map(move |dx| (dx, dy)))
        .filter(|(dx, dy)| (36..=100).contains(&(dx * dx + dy * dy)))
        .filter(|(dx, dy)| pixel(&buf, scene.width, (ring_x + dx, ring_y + dy)) == blue)
        .count();
    assert!(ringed > 20, "a ring at the snapshot: {ringed} pixels");
    let svg = String::from_utf8(curves(&scene, Format::Svg).unwrap()).unwrap();
    assert!(svg.contains("averaged weights (validation)") && svg.contains("snapshot"));
}
