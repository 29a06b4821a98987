//! Grid spacing and orientation from the autocorrelogram's six nearest peaks (the usual
//! definition since Hafting et al. 2005; Stensola et al. 2012).
//!
//! Peaks are lags other than the centre whose value exceeds 0 and all eight neighbours (ties go
//! to the first in row-major order), at distance < n − 1 from the centre; each is refined to
//! sub-bin precision by a parabola through it and its two neighbours along each axis. The six
//! nearest (fewer if there are fewer; at least three needed) give
//!
//! ```text
//! spacing     = median of their distances (bins)
//! orientation = (1/6)·atan2(Σ sin 6θ_k, Σ cos 6θ_k) mod 60°   θ_k = atan2(dy_k, dx_k)
//!               (values in [60° − 1e-3°, 60°) are reported as 0°)
//! ```
//!
//! NaN when fewer than three peaks exist (a map without periodic structure).
//!
//! ```
//! use engram::rnn::grid::{NanPolicy, autocorrelogram, spacing::spacing};
//! let n = 24;
//! let map: Vec<f64> = (0..n * n).map(|i| {
//!     let (y, x) = ((i / n) as f64, (i % n) as f64);
//!     (0..3).map(|k| {
//!         let a = std::f64::consts::PI / 3.0 * k as f64;
//!         (2.0 * std::f64::consts::PI / 8.0 * 2.0 / 3f64.sqrt() * (x * a.cos() + y * a.sin())).cos()
//!     }).sum()
//! }).collect();
//! let sac = autocorrelogram(&map, n, NanPolicy::Zero).unwrap();
//! let s = spacing(&sac, n);
//! assert!((s.spacing - 8.0).abs() < 0.5, "{s:?}");
//! ```

/// Orientations within this many degrees below 60° are reported as 0° (they are the same
/// orientation modulo 60°; the peaks' sub-bin refinement is far coarser).
pub const ORIENTATION_EPS: f64 = 1e-3;

/// Spacing and orientation of one autocorrelogram.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spacing {
    /// Median distance of the nearest peaks (bins); NaN without three peaks.
    pub spacing: f64,
    /// Orientation in degrees, [0, 60); NaN without three peaks.
    pub orientation: f64,
    /// Peaks used (≤ 6).
    pub peaks: usize,
}

/// Parabolic sub-bin offset of a peak from its two neighbours, in (−0.5, 0.5).
fn refine(l: f64, c: f64, r: f64) -> f64 {
    let d = l - 2.0 * c + r;
    if d < 0.0 {
        (0.5 * (l - r) / d).clamp(-0.5, 0.5)
    } else {
        0.0
    }
}

/// Spacing and orientation of the `(2n−1)²` autocorrelogram `sac` of an `n × n` map.
pub fn spacing(sac: &[f64], n: usize) -> Spacing {
    let m = 2 * n - 1;
    let h = n as isize - 1;
    let at = |y: isize, x: isize| sac[(y * m as isize + x) as usize];
    let mut peaks: Vec<(f64, f64, f64)> = Vec::new(); // (distance, dy, dx)
    for y in 1..m as isize - 1 {
        for x in 1..m as isize - 1 {
            let (dy, dx) = (y - h, x - h);
            if dy == 0 && dx == 0 {
                continue;
            }
            let v = at(y, x);
            if v <= 0.0 {
                continue;
            }
            let mut is_peak = true;
            for ny in -1..=1isize {
                for nx in -1..=1isize {
                    if ny == 0 && nx == 0 {
                        continue;
                    }
                    let w = at(y + ny, x + nx);
                    // Strictly greater than later neighbours, ≥ earlier ones (ties: first wins).
                    let earlier = ny < 0 || (ny == 0 && nx < 0);
                    if w > v || (!earlier && w == v) {
                        is_peak = false;
                    }
                }
            }
            if !is_peak {
                continue;
            }
            let fy = dy as f64 + refine(at(y - 1, x), v, at(y + 1, x));
            let fx = dx as f64 + refine(at(y, x - 1), v, at(y, x + 1));
            let d = (fy * fy + fx * fx).sqrt();
            if d < h as f64 {
                peaks.push((d, fy, fx));
            }
        }
    }
    peaks.sort_by(|a, b| a.0.total_cmp(&b.0));
    peaks.truncate(6);
    if peaks.len() < 3 {
        return Spacing {
            spacing: f64::NAN,
            orientation: f64::NAN,
            peaks: peaks.len(),
        };
    }
    let mut d: Vec<f64> = peaks.iter().map(|p| p.0).collect();
    let k = d.len();
    let spacing = if k % 2 == 1 {
        d[k / 2]
    } else {
        d.sort_by(f64::total_cmp);
        (d[k / 2 - 1] + d[k / 2]) / 2.0
    };
    let (mut s, mut c) = (0.0, 0.0);
    for p in &peaks {
        let th = p.1.atan2(p.2) * 6.0;
        s += th.sin();
        c += th.cos();
    }
    // Modulo 60°: a value within 1e-3° below 60° (rounding of a 0° lattice) is 0°.
    let o = (s.atan2(c).to_degrees() / 6.0).rem_euclid(60.0);
    let orientation = if o >= 60.0 - ORIENTATION_EPS {
        0.0
    } else {
        o + 0.0
    };
    Spacing {
        spacing,
        orientation,
        peaks: k,
    }
}
