//! The command line (an interface scripts rely on: extend it, never rename). Parsing only:
//! values come out typed (optimizer and surface kinds from the registry, points, learning
//! rates); what they mean together is the app's job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{LrRequest, closest};
use crate::core::network::data::{DATASETS, DatasetKind};
use crate::core::registry;
use crate::core::{OptimizerKind, Point, SurfaceKind};

#[derive(Debug, Parser)]
#[command(
    name = "optplay",
    version,
    about = "See how optimizers behave: SGD, momentum, Adam and friends on 2-D loss surfaces",
    long_about = "optplay runs the optimizers of CS231n's lecture 7 over toy 2-D loss surfaces \
                  with torch.optim's exact update rules, and draws the lecture's figures: paths \
                  over contour lines, loss curves and learning rates.",
    after_help = "Examples:\n  optplay run configs/saddle.toml\n  optplay compare --opt sgd,momentum,adam\n  \
                  optplay compare --opt sgd,adam --surface rosenbrock --lr sgd=1e-3,adam=0.05\n  \
                  optplay list optimizers\n  optplay explain adam\n  \
                  optplay run configs/saddle.toml --watch\n  \
                  optplay init --surface saddle my_saddle.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand takes negative numbers as values (`--start -1.5,2`, `--lr -1` reaching
/// its own check), never as unknown flags.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run experiment files and write their figures, CSV and summary.
    #[command(allow_negative_numbers = true)]
    Run(RunArgs),
    /// Compare optimizers on one surface, or training a network on one dataset (--data),
    /// without writing an experiment file.
    #[command(allow_negative_numbers = true)]
    Compare(CompareArgs),
    /// Run every optimizer of a file over a grid of learning rates (and seeds), and compare
    /// each at its own best: the file's `[sweep]` table says the grid.
    #[command(allow_negative_numbers = true)]
    Sweep(SweepArgs),
    /// List the surfaces, optimizers, schedules and datasets, with their parameters and
    /// defaults.
    #[command(allow_negative_numbers = true)]
    List(ListArgs),
    /// Write a commented starter experiment file (never overwrites one).
    #[command(allow_negative_numbers = true)]
    Init(InitArgs),
    /// Explain an optimizer (its update rule, hyperparameters and defaults, torch.optim's
    /// form), a dataset, or a part of a network experiment (model, data, augment, dropout,
    /// dropconnect, batch_norm, l2, l1, ensemble, snapshots, average).
    #[command(allow_negative_numbers = true)]
    Explain(ExplainArgs),
    /// A full-screen terminal playground: watch the runs step (or a network file's runs
    /// train), turn the knobs, export.
    ///
    /// Keys on a surface: space play/pause, → / ← one step, + / − speed, tab select a run,
    /// l / L its lr down / up (1, 2, 5 steps), m / M its momentum (or β1) down / up, b Adam's
    /// bias correction, n gradient noise, s next surface, r restart, click to move the start,
    /// e export what is on screen (play-export.toml in the current folder, its figures in
    /// OUT/play-export/), q quit.
    ///
    /// On a network file (`[data]` and `[model]`) the map shows the selected run's decision
    /// regions (the digits: its confusion matrix) as it trains. Keys: space play/pause, →
    /// record_every more steps, + / − speed, tab select a run, l / L lr, m / M momentum (or
    /// β1), d / D dropout, w / W l2, b / B batch size (powers of two, then the full batch),
    /// each down / up and restarting that run; n / N the data's noise down / up (new points,
    /// every run restarted), r restart every run (the same initial weights), e export, q quit.
    #[command(allow_negative_numbers = true)]
    Play(PlayArgs),
}

#[derive(Debug, Args)]
pub struct PlayArgs {
    /// An experiment file to play: a surface's, or a network's (its runs train as you
    /// watch) [default: --surface saddle --opt sgd,momentum,adam].
    #[arg(value_name = "FILE", conflicts_with_all = ["opt", "surface", "start", "lr", "noise"])]
    pub file: Option<PathBuf>,
    /// Optimizers to play, comma-separated [default: sgd,momentum,adam].
    #[arg(short = 'O', long, value_name = "LIST", value_delimiter = ',', value_parser = optimizer_kind)]
    pub opt: Option<Vec<&'static OptimizerKind>>,
    #[command(flatten)]
    pub setup: SetupArgs,
    /// Folder for the figures that `e` exports: OUT/<name>/.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Draw the screen into a PNG instead of opening the terminal: 120×40 cells, as a
    /// terminal shows them. Needs no terminal.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// The step the screenshot shows (a network file trains that far) [default: the last
    /// step of the runs].
    #[arg(long, value_name = "N", requires = "screenshot")]
    pub screenshot_steps: Option<u64>,
}

