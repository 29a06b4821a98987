//! What every `engram hopfield` results directory holds: the checks (measured beside theory and
//! tolerance, PASS/FAIL), `summary.json` with provenance, `report.md`, CSV tables and the run's
//! shared plumbing (results directory, thread pool, progress bar, trials in parallel).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::provenance::Provenance;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Within tolerance.
    Pass,
    /// Outside tolerance.
    Fail,
    /// Could not be evaluated (e.g. the run was interrupted before the points it needs).
    Missing,
}

impl Verdict {
    /// `PASS`, `FAIL` or `n/a`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Missing => "n/a",
        }
    }

    /// `Pass` if `ok`, else `Fail`.
    pub fn from_bool(ok: bool) -> Self {
        if ok { Verdict::Pass } else { Verdict::Fail }
    }
}

/// One row of the checks table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked, with its parameters (e.g. `α where overlap < 0.9, N = 512`).
    pub check: String,
    /// The measured value (NaN when missing).
    pub measured: f64,
    /// The theory value or reference, if there is one.
    pub theory: Option<f64>,
    /// The tolerance, in words (`∈ [0.12, 0.16]`, `≥ 0.95`, `±10 %`).
    pub tolerance: String,
    /// Outcome.
    pub verdict: Verdict,
}

impl Check {
    /// A check whose inputs were not computed (interrupted run).
    pub fn missing(check: impl Into<String>, theory: Option<f64>, tolerance: &str) -> Self {
        Check {
            check: check.into(),
            measured: f64::NAN,
            theory,
            tolerance: tolerance.to_owned(),
            verdict: Verdict::Missing,
        }
    }
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `"hopfield-capacity"`, `"hopfield-dense"`, ….
    pub experiment: String,
    /// The effective configuration.
    pub config: serde_json::Value,
    /// Points (parameter settings) in the run.
    pub points_total: usize,
    /// Points finished.
    pub points_done: usize,
    /// Whether Ctrl-C stopped the run early (finished points are kept).
    pub interrupted: bool,
    /// Where the result came from.
    pub provenance: Provenance,
    /// Finish time, UTC.
    pub finished_utc: String,
    /// Every check.
    pub checks: Vec<Check>,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
}

/// A finished (or interrupted) run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The results directory.
    pub dir: PathBuf,
    /// Its summary.
    pub summary: Summary,
}

/// How a run is executed (nothing here changes its results).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Results directory.
    pub out: PathBuf,
    /// Worker threads.
    pub threads: usize,
    /// Show a progress bar.
    pub progress: bool,
}

impl RunOptions {
    /// Creates the results directory, refusing one that already holds results.
    pub fn prepare_dir(&self) -> anyhow::Result<()> {
        if self.out.join("summary.json").exists() {
            bail!(
                "{} already holds results: choose another --out",
                self.out.display()
            );
        }
        std::fs::create_dir_all(&self.out)
            .with_context(|| format!("creating {}", self.out.display()))
    }

    /// Starts a run: creates the results directory, writes `config.toml`, and collects the
    /// provenance with `kernels` naming the implementation. Returns the configuration as JSON (for
    /// `summary.json`) and the provenance.
    pub fn begin<C: Serialize>(
        &self,
        cfg: &C,
        kernels: &str,
    ) -> anyhow::Result<(serde_json::Value, Provenance)> {
        self.prepare_dir()?;
        let config = write_config(&self.out, cfg)?;
        Ok((config, Provenance::collect(self.threads, kernels)))
    }

    /// A rayon pool of [`threads`](Self::threads) threads.
    pub fn pool(&self) -> anyhow::Result<rayon::ThreadPool> {
        if self.threads == 0 {
            bail!("threads: must be >= 1");
        }
        Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()?)
    }

    /// A progress bar over `total` units of work (hidden unless [`progress`](Self::progress)).
    pub fn bar(&self, total: u64, unit: &str) -> ProgressBar {
        crate::report::progress_bar(self.progress, total, unit)
    }
}

