//! Host fast paths for the classical binary network (docs/hopfield.md), exactly equal to the core's
//! [`PatternForm`]/[`DenseForm`](engram_core::hopfield::DenseForm) dynamics: same states, same
//! overlaps, same energies (integer arithmetic throughout, so there is no error model to state).
//!
//! - Storage: the core's bit layout (bit j of `u32` word k is unit 32k + j, set = +1) packed into
//!   `u64` pairs, word k = w₂ₖ | w₂ₖ₊₁ ≪ 32, padding bits masked off; overlaps are
//!   m_μ = N − 2·popcount(ξ^μ ⊕ s) over ⌈N/64⌉ words.
//! - [`sync_steps`]: synchronous steps batched over many cues. Fields H = M Ξ (cues × P times P × N,
//!   Ξ the ±1 patterns) are a GEMM in `f32`: every term ξᵢ^μ m_μ is an integer of magnitude ≤ N and
//!   every partial sum, in *any* order and with or without FMA, an integer of magnitude ≤ P·N ≤ 2²⁴,
//!   so each is exactly representable and the GEMM is exact. The field is hᵢ = Hᵢ − P sᵢ as in the
//!   core, and the sign rule keeps sᵢ on a tie.
//! - [`run_async`]: asynchronous sweeps with the unit order drawn by the core's
//!   [`sweep_order`] from the same generator, so trajectories equal [`engram_core::hopfield::run_async`]'s.
//!   Each unit's field is an `i32` dot with the transposed patterns stored as sign masks
//!   (ξ = +1 ↦ 0, −1 ↦ −1, so ξ·m = (m ⊕ mask) − mask), vectorised by pulp's runtime dispatch.

use engram_core::Error;
use engram_core::hopfield::{Outcome, PatternForm, sweep_order, words_for};
use engram_core::rng::Rng;
use faer::{Accum, MatMut, MatRef, Par};

use crate::simd::best_simd;
use rayon::prelude::*;

