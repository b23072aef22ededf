//! Ensembles: several trained models predicting together by the mean of their class
//! probabilities (each in evaluation mode, batch norm on its own running statistics). The
//! mean is taken in the log domain, so a member sure of a wrong class (a probability that
//! underflows to 0) gives the ensemble a large finite loss, not an infinite one.

use ndarray::{Array2, ArrayView1, ArrayView2, Zip};

use super::model::{Evaluation, Network, RunningStats, Workspace, argmax};
use super::train::Trained;

/// One model of an ensemble.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// Its shape (members may differ, as a run's batch-norm variant does).
    pub network: &'a Network,
    /// Its trained parameters.
    pub params: ArrayView1<'a, f64>,
    /// Batch norm's running statistics with them.
    pub stats: &'a RunningStats,
}

impl<'a> Member<'a> {
    /// A run's ensemble: its final model, then each other member's.
    pub fn ensemble(network: &'a Network, trained: &'a Trained) -> Vec<Member<'a>> {
        std::iter::once(trained)
            .chain(&trained.members)
            .map(|t| Member {
                network,
                params: t.params.view(),
                stats: &t.stats,
            })
            .collect()
    }

    /// A run's snapshots, in step order.
    pub fn snapshots(network: &'a Network, trained: &'a Trained) -> Vec<Member<'a>> {
        trained
            .snapshots
            .iter()
            .map(|s| Member {
                network,
                params: s.params.view(),
                stats: &s.stats,
            })
            .collect()
    }
}

/// ln of the mean of the members' probabilities for every row of `x` and every class
/// (`rows × classes`); an empty ensemble gives an empty matrix.
pub fn log_mean_probabilities(
    members: &[Member<'_>],
    x: ArrayView2<'_, f64>,
    workspace: &mut Workspace,
) -> Array2<f64> {
    let mut sum: Option<Array2<f64>> = None;
    for m in members {
        let log_p = m.network.log_probabilities(m.params, x, m.stats, workspace);
        match &mut sum {
            None => sum = Some(log_p),
            Some(total) => Zip::from(total)
                .and(&log_p)
                .for_each(|t, &l| *t = log_add_exp(*t, l)),
        }
    }
    let Some(mut sum) = sum else {
        return Array2::zeros((x.nrows(), 0));
    };
    let ln_k = (members.len() as f64).ln();
    sum.mapv_inplace(|v| v - ln_k);
    sum
}

/// The mean of the members' probabilities: what the ensemble predicts.
pub fn probabilities(
    members: &[Member<'_>],
    x: ArrayView2<'_, f64>,
    workspace: &mut Workspace,
) -> Array2<f64> {
    log_mean_probabilities(members, x, workspace).mapv(f64::exp)
}

/// The ensemble's mean cross-entropy (of its averaged probabilities) and accuracy (of their
/// most probable class) on `x`, `labels`; NaN for both on an empty set or ensemble.
pub fn evaluate(
    members: &[Member<'_>],
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    workspace: &mut Workspace,
) -> Evaluation {
    if labels.is_empty() || members.is_empty() {
        return Evaluation {
            loss: f64::NAN,
            accuracy: f64::NAN,
        };
    }
    let log_p = log_mean_probabilities(members, x, workspace);
    let mut loss = 0.0;
    let mut right = 0usize;
    for (row, &label) in log_p.rows().into_iter().zip(labels) {
        loss -= row[label];
        right += usize::from(argmax(row) == label);
    }
    let n = labels.len() as f64;
    Evaluation {
        loss: loss / n,
        accuracy: right as f64 / n,
    }
}

/// ln(eᵃ + eᵇ) without overflow or underflow.
fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::network::model::{Activation, Architecture, Init};
    use ndarray::array;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn network() -> Network {
        Network::new(Architecture {
            inputs: 2,
            hidden: vec![5],
            classes: 3,
            activation: Activation::Tanh,
            batch_norm: false,
        })
    }

    #[test]
    fn an_ensemble_predicts_the_mean_of_its_members_probabilities() {
        let net = network();
        let stats = net.running_stats();
        let weights: Vec<_> = (0..3)
            .map(|s| net.init(Init::He, &mut ChaCha8Rng::seed_from_u64(s)))
            .collect();
        let members: Vec<Member<'_>> = weights
            .iter()
            .map(|w| Member {
                network: &net,
                params: w.view(),
                stats: &stats,
            })
            .collect();
        let x = array![[0.3, -1.2], [2.0, 0.5], [-0.7, 0.1]];
        let mut ws = Workspace::default();
        let mut mean = Array2::<f64>::zeros((3, 3));
        for w in &weights {
            mean += &net.probabilities(w.view(), x.view(), &stats, &mut ws);
        }
        mean /= 3.0;
        let got = probabilities(&members, x.view(), &mut ws);
        for (g, m) in got.iter().zip(&mean) {
            assert!((g - m).abs() < 1e-14, "{g} vs {m}");
        }
        let labels = [0, 2, 1];
        let e = evaluate(&members, x.view(), &labels, &mut ws);
        let loss = -(0..3).map(|i| mean[[i, labels[i]]].ln()).sum::<f64>() / 3.0;
        assert!((e.loss - loss).abs() < 1e-13, "{} vs {loss}", e.loss);
        let right = (0..3).filter(|&i| argmax(mean.row(i)) == labels[i]).count();
        assert_eq!(e.accuracy, right as f64 / 3.0);
        // One member alone is that member.
        let alone = evaluate(&members[..1], x.view(), &labels, &mut ws);
        let direct = net.evaluate(weights[0].view(), x.view(), &labels, &stats, &mut ws);
        assert!((alone.loss - direct.loss).abs() < 1e-13);
    }

    #[test]
    fn members_sure_of_the_wrong_class_give_a_large_finite_loss() {
        assert_eq!(log_add_exp(f64::NEG_INFINITY, -3.0), -3.0);
        assert!((log_add_exp(-1000.0, -1000.0) - (-1000.0 + 2f64.ln())).abs() < 1e-9);
        let net = Network::new(Architecture {
            inputs: 1,
            hidden: vec![],
            classes: 2,
            activation: Activation::Linear,
            batch_norm: false,
        });
        // Scores 0 and 2000·x: at x = 1 class 1 by e^2000, its probability of class 0 is 0.
        let w = array![0.0, 2000.0, 0.0, 0.0];
        let stats = net.running_stats();
        let member = Member {
            network: &net,
            params: w.view(),
            stats: &stats,
        };
        let mut ws = Workspace::default();
        let e = evaluate(&[member, member], array![[1.0]].view(), &[0], &mut ws);
        assert!(
            e.loss.is_finite() && (e.loss - 2000.0).abs() < 1e-9,
            "{}",
            e.loss
        );
        assert_eq!(e.accuracy, 0.0);
    }
}
