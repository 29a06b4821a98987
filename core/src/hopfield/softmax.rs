//! Stable softmax, log-sum-exp and the participation ratio: the shared pieces of the continuous
//! memories.

use crate::{Error, Real, Result};

/// Largest element, or an error for an empty or non-finite input.
fn checked_max<T: Real>(what: &'static str, z: &[T]) -> Result<T> {
    let mut it = z.iter();
    let Some(&first) = it.next() else {
        return Err(Error::InvalidParameter { what });
    };
    let mut top = first;
    for &v in z {
        if !v.is_finite() {
            return Err(Error::NonFinite { what });
        }
        if v > top {
            top = v;
        }
    }
    Ok(top)
}

/// ln Σᵢ exp(zᵢ), computed stably as M + ln Σᵢ exp(zᵢ − M) with M = maxᵢ zᵢ, the sum sequential
/// in i from `+0.0` (the M term contributes exactly 1, so the sum is ≥ 1 and the log is finite).
///
/// Errors: [`Error::InvalidParameter`] for an empty slice; [`Error::NonFinite`] for a NaN or ±∞.
///
/// ```
/// use engram_core::hopfield::log_sum_exp;
/// let lse = log_sum_exp(&[1000.0f64, 1000.0])?; // exp(1000) overflows; lse does not
/// assert!((lse - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn log_sum_exp<T: Real>(z: &[T]) -> Result<T> {
    let top = checked_max("log_sum_exp: z", z)?;
    let mut sum = T::ZERO;
    for &v in z {
        sum += (v - top).exp();
    }
    Ok(top + sum.ln())
}

/// Softmax in place, zᵢ ← exp(zᵢ − M) / Σⱼ exp(zⱼ − M) with M = max z (each exp through `libm`, the
/// sum sequential in j, then one division per element). Returns ln Σᵢ exp(zᵢ) of the input (as
/// [`log_sum_exp`]), which the energies need.
///
/// Errors: [`Error::InvalidParameter`] for an empty slice; [`Error::NonFinite`] for a NaN or ±∞
/// (checked before anything is written).
///
/// ```
/// use engram_core::hopfield::softmax;
/// let mut z = [0.0f32, 0.0, 2.0f32.ln()];
/// let lse = softmax(&mut z)?;
/// assert_eq!(z, [0.25, 0.25, 0.5]);
/// assert!((lse - 4.0f32.ln()).abs() < 1e-6);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn softmax<T: Real>(z: &mut [T]) -> Result<T> {
    let top = checked_max("softmax: z", z)?;
    let mut sum = T::ZERO;
    for v in z.iter_mut() {
        *v = (*v - top).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v = *v / sum;
    }
    Ok(top + sum.ln())
}

/// The participation ratio 1 / Σᵢ pᵢ² of a probability vector (sum sequential in i): 1 when one
/// weight is 1, M for M equal weights — the effective number of patterns a modern Hopfield update
/// averages (≈ 1: retrieval; ≫ 1: a metastable average).
///
/// Errors: [`Error::InvalidParameter`] for an empty or all-zero slice; [`Error::NonFinite`] for a
/// NaN or ±∞.
///
/// ```
/// use engram_core::hopfield::participation_ratio;
/// assert_eq!(participation_ratio(&[0.25f32; 4])?, 4.0);
/// assert_eq!(participation_ratio(&[1.0f64, 0.0])?, 1.0);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn participation_ratio<T: Real>(p: &[T]) -> Result<T> {
    checked_max("participation_ratio: p", p)?;
    let mut sq = T::ZERO;
    for &v in p {
        sq += v * v;
    }
    if sq > T::ZERO {
        Ok(T::ONE / sq)
    } else {
        Err(Error::InvalidParameter {
            what: "participation_ratio: p is all zero",
        })
    }
}

/// `Err(NonFinite(what))` unless every entry is finite.
pub(crate) fn check_finite<T: Real>(what: &'static str, v: &[T]) -> Result<()> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite { what })
    }
}

/// β must be finite and > 0.
pub(crate) fn check_beta<T: Real>(
    what_nonfinite: &'static str,
    what: &'static str,
    beta: T,
) -> Result<()> {
    if !beta.is_finite() {
        return Err(Error::NonFinite {
            what: what_nonfinite,
        });
    }
    if beta > T::ZERO {
        Ok(())
    } else {
        Err(Error::InvalidParameter { what })
    }
}

/// ‖a − b‖² summed sequentially over the common prefix.
#[inline]
pub(crate) fn sq_dist<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = T::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        let d = x - y;
        s += d * d;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        let empty: [f32; 0] = [];
        assert!(matches!(
            log_sum_exp(&empty),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            softmax(&mut [1.0f32, f32::NAN]),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            participation_ratio(&[0.0f64, 0.0]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            participation_ratio(&[f64::INFINITY]),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut z = [-3.0f64, 0.5, 7.25, 7.0, -100.0];
        let lse = log_sum_exp(&z).unwrap();
        let lse2 = softmax(&mut z).unwrap();
        assert_eq!(lse, lse2);
        let s: f64 = z.iter().sum();
        assert!((s - 1.0).abs() < 1e-15);
    }
}
