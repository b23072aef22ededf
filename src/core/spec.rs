//! How a kind (an optimizer, a surface, a schedule) declares its settings: each key's name,
//! type, default, valid range, one line of documentation and how a legend shows it.
//!
//! A kind is declared once, beside its code, as a list of [`Key`]s. Everything else reads that
//! list: the experiment-file parser validates against it, `list`, `explain` and `init` print
//! it, `play` exports it, legends summarise it. Nothing here knows about TOML or the command
//! line: a [`Settings`] is just the values of a kind's keys.

use std::fmt;

/// The values a number may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Any finite number.
    Any,
    /// > 0.
    Positive,
    /// ≥ 0.
    NonNegative,
    /// ≤ 0.
    NonPositive,
    /// [0, 1).
    UnitOpen,
    /// [0, 1].
    UnitClosed,
    /// (0, 1).
    UnitExclusive,
    /// > 1.
    AboveOne,
    /// |v| ≤ bound.
    MaxAbs(f64),
}

impl Range {
    /// Whether `v` is finite and in the range.
    pub fn holds(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Range::Any => true,
                Range::Positive => v > 0.0,
                Range::NonNegative => v >= 0.0,
                Range::NonPositive => v <= 0.0,
                Range::UnitOpen => (0.0..1.0).contains(&v),
                Range::UnitClosed => (0.0..=1.0).contains(&v),
                Range::UnitExclusive => v > 0.0 && v < 1.0,
                Range::AboveOne => v > 1.0,
                Range::MaxAbs(bound) => v.abs() <= bound,
            }
    }

    /// "a number > 0", as an error message's "expected".
    pub fn describe(self) -> String {
        match self {
            Range::Any => "a finite number".to_string(),
            Range::Positive => "a number > 0".to_string(),
            Range::NonNegative => "a number ≥ 0".to_string(),
            Range::NonPositive => "a number ≤ 0".to_string(),
            Range::UnitOpen => "a number in [0, 1)".to_string(),
            Range::UnitClosed => "a number in [0, 1]".to_string(),
            Range::UnitExclusive => "a number in (0, 1)".to_string(),
            Range::AboveOne => "a number > 1".to_string(),
            Range::MaxAbs(bound) => format!("a number from -{bound:e} to {bound:e}"),
        }
    }
}

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyType {
    /// A number in the range.
    Number(Range),
    /// An integer in `min..=max`.
    Integer {
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
    /// `true` or `false`.
    Bool,
    /// Two numbers, each in the range (betas, a point).
    Pair(Range),
    /// A symmetric 2×2 matrix of finite numbers.
    Matrix,
    /// One of a few names.
    Choice(&'static [&'static str]),
    /// A free text (a formula).
    Text,
    /// A list of points of the plane.
    Points,
    /// An x range and a y range, each `[lo, hi]` with lo < hi.
    Window,
    /// Strictly increasing step counts ≥ 1 (a schedule's milestones).
    Milestones,
}

/// A key's value when the user gives none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    /// A number.
    Number(f64),
    /// An integer.
    Integer(u64),
    /// A boolean.
    Bool(bool),
    /// Two numbers.
    Pair([f64; 2]),
    /// A 2×2 matrix, rows first.
    Matrix([[f64; 2]; 2]),
    /// One of the key's choices.
    Choice(&'static str),
    /// The user must give it.
    Required,
    /// Absent unless given; `meaning` says what absence does ("found numerically").
    Absent {
        /// What absence does.
        meaning: &'static str,
    },
    /// The run's number of steps (a cosine schedule's `t_max`).
    Steps,
}

