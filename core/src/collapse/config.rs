//! Configuration of a model-collapse chain.

use crate::{Error, Real, Result};

/// How each iteration's training set is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Mode {
    /// Train only on the newest batch: ŵₙ = OLS(Xₙ, Yₙ).
    Replace,
    /// Train on every batch so far, stacked (as running sufficient statistics).
    Accumulate,
}

impl Mode {
    /// `"replace"` or `"accumulate"`.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Replace => "replace",
            Mode::Accumulate => "accumulate",
        }
    }
}

/// Whether the inputs X are drawn once or afresh every iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Design {
    /// One X per chain, reused every iteration (the theorems' setting).
    Fixed,
    /// A new X every iteration.
    Fresh,
}

impl Design {
    /// `"fixed"` or `"fresh"`.
    pub const fn name(self) -> &'static str {
        match self {
            Design::Fixed => "fixed",
            Design::Fresh => "fresh",
        }
    }
}

/// Separate noise level and sample count for the synthetic rounds (iterations n ≥ 2).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Synthetic<T> {
    /// σ₀: noise standard deviation of the synthetic rounds.
    pub sigma: T,
    /// T₀: rows per synthetic round (with a fixed design, a second fixed X₀ of T₀ rows).
    pub samples: usize,
}

/// One chain's parameters.
///
/// ```
/// use engram_core::collapse::{ChainConfig, Mode};
/// let cfg = ChainConfig::<f32>::new(8, 32, 1.0, 10, Mode::Replace);
/// assert!(cfg.validate().is_ok());
/// let bad = ChainConfig::<f32>::new(8, 4, 1.0, 10, Mode::Replace);
/// assert!(bad.validate().is_err()); // T < d without ridge
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChainConfig<T> {
    /// d: input dimension.
    pub dim: usize,
    /// T: rows per round.
    pub samples: usize,
    /// σ: noise standard deviation (not the variance).
    pub sigma: T,
    /// Number of fits in the chain (iteration 1 is the real-data fit).
    pub iterations: usize,
    /// Replace or accumulate.
    pub mode: Mode,
    /// Fixed or fresh design.
    pub design: Design,
    /// Separate σ₀/T₀ for iterations n ≥ 2 (`None`: the same σ and T).
    pub synthetic: Option<Synthetic<T>>,
    /// λ ≥ 0: ridge penalty, minimising ‖Y − Xw‖² + λ‖w‖² over the (stacked) training set.
    pub ridge: T,
}

impl<T: Real> ChainConfig<T> {
    /// A fixed-design chain without ridge or separate synthetic parameters.
    pub fn new(dim: usize, samples: usize, sigma: T, iterations: usize, mode: Mode) -> Self {
        Self {
            dim,
            samples,
            sigma,
            iterations,
            mode,
            design: Design::Fixed,
            synthetic: None,
            ridge: T::ZERO,
        }
    }

    /// σ₀ and T₀ of the synthetic rounds.
    pub fn synthetic_params(&self) -> (T, usize) {
        self.synthetic
            .map_or((self.sigma, self.samples), |s| (s.sigma, s.samples))
    }

    /// Whether the synthetic rounds use a second fixed design X₀ (fixed design, T₀ ≠ T).
    pub(crate) fn has_second_design(&self) -> bool {
        self.design == Design::Fixed && self.synthetic_params().1 != self.samples
    }

    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        let bad = |what| Err(Error::InvalidParameter { what });
        if self.dim == 0 {
            return bad("dim d must be >= 1");
        }
        if !self.sigma.is_finite() || self.sigma < T::ZERO {
            return bad("sigma must be finite and >= 0");
        }
        if !self.ridge.is_finite() || self.ridge < T::ZERO {
            return bad("ridge must be finite and >= 0");
        }
        let (s0, t0) = self.synthetic_params();
        if !s0.is_finite() || s0 < T::ZERO {
            return bad("synthetic sigma0 must be finite and >= 0");
        }
        if self.samples == 0 || t0 == 0 {
            return bad("samples T (and T0) must be >= 1");
        }
        let ridge_on = self.ridge > T::ZERO;
        if !ridge_on && self.samples < self.dim {
            return bad("samples T must be >= dim d for least squares (or set ridge > 0)");
        }
        // Accumulate stacks X with X₀, so only replace needs T₀ ≥ d on its own.
        if !ridge_on && self.mode == Mode::Replace && t0 < self.dim {
            return bad(
                "synthetic samples T0 must be >= dim d for least squares (or set ridge > 0)",
            );
        }
        Ok(())
    }
}
