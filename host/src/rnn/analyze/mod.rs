//! `engram rnn analyze RUN_DIR` (or `--weights BLOB`): the grid-cell analysis of a trained path
//! integrator, with significance against two nulls (docs/gridscore.md#engram-rnn-analyze).
//!
//! The network runs on held-out trajectories of the core's walk (walled or periodic as its
//! metadata says), keyed (`--data-seed`, [`ANALYZE_BATCH`], i): a batch number no training step,
//! evaluation or export calibration uses. Per unit: the rate map (`--bins` × `--bins`, the mean
//! state per bin over every step of every trajectory, [`RateMaps`](super::grid::ratemap::RateMaps)), its autocorrelogram, score60
//! (mean and min-max forms), score90, spacing and orientation (DeepMind's `scores.py`, in f64).
//! Per step t: the decoding error (top-k readout, the blob's k) beside chance (k random place
//! cells decoded the same way, as the trainer's chance).
//!
//! **Nulls, never a best-unit score.** (a) *shifted*: each unit's map rebuilt `--shifts` times
//! after circularly shifting the sequence of positions against the states by a keyed offset in
//! [N/10, 9N/10) (N samples), pooled over units; (b) *initialisation*: the same architecture at
//! initialisation — the trainer's own [`Params::init`](super::train::Params::init) with the run's seed (`--init-seed` with
//! `--weights`), the same centres and metadata — run on the same trajectories. Every report counts
//! units above each null's 99th percentile, with the initialised network's counts beside them.
//! For a network trained like the `grid` preset (periodic box, weight decay > 0), the check is a
//! binomial tail test: k units above the initialisation null's p99 out of H, P(X ≥ k) < 0.01 for
//! X ~ Binomial(H, 0.01).
//!
//! Modules: units above the initialisation null's p99 with a finite spacing, grouped by spacing
//! ([`cluster`](super::grid::modules::cluster), ratio 1.2); other units have no module.
//!
//! | file | concept |
//! | --- | --- |
//! | [`config`] | [`AnalyzeConfig`] (flags = TOML keys), the points ([`Point`], [`Kind`]) |
//! | [`network`] | reading the networks ([`load`]) and the initialisation null's network ([`init_network`]) |
//! | [`run`] | one network on the held-out trajectories: rate maps, scores, shifted null, decoding ([`analyse`]) |
//! | [`nulls`] | thresholds and counts per seed, the binomial test, the checks |
//! | `output` | `ratemaps.npy`, `scores.csv`, `nulls.csv` and the figures |

pub mod config;
pub mod network;
pub mod nulls;
mod output;
pub mod run;

use std::path::PathBuf;

pub use config::{AnalyzeConfig, Kind, Point};
pub use network::{init_network, load};
pub use nulls::{ALPHA, Counts, binomial_rule, binomial_tail, binomial_threshold};
pub use output::{NULLS_HEADER, SCORES_HEADER};
pub use run::{AnalyzeOutput, NanVec, analyse};

use super::export::OwnedNet;
use super::train::config::TrainConfig;
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size,
};

/// Batch number of the analysis trajectories, 2⁶⁴ − 17: no training step (< 2⁴⁰), not the
/// trainer's held-out batches (2⁶⁴ − 1 … 2⁶⁴ − 4), not export's calibration and evaluation (2⁶³,
/// 2⁶³ + 1).
pub const ANALYZE_BATCH: u64 = u64::MAX - 16;

/// The networks analysed: (seed, file, trained network).
type Nets = Vec<(u64, PathBuf, OwnedNet)>;

/// The analysis as an [`Experiment`]: points (seed, trained) and (seed, init) per seed.
#[derive(Debug, Clone)]
pub struct Analyze {
    cfg: AnalyzeConfig,
    /// (seed, network file, trained network).
    nets: Nets,
    /// The run's training configuration (None with --weights).
    train: Option<TrainConfig>,
}

