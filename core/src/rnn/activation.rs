//! [`Activation`]: the state nonlinearity φ of a recurrent network, g_t = φ(z_t).

use core::fmt;

use crate::Real;

/// The nonlinearity φ applied to a network's pre-activations z = W_ih v + W_hh g + b.
///
/// | variant | φ(z) | paper |
/// | --- | --- | --- |
/// | [`Relu`](Self::Relu) | max(zᵢ, 0) elementwise | Sorscher et al. (supervised path integration) |
/// | [`Tanh`](Self::Tanh) | tanh(zᵢ) elementwise (`libm`) | the classic vanilla RNN |
/// | [`NormRelu`](Self::NormRelu) | r / ‖r‖₂ with r = ReLU(z); 0 if r = 0 | Schaeffer et al. 2023 (SSL grid cells) |
///
/// Norm-ReLU's norm is √(Σᵢ rᵢ²) with the squares summed sequentially in i from `+0.0`, one
/// `sqrt` (`libm`), then one *division* per element, so its output has unit norm up to rounding,
/// or is exactly zero. ReLU maps −0.0 and NaN to +0.0 (`z > 0 ? z : 0`); kernels reject non-finite
/// inputs before they get here.
///
/// The one-byte code is what a weights blob stores (see `docs/rnn.md`).
///
/// ```
/// use engram_core::rnn::Activation;
/// let mut z = [3.0f32, -1.0, 4.0];
/// Activation::NormRelu.apply(&mut z);
/// assert_eq!(z, [0.6, 0.0, 0.8]);
/// let mut t = [0.0f64, 100.0];
/// Activation::Tanh.apply(&mut t);
/// assert_eq!(t, [0.0, 1.0]);
/// assert_eq!(Activation::from_code(Activation::Tanh.code()), Some(Activation::Tanh));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// max(z, 0) (code 1).
    Relu,
    /// tanh z (code 2).
    Tanh,
    /// ReLU, then L2-normalise the whole state vector (code 3).
    NormRelu,
}

impl Activation {
    /// Every activation, in code order.
    pub const ALL: [Activation; 3] = [Activation::Relu, Activation::Tanh, Activation::NormRelu];

    /// The code stored in a blob: 1 ReLU, 2 tanh, 3 Norm-ReLU.
    pub const fn code(self) -> i32 {
        match self {
            Activation::Relu => 1,
            Activation::Tanh => 2,
            Activation::NormRelu => 3,
        }
    }

    /// The activation with this code, if any.
    pub const fn from_code(code: i32) -> Option<Activation> {
        match code {
            1 => Some(Activation::Relu),
            2 => Some(Activation::Tanh),
            3 => Some(Activation::NormRelu),
            _ => None,
        }
    }

    /// Lower-case name: `relu`, `tanh`, `norm-relu`.
    pub const fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::NormRelu => "norm-relu",
        }
    }

    /// Applies φ to the whole pre-activation vector `z` in place (the reference path: `libm`).
    pub fn apply<T: Real>(self, z: &mut [T]) {
        match self {
            Activation::Relu => relu(z),
            Activation::Tanh => {
                for v in z.iter_mut() {
                    *v = v.tanh();
                }
            }
            Activation::NormRelu => {
                relu(z);
                let sq = sum_sq(z);
                if sq > T::ZERO {
                    let norm = sq.sqrt();
                    for v in z.iter_mut() {
                        *v = *v / norm;
                    }
                }
            }
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// max(z, 0) elementwise; −0.0 and NaN become +0.0.
#[inline]
pub(crate) fn relu<T: Real>(z: &mut [T]) {
    for v in z.iter_mut() {
        // `!(v > 0)` rather than `v <= 0`: NaN becomes 0 too.
        if (*v).partial_cmp(&T::ZERO) != Some(core::cmp::Ordering::Greater) {
            *v = T::ZERO;
        }
    }
}

/// Σᵢ zᵢ², sequential in i from `+0.0`.
#[inline]
pub(crate) fn sum_sq<T: Real>(z: &[T]) -> T {
    let mut s = T::ZERO;
    for &v in z {
        s += v * v;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_reject_unknown() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_code(a.code()), Some(a));
        }
        assert_eq!(Activation::from_code(0), None);
        assert_eq!(Activation::from_code(4), None);
    }

    #[test]
    fn relu_zeroes_negatives_nan_and_negative_zero() {
        let mut z = [-0.0f32, f32::NAN, -2.0, 0.5];
        Activation::Relu.apply(&mut z);
        assert_eq!(z.map(f32::to_bits), [0, 0, 0, 0.5f32.to_bits()]);
    }

    #[test]
    fn norm_relu_of_all_negative_is_zero() {
        let mut z = [-1.0f64, -0.0, -3.0];
        Activation::NormRelu.apply(&mut z);
        assert_eq!(z, [0.0; 3]);
    }
}
