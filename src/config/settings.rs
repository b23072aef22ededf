//! Reading a kind's keys out of a table, as the kind declares them (see [`crate::core::spec`]).
//!
//! One reader serves every optimizer, surface and schedule kind: each key is read by its
//! declared type and range, a missing required key is reported at the table, and the kind's
//! rules between keys are reported at the key they blame.

use toml::de::DeValue;

use crate::core::spec::{Default, Invalid, Key, KeyType, Range, Settings, Value};

use super::error::ErrorKind;
use super::reader::{Cx, Table, Value as Toml, join};

/// Reads every key of `keys` that `table` holds into `settings` (which holds the defaults),
/// and reports each required key it lacks. Every mistake is recorded in `cx`; what comes back
/// is the keys that were wrong (empty when all is well), so that the kind's rules between
/// keys can still be checked over the others in the same pass.
pub(crate) fn read_keys(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    keys: &[Key],
    settings: &mut Settings,
) -> Vec<&'static str> {
    let mut failed = Vec::new();
    for key in keys {
        let Some(v) = cx.get(table, key.name) else {
            if key.default == Default::Required {
                cx.require(table, key.name, &expected(key));
                failed.push(key.name);
            }
            continue;
        };
        match read_value(cx, v, &join(table.path, key.name), key) {
            Some(value) => settings.set(key.name, value),
            None => failed.push(key.name),
        }
    }
    failed
}

/// Whether a rule between keys can be trusted when some keys were wrong: none of the keys it
/// involves was (a wrong key holds its default, which may break a rule the user did not).
pub(crate) fn judged_on_good_keys(invalid: &Invalid, failed: &[&str]) -> bool {
    std::iter::once(invalid.key)
        .chain(invalid.also.iter().copied())
        .chain(invalid.point_at.iter().copied())
        .all(|key| !failed.contains(&key))
}

/// What a key takes, as an error message's "expected": "a number in [0, 1)".
pub(crate) fn expected(key: &Key) -> String {
    match key.ty {
        KeyType::Number(range) => range.describe(),
        KeyType::Integer { min, max } if max == u64::MAX => format!("an integer ≥ {min}"),
        KeyType::Integer { min, max } => format!("an integer from {min} to {max}"),
        KeyType::Bool => "`true` or `false`".to_string(),
        KeyType::Pair(range) => format!("an array of two numbers, each {}", range.describe()),
        KeyType::Matrix => {
            "a symmetric 2x2 matrix of finite numbers, e.g. [[1, 0], [0, 20]]".into()
        }
        KeyType::Choice(choices) => format!("one of: {}", choices.join(", ")),
        KeyType::Text => "a non-empty string".to_string(),
        KeyType::Points => "an array of points, e.g. [[0.0, 0.7], [0.0, -0.7]]".to_string(),
        KeyType::Window => "[[x_min, x_max], [y_min, y_max]] with min < max".to_string(),
        KeyType::Milestones => {
            "a non-empty array of strictly increasing integers ≥ 1, e.g. [100, 150]".to_string()
        }
    }
}

/// One value of `key`'s type, or `None` with the error recorded.
fn read_value(cx: &mut Cx<'_>, v: &Toml<'_>, path: &str, key: &Key) -> Option<Value> {
    Some(match key.ty {
        KeyType::Number(range) => Value::Number(cx.number(v, path, range)?),
        KeyType::Integer { min, max } => Value::Integer(cx.integer(v, path, min, max)?),
        KeyType::Bool => Value::Bool(cx.boolean(v, path)?),
        KeyType::Pair(range) => Value::Pair(cx.pair(v, path, range)?),
        KeyType::Matrix => Value::Matrix(symmetric_matrix(cx, v, path)?),
        KeyType::Choice(choices) => {
            Value::Choice(cx.name(v, path, &key.name.replace('_', " "), choices)?)
        }
        KeyType::Text => {
            let text = cx.string(v, path, "a non-empty string")?;
            if text.trim().is_empty() {
                cx.invalid(v, path, "a non-empty string");
                return None;
            }
            Value::Text(text.to_string())
        }
        KeyType::Points => {
            let items = cx.array(v, path, &expected(key))?;
            let mut points = Vec::with_capacity(items.len());
            for item in items {
                points.push(cx.pair(item, path, Range::Any)?);
            }
            Value::Points(points)
        }
        KeyType::Window => {
            let items = cx.array(v, path, &expected(key))?;
            let [x, y] = items else {
                cx.invalid(v, path, expected(key));
                return None;
            };
            let (x, y) = (range(cx, x, path)?, range(cx, y, path)?);
            Value::Window([x, y])
        }
        KeyType::Milestones => Value::Milestones(milestones(cx, v, path)?),
    })
}

