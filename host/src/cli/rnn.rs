//! `engram rnn <trajectories>`: recurrent networks for path integration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Subcommand};
use engram::experiment::cli::{ExperimentArgs, main};
use engram::rnn::train::{Train, TrainConfig};
use engram::rnn::trajectories::{TrajectoriesConfig, write};

/// Recurrent networks for path integration (docs/trajectories.md, docs/rnn.md).
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
    Train(Box<ExperimentArgs<TrainConfig>>),
    /// Simulated trajectories (Sorscher et al.'s walk) as CSV, or NumPy .npy with a JSON sidecar;
    /// trajectory i is keyed (seed, 0, i), identical to what the trainer and a board draw.
    Trajectories(TrajectoriesArgs),
    /// Grid scores of rate maps you bring, exactly as DeepMind's scores.py computes them
    /// (docs/gridscore.md): CSV on stdout, one row per map in argument order.
    Gridscore(GridscoreArgs),
    /// Pattern formation: non-negative vs unconstrained principal components of the place-cell
    /// covariance (hexagons vs stripes/squares), Sorscher et al.'s Lagrangian form beside them,
    /// and the RNN's walled-box covariance; scored.
    #[command(name = "pattern-formation")]
    PatternFormation(Box<ExperimentArgs<engram::rnn::pattern::PatternConfig>>),
    /// Grid-cell analysis of a trained network (RUN_DIR or --weights BLOB): rate maps,
    /// autocorrelograms, grid scores, spacing, modules, decoding error vs time, counted against a
    /// shifted null and the same architecture at initialisation (docs/gridscore.md).
    Analyze(Box<ExperimentArgs<engram::rnn::analyze::AnalyzeConfig>>),
    /// Grid-like units over training: trains the grid preset (seeds 0, 1, 2), analyses the
    /// network every 500 steps against the untrained network's null; minutes per seed. Set the
    /// [train] and [analysis] tables with --config FILE (--print-config shows them).
    #[command(name = "grid-emergence")]
    GridEmergence(Box<ExperimentArgs<engram::rnn::emergence::EmergenceConfig>>),
    /// Print a network blob: sizes, activation, weight dtype, metadata, checksum, tensors, flash
    /// and RAM. A corrupt or inconsistent blob: one line naming the defect, exit status 2.
    Inspect {
        /// The blob file (e.g. firmware/data/rnn-integrator-i8.bin).
        file: PathBuf,
    },
    /// Write a trained run's network (RUN_DIR/network.bin) as a blob for the firmware: f32, or
    /// int8 with activation scales calibrated on held-out trajectories; reports its decoding error.
    Export(Box<ExportArgs>),
    /// Build a network blob from NumPy .npy arrays (e.g. a grid-pattern-formation state dict;
    /// docs/rnn.md gives the mapping), every shape checked.
    Import(Box<ImportArgs>),
}

/// Calibration of int8 activation scales and the decoding-error report (held-out trajectories).
#[derive(Debug, Args)]
struct CalibArgs {
    /// Seed of the held-out trajectories (keys (seed, 2^63, i) calibrate, (seed, 2^63+1, i)
    /// evaluate: batches no training run reaches).
    #[arg(long, default_value_t = 0)]
    calib_seed: u64,
    /// Calibration trajectories (int8).
    #[arg(long, default_value_t = 200)]
    calib_trajectories: usize,
    /// Steps per held-out trajectory.
    #[arg(long, default_value_t = 20)]
    calib_steps: usize,
    /// Activation scale headroom over the largest magnitude seen (>= 1).
    #[arg(long, default_value_t = 1.25)]
    headroom: f32,
    /// Trajectories of the decoding-error report (0: no report).
    #[arg(long, default_value_t = 200)]
    eval: usize,
}

