//! Exact integer fields of the classical binary network for the host's batched synchronous
//! dynamics ([`sync`](super::sync); docs/hopfield.md): full fields from the overlaps, incremental
//! fields from the couplings, and the sign rule applied 64 units (one state word) at a time.
//!
//! The raw field of unit j is Hⱼ = Σ_μ ξⱼ^μ m_μ = Σᵢ Cⱼᵢ sᵢ with the couplings C = ΞᵀΞ (Cⱼⱼ = P);
//! the network's field is hⱼ = Hⱼ − P sⱼ (the unscaled zero-diagonal Hebbian W = C − P·I), and
//! sⱼ ← sign(hⱼ) with a tie keeping sⱼ, i.e. sⱼ ← +1 if Hⱼ > P sⱼ, −1 if Hⱼ < P sⱼ. Everything is
//! `i32` (|H| ≤ P·N, which [`BitPatterns`] keeps below 2³¹), so there is no rounding anywhere.
//!
//! - **Full fields.** With Bⱼ^μ ∈ {0, 1} the pattern bits (ξ = 2B − 1), Hⱼ = 2 Σ_μ Bⱼ^μ m_μ −
//!   Σ_μ m_μ. Overlaps with |m_μ| ≤ 127 (all but the retrieved pattern, for random patterns and
//!   N ≲ 10⁴) are `i8` digits, and Σ_μ Bⱼ^μ d_μ is an 8-bit integer product: AVX-512 VNNI's
//!   `vpdpbusd` does 64 multiply-adds per instruction, 4× an `f32` FMA, on tiles of 4 cues × 64
//!   units with the pattern bits stored as bytes four patterns to a word ([`SyncTables`], P·N bytes,
//!   in cache). Each overlap beyond the `i8` range adds m_μ where Bⱼ^μ = 1 (a masked add per unit).
//!   Without VNNI the same sums run as plain vectorised loops.
//! - **Incremental fields.** A step that flips the units F (Δsᵢ = 2 s′ᵢ) changes H by
//!   ΔH = C Δs = 2·Ξᵀ(Ξ_F Δs_F) = 2 Σ_{i∈F} s′ᵢ C[i, :] (C is symmetric). [`Couplings`] stores C as
//!   `i8` (P ≤ 127) or `i16` in column slabs; the signed rows are summed in `i16` registers
//!   (|Σ| ≤ |F|·P ≤ 2¹⁵ − 1 by [`incremental_limit`]) and added to H once. Cost |F|·N additions
//!   against the full fields' P·N multiply-adds.

use super::binary::BitPatterns;
use crate::simd::{Kernel, run_simd_popcnt};

/// Largest coupling matrix built for incremental fields (N² entries of 1 or 2 bytes); above it
/// every step uses full fields.
pub const MAX_COUPLING_BYTES: usize = 64 << 20;

/// Columns per slab of [`Couplings`] (the partial sums of a slab stay in registers).
pub(super) const LANES: usize = 128;

/// Units per tile of the full-field kernel: one state word.
const TILE: usize = 64;

/// Cues per tile of the full-field kernel.
const GROUP: usize = 4;

/// Most flips a cue may have for an incremental update: P (|F|·N additions against the full
/// fields' P·N multiply-adds), capped at (2¹⁵ − 1)/P so that the `i16` sums cannot overflow.
pub fn incremental_limit(p: usize) -> usize {
    p.min(i16::MAX as usize / p.max(1))
}

/// The couplings C = ΞᵀΞ, Cᵢⱼ = Σ_μ ξᵢ^μ ξⱼ^μ = P − 2·popcount(tᵢ ⊕ tⱼ) with tᵢ unit i's P pattern
/// bits, in column slabs of [`LANES`]: entry (i, j) is at (j / LANES)·N·LANES + i·LANES +
/// j mod LANES, columns padded with zeros to a multiple of LANES. A slab is contiguous, so the
/// incremental update reads one compact block per pass.
#[derive(Debug, Clone)]
pub enum Couplings {
    /// P ≤ 127.
    Narrow(Vec<i8>),
    /// 127 < P ≤ 2¹⁵ − 1.
    Wide(Vec<i16>),
}

