//! `list`, `explain` and `init`, once each through the binary: what they print and where.
//! Their texts and every kind they cover are checked in-process (`tests/library/guide.rs`).

use optplay::core::registry;

use crate::optplay;

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
    // Every kind of the registry: a new one must be listed as soon as it exists.
    let (surfaces, optimizers, schedules) = (
        registry::surface_names(),
        registry::optimizer_names(),
        registry::schedule_names(),
    );
    for kind in surfaces.iter().chain(&optimizers).chain(&schedules) {
        assert!(lists(&all, kind), "`{kind}` not listed:\n{all}");
    }
    for (section, kinds) in [
        ("surfaces", &surfaces),
        ("optimizers", &optimizers),
        ("schedules", &schedules),
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
fn explain_adam_covers_bias_correction_and_betas() {
    let text = stdout_of(&["explain", "adam"]);
    assert!(text.starts_with("adam"), "{text}");
    assert!(text.contains("bias correction"), "{text}");
    assert!(text.contains("betas"), "{text}");
    assert!(text.contains("torch.optim.Adam"), "{text}");
    assert!(text.contains("configs/"), "{text}");
}

#[test]
fn init_writes_a_file_says_how_to_run_it_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["init", "--surface", "saddle", "mine.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("optplay run mine.toml"), "{stderr}");
    let path = tmp.path().join("mine.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(before.contains("kind = \"saddle\""), "{before}");

    let output = optplay(tmp.path())
        .args(["init", "--surface", "rosenbrock", "mine.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mine.toml"), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before,
        "the file changed"
    );
}

#[test]
fn list_datasets_shows_every_dataset_with_its_defaults() {
    let text = stdout_of(&["list", "datasets"]);
    for kind in optplay::core::network::data::DATASETS {
        assert!(
            lists(&text, kind.name),
            "`{}` not listed:\n{text}",
            kind.name
        );
        assert!(text.contains(kind.summary), "{}:\n{text}", kind.name);
        assert!(
            text.contains(&format!("points = {} ", kind.default_points)),
            "{}: no default points\n{text}",
            kind.name
        );
    }
    assert!(lists(&text, "csv"), "{text}");
    assert!(text.contains("classes = 3 (2 to 10)"), "{text}");
    assert!(!text.contains("SURFACES"), "only the datasets:\n{text}");
    // `list` alone shows the datasets with everything else.
    assert!(lists(&stdout_of(&["list"]), "spiral"));
}

#[test]
fn explain_augment_says_digits_are_never_flipped_and_why() {
    let text = stdout_of(&["explain", "augment"]);
    assert!(text.starts_with("augment"), "{text}");
    assert!(text.contains("a flipped digit is another digit"), "{text}");
    assert!(text.contains("shift") && text.contains("jitter"), "{text}");
}

#[test]
fn init_data_spiral_writes_an_experiment_that_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["init", "--data", "spiral", "nets/spiral.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("optplay run nets/spiral.toml"), "{stderr}");
    let output = optplay(tmp.path())
        .args([
            "run",
            "nets/spiral.toml",
            "--steps",
            "20",
            "--format",
            "none",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let summary = crate::summary(&tmp.path().join("out/spiral"));
    assert_eq!(summary["data"]["kind"], "spiral", "{summary}");
    assert_eq!(summary["runs"].as_array().unwrap().len(), 3, "{summary}");
}

#[test]
fn compare_data_trains_each_optimizer_and_refuses_a_surface() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args([
            "compare", "--data", "moons", "--opt", "sgd,adam", "--steps", "50", "--format", "none",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let history =
        std::fs::read_to_string(tmp.path().join("out/compare-moons/history.csv")).unwrap();
    assert!(history.starts_with("run,kind,step,"), "{history}");
    assert!(
        history.lines().any(|l| l.starts_with("adam,adam,50,")),
        "{history}"
    );

    let output = optplay(tmp.path())
        .args([
            "compare",
            "--data",
            "spiral",
            "--surface",
            "saddle",
            "--opt",
            "sgd",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--data") && stderr.contains("--surface"),
        "{stderr}"
    );
    assert!(!tmp.path().join("out/compare-spiral").exists());
}
