//! The objectives.
//!
//! **Supervised** (Sorscher et al.): the mean over the T·B rows of the softmax cross-entropy
//! −Σⱼ yⱼ log softmax(l)ⱼ = (Σⱼ yⱼ)·logΣₖe^{lₖ} − Σⱼ yⱼlⱼ, plus wd·‖W_hh‖²; its gradient
//! ∂/∂l = (softmax(l)·Σy − y)/(T·B), computed in the same pass over each row (fused: one read of
//! the logits, the shared vectorised softmax, one write of the gradient).
//!
//! **Self-supervised** (Schaeffer et al. 2023, arXiv:2311.02316; their code is not public, so the
//! uncertain parts are options with documented defaults, [`SslLoss`]): over the N = T·B states of a
//! batch (every trajectory a permutation of one velocity sequence) and all ordered pairs i ≠ j, with
//! Dᵢⱼ = ‖gᵢ − gⱼ‖² = Kᵢᵢ + Kⱼⱼ − 2Kᵢⱼ from one Gram GEMM K = G Gᵀ and dᵢⱼ the distance of their
//! true positions (periodic on a torus):
//!
//! ```text
//! separation       L_sep = mean over dᵢⱼ > σ_x       of exp(−Dᵢⱼ / (2σ_g²))
//! path invariance  L_inv = mean over dᵢⱼ ≤ r_inv     of Dᵢⱼ
//! capacity         L_cap = ‖ḡ‖²,  ḡ = mean state     (spread the states over the sphere)
//! L = w_sep·L_sep + w_inv·L_inv + w_cap·L_cap
//! ```
//!
//! With W = ∂L/∂D (symmetric), ∂L/∂G = 4(diag(W·1) G − W G) + 2ḡ·w_cap/N: one more GEMM.

use faer::{Accum, Par};
use rayon::prelude::*;

use super::model::{Float, view, view_mut};
use crate::simd::{Kernel, exp_shifted_sum, lane_max, run_simd};

/// Rows per parallel task.
const ROWS: usize = 32;

/// Mean cross-entropy of the rows of `logits` (n × p) against the targets `y` (n × p); `logits`
/// is replaced by ∂loss/∂logits. Rows run in parallel; the partial sums are added in row order
/// (the result does not depend on the thread count).
pub fn cross_entropy<T: Float>(logits: &mut [T], y: &[T], p: usize) -> f64 {
    let n = logits.len() / p.max(1);
    if n == 0 {
        return 0.0;
    }
    let inv_n = T::of(1.0 / n as f64);
    let partial: Vec<f64> = logits
        .par_chunks_mut(ROWS * p)
        .zip(y.par_chunks(ROWS * p))
        .map(|(logits, y)| {
            run_simd(CrossEntropyRows {
                logits,
                y,
                p,
                inv_n,
            })
        })
        .collect();
    partial.iter().sum::<f64>() / n as f64
}

/// The cross-entropy of a block of rows as one SIMD kernel (see [`crate::simd::Kernel`]).
struct CrossEntropyRows<'a, T> {
    logits: &'a mut [T],
    y: &'a [T],
    p: usize,
    inv_n: T,
}

impl<T: Float> Kernel for CrossEntropyRows<'_, T> {
    type Output = f64;

    #[inline(always)]
    fn run(self) -> f64 {
        let mut s = 0.0f64;
        for (lr, yr) in self
            .logits
            .chunks_exact_mut(self.p)
            .zip(self.y.chunks_exact(self.p))
        {
            // Σ y·l and Σ y over 16 interleaved partial sums (vectorisable, a fixed order).
            let (mut yl16, mut ys16) = ([T::ZERO; 16], [T::ZERO; 16]);
            let mut lc = lr.chunks_exact(16);
            let mut yc = yr.chunks_exact(16);
            for (l16, y16) in (&mut lc).zip(&mut yc) {
                for k in 0..16 {
                    yl16[k] += l16[k] * y16[k];
                    ys16[k] += y16[k];
                }
            }
            for (k, (&a, &b)) in lc.remainder().iter().zip(yc.remainder()).enumerate() {
                yl16[k] += a * b;
                ys16[k] += b;
            }
            let (mut yl, mut ys) = (T::ZERO, T::ZERO);
            for k in 0..16 {
                yl += yl16[k];
                ys += ys16[k];
            }
            // The softmax's exps and sum, then p·Σy − y in the same pass as the normalisation.
            let top = lane_max(lr);
            let sum = exp_shifted_sum(lr, top);
            let lse = top + T::of(sum.to64().ln());
            s += (ys * lse - yl).to64();
            let inv = T::ONE / sum;
            for (a, &b) in lr.iter_mut().zip(yr) {
                *a = (*a * inv * ys - b) * self.inv_n;
            }
        }
        s
    }
}

/// wd·‖W‖² (its gradient 2·wd·W is added by the backward pass).
pub fn l2<T: Float>(w: &[T], weight_decay: f64) -> f64 {
    if weight_decay == 0.0 {
        return 0.0;
    }
    weight_decay * w.iter().map(|&x| x.to64() * x.to64()).sum::<f64>()
}

/// The self-supervised loss's options (defaults from `TrainConfig`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SslLoss {
    /// Pairs farther apart than σ_x (m) are separated.
    pub sigma_x: f64,
    /// Separation scale σ_g of the states.
    pub sigma_g: f64,
    /// Pairs closer than r_inv (m) count as the same place.
    pub inv_radius: f64,
    /// w_sep.
    pub sep: f64,
    /// w_inv.
    pub inv: f64,
    /// w_cap.
    pub cap: f64,
    /// Box side L (m), for periodic distances.
    pub box_size: f64,
    /// Periodic distances.
    pub periodic: bool,
}

