//! Optimisers over [`Params`]: Adam (Kingma & Ba 2015, PyTorch's form and defaults) and plain SGD.
//!
//! Adam, per parameter, at step k = 1, 2, …:
//! m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  θ ← θ − lr·(m/(1 − β₁ᵏ)) / (√(v/(1 − β₂ᵏ)) + ε).
//! Elementwise and in a fixed order, so the update is bit-for-bit repeatable.

use rayon::prelude::*;

use super::config::OptimizerArg;
use super::model::{Float, Params};

/// β₁.
pub const BETA1: f64 = 0.9;
/// β₂.
pub const BETA2: f64 = 0.999;
/// ε.
pub const EPS: f64 = 1e-8;

/// An optimiser's state: the moments (Adam) and the number of updates taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer<T> {
    /// Which optimiser.
    pub kind: OptimizerArg,
    /// Learning rate.
    pub lr: f64,
    /// First moments m (Adam; zeros for SGD).
    pub m: Params<T>,
    /// Second moments v (Adam; zeros for SGD).
    pub v: Params<T>,
    /// Updates taken k.
    pub k: u64,
}

impl<T: Float> Optimizer<T> {
    /// A fresh optimiser for parameters shaped like `like`.
    pub fn new(kind: OptimizerArg, lr: f64, like: &Params<T>) -> Self {
        Optimizer {
            kind,
            lr,
            m: Params::zeros(like.shape),
            v: Params::zeros(like.shape),
            k: 0,
        }
    }

    /// One update of `params` by `grads`.
    pub fn step(&mut self, params: &mut Params<T>, grads: &Params<T>) {
        self.k += 1;
        let lr = T::of(self.lr);
        match self.kind {
            OptimizerArg::Sgd => {
                for (p, g) in params.tensors_mut().into_iter().zip(grads.tensors()) {
                    p.par_iter_mut()
                        .zip(g.par_iter())
                        .for_each(|(w, &d)| *w -= lr * d);
                }
            }
            OptimizerArg::Adam => {
                let k = self.k as i32;
                let c1 = T::of(1.0 / (1.0 - BETA1.powi(k)));
                let c2 = T::of(1.0 / (1.0 - BETA2.powi(k)));
                let (b1, b2, eps) = (T::of(BETA1), T::of(BETA2), T::of(EPS));
                let (o1, o2) = (T::of(1.0 - BETA1), T::of(1.0 - BETA2));
                let tensors = params
                    .tensors_mut()
                    .into_iter()
                    .zip(grads.tensors())
                    .zip(self.m.tensors_mut())
                    .zip(self.v.tensors_mut());
                for (((p, g), m), v) in tensors {
                    p.par_iter_mut()
                        .zip(g.par_iter())
                        .zip(m.par_iter_mut())
                        .zip(v.par_iter_mut())
                        .for_each(|(((w, &d), m), v)| {
                            *m = b1 * *m + o1 * d;
                            *v = b2 * *v + o2 * (d * d);
                            *w -= lr * (*m * c1) / ((*v * c2).sqrt() + eps);
                        });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rnn::train::model::Shape;

    #[test]
    fn adam_first_step_moves_each_weight_by_lr() {
        let s = Shape { h: 2, p: 3 };
        let mut p = Params::<f64>::zeros(s);
        let mut g = Params::<f64>::zeros(s);
        g.w_hh = vec![0.5, -2.0, 1e-3, 7.0];
        let mut opt = Optimizer::new(OptimizerArg::Adam, 0.01, &p);
        opt.step(&mut p, &g);
        // m̂ = g, v̂ = g²: the step is lr·g/(|g| + ε).
        for (w, d) in p.w_hh.iter().zip(&g.w_hh) {
            assert!((w + 0.01 * d / (d.abs() + 1e-8)).abs() < 1e-15, "{w}");
        }
        let mut q = Params::<f64>::zeros(s);
        let mut sgd = Optimizer::new(OptimizerArg::Sgd, 0.1, &q);
        sgd.step(&mut q, &g);
        for (w, want) in q.w_hh.iter().zip([-0.05, 0.2, -1e-4, -0.7]) {
            assert!((w - want).abs() < 1e-15, "{w} {want}");
        }
    }
}
