//! `engram collapse` and `engram collapse merge`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Subcommand};
use engram::collapse::{self, DesignSel, ModeSel, Preset, RunOptions, Shard, SweepConfig};

/// Numeric flags take comma lists and sweep their product. Flags given on the command line
/// override `--config`/`--preset`, which override the defaults shown here.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CollapseArgs {
    #[command(subcommand)]
    merge: Option<CollapseCommand>,
    /// Input dimension d (list).
    #[arg(long, value_delimiter = ',', default_value = "32")]
    dim: Vec<usize>,
    /// Samples per round T (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "100",
        conflicts_with = "samples_mult"
    )]
    samples: Vec<usize>,
    /// Samples per round as a multiple of d (list; T = round(mult·d)).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    samples_mult: Option<Vec<f64>>,
    /// Noise standard deviation σ, not the variance (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1",
        allow_negative_numbers = true
    )]
    sigma: Vec<f64>,
    /// Fits per chain (iteration 1 is the real-data fit).
    #[arg(long, default_value_t = 50)]
    iterations: usize,
    /// Independent chains per point.
    #[arg(long, default_value_t = 100)]
    repeats: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Which modes to run.
    #[arg(long, value_enum, default_value_t = ModeSel::Both)]
    mode: ModeSel,
    /// Fixed design (one X per chain, the theorems' setting) or a fresh X every iteration.
    #[arg(long, value_enum, default_value_t = DesignSel::Fixed)]
    design: DesignSel,
    /// Ridge penalty λ ≥ 0 (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0",
        allow_negative_numbers = true
    )]
    ridge: Vec<f64>,
    /// σ₀ of the synthetic rounds n ≥ 2 [default: σ].
    #[arg(long, allow_negative_numbers = true)]
    sigma0: Option<f64>,
    /// T₀ of the synthetic rounds n ≥ 2 [default: T].
    #[arg(long)]
    samples0: Option<usize>,
    /// A named parameter set (flags override it).
    #[arg(long, value_enum, conflicts_with = "config")]
    preset: Option<Preset>,
    /// A TOML file with the same keys as the flags (dim, samples, samples-mult, sigma, …).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Results directory [default: results/collapse/<UTC timestamp>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only points i, i+n, i+2n, … of the sweep (0 <= i < n); combine with `collapse merge`.
    #[arg(long, value_name = "i/n")]
    shard: Option<Shard>,
    /// Worker threads [default: all cores]; results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Continue an interrupted run in --out.
    #[arg(long, requires = "out")]
    resume: bool,
    /// Skip the checks' exit status (still computed and written).
    #[arg(long)]
    no_check: bool,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    print_config: bool,
}

#[derive(Debug, Subcommand)]
enum CollapseCommand {
    /// Combine shard directories into one, identical to an unsharded run.
    Merge {
        /// Shard result directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory [default: results/collapse/<UTC timestamp>-merged].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Exit 0 even if a check fails.
        #[arg(long)]
        no_check: bool,
    },
}

fn explicit(m: &ArgMatches, id: &str) -> bool {
    m.value_source(id) == Some(ValueSource::CommandLine)
}

/// The effective configuration: defaults < preset or config file < explicit flags.
fn effective_config(a: &CollapseArgs, m: &ArgMatches) -> anyhow::Result<SweepConfig> {
    let mut c = if let Some(p) = a.preset {
        p.config()
    } else if let Some(path) = &a.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        SweepConfig::from_toml(&text).map_err(|e| {
            anyhow::anyhow!(
                "config {}: {}",
                path.display(),
                e.to_string().lines().collect::<Vec<_>>().join(" ")
            )
        })?
    } else {
        SweepConfig::default()
    };
    if explicit(m, "dim") {
        c.dim = a.dim.clone();
    }
    if explicit(m, "samples") {
        c.samples = Some(a.samples.clone());
        c.samples_mult = None;
    }
    if let Some(mults) = &a.samples_mult {
        c.samples_mult = Some(mults.clone());
        c.samples = None;
    }
    if explicit(m, "sigma") {
        c.sigma = a.sigma.clone();
    }
    if explicit(m, "iterations") {
        c.iterations = a.iterations;
    }
    if explicit(m, "repeats") {
        c.repeats = a.repeats;
    }
    if explicit(m, "seed") {
        c.seed = a.seed;
    }
    if explicit(m, "mode") {
        c.mode = a.mode;
    }
    if explicit(m, "design") {
        c.design = a.design;
    }
    if explicit(m, "ridge") {
        c.ridge = a.ridge.clone();
    }
    if a.sigma0.is_some() {
        c.sigma0 = a.sigma0;
    }
    if a.samples0.is_some() {
        c.samples0 = a.samples0;
    }
    Ok(c)
}

fn timestamp_dir(suffix: &str) -> PathBuf {
    PathBuf::from("results/collapse").join(format!(
        "{}{suffix}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ))
}

fn finish(outcome: &collapse::Outcome, no_check: bool) -> ExitCode {
    let s = &outcome.summary;
    println!("{}", collapse::checks_table(&s.checks));
    println!(
        "collapse: {} passed, {} failed — results in {}",
        s.passed,
        s.failed,
        outcome.dir.display()
    );
    if s.interrupted {
        eprintln!(
            "interrupted after {} of {} points; finish with: --resume --out {}",
            s.points_done,
            s.points_total,
            outcome.dir.display()
        );
        return ExitCode::from(130);
    }
    if s.failed > 0 && !no_check {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn run(a: CollapseArgs, m: &ArgMatches) -> anyhow::Result<ExitCode> {
    if let Some(CollapseCommand::Merge {
        dirs,
        out,
        no_check,
    }) = &a.merge
    {
        let out = out.clone().unwrap_or_else(|| timestamp_dir("-merged"));
        let outcome = collapse::merge(dirs, &out)?;
        return Ok(finish(&outcome, *no_check));
    }
    let config = effective_config(&a, m)?;
    config.validate()?;
    if a.print_config {
        print!("{}", toml::to_string(&config)?);
        return Ok(ExitCode::SUCCESS);
    }
    if a.threads == Some(0) {
        anyhow::bail!("threads: must be >= 1");
    }
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = RunOptions {
        config,
        out: a.out.clone().unwrap_or_else(|| timestamp_dir("")),
        threads,
        shard: a.shard,
        resume: a.resume,
        progress: true,
    };
    let stop = super::install_ctrlc();
    let outcome = collapse::run_sweep(&opts, stop)?;
    if stop.load(Ordering::Relaxed) && !outcome.summary.interrupted {
        eprintln!("interrupt arrived after the last point finished: results are complete");
    }
    Ok(finish(&outcome, a.no_check))
}
