//! `[sweep]`: the grid `optplay sweep` runs. Read whenever the table is there (a typo in it is
//! a mistake whichever command reads the file); only `sweep` uses it.

use crate::core::registry::OPTIMIZERS;
use crate::core::spec::{Key, KeyType, Range, Value};

use super::RunConfig;
use super::error::ErrorKind;
pub(crate) use super::metric::SweptProblem;
use super::metric::metric;
pub use super::metric::{METRICS, Metric};
use super::reader::{Cx, Table, join};

/// Learning rates per optimizer when `[sweep] points` is not given.
pub const DEFAULT_POINTS: u64 = 25;
/// The fewest and most learning rates per optimizer.
pub const POINTS: std::ops::RangeInclusive<u64> = 2..=1000;
/// The most seeds a sweep repeats each setting with.
pub const MAX_SEEDS: u64 = 1000;
/// The most runs one sweep may hold (shard a bigger one across machines... once it fits).
pub const MAX_RUNS: u64 = 10_000_000;
/// Without a range, an optimizer's lrs span this factor either side of its lr.
pub const DEFAULT_SPAN: f64 = 100.0;

/// A second grid axis: an optimizer key and the values it takes, for every run whose kind
/// has the key; or, in a network file, a `[model]`/`[data]` key a run may override
/// (`model.l2`), for every run (the axis' value replaces the run's own override).
#[derive(Debug, Clone, PartialEq)]
pub struct GridAxis {
    pub key: &'static str,
    /// Numbers or integers, as the key declares, in the order written.
    pub values: Vec<Value>,
}

impl GridAxis {
    /// A network's `[model]`/`[data]` key (`model.l2`): every run takes it, as an override.
    pub fn is_network_key(&self) -> bool {
        self.key.contains('.')
    }

    /// Whether `run` is tried at each of the axis' values (else once, without it).
    pub fn taken_by(&self, run: &RunConfig) -> bool {
        self.is_network_key() || run.optimizer.kind.takes(self.key)
    }
}

/// `[sweep]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSettings {
    /// `lr = [lo, hi]`: the range of every run without its own `sweep_lr`.
    pub lr: Option<[f64; 2]>,
    /// Learning rates per run, log-spaced over its range, ends included.
    pub points: u64,
    /// Each setting is run with seeds `seed`, `seed + 1`, … `seed + seeds − 1`.
    pub seeds: u64,
    pub metric: Metric,
    /// Further axes, in the order written; the runs' settings are the grid's product.
    pub axes: Vec<GridAxis>,
}

/// The keys of `[sweep]` besides the optimizer keys given as lists.
const SWEEP_KEYS: [&str; 4] = ["lr", "points", "seeds", "metric"];

/// The keys a `[sweep]` may list as a grid axis: numeric keys of the file's optimizers.
fn axis_keys(runs: &[RunConfig]) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for run in runs {
        for key in run.optimizer.kind.keys {
            let numeric = matches!(key.ty, KeyType::Number(_) | KeyType::Integer { .. });
            if numeric && !keys.contains(&key.name) {
                keys.push(key.name);
            }
        }
    }
    keys
}