impl Couplings {
    /// Cᵢⱼ of a network of `n` units.
    pub fn entry(&self, n: usize, i: usize, j: usize) -> i32 {
        let at = (j / LANES) * n * LANES + i * LANES + j % LANES;
        match self {
            Couplings::Narrow(c) => i32::from(c[at]),
            Couplings::Wide(c) => i32::from(c[at]),
        }
    }
}

/// What the synchronous dynamics needs besides [`BitPatterns`], built once per pattern set
/// ([`BitPatterns::sync_tables`]).
#[derive(Debug, Clone)]
pub struct SyncTables {
    /// C for incremental fields; `None` if P > 2¹⁵ − 1 or C would exceed [`MAX_COUPLING_BYTES`].
    couplings: Option<Couplings>,
    /// The pattern bits as bytes for the full-field kernel: row q (patterns 4q…4q+3, beyond P
    /// zero), unit j ↦ the `u32` whose byte t is Bⱼ^{4q+t}; rows of ⌈N/64⌉·64 units (padding 0).
    quads: Vec<u32>,
    stride: usize,
}

impl BitPatterns {
    /// The tables of the synchronous dynamics, built on the first call (C takes N²·⌈P/64⌉
    /// popcounts) and kept.
    pub fn sync_tables(&self) -> &SyncTables {
        self.sync.get_or_init(|| SyncTables::new(self))
    }

    /// The couplings C = ΞᵀΞ for incremental fields (see [`SyncTables`]).
    pub fn couplings(&self) -> Option<&Couplings> {
        self.sync_tables().couplings.as_ref()
    }
}

impl SyncTables {
    fn new(pats: &BitPatterns) -> Self {
        let (n, p) = (pats.n, pats.p);
        let stride = pats.w * TILE;
        let mut quads = vec![0u32; p.div_ceil(4) * stride];
        for j in 0..n {
            for (mu, &mask) in pats.masks_t[j * p..(j + 1) * p].iter().enumerate() {
                if mask == 0 {
                    quads[(mu / 4) * stride + j] |= 1 << (8 * (mu % 4));
                }
            }
        }
        Self {
            couplings: couplings(pats),
            quads,
            stride,
        }
    }

    pub(super) fn couplings_ref(&self) -> Option<&Couplings> {
        self.couplings.as_ref()
    }
}

fn couplings(pats: &BitPatterns) -> Option<Couplings> {
    let (n, p) = (pats.n, pats.p);
    let wide = p > i8::MAX as usize;
    let padded = n.div_ceil(LANES) * LANES;
    if p > i16::MAX as usize || n * padded * (1 + usize::from(wide)) > MAX_COUPLING_BYTES {
        return None;
    }
    // Unit-major pattern bits, word-major (⌈P/64⌉ × N): word k of unit j holds patterns 64k…64k+63.
    let mut t = vec![0u64; p.div_ceil(64) * n];
    for j in 0..n {
        for (mu, &mask) in pats.masks_t[j * p..(j + 1) * p].iter().enumerate() {
            if mask == 0 {
                t[(mu / 64) * n + j] |= 1 << (mu % 64);
            }
        }
    }
    let mut dist = vec![0u32; n * n];
    run_simd_popcnt(Hamming {
        t: &t,
        n,
        out: &mut dist,
    });
    let p = p as i32;
    let mut slabs = vec![0i16; n * padded];
    for (i, row) in dist.chunks_exact(n).enumerate() {
        for (j, &d) in row.iter().enumerate() {
            slabs[(j / LANES) * n * LANES + i * LANES + j % LANES] = (p - 2 * d as i32) as i16;
        }
    }
    Some(if wide {
        Couplings::Wide(slabs)
    } else {
        Couplings::Narrow(slabs.iter().map(|&c| c as i8).collect())
    })
}

