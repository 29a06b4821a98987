//! `engram hopfield grow`: a growing memory (papers.md §2, "Growing memories") learning a stream
//! from a mixture of K well-separated Gaussians online.
//!
//! The mixture: K ≤ [`GROW_DIM`] components in R^[`GROW_DIM`] with means (s/√2)·e_k on distinct
//! coordinate axes, so *every pair of means is exactly s apart* (`separation`), and isotropic noise
//! of standard deviation `data-sigma`; each datum picks its component uniformly. The learner is the
//! core's [`GrowingMemory`] (Chinese-restaurant-process prior, hard MAP assignment): a datum joins
//! the memory with the largest N_k·N(x; ρ_k, σ²I) or creates one when α·N(x; μ₀=0, (σ²+σ₀²)I) wins.
//!
//! Checks: K ± 1 memories at the end of the stream in ≥ 90 % of seeds, and mean assignment purity
//! (each memory's majority component, Σ_k max_c n_kc / n) > 0.95.
//!
//! Stream of seed r: `Rng::keyed(seed, [key_str("engram/hopfield/grow/v1"), K, s, n, r])`: per datum
//! its component (`below(K)`), then D normal draws.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use engram_core::hopfield::{AssignRule, Assigned, CrpConfig, FullPolicy, GrowingMemory};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::output::{
    Check, ConfigError, Outcome, Report, RunOptions, Verdict, at_least, bad, finish, num,
    par_trials, positive, write_csv,
};
use super::plot::{Figure, Series, draw};

/// Dimension of the data (the core's memory is sized at compile time).
pub const GROW_DIM: usize = 16;
/// The largest `--capacity` (the core memory's compile-time bound).
pub const MAX_CAPACITY: usize = 64;

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GrowConfig {
    /// Mixture components K (≤ 16).
    pub k: usize,
    /// Distance s between any two component means.
    pub separation: f64,
    /// Standard deviation of the data around their mean.
    pub data_sigma: f64,
    /// Stream length per seed.
    pub n: usize,
    /// Independent streams.
    pub seeds: usize,
    /// CRP concentration α.
    pub alpha: f64,
    /// Model variance σ² of a datum around its memory.
    pub sigma2: f64,
    /// Prior variance σ₀² of a new memory's mean around 0.
    pub prior_var: f64,
    /// Most memories allowed (≤ 64); exceeding it is an error.
    pub capacity: usize,
    /// Master seed.
    pub seed: u64,
}

impl Default for GrowConfig {
    fn default() -> Self {
        Self {
            k: 8,
            separation: 10.0,
            data_sigma: 1.0,
            n: 2000,
            seeds: 50,
            alpha: 1.0,
            sigma2: 1.0,
            prior_var: 25.0,
            capacity: 64,
            seed: 0,
        }
    }
}

/// Fraction of seeds that must end with K ± 1 memories.
pub const SEEDS_MIN: f64 = 0.9;
/// Minimum mean purity.
pub const PURITY_MIN: f64 = 0.95;

impl GrowConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("k", self.k, 1)?;
        if self.k > GROW_DIM {
            return Err(bad(
                "k",
                format!(
                    "{} is more than the {GROW_DIM} axes the means sit on",
                    self.k
                ),
            ));
        }
        positive("separation", self.separation)?;
        positive("data-sigma", self.data_sigma)?;
        at_least("n", self.n, 1)?;
        at_least("seeds", self.seeds, 1)?;
        positive("alpha", self.alpha)?;
        positive("sigma2", self.sigma2)?;
        if !(self.prior_var.is_finite() && self.prior_var >= 0.0) {
            return Err(bad(
                "prior-var",
                format!("{} must be finite and >= 0", self.prior_var),
            ));
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            return Err(bad(
                "capacity",
                format!("{} must be in 1..={MAX_CAPACITY}", self.capacity),
            ));
        }
        Ok(())
    }
}

/// One stream's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedResult {
    /// Memories at the end.
    pub memories: usize,
    /// Σ_k max_c n_kc / n.
    pub purity: f64,
    /// Memories after each of 20 equal slices of the stream.
    pub trace: Vec<usize>,
}

fn run_seed(cfg: &GrowConfig, r: usize) -> anyhow::Result<SeedResult> {
    let key = [
        key_str("engram/hopfield/grow/v1"),
        cfg.k as u64,
        cfg.separation.to_bits(),
        cfg.n as u64,
        r as u64,
    ];
    let mut rng = Rng::keyed(cfg.seed, &key);
    let crp = CrpConfig {
        alpha: cfg.alpha,
        sigma2: cfg.sigma2,
        prior_var: cfg.prior_var,
        rule: AssignRule::Hard,
        full: FullPolicy::Error,
    };
    let mut mem = GrowingMemory::<f64, MAX_CAPACITY, GROW_DIM>::new(crp, [0.0; GROW_DIM])?;
    let scale = cfg.separation / std::f64::consts::SQRT_2;
    let mut counts = vec![[0usize; GROW_DIM]; MAX_CAPACITY];
    let mut x = [0.0f64; GROW_DIM];
    let mut trace = Vec::new();
    let every = cfg.n.div_ceil(20);
    for i in 0..cfg.n {
        let c = rng.below(cfg.k as u64) as usize;
        rng.fill_normal(&mut x);
        for v in x.iter_mut() {
            *v *= cfg.data_sigma;
        }
        x[c] += scale;
        let at = mem.observe(&x).map_err(|e| match e {
            engram_core::Error::CapacityExceeded { .. } => anyhow::anyhow!(
                "capacity {MAX_CAPACITY} exceeded at datum {i} of seed {r}: lower --alpha or raise --separation"
            ),
            e => e.into(),
        })?;
        if let Assigned::Created(k) = at
            && k >= cfg.capacity
        {
            bail!(
                "capacity exceeded: datum {i} of seed {r} needs memory {} but --capacity is {}; \
                 raise --capacity (≤ {MAX_CAPACITY}) or lower --alpha",
                k + 1,
                cfg.capacity
            );
        }
        counts[at.index()][c] += 1;
        if (i + 1) % every == 0 || i + 1 == cfg.n {
            trace.push(mem.len());
        }
    }
    let pure: usize = counts
        .iter()
        .map(|row| row.iter().copied().max().unwrap_or(0))
        .sum();
    Ok(SeedResult {
        memories: mem.len(),
        purity: pure as f64 / cfg.n as f64,
        trace,
    })
}

