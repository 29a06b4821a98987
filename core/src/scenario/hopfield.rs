//! Associative-memory scenarios: the classical network in both storage forms, retrieval from a
//! blob, the cubic dense associative memory, and the f32 continuous memories (modern, KDE, growing).
//!
//! Integer scenarios are exact by construction; the f32 ones use `libm` only. Each keeps well under
//! 4 KB of stack (the largest, `hopfield_forms`, holds a 20×20 `i32` weight matrix: 1.6 KB).

use super::Scenario;
use crate::blob::{self, Aligned, Blob, TensorData, TensorSpec};
use crate::digest::Digest;
use crate::hopfield::{
    AssignRule, Assigned, BinaryMemory, CrpConfig, DenseForm, FullPolicy, GaussianKde,
    GrowingMemory, MeanShiftOutcome, ModernHopfield, Outcome, PatternForm, PolyMemory, fill_random,
    flip_exactly, hebbian_packed, normalize, normalize_rows, participation_ratio, run_async,
    run_sync, sweep_order, update_unit, words_for,
};
use crate::rng::{Rng, key_str};
use crate::{Error, Result};

fn push_outcome(d: &mut Digest, o: Outcome) {
    let tag = match o {
        Outcome::FixedPoint { .. } => 0,
        Outcome::TwoCycle { .. } => 1,
        Outcome::StepLimit { .. } => 2,
    };
    d.push_u64(tag);
    d.push_u64(o.sweeps() as u64);
}

fn push_words(d: &mut Digest, words: &[u32]) {
    for &w in words {
        d.push_u64(u64::from(w));
    }
}

fn push_caches(d: &mut Digest, cache: &[i32]) {
    for &c in cache {
        d.push_i64(i64::from(c));
    }
}

/// Fills `rows` packed patterns of `n` bits.
fn random_rows(patterns: &mut [u32], n: usize, rng: &mut Rng) -> Result<()> {
    for row in patterns.chunks_exact_mut(words_for(n)) {
        fill_random(row, n, rng)?;
    }
    Ok(())
}

pub(super) const HOPFIELD_FORMS: Scenario = Scenario {
    name: "hopfield_forms",
    about: "classical Hopfield N=20 P=3: dense (i32 W) and pattern (packed) forms step by step, async and sync",
    run: hopfield_forms,
};

fn hopfield_forms(d: &mut Digest) -> Result<()> {
    const N: usize = 20;
    const P: usize = 3;
    const W: usize = words_for(N);
    let mut rng = Rng::keyed(40, &[key_str("hopfield_forms")]);
    let mut xi = [0u32; P * W];
    random_rows(&mut xi, N, &mut rng)?;
    let mut w = [0i32; N * N];
    hebbian_packed(&xi, P, N, &mut w)?;
    let dense = DenseForm::new(&w, N)?;
    let pat = PatternForm::new(&xi, P, N)?;

    for cue in 0..4u64 {
        let mut s = [0u32; W];
        fill_random(&mut s, N, &mut rng)?;
        let (mut sd, mut sp) = (s, s);
        let (mut h, mut m) = ([0i32; N], [0i32; P]);
        dense.init_cache(&sd, &mut h)?;
        pat.init_cache(&sp, &mut m)?;
        let mut order = [0u16; N];
        for _sweep in 0..8 {
            sweep_order(&mut order, &mut rng)?;
            let mut flips = 0u64;
            for &i in &order {
                let i = usize::from(i);
                let fd = dense.field(&sd, &h, i)?;
                let fp = pat.field(&sp, &m, i)?;
                let a = update_unit(&dense, &mut sd, &mut h, i)?;
                let b = update_unit(&pat, &mut sp, &mut m, i)?;
                flips += u64::from(a);
                // Both forms' fields and energies go in: a divergence changes the digest.
                d.push_i64(i64::from(fd));
                d.push_i64(i64::from(fp));
                d.push_u64(u64::from(a) | u64::from(b) << 1);
                d.push_i64(dense.energy(&sd, &h)?);
                d.push_i64(pat.energy(&sp, &m)?);
            }
            if flips == 0 {
                break;
            }
        }
        push_words(d, &sd);
        push_words(d, &sp);
        push_caches(d, &m);

        // Synchronous from the same cue, both forms.
        let (mut td, mut tp) = (s, s);
        let mut scratch = [0u32; 2 * W];
        push_outcome(d, run_sync(&dense, &mut td, &mut h, &mut scratch, 20)?);
        push_outcome(d, run_sync(&pat, &mut tp, &mut m, &mut scratch, 20)?);
        push_words(d, &td);
        push_words(d, &tp);
        d.push_u64(cue);
    }
    Ok(())
}

