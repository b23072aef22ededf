//! The backward pass: a training step's loss on its batch (mean cross-entropy plus the
//! penalty) and its gradient, back through each layer's `Linear`, dropout, activation and
//! batch norm, with L1 and L2 on the weights. Only a training step needs it; evaluation
//! runs the forward pass alone (`forward.rs`).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2};

use super::forward::Mode;
use super::{Activation, Layer, Loss, Masks, Network, Regularisation, Workspace};

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