impl Cli {
    /// The command line as clap sees it, each subcommand's help ending with two examples and
    /// the kinds it can name, listed from the registry (so a new kind shows up by itself).
    pub fn command_with_kinds() -> clap::Command {
        use clap::CommandFactory;
        let kinds = format!(
            "Surfaces: {}\nOptimizers: {}\nSchedules: {}\nDatasets: {}\n(`optplay list` for their settings and defaults)",
            registry::surface_names().join(", "),
            registry::optimizer_names().join(", "),
            registry::schedule_names().join(", "),
            dataset_names().join(", ")
        );
        let examples: [(&str, [&str; 2]); 7] = [
            (
                "run",
                [
                    "optplay run configs/saddle.toml",
                    "optplay run configs/*.toml --out out/gallery --format png",
                ],
            ),
            (
                "compare",
                [
                    "optplay compare --opt sgd,momentum,adam --surface saddle",
                    "optplay compare --data moons --opt sgd,momentum,adam --steps 1000",
                ],
            ),
            (
                "sweep",
                [
                    "optplay sweep configs/sweep_rosenbrock.toml",
                    "optplay sweep configs/sweep_rosenbrock.toml --shard 2/8 --out parts && \
                     optplay sweep --merge parts",
                ],
            ),
            ("list", ["optplay list", "optplay list datasets"]),
            (
                "init",
                ["optplay init", "optplay init --data spiral my_spiral.toml"],
            ),
            (
                "explain",
                ["optplay explain adam", "optplay explain augment"],
            ),
            (
                "play",
                [
                    "optplay play --surface rosenbrock --opt sgd,momentum,adam",
                    "optplay play configs/overfitting.toml",
                ],
            ),
        ];
        let mut command = Cli::command();
        for (name, [first, second]) in examples {
            let help = format!("Examples:\n  {first}\n  {second}\n\n{kinds}");
            command = command.mut_subcommand(name, |sub| sub.after_help(help));
        }
        command
    }

    /// The process's command line, parsed; a usage error or `--help` ends the process (exit
    /// 2 and 0), as clap does.
    pub fn parse_args() -> Cli {
        use clap::FromArgMatches;
        let matches = Cli::command_with_kinds().get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// What `compare` and `play` build an experiment from, besides the optimizers.
#[derive(Debug, Clone, Default, Args)]
pub struct SetupArgs {
    /// The surface [default: quadratic for compare, saddle for play].
    #[arg(short, long, value_name = "NAME", value_parser = surface_kind, conflicts_with = "expr")]
    pub surface: Option<&'static SurfaceKind>,
    /// Your own surface: a formula in x and y ("x^2 + 10*y^2"; + - * / ^, sin cos tan exp
    /// log sqrt abs tanh sinh cosh atan, pi, e). Needs --start.
    #[arg(
        long,
        value_name = "FORMULA",
        allow_hyphen_values = true,
        requires = "start"
    )]
    pub expr: Option<String>,
    /// The window of --expr's plots: X0,X1,Y0,Y1 [default: -2,2,-2,2].
    #[arg(long, value_name = "X0,X1,Y0,Y1", allow_hyphen_values = true, value_parser = window, requires = "expr")]
    pub window: Option<[[f64; 2]; 2]>,
    /// Where every run starts [default: the surface's own start].
    #[arg(long, value_name = "X,Y", allow_hyphen_values = true, value_parser = point)]
    pub start: Option<Point>,
    /// The most steps each run takes [default: 200, or the file's].
    #[arg(short = 'n', long, value_name = "N")]
    pub steps: Option<u64>,
    /// Learning rate for all runs (0.1) or per optimizer (sgd=0.01,adam=0.1)
    /// [default: tuned per optimizer and surface].
    #[arg(short, long, value_name = "VALUE", allow_hyphen_values = true, value_parser = learning_rates)]
    pub lr: Option<LrRequest>,
    /// Standard deviation of Gaussian noise added to every gradient (minibatch-like).
    #[arg(long, value_name = "STD", allow_hyphen_values = true)]
    pub noise: Option<f64>,
    /// Seed of the gradient noise [default: 0, or the file's].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

/// `--opt NAME`: an optimizer kind of the registry.
fn optimizer_kind(name: &str) -> Result<&'static OptimizerKind, String> {
    let name = name.trim();
    registry::optimizer(name)
        .ok_or_else(|| unknown("optimizer", name, &registry::optimizer_names()))
}

