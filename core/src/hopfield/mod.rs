//! Associative memories (docs/hopfield.md): classical binary Hopfield networks in two exactly equal
//! storage forms, dense associative memories, the modern continuous network, the Gaussian-KDE view
//! and growing (Bayesian nonparametric) memories.
//!
//! Retrieval is descent on an energy E, equivalently ascent of the likelihood p_β(x) ∝ exp(−βE(x)):
//! memories are modes (Schaeffer et al., "Bridging Associative Memory and Probabilistic Modeling",
//! arXiv:2402.10202).
//!
//! | item | model | arithmetic |
//! | --- | --- | --- |
//! | [`DenseForm`], [`hebbian`] | classical, W = Σ_μ ξ^μ ξ^μᵀ (zero diagonal) | `i32` fields, `i64` energy |
//! | [`PatternForm`], [`PackedPatterns`] | classical, bit-packed patterns and overlaps | `i32` fields, `i64` energy |
//! | [`PolyMemory`] | dense associative, F(x) = xⁿ (Krotov & Hopfield 2016) | `i128` |
//! | [`ExpMemory`] | dense associative, F(x) = eˣ (Demircigil et al. 2017) | `f64`, log domain |
//! | [`run_async`], [`run_sync`], [`update_unit`] | update rules for every [`BinaryMemory`] | — |
//! | [`ModernHopfield`] | continuous, ξ ← Xᵀ softmax(β X ξ) (Ramsauer et al. 2020) | generic [`Real`](crate::Real) |
//! | [`GaussianKde`] | KDE energy and mean-shift | generic [`Real`](crate::Real) |
//! | [`GrowingMemory`] | CRP-prior Gaussian mixture, online | generic [`Real`](crate::Real) |
//!
//! States of the binary networks are bit-packed ±1 vectors ([`pack_signs`], [`unpack_signs`]):
//! ⌈N/32⌉ `u32` words, bit j of word k is unit 32k + j, set = +1, the blob format's
//! [`BitsU32`](crate::blob::Dtype::BitsU32) layout ([`PatternForm::from_blob`] uses stored patterns
//! in place).
//!
//! Integer arithmetic makes the dense and pattern forms *exactly* equal — same fields, energies and
//! trajectories for the same seed — and makes "asynchronous updates never raise the energy" an exact
//! statement, checked by property tests.
//!
//! ```
//! use engram_core::hopfield::{PatternForm, fill_random, flip_exactly, overlap, run_async};
//! use engram_core::rng::Rng;
//! const N: usize = 256;
//! const P: usize = 5;
//! const W: usize = N / 32;
//! let mut rng = Rng::seed_from_u64(2024);
//! let mut xi = [0u32; P * W];
//! for row in xi.chunks_exact_mut(W) {
//!     fill_random(row, N, &mut rng)?;
//! }
//! let net = PatternForm::new(&xi, P, N)?;
//! let mut s = [0u32; W];
//! s.copy_from_slice(&xi[..W]);
//! flip_exactly(&mut s, N, N / 10, &mut rng)?; // a cue with 10 % of the bits wrong
//! let (mut m, mut order) = ([0i32; P], [0u16; N]);
//! run_async(&net, &mut s, &mut m, &mut order, &mut rng, 20)?;
//! assert_eq!(overlap(&s, &xi[..W], N)?, N as i32); // retrieved exactly
//! # Ok::<(), engram_core::Error>(())
//! ```

mod dense;
mod dynamics;
mod growing;
mod kde;
mod krotov;
mod memory;
mod modern;
mod owned;
mod packed;
mod pattern;

/// Re-exported from [`crate::softmax`], where the shared softmax and normalisation maths lives.
pub use crate::softmax::{log_sum_exp, normalize, normalize_rows, participation_ratio, softmax};
pub use dense::{DenseForm, hebbian, hebbian_packed};
pub use dynamics::{
    Outcome, async_sweep, run_async, run_sync, sign_rule, sweep_order, sync_step, update_unit,
};
pub use growing::{AssignRule, Assigned, CrpConfig, FullPolicy, GrowingMemory};
pub use kde::{GaussianKde, MeanShiftOutcome};
pub use krotov::{ExpMemory, PolyMemory};
pub use memory::{BinaryMemory, SweepIndex};
pub use modern::ModernHopfield;
pub use owned::PackedPatterns;
pub use packed::{
    fill_random, flip_exactly, overlap, pack_signs, tail_mask, unpack_signs, words_for,
};
pub use pattern::PatternForm;
