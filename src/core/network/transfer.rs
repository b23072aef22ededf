//! Transfer learning: a target network starting from a source network's trained layers.
//!
//! The lecture's recipe: train on a big dataset, then on a small one re-initialise the last
//! layer (the "head", whose outputs are the classes) and train it alone; with more data,
//! fine-tune every layer. Here that is two small pieces: [`transplant`] builds the target's
//! starting weights from the source's, and [`head_start`] says where the head begins in the
//! flat parameter vector, so training can leave every parameter before it as it is (torch's
//! `requires_grad = False` on the body: the optimizer never sees those parameters, so
//! neither its momentum nor its weight decay touches them).

use std::fmt;

use ndarray::{Array1, ArrayView1, s};

use super::model::Network;

/// Which layers a target run starts from the source and trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// Ignore the source: fresh weights, every layer trained (the baseline).
    Scratch,
    /// The source's body, frozen; only the head is trained.
    Head,
    /// The source's body, every layer trained (fine-tuning).
    All,
}

impl TransferMode {
    /// Every mode, in the order `explain` lists them.
    pub const ALL: [TransferMode; 3] =
        [TransferMode::Scratch, TransferMode::Head, TransferMode::All];

    /// The name a file uses: "scratch", "head", "all".
    pub fn name(self) -> &'static str {
        match self {
            TransferMode::Scratch => "scratch",
            TransferMode::Head => "head",
            TransferMode::All => "all",
        }
    }

    /// The mode a file names.
    pub fn from_name(name: &str) -> Option<TransferMode> {
        TransferMode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether the run starts from the source's weights.
    pub fn uses_source(self) -> bool {
        self != TransferMode::Scratch
    }
}

/// Where the head (the last `Linear`: its weight, then its bias) begins in `network`'s
/// parameters: everything before it is the body. The head is always last in torch's order.
pub fn head_start(network: &Network) -> usize {
    network.layers.last().map_or(0, |head| head.weight.start)
}

/// Why a source's layers cannot seed a target network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misfit {
    /// The body's widths differ.
    Widths {
        /// The source's, as "2 → 64 → 64" (inputs first).
        source: String,
        /// The target's, alike.
        target: String,
    },
    /// One has batch norm and the other not.
    BatchNorm {
        /// Whether the source has it.
        source: bool,
    },
    /// The head is kept (`reinit = "none"`) but the numbers of classes differ.
    Classes {
        /// The source's classes.
        source: usize,
        /// The target data's.
        target: usize,
    },
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misfit::Widths { source, target } => write!(
                f,
                "the source's layers are {source} but this network's are {target}: every \
                 layer below the head must have the same widths"
            ),
            Misfit::BatchNorm { source } => write!(
                f,
                "the source was trained {} batch norm and this network has {}: give both the \
                 same `batch_norm`",
                if *source { "with" } else { "without" },
                if *source { "none" } else { "it" }
            ),
            Misfit::Classes { source, target } => write!(
                f,
                "the source's head has {source} classes and this data has {target}: a kept \
                 head must have as many; re-initialise it (`reinit = \"head\"`)"
            ),
        }
    }
}

/// The widths below the head, "64 → 100 → 100" (inputs first).
pub fn body_widths(network: &Network) -> String {
    let a = &network.architecture;
    std::iter::once(a.inputs)
        .chain(a.hidden.iter().copied())
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Whether `source`'s layers can seed `target`: the same inputs, hidden widths and batch norm;
/// with the head kept, the same classes too.
pub fn check_fit(source: &Network, target: &Network, keep_head: bool) -> Result<(), Misfit> {
    let (a, b) = (&source.architecture, &target.architecture);
    if a.inputs != b.inputs || a.hidden != b.hidden {
        return Err(Misfit::Widths {
            source: body_widths(source),
            target: body_widths(target),
        });
    }
    if a.batch_norm != b.batch_norm {
        return Err(Misfit::BatchNorm {
            source: a.batch_norm,
        });
    }
    if keep_head && a.classes != b.classes {
        return Err(Misfit::Classes {
            source: a.classes,
            target: b.classes,
        });
    }
    Ok(())
}

/// The target's starting weights: the source's body, and its head either the source's
/// (`keep_head`) or `fresh`'s (the target's own initial weights, so a re-initialised head is
/// drawn exactly as a run from scratch draws it).
pub fn transplant(
    source: &Network,
    source_params: ArrayView1<'_, f64>,
    target: &Network,
    fresh: ArrayView1<'_, f64>,
    keep_head: bool,
) -> Result<Array1<f64>, Misfit> {
    check_fit(source, target, keep_head)?;
    let body = head_start(target);
    let mut params = fresh.to_owned();
    params
        .slice_mut(s![..body])
        .assign(&source_params.slice(s![..body]));
    if keep_head {
        params
            .slice_mut(s![body..])
            .assign(&source_params.slice(s![body..]));
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::network::model::{Activation, Architecture, Init};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn net(inputs: usize, hidden: &[usize], classes: usize, batch_norm: bool) -> Network {
        Network::new(Architecture {
            inputs,
            hidden: hidden.to_vec(),
            classes,
            activation: Activation::Relu,
            batch_norm,
        })
    }

    fn weights(network: &Network, seed: u64) -> Array1<f64> {
        network.init(Init::He, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    #[test]
    fn the_head_is_the_last_layers_weight_and_bias() {
        let n = net(2, &[4, 3], 5, true);
        // 2·4+4 +4+4 (γ, β) | 4·3+3 +3+3 | head 3·5+5
        assert_eq!(head_start(&n), 12 + 8 + 15 + 6);
        assert_eq!(n.parameters() - head_start(&n), 3 * 5 + 5);
        assert_eq!(head_start(&net(64, &[], 10, false)), 0);
    }

    #[test]
    fn a_transplant_takes_the_body_and_draws_or_keeps_the_head() {
        let source = net(2, &[8], 3, false);
        let target = net(2, &[8], 3, false);
        let (trained, fresh) = (weights(&source, 1), weights(&target, 2));
        let body = head_start(&target);
        let fresh_head = transplant(&source, trained.view(), &target, fresh.view(), false).unwrap();
        assert_eq!(fresh_head.slice(s![..body]), trained.slice(s![..body]));
        assert_eq!(fresh_head.slice(s![body..]), fresh.slice(s![body..]));
        let kept = transplant(&source, trained.view(), &target, fresh.view(), true).unwrap();
        assert_eq!(kept, trained);
    }

    #[test]
    fn a_new_head_may_have_other_classes_a_kept_one_may_not() {
        let source = net(64, &[32], 5, false);
        let target = net(64, &[32], 10, false);
        let (trained, fresh) = (weights(&source, 1), weights(&target, 2));
        let params = transplant(&source, trained.view(), &target, fresh.view(), false).unwrap();
        assert_eq!(params.len(), target.parameters());
        let kept = transplant(&source, trained.view(), &target, fresh.view(), true);
        assert_eq!(
            kept,
            Err(Misfit::Classes {
                source: 5,
                target: 10
            })
        );
    }

    #[test]
    fn other_widths_or_batch_norm_do_not_fit_and_say_why() {
        let source = net(2, &[64, 64], 3, false);
        let misfit = check_fit(&source, &net(2, &[64], 3, false), false).unwrap_err();
        assert_eq!(
            misfit.to_string(),
            "the source's layers are 2 → 64 → 64 but this network's are 2 → 64: every layer \
             below the head must have the same widths"
        );
        let misfit = check_fit(&source, &net(2, &[64, 64], 3, true), false).unwrap_err();
        assert_eq!(misfit, Misfit::BatchNorm { source: false });
    }
}