impl CalibArgs {
    fn calibration(&self) -> engram::rnn::export::Calibration {
        engram::rnn::export::Calibration {
            seed: self.calib_seed,
            trajectories: self.calib_trajectories,
            steps: self.calib_steps,
            headroom: self.headroom,
            eval: self.eval,
        }
    }
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// The run directory of `engram rnn train` (holding network.bin), or a network blob file.
    run_dir: PathBuf,
    /// The blob to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// int8 weights (per-row scales) with 16-bit activations instead of f32.
    #[arg(long)]
    int8: bool,
    /// Overwrite an existing --out.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    calib: CalibArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ActivationArg {
    Relu,
    Tanh,
    NormRelu,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PlaceCodeArg {
    /// Difference of softmaxes (Sorscher et al.).
    Dos,
    /// Softmax of Gaussian bumps.
    Gaussian,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Input weights W_ih, shape (H, I) (PyTorch RNN.weight_ih_l0).
    #[arg(long, value_name = "NPY")]
    w_ih: PathBuf,
    /// Recurrent weights W_hh, shape (H, H) (RNN.weight_hh_l0).
    #[arg(long, value_name = "NPY")]
    w_hh: PathBuf,
    /// Bias b, shape (H,) (for a torch RNN with bias: bias_ih_l0 + bias_hh_l0).
    #[arg(long = "b", value_name = "NPY")]
    bias: Option<PathBuf>,
    /// Encoder W_enc, shape (H, Np) (encoder.weight); without it g0 = 0.
    #[arg(long, value_name = "NPY")]
    w_enc: Option<PathBuf>,
    /// Readout W_dec, shape (Np, H) (decoder.weight).
    #[arg(long, value_name = "NPY")]
    w_dec: PathBuf,
    /// Place-cell centres, shape (Np, 2), metres, box centred on 0 (place_cells.us).
    #[arg(long, value_name = "NPY")]
    centres: PathBuf,
    /// Activation φ.
    #[arg(long, value_enum, default_value = "relu")]
    activation: ActivationArg,
    /// Box side L (m), centred on 0.
    #[arg(
        long = "box",
        value_name = "L",
        default_value_t = 2.2,
        allow_negative_numbers = true
    )]
    box_size: f32,
    /// A periodic box (torus).
    #[arg(long)]
    periodic: bool,
    /// Place-cell width sigma (m).
    #[arg(long, default_value_t = 0.12, allow_negative_numbers = true)]
    sigma: f32,
    /// Place code the network was trained against.
    #[arg(long, value_enum, default_value = "dos")]
    place_code: PlaceCodeArg,
    /// Difference of softmaxes: the surround's variance scale s (the original's surround_scale).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    surround_scale: f32,
    /// Time step (s).
    #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
    dt: f32,
    /// Top-k of the position decoder.
    #[arg(long, default_value_t = 3)]
    decode_k: usize,
    /// int8 weights (calibrated) instead of f32.
    #[arg(long)]
    int8: bool,
    /// The blob to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Overwrite an existing --out.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    calib: CalibArgs,
}

#[derive(Debug, Args)]
struct GridscoreArgs {
    /// Rate maps: .csv (one n x n map, rows = y bins, `nan` = unvisited) or .npy (float32/64,
    /// units x n x n or n x n).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Unvisited (NaN) bins: `zero` counts them as rate 0 (DeepMind's scorer), `mask` leaves
    /// them out of the autocorrelogram.
    #[arg(long, value_enum, default_value = "zero")]
    nan: engram::rnn::grid::NanPolicy,
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
            main::<Train>(*a, sub)
        }
        RnnCommand::Gridscore(a) => {
            print!("{}", engram::rnn::grid::gridscore::run(&a.files, a.nan)?);
            Ok(ExitCode::SUCCESS)
        }
        RnnCommand::PatternFormation(a) => {
            let sub = m
                .subcommand_matches("pattern-formation")
                .ok_or_else(|| anyhow::anyhow!("internal: no rnn pattern-formation matches"))?;
            main::<engram::rnn::pattern::PatternFormation>(*a, sub)
        }
        RnnCommand::Analyze(a) => {
            let sub = m
                .subcommand_matches("analyze")
                .ok_or_else(|| anyhow::anyhow!("internal: no rnn analyze matches"))?;
            main::<engram::rnn::analyze::Analyze>(*a, sub)
        }
        RnnCommand::GridEmergence(a) => {
            let sub = m
                .subcommand_matches("grid-emergence")
                .ok_or_else(|| anyhow::anyhow!("internal: no rnn grid-emergence matches"))?;
            main::<engram::rnn::emergence::GridEmergence>(*a, sub)
        }
        RnnCommand::Inspect { file } => {
            print!("{}", engram::rnn::inspect::report_file(&file)?);
            Ok(ExitCode::SUCCESS)
        }
        RnnCommand::Export(a) => {
            let cfg = engram::rnn::export::ExportConfig {
                run_dir: a.run_dir,
                out: a.out,
                int8: a.int8,
                force: a.force,
                calibration: a.calib.calibration(),
            };
            let w = engram::rnn::export::export(&cfg)?;
            print!("{}", engram::rnn::export::describe(&w, &cfg.calibration));
            Ok(ExitCode::SUCCESS)
        }
        RnnCommand::Import(a) => {
            use engram::rnn::import::{ImportConfig, PlaceCode};
            use engram_core::rnn::Activation;
            let cfg = ImportConfig {
                w_ih: a.w_ih,
                w_hh: a.w_hh,
                bias: a.bias,
                w_enc: a.w_enc,
                w_dec: a.w_dec,
                centres: a.centres,
                activation: match a.activation {
                    ActivationArg::Relu => Activation::Relu,
                    ActivationArg::Tanh => Activation::Tanh,
                    ActivationArg::NormRelu => Activation::NormRelu,
                },
                box_size: a.box_size,
                periodic: a.periodic,
                sigma: a.sigma,
                place_code: match a.place_code {
                    PlaceCodeArg::Dos => PlaceCode::Dos,
                    PlaceCodeArg::Gaussian => PlaceCode::Gaussian,
                },
                surround_scale: a.surround_scale,
                dt: a.dt,
                decode_k: a.decode_k,
                int8: a.int8,
                out: a.out,
                force: a.force,
                calibration: a.calib.calibration(),
            };
            let w = engram::rnn::import::import(&cfg)?;
            print!("{}", engram::rnn::export::describe(&w, &cfg.calibration));
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
