//! The optimizers of the lecture: the first-order ones with torch.optim's update rules in
//! f64, and the second-order ones of [`super::second_order`].
//!
//! Settings ([`Optimizer`]) are immutable and shared; everything a method remembers between
//! steps lives in its [`State`], made by [`Optimizer::init`]. The learning rate is supplied by
//! the caller on every step (it comes from the schedule), so no optimizer knows about time
//! beyond its own step count.
//!
//! Each rule mirrors the arithmetic of torch.optim's single-tensor implementation, operation
//! by operation (`lerp` for Adam's first moment, `addcdiv`, Python-float bias corrections), so
//! trajectories agree with torch to rounding, not just to the formula.

use ndarray::{Array1, ArrayView1, Zip};

use super::objective::Problem;
use super::second_order::{Lbfgs, LbfgsState, Newton, StepOutcome};

/// SGD, with optional (Nesterov) momentum, dampening and L2 weight decay.
#[derive(Debug, Clone, PartialEq)]
pub struct Sgd {
    pub momentum: f64,
    pub dampening: f64,
    pub nesterov: bool,
    pub weight_decay: f64,
}

/// AdaGrad: per-coordinate steps shrink with the sum of all squared gradients so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Adagrad {
    pub lr_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

/// RMSProp: AdaGrad with a leaky (exponentially decaying) sum of squares.
#[derive(Debug, Clone, PartialEq)]
pub struct RmsProp {
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

/// Adam and AdamW: momentum plus RMSProp-style scaling, bias-corrected.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    pub betas: (f64, f64),
    pub eps: f64,
    pub weight_decay: f64,
    pub amsgrad: bool,
    /// AdamW: shrink the parameters directly instead of adding `weight_decay·p` to the gradient.
    pub decoupled_weight_decay: bool,
    /// Off only to show why it exists: without it the first steps are far too large.
    pub bias_correction: bool,
}

/// NAdam: Adam with a Nesterov look-ahead on the first moment and torch's momentum schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct NAdam {
    pub betas: (f64, f64),
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum_decay: f64,
}

/// An optimizer's settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Optimizer {
    Sgd(Sgd),
    Adagrad(Adagrad),
    RmsProp(RmsProp),
    Adam(Adam),
    NAdam(NAdam),
    Newton(Newton),
    Lbfgs(Lbfgs),
}

/// What an optimizer carries from one step to the next.
#[derive(Debug, Clone)]
pub enum State {
    Sgd {
        /// Momentum buffer; `None` until the first step, which sets it to the gradient.
        buffer: Option<Array1<f64>>,
    },
    Adagrad {
        step: u64,
        sum: Array1<f64>,
    },
    RmsProp {
        square_avg: Array1<f64>,
    },
    Adam {
        step: u64,
        exp_avg: Array1<f64>,
        exp_avg_sq: Array1<f64>,
        /// Running maximum of `exp_avg_sq`, for AMSGrad only.
        max_exp_avg_sq: Option<Array1<f64>>,
    },
    NAdam {
        step: u64,
        mu_product: f64,
        exp_avg: Array1<f64>,
        exp_avg_sq: Array1<f64>,
    },
    Newton {
        /// f at the current point, when the last line search evaluated it.
        value_here: Option<f64>,
    },
    Lbfgs(Box<LbfgsState>),
}

impl Optimizer {
    /// A fresh state for parameters of length `dim`.
    pub fn init(&self, dim: usize) -> State {
        let zeros = || Array1::zeros(dim);
        match self {
            Optimizer::Sgd(_) => State::Sgd { buffer: None },
            Optimizer::Adagrad(o) => State::Adagrad {
                step: 0,
                sum: Array1::from_elem(dim, o.initial_accumulator_value),
            },
            Optimizer::RmsProp(_) => State::RmsProp {
                square_avg: zeros(),
            },
            Optimizer::Adam(o) => State::Adam {
                step: 0,
                exp_avg: zeros(),
                exp_avg_sq: zeros(),
                max_exp_avg_sq: o.amsgrad.then(zeros),
            },
            Optimizer::NAdam(_) => State::NAdam {
                step: 0,
                mu_product: 1.0,
                exp_avg: zeros(),
                exp_avg_sq: zeros(),
            },
            Optimizer::Newton(_) => State::Newton { value_here: None },
            Optimizer::Lbfgs(_) => State::Lbfgs(Box::default()),
        }
    }

