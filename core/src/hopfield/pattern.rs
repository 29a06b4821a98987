//! The classical network's pattern form: bit-packed patterns and overlaps, no N×N matrix.

use super::memory::{
    BAD_CACHE, BinaryMemory, cache_prefix, cache_prefix_mut, check_sign, check_state, check_unit,
};
use super::packed::{bit, overlap_unchecked, sign, words_for};
use crate::blob::{Blob, Tensor};
use crate::error::{area, check_len};
use crate::{Error, Result};

/// The classical binary network stored as its P bit-packed patterns (docs/hopfield.md, "pattern form"):
/// N = 1024, P = 100 is 12.8 KB instead of 4 MiB of `i32` weights.
///
/// With overlaps m_μ = ξ^μ·s = N − 2·popcount(ξ^μ ⊕ s) (the cache, P `i32`s), the network is exactly
/// the [`DenseForm`](super::DenseForm) of the unscaled Hebbian W = Σ_μ ξ^μ ξ^μᵀ with zero diagonal:
///
/// ```text
/// (W s)ᵢ = Σ_{j≠i} Σ_μ ξᵢ^μ ξⱼ^μ sⱼ
///        = Σ_μ ξᵢ^μ (Σⱼ ξⱼ^μ sⱼ − ξᵢ^μ sᵢ)          (add and subtract the j = i term)
///        = Σ_μ ξᵢ^μ m_μ − Σ_μ (ξᵢ^μ)² sᵢ
///        = Σ_μ ξᵢ^μ m_μ − P sᵢ                      ((ξᵢ^μ)² = 1)
/// sᵀ W s = Σᵢ sᵢ (W s)ᵢ = Σ_μ m_μ² − P Σᵢ sᵢ² = Σ_μ m_μ² − P N,
/// ```
///
/// so hᵢ = Σ_μ ξᵢ^μ m_μ − P sᵢ (O(P), summed in μ) and E = −½ (Σ_μ m_μ² − P N), integers throughout;
/// the tests check both identities against the dense form. A flip of unit i to s′ᵢ changes every
/// overlap by m_μ += 2 s′ᵢ ξᵢ^μ (O(P)), which is what makes asynchronous sweeps at N = 1024, P = 100
/// cheap.
///
/// Bounds (checked at construction): |m_μ| ≤ N, |hᵢ| ≤ P N ≤ `i32::MAX`, Σ_μ m_μ² ≤ P N² ≤ `i64::MAX`.
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, PatternForm, pack_signs};
/// let mut xi = [0u32; 2]; // P = 2 patterns of N = 5
/// pack_signs(&[1, 1, -1, -1, 1], &mut xi[..1])?;
/// pack_signs(&[1, -1, 1, -1, 1], &mut xi[1..])?;
/// let net = PatternForm::new(&xi, 2, 5)?;
/// let s = [xi[0]];
/// let mut m = [0i32; 2];
/// net.init_cache(&s, &mut m)?;
/// assert_eq!(m, [5, 1]);
/// assert_eq!(net.field(&s, &m, 0)?, 5 + 1 - 2);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternForm<'a> {
    patterns: &'a [u32],
    p: usize,
    n: usize,
    words: usize,
}

