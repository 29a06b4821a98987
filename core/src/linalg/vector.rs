//! Level-1 kernels: dot product and axpy.

use crate::error::check_len;
use crate::{Real, Result};

/// Dot product Σᵢ aᵢbᵢ, summed sequentially from i = 0 starting at `+0.0`.
///
/// ```
/// use engram_core::linalg::dot;
/// assert_eq!(dot(&[1.0f32, 2.0, 3.0], &[4.0, 5.0, 6.0]), Ok(32.0));
/// assert!(dot(&[1.0f64], &[1.0, 2.0]).is_err());
/// ```
pub fn dot<T: Real>(a: &[T], b: &[T]) -> Result<T> {
    check_len("dot: b", a.len(), b.len())?;
    Ok(dot_unchecked_len(a, b))
}

/// Sequential dot over the common prefix; callers have checked the lengths.
#[inline]
pub(crate) fn dot_unchecked_len<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = T::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

/// y ← αx + y, element by element (`alpha * x[i] + y[i]`, two roundings, no FMA).
///
/// ```
/// use engram_core::linalg::axpy;
/// let mut y = [1.0f64, 1.0];
/// axpy(2.0, &[3.0, 4.0], &mut y).unwrap();
/// assert_eq!(y, [7.0, 9.0]);
/// ```
pub fn axpy<T: Real>(alpha: T, x: &[T], y: &mut [T]) -> Result<()> {
    check_len("axpy: y", x.len(), y.len())?;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = alpha * xi + *yi;
    }
    Ok(())
}
