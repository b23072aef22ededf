//! `[[optimizer]]` tables and their schedules, read through the registry's declarations.

use toml::de::DeValue;

use crate::core::registry::{self, OPTIMIZERS};
use crate::core::schedule::{self, ScheduleKind};
use crate::core::spec::{Configured, Default, Range, Value};

use super::RunConfig;
use super::error::ErrorKind;
use super::reader::{Cx, Table, Value as Toml, join};
use super::settings::{judged_on_good_keys, read_keys, report_invalid};

/// Keys every `[[optimizer]]` takes, besides its kind's hyperparameters.
pub const COMMON_KEYS: [&str; 6] = ["kind", "label", "lr", "schedule", "noise", "sweep_lr"];

/// Every key an `[[optimizer]]` of `kind` takes.
pub fn optimizer_keys(kind: &str) -> Vec<&'static str> {
    let own = registry::optimizer(kind).map_or(&[][..], |k| k.keys);
    COMMON_KEYS
        .iter()
        .copied()
        .chain(own.iter().map(|k| k.name))
        .collect()
}

/// Reads one `[[optimizer]]` table. `surface_kind` picks the default learning rate.
pub(crate) fn parse_optimizer(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    surface_kind: Option<&str>,
    network: Option<bool>,
    steps: u64,
) -> Option<RunConfig> {
    let path = table.path;
    let kind_value = cx.require(table, "kind", "an optimizer kind, e.g. \"adam\"")?;
    let names = registry::optimizer_names();
    let name = cx.name(kind_value, &join(path, "kind"), "optimizer kind", &names)?;
    let kind = registry::optimizer(name)?;

    let mut allowed = optimizer_keys(name);
    if network.is_some() {
        // A network's gradients are noisy by their minibatches, not by added noise.
        allowed.retain(|k| *k != "noise");
        allowed.extend(super::network::RUN_KEYS);
        allowed.extend(super::ensemble::KEYS);
    }
    let what = format!("`[[optimizer]]` with kind = \"{name}\"");
    cx.check_keys(table, &allowed, &what, |key| {
        let owners: Vec<String> = OPTIMIZERS
            .iter()
            .filter(|k| k.takes(key))
            .map(|k| format!("`{}`", k.name))
            .collect();
        if network.is_none() && super::network::RUN_KEYS.contains(&key) {
            return Some(format!(
                "`{key}` is a network's setting: it goes in a file with `[data]` and `[model]`"
            ));
        }
        if network.is_none() && super::ensemble::KEYS.contains(&key) {
            return Some(format!(
                "`{key}` combines a network's trained models: it goes in a file with `[data]` \
                 and `[model]`"
            ));
        }
        if network.is_some() && key == "noise" {
            return Some(
                "a network's gradients are noisy by their minibatches: set `batch`".to_string(),
            );
        }
        (!owners.is_empty()).then(|| {
            format!(
                "`{key}` is a setting of {}, not of `{name}`",
                owners.join(", ")
            )
        })
    });

    let label = match cx.get(table, "label") {
        Some(v) => {
            let key = join(path, "label");
            match cx.string(v, &key, "a non-empty string") {
                Some(s) if s.trim().is_empty() => {
                    cx.invalid(v, &key, "a non-empty string");
                    None
                }
                Some(s) => Some(s.to_string()),
                None => None,
            }
        }
        None => Some(name.to_string()),
    };
    let lr = match cx.get(table, "lr") {
        Some(v) => cx.number(v, &join(path, "lr"), Range::Positive),
        None => Some(kind.default_lr(surface_kind.unwrap_or(""))),
    };
    let noise = match cx.get(table, "noise") {
        Some(v) => cx
            .number(v, &join(path, "noise"), Range::NonNegative)
            .map(Some),
        None => Some(None),
    };
    let sweep_lr = match cx.get(table, "sweep_lr") {
        Some(v) => super::sweep::lr_range(cx, v, &join(path, "sweep_lr")).map(Some),
        None => Some(None),
    };
    let mut optimizer = Configured::defaults(kind);
    let failed = read_keys(cx, table, kind.keys, &mut optimizer.settings);
    let mut settings_ok = failed.is_empty();
    // The rules between keys are checked in the same pass, over the keys that were right.
    if let Err(mut invalid) = (kind.check)(&optimizer.settings)
        && judged_on_good_keys(&invalid, &failed)
    {
        // A setting the user did not write but the kind turns on (kind "nesterov" sets
        // nesterov = true) broke the rule: say which kind chose it.
        let defaults = kind.defaults();
        let set_by_kind = invalid.point_at.iter().any(|k| {
            cx.get(table, k).is_none()
                && defaults
                    .get(k)
                    .is_some_and(|v| *v != Value::Bool(false) && *v != Value::Number(0.0))
        });
        if set_by_kind && let Some(found) = &mut invalid.found {
            found.push_str(&format!(" (kind \"{name}\")"));
        }
        report_invalid(cx, table, kind.keys, &optimizer.settings, *invalid);
        settings_ok = false;
    }
    let schedule = match cx.get(table, "schedule") {
        Some(v) => parse_schedule(cx, v, &join(path, "schedule"), lr, steps),
        None => Some(Configured::defaults(&schedule::CONSTANT)),
    };

    let overrides = match network {
        Some(images) => super::network::run_overrides(cx, table, images),
        None => Some(super::RunOverrides::default()),
    };
    let ensemble = match network {
        Some(_) => super::ensemble::parse(cx, table, steps, schedule.as_ref()),
        None => Some(super::EnsembleSettings::default()),
    };

    Some(RunConfig {
        network: overrides?,
        label: label?,
        optimizer: settings_ok.then_some(optimizer)?,
        lr: lr?,
        schedule: schedule?,
        noise: noise?,
        sweep_lr: sweep_lr?,
        ensemble: ensemble?,
    })
}

