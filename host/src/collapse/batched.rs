//! The host's batched form of the collapse shortcut: all iterations' back substitutions at once.
//!
//! The core's [`run_shortcut`](engram_core::collapse::run_shortcut) solves Lᵀv = z one iteration at a
//! time; each vᵢ waits on a chain of d dependent multiply-adds, so it runs at the adder's latency.
//! Here the N right-hand sides of a chain are drawn first (the same stream positions: the shortcut
//! draws L, then z₁, z₂, … with nothing in between) and solved together, Lᵀ V = Z with V a d × N
//! block: the inner loop runs over the N independent columns, which the compiler vectorises (AVX2
//! via `pulp`'s runtime dispatch).
//!
//! Error model: none is needed. For every column the operations are the core's, in the core's
//! order — s = Σ_{k>i} l_ki v_k summed over k ascending from +0.0, then (z − s)/l_ii, then the same
//! running sums for the errors — and vector lanes perform exactly the IEEE operations of the scalar
//! code (Rust never contracts `a * b + c` into an FMA, with or without AVX2). So the results are
//! bit-identical to the core's, which `tests::equals_core_bit_for_bit` checks.

use engram_core::Error;
use engram_core::collapse::{NORMAL, bartlett_factor};
use engram_core::rng::Rng;

/// Scratch reused across the chains of one point (explicit workspace, no allocation per chain).
#[derive(Debug, Default, Clone)]
pub struct BatchedScratch {
    l: Vec<f64>,
    v: Vec<f64>,
    s: Vec<f64>,
    z: Vec<f64>,
    dr: Vec<f64>,
    da: Vec<f64>,
}

/// Solves Lᵀ V = V in place for the d × n block `v` (row i = component i of every right-hand side).
#[inline(always)]
fn back_substitute(l: &[f64], d: usize, v: &mut [f64], n: usize, s: &mut [f64]) {
    for i in (0..d).rev() {
        s.fill(0.0);
        let (head, tail) = v.split_at_mut((i + 1) * n);
        for (k, vk) in (i + 1..d).zip(tail.chunks_exact(n)) {
            let lki = l[k * d + i];
            for (sj, &vkj) in s.iter_mut().zip(vk) {
                *sj += lki * vkj;
            }
        }
        let lii = l[i * d + i];
        for (vij, &sj) in head[i * n..].iter_mut().zip(s.iter()) {
            *vij = (*vij - sj) / lii;
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
    ws.v.resize(d * n, 0.0);
    ws.z.resize(d, 0.0);
    for it in 0..n {
        rng.fill_normal_with(NORMAL, &mut ws.z);
        for (i, &zi) in ws.z.iter().enumerate() {
            ws.v[i * n + it] = zi;
        }
    }
    ws.s.resize(n, 0.0);
    let (l, v, s) = (&ws.l, &mut ws.v, &mut ws.s);
    pulp::Arch::new().dispatch(|| back_substitute(l, d, v, n, s));

    ws.dr.clear();
    ws.dr.resize(d, 0.0);
    ws.da.clear();
    ws.da.resize(d, 0.0);
    for (it, (rep, acc)) in replace.iter_mut().zip(accumulate.iter_mut()).enumerate() {
        let inv_n = 1.0 / (it + 1) as f64;
        let (mut er, mut ea) = (0.0f64, 0.0f64);
        for i in 0..d {
            let u = sigma * ws.v[i * n + it];
            ws.dr[i] += u;
            ws.da[i] += u * inv_n;
            er += ws.dr[i] * ws.dr[i];
            ea += ws.da[i] * ws.da[i];
        }
        if !er.is_finite() || !ea.is_finite() {
            return Err(Error::NonFinite {
                what: "collapse shortcut: test error",
            });
        }
        *rep = er;
        *acc = ea;
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
        assert!(shortcut_batched(2, 3, f64::NAN, &mut rng, &mut ws, &mut r, &mut a).is_err());
        let mut short = vec![0.0; 2];
        assert!(shortcut_batched(2, 3, 1.0, &mut rng, &mut ws, &mut r, &mut short).is_err());
    }
}
