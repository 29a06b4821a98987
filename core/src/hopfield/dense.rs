//! The classical network's dense form: an N×N integer weight matrix.

use super::memory::{
    BAD_CACHE, BinaryMemory, cache_prefix, cache_prefix_mut, check_sign, check_state, check_unit,
};
use super::packed::{bit, check_signs, words_for};
use crate::error::{area, check_len};
use crate::{Error, Result};

/// Hebbian weights W = Σ_μ ξ^μ ξ^μᵀ with zero diagonal, unscaled (docs/hopfield.md; Hopfield 1982), from
/// `p` patterns of `n` ±1 entries given row-major as `patterns` (P×N), into the row-major N×N `w`.
///
/// The 1/N of the textbook form is dropped: it does not change any sign, and integers make the dense
/// and pattern forms exactly equal. Each W_ij is summed over μ in order.
///
/// Bounds: |W_ij| ≤ P and every row's Σ_j |W_ij| ≤ P (N − 1), which must fit `i32` (checked), so
/// every field hᵢ = (W s)ᵢ fits `i32` and every energy fits `i64`.
///
/// Errors: [`Error::DimensionMismatch`] for `patterns.len() != p·n` or `w.len() != n·n`;
/// [`Error::InvalidParameter`] if an entry is not ±1 or P (N − 1) > `i32::MAX` (`w` untouched).
///
/// ```
/// use engram_core::hopfield::hebbian;
/// let xi = [1i8, -1, 1, 1, 1, -1]; // P = 2, N = 3
/// let mut w = [0i32; 9];
/// hebbian(&xi, 2, 3, &mut w)?;
/// assert_eq!(w, [0, 0, 0, 0, 0, -2, 0, -2, 0]);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn hebbian(patterns: &[i8], p: usize, n: usize, w: &mut [i32]) -> Result<()> {
    check_len(
        "hebbian: patterns",
        area("hebbian: patterns", p, n)?,
        patterns.len(),
    )?;
    check_len("hebbian: w", area("hebbian: w", n, n)?, w.len())?;
    check_signs("hebbian: pattern entries must be +1 or -1", patterns)?;
    check_weight_bound(p, n)?;
    w.fill(0);
    if n == 0 {
        return Ok(());
    }
    // n ≥ 1 here; `max(1)` tells the optimiser, so chunks_exact's zero-size panic path is dropped.
    let n1 = n.max(1);
    for xi in patterns.chunks_exact(n1) {
        for ((i, row), &xi_i) in w.chunks_exact_mut(n1).enumerate().zip(xi) {
            for ((j, wij), &xi_j) in row.iter_mut().enumerate().zip(xi) {
                if i != j {
                    *wij += i32::from(xi_i) * i32::from(xi_j);
                }
            }
        }
    }
    Ok(())
}

/// [`hebbian`] from bit-packed patterns (P rows of `words_for(n)` words, see
/// [`pack_signs`](super::pack_signs)).
///
/// Errors: [`Error::DimensionMismatch`] for `patterns.len() != p·words_for(n)` or
/// `w.len() != n·n`; [`Error::InvalidParameter`] if P (N − 1) > `i32::MAX`.
///
/// ```
/// use engram_core::hopfield::{hebbian, hebbian_packed, pack_signs};
/// let xi = [1i8, -1, 1, 1, 1, -1];
/// let mut packed = [0u32; 2];
/// pack_signs(&xi[..3], &mut packed[..1])?;
/// pack_signs(&xi[3..], &mut packed[1..])?;
/// let (mut a, mut b) = ([0i32; 9], [0i32; 9]);
/// hebbian(&xi, 2, 3, &mut a)?;
/// hebbian_packed(&packed, 2, 3, &mut b)?;
/// assert_eq!(a, b);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn hebbian_packed(patterns: &[u32], p: usize, n: usize, w: &mut [i32]) -> Result<()> {
    let words = words_for(n);
    check_len(
        "hebbian_packed: patterns",
        area("hebbian_packed: patterns", p, words)?,
        patterns.len(),
    )?;
    check_len(
        "hebbian_packed: w",
        area("hebbian_packed: w", n, n)?,
        w.len(),
    )?;
    check_weight_bound(p, n)?;
    w.fill(0);
    if n == 0 {
        return Ok(());
    }
    for xi in patterns.chunks_exact(words.max(1)) {
        for (i, row) in w.chunks_exact_mut(n.max(1)).enumerate() {
            let xi_i = bit(xi, i);
            for (j, wij) in row.iter_mut().enumerate() {
                if i != j {
                    *wij += if bit(xi, j) == xi_i { 1 } else { -1 };
                }
            }
        }
    }
    Ok(())
}

