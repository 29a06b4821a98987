//! The `fast-math` path's stated error model (engram_core::rnn::fast; docs/rnn.md), tested
//! against the reference `libm` path over sweeps of inputs. Runs only with the feature:
//! `cargo test -p engram-core --features fast-math --test rnn_fast_math`.
#![cfg(feature = "fast-math")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use engram_core::rng::Rng;
use engram_core::rnn::fast::{
    EXP_REL, INV_SQRT_REL, TANH_ABS, apply, exp, inv_sqrt, max_prob, tanh,
};
use engram_core::rnn::{Activation, Dims, Network, Weights};

/// 4096 points log-spaced over [1e-30, 1e30] (the sums of squares Norm-ReLU can meet).
fn log_sweep() -> impl Iterator<Item = f32> {
    (0..4096).map(|k| libm::powf(10.0, -30.0 + 60.0 * k as f32 / 4095.0))
}

#[test]
fn inv_sqrt_is_within_its_relative_bound() {
    let mut worst = 0.0f32;
    for x in log_sweep() {
        let r = 1.0 / libm::sqrtf(x);
        worst = worst.max(libm::fabsf(inv_sqrt(x) - r) / r);
    }
    println!("inv_sqrt worst relative error {worst:e}");
    assert!(worst <= INV_SQRT_REL, "{worst}");
}

#[test]
fn exp_is_within_its_relative_bound_on_the_softmax_domain() {
    let mut worst = 0.0f32;
    for k in 0..=8000 {
        let x = -80.0 * k as f32 / 8000.0;
        let r = libm::expf(x);
        worst = worst.max(libm::fabsf(exp(x) - r) / r);
    }
    println!("exp worst relative error on [-80, 0]: {worst:e}");
    assert!(worst <= EXP_REL, "{worst}");
}

#[test]
fn tanh_is_within_its_absolute_bound() {
    let mut worst = 0.0f32;
    for k in 0..=20000 {
        let x = -20.0 + 40.0 * k as f32 / 20000.0;
        worst = worst.max(libm::fabsf(tanh(x) - libm::tanhf(x)));
    }
    println!("tanh worst absolute error on [-20, 20]: {worst:e}");
    assert!(worst <= TANH_ABS, "{worst}");
}

#[test]
fn fast_norm_relu_and_steps_follow_the_reference() {
    let mut rng = Rng::seed_from_u64(11);
    let (i, h, p) = (2, 64, 9);
    let mut w = vec![0.0f32; h * i + h * h + p * h];
    rng.fill_normal(&mut w);
    let (w_ih, rest) = w.split_at(h * i);
    let (w_hh, w_dec) = rest.split_at(h * h);
    let mut worst_norm = 0.0f32;
    let mut worst_tanh = 0.0f32;
    for a in Activation::ALL {
        let net = Network::new(
            Dims::new(i, h, p),
            a,
            Weights {
                w_ih,
                w_hh,
                bias: None,
                w_enc: None,
                w_dec,
            },
        )
        .unwrap();
        for _ in 0..200 {
            let mut g = vec![0.0f32; h];
            rng.fill_normal(&mut g);
            let v = [rng.normal::<f32>(), rng.normal::<f32>()];
            let (mut r, mut f) = (vec![0.0f32; h], vec![0.0f32; h]);
            net.step(&v, &g, &mut r).unwrap();
            net.step_fast(&v, &g, &mut f).unwrap();
            match a {
                Activation::Relu => assert_eq!(r, f),
                Activation::Tanh => {
                    for (x, y) in r.iter().zip(&f) {
                        worst_tanh = worst_tanh.max(libm::fabsf(x - y));
                    }
                }
                Activation::NormRelu => {
                    let norm = libm::sqrtf(f.iter().map(|x| x * x).sum::<f32>());
                    worst_norm = worst_norm.max(libm::fabsf(norm - 1.0));
                    for (x, y) in r.iter().zip(&f) {
                        assert!(libm::fabsf(x - y) <= 2.0 * INV_SQRT_REL * x.abs() + 1e-7);
                    }
                }
            }
        }
    }
    println!("fast Norm-ReLU |norm - 1| <= {worst_norm:e}; fast tanh step <= {worst_tanh:e}");
    assert!(worst_norm <= INV_SQRT_REL + 1e-6);
    assert!(worst_tanh <= TANH_ABS);
    // Zero stays zero.
    let mut z = [-1.0f32, -2.0];
    apply(Activation::NormRelu, &mut z);
    assert_eq!(z, [0.0, 0.0]);
}

#[test]
fn max_prob_is_within_its_relative_bound() {
    let mut rng = Rng::seed_from_u64(12);
    let mut worst = 0.0f32;
    for _ in 0..500 {
        let mut l = vec![0.0f32; 144];
        rng.fill_normal(&mut l);
        l.iter_mut().for_each(|x| *x *= 5.0);
        let top = l.iter().fold(f32::MIN, |m, &x| m.max(x));
        let r = libm::expf(top - engram_core::softmax::log_sum_exp(&l).unwrap());
        worst = worst.max(libm::fabsf(max_prob(&l).unwrap() - r) / r);
    }
    println!("max_prob worst relative error {worst:e}");
    assert!(worst <= EXP_REL, "{worst}");
    assert!(max_prob(&[]).is_err());
    assert!(max_prob(&[f32::NAN]).is_err());
}
