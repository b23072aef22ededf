//! `[[optimizer]]` tables: kinds, torch.optim's hyperparameter names and defaults, schedules,
//! the default learning rates, and the legend summary of a run.

use crate::core::schedule::SCHEDULE_KINDS;
use crate::core::{
    Adagrad, Adam, Lbfgs, LbfgsSearch, NAdam, Newton, NewtonSearch, Optimizer, RmsProp, RunSpec,
    Schedule, Sgd,
};

use super::RunConfig;
use super::reader::{Cx, Rule, Table, Value, join};

/// The optimizer kinds, in the order `optplay list` shows them.
pub const OPTIMIZER_KINDS: [&str; 10] = [
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "newton",
    "lbfgs",
];

/// The default learning rate of each optimizer kind on each surface: small enough not to
/// diverge in 200 steps from the surface's default start, large enough to show the method's
/// character. Columns follow [`OPTIMIZER_KINDS`]:
/// sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, newton, lbfgs.
/// Newton and L-BFGS take the full step (lr 1) everywhere: their line searches shorten it.
pub const DEFAULT_LR: [(&str, [f64; 10]); 7] = [
    (
        "quadratic",
        [0.09, 0.02, 0.02, 0.5, 0.03, 0.1, 0.1, 0.1, 1.0, 1.0],
    ),
    (
        "saddle",
        [0.04, 0.04, 0.04, 0.1, 0.02, 0.05, 0.05, 0.05, 1.0, 1.0],
    ),
    (
        "bowl",
        [0.05, 0.05, 0.05, 0.3, 0.02, 0.05, 0.05, 0.05, 1.0, 1.0],
    ),
    (
        "rosenbrock",
        [1e-3, 2e-4, 2e-4, 0.5, 0.01, 0.1, 0.1, 0.1, 1.0, 1.0],
    ),
    (
        "beale",
        [0.01, 2e-3, 2e-3, 0.5, 0.05, 0.1, 0.1, 0.1, 1.0, 1.0],
    ),
    (
        "himmelblau",
        [0.01, 2e-3, 2e-3, 0.3, 0.02, 0.1, 0.1, 0.1, 1.0, 1.0],
    ),
    (
        "rastrigin",
        [2e-3, 2e-3, 2e-3, 0.1, 0.05, 0.1, 0.1, 0.1, 1.0, 1.0],
    ),
];

/// The lecture's default learning rate (Adam's 1e-3), for a kind or surface not in the table.
pub const FALLBACK_LR: f64 = 1e-3;

/// The default learning rate of `optimizer_kind` on `surface_kind` (see [`DEFAULT_LR`]).
pub fn default_lr(optimizer_kind: &str, surface_kind: &str) -> f64 {
    let column = OPTIMIZER_KINDS.iter().position(|k| *k == optimizer_kind);
    let row = DEFAULT_LR.iter().find(|(s, _)| *s == surface_kind);
    match (row, column) {
        (Some((_, lrs)), Some(c)) => lrs.get(c).copied().unwrap_or(FALLBACK_LR),
        _ => FALLBACK_LR,
    }
}

/// The optimizer of `kind` with every hyperparameter at its default, or `None` for an unknown
/// kind.
pub fn optimizer_with_defaults(kind: &str) -> Option<Optimizer> {
    let sgd = |momentum: f64, nesterov: bool| {
        Optimizer::Sgd(Sgd {
            momentum,
            dampening: 0.0,
            nesterov,
            weight_decay: 0.0,
        })
    };
    let adam = |weight_decay: f64, decoupled: bool| {
        Optimizer::Adam(Adam {
            betas: (0.9, 0.999),
            eps: 1e-7,
            weight_decay,
            amsgrad: false,
            decoupled_weight_decay: decoupled,
            bias_correction: true,
        })
    };
    Some(match kind {
        "sgd" => sgd(0.0, false),
        "momentum" => sgd(0.9, false),
        "nesterov" => sgd(0.9, true),
        "adagrad" => Optimizer::Adagrad(Adagrad {
            lr_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            weight_decay: 0.0,
        }),
        "rmsprop" => Optimizer::RmsProp(RmsProp {
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
        }),
        "adam" => adam(0.0, false),
        "adamw" => adam(0.01, true),
        "nadam" => Optimizer::NAdam(NAdam {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 0.004,
        }),
        "newton" => Optimizer::Newton(Newton {
            damping: 0.0,
            line_search: NewtonSearch::Backtracking,
        }),
        "lbfgs" => Optimizer::Lbfgs(Lbfgs {
            history_size: 10,
            line_search: LbfgsSearch::StrongWolfe,
            tolerance_grad: 1e-7,
        }),
        _ => return None,
    })
}

