//! Dense associative memories (Krotov & Hopfield 2016; Demircigil et al. 2017): E(s) = −Σ_μ F(ξ^μ·s)
//! with a rapidly growing interaction function F, over bit-packed patterns.

use super::PatternForm;
use super::memory::{BAD_CACHE, BinaryMemory, cache_prefix, check_state, check_unit};
use super::packed::{bit, sign};
use crate::{Error, Result};

/// Overlap with unit i removed: a_μ = m_μ − ξᵢ^μ sᵢ (so m_μ = a_μ ± ξᵢ^μ for sᵢ = ±1), as `i64`.
#[inline]
fn reduced(m: i32, xi_i: bool, s_i: i8) -> i64 {
    let x = if xi_i { 1i64 } else { -1 };
    i64::from(m) - x * i64::from(s_i)
}

/// The polynomial dense associative memory: E(s) = −Σ_μ (ξ^μ·s)ⁿ for an integer degree n ≥ 2
/// (Krotov & Hopfield 2016), exact in `i128`. Error-free capacity grows like N^{n−1}: for N = 100,
/// n = 3 it is ≈ 360 patterns where the classical network holds ≈ 14 (docs/hopfield.md).
///
/// Cache: the P overlaps m_μ (as in [`PatternForm`]). Field of unit i, with a_μ = m_μ − ξᵢ^μ sᵢ:
///
/// ```text
/// field_i = E(sᵢ = −1) − E(sᵢ = +1) = Σ_μ [F(a_μ + ξᵢ^μ) − F(a_μ − ξᵢ^μ)]     (O(P), summed in μ)
/// ```
///
/// so the sign rule sets sᵢ to the value with the lower energy and the energy never rises (ties
/// keep sᵢ). For n = 2 the field is 4 hᵢ and E = 2 E_classical − P N: the classical network.
///
/// Overflow bound (checked at construction): |F(x)| ≤ Nⁿ, |field| ≤ 2 P Nⁿ and |E| ≤ P Nⁿ, so
/// 2 P Nⁿ ≤ `i128::MAX` (≈ 1.7·10³⁸) is required — e.g. N = 1024, P = 1000 allows n ≤ 12.
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, PatternForm, PolyMemory};
/// let xi = [0b1111u32];
/// let net = PolyMemory::new(PatternForm::new(&xi, 1, 4)?, 3)?;
/// let s = [0b0111u32]; // m = 2
/// let mut m = [0i32; 1];
/// net.init_cache(&s, &mut m)?;
/// assert_eq!(net.energy(&s, &m)?, -8); // −2³
/// assert_eq!(net.field(&s, &m, 3)?, 64 - 8); // a = m − ξ₃s₃ = 3: F(4) − F(2)
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolyMemory<'a> {
    patterns: PatternForm<'a>,
    degree: u32,
}

impl<'a> PolyMemory<'a> {
    /// F(x) = x^`degree` over `patterns`.
    ///
    /// Errors: [`Error::InvalidParameter`] if `degree < 2` or 2 P N^degree overflows `i128`.
    pub fn new(patterns: PatternForm<'a>, degree: u32) -> Result<Self> {
        if degree < 2 {
            return Err(Error::InvalidParameter {
                what: "PolyMemory: degree must be at least 2",
            });
        }
        let bound = i128::try_from(patterns.n())
            .ok()
            .and_then(|n| n.checked_pow(degree))
            .and_then(|f| f.checked_mul(2))
            .and_then(|f| f.checked_mul(i128::try_from(patterns.p()).ok()?));
        if bound.is_none() {
            return Err(Error::InvalidParameter {
                what: "PolyMemory: 2·P·N^degree must fit i128",
            });
        }
        Ok(Self { patterns, degree })
    }

    /// The degree n of F(x) = xⁿ.
    pub fn degree(&self) -> u32 {
        self.degree
    }

    /// The stored patterns.
    pub fn patterns(&self) -> PatternForm<'a> {
        self.patterns
    }

    fn f(&self, x: i64) -> Result<i128> {
        i128::from(x).checked_pow(self.degree).ok_or(BAD_CACHE)
    }
}

