//! Every gallery config runs each optimizer near its own best learning rate for its problem,
//! by the metric its comment names: a lesson drawn from a rate tuned badly would teach
//! nothing about the optimizer. The search is `fair.rs`'s: the grid 1e-5 … 10, ten rates per
//! decade (second-order methods up to their full step, 1), refined around the best; a run
//! that diverges or rises above its start's loss is out; noisy runs are scored by the median
//! over nine seeds.

use std::path::Path;

use optplay::config::Experiment;

use crate::fair::{Metric, Search, lr_grid, search_run};
use crate::{configs, load};

/// How a config's rates were chosen.
pub struct Choice {
    /// The config's file stem.
    pub config: &'static str,
    /// The metric its comment names.
    pub metric: Metric,
    /// Runs whose rate is deliberately not their best, the lesson being what such a rate
    /// does (the lecture's learning-rate figure), or that copy another run's rate so one
    /// switch is all that differs: (label, why).
    pub not_searched: &'static [(&'static str, &'static str)],
}

/// The metric of each gallery config, as its comment states it.
pub const GALLERY: [Choice; 17] = [
    Choice {
        config: "elongated",
        metric: Metric::Settle(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "saddle",
        metric: Metric::Settle(0.125),
        not_searched: &[],
    },
    Choice {
        config: "local_minimum",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "noisy",
        metric: Metric::TailMean(0.5),
        not_searched: &[],
    },
    Choice {
        config: "momentum",
        metric: Metric::Settle(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "rmsprop",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "adam",
        metric: Metric::Settle(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "adam_bias",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[(
            "adam_no_bias",
            "Adam's rate: only the bias correction differs",
        )],
    },
    Choice {
        config: "learning_rates",
        metric: Metric::TailMean(0.1),
        not_searched: &[
            (
                "very_high",
                "the lecture's figure: a rate above the stability limit",
            ),
            (
                "high",
                "the lecture's figure: a rate just below the stability limit",
            ),
            ("low", "the lecture's figure: a fifth of the best rate"),
        ],
    },
    Choice {
        config: "step_decay",
        metric: Metric::TailMean(0.1),
        not_searched: &[],
    },
    Choice {
        config: "snapshot",
        metric: Metric::Settle(1e-6),
        not_searched: &[(
            "sgdr_large",
            "restarts large enough to leave a basin, what a snapshot ensemble needs; by the \
             loss, worse than sgdr's",
        )],
    },
    Choice {
        config: "rosenbrock",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "second_order",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "newton_saddle",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "full_batch",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "six_hump_camel",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
    Choice {
        config: "ripples",
        metric: Metric::MeanLogGap(1e-6),
        not_searched: &[],
    },
];

/// How far a config's rate may be from its search's best: the refined grid's rates are
/// 2–3% apart, and the configs quote the best to three digits.
pub const FACTOR: f64 = 1.25;

/// The search of the run `label` of `experiment`, over the grid.
pub fn search_of(experiment: &Experiment, label: &str, metric: Metric) -> Search {
    let run = experiment
        .runs
        .iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no run {label}"));
    let grid: Vec<f64> = lr_grid()
        .into_iter()
        .filter(|&lr| !run.optimizer.kind.second_order || lr <= 1.0)
        .collect();
    search_run(experiment, run, &grid, metric)
}

/// What is wrong with `choice`'s config: every searched run's rate against its best.
fn unfair(choice: &Choice) -> Vec<String> {
    let experiment = load(&configs().join(format!("{}.toml", choice.config)));
    experiment
        .runs
        .iter()
        .filter(|run| !choice.not_searched.iter().any(|(l, _)| *l == run.label))
        .filter_map(|run| {
            let search = search_of(&experiment, &run.label, choice.metric);
            (!search.near_best(run.lr, FACTOR)).then(|| {
                format!(
                    "{}: {} runs at lr {}, its best by {} is {} (ties: {:?})",
                    choice.config,
                    run.label,
                    run.lr,
                    choice.metric,
                    search.best_lr(),
                    search.best_lrs()
                )
            })
        })
        .collect()
}

#[test]
fn every_gallery_config_runs_each_optimizer_near_its_best_rate() {
    // A sweep searches its rates itself, by construction; tests/library/sweeps.rs checks its
    // lessons at the rates it finds.
    let names: Vec<String> = crate::gallery()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("sweep_"))
        .collect();
    // A network lesson compares regularisers, every run with the same optimizer and lr: its
    // file says so. This list is the surfaces'.
    let names: Vec<String> = names
        .into_iter()
        .filter(|name| !crate::is_network(&crate::configs().join(format!("{name}.toml"))))
        .collect();
    let listed: Vec<&str> = GALLERY.iter().map(|c| c.config).collect();
    for name in &names {
        assert!(
            listed.contains(&name.as_str()),
            "{name}.toml: say here how its rates were chosen"
        );
    }
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = GALLERY
            .iter()
            .map(|choice| scope.spawn(move || unfair(choice)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a search never panics"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_run_that_copies_a_rate_copies_it_exactly() {
    let experiment = load(Path::new(&configs().join("adam_bias.toml")));
    let lr = |label: &str| {
        experiment
            .runs
            .iter()
            .find(|r| r.label == label)
            .map(|r| r.lr)
    };
    assert_eq!(lr("adam_no_bias"), lr("adam"));
}

#[test]
fn the_readmes_rosenbrock_compare_gives_each_optimizer_its_best_rate() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rates = readme
        .lines()
        .find_map(|l| {
            l.split("--lr ")
                .nth(1)
                .filter(|_| l.contains("--start=-1.5,2"))
        })
        .expect("README compares on Rosenbrock from (-1.5, 2) with --lr");
    let optimizers: String = rates
        .trim()
        .split(',')
        .map(|pair| {
            let (kind, lr) = pair.split_once('=').unwrap();
            format!("[[optimizer]]\nkind = \"{kind}\"\nlr = {lr}\n")
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let file = crate::experiment_file(
        tmp.path(),
        "readme_rosenbrock",
        &format!(
            "steps = 1000\nstart = [-1.5, 2.0]\n[surface]\nkind = \"rosenbrock\"\n{optimizers}"
        ),
    );
    let experiment = load(&file);
    assert_eq!(experiment.runs.len(), 6);
    let metric = Metric::MeanLogGap(1e-6);
    for run in &experiment.runs {
        let search = search_of(&experiment, &run.label, metric);
        assert!(
            search.near_best(run.lr, FACTOR),
            "{} at {}: its best is {} (ties {:?})",
            run.label,
            run.lr,
            search.best_lr(),
            search.best_lrs()
        );
    }
}