/// The two checks.
pub fn checks(cfg: &GrowConfig, res: &[SeedResult]) -> Vec<Check> {
    let within = format!(
        "fraction of seeds with K ± 1 = {}..={} memories",
        cfg.k.saturating_sub(1),
        cfg.k + 1
    );
    let pur = "mean assignment purity".to_owned();
    if res.len() < cfg.seeds {
        return vec![
            Check::missing(within, Some(1.0), &format!("≥ {SEEDS_MIN}")),
            Check::missing(pur, Some(1.0), &format!("> {PURITY_MIN}")),
        ];
    }
    let ok = res
        .iter()
        .filter(|r| r.memories.abs_diff(cfg.k) <= 1)
        .count() as f64
        / res.len() as f64;
    let purity = res.iter().map(|r| r.purity).sum::<f64>() / res.len() as f64;
    let min = res.iter().map(|r| r.purity).fold(1.0, f64::min);
    vec![
        Check {
            check: within,
            measured: ok,
            theory: Some(1.0),
            tolerance: format!("≥ {SEEDS_MIN}"),
            verdict: Verdict::from_bool(ok >= SEEDS_MIN),
        },
        Check {
            check: format!("{pur} (smallest {min:.4})"),
            measured: purity,
            theory: Some(1.0),
            tolerance: format!("> {PURITY_MIN}"),
            verdict: Verdict::from_bool(purity > PURITY_MIN),
        },
    ]
}

/// Runs every seed into `opts.out`; Ctrl-C keeps nothing partial (the checks need every seed).
pub fn run(cfg: &GrowConfig, opts: &RunOptions, stop: &AtomicBool) -> anyhow::Result<Outcome> {
    cfg.validate()?;
    let (config, provenance) = opts.begin(
        cfg,
        "engram-core GrowingMemory<f64, 64, 16> reference (hard CRP assignment)",
    )?;
    let bar = opts.bar(cfg.seeds as u64, "seeds");
    let pool = opts.pool()?;
    let res = pool.install(|| par_trials(cfg.seeds, stop, &bar, |r| run_seed(cfg, r)))?;
    bar.finish_and_clear();
    let res = res.unwrap_or_default();
    let interrupted = stop.load(Ordering::Relaxed) && res.len() < cfg.seeds;
    write_csv(
        &opts.out.join("grow.csv"),
        &["seed_index", "memories", "purity", "trace"],
        &res.iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    i.to_string(),
                    r.memories.to_string(),
                    num(r.purity),
                    r.trace
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
            .collect::<Vec<_>>(),
    )?;
    let mut plots = Vec::new();
    if !res.is_empty() {
        let every = cfg.n.div_ceil(20);
        let xs: Vec<f64> = (0..res[0].trace.len())
            .map(|j| ((j + 1) * every).min(cfg.n) as f64)
            .collect();
        let mut series: Vec<Series> = res
            .iter()
            .take(5)
            .enumerate()
            .map(|(i, r)| Series {
                label: format!("seed {i}"),
                points: xs
                    .iter()
                    .copied()
                    .zip(r.trace.iter().map(|&m| m as f64))
                    .collect(),
                color: i,
                dashed: false,
            })
            .collect();
        let mean: Vec<(f64, f64)> = xs
            .iter()
            .enumerate()
            .map(|(j, &x)| {
                (
                    x,
                    res.iter().map(|r| r.trace[j] as f64).sum::<f64>() / res.len() as f64,
                )
            })
            .collect();
        series.push(Series {
            label: "mean over seeds".to_owned(),
            points: mean,
            color: 6,
            dashed: false,
        });
        series.push(Series {
            label: format!("K = {}", cfg.k),
            points: vec![(xs[0], cfg.k as f64), (cfg.n as f64, cfg.k as f64)],
            color: 7,
            dashed: true,
        });
        draw(
            &opts.out.join("memories.svg"),
            &Figure {
                title: format!(
                    "memories created, K = {} Gaussians {} apart (σ = {})",
                    cfg.k, cfg.separation, cfg.data_sigma
                ),
                x_desc: "data seen".to_owned(),
                y_desc: "memories".to_owned(),
                log_x: true,
                y_range: Some((0.0, (cfg.k + 3) as f64)),
                legend_upper: false,
                series,
                vlines: Vec::new(),
            },
        )?;
        plots.push("memories.svg".to_owned());
    }
    let checks = checks(cfg, &res);
    finish(
        &opts.out,
        Report {
            experiment: "hopfield-grow",
            title: "growing memory (CRP)",
            intro: "Bayesian nonparametric growing memory: an online Gaussian mixture with a \
                    Chinese-restaurant-process prior creates a memory when no existing one explains \
                    a datum; on K well-separated Gaussians it should find K memories, each holding \
                    one component.",
            config,
            points: (cfg.seeds, res.len()),
            interrupted,
            provenance,
            plots,
            data: vec!["grow.csv".to_owned(), "config.toml".to_owned()],
        },
        checks,
    )
}
