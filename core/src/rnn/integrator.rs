//! A hand-built network that path-integrates exactly: the deterministic construction behind the
//! firmware demo's blob and the int8-vs-f32 tests, until a trained network replaces it.
//!
//! # Construction (ReLU, no bias, H ≥ 3 units, I = 2)
//! Unit r has a preferred direction u_r = (cos θ_r, sin θ_r), θ_r = 2πr/H, and an offset c > 0:
//!
//! - W_ih = U (row r = u_r), W_hh = I, so while every pre-activation stays positive the ReLU is
//!   the identity and g_t = g_{t−1} + U v_t: **g_t = U x_t + c·1** for a start g₀ = U x₀ + c·1.
//!   It stays positive wherever |u_r·x| < c, i.e. everywhere in a box of half-diagonal < c.
//! - W_enc = U C + c·1 1ᵀ with C the 2 × Np centres: for a place code p with Σp = 1,
//!   W_enc p = U (C p) + c·1, which is g₀ for the code's centre of mass C p ≈ x₀.
//! - W_dec: the evenly spaced u_r give Σ_r u_r = 0 and UᵀU = (H/2)·I₂, so x = (2/H) Uᵀ g and
//!   1 = (1/(Hc)) 1ᵀ g. Row j of W_dec is (2/(Hσ²)) c_jᵀUᵀ − (‖c_j‖²/(2σ²))·(1/(Hc)) 1ᵀ, so
//!   logit_j = (c_j·x − ‖c_j‖²/2)/σ² = −‖x − c_j‖²/(2σ²) + ‖x‖²/(2σ²): a Gaussian place code
//!   (after softmax) centred on the integrated position, and the top-k decoder returns the mean of
//!   the k centres nearest to it.
//!
//! So in f32 the only errors are rounding, the encoder's centre-of-mass bias and the top-k
//! decoder's own floor. This is **not** a trained network and has nothing grid-like about it; it
//! is a known-answer integrator for checking the kernels, the int8 scheme and the firmware.

use crate::error::check_len;
use crate::{Error, Real, Result};

