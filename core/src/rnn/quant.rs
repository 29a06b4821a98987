//! Int8 weights with 16-bit activations ("16x8"): [`QuantMatrix`], [`quantize_rows`],
//! [`QuantNetwork`] and the calibration of activation scales ([`ActScales`]).
//!
//! # The scheme (see `docs/rnn.md`)
//! - **Weights**: symmetric, per output row r: s_r = maxⱼ |W[r,j]| / 127 and
//!   q[r,j] = round(W[r,j] / s_r) ∈ [−127, 127] (`libm::roundf`, half away from zero; s_r = 0 and
//!   q = 0 for an all-zero row). A quarter of f32's flash, plus one f32 scale per row.
//! - **Activations**: symmetric, per tensor, 16-bit: the input v with scale a_v and the state g with
//!   a_g, calibrated from an f32 run ([`ActScales::calibrate`]): a = headroom · max|x| / 32767.
//!   q(x) = clamp(round(x · (1/a)), −32767, 32767), with 1/a computed once.
//! - **Products** q_w · q_a are at most 127 · 32767 = 4 161 409 in magnitude, so up to
//!   [`I32_CHUNK`] = 516 of them sum exactly in `i32`; longer rows sum exactly in `i64` from
//!   `i32` chunks of 516, in index order. Integer sums are exact, so their order does not matter.
//! - **Rescale**, one per output: z_r = (s_ih[r]·a_v)·Σ_ih + (s_hh[r]·a_g)·Σ_hh + b_r in f32 (each
//!   integer sum converted with one rounding, `as f32`), then φ in f32 ([`Activation::apply`]),
//!   then g quantized with a_g for the next step. Readout: logit_j = (s_dec[j]·a_g)·Σ_dec.
//! - **Encoder** (once per trajectory): g₀[r] = s_enc[r] · Σⱼ (q_enc[r,j] as f32)·pⱼ in f32,
//!   sequential in j, then quantized with a_g.
//!
//! Why 16-bit activations and not 8: a path-integrating state moves by a fraction of a centimetre
//! per step, and 8-bit state codes round part of every step away. Measured on the hand-built
//! integrator (H = 64, 144 place cells, 300 trajectories of 20 steps): mean decoding error f32
//! 6.15 cm, int8 weights with 16-bit activations 6.10 cm, with 8-bit activations 7.08 cm. The
//! MAC count is the same and the state costs H more bytes. This is
//! TFLite's "16x8" mode (int16 activations, int8 weights).

use super::{Activation, Dims};
use crate::error::check_len;
use crate::softmax::check_finite;
use crate::{Error, Result};

/// Largest weight code magnitude.
pub const Q_MAX_W: i32 = 127;
/// Largest activation code magnitude.
pub const Q_MAX_A: i32 = 32767;
/// Terms whose products sum exactly in `i32`: ⌊(2³¹ − 1) / (127 · 32767)⌋ = 516.
pub const I32_CHUNK: usize = 516;

const _: () = assert!((I32_CHUNK as i64) * 127 * 32767 <= i32::MAX as i64);
const _: () = assert!((I32_CHUNK as i64 + 1) * 127 * 32767 > i32::MAX as i64);

/// A row-major int8 matrix with one f32 scale per row: W ≈ diag(s) · q.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantMatrix<'a> {
    /// Codes, rows × cols, each in [−127, 127].
    pub q: &'a [i8],
    /// Per-row scales, finite and ≥ 0.
    pub scale: &'a [f32],
}

impl QuantMatrix<'_> {
    /// Checks the shape, the code range (−128 is rejected) and the scales.
    pub(crate) fn check(&self, what: &'static str, rows: usize, cols: usize) -> Result<()> {
        check_len(what, crate::error::area(what, rows, cols)?, self.q.len())?;
        check_len(what, rows, self.scale.len())?;
        if self.q.contains(&i8::MIN) {
            return Err(Error::InvalidParameter {
                what: "QuantMatrix: code -128 (codes are in [-127, 127])",
            });
        }
        check_finite(what, self.scale)?;
        if self.scale.iter().any(|&s| s < 0.0) {
            return Err(Error::InvalidParameter {
                what: "QuantMatrix: negative scale",
            });
        }
        Ok(())
    }
}

