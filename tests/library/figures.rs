//! What the figures promise, measured: every run's path and curves in sight, legends over
//! nothing, plotting areas that keep most of the canvas, on every gallery experiment and on
//! ten-optimizer compares of every surface.

use optplay::config::{CompareRequest, Experiment, LrRequest, Overrides};
use optplay::core::Trace;
use optplay::output;
use optplay::plot::{self, Inspection, LEAST_PLOT_SHARE};

use crate::robust::surfaces;
use crate::{compare, gallery, load_with, optimizers, small_grid};

/// The share of its drawn path (trajectories) and curves (loss figure, each panel) each run
/// keeps in sight, at the least.
const LEAST_VISIBLE: f64 = 0.3;

/// Both figures' layouts for `experiment` at its own size (on a coarse grid: the contours do
/// not move paths or legends).
fn inspect(mut experiment: Experiment) -> (Inspection, Inspection) {
    small_grid(&mut experiment);
    let traces: Vec<Trace> = output::run_all(&experiment);
    let problem = experiment.surface().expect("a surface experiment");
    let grid = output::sample_grid(problem);
    let scene = output::scene(&experiment, problem, &traces, &grid);
    let trajectories = plot::inspect_trajectories(&scene).unwrap();
    let loss = plot::inspect_loss(&scene).unwrap();
    (trajectories, loss)
}

/// Every promise, for the figures of `name`.
fn check(name: &str, (trajectories, loss): &(Inspection, Inspection)) {
    for (run, &v) in trajectories.visible.iter().enumerate() {
        assert!(
            v >= LEAST_VISIBLE,
            "{name}: run {run} keeps {:.0}% of its path in sight ({:?})",
            v * 100.0,
            trajectories.visible
        );
    }
    // Every run is measured in the loss figure too: in the loss panel on its own, in the
    // learning-rate panel with the runs of the very same schedule (one curve, in turns).
    assert_eq!(
        loss.visible.len(),
        trajectories.visible.len(),
        "{name}: every run of the loss figure is measured"
    );
    for (run, &v) in loss.visible.iter().enumerate() {
        assert!(
            v >= LEAST_VISIBLE,
            "{name}: run {run} keeps {:.0}% of a loss figure curve in sight ({:?})",
            v * 100.0,
            loss.visible
        );
    }
    assert_eq!(
        trajectories.legend_covers, 0,
        "{name}: the legend covers drawn data"
    );
    for (figure, inspection) in [("trajectories", trajectories), ("loss", loss)] {
        assert!(
            inspection.plot_share >= LEAST_PLOT_SHARE,
            "{name}: the {figure} figure's plot keeps {:.1}% of the canvas",
            inspection.plot_share * 100.0
        );
    }
    // The loss figure's legend stands clear of both panels.
    if let Some((lx, ly, lw, lh)) = loss.legend {
        for &(px, py, pw, ph) in &loss.plots {
            let apart = lx + lw as i32 <= px
                || px + pw as i32 <= lx
                || ly + lh as i32 <= py
                || py + ph as i32 <= ly;
            assert!(apart, "{name}: the loss legend overlaps a panel");
        }
    }
}

#[test]
fn every_gallery_figure_shows_every_run_and_hides_nothing_under_its_legend() {
    // The network figures are checked in src/plot/network/tests.rs.
    for path in crate::surface_gallery() {
        let experiment = load_with(&path, &Overrides::default());
        let name = experiment.name.clone();
        check(&name, &inspect(experiment));
    }
}

#[test]
fn ten_optimizers_on_every_surface_all_stay_in_sight() {
    let all = optplay::core::registry::optimizer_names();
    let ten: Vec<&str> = all.iter().take(10).copied().collect();
    assert_eq!(ten.len(), 10);
    for surface in surfaces() {
        let request = CompareRequest {
            optimizers: optimizers(&ten),
            surface: optplay::core::registry::surface(surface),
            ..CompareRequest::default()
        };
        let experiment = compare(&request);
        check(&format!("compare on {surface}"), &inspect(experiment));
    }
}

#[test]
fn ten_optimizers_at_one_learning_rate_share_one_lr_curve_and_all_stay_in_sight() {
    // Ten identical lr curves are one curve: it is drawn in turns of the ten colours and
    // counts as one (a run's share of it could not reach 30% in any order); the loss
    // curves each count on their own.
    let all = optplay::core::registry::optimizer_names();
    let ten: Vec<&str> = all.iter().take(10).copied().collect();
    let request = CompareRequest {
        optimizers: optimizers(&ten),
        surface: optplay::core::registry::surface("bowl"),
        lr: LrRequest::All(0.01),
        ..CompareRequest::default()
    };
    check("compare on bowl at lr 0.01", &inspect(compare(&request)));
}

/// The loss figure of `experiment` with its runs replaced by `copies` copies of its first
/// run, each under a name of its own: runs that are numerically the same.
fn identical_runs(mut experiment: Experiment, copies: usize) -> Inspection {
    small_grid(&mut experiment);
    let traces: Vec<Trace> = output::run_all(&experiment);
    let problem = experiment.surface().expect("a surface experiment");
    let grid = output::sample_grid(problem);
    let mut scene = output::scene(&experiment, problem, &traces, &grid);
    let names = ["one", "two", "three", "four", "five"];
    let first = scene.runs[0].clone();
    scene.runs = names[..copies]
        .iter()
        .map(|&name| plot::PlotRun {
            label: name,
            legend: name.to_string(),
            ..first.clone()
        })
        .collect();
    plot::inspect_loss(&scene).unwrap()
}

#[test]
fn identical_loss_curves_take_turns_and_up_to_three_keep_a_third_each_in_sight() {
    let path = gallery()
        .into_iter()
        .find(|p| p.file_stem().is_some_and(|s| s == "saddle"))
        .expect("the saddle experiment");
    for copies in [2, 3] {
        let loss = identical_runs(load_with(&path, &Overrides::default()), copies);
        assert_eq!(loss.visible.len(), copies);
        for (run, &v) in loss.visible.iter().enumerate() {
            assert!(
                v >= LEAST_VISIBLE,
                "{copies} identical runs: run {run} keeps {:.0}% of its loss curve in sight",
                v * 100.0
            );
        }
    }
    // Four or more identical curves cannot each keep 30% in sight: they draw the same
    // pixels, so their shares add up to at most the whole line, a quarter each for four. The
    // figure promises them fair turns instead: every colour holds nearly its quarter.
    let loss = identical_runs(load_with(&path, &Overrides::default()), 4);
    for (run, &v) in loss.visible.iter().enumerate() {
        assert!(
            v >= 0.8 / 4.0,
            "4 identical runs: run {run} keeps {:.0}% of its loss curve in sight",
            v * 100.0
        );
    }
}

#[test]
fn small_and_large_figures_keep_their_plots_and_legends_clear() {
    let path = gallery()
        .into_iter()
        .find(|p| p.file_stem().is_some_and(|s| s == "saddle"))
        .expect("the saddle experiment");
    for (w, h) in [(600, 480), (640, 400), (480, 640), (2000, 1600)] {
        let mut experiment = load_with(&path, &Overrides::default());
        assert!(plot::fit(w, h, 1.0).is_ok(), "{w}x{h} fits");
        experiment.plot.width = w;
        experiment.plot.height = h;
        check(&format!("saddle at {w}x{h}"), &inspect(experiment));
    }
}