/// Keys every `[[optimizer]]` takes.
const COMMON_KEYS: [&str; 5] = ["kind", "label", "lr", "schedule", "noise"];

/// The hyperparameter keys of each kind (torch.optim's names), besides [`COMMON_KEYS`].
pub fn hyperparameter_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "sgd" | "momentum" | "nesterov" => &["momentum", "dampening", "nesterov", "weight_decay"],
        "adagrad" => &[
            "lr_decay",
            "initial_accumulator_value",
            "eps",
            "weight_decay",
        ],
        "rmsprop" => &["alpha", "eps", "weight_decay"],
        "adam" | "adamw" => &["betas", "eps", "weight_decay", "amsgrad", "bias_correction"],
        "nadam" => &["betas", "eps", "weight_decay", "momentum_decay"],
        "newton" => &["line_search", "damping"],
        "lbfgs" => &["history_size", "line_search", "tolerance_grad"],
        _ => &[],
    }
}

/// Every key an `[[optimizer]]` of `kind` takes.
pub fn optimizer_keys(kind: &str) -> Vec<&'static str> {
    COMMON_KEYS
        .iter()
        .chain(hyperparameter_keys(kind))
        .copied()
        .collect()
}

/// The schedule keys of each kind, besides `kind`.
pub fn schedule_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "step" => &["step_size", "gamma"],
        "multistep" => &["milestones", "gamma"],
        "exponential" => &["gamma"],
        "inverse_time" => &["k"],
        "cosine" => &["t_max", "eta_min"],
        "cosine_restarts" => &["t_0", "t_mult", "eta_min"],
        _ => &[],
    }
}

