//! `engram rnn <trajectories>`: recurrent networks for path integration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Subcommand};
use engram::experiment::cli::{ExperimentArgs, main};
use engram::rnn::train::{Train, TrainConfig};
use engram::rnn::trajectories::{TrajectoriesConfig, write};

/// Recurrent networks for path integration (papers.md §3; docs/trajectories.md, docs/rnn.md).
#[derive(Debug, Args)]
pub struct RnnArgs {
    #[command(subcommand)]
    cmd: RnnCommand,
}

#[derive(Debug, Subcommand)]
enum RnnCommand {
    /// Train a path integrator: batched BPTT on the CPU, supervised (Sorscher et al.) or
    /// self-supervised (Schaeffer et al.); one run per --seed, checkpointed and resumable;
    /// presets small, grid, ssl, board, paper (docs/training.md).
    Train(ExperimentArgs<TrainConfig>),
    /// Simulated trajectories (Sorscher et al.'s walk) as CSV, or NumPy .npy with a JSON sidecar;
    /// trajectory i is keyed (seed, 0, i), identical to what the trainer and a board draw.
    Trajectories(TrajectoriesArgs),
    /// Print a network blob: sizes, activation, weight dtype, metadata, checksum, tensors, flash
    /// and RAM. A corrupt or inconsistent blob: one line naming the defect, exit status 2.
    Inspect {
        /// The blob file (e.g. firmware/data/rnn-integrator-i8.bin).
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct TrajectoriesArgs {
    /// Trajectories B.
    #[arg(long, default_value_t = 200)]
    batch: usize,
    /// Steps T per trajectory.
    #[arg(long, default_value_t = 20)]
    seq_len: usize,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// A torus (wrap-around motion, periodic distances) instead of a walled box.
    #[arg(long)]
    periodic: bool,
    /// Box side L (m); the box is centred on 0.
    #[arg(
        long = "box",
        value_name = "L",
        default_value_t = 2.2,
        allow_negative_numbers = true
    )]
    box_size: f32,
    /// Time step (s).
    #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
    dt: f32,
    /// Also write place-cell targets for NP cells (difference of softmaxes, σ = 0.12 m,
    /// surround scale 2, centres uniform from the seed): CSV columns p0..p{NP-1}, or for .npy a
    /// second array <stem>.targets.npy of shape (B, T, NP).
    #[arg(long, value_name = "NP")]
    targets: Option<usize>,
    /// Output file: CSV (header batch,t,x,y,heading,vx,vy; B·T rows), or a name ending in .npy
    /// for a float32 (B, T, 5) array plus <stem>.json.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Overwrite existing output files.
    #[arg(long)]
    force: bool,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Runs an `engram rnn` subcommand.
pub fn run(args: RnnArgs, m: &ArgMatches) -> anyhow::Result<ExitCode> {
    match args.cmd {
        RnnCommand::Train(a) => {
            let sub = m
                .subcommand_matches("train")
                .ok_or_else(|| anyhow::anyhow!("internal: no rnn train matches"))?;
            main::<Train>(a, sub)
        }
        RnnCommand::Inspect { file } => {
            print!("{}", engram::rnn::inspect::report_file(&file)?);
            Ok(ExitCode::SUCCESS)
        }
        RnnCommand::Trajectories(a) => {
            let cfg = TrajectoriesConfig {
                batch: a.batch,
                seq_len: a.seq_len,
                seed: a.seed,
                periodic: a.periodic,
                box_size: a.box_size,
                dt: a.dt,
                targets: a.targets,
            };
            let w = write(&cfg, &a.out, a.force, !a.quiet)?;
            let mut files = vec![w.paths.data.display().to_string()];
            files.extend(w.paths.targets.iter().map(|p| p.display().to_string()));
            files.extend(w.paths.sidecar.iter().map(|p| p.display().to_string()));
            eprintln!(
                "wrote {} trajectories x {} steps: {}",
                cfg.batch,
                cfg.seq_len,
                files.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
