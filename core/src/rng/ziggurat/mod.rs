//! N(0, 1) draws by a 256-layer ziggurat (Marsaglia & Tsang, "The ziggurat method for generating
//! random variables", J. Stat. Softw. 5(8), 2000), exact, on integer operations, plain f64
//! multiplies and compares, and `libm` only in the rare wedge and tail cases.
//!
//! Layout (docs/rng.md#ziggurat). With f(x) = exp(−x²/2), R = x₁ the base layer's right edge and V
//! the common area of every layer, the edges are x₀ = V/f(R) (the base strip's width, tail
//! included), x₁ = R, x_{i+1} = f⁻¹(f(xᵢ) + V/xᵢ), x₂₅₆ = 0. Layer i is the box [0, xᵢ] ×
//! [f(xᵢ), f(x_{i+1})]: it lies under the curve for x ≤ x_{i+1} and straddles it beyond (the wedge).
//!
//! One draw takes one 64-bit output `b`, split into independent fields (Doornik, "An improved
//! ziggurat method to generate normal random samples", 2005, showed that reusing the layer bits in
//! the magnitude correlates them):
//! - `i = b & 0xff`: the layer, uniform over the 256 equal-area layers;
//! - bit 8: the sign;
//! - `m = b >> 11`: a 53-bit magnitude, x = m · xᵢ · 2⁻⁵³ = m · W[i].
//!
//! If m < K[i] = ⌊2⁵³ x_{i+1}/xᵢ⌋ the point is inside the curve (98.5 % of draws): return ±x. Else
//! layer 0 goes to the tail (x > R, Marsaglia 1964: x = −ln U₁/R, y = −ln U₂ until 2y > x², return
//! R + x), and layers 1…255 test the wedge with a second uniform U: accept if
//! f(xᵢ) + U·(f(x_{i+1}) − f(xᵢ)) < f(x). A rejection starts over with a new 64-bit output. Every
//! accepted point is under the curve and every point under the curve is reachable, so the draw is
//! exact up to the tables' f64 rounding (the integer fast test only chooses between two correct
//! paths: any point it sends to the wedge test is accepted there when it lies under the curve).
//!
//! The tables ([`tables`]) are committed, generated from `libm` by the test
//! `tables_regenerate_from_libm`, which recomputes them and compares bit for bit.

mod tables;
#[cfg(test)]
mod tests;

use super::xoshiro::{Rng, step};
use crate::Real;
use tables::{F, K, R, W};

/// 2⁻⁵³: the spacing of the 53-bit uniforms.
const TWO_M53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// Applies the sign bit (bit 8 of the draw's 64-bit output) to a non-negative `x`.
#[inline(always)]
fn signed(x: f64, bits: u64) -> f64 {
    f64::from_bits(x.to_bits() | ((bits & 0x100) << 55))
}

/// A uniform in (0, 1] with 53 random bits.
#[inline]
fn unit_open0(bits: u64) -> f64 {
    ((bits >> 11) + 1) as f64 * TWO_M53
}

/// The tail beyond R (Marsaglia 1964): x = −ln U₁ / R, y = −ln U₂, until 2y > x²; returns R + x.
fn tail(rng: &mut Rng) -> f64 {
    loop {
        let x = -libm::log(unit_open0(rng.next_u64())) / R;
        let y = -libm::log(unit_open0(rng.next_u64()));
        if y + y > x * x {
            return R + x;
        }
    }
}

/// The 1.5 % of tries outside the fast test: the tail for layer 0, the wedge test otherwise, on
/// the generator state `s` (taken and returned by value, so the caller's copy stays in registers).
/// `None` rejects the point.
#[cold]
#[inline(never)]
fn slow(s: [u64; 4], i: usize, x: f64) -> ([u64; 4], Option<f64>) {
    let mut rng = Rng::from_state(s);
    let out = if i == 0 {
        Some(tail(&mut rng))
    } else {
        match (F.get(i), F.get(i + 1)) {
            (Some(&lo), Some(&hi)) => {
                let u = (rng.next_u64() >> 11) as f64 * TWO_M53;
                let y = lo + u * (hi - lo);
                (y < libm::exp(-0.5 * x * x)).then_some(x)
            }
            _ => None,
        }
    };
    (rng.state(), out)
}

/// One draw on the state `s` (see the module documentation).
#[inline(always)]
fn draw(s: &mut [u64; 4]) -> f64 {
    loop {
        let bits = step(s);
        let i = (bits & 0xff) as usize;
        // m < 2⁵³ is exact as an i64 and as an f64 (the signed conversion is one instruction).
        let m = (bits >> 11) as i64;
        let x = m as f64 * W.get(i).copied().unwrap_or(0.0);
        if (m as u64) < K.get(i).copied().unwrap_or(0) {
            return signed(x, bits);
        }
        let (next, accepted) = slow(*s, i, x);
        *s = next;
        if let Some(a) = accepted {
            return signed(a, bits);
        }
    }
}

impl Rng {
    /// One N(0, 1) draw by the 256-layer ziggurat, in f64 (see the module documentation).
    ///
    /// Consumes one 64-bit output for 98.5 % of draws, more on a wedge test, tail or rejection; the
    /// count is a deterministic function of the stream, so every target draws the same value.
    #[inline]
    pub(crate) fn ziggurat(&mut self) -> f64 {
        let mut s = self.state();
        let x = draw(&mut s);
        *self = Rng::from_state(s);
        x
    }

    /// Fills `out` with ziggurat draws in order, rounded once to `T` (the state stays in registers).
    pub(super) fn fill_ziggurat<T: Real>(&mut self, out: &mut [T]) {
        let mut s = self.state();
        for o in out {
            *o = T::from_f64(draw(&mut s));
        }
        *self = Rng::from_state(s);
    }
}
