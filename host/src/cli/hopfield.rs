//! `engram hopfield <capacity|dense|modern|kde-capacity|grow>`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::{Args, Subcommand};
use engram::hopfield::capacity::{CapacityConfig, Kernel};
use engram::hopfield::dense::DenseConfig;
use engram::hopfield::grow::GrowConfig;
use engram::hopfield::kde::KdeConfig;
use engram::hopfield::modern::{ModernConfig, read_patterns};
use engram::hopfield::{Outcome, RunOptions, checks_table};

/// Associative memories (papers.md §2), each run checked against theory.
#[derive(Debug, Args)]
pub struct HopfieldArgs {
    #[command(subcommand)]
    cmd: HopfieldCommand,
}

#[derive(Debug, Subcommand)]
enum HopfieldCommand {
    /// Classical network: stable fraction and retrieval overlap vs load α = P/N; checks the
    /// α where the mean final overlap falls below 0.9 (∈ [0.12, 0.16] for N = 512, 1024).
    Capacity(CapacityArgs),
    /// Dense associative memory F(x) = xⁿ vs classical: ≥ 95 % of P = 200 patterns stable at
    /// N = 100, n = 3, none in the classical network.
    Dense(DenseArgs),
    /// Modern continuous network: one-step retrieval at β = 16, metastable mixtures at β = 2.
    Modern(ModernArgs),
    /// Gaussian-KDE memory capacity on the sphere: slope of ln N50 vs D against α_c(β).
    #[command(name = "kde-capacity")]
    KdeCapacity(KdeArgs),
    /// Growing (CRP) memory on a stream from K well-separated Gaussians.
    Grow(GrowArgs),
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
struct Common {
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Results directory [default: results/hopfield/<subcommand>/<UTC timestamp>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]; results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Skip the checks' exit status (still computed and written).
    #[arg(long)]
    no_check: bool,
}

#[derive(Debug, Args)]
struct CapacityArgs {
    /// Network sizes N (list).
    #[arg(long, value_delimiter = ',', default_value = "256,512,1024")]
    n: Vec<usize>,
    /// Loads α = P/N (list).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,0.2"
    )]
    alpha: Vec<f64>,
    /// Independent pattern sets per point.
    #[arg(long, default_value_t = 20)]
    trials: usize,
    /// Cues per pattern set (trials × cues ≥ 400 per point by default).
    #[arg(long, default_value_t = 20)]
    cues: usize,
    /// Fraction of bits flipped in a cue.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    flip: f64,
    /// Sweep limit of the asynchronous dynamics.
    #[arg(long, default_value_t = 100)]
    max_sweeps: usize,
    /// Implementation (identical results).
    #[arg(long, value_enum, default_value_t = Kernel::Host)]
    kernel: Kernel,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct DenseArgs {
    /// Units N.
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Degree n of F(x) = xⁿ.
    #[arg(long, default_value_t = 3)]
    degree: u32,
    /// Pattern counts P (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10,25,50,100,150,200,300,400"
    )]
    p: Vec<usize>,
    /// The P of the check (one of --p).
    #[arg(long, default_value_t = 200)]
    check_p: usize,
    /// Pattern sets per point.
    #[arg(long, default_value_t = 10)]
    trials: usize,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct ModernArgs {
    /// Pattern dimension d [default: 64, or the row length of --patterns].
    #[arg(long)]
    dim: Option<usize>,
    /// Stored patterns M (ignored with --patterns).
    #[arg(long, default_value_t = 1024)]
    patterns: usize,
    /// Queries.
    #[arg(long, default_value_t = 1024)]
    queries: usize,
    /// Norm of the Gaussian noise added to a stored pattern to make a query.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    noise: f64,
    /// Inverse temperatures β (list).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.5,1,2,4,8,16,32"
    )]
    beta: Vec<f64>,
    /// β of the one-step retrieval check (one of --beta).
    #[arg(long, default_value_t = 16.0, allow_negative_numbers = true)]
    retrieve_beta: f64,
    /// β of the metastable-mixture check (one of --beta).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    mix_beta: f64,
    /// Fixed point: iterate until ‖Δξ‖ < tol.
    #[arg(long, default_value_t = 1e-5, allow_negative_numbers = true)]
    tol: f64,
    /// Iteration limit of the fixed-point search.
    #[arg(long, default_value_t = 200)]
    max_iter: usize,
    /// Stored patterns from a blob file (an f32 tensor [M, d]) instead of random unit vectors.
    #[arg(long, value_name = "BLOB")]
    patterns_file: Option<PathBuf>,
    /// Name of the patterns tensor in --patterns-file.
    #[arg(long, default_value = "patterns")]
    tensor: String,
    /// Implementation.
    #[arg(long, value_enum, default_value_t = Kernel::Host)]
    kernel: Kernel,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct KdeArgs {
    /// Inverse bandwidths β = 1/σ² (list).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.5,1"
    )]
    beta: Vec<f64>,
    /// Dimensions D, one comma list per β, lists separated by ';'.
    #[arg(long, default_value = "12,16,20,24,28;8,11,14,17,20")]
    dims: String,
    /// Probe data per (β, D, N).
    #[arg(long, default_value_t = 128)]
    probes: usize,
    /// Mean-shift step limit.
    #[arg(long, default_value_t = 100)]
    max_iter: usize,
    /// Largest N searched.
    #[arg(long, default_value_t = 131072)]
    max_n: usize,
    /// Implementation.
    #[arg(long, value_enum, default_value_t = Kernel::Host)]
    kernel: Kernel,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct GrowArgs {
    /// Mixture components K (≤ 16).
    #[arg(long, default_value_t = 8)]
    k: usize,
    /// Distance between any two component means (means on distinct axes at s/√2).
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    separation: f64,
    /// Standard deviation of the data around their mean.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    data_sigma: f64,
    /// Stream length per seed.
    #[arg(long, default_value_t = 2000)]
    n: usize,
    /// Independent streams.
    #[arg(long, default_value_t = 50)]
    seeds: usize,
    /// CRP concentration α.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    alpha: f64,
    /// Model variance σ² of a datum around its memory.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    sigma2: f64,
    /// Prior variance σ₀² of a new memory's mean.
    #[arg(long, default_value_t = 25.0, allow_negative_numbers = true)]
    prior_var: f64,
    /// Most memories allowed (≤ 64); exceeding it is an error.
    #[arg(long, default_value_t = 64)]
    capacity: usize,
    #[command(flatten)]
    common: Common,
}