/// Cues per GEMM block in [`sync_steps`] (fixed, so results never depend on the thread count).
pub const SYNC_BLOCK: usize = 256;

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
    n: usize,
    p: usize,
    w: usize,
    /// P × ⌈N/64⌉ words.
    rows: Vec<u64>,
    /// The same words word-major (⌈N/64⌉ × P), so overlaps vectorise across patterns.
    cols: Vec<u64>,
    /// P × N, ±1 as `f32` (the GEMM operand of [`sync_steps`]).
    signs: Vec<f32>,
    /// N × P sign masks (0 for +1, −1 for −1): unit i's column of patterns, for [`run_async`].
    masks_t: Vec<i32>,
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
        let mut signs = vec![0.0f32; p * n];
        let mut masks_t = vec![0i32; n * p];
        for (mu, row) in patterns.chunks_exact(w32.max(1)).enumerate() {
            rows.extend(to_u64(row, n)?);
            for i in 0..n {
                let plus = (row[i / 32] >> (i % 32)) & 1 == 1;
                signs[mu * n + i] = if plus { 1.0 } else { -1.0 };
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
            signs,
            masks_t,
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
    #[inline(always)]
    fn overlaps_inline(&self, s: &[u64], m: &mut [i32]) {
        let (w, p) = (self.w, self.p);
        let m = &mut m[..p];
        m.fill(0);
        for (k, col) in self.cols.chunks_exact(p.max(1)).enumerate().take(w) {
            // The patterns' padding is zero; mask the state's.
            let sk = if k + 1 == w {
                s[k] & tail_mask64(self.n)
            } else {
                s[k]
            };
            for (d, &c) in m.iter_mut().zip(col) {
                *d += (c ^ sk).count_ones() as i32;
            }
        }
        let n = self.n as i32;
        for d in m.iter_mut() {
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
fn sign_of(s: &[u64], i: usize) -> i32 {
    if (s[i / 64] >> (i % 64)) & 1 == 1 {
        1
    } else {
        -1
    }
}

#[inline(always)]
fn set_bit(s: &mut [u64], i: usize, plus: bool) {
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

/// `steps` synchronous steps of every cue in `states` (B rows of ⌈N/64⌉ words, updated in place):
/// sᵢ ← sign(hᵢ) for all units from the old state, a tie keeps sᵢ — the core's
/// [`sync_step`](engram_core::hopfield::sync_step) applied `steps` times. A cue whose step changed
/// nothing is at a fixed point, and every later step would leave it as it is, so it is skipped
/// (the result is that of all `steps` steps). Blocks of [`SYNC_BLOCK`] cues run in parallel on the
/// current rayon pool, each GEMM single-threaded. Returns the number of units changed in the last
/// step per cue.
///
/// Errors: [`Error::DimensionMismatch`] if `states.len()` is not a multiple of ⌈N/64⌉;
/// [`Error::InvalidParameter`] if P·N > 2²⁴ (the `f32` fields would no longer be exact).
pub fn sync_steps(pats: &BitPatterns, states: &mut [u64], steps: usize) -> Result<Vec<u32>, Error> {
    let (n, p, w) = (pats.n, pats.p, pats.w);
    if !states.len().is_multiple_of(w.max(1)) {
        return Err(Error::DimensionMismatch {
            what: "hopfield host sync_steps: states",
            expected: states.len().div_ceil(w.max(1)) * w,
            found: states.len(),
        });
    }
    if (p as u64) * (n as u64) > 1 << 24 {
        return Err(Error::InvalidParameter {
            what: "hopfield host sync_steps: P·N must be <= 2^24 for exact f32 fields",
        });
    }
    let b = states.len() / w.max(1);
    let mut changed = vec![0u32; b];
    states
        .par_chunks_mut(SYNC_BLOCK * w)
        .zip(changed.par_chunks_mut(SYNC_BLOCK))
        .for_each(|(blk, ch)| sync_block(pats, blk, ch, steps));
    Ok(changed)
}

fn sync_block(pats: &BitPatterns, blk: &mut [u64], changed: &mut [u32], steps: usize) {
    let (n, p, w) = (pats.n, pats.p, pats.w);
    let rows = blk.len() / w;
    let mut mf = vec![0.0f32; rows * p];
    let mut h = vec![0.0f32; rows * n];
    let mut mi = vec![0i32; p];
    let mut active: Vec<usize> = (0..rows).collect();
    let xi = MatRef::from_row_major_slice(&pats.signs, p, n);
    for _ in 0..steps {
        if active.is_empty() {
            break;
        }
        let k = active.len();
        best_simd(|| {
            for (j, &r) in active.iter().enumerate() {
                pats.overlaps_inline(&blk[r * w..(r + 1) * w], &mut mi);
                for (d, &v) in mf[j * p..(j + 1) * p].iter_mut().zip(&mi) {
                    *d = v as f32;
                }
            }
        });
        let mm = MatRef::from_row_major_slice(&mf[..k * p], k, p);
        let hm = MatMut::from_row_major_slice_mut(&mut h[..k * n], k, n);
        faer::linalg::matmul::matmul(hm, Accum::Replace, mm, xi, 1.0f32, Par::Seq);
        let apply = |changed: &mut [u32], blk: &mut [u64]| {
            for (j, &r) in active.iter().enumerate() {
                changed[r] = apply_signs(
                    &h[j * n..(j + 1) * n],
                    &mut blk[r * w..(r + 1) * w],
                    p as f32,
                );
            }
        };
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            simd.vectorize(|| {
                for (j, &r) in active.iter().enumerate() {
                    changed[r] = apply_signs_v3(
                        simd,
                        &h[j * n..(j + 1) * n],
                        &mut blk[r * w..(r + 1) * w],
                        p as f32,
                    );
                }
            });
        } else {
            apply(changed, blk);
        }
        #[cfg(not(target_arch = "x86_64"))]
        apply(changed, blk);
        // A cue that did not change is at a fixed point: later steps leave it as it is.
        active.retain(|&r| changed[r] != 0);
    }
}

/// sᵢ ← sign(Hᵢ − P sᵢ), tie keeps; returns the number of changed units. Branch-free: the new
/// bits are gathered from the sign bits of the fields, 64 units per word.
#[inline(always)]
fn apply_signs(h: &[f32], s: &mut [u64], p: f32) -> u32 {
    let mut changed = 0;
    for (word, hc) in s.iter_mut().zip(h.chunks(64)) {
        let (mut gt, mut lt) = (0u64, 0u64);
        for (j, &hv) in hc.iter().enumerate() {
            let bit = (*word >> j) & 1;
            // field = H − P s; s = +1 for a set bit.
            let field = hv - p * (2.0 * bit as f32 - 1.0);
            gt |= u64::from(field > 0.0) << j;
            lt |= u64::from(field < 0.0) << j;
        }
        let out = (*word & !lt) | gt;
        changed += (out ^ *word).count_ones();
        *word = out;
    }
    changed
}

/// [`apply_signs`] with AVX2 compares and `movemask`: field > 0 ⟺ H > P for sᵢ = +1 and H > −P
/// for sᵢ = −1, so four compares of 8 fields against ±P give the new bits without per-bit work.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn apply_signs_v3(simd: pulp::x86::V3, h: &[f32], s: &mut [u64], p: f32) -> u32 {
    use core::arch::x86_64::__m256;
    let (plus, minus) = (simd.splat_f32x8(p), simd.splat_f32x8(-p));
    let bits = |m: pulp::m32x8| -> u64 {
        u64::from(simd.avx._mm256_movemask_ps(bytemuck::cast::<_, __m256>(m)) as u8)
    };
    let mut changed = 0;
    for (word, hc) in s.iter_mut().zip(h.chunks(64)) {
        let (mut gt, mut lt) = (0u64, 0u64);
        let mut chunks = hc.chunks_exact(8);
        for (g, c) in (&mut chunks).enumerate() {
            let Some(arr) = c.first_chunk::<8>() else {
                continue;
            };
            let v: pulp::f32x8 = bytemuck::cast(*arr);
            let set = (*word >> (8 * g)) & 0xff;
            let gt8 = (set & bits(simd.cmp_gt_f32x8(v, plus)))
                | (!set & 0xff & bits(simd.cmp_gt_f32x8(v, minus)));
            let lt8 = (set & bits(simd.cmp_lt_f32x8(v, plus)))
                | (!set & 0xff & bits(simd.cmp_lt_f32x8(v, minus)));
            gt |= gt8 << (8 * g);
            lt |= lt8 << (8 * g);
        }
        let base = hc.len() - chunks.remainder().len();
        for (i, &hv) in chunks.remainder().iter().enumerate() {
            let j = base + i;
            let field = hv - if (*word >> j) & 1 == 1 { p } else { -p };
            gt |= u64::from(field > 0.0) << j;
            lt |= u64::from(field < 0.0) << j;
        }
        let out = (*word & !lt) | gt;
        changed += (out ^ *word).count_ones();
        *word = out;
    }
    changed
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
    use engram_core::hopfield::{BinaryMemory, DenseForm, flip_exactly, hebbian_packed, sync_step};

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

    /// Synchronous steps, batched: every cue's state and energy after each step equals the core's
    /// `sync_step` on both the pattern form and the dense form.
    #[test]
    fn sync_equals_core_pattern_and_dense_forms() {
        let mut rng = Rng::seed_from_u64(10);
        let (n, p, b) = (150usize, 20usize, 300usize);
        let xi = random_patterns(&mut rng, p, n).unwrap();
        let core = PatternForm::new(&xi, p, n).unwrap();
        let mut w = vec![0i32; n * n];
        hebbian_packed(&xi, p, n, &mut w).unwrap();
        let dense = DenseForm::new(&w, n).unwrap();
        let host = BitPatterns::from_u32(&xi, p, n).unwrap();
        let mut cues32: Vec<Vec<u32>> = (0..b)
            .map(|c| {
                let mut s = core.pattern(c % p).unwrap().to_vec();
                flip_exactly(&mut s, n, 5 + c % 60, &mut rng).unwrap();
                s
            })
            .collect();
        let mut dense_cues = cues32.clone();
        let mut states: Vec<u64> = cues32.iter().flat_map(|s| to_u64(s, n).unwrap()).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for _ in 0..4 {
            let changed = pool.install(|| sync_steps(&host, &mut states, 1)).unwrap();
            for (c, s) in cues32.iter_mut().enumerate() {
                let mut m = vec![0i32; p];
                core.init_cache(s, &mut m).unwrap();
                let ch = sync_step(&core, s, &mut m, &mut [0u32; 5]).unwrap();
                let mut h = vec![0i32; n];
                let sd = &mut dense_cues[c];
                dense.init_cache(sd, &mut h).unwrap();
                sync_step(&dense, sd, &mut h, &mut [0u32; 5]).unwrap();
                let got = &states[c * host.words()..(c + 1) * host.words()];
                assert_eq!(&to_u32(got, n), s, "cue {c}");
                assert_eq!(sd, s, "dense form, cue {c}");
                assert_eq!(changed[c] as usize, ch);
                let mut mh = vec![0i32; p];
                host.overlaps(got, &mut mh);
                assert_eq!(host.energy(&mh), core.energy(s, &m).unwrap());
                assert_eq!(host.energy(&mh), dense.energy(sd, &h).unwrap());
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
