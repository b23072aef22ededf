//! `optplay sweep` as a user and a batch scheduler drive it: the outputs, the same bytes
//! whatever `--jobs`, shards merged into exactly the unsharded sweep, and merges that refuse
//! parts which do not make one sweep.

use std::path::{Path, PathBuf};

use crate::{PINNED_FILES, optplay};

/// A small noisy sweep: 3 variants (sgd twice for its momentum axis, adam) × 5 lrs × 3 seeds.
const SWEEP: &str = r#"
steps = 60
start = [-1.5, 2.0]
[surface]
kind = "rosenbrock"
[noise]
std = 0.5
[plot]
width = 640
height = 480
formats = ["png"]
[sweep]
lr = [1e-5, 1e-2]
points = 5
seeds = 3
momentum = [0.0, 0.9]
[[optimizer]]
kind = "sgd"
[[optimizer]]
kind = "adam"
sweep_lr = [1e-3, 3.0]
"#;

fn write_sweep(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join("grid.toml");
    std::fs::write(&file, text).unwrap();
    file
}

fn sweep(dir: &Path, args: &[&str]) -> std::process::Output {
    optplay(dir).arg("sweep").args(args).output().unwrap()
}

fn ok(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_sweep_writes_its_table_files_figures_and_the_fair_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), SWEEP);
    let output = sweep(tmp.path(), &[file.to_str().unwrap()]);
    ok(&output);
    let dir = tmp.path().join("out/grid-sweep");
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "run,kind,lr,seed,momentum,status,final_loss,best_loss,steps_to_tolerance,metric"
    );
    assert_eq!(lines.count(), 3 * 5 * 3);
    assert!(csv.contains("\nsgd,sgd,0.00001,0,0,"), "{csv}");
    assert!(
        csv.contains("\nadam,adam,3,2,,"),
        "adam has no momentum: {csv}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["experiment"], "grid");
    assert_eq!(json["metric"], "final_loss");
    let optimizers = json["optimizers"].as_array().unwrap();
    let labels: Vec<&str> = optimizers
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["sgd momentum=0", "sgd momentum=0.9", "adam"]);
    for o in optimizers {
        for key in [
            "kind",
            "best_lr",
            "best_metric",
            "metric_median",
            "metric_q25",
            "metric_q75",
            "diverged_runs",
            "at_edge",
        ] {
            assert!(o.get(key).is_some(), "{key} missing in {o}");
        }
    }
    for figure in ["heatmap.png", "lr_curves.png"] {
        assert!(dir.join(figure).exists(), "{figure} missing");
    }
    // best/: the experiment's own outputs, each optimizer once, at its best lr.
    for pinned in PINNED_FILES.iter().filter(|f| !f.ends_with(".svg")) {
        assert!(
            dir.join("best").join(pinned).exists(),
            "best/{pinned} missing"
        );
    }
    let summary = crate::summary(&dir.join("best"));
    let runs = summary["runs"].as_array().unwrap();
    assert_eq!(
        runs.len(),
        2,
        "one run per optimizer of the file: {summary}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("best lr"), "{stdout}");
}

#[test]
fn a_sweep_asked_for_animations_only_says_its_own_figures_are_stills() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), &SWEEP.replace("steps = 60", "steps = 20"));
    let small = |formats: &str| {
        let output = sweep(
            tmp.path(),
            &[
                file.to_str().unwrap(),
                "--format",
                formats,
                "--points",
                "2",
                "--seeds",
                "1",
            ],
        );
        ok(&output);
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let dir = tmp.path().join("out/grid-sweep");
    let stderr = small("gif");
    assert!(dir.join("best/trajectories.gif").exists());
    assert!(!dir.join("heatmap.png").exists());
    assert!(
        stderr.contains("--format gif drew best/'s alone; add png or svg"),
        "{stderr}"
    );
    // Asked for a still too, there is nothing to say.
    let stderr = small("gif,png");
    assert!(dir.join("heatmap.png").exists());
    assert!(!stderr.contains("stills"), "{stderr}");
}

