//! `optplay sweep`: a file's grid run on every core (or one shard of it), or shards merged;
//! then the sweep's own outputs and `best/`, the experiment at each optimizer's best lr.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use super::progress::ProgressReport;
use super::{AppError, Interruption};
use crate::cli::SweepArgs;
use crate::config::{self, ConfigError, ErrorKind, Experiment, Overrides, SweepSettings};
use crate::core::Cancel;
use crate::output::{self, Progress as _, Rendered, Stage};
use crate::plot::Format;
use crate::sweep::{self, MergeError, Plan, Row};

impl From<MergeError> for AppError {
    fn from(e: MergeError) -> Self {
        match e {
            MergeError::Unreadable { .. } => AppError::Usage(e.to_string()),
            _ => AppError::Usage(format!("cannot merge: {e}")),
        }
    }
}

pub(super) fn sweep(args: SweepArgs, cancel: &Cancel) -> Result<(), AppError> {
    let overrides = Overrides {
        points: args.points,
        seeds: args.seeds,
        formats: args.format.clone(),
        ..Overrides::default()
    };
    overrides.validate()?;
    if let Some(dirs) = &args.merge {
        return merge(&args, dirs, &overrides, cancel);
    }
    let Some(file) = &args.file else {
        return Err(AppError::Usage(
            "sweep: give an experiment file, or --merge and the shards' folders".to_string(),
        ));
    };
    let experiment = config::load_all(file, &overrides).map_err(AppError::Config)?;
    let settings = sweep_settings(&experiment, file, &overrides)?;
    let experiment = super::with_trained_source(experiment, cancel)?;
    let plan = Plan::new(&experiment, &settings);
    let range = match args.shard {
        Some((k, n)) => plan.shard(k, n),
        None => 0..plan.len(),
    };
    // A whole sweep draws what best/'s figures need of the surface alone while it runs.
    let frame = (args.shard.is_none()).then(|| sweep::best_frame(&experiment));
    let ahead = frame
        .as_ref()
        .and_then(|frame| output::Ahead::new(frame, &output::picture_formats(frame)));
    output::Ahead::drawn_during(ahead.as_ref(), || {
        let rows = run(&experiment, &plan, range.clone(), &args, cancel)?;
        if let Some((k, n)) = args.shard {
            // Read again only to copy it into the part: load_all has read it already.
            let source = std::fs::read_to_string(file).map_err(|source| AppError::Write {
                path: file.clone(),
                source,
            })?;
            let bytes = sweep::part_bytes(
                &experiment,
                &plan,
                &rows,
                (k, n),
                file,
                &source,
                (settings.points, settings.seeds),
            );
            let dir = args.out.join(format!("{}-sweep", experiment.name));
            let name = sweep::part_name(k, n);
            let part = Rendered {
                name: name.clone(),
                content: output::Content::Bytes(bytes),
            };
            // Other shards may be writing their parts into the same folder: leave them be.
            output::write_all(&dir, &[part], cancel)?;
            if !args.quiet {
                eprintln!(
                    "wrote {} (runs {} to {} of {}; merge all {n} parts with `optplay sweep --merge`)",
                    dir.join(name).display(),
                    range.start + 1,
                    range.end,
                    plan.len()
                );
            }
            return Ok(());
        }
        finish(&experiment, &plan, &rows, &args, cancel, ahead.as_ref())
    })
}

