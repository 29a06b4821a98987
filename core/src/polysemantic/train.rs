//! Full-batch training of the autoencoder.

use super::model::{inputs_scratch_len, loss_grad, loss_grad_inputs, size};
use super::noise::{Noise, fill_inputs};
use super::optim::{AdamW, Sgd};
use crate::rng::Rng;
use crate::scratch::take;
use crate::{Error, Real, Result};

/// Which optimiser a [`Trainer`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimizer {
    /// [`AdamW`] with torch's defaults (the paper's choice).
    AdamW,
    /// [`Sgd`].
    Sgd,
}

/// What to train: n features, m neurons, L1 weight λ, learning rate, optimiser and input noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig<T> {
    /// Features n (inputs and outputs).
    pub n: usize,
    /// Hidden neurons m.
    pub m: usize,
    /// L1 weight λ ≥ 0.
    pub lambda: T,
    /// Learning rate > 0.
    pub lr: T,
    /// Optimiser.
    pub optimizer: Optimizer,
    /// Input noise.
    pub noise: Noise<T>,
}

/// Scratch elements a [`Trainer`] step needs: the gradient and both moments (3nm) and n² for the
/// Gram matrix — plus, with noise, n² inputs and 2m + n for [`loss_grad_inputs`](super::loss_grad_inputs).
/// `None` on overflow.
pub fn scratch_len<T>(cfg: &TrainConfig<T>) -> Option<usize> {
    let nm = cfg.n.checked_mul(cfg.m)?;
    let nn = cfg.n.checked_mul(cfg.n)?;
    let base = nm.checked_mul(3)?.checked_add(nn)?;
    match cfg.noise {
        Noise::None => Some(base),
        _ => base
            .checked_add(nn)?
            .checked_add(inputs_scratch_len(cfg.n, cfg.m)?),
    }
}

/// A training run's optimiser state; the weights and scratch stay with the caller.
#[derive(Debug, Clone, Copy)]
pub struct Trainer<T> {
    cfg: TrainConfig<T>,
    adam: AdamW<T>,
    steps: u64,
}

impl<T: Real> Trainer<T> {
    /// Validates the configuration (n, m ≥ 1, λ ≥ 0, lr > 0, finite; the noise parameter).
    pub fn new(cfg: TrainConfig<T>) -> Result<Self> {
        if cfg.n == 0 || cfg.m == 0 {
            return Err(Error::InvalidParameter {
                what: "polysemantic: n and m must be >= 1",
            });
        }
        if !(cfg.lambda.is_finite() && cfg.lambda >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "polysemantic: lambda must be finite and >= 0",
            });
        }
        if !(cfg.lr.is_finite() && cfg.lr > T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "polysemantic: lr must be finite and > 0",
            });
        }
        cfg.noise.validate()?;
        scratch_len(&cfg).ok_or(Error::InvalidParameter {
            what: "polysemantic: sizes overflow usize",
        })?;
        Ok(Trainer {
            cfg,
            adam: AdamW::new(cfg.lr),
            steps: 0,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig<T> {
        &self.cfg
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One full-batch step: draws the batch's noise from `rng` (if any), computes the loss and
    /// gradient at the current W, updates W. Returns the loss before the update. `scratch` must
    /// be at least [`scratch_len`] long and must not be touched between steps (it holds the
    /// optimiser's moments, which start at 0 on the first step).
    pub fn step(&mut self, w: &mut [T], scratch: &mut [T], rng: &mut Rng) -> Result<T> {
        let (n, m) = (self.cfg.n, self.cfg.m);
        let nm = size(n, m)?;
        let need = scratch_len(&self.cfg).ok_or(Error::InvalidParameter {
            what: "polysemantic: sizes overflow usize",
        })?;
        let found = scratch.len();
        let mut rest = scratch.get_mut(..need).ok_or(Error::ScratchTooSmall {
            what: "polysemantic step",
            needed: need,
            found,
        })?;
        let grad = take(&mut rest, nm, "polysemantic step")?;
        let mom1 = take(&mut rest, nm, "polysemantic step")?;
        let mom2 = take(&mut rest, nm, "polysemantic step")?;
        if self.steps == 0 {
            for x in mom1.iter_mut().chain(mom2.iter_mut()) {
                *x = T::ZERO;
            }
        }
        let loss = match self.cfg.noise {
            Noise::None => loss_grad(w, n, m, self.cfg.lambda, grad, rest)?,
            noise => {
                let inputs = take(&mut rest, size(n, n)?, "polysemantic step")?;
                let tail = rest;
                fill_inputs(noise, n, rng, inputs)?;
                loss_grad_inputs(w, n, m, inputs, self.cfg.lambda, grad, tail)?
            }
        };
        if !loss.is_finite() {
            return Err(Error::NonFinite {
                what: "polysemantic: loss",
            });
        }
        match self.cfg.optimizer {
            Optimizer::AdamW => self.adam.step(w, grad, mom1, mom2)?,
            Optimizer::Sgd => Sgd { lr: self.cfg.lr }.step(w, grad)?,
        }
        self.steps += 1;
        Ok(loss)
    }
}
