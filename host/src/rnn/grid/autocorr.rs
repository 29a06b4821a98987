//! Spatial autocorrelogram of a rate map, as DeepMind's `scores.py` `calculate_sac` computes it.
//!
//! For every lag (dy, dx) ∈ [−(n−1), n−1]², over the K bins where the map and its shifted copy
//! overlap (a = the map at k − d, b = the map at k):
//!
//! ```text
//! r(d) = (Σab/K − Σa·Σb/K²) / (√(Σa²/K − (Σa)²/K²) · √(Σb²/K − (Σb)²/K²))
//! ```
//!
//! a Pearson correlation over the overlap with population variances, computed in this raw-moment
//! form (so a flat overlap gives 0/0). Quirks kept on purpose, because the published scores carry
//! them: a NaN (unvisited) bin becomes 0 **before** anything else, so it still counts in K
//! ([`NanPolicy::Zero`], DeepMind's default); a NaN or ±∞ result (flat overlap, negative rounding
//! under the square root) becomes 0 or ±`f64::MAX` (NumPy's `nan_to_num`).
//! [`NanPolicy::Mask`] instead leaves unvisited bins out of K and of the sums (what the code's
//! `ones_seq` arrays were evidently meant to do).
//!
//! ```
//! use engram::rnn::grid::{NanPolicy, autocorrelogram};
//! let map = [1.0, 2.0, 3.0, 4.0];
//! let sac = autocorrelogram(&map, 2, NanPolicy::Zero).unwrap();
//! assert_eq!(sac.len(), 9);
//! assert!((sac[4] - 1.0).abs() < 1e-12); // zero lag: correlation 1
//! ```

use super::{GridError, check_map};

/// How unvisited (NaN) bins enter the autocorrelogram.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum NanPolicy {
    /// DeepMind's scorer: NaN → 0, counted as a visited bin of rate 0.
    #[default]
    Zero,
    /// Left out: only bins visited in both the map and its shifted copy count.
    Mask,
}

impl NanPolicy {
    /// `zero` or `mask`.
    pub fn name(self) -> &'static str {
        match self {
            NanPolicy::Zero => "zero",
            NanPolicy::Mask => "mask",
        }
    }
}

/// NumPy's `nan_to_num`: NaN → 0, ±∞ → ±`f64::MAX`.
pub fn nan_to_num(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else if v == f64::INFINITY {
        f64::MAX
    } else if v == f64::NEG_INFINITY {
        f64::MIN
    } else {
        v
    }
}

/// The `(2n−1) × (2n−1)` autocorrelogram of the `n × n` map (row-major, centre at `(n−1, n−1)`).
pub fn autocorrelogram(map: &[f64], n: usize, nan: NanPolicy) -> Result<Vec<f64>, GridError> {
    check_map(map, n)?;
    let vals: Vec<f64> = map
        .iter()
        .map(|&v| if v.is_nan() { 0.0 } else { v })
        .collect();
    let ones: Vec<f64> = map
        .iter()
        .map(|&v| match nan {
            NanPolicy::Mask if v.is_nan() => 0.0,
            _ => 1.0,
        })
        .collect();
    let m = 2 * n - 1;
    let mut out = vec![0.0; m * m];
    let ni = n as isize;
    for (oy, row) in out.chunks_exact_mut(m).enumerate() {
        let dy = oy as isize - (ni - 1);
        for (ox, o) in row.iter_mut().enumerate() {
            let dx = ox as isize - (ni - 1);
            let (mut sab, mut sa, mut sb, mut saa, mut sbb, mut k) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            // k over the overlap: 0 ≤ k < n and 0 ≤ k − d < n on both axes.
            let y0 = dy.max(0) as usize;
            let y1 = (ni + dy.min(0)) as usize;
            let x0 = dx.max(0) as usize;
            let x1 = (ni + dx.min(0)) as usize;
            for ky in y0..y1 {
                let ay = (ky as isize - dy) as usize;
                for kx in x0..x1 {
                    let ax = (kx as isize - dx) as usize;
                    let (ia, ib) = (ay * n + ax, ky * n + kx);
                    let (a, b) = (vals[ia], vals[ib]);
                    let (oa, ob) = (ones[ia], ones[ib]);
                    sab += a * b;
                    sa += a * ob;
                    sb += oa * b;
                    saa += a * a * ob;
                    sbb += oa * b * b;
                    k += oa * ob;
                }
            }
            let k2 = k * k;
            let std_a = (saa / k - sa * sa / k2).sqrt();
            let std_b = (sbb / k - sb * sb / k2).sqrt();
            let cov = sab / k - sa * sb / k2;
            *o = nan_to_num(cov / (std_a * std_b));
        }
    }
    Ok(out)
}
