//! A network run's keys for what comes after optimisation: `ensemble = N` (N members from
//! seeds seed..seed+N−1, predicting by their mean probabilities), `snapshots = true` (the
//! weights at the end of every cosine_restarts cycle, ensembled) and `average = "polyak"`,
//! `{ polyak = STEP }` or `{ ema = β }` (averaged weights, measured beside the trained ones).
//! Every rule between them and the run's other keys is checked here, at the key written.

use std::ops::Range as Span;

use toml::de::DeValue;

use crate::core::network::averaging::Averaging;
use crate::core::schedule::{COSINE_RESTARTS, ScheduleKind};
use crate::core::spec::{Configured, Range};
use crate::number::toml_float;

use super::error::ErrorKind;
use super::reader::{Cx, Table, join};
use super::{NetworkProblem, RunConfig};

/// The keys of a network run's `[[optimizer]]` table this module reads.
pub const KEYS: [&str; 3] = ["ensemble", "snapshots", "average"];
/// The most members an ensemble may have.
pub const MAX_MEMBERS: u64 = 64;
/// The keys of `average = { ... }`.
const AVERAGE_KEYS: [&str; 2] = ["polyak", "ema"];
/// What `average` takes, for messages.
const AVERAGE_FORMS: &str = "\"polyak\" (the mean of the weights over the second half of the \
                             run), { polyak = STEP } (from step STEP on) or { ema = β } (an \
                             exponential moving average, β in (0, 1))";

/// A run's ensembles and averaging; the default is the run alone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnsembleSettings {
    /// `ensemble = N`: members in all, the run itself the first; `None`: the run alone.
    pub members: Option<usize>,
    /// `snapshots = true`: ensemble the weights at the end of each cosine_restarts cycle.
    pub snapshots: bool,
    /// `average`: how a second copy of the weights is averaged as the run trains.
    pub average: Option<Averaging>,
}

impl RunConfig {
    /// The steps after which a snapshot is kept: where each cycle of the run's schedule ends,
    /// within `steps`; empty without `snapshots = true`.
    pub fn snapshot_steps(&self, steps: u64) -> Vec<u64> {
        if !self.ensemble.snapshots {
            return Vec::new();
        }
        (self.schedule.kind.build)(&self.schedule.settings).restarts(steps)
    }
}

/// Reads `ensemble`, `snapshots` and `average` from a network run's table (a surface run's
/// were refused as unknown keys: it takes none). `schedule` is the run's, when it was valid.
pub(crate) fn parse(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    steps: u64,
    schedule: Option<&Configured<ScheduleKind>>,
) -> Option<EnsembleSettings> {
    let path = table.path;
    let members = match cx.get(table, "ensemble") {
        Some(v) => {
            let key = join(path, "ensemble");
            match cx.integer(v, &key, 2, MAX_MEMBERS) {
                Some(n) => Some(Some(n as usize)),
                None => {
                    if let Some(e) = cx.errors.pop() {
                        cx.push(e.note(
                            "`ensemble = N` trains N members, from seeds seed…seed+N−1, and \
                             averages their probabilities; leave it out to train the run alone",
                        ));
                    }
                    None
                }
            }
        }
        None => Some(None),
    };
    let snapshots = match cx.get(table, "snapshots") {
        Some(v) => {
            let key = join(path, "snapshots");
            match (cx.boolean(v, &key), schedule) {
                (Some(true), Some(schedule)) => {
                    restarts(cx, v.span(), &key, schedule).then_some(true)
                }
                (on, _) => on,
            }
        }
        None => Some(false),
    };
    let average = match cx.get(table, "average") {
        Some(v) => average(cx, v, &join(path, "average"), steps).map(Some),
        None => Some(None),
    };
    Some(EnsembleSettings {
        members: members?,
        snapshots: snapshots?,
        average: average?,
    })
}

/// Whether `schedule` restarts (cycles to take snapshots at the end of); records why not at
/// the `snapshots` key otherwise.
fn restarts(
    cx: &mut Cx<'_>,
    at: Span<usize>,
    key: &str,
    schedule: &Configured<ScheduleKind>,
) -> bool {
    if schedule.kind.name != COSINE_RESTARTS.name {
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                at,
                format!("invalid value for `{key}`: the run's schedule never restarts"),
            )
            .key(key)
            .expected(
                "a schedule with restarts beside it, `schedule = { kind = \"cosine_restarts\", \
                 t_0 = … }`: a snapshot is kept where each cycle ends",
            )
            .found(format!("schedule \"{}\"", schedule.kind.name))
            .note("or leave `snapshots` out: `false` is the default");
        cx.push(e);
        return false;
    }
    true
}

