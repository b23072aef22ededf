//! The one place that orchestrates: validate everything, run, render to bytes, write files.
//!
//! Every check on user input happens before the first step runs and before the first byte is
//! written, so a bad command line or experiment file leaves the output folder untouched.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use ndarray::Array1;

use crate::cli::{Cli, Command, CompareArgs, OutputArgs, PlayArgs, RunArgs};
use crate::config::{
    self, CompareRequest, ConfigError, Experiment, LrRequest, Overrides, UsageError,
};
use crate::core::{Cancel, GradientNoise, Grid, Limits, Trace, run};
use crate::export::{self, Colour, RunOutcome};
use crate::guide;
use crate::plot::{self, Format, LossAxis, PlotRun, Scene};

mod watch;

/// Resolution of the grid the contour plot is drawn from.
const GRID_SIZE: usize = 400;

/// Everything that can stop a command, with the exit code DESIGN.md pins for it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One or more experiment files are invalid (exit 2).
    #[error("{}", config_report(.0))]
    Config(Vec<ConfigError>),
    /// The command line asks for something impossible (exit 2).
    #[error("error: {0}")]
    Usage(String),
    /// A file or folder could not be written (exit 1).
    #[error("error: cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The terminal of `play` failed (exit 1).
    #[error("error: terminal: {0}")]
    Terminal(std::io::Error),
    /// `run --watch` cannot watch a file's folder (exit 1).
    #[error("error: cannot watch {}: {reason}", path.display())]
    Watch { path: PathBuf, reason: String },
    /// A figure could not be drawn (exit 1).
    #[error("error: cannot draw {}: {source}", path.display())]
    Plot {
        path: PathBuf,
        source: plot::PlotError,
    },
}

/// Every error, a blank line between them, and a count when there is more than one.
fn config_report(errors: &[ConfigError]) -> String {
    const SHOWN: usize = 20;
    let mut report: Vec<String> = errors.iter().take(SHOWN).map(ToString::to_string).collect();
    if errors.len() > SHOWN {
        report.push(format!("... and {} more errors", errors.len() - SHOWN));
    }
    if errors.len() > 1 {
        report.push(format!("{} errors: nothing was run", errors.len()));
    }
    report.join("\n\n")
}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Config(_) | AppError::Usage(_) => 2,
            AppError::Write { .. }
            | AppError::Plot { .. }
            | AppError::Terminal(_)
            | AppError::Watch { .. } => 1,
        }
    }
}

impl From<guide::GuideError> for AppError {
    fn from(e: guide::GuideError) -> Self {
        match e {
            guide::GuideError::Usage(e) => e.into(),
            guide::GuideError::Exists(_) => AppError::Usage(e.to_string()),
            guide::GuideError::Io { path, source } => AppError::Write { path, source },
        }
    }
}

impl From<UsageError> for AppError {
    fn from(e: UsageError) -> Self {
        AppError::Usage(e.to_string())
    }
}

/// Set while output files are being written: Ctrl-C then waits for a clean end.
static WRITING: AtomicBool = AtomicBool::new(false);
/// Set by Ctrl-C during writing.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Set while `run --watch` watches: earlier runs' files are on disk, so Ctrl-C outside writing
/// only stops the watching.
static WATCHING: AtomicBool = AtomicBool::new(false);
/// The exit code of a process ended by SIGINT, as shells report it.
const INTERRUPTED_EXIT: i32 = 130;

/// Ctrl-C before writing starts ends the process at once: nothing is on disk yet. During
/// writing it only raises a flag, and the writer removes its temporary files first.
fn handle_interrupts() {
    // Without a handler (another one is installed, say) the default applies: the process ends
    // at once, and at worst a hidden temporary file stays behind.
    let _ = ctrlc::set_handler(|| {
        if WRITING.load(Ordering::SeqCst) {
            INTERRUPTED.store(true, Ordering::SeqCst);
        } else if WATCHING.load(Ordering::SeqCst) {
            eprintln!("stopped watching");
            std::process::exit(INTERRUPTED_EXIT);
        } else {
            eprintln!("interrupted: nothing was written");
            std::process::exit(INTERRUPTED_EXIT);
        }
    });
}

