//! Every lesson the gallery configs teach, asserted on their numbers with the margin the
//! config's comment and the README state: a change that breaks a lesson, or shrinks its
//! margin below what the text promises, breaks the build. Each config runs its optimizers at
//! their own best learning rates (`gallery_lrs.rs`), so a lesson here is a property of the
//! optimizers, not of rates chosen to flatter one of them. Run labels are pinned (outside
//! scripts check them too).
//!
//! The measures read the rows (`trajectory.csv`: every step's point, loss and lr) rather than
//! the runs' statuses or last rows, so they do not depend on when a run is declared done.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use optplay::config::Experiment;
use optplay::core::RunSpec;
use serde_json::Value;

use crate::fair::{Metric, Task, lr_grid, tail_len};
use crate::{configs, load, run_small, summary, svg_only};

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

    fn number(&self, label: &str, key: &str) -> f64 {
        self.run(label)[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{label}: no number {key}"))
    }
}

const LESSONS: [&str; 17] = [
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
    "rosenbrock",
    "second_order",
    "newton_saddle",
    "full_batch",
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
    let mut csv = csv::Reader::from_path(dir.join("trajectory.csv")).unwrap();
    let mut rows: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for record in csv.records() {
        let record = record.unwrap();
        let num = |i: usize| record[i].parse::<f64>().unwrap_or(f64::NAN);
        rows.entry(record[0].to_string()).or_default().push(Row {
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

/// The experiment of the gallery config `name`, as `optplay run` loads it.
fn experiment(name: &str) -> Experiment {
    load(&configs().join(format!("{name}.toml")))
}

fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n as f64
}

fn mean_loss(rows: &[Row]) -> f64 {
    mean(rows.iter().map(|r| r.loss))
}

fn path_length(rows: &[Row]) -> f64 {
    rows.windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum()
}

/// The first step with f − f* below `threshold`.
fn first_below(rows: &[Row], f_star: f64, threshold: f64) -> Option<usize> {
    rows.iter().position(|r| r.loss - f_star < threshold)
}

/// The first step from which f − f* stays below `threshold` to the last row.
fn settles(rows: &[Row], f_star: f64, threshold: f64) -> Option<usize> {
    let last_above = rows.iter().rposition(|r| r.loss - f_star >= threshold);
    match last_above {
        None => Some(0),
        Some(t) if t + 1 < rows.len() => Some(t + 1),
        Some(_) => None,
    }
}

fn second_half(rows: &[Row]) -> &[Row] {
    &rows[rows.len() / 2..]
}

fn never_diverges(o: &Outcome) {
    for (label, run) in &o.runs {
        assert_ne!(run["status"], "diverged", "{label} diverged");
    }
}

/// The median over the search's noise seeds of `metric` for the run `label` of `experiment`
/// at its own rate.
fn median_over_seeds(experiment: &Experiment, label: &str, metric: Metric) -> f64 {
    let run = experiment.runs.iter().find(|r| r.label == label).unwrap();
    Task::of(experiment, run).median_score(&run.spec(), metric)
}

/// f − f* at the last step of the run `label` of `experiment` at every rate of the grid that
/// neither diverges nor rises above its start's loss: (lr, final gap).
fn final_gaps_over_the_grid(experiment: &Experiment, label: &str) -> Vec<(f64, f64)> {
    let run = experiment.runs.iter().find(|r| r.label == label).unwrap();
    let task = Task::of(experiment, run);
    lr_grid()
        .into_iter()
        .map(|lr| {
            let spec = RunSpec { lr, ..run.spec() };
            (lr, task.score(&spec, experiment.seed, Metric::FinalGap))
        })
        .filter(|(_, gap)| gap.is_finite())
        .collect()
}

#[test]
fn elongated_sgd_zigzags_and_momentum_reaches_1e_6_four_times_as_soon() {
    let o = lesson("elongated");
    let sgd = o.rows("sgd");
    let sign_changes = sgd[..=50]
        .windows(2)
        .filter(|w| w[0].y.signum() != w[1].y.signum())
        .count();
    assert_eq!(
        sign_changes, 50,
        "SGD's y changes sign at every one of the first 50 steps"
    );
    let momentum = first_below(o.rows("momentum"), 0.0, 1e-6).expect("momentum reaches 1e-6");
    let sgd_reach = first_below(sgd, 0.0, 1e-6).expect("SGD reaches 1e-6");
    eprintln!("elongated: f < 1e-6 first at step {momentum} (momentum), {sgd_reach} (SGD)");
    assert!(
        4 * momentum <= sgd_reach,
        "momentum {momentum} vs SGD {sgd_reach}: not four times as soon"
    );
}

#[test]
fn saddle_sgd_crawls_off_the_ridge_while_the_others_escape_far_sooner() {
    let o = lesson("saddle");
    let f_star = -0.25;
    let escape = |label: &str| {
        settles(o.rows(label), f_star, 0.125).unwrap_or_else(|| panic!("{label} never escapes"))
    };
    let sgd = escape("sgd");
    assert!(
        o.rows("sgd")[0].y.abs() <= 1e-3,
        "the runs start on the ridge"
    );
    let half = (o.rows("sgd").len() - 1) / 2;
    assert!(sgd > half, "SGD leaves the saddle at step {sgd}");
    for label in ["momentum", "nesterov", "rmsprop", "adam"] {
        let other = escape(label);
        eprintln!("saddle: {label} escapes at step {other}, SGD at {sgd}");
        assert!(
            2 * other <= sgd,
            "{label} escapes at {other}, SGD at {sgd}: not twice as soon"
        );
        let distance = o.number(label, "distance");
        assert!(distance < 0.05, "{label} ends {distance} from a minimum");
    }
}

#[test]
fn saddle_a_round_saddle_lets_tuned_sgd_escape_first() {
    // The config's comment: why the saddle is steep along x. With a = 1, nothing caps SGD's
    // rate and, tuned, it leaves the ridge before momentum does.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(configs().join("saddle.toml"))
        .unwrap()
        .replace("a = 20.0", "a = 1.0");
    let e = load(&crate::experiment_file(tmp.path(), "round_saddle", &text));
    let escape = |label: &str| crate::gallery_lrs::search_of(&e, label, Metric::Settle(0.125));
    let (sgd, momentum) = (escape("sgd"), escape("momentum"));
    eprintln!(
        "saddle with a = 1: SGD best {} off at {}, momentum best {} off at {}",
        sgd.best_lr(),
        sgd.best_score(),
        momentum.best_lr(),
        momentum.best_score()
    );
    assert_eq!((sgd.best_score(), momentum.best_score()), (10.0, 20.0));
    assert!((0.85..0.95).contains(&sgd.best_lr()), "{}", sgd.best_lr());
}

#[test]
fn local_minimum_traps_sgd_at_every_rate_and_momentum_rolls_through() {
    let o = lesson("local_minimum");
    let (sgd, momentum) = (o.run("sgd"), o.run("momentum"));
    assert_eq!(
        sgd["nearest_minimum"][0], 1.2,
        "SGD ends in the local minimum"
    );
    assert!(o.number("sgd", "distance") < 0.05);
    assert_eq!(
        momentum["nearest_minimum"][0], -1.0,
        "momentum ends in the global minimum"
    );
    assert!(o.number("momentum", "distance") < 0.05);
    let gap = o.number("sgd", "final_loss") - o.number("momentum", "final_loss");
    assert!(gap >= 0.5, "final loss gap {gap}");
    // Not a matter of SGD's rate: from this start no rate gets it out of the dip.
    let e = experiment("local_minimum");
    let gaps = final_gaps_over_the_grid(&e, "sgd");
    assert!(gaps.len() >= 30, "most rates run: {gaps:?}");
    for (lr, gap) in &gaps {
        assert!(
            *gap > 0.5,
            "SGD at lr {lr} ends {gap} above the global minimum"
        );
    }
    let through: Vec<f64> = final_gaps_over_the_grid(&e, "momentum")
        .into_iter()
        .filter(|&(_, gap)| gap < 1e-3)
        .map(|(lr, _)| lr)
        .collect();
    eprintln!("local_minimum: momentum reaches the global minimum at {through:?}");
    let grid = lr_grid();
    let from_0125_to_04: Vec<f64> = grid
        .iter()
        .copied()
        .filter(|&lr| (0.125..=0.4).contains(&lr))
        .collect();
    assert_eq!(
        through, from_0125_to_04,
        "momentum rolls through at these rates"
    );
    // From the surface's own start, further out, SGD at its default rate there jumps the
    // ridge (x = 0.6) in its first step.
    let bowl = optplay::core::registry::default_surface("bowl").unwrap();
    let sgd = optplay::core::registry::optimizer("sgd").unwrap();
    let [x, y] = bowl.default_start();
    let lr = sgd.default_lr("bowl");
    let after_one = x - lr * bowl.grad2([x, y])[0];
    eprintln!(
        "local_minimum: from ({x}, {y}) SGD's first step at lr {lr} lands at x = {after_one}"
    );
    assert!(after_one < 0.6, "x = {after_one}");
}

#[test]
fn noisy_momentum_moves_smoothly_and_hovers_lower_than_sgd() {
    let o = lesson("noisy");
    let (sgd, momentum) = (o.rows("sgd"), o.rows("momentum"));
    let (jitter_sgd, jitter_momentum) = (
        path_length(second_half(sgd)),
        path_length(second_half(momentum)),
    );
    eprintln!("noisy: second-half path momentum {jitter_momentum}, SGD {jitter_sgd}");
    assert!(
        jitter_momentum * 3.0 < jitter_sgd,
        "path over the second half: momentum {jitter_momentum}, sgd {jitter_sgd}"
    );
    let distance = |rows: &[Row]| mean(second_half(rows).iter().map(|r| r.x.hypot(r.y)));
    eprintln!(
        "noisy: seed 7, second half: mean loss momentum {} SGD {}, mean distance momentum {} SGD {}",
        mean_loss(second_half(momentum)),
        mean_loss(second_half(sgd)),
        distance(momentum),
        distance(sgd)
    );
    let e = experiment("noisy");
    let level = |label: &str| median_over_seeds(&e, label, Metric::TailMean(0.5));
    let (sgd_level, momentum_level) = (level("sgd"), level("momentum"));
    eprintln!("noisy: median second-half mean loss momentum {momentum_level}, SGD {sgd_level}");
    assert!(
        momentum_level < 0.9 * sgd_level,
        "median over seeds: momentum {momentum_level}, SGD {sgd_level}"
    );
    // At the same effective step, lr/(1 − ρ), momentum hovers where SGD does.
    let run = e.runs.iter().find(|r| r.label == "momentum").unwrap();
    let sgd_lr = e.runs.iter().find(|r| r.label == "sgd").unwrap().lr;
    let same_step = RunSpec {
        lr: sgd_lr * (1.0 - 0.9),
        ..run.spec()
    };
    let level_same_step = Task::of(&e, run).median_score(&same_step, Metric::TailMean(0.5));
    let ratio = level_same_step / sgd_level;
    eprintln!("noisy: momentum at SGD's effective step hovers at {ratio} of SGD's level");
    assert!((0.8..0.95).contains(&ratio), "{ratio}");
}

/// Where a run is across the valley of the tilted bowl: its coordinate along the direction of
/// most curvature, (1, −1)/√2, the valley floor at 0.
fn across_valley(r: &Row) -> f64 {
    (r.x - r.y) / std::f64::consts::SQRT_2
}

/// How often a run crosses the valley floor, and how far from it it still swings over
/// `window`.
fn swings(rows: &[Row], window: std::ops::Range<usize>) -> (usize, f64) {
    let crossings = rows
        .windows(2)
        .filter(|w| across_valley(&w[0]).signum() != across_valley(&w[1]).signum())
        .count();
    let amplitude = rows[window]
        .iter()
        .map(|r| across_valley(r).abs())
        .fold(0.0, f64::max);
    (crossings, amplitude)
}

#[test]
fn momentum_figure_sgd_crawls_momentum_swings_nesterov_brakes() {
    let o = lesson("momentum");
    never_diverges(o);
    assert_eq!(
        o.runs.keys().collect::<Vec<_>>(),
        ["momentum", "nesterov", "sgd"]
    );
    let sgd_end = o.rows("sgd").last().unwrap().loss;
    let momentum = settles(o.rows("momentum"), 0.0, 1e-6).expect("momentum settles");
    let nesterov = settles(o.rows("nesterov"), 0.0, 1e-6).expect("Nesterov settles");
    let (swing_momentum, swing_nesterov) = (
        swings(o.rows("momentum"), 20..40),
        swings(o.rows("nesterov"), 20..40),
    );
    eprintln!(
        "momentum: SGD ends at {sgd_end}; momentum settles at {momentum}, Nesterov at {nesterov}; \
         crossings of the floor and swing over steps 20–40: momentum {swing_momentum:?}, \
         Nesterov {swing_nesterov:?}; SGD {:?}",
        swings(o.rows("sgd"), 20..40)
    );
    assert!(sgd_end > 1e-4, "SGD is still on its way: f = {sgd_end}");
    assert!(
        nesterov < momentum,
        "Nesterov {nesterov}, momentum {momentum}"
    );
    assert!(
        swing_momentum.1 > 2.0 * swing_nesterov.1,
        "swings: momentum {swing_momentum:?}, Nesterov {swing_nesterov:?}"
    );
}

#[test]
fn rmsprop_keeps_moving_after_adagrad_stalls() {
    let o = lesson("rmsprop");
    let second_half_path = |label: &str| path_length(second_half(o.rows(label)));
    let (adagrad, rmsprop) = (second_half_path("adagrad"), second_half_path("rmsprop"));
    eprintln!(
        "rmsprop: second-half path RMSProp {rmsprop}, AdaGrad {adagrad}; final f: {:?}",
        ["sgd", "momentum", "adagrad", "rmsprop"].map(|l| o.number(l, "final_loss"))
    );
    assert!(
        rmsprop >= 5.0 * adagrad,
        "rmsprop {rmsprop} vs adagrad {adagrad}"
    );
    assert!(o.number("rmsprop", "final_loss") < o.number("adagrad", "final_loss"));
}

#[test]
fn adam_reaches_rosenbrocks_minimum_first_among_the_four() {
    let o = lesson("adam");
    never_diverges(o);
    assert_eq!(
        o.runs.keys().collect::<Vec<_>>(),
        ["adam", "momentum", "rmsprop", "sgd"]
    );
    let settled = |label: &str| settles(o.rows(label), 0.0, 1e-6);
    let adam = settled("adam").expect("Adam settles below 1e-6");
    let momentum = settled("momentum").expect("momentum settles below 1e-6");
    eprintln!(
        "adam: settles below 1e-6 at {adam} (Adam), {momentum} (momentum); SGD ends at {}, \
         RMSProp at {}",
        o.number("sgd", "final_loss"),
        o.number("rmsprop", "final_loss")
    );
    assert!(
        4 * adam <= 3 * momentum,
        "Adam {adam} vs momentum {momentum}: not a quarter sooner"
    );
    for label in ["sgd", "rmsprop"] {
        assert_eq!(settled(label), None, "{label} settles below 1e-6");
    }
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
    let early_peak = |label: &str| {
        o.rows(label)[1..=20]
            .iter()
            .map(|r| r.loss)
            .fold(0.0, f64::max)
    };
    eprintln!(
        "adam_bias: highest loss in the first 20 steps: Adam {}, without correction {}; final \
         {} and {}",
        early_peak("adam"),
        early_peak("adam_no_bias"),
        o.number("adam", "final_loss"),
        o.number("adam_no_bias", "final_loss")
    );
    assert!(early_peak("adam_no_bias") > 1.2 * early_peak("adam"));
}

#[test]
fn learning_rates_only_the_good_one_gets_low() {
    let o = lesson("learning_rates");
    assert_eq!(o.run("very_high")["status"], "diverged");
    let e = experiment("learning_rates");
    let level = |label: &str| median_over_seeds(&e, label, Metric::TailMean(0.1));
    let good = level("good");
    for label in ["high", "low"] {
        eprintln!(
            "learning_rates: {label} hovers at {}, good at {good}",
            level(label)
        );
        assert!(
            level(label) > 10.0 * good,
            "{label} ends at {} against good's {good}",
            level(label)
        );
    }
}

/// The mean f − f* over the last tenth of each period of `period` steps, one level a period.
fn plateaus(gaps: &[f64], period: usize) -> Vec<f64> {
    (1..=gaps.len() / period)
        .map(|k| mean(gaps[k * period - period / 10..k * period].iter().copied()))
        .collect()
}

#[test]
fn step_decay_the_first_cut_gives_a_new_plateau_the_second_none() {
    let o = lesson("step_decay");
    let decayed = o.rows("step_decay");
    let cuts: Vec<usize> = (1..decayed.len())
        .filter(|&t| decayed[t].lr < decayed[t - 1].lr)
        .collect();
    assert_eq!(cuts, [151, 301], "the lr is cut after steps 150 and 300");
    let e = experiment("step_decay");
    let run = e.runs.iter().find(|r| r.label == "step_decay").unwrap();
    let task = Task::of(&e, run);
    let mut first = Vec::new();
    let mut second = Vec::new();
    for &seed in &task.seeds {
        let levels = plateaus(&task.gaps(&run.spec(), seed).0, 150);
        first.push(levels[0] / levels[1]);
        second.push(levels[1] / levels[2]);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (first, second) = (median(&mut first), median(&mut second));
    eprintln!("step_decay: median drop at the first cut {first}×, at the second {second}×");
    assert!(first > 2.5, "the first cut drops the plateau {first}×");
    assert!(second < 2.0, "the second cut drops the plateau {second}×");
    let level = |label: &str| median_over_seeds(&e, label, Metric::TailMean(0.1));
    let (decay_end, constant_end) = (level("step_decay"), level("constant"));
    eprintln!("step_decay: last tenth {decay_end} with decay, {constant_end} constant");
    assert!(
        decay_end < 0.7 * constant_end,
        "last tenth: {decay_end} vs {constant_end}"
    );
    // tail_len agrees with the search's tenth: the same rows are measured.
    assert_eq!(tail_len(decayed.len(), 0.1), 45);
}

/// The nearest integer point: Rastrigin's local minima sit close to them.
fn basin(r: &Row) -> (i64, i64) {
    (r.x.round() as i64, r.y.round() as i64)
}

#[test]
fn snapshot_each_cycle_ends_in_another_minimum() {
    let o = lesson("snapshot");
    let rows = o.rows("sgdr");
    let restarts = rows[1..].windows(2).filter(|w| w[1].lr > w[0].lr).count();
    assert!(restarts >= 3, "sgdr restarts {restarts} times");
    assert!(
        o.trajectories_svg.contains(">\nsnapshot\n</text>"),
        "the snapshots are marked and named in the legend"
    );
    // A run that stopped moving before a snapshot's step is still where it stopped.
    let snapshots = |label: &str| -> Vec<(i64, i64)> {
        let rows = o.rows(label);
        [100, 200, 300, 400]
            .map(|t| basin(&rows[t.min(rows.len() - 1)]))
            .to_vec()
    };
    let distinct = |label: &str| {
        let mut basins = snapshots(label);
        basins.sort();
        basins.dedup();
        basins.len()
    };
    eprintln!(
        "snapshot: sgdr's snapshots in {:?}, sgdr_large's in {:?}, constant's rows there in {:?}",
        snapshots("sgdr"),
        snapshots("sgdr_large"),
        snapshots("constant")
    );
    assert_eq!(
        snapshots("constant"),
        [(2, 3); 4],
        "constant stays in its first bump"
    );
    assert_eq!(
        snapshots("sgdr"),
        [(0, 0); 4],
        "at its best rate: one model four times"
    );
    assert!(distinct("sgdr_large") >= 3, "{:?}", snapshots("sgdr_large"));
}

#[test]
fn rosenbrock_adam_gets_furthest_and_sgd_barely_moves_along_the_floor() {
    let o = lesson("rosenbrock");
    never_diverges(o);
    let f = |label: &str| o.number(label, "final_loss");
    eprintln!(
        "rosenbrock: final f SGD {}, momentum {}, Adam {}",
        f("sgd"),
        f("momentum"),
        f("adam")
    );
    assert!(f("adam") < f("momentum") && f("momentum") < f("sgd"));
}

#[test]
fn second_order_methods_arrive_while_sgd_is_on_the_way() {
    let o = lesson("second_order");
    let reach = |label: &str| first_below(o.rows(label), 0.0, 1e-10);
    let (newton, lbfgs) = (reach("newton"), reach("lbfgs"));
    eprintln!(
        "second_order: f < 1e-10 at step {newton:?} (Newton), {lbfgs:?} (L-BFGS), {:?} (Adam), \
         {:?} (SGD); final f SGD {}, Adam {}",
        reach("adam"),
        reach("sgd"),
        o.number("sgd", "final_loss"),
        o.number("adam", "final_loss")
    );
    assert_eq!(newton, Some(20));
    assert_eq!(lbfgs, Some(35));
    assert!(
        reach("adam").is_none_or(|s| s >= 900),
        "Adam arrives only at the end"
    );
    assert!(
        o.number("sgd", "final_loss") > 0.05,
        "SGD is still on the way"
    );
}

#[test]
fn newton_saddle_pure_newton_stops_on_the_saddle_and_the_others_reach_a_minimum() {
    let o = lesson("newton_saddle");
    let pure = o.rows("pure Newton").last().unwrap();
    assert!(pure.x.abs() < 1e-9 && pure.y.abs() < 1e-9, "{pure:?}");
    for label in ["newton", "damped Newton", "adam"] {
        let distance = o.number(label, "distance");
        eprintln!("newton_saddle: {label} ends {distance} from a minimum");
        let tolerance = if label == "adam" { 0.1 } else { 1e-3 };
        assert!(
            distance < tolerance,
            "{label} ends {distance} from a minimum"
        );
    }
}

#[test]
fn full_batch_lbfgs_needs_exact_gradients_adam_does_not() {
    let o = lesson("full_batch");
    let f = |label: &str| o.number(label, "final_loss");
    let lbfgs_exact = first_below(o.rows("L-BFGS, full batch"), 0.0, 1e-10);
    eprintln!(
        "full_batch: exact L-BFGS below 1e-10 at {lbfgs_exact:?}; final f: L-BFGS exact {}, \
         noisy {}, Adam exact {}, noisy {}; evaluations {:?}",
        f("L-BFGS, full batch"),
        f("L-BFGS, noisy"),
        f("Adam, full batch"),
        f("Adam, noisy"),
        o.runs
            .values()
            .map(|r| r["evaluations"]["gradient"].clone())
            .collect::<Vec<_>>()
    );
    assert!(lbfgs_exact.is_some_and(|s| s < 40));
    let lowest_noisy = o
        .rows("L-BFGS, noisy")
        .iter()
        .map(|r| r.loss)
        .fold(f64::INFINITY, f64::min);
    eprintln!("full_batch: noisy L-BFGS's lowest loss {lowest_noisy}");
    assert!(lowest_noisy > 1.0, "noisy L-BFGS stalls");
    assert!(f("Adam, full batch") < 1e-3);
    assert!(
        f("Adam, noisy") < 0.02 && f("Adam, noisy") * 100.0 < f("L-BFGS, noisy"),
        "noise slows Adam down, it does not stop it"
    );
}

#[test]
fn six_hump_camel_first_order_methods_cross_to_a_global_minimum_and_newton_stays() {
    let o = lesson("six_hump_camel");
    never_diverges(o);
    let f = o.number("newton", "final_loss");
    assert!((f - 2.1043).abs() < 1e-3, "Newton ends at f = {f}");
    for label in ["sgd", "momentum", "adam"] {
        let f = o.number(label, "final_loss");
        assert!((f + 1.0316).abs() < 1e-3, "{label} ends at f = {f}");
    }
    let e = experiment("six_hump_camel");
    let crossing = |label: &str| -> Vec<f64> {
        final_gaps_over_the_grid(&e, label)
            .into_iter()
            .filter(|&(_, gap)| gap < 1e-3)
            .map(|(lr, _)| lr)
            .collect()
    };
    let grid = lr_grid();
    let between = |low: f64, high: f64| -> Vec<f64> {
        grid.iter()
            .copied()
            .filter(|&lr| lr >= low && lr <= high)
            .collect()
    };
    assert_eq!(crossing("sgd"), between(0.08, 0.1));
    assert_eq!(crossing("momentum"), between(0.004, 0.08));
    assert_eq!(crossing("adam"), between(0.15, 1.0));
}

#[test]
fn ripples_trap_sgd_at_every_rate_and_momentum_rolls_through_to_the_bottom() {
    let o = lesson("ripples");
    never_diverges(o);
    for label in ["momentum", "adam"] {
        let f = o.number(label, "final_loss");
        assert!(f < 1e-9, "{label} reaches the global minimum, f = {f}");
    }
    let e = experiment("ripples");
    let gaps = final_gaps_over_the_grid(&e, "sgd");
    eprintln!("ripples: SGD's final f over the grid {gaps:?}");
    for (lr, gap) in &gaps {
        assert!(*gap > 0.3, "SGD at lr {lr} ends {gap} above the bottom");
        if *lr >= 0.005 && *lr <= 0.24 {
            assert!((gap - 0.7044).abs() < 1e-3, "SGD at lr {lr} ends at {gap}");
        }
    }
    let sgd = o.rows("sgd");
    eprintln!(
        "ripples: SGD at its rate ends at f = {}, lowest {}, last tenth mean {}; momentum {}, adam {}",
        o.number("sgd", "final_loss"),
        sgd.iter().map(|r| r.loss).fold(f64::INFINITY, f64::min),
        mean_loss(&sgd[sgd.len() - 30..]),
        o.number("momentum", "final_loss"),
        o.number("adam", "final_loss")
    );
    assert!(
        sgd[sgd.len() - 30..].iter().all(|r| r.loss > 0.2),
        "SGD at its own rate never settles at the bottom"
    );
    let flips = sgd[sgd.len() - 30..]
        .windows(2)
        .all(|w| w[0].x.signum() != w[1].x.signum() && w[0].y.signum() != w[1].y.signum());
    assert!(flips, "it bounces back and forth across the bottom");
    // Where the first ripple stops it, at a rate that settles.
    let run = e.runs.iter().find(|r| r.label == "sgd").unwrap();
    let surface = e.surface().unwrap();
    let trace = optplay::core::run(
        &surface.function,
        None,
        &RunSpec {
            lr: 0.1,
            ..run.spec()
        },
        ndarray::Array1::from(surface.start.to_vec()).view(),
        optplay::core::Limits {
            steps: e.steps,
            tolerance: None,
        },
        &optplay::core::Cancel::new(),
    );
    let [x, y] = [trace.last_point()[0], trace.last_point()[1]];
    assert!(
        (x - 0.78).abs() < 0.01 && (y - 0.78).abs() < 0.01,
        "({x}, {y})"
    );
}