/// How a legend shows a key's value. Keys the legend does not mention are [`Legend::Changed`]:
/// `name=value` when the value is not the kind's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Legend {
    /// Never in the legend.
    Never,
    /// `name=value` when the value differs from the kind's default.
    Changed,
    /// `symbol=value` when the value differs from the kind's default.
    ChangedAs(&'static str),
    /// `symbol=value` always: the setting that characterises the kind (RMSProp's α).
    Always(&'static str),
    /// `symbol=value` unless the value is 0 (SGD's momentum ρ).
    NonZero(&'static str),
    /// A word for true, another for false, shown when the value differs from the default
    /// ("amsgrad", "no bias correction"); an empty word shows nothing.
    Flag {
        /// Shown when true.
        on: &'static str,
        /// Shown when false.
        off: &'static str,
    },
    /// `prefix value` when the value differs from the default ("line search none").
    Prefixed(&'static str),
}

/// One setting of a kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The key as written in experiment files (torch.optim's names).
    pub name: &'static str,
    /// What it holds, and its range.
    pub ty: KeyType,
    /// Its value when not given.
    pub default: Default,
    /// One line: what the key does, in the lecture's or the paper's symbols.
    pub doc: &'static str,
    /// How a legend shows it.
    pub legend: Legend,
}

impl Key {
    /// A key the user must give.
    pub const fn required(mut self) -> Key {
        self.default = Default::Required;
        self
    }

    /// A number key.
    pub const fn number(name: &'static str, default: f64, range: Range, doc: &'static str) -> Key {
        Key {
            name,
            ty: KeyType::Number(range),
            default: Default::Number(default),
            doc,
            legend: Legend::Changed,
        }
    }

    /// An integer key in `min..=max`.
    pub const fn integer(
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
        doc: &'static str,
    ) -> Key {
        Key {
            name,
            ty: KeyType::Integer { min, max },
            default: Default::Integer(default),
            doc,
            legend: Legend::Changed,
        }
    }

    /// A boolean key.
    pub const fn boolean(name: &'static str, default: bool, doc: &'static str) -> Key {
        Key {
            name,
            ty: KeyType::Bool,
            default: Default::Bool(default),
            doc,
            legend: Legend::Changed,
        }
    }

    /// Two numbers, each in `range`.
    pub const fn pair(
        name: &'static str,
        default: [f64; 2],
        range: Range,
        doc: &'static str,
    ) -> Key {
        Key {
            name,
            ty: KeyType::Pair(range),
            default: Default::Pair(default),
            doc,
            legend: Legend::Changed,
        }
    }

    /// One of `choices`.
    pub const fn choice(
        name: &'static str,
        default: &'static str,
        choices: &'static [&'static str],
        doc: &'static str,
    ) -> Key {
        Key {
            name,
            ty: KeyType::Choice(choices),
            default: Default::Choice(default),
            doc,
            legend: Legend::Changed,
        }
    }

    /// The same key with another default (`momentum` is SGD's key with 0.9).
    pub const fn with_default(mut self, default: Default) -> Key {
        self.default = default;
        self
    }

    /// The same key shown another way in legends.
    pub const fn with_legend(mut self, legend: Legend) -> Key {
        self.legend = legend;
        self
    }

    /// The default as a value, when the key has one.
    pub fn default_value(&self) -> Option<Value> {
        Some(match self.default {
            Default::Number(v) => Value::Number(v),
            Default::Integer(v) => Value::Integer(v),
            Default::Bool(v) => Value::Bool(v),
            Default::Pair(v) => Value::Pair(v),
            Default::Matrix(v) => Value::Matrix(v),
            Default::Choice(v) => Value::Choice(v),
            Default::Required | Default::Absent { .. } | Default::Steps => return None,
        })
    }
}

/// A setting's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number.
    Number(f64),
    /// An integer.
    Integer(u64),
    /// A boolean.
    Bool(bool),
    /// Two numbers.
    Pair([f64; 2]),
    /// A 2×2 matrix, rows first.
    Matrix([[f64; 2]; 2]),
    /// One of the key's choices.
    Choice(&'static str),
    /// A text: a formula.
    Text(String),
    /// Points of the plane.
    Points(Vec<[f64; 2]>),
    /// An x range and a y range.
    Window([[f64; 2]; 2]),
    /// Strictly increasing step counts.
    Milestones(Vec<u64>),
}

impl fmt::Display for Value {
    /// As a person reads it: `0.9`, `(0.9, 0.999)`, `true`, `backtracking`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = crate::number::short;
        match self {
            Value::Number(v) => write!(f, "{}", n(*v)),
            Value::Integer(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Pair([a, b]) => write!(f, "({}, {})", n(*a), n(*b)),
            Value::Matrix(m) => write!(
                f,
                "[[{}, {}], [{}, {}]]",
                n(m[0][0]),
                n(m[0][1]),
                n(m[1][0]),
                n(m[1][1])
            ),
            Value::Choice(v) => write!(f, "{v}"),
            Value::Text(v) => write!(f, "{v}"),
            Value::Points(points) => {
                let shown: Vec<String> = points
                    .iter()
                    .map(|[x, y]| format!("({}, {})", n(*x), n(*y)))
                    .collect();
                write!(f, "{}", shown.join(" "))
            }
            Value::Milestones(steps) => {
                let shown: Vec<String> = steps.iter().map(u64::to_string).collect();
                write!(f, "[{}]", shown.join(", "))
            }
            Value::Window([x, y]) => {
                write!(f, "[{}, {}] × [{}, {}]", n(x[0]), n(x[1]), n(y[0]), n(y[1]))
            }
        }
    }
}

/// The values of a kind's keys: every key with a default is present, given or not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    values: Vec<(&'static str, Value)>,
}

