//! Gradient noise that mimics minibatch gradients: every gradient gets `+ N(0, std² I)`.

use std::cell::RefCell;

use ndarray::{Array2, ArrayView1, ArrayViewMut1};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::objective::Objective;

/// How much noise, and the seed of its stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientNoise {
    /// Standard deviation of every component's noise.
    pub std: f64,
    /// Seed of the ChaCha8 stream.
    pub seed: u64,
}

/// One run's noise: the seeded stream and what it is scaled by. [`Noisy`] holds it in a cell;
/// the run loop's path for surfaces holds it itself, and both add it through [`Stream::add`].
#[derive(Debug, Clone)]
pub struct Stream {
    std: f64,
    rng: ChaCha8Rng,
}

impl Stream {
    /// The stream of `noise`, started at its seed.
    pub fn new(noise: GradientNoise) -> Stream {
        Stream {
            std: noise.std,
            rng: ChaCha8Rng::seed_from_u64(noise.seed),
        }
    }

    /// Adds the stream's next noise to one component of an exact gradient.
    #[inline]
    pub fn add(&mut self, g: &mut f64) {
        let z: f64 = StandardNormal.sample(&mut self.rng);
        *g += self.std * z;
    }
}

/// An objective whose gradients carry seeded Gaussian noise. Values and Hessians are exact.
///
/// ChaCha8 is specified bit for bit, so the same seed gives the same stream on every platform
/// and every release; each run builds its own `Noisy`, so every run of an experiment sees the
/// same stream and differences between runs come from the optimizers alone.
pub struct Noisy<'a> {
    inner: &'a dyn Objective,
    stream: RefCell<Stream>,
}

impl<'a> Noisy<'a> {
    /// `inner` with noisy gradients, its stream started at `noise.seed`.
    pub fn new(inner: &'a dyn Objective, noise: GradientNoise) -> Self {
        Self {
            inner,
            stream: RefCell::new(Stream::new(noise)),
        }
    }

    /// Adds the stream's next noise to an exact gradient: [`Objective::gradient`] is the
    /// inner gradient and then this, so a caller holding the exact gradient already gets the
    /// same bits without computing it twice.
    pub fn add_noise(&self, mut gradient: ArrayViewMut1<'_, f64>) {
        let mut stream = self.stream.borrow_mut();
        gradient.iter_mut().for_each(|g| stream.add(g));
    }
}

impl Objective for Noisy<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn value(&self, p: ArrayView1<'_, f64>) -> f64 {
        self.inner.value(p)
    }

    fn gradient(&self, p: ArrayView1<'_, f64>, mut out: ArrayViewMut1<'_, f64>) {
        self.inner.gradient(p, out.view_mut());
        self.add_noise(out);
    }

    fn hessian(&self, p: ArrayView1<'_, f64>) -> Option<Array2<f64>> {
        self.inner.hessian(p)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;
    use crate::core::surface::Surface;

    fn noisy_gradients(seed: u64, std: f64) -> Vec<f64> {
        let surface = crate::core::registry::default_surface("quadratic").unwrap();
        let noisy = Noisy::new(&surface, GradientNoise { std, seed });
        let p = array![1.0, 1.0];
        let mut out = Vec::new();
        for _ in 0..5 {
            let mut g = array![0.0, 0.0];
            noisy.gradient(p.view(), g.view_mut());
            out.extend(g.iter());
        }
        out
    }

    #[test]
    fn same_seed_same_stream_other_seed_other_stream() {
        assert_eq!(noisy_gradients(7, 0.1), noisy_gradients(7, 0.1));
        assert_ne!(noisy_gradients(7, 0.1), noisy_gradients(8, 0.1));
    }

    #[test]
    fn noise_is_centred_on_the_true_gradient_with_the_given_spread() {
        let surface = crate::core::registry::default_surface("saddle").unwrap();
        let noisy = Noisy::new(&surface, GradientNoise { std: 0.5, seed: 1 });
        let p = array![0.3, -0.2];
        let exact = surface.grad2([0.3, -0.2]);
        let n = 20_000;
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for _ in 0..n {
            let mut g = array![0.0, 0.0];
            noisy.gradient(p.view(), g.view_mut());
            let d = g[0] - exact[0];
            sum += d;
            sum_sq += d * d;
        }
        let mean = sum / n as f64;
        let std = (sum_sq / n as f64 - mean * mean).sqrt();
        assert!(mean.abs() < 0.02, "mean offset {mean}");
        assert!((std - 0.5).abs() < 0.02, "spread {std}");
    }
}
