//! The one place that orchestrates: parse the command line, validate everything, then hand
//! the work to [`crate::output`] (run, render, write) or [`crate::play`].
//!
//! Every check on user input happens before the first step runs and before the first byte is
//! written, so a bad command line or experiment file leaves the output folder untouched.
//! SIGINT, SIGTERM and SIGHUP stop a command through a cancel token (`interrupt.rs`): what was
//! being written is taken away again, and the command ends with [`AppError::Interrupted`].

mod interrupt;
mod progress;
mod sweep;
mod watch;

use std::fmt;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, CompareArgs, OutputArgs, PlayArgs, RunArgs, SetupArgs};
use crate::config::{self, CompareRequest, ConfigError, Experiment, Overrides, UsageError};
use crate::core::Cancel;
use crate::export::Colour;
use crate::guide;
use crate::output::{self, Content, OutputError, Rendered};
use crate::plot;
use interrupt::Interrupts;
use progress::ProgressReport;

/// Where a command writes its experiments' outputs, and whether it says so on stderr.
#[derive(Debug, Clone, Copy)]
pub(super) struct Destination<'a> {
    /// `--out`: each experiment writes into `<out>/<name>/`.
    out: &'a Path,
    /// `--quiet`: no progress bar and no "wrote …" line (the table and errors still print).
    quiet: bool,
}

/// Everything that can stop a command, with its exit code: 2 bad input, 1 I/O, 130 interrupted.
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
    /// SIGINT, SIGTERM or SIGHUP stopped the command; no partial output is left (exit 130).
    #[error("{0}")]
    Interrupted(Interruption),
}

/// Where an interruption stopped a command, for its one-line message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    /// Before any experiment of the command was written.
    NothingWritten,
    /// After `written` of the command's `total` experiments were written, each whole.
    After { written: usize, total: usize },
    /// `run --watch` stopped watching (earlier runs' files stay: they are whole).
    Watching,
}

impl fmt::Display for Interruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interruption::NothingWritten => write!(f, "interrupted: nothing was written"),
            Interruption::After { written, total } => write!(
                f,
                "interrupted after writing {written} of {total} experiments: \
                 nothing of the others was written"
            ),
            Interruption::Watching => write!(f, "stopped watching"),
        }
    }
}

/// The exit code of a command ended by a signal, as shells report one ended by SIGINT.
const INTERRUPTED_EXIT: u8 = 130;

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
            AppError::Interrupted(_) => INTERRUPTED_EXIT,
        }
    }
}

