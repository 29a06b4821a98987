//! Bit-packed ±1 vectors: the state and stored-pattern format of the binary networks.
//!
//! A vector of `n` values in {−1, +1} is stored in [`words_for`]`(n)` = ⌈n/32⌉ `u32` words: bit `j`
//! of word `k` is element `32k + j`, a set bit is +1 and a clear bit −1. This is the blob format's
//! [`Dtype::BitsU32`](crate::blob::Dtype::BitsU32) row layout, so patterns stored in a blob are used
//! in place. The padding bits past `n` in the last word are written as zero and always masked off
//! when read, so garbage there never changes a result.

use crate::error::check_len;
use crate::rng::Rng;
use crate::{Error, Result};

pub use crate::blob::bits::words_for;

/// The mask of the valid bits of the last word of an `n`-bit row (all ones when `32 | n`).
///
/// ```
/// use engram_core::hopfield::tail_mask;
/// assert_eq!(tail_mask(32), u32::MAX);
/// assert_eq!(tail_mask(33), 1);
/// assert_eq!(tail_mask(5), 0b1_1111);
/// ```
pub const fn tail_mask(n: usize) -> u32 {
    match n % 32 {
        0 => u32::MAX,
        r => (1u32 << r) - 1,
    }
}

/// Packs ±1 values into words (`+1` → set bit), zeroing the padding bits.
///
/// Errors: [`Error::DimensionMismatch`] unless `out.len() == words_for(signs.len())`;
/// [`Error::InvalidParameter`] if an entry is not ±1 (checked before anything is written).
///
/// ```
/// use engram_core::hopfield::{pack_signs, unpack_signs};
/// let s = [1i8, -1, -1, 1, 1];
/// let mut w = [0u32; 1];
/// pack_signs(&s, &mut w)?;
/// assert_eq!(w, [0b11001]);
/// let mut back = [0i8; 5];
/// unpack_signs(&w, &mut back)?;
/// assert_eq!(back, s);
/// assert!(pack_signs(&[1, 0, -1], &mut w).is_err());
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn pack_signs(signs: &[i8], out: &mut [u32]) -> Result<()> {
    check_len("pack_signs: out", words_for(signs.len()), out.len())?;
    check_signs("pack_signs: entries must be +1 or -1", signs)?;
    out.fill(0);
    for (word, chunk) in out.iter_mut().zip(signs.chunks(32)) {
        for (j, &v) in chunk.iter().enumerate() {
            *word |= u32::from(v > 0) << j;
        }
    }
    Ok(())
}

/// Unpacks `out.len()` ±1 values from words.
///
/// Errors: [`Error::DimensionMismatch`] unless `words.len() == words_for(out.len())`.
///
/// ```
/// use engram_core::hopfield::unpack_signs;
/// let mut s = [0i8; 3];
/// unpack_signs(&[0b101], &mut s)?;
/// assert_eq!(s, [1, -1, 1]);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn unpack_signs(words: &[u32], out: &mut [i8]) -> Result<()> {
    check_len("unpack_signs: words", words_for(out.len()), words.len())?;
    for (&word, chunk) in words.iter().zip(out.chunks_mut(32)) {
        for (j, v) in chunk.iter_mut().enumerate() {
            *v = if (word >> j) & 1 == 1 { 1 } else { -1 };
        }
    }
    Ok(())
}

/// Overlap m = a·b = n − 2·popcount(a ⊕ b) of two packed ±1 rows of `n` bits (padding masked off).
///
/// Errors: [`Error::DimensionMismatch`] unless both have `words_for(n)` words;
/// [`Error::InvalidParameter`] if `n > i32::MAX`.
///
/// ```
/// use engram_core::hopfield::{overlap, pack_signs};
/// let (mut a, mut b) = ([0u32; 2], [0u32; 2]);
/// pack_signs(&[1; 40], &mut a)?;
/// pack_signs(&[-1; 40], &mut b)?;
/// assert_eq!(overlap(&a, &a, 40)?, 40);
/// assert_eq!(overlap(&a, &b, 40)?, -40);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn overlap(a: &[u32], b: &[u32], n: usize) -> Result<i32> {
    check_len("overlap: a", words_for(n), a.len())?;
    check_len("overlap: b", words_for(n), b.len())?;
    if i32::try_from(n).is_err() {
        return Err(Error::InvalidParameter {
            what: "overlap: n must be at most i32::MAX",
        });
    }
    Ok(overlap_unchecked(a, b, n))
}

/// [`overlap`] for callers that have checked the lengths and `n ≤ i32::MAX`.
#[inline]
pub(crate) fn overlap_unchecked(a: &[u32], b: &[u32], n: usize) -> i32 {
    let words = words_for(n);
    let mask = tail_mask(n);
    let mut differ: u32 = 0;
    for (k, (&x, &y)) in a.iter().zip(b).enumerate() {
        let d = if k + 1 == words {
            (x ^ y) & mask
        } else {
            x ^ y
        };
        differ += d.count_ones();
    }
    // n ≤ i32::MAX and differ ≤ n, so n − 2·differ ∈ [−n, n].
    (n as i64 - 2 * i64::from(differ)) as i32
}

