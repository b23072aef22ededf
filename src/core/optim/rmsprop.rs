//! RMSProp (Tieleman & Hinton, 2012): torch.optim.RMSprop, with its `centered` and `momentum`
//! options.

use std::sync::Arc;


use super::sgd::WEIGHT_DECAY_KEY;
use super::{SliceRule, Explain, Optimizer, OptimizerKind, Plane, PlaneStepper, Vector, decayed, lerp};
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// RMSProp: AdaGrad with a leaky (exponentially decaying) sum of squares.
#[derive(Debug, Clone, PartialEq)]
pub struct RmsProp {
    /// The decay rate of the running mean of g² (the lecture's ρ).
    pub alpha: f64,
    /// Added to the root so the division never blows up.
    pub eps: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// Momentum on the scaled step (0: none).
    pub momentum: f64,
    /// Divide by the running standard deviation (subtract the squared running mean of g).
    pub centered: bool,
}

/// The running mean of g², and for the options their running mean of g and velocity (`V`:
/// see [`Vector`]).
#[derive(Debug, Clone)]
pub struct RmsPropState<V = Vec<f64>> {
    square_avg: V,
    grad_avg: Option<V>,
    momentum_buffer: Option<V>,
}

impl SliceRule for RmsProp {
    type State<V: Vector> = RmsPropState<V>;

    fn fresh<V: Vector>(&self, dim: usize) -> RmsPropState<V> {
        RmsPropState {
            square_avg: V::filled(dim, 0.0),
            grad_avg: self.centered.then(|| V::filled(dim, 0.0)),
            momentum_buffer: (self.momentum > 0.0).then(|| V::filled(dim, 0.0)),
        }
    }

    /// The update, element by element (each element's weight decay read before its
    /// parameter moves), in any storage (see [`super::Rule::start_plane`]).
    #[inline(always)]
    fn update<V: Vector>(
        &self,
        state: &mut RmsPropState<V>,
        params: &mut [f64],
        grad: &[f64],
        lr: f64,
    ) {
        let (alpha, eps, wd) = (self.alpha, self.eps, self.weight_decay);
        let RmsPropState {
            square_avg,
            grad_avg,
            momentum_buffer,
        } = state;
        let square_avg = square_avg.as_mut();
        match (grad_avg, momentum_buffer) {
            // The lecture's RMSProp: the common case, one pass.
            (None, None) => {
                for ((p, v), &g) in params.iter_mut().zip(square_avg).zip(grad) {
                    let g = decayed(g, *p, wd);
                    *v = *v * alpha + (1.0 - alpha) * g * g;
                    *p += -lr * g / (v.sqrt() + eps);
                }
            }
            (grad_avg, buffer) => {
                // torch: avg = sqrt(v − ḡ²) + eps when centered, sqrt(v) + eps otherwise;
                // with momentum, buf = μ·buf + g/avg and p −= lr·buf.
                let momentum = self.momentum;
                let mut grad_avg = grad_avg.as_mut().map(|a| a.as_mut());
                let mut buffer = buffer.as_mut().map(|b| b.as_mut());
                for i in 0..params.len() {
                    let g = decayed(grad[i], params[i], wd);
                    let v = &mut square_avg[i];
                    *v = *v * alpha + (1.0 - alpha) * g * g;
                    let root = match grad_avg.as_deref_mut() {
                        Some(avg) => {
                            avg[i] = lerp(avg[i], g, 1.0 - alpha);
                            // torch's addcmul(ḡ, ḡ, value=−1): v + (−1·ḡ)·ḡ, exactly v − ḡ·ḡ.
                            (*v - avg[i] * avg[i]).sqrt()
                        }
                        None => v.sqrt(),
                    };
                    let denom = root + eps;
                    match buffer.as_deref_mut() {
                        Some(buf) => {
                            buf[i] = buf[i] * momentum + g / denom;
                            params[i] += -lr * buf[i];
                        }
                        None => params[i] += -lr * g / denom,
                    }
                }
            }
        }
    }

    fn on_plane(plane: Plane<Self, Self::State<[f64; 2]>>) -> PlaneStepper {
        PlaneStepper::RmsProp(plane)
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        // No: its step is divided by the root of a running average of g², which shrinks with the
        // gradient (see the trait).
        false
    }
}



const KEYS: [Key; 5] = [
    Key::number(
        "alpha",
        0.99,
        Range::UnitOpen,
        "ρ, the decay rate of the running mean of g²",
    )
    .with_legend(Legend::Always("α")),
    Key::number(
        "eps",
        1e-8,
        Range::Positive,
        "ε, added to √s so the division never blows up",
    ),
    WEIGHT_DECAY_KEY,
    Key::number(
        "momentum",
        0.0,
        Range::UnitOpen,
        "μ: momentum on the scaled step, buf ← μ·buf + g/(√s + ε)",
    )
    .with_legend(Legend::NonZero("μ")),
    Key::boolean(
        "centered",
        false,
        "divide by the running standard deviation of g instead of its root mean square",
    )
    .with_legend(Legend::Flag {
        on: "centered",
        off: "",
    }),
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(RmsProp {
        alpha: s.number("alpha"),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
        momentum: s.number("momentum"),
        centered: s.boolean("centered"),
    })
}

/// The `rmsprop` kind.
pub const RMSPROP: OptimizerKind = OptimizerKind {
    name: "rmsprop",
    title: "RMSProp: AdaGrad with a leaky (decaying) sum of squared gradients",
    keys: &KEYS,
    lr_doc: "α, the step size",
    default_lr: &[
        ("quadratic", 0.25),
        ("saddle", 0.08),
        ("bowl", 0.25),
        ("rosenbrock", 0.025),
        ("beale", 0.15),
        ("himmelblau", 0.2),
        ("rastrigin", 0.02),
        ("network", 0.003),
    ],
    fallback_lr: 1e-2,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "s ← ρ·s + (1 − ρ)·g²                 (ρ: the decay rate)\n\
               x ← x − α·g / (√s + ε)",
        why: "The running mean of g² forgets old gradients, so the per-coordinate scaling keeps\n\
              AdaGrad's benefit without the steps decaying to zero. A tiny gradient still gives a\n\
              full-size step: RMSProp leaves saddle points quickly.",
        torch: "torch.optim.RMSprop (alpha is the lecture's decay rate):\n\
                g ← ∇f(x) + weight_decay·x\n\
                v ← alpha·v + (1 − alpha)·g²\n\
                ḡ ← ḡ + (1 − alpha)·(g − ḡ);  d ← √(v − ḡ²) + eps   (centered = true)\n\
                d ← √v + eps                                      (centered = false)\n\
                buf ← momentum·buf + g/d;  x ← x − lr·buf          (momentum > 0)\n\
                x ← x − lr·g/d                                    (momentum = 0)\n\
                Centered (Graves, 2013) divides by an estimate of the gradient's variance.",
        advice: "A decay rate of 0.9 to 0.99 is typical (the lecture).",
        configs: &["rmsprop.toml", "saddle.toml", "adam.toml"],
    },
};
