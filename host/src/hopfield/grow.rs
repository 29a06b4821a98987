//! `engram hopfield grow`: a growing memory (docs/hopfield.md, "Growing memories") learning a stream
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

use anyhow::bail;
use engram_core::hopfield::{AssignRule, Assigned, CrpConfig, FullPolicy, GrowingMemory};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::num;
use crate::experiment::plot::{Figure, Marker, Series, draw};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, non_negative, positive,
};

/// Dimension of the data (the core's memory is sized at compile time).
pub const GROW_DIM: usize = 16;
/// The largest `--capacity` (the core memory's compile-time bound).
pub const MAX_CAPACITY: usize = 64;
/// Longest stream.
pub const MAX_N: usize = 1 << 28;
/// Most seeds.
pub const MAX_SEEDS: usize = 1 << 20;

/// Parameters of the growing-memory run: the flags of `engram hopfield grow` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct GrowConfig {
    /// Mixture components K (≤ 16).
    #[arg(long, default_value_t = 8)]
    pub k: usize,
    /// Distance between any two component means (means on distinct axes at s/√2).
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub separation: f64,
    /// Standard deviation of the data around their mean.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub data_sigma: f64,
    /// Stream length per seed.
    #[arg(long, default_value_t = 2000)]
    pub n: usize,
    /// Independent streams.
    #[arg(long, default_value_t = 50)]
    pub seeds: usize,
    /// CRP concentration α.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Model variance σ² of a datum around its memory.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub sigma2: f64,
    /// Prior variance σ₀² of a new memory's mean.
    #[arg(long, default_value_t = 25.0, allow_negative_numbers = true)]
    pub prior_var: f64,
    /// Most memories allowed (≤ 64); exceeding it is an error.
    #[arg(long, default_value_t = 64)]
    pub capacity: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl Default for GrowConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for GrowConfig {}

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
        at_most("n", self.n, MAX_N)?;
        at_least("seeds", self.seeds, 1)?;
        at_most("seeds", self.seeds, MAX_SEEDS)?;
        positive("alpha", self.alpha)?;
        positive("sigma2", self.sigma2)?;
        non_negative("prior-var", self.prior_var)?;
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// The two checks (they need every seed: a shard or an interrupted run reports them n/a).
pub fn checks(cfg: &GrowConfig, res: &[&SeedResult]) -> Vec<Check> {
    let within = format!(
        "fraction of seeds with K ± 1 = {}..={} memories",
        cfg.k.saturating_sub(1),
        cfg.k + 1
    );
    let pur = "mean assignment purity";
    if res.len() < cfg.seeds {
        let why = format!(
            "needs every seed: {} of {} ran (interrupted or sharded)",
            res.len(),
            cfg.seeds
        );
        return vec![
            Check::new(within, None)
                .theory(1.0)
                .at_least(SEEDS_MIN)
                .not_applicable(why.clone()),
            Check::new(pur, None)
                .theory(1.0)
                .rule(format!("> {PURITY_MIN}"), |_| false)
                .not_applicable(why),
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
        Check::new(within, Some(ok)).theory(1.0).at_least(SEEDS_MIN),
        Check::new(format!("{pur} (smallest {min:.4})"), Some(purity))
            .theory(1.0)
            .rule(format!("> {PURITY_MIN}"), |v| v > PURITY_MIN),
    ]
}

/// The CSV columns.
pub const HEADER: [&str; 4] = ["seed_index", "memories", "purity", "trace"];

/// The growing-memory run as an [`Experiment`]: one point per seed.
#[derive(Debug, Clone)]
pub struct Grow {
    cfg: GrowConfig,
}

impl Experiment for Grow {
    type Config = GrowConfig;
    type Point = usize;
    type Output = SeedResult;

    const NAME: &'static str = "hopfield-grow";
    const TITLE: &'static str = "growing memory (CRP)";
    const RESULTS: &'static str = "hopfield/grow";
    const UNIT: &'static str = "seeds";

    fn new(cfg: GrowConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(Grow { cfg })
    }

    fn config(&self) -> &GrowConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Bayesian nonparametric growing memory: an online Gaussian mixture with a \
         Chinese-restaurant-process prior creates a memory when no existing one explains a datum; \
         on K well-separated Gaussians it should find K memories, each holding one component."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "engram-core GrowingMemory<f64, 64, 16> reference (hard CRP assignment)".to_owned()
    }

    fn points(&self) -> Vec<usize> {
        (0..self.cfg.seeds).collect()
    }

    fn label(&self, r: &usize) -> String {
        format!("seed {r}")
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        // The memory (64 × 16 f64 means + counts) per worker: a few tens of KiB.
        let memory = Size::constant(64 * 1024).times("", threads)?;
        // Per datum: a likelihood against every memory (≤ 64 × 16 multiply-adds).
        let work = (c.seeds as f64) * (c.n as f64) * (MAX_CAPACITY * GROW_DIM * 4) as f64;
        Ok(Estimate::new(
            memory,
            Size::of("seeds", c.seeds as u64).times("", 100)?,
            work,
            1e9 * threads as f64,
            "seeds/n",
        ))
    }

    fn run_point(&self, &r: &usize, ctx: &PointCtx<'_>) -> anyhow::Result<Option<SeedResult>> {
        if ctx.stopped() {
            return Ok(None);
        }
        let out = run_seed(&self.cfg, r)?;
        ctx.tick(1);
        Ok(Some(out))
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let res: Vec<&SeedResult> = done.iter().map(|d| d.output).collect();
        checks(&self.cfg, &res)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let cfg = &self.cfg;
        let rows: Vec<Vec<String>> = done
            .iter()
            .map(|d| {
                let r = d.output;
                vec![
                    d.point.to_string(),
                    r.memories.to_string(),
                    num(r.purity),
                    r.trace
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
            .collect();
        out.write_csv("grow.csv", &HEADER, &rows)?;
        let mut files = Files {
            data: vec!["grow.csv".to_owned()],
            plots: Vec::new(),
        };
        let res: Vec<(usize, &SeedResult)> = done.iter().map(|d| (*d.point, d.output)).collect();
        if !res.is_empty() {
            plot(out, cfg, &res)?;
            files.plots.push("memories.svg".to_owned());
        }
        Ok(files)
    }
}

fn plot(dir: &ResultsDir, cfg: &GrowConfig, res: &[(usize, &SeedResult)]) -> anyhow::Result<()> {
    let every = cfg.n.div_ceil(20);
    let len = res.iter().map(|r| r.1.trace.len()).min().unwrap_or(0);
    let xs: Vec<f64> = (0..len)
        .map(|j| ((j + 1) * every).min(cfg.n) as f64)
        .collect();
    let mut series: Vec<Series> = res
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, &(seed, r))| Series {
            label: format!("seed {seed}"),
            points: xs
                .iter()
                .copied()
                .zip(r.trace.iter().map(|&m| m as f64))
                .collect(),
            color: i,
            dashed: false,
            marker: Marker::Circle,
        })
        .collect();
    let mean: Vec<(f64, f64)> = xs
        .iter()
        .enumerate()
        .map(|(j, &x)| {
            (
                x,
                res.iter()
                    .map(|r| r.1.trace.get(j).copied().unwrap_or(0) as f64)
                    .sum::<f64>()
                    / res.len() as f64,
            )
        })
        .collect();
    series.push(Series {
        label: "mean over seeds".to_owned(),
        points: mean,
        color: 6,
        dashed: false,
        marker: Marker::Circle,
    });
    let x0 = xs.first().copied().unwrap_or(1.0);
    series.push(Series {
        label: format!("K = {}", cfg.k),
        points: vec![(x0, cfg.k as f64), (cfg.n as f64, cfg.k as f64)],
        color: 7,
        dashed: true,
        marker: Marker::None,
    });
    draw(
        dir,
        "memories.svg",
        &Figure {
            title: format!(
                "memories created, K = {} Gaussians {} apart (σ = {})",
                cfg.k, cfg.separation, cfg.data_sigma
            ),
            x_desc: "data seen".to_owned(),
            y_desc: "memories".to_owned(),
            log_x: true,
            log_y: false,
            y_range: Some((0.0, (cfg.k + 3) as f64)),
            legend_upper: false,
            legend_right: false,
            series,
            vlines: Vec::new(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_fields() {
        let bad_cfg = |c: GrowConfig| c.validate().unwrap_err().field;
        let d = GrowConfig::default;
        assert_eq!(bad_cfg(GrowConfig { k: 17, ..d() }), "k");
        assert_eq!(bad_cfg(GrowConfig { seeds: 0, ..d() }), "seeds");
        assert_eq!(
            bad_cfg(GrowConfig {
                n: usize::MAX,
                ..d()
            }),
            "n"
        );
        assert_eq!(
            bad_cfg(GrowConfig {
                capacity: 65,
                ..d()
            }),
            "capacity"
        );
        assert_eq!(
            bad_cfg(GrowConfig {
                prior_var: f64::NAN,
                ..d()
            }),
            "prior-var"
        );
    }

    #[test]
    fn finds_k_pure_memories() {
        let cfg = GrowConfig {
            k: 4,
            n: 300,
            ..GrowConfig::default()
        };
        let r = run_seed(&cfg, 0).unwrap();
        assert_eq!(r.memories, 4);
        assert_eq!(r.purity, 1.0);
        assert_eq!(r.trace.len(), 20);
        let c = checks(&cfg, &[&r]);
        assert!(
            c.iter()
                .all(|c| c.verdict == crate::experiment::Verdict::NotApplicable)
        );
    }
}
