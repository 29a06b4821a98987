//! The autoencoder's gradient against central finite differences (f64), the noisy-input kernel
//! against the clean one, AdamW against a hand computation, and the count on hand-built weights.
// Tests may panic: the no-panic lints guard the library, not its test harness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use engram_core::polysemantic::{
    AdamW, Noise, Optimizer, TrainConfig, Trainer, dot8, fill_inputs, init_weights, loss_grad,
    loss_grad_inputs, polysemantic_neurons, represented_features, scratch_len,
};
use engram_core::rng::Rng;

fn random_w(n: usize, m: usize, seed: u64) -> Vec<f64> {
    let mut w = vec![0.0; n * m];
    init_weights(&mut w, n, m, &mut Rng::seed_from_u64(seed)).unwrap();
    // Bigger weights so that many Gram entries are positive and the ReLU matters.
    w.iter_mut().for_each(|x| *x *= 2.0);
    w
}

/// Central differences with step h; the kinks (|w| = 0, Gᵢⱼ = 0) are avoided by random weights.
fn check_fd(f: &dyn Fn(&[f64]) -> f64, w: &[f64], grad: &[f64]) {
    let h = 1e-6;
    let mut worst = 0.0f64;
    for k in 0..w.len() {
        let mut a = w.to_vec();
        let mut b = w.to_vec();
        a[k] += h;
        b[k] -= h;
        let fd = (f(&a) - f(&b)) / (2.0 * h);
        let err = (fd - grad[k]).abs() / (1.0 + grad[k].abs());
        worst = worst.max(err);
    }
    assert!(worst < 1e-6, "worst relative gradient error {worst:e}");
}

#[test]
fn clean_gradient_matches_finite_differences() {
    for (n, m, seed) in [(3, 5, 1), (6, 4, 2), (5, 17, 3)] {
        let w = random_w(n, m, seed);
        let lambda = 0.05;
        let loss = |w: &[f64]| {
            let mut g = vec![0.0; n * m];
            let mut s = vec![0.0; n * n];
            loss_grad(w, n, m, lambda, &mut g, &mut s).unwrap()
        };
        let mut g = vec![0.0; n * m];
        let mut s = vec![0.0; n * n];
        loss_grad(&w, n, m, lambda, &mut g, &mut s).unwrap();
        check_fd(&loss, &w, &g);
    }
}

#[test]
fn noisy_gradient_matches_finite_differences() {
    let (n, m) = (5, 7);
    let w = random_w(n, m, 9);
    for noise in [Noise::Gaussian { sigma: 0.3 }, Noise::Bernoulli { p: 0.3 }] {
        let mut x = vec![0.0; n * n];
        fill_inputs(noise, n, &mut Rng::seed_from_u64(4), &mut x).unwrap();
        let loss = |w: &[f64]| {
            let mut g = vec![0.0; n * m];
            let mut s = vec![0.0; 2 * m + n];
            loss_grad_inputs(w, n, m, &x, 0.02, &mut g, &mut s).unwrap()
        };
        let mut g = vec![0.0; n * m];
        let mut s = vec![0.0; 2 * m + n];
        loss_grad_inputs(&w, n, m, &x, 0.02, &mut g, &mut s).unwrap();
        check_fd(&loss, &w, &g);
    }
}

