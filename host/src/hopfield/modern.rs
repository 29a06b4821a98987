//! `engram hopfield modern`: the continuous modern Hopfield network (Ramsauer et al., "Hopfield
//! Networks is All You Need", 2020; docs/hopfield.md), ξ ← Xᵀ softmax(β X ξ).
//!
//! M random unit-norm patterns in R^d (or patterns from a blob file); each query is a stored pattern
//! plus a Gaussian noise vector of norm exactly `noise`. For each β: one update (retrieved if the
//! cosine to the cued pattern exceeds 0.99) and the iteration to a fixed point (‖Δξ‖ < tol), whose
//! participation ratio 1/Σ_μ p_μ² counts the patterns it averages.
//!
//! Checks: at β = 16 one update retrieves ≥ 99 % of the queries; at β = 2 every fixed point is a
//! metastable mixture with participation ratio > M/10 (≈ 100 at the default M = 1024).
//!
//! β is checked against the data before anything runs: |β·xᵀξ| must stay below f32::MAX/4 for
//! every pattern x and state ξ (see [`check_beta`]), so an overflowing β is refused naming `beta`.
//!
//! Stream: `Rng::keyed(seed, [key_str("engram/hopfield/modern/v1"), d, M, B])`: the patterns
//! (normal rows, normalised), then per query its target (`below(M)`) and noise direction.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use engram_core::hopfield::{ModernHopfield, normalize, normalize_rows};
use engram_core::rng::{Rng, key_str};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::num;
use super::retrieval::{Batched, RowInfo};
pub use crate::experiment::Kernel;
use crate::experiment::plot::{Figure, Marker, Series, draw};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, distinct, non_empty, non_negative, positive,
};

/// The pattern dimension when neither `--dim` nor `--patterns-file` gives one.
pub const DEFAULT_DIM: usize = 64;
/// Largest dimension d.
pub const MAX_DIM: usize = 1 << 16;
/// Largest M (and B).
pub const MAX_PATTERNS: usize = 1 << 24;
/// Largest M·d and B·d (f32 elements: 1 GiB each).
pub const MAX_ELEMENTS: usize = 1 << 28;
/// Largest iteration limit.
pub const MAX_ITER: usize = 1 << 20;
/// Largest patterns file read.
pub const MAX_PATTERNS_BYTES: u64 = 1 << 30;
/// Largest |β·xᵀξ| accepted: the logits and their differences z_μ − z_max (up to twice this) stay
/// finite in `f32`, with a factor 2 to spare for rounding.
pub const MAX_LOGIT: f64 = f32::MAX as f64 / 4.0;

/// Parameters of the β sweep: the flags of `engram hopfield modern` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ModernConfig {
    /// Pattern dimension d [default: 64, or the row length of --patterns-file].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dim: Option<usize>,
    /// Stored patterns M (ignored with --patterns-file).
    #[arg(long, default_value_t = 1024)]
    pub patterns: usize,
    /// Queries.
    #[arg(long, default_value_t = 1024)]
    pub queries: usize,
    /// Norm of the Gaussian noise added to a stored pattern to make a query.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub noise: f64,
    /// Inverse temperatures β (list).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.5,1,2,4,8,16,32"
    )]
    pub beta: Vec<f64>,
    /// β of the one-step retrieval check (one of --beta).
    #[arg(long, default_value_t = 16.0, allow_negative_numbers = true)]
    pub retrieve_beta: f64,
    /// β of the metastable-mixture check (one of --beta).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub mix_beta: f64,
    /// Fixed point: iterate until ‖Δξ‖ < tol.
    #[arg(long, default_value_t = 1e-5, allow_negative_numbers = true)]
    pub tol: f64,
    /// Iteration limit of the fixed-point search.
    #[arg(long, default_value_t = 200)]
    pub max_iter: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Implementation.
    #[arg(long, value_enum, default_value_t = Kernel::Host)]
    pub kernel: Kernel,
    /// Stored patterns from a blob file (an f32 tensor [M, d]) instead of random unit vectors.
    #[arg(long, value_name = "BLOB")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patterns_file: Option<PathBuf>,
    /// Name of the patterns tensor in --patterns-file.
    #[arg(long, default_value = "patterns")]
    pub tensor: String,
}

impl Default for ModernConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for ModernConfig {}

