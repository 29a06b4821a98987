//! Backpropagation through time, batched like the forward pass: the readout's gradients are two
//! GEMMs over all T·B rows, ∂W_hh, ∂W_ih and ∂W_enc one GEMM each; only the recurrence
//!
//! ```text
//! ∂Z_t = φ'(·) ⊙ (∂G_t + ∂Z_{t+1} W_hh)       (B × H)(H × H), t = T−1 … 0
//! ```
//!
//! is sequential. Then ∂W_hh = Σ_t ∂Z_tᵀ G_{t−1}, ∂W_ih = Σ_t ∂Z_tᵀ V_t, ∂G₀ = ∂Z₀ W_hh,
//! ∂W_enc = ∂G₀ᵀ P₀. φ' from the stored output g: ReLU 1[g > 0]; tanh 1 − g²; Norm-ReLU
//! (g = r/‖r‖) ∂r = (∂g − g (g·∂g))/‖r‖, then 1[r > 0].

use faer::{Accum, Par};

use super::config::ActivationArg;
use super::forward::Forward;
use rayon::prelude::*;

use super::model::{Float, INPUTS, Params, accumulate_rows, is_positive, view, view_mut};
use super::split::{shares, split_rows, transpose_into};

/// The readout's gradients from ∂L/∂logits `dl` (T·B × Np): ∂W_dec = ∂Lᵀ G into `grads.w_dec`,
/// ∂G = ∂L W_dec into `dg` (T·B × H).
pub fn readout_backward<T: Float>(
    params: &Params<T>,
    fwd: &Forward<T>,
    dl: &[T],
    grads: &mut Params<T>,
    dg: &mut Vec<T>,
    par: Par,
) {
    let (h, p) = (params.shape.h, params.shape.p);
    let n = fwd.b * fwd.t;
    T::mm(
        view_mut(&mut grads.w_dec, p, h),
        Accum::Replace,
        view(dl, n, p).transpose(),
        view(&fwd.s[fwd.b * h..], n, h),
        T::ONE,
        par,
    );
    dg.resize(n * h, T::ZERO);
    T::mm(
        view_mut(dg, n, h),
        Accum::Replace,
        view(dl, n, p),
        view(&params.w_dec, p, h),
        T::ONE,
        par,
    );
}

/// ∂z of one row from ∂g (in place), the row's output g and (Norm-ReLU) its norm.
#[inline]
pub fn activation_backward<T: Float>(act: ActivationArg, g: &[T], norm: T, d: &mut [T]) {
    match act {
        ActivationArg::Relu => {
            for (dv, &gv) in d.iter_mut().zip(g) {
                if !is_positive(gv) {
                    *dv = T::ZERO;
                }
            }
        }
        ActivationArg::Tanh => {
            for (dv, &gv) in d.iter_mut().zip(g) {
                *dv = *dv * (T::ONE - gv * gv);
            }
        }
        ActivationArg::NormRelu => {
            if !is_positive(norm) {
                d.iter_mut().for_each(|v| *v = T::ZERO);
                return;
            }
            let mut dot = T::ZERO;
            for (dv, &gv) in d.iter().zip(g) {
                dot += *dv * gv;
            }
            for (dv, &gv) in d.iter_mut().zip(g) {
                *dv = if gv > T::ZERO {
                    (*dv - gv * dot) / norm
                } else {
                    T::ZERO
                };
            }
        }
    }
}

/// Hidden sizes from which ∂W_hh's GEMM reads a transposed copy of ∂Z.
const TRANSPOSE_FROM: usize = 512;

/// BPTT from ∂L/∂G_t (`dg`, T·B × H, overwritten with ∂Z): fills `grads.w_ih`, `w_hh`, `w_enc`
/// (`w_dec` is the readout's) and adds the weight-decay term 2·wd·W_hh. `dzt` is scratch (∂Zᵀ at
/// large H).
#[allow(clippy::too_many_arguments)]
pub fn recurrent_backward<T: Float>(
    params: &Params<T>,
    act: ActivationArg,
    v: &[T],
    p0: &[T],
    fwd: &Forward<T>,
    dg: &mut [T],
    weight_decay: T,
    grads: &mut Params<T>,
    dzt: &mut Vec<T>,
    par: Par,
) {
    let (h, p) = (params.shape.h, params.shape.p);
    let (b, t) = (fwd.b, fwd.t);
    let n = b * t;
    // The sequential part, each share of the trajectories on its own thread (see `split`).
    let bounds = shares(b, par);
    let w_hh = view(&params.w_hh, h, h);
    split_rows(dg, b, h, &bounds)
        .into_par_iter()
        .zip(bounds.par_windows(2))
        .for_each(|(mut blocks, w)| {
            let (lo, rows) = (w[0], w[1] - w[0]);
            for step in (0..t).rev() {
                let (cur, later) = blocks.split_at_mut(step + 1);
                let cur = &mut *cur[step];
                if let Some(later) = later.first() {
                    accumulate_rows(cur, later, w_hh, rows);
                }
                let first = (step + 1) * b + lo;
                let g = &fwd.s[first * h..(first + rows) * h];
                for (r, (d, gr)) in cur.chunks_exact_mut(h).zip(g.chunks_exact(h)).enumerate() {
                    let norm = fwd.norms.get(step * b + lo + r).copied().unwrap_or(T::ZERO);
                    activation_backward(act, gr, norm, d);
                }
            }
        });
    let dz = &*dg;
    // ∂W_hh = ∂Zᵀ G (H × BT by BT × H). faer is ≈ 2× slower on this product with the transposed
    // view of the row-major ∂Z than with ∂Zᵀ stored row-major once H is large (measured at H 1024:
    // 125 vs 256 GFLOP/s; at H 256 the copy does not pay for itself).
    let lhs = if h >= TRANSPOSE_FROM {
        dzt.resize(n * h, T::ZERO);
        transpose_into(dz, n, h, dzt, par);
        view(dzt, h, n)
    } else {
        view(dz, n, h).transpose()
    };
    T::mm(
        view_mut(&mut grads.w_hh, h, h),
        Accum::Replace,
        lhs,
        view(&fwd.s[..n * h], n, h),
        T::ONE,
        par,
    );
    let two_wd = weight_decay + weight_decay;
    if two_wd != T::ZERO {
        for (gw, &w) in grads.w_hh.iter_mut().zip(&params.w_hh) {
            *gw += two_wd * w;
        }
    }
    T::mm(
        view_mut(&mut grads.w_ih, h, INPUTS),
        Accum::Replace,
        view(dz, n, h).transpose(),
        view(v, n, INPUTS),
        T::ONE,
        par,
    );
    let mut dg0 = vec![T::ZERO; b * h];
    T::mm(
        view_mut(&mut dg0, b, h),
        Accum::Replace,
        view(&dz[..b * h], b, h),
        view(&params.w_hh, h, h),
        T::ONE,
        par,
    );
    T::mm(
        view_mut(&mut grads.w_enc, h, p),
        Accum::Replace,
        view(&dg0, b, h).transpose(),
        view(p0, b, p),
        T::ONE,
        par,
    );
}
