//! Batched softmax retrieval on the host: B queries against M stored patterns at once, the modern
//! Hopfield update (Ramsauer et al. 2020) and the Gaussian-KDE mean-shift step (docs/hopfield.md).
//!
//! For a block of queries Q (rows × d) and the patterns X (M × d, row-major):
//!
//! ```text
//! Z = β Q Xᵀ (+ bias_μ per column)      GEMM (faer, runtime AVX2/FMA or AVX-512 dispatch)
//! E = exp(Z − rowmax Z), s = row sums    fast exp, in place: E is the next GEMM's input
//! Q′ = diag(1/s) (E X)                   GEMM, then d scalings per row instead of M
//! ```
//!
//! Queries are processed in fixed blocks of [`ROW_BLOCK`] rows, in parallel on the current rayon
//! pool, each block's GEMMs single-threaded, so a row's result depends only on its block, never on
//! the thread count. The softmax is a [`Kernel`] (AVX-512 where present) that makes two passes
//! over a row of Z (max; exp with Σe and Σe²) and leaves the weights unnormalised: the
//! normalisation moves after the second GEMM, onto d outputs per row instead of M weights. The
//! error model is unchanged: ξ̂′ = fl(fl(Σ_μ ê_μ x_μ) · fl(1/ŝ)) is Σ_μ p̃_μ x_μ with
//! p̃_μ = ê_μ fl(1/ŝ)(1 + δ), the same (1 + u)² per weight as multiplying each weight, and the
//! GEMM's γ_M term gains one factor (1 + u), inside the bound's slack. The block's buffers are
//! reused across blocks.
//!
//! Where the time goes (M = 4096, d = 256, B = 1024, 1 thread, `perf`, before the normalisation
//! moved after the second GEMM): ≈ 80 % in faer's GEMM micro-kernels, ≈ 12 % in faer packing X
//! for each GEMM call (4 MB per call), ≈ 8 % in the softmax. Smaller blocks would keep Z
//! (rows·M·4 bytes) in L2 but repack X more often: 64-row blocks measured ≈ 10 % slower. The bench
//! (`cargo bench -p engram-benches --bench hopfield`) prints the share of the sgemm peak measured in
//! the same run: 94 % on 2 threads, 83 % on 1 (README, Performance).
//!
//! The host path reorders sums, may fuse multiply-adds and uses its own exp, so it differs from the
//! core's [`ModernHopfield::update`](engram_core::hopfield::ModernHopfield::update) within the error
//! model of [`update_bound`], checked by the tests.

use engram_core::Error;
use faer::{MatMut, MatRef};
use rayon::prelude::*;

use crate::simd::{ExpFloat, Kernel, exp_row_sums, run_simd};

/// Queries per block.
pub const ROW_BLOCK: usize = 256;

/// What a step reports per query besides the new state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RowInfo {
    /// ln Σ_μ exp(z_μ), z the logits (with bias).
    pub lse: f64,
    /// Σ_μ p_μ²: the participation ratio is its inverse.
    pub sum_p2: f64,
    /// The pattern with the largest weight (first on a tie).
    pub argmax: usize,
}

/// B queries × M patterns of dimension d, inverse temperature β, optional per-pattern logit bias.
#[derive(Debug, Clone)]
pub struct Batched<'a, T: ExpFloat> {
    x: &'a [T],
    m: usize,
    d: usize,
    beta: T,
    bias: Option<Vec<T>>,
    block: usize,
}

fn check_finite<T: ExpFloat>(what: &'static str, v: &[T]) -> Result<(), Error> {
    if v.iter().all(|x| x.to64().is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite { what })
    }
}

