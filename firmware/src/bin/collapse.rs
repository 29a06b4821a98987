//! `collapse`: the model-collapse demo on a board. Runs 16 chains of d = 8, T = 32 (σ = 1) in
//! replace and accumulate mode, in f32 through the core's reference kernels, and logs the mean test
//! error per iteration beside theory: replace grows like c·n, accumulate levels off below c·π²/6.
//!
//! Fits the micro:bit v1 (16 KB RAM): 544 f32 of scratch (2.2 KB) on the stack.
#![no_std]
#![no_main]

use core::fmt::Write as _;

use engram_core::collapse::{ChainConfig, Mode, run_chain, scratch_len, theory};
use engram_core::rng::{Rng, key_str};
use engram_firmware as fw;

const D: usize = 8;
const T: usize = 32;
const SIGMA: f32 = 1.0;
const ITERATIONS: usize = 20;
const REPEATS: usize = 16;
const SCRATCH: usize = 544;

fn run(out: &mut fw::out::Writer) -> Result<(), engram_core::Error> {
    let mut sums = [[0.0f32; ITERATIONS]; 2];
    let mut scratch = [0.0f32; SCRATCH];
    let mut errors = [0.0f32; ITERATIONS];
    for (mi, mode) in [Mode::Replace, Mode::Accumulate].into_iter().enumerate() {
        let cfg = ChainConfig::new(D, T, SIGMA, ITERATIONS, mode);
        let scratch =
            scratch
                .get_mut(..scratch_len(&cfg))
                .ok_or(engram_core::Error::ScratchTooSmall {
                    what: "collapse demo",
                    needed: scratch_len(&cfg),
                    found: SCRATCH,
                })?;
        for r in 0..REPEATS {
            // The same stream for both modes: common random numbers.
            let mut rng = Rng::keyed(1, &[key_str("demo/collapse"), r as u64]);
            run_chain(&cfg, &mut rng, scratch, &mut errors)?;
            if let Some(sum) = sums.get_mut(mi) {
                for (s, e) in sum.iter_mut().zip(&errors) {
                    *s += *e;
                }
            }
        }
    }
    let c = theory::first_fit_error(D, T, SIGMA as f64).unwrap_or(f64::NAN);
    let _ = writeln!(
        out,
        "engram-demo collapse d={D} T={T} sigma={SIGMA} repeats={REPEATS} c={c:.4} bound={:.4}",
        c * theory::PI2_OVER_6
    );
    for n in 1..=ITERATIONS {
        let mean = |mi: usize| {
            sums.get(mi)
                .and_then(|s| s.get(n - 1))
                .map_or(f32::NAN, |s| s / REPEATS as f32)
        };
        let th = |m| theory::expected_error(m, n, D, T, SIGMA as f64).unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "n={n:2} replace={:8.4} (theory {:8.4}) accumulate={:7.4} (theory {:7.4})",
            mean(0),
            th(Mode::Replace),
            mean(1),
            th(Mode::Accumulate)
        );
    }
    Ok(())
}

#[fw::entry]
fn main() -> ! {
    fw::run_demo("collapse", run)
}
