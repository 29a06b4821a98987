//! [`Network`]: a vanilla recurrent network over borrowed f32/f64 weights, with runtime sizes.

use super::Activation;
use crate::error::{area, check_len};
use crate::linalg::dot;
use crate::softmax::check_finite;
use crate::{Error, Real, Result};

/// The sizes of a network: input dimension I (2 for planar velocities), hidden units H, and place
/// cells Np (the readout's logits).
///
/// ```
/// use engram_core::rnn::Dims;
/// let d = Dims::new(2, 64, 256);
/// assert_eq!(d.params(true, true), 64 * 2 + 64 * 64 + 64 + 64 * 256 + 256 * 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dims {
    /// Input dimension I.
    pub inputs: usize,
    /// Hidden units H.
    pub hidden: usize,
    /// Place cells Np (readout logits).
    pub places: usize,
}

impl Dims {
    /// Sizes from their parts.
    pub const fn new(inputs: usize, hidden: usize, places: usize) -> Self {
        Self {
            inputs,
            hidden,
            places,
        }
    }

    /// Parameter count: H·I + H·H (+ H bias) (+ H·Np encoder) + Np·H readout (saturating).
    pub const fn params(&self, bias: bool, encoder: bool) -> usize {
        let (i, h, p) = (self.inputs, self.hidden, self.places);
        let mut n = h.saturating_mul(i).saturating_add(h.saturating_mul(h));
        if bias {
            n = n.saturating_add(h);
        }
        if encoder {
            n = n.saturating_add(h.saturating_mul(p));
        }
        n.saturating_add(p.saturating_mul(h))
    }

    /// Checks H ≥ 1, I ≥ 1 and Np ≥ 1, and that every matrix size fits `usize`.
    pub(crate) fn check(&self, what: &'static str) -> Result<()> {
        if self.inputs == 0 || self.hidden == 0 || self.places == 0 {
            return Err(Error::InvalidParameter { what });
        }
        area(what, self.hidden, self.inputs)?;
        area(what, self.hidden, self.hidden)?;
        area(what, self.hidden, self.places)?;
        Ok(())
    }
}

/// Borrowed weights of a [`Network`], all row-major.
///
/// | tensor | shape | role |
/// | --- | --- | --- |
/// | `w_ih` | H × I | input weights |
/// | `w_hh` | H × H | recurrent weights |
/// | `bias` | H (optional) | b |
/// | `w_enc` | H × Np (optional) | initial state g₀ = W_enc p(x₀) from a place-cell code |
/// | `w_dec` | Np × H | readout to place-cell logits |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights<'a, T> {
    /// W_ih, H × I.
    pub w_ih: &'a [T],
    /// W_hh, H × H.
    pub w_hh: &'a [T],
    /// b, H, if the network has a bias.
    pub bias: Option<&'a [T]>,
    /// W_enc, H × Np, if the initial state is encoded from a place-cell code.
    pub w_enc: Option<&'a [T]>,
    /// W_dec, Np × H.
    pub w_dec: &'a [T],
}

/// A vanilla recurrent network (Sorscher et al. 2019/2023; Schaeffer et al. 2023):
///
/// ```text
/// g₀ = W_enc p(x₀)            (or 0)
/// g_t = φ(W_ih v_t + W_hh g_{t−1} + b)
/// logits_t = W_dec g_t        (softmax → predicted place-cell code; top-k → position)
/// ```
///
/// **Order of operations** (the bit-exactness contract): for each unit r,
/// z_r = ((Σᵢ W_ih[r,i] vᵢ) + (Σⱼ W_hh[r,j] g_j)) + b_r — each Σ a sequential dot from `+0.0`
/// in index order, then the two additions in that order — then φ over the whole vector
/// ([`Activation::apply`]). The encoder and the readout are sequential dots per output row.
///
/// Every kernel checks its slice lengths and that its inputs are finite ([`Error::NonFinite`]);
/// the weights are checked once, by [`Network::new`]. Outputs are not checked: huge weights can
/// overflow a state to ±∞, which the next step then rejects.
///
/// ```
/// use engram_core::rnn::{Activation, Dims, Network, Weights};
/// // One input, two units: a leaky and a perfect integrator.
/// let w = Weights {
///     w_ih: &[1.0f32, 1.0],
///     w_hh: &[0.5, 0.0, 0.0, 1.0],
///     bias: None,
///     w_enc: None,
///     w_dec: &[1.0, 0.0, 0.0, 1.0, -1.0, -1.0],
/// };
/// let net = Network::new(Dims::new(1, 2, 3), Activation::Relu, w)?;
/// let v = [1.0f32, 1.0, 1.0];
/// let mut states = [0.0f32; 6];
/// net.sequence(&v, &[0.0, 0.0], &mut states)?;
/// assert_eq!(states, [1.0, 1.0, 1.5, 2.0, 1.75, 3.0]);
/// let mut logits = [0.0f32; 3];
/// net.readout(&states[4..], &mut logits)?;
/// assert_eq!(logits, [1.75, 3.0, -4.75]);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Network<'a, T: Real> {
    dims: Dims,
    activation: Activation,
    w: Weights<'a, T>,
}