impl Settings {
    /// Every key of `keys` that has a default, at its default.
    pub fn defaults(keys: &[Key]) -> Settings {
        Settings {
            values: keys
                .iter()
                .filter_map(|k| k.default_value().map(|v| (k.name, v)))
                .collect(),
        }
    }

    /// Sets `name` (replacing its value, or adding it).
    pub fn set(&mut self, name: &'static str, value: Value) {
        match self.values.iter_mut().find(|(k, _)| *k == name) {
            Some((_, slot)) => *slot = value,
            None => self.values.push((name, value)),
        }
    }

    /// The value of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Every value, in the order the keys were declared (then the order they were set).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }

    /// The number `name`. Kinds read only keys they declared, and [`Settings::defaults`]
    /// holds all of those, so a missing key is a bug in a declaration: it reads as NaN,
    /// which every run reports as diverged rather than crashing (the registry tests build
    /// every kind from its defaults, so such a bug fails them).
    pub fn number(&self, name: &str) -> f64 {
        match self.get(name) {
            Some(Value::Number(v)) => *v,
            Some(Value::Integer(v)) => *v as f64,
            _ => f64::NAN,
        }
    }

    /// The number `name`, or `absent` when it was not given (a key whose absence means
    /// something: see [`Default::Absent`]).
    pub fn number_or(&self, name: &str, absent: f64) -> f64 {
        match self.get(name) {
            Some(Value::Number(v)) => *v,
            _ => absent,
        }
    }

    /// The integer `name` (0 when absent: see [`Settings::number`]).
    pub fn integer(&self, name: &str) -> u64 {
        match self.get(name) {
            Some(Value::Integer(v)) => *v,
            _ => 0,
        }
    }

    /// The boolean `name` (false when absent).
    pub fn boolean(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Bool(true)))
    }

    /// The pair `name` (NaNs when absent).
    pub fn pair(&self, name: &str) -> [f64; 2] {
        match self.get(name) {
            Some(Value::Pair(v)) => *v,
            _ => [f64::NAN; 2],
        }
    }

    /// The matrix `name` (NaNs when absent).
    pub fn matrix(&self, name: &str) -> [[f64; 2]; 2] {
        match self.get(name) {
            Some(Value::Matrix(v)) => *v,
            _ => [[f64::NAN; 2]; 2],
        }
    }

    /// The choice `name` (empty when absent).
    pub fn choice(&self, name: &str) -> &str {
        match self.get(name) {
            Some(Value::Choice(v)) => v,
            _ => "",
        }
    }

    /// The text `name` (empty when absent).
    pub fn text(&self, name: &str) -> &str {
        match self.get(name) {
            Some(Value::Text(v)) => v,
            _ => "",
        }
    }

    /// The points `name`, when given.
    pub fn points(&self, name: &str) -> Option<&[[f64; 2]]> {
        match self.get(name) {
            Some(Value::Points(v)) => Some(v),
            _ => None,
        }
    }

    /// The milestones `name` (none when absent).
    pub fn milestones(&self, name: &str) -> &[u64] {
        match self.get(name) {
            Some(Value::Milestones(v)) => v,
            _ => &[],
        }
    }

    /// The window `name`, when given.
    pub fn window(&self, name: &str) -> Option<[[f64; 2]; 2]> {
        match self.get(name) {
            Some(Value::Window(v)) => Some(*v),
            _ => None,
        }
    }

    /// The legend's words for these settings of a kind with `keys`: "ρ=0.9, wd=0.01".
    pub fn legend(&self, keys: &[Key]) -> Vec<String> {
        let mut parts = Vec::new();
        for key in keys {
            let Some(value) = self.get(key.name) else {
                continue;
            };
            let changed = key.default_value().as_ref() != Some(value);
            let shown = match key.legend {
                Legend::Never => None,
                Legend::Changed => changed.then(|| format!("{}={value}", key.name)),
                Legend::ChangedAs(symbol) => changed.then(|| format!("{symbol}={value}")),
                Legend::Always(symbol) => Some(format!("{symbol}={value}")),
                Legend::NonZero(symbol) => {
                    (*value != Value::Number(0.0)).then(|| format!("{symbol}={value}"))
                }
                Legend::Flag { on, off } => match value {
                    Value::Bool(true) if changed => Some(on.to_string()),
                    Value::Bool(false) if changed => Some(off.to_string()),
                    _ => None,
                },
                Legend::Prefixed(prefix) => changed.then(|| format!("{prefix} {value}")),
            };
            parts.extend(shown.filter(|s| !s.is_empty()));
        }
        parts
    }
}

