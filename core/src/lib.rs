//! # engram-core
//!
//! The `no_std`, no-alloc reference kernels of engram: the same research models, with the same bits,
//! on a 16 KB microcontroller and on a workstation.
//!
//! Every kernel takes borrowed slices with runtime dimensions (plus caller-provided scratch where it
//! needs any) and returns [`Error`] on a dimension mismatch or bad input; nothing here panics.
//!
//! ## The bit-exactness contract
//! 1. Transcendentals only through direct [`libm`] calls (never the platform's `f32::exp`).
//! 2. Every reduction has a fixed, documented summation order.
//! 3. No fused multiply-add: Rust does not contract `a * b + c`, and the core never asks for it.
//!
//! Under those rules the [`scenario`] digests are identical on x86_64, thumbv6m, thumbv7em,
//! thumbv8m.main and riscv32imac; the cross-target regression tests check it bit for bit.
//!
//! ## Modules
//! - [`rng`]: a portable generator (xoshiro256++ seeded by SplitMix64), keyed streams, Gaussian draws.
//! - [`linalg`]: dot, axpy, mat-vec, mat-mat, Gram, Cholesky factor and solve.
//! - [`collapse`]: linear regression iteration (model collapse), replace vs accumulate.
//! - [`blob`]: the versioned, checksummed weights/patterns format, parsed zero-copy.
//! - [`hopfield`]: associative memories: classical binary (dense and bit-packed forms), dense
//!   associative, modern continuous, Gaussian-KDE and growing memories.
//! - [`rnn`]: recurrent networks for path integration: the network (ReLU, tanh, Norm-ReLU; f32 and
//!   int8 weights in a blob; top-k decoding), simulated trajectories, place-cell codes.
//! - [`polysemantic`]: incidental polysemanticity: the tied ReLU autoencoder with L1, its exact
//!   gradient, AdamW/SGD, input noise, the polysemantic-neuron count and its theory.
//! - [`softmax`]: softmax, log-sum-exp, participation ratio and L2 normalisation, shared by the
//!   model families.
//! - [`digest`]: FNV-1a digests of numeric outputs with NaNs canonicalised.
//! - [`scenario`]: the registry of named, seeded computations that the cross-target tests compare.
#![no_std]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(test)]
extern crate std;

pub mod blob;
pub mod collapse;
pub mod digest;
mod error;
pub mod hopfield;
pub mod linalg;
pub mod polysemantic;
mod real;
pub mod rng;
pub mod rnn;
pub mod scenario;
mod scratch;
pub mod softmax;

pub use error::Error;
pub use real::Real;

/// Result type of every fallible operation in the core.
pub type Result<T> = core::result::Result<T, Error>;
