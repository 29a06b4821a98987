//! The place-cell code on the periodic (or walled) box and what the variants share: bin-centre
//! positions, the centred code Pᶜ, the covariance's top eigenvalue, initial readouts, and maps
//! block-averaged to the scoring resolution.

use engram_core::rng::{Rng, key_str};
use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile, uniform_centres};
use faer::{Accum, Mat, Par};

use super::config::{PatternConfig, Variant};

/// Bin centres of a G-grid over the box, (x, y) with y = row.
pub(super) fn positions(cfg: &PatternConfig) -> Vec<f64> {
    let g = cfg.grid;
    let l = cfg.box_size;
    let c = |i: usize| (i as f64 + 0.5) / g as f64 * l - l / 2.0;
    (0..g * g).flat_map(|i| [c(i % g), c(i / g)]).collect()
}

/// The centred place-cell code Pᶜ (G² × Np) of a variant.
pub(super) fn centred_code(cfg: &PatternConfig, v: Variant) -> anyhow::Result<Mat<f64>> {
    let l = cfg.box_size;
    let (centres, periodic) = match v {
        Variant::NonNegative
        | Variant::Unconstrained
        | Variant::LagrangianNonNegative
        | Variant::LagrangianUnconstrained => {
            let k = cfg.lattice;
            let c = |i: usize| (i as f64 + 0.5) / k as f64 * l - l / 2.0;
            (
                (0..k * k).flat_map(|i| [c(i % k), c(i / k)]).collect(),
                true,
            )
        }
        Variant::WalledRandom => {
            let mut c = vec![0.0; 2 * cfg.random_cells];
            uniform_centres(l, cfg.seed, &mut c)?;
            (c, false)
        }
    };
    let pc = PlaceCells::new(
        &centres,
        PlaceConfig {
            sigma: cfg.sigma,
            profile: PlaceProfile::DifferenceOfSoftmaxes {
                surround_scale: cfg.surround,
            },
            box_size: l,
            periodic,
        },
    )?;
    let np = centres.len() / 2;
    let pos = positions(cfg);
    let x = pos.len() / 2;
    let mut code = vec![0.0; x * np];
    let mut scratch = vec![0.0; np];
    pc.encode_many(&pos, &mut code, &mut scratch)?;
    let mut p = Mat::<f64>::from_fn(x, np, |i, j| code[i * np + j]);
    for j in 0..np {
        let mean = (0..x).map(|i| p[(i, j)]).sum::<f64>() / x as f64;
        for i in 0..x {
            p[(i, j)] -= mean;
        }
    }
    Ok(p)
}

pub(super) fn normalise_columns(w: &mut Mat<f64>) {
    for j in 0..w.ncols() {
        let norm = (0..w.nrows())
            .map(|i| w[(i, j)].powi(2))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            for i in 0..w.nrows() {
                w[(i, j)] /= norm;
            }
        }
    }
}

/// The random initial readouts (Np × units): uniform ≥ 0, or Gaussian for the unconstrained form.
pub(super) fn initial(cfg: &PatternConfig, v: Variant, np: usize) -> Mat<f64> {
    let cols: Vec<Vec<f64>> = (0..cfg.units)
        .map(|u| {
            let mut rng = Rng::keyed(
                cfg.seed,
                &[key_str("engram/rnn/pattern/v1"), v as u64, u as u64],
            );
            (0..np)
                .map(|_| match v {
                    Variant::Unconstrained => rng.normal::<f64>(),
                    _ => rng.uniform::<f64>(),
                })
                .collect()
        })
        .collect();
    let mut w = Mat::<f64>::from_fn(np, cfg.units, |i, j| cols[j][i]);
    normalise_columns(&mut w);
    w
}

/// The largest eigenvalue of the covariance `c` (positive semi-definite) by 200 power
/// iterations from the all-ones vector (Rayleigh quotient).
pub(super) fn top_eigenvalue(c: &Mat<f64>) -> f64 {
    let n = c.nrows();
    let mut v = Mat::<f64>::from_fn(n, 1, |_, _| 1.0 / (n as f64).sqrt());
    let mut cv = Mat::<f64>::zeros(n, 1);
    let mut lambda = 0.0;
    for _ in 0..200 {
        faer::linalg::matmul::matmul(
            cv.as_mut(),
            Accum::Replace,
            c.as_ref(),
            v.as_ref(),
            1.0,
            Par::Seq,
        );
        lambda = (0..n).map(|i| v[(i, 0)] * cv[(i, 0)]).sum::<f64>();
        let norm = (0..n).map(|i| cv[(i, 0)].powi(2)).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        for i in 0..n {
            v[(i, 0)] = cv[(i, 0)] / norm;
        }
    }
    lambda
}

/// The maps G = PᶜW (G² × units) of readouts `w`.
pub(super) fn readout_maps(p: &Mat<f64>, w: &Mat<f64>) -> Mat<f64> {
    let mut g = Mat::<f64>::zeros(p.nrows(), w.ncols());
    faer::linalg::matmul::matmul(
        g.as_mut(),
        Accum::Replace,
        p.as_ref(),
        w.as_ref(),
        1.0,
        Par::Seq,
    );
    g
}

/// Maps g = Pᶜw of every unit, block-averaged to S × S (rows = y).
pub(super) fn maps(cfg: &PatternConfig, p: &Mat<f64>, w: &Mat<f64>) -> Vec<Vec<f64>> {
    block_means(cfg, &readout_maps(p, w))
}

/// Every column of `g` (a G × G map, rows = y), block-averaged to S × S.
pub(super) fn block_means(cfg: &PatternConfig, g: &Mat<f64>) -> Vec<Vec<f64>> {
    let (gs, s) = (cfg.grid, cfg.score_bins);
    let f = gs / s;
    (0..g.ncols())
        .map(|u| {
            (0..s * s)
                .map(|b| {
                    let (by, bx) = (b / s, b % s);
                    let mut sum = 0.0;
                    for dy in 0..f {
                        for dx in 0..f {
                            sum += g[((by * f + dy) * gs + bx * f + dx, u)];
                        }
                    }
                    sum / (f * f) as f64
                })
                .collect()
        })
        .collect()
}

/// The eigenvalues (ascending) and eigenvectors (columns) of the symmetric `c` (lower triangle),
/// computed sequentially: faer's default uses the current pool's threads, and a degenerate
/// eigenspace's basis follows the rounding, so the maps would depend on `--threads`.
pub(super) fn eigen(c: &Mat<f64>) -> anyhow::Result<(Vec<f64>, Mat<f64>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
    let n = c.nrows();
    let mut u = Mat::<f64>::zeros(n, n);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut mem = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    self_adjoint_evd(
        c.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| anyhow::anyhow!("eigendecomposition failed: {e:?}"))?;
    Ok(((0..n).map(|i| s[i]).collect(), u))
}
