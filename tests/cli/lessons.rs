//! The regularisation lessons of the gallery (`configs/overfitting.toml`,
//! `augmentation.toml`, `dropout_scaling.toml`, `batch_norm.toml`), run through the binary: the numbers their
//! comments state, with margins.

use serde_json::Value;

use crate::optplay;

/// Each run's (train accuracy, validation accuracy, validation loss), by label.
fn results(config: &str) -> Vec<(String, [f64; 3])> {
    let work = tempfile::tempdir().unwrap();
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs")
        .join(config);
    optplay(work.path())
        .args(["run", file.to_str().unwrap(), "--format", "none", "-q"])
        .assert()
        .success();
    let stem = config.trim_end_matches(".toml");
    let text =
        std::fs::read_to_string(work.path().join("out").join(stem).join("summary.json")).unwrap();
    let summary: Value = serde_json::from_str(&text).unwrap();
    summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].as_f64().unwrap();
            (
                r["label"].as_str().unwrap().to_string(),
                [f("train_accuracy"), f("val_accuracy"), f("val_loss")],
            )
        })
        .collect()
}

fn run(results: &[(String, [f64; 3])], label: &str) -> [f64; 3] {
    results.iter().find(|(l, _)| l == label).unwrap().1
}

#[test]
fn a_big_net_on_few_points_overfits_and_dropout_and_l2_narrow_the_gap() {
    let r = results("overfitting.toml");
    let [plain_train, plain_val, _] = run(&r, "no regularisation");
    assert_eq!(plain_train, 1.0, "it memorises every training point");
    assert!(plain_train - plain_val > 0.2, "a wide gap: {plain_val}");
    for label in ["dropout 0.5", "l2 0.01"] {
        let [train, val, _] = run(&r, label);
        assert!(
            val > plain_val + 0.03,
            "{label}: validation {val} vs {plain_val}"
        );
        assert!(
            train - val < plain_train - plain_val - 0.05,
            "{label}: the gap narrows"
        );
    }
}

#[test]
fn augmentation_raises_validation_accuracy_on_small_data() {
    let r = results("augmentation.toml");
    let [plain_train, plain_val, plain_loss] = run(&r, "no augmentation");
    let [train, val, loss] = run(&r, "augmented");
    assert_eq!(plain_train, 1.0);
    assert!(train < plain_train, "it never sees the same point twice");
    assert!(val > plain_val + 0.02, "validation {val} vs {plain_val}");
    assert!(
        loss < plain_loss / 2.0,
        "validation loss {loss} vs {plain_loss}"
    );
}

#[test]
fn dropout_without_the_inverted_scaling_does_worse_when_evaluated() {
    let r = results("dropout_scaling.toml");
    let [_, inverted_val, inverted_loss] = run(&r, "inverted dropout");
    let [_, naive_val, naive_loss] = run(&r, "naive dropout");
    assert!(
        naive_val < inverted_val - 0.03,
        "{naive_val} vs {inverted_val}"
    );
    assert!(
        naive_loss > 3.0 * inverted_loss,
        "{naive_loss} vs {inverted_loss}"
    );
}

#[test]
fn batch_norm_trains_at_a_learning_rate_that_kills_the_plain_net() {
    let r = results("batch_norm.toml");
    let [_, slow, _] = run(&r, "plain, slow");
    let [fast_train, fast, fast_loss] = run(&r, "plain, fast");
    let [_, normalised, _] = run(&r, "batch norm, fast");
    assert!(slow > 0.9, "the plain net trains at lr 0.1: {slow}");
    assert!(
        fast_train < 0.34 && fast < 0.34,
        "at lr 1.0 it ends at chance: {fast}"
    );
    assert!(
        (fast_loss - 3f64.ln()).abs() < 1e-3,
        "its scores are the same everywhere"
    );
    assert!(
        normalised > 0.95,
        "batch norm trains at lr 1.0: {normalised}"
    );
}
