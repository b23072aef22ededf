use std::path::Path;

use super::init::starter;
use super::*;
use crate::config;
use crate::core::registry::SCHEDULES;
use crate::core::{Schedule, Status};

#[test]
fn every_key_of_every_kind_is_listed_and_surface_and_schedule_keys_with_their_meaning() {
    let all = list(None).unwrap();
    let shown = |key: &str| {
        all.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with(&format!("{key} "))
                || l.contains(&format!(", {key} = "))
                || l.contains(&format!(", {key} ("))
        })
    };
    for kind in OPTIMIZERS {
        for key in kind.keys {
            assert!(shown(key.name), "{}.{} is not listed", kind.name, key.name);
        }
    }
    let documented = SURFACES
        .iter()
        .map(|k| (k.name, k.keys))
        .chain(SCHEDULES.iter().map(|k| (k.name, k.keys)));
    for (kind, keys) in documented {
        for key in keys {
            assert!(shown(key.name), "{kind}.{} is not listed", key.name);
            assert!(
                all.contains(key.doc),
                "{kind}.{}: its meaning is not listed",
                key.name
            );
        }
    }
}

/// The schedule an experiment gets from `schedule = { ... }` with only the required keys.
fn parsed_schedule(table: &str) -> Schedule {
    let source = format!(
        "steps = 120\n[surface]\nkind = \"quadratic\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 0.1\n\
         schedule = {table}\n"
    );
    let e = config::parse(&source, Path::new("t.toml")).unwrap();
    e.runs[0].spec().schedule
}

#[test]
fn listed_schedule_defaults_are_the_parser_defaults() {
    let number = |kind: &str, key: &str| -> f64 {
        let kind = crate::core::registry::schedule(kind).unwrap();
        Settings::defaults(kind.keys).number(key)
    };
    assert_eq!(
        parsed_schedule("{ kind = \"step\", step_size = 10 }"),
        Schedule::Step {
            step_size: 10,
            gamma: number("step", "gamma")
        }
    );
    assert_eq!(
        parsed_schedule("{ kind = \"multistep\", milestones = [10] }"),
        Schedule::MultiStep {
            milestones: vec![10],
            gamma: number("multistep", "gamma")
        }
    );
    // t_max's default is the experiment's `steps`.
    assert_eq!(
        parsed_schedule("{ kind = \"cosine\" }"),
        Schedule::Cosine {
            t_max: 120,
            eta_min: number("cosine", "eta_min")
        }
    );
    assert_eq!(
        parsed_schedule("{ kind = \"cosine_restarts\", t_0 = 10 }"),
        Schedule::CosineRestarts {
            t_0: 10,
            t_mult: number("cosine_restarts", "t_mult") as u64,
            eta_min: number("cosine_restarts", "eta_min")
        }
    );
    let listed = list(Some("schedules")).unwrap();
    assert!(listed.contains("t_max = steps"), "{listed}");
    assert!(listed.contains("step_size (required)"), "{listed}");
}

#[test]
fn list_shows_every_kind_of_every_section() {
    let all = list(None).unwrap();
    for kind in SURFACES
        .iter()
        .map(|k| k.name)
        .chain(OPTIMIZERS.iter().map(|k| k.name))
        .chain(SCHEDULES.iter().map(|k| k.name))
    {
        assert!(all.contains(&format!("{kind} ")), "{kind} missing:\n{all}");
    }
    let optimizers = list(Some("optimizers")).unwrap();
    assert!(optimizers.contains("eps = 1e-7"), "{optimizers}");
    assert!(!optimizers.contains("SURFACES"));
    assert_eq!(
        list(Some("surface")).unwrap(),
        list(Some("surfaces")).unwrap()
    );
}

#[test]
fn list_of_an_unknown_section_suggests_one() {
    let e = list(Some("optimzers")).unwrap_err().to_string();
    assert!(e.contains("Did you mean `optimizers`?"), "{e}");
    assert!(e.contains("surfaces, optimizers, schedules"), "{e}");
}

