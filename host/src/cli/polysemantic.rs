//! `engram polysemantic`: the experiment on the shared command line (`--config`, `--preset paper`,
//! `--resume`, `--shard`, `merge`, …).

use std::process::ExitCode;

use clap::ArgMatches;
use engram::experiment::cli::{ExperimentArgs, main};
use engram::polysemantic::{PolyConfig, Polysemantic};

/// The arguments of `engram polysemantic`.
pub type PolysemanticArgs = ExperimentArgs<PolyConfig>;

/// Runs it; `Ok` carries the exit code (1 when a check failed, unless `--no-check`).
pub fn run(a: PolysemanticArgs, m: &ArgMatches) -> anyhow::Result<ExitCode> {
    main::<Polysemantic>(a, m)
}
