//! Sweeps of network files: the metric a file gets, accuracy ranked the right way up, and the
//! seeds that vary the training but never the data it is measured on.

use std::path::Path;

use super::*;
use crate::config;

/// A tiny grid: moons, 2 optimizers × 3 lrs × 2 seeds of 40 steps.
const MOONS: &str = r#"
steps = 40
[data]
kind = "moons"
points = 60
validation = 0.3
batch = 16
[model]
hidden = [8]
[sweep]
points = 3
seeds = 2
[[optimizer]]
kind = "sgd"
sweep_lr = [1e-3, 1.0]
[[optimizer]]
kind = "adam"
sweep_lr = [1e-4, 1e-1]
"#;

fn experiment(text: &str) -> Experiment {
    config::parse(text, Path::new("net_sweep_test.toml")).unwrap()
}

fn plan_of(e: &Experiment) -> Plan {
    Plan::new(e, e.sweep.as_ref().unwrap())
}

#[test]
fn a_network_file_measures_validation_accuracy_unless_it_has_no_validation_set() {
    let e = experiment(MOONS);
    assert_eq!(e.sweep.as_ref().unwrap().metric, Metric::ValAccuracy);
    let without = experiment(&MOONS.replace("validation = 0.3", "validation = 0"));
    assert_eq!(without.sweep.as_ref().unwrap().metric, Metric::FinalLoss);
    let loss = experiment(&MOONS.replace("seeds = 2", "seeds = 2\nmetric = \"val_loss\""));
    assert_eq!(loss.sweep.as_ref().unwrap().metric, Metric::ValLoss);
}

/// A row of the plan's job `index` with metric `metric` (or diverged).
fn row(plan: &Plan, index: usize, metric: Option<f64>) -> Row {
    Row {
        job: plan.job(index),
        status: if metric.is_some() {
            Ended::MaxSteps
        } else {
            Ended::Diverged
        },
        final_loss: 0.5,
        best_loss: 0.4,
        steps_to_tolerance: None,
        metric: metric.unwrap_or(Metric::ValAccuracy.worst()),
    }
}

#[test]
fn the_best_accuracy_is_the_highest_median_and_a_diverged_run_counts_as_the_worst() {
    let e = experiment(MOONS);
    let plan = plan_of(&e);
    // sgd: medians 0.9 at lrs 0 and 1 (a tie: the smaller wins); lr 2 has a seed at 1.0 but
    // the other diverged: its median is −inf, never the best.
    // adam: 0.5 and 0.7, 0.8 and 1.0, then both diverged.
    let metrics = [
        Some(0.9),
        Some(0.9),
        Some(0.8),
        Some(1.0),
        Some(1.0),
        None,
        Some(0.5),
        Some(0.7),
        Some(0.8),
        Some(1.0),
        None,
        None,
    ];
    let rows: Vec<Row> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| row(&plan, i, *m))
        .collect();
    let summaries = summarize(&plan, &rows);
    let sgd = &summaries[0];
    assert_eq!(sgd.best, Some(0), "ties go to the smaller lr: {sgd:?}");
    assert_eq!(sgd.cells[2].median, f64::NEG_INFINITY);
    assert!(!sgd.cells[2].median.is_finite());
    let adam = &summaries[1];
    assert_eq!(adam.best, Some(1), "the highest median wins: {adam:?}");
    assert!(!adam.at_edge);
    let c = adam.cells[1];
    assert!((c.median - 0.9).abs() < 1e-12);
    assert!(c.q25 <= c.median && c.median <= c.q75, "{c:?}");
    assert!((c.q25 - 0.85).abs() < 1e-12 && (c.q75 - 0.95).abs() < 1e-12);
    assert_eq!(adam.diverged_runs(), 2);
    // best/ takes each run at its best lr.
    let best = best_experiment(&e, &plan, &summaries);
    assert_eq!(best.runs[0].lr, plan.variants[0].lrs[0]);
    assert_eq!(best.runs[1].lr, plan.variants[1].lrs[1]);
}

#[test]
fn seeds_vary_the_initial_weights_and_the_minibatches_but_not_the_validation_set() {
    let e = experiment(MOONS);
    let network = e.network().unwrap();
    assert_eq!(
        network.initial_for(&e.runs[0].network, e.seed),
        network.initial,
        "the file's own seed"
    );
    assert_ne!(
        network.initial_for(&e.runs[0].network, e.seed + 1),
        network.initial
    );

    let plan = plan_of(&e);
    // Adam's middle lr, seeds 0 and 1.
    let range = 8..10;
    let rows = run_range(&e, &plan, range, 1, &Cancel::new(), &mut |_, _| {}).unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].final_loss, rows[1].final_loss, "{rows:?}");
    for r in &rows {
        assert_eq!(r.status, Ended::MaxSteps);
        assert!((0.0..=1.0).contains(&r.metric), "{r:?}");
        assert!(r.best_loss <= r.final_loss, "{r:?}");
        assert_eq!(r.steps_to_tolerance, None);
        // Every accuracy is a count of the same 18 validation points.
        let count = r.metric * 18.0;
        assert!((count - count.round()).abs() < 1e-9, "{r:?}");
    }
}

