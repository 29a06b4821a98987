//! `engram hopfield modern`: the continuous modern Hopfield network (Ramsauer et al., "Hopfield
//! Networks is All You Need", 2020; papers.md §2), ξ ← Xᵀ softmax(β X ξ).
//!
//! M random unit-norm patterns in R^d (or patterns from a blob file); each query is a stored pattern
//! plus a Gaussian noise vector of norm exactly `noise`. For each β: one update (retrieved if the
//! cosine to the cued pattern exceeds 0.99) and the iteration to a fixed point (‖Δξ‖ < tol), whose
//! participation ratio 1/Σ_μ p_μ² counts the patterns it averages.
//!
//! Checks: at β = 16 one update retrieves ≥ 99 % of the queries; at β = 2 every fixed point is a
//! metastable mixture with participation ratio > 100.
//!
//! Stream: `Rng::keyed(seed, [key_str("engram/hopfield/modern/v1"), d, M, B])`: the patterns
//! (normal rows, normalised), then per query its target (`below(M)`) and noise direction.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use engram_core::hopfield::{ModernHopfield, normalize, normalize_rows};
use engram_core::rng::{Rng, key_str};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::capacity::Kernel;
use super::output::{
    Check, ConfigError, Outcome, Report, RunOptions, Verdict, at_least, bad, finish, num, positive,
    write_csv,
};
use super::plot::{Figure, Series, draw};
use super::retrieval::{Batched, RowInfo};

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ModernConfig {
    /// Pattern dimension d.
    pub dim: usize,
    /// Stored patterns M.
    pub patterns: usize,
    /// Queries B.
    pub queries: usize,
    /// Norm of the noise added to a stored pattern to make a query.
    pub noise: f64,
    /// β values swept.
    pub beta: Vec<f64>,
    /// β of the retrieval check.
    pub retrieve_beta: f64,
    /// β of the mixture check.
    pub mix_beta: f64,
    /// Fixed-point tolerance on ‖Δξ‖.
    pub tol: f64,
    /// Iteration limit of the fixed-point search.
    pub max_iter: usize,
    /// Master seed.
    pub seed: u64,
    /// Implementation.
    pub kernel: Kernel,
    /// Patterns from a blob file (an f32 tensor [M, d]) instead of random ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patterns_file: Option<String>,
    /// The tensor's name in the blob.
    pub tensor: String,
}

impl Default for ModernConfig {
    fn default() -> Self {
        Self {
            dim: 64,
            patterns: 1024,
            queries: 1024,
            noise: 0.5,
            beta: vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
            retrieve_beta: 16.0,
            mix_beta: 2.0,
            tol: 1e-5,
            max_iter: 200,
            seed: 0,
            kernel: Kernel::Host,
            patterns_file: None,
            tensor: "patterns".to_owned(),
        }
    }
}

/// Cosine above which a query counts as retrieved.
pub const COS_RETRIEVED: f64 = 0.99;
/// Fraction of queries that must be retrieved at `retrieve_beta`.
pub const RETRIEVE_MIN: f64 = 0.99;
/// Participation ratio above which a fixed point is a mixture.
pub const PR_MIXTURE: f64 = 100.0;

impl ModernConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("dim", self.dim, 1)?;
        at_least("patterns", self.patterns, 1)?;
        at_least("queries", self.queries, 1)?;
        at_least("max-iter", self.max_iter, 1)?;
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(bad(
                "noise",
                format!("{} must be finite and >= 0", self.noise),
            ));
        }
        if self.beta.is_empty() {
            return Err(bad("beta", "needs at least one value"));
        }
        for &b in &self.beta {
            positive("beta", b)?;
        }
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
        Ok(())
    }
}

/// Reads an f32 (or f64) tensor of shape [M, d] from a blob file: the patterns, row by row.
///
/// Errors (one line, naming the file): unreadable file, bad blob (magic, version, checksum, …),
/// missing tensor, rank ≠ 2, another dtype, an empty pattern set, a NaN or infinite entry.
pub fn read_patterns(path: &Path, tensor: &str) -> anyhow::Result<(Vec<f32>, usize, usize)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("patterns: reading {}", path.display()))?;
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
#[derive(Debug, Clone, Copy, PartialEq)]
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
/// Σp², iterations, converged).
type Stepped = (Vec<f32>, Vec<f64>, Vec<f64>, Vec<usize>, Vec<bool>);

