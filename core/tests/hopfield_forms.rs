//! Classical binary networks: the dense and pattern forms are exactly equal step by step, the energy
//! never rises under asynchronous updates, and stored patterns are retrieved at low load.
// Tests may panic: the no-panic lints guard the library, not its test harness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use engram_core::hopfield::{
    BinaryMemory, DenseForm, ExpMemory, Outcome, PatternForm, PolyMemory, fill_random,
    flip_exactly, hebbian, hebbian_packed, overlap, run_async, run_sync, sign_rule, sweep_order,
    sync_step, unpack_signs, update_unit, words_for,
};
use engram_core::rng::Rng;
use proptest::prelude::*;

/// P random patterns of N bits, packed, and the same as ±1 rows.
fn random_patterns(p: usize, n: usize, rng: &mut Rng) -> (Vec<u32>, Vec<i8>) {
    let w = words_for(n);
    let mut packed = vec![0u32; p * w];
    let mut signs = vec![0i8; p * n];
    for (row, srow) in packed.chunks_exact_mut(w).zip(signs.chunks_exact_mut(n)) {
        fill_random(row, n, rng).unwrap();
        unpack_signs(row, srow).unwrap();
    }
    (packed, signs)
}

/// (W s)ᵢ computed directly from the weights, for checking every cache.
fn direct_fields(w: &[i32], n: usize, s: &[u32]) -> Vec<i32> {
    let mut signs = vec![0i8; n];
    unpack_signs(s, &mut signs).unwrap();
    w.chunks_exact(n)
        .map(|row| {
            row.iter()
                .zip(&signs)
                .map(|(&a, &b)| a * i32::from(b))
                .sum()
        })
        .collect()
}

struct Pair {
    packed: Vec<u32>,
    w: Vec<i32>,
    cue: Vec<u32>,
}

