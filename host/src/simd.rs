//! The host's shared SIMD pieces: runtime dispatch (pulp: AVX2/FMA, AVX-512 where present) and a
//! vectorisable eˣ with a fused row softmax, used by every family's host fast path (the modern
//! Hopfield retrieval and the binary kernels today; the recurrent-network trainer next).
//!
//! A vectorisable eˣ for the host's softmax (the core's reference uses `libm`, one call per
//! element, which would dominate a batched retrieval). Branch-free Cody–Waite range reduction and a
//! Taylor polynomial, written as plain loops over fixed-width chunks so that LLVM vectorises them
//! inside pulp's runtime dispatch (AVX2/FMA here).
//!
//! x = n ln 2 + r with n = round(x / ln 2), |r| ≤ ln 2 / 2 (ln 2 split into a high part with
//! trailing zero bits and a low part, so n·ln2_hi is exact); eʳ by Horner on the Taylor series
//! (degree 7 for `f32`, 13 for `f64`: truncation below 2⁻²⁶ resp. 2⁻⁵⁵ relative), then the result is
//! scaled by 2ⁿ through the exponent bits. Inputs are clamped to the normal range; arguments below
//! it return exactly 0, i.e. an absolute error below [`ExpFloat::TINY`] (2⁻¹²⁵ resp. 2⁻¹⁰²¹), which
//! the error models carry as an absolute term. Returning 0 rather than e^(clamp) matters for speed:
//! e^(clamp) times any weight below 1 is subnormal, and every arithmetic operation on a subnormal
//! takes a microcode assist (≈ 100 cycles on x86) — measured 4× on the place code, whose distant
//! cells all underflow.
//!
//! Accuracy (measured by the tests over the whole clamped range against `f64`/`libm`):
//! ≤ 0.8 ulp (`f32`) and ≤ 2 ulp (`f64`); the error models use [`ExpFloat::ULP_BOUND`] = 3 ulp.

