//! Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019): torch.optim.Adam and
//! torch.optim.AdamW, one rule with a switch for how weight decay is applied.

use std::cell::RefCell;
use std::sync::Arc;


use super::{SliceRule, Explain, Optimizer, OptimizerKind, Plane, PlaneStepper, Vector, decayed};
use crate::core::spec::{Key, Legend, Range, Settings, no_check};

/// Adam and AdamW: momentum plus RMSProp-style scaling, bias-corrected.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    /// (β1, β2): decay rates of the first and second moments.
    pub betas: (f64, f64),
    /// Added to √v̂ so the division never blows up.
    pub eps: f64,
    /// L2 penalty (through the gradient), or AdamW's decoupled shrink factor.
    pub weight_decay: f64,
    /// Divide by the largest second moment so far.
    pub amsgrad: bool,
    /// AdamW: shrink the parameters directly instead of adding `weight_decay·p` to the gradient.
    pub decoupled_weight_decay: bool,
    /// Off only to show why it exists: without it the first steps are far too large.
    pub bias_correction: bool,
}

/// Steps taken, the two moments, and for AMSGrad the running maximum of the second (`V`: see
/// [`Vector`]).
#[derive(Debug, Clone)]
pub struct AdamState<V = Vec<f64>> {
    step: u64,
    exp_avg: V,
    exp_avg_sq: V,
    max_exp_avg_sq: Option<V>,
}

impl SliceRule for Adam {
    type State<V: Vector> = AdamState<V>;

    fn fresh<V: Vector>(&self, dim: usize) -> AdamState<V> {
        AdamState {
            step: 0,
            exp_avg: V::filled(dim, 0.0),
            exp_avg_sq: V::filled(dim, 0.0),
            max_exp_avg_sq: self.amsgrad.then(|| V::filled(dim, 0.0)),
        }
    }

    /// The update, element by element (each element's weight decay applied before it
    /// moves), in any storage (see [`super::Rule::start_plane`]).
    #[inline(always)]
    fn update<V: Vector>(
        &self,
        state: &mut AdamState<V>,
        params: &mut [f64],
        grad: &[f64],
        lr: f64,
    ) {
        let AdamState {
            step,
            exp_avg,
            exp_avg_sq,
            max_exp_avg_sq,
        } = state;
        *step += 1;
        let (beta1, beta2) = self.betas;

        let (step_size, bias_correction2_sqrt) = if self.bias_correction {
            let (bias_correction1, bias_correction2_sqrt) = bias_corrections(beta1, beta2, *step);
            (lr / bias_correction1, bias_correction2_sqrt)
        } else {
            (lr, 1.0)
        };
        let (eps, weight1) = (self.eps, 1.0 - beta1);
        // Weight decay as torch's Adam family takes it: decoupled (AdamW's) shrinks the
        // parameters by (1 − lr·weight_decay) first and leaves the gradient alone; coupled
        // adds weight_decay·p to the gradient.
        let wd = self.weight_decay;
        let coupled = if self.decoupled_weight_decay && wd != 0.0 {
            let shrink = 1.0 - lr * wd;
            params.iter_mut().for_each(|p| *p *= shrink);
            0.0
        } else {
            wd
        };
        // One element of the update; `LERP_LOW` is `weight1.abs() < 0.5` (torch's `lerp`),
        // `vmax` AMSGrad's running maximum.
        #[inline(always)]
        fn adam_one<const LERP_LOW: bool>(
            p: &mut f64,
            m: &mut f64,
            v: &mut f64,
            vmax: Option<&mut f64>,
            g: f64,
            (weight1, beta2, bias_correction2_sqrt, eps, step_size): (f64, f64, f64, f64, f64),
        ) {
            *m = if LERP_LOW {
                *m + weight1 * (g - *m)
            } else {
                g - (g - *m) * (1.0 - weight1)
            };
            *v = *v * beta2 + (1.0 - beta2) * g * g;
            let v = match vmax {
                Some(vmax) => {
                    *vmax = vmax.max(*v);
                    *vmax
                }
                None => *v,
            };
            let denom = v.sqrt() / bias_correction2_sqrt + eps;
            *p += -step_size * *m / denom;
        }
        // Every element, with `LERP_LOW` and AMSGrad decided outside the loops, so they have
        // no branch and vectorise.
        #[inline(always)]
        fn pass<const LERP_LOW: bool>(
            p: &mut [f64],
            m: &mut [f64],
            v: &mut [f64],
            vmax: Option<&mut [f64]>,
            g: &[f64],
            coupled: f64,
            k: (f64, f64, f64, f64, f64),
        ) {
            let n = p.len().min(m.len()).min(v.len()).min(g.len());
            let (p, m, v, g) = (&mut p[..n], &mut m[..n], &mut v[..n], &g[..n]);
            match vmax {
                None => {
                    for i in 0..n {
                        let g = decayed(g[i], p[i], coupled);
                        adam_one::<LERP_LOW>(&mut p[i], &mut m[i], &mut v[i], None, g, k);
                    }
                }
                Some(vmax) => {
                    let vmax = &mut vmax[..n];
                    for i in 0..n {
                        let g = decayed(g[i], p[i], coupled);
                        let vmax = Some(&mut vmax[i]);
                        adam_one::<LERP_LOW>(&mut p[i], &mut m[i], &mut v[i], vmax, g, k);
                    }
                }
            }
        }
        let k = (weight1, beta2, bias_correction2_sqrt, eps, step_size);
        let (m, v) = (exp_avg.as_mut(), exp_avg_sq.as_mut());
        let vmax = max_exp_avg_sq.as_mut().map(|x| x.as_mut());
        if weight1.abs() < 0.5 {
            pass::<true>(params, m, v, vmax, grad, coupled, k);
        } else {
            pass::<false>(params, m, v, vmax, grad, coupled, k);
        }
    }

