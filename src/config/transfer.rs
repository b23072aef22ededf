//! `[transfer]`: a network experiment that starts from another's trained layers.
//!
//! The source is either a weights file (`model-<label>.json`, as `optplay run` writes it) or
//! an experiment file, read here like any other (its own errors reported at `from`) and
//! trained by the output before the target's runs ([`Transfer::needs_training`]). Whether a
//! source fits is decided here, before anything runs: the same widths below the head and the
//! same batch norm; with the head kept, the same classes.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use ndarray::Array1;
use serde_json::Value as Json;

use crate::core::network::model::{Architecture, Network};
use crate::core::network::transfer::{TransferMode, check_fit, transplant};

use super::error::ErrorKind;
use super::network::NetworkProblem;
use super::reader::{Cx, Table};
use super::{Experiment, RunConfig, weights};

/// The keys `[transfer]` takes.
pub const TRANSFER_KEYS: [&str; 4] = ["from", "run", "reinit", "train"];
/// What `reinit` may say.
const REINIT: [&str; 2] = ["head", "none"];
/// What `train` may say (a run's `transfer` may also say "scratch").
const TRAIN: [&str; 2] = ["head", "all"];
/// Sources of sources: deeper than this is surely a mistake.
const MAX_DEPTH: usize = 8;

/// `[transfer]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    /// `from`, resolved against the experiment file's folder.
    pub from: PathBuf,
    /// The source's network and, once known, its trained weights.
    pub source: Source,
    /// `reinit = "none"`: the target keeps the source's head.
    pub keep_head: bool,
    /// `train`: what a run trains unless its own `transfer` says otherwise.
    pub train: TransferMode,
}

/// Where the source's weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A weights file, read.
    Weights {
        network: Network,
        params: Array1<f64>,
    },
    /// An experiment file: its run `run` is trained first; `trained` holds the result.
    Experiment {
        experiment: Box<Experiment>,
        run: usize,
        network: Network,
        trained: Option<Array1<f64>>,
    },
}

impl Transfer {
    /// The source experiment and its run, while it still has to be trained.
    pub fn needs_training(&self) -> Option<(&Experiment, usize)> {
        match &self.source {
            Source::Experiment {
                experiment,
                run,
                trained: None,
                ..
            } => Some((experiment, *run)),
            _ => None,
        }
    }

    /// Gives the source experiment's trained weights (of its network's layout).
    pub fn set_trained(&mut self, params: Array1<f64>) {
        if let Source::Experiment { trained, .. } = &mut self.source {
            *trained = Some(params);
        }
    }

    /// The source's network.
    pub fn source_network(&self) -> &Network {
        match &self.source {
            Source::Weights { network, .. } | Source::Experiment { network, .. } => network,
        }
    }

    /// The source's weights, when known.
    pub fn source_params(&self) -> Option<&Array1<f64>> {
        match &self.source {
            Source::Weights { params, .. } => Some(params),
            Source::Experiment { trained, .. } => trained.as_ref(),
        }
    }

    /// Where a run in `mode` starts: `fresh` itself from scratch, else the source's body with
    /// the head kept or `fresh`'s. `None` while the source is untrained.
    pub fn start(
        &self,
        mode: TransferMode,
        target: &Network,
        fresh: Array1<f64>,
    ) -> Option<Array1<f64>> {
        if !mode.uses_source() {
            return Some(fresh);
        }
        let source = self.source_params()?;
        transplant(
            self.source_network(),
            source.view(),
            target,
            fresh.view(),
            self.keep_head,
        )
        .ok()
    }
}

thread_local! {
    /// The experiment files being read, outermost first: a source that is one of them is a
    /// cycle.
    static READING: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
}

