//! `rnn_cost`: instructions per recurrent step, counted exactly on RISC-V under QEMU
//! (`qemu-system-riscv32 -machine virt -bios none -icount shift=0`, reading `minstret` around the
//! kernels; design.md: with `-icount`, `minstret` is exact). Not a demo and not in CI: build with
//! `--features qemu,cost --target riscv32imac-unknown-none-elf` (see docs/rnn.md).
//!
//! RV32IMAC has no FPU: every f32 operation is a soft-float call, so the f32 counts are far above
//! a Cortex-M4F's; the int8 path's integer sums are native. Weights are deterministic
//! pseudo-random values in `static`s (the counts do not depend on them, except tanh's argument
//! reduction); sizes I = 2, Np = 144, H ∈ {64, 128}.
#![no_std]
#![no_main]

#[cfg(not(target_arch = "riscv32"))]
compile_error!("rnn_cost counts instructions with minstret: riscv32imac only");

use core::fmt::Write as _;

use engram_core::rnn::{
    ActScales, Activation, Dims, Network, QuantMatrix, QuantNetwork, QuantWeights, Weights, fast,
};
use engram_firmware as fw;

const I: usize = 2;
const NP: usize = 144;
const STEPS: usize = 16;

/// SplitMix64, evaluated by the compiler.
const fn splitmix(state: u64) -> (u64, u64) {
    let state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (state, z ^ (z >> 31))
}

/// N values uniform in [−scale, scale).
const fn uniform<const N: usize>(seed: u64, scale: f32) -> [f32; N] {
    let mut out = [0.0f32; N];
    let mut s = seed;
    let mut k = 0;
    while k < N {
        let (next, r) = splitmix(s);
        s = next;
        out[k] = ((r >> 40) as f32 / 16_777_216.0 * 2.0 - 1.0) * scale;
        k += 1;
    }
    out
}

/// N int8 codes in [−127, 127].
const fn codes<const N: usize>(seed: u64) -> [i8; N] {
    let mut out = [0i8; N];
    let mut s = seed;
    let mut k = 0;
    while k < N {
        let (next, r) = splitmix(s);
        s = next;
        out[k] = ((r % 255) as i32 - 127) as i8;
        k += 1;
    }
    out
}

macro_rules! weights {
    ($h:expr, $ih:ident, $hh:ident, $dec:ident, $qih:ident, $qhh:ident, $qdec:ident, $sh:ident, $sp:ident) => {
        static $ih: [f32; $h * I] = uniform(1, 1.0);
        static $hh: [f32; $h * $h] = uniform(2, 0.1);
        static $dec: [f32; NP * $h] = uniform(3, 0.1);
        static $qih: [i8; $h * I] = codes(4);
        static $qhh: [i8; $h * $h] = codes(5);
        static $qdec: [i8; NP * $h] = codes(6);
        static $sh: [f32; $h] = [1.0 / 127.0; $h];
        static $sp: [f32; NP] = [1.0 / 127.0; NP];
    };
}

weights!(64, IH64, HH64, DEC64, QIH64, QHH64, QDEC64, SH64, SP64);
weights!(
    128, IH128, HH128, DEC128, QIH128, QHH128, QDEC128, SH128, SP128
);

fn minstret() -> usize {
    riscv::register::minstret::read()
}

/// Instructions per call of `f`, averaged over STEPS calls.
fn per_call(mut f: impl FnMut() -> engram_core::Result<()>) -> engram_core::Result<usize> {
    f()?; // warm: nothing to warm on this machine, but keeps the first call's setup out
    let t0 = minstret();
    for _ in 0..STEPS {
        f()?;
    }
    Ok(minstret().wrapping_sub(t0) / STEPS)
}

