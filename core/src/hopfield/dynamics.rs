//! Update rules, written once for every [`BinaryMemory`]: asynchronous (sequential, a fresh random
//! order per sweep) and synchronous (all units from the old state).

use super::memory::{BinaryMemory, SweepIndex, cache_prefix_mut, check_state};
use super::packed::{bit, set_bit};
use crate::rng::Rng;
use crate::{Error, Result};

/// How a run of updates ended. `sweeps` counts full sweeps (asynchronous: N unit updates;
/// synchronous: one step of all units), including the last one that changed nothing.
///
/// ```
/// use engram_core::hopfield::Outcome;
/// let o = Outcome::FixedPoint { sweeps: 3 };
/// assert!(o.is_fixed_point());
/// assert_eq!(o.sweeps(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// A sweep changed no unit: the state is a fixed point of the rule.
    FixedPoint {
        /// Sweeps run, the last (unchanging) one included.
        sweeps: usize,
    },
    /// Synchronous only: the step produced the state of two steps before (a period-2 cycle). The
    /// state is left at the last state reached; the other state of the cycle is one more step away.
    TwoCycle {
        /// Steps run, the one that closed the cycle included.
        sweeps: usize,
    },
    /// The sweep limit was reached while the state was still changing.
    StepLimit {
        /// Sweeps run (the limit).
        sweeps: usize,
    },
}

impl Outcome {
    /// The number of sweeps run.
    pub fn sweeps(self) -> usize {
        match self {
            Outcome::FixedPoint { sweeps }
            | Outcome::TwoCycle { sweeps }
            | Outcome::StepLimit { sweeps } => sweeps,
        }
    }

    /// Whether the run ended at a fixed point.
    pub fn is_fixed_point(self) -> bool {
        matches!(self, Outcome::FixedPoint { .. })
    }
}

/// The sign rule: +1 for a positive field, −1 for a negative one, and `current` for a zero field
/// (a tie keeps the state, which is what makes stored patterns exact fixed points).
///
/// ```
/// use engram_core::hopfield::sign_rule;
/// assert_eq!(sign_rule(5i32, -1), 1);
/// assert_eq!(sign_rule(-2i32, 1), -1);
/// assert_eq!(sign_rule(0i32, -1), -1);
/// ```
#[inline]
pub fn sign_rule<F: PartialOrd + Default>(field: F, current: i8) -> i8 {
    let zero = F::default();
    if field > zero {
        1
    } else if field < zero {
        -1
    } else {
        current
    }
}

/// One asynchronous update of unit `i`: sᵢ ← [`sign_rule`]`(fieldᵢ, sᵢ)`, keeping the cache in step.
/// Returns whether the unit flipped.
///
/// For a symmetric zero-diagonal network a flip never raises the energy: for the classical forms
/// ΔE = −(s′ᵢ − sᵢ) hᵢ = −2|hᵢ| < 0; for the dense associative memories the field is (a positive
/// multiple of) E(sᵢ=−1) − E(sᵢ=+1), so again ΔE < 0.
///
/// Errors: those of [`BinaryMemory::field`].
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, PatternForm, update_unit};
/// let xi = [0b1111u32];
/// let net = PatternForm::new(&xi, 1, 4)?;
/// let mut s = [0b0111u32]; // unit 3 wrong
/// let mut m = [0i32; 1];
/// net.init_cache(&s, &mut m)?;
/// assert!(update_unit(&net, &mut s, &mut m, 3)?);
/// assert_eq!((s, m), ([0b1111], [4]));
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn update_unit<M: BinaryMemory + ?Sized>(
    mem: &M,
    s: &mut [u32],
    cache: &mut [i32],
    i: usize,
) -> Result<bool> {
    let h = mem.field(s, cache, i)?;
    let current = if bit(s, i) { 1 } else { -1 };
    let new = sign_rule(h, current);
    if new == current {
        return Ok(false);
    }
    set_bit(s, i, new > 0);
    mem.apply_flip(cache, i, new)?;
    Ok(true)
}