fn check_weight_bound(p: usize, n: usize) -> Result<()> {
    let bound = (p as u128) * (n.saturating_sub(1) as u128);
    if bound > i32::MAX as u128 {
        return Err(Error::InvalidParameter {
            what: "hebbian: P·(N−1) must fit i32",
        });
    }
    Ok(())
}

/// The classical binary network in its dense form: a borrowed symmetric N×N `i32` weight matrix
/// with zero diagonal (e.g. from [`hebbian`]); E(s) = −½ sᵀWs, hᵢ = (W s)ᵢ.
///
/// The cache is the N fields h = W s: a flip of unit i to s′ᵢ updates every hⱼ += 2 s′ᵢ Wⱼᵢ (O(N)),
/// and the field of a unit is read in O(1). Energy −½ Σᵢ sᵢ hᵢ, summed in i (exact: sᵀWs =
/// 2 Σ_{i<j} W_ij sᵢ sⱼ is even).
///
/// Built for any symmetric zero-diagonal W whose rows satisfy Σ_j |W_ij| ≤ `i32::MAX`, so every field
/// fits `i32` and the energy fits `i64` (|E| ≤ ½ N · `i32::MAX`).
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, DenseForm, hebbian, pack_signs};
/// let xi = [1i8, -1, 1, 1];
/// let mut w = [0i32; 16];
/// hebbian(&xi, 1, 4, &mut w)?;
/// let net = DenseForm::new(&w, 4)?;
/// let mut s = [0u32; 1];
/// pack_signs(&xi, &mut s)?;
/// let mut h = [0i32; 4];
/// net.init_cache(&s, &mut h)?;
/// assert_eq!(h, [3, -3, 3, 3]);
/// assert_eq!(net.energy(&s, &h)?, -6);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenseForm<'a> {
    w: &'a [i32],
    n: usize,
}

impl<'a> DenseForm<'a> {
    /// Checks and wraps `w` (row-major N×N).
    ///
    /// Errors: [`Error::DimensionMismatch`] if `w.len() != n·n`; [`Error::InvalidParameter`] if
    /// `n = 0`, the diagonal is not zero, W is not symmetric, or a row's Σ_j |W_ij| exceeds `i32::MAX`.
    pub fn new(w: &'a [i32], n: usize) -> Result<Self> {
        check_len("DenseForm: w", area("DenseForm: w", n, n)?, w.len())?;
        if n == 0 {
            return Err(Error::InvalidParameter {
                what: "DenseForm: n must be at least 1",
            });
        }
        for (i, row) in w.chunks_exact(n.max(1)).enumerate() {
            if row.get(i).copied() != Some(0) {
                return Err(Error::InvalidParameter {
                    what: "DenseForm: the diagonal of W must be zero",
                });
            }
            let abs_sum: u64 = row.iter().map(|v| u64::from(v.unsigned_abs())).sum();
            if abs_sum > i32::MAX as u64 {
                return Err(Error::InvalidParameter {
                    what: "DenseForm: a row's sum of |W_ij| must fit i32",
                });
            }
            for (j, &wij) in row.iter().enumerate().skip(i + 1) {
                if w.get(j * n + i).copied() != Some(wij) {
                    return Err(Error::InvalidParameter {
                        what: "DenseForm: W must be symmetric",
                    });
                }
            }
        }
        Ok(Self { w, n })
    }

    /// The weights, row-major N×N.
    pub fn weights(&self) -> &'a [i32] {
        self.w
    }

    fn row(&self, i: usize) -> Result<&'a [i32]> {
        self.w
            .get(i * self.n..(i + 1) * self.n)
            .ok_or(Error::InvalidParameter {
                what: "DenseForm: unit index out of range",
            })
    }
}