/// Reads `schedule = "cosine"`, `schedule = { kind = "step", ... }` or `[optimizer.schedule]`.
fn parse_schedule(
    cx: &mut Cx<'_>,
    v: &Toml<'_>,
    path: &str,
    lr: Option<f64>,
    steps: u64,
) -> Option<Configured<ScheduleKind>> {
    let names = registry::schedule_names();
    // A bare string names a kind whose keys all have defaults.
    if let DeValue::String(_) = v.get_ref() {
        let name = cx.name(v, path, "schedule kind", &names)?;
        let kind = registry::schedule(name)?;
        if let Some(key) = kind.keys.iter().find(|k| k.default == Default::Required) {
            let e = cx
                .error(
                    ErrorKind::Missing,
                    v.span(),
                    format!("missing key `{}`", join(path, key.name)),
                )
                .key(join(path, key.name))
                .expected(format!(
                    "a table: schedule = {{ kind = \"{name}\", {} = ... }}",
                    key.name
                ));
            cx.push(e);
            return None;
        }
        return Some(with_steps(Configured::defaults(kind), steps));
    }
    let table = cx.table(v, path)?;
    let kind_value = cx.require(table, "kind", "a schedule kind, e.g. \"step\"")?;
    let name = cx.name(kind_value, &join(path, "kind"), "schedule kind", &names)?;
    let kind = registry::schedule(name)?;
    let allowed: Vec<&str> = std::iter::once("kind")
        .chain(kind.keys.iter().map(|k| k.name))
        .collect();
    cx.check_keys(
        table,
        &allowed,
        &format!("a schedule with kind = \"{name}\""),
        |_| None,
    );
    let mut configured = with_steps(Configured::defaults(kind), steps);
    let failed = read_keys(cx, table, kind.keys, &mut configured.settings);
    // Without a valid lr (already reported) there is nothing to compare with.
    if let Some(lr) = lr
        && let Err(invalid) = schedule::check(&configured.settings, lr)
        && judged_on_good_keys(&invalid, &failed)
    {
        report_invalid(cx, table, kind.keys, &configured.settings, *invalid);
        return None;
    }
    failed.is_empty().then_some(configured)
}

/// Keys whose default is the run's length (a cosine schedule's `t_max`) take `steps`.
pub(crate) fn with_steps(
    mut schedule: Configured<ScheduleKind>,
    steps: u64,
) -> Configured<ScheduleKind> {
    for key in schedule.kind.keys {
        if key.default == Default::Steps {
            schedule.settings.set(key.name, Value::Integer(steps));
        }
    }
    schedule
}
