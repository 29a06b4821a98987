//! `engram polysemantic`: incidental polysemanticity (Lecomte et al., arXiv:2312.03096;
//! docs/polysemantic.md).
//!
//! Every point is one training run (n features, m neurons, L1 weight λ, seed index): W ~ N(0, 1/m),
//! full-batch steps of the core's [`Trainer`] in f32 (bit-identical to a board's), then the
//! number of polysemantic neurons (more than one feature with |w| ∈ [0.8, 1.2]) and of represented
//! features. Points run in parallel on the shared runner's pool (rayon over instances); each draws
//! from `Rng::keyed(seed, [key_str("engram/polysemantic/v1"), n, m, λ bits, repeat])`.
//!
//! Checks, per (n, λ), over the m with 2n ≤ m ≤ 16n: the log-log slope of the mean count vs m
//! ∈ [−1.3, −0.8]; each mean within [0.5, 1.3]× m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ] (its standard
//! error over seeds shown); every feature represented in every run.
//!
//! | file | contents |
//! | --- | --- |
//! | `runs.csv` | n, m, λ, repeat, polysemantic, represented (band), reconstructed, final loss |
//! | `counts.csv` | n, m, λ, runs, mean count, its standard error, theory, n²/(4m) |
//! | `count_vs_m.svg` | mean count vs m (log-log) with the theory |

mod checks;

use engram_core::polysemantic::{
    Noise, Optimizer, TrainConfig, Trainer, init_weights, polysemantic_neurons,
    reconstructed_features, represented_features, scratch_len,
};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

pub use checks::{Aggregate, SLOPE_MIN_N, aggregate, checks, loglog_slope};

use crate::experiment::plot::{Figure, Marker, Series, draw};
use crate::experiment::registry::Tier;
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, distinct, non_empty, non_negative, positive,
};

/// The optimiser flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerSel {
    /// AdamW, torch's defaults (β = 0.9/0.999, ε = 1e-8, weight decay 0.01).
    Adamw,
    /// Plain gradient descent.
    Sgd,
}

/// The input-noise flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseSel {
    /// Clean one-hot inputs (the paper's main setting).
    None,
    /// xₛ = eₛ + σξ with σ = --noise-level.
    Gaussian,
    /// Each other feature switched on with probability p = --noise-level.
    Bernoulli,
}

/// The flags of `engram polysemantic` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct PolyConfig {
    /// Features n (list).
    #[arg(long, value_delimiter = ',', default_value = "32")]
    pub n: Vec<usize>,
    /// Hidden neurons m (list).
    #[arg(long, value_delimiter = ',', default_value = "64,128,256,512")]
    pub m: Vec<usize>,
    /// L1 weights λ (list).
    #[arg(long, value_delimiter = ',', default_value = "0.001")]
    pub lambda: Vec<f64>,
    /// Independent runs per (n, m, λ).
    #[arg(long, default_value_t = 40)]
    pub seeds: usize,
    /// Full-batch training steps.
    #[arg(long, default_value_t = 6000)]
    pub steps: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.003)]
    pub lr: f64,
    /// Optimiser.
    #[arg(long, value_enum, default_value_t = OptimizerSel::Adamw)]
    pub optimizer: OptimizerSel,
    /// Input noise.
    #[arg(long, value_enum, default_value_t = NoiseSel::None)]
    pub noise: NoiseSel,
    /// σ (gaussian) or p (bernoulli).
    #[arg(long, default_value_t = 0.0)]
    pub noise_level: f64,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl Default for PolyConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for PolyConfig {}

