//! [`BinaryMemory`]: what the update rules need from a network over ±1 states.

use core::fmt::Debug;

use super::packed::words_for;
use crate::error::check_len;
use crate::{Error, Result};

/// A network over packed ±1 states `s ∈ {−1, +1}ᴺ` whose energy can be lowered one unit at a time.
///
/// The update rules of [`dynamics`](super::run_async) are written once against this trait and run
/// unchanged on every storage form:
///
/// | type | storage | cache | [`Field`](Self::Field) | [`Energy`](Self::Energy) |
/// | --- | --- | --- | --- | --- |
/// | [`DenseForm`](super::DenseForm) | W = Σ_μ ξ^μ ξ^μᵀ, N×N `i32` | fields h = W s (N) | `i32` | `i64` |
/// | [`PatternForm`](super::PatternForm) | packed ξ^μ, P×⌈N/32⌉ `u32` | overlaps m (P) | `i32` | `i64` |
/// | [`PolyMemory`](super::PolyMemory) | packed ξ^μ | overlaps m (P) | `i128` | `i128` |
/// | [`ExpMemory`](super::ExpMemory) | packed ξ^μ | overlaps m (P) | `f64` | `f64` |
///
/// The *cache* is a caller-owned `i32` slice of [`cache_len`](Self::cache_len) elements that
/// summarises the state (fields or overlaps). [`init_cache`](Self::init_cache) computes it from
/// scratch; after setting `sᵢ` to a new value the caller must call
/// [`apply_flip`](Self::apply_flip), which updates it incrementally (O(N) or O(P)). A cache that was
/// not produced this way gives meaningless results or an error, never a panic.
///
/// The *field* of unit i is the energy gained by setting sᵢ = −1 instead of +1:
/// a positive field means +1 has the lower energy (`E(sᵢ=−1) − E(sᵢ=+1)` up to a positive factor),
/// so the update rule is sᵢ ← +1 if field > 0, −1 if field < 0, unchanged if field = 0.
/// For the classical forms it is the local field hᵢ = (W s)ᵢ itself.
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, PatternForm, pack_signs};
/// let mut xi = [0u32; 1];
/// pack_signs(&[1, -1, 1, 1], &mut xi)?;
/// let net = PatternForm::new(&xi, 1, 4)?;
/// let mut cache = [0i32; 1];
/// net.init_cache(&xi, &mut cache)?; // the stored pattern itself
/// assert_eq!(cache, [4]); // overlap m = ξ·ξ = N
/// assert_eq!(net.field(&xi, &cache, 1)?, -3); // h₁ = ξ₁ m − P s₁ = −4 + 1
/// assert_eq!(net.energy(&xi, &cache)?, -6); // −½(m² − P N)
/// # Ok::<(), engram_core::Error>(())
/// ```
pub trait BinaryMemory {
    /// The type of a unit's field (positive: +1 is preferred).
    type Field: Copy + PartialOrd + Default + Debug;
    /// The type of the energy (or of a strictly increasing function of it, see the implementor).
    type Energy: Copy + PartialOrd + Debug;

    /// Number of units N.
    fn n(&self) -> usize;

    /// Number of `i32`s of cache the network needs (N for the dense form, P for the others).
    fn cache_len(&self) -> usize;

    /// Fills `cache[..cache_len()]` for the state `s`.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `s` is not `words_for(n)` words;
    /// [`Error::ScratchTooSmall`] if the cache is shorter than [`cache_len`](Self::cache_len).
    fn init_cache(&self, s: &[u32], cache: &mut [i32]) -> Result<()>;

    /// The field of unit `i` in state `s` with its cache.
    ///
    /// Errors: as [`init_cache`](Self::init_cache), and [`Error::InvalidParameter`] if `i ≥ n`.
    fn field(&self, s: &[u32], cache: &[i32], i: usize) -> Result<Self::Field>;

    /// Updates the cache after unit `i` was set to `new_sign` (±1) from the opposite value.
    ///
    /// Errors: as [`field`](Self::field).
    fn apply_flip(&self, cache: &mut [i32], i: usize, new_sign: i8) -> Result<()>;

    /// The energy of state `s` from its cache.
    ///
    /// Errors: as [`init_cache`](Self::init_cache).
    fn energy(&self, s: &[u32], cache: &[i32]) -> Result<Self::Energy>;