/// Runs `f(0..n)` in parallel on the current rayon pool and returns the results *in index order*
/// (so reductions over them do not depend on the thread count), or `Ok(None)` when `stop` was set
/// before every item finished. Each finished item ticks `bar`.
pub fn par_trials<R: Send>(
    n: usize,
    stop: &AtomicBool,
    bar: &ProgressBar,
    f: impl Fn(usize) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Option<Vec<R>>> {
    let out: Vec<Option<R>> = (0..n)
        .into_par_iter()
        .map(|i| {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let r = f(i)?;
            bar.inc(1);
            Ok(Some(r))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(out.into_iter().collect())
}

/// Counts (passed, failed).
pub fn tally(checks: &[Check]) -> (usize, usize) {
    (
        checks.iter().filter(|c| c.verdict == Verdict::Pass).count(),
        checks.iter().filter(|c| c.verdict == Verdict::Fail).count(),
    )
}

/// A number for a table: 4 significant decimals, or `—`.
fn cell(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() && v.abs() >= 1e4 => format!("{v:.0}"),
        Some(v) if v.is_finite() => format!("{v:.4}"),
        _ => "—".to_owned(),
    }
}

/// The checks as a Markdown table (also printed to the terminal).
pub fn checks_table(checks: &[Check]) -> String {
    let mut s =
        String::from("| check | measured | theory | tolerance | result |\n|---|---|---|---|---|\n");
    for c in checks {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.check,
            cell(Some(c.measured)),
            cell(c.theory),
            c.tolerance,
            c.verdict.label()
        ));
    }
    s
}

/// Shortest round-trip text of a float, so a CSV read back gives the same bits.
pub fn num(x: f64) -> String {
    format!("{x}")
}

/// Writes a CSV table (header + rows of already formatted cells).
pub fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()?;
    Ok(())
}

/// Everything [`finish`] needs besides the checks.
pub struct Report<'a> {
    /// Experiment id (`hopfield-capacity`).
    pub experiment: &'a str,
    /// Report title.
    pub title: &'a str,
    /// Markdown paragraph: the model, the paper, the theory.
    pub intro: &'a str,
    /// The configuration (serialised into the summary and `config.toml`).
    pub config: serde_json::Value,
    /// Points total / done.
    pub points: (usize, usize),
    /// Whether Ctrl-C stopped the run.
    pub interrupted: bool,
    /// Provenance collected at the start.
    pub provenance: Provenance,
    /// Plot files written into the directory.
    pub plots: Vec<String>,
    /// Data files written into the directory.
    pub data: Vec<String>,
}

/// Writes `summary.json` and `report.md` and returns the outcome.
pub fn finish(dir: &Path, r: Report<'_>, checks: Vec<Check>) -> anyhow::Result<Outcome> {
    let (passed, failed) = tally(&checks);
    let summary = Summary {
        experiment: r.experiment.to_owned(),
        config: r.config,
        points_total: r.points.0,
        points_done: r.points.1,
        interrupted: r.interrupted,
        provenance: r.provenance,
        finished_utc: crate::report::utc_now(),
        checks,
        passed,
        failed,
    };
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)? + "\n",
    )?;
    let p = &summary.provenance;
    let mut md = format!(
        "# engram {} — {}\n\n{}\n\n\
         - command: `{}`\n- engram {} (git {}), {} on {} ({} threads of {} cores)\n- kernels: {}\n\
         - started {}, finished {}\n- points: {} of {}{}\n- checks: {} passed, {} failed\n- data: {}\n\n",
        r.experiment.replace('-', " "),
        r.title,
        r.intro,
        p.command.join(" "),
        p.engram_version,
        p.git_hash.as_deref().unwrap_or("unknown"),
        p.host_triple,
        p.cpu.as_deref().unwrap_or("unknown CPU"),
        p.threads,
        p.cores,
        p.simd,
        p.started_utc,
        summary.finished_utc,
        summary.points_done,
        summary.points_total,
        if summary.interrupted {
            " — INTERRUPTED (finished points kept)"
        } else {
            ""
        },
        summary.passed,
        summary.failed,
        r.data
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for plot in &r.plots {
        md.push_str(&format!("![{plot}]({plot})\n\n"));
    }
    md.push_str("## Checks\n\n");
    md.push_str(&checks_table(&summary.checks));
    std::fs::write(dir.join("report.md"), md)?;
    Ok(Outcome {
        dir: dir.to_path_buf(),
        summary,
    })
}

/// Writes the configuration as `config.toml` (a record of every parameter, defaults included).
pub fn write_config<C: Serialize>(dir: &Path, cfg: &C) -> anyhow::Result<serde_json::Value> {
    std::fs::write(dir.join("config.toml"), toml::to_string(cfg)?)?;
    Ok(serde_json::to_value(cfg)?)
}

/// A bad configuration value: names the field (the `--flag`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {why}")]
pub struct ConfigError {
    /// The offending field.
    pub field: &'static str,
    /// What is wrong with it.
    pub why: String,
}

/// Shorthand for a [`ConfigError`].
pub fn bad(field: &'static str, why: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        why: why.into(),
    }
}

/// `field` must be a finite number > 0.
pub fn positive(field: &'static str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(field, format!("{v} must be a finite number > 0")))
    }
}

/// `field` must be ≥ `min`.
pub fn at_least(field: &'static str, v: usize, min: usize) -> Result<(), ConfigError> {
    if v >= min {
        Ok(())
    } else {
        Err(bad(field, format!("{v} must be >= {min}")))
    }
}