/// Fills `order` with 0, 1, …, len − 1 and shuffles it: the unit order of one asynchronous sweep.
///
/// The shuffle is [`Rng::shuffle`]'s Fisher–Yates (from the last index down, `j = rng.below(i + 1)`,
/// swap i and j), so the permutation depends only on the generator and `order.len()`, not on the
/// index type.
///
/// Errors: [`Error::InvalidParameter`] if `len − 1` does not fit the index type.
///
/// ```
/// use engram_core::hopfield::sweep_order;
/// use engram_core::rng::Rng;
/// let (mut a, mut b) = ([0u16; 10], [0usize; 10]);
/// sweep_order(&mut a, &mut Rng::seed_from_u64(1))?;
/// sweep_order(&mut b, &mut Rng::seed_from_u64(1))?;
/// assert!(a.iter().zip(&b).all(|(&x, &y)| usize::from(x) == y));
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn sweep_order<I: SweepIndex>(order: &mut [I], rng: &mut Rng) -> Result<()> {
    for (k, o) in order.iter_mut().enumerate() {
        *o = I::from_index(k).ok_or(Error::InvalidParameter {
            what: "sweep_order: N does not fit the index type",
        })?;
    }
    rng.shuffle(order);
    Ok(())
}

/// One asynchronous sweep: [`update_unit`] for each unit of `order`, in order. Returns the number
/// of flips.
///
/// Errors: those of [`BinaryMemory::field`] (e.g. an index ≥ N in `order`).
pub fn async_sweep<M: BinaryMemory + ?Sized, I: SweepIndex>(
    mem: &M,
    s: &mut [u32],
    cache: &mut [i32],
    order: &[I],
) -> Result<usize> {
    let mut flips = 0;
    for &i in order {
        if update_unit(mem, s, cache, i.index())? {
            flips += 1;
        }
    }
    Ok(flips)
}

/// Asynchronous dynamics until a fixed point or `max_sweeps` sweeps: each sweep draws a fresh
/// order with [`sweep_order`] from `rng`, then runs [`async_sweep`]. The energy never rises.
///
/// `cache` (at least [`cache_len`](BinaryMemory::cache_len)) is initialised from `s` here and on
/// return holds the cache of the final state (e.g. the final overlaps); `order` must have N
/// elements.
///
/// Errors: [`Error::DimensionMismatch`] for a wrong `s` or `order` length,
/// [`Error::ScratchTooSmall`] for a short cache, and those of [`sweep_order`].
///
/// ```
/// use engram_core::hopfield::{Outcome, PatternForm, run_async};
/// use engram_core::rng::Rng;
/// let xi = [0x0f0f_0f0fu32, 0x3333_3333];
/// let net = PatternForm::new(&xi, 2, 32)?;
/// let mut s = [xi[0] ^ 0b101]; // two bits off pattern 0
/// let (mut m, mut order) = ([0i32; 2], [0u16; 32]);
/// let out = run_async(&net, &mut s, &mut m, &mut order, &mut Rng::seed_from_u64(7), 10)?;
/// assert!(out.is_fixed_point());
/// assert_eq!(s, [xi[0]]);
/// assert_eq!(m[0], 32);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn run_async<M: BinaryMemory + ?Sized, I: SweepIndex>(
    mem: &M,
    s: &mut [u32],
    cache: &mut [i32],
    order: &mut [I],
    rng: &mut Rng,
    max_sweeps: usize,
) -> Result<Outcome> {
    check_state("run_async: s", mem.n(), s)?;
    crate::error::check_len("run_async: order", mem.n(), order.len())?;
    let cache = cache_prefix_mut("run_async: cache", cache, mem.cache_len())?;
    mem.init_cache(s, cache)?;
    for sweep in 1..=max_sweeps {
        sweep_order(order, rng)?;
        if async_sweep(mem, s, cache, order)? == 0 {
            return Ok(Outcome::FixedPoint { sweeps: sweep });
        }
    }
    Ok(Outcome::StepLimit { sweeps: max_sweeps })
}

/// Computes the synchronous successor of `s` into `next` (every unit by [`sign_rule`] on the fields
/// of the *old* state, padding bits copied from `s`) without changing `s`; returns how many units
/// differ.
fn propose<M: BinaryMemory + ?Sized>(
    mem: &M,
    s: &[u32],
    cache: &[i32],
    next: &mut [u32],
) -> Result<usize> {
    for (d, &x) in next.iter_mut().zip(s) {
        *d = x;
    }
    let mut changed = 0;
    for i in 0..mem.n() {
        let current = if bit(s, i) { 1 } else { -1 };
        let new = sign_rule(mem.field(s, cache, i)?, current);
        if new != current {
            set_bit(next, i, new > 0);
            changed += 1;
        }
    }
    Ok(changed)
}

/// Moves `s` (and its cache) to `next`, flipping the units that differ in index order.
fn adopt<M: BinaryMemory + ?Sized>(
    mem: &M,
    s: &mut [u32],
    cache: &mut [i32],
    next: &[u32],
) -> Result<()> {
    for i in 0..mem.n() {
        let want = bit(next, i);
        if bit(s, i) != want {
            set_bit(s, i, want);
            mem.apply_flip(cache, i, if want { 1 } else { -1 })?;
        }
    }
    Ok(())
}