/// The file's `[sweep]`, which `sweep` needs; `--seeds` above 1 needs something random.
fn sweep_settings(
    experiment: &Experiment,
    file: &Path,
    overrides: &Overrides,
) -> Result<SweepSettings, AppError> {
    let Some(settings) = experiment.sweep.clone() else {
        let e = ConfigError::whole_file(ErrorKind::Missing, file, "no `[sweep]` table")
            .key("sweep")
            .expected(
                "a `[sweep]` table saying the grid, e.g.\n  [sweep]\n  lr = [1e-4, 1.0]\n  \
                 points = 25",
            )
            .note("`optplay run` runs the file as it is; `sweep` tries each optimizer at many lrs");
        return Err(AppError::Config(vec![e]));
    };
    let random = experiment.runs.iter().any(|r| match experiment.network() {
        Some(network) => network.is_random(&r.network),
        None => r.noise_std(experiment.noise).is_some(),
    });
    if let Some(seeds) = overrides.seeds
        && seeds > 1
        && !random
    {
        let what = match experiment.network() {
            Some(_) => {
                "(its weights come from `init_from`, it trains full batch, without dropout or \
                 augmentation)"
            }
            None => "(no [noise], no run's noise)",
        };
        return Err(AppError::Usage(format!(
            "--seeds {seeds}: nothing in {} is random {what}, so every seed would repeat the \
             same runs; use --seeds 1{}",
            file.display(),
            if experiment.network().is_some() {
                ""
            } else {
                " or add gradient noise"
            }
        )));
    }
    Ok(settings)
}

/// The jobs `range` on `--jobs` threads, with a bar of runs on a terminal.
fn run(
    experiment: &Experiment,
    plan: &Plan,
    range: std::ops::Range<usize>,
    args: &SweepArgs,
    cancel: &Cancel,
) -> Result<Vec<Row>, AppError> {
    let show = !args.quiet && std::io::stderr().is_terminal();
    let mut progress = ProgressReport::new(&format!("{}-sweep", experiment.name), show);
    let threads = args.jobs.map_or(0, |j| j as usize);
    output::pause_while_stepping_if_testing(cancel);
    let rows = sweep::run_range(
        experiment,
        plan,
        range,
        threads,
        cancel,
        &mut |done, total| progress.runs(done, total),
    )
    .map_err(|e| AppError::Usage(format!("--jobs: cannot start the threads: {e}")))?;
    drop(progress);
    if cancel.is_cancelled() {
        return Err(AppError::Interrupted(Interruption::NothingWritten));
    }
    Ok(rows)
}

/// `--merge`: the parts in `dirs`, checked to make one sweep, then its outputs.
fn merge(
    args: &SweepArgs,
    dirs: &[PathBuf],
    overrides: &Overrides,
    cancel: &Cancel,
) -> Result<(), AppError> {
    let mut paths = Vec::new();
    for dir in dirs {
        paths.extend(sweep::parts_in(dir)?);
    }
    if paths.is_empty() {
        return Err(MergeError::NoParts {
            dirs: dirs.iter().map(|d| d.display().to_string()).collect(),
        }
        .into());
    }
    let parts = paths
        .iter()
        .map(|p| sweep::parse_part(p))
        .collect::<Result<Vec<_>, _>>()?;
    let parts = sweep::check_parts(parts)?;
    let first = &parts[0];
    // The grid as the shards ran it: their --points and --seeds, this command's formats.
    let overrides = Overrides {
        points: Some(first.points),
        seeds: Some(first.seeds),
        ..overrides.clone()
    };
    let experiment =
        config::check_with(&first.source, &first.file, &overrides).map_err(AppError::Config)?;
    let settings = sweep_settings(&experiment, &first.file, &Overrides::default())?;
    let experiment = super::with_trained_source(experiment, cancel)?;
    let plan = Plan::new(&experiment, &settings);
    let mut rows = Vec::with_capacity(plan.len());
    for part in &parts {
        rows.extend(sweep::part_rows(&experiment, &plan, part)?);
    }
    finish(&experiment, &plan, &rows, args, cancel, None)
}

