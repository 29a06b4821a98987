//! The host's batched form of the collapse shortcut: all iterations' back substitutions at once.
//!
//! The core's [`run_shortcut`](engram_core::collapse::run_shortcut) solves Lᵀv = z one iteration at a
//! time; each vᵢ waits on a chain of d dependent multiply-adds, so it runs at the adder's latency.
//! Here the N right-hand sides of a chain are drawn first (the same stream positions: the shortcut
//! draws L, then z₁, z₂, … with nothing in between) and solved together, Lᵀ V = Z with V a d × N
//! block (rows padded to a multiple of 8 columns): each row is solved in blocks of up to 64 columns
//! whose partial sums stay in registers over the whole k loop, vectorised by the compiler inside
//! [`run_simd`] (AVX-512 here, AVX2 elsewhere). The errors are then accumulated row by row over
//! contiguous memory. Measured (benches/collapse, d = 100, T = 1000, 100 fits): 262 µs with
//! Box–Muller and the column-at-a-time sums in memory, 86 µs with the ziggurat and this solve.
//!
//! Error model: none is needed. For every column the operations are the core's, in the core's
//! order — s = Σ_{k>i} l_ki v_k summed over k ascending from +0.0, then (z − s)/l_ii, then the same
//! running sums for the errors — and vector lanes perform exactly the IEEE operations of the scalar
//! code (Rust never contracts `a * b + c` into an FMA, with or without AVX2). So the results are
//! bit-identical to the core's, which `tests::equals_core_bit_for_bit` checks.

use engram_core::Error;
use engram_core::collapse::{NORMAL, bartlett_factor};
use engram_core::rng::Rng;

use crate::simd::{Kernel, run_simd};

/// Scratch reused across the chains of one point (explicit workspace, no allocation per chain).
#[derive(Debug, Default, Clone)]
pub struct BatchedScratch {
    l: Vec<f64>,
    lt: Vec<f64>,
    z: Vec<f64>,
    v: Vec<f64>,
    inv: Vec<f64>,
    er: Vec<f64>,
    ea: Vec<f64>,
}

/// Columns per register: one AVX-512 register of f64 (two AVX2 registers). V's rows are padded to
/// a multiple of it.
const LANES: usize = 8;

/// vᵢ ← (vᵢ − Σ_{k>i} l_ki v_k)/l_ii for the W columns `j..j + W` of row i, the sum in registers
/// over k ascending from +0.0 (the core's order). `below` holds l_ki for k > i; `tail` the rows
/// k > i of V.
#[inline(always)]
fn solve_block<const W: usize>(
    below: &[f64],
    tail: &[f64],
    n: usize,
    j: usize,
    row: &mut [f64],
    lii: f64,
) -> usize {
    let mut s = [0.0f64; W];
    for (&lki, vk) in below.iter().zip(tail.chunks_exact(n)) {
        if let Some(src) = vk.get(j..j + W) {
            for (sc, &x) in s.iter_mut().zip(src) {
                *sc += lki * x;
            }
        }
    }
    if let Some(dst) = row.get_mut(j..j + W) {
        for (x, &sc) in dst.iter_mut().zip(&s) {
            *x = (*x - sc) / lii;
        }
    }
    W
}

/// Solves Lᵀ V = V in place for the d × n block `v` (row i = component i of every right-hand side;
/// n a multiple of [`LANES`], the columns past the chain's iterations zero), with `lt` = Lᵀ (row i
/// holds l_ki for every k). Each row is solved in blocks of up to 64 columns whose partial sums stay
/// in registers (8 AVX-512 registers) across the whole k loop.
struct BackSubstitute<'a> {
    lt: &'a [f64],
    d: usize,
    v: &'a mut [f64],
    n: usize,
}

impl Kernel for BackSubstitute<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let BackSubstitute { lt, d, v, n } = self;
        back_substitute(lt, d, v, n);
    }
}

