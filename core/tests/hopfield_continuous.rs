//! Modern continuous Hopfield network and the Gaussian-KDE memory: retrieval, energy descent,
//! mean-shift convergence and their agreement on equal-norm data.
// Tests may panic: the no-panic lints guard the library, not its test harness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use engram_core::hopfield::{
    GaussianKde, MeanShiftOutcome, ModernHopfield, normalize, normalize_rows, participation_ratio,
};
use engram_core::rng::Rng;
use proptest::prelude::*;

fn unit_patterns(m: usize, d: usize, rng: &mut Rng) -> Vec<f64> {
    let mut x = vec![0.0f64; m * d];
    rng.fill_normal(&mut x);
    normalize_rows(&mut x, m, d).unwrap();
    x
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    libm::sqrt(a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum())
}

/// At large β one update retrieves a stored unit pattern from a noisy query.
#[test]
fn one_update_retrieves_at_large_beta() {
    let (m, d) = (16usize, 64usize);
    let mut rng = Rng::keyed(1, &[20]);
    let x = unit_patterns(m, d, &mut rng);
    let net = ModernHopfield::new(&x, m, d, 50.0).unwrap();
    let (mut out, mut p) = (vec![0.0; d], vec![0.0; m]);
    for k in 0..m {
        let target = &x[k * d..(k + 1) * d];
        let mut q: Vec<f64> = target.to_vec();
        let mut noise = vec![0.0; d];
        rng.fill_normal(&mut noise);
        for (a, b) in q.iter_mut().zip(&noise) {
            *a += 0.05 * b; // ‖noise‖ ≈ 0.4
        }
        normalize(&mut q).unwrap();
        let e0 = net.update(&q, &mut out, &mut p).unwrap();
        assert!(
            dist(&out, target) < 1e-3,
            "pattern {k}: {}",
            dist(&out, target)
        );
        assert!(participation_ratio(&p).unwrap() < 1.01);
        let e1 = net.energy(&out, &mut p).unwrap();
        assert!(e1 <= e0 + 1e-12);
    }
}

