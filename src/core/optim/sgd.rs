//! SGD, SGD + Momentum and Nesterov momentum: torch.optim.SGD, declared as three kinds that
//! differ only in their defaults.

use std::sync::Arc;


use super::{SliceRule, Explain, Optimizer, OptimizerKind, Plane, PlaneStepper, Vector, decayed};
use crate::core::spec::{Default, Invalid, Key, Legend, Range, Settings};

/// SGD, with optional (Nesterov) momentum, dampening and L2 weight decay.
#[derive(Debug, Clone, PartialEq)]
pub struct Sgd {
    /// μ (the lecture's ρ); 0: plain SGD.
    pub momentum: f64,
    /// Scales the new gradient in the velocity by (1 − dampening).
    pub dampening: f64,
    /// Nesterov's look-ahead form.
    pub nesterov: bool,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
}



impl SliceRule for Sgd {
    type State<V: Vector> = Option<V>;

    /// No momentum buffer until the first step, which sets it to the gradient.
    fn fresh<V: Vector>(&self, _dim: usize) -> Option<V> {
        None
    }

    /// The update, element by element (each element's weight decay read before its
    /// parameter moves): one pass, in any storage (see [`super::Rule::start_plane`]).
    #[inline(always)]
    fn update<V: Vector>(&self, buffer: &mut Option<V>, params: &mut [f64], grad: &[f64], lr: f64) {
        let wd = self.weight_decay;
        if self.momentum == 0.0 {
            for (p, &g) in params.iter_mut().zip(grad) {
                *p += -lr * decayed(g, *p, wd);
            }
            return;
        }
        let (momentum, keep, nesterov) = (self.momentum, 1.0 - self.dampening, self.nesterov);
        // The first step sets the buffer to the gradient (torch's `clone(grad)`).
        let first = buffer.is_none();
        let buf = buffer.get_or_insert_with(|| V::filled(params.len(), 0.0));
        for ((p, b), &g) in params.iter_mut().zip(buf.as_mut()).zip(grad) {
            let g = decayed(g, *p, wd);
            *b = if first { g } else { *b * momentum + keep * g };
            if nesterov {
                *p += -lr * (g + momentum * *b);
            } else {
                *p += -lr * *b;
            }
        }
    }

    fn on_plane(plane: Plane<Self, Self::State<[f64; 2]>>) -> PlaneStepper {
        PlaneStepper::Sgd(plane)
    }
}

const MOMENTUM_KEY: Key = Key::number(
    "momentum",
    0.0,
    Range::UnitOpen,
    "μ (the lecture's ρ): how much of the velocity is kept each step",
)
.with_legend(Legend::NonZero("ρ"));
const DAMPENING_KEY: Key = Key::number(
    "dampening",
    0.0,
    Range::UnitClosed,
    "scales the new gradient in the velocity by (1 − dampening)",
);
const NESTEROV_KEY: Key = Key::boolean(
    "nesterov",
    false,
    "take the gradient at the look-ahead point (needs momentum > 0, dampening 0)",
);
/// L2 weight decay as torch's first-order rules take it: added to the gradient.
pub(crate) const WEIGHT_DECAY_KEY: Key = Key::number(
    "weight_decay",
    0.0,
    Range::NonNegative,
    "L2 penalty: adds weight_decay·x to the gradient",
)
.with_legend(Legend::ChangedAs("wd"));

const SGD_KEYS: [Key; 4] = [MOMENTUM_KEY, DAMPENING_KEY, NESTEROV_KEY, WEIGHT_DECAY_KEY];
const MOMENTUM_KEYS: [Key; 4] = [
    MOMENTUM_KEY.with_default(Default::Number(0.9)),
    DAMPENING_KEY,
    NESTEROV_KEY,
    WEIGHT_DECAY_KEY,
];
const NESTEROV_KEYS: [Key; 4] = [
    MOMENTUM_KEY.with_default(Default::Number(0.9)),
    DAMPENING_KEY,
    NESTEROV_KEY.with_default(Default::Bool(true)),
    WEIGHT_DECAY_KEY,
];

fn build(s: &Settings) -> Arc<dyn Optimizer> {
    Arc::new(Sgd {
        momentum: s.number("momentum"),
        dampening: s.number("dampening"),
        nesterov: s.boolean("nesterov"),
        weight_decay: s.number("weight_decay"),
    })
}

/// torch: "Nesterov momentum requires a momentum and zero dampening".
fn check(s: &Settings) -> Result<(), Box<Invalid>> {
    if !s.boolean("nesterov") {
        return Ok(());
    }
    let (momentum, dampening) = (s.number("momentum"), s.number("dampening"));
    let (key, expected) = if momentum == 0.0 {
        ("momentum", "a momentum > 0 with nesterov = true")
    } else if dampening != 0.0 {
        ("dampening", "dampening = 0 with nesterov = true")
    } else {
        return Ok(());
    };
    Err(Box::new(Invalid {
        key,
        also: &[],
        point_at: &["nesterov", "kind"],
        expected: expected.to_string(),
        found: Some(format!(
            "momentum = {momentum}, dampening = {dampening}, nesterov = true"
        )),
        note: Some(
            "torch.optim.SGD: Nesterov momentum requires a momentum and zero dampening".into(),
        ),
        at: None,
    }))
}

const LR_DOC: &str = "α, the step size";

