//! Digests of numeric outputs: what the cross-target regression compares.
//!
//! A [`Digest`] folds every value pushed into an FNV-1a 64 hash of its canonical bits (NaNs
//! canonicalised, a type tag byte before each value so `f32` 1.0 and `u64` 0x3f800000 differ),
//! counts them, and keeps the first [`RAW_KEPT`] raw values so a mismatch can show the numbers
//! and their ulp distance.

use core::fmt;

use crate::Real;

/// How many leading raw values a digest keeps.
pub const RAW_KEPT: usize = 4;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of a byte string (Fowler–Noll–Vo, variant 1a).
///
/// ```
/// assert_eq!(engram_core::digest::fnv1a64(b""), 0xcbf29ce484222325);
/// assert_eq!(engram_core::digest::fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
/// ```
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        // `i < len` was just checked; const fn cannot use iterators.
        #[allow(clippy::indexing_slicing)]
        let b = bytes[i];
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    h
}

/// One raw value kept by a digest, with its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Raw {
    /// An `f32`'s canonical bits.
    F32(u32),
    /// An `f64`'s canonical bits.
    F64(u64),
    /// An integer.
    U64(u64),
}

impl Raw {
    const fn tag(self) -> u8 {
        match self {
            Raw::F32(_) => 1,
            Raw::F64(_) => 2,
            Raw::U64(_) => 3,
        }
    }
}

impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::F32(b) => write!(f, "f32:{b:08x}"),
            Raw::F64(b) => write!(f, "f64:{b:016x}"),
            Raw::U64(b) => write!(f, "u64:{b:016x}"),
        }
    }
}

/// An order-sensitive fingerprint of a stream of numbers.
///
/// ```
/// use engram_core::digest::Digest;
/// let mut a = Digest::new();
/// a.push_real(1.0f32);
/// a.push_real(f32::NAN);
/// let mut b = Digest::new();
/// b.push_real(1.0f32);
/// b.push_real(-f32::NAN); // x86 SSE's NaN: canonicalised, so the digests agree
/// assert_eq!(a, b);
/// assert_eq!(format!("{a}"), format!("{b}"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Digest {
    hash: u64,
    count: u64,
    raw: heapless::Vec<Raw, RAW_KEPT>,
}

impl Default for Digest {
    fn default() -> Self {
        Self::new()
    }
}

impl Digest {
    /// An empty digest.
    pub const fn new() -> Self {
        Self {
            hash: FNV_OFFSET,
            count: 0,
            raw: heapless::Vec::new(),
        }
    }

    fn push(&mut self, raw: Raw) {
        let bits = match raw {
            Raw::F32(b) => u64::from(b),
            Raw::F64(b) | Raw::U64(b) => b,
        };
        let mut h = self.hash;
        h ^= u64::from(raw.tag());
        h = h.wrapping_mul(FNV_PRIME);
        for byte in bits.to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(FNV_PRIME);
        }
        self.hash = h;
        self.count = self.count.wrapping_add(1);
        // Only the first RAW_KEPT values are kept; later ones are in the hash only.
        let _ = self.raw.push(raw);
    }

    /// Adds a floating-point value (NaN canonicalised).
    pub fn push_real<T: Real>(&mut self, x: T) {
        let bits = x.canonical_bits();
        if T::NAME == "f32" {
            self.push(Raw::F32(bits as u32));
        } else {
            self.push(Raw::F64(bits));
        }
    }

    /// Adds every value of a slice, in order.
    pub fn push_reals<T: Real>(&mut self, xs: &[T]) {
        for &x in xs {
            self.push_real(x);
        }
    }

    /// Adds an integer.
    pub fn push_u64(&mut self, x: u64) {
        self.push(Raw::U64(x));
    }

    /// Adds a signed integer (two's complement bits).
    pub fn push_i64(&mut self, x: i64) {
        self.push(Raw::U64(x as u64));
    }

    /// The FNV-1a 64 hash of everything pushed.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// How many values were pushed.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The first values pushed (at most [`RAW_KEPT`]).
    pub fn raw(&self) -> &[Raw] {
        &self.raw
    }
}

/// `n=<count> fnv=<hash> raw=<type>:<bits>,…` — the form the xcheck report and golden files use.
impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n={} fnv={:016x} raw=", self.count, self.hash)?;
        for (i, r) in self.raw.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn order_and_type_matter() {
        let mut a = Digest::new();
        a.push_real(1.0f32);
        a.push_real(2.0f32);
        let mut b = Digest::new();
        b.push_real(2.0f32);
        b.push_real(1.0f32);
        assert_ne!(a.hash(), b.hash());
        let mut c = Digest::new();
        c.push_u64(0x3f80_0000);
        let mut d = Digest::new();
        d.push_real(1.0f32);
        assert_ne!(c.hash(), d.hash());
    }

    #[test]
    fn display_format() {
        let mut d = Digest::new();
        d.push_real(1.0f32);
        d.push_real(-2.0f64);
        d.push_u64(7);
        assert_eq!(
            format!("{d}"),
            format!(
                "n=3 fnv={:016x} raw=f32:3f800000,f64:c000000000000000,u64:0000000000000007",
                d.hash()
            )
        );
    }
}