/// Parses the command line, runs the command, reports errors on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // `play` handles Ctrl-C itself: it must give the terminal back first. Its screenshot
    // uses no terminal and writes a file like the others.
    if !matches!(&cli.command, Command::Play(args) if args.screenshot.is_none()) {
        handle_interrupts();
    }
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

pub fn execute(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Run(args) => run_files(args),
        Command::Compare(args) => compare(args),
        Command::List(args) => print(&guide::list(args.section.as_deref())?),
        Command::Explain(args) => print(&guide::explain(&args.optimizer)?),
        Command::Init(args) => {
            eprintln!("{}", guide::init(args.surface.as_deref(), &args.file)?);
            Ok(())
        }
        Command::Play(args) => play(args),
    }
}

fn play(args: PlayArgs) -> Result<(), AppError> {
    if let Some(path) = &args.screenshot {
        return screenshot(&args, path);
    }
    let experiment = play_experiment(&args)?;
    crate::play::play(experiment, args.out).map_err(|e| match e {
        crate::play::PlayError::NotATerminal => {
            AppError::Usage(e.to_string().trim_start_matches("error: ").to_string())
        }
        crate::play::PlayError::Io(source) => AppError::Terminal(source),
    })
}

/// `play --screenshot FILE.png`: the screen after the steps asked for, as a PNG.
fn screenshot(args: &PlayArgs, path: &Path) -> Result<(), AppError> {
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let Some(name) = path
        .file_name()
        .filter(|_| is_png)
        .and_then(|name| name.to_str())
    else {
        return Err(AppError::Usage(format!(
            "--screenshot: expected a file name ending in .png, found `{}`",
            path.display()
        )));
    };
    let experiment = play_experiment(args)?;
    let mut model = crate::play::Model::new(experiment, PathBuf::from("."), args.out.clone());
    crate::play::screenshot::show_step(&mut model, args.screenshot_steps);
    let bytes = crate::play::screenshot::png(&model).map_err(|e| AppError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file = Rendered {
        name: name.to_string(),
        content: Content::Bytes(bytes),
    };
    write_all(dir, &[file])?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The experiment `play` starts with: the file, or one built like `compare`'s.
fn play_experiment(args: &PlayArgs) -> Result<Experiment, AppError> {
    if let Some(file) = &args.file {
        let overrides = Overrides {
            steps: args.steps,
            seed: args.seed,
            formats: None,
        };
        overrides.validate()?;
        return config::load_all(file, &overrides).map_err(AppError::Config);
    }
    compare_experiment(CompareArgs {
        opt: args
            .opt
            .clone()
            .unwrap_or_else(|| ["sgd", "momentum", "adam"].map(String::from).to_vec()),
        surface: Some(args.surface.clone().unwrap_or_else(|| "saddle".into())),
        start: args.start.clone(),
        steps: args.steps,
        lr: args.lr.clone(),
        noise: args.noise,
        seed: args.seed,
        output: OutputArgs {
            out: args.out.clone(),
            format: None,
        },
    })
}

/// Text for stdout; a closed pipe (`| head`) is not an error worth a message.
fn print(text: &str) -> Result<(), AppError> {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(())
}

fn run_files(args: RunArgs) -> Result<(), AppError> {
    let overrides = Overrides {
        steps: args.steps,
        seed: args.seed,
        formats: args.output.format.clone(),
    };
    overrides.validate()?;
    if args.watch {
        return watch::run_and_watch(&args.files, &overrides, &args.output.out);
    }
    run_paths(&args.files, &[], &overrides, &args.output.out)
}

/// Checks every file in `files`, then runs each and writes its outputs. `others` are files
/// run alongside them earlier (`--watch` re-runs only the saved ones): a name clash with one
/// of those would overwrite its outputs, so it is an error too; their own mistakes are not
/// reported again.
fn run_paths(
    files: &[PathBuf],
    others: &[PathBuf],
    overrides: &Overrides,
    out: &Path,
) -> Result<(), AppError> {
    let mut experiments = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match config::load_all(file, overrides) {
            Ok(e) => experiments.push(e),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Config(errors));
    }
    let other_names: Vec<String> = others
        .iter()
        .filter_map(|file| config::load_all(file, overrides).ok())
        .map(|e| e.name)
        .collect();
    check_distinct_names(&experiments, &other_names)?;
    for experiment in &experiments {
        run_experiment(experiment, out)?;
    }
    Ok(())
}

fn compare(args: CompareArgs) -> Result<(), AppError> {
    let out = args.output.out.clone();
    let experiment = compare_experiment(args)?;
    run_experiment(&experiment, &out)
}

/// The experiment `compare` runs, with every flag checked.
fn compare_experiment(args: CompareArgs) -> Result<Experiment, AppError> {
    let start = args.start.as_deref().map(parse_point).transpose()?;
    let lr = match args.lr.as_deref() {
        None => LrRequest::Default,
        Some(text) => parse_lr(text)?,
    };
    let request = CompareRequest {
        optimizers: args.opt,
        surface: args.surface,
        start,
        steps: args.steps,
        lr,
        noise: args.noise,
        formats: args.output.format,
        seed: args.seed,
    };
    Ok(config::compare_experiment(&request)?)
}

/// Each experiment writes into its own folder: two with one name would overwrite each other,
/// among `experiments` or with one of `taken`.
fn check_distinct_names(experiments: &[Experiment], taken: &[String]) -> Result<(), AppError> {
    for (i, e) in experiments.iter().enumerate() {
        if experiments[..i].iter().any(|other| other.name == e.name) || taken.contains(&e.name) {
            return Err(AppError::Usage(format!(
                "two experiments are named `{}`: their outputs would overwrite each other; \
                 set `name` in one of the files",
                e.name
            )));
        }
    }
    Ok(())
}

/// The experiment's picture formats; config has checked the names already.
pub fn picture_formats(experiment: &Experiment) -> Vec<Format> {
    experiment
        .plot
        .formats
        .iter()
        .filter_map(|name| Format::from_str(name).ok())
        .collect()
}

fn parse_number(text: &str, what: &str) -> Result<f64, AppError> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(AppError::Usage(format!(
            "{what}: expected a finite number, found `{text}`"
        ))),
    }
}