/// Quantizes a row-major `rows × cols` f32 matrix `w` to int8 codes `q` and per-row scales
/// `scale` (the scheme in the module docs). Returns the largest absolute reconstruction error
/// |s_r·q[r,j] − W[r,j]|, which is at most s_r / 2 per row.
///
/// Errors: [`Error::DimensionMismatch`] for inconsistent lengths; [`Error::NonFinite`] for a NaN
/// or ±∞ in `w`.
///
/// ```
/// use engram_core::rnn::quantize_rows;
/// let w = [1.0f32, -0.5, 0.25, 0.0, 0.0, 0.0];
/// let (mut q, mut s) = ([0i8; 6], [0.0f32; 2]);
/// let err = quantize_rows(&w, 2, 3, &mut q, &mut s)?;
/// assert_eq!(q, [127, -64, 32, 0, 0, 0]);
/// assert_eq!(s, [1.0 / 127.0, 0.0]);
/// assert!(err <= s[0] / 2.0);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn quantize_rows(
    w: &[f32],
    rows: usize,
    cols: usize,
    q: &mut [i8],
    scale: &mut [f32],
) -> Result<f32> {
    let n = crate::error::area("quantize_rows: w", rows, cols)?;
    check_len("quantize_rows: w", n, w.len())?;
    check_len("quantize_rows: q", n, q.len())?;
    check_len("quantize_rows: scale", rows, scale.len())?;
    check_finite("quantize_rows: w", w)?;
    if cols == 0 {
        scale.fill(0.0);
        return Ok(0.0);
    }
    let mut worst = 0.0f32;
    for ((wr, qr), s) in w
        .chunks_exact(cols.max(1))
        .zip(q.chunks_exact_mut(cols.max(1)))
        .zip(scale.iter_mut())
    {
        let max = wr
            .iter()
            .fold(0.0f32, |m, &x| libm::fmaxf(m, libm::fabsf(x)));
        *s = max / Q_MAX_W as f32;
        for (c, &x) in qr.iter_mut().zip(wr) {
            *c = if *s > 0.0 {
                (libm::roundf(x / *s) as i32).clamp(-Q_MAX_W, Q_MAX_W) as i8
            } else {
                0
            };
            worst = libm::fmaxf(worst, libm::fabsf(*s * f32::from(*c) - x));
        }
    }
    Ok(worst)
}

/// q(x) = clamp(round(x · inv), −32767, 32767).
#[inline]
pub(crate) fn quantize_act(x: f32, inv: f32) -> i16 {
    (libm::roundf(x * inv) as i32).clamp(-Q_MAX_A, Q_MAX_A) as i16
}

/// Σⱼ q[j]·a[j] exactly: `i32` partial sums over chunks of [`I32_CHUNK`], added into an `i64`.
#[inline]
pub(crate) fn dot_i8_i16(q: &[i8], a: &[i16]) -> i64 {
    let mut total = 0i64;
    for (qc, ac) in q.chunks(I32_CHUNK).zip(a.chunks(I32_CHUNK)) {
        let mut s = 0i32;
        for (&w, &x) in qc.iter().zip(ac) {
            s = s.wrapping_add(i32::from(w) * i32::from(x));
        }
        total += i64::from(s);
    }
    total
}

/// Per-tensor activation scales of a [`QuantNetwork`]: a real value x is represented by the
/// 16-bit code q(x) with x ≈ a · q.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ActScales {
    /// a_v, the input (velocity) scale, finite and > 0.
    pub input: f32,
    /// a_g, the state scale, finite and > 0.
    pub state: f32,
}

