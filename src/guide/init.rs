//! `optplay init`: a commented starter experiment that `optplay run` accepts as it is.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{DEFAULT_STEPS, UsageError, unknown, write};
use crate::core::registry;

use super::init_network::{generated_dataset, network_starter};
use super::{DEFAULT_SURFACE, key_lines, pad};

/// Why `init` did not write its file.
#[derive(Debug, thiserror::Error)]
pub enum GuideError {
    /// A bad `--surface` or `--data` (exit 2).
    #[error("{0}")]
    Usage(#[from] UsageError),
    /// The file is there already; `init` never overwrites (exit 2).
    #[error(
        "{} already exists: `optplay init` never overwrites a file; give another FILE or remove it",
        .0.display()
    )]
    Exists(PathBuf),
    /// The file could not be written (exit 1).
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The runs a starter experiment holds, and what to say about each.
pub(super) const RUNS: [(&str, &str); 3] = [
    ("sgd", "plain SGD: x ← x − lr·∇f(x)"),
    (
        "momentum",
        "SGD with momentum = 0.9: v ← 0.9·v + ∇f(x); x ← x − lr·v",
    ),
    ("adam", "momentum + RMSProp + bias correction"),
];

/// The name `run` gives the experiment in `path`: the file stem.
pub(super) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "experiment".to_string())
}

/// `key = value   # comment`, the comments of a block lined up.
pub(super) fn commented(lines: &[(String, String)]) -> Vec<String> {
    let width = lines
        .iter()
        .filter(|(_, comment)| !comment.is_empty())
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    lines
        .iter()
        .map(|(setting, comment)| {
            if comment.is_empty() {
                setting.clone()
            } else {
                format!("{}   # {comment}", pad(setting, width))
            }
        })
        .collect()
}

pub(super) fn line(setting: impl Into<String>, comment: impl Into<String>) -> (String, String) {
    (setting.into(), comment.into())
}

/// The text of a starter experiment on surface `kind`, to be saved as `path`.
pub fn starter(kind: &str, path: &Path) -> Result<String, UsageError> {
    let Some(surface_kind) = registry::surface(kind) else {
        return Err(unknown(
            "--surface",
            "surface",
            kind,
            &registry::surface_names(),
        ));
    };
    let Some((example, surface)) = surface_kind.build_example() else {
        return Err(UsageError::new(
            "--surface",
            format!(
                "the `{kind}` surface has no example to start from: write its keys yourself (`optplay list surfaces`)."
            ),
        ));
    };
    let name = stem(path);
    let file = path.display();
    let window = surface.window();
    let mut out = vec![
        format!("# A starter experiment: SGD, SGD+Momentum and Adam on the `{kind}` surface,"),
        format!("#     {}", surface.formula()),
        "# each from the same start, with the default learning rate for this surface.".into(),
        "#".into(),
        format!("# Run it:      optplay run {file}"),
        format!("# Look at:     out/{name}/trajectories.png and out/{name}/loss.png"),
        "# Learn more:  optplay list (every surface, optimizer and schedule, with defaults),"
            .into(),
        "#              optplay explain adam (an update rule and its hyperparameters)".into(),
        String::new(),
    ];
    out.extend(commented(&[
        line(
            format!("# name = \"{name}\""),
            "the output folder, out/<name>/; default: the file stem",
        ),
        line(
            format!("steps = {DEFAULT_STEPS}"),
            "the most steps a run takes",
        ),
        line("seed = 0", "seeds the gradient noise of [noise]"),
        line(
            format!("start = {}", write::point(surface.default_start())),
            "where every run starts; default: the surface's own start",
        ),
        line(
            "# tolerance = 1e-8",
            "stop a run (\"converged\") once |gradient| < tolerance",
        ),
    ]));
    out.push(String::new());
    out.push("[surface]".into());
    let mut params = vec![line(
        format!("kind = \"{kind}\""),
        "`optplay list surfaces` shows the others",
    )];
    let values = key_lines(surface_kind.keys, &example);
    if !values.is_empty() && surface_kind.has_defaults() {
        params.push(line("# its parameters, at their defaults:", ""));
    } else if !values.is_empty() {
        params.push(line("# its keys, with an example to change:", ""));
    }
    for ((setting, doc), key) in values.into_iter().zip(surface_kind.keys) {
        // A key left out (found numerically, say) is shown commented, with what absence does.
        let setting = if example.get(key.name).is_some() {
            setting
        } else {
            format!("# {setting}")
        };
        params.push(line(setting, doc));
    }
    out.extend(commented(&params));
    out.push(String::new());
    out.extend(commented(&[
        line("# [noise]", "uncomment to mimic minibatch gradients:"),
        line(
            "# std = 0.1",
            "every gradient gets + N(0, std²·I), the same for every run",
        ),
    ]));
    out.push(String::new());
    out.extend(commented(&[
        line("# [plot]", "uncomment to change the pictures"),
        line(
            format!("# x = {}", write::point(window.x)),
            "the window; default: the surface's",
        ),
        line(format!("# y = {}", write::point(window.y)), ""),
        line("# levels = 30", "contour lines"),
        line("# log_levels = true", "default: chosen from the range of f"),
        line("# width = 1000", "pixels"),
        line("# height = 800", ""),
        line(
            "# formats = [\"png\", \"svg\"]",
            "add \"gif\" for the animation",
        ),
    ]));
    for (optimizer, about) in RUNS {
        let Some(optimizer_kind) = registry::optimizer(optimizer) else {
            continue;
        };
        out.push(String::new());
        out.push("[[optimizer]]".into());
        let mut lines = vec![
            line(format!("kind = \"{optimizer}\""), about),
            line(
                format!(
                    "lr = {}",
                    write::value(&crate::core::Value::Number(optimizer_kind.default_lr(kind)))
                ),
                format!("the default lr for {optimizer} on {kind}"),
            ),
        ];
        if optimizer == "adam" {
            for (setting, _) in key_lines(optimizer_kind.keys, &optimizer_kind.defaults())
                .into_iter()
                .filter(|(s, _)| s.starts_with("betas") || s.starts_with("eps"))
            {
                lines.push(line(format!("# {setting}"), "the default"));
            }
            lines.push(line(
                "# a learning-rate schedule: halve lr every 50 steps",
                "",
            ));
            lines.push(line(
                "# schedule = { kind = \"step\", step_size = 50, gamma = 0.5 }",
                "",
            ));
        }
        out.extend(commented(&lines));
    }
    out.extend(more_runs("adam lr=0.01"));
    Ok(out.join("\n"))
}

