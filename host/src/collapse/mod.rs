//! `engram collapse`: linear regression iteration (model collapse), replace vs accumulate.
//!
//! A sweep runs every point of d × T × σ × λ for `repeats` independent chains (rayon across
//! repeats and points, each chain single-threaded), reduces them in a fixed order so results do not
//! depend on the thread count, checks them against theory (`checks`), and writes a results
//! directory:
//!
//! | file | contents |
//! | --- | --- |
//! | `config.toml` | the effective configuration (re-run it with `--config`) |
//! | `runs.csv` | d, T, sigma, ridge, design, mode, iteration, mean, stderr, theory, z |
//! | `summary.json` | provenance, every check, pass/fail counts |
//! | `report.md` | the checks table and the plots |
//! | `test_error.svg`, `test_error_normalised.svg` | the paper's figure, log and linear scale |
//!
//! `runs.csv` grows point by point (a checkpoint): after Ctrl-C, `--resume` finishes the rest.
//! `--shard i/n` runs every n-th point; [`merge`] combines shard directories into files identical
//! to an unsharded run.

mod batched;
mod checks;
mod output;
mod plot;
mod run;
mod sweep;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};

pub use batched::{BatchedScratch, shortcut_batched};
pub use checks::{Check, Row, Verdict, checks, rows, theory_for};
pub use output::{RUNS_HEADER, Summary, checks_table, read_runs};
pub use plot::Scale;
pub use run::{ModeStats, PointResult, run_point, run_points, run_subsample};
pub use sweep::{ConfigError, DesignSel, ModeSel, Point, Preset, RunMode, Shard, SweepConfig};

use crate::provenance::Provenance;

/// How a sweep is run (everything that does not change its results).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// What to run.
    pub config: SweepConfig,
    /// Results directory.
    pub out: PathBuf,
    /// Worker threads (results do not depend on it).
    pub threads: usize,
    /// Run only this shard's points.
    pub shard: Option<Shard>,
    /// Continue an interrupted run in `out`.
    pub resume: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// What a finished (or interrupted) sweep produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The results directory.
    pub dir: PathBuf,
    /// Its summary.
    pub summary: Summary,
}

const KERNELS: &str = "f64: exact Bartlett–Wishart shortcut, batched over iterations with runtime \
     SIMD dispatch (bit-identical to engram-core's run_shortcut) for fixed design without ridge; \
     engram-core's literal sufficient-statistics chain otherwise";