/// Reads `[transfer]` for `problem`, whose runs are `runs`, and checks that the source fits
/// every run that starts from it.
pub(crate) fn parse(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    path: &Path,
    problem: &NetworkProblem,
    runs: &[RunConfig],
) -> Option<Option<Transfer>> {
    let Some(value) = cx.get(root, "transfer") else {
        for (i, run) in runs.iter().enumerate() {
            if run.network.transfer.is_some() {
                let at = cx
                    .get_path(root, &["optimizer"])
                    .and_then(|v| match v.get_ref() {
                        toml::de::DeValue::Array(a) => a.get(i),
                        _ => None,
                    })
                    .and_then(|run| match run.get_ref() {
                        toml::de::DeValue::Table(t) => t.get("transfer"),
                        _ => None,
                    })
                    .map_or(0..0, |v| v.span());
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        at,
                        format!(
                            "`optimizer[{i}].transfer` without a `[transfer]` table: run `{}` has \
                             no source to start from",
                            run.label
                        ),
                    )
                    .key(format!("optimizer[{i}].transfer"))
                    .expected(
                        "a `[transfer]` table with `from` (an experiment file or a model-*.json)",
                    );
                cx.push(e);
                return None;
            }
        }
        return Some(None);
    };
    let table = cx.table(value, "transfer")?;
    cx.check_keys(table, &TRANSFER_KEYS, "`[transfer]`", |_| None);
    let keep_head = match cx.get(table, "reinit") {
        Some(v) => cx
            .name(v, "transfer.reinit", "reinit", &REINIT)
            .map(|r| r == "none"),
        None => Some(false),
    };
    let train = match cx.get(table, "train") {
        Some(v) => cx
            .name(v, "transfer.train", "what to train", &TRAIN)
            .and_then(TransferMode::from_name),
        None => Some(TransferMode::Head),
    };
    let run_name = match cx.get(table, "run") {
        Some(v) => cx
            .string(v, "transfer.run", "a run's label, e.g. \"adam\"")
            .map(Some),
        None => Some(None),
    };
    let from_value = cx.require(table, "from", "an experiment file or a model-*.json")?;
    let from = cx.string(from_value, "transfer.from", "a path, relative to this file")?;
    let from = path.parent().unwrap_or(Path::new("")).join(from);
    let (keep_head, train, run_name) = (keep_head?, train?, run_name?);

    let fail = |cx: &mut Cx<'_>, headline: String, expected: String| {
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                from_value.span(),
                format!("invalid `transfer.from`: {headline}"),
            )
            .key("transfer.from")
            .expected(expected);
        cx.push(e);
    };
    let is_json = from.extension().is_some_and(|e| e == "json");
    let source = if is_json {
        if run_name.is_some() {
            let at = cx.get(table, "run").map_or(0..0, |v| v.span());
            let e = cx
                .error(
                    ErrorKind::InvalidValue,
                    at,
                    "`transfer.run` names a run of a source experiment, and a weights file has one network".into(),
                )
                .key("transfer.run")
                .expected("no `run` with a model-*.json source");
            cx.push(e);
            return None;
        }
        match read_weights(&from, &problem.network) {
            Ok(source) => source,
            Err(message) => {
                fail(
                    cx,
                    message.to_string(),
                    format!(
                        "a weights file as `optplay run` writes it (model-<label>.json) for a \
                         network whose layers below the head are {}",
                        crate::core::network::transfer::body_widths(&problem.network)
                    ),
                );
                return None;
            }
        }
    } else {
        match read_experiment(&from, run_name) {
            Ok(source) => source,
            Err(SourceError::NoSuchRun(message)) => {
                let at = cx.get(table, "run").map_or(0..0, |v| v.span());
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        at,
                        format!("invalid `transfer.run`: {message}"),
                    )
                    .key("transfer.run")
                    .expected("the label of one of the source's runs");
                cx.push(e);
                return None;
            }
            Err(SourceError::Other(message)) => {
                // A source's own bad source has said "invalid `transfer.from`" already.
                let message = message
                    .strip_prefix("invalid `transfer.from`: ")
                    .unwrap_or(&message);
                fail(
                    cx,
                    message.to_string(),
                    "a network experiment file (with `[data]` and `[model]`) or a model-*.json"
                        .into(),
                );
                return None;
            }
        }
    };
    let transfer = Transfer {
        from,
        source,
        keep_head,
        train,
    };
    if problem.model.hidden.is_empty() {
        fail(
            cx,
            "nothing to transfer: this network has no hidden layer, so its only layer is the \
             head, which a transfer trains afresh"
                .into(),
            "`[model] hidden` layers of the source's widths, or no `[transfer]`".into(),
        );
        return None;
    }
    for run in runs {
        let mode = run.network.transfer.unwrap_or(train);
        if !mode.uses_source() {
            continue;
        }
        let target = problem.model(&run.network).0;
        if let Err(misfit) = check_fit(transfer.source_network(), target, keep_head) {
            fail(
                cx,
                format!(
                    "the transfer source does not fit run `{}`: {misfit}",
                    run.label
                ),
                format!(
                    "a source whose layers below the head are {}{}",
                    crate::core::network::transfer::body_widths(target),
                    if target.architecture.batch_norm {
                        ", with batch norm"
                    } else {
                        ""
                    }
                ),
            );
            return None;
        }
    }
    Some(Some(transfer))
}

