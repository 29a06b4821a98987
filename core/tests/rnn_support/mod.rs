//! Shared by the rnn integration tests: the hand-built integrator as owned buffers, its int8
//! quantization and calibration, a Gaussian place code, and blobs written to a `Vec`.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use engram_core::blob::Blob;
use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile};
use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
use engram_core::rnn::{
    ActScales, Activation, Dims, Meta, Model, ModelWeights, Network, PlaceCodeKind, QuantMatrix,
    QuantWeights, Weights, grid_centres, integrator_weights, model_len, quantize_rows, write_model,
};

/// Owned f32 weights of a network.
#[derive(Debug, Clone)]
pub struct OwnedF32 {
    pub dims: Dims,
    pub w_ih: Vec<f32>,
    pub w_hh: Vec<f32>,
    pub bias: Option<Vec<f32>>,
    pub w_enc: Option<Vec<f32>>,
    pub w_dec: Vec<f32>,
    pub centres: Vec<f32>,
}

impl OwnedF32 {
    pub fn weights(&self) -> Weights<'_, f32> {
        Weights {
            w_ih: &self.w_ih,
            w_hh: &self.w_hh,
            bias: self.bias.as_deref(),
            w_enc: self.w_enc.as_deref(),
            w_dec: &self.w_dec,
        }
    }

    pub fn network(&self, activation: Activation) -> Network<'_, f32> {
        Network::new(self.dims, activation, self.weights()).unwrap()
    }
}

/// Owned int8 codes and scales of one matrix.
#[derive(Debug, Clone)]
pub struct OwnedQ {
    pub q: Vec<i8>,
    pub scale: Vec<f32>,
}

impl OwnedQ {
    pub fn new(w: &[f32], rows: usize, cols: usize) -> Self {
        let mut q = vec![0i8; rows * cols];
        let mut scale = vec![0.0f32; rows];
        quantize_rows(w, rows, cols, &mut q, &mut scale).unwrap();
        Self { q, scale }
    }

    pub fn view(&self) -> QuantMatrix<'_> {
        QuantMatrix {
            q: &self.q,
            scale: &self.scale,
        }
    }
}

/// Owned int8 weights.
#[derive(Debug, Clone)]
pub struct OwnedI8 {
    pub w_ih: OwnedQ,
    pub w_hh: OwnedQ,
    pub bias: Option<Vec<f32>>,
    pub w_enc: Option<OwnedQ>,
    pub w_dec: OwnedQ,
}

impl OwnedI8 {
    pub fn quantize(f: &OwnedF32) -> Self {
        let Dims {
            inputs: i,
            hidden: h,
            places: p,
        } = f.dims;
        Self {
            w_ih: OwnedQ::new(&f.w_ih, h, i),
            w_hh: OwnedQ::new(&f.w_hh, h, h),
            bias: f.bias.clone(),
            w_enc: f.w_enc.as_ref().map(|e| OwnedQ::new(e, h, p)),
            w_dec: OwnedQ::new(&f.w_dec, p, h),
        }
    }

    pub fn weights(&self) -> QuantWeights<'_> {
        QuantWeights {
            w_ih: self.w_ih.view(),
            w_hh: self.w_hh.view(),
            bias: self.bias.as_deref(),
            w_enc: self.w_enc.as_ref().map(OwnedQ::view),
            w_dec: self.w_dec.view(),
        }
    }
}

/// Box side of Sorscher et al.'s arena (m).
pub const BOX: f32 = 2.2;
/// Offset c of the integrator: above the half-diagonal 1.1·√2 ≈ 1.556 m.
pub const OFFSET: f32 = 1.6;
/// Readout width σ (m).
pub const SIGMA: f32 = 0.12;

/// The hand-built integrator with H units over an n × n grid of centres in the 2.2 m box.
pub fn integrator(h: usize, n: usize) -> OwnedF32 {
    let np = n * n;
    let mut centres = vec![0.0f32; 2 * np];
    grid_centres(n, BOX, &mut centres).unwrap();
    let (mut w_ih, mut w_hh, mut w_enc, mut w_dec) = (
        vec![0.0; 2 * h],
        vec![0.0; h * h],
        vec![0.0; h * np],
        vec![0.0; np * h],
    );
    integrator_weights(
        h, OFFSET, SIGMA, &centres, &mut w_ih, &mut w_hh, &mut w_enc, &mut w_dec,
    )
    .unwrap();
    OwnedF32 {
        dims: Dims::new(2, h, np),
        w_ih,
        w_hh,
        bias: None,
        w_enc: Some(w_enc),
        w_dec,
        centres,
    }
}

