//! `[transfer]` through the binary: the gallery's lesson (configs/transfer.toml), the body
//! carried over exactly and left alone by a head-only training, a weights file as the
//! source, and the sweep over the target's size drawing its axis figure.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::optplay;

fn config(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs")
        .join(name)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Layer `layer` of a weights file: (weight rows, bias).
fn layer(weights: &Value, layer: usize) -> (Value, Value) {
    let l = &weights["layers"][layer];
    (l["weight"].clone(), l["bias"].clone())
}

#[test]
fn with_few_points_a_head_on_the_source_s_frozen_layers_beats_training_from_scratch() {
    let work = tempfile::tempdir().unwrap();
    let source = config("transfer_source.toml");
    let target = config("transfer.toml");
    optplay(work.path())
        .args(["run", source.to_str().unwrap(), target.to_str().unwrap()])
        .args(["--format", "none", "-q"])
        .assert()
        .success();
    let out = work.path().join("out");
    let summary = json(&out.join("transfer/summary.json"));
    let accuracy = |label: &str| {
        summary["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .unwrap()["val_accuracy"]
            .as_f64()
            .unwrap()
    };
    let (scratch, head, all) = (accuracy("scratch"), accuracy("head"), accuracy("all"));
    assert!(head > scratch + 0.10, "head {head} vs scratch {scratch}");
    assert!(all > scratch, "fine-tuning {all} vs scratch {scratch}");

    // The source the target trained first is the one `run` trains alone: same steps, same
    // seed. Its hidden layers are the head-only run's, to the last bit; the fine-tuned run
    // moved them; the head-only run's head is new (3 classes either way, drawn afresh).
    let trained_source = json(&out.join("transfer_source/model-adam.json"));
    let head_only = json(&out.join("transfer/model-head.json"));
    let fine_tuned = json(&out.join("transfer/model-all.json"));
    for l in 0..2 {
        assert_eq!(layer(&head_only, l), layer(&trained_source, l), "layer {l}");
        assert_ne!(
            layer(&fine_tuned, l),
            layer(&trained_source, l),
            "layer {l}"
        );
    }
    assert_ne!(layer(&head_only, 2), layer(&trained_source, 2));
}

#[test]
fn a_weights_file_is_a_source_and_a_kept_head_starts_where_the_source_ended() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(
        dir.join("source.toml"),
        "steps = 200\n[data]\nkind = \"moons\"\npoints = 200\n[model]\nhidden = [16]\n\
         [[optimizer]]\nkind = \"adam\"\nlr = 0.01\n",
    )
    .unwrap();
    optplay(dir)
        .args(["run", "source.toml", "--format", "none", "-q"])
        .assert()
        .success();
    // Zero steps of training would change nothing: one step of SGD at a tiny lr changes the
    // weights by almost nothing, so the start is visible in the history's first row.
    std::fs::write(
        dir.join("target.toml"),
        "steps = 1\nrecord_every = 1\n[data]\nkind = \"moons\"\npoints = 200\n\
         [model]\nhidden = [16]\n[transfer]\nfrom = \"out/source/model-adam.json\"\n\
         reinit = \"none\"\ntrain = \"all\"\n[[optimizer]]\nkind = \"sgd\"\nlr = 1e-12\n",
    )
    .unwrap();
    optplay(dir)
        .args(["run", "target.toml", "--format", "none", "-q"])
        .assert()
        .success();
    let source = json(&dir.join("out/source/summary.json"));
    let target = std::fs::read_to_string(dir.join("out/target/history.csv")).unwrap();
    let first: Vec<&str> = target.lines().nth(1).unwrap().split(',').collect();
    // The same data (same seed) and the source's final weights: its final training loss.
    let source_loss = source["runs"][0]["train_loss"].as_f64().unwrap();
    let start_loss: f64 = first[3].parse().unwrap();
    assert!(
        (start_loss - source_loss).abs() <= 1e-12 * source_loss.abs().max(1.0),
        "{start_loss} vs {source_loss}"
    );
}

#[test]
fn a_sweep_over_the_target_s_size_draws_accuracy_against_points() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(
        dir.join("source.toml"),
        "steps = 300\n[data]\nkind = \"spiral\"\npoints = 300\nclasses = 4\nlabels = [0, 1]\n\
         [model]\nhidden = [16]\n[[optimizer]]\nkind = \"adam\"\nlr = 0.01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("sweep.toml"),
        "steps = 100\n[data]\nkind = \"spiral\"\npoints = 300\nclasses = 4\nlabels = [2, 3]\n\
         validation = 0.5\n[model]\nhidden = [16]\n[transfer]\nfrom = \"source.toml\"\n\
         [sweep]\npoints = 2\nmetric = \"val_accuracy\"\n\"data.train_points\" = [4, 40]\n\
         [plot]\nformats = [\"png\"]\n\
         [[optimizer]]\nkind = \"adam\"\nlabel = \"scratch\"\ntransfer = \"scratch\"\nsweep_lr = [0.001, 0.1]\n\
         [[optimizer]]\nkind = \"adam\"\nlabel = \"head\"\nsweep_lr = [0.001, 0.1]\n",
    )
    .unwrap();
    let output = optplay(dir)
        .args(["sweep", "sweep.toml", "-q"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(output).unwrap();
    for row in ["scratch data.train_points=4", "head data.train_points=40"] {
        assert!(table.contains(row), "{table}");
    }
    let png = std::fs::read(dir.join("out/sweep-sweep/axis_curves.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let csv = std::fs::read_to_string(dir.join("out/sweep-sweep/sweep.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().contains("data.train_points"),
        "{csv}"
    );
}

#[test]
fn the_playground_trains_the_source_first_and_starts_from_it() {
    let work = tempfile::tempdir().unwrap();
    let shot = work.path().join("transfer.png");
    optplay(work.path())
        .args(["play", config("transfer.toml").to_str().unwrap()])
        .args([
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-steps",
            "1",
        ])
        .assert()
        .success();
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn digits_0_to_4_seed_a_network_for_5_to_9_with_a_few_examples_each() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(
        dir.join("upper.toml"),
        "steps = 60\n[data]\nkind = \"digits\"\nlabels = [0, 1, 2, 3, 4]\nbatch = 64\n\
         [model]\nhidden = [32]\n[[optimizer]]\nkind = \"adam\"\nlr = 0.003\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("lower.toml"),
        "steps = 60\n[data]\nkind = \"digits\"\nlabels = [5, 6, 7, 8, 9]\nvalidation = 0.5\n\
         train_points = 25\n[model]\nhidden = [32]\n[transfer]\nfrom = \"upper.toml\"\n\
         [[optimizer]]\nkind = \"adam\"\nlr = 0.01\n",
    )
    .unwrap();
    let out = optplay(dir)
        .args(["run", "lower.toml", "--format", "none"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    // 5 per class of the digits the source never saw; the validation half of them whole.
    assert!(table.contains("5 classes, 25 training"), "{table}");
    let summary = json(&dir.join("out/lower/summary.json"));
    let accuracy = summary["runs"][0]["val_accuracy"].as_f64().unwrap();
    assert!(
        accuracy > 0.5,
        "a head on the source's layers learns: {accuracy}"
    );
}
