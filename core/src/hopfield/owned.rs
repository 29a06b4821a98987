//! [`PackedPatterns`]: owned, fixed-capacity pattern storage for firmware.

use super::PatternForm;
use super::packed::{check_signs, fill_random, pack_signs, tail_mask, words_for};
use crate::error::check_len;
use crate::rng::Rng;
use crate::{Error, Result};

/// Up to `P` bit-packed ±1 patterns of N ≤ 32·`W` units in owned, fixed-size storage
/// (`heapless::Vec<[u32; W], P>`, 4·P·W bytes + 2 words), with compile-time capacity for firmware.
/// [`form`](Self::form) borrows it as a [`PatternForm`] for the update rules; a full store is a
/// [`Error::CapacityExceeded`], never a panic.
///
/// ```
/// use engram_core::hopfield::{PackedPatterns, run_async};
/// use engram_core::rng::Rng;
/// // 3 patterns of N = 100 (4 words each).
/// let mut store = PackedPatterns::<3, 4>::new(100)?;
/// let mut rng = Rng::seed_from_u64(1);
/// for _ in 0..3 {
///     store.push_random(&mut rng)?;
/// }
/// assert!(store.push_random(&mut rng).is_err()); // full
/// let net = store.form()?;
/// let mut s = *store.row(1).unwrap();
/// let (mut m, mut order) = ([0i32; 3], [0u16; 100]);
/// let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 10)?;
/// assert!(out.is_fixed_point());
/// assert_eq!(&s, store.row(1).unwrap());
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedPatterns<const P: usize, const W: usize> {
    n: usize,
    rows: heapless::Vec<[u32; W], P>,
}

impl<const P: usize, const W: usize> PackedPatterns<P, W> {
    /// An empty store for patterns of `n` units.
    ///
    /// Errors: [`Error::InvalidParameter`] unless 1 ≤ `n` and `words_for(n) == W`.
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 || words_for(n) != W {
            return Err(Error::InvalidParameter {
                what: "PackedPatterns: need n >= 1 and W = ceil(n/32)",
            });
        }
        Ok(Self {
            n,
            rows: heapless::Vec::new(),
        })
    }

    /// Units per pattern N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Patterns stored.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no pattern is stored.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The capacity P.
    pub const fn capacity(&self) -> usize {
        P
    }

    /// Removes every pattern.
    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// Pattern μ's words, or `None` if μ ≥ [`len`](Self::len).
    pub fn row(&self, mu: usize) -> Option<&[u32; W]> {
        self.rows.get(mu)
    }

    /// All stored words, row after row (`len() · W`).
    pub fn as_words(&self) -> &[u32] {
        self.rows.as_slice().as_flattened()
    }

    fn push_row(&mut self, row: [u32; W]) -> Result<usize> {
        let index = self.rows.len();
        self.rows.push(row).map_err(|_| Error::CapacityExceeded {
            what: "PackedPatterns",
            capacity: P,
        })?;
        Ok(index)
    }

    fn full(&self) -> Result<()> {
        if self.rows.is_full() {
            return Err(Error::CapacityExceeded {
                what: "PackedPatterns",
                capacity: P,
            });
        }
        Ok(())
    }

    /// Appends a pattern given as N ±1 values; returns its index.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `signs.len() != n`; [`Error::InvalidParameter`] for
    /// an entry that is not ±1; [`Error::CapacityExceeded`] when full (nothing stored).
    pub fn push_signs(&mut self, signs: &[i8]) -> Result<usize> {
        check_len("PackedPatterns::push_signs", self.n, signs.len())?;
        check_signs("PackedPatterns: entries must be +1 or -1", signs)?;
        self.full()?;
        let mut row = [0u32; W];
        pack_signs(signs, &mut row)?;
        self.push_row(row)
    }

    /// Appends an already packed pattern of W words (padding bits cleared); returns its index.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `words.len() != W`; [`Error::CapacityExceeded`] when
    /// full.
    pub fn push_packed(&mut self, words: &[u32]) -> Result<usize> {
        check_len("PackedPatterns::push_packed", W, words.len())?;
        self.full()?;
        let mut row = [0u32; W];
        for (d, &w) in row.iter_mut().zip(words) {
            *d = w;
        }
        if let Some(last) = row.last_mut() {
            *last &= tail_mask(self.n);
        }
        self.push_row(row)
    }

    /// Appends a uniformly random pattern ([`fill_random`](super::fill_random)); returns its index.
    ///
    /// Errors: [`Error::CapacityExceeded`] when full (no random numbers drawn).
    pub fn push_random(&mut self, rng: &mut Rng) -> Result<usize> {
        self.full()?;
        let mut row = [0u32; W];
        fill_random(&mut row, self.n, rng)?;
        self.push_row(row)
    }

    /// The stored patterns as a [`PatternForm`] network.
    ///
    /// Errors: those of [`PatternForm::new`] (P·N too large for the integer bounds).
    pub fn form(&self) -> Result<PatternForm<'_>> {
        PatternForm::new(self.as_words(), self.len(), self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_and_errors() {
        assert!(PackedPatterns::<2, 2>::new(32).is_err());
        assert!(PackedPatterns::<2, 2>::new(0).is_err());
        let mut st = PackedPatterns::<2, 2>::new(33).unwrap();
        assert!(st.is_empty());
        assert!(matches!(
            st.push_signs(&[1; 32]),
            Err(Error::DimensionMismatch { .. })
        ));
        let mut bad = [1i8; 33];
        bad[4] = 0;
        assert!(matches!(
            st.push_signs(&bad),
            Err(Error::InvalidParameter { .. })
        ));
        assert_eq!(st.push_signs(&[1; 33]).unwrap(), 0);
        assert_eq!(st.row(0), Some(&[u32::MAX, 1]));
        assert_eq!(st.push_packed(&[5, u32::MAX]).unwrap(), 1);
        assert_eq!(st.row(1), Some(&[5, 1]), "padding cleared");
        assert_eq!(
            st.push_packed(&[0, 0]),
            Err(Error::CapacityExceeded {
                what: "PackedPatterns",
                capacity: 2
            })
        );
        assert_eq!(st.as_words(), &[u32::MAX, 1, 5, 1]);
        assert_eq!(st.form().unwrap().p(), 2);
        st.clear();
        assert_eq!(st.len(), 0);
    }
}