/// `--surface NAME`: a surface kind of the registry.
fn surface_kind(name: &str) -> Result<&'static SurfaceKind, String> {
    let name = name.trim();
    registry::surface(name).ok_or_else(|| unknown("surface", name, &registry::surface_names()))
}

/// `--data NAME`: a generated dataset kind (a CSV needs its file: it is written in a file).
fn dataset(name: &str) -> Result<&'static DatasetKind, String> {
    crate::guide::generated_dataset(name.trim()).map_err(|e| e.message)
}

/// The dataset kinds, and `csv`, as `[data] kind` takes them.
fn dataset_names() -> Vec<&'static str> {
    DATASETS.iter().map(|k| k.name).chain(["csv"]).collect()
}

/// `explain TOPIC`: an optimizer, a dataset or a network topic.
fn explain_topic(name: &str) -> Result<String, String> {
    let name = name.trim();
    let topics = crate::guide::topic_names();
    if topics.contains(&name) {
        Ok(name.to_string())
    } else {
        Err(unknown("topic", name, &topics))
    }
}

/// "unknown optimizer `adan`. Did you mean `adam`? The optimizers are: ...".
fn unknown(what: &str, given: &str, valid: &[&str]) -> String {
    let hint = closest(given, valid)
        .map(|c| format!(" Did you mean `{c}`?"))
        .unwrap_or_default();
    format!(
        "unknown {what} `{given}`.{hint} The {what}s are: {}.",
        valid.join(", ")
    )
}

fn number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("expected a finite number, found `{text}`")),
    }
}

/// `--start X,Y`.
fn point(text: &str) -> Result<Point, String> {
    let parts: Vec<&str> = text.split(',').collect();
    let [x, y] = parts[..] else {
        return Err(format!(
            "expected X,Y (two numbers and a comma, e.g. --start=-1.5,2), found `{text}`"
        ));
    };
    Ok([number(x)?, number(y)?])
}

/// `--window X0,X1,Y0,Y1`: an x range and a y range, each increasing.
fn window(text: &str) -> Result<[[f64; 2]; 2], String> {
    let parts: Vec<&str> = text.split(',').collect();
    let [x0, x1, y0, y1] = parts[..] else {
        return Err(format!(
            "expected X0,X1,Y0,Y1 (four numbers, e.g. --window=-3,3,-2,2), found `{text}`"
        ));
    };
    let [x0, x1, y0, y1] = [number(x0)?, number(x1)?, number(y0)?, number(y1)?];
    if x0 < x1 && y0 < y1 {
        Ok([[x0, x1], [y0, y1]])
    } else {
        Err(format!(
            "each range must increase (X0 < X1 and Y0 < Y1), found `{text}`"
        ))
    }
}

/// `--lr VALUE` or `--lr KIND=VALUE,...`. Whether the kinds are among `--opt` is checked with
/// the other flags.
fn learning_rates(text: &str) -> Result<LrRequest, String> {
    if !text.contains('=') {
        return Ok(LrRequest::All(number(text)?));
    }
    let mut per_kind = Vec::new();
    for part in text.split(',') {
        let Some((kind, value)) = part.split_once('=') else {
            return Err(format!(
                "expected KIND=VALUE pairs (sgd=0.01,adam=0.1), found `{part}`"
            ));
        };
        per_kind.push((kind.trim().to_string(), number(value)?));
    }
    Ok(LrRequest::PerKind(per_kind))
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this section: surfaces, optimizers, schedules or datasets [default: all four].
    #[arg(value_name = "SECTION")]
    pub section: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The surface of the experiment (see `optplay list surfaces`) [default: quadratic].
    #[arg(long, value_name = "NAME", value_parser = surface_kind)]
    pub surface: Option<&'static SurfaceKind>,
    /// A network experiment on this dataset instead (see `optplay list datasets`).
    #[arg(long, value_name = "KIND", value_parser = dataset, conflicts_with = "surface")]
    pub data: Option<&'static DatasetKind>,
    /// The file to write; it must not exist yet.
    #[arg(value_name = "FILE", default_value = "experiment.toml")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// An optimizer or dataset kind (see `optplay list`), or a network topic: model, data,
    /// augment, dropout, dropconnect, batch_norm, l2, l1, ensemble, snapshots, average.
    #[arg(value_name = "TOPIC", value_parser = explain_topic)]
    pub topic: String,
}

