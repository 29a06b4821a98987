//! `engram rnn grid-emergence`: grid-like units over training, against the untrained network's
//! null, per seed (docs/gridscore.md#grid-cells-over-training). Registered for `engram reproduce
//! --full` only: the `grid` preset's three seeds take minutes each on two cores.
//!
//! One point per seed: the trainer's own run ([`Train`], resumable bit for bit) keeps its network
//! every `snapshot-every` steps; then each kept network and the final one are analysed as `engram
//! rnn analyze` does ([`analyse`]: rate maps on the same held-out trajectories, DeepMind's
//! score60, the shifted null), beside the same architecture at initialisation with the seed's own
//! init ([`init_network`]). Per network: k units above the initialisation null's 99th percentile
//! out of H. The check, per seed, on the final network: more such units than the null's own 1 %
//! allows — P(X ≥ k) < 0.01 for X ~ Binomial(H, 0.01), the threshold stated with the check
//! ([`binomial_rule`]; e.g. k ≥ 8 of 256). The best snapshot is reported, not checked (the best
//! of several looks would need a correction). The trainer's own checks come first.
//!
//! Configuration: two TOML tables, `[train]` (`engram rnn train`'s keys; default the `grid`
//! preset with seeds 0, 1, 2 and a snapshot every 500 steps) and `[analysis]` (`engram rnn
//! analyze`'s sampling keys; `run-dir`, `weights` and `init-seed` do not apply): `--config FILE`
//! sets them, `--print-config` shows them.

mod output;

use serde::{Deserialize, Serialize};

use super::analyze::{
    AnalyzeConfig, AnalyzeOutput, Counts, Kind, Point, analyse, binomial_rule, binomial_tail,
    init_network,
};
use super::export::f32_network;
use super::train::{Objective, Train, TrainConfig, TrainOutput};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, bad,
};

pub use output::EMERGENCE_HEADER;

/// The default training runs: the `grid` preset with seeds 0, 1, 2 and a snapshot every 500 steps.
pub fn grid_runs() -> TrainConfig {
    let mut t = super::train::config::preset("grid").unwrap_or_default();
    t.seed = vec![0, 1, 2];
    t.snapshot_every = 500;
    t
}

/// Parameters: the TOML tables `[train]` and `[analysis]` (no flags of its own: `--config FILE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct EmergenceConfig {
    /// The training runs: `engram rnn train`'s keys.
    #[arg(skip = grid_runs())]
    pub train: TrainConfig,
    /// The analysis of every network: `engram rnn analyze`'s sampling keys.
    #[arg(skip = AnalyzeConfig::default())]
    pub analysis: AnalyzeConfig,
}

impl Default for EmergenceConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for EmergenceConfig {}

impl EmergenceConfig {
    /// Checks both tables; the error names the key (`analysis.bins: …`, `train.snapshot-every: …`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.train
            .validate()
            .map_err(|e| bad(format!("train.{}", e.field), e.why))?;
        self.analysis
            .validate()
            .map_err(|e| bad(format!("analysis.{}", e.field), e.why))?;
        if self.analysis.run_dir.is_some() || self.analysis.weights.is_some() {
            return Err(bad(
                "analysis.run-dir",
                "not used here: the networks are the ones trained by [train]",
            ));
        }
        if self.analysis.init_seed != 0 {
            return Err(bad(
                "analysis.init-seed",
                "not used here: each seed's initialisation is its own null",
            ));
        }
        if self.train.objective != Objective::Supervised {
            return Err(bad(
                "train.objective",
                "the analysis decodes through the readout: it needs the supervised objective",
            ));
        }
        Ok(())
    }

    /// Whether the runs are trained like the `grid` preset (periodic box, weight decay > 0): the
    /// binomial test applies.
    pub fn grid_trained(&self) -> bool {
        self.train.periodic && self.train.weight_decay > 0.0
    }
}

/// One analysed network of a seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysed {
    /// Training steps done.
    pub step: u64,
    /// Its analysis (no rate maps kept).
    pub analysis: AnalyzeOutput,
}

/// What one seed measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmergenceOutput {
    /// The seed.
    pub seed: u64,
    /// The training run (its snapshots dropped once analysed).
    pub train: TrainOutput,
    /// The same architecture at initialisation (the null).
    pub init: AnalyzeOutput,
    /// The kept networks and the final one, in step order.
    pub trained: Vec<Analysed>,
}

impl EmergenceOutput {
    /// Units above the initialisation null's p99, per analysed network: (step, k, H, counts).
    pub fn curve(&self) -> Vec<(u64, usize, usize, Counts)> {
        self.trained
            .iter()
            .map(|a| {
                let c = Counts::of(&a.analysis, &self.init);
                (a.step, c.above_init, a.analysis.units.len(), c)
            })
            .collect()
    }
}

/// Grid cells over training as an [`Experiment`]: one point per seed.
#[derive(Clone)]
pub struct GridEmergence {
    cfg: EmergenceConfig,
    train: Train,
}

impl Experiment for GridEmergence {
    type Config = EmergenceConfig;
    type Point = u64;
    type Output = EmergenceOutput;

    const NAME: &'static str = "rnn-grid-emergence";
    const TITLE: &'static str =
        "grid-like units over training, against the untrained network's null, per seed";
    const RESULTS: &'static str = "rnn/grid-emergence";
    const UNIT: &'static str = "steps";

    fn new(cfg: EmergenceConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        let train = Train::new(cfg.train.clone())?;
        Ok(GridEmergence { cfg, train })
    }