/// The float types with a fast exp.
pub trait ExpFloat:
    Copy
    + Send
    + Sync
    + PartialOrd
    + std::fmt::Debug
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + 'static
{
    /// Relative error bound of [`fast_exp`](Self::fast_exp), in units of [`EPS`](Self::EPS).
    const ULP_BOUND: f64;
    /// Machine epsilon.
    const EPS: f64;
    /// Smallest positive normal number (the absolute error floor of underflowing arguments).
    const TINY: f64;
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// eˣ.
    fn fast_exp(x: Self) -> Self;
    /// Converts from `f64` (rounding).
    fn of(x: f64) -> Self;
    /// Widens to `f64`.
    fn to64(self) -> f64;
    /// dst ← α · lhs · rhs (faer, single-threaded: the callers parallelise over fixed row blocks).
    fn gemm(dst: MatMut<'_, Self>, lhs: MatRef<'_, Self>, rhs: MatRef<'_, Self>, alpha: Self);
}

use faer::{Accum, MatMut, MatRef, Par};

/// Clamps x, then x = n ln 2 + r with n = round(x log₂e) by the "magic number" trick: adding
/// 1.5·2^(mantissa bits) rounds to an integer (ties to even) held in the low mantissa bits, so n
/// and 2ⁿ come from integer operations on the bits (no float→int conversion: every step vectorises).
/// Also returns whether x was below the range (the caller returns 0 then).
macro_rules! reduce {
    ($x:expr, $lo:expr, $hi:expr, $log2e:expr, $magic:expr, $ln2hi:expr, $ln2lo:expr) => {{
        let x = $x;
        let under = x < $lo;
        let x = if under { $lo } else { x };
        let x = if x > $hi { $hi } else { x };
        let t = x * $log2e + $magic;
        let n = t - $magic;
        let r = (x - n * $ln2hi) - n * $ln2lo;
        (t, r, under)
    }};
}

impl ExpFloat for f32 {
    const ULP_BOUND: f64 = 3.0;
    const EPS: f64 = f32::EPSILON as f64;
    const TINY: f64 = 2.350_988_7e-38; // 2^-125 > e^-87 (the clamp)
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;

    #[inline(always)]
    fn fast_exp(x: f32) -> f32 {
        // ln2_hi has 16 trailing zero bits: n·ln2_hi is exact for |n| < 2^8.
        const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
        let (t, r, under) = reduce!(
            x,
            -87.0f32,
            88.0f32,
            std::f32::consts::LOG2_E,
            MAGIC,
            0.693_145_75f32,
            1.428_606_8e-6f32
        );
        let p = 1.0
            + r * (1.0
                + r * (0.5
                    + r * (1.0 / 6.0
                        + r * (1.0 / 24.0
                            + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
        // n = t_bits − MAGIC_bits (exact: |n| ≤ 127 sits in the low mantissa bits).
        let bits = t.to_bits().wrapping_sub(MAGIC.to_bits()).wrapping_add(127) << 23;
        let e = p * f32::from_bits(bits);
        if under { 0.0 } else { e }
    }

    fn of(x: f64) -> f32 {
        x as f32
    }

    fn to64(self) -> f64 {
        f64::from(self)
    }

    fn gemm(dst: MatMut<'_, Self>, lhs: MatRef<'_, Self>, rhs: MatRef<'_, Self>, alpha: Self) {
        faer::linalg::matmul::matmul(dst, Accum::Replace, lhs, rhs, alpha, Par::Seq);
    }
}

impl ExpFloat for f64 {
    const ULP_BOUND: f64 = 3.0;
    const EPS: f64 = f64::EPSILON;
    const TINY: f64 = 4.450_147_717_014_403e-308; // 2^-1021 > e^-708 (the clamp)
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;

    #[inline(always)]
    fn fast_exp(x: f64) -> f64 {
        // fdlibm's split of ln 2: ln2_hi has 32 trailing zero bits.
        const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
        let (t, r, under) = reduce!(
            x,
            -708.0f64,
            709.0f64,
            std::f64::consts::LOG2_E,
            MAGIC,
            6.931_471_803_691_238e-1_f64,
            1.908_214_929_270_587_7e-10f64
        );
        let mut p = 1.0 / 6_227_020_800.0; // 1/13!
        for c in [
            1.0 / 479_001_600.0,
            1.0 / 39_916_800.0,
            1.0 / 3_628_800.0,
            1.0 / 362_880.0,
            1.0 / 40_320.0,
            1.0 / 5_040.0,
            1.0 / 720.0,
            1.0 / 120.0,
            1.0 / 24.0,
            1.0 / 6.0,
            0.5,
            1.0,
            1.0,
        ] {
            p = p * r + c;
        }
        let bits = t.to_bits().wrapping_sub(MAGIC.to_bits()).wrapping_add(1023) << 52;
        let e = p * f64::from_bits(bits);
        if under { 0.0 } else { e }
    }

    fn of(x: f64) -> f64 {
        x
    }

    fn to64(self) -> f64 {
        self
    }

    fn gemm(dst: MatMut<'_, Self>, lhs: MatRef<'_, Self>, rhs: MatRef<'_, Self>, alpha: Self) {
        faer::linalg::matmul::matmul(dst, Accum::Replace, lhs, rhs, alpha, Par::Seq);
    }
}

/// Runs `op` compiled for the best instruction set here: AVX-512 (x86-64-v4: 16 `f32` lanes, vector
/// popcounts) where present, else pulp's default dispatch (AVX2/FMA, or scalar).
///
/// Only code inlined into pulp's `#[target_feature]` function gets those features. A closure's body
/// is a function of its own that LLVM may decline to inline when it is large (a loop nest calling
/// several `#[inline(always)]` helpers): it then runs as baseline SSE2 code — measured here on the
/// place-code kernel, 8× slower. So hot kernels implement [`pulp::WithSimd`] on a struct with an
/// `#[inline(always)] fn with_simd` (see [`Kernel`]); closures are for small bodies.
#[inline(always)]
pub fn best_simd<Op: pulp::WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V4::try_new() {
        return pulp::Simd::vectorize(simd, op);
    }
    pulp::Arch::new().dispatch(op)
}

/// A kernel whose [`run`](Kernel::run) is compiled with the best instruction set by [`run_simd`].
/// Implementations mark `run` `#[inline(always)]`: that is what puts its loops inside the
/// `#[target_feature]` function (a closure gives no such guarantee, see [`best_simd`]).
pub trait Kernel {
    /// What the kernel returns.
    type Output;
    /// The kernel's body (mark it `#[inline(always)]`).
    fn run(self) -> Self::Output;
}

struct KernelOp<K>(K);

impl<K: Kernel> pulp::WithSimd for KernelOp<K> {
    type Output = K::Output;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> K::Output {
        self.0.run()
    }
}

/// Runs a [`Kernel`] compiled for the best instruction set here (as [`best_simd`]).
#[inline(always)]
pub fn run_simd<K: Kernel>(kernel: K) -> K::Output {
    best_simd(KernelOp(kernel))
}

#[cfg(target_arch = "x86_64")]
pulp::simd_type! {
    /// x86-64-v4 (pulp's `V4` features) plus AVX-512 VPOPCNTDQ: `count_ones` of 8 `u64` lanes in
    /// one instruction (Ice Lake and later; without it LLVM counts bits by nibble lookups).
    pub struct V4Popcnt {
        pub sse: "sse",
        pub sse2: "sse2",
        pub fxsr: "fxsr",
        pub sse3: "sse3",
        pub ssse3: "ssse3",
        pub sse4_1: "sse4.1",
        pub sse4_2: "sse4.2",
        pub popcnt: "popcnt",
        pub avx: "avx",
        pub avx2: "avx2",
        pub bmi1: "bmi1",
        pub bmi2: "bmi2",
        pub fma: "fma",
        pub lzcnt: "lzcnt",
        pub avx512f: "avx512f",
        pub avx512bw: "avx512bw",
        pub avx512cd: "avx512cd",
        pub avx512dq: "avx512dq",
        pub avx512vl: "avx512vl",
        pub avx512vpopcntdq: "avx512vpopcntdq",
    }
}

struct KernelCall<K>(K);

impl<K: Kernel> pulp::NullaryFnOnce for KernelCall<K> {
    type Output = K::Output;

    #[inline(always)]
    fn call(self) -> K::Output {
        self.0.run()
    }
}

/// Runs a popcount-heavy [`Kernel`] with vector popcounts where present ([`V4Popcnt`]), else as
/// [`run_simd`].
#[inline(always)]
pub fn run_simd_popcnt<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = V4Popcnt::try_new() {
        return simd.vectorize(KernelCall(kernel));
    }
    run_simd(kernel)
}

/// The unnormalised softmax of a row in one exp pass: zᵢ ← e^(zᵢ − max z); returns (max z,
/// Σᵢ e^(zᵢ − max z), Σᵢ e^(2(zᵢ − max z)), first index of the max), the sums over 16 interleaved
/// partial sums. For a caller that applies 1/Σ later (the modern retrieval scales its d outputs
/// instead of its M weights): one pass over the row fewer than normalising in place.
#[inline(always)]
pub fn exp_row_sums<T: ExpFloat>(z: &mut [T]) -> (T, T, T, usize) {
    let (top, arg) = max_arg(z);
    let mut acc = [T::ZERO; 16];
    let mut sq = [T::ZERO; 16];
    let mut chunks = z.chunks_exact_mut(16);
    for c in &mut chunks {
        for ((a, q), v) in acc.iter_mut().zip(sq.iter_mut()).zip(c.iter_mut()) {
            *v = T::fast_exp(*v - top);
            *a = *a + *v;
            *q = *q + *v * *v;
        }
    }
    for ((a, q), v) in acc
        .iter_mut()
        .zip(sq.iter_mut())
        .zip(chunks.into_remainder())
    {
        *v = T::fast_exp(*v - top);
        *a = *a + *v;
        *q = *q + *v * *v;
    }
    (top, fold(&acc), fold(&sq), arg)
}

/// Row softmax in place: zᵢ ← e^(zᵢ − max z) / Σ (the exp pass of [`exp_shifted_sum`], then
/// one multiply by 1/Σ per element); returns ln Σᵢ e^(zᵢ) of the input. For callers that need only the probabilities (place codes, cross-entropy).
#[inline(always)]
pub fn softmax_lse<T: ExpFloat>(z: &mut [T]) -> T {
    let top = lane_max(z);
    let sum = exp_shifted_sum(z, top);
    let inv = T::ONE / sum;
    for v in z.iter_mut() {
        *v = *v * inv;
    }
    top + T::of(sum.to64().ln())
}

/// zᵢ ← e^(zᵢ − shift) in place; returns Σᵢ over 16 interleaved partial sums (lane k sums
/// elements k, k + 16, …; the lanes are then folded in a fixed order).
#[inline(always)]
pub fn exp_shifted_sum<T: ExpFloat>(z: &mut [T], shift: T) -> T {
    let mut acc = [T::ZERO; 16];
    let mut chunks = z.chunks_exact_mut(16);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c.iter_mut()) {
            *v = T::fast_exp(*v - shift);
            *a = *a + *v;
        }
    }
    for (a, v) in acc.iter_mut().zip(chunks.into_remainder()) {
        *v = T::fast_exp(*v - shift);
        *a = *a + *v;
    }
    fold(&acc)
}

/// The largest element over 16 lanes (vectorisable; the same value as a sequential max when no
/// element is NaN). `z` must not be empty (−∞ is returned for an empty slice).
#[inline(always)]
pub fn lane_max<T: ExpFloat>(z: &[T]) -> T {
    lane_fold(
        z,
        T::of(f64::NEG_INFINITY),
        |a, b| if b > a { b } else { a },
    )
}

/// The smallest element over 16 lanes (as [`lane_max`]); +∞ for an empty slice.
#[inline(always)]
pub fn lane_min<T: ExpFloat>(z: &[T]) -> T {
    lane_fold(z, T::of(f64::INFINITY), |a, b| if b < a { b } else { a })
}

#[inline(always)]
fn lane_fold<T: ExpFloat>(z: &[T], empty: T, pick: impl Fn(T, T) -> T) -> T {
    let Some(&first) = z.first() else {
        return empty;
    };
    let mut best = [first; 16];
    let mut chunks = z.chunks_exact(16);
    for c in &mut chunks {
        for (b, &v) in best.iter_mut().zip(c) {
            *b = pick(*b, v);
        }
    }
    let mut top = best[0];
    for &b in &best[1..] {
        top = pick(top, b);
    }
    for &v in chunks.remainder() {
        top = pick(top, v);
    }
    top
}

/// (max, first index of the max), lane-wise over 16 interleaved lanes (vectorisable).
#[inline(always)]
fn max_arg<T: ExpFloat>(z: &[T]) -> (T, usize) {
    let mut best = [z[0]; 16];
    let mut idx = [0u32; 16];
    let mut chunks = z.chunks_exact(16);
    let mut base = 0u32;
    for c in &mut chunks {
        for k in 0..16 {
            let v = c[k];
            let better = v > best[k];
            best[k] = if better { v } else { best[k] };
            idx[k] = if better { base + k as u32 } else { idx[k] };
        }
        base += 16;
    }
    let (mut top, mut arg) = (best[0], idx[0] as usize);
    for k in 1..16 {
        if best[k] > top || (best[k] == top && (idx[k] as usize) < arg) {
            top = best[k];
            arg = idx[k] as usize;
        }
    }
    for (i, &v) in chunks.remainder().iter().enumerate() {
        if v > top {
            top = v;
            arg = base as usize + i;
        }
    }
    (top, arg)
}

#[inline(always)]
fn fold<T: ExpFloat>(a: &[T; 16]) -> T {
    let mut s = T::ZERO;
    for &v in a {
        s = s + v;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulp_err_f32(x: f32) -> f64 {
        let exact = (x as f64).exp();
        ((f32::fast_exp(x) as f64 - exact) / exact).abs() / f32::EPSILON as f64
    }

    #[test]
    fn f32_within_bound() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            worst = worst.max(ulp_err_f32(x));
            x += 0.000_731;
        }
        for x in [0.0f32, -0.0, 1e-30, -1e-7, 0.346_57, -0.346_57, 88.0, -87.0] {
            worst = worst.max(ulp_err_f32(x));
        }
        eprintln!("f32 fast_exp worst {worst} ulp");
        assert!(worst <= f32::ULP_BOUND, "worst {worst} ulp");
        assert_eq!(f32::fast_exp(0.0), 1.0);
        assert_eq!(f32::fast_exp(-1000.0), 0.0);
        assert_eq!(f32::fast_exp(-87.5), 0.0);
        assert!(f64::from(f32::fast_exp(-87.0)) <= f32::TINY);
        assert!(f32::fast_exp(f32::NAN).is_nan());
        assert_eq!(f64::fast_exp(-1000.0), 0.0);
    }

    #[test]
    fn f64_within_bound() {
        let mut worst = 0.0f64;
        let mut x = -700.0f64;
        while x < 700.0 {
            // The system exp is within 1 ulp: compare against it and allow for that.
            let e = x.exp();
            worst = worst.max(((f64::fast_exp(x) - e) / e).abs() / f64::EPSILON - 1.0);
            x += 0.003_17;
        }
        eprintln!("f64 fast_exp worst {worst} ulp (+1)");
        assert!(worst <= f64::ULP_BOUND, "worst {worst} ulp");
    }

    #[test]
    fn row_softmax_sums_to_one() {
        let orig: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin() * 5.0).collect();
        let want: f64 = orig.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
        let argmax = (0..37)
            .max_by(|&a, &b| orig[a].partial_cmp(&orig[b]).unwrap())
            .unwrap();
        // Normalised in place.
        let mut z = orig.clone();
        let lse = softmax_lse(&mut z);
        assert!((z.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!((lse as f64 - want).abs() < 1e-5);
        // Unnormalised, with Σe and Σe²: the same weights once divided by Σe.
        let mut e = orig.clone();
        let (top, sum, sq, arg) = exp_row_sums(&mut e);
        assert_eq!(arg, argmax);
        assert_eq!(top, orig[argmax]);
        assert!(((top + sum.ln()) as f64 - want).abs() < 1e-5);
        assert!((sq - e.iter().map(|v| v * v).sum::<f32>()).abs() < 1e-5);
        for (a, b) in e.iter().zip(&z) {
            assert!((a / sum - b).abs() < 1e-6);
        }
    }
}
