//! The Gaussian kernel-density view of associative memory (docs/hopfield.md, "KDE view"): the energy is
//! a scaled negative log-likelihood and the retrieval step is one mean-shift step.

use crate::error::{area, check_len};
use crate::linalg::matvec_t;
use crate::softmax::{check_beta, check_finite, softmax, sq_dist};
use crate::{Error, Real, Result};

/// How a mean-shift run ended.
///
/// ```
/// use engram_core::hopfield::MeanShiftOutcome;
/// assert_eq!(MeanShiftOutcome::Converged { iters: 4 }.iters(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MeanShiftOutcome {
    /// A step moved ξ by at most the tolerance.
    Converged {
        /// Steps taken, the last (small) one included.
        iters: usize,
    },
    /// The iteration limit was reached first.
    MaxIter {
        /// Steps taken (the limit).
        iters: usize,
    },
}

impl MeanShiftOutcome {
    /// Steps taken.
    pub fn iters(self) -> usize {
        match self {
            MeanShiftOutcome::Converged { iters } | MeanShiftOutcome::MaxIter { iters } => iters,
        }
    }
}

/// A Gaussian kernel density estimate over M stored points x_μ ∈ Rᴰ (rows of a row-major M×D
/// matrix) with bandwidth σ² = 1/β:
///
/// ```text
/// p(ξ)   = (1/M) Σ_μ N(ξ; x_μ, σ² I)
/// NLL(ξ) = −ln p(ξ) = −ln Σ_μ exp(−‖ξ − x_μ‖² / (2σ²)) + ln M + (D/2) ln(2πσ²)
/// E(ξ)   = σ² · NLL(ξ)
/// ```
///
/// Mean-shift (Comaniciu & Meer 2002) ξ ← Σ_μ w_μ x_μ with w = softmax(−‖ξ − x_μ‖²/(2σ²)) is an EM
/// step, so it never raises the NLL.
///
/// **Relation to the modern network** ([`ModernHopfield`](super::ModernHopfield), same β): when every
/// ‖x_μ‖² = R², ‖ξ − x_μ‖² = ‖ξ‖² − 2 x_μ·ξ + R², so the weights are exactly softmax(β X ξ) (the
/// ξ-only terms cancel in the softmax) and
///
/// ```text
/// E_KDE(ξ) = E_modern(ξ) + (D/(2β)) ln(2π/β)        ([`energy_offset`](Self::energy_offset)),
/// ```
///
/// since E_modern's constant β⁻¹ ln M + ½ max‖x_μ‖² = β⁻¹ ln M + ½R² is exactly what σ²·NLL carries.
/// The weights here are computed from distances, a different code path from the modern network's
/// dot products, so the two agree only up to rounding.
///
/// Order of operations: logit μ = `-(beta * 0.5) * d2` with d2 = Σⱼ (ξⱼ − x_μⱼ)² summed in j;
/// softmax as [`softmax`](crate::softmax::softmax); ξ′ⱼ = Σ_μ w_μ x_μⱼ summed in μ.
///
/// ```
/// use engram_core::hopfield::{GaussianKde, MeanShiftOutcome};
/// let x = [0.0f32, 0.0, 4.0, 4.0]; // two points in R², far apart for β = 2
/// let kde = GaussianKde::new(&x, 2, 2, 2.0)?;
/// let mut xi = [3.5f32, 3.0];
/// let mut scratch = [0.0f32; 4]; // M + D
/// let out = kde.run(&mut xi, &mut scratch, 1e-6, 50)?;
/// assert!(matches!(out, MeanShiftOutcome::Converged { .. }));
/// assert!((xi[0] - 4.0).abs() < 1e-5 && (xi[1] - 4.0).abs() < 1e-5);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianKde<'a, T: Real> {
    x: &'a [T],
    m: usize,
    d: usize,
    beta: T,
}