    fn on_plane(plane: Plane<Self, Self::State<[f64; 2]>>) -> PlaneStepper {
        PlaneStepper::Adam(plane)
    }

    fn rests_where_the_gradient_vanishes(&self) -> bool {
        // No: its step is divided by the root of a running average of g², which shrinks with the
        // gradient (see the trait).
        false
    }
}

/// Steps up to this many keep their bias corrections in [`CORRECTIONS`] (16 bytes each).
const CACHED_STEPS: u64 = 1 << 16;

/// The bias corrections of the betas a thread last used, step after step: see
/// [`bias_corrections`].
struct Corrections {
    betas: (u64, u64),
    /// `values[t - 1]`: those of step t.
    values: Vec<(f64, f64)>,
}

thread_local! {
    static CORRECTIONS: RefCell<Corrections> = const {
        RefCell::new(Corrections {
            betas: (0, 0),
            values: Vec::new(),
        })
    };
}

/// torch's bias corrections at step `step`, in Python floats (`1 - beta ** step` with a float
/// step): `1 − β1^t` and `(1 − β2^t)^0.5`. Three calls of libm's `pow` cost more than the rest
/// of a step on a surface, and they depend on the betas and the step alone: each thread keeps
/// them for the betas it last used, so in a sweep every Adam run after a thread's first reads
/// them. The same calls make them, so they are the same bits.
#[inline]
fn bias_corrections(beta1: f64, beta2: f64, step: u64) -> (f64, f64) {
    let compute = |step: u64| {
        let t = step as f64;
        (1.0 - beta1.powf(t), (1.0 - beta2.powf(t)).powf(0.5))
    };
    if step == 0 || step > CACHED_STEPS {
        return compute(step);
    }
    CORRECTIONS.with_borrow_mut(|cache| {
        let betas = (beta1.to_bits(), beta2.to_bits());
        if cache.betas != betas {
            cache.betas = betas;
            cache.values.clear();
        }
        while (cache.values.len() as u64) < step {
            let next = compute(cache.values.len() as u64 + 1);
            cache.values.push(next);
        }
        cache.values[step as usize - 1]
    })
}



