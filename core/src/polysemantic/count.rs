//! Counting polysemantic neurons and represented features in a trained W.

use crate::{Error, Real, Result};

/// The band of |Wᵢⱼ| in which feature i counts as carried by neuron j: [0.8, 1.2]
/// (Lecomte et al., arXiv:2312.03096).
pub const BAND: (f64, f64) = (0.8, 1.2);

fn in_band<T: Real>(x: T) -> bool {
    let a = x.abs().to_f64();
    (BAND.0..=BAND.1).contains(&a)
}

fn check(w_len: usize, n: usize, m: usize) -> Result<()> {
    let nm = n.checked_mul(m).ok_or(Error::InvalidParameter {
        what: "polysemantic: n·m overflows usize",
    })?;
    if w_len == nm {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what: "polysemantic: w",
            expected: nm,
            found: w_len,
        })
    }
}

/// How many features have |Wᵢⱼ| ∈ [`BAND`] on neuron `j` (W is n×m row-major).
///
/// ```
/// use engram_core::polysemantic::features_on;
/// let w = [1.0f32, 0.0, -0.9, 0.1];
/// assert_eq!(features_on(&w, 2, 2, 0).unwrap(), 2);
/// assert_eq!(features_on(&w, 2, 2, 1).unwrap(), 0);
/// ```
pub fn features_on<T: Real>(w: &[T], n: usize, m: usize, j: usize) -> Result<usize> {
    check(w.len(), n, m)?;
    if j >= m {
        return Err(Error::InvalidParameter {
            what: "features_on: neuron index j must be < m",
        });
    }
    Ok(w.iter().skip(j).step_by(m).filter(|&&x| in_band(x)).count())
}

/// The number of polysemantic neurons: neurons on which more than one feature has
/// |Wᵢⱼ| ∈ [`BAND`].
///
/// ```
/// use engram_core::polysemantic::polysemantic_neurons;
/// // features 0 and 1 share neuron 0 (opposite signs), feature 2 is alone on neuron 2
/// let w = [1.0f32, 0.0, 0.0,  -1.1, 0.0, 0.0,  0.0, 0.0, 0.95];
/// assert_eq!(polysemantic_neurons(&w, 3, 3).unwrap(), 1);
/// ```
pub fn polysemantic_neurons<T: Real>(w: &[T], n: usize, m: usize) -> Result<usize> {
    check(w.len(), n, m)?;
    let mut count = 0;
    for j in 0..m {
        if features_on(w, n, m, j)? > 1 {
            count += 1;
        }
    }
    Ok(count)
}

/// The number of represented features: features with at least one weight |Wᵢⱼ| ∈ [`BAND`].
///
/// ```
/// use engram_core::polysemantic::represented_features;
/// let w = [1.0f32, 0.0, 0.6, 0.6];
/// assert_eq!(represented_features(&w, 2, 2).unwrap(), 1);
/// ```
pub fn represented_features<T: Real>(w: &[T], n: usize, m: usize) -> Result<usize> {
    check(w.len(), n, m)?;
    if m == 0 {
        return Ok(0);
    }
    Ok(w.chunks_exact(m.max(1))
        .filter(|row| row.iter().any(|&x| in_band(x)))
        .count())
}

/// The number of reconstructed features: Yᵢᵢ = ‖Wᵢ‖² (by [`dot8`](super::dot8)) within
/// [0.5, 1.5], i.e. feature i comes back through the autoencoder (however it is spread over the
/// neurons).
///
/// ```
/// use engram_core::polysemantic::reconstructed_features;
/// let w = [0.7f32, 0.7, 0.1, 0.0];
/// assert_eq!(reconstructed_features(&w, 2, 2).unwrap(), 1);
/// ```
pub fn reconstructed_features<T: Real>(w: &[T], n: usize, m: usize) -> Result<usize> {
    check(w.len(), n, m)?;
    if m == 0 {
        return Ok(0);
    }
    Ok(w.chunks_exact(m.max(1))
        .filter(|row| (0.5..=1.5).contains(&super::dot8(row, row).to_f64()))
        .count())
}
