//! Sorscher, Mel, Ganguli & Ocko's Lagrangian form of pattern formation (2019/2023): the maps
//! themselves, G (positions × units), maximise
//!
//! L(G) = Tr(GᵀΣG) − λ‖GᵀG − I‖²_F,
//!
//! where Σ = PᶜPᶜᵀ is the place-cell covariance over positions (Pᶜ: the centred code, positions ×
//! place cells; with centres on a periodic lattice Σ is translation invariant, its eigenvectors
//! plane waves). It is the readout-constrained objective (the position error of an optimal linear
//! readout, with GᵀG ≈ I imposed softly); unconstrained its maximisers span the top eigenspace of Σ
//! — the ring of wave vectors |k| = k* — and a non-negativity constraint G ≥ 0 (firing rates)
//! selects three of them at 120°: hexagons.
//!
//! Gradient ascent, projected onto G ≥ 0 for the non-negative form:
//!
//! G ← Π(G + η ∇L),  ∇L = 2Σ̃G − 4λ G(GᵀG − I),
//!
//! with Σ̃ = Σ/λ₁(Σ) (unit top eigenvalue, so λ and η are dimensionless) and ΣG computed as
//! Pᶜ(PᶜᵀG). With [`Coupling::Single`] only the diagonal of GᵀG − I is kept: each unit maximises
//! gᵀΣ̃g − λ(gᵀg − 1)² alone (Sorscher et al.'s single-cell dynamics).

use faer::{Accum, Mat, Par};

use super::config::Coupling;
use crate::experiment::PointCtx;

/// The settings of one run of the gradient ascent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ascent {
    /// The penalty λ.
    pub lambda: f64,
    /// The step η.
    pub step: f64,
    /// Iterations.
    pub iters: usize,
    /// Which terms of ‖GᵀG − I‖² are kept.
    pub coupling: Coupling,
    /// Project onto G ≥ 0 after every step.
    pub non_negative: bool,
}

/// L(G) = Tr(GᵀΣ̃G) − λ‖GᵀG − I‖² (diagonal terms only with [`Coupling::Single`]), Σ̃ =
/// PᶜPᶜᵀ·`scale`.
pub fn lagrangian(p: &Mat<f64>, scale: f64, g: &Mat<f64>, a: &Ascent) -> f64 {
    let u = g.ncols();
    let mut pg = Mat::<f64>::zeros(p.ncols(), u);
    faer::linalg::matmul::matmul(
        pg.as_mut(),
        Accum::Replace,
        p.transpose(),
        g.as_ref(),
        1.0,
        Par::Seq,
    );
    // Tr(GᵀPᶜPᶜᵀG) = ‖PᶜᵀG‖².
    let trace: f64 = (0..u)
        .map(|j| (0..pg.nrows()).map(|i| pg[(i, j)].powi(2)).sum::<f64>())
        .sum();
    let gram = gram_minus_identity(g, a.coupling);
    let penalty: f64 = (0..u)
        .flat_map(|i| (0..u).map(move |j| (i, j)))
        .map(|(i, j)| gram[(i, j)].powi(2))
        .sum();
    scale * trace - a.lambda * penalty
}

/// GᵀG − I (off-diagonal terms zeroed with [`Coupling::Single`]).
fn gram_minus_identity(g: &Mat<f64>, coupling: Coupling) -> Mat<f64> {
    let u = g.ncols();
    let mut gram = Mat::<f64>::zeros(u, u);
    match coupling {
        Coupling::Full => faer::linalg::matmul::matmul(
            gram.as_mut(),
            Accum::Replace,
            g.transpose(),
            g.as_ref(),
            1.0,
            Par::Seq,
        ),
        Coupling::Single => {
            for j in 0..u {
                gram[(j, j)] = (0..g.nrows()).map(|i| g[(i, j)].powi(2)).sum::<f64>();
            }
        }
    }
    for j in 0..u {
        gram[(j, j)] -= 1.0;
    }
    gram
}

