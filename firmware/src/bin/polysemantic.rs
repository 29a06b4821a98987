//! `polysemantic`: incidental polysemanticity on a board (Lecomte et al., arXiv:2312.03096;
//! docs/polysemantic.md). Trains 16 tied ReLU autoencoders Y = ReLU(W Wᵀ) with n = 8 features and
//! m = 16 neurons in f32 (full batch, AdamW with torch's defaults, lr 0.02, L1 weight λ = 0.03,
//! 400 steps) through the core's `Trainer`, logs the first run's loss at a few steps, each run's
//! polysemantic-neuron and reconstructed-feature counts, and the mean count beside the theory
//! m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ].
//!
//! Every run draws from the stream `engram polysemantic` uses for the same point, so the counts
//! equal the host's `runs.csv` for `engram polysemantic --n 8 --m 16 --lambda 0.03 --lr 0.02
//! --steps 400 --seeds 16`.
//!
//! Fits the micro:bit v1 (16 KB RAM): W (128 f32) and the trainer's scratch (448 f32), 2.3 KB, on
//! the stack.
#![no_std]
#![no_main]

use core::fmt::Write as _;

use engram_core::polysemantic::{
    Noise, Optimizer, TrainConfig, Trainer, approx_polysemantic, expected_polysemantic,
    init_weights, polysemantic_neurons, reconstructed_features, represented_features, scratch_len,
};
use engram_core::rng::{Rng, key_str};
use engram_firmware as fw;

const N: usize = 8;
const M: usize = 16;
/// λ as the host's flag holds it (its bits key the stream; the trainer gets it as f32).
const LAMBDA: f64 = 0.03;
const LR: f32 = 0.02;
const STEPS: usize = 400;
const RUNS: usize = 16;
/// Steps at which the first run's loss is logged (the loss before that step's update).
const LOGGED: [usize; 5] = [0, 50, 100, 200, 399];
/// 3nm + n²: gradient, both AdamW moments and the Gram matrix.
const SCRATCH: usize = 3 * N * M + N * N;

/// Counts of one trained instance.
struct Counts {
    polysemantic: usize,
    represented: usize,
    reconstructed: usize,
    loss: f32,
}

fn train(repeat: usize, out: &mut fw::out::Writer) -> Result<Counts, engram_core::Error> {
    let cfg = TrainConfig {
        n: N,
        m: M,
        lambda: LAMBDA as f32,
        lr: LR,
        optimizer: Optimizer::AdamW,
        noise: Noise::None,
    };
    // The key of `engram polysemantic`'s point (n, m, λ, repeat) under master seed 0.
    let key = [
        key_str("engram/polysemantic/v1"),
        N as u64,
        M as u64,
        LAMBDA.to_bits(),
        repeat as u64,
    ];
    let mut rng = Rng::keyed(0, &key);
    let mut w = [0.0f32; N * M];
    init_weights(&mut w, N, M, &mut rng)?;
    let mut scratch = [0.0f32; SCRATCH];
    let need = scratch_len(&cfg).ok_or(engram_core::Error::InvalidParameter {
        what: "polysemantic demo: sizes",
    })?;
    let scratch = scratch
        .get_mut(..need)
        .ok_or(engram_core::Error::ScratchTooSmall {
            what: "polysemantic demo",
            needed: need,
            found: SCRATCH,
        })?;
    let mut trainer = Trainer::new(cfg)?;
    let mut loss = f32::NAN;
    for s in 0..STEPS {
        loss = trainer.step(&mut w, scratch, &mut rng)?;
        if repeat == 0 && LOGGED.contains(&s) {
            let _ = writeln!(out, "run 0 step {s:3} loss={loss:.5}");
        }
    }
    Ok(Counts {
        polysemantic: polysemantic_neurons(&w, N, M)?,
        represented: represented_features(&w, N, M)?,
        reconstructed: reconstructed_features(&w, N, M)?,
        loss,
    })
}

fn run(out: &mut fw::out::Writer) -> Result<(), engram_core::Error> {
    let _ = writeln!(
        out,
        "engram-demo polysemantic n={N} m={M} lambda={LAMBDA} lr={LR} steps={STEPS} runs={RUNS} adamw f32"
    );
    let mut poly = 0usize;
    let mut reconstructed = 0usize;
    let mut represented = 0usize;
    for r in 0..RUNS {
        let c = train(r, out)?;
        let _ = writeln!(
            out,
            "run {r:2} polysemantic={} reconstructed={}/{N} on-one-neuron={}/{N} loss={:.5}",
            c.polysemantic, c.reconstructed, c.represented, c.loss
        );
        poly += c.polysemantic;
        reconstructed += c.reconstructed;
        represented += c.represented;
    }
    let mean = poly as f64 / RUNS as f64;
    let _ = writeln!(
        out,
        "polysemantic neurons: {poly} in {RUNS} runs, mean {mean:.4} (theory {:.4}, n^2/4m {:.4})",
        expected_polysemantic(N, M),
        approx_polysemantic(N, M)
    );
    let _ = writeln!(
        out,
        "features reconstructed: {reconstructed}/{}, on one neuron: {represented}/{}",
        N * RUNS,
        N * RUNS
    );
    Ok(())
}

#[fw::entry]
fn main() -> ! {
    fw::run_demo("polysemantic", run)
}
