//! `engram rnn pattern-formation`: the single-layer reduction behind the "unified theory" of grid
//! cells — the top principal components of the place-cell covariance, with and without a
//! non-negativity constraint (Dordek, Soudry, Meir & Derdikman 2016), and Sorscher, Mel, Ganguli &
//! Ocko's (2019/2023) Lagrangian form of the same problem. docs/gridscore.md#pattern-formation.
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
//!   centres;
//! - **Lagrangian, non-negative / unconstrained** (Sorscher et al.'s form, [`lagrangian`]): the maps
//!   G (G² × units) themselves maximise Tr(GᵀΣ̃G) − λ‖GᵀG − I‖² (Σ̃ = PᶜPᶜᵀ/λ₁, the periodic
//!   lattice's covariance over positions) by gradient ascent, projected onto G ≥ 0 or not, from the
//!   PCA counterpart's initial maps Pᶜw₀ (unit norm); `--coupling single` (default) keeps only the
//!   diagonal of GᵀG − I — each unit alone, Sorscher et al.'s single-cell dynamics — `full` the
//!   whole penalty (units decorrelate: with more units than the top eigenspace's dimension they
//!   leave the ring, docs/gridscore.md#pattern-formation).
//!
//! Significance: each variant's null is the same readout at initialisation (the random w the
//! iteration starts from; Gaussian w for the unconstrained form; a Lagrangian variant shares its
//! PCA counterpart's); units above its p99 are counted.
//!
//! | file | concept |
//! | --- | --- |
//! | [`config`] | [`PatternConfig`] (flags = TOML keys), the variants ([`Variant`]), [`Form`], [`Coupling`] |
//! | [`covariance`] | positions, the centred place code, initial readouts, block-averaged maps |
//! | [`lagrangian`] | Sorscher et al.'s Lagrangian and its projected gradient ascent |
//! | [`checks`] | the scorer on synthetic maps; each variant's expectation |
//! | `output` | `scores.csv`, `maps.svg`, `scores.svg` |

pub mod checks;
pub mod config;
pub mod covariance;
pub mod lagrangian;
mod output;

use faer::{Accum, Mat, Par};
use serde::{Deserialize, Serialize};

pub use checks::{synthetic_checks, variant_checks};
pub use config::{Coupling, Form, PatternConfig, Variant};
pub use output::histogram_series;

use super::grid::{GridScorer, UnitScore, score_map};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size,
};
use covariance::{
    block_means, centred_code, eigen, initial, maps, normalise_columns, readout_maps,
    top_eigenvalue,
};

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
        Variant::Unconstrained => Some(eigen(&c)?),
        _ => None,
    };
    let lambda1 = match &evd {
        Some((values, _)) => values[np - 1],
        None => top_eigenvalue(&c),
    };
    let w0 = initial(cfg, v.null_of(), np);
    let unit_maps = match v {
        Variant::Unconstrained => {
            let (_, u) = evd
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("internal: no eigendecomposition"))?;
            maps(
                cfg,
                &p,
                &Mat::<f64>::from_fn(np, cfg.units, |i, j| u[(i, np - 1 - j)]),
            )
        }
        Variant::NonNegative | Variant::WalledRandom => {
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
            maps(cfg, &p, &w)
        }
        Variant::LagrangianNonNegative | Variant::LagrangianUnconstrained => {
            // Start from the PCA counterpart's initial maps Pᶜw₀, each of unit norm.
            let mut g0 = readout_maps(&p, &w0);
            normalise_columns(&mut g0);
            let a = lagrangian::Ascent {
                lambda: cfg.lambda,
                step: cfg.lagrangian_step,
                iters: cfg.lagrangian_iters,
                coupling: cfg.coupling,
                non_negative: v.non_negative(),
            };
            // Σ̃ = PᶜPᶜᵀ/(G²λ₁): the nonzero eigenvalues of PᶜPᶜᵀ/G² are C's.
            let scale = 1.0 / (p.nrows() as f64 * lambda1);
            let Some(g) = lagrangian::ascend(&p, scale, g0, &a, ctx)? else {
                return Ok(None);
            };
            block_means(cfg, &g)
        }
    };
    let scorer = GridScorer::new(cfg.score_bins);
    let bin_m = cfg.box_size / cfg.score_bins as f64;
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
    const TITLE: &'static str =
        "grid pattern formation: non-negative PCA and Lagrangian of place-cell covariance";
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
         give lattices. Sorscher et al.'s Lagrangian form — maps G maximising Tr(GᵀΣG) − \
         λ‖GᵀG − I‖² by gradient ascent, projected onto G ≥ 0 or not, from the same initial maps \
         — runs beside it. Scores are DeepMind's (scores.py) at 20 × 20; significance against the \
         readouts at initialisation (units above the null's p99)."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "host f64: faer GEMM and self-adjoint eigendecomposition; grid scores in f64 (scores.py)"
            .to_owned()
    }

    fn points(&self) -> Vec<Variant> {
        Variant::ALL
            .into_iter()
            .filter(|v| self.cfg.forms.contains(&v.form()))
            .collect()
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
            .plus(Size::of("lattice/random-cells", np).times("", np * 24)?)?
            .plus(Size::of("grid", x).times("grid", x)?.times("", 8)?)?;
        let (np, x, u) = (np as f64, x as f64, c.units as f64);
        let mut flops = 0.0;
        if c.forms.contains(&Form::Pca) {
            flops += 3.0 * (np * np * u * c.iters as f64 * 2.0 + x * np * np);
        }
        if c.forms.contains(&Form::Lagrangian) {
            // Σ̃G per step (through Pᶜ, or Σ̃ when G² ≤ Np) and the Gram terms; two variants.
            let sigma_g = if x <= np {
                2.0 * x * x * u
            } else {
                4.0 * x * np * u
            };
            let gram = match c.coupling {
                Coupling::Full => 4.0 * x * u * u,
                Coupling::Single => 4.0 * x * u,
            };
            flops += 2.0 * c.lagrangian_iters as f64 * (sigma_g + gram);
        }
        Ok(Estimate::new(
            memory,
            Size::of("units", c.units as u64)
                .times("score-bins", (c.score_bins * c.score_bins * 60) as u64)?,
            flops,
            4e9,
            "units/iters/lagrangian-iters/lattice/grid",
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

/// The registry's tiers: quick = 32 units on 20 × 20 positions (scored as they are), 200
/// iterations of each form; default and full = the defaults.
pub fn tier(t: crate::experiment::registry::Tier) -> PatternConfig {
    let mut c = PatternConfig::default();
    if t == crate::experiment::registry::Tier::Quick {
        c.units = 32;
        c.grid = 20;
        c.iters = 200;
        c.lagrangian_iters = 200;
    }
    c
}