/// out[i·N + j] = popcount(tᵢ ⊕ tⱼ) over the pattern words (vectorised over j).
struct Hamming<'a> {
    t: &'a [u64],
    n: usize,
    out: &'a mut [u32],
}

impl Kernel for Hamming<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let n = self.n;
        for (i, row) in self.out.chunks_exact_mut(n).enumerate() {
            for tk in self.t.chunks_exact(n) {
                let ti = tk[i];
                for (d, &tj) in row.iter_mut().zip(tk) {
                    *d += (tj ^ ti).count_ones();
                }
            }
        }
    }
}

/// The overlaps of a list of cues split for the full-field kernel: `i8` digits packed four to a
/// `u32` (⌈P/4⌉ per cue), the overlaps beyond the `i8` range, and Σ_μ m_μ.
#[derive(Default)]
pub(super) struct Digits {
    quads: Vec<u32>,
    zeros: Vec<u32>,
    sums: Vec<i32>,
    /// Cue j's large overlaps are `large[ends[j]..ends[j + 1]]` as (μ, m_μ).
    large: Vec<(usize, i32)>,
    ends: Vec<usize>,
    m: Vec<i32>,
    bytes: Vec<u8>,
}

/// Digits of the cues `list` from their current states.
pub(super) struct Split<'a> {
    pub pats: &'a BitPatterns,
    pub blk: &'a [u64],
    pub list: &'a [usize],
    pub digits: &'a mut Digits,
}

impl Kernel for Split<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (p, w) = (self.pats.p, self.pats.w);
        let nq = p.div_ceil(4);
        let d = self.digits;
        d.quads.clear();
        d.quads.resize(self.list.len() * nq, 0);
        d.zeros.clear();
        d.zeros.resize(nq, 0);
        d.sums.clear();
        d.large.clear();
        d.ends.clear();
        d.ends.push(0);
        d.m.resize(p, 0);
        // Patterns beyond P (the last quad's padding) keep digit 0.
        d.bytes.clear();
        d.bytes.resize(4 * nq, 0);
        for (&r, row) in self.list.iter().zip(d.quads.chunks_exact_mut(nq)) {
            self.pats
                .overlaps_inline(&self.blk[r * w..(r + 1) * w], &mut d.m);
            let mut sum = 0i32;
            for (b, &m) in d.bytes.iter_mut().zip(&d.m) {
                sum += m;
                let small = m.unsigned_abs() <= i8::MAX as u32;
                *b = if small { m as i8 as u8 } else { 0 };
            }
            for (q, c) in row.iter_mut().zip(d.bytes.chunks_exact(4)) {
                *q = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
            for (mu, &m) in d.m.iter().enumerate() {
                if m.unsigned_abs() > i8::MAX as u32 {
                    d.large.push((mu, m));
                }
            }
            d.sums.push(sum);
            d.ends.push(d.large.len());
        }
    }
}

/// Full fields and one step of the sign rule for the cues `list` (with their [`Digits`]): H rows
/// written, states updated in place, `flips` ← old ⊕ new per word, `changed` ← flipped units.
pub(super) struct FullStep<'a> {
    pub pats: &'a BitPatterns,
    pub tables: &'a SyncTables,
    pub digits: &'a Digits,
    pub list: &'a [usize],
    pub blk: &'a mut [u64],
    pub h: &'a mut [i32],
    pub flips: &'a mut [u64],
    pub changed: &'a mut [u32],
    /// Whether AVX-512 VNNI was detected (then [`tile_vnni`] computes the tiles).
    pub vnni: bool,
}