fn read_config(dir: &Path) -> anyhow::Result<SweepConfig> {
    let path = dir.join("config.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    SweepConfig::from_toml(&text).with_context(|| format!("parsing {}", path.display()))
}

fn write_outputs(
    dir: &Path,
    cfg: &SweepConfig,
    results: &[PointResult],
    mut summary: Summary,
) -> anyhow::Result<Summary> {
    summary.checks = checks(cfg, results);
    (summary.passed, summary.failed) = output::tally(&summary.checks);
    summary.points_done = results.len();
    summary.finished_utc = crate::report::utc_now();
    let mut plots = Vec::new();
    if !results.is_empty() {
        for (name, scale) in [
            ("test_error.svg", Scale::Log),
            ("test_error_normalised.svg", Scale::LinearNormalised),
        ] {
            plot::plot(&dir.join(name), cfg, results, scale)?;
            plots.push(name.to_owned());
        }
    }
    output::write_summary(dir, &summary, &plots)?;
    Ok(summary)
}

/// Runs a sweep (or one shard of it) into `opts.out`. Setting `stop` (Ctrl-C) stops it after the
/// repeats under way; what finished is written and the summary says `interrupted`.
pub fn run_sweep(opts: &RunOptions, stop: &AtomicBool) -> anyhow::Result<Outcome> {
    let cfg = &opts.config;
    cfg.validate()?;
    let dir = &opts.out;
    let runs_path = dir.join("runs.csv");
    let mut done = Vec::new();
    if runs_path.exists() {
        if !opts.resume {
            bail!(
                "{} already holds results: pass --resume to continue it, or choose another --out",
                dir.display()
            );
        }
        let saved = read_config(dir)?;
        if &saved != cfg {
            bail!(
                "--resume: the configuration differs from the one in {}/config.toml",
                dir.display()
            );
        }
        done = read_runs(&runs_path, cfg)?;
    } else if opts.resume && dir.exists() && dir.read_dir()?.next().is_some() {
        bail!("--resume: {} has no runs.csv to resume", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join("config.toml"), toml::to_string(cfg)?)?;

    let todo: Vec<Point> = cfg
        .points()
        .into_iter()
        .filter(|p| opts.shard.is_none_or(|s| s.owns(p)))
        .filter(|p| !done.iter().any(|r: &PointResult| r.point.index == p.index))
        .collect();
    let total_repeats = (todo.len() * cfg.repeats) as u64;
    let bar = crate::report::progress_bar(opts.progress, total_repeats, "chains");
    let provenance = Provenance::collect(opts.threads, KERNELS);
    let mut writer = output::RunsWriter::open(&runs_path, opts.resume)?;
    let new = run_points(cfg, &todo, opts.threads, stop, &|| bar.inc(1), &mut |r| {
        writer.write_point(cfg, r)
    })?;
    bar.finish_and_clear();
    let mut results = done;
    results.extend(new);
    results.sort_by_key(|r| r.point.index);
    let total = cfg
        .points()
        .iter()
        .filter(|p| opts.shard.is_none_or(|s| s.owns(p)))
        .count();
    let summary = Summary {
        experiment: "collapse".into(),
        config: cfg.clone(),
        shard: opts.shard,
        points_total: total,
        points_done: results.len(),
        interrupted: stop.load(Ordering::Relaxed) && results.len() < total,
        provenance,
        finished_utc: String::new(),
        checks: Vec::new(),
        passed: 0,
        failed: 0,
        merged_from: Vec::new(),
    };
    let summary = write_outputs(dir, cfg, &results, summary)?;
    Ok(Outcome {
        dir: dir.clone(),
        summary,
    })
}

/// Combines shard directories of one sweep into `out`: `runs.csv` identical to an unsharded run's,
/// checks, plots and a summary naming the shards. Fails on differing configurations, overlapping
/// shards or missing points.
pub fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<Outcome> {
    let Some(first) = dirs.first() else {
        bail!("merge needs at least one shard directory");
    };
    let cfg = read_config(first)?;
    let mut results: Vec<PointResult> = Vec::new();
    for dir in dirs {
        let c = read_config(dir)?;
        if c != cfg {
            bail!(
                "{}: configuration differs from {}'s: shards of different sweeps",
                dir.display(),
                first.display()
            );
        }
        for r in read_runs(&dir.join("runs.csv"), &cfg)? {
            if results.iter().any(|x| x.point.index == r.point.index) {
                bail!(
                    "{}: point d={} T={} sigma={} is also in another shard",
                    dir.display(),
                    r.point.dim,
                    r.point.samples,
                    r.point.sigma
                );
            }
            results.push(r);
        }
    }
    results.sort_by_key(|r| r.point.index);
    let points = cfg.points();
    let missing: Vec<String> = points
        .iter()
        .filter(|p| !results.iter().any(|r| r.point.index == p.index))
        .map(|p| {
            format!(
                "d={} T={} sigma={} ridge={}",
                p.dim, p.samples, p.sigma, p.ridge
            )
        })
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} point(s) missing from the shards (a shard not run or interrupted?): {}",
            missing.len(),
            missing.join("; ")
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    if out.join("runs.csv").exists() {
        bail!(
            "{} already holds results: choose another --out",
            out.display()
        );
    }
    std::fs::write(out.join("config.toml"), toml::to_string(&cfg)?)?;
    let mut writer = output::RunsWriter::open(&out.join("runs.csv"), false)?;
    for r in &results {
        writer.write_point(&cfg, r)?;
    }
    let summary = Summary {
        experiment: "collapse".into(),
        config: cfg.clone(),
        shard: None,
        points_total: points.len(),
        points_done: results.len(),
        interrupted: false,
        provenance: Provenance::collect(1, "merge of shard outputs"),
        finished_utc: String::new(),
        checks: Vec::new(),
        passed: 0,
        failed: 0,
        merged_from: dirs.iter().map(|d| d.display().to_string()).collect(),
    };
    let summary = write_outputs(out, &cfg, &results, summary)?;
    Ok(Outcome {
        dir: out.to_path_buf(),
        summary,
    })
}
