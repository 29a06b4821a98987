//! `engram rnn pattern-formation`: the single-layer reduction behind the "unified theory" of grid
//! cells — the top principal components of the place-cell covariance, with and without a
//! non-negativity constraint (Dordek, Soudry, Meir & Derdikman 2016; Sorscher, Mel, Ganguli &
//! Ocko 2019/2023). docs/gridscore.md#pattern-formation.
//!
//! Place cells (the RNN's difference-of-softmaxes code, σ = 0.12 m, surround scale 2,
//! [`engram_core::rnn::place`]) are evaluated at the G × G bin centres of the box (G = 40), the
//! code P (G² × Np) centred per cell over positions, and C = PᶜᵀPᶜ/G² (Np × Np). A unit is a
//! readout w (Np) whose map is g = Pᶜw, scored at S × S (S = 20, block means):
//!
//! - **non-negative** (Dordek et al.): maximise wᵀCw subject to ‖w‖ = 1, w ≥ 0, by projected
//!   power iteration w ← (w + (η/λ₁)Cw)₊ / ‖·‖ from a uniform random w ≥ 0 (stream keyed by
//!   (seed, variant, unit)); centres on an L × L periodic lattice (23 × 23): C is translation
//!   invariant, its top eigenspace a ring of wave vectors; the rectification couples three of them
//!   at 120° — hexagons;
//! - **unconstrained**: the top `units` eigenvectors of C — plane waves, stripes and squares
//!   (the critiques' point, arXiv:2311.16295, 2312.03954: the lattice comes from the constraint);
//! - **walled random**: the non-negative form with the RNN's own walled box and Np uniform random
//!   centres.
//!
//! Significance: each variant's null is the same readout at initialisation (the random w the
//!
//! | file | concept |
//! | --- | --- |
//! | [`config`] | [`PatternConfig`] (flags = TOML keys), the variants ([`Variant`]) |
//! | [`covariance`] | positions, the centred place code, initial readouts, block-averaged maps |
//! | [`checks`] | the scorer on synthetic maps; each variant's expectation |
//! | `output` | `scores.csv`, `maps.svg`, `scores.svg` |

pub mod checks;
pub mod config;
pub mod covariance;
mod output;

use faer::{Accum, Mat, Par, Side};
use serde::{Deserialize, Serialize};

pub use checks::{synthetic_checks, variant_checks};
pub use config::{PatternConfig, Variant};
pub use output::histogram_series;

use super::grid::{GridScorer, UnitScore, score_map};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size,
};
use covariance::{centred_code, initial, maps, normalise_columns, top_eigenvalue};

/// What one variant measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternResult {
    /// The variant.
    pub variant: Variant,
    /// Per unit.
    pub units: Vec<UnitScore>,
    /// score60 of the readouts at initialisation (the null).
    pub null60: Vec<f64>,
    /// The units' maps at S × S (rows = y).
    pub maps: Vec<Vec<f64>>,
    /// Largest eigenvalue of C.
    pub lambda1: f64,
}

/// The pattern-formation comparison as an [`Experiment`].
#[derive(Debug, Clone)]
pub struct PatternFormation {
    cfg: PatternConfig,
}