    /// One update of `params` in place, given the gradient at `params` and the learning rate.
    ///
    /// `problem` is the objective behind the gradient; first-order methods do not ask it
    /// anything more, but Newton asks for the Hessian and values, L-BFGS for values and
    /// gradients along a line, each counted by `problem`. When the step has evaluated the
    /// gradient at the new `params` it returns it, so the caller need not ask again.
    pub fn step(
        &self,
        state: &mut State,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
        problem: &mut Problem<'_>,
    ) -> StepOutcome {
        match (self, state) {
            (Optimizer::Newton(o), State::Newton { value_here }) => {
                return o.step(value_here, params, grad, lr, problem);
            }
            (Optimizer::Lbfgs(o), State::Lbfgs(state)) => {
                return o.step(state, params, grad, lr, problem);
            }
            (Optimizer::Sgd(o), State::Sgd { buffer }) => o.step(buffer, params, grad, lr),
            (Optimizer::Adagrad(o), State::Adagrad { step, sum }) => {
                o.step(step, sum, params, grad, lr)
            }
            (Optimizer::RmsProp(o), State::RmsProp { square_avg }) => {
                o.step(square_avg, params, grad, lr)
            }
            (
                Optimizer::Adam(o),
                State::Adam {
                    step,
                    exp_avg,
                    exp_avg_sq,
                    max_exp_avg_sq,
                },
            ) => o.step(step, exp_avg, exp_avg_sq, max_exp_avg_sq, params, grad, lr),
            (
                Optimizer::NAdam(o),
                State::NAdam {
                    step,
                    mu_product,
                    exp_avg,
                    exp_avg_sq,
                },
            ) => o.step(step, mu_product, exp_avg, exp_avg_sq, params, grad, lr),
            (optimizer, state) => unreachable!(
                "state {state:?} was not made by {optimizer:?}: states come only from init"
            ),
        }
        StepOutcome::default()
    }

    /// Whether the method uses curvature (Newton, L-BFGS) rather than the gradient alone.
    pub fn is_second_order(&self) -> bool {
        matches!(self, Optimizer::Newton(_) | Optimizer::Lbfgs(_))
    }
}

/// `grad + weight_decay·p` when there is L2 weight decay, as torch's `grad.add(p, alpha=wd)`.
fn with_weight_decay(
    grad: ArrayView1<'_, f64>,
    params: &Array1<f64>,
    weight_decay: f64,
) -> Option<Array1<f64>> {
    (weight_decay != 0.0).then(|| {
        let mut g = grad.to_owned();
        Zip::from(&mut g)
            .and(params)
            .for_each(|g, &p| *g += weight_decay * p);
        g
    })
}

impl Sgd {
    fn step(
        &self,
        buffer: &mut Option<Array1<f64>>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
    ) {
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());
        if self.momentum == 0.0 {
            Zip::from(params).and(grad).for_each(|p, &g| *p += -lr * g);
            return;
        }
        let (momentum, keep) = (self.momentum, 1.0 - self.dampening);
        match buffer {
            None => *buffer = Some(grad.to_owned()),
            Some(buf) => Zip::from(buf)
                .and(grad)
                .for_each(|b, &g| *b = *b * momentum + keep * g),
        }
        let buf = buffer.as_ref().expect("set just above");
        if self.nesterov {
            Zip::from(params)
                .and(grad)
                .and(buf)
                .for_each(|p, &g, &b| *p += -lr * (g + momentum * b));
        } else {
            Zip::from(params).and(buf).for_each(|p, &b| *p += -lr * b);
        }
    }
}

impl Adagrad {
    fn step(
        &self,
        step: &mut u64,
        sum: &mut Array1<f64>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
    ) {
        *step += 1;
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());
        let clr = lr / (1.0 + (*step - 1) as f64 * self.lr_decay);
        let eps = self.eps;
        Zip::from(params).and(sum).and(grad).for_each(|p, s, &g| {
            *s += g * g;
            *p += -clr * g / (s.sqrt() + eps);
        });
    }
}

impl RmsProp {
    fn step(
        &self,
        square_avg: &mut Array1<f64>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
    ) {
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());
        let (alpha, eps) = (self.alpha, self.eps);
        Zip::from(params)
            .and(square_avg)
            .and(grad)
            .for_each(|p, v, &g| {
                *v = *v * alpha + (1.0 - alpha) * g * g;
                *p += -lr * g / (v.sqrt() + eps);
            });
    }
}

/// torch's `lerp_(end, weight)`: the formula flips for weights of one half and more, which
/// changes the rounding, so it is copied as is.
#[inline(always)]
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

