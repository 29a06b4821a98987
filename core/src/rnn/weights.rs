//! A whole network in one [blob](crate::blob): every tensor plus the metadata needed to run it,
//! written by [`write_model`] and loaded zero-copy, fully checked, by [`Model::from_blob`].
//!
//! # Layout (blob format version 1; see `docs/rnn.md`)
//!
//! | name | dtype | shape | contents |
//! | --- | --- | --- | --- |
//! | `rnn.config` | i32 | [12] | see below |
//! | `rnn.geometry` | f32 | [8] | see below |
//! | `w_ih` | f32 or i8 | [H, I] | input weights |
//! | `w_hh` | f32 or i8 | [H, H] | recurrent weights |
//! | `bias` | f32 | [H] | only if `has_bias` |
//! | `w_enc` | f32 or i8 | [H, Np] | only if `has_encoder` |
//! | `w_dec` | f32 or i8 | [Np, H] | readout |
//! | `centres` | f32 | [Np, 2] | place-cell centres (m), rows (x, y) |
//! | `<w>.scale` | f32 | [rows of `<w>`] | int8 only: per-row weight scales, for each i8 `<w>` |
//! | `act.scale` | f32 | [2] | int8 only: activation scales [a_v, a_g] |
//!
//! `rnn.config` (i32): 0 layout version (= [`LAYOUT_VERSION`]), 1 I, 2 H, 3 Np, 4 activation
//! code ([`Activation::code`]), 5 weight dtype code (1 f32, 3 i8: [`Dtype::code`]), 6 has_bias
//! (0/1), 7 has_encoder (0/1), 8 place code ([`PlaceCodeKind`]: 0 unspecified, 1 Gaussian,
//! 2 difference of softmaxes), 9 periodic box (0/1), 10 decode k (1..=Np), 11 reserved (0).
//!
//! `rnn.geometry` (f32): 0 box width (m), 1 box height (m) (the box is centred on the origin),
//! 2 dt (s), 3 place-cell σ (m), 4 the difference-of-softmaxes surround ratio (σ_surround/σ;
//! 0 when not used), 5–7 reserved (0). Width and height must be finite and > 0, dt and σ finite
//! and ≥ 0 (0 = unknown), the ratio finite and ≥ 0.
//!
//! No other tensor may be present: a blob with an unexpected tensor is rejected.

use core::fmt;

use super::quant::{ActScales, QuantMatrix, QuantNetwork, QuantWeights};
use super::{Activation, Dims, Network, Topology, Weights};
use crate::blob::{self, Blob, BlobError, Dtype, Tensor, TensorData, TensorSpec};

/// The version of the tensor layout in `rnn.config[0]`.
pub const LAYOUT_VERSION: i32 = 1;
/// Length of `rnn.config`.
pub const CONFIG_LEN: usize = 12;
/// Length of `rnn.geometry`.
pub const GEOMETRY_LEN: usize = 8;

/// Which place-cell code the network was trained against (metadata: the network does not use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PlaceCodeKind {
    /// Not recorded (code 0).
    Unspecified,
    /// Gaussian bumps, softmax-normalised (code 1).
    Gaussian,
    /// Difference of softmaxes (Sorscher et al.) (code 2).
    DifferenceOfSoftmaxes,
}

impl PlaceCodeKind {
    /// The stored code.
    pub const fn code(self) -> i32 {
        match self {
            PlaceCodeKind::Unspecified => 0,
            PlaceCodeKind::Gaussian => 1,
            PlaceCodeKind::DifferenceOfSoftmaxes => 2,
        }
    }

    /// The kind with this code, if any.
    pub const fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(PlaceCodeKind::Unspecified),
            1 => Some(PlaceCodeKind::Gaussian),
            2 => Some(PlaceCodeKind::DifferenceOfSoftmaxes),
            _ => None,
        }
    }

    /// `unspecified`, `gaussian` or `difference-of-softmaxes`.
    pub const fn name(self) -> &'static str {
        match self {
            PlaceCodeKind::Unspecified => "unspecified",
            PlaceCodeKind::Gaussian => "gaussian",
            PlaceCodeKind::DifferenceOfSoftmaxes => "difference-of-softmaxes",
        }
    }
}

