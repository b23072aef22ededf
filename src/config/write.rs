//! Experiments written back as TOML: `init`'s starter files and `play`'s export write values by
//! these rules, so both read back as exactly what was meant.

use crate::core::spec::{Configured, Kind, Value};
use crate::number::toml_float;

/// A value as TOML that reads back as exactly this value (every float in its shortest
/// round-trip form).
pub fn value(v: &Value) -> String {
    let pair = |[a, b]: [f64; 2]| format!("[{}, {}]", toml_float(a), toml_float(b));
    match v {
        Value::Number(x) => toml_float(*x),
        Value::Integer(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Pair(p) => pair(*p),
        Value::Matrix([r0, r1]) => format!("[{}, {}]", pair(*r0), pair(*r1)),
        Value::Choice(s) => string(s),
        Value::Text(s) => string(s),
        Value::Points(points) => {
            let items: Vec<String> = points.iter().map(|p| pair(*p)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Window([x, y]) => format!("[{}, {}]", pair(*x), pair(*y)),
        Value::Milestones(steps) => {
            let items: Vec<String> = steps.iter().map(u64::to_string).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A point as a TOML array.
pub fn point(p: [f64; 2]) -> String {
    value(&Value::Pair(p))
}

/// A TOML string, quoted and escaped.
pub fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `key = value` for every setting of `configured`, in the kind's order.
pub fn settings_lines<K: Kind>(configured: &Configured<K>) -> Vec<(&'static str, String)> {
    configured
        .settings
        .iter()
        .map(|(key, v)| (key, value(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_toml() {
        let cases = [
            Value::Number(0.1 + 0.2),
            Value::Number(1.0),
            Value::Integer(7),
            Value::Bool(false),
            Value::Pair([0.9, 0.999]),
            Value::Matrix([[1.0, 0.5], [0.5, 20.0]]),
            Value::Choice("strong_wolfe"),
            Value::Text("x^2 + \"y\"\\".into()),
            Value::Points(vec![[0.0, 0.7071], [0.0, -0.7071]]),
            Value::Milestones(vec![100, 150]),
        ];
        for v in cases {
            let text = format!("k = {}", value(&v));
            let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            let back = &table["k"];
            match &v {
                Value::Number(x) => assert_eq!(back.as_float(), Some(*x), "{text}"),
                Value::Text(s) => assert_eq!(back.as_str(), Some(s.as_str()), "{text}"),
                _ => assert!(!back.to_string().is_empty()),
            }
        }
    }
}