#[test]
fn the_results_do_not_depend_on_the_number_of_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), SWEEP);
    let file = file.to_str().unwrap();
    ok(&sweep(
        tmp.path(),
        &[file, "--jobs", "1", "--out", "one", "--format", "none"],
    ));
    ok(&sweep(
        tmp.path(),
        &[file, "--jobs", "2", "--out", "two", "--format", "none"],
    ));
    let (one, two) = (tree(&tmp.path().join("one")), tree(&tmp.path().join("two")));
    assert_eq!(one.len(), two.len());
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(a == b, "{} differs between --jobs 1 and 2", name.display());
    }
}

#[test]
fn merged_shards_are_byte_for_byte_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), SWEEP);
    let file = file.to_str().unwrap();
    ok(&sweep(tmp.path(), &[file, "--out", "whole"]));
    for k in 1..=4 {
        let shard = format!("{k}/4");
        let out = format!("shard{k}");
        ok(&sweep(
            tmp.path(),
            &[file, "--shard", &shard, "--out", &out],
        ));
        let part = tmp
            .path()
            .join(format!("{out}/grid-sweep/sweep.part-{k}-of-4.csv"));
        assert!(part.exists(), "{} missing", part.display());
    }
    // Each DIR is a shard's --out folder, or its <name>-sweep folder.
    ok(&sweep(
        tmp.path(),
        &[
            "--merge",
            "shard1",
            "shard2/grid-sweep",
            "shard3",
            "shard4",
            "--out",
            "merged",
        ],
    ));
    let whole = tree(&tmp.path().join("whole"));
    let merged = tree(&tmp.path().join("merged"));
    let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&whole), names(&merged));
    for ((name, a), (_, b)) in whole.iter().zip(&merged) {
        assert!(a == b, "{} differs after the merge", name.display());
    }
}

#[test]
fn a_merge_names_the_missing_duplicate_or_foreign_part() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), SWEEP);
    let file = file.to_str().unwrap();
    for k in 1..=3 {
        let (shard, out) = (format!("{k}/3"), format!("s{k}"));
        ok(&sweep(
            tmp.path(),
            &[file, "--shard", &shard, "--out", &out, "-q"],
        ));
    }
    let refused = |dirs: &[&str], phrase: &str| {
        let mut args = vec!["--merge"];
        args.extend(dirs);
        args.extend(["--out", "merged"]);
        let output = sweep(tmp.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{dirs:?}: {stderr}");
        assert!(stderr.contains(phrase), "{dirs:?}: {stderr}");
        assert!(
            !tmp.path().join("merged").exists(),
            "{dirs:?} wrote something"
        );
    };
    refused(&["s1", "s3"], "missing part 2 of 3");
    refused(&["s1", "s1/grid-sweep", "s2", "s3"], "part 1 of 3 twice");
    // The same file sharded with another number of lrs.
    ok(&sweep(
        tmp.path(),
        &[
            file, "--shard", "2/3", "--points", "6", "--out", "other", "-q",
        ],
    ));
    refused(&["s1", "other", "s3"], "different grids");
    refused(
        &["nothing-here"],
        "nothing-here: cannot read the shards' parts there (no such folder)",
    );
    refused(&["s1", file], "not a folder");
    // A merge takes the grid the shards ran: changing it there is refused, not ignored.
    refused(&["s1", "s2", "s3", "--points", "9"], "--points");
}

