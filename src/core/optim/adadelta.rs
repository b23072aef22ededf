//! Adadelta (Zeiler, 2012): torch.optim.Adadelta.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::sgd::WEIGHT_DECAY_KEY;
use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome, with_weight_decay};
use crate::core::objective::Counted;
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// Adadelta: RMSProp whose step is rescaled by the running RMS of its own past steps, so the
/// step has the units of x and needs no learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Adadelta {
    /// ρ: the decay rate of both running means.
    pub rho: f64,
    /// Inside both square roots; it sets the size of the first steps.
    pub eps: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
}

/// The running means of g² and of Δx².
#[derive(Debug, Clone)]
pub struct AdadeltaState {
    square_avg: Array1<f64>,
    acc_delta: Array1<f64>,
}

impl Rule for Adadelta {
    type State = AdadeltaState;

    fn init(&self, dim: usize) -> AdadeltaState {
        AdadeltaState {
            square_avg: Array1::zeros(dim),
            acc_delta: Array1::zeros(dim),
        }
    }

    fn step(
        &self,
        state: &mut AdadeltaState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());
        let (rho, eps) = (self.rho, self.eps);
        // torch, operation by operation:
        //   square_avg.mul_(rho).addcmul_(g, g, value=1 − rho)
        //   delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() · g
        //   acc_delta.mul_(rho).addcmul_(delta, delta, value=1 − rho)
        //   param.add_(delta, alpha=−lr)
        Zip::from(params)
            .and(&mut state.square_avg)
            .and(&mut state.acc_delta)
            .and(grad)
            .for_each(|p, v, u, &g| {
                *v = *v * rho + (1.0 - rho) * g * g;
                let std = (*v + eps).sqrt();
                let delta = (*u + eps).sqrt() / std * g;
                *u = *u * rho + (1.0 - rho) * delta * delta;
                *p += -lr * delta;
            });
        StepOutcome::default()
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        // No: its step is lr·√(average of Δx²)/√(average of g²): both shrink, and a minimum it
        // passes near is no rest (see the trait).
        false
    }
}

const KEYS: [Key; 3] = [
    Key::number(
        "rho",
        0.9,
        Range::UnitClosed,
        "ρ, the decay rate of both running means (of g² and of Δx²)",
    )
    .with_legend(Legend::Always("ρ")),
    Key::number(
        "eps",
        1e-6,
        Range::Positive,
        "ε, inside both square roots: it sets the size of the first steps",
    )
    .with_legend(Legend::ChangedAs("ε")),
    WEIGHT_DECAY_KEY,
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Adadelta {
        rho: s.number("rho"),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
    })
}

/// The `adadelta` kind.
pub const ADADELTA: OptimizerKind = OptimizerKind {
    name: "adadelta",
    title: "Adadelta: RMSProp with a step measured in units of x, no learning rate needed",
    keys: &KEYS,
    lr_doc: "a factor on the step Δx (the paper has none: 1.0)",
    default_lr: &[
        ("quadratic", 40.0),
        ("saddle", 12.5),
        ("bowl", 40.0),
        ("rosenbrock", 30.0),
        ("beale", 40.0),
        ("himmelblau", 100.0),
        ("rastrigin", 6.0),
    ],
    fallback_lr: 1.0,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "E[g²] ← ρ·E[g²] + (1 − ρ)·g²\n\
               Δx ← −(√(E[Δx²] + ε) / √(E[g²] + ε))·g\n\
               E[Δx²] ← ρ·E[Δx²] + (1 − ρ)·Δx²\n\
               x ← x + Δx",
        why: "RMSProp's step α·g/√E[g²] has no units of x: α must carry them, and must be tuned.\n\
              Adadelta replaces α by the RMS of its own recent steps, a rough inverse-Hessian\n\
              scale (Δx ≈ g/f''), so the step size adapts without a learning rate. The steps\n\
              start tiny (√ε per coordinate) and grow as E[Δx²] fills: Adadelta is slow to\n\
              get going, then keeps a pace set by the path itself.",
        torch: "torch.optim.Adadelta:\n\
                g ← ∇f(x) + weight_decay·x\n\
                v ← rho·v + (1 − rho)·g²\n\
                δ ← √(u + eps) / √(v + eps) · g\n\
                u ← rho·u + (1 − rho)·δ²\n\
                x ← x − lr·δ\n\
                The paper's rule with an extra factor lr on the step (1.0, torch's default,\n\
                is the paper).",
        advice: "Leave lr at 1.0 and ρ at 0.9 (torch's defaults; the paper tried 0.95); eps sets\n\
                 how fast the first steps grow (the paper used 1e-6).",
        configs: &[],
    },
};
