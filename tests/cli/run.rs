use crate::{PINNED_FILES, configs, optplay, summary, without_embedded_images};

#[test]
fn every_config_runs_and_writes_every_pinned_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(configs())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "configs/ holds the lecture's experiments");
    let output = optplay(tmp.path())
        .arg("run")
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    for file in &files {
        let name = file.file_stem().unwrap().to_str().unwrap();
        let dir = tmp.path().join("out").join(name);
        for pinned in PINNED_FILES {
            let path = dir.join(pinned);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert!(size > 100, "{} missing or empty", path.display());
        }
        let summary = summary(&dir);
        assert_eq!(summary["experiment"], name);
        for run in summary["runs"].as_array().unwrap() {
            let label = run["label"].as_str().unwrap();
            assert!(stdout.contains(label), "the table lists run {label}");
        }
    }
    let png = std::fs::read(tmp.path().join("out/saddle/trajectories.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn csv_rows_agree_with_the_summary_and_parse_back_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    optplay(tmp.path())
        .args(["run", "--format", "svg"])
        .arg(configs().join("elongated.toml"))
        .assert()
        .success();
    let dir = tmp.path().join("out/elongated");
    let csv = std::fs::read_to_string(dir.join("trajectory.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("run,kind,step,x,y,loss,grad_norm,lr"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let summary = summary(&dir);
    for run in summary["runs"].as_array().unwrap() {
        let label = run["label"].as_str().unwrap();
        let mine: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == label).collect();
        let steps = run["steps"].as_u64().unwrap();
        assert_eq!(
            mine.len() as u64,
            steps + 1,
            "{label}: one row per step plus the start"
        );
        assert_eq!(mine[0][2], "0");
        assert_eq!(mine[0][7], "", "the start has no lr");
        let last = mine.last().unwrap();
        let x: f64 = last[3].parse().unwrap();
        let y: f64 = last[4].parse().unwrap();
        let loss: f64 = last[5].parse().unwrap();
        assert_eq!(x, run["final"][0].as_f64().unwrap());
        assert_eq!(y, run["final"][1].as_f64().unwrap());
        assert_eq!(loss, run["final_loss"].as_f64().unwrap());
    }
}

#[test]
fn the_same_experiment_gives_the_same_bytes_noise_included() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("noisy.toml");
    std::fs::write(
        &file,
        "steps = 50\nseed = 3\n[surface]\nkind = \"rosenbrock\"\n[noise]\nstd = 0.5\n\
         [[optimizer]]\nkind = \"sgd\"\nlr = 0.001\n[[optimizer]]\nkind = \"adam\"\n",
    )
    .unwrap();
    let read = |out: &str| {
        optplay(tmp.path())
            .args(["run", "--format", "svg", "--out", out])
            .arg(&file)
            .assert()
            .success();
        let dir = tmp.path().join(out).join("noisy");
        (
            std::fs::read(dir.join("trajectory.csv")).unwrap(),
            std::fs::read(dir.join("summary.json")).unwrap(),
        )
    };
    let first = read("a");
    assert_eq!(first, read("b"));
    // Another seed, another noise stream: the numbers move.
    optplay(tmp.path())
        .args(["run", "--format", "svg", "--out", "c", "--seed", "4"])
        .arg(&file)
        .assert()
        .success();
    let other = std::fs::read(tmp.path().join("c/noisy/trajectory.csv")).unwrap();
    assert_ne!(first.0, other);
}

#[test]
fn flags_override_steps_and_formats() {
    let tmp = tempfile::tempdir().unwrap();
    optplay(tmp.path())
        .args(["run", "--steps", "7", "--format", "png", "--out", "here"])
        .arg(configs().join("saddle.toml"))
        .assert()
        .success();
    let dir = tmp.path().join("here/saddle");
    assert!(dir.join("trajectories.png").exists());
    assert!(!dir.join("trajectories.svg").exists());
    assert_eq!(summary(&dir)["runs"][0]["steps"], 7);
}

#[test]
fn a_diverging_run_is_a_result_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("wild.toml");
    std::fs::write(
        &file,
        "[surface]\nkind = \"quadratic\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 0.5\n",
    )
    .unwrap();
    let output = optplay(tmp.path()).arg("run").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("diverged at step 6"), "{stdout}");
    let run = &summary(&tmp.path().join("out/wild"))["runs"][0];
    assert_eq!(run["status"], "diverged");
    let svg = without_embedded_images(
        &std::fs::read_to_string(tmp.path().join("out/wild/trajectories.svg")).unwrap(),
    );
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}
