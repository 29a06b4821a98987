//! Host fast paths for the classical binary network (docs/hopfield.md), exactly equal to the core's
//! [`PatternForm`]/[`DenseForm`](engram_core::hopfield::DenseForm) dynamics: same states, same
//! overlaps, same energies (integer arithmetic throughout, so there is no error model to state).
//!
//! - Storage: the core's bit layout (bit j of `u32` word k is unit 32k + j, set = +1) packed into
//!   `u64` pairs, word k = w₂ₖ | w₂ₖ₊₁ ≪ 32, padding bits masked off; overlaps are
//!   m_μ = N − 2·popcount(ξ^μ ⊕ s) over ⌈N/64⌉ words.
//! - [`sync_steps`](super::sync::sync_steps) (module [`sync`](super::sync)): synchronous steps
//!   batched over many cues, with incremental fields after the first step ([`fields`](super::fields)).
//! - [`run_async`]: asynchronous sweeps with the unit order drawn by the core's
//!   [`sweep_order`] from the same generator, so trajectories equal [`engram_core::hopfield::run_async`]'s.
//!   Each unit's field is an `i32` dot with the transposed patterns stored as sign masks
//!   (ξ = +1 ↦ 0, −1 ↦ −1, so ξ·m = (m ⊕ mask) − mask), vectorised by pulp's runtime dispatch.

use engram_core::Error;
use engram_core::hopfield::{Outcome, PatternForm, sweep_order, words_for};
use engram_core::rng::Rng;
use std::sync::OnceLock;

use super::fields::SyncTables;
use crate::simd::best_simd;

/// Patterns whose overlaps are counted together (in registers) by [`BitPatterns::overlaps`].
const OVERLAP_GROUP: usize = 32;

/// ⌈n/64⌉.
pub fn words64(n: usize) -> usize {
    n.div_ceil(64)
}

/// The valid bits of the last `u64` word of an `n`-bit row.
pub fn tail_mask64(n: usize) -> u64 {
    match n % 64 {
        0 => u64::MAX,
        r => (1u64 << r) - 1,
    }
}

/// Packs a row of `n` bits from the core's `u32` layout into `u64` words (padding masked off).
///
/// Errors: [`Error::DimensionMismatch`] unless `words.len() == words_for(n)`.
pub fn to_u64(words: &[u32], n: usize) -> Result<Vec<u64>, Error> {
    if words.len() != words_for(n) {
        return Err(Error::DimensionMismatch {
            what: "hopfield host: packed row",
            expected: words_for(n),
            found: words.len(),
        });
    }
    let mut out: Vec<u64> = words
        .chunks(2)
        .map(|c| u64::from(c[0]) | c.get(1).map_or(0, |&h| u64::from(h) << 32))
        .collect();
    if let Some(last) = out.last_mut() {
        *last &= tail_mask64(n);
    }
    Ok(out)
}

/// Unpacks `u64` words back into the core's `u32` layout (`words_for(n)` words).
pub fn to_u32(words: &[u64], n: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(words_for(n));
    for &w in words {
        out.push(w as u32);
        out.push((w >> 32) as u32);
    }
    out.truncate(words_for(n));
    out
}

/// P stored ±1 patterns of N units in the host kernels' layouts.
#[derive(Debug, Clone)]
pub struct BitPatterns {
    pub(super) n: usize,
    pub(super) p: usize,
    pub(super) w: usize,
    /// P × ⌈N/64⌉ words.
    rows: Vec<u64>,
    /// The same words word-major (⌈N/64⌉ × P), so overlaps vectorise across patterns.
    cols: Vec<u64>,
    /// N × P sign masks (0 for +1, −1 for −1): unit i's column of patterns, for [`run_async`].
    pub(super) masks_t: Vec<i32>,
    /// The tables of the synchronous dynamics ([`BitPatterns::sync_tables`]), built on first use.
    pub(super) sync: OnceLock<SyncTables>,
}

