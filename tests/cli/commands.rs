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