impl<'a, T: Real> GaussianKde<'a, T> {
    /// Wraps the M×D points `x` with bandwidth σ² = 1/`beta`.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `x.len() != m·d`; [`Error::InvalidParameter`] if
    /// `m = 0`, `d = 0` or β ≤ 0; [`Error::NonFinite`] if β or a point is NaN or ±∞.
    pub fn new(x: &'a [T], m: usize, d: usize, beta: T) -> Result<Self> {
        check_beta("GaussianKde: beta", "GaussianKde: beta must be > 0", beta)?;
        check_len("GaussianKde: x", area("GaussianKde: x", m, d)?, x.len())?;
        if m == 0 || d == 0 {
            return Err(Error::InvalidParameter {
                what: "GaussianKde: need m >= 1 and d >= 1",
            });
        }
        check_finite("GaussianKde: x", x)?;
        Ok(Self { x, m, d, beta })
    }

    /// Number of points M.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Dimension D.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Inverse bandwidth β = 1/σ².
    pub fn beta(&self) -> T {
        self.beta
    }

    /// The bandwidth σ² = 1/β.
    pub fn sigma2(&self) -> T {
        T::ONE / self.beta
    }

    /// The mean-shift weights w = softmax(−β‖ξ − x_μ‖²/2) into `w` (length M); returns
    /// ln Σ_μ exp(−β‖ξ − x_μ‖²/2).
    ///
    /// Errors: [`Error::DimensionMismatch`] for `ξ.len() != D` or `w.len() != M`;
    /// [`Error::NonFinite`] for a non-finite ξ (or a distance that overflows).
    pub fn weights(&self, xi: &[T], w: &mut [T]) -> Result<T> {
        check_len("GaussianKde: xi", self.d, xi.len())?;
        check_len("GaussianKde: w", self.m, w.len())?;
        check_finite("GaussianKde: xi", xi)?;
        let scale = -(self.beta * T::from_f64(0.5));
        for (wm, row) in w.iter_mut().zip(self.x.chunks_exact(self.d.max(1))) {
            *wm = scale * sq_dist(xi, row);
        }
        softmax(w)
    }

    /// ln M + (D/2) ln(2πσ²): the NLL's ξ-independent part.
    fn nll_constant(&self) -> T {
        let two_pi = T::PI + T::PI;
        let half_d = T::from_usize(self.d) * T::from_f64(0.5);
        T::from_usize(self.m).ln() + half_d * (two_pi / self.beta).ln()
    }

    /// NLL(ξ) = −ln((1/M) Σ_μ N(ξ; x_μ, σ²I)); `w` (length M) is scratch and holds the weights on
    /// return.
    ///
    /// Errors: as [`weights`](Self::weights).
    pub fn nll(&self, xi: &[T], w: &mut [T]) -> Result<T> {
        let lse = self.weights(xi, w)?;
        Ok(self.nll_constant() - lse)
    }

    /// E(ξ) = σ² · NLL(ξ) = NLL(ξ)/β.
    ///
    /// Errors: as [`weights`](Self::weights).
    pub fn energy(&self, xi: &[T], w: &mut [T]) -> Result<T> {
        Ok(self.nll(xi, w)? / self.beta)
    }

    /// (D/(2β)) ln(2π/β) = (D/2) σ² ln(2πσ²): E_KDE − E_modern for equal-norm points.
    pub fn energy_offset(&self) -> T {
        let two_pi = T::PI + T::PI;
        T::from_usize(self.d) * T::from_f64(0.5) / self.beta * (two_pi / self.beta).ln()
    }

    /// One mean-shift step ξ′ = Σ_μ w_μ x_μ into `out` (length D), the weights into `w` (length M);
    /// returns the step length ‖ξ′ − ξ‖.
    ///
    /// Errors: as [`weights`](Self::weights), and [`Error::DimensionMismatch`] for
    /// `out.len() != D`.
    pub fn step(&self, xi: &[T], out: &mut [T], w: &mut [T]) -> Result<T> {
        check_len("GaussianKde: out", self.d, out.len())?;
        self.weights(xi, w)?;
        matvec_t(self.x, self.m, self.d, w, out)?;
        Ok(sq_dist(out, xi).sqrt())
    }