impl<'a, T: ExpFloat> Batched<'a, T> {
    /// The modern network: logits z_μ = β x_μ·ξ, update ξ′ = Xᵀ softmax(z).
    ///
    /// Errors: [`Error::InvalidParameter`] for M = 0, d = 0 or β ≤ 0 (or NaN);
    /// [`Error::DimensionMismatch`] if `x.len() != m·d`; [`Error::NonFinite`] for a NaN/∞ pattern.
    pub fn modern(x: &'a [T], m: usize, d: usize, beta: T) -> Result<Self, Error> {
        let b = beta.to64();
        if !(b.is_finite() && b > 0.0) {
            return Err(Error::InvalidParameter {
                what: "beta must be finite and > 0",
            });
        }
        if m == 0 || d == 0 {
            return Err(Error::InvalidParameter {
                what: "patterns: need at least one pattern of dimension >= 1",
            });
        }
        if x.len() != m * d {
            return Err(Error::DimensionMismatch {
                what: "patterns",
                expected: m * d,
                found: x.len(),
            });
        }
        check_finite("patterns", x)?;
        Ok(Self {
            x,
            m,
            d,
            beta,
            bias: None,
            block: ROW_BLOCK,
        })
    }

    /// The Gaussian KDE with σ² = 1/β: logits z_μ = β x_μ·ξ − (β/2)‖x_μ‖² = −(β/2)‖ξ − x_μ‖² +
    /// (β/2)‖ξ‖², whose softmax is exactly the mean-shift weights (the ξ-only term cancels), so a
    /// step is one mean-shift step ξ′ = Σ_μ w_μ x_μ (Comaniciu & Meer 2002).
    ///
    /// Errors: as [`modern`](Self::modern).
    pub fn kde(x: &'a [T], m: usize, d: usize, beta: T) -> Result<Self, Error> {
        let mut k = Self::modern(x, m, d, beta)?;
        let half_beta = beta.to64() * 0.5;
        k.bias = Some(
            x.chunks_exact(d)
                .map(|r| T::of(-half_beta * r.iter().map(|v| v.to64() * v.to64()).sum::<f64>()))
                .collect(),
        );
        Ok(k)
    }

    /// Queries per block (default [`ROW_BLOCK`]); smaller blocks spread a small batch over more
    /// threads. Results depend on it (the blocking is part of the computation), never on threads.
    pub fn with_block(mut self, rows: usize) -> Self {
        self.block = rows.max(1);
        self
    }

    /// Patterns M.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Dimension d.
    pub fn d(&self) -> usize {
        self.d
    }

    /// One step for every query: `out` (B × d) ← P X with P the row softmax of the logits;
    /// `info` (B) gets each row's log-sum-exp, Σp² and argmax.
    ///
    /// Errors: [`Error::DimensionMismatch`] for lengths that are not B·d, B·d, B;
    /// [`Error::NonFinite`] for a NaN/∞ query.
    pub fn step(&self, q: &[T], out: &mut [T], info: &mut [RowInfo]) -> Result<(), Error> {
        let d = self.d;
        let b = q.len() / d;
        for (what, expected, found) in [
            ("queries", b * d, q.len()),
            ("out", q.len(), out.len()),
            ("info", b, info.len()),
        ] {
            if expected != found {
                return Err(Error::DimensionMismatch {
                    what,
                    expected,
                    found,
                });
            }
        }
        check_finite("queries", q)?;
        q.par_chunks(self.block * d)
            .zip(out.par_chunks_mut(self.block * d))
            .zip(info.par_chunks_mut(self.block))
            .for_each_init(
                || (Vec::new(), Vec::new()),
                |(buf, inv), ((qb, ob), ib)| {
                    self.run_block(qb, ob, ib, buf, inv);
                },
            );
        Ok(())
    }