impl Adam {
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        step: &mut u64,
        exp_avg: &mut Array1<f64>,
        exp_avg_sq: &mut Array1<f64>,
        max_exp_avg_sq: &mut Option<Array1<f64>>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
    ) {
        *step += 1;
        let (beta1, beta2) = self.betas;
        let mut coupled = None;
        if self.weight_decay != 0.0 {
            if self.decoupled_weight_decay {
                let shrink = 1.0 - lr * self.weight_decay;
                params.mapv_inplace(|p| p * shrink);
            } else {
                coupled = with_weight_decay(grad, params, self.weight_decay);
            }
        }
        let grad = coupled.as_ref().map_or(grad, |g| g.view());

        // Python floats in torch: `1 - beta ** step` with a float step.
        let t = *step as f64;
        let (step_size, bias_correction2_sqrt) = if self.bias_correction {
            (lr / (1.0 - beta1.powf(t)), (1.0 - beta2.powf(t)).powf(0.5))
        } else {
            (lr, 1.0)
        };
        let (eps, weight1) = (self.eps, 1.0 - beta1);
        // One element of the update; `LERP_LOW` is `weight1.abs() < 0.5`, decided once per
        // step so the loop has no branch and vectorises.
        #[inline(always)]
        fn adam_one<const LERP_LOW: bool>(
            p: &mut f64,
            m: &mut f64,
            v: &mut f64,
            g: f64,
            (weight1, beta2, bias_correction2_sqrt, eps, step_size): (f64, f64, f64, f64, f64),
        ) {
            *m = if LERP_LOW {
                *m + weight1 * (g - *m)
            } else {
                g - (g - *m) * (1.0 - weight1)
            };
            *v = *v * beta2 + (1.0 - beta2) * g * g;
            let denom = v.sqrt() / bias_correction2_sqrt + eps;
            *p += -step_size * *m / denom;
        }
        let k = (weight1, beta2, bias_correction2_sqrt, eps, step_size);
        match max_exp_avg_sq {
            None => match (
                params.as_slice_mut(),
                exp_avg.as_slice_mut(),
                exp_avg_sq.as_slice_mut(),
                grad.as_slice(),
            ) {
                // Contiguous (always, but for a strided gradient view): plain slice loops.
                (Some(p), Some(m), Some(v), Some(g)) => {
                    let n = p.len().min(m.len()).min(v.len()).min(g.len());
                    let (p, m, v, g) = (&mut p[..n], &mut m[..n], &mut v[..n], &g[..n]);
                    if weight1.abs() < 0.5 {
                        for i in 0..n {
                            adam_one::<true>(&mut p[i], &mut m[i], &mut v[i], g[i], k);
                        }
                    } else {
                        for i in 0..n {
                            adam_one::<false>(&mut p[i], &mut m[i], &mut v[i], g[i], k);
                        }
                    }
                }
                _ => Zip::from(params)
                    .and(exp_avg)
                    .and(exp_avg_sq)
                    .and(grad)
                    .for_each(|p, m, v, &g| {
                        *m = lerp(*m, g, weight1);
                        *v = *v * beta2 + (1.0 - beta2) * g * g;
                        let denom = v.sqrt() / bias_correction2_sqrt + eps;
                        *p += -step_size * *m / denom;
                    }),
            },
            Some(max_v) => Zip::from(params)
                .and(exp_avg)
                .and(exp_avg_sq)
                .and(max_v)
                .and(grad)
                .for_each(|p, m, v, vmax, &g| {
                    *m = lerp(*m, g, weight1);
                    *v = *v * beta2 + (1.0 - beta2) * g * g;
                    *vmax = vmax.max(*v);
                    let denom = vmax.sqrt() / bias_correction2_sqrt + eps;
                    *p += -step_size * *m / denom;
                }),
        }
    }
}

impl NAdam {
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        step: &mut u64,
        mu_product: &mut f64,
        exp_avg: &mut Array1<f64>,
        exp_avg_sq: &mut Array1<f64>,
        params: &mut Array1<f64>,
        grad: ArrayView1<'_, f64>,
        lr: f64,
    ) {
        *step += 1;
        let (beta1, beta2) = self.betas;
        let decayed = with_weight_decay(grad, params, self.weight_decay);
        let grad = decayed.as_ref().map_or(grad, |g| g.view());

        let t = *step as f64;
        let bias_correction2 = 1.0 - beta2.powf(t);
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(t * self.momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * self.momentum_decay));
        *mu_product *= mu;
        let mu_product_next = *mu_product * mu_next;
        let grad_coef = -lr * (1.0 - mu) / (1.0 - *mu_product);
        let avg_coef = (-lr * mu_next) / (1.0 - mu_product_next);
        let (eps, weight1) = (self.eps, 1.0 - beta1);
        Zip::from(params)
            .and(exp_avg)
            .and(exp_avg_sq)
            .and(grad)
            .for_each(|p, m, v, &g| {
                *m = lerp(*m, g, weight1);
                *v = *v * beta2 + (1.0 - beta2) * g * g;
                let denom = (*v / bias_correction2).sqrt() + eps;
                *p += grad_coef * g / denom;
                *p += avg_coef * *m / denom;
            });
    }
}
