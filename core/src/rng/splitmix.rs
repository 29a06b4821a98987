//! SplitMix64: a 64-bit state, one add and a finaliser per output.

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014).
///
/// Used to expand a seed into xoshiro state and to mix stream keys; equal to the reference
/// `splitmix64.c` by Vigna.
///
/// ```
/// use engram_core::rng::SplitMix64;
/// let mut s = SplitMix64::new(1234567);
/// assert_eq!(s.next_u64(), 6457827717110365317);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose first output is `mix(seed + golden gamma)`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.state)
    }
}

/// The SplitMix64 finaliser (a bijection on `u64`).
#[inline]
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
