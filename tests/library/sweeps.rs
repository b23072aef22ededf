//! The gallery's sweeps (configs/sweep_*.toml): each lesson re-checked with every optimizer
//! at the best learning rate its own sweep found, as `best/` runs them. Where the lecture's
//! claim does not hold at fair settings (noisy), what does happen is pinned instead.

use optplay::config::Experiment;
use optplay::core::{Cancel, Status};
use optplay::output::{self, RunResult};
use optplay::sweep::{self, Plan, Summary};

use crate::{configs, load};

/// The sweep of `configs/<name>.toml`: its plan, its summaries, and its `best/` runs.
fn swept(name: &str) -> (Experiment, Plan, Vec<Summary>, Vec<RunResult>) {
    let experiment = load(&configs().join(format!("{name}.toml")));
    let settings = experiment
        .sweep
        .clone()
        .expect("a gallery sweep has [sweep]");
    let plan = Plan::new(&experiment, &settings);
    let rows = sweep::run_range(
        &experiment,
        &plan,
        0..plan.len(),
        0,
        &Cancel::new(),
        &mut |_, _| {},
    )
    .unwrap();
    let summaries = sweep::summarize(&plan, &rows);
    let best = sweep::best_experiment(&experiment, &plan, &summaries);
    let runs = output::run_results(&best);
    (experiment, plan, summaries, runs)
}

/// The best median metric of the variant labelled `label`, with no best at an edge.
fn best(plan: &Plan, summaries: &[Summary], label: &str) -> f64 {
    let s = summaries
        .iter()
        .find(|s| plan.variants[s.variant].label == label)
        .unwrap_or_else(|| panic!("no variant {label}"));
    assert!(
        !s.at_edge,
        "{label}: the best lr lies at the edge of its range: widen it"
    );
    s.cells[s.best.expect("a best lr")].median
}

#[test]
fn elongated_at_their_best_sgd_zigzags_and_momentum_converges_twice_as_soon() {
    let (_, plan, summaries, runs) = swept("sweep_elongated");
    let sgd = best(&plan, &summaries, "sgd");
    let momentum = best(&plan, &summaries, "momentum");
    eprintln!("sweep_elongated: |grad| < 1e-6 at step {momentum} (momentum), {sgd} (SGD)");
    assert!(2.0 * momentum <= sgd, "momentum {momentum} vs SGD {sgd}");
    // best/ runs them: both converge, and SGD's y flips sign at every early step.
    assert!(runs.iter().all(|r| r.outcome.status == Status::Converged));
    let trace = &runs[0].trace;
    let flips = (1..=50)
        .filter(|&t| trace.point(t)[1].signum() != trace.point(t - 1)[1].signum())
        .count();
    assert_eq!(flips, 50, "SGD at its best lr zigzags across the valley");
}

#[test]
fn adam_at_their_best_ends_lower_than_sgd_and_momentum_on_rosenbrock() {
    let (_, plan, summaries, _) = swept("sweep_adam");
    let adam = best(&plan, &summaries, "adam");
    for other in ["sgd", "momentum"] {
        let theirs = best(&plan, &summaries, other);
        eprintln!("sweep_adam: final loss {adam:e} (adam), {theirs:e} ({other})");
        assert!(adam * 1e3 < theirs, "adam {adam:e} vs {other} {theirs:e}");
    }
}

#[test]
fn noisy_at_their_best_momentum_and_sgd_hover_at_the_same_level() {
    // The lecture's "momentum stays closer" does not hold at fair settings: tuned, the two
    // hover at about the same loss (momentum's effective step lr/(1 − ρ) matches SGD's).
    let (_, plan, summaries, _) = swept("sweep_noisy");
    let sgd = best(&plan, &summaries, "sgd");
    let momentum = best(&plan, &summaries, "momentum");
    eprintln!("sweep_noisy: median final loss {momentum} (momentum), {sgd} (SGD)");
    assert!(
        (0.5..2.0).contains(&(momentum / sgd)),
        "{momentum} vs {sgd}"
    );
}

#[test]
fn learning_rates_too_low_good_high_and_too_high_are_all_in_the_sweep() {
    let (_, plan, summaries, _) = swept("sweep_learning_rates");
    let s = &summaries[0];
    let best = s.best.expect("a best lr");
    assert!(!s.at_edge);
    let cells = &s.cells;
    let good = cells[best].median;
    // Too low: ten times the best's loss at the lowest rate.
    assert!(
        cells[0].median > 10.0 * good,
        "{} vs {good}",
        cells[0].median
    );
    // Too high: the highest rates diverge in every seed.
    let last = cells.last().unwrap();
    assert_eq!(last.diverged, last.runs, "the highest lr diverges");
    // High: between the best and divergence, a rate that still converges hovers higher.
    let high = cells[best + 1..]
        .iter()
        .rfind(|c| c.median.is_finite())
        .expect("a high but stable rate");
    assert!(
        high.median > 2.0 * good,
        "high {} vs good {good}",
        high.median
    );
    assert_eq!(plan.variants.len(), 1);
}

#[test]
fn network_momentum_and_adam_each_reach_ninety_percent_inside_their_lr_ranges() {
    // configs/sweep_network.toml, shortened: 500 steps, 6 lrs, 2 seeds (the file: 1500 steps,
    // 12 lrs, 3 seeds; both best at 97.8%).
    let overrides = optplay::config::Overrides {
        steps: Some(500),
        points: Some(6),
        seeds: Some(2),
        ..Default::default()
    };
    let experiment = crate::load_with(&configs().join("sweep_network.toml"), &overrides);
    let settings = experiment.sweep.clone().expect("[sweep]");
    assert_eq!(settings.metric, optplay::config::Metric::ValAccuracy);
    let plan = Plan::new(&experiment, &settings);
    let rows = sweep::run_range(
        &experiment,
        &plan,
        0..plan.len(),
        0,
        &Cancel::new(),
        &mut |_, _| {},
    )
    .unwrap();
    let summaries = sweep::summarize(&plan, &rows);
    for label in ["momentum", "adam"] {
        let accuracy = best(&plan, &summaries, label);
        eprintln!("sweep_network (short): {label} best median validation accuracy {accuracy}");
        assert!(accuracy >= 0.9, "{label}: {accuracy}");
    }
    // Too low a rate has not learned the spiral in 500 steps: the range brackets the best.
    for s in &summaries {
        assert!(s.cells[0].median < 0.8, "{:?}", s.cells[0]);
    }
}