    fn run_block(
        &self,
        qb: &[T],
        ob: &mut [T],
        ib: &mut [RowInfo],
        buf: &mut Vec<T>,
        inv: &mut Vec<T>,
    ) {
        let (m, d) = (self.m, self.d);
        let rows = qb.len() / d;
        // The first GEMM overwrites the logits: grow the buffer only (no zero fill per block).
        if buf.len() < rows * m {
            buf.resize(rows * m, T::ZERO);
        }
        let buf = &mut buf[..rows * m];
        let lhs = MatRef::from_row_major_slice(qb, rows, d);
        let xt = MatRef::from_column_major_slice(self.x, d, m);
        T::gemm(
            MatMut::from_row_major_slice_mut(&mut *buf, rows, m),
            lhs,
            xt,
            self.beta,
        );
        inv.clear();
        inv.resize(rows, T::ZERO);
        run_simd(Softmax {
            z: &mut *buf,
            m,
            bias: self.bias.as_deref(),
            info: ib,
            inv: &mut *inv,
        });
        T::gemm(
            MatMut::from_row_major_slice_mut(&mut *ob, rows, d),
            MatRef::from_row_major_slice(&*buf, rows, m),
            MatRef::from_row_major_slice(self.x, m, d),
            T::ONE,
        );
        run_simd(Scale {
            out: ob,
            d,
            inv: &*inv,
        });
    }
}

/// Unnormalised row softmax of a block of logits in place (plus the bias, for the KDE), with each
/// row's [`RowInfo`] and 1/Σ: a [`Kernel`], so its loops are compiled with the best instruction
/// set (a closure body can be left out of pulp's `#[target_feature]` function and run as SSE2).
struct Softmax<'a, T> {
    z: &'a mut [T],
    m: usize,
    bias: Option<&'a [T]>,
    info: &'a mut [RowInfo],
    inv: &'a mut [T],
}

/// Each output row times its 1/Σ.
struct Scale<'a, T> {
    out: &'a mut [T],
    d: usize,
    inv: &'a [T],
}

impl<T: ExpFloat> Kernel for Scale<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        for (row, &k) in self.out.chunks_exact_mut(self.d).zip(self.inv) {
            for v in row {
                *v = *v * k;
            }
        }
    }
}

impl<T: ExpFloat> Kernel for Softmax<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let rows = self.z.chunks_exact_mut(self.m).zip(self.info.iter_mut());
        for ((z, info), inv) in rows.zip(self.inv.iter_mut()) {
            if let Some(bias) = self.bias {
                for (v, &c) in z.iter_mut().zip(bias) {
                    *v = *v + c;
                }
            }
            let (top, sum, sq, arg) = exp_row_sums(z);
            *inv = T::ONE / sum;
            let s = sum.to64();
            *info = RowInfo {
                lse: top.to64() + s.ln(),
                sum_p2: sq.to64() / (s * s),
                argmax: arg,
            };
        }
    }
}

/// γₙ = n u / (1 − n u), u = ε/2 (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1):
/// a sum of n terms, or a dot product of length n, in any order, with or without FMA, has absolute
/// error ≤ γₙ Σ|terms|.
pub fn gamma(n: usize, eps: f64) -> f64 {
    let nu = n as f64 * eps / 2.0;
    nu / (1.0 - nu)
}