#[allow(clippy::too_many_arguments)]
fn measure<const H: usize>(
    out: &mut fw::out::Writer,
    w_ih: &[f32],
    w_hh: &[f32],
    w_dec: &[f32],
    q_ih: &[i8],
    q_hh: &[i8],
    q_dec: &[i8],
    s_h: &[f32],
    s_p: &[f32],
) -> engram_core::Result<()> {
    let dims = Dims::new(I, H, NP);
    let macs_step = H * I + H * H;
    let macs_read = NP * H;
    let v = [0.013f32, -0.007];
    let mut g = [0.05f32; H];
    let mut next = [0.0f32; H];
    let mut logits = [0.0f32; NP];
    for a in Activation::ALL {
        let net = Network::new(
            dims,
            a,
            Weights {
                w_ih,
                w_hh,
                bias: None,
                w_enc: None,
                w_dec,
            },
        )?;
        let step = per_call(|| net.step(&v, &g, &mut next))?;
        let fast_step = per_call(|| net.step_fast(&v, &g, &mut next))?;
        let read = per_call(|| net.readout(&g, &mut logits))?;
        let _ = writeln!(
            out,
            "rnn-cost H={H} Np={NP} I={I} f32 {:<9} step {step} instr ({} per MAC), fast-math step {fast_step} (saves {}), readout {read} ({} per MAC)",
            a.name(),
            step / macs_step,
            step as isize - fast_step as isize,
            read / macs_read
        );
        net.step(&v, &g, &mut next)?;
        g = next;
    }
    let q = QuantWeights {
        w_ih: QuantMatrix {
            q: q_ih,
            scale: s_h,
        },
        w_hh: QuantMatrix {
            q: q_hh,
            scale: s_h,
        },
        bias: None,
        w_enc: None,
        w_dec: QuantMatrix {
            q: q_dec,
            scale: s_p,
        },
    };
    let scales = ActScales {
        input: 1e-4,
        state: 1e-3,
    };
    let mut qg = [100i16; H];
    let mut qnext = [0i16; H];
    let (mut qv, mut z) = ([0i16; I], [0.0f32; H]);
    for a in Activation::ALL {
        let net = QuantNetwork::new(dims, a, q, scales)?;
        let step = per_call(|| net.step(&v, &qg, &mut qnext, &mut qv, &mut z))?;
        let read = per_call(|| net.readout(&qg, &mut logits))?;
        let _ = writeln!(
            out,
            "rnn-cost H={H} Np={NP} I={I} int8 {:<9} step {step} instr ({} per MAC), readout {read} ({} per MAC)",
            a.name(),
            step / macs_step,
            read / macs_read
        );
        net.step(&v, &qg, &mut qnext, &mut qv, &mut z)?;
        qg = qnext;
    }
    // Decoder confidence: reference (log-sum-exp, libm) vs fast (micromath exp).
    for (k, l) in logits.iter_mut().enumerate() {
        *l = (k % 13) as f32 * 0.37 - 2.0;
    }
    let mut conf = 0.0f32;
    let reference = per_call(|| {
        let top = logits
            .iter()
            .fold(f32::MIN, |m, &x| if x > m { x } else { m });
        conf = libm::expf(top - engram_core::softmax::log_sum_exp(&logits)?);
        Ok(())
    })?;
    let fast = per_call(|| {
        conf = fast::max_prob(&logits)?;
        Ok(())
    })?;
    let _ = writeln!(
        out,
        "rnn-cost Np={NP} softmax confidence: libm {reference} instr, fast-math {fast} (saves {})",
        reference as isize - fast as isize
    );
    Ok(())
}

#[fw::entry]
fn main() -> ! {
    let mut out = fw::out::Writer::new();
    let _ = writeln!(
        out,
        "rnn-cost: instructions retired (minstret, QEMU -icount), mean of {STEPS} calls"
    );
    let r = measure::<64>(
        &mut out, &IH64, &HH64, &DEC64, &QIH64, &QHH64, &QDEC64, &SH64, &SP64,
    )
    .and_then(|()| {
        measure::<128>(
            &mut out, &IH128, &HH128, &DEC128, &QIH128, &QHH128, &QDEC128, &SH128, &SP128,
        )
    });
    let ok = match r {
        Ok(()) => true,
        Err(e) => {
            let _ = writeln!(out, "rnn-cost error {e}");
            false
        }
    };
    fw::finish(out, ok)
}