/// What every kind declaration offers: its name and its keys.
pub trait Kind: fmt::Debug + Sync + 'static {
    /// The name in experiment files.
    fn name(&self) -> &'static str;
    /// Its keys, besides `kind`.
    fn keys(&self) -> &'static [Key];
}

/// A kind with the values of its keys: what one table of an experiment file says.
#[derive(Clone)]
pub struct Configured<K: Kind> {
    /// The kind's declaration.
    pub kind: &'static K,
    /// The values of its keys.
    pub settings: Settings,
}

impl<K: Kind> Configured<K> {
    /// The kind with every key at its default.
    pub fn defaults(kind: &'static K) -> Self {
        Configured {
            kind,
            settings: Settings::defaults(kind.keys()),
        }
    }

    /// The kind's name.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The legend's words for these settings ("ρ=0.9, wd=0.01").
    pub fn legend(&self) -> Vec<String> {
        self.settings.legend(self.kind.keys())
    }
}

impl<K: Kind> PartialEq for Configured<K> {
    fn eq(&self, other: &Self) -> bool {
        self.kind.name() == other.kind.name() && self.settings == other.settings
    }
}

impl<K: Kind> fmt::Debug for Configured<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Configured")
            .field("kind", &self.kind.name())
            .field("settings", &self.settings)
            .finish()
    }
}

/// A rule between keys that a single key's range cannot say ("nesterov needs momentum > 0").
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The key to blame.
    pub key: &'static str,
    /// Keys just as much to blame: when `key` was not written (it took its default), the
    /// first of these that was is named instead.
    pub also: &'static [&'static str],
    /// Where to point when none of the blamed keys was written (their defaults broke the
    /// rule): the first of these that was. `key` is still the one named.
    pub point_at: &'static [&'static str],
    /// What the rule wants, as an error message's "expected".
    pub expected: String,
    /// What was found; `None`: the blamed keys' values, each marked when it is a default.
    pub found: Option<String>,
    /// Why the rule exists, where that helps.
    pub note: Option<std::borrow::Cow<'static, str>>,
    /// Where in the key's text the mistake is (a character offset into a formula).
    pub at: Option<u32>,
}

/// A cross-key check that finds nothing wrong.
pub fn no_check(_: &Settings) -> Result<(), Box<Invalid>> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [Key; 3] = [
        Key::number("momentum", 0.0, Range::UnitOpen, "ρ").with_legend(Legend::NonZero("ρ")),
        Key::boolean("amsgrad", false, "max of v").with_legend(Legend::Flag {
            on: "amsgrad",
            off: "",
        }),
        Key::pair("betas", [0.9, 0.999], Range::UnitOpen, "β").with_legend(Legend::Always("β")),
    ];

    #[test]
    fn defaults_hold_every_key_and_legends_show_what_the_keys_ask() {
        let mut s = Settings::defaults(&KEYS);
        assert_eq!(s.number("momentum"), 0.0);
        assert_eq!(s.legend(&KEYS), ["β=(0.9, 0.999)"]);
        s.set("momentum", Value::Number(0.9));
        s.set("amsgrad", Value::Bool(true));
        assert_eq!(s.legend(&KEYS), ["ρ=0.9", "amsgrad", "β=(0.9, 0.999)"]);
    }

    #[test]
    fn a_key_never_declared_reads_as_nan_not_a_panic() {
        let s = Settings::defaults(&KEYS);
        assert!(s.number("rho").is_nan());
    }

    #[test]
    fn ranges_describe_what_they_hold() {
        assert!(Range::UnitOpen.holds(0.0) && !Range::UnitOpen.holds(1.0));
        assert!(Range::NonPositive.holds(-0.8) && !Range::NonPositive.holds(0.1));
        assert!(!Range::Any.holds(f64::NAN));
        assert_eq!(Range::AboveOne.describe(), "a number > 1");
    }
}
