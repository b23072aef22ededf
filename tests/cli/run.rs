//! `optplay run` of a gallery config at full size, and an output location it cannot write.

use crate::{PINNED_FILES, configs, optplay, summary};

#[test]
fn a_gallery_config_runs_at_full_size_and_writes_every_pinned_file() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .arg("run")
        .arg(configs().join("saddle.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let dir = tmp.path().join("out/saddle");
    assert!(stderr.contains("wrote out/saddle ("), "{stderr}");
    for pinned in PINNED_FILES {
        let path = dir.join(pinned);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 100, "{} missing or empty", path.display());
        assert!(stderr.contains(pinned), "stderr names {pinned}: {stderr}");
    }
    let summary = summary(&dir);
    assert_eq!(summary["experiment"], "saddle");
    let runs = summary["runs"].as_array().unwrap();
    assert!(runs.len() >= 4, "the saddle compares several optimizers");
    for run in runs {
        let label = run["label"].as_str().unwrap();
        assert!(stdout.contains(label), "the table lists run {label}");
    }
    let png = std::fs::read(dir.join("trajectories.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // The default figure size, 1000×800: the PNG header's width and height.
    assert_eq!(&png[16..24], &[0, 0, 0x03, 0xe8, 0, 0, 0x03, 0x20]);
}

#[test]
fn an_unwritable_output_location_exits_1_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("taken");
    std::fs::write(&blocker, "a file where the output folder should go").unwrap();
    let output = optplay(tmp.path())
        .args([
            "compare", "--opt", "sgd", "--format", "svg", "--out", "taken",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("taken"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
