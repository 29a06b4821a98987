//! The results directory: `runs.csv`, `summary.json`, `report.md` (and the plots, see `plot`).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::checks::{Check, Row, Verdict, rows};
use super::run::{ModeStats, PointResult};
use super::sweep::{RunMode, Shard, SweepConfig};
use crate::provenance::Provenance;

/// The columns of `runs.csv`.
pub const RUNS_HEADER: [&str; 11] = [
    "d",
    "T",
    "sigma",
    "ridge",
    "design",
    "mode",
    "iteration",
    "mean",
    "stderr",
    "theory",
    "z",
];

/// Shortest round-trip text of a float (`{}`), so reading a file back gives the same bits.
fn num(x: f64) -> String {
    format!("{x}")
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// Appends points to `runs.csv` as they finish (each point flushed: a checkpoint).
pub struct RunsWriter {
    w: csv::Writer<File>,
}

impl RunsWriter {
    /// Creates `path` with a header, or (`append`) continues an existing file.
    pub fn open(path: &Path, append: bool) -> anyhow::Result<Self> {
        let exists = append && path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(append)
            .write(true)
            .truncate(!append)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(file);
        if !exists {
            w.write_record(RUNS_HEADER)?;
            w.flush()?;
        }
        Ok(Self { w })
    }

    /// Writes every row of a point and flushes.
    pub fn write_point(&mut self, cfg: &SweepConfig, r: &PointResult) -> anyhow::Result<()> {
        let design = match cfg.design {
            super::sweep::DesignSel::Fixed => "fixed",
            super::sweep::DesignSel::Fresh => "fresh",
        };
        for row in rows(cfg, r) {
            let Row {
                point: p,
                mode,
                iteration,
                mean,
                stderr,
                theory,
                z,
            } = row;
            self.w.write_record([
                p.dim.to_string(),
                p.samples.to_string(),
                num(p.sigma),
                num(p.ridge),
                design.to_owned(),
                mode.name().to_owned(),
                iteration.to_string(),
                num(mean),
                opt(stderr),
                opt(theory),
                opt(z),
            ])?;
        }
        self.w.flush()?;
        Ok(())
    }
}

fn parse_f64(s: &str, what: &str, line: usize) -> anyhow::Result<f64> {
    s.parse()
        .with_context(|| format!("line {line}: {what} {s:?} is not a number"))
}

/// Per mode, per iteration: (mean, stderr) once its row has been read.
type PerMode = Vec<Vec<Option<(f64, Option<f64>)>>>;

/// Reads `runs.csv` back into complete point results, in canonical point order. Every point must
/// belong to `cfg` and carry every mode and iteration.
pub fn read_runs(path: &Path, cfg: &SweepConfig) -> anyhow::Result<Vec<PointResult>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_owned).collect();
    if header != RUNS_HEADER {
        bail!(
            "{}: columns {header:?}, expected {RUNS_HEADER:?}",
            path.display()
        );
    }
    let points = cfg.points();
    let modes = cfg.mode.modes();
    let n = cfg.iterations;
    // point index -> mode -> (mean, stderr) per iteration
    let mut acc: BTreeMap<usize, PerMode> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{} line {line}", path.display()))?;
        let f = |k: usize| rec.get(k).unwrap_or("");
        let d: usize = f(0).parse().with_context(|| format!("line {line}: d"))?;
        let t: usize = f(1).parse().with_context(|| format!("line {line}: T"))?;
        let sigma = parse_f64(f(2), "sigma", line)?;
        let ridge = parse_f64(f(3), "ridge", line)?;
        let p = points
            .iter()
            .find(|p| p.dim == d && p.samples == t && p.sigma == sigma && p.ridge == ridge)
            .with_context(|| {
                format!("line {line}: point d={d} T={t} sigma={sigma} ridge={ridge} is not in this sweep's config")
            })?;
        let mode =
            RunMode::from_name(f(5)).with_context(|| format!("line {line}: mode {:?}", f(5)))?;
        let mi = modes
            .iter()
            .position(|m| *m == mode)
            .with_context(|| format!("line {line}: mode {} is not in this sweep", mode.name()))?;
        let it: usize = f(6)
            .parse()
            .with_context(|| format!("line {line}: iteration"))?;
        if it == 0 || it > n {
            bail!("line {line}: iteration {it} outside 1..={n}");
        }
        let mean = parse_f64(f(7), "mean", line)?;
        let stderr = if f(8).is_empty() {
            None
        } else {
            Some(parse_f64(f(8), "stderr", line)?)
        };
        let slot = &mut acc
            .entry(p.index)
            .or_insert_with(|| vec![vec![None; n]; modes.len()])[mi][it - 1];
        if slot.is_some() {
            bail!("line {line}: duplicate row for this point, mode and iteration");
        }
        *slot = Some((mean, stderr));
    }
    let mut out = Vec::new();
    for (idx, per_mode) in acc {
        let point = points[idx];
        let mut ms = Vec::new();
        for (mi, its) in per_mode.into_iter().enumerate() {
            let Some(vals) = its.into_iter().collect::<Option<Vec<_>>>() else {
                bail!(
                    "{}: point d={} T={} sigma={} is incomplete (a run cut short while writing?)",
                    path.display(),
                    point.dim,
                    point.samples,
                    point.sigma
                );
            };
            ms.push(ModeStats {
                mode: modes[mi],
                mean: vals.iter().map(|v| v.0).collect(),
                stderr: vals.iter().map(|v| v.1).collect(),
            });
        }
        out.push(PointResult { point, modes: ms });
    }
    Ok(out)
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `"collapse"`.
    pub experiment: String,
    /// The sweep's full configuration.
    pub config: SweepConfig,
    /// The shard this directory holds, if sharded.
    pub shard: Option<Shard>,
    /// Points in the whole sweep.
    pub points_total: usize,
    /// Points this directory holds.
    pub points_done: usize,
    /// Whether the run stopped early (Ctrl-C); rerun with `--resume` to finish.
    pub interrupted: bool,
    /// Provenance.
    pub provenance: Provenance,
    /// Finish time, UTC.
    pub finished_utc: String,
    /// Every check.
    pub checks: Vec<Check>,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// For a merge: the shard directories combined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