#[test]
fn noisy_digits_are_rounded_away_for_reading() {
    assert_eq!(round_to(2.4100000000000006, 10), 2.41);
}

#[test]
fn every_starter_runs_without_diverging() {
    for kind in SURFACES.iter().map(|k| k.name) {
        let text = starter(kind, Path::new("experiment.toml")).unwrap();
        let experiment = config::parse(&text, Path::new("experiment.toml"))
            .unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
        let problem = experiment.surface().expect("a surface experiment");
        let registered = crate::core::registry::surface(kind).unwrap();
        assert_eq!(
            problem.surface.settings,
            (registered.example)(),
            "{kind}: the starter writes its example"
        );
        if let Some(defaults) = config::SurfaceProblem::default_of(kind) {
            assert_eq!(problem, &defaults, "{kind}");
        }
        assert_eq!(experiment.runs.len(), 3);
        let start = ndarray::Array1::from(problem.start.to_vec());
        let limits = crate::core::Limits {
            steps: experiment.steps,
            tolerance: experiment.tolerance,
        };
        for run in &experiment.runs {
            let trace = crate::core::run(
                &problem.function,
                None,
                &run.spec(),
                start.view(),
                limits,
                &crate::core::Cancel::new(),
            );
            assert!(
                !matches!(trace.status, Status::Diverged { .. }),
                "{kind}: {} diverged",
                run.label
            );
        }
    }
}

#[test]
fn an_unknown_surface_suggests_the_closest() {
    let e = starter("sadle", Path::new("x.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("Did you mean `saddle`?"), "{e}");
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.toml");
    std::fs::write(&path, "mine").unwrap();
    let e = init(Some("saddle"), &path).unwrap_err();
    assert!(matches!(e, GuideError::Exists(_)), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
}

// ---------------------------------------------------------------- network experiments

use crate::config::network::{DATA_KEYS, MODEL_KEYS};
use crate::core::network::data::DATASETS;

/// A line of `text` that begins, once indented, with `key = ` or `key (`.
fn shows_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with(&format!("{key} = ")) || l.starts_with(&format!("{key} ("))
    })
}

#[test]
fn list_datasets_shows_every_kind_with_classes_points_and_noise() {
    let text = list(Some("datasets")).unwrap();
    assert_eq!(list(Some("dataset")).unwrap(), text);
    for kind in DATASETS {
        let at = text
            .lines()
            .position(|l| l.starts_with(&format!("{} — {}", kind.name, kind.summary)))
            .unwrap_or_else(|| panic!("{} missing:\n{text}", kind.name));
        let facts = text.lines().nth(at + 1).unwrap();
        assert!(
            facts.contains(&format!("points = {} ", kind.default_points)),
            "{facts}"
        );
        assert!(facts.contains("classes"), "{facts}");
        assert!(facts.contains("noise"), "{facts}");
    }
    assert!(
        text.contains("noise = 0.2 (0 to 1)"),
        "spiral's noise:\n{text}"
    );
    assert!(
        text.contains("10 classes (fixed)"),
        "digits' classes:\n{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("csv — ")), "{text}");
    assert!(list(None).unwrap().contains(&text));
}

#[test]
fn every_topic_is_explained_and_a_typo_suggests_the_topic() {
    for name in topic_names() {
        let text = explain(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.starts_with(name), "{name}:\n{text}");
    }
    for kind in DATASETS {
        let text = explain(kind.name).unwrap();
        let first_words: String = kind
            .explain
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains(&first_words), "{}:\n{text}", kind.name);
        assert!(
            text.contains(&format!("points = {}", kind.default_points)),
            "{}:\n{text}",
            kind.name
        );
    }
    let csv = explain("csv").unwrap();
    assert!(csv.contains("label") && csv.contains("path = "), "{csv}");
    let e = explain("dropuot").unwrap_err().to_string();
    assert!(e.contains("Did you mean `dropout`?"), "{e}");
    assert!(e.contains("batch_norm") && e.contains("spiral"), "{e}");
}

