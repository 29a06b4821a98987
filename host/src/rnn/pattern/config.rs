//! [`PatternConfig`]: the flags of `engram rnn pattern-formation` (= TOML keys), and the
//! set-ups compared side by side ([`Variant`]).

use serde::{Deserialize, Serialize};

use crate::experiment::{ConfigError, at_least, at_most, bad, positive};

/// Parameters: the flags of `engram rnn pattern-formation` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct PatternConfig {
    /// Units (readouts) per variant.
    #[arg(long, default_value_t = 64)]
    pub units: usize,
    /// Place-cell centres per side of the periodic lattice.
    #[arg(long, default_value_t = 23)]
    pub lattice: usize,
    /// Place cells of the walled-box variant (uniform random centres, as the RNN's).
    #[arg(long, default_value_t = 512)]
    pub random_cells: usize,
    /// Map resolution G (positions per side).
    #[arg(long, default_value_t = 40)]
    pub grid: usize,
    /// Scoring resolution S (G must be a multiple of S).
    #[arg(long, default_value_t = 20)]
    pub score_bins: usize,
    /// Box side L (m).
    #[arg(long = "box", default_value_t = 2.2)]
    pub box_size: f64,
    /// Place-cell width σ (m).
    #[arg(long, default_value_t = 0.12)]
    pub sigma: f64,
    /// Surround scale of the difference of softmaxes.
    #[arg(long, default_value_t = 2.0)]
    pub surround: f64,
    /// Projected power iterations.
    #[arg(long, default_value_t = 400)]
    pub iters: usize,
    /// Step η in units of 1/λ₁.
    #[arg(long, default_value_t = 1.0)]
    pub step: f64,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl Default for PatternConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for PatternConfig {}

impl PatternConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("units", self.units, 1)?;
        at_most("units", self.units, 4096)?;
        at_least("lattice", self.lattice, 4)?;
        at_most("lattice", self.lattice, 64)?;
        at_least("random-cells", self.random_cells, 4)?;
        at_most("random-cells", self.random_cells, 4096)?;
        at_least("score-bins", self.score_bins, 4)?;
        at_most("grid", self.grid, 200)?;
        if !self.grid.is_multiple_of(self.score_bins) {
            return Err(bad("grid", "must be a multiple of --score-bins"));
        }
        positive("box", self.box_size)?;
        positive("sigma", self.sigma)?;
        positive("surround", self.surround)?;
        positive("step", self.step)?;
        at_most("iters", self.iters, 1_000_000)?;
        if self.units > self.lattice * self.lattice || self.units > self.random_cells {
            return Err(bad("units", "must not exceed the number of place cells"));
        }
        Ok(())
    }
}

/// The three set-ups, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// Non-negative readout, periodic lattice of centres.
    NonNegative,
    /// Unconstrained principal components, periodic lattice.
    Unconstrained,
    /// Non-negative readout, walled box, random centres (the RNN's covariance).
    WalledRandom,
}

impl Variant {
    /// All, in report order.
    pub const ALL: [Variant; 3] = [
        Variant::NonNegative,
        Variant::Unconstrained,
        Variant::WalledRandom,
    ];

    /// Name in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Variant::NonNegative => "non-negative",
            Variant::Unconstrained => "unconstrained",
            Variant::WalledRandom => "walled-random",
        }
    }
}
