//! [`PatternConfig`]: the flags of `engram rnn pattern-formation` (= TOML keys), and the
//! set-ups compared side by side ([`Variant`]).

use serde::{Deserialize, Serialize};

use crate::experiment::{
    ConfigError, at_least, at_most, bad, distinct, in_range, non_empty, positive,
};

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
    /// The forms run side by side: `pca` (Dordek et al.: readouts w of the place cells, w ≥ 0 or
    /// unconstrained, and the walled random-centre variant) and `lagrangian` (Sorscher et al.: maps
    /// G maximising Tr(GᵀΣG) − λ‖GᵀG − I‖², G ≥ 0 or unconstrained).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "pca,lagrangian"
    )]
    pub forms: Vec<Form>,
    /// Lagrangian: the penalty λ of ‖GᵀG − I‖² (Σ scaled to unit top eigenvalue).
    #[arg(long, default_value_t = 0.1)]
    pub lambda: f64,
    /// Lagrangian: the gradient-ascent step η (stable below 1/(4λ + 2)).
    #[arg(long, default_value_t = 0.3)]
    pub lagrangian_step: f64,
    /// Lagrangian: gradient-ascent iterations.
    #[arg(long, default_value_t = 400)]
    pub lagrangian_iters: usize,
    /// Lagrangian: `full` keeps the off-diagonal terms of ‖GᵀG − I‖² (units decorrelate), `single`
    /// only the diagonal (each unit alone: (gᵀg − 1)²).
    #[arg(long, value_enum, default_value_t = Coupling::Single)]
    pub coupling: Coupling,
}

/// A form of the single-layer reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// Principal components of the place-cell covariance over readouts (Dordek et al. 2016).
    Pca,
    /// Sorscher et al.'s Lagrangian over maps.
    Lagrangian,
}

impl std::fmt::Display for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Form::Pca => "pca",
            Form::Lagrangian => "lagrangian",
        })
    }
}

/// Which terms of ‖GᵀG − I‖² the Lagrangian keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Coupling {
    /// Every term: Σᵢⱼ (GᵀG − I)ᵢⱼ².
    Full,
    /// The diagonal only: Σᵢ (gᵢᵀgᵢ − 1)², each unit optimised alone.
    Single,
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
        non_empty("forms", &self.forms)?;
        distinct("forms", &self.forms)?;
        in_range("lambda", self.lambda, 1e-6, 1e6)?;
        in_range("lagrangian-step", self.lagrangian_step, 1e-9, 10.0)?;
        at_most("lagrangian-iters", self.lagrangian_iters, 1_000_000)?;
        // Along a unit's own direction the ascent multiplies a deviation from the optimum norm by
        // 1 − 8ηλ(1 + 1/(2λ)) = 1 − η(8λ + 4): stable iff η < 1/(4λ + 2).
        let bound = 1.0 / (4.0 * self.lambda + 2.0);
        if self.lagrangian_step >= bound {
            return Err(bad(
                "lagrangian-step",
                format!(
                    "{} diverges with --lambda {}: it must be below 1/(4λ + 2) = {bound:.4}",
                    self.lagrangian_step, self.lambda
                ),
            ));
        }
        if self.units > self.lattice * self.lattice || self.units > self.random_cells {
            return Err(bad("units", "must not exceed the number of place cells"));
        }
        Ok(())
    }
}

/// The set-ups, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// Non-negative readout, periodic lattice of centres.
    NonNegative,
    /// Unconstrained principal components, periodic lattice.
    Unconstrained,
    /// Non-negative readout, walled box, random centres (the RNN's covariance).
    WalledRandom,
    /// Sorscher et al.'s Lagrangian with G ≥ 0, periodic lattice.
    LagrangianNonNegative,
    /// Sorscher et al.'s Lagrangian, G unconstrained, periodic lattice.
    LagrangianUnconstrained,
}

impl Variant {
    /// All, in report order.
    pub const ALL: [Variant; 5] = [
        Variant::NonNegative,
        Variant::Unconstrained,
        Variant::WalledRandom,
        Variant::LagrangianNonNegative,
        Variant::LagrangianUnconstrained,
    ];

    /// The form the variant belongs to.
    pub fn form(self) -> Form {
        match self {
            Variant::NonNegative | Variant::Unconstrained | Variant::WalledRandom => Form::Pca,
            Variant::LagrangianNonNegative | Variant::LagrangianUnconstrained => Form::Lagrangian,
        }
    }

    /// The variant whose initial readouts — and so whose null — this one shares: a Lagrangian
    /// variant starts from its PCA counterpart's initial maps Pᶜw₀.
    pub fn null_of(self) -> Variant {
        match self {
            Variant::LagrangianNonNegative => Variant::NonNegative,
            Variant::LagrangianUnconstrained => Variant::Unconstrained,
            v => v,
        }
    }

    /// Whether the variant is constrained to be non-negative.
    pub fn non_negative(self) -> bool {
        !matches!(
            self,
            Variant::Unconstrained | Variant::LagrangianUnconstrained
        )
    }

    /// Name in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Variant::NonNegative => "non-negative",
            Variant::Unconstrained => "unconstrained",
            Variant::WalledRandom => "walled-random",
            Variant::LagrangianNonNegative => "lagrangian-non-negative",
            Variant::LagrangianUnconstrained => "lagrangian-unconstrained",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_values_name_their_flag() {
        PatternConfig::default().validate().unwrap();
        let c = PatternConfig {
            lagrangian_step: 0.5,
            ..PatternConfig::default()
        };
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.starts_with("lagrangian-step:") && e.contains("0.4167"),
            "{e}"
        );
        let c = PatternConfig {
            forms: vec![Form::Pca, Form::Pca],
            ..PatternConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().starts_with("forms:"));
        let c = PatternConfig {
            forms: Vec::new(),
            ..PatternConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().starts_with("forms:"));
    }
}
