//! `optplay explain OPTIMIZER`: one entry per optimizer kind, as the lecture and torch.optim
//! write the update rule. The defaults are not in this table: they come from
//! [`optimizer_with_defaults`] and [`default_lr`], so the text cannot drift from the code.

use crate::config::{
    OPTIMIZER_KINDS, UsageError, default_lr, optimizer_with_defaults, short_number,
};
use crate::core::surface::SURFACE_KINDS;

use super::{hyperparameters, pad};

/// What `explain` says about one optimizer kind.
pub(crate) struct Entry {
    pub kind: &'static str,
    /// One line: what the method is.
    pub title: &'static str,
    /// The update rule as the lecture writes it; g = ∇f(x), α the learning rate.
    pub rule: &'static str,
    /// Why the rule looks the way it does, where that needs saying.
    pub why: &'static str,
    /// Every hyperparameter of the kind, torch.optim's name first, and what it does.
    pub hyperparameters: &'static [(&'static str, &'static str)],
    /// torch.optim's exact form, where it differs from the lecture's or adds to it.
    pub torch: &'static str,
    /// The lecture's advice.
    pub advice: &'static str,
    /// The experiment files (in `configs/`) that show it.
    pub configs: &'static [&'static str],
}

const SGD_HYPERPARAMETERS: [(&str, &str); 5] = [
    ("lr", "α, the step size"),
    (
        "momentum",
        "μ (the lecture's ρ): how much of the velocity is kept each step",
    ),
    (
        "dampening",
        "scales the new gradient in the velocity by (1 − dampening)",
    ),
    (
        "nesterov",
        "take the gradient at the look-ahead point (needs momentum > 0, dampening 0)",
    ),
    (
        "weight_decay",
        "L2 penalty: adds weight_decay·x to the gradient",
    ),
];

const ADAM_HYPERPARAMETERS: [(&str, &str); 6] = [
    (
        "lr",
        "α, the step size: roughly how far each coordinate moves per step",
    ),
    (
        "betas",
        "(β1, β2): decay rates of the first moment (momentum) and the second (RMSProp)",
    ),
    ("eps", "ε, added to √v̂ so the division never blows up"),
    (
        "weight_decay",
        "L2 penalty: adds weight_decay·x to the gradient (goes through m and v)",
    ),
    (
        "amsgrad",
        "divide by the largest v seen so far instead of the current one",
    ),
    (
        "bias_correction",
        "optplay only (not in torch): false drops the bias correction, to show why it exists",
    ),
];

