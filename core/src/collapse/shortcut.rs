//! An exact distributional shortcut for the fixed-design chain without ridge.

use super::NORMAL;
use crate::error::{Error, check_len};
use crate::rng::Rng;
use crate::scratch::take;
use crate::{Real, Result};

const WHAT: &str = "collapse::run_shortcut";

/// Scratch elements [`run_shortcut`] needs: d² + 3d.
pub fn shortcut_scratch_len(dim: usize) -> usize {
    dim.saturating_mul(dim)
        .saturating_add(dim.saturating_mul(3))
}

/// Draws the Bartlett factor L of W ~ Wishart_d(I, T) into `l` (d × d, row-major, lower triangular):
/// row by row, the i off-diagonal N(0, 1) entries, then the pivot √χ²_{T−i}. Zeroes the upper
/// triangle. This is the first part of [`run_shortcut`]'s draw order, shared with the host's
/// batched kernel so both consume the same stream.
///
/// Errors: `l.len() != d²`, `samples < dim`.
///
/// ```
/// use engram_core::collapse::bartlett_factor;
/// use engram_core::rng::Rng;
/// let mut l = [0.0f64; 9];
/// bartlett_factor(&mut Rng::seed_from_u64(3), 3, 10, &mut l).unwrap();
/// assert!(l[0] > 0.0 && l[1] == 0.0 && l[4] > 0.0);
/// ```
pub fn bartlett_factor<T: Real>(
    rng: &mut Rng,
    dim: usize,
    samples: usize,
    l: &mut [T],
) -> Result<()> {
    check_len(
        "collapse::bartlett_factor: l",
        dim.saturating_mul(dim),
        l.len(),
    )?;
    if samples < dim {
        return Err(Error::InvalidParameter {
            what: "samples T must be >= dim d for least squares",
        });
    }
    l.fill(T::ZERO);
    if dim == 0 {
        return Ok(());
    }
    for (i, row) in l.chunks_exact_mut(dim).enumerate() {
        if let Some((below, diag_on)) = row.split_at_mut_checked(i) {
            rng.fill_normal_with(NORMAL, below);
            let chi2: T = rng.chi_squared_with(NORMAL, T::from_usize(samples - i))?;
            if let Some(lii) = diag_on.first_mut() {
                *lii = chi2.sqrt();
            }
        }
    }
    Ok(())
}

/// Runs the fixed-design, ridge-free chain in both modes at once from the same draws, in O(d²) per
/// iteration, writing ‖ŵₙ − w*‖² for replace and accumulate.
///
/// Why it is exact: with W = XᵀX and uₙ = W⁻¹XᵀEₙ, replace gives ŵₙ − w* = σ Σᵢ₌₁ⁿ uᵢ and accumulate
/// gives ŵₙ − w* = σ Σᵢ₌₁ⁿ uᵢ / i (docs/collapse.md), and the error does not depend on w*. Given X, the
/// XᵀEᵢ are iid N(0, W); with W = LLᵀ, L z (z ~ N(0, I)) has that law, so uᵢ = W⁻¹ L zᵢ = L⁻ᵀ zᵢ.
/// And W ~ Wishart_d(I, T) has Bartlett's factor (Bartlett 1933; Anderson, *An Introduction to
/// Multivariate Statistical Analysis*, Thm 7.2.1): L lower triangular with L_ii² ~ χ²_{T−i} (i from
/// 0) and L_ij ~ N(0, 1) below the diagonal, all independent. So the joint law of every error in the
/// chain is reproduced without ever forming X (T·d draws) or XᵀX (T·d² work).
///
/// Draw order: L row by row (for row i the i off-diagonal normals, then the χ² pivot), then per
/// iteration d normals z. Back substitution Lᵀ v = z sums over k > i ascending.
///
/// Errors: `dim == 0`, `samples < dim`, σ negative or non-finite, output lengths ≠ iterations,
/// short scratch, or a non-finite result.
///
/// ```
/// use engram_core::collapse::{run_shortcut, shortcut_scratch_len};
/// use engram_core::rng::Rng;
/// let mut scratch = vec![0.0f64; shortcut_scratch_len(32)];
/// let (mut rep, mut acc) = ([0.0; 50], [0.0; 50]);
/// run_shortcut(32, 100, 1.0, &mut Rng::seed_from_u64(1), &mut scratch, &mut rep, &mut acc).unwrap();
/// assert!(rep[49] > acc[49]); // replace collapses, accumulate stays bounded
/// ```
pub fn run_shortcut<T: Real>(
    dim: usize,
    samples: usize,
    sigma: T,
    rng: &mut Rng,
    scratch: &mut [T],
    replace: &mut [T],
    accumulate: &mut [T],
) -> Result<()> {
    if dim == 0 {
        return Err(Error::InvalidParameter {
            what: "dim d must be >= 1",
        });
    }
    if samples < dim {
        return Err(Error::InvalidParameter {
            what: "samples T must be >= dim d for least squares",
        });
    }
    if !sigma.is_finite() || sigma < T::ZERO {
        return Err(Error::InvalidParameter {
            what: "sigma must be finite and >= 0",
        });
    }
    check_len(
        "collapse::run_shortcut: accumulate",
        replace.len(),
        accumulate.len(),
    )?;
    let need = shortcut_scratch_len(dim);
    if scratch.len() < need {
        return Err(Error::ScratchTooSmall {
            what: "collapse::run_shortcut",
            needed: need,
            found: scratch.len(),
        });
    }
    let d = dim;
    let mut buf = scratch;
    let l = take(&mut buf, d * d, WHAT)?;
    let v = take(&mut buf, d, WHAT)?;
    let delta_r = take(&mut buf, d, WHAT)?;
    let delta_a = take(&mut buf, d, WHAT)?;

    bartlett_factor(rng, d, samples, l)?;
    delta_r.fill(T::ZERO);
    delta_a.fill(T::ZERO);

    for (n, (rep, acc)) in replace.iter_mut().zip(accumulate.iter_mut()).enumerate() {
        // v = L⁻ᵀ z by back substitution on Lᵀ: v_i = (z_i − Σ_{k>i} l_ki v_k) / l_ii.
        rng.fill_normal_with(NORMAL, v);
        for i in (0..d).rev() {
            let mut s = T::ZERO;
            for k in i + 1..d {
                let lki = l.get(k * d + i).copied().unwrap_or(T::ZERO);
                s += lki * v.get(k).copied().unwrap_or(T::ZERO);
            }
            let lii = l.get(i * d + i).copied().unwrap_or(T::ONE);
            if let Some(vi) = v.get_mut(i) {
                *vi = (*vi - s) / lii;
            }
        }
        let inv_n = T::ONE / T::from_usize(n + 1);
        let (mut er, mut ea) = (T::ZERO, T::ZERO);
        for ((&vi, dr), da) in v.iter().zip(delta_r.iter_mut()).zip(delta_a.iter_mut()) {
            let u = sigma * vi;
            *dr += u;
            *da += u * inv_n;
            er += *dr * *dr;
            ea += *da * *da;
        }
        if !er.is_finite() || !ea.is_finite() {
            return Err(Error::NonFinite {
                what: "collapse::run_shortcut: test error",
            });
        }
        *rep = er;
        *acc = ea;
    }
    Ok(())
}
