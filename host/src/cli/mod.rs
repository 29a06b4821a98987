//! Command-line definitions (clap derive) and dispatch.

mod collapse;
mod hopfield;
mod rnn;
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
    /// Linear regression iteration (model collapse): replace vs accumulate, checked against theory.
    Collapse(Box<collapse::CollapseArgs>),
    /// Associative memories: classical capacity, dense, modern, KDE capacity, growing memories —
    /// each checked against theory.
    Hopfield(Box<hopfield::HopfieldArgs>),
    /// Recurrent networks for path integration: trajectories and place-cell targets.
    Rnn(rnn::RnnArgs),
    /// Cross-target regression: run the core's scenarios on emulated MCUs (QEMU) or a real board
    /// (probe-rs) and compare every digest with this machine's, bit for bit.
    Xcheck(xcheck::XcheckArgs),
}

/// Runs a parsed command line; `Ok` carries the process exit code (non-zero when a check failed).
/// `matches` tells which flags were given explicitly (they override a config file).
pub fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Collapse(args) => {
            let sub = matches
                .subcommand_matches("collapse")
                .ok_or_else(|| anyhow::anyhow!("internal: no collapse matches"))?;
            collapse::run(*args, sub)
        }
        Command::Hopfield(args) => hopfield::run(*args),
        Command::Rnn(args) => rnn::run(args),
        Command::Xcheck(args) => xcheck::run(args),
    }
}

/// Ctrl-C handling shared by long-running commands: the first press asks the run to stop after the
/// work under way (finished work is written); a second press exits at once.
pub fn install_ctrlc() -> &'static std::sync::atomic::AtomicBool {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STOP: AtomicBool = AtomicBool::new(false);
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!("\ninterrupted again: exiting now");
            std::process::exit(130);
        }
        eprintln!(
            "\ninterrupt: finishing the chains under way and saving finished points (Ctrl-C again to abort)"
        );
    });
    &STOP
}
