//! `e` in the playground: what is on screen, written as an experiment file that `optplay run`
//! accepts and that reproduces the same traces.
//!
//! Every number is written so it parses back to the same f64 (Rust's shortest round-trip
//! form), so the file is the experiment, not an approximation of it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::config::Experiment;
use crate::core::Cancel;

/// The experiment as the text of an experiment file. It has no `name`: the file's stem names
/// the outputs, so `play-export-2.toml` writes to `out/play-export-2/`.
pub fn experiment_toml(e: &Experiment) -> String {
    crate::config::write::experiment(
        e,
        "Exported from `optplay play`: what was on screen. Run it with `optplay run FILE`.",
    )
}

/// Writes `text` to the first free name among `play-export.toml`, `play-export-2.toml`, … in
/// `dir`. Never overwrites: the file system refuses a name that exists, and the next is tried.
pub fn write_next_free(dir: &Path, text: &str) -> std::io::Result<PathBuf> {
    for n in 1..10_000u32 {
        let name = if n == 1 {
            "play-export.toml".to_string()
        } else {
            format!("play-export-{n}.toml")
        };
        let path = dir.join(name);
        match crate::guide::write_new(&path, text.as_bytes()) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "every name from play-export.toml to play-export-9999.toml is taken",
    ))
}

/// `e`: writes `experiment` as a file in `export_dir`, reads it back as `optplay run` would,
/// and writes its figures, CSV and summary (a network's history and weights) into
/// `<out>/<name>/`. Returns what to tell the user.
pub fn export(experiment: &Experiment, export_dir: &Path, out: &Path) -> Result<String, String> {
    let text = experiment_toml(experiment);
    let path = write_next_free(export_dir, &text)
        .map_err(|e| format!("cannot write {}: {e}", export_dir.display()))?;
    // What is rendered is what the file says, so the figures are the file's.
    let experiment = crate::config::load(&path).map_err(|e| e.to_string())?;
    // An export is not interrupted halfway: a signal during it ends the playground once the
    // files are whole (the event loop looks at the signal's token after each action).
    let whole = Cancel::new();
    let written =
        crate::output::write_experiment(&experiment, out, &whole).map_err(|e| e.to_string())?;
    Ok(format!(
        "exported {} and {}/ ({})",
        path.display(),
        written.dir.display(),
        written.files.join(", ")
    ))
}