#[test]
fn a_model_or_data_key_given_as_a_list_is_a_grid_axis_of_every_run() {
    let text = MOONS.replace(
        "seeds = 2",
        "seeds = 2\n\"model.l2\" = [0.0, 0.01]\n\"data.batch\" = [0, 16]",
    );
    let e = experiment(&text);
    let plan = plan_of(&e);
    let labels: Vec<&str> = plan.variants.iter().map(|v| v.label.as_str()).collect();
    // Axes in the table's order (TOML keys sorted), first axis slowest.
    assert_eq!(
        labels[..4],
        [
            "sgd data.batch=0 model.l2=0",
            "sgd data.batch=0 model.l2=0.01",
            "sgd data.batch=16 model.l2=0",
            "sgd data.batch=16 model.l2=0.01",
        ]
    );
    assert_eq!(plan.len(), 2 * 4 * 3 * 2);
    assert_eq!(plan.variants[3].config.network.l2, Some(0.01));
    assert_eq!(plan.variants[3].config.network.batch, Some(16));
    assert_eq!(plan.axes, ["data.batch", "model.l2"]);

    // Full batch with and without the penalty, at sgd's middle lr and the first seed: the
    // penalty changes the training.
    let jobs = [2, 8];
    let rows: Vec<Row> = jobs
        .iter()
        .flat_map(|&j| run_range(&e, &plan, j..j + 1, 1, &Cancel::new(), &mut |_, _| {}).unwrap())
        .collect();
    assert_eq!(plan.job(2).variant, 0);
    assert_eq!(plan.job(8).variant, 1);
    assert_ne!(rows[0].final_loss, rows[1].final_loss, "{rows:?}");

    // The columns after `seed`, and a part of the grid reads back to the same rows.
    let range = plan.shard(1, 4);
    let rows = run_range(&e, &plan, range.clone(), 1, &Cancel::new(), &mut |_, _| {}).unwrap();
    let csv = String::from_utf8(csv_bytes(&e, &plan, &rows)).unwrap();
    assert!(
        csv.starts_with("run,kind,lr,seed,data.batch,model.l2,status,"),
        "{csv}"
    );
    let part = Part {
        path: "part.csv".into(),
        k: 1,
        n: 4,
        file: "net_sweep_test.toml".into(),
        source: text.clone(),
        points: 3,
        seeds: 2,
        csv,
    };
    assert_eq!(part_rows(&e, &plan, &part).unwrap(), rows);
}