impl<'a> PatternForm<'a> {
    /// Wraps `p` packed patterns of `n` bits (P rows of `words_for(n)` words, padding ignored).
    ///
    /// Errors: [`Error::DimensionMismatch`] if `patterns.len() != p·words_for(n)`;
    /// [`Error::InvalidParameter`] if `n = 0`, P·N > `i32::MAX` or P·N² > `i64::MAX`.
    pub fn new(patterns: &'a [u32], p: usize, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::InvalidParameter {
                what: "PatternForm: n must be at least 1",
            });
        }
        let (p128, n128) = (p as u128, n as u128);
        if p128 * n128 > i32::MAX as u128 || p128 * n128 * n128 > i64::MAX as u128 {
            return Err(Error::InvalidParameter {
                what: "PatternForm: P·N must fit i32 (and P·N² i64)",
            });
        }
        let words = words_for(n);
        check_len(
            "PatternForm: patterns",
            area("PatternForm: patterns", p, words)?,
            patterns.len(),
        )?;
        Ok(Self {
            patterns,
            p,
            n,
            words,
        })
    }

    /// A view of the patterns stored in a blob tensor of dtype
    /// [`BitsU32`](crate::blob::Dtype::BitsU32) and shape `[P, N]`, zero-copy.
    ///
    /// Errors: [`Error::Blob`] for a wrong dtype, rank or a misaligned view; otherwise as
    /// [`new`](Self::new).
    ///
    /// ```
    /// use engram_core::blob::{self, Aligned, Blob, TensorData, TensorSpec};
    /// use engram_core::hopfield::{BinaryMemory, PatternForm, pack_signs};
    /// let mut xi = [0u32; 2]; // P = 2, N = 20
    /// pack_signs(&[1; 20], &mut xi[..1])?;
    /// pack_signs(&[-1; 20], &mut xi[1..])?;
    /// let mut buf = Aligned::<256>::zeroed();
    /// let spec = [TensorSpec::new("xi", &[2, 20], TensorData::BitsU32(&xi))];
    /// let len = blob::write(buf.as_mut_bytes(), &spec)?;
    /// let blob = Blob::parse(&buf.as_bytes()[..len])?;
    /// let net = PatternForm::from_tensor(&blob.get("xi")?)?;
    /// assert_eq!((net.p(), net.n()), (2, 20));
    /// # Ok::<(), engram_core::Error>(())
    /// ```
    pub fn from_tensor(t: &Tensor<'a>) -> Result<Self> {
        let words = t.as_bits_u32()?;
        match *t.shape() {
            [p, n] => Self::new(words, p, n),
            _ => Err(Error::Blob(crate::blob::BlobError::RankMismatch {
                tensor: t.index(),
                expected: 2,
                found: t.rank(),
            })),
        }
    }

    /// [`from_tensor`](Self::from_tensor) of the tensor called `name` in `blob`.
    ///
    /// Errors: [`Error::Blob`] if there is no such tensor; otherwise as `from_tensor`.
    pub fn from_blob(blob: &Blob<'a>, name: &str) -> Result<Self> {
        Self::from_tensor(&blob.get(name)?)
    }

    /// Number of stored patterns P.
    pub fn p(&self) -> usize {
        self.p
    }

    /// The packed patterns, P rows of ⌈N/32⌉ words.
    pub fn patterns(&self) -> &'a [u32] {
        self.patterns
    }

    /// Pattern μ's words, or `None` if μ ≥ P.
    pub fn pattern(&self, mu: usize) -> Option<&'a [u32]> {
        self.patterns.get(mu * self.words..(mu + 1) * self.words)
    }

    /// The rows, one per pattern. `words ≥ 1` since N ≥ 1; `max(1)` says so to the optimiser,
    /// which then drops chunks_exact's zero-size panic path.
    pub(crate) fn rows(&self) -> core::slice::ChunksExact<'a, u32> {
        self.patterns.chunks_exact(self.words.max(1))
    }

    /// Overlaps m_μ = N − 2·popcount(ξ^μ ⊕ s) into `m[..P]` (the cache of every pattern-based
    /// network).
    pub(crate) fn overlaps(&self, what: &'static str, s: &[u32], m: &mut [i32]) -> Result<()> {
        check_state(what, self.n, s)?;
        let m = cache_prefix_mut(what, m, self.p)?;
        for (mu, xi) in m.iter_mut().zip(self.rows()) {
            *mu = overlap_unchecked(xi, s, self.n);
        }
        Ok(())
    }

    /// m_μ += 2 s′ᵢ ξᵢ^μ for every μ.
    pub(crate) fn flip_overlaps(
        &self,
        what: &'static str,
        m: &mut [i32],
        i: usize,
        new_sign: i8,
    ) -> Result<()> {
        check_unit(what, self.n, i)?;
        check_sign(what, new_sign)?;
        let m = cache_prefix_mut(what, m, self.p)?;
        let (plus, minus) = if new_sign > 0 { (2, -2) } else { (-2, 2) };
        for (mu, xi) in m.iter_mut().zip(self.rows()) {
            let d = if bit(xi, i) { plus } else { minus };
            *mu = mu.checked_add(d).ok_or(BAD_CACHE)?;
        }
        Ok(())
    }
}

