//! `capacity_probe`: does a classical Hopfield network of N = 1024 units holding P = 100 patterns
//! (α ≈ 0.098, below α_c ≈ 0.138) fit the micro:bit v1 (nRF51822: 256 KB flash, 16 KB RAM)?
//!
//! The pattern form needs no N×N matrix (docs/hopfield.md): the 100 patterns are 100 × 32 `u32` =
//! 12.8 KB, generated at compile time by a `const fn` into a `static` (flash), against 4 MiB of
//! `i32` weights (1 MiB even as `i8`). RAM holds only the state (128 B), the overlaps (400 B) and
//! the sweep order (2 KB of `u16`). The probe cues pattern 0 with 10 % of its bits flipped,
//! retrieves it asynchronously, and prints the final overlap.
//!
//! Exits 0 iff the retrieval ends at a fixed point with overlap ≥ 0.95 N. Under
//! `--features qemu,stack-usage` it also prints the stack high-water; `llvm-size` gives flash and
//! static RAM.
#![no_std]
#![no_main]

use core::fmt::Write as _;

use engram_core::hopfield::{BinaryMemory, PatternForm, flip_exactly, overlap, run_async};
use engram_core::rng::{Rng, key_str};
use engram_firmware as fw;

const N: usize = 1024;
const P: usize = 100;
const W: usize = N / 32;
/// Bits flipped in the cue (10 %).
const FLIPS: usize = 102;

/// SplitMix64 (Steele, Lea & Flood 2014), evaluated by the compiler.
const fn splitmix(state: u64) -> (u64, u64) {
    let state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (state, z ^ (z >> 31))
}

/// P random ±1 patterns of N bits, two words per SplitMix64 draw.
const fn patterns() -> [u32; P * W] {
    let mut out = [0u32; P * W];
    let mut state = 0x656e_6772_616d_u64; // "engram"
    let mut k = 0;
    while k < P * W {
        let (next, r) = splitmix(state);
        state = next;
        out[k] = r as u32;
        out[k + 1] = (r >> 32) as u32;
        k += 2;
    }
    out
}

/// The stored patterns, in flash.
static XI: [u32; P * W] = patterns();

struct Report {
    sweeps: usize,
    fixed_point: bool,
    before: i32,
    after: i32,
    energy: i64,
}

fn probe() -> engram_core::Result<Report> {
    let net = PatternForm::new(&XI, P, N)?;
    let target = net.pattern(0).ok_or(engram_core::Error::InvalidParameter {
        what: "capacity probe: no pattern 0",
    })?;
    let mut s = [0u32; W];
    s.copy_from_slice(target);
    let mut rng = Rng::keyed(1, &[key_str("firmware/capacity_probe")]);
    flip_exactly(&mut s, N, FLIPS, &mut rng)?;
    let before = overlap(&s, target, N)?;
    let mut m = [0i32; P];
    let mut order = [0u16; N];
    let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 50)?;
    Ok(Report {
        sweeps: out.sweeps(),
        fixed_point: out.is_fixed_point(),
        before,
        after: overlap(&s, target, N)?,
        energy: net.energy(&s, &m)?,
    })
}

#[fw::entry]
fn main() -> ! {
    let mut out = fw::out::Writer::new();
    let _ = writeln!(
        out,
        "engram-probe hopfield pattern form N={N} P={P} patterns={} bytes (flash)",
        core::mem::size_of_val(&XI)
    );
    let ok = match probe() {
        Ok(r) => {
            let _ = writeln!(
                out,
                "cue overlap={} -> overlap={} after {} sweeps (fixed point: {}) energy={}",
                r.before, r.after, r.sweeps, r.fixed_point, r.energy
            );
            r.fixed_point && r.after >= (N as i32 * 95) / 100
        }
        Err(e) => {
            let _ = writeln!(out, "engram-probe error {e}");
            false
        }
    };
    fw::finish(out, ok)
}
