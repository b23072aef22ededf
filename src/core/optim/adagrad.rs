//! AdaGrad (Duchi et al., 2011): torch.optim.Adagrad.

use std::sync::Arc;


use super::sgd::WEIGHT_DECAY_KEY;
use super::{SliceRule, Explain, Optimizer, OptimizerKind, Plane, PlaneStepper, Vector, decayed};
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// AdaGrad: per-coordinate steps shrink with the sum of all squared gradients so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Adagrad {
    /// clr = lr / (1 + (t − 1)·lr_decay) at step t.
    pub lr_decay: f64,
    /// The value the sum of squares starts at.
    pub initial_accumulator_value: f64,
    /// Added to √s so the division never blows up.
    pub eps: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
}

/// Steps taken, and the per-coordinate sum of squared gradients (`V`: see [`Vector`]).
#[derive(Debug, Clone)]
pub struct AdagradState<V = Vec<f64>> {
    step: u64,
    sum: V,
}



impl SliceRule for Adagrad {
    type State<V: Vector> = AdagradState<V>;

    fn fresh<V: Vector>(&self, dim: usize) -> AdagradState<V> {
        AdagradState {
            step: 0,
            sum: V::filled(dim, self.initial_accumulator_value),
        }
    }

    /// The update, element by element, in any storage (see [`super::Rule::start_plane`]).
    #[inline(always)]
    fn update<V: Vector>(
        &self,
        state: &mut AdagradState<V>,
        params: &mut [f64],
        grad: &[f64],
        lr: f64,
    ) {
        state.step += 1;
        let clr = lr / (1.0 + (state.step - 1) as f64 * self.lr_decay);
        let (eps, wd) = (self.eps, self.weight_decay);
        for ((p, s), &g) in params.iter_mut().zip(state.sum.as_mut()).zip(grad) {
            let g = decayed(g, *p, wd);
            *s += g * g;
            *p += -clr * g / (s.sqrt() + eps);
        }
    }

    fn on_plane(plane: Plane<Self, Self::State<[f64; 2]>>) -> PlaneStepper {
        PlaneStepper::Adagrad(plane)
    }
}

const KEYS: [Key; 4] = [
    Key::number(
        "lr_decay",
        0.0,
        Range::NonNegative,
        "clr = lr / (1 + (t − 1)·lr_decay) at step t",
    ),
    Key::number(
        "initial_accumulator_value",
        0.0,
        Range::NonNegative,
        "the value s starts at",
    )
    .with_legend(Legend::ChangedAs("acc₀")),
    Key::number(
        "eps",
        1e-10,
        Range::Positive,
        "ε, added to √s so the division never blows up",
    ),
    WEIGHT_DECAY_KEY,
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Adagrad {
        lr_decay: s.number("lr_decay"),
        initial_accumulator_value: s.number("initial_accumulator_value"),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
    })
}

/// The `adagrad` kind.
pub const ADAGRAD: OptimizerKind = OptimizerKind {
    name: "adagrad",
    title: "AdaGrad: scale each coordinate's step by its history of squared gradients",
    keys: &KEYS,
    lr_doc: "α, the step size before the per-coordinate scaling",
    default_lr: &[
        ("quadratic", 2.5),
        ("saddle", 0.6),
        ("bowl", 3.0),
        ("rosenbrock", 0.25),
        ("beale", 2.0),
        ("himmelblau", 2.0),
        ("rastrigin", 0.25),
        ("network", 0.05),
    ],
    fallback_lr: 1e-2,
    second_order: false,
    build,
    check: no_check,
    explain: Explain {
        rule: "s ← s + g²                           (g = ∇f(x), per coordinate)\n\
               x ← x − α·g / (√s + ε)",
        why: "Steep directions get damped, flat ones boosted, so the zigzag of an elongated\n\
              bowl goes away. But s only grows, so every step size decays towards zero: fine on\n\
              a convex problem, on others it can stall before reaching a minimum.",
        torch: "torch.optim.Adagrad:\n\
                g ← ∇f(x) + weight_decay·x\n\
                clr ← lr / (1 + (t − 1)·lr_decay)\n\
                s ← s + g²                           (s starts at initial_accumulator_value)\n\
                x ← x − clr·g / (√s + eps)",
        advice: "The lecture's fix for the decaying steps is RMSProp: a leaky sum instead.",
        configs: &["rmsprop.toml"],
    },
};