/// Where outputs go and in which picture formats.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Folder for outputs; each experiment writes into OUT/<name>/.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Picture formats, comma-separated (png, svg, gif: the animated paths), or none: the
    /// CSV and JSON only; overrides the experiment's [plot] formats.
    #[arg(short, long, value_name = "LIST", value_delimiter = ',')]
    pub format: Option<Vec<String>>,
    /// Keep in trajectory.csv only the rows of step 0, every K-th step and each run's last
    /// (overrides [output] csv_every); the summary stays exact.
    #[arg(long, value_name = "K")]
    pub csv_every: Option<u64>,
    /// No progress bar and no "wrote …" line on stderr; the results table (stdout) and
    /// errors still print. (The bar shows only when stderr is a terminal and the work takes
    /// more than about a second.)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Experiment files (TOML).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The most steps each run takes (overrides `steps` in the files).
    #[arg(short = 'n', long, value_name = "N")]
    pub steps: Option<u64>,
    /// Seed of the gradient noise (overrides `seed` in the files).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// After running, keep watching the files: every save re-runs that file, rewrites its
    /// outputs and prints its table again; a broken save prints its error and waits for the
    /// next one. Ctrl-C stops.
    #[arg(short, long)]
    pub watch: bool,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// An experiment file with a `[sweep]` table.
    #[arg(
        value_name = "FILE",
        required_unless_present = "merge",
        conflicts_with = "merge"
    )]
    pub file: Option<PathBuf>,
    /// Learning rates per optimizer (overrides `[sweep] points`).
    #[arg(short, long, value_name = "N", conflicts_with = "merge")]
    pub points: Option<u64>,
    /// Repeats of each setting with seeds seed, seed+1, … (overrides `[sweep] seeds`).
    // No short form: `-s` is `--surface` in compare and play.
    #[arg(long, value_name = "N", conflicts_with = "merge")]
    pub seeds: Option<u64>,
    /// Threads to run on [default: one per core]. The results do not depend on it.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Run only the K-th of N equal shares of the grid and write sweep.part-K-of-N.csv (for
    /// an array job: Slurm's $SLURM_ARRAY_TASK_ID, a Kubernetes indexed Job's index + 1); then
    /// `--merge` the parts.
    #[arg(long, value_name = "K/N", value_parser = shard, conflicts_with = "merge")]
    pub shard: Option<(usize, usize)>,
    /// Combine shard parts into the whole sweep's outputs, byte for byte those of an
    /// unsharded sweep. Each DIR is a shard's --out folder or its <name>-sweep folder.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub merge: Option<Vec<PathBuf>>,
    /// Folder for outputs: OUT/<name>-sweep/.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Picture formats, comma-separated (png, svg), or none: the CSV and JSON only.
    #[arg(short, long, value_name = "LIST", value_delimiter = ',')]
    pub format: Option<Vec<String>>,
    /// No progress bar and no "wrote …" line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--shard K/N`: 1 ≤ K ≤ N.
fn shard(text: &str) -> Result<(usize, usize), String> {
    let expected = "K/N with 1 ≤ K ≤ N, e.g. 3/8: the third of eight shares of the grid";
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected {expected}"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("expected {expected}"))
    };
    let (k, n) = (parse(k)?, parse(n)?);
    if k == 0 || k > n {
        return Err(format!("expected {expected}, not {k}/{n}"));
    }
    Ok((k, n))
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Optimizers to compare, comma-separated (see `optplay list optimizers`).
    #[arg(short = 'O', long, value_name = "LIST", value_delimiter = ',', required = true, value_parser = optimizer_kind)]
    pub opt: Vec<&'static OptimizerKind>,
    #[command(flatten)]
    pub setup: SetupArgs,
    /// Train a network on this dataset instead of stepping on a surface: the dataset's
    /// defaults, hidden [64], each optimizer at its default lr for networks.
    #[arg(long, value_name = "KIND", value_parser = dataset,
          conflicts_with_all = ["surface", "expr", "start", "noise"])]
    pub data: Option<&'static DatasetKind>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Smooth the loss curves: a moving average of weight W, from 0 (none) to below 1 (0.9:
    /// about the last ten steps), the raw curves faint behind.
    #[arg(long, value_name = "W", value_parser = smoothing_weight)]
    pub smooth: Option<f64>,
    /// The loss figure's step axis on a log scale (from step 1).
    #[arg(long)]
    pub log_x: bool,
}

