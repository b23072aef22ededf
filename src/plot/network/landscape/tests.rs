//! The landscape figure on synthetic planes (a valley spanning decades, a gentle bowl, a
//! path with no plane, a diverged run): rendered in both formats, and what a reader relies
//! on found at the pixels the layout says it is.

use super::super::{landscape, raster, sizes_per_cell};
use super::*;
use crate::core::Grid;
use crate::plot::style::run_color;

/// A loss over the plane: a curved valley whose floor the path follows into (0, 0), its
/// values from `floor` up five decades (as an overfitting network's are).
fn valley(floor: f64, window: Window, side: usize) -> Grid {
    let f = |a: f64, b: f64| {
        let valley = b - 0.02 * a * a;
        let height = (0.5 * valley * valley + 0.01 * a * a).sqrt();
        floor * 10f64.powf(height / 2.0)
    };
    let at =
        |range: [f64; 2], k: usize| range[0] + k as f64 * (range[1] - range[0]) / (side - 1) as f64;
    let values = (0..side * side)
        .map(|k| f(at(window.x, k % side), at(window.y, k / side)))
        .collect();
    Grid {
        window,
        nx: side,
        ny: side,
        values,
    }
}

fn plane(floor: f64) -> LandscapePlane {
    let path: Vec<[f64; 2]> = (0..80)
        .map(|k| {
            let t = 1.0 - k as f64 / 79.0;
            let a = -20.0 * t;
            [a, 0.02 * a * a + 1.5 * t * (9.0 * t).sin()]
        })
        .collect();
    let window = Window {
        x: [-24.0, 4.0],
        y: [-4.0, 11.0],
    };
    LandscapePlane {
        loss: valley(floor, window, 41),
        path,
        explained: [0.912, 0.061],
    }
}

fn panel(label: &str, plane: Result<LandscapePlane, String>) -> LandscapePanel {
    LandscapePanel {
        label: label.to_string(),
        legend: format!("{label} (lr=0.1)"),
        plane,
        diverged_at: None,
    }
}

fn scene(panels: Vec<LandscapePanel>) -> LandscapeScene {
    let (width, height) = super::super::landscape_canvas(panels.len());
    LandscapeScene {
        title: "spiral".to_string(),
        caption: vec![
            "training loss on the plane of the path's two principal directions".to_string(),
        ],
        panels,
        width,
        height,
        scale: 1.0,
    }
}

/// Four panels: two planes, a path that never moved, a diverged run.
fn four() -> LandscapeScene {
    let mut diverged = panel("sgd, lr 10", Ok(plane(0.5)));
    diverged.diverged_at = Some(37);
    scene(vec![
        panel("momentum", Ok(plane(1e-4))),
        panel("adam", Ok(plane(0.3))),
        panel(
            "newton",
            Err("the path moved along one line (2 distinct weights): no plane".to_string()),
        ),
        diverged,
    ])
}

fn draw_png(scene: &LandscapeScene) -> (Vec<u8>, LandscapeLayout) {
    raster((scene.width, scene.height), |root| {
        draw(scene, root, Contours::InRaster)
    })
    .expect("the landscape draws")
}

fn pixel(buf: &[u8], width: u32, (x, y): (i32, i32)) -> [u8; 3] {
    let at = (y as usize * width as usize + x as usize) * 3;
    [buf[at], buf[at + 1], buf[at + 2]]
}

/// Pixels of `rect` within a few levels of `color` (antialiased edges come close).
fn near(buf: &[u8], width: u32, (x, y, w, h): Rect, color: RGBColor) -> usize {
    let target = [color.0, color.1, color.2];
    (y..y + h as i32)
        .flat_map(|yy| (x..x + w as i32).map(move |xx| (xx, yy)))
        .filter(|&p| {
            pixel(buf, width, p)
                .iter()
                .zip(target)
                .all(|(a, b)| a.abs_diff(b) <= 6)
        })
        .count()
}