fn setup(n: usize, p: usize, seed: u64, flips: usize) -> Pair {
    let mut rng = Rng::keyed(seed, &[1]);
    let (packed, signs) = random_patterns(p, n, &mut rng);
    let mut w = vec![0i32; n * n];
    hebbian(&signs, p, n, &mut w).unwrap();
    let mut w2 = vec![0i32; n * n];
    hebbian_packed(&packed, p, n, &mut w2).unwrap();
    assert_eq!(w, w2);
    // Cue: pattern 0 with some flips, or a random state.
    let words = words_for(n);
    let mut cue = packed[..words].to_vec();
    if flips == usize::MAX {
        fill_random(&mut cue, n, &mut rng).unwrap();
    } else {
        flip_exactly(&mut cue, n, flips.min(n), &mut rng).unwrap();
    }
    Pair { packed, w, cue }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Asynchronous: identical orders, fields, flips, states and energies at every unit update;
    /// every cache agrees with W s computed directly after each sweep; E never rises, and a flip
    /// lowers it by exactly 2|hᵢ|.
    #[test]
    fn async_dense_equals_pattern(n in 1usize..200, p in 1usize..20, seed: u64, flip_frac in 0usize..60) {
        let flips = if flip_frac >= 50 { usize::MAX } else { n * flip_frac / 100 };
        let pr = setup(n, p, seed, flips);
        let dense = DenseForm::new(&pr.w, n).unwrap();
        let pat = PatternForm::new(&pr.packed, p, n).unwrap();
        let (mut sd, mut sp) = (pr.cue.clone(), pr.cue.clone());
        let (mut hd, mut mp) = (vec![0i32; n], vec![0i32; p]);
        dense.init_cache(&sd, &mut hd).unwrap();
        pat.init_cache(&sp, &mut mp).unwrap();
        let (mut r1, mut r2) = (Rng::keyed(seed, &[2]), Rng::keyed(seed, &[2]));
        let (mut o1, mut o2) = (vec![0u16; n], vec![0usize; n]);
        let mut e = dense.energy(&sd, &hd).unwrap();
        prop_assert_eq!(e, pat.energy(&sp, &mp).unwrap());
        for _sweep in 0..30 {
            sweep_order(&mut o1, &mut r1).unwrap();
            sweep_order(&mut o2, &mut r2).unwrap();
            let mut flips = 0;
            for (&i, &j) in o1.iter().zip(&o2) {
                let i = usize::from(i);
                prop_assert_eq!(i, j);
                let fd = dense.field(&sd, &hd, i).unwrap();
                let fp = pat.field(&sp, &mp, i).unwrap();
                prop_assert_eq!(fd, fp);
                let a = update_unit(&dense, &mut sd, &mut hd, i).unwrap();
                let b = update_unit(&pat, &mut sp, &mut mp, i).unwrap();
                prop_assert_eq!(a, b);
                prop_assert_eq!(&sd, &sp);
                let ed = dense.energy(&sd, &hd).unwrap();
                prop_assert_eq!(ed, pat.energy(&sp, &mp).unwrap());
                if a {
                    flips += 1;
                    prop_assert_eq!(ed, e - 2 * i64::from(fd.abs()));
                } else {
                    prop_assert_eq!(ed, e);
                }
                e = ed;
            }
            let direct = direct_fields(&pr.w, n, &sd);
            prop_assert_eq!(&direct, &hd);
            for (i, &h) in direct.iter().enumerate() {
                prop_assert_eq!(pat.field(&sp, &mp, i).unwrap(), h);
            }
            if flips == 0 {
                break;
            }
        }
        // The drivers agree with each other and with the manual loop above.
        let (mut ad, mut ap) = (pr.cue.clone(), pr.cue.clone());
        let od = run_async(&dense, &mut ad, &mut hd, &mut o1, &mut Rng::keyed(seed, &[2]), 30).unwrap();
        let op = run_async(&pat, &mut ap, &mut mp, &mut o2, &mut Rng::keyed(seed, &[2]), 30).unwrap();
        prop_assert_eq!(od, op);
        prop_assert_eq!(&ad, &ap);
        if od.is_fixed_point() {
            prop_assert_eq!(&ad, &sd);
        }
    }

    /// Synchronous: identical states, all fields and energies at every step; the same outcome.
    #[test]
    fn sync_dense_equals_pattern(n in 1usize..200, p in 1usize..20, seed: u64, flip_frac in 0usize..60) {
        let flips = if flip_frac >= 50 { usize::MAX } else { n * flip_frac / 100 };
        let pr = setup(n, p, seed, flips);
        let dense = DenseForm::new(&pr.w, n).unwrap();
        let pat = PatternForm::new(&pr.packed, p, n).unwrap();
        let (mut sd, mut sp) = (pr.cue.clone(), pr.cue.clone());
        let (mut hd, mut mp) = (vec![0i32; n], vec![0i32; p]);
        dense.init_cache(&sd, &mut hd).unwrap();
        pat.init_cache(&sp, &mut mp).unwrap();
        let mut scratch = vec![0u32; words_for(n)];
        for _step in 0..20 {
            for i in 0..n {
                prop_assert_eq!(dense.field(&sd, &hd, i).unwrap(), pat.field(&sp, &mp, i).unwrap());
            }
            prop_assert_eq!(dense.energy(&sd, &hd).unwrap(), pat.energy(&sp, &mp).unwrap());
            let a = sync_step(&dense, &mut sd, &mut hd, &mut scratch).unwrap();
            let b = sync_step(&pat, &mut sp, &mut mp, &mut scratch).unwrap();
            prop_assert_eq!(a, b);
            prop_assert_eq!(&sd, &sp);
            prop_assert_eq!(&direct_fields(&pr.w, n, &sd), &hd);
            if a == 0 {
                break;
            }
        }
        let mut two = vec![0u32; 2 * words_for(n)];
        let (mut ad, mut ap) = (pr.cue.clone(), pr.cue.clone());
        let od = run_sync(&dense, &mut ad, &mut hd, &mut two, 50).unwrap();
        let op = run_sync(&pat, &mut ap, &mut mp, &mut two, 50).unwrap();
        prop_assert_eq!(od, op);
        prop_assert_eq!(&ad, &ap);
        prop_assert!(!matches!(od, Outcome::StepLimit { .. }), "sync ends in a fixed point or 2-cycle");
    }

    /// Dense associative memory F = xⁿ: asynchronous updates never raise the (exact, i128) energy,
    /// also far above the classical capacity.
    #[test]
    fn poly_energy_never_rises(n in 1usize..100, p in 1usize..60, degree in 2u32..6, seed: u64) {
        let mut rng = Rng::keyed(seed, &[3]);
        let (packed, _) = random_patterns(p, n, &mut rng);
        let net = PolyMemory::new(PatternForm::new(&packed, p, n).unwrap(), degree).unwrap();
        let mut s = vec![0u32; words_for(n)];
        fill_random(&mut s, n, &mut rng).unwrap();
        let mut m = vec![0i32; p];
        net.init_cache(&s, &mut m).unwrap();
        let mut order = vec![0u32; n];
        let mut e = net.energy(&s, &m).unwrap();
        for _ in 0..20 {
            sweep_order(&mut order, &mut rng).unwrap();
            let mut flips = 0;
            for &i in &order {
                let h = net.field(&s, &m, i as usize).unwrap();
                if update_unit(&net, &mut s, &mut m, i as usize).unwrap() {
                    flips += 1;
                    let e2 = net.energy(&s, &m).unwrap();
                    // A flip lowers E by exactly |field| (field = E(−1) − E(+1)).
                    prop_assert_eq!(e2, e - h.abs());
                    prop_assert!(e2 < e);
                    e = e2;
                }
            }
            if flips == 0 {
                break;
            }
        }
        // The incremental overlaps equal a fresh computation.
        let mut fresh = vec![0i32; p];
        net.init_cache(&s, &mut fresh).unwrap();
        prop_assert_eq!(fresh, m);
    }

    /// Exponential dense associative memory: the log-domain energy never rises (up to rounding).
    #[test]
    fn exp_energy_never_rises(n in 1usize..300, p in 1usize..40, seed: u64) {
        let mut rng = Rng::keyed(seed, &[4]);
        let (packed, _) = random_patterns(p, n, &mut rng);
        let net = ExpMemory::new(PatternForm::new(&packed, p, n).unwrap());
        let mut s = vec![0u32; words_for(n)];
        fill_random(&mut s, n, &mut rng).unwrap();
        let mut m = vec![0i32; p];
        net.init_cache(&s, &mut m).unwrap();
        let mut order = vec![0u16; n];
        let mut e = net.energy(&s, &m).unwrap();
        for _ in 0..10 {
            sweep_order(&mut order, &mut rng).unwrap();
            for &i in &order {
                update_unit(&net, &mut s, &mut m, usize::from(i)).unwrap();
                let e2 = net.energy(&s, &m).unwrap();
                prop_assert!(e2 <= e + 1e-12 * e.abs().max(1.0), "{e} -> {e2}");
                e = e2;
            }
        }
    }
}

