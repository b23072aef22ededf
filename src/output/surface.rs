//! What a surface problem writes: the trajectory CSV (`x,y` columns), the summary with each
//! run's nearest minimum, the trajectories figure over contour lines, and the loss figure.

use std::path::Path;
use std::sync::OnceLock;

use super::render::{CSV_NAME, Content, Rendered, SUMMARY_NAME};
use super::{OutputError, RunResult, outcomes};
use crate::config::{self, Experiment, SurfaceProblem};
use crate::core::{Grid, Trace};
use crate::export;
use crate::plot::{self, Format, LossAxis, PlotRun, Scene};

/// The most rows of `trajectory.csv` formatted in memory while the figures are drawn (about
/// 110 bytes a row: some 11 MB); a longer CSV is streamed to disk when it is written.
const CSV_IN_MEMORY_ROWS: usize = 100_000;

/// Every output file of a surface experiment: the CSV (formatted beside the figures when it
/// is short, else streamed when written), the JSON and the figures in `formats` (drawn in
/// parallel; none: data only). `dir` only names files in errors.
pub(super) fn render_files<'a>(
    experiment: &'a Experiment,
    problem: &'a SurfaceProblem,
    runs: &'a [RunResult],
    formats: &[Format],
    dir: &Path,
    ahead: Option<&'a Ahead<'a>>,
) -> Result<Vec<Rendered<'a>>, OutputError> {
    let summary = export::summary_json(
        &experiment.name,
        problem.kind(),
        &problem.function,
        &outcomes(experiment, runs),
    );
    let mut files = vec![
        Rendered {
            name: CSV_NAME.into(),
            content: Content::Csv {
                runs: outcomes(experiment, runs),
                every: experiment.output.csv_every,
            },
        },
        Rendered {
            name: SUMMARY_NAME.into(),
            content: Content::Bytes(summary),
        },
    ];
    if formats.is_empty() {
        return Ok(files);
    }
    let sampled;
    let (grid, prepared) = match ahead {
        Some(ahead) => (&ahead.grid, Some(&ahead.prepared)),
        None => {
            sampled = sample_grid(problem);
            (&sampled, None)
        }
    };
    let scene = scene(experiment, problem, runs.iter().map(|run| &run.trace), grid);
    // The CSV is formatted while the figures are drawn, when it is small enough to hold:
    // otherwise all of it would be left to the write, after the last figure.
    let every = experiment.output.csv_every;
    let rows: usize = runs.iter().map(|run| run.trace.len()).sum();
    let (csv, figures) = std::thread::scope(|scope| {
        let csv = (rows <= CSV_IN_MEMORY_ROWS).then(|| {
            scope.spawn(move || {
                let mut bytes = Vec::new();
                export::write_trajectory_csv(&mut bytes, &outcomes(experiment, runs), every)
                    .map(|()| bytes)
            })
        });
        let figures = plot::render_all(&scene, formats, prepared);
        (csv.and_then(|h| h.join().ok()?.ok()), figures)
    });
    if let Some(bytes) = csv {
        files[0].content = Content::Bytes(bytes);
    }
    for (figure, format, bytes) in figures {
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

/// What a surface experiment's figures draw of the surface alone (the grid, the contour
/// levels and lines, the background under the paths), to be drawn on another thread while
/// its runs step ([`Ahead::draw`]) and handed to [`super::render_files`]. The figures do not
/// wait for all of it: the one that needs the levels first computes them itself or waits for
/// them, and the background, needed last, is taken when it is done.
pub struct Ahead<'e> {
    experiment: &'e Experiment,
    problem: &'e SurfaceProblem,
    formats: Vec<Format>,
    grid: Grid,
    prepared: OnceLock<plot::Prepared>,
}

impl<'e> Ahead<'e> {
    /// The grid of `experiment`'s figures in `formats`: a surface experiment with figures to
    /// draw, else `None`. The runs must not change the name, the surface, the window or the
    /// canvas (a sweep's best/ takes it from its frame).
    pub fn new(experiment: &'e Experiment, formats: &[Format]) -> Option<Ahead<'e>> {
        let problem = experiment.surface()?;
        if formats.is_empty() {
            return None;
        }
        Some(Ahead {
            experiment,
            problem,
            formats: formats.to_vec(),
            grid: sample_grid(problem),
            prepared: OnceLock::new(),
        })
    }

    /// Does `work` (the runs, then the outputs from `ahead`) while `ahead`, if any, is drawn
    /// on another thread.
    pub fn drawn_during<T>(ahead: Option<&Ahead<'_>>, work: impl FnOnce() -> T) -> T {
        std::thread::scope(|scope| {
            let drawing = ahead.map(|ahead| scope.spawn(|| ahead.draw()));
            let done = work();
            // Joined here, not by the scope, which would pass a panic on: drawing ahead is
            // the figure's own code, and a panic there meets the figure again, where it is
            // reported as an error.
            if let Some(drawing) = drawing {
                let _ = drawing.join();
            }
            done
        })
    }

    /// Draws what the figures need of the surface alone: the contour levels and lines (unless
    /// a figure got there first), then the background under the paths.
    pub fn draw(&self) {
        let frame = scene(
            self.experiment,
            self.problem,
            std::iter::empty(),
            &self.grid,
        );
        let prepared = self.prepared.get_or_init(|| plot::Prepared::new(&frame));
        plot::draw_ahead(&frame, prepared, &self.formats);
    }
}

/// f over the plot window, as the contour figure draws it.
pub fn sample_grid(problem: &SurfaceProblem) -> Grid {
    let view = &problem.view;
    Grid::sample(&problem.function, view.window, view.grid, view.grid)
}

/// What the figures show of a surface experiment and its traces (each with every row).
pub fn scene<'a>(
    experiment: &'a Experiment,
    problem: &SurfaceProblem,
    traces: impl IntoIterator<Item = &'a Trace>,
    grid: &'a Grid,
) -> Scene<'a> {
    let surface = &problem.function;
    Scene {
        title: experiment.name.clone(),
        formula: surface.formula(),
        grid,
        minima: surface.minima(),
        saddles: surface.saddles(),
        min_value: surface.min_value(),
        runs: experiment
            .runs
            .iter()
            .zip(traces)
            .map(|(r, trace)| PlotRun {
                label: &r.label,
                legend: format!("{} ({})", r.label, r.summary()),
                trace,
                snapshots: r
                    .spec()
                    .schedule
                    .restarts(trace.steps())
                    .into_iter()
                    .map(|s| s as usize)
                    .collect(),
            })
            .collect(),
        levels: problem.view.levels,
        log_levels: problem.view.log_levels,
        width: experiment.plot.width,
        height: experiment.plot.height,
        scale: experiment.plot.scale,
        x_axis: match experiment.plot.x_axis {
            config::XAxis::Steps => LossAxis::Steps,
            config::XAxis::Evaluations => LossAxis::Evaluations,
        },
        smooth: experiment.plot.smooth,
        log_x: experiment.plot.log_x,
    }
}