impl Kernel for FullStep<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (n, p, w) = (self.pats.n, self.pats.p as i32, self.pats.w);
        let nq = self.pats.p.div_ceil(4);
        let d = self.digits;
        for &r in self.list {
            self.changed[r] = 0;
        }
        let rule = SignRule::new();
        for t in 0..w {
            let u0 = t * TILE;
            let valid = TILE.min(n - u0);
            for (g, cues) in self.list.chunks(GROUP).enumerate() {
                let ds: [&[u32]; GROUP] = std::array::from_fn(|k| {
                    let j = g * GROUP + k;
                    d.quads.get(j * nq..(j + 1) * nq).unwrap_or(&d.zeros)
                });
                let mut s = [[0i32; TILE]; GROUP];
                #[cfg(target_arch = "x86_64")]
                if self.vnni {
                    // SAFETY: `vnni` is set only where avx512f, avx512bw and avx512vnni were
                    // detected at run time (`vnni_available`).
                    unsafe { tile_vnni(&self.tables.quads, self.tables.stride, u0, ds, &mut s) };
                } else {
                    tile_plain(&self.tables.quads, self.tables.stride, u0, ds, &mut s);
                }
                #[cfg(not(target_arch = "x86_64"))]
                tile_plain(&self.tables.quads, self.tables.stride, u0, ds, &mut s);
                for (k, (&r, sk)) in cues.iter().zip(&mut s).enumerate() {
                    let j = g * GROUP + k;
                    for &(mu, m) in &d.large[d.ends[j]..d.ends[j + 1]] {
                        let bits = self.pats.row(mu)[t];
                        for (l, v) in sk.iter_mut().enumerate() {
                            *v += m & (((bits >> l) & 1) as i32).wrapping_neg();
                        }
                    }
                    let sum = d.sums[j];
                    let hr = &mut self.h[r * n + u0..r * n + u0 + valid];
                    for (hv, &v) in hr.iter_mut().zip(sk.iter()) {
                        *hv = 2 * v - sum;
                    }
                    let x = rule.apply(hr, &mut self.blk[r * w + t], p);
                    self.flips[r * w + t] = x;
                    self.changed[r] += x.count_ones();
                }
            }
        }
    }
}

/// Whether the full-field kernel can use AVX-512 VNNI here.
pub(super) fn vnni_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// s[k][l] = Σ_q Σ_t B^{4q+t}_{u0+l} · dₖ[q] byte t, for [`GROUP`] cues and [`TILE`] units:
/// `vpdpbusd` (unsigned pattern bytes × signed digits, four products summed per `i32` lane),
/// 16 accumulators in registers over the ⌈P/4⌉ rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn tile_vnni(
    quads: &[u32],
    stride: usize,
    u0: usize,
    d: [&[u32]; GROUP],
    s: &mut [[i32; TILE]; GROUP],
) {
    use core::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_set1_epi32, _mm512_setzero_si512,
    };
    let mut acc = [[_mm512_setzero_si512(); 4]; GROUP];
    for (q, row) in quads.chunks_exact(stride).enumerate() {
        let Some(x) = row[u0..].first_chunk::<TILE>() else {
            continue;
        };
        let xv: [__m512i; 4] = std::array::from_fn(|c| {
            let mut v = [0u32; 16];
            v.copy_from_slice(&x[16 * c..16 * c + 16]);
            bytemuck::cast(v)
        });
        for (a, dk) in acc.iter_mut().zip(d) {
            let b = _mm512_set1_epi32(dk[q] as i32);
            for (ac, &xc) in a.iter_mut().zip(&xv) {
                *ac = _mm512_dpbusd_epi32(*ac, xc, b);
            }
        }
    }
    for (sk, a) in s.iter_mut().zip(&acc) {
        for (c, &ac) in a.iter().enumerate() {
            let v: [i32; 16] = bytemuck::cast(ac);
            sk[16 * c..16 * c + 16].copy_from_slice(&v);
        }
    }
}

