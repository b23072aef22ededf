//! Adamax (Kingma & Ba, 2015, section 7): torch.optim.Adamax.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::sgd::WEIGHT_DECAY_KEY;
use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome, lerp, with_weight_decay};
use crate::core::objective::Counted;
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// Adamax: Adam with the infinity norm (a decaying maximum of |g|) in place of √v.
#[derive(Debug, Clone, PartialEq)]
pub struct Adamax {
    /// (β1, β2): decay rates of the first moment and of the running maximum of |g|.
    pub betas: (f64, f64),
    /// Added to |g| before the maximum, so the division never blows up.
    pub eps: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
}

/// Steps taken, the first moment and the decaying maximum of |g|.
#[derive(Debug, Clone)]
pub struct AdamaxState {
    step: u64,
    exp_avg: Array1<f64>,
    exp_inf: Array1<f64>,
}

impl Rule for Adamax {
    type State = AdamaxState;

    fn init(&self, dim: usize) -> AdamaxState {
        AdamaxState {
            step: 0,
            exp_avg: Array1::zeros(dim),
            exp_inf: Array1::zeros(dim),
        }
    }

    fn step(
        &self,
        state: &mut AdamaxState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        state.step += 1;
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());
        let (beta1, beta2) = self.betas;
        let (eps, weight1) = (self.eps, 1.0 - beta1);
        // Python floats in torch: `lr / (1 - beta1 ** step)`.
        let clr = lr / (1.0 - beta1.powf(state.step as f64));
        Zip::from(params)
            .and(&mut state.exp_avg)
            .and(&mut state.exp_inf)
            .and(grad)
            .for_each(|p, m, u, &g| {
                *m = lerp(*m, g, weight1);
                *u = (*u * beta2).max(g.abs() + eps);
                *p += -clr * *m / *u;
            });
        StepOutcome::default()
    }
}

const KEYS: [Key; 3] = [
    Key::pair(
        "betas",
        [0.9, 0.999],
        Range::UnitOpen,
        "(β1, β2): decay rates of the first moment and of the running maximum of |g|",
    )
    .with_legend(Legend::Always("β")),
    Key::number(
        "eps",
        1e-8,
        Range::Positive,
        "ε, added to |g| before the maximum, so the division never blows up",
    ),
    WEIGHT_DECAY_KEY,
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    let [beta1, beta2] = s.pair("betas");
    Arc::new(Adamax {
        betas: (beta1, beta2),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
    })
}

/// The `adamax` kind.
pub const ADAMAX: OptimizerKind = OptimizerKind {
    name: "adamax",
    title: "Adamax: Adam with the infinity norm, a decaying maximum of |g| in place of √v",
    keys: &KEYS,
    lr_doc: "α, the step size: at most about α per coordinate per step",
    default_lr: &[
        ("quadratic", 1.25),
        ("saddle", 0.6),
        ("bowl", 1.25),
        ("rosenbrock", 0.25),
        ("beale", 1.0),
        ("himmelblau", 3.0),
        ("rastrigin", 0.2),
    ],
    fallback_lr: 2e-3,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "m ← β1·m + (1 − β1)·g\n\
               u ← max(β2·u, |g|)                   the infinity norm of past gradients\n\
               x ← x − (α / (1 − β1ᵗ))·m / u",
        why: "Adam divides by an L2 average of past gradients; letting the norm's order go to\n\
              infinity gives this simple and stable rule: u is the largest recent |g|, decaying\n\
              by β2 per step. u needs no bias correction (it is not an average that starts at\n\
              zero), and the step is at most about α per coordinate.",
        torch: "torch.optim.Adamax:\n\
                g ← ∇f(x) + weight_decay·x\n\
                m ← β1·m + (1 − β1)·g\n\
                u ← max(β2·u, |g| + eps)\n\
                x ← x − (lr / (1 − β1ᵗ))·m / u\n\
                eps sits inside the maximum, not added to u.",
        advice: "The paper's defaults: α = 0.002, β1 = 0.9, β2 = 0.999.",
        configs: &[],
    },
};
