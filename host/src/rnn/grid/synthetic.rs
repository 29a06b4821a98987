//! Synthetic maps with known answers: ideal hexagonal and square lattices and white noise (the
//! scorer's sanity checks, docs/gridscore.md).
//!
//! ```text
//! hexagonal: f(x) = Σ_{k=0..2} cos(K·u_k·x + φ_k),  u_k at θ + 60°k, K = (2π/period)·2/√3
//! square:    f(x) = Σ_{k=0..1} cos(K·u_k·x + φ_k),  u_k at θ + 90°k, K = 2π/period
//! ```
//!
//! with x = (column, row) in bins; the hexagonal lattice's nearest-peak distance is `period`.

use std::f64::consts::PI;

use engram_core::rng::Rng;

fn lattice(n: usize, dirs: &[f64], k: f64, angle_deg: f64, phase: &[f64]) -> Vec<f64> {
    (0..n * n)
        .map(|i| {
            let (y, x) = ((i / n) as f64, (i % n) as f64);
            dirs.iter()
                .enumerate()
                .map(|(j, d)| {
                    let a = (angle_deg + d).to_radians();
                    let ph = phase.get(j).copied().unwrap_or(0.0);
                    (k * (x * a.cos() + y * a.sin()) + ph).cos()
                })
                .sum()
        })
        .collect()
}

/// An ideal hexagonal lattice, `n × n`, nearest-peak distance `period` bins.
pub fn hexagonal(n: usize, period: f64, angle_deg: f64, phase: [f64; 3]) -> Vec<f64> {
    let k = 2.0 * PI / period * 2.0 / 3f64.sqrt();
    lattice(n, &[0.0, 60.0, 120.0], k, angle_deg, &phase)
}

/// An ideal square lattice, `n × n`, period `period` bins.
pub fn square(n: usize, period: f64, angle_deg: f64, phase: [f64; 2]) -> Vec<f64> {
    lattice(n, &[0.0, 90.0], 2.0 * PI / period, angle_deg, &phase)
}

/// White noise, uniform in [0, 1), from `rng`.
pub fn noise(n: usize, rng: &mut Rng) -> Vec<f64> {
    (0..n * n).map(|_| rng.uniform::<f64>()).collect()
}
