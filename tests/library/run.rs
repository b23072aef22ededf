//! `optplay run`: every gallery config, the CSV against the summary, determinism, the
//! overrides, divergence as a result, and the files a run replaces.

use optplay::config::Overrides;

use crate::{
    PINNED_FILES, experiment_file, gallery, load, load_with, run_small, small, summary, svg_only,
    table, without_embedded_images, write,
};

#[test]
fn every_config_runs_and_writes_every_pinned_file() {
    let tmp = tempfile::tempdir().unwrap();
    for file in gallery() {
        let name = file.file_stem().unwrap().to_str().unwrap();
        // Every pinned file, whatever formats the file asks for (sweep_rosenbrock: PNG).
        let experiment = small(load_with(&file, &crate::formats(&["png", "svg"])));
        let written = write(&experiment, tmp.path());
        let dir = tmp.path().join(name);
        assert_eq!(written.dir, dir);
        let pinned: &[&str] = if crate::is_network(&file) {
            &crate::NETWORK_FILES
        } else {
            &PINNED_FILES
        };
        for pinned in pinned {
            let path = dir.join(pinned);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert!(size > 100, "{} missing or empty", path.display());
        }
        let summary = summary(&dir);
        assert_eq!(summary["experiment"], name);
        let table = table(&experiment, &written);
        for run in summary["runs"].as_array().unwrap() {
            let label = run["label"].as_str().unwrap();
            assert!(table.contains(label), "{name}: the table lists run {label}");
        }
    }
    let png = std::fs::read(tmp.path().join("saddle/trajectories.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn csv_rows_agree_with_the_summary_and_parse_back_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let elongated = crate::configs().join("elongated.toml");
    run_small(&elongated, &svg_only(), tmp.path());
    let dir = tmp.path().join("elongated");
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
    let file = experiment_file(
        tmp.path(),
        "noisy",
        "steps = 50\nseed = 3\n[surface]\nkind = \"rosenbrock\"\n[noise]\nstd = 0.5\n\
         [[optimizer]]\nkind = \"sgd\"\nlr = 0.001\n[[optimizer]]\nkind = \"adam\"\n",
    );
    let read = |out: &str, overrides: &Overrides| {
        run_small(&file, overrides, &tmp.path().join(out));
        let dir = tmp.path().join(out).join("noisy");
        (
            std::fs::read(dir.join("trajectory.csv")).unwrap(),
            std::fs::read(dir.join("summary.json")).unwrap(),
        )
    };
    let first = read("a", &svg_only());
    assert_eq!(first, read("b", &svg_only()));
    // Another seed, another noise stream: the numbers move.
    let reseeded = Overrides {
        seed: Some(4),
        ..svg_only()
    };
    assert_ne!(first.0, read("c", &reseeded).0);
}

#[test]
fn overrides_set_steps_and_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let overrides = Overrides {
        steps: Some(7),
        ..crate::formats(&["png"])
    };
    assert!(overrides.validate().is_ok());
    let saddle = crate::configs().join("saddle.toml");
    run_small(&saddle, &overrides, &tmp.path().join("here"));
    let dir = tmp.path().join("here/saddle");
    assert!(dir.join("trajectories.png").exists());
    assert!(!dir.join("trajectories.svg").exists());
    assert_eq!(summary(&dir)["runs"][0]["steps"], 7);
}

#[test]
fn a_diverging_run_is_a_result_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = experiment_file(
        tmp.path(),
        "wild",
        "[surface]\nkind = \"quadratic\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 0.5\n",
    );
    let experiment = small(load(&file));
    // Written without an error: `optplay run` exits 0.
    let written = write(&experiment, tmp.path());
    let table = table(&experiment, &written);
    assert!(table.contains("diverged at step 6"), "{table}");
    let run = &summary(&tmp.path().join("wild"))["runs"][0];
    assert_eq!(run["status"], "diverged");
    let svg = without_embedded_images(
        &std::fs::read_to_string(tmp.path().join("wild/trajectories.svg")).unwrap(),
    );
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}

#[test]
fn a_second_run_replaces_its_own_files_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let saddle = crate::configs().join("saddle.toml");
    let run = |steps: u64| {
        let overrides = Overrides {
            steps: Some(steps),
            ..svg_only()
        };
        run_small(&saddle, &overrides, tmp.path());
    };
    run(10);
    let dir = tmp.path().join("saddle");
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    run(20);
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(summary(&dir)["runs"][0]["steps"], 20);
    let leftovers: Vec<_> = crate::file_names(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn every_config_gives_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let overrides = Overrides {
        steps: Some(50),
        ..svg_only()
    };
    let files = gallery();
    for out in ["a", "b"] {
        for file in &files {
            run_small(file, &overrides, &tmp.path().join(out));
        }
    }
    for file in &files {
        let name = file.file_stem().unwrap();
        let outputs: &[&str] = if crate::is_network(file) {
            &[
                "history.csv",
                "summary.json",
                "curves.svg",
                "boundaries.svg",
            ]
        } else {
            &[
                "trajectory.csv",
                "summary.json",
                "trajectories.svg",
                "loss.svg",
            ]
        };
        for output in outputs {
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
    // would take about 30 MB. Thinned, they keep the shape in a few hundred KB. The figures
    // keep their default size and grid: their size in bytes is what this test is about.
    let tmp = tempfile::tempdir().unwrap();
    let file = experiment_file(
        tmp.path(),
        "long",
        "steps = 200000\nseed = 3\n[surface]\nkind = \"saddle\"\n[noise]\nstd = 0.5\n\
         [[optimizer]]\nkind = \"sgd\"\nlr = 0.01\n",
    );
    write(&load_with(&file, &svg_only()), tmp.path());
    let dir = tmp.path().join("long");
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