fn options(c: &Common, sub: &str) -> anyhow::Result<RunOptions> {
    if c.threads == Some(0) {
        anyhow::bail!("threads: must be >= 1");
    }
    Ok(RunOptions {
        out: c.out.clone().unwrap_or_else(|| {
            PathBuf::from("results/hopfield")
                .join(sub)
                .join(chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string())
        }),
        threads: c
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        progress: true,
    })
}

fn parse_dims(s: &str) -> anyhow::Result<Vec<Vec<usize>>> {
    s.split(';')
        .map(|l| {
            l.split(',')
                .map(|v| {
                    v.trim().parse::<usize>().map_err(|_| {
                        anyhow::anyhow!(
                            "dims: {v:?} in {s:?} is not a whole number (e.g. \"12,15;8,10\")"
                        )
                    })
                })
                .collect()
        })
        .collect()
}

fn finish(name: &str, outcome: &Outcome, no_check: bool) -> ExitCode {
    let s = &outcome.summary;
    println!("{}", checks_table(&s.checks));
    println!(
        "hopfield {name}: {} passed, {} failed — results in {}",
        s.passed,
        s.failed,
        outcome.dir.display()
    );
    if s.interrupted {
        eprintln!(
            "interrupted after {} of {} points (finished points written)",
            s.points_done, s.points_total
        );
        return ExitCode::from(130);
    }
    if s.failed > 0 && !no_check {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs one `hopfield` subcommand; `Ok` carries the exit code (1 when a check failed, unless
/// `--no-check`; 130 when interrupted).
pub fn run(a: HopfieldArgs) -> anyhow::Result<ExitCode> {
    let stop = super::install_ctrlc();
    let (name, outcome, no_check) = match a.cmd {
        HopfieldCommand::Capacity(a) => {
            let cfg = CapacityConfig {
                n: a.n,
                alpha: a.alpha,
                trials: a.trials,
                cues: a.cues,
                flip: a.flip,
                max_sweeps: a.max_sweeps,
                seed: a.common.seed,
                kernel: a.kernel,
            };
            cfg.validate()?;
            let opts = options(&a.common, "capacity")?;
            let o = engram::hopfield::capacity::run(&cfg, &opts, stop)?;
            ("capacity", o, a.common.no_check)
        }
        HopfieldCommand::Dense(a) => {
            let cfg = DenseConfig {
                n: a.n,
                degree: a.degree,
                p: a.p,
                check_p: a.check_p,
                trials: a.trials,
                seed: a.common.seed,
            };
            cfg.validate()?;
            let opts = options(&a.common, "dense")?;
            (
                "dense",
                engram::hopfield::dense::run(&cfg, &opts, stop)?,
                a.common.no_check,
            )
        }
        HopfieldCommand::Modern(a) => {
            let (mut dim, mut patterns) = (a.dim.unwrap_or(64), a.patterns);
            if let Some(f) = &a.patterns_file {
                let (_, m, d) = read_patterns(f, &a.tensor)?;
                if let Some(want) = a.dim
                    && want != d
                {
                    anyhow::bail!(
                        "patterns {}: rows have length {d}, but --dim is {want}",
                        f.display()
                    );
                }
                (dim, patterns) = (d, m);
            }
            let cfg = ModernConfig {
                dim,
                patterns,
                queries: a.queries,
                noise: a.noise,
                beta: a.beta,
                retrieve_beta: a.retrieve_beta,
                mix_beta: a.mix_beta,
                tol: a.tol,
                max_iter: a.max_iter,
                seed: a.common.seed,
                kernel: a.kernel,
                patterns_file: a.patterns_file.map(|p| p.display().to_string()),
                tensor: a.tensor,
            };
            cfg.validate()?;
            let opts = options(&a.common, "modern")?;
            (
                "modern",
                engram::hopfield::modern::run(&cfg, &opts, stop)?,
                a.common.no_check,
            )
        }
        HopfieldCommand::KdeCapacity(a) => {
            let cfg = KdeConfig {
                beta: a.beta,
                dims: parse_dims(&a.dims)?,
                probes: a.probes,
                max_iter: a.max_iter,
                max_n: a.max_n,
                seed: a.common.seed,
                kernel: a.kernel,
            };
            cfg.validate()?;
            let opts = options(&a.common, "kde-capacity")?;
            (
                "kde-capacity",
                engram::hopfield::kde::run(&cfg, &opts, stop)?,
                a.common.no_check,
            )
        }
        HopfieldCommand::Grow(a) => {
            let cfg = GrowConfig {
                k: a.k,
                separation: a.separation,
                data_sigma: a.data_sigma,
                n: a.n,
                seeds: a.seeds,
                alpha: a.alpha,
                sigma2: a.sigma2,
                prior_var: a.prior_var,
                capacity: a.capacity,
                seed: a.common.seed,
            };
            cfg.validate()?;
            let opts = options(&a.common, "grow")?;
            (
                "grow",
                engram::hopfield::grow::run(&cfg, &opts, stop)?,
                a.common.no_check,
            )
        }
    };
    if stop.load(Ordering::Relaxed) && !outcome.summary.interrupted {
        eprintln!("interrupt arrived after the last point finished: results are complete");
    }
    Ok(finish(name, &outcome, no_check))
}
