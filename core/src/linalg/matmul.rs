//! Matrix–matrix products.

use crate::error::{area, check_len};
use crate::{Real, Result};

/// C = A B with A `m × k`, B `k × n`, C `m × n`, all row-major;
/// c_{ij} = Σₚ a_{ip} b_{pj} summed over p in order from `+0.0`.
///
/// ```
/// use engram_core::linalg::matmul;
/// let a = [1.0f32, 2.0, 3.0, 4.0]; // 2 × 2
/// let b = [5.0f32, 6.0, 7.0, 8.0];
/// let mut c = [0.0f32; 4];
/// matmul(&a, 2, 2, &b, 2, &mut c).unwrap();
/// assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
/// ```
pub fn matmul<T: Real>(a: &[T], m: usize, k: usize, b: &[T], n: usize, c: &mut [T]) -> Result<()> {
    check_len("matmul: a", area("matmul: a", m, k)?, a.len())?;
    check_len("matmul: b", area("matmul: b", k, n)?, b.len())?;
    check_len("matmul: c", area("matmul: c", m, n)?, c.len())?;
    c.fill(T::ZERO);
    if n == 0 || k == 0 {
        return Ok(());
    }
    // i-p-j loop: for fixed (i, j) the terms are added in increasing p, as documented.
    for (crow, arow) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)) {
        for (&aip, brow) in arow.iter().zip(b.chunks_exact(n)) {
            for (cij, &bpj) in crow.iter_mut().zip(brow) {
                *cij += aip * bpj;
            }
        }
    }
    Ok(())
}

/// G = XᵀX (`cols × cols`, symmetric) for a row-major `rows × cols` X;
/// g_{ij} = Σᵣ x_{ri} x_{rj} summed over r in order. The lower triangle is a bit-exact mirror of the
/// upper one (each product is commutative in IEEE arithmetic).
///
/// ```
/// use engram_core::linalg::gram;
/// let x = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 × 2
/// let mut g = [0.0f64; 4];
/// gram(&x, 3, 2, &mut g).unwrap();
/// assert_eq!(g, [35.0, 44.0, 44.0, 56.0]);
/// ```
pub fn gram<T: Real>(x: &[T], rows: usize, cols: usize, g: &mut [T]) -> Result<()> {
    check_len("gram: x", area("gram: x", rows, cols)?, x.len())?;
    check_len("gram: g", area("gram: g", cols, cols)?, g.len())?;
    g.fill(T::ZERO);
    if cols == 0 {
        return Ok(());
    }
    for row in x.chunks_exact(cols) {
        for (i, (grow, &xi)) in g.chunks_exact_mut(cols).zip(row).enumerate() {
            for (gij, &xj) in grow.iter_mut().zip(row).skip(i) {
                *gij += xi * xj;
            }
        }
    }
    // Mirror the upper triangle into the lower one.
    for i in 1..cols {
        for j in 0..i {
            if let Some(&v) = g.get(j * cols + i)
                && let Some(dst) = g.get_mut(i * cols + j)
            {
                *dst = v;
            }
        }
    }
    Ok(())
}