impl BitPatterns {
    /// Takes `p` patterns of `n` bits in the core's `u32` layout (as [`PatternForm::new`]).
    ///
    /// Errors: those of [`PatternForm::new`] (wrong length, N = 0, P·N too large for `i32` fields).
    pub fn from_u32(patterns: &[u32], p: usize, n: usize) -> Result<Self, Error> {
        PatternForm::new(patterns, p, n)?;
        let w32 = words_for(n);
        let w = words64(n);
        let mut rows = Vec::with_capacity(p * w);
        let mut masks_t = vec![0i32; n * p];
        for (mu, row) in patterns.chunks_exact(w32.max(1)).enumerate() {
            rows.extend(to_u64(row, n)?);
            for i in 0..n {
                let plus = (row[i / 32] >> (i % 32)) & 1 == 1;
                masks_t[i * p + mu] = if plus { 0 } else { -1 };
            }
        }
        let mut cols = vec![0u64; w * p];
        for (mu, row) in rows.chunks_exact(w.max(1)).enumerate() {
            for (k, &word) in row.iter().enumerate() {
                cols[k * p + mu] = word;
            }
        }
        Ok(Self {
            n,
            p,
            w,
            rows,
            cols,
            masks_t,
            sync: OnceLock::new(),
        })
    }

    /// Units N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Patterns P.
    pub fn p(&self) -> usize {
        self.p
    }

    /// `u64` words per state, ⌈N/64⌉.
    pub fn words(&self) -> usize {
        self.w
    }

    /// Pattern μ's `u64` words.
    pub fn row(&self, mu: usize) -> &[u64] {
        &self.rows[mu * self.w..(mu + 1) * self.w]
    }

    /// Overlaps m_μ = N − 2·popcount(ξ^μ ⊕ s) of one state (⌈N/64⌉ words, padding ignored).
    pub fn overlaps(&self, s: &[u64], m: &mut [i32]) {
        best_simd(|| self.overlaps_inline(s, m));
    }

    /// [`overlaps`](Self::overlaps), inlined into a caller's SIMD dispatch (hardware popcount).
    /// Patterns in groups of [`OVERLAP_GROUP`] whose counts stay in registers over the words.
    #[inline(always)]
    pub(super) fn overlaps_inline(&self, s: &[u64], m: &mut [i32]) {
        const G: usize = OVERLAP_GROUP;
        let (w, p) = (self.w, self.p);
        let n = self.n as i32;
        let m = &mut m[..p];
        // The patterns' padding is zero; mask the state's.
        let word = |k: usize| {
            if k + 1 == w {
                s[k] & tail_mask64(self.n)
            } else {
                s[k]
            }
        };
        let whole = p - p % G;
        for g in (0..whole).step_by(G) {
            let mut acc = [0u64; G];
            for k in 0..w {
                let sk = word(k);
                if let Some(col) = self.cols[k * p + g..].first_chunk::<G>() {
                    for (a, &c) in acc.iter_mut().zip(col) {
                        *a += u64::from((c ^ sk).count_ones());
                    }
                }
            }
            for (d, &a) in m[g..g + G].iter_mut().zip(&acc) {
                // a ≤ N: the clamp never acts, but it keeps the sums in 64-bit lanes (no narrowing
                // shuffles per word).
                *d = n - 2 * a.min(i32::MAX as u64) as i32;
            }
        }
        let rest = &mut m[whole..];
        rest.fill(0);
        for k in 0..w {
            let sk = word(k);
            for (d, &c) in rest.iter_mut().zip(&self.cols[k * p + whole..(k + 1) * p]) {
                *d += (c ^ sk).count_ones() as i32;
            }
        }
        for d in rest.iter_mut() {
            *d = n - 2 * *d;
        }
    }

    /// E = −½ (Σ_μ m_μ² − P N), the core's energy of the unscaled Hebbian W (exact, `i64`).
    pub fn energy(&self, m: &[i32]) -> i64 {
        let sq: i64 = m.iter().map(|&v| i64::from(v) * i64::from(v)).sum();
        -((sq - (self.p * self.n) as i64) / 2)
    }

