use std::path::Path;

use super::*;
use crate::config;

fn experiment(text: &str) -> Experiment {
    config::parse(text, Path::new("sweep_test.toml")).unwrap()
}

const NOISY: &str = r#"
steps = 50
[surface]
kind = "rosenbrock"
[noise]
std = 0.5
[sweep]
lr = [1e-5, 1e-2]
points = 4
seeds = 3
momentum = [0.0, 0.9]
[[optimizer]]
kind = "sgd"
[[optimizer]]
kind = "adam"
sweep_lr = [1e-3, 1.0]
"#;

fn plan_of(e: &Experiment) -> Plan {
    Plan::new(e, e.sweep.as_ref().unwrap())
}

#[test]
fn learning_rates_are_log_spaced_with_both_ends_exact() {
    let lrs = log_space(1e-5, 1e-2, 4);
    assert_eq!(lrs[0], 1e-5);
    assert_eq!(lrs[3], 1e-2);
    assert!((lrs[1] / 1e-4 - 1.0).abs() < 1e-12, "{lrs:?}");
    assert!((lrs[2] / 1e-3 - 1.0).abs() < 1e-12, "{lrs:?}");
}

#[test]
fn the_grid_is_run_by_run_then_axis_values_then_lrs_then_seeds() {
    let e = experiment(NOISY);
    let plan = plan_of(&e);
    // sgd takes momentum (2 values), adam does not: 3 variants of 4 lrs × 3 seeds.
    let labels: Vec<&str> = plan.variants.iter().map(|v| v.label.as_str()).collect();
    assert_eq!(labels, ["sgd momentum=0", "sgd momentum=0.9", "adam"]);
    assert_eq!(plan.len(), 3 * 4 * 3);
    assert_eq!(plan.variants[2].lrs[0], 1e-3, "adam keeps its own range");
    assert_eq!(plan.seeds, [0, 1, 2]);
    assert_eq!(
        plan.job(0),
        Job {
            variant: 0,
            lr: 0,
            seed: 0
        }
    );
    assert_eq!(
        plan.job(4),
        Job {
            variant: 0,
            lr: 1,
            seed: 1
        }
    );
    assert_eq!(
        plan.job(12),
        Job {
            variant: 1,
            lr: 0,
            seed: 0
        }
    );
    assert_eq!(
        plan.job(35),
        Job {
            variant: 2,
            lr: 3,
            seed: 2
        }
    );
}

#[test]
fn shards_cover_the_grid_once_in_order() {
    let plan = plan_of(&experiment(NOISY));
    for n in 1..=7 {
        let mut next = 0;
        for k in 1..=n {
            let range = plan.shard(k, n);
            assert_eq!(range.start, next, "shard {k} of {n}");
            next = range.end;
        }
        assert_eq!(next, plan.len());
    }
}

