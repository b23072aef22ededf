//! `optplay explain OPTIMIZER`: the update rule as the lecture or the method's paper writes
//! it, torch.optim's exact form, every hyperparameter with its default, and where to see it.
//! All of it comes from the kind's declaration ([`crate::core::OptimizerKind`]).

use crate::config::{UsageError, unknown};
use crate::core::registry;
use crate::number::short;

use super::{key_lines, pad};

/// Indents every line of `text` by `by` spaces.
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole explanation of an optimizer kind; an unknown kind is a usage error.
pub fn explain(name: &str) -> Result<String, UsageError> {
    let Some(kind) = registry::optimizer(name) else {
        return Err(unknown(
            "OPTIMIZER",
            "optimizer kind",
            name,
            &registry::optimizer_names(),
        ));
    };
    let e = &kind.explain;
    let mut out = vec![
        format!("{} — {}", kind.name, kind.title),
        String::new(),
        "Update rule (g = ∇f(x), α the learning rate):".to_string(),
        indent(e.rule, 4),
        String::new(),
        indent(e.why, 0),
        String::new(),
        "Hyperparameters (torch.optim's names, optplay's defaults):".to_string(),
    ];
    let mut rows = vec![("lr = per surface, below".to_string(), kind.lr_doc)];
    rows.extend(key_lines(kind.keys, &kind.defaults()));
    let width = rows
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    for (setting, meaning) in &rows {
        out.push(format!("    {}   {meaning}", pad(setting, width)));
    }
    let lrs: Vec<String> = registry::built_in_surfaces()
        .map(|s| format!("{} {}", s.name, short(kind.default_lr(s.name))))
        .collect();
    out.push(format!(
        "    default lr: {}; elsewhere {}",
        lrs.join(", "),
        short(kind.fallback_lr)
    ));
    let (torch_header, torch_body) = e.torch.split_once('\n').unwrap_or((e.torch, ""));
    out.extend([
        String::new(),
        torch_header.to_string(),
        indent(torch_body, 4),
        String::new(),
        "Advice:".to_string(),
        indent(e.advice, 4),
    ]);
    if !e.configs.is_empty() {
        out.extend([
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
    }
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::registry::OPTIMIZERS;

    #[test]
    fn every_kind_explains_every_hyperparameter_with_its_default() {
        for kind in OPTIMIZERS {
            let text = explain(kind.name).unwrap();
            for key in std::iter::once("lr").chain(kind.keys.iter().map(|k| k.name)) {
                assert!(
                    text.lines().any(|l| {
                        let l = l.trim_start();
                        l.starts_with(&format!("{key} = ")) || l.starts_with(&format!("{key} ("))
                    }),
                    "{}: no default shown for {key}\n{text}",
                    kind.name
                );
            }
            assert!(text.contains(kind.explain.torch.lines().next().unwrap()));
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
