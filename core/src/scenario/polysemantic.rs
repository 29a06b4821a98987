//! Incidental-polysemanticity scenario: a small autoencoder (n = 8 features, m = 16 neurons, f32)
//! trained clean with AdamW, then with Gaussian-noise inputs, then with SGD on Bernoulli-noise
//! inputs; every loss, the final weights and the counts go into the digest. About 2.3 KB of stack.

use super::Scenario;
use crate::digest::Digest;
use crate::polysemantic::{
    Noise, Optimizer, TrainConfig, Trainer, init_weights, polysemantic_neurons,
    reconstructed_features, represented_features, scratch_len,
};
use crate::rng::{Rng, key_str};
use crate::{Error, Result};

pub(super) const POLYSEMANTIC_TRAIN: Scenario = Scenario {
    name: "polysemantic_train",
    about: "tied ReLU autoencoder n=8 m=16 f32: 200 AdamW steps clean, 40 with Gaussian inputs, 40 SGD with Bernoulli inputs; counts",
    run: train,
};

const N: usize = 8;
const M: usize = 16;
/// 3nm + 2n² + 2m + n for the noisy configurations.
const SCRATCH: usize = 3 * N * M + 2 * N * N + 2 * M + N;

fn phase(
    cfg: TrainConfig<f32>,
    steps: usize,
    w: &mut [f32],
    rng: &mut Rng,
    d: &mut Digest,
) -> Result<()> {
    let mut scratch = [0.0f32; SCRATCH];
    let need = scratch_len(&cfg).ok_or(Error::InvalidParameter {
        what: "scenario polysemantic: sizes",
    })?;
    let scratch = scratch.get_mut(..need).ok_or(Error::ScratchTooSmall {
        what: "scenario polysemantic",
        needed: need,
        found: SCRATCH,
    })?;
    let mut t = Trainer::new(cfg)?;
    for _ in 0..steps {
        let loss = t.step(w, scratch, rng)?;
        d.push_real(loss);
    }
    Ok(())
}

fn train(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(3, &[key_str("scenario/polysemantic")]);
    let mut w = [0.0f32; N * M];
    init_weights(&mut w, N, M, &mut rng)?;
    let base = TrainConfig {
        n: N,
        m: M,
        lambda: 1e-2f32,
        lr: 1e-2,
        optimizer: Optimizer::AdamW,
        noise: Noise::None,
    };
    phase(base, 200, &mut w, &mut rng, d)?;
    let noisy = TrainConfig {
        noise: Noise::Gaussian { sigma: 0.1 },
        ..base
    };
    phase(noisy, 40, &mut w, &mut rng, d)?;
    let sgd = TrainConfig {
        optimizer: Optimizer::Sgd,
        noise: Noise::Bernoulli { p: 0.1 },
        ..base
    };
    phase(sgd, 40, &mut w, &mut rng, d)?;
    d.push_reals(&w);
    d.push_u64(polysemantic_neurons(&w, N, M)? as u64);
    d.push_u64(represented_features(&w, N, M)? as u64);
    d.push_u64(reconstructed_features(&w, N, M)? as u64);
    Ok(())
}