/// Bit `i` of a packed row (`false` past its words).
#[inline]
pub(crate) fn bit(words: &[u32], i: usize) -> bool {
    words.get(i / 32).is_some_and(|&w| (w >> (i % 32)) & 1 == 1)
}

/// Element `i` of a packed row as ±1 (−1 past its words).
#[inline]
pub(crate) fn sign(words: &[u32], i: usize) -> i8 {
    if bit(words, i) { 1 } else { -1 }
}

/// Sets element `i` of a packed row to +1 (`true`) or −1 (`false`); no-op past its words.
#[inline]
pub(crate) fn set_bit(words: &mut [u32], i: usize, plus: bool) {
    if let Some(w) = words.get_mut(i / 32) {
        let m = 1u32 << (i % 32);
        if plus {
            *w |= m;
        } else {
            *w &= !m;
        }
    }
}

/// Fills a packed row of `n` bits with independent fair ±1 values (one [`Rng::next_u32`] per
/// word, in word order), padding bits zero.
///
/// Errors: [`Error::DimensionMismatch`] unless `words.len() == words_for(n)`.
///
/// ```
/// use engram_core::hopfield::fill_random;
/// use engram_core::rng::Rng;
/// let mut w = [u32::MAX; 2];
/// fill_random(&mut w, 40, &mut Rng::seed_from_u64(1))?;
/// assert_eq!(w[1] >> 8, 0, "padding is zero");
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn fill_random(words: &mut [u32], n: usize, rng: &mut Rng) -> Result<()> {
    check_len("fill_random: words", words_for(n), words.len())?;
    let last = words.len().saturating_sub(1);
    for (k, w) in words.iter_mut().enumerate() {
        let r = rng.next_u32();
        *w = if k == last { r & tail_mask(n) } else { r };
    }
    Ok(())
}

/// Flips exactly `k` distinct bits of a packed row of `n` bits, chosen uniformly (Knuth's
/// selection sampling, Algorithm S: bit `i` is taken when `rng.below(n − i) < k − taken`; one draw
/// per bit visited, no scratch).
///
/// Errors: [`Error::DimensionMismatch`] unless `words.len() == words_for(n)`;
/// [`Error::InvalidParameter`] if `k > n`.
///
/// ```
/// use engram_core::hopfield::{flip_exactly, overlap};
/// use engram_core::rng::Rng;
/// let a = [0u32; 4];
/// let mut b = a;
/// flip_exactly(&mut b, 100, 10, &mut Rng::seed_from_u64(3))?;
/// assert_eq!(overlap(&a, &b, 100)?, 100 - 2 * 10);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn flip_exactly(words: &mut [u32], n: usize, k: usize, rng: &mut Rng) -> Result<()> {
    check_len("flip_exactly: words", words_for(n), words.len())?;
    if k > n {
        return Err(Error::InvalidParameter {
            what: "flip_exactly: k must be at most n",
        });
    }
    let mut taken = 0usize;
    for i in 0..n {
        if taken == k {
            break;
        }
        if rng.below((n - i) as u64) < (k - taken) as u64 {
            if let Some(w) = words.get_mut(i / 32) {
                *w ^= 1u32 << (i % 32);
            }
            taken += 1;
        }
    }
    Ok(())
}

/// `Err(InvalidParameter(what))` unless every entry is ±1.
pub(crate) fn check_signs(what: &'static str, signs: &[i8]) -> Result<()> {
    if signs.iter().all(|&v| v == 1 || v == -1) {
        Ok(())
    } else {
        Err(Error::InvalidParameter { what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_masks_padding() {
        let a = [0u32, 0];
        let b = [0u32, 0xffff_ff00]; // garbage only in the padding of a 40-bit row
        assert_eq!(overlap(&a, &b, 40).unwrap(), 40);
        assert_eq!(overlap(&a, &b, 64).unwrap(), 64 - 2 * 24);
        assert!(overlap(&a, &b, 65).is_err());
    }

    #[test]
    fn bits_roundtrip() {
        let mut w = [0u32; 2];
        set_bit(&mut w, 33, true);
        assert!(bit(&w, 33));
        assert_eq!(sign(&w, 33), 1);
        assert_eq!(sign(&w, 32), -1);
        set_bit(&mut w, 33, false);
        assert_eq!(w, [0, 0]);
        set_bit(&mut w, 64, true); // past the words: ignored
        assert_eq!(w, [0, 0]);
    }

    #[test]
    fn flip_exactly_counts() {
        let mut rng = Rng::seed_from_u64(5);
        for n in [1usize, 31, 32, 33, 200] {
            for k in [0, 1, n / 2, n] {
                let mut w = std::vec![0u32; words_for(n)];
                flip_exactly(&mut w, n, k, &mut rng).unwrap();
                let ones: u32 = w.iter().map(|x| x.count_ones()).sum();
                assert_eq!(ones as usize, k);
                assert_eq!(w.last().unwrap() & !tail_mask(n), 0);
            }
        }
        let mut w = [0u32];
        assert!(flip_exactly(&mut w, 3, 4, &mut rng).is_err());
    }
}
