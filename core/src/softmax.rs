//! Softmax, log-sum-exp, the participation ratio and L2 normalisation: the maths shared by every
//! model family (the continuous Hopfield memories in [`hopfield`](crate::hopfield), and the
//! recurrent networks' Norm-ReLU states — ReLU then L2-normalise —, softmax readout over place-cell
//! logits and difference-of-softmaxes place code).
//!
//! Every function here is a reference kernel under the crate's bit-exactness contract: `exp`/`ln`/
//! `sqrt` through [`Real`] (`libm`), each reduction sequential in index order from `+0.0`, no FMA.
//! The max-shift of [`softmax`] and [`log_sum_exp`] makes them overflow-free for any finite input.
//!
//! | item | computes | order |
//! | --- | --- | --- |
//! | [`softmax`] | zᵢ ← exp(zᵢ − M) / Σⱼ exp(zⱼ − M), returns ln Σ exp z | sum in j |
//! | [`log_sum_exp`] | M + ln Σᵢ exp(zᵢ − M) | sum in i |
//! | [`participation_ratio`] | 1 / Σᵢ pᵢ² | sum in i |
//! | [`normalize`], [`normalize_rows`] | v ← v / ‖v‖₂, returns ‖v‖₂ | sum of squares in i |
//! | [`sq_dist`] | ‖a − b‖² | sum in i |

use crate::error::{area, check_len};
use crate::linalg::dot;
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
/// use engram_core::softmax::log_sum_exp;
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
/// use engram_core::softmax::softmax;
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
/// use engram_core::softmax::participation_ratio;
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

/// The squared Euclidean distance ‖a − b‖² = Σᵢ (aᵢ − bᵢ)², each difference squared by one product
/// and summed sequentially in i from `+0.0`, over the common prefix of `a` and `b` (callers check
/// the lengths; no error, no allocation). Non-finite inputs propagate (NaN or ∞ out).
///
/// ```
/// use engram_core::softmax::sq_dist;
/// assert_eq!(sq_dist(&[1.0f32, 2.0], &[4.0, 6.0]), 25.0);
/// assert_eq!(sq_dist(&[1.0f64, 2.0, 9.0], &[1.0, 2.0]), 0.0); // common prefix only
/// ```
#[inline]
pub fn sq_dist<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = T::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        let d = x - y;
        s += d * d;
    }
    s
}

/// Scales `v` to unit Euclidean norm in place and returns the norm it had: ‖v‖ = √(Σᵢ vᵢ²), the
/// squares summed sequentially in i from `+0.0` (as [`dot`](crate::linalg::dot)`(v, v)`), one
/// `sqrt`, then one division vᵢ ← vᵢ / ‖v‖ per element (not a multiplication by 1/‖v‖). This is
/// the normalisation of Norm-ReLU states (ReLU, then this) and of Hopfield patterns and queries. On the sphere, softmax(β xᵢ·xⱼ) = softmax(−(β/2)‖xᵢ − xⱼ‖²) up to a
/// constant, so normalised patterns and queries make dot-product and distance retrieval agree.
///
/// Errors: [`Error::InvalidParameter`] for an empty or zero vector; [`Error::NonFinite`] for a NaN
/// or ±∞ entry (or a norm that overflows).
///
/// ```
/// use engram_core::softmax::normalize;
/// let mut v = [3.0f32, 4.0];
/// assert_eq!(normalize(&mut v)?, 5.0);
/// assert_eq!(v, [0.6, 0.8]);
/// assert!(normalize(&mut [0.0f64, 0.0]).is_err());
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn normalize<T: Real>(v: &mut [T]) -> Result<T> {
    check_finite("normalize: v", v)?;
    let norm = dot(v, v)?.sqrt();
    if !norm.is_finite() {
        return Err(Error::NonFinite {
            what: "normalize: norm",
        });
    }
    if norm <= T::ZERO {
        return Err(Error::InvalidParameter {
            what: "normalize: zero vector",
        });
    }
    for x in v.iter_mut() {
        *x = *x / norm;
    }
    Ok(norm)
}

/// [`normalize`] on each row of a row-major `rows × cols` matrix.
///
/// Errors: [`Error::DimensionMismatch`] if `x.len() != rows·cols`; those of [`normalize`] (rows
/// before the failing one are already normalised).
///
/// ```
/// use engram_core::softmax::normalize_rows;
/// let mut x = [3.0f64, 4.0, 0.0, 2.0];
/// normalize_rows(&mut x, 2, 2)?;
/// assert_eq!(x, [0.6, 0.8, 0.0, 1.0]);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn normalize_rows<T: Real>(x: &mut [T], rows: usize, cols: usize) -> Result<()> {
    check_len(
        "normalize_rows: x",
        area("normalize_rows: x", rows, cols)?,
        x.len(),
    )?;
    if cols == 0 {
        return if rows == 0 {
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                what: "normalize: zero vector",
            })
        };
    }
    for row in x.chunks_exact_mut(cols.max(1)) {
        normalize(row)?;
    }
    Ok(())
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

    #[test]
    fn normalize_unit_norm_and_errors() {
        let mut v = [1.0f64, -2.0, 2.0];
        assert_eq!(normalize(&mut v).unwrap(), 3.0);
        assert_eq!(dot(&v, &v).unwrap(), 1.0);
        assert!(matches!(
            normalize(&mut [0.0f32, 0.0]),
            Err(Error::InvalidParameter { .. })
        ));
        let empty: &mut [f32] = &mut [];
        assert!(matches!(
            normalize(empty),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            normalize(&mut [1.0f32, f32::NAN]),
            Err(Error::NonFinite { .. })
        ));
        // Finite entries whose squares overflow: the norm is +∞, reported, v untouched.
        let mut big = [f32::MAX, f32::MAX];
        assert!(matches!(normalize(&mut big), Err(Error::NonFinite { .. })));
        assert_eq!(big, [f32::MAX, f32::MAX]);
        assert!(matches!(
            normalize_rows(&mut [1.0f32; 3], 2, 2),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn sq_dist_matches_definition() {
        let a = [0.5f64, -1.0, 3.0];
        let b = [2.0f64, 1.0, 3.0];
        assert_eq!(sq_dist(&a, &b), 1.5 * 1.5 + 2.0 * 2.0);
        assert_eq!(sq_dist(&a, &b), sq_dist(&b, &a));
    }
}
