//! Reading typed values out of toml's spanned tree, recording an error for every bad one.
//!
//! Every getter returns `None` after recording an error, so one pass finds every mistake in a
//! file; the caller reports them in source order.

use std::ops::Range as Span;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, ErrorKind};
use crate::core::spec::Range;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// The source, the file it came from, and the errors found so far.
pub(crate) struct Cx<'s> {
    pub src: &'s str,
    pub file: &'s Path,
    pub errors: Vec<ConfigError>,
}

/// A table with its span and its dotted path (empty for the document root).
#[derive(Clone, Copy)]
pub(crate) struct Table<'a, 'i> {
    pub map: &'a DeTable<'i>,
    /// Start and end of the table's header (or inline table, or dotted key) in the source.
    pub bounds: (usize, usize),
    pub path: &'a str,
}

impl Table<'_, '_> {
    pub fn span(&self) -> Span<usize> {
        self.bounds.0..self.bounds.1
    }
}

/// "a string", "an integer", ... for a value's TOML type.
pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// "an optimizer kind", "a surface kind".
fn with_article(what: &str) -> String {
    let vowel = what.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {what}", if vowel { "an" } else { "a" })
}

/// The key path of `key` inside the table at `path`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A decimal or radix integer as f64 (TOML integers may be written where floats go).
fn integer_as_f64(i: &toml::de::DeInteger<'_>) -> Option<f64> {
    if i.radix() == 10 {
        i.as_str().parse::<f64>().ok()
    } else {
        u128::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|v| v as f64)
    }
}

