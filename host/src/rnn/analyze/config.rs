//! [`AnalyzeConfig`]: the arguments of `engram rnn analyze` (flags = TOML keys), and the points
//! of the analysis ([`Point`]: a seed's trained network or its initialisation).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::experiment::{ConfigError, at_least, at_most, bad};

/// Parameters: the arguments of `engram rnn analyze` and their TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct AnalyzeConfig {
    /// The results directory of `engram rnn train` (`network.bin` or `network-seed<S>.bin`, and
    /// config.toml).
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: Option<PathBuf>,
    /// A network blob instead of a run directory (f32; its initialisation null uses --init-seed).
    #[arg(long, value_name = "BLOB", conflicts_with = "run_dir")]
    pub weights: Option<PathBuf>,
    /// With --weights: the seed of the initialisation null (the trainer's init function).
    #[arg(long, default_value_t = 0)]
    pub init_seed: u64,
    /// Rate-map bins per side.
    #[arg(long, default_value_t = 20)]
    pub bins: usize,
    /// Held-out trajectories.
    #[arg(long, default_value_t = 1000)]
    pub trajectories: usize,
    /// Steps per trajectory.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Circular shifts per unit of the shifted null.
    #[arg(long, default_value_t = 4)]
    pub shifts: usize,
    /// Seed of the held-out trajectories (keys (data-seed, 2^64-17, i)).
    #[arg(long, default_value_t = 0)]
    pub data_seed: u64,
    /// Units drawn in the rate-map and autocorrelogram figures (the best by score60).
    #[arg(long, default_value_t = 16)]
    pub top: usize,
}

impl Default for AnalyzeConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for AnalyzeConfig {}

impl AnalyzeConfig {
    /// Checks the sampling fields (the inputs are checked when they are read); the error names
    /// the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("bins", self.bins, 4)?;
        at_most("bins", self.bins, 200)?;
        at_least("trajectories", self.trajectories, 1)?;
        at_most("trajectories", self.trajectories, 1_000_000)?;
        at_least("steps", self.steps, 1)?;
        at_most("steps", self.steps, 100_000)?;
        at_least("shifts", self.shifts, 1)?;
        at_most("shifts", self.shifts, 1000)?;
        at_most("top", self.top, 256)?;
        if self.trajectories.saturating_mul(self.steps) < 10 {
            return Err(bad(
                "trajectories",
                "trajectories x steps must be at least 10",
            ));
        }
        Ok(())
    }
}

/// The trained network or the same architecture at initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The network analysed.
    Trained,
    /// [`Params::init`](crate::rnn::train::Params::init) with the run's seed (the initialisation null).
    Init,
}

/// One point: a seed's trained network or its initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The run's seed.
    pub seed: u64,
    /// Which network.
    pub kind: Kind,
}
