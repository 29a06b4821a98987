//! Cholesky factorisation and solve for symmetric positive definite systems.

use super::vector::dot_unchecked_len;
use crate::error::{Error, area, check_len};
use crate::{Real, Result};

/// Factors a symmetric positive definite `n × n` matrix in place as A = L Lᵀ (Cholesky–Banachiewicz,
/// row by row). On return the lower triangle holds L and the strict upper triangle is zeroed; only
/// the lower triangle of the input is read.
///
/// Order: l_{ij} = (a_{ij} − Σ_{k<j} l_{ik} l_{jk}) / l_{jj} and l_{ii} = √(a_{ii} − Σ_{k<i} l_{ik}²), each
/// Σ sequential in k from `+0.0` and subtracted once.
///
/// Errors: [`Error::NotPositiveDefinite`] naming the first column whose pivot is not > 0 (or is NaN);
/// [`Error::DimensionMismatch`] when `a.len() != n * n`.
///
/// ```
/// use engram_core::linalg::cholesky;
/// let mut a = [4.0f64, 2.0, 2.0, 3.0];
/// cholesky(&mut a, 2).unwrap();
/// assert_eq!(a, [2.0, 0.0, 1.0, 2.0f64.sqrt()]);
/// let mut singular = [1.0f32, 1.0, 1.0, 1.0];
/// assert!(cholesky(&mut singular, 2).is_err());
/// ```
pub fn cholesky<T: Real>(a: &mut [T], n: usize) -> Result<()> {
    check_len("cholesky: a", area("cholesky: a", n, n)?, a.len())?;
    for i in 0..n {
        let mismatch = Error::DimensionMismatch {
            what: "cholesky: a",
            expected: n * n,
            found: a.len(),
        };
        let Some((done, rest)) = a.split_at_mut_checked(i * n) else {
            return Err(mismatch);
        };
        let Some(row_i) = rest.get_mut(..n) else {
            return Err(mismatch);
        };
        for (j, row_j) in done.chunks_exact(n).enumerate() {
            let s = dot_unchecked_len(row_i.get(..j).unwrap_or(&[]), row_j.get(..j).unwrap_or(&[]));
            let ljj = row_j.get(j).copied().unwrap_or(T::ZERO);
            if let Some(lij) = row_i.get_mut(j) {
                *lij = (*lij - s) / ljj;
            }
        }
        let s = {
            let head = row_i.get(..i).unwrap_or(&[]);
            dot_unchecked_len(head, head)
        };
        let Some(lii) = row_i.get_mut(i) else {
            return Err(Error::NotPositiveDefinite { column: i });
        };
        let pivot = *lii - s;
        // A NaN pivot fails `pivot > 0` as well.
        let positive = pivot > T::ZERO;
        if !positive || !pivot.is_finite() {
            return Err(Error::NotPositiveDefinite { column: i });
        }
        *lii = pivot.sqrt();
        if let Some(upper) = row_i.get_mut(i + 1..) {
            upper.fill(T::ZERO);
        }
    }
    Ok(())
}

/// Solves A x = b in place (`b` becomes x) given the Cholesky factor L of A from [`cholesky`]:
/// forward substitution L y = b, then back substitution Lᵀ x = y.
///
/// Order: yᵢ = (bᵢ − Σ_{k<i} l_{ik} y_k) / l_{ii} with k ascending; xᵢ = (yᵢ − Σ_{k>i} l_{ki} x_k) / l_{ii} with
/// k ascending from i + 1; each Σ starts from `+0.0`.
///
/// ```
/// use engram_core::linalg::{cholesky, cholesky_solve};
/// let mut a = [4.0f64, 2.0, 2.0, 3.0];
/// cholesky(&mut a, 2).unwrap();
/// let mut b = [2.0, 1.0];
/// cholesky_solve(&a, 2, &mut b).unwrap();
/// assert_eq!(b, [0.5, 0.0]);
/// ```
pub fn cholesky_solve<T: Real>(l: &[T], n: usize, b: &mut [T]) -> Result<()> {
    check_len(
        "cholesky_solve: l",
        area("cholesky_solve: l", n, n)?,
        l.len(),
    )?;
    check_len("cholesky_solve: b", n, b.len())?;
    if n == 0 {
        return Ok(());
    }
    // Forward: L y = b.
    for (i, row) in l.chunks_exact(n).enumerate() {
        let Some((solved, rest)) = b.split_at_mut_checked(i) else {
            return Err(Error::DimensionMismatch {
                what: "cholesky_solve: b",
                expected: n,
                found: b.len(),
            });
        };
        let s = dot_unchecked_len(row.get(..i).unwrap_or(&[]), solved);
        let lii = row.get(i).copied().unwrap_or(T::ZERO);
        if let Some(bi) = rest.first_mut() {
            *bi = (*bi - s) / lii;
        }
    }
    // Backward: Lᵀ x = y, i from n−1 down; Σ over k > i ascending.
    for i in (0..n).rev() {
        let mut s = T::ZERO;
        for k in i + 1..n {
            let lki = l.get(k * n + i).copied().unwrap_or(T::ZERO);
            let xk = b.get(k).copied().unwrap_or(T::ZERO);
            s += lki * xk;
        }
        let lii = l.get(i * n + i).copied().unwrap_or(T::ZERO);
        if let Some(bi) = b.get_mut(i) {
            *bi = (*bi - s) / lii;
        }
    }
    Ok(())
}
