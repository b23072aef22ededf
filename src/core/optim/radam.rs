//! RAdam (Liu et al., 2020): torch.optim.RAdam, with its `decoupled_weight_decay` switch.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome, apply_weight_decay, lerp};
use crate::core::objective::Counted;
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// Rectified Adam: plain momentum while the second moment is too young to trust, then Adam
/// with its step scaled by the rectification term r_t.
#[derive(Debug, Clone, PartialEq)]
pub struct RAdam {
    /// (β1, β2): decay rates of the first and second moments.
    pub betas: (f64, f64),
    /// Added to √v so the division never blows up.
    pub eps: f64,
    /// L2 penalty (through the gradient), or the decoupled shrink factor.
    pub weight_decay: f64,
    /// Shrink the parameters directly (as AdamW) instead of adding `weight_decay·x` to g.
    pub decoupled_weight_decay: bool,
}

/// Steps taken and the two moments.
#[derive(Debug, Clone)]
pub struct RAdamState {
    step: u64,
    exp_avg: Array1<f64>,
    exp_avg_sq: Array1<f64>,
}

/// torch switches from momentum to the rectified Adam step once ρ_t exceeds this. The paper
/// writes 4, where r_t first exists; with 5, torch also skips the steps whose r_t is tiny.
const RECTIFY_ABOVE: f64 = 5.0;

impl Rule for RAdam {
    type State = RAdamState;

    fn init(&self, dim: usize) -> RAdamState {
        RAdamState {
            step: 0,
            exp_avg: Array1::zeros(dim),
            exp_avg_sq: Array1::zeros(dim),
        }
    }

    fn step(
        &self,
        state: &mut RAdamState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        state.step += 1;
        let coupled = apply_weight_decay(
            grad,
            params,
            lr,
            self.weight_decay,
            self.decoupled_weight_decay,
        );
        let grad = coupled.as_ref().map_or(grad, |g| g.view());

        // Python floats in torch, in its order of operations.
        let (beta1, beta2) = self.betas;
        let t = state.step as f64;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * beta2.powf(t) / bias_correction2;
        let rectification = (rho_t > RECTIFY_ABOVE).then(|| {
            ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .powf(0.5)
        });
        let bias_correction2_sqrt = bias_correction2.powf(0.5);
        let (eps, weight1) = (self.eps, 1.0 - beta1);
        Zip::from(params)
            .and(&mut state.exp_avg)
            .and(&mut state.exp_avg_sq)
            .and(grad)
            .for_each(|p, m, v, &g| {
                *m = lerp(*m, g, weight1);
                *v = *v * beta2 + (1.0 - beta2) * g * g;
                let corrected = *m / bias_correction1;
                *p -= match rectification {
                    Some(r) => corrected * lr * (bias_correction2_sqrt / (v.sqrt() + eps)) * r,
                    None => corrected * lr,
                };
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
    Key::pair(
        "betas",
        [0.9, 0.999],
        Range::UnitOpen,
        "(β1, β2): decay rates of the first moment and the second; β2 also sets ρ∞",
    )
    .with_legend(Legend::Always("β")),
    Key::number(
        "eps",
        1e-8,
        Range::Positive,
        "ε, added to √v so the division never blows up",
    ),
    Key::number(
        "weight_decay",
        0.0,
        Range::NonNegative,
        "L2 penalty: adds weight_decay·x to g, or with decoupled_weight_decay multiplies x \
         by (1 − lr·weight_decay)",
    )
    .with_legend(Legend::NonZero("wd")),
    Key::boolean(
        "decoupled_weight_decay",
        false,
        "apply weight_decay as AdamW does: shrink x directly, not through the moments",
    )
    .with_legend(Legend::Flag {
        on: "decoupled",
        off: "",
    }),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    let [beta1, beta2] = s.pair("betas");
    Arc::new(RAdam {
        betas: (beta1, beta2),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
        decoupled_weight_decay: s.boolean("decoupled_weight_decay"),
    })
}

/// The `radam` kind.
pub const RADAM: OptimizerKind = OptimizerKind {
    name: "radam",
    title: "RAdam: Adam that waits, with plain momentum, until its second moment is reliable",
    keys: &KEYS,
    lr_doc: "α, the step size (of the momentum steps too, where it is not scaled by √v)",
    default_lr: &[
        ("quadratic", 0.1),
        ("saddle", 0.6),
        ("bowl", 0.2),
        ("rosenbrock", 0.00125),
        ("beale", 0.01),
        ("himmelblau", 0.04),
        ("rastrigin", 0.004),
    ],
    fallback_lr: 1e-3,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
               m̂ ← m / (1 − β1ᵗ)\n\
               ρ∞ ← 2/(1 − β2) − 1;   ρ_t ← ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)\n\
               r_t ← √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))\n\
               x ← x − α·r_t·m̂ / √(v / (1 − β2ᵗ))     where ρ_t > 4 (r_t is defined)\n\
               x ← x − α·m̂                            otherwise: momentum, no scaling",
        why: "In Adam's first steps v is an average of very few g², so 1/√v̂ has a huge variance\n\
              and the first steps can go anywhere: that is why Adam needs a warm-up. ρ_t is the\n\
              length of the simple moving average that v stands for; while it is short RAdam\n\
              takes plain momentum steps, then scales Adam's step by r_t, which rises from 0\n\
              towards 1 as the variance of the adaptive scale settles: a warm-up that needs no\n\
              tuning. With β2 = 0.999, ρ_t passes 5 at step 6.",
        torch: "torch.optim.RAdam:\n\
                g ← ∇f(x) + weight_decay·x       (decoupled_weight_decay = false)\n\
                x ← x·(1 − lr·weight_decay)      (decoupled_weight_decay = true)\n\
                m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
                x ← x − (m / (1 − β1ᵗ))·lr·(√(1 − β2ᵗ) / (√v + eps))·r_t    where ρ_t > 5\n\
                x ← x − (m / (1 − β1ᵗ))·lr                                otherwise\n\
                torch's threshold is ρ_t > 5, where the paper writes ρ_t > 4.",
        advice: "Adam's defaults (β1 = 0.9, β2 = 0.999) with no warm-up schedule; its first\n\
                 steps are momentum steps of size lr·g, so an lr that suits Adam may be too\n\
                 large for them on a steep surface.",
        configs: &[],
    },
};
