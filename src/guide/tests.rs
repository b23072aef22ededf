use std::path::Path;

use super::*;
use crate::config::{self, hyperparameter_keys, surface_keys};
use crate::core::schedule::SCHEDULE_KINDS;
use crate::core::{Schedule, Status};

#[test]
fn every_surface_parameter_is_listed_with_its_meaning() {
    for kind in SURFACE_KINDS {
        let surface = Surface::default_of(kind).unwrap();
        let keys: Vec<&str> = surface_parameters(&surface)
            .iter()
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(keys, surface_keys(kind), "{kind}");
        for key in keys {
            assert!(
                !surface_parameter_meaning(kind, key).is_empty(),
                "{kind}.{key}"
            );
        }
    }
    let noted: Vec<&str> = SURFACE_NOTES.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(noted, SURFACE_KINDS);
}

#[test]
fn every_hyperparameter_is_listed_with_its_default() {
    for kind in OPTIMIZER_KINDS {
        let optimizer = optimizer_with_defaults(kind).unwrap();
        let keys: Vec<&str> = hyperparameters(&optimizer)
            .iter()
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(keys, hyperparameter_keys(kind), "{kind}");
    }
}

#[test]
fn every_schedule_parameter_is_listed() {
    let kinds: Vec<&str> = SCHEDULE_NOTES.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(kinds, SCHEDULE_KINDS);
    for (kind, _, params) in SCHEDULE_NOTES {
        let keys: Vec<&str> = params.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(keys, config::schedule_keys(kind), "{kind}");
    }
}

/// The schedule an experiment gets from `schedule = { ... }` with only the required keys.
fn parsed_schedule(table: &str) -> Schedule {
    let source = format!(
        "steps = 120\n[surface]\nkind = \"quadratic\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 0.1\n\
         schedule = {table}\n"
    );
    let e = config::parse(&source, Path::new("t.toml")).unwrap();
    e.runs[0].spec.schedule.clone()
}

#[test]
fn listed_schedule_defaults_are_the_parser_defaults() {
    let number = |kind: &str, key: &str| -> f64 {
        let (_, _, params) = SCHEDULE_NOTES.iter().find(|(k, _, _)| *k == kind).unwrap();
        let (_, default, _) = params.iter().find(|(k, _, _)| *k == key).unwrap();
        default.unwrap().parse().unwrap()
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
}

#[test]
fn list_shows_every_kind_of_every_section() {
    let all = list(None).unwrap();
    for kind in SURFACE_KINDS
        .iter()
        .chain(&OPTIMIZER_KINDS)
        .chain(&SCHEDULE_KINDS)
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
fn numbers_read_back_as_toml_floats() {
    assert_eq!(toml_number(1.0), "1.0");
    assert_eq!(toml_number(-3.0), "-3.0");
    assert_eq!(toml_number(0.09), "0.09");
    assert_eq!(toml_number(1e-7), "1e-7");
    assert_eq!(round_to(2.4100000000000006, 10), 2.41);
}

#[test]
fn every_starter_runs_without_diverging() {
    for kind in SURFACE_KINDS {
        let text = starter(kind, Path::new("experiment.toml")).unwrap();
        let experiment = config::parse(&text, Path::new("experiment.toml"))
            .unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
        assert_eq!(
            experiment.surface,
            Surface::default_of(kind).unwrap(),
            "{kind}"
        );
        assert_eq!(experiment.runs.len(), 3);
        for (run, trace) in experiment
            .runs
            .iter()
            .zip(crate::output::run_all(&experiment))
        {
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