#[inline(always)]
fn back_substitute(lt: &[f64], d: usize, v: &mut [f64], n: usize) {
    for i in (0..d).rev() {
        let (head, tail) = v.split_at_mut((i + 1) * n);
        let row = &mut head[i * n..];
        let li = &lt[i * d..(i + 1) * d];
        let (lii, below) = (li[i], &li[i + 1..]);
        // n is a multiple of LANES: one pass over k per block of up to 8 registers.
        let mut j = 0;
        while j < n {
            let w = match n - j {
                w if w >= 8 * LANES => {
                    solve_block::<{ 8 * LANES }>(below, tail, n, j, row, lii);
                    8 * LANES
                }
                56 => solve_block::<56>(below, tail, n, j, row, lii),
                48 => solve_block::<48>(below, tail, n, j, row, lii),
                40 => solve_block::<40>(below, tail, n, j, row, lii),
                32 => solve_block::<32>(below, tail, n, j, row, lii),
                24 => solve_block::<24>(below, tail, n, j, row, lii),
                16 => solve_block::<16>(below, tail, n, j, row, lii),
                _ => solve_block::<LANES>(below, tail, n, j, row, lii),
            };
            j += w;
        }
    }
}

/// The test errors of every iteration from the solved V: with uᵢ = σ vᵢ, row by row (component i
/// ascending) the running sums δr += u, δa += u/n over the iterations, and er[n] += δr², ea[n] += δa²
/// — per iteration the core's sums in the core's order (component i ascending from +0.0). `n` is
/// V's row stride; `inv`, `er` and `ea` have one entry per iteration.
struct Errors<'a> {
    v: &'a [f64],
    d: usize,
    n: usize,
    sigma: f64,
    inv: &'a [f64],
    er: &'a mut [f64],
    ea: &'a mut [f64],
}

impl Kernel for Errors<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let Errors {
            v,
            d,
            n,
            sigma,
            inv,
            er,
            ea,
        } = self;
        errors(v, d, n, sigma, inv, er, ea);
    }
}

#[inline(always)]
fn errors(v: &[f64], d: usize, n: usize, sigma: f64, inv: &[f64], er: &mut [f64], ea: &mut [f64]) {
    er.fill(0.0);
    ea.fill(0.0);
    for row in v.chunks_exact(n).take(d) {
        let (mut dr, mut da) = (0.0f64, 0.0f64);
        for (((&x, &inv_n), r), a) in row.iter().zip(inv).zip(er.iter_mut()).zip(ea.iter_mut()) {
            let u = sigma * x;
            dr += u;
            da += u * inv_n;
            *r += dr * dr;
            *a += da * da;
        }
    }
}

