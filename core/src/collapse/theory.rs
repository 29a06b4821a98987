//! Closed-form expectations and variances for the fixed-design chain (docs/collapse.md).
//!
//! With c = σ²d/(T − d − 1) (needs T ≥ d + 2):
//! - replace: E\[errorₙ\] = c·n;
//! - accumulate: E\[errorₙ\] = c·H⁽²⁾ₙ with H⁽²⁾ₙ = Σᵢ₌₁ⁿ 1/i² < π²/6;
//! - separate σ₀/T₀ for the synthetic rounds (replace): σ²d/(T−d−1) + (n−1)·σ₀²d/(T₀−d−1);
//! - separate σ₀, same design T₀ = T (accumulate): d/(T−d−1)·(σ² + σ₀²(H⁽²⁾ₙ − 1)).
//!
//! Every iteration's error, in both modes, has the same coefficient of variation
//! CV² = [2 E tr(W⁻²) + Var tr(W⁻¹)] / (d/(T−d−1))² for W ~ Wishart_d(I, T) (needs T ≥ d + 4), with
//! E tr(W⁻²) = d(T−1)/((T−d)(T−d−1)(T−d−3)) and
//! Var tr(W⁻¹) = 2d/((T−d−1)²(T−d−3)) + 2d(d−1)/((T−d)(T−d−1)²(T−d−3)).

use super::config::Mode;

/// π²/6, the limit of Σ 1/i².
pub const PI2_OVER_6: f64 = core::f64::consts::PI * core::f64::consts::PI / 6.0;

/// c = σ²d/(T − d − 1), the expected error of the first fit; `None` unless T ≥ d + 2.
///
/// ```
/// use engram_core::collapse::theory::first_fit_error;
/// assert_eq!(first_fit_error(32, 100, 1.0), Some(32.0 / 67.0));
/// assert_eq!(first_fit_error(32, 33, 1.0), None);
/// ```
pub fn first_fit_error(dim: usize, samples: usize, sigma: f64) -> Option<f64> {
    if samples < dim + 2 {
        return None;
    }
    Some(sigma * sigma * dim as f64 / (samples - dim - 1) as f64)
}

/// H⁽²⁾ₙ = Σᵢ₌₁ⁿ 1/i², summed from i = 1 upward.
pub fn harmonic2(n: usize) -> f64 {
    (1..=n).map(|i| 1.0 / (i as f64 * i as f64)).sum()
}

/// E[‖ŵₙ − w*‖²] for iteration `n` (1-based) of a fixed-design chain without ridge; `None` where
/// the theory does not apply (T < d + 2, n = 0).
///
/// ```
/// use engram_core::collapse::{theory::expected_error, Mode};
/// let c = 32.0 / 67.0;
/// assert!((expected_error(Mode::Replace, 10, 32, 100, 1.0).unwrap() - 10.0 * c).abs() < 1e-12);
/// assert!(expected_error(Mode::Accumulate, 10, 32, 100, 1.0).unwrap() < 1.645 * c);
/// ```
pub fn expected_error(mode: Mode, n: usize, dim: usize, samples: usize, sigma: f64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let c = first_fit_error(dim, samples, sigma)?;
    Some(match mode {
        Mode::Replace => c * n as f64,
        Mode::Accumulate => c * harmonic2(n),
    })
}

/// Replace with separate synthetic parameters: σ²d/(T−d−1) + (n−1)·σ₀²d/(T₀−d−1).
pub fn expected_error_replace_synthetic(
    n: usize,
    dim: usize,
    samples: usize,
    sigma: f64,
    samples0: usize,
    sigma0: f64,
) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let c = first_fit_error(dim, samples, sigma)?;
    let c0 = first_fit_error(dim, samples0, sigma0)?;
    Some(c + (n - 1) as f64 * c0)
}

/// Accumulate with a separate synthetic noise σ₀ and the same design (T₀ = T):
/// E\[errorₙ\] = d/(T−d−1)·(σ² + σ₀²(H⁽²⁾ₙ − 1)).
///
/// Derivation (docs/collapse.md#theory): with uᵢ = (XᵀX)⁻¹XᵀEᵢ the accumulated fit satisfies
/// n·δₙ − (n−1)·δₙ₋₁ = uₙ + δₙ₋₁, so δₙ = Σᵢ uᵢ/i whatever the noise levels; the uᵢ are
/// independent with E‖u₁‖² = σ²d/(T−d−1) and E‖uᵢ‖² = σ₀²d/(T−d−1) for i ≥ 2. `None` unless
/// T ≥ d + 2 (with T₀ ≠ T a second design is stacked and there is no closed form).
///
/// ```
/// use engram_core::collapse::theory::{expected_error, expected_error_accumulate_synthetic};
/// use engram_core::collapse::Mode;
/// let same = expected_error(Mode::Accumulate, 7, 10, 40, 1.5).unwrap();
/// let ours = expected_error_accumulate_synthetic(7, 10, 40, 1.5, 1.5).unwrap();
/// assert!((same - ours).abs() < 1e-12 * same);
/// ```
pub fn expected_error_accumulate_synthetic(
    n: usize,
    dim: usize,
    samples: usize,
    sigma: f64,
    sigma0: f64,
) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let c = first_fit_error(dim, samples, sigma)?;
    let c0 = first_fit_error(dim, samples, sigma0)?;
    Some(c + c0 * (harmonic2(n) - 1.0))
}

/// The error's squared coefficient of variation (same for every iteration and both modes);
/// `None` unless T ≥ d + 4.
///
/// ```
/// use engram_core::collapse::theory::cv2;
/// let v = cv2(32, 100).unwrap();
/// assert!(v > 2.0 / 32.0 && v < 0.2); // a bit above the χ²_d value 2/d
/// ```
pub fn cv2(dim: usize, samples: usize) -> Option<f64> {
    if samples < dim + 4 {
        return None;
    }
    let (d, t) = (dim as f64, samples as f64);
    let e_tr_w2 = d * (t - 1.0) / ((t - d) * (t - d - 1.0) * (t - d - 3.0));
    let var_tr = 2.0 * d / ((t - d - 1.0) * (t - d - 1.0) * (t - d - 3.0))
        + 2.0 * d * (d - 1.0) / ((t - d) * (t - d - 1.0) * (t - d - 1.0) * (t - d - 3.0));
    let mean_tr = d / (t - d - 1.0);
    Some((2.0 * e_tr_w2 + var_tr) / (mean_tr * mean_tr))
}