/// N = 256, P = 5: every stored pattern is a fixed point of both rules, and a cue with 10 % of its
/// bits flipped is retrieved exactly by both forms.
#[test]
fn low_load_retrieval() {
    const N: usize = 256;
    const P: usize = 5;
    let words = words_for(N);
    for seed in 0..8u64 {
        let pr = setup(N, P, 100 + seed, 0);
        let dense = DenseForm::new(&pr.w, N).unwrap();
        let pat = PatternForm::new(&pr.packed, P, N).unwrap();
        let mut rng = Rng::keyed(seed, &[5]);
        for mu in 0..P {
            let xi = &pr.packed[mu * words..(mu + 1) * words];
            let mut m = [0i32; P];
            let mut h = vec![0i32; N];
            // Fixed point: every unit agrees with the sign of its field.
            let mut s = xi.to_vec();
            pat.init_cache(&s, &mut m).unwrap();
            for i in 0..N {
                let cur = if (s[i / 32] >> (i % 32)) & 1 == 1 {
                    1
                } else {
                    -1
                };
                assert_eq!(sign_rule(pat.field(&s, &m, i).unwrap(), cur), cur);
            }
            let mut order = [0u16; N];
            assert_eq!(
                run_async(&pat, &mut s, &mut m, &mut order, &mut rng, 5).unwrap(),
                Outcome::FixedPoint { sweeps: 1 }
            );
            assert_eq!(
                run_sync(&dense, &mut s, &mut h, &mut [0u32; 16], 5).unwrap(),
                Outcome::FixedPoint { sweeps: 1 }
            );
            assert_eq!(s, xi);
            // 10 % of the bits flipped.
            for form in 0..2 {
                let mut cue = xi.to_vec();
                flip_exactly(&mut cue, N, N / 10, &mut rng).unwrap();
                assert_eq!(overlap(&cue, xi, N).unwrap(), (N - 2 * (N / 10)) as i32);
                let out = if form == 0 {
                    run_async(&pat, &mut cue, &mut m, &mut order, &mut rng, 20).unwrap()
                } else {
                    run_async(&dense, &mut cue, &mut h, &mut order, &mut rng, 20).unwrap()
                };
                assert!(out.is_fixed_point());
                assert_eq!(cue, xi, "seed {seed} pattern {mu} form {form}");
            }
        }
    }
}

