//! An experiment's outputs as bytes in memory (the CSV excepted: it is streamed when written).

use std::path::Path;

use super::OutputError;
use crate::config::{Experiment, Problem};
use crate::core::Trace;
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
    /// traces it comes from (a million steps is about 80 MB of text).
    Csv(Vec<RunOutcome<'a>>),
}

/// Every output file of an experiment, as its problem writes them. `dir` only names files
/// in errors.
pub fn render_files<'a>(
    experiment: &'a Experiment,
    traces: &'a [Trace],
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Rendered<'a>>, OutputError> {
    match &experiment.problem {
        Problem::Surface(problem) => {
            super::surface::render_files(experiment, problem, traces, formats, dir)
        }
    }
}