/// Adam's betas: the decay rates of its two moments.
pub(crate) const BETAS_KEY: Key = Key::pair(
    "betas",
    [0.9, 0.999],
    Range::UnitOpen,
    "(β1, β2): decay rates of the first moment (momentum) and the second (RMSProp)",
)
.with_legend(Legend::Always("β"));

const ADAM_KEYS: [Key; 5] = [
    BETAS_KEY,
    Key::number(
        "eps",
        1e-7,
        Range::Positive,
        "ε, added to √v̂ so the division never blows up",
    ),
    Key::number(
        "weight_decay",
        0.0,
        Range::NonNegative,
        "L2 penalty: adds weight_decay·x to the gradient (goes through m and v)",
    )
    .with_legend(Legend::NonZero("wd")),
    Key::boolean(
        "amsgrad",
        false,
        "divide by the largest v seen so far instead of the current one",
    )
    .with_legend(Legend::Flag {
        on: "amsgrad",
        off: "",
    }),
    Key::boolean(
        "bias_correction",
        true,
        "optplay only (not in torch): false drops the bias correction, to show why it exists",
    )
    .with_legend(Legend::Flag {
        on: "",
        off: "no bias correction",
    }),
];

const ADAMW_KEYS: [Key; 5] = [
    ADAM_KEYS[0],
    ADAM_KEYS[1],
    Key::number(
        "weight_decay",
        0.01,
        Range::NonNegative,
        "λ: every step multiplies x by (1 − lr·weight_decay)",
    )
    .with_legend(Legend::NonZero("wd")),
    ADAM_KEYS[3],
    Key {
        doc: "optplay only (not in torch): false drops the bias correction",
        ..ADAM_KEYS[4]
    },
];

fn build(s: &Settings, decoupled_weight_decay: bool) -> Arc<dyn Optimizer> {
    let [beta1, beta2] = s.pair("betas");
    Arc::new(Adam {
        betas: (beta1, beta2),
        eps: s.number("eps"),
        weight_decay: s.number("weight_decay"),
        amsgrad: s.boolean("amsgrad"),
        decoupled_weight_decay,
        bias_correction: s.boolean("bias_correction"),
    })
}

/// Adam's default learning rates, the search's best per surface (see `default_lr`).
const ADAM_LRS: [(&str, f64); 8] = [
    ("quadratic", 0.5),
    ("saddle", 0.5),
    ("bowl", 0.6),
    ("rosenbrock", 0.2),
    ("beale", 0.5),
    ("himmelblau", 3.0),
    ("rastrigin", 0.125),
    ("network", 0.01),
];

/// AdamW's: its decoupled weight decay pulls every step towards the origin, so its best rates
/// are not Adam's.
const ADAMW_LRS: [(&str, f64); 8] = [
    ("quadratic", 4.0),
    ("saddle", 1.0),
    ("bowl", 0.8),
    ("rosenbrock", 0.2),
    ("beale", 0.8),
    ("himmelblau", 3.0),
    ("rastrigin", 0.125),
    ("network", 0.01),
];

