//! Optional input noise: each step's batch is the n basis vectors, each corrupted afresh.

use super::model::{expect_len, size};
use crate::rng::Rng;
use crate::{Error, Real, Result};

/// Input noise of a training step (the targets stay the clean eₛ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise<T> {
    /// Clean inputs: the batch is the identity (the paper's main setting).
    None,
    /// Additive Gaussian: xₛ = eₛ + σξ, ξ ~ N(0, Iₙ).
    Gaussian {
        /// σ ≥ 0.
        sigma: T,
    },
    /// Spurious co-occurrence: xₛ = eₛ with every other coordinate set to 1 independently with
    /// probability p.
    Bernoulli {
        /// p ∈ [0, 1].
        p: T,
    },
}

impl<T: Real> Noise<T> {
    /// Checks the parameter (σ ≥ 0 finite; p ∈ [0, 1]).
    pub fn validate(&self) -> Result<()> {
        let ok = match *self {
            Noise::None => true,
            Noise::Gaussian { sigma } => sigma.is_finite() && sigma >= T::ZERO,
            Noise::Bernoulli { p } => p >= T::ZERO && p <= T::ONE,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                what: "noise: sigma must be finite and >= 0, p in [0, 1]",
            })
        }
    }
}

/// Fills `inputs` (n×n, row s = sample s) with one noisy batch. Draw order: rows in order;
/// Gaussian: `fill_normal` over the row, then xₛₖ = δₛₖ + σξₖ; Bernoulli: one uniform per
/// coordinate k ≠ s in order, xₛₖ = 1 if u < p. `Noise::None` writes the identity and draws
/// nothing.
///
/// ```
/// use engram_core::polysemantic::{Noise, fill_inputs};
/// use engram_core::rng::Rng;
/// let mut x = [0.0f32; 9];
/// fill_inputs(Noise::Bernoulli { p: 1.0 }, 3, &mut Rng::seed_from_u64(0), &mut x).unwrap();
/// assert_eq!(x, [1.0; 9]);
/// ```
pub fn fill_inputs<T: Real>(
    noise: Noise<T>,
    n: usize,
    rng: &mut Rng,
    inputs: &mut [T],
) -> Result<()> {
    expect_len("fill_inputs: inputs", size(n, n)?, inputs.len())?;
    noise.validate()?;
    if n == 0 {
        return Ok(());
    }
    for (s, row) in inputs.chunks_exact_mut(n.max(1)).enumerate() {
        match noise {
            Noise::None => {
                for x in row.iter_mut() {
                    *x = T::ZERO;
                }
            }
            Noise::Gaussian { sigma } => {
                rng.fill_normal(row);
                for x in row.iter_mut() {
                    *x *= sigma;
                }
            }
            Noise::Bernoulli { p } => {
                for (k, x) in row.iter_mut().enumerate() {
                    *x = if k != s && rng.uniform::<T>() < p {
                        T::ONE
                    } else {
                        T::ZERO
                    };
                }
            }
        }
        if let Some(d) = row.get_mut(s) {
            *d = match noise {
                Noise::Gaussian { .. } => *d + T::ONE,
                _ => T::ONE,
            };
        }
    }
    Ok(())
}