/// N = 1024, P = 100 (α ≈ 0.1 < α_c ≈ 0.138), pattern form only: the regime the incremental
/// overlaps are for. Cues with 10 % noise end close to the pattern (≈ 99 %+ overlap).
#[test]
fn pattern_form_at_n1024_p100() {
    const N: usize = 1024;
    const P: usize = 100;
    let words = words_for(N);
    let mut rng = Rng::keyed(9, &[6]);
    let (packed, _) = random_patterns(P, N, &mut rng);
    let net = PatternForm::new(&packed, P, N).unwrap();
    let mut m = [0i32; P];
    let mut order = [0u16; N];
    let mut total = 0i64;
    for mu in 0..10 {
        let xi = &packed[mu * words..(mu + 1) * words];
        let mut s = xi.to_vec();
        flip_exactly(&mut s, N, N / 10, &mut rng).unwrap();
        let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 50).unwrap();
        assert!(out.is_fixed_point(), "{out:?}");
        let q = overlap(&s, xi, N).unwrap();
        assert_eq!(m[mu], q, "cache holds the final overlaps");
        assert!(q as f64 >= 0.95 * N as f64, "pattern {mu}: overlap {q}");
        total += i64::from(q);
    }
    assert!(total as f64 / 10.0 >= 0.98 * N as f64);
}

/// F = x³ at N = 100 holds 50 patterns (classical capacity ≈ 14) and retrieves from 10 % noise.
#[test]
fn poly_cubic_above_classical_capacity() {
    const N: usize = 100;
    const P: usize = 50;
    let words = words_for(N);
    let mut rng = Rng::keyed(10, &[7]);
    let (packed, _) = random_patterns(P, N, &mut rng);
    let pf = PatternForm::new(&packed, P, N).unwrap();
    let net = PolyMemory::new(pf, 3).unwrap();
    let mut m = [0i32; P];
    let mut order = [0u16; N];
    let mut classical_exact = 0;
    for mu in 0..P {
        let xi = &packed[mu * words..(mu + 1) * words];
        let mut cue = xi.to_vec();
        flip_exactly(&mut cue, N, N / 10, &mut rng).unwrap();
        let mut s = cue.clone();
        let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 20).unwrap();
        assert!(out.is_fixed_point());
        assert_eq!(s, xi, "pattern {mu}");
        let mut c = cue.clone();
        run_async(&pf, &mut c, &mut m, &mut order, &mut rng, 20).unwrap();
        if c == xi {
            classical_exact += 1;
        }
    }
    assert!(
        classical_exact < P / 2,
        "the classical net fails at this load ({classical_exact})"
    );
}
