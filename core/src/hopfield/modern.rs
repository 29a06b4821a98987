//! The modern continuous Hopfield network (Ramsauer et al., "Hopfield Networks is All You Need",
//! 2020): softmax attention over stored patterns as an energy-descending update.

use crate::error::{area, check_len};
use crate::linalg::{dot, matvec_t};
use crate::softmax::{check_beta, check_finite, softmax};
use crate::{Error, Real, Result};

/// A modern Hopfield network over M stored patterns x_μ ∈ Rᵈ, the rows of a borrowed row-major
/// M×d matrix X, with inverse temperature β > 0.
///
/// - **Update** (Ramsauer et al. eq. (3), with patterns as *rows*, so their X softmax(β Xᵀξ) reads
///   Xᵀ softmax(β X ξ) here): p = softmax(β X ξ), ξ′ = Xᵀ p.
/// - **Energy** (their eq. (2) plus their constant):
///
///   ```text
///   E(ξ) = −β⁻¹ ln Σ_μ exp(β x_μ·ξ) + ½ ξ·ξ + β⁻¹ ln M + ½ max_μ ‖x_μ‖²
///   ```
///
///   The constant β⁻¹ ln M + ½ max‖x_μ‖² ([`constant`](Self::constant)) makes 0 ≤ E ≤ 2 max‖x_μ‖²
///   (their Lemma A1); it does not depend on ξ. The update is a CCCP step, so E(ξ′) ≤ E(ξ).
///
/// Order of operations: each logit is `beta * dot(x_μ, ξ)` (sequential dot, then one product);
/// softmax as [`softmax`]; ξ′ⱼ = Σ_μ p_μ x_μⱼ summed in μ ([`matvec_t`]).
///
/// ```
/// use engram_core::hopfield::ModernHopfield;
/// let x = [1.0f32, 0.0, 0.0, 1.0]; // two unit patterns in R²
/// let net = ModernHopfield::new(&x, 2, 2, 20.0)?;
/// let (mut out, mut p) = ([0.0f32; 2], [0.0f32; 2]);
/// let e0 = net.update(&[0.8, 0.3], &mut out, &mut p)?;
/// assert!(p[0] > 0.99 && (p[0] + p[1] - 1.0).abs() < 1e-6);
/// assert!((out[0] - 1.0).abs() < 1e-3 && out[1] < 1e-3);
/// assert!(net.energy(&out, &mut p)? <= e0);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModernHopfield<'a, T: Real> {
    x: &'a [T],
    m: usize,
    d: usize,
    beta: T,
    constant: T,
}

impl<'a, T: Real> ModernHopfield<'a, T> {
    /// Wraps the M×d patterns `x` with inverse temperature `beta`.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `x.len() != m·d`; [`Error::InvalidParameter`] if
    /// `m = 0`, `d = 0` or β ≤ 0; [`Error::NonFinite`] if β or a pattern entry is NaN or ±∞.
    pub fn new(x: &'a [T], m: usize, d: usize, beta: T) -> Result<Self> {
        check_beta(
            "ModernHopfield: beta",
            "ModernHopfield: beta must be > 0",
            beta,
        )?;
        check_len(
            "ModernHopfield: x",
            area("ModernHopfield: x", m, d)?,
            x.len(),
        )?;
        if m == 0 || d == 0 {
            return Err(Error::InvalidParameter {
                what: "ModernHopfield: need m >= 1 and d >= 1",
            });
        }
        check_finite("ModernHopfield: x", x)?;
        let mut max_sq = T::ZERO;
        for row in x.chunks_exact(d.max(1)) {
            max_sq = max_sq.max(dot(row, row)?);
        }
        let half = T::from_f64(0.5);
        let constant = T::from_usize(m).ln() / beta + half * max_sq;
        if !constant.is_finite() {
            return Err(Error::NonFinite {
                what: "ModernHopfield: max pattern norm",
            });
        }
        Ok(Self {
            x,
            m,
            d,
            beta,
            constant,
        })
    }

