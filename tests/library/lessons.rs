//! Every lesson the gallery configs teach, asserted on their numbers: a change that breaks
//! the lesson breaks the build. Run labels are pinned (outside scripts check them too).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::{configs, run_small, summary, svg_only};

/// One CSV row of a run.
#[derive(Clone, Copy, Debug)]
struct Row {
    x: f64,
    y: f64,
    loss: f64,
    lr: f64,
}

/// A config's outputs: rows per run label, and summary.json's runs by label.
struct Outcome {
    rows: BTreeMap<String, Vec<Row>>,
    runs: BTreeMap<String, Value>,
    trajectories_svg: String,
}

impl Outcome {
    fn rows(&self, label: &str) -> &[Row] {
        self.rows
            .get(label)
            .unwrap_or_else(|| panic!("no run labelled {label}"))
    }

    fn run(&self, label: &str) -> &Value {
        self.runs
            .get(label)
            .unwrap_or_else(|| panic!("no run labelled {label}"))
    }
}

const LESSONS: [&str; 13] = [
    "elongated",
    "saddle",
    "local_minimum",
    "noisy",
    "momentum",
    "rmsprop",
    "adam",
    "adam_bias",
    "learning_rates",
    "step_decay",
    "snapshot",
    "six_hump_camel",
    "ripples",
];

/// All lesson configs run once, in this process, for every test in this module: one thread
/// per lesson, figures small.
fn outputs() -> &'static BTreeMap<&'static str, Outcome> {
    static OUTPUTS: OnceLock<BTreeMap<&'static str, Outcome>> = OnceLock::new();
    OUTPUTS.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            let runs: Vec<_> = LESSONS
                .iter()
                .map(|&name| {
                    let file = configs().join(format!("{name}.toml"));
                    let out = tmp.path();
                    scope.spawn(move || {
                        let written = run_small(&file, &svg_only(), out);
                        (name, read(&written.dir))
                    })
                })
                .collect();
            runs.into_iter()
                .map(|run| run.join().expect("a lesson runs"))
                .collect()
        })
    })
}

fn read(dir: &Path) -> Outcome {
    let csv = std::fs::read_to_string(dir.join("trajectory.csv")).unwrap();
    let mut rows: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let num = |i: usize| cells[i].parse::<f64>().unwrap_or(f64::NAN);
        rows.entry(cells[0].to_string()).or_default().push(Row {
            x: num(3),
            y: num(4),
            loss: num(5),
            lr: num(7),
        });
    }
    let runs = summary(dir)["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["label"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    let trajectories_svg = std::fs::read_to_string(dir.join("trajectories.svg")).unwrap();
    Outcome {
        rows,
        runs,
        trajectories_svg,
    }
}

fn lesson(name: &str) -> &'static Outcome {
    &outputs()[name]
}

fn mean_loss(rows: &[Row]) -> f64 {
    rows.iter().map(|r| r.loss).sum::<f64>() / rows.len() as f64
}

fn path_length(rows: &[Row]) -> f64 {
    rows.windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum()
}

fn never_diverges(o: &Outcome) {
    for (label, run) in &o.runs {
        assert_ne!(run["status"], "diverged", "{label} diverged");
    }
}

#[test]
fn elongated_sgd_zigzags_and_momentum_gets_there_first() {
    let o = lesson("elongated");
    let sgd = o.rows("sgd");
    let sign_changes = sgd[..=50]
        .windows(2)
        .filter(|w| w[0].y.signum() != w[1].y.signum())
        .count();
    assert!(
        sign_changes >= 10,
        "SGD's y changed sign {sign_changes} times in 50 steps"
    );
    let f_star = 0.0;
    let reach = |rows: &[Row]| rows.iter().position(|r| r.loss - f_star < 1e-3);
    let momentum = reach(o.rows("momentum")).expect("momentum reaches loss 1e-3");
    assert!(
        reach(sgd).is_none_or(|s| momentum < s),
        "momentum {momentum} vs sgd {:?}",
        reach(sgd)
    );
}