impl<'s> Cx<'s> {
    /// The source text of a span (empty if the span is not in the source).
    pub fn text(&self, span: Span<usize>) -> &'s str {
        self.src.get(span).unwrap_or("")
    }

    /// How to show a value in "found ...": its text when short, with its type unless `bare`.
    pub fn show(&self, v: &Value<'_>, bare: bool) -> String {
        let text = self.text(v.span());
        let short = !text.contains('\n') && text.chars().count() <= 40 && !text.is_empty();
        match (short, bare) {
            (true, true) => text.to_string(),
            (true, false) => format!("{text} ({})", type_name(v.get_ref())),
            (false, _) => type_name(v.get_ref()).to_string(),
        }
    }

    pub fn push(&mut self, e: ConfigError) {
        self.errors.push(e);
    }

    /// A new error at `span`.
    pub fn error(&self, kind: ErrorKind, span: Span<usize>, headline: String) -> ConfigError {
        ConfigError::at(kind, self.file, self.src, span, headline)
    }

    /// Records "invalid value for `key`: expected .., found ..".
    pub fn invalid(&mut self, v: &Value<'_>, key: &str, expected: impl Into<String>) {
        let found = self.show(v, true);
        let e = self
            .error(
                ErrorKind::InvalidValue,
                v.span(),
                format!("invalid value for `{key}`"),
            )
            .key(key)
            .expected(expected)
            .found(found);
        self.push(e);
    }

    /// Records "wrong type for `key`".
    pub fn wrong_type(&mut self, v: &Value<'_>, key: &str, expected: impl Into<String>) {
        let found = self.show(v, false);
        let mut e = self
            .error(
                ErrorKind::WrongType,
                v.span(),
                format!("wrong type for `{key}`"),
            )
            .key(key)
            .expected(expected)
            .found(found);
        if matches!(v.get_ref(), DeValue::String(_)) {
            e = e.note("numbers, booleans and arrays are written without quotes");
        }
        self.push(e);
    }

    /// Records an error for every key of `table` not in `allowed`, with the closest valid one.
    /// `what` names the table for the message ("`[plot]`", "an `sgd` optimizer").
    pub fn check_keys(
        &mut self,
        table: Table<'_, '_>,
        allowed: &[&str],
        what: &str,
        hint: impl Fn(&str) -> Option<String>,
    ) {
        for (key, _) in table.map.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let path = join(table.path, name);
            let mut e = self
                .error(
                    ErrorKind::UnknownKey,
                    key.span(),
                    format!("unknown key `{path}`"),
                )
                .key(path)
                .expected(format!("one of the keys of {what}"))
                .found(format!("`{name}`"))
                .choices(name, allowed);
            if let Some(h) = hint(name) {
                e = e.note(h);
            }
            self.push(e);
        }
    }

    /// A value of `table`, or `None` (no error: the key is optional).
    pub fn get<'a, 'i>(&self, table: Table<'a, 'i>, key: &str) -> Option<&'a Value<'i>> {
        table.map.get(key)
    }

    /// The value at `keys` below `table` (tables inside tables), or `None`, recording nothing:
    /// where to point an error about a value that was read before.
    pub fn get_path<'a, 'i>(&self, table: Table<'a, 'i>, keys: &[&str]) -> Option<&'a Value<'i>> {
        let (last, parents) = keys.split_last()?;
        let mut map = table.map;
        for key in parents {
            match map.get(*key)?.get_ref() {
                DeValue::Table(inner) => map = inner,
                _ => return None,
            }
        }
        map.get(*last)
    }

    /// A required value of `table`; records "missing key" at the table when absent.
    pub fn require<'a, 'i>(
        &mut self,
        table: Table<'a, 'i>,
        key: &str,
        expected: &str,
    ) -> Option<&'a Value<'i>> {
        let v = table.map.get(key);
        if v.is_none() {
            let path = join(table.path, key);
            let e = self
                .error(
                    ErrorKind::Missing,
                    table.span(),
                    format!("missing key `{path}`"),
                )
                .key(path)
                .expected(format!("`{key}` = {expected}"));
            self.push(e);
        }
        v
    }

    /// A sub-table (header, dotted or inline).
    pub fn table<'a, 'i>(&mut self, v: &'a Value<'i>, path: &'a str) -> Option<Table<'a, 'i>> {
        match v.get_ref() {
            DeValue::Table(map) => Some(Table {
                map,
                bounds: (v.span().start, v.span().end),
                path,
            }),
            _ => {
                self.wrong_type(v, path, "a table");
                None
            }
        }
    }

    /// A number (integers accepted) obeying `rule`.
    pub fn number(&mut self, v: &Value<'_>, key: &str, rule: Range) -> Option<f64> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => integer_as_f64(i),
            DeValue::Float(f) => parse_float(f.as_str()),
            _ => {
                self.wrong_type(v, key, rule.describe());
                return None;
            }
        };
        match parsed {
            Some(x) if rule.holds(x) => Some(x),
            Some(x) if !x.is_finite() => {
                let found = self.show(v, true);
                let e = self
                    .error(
                        ErrorKind::InvalidValue,
                        v.span(),
                        format!("invalid value for `{key}`"),
                    )
                    .key(key)
                    .expected(rule.describe())
                    .found(found)
                    .note("TOML's `inf` and `nan` are not allowed: every number must be finite");
                self.push(e);
                None
            }
            _ => {
                self.invalid(v, key, rule.describe());
                None
            }
        }
    }

    /// A non-negative integer in `lo..=hi` (floats are refused, even `100.0`).
    pub fn integer(&mut self, v: &Value<'_>, key: &str, lo: u64, hi: u64) -> Option<u64> {
        let expected = if hi == u64::MAX {
            format!("an integer ≥ {lo}")
        } else {
            format!("an integer from {lo} to {hi}")
        };
        let DeValue::Integer(i) = v.get_ref() else {
            self.wrong_type(v, key, expected);
            return None;
        };
        match u64::from_str_radix(i.as_str().trim_start_matches('+'), i.radix()) {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                self.invalid(v, key, expected);
                None
            }
        }
    }

    pub fn boolean(&mut self, v: &Value<'_>, key: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(v, key, "`true` or `false`");
                None
            }
        }
    }

    pub fn string<'a>(&mut self, v: &'a Value<'_>, key: &str, expected: &str) -> Option<&'a str> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.wrong_type(v, key, expected);
                None
            }
        }
    }

    /// A string naming one of `choices`; unknown names get the list and the closest one.
    pub fn name(
        &mut self,
        v: &Value<'_>,
        key: &str,
        what: &str,
        choices: &[&'static str],
    ) -> Option<&'static str> {
        let expected = format!("{}, one of: {}", with_article(what), choices.join(", "));
        let s = self.string(v, key, &expected)?;
        if let Some(c) = choices.iter().find(|c| **c == s) {
            return Some(c);
        }
        let found = self.show(v, true);
        let e = self
            .error(
                ErrorKind::UnknownName,
                v.span(),
                format!("unknown {what} for `{key}`"),
            )
            .key(key)
            .expected(with_article(what))
            .found(found)
            .choices(s, choices);
        self.push(e);
        None
    }

    /// An array of `Value`s.
    pub fn array<'a, 'i>(
        &mut self,
        v: &'a Value<'i>,
        key: &str,
        expected: &str,
    ) -> Option<&'a [Value<'i>]> {
        match v.get_ref() {
            DeValue::Array(a) => Some(a),
            _ => {
                self.wrong_type(v, key, expected);
                None
            }
        }
    }

    /// Exactly two numbers, each obeying `rule`: a point, a range, betas.
    pub fn pair(&mut self, v: &Value<'_>, key: &str, rule: Range) -> Option<[f64; 2]> {
        let expected = format!("an array of two numbers, each {}", rule.describe());
        let items = self.array(v, key, &expected)?;
        let [a, b] = items else {
            let found = format!("{} ({} items)", self.show(v, true), items.len());
            let e = self
                .error(
                    ErrorKind::InvalidValue,
                    v.span(),
                    format!("invalid value for `{key}`"),
                )
                .key(key)
                .expected(expected)
                .found(found);
            self.push(e);
            return None;
        };
        let a = self.number(a, key, rule);
        let b = self.number(b, key, rule);
        Some([a?, b?])
    }
}

/// TOML float text to f64; `inf`/`nan` come through (and are refused by the rules).
fn parse_float(text: &str) -> Option<f64> {
    let unsigned = text.trim_start_matches(['+', '-']);
    let negative = text.starts_with('-');
    match unsigned {
        "inf" => Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        "nan" => Some(f64::NAN),
        _ => text.parse::<f64>().ok(),
    }
}
