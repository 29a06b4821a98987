//! The expected number of polysemantic neurons when features land on neurons at random.

use crate::Real;

/// (1 − x)ⁿ by repeated squaring in f64 (exact order: the bits of n from the lowest).
fn pow_n(base: f64, mut n: usize) -> f64 {
    let mut acc = 1.0f64;
    let mut b = base;
    while n > 0 {
        if n & 1 == 1 {
            acc *= b;
        }
        b *= b;
        n >>= 1;
    }
    acc
}

/// m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ]: the expected number of neurons that receive features of both
/// signs when each of n features picks one of m neurons and a sign uniformly at random
/// (Lecomte et al., arXiv:2312.03096). 0 when m = 0.
///
/// ```
/// use engram_core::polysemantic::{expected_polysemantic, approx_polysemantic};
/// let e = expected_polysemantic(256, 4096);
/// assert!((e / approx_polysemantic(256, 4096) - 1.0).abs() < 0.05);
/// assert_eq!(expected_polysemantic(1, 8), 0.0);
/// ```
pub fn expected_polysemantic(n: usize, m: usize) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let mf = <f64 as Real>::from_usize(m);
    let a = pow_n(1.0 - 1.0 / (2.0 * mf), n);
    let b = pow_n(1.0 - 1.0 / mf, n);
    (mf * (1.0 - 2.0 * a + b)).max(0.0)
}

/// The large-m approximation n²/(4m) of [`expected_polysemantic`] (∞ when m = 0).
pub fn approx_polysemantic(n: usize, m: usize) -> f64 {
    let nf = <f64 as Real>::from_usize(n);
    nf * nf / (4.0 * <f64 as Real>::from_usize(m))
}
