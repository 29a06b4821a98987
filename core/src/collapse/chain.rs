//! The literal model-collapse chain with running sufficient statistics.

use super::NORMAL;
use super::config::{ChainConfig, Design, Mode};
use crate::error::{Error, check_len};
use crate::linalg;
use crate::rng::Rng;
use crate::scratch::take;
use crate::{Real, Result};

const WHAT: &str = "collapse::run_chain";

/// Scratch elements [`run_chain`] needs for `cfg` (d² and T·d terms; independent of the iteration
/// count). Saturates instead of overflowing, so an absurd size fails the scratch check.
///
/// ```
/// use engram_core::collapse::{scratch_len, ChainConfig, Mode};
/// // d = 8, T = 32 (the micro:bit v1 demo): 544 f32, 2.2 KB.
/// assert_eq!(scratch_len(&ChainConfig::<f32>::new(8, 32, 1.0, 10, Mode::Accumulate)), 544);
/// ```
pub fn scratch_len<T: Real>(cfg: &ChainConfig<T>) -> usize {
    let d = cfg.dim;
    let (_, t0) = cfg.synthetic_params();
    let rows = cfg.samples.max(t0);
    let dd = d.saturating_mul(d);
    let x_len = match cfg.design {
        Design::Fixed => cfg.samples.saturating_mul(d),
        Design::Fresh => rows.saturating_mul(d),
    };
    let x0_len = if cfg.has_second_design() {
        t0.saturating_mul(d)
    } else {
        0
    };
    let g0_len = if cfg.has_second_design() { dd } else { 0 };
    // w*, ŵ, b, b_acc | x, x0 | y, e | g, g0, g_acc, chol
    (4usize.saturating_mul(d))
        .saturating_add(x_len)
        .saturating_add(x0_len)
        .saturating_add(rows.saturating_mul(2))
        .saturating_add(dd.saturating_mul(3))
        .saturating_add(g0_len)
}