/// The metadata stored with a network: what it needs besides its weights to be run and decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Meta {
    /// The activation φ.
    pub activation: Activation,
    /// The place code it was trained against.
    pub place_code: PlaceCodeKind,
    /// Whether the box is periodic (a torus).
    pub periodic: bool,
    /// k of the top-k decoder.
    pub decode_k: usize,
    /// Box width (m).
    pub box_width: f32,
    /// Box height (m).
    pub box_height: f32,
    /// Time step (s); 0 if unknown.
    pub dt: f32,
    /// Place-cell σ (m); 0 if unknown.
    pub sigma: f32,
    /// Difference-of-softmaxes surround ratio; 0 if not used.
    pub surround: f32,
}

impl Meta {
    /// The decoding topology: a torus of the box's sides if periodic, else walled.
    pub fn topology(&self) -> Topology<f32> {
        if self.periodic {
            Topology::Torus {
                width: self.box_width,
                height: self.box_height,
            }
        } else {
            Topology::Walled
        }
    }
}

/// A network's weights for [`write_model`]: f32, or int8 with its activation scales.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelWeights<'a> {
    /// f32 weights.
    F32(Weights<'a, f32>),
    /// int8 weights (per-row scales) and the activation scales.
    Int8(QuantWeights<'a>, ActScales),
}

/// The network of a loaded [`Model`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelNet<'a> {
    /// f32 weights.
    F32(Network<'a, f32>),
    /// int8 weights, 16-bit activations.
    Int8(QuantNetwork<'a>),
}

impl ModelNet<'_> {
    /// The weights' dtype.
    pub fn dtype(&self) -> Dtype {
        match self {
            ModelNet::F32(_) => Dtype::F32,
            ModelNet::Int8(_) => Dtype::I8,
        }
    }
}

/// A network loaded from a blob: sizes, metadata, the network over the blob's bytes, the centres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model<'a> {
    /// Sizes I, H, Np.
    pub dims: Dims,
    /// Metadata.
    pub meta: Meta,
    /// The network (borrowing the blob).
    pub net: ModelNet<'a>,
    /// Place-cell centres, Np × 2 (borrowing the blob).
    pub centres: &'a [f32],
    /// Whether it has a bias.
    pub has_bias: bool,
    /// Whether it has an encoder.
    pub has_encoder: bool,
}

/// What is wrong with a network blob. `Display` names the defect in one line, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ModelError {
    /// The blob itself is malformed (bad magic, checksum, …).
    Blob(BlobError),
    /// A required tensor is absent.
    Missing {
        /// Its name.
        tensor: &'static str,
    },
    /// A tensor has the wrong dtype.
    Dtype {
        /// Its name.
        tensor: &'static str,
        /// The dtype the config implies.
        expected: Dtype,
        /// The dtype stored.
        found: Dtype,
    },
    /// A tensor has the wrong shape.
    Shape {
        /// Its name.
        tensor: &'static str,
        /// The shape the config implies (rank-2; a vector as `[n, 0]` with rank 1).
        expected: [usize; 2],
        /// Rank of `expected` (1 or 2).
        rank: usize,
    },
    /// A config or geometry field is out of range.
    Field {
        /// The field and its rule.
        what: &'static str,
    },
    /// A tensor that the config does not call for (by table index).
    Unexpected {
        /// Its index in the tensor table.
        index: usize,
    },
    /// The weights fail the network's own checks (e.g. NaN, code −128, bad scale).
    Weights(crate::Error),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Blob(e) => write!(f, "{e}"),
            ModelError::Missing { tensor } => write!(f, "missing tensor `{tensor}`"),
            ModelError::Dtype {
                tensor,
                expected,
                found,
            } => write!(f, "tensor `{tensor}` is {found}, expected {expected}"),
            ModelError::Shape {
                tensor,
                expected,
                rank,
            } => {
                if *rank == 1 {
                    write!(
                        f,
                        "tensor `{tensor}` has the wrong shape, expected [{}]",
                        expected[0]
                    )
                } else {
                    write!(
                        f,
                        "tensor `{tensor}` has the wrong shape, expected [{}, {}]",
                        expected[0], expected[1]
                    )
                }
            }
            ModelError::Field { what } => write!(f, "bad metadata: {what}"),
            ModelError::Unexpected { index } => {
                write!(
                    f,
                    "unexpected tensor #{index} (not part of this network's layout)"
                )
            }
            ModelError::Weights(e) => write!(f, "bad weights: {e}"),
        }
    }
}

