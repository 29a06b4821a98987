//! Synchronous dynamics of the classical binary network (Hopfield 1982; docs/hopfield.md) on the
//! host, batched over many cues, with incremental fields: exactly the core's
//! [`sync_step`](engram_core::hopfield::sync_step) applied `steps` times (same states, same
//! changed-unit counts; integer arithmetic throughout, see [`fields`](super::fields)).
//!
//! Per block of [`SYNC_BLOCK`] cues and per step:
//!
//! 1. cues without up-to-date fields get **full fields** H = Ξᵀm from their overlaps (an 8-bit
//!    integer product, P·N multiply-adds per cue) and the sign rule in the same pass;
//! 2. the others apply the sign rule to their stored H;
//! 3. a cue that flipped at most [`incremental_limit`] units gets **incremental fields**,
//!    H += 2 Σ_{i flipped} s′ᵢ C[i, :] (|F|·N additions), and keeps them for the next step; one that
//!    flipped more is recomputed in full; one that flipped nothing is at a fixed point and stops.
//!
//! The first step is always a full one. With 20 % noise at α ≈ 0.1 (the bench) the first step
//! flips ≈ 220 of 1024 units, so the second is full too, and later steps flip a few units each: the
//! incremental path replaces the P·N work of steps three onwards by |F|·N.

use engram_core::Error;
use rayon::prelude::*;

use super::binary::BitPatterns;
use super::fields::{
    AddRows, Digits, Flipped, FullStep, Split, StoredStep, incremental_limit, vnni_available,
};
use crate::simd::{run_simd, run_simd_popcnt};

/// Cues per block in [`sync_steps`] (blocks run in parallel; results never depend on it, the
/// arithmetic being exact).
pub const SYNC_BLOCK: usize = 64;

/// How [`sync_steps_with`] computes the fields after the first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    /// Incremental updates over the flipped units where cheaper than full fields (the default).
    Incremental,
    /// Full fields for every step (the reference the incremental path is tested against).
    Full,
}

/// `steps` synchronous steps of every cue in `states` (B rows of ⌈N/64⌉ words, updated in place)
/// with incremental fields ([`Fields::Incremental`]): sᵢ ← sign(hᵢ) for all units from the old
/// state, a tie keeps sᵢ — the core's [`sync_step`](engram_core::hopfield::sync_step) applied
/// `steps` times. A cue whose step changed nothing is at a fixed point, and every later step would
/// leave it as it is, so it is skipped (the result is that of all `steps` steps). Blocks of
/// [`SYNC_BLOCK`] cues run in parallel on the current rayon pool. Returns the number of units
/// changed in the last step per cue.
///
/// Errors: [`Error::DimensionMismatch`] if `states.len()` is not a multiple of ⌈N/64⌉.
pub fn sync_steps(pats: &BitPatterns, states: &mut [u64], steps: usize) -> Result<Vec<u32>, Error> {
    sync_steps_with(pats, states, steps, Fields::Incremental)
}

/// [`sync_steps`] with the field method chosen; both give the same states and counts.
///
/// Errors: as [`sync_steps`].
pub fn sync_steps_with(
    pats: &BitPatterns,
    states: &mut [u64],
    steps: usize,
    fields: Fields,
) -> Result<Vec<u32>, Error> {
    run(pats, states, steps, fields, vnni_available())
}

fn run(
    pats: &BitPatterns,
    states: &mut [u64],
    steps: usize,
    fields: Fields,
    vnni: bool,
) -> Result<Vec<u32>, Error> {
    let w = pats.w;
    if !states.len().is_multiple_of(w.max(1)) {
        return Err(Error::DimensionMismatch {
            what: "hopfield host sync_steps: states",
            expected: states.len().div_ceil(w.max(1)) * w,
            found: states.len(),
        });
    }
    let b = states.len() / w.max(1);
    let mut changed = vec![0u32; b];
    if steps == 0 || b == 0 {
        return Ok(changed);
    }
    let ctx = Context {
        pats,
        incremental: fields == Fields::Incremental,
        vnni,
    };
    states
        .par_chunks_mut(SYNC_BLOCK * w)
        .zip(changed.par_chunks_mut(SYNC_BLOCK))
        .for_each_init(Scratch::default, |scratch, (blk, ch)| {
            ctx.block(scratch, blk, ch, steps)
        });
    Ok(changed)
}