/// The `adam` kind.
pub const ADAM: OptimizerKind = OptimizerKind {
    name: "adam",
    title: "Adam: momentum plus RMSProp, with bias correction",
    keys: &ADAM_KEYS,
    lr_doc: "α, the step size: roughly how far each coordinate moves per step",
    default_lr: &ADAM_LRS,
    fallback_lr: 1e-3,
    second_order: false,
    build: |s| build(s, false),
    check: no_check,
    explain: Explain {
        rule: "m ← β1·m + (1 − β1)·g                first moment: momentum\n\
               v ← β2·v + (1 − β2)·g²               second moment: RMSProp\n\
               m̂ ← m / (1 − β1ᵗ)                    bias correction (t = 1, 2, ...)\n\
               v̂ ← v / (1 − β2ᵗ)\n\
               x ← x − α·m̂ / (√v̂ + ε)",
        why: "Why bias correction: m and v start at zero, so early estimates are biased toward\n\
              zero, v far more than m (β2 is closer to 1). At t = 1, m = 0.1·g but √v = 0.03·|g|,\n\
              so without correction the first steps are huge: about 3·α per coordinate at t = 1,\n\
              6.5·α by t = 10 for a steady gradient, where the corrected step is α. Dividing by\n\
              1 − βᵗ makes m̂ = g and v̂ = g² at t = 1; the correction fades as βᵗ → 0\n\
              (adam_bias.toml shows both).",
        torch: "torch.optim.Adam:\n\
                g ← ∇f(x) + weight_decay·x\n\
                m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
                x ← x − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)\n\
                That is the lecture's rule: eps is added after the bias-corrected square root,\n\
                not inside it. With amsgrad, v_max ← max(v_max, v) replaces v in the root.\n\
                torch's default eps is 1e-8; optplay follows the lecture's 1e-7.",
        advice: "β1 = 0.9, β2 = 0.999 and lr = 1e-3 or 5e-4 is a great starting point for many\n\
                 models (the lecture).",
        configs: &["adam.toml", "adam_bias.toml", "saddle.toml"],
    },
};

/// The `adamw` kind.
pub const ADAMW: OptimizerKind = OptimizerKind {
    name: "adamw",
    title: "AdamW: Adam with decoupled weight decay",
    keys: &ADAMW_KEYS,
    lr_doc: "α, the step size (it also scales the weight decay)",
    default_lr: &ADAMW_LRS,
    fallback_lr: 1e-3,
    second_order: false,
    build: |s| build(s, true),
    check: no_check,
    explain: Explain {
        rule: "x ← x − α·λ·x                        decay the weights directly (λ: weight_decay)\n\
               then Adam's step, with g = ∇f(x) only:\n\
               m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
               m̂ ← m / (1 − β1ᵗ);       v̂ ← v / (1 − β2ᵗ)\n\
               x ← x − α·m̂ / (√v̂ + ε)",
        why: "Adam's weight_decay adds λ·x to the gradient, so the decay goes through m and is\n\
              divided by √v̂: weights with large gradients are barely decayed. AdamW shrinks\n\
              every weight by the same factor, as L2 regularisation means for plain SGD.",
        torch: "torch.optim.AdamW:\n\
                x ← x·(1 − lr·weight_decay)\n\
                then torch.optim.Adam's step without weight decay. torch's default eps is\n\
                1e-8; optplay follows the lecture's 1e-7.",
        advice: "Adam's defaults (β1 = 0.9, β2 = 0.999, lr 1e-3 or 5e-4); prefer AdamW to Adam's\n\
                 weight_decay whenever you want weight decay.",
        configs: &["adam.toml"],
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_bias_corrections_are_the_bits_pow_gives() {
        let direct = |beta1: f64, beta2: f64, step: u64| {
            let t = step as f64;
            let pair = (1.0 - beta1.powf(t), (1.0 - beta2.powf(t)).powf(0.5));
            (pair.0.to_bits(), pair.1.to_bits())
        };
        // Betas taking turns (the cache starts over), steps out of order, past the cache.
        for (beta1, beta2) in [(0.9, 0.999), (0.6, 0.99), (0.9, 0.999)] {
            for step in [3, 1, 700, 2, CACHED_STEPS, CACHED_STEPS + 5] {
                let (a, b) = bias_corrections(beta1, beta2, step);
                assert_eq!((a.to_bits(), b.to_bits()), direct(beta1, beta2, step));
            }
        }
    }
}
