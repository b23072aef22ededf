//! Experiments written back as TOML: `init`'s starter files and `play`'s export write values by
//! these rules, so both read back as exactly what was meant.

use crate::core::spec::{Configured, Kind, Value};
use crate::number::toml_float;

use crate::core::network::data::{Augment, Classes};
use crate::core::network::model::Init;

use super::transfer::Source;
use super::{
    DataSource, Experiment, NetworkProblem, OutputSettings, Problem, RunOverrides, SurfaceProblem,
    XAxis,
};

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
    let mut out = vec![format!("# {comment}")];
    match &e.problem {
        Problem::Surface(problem) => surface_lines(e, problem, &mut out),
        Problem::Network(problem) => network_lines(e, problem, &mut out),
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
        override_lines(&r.network, &mut out);
        super::ensemble::lines(&r.ensemble, &mut out);
    }
    out.push(String::new());
    out.join("\n")
}

/// A surface experiment's head: the formula, steps, seed, start, `[surface]`, `[noise]` and
/// `[plot]`'s 2-D keys (the shared `[plot]` keys follow).
fn surface_lines(e: &Experiment, problem: &SurfaceProblem, out: &mut Vec<String>) {
    let n = toml_float;
    out.extend([
        format!("# {}", problem.function.formula()),
        String::new(),
        format!("steps = {}", e.steps),
        format!("seed = {}", e.seed),
        format!("start = {}", point(problem.start)),
    ]);
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
}

/// A network experiment's head: steps, seed, `record_every`, `[data]`, `[model]` and the
/// `[plot]` header.
fn network_lines(e: &Experiment, problem: &NetworkProblem, out: &mut Vec<String>) {
    let n = toml_float;
    out.extend([
        String::new(),
        format!("steps = {}", e.steps),
        format!("seed = {}", e.seed),
        format!("record_every = {}", problem.record_every),
        String::new(),
        "[data]".into(),
    ]);
    let data = &problem.data;
    match &data.source {
        DataSource::Generated(spec) => {
            out.push(format!("kind = {}", string(spec.kind.name)));
            out.push(format!("points = {}", spec.points));
            if matches!(spec.kind.classes, Classes::Free { .. }) {
                out.push(format!("classes = {}", spec.classes));
            }
            if spec.kind.noise_range.1 > 0.0 {
                out.push(format!("noise = {}", n(spec.noise)));
            }
        }
        DataSource::Csv(path) => {
            out.push("kind = \"csv\"".into());
            out.push(format!("path = {}", string(&path.to_string_lossy())));
        }
    }
    out.push(format!("validation = {}", n(data.validation)));
    out.push(format!("batch = {}", data.batch));
    if let Some(labels) = &data.labels {
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        out.push(format!("labels = [{}]", labels.join(", ")));
    }
    if let Some(n) = data.train_points {
        out.push(format!("train_points = {n}"));
    }
    if !data.augment.is_identity() {
        out.push(format!(
            "augment = {}",
            augment(&data.augment, problem.train.image.is_some())
        ));
    }
    out.push(String::new());
    out.push("[model]".into());
    let model = &problem.model;
    let widths: Vec<String> = model.hidden.iter().map(|w| w.to_string()).collect();
    out.push(format!("hidden = [{}]", widths.join(", ")));
    out.push(format!("activation = {}", string(model.activation.name())));
    match model.init {
        Init::He => out.push("init = \"he\"".into()),
        Init::Xavier => out.push("init = \"xavier\"".into()),
        Init::Normal { std } => {
            out.push("init = \"normal\"".into());
            out.push(format!("init_std = {}", n(std)));
        }
    }
    let r = &model.regularisation;
    out.push(format!("l2 = {}", n(r.l2)));
    out.push(format!("l1 = {}", n(r.l1)));
    out.push(format!("dropout = {}", n(r.dropout)));
    if !r.inverted_dropout {
        out.push("inverted_dropout = false".into());
    }
    out.push(format!("dropconnect = {}", n(r.dropconnect)));
    out.push(format!("batch_norm = {}", model.batch_norm));
    if let Some(path) = &model.init_from {
        out.push(format!("init_from = {}", string(&path.to_string_lossy())));
    }
    if let Some(transfer) = &problem.transfer {
        out.push(String::new());
        out.push("[transfer]".into());
        out.push(format!(
            "from = {}",
            string(&transfer.from.to_string_lossy())
        ));
        if let Source::Experiment {
            experiment, run, ..
        } = &transfer.source
            && let Some(r) = experiment.runs.get(*run)
        {
            out.push(format!("run = {}", string(&r.label)));
        }
        let reinit = if transfer.keep_head { "none" } else { "head" };
        out.push(format!("reinit = {}", string(reinit)));
        out.push(format!("train = {}", string(transfer.train.name())));
    }
    out.push(String::new());
    out.push("[plot]".into());
}