impl Analyze {
    /// Whether the network was trained like the `grid` preset (periodic, weight decay > 0).
    pub fn grid_trained(&self) -> bool {
        self.train
            .as_ref()
            .is_some_and(|t| t.periodic && t.weight_decay > 0.0)
    }

    fn net(&self, seed: u64) -> anyhow::Result<&OwnedNet> {
        self.nets
            .iter()
            .find(|n| n.0 == seed)
            .map(|n| &n.2)
            .ok_or_else(|| anyhow::anyhow!("internal: no network for seed {seed}"))
    }

    /// File-name suffix of a seed: empty for one network, `-seed<S>` for several.
    fn suffix(&self, seed: u64) -> String {
        if self.nets.len() == 1 {
            String::new()
        } else {
            format!("-seed{seed}")
        }
    }
}

impl Analyze {
    /// The seeds analysed, in order.
    pub fn seeds(&self) -> impl Iterator<Item = u64> + '_ {
        self.nets.iter().map(|n| n.0)
    }
}

impl Experiment for Analyze {
    type Config = AnalyzeConfig;
    type Point = Point;
    type Output = AnalyzeOutput;

    const NAME: &'static str = "rnn-analyze";
    const TITLE: &'static str = "grid-cell analysis of a path integrator, against two nulls";
    const RESULTS: &'static str = "rnn/analyze";
    const UNIT: &'static str = "trajectories";

    fn new(cfg: AnalyzeConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        let (nets, train) = load(&cfg)?;
        Ok(Analyze { cfg, nets, train })
    }

    fn config(&self) -> &AnalyzeConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Grid-cell analysis of a path-integrating RNN (docs/gridscore.md): per unit, the rate map \
         on held-out trajectories, its autocorrelogram and DeepMind's grid scores (scores.py: \
         score60 mean and min-max forms, score90), spacing and orientation, modules by spacing; \
         decoding error vs time beside chance. Significance, never a best-unit score: units are \
         counted above the 99th percentile of two nulls — maps rebuilt after circularly shifting \
         positions against activity, and the same architecture at initialisation (the trainer's \
         init with the run's seed) — with the initialised network's counts beside them."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "engram-core f32 network (reference step, top-k decoder, walk); grid scores in f64"
            .to_owned()
    }

    fn points(&self) -> Vec<Point> {
        self.nets
            .iter()
            .flat_map(|n| [Kind::Trained, Kind::Init].map(|kind| Point { seed: n.0, kind }))
            .collect()
    }

    fn label(&self, p: &Point) -> String {
        let k = match p.kind {
            Kind::Trained => "trained",
            Kind::Init => "init",
        };
        format!("seed={} {k}", p.seed)
    }

    fn work(&self, _p: &Point) -> u64 {
        self.cfg.trajectories as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let h = self.nets.iter().map(|n| n.2.dims.hidden).max().unwrap_or(1) as u64;
        let np = self.nets.iter().map(|n| n.2.dims.places).max().unwrap_or(1) as u64;
        let samples =
            Size::of("trajectories", c.trajectories as u64).times("steps", c.steps as u64)?;
        let memory = samples.clone().times("", h * 12)?;
        let output = Size::of("", h)
            .times("bins", (c.bins * c.bins) as u64)?
            .times("", 4 * self.nets.len() as u64)?;
        let flops = self.nets.len() as f64 * run::flops(c, h, np);
        Ok(Estimate::new(
            memory,
            output,
            flops,
            2e9,
            "trajectories/steps/shifts/bins",
        ))
    }

    fn run_point(&self, p: &Point, ctx: &PointCtx<'_>) -> anyhow::Result<Option<AnalyzeOutput>> {
        let trained = self.net(p.seed)?;
        let init;
        let net = match p.kind {
            Kind::Trained => trained,
            Kind::Init => {
                init = init_network(trained, p.seed);
                &init
            }
        };
        analyse(&self.cfg, net, *p, p.kind == Kind::Trained, ctx)
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        nulls::checks(self, done)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        output::write(self, out, done)
    }
}