/// Element-wise copy over the common length (both sides are carved to equal lengths above;
/// `copy_from_slice` would keep a length-mismatch panic path in the image).
fn copy<T: Copy>(dst: &mut [T], src: &[T]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

fn add_ridge<T: Real>(g: &mut [T], d: usize, ridge: T) {
    if ridge > T::ZERO {
        for diag in g.iter_mut().step_by(d + 1) {
            *diag += ridge;
        }
    }
}

/// Runs one chain and writes the test error ‖ŵₙ − w*‖² of every iteration into `errors`
/// (length `cfg.iterations`).
///
/// Draw order (fixed, so every target draws the same numbers; normals by [`NORMAL`](super::NORMAL)):
/// w* (d normals), then for a fixed
/// design X (T·d, row-major) and, when T₀ ≠ T, X₀ (T₀·d); then per iteration a fresh X for a fresh
/// design, then the noise vector (T or T₀ normals). Each fit solves (G + λI) ŵ = b by Cholesky,
/// with G, b the newest batch's XᵀX, XᵀY (replace) or their running sums (accumulate). All sums are
/// sequential (see [`crate::linalg`]).
///
/// Errors: invalid parameters ([`ChainConfig::validate`]), short `scratch` (see [`scratch_len`]),
/// `errors.len() != iterations`, a Gram matrix that is not positive definite, or a non-finite result.
///
/// ```
/// use engram_core::collapse::{run_chain, scratch_len, ChainConfig, Mode};
/// use engram_core::rng::Rng;
/// let cfg = ChainConfig::<f64>::new(4, 20, 0.5, 5, Mode::Replace);
/// let mut scratch = vec![0.0; scratch_len(&cfg)];
/// let mut errors = [0.0; 5];
/// run_chain(&cfg, &mut Rng::seed_from_u64(1), &mut scratch, &mut errors).unwrap();
/// assert!(errors.iter().all(|e| *e > 0.0));
/// ```
pub fn run_chain<T: Real>(
    cfg: &ChainConfig<T>,
    rng: &mut Rng,
    scratch: &mut [T],
    errors: &mut [T],
) -> Result<()> {
    cfg.validate()?;
    check_len("collapse::run_chain: errors", cfg.iterations, errors.len())?;
    let need = scratch_len(cfg);
    if scratch.len() < need {
        return Err(Error::ScratchTooSmall {
            what: "collapse::run_chain",
            needed: need,
            found: scratch.len(),
        });
    }
    let d = cfg.dim;
    let t = cfg.samples;
    let (sigma0, t0) = cfg.synthetic_params();
    let second = cfg.has_second_design();
    let rows_max = t.max(t0);

    let mut buf = scratch;
    let w_star = take(&mut buf, d, WHAT)?;
    let w_hat = take(&mut buf, d, WHAT)?;
    let b = take(&mut buf, d, WHAT)?;
    let b_acc = take(&mut buf, d, WHAT)?;
    let x = take(
        &mut buf,
        if cfg.design == Design::Fixed {
            t
        } else {
            rows_max
        } * d,
        WHAT,
    )?;
    let x0 = take(&mut buf, if second { t0 * d } else { 0 }, WHAT)?;
    let y = take(&mut buf, rows_max, WHAT)?;
    let e = take(&mut buf, rows_max, WHAT)?;
    let g = take(&mut buf, d * d, WHAT)?;
    let g0 = take(&mut buf, if second { d * d } else { 0 }, WHAT)?;
    let g_acc = take(&mut buf, d * d, WHAT)?;
    let chol = take(&mut buf, d * d, WHAT)?;

    rng.fill_normal_with(NORMAL, w_star);
    if cfg.design == Design::Fixed {
        rng.fill_normal_with(NORMAL, x);
        linalg::gram(x, t, d, g)?;
        if second {
            rng.fill_normal_with(NORMAL, x0);
            linalg::gram(x0, t0, d, g0)?;
        }
    }
    g_acc.fill(T::ZERO);
    b_acc.fill(T::ZERO);

    for (n, err_out) in errors.iter_mut().enumerate() {
        let first = n == 0;
        let (rows, sigma_n) = if first { (t, cfg.sigma) } else { (t0, sigma0) };
        let (xn, gn): (&[T], &[T]) = match cfg.design {
            Design::Fixed if second && !first => (x0, g0),
            Design::Fixed => (x, g),
            Design::Fresh => {
                let xs = x.get_mut(..rows * d).ok_or(Error::ScratchTooSmall {
                    what: "collapse::run_chain",
                    needed: rows * d,
                    found: 0,
                })?;
                rng.fill_normal_with(NORMAL, xs);
                linalg::gram(xs, rows, d, g)?;
                (xs, g)
            }
        };
        let yn = y.get_mut(..rows).unwrap_or_default();
        let en = e.get_mut(..rows).unwrap_or_default();
        // Yₙ = Xₙ w_gen + σₙ Eₙ with w_gen = w* for the real data, ŵₙ₋₁ after.
        let w_gen: &[T] = if first { w_star } else { w_hat };
        linalg::matvec(xn, rows, d, w_gen, yn)?;
        rng.fill_normal_with(NORMAL, en);
        linalg::axpy(sigma_n, en, yn)?;
        linalg::matvec_t(xn, rows, d, yn, b)?;

        match cfg.mode {
            Mode::Replace => {
                copy(chol, gn);
                copy(w_hat, b);
            }
            Mode::Accumulate => {
                linalg::axpy(T::ONE, gn, g_acc)?;
                linalg::axpy(T::ONE, b, b_acc)?;
                copy(chol, g_acc);
                copy(w_hat, b_acc);
            }
        }
        add_ridge(chol, d, cfg.ridge);
        linalg::cholesky(chol, d)?;
        linalg::cholesky_solve(chol, d, w_hat)?;

        let mut err = T::ZERO;
        for (&wh, &ws) in w_hat.iter().zip(w_star.iter()) {
            let diff = wh - ws;
            err += diff * diff;
        }
        if !err.is_finite() {
            return Err(Error::NonFinite {
                what: "collapse::run_chain: test error",
            });
        }
        *err_out = err;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collapse::Synthetic;
    use std::vec;

    fn run<T: Real>(cfg: &ChainConfig<T>, seed: u64) -> Result<std::vec::Vec<T>> {
        let mut scratch = vec![T::ZERO; scratch_len(cfg)];
        let mut errors = vec![T::ZERO; cfg.iterations];
        run_chain(
            cfg,
            &mut Rng::seed_from_u64(seed),
            &mut scratch,
            &mut errors,
        )?;
        Ok(errors)
    }

    #[test]
    fn zero_noise_reproduces_w_star() {
        let mut cfg = ChainConfig::<f64>::new(5, 12, 0.0, 4, Mode::Replace);
        for mode in [Mode::Replace, Mode::Accumulate] {
            cfg.mode = mode;
            for e in run(&cfg, 3).unwrap() {
                assert!(e < 1e-20, "{mode:?}: {e}");
            }
        }
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        let cfg = ChainConfig::<f32>::new(8, 32, 1.0, 3, Mode::Replace);
        let mut scratch = vec![0.0f32; scratch_len(&cfg) - 1];
        let mut errors = [0.0f32; 3];
        let mut rng = Rng::seed_from_u64(0);
        assert!(matches!(
            run_chain(&cfg, &mut rng, &mut scratch, &mut errors),
            Err(Error::ScratchTooSmall { .. })
        ));
        let mut scratch = vec![0.0f32; scratch_len(&cfg)];
        let mut short = [0.0f32; 2];
        assert!(matches!(
            run_chain(&cfg, &mut rng, &mut scratch, &mut short),
            Err(Error::DimensionMismatch { .. })
        ));
        let mut nan = cfg;
        nan.sigma = f32::NAN;
        assert!(run(&nan, 0).is_err());
        let mut neg = cfg;
        neg.sigma = -1.0;
        assert!(run(&neg, 0).is_err());
        let under = ChainConfig::<f32>::new(8, 7, 1.0, 3, Mode::Replace);
        assert!(matches!(
            run(&under, 0),
            Err(Error::InvalidParameter { .. })
        ));
        let mut ridged = under;
        ridged.ridge = 0.5;
        assert!(run(&ridged, 0).is_ok(), "ridge makes T < d solvable");
    }

    #[test]
    fn every_variant_runs() {
        for design in [Design::Fixed, Design::Fresh] {
            for mode in [Mode::Replace, Mode::Accumulate] {
                for synthetic in [
                    None,
                    Some(Synthetic {
                        sigma: 0.3,
                        samples: 9,
                    }),
                ] {
                    let mut cfg = ChainConfig::<f64>::new(4, 14, 1.0, 6, mode);
                    cfg.design = design;
                    cfg.synthetic = synthetic;
                    let e = run(&cfg, 11).unwrap();
                    assert!(e.iter().all(|v| v.is_finite() && *v >= 0.0));
                }
            }
        }
    }

    /// Same seed → same bits; different seed → different chain.
    #[test]
    fn deterministic() {
        let cfg = ChainConfig::<f32>::new(8, 32, 1.0, 10, Mode::Accumulate);
        assert_eq!(run(&cfg, 5).unwrap(), run(&cfg, 5).unwrap());
        assert_ne!(run(&cfg, 5).unwrap(), run(&cfg, 6).unwrap());
    }
}
