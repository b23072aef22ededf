//! An experiment's outputs as bytes in memory (the CSV excepted: it is streamed when written).

use std::path::Path;

use super::{OutputError, outcomes, sample_grid, scene};
use crate::config::Experiment;
use crate::core::Trace;
use crate::export::{self, RunOutcome};
use crate::plot::{self, Format};

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

/// Every output file of an experiment: the CSV (streamed when written), the JSON and the
/// figures (drawn in parallel). `dir` only names files in errors.
pub fn render_files<'a>(
    experiment: &'a Experiment,
    traces: &'a [Trace],
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Rendered<'a>>, OutputError> {
    let summary = export::summary_json(
        &experiment.name,
        &experiment.surface,
        &outcomes(experiment, traces),
    );
    let mut files = vec![
        Rendered {
            name: CSV_NAME.into(),
            content: Content::Csv(outcomes(experiment, traces)),
        },
        Rendered {
            name: SUMMARY_NAME.into(),
            content: Content::Bytes(summary),
        },
    ];
    files.extend(render_figures(experiment, traces, formats, dir)?);
    Ok(files)
}

fn render_figures(
    experiment: &Experiment,
    traces: &[Trace],
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Rendered<'static>>, OutputError> {
    let grid = sample_grid(experiment);
    let scene = scene(experiment, traces, &grid);
    let mut files = Vec::new();
    for (figure, format, bytes) in plot::render_all(&scene, formats) {
        let name = format!("{}.{}", figure.stem(), format.extension());
        let bytes = bytes.map_err(|source| OutputError::Plot {
            path: dir.join(&name),
            source,
        })?;
        files.push(Rendered {
            name,
            content: Content::Bytes(bytes),
        });
    }
    Ok(files)
}