#[test]
fn a_file_without_a_grid_or_with_nothing_random_to_repeat_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let no_grid =
        SWEEP.split("[sweep]").next().unwrap().to_string() + "[[optimizer]]\nkind = \"sgd\"\n";
    let file = write_sweep(tmp.path(), &no_grid);
    let output = sweep(tmp.path(), &[file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no `[sweep]` table"), "{stderr}");
    assert!(stderr.contains("grid.toml"), "{stderr}");

    let exact = SWEEP
        .replace("[noise]\nstd = 0.5\n", "")
        .replace("seeds = 3\n", "");
    let file = write_sweep(tmp.path(), &exact);
    let output = sweep(tmp.path(), &[file.to_str().unwrap(), "--seeds", "4"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing in"), "{stderr}");
    for bad in [["--shard", "0/3"], ["--shard", "4/3"], ["--points", "1"]] {
        let output = sweep(tmp.path(), &[file.to_str().unwrap(), bad[0], bad[1]]);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
    }
    assert!(
        !tmp.path().join("out").exists(),
        "a refused sweep wrote something"
    );
}

/// A tiny network grid: moons, 2 optimizers × 3 lrs × 2 seeds of 50 steps.
const NETWORK_SWEEP: &str = r#"
steps = 50
[data]
kind = "moons"
points = 60
validation = 0.3
batch = 16
[model]
hidden = [8]
[plot]
formats = ["png"]
[sweep]
points = 3
seeds = 2
[[optimizer]]
kind = "sgd"
sweep_lr = [1e-2, 1.0]
[[optimizer]]
kind = "adam"
sweep_lr = [1e-3, 1e-1]
"#;

#[test]
fn a_network_sweep_writes_the_same_bytes_whatever_the_threads_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), NETWORK_SWEEP);
    let file = file.to_str().unwrap();
    let first = sweep(tmp.path(), &[file, "--jobs", "1", "--out", "one"]);
    ok(&first);
    // The table writes accuracies as percentages, as `optplay run`'s does.
    let table = String::from_utf8_lossy(&first.stdout);
    assert!(
        table.contains("median validation accuracy") && table.contains('%'),
        "{table}"
    );
    ok(&sweep(tmp.path(), &[file, "--jobs", "2", "--out", "two"]));
    for k in 1..=3 {
        let shard = format!("{k}/3");
        ok(&sweep(
            tmp.path(),
            &[file, "--shard", &shard, "--out", &format!("shard{k}")],
        ));
    }
    ok(&sweep(
        tmp.path(),
        &["--merge", "shard1", "shard2", "shard3", "--out", "merged"],
    ));
    let one = tree(&tmp.path().join("one"));
    let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    for other in ["two", "merged"] {
        let other_tree = tree(&tmp.path().join(other));
        assert_eq!(names(&one), names(&other_tree), "{other}");
        for ((name, a), (_, b)) in one.iter().zip(&other_tree) {
            assert!(a == b, "{} differs in {other}", name.display());
        }
    }

    // The sweep's own files, and best/ holds the network experiment's usual outputs.
    let dir = tmp.path().join("one/grid-sweep");
    for name in ["sweep.csv", "sweep.json", "heatmap.png", "lr_curves.png"] {
        assert!(dir.join(name).exists(), "{name} missing");
    }
    for name in [
        "history.csv",
        "summary.json",
        "model-sgd.json",
        "model-adam.json",
        "curves.png",
        "boundaries.png",
    ] {
        assert!(dir.join("best").join(name).exists(), "best/{name} missing");
    }
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("run,kind,lr,seed,status,final_loss,best_loss,steps_to_tolerance,metric")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 12);
    for row in &rows {
        assert_eq!(row[7], "", "no steps to tolerance on a network: {row:?}");
        let accuracy: f64 = row[8].parse().unwrap();
        let (final_loss, best_loss): (f64, f64) =
            (row[5].parse().unwrap(), row[6].parse().unwrap());
        if row[4] != "diverged" {
            assert!((0.0..=1.0).contains(&accuracy), "{row:?}");
            assert!(best_loss <= final_loss, "{row:?}");
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["metric"], "val_accuracy");
    // best/ trains each optimizer at the lr the sweep chose for it.
    let best_history = std::fs::read_to_string(dir.join("best/history.csv")).unwrap();
    for optimizer in json["optimizers"].as_array().unwrap() {
        let lr = optimizer["best_lr"].as_f64().unwrap();
        let label = optimizer["label"].as_str().unwrap();
        let trained_at: f64 = best_history
            .lines()
            .filter(|l| l.starts_with(&format!("{label},")))
            .find_map(|l| l.split(',').nth(7).filter(|lr| !lr.is_empty()))
            .unwrap_or_else(|| panic!("no {label} rows with an lr in best/history.csv"))
            .parse()
            .unwrap();
        assert!(
            (trained_at / lr - 1.0).abs() < 1e-9,
            "{label}: {trained_at} vs {lr}"
        );
    }
}
