//! A multilayer perceptron on one flat parameter vector, so every optimizer of the core steps
//! it as it steps a surface's point.
//!
//! Layers, in torch's `nn.Sequential` order: `Linear` (weight `out × in`, row-major, then
//! bias), for hidden layers optionally `BatchNorm1d` (γ, then β), the activation, and inverted
//! dropout; the last `Linear` gives the class scores, and the loss is softmax cross-entropy
//! averaged over the batch. The parameter vector lists each layer's tensors in that order, as
//! `torch.nn.Module.parameters()` does, so per-element rules (SGD, Adam, …) see exactly what
//! torch's would.

use std::ops::Range;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, s};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Batch norm's ε, added to the variance (torch's default).
pub const BATCH_NORM_EPS: f64 = 1e-5;
/// How far the running statistics move towards each batch's (torch's default momentum).
pub const BATCH_NORM_MOMENTUM: f64 = 0.1;

/// The nonlinearity after every hidden layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// tanh x.
    Tanh,
    /// 1 / (1 + e⁻ˣ).
    Sigmoid,
    /// x: a deep linear net, which can only draw straight boundaries.
    Linear,
}

impl Activation {
    /// Every activation, by the name files use.
    pub const ALL: [(&'static str, Activation); 4] = [
        ("relu", Activation::Relu),
        ("tanh", Activation::Tanh),
        ("sigmoid", Activation::Sigmoid),
        ("linear", Activation::Linear),
    ];

    /// The name files use.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("relu", |(name, _)| name)
    }

    /// The activation a file names.
    pub fn from_name(name: &str) -> Option<Activation> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
}

/// How the weights start (biases start at 0, batch norm's γ at 1 and β at 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// N(0, 2 / fan_in): keeps ReLU activations' scale through depth (torch's
    /// `kaiming_normal_`).
    He,
    /// N(0, 2 / (fan_in + fan_out)) (torch's `xavier_normal_`): for tanh and sigmoid.
    Xavier,
    /// N(0, std²): CS231n's `0.01 * randn`, which makes deep nets' signals vanish.
    Normal {
        /// The standard deviation.
        std: f64,
    },
}

/// The shape of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Features of an input.
    pub inputs: usize,
    /// Widths of the hidden layers; empty: a linear softmax classifier.
    pub hidden: Vec<usize>,
    /// Classes (outputs).
    pub classes: usize,
    /// The nonlinearity after each hidden layer.
    pub activation: Activation,
    /// Batch norm between each hidden `Linear` and its activation.
    pub batch_norm: bool,
}

/// What is added to the loss or done to the network at training time only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regularisation {
    /// ½·l2·Σ W² over the weights (not biases, not batch norm's γ and β).
    pub l2: f64,
    /// l1·Σ |W| over the weights.
    pub l1: f64,
    /// Probability of zeroing a hidden activation.
    pub dropout: f64,
    /// Keep dropout's survivors scaled by 1 / (1 − p) at training time, so evaluation uses
    /// the network as is (inverted dropout). `false`: the naive variant, whose training and
    /// evaluation expectations differ by the factor 1 − p (the lecture's warning).
    pub inverted_dropout: bool,
    /// Probability of zeroing a weight, drawn again at every step (survivors scaled by
    /// 1 / (1 − p), so evaluation uses the weights as they are).
    pub dropconnect: f64,
}

impl Regularisation {
    /// Nothing at all.
    pub const NONE: Regularisation = Regularisation {
        l2: 0.0,
        l1: 0.0,
        dropout: 0.0,
        inverted_dropout: true,
        dropconnect: 0.0,
    };

    /// ½·l2·Σ W² + l1·Σ |W| at `params`.
    pub fn penalty(&self, network: &Network, params: ArrayView1<'_, f64>) -> f64 {
        if self.l2 == 0.0 && self.l1 == 0.0 {
            return 0.0;
        }
        let mut squares = 0.0;
        let mut absolutes = 0.0;
        for layer in &network.layers {
            for w in params.slice(s![layer.weight.clone()]) {
                squares += w * w;
                absolutes += w.abs();
            }
        }
        0.5 * self.l2 * squares + self.l1 * absolutes
    }
}

