//! xoshiro256++: the core's general-purpose generator.

use super::splitmix::{SplitMix64, mix64};
use crate::Real;

/// xoshiro256++ 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2019).
///
/// 256 bits of state, period 2²⁵⁶ − 1, identical output on every target (integer arithmetic only).
///
/// ```
/// use engram_core::rng::Rng;
/// let mut rng = Rng::seed_from_u64(42);
/// let x: f64 = rng.uniform();
/// assert!((0.0..1.0).contains(&x));
/// // Same seed, same stream, on every target:
/// assert_eq!(Rng::seed_from_u64(42).next_u64(), Rng::seed_from_u64(42).next_u64());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// Seeds the state with four SplitMix64 outputs (the `rand_xoshiro` convention).
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        // SplitMix64 is a bijection of distinct counters, so four outputs are never all zero;
        // the guard keeps the all-zero fixed point impossible by construction anyway.
        if s == [0; 4] {
            return Self { s: [1, 0, 0, 0] };
        }
        Self { s }
    }

    /// A stream keyed by `seed` and a list of key words (experiment config hash, repeat index, …).
    ///
    /// The key is folded as `h ← mix64(h ⊕ kᵢ + γ)` starting from `h = mix64(seed)`, then the state is
    /// seeded from `h`. Distinct keys give statistically independent streams.
    ///
    /// ```
    /// use engram_core::rng::Rng;
    /// let a = Rng::keyed(1, &[0, 5]).next_u64();
    /// let b = Rng::keyed(1, &[0, 6]).next_u64();
    /// assert_ne!(a, b);
    /// ```
    pub fn keyed(seed: u64, key: &[u64]) -> Self {
        let mut h = mix64(seed);
        for &k in key {
            h = mix64((h ^ k).wrapping_add(0x9e37_79b9_7f4a_7c15));
        }
        Self::seed_from_u64(h)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        step(&mut self.s)
    }

    /// The state, for a hot loop that keeps it in registers ([`step`]) and puts it back with
    /// [`from_state`](Self::from_state).
    #[inline(always)]
    pub(super) fn state(&self) -> [u64; 4] {
        self.s
    }

    /// The generator at `s` (a state taken by [`state`](Self::state) and advanced by [`step`]).
    #[inline(always)]
    pub(super) fn from_state(s: [u64; 4]) -> Self {
        Self { s }
    }

    /// The next 32 random bits (the high half of [`next_u64`](Self::next_u64)).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A uniform draw in [0, 1) with 24 (`f32`) or 53 (`f64`) random bits.
    #[inline]
    pub fn uniform<T: Real>(&mut self) -> T {
        T::unit(self.next_u64())
    }

    /// A uniform integer in `0..n` without bias (Lemire's multiply-and-reject); `0` when `n == 0`.
    ///
    /// ```
    /// use engram_core::rng::Rng;
    /// let mut rng = Rng::seed_from_u64(3);
    /// assert!((0..10).all(|_| rng.below(6) < 6));
    /// ```
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Shuffles `xs` in place (Fisher–Yates, from the last index down).
    pub fn shuffle<X>(&mut self, xs: &mut [X]) {
        let mut i = xs.len();
        while i > 1 {
            let j = self.below(i as u64) as usize;
            i -= 1;
            // Swap xs[j] and xs[i] (j ≤ i; a no-op when j = i) with checked access, so no
            // bounds-check panic path reaches a firmware image.
            if let Some((head, tail)) = xs.split_at_mut_checked(i)
                && let (Some(a), Some(b)) = (head.get_mut(j), tail.first_mut())
            {
                core::mem::swap(a, b);
            }
        }
    }
}

/// One xoshiro256++ step: advances `s` and returns the output. [`Rng::next_u64`] is this on the
/// generator's state; a hot loop may run it on a local copy of the state, which the compiler keeps in
/// registers.
#[inline(always)]
pub(super) fn step(s: &mut [u64; 4]) -> u64 {
    let [s0, s1, s2, s3] = *s;
    let result = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
    let t = s1 << 17;
    let s2 = s2 ^ s0;
    let s3 = s3 ^ s1;
    let s1 = s1 ^ s2;
    let s0 = s0 ^ s3;
    *s = [s0, s1, s2 ^ t, s3.rotate_left(45)];
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_in_range_and_covers() {
        let mut rng = Rng::seed_from_u64(9);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = rng.below(7) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Rng::seed_from_u64(5);
        let mut xs = [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        rng.shuffle(&mut xs);
        let mut sorted = xs;
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_ne!(
            xs, sorted,
            "a 10-element shuffle left the identity (p = 1/10!)"
        );
    }
}