impl<'a, T: Real> Network<'a, T> {
    /// A network over `weights` of sizes `dims`.
    ///
    /// Errors: [`Error::InvalidParameter`] if a size is zero; [`Error::DimensionMismatch`] naming
    /// the first tensor whose length does not match `dims`; [`Error::NonFinite`] naming the first
    /// tensor with a NaN or ±∞.
    pub fn new(dims: Dims, activation: Activation, weights: Weights<'a, T>) -> Result<Self> {
        dims.check("Network: need inputs, hidden and places >= 1")?;
        let (i, h, p) = (dims.inputs, dims.hidden, dims.places);
        check_len("Network: w_ih", h * i, weights.w_ih.len())?;
        check_len("Network: w_hh", h * h, weights.w_hh.len())?;
        if let Some(b) = weights.bias {
            check_len("Network: bias", h, b.len())?;
        }
        if let Some(e) = weights.w_enc {
            check_len("Network: w_enc", h * p, e.len())?;
        }
        check_len("Network: w_dec", p * h, weights.w_dec.len())?;
        check_finite("Network: w_ih", weights.w_ih)?;
        check_finite("Network: w_hh", weights.w_hh)?;
        check_finite("Network: bias", weights.bias.unwrap_or(&[]))?;
        check_finite("Network: w_enc", weights.w_enc.unwrap_or(&[]))?;
        check_finite("Network: w_dec", weights.w_dec)?;
        Ok(Self {
            dims,
            activation,
            w: weights,
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
    pub fn weights(&self) -> Weights<'a, T> {
        self.w
    }

    /// The initial state g₀ = W_enc p into `g` (length H) from a place-cell code `p` (length Np).
    ///
    /// Errors: [`Error::InvalidParameter`] if the network has no encoder; length and finiteness
    /// errors as [`step`](Self::step).
    pub fn encode(&self, p: &[T], g: &mut [T]) -> Result<()> {
        let Some(w_enc) = self.w.w_enc else {
            return Err(Error::InvalidParameter {
                what: "Network::encode: the network has no encoder (start from g = 0)",
            });
        };
        check_len("Network::encode: p", self.dims.places, p.len())?;
        check_len("Network::encode: g", self.dims.hidden, g.len())?;
        check_finite("Network::encode: p", p)?;
        for (gr, row) in g
            .iter_mut()
            .zip(w_enc.chunks_exact(self.dims.places.max(1)))
        {
            *gr = dot(row, p)?;
        }
        Ok(())
    }

    /// One step g_next = φ(W_ih v + W_hh g_prev + b).
    ///
    /// Errors: [`Error::DimensionMismatch`] for `v.len() != I`, `g_prev.len() != H` or
    /// `g_next.len() != H`; [`Error::NonFinite`] for a NaN or ±∞ in `v` or `g_prev`.
    pub fn step(&self, v: &[T], g_prev: &[T], g_next: &mut [T]) -> Result<()> {
        check_len("Network::step: v", self.dims.inputs, v.len())?;
        check_len("Network::step: g_prev", self.dims.hidden, g_prev.len())?;
        check_len("Network::step: g_next", self.dims.hidden, g_next.len())?;
        check_finite("Network::step: v", v)?;
        check_finite("Network::step: g_prev", g_prev)?;
        self.step_unchecked(v, g_prev, g_next);
        Ok(())
    }

    /// The step on checked lengths (the order documented on [`Network`]).
    fn step_unchecked(&self, v: &[T], g_prev: &[T], g_next: &mut [T]) {
        self.preactivations(v, g_prev, g_next);
        self.activation.apply(g_next);
    }

    /// z = W_ih v + W_hh g_prev + b into `z`, on checked lengths (the order documented on
    /// [`Network`]).
    pub(super) fn preactivations(&self, v: &[T], g_prev: &[T], g_next: &mut [T]) {
        let rows_ih = self.w.w_ih.chunks_exact(self.dims.inputs.max(1));
        let rows_hh = self.w.w_hh.chunks_exact(self.dims.hidden.max(1));
        for (r, (zr, (wi, wh))) in g_next.iter_mut().zip(rows_ih.zip(rows_hh)).enumerate() {
            let mut a = T::ZERO;
            for (&w, &x) in wi.iter().zip(v) {
                a += w * x;
            }
            let mut b = T::ZERO;
            for (&w, &x) in wh.iter().zip(g_prev) {
                b += w * x;
            }
            let mut z = a + b;
            if let Some(bias) = self.w.bias {
                z += bias.get(r).copied().unwrap_or(T::ZERO);
            }
            *zr = z;
        }
    }

    /// The readout logits = W_dec g into `logits` (length Np), one sequential dot per row.
    ///
    /// Errors: [`Error::DimensionMismatch`] for `g.len() != H` or `logits.len() != Np`;
    /// [`Error::NonFinite`] for a NaN or ±∞ in `g`.
    pub fn readout(&self, g: &[T], logits: &mut [T]) -> Result<()> {
        check_len("Network::readout: g", self.dims.hidden, g.len())?;
        check_len("Network::readout: logits", self.dims.places, logits.len())?;
        check_finite("Network::readout: g", g)?;
        for (l, row) in logits
            .iter_mut()
            .zip(self.w.w_dec.chunks_exact(self.dims.hidden.max(1)))
        {
            *l = dot(row, g)?;
        }
        Ok(())
    }

    /// A whole sequence: `v` holds T inputs (T × I, row-major), `states` receives the T states
    /// (T × H): states[0] = step(v[0], g0), states[t] = step(v[t], states[t−1]). Exactly T calls
    /// of [`step`](Self::step), so each row equals the corresponding single step bit for bit.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `v.len()` is not a multiple of I, or `states` is not
    /// T × H, or `g0.len() != H`; [`Error::NonFinite`] as [`step`](Self::step) (rows before the
    /// failing step are written).
    pub fn sequence(&self, v: &[T], g0: &[T], states: &mut [T]) -> Result<()> {
        let (i, h) = (self.dims.inputs, self.dims.hidden);
        let steps = v.len() / i.max(1);
        check_len("Network::sequence: v", steps * i, v.len())?;
        check_len(
            "Network::sequence: states",
            area("Network::sequence: states", steps, h)?,
            states.len(),
        )?;
        check_len("Network::sequence: g0", h, g0.len())?;
        check_finite("Network::sequence: v", v)?;
        for t in 0..steps {
            let (Some(vt), Some((prev, gt))) =
                (v.get(t * i..(t + 1) * i), row_and_prev(states, h, t))
            else {
                break; // unreachable: the lengths were checked above
            };
            let from = prev.unwrap_or(g0);
            check_finite("Network::step: g_prev", from)?;
            self.step_unchecked(vt, from, gt);
        }
        Ok(())
    }

    /// A batch of B sequences of T steps, each run independently by
    /// [`sequence`](Self::sequence): `v` is B × T × I, `g0` is B × H, `states` is B × T × H.
    ///
    /// Errors: [`Error::InvalidParameter`] for `batch = 0` with non-empty inputs;
    /// [`Error::DimensionMismatch`] for any other inconsistent length; those of `sequence`.
    pub fn batch(&self, v: &[T], g0: &[T], states: &mut [T], batch: usize) -> Result<()> {
        let (i, h) = (self.dims.inputs, self.dims.hidden);
        if batch == 0 {
            return if v.is_empty() && g0.is_empty() && states.is_empty() {
                Ok(())
            } else {
                Err(Error::InvalidParameter {
                    what: "Network::batch: batch = 0 with non-empty slices",
                })
            };
        }
        let per = v.len() / batch.max(1);
        check_len("Network::batch: v", per * batch, v.len())?;
        let steps = per / i.max(1);
        check_len("Network::batch: v", steps * i * batch, v.len())?;
        check_len(
            "Network::batch: g0",
            area("Network::batch: g0", batch, h)?,
            g0.len(),
        )?;
        let per_states = area("Network::batch: states", steps, h)?;
        check_len(
            "Network::batch: states",
            area("Network::batch: states", per_states, batch)?,
            states.len(),
        )?;
        if per == 0 {
            return Ok(());
        }
        for ((vb, gb), sb) in v
            .chunks_exact(per.max(1))
            .zip(g0.chunks_exact(h.max(1)))
            .zip(states.chunks_exact_mut(per_states.max(1)))
        {
            self.sequence(vb, gb, sb)?;
        }
        Ok(())
    }
}

/// Row t of a row-major (· × h) `states`, mutable, and row t − 1 (`None` for t = 0), or `None` if
/// row t does not fit. Indexing by row (not zipping chunk iterators) keeps the kernels free of
/// division-by-zero checks a board image would carry.
pub(super) fn row_and_prev<X>(
    states: &mut [X],
    h: usize,
    t: usize,
) -> Option<(Option<&[X]>, &mut [X])> {
    let (done, rest) = states.split_at_mut_checked(t.checked_mul(h)?)?;
    let cur = rest.get_mut(..h)?;
    let prev = match t.checked_sub(1) {
        Some(p) => Some(done.get(p * h..)?),
        None => None,
    };
    Some((prev, cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Five = ([f64; 4], [f64; 4], [f64; 2], [f64; 6], [f64; 6]);

    fn weights() -> Five {
        (
            [0.5, -1.0, 1.0, 0.25],
            [0.9, 0.1, -0.2, 0.8],
            [0.01, -0.02],
            [1.0, 0.0, 0.5, 0.0, 1.0, 0.5],
            [1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
        )
    }

    #[test]
    fn size_and_finiteness_errors() {
        let (ih, hh, b, enc, dec) = weights();
        let w = Weights {
            w_ih: &ih[..],
            w_hh: &hh[..],
            bias: Some(&b[..]),
            w_enc: Some(&enc[..]),
            w_dec: &dec[..],
        };
        assert!(Network::new(Dims::new(2, 2, 3), Activation::Tanh, w).is_ok());
        assert!(matches!(
            Network::new(Dims::new(2, 2, 2), Activation::Tanh, w),
            Err(Error::DimensionMismatch {
                what: "Network: w_enc",
                ..
            })
        ));
        assert!(matches!(
            Network::new(Dims::new(0, 2, 3), Activation::Tanh, w),
            Err(Error::InvalidParameter { .. })
        ));
        let nan = [0.5, f64::NAN, 1.0, 0.0];
        assert!(matches!(
            Network::new(
                Dims::new(2, 2, 3),
                Activation::Tanh,
                Weights { w_ih: &nan, ..w }
            ),
            Err(Error::NonFinite {
                what: "Network: w_ih"
            })
        ));
        let net = Network::new(Dims::new(2, 2, 3), Activation::Tanh, w).unwrap();
        let mut g = [0.0; 2];
        assert!(net.step(&[1.0, f64::INFINITY], &[0.0; 2], &mut g).is_err());
        assert!(net.step(&[1.0], &[0.0; 2], &mut g).is_err());
        assert!(net.encode(&[0.0; 2], &mut g).is_err());
        let no_enc = Network::new(
            Dims::new(2, 2, 3),
            Activation::Tanh,
            Weights { w_enc: None, ..w },
        )
        .unwrap();
        assert!(matches!(
            no_enc.encode(&[0.0; 3], &mut g),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn step_follows_the_documented_formula() {
        let (ih, hh, b, enc, dec) = weights();
        let w = Weights {
            w_ih: &ih[..],
            w_hh: &hh[..],
            bias: Some(&b[..]),
            w_enc: Some(&enc[..]),
            w_dec: &dec[..],
        };
        let net = Network::new(Dims::new(2, 2, 3), Activation::Tanh, w).unwrap();
        let (v, g) = ([0.3, -0.7], [0.2, 0.4]);
        let mut out = [0.0; 2];
        net.step(&v, &g, &mut out).unwrap();
        for r in 0..2 {
            let a = ih[2 * r] * v[0] + ih[2 * r + 1] * v[1];
            let c = hh[2 * r] * g[0] + hh[2 * r + 1] * g[1];
            assert_eq!(out[r], libm::tanh(a + c + b[r]));
        }
    }
}