/// Where one layer's tensors sit in the parameter vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Inputs of the layer.
    pub inputs: usize,
    /// Outputs of the layer.
    pub outputs: usize,
    /// The weight, `outputs × inputs`, row-major.
    pub weight: Range<usize>,
    /// The bias.
    pub bias: Range<usize>,
    /// Batch norm's γ and β, for hidden layers of a network with batch norm.
    pub norm: Option<(Range<usize>, Range<usize>)>,
}

/// A network's shape and the layout of its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// The shape it was built from.
    pub architecture: Architecture,
    /// Every `Linear`, input first.
    pub layers: Vec<Layer>,
    parameters: usize,
}

/// Batch norm's running mean and (unbiased) variance per hidden layer: what evaluation
/// normalises with.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningStats {
    /// Per hidden layer.
    pub mean: Vec<Array1<f64>>,
    /// Per hidden layer.
    pub var: Vec<Array1<f64>>,
}

/// Training-time randomness of one step, drawn once so every evaluation in the step (a line
/// search's too) sees the same network: a gradient check holds them fixed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Masks {
    /// Per hidden layer, `batch × width`: 0 for a dropped activation, else its scale.
    pub dropout: Vec<Array2<f64>>,
    /// Per layer, `outputs × inputs`: 0 for a dropped weight, else 1 / (1 − p).
    pub dropconnect: Vec<Array2<f64>>,
}

/// The training loss at a point, in its two parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loss {
    /// Mean cross-entropy over the batch.
    pub data: f64,
    /// The regularisation penalty.
    pub penalty: f64,
}

impl Loss {
    /// What the optimizer minimises.
    pub fn total(&self) -> f64 {
        self.data + self.penalty
    }
}

/// Mean loss and accuracy of a network on a set, in evaluation mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy (no penalty).
    pub loss: f64,
    /// Fraction classified right.
    pub accuracy: f64,
}