    fn config(&self) -> &EmergenceConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Do grid-like units emerge in a path integrator trained like the `grid` preset (periodic \
         box, weight decay), and do they last (docs/gridscore.md)? Each seed is trained with the \
         trainer, keeping its network every few hundred steps; every kept network is analysed as \
         `engram rnn analyze` does — rate maps on held-out trajectories, DeepMind's score60 — and \
         its units counted above the 99th percentile of the same architecture at initialisation \
         (the seed's own init). Check, per seed: the final network has more such units than the \
         null's own 1 % allows (binomial tail p < 0.01). Trials elsewhere saw 48 % at 1 800 steps \
         in one run and none to 7 % in a replicate: emergence is fragile, so the curve is shown \
         for every seed."
            .to_owned()
    }

    fn kernels(&self) -> String {
        format!(
            "training: {}; analysis: engram-core f32 network, grid scores in f64",
            self.train.kernels()
        )
    }

    fn points(&self) -> Vec<u64> {
        self.cfg.train.seed.clone()
    }

    fn label(&self, seed: &u64) -> String {
        format!("seed={seed}")
    }

    fn work(&self, seed: &u64) -> u64 {
        let networks = 2 + self.cfg.train.snapshot_steps().len() as u64;
        self.train.work(seed)
            + networks * (self.cfg.analysis.trajectories + self.cfg.train.ng) as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let mut e = self.train.estimate()?;
        let (t, a) = (&self.cfg.train, &self.cfg.analysis);
        let networks = (2 + t.snapshot_steps().len()) * t.seed.len();
        let flops = networks as f64 * super::analyze::run::flops(a, t.ng as u64, t.np as u64);
        e.seconds += flops / 2e9;
        e.memory = e.memory.plus(
            Size::of("analysis.trajectories", a.trajectories as u64)
                .times("analysis.steps", a.steps as u64)?
                .times("ng", 12 * t.ng as u64)?,
        )?;
        e.time_fields
            .push_str("/snapshot-every/analysis.trajectories");
        Ok(e)
    }

    fn run_point(
        &self,
        &seed: &u64,
        ctx: &PointCtx<'_>,
    ) -> anyhow::Result<Option<EmergenceOutput>> {
        // Stopped during the analysis, a resumed run retrains from the last checkpoint (to the
        // same bits) and analyses again.
        let Some(mut train) = self.train.run_point(&seed, ctx)? else {
            return Ok(None);
        };
        let a = &self.cfg.analysis;
        let last = f32_network(
            &train.network_blob()?,
            &format!("seed {seed}: final network"),
        )?;
        let init = init_network(&last, seed);
        let Some(init_out) = analyse(
            a,
            &init,
            Point {
                seed,
                kind: Kind::Init,
            },
            false,
            ctx,
        )?
        else {
            return Ok(None);
        };
        let mut trained = Vec::new();
        let snapshots = std::mem::take(&mut train.snapshots);
        for snap in &snapshots {
            let origin = format!("seed {seed}: network at step {}", snap.step);
            let net = f32_network(&snap.network_blob()?, &origin)?;
            let p = Point {
                seed,
                kind: Kind::Trained,
            };
            let Some(o) = analyse(a, &net, p, false, ctx)? else {
                return Ok(None);
            };
            trained.push(Analysed {
                step: snap.step,
                analysis: o,
            });
        }
        let p = Point {
            seed,
            kind: Kind::Trained,
        };
        let Some(o) = analyse(a, &last, p, false, ctx)? else {
            return Ok(None);
        };
        trained.push(Analysed {
            step: train.steps,
            analysis: o,
        });
        Ok(Some(EmergenceOutput {
            seed,
            train,
            init: init_out,
            trained,
        }))
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let mut checks = Vec::new();
        for d in done {
            let o = d.output;
            checks.extend(super::train::checks(&self.cfg.train, &o.train));
            let at = format!("seed={}", o.seed);
            let curve = o.curve();
            let Some(&(step, k, h, c)) = curve.last() else {
                continue;
            };
            let what = format!(
                "final network (step {step}): units above the untrained network's p99 = {:.3} \
                 (untrained: {} of {h}); P(X ≥ k) = {:.2e}, X ~ Binomial({h}, 0.01)",
                c.init_p99,
                c.init_above_init,
                binomial_tail(k, h, super::analyze::ALPHA)
            );
            let check = Check::new(what, Some(k as f64)).at(&at);
            checks.push(if self.cfg.grid_trained() {
                binomial_rule(check, h)
            } else {
                check.not_applicable(
                    "not trained like the grid preset (periodic box with weight decay > 0)",
                )
            });
            if let Some(&(best_step, best, h, _)) =
                curve.iter().max_by_key(|p| (p.1, u64::MAX - p.0))
            {
                checks.push(
                    Check::new(
                        format!(
                            "most units above that null over training: at step {best_step} \
                             ({:.1} % of {h})",
                            100.0 * best as f64 / h.max(1) as f64
                        ),
                        Some(best as f64),
                    )
                    .at(&at)
                    .not_applicable(format!(
                        "reported, not checked: the best of {} looks would need a correction",
                        curve.len()
                    )),
                );
            }
        }
        checks
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        output::write(&self.cfg, out, done)
    }
}

/// The registry's configuration (every tier the same: the entry runs at `--full` only).
pub fn tier(_t: crate::experiment::registry::Tier) -> EmergenceConfig {
    EmergenceConfig::default()
}
