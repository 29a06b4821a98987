//! Decoding a position from place-cell logits: the mean of the top-k place-cell centres (Sorscher
//! et al.'s decoder, k = 3), with a circular mean on the torus for a periodic box.

use crate::softmax::check_finite;
use crate::{Error, Real, Result};

/// The arena's topology, for decoding and for position errors. The box is centred on the origin:
/// x ∈ [−width/2, width/2), y ∈ [−height/2, height/2).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Topology<T> {
    /// A walled box (or the open plane): Euclidean means and distances.
    Walled,
    /// A periodic box (a torus) of the given side lengths: circular means, minimum-image distances.
    Torus {
        /// Side along x (m), > 0.
        width: T,
        /// Side along y (m), > 0.
        height: T,
    },
}

impl<T: Real> Topology<T> {
    fn check(&self) -> Result<()> {
        if let Topology::Torus { width, height } = *self {
            let ok = width > T::ZERO && height > T::ZERO && width.is_finite() && height.is_finite();
            if !ok {
                return Err(Error::InvalidParameter {
                    what: "Topology::Torus: width and height must be finite and > 0",
                });
            }
        }
        Ok(())
    }

    /// The distance between two positions: Euclidean, or on the torus the minimum-image distance
    /// (each coordinate difference d wrapped to |d| ≤ side/2, as d − side·round(d/side)), then
    /// √(dx² + dy²) (`libm`).
    ///
    /// ```
    /// use engram_core::rnn::Topology;
    /// assert_eq!(Topology::Walled.distance([0.0f32, 0.0], [3.0, 4.0]), 5.0);
    /// let torus = Topology::Torus { width: 2.0f64, height: 2.0 };
    /// assert!((torus.distance([0.9, 0.0], [-0.9, 0.0]) - 0.2).abs() < 1e-12);
    /// ```
    pub fn distance(&self, a: [T; 2], b: [T; 2]) -> T {
        let [mut dx, mut dy] = [a[0] - b[0], a[1] - b[1]];
        if let Topology::Torus { width, height } = *self {
            dx = wrap_diff(dx, width);
            dy = wrap_diff(dy, height);
        }
        (dx * dx + dy * dy).sqrt()
    }
}

/// d − side·round(d / side), round half away from zero (via `libm::round` in f64, exact for the
/// quotient's integer part).
fn wrap_diff<T: Real>(d: T, side: T) -> T {
    let k = libm::round((d / side).to_f64());
    d - side * T::from_f64(k)
}

/// The indices of the k largest `logits` into `top` (k = `top.len()`), best first. Ties go to the
/// lower index (a later logit replaces a kept one only if strictly larger), so the result is
/// unique. O(Np·k) comparisons; no `exp` — the ranking of logits is the ranking of softmax
/// probabilities.
///
/// Errors: [`Error::InvalidParameter`] if k = 0 or k > Np; [`Error::NonFinite`] for a NaN or ±∞.
///
/// ```
/// use engram_core::rnn::top_k;
/// let mut top = [0usize; 2];
/// top_k(&[0.5f32, 2.0, -1.0, 2.0, 1.0], &mut top)?;
/// assert_eq!(top, [1, 3]);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn top_k<T: Real>(logits: &[T], top: &mut [usize]) -> Result<()> {
    let k = top.len();
    if k == 0 || k > logits.len() {
        return Err(Error::InvalidParameter {
            what: "top_k: need 1 <= k <= number of logits",
        });
    }
    check_finite("top_k: logits", logits)?;
    let mut kept = 0usize;
    for (j, &l) in logits.iter().enumerate() {
        // Position where j goes: after every kept index whose logit is >= l.
        let mut pos = kept;
        while pos > 0 {
            let prev = top
                .get(pos - 1)
                .and_then(|&i| logits.get(i))
                .copied()
                .unwrap_or(l);
            if prev >= l {
                break;
            }
            pos -= 1;
        }
        if pos >= k {
            continue;
        }
        // Shift [pos, kept) right by one (dropping the last if full), then insert.
        let end = kept.min(k - 1);
        let mut m = end;
        while m > pos {
            let v = top.get(m - 1).copied().unwrap_or(0);
            if let Some(slot) = top.get_mut(m) {
                *slot = v;
            }
            m -= 1;
        }
        if let Some(slot) = top.get_mut(pos) {
            *slot = j;
        }
        if kept < k {
            kept += 1;
        }
    }
    Ok(())
}

