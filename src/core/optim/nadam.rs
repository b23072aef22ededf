//! NAdam (Dozat, 2016): torch.optim.NAdam, with torch's momentum warm-up.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::adam::BETAS_KEY;
use super::sgd::WEIGHT_DECAY_KEY;
use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome, lerp, with_weight_decay};
use crate::core::objective::Counted;
use crate::core::spec::{Key, Range, Settings, no_check};

/// NAdam: Adam with a Nesterov look-ahead on the first moment and torch's momentum schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct NAdam {
    /// (β1, β2): decay rates of the first and second moments.
    pub betas: (f64, f64),
    /// Added to √v̂ so the division never blows up.
    pub eps: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// ψ: how fast μ_t warms up towards β1.
    pub momentum_decay: f64,
}

/// Steps taken, the product of the momentum coefficients so far, and the two moments.
#[derive(Debug, Clone)]
pub struct NAdamState {
    step: u64,
    mu_product: f64,
    exp_avg: Array1<f64>,
    exp_avg_sq: Array1<f64>,
}

impl Rule for NAdam {
    type State = NAdamState;

    fn init(&self, dim: usize) -> NAdamState {
        NAdamState {
            step: 0,
            mu_product: 1.0,
            exp_avg: Array1::zeros(dim),
            exp_avg_sq: Array1::zeros(dim),
        }
    }

    fn step(
        &self,
        state: &mut NAdamState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        state.step += 1;
        let (beta1, beta2) = self.betas;
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());

        let t = state.step as f64;
        let bias_correction2 = 1.0 - beta2.powf(t);
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(t * self.momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * self.momentum_decay));
        state.mu_product *= mu;
        let mu_product_next = state.mu_product * mu_next;
        let grad_coef = -lr * (1.0 - mu) / (1.0 - state.mu_product);
        let avg_coef = (-lr * mu_next) / (1.0 - mu_product_next);
        let (eps, weight1) = (self.eps, 1.0 - beta1);
        Zip::from(params)
            .and(&mut state.exp_avg)
            .and(&mut state.exp_avg_sq)
            .and(grad)
            .for_each(|p, m, v, &g| {
                *m = lerp(*m, g, weight1);
                *v = *v * beta2 + (1.0 - beta2) * g * g;
                let denom = (*v / bias_correction2).sqrt() + eps;
                *p += grad_coef * g / denom;
                *p += avg_coef * *m / denom;
            });
        StepOutcome::default()
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        // No: its step is divided by the root of a running average of g², which shrinks with the
        // gradient (see the trait).
        false
    }
}

const KEYS: [Key; 4] = [
    BETAS_KEY,
    Key::number(
        "eps",
        1e-8,
        Range::Positive,
        "ε, added to √v̂ so the division never blows up",
    ),
    WEIGHT_DECAY_KEY,
    Key::number(
        "momentum_decay",
        0.004,
        Range::NonNegative,
        "ψ: how fast μ_t warms up from β1/2 towards β1",
    ),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    let [beta1, beta2] = s.pair("betas");
    Arc::new(NAdam {
        betas: (beta1, beta2),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
        momentum_decay: s.number("momentum_decay"),
    })
}

/// The `nadam` kind.
pub const NADAM: OptimizerKind = OptimizerKind {
    name: "nadam",
    title: "NAdam: Adam with a Nesterov look-ahead on the first moment (Dozat, 2016)",
    keys: &KEYS,
    lr_doc: "α, the step size",
    default_lr: &[
        ("quadratic", 0.8),
        ("saddle", 0.125),
        ("bowl", 1.5),
        ("rosenbrock", 0.15),
        ("beale", 0.4),
        ("himmelblau", 0.4),
        ("rastrigin", 0.06),
    ],
    fallback_lr: 2e-3,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
               m̂ ← m / (1 − β1ᵗ);       v̂ ← v / (1 − β2ᵗ)\n\
               x ← x − α·(β1·m̂ + (1 − β1)·g / (1 − β1ᵗ)) / (√v̂ + ε)",
        why: "As Nesterov momentum improves on momentum, the step uses the first moment as it\n\
              will be after this step's gradient, not as it was.",
        torch: "torch.optim.NAdam (with a warm-up of the momentum coefficient):\n\
                g ← ∇f(x) + weight_decay·x\n\
                μ_t ← β1·(1 − ½·0.96^(t·momentum_decay))\n\
                m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;   v̂ ← v / (1 − β2ᵗ)\n\
                x ← x − lr·(1 − μ_t) / (1 − Π_{i≤t} μ_i) · g / (√v̂ + eps)\n\
                      − lr·μ_{t+1} / (1 − Π_{i≤t+1} μ_i) · m / (√v̂ + eps)",
        advice: "Not in the lecture; Adam's defaults are a good start. optplay's eps is torch's 1e-8.",
        configs: &["adam.toml"],
    },
};
