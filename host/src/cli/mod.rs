//! Command-line definitions (clap derive) and dispatch.

mod xcheck;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// engram: research models with the same bits on a microcontroller and a workstation.
#[derive(Debug, Parser)]
#[command(name = "engram", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Cross-target regression: run the core's scenarios on emulated MCUs (QEMU) or a real board
    /// (probe-rs) and compare every digest with this machine's, bit for bit.
    Xcheck(xcheck::XcheckArgs),
}

/// Runs a parsed command line; `Ok` carries the process exit code (non-zero when a check failed).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Xcheck(args) => xcheck::run(args),
    }
}