/// The decoded position: the mean of the centres of the k place cells with the largest logits
/// (Sorscher et al.: k = 3), `top` (length k) being scratch that receives their indices, best first.
///
/// - [`Topology::Walled`]: the arithmetic mean, each coordinate summed over the ranks in order
///   (best first) from `+0.0`, divided once by k.
/// - [`Topology::Torus`]: per axis the circular mean: θ = 2π·(c + side/2)/side, S = Σ sin θ,
///   C = Σ cos θ over the ranks in order (`sin_cos` from `libm`), mean = atan2(S, C)·side/2π − side/2
///   (atan2 by `libm::atan2` in f64), wrapped into [−side/2, side/2). If S = C = 0 (no preferred
///   angle) it returns the first centre's coordinate.
///
/// `centres` is Np × 2, row-major (x, y). No `exp`: the top-k needs only the logits' order.
///
/// Errors: those of [`top_k`]; [`Error::DimensionMismatch`] if `centres.len() != 2·Np`;
/// [`Error::InvalidParameter`] for a torus side that is not finite and > 0.
///
/// ```
/// use engram_core::rnn::{Topology, decode_top_k};
/// let centres = [0.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 5.0, 5.0];
/// let logits = [3.0f32, 2.0, 2.5, -9.0];
/// let mut top = [0usize; 3];
/// let xy = decode_top_k(&logits, &centres, Topology::Walled, &mut top)?;
/// assert_eq!(top, [0, 2, 1]);
/// assert_eq!(xy, [1.0 / 3.0, 1.0 / 3.0]);
/// // On a 2 m torus the centres 0.9 and −0.9 average to the wrap point ±1, not to 0.
/// let centres = [0.9f64, 0.0, -0.9, 0.0];
/// let mut top = [0usize; 2];
/// let xy = decode_top_k(&[1.0, 1.0], &centres, Topology::Torus { width: 2.0, height: 2.0 }, &mut top)?;
/// assert!((xy[0].abs() - 1.0).abs() < 1e-12 && xy[1].abs() < 1e-12);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn decode_top_k<T: Real>(
    logits: &[T],
    centres: &[T],
    topology: Topology<T>,
    top: &mut [usize],
) -> Result<[T; 2]> {
    let np = logits.len();
    let expected = np.checked_mul(2).ok_or(Error::DimensionMismatch {
        what: "decode_top_k: centres",
        expected: usize::MAX,
        found: centres.len(),
    })?;
    crate::error::check_len("decode_top_k: centres", expected, centres.len())?;
    topology.check()?;
    top_k(logits, top)?;
    let centre = |j: usize| -> [T; 2] {
        [
            centres.get(2 * j).copied().unwrap_or(T::ZERO),
            centres.get(2 * j + 1).copied().unwrap_or(T::ZERO),
        ]
    };
    let k = T::from_usize(top.len());
    match topology {
        Topology::Walled => {
            let (mut sx, mut sy) = (T::ZERO, T::ZERO);
            for &j in top.iter() {
                let [x, y] = centre(j);
                sx += x;
                sy += y;
            }
            Ok([sx / k, sy / k])
        }
        Topology::Torus { width, height } => {
            let first = centre(top.first().copied().unwrap_or(0));
            let mut out = [T::ZERO; 2];
            for (axis, (side, o)) in [width, height].into_iter().zip(&mut out).enumerate() {
                let two_pi = T::PI + T::PI;
                let half = side / T::from_f64(2.0);
                let (mut s, mut c) = (T::ZERO, T::ZERO);
                for &j in top.iter() {
                    let x = centre(j).get(axis).copied().unwrap_or(T::ZERO);
                    let (sn, cs) = (two_pi * (x + half) / side).sin_cos();
                    s += sn;
                    c += cs;
                }
                if s == T::ZERO && c == T::ZERO {
                    *o = first.get(axis).copied().unwrap_or(T::ZERO);
                    continue;
                }
                let angle = T::from_f64(libm::atan2(s.to_f64(), c.to_f64()));
                let mean = angle * side / two_pi - half;
                *o = wrap_into(mean, side);
            }
            Ok(out)
        }
    }
}

/// x wrapped into [−side/2, side/2).
fn wrap_into<T: Real>(x: T, side: T) -> T {
    let half = side / T::from_f64(2.0);
    let mut y = wrap_diff(x, side);
    if y >= half {
        y -= side;
    }
    if y < -half {
        y += side;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_matches_a_sort() {
        let logits = [0.1f32, 5.0, -2.0, 5.0, 3.0, 3.0, 0.0, 4.5];
        let mut top = [0usize; 5];
        top_k(&logits, &mut top).unwrap();
        // Stable descending sort by value, ties by index.
        let mut idx: std::vec::Vec<usize> = (0..logits.len()).collect();
        idx.sort_by(|&a, &b| logits[b].partial_cmp(&logits[a]).unwrap().then(a.cmp(&b)));
        assert_eq!(&top[..], &idx[..5]);
    }

    #[test]
    fn top_k_errors() {
        assert!(top_k(&[1.0f32], &mut []).is_err());
        assert!(top_k(&[1.0f32], &mut [0, 0]).is_err());
        assert!(top_k(&[1.0f32, f32::NAN], &mut [0]).is_err());
    }

    #[test]
    fn torus_distance_and_wrap() {
        let t = Topology::Torus {
            width: 2.2f64,
            height: 2.2,
        };
        assert!(
            (t.distance([1.0, 1.0], [-1.0, -1.0]) - libm::sqrt(0.2f64 * 0.2 * 2.0)).abs() < 1e-12
        );
        assert_eq!(wrap_into(1.1f64, 2.2), -1.1);
        assert!(
            Topology::Torus {
                width: 0.0f32,
                height: 1.0
            }
            .check()
            .is_err()
        );
    }
}
