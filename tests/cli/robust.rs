//! Numbers that blow up are results, and files are whole or absent.

use crate::{configs, optplay, summary, without_embedded_images};

const SURFACES: [&str; 7] = [
    "quadratic",
    "saddle",
    "bowl",
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
];
const ALL: &str = "sgd,momentum,nesterov,adagrad,rmsprop,adam,adamw,nadam,newton,lbfgs";

#[test]
fn every_optimizer_on_every_surface_at_absurd_learning_rates_is_a_result() {
    let tmp = tempfile::tempdir().unwrap();
    for surface in SURFACES {
        for lr in ["1e-12", "1e-2", "1e2", "1e6"] {
            let what = format!("{surface} at lr {lr}");
            let output = optplay(tmp.path())
                .args(["compare", "--opt", ALL, "--surface", surface, "--lr", lr])
                .args(["--steps", "40", "--format", "svg", "--out", "o"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(0), "{what}: {stderr}");
            let dir = tmp.path().join("o").join(format!("compare-{surface}"));
            for figure in ["trajectories.svg", "loss.svg"] {
                let svg =
                    without_embedded_images(&std::fs::read_to_string(dir.join(figure)).unwrap());
                assert!(
                    !svg.contains("NaN") && !svg.contains("inf"),
                    "{what}: {figure} holds a non-finite number"
                );
            }
            let csv = std::fs::read_to_string(dir.join("trajectory.csv")).unwrap();
            for line in csv.lines().skip(1) {
                let cells: Vec<&str> = line.split(',').collect();
                for cell in &cells[3..7] {
                    let v: f64 = cell.parse().unwrap();
                    assert!(v.is_finite(), "{what}: {line}");
                }
            }
            for run in summary(&dir)["runs"].as_array().unwrap() {
                let rows = csv
                    .lines()
                    .filter(|l| l.starts_with(&format!("{},", run["label"].as_str().unwrap())))
                    .count() as u64;
                assert_eq!(rows, run["steps"].as_u64().unwrap() + 1, "{what}: {run}");
                match run["status"].as_str().unwrap() {
                    "diverged" => {
                        let at = run["diverged_at_step"].as_u64().unwrap();
                        assert!(rows <= at + 1, "{what}: rows beyond the divergence: {run}");
                    }
                    "converged" | "max_steps" => {}
                    other => panic!("{what}: status {other}"),
                }
            }
        }
    }
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

#[test]
fn a_second_run_replaces_its_own_files_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |steps: &str| {
        optplay(tmp.path())
            .args(["run", "--format", "svg", "--steps", steps])
            .arg(configs().join("saddle.toml"))
            .assert()
            .success();
    };
    run("10");
    let dir = tmp.path().join("out/saddle");
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    run("20");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(summary(&dir)["runs"][0]["steps"], 20);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn every_config_gives_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(configs())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for out in ["a", "b"] {
        optplay(tmp.path())
            .args(["run", "--format", "svg", "--steps", "50", "--out", out])
            .args(&files)
            .assert()
            .success();
    }
    for file in &files {
        let name = file.file_stem().unwrap();
        for output in [
            "trajectory.csv",
            "summary.json",
            "trajectories.svg",
            "loss.svg",
        ] {
            let read =
                |out: &str| std::fs::read(tmp.path().join(out).join(name).join(output)).unwrap();
            assert!(
                read("a") == read("b"),
                "{name:?}/{output} differs between two runs"
            );
        }
    }
}

#[test]
fn a_long_noisy_run_draws_small_figures_that_keep_its_ends() {
    // 200 000 noisy steps wander around the minimum: drawn point by point the two SVGs
    // would take about 30 MB. Thinned, they keep the shape in a few hundred KB.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("long.toml"),
        "steps = 200000\nseed = 3\n[surface]\nkind = \"saddle\"\n[noise]\nstd = 0.5\n\
         [[optimizer]]\nkind = \"sgd\"\nlr = 0.01\n",
    )
    .unwrap();
    optplay(tmp.path())
        .args(["run", "long.toml", "--format", "svg"])
        .assert()
        .success();
    let dir = tmp.path().join("out/long");
    let rows = std::fs::read_to_string(dir.join("trajectory.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 200_002, "the CSV keeps every step (and its header)");
    for (figure, limit) in [("trajectories.svg", 3_000_000), ("loss.svg", 1_000_000)] {
        let svg = std::fs::read_to_string(dir.join(figure)).unwrap();
        assert!(svg.len() < limit, "{figure}: {} bytes", svg.len());
        let text = without_embedded_images(&svg);
        assert!(!text.contains("NaN") && !text.contains("inf"), "{figure}");
    }
    // The loss panel still reaches the last step: its axis ends at 200000.
    let loss = std::fs::read_to_string(dir.join("loss.svg")).unwrap();
    assert!(
        loss.contains("\n200000\n"),
        "the step axis is labelled to the end"
    );
}
