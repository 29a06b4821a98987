//! The opt-in fast path (feature `fast-math`): `micromath` approximations for Norm-ReLU's inverse
//! square root, tanh and the exp of a softmax confidence. **Never used by the reference kernels**
//! ([`Network::step`], [`Activation::apply`], the scenarios); bit-identical across targets like
//! every scalar f32 path, but not equal to the reference. Error model (tested against the `libm`
//! path in `core/tests/rnn_fast_math.rs`; see `docs/rnn.md`):
//!
//! | function | method | bound (tested) |
//! | --- | --- | --- |
//! | [`inv_sqrt`] | micromath's bit-trick guess, then two Newton steps y ← y·(1.5 − 0.5·x·y²) | relative ≤ [`INV_SQRT_REL`] = 1e-5 (measured 4.7e-6 on [1e-30, 1e30]) |
//! | [`apply`] Norm-ReLU | ReLU, Σ z² (sequential), z ← z · [`inv_sqrt`](Σ z²) | ‖g‖ within 1 ± [`INV_SQRT_REL`] + 1e-6 |
//! | [`tanh`] | 1 − 2/(e^{2x} + 1) with micromath's exp | absolute ≤ [`TANH_ABS`] = 2e-3 (measured 1.05e-3) |
//! | [`exp`] | micromath (4-term series on the fractional power of 2) | relative ≤ [`EXP_REL`] = 3e-3 on [−80, 0] (measured 2.4e-3) |
//! | [`max_prob`] | 1 / Σⱼ exp(lⱼ − max l) with [`exp`] | relative ≤ [`EXP_REL`] (measured 8.6e-4 on 144 logits) |

use super::{Activation, Network};
use crate::error::check_len;
use crate::softmax::check_finite;
use crate::{Error, Result};

/// Relative error bound of [`inv_sqrt`] on normal positive inputs.
pub const INV_SQRT_REL: f32 = 1e-5;
/// Absolute error bound of [`tanh`].
pub const TANH_ABS: f32 = 2e-3;
/// Relative error bound of [`exp`] on [−80, 0].
pub const EXP_REL: f32 = 3e-3;

/// 1/√x: micromath's initial guess refined by two Newton steps (no FMA). Positive normal x only:
/// 0 gives a huge finite value, not ∞.
#[inline]
pub fn inv_sqrt(x: f32) -> f32 {
    let mut y = micromath::F32Ext::invsqrt(x);
    let half = 0.5 * x;
    for _ in 0..2 {
        y = y * (1.5 - half * y * y);
    }
    y
}

/// eˣ, micromath's approximation.
#[inline]
pub fn exp(x: f32) -> f32 {
    micromath::F32Ext::exp(x)
}

/// tanh x = 1 − 2/(e^{2x} + 1) with [`exp`]; ±1 beyond |x| = 9 (where tanh rounds to ±1 in f32).
#[inline]
pub fn tanh(x: f32) -> f32 {
    if x > 9.0 {
        1.0
    } else if x < -9.0 {
        -1.0
    } else {
        1.0 - 2.0 / (exp(2.0 * x) + 1.0)
    }
}

/// φ(z) in place with the fast functions: ReLU as the reference; tanh by [`tanh`]; Norm-ReLU
/// multiplies by [`inv_sqrt`] of the sum of squares instead of dividing by its `sqrt`.
pub fn apply(activation: Activation, z: &mut [f32]) {
    match activation {
        Activation::Relu => super::activation::relu(z),
        Activation::Tanh => z.iter_mut().for_each(|v| *v = tanh(*v)),
        Activation::NormRelu => {
            super::activation::relu(z);
            let sq = super::activation::sum_sq(z);
            if sq > 0.0 {
                let inv = inv_sqrt(sq);
                z.iter_mut().for_each(|v| *v *= inv);
            }
        }
    }
}

/// The largest softmax probability of `logits`, 1 / Σⱼ exp(lⱼ − max l), with [`exp`] (the decoder
/// confidence a demo shows).
///
/// Errors: [`Error::InvalidParameter`] for no logits; [`Error::NonFinite`].
pub fn max_prob(logits: &[f32]) -> Result<f32> {
    check_finite("fast::max_prob: logits", logits)?;
    let Some(&first) = logits.first() else {
        return Err(Error::InvalidParameter {
            what: "fast::max_prob: no logits",
        });
    };
    let top = logits.iter().fold(first, |m, &x| if x > m { x } else { m });
    let mut s = 0.0f32;
    for &l in logits {
        s += exp(l - top);
    }
    Ok(1.0 / s)
}

impl Network<'_, f32> {
    /// [`step`](Network::step) with the activation's fast path ([`apply`]): the same
    /// pre-activations bit for bit, φ approximated within the module's error model.
    ///
    /// Errors: as [`step`](Network::step).
    pub fn step_fast(&self, v: &[f32], g_prev: &[f32], g_next: &mut [f32]) -> Result<()> {
        let d = self.dims();
        check_len("Network::step_fast: v", d.inputs, v.len())?;
        check_len("Network::step_fast: g_prev", d.hidden, g_prev.len())?;
        check_len("Network::step_fast: g_next", d.hidden, g_next.len())?;
        check_finite("Network::step_fast: v", v)?;
        check_finite("Network::step_fast: g_prev", g_prev)?;
        self.preactivations(v, g_prev, g_next);
        apply(self.activation(), g_next);
        Ok(())
    }
}
