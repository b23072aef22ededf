//! An experiment's outputs as bytes in memory (the CSV excepted: it is streamed when written).

use std::path::Path;

use super::surface::Ahead;
use super::{OutputError, RunResult};
use crate::config::{Experiment, Problem};
use crate::export::RunOutcome;
use crate::plot::Format;

/// The trajectory CSV's file name (pinned).
pub(super) const CSV_NAME: &str = "trajectory.csv";
/// The summary's file name (pinned).
pub(super) const SUMMARY_NAME: &str = "summary.json";

/// One output file, ready to be written: its bytes, or the runs whose CSV is streamed.
pub struct Rendered<'a> {
    pub name: String,
    pub content: Content<'a>,
}

/// What goes into a [`Rendered`] file.
pub enum Content<'a> {
    Bytes(Vec<u8>),
    /// The trajectory CSV, streamed to disk at write time: it can be far larger than the
    /// traces it comes from (a million steps is about 80 MB of text). `every`: the rows of
    /// step 0, every `every`-th step and each run's last (1: every step).
    Csv {
        runs: Vec<RunOutcome<'a>>,
        every: u64,
    },
}

/// Every output file of an experiment, as its problem writes them, with what
/// [`Ahead::draw`] drew of them while the runs stepped, if anything. `dir` only names files
/// in errors.
pub fn render_files<'a>(
    experiment: &'a Experiment,
    runs: &'a [RunResult],
    formats: &[Format],
    dir: &Path,
    ahead: Option<&'a Ahead<'a>>,
) -> Result<Vec<Rendered<'a>>, OutputError> {
    match &experiment.problem {
        Problem::Surface(problem) => {
            super::surface::render_files(experiment, problem, runs, formats, dir, ahead)
        }
        // A network's files come from its trainings, not from surface runs: see
        // `output::network::render_files`.
        Problem::Network(_) => Ok(Vec::new()),
    }
}
