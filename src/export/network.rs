//! A network experiment's outputs as bytes: the pinned `history.csv` and `summary.json`, each
//! run's weights (`model-<label>.json`, readable by `[model] init_from`) and the results table.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::combined::{self, Combinations};
use super::{Colour, aligned_table, status_text};
use crate::core::Status;
use crate::core::network::model::Network;
use crate::core::network::train::Trained;
use crate::number;

/// One trained run, as the outputs name it.
pub struct NetworkOutcome<'a> {
    /// The network the run trained (its own, when it turned batch norm the other way).
    pub network: &'a Network,
    pub label: &'a str,
    pub kind: &'a str,
    pub lr: f64,
    pub trained: &'a Trained,
    /// Its ensemble, snapshot ensemble and averaged weights, where it has them.
    pub combinations: &'a Combinations,
}

/// The data a network experiment trained on, for the summary and the table.
#[derive(Serialize)]
pub struct DataFacts<'a> {
    pub kind: &'a str,
    /// Features of an example.
    pub inputs: usize,
    pub classes: usize,
    /// Examples trained on.
    pub train: usize,
    /// Examples held out.
    pub validation: usize,
}

/// `history.csv`: header `run,kind,step,train_loss,val_loss,train_accuracy,val_accuracy,lr,
/// grad_norm`; one row per recorded step per run; step 0 is the initial model (its lr
/// empty); the validation columns are empty without a validation set. When a run averages
/// its weights, four columns more: the averaged model's losses and accuracies (empty before
/// the averaging starts, and for the runs that do not average).
pub fn history_csv(runs: &[NetworkOutcome<'_>]) -> Vec<u8> {
    let mut out =
        String::from("run,kind,step,train_loss,val_loss,train_accuracy,val_accuracy,lr,grad_norm");
    let averaging = runs.iter().any(|r| r.combinations.averaging.is_some());
    if averaging {
        out.push_str(combined::AVERAGED_COLUMNS);
    }
    out.push('\n');
    for run in runs {
        let label = csv_field(run.label);
        let mut cursor = 0;
        for row in &run.trained.history {
            let _ = write!(
                out,
                "{label},{},{},{},{},{},{},{},{}",
                run.kind,
                row.step,
                exact(row.train_loss),
                exact(row.val_loss),
                exact(row.train_accuracy),
                exact(row.val_accuracy),
                row.lr.map_or(String::new(), exact),
                exact(row.grad_norm),
            );
            if averaging {
                out.push_str(&combined::averaged_fields(
                    run.trained,
                    row.step,
                    &mut cursor,
                ));
            }
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// A number as it parses back to the same f64; empty when it is not finite (no validation
/// set, or no gradient measured at that row).
fn exact(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A finite number, or null.
fn finite(v: f64) -> Json {
    if v.is_finite() { json!(v) } else { Json::Null }
}

/// `summary.json`: the experiment, its data, and one record per run.
pub fn summary_json(
    experiment: &str,
    data: &DataFacts<'_>,
    network: &Network,
    runs: &[NetworkOutcome<'_>],
) -> Vec<u8> {
    let runs: Vec<Json> = runs
        .iter()
        .map(|run| {
            let t = run.trained;
            let last = t.last();
            let at = |f: fn(&crate::core::network::train::HistoryRow) -> f64| {
                finite(last.map_or(f64::NAN, f))
            };
            let e = t.evaluations;
            let mut record = json!({
                "label": run.label,
                "kind": run.kind,
                "lr": run.lr,
                "status": t.status.name(),
                "steps": t.steps,
                "diverged_at_step": match t.status {
                    Status::Diverged { step } => Some(step),
                    _ => None,
                },
                "train_loss": at(|r| r.train_loss),
                "val_loss": at(|r| r.val_loss),
                "train_accuracy": at(|r| r.train_accuracy),
                "val_accuracy": at(|r| r.val_accuracy),
                "best_val_accuracy": finite(t.best_val_accuracy()),
                "penalty": finite(t.penalty),
                "parameters": run.network.parameters(),
                "batch_norm": run.network.architecture.batch_norm,
                "evaluations": {
                    "value": e.value,
                    "gradient": e.gradient,
                    "hessian": e.hessian,
                },
            });
            combined::summary_records(run.combinations, &mut record);
            record
        })
        .collect();
    let summary = json!({
        "experiment": experiment,
        "data": data,
        "layers": network_widths(network),
        "runs": runs,
    });
    let mut bytes = serde_json::to_vec_pretty(&summary).expect("plain data always serialises");
    bytes.push(b'\n');
    bytes
}

fn network_widths(network: &Network) -> Vec<usize> {
    let mut widths = vec![network.architecture.inputs];
    widths.extend(network.layers.iter().map(|l| l.outputs));
    widths
}

/// A run's trained weights: `{"activation", "layers": [{"weight", "bias", "norm"?}]}`, each
/// weight `out × in` as torch's `nn.Linear.weight`; with batch norm each hidden layer's
/// `norm` holds γ (`weight`), β (`bias`) and the running statistics.
pub fn model_json(network: &Network, trained: &Trained) -> Vec<u8> {
    let params = trained.params.as_slice().unwrap_or(&[]);
    let layers: Vec<Json> = network
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let weight: Vec<&[f64]> = params[layer.weight.clone()]
                .chunks(layer.inputs.max(1))
                .collect();
            let mut entry = json!({
                "weight": weight,
                "bias": &params[layer.bias.clone()],
            });
            if let Some((gamma, beta)) = &layer.norm {
                entry["norm"] = json!({
                    "weight": &params[gamma.clone()],
                    "bias": &params[beta.clone()],
                    "running_mean": trained.stats.mean.get(l).map(|m| m.to_vec()),
                    "running_var": trained.stats.var.get(l).map(|v| v.to_vec()),
                });
            }
            entry
        })
        .collect();
    let model = json!({
        "activation": network.architecture.activation.name(),
        "layers": layers,
    });
    let mut bytes = serde_json::to_vec(&model).expect("plain data always serialises");
    bytes.push(b'\n');
    bytes
}

/// The results table for stdout: one line per run.
pub fn table(
    experiment: &str,
    data: &DataFacts<'_>,
    runs: &[NetworkOutcome<'_>],
    colour: Colour,
) -> String {
    let header = [
        "run",
        "kind",
        "status",
        "steps",
        "train loss",
        "val loss",
        "train acc",
        "val acc",
        "best val",
    ];
    let numeric = [false, false, false, true, true, true, true, true, true];
    let percent = |v: f64| {
        if v.is_finite() {
            format!("{:.1}%", 100.0 * v)
        } else {
            "-".to_string()
        }
    };
    let loss = |v: f64| {
        if v.is_finite() {
            number::table(v)
        } else {
            "-".to_string()
        }
    };
    let mut rows = Vec::with_capacity(runs.len());
    let mut statuses = Vec::with_capacity(runs.len());
    for run in runs {
        let t = run.trained;
        let last = t.last();
        let get = |f: fn(&crate::core::network::train::HistoryRow) -> f64| last.map_or(f64::NAN, f);
        statuses.push(t.status);
        rows.push(vec![
            run.label.to_string(),
            run.kind.to_string(),
            status_text(t.status),
            t.steps.to_string(),
            loss(get(|r| r.train_loss)),
            loss(get(|r| r.val_loss)),
            percent(get(|r| r.train_accuracy)),
            percent(get(|r| r.val_accuracy)),
            percent(t.best_val_accuracy()),
        ]);
    }
    let title = format!(
        "{experiment} on {}: {} classes, {} training and {} validation examples",
        data.kind, data.classes, data.train, data.validation
    );
    let mut out = aligned_table(&title, &header, &numeric, &rows, &statuses, colour);
    let combinations: Vec<(&str, &Combinations)> =
        runs.iter().map(|r| (r.label, r.combinations)).collect();
    out.push_str(&combined::table(&combinations, data.validation > 0));
    out
}
