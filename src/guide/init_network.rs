//! `optplay init --data KIND`: a commented starter network experiment, on the settings of
//! [`NetworkStart`] (the ones `compare --data` runs), that `optplay run` accepts as it is.

use std::path::Path;

use crate::config::network::DEFAULT_ROWS;
use crate::config::{NETWORK_LR_KEY, NetworkStart, UsageError, unknown};
use crate::core::Value;
use crate::core::network::data::{Classes, DATASETS, DatasetKind, dataset_kind};
use crate::core::registry;
use crate::number::short;

use super::datasets::CSV;
use super::init::{RUNS, commented, line, stem};

/// The dataset kinds `init --data` and `compare --data` take: the generated ones (a CSV is
/// the user's own file; its `[data]` names it).
pub fn generated_dataset(name: &str) -> Result<&'static DatasetKind, UsageError> {
    if name == CSV {
        return Err(UsageError::new(
            "--data",
            "`csv` is your own file: write its [data] yourself (kind = \"csv\", path = \"FILE\"; \
             `optplay explain csv` shows the format), or start from a generated kind.",
        ));
    }
    dataset_kind(name).ok_or_else(|| {
        let names: Vec<&str> = DATASETS.iter().map(|k| k.name).collect();
        unknown("--data", "dataset", name, &names)
    })
}

/// The text of a starter network experiment on dataset `kind`, to be saved as `path`.
pub fn network_starter(kind: &'static DatasetKind, path: &Path) -> String {
    let start = NetworkStart::of(kind);
    let name = stem(path);
    let file = path.display();
    let kind_name = kind.name;
    let mut out = vec![
        "# A starter network experiment: SGD, SGD+Momentum and Adam train the same network,".into(),
        "# from the same initial weights, each at its default learning rate for networks, on"
            .into(),
        format!("# the `{kind_name}` dataset: {}.", kind.summary),
        "#".into(),
        format!("# Run it:      optplay run {file}"),
        format!(
            "# Look at:     out/{name}/curves.png: loss above, accuracy below, training solid and"
        ),
        "#              validation dashed in each run's colour; the gap between a run's solid and"
            .into(),
        "#              dashed lines is what it memorised rather than learned.".into(),
    ];
    if kind.images {
        out.extend([
            format!("#              out/{name}/digits.png: each run's confusion matrix on the validation"),
            "#              images, and the images it got wrong.".into(),
        ]);
    } else {
        out.extend([
            format!("#              out/{name}/boundaries.png: each run's decision regions, training points"),
            "#              filled, validation points hollow, misclassified ones ringed; add \"gif\" to"
                .into(),
            "#              [plot] formats for boundaries.gif, the regions as training goes.".into(),
        ]);
    }
    out.extend([
        format!("# Learn more:  optplay explain {kind_name}, optplay explain data, optplay explain model,"),
        "#              optplay explain dropout (augment, l2, batch_norm), optplay list datasets".into(),
        String::new(),
    ]);
    out.extend(commented(&[
        line(
            format!("# name = \"{name}\""),
            "the output folder, out/<name>/; default: the file stem",
        ),
        line(
            format!("steps = {}", start.steps),
            "optimizer steps, each on one minibatch",
        ),
        line(
            "seed = 0",
            "seeds the data, the split, the weights, the minibatches",
        ),
        line(
            format!(
                "# record_every = {}",
                start.steps.div_ceil(DEFAULT_ROWS).max(1)
            ),
            format!("a history row every k steps; default: about {DEFAULT_ROWS} rows per run"),
        ),
    ]));
    out.push(String::new());
    out.push("[data]".into());
    let mut data = vec![line(
        format!("kind = \"{kind_name}\""),
        "`optplay list datasets` shows the others",
    )];
    let (lo, hi) = kind.points_range;
    data.push(line(
        format!("# points = {}", kind.default_points),
        format!("the default; {lo} to {hi}"),
    ));
    if let Classes::Free { default, min, max } = kind.classes {
        data.push(line(
            format!("# classes = {default}"),
            format!("the default; {min} to {max}"),
        ));
    }
    if kind.noise_range.1 > 0.0 {
        data.push(line(
            format!("# noise = {}", short(kind.default_noise)),
            "the default (`optplay explain ".to_string() + kind_name + "`)",
        ));
    }
    data.push(line(
        format!("validation = {}", short(start.validation)),
        "the fraction of each class held out: the dashed curves",
    ));
    data.push(line(
        format!("batch = {}", start.batch),
        "minibatch size; 0: full batch",
    ));
    data.push(if kind.images {
        line(
            "# augment = { shift = 1 }",
            "move each training image up to 1 pixel; never flipped",
        )
    } else {
        line(
            "# augment = { jitter = 0.05, rotate = 10.0 }",
            "perturb each training minibatch (`optplay explain augment`)",
        )
    });
    out.extend(commented(&data));
    out.push(String::new());
    out.push("[model]".into());
    out.extend(commented(&[
        line(
            format!("hidden = {}", start.hidden_toml()),
            "hidden layer widths; []: a linear softmax classifier",
        ),
        line("# activation = \"relu\"", "relu | tanh | sigmoid | linear"),
        line(
            "# l2 = 1e-4",
            "penalise large weights (`optplay explain l2`)",
        ),
        line(
            "# dropout = 0.5",
            "zero hidden units at training time (`optplay explain dropout`)",
        ),
        line(
            "# batch_norm = true",
            "normalise over the minibatch (`optplay explain batch_norm`)",
        ),
    ]));
    for (optimizer, about) in RUNS {
        let Some(optimizer_kind) = registry::optimizer(optimizer) else {
            continue;
        };
        out.push(String::new());
        out.push("[[optimizer]]".into());
        let lr = optimizer_kind.default_lr(NETWORK_LR_KEY);
        let mut lines = vec![
            line(format!("kind = \"{optimizer}\""), about),
            line(
                format!("lr = {}", crate::config::write::value(&Value::Number(lr))),
                format!("the default lr for {optimizer} on networks"),
            ),
        ];
        if optimizer == "adam" {
            lines.push(line(
                "# dropout = 0.5",
                "a run may change dropout, l2, batch, augment… for itself",
            ));
        }
        out.extend(commented(&lines));
    }
    out.extend(super::init::more_runs("adam dropout"));
    out.join("\n")
}
