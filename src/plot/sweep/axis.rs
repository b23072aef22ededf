//! The second axis' curves: for a sweep with one further axis (`"data.train_points" =
//! [...]`, `"model.l2" = [...]`), each run's metric at its own best learning rate against
//! that axis' value: one line per run of the file, the seeds' middle half as an error bar at
//! each value. Every point is the run at its best lr for that value, so the comparison is
//! fair at every value, as the lecture's transfer table asks ("little data: train the head;
//! more data: fine-tune more").

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::PlotError;
use super::super::axis::Axis;
use super::super::parts::{Entry, Glyph, LegendBox, title};
use super::super::style::{FONT, Sizes, run_color};
use super::{SweepScene, heading};

/// What the axis figure shows: the sweep's rows, grouped by run along the axis.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisScene {
    /// The sweep's cells; its rows are the variants.
    pub sweep: SweepScene,
    /// The axis as people read it: "training points", "model.l2".
    pub name: String,
    /// The runs of the file (one line each), in file order.
    pub runs: Vec<String>,
    /// By row of `sweep`: its run (an index into `runs`) and its value on the axis.
    pub at: Vec<(usize, f64)>,
}

impl super::super::Canvas for AxisScene {
    fn canvas(&self) -> (u32, u32) {
        (self.sweep.width, self.sweep.height)
    }
}

/// One run's points: (axis value, median, q25, q75) at each value's best lr.
type Points = Vec<(f64, f64, f64, f64)>;