impl PolyConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        non_empty("n", &self.n)?;
        for &n in &self.n {
            at_least("n", n, 2)?;
            at_most("n", n, 4096)?;
        }
        distinct("n", &self.n)?;
        non_empty("m", &self.m)?;
        for &m in &self.m {
            at_least("m", m, 1)?;
            at_most("m", m, 1 << 16)?;
        }
        distinct("m", &self.m)?;
        non_empty("lambda", &self.lambda)?;
        for &l in &self.lambda {
            non_negative("lambda", l)?;
        }
        distinct("lambda", &self.lambda)?;
        at_least("seeds", self.seeds, 1)?;
        at_least("steps", self.steps, 1)?;
        positive("lr", self.lr)?;
        match self.noise {
            NoiseSel::None => {}
            NoiseSel::Gaussian => non_negative("noise-level", self.noise_level)?,
            NoiseSel::Bernoulli => {
                if !(0.0..=1.0).contains(&self.noise_level) {
                    return Err(bad("noise-level", "a probability must be in [0, 1]"));
                }
            }
        }
        for &n in &self.n {
            for &m in &self.m {
                Size::of("n", n as u64).times("m", m as u64)?;
            }
        }
        Ok(())
    }

    fn train_config(&self, n: usize, m: usize, lambda: f64) -> TrainConfig<f32> {
        let level = self.noise_level as f32;
        TrainConfig {
            n,
            m,
            lambda: lambda as f32,
            lr: self.lr as f32,
            optimizer: match self.optimizer {
                OptimizerSel::Adamw => Optimizer::AdamW,
                OptimizerSel::Sgd => Optimizer::Sgd,
            },
            noise: match self.noise {
                NoiseSel::None => Noise::None,
                NoiseSel::Gaussian => Noise::Gaussian { sigma: level },
                NoiseSel::Bernoulli => Noise::Bernoulli { p: level },
            },
        }
    }
}

/// One training run: (n, m, λ, repeat).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Features.
    pub n: usize,
    /// Neurons.
    pub m: usize,
    /// L1 weight.
    pub lambda: f64,
    /// Repeat index (its own stream).
    pub repeat: usize,
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Polysemantic neurons.
    pub polysemantic: usize,
    /// Features with a weight in the band.
    pub represented: usize,
    /// Features reconstructed (‖Wᵢ‖² ∈ [0.5, 1.5]).
    pub reconstructed: usize,
    /// Loss at the last step.
    pub loss: f64,
}

/// Steps between progress ticks and stop checks.
const TICK: usize = 100;