impl BinaryMemory for DenseForm<'_> {
    type Field = i32;
    type Energy = i64;

    fn n(&self) -> usize {
        self.n
    }

    fn cache_len(&self) -> usize {
        self.n
    }

    /// hᵢ = Σⱼ Wᵢⱼ sⱼ, summed in j (in `i64`, then narrowed: it fits by construction).
    fn init_cache(&self, s: &[u32], cache: &mut [i32]) -> Result<()> {
        check_state("DenseForm: s", self.n, s)?;
        let h = cache_prefix_mut("DenseForm: cache", cache, self.n)?;
        for (hi, row) in h.iter_mut().zip(self.w.chunks_exact(self.n.max(1))) {
            let mut acc: i64 = 0;
            for (j, &wij) in row.iter().enumerate() {
                let wij = i64::from(wij);
                acc += if bit(s, j) { wij } else { -wij };
            }
            *hi = i32::try_from(acc).map_err(|_| BAD_CACHE)?;
        }
        Ok(())
    }

    fn field(&self, s: &[u32], cache: &[i32], i: usize) -> Result<i32> {
        check_state("DenseForm: s", self.n, s)?;
        check_unit("DenseForm: unit index out of range", self.n, i)?;
        let h = cache_prefix("DenseForm: cache", cache, self.n)?;
        h.get(i).copied().ok_or(BAD_CACHE)
    }

    /// hⱼ += 2 s′ᵢ Wⱼᵢ for every j (Wⱼᵢ = Wᵢⱼ; Wᵢᵢ = 0 leaves hᵢ unchanged).
    fn apply_flip(&self, cache: &mut [i32], i: usize, new_sign: i8) -> Result<()> {
        check_unit("DenseForm: unit index out of range", self.n, i)?;
        check_sign("DenseForm: new_sign must be +1 or -1", new_sign)?;
        let h = cache_prefix_mut("DenseForm: cache", cache, self.n)?;
        let row = self.row(i)?;
        for (hj, &wij) in h.iter_mut().zip(row) {
            let v = i64::from(*hj) + 2 * i64::from(new_sign) * i64::from(wij);
            *hj = i32::try_from(v).map_err(|_| BAD_CACHE)?;
        }
        Ok(())
    }

    /// E = −½ Σᵢ sᵢ hᵢ (exact).
    fn energy(&self, s: &[u32], cache: &[i32]) -> Result<i64> {
        check_state("DenseForm: s", self.n, s)?;
        let h = cache_prefix("DenseForm: cache", cache, self.n)?;
        let mut acc: i64 = 0;
        for (i, &hi) in h.iter().enumerate() {
            let hi = i64::from(hi);
            acc += if bit(s, i) { hi } else { -hi };
        }
        Ok(-(acc / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_weights() {
        assert!(matches!(
            DenseForm::new(&[0, 1, 2, 0], 2),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            DenseForm::new(&[1, 1, 1, 0], 2),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            DenseForm::new(&[0, 1, 1], 2),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(DenseForm::new(&[], 0).is_err());
        let big = [0, i32::MAX, 1, i32::MAX, 0, 0, 1, 0, 0];
        assert!(DenseForm::new(&big, 3).is_err());
        let ok = [0, i32::MAX, 0, i32::MAX, 0, 0, 0, 0, 0];
        let net = DenseForm::new(&ok, 3).unwrap();
        // Extreme weights: the flip update (2·W) is done in i64 and stays in range.
        let s = [0b111u32];
        let mut h = [0i32; 3];
        net.init_cache(&s, &mut h).unwrap();
        assert_eq!(h, [i32::MAX, i32::MAX, 0]);
        net.apply_flip(&mut h, 0, -1).unwrap();
        assert_eq!(h, [i32::MAX, -i32::MAX, 0]);
    }

    #[test]
    fn hebbian_rejects() {
        let mut w = [0i32; 4];
        assert!(matches!(
            hebbian(&[1, 2], 1, 2, &mut w),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            hebbian(&[1, 1, 1], 1, 2, &mut w),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            hebbian_packed(&[1], 1, 2, &mut w[..3]),
            Err(Error::DimensionMismatch { .. })
        ));
    }
}