#[test]
fn every_scene_renders_in_both_formats() {
    for (name, scene) in [
        ("landscape_1", scene(vec![panel("sgd", Ok(plane(1e-3)))])),
        (
            "landscape_2",
            scene(vec![
                panel("momentum", Ok(plane(0.02))),
                panel("adam", Ok(plane(0.2))),
            ]),
        ),
        ("landscape_4", four()),
    ] {
        let png = landscape(&scene, Format::Png).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "{name}");
        let svg = String::from_utf8(landscape(&scene, Format::Svg).expect("svg")).expect("utf-8");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        // What each panel's directions explain is written on it, on its axes too.
        for p in scene.panels.iter().filter(|p| p.plane.is_ok()) {
            assert!(svg.contains("PC1 91.2% · PC2 6.1% of the path"), "{name}");
            assert!(
                svg.contains("PC1 (91.2%)") && svg.contains("PC2 (6.1%)"),
                "{name}"
            );
            assert!(svg.contains(&p.legend), "{name}");
        }
        if let Some(dir) = std::env::var_os("OPTPLAY_FIGURES_TO") {
            std::fs::create_dir_all(&dir).expect("the folder");
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), &png)
                .expect("written");
        }
    }
    assert!(landscape(&four(), Format::Gif).is_err());
}

#[test]
fn each_path_shows_in_its_run_colour_from_its_start_dot() {
    let scene = four();
    let (buf, layout) = draw_png(&scene);
    assert_eq!(layout.plots.len(), 4);
    for (k, p) in scene.panels.iter().enumerate() {
        let mine = near(&buf, scene.width, layout.plots[k], run_color(k));
        match &p.plane {
            Ok(_) => {
                assert!(mine > 150, "panel {k}: {mine} pixels of its colour");
                let [start, end] = layout.ends[k].expect("a drawn path");
                assert_eq!(
                    pixel(&buf, scene.width, start),
                    [50, 50, 50],
                    "the start dot"
                );
                // The end cross is at the plane's origin, inside the plot.
                let (x, y, w, h) = layout.plots[k];
                assert!(end.0 > x && end.0 < x + w as i32 && end.1 > y && end.1 < y + h as i32);
                let (bx, by, _, bh) = layout.bars[k].expect("a colour bar");
                assert!(
                    bx > x + w as i32 && by == y && bh == h,
                    "the bar beside the plot"
                );
            }
            Err(_) => {
                assert_eq!(mine, 0, "panel {k} has no path to draw");
                assert!(layout.bars[k].is_none() && layout.ends[k].is_none());
            }
        }
        // No colour of another run in a panel.
        for other in (0..4).filter(|&o| o != k) {
            let theirs = near(&buf, scene.width, layout.plots[k], run_color(other));
            assert!(theirs < 20, "panel {k} has {theirs} pixels of run {other}");
        }
    }
    // The legend stands above every panel, within the figure.
    let (lx, ly, lw, lh) = layout.legend;
    assert!(lx >= 0 && lx + lw as i32 <= scene.width as i32);
    for &(_, y, _, _) in &layout.plots {
        assert!(ly + (lh as i32) < y);
    }
}

#[test]
fn a_loss_over_decades_gets_log_levels_and_a_gentle_one_linear_levels() {
    let scene = four();
    let deep = levels(&scene.panels[0].plane.as_ref().expect("a plane").loss);
    assert!(deep.log);
    assert!(
        deep.values[0] < 1e-3,
        "a level in the well: {:?}",
        deep.values
    );
    // A plane mostly high, with a well two decades deep in a corner: log levels too.
    let mut well = plane(1.0).loss;
    well.values.iter_mut().for_each(|v| *v = 1.0 + v.min(1.0));
    well.values[0] = 0.01;
    assert!(levels(&well).log);
    let mut gentle = plane(1.0).loss;
    gentle.values.iter_mut().for_each(|v| *v = 1.0 + 1e-6 * *v);
    assert!(!levels(&gentle).log);
}

#[test]
fn the_panels_text_scales_with_its_cell_and_a_tiny_canvas_is_refused() {
    let mut small = four();
    small.width = 300;
    small.height = 260;
    assert!(landscape(&small, Format::Png).is_err());
    let scene = four();
    let (_, layout) = draw_png(&scene);
    let reference = sizes_per_cell(CELL, (1, 1), CELL, 1.0);
    assert_eq!(
        layout.sizes, reference,
        "a cell of the reference size writes as the reference"
    );
}
