//! `engram rnn train`: path integrators trained on a CPU (`docs/training.md`):
//! batched backpropagation through time in f32 with faer GEMMs, the supervised objective of
//! Sorscher et al. and the self-supervised one of Schaeffer et al. 2023, on the shared experiment
//! shape — one seed is one (long) point that checkpoints its whole state and resumes bit for bit.
//!
//! | file | concept |
//! | --- | --- |
//! | [`config`] | [`TrainConfig`] (flags = TOML keys) and the presets |
//! | [`data`] | batches from the core generator, place-cell targets on a SIMD path |
//! | [`model`] | [`Params`], initialisation, the [`Float`] the math is generic over |
//! | [`forward`], [`backward`] | the batched forward pass and BPTT |
//! | [`loss`] | cross-entropy + L2; the self-supervised pair losses |
//! | [`optim`] | Adam, SGD |
//! | [`eval`] | held-out decoding error, chance and the place code's floor |
//! | [`step`] | one training step and the state it advances |
//! | [`checkpoint`] | that state in the core blob format |
//!
//! Results directory: `network.bin` (one seed) or `network-seed<S>.bin` — the core network blob
//! (`engram_core::rnn::Model::from_blob`), with `--snapshot-every N` also `network-step<N>.bin`
//! (`network-seed<S>-step<N>.bin`) for the networks kept during training, `loss.csv`,
//! `final.csv`, `curves.svg`, plus the shared `summary.json`, `report.md`, `config.toml`.

pub mod backward;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod eval;
pub mod forward;
pub mod loss;
pub mod model;
pub mod optim;
mod output;
pub mod split;
pub mod step;
#[cfg(test)]
mod tests;

pub use checkpoint::EvalRow;
pub use config::{LrSchedule, Objective, TrainConfig};
pub use model::{Float, Params};
pub use output::{Snapshot, TrainOutput, checks, network_file, snapshot_file};

use faer::Par;

use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size,
};
use checkpoint::State;
use eval::EvalSet;
use step::{DataSource, Net};

/// Held-out self-supervised batches per evaluation.
pub const SSL_EVAL_BATCHES: u64 = 4;

/// A training run (one point per seed) as an [`Experiment`].
#[derive(Clone)]
pub struct Train {
    cfg: TrainConfig,
    /// Tests: request this stop once a run reaches this many steps.
    stop_after: Option<(u64, &'static crate::signals::Stop)>,
}

impl Train {
    /// Requests `stop` when a run reaches `steps` steps (tests of the stop/resume path; a
    /// signal does the same in a real run).
    #[doc(hidden)]
    pub fn stop_after(mut self, steps: u64, stop: &'static crate::signals::Stop) -> Self {
        self.stop_after = Some((steps, stop));
        self
    }
}

/// The faer parallelism of the current rayon pool.
pub fn par_here() -> Par {
    match rayon::current_num_threads() {
        0 | 1 => Par::Seq,
        n => Par::rayon(n),
    }
}

/// Held-out data of a run: supervised decoding, or self-supervised batches.
enum Held {
    Sup(EvalSet),
    Ssl(Vec<data::Batch>),
}

impl Held {
    fn new(src: &DataSource) -> anyhow::Result<Self> {
        Ok(match src.cfg.objective {
            Objective::Supervised => Held::Sup(EvalSet::new(&src.cfg, &src.cells, src.seed)?),
            Objective::Ssl => Held::Ssl(
                (0..SSL_EVAL_BATCHES)
                    .map(|k| {
                        data::generate(
                            &src.cfg,
                            &src.cells,
                            src.seed,
                            data::EVAL_BATCH - k,
                            src.cfg.batch,
                            Objective::Ssl,
                        )
                    })
                    .collect::<anyhow::Result<_>>()?,
            ),
        })
    }

    /// An evaluation row (train loss filled in by the caller); with `shuffle`, the SSL metrics of
    /// positions permuted across states (the null).
    fn eval(
        &self,
        src: &DataSource,
        params: &Params<f32>,
        shuffle: bool,
        par: Par,
    ) -> anyhow::Result<EvalRow> {
        let mut row = EvalRow {
            step: 0,
            train_loss: f64::NAN,
            eval_loss: None,
            decode_cm: None,
            same: None,
            diff: None,
        };
        match self {
            Held::Sup(set) => {
                let (l, e) = eval::evaluate(&src.cfg, params, &src.cells, set, par)?;
                row.eval_loss = Some(l);
                row.decode_cm = Some(e);
            }
            Held::Ssl(batches) => {
                let (mut same, mut diff) = (0.0, 0.0);
                let h = src.cfg.ng;
                for (k, b) in batches.iter().enumerate() {
                    let mut fwd = forward::Forward::default();
                    forward::forward(
                        params,
                        src.cfg.activation,
                        &b.v,
                        &b.p0,
                        b.b,
                        b.t,
                        false,
                        &mut fwd,
                        par,
                    );
                    let mut pos = b.pos.clone();
                    if shuffle {
                        let n = pos.len() / 2;
                        let mut perm: Vec<u32> = (0..n as u32).collect();
                        engram_core::rng::Rng::keyed(
                            src.seed,
                            &[engram_core::rng::key_str("rnn_train_null"), k as u64],
                        )
                        .shuffle(&mut perm);
                        pos = perm
                            .iter()
                            .flat_map(|&i| [b.pos[2 * i as usize], b.pos[2 * i as usize + 1]])
                            .collect();
                    }
                    let t = src.ssl().eval::<f32>(&fwd.s[b.b * h..], h, &pos, None, par);
                    same += t.same / batches.len() as f64;
                    diff += t.diff / batches.len() as f64;
                }
                row.same = same.is_finite().then_some(same);
                row.diff = diff.is_finite().then_some(diff);
            }
        }
        Ok(row)
    }
}

impl Train {
    fn fresh(&self, seed: u64) -> State {
        State {
            net: Net::new(&self.cfg, seed),
            acc_loss: 0.0,
            acc_steps: 0,
            first_loss: f64::NAN,
            history: Vec::new(),
            snapshots: Vec::new(),
        }
    }
}

impl Experiment for Train {
    type Config = TrainConfig;
    type Point = u64;
    type Output = TrainOutput;

