//! The heavy tests, in-process: the lessons, the matrices of every optimizer × surface × lr,
//! the corpus of broken files, the big runs. They call the library as `optplay run` and
//! `optplay compare` do (load and validate, run, render, write into a folder) and read the
//! files back as a user would, without starting a process for each case.
//!
//! The figures are drawn small (see [`small`]) unless a test is about them: what these tests
//! assert is the numbers, the files and the messages, and a 200×200 figure on a coarse grid
//! has the same legend, paths and file names as the default one, at a fraction of the cost.
//! `tests/cli/` drives the real binary for what needs a process.

#[path = "../common/mod.rs"]
mod common;

mod animation;
mod compare;
mod corpus;
mod default_lrs;
mod errors;
mod fair;
mod figures;
mod gallery_lrs;
mod guide;
mod lessons;
mod networks;
mod outputs;
mod robust;
mod run;
mod second_order;
mod sweeps;

use std::path::{Path, PathBuf};

use optplay::app::AppError;
use optplay::config::{self, CompareRequest, Experiment, Overrides};
use optplay::core::Cancel;
use optplay::export::Colour;
use optplay::output::{self, Written};

pub use common::{
    NETWORK_FILES, PINNED_FILES, configs, corpus, gallery, is_network, summary, surface_gallery,
    without_embedded_images,
};

/// Width and height of the figures the in-process tests draw: the smallest `[plot]` allows.
pub const SMALL_FIGURE: u32 = 200;
/// Samples per side of the grid behind the contours: coarse, but every level still has lines.
pub const SMALL_GRID: usize = 32;

/// The experiment file at `path` with `run`'s command-line overrides, as `optplay run` loads
/// it; a file that does not load fails the test with the message the binary would print.
pub fn load_with(path: &Path, overrides: &Overrides) -> Experiment {
    config::load_all(path, overrides)
        .unwrap_or_else(|errors| panic!("{}", AppError::Config(errors)))
}

pub fn load(path: &Path) -> Experiment {
    load_with(path, &Overrides::default())
}

/// `--format svg`: the cheapest figures, for tests about numbers.
pub fn svg_only() -> Overrides {
    formats(&["svg"])
}

/// `--format LIST`.
pub fn formats(names: &[&str]) -> Overrides {
    Overrides {
        formats: Some(names.iter().map(|f| f.to_string()).collect()),
        ..Overrides::default()
    }
}

/// The experiment with its figures shrunk to [`SMALL_FIGURE`] on a [`SMALL_GRID`] grid.
pub fn small(mut experiment: Experiment) -> Experiment {
    // A network's figures choose their own canvas from their panels; only surfaces shrink.
    if experiment.surface().is_some() {
        experiment.plot.width = SMALL_FIGURE;
        experiment.plot.height = SMALL_FIGURE;
    }
    small_grid(&mut experiment);
    experiment
}

/// Only the grid shrunk: for tests about the figures' pixels, which keep their size.
pub fn small_grid(experiment: &mut Experiment) {
    if let Some(surface) = experiment.surface_mut() {
        surface.view.grid = SMALL_GRID;
    }
}

/// Runs `experiment` and writes its files into `out/<name>/`, as `optplay run` does.
pub fn write(experiment: &Experiment, out: &Path) -> Written {
    output::write_experiment(experiment, out, &Cancel::new())
        .unwrap_or_else(|e| panic!("{}: {e}", experiment.name))
}

/// `optplay run FILE` with `overrides` into `out`, figures small.
pub fn run_small(path: &Path, overrides: &Overrides, out: &Path) -> Written {
    write(&small(load_with(path, overrides)), out)
}

/// Writes `text` as `dir/<name>.toml` and returns its path.
pub fn experiment_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// The experiment `optplay compare` builds from `request`; a refused request fails the test.
pub fn compare(request: &CompareRequest) -> Experiment {
    config::compare_experiment(request).unwrap_or_else(|e| panic!("{}", AppError::from(e)))
}

/// The optimizer kinds called `names`, as `--opt` parses them.
pub fn optimizers(names: &[&str]) -> Vec<&'static optplay::core::OptimizerKind> {
    names
        .iter()
        .map(|n| optplay::core::registry::optimizer(n).unwrap_or_else(|| panic!("no {n}")))
        .collect()
}

/// The results table `optplay run` prints for `written`, as a pipe gets it (no colour).
pub fn table(experiment: &Experiment, written: &Written) -> String {
    output::table(experiment, written, Colour::Never)
}

/// The names of the files in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}
