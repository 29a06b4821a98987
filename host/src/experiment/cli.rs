//! The flags every experiment takes, and the one `main` that runs any experiment from them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use clap::{ArgMatches, Args, Subcommand};

use super::config::{self, ExperimentConfig};
use super::dir::{Found, ResultsDir, saved_config_path};
use super::runner::{RunOptions, Shard, merge, run};
use super::summary::Outcome;
use super::{Experiment, checks_table, default_out};

/// Most worker threads accepted: 4× this machine's cores, at least 64.
pub fn max_threads() -> usize {
    (4 * std::thread::available_parallelism().map_or(1, |n| n.get())).max(64)
}

/// The flags every experiment takes (beside its own configuration's).
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// A TOML file with the same keys as the flags (`--print-config` shows them); flags given here
    /// override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A named configuration (see the experiment's help); flags given here override it.
    #[arg(long, value_name = "NAME", conflicts_with = "config")]
    pub preset: Option<String>,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Results directory [default: results/<experiment>/<UTC timestamp>]; must be new or empty,
    /// or hold this experiment's earlier run (with --resume).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in --out (its saved configuration is used; flags, if given, must agree).
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Run only points i, i+n, i+2n, … (0 <= i < n), e.g. one task of a Slurm job array; combine
    /// the shard directories with `merge`.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,
    /// Worker threads [default: all cores]; data files do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Exit 0 even if a check fails (checks are still computed and written).
    #[arg(long)]
    pub no_check: bool,
    /// Run even if the estimated memory, disk or time exceeds this machine or a week.
    #[arg(long)]
    pub yes: bool,
}

/// The flags of `<experiment> merge`.
#[derive(Debug, Clone, Subcommand)]
pub enum MergeCommand {
    /// Combine shard directories (`--shard i/n` runs) into one, identical to an unsharded run.
    Merge {
        /// Shard result directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory [default: results/<experiment>/<UTC timestamp>-merged].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Exit 0 even if a check fails.
        #[arg(long)]
        no_check: bool,
    },
}

/// An experiment's whole command line: its configuration, the shared flags, and `merge`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ExperimentArgs<C: ExperimentConfig> {
    #[command(subcommand)]
    merge: Option<MergeCommand>,
    #[command(flatten)]
    config: C,
    #[command(flatten)]
    run: RunArgs,
}

/// Resolves the worker-thread count (default: all cores), refusing 0 and absurd counts.
pub fn threads(requested: Option<usize>) -> anyhow::Result<usize> {
    match requested {
        Some(0) => bail!("threads: must be >= 1"),
        Some(n) if n > max_threads() => bail!(
            "threads: {n} is more than this machine can use (at most {})",
            max_threads()
        ),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// The effective configuration of a command line: defaults < preset or `--config` < flags; with
/// `--resume`, the configuration saved in `--out` (flags and `--config`, if given, must agree).
pub fn effective_config<E: Experiment>(run: &RunArgs, m: &ArgMatches) -> anyhow::Result<E::Config> {
    let saved: Option<E::Config> = match &run.out {
        Some(out) if run.resume && ResultsDir::inspect(out, E::NAME)? == Found::EarlierRun => {
            match saved_config_path(out) {
                Some(p) => Some(config::read_config(&p)?),
                None => None,
            }
        }
        _ => None,
    };
    let base: E::Config = if let Some(name) = &run.preset {
        E::preset(name).ok_or_else(|| {
            let names: Vec<&str> = E::presets().iter().map(|p| p.0).collect();
            if names.is_empty() {
                anyhow!("preset: {} has no presets", E::NAME)
            } else {
                anyhow!("preset: unknown {name:?} (choose {})", names.join(", "))
            }
        })?
    } else if let Some(path) = &run.config {
        config::read_config(path)?
    } else if let Some(s) = &saved {
        s.clone()
    } else {
        config::defaults()
    };
    let cfg = config::layer(base, m)?;
    if let (Some(saved), Some(out)) = (&saved, &run.out)
        && let Some((k, a, b)) = config::first_difference(&cfg, saved)
    {
        bail!(
            "--resume: {k} is {a} here but {b} in {}/config.toml: resume with the same \
             configuration (or just --resume --out DIR)",
            out.display()
        );
    }
    Ok(cfg)
}

/// Prints the checks and the one-line verdict; returns the exit code (1 if a check failed unless
/// `no_check`; 128 + the signal number if a signal interrupted the run).
pub fn finish(outcome: &Outcome, no_check: bool, stop: &crate::signals::Stop) -> ExitCode {
    let s = &outcome.summary;
    println!("{}", checks_table(&s.checks));
    println!(
        "{}: {} passed, {} failed — results in {}",
        s.experiment.replace('-', " "),
        s.passed,
        s.failed,
        outcome.dir.display()
    );
    if s.interrupted {
        eprintln!(
            "{}: stopped after {} of {} points (finished points written); finish with: \
             --resume --out {}",
            stop.name(),
            s.points_done,
            s.points_total,
            outcome.dir.display()
        );
        return ExitCode::from(stop.exit_code());
    }
    if stop.requested() {
        eprintln!(
            "{} arrived after the last point finished: results are complete",
            stop.name()
        );
    }
    if s.failed > 0 && !no_check {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs experiment `E` from its parsed command line (`m`: the experiment's own matches).
pub fn main<E: Experiment>(
    args: ExperimentArgs<E::Config>,
    m: &ArgMatches,
) -> anyhow::Result<ExitCode> {
    let stop = crate::signals::install();
    if let Some(MergeCommand::Merge {
        dirs,
        out,
        no_check,
    }) = &args.merge
    {
        let out = out.clone().unwrap_or_else(|| default_out::<E>("-merged"));
        let outcome = merge::<E>(dirs, &out)?;
        return Ok(finish(&outcome, *no_check, stop));
    }
    let cfg = effective_config::<E>(&args.run, m)?;
    let exp = E::new(cfg)?;
    if args.run.print_config {
        print!("{}", config::to_toml(exp.config())?);
        return Ok(ExitCode::SUCCESS);
    }
    let opts = RunOptions {
        out: args.run.out.clone().unwrap_or_else(|| default_out::<E>("")),
        threads: threads(args.run.threads)?,
        shard: args.run.shard,
        resume: args.run.resume,
        progress: true,
        yes: args.run.yes,
    };
    let outcome = run(&exp, &opts, stop)?;
    Ok(finish(&outcome, args.run.no_check, stop))
}
