//! The tied ReLU autoencoder Y = ReLU(W Wᵀ x), its loss and its exact gradient.

use crate::rng::Rng;
use crate::{Error, Real, Result};

/// n·m with overflow as an error.
pub(super) fn size(n: usize, m: usize) -> Result<usize> {
    n.checked_mul(m).ok_or(Error::InvalidParameter {
        what: "polysemantic: n·m overflows usize",
    })
}

pub(super) fn expect_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what,
            expected,
            found,
        })
    }
}

pub(super) fn scratch<'a, T>(
    s: &'a mut [T],
    needed: usize,
    what: &'static str,
) -> Result<&'a mut [T]> {
    let found = s.len();
    s.get_mut(..needed).ok_or(Error::ScratchTooSmall {
        what,
        needed,
        found,
    })
}

/// Σₖ aₖbₖ over the common length with eight interleaved partial sums: sₗ = Σ_{k ≡ l (mod 8)}
/// aₖbₖ over the whole blocks of eight (sequential in k), combined as
/// ((s₀ + s₁) + (s₂ + s₃)) + ((s₄ + s₅) + (s₆ + s₇)), then the tail (k ≥ 8⌊len/8⌋) added in
/// order. A fixed order (so bit-exact everywhere) that a compiler can keep in SIMD registers.
///
/// ```
/// use engram_core::polysemantic::dot8;
/// let a: Vec<f32> = (0..11).map(|k| k as f32).collect();
/// assert_eq!(dot8(&a, &a), 385.0);
/// ```
pub fn dot8<T: Real>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, &p), &q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    let [s0, s1, s2, s3, s4, s5, s6, s7] = acc;
    let mut s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    for (&p, &q) in ca.remainder().iter().zip(cb.remainder()) {
        s += p * q;
    }
    s
}

/// Fills W (n×m, row-major) with N(0, 1/m) draws: `fill_normal` row by row, each scaled by
/// 1/√m.
pub fn init_weights<T: Real>(w: &mut [T], n: usize, m: usize, rng: &mut Rng) -> Result<()> {
    expect_len("init_weights: w", size(n, m)?, w.len())?;
    if m == 0 {
        return Ok(());
    }
    let scale = T::ONE / T::from_usize(m).sqrt();
    for row in w.chunks_exact_mut(m.max(1)) {
        rng.fill_normal(row);
        for x in row.iter_mut() {
            *x *= scale;
        }
    }
    Ok(())
}

/// The subgradient of |x| used for the L1 term: sign(x), and 0 at x = 0 (what torch's `abs`
/// backward gives).
fn sign<T: Real>(x: T) -> T {
    if x > T::ZERO {
        T::ONE
    } else if x < T::ZERO {
        -T::ONE
    } else {
        T::ZERO
    }
}

/// Adds λ·sign(W) to `grad` and returns λ‖W‖₁ (Σ|wₖ| in index order, then × λ).
fn l1<T: Real>(w: &[T], lambda: T, grad: &mut [T]) -> T {
    let mut s = T::ZERO;
    for (g, &x) in grad.iter_mut().zip(w) {
        s += x.abs();
        *g += lambda * sign(x);
    }
    lambda * s
}

/// Loss and gradient on the n basis vectors (the clean, full batch):
/// L = Σᵢⱼ (δᵢⱼ − ReLU(Gᵢⱼ))² + λ‖W‖₁ with G = W Wᵀ, and
/// ∂L/∂W = 2 D W + λ·sign(W), Dᵢⱼ = −2(δᵢⱼ − ReLU(Gᵢⱼ))·1[Gᵢⱼ > 0] (D is symmetric).
///
/// Conventions: ReLU′(0) = 0 and sign(0) = 0 (a subgradient of |w| at 0; torch's choice).
/// `gram` is scratch of at least n² elements. Order: Gᵢⱼ = [`dot8`](Wᵢ, Wⱼ) for j ≥ i, mirrored
/// (so G is exactly symmetric); the squared errors summed with i outer, j inner; the L1 sum in
/// index order added last; gradient row i = Σⱼ (2Dᵢⱼ)Wⱼ accumulated in j order, skipping Dᵢⱼ = 0,
/// then + λ·sign(Wᵢ). Returns L.
///
/// ```
/// use engram_core::polysemantic::loss_grad;
/// // two orthogonal unit features on two neurons: reconstruction is perfect, only λ‖W‖₁ is left
/// let w = [1.0f64, 0.0, 0.0, -1.0];
/// let (mut g, mut s) = ([0.0; 4], [0.0; 4]);
/// let l = loss_grad(&w, 2, 2, 0.5, &mut g, &mut s).unwrap();
/// assert_eq!(l, 1.0);
/// assert_eq!(g, [0.5, 0.0, 0.0, -0.5]);
/// ```
pub fn loss_grad<T: Real>(
    w: &[T],
    n: usize,
    m: usize,
    lambda: T,
    grad: &mut [T],
    gram: &mut [T],
) -> Result<T> {
    let nm = size(n, m)?;
    expect_len("loss_grad: w", nm, w.len())?;
    expect_len("loss_grad: grad", nm, grad.len())?;
    let gram = scratch(gram, size(n, n)?, "loss_grad")?;
    let row = |i: usize| -> Result<&[T]> {
        w.get(i * m..i * m + m).ok_or(Error::DimensionMismatch {
            what: "loss_grad: w",
            expected: nm,
            found: w.len(),
        })
    };
    let bad = Error::DimensionMismatch {
        what: "loss_grad: gram",
        expected: n * n,
        found: gram.len(),
    };
    for i in 0..n {
        let wi = row(i)?;
        for j in i..n {
            let g = dot8(wi, row(j)?);
            *gram.get_mut(i * n + j).ok_or(bad)? = g;
            *gram.get_mut(j * n + i).ok_or(bad)? = g;
        }
    }
    let two = T::ONE + T::ONE;
    let mut loss = T::ZERO;
    // Row by row and index by index (no division by n, no chunk iterators whose length checks
    // would divide by a runtime size): the order is i, then j.
    let mut k = 0usize;
    for i in 0..n {
        for j in 0..n {
            let g = gram.get_mut(k).ok_or(bad)?;
            let target = if i == j { T::ONE } else { T::ZERO };
            let positive = *g > T::ZERO;
            let r = target - if positive { *g } else { T::ZERO };
            loss += r * r;
            // 2·Dᵢⱼ, the coefficient of Wⱼ in gradient row i.
            *g = if positive { -(two * two) * r } else { T::ZERO };
            k += 1;
        }
    }
    for x in grad.iter_mut() {
        *x = T::ZERO;
    }
    for i in 0..n {
        for j in 0..n {
            let d = *gram.get(i * n + j).ok_or(bad)?;
            if d != T::ZERO {
                let gi = grad.get_mut(i * m..(i + 1) * m).ok_or(bad)?;
                for (a, &b) in gi.iter_mut().zip(row(j)?) {
                    *a += d * b;
                }
            }
        }
    }
    Ok(loss + l1(w, lambda, grad))
}