/// Cosine above which a query counts as retrieved.
pub const COS_RETRIEVED: f64 = 0.99;
/// Fraction of queries that must be retrieved at `retrieve_beta`.
pub const RETRIEVE_MIN: f64 = 0.99;
/// A fixed point is a metastable mixture when its participation ratio exceeds this fraction of M
/// (≈ 100 at the default M = 1024; near M itself for a uniform average).
pub const PR_MIXTURE_FRACTION: f64 = 0.1;

impl ModernConfig {
    /// Checks every field (the patterns file is read, and β checked against the data, in
    /// [`Modern::new`]); the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(d) = self.dim {
            at_least("dim", d, 1)?;
            at_most("dim", d, MAX_DIM)?;
        }
        at_least("patterns", self.patterns, 1)?;
        at_most("patterns", self.patterns, MAX_PATTERNS)?;
        at_least("queries", self.queries, 1)?;
        at_most("queries", self.queries, MAX_PATTERNS)?;
        at_least("max-iter", self.max_iter, 1)?;
        at_most("max-iter", self.max_iter, MAX_ITER)?;
        non_negative("noise", self.noise)?;
        non_empty("beta", &self.beta)?;
        for &b in &self.beta {
            positive("beta", b)?;
        }
        distinct("beta", &self.beta)?;
        positive("retrieve-beta", self.retrieve_beta)?;
        positive("mix-beta", self.mix_beta)?;
        positive("tol", self.tol)?;
        for (f, b) in [
            ("retrieve-beta", self.retrieve_beta),
            ("mix-beta", self.mix_beta),
        ] {
            if !self.beta.contains(&b) {
                return Err(bad(f, format!("{b} is not one of --beta {:?}", self.beta)));
            }
        }
        if self.tensor.is_empty() {
            return Err(bad("tensor", "needs a name"));
        }
        if self.patterns_file.is_none() {
            let d = self.dim.unwrap_or(DEFAULT_DIM);
            for (f, k) in [("patterns", self.patterns), ("queries", self.queries)] {
                if k.saturating_mul(d) > MAX_ELEMENTS {
                    return Err(bad(
                        format!("{f}/dim"),
                        format!(
                            "{k} × {d} is above the supported maximum of {MAX_ELEMENTS} elements"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Reads an f32 (or f64) tensor of shape [M, d] from a blob file: the patterns, row by row.
///
/// Errors (one line, naming the file): unreadable file, larger than [`MAX_PATTERNS_BYTES`] (read
/// at most that much, so `/dev/zero` or a FIFO cannot exhaust memory), bad blob (magic, version,
/// checksum, …), missing tensor, rank ≠ 2, another dtype, an empty pattern set, a NaN or infinite
/// entry.
pub fn read_patterns(path: &Path, tensor: &str) -> anyhow::Result<(Vec<f32>, usize, usize)> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("patterns: reading {}", path.display()))?;
    if let Ok(meta) = f.metadata()
        && meta.is_file()
        && meta.len() > MAX_PATTERNS_BYTES
    {
        bail!(
            "patterns {}: {} bytes is larger than the supported {MAX_PATTERNS_BYTES}",
            path.display(),
            meta.len()
        );
    }
    let mut bytes = Vec::new();
    f.take(MAX_PATTERNS_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("patterns: reading {}", path.display()))?;
    if bytes.len() as u64 > MAX_PATTERNS_BYTES {
        bail!(
            "patterns {}: larger than the supported {MAX_PATTERNS_BYTES} bytes",
            path.display()
        );
    }
    // Parse from a 16-byte aligned copy so the typed views are aligned.
    let mut buf = vec![0u128; bytes.len().div_ceil(16)];
    let aligned: &mut [u8] = bytemuck::cast_slice_mut(&mut buf);
    aligned[..bytes.len()].copy_from_slice(&bytes);
    let what = || format!("patterns {}", path.display());
    let blob = engram_core::blob::Blob::parse(&aligned[..bytes.len()])
        .map_err(|e| anyhow::anyhow!("{}: not a valid blob: {e}", what()))?;
    let t = blob
        .get(tensor)
        .map_err(|e| anyhow::anyhow!("{}: tensor {tensor:?}: {e}", what()))?;
    let [m, d] = *t.shape() else {
        bail!(
            "{}: tensor {tensor:?} has rank {}, expected 2 ([M, d])",
            what(),
            t.rank()
        );
    };
    let data: Vec<f32> = match (t.as_f32(), t.as_f64()) {
        (Ok(v), _) => v.to_vec(),
        (_, Ok(v)) => v.iter().map(|&x| x as f32).collect(),
        _ => bail!(
            "{}: tensor {tensor:?} is {:?}, expected f32 or f64",
            what(),
            t.dtype()
        ),
    };
    if m == 0 || d == 0 {
        bail!("{}: empty pattern set (shape [{m}, {d}])", what());
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        bail!(
            "{}: pattern {} has a NaN or infinite entry at {}",
            what(),
            i / d,
            i % d
        );
    }
    Ok((data, m, d))
}

/// What one β measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// β.
    pub beta: f64,
    /// Fraction of queries with cosine > 0.99 to their target after one update.
    pub retrieved: f64,
    /// Mean cosine after one update.
    pub cosine: f64,
    /// Mean participation ratio of the first update's weights.
    pub pr_one: f64,
    /// Mean participation ratio at the fixed point.
    pub pr_fixed: f64,
    /// Smallest participation ratio at the fixed point.
    pub pr_fixed_min: f64,
    /// Fraction of queries whose iteration converged within `max_iter`.
    pub converged: f64,
    /// Mean iterations to the fixed point.
    pub iters: f64,
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa * bb).sqrt().max(f64::MIN_POSITIVE)
}

/// One update and the fixed-point iteration for every query: (first update, its Σp², fixed-point
/// Σp², iterations, converged); `None` when `stopped()` turned true between iterations.
type Stepped = (Vec<f32>, Vec<f64>, Vec<f64>, Vec<usize>, Vec<bool>);

/// One query's (first update, its Σp², fixed-point Σp², iterations, converged).
type OneQuery = (Vec<f32>, f64, f64, usize, bool);

fn iterate(
    cfg: &ModernConfig,
    x: &[f32],
    m: usize,
    d: usize,
    beta: f32,
    q: &[f32],
    stopped: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<Option<Stepped>> {
    let b = q.len() / d;
    match cfg.kernel {
        Kernel::Host => {
            let net = Batched::modern(x, m, d, beta)?;
            let mut info = vec![RowInfo::default(); b];
            let mut first = vec![0.0f32; q.len()];
            net.step(q, &mut first, &mut info)?;
            finite_update(beta, &first)?;
            let sq1: Vec<f64> = info.iter().map(|i| i.sum_p2).collect();
            let (mut cur, mut next) = (first.clone(), vec![0.0f32; q.len()]);
            let mut iters = vec![1usize; b];
            let mut done: Vec<bool> = q
                .chunks_exact(d)
                .zip(cur.chunks_exact(d))
                .map(|(a, c)| dist(a, c) < cfg.tol)
                .collect();
            let mut sq = sq1.clone();
            for _ in 1..cfg.max_iter {
                if done.iter().all(|&x| x) {
                    break;
                }
                if stopped() {
                    return Ok(None);
                }
                net.step(&cur, &mut next, &mut info)?;
                finite_update(beta, &next)?;
                for r in 0..b {
                    if !done[r] {
                        iters[r] += 1;
                        sq[r] = info[r].sum_p2;
                        done[r] =
                            dist(&cur[r * d..(r + 1) * d], &next[r * d..(r + 1) * d]) < cfg.tol;
                    }
                }
                std::mem::swap(&mut cur, &mut next);
            }
            Ok(Some((first, sq1, sq, iters, done)))
        }
        Kernel::Core => {
            let net = ModernHopfield::new(x, m, d, beta)?;
            let per: Vec<Option<OneQuery>> = q
                .par_chunks(d)
                .map(|xi| -> anyhow::Result<_> {
                    if stopped() {
                        return Ok(None);
                    }
                    let (mut p, mut a, mut o) = (vec![0.0f32; m], xi.to_vec(), vec![0.0f32; d]);
                    net.update(&a, &mut o, &mut p)?;
                    finite_update(beta, &o)?;
                    let sq1 = sum_sq(&p);
                    let first = o.clone();
                    let (mut it, mut sq, mut ok) = (1, sq1, dist(&a, &o) < cfg.tol);
                    while !ok && it < cfg.max_iter {
                        a.copy_from_slice(&o);
                        net.update(&a, &mut o, &mut p)?;
                        finite_update(beta, &o)?;
                        it += 1;
                        sq = sum_sq(&p);
                        ok = dist(&a, &o) < cfg.tol;
                    }
                    Ok(Some((first, sq1, sq, it, ok)))
                })
                .collect::<anyhow::Result<_>>()?;
            let Some(per): Option<Vec<_>> = per.into_iter().collect() else {
                return Ok(None);
            };
            Ok(Some((
                per.iter().flat_map(|r| r.0.iter().copied()).collect(),
                per.iter().map(|r| r.1).collect(),
                per.iter().map(|r| r.2).collect(),
                per.iter().map(|r| r.3).collect(),
                per.iter().map(|r| r.4).collect(),
            )))
        }
    }
}

/// An update must stay finite; β is validated against the data in [`Modern::new`] so that it does,
/// and this names β (not the next step's input) should it not.
fn finite_update(beta: f32, out: &[f32]) -> anyhow::Result<()> {
    if out.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        bail!("beta: the update at β = {beta} is not finite (the logits β·xᵀξ overflow f32)")
    }
}

fn sum_sq(p: &[f32]) -> f64 {
    p.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

fn dist(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Patterns (M × d) and queries (B × d) with the index of each query's target pattern.
pub type Setup = (Vec<f32>, usize, usize, Vec<f32>, Vec<usize>);

/// The patterns (random or from the file) and the queries with their targets.
pub fn setup(cfg: &ModernConfig) -> anyhow::Result<Setup> {
    let (x, m, d) = match &cfg.patterns_file {
        Some(f) => {
            let (x, m, d) = read_patterns(f, &cfg.tensor)?;
            if let Some(want) = cfg.dim
                && want != d
            {
                bail!(
                    "patterns {}: rows have length {d}, but --dim is {want}",
                    f.display()
                );
            }
            if cfg.queries.saturating_mul(d) > MAX_ELEMENTS {
                bail!(
                    "queries: {} × d = {d} is above the supported maximum of {MAX_ELEMENTS} \
                     elements",
                    cfg.queries
                );
            }
            (x, m, d)
        }
        None => (Vec::new(), cfg.patterns, cfg.dim.unwrap_or(DEFAULT_DIM)),
    };
    let key = [
        key_str("engram/hopfield/modern/v1"),
        d as u64,
        m as u64,
        cfg.queries as u64,
    ];
    let mut rng = Rng::keyed(cfg.seed, &key);
    let x = if x.is_empty() {
        let mut x = vec![0.0f32; m * d];
        rng.fill_normal(&mut x);
        normalize_rows(&mut x, m, d)?;
        x
    } else {
        x
    };
    let mut q = vec![0.0f32; cfg.queries * d];
    let mut targets = Vec::with_capacity(cfg.queries);
    let mut noise = vec![0.0f32; d];
    for row in q.chunks_exact_mut(d) {
        let t = rng.below(m as u64) as usize;
        targets.push(t);
        rng.fill_normal(&mut noise);
        normalize(&mut noise)?;
        for (v, (&xt, &e)) in row.iter_mut().zip(x[t * d..(t + 1) * d].iter().zip(&noise)) {
            *v = xt + cfg.noise as f32 * e;
        }
    }
    Ok((x, m, d, q, targets))
}

/// Largest Euclidean norm of the rows of `v` (d columns), in f64.
fn max_norm(v: &[f32], d: usize) -> f64 {
    v.chunks_exact(d)
        .map(|r| {
            r.iter()
                .map(|&x| f64::from(x) * f64::from(x))
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max)
}

/// β must keep every logit finite: |β·xᵀξ| ≤ β·max‖x_μ‖·max‖ξ‖ ≤ [`MAX_LOGIT`], where ξ is a query
/// or an update (a convex combination of patterns, so ‖ξ‖ ≤ max‖x_μ‖).
pub fn check_beta(beta: &[f64], x: &[f32], q: &[f32], d: usize) -> Result<(), ConfigError> {
    let rx = max_norm(x, d);
    let rq = max_norm(q, d).max(rx);
    let scale = rx * rq;
    for &b in beta {
        if b * scale > MAX_LOGIT || !(b * scale).is_finite() {
            let shown = if b.abs() >= 1e6 {
                format!("{b:e}")
            } else {
                format!("{b}")
            };
            return Err(bad(
                "beta",
                format!(
                    "{shown} makes the logits β·xᵀξ overflow f32: |β·xᵀξ| reaches {:.3e} (patterns of \
                     norm ≤ {rx:.4}, queries of norm ≤ {rq:.4}), above {MAX_LOGIT:.3e}; use \
                     beta ≤ {:.3e}",
                    b * scale,
                    MAX_LOGIT / scale
                ),
            ));
        }
    }
    Ok(())
}

/// The participation ratio above which a fixed point counts as a mixture of M patterns.
pub fn pr_mixture(m: usize) -> f64 {
    PR_MIXTURE_FRACTION * m as f64
}

/// The two checks: one-step retrieval at `retrieve-beta`, a metastable mixture of more than
/// [`PR_MIXTURE_FRACTION`]·M patterns at `mix-beta`.
pub fn checks(cfg: &ModernConfig, m: usize, results: &[&PointResult]) -> Vec<Check> {
    let find = |b: f64| results.iter().find(|r| r.beta == b);
    let retrieve = Check::new(
        format!(
            "fraction retrieved (cos > {COS_RETRIEVED}) after one update, β = {}",
            cfg.retrieve_beta
        ),
        find(cfg.retrieve_beta).map(|r| r.retrieved),
    )
    .theory(1.0)
    .at_least(RETRIEVE_MIN);
    let limit = pr_mixture(m);
    let r = find(cfg.mix_beta);
    let mut mix = Check::new(
        format!(
            "smallest participation ratio at the fixed point, β = {} (a mixture: > {}·M = {limit}, \
             M = {m})",
            cfg.mix_beta, PR_MIXTURE_FRACTION
        ),
        r.map(|r| r.pr_fixed_min),
    )
    .rule(format!("> {limit}"), |v| v > limit);
    if let Some(r) = r
        && r.converged < 1.0
    {
        mix = mix.failed(
            format!("> {limit}"),
            format!(
                "{:.1} % of the queries did not reach a fixed point within max-iter = {}",
                (1.0 - r.converged) * 100.0,
                cfg.max_iter
            ),
        );
    }
    vec![retrieve, mix]
}

/// The CSV columns.
pub const HEADER: [&str; 8] = [
    "beta",
    "retrieved_fraction",
    "mean_cosine",
    "mean_pr_one_step",
    "mean_pr_fixed",
    "min_pr_fixed",
    "converged_fraction",
    "mean_iterations",
];

/// The β sweep as an [`Experiment`]: the patterns and queries are made (or read) once, in
/// [`new`](Experiment::new), and shared by every β; the configuration it keeps records the
/// effective `dim` and `patterns` (the file's shape, or the default d = 64).
#[derive(Debug, Clone)]
pub struct Modern {
    cfg: ModernConfig,
    x: Vec<f32>,
    m: usize,
    d: usize,
    q: Vec<f32>,
    targets: Vec<usize>,
}

impl Experiment for Modern {
    type Config = ModernConfig;
    type Point = f64;
    type Output = PointResult;

    const NAME: &'static str = "hopfield-modern";
    const TITLE: &'static str = "modern continuous network";
    const RESULTS: &'static str = "hopfield/modern";
    const UNIT: &'static str = "β values";

    fn new(cfg: ModernConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        let mut cfg = cfg;
        let (x, m, d, q, targets) = setup(&cfg)?;
        check_beta(&cfg.beta, &x, &q, d)?;
        // Record the effective d and M (from the file, or the default d).
        cfg.dim = Some(d);
        cfg.patterns = m;
        Ok(Modern {
            cfg,
            x,
            m,
            d,
            q,
            targets,
        })
    }

    fn config(&self) -> &ModernConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Modern Hopfield network (Ramsauer et al. 2020): ξ ← Xᵀ softmax(β X ξ), a CCCP step on \
         E = −lse(β, Xξ) + ½‖ξ‖². Large β retrieves a stored pattern in one update; small β \
         converges to a metastable average of many patterns."
            .to_owned()
    }

    fn kernels(&self) -> String {
        match self.cfg.kernel {
            Kernel::Host => {
                "host batched f32: faer GEMMs (runtime SIMD dispatch) + fused row softmax with a \
                 vectorised exp (pulp), row blocks of 256"
            }
            Kernel::Core => {
                "engram-core ModernHopfield<f32> reference (libm expf), one query per task"
            }
        }
        .to_owned()
    }

    fn points(&self) -> Vec<f64> {
        self.cfg.beta.clone()
    }

    fn label(&self, b: &f64) -> String {
        format!("β={b}")
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let (m, d, b) = (self.m as u64, self.d as u64, c.queries as u64);
        // Patterns; queries and three states per β in flight; a 256-row logit block per worker.
        let memory = Size::of("patterns", m)
            .times("dim", d)?
            .plus(Size::of("queries", b).times("dim", d)?.times("beta", 4)?)?
            .times("", 4)?
            .plus(
                Size::of("patterns", m)
                    .times("", 256 * 4)?
                    .times("", threads)?,
            )?;
        // Worst case: every query iterates max-iter times, two GEMMs of B·M·d each.
        let work = c.beta.len() as f64 * c.max_iter as f64 * 4.0 * (b * m * d) as f64;
        Ok(Estimate::new(
            memory,
            Size::of("beta", c.beta.len() as u64).times("", 200)?,
            work,
            4e9 * threads as f64,
            "beta/max-iter/queries/patterns/dim",
        ))
    }

    fn run_point(&self, &beta: &f64, ctx: &PointCtx<'_>) -> anyhow::Result<Option<PointResult>> {
        let (x, d, targets) = (&self.x, self.d, &self.targets);
        let stopped = || ctx.stopped();
        let Some((first, sq1, sq, iters, done)) =
            iterate(&self.cfg, x, self.m, d, beta as f32, &self.q, &stopped)?
        else {
            return Ok(None);
        };
        let b = targets.len() as f64;
        let cos: Vec<f64> = first
            .chunks_exact(d)
            .zip(targets)
            .map(|(o, &t)| cosine(o, &x[t * d..(t + 1) * d]))
            .collect();
        ctx.tick(1);
        Ok(Some(PointResult {
            beta,
            retrieved: cos.iter().filter(|&&c| c > COS_RETRIEVED).count() as f64 / b,
            cosine: cos.iter().sum::<f64>() / b,
            pr_one: sq1.iter().map(|s| 1.0 / s).sum::<f64>() / b,
            pr_fixed: sq.iter().map(|s| 1.0 / s).sum::<f64>() / b,
            pr_fixed_min: sq.iter().map(|s| 1.0 / s).fold(f64::INFINITY, f64::min),
            converged: done.iter().filter(|&&c| c).count() as f64 / b,
            iters: iters.iter().sum::<usize>() as f64 / b,
        }))
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let results: Vec<&PointResult> = done.iter().map(|d| d.output).collect();
        checks(&self.cfg, self.m, &results)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let results: Vec<&PointResult> = done.iter().map(|d| d.output).collect();
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|r| {
                [
                    r.beta,
                    r.retrieved,
                    r.cosine,
                    r.pr_one,
                    r.pr_fixed,
                    r.pr_fixed_min,
                    r.converged,
                    r.iters,
                ]
                .into_iter()
                .map(num)
                .collect()
            })
            .collect();
        out.write_csv("modern.csv", &HEADER, &rows)?;
        let mut files = Files {
            data: vec!["modern.csv".to_owned()],
            plots: Vec::new(),
        };
        if !results.is_empty() {
            self.plot(out, &results)?;
            files.plots = vec!["retrieval.svg".to_owned(), "participation.svg".to_owned()];
        }
        Ok(files)
    }
}

impl Modern {
    fn plot(&self, dir: &ResultsDir, results: &[&PointResult]) -> anyhow::Result<()> {
        let (m, d) = (self.m, self.d);
        let pts =
            |f: &dyn Fn(&PointResult) -> f64| results.iter().map(|r| (r.beta, f(r))).collect();
        let b0 = results.iter().map(|r| r.beta).fold(f64::INFINITY, f64::min);
        let b1 = results.iter().map(|r| r.beta).fold(0.0, f64::max);
        let solid = |label: String, points: Vec<(f64, f64)>, color: usize| Series {
            label,
            points,
            color,
            dashed: false,
            marker: Marker::Circle,
        };
        draw(
            dir,
            "retrieval.svg",
            &Figure {
                title: format!(
                    "one update from a stored pattern + noise of norm {} (d = {d}, M = {m})",
                    self.cfg.noise
                ),
                x_desc: "β".to_owned(),
                y_desc: "fraction / cosine".to_owned(),
                log_x: true,
                log_y: false,
                y_range: Some((-0.02, 1.02)),
                legend_upper: false,
                legend_right: false,
                series: vec![
                    solid(
                        format!("fraction with cos > {COS_RETRIEVED}"),
                        pts(&|r| r.retrieved),
                        0,
                    ),
                    solid(
                        "mean cosine to the target".to_owned(),
                        pts(&|r| r.cosine),
                        1,
                    ),
                ],
                vlines: Vec::new(),
            },
        )?;
        let limit = pr_mixture(m);
        draw(
            dir,
            "participation.svg",
            &Figure {
                title: "participation ratio 1/Σp² (patterns averaged)".to_owned(),
                x_desc: "β".to_owned(),
                y_desc: "log10 participation ratio".to_owned(),
                log_x: true,
                log_y: false,
                y_range: Some((-0.05, (m as f64).log10() + 0.1)),
                legend_upper: false,
                legend_right: false,
                series: vec![
                    solid("one update".to_owned(), pts(&|r| r.pr_one.log10()), 0),
                    solid("fixed point".to_owned(), pts(&|r| r.pr_fixed.log10()), 2),
                    Series {
                        label: format!("PR = {PR_MIXTURE_FRACTION}·M = {limit}"),
                        points: vec![(b0, limit.log10()), (b1, limit.log10())],
                        color: 7,
                        dashed: true,
                        marker: Marker::None,
                    },
                ],
                vlines: Vec::new(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_fields() {
        let d = ModernConfig::default;
        let field = |c: ModernConfig| c.validate().unwrap_err().field;
        assert_eq!(
            field(ModernConfig {
                beta: vec![1.0, 1.0],
                ..d()
            }),
            "beta"
        );
        assert_eq!(
            field(ModernConfig {
                mix_beta: 3.0,
                ..d()
            }),
            "mix-beta"
        );
        assert_eq!(
            field(ModernConfig {
                dim: Some(0),
                ..d()
            }),
            "dim"
        );
        assert_eq!(
            field(ModernConfig {
                queries: usize::MAX,
                ..d()
            }),
            "queries"
        );
        assert_eq!(
            field(ModernConfig {
                patterns: 1 << 20,
                dim: Some(1 << 16),
                ..d()
            }),
            "patterns/dim"
        );
    }

    /// β = 3e38 overflows the logits: refused up front, naming beta (it used to surface as
    /// "queries is not finite" from the second step's input check).
    #[test]
    fn overflowing_beta_is_refused_naming_beta() {
        let cfg = ModernConfig {
            dim: Some(8),
            patterns: 16,
            queries: 4,
            beta: vec![1.0, 2.0, 16.0, 3e38],
            ..ModernConfig::default()
        };
        let e = Modern::new(cfg).unwrap_err();
        let e = e.downcast_ref::<ConfigError>().unwrap();
        assert_eq!(e.field, "beta");
        assert!(e.why.starts_with("3e38 makes the logits"), "{}", e.why);
        // The largest accepted β still gives finite updates.
        let (x, _, d, q, _) = setup(&ModernConfig {
            dim: Some(8),
            patterns: 16,
            queries: 4,
            ..ModernConfig::default()
        })
        .unwrap();
        let top = MAX_LOGIT / (max_norm(&x, d) * max_norm(&q, d).max(max_norm(&x, d)));
        assert!(check_beta(&[top * 0.999], &x, &q, d).is_ok());
        let cfg = ModernConfig {
            beta: vec![top * 0.999],
            ..ModernConfig::default()
        };
        let never = || false;
        assert!(iterate(&cfg, &x, 16, d, (top * 0.999) as f32, &q, &never).is_ok());
    }

    #[test]
    fn mixture_threshold_follows_m() {
        let cfg = ModernConfig::default();
        let r = PointResult {
            beta: 2.0,
            retrieved: 0.0,
            cosine: 0.8,
            pr_one: 40.0,
            pr_fixed: 63.8,
            pr_fixed_min: 63.8,
            converged: 1.0,
            iters: 8.0,
        };
        // M = 64: a mixture of ~all 64 patterns passes (> 6.4), where the old fixed 100 failed.
        let c = checks(&cfg, 64, &[&r]);
        assert_eq!(c[1].verdict, crate::experiment::Verdict::Pass);
        assert_eq!(c[0].verdict, crate::experiment::Verdict::NotApplicable);
        let c = checks(&cfg, 1024, &[&r]);
        assert_eq!(c[1].verdict, crate::experiment::Verdict::Fail);
    }
}