/// Whether the file's run lengths fit what its runs ask of them, as the file is written
/// (`steps`, not `--steps`: a shorter trial run takes the snapshots and the averaging that
/// fall within it, and its outputs say how many): two cosine_restarts cycles ending within
/// the steps for `snapshots`, a Polyak start before the last step. Records each misfit at its
/// key.
pub(crate) fn fit_the_steps(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    runs: &[RunConfig],
    steps: u64,
) -> bool {
    let mut fine = true;
    for (i, run) in runs.iter().enumerate() {
        let path = format!("optimizer[{}]", i + 1);
        if run.ensemble.snapshots {
            let at = run_key_span(cx, root, i, &["snapshots"]);
            fine &= two_cycles(cx, at, &join(&path, "snapshots"), &run.schedule, steps);
        }
        if let Some(Averaging::Polyak { start }) = run.ensemble.average
            && start >= steps
            && let Some(v) = cx
                .get(root, "optimizer")
                .and_then(|v| nth_table_value(v, i, &["average", "polyak"]))
        {
            cx.invalid(
                v,
                &join(&path, "average.polyak"),
                format!("an integer from 0 to {}", steps.saturating_sub(1)),
            );
            if let Some(e) = cx.errors.pop() {
                cx.push(e.note(format!(
                    "the step from which the weights are averaged: the run takes {steps} steps"
                )));
            }
            fine = false;
        }
    }
    fine
}

/// Whether `schedule` ends at least two cycles within `steps` (two snapshots to ensemble).
fn two_cycles(
    cx: &mut Cx<'_>,
    at: Span<usize>,
    key: &str,
    schedule: &Configured<ScheduleKind>,
    steps: u64,
) -> bool {
    let ends = (schedule.kind.build)(&schedule.settings).restarts(steps);
    if ends.len() >= 2 {
        return true;
    }
    let t_0 = schedule.settings.integer("t_0");
    let t_mult = schedule.settings.integer("t_mult");
    let ended = match ends.first() {
        Some(end) => format!("1 cycle ends within {steps} steps (at step {end})"),
        None => format!("no cycle ends within {steps} steps"),
    };
    let e = cx
        .error(
            ErrorKind::InvalidValue,
            at,
            format!("invalid value for `{key}`: fewer than two snapshots to ensemble"),
        )
        .key(key)
        .expected(format!(
            "at least two cosine_restarts cycles ending within the run's {steps} steps: a \
             shorter `t_0` (or more `steps`)"
        ))
        .found(format!("t_0 = {t_0}, t_mult = {t_mult}: {ended}"));
    cx.push(e);
    false
}

/// `average = "polyak"`, `{ polyak = STEP }` or `{ ema = β }`.
fn average(
    cx: &mut Cx<'_>,
    v: &super::reader::Value<'_>,
    key: &str,
    steps: u64,
) -> Option<Averaging> {
    match v.get_ref() {
        DeValue::String(s) if s == "polyak" => Some(Averaging::Polyak { start: steps / 2 }),
        DeValue::String(s) => {
            let found = cx.show(v, true);
            let mut e = cx
                .error(
                    ErrorKind::UnknownName,
                    v.span(),
                    format!("unknown averaging for `{key}`"),
                )
                .key(key)
                .expected(AVERAGE_FORMS)
                .found(found);
            if s.as_ref() == "ema" {
                e = e.note("an exponential moving average needs its decay: `{ ema = 0.999 }`");
            }
            cx.push(e);
            None
        }
        DeValue::Table(_) => {
            let table = cx.table(v, key)?;
            cx.check_keys(table, &AVERAGE_KEYS, "`average`", |_| None);
            let given: Vec<&str> = AVERAGE_KEYS
                .into_iter()
                .filter(|k| cx.get(table, k).is_some())
                .collect();
            if given.len() != 1 {
                let found = if given.is_empty() {
                    "neither `polyak` nor `ema`".to_string()
                } else {
                    "both `polyak` and `ema`".to_string()
                };
                let e = cx
                    .error(
                        ErrorKind::InvalidValue,
                        v.span(),
                        format!("invalid value for `{key}`"),
                    )
                    .key(key)
                    .expected(format!("one way of averaging: {AVERAGE_FORMS}"))
                    .found(found);
                cx.push(e);
                return None;
            }
            if let Some(p) = cx.get(table, "polyak") {
                // Checked against the file's steps once every run is read (`fit_the_steps`).
                let start = cx.integer(p, &join(key, "polyak"), 0, super::MAX_STEPS);
                return start.map(|start| Averaging::Polyak { start });
            }
            let decay = cx.get(table, "ema")?;
            let decay = cx.number(decay, &join(key, "ema"), Range::UnitExclusive)?;
            Some(Averaging::Ema { decay })
        }
        _ => {
            cx.wrong_type(v, key, AVERAGE_FORMS);
            None
        }
    }
}

/// Refuses an ensemble whose members would all train the same model: nothing the seed draws
/// differs between them (the weights come from `init_from`, the batch is full, no dropout,
/// DropConnect or augmentation). Records the error at the run's `ensemble`.
pub(crate) fn members_differ(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    problem: &NetworkProblem,
    runs: &[RunConfig],
) -> bool {
    let mut fine = true;
    for (i, run) in runs.iter().enumerate() {
        let Some(members) = run.ensemble.members else {
            continue;
        };
        if problem.is_random(&run.network) {
            continue;
        }
        let key = format!("optimizer[{}].ensemble", i + 1);
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                run_key_span(cx, root, i, &["ensemble"]),
                format!("invalid value for `{key}`: every member would train the same model"),
            )
            .key(&key)
            .expected(
                "members that differ by their seed: weights drawn by `[model] init` (not \
                 `init_from`), minibatches (`batch`), dropout, DropConnect or augmentation",
            )
            .found(format!(
                "ensemble = {members}, each from the weights of `init_from`, on the full batch"
            ))
            .note(
                "each member's seed draws its weights, minibatches and masks; here none are drawn",
            );
        cx.push(e);
        fine = false;
    }
    fine
}

