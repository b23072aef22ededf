//! The torch MLP reference trainings (`tests/data/mlp/`, float64, full batch) written as
//! network experiment files and run through `optplay run`: the data from their CSV, the
//! weights from their `init.json`. Every step's training loss and accuracy in
//! `history.csv`, and the final weights in `model-<label>.json`, must agree with torch's to
//! 1e-9 relative.

use std::path::Path;

use serde_json::Value;

use crate::optplay;

const CASES: [&str; 2] = ["mlp_v1_spiral_sgd_momentum", "mlp_v2_spiral_adam_tanh"];
const REL: f64 = 1e-9;

fn close(ours: f64, torch: f64) -> bool {
    (ours - torch).abs() <= REL * torch.abs().max(1e-12)
}

/// The experiment that asks optplay for what torch was asked.
fn experiment_file(case: &Value, dir: &Path) -> String {
    let hidden: Vec<String> = case["hidden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.to_string())
        .collect();
    let o = &case["optimizer"];
    let mut run = format!(
        "kind = \"{}\"\nlr = {:?}\n",
        o["name"].as_str().unwrap().to_lowercase(),
        o["lr"].as_f64().unwrap()
    );
    for (key, value) in o.as_object().unwrap() {
        if key != "name" && key != "lr" {
            run += &format!("{key} = {value}\n");
        }
    }
    // torch's Adam defaults to eps 1e-8; optplay's to the lecture's 1e-7 (DESIGN.md).
    if o["name"] == "Adam" && o.get("eps").is_none() {
        run += "eps = 1e-8\n";
    }
    format!(
        "steps = {}\nrecord_every = 1\n\n[data]\nkind = \"csv\"\npath = \"{}\"\nvalidation = 0\n\
         batch = 0\n\n[model]\nhidden = [{}]\nactivation = \"{}\"\nl2 = {:?}\ninit_from = \"{}\"\n\n\
         [[optimizer]]\nlabel = \"torch\"\n{run}",
        case["steps"],
        dir.join("data.csv").display(),
        hidden.join(", "),
        case["activation"].as_str().unwrap(),
        case["l2"].as_f64().unwrap(),
        dir.join("init.json").display(),
    )
}

#[test]
fn every_torch_mlp_training_is_reproduced_step_by_step() {
    let work = tempfile::tempdir().unwrap();
    for name in CASES {
        let data = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/mlp")
            .join(name);
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(data.join("case.json")).unwrap())
                .unwrap();
        let file = work.path().join(format!("{name}.toml"));
        std::fs::write(&file, experiment_file(&case, &data)).unwrap();
        optplay(work.path())
            .args(["run", file.to_str().unwrap(), "--format", "none", "-q"])
            .assert()
            .success();
        let out = work.path().join("out").join(name);
        let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
        let rows: Vec<Vec<&str>> = history
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let losses = case["train_loss"].as_array().unwrap();
        let accuracies = case["train_accuracy"].as_array().unwrap();
        assert_eq!(
            rows.len(),
            losses.len(),
            "{name}: one row per step and the start"
        );
        for (t, row) in rows.iter().enumerate() {
            assert_eq!(row[2], t.to_string(), "{name}: row {t} is step {t}");
            let loss: f64 = row[3].parse().unwrap();
            let torch = losses[t].as_f64().unwrap();
            assert!(
                close(loss, torch),
                "{name} step {t}: loss {loss} vs torch {torch}"
            );
            let accuracy: f64 = row[5].parse().unwrap();
            let torch = accuracies[t].as_f64().unwrap();
            assert!(
                (accuracy - torch).abs() < 1e-12,
                "{name} step {t}: accuracy {accuracy} vs {torch}"
            );
        }
        let model: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("model-torch.json")).unwrap())
                .unwrap();
        let ours = model["layers"].as_array().unwrap();
        let theirs = case["final"].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (l, (a, b)) in ours.iter().zip(theirs).enumerate() {
            for part in ["weight", "bias"] {
                let flat = |v: &Value| -> Vec<f64> {
                    match &v[part] {
                        Value::Array(items) => items
                            .iter()
                            .flat_map(|i| match i {
                                Value::Array(row) => {
                                    row.iter().map(|x| x.as_f64().unwrap()).collect()
                                }
                                x => vec![x.as_f64().unwrap()],
                            })
                            .collect(),
                        other => panic!("{part} is {other}"),
                    }
                };
                let (a, b) = (flat(a), flat(b));
                assert_eq!(a.len(), b.len(), "{name} layer {l} {part}");
                for (x, y) in a.iter().zip(&b) {
                    assert!(close(*x, *y), "{name} layer {l} {part}: {x} vs torch {y}");
                }
            }
        }
    }
}
