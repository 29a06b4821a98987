//! `engram hopfield <capacity|dense|modern|kde-capacity|grow>`: each an experiment on the shared
//! command line (`--config`, `--resume`, `--shard`, `merge`, …).

use std::process::ExitCode;

use clap::{ArgMatches, Args, Subcommand};
use engram::experiment::cli::{ExperimentArgs, main};
use engram::hopfield::capacity::{Capacity, CapacityConfig};
use engram::hopfield::dense::{Dense, DenseConfig};
use engram::hopfield::grow::{Grow, GrowConfig};
use engram::hopfield::kde::{KdeCapacity, KdeConfig};
use engram::hopfield::modern::{Modern, ModernConfig};

/// Associative memories (docs/hopfield.md), each run checked against theory.
#[derive(Debug, Args)]
pub struct HopfieldArgs {
    #[command(subcommand)]
    cmd: HopfieldCommand,
}

#[derive(Debug, Subcommand)]
enum HopfieldCommand {
    /// Classical network: stable fraction and retrieval overlap vs load α = P/N; checks the
    /// α where the mean final overlap falls below 0.9 (∈ [0.12, 0.16] for N = 512, 1024).
    Capacity(ExperimentArgs<CapacityConfig>),
    /// Dense associative memory F(x) = xⁿ vs classical: ≥ 95 % of P = 200 patterns stable at
    /// N = 100, n = 3, none in the classical network.
    Dense(ExperimentArgs<DenseConfig>),
    /// Modern continuous network: one-step retrieval at β = 16, metastable mixtures
    /// (participation ratio > M/10) at β = 2.
    Modern(ExperimentArgs<ModernConfig>),
    /// Gaussian-KDE memory capacity on the sphere: slope of ln N50 vs D against α_c(β).
    #[command(name = "kde-capacity")]
    KdeCapacity(ExperimentArgs<KdeConfig>),
    /// Growing (CRP) memory on a stream from K well-separated Gaussians: K ± 1 memories in
    /// ≥ 90 % of seeds, mean purity > 0.95.
    Grow(ExperimentArgs<GrowConfig>),
}

/// Runs one `hopfield` subcommand; `Ok` carries the exit code (1 when a check failed, unless
/// `--no-check`; 128 + the signal number when interrupted).
pub fn run(a: HopfieldArgs, m: &ArgMatches) -> anyhow::Result<ExitCode> {
    let (name, sub) = m
        .subcommand()
        .ok_or_else(|| anyhow::anyhow!("internal: no hopfield subcommand matches"))?;
    let _ = name;
    match a.cmd {
        HopfieldCommand::Capacity(a) => main::<Capacity>(a, sub),
        HopfieldCommand::Dense(a) => main::<Dense>(a, sub),
        HopfieldCommand::Modern(a) => main::<Modern>(a, sub),
        HopfieldCommand::KdeCapacity(a) => main::<KdeCapacity>(a, sub),
        HopfieldCommand::Grow(a) => main::<Grow>(a, sub),
    }
}
