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
//! iteration starts from; Gaussian w for the unconstrained form); units above its p99 are counted.

use engram_core::rng::{Rng, key_str};
use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile, uniform_centres};
use faer::{Accum, Mat, Par, Side};
use serde::{Deserialize, Serialize};

use super::grid::heatmap::{Panel, draw_maps};
use super::grid::null::{count_above, median, percentile};
use super::grid::synthetic::{hexagonal, noise, square};
use super::grid::{GridScorer, NanPolicy, UnitScore, score_map};
use crate::experiment::plot::{Figure, Marker, Series, VLine, draw_grid};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, positive,
};

/// Parameters: the flags of `engram rnn pattern-formation` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct PatternConfig {
    /// Units (readouts) per variant.
    #[arg(long, default_value_t = 64)]
    pub units: usize,
    /// Place-cell centres per side of the periodic lattice.
    #[arg(long, default_value_t = 23)]
    pub lattice: usize,
    /// Place cells of the walled-box variant (uniform random centres, as the RNN's).
    #[arg(long, default_value_t = 512)]
    pub random_cells: usize,
    /// Map resolution G (positions per side).
    #[arg(long, default_value_t = 40)]
    pub grid: usize,
    /// Scoring resolution S (G must be a multiple of S).
    #[arg(long, default_value_t = 20)]
    pub score_bins: usize,
    /// Box side L (m).
    #[arg(long = "box", default_value_t = 2.2)]
    pub box_size: f64,
    /// Place-cell width σ (m).
    #[arg(long, default_value_t = 0.12)]
    pub sigma: f64,
    /// Surround scale of the difference of softmaxes.
    #[arg(long, default_value_t = 2.0)]
    pub surround: f64,
    /// Projected power iterations.
    #[arg(long, default_value_t = 400)]
    pub iters: usize,
    /// Step η in units of 1/λ₁.
    #[arg(long, default_value_t = 1.0)]
    pub step: f64,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl Default for PatternConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for PatternConfig {}

impl PatternConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        at_least("units", self.units, 1)?;
        at_most("units", self.units, 4096)?;
        at_least("lattice", self.lattice, 4)?;
        at_most("lattice", self.lattice, 64)?;
        at_least("random-cells", self.random_cells, 4)?;
        at_most("random-cells", self.random_cells, 4096)?;
        at_least("score-bins", self.score_bins, 4)?;
        at_most("grid", self.grid, 200)?;
        if !self.grid.is_multiple_of(self.score_bins) {
            return Err(bad("grid", "must be a multiple of --score-bins"));
        }
        positive("box", self.box_size)?;
        positive("sigma", self.sigma)?;
        positive("surround", self.surround)?;
        positive("step", self.step)?;
        at_most("iters", self.iters, 1_000_000)?;
        if self.units > self.lattice * self.lattice || self.units > self.random_cells {
            return Err(bad("units", "must not exceed the number of place cells"));
        }
        Ok(())
    }
}

/// The three set-ups, side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// Non-negative readout, periodic lattice of centres.
    NonNegative,
    /// Unconstrained principal components, periodic lattice.
    Unconstrained,
    /// Non-negative readout, walled box, random centres (the RNN's covariance).
    WalledRandom,
}

impl Variant {
    /// All, in report order.
    pub const ALL: [Variant; 3] = [
        Variant::NonNegative,
        Variant::Unconstrained,
        Variant::WalledRandom,
    ];

    /// Name in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Variant::NonNegative => "non-negative",
            Variant::Unconstrained => "unconstrained",
            Variant::WalledRandom => "walled-random",
        }
    }
}

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

/// Bin centres of a G-grid over the box, (x, y) with y = row.
fn positions(cfg: &PatternConfig) -> Vec<f64> {
    let g = cfg.grid;
    let l = cfg.box_size;
    let c = |i: usize| (i as f64 + 0.5) / g as f64 * l - l / 2.0;
    (0..g * g).flat_map(|i| [c(i % g), c(i / g)]).collect()
}

