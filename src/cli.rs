//! The command line, as DESIGN.md pins it. Parsing only: what the flags mean is the app's job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run experiment files and write their figures, CSV and summary.
    Run(RunArgs),
    /// Compare optimizers on one surface without writing an experiment file.
    Compare(CompareArgs),
    /// List the surfaces, optimizers and schedules, with their parameters and defaults.
    List(ListArgs),
    /// Write a commented starter experiment file (never overwrites one).
    Init(InitArgs),
    /// Explain an optimizer: its update rule, hyperparameters and defaults, torch.optim's form.
    Explain(ExplainArgs),
    /// A full-screen terminal playground: watch the runs step, turn the knobs, export.
    ///
    /// Keys: space play/pause, → / ← one step, + / − speed, tab select a run, l / L halve /
    /// double its lr, m / M its momentum (or β1) down / up, b Adam's bias correction, n gradient
    /// noise, s next surface, r restart, click to move the start, e export what is on screen
    /// (play-export.toml in the current folder, its figures in OUT/play-export/), q quit.
    Play(PlayArgs),
}

#[derive(Debug, Args)]
pub struct PlayArgs {
    /// An experiment file to play [default: --surface saddle --opt sgd,momentum,adam].
    #[arg(value_name = "FILE", conflicts_with_all = ["opt", "surface", "start", "lr", "noise"])]
    pub file: Option<PathBuf>,
    /// Optimizers to play, comma-separated [default: sgd,momentum,adam].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub opt: Option<Vec<String>>,
    /// The surface [default: saddle].
    #[arg(long, value_name = "NAME")]
    pub surface: Option<String>,
    /// Where every run starts [default: the surface's own start].
    #[arg(long, value_name = "X,Y", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// The most steps each run takes [default: 200, or the file's].
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Learning rate for all runs (0.1) or per optimizer (sgd=0.01,adam=0.1).
    #[arg(long, value_name = "VALUE")]
    pub lr: Option<String>,
    /// Standard deviation of Gaussian noise added to every gradient.
    #[arg(long, value_name = "STD")]
    pub noise: Option<f64>,
    /// Seed of the gradient noise [default: 0, or the file's].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Folder for the figures that `e` exports: OUT/<name>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Draw the screen into a PNG instead of opening the terminal: 120×40 cells, as a
    /// terminal shows them. Needs no terminal.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// The step the screenshot shows [default: the last step of the runs].
    #[arg(long, value_name = "N", requires = "screenshot")]
    pub screenshot_steps: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this section: surfaces, optimizers or schedules [default: all three].
    #[arg(value_name = "SECTION")]
    pub section: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The surface of the experiment (see `optplay list surfaces`) [default: quadratic].
    #[arg(long, value_name = "NAME")]
    pub surface: Option<String>,
    /// The file to write; it must not exist yet.
    #[arg(value_name = "FILE", default_value = "experiment.toml")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// An optimizer kind: sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam.
    #[arg(value_name = "OPTIMIZER")]
    pub optimizer: String,
}

/// Where outputs go and in which picture formats.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Folder for outputs; each experiment writes into OUT/<name>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Picture formats, comma-separated (png, svg); overrides the experiment's [plot] formats.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub format: Option<Vec<String>>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Experiment files (TOML).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The most steps each run takes (overrides `steps` in the files).
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Seed of the gradient noise (overrides `seed` in the files).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// After running, keep watching the files: every save re-runs that file, rewrites its
    /// outputs and prints its table again; a broken save prints its error and waits for the
    /// next one. Ctrl-C stops.
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Optimizers to compare, comma-separated (see the list below).
    #[arg(long, value_name = "LIST", value_delimiter = ',', required = true)]
    pub opt: Vec<String>,
    /// The surface [default: quadratic, the elongated bowl].
    #[arg(long, value_name = "NAME")]
    pub surface: Option<String>,
    /// Where every run starts [default: the surface's own start].
    #[arg(long, value_name = "X,Y", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// The most steps each run takes [default: 200].
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Learning rate for all runs (0.1) or per optimizer (sgd=0.01,adam=0.1)
    /// [default: tuned per optimizer and surface].
    #[arg(long, value_name = "VALUE")]
    pub lr: Option<String>,
    /// Standard deviation of Gaussian noise added to every gradient (minibatch-like).
    #[arg(long, value_name = "STD")]
    pub noise: Option<f64>,
    /// Seed of the gradient noise [default: 0].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
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
        assert_eq!(args.opt, ["sgd", "adam"]);
        assert_eq!(args.start.as_deref(), Some("-1.5,2"));
    }
}