/// The starter files' last lines: how to add a run, with `example` as a label that tells two
/// runs of one kind apart, and every optimizer kind.
pub(super) fn more_runs(example: &str) -> [String; 5] {
    [
        String::new(),
        "# More runs: copy a table and change its `kind` or settings; a `label` tells".into(),
        format!("# two runs of one kind apart (label = \"{example}\"). The kinds:"),
        format!("# {}.", registry::optimizer_names().join(", ")),
        String::new(),
    ]
}

/// Writes `bytes` to a new file at `path`; an existing file is an error, never overwritten
/// (the file system checks, so a race cannot overwrite either).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        // Half a file is worse than none: it would make the next `init` refuse.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// `optplay init`: writes the starter experiment and returns what to tell the user.
pub fn init(surface: Option<&str>, path: &Path) -> Result<String, GuideError> {
    let kind = surface.unwrap_or(DEFAULT_SURFACE);
    let text = starter(kind, path)?;
    write_starter(path, &text)?;
    Ok(format!(
        "wrote {}: sgd, momentum and adam on the `{kind}` surface\nrun it: optplay run {}",
        path.display(),
        path.display()
    ))
}

/// `optplay init --data KIND`: writes the starter network experiment on dataset `kind` and
/// returns what to tell the user.
pub fn init_data(kind: &str, path: &Path) -> Result<String, GuideError> {
    let dataset = generated_dataset(kind)?;
    write_starter(path, &network_starter(dataset, path))?;
    Ok(format!(
        "wrote {}: sgd, momentum and adam training a network on the `{kind}` dataset\n\
         run it: optplay run {}",
        path.display(),
        path.display()
    ))
}

/// Writes a starter's `text` to the new file `path`, making its folder.
fn write_starter(path: &Path, text: &str) -> Result<(), GuideError> {
    // `init experiments/saddle.toml` in a fresh clone: the folder is made, as a user expects.
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|source| GuideError::Io {
            path: folder.to_path_buf(),
            source,
        })?;
    }
    write_new(path, text.as_bytes()).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            GuideError::Exists(path.to_path_buf())
        } else {
            GuideError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}