#[test]
fn saddle_sgd_crawls_while_the_others_escape() {
    let o = lesson("saddle");
    let sgd = o.rows("sgd");
    assert!(sgd[0].y.abs() <= 1e-3, "the runs start on the ridge");
    let half = (sgd.len() - 1) / 2;
    assert!(
        sgd[half].y.abs() < 0.1,
        "SGD at half the steps: |y| = {}",
        sgd[half].y.abs()
    );
    for label in ["momentum", "nesterov", "rmsprop", "adam"] {
        let rows = o.rows(label);
        let escaped = rows.iter().position(|r| r.y.abs() > 0.9);
        assert!(
            escaped.is_some_and(|s| s < half),
            "{label} passed |y| > 0.9 at {escaped:?}"
        );
        let distance = o.run(label)["distance"].as_f64().unwrap();
        assert!(distance < 0.05, "{label} ends {distance} from a minimum");
    }
}

#[test]
fn local_minimum_traps_sgd_and_momentum_rolls_through() {
    let o = lesson("local_minimum");
    let (sgd, momentum) = (o.run("sgd"), o.run("momentum"));
    assert_eq!(
        sgd["nearest_minimum"][0], 1.2,
        "SGD ends in the local minimum"
    );
    assert!(sgd["distance"].as_f64().unwrap() < 0.05);
    assert_eq!(
        momentum["nearest_minimum"][0], -1.0,
        "momentum ends in the global minimum"
    );
    assert!(momentum["distance"].as_f64().unwrap() < 0.05);
    let gap = sgd["final_loss"].as_f64().unwrap() - momentum["final_loss"].as_f64().unwrap();
    assert!(gap >= 0.1, "final loss gap {gap}");
}

#[test]
fn noisy_momentum_smooths_what_sgd_jitters() {
    let o = lesson("noisy");
    let (sgd, momentum) = (o.rows("sgd"), o.rows("momentum"));
    let second_half = |rows: &'static [Row]| &rows[rows.len() / 2..];
    let (jitter_sgd, jitter_momentum) = (
        path_length(second_half(sgd)),
        path_length(second_half(momentum)),
    );
    assert!(
        jitter_momentum * 3.0 < jitter_sgd,
        "path over the second half: momentum {jitter_momentum}, sgd {jitter_sgd}"
    );
    assert!(mean_loss(second_half(momentum)) < mean_loss(second_half(sgd)));
}

#[test]
fn momentum_figure_runs_all_converge() {
    let o = lesson("momentum");
    never_diverges(o);
    assert_eq!(
        o.runs.keys().collect::<Vec<_>>(),
        ["momentum", "nesterov", "sgd"]
    );
}

#[test]
fn rmsprop_keeps_moving_after_adagrad_stalls() {
    let o = lesson("rmsprop");
    let second_half = |label: &str| {
        let rows = o.rows(label);
        path_length(&rows[rows.len() / 2..])
    };
    let (adagrad, rmsprop) = (second_half("adagrad"), second_half("rmsprop"));
    assert!(
        rmsprop >= 5.0 * adagrad,
        "rmsprop {rmsprop} vs adagrad {adagrad}"
    );
    for label in ["sgd", "momentum", "adagrad", "rmsprop"] {
        o.run(label);
    }
}

#[test]
fn adam_four_way_figure_runs_all_converge() {
    let o = lesson("adam");
    never_diverges(o);
    assert_eq!(
        o.runs.keys().collect::<Vec<_>>(),
        ["adam", "momentum", "rmsprop", "sgd"]
    );
}

#[test]
fn adam_without_bias_correction_takes_a_first_step_three_times_too_large() {
    let o = lesson("adam_bias");
    let first_step = |label: &str| {
        let rows = o.rows(label);
        (rows[1].x - rows[0].x).hypot(rows[1].y - rows[0].y)
    };
    let ratio = first_step("adam_no_bias") / first_step("adam");
    let expected = (1.0 - 0.9) / (1.0f64 - 0.999).sqrt();
    assert!(
        (ratio / expected - 1.0).abs() < 0.1,
        "ratio {ratio}, expected about {expected}"
    );
}