/// Momentum's default learning rates, the search's best per surface (see `default_lr`). Six
/// times smaller than plain SGD's on the quadratic, where the velocity sums about 1/(1 − μ)
/// gradients; larger on the bowl, where it must carry the point over a ridge.
const MOMENTUM_LRS: [(&str, f64); 8] = [
    ("quadratic", 0.0125),
    ("saddle", 0.5),
    ("bowl", 0.6),
    ("rosenbrock", 0.001),
    ("beale", 0.01),
    ("himmelblau", 0.015),
    ("rastrigin", 0.0008),
    ("network", 0.05),
];

/// Nesterov's default learning rates: its look-ahead brakes before the velocity overshoots, so
/// on the quadratic its best rate is four times momentum's.
const NESTEROV_LRS: [(&str, f64); 8] = [
    ("quadratic", 0.05),
    ("saddle", 0.5),
    ("bowl", 0.3),
    ("rosenbrock", 0.0008),
    ("beale", 0.004),
    ("himmelblau", 0.0125),
    ("rastrigin", 0.0025),
    ("network", 0.05),
];

/// The `sgd` kind: plain SGD.
pub const SGD: OptimizerKind = OptimizerKind {
    name: "sgd",
    title: "stochastic gradient descent: step straight down the gradient",
    keys: &SGD_KEYS,
    lr_doc: LR_DOC,
    default_lr: &[
        ("quadratic", 0.08),
        ("saddle", 0.8),
        ("bowl", 0.4),
        ("rosenbrock", 0.0015),
        ("beale", 0.04),
        ("himmelblau", 0.02),
        ("rastrigin", 0.004),
        ("network", 0.1),
    ],
    fallback_lr: 1e-3,
    second_order: false,
    build,
    check,
    explain: Explain {
        rule: "x ← x − α·∇f(x)",
        why: "On an elongated bowl the gradient points mostly across the valley, so SGD zigzags\n\
              and crawls along it; where the gradient is zero (a local minimum, a saddle point)\n\
              it stops; and with minibatches every gradient is noisy.",
        torch: "torch.optim.SGD, the same class as momentum and nesterov:\n\
                g ← ∇f(x) + weight_decay·x\n\
                x ← x − lr·g                         (with momentum = 0)",
        advice: "Tune lr first: too high and the loss explodes, too low and it crawls\n\
                 (learning_rates.toml). Decay it over training (step, cosine schedules).",
        configs: &[
            "elongated.toml",
            "saddle.toml",
            "local_minimum.toml",
            "learning_rates.toml",
        ],
    },
};

/// The `momentum` kind: SGD with momentum 0.9.
pub const MOMENTUM: OptimizerKind = OptimizerKind {
    name: "momentum",
    title: "SGD + Momentum: build up velocity, step along the velocity",
    keys: &MOMENTUM_KEYS,
    lr_doc: LR_DOC,
    default_lr: &MOMENTUM_LRS,
    fallback_lr: 1e-3,
    second_order: false,
    build,
    check,
    explain: Explain {
        rule: "v ← ρ·v + ∇f(x)\n\
               x ← x − α·v",
        why: "The velocity is a running sum of gradients: components that keep their sign add\n\
              up (faster along the valley), components that flip cancel (less zigzag), and the\n\
              velocity carries the point through local minima and off saddle points.\n\
              The lecture also writes v ← ρ·v − α·∇f(x); x ← x + v: the same path while α is\n\
              constant.",
        torch: "torch.optim.SGD with momentum = 0.9:\n\
                g ← ∇f(x) + weight_decay·x\n\
                buf ← g                              (first step)\n\
                buf ← μ·buf + (1 − dampening)·g      (later steps)\n\
                x ← x − lr·buf\n\
                With dampening = 0 this is the lecture's rule, v = buf and ρ = μ. lr multiplies\n\
                the whole velocity, so a schedule that changes lr rescales the velocity at once.",
        advice: "ρ = 0.9 or 0.99 is typical (the lecture). Momentum lets a smaller lr go as far.",
        configs: &[
            "momentum.toml",
            "elongated.toml",
            "local_minimum.toml",
            "step_decay.toml",
        ],
    },
};

/// The `nesterov` kind: SGD with Nesterov momentum 0.9.
pub const NESTEROV: OptimizerKind = OptimizerKind {
    name: "nesterov",
    title: "Nesterov momentum: take the gradient where the velocity is about to carry you",
    keys: &NESTEROV_KEYS,
    lr_doc: LR_DOC,
    default_lr: &NESTEROV_LRS,
    fallback_lr: 1e-3,
    second_order: false,
    build,
    check,
    explain: Explain {
        rule: "v ← ρ·v − α·∇f(x + ρ·v)\n\
               x ← x + v\n\
               with x̃ = x + ρ·v, so only ∇f(x̃) is needed (the lecture's change of variables):\n\
               v_new ← ρ·v − α·∇f(x̃)\n\
               x̃ ← x̃ + v_new + ρ·(v_new − v)",
        why: "The look-ahead gradient corrects the velocity before it overshoots, so Nesterov\n\
              oscillates less than plain momentum.",
        torch: "torch.optim.SGD with momentum = 0.9, nesterov = True:\n\
                g ← ∇f(x) + weight_decay·x\n\
                buf ← μ·buf + g                      (buf ← g on the first step)\n\
                x ← x − lr·(g + μ·buf)\n\
                This is the change-of-variables form: torch's x is the lecture's x̃ and\n\
                buf = −v/lr. torch requires momentum > 0 and dampening = 0.",
        advice: "The same ρ as momentum: 0.9 or 0.99.",
        configs: &["momentum.toml", "saddle.toml"],
    },
};
