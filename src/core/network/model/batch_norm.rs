//! Batch norm's statistics: the running ones at their start, moved after each training
//! pass, and recomputed over a whole set for averaged weights; and the batch's own column
//! statistics, which the training pass normalises with. Kept apart from the passes, which
//! only read and fill them (`forward.rs`, `backward.rs`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::forward::Mode;
use super::{BATCH_NORM_MOMENTUM, Layer, Masks, Network, RunningStats, Workspace};

impl Network {
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
pub(super) fn column_mean_and_variance(z: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
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