fn iterate(
    cfg: &ModernConfig,
    x: &[f32],
    m: usize,
    d: usize,
    beta: f32,
    q: &[f32],
) -> anyhow::Result<Stepped> {
    let b = q.len() / d;
    match cfg.kernel {
        Kernel::Host => {
            let net = Batched::modern(x, m, d, beta)?;
            let mut info = vec![RowInfo::default(); b];
            let mut first = vec![0.0f32; q.len()];
            net.step(q, &mut first, &mut info)?;
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
                net.step(&cur, &mut next, &mut info)?;
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
            Ok((first, sq1, sq, iters, done))
        }
        Kernel::Core => {
            let net = ModernHopfield::new(x, m, d, beta)?;
            let per: Vec<(Vec<f32>, f64, f64, usize, bool)> = q
                .par_chunks(d)
                .map(|xi| -> anyhow::Result<_> {
                    let (mut p, mut a, mut o) = (vec![0.0f32; m], xi.to_vec(), vec![0.0f32; d]);
                    net.update(&a, &mut o, &mut p)?;
                    let sq1 = sum_sq(&p);
                    let first = o.clone();
                    let (mut it, mut sq, mut ok) = (1, sq1, dist(&a, &o) < cfg.tol);
                    while !ok && it < cfg.max_iter {
                        a.copy_from_slice(&o);
                        net.update(&a, &mut o, &mut p)?;
                        it += 1;
                        sq = sum_sq(&p);
                        ok = dist(&a, &o) < cfg.tol;
                    }
                    Ok((first, sq1, sq, it, ok))
                })
                .collect::<anyhow::Result<_>>()?;
            Ok((
                per.iter().flat_map(|r| r.0.iter().copied()).collect(),
                per.iter().map(|r| r.1).collect(),
                per.iter().map(|r| r.2).collect(),
                per.iter().map(|r| r.3).collect(),
                per.iter().map(|r| r.4).collect(),
            ))
        }
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
            let (x, m, d) = read_patterns(Path::new(f), &cfg.tensor)?;
            if d != cfg.dim {
                bail!(
                    "patterns {f}: rows have length {d}, but --dim is {}",
                    cfg.dim
                );
            }
            (x, m, d)
        }
        None => (Vec::new(), cfg.patterns, cfg.dim),
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

/// The two checks.
pub fn checks(cfg: &ModernConfig, results: &[PointResult]) -> Vec<Check> {
    let find = |b: f64| results.iter().find(|r| r.beta == b);
    let rw = format!(
        "fraction retrieved (cos > {COS_RETRIEVED}) after one update, β = {}",
        cfg.retrieve_beta
    );
    let mw = format!(
        "smallest participation ratio at the fixed point, β = {}",
        cfg.mix_beta
    );
    vec![
        match find(cfg.retrieve_beta) {
            Some(r) => Check {
                check: rw,
                measured: r.retrieved,
                theory: Some(1.0),
                tolerance: format!("≥ {RETRIEVE_MIN}"),
                verdict: Verdict::from_bool(r.retrieved >= RETRIEVE_MIN),
            },
            None => Check::missing(rw, Some(1.0), &format!("≥ {RETRIEVE_MIN}")),
        },
        match find(cfg.mix_beta) {
            Some(r) => Check {
                check: mw,
                measured: r.pr_fixed_min,
                theory: None,
                tolerance: format!("> {PR_MIXTURE}"),
                verdict: Verdict::from_bool(r.pr_fixed_min > PR_MIXTURE && r.converged == 1.0),
            },
            None => Check::missing(mw, None, &format!("> {PR_MIXTURE}")),
        },
    ]
}

/// Runs the β sweep into `opts.out`; Ctrl-C keeps the finished β values.
pub fn run(cfg: &ModernConfig, opts: &RunOptions, stop: &AtomicBool) -> anyhow::Result<Outcome> {
    cfg.validate()?;
    let (x, m, d, q, targets) = setup(cfg)?;
    let (config, provenance) = opts.begin(
        cfg,
        match cfg.kernel {
            Kernel::Host => {
                "host batched f32: faer GEMMs (runtime SIMD dispatch) + fused row softmax with a vectorised exp (pulp), row blocks of 256"
            }
            Kernel::Core => {
                "engram-core ModernHopfield<f32> reference (libm expf), one query per task"
            }
        },
    )?;
    let bar = opts.bar(cfg.beta.len() as u64, "β values");
    let pool = opts.pool()?;
    let mut results = Vec::new();
    for &beta in &cfg.beta {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (first, sq1, sq, iters, done) =
            pool.install(|| iterate(cfg, &x, m, d, beta as f32, &q))?;
        let b = targets.len() as f64;
        let cos: Vec<f64> = first
            .chunks_exact(d)
            .zip(&targets)
            .map(|(o, &t)| cosine(o, &x[t * d..(t + 1) * d]))
            .collect();
        results.push(PointResult {
            beta,
            retrieved: cos.iter().filter(|&&c| c > COS_RETRIEVED).count() as f64 / b,
            cosine: cos.iter().sum::<f64>() / b,
            pr_one: sq1.iter().map(|s| 1.0 / s).sum::<f64>() / b,
            pr_fixed: sq.iter().map(|s| 1.0 / s).sum::<f64>() / b,
            pr_fixed_min: sq.iter().map(|s| 1.0 / s).fold(f64::INFINITY, f64::min),
            converged: done.iter().filter(|&&c| c).count() as f64 / b,
            iters: iters.iter().sum::<usize>() as f64 / b,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
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
    write_csv(
        &opts.out.join("modern.csv"),
        &[
            "beta",
            "retrieved_fraction",
            "mean_cosine",
            "mean_pr_one_step",
            "mean_pr_fixed",
            "min_pr_fixed",
            "converged_fraction",
            "mean_iterations",
        ],
        &rows,
    )?;
    let mut plots = Vec::new();
    if !results.is_empty() {
        let pts =
            |f: &dyn Fn(&PointResult) -> f64| results.iter().map(|r| (r.beta, f(r))).collect();
        let (b0, b1) = (results[0].beta, results[results.len() - 1].beta);
        draw(
            &opts.out.join("retrieval.svg"),
            &Figure {
                title: format!(
                    "one update from a stored pattern + noise of norm {} (d = {d}, M = {m})",
                    cfg.noise
                ),
                x_desc: "β".to_owned(),
                y_desc: "fraction / cosine".to_owned(),
                log_x: true,
                y_range: Some((-0.02, 1.02)),
                legend_upper: false,
                series: vec![
                    Series {
                        label: format!("fraction with cos > {COS_RETRIEVED}"),
                        points: pts(&|r| r.retrieved),
                        color: 0,
                        dashed: false,
                    },
                    Series {
                        label: "mean cosine to the target".to_owned(),
                        points: pts(&|r| r.cosine),
                        color: 1,
                        dashed: false,
                    },
                ],
                vlines: Vec::new(),
            },
        )?;
        draw(
            &opts.out.join("participation.svg"),
            &Figure {
                title: "participation ratio 1/Σp² (patterns averaged)".to_owned(),
                x_desc: "β".to_owned(),
                y_desc: "log10 participation ratio".to_owned(),
                log_x: true,
                y_range: Some((-0.05, (m as f64).log10() + 0.1)),
                legend_upper: false,
                series: vec![
                    Series {
                        label: "one update".to_owned(),
                        points: pts(&|r| r.pr_one.log10()),
                        color: 0,
                        dashed: false,
                    },
                    Series {
                        label: "fixed point".to_owned(),
                        points: pts(&|r| r.pr_fixed.log10()),
                        color: 2,
                        dashed: false,
                    },
                    Series {
                        label: "PR = 100".to_owned(),
                        points: vec![(b0, 2.0), (b1, 2.0)],
                        color: 7,
                        dashed: true,
                    },
                ],
                vlines: Vec::new(),
            },
        )?;
        plots = vec!["retrieval.svg".to_owned(), "participation.svg".to_owned()];
    }
    let checks = checks(cfg, &results);
    finish(
        &opts.out,
        Report {
            experiment: "hopfield-modern",
            title: "modern continuous network",
            intro: "Modern Hopfield network (Ramsauer et al. 2020): ξ ← Xᵀ softmax(β X ξ), a CCCP \
                    step on E = −lse(β, Xξ) + ½‖ξ‖². Large β retrieves a stored pattern in one \
                    update; small β converges to a metastable average of many patterns.",
            config,
            points: (cfg.beta.len(), results.len()),
            interrupted: results.len() < cfg.beta.len(),
            provenance,
            plots,
            data: vec!["modern.csv".to_owned(), "config.toml".to_owned()],
        },
        checks,
    )
}
