//! # engram (host)
//!
//! The host side of engram: experiments and sweeps over the `engram-core` reference kernels, checks
//! against theory, plots, weight export, and the cross-target regression harness ([`xcheck`]).
//!
//! The `engram` binary is a thin command-line layer over this library.

pub mod collapse;
pub mod experiment;
pub mod hopfield;
pub mod polysemantic;
pub mod provenance;
pub mod report;
pub mod reproduce;
pub mod rnn;
pub mod scaling;
pub mod signals;
pub mod simd;
pub mod xcheck;
