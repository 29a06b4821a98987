//! `engram scaling`: how predictable downstream metrics are from compute, sample by sample
//! (Schaeffer et al., "Why has predicting downstream capabilities of frontier AI models with
//! scale remained elusive?", arXiv:2406.04391; docs/scaling.md).
//!
//! For every (model, sample) the chain log p_vocab(correct) → p_vocab → p_choices → accuracy and
//! Brier score ([`chain`]); for every sample and metric the correlation across the model family
//! with log10 compute C = 6·N·D — Pearson, Spearman, Kendall τ-b ([`correlate`]) — giving one
//! distribution over samples per metric. Input: per-choice log-likelihoods as CSV or
//! lm-evaluation-harness JSONL plus a models file ([`input`], streamed in bounded memory), or
//! `--synthetic`, a generated family with known structure ([`synthetic`]) whose checks require
//! the mean correlation to degrade along the chain.
//!
//! Points: the whole input (one point), or with `--synthetic` chunks of [`CHUNK`] samples.
//!
//! | file | contents |
//! | --- | --- |
//! | `samples.csv` | per sample: models, and each metric's Pearson/Spearman/Kendall with log10 C (empty: undefined) |
//! | `correlations.csv` | per metric and correlation: samples defined/undefined, mean, median, quartiles |
//! | `family.csv` | per model: N, D, log10 C, samples, mean of each metric |
//! | `correlations.svg` | histograms of the per-sample correlations, one panel per correlation, one curve per metric |
//! | `fixture.csv`, `fixture_models.csv` | (`--synthetic`) the generated family as input files |

pub mod chain;
mod checks;
pub mod correlate;
pub mod input;
mod outputs;
pub mod synthetic;

use std::path::PathBuf;

use anyhow::bail;
use serde::{Deserialize, Serialize};

pub use checks::{Stats, checks, stats};

use chain::{Chain, Metric};
use correlate::Kind;
use input::{ModelInfo, Table};

use crate::experiment::registry::Tier;
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad,
};

/// Samples per point of a synthetic run.
pub const CHUNK: usize = 250;

/// The flags of `engram scaling` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ScalingConfig {
    /// Input files: CSV `model,sample,choice,loglik,correct`, or lm-evaluation-harness
    /// `--log_samples` JSONL (a name ending in .jsonl; one model per file).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The family: CSV `model,params,tokens` (compute C = 6·N·D).
    #[arg(long, value_name = "MODELS")]
    pub models: Option<PathBuf>,
    /// Model names of the JSONL files, in their order [default: each file's stem].
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub model_name: Vec<String>,
    /// Analyse a generated family with known structure instead of files (docs/scaling.md).
    #[arg(long)]
    pub synthetic: bool,
    /// Synthetic: models in the family (log10 C evenly over [19, 23]).
    #[arg(long, default_value_t = 8)]
    pub synth_models: usize,
    /// Synthetic: samples.
    #[arg(long, default_value_t = 2000)]
    pub synth_samples: usize,
    /// Synthetic: choices per sample.
    #[arg(long, default_value_t = 4)]
    pub synth_choices: usize,
    /// Synthetic: master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl Default for ScalingConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for ScalingConfig {}

impl ScalingConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.synthetic {
            if !self.files.is_empty() || self.models.is_some() {
                return Err(bad("synthetic", "takes no FILE or --models"));
            }
            at_least("synth-models", self.synth_models, 3)?;
            at_most("synth-models", self.synth_models, 10_000)?;
            at_least("synth-samples", self.synth_samples, 1)?;
            at_most("synth-samples", self.synth_samples, 10_000_000)?;
            at_least("synth-choices", self.synth_choices, 2)?;
            at_most("synth-choices", self.synth_choices, 1000)?;
            return Ok(());
        }
        if self.files.is_empty() {
            return Err(bad(
                "FILE",
                "give input files and --models MODELS, or --synthetic",
            ));
        }
        let Some(models) = &self.models else {
            return Err(bad(
                "models",
                "needed with input files (CSV model,params,tokens)",
            ));
        };
        for f in self.files.iter().chain(std::iter::once(models)) {
            if !f.is_file() {
                return Err(bad("FILE", format!("{}: no such file", f.display())));
            }
        }
        let jsonl = self.files.iter().filter(|f| input::is_jsonl(f)).count();
        if !self.model_name.is_empty() && self.model_name.len() != jsonl {
            return Err(bad(
                "model-name",
                format!(
                    "{} name(s) for {jsonl} JSONL file(s): give one per JSONL file, in order",
                    self.model_name.len()
                ),
            ));
        }
        Ok(())
    }
}