pub(super) const HOPFIELD_RETRIEVAL: Scenario = Scenario {
    name: "hopfield_retrieval",
    about: "classical N=256 P=12 patterns through a BitsU32 blob; async retrieval from 10 % corrupted cues",
    run: hopfield_retrieval,
};

fn hopfield_retrieval(d: &mut Digest) -> Result<()> {
    const N: usize = 256;
    const P: usize = 12;
    const W: usize = words_for(N);
    let mut rng = Rng::keyed(41, &[key_str("hopfield_retrieval")]);
    let mut xi = [0u32; P * W];
    random_rows(&mut xi, N, &mut rng)?;
    // Store the patterns in a blob and run on the parsed, zero-copy view.
    let mut buf = Aligned::<512>::zeroed();
    let spec = [TensorSpec::new("xi", &[P, N], TensorData::BitsU32(&xi))];
    let len = blob::write(buf.as_mut_bytes(), &spec)?;
    let parsed = Blob::parse(buf.as_bytes().get(..len).unwrap_or(&[]))?;
    let net = PatternForm::from_blob(&parsed, "xi")?;
    d.push_u64(u64::from(parsed.checksum()));

    let mut order = [0u16; N];
    let mut m = [0i32; P];
    for (mu, pattern) in xi.chunks_exact(W).enumerate() {
        let mut s = [0u32; W];
        for (a, &b) in s.iter_mut().zip(pattern) {
            *a = b;
        }
        flip_exactly(&mut s, N, N / 10, &mut rng)?;
        let e0 = net.energy_of(&s, &mut m)?;
        let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 30)?;
        d.push_i64(e0);
        push_outcome(d, out);
        d.push_i64(net.energy(&s, &m)?);
        push_caches(d, &m);
        d.push_i64(i64::from(*m.get(mu).unwrap_or(&0)));
        push_words(d, &s);
    }
    Ok(())
}

pub(super) const HOPFIELD_DAM_CUBIC: Scenario = Scenario {
    name: "hopfield_dam_cubic",
    about: "dense associative memory F=x^3, N=100 P=30 (above classical capacity): async retrieval, i128 energies",
    run: hopfield_dam_cubic,
};

fn hopfield_dam_cubic(d: &mut Digest) -> Result<()> {
    const N: usize = 100;
    const P: usize = 30;
    const W: usize = words_for(N);
    let mut rng = Rng::keyed(42, &[key_str("hopfield_dam_cubic")]);
    let mut xi = [0u32; P * W];
    random_rows(&mut xi, N, &mut rng)?;
    let net = PolyMemory::new(PatternForm::new(&xi, P, N)?, 3)?;
    let mut order = [0u16; N];
    let mut m = [0i32; P];
    // |E| ≤ P·N³ = 3·10⁷: fits i64.
    let as_i64 = |e: i128| i64::try_from(e).map_err(|_| Error::InvalidParameter { what: "energy" });
    for pattern in xi.chunks_exact(W).take(8) {
        let mut s = [0u32; W];
        for (a, &b) in s.iter_mut().zip(pattern) {
            *a = b;
        }
        flip_exactly(&mut s, N, N / 10, &mut rng)?;
        d.push_i64(as_i64(net.energy_of(&s, &mut m)?)?);
        let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 20)?;
        push_outcome(d, out);
        d.push_i64(as_i64(net.energy(&s, &m)?)?);
        d.push_u64(u64::from(s.as_slice() == pattern));
        push_caches(d, &m);
    }
    Ok(())
}

pub(super) const HOPFIELD_MODERN_F32: Scenario = Scenario {
    name: "hopfield_modern_f32",
    about: "modern Hopfield f32, M=8 d=16 unit patterns: one update per query, energies, softmax weights, participation ratio",
    run: hopfield_modern_f32,
};

fn hopfield_modern_f32(d: &mut Digest) -> Result<()> {
    const M: usize = 8;
    const DIM: usize = 16;
    let mut rng = Rng::keyed(43, &[key_str("hopfield_modern_f32")]);
    let mut x = [0.0f32; M * DIM];
    rng.fill_normal(&mut x);
    normalize_rows(&mut x, M, DIM)?;
    for beta in [0.5f32, 4.0, 32.0] {
        let net = ModernHopfield::new(&x, M, DIM, beta)?;
        d.push_real(net.constant());
        for k in [0usize, 3, 7] {
            let mut q = [0.0f32; DIM];
            rng.fill_normal(&mut q);
            let target = x.get(k * DIM..(k + 1) * DIM).unwrap_or(&[]);
            for (a, &b) in q.iter_mut().zip(target) {
                *a = b + 0.25 * *a;
            }
            normalize(&mut q)?;
            let (mut out, mut p) = ([0.0f32; DIM], [0.0f32; M]);
            let e0 = net.update(&q, &mut out, &mut p)?;
            d.push_real(e0);
            d.push_reals(&p);
            d.push_real(participation_ratio(&p)?);
            d.push_reals(&out);
            d.push_real(net.energy(&out, &mut p)?);
        }
    }
    Ok(())
}