impl ActScales {
    /// Scales from the largest magnitudes seen in a calibration run of the f32 network:
    /// a = headroom · max|x| / 32767 (headroom ≥ 1 leaves room for larger values than seen; values
    /// beyond it saturate). A maximum of 0 gives the scale 1/32767.
    ///
    /// Errors: [`Error::InvalidParameter`] for a headroom < 1 or a negative maximum;
    /// [`Error::NonFinite`] for a non-finite argument.
    ///
    /// ```
    /// use engram_core::rnn::ActScales;
    /// let a = ActScales::calibrate(0.05, 3.0, 1.0)?;
    /// assert_eq!(a.state, 3.0 / 32767.0);
    /// # Ok::<(), engram_core::Error>(())
    /// ```
    pub fn calibrate(max_input: f32, max_state: f32, headroom: f32) -> Result<Self> {
        check_finite("ActScales: arguments", &[max_input, max_state, headroom])?;
        if headroom.partial_cmp(&1.0).is_none_or(|o| o.is_lt())
            || max_input < 0.0
            || max_state < 0.0
        {
            return Err(Error::InvalidParameter {
                what: "ActScales: need headroom >= 1 and maxima >= 0",
            });
        }
        let scale = |m: f32| {
            if m > 0.0 {
                headroom * m / Q_MAX_A as f32
            } else {
                1.0 / Q_MAX_A as f32
            }
        };
        Ok(Self {
            input: scale(max_input),
            state: scale(max_state),
        })
    }

    fn check(&self) -> Result<()> {
        check_finite("ActScales", &[self.input, self.state])?;
        if self.input > 0.0 && self.state > 0.0 {
            // 1/a must be finite too.
            if (1.0 / self.input).is_finite() && (1.0 / self.state).is_finite() {
                return Ok(());
            }
        }
        Err(Error::InvalidParameter {
            what: "ActScales: scales must be > 0 with finite inverses",
        })
    }
}

/// Borrowed int8 weights of a [`QuantNetwork`] (the same tensors as
/// [`Weights`](super::Weights), quantized per row; the bias stays f32).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantWeights<'a> {
    /// W_ih, H × I.
    pub w_ih: QuantMatrix<'a>,
    /// W_hh, H × H.
    pub w_hh: QuantMatrix<'a>,
    /// b (f32), H, if any.
    pub bias: Option<&'a [f32]>,
    /// W_enc, H × Np, if any.
    pub w_enc: Option<QuantMatrix<'a>>,
    /// W_dec, Np × H.
    pub w_dec: QuantMatrix<'a>,
}

/// The recurrent network of [`Network`](super::Network) with int8 weights and 16-bit activations
/// (the scheme in the module docs). States are `i16` codes; g ≈ a_g · q.
///
/// ```
/// use engram_core::rnn::{ActScales, Activation, Dims, QuantMatrix, QuantNetwork, QuantWeights};
/// // One input, one perfect integrator unit, one logit.
/// let one = QuantMatrix { q: &[127], scale: &[1.0 / 127.0] };
/// let w = QuantWeights { w_ih: one, w_hh: one, bias: None, w_enc: None, w_dec: one };
/// let scales = ActScales { input: 1.0 / 1024.0, state: 1.0 / 1024.0 };
/// let net = QuantNetwork::new(Dims::new(1, 1, 1), Activation::Relu, w, scales)?;
/// let (mut g, mut qv, mut z) = ([0i16; 1], [0i16; 1], [0.0f32; 1]);
/// net.step(&[0.5], &[100], &mut g, &mut qv, &mut z)?;
/// assert_eq!(g, [612]); // 100 + 0.5 · 1024
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantNetwork<'a> {
    dims: Dims,
    activation: Activation,
    w: QuantWeights<'a>,
    scales: ActScales,
    inv_input: f32,
    inv_state: f32,
}