#[test]
fn a_data_key_a_run_cannot_override_is_refused_with_what_can_be_swept() {
    let text = MOONS.replace("seeds = 2", "seeds = 2\n\"data.points\" = [30, 100]");
    let error = config::parse(&text, Path::new("net_sweep_test.toml")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("sweep `data.train_points` instead"),
        "{message}"
    );
    let text = MOONS.replace("seeds = 2", "seeds = 2\n\"model.hidden\" = [[8], [16]]");
    let message = config::parse(&text, Path::new("net_sweep_test.toml"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("not supported yet"), "{message}");
    assert!(message.contains("model.l2"), "{message}");
}

#[test]
fn seeds_repeat_a_network_unless_nothing_in_it_is_random() {
    // Drawn initial weights are random enough: full batch, no dropout, still 2 seeds.
    let full_batch = MOONS.replace("batch = 16\n", "");
    assert_eq!(experiment(&full_batch).sweep.unwrap().seeds, 2);
    // Given weights, full batch, nothing else: every seed would repeat the same training.
    let dir = tempfile::tempdir().unwrap();
    // 2 inputs → 8 hidden → 2 classes, as torch's nn.Linear stores them (out × in).
    let layer = |outputs: usize, inputs: usize| serde_json::json!({"weight": vec![vec![0.1; inputs]; outputs], "bias": vec![0.0; outputs]});
    let weights =
        serde_json::json!({"activation": "relu", "layers": [layer(8, 2), layer(2, 8)]}).to_string();
    std::fs::write(dir.path().join("init.json"), weights).unwrap();
    let given = full_batch.replace("hidden = [8]", "hidden = [8]\ninit_from = \"init.json\"");
    let file = dir.path().join("given.toml");
    let error = config::parse(&given, &file).unwrap_err().to_string();
    assert!(error.contains("sweep.seeds"), "{error}");
    assert!(error.contains("init_from"), "{error}");
    // A dropout axis brings its own randomness.
    let dropout = given.replace("seeds = 2", "seeds = 2\n\"model.dropout\" = [0.0, 0.5]");
    assert_eq!(
        config::parse(&dropout, &file).unwrap().sweep.unwrap().seeds,
        2
    );
}

/// The sweep's row for SGD's highest lr in `text` (MOONS changed, one seed) and the run's
/// configuration at that lr.
fn highest_sgd_lr(text: &str) -> (Experiment, Plan, Row, RunConfig) {
    let e = experiment(text);
    let plan = plan_of(&e);
    let rows = run_range(&e, &plan, 2..3, 1, &Cancel::new(), &mut |_, _| {}).unwrap();
    let mut config = plan.variants[0].config.clone();
    config.lr = plan.variants[0].lrs[2];
    (e, plan, rows[0], config)
}

/// `config` trained as `run` trains member `k` of it, with what `setup` adds.
fn trained_member(
    e: &Experiment,
    config: &RunConfig,
    k: u64,
    setup: impl Fn(&mut crate::core::network::train::Training<'_>),
) -> crate::core::network::train::Trained {
    let network = e.network().unwrap();
    let seed = e.seed + k;
    let mut training = network.training(&config.network, e.steps, seed, 0);
    setup(&mut training);
    let initial = network.initial_for(&config.network, seed);
    train(
        &training,
        &config.spec(),
        initial.view(),
        &Cancel::new(),
        &|_| {},
    )
}

/// `members` together on the file's validation set.
fn on_validation(
    e: &Experiment,
    members: &[Member<'_>],
) -> crate::core::network::model::Evaluation {
    let validation = &e.network().unwrap().validation;
    ensemble::evaluate(
        members,
        validation.features.view(),
        &validation.labels,
        &mut Workspace::default(),
    )
}

/// The sweep's table of `rows`, with its notes.
fn table_of(e: &Experiment, plan: &Plan, rows: &[Row]) -> String {
    super::table(e, plan, &summarize(plan, rows))
}

#[test]
fn a_run_that_averages_its_weights_is_measured_through_its_averaged_model() {
    let text = MOONS
        .replace("seeds = 2", "seeds = 1\nmetric = \"val_loss\"")
        .replace(
            "sweep_lr = [1e-3, 1.0]",
            "sweep_lr = [1e-3, 1.0]\naverage = { ema = 0.9 }",
        );
    let (e, plan, row, config) = highest_sgd_lr(&text);
    let trained = trained_member(&e, &config, 0, |t| t.average = config.ensemble.average);
    let averaged = trained.averaged.as_ref().expect("the run averages");
    let (model, weights) = (averaged.history.last().unwrap(), trained.last().unwrap());
    assert_eq!(row.metric, model.validation.loss);
    assert_eq!(row.final_loss, model.train.loss);
    assert_ne!(row.metric, weights.val_loss, "the trained weights' own");
    let table = table_of(&e, &plan, &[row]);
    assert!(
        table.contains(
            "measured on the averaged weights (`average`), the model such a run yields: sgd"
        ),
        "{table}"
    );
}

#[test]
fn a_run_that_keeps_snapshots_is_measured_through_their_ensemble() {
    let text = MOONS.replace("seeds = 2", "seeds = 1").replace(
        "sweep_lr = [1e-3, 1.0]",
        "sweep_lr = [1e-3, 1.0]\nschedule = { kind = \"cosine_restarts\", t_0 = 10 }\n\
         snapshots = true",
    );
    let (e, plan, row, config) = highest_sgd_lr(&text);
    let trained = trained_member(&e, &config, 0, |t| {
        t.snapshots = config.snapshot_steps(e.steps);
    });
    assert_eq!(
        trained.snapshots.len(),
        4,
        "a cycle ends every 10 of 40 steps"
    );
    let shape = e.network().unwrap().model(&config.network).0;
    let together = on_validation(&e, &Member::snapshots(shape, &trained));
    assert_eq!(row.metric, together.accuracy);
    assert_eq!(row.final_loss, row.best_loss, "one measurement, at the end");
    let table = table_of(&e, &plan, &[row]);
    assert!(table.contains("snapshot ensemble (`snapshots`)"), "{table}");
}

#[test]
fn a_run_with_an_ensemble_is_measured_through_all_its_members() {
    let text = MOONS.replace("seeds = 2", "seeds = 1").replace(
        "sweep_lr = [1e-3, 1.0]",
        "sweep_lr = [1e-3, 1.0]\nensemble = 3",
    );
    let (e, plan, row, config) = highest_sgd_lr(&text);
    // Members k = 0, 1, 2 from the file's seed + k, as `run` trains them.
    let mut trained = trained_member(&e, &config, 0, |_| {});
    trained.members = (1..3)
        .map(|k| trained_member(&e, &config, k, |_| {}))
        .collect();
    let shape = e.network().unwrap().model(&config.network).0;
    let members = Member::ensemble(shape, &trained);
    assert_eq!(row.metric, on_validation(&e, &members).accuracy);
    assert_ne!(
        row.final_loss,
        trained.last().unwrap().train_loss,
        "not the run alone"
    );
    let table = table_of(&e, &plan, &[row]);
    assert!(
        table.contains("measured on the ensemble (`ensemble`"),
        "{table}"
    );
}