struct Context<'a> {
    pats: &'a BitPatterns,
    incremental: bool,
    vnni: bool,
}

/// A block's buffers, reused across the blocks a thread runs.
#[derive(Default)]
struct Scratch {
    h: Vec<i32>,
    flips: Vec<u64>,
    full: Vec<usize>,
    stored: Vec<usize>,
    next_full: Vec<usize>,
    next_stored: Vec<usize>,
    digits: Digits,
    inc: Flipped,
}

impl Context<'_> {
    fn block(&self, sc: &mut Scratch, blk: &mut [u64], changed: &mut [u32], steps: usize) {
        let pats = self.pats;
        let (n, p, w) = (pats.n, pats.p, pats.w);
        let rows = blk.len() / w;
        let tables = pats.sync_tables();
        let couplings = tables.couplings_ref().filter(|_| self.incremental);
        let limit = couplings.map_or(0, |_| incremental_limit(p));
        // Every H row is written by a full step before it is read.
        sc.h.resize(rows * n, 0);
        sc.flips.resize(rows * w, 0);
        sc.full.clear();
        sc.full.extend(0..rows);
        sc.stored.clear();
        for step in 0..steps {
            if sc.full.is_empty() && sc.stored.is_empty() {
                break;
            }
            if !sc.full.is_empty() {
                run_simd_popcnt(Split {
                    pats,
                    blk,
                    list: &sc.full,
                    digits: &mut sc.digits,
                });
                run_simd(FullStep {
                    pats,
                    tables,
                    digits: &sc.digits,
                    list: &sc.full,
                    blk: &mut *blk,
                    h: &mut sc.h,
                    flips: &mut sc.flips,
                    changed: &mut *changed,
                    vnni: self.vnni,
                });
            }
            run_simd(StoredStep {
                pats,
                list: &sc.stored,
                blk: &mut *blk,
                h: &sc.h,
                flips: &mut sc.flips,
                changed: &mut *changed,
            });
            if step + 1 == steps {
                break;
            }
            sc.next_full.clear();
            sc.next_stored.clear();
            sc.inc.clear();
            for &r in sc.full.iter().chain(&sc.stored) {
                let c = changed[r] as usize;
                if c == 0 {
                    // A fixed point: later steps leave it as it is.
                } else if c <= limit {
                    let (s, f) = (&blk[r * w..(r + 1) * w], &sc.flips[r * w..(r + 1) * w]);
                    sc.inc.push(r, s, f, c);
                    sc.next_stored.push(r);
                } else {
                    sc.next_full.push(r);
                }
            }
            if let Some(c) = couplings.filter(|_| !sc.inc.is_empty()) {
                run_simd(AddRows {
                    couplings: c,
                    n,
                    h: &mut sc.h,
                    inc: &sc.inc,
                });
            }
            std::mem::swap(&mut sc.full, &mut sc.next_full);
            std::mem::swap(&mut sc.stored, &mut sc.next_stored);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hopfield::binary::{random_patterns, to_u32, to_u64};
    use crate::hopfield::fields::Couplings;
    use engram_core::hopfield::{
        BinaryMemory, DenseForm, PatternForm, flip_exactly, hebbian_packed, sync_step, words_for,
    };
    use engram_core::rng::Rng;

    /// The couplings equal the core's Hebbian matrix off the diagonal and P on it.
    #[test]
    fn couplings_equal_hebbian() {
        let mut rng = Rng::seed_from_u64(12);
        for (n, p) in [(70usize, 9usize), (130, 140)] {
            let xi = random_patterns(&mut rng, p, n).unwrap();
            let mut w = vec![0i32; n * n];
            hebbian_packed(&xi, p, n, &mut w).unwrap();
            let host = BitPatterns::from_u32(&xi, p, n).unwrap();
            let c = host.couplings().unwrap();
            assert_eq!(
                matches!(host.couplings(), Some(Couplings::Wide(_))),
                p > 127
            );
            for i in 0..n {
                for j in 0..n {
                    let want = if i == j { p as i32 } else { w[i * n + j] };
                    assert_eq!(c.entry(n, i, j), want, "n {n} p {p} ({i}, {j})");
                }
            }
        }
    }

    /// Synchronous steps, batched: every cue's state, changed count and energy after each step
    /// equals the core's `sync_step` on both the pattern form and the dense form, for the
    /// incremental and the full-field paths, on N not a multiple of 64 and with P above 127 (wide
    /// couplings). Noise levels from 3 % to 45 % give cues that take the incremental path, the
    /// GEMM path and both.
    #[test]
    fn sync_equals_core_pattern_and_dense_forms() {
        let mut rng = Rng::seed_from_u64(10);
        for (n, p, b) in [(150usize, 20usize, 300usize), (700, 130, 60)] {
            let xi = random_patterns(&mut rng, p, n).unwrap();
            let core = PatternForm::new(&xi, p, n).unwrap();
            let mut w = vec![0i32; n * n];
            hebbian_packed(&xi, p, n, &mut w).unwrap();
            let dense = DenseForm::new(&w, n).unwrap();
            let host = BitPatterns::from_u32(&xi, p, n).unwrap();
            let cues: Vec<Vec<u32>> = (0..b)
                .map(|c| {
                    let mut s = core.pattern(c % p).unwrap().to_vec();
                    flip_exactly(&mut s, n, n * (1 + c % 15) / 33, &mut rng).unwrap();
                    s
                })
                .collect();
            let states0: Vec<u64> = cues.iter().flat_map(|s| to_u64(s, n).unwrap()).collect();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            for steps in [1usize, 2, 3, 6] {
                let mut inc = states0.clone();
                let ch_inc = pool
                    .install(|| sync_steps_with(&host, &mut inc, steps, Fields::Incremental))
                    .unwrap();
                let mut full = states0.clone();
                let ch_full = pool
                    .install(|| sync_steps_with(&host, &mut full, steps, Fields::Full))
                    .unwrap();
                assert_eq!(inc, full, "n {n} steps {steps}");
                assert_eq!(ch_inc, ch_full);
                // The plain-loop kernel (machines without AVX-512 VNNI) gives the same.
                let mut plain = states0.clone();
                let ch_plain = pool
                    .install(|| run(&host, &mut plain, steps, Fields::Incremental, false))
                    .unwrap();
                assert_eq!(plain, inc);
                assert_eq!(ch_plain, ch_inc);
                for (c, cue) in cues.iter().enumerate() {
                    let (mut s, mut sd) = (cue.clone(), cue.clone());
                    let mut m = vec![0i32; p];
                    let mut hd = vec![0i32; n];
                    core.init_cache(&s, &mut m).unwrap();
                    dense.init_cache(&sd, &mut hd).unwrap();
                    let mut last = 0;
                    for _ in 0..steps {
                        last = sync_step(&core, &mut s, &mut m, &mut vec![0u32; words_for(n)])
                            .unwrap();
                        sync_step(&dense, &mut sd, &mut hd, &mut vec![0u32; words_for(n)]).unwrap();
                        if last == 0 {
                            break;
                        }
                    }
                    let got = &inc[c * host.words()..(c + 1) * host.words()];
                    assert_eq!(to_u32(got, n), s, "n {n} steps {steps} cue {c}");
                    assert_eq!(sd, s, "dense form, cue {c}");
                    assert_eq!(ch_inc[c] as usize, last, "cue {c}");
                    let mut mh = vec![0i32; p];
                    host.overlaps(got, &mut mh);
                    assert_eq!(host.energy(&mh), core.energy(&s, &m).unwrap());
                    assert_eq!(host.energy(&mh), dense.energy(&sd, &hd).unwrap());
                }
            }
        }
    }

    #[test]
    fn rejects_bad_lengths() {
        let xi = random_patterns(&mut Rng::seed_from_u64(1), 3, 100).unwrap();
        let host = BitPatterns::from_u32(&xi, 3, 100).unwrap();
        assert!(matches!(
            sync_steps(&host, &mut [0u64; 3], 1),
            Err(Error::DimensionMismatch { .. })
        ));
        assert_eq!(sync_steps(&host, &mut [0u64; 4], 0).unwrap(), vec![0, 0]);
        assert_eq!(incremental_limit(100), 100);
        assert_eq!(incremental_limit(1000), 32);
    }
}
