//! Experiments written back as TOML: `init`'s starter files and `play`'s export write values by
//! these rules, so both read back as exactly what was meant.

use crate::core::spec::{Configured, Kind, Value};
use crate::number::toml_float;

use super::{Experiment, OutputSettings, Problem, XAxis};

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

/// The experiment as the text of an experiment file that `optplay run` reads back as the
/// same experiment. It has no `name`: the file's stem names the outputs.
pub fn experiment(e: &Experiment, comment: &str) -> String {
    let n = toml_float;
    let Problem::Surface(problem) = &e.problem;
    let mut out = vec![
        format!("# {comment}"),
        format!("# {}", problem.function.formula()),
        String::new(),
        format!("steps = {}", e.steps),
        format!("seed = {}", e.seed),
        format!("start = {}", point(problem.start)),
    ];
    if let Some(t) = e.tolerance {
        out.push(format!("tolerance = {}", n(t)));
    }
    out.push(String::new());
    out.push("[surface]".into());
    out.push(format!("kind = {}", string(problem.kind())));
    out.extend(
        settings_lines(&problem.surface)
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}")),
    );
    if let Some(std) = e.noise {
        out.push(String::new());
        out.push("[noise]".into());
        out.push(format!("std = {}", n(std)));
    }
    out.push(String::new());
    out.push("[plot]".into());
    let view = &problem.view;
    out.push(format!("x = {}", point(view.window.x)));
    out.push(format!("y = {}", point(view.window.y)));
    out.push(format!("levels = {}", view.levels));
    if let Some(log) = view.log_levels {
        out.push(format!("log_levels = {log}"));
    }
    if view.grid != super::surface::DEFAULT_GRID {
        out.push(format!("grid = {}", view.grid));
    }
    out.push(format!("width = {}", e.plot.width));
    out.push(format!("height = {}", e.plot.height));
    if e.plot.scale != 1.0 {
        out.push(format!("scale = {}", n(e.plot.scale)));
    }
    let formats: Vec<String> = e.plot.formats.iter().map(|f| string(f)).collect();
    out.push(format!("formats = [{}]", formats.join(", ")));
    if e.plot.x_axis == XAxis::Evaluations {
        out.push("x_axis = \"evaluations\"".into());
    }
    if let Some(weight) = e.plot.smooth {
        out.push(format!("smooth = {}", n(weight)));
    }
    if e.plot.log_x {
        out.push("log_x = true".into());
    }
    if e.output != OutputSettings::default() {
        out.push(String::new());
        out.push("[output]".into());
        out.push(format!("csv_every = {}", e.output.csv_every));
    }
    for r in &e.runs {
        out.push(String::new());
        out.push("[[optimizer]]".into());
        out.push(format!("kind = {}", string(r.kind())));
        out.push(format!("label = {}", string(&r.label)));
        out.push(format!("lr = {}", n(r.lr)));
        out.extend(
            settings_lines(&r.optimizer)
                .into_iter()
                .map(|(k, v)| format!("{k} = {v}")),
        );
        if r.schedule.name() != crate::core::schedule::CONSTANT.name {
            let mut fields = vec![format!("kind = {}", string(r.schedule.name()))];
            fields.extend(
                settings_lines(&r.schedule)
                    .into_iter()
                    .map(|(k, v)| format!("{k} = {v}")),
            );
            out.push(format!("schedule = {{ {} }}", fields.join(", ")));
        }
        if let Some(std) = r.noise {
            out.push(format!("noise = {}", n(std)));
        }
    }
    out.push(String::new());
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_experiment_written_out_reads_back_the_same() {
        let source = "steps = 50\nstart = [0.1, 0.2]\n[surface]\nkind = \"bowl\"\nlocal = 1.5\n\
                      [noise]\nstd = 0.3\n[plot]\nlevels = 12\ngrid = 64\nsmooth = 0.6\nlog_x = true\n\
                      [[optimizer]]\nkind = \"adam\"\nlr = 0.07\nbetas = [0.8, 0.9]\n\
                      schedule = { kind = \"multistep\", milestones = [10, 20] }\n\
                      [[optimizer]]\nkind = \"lbfgs\"\nline_search = \"none\"\nnoise = 0\n";
        let path = std::path::Path::new("e.toml");
        let first = super::super::parse(source, path).unwrap();
        let text = experiment(&first, "test");
        let second = super::super::parse(&text, path).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(first, second, "{text}");
    }

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
            Value::Points(vec![[0.0, 0.25], [0.5, -1.5]]),
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
