//! `engram collapse` and `engram collapse merge`: the shared experiment command line.

use std::process::ExitCode;

use clap::ArgMatches;
use engram::collapse::{Collapse, SweepConfig};
use engram::experiment::cli::{ExperimentArgs, main};

/// The command line of `engram collapse`.
pub type CollapseArgs = ExperimentArgs<SweepConfig>;

pub fn run(a: CollapseArgs, m: &ArgMatches) -> anyhow::Result<ExitCode> {
    main::<Collapse>(a, m)
}