/// Trains one instance; `None` if asked to stop.
pub fn run_one(
    cfg: &PolyConfig,
    p: &Point,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<RunResult>> {
    let tc = cfg.train_config(p.n, p.m, p.lambda);
    let key = [
        key_str("engram/polysemantic/v1"),
        p.n as u64,
        p.m as u64,
        p.lambda.to_bits(),
        p.repeat as u64,
    ];
    let mut rng = Rng::keyed(cfg.seed, &key);
    let mut w = vec![0.0f32; p.n * p.m];
    init_weights(&mut w, p.n, p.m, &mut rng).map_err(anyhow::Error::msg)?;
    let need = scratch_len(&tc).ok_or_else(|| anyhow::anyhow!("n/m: sizes overflow"))?;
    let mut scratch = vec![0.0f32; need];
    let mut trainer = Trainer::new(tc).map_err(anyhow::Error::msg)?;
    let mut loss = f32::NAN;
    for s in 0..cfg.steps {
        if s % TICK == 0 {
            if ctx.stopped() {
                return Ok(None);
            }
            if s > 0 {
                ctx.tick(1);
            }
        }
        loss = trainer
            .step(&mut w, &mut scratch, &mut rng)
            .map_err(|e| anyhow::anyhow!("step {s}: {e}"))?;
    }
    ctx.tick(1);
    Ok(Some(RunResult {
        polysemantic: polysemantic_neurons(&w, p.n, p.m).map_err(anyhow::Error::msg)?,
        represented: represented_features(&w, p.n, p.m).map_err(anyhow::Error::msg)?,
        reconstructed: reconstructed_features(&w, p.n, p.m).map_err(anyhow::Error::msg)?,
        loss: f64::from(loss),
    }))
}

/// The polysemanticity sweep as an [`Experiment`].
#[derive(Debug, Clone)]
pub struct Polysemantic {
    cfg: PolyConfig,
}

/// The paper's grid: n = 256, m = 256…4096, 16 seeds, 7 500 full-batch steps, AdamW lr 1e-3,
/// λ = 1e-3.
pub fn paper() -> PolyConfig {
    PolyConfig {
        n: vec![256],
        m: vec![256, 512, 1024, 2048, 4096],
        lambda: vec![1e-3],
        seeds: 16,
        steps: 7500,
        lr: 1e-3,
        ..PolyConfig::default()
    }
}

impl Experiment for Polysemantic {
    type Config = PolyConfig;
    type Point = Point;
    type Output = RunResult;

    const NAME: &'static str = "polysemantic";
    const TITLE: &'static str = "incidental polysemanticity";
    const RESULTS: &'static str = "polysemantic";
    const UNIT: &'static str = "100 steps";

    fn presets() -> &'static [(&'static str, &'static str)] {
        &[(
            "paper",
            "the authors' grid: n = 256, m = 256…4096, 16 seeds, 7 500 steps, lr 1e-3 (hours)",
        )]
    }

    fn preset(name: &str) -> Option<PolyConfig> {
        (name == "paper").then(paper)
    }

    fn new(cfg: PolyConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(Polysemantic { cfg })
    }

    fn config(&self) -> &PolyConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Lecomte et al., arXiv:2312.03096 (docs/polysemantic.md): tied ReLU autoencoder \
         Y = ReLU(WWᵀ) on n one-hot features with m ≥ n neurons, loss Σ(δ − Y)² + λ‖W‖₁. A neuron \
         is polysemantic when more than one feature has |w| ∈ [0.8, 1.2] on it. If features land \
         on neurons at random and only opposite-sign pairs survive, the expected count is \
         m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ] ≈ n²/(4m). Checks over 2n ≤ m ≤ 16n: log-log slope \
         ∈ [−1.3, −0.8], each mean ∈ [0.5, 1.3]× theory, every feature represented."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "engram-core polysemantic::Trainer in f32 (Gram path, 8-lane fixed-order dot; \
         bit-identical to the MCU targets); rayon over runs"
            .to_owned()
    }

    fn points(&self) -> Vec<Point> {
        let mut v = Vec::new();
        for &n in &self.cfg.n {
            for &lambda in &self.cfg.lambda {
                for &m in &self.cfg.m {
                    for repeat in 0..self.cfg.seeds {
                        v.push(Point {
                            n,
                            m,
                            lambda,
                            repeat,
                        });
                    }
                }
            }
        }
        v
    }

    fn label(&self, p: &Point) -> String {
        format!("n={} m={} λ={} seed={}", p.n, p.m, p.lambda, p.repeat)
    }

    fn work(&self, _p: &Point) -> u64 {
        self.cfg.steps.div_ceil(TICK) as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let mut memory = Size::constant(0);
        let mut flops = 0.0;
        for &n in &c.n {
            for &m in &c.m {
                let mem = Size::of("n", n as u64)
                    .times("m", m as u64)?
                    .times("", 4)?
                    .plus(Size::of("n", n as u64).times("n", n as u64)?.times("", 2)?)?
                    .times("", 4)?;
                if mem.get() > memory.get() {
                    memory = mem;
                }
                // Gram (half) + gradient (≤ full) + optimiser, per step.
                flops += (1.5 * (n * n * m) as f64 + 10.0 * (n * m) as f64)
                    * c.steps as f64
                    * (c.seeds * c.lambda.len()) as f64;
            }
        }
        let runs = Size::of("n", c.n.len() as u64)
            .times("m", c.m.len() as u64)?
            .times("lambda", c.lambda.len() as u64)?
            .times("seeds", c.seeds as u64)?;
        Ok(Estimate::new(
            memory.times("", threads)?,
            runs.times("", 120)?,
            flops,
            2e9 * threads as f64,
            "n/m/steps/seeds",
        ))
    }

    fn run_point(&self, p: &Point, ctx: &PointCtx<'_>) -> anyhow::Result<Option<RunResult>> {
        run_one(&self.cfg, p, ctx)
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let runs: Vec<(Point, RunResult)> =
            done.iter().map(|d| (*d.point, d.output.clone())).collect();
        checks(&self.cfg, &runs)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let runs: Vec<(Point, RunResult)> =
            done.iter().map(|d| (*d.point, d.output.clone())).collect();
        let rows: Vec<Vec<String>> = runs
            .iter()
            .map(|(p, r)| {
                vec![
                    p.n.to_string(),
                    p.m.to_string(),
                    format!("{}", p.lambda),
                    p.repeat.to_string(),
                    r.polysemantic.to_string(),
                    r.represented.to_string(),
                    r.reconstructed.to_string(),
                    format!("{}", r.loss),
                ]
            })
            .collect();
        out.write_csv(
            "runs.csv",
            &[
                "n",
                "m",
                "lambda",
                "repeat",
                "polysemantic",
                "represented",
                "reconstructed",
                "loss",
            ],
            &rows,
        )?;
        let agg = aggregate(&self.cfg, &runs);
        let rows: Vec<Vec<String>> = agg
            .iter()
            .map(|a| {
                vec![
                    a.n.to_string(),
                    a.m.to_string(),
                    format!("{}", a.lambda),
                    a.runs.to_string(),
                    format!("{}", a.mean),
                    format!("{}", a.se),
                    format!("{}", a.theory),
                    format!("{}", a.approx),
                ]
            })
            .collect();
        out.write_csv(
            "counts.csv",
            &[
                "n",
                "m",
                "lambda",
                "runs",
                "mean",
                "stderr",
                "theory",
                "n2_over_4m",
            ],
            &rows,
        )?;
        let mut files = Files {
            data: vec!["runs.csv".to_owned(), "counts.csv".to_owned()],
            plots: Vec::new(),
        };
        if !agg.is_empty() {
            plot(out, &self.cfg, &agg)?;
            files.plots.push("count_vs_m.svg".to_owned());
        }
        Ok(files)
    }
}