impl<'a> QuantNetwork<'a> {
    /// A network over int8 `weights` with activation `scales`.
    ///
    /// Errors: as [`Network::new`](super::Network::new), plus [`Error::InvalidParameter`] for a code
    /// of −128, a negative scale or a bad activation scale.
    pub fn new(
        dims: Dims,
        activation: Activation,
        weights: QuantWeights<'a>,
        scales: ActScales,
    ) -> Result<Self> {
        dims.check("QuantNetwork: need inputs, hidden and places >= 1")?;
        let (i, h, p) = (dims.inputs, dims.hidden, dims.places);
        weights.w_ih.check("QuantNetwork: w_ih", h, i)?;
        weights.w_hh.check("QuantNetwork: w_hh", h, h)?;
        if let Some(b) = weights.bias {
            check_len("QuantNetwork: bias", h, b.len())?;
            check_finite("QuantNetwork: bias", b)?;
        }
        if let Some(e) = weights.w_enc {
            e.check("QuantNetwork: w_enc", h, p)?;
        }
        weights.w_dec.check("QuantNetwork: w_dec", p, h)?;
        scales.check()?;
        Ok(Self {
            dims,
            activation,
            w: weights,
            scales,
            inv_input: 1.0 / scales.input,
            inv_state: 1.0 / scales.state,
        })
    }

    /// Its sizes.
    pub fn dims(&self) -> Dims {
        self.dims
    }