/// One entry per kind of [`OPTIMIZER_KINDS`], in that order.
pub(crate) const ENTRIES: [Entry; 10] = [
    Entry {
        kind: "sgd",
        title: "stochastic gradient descent: step straight down the gradient",
        rule: "x ← x − α·∇f(x)",
        why: "On an elongated bowl the gradient points mostly across the valley, so SGD zigzags\n\
              and crawls along it; where the gradient is zero (a local minimum, a saddle point)\n\
              it stops; and with minibatches every gradient is noisy.",
        hyperparameters: &SGD_HYPERPARAMETERS,
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
    Entry {
        kind: "momentum",
        title: "SGD + Momentum: build up velocity, step along the velocity",
        rule: "v ← ρ·v + ∇f(x)\n\
               x ← x − α·v",
        why: "The velocity is a running sum of gradients: components that keep their sign add\n\
              up (faster along the valley), components that flip cancel (less zigzag), and the\n\
              velocity carries the point through local minima and off saddle points.\n\
              The lecture also writes v ← ρ·v − α·∇f(x); x ← x + v: the same path while α is\n\
              constant.",
        hyperparameters: &SGD_HYPERPARAMETERS,
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
    Entry {
        kind: "nesterov",
        title: "Nesterov momentum: take the gradient where the velocity is about to carry you",
        rule: "v ← ρ·v − α·∇f(x + ρ·v)\n\
               x ← x + v\n\
               with x̃ = x + ρ·v, so only ∇f(x̃) is needed (the lecture's change of variables):\n\
               v_new ← ρ·v − α·∇f(x̃)\n\
               x̃ ← x̃ + v_new + ρ·(v_new − v)",
        why: "The look-ahead gradient corrects the velocity before it overshoots, so Nesterov\n\
              oscillates less than plain momentum.",
        hyperparameters: &SGD_HYPERPARAMETERS,
        torch: "torch.optim.SGD with momentum = 0.9, nesterov = True:\n\
                g ← ∇f(x) + weight_decay·x\n\
                buf ← μ·buf + g                      (buf ← g on the first step)\n\
                x ← x − lr·(g + μ·buf)\n\
                This is the change-of-variables form: torch's x is the lecture's x̃ and\n\
                buf = −v/lr. torch requires momentum > 0 and dampening = 0.",
        advice: "The same ρ as momentum: 0.9 or 0.99.",
        configs: &["momentum.toml", "saddle.toml"],
    },
    Entry {
        kind: "adagrad",
        title: "AdaGrad: scale each coordinate's step by its history of squared gradients",
        rule: "s ← s + g²                           (g = ∇f(x), per coordinate)\n\
               x ← x − α·g / (√s + ε)",
        why: "Steep directions get damped, flat ones boosted, so the zigzag of an elongated\n\
              bowl goes away. But s only grows, so every step size decays towards zero: fine on\n\
              a convex problem, on others it can stall before reaching a minimum.",
        hyperparameters: &[
            ("lr", "α, the step size before the per-coordinate scaling"),
            ("lr_decay", "clr = lr / (1 + (t − 1)·lr_decay) at step t"),
            ("initial_accumulator_value", "the value s starts at"),
            ("eps", "ε, added to √s so the division never blows up"),
            (
                "weight_decay",
                "L2 penalty: adds weight_decay·x to the gradient",
            ),
        ],
        torch: "torch.optim.Adagrad:\n\
                g ← ∇f(x) + weight_decay·x\n\
                clr ← lr / (1 + (t − 1)·lr_decay)\n\
                s ← s + g²                           (s starts at initial_accumulator_value)\n\
                x ← x − clr·g / (√s + eps)",
        advice: "The lecture's fix for the decaying steps is RMSProp: a leaky sum instead.",
        configs: &["rmsprop.toml"],
    },
    Entry {
        kind: "rmsprop",
        title: "RMSProp: AdaGrad with a leaky (decaying) sum of squared gradients",
        rule: "s ← ρ·s + (1 − ρ)·g²                 (ρ: the decay rate)\n\
               x ← x − α·g / (√s + ε)",
        why: "The running mean of g² forgets old gradients, so the per-coordinate scaling keeps\n\
              AdaGrad's benefit without the steps decaying to zero. A tiny gradient still gives a\n\
              full-size step: RMSProp leaves saddle points quickly.",
        hyperparameters: &[
            ("lr", "α, the step size"),
            ("alpha", "ρ, the decay rate of the running mean of g²"),
            ("eps", "ε, added to √s so the division never blows up"),
            (
                "weight_decay",
                "L2 penalty: adds weight_decay·x to the gradient",
            ),
        ],
        torch: "torch.optim.RMSprop (alpha is the lecture's decay rate):\n\
                g ← ∇f(x) + weight_decay·x\n\
                v ← alpha·v + (1 − alpha)·g²\n\
                x ← x − lr·g / (√v + eps)\n\
                torch's centered and momentum options are not in optplay.",
        advice: "A decay rate of 0.9 to 0.99 is typical (the lecture).",
        configs: &["rmsprop.toml", "saddle.toml", "adam.toml"],
    },
    Entry {
        kind: "adam",
        title: "Adam: momentum plus RMSProp, with bias correction",
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
        hyperparameters: &ADAM_HYPERPARAMETERS,
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
    Entry {
        kind: "adamw",
        title: "AdamW: Adam with decoupled weight decay",
        rule: "x ← x − α·λ·x                        decay the weights directly (λ: weight_decay)\n\
               then Adam's step, with g = ∇f(x) only:\n\
               m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
               m̂ ← m / (1 − β1ᵗ);       v̂ ← v / (1 − β2ᵗ)\n\
               x ← x − α·m̂ / (√v̂ + ε)",
        why: "Adam's weight_decay adds λ·x to the gradient, so the decay goes through m and is\n\
              divided by √v̂: weights with large gradients are barely decayed. AdamW shrinks\n\
              every weight by the same factor, as L2 regularisation means for plain SGD.",
        hyperparameters: &[
            ("lr", "α, the step size (it also scales the weight decay)"),
            (
                "betas",
                "(β1, β2): decay rates of the first moment (momentum) and the second (RMSProp)",
            ),
            ("eps", "ε, added to √v̂ so the division never blows up"),
            (
                "weight_decay",
                "λ: every step multiplies x by (1 − lr·weight_decay)",
            ),
            (
                "amsgrad",
                "divide by the largest v seen so far instead of the current one",
            ),
            (
                "bias_correction",
                "optplay only (not in torch): false drops the bias correction",
            ),
        ],
        torch: "torch.optim.AdamW:\n\
                x ← x·(1 − lr·weight_decay)\n\
                then torch.optim.Adam's step without weight decay. torch's default eps is\n\
                1e-8; optplay follows the lecture's 1e-7.",
        advice: "Adam's defaults (β1 = 0.9, β2 = 0.999, lr 1e-3 or 5e-4); prefer AdamW to Adam's\n\
                 weight_decay whenever you want weight decay.",
        configs: &["adam.toml"],
    },
    Entry {
        kind: "nadam",
        title: "NAdam: Adam with a Nesterov look-ahead on the first moment (Dozat, 2016)",
        rule: "m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²\n\
               m̂ ← m / (1 − β1ᵗ);       v̂ ← v / (1 − β2ᵗ)\n\
               x ← x − α·(β1·m̂ + (1 − β1)·g / (1 − β1ᵗ)) / (√v̂ + ε)",
        why: "As Nesterov momentum improves on momentum, the step uses the first moment as it\n\
              will be after this step's gradient, not as it was.",
        hyperparameters: &[
            ("lr", "α, the step size"),
            (
                "betas",
                "(β1, β2): decay rates of the first moment (momentum) and the second (RMSProp)",
            ),
            ("eps", "ε, added to √v̂ so the division never blows up"),
            (
                "weight_decay",
                "L2 penalty: adds weight_decay·x to the gradient",
            ),
            (
                "momentum_decay",
                "ψ: how fast μ_t warms up from β1/2 towards β1",
            ),
        ],
        torch: "torch.optim.NAdam (with a warm-up of the momentum coefficient):\n\
                g ← ∇f(x) + weight_decay·x\n\
                μ_t ← β1·(1 − ½·0.96^(t·momentum_decay))\n\
                m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;   v̂ ← v / (1 − β2ᵗ)\n\
                x ← x − lr·(1 − μ_t) / (1 − Π_{i≤t} μ_i) · g / (√v̂ + eps)\n\
                      − lr·μ_{t+1} / (1 − Π_{i≤t+1} μ_i) · m / (√v̂ + eps)",
        advice: "Not in the lecture; Adam's defaults are a good start. optplay's eps is torch's 1e-8.",
        configs: &["adam.toml"],
    },
    Entry {
        kind: "newton",
        title: "Newton's method: step to the minimum of the local quadratic model",
        rule: "H ← ∇²f(x)                          the Hessian: the curvature in every direction\n\
               d ← −(H + damping·I)⁻¹·g\n\
               x ← x + α·d                         α = 1 lands on a quadratic's minimum in one step",
        why: "Newton uses the curvature, so there is no learning rate to tune on a quadratic: the\n\
              step is exactly as long as the bowl is wide. But it looks for ∇f = 0, not for a\n\
              minimum, so the pure step runs into saddle points and maxima just as readily.\n\
              optplay's default (line_search = \"backtracking\") therefore first makes H positive\n\
              definite, adding τ·I with τ doubled until a Cholesky factorisation succeeds\n\
              (Nocedal & Wright, Algorithm 3.3), so d always points downhill; where the\n\
              curvature is negative the step then grows in that direction and runs away from the\n\
              saddle. It then halves α until f drops enough (Armijo's condition).\n\
              For a network with N parameters H has N² entries and costs O(N³) to invert: the\n\
              lecture's reason why nobody trains deep networks this way.",
        hyperparameters: &[
            (
                "lr",
                "α, the first step length tried (1 is the full Newton step)",
            ),
            (
                "line_search",
                "\"backtracking\" (positive definite H, then Armijo) or \"none\" (the pure step)",
            ),
            (
                "damping",
                "adds damping·I to H: shorter, more gradient-like steps (Levenberg's idea)",
            ),
        ],
        torch: "torch.optim has no Newton's method:\n\
                optplay counts every Hessian, value and gradient it asks for\n\
                (`evaluations` in summary.json and the table).",
        advice: "Second-order methods converge in few steps but each step is expensive; in full\n\
                 batch on a small problem they win (the lecture).",
        configs: &["second_order.toml", "newton_saddle.toml"],
    },
    Entry {
        kind: "lbfgs",
        title: "L-BFGS: a quasi-Newton method that learns the curvature from recent steps",
        rule: "d ← −H̃·g          H̃ ≈ (∇²f)⁻¹, built from the last m steps s = Δx and gradient\n\
                                  changes y = Δg by the two-loop recursion, never stored\n\
               α ← a step length meeting the strong Wolfe conditions along d\n\
               x ← x + α·d",
        why: "L-BFGS never forms the Hessian: m pairs (s, y) are enough to apply an approximate\n\
              inverse to a vector in O(m·N). It works very well in full batch, deterministic\n\
              mode; with noisy (minibatch) gradients the differences y are mostly noise, the\n\
              curvature it learns is wrong, and it does poorly: the lecture's advice.",
        hyperparameters: &[
            (
                "lr",
                "the first step length tried along d (the first iteration scales it by min(1, 1/|g|₁))",
            ),
            (
                "history_size",
                "m, how many recent (s, y) pairs make up the curvature estimate",
            ),
            (
                "line_search",
                "\"strong_wolfe\" (f drops enough and the slope flattens) or \"none\" (a fixed step)",
            ),
            (
                "tolerance_grad",
                "once the largest gradient component is below this, the steps stop moving",
            ),
        ],
        torch: "torch.optim.LBFGS (line_search_fn=\"strong_wolfe\", max_iter=1):\n\
                one optplay step is one L-BFGS iteration (one direction, one line search);\n\
                pairs with yᵀs ≤ 1e-10 are skipped; H̃ starts as (sᵀy / yᵀy)·I.",
        advice: "If you can afford full-batch updates, try L-BFGS (and disable all sources of\n\
                 noise), the lecture says; it does not transfer well to minibatches.",
        configs: &["second_order.toml", "full_batch.toml"],
    },
];

/// The entry of `kind`, if it is one.
pub(crate) fn entry(kind: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.kind == kind)
}

/// Indents every line of `text` by `by` spaces.
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole explanation of an optimizer kind; an unknown kind is a usage error.
pub fn explain(kind: &str) -> Result<String, UsageError> {
    let (Some(e), Some(optimizer)) = (entry(kind), optimizer_with_defaults(kind)) else {
        return Err(crate::config::unknown(
            "OPTIMIZER",
            "optimizer kind",
            kind,
            &OPTIMIZER_KINDS,
        ));
    };
    let defaults = hyperparameters(&optimizer);
    let mut out = vec![
        format!("{} — {}", e.kind, e.title),
        String::new(),
        "Update rule (the lecture's; g = ∇f(x), α the learning rate):".to_string(),
        indent(e.rule, 4),
        String::new(),
        indent(e.why, 0),
        String::new(),
        "Hyperparameters (torch.optim's names, optplay's defaults):".to_string(),
    ];
    let rows: Vec<(String, &str)> = e
        .hyperparameters
        .iter()
        .map(|&(key, meaning)| {
            let value = if key == "lr" {
                "per surface, below".to_string()
            } else {
                defaults
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or_else(String::new, |(_, v)| v.clone())
            };
            (format!("{key} = {value}"), meaning)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    for (setting, meaning) in &rows {
        out.push(format!("    {}   {meaning}", pad(setting, width)));
    }
    let lrs: Vec<String> = SURFACE_KINDS
        .iter()
        .map(|s| format!("{s} {}", short_number(default_lr(kind, s))))
        .collect();
    out.push(format!("    default lr: {}", lrs.join(", ")));
    let (torch_header, torch_body) = e.torch.split_once('\n').unwrap_or((e.torch, ""));
    out.extend([
        String::new(),
        torch_header.to_string(),
        indent(torch_body, 4),
        String::new(),
        "Advice:".to_string(),
        indent(e.advice, 4),
        String::new(),
        format!(
            "See it in: {}",
            e.configs
                .iter()
                .map(|c| format!("configs/{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ]);
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::hyperparameter_keys;

    #[test]
    fn there_is_one_entry_per_kind_in_order() {
        let kinds: Vec<&str> = ENTRIES.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, OPTIMIZER_KINDS);
    }

    #[test]
    fn every_hyperparameter_is_explained_and_has_a_default() {
        for e in &ENTRIES {
            let keys: Vec<&str> = e.hyperparameters.iter().map(|(k, _)| *k).collect();
            let mut expected = vec!["lr"];
            expected.extend(hyperparameter_keys(e.kind));
            assert_eq!(keys, expected, "{}", e.kind);
            let text = explain(e.kind).unwrap();
            for key in hyperparameter_keys(e.kind) {
                assert!(
                    text.lines()
                        .any(|l| l.trim_start().starts_with(&format!("{key} = "))),
                    "{}: no default shown for {key}\n{text}",
                    e.kind
                );
            }
        }
    }

    #[test]
    fn adam_explains_bias_correction_and_its_defaults() {
        let text = explain("adam").unwrap();
        assert!(text.contains("bias correction"), "{text}");
        assert!(text.contains("betas = [0.9, 0.999]"), "{text}");
        assert!(text.contains("eps = 1e-7"), "{text}");
        assert!(text.contains("configs/adam_bias.toml"), "{text}");
    }

    #[test]
    fn an_unknown_kind_suggests_the_closest() {
        let e = explain("adma").unwrap_err().to_string();
        assert!(e.contains("Did you mean `adam`?"), "{e}");
        assert!(e.contains("sgd, momentum, nesterov"), "{e}");
    }
}

#[cfg(test)]
mod config_links {
    use super::ENTRIES;

    #[test]
    fn every_config_an_explanation_names_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        for entry in &ENTRIES {
            for config in entry.configs {
                assert!(
                    dir.join(config).is_file(),
                    "{}: configs/{config} is missing",
                    entry.kind
                );
            }
        }
    }
}
