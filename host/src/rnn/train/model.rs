//! The trained parameters ([`Params`]: W_ih, W_hh, W_enc, W_dec, row-major as in the core's
//! `Network`), their initialisation, and the float type the trainer is generic over ([`Float`]:
//! `f32` for training, `f64` for the finite-difference reference).

use std::ops::{AddAssign, Neg, SubAssign};

use engram_core::rng::{Rng, key_str};
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::simd::ExpFloat;

/// The trainer's float: the shared SIMD exp, faer GEMMs with an explicit [`Par`], and the few
/// elementwise functions the activations need.
pub trait Float:
    ExpFloat + Neg<Output = Self> + AddAssign + SubAssign + Default + Send + Sync
{
    /// dst ← (dst if `accum` is `Add`) + α·lhs·rhs, on `par` threads (faer).
    fn mm(
        dst: MatMut<'_, Self>,
        accum: Accum,
        lhs: MatRef<'_, Self>,
        rhs: MatRef<'_, Self>,
        alpha: Self,
        par: Par,
    );
    /// √x.
    fn sqrt(self) -> Self;
    /// tanh x.
    fn tanh(self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// Whether finite.
    fn finite(self) -> bool;
}

macro_rules! float_impl {
    ($t:ty) => {
        impl Float for $t {
            fn mm(
                dst: MatMut<'_, $t>,
                accum: Accum,
                lhs: MatRef<'_, $t>,
                rhs: MatRef<'_, $t>,
                alpha: $t,
                par: Par,
            ) {
                mm_by_rows(dst, accum, lhs, rhs, alpha, par);
            }
            #[inline(always)]
            fn sqrt(self) -> $t {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> $t {
                <$t>::tanh(self)
            }
            #[inline(always)]
            fn abs(self) -> $t {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    };
}
float_impl!(f32);
float_impl!(f64);

/// dst (rows × H) += lhs (rows × H) · rhs on the calling thread: one step of the recurrence for
/// one share of the trajectories (forward with rhs = W_hhᵀ, backward with rhs = W_hh).
pub fn accumulate_rows<T: Float>(dst: &mut [T], lhs: &[T], rhs: MatRef<'_, T>, rows: usize) {
    let h = rhs.ncols();
    T::mm(
        view_mut(dst, rows, h),
        Accum::Add,
        view(lhs, rows, rhs.nrows()),
        rhs,
        T::ONE,
        Par::Seq,
    );
}

/// Fewest destination rows per thread for [`mm_by_rows`] to split a product.
const MIN_ROWS_PER_THREAD: usize = 64;

/// dst ← (dst if `accum` is `Add`) + α·lhs·rhs on `par`'s threads, each thread computing its own
/// block of destination rows with a single-threaded faer GEMM (it packs `rhs` itself).
///
/// faer's own parallel GEMM synchronises its threads at a barrier inside each product; on the
/// trainer's thin products (4 000 × 256 by 256 × 512 at Ng 256) that reached ≈ 200 of the 2-thread
/// peak's ≈ 250 GFLOP/s, the row split ≈ 280 (two 1-thread GEMMs at ≈ 140 each). Products with too
/// few rows go to faer unchanged. Each element is computed by one single-threaded GEMM on its block,
/// so results depend on the thread count (the block edges), never on scheduling.
pub fn mm_by_rows<T: faer::traits::ComplexField + Send + Sync + Copy>(
    dst: MatMut<'_, T>,
    accum: Accum,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    alpha: T,
    par: Par,
) {
    let threads = match par {
        Par::Seq => 1,
        Par::Rayon(n) => n.get(),
    };
    let rows = dst.nrows();
    let parts = threads.min(rows / MIN_ROWS_PER_THREAD);
    if parts < 2 {
        faer::linalg::matmul::matmul(dst, accum, lhs, rhs, alpha, par);
        return;
    }
    let mut blocks = Vec::with_capacity(parts);
    let (mut dst, mut lhs) = (dst, lhs);
    for k in (1..parts).rev() {
        let at = k * rows / parts;
        let (top, bottom) = dst.split_at_row_mut(at);
        let (ltop, lbottom) = lhs.split_at_row(at);
        blocks.push((bottom, lbottom));
        (dst, lhs) = (top, ltop);
    }
    blocks.push((dst, lhs));
    blocks.into_par_iter().for_each(|(d, l)| {
        faer::linalg::matmul::matmul(d, accum, l, rhs, alpha, Par::Seq);
    });
}

/// x > 0 (false for NaN): ReLU's test, shared by the forward and backward passes.
#[inline(always)]
pub fn is_positive<T: Float>(x: T) -> bool {
    x > T::ZERO
}

/// A row-major `rows × cols` view of a slice (faer).
pub fn view<T: Float>(s: &[T], rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(s, rows, cols)
}

/// A mutable row-major `rows × cols` view of a slice (faer).
pub fn view_mut<T: Float>(s: &mut [T], rows: usize, cols: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(s, rows, cols)
}

/// Sizes: I = 2 inputs (the displacement), H = Ng units, P = Np place cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Hidden units H.
    pub h: usize,
    /// Place cells P.
    pub p: usize,
}

/// Inputs per step (the displacement (dx, dy)).
pub const INPUTS: usize = 2;

/// The parameters (no bias, as Sorscher et al.): g₀ = W_enc p(x₀), g_t = φ(W_ih v_t + W_hh g_{t−1}),
/// logits = W_dec g_t. Row-major: W_ih H×2, W_hh H×H, W_enc H×P, W_dec P×H.
#[derive(Debug, Clone, PartialEq)]
pub struct Params<T> {
    /// Sizes.
    pub shape: Shape,
    /// W_ih, H × 2.
    pub w_ih: Vec<T>,
    /// W_hh, H × H.
    pub w_hh: Vec<T>,
    /// W_enc, H × P.
    pub w_enc: Vec<T>,
    /// W_dec, P × H.
    pub w_dec: Vec<T>,
}

/// The tensor names, in [`Params::tensors`] order.
pub const NAMES: [&str; 4] = ["w_ih", "w_hh", "w_enc", "w_dec"];

impl<T: Float> Params<T> {
    /// All zeros (gradient buffers, optimiser moments).
    pub fn zeros(shape: Shape) -> Self {
        let (h, p) = (shape.h, shape.p);
        Params {
            shape,
            w_ih: vec![T::ZERO; h * INPUTS],
            w_hh: vec![T::ZERO; h * h],
            w_enc: vec![T::ZERO; h * p],
            w_dec: vec![T::ZERO; p * h],
        }
    }

    /// PyTorch's default initialisation, as in Sorscher et al.'s model: every weight uniform in
    /// ±1/√fan, fan = H for W_ih, W_hh (`nn.RNN`) and W_dec, P for W_enc (`nn.Linear`). Tensor k
    /// draws from `Rng::keyed(seed, [key_str("rnn_train_init"), k])`, in row-major order.
    pub fn init(shape: Shape, seed: u64) -> Self {
        let mut p = Self::zeros(shape);
        let fans = [shape.h, shape.h, shape.p, shape.h];
        for (k, (t, fan)) in p.tensors_mut().into_iter().zip(fans).enumerate() {
            let mut rng = Rng::keyed(seed, &[key_str("rnn_train_init"), k as u64]);
            let a = 1.0 / (fan as f64).sqrt();
            for w in t.iter_mut() {
                *w = T::of(a * (2.0 * rng.uniform::<f64>() - 1.0));
            }
        }
        p
    }

    /// The four tensors in [`NAMES`] order.
    pub fn tensors(&self) -> [&[T]; 4] {
        [&self.w_ih, &self.w_hh, &self.w_enc, &self.w_dec]
    }

    /// The four tensors, mutable.
    pub fn tensors_mut(&mut self) -> [&mut Vec<T>; 4] {
        [
            &mut self.w_ih,
            &mut self.w_hh,
            &mut self.w_enc,
            &mut self.w_dec,
        ]
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.tensors().iter().map(|t| t.len()).sum()
    }

    /// Whether there are none (never: H, P ≥ 1).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first tensor holding a NaN or ±∞, if any.
    pub fn first_non_finite(&self) -> Option<&'static str> {
        NAMES
            .iter()
            .zip(self.tensors())
            .find(|(_, t)| !t.iter().all(|v| v.finite()))
            .map(|(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_keyed_and_bounded() {
        let s = Shape { h: 8, p: 16 };
        let a = Params::<f32>::init(s, 3);
        assert_eq!(a, Params::init(s, 3));
        assert_ne!(a, Params::init(s, 4));
        let b = 1.0 / 8f32.sqrt();
        assert!(a.w_hh.iter().all(|w| w.abs() <= b));
        assert!(a.w_enc.iter().all(|w| w.abs() <= 0.25));
        assert_eq!(a.len(), 8 * 2 + 64 + 2 * 128);
    }
}
