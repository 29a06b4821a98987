//! Gaussian draws by the Box–Muller transform on direct `libm` calls (stream v1,
//! [`Normal::BoxMuller`]).

use super::normal::Normal;
use super::xoshiro::Rng;
use crate::Real;

impl Rng {
    /// Two independent N(0, 1) draws from two uniforms (Box & Muller, 1958):
    /// `r = √(−2 ln u₁)`, `θ = 2π u₂`, returns `(r cos θ, r sin θ)` with `u₁ ∈ (0, 1]`, `u₂ ∈ [0, 1)`.
    ///
    /// Consumes exactly two 64-bit outputs, so the stream position is deterministic.
    ///
    /// ```
    /// use engram_core::rng::Rng;
    /// let mut rng = Rng::seed_from_u64(1);
    /// let (a, b): (f64, f64) = rng.normal_pair();
    /// assert!(a.is_finite() && b.is_finite());
    /// ```
    #[inline]
    pub fn normal_pair<T: Real>(&mut self) -> (T, T) {
        let u1 = T::unit_open0(self.next_u64());
        let u2 = T::unit(self.next_u64());
        let two = T::ONE + T::ONE;
        let r = (-(two * u1.ln())).sqrt();
        let (s, c) = (two * T::PI * u2).sin_cos();
        (r * c, r * s)
    }

    /// One Box–Muller N(0, 1) draw (the first of a [`normal_pair`](Self::normal_pair); the second is
    /// discarded): [`normal_with`](Self::normal_with)`(Normal::BoxMuller)`.
    #[inline]
    pub fn normal<T: Real>(&mut self) -> T {
        self.normal_with(Normal::BoxMuller)
    }

    /// Fills `out` with Box–Muller N(0, 1) draws, pairwise in order; an odd tail uses one pair's
    /// first value: [`fill_normal_with`](Self::fill_normal_with)`(Normal::BoxMuller, out)`.
    ///
    /// ```
    /// use engram_core::rng::Rng;
    /// let mut z = [0.0f32; 5];
    /// Rng::seed_from_u64(2).fill_normal(&mut z);
    /// assert!(z.iter().all(|v| v.is_finite()));
    /// ```
    pub fn fill_normal<T: Real>(&mut self, out: &mut [T]) {
        self.fill_normal_with(Normal::BoxMuller, out);
    }

    pub(super) fn fill_box_muller<T: Real>(&mut self, out: &mut [T]) {
        let mut chunks = out.chunks_exact_mut(2);
        for pair in &mut chunks {
            let (a, b) = self.normal_pair();
            if let [x, y] = pair {
                *x = a;
                *y = b;
            }
        }
        if let [last] = chunks.into_remainder() {
            *last = self.normal_pair().0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean and variance of 200 000 draws within 5 standard errors of 0 and 1.
    #[test]
    fn moments_match_standard_normal() {
        let mut rng = Rng::seed_from_u64(2024);
        let n = 200_000usize;
        let (mut s1, mut s2, mut s4) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..n / 2 {
            let (a, b): (f64, f64) = rng.normal_pair();
            for x in [a, b] {
                s1 += x;
                s2 += x * x;
                s4 += x * x * x * x;
            }
        }
        let nf = n as f64;
        let mean = s1 / nf;
        let var = s2 / nf;
        assert!(mean.abs() < 5.0 / libm::sqrt(nf), "mean {mean}");
        // Var of x² is 2 for a standard normal.
        assert!((var - 1.0).abs() < 5.0 * libm::sqrt(2.0 / nf), "var {var}");
        // E x⁴ = 3 (kurtosis), Var x⁴ = 96.
        assert!(
            (s4 / nf - 3.0).abs() < 5.0 * libm::sqrt(96.0 / nf),
            "m4 {}",
            s4 / nf
        );
    }

    /// The f32 path has the same distribution (Kolmogorov–Smirnov against Φ at a few points).
    #[test]
    fn f32_quantiles() {
        let mut rng = Rng::seed_from_u64(77);
        let mut z = std::vec![0.0f32; 100_000];
        rng.fill_normal(&mut z);
        // Φ(-1) = 0.158655, Φ(0) = 0.5, Φ(1.5) = 0.933193
        for (x, p) in [(-1.0f32, 0.158_655f64), (0.0, 0.5), (1.5, 0.933_193)] {
            let frac = z.iter().filter(|&&v| v <= x).count() as f64 / z.len() as f64;
            let se = libm::sqrt(p * (1.0 - p) / z.len() as f64);
            assert!(
                (frac - p).abs() < 5.0 * se,
                "P(z <= {x}) = {frac}, expected {p}"
            );
        }
    }
}