pub(super) const HOPFIELD_KDE_F32: Scenario = Scenario {
    name: "hopfield_kde_f32",
    about: "Gaussian KDE memory f32, M=8 D=4: NLL, energy and mean-shift runs to convergence",
    run: hopfield_kde_f32,
};

fn hopfield_kde_f32(d: &mut Digest) -> Result<()> {
    const M: usize = 8;
    const DIM: usize = 4;
    let mut rng = Rng::keyed(44, &[key_str("hopfield_kde_f32")]);
    let mut x = [0.0f32; M * DIM];
    rng.fill_normal(&mut x);
    for v in x.iter_mut() {
        *v *= 2.0;
    }
    for beta in [0.5f32, 2.0, 8.0] {
        let kde = GaussianKde::new(&x, M, DIM, beta)?;
        d.push_real(kde.energy_offset());
        for _start in 0..3 {
            let mut xi = [0.0f32; DIM];
            rng.fill_normal(&mut xi);
            let mut scratch = [0.0f32; M + DIM];
            let (w, _) = scratch.split_at_mut(M);
            d.push_real(kde.nll(&xi, w)?);
            let out = kde.run(&mut xi, &mut scratch, 1e-6, 200)?;
            d.push_u64(u64::from(matches!(out, MeanShiftOutcome::Converged { .. })));
            d.push_u64(out.iters() as u64);
            d.push_reals(&xi);
            let (w, _) = scratch.split_at_mut(M);
            d.push_real(kde.energy(&xi, w)?);
            d.push_reals(w);
        }
    }
    Ok(())
}

pub(super) const HOPFIELD_GROWING_F32: Scenario = Scenario {
    name: "hopfield_growing_f32",
    about: "growing CRP memory f32, 2-D stream from 3 clusters: hard and soft rules, a full store merging",
    run: hopfield_growing_f32,
};

fn hopfield_growing_f32(d: &mut Digest) -> Result<()> {
    growing_stream::<6>(d, AssignRule::Hard, FullPolicy::Error, 0)?;
    growing_stream::<6>(d, AssignRule::Soft, FullPolicy::Error, 1)?;
    // Two slots for three clusters: the third cluster merges into its nearest memory.
    growing_stream::<2>(d, AssignRule::Hard, FullPolicy::MergeIntoNearest, 2)?;
    growing_stream::<2>(d, AssignRule::Soft, FullPolicy::MergeIntoNearest, 3)?;
    // ... or is refused, leaving the memory as it was.
    growing_stream::<2>(d, AssignRule::Hard, FullPolicy::Error, 4)
}

/// 60 points from 3 clusters (σ = 0.3) into a `K`-slot memory; pushes every assignment (a refused
/// datum as tag 3) and the final memories and counts.
fn growing_stream<const K: usize>(
    d: &mut Digest,
    rule: AssignRule,
    full: FullPolicy,
    run: u64,
) -> Result<()> {
    const CENTRES: [[f32; 2]; 3] = [[6.0, 0.0], [-6.0, 3.0], [0.0, -7.0]];
    let mut rng = Rng::keyed(45, &[key_str("hopfield_growing_f32"), run]);
    let cfg = CrpConfig {
        alpha: 1.0f32,
        sigma2: 0.25,
        prior_var: 50.0,
        rule,
        full,
    };
    let mut mem = GrowingMemory::<f32, K, 2>::new(cfg, [0.0; 2])?;
    for _ in 0..60 {
        let c = CENTRES
            .get(rng.below(3) as usize)
            .copied()
            .unwrap_or([0.0; 2]);
        let (a, b): (f32, f32) = rng.normal_pair();
        let x = [c[0] + 0.3 * a, c[1] + 0.3 * b];
        let (tag, index) = match mem.observe(&x) {
            Ok(Assigned::Existing(k)) => (0, k),
            Ok(Assigned::Created(k)) => (1, k),
            Ok(Assigned::Merged(k)) => (2, k),
            Err(Error::CapacityExceeded { capacity, .. }) => (3, capacity),
            Err(e) => return Err(e),
        };
        d.push_u64(tag);
        d.push_u64(index as u64);
        let (r, r_new) = mem.responsibilities();
        d.push_reals(r);
        d.push_real(r_new);
    }
    d.push_u64(mem.len() as u64);
    d.push_u64(mem.seen() as u64);
    for (rho, &n) in mem.means().iter().zip(mem.counts()) {
        d.push_reals(rho);
        d.push_real(n);
    }
    Ok(())
}