impl BinaryMemory for PatternForm<'_> {
    type Field = i32;
    type Energy = i64;

    fn n(&self) -> usize {
        self.n
    }

    fn cache_len(&self) -> usize {
        self.p
    }

    fn init_cache(&self, s: &[u32], cache: &mut [i32]) -> Result<()> {
        self.overlaps("PatternForm: cache", s, cache)
    }

    /// hᵢ = Σ_μ ξᵢ^μ m_μ − P sᵢ, summed in μ (in `i64`, then narrowed: it fits by construction).
    fn field(&self, s: &[u32], cache: &[i32], i: usize) -> Result<i32> {
        check_state("PatternForm: s", self.n, s)?;
        check_unit("PatternForm: unit index out of range", self.n, i)?;
        let m = cache_prefix("PatternForm: cache", cache, self.p)?;
        let mut acc: i64 = 0;
        for (&mu, xi) in m.iter().zip(self.rows()) {
            let mu = i64::from(mu);
            acc += if bit(xi, i) { mu } else { -mu };
        }
        acc -= self.p as i64 * i64::from(sign(s, i));
        i32::try_from(acc).map_err(|_| BAD_CACHE)
    }

    fn apply_flip(&self, cache: &mut [i32], i: usize, new_sign: i8) -> Result<()> {
        self.flip_overlaps("PatternForm: cache", cache, i, new_sign)
    }

    /// E = −½ (Σ_μ m_μ² − P N), summed in μ (exact: m_μ ≡ N mod 2, so m_μ² − N is even).
    fn energy(&self, s: &[u32], cache: &[i32]) -> Result<i64> {
        check_state("PatternForm: s", self.n, s)?;
        let m = cache_prefix("PatternForm: cache", cache, self.p)?;
        let mut acc: i64 = 0;
        for &mu in m {
            let sq = i64::from(mu) * i64::from(mu);
            acc = acc.checked_add(sq).ok_or(BAD_CACHE)?;
        }
        let pn = (self.p as i64) * (self.n as i64);
        Ok(-((acc - pn) / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{self, Aligned, TensorData, TensorSpec};

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!(
            PatternForm::new(&[0; 3], 2, 40),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            PatternForm::new(&[], 0, 0),
            Err(Error::InvalidParameter { .. })
        ));
        // P = 0 is a valid (empty) memory; P·N > i32::MAX is refused before the length check.
        assert!(PatternForm::new(&[], 0, 1).is_ok());
        assert!(matches!(
            PatternForm::new(&[], 70_000, 40_000),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn blob_errors() {
        let words = [1u32, 2, 3];
        let f = [1.0f32; 3];
        let mut buf = Aligned::<512>::zeroed();
        let specs = [
            TensorSpec::new("flat", &[3, 32], TensorData::BitsU32(&words)),
            TensorSpec::new("f", &[3], TensorData::F32(&f)),
            TensorSpec::new("r1", &[32], TensorData::BitsU32(&words[..1])),
        ];
        let len = blob::write(buf.as_mut_bytes(), &specs).unwrap();
        let b = Blob::parse(&buf.as_bytes()[..len]).unwrap();
        let net = PatternForm::from_blob(&b, "flat").unwrap();
        assert_eq!((net.p(), net.n()), (3, 32));
        assert_eq!(net.pattern(2), Some(&[3u32][..]));
        assert!(matches!(
            PatternForm::from_blob(&b, "f"),
            Err(Error::Blob(_))
        ));
        assert!(matches!(
            PatternForm::from_blob(&b, "r1"),
            Err(Error::Blob(_))
        ));
        assert!(matches!(
            PatternForm::from_blob(&b, "nope"),
            Err(Error::Blob(_))
        ));
    }
}