impl core::error::Error for ModelError {}

impl From<BlobError> for ModelError {
    fn from(e: BlobError) -> Self {
        ModelError::Blob(e)
    }
}

impl From<crate::Error> for ModelError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Blob(b) => ModelError::Blob(b),
            other => ModelError::Weights(other),
        }
    }
}

/// The tensor `name`, of dtype `dtype` and shape `shape`.
fn tensor<'a>(
    blob: &Blob<'a>,
    name: &'static str,
    dtype: Dtype,
    shape: &[usize],
) -> Result<Tensor<'a>, ModelError> {
    let t = blob
        .get(name)
        .map_err(|_| ModelError::Missing { tensor: name })?;
    if t.dtype() != dtype {
        return Err(ModelError::Dtype {
            tensor: name,
            expected: dtype,
            found: t.dtype(),
        });
    }
    if t.shape() != shape {
        let mut expected = [0usize; 2];
        for (e, &s) in expected.iter_mut().zip(shape) {
            *e = s;
        }
        return Err(ModelError::Shape {
            tensor: name,
            expected,
            rank: shape.len(),
        });
    }
    Ok(t)
}

fn f32s<'a>(blob: &Blob<'a>, name: &'static str, shape: &[usize]) -> Result<&'a [f32], ModelError> {
    Ok(tensor(blob, name, Dtype::F32, shape)?.as_f32()?)
}

fn quant<'a>(
    blob: &Blob<'a>,
    name: &'static str,
    scale: &'static str,
    rows: usize,
    cols: usize,
) -> Result<QuantMatrix<'a>, ModelError> {
    Ok(QuantMatrix {
        q: tensor(blob, name, Dtype::I8, &[rows, cols])?.as_i8()?,
        scale: f32s(blob, scale, &[rows])?,
    })
}

fn flag(v: i32, what: &'static str) -> Result<bool, ModelError> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ModelError::Field { what }),
    }
}

fn size(v: i32, what: &'static str) -> Result<usize, ModelError> {
    match usize::try_from(v) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ModelError::Field { what }),
    }
}

