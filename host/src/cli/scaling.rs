//! `engram scaling`: the analysis on the shared command line (`--config`, `--resume`, `--shard`,
//! `merge`, …).

use std::process::ExitCode;

use clap::ArgMatches;
use engram::experiment::cli::{ExperimentArgs, main};
use engram::scaling::{Scaling, ScalingConfig};

/// The arguments of `engram scaling`.
pub type ScalingArgs = ExperimentArgs<ScalingConfig>;

/// Runs it; `Ok` carries the exit code (1 when a check failed, unless `--no-check`).
pub fn run(a: ScalingArgs, m: &ArgMatches) -> anyhow::Result<ExitCode> {
    main::<Scaling>(a, m)
}
