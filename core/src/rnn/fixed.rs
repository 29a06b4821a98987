//! [`FixedRnn`]: compile-time sizes and owned state over a network whose weights live in a
//! `&'static` blob (flash), for firmware.

use super::{Model, ModelError, ModelNet, decode_top_k};
use crate::blob::Blob;
use crate::{Error, Result};

/// A network of compile-time sizes I, H, Np over `'static` weights (a blob in flash), owning its
/// state, scratch and logits (≈ 4·(5H + Np) + 2I bytes; no allocation). Every call goes through
/// the runtime kernels ([`Network`](super::Network) or [`QuantNetwork`](super::QuantNetwork)), so
/// its results equal theirs bit for bit.
///
/// ```
/// use engram_core::blob::Aligned;
/// use engram_core::rnn::{Activation, Dims, FixedRnn, Meta, ModelWeights, PlaceCodeKind, Weights, write_model};
/// let w = Weights { w_ih: &[1.0f32, 0.0], w_hh: &[1.0], bias: None, w_enc: None, w_dec: &[1.0, -1.0] };
/// let meta = Meta { activation: Activation::Relu, place_code: PlaceCodeKind::Unspecified,
///     periodic: false, decode_k: 1, box_width: 2.0, box_height: 2.0, dt: 0.0, sigma: 0.0, surround: 0.0 };
/// let mut buf = Aligned::<1024>::zeroed();
/// let n = write_model(buf.as_mut_bytes(), Dims::new(2, 1, 2), &meta, ModelWeights::F32(w), &[0.5, 0.0, -0.5, 0.0])?;
/// let flash: &'static [u8] = Box::leak(Box::new(buf)).as_bytes().get(..n).unwrap();
/// let mut rnn = FixedRnn::<2, 1, 2>::from_blob(flash)?;
/// rnn.step(&[0.25, 0.0])?;
/// rnn.step(&[0.25, 0.0])?;
/// assert_eq!(rnn.state(), [0.5]);
/// assert_eq!(rnn.decode(&mut [0])?, [0.5, 0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FixedRnn<const I: usize, const H: usize, const NP: usize> {
    model: Model<'static>,
    g: [f32; H],
    next: [f32; H],
    q: [i16; H],
    qnext: [i16; H],
    qv: [i16; I],
    z: [f32; H],
    logits: [f32; NP],
}

impl<const I: usize, const H: usize, const NP: usize> FixedRnn<I, H, NP> {
    /// Wraps a loaded model, starting from g = 0.
    ///
    /// Errors: [`Error::DimensionMismatch`] if the model's sizes are not (I, H, Np).
    pub fn new(model: Model<'static>) -> Result<Self> {
        Self::check_dims(&model)?;
        Ok(Self::zeroed(model))
    }

    fn check_dims(model: &Model<'static>) -> Result<()> {
        let d = model.dims;
        crate::error::check_len("FixedRnn: inputs", I, d.inputs)?;
        crate::error::check_len("FixedRnn: hidden", H, d.hidden)?;
        crate::error::check_len("FixedRnn: places", NP, d.places)
    }

    fn zeroed(model: Model<'static>) -> Self {
        Self {
            model,
            g: [0.0; H],
            next: [0.0; H],
            q: [0; H],
            qnext: [0; H],
            qv: [0; I],
            z: [0.0; H],
            logits: [0.0; NP],
        }
    }

    /// Parses, checks and wraps the network blob `bytes` (e.g. `include_aligned!` in flash).
    ///
    /// Errors: those of [`Blob::parse`] and [`Model::from_blob`]; a size mismatch as
    /// [`ModelError::Weights`].
    pub fn from_blob(bytes: &'static [u8]) -> core::result::Result<Self, ModelError> {
        let blob = Blob::parse(bytes)?;
        let model = Model::from_blob(&blob)?;
        Self::check_dims(&model)?;
        // Built in place in the caller's frame (no intermediate `Result<Self, Error>`): a board's
        // stack holds one copy.
        Ok(Self::zeroed(model))
    }

    /// The model (sizes, metadata, network, centres).
    pub fn model(&self) -> &Model<'static> {
        &self.model
    }

    /// Resets the state to g = 0.
    pub fn reset(&mut self) {
        self.g = [0.0; H];
        self.q = [0; H];
    }

    /// Resets the state to g₀ = W_enc p from a place-cell code `p`.
    ///
    /// Errors: as [`Network::encode`](super::Network::encode).
    pub fn encode(&mut self, p: &[f32; NP]) -> Result<()> {
        match &self.model.net {
            ModelNet::F32(n) => n.encode(p, &mut self.g),
            ModelNet::Int8(n) => n.encode(p, &mut self.q),
        }
    }

    /// One step with input `v`.
    ///
    /// Errors: as [`Network::step`](super::Network::step).
    pub fn step(&mut self, v: &[f32; I]) -> Result<()> {
        match &self.model.net {
            ModelNet::F32(n) => {
                n.step(v, &self.g, &mut self.next)?;
                core::mem::swap(&mut self.g, &mut self.next);
            }
            ModelNet::Int8(n) => {
                n.step(v, &self.q, &mut self.qnext, &mut self.qv, &mut self.z)?;
                core::mem::swap(&mut self.q, &mut self.qnext);
            }
        }
        Ok(())
    }

    /// The state g (for int8, the dequantized codes a_g·q).
    pub fn state(&self) -> [f32; H] {
        match &self.model.net {
            ModelNet::F32(_) => self.g,
            ModelNet::Int8(n) => {
                let mut out = [0.0; H];
                for (o, &q) in out.iter_mut().zip(&self.q) {
                    *o = n.dequantize_state(q);
                }
                out
            }
        }
    }

    /// The int8 network's state codes (all zero for an f32 network).
    pub fn state_codes(&self) -> &[i16; H] {
        &self.q
    }

    /// The readout logits of the current state.
    ///
    /// Errors: as [`Network::readout`](super::Network::readout).
    pub fn logits(&mut self) -> Result<&[f32; NP]> {
        match &self.model.net {
            ModelNet::F32(n) => n.readout(&self.g, &mut self.logits)?,
            ModelNet::Int8(n) => n.readout(&self.q, &mut self.logits)?,
        }
        Ok(&self.logits)
    }

    /// The decoded position: [`decode_top_k`] of the current logits with the model's topology;
    /// k = `top.len()` (scratch; the model's own k is `model().meta.decode_k`).
    ///
    /// Errors: as [`logits`](Self::logits) and [`decode_top_k`].
    pub fn decode(&mut self, top: &mut [usize]) -> Result<[f32; 2]> {
        let topology = self.model.meta.topology();
        let centres = self.model.centres;
        let logits = self.logits()?;
        decode_top_k(logits, centres, topology, top)
    }
}

impl From<ModelError> for Error {
    /// A [`ModelError`] as the crate's error: blob errors keep their variant, weight errors are
    /// themselves, metadata and layout errors become [`Error::InvalidParameter`].
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Blob(b) => Error::Blob(b),
            ModelError::Weights(w) => w,
            ModelError::Field { what } => Error::InvalidParameter { what },
            _ => Error::InvalidParameter {
                what: "rnn blob: missing, mistyped, misshapen or unexpected tensor",
            },
        }
    }
}