/// The shortcut chain in both modes, batched over iterations; bit-identical to
/// [`engram_core::collapse::run_shortcut`] on the same stream.
pub fn shortcut_batched(
    dim: usize,
    samples: usize,
    sigma: f64,
    rng: &mut Rng,
    ws: &mut BatchedScratch,
    replace: &mut [f64],
    accumulate: &mut [f64],
) -> Result<(), Error> {
    if dim == 0 {
        return Err(Error::InvalidParameter {
            what: "dim d must be >= 1",
        });
    }
    if !sigma.is_finite() || sigma < 0.0 {
        return Err(Error::InvalidParameter {
            what: "sigma must be finite and >= 0",
        });
    }
    if replace.len() != accumulate.len() {
        return Err(Error::DimensionMismatch {
            what: "shortcut_batched: accumulate",
            expected: replace.len(),
            found: accumulate.len(),
        });
    }
    let (d, n) = (dim, replace.len());
    ws.l.resize(d * d, 0.0);
    bartlett_factor(rng, d, samples, &mut ws.l)?;
    ws.lt.resize(d * d, 0.0);
    for (i, row) in ws.lt.chunks_exact_mut(d.max(1)).enumerate() {
        for (k, x) in row.iter_mut().enumerate() {
            *x = ws.l[k * d + i];
        }
    }
    // z₁, z₂, … in the core's stream order, then each written into its column of V.
    ws.z.resize(d * n, 0.0);
    rng.fill_normal_with(NORMAL, &mut ws.z);
    // V's rows padded to a multiple of LANES with zero columns (which solve to zero).
    let np = n.div_ceil(LANES) * LANES;
    ws.v.clear();
    ws.v.resize(d * np, 0.0);
    for (it, z) in ws.z.chunks_exact(d.max(1)).enumerate() {
        for (i, &zi) in z.iter().enumerate() {
            ws.v[i * np + it] = zi;
        }
    }
    run_simd(BackSubstitute {
        lt: &ws.lt,
        d,
        v: &mut ws.v,
        n: np,
    });

    ws.inv.clear();
    ws.inv.extend((0..n).map(|it| 1.0 / (it + 1) as f64));
    ws.er.resize(n, 0.0);
    ws.ea.resize(n, 0.0);
    run_simd(Errors {
        v: &ws.v,
        d,
        n: np,
        sigma,
        inv: &ws.inv,
        er: &mut ws.er,
        ea: &mut ws.ea,
    });
    for (((rep, acc), &r), &a) in replace
        .iter_mut()
        .zip(accumulate.iter_mut())
        .zip(ws.er.iter())
        .zip(ws.ea.iter())
    {
        if !r.is_finite() || !a.is_finite() {
            return Err(Error::NonFinite {
                what: "collapse shortcut: test error",
            });
        }
        *rep = r;
        *acc = a;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::collapse::{run_shortcut, shortcut_scratch_len};

    #[test]
    fn equals_core_bit_for_bit() {
        let mut ws = BatchedScratch::default();
        for (d, t, n) in [
            (1, 3, 5),
            (3, 7, 1),
            (10, 20, 50),
            (32, 100, 7),
            (100, 200, 50),
            (5, 5, 9),
            // Every register-block width: 8…64 columns and more than one block per row.
            (8, 20, 17),
            (12, 30, 64),
            (20, 40, 71),
            (6, 10, 130),
        ] {
            for seed in 0..4u64 {
                let (mut r1, mut a1) = (vec![0.0; n], vec![0.0; n]);
                let (mut r2, mut a2) = (vec![0.0; n], vec![0.0; n]);
                let mut scratch = vec![0.0; shortcut_scratch_len(d)];
                run_shortcut(
                    d,
                    t,
                    0.7,
                    &mut Rng::seed_from_u64(seed),
                    &mut scratch,
                    &mut r1,
                    &mut a1,
                )
                .unwrap();
                shortcut_batched(
                    d,
                    t,
                    0.7,
                    &mut Rng::seed_from_u64(seed),
                    &mut ws,
                    &mut r2,
                    &mut a2,
                )
                .unwrap();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&r1),
                    bits(&r2),
                    "replace d={d} t={t} n={n} seed={seed}"
                );
                assert_eq!(
                    bits(&a1),
                    bits(&a2),
                    "accumulate d={d} t={t} n={n} seed={seed}"
                );
            }
        }
    }

    #[test]
    fn rejects_bad_input() {
        let mut ws = BatchedScratch::default();
        let mut rng = Rng::seed_from_u64(0);
        let (mut r, mut a) = (vec![0.0; 3], vec![0.0; 3]);
        assert!(shortcut_batched(4, 3, 1.0, &mut rng, &mut ws, &mut r, &mut a).is_err());
        assert!(shortcut_batched(0, 3, 1.0, &mut rng, &mut ws, &mut r, &mut a).is_err());
        assert!(shortcut_batched(2, 3, f64::NAN, &mut rng, &mut ws, &mut r, &mut a).is_err());
        let mut short = vec![0.0; 2];
        assert!(shortcut_batched(2, 3, 1.0, &mut rng, &mut ws, &mut r, &mut short).is_err());
    }
}