/// The centred place-cell code Pᶜ (G² × Np) of a variant.
fn centred_code(cfg: &PatternConfig, v: Variant) -> anyhow::Result<Mat<f64>> {
    let l = cfg.box_size;
    let (centres, periodic) = match v {
        Variant::NonNegative | Variant::Unconstrained => {
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

fn normalise_columns(w: &mut Mat<f64>) {
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
fn initial(cfg: &PatternConfig, v: Variant, np: usize) -> Mat<f64> {
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
fn top_eigenvalue(c: &Mat<f64>) -> f64 {
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

/// Maps g = Pᶜw of every unit, block-averaged to S × S (rows = y).
fn maps(cfg: &PatternConfig, p: &Mat<f64>, w: &Mat<f64>) -> Vec<Vec<f64>> {
    let mut g = Mat::<f64>::zeros(p.nrows(), w.ncols());
    faer::linalg::matmul::matmul(
        g.as_mut(),
        Accum::Replace,
        p.as_ref(),
        w.as_ref(),
        1.0,
        Par::Seq,
    );
    let (gs, s) = (cfg.grid, cfg.score_bins);
    let f = gs / s;
    (0..w.ncols())
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

/// The synthetic-map checks of the scorer (ideal hexagonal and square lattices, white noise).
pub fn synthetic_checks(seed: u64) -> Vec<Check> {
    let n = 20;
    let scorer = GridScorer::new(n);
    let sc = |m: &[f64]| scorer.score(m, NanPolicy::Zero).ok();
    let hex: Vec<f64> = [(5.0, 0.0), (7.0, 13.0), (10.0, 27.0)]
        .iter()
        .filter_map(|&(p, a)| sc(&hexagonal(n, p, a, [0.3, 1.1, 2.0])).map(|s| s.score60_mean))
        .collect();
    let sq: Vec<(f64, f64)> = [(6.0, 0.0), (8.0, 20.0)]
        .iter()
        .filter_map(|&(p, a)| sc(&square(n, p, a, [0.4, 1.3])).map(|s| (s.score60_mean, s.score90)))
        .collect();
    let noise60: Vec<f64> = (0..64)
        .filter_map(|i| {
            let mut rng = Rng::keyed(seed, &[key_str("engram/rnn/grid/noise/v1"), i]);
            sc(&noise(n, &mut rng)).map(|s| s.score60_mean)
        })
        .collect();
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    vec![
        Check::new(
            "ideal hexagonal lattice: min score60 (3 periods)",
            Some(min(&hex)),
        )
        .rule("> 1", |v| v > 1.0),
        Check::new(
            "square lattice: max score60",
            Some(max(&sq.iter().map(|s| s.0).collect::<Vec<_>>())),
        )
        .rule("< 0", |v| v < 0.0),
        Check::new(
            "square lattice: min score90",
            Some(min(&sq.iter().map(|s| s.1).collect::<Vec<_>>())),
        )
        .rule("> 1", |v| v > 1.0),
        Check::new(
            "white noise: mean score60 (64 maps)",
            Some(noise60.iter().sum::<f64>() / noise60.len().max(1) as f64),
        )
        .rule("< 0.15", |v| v < 0.15),
    ]
}

/// The checks of one variant's units (see the module documentation).
pub fn variant_checks(r: &PatternResult) -> Vec<Check> {
    let s60: Vec<f64> = r.units.iter().map(|u| u.score60).collect();
    let s90: Vec<f64> = r.units.iter().map(|u| u.score90).collect();
    let n = s60.len().max(1) as f64;
    let name = r.variant.name();
    match r.variant {
        Variant::NonNegative => vec![
            Check::new("median score60", Some(median(&s60)))
                .at(name)
                .rule("> 0.5", |v| v > 0.5),
            Check::new(
                "fraction of units with score60 > 0.8",
                Some(count_above(&s60, 0.8) as f64 / n),
            )
            .at(name)
            .at_least(0.25),
        ],
        Variant::Unconstrained => {
            let (m60, m90) = (median(&s60), median(&s90));
            vec![
                Check::new("median score60", Some(m60))
                    .at(name)
                    .rule("< 0.3", |v| v < 0.3),
                Check::new("median score90 − median score60", Some(m90 - m60))
                    .at(name)
                    .rule("> 0", |v| v > 0.0),
            ]
        }
        Variant::WalledRandom => vec![
            Check::new("median score60", Some(median(&s60)))
                .at(name)
                .not_applicable("reported, not checked: the RNN's walled random-centre covariance"),
        ],
    }
}

const HEADER: [&str; 9] = [
    "variant",
    "unit",
    "score60_mean",
    "score60_minmax",
    "score90",
    "spacing_m",
    "orientation_deg",
    "null_score60",
    "above_null_p99",
];

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
        let mut rows = Vec::new();
        for d in done {
            let r = d.output;
            let p99 = percentile(&r.null60, 99.0);
            for (u, s) in r.units.iter().enumerate() {
                rows.push(vec![
                    r.variant.name().to_owned(),
                    u.to_string(),
                    s.score60.to_string(),
                    s.score60_minmax.to_string(),
                    s.score90.to_string(),
                    s.spacing.to_string(),
                    s.orientation.to_string(),
                    r.null60.get(u).copied().unwrap_or(f64::NAN).to_string(),
                    (s.score60 > p99).to_string(),
                ]);
            }
        }
        out.write_csv("scores.csv", &HEADER, &rows)?;
        let mut files = Files {
            data: vec!["scores.csv".to_owned()],
            plots: Vec::new(),
        };
        if done.is_empty() {
            return Ok(files);
        }
        let n = self.cfg.score_bins;
        let mut panels = Vec::new();
        for d in done {
            let r = d.output;
            let mut order: Vec<usize> = (0..r.units.len()).collect();
            order.sort_by(|&a, &b| r.units[b].score60.total_cmp(&r.units[a].score60));
            // The best four and the median unit of each variant, honestly labelled.
            let pick: Vec<usize> = order
                .iter()
                .take(4)
                .copied()
                .chain(order.get(order.len() / 2).copied())
                .collect();
            for (k, &u) in pick.iter().enumerate() {
                let s = r.units[u];
                panels.push(Panel {
                    caption: format!(
                        "{}{} #{u}: g60 {:.2} g90 {:.2}",
                        r.variant.name(),
                        if k == 4 { " (median)" } else { "" },
                        s.score60,
                        s.score90
                    ),
                    n,
                    values: r.maps[u].clone(),
                });
            }
        }
        draw_maps(
            out,
            "maps.svg",
            "pattern formation: top 4 units and the median unit of each variant (rows)",
            &panels,
            5,
            220,
        )?;
        let figs: Vec<Figure> = done.iter().map(|d| histogram_figure(d.output)).collect();
        draw_grid(
            out,
            "scores.svg",
            Some("score60: units vs the readouts at initialisation"),
            &figs,
            (420, 320),
        )?;
        files.plots = vec!["maps.svg".to_owned(), "scores.svg".to_owned()];
        Ok(files)
    }
}

/// Histogram (as a step line) of the units' score60 against the null's, with the null's p99.
fn histogram_figure(r: &PatternResult) -> Figure {
    let s60: Vec<f64> = r.units.iter().map(|u| u.score60).collect();
    let p99 = percentile(&r.null60, 99.0);
    Figure {
        title: format!(
            "{}: {} of {} above null p99",
            r.variant.name(),
            count_above(&s60, p99),
            s60.len()
        ),
        x_desc: "score60".to_owned(),
        y_desc: "units".to_owned(),
        log_x: false,
        log_y: false,
        y_range: None,
        legend_upper: true,
        legend_right: false,
        series: vec![
            histogram_series("units", &s60, 0, false),
            histogram_series("initialisation (null)", &r.null60, 1, true),
        ],
        vlines: vec![VLine {
            x: p99,
            label: format!("null p99 = {p99:.2}"),
            color: 1,
        }],
    }
}

/// A histogram of `xs` over [−1, 2] in bins of 0.1, as (bin centre, count) points.
pub fn histogram_series(label: &str, xs: &[f64], color: usize, dashed: bool) -> Series {
    let (lo, w, bins) = (-1.0, 0.1, 30usize);
    let mut counts = vec![0usize; bins];
    for &x in xs.iter().filter(|x| x.is_finite()) {
        let b = (((x - lo) / w).floor().max(0.0) as usize).min(bins - 1);
        counts[b] += 1;
    }
    Series {
        label: label.to_owned(),
        points: counts
            .iter()
            .enumerate()
            .map(|(b, &c)| (lo + (b as f64 + 0.5) * w, c as f64))
            .collect(),
        color,
        dashed,
        marker: if dashed {
            Marker::None
        } else {
            Marker::SparseCircle
        },
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
