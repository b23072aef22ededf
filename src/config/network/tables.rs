//! Reading `[data]` and `[model]`: each key checked and turned into its settings, the data
//! generated or read from its CSV file, every mistake reported at its line and column.

use std::path::Path;

use super::{
    AUGMENT_KEYS, DATA_KEYS, DEFAULT_INIT_STD, DEFAULT_VALIDATION, DataSettings, DataSource,
    MAX_DEPTH, MAX_WIDTH, MODEL_KEYS, ModelSettings, RunOverrides, TRANSFER_MODES, default_model,
};
use crate::config::error::ErrorKind;
use crate::config::reader::{Cx, Table, Value, join};
use crate::core::network::data::{
    self, Augment, Classes, DATASETS, DataSpec, Dataset, DatasetKind,
};
use crate::core::network::model::{Activation, Init, Regularisation};
use crate::core::network::transfer::TransferMode;
use crate::core::spec::Range;

pub(super) fn data_table(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    path: &Path,
    seed: u64,
) -> Option<DataSettings> {
    let mut names: Vec<&'static str> = DATASETS.iter().map(|k| k.name).collect();
    names.push("csv");
    let kind_value = cx.require(table, "kind", "a dataset kind, e.g. \"spiral\"")?;
    let name = cx.name(kind_value, "data.kind", "dataset kind", &names)?;
    let kind = data::dataset_kind(name);
    let allowed: Vec<&str> = DATA_KEYS
        .iter()
        .copied()
        .filter(|key| match kind {
            None => !["points", "classes", "noise"].contains(key),
            Some(k) => {
                *key != "path"
                    && !(*key == "classes" && matches!(k.classes, Classes::Fixed(_)))
                    && !(*key == "noise" && k.noise_range.1 == 0.0)
            }
        })
        .collect();
    cx.check_keys(
        table,
        &allowed,
        &format!("`[data]` with kind = \"{name}\""),
        |key| {
            DATA_KEYS.contains(&key).then(|| match (key, kind) {
                ("path", _) => "`path` names the file of a `kind = \"csv\"` dataset".to_string(),
                (_, None) => format!("a CSV's {key} are what its rows say"),
                ("classes", Some(k)) => {
                    format!("`{name}` always has {} classes", k.classes.default_count())
                }
                _ => format!("`{name}` has no `{key}`"),
            })
        },
    );
    let validation = match cx.get(table, "validation") {
        Some(v) => cx.number(v, "data.validation", Range::UnitOpen),
        None => Some(DEFAULT_VALIDATION),
    };
    let batch = match cx.get(table, "batch") {
        Some(v) => cx.integer(v, "data.batch", 0, 1 << 20).map(|b| b as usize),
        None => Some(0),
    };
    let augment = match cx.get(table, "augment") {
        Some(v) => augment(cx, v, "data.augment", kind.is_some_and(|k| k.images)),
        None => Some(Augment::default()),
    };
    let source = match kind {
        Some(kind) => generated(cx, table, kind, seed).map(DataSource::Generated),
        None => {
            let v = cx.require(table, "path", "the CSV file's path, relative to this file")?;
            let file = cx.string(v, "data.path", "a path, relative to this file")?;
            let base = path.parent().unwrap_or(Path::new(""));
            Some(DataSource::Csv(base.join(file)))
        }
    };
    let labels = match cx.get(table, "labels") {
        Some(v) => labels(cx, v).map(Some),
        None => Some(None),
    };
    let train_points = match cx.get(table, "train_points") {
        Some(v) => cx
            .integer(v, "data.train_points", 1, 1 << 24)
            .map(|n| Some(n as usize)),
        None => Some(None),
    };
    Some(DataSettings {
        source: source?,
        validation: validation?,
        batch: batch?,
        augment: augment?,
        labels: labels?,
        train_points: train_points?,
    })
}

/// `labels = [5, 6, 7, 8, 9]`: distinct class numbers, at least two (checked against the
/// data's classes once it is built).
fn labels(cx: &mut Cx<'_>, v: &Value<'_>) -> Option<Vec<usize>> {
    let expected = "at least two distinct class numbers, e.g. [5, 6, 7, 8, 9]";
    let items = cx.array(v, "data.labels", expected)?;
    let mut labels = Vec::with_capacity(items.len());
    for item in items {
        let label = cx.integer(item, "data.labels", 0, 1 << 16)? as usize;
        if labels.contains(&label) {
            cx.invalid(item, "data.labels", "each class once");
            return None;
        }
        labels.push(label);
    }
    if labels.len() < 2 {
        cx.invalid(v, "data.labels", expected);
        return None;
    }
    Some(labels)
}