/// A weights file as a source: its network is the target's below the head, with as many
/// classes as the file's last bias has.
fn read_weights(file: &Path, target: &Network) -> Result<Source, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let json: Json =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
    let classes = json
        .get("layers")
        .and_then(Json::as_array)
        .and_then(|layers| layers.last())
        .and_then(|head| head.get("bias"))
        .and_then(Json::as_array)
        .map(Vec::len)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{}: no `layers` whose last has a `bias`", file.display()))?;
    let network = Network::new(Architecture {
        classes,
        ..target.architecture.clone()
    });
    let weights =
        weights::parse(&json, &network).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(Source::Weights {
        network,
        params: weights.params,
    })
}

/// An experiment file as a source: read (its errors reported as one), a network file, and
/// the run to train named by its label (the first when `run` is not given).
/// Why an experiment file cannot be a source.
enum SourceError {
    /// It has no run of the label `run` names (reported at `run`).
    NoSuchRun(String),
    /// Anything else (reported at `from`).
    Other(String),
}

fn read_experiment(file: &Path, run: Option<&str>) -> Result<Source, SourceError> {
    let canonical = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let cycle = READING.with(|reading| {
        let reading = reading.borrow();
        reading.contains(&canonical) || reading.len() >= MAX_DEPTH
    });
    if cycle {
        return Err(SourceError::Other(format!(
            "{} is its own source (a cycle of `[transfer] from`)",
            file.display()
        )));
    }
    READING.with(|reading| reading.borrow_mut().push(canonical));
    let loaded = super::load(file);
    READING.with(|reading| reading.borrow_mut().pop());
    // The source's own first error, in one line: where it is and what it says.
    let experiment = loaded.map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        SourceError::Other(first.strip_prefix("error: ").unwrap_or(first).to_string())
    })?;
    let Some(problem) = experiment.network() else {
        return Err(SourceError::Other(format!(
            "{} is a surface experiment; a source must train a network",
            file.display()
        )));
    };
    let labels: Vec<&str> = experiment.runs.iter().map(|r| r.label.as_str()).collect();
    let index = match run {
        None => 0,
        Some(name) => labels.iter().position(|l| *l == name).ok_or_else(|| {
            SourceError::NoSuchRun(format!(
                "{} has no run labelled \"{name}\"; its runs: {}",
                file.display(),
                labels.join(", ")
            ))
        })?,
    };
    let network = problem.model(&experiment.runs[index].network).0.clone();
    Ok(Source::Experiment {
        experiment: Box::new(experiment),
        run: index,
        network,
        trained: None,
    })
}