/// Scratch elements [`loss_grad_inputs`] needs: 2m + n.
pub fn inputs_scratch_len(n: usize, m: usize) -> Option<usize> {
    m.checked_mul(2)?.checked_add(n)
}

/// Loss and gradient for n samples with arbitrary inputs (sample s: input row s of `inputs`,
/// n×n, target eₛ): L = Σₛ Σᵢ (δₛᵢ − ReLU(zᵢ))² + λ‖W‖₁ with h = Wᵀxₛ, z = W h; per sample
/// g = −2(eₛ − ReLU(z))·1[z > 0] and ∂L/∂W += g hᵀ + xₛ (Wᵀg)ᵀ. With `inputs` = I this is the
/// clean loss of [`loss_grad`] (the same value up to rounding).
///
/// Order: h and Wᵀg accumulated over rows i in order (skipping zero coefficients), zᵢ = [`dot8`];
/// samples in order; the L1 term last, as in [`loss_grad`]. `scratch`: at least 2m + n elements.
pub fn loss_grad_inputs<T: Real>(
    w: &[T],
    n: usize,
    m: usize,
    inputs: &[T],
    lambda: T,
    grad: &mut [T],
    scratch_buf: &mut [T],
) -> Result<T> {
    let nm = size(n, m)?;
    expect_len("loss_grad_inputs: w", nm, w.len())?;
    expect_len("loss_grad_inputs: grad", nm, grad.len())?;
    expect_len("loss_grad_inputs: inputs", size(n, n)?, inputs.len())?;
    let need = inputs_scratch_len(n, m).ok_or(Error::InvalidParameter {
        what: "polysemantic: 2m + n overflows usize",
    })?;
    let mut s = scratch(scratch_buf, need, "loss_grad_inputs")?;
    let h = crate::scratch::take(&mut s, m, "loss_grad_inputs")?;
    let u = crate::scratch::take(&mut s, m, "loss_grad_inputs")?;
    let g = s;
    for x in grad.iter_mut() {
        *x = T::ZERO;
    }
    if m == 0 || n == 0 {
        return Ok(T::ZERO);
    }
    let two = T::ONE + T::ONE;
    let mut loss = T::ZERO;
    for (s_idx, x) in inputs.chunks_exact(n.max(1)).enumerate() {
        for v in h.iter_mut() {
            *v = T::ZERO;
        }
        for (&xi, wi) in x.iter().zip(w.chunks_exact(m.max(1))) {
            if xi != T::ZERO {
                for (a, &b) in h.iter_mut().zip(wi) {
                    *a += xi * b;
                }
            }
        }
        for (i, (gi, wi)) in g.iter_mut().zip(w.chunks_exact(m.max(1))).enumerate() {
            let z = dot8(wi, h);
            let target = if i == s_idx { T::ONE } else { T::ZERO };
            let positive = z > T::ZERO;
            let r = target - if positive { z } else { T::ZERO };
            loss += r * r;
            *gi = if positive { -two * r } else { T::ZERO };
        }
        for v in u.iter_mut() {
            *v = T::ZERO;
        }
        for (&gi, wi) in g.iter().zip(w.chunks_exact(m.max(1))) {
            if gi != T::ZERO {
                for (a, &b) in u.iter_mut().zip(wi) {
                    *a += gi * b;
                }
            }
        }
        for ((grow, &gi), &xi) in grad.chunks_exact_mut(m.max(1)).zip(g.iter()).zip(x) {
            if gi != T::ZERO {
                for (a, &b) in grow.iter_mut().zip(h.iter()) {
                    *a += gi * b;
                }
            }
            if xi != T::ZERO {
                for (a, &b) in grow.iter_mut().zip(u.iter()) {
                    *a += xi * b;
                }
            }
        }
    }
    Ok(loss + l1(w, lambda, grad))
}
