//! `optplay explain TOPIC`. For an optimizer: the update rule as the lecture or the method's
//! paper writes it, torch.optim's exact form, every hyperparameter with its default, and where
//! to see it, all from the kind's declaration ([`crate::core::OptimizerKind`]). For a dataset
//! kind and the network topics, see `datasets.rs` and `topics.rs`.

use crate::config::{NETWORK_LR_KEY, UsageError, unknown};
use crate::core::network::data::DATASETS;
use crate::core::{OptimizerKind, registry};
use crate::number::short;

use super::datasets::{CSV, explain_dataset};
use super::topics::{TOPICS, explain_topic};
use super::{key_lines, pad};

/// Indents every line of `text` by `by` spaces.
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything `optplay explain` takes: the optimizer kinds, the dataset kinds (`csv`
/// included) and the network topics, in that order.
pub fn topic_names() -> Vec<&'static str> {
    registry::optimizer_names()
        .into_iter()
        .chain(DATASETS.iter().map(|k| k.name))
        .chain([CSV])
        .chain(TOPICS)
        .collect()
}

/// The explanation of an optimizer kind, a dataset kind or a network topic; any other name is
/// a usage error that suggests the closest.
pub fn explain(name: &str) -> Result<String, UsageError> {
    if let Some(kind) = registry::optimizer(name) {
        return Ok(explain_optimizer(kind));
    }
    explain_dataset(name)
        .or_else(|| explain_topic(name))
        .ok_or_else(|| unknown("TOPIC", "topic", name, &topic_names()))
}

/// An optimizer's update rule, torch's form, its hyperparameters and default rates.
fn explain_optimizer(kind: &OptimizerKind) -> String {
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
    let network = kind
        .default_lr
        .iter()
        .find(|(key, _)| *key == NETWORK_LR_KEY)
        .map(|(_, lr)| format!("; networks {}", short(*lr)))
        .unwrap_or_default();
    out.push(format!(
        "    default lr: {}{network}; elsewhere {}",
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
    out.join("\n")
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