#[test]
fn explain_model_and_data_show_every_key_of_their_tables() {
    let model = explain("model").unwrap();
    for key in MODEL_KEYS {
        assert!(shows_key(&model, key), "[model] {key} missing:\n{model}");
    }
    assert!(model.contains("hidden = [100]"), "{model}");
    assert!(model.contains("init_std = 0.01"), "{model}");
    assert!(model.contains("inverted_dropout = true"), "{model}");
    let data = explain("data").unwrap();
    for key in DATA_KEYS {
        assert!(shows_key(&data, key), "[data] {key} missing:\n{data}");
    }
    assert!(data.contains("validation = 0.2"), "{data}");
}

#[test]
fn network_topics_say_what_the_code_does() {
    let augment = explain("augment").unwrap();
    assert!(
        augment.contains("a flipped digit is another digit"),
        "{augment}"
    );
    assert!(augment.contains("never augmented"), "{augment}");
    let dropout = explain("dropout").unwrap();
    assert!(dropout.contains("1/(1 − p)"), "{dropout}");
    assert!(dropout.contains("inverted_dropout = false"), "{dropout}");
    let batch_norm = explain("batch_norm").unwrap();
    assert!(batch_norm.contains("momentum 0.1"), "{batch_norm}");
    assert!(batch_norm.contains("running statistics"), "{batch_norm}");
    for penalty in ["l2", "l1"] {
        let text = explain(penalty).unwrap();
        assert!(text.contains("never the biases"), "{text}");
        assert!(text.contains("weight_decay"), "{text}");
        assert!(
            text.contains("sgd") && text.contains("adam"),
            "kinds with weight_decay:\n{text}"
        );
    }
    let ensemble = explain("ensemble").unwrap();
    assert!(
        ensemble.contains("seed + k") && ensemble.contains("2 to 64"),
        "{ensemble}"
    );
    let snapshots = explain("snapshots").unwrap();
    assert!(snapshots.contains("cosine_restarts"), "{snapshots}");
    let average = explain("average").unwrap();
    for form in [
        "\"polyak\"",
        "{ polyak = 500 }",
        "{ ema = 0.999 }",
        "update_bn",
    ] {
        assert!(average.contains(form), "{form} in:\n{average}");
    }
    // The optimizers' own pages and the list show the rate networks get.
    assert!(explain("adam").unwrap().contains("networks 0.01"));
    assert!(list(Some("optimizers")).unwrap().contains("network"));
}

#[test]
fn every_network_starter_loads_with_the_start_settings() {
    for kind in DATASETS {
        let text = network_starter(kind, Path::new("net.toml"));
        let experiment = config::parse(&text, Path::new("net.toml"))
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", kind.name));
        let start = config::NetworkStart::of(kind);
        let problem = experiment.network().expect("a network experiment");
        assert_eq!(problem.data_kind(), kind.name);
        assert_eq!(problem.model.hidden, start.hidden);
        assert_eq!(problem.data.batch, start.batch);
        assert_eq!(problem.data.validation, start.validation);
        assert_eq!(experiment.steps, start.steps);
        let lrs: Vec<(&str, f64)> = experiment
            .runs
            .iter()
            .map(|r| (r.optimizer.kind.name, r.lr))
            .collect();
        assert_eq!(
            lrs,
            [("sgd", 0.1), ("momentum", 0.05), ("adam", 0.01)],
            "{}",
            kind.name
        );
        for figure in if kind.images {
            ["digits.png"]
        } else {
            ["boundaries.png"]
        } {
            assert!(text.contains(figure), "{}:\n{text}", kind.name);
        }
        assert!(text.contains("curves.png"), "{text}");
    }
}

#[test]
fn init_data_refuses_csv_and_unknown_kinds_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.toml");
    let e = init_data("csv", &path).unwrap_err().to_string();
    assert!(e.contains("explain csv"), "{e}");
    let e = init_data("spirl", &path).unwrap_err().to_string();
    assert!(e.contains("Did you mean `spiral`?"), "{e}");
    assert!(!path.exists());
    std::fs::write(&path, "mine").unwrap();
    assert!(matches!(
        init_data("moons", &path).unwrap_err(),
        GuideError::Exists(_)
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
}