    /// Field of unit i from the overlaps: hᵢ = Σ_μ ξᵢ^μ m_μ − P sᵢ.
    #[inline(always)]
    fn field(&self, m: &[i32], i: usize, s_i: i32) -> i32 {
        let masks = &self.masks_t[i * self.p..(i + 1) * self.p];
        let mut acc = 0i32;
        for (&mu, &mask) in m.iter().zip(masks) {
            acc = acc.wrapping_add((mu ^ mask).wrapping_sub(mask));
        }
        acc - self.p as i32 * s_i
    }

    /// m_μ += 2 s′ᵢ ξᵢ^μ after unit i was set to `new_sign`.
    #[inline(always)]
    fn flip(&self, m: &mut [i32], i: usize, new_sign: i32) {
        let masks = &self.masks_t[i * self.p..(i + 1) * self.p];
        let d = 2 * new_sign;
        for (mu, &mask) in m.iter_mut().zip(masks) {
            *mu += (d ^ mask) - mask;
        }
    }

    /// Whether state `s` is a fixed point of the sign rule (every hᵢ sᵢ ≥ 0); `m` is scratch (P).
    pub fn is_stable(&self, s: &[u64], m: &mut [i32]) -> bool {
        best_simd(|| {
            self.overlaps_inline(s, m);
            (0..self.n).all(|i| {
                let s_i = sign_of(s, i);
                let h = self.field(m, i, s_i);
                h == 0 || (h > 0) == (s_i > 0)
            })
        })
    }
}

#[inline(always)]
pub(super) fn sign_of(s: &[u64], i: usize) -> i32 {
    if (s[i / 64] >> (i % 64)) & 1 == 1 {
        1
    } else {
        -1
    }
}

#[inline(always)]
pub(super) fn set_bit(s: &mut [u64], i: usize, plus: bool) {
    let m = 1u64 << (i % 64);
    if plus {
        s[i / 64] |= m;
    } else {
        s[i / 64] &= !m;
    }
}

/// Asynchronous dynamics until a fixed point or `max_sweeps` sweeps, exactly
/// [`engram_core::hopfield::run_async`] on the [`PatternForm`] of the same patterns: each sweep
/// draws its order with [`sweep_order`] from `rng`, a unit takes the sign of its field and keeps its
/// value on a tie. `s` (⌈N/64⌉ words) is updated in place; `m` (P) holds the final overlaps and
/// `order` (N) is scratch.
///
/// Errors: [`Error::DimensionMismatch`] for wrong lengths.
pub fn run_async(
    pats: &BitPatterns,
    s: &mut [u64],
    m: &mut [i32],
    order: &mut [u32],
    rng: &mut Rng,
    max_sweeps: usize,
) -> Result<Outcome, Error> {
    for (what, expected, found) in [
        ("hopfield host run_async: s", pats.w, s.len()),
        ("hopfield host run_async: m", pats.p, m.len()),
        ("hopfield host run_async: order", pats.n, order.len()),
    ] {
        if expected != found {
            return Err(Error::DimensionMismatch {
                what,
                expected,
                found,
            });
        }
    }
    best_simd(|| pats.overlaps_inline(s, m));
    for sweep in 1..=max_sweeps {
        sweep_order(order, rng)?;
        let flips = best_simd(|| {
            let mut flips = 0usize;
            for &i in order.iter() {
                let i = i as usize;
                let s_i = sign_of(s, i);
                let h = pats.field(m, i, s_i);
                let new = if h > 0 {
                    1
                } else if h < 0 {
                    -1
                } else {
                    s_i
                };
                if new != s_i {
                    set_bit(s, i, new > 0);
                    pats.flip(m, i, new);
                    flips += 1;
                }
            }
            flips
        });
        if flips == 0 {
            return Ok(Outcome::FixedPoint { sweeps: sweep });
        }
    }
    Ok(Outcome::StepLimit { sweeps: max_sweeps })
}

