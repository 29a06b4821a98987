//! One experiment shape for every model family.
//!
//! An experiment — a sweep, a training run, an analysis — is one type implementing [`Experiment`]:
//! a configuration (its flags and TOML keys, one set of defaults), validated once in
//! [`Experiment::new`]; an ordered list of points; how to run one point; the checks against theory;
//! the output files. The shared [`runner`] gives every experiment the rest: a thread pool, progress
//! bars, a checkpoint after every point, stop on SIGINT/SIGTERM/SIGHUP with finished work kept,
//! `--resume` with byte-identical data files, `--shard i/n` and `merge`, the results-directory policy
//! (a user's own files are never overwritten), an up-front estimate of memory, disk and time, and
//! provenance. [`cli`] gives every experiment the same flags; [`registry`] lists them all for
//! `engram reproduce`.
//!
//! # Adding an experiment
//! ```text
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
//! #[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
//! pub struct MyConfig { #[arg(long, default_value_t = 100)] pub n: usize, /* … */ }
//! impl Default for MyConfig { fn default() -> Self { experiment::defaults() } }
//! impl ExperimentConfig for MyConfig {}
//!
//! pub struct My { cfg: MyConfig }
//! impl Experiment for My {
//!     type Config = MyConfig; type Point = usize; type Output = MyResult;
//!     const NAME: &'static str = "my"; …
//!     fn new(cfg: MyConfig) -> anyhow::Result<Self> { /* validate every field once */ }
//!     fn points(&self) -> Vec<usize> { … }           // canonical order
//!     fn run_point(&self, p: &usize, ctx: &PointCtx) -> anyhow::Result<Option<MyResult>> {
//!         ctx.par_map(trials, |t| one_trial(p, t))   // trials in parallel, stop-aware
//!     }
//!     fn checks(&self, done: &[Done<Self>]) -> Vec<Check> { … }        // measured vs theory
//!     fn write_outputs(&self, out: &ResultsDir, done: &[Done<Self>]) -> anyhow::Result<Files> { … }
//! }
//! ```
//! then one line in the family's CLI (`experiment::cli::main::<My>`) and one entry in
//! [`registry::REGISTRY`].
//!
//! Determinism: a point's result must depend only on (config, point) — draw from streams keyed by
//! the point's parameters and a repeat index, and reduce in a fixed order — so results do not
//! depend on the thread count, on sharding, or on resuming.

pub mod check;
pub mod cli;
pub mod config;
pub mod dir;
pub mod estimate;
pub mod plot;
pub mod registry;
pub mod runner;
pub mod summary;
pub mod validate;

use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use check::{Check, Verdict, checks_table, fmt4, tally};
pub use config::{ExperimentConfig, defaults};
pub use dir::ResultsDir;
pub use estimate::Estimate;
pub use runner::{Done, PointCtx, RunOptions, Shard, merge, run};
pub use summary::{Outcome, Summary};
pub use validate::{
    ConfigError, Size, at_least, at_most, bad, count_from_f64, distinct, in_range, non_empty,
    non_negative, positive,
};

/// Which implementation runs an experiment's kernels: the host fast path or the core reference
/// (the results are identical, or within a stated error model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    /// Host fast path (bit-packed, batched GEMM, SIMD).
    Host,
    /// The engram-core reference kernels.
    Core,
}

/// The files an experiment wrote into its results directory (names relative to it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Files {
    /// Data files (CSV, NPY, JSON): byte-identical across thread counts, shards and resumes.
    pub data: Vec<String>,
    /// Figures (SVG).
    pub plots: Vec<String>,
}

/// One experiment: configuration, points, how to run a point, checks and outputs. See the module
/// documentation for a skeleton.
pub trait Experiment: Sized + Sync {
    /// The configuration: flags and TOML keys.
    type Config: ExperimentConfig;
    /// One parameter point (regenerated from the configuration; its position is its index).
    type Point: Send + Sync;
    /// What one point measured; the checkpoint stores it as JSON (f64 round-trips exactly).
    type Output: Send + Sync + Clone + Serialize + DeserializeOwned;

    /// Identifier in summaries and the registry (`collapse`, `hopfield-capacity`).
    const NAME: &'static str;
    /// Report title.
    const TITLE: &'static str;
    /// Default results directory under `results/` (`hopfield/capacity`).
    const RESULTS: &'static str;
    /// What the progress bar counts (`chains`, `trials`, `steps`).
    const UNIT: &'static str = "points";
    /// How the experiment's normal draws are made: its random-stream version, recorded in
    /// provenance (docs/rng.md#stream-versions). Box–Muller (v1) unless the family moved on.
    const NORMAL: engram_core::rng::Normal = engram_core::rng::Normal::BoxMuller;

    /// Named configurations (`--preset NAME`): (name, one-line description).
    fn presets() -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// The configuration of a preset listed by [`presets`](Self::presets).
    fn preset(_name: &str) -> Option<Self::Config> {
        None
    }

    /// Validates the configuration (once: kernels re-check only their own boundaries).
    fn new(cfg: Self::Config) -> anyhow::Result<Self>;

    /// The validated configuration.
    fn config(&self) -> &Self::Config;

    /// A Markdown paragraph for the report: the model, the paper, the theory.
    fn intro(&self) -> String;

    /// The kernels used, for provenance.
    fn kernels(&self) -> String;

    /// Every point, in canonical order.
    fn points(&self) -> Vec<Self::Point>;

    /// A short label of a point for messages (`d=32 T=100 σ=1`).
    fn label(&self, point: &Self::Point) -> String;

    /// Units of progress a point reports through [`PointCtx::tick`].
    fn work(&self, _point: &Self::Point) -> u64 {
        1
    }

    /// Memory, output size and time of the whole run, with checked arithmetic.
    fn estimate(&self) -> Result<Estimate, ConfigError>;

    /// Runs one point. `Ok(None)` means it stopped early because [`PointCtx::stopped`] (a long
    /// point saves its state first with [`PointCtx::save_state`] and resumes from it).
    fn run_point(
        &self,
        point: &Self::Point,
        ctx: &PointCtx<'_>,
    ) -> anyhow::Result<Option<Self::Output>>;

    /// The checks of the finished points (in canonical order; possibly a subset of all points).
    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check>;

    /// Writes the data files and figures of the finished points (data depend only on `done`).
    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files>;
}

/// The default results directory of an experiment: `results/<RESULTS>/<UTC timestamp><suffix>`.
pub fn default_out<E: Experiment>(suffix: &str) -> PathBuf {
    PathBuf::from("results").join(E::RESULTS).join(format!(
        "{}{suffix}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ))
}

#[cfg(test)]
mod tests;