/// Small β: the update lands near the mean of all patterns (a metastable state); the
/// participation ratio approaches M.
#[test]
fn small_beta_averages() {
    let (m, d) = (10usize, 8usize);
    let mut rng = Rng::keyed(2, &[20]);
    let x = unit_patterns(m, d, &mut rng);
    let net = ModernHopfield::new(&x, m, d, 1e-6).unwrap();
    let (mut out, mut p) = (vec![0.0; d], vec![0.0; m]);
    net.update(&x[..d], &mut out, &mut p).unwrap();
    assert!((participation_ratio(&p).unwrap() - m as f64).abs() < 1e-3);
    let mut mean = vec![0.0; d];
    for row in x.chunks_exact(d) {
        for (a, b) in mean.iter_mut().zip(row) {
            *a += b / m as f64;
        }
    }
    assert!(dist(&out, &mean) < 1e-5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The update is a CCCP step: E(ξ′) ≤ E(ξ); the softmax weights sum to 1; E ≥ 0 after an
    /// update (ξ′ is in the convex hull of the patterns).
    #[test]
    fn modern_energy_does_not_rise(m in 1usize..30, d in 1usize..20, beta in 0.01f64..30.0, scale in 0.1f64..3.0, seed: u64) {
        let mut rng = Rng::keyed(seed, &[21]);
        let mut x = vec![0.0f64; m * d];
        rng.fill_normal(&mut x);
        for v in x.iter_mut() {
            *v *= scale;
        }
        let net = ModernHopfield::new(&x, m, d, beta).unwrap();
        let mut xi = vec![0.0f64; d];
        rng.fill_normal(&mut xi);
        let (mut out, mut p) = (vec![0.0; d], vec![0.0; m]);
        let mut e = net.energy(&xi, &mut p).unwrap();
        for _ in 0..5 {
            let e0 = net.update(&xi, &mut out, &mut p).unwrap();
            prop_assert!((e0 - e).abs() <= 1e-12 * (1.0 + e.abs()));
            let s: f64 = p.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12);
            prop_assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
            let pr = participation_ratio(&p).unwrap();
            prop_assert!(pr >= 1.0 - 1e-12 && pr <= m as f64 + 1e-9);
            let e1 = net.energy(&out, &mut p).unwrap();
            prop_assert!(e1 <= e0 + 1e-9 * (1.0 + e0.abs()), "{e0} -> {e1}");
            prop_assert!(e1 >= -1e-9);
            xi.copy_from_slice(&out);
            e = e1;
        }
    }

    /// Mean-shift never raises the NLL; a converged point is a fixed point.
    #[test]
    fn kde_mean_shift_descends(m in 1usize..25, d in 1usize..6, beta in 0.05f64..10.0, seed: u64) {
        let mut rng = Rng::keyed(seed, &[22]);
        let mut x = vec![0.0f64; m * d];
        rng.fill_normal(&mut x);
        let kde = GaussianKde::new(&x, m, d, beta).unwrap();
        let mut xi = vec![0.0f64; d];
        rng.fill_normal(&mut xi);
        for v in xi.iter_mut() {
            *v *= 2.0;
        }
        let (mut w, mut next) = (vec![0.0; m], vec![0.0; d]);
        let mut nll = kde.nll(&xi, &mut w).unwrap();
        for _ in 0..30 {
            kde.step(&xi, &mut next, &mut w).unwrap();
            let s: f64 = w.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12);
            let n2 = kde.nll(&next, &mut w).unwrap();
            prop_assert!(n2 <= nll + 1e-9 * (1.0 + nll.abs()), "{nll} -> {n2}");
            xi.copy_from_slice(&next);
            nll = n2;
        }
        let mut scratch = vec![0.0; m + d];
        let out = kde.run(&mut xi, &mut scratch, 1e-9, 100_000).unwrap();
        if let MeanShiftOutcome::Converged { .. } = out {
            let moved = kde.step(&xi, &mut next, &mut w).unwrap();
            prop_assert!(moved <= 1e-6, "moved {moved}");
            let n2 = kde.nll(&next, &mut w).unwrap();
            prop_assert!((n2 - kde.nll(&xi, &mut w).unwrap()).abs() < 1e-9);
        }
    }

    /// Equal-norm patterns: KDE (distance path) and modern network (dot-product path) agree on the
    /// weights, the update and the energy up to the documented constant.
    #[test]
    fn kde_equals_modern_on_sphere(m in 1usize..20, d in 1usize..16, beta in 0.1f64..20.0, radius in 0.5f64..2.0, seed: u64) {
        let mut rng = Rng::keyed(seed, &[23]);
        let mut x = unit_patterns(m, d, &mut rng);
        for v in x.iter_mut() {
            *v *= radius;
        }
        let kde = GaussianKde::new(&x, m, d, beta).unwrap();
        let net = ModernHopfield::new(&x, m, d, beta).unwrap();
        let mut xi = vec![0.0f64; d];
        rng.fill_normal(&mut xi);
        let (mut w, mut p) = (vec![0.0; m], vec![0.0; m]);
        let (mut a, mut b) = (vec![0.0; d], vec![0.0; d]);
        kde.step(&xi, &mut a, &mut w).unwrap();
        let em = net.update(&xi, &mut b, &mut p).unwrap();
        for (u, v) in w.iter().zip(&p) {
            prop_assert!((u - v).abs() < 1e-9);
        }
        prop_assert!(dist(&a, &b) < 1e-9 * (1.0 + radius));
        let ek = kde.energy(&xi, &mut w).unwrap();
        prop_assert!((ek - em - kde.energy_offset()).abs() < 1e-9 * (1.0 + ek.abs()), "{ek} {em}");
    }
}

/// f32 path: one update at large β retrieves too, and the converged KDE point is a fixed point.
#[test]
fn f32_paths() {
    let (m, d) = (6usize, 16usize);
    let mut rng = Rng::keyed(3, &[20]);
    let mut x = vec![0.0f32; m * d];
    rng.fill_normal(&mut x);
    normalize_rows(&mut x, m, d).unwrap();
    let net = ModernHopfield::new(&x, m, d, 40.0f32).unwrap();
    let mut q = x[2 * d..3 * d].to_vec();
    q[0] += 0.3;
    let (mut out, mut p) = (vec![0.0f32; d], vec![0.0f32; m]);
    net.update(&q, &mut out, &mut p).unwrap();
    for (a, b) in out.iter().zip(&x[2 * d..3 * d]) {
        assert!((a - b).abs() < 1e-3);
    }
    let kde = GaussianKde::new(&x, m, d, 40.0f32).unwrap();
    let mut scratch = vec![0.0f32; m + d];
    let res = kde.run(&mut q, &mut scratch, 0.0, 100).unwrap();
    assert!(matches!(res, MeanShiftOutcome::Converged { .. }), "{res:?}");
    let before = q.clone();
    let moved = kde.step(&before, &mut out, &mut p).unwrap();
    assert_eq!(moved, 0.0, "an exact f32 fixed point");
}
