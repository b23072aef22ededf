//! `optplay compare` as a user types it: with `--opt` alone, and with the start, steps,
//! learning rates, noise and the loss figure's smoothing and log step axis given as flags.

use crate::{PINNED_FILES, optplay, summary};

#[test]
fn bare_compare_needs_no_other_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let output = optplay(tmp.path())
        .args(["compare", "--opt", "sgd,momentum,adam"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = tmp.path().join("out/compare-quadratic");
    for pinned in PINNED_FILES {
        assert!(dir.join(pinned).exists(), "{pinned} missing");
    }
    let summary = summary(&dir);
    assert_eq!(summary["surface"], "quadratic");
    let runs = summary["runs"].as_array().unwrap();
    let labels: Vec<&str> = runs.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["sgd", "momentum", "adam"]);
    for run in runs {
        assert_ne!(
            run["status"], "diverged",
            "default lrs must not blow up: {run}"
        );
        assert!(run["final_loss"].as_f64().unwrap() < 1e-2, "{run}");
    }
}

#[test]
fn compare_takes_start_steps_lr_noise_and_loss_figure_flags() {
    let tmp = tempfile::tempdir().unwrap();
    optplay(tmp.path())
        .args([
            "compare",
            "--opt",
            "sgd,adam",
            "--surface",
            "rosenbrock",
            "--start=-1.5,2",
            "--steps",
            "30",
            "--lr",
            "sgd=1e-3,adam=0.05",
            "--noise",
            "0.1",
            "--format",
            "svg",
            "--smooth",
            "0.9",
            "--log-x",
        ])
        .assert()
        .success();
    let csv =
        std::fs::read_to_string(tmp.path().join("out/compare-rosenbrock/trajectory.csv")).unwrap();
    assert!(csv.contains("\nsgd,sgd,0,-1.5,2,"));
    assert!(csv.contains("\nadam,adam,1,") && csv.lines().any(|l| l.starts_with("adam,adam,30,")));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("sgd,sgd,1,") && l.ends_with(",0.001"))
    );
    let figure =
        std::fs::read_to_string(tmp.path().join("out/compare-rosenbrock/loss.svg")).unwrap();
    assert!(figure.contains("f − f* (smoothed 0.9)"));
    assert!(figure.contains("step (log scale, from step 1)"));
}

#[test]
fn a_pipe_gets_no_progress_bar_and_quiet_leaves_the_table_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let compare = |quiet: bool| {
        let mut cmd = optplay(tmp.path());
        // The test hook shows the bar at once where it would show at all: on a terminal.
        cmd.env("OPTPLAY_TEST_PROGRESS_AT_ONCE", "1").args([
            "compare",
            "--opt",
            "sgd,adam",
            "--steps",
            "3000",
            "--noise",
            "0.1",
            "--format",
            "none",
            "--csv-every",
            "1000",
        ]);
        if quiet {
            cmd.arg("--quiet");
        }
        let output = cmd.output().unwrap();
        assert!(output.status.success());
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (table, said) = compare(false);
    assert_eq!(
        said, "wrote out/compare-quadratic (trajectory.csv, summary.json)\n",
        "stderr is a pipe here: no bar"
    );
    assert!(table.contains("max_steps"), "{table}");
    let (quiet_table, quiet) = compare(true);
    assert_eq!(quiet, "", "--quiet: nothing on stderr");
    assert_eq!(quiet_table, table, "the table is not progress: it stays");
    let csv =
        std::fs::read_to_string(tmp.path().join("out/compare-quadratic/trajectory.csv")).unwrap();
    let steps: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(
        steps,
        ["0", "1000", "2000", "3000", "0", "1000", "2000", "3000"]
    );
}
