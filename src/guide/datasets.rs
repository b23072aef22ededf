//! The datasets of network experiments in `optplay list datasets` and `optplay explain KIND`,
//! from the declarations in [`crate::core::network::data::DATASETS`] (and the pinned CSV
//! format for `csv`, which is read, not generated).

use crate::config::NetworkStart;
use crate::config::network::DEFAULT_VALIDATION;
use crate::core::network::data::{Classes, DATASETS, DatasetKind};
use crate::number::short;

use super::pad;

/// The kind that is the user's own file rather than a generator.
pub const CSV: &str = "csv";

/// `csv`'s line in `list datasets`.
const CSV_SUMMARY: &str = "your own points: a CSV file of feature columns and a `label` column";

/// The pinned file format of `kind = "csv"`, as `explain csv` shows it.
const CSV_FORMAT: &str = "\
[data]
kind = \"csv\"
path = \"points.csv\"      # relative to the experiment file

points.csv:
x,y,label                 # a header row: feature columns, then `label` last
0.25,-1.5,0
1.0,0.5,1                 # features are finite numbers; labels are integers 0..K-1

K, the number of classes, is the largest label + 1 (at least 2), and every label from 0 to
K-1 must appear. Blank lines are skipped; fields may be quoted and are trimmed; rows keep the
file's order. Any number of feature columns works (the network's input width); with exactly
two, boundaries.png draws the decision regions. A broken file is refused before anything
runs (exit 2), naming its line and column. The points, classes and noise are what the file
says: `[data]` takes no `points`, `classes` or `noise` for a CSV.";

/// `text` broken into lines of at most `width` characters (longer words stay whole).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// "classes = 3 (2 to 10)" or "10 classes (fixed)".
fn classes(kind: &DatasetKind) -> String {
    match kind.classes {
        Classes::Fixed(count) => format!("{count} classes (fixed)"),
        Classes::Free { default, min, max } => format!("classes = {default} ({min} to {max})"),
    }
}

/// "noise = 0.2 (0 to 1)" or "no noise".
fn noise(kind: &DatasetKind) -> String {
    let (lo, hi) = kind.noise_range;
    if hi == 0.0 {
        "no noise (the images are what they are)".to_string()
    } else {
        format!(
            "noise = {} ({} to {})",
            short(kind.default_noise),
            short(lo),
            short(hi)
        )
    }
}

/// "points = 300 (2 to 100000)".
fn points(kind: &DatasetKind) -> String {
    let (lo, hi) = kind.points_range;
    format!("points = {} ({lo} to {hi})", kind.default_points)
}

/// The `list datasets` section.
pub(crate) fn list_datasets() -> String {
    let mut out = vec![
        "DATASETS   [data] kind = \"NAME\" in a network experiment (with [model] instead of [surface])"
            .to_string(),
        "           (`optplay explain NAME` for the generator; `optplay explain data` for every key)"
            .to_string(),
    ];
    for kind in DATASETS {
        out.push(String::new());
        out.push(format!("{} — {}", kind.name, kind.summary));
        out.push(format!(
            "    {}, {}, {}",
            classes(kind),
            points(kind),
            noise(kind)
        ));
    }
    out.push(String::new());
    out.push(format!("{CSV} — {CSV_SUMMARY}"));
    out.push(
        "    classes: the labels 0..K-1 the file holds, points: its rows, no noise; \
         path (required)"
            .to_string(),
    );
    out.join("\n")
}

/// `optplay explain KIND` for a dataset kind (`csv` included); `None` for any other name.
pub(crate) fn explain_dataset(name: &str) -> Option<String> {
    if name == CSV {
        return Some(explain_csv());
    }
    let kind = DATASETS.iter().find(|k| k.name == name)?;
    let mut out = vec![format!("{} — {}", kind.name, kind.summary), String::new()];
    out.extend(wrap(kind.explain, 90));
    out.push(String::new());
    out.push(format!(
        "[data] with kind = \"{}\" (its defaults; `optplay explain data` for the rest):",
        kind.name
    ));
    let (lo, hi) = kind.points_range;
    let mut rows = vec![(
        format!("points = {}", kind.default_points),
        if kind.images {
            format!(
                "how many images, {lo} to {hi}; fewer: a seeded subset, classes kept in proportion"
            )
        } else {
            format!("the total over every class, {lo} to {hi}")
        },
    )];
    match kind.classes {
        Classes::Free { default, min, max } => {
            rows.push((format!("classes = {default}"), format!("{min} to {max}")))
        }
        Classes::Fixed(count) => rows.push((
            format!("(classes: always {count})"),
            "not a key for this kind".to_string(),
        )),
    }
    let (nlo, nhi) = kind.noise_range;
    if nhi > 0.0 {
        rows.push((
            format!("noise = {}", short(kind.default_noise)),
            format!("{} to {}", short(nlo), short(nhi)),
        ));
    }
    rows.push((
        format!("validation = {}", short(DEFAULT_VALIDATION)),
        "the fraction of each class held out".to_string(),
    ));
    rows.push((
        "batch = 0".to_string(),
        "minibatch size; 0: full batch".to_string(),
    ));
    rows.push((
        "augment = {}".to_string(),
        if kind.images {
            "none; images take shift, never flip (`optplay explain augment`)"
        } else {
            "none; points take jitter, rotate, flip (`optplay explain augment`)"
        }
        .to_string(),
    ));
    let width = rows
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    for (setting, meaning) in rows {
        out.push(format!("    {}   {meaning}", pad(&setting, width)));
    }
    let start = NetworkStart::of(kind);
    out.extend([
        String::new(),
        format!(
            "Start: optplay init --data {} (hidden {}, batch {}, {} steps)",
            kind.name,
            start.hidden_toml(),
            start.batch,
            start.steps
        ),
        format!(
            "       optplay compare --data {} --opt sgd,momentum,adam",
            kind.name
        ),
    ]);
    Some(out.join("\n"))
}

fn explain_csv() -> String {
    let mut out = vec![format!("{CSV} — {CSV_SUMMARY}"), String::new()];
    out.extend(CSV_FORMAT.lines().map(ToString::to_string));
    out.push(String::new());
    out.push(format!(
        "The other keys of [data] apply as to any kind: validation = {}, batch = 0, augment \
         (points only; `optplay explain data`).",
        short(DEFAULT_VALIDATION)
    ));
    out.join("\n")
}
