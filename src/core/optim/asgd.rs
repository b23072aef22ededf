//! ASGD, averaged SGD (Polyak & Juditsky, 1992): torch.optim.ASGD.

use std::sync::Arc;

use ndarray::{Array1, ArrayView1, Zip};

use super::sgd::WEIGHT_DECAY_KEY;
use super::{Explain, Optimizer, OptimizerKind, Rule, StepOutcome, with_weight_decay};
use crate::core::objective::Counted;
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// Averaged SGD: SGD with a decaying step size η_t and a shrinking of x by (1 − λ·η_t),
/// which also keeps the running average of its iterates from step t0 on.
#[derive(Debug, Clone, PartialEq)]
pub struct Asgd {
    /// λ: the decay term of η and of x.
    pub lambd: f64,
    /// α: the power of η's decay.
    pub alpha: f64,
    /// The step after which the iterates are averaged.
    pub t0: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
}

/// What torch keeps per parameter: the step count, the step size η, the averaging weight μ
/// and the average `ax` of the iterates.
#[derive(Debug, Clone)]
pub struct AsgdState {
    step: u64,
    /// `None` until the first step, which takes that step's learning rate.
    eta: Option<f64>,
    mu: f64,
    /// The averaged iterate: torch's result of ASGD, kept in the optimizer's state. The path
    /// (like torch's parameters) is the SGD iterate x, not this average.
    ax: Array1<f64>,
}

impl AsgdState {
    /// The running average of the iterates (equal to the last iterate until step t0 + 1).
    pub fn average(&self) -> &Array1<f64> {
        &self.ax
    }
}

impl Rule for Asgd {
    type State = AsgdState;

    fn init(&self, dim: usize) -> AsgdState {
        AsgdState {
            step: 0,
            eta: None,
            mu: 1.0,
            ax: Array1::zeros(dim),
        }
    }

    fn step(
        &self,
        state: &mut AsgdState,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        _problem: &mut Counted<'_>,
    ) -> StepOutcome {
        state.step += 1;
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());
        // This step uses the η computed at the end of the last one (from the last step's lr);
        // the first takes lr itself, as torch's state does when it is created.
        let eta = *state.eta.get_or_insert(lr);
        let shrink = 1.0 - self.lambd * eta;
        Zip::from(&mut *params)
            .and(grad)
            .for_each(|p, &g| *p = *p * shrink + -eta * g);
        if state.mu != 1.0 {
            let mu = state.mu;
            Zip::from(&mut state.ax)
                .and(&*params)
                .for_each(|a, &p| *a += (p - *a) * mu);
        } else {
            state.ax.assign(params);
        }
        // Python floats in torch, in its order of operations.
        let t = state.step as f64;
        state.eta = Some(lr / (1.0 + self.lambd * lr * t).powf(self.alpha));
        state.mu = 1.0 / (t - self.t0).max(1.0);
        StepOutcome::default()
    }
}

const KEYS: [Key; 4] = [
    Key::number(
        "lambd",
        1e-4,
        Range::NonNegative,
        "λ: the decay term; every step multiplies x by (1 − λ·η) and η decays faster",
    )
    .with_legend(Legend::ChangedAs("λ")),
    Key::number(
        "alpha",
        0.75,
        Range::NonNegative,
        "α: the power of the decay, η_t = lr / (1 + λ·lr·t)^α",
    )
    .with_legend(Legend::ChangedAs("α")),
    Key::number(
        "t0",
        1e6,
        Range::NonNegative,
        "t₀: the step after which the average of the iterates starts (state only, not the path)",
    )
    .with_legend(Legend::ChangedAs("t₀")),
    WEIGHT_DECAY_KEY,
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Asgd {
        lambd: s.number("lambd"),
        alpha: s.number("alpha"),
        t0: s.number("t0"),
        weight_decay: s.number("weight_decay"),
    })
}

/// The `asgd` kind.
pub const ASGD: OptimizerKind = OptimizerKind {
    name: "asgd",
    title: "ASGD: SGD with a decaying step, averaging its iterates after t₀ steps",
    keys: &KEYS,
    lr_doc: "η₀, the first step size; η_t = lr / (1 + λ·lr·t)^α after step t (so a \
             schedule's lr is used one step late, as in torch)",
    default_lr: &[
        ("quadratic", 0.08),
        ("saddle", 0.8),
        ("bowl", 0.4),
        ("rosenbrock", 0.0015),
        ("beale", 0.04),
        ("himmelblau", 0.02),
        ("rastrigin", 0.004),
    ],
    fallback_lr: 1e-2,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "x ← x − η_t·∇f(x)                    SGD with a decaying step η_t\n\
               x̄ ← average of x_t0, ..., x_t        the result is the average x̄",
        why: "With noisy gradients SGD with a fixed step never settles: it rattles around the\n\
              minimum. Decaying the step settles it but slowly; averaging the iterates cancels\n\
              the rattle and reaches the best rate a stochastic method can (Polyak and\n\
              Juditsky). The average lives in the optimizer's state: the path drawn is the SGD\n\
              iterate x, as torch's parameters are.",
        torch: "torch.optim.ASGD (η starts at lr, μ at 1):\n\
                g ← ∇f(x) + weight_decay·x\n\
                x ← x·(1 − λ·η) − η·g\n\
                x̄ ← x̄ + μ·(x − x̄)   (x̄ ← x while μ = 1)\n\
                η ← lr / (1 + λ·lr·t)^α;   μ ← 1 / max(1, t − t0)\n\
                η is computed after the step, from that step's lr: a schedule's change of lr\n\
                takes effect one step late, and optplay does the same. With the default\n\
                t0 = 1e6 the average never starts in a short run, and with λ = 1e-4 η barely\n\
                decays: ASGD's path is then nearly SGD's.",
        advice: "For averaging set t0 below the number of steps, once the path is near the\n\
                 minimum; λ sets how fast η decays (and the shrinking of x).",
        configs: &[],
    },
};
