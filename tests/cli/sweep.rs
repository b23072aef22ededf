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
    refused(&["nothing-here"], "nothing-here");
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