/// A point: the whole input, or a chunk of synthetic samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// Every input file.
    Files,
    /// Synthetic samples `first .. first + count`.
    Chunk {
        /// First sample.
        first: usize,
        /// Samples.
        count: usize,
    },
}

/// One sample's correlations with log10 compute: `corr[metric][kind]` in [`Metric::ALL`] ×
/// [`Kind::ALL`] order, `None` where undefined (a metric constant across the family, or fewer
/// than 3 models).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleResult {
    /// Sample id.
    pub sample: String,
    /// Models with this sample.
    pub models: usize,
    /// Correlations.
    pub corr: [[Option<f64>; 3]; 5],
}

/// Per model: how many samples, and the sum of each metric over them (Brier not negated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSums {
    /// Samples.
    pub samples: u64,
    /// Σ log p_vocab, p_vocab, p_choices, accuracy, Brier.
    pub sums: [f64; 5],
}

/// What a point measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Per sample, in sample order.
    pub samples: Vec<SampleResult>,
    /// Per model of the family, in family order.
    pub models: Vec<ModelSums>,
    /// Input rows read.
    pub rows: u64,
}

/// Correlations of one sample's chains `(model index, chain)` with the family's log10 compute.
pub fn correlate_sample(family: &[ModelInfo], chains: &[(u32, Chain)]) -> [[Option<f64>; 3]; 5] {
    let mut out = [[None; 3]; 5];
    if chains.len() < 3 {
        return out;
    }
    let x: Vec<f64> = chains
        .iter()
        .map(|(m, _)| {
            family
                .get(*m as usize)
                .map_or(f64::NAN, |f| f.log10_compute)
        })
        .collect();
    for (row, metric) in out.iter_mut().zip(Metric::ALL) {
        let y: Vec<f64> = chains.iter().map(|(_, c)| c.get(metric)).collect();
        for (cell, kind) in row.iter_mut().zip(Kind::ALL) {
            *cell = kind.of(&x, &y);
        }
    }
    out
}

/// Sample ids in output order: numeric ids by value first, then the others as text.
fn sample_order(ids: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |s: &String| (s.parse::<u64>().map_or(1, |_| 0), s.parse::<u64>().ok());
        key(&ids[a])
            .cmp(&key(&ids[b]))
            .then_with(|| ids[a].cmp(&ids[b]))
    });
    order
}