/// `[lo, hi]` with lo < hi.
pub(crate) fn range(cx: &mut Cx<'_>, v: &Toml<'_>, path: &str) -> Option<[f64; 2]> {
    match cx.pair(v, path, Range::Any)? {
        [lo, hi] if lo < hi => Some([lo, hi]),
        _ => {
            cx.invalid(v, path, "[min, max] with min < max");
            None
        }
    }
}

/// A finite, symmetric 2x2 matrix: `[[a, b], [b, d]]`.
fn symmetric_matrix(cx: &mut Cx<'_>, v: &Toml<'_>, key: &str) -> Option<[[f64; 2]; 2]> {
    let expected = "a symmetric 2x2 matrix of finite numbers, e.g. [[1, 0], [0, 20]]";
    let rows = cx.array(v, key, expected)?;
    let [r0, r1] = rows else {
        cx.invalid(v, key, expected);
        return None;
    };
    let m0 = cx.pair(r0, key, Range::Any);
    let m1 = cx.pair(r1, key, Range::Any);
    let m = [m0?, m1?];
    if m[0][1] != m[1][0] {
        let found = format!(
            "{} (A[0][1] = {} but A[1][0] = {})",
            cx.show(v, true),
            m[0][1],
            m[1][0]
        );
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                v.span(),
                format!("invalid value for `{key}`"),
            )
            .key(key)
            .expected(expected)
            .found(found);
        cx.push(e);
        return None;
    }
    Some(m)
}

/// A non-empty, strictly increasing array of positive step counts.
fn milestones(cx: &mut Cx<'_>, v: &Toml<'_>, key: &str) -> Option<Vec<u64>> {
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

/// Records a kind's rule between keys (see [`Invalid`]) at the key it blames, or where the
/// user wrote something that led to it. `keys` are the kind's, `settings` the values checked.
pub(crate) fn report_invalid(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    keys: &[Key],
    settings: &Settings,
    invalid: Invalid,
) {
    let blamed = std::iter::once(invalid.key).chain(invalid.also.iter().copied());
    let written = blamed
        .clone()
        .find_map(|k| cx.get(table, k).map(|v| (k, v)));
    let (key, value) = match written {
        Some((k, v)) => (k, Some(v)),
        None => (
            invalid.key,
            invalid.point_at.iter().find_map(|k| cx.get(table, k)),
        ),
    };
    let span = match (invalid.at, written) {
        // A mistake inside a formula: point at its character, when the string is written
        // plainly (no escapes), so character offsets in the text are offsets in the source.
        (Some(at), Some((_, v))) => text_position(cx, v, at as usize).unwrap_or(v.span()),
        _ => value.map_or(table.span(), |v| v.span()),
    };
    let found = invalid.found.unwrap_or_else(|| {
        let involved: Vec<&str> = blamed.collect();
        keys.iter()
            .filter(|k| involved.contains(&k.name))
            .filter_map(|k| {
                let v = settings.get(k.name)?;
                let default = if cx.get(table, k.name).is_some() {
                    ""
                } else {
                    " (default)"
                };
                Some(format!("{} = {v}{default}", k.name))
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    let path = join(table.path, key);
    let mut e = cx
        .error(
            ErrorKind::InvalidValue,
            span,
            format!("invalid value for `{path}`"),
        )
        .key(path)
        .expected(invalid.expected)
        .found(found);
    if let Some(note) = invalid.note {
        e = e.note(note);
    }
    cx.push(e);
}

/// The source span of the `at`-th character of a string value, when the value's source is
/// the string as written between its quotes.
fn text_position(cx: &Cx<'_>, v: &Toml<'_>, at: usize) -> Option<std::ops::Range<usize>> {
    let DeValue::String(text) = v.get_ref() else {
        return None;
    };
    let raw = cx.text(v.span());
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = raw.strip_prefix(quote)?;
    if !inner.starts_with(text.as_ref()) {
        return None;
    }
    let offset: usize = text.chars().take(at).map(char::len_utf8).sum();
    let width = text[offset..].chars().next().map_or(1, char::len_utf8);
    let start = v.span().start + quote.len_utf8() + offset;
    Some(start..start + width)
}
