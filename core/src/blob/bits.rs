//! Helpers for [`Dtype::BitsU32`](super::Dtype::BitsU32) rows: ±1 values packed 32 to a `u32`,
//! bit `j` of word `k` is element `32k + j`, a set bit is +1, padding bits past the row are zero.
//!
//! ```
//! use engram_core::blob::bits;
//! let signs = [1i8, -1, -1, 1, 1];
//! let mut row = [0u32; 1];
//! assert_eq!(bits::pack(&mut row, signs.iter().map(|&s| s > 0))?, 5);
//! assert_eq!(row[0], 0b11001);
//! let back: Vec<i8> = (0..5).map(|j| bits::sign(&row, j).unwrap()).collect();
//! assert_eq!(back, signs);
//! # Ok::<(), engram_core::blob::BlobError>(())
//! ```

use super::BlobError;

/// Words holding a row of `n` bits: `ceil(n / 32)`.
///
/// ```
/// use engram_core::blob::bits::words_for;
/// assert_eq!((words_for(0), words_for(1), words_for(32), words_for(33)), (0, 1, 1, 2));
/// ```
pub const fn words_for(n: usize) -> usize {
    n.div_ceil(32)
}

/// Bit `j` of a packed row (`true` = +1), or `None` past its words.
pub fn get(words: &[u32], j: usize) -> Option<bool> {
    let w = words.get(j / 32)?;
    Some(w >> (j % 32) & 1 == 1)
}

/// Element `j` of a packed row as +1 or −1, or `None` past its words.
pub fn sign(words: &[u32], j: usize) -> Option<i8> {
    get(words, j).map(|b| if b { 1 } else { -1 })
}

/// Packs one row from `bits` (`true` = +1) into `out`, zeroing every other bit of `out` (so the
/// padding is zero), and returns the number of bits packed.
///
/// Fails with [`BlobError::OutputTooSmall`] (`needed` and `found` counted in words; `needed` is a
/// lower bound) if `out` cannot hold them all; `out` is then partly written.
pub fn pack<I: IntoIterator<Item = bool>>(out: &mut [u32], bits: I) -> Result<usize, BlobError> {
    out.fill(0);
    let mut n = 0;
    for b in bits {
        let Some(w) = out.get_mut(n / 32) else {
            return Err(BlobError::OutputTooSmall {
                needed: n / 32 + 1,
                found: out.len(),
            });
        };
        *w |= u32::from(b) << (n % 32);
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_and_read_back() {
        let mut out = [u32::MAX; 3];
        let n = pack(&mut out, (0..40).map(|j| j % 7 == 0)).unwrap();
        assert_eq!(n, 40);
        assert_eq!(out[2], 0, "words past the row are zeroed");
        assert_eq!(out[1] >> 8, 0, "padding bits are zero");
        for j in 0..40 {
            assert_eq!(get(&out, j), Some(j % 7 == 0));
        }
        assert_eq!(get(&out, 96), None);
        assert_eq!(sign(&out, 7), Some(1));
        assert_eq!(sign(&out, 8), Some(-1));
        let mut one = [0u32; 1];
        assert_eq!(
            pack(&mut one, core::iter::repeat_n(true, 33)),
            Err(BlobError::OutputTooSmall {
                needed: 2,
                found: 1
            })
        );
    }
}
