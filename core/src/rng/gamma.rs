//! Gamma and χ² draws (Marsaglia & Tsang, 2000) on direct `libm` calls.

use super::normal::Normal;
use super::xoshiro::Rng;
use crate::{Error, Real, Result};

impl Rng {
    /// One Gamma(shape, 1) draw with Box–Muller normals: [`gamma_with`](Self::gamma_with)
    /// (`Normal::BoxMuller`, stream v1).
    ///
    /// ```
    /// use engram_core::rng::Rng;
    /// let g: f64 = Rng::seed_from_u64(1).gamma(2.5).unwrap();
    /// assert!(g > 0.0);
    /// assert!(Rng::seed_from_u64(1).gamma::<f64>(0.0).is_err());
    /// ```
    pub fn gamma<T: Real>(&mut self, shape: T) -> Result<T> {
        self.gamma_with(Normal::BoxMuller, shape)
    }

    /// One Gamma(shape, 1) draw by Marsaglia & Tsang's squeeze-and-reject method ("A simple method for
    /// generating gamma variables", ACM TOMS 26(3), 2000), its normal draws made by `method`. For
    /// `shape < 1` it draws Gamma(shape + 1) · U^{1/shape}.
    ///
    /// The number of 64-bit outputs consumed depends on the rejections, but is a deterministic
    /// function of the stream, so every target draws the same value.
    ///
    /// Errors: [`Error::InvalidParameter`] unless `shape > 0` and finite.
    ///
    /// ```
    /// use engram_core::rng::{Normal, Rng};
    /// let g: f64 = Rng::seed_from_u64(1).gamma_with(Normal::Ziggurat, 2.5).unwrap();
    /// assert!(g > 0.0);
    /// ```
    pub fn gamma_with<T: Real>(&mut self, method: Normal, shape: T) -> Result<T> {
        let positive = shape > T::ZERO;
        if !positive || !shape.is_finite() {
            return Err(Error::InvalidParameter {
                what: "gamma: shape must be > 0 and finite",
            });
        }
        if shape < T::ONE {
            let g = self.gamma_ge1(method, shape + T::ONE);
            let u = T::unit_open0(self.next_u64());
            // U^{1/a} = exp(ln U / a)
            return Ok(g * (u.ln() / shape).exp());
        }
        Ok(self.gamma_ge1(method, shape))
    }

    fn gamma_ge1<T: Real>(&mut self, method: Normal, shape: T) -> T {
        let third = T::ONE / T::from_f64(3.0);
        let d = shape - third;
        let c = T::ONE / (T::from_f64(9.0) * d).sqrt();
        loop {
            let x: T = self.normal_with(method);
            let t = T::ONE + c * x;
            if t <= T::ZERO {
                continue;
            }
            let v = t * t * t;
            let u = T::unit_open0(self.next_u64());
            let x2 = x * x;
            if u < T::ONE - T::from_f64(0.0331) * x2 * x2 {
                return d * v;
            }
            if u.ln() < T::from_f64(0.5) * x2 + d * (T::ONE - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// One χ²_k draw with Box–Muller normals: [`chi_squared_with`](Self::chi_squared_with)
    /// (`Normal::BoxMuller`, stream v1).
    ///
    /// ```
    /// use engram_core::rng::Rng;
    /// let x: f32 = Rng::seed_from_u64(2).chi_squared(10.0).unwrap();
    /// assert!(x > 0.0);
    /// ```
    pub fn chi_squared<T: Real>(&mut self, k: T) -> Result<T> {
        self.chi_squared_with(Normal::BoxMuller, k)
    }

    /// One χ²_k draw: 2 · Gamma(k/2, 1), its normal draws made by `method`. Errors unless `k > 0`
    /// and finite.
    ///
    /// ```
    /// use engram_core::rng::{Normal, Rng};
    /// let x: f64 = Rng::seed_from_u64(2).chi_squared_with(Normal::Ziggurat, 10.0).unwrap();
    /// assert!(x > 0.0);
    /// ```
    pub fn chi_squared_with<T: Real>(&mut self, method: Normal, k: T) -> Result<T> {
        let half = T::from_f64(0.5);
        Ok(T::from_f64(2.0) * self.gamma_with(method, k * half)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean k and variance 2k of χ²_k, within 5 standard errors, for small and large k, with
    /// either normal method.
    #[test]
    fn chi_squared_moments() {
        for (k, method) in [0.6f64, 1.0, 3.0, 17.0, 400.0]
            .into_iter()
            .flat_map(|k| [(k, Normal::BoxMuller), (k, Normal::Ziggurat)])
        {
            let mut rng = Rng::seed_from_u64(k.to_bits());
            let n = 100_000usize;
            let (mut s1, mut s2) = (0.0f64, 0.0f64);
            for _ in 0..n {
                let x: f64 = rng.chi_squared_with(method, k).unwrap();
                s1 += x;
                s2 += x * x;
            }
            let nf = n as f64;
            let mean = s1 / nf;
            let var = s2 / nf - mean * mean;
            // Var of the sample mean is 2k/n; of the sample variance ≈ (μ4 − σ⁴)/n with
            // μ4 = 12k(k + 4) for χ²_k, so (μ4 − σ⁴) = 12k² + 48k − 4k² = 8k² + 48k.
            assert!(
                (mean - k).abs() < 5.0 * libm::sqrt(2.0 * k / nf),
                "k={k} {method:?}: mean {mean}"
            );
            let se_var = libm::sqrt((8.0 * k * k + 48.0 * k) / nf);
            assert!(
                (var - 2.0 * k).abs() < 5.0 * se_var,
                "k={k} {method:?}: var {var}"
            );
        }
    }

    #[test]
    fn rejects_bad_shape() {
        let mut rng = Rng::seed_from_u64(0);
        assert!(rng.gamma::<f64>(-1.0).is_err());
        assert!(rng.gamma::<f32>(f32::NAN).is_err());
        assert!(rng.gamma::<f64>(f64::INFINITY).is_err());
    }
}