/// Buffers of one forward and backward pass, kept between steps so that a step allocates
/// nothing once the batch size is known.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Per layer, `rows × outputs`: what the layer passes on (after activation, batch norm
    /// and dropout; the last layer's: the scores, then the probabilities).
    outputs: Vec<Array2<f64>>,
    /// Per hidden layer with dropout: the activation before dropout (its derivative needs it).
    activated: Vec<Array2<f64>>,
    /// Per layer, `rows × outputs`: the loss's gradient with respect to the layer's output.
    delta: Vec<Array2<f64>>,
    /// Batch norm, per hidden layer: x̂, 1/σ and the batch's mean and (biased) variance.
    normalised: Vec<Array2<f64>>,
    inv_std: Vec<Array1<f64>>,
    batch_mean: Vec<Array1<f64>>,
    batch_var: Vec<Array1<f64>>,
    /// Per layer, with dropconnect: the weights the step uses.
    effective: Vec<Array2<f64>>,
    /// The last layer's scores before the softmax, and each row's log-partition.
    scores: Array2<f64>,
    log_partition: Vec<f64>,
    rows: usize,
}

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
enum Mode<'a> {
    Train(&'a Masks),
    Eval(&'a RunningStats),
}

impl Network {
    /// The training loss at `params` on the batch `x`, `labels`, with `masks` applied and
    /// batch norm on the batch's own statistics (left in `workspace` for
    /// [`Network::update_running_stats`]); the gradient of its total into `gradient`.
    #[allow(clippy::too_many_arguments)]
    pub fn loss_and_gradient(
        &self,
        params: ArrayView1<'_, f64>,
        x: ArrayView2<'_, f64>,
        labels: &[usize],
        regularisation: &Regularisation,
        masks: &Masks,
        workspace: &mut Workspace,
        mut gradient: ArrayViewMut1<'_, f64>,
    ) -> Loss {
        let params = params.as_slice().expect("parameters are contiguous");
        let ws = workspace;
        self.forward(params, x, Mode::Train(masks), ws);
        let n = x.nrows() as f64;
        let last = self.layers.len() - 1;
        // The mean cross-entropy, and its gradient with respect to the scores:
        // (p − onehot) / n.
        let mut data = 0.0;
        let delta = &mut ws.delta[last];
        delta.assign(&ws.outputs[last]);
        for (i, (mut row, &label)) in delta.rows_mut().into_iter().zip(labels).enumerate() {
            data -= ws.scores[[i, label]] - ws.log_partition[i];
            row[label] -= 1.0;
            row.mapv_inplace(|v| v / n);
        }
        let data = data / n;

        let grad = gradient.as_slice_mut().expect("the gradient is contiguous");
        for (l, layer) in self.layers.iter().enumerate().rev() {
            if l < last {
                self.hidden_backward(l, layer, params, masks, ws, grad);
            }
            let input = if l == 0 { x } else { ws.outputs[l - 1].view() };
            let delta = &ws.delta[l];
            let mut dw = ArrayViewMut2::from_shape(
                (layer.outputs, layer.inputs),
                &mut grad[layer.weight.clone()],
            )
            .expect("a layer's weight range holds outputs × inputs numbers");
            if layer.outputs < layer.inputs {
                // (inputᵀ · delta)ᵀ: the same sums, and matrixmultiply is quicker with the
                // long side first (the class layer: 12 µs instead of 18 in the case study).
                let mut transposed = dw.view_mut().reversed_axes();
                general_mat_mul(1.0, &input.t(), delta, 0.0, &mut transposed);
            } else {
                general_mat_mul(1.0, &delta.t(), &input, 0.0, &mut dw);
            }
            if let Some(mask) = masks.dropconnect.get(l) {
                dw *= mask;
            }
            // Row by row: a column of a row-major array is strided.
            let bias = &mut grad[layer.bias.clone()];
            bias.fill(0.0);
            let flat = delta
                .as_slice()
                .expect("the workspace is in standard layout");
            for row in flat.chunks_exact(layer.outputs) {
                for (b, d) in bias.iter_mut().zip(row) {
                    *b += d;
                }
            }
            if l > 0 {
                let weight = match masks.dropconnect.get(l) {
                    Some(_) => ws.effective[l].view(),
                    None => self.weight(params, layer),
                };
                let (below, above) = ws.delta.split_at_mut(l);
                general_mat_mul(1.0, &above[0], &weight, 0.0, &mut below[l - 1]);
            }
        }
        let penalty = regularisation.penalty(self, ArrayView1::from(params));
        if regularisation.l2 != 0.0 || regularisation.l1 != 0.0 {
            let (l2, l1) = (regularisation.l2, regularisation.l1);
            for layer in &self.layers {
                let weights = &params[layer.weight.clone()];
                for (g, w) in grad[layer.weight.clone()].iter_mut().zip(weights) {
                    *g += l2 * w + l1 * sign(*w);
                }
            }
        }
        Loss { data, penalty }
    }

    /// Backward through hidden layer `l`'s dropout, activation and batch norm: its delta
    /// enters as the gradient of what the layer passes on and leaves as that of its
    /// `Linear`'s output (batch norm's γ and β get theirs on the way).
    fn hidden_backward(
        &self,
        l: usize,
        layer: &Layer,
        params: &[f64],
        masks: &Masks,
        ws: &mut Workspace,
        grad: &mut [f64],
    ) {
        let activation = self.architecture.activation;
        let delta = &mut ws.delta[l];
        let activated = match masks.dropout.get(l) {
            Some(mask) => {
                *delta *= mask;
                &ws.activated[l]
            }
            None => &ws.outputs[l],
        };
        // One loop per activation, so each compiles to straight vector code.
        match activation {
            Activation::Relu => zero_where_inactive(delta, activated),
            Activation::Tanh => scale_by(delta, activated, |y| 1.0 - y * y),
            Activation::Sigmoid => scale_by(delta, activated, |y| y * (1.0 - y)),
            Activation::Linear => {}
        }
        let Some((gamma, beta)) = &layer.norm else {
            return;
        };
        let n = delta.nrows() as f64;
        let xhat = &ws.normalised[l];
        let inv_std = &ws.inv_std[l];
        let g = &params[gamma.clone()];
        let mut sum_dy = vec![0.0; g.len()];
        let mut sum_dy_xhat = vec![0.0; g.len()];
        for (row, xrow) in delta.rows().into_iter().zip(xhat.rows()) {
            for j in 0..g.len() {
                sum_dy[j] += row[j];
                sum_dy_xhat[j] += row[j] * xrow[j];
            }
        }
        grad[gamma.clone()].copy_from_slice(&sum_dy_xhat);
        grad[beta.clone()].copy_from_slice(&sum_dy);
        // dz = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)), column by column.
        for (mut row, xrow) in delta.rows_mut().into_iter().zip(xhat.rows()) {
            for j in 0..g.len() {
                row[j] =
                    g[j] * inv_std[j] * (row[j] - sum_dy[j] / n - xrow[j] * sum_dy_xhat[j] / n);
            }
        }
    }

    /// The forward pass: every layer's output into the workspace; the last layer's become
    /// the class probabilities.
    fn forward(&self, params: &[f64], x: ArrayView2<'_, f64>, mode: Mode<'_>, ws: &mut Workspace) {
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

    /// Moves the running statistics towards the last training pass's batch statistics, as
    /// torch's `BatchNorm1d` does after each training forward (the variance unbiased).
    pub fn update_running_stats(&self, stats: &mut RunningStats, workspace: &Workspace) {
        let n = workspace.rows as f64;
        let unbias = if n > 1.0 { n / (n - 1.0) } else { 1.0 };
        let m = BATCH_NORM_MOMENTUM;
        for l in 0..stats.mean.len() {
            let (mean, var) = (&workspace.batch_mean[l], &workspace.batch_var[l]);
            if mean.len() != stats.mean[l].len() {
                continue;
            }
            stats.mean[l] = &stats.mean[l] * (1.0 - m) + mean * m;
            stats.var[l] = &stats.var[l] * (1.0 - m) + var * (m * unbias);
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

    /// Batch norm's statistics for `params` recomputed from scratch over the whole of `x` in
    /// one batch (the mean, and the variance unbiased, as the running statistics hold them):
    /// what torch's `swa_utils.update_bn` does for averaged weights, whose own running
    /// statistics never existed. Empty without batch norm.
    pub fn batch_statistics(
        &self,
        params: ArrayView1<'_, f64>,
        x: ArrayView2<'_, f64>,
        workspace: &mut Workspace,
    ) -> RunningStats {
        let mut stats = self.running_stats();
        if stats.mean.is_empty() || x.nrows() == 0 {
            return stats;
        }
        let params = params.as_slice().expect("parameters are contiguous");
        self.forward(params, x, Mode::Train(&Masks::default()), workspace);
        let n = x.nrows() as f64;
        let unbias = if n > 1.0 { n / (n - 1.0) } else { 1.0 };
        for l in 0..stats.mean.len() {
            stats.mean[l].assign(&workspace.batch_mean[l]);
            stats.var[l] = &workspace.batch_var[l] * unbias;
        }
        stats
    }
}

/// Each column's mean and (biased) variance, two passes over the rows: ndarray's
/// `var_axis` calls `mul_add`, a slow library call on a CPU baseline without FMA.
fn column_mean_and_variance(z: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
    let n = z.nrows().max(1) as f64;
    let mut mean = Array1::zeros(z.ncols());
    for row in z.rows() {
        mean += &row;
    }
    mean /= n;
    let mut var = Array1::<f64>::zeros(z.ncols());
    for row in z.rows() {
        for ((v, &x), &m) in var.iter_mut().zip(row).zip(&mean) {
            let d = x - m;
            *v += d * d;
        }
    }
    var /= n;
    (mean, var)
}

/// ReLU's backward: the gradient passes where the unit was active (a select, which
/// vectorises; a multiplication by 0 or 1 would turn an infinite gradient into NaN).
fn zero_where_inactive(delta: &mut Array2<f64>, activated: &Array2<f64>) {
    match (delta.as_slice_mut(), activated.as_slice()) {
        (Some(d), Some(a)) => {
            for (g, &y) in d.iter_mut().zip(a) {
                *g = if y > 0.0 { *g } else { 0.0 };
            }
        }
        _ => ndarray::Zip::from(delta)
            .and(activated)
            .for_each(|g, &y| *g = if y > 0.0 { *g } else { 0.0 }),
    }
}

/// `delta *= derivative(activated)`, element by element (inlined for each activation).
fn scale_by(delta: &mut Array2<f64>, activated: &Array2<f64>, derivative: impl Fn(f64) -> f64) {
    match (delta.as_slice_mut(), activated.as_slice()) {
        (Some(d), Some(a)) => {
            for (g, &y) in d.iter_mut().zip(a) {
                *g *= derivative(y);
            }
        }
        _ => ndarray::Zip::from(delta)
            .and(activated)
            .for_each(|g, &y| *g *= derivative(y)),
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

/// The index of a row's largest value (the first of equals; 0 for an empty or NaN row).
pub fn argmax(row: ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// The subgradient of |w| that L1 uses: 0 at 0 (torch's `sign`).
fn sign(w: f64) -> f64 {
    if w > 0.0 {
        1.0
    } else if w < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Network {
    /// The layout of `architecture`'s parameters.
    pub fn new(architecture: Architecture) -> Network {
        let mut widths = vec![architecture.inputs];
        widths.extend(&architecture.hidden);
        widths.push(architecture.classes);
        let last = widths.len() - 2;
        let mut at = 0;
        let mut take = |n: usize| {
            at += n;
            at - n..at
        };
        let mut layers = Vec::with_capacity(widths.len() - 1);
        for (l, pair) in widths.windows(2).enumerate() {
            let (inputs, outputs) = (pair[0], pair[1]);
            let weight = take(inputs * outputs);
            let bias = take(outputs);
            let norm =
                (architecture.batch_norm && l < last).then(|| (take(outputs), take(outputs)));
            layers.push(Layer {
                inputs,
                outputs,
                weight,
                bias,
                norm,
            });
        }
        Network {
            architecture,
            layers,
            parameters: at,
        }
    }

    /// Length of the parameter vector.
    pub fn parameters(&self) -> usize {
        self.parameters
    }

    /// Hidden layers (every layer but the last).
    pub fn hidden_layers(&self) -> &[Layer] {
        &self.layers[..self.layers.len() - 1]
    }

    /// Fresh parameters: weights drawn by `init` from `rng`, layer by layer, each `out × in`
    /// row by row; biases and β 0, γ 1.
    pub fn init(&self, init: Init, rng: &mut ChaCha8Rng) -> Array1<f64> {
        let mut params = Array1::zeros(self.parameters);
        for layer in &self.layers {
            let (fan_in, fan_out) = (layer.inputs as f64, layer.outputs as f64);
            let std = match init {
                Init::He => (2.0 / fan_in).sqrt(),
                Init::Xavier => (2.0 / (fan_in + fan_out)).sqrt(),
                Init::Normal { std } => std,
            };
            for w in params.slice_mut(s![layer.weight.clone()]) {
                let z: f64 = StandardNormal.sample(rng);
                *w = std * z;
            }
            if let Some((gamma, _)) = &layer.norm {
                params.slice_mut(s![gamma.clone()]).fill(1.0);
            }
        }
        params
    }

    /// Batch norm's running statistics at their start (mean 0, variance 1); empty without
    /// batch norm.
    pub fn running_stats(&self) -> RunningStats {
        let normed: Vec<&Layer> = self
            .hidden_layers()
            .iter()
            .filter(|l| l.norm.is_some())
            .collect();
        RunningStats {
            mean: normed.iter().map(|l| Array1::zeros(l.outputs)).collect(),
            var: normed.iter().map(|l| Array1::ones(l.outputs)).collect(),
        }
    }

    /// Draws a step's masks for a batch of `rows`: none where `regularisation` asks none.
    pub fn draw_masks(
        &self,
        regularisation: &Regularisation,
        rows: usize,
        rng: &mut ChaCha8Rng,
    ) -> Masks {
        let mut masks = Masks::default();
        let p = regularisation.dropout;
        if p > 0.0 {
            let kept = if regularisation.inverted_dropout {
                1.0 / (1.0 - p)
            } else {
                1.0
            };
            for layer in self.hidden_layers() {
                let mask = Array2::from_shape_simple_fn((rows, layer.outputs), || {
                    if rng.random::<f64>() < p { 0.0 } else { kept }
                });
                masks.dropout.push(mask);
            }
        }
        let p = regularisation.dropconnect;
        if p > 0.0 {
            let kept = 1.0 / (1.0 - p);
            for layer in &self.layers {
                let mask = Array2::from_shape_simple_fn((layer.outputs, layer.inputs), || {
                    if rng.random::<f64>() < p { 0.0 } else { kept }
                });
                masks.dropconnect.push(mask);
            }
        }
        masks
    }

    /// Layer `layer`'s weight inside `params`, `outputs × inputs`.
    pub fn weight<'p>(&self, params: &'p [f64], layer: &Layer) -> ArrayView2<'p, f64> {
        ArrayView2::from_shape((layer.outputs, layer.inputs), &params[layer.weight.clone()])
            .expect("a layer's weight range holds outputs × inputs numbers")
    }
}