/// The Gaussian place code (softmax(−‖x − c_j‖² / 2σ²), [`PlaceCells::encode`]) at `x`.
pub fn place_code(centres: &[f32], x: [f32; 2], sigma: f32) -> Vec<f32> {
    let cfg = PlaceConfig {
        sigma,
        profile: PlaceProfile::Gaussian,
        box_size: BOX,
        periodic: false,
    };
    let cells = PlaceCells::new(centres, cfg).unwrap();
    let mut p = vec![0.0f32; centres.len() / 2];
    cells.encode(x, &mut p, &mut []).unwrap();
    p
}

/// One trajectory of `steps` steps: start and the (dx, dy) inputs, and the true positions.
pub fn trajectory(seed: u64, index: u64, steps: usize) -> ([f32; 2], Vec<f32>, Vec<[f32; 2]>) {
    let cfg = TrajectoryConfig::<f32>::sorscher();
    let mut w = Walker::new(&cfg, TrajectoryKey::new(seed, 0, index)).unwrap();
    let (x0, y0) = w.start();
    let mut v = Vec::with_capacity(2 * steps);
    let mut xs = Vec::with_capacity(steps);
    for _ in 0..steps {
        let s = w.step();
        v.extend([s.dx, s.dy]);
        xs.push([s.x, s.y]);
    }
    ([x0, y0], v, xs)
}

/// Activation scales calibrated on `n` trajectories (keys seed, index 0..n) of the f32 network.
pub fn calibrate(net: &Network<'_, f32>, centres: &[f32], seed: u64, n: u64) -> ActScales {
    let h = net.dims().hidden;
    let (mut max_v, mut max_g) = (0.0f32, 0.0f32);
    for k in 0..n {
        let (x0, v, _) = trajectory(seed, k, 20);
        let mut g0 = vec![0.0; h];
        net.encode(&place_code(centres, x0, SIGMA), &mut g0)
            .unwrap();
        let mut states = vec![0.0; 20 * h];
        net.sequence(&v, &g0, &mut states).unwrap();
        max_v = v.iter().fold(max_v, |m, x| m.max(x.abs()));
        max_g = states.iter().chain(&g0).fold(max_g, |m, x| m.max(x.abs()));
    }
    ActScales::calibrate(max_v, max_g, 1.25).unwrap()
}

/// Metadata of the integrator networks.
pub fn integrator_meta() -> Meta {
    Meta {
        activation: Activation::Relu,
        place_code: PlaceCodeKind::Gaussian,
        periodic: false,
        decode_k: 3,
        box_width: BOX,
        box_height: BOX,
        dt: 0.02,
        sigma: SIGMA,
        surround: 0.0,
    }
}

/// A blob of `weights` in a fresh 16-byte-aligned buffer (a `Vec<u128>` viewed as bytes).
pub fn blob_bytes(dims: Dims, meta: &Meta, weights: ModelWeights<'_>, centres: &[f32]) -> Vec<u8> {
    let n = model_len(dims, meta, weights, centres).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(
        write_model(&mut out, dims, meta, weights, centres).unwrap(),
        n
    );
    out
}

/// `bytes` copied to a 16-byte-aligned leaked buffer, so typed views never fail on alignment.
pub fn aligned(bytes: &[u8]) -> &'static [u8] {
    let leaked: &'static mut [u8] = Box::leak(vec![0u8; bytes.len() + 16].into_boxed_slice());
    let off = leaked.as_ptr().align_offset(16);
    let view = &mut leaked[off..off + bytes.len()];
    view.copy_from_slice(bytes);
    view
}

/// Parses and loads `bytes` (copied to aligned memory).
pub fn load(bytes: &[u8]) -> Result<Model<'static>, engram_core::rnn::ModelError> {
    let b = aligned(bytes);
    let blob = Blob::parse(b)?;
    Model::from_blob(&blob)
}
