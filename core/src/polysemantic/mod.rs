//! Incidental polysemanticity: a tied ReLU autoencoder on one-hot features, trained with an L1
//! penalty, ends up with some neurons that carry two features even though it has many more
//! neurons than features (Lecomte et al., "What Causes Polysemanticity? An Alternative Origin Story
//! of Mixed Selectivity from Incidental Causes", arXiv:2312.03096; docs/polysemantic.md).
//!
//! - Weights W ∈ R^{n×m}: row i is feature i's encoding over the m neurons, initialised
//!   N(0, 1/m) ([`init_weights`]).
//! - Output on the n basis vectors: Y = ReLU(W Wᵀ), so Yᵢⱼ = ReLU(Wᵢ·Wⱼ).
//! - Loss L = Σᵢⱼ (δᵢⱼ − Yᵢⱼ)² + λ‖W‖₁ ([`loss_grad`], exact gradient; [`loss_grad_inputs`] for
//!   noisy inputs, see [`Noise`]).
//! - Optimisers: [`AdamW`] (torch's defaults: β = (0.9, 0.999), ε = 10⁻⁸, decoupled weight decay
//!   0.01) and [`Sgd`]; [`Trainer`] runs full-batch steps.
//! - A neuron is *polysemantic* when more than one feature has |Wᵢⱼ| ∈ [0.8, 1.2] on it
//!   ([`polysemantic_neurons`]).
//!
//! Theory ([`expected_polysemantic`]): if each feature ends on one neuron chosen uniformly, with a
//! random sign, and two features can share a neuron only with opposite signs (same-sign pairs
//! interfere through ReLU(Wᵢ·Wⱼ) > 0 and are pushed apart), the expected count is
//! m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ] ≈ n²/(4m).
//!
//! Every reduction has a fixed order (see [`dot8`] and each kernel), so the trained weights are
//! bit-identical on every target.
//!
//! ```
//! use engram_core::polysemantic::{Optimizer, Noise, TrainConfig, Trainer, init_weights, scratch_len,
//!     polysemantic_neurons};
//! use engram_core::rng::Rng;
//! let cfg = TrainConfig { n: 4, m: 16, lambda: 1e-3f32, lr: 1e-2, optimizer: Optimizer::AdamW,
//!     noise: Noise::None };
//! let mut rng = Rng::seed_from_u64(1);
//! let mut w = [0.0f32; 64];
//! init_weights(&mut w, cfg.n, cfg.m, &mut rng).unwrap();
//! let mut scratch = [0.0f32; 256];
//! let need = scratch_len(&cfg).unwrap();
//! let mut t = Trainer::new(cfg).unwrap();
//! let first = t.step(&mut w, &mut scratch[..need], &mut rng).unwrap();
//! for _ in 0..200 { t.step(&mut w, &mut scratch[..need], &mut rng).unwrap(); }
//! let last = t.step(&mut w, &mut scratch[..need], &mut rng).unwrap();
//! assert!(last < first);
//! assert!(polysemantic_neurons(&w, 4, 16).unwrap() <= 16);
//! ```

mod count;
mod model;
mod noise;
mod optim;
mod theory;
mod train;

pub use count::{
    BAND, features_on, polysemantic_neurons, reconstructed_features, represented_features,
};
pub use model::{dot8, init_weights, inputs_scratch_len, loss_grad, loss_grad_inputs};
pub use noise::{Noise, fill_inputs};
pub use optim::{AdamW, Sgd};
pub use theory::{approx_polysemantic, expected_polysemantic};
pub use train::{Optimizer, TrainConfig, Trainer, scratch_len};
