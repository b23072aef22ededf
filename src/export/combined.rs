//! A network run's models combined after optimisation, as bytes: the `"ensemble"`,
//! `"snapshots"` and `"averaged"` records of `summary.json`, the averaged model's columns of
//! `history.csv`, and the table under the results table. Each model alone against the
//! combination, on the validation set (and the training set).

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::core::network::averaging::Averaging;
use crate::core::network::model::Evaluation;
use crate::core::network::train::Trained;
use crate::number;

/// A model measured on both sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub train: Evaluation,
    /// NaN without a validation set.
    pub validation: Evaluation,
}

impl Scores {
    /// Nothing measured (the averaging never started).
    pub const NONE: Scores = Scores {
        train: Evaluation {
            loss: f64::NAN,
            accuracy: f64::NAN,
        },
        validation: Evaluation {
            loss: f64::NAN,
            accuracy: f64::NAN,
        },
    };
}

/// Models of one run, each alone, and what they give together.
#[derive(Debug, Clone, PartialEq)]
pub struct Combination {
    /// What is combined, for the table and the figure: "ensemble of 5 (seeds 0–4)".
    pub what: String,
    /// Each model alone: the members in seed order (the run itself first), the snapshots in
    /// step order, or for averaged weights the final weights.
    pub alone: Vec<Scores>,
    /// The ensemble (the mean of the members' probabilities), or the averaged weights.
    pub together: Scores,
}

impl Combination {
    /// The mean of each model's validation accuracy and loss, alone (NaN for none).
    pub fn mean_alone(&self) -> Evaluation {
        let n = self.alone.len() as f64;
        let sum = |f: fn(&Scores) -> f64| self.alone.iter().map(f).sum::<f64>() / n;
        Evaluation {
            loss: sum(|s| s.validation.loss),
            accuracy: sum(|s| s.validation.accuracy),
        }
    }
}

/// What one run combines; all `None` for a run alone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Combinations {
    /// `ensemble = N`: the members (seeds seed..seed+N−1).
    pub ensemble: Option<Combination>,
    /// `snapshots = true`: the snapshots at the end of each cycle.
    pub snapshots: Option<Combination>,
    /// `average`: the final weights against the averaged ones.
    pub averaged: Option<Combination>,
    /// How the weights were averaged.
    pub averaging: Option<Averaging>,
    /// The steps the snapshots were taken after.
    pub snapshot_steps: Vec<u64>,
    /// The members' seeds.
    pub seeds: Vec<u64>,
}

impl Combinations {
    /// Each combination there is, in the order the outputs list them.
    pub fn each(&self) -> impl Iterator<Item = &Combination> {
        [&self.ensemble, &self.snapshots, &self.averaged]
            .into_iter()
            .flatten()
    }
}

/// A finite number, or null.
fn finite(v: f64) -> Json {
    if v.is_finite() { json!(v) } else { Json::Null }
}

/// The records a run's summary gains: `"ensemble"`, `"snapshots"` (each: `member_val_accuracy`,
/// `member_mean`, `val_accuracy`, `val_loss`, and beside them the members' losses and the
/// training set's numbers) and `"averaged"` (`val_accuracy`, `val_loss`, …).
pub fn summary_records(c: &Combinations, record: &mut Json) {
    let ensemble_record = |combination: &Combination| {
        let mean = combination.mean_alone();
        let each = |f: fn(&Scores) -> f64| -> Vec<Json> {
            combination.alone.iter().map(|s| finite(f(s))).collect()
        };
        json!({
            "member_val_accuracy": each(|s| s.validation.accuracy),
            "member_val_loss": each(|s| s.validation.loss),
            "member_mean": finite(mean.accuracy),
            "member_mean_val_loss": finite(mean.loss),
            "val_accuracy": finite(combination.together.validation.accuracy),
            "val_loss": finite(combination.together.validation.loss),
            "train_accuracy": finite(combination.together.train.accuracy),
            "train_loss": finite(combination.together.train.loss),
        })
    };
    if let Some(e) = &c.ensemble {
        let mut r = ensemble_record(e);
        r["seeds"] = json!(c.seeds);
        record["ensemble"] = r;
    }
    if let Some(s) = &c.snapshots {
        let mut r = ensemble_record(s);
        r["steps"] = json!(c.snapshot_steps);
        record["snapshots"] = r;
    }
    if let Some(a) = &c.averaged {
        let t = a.together;
        let mut r = json!({
            "val_accuracy": finite(t.validation.accuracy),
            "val_loss": finite(t.validation.loss),
            "train_accuracy": finite(t.train.accuracy),
            "train_loss": finite(t.train.loss),
        });
        match c.averaging {
            Some(Averaging::Polyak { start }) => {
                r["method"] = json!("polyak");
                r["start"] = json!(start);
            }
            Some(Averaging::Ema { decay }) => {
                r["method"] = json!("ema");
                r["decay"] = json!(decay);
            }
            None => {}
        }
        record["averaged"] = r;
    }
}

