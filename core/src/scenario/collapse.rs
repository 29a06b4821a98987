//! Model-collapse scenarios: the literal chain in f32 (the board's configuration, d = 8, T = 32) and
//! f64, fresh design with ridge and separate σ₀/T₀, and the Bartlett shortcut.

use super::Scenario;
use crate::collapse::{
    ChainConfig, Design, Mode, Synthetic, run_chain, run_shortcut, scratch_len,
    shortcut_scratch_len,
};
use crate::digest::Digest;
use crate::rng::{Rng, key_str};
use crate::{Error, Real, Result};

pub(super) const COLLAPSE_F32: Scenario = Scenario {
    name: "collapse_f32",
    about: "literal chain d=8 T=32 σ=0.5, 12 iterations, replace and accumulate, in f32",
    run: chain_board::<f32>,
};

pub(super) const COLLAPSE_F64: Scenario = Scenario {
    name: "collapse_f64",
    about: "literal chain d=8 T=32 σ=0.5, 12 iterations, replace and accumulate, in f64",
    run: chain_board::<f64>,
};

/// Scratch for the largest chain here (d = 8, T = 32): 544 elements.
const SCRATCH: usize = 544;
const N: usize = 12;

fn run_into<T: Real>(cfg: &ChainConfig<T>, seed: u64, d: &mut Digest) -> Result<()> {
    let mut scratch = [T::ZERO; SCRATCH];
    let need = scratch_len(cfg);
    let scratch = scratch.get_mut(..need).ok_or(Error::ScratchTooSmall {
        what: "scenario collapse",
        needed: need,
        found: SCRATCH,
    })?;
    let mut errors = [T::ZERO; N];
    let errors = errors
        .get_mut(..cfg.iterations)
        .ok_or(Error::InvalidParameter {
            what: "scenario collapse: iterations",
        })?;
    let mut rng = Rng::keyed(seed, &[key_str("scenario/collapse"), key_str(T::NAME)]);
    run_chain(cfg, &mut rng, scratch, errors)?;
    d.push_reals(errors);
    Ok(())
}

fn chain_board<T: Real>(d: &mut Digest) -> Result<()> {
    for mode in [Mode::Replace, Mode::Accumulate] {
        run_into(&ChainConfig::new(8, 32, T::from_f64(0.5), N, mode), 1, d)?;
    }
    Ok(())
}

pub(super) const COLLAPSE_VARIANTS: Scenario = Scenario {
    name: "collapse_variants",
    about: "f32 chains: fresh design, ridge, separate σ₀/T₀, T < d with ridge",
    run: variants,
};

fn variants(d: &mut Digest) -> Result<()> {
    let mut fresh = ChainConfig::<f32>::new(4, 10, 1.0, 6, Mode::Accumulate);
    fresh.design = Design::Fresh;
    run_into(&fresh, 2, d)?;
    let mut ridge = ChainConfig::<f32>::new(6, 16, 0.7, 6, Mode::Replace);
    ridge.ridge = 0.25;
    run_into(&ridge, 3, d)?;
    let mut synthetic = ChainConfig::<f32>::new(5, 12, 1.0, 6, Mode::Accumulate);
    synthetic.synthetic = Some(Synthetic {
        sigma: 0.3,
        samples: 20,
    });
    run_into(&synthetic, 4, d)?;
    let mut under = ChainConfig::<f32>::new(8, 5, 1.0, 4, Mode::Replace);
    under.ridge = 1.0;
    run_into(&under, 5, d)?;
    // Invalid: T < d without ridge must be an error, not a panic.
    let bad = ChainConfig::<f32>::new(8, 5, 1.0, 4, Mode::Replace);
    let rejected = matches!(run_into(&bad, 6, d), Err(Error::InvalidParameter { .. }));
    d.push_u64(u64::from(rejected));
    Ok(())
}

pub(super) const COLLAPSE_SHORTCUT: Scenario = Scenario {
    name: "collapse_shortcut",
    about: "Bartlett–Wishart shortcut d=6 T=20, 16 iterations, both modes, f32 and f64",
    run: shortcut,
};

fn shortcut(d: &mut Digest) -> Result<()> {
    fn one<T: Real>(d: &mut Digest) -> Result<()> {
        let mut scratch = [T::ZERO; 64];
        let need = shortcut_scratch_len(6);
        let scratch = scratch.get_mut(..need).ok_or(Error::ScratchTooSmall {
            what: "scenario collapse_shortcut",
            needed: need,
            found: 64,
        })?;
        let (mut rep, mut acc) = ([T::ZERO; 16], [T::ZERO; 16]);
        let mut rng = Rng::keyed(
            7,
            &[key_str("scenario/collapse_shortcut"), key_str(T::NAME)],
        );
        run_shortcut(6, 20, T::ONE, &mut rng, scratch, &mut rep, &mut acc)?;
        d.push_reals(&rep);
        d.push_reals(&acc);
        Ok(())
    }
    one::<f32>(d)?;
    one::<f64>(d)
}