/// [`tile_vnni`] in plain loops (any machine).
#[inline(always)]
fn tile_plain(
    quads: &[u32],
    stride: usize,
    u0: usize,
    d: [&[u32]; GROUP],
    s: &mut [[i32; TILE]; GROUP],
) {
    for (q, row) in quads.chunks_exact(stride).enumerate() {
        let Some(x) = row[u0..].first_chunk::<TILE>() else {
            continue;
        };
        for (sk, dk) in s.iter_mut().zip(d) {
            let dd = dk[q].to_le_bytes().map(|b| i32::from(b as i8));
            for (v, &xq) in sk.iter_mut().zip(x) {
                let xb = xq.to_le_bytes().map(i32::from);
                *v += xb[0] * dd[0] + xb[1] * dd[1] + xb[2] * dd[2] + xb[3] * dd[3];
            }
        }
    }
}

/// One step of the sign rule for the cues `list` from their stored (up-to-date) H rows.
pub(super) struct StoredStep<'a> {
    pub pats: &'a BitPatterns,
    pub list: &'a [usize],
    pub blk: &'a mut [u64],
    pub h: &'a [i32],
    pub flips: &'a mut [u64],
    pub changed: &'a mut [u32],
}

impl Kernel for StoredStep<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (n, p, w) = (self.pats.n, self.pats.p as i32, self.pats.w);
        let rule = SignRule::new();
        for &r in self.list {
            let mut c = 0;
            for t in 0..w {
                let hr = &self.h[r * n + t * TILE..r * n + (t * TILE + TILE).min(n)];
                let x = rule.apply(hr, &mut self.blk[r * w + t], p);
                self.flips[r * w + t] = x;
                c += x.count_ones();
            }
            self.changed[r] = c;
        }
    }
}

/// The sign rule on state words, with AVX-512 mask compares where present ([`sign_word_v4`]),
/// else [`sign_word`].
#[derive(Clone, Copy)]
struct SignRule {
    #[cfg(target_arch = "x86_64")]
    v4: Option<pulp::x86::V4>,
}

impl SignRule {
    #[inline(always)]
    fn new() -> Self {
        SignRule {
            #[cfg(target_arch = "x86_64")]
            v4: pulp::x86::V4::try_new(),
        }
    }

    /// Applies the sign rule to `word` in place (fields `h`, threshold P); returns the flipped bits.
    #[inline(always)]
    fn apply(self, h: &[i32], word: &mut u64, p: i32) -> u64 {
        #[cfg(target_arch = "x86_64")]
        let new = match self.v4 {
            Some(simd) => sign_word_v4(simd, h, *word, p),
            None => sign_word(h, *word, p),
        };
        #[cfg(not(target_arch = "x86_64"))]
        let new = sign_word(h, *word, p);
        let flipped = new ^ *word;
        *word = new;
        flipped
    }
}

/// The sign rule on one state word (≤ 64 units, H given): bit l ← 1 if H_l > P s_l, 0 if
/// H_l < P s_l, unchanged on a tie.
#[inline(always)]
fn sign_word(h: &[i32], word: u64, p: i32) -> u64 {
    let (mut gt, mut lt) = (0u64, 0u64);
    for (l, &v) in h.iter().enumerate() {
        let thr = if (word >> l) & 1 == 1 { p } else { -p };
        gt |= u64::from(v > thr) << l;
        lt |= u64::from(v < thr) << l;
    }
    (word & !lt) | gt
}

/// [`sign_word`] with AVX-512 mask compares: the threshold ±P is selected by the old bits, and two
/// compares give 16 new bits.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn sign_word_v4(simd: pulp::x86::V4, h: &[i32], word: u64, p: i32) -> u64 {
    let (plus, minus) = (simd.splat_i32x16(p), simd.splat_i32x16(-p));
    let (mut gt, mut lt) = (0u64, 0u64);
    let mut chunks = h.chunks_exact(16);
    for (g, c) in (&mut chunks).enumerate() {
        let Some(arr) = c.first_chunk::<16>() else {
            continue;
        };
        let v: pulp::i32x16 = bytemuck::cast(*arr);
        let set = pulp::b16((word >> (16 * g)) as u16);
        let thr = simd.select_i32x16(set, plus, minus);
        gt |= u64::from(simd.cmp_lt_i32x16(thr, v).0) << (16 * g);
        lt |= u64::from(simd.cmp_lt_i32x16(v, thr).0) << (16 * g);
    }
    let base = h.len() - chunks.remainder().len();
    for (i, &v) in chunks.remainder().iter().enumerate() {
        let l = base + i;
        let thr = if (word >> l) & 1 == 1 { p } else { -p };
        gt |= u64::from(v > thr) << l;
        lt |= u64::from(v < thr) << l;
    }
    (word & !lt) | gt
}