fn parse_point(text: &str) -> Result<[f64; 2], AppError> {
    let parts: Vec<&str> = text.split(',').collect();
    let [x, y] = parts[..] else {
        return Err(AppError::Usage(format!(
            "--start: expected X,Y (two numbers and a comma, e.g. --start=-1.5,2), found `{text}`"
        )));
    };
    Ok([parse_number(x, "--start")?, parse_number(y, "--start")?])
}

fn parse_lr(text: &str) -> Result<LrRequest, AppError> {
    if !text.contains('=') {
        return Ok(LrRequest::All(parse_number(text, "--lr")?));
    }
    let mut per_kind = Vec::new();
    for part in text.split(',') {
        let Some((kind, value)) = part.split_once('=') else {
            return Err(AppError::Usage(format!(
                "--lr: expected KIND=VALUE pairs (sgd=0.01,adam=0.1), found `{part}`"
            )));
        };
        per_kind.push((kind.trim().to_string(), parse_number(value, "--lr")?));
    }
    Ok(LrRequest::PerKind(per_kind))
}

/// Runs every optimizer of an experiment, in the order the file lists them.
pub fn run_all(experiment: &Experiment) -> Vec<Trace> {
    let start = Array1::from(experiment.start.to_vec());
    let seed = experiment.seed;
    let limits = Limits {
        steps: experiment.steps,
        tolerance: experiment.tolerance,
    };
    let surface = &experiment.surface;
    let one = |r: &config::RunConfig| {
        let noise = r
            .noise_std(experiment.noise)
            .map(|std| GradientNoise { std, seed });
        run(
            surface,
            noise,
            &r.spec,
            start.view(),
            limits,
            &Cancel::new(),
        )
    };
    // Runs are independent: share them among threads, results in file order.
    std::thread::scope(|scope| {
        let handles: Vec<_> = experiment
            .runs
            .iter()
            .map(|r| scope.spawn(move || one(r)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a run never panics"))
            .collect()
    })
}

/// One output file, ready to be written: its bytes, or the runs whose CSV is streamed.
pub struct Rendered<'a> {
    pub name: String,
    content: Content<'a>,
}

enum Content<'a> {
    Bytes(Vec<u8>),
    /// The trajectory CSV, streamed to disk at write time: it can be far larger than the
    /// traces it comes from (a million steps is about 80 MB of text).
    Csv(Vec<RunOutcome<'a>>),
}

/// What [`write_experiment`] wrote.
#[derive(Debug)]
pub struct Written {
    /// `<out>/<name>/`.
    pub dir: PathBuf,
    /// The names of the files in it.
    pub files: Vec<String>,
    /// The runs' traces, in the experiment's order.
    pub traces: Vec<Trace>,
}

/// Runs the experiment and writes its files into `<out>/<name>/`, printing nothing (the
/// playground's export uses it while the terminal shows the UI).
pub fn write_experiment(experiment: &Experiment, out: &Path) -> Result<Written, AppError> {
    let formats = picture_formats(experiment);
    let traces = run_all(experiment);
    let dir = out.join(&experiment.name);
    let files = render_files(experiment, &traces, &formats, &dir)?;
    write_all(&dir, &files)?;
    let files = files.into_iter().map(|f| f.name).collect();
    Ok(Written { dir, files, traces })
}

fn outcomes<'a>(experiment: &'a Experiment, traces: &'a [Trace]) -> Vec<RunOutcome<'a>> {
    experiment
        .runs
        .iter()
        .zip(traces)
        .map(|(r, trace)| RunOutcome {
            label: &r.label,
            kind: &r.kind,
            lr: r.spec.lr,
            trace,
        })
        .collect()
}

fn run_experiment(experiment: &Experiment, out: &Path) -> Result<(), AppError> {
    let written = write_experiment(experiment, out)?;
    let outcomes = outcomes(experiment, &written.traces);
    let colour = if std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    {
        Colour::Always
    } else {
        Colour::Never
    };
    let table = export::table(&experiment.name, &experiment.surface, &outcomes, colour);
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = writeln!(stdout, "{table}");
    eprintln!(
        "wrote {} ({})",
        written.dir.display(),
        written.files.join(", ")
    );
    Ok(())
}

/// Every output file of an experiment: the CSV (streamed when written), the JSON and the
/// figures (drawn in parallel). `dir` only names files in errors.
pub fn render_files<'a>(
    experiment: &'a Experiment,
    traces: &'a [Trace],
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Rendered<'a>>, AppError> {
    let summary = export::summary_json(
        &experiment.name,
        &experiment.surface,
        &outcomes(experiment, traces),
    );
    let mut files = vec![
        Rendered {
            name: "trajectory.csv".into(),
            content: Content::Csv(outcomes(experiment, traces)),
        },
        Rendered {
            name: "summary.json".into(),
            content: Content::Bytes(summary),
        },
    ];
    files.extend(render_figures(experiment, traces, formats, dir)?);
    Ok(files)
}

