//! Grid scores as DeepMind's `scores.py` computes them (Banino et al. 2018; used by Sorscher et
//! al. 2019/2023), in f64. See docs/gridscore.md.
//!
//! For an `n × n` rate map with autocorrelogram S (`(2n−1)²`, [`autocorrelogram`]) and S rotated
//! by θ ∈ {30, 45, 60, 90, 120, 135, 150}° (R_θ, [`rotate`](super::rotate)), per ring mask
//! (integer lags (x, y) with 0.2·n < √(x² + y²) ≤ r_out·n, r_out ∈ linspace(0.4, 1.0, 10)):
//!
//! ```text
//! m   = Σ_ring S / |ring|                       (the *unrotated* map's mean)
//! c_θ = (Σ_ring (S − m)(R_θ − m) / |ring|) / (Σ_ring (S − m)² / |ring| + 1e-5)
//! score60 (mean form)    = (c60 + c120)/2 − (c30 + c90 + c150)/3
//! score60 (min-max form) = min(c60, c120) − max(c30, c90, c150)
//! score90                = c90 − (c45 + c135)/2
//! ```
//!
//! each the maximum over the ten rings (separately). c_θ is not a Pearson correlation: R_θ is
//! centred and scaled by S's statistics, and the variance has 1e-5 added.
//!
//! ```
//! use engram::rnn::grid::{GridScorer, NanPolicy};
//! let n = 20;
//! // An ideal hexagonal lattice of period 7 bins.
//! let map: Vec<f64> = (0..n * n).map(|i| {
//!     let (y, x) = ((i / n) as f64, (i % n) as f64);
//!     (0..3).map(|k| {
//!         let a = std::f64::consts::PI / 3.0 * k as f64;
//!         (2.0 * std::f64::consts::PI / 7.0 * 2.0 / 3f64.sqrt() * (x * a.cos() + y * a.sin())).cos()
//!     }).sum()
//! }).collect();
//! let s = GridScorer::new(n).score(&map, NanPolicy::Zero).unwrap();
//! assert!(s.score60_mean > 1.0);
//! ```

use super::autocorr::{NanPolicy, autocorrelogram};
use super::rotate::{rotate_coefficients, spline_coefficients};
use super::{GridError, check_map};

/// The rotation angles, degrees, in `scores.py`'s order.
pub const ANGLES: [f64; 7] = [30.0, 45.0, 60.0, 90.0, 120.0, 135.0, 150.0];
/// Inner radius of every ring, as a fraction of n.
pub const RING_IN: f64 = 0.2;
/// Number of rings.
pub const RINGS: usize = 10;

/// The outer radii of the rings as fractions of n: NumPy's `linspace(0.4, 1.0, 10)` bit for bit.
pub fn ring_outer() -> [f64; RINGS] {
    let step = (1.0 - 0.4) / (RINGS as f64 - 1.0);
    let mut r: [f64; RINGS] = std::array::from_fn(|i| i as f64 * step + 0.4);
    r[RINGS - 1] = 1.0;
    r
}

/// `scores.py`'s `circle_mask` over `(2n−1)²` lags: √(x² + y²) ≤ radius.
fn circle(n: usize, radius: f64) -> Vec<bool> {
    let m = 2 * n - 1;
    let h = n as f64 - 1.0;
    (0..m * m)
        .map(|i| {
            let y = (i / m) as f64 - h;
            let x = (i % m) as f64 - h;
            (x * x + y * y).sqrt() <= radius
        })
        .collect()
}

/// The scores of one map.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scores {
    /// score60, mean form (DeepMind's default), max over rings.
    pub score60_mean: f64,
    /// score60, min-max form (`min_max=True`; the No-Free-Lunch code), max over rings.
    pub score60_minmax: f64,
    /// score90, max over rings.
    pub score90: f64,
    /// The ring (index into [`ring_outer`]) of the mean-form score60.
    pub ring60: usize,
    /// The ring of score90.
    pub ring90: usize,
}

/// A scorer for `n × n` maps: its ten ring masks, built once.
#[derive(Debug, Clone)]
pub struct GridScorer {
    n: usize,
    /// Per ring, the indices of its lags in the `(2n−1)²` autocorrelogram.
    rings: Vec<Vec<usize>>,
}

impl GridScorer {
    /// The scorer for `n × n` maps (`n ≥ 2`).
    pub fn new(n: usize) -> Self {
        let nf = n as f64;
        let inner = circle(n, RING_IN * nf);
        let rings = ring_outer()
            .iter()
            .map(|&r| {
                circle(n, r * nf)
                    .iter()
                    .zip(&inner)
                    .enumerate()
                    .filter(|(_, (o, i))| **o && !**i)
                    .map(|(k, _)| k)
                    .collect()
            })
            .collect();
        GridScorer { n, rings }
    }

    /// The map side n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The ring "correlations" c_θ (in [`ANGLES`] order) of every ring, from an autocorrelogram
    /// and its rotations.
    pub fn ring_correlations(&self, sac: &[f64], rotated: &[Vec<f64>]) -> Vec<[f64; 7]> {
        self.rings
            .iter()
            .map(|ring| {
                let area = ring.len() as f64;
                let mean = ring.iter().map(|&k| sac[k]).sum::<f64>() / area;
                let var = ring.iter().map(|&k| (sac[k] - mean).powi(2)).sum::<f64>() / area + 1e-5;
                std::array::from_fn(|a| {
                    let r = &rotated[a];
                    let cross = ring
                        .iter()
                        .map(|&k| (sac[k] - mean) * (r[k] - mean))
                        .sum::<f64>()
                        / area;
                    cross / var
                })
            })
            .collect()
    }

    /// Scores an autocorrelogram (`(2n−1)²`, from [`autocorrelogram`]).
    pub fn score_sac(&self, sac: &[f64]) -> Scores {
        let m = 2 * self.n - 1;
        let coef = spline_coefficients(sac, m, m);
        let rotated: Vec<Vec<f64>> = ANGLES
            .iter()
            .map(|&a| rotate_coefficients(&coef, m, m, a))
            .collect();
        let corrs = self.ring_correlations(sac, &rotated);
        let (mut best60, mut best_mm, mut best90) = (
            (f64::NEG_INFINITY, 0),
            f64::NEG_INFINITY,
            (f64::NEG_INFINITY, 0),
        );
        for (i, c) in corrs.iter().enumerate() {
            let [c30, c45, c60, c90, c120, c135, c150] = *c;
            let s60 = (c60 + c120) / 2.0 - (c30 + c90 + c150) / 3.0;
            let mm = c60.min(c120) - c30.max(c90.max(c150));
            let s90 = c90 - (c45 + c135) / 2.0;
            // np.argmax: the first maximum; NaN never occurs (variance ≥ 1e-5).
            if s60 > best60.0 {
                best60 = (s60, i);
            }
            best_mm = best_mm.max(mm);
            if s90 > best90.0 {
                best90 = (s90, i);
            }
        }
        Scores {
            score60_mean: best60.0,
            score60_minmax: best_mm,
            score90: best90.0,
            ring60: best60.1,
            ring90: best90.1,
        }
    }

    /// Scores an `n × n` map (NaN = unvisited, see [`NanPolicy`]).
    pub fn score(&self, map: &[f64], nan: NanPolicy) -> Result<Scores, GridError> {
        check_map(map, self.n)?;
        let sac = autocorrelogram(map, self.n, nan)?;
        Ok(self.score_sac(&sac))
    }
}
