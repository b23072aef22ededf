//! A multilayer perceptron on one flat parameter vector, so every optimizer of the core steps
//! it as it steps a surface's point.
//!
//! Layers, in torch's `nn.Sequential` order: `Linear` (weight `out × in`, row-major, then
//! bias), for hidden layers optionally `BatchNorm1d` (γ, then β), the activation, and inverted
//! dropout; the last `Linear` gives the class scores, and the loss is softmax cross-entropy
//! averaged over the batch. The parameter vector lists each layer's tensors in that order, as
//! `torch.nn.Module.parameters()` does, so per-element rules (SGD, Adam, …) see exactly what
//! torch's would.
//!
//! What a network is (its shape, the layout of its parameters, a step's masks, the buffers
//! and results of a pass) is here, with its construction; the passes live beside it:
//! `model/forward.rs` the forward pass and everything read in evaluation mode,
//! `model/backward.rs` the training loss and its gradient, `model/batch_norm.rs` batch
//! norm's running and recomputed statistics.

use std::ops::Range;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

mod backward;
mod batch_norm;
mod forward;

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
