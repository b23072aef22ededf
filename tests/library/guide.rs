//! `list`, `explain` and `init` as the app calls them, and their command lines as clap parses
//! them. `tests/cli/commands.rs` runs each command once through the binary.

use clap::Parser as _;
use optplay::app::AppError;
use optplay::cli::{Cli, Command};
use optplay::guide;

use crate::{load_with, small, summary, svg_only, write};

/// How `optplay ARGS` fails to parse: its exit code and its message.
fn refused_command_line(args: &[&str]) -> (i32, String) {
    let args = std::iter::once("optplay").chain(args.iter().copied());
    let error = Cli::try_parse_from(args).expect_err("the command line is refused");
    (error.exit_code(), error.to_string())
}

#[test]
fn list_optimizers_shows_adams_lecture_eps() {
    let text = guide::list(Some("optimizers")).unwrap();
    let adam = text
        .lines()
        .skip_while(|l| !l.starts_with("adam "))
        .nth(1)
        .expect("adam's settings follow its name");
    assert!(adam.contains("eps = 1e-7"), "{adam}");
    assert!(adam.contains("betas = [0.9, 0.999]"), "{adam}");
    assert!(
        !text.contains("SURFACES"),
        "only the optimizers section:\n{text}"
    );
}

#[test]
fn list_of_an_unknown_section_exits_2_with_the_choices() {
    let error = AppError::from(guide::list(Some("optimisers")).unwrap_err());
    assert_eq!(error.exit_code(), 2);
    let message = error.to_string();
    assert!(message.contains("Did you mean `optimizers`?"), "{message}");
    assert!(
        message.contains("surfaces, optimizers, schedules"),
        "{message}"
    );
}

#[test]
fn explain_covers_every_optimizer_and_adams_bias_correction_and_betas() {
    let text = guide::explain("adam").unwrap();
    assert!(text.contains("bias correction"), "{text}");
    assert!(text.contains("betas"), "{text}");
    assert!(text.contains("torch.optim.Adam"), "{text}");
    for kind in optplay::core::registry::optimizer_names() {
        let text = guide::explain(kind).unwrap();
        assert!(text.starts_with(kind), "{kind}:\n{text}");
    }
    // The lecture's optimizers and the second-order ones each have a gallery config to show
    // them; the later torch.optim additions have none yet.
    for kind in [
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "newton",
        "lbfgs",
    ] {
        let text = guide::explain(kind).unwrap();
        assert!(text.contains("configs/"), "{kind}:\n{text}");
    }
}

#[test]
fn explain_of_a_typo_exits_2_suggesting_the_kind() {
    let (code, message) = refused_command_line(&["explain", "adma"]);
    assert_eq!(code, 2);
    assert!(message.contains("Did you mean `adam`?"), "{message}");
    assert!(message.contains("sgd, momentum, nesterov"), "{message}");
}

#[test]
fn init_writes_an_experiment_that_runs_on_every_surface() {
    let tmp = tempfile::tempdir().unwrap();
    // Every surface kind, the built-ins at their defaults and `expr` with its example.
    for surface in optplay::core::registry::surface_names() {
        let file = tmp.path().join(format!("{surface}.toml"));
        let note = guide::init(Some(surface), &file).unwrap();
        assert!(
            note.contains(&format!("optplay run {}", file.display())),
            "{note}"
        );
        write(
            &small(load_with(&file, &svg_only())),
            &tmp.path().join("out"),
        );
        let summary = summary(&tmp.path().join("out").join(surface));
        assert_eq!(summary["surface"], surface);
        let runs = summary["runs"].as_array().unwrap();
        let kinds: Vec<&str> = runs.iter().map(|r| r["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["sgd", "momentum", "adam"], "{surface}");
        for run in runs {
            assert_ne!(run["status"], "diverged", "{surface}: {run}");
        }
    }
}

#[test]
fn init_defaults_to_experiment_toml_on_the_quadratic() {
    let tmp = tempfile::tempdir().unwrap();
    let Ok(Cli {
        command: Command::Init(args),
    }) = Cli::try_parse_from(["optplay", "init"])
    else {
        panic!("`optplay init` parses as init");
    };
    assert!(args.surface.is_none());
    guide::init(None, &tmp.path().join(&args.file)).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("experiment.toml")).unwrap();
    assert!(text.contains("kind = \"quadratic\""), "{text}");
}

#[test]
fn init_of_an_unknown_surface_exits_2() {
    let (code, message) = refused_command_line(&["init", "--surface", "sadle", "x.toml"]);
    assert_eq!(code, 2);
    assert!(message.contains("Did you mean `saddle`?"), "{message}");
    // The same word reaching `init` itself is refused the same way, and writes nothing.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("x.toml");
    let error = AppError::from(guide::init(Some("sadle"), &file).unwrap_err());
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("Did you mean `saddle`?"));
    assert!(!file.exists());
}

#[test]
fn init_makes_missing_folders_and_a_file_in_the_way_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("no/such/folder/x.toml");
    guide::init(None, &file).unwrap();
    assert!(file.is_file());
    // A file where a folder must go cannot be made a folder: exit 1, naming it.
    std::fs::write(tmp.path().join("plain"), "x").unwrap();
    let blocked = tmp.path().join("plain/x.toml");
    let error = AppError::from(guide::init(None, &blocked).unwrap_err());
    assert_eq!(error.exit_code(), 1);
    assert!(error.to_string().contains("plain"), "{error}");
}

#[test]
fn init_data_writes_a_network_experiment_that_runs_on_every_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let overrides = optplay::config::Overrides {
        steps: Some(5),
        formats: Some(vec!["none".to_string()]),
        ..optplay::config::Overrides::default()
    };
    for kind in optplay::core::network::data::DATASETS {
        // A folder that does not exist yet: `init` makes it.
        let file = tmp.path().join("nets").join(format!("{}.toml", kind.name));
        let note = guide::init_data(kind.name, &file).unwrap();
        assert!(
            note.contains(&format!("optplay run {}", file.display())),
            "{note}"
        );
        write(&load_with(&file, &overrides), &tmp.path().join("out"));
        let summary = summary(&tmp.path().join("out").join(kind.name));
        assert_eq!(summary["data"]["kind"], kind.name, "{summary}");
        for run in summary["runs"].as_array().unwrap() {
            assert_eq!(run["steps"], 5, "{}: {run}", kind.name);
            assert_ne!(run["status"], "diverged", "{}: {run}", kind.name);
        }
        assert!(matches!(
            guide::init_data(kind.name, &file).unwrap_err(),
            guide::GuideError::Exists(_)
        ));
    }
}

#[test]
fn init_data_and_surface_together_exit_2() {
    let (code, message) =
        refused_command_line(&["init", "--data", "spiral", "--surface", "saddle", "x.toml"]);
    assert_eq!(code, 2);
    assert!(message.contains("--surface"), "{message}");
    let (code, message) = refused_command_line(&["explain", "batchnorm"]);
    assert_eq!(code, 2);
    assert!(message.contains("Did you mean `batch_norm`?"), "{message}");
}
