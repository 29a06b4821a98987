//! Matrix–vector products.

use super::vector::dot_unchecked_len;
use crate::error::{area, check_len};
use crate::{Real, Result};

/// y = A x for a row-major `rows × cols` matrix; each yᵣ is a sequential dot over the columns.
///
/// ```
/// use engram_core::linalg::matvec;
/// let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
/// let mut y = [0.0f32; 2];
/// matvec(&a, 2, 3, &[1.0, 0.0, -1.0], &mut y).unwrap();
/// assert_eq!(y, [-2.0, -2.0]);
/// ```
pub fn matvec<T: Real>(a: &[T], rows: usize, cols: usize, x: &[T], y: &mut [T]) -> Result<()> {
    check_len("matvec: a", area("matvec: a", rows, cols)?, a.len())?;
    check_len("matvec: x", cols, x.len())?;
    check_len("matvec: y", rows, y.len())?;
    if cols == 0 {
        y.fill(T::ZERO);
        return Ok(());
    }
    for (yr, row) in y.iter_mut().zip(a.chunks_exact(cols)) {
        *yr = dot_unchecked_len(row, x);
    }
    Ok(())
}

/// y = Aᵀ x for a row-major `rows × cols` matrix; each yⱼ = Σᵣ a_{rj} x_r summed over r in order.
///
/// ```
/// use engram_core::linalg::matvec_t;
/// let a = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
/// let mut y = [0.0f64; 3];
/// matvec_t(&a, 2, 3, &[1.0, -1.0], &mut y).unwrap();
/// assert_eq!(y, [-3.0, -3.0, -3.0]);
/// ```
pub fn matvec_t<T: Real>(a: &[T], rows: usize, cols: usize, x: &[T], y: &mut [T]) -> Result<()> {
    check_len("matvec_t: a", area("matvec_t: a", rows, cols)?, a.len())?;
    check_len("matvec_t: x", rows, x.len())?;
    check_len("matvec_t: y", cols, y.len())?;
    y.fill(T::ZERO);
    if cols == 0 {
        return Ok(());
    }
    for (row, &xr) in a.chunks_exact(cols).zip(x) {
        for (yj, &arj) in y.iter_mut().zip(row) {
            *yj += arj * xr;
        }
    }
    Ok(())
}