/// `--smooth W`: as `[plot] smooth`, 0 ≤ W < 1.
fn smoothing_weight(text: &str) -> Result<f64, String> {
    let w = number(text)?;
    if (0.0..1.0).contains(&w) {
        Ok(w)
    } else {
        Err(format!(
            "expected a weight from 0 (no smoothing) to below 1, found `{text}`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        Cli::command_with_kinds().debug_assert();
    }

    #[test]
    fn every_subcommands_help_lists_the_kinds_and_two_examples() {
        let mut command = Cli::command_with_kinds();
        for sub in command.get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            for kind in registry::optimizer_names()
                .into_iter()
                .chain(registry::surface_names())
                .chain(registry::schedule_names())
            {
                assert!(help.contains(kind), "{}: {kind} missing", sub.get_name());
            }
            let examples = help.lines().filter(|l| l.starts_with("  optplay ")).count();
            assert!(examples >= 2, "{}:\n{help}", sub.get_name());
        }
    }

    #[test]
    fn short_flags_and_negative_numbers_parse() {
        let cli = Cli::try_parse_from([
            "optplay", "compare", "-O", "sgd,adam", "-s", "saddle", "-n", "50", "-l", "0.1", "-o",
            "x", "-f", "svg", "--start", "-1.5,2",
        ])
        .unwrap();
        let Command::Compare(args) = cli.command else {
            panic!("parsed as another command");
        };
        assert_eq!(args.setup.surface.map(|k| k.name), Some("saddle"));
        assert_eq!(args.setup.steps, Some(50));
        assert_eq!(args.setup.start, Some([-1.5, 2.0]));
        assert_eq!(
            args.output.format.as_deref(),
            Some(&["svg".to_string()][..])
        );
        let negative = Cli::try_parse_from(["optplay", "compare", "-O", "sgd", "--seed", "-3"]);
        let message = negative.unwrap_err().to_string();
        assert!(
            message.contains("'-3'") && !message.contains("unexpected argument"),
            "{message}"
        );
    }

    #[test]
    fn negative_start_coordinates_parse() {
        let cli = Cli::try_parse_from([
            "optplay", "compare", "--opt", "sgd,adam", "--start", "-1.5,2",
        ])
        .unwrap();
        let Command::Compare(args) = cli.command else {
            panic!("parsed as another command");
        };
        let names: Vec<&str> = args.opt.iter().map(|k| k.name).collect();
        assert_eq!(names, ["sgd", "adam"]);
        assert_eq!(args.setup.start, Some([-1.5, 2.0]));
    }

    #[test]
    fn values_are_parsed_into_types_and_bad_ones_refused_with_a_hint() {
        assert!(matches!(learning_rates("0.1"), Ok(LrRequest::All(v)) if v == 0.1));
        let Ok(LrRequest::PerKind(pairs)) = learning_rates("sgd=0.01,adam=1e-1") else {
            panic!("pairs not parsed");
        };
        assert_eq!(
            pairs,
            [("sgd".to_string(), 0.01), ("adam".to_string(), 0.1)]
        );
        assert!(learning_rates("sgd=fast").is_err());
        assert!(learning_rates("nan").is_err());
        assert_eq!(point("-1.5,2").unwrap(), [-1.5, 2.0]);
        assert!(point("1").is_err() && point("1,2,3").is_err() && point("1,inf").is_err());
        let e = optimizer_kind("adma").unwrap_err();
        assert!(e.contains("Did you mean `adam`?"), "{e}");
        assert_eq!(surface_kind(" saddle").unwrap().name, "saddle");
        assert_eq!(window("-3,3,-2,2").unwrap(), [[-3.0, 3.0], [-2.0, 2.0]]);
        assert!(window("1,0,0,1").is_err() && window("0,1,0").is_err());
        assert_eq!(smoothing_weight("0.9"), Ok(0.9));
        assert_eq!(smoothing_weight("0"), Ok(0.0));
        assert!(smoothing_weight("1").is_err() && smoothing_weight("-0.5").is_err());
    }
}
