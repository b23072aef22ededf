//! The forward pass, and everything that only runs it: the [`Workspace`]'s buffers, the
//! pass in training mode (a step's masks, the batch's own statistics) or in evaluation mode
//! (no masks, the running statistics), the softmax with its log-partition, and the
//! probabilities, log-probabilities, loss and accuracy of a set in evaluation mode. Apart
//! from `model.rs`, which says what a network is, and from `backward.rs`, which only a
//! training step needs.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::batch_norm::column_mean_and_variance;
use super::{
    Activation, BATCH_NORM_EPS, Evaluation, Layer, Masks, Network, RunningStats, Workspace, argmax,
};

impl Workspace {
    /// The fraction of the last forward pass's rows whose most probable class is `labels`'.
    pub fn accuracy(&self, labels: &[usize]) -> f64 {
        let Some(p) = self.outputs.last() else {
            return f64::NAN;
        };
        let right = p
            .rows()
            .into_iter()
            .zip(labels)
            .filter(|(row, label)| argmax(row.view()) == **label)
            .count();
        right as f64 / labels.len() as f64
    }

    /// ln p(`label`) of row `row` of the last forward pass, from the scores.
    fn log_probability(&self, row: usize, label: usize) -> f64 {
        self.scores[[row, label]] - self.log_partition[row]
    }

    /// Buffers for `rows` inputs through `network` (kept when already that size).
    fn size(&mut self, network: &Network, rows: usize) {
        let layers = network.layers.len();
        if self.rows == rows && self.outputs.len() == layers {
            return;
        }
        let per_layer = |f: &dyn Fn(&Layer) -> Array2<f64>| network.layers.iter().map(f).collect();
        self.outputs = per_layer(&|l| Array2::zeros((rows, l.outputs)));
        self.delta = per_layer(&|l| Array2::zeros((rows, l.outputs)));
        self.activated = vec![Array2::zeros((0, 0)); layers];
        self.normalised = vec![Array2::zeros((0, 0)); layers];
        self.effective = vec![Array2::zeros((0, 0)); layers];
        self.inv_std = vec![Array1::zeros(0); layers];
        self.batch_mean = vec![Array1::zeros(0); layers];
        self.batch_var = vec![Array1::zeros(0); layers];
        self.rows = rows;
    }
}