#[test]
fn quantiles_interpolate_and_infinity_wins() {
    let q = summary::quantile;
    assert_eq!(q(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    assert_eq!(q(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
    assert_eq!(q(&[1.0, f64::INFINITY], 0.5), f64::INFINITY);
    assert_eq!(q(&[1.0, 2.0, f64::INFINITY], 0.5), 2.0);
    assert_eq!(q(&[5.0], 0.75), 5.0);
}

fn row(job: Job, metric: f64) -> Row {
    Row {
        job,
        status: if metric.is_finite() {
            Ended::MaxSteps
        } else {
            Ended::Diverged
        },
        final_loss: metric,
        best_loss: metric,
        steps_to_tolerance: None,
        metric,
    }
}

#[test]
fn the_best_lr_has_the_lowest_median_ties_go_low_and_edges_are_flagged() {
    let e = experiment(NOISY);
    let plan = plan_of(&e);
    let inf = f64::INFINITY;
    // Per variant, per lr, three seeds.
    let metrics: [[[f64; 3]; 4]; 3] = [
        // Best at lr 2; lr 3 has two of three seeds diverged.
        [[5.0; 3], [3.0; 3], [1.0, 2.0, 0.5], [inf, inf, 0.1]],
        // A tie between lrs 1 and 2 goes to the smaller.
        [[4.0; 3], [2.0; 3], [2.0; 3], [3.0; 3]],
        // The best at the top edge; nothing diverged.
        [[9.0; 3], [8.0; 3], [7.0; 3], [6.0; 3]],
    ];
    let rows: Vec<Row> = (0..plan.len())
        .map(|i| {
            let j = plan.job(i);
            row(j, metrics[j.variant][j.lr][j.seed])
        })
        .collect();
    let s = summarize(&plan, &rows);
    assert_eq!(s[0].best, Some(2));
    assert_eq!(s[0].cells[2].median, 1.0);
    assert_eq!(s[0].cells[3].median, inf);
    assert_eq!(s[0].cells[3].diverged, 2);
    assert_eq!(s[0].diverged_runs(), 2);
    assert!(!s[0].at_edge);
    assert_eq!(s[1].best, Some(1));
    assert_eq!(s[2].best, Some(3));
    assert!(s[2].at_edge);
    // A variant whose every lr diverged has no best.
    let all_diverged: Vec<Row> = rows.iter().map(|r| row(r.job, inf)).collect();
    let s = summarize(&plan, &all_diverged);
    assert!(s.iter().all(|s| s.best.is_none() && !s.at_edge));
}

#[test]
fn best_runs_show_their_log_spaced_lr_to_three_digits_in_legends() {
    // 8 points over [1e-3, 1]: the winner, the fourth, is 10^(-12/7), 17 digits long.
    let text = NOISY
        .replace("points = 4", "points = 8")
        .replace("momentum = [0.0, 0.9]\n", "");
    let e = experiment(&text);
    let plan = plan_of(&e);
    let rows: Vec<Row> = (0..plan.len())
        .map(|i| {
            let j = plan.job(i);
            row(j, (j.lr as f64 - 3.0).abs() + 1.0)
        })
        .collect();
    let best = best_experiment(&e, &plan, &summarize(&plan, &rows));
    assert_eq!(best.runs[1].lr, log_space(1e-3, 1.0, 8)[3]);
    assert_eq!(best.runs[0].summary(), "lr=1.93e-4");
    assert_eq!(best.runs[1].summary(), "lr=0.0193, β=(0.9, 0.999)");
}

#[test]
fn rows_do_not_depend_on_the_number_of_threads() {
    let e = experiment(NOISY);
    let plan = plan_of(&e);
    let cancel = Cancel::new();
    let one = run_range(&e, &plan, 0..plan.len(), 1, &cancel, &mut |_, _| {}).unwrap();
    let two = run_range(&e, &plan, 0..plan.len(), 2, &cancel, &mut |_, _| {}).unwrap();
    assert_eq!(csv_bytes(&e, &plan, &one), csv_bytes(&e, &plan, &two));
    // The seeds see different noise: repeats are not copies.
    assert_ne!(one[0].final_loss, one[1].final_loss);
}

#[test]
fn parts_read_back_to_the_same_rows() {
    let e = experiment(NOISY);
    let plan = plan_of(&e);
    let cancel = Cancel::new();
    let all = run_range(&e, &plan, 0..plan.len(), 2, &cancel, &mut |_, _| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut merged = Vec::new();
    for k in 1..=3 {
        let range = plan.shard(k, 3);
        let bytes = part_bytes(
            &e,
            &plan,
            &all[range],
            (k, 3),
            Path::new("sweep_test.toml"),
            NOISY,
            (4, 3),
        );
        let path = dir.path().join(part_name(k, 3));
        std::fs::write(&path, bytes).unwrap();
        let part = parse_part(&path).unwrap();
        assert_eq!(part.source, NOISY);
        assert_eq!((part.points, part.seeds), (4, 3));
        merged.extend(part_rows(&e, &plan, &part).unwrap());
    }
    assert_eq!(merged, all);
}

#[test]
fn a_tolerance_never_reached_is_shown_as_such_not_as_a_divergence() {
    let e = experiment(
        "steps = 5\ntolerance = 1e-9\n[surface]\nkind = \"quadratic\"\n[sweep]\nlr = [1e-3, 1e-2]\n\
         points = 3\nmetric = \"steps_to_tolerance\"\n[[optimizer]]\nkind = \"sgd\"\n",
    );
    let plan = plan_of(&e);
    let rows = run_range(&e, &plan, 0..plan.len(), 1, &Cancel::new(), &mut |_, _| {}).unwrap();
    assert!(
        rows.iter()
            .all(|r| r.status == Ended::MaxSteps && r.metric.is_infinite())
    );
    let summaries = summarize(&plan, &rows);
    assert_eq!(summaries[0].best, None);
    let scene = scene(&e, &plan, &summaries);
    assert!(scene.rows[0].cells.iter().all(|c| c.median.is_nan()));
    assert_eq!(scene.unreached, "tolerance not reached in 5 steps");
    let table = table(&e, &plan, &summaries);
    assert!(table.contains("never within 5 steps"), "{table}");
    assert!(!table.contains("every lr diverged"), "{table}");
}