    /// Words of a packed state: ⌈N/32⌉.
    fn words(&self) -> usize {
        words_for(self.n())
    }

    /// The energy of `s`, computing the cache into `scratch` first.
    ///
    /// ```
    /// use engram_core::hopfield::{BinaryMemory, PatternForm};
    /// let xi = [0b1111u32];
    /// let net = PatternForm::new(&xi, 1, 4)?;
    /// let mut scratch = [0i32; 1];
    /// assert_eq!(net.energy_of(&xi, &mut scratch)?, -6); // m = 4: −½(m² − P N) = −½(16 − 4)
    /// assert_eq!(net.energy_of(&[0b0111], &mut scratch)?, 0); // one bit off: m = 2
    /// # Ok::<(), engram_core::Error>(())
    /// ```
    fn energy_of(&self, s: &[u32], scratch: &mut [i32]) -> Result<Self::Energy> {
        self.init_cache(s, scratch)?;
        self.energy(s, scratch)
    }
}

/// Checks a state's length and a unit index against `n`.
#[inline]
pub(crate) fn check_state(what: &'static str, n: usize, s: &[u32]) -> Result<()> {
    check_len(what, words_for(n), s.len())
}

/// `cache[..len]`, or [`Error::ScratchTooSmall`].
#[inline]
pub(crate) fn cache_prefix<'c>(
    what: &'static str,
    cache: &'c [i32],
    len: usize,
) -> Result<&'c [i32]> {
    cache.get(..len).ok_or(Error::ScratchTooSmall {
        what,
        needed: len,
        found: cache.len(),
    })
}

/// `cache[..len]` mutably, or [`Error::ScratchTooSmall`].
#[inline]
pub(crate) fn cache_prefix_mut<'c>(
    what: &'static str,
    cache: &'c mut [i32],
    len: usize,
) -> Result<&'c mut [i32]> {
    let found = cache.len();
    cache.get_mut(..len).ok_or(Error::ScratchTooSmall {
        what,
        needed: len,
        found,
    })
}

/// `Err(InvalidParameter)` unless `i < n`.
#[inline]
pub(crate) fn check_unit(what: &'static str, n: usize, i: usize) -> Result<()> {
    if i < n {
        Ok(())
    } else {
        Err(Error::InvalidParameter { what })
    }
}

/// `Err(InvalidParameter)` unless `new_sign` is ±1.
#[inline]
pub(crate) fn check_sign(what: &'static str, new_sign: i8) -> Result<()> {
    if new_sign == 1 || new_sign == -1 {
        Ok(())
    } else {
        Err(Error::InvalidParameter { what })
    }
}

/// The error for a cache whose values cannot belong to any state (an overflow that consistent
/// caches rule out).
pub(crate) const BAD_CACHE: Error = Error::InvalidParameter {
    what: "hopfield cache: value out of range (cache not computed by init_cache for this state?)",
};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
    impl Sealed for usize {}
}

/// An unsigned integer type for the unit-order scratch of asynchronous sweeps (`u16`, `u32` or
/// `usize`): firmware with N ≤ 65 535 halves the scratch with `u16`. The permutation drawn does not
/// depend on the type.
///
/// ```
/// use engram_core::hopfield::SweepIndex;
/// assert_eq!(u16::from_index(65_535), Some(65_535u16));
/// assert_eq!(u16::from_index(65_536), None);
/// assert_eq!(7u32.index(), 7);
/// ```
pub trait SweepIndex: sealed::Sealed + Copy + Debug {
    /// `i` as this type, if it fits.
    fn from_index(i: usize) -> Option<Self>;
    /// Back to `usize`.
    fn index(self) -> usize;
}

impl SweepIndex for u16 {
    fn from_index(i: usize) -> Option<Self> {
        u16::try_from(i).ok()
    }
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl SweepIndex for u32 {
    fn from_index(i: usize) -> Option<Self> {
        u32::try_from(i).ok()
    }
    fn index(self) -> usize {
        // The core targets 32- and 64-bit machines: u32 → usize is lossless there.
        self as usize
    }
}

impl SweepIndex for usize {
    fn from_index(i: usize) -> Option<Self> {
        Some(i)
    }
    fn index(self) -> usize {
        self
    }
}