/// The header `history.csv` gains when a run averages its weights.
pub const AVERAGED_COLUMNS: &str =
    ",averaged_train_loss,averaged_val_loss,averaged_train_accuracy,averaged_val_accuracy";

/// The averaged model's four fields for the history row of `step` (empty where the run does
/// not average, or not yet): `cursor` walks the averaged rows alongside the history's.
pub fn averaged_fields(trained: &Trained, step: u64, cursor: &mut usize) -> String {
    let exact = |v: f64| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    let rows = trained.averaged.as_ref().map_or(&[][..], |a| &a.history);
    while rows.get(*cursor).is_some_and(|r| r.step < step) {
        *cursor += 1;
    }
    match rows.get(*cursor).filter(|r| r.step == step) {
        Some(r) => format!(
            ",{},{},{},{}",
            exact(r.train.loss),
            exact(r.validation.loss),
            exact(r.train.accuracy),
            exact(r.validation.accuracy)
        ),
        None => ",,,,".to_string(),
    }
}

/// The table under the results table, when a run combines models: per combination, each
/// model's accuracy alone, their mean, the combination's, and the losses, on the validation
/// set (the training set without one). Empty when no run combines anything.
pub fn table(runs: &[(&str, &Combinations)], validation: bool) -> String {
    let rows: Vec<[String; 7]> = runs
        .iter()
        .flat_map(|(label, c)| c.each().map(move |combination| (*label, combination)))
        .map(|(label, combination)| {
            let pick = |s: &Scores| if validation { s.validation } else { s.train };
            let alone: Vec<Evaluation> = combination.alone.iter().map(pick).collect();
            let n = alone.len() as f64;
            let mean = |f: fn(&Evaluation) -> f64| alone.iter().map(f).sum::<f64>() / n;
            let together = pick(&combination.together);
            [
                label.to_string(),
                combination.what.clone(),
                alone
                    .iter()
                    .map(|e| percent(e.accuracy))
                    .collect::<Vec<_>>()
                    .join(" "),
                percent(mean(|e| e.accuracy)),
                percent(together.accuracy),
                loss(mean(|e| e.loss)),
                loss(together.loss),
            ]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let set = if validation { "validation" } else { "training" };
    let header = [
        "run",
        "combines",
        "each alone (acc)",
        "mean",
        "combined",
        "mean loss",
        "combined loss",
    ];
    let numeric = [false, false, false, true, true, true, true];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if numeric[i] {
                s.push_str(&pad);
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&pad);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = format!(
        "\nafter optimisation, on the {set} set: each model alone and combined\n{}\n",
        line(&header.map(String::from))
    );
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}

fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "-".to_string()
    }
}

fn loss(v: f64) -> String {
    if v.is_finite() {
        number::table(v)
    } else {
        "-".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(accuracy: f64, loss: f64) -> Scores {
        let e = Evaluation { loss, accuracy };
        Scores {
            train: e,
            validation: e,
        }
    }

    fn ensemble() -> Combinations {
        Combinations {
            ensemble: Some(Combination {
                what: "ensemble of 2 (seeds 0–1)".into(),
                alone: vec![scores(0.8, 0.5), scores(0.9, 0.3)],
                together: scores(0.95, 0.2),
            }),
            seeds: vec![0, 1],
            ..Combinations::default()
        }
    }

    #[test]
    fn the_summary_records_each_member_their_mean_and_the_ensemble() {
        let mut record = json!({"label": "sgd"});
        summary_records(&ensemble(), &mut record);
        let e = &record["ensemble"];
        assert_eq!(e["member_val_accuracy"], json!([0.8, 0.9]));
        assert!((e["member_mean"].as_f64().unwrap() - 0.85).abs() < 1e-15);
        assert_eq!(e["val_accuracy"], json!(0.95));
        assert_eq!(e["val_loss"], json!(0.2));
        assert_eq!(e["seeds"], json!([0, 1]));
        assert!(record.get("snapshots").is_none() && record.get("averaged").is_none());
        let mut alone = json!({});
        summary_records(&Combinations::default(), &mut alone);
        assert_eq!(alone, json!({}), "a run alone gains nothing");
    }

    #[test]
    fn the_table_shows_each_member_their_mean_and_the_ensemble() {
        let c = ensemble();
        let text = table(&[("sgd", &c)], true);
        assert!(text.contains("on the validation set"), "{text}");
        let row = text.lines().last().unwrap();
        for cell in ["sgd", "ensemble of 2", "80.0% 90.0%", "85.0%", "95.0%"] {
            assert!(row.contains(cell), "{cell} in {row}");
        }
        assert_eq!(table(&[("sgd", &Combinations::default())], true), "");
    }
}
