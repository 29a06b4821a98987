//! `engram reproduce [--quick | --full] [--only FAMILY] [--out DIR]`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use engram::experiment::registry::Tier;

/// Runs every experiment in the registry at one size tier and writes report.md and report.html.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// The smallest settings whose checks hold: under a minute in all.
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The papers' own scale: hours; resumable (run the same command again).
    #[arg(long)]
    full: bool,
    /// Only these families or experiments (comma list: collapse, hopfield, hopfield-capacity, …).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Output folder [default: results/reproduce/<tier>]; a second run skips finished parts.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Exit 0 even if a check fails.
    #[arg(long)]
    no_check: bool,
}

pub fn run(a: ReproduceArgs) -> anyhow::Result<ExitCode> {
    let tier = if a.quick {
        Tier::Quick
    } else if a.full {
        Tier::Full
    } else {
        Tier::Default
    };
    let entries = engram::reproduce::select(&a.only)?;
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("results/reproduce").join(tier.name()));
    let threads = engram::experiment::cli::threads(a.threads)?;
    let stop = engram::signals::install();
    let r = engram::reproduce::run(&entries, tier, &out, threads, true, stop)?;
    for p in &r.parts {
        let s = &p.summary;
        println!(
            "{:<24} {:>3} passed {:>3} failed  {:>7.1} s{}",
            s.experiment,
            s.passed,
            s.failed,
            s.wall_seconds,
            if p.skipped { "  (reused)" } else { "" }
        );
    }
    let (passed, failed) = r.tally();
    println!(
        "reproduce: {passed} passed, {failed} failed — {}/report.html",
        out.display()
    );
    if r.interrupted {
        eprintln!(
            "{}: stopped; run the same command again to finish",
            stop.name()
        );
        return Ok(ExitCode::from(stop.exit_code()));
    }
    Ok(if failed > 0 && !a.no_check {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