/// Reads `[sweep]`. `runs` are the file's runs when they were valid (the axes are checked
/// against them); `random`: whether any run's gradients are noisy (repeats need it).
pub(crate) fn parse(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    runs: Option<&[RunConfig]>,
    random: bool,
    problem: SweptProblem,
) -> Option<SweepSettings> {
    // Without valid runs the axes cannot be judged: any optimizer's numeric key passes here.
    let axis_names = match runs {
        Some(runs) => axis_keys(runs),
        None => OPTIMIZERS
            .iter()
            .flat_map(|k| k.keys)
            .filter(|k| matches!(k.ty, KeyType::Number(_) | KeyType::Integer { .. }))
            .map(|k| k.name)
            .collect(),
    };
    let network_axes: &[&'static str] = match problem {
        SweptProblem::Network { .. } => &super::network::SWEEP_AXES,
        _ => &[],
    };
    let allowed: Vec<&str> = SWEEP_KEYS
        .iter()
        .chain(&axis_names)
        .chain(network_axes)
        .copied()
        .collect();
    cx.check_keys(table, &allowed, "`[sweep]`", |key| {
        if key == "data.points" && matches!(problem, SweptProblem::Network { .. }) {
            Some(
                "`data.points` would change the validation set with it; sweep \
                 `data.train_points` instead: the training split's size, the validation set \
                 the same for every value"
                    .to_string(),
            )
        } else if key.contains('.') && matches!(problem, SweptProblem::Network { .. }) {
            Some(format!(
                "sweeping `{key}` is not supported yet; the `[data]` and `[model]` keys a \
                 sweep takes are those a run may override: {}",
                super::network::SWEEP_AXES.join(", ")
            ))
        } else if key.contains('.') {
            Some("`[data]` and `[model]` keys are swept in network experiments".to_string())
        } else if OPTIMIZERS.iter().any(|k| k.takes(key)) {
            Some(format!(
                "`{key}` is a setting of optimizers this file does not run"
            ))
        } else {
            Some(
                "besides lr, points, seeds and metric, `[sweep]` takes a numeric key of the \
                 file's optimizers given as a list, e.g. momentum = [0.0, 0.9]"
                    .to_string(),
            )
        }
    });

    let lr = match cx.get(table, "lr") {
        Some(v) => lr_range(cx, v, "sweep.lr").map(Some),
        None => Some(None),
    };
    let points = match cx.get(table, "points") {
        Some(v) => cx.integer(v, "sweep.points", *POINTS.start(), *POINTS.end()),
        None => Some(DEFAULT_POINTS),
    };
    // An axis of dropout, DropConnect or minibatch sizes brings its own randomness.
    let random = random
        || ["model.dropout", "model.dropconnect", "data.batch"]
            .iter()
            .any(|key| network_axes.contains(key) && cx.get(table, key).is_some());
    let seeds = match cx.get(table, "seeds") {
        Some(v) => {
            let seeds = cx.integer(v, "sweep.seeds", 1, MAX_SEEDS);
            if seeds.is_some_and(|s| s > 1) && !random {
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        v.span(),
                        "invalid value for `sweep.seeds`".to_string(),
                    )
                    .key("sweep.seeds")
                    .expected("1: nothing in this experiment is random")
                    .found(cx.show(v, true))
                    .note(match problem {
                        SweptProblem::Network { .. } => {
                            "seeds repeat each setting with other initial weights, minibatches \
                             and masks; this network starts from `init_from` and trains full \
                             batch without dropout or augmentation"
                        }
                        _ => {
                            "seeds repeat each setting with other gradient noise; add `[noise] \
                             std = ...` (or `noise = ...` in a run) to sweep over noisy gradients"
                        }
                    });
                cx.push(e);
                None
            } else {
                seeds
            }
        }
        None => Some(1),
    };
    let metric = match (cx.get(table, "metric"), problem) {
        (Some(v), _) => metric(cx, v, problem),
        (None, SweptProblem::Network { validation: true }) => Some(Metric::ValAccuracy),
        (None, _) => Some(Metric::FinalLoss),
    };
    let mut axes = Some(Vec::new());
    if let Some(runs) = runs {
        for (key, v) in table.map.iter() {
            let name: &str = key.get_ref();
            let read = if let Some(&name) = network_axes.iter().find(|k| **k == name) {
                network_axis(cx, v, name)
            } else if let Some(&name) = axis_names.iter().find(|k| **k == name) {
                axis(cx, v, name, runs)
            } else {
                continue;
            };
            match read {
                Some(a) => {
                    if let Some(axes) = &mut axes {
                        axes.push(a);
                    }
                }
                None => axes = None,
            }
        }
    }
    if let (Some(runs), Some(points), Some(seeds), Some(axes)) = (runs, points, seeds, &axes) {
        let total = total_runs(runs, points, seeds, axes);
        if total > MAX_RUNS {
            let e = cx
                .error(
                    ErrorKind::InvalidValue,
                    table.span(),
                    format!("a sweep of {total} runs"),
                )
                .key("sweep")
                .expected(format!("at most {MAX_RUNS} runs"))
                .note("fewer points or seeds, or fewer values on an axis");
            cx.push(e);
            return None;
        }
    }
    Some(SweepSettings {
        lr: lr?,
        points: points?,
        seeds: seeds?,
        metric: metric?,
        axes: axes?,
    })
}