/// f over the plot window, as the contour figure draws it.
pub fn sample_grid(experiment: &Experiment) -> Grid {
    Grid::sample(
        &experiment.surface,
        experiment.plot.window,
        GRID_SIZE,
        GRID_SIZE,
    )
}

/// What the figures show of an experiment and its traces.
pub fn scene<'a>(experiment: &'a Experiment, traces: &'a [Trace], grid: &'a Grid) -> Scene<'a> {
    let surface = &experiment.surface;
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
                legend: format!("{} ({})", r.label, r.summary),
                trace,
                snapshots: r
                    .spec
                    .schedule
                    .restarts(trace.steps())
                    .into_iter()
                    .map(|s| s as usize)
                    .collect(),
            })
            .collect(),
        levels: experiment.plot.levels,
        log_levels: experiment.plot.log_levels,
        width: experiment.plot.width,
        height: experiment.plot.height,
        x_axis: match experiment.plot.x_axis {
            config::XAxis::Steps => LossAxis::Steps,
            config::XAxis::Evaluations => LossAxis::Evaluations,
        },
    }
}

fn render_figures(
    experiment: &Experiment,
    traces: &[Trace],
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<Rendered<'static>>, AppError> {
    let grid = sample_grid(experiment);
    let scene = scene(experiment, traces, &grid);
    let mut files = Vec::new();
    for (figure, format, bytes) in plot::render_all(&scene, formats) {
        let name = format!("{}.{}", figure.stem(), format.extension());
        let bytes = bytes.map_err(|source| AppError::Plot {
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

/// Writes the files so that the folder holds either all the old ones or all the new ones:
/// each goes to a temporary name first, and only when all are written are they renamed.
/// Ctrl-C while the temporary files are written removes them and changes nothing.
pub fn write_all(dir: &Path, files: &[Rendered]) -> Result<(), AppError> {
    std::fs::create_dir_all(dir).map_err(|source| AppError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    WRITING.store(true, Ordering::SeqCst);
    let temps: Vec<PathBuf> = files
        .iter()
        .map(|f| dir.join(format!(".{}.{}.tmp", f.name, std::process::id())))
        .collect();
    let remove_temps = || {
        for temp in &temps {
            let _ = std::fs::remove_file(temp);
        }
    };
    for (file, temp) in files.iter().zip(&temps) {
        if let Err(source) = write_content(temp, &file.content) {
            remove_temps();
            WRITING.store(false, Ordering::SeqCst);
            return Err(AppError::Write {
                path: dir.join(&file.name),
                source,
            });
        }
        if INTERRUPTED.load(Ordering::SeqCst) {
            remove_temps();
            eprintln!("interrupted: nothing was written");
            std::process::exit(INTERRUPTED_EXIT);
        }
    }
    for (file, temp) in files.iter().zip(&temps) {
        let path = dir.join(&file.name);
        if let Err(source) = std::fs::rename(temp, &path) {
            remove_temps();
            WRITING.store(false, Ordering::SeqCst);
            return Err(AppError::Write { path, source });
        }
    }
    WRITING.store(false, Ordering::SeqCst);
    if INTERRUPTED.load(Ordering::SeqCst) {
        eprintln!("interrupted after writing {}", dir.display());
        std::process::exit(INTERRUPTED_EXIT);
    }
    Ok(())
}

fn write_content(path: &Path, content: &Content<'_>) -> std::io::Result<()> {
    match content {
        Content::Bytes(bytes) => std::fs::write(path, bytes),
        Content::Csv(runs) => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
            export::write_trajectory_csv(&mut out, runs)?;
            out.flush()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lr_flag_takes_one_value_or_pairs() {
        assert!(matches!(parse_lr("0.1"), Ok(LrRequest::All(v)) if v == 0.1));
        let Ok(LrRequest::PerKind(pairs)) = parse_lr("sgd=0.01,adam=1e-1") else {
            panic!("pairs not parsed");
        };
        assert_eq!(
            pairs,
            [("sgd".to_string(), 0.01), ("adam".to_string(), 0.1)]
        );
        assert!(parse_lr("sgd=fast").is_err());
        assert!(parse_lr("nan").is_err());
    }

    mod never_panics {
        use proptest::prelude::*;

        use super::*;

        const WORDS: [&str; 24] = [
            "compare",
            "run",
            "--opt",
            "sgd,adam",
            "newton,lbfgs,nadam",
            "--surface",
            "saddle",
            "bowl",
            "--start",
            "-1.5,2",
            "1,nan",
            "--steps",
            "0",
            "1000001",
            "--lr",
            "1e-300",
            "sgd=0.1,adam=-1",
            "adam=",
            "--noise",
            "-0.5",
            "--format",
            "png,webp",
            "--seed",
            "",
        ];

        fn word() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => (0..WORDS.len()).prop_map(|i| WORDS[i].to_string()),
                1 => any::<String>(),
            ]
        }

        proptest! {
            /// Any command line is parsed, and a compare validated, without a panic.
            #[test]
            fn on_any_command_line(words in proptest::collection::vec(word(), 0..10)) {
                let args = std::iter::once("optplay".to_string()).chain(words);
                if let Ok(Cli { command: Command::Compare(args) }) = Cli::try_parse_from(args)
                    && let Err(e) = compare_experiment(args)
                {
                    prop_assert_eq!(e.exit_code(), 2);
                }
            }
        }
    }

    #[test]
    fn start_flag_takes_two_numbers() {
        assert_eq!(parse_point("-1.5,2").unwrap(), [-1.5, 2.0]);
        assert!(parse_point("1").is_err());
        assert!(parse_point("1,2,3").is_err());
        assert!(parse_point("1,inf").is_err());
    }
}