#[test]
fn learning_rates_only_the_good_one_gets_low() {
    let o = lesson("learning_rates");
    assert_eq!(o.run("very_high")["status"], "diverged");
    let final_loss = |label: &str| o.run(label)["final_loss"].as_f64().unwrap();
    let good = final_loss("good");
    for label in ["high", "low"] {
        assert!(
            final_loss(label) > good,
            "{label} ends at {} below good's {good}",
            final_loss(label)
        );
    }
}

#[test]
fn step_decay_drops_the_loss_at_each_decay() {
    let o = lesson("step_decay");
    let decayed = o.rows("step_decay");
    let first_decay = (1..decayed.len())
        .find(|&t| decayed[t].lr < decayed[t - 1].lr)
        .expect("the lr decays");
    let before = mean_loss(&decayed[first_decay - 20..first_decay]);
    let after = mean_loss(&decayed[first_decay..first_decay + 20]);
    assert!(
        after < 0.7 * before,
        "after the decay {after}, before {before}"
    );
    let tenth = |rows: &'static [Row]| &rows[rows.len() - rows.len() / 10..];
    let (decay_end, constant_end) = (
        mean_loss(tenth(decayed)),
        mean_loss(tenth(o.rows("constant"))),
    );
    assert!(
        decay_end < 0.5 * constant_end,
        "last tenth: {decay_end} vs {constant_end}"
    );
}

#[test]
fn snapshot_restarts_at_least_three_times() {
    let o = lesson("snapshot");
    let (label, rows) = o
        .rows
        .iter()
        .find(|(_, rows)| rows.windows(2).any(|w| w[1].lr > w[0].lr))
        .expect("one run has warm restarts");
    let restarts = rows[1..].windows(2).filter(|w| w[1].lr > w[0].lr).count();
    assert!(restarts >= 3, "{label} restarts {restarts} times");
    assert!(
        o.trajectories_svg.contains(">\nsnapshot\n</text>"),
        "the snapshots are marked and named in the legend"
    );
}

/// A run's final loss, from summary.json.
fn final_loss(o: &Outcome, label: &str) -> f64 {
    o.run(label)["final_loss"].as_f64().unwrap()
}

#[test]
fn six_hump_camel_only_momentum_crosses_the_ridge_to_a_global_minimum() {
    let o = lesson("six_hump_camel");
    never_diverges(o);
    // The local minimum the runs start beside, and the global value: found by optplay.
    for label in ["sgd", "adam", "newton"] {
        let f = final_loss(o, label);
        assert!((f - 2.1043).abs() < 1e-3, "{label} ends at f = {f}");
        let near = &o.run(label)["nearest_minimum"];
        assert!(
            (near[0].as_f64().unwrap() - 1.6071).abs() < 1e-3,
            "{label}: {near}"
        );
    }
    let f = final_loss(o, "momentum");
    assert!((f + 1.0316).abs() < 1e-3, "momentum ends at f = {f}");
    assert!(o.run("momentum")["distance"].as_f64().unwrap() < 1e-3);
}

#[test]
fn ripples_trap_sgd_and_momentum_rolls_through_to_the_bottom() {
    let o = lesson("ripples");
    never_diverges(o);
    let sgd = o.run("sgd");
    assert!(
        (final_loss(o, "sgd") - 0.7044).abs() < 1e-3,
        "SGD stops in the first ripple"
    );
    assert!(
        sgd["distance"].as_f64().unwrap() < 1e-6,
        "at a found minimum"
    );
    for label in ["momentum", "adam"] {
        let f = final_loss(o, label);
        assert!(f < 1e-9, "{label} reaches the global minimum, f = {f}");
        let near = &o.run(label)["nearest_minimum"];
        assert!(near[0].as_f64().unwrap().abs() < 1e-6, "{label}: {near}");
    }
}