/// Counts (passed, failed).
pub fn tally(checks: &[Check]) -> (usize, usize) {
    (
        checks.iter().filter(|c| c.verdict == Verdict::Pass).count(),
        checks.iter().filter(|c| c.verdict == Verdict::Fail).count(),
    )
}

fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.4}"))
}

/// The checks as a Markdown table (also printed to the terminal).
pub fn checks_table(checks: &[Check]) -> String {
    let mut s = String::from(
        "| d | T | σ | λ | mode | check | n | measured | theory | tolerance | z | result |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for c in checks {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.4} | {} | {} | {} | {} |\n",
            c.d,
            c.t,
            c.sigma,
            c.ridge,
            c.mode,
            c.what,
            c.iteration,
            c.measured,
            cell(c.theory),
            c.tolerance
                // The bound is one-sided: the measured value may exceed it by at most the tolerance.
                .map_or_else(
                    || "—".to_owned(),
                    |t| format!("{}{t:.4}", if c.what.starts_with("<=") { "+" } else { "±" })
                ),
            c.z.map_or_else(|| "—".to_owned(), |z| format!("{z:+.2}")),
            c.verdict.label()
        ));
    }
    s
}

/// Writes `summary.json` and `report.md`.
pub fn write_summary(dir: &Path, summary: &Summary, plots: &[String]) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(summary)?;
    std::fs::write(dir.join("summary.json"), json + "\n")?;
    let p = &summary.provenance;
    let mut md = format!(
        "# engram collapse — linear regression iteration\n\n\
         Gerstgrasser et al., arXiv:2404.01413: replace collapses (E = c·n), accumulate stays bounded \
         (E = c·Σ1/i² ≤ c·π²/6), c = σ²d/(T−d−1).\n\n\
         - command: `{}`\n- engram {} (git {}), {} on {} ({} threads of {} cores)\n- kernels: {}\n\
         - started {}, finished {}\n- points: {} of {}{}{}\n- checks: {} passed, {} failed\n\n",
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
        summary
            .shard
            .map(|s| format!(" (shard {s})"))
            .unwrap_or_default(),
        if summary.interrupted {
            " — INTERRUPTED, rerun with --resume"
        } else {
            ""
        },
        summary.passed,
        summary.failed,
    );
    for plot in plots {
        md.push_str(&format!("![{plot}]({plot})\n\n"));
    }
    md.push_str("## Checks (|z| < 4; tolerance = 4 standard errors)\n\n");
    md.push_str(&checks_table(&summary.checks));
    std::fs::write(dir.join("report.md"), md)?;
    Ok(())
}