#[test]
fn identity_inputs_give_the_clean_loss() {
    let (n, m) = (6, 9);
    let w = random_w(n, m, 5);
    let mut x = vec![0.0; n * n];
    fill_inputs(Noise::None, n, &mut Rng::seed_from_u64(0), &mut x).unwrap();
    let (mut g1, mut g2) = (vec![0.0; n * m], vec![0.0; n * m]);
    let l1 = loss_grad(&w, n, m, 0.01, &mut g1, &mut vec![0.0; n * n]).unwrap();
    let l2 = loss_grad_inputs(&w, n, m, &x, 0.01, &mut g2, &mut vec![0.0; 2 * m + n]).unwrap();
    assert!((l1 - l2).abs() < 1e-12 * l1.abs().max(1.0));
    for (a, b) in g1.iter().zip(&g2) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn subgradient_of_abs_at_zero_is_zero() {
    // W = 0: G = 0, no ReLU is active, every weight sits at the kink of |w|.
    let (n, m) = (2, 3);
    let w = vec![0.0f64; n * m];
    let mut g = vec![1.0; n * m];
    let l = loss_grad(&w, n, m, 0.5, &mut g, &mut vec![0.0; n * n]).unwrap();
    assert_eq!(l, 2.0); // the two diagonal targets missed
    assert!(g.iter().all(|&x| x == 0.0));
}

#[test]
fn dot8_is_exact_on_integers_and_symmetric() {
    let a: Vec<f32> = (0..37).map(|k| (k % 7) as f32 - 3.0).collect();
    let b: Vec<f32> = (0..37).map(|k| (k % 5) as f32 - 2.0).collect();
    let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert_eq!(dot8(&a, &b), exact);
    assert_eq!(dot8(&a, &b).to_bits(), dot8(&b, &a).to_bits());
}

#[test]
fn adamw_second_step_by_hand() {
    let mut opt = AdamW::new(0.01f64);
    let (mut w, mut m, mut v) = ([0.5], [0.0], [0.0]);
    opt.step(&mut w, &[1.0], &mut m, &mut v).unwrap();
    opt.step(&mut w, &[-2.0], &mut m, &mut v).unwrap();
    // by hand
    let mut x = 0.5f64;
    x -= 0.01 * 0.01 * x;
    let (m1, v1) = (0.1f64, 0.001f64);
    x -= 0.01 / 0.1 * m1 / (libm::sqrt(v1) / libm::sqrt(0.001) + 1e-8);
    x -= 0.01 * 0.01 * x;
    let m2 = 0.9 * m1 + 0.1 * -2.0;
    let v2 = 0.999 * v1 + 0.001 * 4.0;
    let bc1 = 1.0 - 0.81;
    let bc2 = 1.0 - 0.999f64 * 0.999;
    x -= 0.01 / bc1 * m2 / (libm::sqrt(v2) / libm::sqrt(bc2) + 1e-8);
    assert!((w[0] - x).abs() < 1e-15, "{} vs {x}", w[0]);
}

#[test]
fn training_separates_features_and_the_count_sees_it() {
    let cfg = TrainConfig {
        n: 6,
        m: 24,
        lambda: 1e-2f64,
        lr: 1e-2,
        optimizer: Optimizer::AdamW,
        noise: Noise::None,
    };
    let mut rng = Rng::seed_from_u64(11);
    let mut w = vec![0.0; 6 * 24];
    init_weights(&mut w, 6, 24, &mut rng).unwrap();
    let mut s = vec![0.0; scratch_len(&cfg).unwrap()];
    let mut t = Trainer::new(cfg).unwrap();
    let mut last = f64::INFINITY;
    for _ in 0..3000 {
        last = t.step(&mut w, &mut s, &mut rng).unwrap();
    }
    assert_eq!(represented_features(&w, 6, 24).unwrap(), 6);
    // near the optimum: perfect reconstruction and one unit weight per feature, L ≈ λ·n
    assert!(last < 6.0 * 1e-2 * 1.1, "final loss {last}");
    assert!(polysemantic_neurons(&w, 6, 24).unwrap() <= 3);
}

#[test]
fn bad_sizes_are_errors() {
    let w = [0.0f32; 5];
    assert!(loss_grad(&w, 2, 3, 0.0, &mut [0.0; 6], &mut [0.0; 4]).is_err());
    let w = [0.0f32; 6];
    assert!(loss_grad(&w, 2, 3, 0.0, &mut [0.0; 6], &mut [0.0; 3]).is_err());
    assert!(polysemantic_neurons(&w, 4, 2).is_err());
    let bad = TrainConfig {
        n: 2,
        m: 3,
        lambda: -1.0f32,
        lr: 0.1,
        optimizer: Optimizer::Sgd,
        noise: Noise::None,
    };
    assert!(Trainer::new(bad).is_err());
    let mut x = [0.0f32; 4];
    assert!(
        fill_inputs(
            Noise::Bernoulli { p: 2.0 },
            2,
            &mut Rng::seed_from_u64(0),
            &mut x
        )
        .is_err()
    );
}