/// One synchronous step: all units updated from the old state at once (`scratch` needs
/// ⌈N/32⌉ words); returns the number of units that changed. `cache` must be the cache of `s`
/// ([`BinaryMemory::init_cache`]) and is kept in step.
///
/// Errors: [`Error::ScratchTooSmall`] for a short scratch; those of [`BinaryMemory::field`].
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, PatternForm, sync_step};
/// let xi = [0b1111u32];
/// let net = PatternForm::new(&xi, 1, 4)?;
/// let mut s = [0b0011u32];
/// let mut m = [0i32; 1];
/// net.init_cache(&s, &mut m)?; // m = 0: every field is −sᵢ
/// assert_eq!(sync_step(&net, &mut s, &mut m, &mut [0u32; 1])?, 4);
/// assert_eq!(s, [0b1100]);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn sync_step<M: BinaryMemory + ?Sized>(
    mem: &M,
    s: &mut [u32],
    cache: &mut [i32],
    scratch: &mut [u32],
) -> Result<usize> {
    check_state("sync_step: s", mem.n(), s)?;
    let words = mem.words();
    let next = scratch_words("sync_step: scratch", scratch, words)?;
    let changed = propose(mem, s, cache, next)?;
    adopt(mem, s, cache, next)?;
    Ok(changed)
}

/// Synchronous dynamics until a fixed point, a 2-cycle or `max_sweeps` steps. `scratch` needs
/// 2·⌈N/32⌉ words (the proposed state and the state before the current one). `cache` is
/// initialised here and on return belongs to the final `s`.
///
/// Synchronous updates need not lower the energy; they end in a fixed point or a 2-cycle
/// (Goles-Chacc et al., 1985).
///
/// Errors: [`Error::DimensionMismatch`] for a wrong `s` length; [`Error::ScratchTooSmall`] for a
/// short scratch or cache.
///
/// ```
/// use engram_core::hopfield::{Outcome, PatternForm, run_sync};
/// let xi = [0b1111u32];
/// let net = PatternForm::new(&xi, 1, 4)?;
/// let mut s = [0b0011u32]; // m = 0: every unit flips each step
/// let out = run_sync(&net, &mut s, &mut [0i32; 1], &mut [0u32; 2], 10)?;
/// assert_eq!(out, Outcome::TwoCycle { sweeps: 2 });
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn run_sync<M: BinaryMemory + ?Sized>(
    mem: &M,
    s: &mut [u32],
    cache: &mut [i32],
    scratch: &mut [u32],
    max_sweeps: usize,
) -> Result<Outcome> {
    check_state("run_sync: s", mem.n(), s)?;
    let words = mem.words();
    let both = scratch_words("run_sync: scratch", scratch, 2 * words)?;
    let (next, prev) = both.split_at_mut(words);
    let cache = cache_prefix_mut("run_sync: cache", cache, mem.cache_len())?;
    mem.init_cache(s, cache)?;
    for step in 1..=max_sweeps {
        if propose(mem, s, cache, next)? == 0 {
            return Ok(Outcome::FixedPoint { sweeps: step });
        }
        if step >= 2 && next == prev {
            return Ok(Outcome::TwoCycle { sweeps: step });
        }
        for (d, &x) in prev.iter_mut().zip(s.iter()) {
            *d = x;
        }
        adopt(mem, s, cache, next)?;
    }
    Ok(Outcome::StepLimit { sweeps: max_sweeps })
}

fn scratch_words<'s>(
    what: &'static str,
    scratch: &'s mut [u32],
    len: usize,
) -> Result<&'s mut [u32]> {
    let found = scratch.len();
    scratch.get_mut(..len).ok_or(Error::ScratchTooSmall {
        what,
        needed: len,
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-house shuffle draws the same permutation as `Rng::shuffle`.
    #[test]
    fn sweep_order_is_rng_shuffle() {
        for len in [0usize, 1, 2, 3, 31, 256, 1000] {
            let mut a = std::vec![0u32; len];
            let mut rng_a = Rng::seed_from_u64(len as u64);
            sweep_order(&mut a, &mut rng_a).unwrap();
            let mut b: std::vec::Vec<u32> = (0..len as u32).collect();
            let mut rng_b = Rng::seed_from_u64(len as u64);
            rng_b.shuffle(&mut b);
            assert_eq!(a, b);
            assert_eq!(rng_a, rng_b, "same number of draws");
        }
    }
}
