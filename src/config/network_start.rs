//! The network experiment that `optplay init --data KIND` writes and `optplay compare --data
//! KIND` runs: one set of settings per dataset, so that the file a user starts from and the
//! quick comparison agree.

use std::path::Path;

use crate::core::OptimizerKind;
use crate::core::network::data::DatasetKind;
use crate::number::toml_float;

use super::compare::{CompareRequest, distinct_kinds, learning_rates, steps_in_range};
use super::error::UsageError;
use super::{Experiment, NETWORK_LR_KEY, OutputSettings, check_csv_every, picture_formats};

/// One hidden layer of 64 ReLUs: enough for every 2-D kind's boundary and for the digits,
/// small enough that a run of a few thousand steps takes seconds.
const HIDDEN: [usize; 1] = [64];

/// The settings a starter network experiment on one dataset has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkStart {
    /// The dataset, at its own defaults (points, classes, noise).
    pub kind: &'static DatasetKind,
    /// Optimizer steps (minibatches).
    pub steps: u64,
    /// `[model] hidden`.
    pub hidden: &'static [usize],
    /// `[data] validation`: the fraction of each class held out, so the figures show a gap.
    pub validation: f64,
    /// `[data] batch`.
    pub batch: usize,
}

impl NetworkStart {
    /// The start for `kind`: 2000 steps of 32 points for a 2-D kind, 1000 steps of 64 images
    /// for the digits (about 36 epochs of their 1258 training images).
    pub fn of(kind: &'static DatasetKind) -> NetworkStart {
        let (steps, batch) = if kind.images { (1000, 64) } else { (2000, 32) };
        NetworkStart {
            kind,
            steps,
            hidden: &HIDDEN,
            validation: 0.3,
            batch,
        }
    }

    /// `[model] hidden` as TOML: `[64]`.
    pub fn hidden_toml(&self) -> String {
        let widths: Vec<String> = self.hidden.iter().map(ToString::to_string).collect();
        format!("[{}]", widths.join(", "))
    }

    /// The experiment as plain TOML: `name`, `steps`, `seed`, `[data]`, `[model]` and one
    /// `[[optimizer]]` per `(kind, lr)`.
    pub fn toml(&self, name: &str, steps: u64, seed: u64, runs: &[(&str, f64)]) -> String {
        let mut text = format!(
            "name = \"{name}\"\nsteps = {steps}\nseed = {seed}\n\n[data]\nkind = \"{}\"\n\
             validation = {}\nbatch = {}\n\n[model]\nhidden = {}\n",
            self.kind.name,
            toml_float(self.validation),
            self.batch,
            self.hidden_toml()
        );
        for (kind, lr) in runs {
            text.push_str(&format!(
                "\n[[optimizer]]\nkind = \"{kind}\"\nlr = {}\n",
                toml_float(*lr)
            ));
        }
        text
    }
}

/// `compare --data KIND`: `compare-<kind>`, one run per optimizer at its network default lr
/// (or `--lr`), on [`NetworkStart::of`] the dataset. The surface's flags are refused here as
/// on the command line, so a library caller gets the same answer.
pub(crate) fn network_compare(
    req: &CompareRequest,
    kind: &'static DatasetKind,
) -> Result<Experiment, UsageError> {
    let surface_flags = [
        ("--surface", req.surface.is_some()),
        ("--expr", req.expr.is_some()),
        ("--window", req.window.is_some()),
        ("--start", req.start.is_some()),
        ("--noise", req.noise.is_some()),
    ];
    if let Some((flag, _)) = surface_flags.iter().find(|(_, given)| *given) {
        return Err(UsageError::new(
            "--data",
            format!(
                "--data trains networks on the `{}` dataset; {flag} belongs to a surface \
                 comparison. Give one or the other.",
                kind.name
            ),
        ));
    }
    let kinds: Vec<&'static OptimizerKind> = distinct_kinds(&req.optimizers)?;
    let lrs = learning_rates(&kinds, NETWORK_LR_KEY, &req.lr)?;
    let start = NetworkStart::of(kind);
    let steps = steps_in_range(req.steps.unwrap_or(start.steps))?;
    let formats = req.formats.as_deref().map(picture_formats).transpose()?;
    let csv_every = req.csv_every.map_or(Ok(1), check_csv_every)?;
    let runs: Vec<(&str, f64)> = kinds.iter().map(|k| k.name).zip(lrs).collect();
    let name = format!("compare-{}", kind.name);
    let text = start.toml(&name, steps, req.seed.unwrap_or(0), &runs);
    // The text is this module's own; what can still be refused is an optimizer that cannot
    // train a network (its own message says why).
    let mut experiment = super::parse(&text, Path::new(&format!("{name}.toml")))
        .map_err(|e| UsageError::new("--opt", e.to_string()))?;
    if let Some(formats) = formats {
        experiment.plot.formats = formats;
    }
    experiment.output = OutputSettings { csv_every };
    Ok(experiment)
}
