//! Fixed-size recurrent networks that path-integrate (Sorscher, Mel, Ganguli & Ocko
//! 2019/2023; Schaeffer et al. 2023), as reference kernels. See `docs/rnn.md`.
//!
//! ```text
//! g₀ = W_enc p(x₀)   (or 0)          g_t = φ(W_ih v_t + W_hh g_{t−1} + b)
//! logits_t = W_dec g_t  →  softmax: predicted place-cell code;  top-k centres: decoded position
//! ```
//!
//! | item | what |
//! | --- | --- |
//! | [`Network`] | f32/f64 weights, runtime sizes: [`encode`](Network::encode), [`step`](Network::step), [`sequence`](Network::sequence), [`batch`](Network::batch), [`readout`](Network::readout) |
//! | [`Activation`] | φ ∈ {ReLU, tanh, Norm-ReLU} |
//! | [`QuantNetwork`], [`quantize_rows`], [`ActScales`] | int8 weights (per-row scales), 16-bit activations, exact integer sums |
//! | [`top_k`], [`decode_top_k`], [`Topology`] | position = mean of the k best centres (circular mean on a torus) |
//! | [`Model`], [`write_model`], [`Meta`] | a whole network (weights + metadata) in one blob, checked on load |
//! | [`FixedRnn`] | compile-time sizes and owned state over `'static` weights in flash (firmware) |
//! | `fast` (feature `fast-math`) | micromath fast paths for Norm-ReLU, tanh and the softmax confidence, with a tested error model; never in reference kernels |
//! | [`integrator_weights`], [`grid_centres`] | a hand-built exact integrator (demo and tests; not trained) |
//!
//! The readout's softmax is [`crate::softmax::softmax`].
//!
//! ```
//! use engram_core::rnn::{Activation, Dims, Network, Topology, Weights, decode_top_k, grid_centres, integrator_weights};
//! let (h, n) = (16, 8);
//! let np = n * n;
//! let mut centres = vec![0.0f32; 2 * np];
//! grid_centres(n, 2.2, &mut centres)?;
//! let (mut ih, mut hh, mut enc, mut dec) = (vec![0.0; 2 * h], vec![0.0; h * h], vec![0.0; h * np], vec![0.0; np * h]);
//! integrator_weights(h, 1.6, 0.12, &centres, &mut ih, &mut hh, &mut enc, &mut dec)?;
//! let net = Network::new(Dims::new(2, h, np), Activation::Relu,
//!     Weights { w_ih: &ih, w_hh: &hh, bias: None, w_enc: Some(&enc), w_dec: &dec })?;
//! // Start at the place cell nearest (0.4, −0.3), walk 20 steps of (−0.02, 0.03) m.
//! let mut p = vec![0.0f32; np];
//! p[2 * n + 5] = 1.0; // centre (0.4125, −0.4125)
//! let mut g0 = vec![0.0; h];
//! net.encode(&p, &mut g0)?;
//! let v: Vec<f32> = (0..20).flat_map(|_| [-0.02, 0.03]).collect();
//! let mut states = vec![0.0; 20 * h];
//! net.sequence(&v, &g0, &mut states)?;
//! let mut logits = vec![0.0; np];
//! net.readout(&states[19 * h..], &mut logits)?;
//! let xy = decode_top_k(&logits, &centres, Topology::Walled, &mut [0; 3])?;
//! let truth = [0.4125 - 0.4, -0.4125 + 0.6];
//! assert!(Topology::Walled.distance(xy, truth) < 0.15, "{xy:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod activation;
mod decode;
#[cfg(feature = "fast-math")]
pub mod fast;
mod fixed;
mod integrator;
mod network;
pub mod place;
mod quant;
pub mod trajectory;
mod weights;

pub use activation::Activation;
pub use decode::{Topology, decode_top_k, top_k};
pub use fixed::FixedRnn;
pub use integrator::{grid_centres, integrator_weights};
pub use network::{Dims, Network, Weights};
pub use quant::{
    ActScales, I32_CHUNK, Q_MAX_A, Q_MAX_W, QuantMatrix, QuantNetwork, QuantWeights, quantize_rows,
};
pub use weights::{
    CONFIG_LEN, GEOMETRY_LEN, LAYOUT_VERSION, Meta, Model, ModelError, ModelNet, ModelWeights,
    PlaceCodeKind, model_len, write_model,
};
