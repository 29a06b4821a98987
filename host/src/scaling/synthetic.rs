//! The synthetic model family of `engram scaling --synthetic` (docs/scaling.md §Synthetic
//! fixture): known structure in which log p_vocab(correct) improves smoothly with compute while the
//! incorrect choices' mass also moves with scale, so predictability degrades along the chain as
//! Schaeffer et al. (arXiv:2406.04391) report for real families.
//!
//! Models i = 0…M−1 have log10 C evenly spaced over [19, 23] (x̄ = 21), N = √(C/120) parameters
//! and D = 20·N tokens (C = 6·N·D). Sample s draws from `Rng::keyed(seed, [key_str(
//! "engram/scaling/v1"), s])`, in this order:
//!
//! ```text
//! a ~ U(−9, −4)               (nats; a common offset of all choices)
//! b ~ U(0.2, 0.8)             (nats per decade of compute: the correct choice's improvement)
//! per incorrect choice j = 1…K−1:  u_j ~ N(−1, 1),  h_j ~ N(−0.2, 0.35²)
//! per model i, in order: ℓ_0 = a + b·(x_i − x̄) + 0.25·ε                       (correct)
//!                        ℓ_j = a + u_j + (b + h_j)·(x_i − x̄) + 0.25·ε_j     (incorrect)
//!                        each ℓ capped at 0
//! ```
//!
//! The incorrect choices gain mass with scale at nearly the correct one's rate (slope b + h_j,
//! h_j centred at −0.2 with spread 0.35), so the margin ℓ_0 − ℓ_j trends only weakly, with either
//! sign, and p_choices (and more so accuracy) loses the link to compute that log p_vocab has.
//! The correct choice is choice 0.

use engram_core::rng::{Rng, key_str};

use super::input::ModelInfo;

/// Smallest and largest log10 compute of the family.
pub const LOG10_C: (f64, f64) = (19.0, 23.0);
/// Noise σ of every log-likelihood (nats).
pub const SIGMA: f64 = 0.25;

/// The family of `m` models.
pub fn models(m: usize) -> Vec<ModelInfo> {
    (0..m)
        .map(|i| {
            let x = if m > 1 {
                LOG10_C.0 + (LOG10_C.1 - LOG10_C.0) * i as f64 / (m - 1) as f64
            } else {
                LOG10_C.0
            };
            let n = (10f64.powf(x) / 120.0).sqrt();
            let d = 20.0 * n;
            ModelInfo {
                name: format!("m{i}"),
                params: n,
                tokens: d,
                // as the models file gives it, so that the written fixture reads back identically
                log10_compute: (6.0 * n * d).log10(),
            }
        })
        .collect()
}

/// One choice row: (model index, choice, log-likelihood, correct).
pub type Row = (usize, usize, f64, bool);

/// Every row of sample `s`, model by model, choice 0 (correct) first.
pub fn sample_rows(seed: u64, s: u64, family: &[ModelInfo], choices: usize) -> Vec<Row> {
    let mut rng = Rng::keyed(seed, &[key_str("engram/scaling/v1"), s]);
    let a = -9.0 + 5.0 * rng.uniform::<f64>();
    let b = 0.2 + 0.6 * rng.uniform::<f64>();
    let mut wrong = Vec::with_capacity(choices.saturating_sub(1));
    for _ in 1..choices {
        let u = -1.0 + rng.normal::<f64>();
        let h = -0.2 + 0.35 * rng.normal::<f64>();
        wrong.push((u, h));
    }
    let mid = 0.5 * (LOG10_C.0 + LOG10_C.1);
    let mut rows = Vec::with_capacity(family.len() * choices);
    for (i, m) in family.iter().enumerate() {
        let dx = m.log10_compute - mid;
        let l0 = (a + b * dx + SIGMA * rng.normal::<f64>()).min(0.0);
        rows.push((i, 0, l0, true));
        for (j, &(u, h)) in wrong.iter().enumerate() {
            let l = (a + u + (b + h) * dx + SIGMA * rng.normal::<f64>()).min(0.0);
            rows.push((i, j + 1, l, false));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_spans_the_range_and_compute_is_6nd() {
        let f = models(5);
        assert_eq!(f.len(), 5);
        for m in &f {
            let c = 6.0 * m.params * m.tokens;
            assert!((c.log10() - m.log10_compute).abs() < 1e-12);
        }
        assert!((f[0].log10_compute - 19.0).abs() < 1e-12);
        assert!((f[4].log10_compute - 23.0).abs() < 1e-12);
    }

    #[test]
    fn rows_are_keyed_and_well_formed() {
        let f = models(4);
        let a = sample_rows(3, 17, &f, 4);
        assert_eq!(a, sample_rows(3, 17, &f, 4));
        assert_ne!(a, sample_rows(3, 18, &f, 4));
        assert_eq!(a.len(), 16);
        assert!(a.iter().all(|r| r.2 <= 0.0 && r.2.is_finite()));
        assert_eq!(a.iter().filter(|r| r.3).count(), 4);
    }
}