impl<'a> Model<'a> {
    /// Loads and checks the network in `blob`: the config and geometry fields, every tensor's
    /// presence, dtype and shape, the weights themselves (finite; codes in [−127, 127]; scales
    /// finite and ≥ 0), and that no other tensor is present.
    ///
    /// ```
    /// use engram_core::blob::{Aligned, Blob};
    /// use engram_core::rnn::{Activation, Dims, Meta, Model, ModelNet, ModelWeights, PlaceCodeKind, Weights, write_model};
    /// let w = Weights { w_ih: &[1.0f32, 0.0], w_hh: &[1.0], bias: None, w_enc: None, w_dec: &[1.0, -1.0] };
    /// let meta = Meta { activation: Activation::Relu, place_code: PlaceCodeKind::Unspecified,
    ///     periodic: false, decode_k: 1, box_width: 2.2, box_height: 2.2, dt: 0.02, sigma: 0.12, surround: 0.0 };
    /// let centres = [0.5f32, 0.0, -0.5, 0.0];
    /// let mut buf = Aligned::<1024>::zeroed();
    /// let n = write_model(buf.as_mut_bytes(), Dims::new(2, 1, 2), &meta, ModelWeights::F32(w), &centres)?;
    /// let model = Model::from_blob(&Blob::parse(&buf.as_bytes()[..n])?)?;
    /// assert_eq!(model.dims, Dims::new(2, 1, 2));
    /// assert_eq!(model.meta, meta);
    /// assert!(matches!(model.net, ModelNet::F32(_)));
    /// # Ok::<(), engram_core::rnn::ModelError>(())
    /// ```
    pub fn from_blob(blob: &Blob<'a>) -> Result<Model<'a>, ModelError> {
        let config = tensor(blob, "rnn.config", Dtype::I32, &[CONFIG_LEN])?.as_i32()?;
        let geometry = f32s(blob, "rnn.geometry", &[GEOMETRY_LEN])?;
        let c = |k: usize| config.get(k).copied().unwrap_or(-1);
        let g = |k: usize| geometry.get(k).copied().unwrap_or(f32::NAN);
        if c(0) != LAYOUT_VERSION {
            return Err(ModelError::Field {
                what: "rnn.config[0] layout version is not 1",
            });
        }
        let dims = Dims::new(
            size(c(1), "rnn.config[1] inputs must be >= 1")?,
            size(c(2), "rnn.config[2] hidden must be >= 1")?,
            size(c(3), "rnn.config[3] places must be >= 1")?,
        );
        let activation = Activation::from_code(c(4)).ok_or(ModelError::Field {
            what: "rnn.config[4] activation code is not 1, 2 or 3",
        })?;
        let dtype = match Dtype::from_code(u8::try_from(c(5)).unwrap_or(0)) {
            Some(d @ (Dtype::F32 | Dtype::I8)) => d,
            _ => {
                return Err(ModelError::Field {
                    what: "rnn.config[5] weight dtype is not 1 (f32) or 3 (i8)",
                });
            }
        };
        let has_bias = flag(c(6), "rnn.config[6] has_bias is not 0 or 1")?;
        let has_encoder = flag(c(7), "rnn.config[7] has_encoder is not 0 or 1")?;
        let place_code = PlaceCodeKind::from_code(c(8)).ok_or(ModelError::Field {
            what: "rnn.config[8] place code is not 0, 1 or 2",
        })?;
        let periodic = flag(c(9), "rnn.config[9] periodic is not 0 or 1")?;
        let decode_k = size(c(10), "rnn.config[10] decode k must be >= 1")?;
        if decode_k > dims.places {
            return Err(ModelError::Field {
                what: "rnn.config[10] decode k exceeds the number of places",
            });
        }
        if c(11) != 0 {
            return Err(ModelError::Field {
                what: "rnn.config[11] reserved is not 0",
            });
        }
        let meta = Meta {
            activation,
            place_code,
            periodic,
            decode_k,
            box_width: g(0),
            box_height: g(1),
            dt: g(2),
            sigma: g(3),
            surround: g(4),
        };
        check_geometry(&meta, geometry.get(5..).unwrap_or(&[]))?;
        let (i, h, p) = (dims.inputs, dims.hidden, dims.places);
        let centres = f32s(blob, "centres", &[p, 2])?;
        if !centres.iter().all(|x| x.is_finite()) {
            return Err(ModelError::Field {
                what: "centres are not all finite",
            });
        }
        let bias = if has_bias {
            Some(f32s(blob, "bias", &[h])?)
        } else {
            None
        };
        let mut expected = 3 + usize::from(has_bias);
        let net = match dtype {
            Dtype::I8 => {
                let w_enc = if has_encoder {
                    Some(quant(blob, "w_enc", "w_enc.scale", h, p)?)
                } else {
                    None
                };
                let w = QuantWeights {
                    w_ih: quant(blob, "w_ih", "w_ih.scale", h, i)?,
                    w_hh: quant(blob, "w_hh", "w_hh.scale", h, h)?,
                    bias,
                    w_enc,
                    w_dec: quant(blob, "w_dec", "w_dec.scale", p, h)?,
                };
                let a = f32s(blob, "act.scale", &[2])?;
                let scales = ActScales {
                    input: a.first().copied().unwrap_or(0.0),
                    state: a.get(1).copied().unwrap_or(0.0),
                };
                expected += 3 * 2 + 1 + 2 * usize::from(has_encoder);
                ModelNet::Int8(QuantNetwork::new(dims, activation, w, scales)?)
            }
            _ => {
                let w = Weights {
                    w_ih: f32s(blob, "w_ih", &[h, i])?,
                    w_hh: f32s(blob, "w_hh", &[h, h])?,
                    bias,
                    w_enc: if has_encoder {
                        Some(f32s(blob, "w_enc", &[h, p])?)
                    } else {
                        None
                    },
                    w_dec: f32s(blob, "w_dec", &[p, h])?,
                };
                expected += 3 + usize::from(has_encoder);
                ModelNet::F32(Network::new(dims, activation, w)?)
            }
        };
        // Every required tensor was found by name (names are unique), so any extra is unexpected.
        if blob.tensor_count() != expected {
            let known = |name: &str| {
                matches!(
                    name,
                    "rnn.config" | "rnn.geometry" | "centres" | "w_ih" | "w_hh" | "w_dec"
                ) || (has_bias && name == "bias")
                    || (has_encoder && name == "w_enc")
                    || (dtype == Dtype::I8
                        && (matches!(
                            name,
                            "w_ih.scale" | "w_hh.scale" | "w_dec.scale" | "act.scale"
                        ) || (has_encoder && name == "w_enc.scale")))
            };
            let index = blob
                .tensors()
                .find(|t| !known(t.name()))
                .map_or(expected, |t| t.index());
            return Err(ModelError::Unexpected { index });
        }
        Ok(Model {
            dims,
            meta,
            net,
            centres,
            has_bias,
            has_encoder,
        })
    }
}

fn check_geometry(meta: &Meta, reserved: &[f32]) -> Result<(), ModelError> {
    let pos = |x: f32| x.is_finite() && x > 0.0;
    let nonneg = |x: f32| x.is_finite() && x >= 0.0;
    if !pos(meta.box_width) || !pos(meta.box_height) {
        return Err(ModelError::Field {
            what: "rnn.geometry[0..2] box width and height must be finite and > 0",
        });
    }
    if !nonneg(meta.dt) || !nonneg(meta.sigma) || !nonneg(meta.surround) {
        return Err(ModelError::Field {
            what: "rnn.geometry[2..5] dt, sigma and surround must be finite and >= 0",
        });
    }
    if reserved.iter().any(|&x| x.to_bits() != 0) {
        return Err(ModelError::Field {
            what: "rnn.geometry[5..8] reserved is not 0",
        });
    }
    Ok(())
}

/// Most tensors a network blob holds (int8 with bias and encoder).
const MAX_MODEL_TENSORS: usize = 14;

/// Calls `f` with the tensor specs of a network (checked first, by building the network).
fn with_specs<R>(
    dims: Dims,
    meta: &Meta,
    weights: ModelWeights<'_>,
    centres: &[f32],
    f: impl FnOnce(&[TensorSpec<'_>]) -> Result<R, BlobError>,
) -> Result<R, ModelError> {
    let (i, h, p) = (dims.inputs, dims.hidden, dims.places);
    let (has_bias, has_encoder, dtype) = match weights {
        ModelWeights::F32(w) => {
            Network::new(dims, meta.activation, w)?;
            (w.bias.is_some(), w.w_enc.is_some(), Dtype::F32)
        }
        ModelWeights::Int8(w, a) => {
            QuantNetwork::new(dims, meta.activation, w, a)?;
            (w.bias.is_some(), w.w_enc.is_some(), Dtype::I8)
        }
    };
    if meta.decode_k == 0 || meta.decode_k > p {
        return Err(ModelError::Field {
            what: "decode k must be in 1..=places",
        });
    }
    check_geometry(meta, &[])?;
    crate::error::check_len("write_model: centres", 2 * p, centres.len())?;
    if !centres.iter().all(|x| x.is_finite()) {
        return Err(ModelError::Field {
            what: "centres are not all finite",
        });
    }
    let to_i32 = |n: usize| {
        i32::try_from(n).map_err(|_| ModelError::Field {
            what: "a size exceeds i32",
        })
    };
    let config: [i32; CONFIG_LEN] = [
        LAYOUT_VERSION,
        to_i32(i)?,
        to_i32(h)?,
        to_i32(p)?,
        meta.activation.code(),
        i32::from(dtype.code()),
        i32::from(has_bias),
        i32::from(has_encoder),
        meta.place_code.code(),
        i32::from(meta.periodic),
        to_i32(meta.decode_k)?,
        0,
    ];
    let geometry: [f32; GEOMETRY_LEN] = [
        meta.box_width,
        meta.box_height,
        meta.dt,
        meta.sigma,
        meta.surround,
        0.0,
        0.0,
        0.0,
    ];
    let act = match weights {
        ModelWeights::Int8(_, a) => [a.input, a.state],
        ModelWeights::F32(_) => [0.0; 2],
    };
    let (hi, hh, hp, ph, p2) = ([h, i], [h, h], [h, p], [p, h], [p, 2]);
    let (vh, vp) = ([h], [p]);
    let empty = TensorSpec::new("-", &[0], TensorData::F32(&[]));
    let mut specs = [empty; MAX_MODEL_TENSORS];
    let mut n = 0usize;
    let mut add = |s| {
        if let Some(slot) = specs.get_mut(n) {
            *slot = s;
        }
        n += 1;
    };
    // A fixed order: config, geometry, weights, centres, then the int8 scales.
    add(TensorSpec::new(
        "rnn.config",
        &[CONFIG_LEN],
        TensorData::I32(&config),
    ));
    add(TensorSpec::new(
        "rnn.geometry",
        &[GEOMETRY_LEN],
        TensorData::F32(&geometry),
    ));
    match weights {
        ModelWeights::F32(w) => {
            add(TensorSpec::new("w_ih", &hi, TensorData::F32(w.w_ih)));
            add(TensorSpec::new("w_hh", &hh, TensorData::F32(w.w_hh)));
            if let Some(b) = w.bias {
                add(TensorSpec::new("bias", &vh, TensorData::F32(b)));
            }
            if let Some(e) = w.w_enc {
                add(TensorSpec::new("w_enc", &hp, TensorData::F32(e)));
            }
            add(TensorSpec::new("w_dec", &ph, TensorData::F32(w.w_dec)));
            add(TensorSpec::new("centres", &p2, TensorData::F32(centres)));
        }
        ModelWeights::Int8(w, _) => {
            add(TensorSpec::new("w_ih", &hi, TensorData::I8(w.w_ih.q)));
            add(TensorSpec::new("w_hh", &hh, TensorData::I8(w.w_hh.q)));
            if let Some(b) = w.bias {
                add(TensorSpec::new("bias", &vh, TensorData::F32(b)));
            }
            if let Some(e) = w.w_enc {
                add(TensorSpec::new("w_enc", &hp, TensorData::I8(e.q)));
            }
            add(TensorSpec::new("w_dec", &ph, TensorData::I8(w.w_dec.q)));
            add(TensorSpec::new("centres", &p2, TensorData::F32(centres)));
            add(TensorSpec::new(
                "w_ih.scale",
                &vh,
                TensorData::F32(w.w_ih.scale),
            ));
            add(TensorSpec::new(
                "w_hh.scale",
                &vh,
                TensorData::F32(w.w_hh.scale),
            ));
            if let Some(e) = w.w_enc {
                add(TensorSpec::new(
                    "w_enc.scale",
                    &vh,
                    TensorData::F32(e.scale),
                ));
            }
            add(TensorSpec::new(
                "w_dec.scale",
                &vp,
                TensorData::F32(w.w_dec.scale),
            ));
            add(TensorSpec::new("act.scale", &[2], TensorData::F32(&act)));
        }
    }
    Ok(f(specs.get(..n).unwrap_or(&specs))?)
}

/// The length of the blob [`write_model`] makes, after the same checks.
///
/// Errors: as [`write_model`].
pub fn model_len(
    dims: Dims,
    meta: &Meta,
    weights: ModelWeights<'_>,
    centres: &[f32],
) -> Result<usize, ModelError> {
    with_specs(dims, meta, weights, centres, blob::encoded_len)
}

/// Writes a network blob (the layout in the module docs) into `out`, returning its length. The
/// network is checked first exactly as [`Model::from_blob`] will check it, so whatever this writes
/// loads back. No allocation: it runs on a board too; the host sizes `out` with [`model_len`].
///
/// Errors: [`ModelError::Weights`] for weights a network rejects; [`ModelError::Field`] for bad
/// metadata; [`ModelError::Blob`] (e.g. [`BlobError::OutputTooSmall`]).
pub fn write_model(
    out: &mut [u8],
    dims: Dims,
    meta: &Meta,
    weights: ModelWeights<'_>,
    centres: &[f32],
) -> Result<usize, ModelError> {
    with_specs(dims, meta, weights, centres, |specs| {
        blob::write(out, specs)
    })
}