impl BinaryMemory for PolyMemory<'_> {
    type Field = i128;
    type Energy = i128;

    fn n(&self) -> usize {
        self.patterns.n()
    }

    fn cache_len(&self) -> usize {
        self.patterns.p()
    }

    fn init_cache(&self, s: &[u32], cache: &mut [i32]) -> Result<()> {
        self.patterns.overlaps("PolyMemory: cache", s, cache)
    }

    fn field(&self, s: &[u32], cache: &[i32], i: usize) -> Result<i128> {
        check_state("PolyMemory: s", self.n(), s)?;
        check_unit("PolyMemory: unit index out of range", self.n(), i)?;
        let m = cache_prefix("PolyMemory: cache", cache, self.patterns.p())?;
        let s_i = sign(s, i);
        let mut acc: i128 = 0;
        for (&mu, xi) in m.iter().zip(self.patterns.rows()) {
            let xi_i = bit(xi, i);
            let a = reduced(mu, xi_i, s_i);
            let x = if xi_i { 1 } else { -1 };
            let d = self.f(a + x)? - self.f(a - x)?;
            acc = acc.checked_add(d).ok_or(BAD_CACHE)?;
        }
        Ok(acc)
    }

    fn apply_flip(&self, cache: &mut [i32], i: usize, new_sign: i8) -> Result<()> {
        self.patterns
            .flip_overlaps("PolyMemory: cache", cache, i, new_sign)
    }

    /// E = −Σ_μ m_μⁿ, summed in μ.
    fn energy(&self, s: &[u32], cache: &[i32]) -> Result<i128> {
        check_state("PolyMemory: s", self.n(), s)?;
        let m = cache_prefix("PolyMemory: cache", cache, self.patterns.p())?;
        let mut acc: i128 = 0;
        for &mu in m {
            acc = acc.checked_add(self.f(i64::from(mu))?).ok_or(BAD_CACHE)?;
        }
        Ok(-acc)
    }
}

/// The exponential dense associative memory: E(s) = −Σ_μ exp(ξ^μ·s) (Demircigil et al. 2017,
/// capacity ~2^{N/2}), computed in the log domain in `f64` so nothing overflows.
///
/// - [`energy`](BinaryMemory::energy) returns **−ln(−E) = −lse_μ(m_μ)** (lse = ln Σ exp), a strictly
///   increasing function of E (E < 0 always), so "the energy never rises" is the same statement
///   for both. lse is computed as M + ln Σ_μ exp(m_μ − M) with M = max_μ m_μ, summed in μ.
/// - field of unit i, with a_μ = m_μ − ξᵢ^μ sᵢ and A = max_μ a_μ:
///
///   ```text
///   E(sᵢ=−1) − E(sᵢ=+1) = Σ_μ [e^{a_μ+ξᵢ^μ} − e^{a_μ−ξᵢ^μ}] = 2 sinh(1) e^A · Σ_μ ξᵢ^μ e^{a_μ−A},
///   ```
///
///   so the field is S = Σ_μ ξᵢ^μ exp(a_μ − A) (summed in μ; its largest term is ±1, so it never
///   overflows or underflows to a wrong sign unless the true difference is below the rounding of the
///   sum). The sign rule then picks the lower-energy value; up to that rounding the energy never
///   rises.
///
/// Transcendentals through `libm::exp` / `libm::log` only (bit-exact across targets).
///
/// ```
/// use engram_core::hopfield::{BinaryMemory, ExpMemory, PatternForm};
/// let xi = [u32::MAX; 32]; // one pattern of N = 1024 ones: e^1024 overflows f64
/// let net = ExpMemory::new(PatternForm::new(&xi, 1, 1024)?);
/// let mut m = [0i32; 1];
/// net.init_cache(&xi, &mut m)?;
/// assert_eq!(net.energy(&xi, &m)?, -1024.0); // −ln(−E) = −m
/// assert_eq!(net.field(&xi, &m, 5)?, 1.0);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpMemory<'a> {
    patterns: PatternForm<'a>,
}

impl<'a> ExpMemory<'a> {
    /// F(x) = eˣ over `patterns` (every [`PatternForm`] is valid).
    pub fn new(patterns: PatternForm<'a>) -> Self {
        Self { patterns }
    }

    /// The stored patterns.
    pub fn patterns(&self) -> PatternForm<'a> {
        self.patterns
    }
}