/// Each run's points along the axis, ascending; values whose every lr diverged are left out.
fn series(scene: &AxisScene) -> Vec<Points> {
    let mut series = vec![Vec::new(); scene.runs.len()];
    for (row, &(run, x)) in scene.sweep.rows.iter().zip(&scene.at) {
        let Some(best) = row.best else { continue };
        let cell = row.cells[best];
        if cell.median.is_finite() && run < series.len() {
            series[run].push((x, cell.median, cell.q25, cell.q75));
        }
    }
    for points in &mut series {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    series
}

/// A tick of a log axis of counts or strengths, in plain decimals: 5, 20, 0.001.
fn plain(v: f64) -> String {
    let rounded = v.round();
    if v >= 1.0 && (v - rounded).abs() < 1e-6 * v {
        format!("{rounded:.0}")
    } else {
        super::super::style::minus(format!("{}", (v * 1e6).round() / 1e6))
    }
}

/// A value as the metric's axis writes it: accuracies in percent.
fn metric_label(scene: &SweepScene, v: f64, axis: &Axis) -> String {
    if scene.higher_is_better {
        let decimals = if axis.hi - axis.lo < 0.05 { 1 } else { 0 };
        format!("{:.decimals$}%", v * 100.0)
    } else {
        axis.label(v)
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    scene: &AxisScene,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    root.fill(&WHITE)?;
    let sweep = &scene.sweep;
    let sizes = Sizes::new(sweep.width, sweep.height, sweep.scale);
    let shows = format!(
        "{} at each one's best learning rate, against {}",
        sweep.metric, scene.name
    );
    let mut text = heading(sweep, &shows);
    if sweep.seeds > 1 {
        text.push_str(" (bars: middle half)");
    }
    let title_bottom = title(root, &text, &sizes)?;
    let series = series(scene);

    let xs: Vec<f64> = scene.at.iter().map(|&(_, x)| x).collect();
    let (x_lo, x_hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    // Sizes of data and strengths of penalties are read in ratios: a log axis when every
    // value is positive and they span a decade or more.
    let log_x = x_lo > 0.0 && x_hi / x_lo >= 10.0;
    let to_x = |x: f64| if log_x { x.log10() } else { x };
    let span = (to_x(x_hi) - to_x(x_lo)).max(1e-9);
    let xa = if log_x {
        Axis::log_from_exponents(to_x(x_lo) - 0.05 * span, to_x(x_hi) + 0.05 * span, 6)
    } else {
        Axis::linear(x_lo - 0.05 * span, x_hi + 0.05 * span, 6)
    };
    let log_y = sweep.log_metric
        && series
            .iter()
            .flatten()
            .all(|&(_, m, q25, _)| m > 0.0 && q25 > 0.0);
    let to_y = |y: f64| if log_y { y.log10() } else { y };
    let (y_lo, y_hi) = series.iter().flatten().fold(
        (f64::INFINITY, f64::NEG_INFINITY),
        |(lo, hi), &(_, m, q25, q75)| {
            let values = [m, q25, q75].map(to_y);
            let finite = values.iter().copied().filter(|v| v.is_finite());
            (finite.clone().fold(lo, f64::min), finite.fold(hi, f64::max))
        },
    );
    let (y_lo, y_hi) = if y_lo.is_finite() {
        (y_lo, y_hi)
    } else {
        (0.0, 1.0)
    };
    let pad = (y_hi - y_lo).max(1e-6) * 0.08;
    let ya = if log_y {
        Axis::log_from_exponents(y_lo - pad, y_hi + pad, 6)
    } else if sweep.higher_is_better {
        Axis::linear((y_lo - pad).max(0.0), (y_hi + pad).min(1.0), 6)
    } else {
        Axis::linear(y_lo - pad, y_hi + pad, 6)
    };

    // The legend above the plot: one entry per run.
    let entries: Vec<Entry> = scene
        .runs
        .iter()
        .enumerate()
        .map(|(i, label)| Entry {
            text: label.clone(),
            glyph: Glyph::Line,
            size: sizes.int(12.0),
            fill: run_color(i),
            edge: run_color(i),
        })
        .collect();
    let (w, _) = root.dim_in_pixel();
    let legend = LegendBox::widest_fitting(
        root,
        &entries,
        sizes.legend_font(),
        w.saturating_sub(sizes.side(40.0)),
    )?;
    let (lw, lh) = legend.size();
    let legend_top = title_bottom + sizes.side(4.0);
    legend.draw(root, ((w as i32 - lw as i32) / 2, legend_top as i32))?;
    let top = legend_top + lh + sizes.side(8.0);

    let plot_area = root.margin(top, sizes.side(10.0), sizes.side(8.0), sizes.side(24.0));
    let mut chart = ChartBuilder::on(&plot_area)
        .x_label_area_size(sizes.side(44.0))
        .y_label_area_size(sizes.side(70.0))
        .build_cartesian_2d(xa.ranged(), ya.ranged())?;
    let y_caption = if sweep.higher_is_better {
        format!("{} (higher is better)", sweep.metric)
    } else {
        sweep.metric.clone()
    };
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1).stroke_width(sizes.side(1.0)))
        .axis_style(BLACK.stroke_width(sizes.side(1.0)))
        .set_all_tick_mark_size(sizes.side(5.0))
        .x_desc(scene.name.as_str())
        .y_desc(y_caption)
        .label_style((FONT, sizes.tick_font()))
        .axis_desc_style((FONT, sizes.axis_desc_font()))
        .x_label_formatter(&|v| {
            if log_x {
                // Counts and strengths read plainly: 5, 30, 300, not 10¹.
                plain(10f64.powf(*v))
            } else {
                xa.label(*v)
            }
        })
        .y_label_formatter(&|v| metric_label(sweep, if log_y { 10f64.powf(*v) } else { *v }, &ya))
        .draw()?;

    let line = sizes.side(2.5);
    let dot = sizes.int(5.0);
    let cap = sizes.px(5.0);
    for (i, points) in series.iter().enumerate() {
        let colour = run_color(i);
        let at: Vec<(f64, f64)> = points
            .iter()
            .map(|&(x, m, _, _)| (to_x(x), to_y(m)))
            .collect();
        if sweep.seeds > 1 {
            let stroke = colour.stroke_width(sizes.side(1.5));
            let cap = cap.round() as i32;
            for &(x, _, q25, q75) in points {
                let (x, lo, hi) = (to_x(x), to_y(q25), to_y(q75));
                if !(lo.is_finite() && hi.is_finite()) {
                    continue;
                }
                chart.draw_series(std::iter::once(PathElement::new(
                    [(x, lo), (x, hi)],
                    stroke,
                )))?;
                for y in [lo, hi] {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, y)) + PathElement::new([(-cap, 0), (cap, 0)], stroke),
                    ))?;
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            at.clone(),
            colour.stroke_width(line),
        )))?;
        chart.draw_series(
            at.iter()
                .map(|&p| Circle::new(p, dot, ShapeStyle::from(&colour).filled())),
        )?;
    }
    Ok(())
}
