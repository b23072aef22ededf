//! What comes after optimisation, through the binary: the lessons of `configs/ensemble.toml`,
//! `snapshots.toml` and `averaging.toml` (the numbers their comments state, with margins),
//! and what an ensemble's members, snapshots and averaged weights write.

use serde_json::Value;

use crate::optplay;

/// `out/<stem>/summary.json` of `optplay run FILE` (FILE in `configs/`, or a path) with `args`.
fn summary(work: &std::path::Path, file: &std::path::Path, args: &[&str]) -> Value {
    optplay(work)
        .arg("run")
        .arg(file)
        .args(["--format", "none", "-q"])
        .args(args)
        .assert()
        .success();
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(work.join("out").join(stem).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn config(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs")
        .join(name)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

fn list(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

#[test]
fn an_ensemble_of_five_beats_its_mean_member_on_validation() {
    let work = tempfile::tempdir().unwrap();
    let s = summary(work.path(), &config("ensemble.toml"), &[]);
    let run = &s["runs"][0];
    let e = &run["ensemble"];
    let members = list(&e["member_val_accuracy"]);
    assert_eq!(members.len(), 5);
    assert_eq!(
        members[0],
        f(&run["val_accuracy"]),
        "the first member is the run"
    );
    let (mean, ensemble) = (f(&e["member_mean"]), f(&e["val_accuracy"]));
    assert!((mean - 0.847).abs() < 0.01, "mean member {mean}");
    assert!(ensemble > mean + 0.02, "ensemble {ensemble} vs mean {mean}");
    let losses = list(&e["member_val_loss"]);
    let mean_loss = losses.iter().sum::<f64>() / 5.0;
    assert!(
        f(&e["val_loss"]) < mean_loss - 0.05,
        "{} vs {mean_loss}",
        e["val_loss"]
    );
    assert_eq!(e["seeds"], serde_json::json!([0, 1, 2, 3, 4]));
}

#[test]
fn a_snapshot_ensemble_beats_its_last_snapshot_but_not_one_cosine_here() {
    let work = tempfile::tempdir().unwrap();
    let s = summary(work.path(), &config("snapshots.toml"), &[]);
    let restarts = &s["runs"][0];
    let snapshots = &restarts["snapshots"];
    assert_eq!(
        snapshots["steps"],
        serde_json::json!([400, 800, 1200, 1600])
    );
    let accuracy = list(&snapshots["member_val_accuracy"]);
    let loss = list(&snapshots["member_val_loss"]);
    let (last, last_loss) = (accuracy[3], loss[3]);
    assert_eq!(
        last,
        f(&restarts["val_accuracy"]),
        "the run ends at its last snapshot"
    );
    let (together, together_loss) = (f(&snapshots["val_accuracy"]), f(&snapshots["val_loss"]));
    assert!(
        together > last + 0.005,
        "{together} vs the last snapshot's {last}"
    );
    assert!(
        together_loss < last_loss - 0.05,
        "{together_loss} vs {last_loss}"
    );
    // What does not hold on this problem: one cosine cycle of the same cost does better.
    let cosine = f(&s["runs"][1]["val_accuracy"]);
    assert!(
        cosine > together,
        "one cosine {cosine} vs the snapshots' {together}"
    );
}

#[test]
fn averaged_weights_have_the_lower_validation_loss_under_noisy_minibatches() {
    let work = tempfile::tempdir().unwrap();
    let s = summary(work.path(), &config("averaging.toml"), &[]);
    for (run, method, gain) in [(0, "polyak", 0.05), (1, "ema", 0.04)] {
        let r = &s["runs"][run];
        let averaged = &r["averaged"];
        assert_eq!(averaged["method"], method);
        let (last, mean) = (f(&r["val_loss"]), f(&averaged["val_loss"]));
        assert!(
            mean < last - gain,
            "{method}: {mean} vs the final weights' {last}"
        );
        assert!(
            f(&averaged["val_accuracy"]) > f(&r["val_accuracy"]),
            "{method}"
        );
    }
    assert_eq!(
        s["runs"][0]["averaged"]["start"], 800,
        "\"polyak\": the second half"
    );
}

const SMALL: &str = "steps = 60\nrecord_every = 20\n\n[data]\nkind = \"moons\"\npoints = 120\n\
                     validation = 0.3\nbatch = 16\n\n[model]\nhidden = [8]\n\n\
                     [[optimizer]]\nkind = \"sgd\"\nlr = 0.2\nENSEMBLE\n\
                     [[optimizer]]\nkind = \"sgd\"\nlabel = \"sgdr\"\nlr = 0.2\n\
                     schedule = { kind = \"cosine_restarts\", t_0 = 25 }\nSNAPSHOTS\n\
                     average = { polyak = 30 }\n";

#[test]
fn members_differ_the_first_is_the_run_and_the_outputs_say_so() {
    let work = tempfile::tempdir().unwrap();
    let write = |name: &str, ensemble: &str, snapshots: &str| {
        let text = SMALL
            .replace("ENSEMBLE", ensemble)
            .replace("SNAPSHOTS", snapshots);
        let path = work.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let with = write("with.toml", "ensemble = 3", "snapshots = true");
    let alone = write("alone.toml", "", "");
    let out = optplay(work.path())
        .args([
            "run",
            with.to_str().unwrap(),
            "--format",
            "png",
            "--seed",
            "7",
        ])
        .assert()
        .success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for text in [
        "each model alone and combined",
        "ensemble of 3 (seeds 7–9)",
        "2 snapshots (steps 25, 50)",
        "averaged weights (polyak from step 30)",
    ] {
        assert!(table.contains(text), "{text} in\n{table}");
    }
    let dir = work.path().join("out/with");
    assert!(dir.join("ensemble.png").is_file() && dir.join("boundaries.png").is_file());
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let header = history.lines().next().unwrap();
    assert!(header.ends_with(
        "grad_norm,averaged_train_loss,averaged_val_loss,averaged_train_accuracy,averaged_val_accuracy"
    ));
    // The averaged columns: empty for the run that does not average and before step 30.
    let fields = |line: &str| line.rsplit(',').take(4).all(|f| !f.is_empty());
    let sgdr: Vec<&str> = history.lines().filter(|l| l.starts_with("sgdr,")).collect();
    assert_eq!(
        sgdr.iter().map(|l| fields(l)).collect::<Vec<_>>(),
        [false, false, true, true]
    );
    assert!(
        history
            .lines()
            .filter(|l| l.starts_with("sgd,"))
            .all(|l| l.ends_with(",,,,"))
    );

    let with: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let members = list(&with["runs"][0]["ensemble"]["member_val_loss"]);
    assert!(
        members[0] != members[1] && members[1] != members[2],
        "each member draws its own weights and minibatches: {members:?}"
    );
    // The run's own numbers are what it has without ensemble, snapshots or averaging: the
    // first member, on the file's seed.
    let alone = summary(work.path(), &alone, &["--seed", "7"]);
    assert_eq!(f(&alone["runs"][0]["val_loss"]), members[0]);
    for key in ["val_loss", "train_loss", "val_accuracy", "steps"] {
        assert_eq!(alone["runs"][0][key], with["runs"][0][key], "{key}");
        assert_eq!(alone["runs"][1][key], with["runs"][1][key], "{key}");
    }
    // The same file and seed, the same bytes, members and all.
    let again = work.path().join("again");
    optplay(work.path())
        .args([
            "run",
            "with.toml",
            "--format",
            "none",
            "-q",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&again)
        .assert()
        .success();
    for file in ["summary.json", "history.csv"] {
        let read = |d: &std::path::Path| std::fs::read(d.join(file)).unwrap();
        assert_eq!(read(&dir), read(&again.join("with")), "{file}");
    }
}
