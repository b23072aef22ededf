//! `list`, `explain` and `init`, through the binary.

use crate::{optplay, summary};

const SURFACES: [&str; 7] = [
    "quadratic",
    "saddle",
    "bowl",
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
];
const OPTIMIZERS: [&str; 8] = [
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam",
];
const SCHEDULES: [&str; 7] = [
    "constant",
    "step",
    "multistep",
    "exponential",
    "inverse_time",
    "cosine",
    "cosine_restarts",
];

/// stdout of a command that must succeed.
fn stdout_of(args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path()).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A listed kind starts its own line: `adam   Adam: ...` or `saddle — ...`.
fn lists(text: &str, kind: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix(kind)
            .is_some_and(|rest| rest.starts_with(' '))
    })
}

#[test]
fn list_shows_every_kind_of_every_section() {
    let all = stdout_of(&["list"]);
    for kind in SURFACES.iter().chain(&OPTIMIZERS).chain(&SCHEDULES) {
        assert!(lists(&all, kind), "`{kind}` not listed:\n{all}");
    }
    for (section, kinds) in [
        ("surfaces", &SURFACES[..]),
        ("optimizers", &OPTIMIZERS[..]),
        ("schedules", &SCHEDULES[..]),
    ] {
        let text = stdout_of(&["list", section]);
        for kind in kinds {
            assert!(
                lists(&text, kind),
                "{section}: `{kind}` not listed:\n{text}"
            );
        }
    }
}

#[test]
fn list_optimizers_shows_adams_lecture_eps() {
    let text = stdout_of(&["list", "optimizers"]);
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
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["list", "optimisers"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Did you mean `optimizers`?"), "{stderr}");
    assert!(
        stderr.contains("surfaces, optimizers, schedules"),
        "{stderr}"
    );
}

#[test]
fn explain_adam_covers_bias_correction_and_betas() {
    let text = stdout_of(&["explain", "adam"]);
    assert!(text.contains("bias correction"), "{text}");
    assert!(text.contains("betas"), "{text}");
    assert!(text.contains("torch.optim.Adam"), "{text}");
    for kind in OPTIMIZERS {
        let text = stdout_of(&["explain", kind]);
        assert!(text.starts_with(kind), "{kind}:\n{text}");
        assert!(text.contains("configs/"), "{kind}:\n{text}");
    }
}

#[test]
fn explain_of_a_typo_exits_2_suggesting_the_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["explain", "adma"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Did you mean `adam`?"), "{stderr}");
    assert!(stderr.contains("sgd, momentum, nesterov"), "{stderr}");
}

#[test]
fn init_writes_an_experiment_that_runs_on_every_surface() {
    let tmp = tempfile::tempdir().unwrap();
    for surface in SURFACES {
        let file = format!("{surface}.toml");
        let output = optplay(tmp.path())
            .args(["init", "--surface", surface, &file])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{surface}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("optplay run {file}")), "{stderr}");
        let output = optplay(tmp.path())
            .args(["run", &file, "--format", "svg"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{surface}: {}",
            String::from_utf8_lossy(&output.stderr)
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
    optplay(tmp.path()).arg("init").assert().success();
    let text = std::fs::read_to_string(tmp.path().join("experiment.toml")).unwrap();
    assert!(text.contains("kind = \"quadratic\""), "{text}");
}

#[test]
fn init_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    optplay(tmp.path())
        .args(["init", "--surface", "saddle", "mine.toml"])
        .assert()
        .success();
    let path = tmp.path().join("mine.toml");
    let before = std::fs::read(&path).unwrap();
    let output = optplay(tmp.path())
        .args(["init", "--surface", "rosenbrock", "mine.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mine.toml"), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file changed");
}

#[test]
fn init_of_an_unknown_surface_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["init", "--surface", "sadle", "x.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Did you mean `saddle`?"), "{stderr}");
    assert!(!tmp.path().join("x.toml").exists());
}

#[test]
fn init_into_a_missing_folder_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["init", "no/such/folder/x.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}