impl From<OutputError> for AppError {
    fn from(e: OutputError) -> Self {
        match e {
            OutputError::Write { path, source } => AppError::Write { path, source },
            OutputError::Plot { path, source } => AppError::Plot { path, source },
            OutputError::Interrupted => AppError::Interrupted(Interruption::NothingWritten),
            e @ OutputError::SourceDiverged { .. } => AppError::Usage(e.to_string()),
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

/// Parses the command line, then runs the command until it ends or is interrupted. `main`
/// prints the error and exits with its code.
pub fn run() -> Result<(), AppError> {
    let cli = Cli::parse_args();
    execute(cli, &Interrupts::install())
}

fn execute(cli: Cli, interrupts: &Interrupts) -> Result<(), AppError> {
    let cancel = interrupts.cancel();
    match cli.command {
        Command::Run(args) => run_files(args, interrupts),
        Command::Compare(args) => compare(args, cancel),
        Command::Sweep(args) => sweep::sweep(args, cancel),
        Command::List(args) => print(&guide::list(args.section.as_deref())?),
        Command::Explain(args) => print(&guide::explain(&args.topic)?),
        Command::Init(args) => {
            let note = match args.data {
                Some(kind) => guide::init_data(kind.name, &args.file)?,
                None => guide::init(args.surface.map(|k| k.name), &args.file)?,
            };
            eprintln!("{note}");
            Ok(())
        }
        Command::Play(args) => play(args, cancel),
    }
}

fn play(args: PlayArgs, cancel: &Cancel) -> Result<(), AppError> {
    if let Some(path) = &args.screenshot {
        return screenshot(&args, path, cancel);
    }
    let experiment = with_trained_source(play_experiment(&args)?, cancel)?;
    // The playground handles keys itself (Ctrl-C is a key in raw mode); a signal makes it
    // give the terminal back and end as `q` does.
    crate::play::play(experiment, args.out, cancel).map_err(|e| match e {
        crate::play::PlayError::NotATerminal => {
            AppError::Usage(e.to_string().trim_start_matches("error: ").to_string())
        }
        crate::play::PlayError::Io(source) => AppError::Terminal(source),
    })
}

/// `play --screenshot FILE.png`: the screen after the steps asked for, as a PNG.
fn screenshot(args: &PlayArgs, path: &Path, cancel: &Cancel) -> Result<(), AppError> {
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
    let experiment = with_trained_source(play_experiment(args)?, cancel)?;
    let mut playground =
        crate::play::Playground::new(experiment, PathBuf::from("."), args.out.clone());
    playground.show_step(args.screenshot_steps);
    let bytes = crate::play::screenshot::png_of(|frame| playground.draw(frame)).map_err(|e| {
        AppError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        }
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file = Rendered {
        name: name.to_string(),
        content: Content::Bytes(bytes),
    };
    output::write_all(dir, &[file], cancel)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The experiment `play` starts with: the file, or one built like `compare`'s.
/// `experiment` with its transfer source trained, when it has one to train.
pub(super) fn with_trained_source(
    experiment: Experiment,
    cancel: &Cancel,
) -> Result<Experiment, AppError> {
    Ok(output::network::with_trained_source(&experiment, cancel)?.unwrap_or(experiment))
}

fn play_experiment(args: &PlayArgs) -> Result<Experiment, AppError> {
    if let Some(file) = &args.file {
        let overrides = Overrides {
            steps: args.setup.steps,
            seed: args.setup.seed,
            formats: None,
            csv_every: None,
            ..Overrides::default()
        };
        overrides.validate()?;
        return config::load_all(file, &overrides).map_err(AppError::Config);
    }
    let default_runs = || {
        ["sgd", "momentum", "adam"]
            .iter()
            .filter_map(|name| crate::core::registry::optimizer(name))
            .collect()
    };
    compare_experiment(CompareArgs {
        opt: args.opt.clone().unwrap_or_else(default_runs),
        setup: SetupArgs {
            surface: args
                .setup
                .surface
                .or_else(|| crate::core::registry::surface("saddle")),
            ..args.setup.clone()
        },
        output: OutputArgs {
            out: args.out.clone(),
            format: None,
            csv_every: None,
            quiet: false,
        },
        data: None,
        smooth: None,
        log_x: false,
    })
}

/// Text for stdout; a closed pipe (`| head`) is not an error worth a message.
fn print(text: &str) -> Result<(), AppError> {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(())
}

fn run_files(args: RunArgs, interrupts: &Interrupts) -> Result<(), AppError> {
    let overrides = Overrides {
        steps: args.steps,
        seed: args.seed,
        formats: args.output.format.clone(),
        csv_every: args.output.csv_every,
        ..Overrides::default()
    };
    overrides.validate()?;
    let to = Destination {
        out: &args.output.out,
        quiet: args.output.quiet,
    };
    if args.watch {
        return watch::run_and_watch(&args.files, &overrides, to, interrupts);
    }
    run_paths(&args.files, &[], &overrides, to, interrupts.cancel())
}

/// Checks every file in `files`, then runs each and writes its outputs. `others` are files
/// run alongside them earlier (`--watch` re-runs only the saved ones): a name clash with one
/// of those would overwrite its outputs, so it is an error too; their own mistakes are not
/// reported again.
fn run_paths(
    files: &[PathBuf],
    others: &[PathBuf],
    overrides: &Overrides,
    to: Destination<'_>,
    cancel: &Cancel,
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
    for (written, experiment) in experiments.iter().enumerate() {
        run_experiment(experiment, to, cancel).map_err(|e| match e {
            AppError::Interrupted(_) if written > 0 => AppError::Interrupted(Interruption::After {
                written,
                total: experiments.len(),
            }),
            e => e,
        })?;
    }
    Ok(())
}

fn compare(args: CompareArgs, cancel: &Cancel) -> Result<(), AppError> {
    let (out, quiet) = (args.output.out.clone(), args.output.quiet);
    let experiment = compare_experiment(args)?;
    run_experiment(&experiment, Destination { out: &out, quiet }, cancel)
}

/// The experiment `compare` runs, with every flag checked.
fn compare_experiment(args: CompareArgs) -> Result<Experiment, AppError> {
    let setup = args.setup;
    let request = CompareRequest {
        optimizers: args.opt,
        surface: setup.surface,
        expr: setup.expr,
        window: setup.window,
        start: setup.start,
        steps: setup.steps,
        lr: setup.lr.unwrap_or_default(),
        noise: setup.noise,
        formats: args.output.format,
        seed: setup.seed,
        csv_every: args.output.csv_every,
        data: args.data,
    };
    let mut experiment = config::compare_experiment(&request)?;
    experiment.plot.smooth = args.smooth.filter(|&w| w > 0.0);
    experiment.plot.log_x = args.log_x;
    Ok(experiment)
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

/// Runs and writes one experiment, with a progress bar on a terminal's stderr, then prints
/// its table and where its files went.
fn run_experiment(
    experiment: &Experiment,
    to: Destination<'_>,
    cancel: &Cancel,
) -> Result<(), AppError> {
    let show_progress = !to.quiet && std::io::stderr().is_terminal();
    let mut progress = ProgressReport::new(&experiment.name, show_progress);
    let written = output::write_experiment_with(experiment, to.out, cancel, &mut progress);
    // Off the screen before anything else is printed, an error or "interrupted" included.
    drop(progress);
    let written = written?;
    let colour = if std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    {
        Colour::Always
    } else {
        Colour::Never
    };
    let table = output::table(experiment, &written, colour);
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = writeln!(stdout, "{table}");
    if !to.quiet {
        eprintln!(
            "wrote {} ({})",
            written.dir.display(),
            written.files.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    mod never_panics {
        use clap::Parser;
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
}