/// Runs one variant (deterministic: depends on the config and the variant only).
pub fn run_variant(
    cfg: &PatternConfig,
    v: Variant,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<PatternResult>> {
    let p = centred_code(cfg, v)?;
    let np = p.ncols();
    let mut c = Mat::<f64>::zeros(np, np);
    faer::linalg::matmul::matmul(
        c.as_mut(),
        Accum::Replace,
        p.transpose(),
        p.as_ref(),
        1.0 / p.nrows() as f64,
        Par::Seq,
    );
    // The unconstrained form needs the eigenvectors; the others only λ₁ (power iteration).
    let evd = match v {
        Variant::Unconstrained => Some(
            c.self_adjoint_eigen(Side::Lower)
                .map_err(|e| anyhow::anyhow!("eigendecomposition failed: {e:?}"))?,
        ),
        _ => None,
    };
    let lambda1 = match &evd {
        Some(e) => e.S().column_vector()[np - 1],
        None => top_eigenvalue(&c),
    };
    let w0 = initial(cfg, v, np);
    let w = match v {
        Variant::Unconstrained => {
            let u = evd
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("internal: no eigendecomposition"))?
                .U();
            Mat::<f64>::from_fn(np, cfg.units, |i, j| u[(i, np - 1 - j)])
        }
        _ => {
            let mut w = w0.clone();
            let mut cw = Mat::<f64>::zeros(np, cfg.units);
            let eta = cfg.step / lambda1;
            for it in 0..cfg.iters {
                if it % 50 == 0 && ctx.stopped() {
                    return Ok(None);
                }
                faer::linalg::matmul::matmul(
                    cw.as_mut(),
                    Accum::Replace,
                    c.as_ref(),
                    w.as_ref(),
                    eta,
                    Par::Seq,
                );
                for j in 0..cfg.units {
                    for i in 0..np {
                        w[(i, j)] = (w[(i, j)] + cw[(i, j)]).max(0.0);
                    }
                }
                normalise_columns(&mut w);
            }
            w
        }
    };
    let scorer = GridScorer::new(cfg.score_bins);
    let bin_m = cfg.box_size / cfg.score_bins as f64;
    let unit_maps = maps(cfg, &p, &w);
    let null_maps = maps(cfg, &p, &w0);
    let Some(units) = ctx.par_map(cfg.units, |u| score_map(&scorer, &unit_maps[u], bin_m))? else {
        return Ok(None);
    };
    let Some(null) = ctx.par_map(cfg.units, |u| score_map(&scorer, &null_maps[u], bin_m))? else {
        return Ok(None);
    };
    Ok(Some(PatternResult {
        variant: v,
        units,
        null60: null.iter().map(|s| s.score60).collect(),
        maps: unit_maps,
        lambda1,
    }))
}

impl Experiment for PatternFormation {
    type Config = PatternConfig;
    type Point = Variant;
    type Output = PatternResult;

    const NAME: &'static str = "rnn-pattern-formation";
    const TITLE: &'static str = "grid pattern formation: non-negative PCA of place-cell covariance";
    const RESULTS: &'static str = "rnn/pattern-formation";
    const UNIT: &'static str = "units";

    fn new(cfg: PatternConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(PatternFormation { cfg })
    }

    fn config(&self) -> &PatternConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "The single-layer reduction of path-integrating RNNs (docs/gridscore.md#pattern-formation): \
         readouts of a place-cell population (difference of softmaxes, σ = 0.12 m) maximising \
         variance wᵀCw. With a non-negativity constraint and a translation-invariant covariance \
         (centres on a periodic lattice) the maps are hexagonal (Dordek et al. 2016; Sorscher et \
         al. 2019/2023); unconstrained they are stripes and squares (arXiv:2311.16295, \
         2312.03954); with the RNN's walled box and random centres the constraint alone does not \
         give lattices. Scores are DeepMind's (scores.py) at 20 × 20; significance against the \
         readouts at initialisation (units above the null's p99)."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "host f64: faer GEMM and self-adjoint eigendecomposition; grid scores in f64 (scores.py)"
            .to_owned()
    }

    fn points(&self) -> Vec<Variant> {
        Variant::ALL.to_vec()
    }

    fn label(&self, v: &Variant) -> String {
        v.name().to_owned()
    }

    fn work(&self, _v: &Variant) -> u64 {
        2 * self.cfg.units as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let np = (c.lattice * c.lattice).max(c.random_cells) as u64;
        let x = (c.grid * c.grid) as u64;
        let memory = Size::of("lattice/random-cells", np)
            .times("grid", x)?
            .times("", 8)?
            .plus(Size::of("lattice/random-cells", np).times("", np * 24)?)?;
        let flops = 3.0
            * (np as f64 * np as f64 * (c.units * c.iters) as f64 * 2.0
                + x as f64 * np as f64 * np as f64);
        Ok(Estimate::new(
            memory,
            Size::of("units", c.units as u64)
                .times("score-bins", (c.score_bins * c.score_bins * 60) as u64)?,
            flops,
            4e9,
            "units/iters/lattice/grid",
        ))
    }

    fn run_point(&self, v: &Variant, ctx: &PointCtx<'_>) -> anyhow::Result<Option<PatternResult>> {
        run_variant(&self.cfg, *v, ctx)
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let mut c = synthetic_checks(self.cfg.seed);
        for d in done {
            c.extend(variant_checks(d.output));
        }
        c
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        output::write(&self.cfg, out, done)
    }
}

/// The registry's tiers: quick = 16 units, 200 iterations; default and full = the defaults.
pub fn tier(t: crate::experiment::registry::Tier) -> PatternConfig {
    let mut c = PatternConfig::default();
    if t == crate::experiment::registry::Tier::Quick {
        c.units = 16;
        c.iters = 200;
    }
    c
}
