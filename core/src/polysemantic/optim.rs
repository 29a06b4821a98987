//! Optimisers: AdamW with torch's defaults, and plain SGD.

use super::model::expect_len;
use crate::{Error, Real, Result};

/// AdamW (Loshchilov & Hutter, arXiv:1711.05101) as torch.optim.AdamW computes it, with its
/// defaults β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ and weight decay 0.01. Step t (from 1), per weight:
///
/// ```text
/// w ← w − lr·wd·w                      (decoupled weight decay)
/// m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
/// w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// β₁ᵗ and β₂ᵗ are running products in `T`. The moments m, v live in caller slices (start at 0).
///
/// ```
/// use engram_core::polysemantic::AdamW;
/// let mut opt = AdamW::new(0.1f64);
/// let (mut w, mut m, mut v) = ([1.0], [0.0], [0.0]);
/// opt.step(&mut w, &[2.0], &mut m, &mut v).unwrap();
/// // the first step moves by lr (up to ε) against the gradient's sign, after the decay
/// assert!((w[0] - (1.0 - 0.1 * 0.01 - 0.1)).abs() < 1e-7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamW<T> {
    /// Learning rate.
    pub lr: T,
    /// β₁.
    pub beta1: T,
    /// β₂.
    pub beta2: T,
    /// ε.
    pub eps: T,
    /// Decoupled weight decay.
    pub weight_decay: T,
    b1t: T,
    b2t: T,
}

impl<T: Real> AdamW<T> {
    /// torch's defaults with learning rate `lr`.
    pub fn new(lr: T) -> Self {
        AdamW {
            lr,
            beta1: T::from_f64(0.9),
            beta2: T::from_f64(0.999),
            eps: T::from_f64(1e-8),
            weight_decay: T::from_f64(0.01),
            b1t: T::ONE,
            b2t: T::ONE,
        }
    }

    /// One step on `w` with gradient `g` and moments `m`, `v` (all the same length).
    pub fn step(&mut self, w: &mut [T], g: &[T], m: &mut [T], v: &mut [T]) -> Result<()> {
        expect_len("AdamW: grad", w.len(), g.len())?;
        expect_len("AdamW: m", w.len(), m.len())?;
        expect_len("AdamW: v", w.len(), v.len())?;
        self.b1t *= self.beta1;
        self.b2t *= self.beta2;
        let bc1 = T::ONE - self.b1t;
        let bc2 = T::ONE - self.b2t;
        if bc1 <= T::ZERO || bc2 <= T::ZERO {
            return Err(Error::InvalidParameter {
                what: "AdamW: betas must be in [0, 1)",
            });
        }
        let step = self.lr / bc1;
        let sq2 = bc2.sqrt();
        let decay = T::ONE - self.lr * self.weight_decay;
        for (((wk, &gk), mk), vk) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *wk *= decay;
            *mk = self.beta1 * *mk + (T::ONE - self.beta1) * gk;
            *vk = self.beta2 * *vk + (T::ONE - self.beta2) * gk * gk;
            let denom = vk.sqrt() / sq2 + self.eps;
            *wk -= step * *mk / denom;
        }
        Ok(())
    }
}

/// Plain gradient descent: w ← w − lr·g.
///
/// ```
/// use engram_core::polysemantic::Sgd;
/// let mut w = [1.0f32];
/// Sgd { lr: 0.5 }.step(&mut w, &[1.0]).unwrap();
/// assert_eq!(w, [0.5]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd<T> {
    /// Learning rate.
    pub lr: T,
}

impl<T: Real> Sgd<T> {
    /// One step.
    pub fn step(&self, w: &mut [T], g: &[T]) -> Result<()> {
        expect_len("Sgd: grad", w.len(), g.len())?;
        for (wk, &gk) in w.iter_mut().zip(g) {
            *wk -= self.lr * gk;
        }
        Ok(())
    }
}