impl BinaryMemory for ExpMemory<'_> {
    type Field = f64;
    type Energy = f64;

    fn n(&self) -> usize {
        self.patterns.n()
    }

    fn cache_len(&self) -> usize {
        self.patterns.p()
    }

    fn init_cache(&self, s: &[u32], cache: &mut [i32]) -> Result<()> {
        self.patterns.overlaps("ExpMemory: cache", s, cache)
    }

    fn field(&self, s: &[u32], cache: &[i32], i: usize) -> Result<f64> {
        check_state("ExpMemory: s", self.n(), s)?;
        check_unit("ExpMemory: unit index out of range", self.n(), i)?;
        let m = cache_prefix("ExpMemory: cache", cache, self.patterns.p())?;
        let s_i = sign(s, i);
        let mut top = i64::MIN;
        for (&mu, xi) in m.iter().zip(self.patterns.rows()) {
            top = top.max(reduced(mu, bit(xi, i), s_i));
        }
        let mut acc = 0.0f64;
        for (&mu, xi) in m.iter().zip(self.patterns.rows()) {
            let xi_i = bit(xi, i);
            // a − A ≤ 0 is an integer of magnitude ≤ 2N: exact in f64.
            let e = libm::exp((reduced(mu, xi_i, s_i) - top) as f64);
            acc = if xi_i { acc + e } else { acc - e };
        }
        Ok(acc)
    }

    fn apply_flip(&self, cache: &mut [i32], i: usize, new_sign: i8) -> Result<()> {
        self.patterns
            .flip_overlaps("ExpMemory: cache", cache, i, new_sign)
    }

    /// −lse_μ(m_μ) = −(M + ln Σ_μ exp(m_μ − M)); `+∞` (E = −0) for P = 0.
    fn energy(&self, s: &[u32], cache: &[i32]) -> Result<f64> {
        check_state("ExpMemory: s", self.n(), s)?;
        let m = cache_prefix("ExpMemory: cache", cache, self.patterns.p())?;
        let Some(&top) = m.iter().max() else {
            return Ok(f64::INFINITY);
        };
        let mut sum = 0.0f64;
        for &mu in m {
            sum += libm::exp(f64::from(mu) - f64::from(top));
        }
        Ok(-(f64::from(top) + libm::log(sum)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hopfield::run_async;
    use crate::rng::Rng;

    #[test]
    fn degree_and_overflow_checks() {
        let xi = [0u32; 32];
        let pf = PatternForm::new(&xi, 1, 1024).unwrap();
        assert!(PolyMemory::new(pf, 1).is_err());
        assert!(PolyMemory::new(pf, 12).is_ok());
        // 1024^13 · 2 = 2^131 > i128::MAX
        assert!(matches!(
            PolyMemory::new(pf, 13),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn degree_two_is_classical() {
        let mut rng = Rng::seed_from_u64(11);
        let (p, n) = (4usize, 45usize);
        let mut xi = [0u32; 8];
        for row in xi.chunks_exact_mut(2) {
            crate::hopfield::fill_random(row, n, &mut rng).unwrap();
        }
        let pf = PatternForm::new(&xi, p, n).unwrap();
        let poly = PolyMemory::new(pf, 2).unwrap();
        let mut s = [0u32; 2];
        crate::hopfield::fill_random(&mut s, n, &mut rng).unwrap();
        let mut m = [0i32; 4];
        pf.init_cache(&s, &mut m).unwrap();
        for i in 0..n {
            let h = pf.field(&s, &m, i).unwrap();
            assert_eq!(poly.field(&s, &m, i).unwrap(), 4 * i128::from(h));
        }
        let e = pf.energy(&s, &m).unwrap();
        assert_eq!(
            poly.energy(&s, &m).unwrap(),
            2 * i128::from(e) - (p * n) as i128
        );
    }

    #[test]
    fn exp_memory_retrieves_and_descends() {
        let mut rng = Rng::seed_from_u64(12);
        let (p, n) = (40usize, 64usize); // far above the classical capacity
        let mut xi = [0u32; 80];
        for row in xi.chunks_exact_mut(2) {
            crate::hopfield::fill_random(row, n, &mut rng).unwrap();
        }
        let net = ExpMemory::new(PatternForm::new(&xi, p, n).unwrap());
        let mut s = [xi[6], xi[7]];
        crate::hopfield::flip_exactly(&mut s, n, 12, &mut rng).unwrap();
        let mut m = [0i32; 40];
        let mut order = [0u16; 64];
        let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, 20).unwrap();
        assert!(out.is_fixed_point());
        assert_eq!(s, [xi[6], xi[7]]);
    }
}
