//! `[sweep] metric`: what a sweep ranks each run by, which way is better, and which metrics
//! a surface or a network can be measured by (refused with a reason otherwise).

use super::error::ErrorKind;
use super::reader::Cx;

/// What a sweep measures of each run. Lower is better for every one but `ValAccuracy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// f at the run's last point (a network: the training loss of its last history row).
    FinalLoss,
    /// The lowest f the run reached (a network: the lowest training loss of any row).
    BestLoss,
    /// The steps until |∇f| fell below the experiment's `tolerance` (surfaces only).
    StepsToTolerance,
    /// A network's accuracy on its validation set at the last history row; higher is better.
    ValAccuracy,
    /// A network's loss on its validation set at the last history row.
    ValLoss,
}

/// Every metric's name, the network ones included (refused on surfaces with a reason).
pub const METRICS: [&str; 5] = [
    "final_loss",
    "best_loss",
    "steps_to_tolerance",
    "val_accuracy",
    "val_loss",
];

impl Metric {
    /// The name in files and in `sweep.json`.
    pub fn name(&self) -> &'static str {
        match self {
            Metric::FinalLoss => "final_loss",
            Metric::BestLoss => "best_loss",
            Metric::StepsToTolerance => "steps_to_tolerance",
            Metric::ValAccuracy => "val_accuracy",
            Metric::ValLoss => "val_loss",
        }
    }

    /// For people: axis captions and the table.
    pub fn caption(&self) -> &'static str {
        match self {
            Metric::FinalLoss => "final loss",
            Metric::BestLoss => "best loss",
            Metric::StepsToTolerance => "steps to tolerance",
            Metric::ValAccuracy => "validation accuracy",
            Metric::ValLoss => "validation loss",
        }
    }

    /// Losses span decades; step counts and accuracies do not.
    pub fn is_loss(&self) -> bool {
        !matches!(self, Metric::StepsToTolerance | Metric::ValAccuracy)
    }

    /// Accuracy: the best learning rate has the highest median, and a diverged run counts as
    /// −inf. Every other metric: the lowest, and +inf.
    pub fn higher_is_better(&self) -> bool {
        matches!(self, Metric::ValAccuracy)
    }

    /// The metric as "lower is better" ranks it: the value, or its negation for accuracy.
    pub fn rank(&self, value: f64) -> f64 {
        if self.higher_is_better() {
            -value
        } else {
            value
        }
    }

    /// The value a diverged run counts as: the worst there is.
    pub fn worst(&self) -> f64 {
        self.rank(f64::INFINITY)
    }

    /// Whether it measures the validation set.
    pub fn needs_validation(&self) -> bool {
        matches!(self, Metric::ValAccuracy | Metric::ValLoss)
    }
}

/// What the grid is run on, as far as `[sweep]`'s checks need to know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SweptProblem {
    /// A surface, with the file's `tolerance` if any.
    Surface { tolerance: Option<f64> },
    /// A network; `validation`: whether its data hold a validation set.
    Network { validation: bool },
    /// The problem itself was broken (its errors are reported): judge what can be judged.
    Unknown,
}

pub(super) fn metric(
    cx: &mut Cx<'_>,
    v: &super::reader::Value<'_>,
    problem: SweptProblem,
) -> Option<Metric> {
    let name = cx.name(v, "sweep.metric", "metric", &METRICS)?;
    let metric = match name {
        "final_loss" => Metric::FinalLoss,
        "best_loss" => Metric::BestLoss,
        "steps_to_tolerance" => Metric::StepsToTolerance,
        "val_accuracy" => Metric::ValAccuracy,
        _ => Metric::ValLoss,
    };
    let refuse = |cx: &mut Cx<'_>, expected: &str, note: String| {
        let e = cx
            .error(
                ErrorKind::InvalidValue,
                v.span(),
                "invalid value for `sweep.metric`".to_string(),
            )
            .key("sweep.metric")
            .expected(expected.to_string())
            .found(cx.show(v, true))
            .note(note);
        cx.push(e);
    };
    match problem {
        SweptProblem::Surface { .. } if metric.needs_validation() => {
            refuse(
                cx,
                "final_loss, best_loss or steps_to_tolerance on a surface",
                format!("`{name}` measures a network on its validation data; a surface has none"),
            );
            None
        }
        SweptProblem::Network { .. } if metric == Metric::StepsToTolerance => {
            refuse(
                cx,
                "val_accuracy, val_loss, final_loss or best_loss on a network",
                "a network run takes all its steps (there is no `tolerance` to reach); \
                 compare validation accuracy or loss after them instead"
                    .to_string(),
            );
            None
        }
        SweptProblem::Network { validation: false } if metric.needs_validation() => {
            refuse(
                cx,
                "final_loss or best_loss: this network has no validation set",
                format!(
                    "`{name}` is measured on held-out data; set `[data] validation` to a \
                     fraction above 0 (e.g. 0.3) to have some"
                ),
            );
            None
        }
        SweptProblem::Surface { tolerance: None } if metric == Metric::StepsToTolerance => {
            let e = cx
                .error(
                    ErrorKind::Missing,
                    v.span(),
                    "`steps_to_tolerance` needs a `tolerance`".to_string(),
                )
                .key("tolerance")
                .expected("`tolerance = ...` at the top of the file: the |grad| a run must reach")
                .note(
                    "without one, Adam-like rules and noisy runs never stop, and every run \
                     would count as never reaching it",
                );
            cx.push(e);
            None
        }
        _ => Some(metric),
    }
}