fn generated(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    kind: &'static DatasetKind,
    seed: u64,
) -> Option<DataSpec> {
    let mut spec = DataSpec::defaults(kind, seed);
    let (lo, hi) = kind.points_range;
    let points = match cx.get(table, "points") {
        Some(v) => cx
            .integer(v, "data.points", lo as u64, hi as u64)
            .map(|p| p as usize),
        None => Some(spec.points),
    };
    let classes = match (cx.get(table, "classes"), kind.classes) {
        (Some(v), Classes::Free { min, max, .. }) => cx
            .integer(v, "data.classes", min as u64, max as u64)
            .map(|c| c as usize),
        _ => Some(spec.classes),
    };
    let noise = match cx.get(table, "noise") {
        Some(v) => {
            let (lo, hi) = kind.noise_range;
            let n = cx.number(v, "data.noise", Range::NonNegative)?;
            if n < lo || n > hi {
                cx.invalid(
                    v,
                    "data.noise",
                    format!("a number from {lo} to {hi} for `{}`", kind.name),
                );
                return None;
            }
            Some(n)
        }
        None => Some(spec.noise),
    };
    spec.points = points?;
    spec.classes = classes?;
    spec.noise = noise?;
    if spec.points < spec.classes {
        let v = cx
            .get(table, "points")
            .or_else(|| cx.get(table, "classes"))?;
        cx.invalid(
            v,
            "data.points",
            format!("at least one point per class ({})", spec.classes),
        );
        return None;
    }
    Some(spec)
}

/// `augment = { jitter, rotate, shift, flip }` (in `[data]` or a run).
pub(crate) fn augment(cx: &mut Cx<'_>, v: &Value<'_>, key: &str, images: bool) -> Option<Augment> {
    let table = cx.table(v, key)?;
    let allowed: Vec<&str> = AUGMENT_KEYS
        .iter()
        .copied()
        .filter(|k| if images { *k == "shift" } else { *k != "shift" })
        .collect();
    let what = if images {
        "`augment` for images (digits shift; flips would turn a digit into another)"
    } else {
        "`augment` for points"
    };
    cx.check_keys(table, &allowed, what, |k| match (k, images) {
        ("shift", false) => Some(
            "`shift` moves images by whole pixels: points take `jitter`, `rotate` and `flip`"
                .to_string(),
        ),
        ("flip", true) => Some(
            "a flipped digit is another digit (a mirrored 2 is no 2): images are augmented by \
             shifts only"
                .to_string(),
        ),
        _ => Some("images take `shift`; points take `jitter`, `rotate` and `flip`".to_string()),
    });
    let given = |k: &str| allowed.contains(&k).then(|| cx.get(table, k)).flatten();
    let (jitter, rotate, shift, flip) = (
        given("jitter"),
        given("rotate"),
        given("shift"),
        given("flip"),
    );
    let mut a = Augment::default();
    if let Some(v) = jitter {
        a.jitter = cx.number(v, &join(key, "jitter"), Range::NonNegative)?;
    }
    if let Some(v) = rotate {
        a.rotate = cx
            .number(v, &join(key, "rotate"), Range::MaxAbs(180.0))?
            .abs();
    }
    if let Some(v) = shift {
        a.shift = cx.integer(v, &join(key, "shift"), 0, 4)? as usize;
    }
    if let Some(v) = flip {
        a.flip = cx.boolean(v, &join(key, "flip"))?;
    }
    Some(a)
}

pub(super) fn model_table(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    path: &Path,
) -> Option<ModelSettings> {
    cx.check_keys(table, &MODEL_KEYS, "`[model]`", |_| None);
    let mut model = default_model();
    let hidden = match cx.get(table, "hidden") {
        Some(v) => hidden(cx, v),
        None => Some(model.hidden.clone()),
    };
    let activation = match cx.get(table, "activation") {
        Some(v) => {
            let names = Activation::ALL.map(|(n, _)| n);
            cx.name(v, "model.activation", "activation", &names)
                .and_then(Activation::from_name)
        }
        None => Some(model.activation),
    };
    let init_std = match cx.get(table, "init_std") {
        Some(v) => cx.number(v, "model.init_std", Range::Positive).map(Some),
        None => Some(None),
    };
    let init = match cx.get(table, "init") {
        Some(v) => cx.name(
            v,
            "model.init",
            "initialisation",
            &["he", "xavier", "normal"],
        ),
        None => Some(if init_std.flatten().is_some() {
            "normal"
        } else {
            "he"
        }),
    };
    let number = |cx: &mut Cx<'_>, key: &str, range: Range| match cx.get(table, key) {
        Some(v) => cx.number(v, &join("model", key), range),
        None => Some(0.0),
    };
    let l2 = number(cx, "l2", Range::NonNegative);
    let l1 = number(cx, "l1", Range::NonNegative);
    let dropout = number(cx, "dropout", Range::UnitOpen);
    let dropconnect = number(cx, "dropconnect", Range::UnitOpen);
    let flag = |cx: &mut Cx<'_>, key: &str, default: bool| match cx.get(table, key) {
        Some(v) => cx.boolean(v, &join("model", key)),
        None => Some(default),
    };
    let batch_norm = flag(cx, "batch_norm", false);
    let inverted = flag(cx, "inverted_dropout", true);
    let init_from = match cx.get(table, "init_from") {
        Some(v) => cx
            .string(
                v,
                "model.init_from",
                "a weights file's path, relative to this file",
            )
            .map(|f| Some(path.parent().unwrap_or(Path::new("")).join(f))),
        None => Some(None),
    };
    let std = init_std?.unwrap_or(DEFAULT_INIT_STD);
    model.init = match init? {
        "xavier" => Init::Xavier,
        "normal" => Init::Normal { std },
        _ => Init::He,
    };
    model.hidden = hidden?;
    model.activation = activation?;
    model.batch_norm = batch_norm?;
    model.init_from = init_from?;
    model.regularisation = Regularisation {
        l2: l2?,
        l1: l1?,
        dropout: dropout?,
        inverted_dropout: inverted?,
        dropconnect: dropconnect?,
    };
    Some(model)
}