/// The whole sweep's outputs from every row: `sweep.csv`, `sweep.json`, the figures, and
/// `best/` (with what was drawn of it `ahead`, if anything); then the table.
fn finish(
    experiment: &Experiment,
    plan: &Plan,
    rows: &[Row],
    args: &SweepArgs,
    cancel: &Cancel,
    ahead: Option<&output::Ahead<'_>>,
) -> Result<(), AppError> {
    let summaries = sweep::summarize(plan, rows);
    let dir = args.out.join(format!("{}-sweep", experiment.name));
    let show = !args.quiet && std::io::stderr().is_terminal();
    let mut progress = ProgressReport::new(&format!("{}-sweep", experiment.name), show);
    progress.stage(Stage::Drawing);
    let best = sweep::best_experiment(experiment, plan, &summaries);
    let best_dir = dir.join(&best.name);
    // The sweep's own figures need only the rows: they are drawn while best/'s runs step and
    // its figures are drawn.
    let (mut best_runs, mut best_trained) = (None, None);
    let slots = (&mut best_runs, &mut best_trained);
    let (files, best_files) = std::thread::scope(|scope| {
        let figures = scope.spawn(|| sweep::render(experiment, plan, rows, &summaries, &dir));
        let (runs, trained) = slots;
        let best_files = best_outputs(&best, &best_dir, cancel, ahead, runs, trained);
        let files = figures.join().unwrap_or_else(|_| {
            Err((dir.clone(), crate::plot::PlotError::new("drawing panicked")))
        });
        (files, best_files)
    });
    // An interruption first, as before anything was drawn; then the sweep's figures' errors.
    if let Err(e @ AppError::Interrupted(_)) = best_files {
        return Err(e);
    }
    let files = files.map_err(|(path, source)| AppError::Plot { path, source })?;
    let best_files = best_files?;
    cancel
        .check()
        .map_err(|_| AppError::Interrupted(Interruption::NothingWritten))?;
    progress.stage(Stage::Writing);
    // One write: the sweep's files and best/ both land, or neither changes.
    output::write_outputs_in(
        &dir,
        &[
            (Path::new(""), &files[..]),
            (Path::new(&best.name), &best_files[..]),
        ],
        cancel,
    )?;
    drop(progress);
    let table = sweep::table(experiment, plan, &summaries);
    let _ = writeln!(std::io::stdout().lock(), "{table}");
    if !args.quiet {
        let mut names: Vec<String> = files.into_iter().map(|f| f.name).collect();
        names.push("best/".to_string());
        eprintln!("wrote {} ({})", dir.display(), names.join(", "));
        if animation_only(experiment) {
            eprintln!(
                "the heatmap and the lr curves are stills, not animations: --format gif drew \
                 best/'s alone; add png or svg for them (e.g. --format gif,png)"
            );
        }
    }
    Ok(())
}

/// best/'s files: the experiment at each optimizer's best lr run (a surface's runs, or a
/// network's trainings, kept in `runs` and `trained`, which the files borrow) and its usual
/// outputs rendered (not written).
fn best_outputs<'a>(
    best: &'a Experiment,
    best_dir: &Path,
    cancel: &Cancel,
    ahead: Option<&'a output::Ahead<'a>>,
    runs: &'a mut Option<Vec<output::RunResult>>,
    trained: &'a mut Option<Vec<crate::core::network::train::Trained>>,
) -> Result<Vec<Rendered<'a>>, AppError> {
    let runs = &*runs.insert(output::run_for_outputs(best, cancel, &mut output::Silent)?);
    let trained = &*trained.insert(match best.network() {
        Some(problem) => output::network::train_all(best, problem, cancel, &mut output::Silent),
        None => Vec::new(),
    });
    cancel
        .check()
        .map_err(|_| AppError::Interrupted(Interruption::NothingWritten))?;
    let formats = output::picture_formats(best);
    Ok(match best.network() {
        Some(problem) => output::network::render_files(best, problem, trained, &formats, best_dir),
        None => output::render_files(best, runs, &formats, best_dir, ahead),
    }?)
}

/// Whether the only picture format asked for is GIF, which the sweep's own figures do not
/// come in.
fn animation_only(experiment: &Experiment) -> bool {
    let formats: Vec<Format> = experiment
        .plot
        .formats
        .iter()
        .filter_map(|f| f.parse().ok())
        .collect();
    !formats.is_empty() && formats.iter().all(|f| *f == Format::Gif)
}