/// The runs a sweep holds: per run, its lrs × seeds × the values of each axis it takes.
pub fn total_runs(runs: &[RunConfig], points: u64, seeds: u64, axes: &[GridAxis]) -> u64 {
    runs.iter()
        .map(|run| {
            axes.iter()
                .filter(|a| a.taken_by(run))
                .fold(points.saturating_mul(seeds), |n, a| {
                    n.saturating_mul(a.values.len() as u64)
                })
        })
        .fold(0u64, u64::saturating_add)
}

/// `[lo, hi]`: two positive numbers, lo below hi.
pub(crate) fn lr_range(
    cx: &mut Cx<'_>,
    v: &super::reader::Value<'_>,
    key: &str,
) -> Option<[f64; 2]> {
    let [lo, hi] = cx.pair(v, key, Range::Positive)?;
    if lo >= hi {
        cx.invalid(
            v,
            key,
            "[lo, hi] with 0 < lo < hi: the learning rates are log-spaced from lo to hi",
        );
        return None;
    }
    Some([lo, hi])
}

/// A list of values for a network's `[model]`/`[data]` key `name` (one of
/// `network::SWEEP_AXES`), each in the key's range.
fn network_axis(
    cx: &mut Cx<'_>,
    v: &super::reader::Value<'_>,
    name: &'static str,
) -> Option<GridAxis> {
    let path = join("sweep", name);
    let expected = "a non-empty array of values to sweep, e.g. [0.0, 0.001]";
    let items = cx.array(v, &path, expected)?;
    if items.is_empty() {
        cx.invalid(v, &path, expected);
        return None;
    }
    let mut values = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let read = match name {
            "data.batch" => cx.integer(item, &path, 0, 1 << 20).map(Value::Integer),
            "data.train_points" => cx.integer(item, &path, 1, 1 << 24).map(Value::Integer),
            "model.dropout" | "model.dropconnect" => {
                cx.number(item, &path, Range::UnitOpen).map(Value::Number)
            }
            _ => cx
                .number(item, &path, Range::NonNegative)
                .map(Value::Number),
        };
        match read {
            Some(value) if values.contains(&value) => {
                cx.invalid(item, &path, "values that differ from each other");
                ok = false;
            }
            Some(value) => values.push(value),
            None => ok = false,
        }
    }
    ok.then_some(GridAxis { key: name, values })
}

/// A list of values for `name`, each valid for every run whose kind has the key (its range,
/// and the kind's rules between keys with the run's other settings).
fn axis(
    cx: &mut Cx<'_>,
    v: &super::reader::Value<'_>,
    name: &'static str,
    runs: &[RunConfig],
) -> Option<GridAxis> {
    let path = join("sweep", name);
    let takers: Vec<(&RunConfig, &Key)> = runs
        .iter()
        .filter_map(|r| {
            let key = r.optimizer.kind.keys.iter().find(|k| k.name == name)?;
            Some((r, key))
        })
        .collect();
    let expected = "a non-empty array of values to sweep, e.g. [0.0, 0.5, 0.9]";
    let items = cx.array(v, &path, expected)?;
    if items.is_empty() {
        cx.invalid(v, &path, expected);
        return None;
    }
    let mut values = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let mut value = None;
        for (run, key) in &takers {
            let read = match key.ty {
                KeyType::Number(range) => cx.number(item, &path, range).map(Value::Number),
                KeyType::Integer { min, max } => {
                    cx.integer(item, &path, min, max).map(Value::Integer)
                }
                _ => None,
            };
            let Some(read) = read else {
                ok = false;
                break;
            };
            let mut settings = run.optimizer.settings.clone();
            settings.set(key.name, read.clone());
            if let Err(invalid) = (run.optimizer.kind.check)(&settings) {
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        item.span(),
                        format!("invalid value for `{path}` in run `{}`", run.label),
                    )
                    .key(&path)
                    .expected(invalid.expected.clone())
                    .found(format!("{} = {}", key.name, cx.show(item, true)))
                    .note(format!(
                        "every value on an axis is tried with every run of a kind that has \
                         `{name}`; run `{}` cannot take this one",
                        run.label
                    ));
                cx.push(e);
                ok = false;
                break;
            }
            value = Some(read);
        }
        if let Some(value) = value {
            if values.contains(&value) {
                cx.invalid(item, &path, "values that differ from each other");
                ok = false;
            } else {
                values.push(value);
            }
        }
    }
    ok.then_some(GridAxis { key: name, values })
}
