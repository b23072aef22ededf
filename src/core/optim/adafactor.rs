//! Adafactor (Shazeer & Stern, 2018): torch.optim.Adafactor, in its form for a vector.
//!
//! torch factors the second moment of a matrix parameter into row and column means; optplay's
//! parameters are one vector, for which torch keeps the full second moment, so only that
//! form is here.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome, lerp};
use crate::core::objective::Counted;
use crate::core::spec::{Default, Invalid, Key, Legend, Range, Settings};

/// Adafactor: an RMSProp whose decay rate rises towards 1 with t, whose step is relative to
/// the size of the parameters, and whose update is clipped to an RMS of at most d.
#[derive(Debug, Clone, PartialEq)]
pub struct Adafactor {
    /// τ: 1 − β̂2_t = t^τ.
    pub beta2_decay: f64,
    /// ε1: the floor of √v̂ (torch's `None` is the machine epsilon).
    pub eps1: f64,
    /// ε2: the floor of the parameters' RMS in the relative step.
    pub eps2: f64,
    /// The clipping threshold on the update's RMS.
    pub d: f64,
    /// Decoupled: every step multiplies x by (1 − lr·weight_decay).
    pub weight_decay: f64,
}

/// Steps taken and the running mean of g².
#[derive(Debug, Clone)]
pub struct AdafactorState {
    step: u64,
    variance: Array1<f64>,
}

/// The Euclidean norm, as torch's `norm(2)`.
fn norm(v: &Array1<f64>) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `numel ** 0.5` as Python computes it: the root of a count, for an RMS.
fn sqrt_len(v: &Array1<f64>) -> f64 {
    (v.len() as f64).powf(0.5)
}

impl Rule for Adafactor {
    type State = AdafactorState;

    fn init(&self, dim: usize) -> AdafactorState {
        AdafactorState {
            step: 0,
            variance: Array1::zeros(dim),
        }
    }

    fn step(
        &self,
        state: &mut AdafactorState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        state.step += 1;
        // Python floats in torch, in its order of operations.
        let t = state.step as f64;
        let one_minus_beta2 = t.powf(self.beta2_decay);
        let relative_step = lr.min(1.0 / t.powf(0.5));
        // The step is relative to the parameters' RMS before the weight decay shrinks them.
        let step_size = self.eps2.max(norm(params) / sqrt_len(params)) * relative_step;
        if self.weight_decay != 0.0 {
            let shrink = 1.0 - lr * self.weight_decay;
            params.mapv_inplace(|p| p * shrink);
        }
        // ε1 is squared because the root comes after: it floors √v̂, not v̂.
        let floor = self.eps1 * self.eps1;
        let mut update = Array1::zeros(params.len());
        Zip::from(&mut update)
            .and(&mut state.variance)
            .and(grad)
            .for_each(|u, v, &g| {
                *v = lerp(*v, g * g, one_minus_beta2);
                *u = 1.0 / v.max(floor).sqrt() * g;
            });
        // torch: max(1, norm / (numel ** 0.5 · d)), in that order.
        let clip = 1.0f64.max(norm(&update) / (sqrt_len(&update) * self.d));
        let scale = -step_size / clip;
        Zip::from(params)
            .and(&update)
            .for_each(|p, &u| *p += scale * u);
        StepOutcome::default()
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        // No: its step is divided by the root of a running average of g², which shrinks with the
        // gradient (see the trait).
        false
    }
}

