//! Significance of grid scores against null distributions (docs/gridscore.md#nulls): a score is
//! counted only when it exceeds a null's 99th percentile, never reported as a best unit alone.
//!
//! The p-th percentile is NumPy's default (linear interpolation between order statistics):
//! q = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎), h = (N − 1)·p/100, over the finite values.
//!
//! ```
//! use engram::rnn::grid::null::{count_above, percentile};
//! let null = [0.0, 0.1, 0.2, 0.3, 0.4];
//! assert!((percentile(&null, 50.0) - 0.2).abs() < 1e-12);
//! let t = percentile(&null, 99.0);
//! assert!((t - 0.396).abs() < 1e-12);
//! assert_eq!(count_above(&[0.5, 0.39, 0.41], t), 2);
//! ```

/// The `p`-th percentile (0–100) of the finite values of `xs`; NaN if there are none.
pub fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * (p / 100.0).clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// The median of the finite values.
pub fn median(xs: &[f64]) -> f64 {
    percentile(xs, 50.0)
}

/// How many of `xs` exceed `threshold` (strictly; NaN never does).
pub fn count_above(xs: &[f64], threshold: f64) -> usize {
    xs.iter().filter(|&&x| x > threshold).count()
}