fn plot(out: &ResultsDir, cfg: &PolyConfig, agg: &[Aggregate]) -> anyhow::Result<()> {
    let mut series = Vec::new();
    let mut color = 0;
    for &n in &cfg.n {
        for &lambda in &cfg.lambda {
            let pts: Vec<&Aggregate> = agg
                .iter()
                .filter(|a| a.n == n && a.lambda == lambda)
                .collect();
            if pts.is_empty() {
                continue;
            }
            let label = if cfg.lambda.len() > 1 {
                format!("n = {n}, λ = {lambda}")
            } else {
                format!("n = {n}")
            };
            series.push(Series {
                label: format!("{label}: mean count"),
                points: pts.iter().map(|a| (a.m as f64, a.mean)).collect(),
                color,
                dashed: false,
                marker: Marker::Circle,
            });
            series.push(Series {
                label: "± 1 standard error".to_owned(),
                points: pts.iter().map(|a| (a.m as f64, a.mean + a.se)).collect(),
                color,
                dashed: false,
                marker: Marker::Cross,
            });
            series.push(Series {
                label: String::new(),
                points: pts.iter().map(|a| (a.m as f64, a.mean - a.se)).collect(),
                color,
                dashed: false,
                marker: Marker::Cross,
            });
            series.push(Series {
                label: format!("theory m[1 − 2(1 − 1/2m)ⁿ + (1 − 1/m)ⁿ], n = {n}"),
                points: pts.iter().map(|a| (a.m as f64, a.theory)).collect(),
                color: 7,
                dashed: true,
                marker: Marker::None,
            });
            color += 1;
        }
    }
    draw(
        out,
        "count_vs_m.svg",
        &Figure {
            title: format!(
                "polysemantic neurons after {} steps ({} seeds per point)",
                cfg.steps, cfg.seeds
            ),
            x_desc: "neurons m".to_owned(),
            y_desc: "mean number of polysemantic neurons".to_owned(),
            log_x: true,
            log_y: true,
            y_range: None,
            legend_upper: false,
            legend_right: false,
            series,
            vlines: Vec::new(),
        },
    )
}

/// The quick tier: n = 16, m = 32, 64 (2n, 4n), λ = 0.02, lr 0.02, 600 steps, 32 seeds — seconds
/// even in a debug build. At n = 16 the slope is not the law's (n < [`SLOPE_MIN_N`]: that
/// check is n/a); the ratio and reconstruction checks apply (256 seeds put these means at
/// 1.02× and 0.97× theory, every feature reconstructed).
pub fn quick() -> PolyConfig {
    PolyConfig {
        n: vec![16],
        m: vec![32, 64],
        lambda: vec![0.02],
        seeds: 32,
        steps: 600,
        lr: 0.02,
        ..PolyConfig::default()
    }
}

/// The configuration of each reproduction tier: quick — [`quick`]; default — the defaults (n = 32,
/// every check applies); full — the paper's grid.
pub fn tier_config(t: Tier) -> PolyConfig {
    match t {
        Tier::Quick => quick(),
        Tier::Default => PolyConfig::default(),
        Tier::Full => paper(),
    }
}

/// The registry entries of the family.
pub fn registry() -> Vec<crate::experiment::registry::Entry> {
    vec![crate::register!(
        "polysemantic",
        Polysemantic,
        "polysemantic neurons ≈ n²/(4m) from L1 and random init — Lecomte et al. 2023",
        tier_config
    )]
}