/// Writes the hand-built integrator's weights (module docs) for H = `hidden` units, offset `c`,
/// readout width `sigma` and the Np × 2 `centres`, into `w_ih` (H × 2), `w_hh` (H × H),
/// `w_enc` (H × Np) and `w_dec` (Np × H). Angles θ_r = 2πr/H through `sin_cos` (`libm`).
///
/// Errors: [`Error::InvalidParameter`] for H < 3, c ≤ 0 or σ ≤ 0 (or not finite);
/// [`Error::DimensionMismatch`] for wrong lengths.
///
/// ```
/// use engram_core::rnn::{Activation, Dims, Network, Weights, integrator_weights};
/// let centres = [0.0f64, 0.0, 0.5, 0.0, 0.0, 0.5];
/// let (h, np) = (6, 3);
/// let (mut ih, mut hh, mut enc, mut dec) = (vec![0.0; h * 2], vec![0.0; h * h], vec![0.0; h * np], vec![0.0; np * h]);
/// integrator_weights(h, 1.0, 0.2, &centres, &mut ih, &mut hh, &mut enc, &mut dec)?;
/// let w = Weights { w_ih: &ih, w_hh: &hh, bias: None, w_enc: Some(&enc), w_dec: &dec };
/// let net = Network::new(Dims::new(2, h, np), Activation::Relu, w)?;
/// let mut g0 = vec![0.0; h];
/// net.encode(&[1.0, 0.0, 0.0], &mut g0)?; // start at centre 0, the origin
/// let mut states = vec![0.0; 2 * h];
/// net.sequence(&[0.25, 0.0, 0.25, 0.0], &g0, &mut states)?; // move 0.5 m along x
/// let mut logits = [0.0; 3];
/// net.readout(&states[h..], &mut logits)?;
/// assert!(logits[1] > logits[0] && logits[1] > logits[2]); // nearest centre: (0.5, 0)
/// # Ok::<(), engram_core::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn integrator_weights<T: Real>(
    hidden: usize,
    offset: T,
    sigma: T,
    centres: &[T],
    w_ih: &mut [T],
    w_hh: &mut [T],
    w_enc: &mut [T],
    w_dec: &mut [T],
) -> Result<()> {
    let ok = |x: T| x.is_finite() && x > T::ZERO;
    if hidden < 3 || !ok(offset) || !ok(sigma) {
        return Err(Error::InvalidParameter {
            what: "integrator_weights: need hidden >= 3, offset > 0 and sigma > 0",
        });
    }
    let np = centres.len() / 2;
    check_len("integrator_weights: centres", 2 * np, centres.len())?;
    let h = hidden;
    check_len("integrator_weights: w_ih", 2 * h, w_ih.len())?;
    check_len(
        "integrator_weights: w_hh",
        crate::error::area("integrator_weights: w_hh", h, h)?,
        w_hh.len(),
    )?;
    let hp = crate::error::area("integrator_weights: w_enc", h, np)?;
    check_len("integrator_weights: w_enc", hp, w_enc.len())?;
    check_len("integrator_weights: w_dec", hp, w_dec.len())?;
    let hf = T::from_usize(h);
    let two_pi = T::PI + T::PI;
    for (r, u) in w_ih.chunks_exact_mut(2).enumerate() {
        let (s, c) = (two_pi * T::from_usize(r) / hf).sin_cos();
        if let [ux, uy] = u {
            *ux = c;
            *uy = s;
        }
    }
    for (r, row) in w_hh.chunks_exact_mut(h.max(1)).enumerate() {
        for (j, w) in row.iter_mut().enumerate() {
            *w = if j == r { T::ONE } else { T::ZERO };
        }
    }
    let centre = |j: usize| {
        (
            centres.get(2 * j).copied().unwrap_or(T::ZERO),
            centres.get(2 * j + 1).copied().unwrap_or(T::ZERO),
        )
    };
    if np == 0 {
        return Ok(());
    }
    for (u, row) in w_ih.chunks_exact(2).zip(w_enc.chunks_exact_mut(np.max(1))) {
        let (ux, uy) = (
            u.first().copied().unwrap_or(T::ZERO),
            u.get(1).copied().unwrap_or(T::ZERO),
        );
        for (j, w) in row.iter_mut().enumerate() {
            let (cx, cy) = centre(j);
            *w = ux * cx + uy * cy + offset;
        }
    }
    let s2 = sigma * sigma;
    let two = T::from_f64(2.0);
    for (j, row) in w_dec.chunks_exact_mut(h.max(1)).enumerate() {
        let (cx, cy) = centre(j);
        let lin = two / (hf * s2);
        let konst = (cx * cx + cy * cy) / (two * s2) / (hf * offset);
        for (w, u) in row.iter_mut().zip(w_ih.chunks_exact(2)) {
            let (ux, uy) = (
                u.first().copied().unwrap_or(T::ZERO),
                u.get(1).copied().unwrap_or(T::ZERO),
            );
            *w = lin * (cx * ux + cy * uy) - konst;
        }
    }
    Ok(())
}

/// The centres of an `n × n` regular grid over a box of side `side` centred on the origin: centre
/// (a, b) at ((a + ½)·side/n − side/2, (b + ½)·side/n − side/2), row-major with x fastest.
///
/// Errors: [`Error::DimensionMismatch`] if `out.len() != 2n²`; [`Error::InvalidParameter`] for
/// a side that is not finite and > 0.
///
/// ```
/// use engram_core::rnn::grid_centres;
/// let mut c = [0.0f32; 8];
/// grid_centres(2, 2.0, &mut c)?;
/// assert_eq!(c, [-0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5, 0.5]);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn grid_centres<T: Real>(n: usize, side: T, out: &mut [T]) -> Result<()> {
    if !(side.is_finite() && side > T::ZERO) {
        return Err(Error::InvalidParameter {
            what: "grid_centres: side must be finite and > 0",
        });
    }
    let nn = crate::error::area("grid_centres: out", n, n)?;
    check_len("grid_centres: out", nn.saturating_mul(2), out.len())?;
    let step = side / T::from_usize(n.max(1));
    let half = side / T::from_f64(2.0);
    let at = |k: usize| (T::from_usize(k) + T::from_f64(0.5)) * step - half;
    for (idx, xy) in out.chunks_exact_mut(2).enumerate() {
        if let [x, y] = xy {
            *x = at(idx % n.max(1));
            *y = at(idx / n.max(1));
        }
    }
    Ok(())
}
