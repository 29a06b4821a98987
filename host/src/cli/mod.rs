//! Command-line definitions (clap derive) and dispatch.

mod collapse;
mod hopfield;
mod polysemantic;
mod reproduce;
mod rnn;
mod scaling;
mod xcheck;

use std::process::ExitCode;

use clap::{ArgMatches, Parser, Subcommand};

/// engram: research models with the same bits on a microcontroller and a workstation.
#[derive(Debug, Parser)]
#[command(name = "engram", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reproduce every paper's results (or one family's) and write report.md and report.html.
    Reproduce(reproduce::ReproduceArgs),
    /// Linear regression iteration (model collapse): replace vs accumulate, checked against theory.
    Collapse(Box<collapse::CollapseArgs>),
    /// Associative memories: classical capacity, dense, modern, KDE capacity, growing memories —
    /// each checked against theory.
    Hopfield(Box<hopfield::HopfieldArgs>),
    /// Incidental polysemanticity: polysemantic neurons of an L1-trained tied ReLU autoencoder
    /// vs m, checked against m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ] ≈ n²/(4m).
    Polysemantic(Box<polysemantic::PolysemanticArgs>),
    /// Recurrent networks for path integration: trajectories and place-cell targets.
    Rnn(rnn::RnnArgs),
    /// Downstream capabilities from scale: per-sample correlation of log p_vocab → p_vocab →
    /// p_choices → accuracy and Brier score with log10 compute across a model family.
    Scaling(Box<scaling::ScalingArgs>),
    /// Cross-target regression: run the core's scenarios on emulated MCUs (QEMU) or a real board
    /// (probe-rs) and compare every digest with this machine's, bit for bit.
    Xcheck(xcheck::XcheckArgs),
}

fn sub<'a>(m: &'a ArgMatches, name: &str) -> anyhow::Result<&'a ArgMatches> {
    m.subcommand_matches(name)
        .ok_or_else(|| anyhow::anyhow!("internal: no {name} matches"))
}

/// Runs a parsed command line; `Ok` carries the process exit code (non-zero when a check failed).
/// `matches` tells which flags were given explicitly (they override a config file).
pub fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Reproduce(args) => reproduce::run(args),
        Command::Collapse(args) => collapse::run(*args, sub(matches, "collapse")?),
        Command::Hopfield(args) => hopfield::run(*args, sub(matches, "hopfield")?),
        Command::Polysemantic(args) => polysemantic::run(*args, sub(matches, "polysemantic")?),
        Command::Rnn(args) => rnn::run(args, sub(matches, "rnn")?),
        Command::Scaling(args) => scaling::run(*args, sub(matches, "scaling")?),
        Command::Xcheck(args) => xcheck::run(args),
    }
}