/// Where the value at `keys` of the `index`-th `[[optimizer]]` is written (the file's start
/// if nowhere).
fn run_key_span(cx: &Cx<'_>, root: Table<'_, '_>, index: usize, keys: &[&str]) -> Span<usize> {
    cx.get(root, "optimizer")
        .and_then(|v| nth_table_value(v, index, keys))
        .map_or(0..0, |v| v.span())
}

/// The value at `keys` (tables inside tables) of item `index` of the array of tables `v`.
fn nth_table_value<'a, 'i>(
    v: &'a super::reader::Value<'i>,
    index: usize,
    keys: &[&str],
) -> Option<&'a super::reader::Value<'i>> {
    let DeValue::Array(items) = v.get_ref() else {
        return None;
    };
    let mut value = items.get(index)?;
    for key in keys {
        let DeValue::Table(t) = value.get_ref() else {
            return None;
        };
        value = t.get(*key)?;
    }
    Some(value)
}

/// The settings as experiment-file lines, read back as the same settings.
pub(crate) fn lines(settings: &EnsembleSettings, out: &mut Vec<String>) {
    if let Some(n) = settings.members {
        out.push(format!("ensemble = {n}"));
    }
    if settings.snapshots {
        out.push("snapshots = true".into());
    }
    match settings.average {
        Some(Averaging::Polyak { start }) => out.push(format!("average = {{ polyak = {start} }}")),
        Some(Averaging::Ema { decay }) => {
            out.push(format!("average = {{ ema = {} }}", toml_float(decay)));
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{Overrides, check_with, parse, write};

    const FILE: &str = "steps = 1000\n[data]\nkind = \"spiral\"\nbatch = 16\n\n\
                        [[optimizer]]\nkind = \"sgd\"\nensemble = 3\n\
                        schedule = { kind = \"cosine_restarts\", t_0 = 300 }\nsnapshots = true\n\
                        average = \"polyak\"\n\n\
                        [[optimizer]]\nkind = \"adam\"\naverage = { ema = 0.999 }\n";

    #[test]
    fn the_pinned_spellings_read_and_polyak_alone_averages_the_second_half() {
        let e = parse(FILE, Path::new("e.toml")).unwrap();
        let first = &e.runs[0].ensemble;
        assert_eq!(first.members, Some(3));
        assert!(first.snapshots);
        assert_eq!(first.average, Some(Averaging::Polyak { start: 500 }));
        assert_eq!(e.runs[0].snapshot_steps(e.steps), [300, 600, 900]);
        assert_eq!(
            e.runs[1].ensemble,
            EnsembleSettings {
                members: None,
                snapshots: false,
                average: Some(Averaging::Ema { decay: 0.999 }),
            }
        );
        assert!(e.runs[1].snapshot_steps(e.steps).is_empty());
        // `--steps` moves polyak's default start as it moves a cosine's t_max; a trial run
        // shorter than the file's takes the snapshots that fall within it (the rule of two
        // cycles is the file's, as written).
        let overrides = Overrides {
            steps: Some(400),
            ..Overrides::default()
        };
        let shorter = check_with(FILE, Path::new("e.toml"), &overrides).unwrap();
        assert_eq!(
            shorter.runs[0].ensemble.average,
            Some(Averaging::Polyak { start: 200 })
        );
        assert_eq!(shorter.runs[0].snapshot_steps(shorter.steps), [300]);
        let written = FILE.replace("steps = 1000", "steps = 400");
        let e = check_with(&written, Path::new("e.toml"), &Overrides::default()).unwrap_err();
        assert!(
            e[0].to_string().contains("fewer than two snapshots"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn a_network_experiment_with_them_is_written_back_the_same() {
        let first = parse(FILE, Path::new("e.toml")).unwrap();
        let text = write::experiment(&first, "test");
        let second = parse(&text, Path::new("e.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(first.runs, second.runs, "{text}");
    }

    #[test]
    fn an_ensemble_of_given_weights_differs_by_its_minibatches() {
        // Full batch from `init_from` weights is refused (the corpus); a minibatch makes the
        // members differ, and so does dropout.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs/e.toml");
        for extra in ["batch = 16", "dropout = 0.5"] {
            let source = format!(
                "[data]\nkind = \"moons\"\n[model]\nhidden = [8]\n\
                 init_from = \"../bad_data/init_8.json\"\n\
                 [[optimizer]]\nkind = \"adam\"\nensemble = 3\n{extra}\n"
            );
            let e = parse(&source, &dir).unwrap_or_else(|e| panic!("{extra}: {e}"));
            assert_eq!(e.runs[0].ensemble.members, Some(3));
        }
    }
}