/// The flipped units of the cues updated incrementally: cue r's rows of C to add are
/// `units[a..b]` (now +1), to subtract `units[b..e]` (now −1).
#[derive(Default)]
pub(super) struct Flipped {
    cues: Vec<(usize, usize, usize, usize)>,
    units: Vec<usize>,
}

impl Flipped {
    pub(super) fn clear(&mut self) {
        self.cues.clear();
        self.units.clear();
    }

    pub(super) fn is_empty(&self) -> bool {
        self.cues.is_empty()
    }

    /// Lists cue r's `count` flipped units (the set bits of `flips`) by their new sign (`s`):
    /// the +1s from the front, the −1s from the back, branch-free (each index is written at both
    /// ends and one end advances).
    pub(super) fn push(&mut self, r: usize, s: &[u64], flips: &[u64], count: usize) {
        let a = self.units.len();
        self.units.resize(a + count, 0);
        let (mut lo, mut hi) = (a, a + count);
        for (k, (&x, &word)) in flips.iter().zip(s).enumerate() {
            let mut x = x;
            while x != 0 && lo < hi {
                let b = x.trailing_zeros();
                x &= x - 1;
                let plus = ((word >> b) & 1) as usize;
                self.units[lo] = 64 * k + b as usize;
                self.units[hi - 1] = 64 * k + b as usize;
                lo += plus;
                hi -= 1 - plus;
            }
        }
        self.cues.push((r, a, lo, a + count));
    }
}

/// H += 2 Σ_{i flipped} s′ᵢ C[i, :] for every listed cue. Slabs of [`LANES`] columns outermost: a
/// slab of C (N·LANES entries, contiguous) is read by every cue while it is in cache, and each
/// cue's signed sum over its flipped rows stays in `i16` registers (|Σ| ≤ |F|·P ≤ 2¹⁵ − 1 by
/// [`incremental_limit`]) until it is added to H once.
pub(super) struct AddRows<'a> {
    pub couplings: &'a Couplings,
    pub n: usize,
    pub h: &'a mut [i32],
    pub inc: &'a Flipped,
}

impl Kernel for AddRows<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        match self.couplings {
            Couplings::Narrow(c) => add_rows(c, self.n, self.h, self.inc),
            Couplings::Wide(c) => add_rows(c, self.n, self.h, self.inc),
        }
    }
}

#[inline(always)]
fn add_rows<T: Copy + Into<i16>>(c: &[T], n: usize, h: &mut [i32], inc: &Flipped) {
    for (slab_index, slab) in c.chunks_exact(n * LANES).enumerate() {
        let base = slab_index * LANES;
        let width = LANES.min(n - base);
        for &(r, a, b, e) in &inc.cues {
            let mut acc = [0i16; LANES];
            for &i in &inc.units[a..b] {
                if let Some(row) = slab[i * LANES..].first_chunk::<LANES>() {
                    for (s, &v) in acc.iter_mut().zip(row) {
                        *s = s.wrapping_add(v.into());
                    }
                }
            }
            for &i in &inc.units[b..e] {
                if let Some(row) = slab[i * LANES..].first_chunk::<LANES>() {
                    for (s, &v) in acc.iter_mut().zip(row) {
                        *s = s.wrapping_sub(v.into());
                    }
                }
            }
            for (hv, &s) in h[r * n + base..r * n + base + width].iter_mut().zip(&acc) {
                *hv += 2 * i32::from(s);
            }
        }
    }
}