/// Per-coordinate bound on |host − core| for one modern update ξ′ = Xᵀ softmax(β X ξ): the host's
/// [`Batched::modern`] step against the core's
/// [`ModernHopfield::update`](engram_core::hopfield::ModernHopfield::update), both in `T`, given the
/// core's weights `p_core`.
///
/// The model (u = ε/2, γₙ as in [`gamma`], s_μ = x_μ·ξ exact, p* the exact softmax of β s):
///
/// 1. Logits. Each side computes ẑ_μ = fl(β·ŝ_μ) from a length-d dot in its own order (the host's GEMM
///    may scale a factor first or fuse): |ẑ_μ − β s_μ| ≤ β γ_{d+1} A_μ, A_μ = Σⱼ |x_μⱼ ξⱼ|.
/// 2. Shift. y_μ = fl(ẑ_μ − ẑ_max) adds |η_μ| ≤ u |ẑ_μ − ẑ_max|; softmax is shift-invariant, so
///    only these perturbations matter. Let Λ = max_μ (β γ_{d+1} A_μ + u |z_μ − z_max|) (with 0.1 %
///    slack for evaluating it in f64).
/// 3. exp. Each exp has relative error ≤ kε (core: `libm::expf`, k = 1; host:
///    [`ExpFloat::ULP_BOUND`]) plus an absolute floor [`ExpFloat::TINY`] for underflowed arguments.
/// 4. Normalisation. The sum of M positive terms has relative error ≤ γ_M in any order; the
///    division (core) or reciprocal-and-multiply (host) adds ≤ (1+u)². Together, for each side,
///    |p̂_μ / p*_μ − 1| ≤ r = e^{2Λ}(1+kε)²(1+u)²/(1−γ_M) − 1, up to the absolute floor
///    τ = (M+1)·TINY (the largest weight is e⁰ = 1 exactly on both sides, so Σ ≥ 1).
/// 5. Output. ξ′ⱼ = Σ_μ p̂_μ x_μⱼ has error ≤ γ_M Σ_μ p̂_μ |x_μⱼ| on each side.
///
/// With S̄ⱼ = (Σ_μ p̂^core_μ |x_μⱼ| + τ Σ_μ |x_μⱼ|)/(1 − r_c) ≥ Σ_μ p*_μ |x_μⱼ|:
///
/// ```text
/// |ξ′ⱼ(host) − ξ′ⱼ(core)| ≤ (r_h + r_c + γ_M (2 + r_h + r_c)) · S̄ⱼ + 2 (1 + γ_M) τ Σ_μ |x_μⱼ|
/// ```
///
/// The constants come from the dot length d (γ_{d+1}), the pattern count M (γ_M) and the exp
/// accuracy: no free tolerance. For d = 64, M = 1024, β = 16 in `f32` the relative factor is ≈ 10⁻⁴.
pub fn update_bound<T: ExpFloat>(
    x: &[T],
    m: usize,
    d: usize,
    beta: f64,
    xi: &[T],
    p_core: &[T],
) -> Vec<f64> {
    let eps = T::EPS;
    let u = eps / 2.0;
    let gd = gamma(d + 1, eps);
    let gm = gamma(m, eps);
    let z: Vec<f64> = x
        .chunks_exact(d)
        .map(|r| {
            beta * r
                .iter()
                .zip(xi)
                .map(|(a, b)| a.to64() * b.to64())
                .sum::<f64>()
        })
        .collect();
    let zmax = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lambda = x
        .chunks_exact(d)
        .zip(&z)
        .map(|(r, &zm)| {
            let a: f64 = r
                .iter()
                .zip(xi)
                .map(|(a, b)| (a.to64() * b.to64()).abs())
                .sum();
            beta * gd * a + u * (zmax - zm)
        })
        .fold(0.0f64, f64::max)
        * 1.001;
    let ratio = |k: f64| {
        (2.0 * lambda).exp() * (1.0 + k * eps).powi(2) * (1.0 + u).powi(2) / (1.0 - gm) - 1.0
    };
    let (rh, rc) = (ratio(T::ULP_BOUND), ratio(1.0));
    let tau = (m as f64 + 1.0) * T::TINY;
    (0..d)
        .map(|j| {
            let (mut sp, mut sa) = (0.0f64, 0.0f64);
            for (mu, row) in x.chunks_exact(d).enumerate() {
                let a = row[j].to64().abs();
                sp += p_core[mu].to64() * a;
                sa += a;
            }
            let sbar = (sp + tau * sa) / (1.0 - rc);
            (rh + rc + gm * (2.0 + rh + rc)) * sbar * 1.001 + 2.0 * (1.0 + gm) * tau * sa
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::hopfield::{GaussianKde, ModernHopfield, normalize_rows};
    use engram_core::rng::Rng;

    fn setup(m: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut x = vec![0.0f32; m * d];
        Rng::seed_from_u64(seed).fill_normal(&mut x);
        normalize_rows(&mut x, m, d).unwrap();
        x
    }

    /// Host batched update vs the core reference, every coordinate within the error model, for
    /// retrieval (large β), mixtures (small β) and a batch that is not a multiple of the block.
    #[test]
    fn modern_matches_core_within_error_model() {
        let (m, d, b) = (300usize, 64usize, 150usize);
        let x = setup(m, d, 1);
        let mut q = vec![0.0f32; b * d];
        Rng::seed_from_u64(2).fill_normal(&mut q);
        for (i, row) in q.chunks_exact_mut(d).enumerate() {
            for (v, &t) in row.iter_mut().zip(&x[(i % m) * d..]) {
                *v = t + 0.1 * *v;
            }
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for beta in [0.5f32, 4.0, 16.0, 64.0] {
            let host = Batched::modern(&x, m, d, beta).unwrap();
            let mut out = vec![0.0f32; b * d];
            let mut info = vec![RowInfo::default(); b];
            pool.install(|| host.step(&q, &mut out, &mut info)).unwrap();
            let core = ModernHopfield::new(&x, m, d, beta).unwrap();
            let (mut o, mut p) = (vec![0.0f32; d], vec![0.0f32; m]);
            let mut worst = 0.0f64;
            for (i, xi) in q.chunks_exact(d).enumerate() {
                core.update(xi, &mut o, &mut p).unwrap();
                let bound = update_bound(&x, m, d, f64::from(beta), xi, &p);
                for j in 0..d {
                    let diff = f64::from((out[i * d + j] - o[j]).abs());
                    assert!(
                        diff <= bound[j],
                        "beta {beta} query {i} coord {j}: |Δ| = {diff:e} > bound {:e}",
                        bound[j]
                    );
                    // The bound is tight enough to mean something: below 1e-3 of the scale.
                    assert!(bound[j] < 1e-3, "vacuous bound {:e}", bound[j]);
                    worst = worst.max(diff / bound[j].max(1e-30));
                }
                let sq: f64 = p.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
                assert!((info[i].sum_p2 - sq).abs() <= 1e-4 * sq);
            }
            assert!(worst <= 1.0);
        }
    }

    #[test]
    fn kde_step_matches_core_mean_shift() {
        let (m, d) = (200usize, 8usize);
        let mut x = vec![0.0f64; m * d];
        Rng::seed_from_u64(3).fill_normal(&mut x);
        let beta = 0.7;
        let host = Batched::kde(&x, m, d, beta).unwrap();
        let core = GaussianKde::new(&x, m, d, beta).unwrap();
        let q: Vec<f64> = x[..10 * d].iter().map(|v| v + 0.3).collect();
        let mut out = vec![0.0f64; q.len()];
        let mut info = vec![RowInfo::default(); 10];
        host.step(&q, &mut out, &mut info).unwrap();
        let (mut o, mut w) = (vec![0.0f64; d], vec![0.0f64; m]);
        for (i, xi) in q.chunks_exact(d).enumerate() {
            core.step(xi, &mut o, &mut w).unwrap();
            for j in 0..d {
                assert!((out[i * d + j] - o[j]).abs() < 1e-10, "{i} {j}");
            }
        }
    }

    #[test]
    fn rejects_bad_input() {
        let x = [1.0f32, 0.0];
        assert!(Batched::modern(&x, 1, 2, 0.0).is_err());
        assert!(Batched::modern(&x, 1, 2, -1.0).is_err());
        assert!(Batched::modern(&x, 1, 2, f32::NAN).is_err());
        assert!(matches!(
            Batched::modern(&x, 2, 2, 1.0),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(Batched::modern(&[], 0, 2, 1.0).is_err());
        assert!(matches!(
            Batched::modern(&[f32::NAN, 0.0], 1, 2, 1.0),
            Err(Error::NonFinite { .. })
        ));
        let k = Batched::modern(&x, 1, 2, 1.0).unwrap();
        let mut out = [0.0f32; 2];
        let mut info = [RowInfo::default()];
        assert!(matches!(
            k.step(&[f32::NAN, 1.0], &mut out, &mut info),
            Err(Error::NonFinite { .. })
        ));
        assert!(k.step(&[1.0, 1.0, 1.0], &mut out, &mut info).is_err());
    }
}
