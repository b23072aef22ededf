//! The ensemble figure: for each combination of a run's models (its ensemble, its snapshot
//! ensemble, its averaged weights), a band across two panels, accuracy at the left and loss at
//! the right. Each model alone is a ring (the run's own model filled), their mean a cross,
//! the combination a large diamond, all in the run's colour, so the lesson reads at a glance:
//! is the diamond beyond every ring? Beside the panels each band names the run and what it
//! combines, and writes the mean and the combined value.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::PlotError;
use super::super::axis::Axis;
use super::super::parts::{Entry, Glyph, LegendBox, Marker, title};
use super::super::style::{FONT, Sizes, run_color};
use super::curves::STYLE_SAMPLE;
use super::{EnsembleRow, EnsembleScene, Rect, heading, percent};

/// Marker radii at the reference size: a model alone, the mean, the combination.
const ALONE: f64 = 6.0;
const MEAN: f64 = 7.0;
const TOGETHER: f64 = 10.0;
/// Where a band's mean and combination sit, from its centre (bands are 1 high).
const COMBINED_LINE: f64 = -0.22;

/// Where the figure put things, in the figure's pixels.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct EnsembleLayout {
    /// The accuracy panel's and the loss panel's plotting areas.
    pub panels: [Rect; 2],
    /// The axes: accuracy in per cent, loss.
    pub x: [Axis; 2],
    /// Per band: its label's pixel row, and the combination's pixel in each panel.
    pub bands: Vec<(i32, [(i32, i32); 2])>,
    pub legend: Rect,
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &EnsembleScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<EnsembleLayout, PlotError> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    // Text in proportion to the width: the figure grows in height with its bands.
    let sizes = Sizes::new(w, w * 4 / 5, scene.scale);
    let shows = format!(
        "each model alone against the models combined ({} set)",
        scene.set
    );
    let mut top = title(root, &heading(&scene.title, &shows), &sizes)?;

    let sample = sizes.int(10.0);
    let entry = |text: &str, glyph: Glyph, fill: RGBColor, edge: RGBColor| Entry {
        text: text.to_string(),
        glyph,
        size: sample,
        fill,
        edge,
    };
    let entries = vec![
        entry("a model alone", Glyph::Ring, STYLE_SAMPLE, STYLE_SAMPLE),
        entry(
            "the run's own (snapshots: the last)",
            Glyph::Dot,
            STYLE_SAMPLE,
            STYLE_SAMPLE,
        ),
        entry("their mean", Glyph::Cross, STYLE_SAMPLE, STYLE_SAMPLE),
        entry(
            "combined: ensemble or averaged weights",
            Glyph::Diamond,
            STYLE_SAMPLE,
            BLACK,
        ),
    ];
    let font = sizes.legend_font();
    let legend =
        LegendBox::widest_fitting(root, &entries, font, w.saturating_sub(sizes.side(20.0)))?;
    let (lw, lh) = legend.size();
    let legend_at = ((w as i32 - lw as i32) / 2, top as i32);
    legend.draw(root, legend_at)?;
    top += lh + sizes.side(10.0);

    // The band labels at the left: the run, what it combines, mean → combined.
    let label_font = sizes.legend_font();
    let line_h = (label_font * 1.25).round() as i32;
    let label_w = label_width(root, scene, label_font)?
        .min(w * 2 / 5)
        .max(sizes.side(60.0));
    let panels_x = label_w + sizes.side(16.0);
    let bottom = sizes.side(64.0);
    let body_h = h.saturating_sub(top + bottom);
    let panel_w = w.saturating_sub(panels_x + sizes.side(12.0)) / 2;
    let rows = scene.rows.len().max(1);
    let values = |k: usize| {
        scene.rows.iter().flat_map(move |r| {
            r.alone
                .iter()
                .map(move |v| v[k])
                .chain(std::iter::once(r.together[k]))
        })
    };
    let x = [
        fitted_axis(values(0).map(|v| v * 100.0), panel_w, &sizes),
        fitted_axis(values(1), panel_w, &sizes),
    ];
    let captions = ["accuracy (%): higher is better", "loss: lower is better"];
    let mut panels = [(0, 0, 0, 0); 2];
    let mut centres: Vec<Vec<(i32, i32)>> = vec![Vec::new(); scene.rows.len()];
    let mut band_rows = vec![0; scene.rows.len()];
    for k in 0..2 {
        let left = panels_x + k as u32 * panel_w;
        let area = root
            .clone()
            .shrink((left as i32, top as i32), (panel_w, body_h + bottom));
        let axis = &x[k];
        let labels = |v: &f64| axis.label(*v);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(sizes.side(14.0))
            .margin_left(sizes.side(6.0))
            .x_label_area_size(bottom)
            .build_cartesian_2d(axis.ranged(), 0.0..rows as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
            .axis_style(BLACK.stroke_width(sizes.side(1.0)))
            .set_all_tick_mark_size(sizes.side(5.0))
            .x_desc(captions[k])
            .x_label_formatter(&labels)
            .label_style((FONT, sizes.tick_font()))
            .axis_desc_style((FONT, sizes.axis_desc_font()))
            .draw()?;
        let plot = chart.plotting_area();
        let (px, py) = plot.get_pixel_range();
        panels[k] = (
            px.start,
            py.start,
            (px.end - px.start) as u32,
            (py.end - py.start) as u32,
        );
        plot.draw(&Rectangle::new(
            [(axis.lo, 0.0), (axis.hi, rows as f64)],
            BLACK.mix(0.35).stroke_width(sizes.side(1.0)),
        ))?;
        for (r, row) in scene.rows.iter().enumerate() {
            let centre = rows as f64 - r as f64 - 0.5;
            if r > 0 {
                plot.draw(&PathElement::new(
                    vec![(axis.lo, centre + 0.5), (axis.hi, centre + 0.5)],
                    BLACK.mix(0.15).stroke_width(sizes.side(1.0)),
                ))?;
            }
            let scaled = |v: f64| if k == 0 { v * 100.0 } else { v };
            let inside = |v: f64| v.is_finite() && (axis.lo..=axis.hi).contains(&v);
            let color = run_color(row.run);
            // The models alone in the band's upper part, one under another from the top so
            // that none hides another; their mean and the combination on a line below them.
            let n = row.alone.len();
            let below = centre + COMBINED_LINE;
            for (j, v) in row.alone.iter().enumerate() {
                let value = scaled(v[k]);
                if !inside(value) {
                    continue;
                }
                let offset = if n > 1 {
                    0.38 - 0.3 * j as f64 / (n - 1) as f64
                } else {
                    0.2
                };
                let glyph = if row.own == Some(j) {
                    Glyph::Dot
                } else {
                    Glyph::Ring
                };
                let marker = Marker::new(
                    (value, centre + offset),
                    glyph,
                    sizes.int(ALONE),
                    color,
                    color,
                );
                plot.draw(&marker)?;
            }
            if n > 1 {
                let mean = scaled(row.alone.iter().map(|v| v[k]).sum::<f64>() / n as f64);
                if inside(mean) {
                    plot.draw(&Marker::new(
                        (mean, below),
                        Glyph::Cross,
                        sizes.int(MEAN),
                        color,
                        color,
                    ))?;
                }
            }
            let together = scaled(row.together[k]);
            let at = plot.map_coordinate(&(together, below));
            centres[r].push(at);
            band_rows[r] = plot.map_coordinate(&(together, centre)).1;
            if inside(together) {
                plot.draw(&Marker::new(
                    (together, below),
                    Glyph::Diamond,
                    sizes.int(TOGETHER),
                    color,
                    BLACK,
                ))?;
            }
        }
    }
    // Each band's label, centred on its band.
    let plain = TextStyle::from((FONT, label_font).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let x0 = sizes.int(10.0);
    for (r, row) in scene.rows.iter().enumerate() {
        let color = run_color(row.run);
        let lines = label_lines(row);
        let first = band_rows[r] - line_h * (lines.len() as i32 - 1) / 2;
        for (j, line) in lines.iter().enumerate() {
            let style = if j == 0 {
                plain.color(&color)
            } else {
                plain.clone()
            };
            root.draw(&Text::new(
                line.as_str(),
                (x0, first + j as i32 * line_h),
                style,
            ))?;
        }
    }
    let bands = band_rows
        .iter()
        .zip(&centres)
        .map(|(&y, c)| {
            (
                y,
                [
                    c.first().copied().unwrap_or((0, y)),
                    c.get(1).copied().unwrap_or((0, y)),
                ],
            )
        })
        .collect();
    Ok(EnsembleLayout {
        panels,
        x,
        bands,
        legend: (legend_at.0, legend_at.1, lw, lh),
    })
}

/// A band's label: the run, what it combines, and the mean alone → the combination.
fn label_lines(row: &EnsembleRow) -> Vec<String> {
    let n = row.alone.len() as f64;
    // No models alone (a run that diverged before its first snapshot): no mean either.
    let mean = |k: usize| row.alone.iter().map(|v| v[k]).sum::<f64>() / n;
    let alone = if row.alone.len() == 1 {
        "alone"
    } else {
        "mean"
    };
    vec![
        row.label.clone(),
        row.what.clone(),
        format!(
            "accuracy: {alone} {} → {}",
            percent(mean(0)),
            percent(row.together[0])
        ),
        format!(
            "loss: {alone} {} → {}",
            loss_text(mean(1)),
            loss_text(row.together[1])
        ),
    ]
}

fn loss_text(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "–".to_string()
    }
}

/// The widest band label, in pixels.
fn label_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scene: &EnsembleScene,
    font: f64,
) -> Result<u32, PlotError> {
    let style = TextStyle::from((FONT, font).into_font());
    let mut widest = 0;
    for row in &scene.rows {
        for line in label_lines(row) {
            widest = widest.max(root.estimate_text_size(&line, &style)?.0);
        }
    }
    Ok(widest)
}

/// A linear axis around every finite value, with a twentieth of their spread (at least a
/// little) beyond each end, so no marker sits on the frame.
fn fitted_axis(values: impl Iterator<Item = f64>, width: u32, sizes: &Sizes) -> Axis {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let target = (f64::from(width) / sizes.px(90.0)).clamp(2.0, 8.0) as usize;
    if lo.partial_cmp(&hi).is_none_or(|o| o.is_gt()) {
        return Axis::linear(0.0, 1.0, target);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(1e-3) * 0.01);
    // At least three ticks, however narrow the range: one tick alone gives no scale.
    (target..=12)
        .map(|t| Axis::linear(lo - pad, hi + pad, t))
        .find(|a| a.ticks.len() >= 3)
        .unwrap_or_else(|| Axis::linear(lo - pad, hi + pad, target))
}
