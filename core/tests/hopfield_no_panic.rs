//! No public entry point of `engram_core::hopfield` panics, whatever it is given: arbitrary sizes,
//! slices of the wrong length, any bit patterns, NaN and ±∞, β ≤ 0. Every call must return `Ok` or
//! `Err` (proptest reports a panic as a failure).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use engram_core::hopfield::{
    AssignRule, CrpConfig, DenseForm, ExpMemory, FullPolicy, GaussianKde, GrowingMemory,
    ModernHopfield, PatternForm, PolyMemory, hebbian, hebbian_packed, log_sum_exp, normalize,
    normalize_rows, overlap, pack_signs, participation_ratio, run_async, run_sync, softmax,
    sync_step, unpack_signs, update_unit, words_for,
};
use engram_core::rng::Rng;
use proptest::prelude::*;

/// A length near `expected`: exact most of the time, off by up to 2 otherwise.
fn near(expected: usize, delta: i8) -> usize {
    if delta.unsigned_abs() > 2 {
        expected
    } else {
        expected.saturating_add_signed(delta as isize)
    }
}

fn floats(len: usize, seed: u64, wild: bool) -> Vec<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..len)
        .map(|_| {
            let r = rng.next_u32();
            if wild && r.is_multiple_of(7) {
                f32::from_bits(rng.next_u32()) // any bits: NaN, ±∞, subnormals
            } else {
                rng.uniform::<f32>() * 4.0 - 2.0
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn binary_entry_points_never_panic(
        n in 0usize..80,
        p in 0usize..6,
        d1 in -4i8..4, d2 in -4i8..4, d3 in -4i8..4,
        seed in any::<u64>(),
        signs_raw in proptest::collection::vec(any::<i8>(), 0..500),
        max_sweeps in 0usize..4,
        unit in 0usize..90,
    ) {
        let w = words_for(n);
        let mut rng = Rng::seed_from_u64(seed);
        let signs: Vec<i8> = signs_raw.iter().cycle().take(near(p * n, d1)).copied().collect();
        let mut packed: Vec<u32> = (0..near(p * w, d2)).map(|_| rng.next_u32()).collect();
        let _ = pack_signs(&signs, &mut packed);
        let mut back = vec![0i8; near(n, d3)];
        let _ = unpack_signs(&packed, &mut back);
        let _ = overlap(&packed, &packed, n);
        let mut wmat = vec![0i32; near(n * n, d3)];
        let _ = hebbian(&signs, p, n, &mut wmat);
        let _ = hebbian_packed(&packed, p, n, &mut wmat);
        let mut s: Vec<u32> = (0..near(w, d1)).map(|_| rng.next_u32()).collect();
        let mut cache = vec![0i32; near(p.max(n), d2)];
        let mut scratch = vec![0u32; near(2 * w, d3)];
        let mut order = vec![0u16; near(n, d1)];
        if let Ok(form) = PatternForm::new(&packed, p, n) {
            let _ = update_unit(&form, &mut s, &mut cache, unit);
            let _ = run_async(&form, &mut s, &mut cache, &mut order, &mut rng, max_sweeps);
            let _ = sync_step(&form, &mut s, &mut cache, &mut scratch);
            let _ = run_sync(&form, &mut s, &mut cache, &mut scratch, max_sweeps);
            for degree in [0u32, 1, 2, 3, 7, 40] {
                if let Ok(poly) = PolyMemory::new(form, degree) {
                    let _ = run_async(&poly, &mut s, &mut cache, &mut order, &mut rng, max_sweeps);
                }
            }
            let exp = ExpMemory::new(form);
            let _ = run_sync(&exp, &mut s, &mut cache, &mut scratch, max_sweeps);
        }
        if let Ok(dense) = DenseForm::new(&wmat, n) {
            let _ = run_async(&dense, &mut s, &mut cache, &mut order, &mut rng, max_sweeps);
            let _ = run_sync(&dense, &mut s, &mut cache, &mut scratch, max_sweeps);
        }
    }

    #[test]
    fn continuous_entry_points_never_panic(
        m in 0usize..12,
        d in 0usize..10,
        d1 in -4i8..4, d2 in -4i8..4, d3 in -4i8..4,
        seed in any::<u64>(),
        wild in any::<bool>(),
        beta_bits in any::<u32>(),
        beta_sane in 0.01f32..50.0,
        use_wild_beta in any::<bool>(),
        max_iter in 0usize..20,
    ) {
        let beta = if use_wild_beta { f32::from_bits(beta_bits) } else { beta_sane };
        let mut x = floats(near(m * d, d1), seed, wild);
        let _ = normalize_rows(&mut x, m, d);
        let mut xi = floats(near(d, d2), seed ^ 1, wild);
        let _ = normalize(&mut xi);
        let mut out = vec![0.0f32; near(d, d3)];
        let mut p = vec![0.0f32; near(m, d1)];
        let mut z = floats(m, seed ^ 2, wild);
        let _ = log_sum_exp(&z);
        let _ = softmax(&mut z);
        let _ = participation_ratio(&z);
        if let Ok(net) = ModernHopfield::new(&x, m, d, beta) {
            let _ = net.weights(&xi, &mut p);
            let _ = net.energy(&xi, &mut p);
            let _ = net.update(&xi, &mut out, &mut p);
        }
        if let Ok(kde) = GaussianKde::new(&x, m, d, beta) {
            let _ = kde.weights(&xi, &mut p);
            let _ = kde.nll(&xi, &mut p);
            let _ = kde.step(&xi, &mut out, &mut p);
            let mut scratch = vec![0.0f32; near(m + d, d3)];
            let _ = kde.run(&mut xi, &mut scratch, beta, max_iter);
        }
    }

    #[test]
    fn growing_memory_never_panics(
        seed in any::<u64>(),
        wild in any::<bool>(),
        alpha_bits in any::<u32>(),
        sigma2_bits in any::<u32>(),
        soft in any::<bool>(),
        merge in any::<bool>(),
        len_delta in -4i8..4,
        n_data in 0usize..40,
    ) {
        let cfg = CrpConfig {
            alpha: f32::from_bits(alpha_bits),
            sigma2: f32::from_bits(sigma2_bits),
            prior_var: 1.0,
            rule: if soft { AssignRule::Soft } else { AssignRule::Hard },
            full: if merge { FullPolicy::MergeIntoNearest } else { FullPolicy::Error },
        };
        let sane = CrpConfig { alpha: 1.0, sigma2: 0.5, ..cfg };
        for config in [cfg, sane] {
            if let Ok(mut mem) = GrowingMemory::<f32, 3, 4>::new(config, [0.0; 4]) {
                for i in 0..n_data {
                    let x = floats(near(4, len_delta), seed.wrapping_add(i as u64), wild);
                    let _ = mem.observe(&x);
                    let _ = mem.nearest(&x);
                }
            }
        }
    }
}