    /// Number of stored patterns M.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Pattern dimension d.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Inverse temperature β.
    pub fn beta(&self) -> T {
        self.beta
    }

    /// The stored patterns, row-major M×d.
    pub fn patterns(&self) -> &'a [T] {
        self.x
    }

    /// The ξ-independent part of the energy, β⁻¹ ln M + ½ max_μ ‖x_μ‖².
    pub fn constant(&self) -> T {
        self.constant
    }

    /// The softmax weights p = softmax(β X ξ) into `p` (length M); returns ln Σ_μ exp(β x_μ·ξ).
    ///
    /// Errors: [`Error::DimensionMismatch`] for `ξ.len() != d` or `p.len() != M`;
    /// [`Error::NonFinite`] for a non-finite ξ or logit.
    pub fn weights(&self, xi: &[T], p: &mut [T]) -> Result<T> {
        check_len("ModernHopfield: xi", self.d, xi.len())?;
        check_len("ModernHopfield: p", self.m, p.len())?;
        check_finite("ModernHopfield: xi", xi)?;
        for (pm, row) in p.iter_mut().zip(self.x.chunks_exact(self.d.max(1))) {
            *pm = self.beta * dot(row, xi)?;
        }
        softmax(p)
    }

    fn energy_from_lse(&self, xi: &[T], lse: T) -> Result<T> {
        let half = T::from_f64(0.5);
        Ok(-(lse / self.beta) + half * dot(xi, xi)? + self.constant)
    }

    /// The energy E(ξ); `p` (length M) is scratch and holds softmax(β X ξ) on return.
    ///
    /// Errors: as [`weights`](Self::weights).
    pub fn energy(&self, xi: &[T], p: &mut [T]) -> Result<T> {
        let lse = self.weights(xi, p)?;
        self.energy_from_lse(xi, lse)
    }

    /// One update ξ′ = Xᵀ softmax(β X ξ) into `out` (length d), the weights into `p` (length M).
    /// Returns the energy E(ξ) of the *input* (free: it reuses the log-sum-exp).
    ///
    /// Errors: as [`weights`](Self::weights), and [`Error::DimensionMismatch`] for
    /// `out.len() != d`.
    pub fn update(&self, xi: &[T], out: &mut [T], p: &mut [T]) -> Result<T> {
        check_len("ModernHopfield: out", self.d, out.len())?;
        let lse = self.weights(xi, p)?;
        matvec_t(self.x, self.m, self.d, p, out)?;
        self.energy_from_lse(xi, lse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_errors() {
        let x = [1.0f64, 0.0];
        assert!(matches!(
            ModernHopfield::new(&x, 1, 2, 0.0),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            ModernHopfield::new(&x, 1, 2, -1.0),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            ModernHopfield::new(&x, 1, 2, f64::NAN),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            ModernHopfield::new(&x, 2, 2, 1.0),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            ModernHopfield::new(&[f64::NAN, 0.0], 1, 2, 1.0),
            Err(Error::NonFinite { .. })
        ));
        let net = ModernHopfield::new(&x, 1, 2, 1.0).unwrap();
        let (mut out, mut p) = ([0.0; 2], [0.0; 1]);
        assert!(matches!(
            net.update(&[1.0, f64::NAN], &mut out, &mut p),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            net.update(&[1.0], &mut out, &mut p),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            net.update(&[1.0, 0.0], &mut out, &mut [0.0; 2]),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn energy_is_in_lemma_bounds() {
        let x = [1.0f64, 0.0, 0.0, 2.0, -1.0, 1.0];
        let net = ModernHopfield::new(&x, 3, 2, 0.7).unwrap();
        let mut p = [0.0; 3];
        let e = net.energy(&[0.3, 0.9], &mut p).unwrap();
        // 0 ≤ E ≤ 2 max‖x‖² for ξ in the convex hull of the patterns.
        assert!((0.0..=2.0 * 4.0).contains(&e), "{e}");
        assert_eq!(net.constant(), libm::log(3.0) / 0.7 + 2.0);
    }
}