/// Runs the ascent from `g` (positions × units) with Σ̃ = PᶜPᶜᵀ·`scale`; `Ok(None)` if `ctx` was
/// stopped (checked every 50 iterations). Σ̃G is Pᶜ(PᶜᵀG), or Σ̃ formed once when there are no more
/// positions than place cells (fewer operations per step).
pub fn ascend(
    p: &Mat<f64>,
    scale: f64,
    mut g: Mat<f64>,
    a: &Ascent,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<Mat<f64>>> {
    let (x, u) = (g.nrows(), g.ncols());
    // faer splits a product over blocks of its output, each summed in the same order: the result
    // does not depend on the thread count.
    let par = super::super::train::par_here();
    let mut pg = Mat::<f64>::zeros(p.ncols(), u);
    let mut half = Mat::<f64>::zeros(x, u);
    let dense = (x <= p.ncols()).then(|| {
        let mut s = Mat::<f64>::zeros(x, x);
        faer::linalg::matmul::matmul(
            s.as_mut(),
            Accum::Replace,
            p.as_ref(),
            p.transpose(),
            scale,
            par,
        );
        s
    });
    if a.non_negative {
        project(&mut g);
    }
    for it in 0..a.iters {
        if it % 50 == 0 && ctx.stopped() {
            return Ok(None);
        }
        // ∇L/2 = Σ̃G − 2λ G(GᵀG − I).
        match &dense {
            Some(s) => faer::linalg::matmul::matmul(
                half.as_mut(),
                Accum::Replace,
                s.as_ref(),
                g.as_ref(),
                1.0,
                par,
            ),
            None => {
                faer::linalg::matmul::matmul(
                    pg.as_mut(),
                    Accum::Replace,
                    p.transpose(),
                    g.as_ref(),
                    1.0,
                    par,
                );
                faer::linalg::matmul::matmul(
                    half.as_mut(),
                    Accum::Replace,
                    p.as_ref(),
                    pg.as_ref(),
                    scale,
                    par,
                );
            }
        }
        let gram = gram_minus_identity(&g, a.coupling);
        faer::linalg::matmul::matmul(
            half.as_mut(),
            Accum::Add,
            g.as_ref(),
            gram.as_ref(),
            -2.0 * a.lambda,
            par,
        );
        for j in 0..u {
            for i in 0..x {
                g[(i, j)] += 2.0 * a.step * half[(i, j)];
            }
        }
        if a.non_negative {
            project(&mut g);
        }
    }
    if let Some(j) = (0..u).find(|&j| (0..x).any(|i| !g[(i, j)].is_finite())) {
        anyhow::bail!(
            "lagrangian-step: the ascent diverged (unit {j} is not finite after {} iterations); \
             lower --lagrangian-step or --lambda",
            a.iters
        );
    }
    Ok(Some(g))
}

/// G ← max(G, 0).
fn project(g: &mut Mat<f64>) {
    for j in 0..g.ncols() {
        for i in 0..g.nrows() {
            g[(i, j)] = g[(i, j)].max(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::rng::{Rng, key_str};
    use std::sync::atomic::AtomicBool;

    fn random(rows: usize, cols: usize, seed: u64) -> Mat<f64> {
        let mut rng = Rng::keyed(seed, &[key_str("engram/rnn/pattern/test")]);
        Mat::<f64>::from_fn(rows, cols, |_, _| rng.normal::<f64>())
    }

    /// The ascent's step is the gradient of [`lagrangian`]: central finite differences agree, for
    /// Σ̃G through Pᶜ(PᶜᵀG) (more positions than cells) and through Σ̃ formed once (fewer).
    #[test]
    fn gradient_matches_finite_differences() {
        for (x, np) in [(12, 5), (6, 10)] {
            let p = random(x, np, 1);
            let g0 = random(x, 3, 2);
            for coupling in [Coupling::Full, Coupling::Single] {
                let a = Ascent {
                    lambda: 0.7,
                    step: 1e-6,
                    iters: 1,
                    coupling,
                    non_negative: false,
                };
                let (stop, abort) = (crate::signals::Stop::new(), AtomicBool::new(false));
                let bar = indicatif::ProgressBar::hidden();
                let ctx = PointCtx::detached(&stop, &abort, &bar);
                let g1 = ascend(&p, 0.3, g0.clone(), &a, &ctx).unwrap().unwrap();
                for (i, j) in [(0, 0), (3, 1), (x - 1, 2)] {
                    let analytic = (g1[(i, j)] - g0[(i, j)]) / a.step;
                    let h = 1e-5;
                    let (mut up, mut down) = (g0.clone(), g0.clone());
                    up[(i, j)] += h;
                    down[(i, j)] -= h;
                    let fd =
                        (lagrangian(&p, 0.3, &up, &a) - lagrangian(&p, 0.3, &down, &a)) / (2.0 * h);
                    assert!(
                        (analytic - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{x}x{np} {coupling:?} ({i},{j}): {analytic} vs {fd}"
                    );
                }
            }
        }
    }

    /// A step beyond the stability bound is refused at run time with the flag named.
    #[test]
    fn divergence_names_the_step() {
        let p = random(8, 4, 5);
        let a = Ascent {
            lambda: 10.0,
            step: 5.0,
            iters: 200,
            coupling: Coupling::Single,
            non_negative: false,
        };
        let (stop, abort) = (crate::signals::Stop::new(), AtomicBool::new(false));
        let bar = indicatif::ProgressBar::hidden();
        let ctx = PointCtx::detached(&stop, &abort, &bar);
        let e = ascend(&p, 1.0, random(8, 2, 6), &a, &ctx).unwrap_err();
        assert!(e.to_string().starts_with("lagrangian-step:"), "{e}");
    }

    /// Small steps increase L (ascent), and the projection keeps G ≥ 0.
    #[test]
    fn ascent_increases_the_lagrangian() {
        let p = random(30, 8, 3);
        let mut g0 = random(30, 4, 4);
        super::project(&mut g0);
        let a = Ascent {
            lambda: 1.0,
            step: 1e-3,
            iters: 20,
            coupling: Coupling::Full,
            non_negative: true,
        };
        let (stop, abort) = (crate::signals::Stop::new(), AtomicBool::new(false));
        let bar = indicatif::ProgressBar::hidden();
        let ctx = PointCtx::detached(&stop, &abort, &bar);
        let g = ascend(&p, 0.01, g0.clone(), &a, &ctx).unwrap().unwrap();
        assert!(lagrangian(&p, 0.01, &g, &a) > lagrangian(&p, 0.01, &g0, &a));
        assert!((0..30).all(|i| (0..4).all(|j| g[(i, j)] >= 0.0)));
    }
}
