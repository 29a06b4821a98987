//! The batched forward pass: all B trajectories at once, time-major, with faer GEMMs.
//!
//! ```text
//! G₀ = P₀ W_encᵀ                          (B × Np)(Np × H)     one GEMM
//! Z_t = V_t W_ihᵀ + G_{t−1} W_hhᵀ         (B × 2) fused, then (B × H)(H × H) accumulated: the only
//! G_t = φ(Z_t)                             sequential part
//! L = [G₁; …; G_T] W_decᵀ                 (T·B × H)(H × Np)    one GEMM over every step
//! ```
//!
//! The sequential part runs each share of the B trajectories on its own thread with
//! single-threaded GEMMs ([`super::split`]); the readout's products split their rows across the
//! threads ([`super::model::mm_by_rows`]).
//!
//! φ as the core's `Activation` (ReLU: z > 0 ? z : 0; tanh; Norm-ReLU: r/‖r‖ with ‖r‖ summed in
//! order and one division per element). The host pass differs from the core `Network` only in the
//! order of the sums (and FMA inside the GEMMs): per unit and step |Δz| ≤ K·ε·Σⱼ|aⱼbⱼ| with
//! K = H + 3, propagated through W_hh (tested in `tests.rs`).

use faer::{Accum, Par};

use super::config::ActivationArg;
use rayon::prelude::*;

use super::model::{Float, INPUTS, Params, accumulate_rows, is_positive, view, view_mut};
use super::split::{shares, split_rows};

/// The forward pass's stored activations (reused across steps).
#[derive(Debug, Clone, Default)]
pub struct Forward<T> {
    /// Trajectories B.
    pub b: usize,
    /// Steps T.
    pub t: usize,
    /// States, (T + 1)·B × H: rows 0..B hold G₀, rows (t + 1)·B.. hold G_t after step t.
    pub s: Vec<T>,
    /// Norm-ReLU: ‖ReLU(z)‖ per row of the T·B states (empty for other activations).
    pub norms: Vec<T>,
    /// Readout logits, T·B × Np (empty when no readout was asked for).
    pub logits: Vec<T>,
}

/// φ on one row of pre-activations, in place; returns ‖ReLU(z)‖ for Norm-ReLU (else 0).
#[inline]
pub fn activate<T: Float>(act: ActivationArg, z: &mut [T]) -> T {
    match act {
        ActivationArg::Relu => {
            for v in z.iter_mut() {
                if !is_positive(*v) {
                    *v = T::ZERO;
                }
            }
            T::ZERO
        }
        ActivationArg::Tanh => {
            for v in z.iter_mut() {
                *v = v.tanh();
            }
            T::ZERO
        }
        ActivationArg::NormRelu => {
            let mut sq = T::ZERO;
            for v in z.iter_mut() {
                if !is_positive(*v) {
                    *v = T::ZERO;
                }
                sq += *v * *v;
            }
            let n = sq.sqrt();
            if sq > T::ZERO {
                for v in z.iter_mut() {
                    *v = *v / n;
                }
            }
            n
        }
    }
}

/// Runs the network over a batch: `v` is T·B × 2 (time-major), `p0` B × Np. With `readout`,
/// also the logits of every state.
#[allow(clippy::too_many_arguments)]
pub fn forward<T: Float>(
    params: &Params<T>,
    act: ActivationArg,
    v: &[T],
    p0: &[T],
    b: usize,
    t: usize,
    readout: bool,
    fwd: &mut Forward<T>,
    par: Par,
) {
    let (h, p) = (params.shape.h, params.shape.p);
    fwd.b = b;
    fwd.t = t;
    fwd.s.resize((t + 1) * b * h, T::ZERO);
    fwd.norms.resize(
        if act == ActivationArg::NormRelu {
            t * b
        } else {
            0
        },
        T::ZERO,
    );
    // G₀ = P₀ W_encᵀ.
    T::mm(
        view_mut(&mut fwd.s[..b * h], b, h),
        Accum::Replace,
        view(p0, b, p),
        view(&params.w_enc, h, p).transpose(),
        T::ONE,
        par,
    );
    // The recurrence, each share of the trajectories on its own thread (see `split`).
    let bounds = shares(b, par);
    let w_hh = view(&params.w_hh, h, h).transpose();
    let states = split_rows(&mut fwd.s, b, h, &bounds);
    let mut norms = split_rows(&mut fwd.norms, b, 1, &bounds);
    norms.resize_with(states.len(), Vec::new);
    states
        .into_par_iter()
        .zip(norms)
        .zip(bounds.par_windows(2))
        .for_each(|((mut states, mut norms), w)| {
            let (lo, rows) = (w[0], w[1] - w[0]);
            for step in 0..t {
                let (prev, next) = states.split_at_mut(step + 1);
                let (prev, next) = (&*prev[step], &mut *next[0]);
                // V_t W_ihᵀ, fused (I = 2).
                let vin = &v[(step * b + lo) * INPUTS..(step * b + lo + rows) * INPUTS];
                for (row, vin) in next.chunks_exact_mut(h).zip(vin.chunks_exact(INPUTS)) {
                    for (z, w) in row.iter_mut().zip(params.w_ih.chunks_exact(INPUTS)) {
                        *z = w[0] * vin[0] + w[1] * vin[1];
                    }
                }
                accumulate_rows(next, prev, w_hh, rows);
                let mut step_norms = norms.get_mut(step);
                for (r, row) in next.chunks_exact_mut(h).enumerate() {
                    let n = activate(act, row);
                    if let Some(slot) = step_norms.as_mut().and_then(|s| s.get_mut(r)) {
                        *slot = n;
                    }
                }
            }
        });
    if readout {
        fwd.logits.resize(t * b * p, T::ZERO);
        T::mm(
            view_mut(&mut fwd.logits, t * b, p),
            Accum::Replace,
            view(&fwd.s[b * h..], t * b, h),
            view(&params.w_dec, p, h).transpose(),
            T::ONE,
            par,
        );
    } else {
        fwd.logits.clear();
    }
}