    /// Its activation φ.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Its weights.
    pub fn weights(&self) -> QuantWeights<'a> {
        self.w
    }

    /// Its activation scales.
    pub fn scales(&self) -> ActScales {
        self.scales
    }

    /// The state code of a real state value.
    pub fn quantize_state(&self, x: f32) -> i16 {
        quantize_act(x, self.inv_state)
    }

    /// The real value of a state code, a_g · q.
    pub fn dequantize_state(&self, q: i16) -> f32 {
        self.scales.state * f32::from(q)
    }

    /// The initial state g₀ = W_enc p, quantized, into `g` (length H); `p` has length Np.
    ///
    /// Errors: [`Error::InvalidParameter`] without an encoder; length and finiteness errors.
    pub fn encode(&self, p: &[f32], g: &mut [i16]) -> Result<()> {
        let Some(enc) = self.w.w_enc else {
            return Err(Error::InvalidParameter {
                what: "QuantNetwork::encode: the network has no encoder (start from g = 0)",
            });
        };
        check_len("QuantNetwork::encode: p", self.dims.places, p.len())?;
        check_len("QuantNetwork::encode: g", self.dims.hidden, g.len())?;
        check_finite("QuantNetwork::encode: p", p)?;
        for ((gr, row), &s) in g
            .iter_mut()
            .zip(enc.q.chunks_exact(self.dims.places.max(1)))
            .zip(enc.scale)
        {
            let mut acc = 0.0f32;
            for (&c, &x) in row.iter().zip(p) {
                acc += f32::from(c) * x;
            }
            *gr = quantize_act(s * acc, self.inv_state);
        }
        Ok(())
    }

    /// One step: g_next = q(φ(z)) with z as in the module docs. Scratch: `qv` (length ≥ I) for
    /// the quantized input and `z` (length ≥ H) for the pre-activations.
    ///
    /// Errors: [`Error::DimensionMismatch`] for `v`, `g_prev`, `g_next`; [`Error::ScratchTooSmall`];
    /// [`Error::NonFinite`] for a NaN or ±∞ in `v`.
    pub fn step(
        &self,
        v: &[f32],
        g_prev: &[i16],
        g_next: &mut [i16],
        qv: &mut [i16],
        z: &mut [f32],
    ) -> Result<()> {
        let (i, h) = (self.dims.inputs, self.dims.hidden);
        check_len("QuantNetwork::step: v", i, v.len())?;
        check_len("QuantNetwork::step: g_prev", h, g_prev.len())?;
        check_len("QuantNetwork::step: g_next", h, g_next.len())?;
        let found = qv.len();
        let qv = qv.get_mut(..i).ok_or(Error::ScratchTooSmall {
            what: "QuantNetwork::step: qv",
            needed: i,
            found,
        })?;
        let found = z.len();
        let z = z.get_mut(..h).ok_or(Error::ScratchTooSmall {
            what: "QuantNetwork::step: z",
            needed: h,
            found,
        })?;
        check_finite("QuantNetwork::step: v", v)?;
        for (q, &x) in qv.iter_mut().zip(v) {
            *q = quantize_act(x, self.inv_input);
        }
        // Rows by index (not zipped chunk iterators: no division checks in a board image).
        for (r, zr) in z.iter_mut().enumerate() {
            let wi = self.w.w_ih.q.get(r * i..(r + 1) * i).unwrap_or(&[]);
            let wh = self.w.w_hh.q.get(r * h..(r + 1) * h).unwrap_or(&[]);
            let si = self.w.w_ih.scale.get(r).copied().unwrap_or(0.0);
            let sh = self.w.w_hh.scale.get(r).copied().unwrap_or(0.0);
            let a = (si * self.scales.input) * dot_i8_i16(wi, qv) as f32;
            let b = (sh * self.scales.state) * dot_i8_i16(wh, g_prev) as f32;
            let mut zz = a + b;
            if let Some(bias) = self.w.bias {
                zz += bias.get(r).copied().unwrap_or(0.0);
            }
            *zr = zz;
        }
        self.activation.apply(z);
        for (g, &x) in g_next.iter_mut().zip(z.iter()) {
            *g = quantize_act(x, self.inv_state);
        }
        Ok(())
    }

    /// Readout logits (f32, length Np) from a state code `g` (length H).
    ///
    /// Errors: [`Error::DimensionMismatch`] for `g` or `logits`.
    pub fn readout(&self, g: &[i16], logits: &mut [f32]) -> Result<()> {
        let (h, p) = (self.dims.hidden, self.dims.places);
        check_len("QuantNetwork::readout: g", h, g.len())?;
        check_len("QuantNetwork::readout: logits", p, logits.len())?;
        for ((l, row), &s) in logits
            .iter_mut()
            .zip(self.w.w_dec.q.chunks_exact(h.max(1)))
            .zip(self.w.w_dec.scale)
        {
            *l = (s * self.scales.state) * dot_i8_i16(row, g) as f32;
        }
        Ok(())
    }

    /// A whole sequence (T × I inputs, T × H state codes), as T calls of [`step`](Self::step).
    ///
    /// Errors: as [`Network::sequence`](super::Network::sequence) and [`step`](Self::step).
    pub fn sequence(
        &self,
        v: &[f32],
        g0: &[i16],
        states: &mut [i16],
        qv: &mut [i16],
        z: &mut [f32],
    ) -> Result<()> {
        let (i, h) = (self.dims.inputs, self.dims.hidden);
        let steps = v.len() / i.max(1);
        check_len("QuantNetwork::sequence: v", steps * i, v.len())?;
        check_len(
            "QuantNetwork::sequence: states",
            crate::error::area("QuantNetwork::sequence: states", steps, h)?,
            states.len(),
        )?;
        check_len("QuantNetwork::sequence: g0", h, g0.len())?;
        for t in 0..steps {
            let (Some(vt), Some((prev, gt))) = (
                v.get(t * i..(t + 1) * i),
                super::network::row_and_prev(states, h, t),
            ) else {
                break; // unreachable: the lengths were checked above
            };
            self.step(vt, prev.unwrap_or(g0), gt, qv, z)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_dot_is_exact_at_the_extremes() {
        let n = 3 * I32_CHUNK + 7;
        let q = std::vec![127i8; n];
        let a = std::vec![-32767i16; n];
        assert_eq!(dot_i8_i16(&q, &a), -(n as i64) * 127 * 32767);
    }

    #[test]
    fn quantize_act_saturates_and_rounds_half_away() {
        assert_eq!(quantize_act(1e9, 1.0), 32767);
        assert_eq!(quantize_act(-1e9, 1.0), -32767);
        assert_eq!(quantize_act(2.5, 1.0), 3);
        assert_eq!(quantize_act(-2.5, 1.0), -3);
    }

    #[test]
    fn minus_128_codes_are_rejected() {
        let m = QuantMatrix {
            q: &[-128],
            scale: &[1.0],
        };
        assert!(m.check("m", 1, 1).is_err());
        let m = QuantMatrix {
            q: &[1],
            scale: &[-1.0],
        };
        assert!(m.check("m", 1, 1).is_err());
    }
}