    /// Mean-shift from `xi` (updated in place) until a step has length ≤ `tol` (that step is
    /// applied) or `max_iter` steps. `scratch` needs M + D elements (weights, then the next point).
    ///
    /// Errors: [`Error::InvalidParameter`] for a negative or NaN `tol`;
    /// [`Error::ScratchTooSmall`]; those of [`step`](Self::step).
    pub fn run(
        &self,
        xi: &mut [T],
        scratch: &mut [T],
        tol: T,
        max_iter: usize,
    ) -> Result<MeanShiftOutcome> {
        // A NaN tolerance fails the comparison too.
        let tol_ok = tol >= T::ZERO;
        if !tol_ok {
            return Err(Error::InvalidParameter {
                what: "GaussianKde::run: tol must be >= 0",
            });
        }
        check_len("GaussianKde: xi", self.d, xi.len())?;
        let needed = self.m + self.d;
        let found = scratch.len();
        let (w, rest) = scratch
            .get_mut(..needed)
            .ok_or(Error::ScratchTooSmall {
                what: "GaussianKde::run",
                needed,
                found,
            })?
            .split_at_mut(self.m);
        for iter in 1..=max_iter {
            let moved = self.step(xi, rest, w)?;
            for (a, &b) in xi.iter_mut().zip(rest.iter()) {
                *a = b;
            }
            if moved <= tol {
                return Ok(MeanShiftOutcome::Converged { iters: iter });
            }
        }
        Ok(MeanShiftOutcome::MaxIter { iters: max_iter })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hopfield::ModernHopfield;
    use crate::rng::Rng;

    #[test]
    fn errors() {
        let x = [0.0f32; 4];
        assert!(GaussianKde::new(&x, 2, 2, 0.0).is_err());
        assert!(GaussianKde::new(&x, 2, 2, f32::INFINITY).is_err());
        assert!(GaussianKde::new(&x, 3, 2, 1.0).is_err());
        let kde = GaussianKde::new(&x, 2, 2, 1.0).unwrap();
        let mut xi = [0.0f32; 2];
        assert!(matches!(
            kde.run(&mut xi, &mut [0.0; 3], 1e-3, 5),
            Err(Error::ScratchTooSmall { .. })
        ));
        assert!(matches!(
            kde.run(&mut xi, &mut [0.0; 4], f32::NAN, 5),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            kde.nll(&[f32::NAN, 0.0], &mut [0.0; 2]),
            Err(Error::NonFinite { .. })
        ));
    }

    /// On equal-norm points the KDE and the modern network give the same weights, and energies
    /// that differ by the documented constant.
    #[test]
    fn matches_modern_on_sphere() {
        let (m, d) = (7usize, 5usize);
        let mut rng = Rng::seed_from_u64(8);
        let mut x = [0.0f64; 35];
        rng.fill_normal(&mut x);
        crate::hopfield::normalize_rows(&mut x, m, d).unwrap();
        for v in x.iter_mut() {
            *v *= 3.0; // radius 3
        }
        let beta = 1.3;
        let kde = GaussianKde::new(&x, m, d, beta).unwrap();
        let net = ModernHopfield::new(&x, m, d, beta).unwrap();
        let mut xi = [0.0f64; 5];
        rng.fill_normal(&mut xi);
        let (mut w, mut p) = ([0.0; 7], [0.0; 7]);
        let ek = kde.energy(&xi, &mut w).unwrap();
        let em = net.energy(&xi, &mut p).unwrap();
        assert!((ek - em - kde.energy_offset()).abs() < 1e-12, "{ek} {em}");
        for (a, b) in w.iter().zip(&p) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