/// `augment = { ... }` as an inline table.
fn augment(a: &Augment, images: bool) -> String {
    if images {
        return format!("{{ shift = {} }}", a.shift);
    }
    format!(
        "{{ jitter = {}, rotate = {}, flip = {} }}",
        toml_float(a.jitter),
        toml_float(a.rotate),
        a.flip
    )
}

/// A network run's own regularisation, batch and augmentation.
fn override_lines(o: &RunOverrides, out: &mut Vec<String>) {
    let numbers = [
        ("dropout", o.dropout),
        ("dropconnect", o.dropconnect),
        ("l1", o.l1),
        ("l2", o.l2),
    ];
    for (key, value) in numbers {
        if let Some(v) = value {
            out.push(format!("{key} = {}", toml_float(v)));
        }
    }
    if let Some(inverted) = o.inverted_dropout {
        out.push(format!("inverted_dropout = {inverted}"));
    }
    if let Some(bn) = o.batch_norm {
        out.push(format!("batch_norm = {bn}"));
    }
    if let Some(batch) = o.batch {
        out.push(format!("batch = {batch}"));
    }
    if let Some(n) = o.train_points {
        out.push(format!("train_points = {n}"));
    }
    if let Some(mode) = o.transfer {
        out.push(format!("transfer = {}", string(mode.name())));
    }
    if let Some(a) = o.augment {
        // Written for points; an image run's augment holds only a shift.
        let images = a.jitter == 0.0 && a.rotate == 0.0 && !a.flip && a.shift > 0;
        out.push(format!("augment = {}", augment(&a, images)));
    }
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
    fn a_transfer_experiment_written_out_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.toml");
        std::fs::write(
            &source,
            "[data]\nkind = \"spiral\"\nclasses = 4\nlabels = [0, 1]\n[model]\nhidden = [8]\n\
             [[optimizer]]\nkind = \"sgd\"\nlabel = \"base\"\n",
        )
        .unwrap();
        let text = format!(
            "steps = 20\n[data]\nkind = \"spiral\"\nclasses = 4\nlabels = [3, 2]\n\
             train_points = 10\n[model]\nhidden = [8]\n[transfer]\nfrom = {}\nrun = \"base\"\n\
             train = \"all\"\n[[optimizer]]\nkind = \"adam\"\ntransfer = \"head\"\n\
             train_points = 6\n[[optimizer]]\nkind = \"sgd\"\n",
            string(&source.to_string_lossy())
        );
        let path = dir.path().join("target.toml");
        let first = super::super::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
        let written = experiment(&first, "test");
        for line in [
            "labels = [3, 2]",
            "train_points = 10",
            "[transfer]",
            "run = \"base\"",
            "transfer = \"head\"",
        ] {
            assert!(written.contains(line), "{line}:\n{written}");
        }
        let second =
            super::super::parse(&written, &path).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(first, second, "{written}");
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
