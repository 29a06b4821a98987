//! `summary.json` and `report.md`: the checks, the files, and where the result came from.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Files;
use super::check::{Check, checks_table, tally};
use super::dir::ResultsDir;
use super::runner::Shard;
use crate::provenance::Provenance;

/// `summary.json`: everything about a run but its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The experiment (`collapse`, `hopfield-capacity`, …).
    pub experiment: String,
    /// Report title.
    pub title: String,
    /// The report paragraph: the model, the paper, the theory.
    #[serde(default)]
    pub intro: String,
    /// The effective configuration.
    pub config: serde_json::Value,
    /// The shard this directory holds, if sharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Points in the whole run (or shard).
    pub points_total: usize,
    /// Points finished.
    pub points_done: usize,
    /// Whether a signal stopped the run early (finish with `--resume`).
    pub interrupted: bool,
    /// Where the result came from.
    pub provenance: Provenance,
    /// Finish time, UTC.
    pub finished_utc: String,
    /// Wall time of this invocation, seconds.
    pub wall_seconds: f64,
    /// Every check.
    pub checks: Vec<Check>,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Files written.
    pub files: Files,
    /// For a merge: the shard directories combined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

/// A finished (or interrupted) run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The results directory.
    pub dir: PathBuf,
    /// Its summary.
    pub summary: Summary,
}

impl Summary {
    /// Sets the checks and their tally.
    pub fn with_checks(mut self, checks: Vec<Check>) -> Self {
        (self.passed, self.failed) = tally(&checks);
        self.checks = checks;
        self
    }
}

/// The provenance lines of a report.
pub fn provenance_md(s: &Summary) -> String {
    let p = &s.provenance;
    format!(
        "- command: `{}`\n- engram {} (git {}), {} on {} ({} threads of {} cores)\n- kernels: {}\n\
         - random streams: {}\n- started {}, finished {} ({:.1} s)\n- points: {} of {}{}{}\n- checks: {} passed, {} failed\n",
        p.command.join(" "),
        p.engram_version,
        p.git_hash.as_deref().unwrap_or("unknown"),
        p.host_triple,
        p.cpu.as_deref().unwrap_or("unknown CPU"),
        p.threads,
        p.cores,
        p.simd,
        if p.rng_stream.is_empty() {
            "v1 (recorded before streams were versioned)"
        } else {
            &p.rng_stream
        },
        p.started_utc,
        s.finished_utc,
        s.wall_seconds,
        s.points_done,
        s.points_total,
        s.shard
            .map(|sh| format!(" (shard {sh})"))
            .unwrap_or_default(),
        if s.interrupted {
            " — INTERRUPTED: finish with --resume"
        } else {
            ""
        },
        s.passed,
        s.failed,
    )
}

/// Writes `summary.json` and `report.md` into the results directory.
pub fn write(dir: &ResultsDir, s: &Summary) -> anyhow::Result<()> {
    dir.write(
        "summary.json",
        (serde_json::to_string_pretty(s)? + "\n").as_bytes(),
    )?;
    let mut md = format!(
        "# engram {} — {}\n\n{}\n\n{}",
        s.experiment.replace('-', " "),
        s.title,
        s.intro,
        provenance_md(s)
    );
    if !s.merged_from.is_empty() {
        md.push_str(&format!("- merged from: {}\n", s.merged_from.join(", ")));
    }
    md.push_str(&format!(
        "- data: {}\n\n",
        s.files
            .data
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for plot in &s.files.plots {
        md.push_str(&format!("![{plot}]({plot})\n\n"));
    }
    md.push_str("## Checks\n\n");
    md.push_str(&checks_table(&s.checks));
    dir.write("report.md", md.as_bytes())
}