/// Reads the `index`-th (1-based) `[[optimizer]]` table.
pub(crate) fn parse_optimizer(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    surface_kind: Option<&str>,
    steps: u64,
) -> Option<RunConfig> {
    let path = table.path;
    let kind_value = cx.require(table, "kind", "an optimizer kind, e.g. \"adam\"")?;
    let kind = cx.name(
        kind_value,
        &join(path, "kind"),
        "optimizer kind",
        &OPTIMIZER_KINDS,
    )?;

    let allowed = optimizer_keys(kind);
    let what = format!("`[[optimizer]]` with kind = \"{kind}\"");
    cx.check_keys(table, &allowed, &what, |key| {
        let owners: Vec<&str> = OPTIMIZER_KINDS
            .iter()
            .copied()
            .filter(|k| hyperparameter_keys(k).contains(&key))
            .collect();
        (!owners.is_empty()).then(|| {
            format!(
                "`{key}` is a setting of {}, not of `{kind}`",
                owners
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
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
        None => Some(kind.to_string()),
    };

    let lr = match cx.get(table, "lr") {
        Some(v) => cx.number(v, &join(path, "lr"), Rule::Positive),
        None => Some(default_lr(kind, surface_kind.unwrap_or(""))),
    };

    let noise = match cx.get(table, "noise") {
        Some(v) => cx
            .number(v, &join(path, "noise"), Rule::NonNegative)
            .map(Some),
        None => Some(None),
    };
    let optimizer = parse_hyperparameters(cx, table, kind);
    let schedule = match cx.get(table, "schedule") {
        Some(v) => parse_schedule(cx, v, &join(path, "schedule"), lr, steps),
        None => Some(Schedule::Constant),
    };

    let (label, lr, optimizer, schedule, noise) = (label?, lr?, optimizer?, schedule?, noise?);
    let spec = RunSpec {
        optimizer,
        schedule,
        lr,
    };
    let mut summary = summary(kind, &spec);
    match noise {
        Some(std) if std > 0.0 => summary.push_str(&format!(", noise σ={}", short_number(std))),
        Some(_) => summary.push_str(", exact gradients"),
        None => {}
    }
    Some(RunConfig {
        summary,
        label,
        kind: kind.to_string(),
        spec,
        noise,
    })
}

/// Reads an optional number into `slot`; `false` if it was there and bad.
fn set_number(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    key: &str,
    rule: Rule,
    slot: &mut f64,
) -> bool {
    match cx.get(table, key) {
        Some(v) => match cx.number(v, &join(table.path, key), rule) {
            Some(x) => {
                *slot = x;
                true
            }
            None => false,
        },
        None => true,
    }
}

fn set_bool(cx: &mut Cx<'_>, table: Table<'_, '_>, key: &str, slot: &mut bool) -> bool {
    match cx.get(table, key) {
        Some(v) => match cx.boolean(v, &join(table.path, key)) {
            Some(b) => {
                *slot = b;
                true
            }
            None => false,
        },
        None => true,
    }
}

fn set_betas(cx: &mut Cx<'_>, table: Table<'_, '_>, slot: &mut (f64, f64)) -> bool {
    match cx.get(table, "betas") {
        Some(v) => match cx.pair(v, &join(table.path, "betas"), Rule::UnitOpen) {
            Some([b1, b2]) => {
                *slot = (b1, b2);
                true
            }
            None => false,
        },
        None => true,
    }
}

/// The kind's defaults with the table's hyperparameters applied, every one range-checked.
fn parse_hyperparameters(cx: &mut Cx<'_>, table: Table<'_, '_>, kind: &str) -> Option<Optimizer> {
    let mut optimizer = optimizer_with_defaults(kind)?;
    let ok = match &mut optimizer {
        Optimizer::Sgd(o) => {
            let ok = [
                set_number(cx, table, "momentum", Rule::UnitOpen, &mut o.momentum),
                set_number(cx, table, "dampening", Rule::UnitClosed, &mut o.dampening),
                set_bool(cx, table, "nesterov", &mut o.nesterov),
                set_number(
                    cx,
                    table,
                    "weight_decay",
                    Rule::NonNegative,
                    &mut o.weight_decay,
                ),
            ];
            ok.iter().all(|&b| b) && check_nesterov(cx, table, kind, o)
        }
        Optimizer::Adagrad(o) => [
            set_number(cx, table, "lr_decay", Rule::NonNegative, &mut o.lr_decay),
            set_number(
                cx,
                table,
                "initial_accumulator_value",
                Rule::NonNegative,
                &mut o.initial_accumulator_value,
            ),
            set_number(cx, table, "eps", Rule::Positive, &mut o.eps),
            set_number(
                cx,
                table,
                "weight_decay",
                Rule::NonNegative,
                &mut o.weight_decay,
            ),
        ]
        .iter()
        .all(|&b| b),
        Optimizer::RmsProp(o) => [
            set_number(cx, table, "alpha", Rule::UnitOpen, &mut o.alpha),
            set_number(cx, table, "eps", Rule::Positive, &mut o.eps),
            set_number(
                cx,
                table,
                "weight_decay",
                Rule::NonNegative,
                &mut o.weight_decay,
            ),
        ]
        .iter()
        .all(|&b| b),
        Optimizer::Adam(o) => [
            set_betas(cx, table, &mut o.betas),
            set_number(cx, table, "eps", Rule::Positive, &mut o.eps),
            set_number(
                cx,
                table,
                "weight_decay",
                Rule::NonNegative,
                &mut o.weight_decay,
            ),
            set_bool(cx, table, "amsgrad", &mut o.amsgrad),
            set_bool(cx, table, "bias_correction", &mut o.bias_correction),
        ]
        .iter()
        .all(|&b| b),
        Optimizer::NAdam(o) => [
            set_betas(cx, table, &mut o.betas),
            set_number(cx, table, "eps", Rule::Positive, &mut o.eps),
            set_number(
                cx,
                table,
                "weight_decay",
                Rule::NonNegative,
                &mut o.weight_decay,
            ),
            set_number(
                cx,
                table,
                "momentum_decay",
                Rule::NonNegative,
                &mut o.momentum_decay,
            ),
        ]
        .iter()
        .all(|&b| b),
        Optimizer::Newton(o) => {
            let search = set_name(cx, table, &NewtonSearch::NAMES, |name| {
                if let Some(s) = NewtonSearch::from_name(name) {
                    o.line_search = s;
                }
            });
            let damping = set_number(cx, table, "damping", Rule::NonNegative, &mut o.damping);
            search && damping
        }
        Optimizer::Lbfgs(o) => {
            let search = set_name(cx, table, &LbfgsSearch::NAMES, |name| {
                if let Some(s) = LbfgsSearch::from_name(name) {
                    o.line_search = s;
                }
            });
            let history = match cx.get(table, "history_size") {
                Some(v) => match cx.integer(v, &join(table.path, "history_size"), 1, 1000) {
                    Some(n) => {
                        o.history_size = n as usize;
                        true
                    }
                    None => false,
                },
                None => true,
            };
            let tolerance = set_number(
                cx,
                table,
                "tolerance_grad",
                Rule::NonNegative,
                &mut o.tolerance_grad,
            );
            search && history && tolerance
        }
    };
    ok.then_some(optimizer)
}

/// Reads an optional `line_search` name from `names` and hands it to `apply`; `false` if it
/// was there and bad.
fn set_name(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    names: &[&'static str],
    apply: impl FnOnce(&str),
) -> bool {
    match cx.get(table, "line_search") {
        Some(v) => match cx.name(v, &join(table.path, "line_search"), "line search", names) {
            Some(name) => {
                apply(name);
                true
            }
            None => false,
        },
        None => true,
    }
}

/// torch: "Nesterov momentum requires a momentum and zero dampening".
fn check_nesterov(cx: &mut Cx<'_>, table: Table<'_, '_>, kind: &str, o: &Sgd) -> bool {
    if !o.nesterov {
        return true;
    }
    // Point at what the user wrote that breaks the rule: the value, else `nesterov`, else `kind`.
    let blame = |key: &str| {
        cx.get(table, key)
            .or_else(|| cx.get(table, "nesterov"))
            .or_else(|| cx.get(table, "kind"))
    };
    let (key, expected) = if o.momentum == 0.0 {
        ("momentum", "a momentum > 0 with nesterov = true")
    } else if o.dampening != 0.0 {
        ("dampening", "dampening = 0 with nesterov = true")
    } else {
        return true;
    };
    let Some(v) = blame(key) else {
        return false;
    };
    let path = join(table.path, key);
    let found = format!(
        "momentum = {}, dampening = {}, nesterov = true{}",
        o.momentum,
        o.dampening,
        if kind == "nesterov" {
            " (kind \"nesterov\")"
        } else {
            ""
        }
    );
    let e = cx
        .error(
            super::error::ErrorKind::InvalidValue,
            v.span(),
            format!("invalid value for `{path}`"),
        )
        .key(path)
        .expected(expected)
        .found(found)
        .note("torch.optim.SGD: Nesterov momentum requires a momentum and zero dampening");
    cx.push(e);
    false
}

/// Reads `schedule = "cosine"` or `schedule = { kind = "step", ... }` or `[optimizer.schedule]`.
fn parse_schedule(
    cx: &mut Cx<'_>,
    v: &Value<'_>,
    path: &str,
    lr: Option<f64>,
    steps: u64,
) -> Option<Schedule> {
    let kind_key = join(path, "kind");
    // A bare string names a kind whose parameters all have defaults.
    if let toml::de::DeValue::String(_) = v.get_ref() {
        let kind = cx.name(v, path, "schedule kind", &SCHEDULE_KINDS)?;
        let needs: Vec<&str> = match kind {
            "step" => vec!["step_size"],
            "multistep" => vec!["milestones"],
            "exponential" => vec!["gamma"],
            "inverse_time" => vec!["k"],
            "cosine_restarts" => vec!["t_0"],
            _ => Vec::new(),
        };
        if !needs.is_empty() {
            let e = cx
                .error(
                    super::error::ErrorKind::Missing,
                    v.span(),
                    format!("missing key `{}`", join(path, needs[0])),
                )
                .key(join(path, needs[0]))
                .expected(format!(
                    "a table: schedule = {{ kind = \"{kind}\", {} = ... }}",
                    needs[0]
                ));
            cx.push(e);
            return None;
        }
        return Some(match kind {
            "cosine" => Schedule::Cosine {
                t_max: steps,
                eta_min: 0.0,
            },
            _ => Schedule::Constant,
        });
    }
    let table = cx.table(v, path)?;
    let kind_value = cx.require(table, "kind", "a schedule kind, e.g. \"step\"")?;
    let kind = cx.name(kind_value, &kind_key, "schedule kind", &SCHEDULE_KINDS)?;
    let allowed: Vec<&str> = std::iter::once("kind")
        .chain(schedule_keys(kind).iter().copied())
        .collect();
    cx.check_keys(
        table,
        &allowed,
        &format!("a schedule with kind = \"{kind}\""),
        |_| None,
    );

    let key = |k: &str| join(path, k);
    let gamma = |cx: &mut Cx<'_>, default: Option<f64>| match cx.get(table, "gamma") {
        Some(g) => cx.number(g, &key("gamma"), Rule::Positive),
        None => match default {
            Some(d) => Some(d),
            None => {
                cx.require(table, "gamma", "a number > 0, the factor per step");
                None
            }
        },
    };
    let eta_min = |cx: &mut Cx<'_>| match cx.get(table, "eta_min") {
        Some(e) => {
            let x = cx.number(e, &key("eta_min"), Rule::NonNegative)?;
            // Without a valid lr (already reported) there is nothing to compare with.
            let Some(lr) = lr else {
                return Some(x);
            };
            if x < lr {
                Some(x)
            } else {
                cx.invalid(
                    e,
                    &key("eta_min"),
                    format!("a number ≥ 0 and below the run's lr ({lr})"),
                );
                None
            }
        }
        None => Some(0.0),
    };
    Some(match kind {
        "constant" => Schedule::Constant,
        "step" => {
            let s = cx.require(table, "step_size", "an integer ≥ 1, steps between decays");
            let step_size = s.and_then(|s| cx.integer(s, &key("step_size"), 1, u64::MAX));
            let gamma = gamma(cx, Some(0.1));
            Schedule::Step {
                step_size: step_size?,
                gamma: gamma?,
            }
        }
        "multistep" => {
            let m = cx.require(
                table,
                "milestones",
                "an array of increasing step counts, e.g. [100, 150]",
            );
            let milestones = m.and_then(|m| milestones(cx, m, &key("milestones")));
            let gamma = gamma(cx, Some(0.1));
            Schedule::MultiStep {
                milestones: milestones?,
                gamma: gamma?,
            }
        }
        "exponential" => Schedule::Exponential {
            gamma: gamma(cx, None)?,
        },
        "inverse_time" => {
            let k = cx.require(table, "k", "a number ≥ 0: lr / (1 + k·t)")?;
            Schedule::InverseTime {
                k: cx.number(k, &key("k"), Rule::NonNegative)?,
            }
        }
        "cosine" => {
            let t_max = match cx.get(table, "t_max") {
                Some(t) => cx.integer(t, &key("t_max"), 1, u64::MAX),
                None => Some(steps),
            };
            let eta_min = eta_min(cx);
            Schedule::Cosine {
                t_max: t_max?,
                eta_min: eta_min?,
            }
        }
        "cosine_restarts" => {
            let t0 = cx.require(table, "t_0", "an integer ≥ 1, the first cycle's length");
            let t_0 = t0.and_then(|t| cx.integer(t, &key("t_0"), 1, u64::MAX));
            let t_mult = match cx.get(table, "t_mult") {
                Some(t) => cx.integer(t, &key("t_mult"), 1, u64::MAX),
                None => Some(1),
            };
            let eta_min = eta_min(cx);
            Schedule::CosineRestarts {
                t_0: t_0?,
                t_mult: t_mult?,
                eta_min: eta_min?,
            }
        }
        _ => return None,
    })
}

/// A non-empty, strictly increasing array of positive step counts.
fn milestones(cx: &mut Cx<'_>, v: &Value<'_>, key: &str) -> Option<Vec<u64>> {
    let expected = "a non-empty array of strictly increasing integers ≥ 1";
    let items = cx.array(v, key, expected)?;
    if items.is_empty() {
        cx.invalid(v, key, expected);
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let m = cx.integer(item, key, 1, u64::MAX)?;
        if out.last().is_some_and(|&last| m <= last) {
            cx.invalid(item, key, "each milestone larger than the one before");
            return None;
        }
        out.push(m);
    }
    Some(out)
}

/// A number for a legend: short, and in scientific notation when very small or large.
pub fn short_number(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// The key hyperparameters of a run for a plot legend: "lr=0.1, β=(0.9, 0.999)". Shows the
/// values that define the kind and any setting away from its default.
pub fn summary(kind: &str, spec: &RunSpec) -> String {
    let n = short_number;
    let mut parts = vec![format!("lr={}", n(spec.lr))];
    let defaults = optimizer_with_defaults(kind);
    match (&spec.optimizer, defaults) {
        (Optimizer::Sgd(o), Some(Optimizer::Sgd(d))) => {
            if o.momentum != 0.0 {
                parts.push(format!("ρ={}", n(o.momentum)));
            }
            if o.dampening != d.dampening {
                parts.push(format!("dampening={}", n(o.dampening)));
            }
            if o.nesterov != d.nesterov {
                parts.push(format!("nesterov={}", o.nesterov));
            }
            if o.weight_decay != d.weight_decay {
                parts.push(format!("wd={}", n(o.weight_decay)));
            }
        }
        (Optimizer::Adagrad(o), Some(Optimizer::Adagrad(d))) => {
            if o.lr_decay != d.lr_decay {
                parts.push(format!("lr_decay={}", n(o.lr_decay)));
            }
            if o.initial_accumulator_value != d.initial_accumulator_value {
                parts.push(format!("acc₀={}", n(o.initial_accumulator_value)));
            }
            if o.eps != d.eps {
                parts.push(format!("eps={}", n(o.eps)));
            }
            if o.weight_decay != d.weight_decay {
                parts.push(format!("wd={}", n(o.weight_decay)));
            }
        }
        (Optimizer::RmsProp(o), Some(Optimizer::RmsProp(d))) => {
            parts.push(format!("α={}", n(o.alpha)));
            if o.eps != d.eps {
                parts.push(format!("eps={}", n(o.eps)));
            }
            if o.weight_decay != d.weight_decay {
                parts.push(format!("wd={}", n(o.weight_decay)));
            }
        }
        (Optimizer::Adam(o), Some(Optimizer::Adam(d))) => {
            parts.push(format!("β=({}, {})", n(o.betas.0), n(o.betas.1)));
            if o.eps != d.eps {
                parts.push(format!("eps={}", n(o.eps)));
            }
            if o.weight_decay != 0.0 {
                parts.push(format!("wd={}", n(o.weight_decay)));
            }
            if o.amsgrad {
                parts.push("amsgrad".to_string());
            }
            if !o.bias_correction {
                parts.push("no bias correction".to_string());
            }
        }
        (Optimizer::NAdam(o), Some(Optimizer::NAdam(d))) => {
            parts.push(format!("β=({}, {})", n(o.betas.0), n(o.betas.1)));
            if o.eps != d.eps {
                parts.push(format!("eps={}", n(o.eps)));
            }
            if o.weight_decay != d.weight_decay {
                parts.push(format!("wd={}", n(o.weight_decay)));
            }
            if o.momentum_decay != d.momentum_decay {
                parts.push(format!("momentum_decay={}", n(o.momentum_decay)));
            }
        }
        (Optimizer::Newton(o), Some(Optimizer::Newton(d))) => {
            if o.line_search != d.line_search {
                parts.push(format!("line search {}", o.line_search.name()));
            }
            if o.damping != d.damping {
                parts.push(format!("damping={}", n(o.damping)));
            }
        }
        (Optimizer::Lbfgs(o), Some(Optimizer::Lbfgs(d))) => {
            parts.push(format!("m={}", o.history_size));
            if o.line_search != d.line_search {
                parts.push(format!("line search {}", o.line_search.name()));
            }
            if o.tolerance_grad != d.tolerance_grad {
                parts.push(format!("tolerance_grad={}", n(o.tolerance_grad)));
            }
        }
        _ => {}
    }
    if spec.schedule != Schedule::Constant {
        parts.push(format!("{} schedule", spec.schedule.kind()));
    }
    parts.join(", ")
}