    const NAME: &'static str = "rnn-train";
    const TITLE: &'static str = "training path integrators";
    const RESULTS: &'static str = "rnn/train";
    const UNIT: &'static str = "steps";

    fn presets() -> &'static [(&'static str, &'static str)] {
        config::PRESETS
    }

    fn preset(name: &str) -> Option<TrainConfig> {
        config::preset(name)
    }

    fn new(cfg: TrainConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(Train {
            cfg,
            stop_after: None,
        })
    }

    fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "A vanilla recurrent network g_t = φ(W_ih v_t + W_hh g_{t−1}), g₀ = W_enc p(x₀), trained by \
         batched backpropagation through time to path-integrate simulated rat trajectories \
         (docs/training.md). Supervised (Sorscher, Mel, Ganguli & Ocko 2019/2023): softmax \
         cross-entropy of the readout W_dec g_t against the place-cell code of the true position, \
         plus weight decay on W_hh; decoded as the mean of the 3 best place cells' centres, \
         compared with chance (≈ 96 cm) and the place code's own floor (≈ 4 cm). Self-supervised \
         (Schaeffer et al. 2023): separation, path-invariance and capacity losses on pairs of \
         Norm-ReLU states of permuted velocity sequences."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "host f32: faer GEMMs (runtime AVX2/AVX-512 dispatch, rayon), the input projection, \
         readout and their gradients batched over all T steps; fused softmax cross-entropy and \
         place code with the shared vectorised exp; data from the engram-core walk"
            .to_owned()
    }

    fn points(&self) -> Vec<u64> {
        self.cfg.seed.clone()
    }

    fn label(&self, seed: &u64) -> String {
        format!("seed={seed}")
    }

    fn work(&self, _seed: &u64) -> u64 {
        self.cfg.steps as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let (h, p, b, t) = (c.ng as u64, c.np as u64, c.batch as u64, c.seq_len as u64);
        let bt = Size::of("batch", b).times("seq-len", t)?;
        // States, ∂G (H each), logits and targets (Np each) per row; 4 parameter copies.
        let rows = bt
            .clone()
            .times("ng", 2 * h)?
            .plus(bt.clone().times("np", 2 * p)?)?;
        let params = Size::of("ng", h)
            .times("np", 2 * p)?
            .plus(Size::of("ng", h).times("ng", h)?)?
            .times("", 4)?;
        let eval_rows = Size::of("eval-batch", c.eval_batch as u64)
            .times("seq-len", t)?
            .times("np", 3 * p)?;
        let ssl = if c.objective == Objective::Ssl {
            bt.clone().times("batch", b * t)?
        } else {
            Size::constant(0)
        };
        let one = rows
            .plus(params)?
            .plus(eval_rows)?
            .plus(ssl)?
            .times("", 4)?;
        let snaps = Size::of("ng", h)
            .times("np", 2 * p)?
            .plus(Size::of("ng", h).times("ng", h)?)?
            .times("snapshot-every", 4 * c.snapshot_steps().len() as u64)?;
        let memory = one.plus(snaps)?.times("seed", c.seed.len() as u64)?;
        let blob = Size::of("ng", h).times("np", 2 * p)?.times("", 4)?;
        let kept = 1 + c.snapshot_steps().len() as u64;
        let output = blob
            .times("snapshot-every", kept)?
            .times("seed", c.seed.len() as u64)?;
        let flops = c.flops_per_step() * c.steps as f64 * c.seed.len() as f64;
        // Measured here (2 cores, AVX-512): 25–150 GFLOP/s from Ng 256 to 4096 (docs/training.md).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        Ok(Estimate::new(
            memory,
            output,
            flops,
            4e10 * threads,
            "ng/np/batch/seq-len/steps/seed",
        ))
    }

    fn run_point(&self, &seed: &u64, ctx: &PointCtx<'_>) -> anyhow::Result<Option<TrainOutput>> {
        let cfg = &self.cfg;
        let src = DataSource::new(cfg, seed)?;
        let mut st = match ctx.load_state()? {
            Some(bytes) => checkpoint::decode(&bytes, cfg)?,
            None => self.fresh(seed),
        };
        ctx.tick(st.net.step);
        let par = par_here();
        let held = Held::new(&src)?;
        let total = cfg.steps as u64;
        let mut saved_at = st.net.step;
        let mut next = if st.net.step < total {
            Some(src.batch(st.net.step)?)
        } else {
            None
        };
        while st.net.step < total {
            if ctx.stopped() {
                ctx.save_state(&checkpoint::encode(&st)?)?;
                return Ok(None);
            }
            let Some(batch) = next.take() else {
                anyhow::bail!("internal: no batch for step {}", st.net.step);
            };
            let s = st.net.step;
            st.net.opt.lr = cfg.lr_at(s);
            // The next batch is generated while this step computes.
            let (res, upcoming) = rayon::join(
                || st.net.train_step(&src, &batch, par),
                || (s + 1 < total).then(|| src.batch(s + 1)).transpose(),
            );
            let kept = || {
                if saved_at > 0 {
                    format!(
                        "the last good checkpoint (step {saved_at}) is kept in the results directory"
                    )
                } else {
                    "no checkpoint was written yet".to_owned()
                }
            };
            let loss = res.map_err(|e| anyhow::anyhow!("{e}; {}", kept()))?;
            if st.first_loss.is_nan() {
                st.first_loss = loss;
            }
            if loss > 1e4 * st.first_loss.abs().max(1.0) {
                anyhow::bail!(
                    "diverged at step {}: loss {loss} is 10⁴ times the first step's {}; lower --lr; {}",
                    st.net.step,
                    st.first_loss,
                    kept()
                );
            }
            next = upcoming?;
            st.acc_loss += loss;
            st.acc_steps += 1;
            ctx.tick(1);
            let step = st.net.step;
            if let Some((n, stop)) = self.stop_after
                && n == step
            {
                stop.request();
            }
            if step % cfg.eval_every as u64 == 0 || step == total {
                let mut row = held.eval(&src, &st.net.params, false, par)?;
                row.step = step;
                row.train_loss = st.acc_loss / st.acc_steps.max(1) as f64;
                st.history.push(row);
                st.acc_loss = 0.0;
                st.acc_steps = 0;
            }
            if cfg.snapshot_every > 0 && step % cfg.snapshot_every as u64 == 0 && step < total {
                st.snapshots.push((step, st.net.params.clone()));
            }
            if cfg.checkpoint_every > 0 && step % cfg.checkpoint_every as u64 == 0 && step < total {
                ctx.save_state(&checkpoint::encode(&st)?)?;
                saved_at = step;
            }
        }
        let ratio = |r: EvalRow| match (r.same, r.diff) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        let (null_ratio, untrained_ratio) = match &held {
            Held::Ssl(_) => {
                let init = Params::init(st.net.params.shape, seed);
                (
                    ratio(held.eval(&src, &st.net.params, true, par)?),
                    ratio(held.eval(&src, &init, false, par)?),
                )
            }
            Held::Sup(_) => (None, None),
        };
        let (floor_cm, chance_cm) = match &held {
            Held::Sup(s) => (Some(s.floor_cm), Some(s.chance_cm)),
            Held::Ssl(_) => (None, None),
        };
        Ok(Some(TrainOutput {
            seed,
            steps: st.net.step,
            first_loss: st.first_loss,
            history: st.history,
            floor_cm,
            chance_cm,
            null_ratio,
            untrained_ratio,
            network: output::network_b64(cfg, &src.cells, &st.net.params)?,
            snapshots: st
                .snapshots
                .iter()
                .map(|(step, p)| {
                    Ok(output::Snapshot {
                        step: *step,
                        network: output::network_b64(cfg, &src.cells, p)?,
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        }))
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        done.iter()
            .flat_map(|d| output::checks(&self.cfg, d.output))
            .collect()
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        output::write(&self.cfg, out, done)
    }
}

/// The `rnn-train` tiers of `engram reproduce`: quick (seconds: the loss falls, decoding beats
/// chance), default (2 000 supervised steps, decoding < 50 cm, a few minutes on 2 cores), full
/// (the `small` preset).
pub fn tier(t: crate::experiment::registry::Tier) -> TrainConfig {
    use crate::experiment::registry::Tier;
    match t {
        Tier::Quick => TrainConfig {
            ng: 32,
            np: 64,
            sigma: 0.3,
            batch: 32,
            seq_len: 10,
            // 800 steps decode at 22–32 cm over seeds 0–2 (0.3 s in release); 200 steps stopped
            // at 64 cm, short of any honest target.
            steps: 800,
            lr: 1e-2,
            eval_every: 200,
            eval_batch: 100,
            checkpoint_every: 200,
            target_cm: 40.0,
            target_steps: 800,
            ..TrainConfig::default()
        },
        Tier::Default => TrainConfig {
            steps: 2000,
            target_cm: 50.0,
            target_steps: 2000,
            ..TrainConfig::default()
        },
        Tier::Full => TrainConfig::default(),
    }
}
