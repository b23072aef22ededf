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
