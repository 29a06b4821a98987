//! [`Real`]: the scalar type of the reference kernels (`f32` on boards, `f64` for host sweeps).

use core::fmt::Debug;
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point scalar whose every transcendental goes through `libm`.
///
/// Implemented for `f32` and `f64` only (sealed). Generic kernels call these methods, never the
/// inherent `f32::exp`-style ones, so the bits are the same on every target.
///
/// ```
/// use engram_core::Real;
/// fn norm<T: Real>(x: &[T]) -> T {
///     x.iter().fold(T::ZERO, |acc, &v| acc + v * v).sqrt()
/// }
/// assert_eq!(norm(&[3.0f32, 4.0]), 5.0);
/// assert_eq!(norm(&[3.0f64, 4.0]), 5.0);
/// ```
pub trait Real:
    sealed::Sealed
    + Copy
    + Debug
    + Default
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Machine epsilon (the gap between 1 and the next representable value).
    const EPSILON: Self;
    /// π.
    const PI: Self;
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;

    /// Rounds an `f64` to this type (round-to-nearest-even; exact for `f64`).
    fn from_f64(x: f64) -> Self;
    /// Widens to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Converts a count (exact up to 2^24 for `f32`, 2^53 for `f64`).
    fn from_usize(n: usize) -> Self;
    /// A uniform draw in (0, 1] from 64 random bits (uses the top 24 or 53 bits).
    fn unit_open0(bits: u64) -> Self;
    /// A uniform draw in [0, 1) from 64 random bits (uses the top 24 or 53 bits).
    fn unit(bits: u64) -> Self;
    /// Square root (`libm::sqrtf` / `libm::sqrt`; IEEE correctly rounded).
    fn sqrt(self) -> Self;
    /// eˣ (`libm::expf` / `libm::exp`).
    fn exp(self) -> Self;
    /// Natural logarithm (`libm::logf` / `libm::log`).
    fn ln(self) -> Self;
    /// Sine and cosine (`libm::sincosf` / `libm::sincos`).
    fn sin_cos(self) -> (Self, Self);
    /// Hyperbolic tangent (`libm::tanhf` / `libm::tanh`).
    fn tanh(self) -> Self;
    /// Absolute value (exact).
    fn abs(self) -> Self;
    /// The larger of two values; NaN-ignoring like IEEE `maxNum`.
    fn max(self, other: Self) -> Self;
    /// The smaller of two values; NaN-ignoring like IEEE `minNum`.
    fn min(self, other: Self) -> Self;
    /// `true` unless NaN or ±∞.
    fn is_finite(self) -> bool;
    /// The IEEE bits, widened to `u64`, with every NaN mapped to the canonical quiet NaN
    /// (`0x7fc00000` / `0x7ff8000000000000`): x86 SSE produces negative NaNs, Arm and RISC-V positive.
    fn canonical_bits(self) -> u64;
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const EPSILON: Self = f32::EPSILON;
    const PI: Self = core::f32::consts::PI;
    const NAME: &'static str = "f32";

    #[inline]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn from_usize(n: usize) -> Self {
        n as f32
    }
    #[inline]
    fn unit_open0(bits: u64) -> Self {
        ((bits >> 40) + 1) as f32 * (1.0 / 16_777_216.0)
    }
    #[inline]
    fn unit(bits: u64) -> Self {
        (bits >> 40) as f32 * (1.0 / 16_777_216.0)
    }
    #[inline]
    fn sqrt(self) -> Self {
        libm::sqrtf(self)
    }
    #[inline]
    fn exp(self) -> Self {
        libm::expf(self)
    }
    #[inline]
    fn ln(self) -> Self {
        libm::logf(self)
    }
    #[inline]
    fn sin_cos(self) -> (Self, Self) {
        libm::sincosf(self)
    }
    #[inline]
    fn tanh(self) -> Self {
        libm::tanhf(self)
    }
    #[inline]
    fn abs(self) -> Self {
        libm::fabsf(self)
    }
    #[inline]
    fn max(self, other: Self) -> Self {
        libm::fmaxf(self, other)
    }
    #[inline]
    fn min(self, other: Self) -> Self {
        libm::fminf(self, other)
    }
    #[inline]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    #[inline]
    fn canonical_bits(self) -> u64 {
        if self.is_nan() {
            0x7fc0_0000
        } else {
            u64::from(self.to_bits())
        }
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const EPSILON: Self = f64::EPSILON;
    const PI: Self = core::f64::consts::PI;
    const NAME: &'static str = "f64";

    #[inline]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_usize(n: usize) -> Self {
        n as f64
    }
    #[inline]
    fn unit_open0(bits: u64) -> Self {
        ((bits >> 11) + 1) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
    #[inline]
    fn unit(bits: u64) -> Self {
        (bits >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
    #[inline]
    fn sqrt(self) -> Self {
        libm::sqrt(self)
    }
    #[inline]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline]
    fn ln(self) -> Self {
        libm::log(self)
    }
    #[inline]
    fn sin_cos(self) -> (Self, Self) {
        libm::sincos(self)
    }
    #[inline]
    fn tanh(self) -> Self {
        libm::tanh(self)
    }
    #[inline]
    fn abs(self) -> Self {
        libm::fabs(self)
    }
    #[inline]
    fn max(self, other: Self) -> Self {
        libm::fmax(self, other)
    }
    #[inline]
    fn min(self, other: Self) -> Self {
        libm::fmin(self, other)
    }
    #[inline]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    #[inline]
    fn canonical_bits(self) -> u64 {
        if self.is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            self.to_bits()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_ranges() {
        assert_eq!(f32::unit(0), 0.0);
        assert!(f32::unit(u64::MAX) < 1.0);
        assert_eq!(f32::unit_open0(u64::MAX), 1.0);
        assert!(f32::unit_open0(0) > 0.0);
        assert_eq!(f64::unit(0), 0.0);
        assert!(f64::unit(u64::MAX) < 1.0);
        assert_eq!(f64::unit_open0(u64::MAX), 1.0);
        assert!(f64::unit_open0(0) > 0.0);
    }

    #[test]
    fn nan_is_canonicalised() {
        let neg_nan = f32::from_bits(0xffc0_0000);
        assert_eq!(neg_nan.canonical_bits(), 0x7fc0_0000);
        assert_eq!(
            f64::from_bits(0xfff8_0000_0000_0001).canonical_bits(),
            0x7ff8_0000_0000_0000
        );
        assert_eq!(1.0f32.canonical_bits(), 0x3f80_0000);
    }
}