const KEYS: [Key; 5] = [
    Key::number(
        "beta2_decay",
        -0.8,
        Range::NonPositive,
        "τ: the second moment's decay rate is β̂2_t = 1 − t^τ, rising towards 1",
    )
    .with_legend(Legend::ChangedAs("τ")),
    Key::number(
        "eps1",
        f64::EPSILON,
        Range::NonNegative,
        "ε1, the floor of √v̂",
    )
    .with_default(Default::Absent {
        meaning: "the machine epsilon, torch's None",
    })
    .with_legend(Legend::ChangedAs("ε1")),
    Key::number(
        "eps2",
        1e-3,
        Range::NonNegative,
        "ε2, the floor of the parameters' RMS, so a parameter at zero still moves",
    )
    .with_legend(Legend::ChangedAs("ε2")),
    Key::number(
        "d",
        1.0,
        Range::Positive,
        "the clipping threshold: an update whose RMS exceeds d is scaled down to RMS d (≥ 1)",
    )
    .with_legend(Legend::ChangedAs("d")),
    Key::number(
        "weight_decay",
        0.0,
        Range::NonNegative,
        "decoupled: every step multiplies x by (1 − lr·weight_decay)",
    )
    .with_legend(Legend::NonZero("wd")),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Adafactor {
        beta2_decay: s.number("beta2_decay"),
        eps1: s.number_or("eps1", f64::EPSILON),
        eps2: s.number("eps2"),
        d: s.number("d"),
        weight_decay: s.number("weight_decay"),
    })
}

/// torch: "Clipping threshold d should be >= 1" (no range says ≥ 1).
fn check(s: &Settings) -> Result<(), Box<Invalid>> {
    if s.number("d") >= 1.0 {
        return Ok(());
    }
    Err(Box::new(Invalid {
        key: "d",
        also: &[],
        point_at: &[],
        expected: "a number ≥ 1".to_string(),
        found: None,
        note: Some("torch.optim.Adafactor: the clipping threshold d must be at least 1".into()),
        at: None,
    }))
}

/// The `adafactor` kind.
pub const ADAFACTOR: OptimizerKind = OptimizerKind {
    name: "adafactor",
    title: "Adafactor: relative steps, a rising β2 and update clipping, with no moment to store",
    keys: &KEYS,
    lr_doc: "the cap on the relative step ρ_t = min(lr, 1/√t) (the paper's 0.01), and the \
             factor of the weight decay",
    default_lr: &[
        ("quadratic", 0.8),
        ("saddle", 0.125),
        ("bowl", 1.0),
        ("rosenbrock", 0.25),
        ("beale", 0.06),
        ("himmelblau", 1.0),
        ("rastrigin", 0.015),
    ],
    fallback_lr: 1e-2,
    second_order: false,
    build,
    check,
    explain: Explain {
        rule: "β̂2_t ← 1 − t^τ                       (τ = −0.8: 0 at t = 1, then towards 1)\n\
               v ← β̂2_t·v + (1 − β̂2_t)·(g² + ε1)    (of a matrix: its row and column means)\n\
               u ← g / √v;   û ← u / max(1, RMS(u)/d)     update clipping\n\
               ρ_t ← min(0.01, 1/√t);   α_t ← max(ε2, RMS(x))·ρ_t\n\
               x ← x − α_t·û",
        why: "Adafactor was made to train large models in little memory: for a matrix it stores\n\
              only the row and column means of g², not v itself, and no first moment. Without\n\
              momentum Adam's updates can be far too large when β2 is close to 1, so β2 starts\n\
              low and rises with t (no bias correction needed), and every update is clipped to\n\
              an RMS of d. The step is relative: a fraction ρ_t of the parameters' own size, so\n\
              no learning rate has to be tuned to their scale.",
        torch: "torch.optim.Adafactor, for a vector parameter:\n\
                ρ_t ← min(lr, 1/√t);   α ← max(eps2, RMS(x))·ρ_t\n\
                x ← x·(1 − lr·weight_decay)\n\
                v ← v + t^τ·(g² − v)\n\
                u ← g / √max(v, eps1²)\n\
                x ← x − α·u / max(1, RMS(u)/d)\n\
                lr replaces the paper's 0.01 as the cap on ρ_t, and eps1 floors √v instead of\n\
                being added to g² (torch's note). eps1 = None is the machine epsilon.",
        advice: "The paper's settings are torch's defaults: τ = −0.8, d = 1, ε2 = 1e-3, and\n\
                 lr = 0.01 as the cap on the relative step.",
        configs: &[],
    },
};