/// Turns per-sample chains into a [`Part`], correlating samples in parallel (stop-aware).
fn analyse(
    family: &[ModelInfo],
    ids: &[String],
    per: &[Vec<(u32, Chain)>],
    rows: u64,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<Part>> {
    let order = sample_order(ids);
    let blocks = order.len().div_ceil(CHUNK);
    let Some(parts) = ctx.par_map(blocks, |b| {
        Ok(order
            .iter()
            .skip(b * CHUNK)
            .take(CHUNK)
            .map(|&s| SampleResult {
                sample: ids[s].clone(),
                models: per[s].len(),
                corr: correlate_sample(family, &per[s]),
            })
            .collect::<Vec<_>>())
    })?
    else {
        return Ok(None);
    };
    let mut models = vec![
        ModelSums {
            samples: 0,
            sums: [0.0; 5],
        };
        family.len()
    ];
    for &s in &order {
        for (m, c) in &per[s] {
            if let Some(ms) = models.get_mut(*m as usize) {
                ms.samples += 1;
                for (sum, v) in ms.sums.iter_mut().zip([
                    c.log_p_vocab,
                    c.p_vocab,
                    c.p_choices,
                    c.accuracy,
                    c.brier,
                ]) {
                    *sum += v;
                }
            }
        }
    }
    Ok(Some(Part {
        samples: parts.into_iter().flatten().collect(),
        models,
        rows,
    }))
}

/// The analysis as an [`Experiment`].
#[derive(Debug, Clone)]
pub struct Scaling {
    cfg: ScalingConfig,
    family: Vec<ModelInfo>,
}

impl Scaling {
    /// The model family (from `--models`, or the synthetic one).
    pub fn family(&self) -> &[ModelInfo] {
        &self.family
    }

    fn read_files(&self, ctx: &PointCtx<'_>) -> anyhow::Result<Option<Part>> {
        let Some(models_path) = &self.cfg.models else {
            bail!("models: needed with input files");
        };
        let mut table = Table::new(self.family.clone());
        let mut names = self.cfg.model_name.iter();
        for f in &self.cfg.files {
            if ctx.stopped() {
                return Ok(None);
            }
            let name = if input::is_jsonl(f) {
                names.next().cloned().unwrap_or_else(|| {
                    f.file_stem()
                        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
                })
            } else {
                String::new()
            };
            table.read(f, &name, models_path)?;
        }
        let rows = table.rows;
        let ids = table.samples.clone();
        let per = table.into_samples()?;
        analyse(&self.family, &ids, &per, rows, ctx)
    }

    fn synthesise(
        &self,
        first: usize,
        count: usize,
        ctx: &PointCtx<'_>,
    ) -> anyhow::Result<Option<Part>> {
        let mut table = Table::new(self.family.clone());
        for s in first..first + count {
            for (m, _choice, ll, correct) in synthetic::sample_rows(
                self.cfg.seed,
                s as u64,
                &self.family,
                self.cfg.synth_choices,
            ) {
                table.push_row(m as u32, &s.to_string(), ll, correct)?;
            }
        }
        let rows = table.rows;
        let ids = table.samples.clone();
        let per = table.into_samples()?;
        analyse(&self.family, &ids, &per, rows, ctx)
    }
}

impl Experiment for Scaling {
    type Config = ScalingConfig;
    type Point = Point;
    type Output = Part;

    const NAME: &'static str = "scaling";
    const TITLE: &'static str = "downstream capabilities from scale: per-sample predictability";
    const RESULTS: &'static str = "scaling";
    const UNIT: &'static str = "sample blocks";

    fn new(cfg: ScalingConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        let family = if cfg.synthetic {
            synthetic::models(cfg.synth_models)
        } else {
            match &cfg.models {
                Some(p) => input::read_models(p)?,
                None => bail!("models: needed with input files"),
            }
        };
        Ok(Scaling { cfg, family })
    }

    fn config(&self) -> &ScalingConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Schaeffer et al., arXiv:2406.04391 (docs/scaling.md): per multiple-choice sample and \
         model, log p_vocab(correct) → p_vocab(correct) → p_choices(correct) (softmax over the \
         choices) → accuracy and Brier score; per sample and metric, the Pearson, Spearman and \
         Kendall τ-b correlation across the family with log10 compute (6·N·D). The incorrect \
         choices' probability mass also moves with scale, so the correlation degrades along the \
         chain."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "host f64: streaming per-(model, sample) aggregates (online log-sum-exp), exact O(n²) \
         Kendall τ-b; rayon over sample blocks"
            .to_owned()
    }

    fn points(&self) -> Vec<Point> {
        if self.cfg.synthetic {
            (0..self.cfg.synth_samples)
                .step_by(CHUNK)
                .map(|first| Point::Chunk {
                    first,
                    count: CHUNK.min(self.cfg.synth_samples - first),
                })
                .collect()
        } else {
            vec![Point::Files]
        }
    }

    fn label(&self, p: &Point) -> String {
        match p {
            Point::Files => "inputs".to_owned(),
            Point::Chunk { first, count } => format!("samples {first}..{}", first + count),
        }
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let m = self.family.len() as u64;
        let (samples, field) = if self.cfg.synthetic {
            (self.cfg.synth_samples as u64, "synth-samples")
        } else {
            // unknown before reading: bytes of input / 20 bounds the rows, hence the samples
            let bytes: u64 = self
                .cfg
                .files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|md| md.len())
                .sum();
            (bytes / 20 + 1, "FILE")
        };
        let memory = Size::of(field, samples)
            .times("", m.max(1))?
            .times("", 200)?;
        let output = Size::of(field, samples).times("", 400)?;
        let flops = (samples * m * m) as f64 * 20.0;
        Ok(Estimate::new(memory, output, flops, 1e8, field))
    }

    fn run_point(&self, p: &Point, ctx: &PointCtx<'_>) -> anyhow::Result<Option<Part>> {
        match *p {
            Point::Files => self.read_files(ctx),
            Point::Chunk { first, count } => self.synthesise(first, count, ctx),
        }
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let samples: Vec<&SampleResult> =
            done.iter().flat_map(|d| d.output.samples.iter()).collect();
        checks(self.cfg.synthetic, &samples)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        outputs::write(self, out, done)
    }
}

/// The configuration of each reproduction tier (all synthetic): quick — 8 models × 400 samples;
/// default — 8 × 2000; full — 16 × 20 000.
pub fn tier_config(t: Tier) -> ScalingConfig {
    let (m, s) = match t {
        Tier::Quick => (8, 400),
        Tier::Default => (8, 2000),
        Tier::Full => (16, 20_000),
    };
    ScalingConfig {
        synthetic: true,
        synth_models: m,
        synth_samples: s,
        ..ScalingConfig::default()
    }
}

/// The registry entries of the family.
pub fn registry() -> Vec<crate::experiment::registry::Entry> {
    vec![crate::register!(
        "scaling",
        Scaling,
        "per-sample correlation with compute degrades along log p_vocab → p_choices → accuracy — \
         Schaeffer et al. 2024",
        tier_config
    )]
}