/// Training (the step's masks, batch statistics) or evaluation (no masks, running
/// statistics).
#[derive(Clone, Copy)]
pub(super) enum Mode<'a> {
    Train(&'a Masks),
    Eval(&'a RunningStats),
}

impl Network {
    /// The forward pass: every layer's output into the workspace; the last layer's become
    /// the class probabilities.
    pub(super) fn forward(
        &self,
        params: &[f64],
        x: ArrayView2<'_, f64>,
        mode: Mode<'_>,
        ws: &mut Workspace,
    ) {
        ws.size(self, x.nrows());
        let activation = self.architecture.activation;
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let weight = match mode {
                Mode::Train(masks) if masks.dropconnect.len() > l => {
                    ws.effective[l] = &self.weight(params, layer) * &masks.dropconnect[l];
                    ws.effective[l].view()
                }
                _ => self.weight(params, layer),
            };
            let (before, rest) = ws.outputs.split_at_mut(l);
            let input = if l == 0 { x } else { before[l - 1].view() };
            let out = &mut rest[0];
            general_mat_mul(1.0, &input, &weight.t(), 0.0, out);
            // The bias added after the product (the same sums as torch's addmm), with ReLU in
            // the same pass where nothing comes between them.
            let bias = &params[layer.bias.clone()];
            let relu_now = l != last && layer.norm.is_none() && activation == Activation::Relu;
            let flat = out
                .as_slice_mut()
                .expect("the workspace is in standard layout");
            for row in flat.chunks_exact_mut(layer.outputs) {
                if relu_now {
                    for (v, b) in row.iter_mut().zip(bias) {
                        *v = (*v + b).max(0.0);
                    }
                } else {
                    for (v, b) in row.iter_mut().zip(bias) {
                        *v += b;
                    }
                }
            }
            if l == last {
                ws.log_partition.clear();
                softmax_in_place(out, &mut ws.scores, &mut ws.log_partition);
                break;
            }
            if let Some((gamma, beta)) = &layer.norm {
                let (gamma, beta) = (&params[gamma.clone()], &params[beta.clone()]);
                let (mean, var) = match mode {
                    Mode::Train(_) => {
                        let (mean, var) = column_mean_and_variance(out);
                        ws.batch_mean[l] = mean;
                        ws.batch_var[l] = var;
                        (ws.batch_mean[l].view(), ws.batch_var[l].view())
                    }
                    Mode::Eval(stats) => (stats.mean[l].view(), stats.var[l].view()),
                };
                ws.inv_std[l] = var.mapv(|v| 1.0 / (v + BATCH_NORM_EPS).sqrt());
                let inv_std = &ws.inv_std[l];
                let normalised = &mut ws.normalised[l];
                if normalised.dim() != out.dim() {
                    *normalised = Array2::zeros(out.dim());
                }
                for (mut row, mut xhat) in out.rows_mut().into_iter().zip(normalised.rows_mut()) {
                    for j in 0..row.len() {
                        xhat[j] = (row[j] - mean[j]) * inv_std[j];
                        row[j] = gamma[j] * xhat[j] + beta[j];
                    }
                }
            }
            match activation {
                Activation::Relu if relu_now => {}
                Activation::Relu => {
                    let flat = out
                        .as_slice_mut()
                        .expect("the workspace is in standard layout");
                    flat.iter_mut().for_each(|v| *v = v.max(0.0));
                }
                Activation::Tanh => out.mapv_inplace(f64::tanh),
                Activation::Sigmoid => out.mapv_inplace(|v| 1.0 / (1.0 + (-v).exp())),
                Activation::Linear => {}
            }
            if let Mode::Train(masks) = mode
                && let Some(mask) = masks.dropout.get(l)
            {
                ws.activated[l] = out.clone();
                *out *= mask;
            }
        }
    }

    /// Class probabilities of every row of `x` (`rows × classes`), in evaluation mode: no
    /// dropout, no dropconnect, batch norm on `stats`.
    pub fn probabilities<'w>(
        &self,
        params: ArrayView1<'_, f64>,
        x: ArrayView2<'_, f64>,
        stats: &RunningStats,
        workspace: &'w mut Workspace,
    ) -> ArrayView2<'w, f64> {
        let params = params.as_slice().expect("parameters are contiguous");
        self.forward(params, x, Mode::Eval(stats), workspace);
        workspace.outputs[self.layers.len() - 1].view()
    }

    /// Mean cross-entropy and accuracy on `x`, `labels`, in evaluation mode. An empty set
    /// has NaN for both.
    pub fn evaluate(
        &self,
        params: ArrayView1<'_, f64>,
        x: ArrayView2<'_, f64>,
        labels: &[usize],
        stats: &RunningStats,
        workspace: &mut Workspace,
    ) -> Evaluation {
        if labels.is_empty() {
            return Evaluation {
                loss: f64::NAN,
                accuracy: f64::NAN,
            };
        }
        let params = params.as_slice().expect("parameters are contiguous");
        self.forward(params, x, Mode::Eval(stats), workspace);
        let p = &workspace.outputs[self.layers.len() - 1];
        let mut loss = 0.0;
        let mut right = 0usize;
        for (i, (row, &label)) in p.rows().into_iter().zip(labels).enumerate() {
            loss -= workspace.log_probability(i, label);
            right += usize::from(argmax(row) == label);
        }
        let n = labels.len() as f64;
        Evaluation {
            loss: loss / n,
            accuracy: right as f64 / n,
        }
    }

    /// ln p of every class for every row of `x` (`rows × classes`), in evaluation mode, from
    /// the scores and the log-partition: finite where a probability underflows to 0, so that
    /// an ensemble can average probabilities in the log domain.
    pub fn log_probabilities(
        &self,
        params: ArrayView1<'_, f64>,
        x: ArrayView2<'_, f64>,
        stats: &RunningStats,
        workspace: &mut Workspace,
    ) -> Array2<f64> {
        let params = params.as_slice().expect("parameters are contiguous");
        self.forward(params, x, Mode::Eval(stats), workspace);
        let mut out = workspace.scores.clone();
        for (mut row, &log_partition) in out.rows_mut().into_iter().zip(&workspace.log_partition) {
            row -= log_partition;
        }
        out
    }
}

/// Each row of scores into probabilities, shifted by its maximum first so that no
/// exponential overflows; the scores are kept in `kept` and each row's log-partition
/// (max + ln Σ exp(s − max)) in `log_partition`, so that a log-probability is exact even where
/// the probability underflows (torch's `log_softmax`).
fn softmax_in_place(
    scores: &mut Array2<f64>,
    kept: &mut Array2<f64>,
    log_partition: &mut Vec<f64>,
) {
    if kept.dim() != scores.dim() {
        *kept = Array2::zeros(scores.dim());
    }
    kept.assign(scores);
    for mut row in scores.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
        log_partition.push(max + sum.ln());
    }
}