fn hidden(cx: &mut Cx<'_>, v: &Value<'_>) -> Option<Vec<usize>> {
    let expected = format!(
        "an array of up to {MAX_DEPTH} layer widths from 1 to {MAX_WIDTH}, e.g. [100] ([]: a \
         linear softmax classifier)"
    );
    let items = cx.array(v, "model.hidden", &expected)?;
    if items.len() > MAX_DEPTH {
        cx.invalid(v, "model.hidden", expected);
        return None;
    }
    let widths: Vec<Option<usize>> = items
        .iter()
        .map(|w| {
            cx.integer(w, "model.hidden", 1, MAX_WIDTH)
                .map(|w| w as usize)
        })
        .collect();
    widths.into_iter().collect()
}

/// The regularisation keys of a network file's `[[optimizer]]` table.
pub(crate) fn run_overrides(
    cx: &mut Cx<'_>,
    table: Table<'_, '_>,
    images: bool,
) -> Option<RunOverrides> {
    let path = table.path;
    let number = |cx: &mut Cx<'_>, key: &str, range: Range| match cx.get(table, key) {
        Some(v) => cx.number(v, &join(path, key), range).map(Some),
        None => Some(None),
    };
    let dropout = number(cx, "dropout", Range::UnitOpen);
    let dropconnect = number(cx, "dropconnect", Range::UnitOpen);
    let l1 = number(cx, "l1", Range::NonNegative);
    let l2 = number(cx, "l2", Range::NonNegative);
    let flag = |cx: &mut Cx<'_>, key: &str| match cx.get(table, key) {
        Some(v) => cx.boolean(v, &join(path, key)).map(Some),
        None => Some(None),
    };
    let inverted_dropout = flag(cx, "inverted_dropout");
    let batch_norm = flag(cx, "batch_norm");
    let count = |cx: &mut Cx<'_>, key: &str, least: u64, most: u64| match cx.get(table, key) {
        Some(v) => cx
            .integer(v, &join(path, key), least, most)
            .map(|n| Some(n as usize)),
        None => Some(None),
    };
    let batch = count(cx, "batch", 0, 1 << 20);
    let augment = match cx.get(table, "augment") {
        Some(v) => augment(cx, v, &join(path, "augment"), images).map(Some),
        None => Some(None),
    };
    let train_points = count(cx, "train_points", 1, 1 << 24);
    let transfer = match cx.get(table, "transfer") {
        Some(v) => cx
            .name(v, &join(path, "transfer"), "transfer mode", &TRANSFER_MODES)
            .and_then(TransferMode::from_name)
            .map(Some),
        None => Some(None),
    };
    Some(RunOverrides {
        train_points: train_points?,
        transfer: transfer?,
        dropout: dropout?,
        dropconnect: dropconnect?,
        l1: l1?,
        l2: l2?,
        inverted_dropout: inverted_dropout?,
        batch_norm: batch_norm?,
        batch: batch?,
        augment: augment?,
    })
}

/// A CSV dataset: unreadable or broken files are errors at `[data] path`, naming the file,
/// its row and column.
pub(super) fn read_csv(cx: &mut Cx<'_>, root: Table<'_, '_>, file: &Path) -> Option<Dataset> {
    let at = cx
        .get_path(root, &["data", "path"])
        .map_or(0..0, |v| v.span());
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            let error = cx
                .error(
                    ErrorKind::InvalidValue,
                    at,
                    format!("invalid `data.path`: cannot read {}", file.display()),
                )
                .key("data.path")
                .expected("a readable CSV file: a header, feature columns, then `label`")
                .detail(e.to_string());
            cx.push(error);
            return None;
        }
    };
    match data::parse_csv(&text) {
        Ok(dataset) => Some(dataset),
        Err(e) => {
            let error = cx
                .error(
                    ErrorKind::InvalidValue,
                    at,
                    format!(
                        "invalid data in `data.path`: {}, line {}, column {}: {}",
                        file.display(),
                        e.row,
                        e.column,
                        e.message
                    ),
                )
                .key("data.path")
                .expected("a header row, feature columns, then an integer `label` column (classes 0..K−1)");
            cx.push(error);
            None
        }
    }
}