/// The terms of the self-supervised loss.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SslTerms {
    /// The weighted total.
    pub total: f64,
    /// L_sep.
    pub sep: f64,
    /// L_inv.
    pub inv: f64,
    /// L_cap.
    pub cap: f64,
    /// Mean D over same-place pairs (NaN if none).
    pub same: f64,
    /// Mean D over separated pairs (NaN if none).
    pub diff: f64,
}

impl SslLoss {
    fn dist(&self, a: &[f32], b: &[f32]) -> f64 {
        let (mut dx, mut dy) = (
            (f64::from(a[0]) - f64::from(b[0])).abs(),
            (f64::from(a[1]) - f64::from(b[1])).abs(),
        );
        if self.periodic {
            dx = dx.min(self.box_size - dx);
            dy = dy.min(self.box_size - dy);
        }
        (dx * dx + dy * dy).sqrt()
    }

    /// The loss of states `g` (n × h) at positions `pos` (n × 2); with `dg`, also ∂L/∂G into it
    /// (n × h). Rows in parallel, partial sums added in row order.
    pub fn eval<T: Float>(
        &self,
        g: &[T],
        h: usize,
        pos: &[f32],
        dg: Option<&mut Vec<T>>,
        par: Par,
    ) -> SslTerms {
        let n = pos.len() / 2;
        let mut k = vec![T::ZERO; n * n];
        T::mm(
            view_mut(&mut k, n, n),
            Accum::Replace,
            view(g, n, h),
            view(g, n, h).transpose(),
            T::ONE,
            par,
        );
        let diag: Vec<f64> = (0..n).map(|i| k[i * n + i].to64()).collect();
        // Pass 1: pair counts and sums (ordered pairs i ≠ j).
        let s2 = 2.0 * self.sigma_g * self.sigma_g;
        let rows: Vec<[f64; 5]> = k
            .par_chunks(n)
            .enumerate()
            .map(|(i, ki)| {
                let mut acc = [0.0f64; 5]; // n_sep, n_inv, Σ exp, Σ D_inv, Σ D_sep
                for (j, &kij) in ki.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    let d = self.dist(&pos[2 * i..2 * i + 2], &pos[2 * j..2 * j + 2]);
                    let dd = diag[i] + diag[j] - 2.0 * kij.to64();
                    if d > self.sigma_x {
                        acc[0] += 1.0;
                        acc[2] += (-dd / s2).exp();
                        acc[4] += dd;
                    } else if d <= self.inv_radius {
                        acc[1] += 1.0;
                        acc[3] += dd;
                    }
                }
                acc
            })
            .collect();
        let mut tot = [0.0f64; 5];
        for r in &rows {
            for (t, v) in tot.iter_mut().zip(r) {
                *t += v;
            }
        }
        let (n_sep, n_inv) = (tot[0], tot[1]);
        let sep = if n_sep > 0.0 { tot[2] / n_sep } else { 0.0 };
        let inv = if n_inv > 0.0 { tot[3] / n_inv } else { 0.0 };
        let mut mean = vec![0.0f64; h];
        for row in g.chunks_exact(h) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v.to64();
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let cap: f64 = mean.iter().map(|m| m * m).sum();
        let terms = SslTerms {
            total: self.sep * sep + self.inv * inv + self.cap * cap,
            sep,
            inv,
            cap,
            same: if n_inv > 0.0 {
                tot[3] / n_inv
            } else {
                f64::NAN
            },
            diff: if n_sep > 0.0 {
                tot[4] / n_sep
            } else {
                f64::NAN
            },
        };
        let Some(dg) = dg else {
            return terms;
        };
        // Pass 2: W = ∂L/∂D in place of K, and its row sums.
        let ws = if n_sep > 0.0 {
            -self.sep / (s2 * n_sep)
        } else {
            0.0
        };
        let wi = if n_inv > 0.0 { self.inv / n_inv } else { 0.0 };
        let rowsum: Vec<f64> = k
            .par_chunks_mut(n)
            .enumerate()
            .map(|(i, ki)| {
                let mut s = 0.0f64;
                for (j, kij) in ki.iter_mut().enumerate() {
                    let mut w = 0.0f64;
                    if j != i {
                        let d = self.dist(&pos[2 * i..2 * i + 2], &pos[2 * j..2 * j + 2]);
                        let dd = diag[i] + diag[j] - 2.0 * kij.to64();
                        if d > self.sigma_x {
                            w = ws * (-dd / s2).exp();
                        } else if d <= self.inv_radius {
                            w = wi;
                        }
                    }
                    *kij = T::of(w);
                    s += w;
                }
                s
            })
            .collect();
        dg.resize(n * h, T::ZERO);
        // ∂G = −4 W G + 4 diag(W·1) G + 2 w_cap ḡ / N.
        T::mm(
            view_mut(dg, n, h),
            Accum::Replace,
            view(&k, n, n),
            view(g, n, h),
            T::of(-4.0),
            par,
        );
        let capg: Vec<T> = mean
            .iter()
            .map(|m| T::of(2.0 * self.cap * m / n as f64))
            .collect();
        for ((d, gr), rs) in dg.chunks_exact_mut(h).zip(g.chunks_exact(h)).zip(&rowsum) {
            let f = T::of(4.0 * rs);
            for ((dv, &gv), &c) in d.iter_mut().zip(gr).zip(&capg) {
                *dv += f * gv + c;
            }
        }
        terms
    }
}
