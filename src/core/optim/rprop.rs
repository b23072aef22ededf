//! Rprop (Riedmiller & Braun, 1993): torch.optim.Rprop.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome};
use crate::core::objective::Counted;
use crate::core::spec::{Invalid, Key, Legend, Range, Settings};

/// Resilient backpropagation: each coordinate moves by its own step size in the direction
/// of −sign(g); the step size grows while g keeps its sign and shrinks when it flips.
#[derive(Debug, Clone, PartialEq)]
pub struct Rprop {
    /// (η−, η+): the factors a step size is multiplied by after a sign flip, and otherwise.
    pub etas: (f64, f64),
    /// (Γmin, Γmax): the bounds of every step size.
    pub step_sizes: (f64, f64),
}

/// The previous gradient (zeroed where its sign flipped) and every coordinate's step size.
#[derive(Debug, Clone)]
pub struct RpropState {
    prev: Array1<f64>,
    /// `None` until the first step, which fills it with that step's learning rate.
    step_size: Option<Array1<f64>>,
}

impl Rule for Rprop {
    type State = RpropState;

    fn init(&self, dim: usize) -> RpropState {
        RpropState {
            prev: Array1::zeros(dim),
            step_size: None,
        }
    }

    fn step(
        &self,
        state: &mut RpropState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        // torch reads the group's lr once, when it creates the state, and never again: a
        // schedule that rewrites lr later changes nothing. The same here.
        let dim = params.len();
        let step_size = state
            .step_size
            .get_or_insert_with(|| Array1::from_elem(dim, lr));
        let (eta_minus, eta_plus) = self.etas;
        let (min, max) = self.step_sizes;
        Zip::from(params)
            .and(step_size)
            .and(&mut state.prev)
            .and(grad)
            .for_each(|p, size, prev, &g| {
                let agreement = g * *prev;
                let (factor, g) = if agreement > 0.0 {
                    (eta_plus, g)
                } else if agreement < 0.0 {
                    // The sign flipped: the last step jumped over a minimum. Shrink, do not
                    // move this coordinate now, and forget g so the next step counts as fresh.
                    (eta_minus, 0.0)
                } else {
                    (1.0, g)
                };
                // torch's clamp_(min, max): the lower bound first, then the upper.
                *size = (*size * factor).max(min).min(max);
                *p += -signum(g) * *size;
                *prev = g;
            });
        StepOutcome::default()
    }
}

/// torch's `sign`: 0 for ±0 (Rust's `signum` gives ±1 there).
fn signum(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

const KEYS: [Key; 2] = [
    Key::pair(
        "etas",
        [0.5, 1.2],
        Range::Positive,
        "(η−, η+): a step size is multiplied by η− when g flips sign, by η+ while it keeps it",
    )
    .with_legend(Legend::Always("η")),
    Key::pair(
        "step_sizes",
        [1e-6, 50.0],
        Range::NonNegative,
        "(Γmin, Γmax): the smallest and largest step size a coordinate may take",
    )
    .with_legend(Legend::ChangedAs("Γ")),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    let [eta_minus, eta_plus] = s.pair("etas");
    let [min, max] = s.pair("step_sizes");
    Arc::new(Rprop {
        etas: (eta_minus, eta_plus),
        step_sizes: (min, max),
    })
}

/// torch: "0 < etaminus < 1 < etaplus"; and bounds in order, or clamping pins every step
/// size to the upper one.
fn check(s: &Settings) -> Result<(), Box<Invalid>> {
    let [eta_minus, eta_plus] = s.pair("etas");
    if !(0.0 < eta_minus && eta_minus < 1.0 && 1.0 < eta_plus) {
        return Err(Box::new(Invalid {
            key: "etas",
            also: &[],
            point_at: &[],
            expected: "etas = [η−, η+] with 0 < η− < 1 < η+".to_string(),
            found: None,
            note: Some(
                "torch.optim.Rprop: a flip must shrink the step size, agreement grow it".into(),
            ),
            at: None,
        }));
    }
    let [min, max] = s.pair("step_sizes");
    if min >= max {
        return Err(Box::new(Invalid {
            key: "step_sizes",
            also: &[],
            point_at: &[],
            expected: "step_sizes = [Γmin, Γmax] with Γmin < Γmax".to_string(),
            found: None,
            note: None,
            at: None,
        }));
    }
    Ok(())
}

/// The `rprop` kind.
pub const RPROP: OptimizerKind = OptimizerKind {
    name: "rprop",
    title: "Rprop: every coordinate steps by its own size along −sign(g), grown or shrunk by sign",
    keys: &KEYS,
    lr_doc: "Δ₀, every coordinate's first step size; read once, at the first step: a schedule \
             that changes lr later has no effect (as in torch)",
    default_lr: &[
        ("quadratic", 4.0),
        ("saddle", 1.5),
        ("bowl", 0.5),
        ("rosenbrock", 0.06),
        ("beale", 0.3),
        ("himmelblau", 0.25),
        ("rastrigin", 0.3),
    ],
    fallback_lr: 0.01,
    second_order: false,
    build,
    check,
    explain: Explain {
        rule: "per coordinate, with Δ the coordinate's step size:\n\
               if g·g_prev > 0:  Δ ← min(η+·Δ, Γmax)\n\
               if g·g_prev < 0:  Δ ← max(η−·Δ, Γmin);  g ← 0\n\
               x ← x − Δ·sign(g);   g_prev ← g",
        why: "Only the sign of the gradient is used, so the step does not depend on how steep\n\
              the surface is: flat plateaus and steep walls are crossed at the same pace. While\n\
              the sign holds the step grows geometrically; a flip means the last step jumped\n\
              over a minimum, so the step size shrinks and that coordinate waits one step\n\
              (g ← 0 also makes the next step count as neither agreement nor flip).",
        torch: "torch.optim.Rprop:\n\
                the rule above, with Δ starting at lr for every coordinate and g_prev at 0\n\
                (the first step is x ← x − lr·sign(g)); Γmin is applied before Γmax.\n\
                torch reads lr only when it creates the state on the first step: a\n\
                learning-rate scheduler that later rewrites lr changes nothing, and optplay\n\
                likewise ignores a schedule after the first step.",
        advice: "Meant for full-batch training: with noisy minibatch gradients the signs flip at\n\
                 random and the step sizes collapse. The defaults η = (0.5, 1.2) are the\n\
                 paper's, and rarely need tuning.",
        configs: &[],
    },
};