/// P random ±1 patterns of N units, packed row by row (the core's u32 layout), drawn with the
/// core's `fill_random` in row order.
pub fn random_patterns(rng: &mut Rng, p: usize, n: usize) -> Result<Vec<u32>, Error> {
    let w = engram_core::hopfield::words_for(n);
    let mut xi = vec![0u32; p * w];
    for row in xi.chunks_exact_mut(w.max(1)) {
        engram_core::hopfield::fill_random(row, n, rng)?;
    }
    Ok(xi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::hopfield::{BinaryMemory, flip_exactly};

    #[test]
    fn u64_packing_roundtrips_and_masks() {
        let w = [u32::MAX, 0xffff_ffff, 0xdead_beef];
        let p = to_u64(&w, 70).unwrap();
        assert_eq!(p, vec![u64::MAX, 0x2f]);
        assert_eq!(to_u32(&p, 70), vec![u32::MAX, u32::MAX, 0x2f]);
        assert!(matches!(
            to_u64(&w, 100),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(
            BitPatterns::from_u32(&w, 2, 70).is_err(),
            "length != P·words"
        );
        assert!(BitPatterns::from_u32(&[], 0, 0).is_err(), "N = 0");
    }

    /// Asynchronous runs: same outcome, states, overlaps and energies as the core, on an N that is
    /// not a multiple of 64 (padding garbage in the cue must not matter).
    #[test]
    fn async_equals_core_pattern_form() {
        let mut rng = Rng::seed_from_u64(9);
        for (n, p) in [(100usize, 12usize), (257, 40), (64, 3)] {
            let xi = random_patterns(&mut rng, p, n).unwrap();
            let core = PatternForm::new(&xi, p, n).unwrap();
            let host = BitPatterns::from_u32(&xi, p, n).unwrap();
            for cue in 0..6 {
                let mu = cue % p;
                let mut s32 = core.pattern(mu).unwrap().to_vec();
                flip_exactly(&mut s32, n, n * (cue + 1) / 12, &mut rng).unwrap();
                let mut s64 = to_u64(&s32, n).unwrap();
                let seed = rng.next_u64();
                let (mut m1, mut o1) = (vec![0i32; p], vec![0u32; n]);
                let out1 = engram_core::hopfield::run_async(
                    &core,
                    &mut s32,
                    &mut m1,
                    &mut o1,
                    &mut Rng::seed_from_u64(seed),
                    30,
                )
                .unwrap();
                let (mut m2, mut o2) = (vec![0i32; p], vec![0u32; n]);
                let out2 = run_async(
                    &host,
                    &mut s64,
                    &mut m2,
                    &mut o2,
                    &mut Rng::seed_from_u64(seed),
                    30,
                )
                .unwrap();
                assert_eq!(out1, out2);
                assert_eq!(to_u32(&s64, n), s32);
                assert_eq!(m1, m2);
                assert_eq!(core.energy(&s32, &m1).unwrap(), host.energy(&m2));
            }
        }
    }

    #[test]
    fn stability_matches_core() {
        let mut rng = Rng::seed_from_u64(11);
        let (n, p) = (100usize, 25usize);
        let xi = random_patterns(&mut rng, p, n).unwrap();
        let core = PatternForm::new(&xi, p, n).unwrap();
        let host = BitPatterns::from_u32(&xi, p, n).unwrap();
        let mut m = vec![0i32; p];
        for mu in 0..p {
            let s = core.pattern(mu).unwrap();
            let mut mc = vec![0i32; p];
            core.init_cache(s, &mut mc).unwrap();
            let core_stable = (0..n).all(|i| {
                let h = core.field(s, &mc, i).unwrap();
                let si = if (s[i / 32] >> (i % 32)) & 1 == 1 {
                    1
                } else {
                    -1
                };
                engram_core::hopfield::sign_rule(h, si) == si
            });
            assert_eq!(host.is_stable(host.row(mu), &mut m), core_stable, "{mu}");
        }
    }
}
