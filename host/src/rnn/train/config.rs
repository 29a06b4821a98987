//! [`TrainConfig`]: every hyper-parameter of `engram rnn train` (flags and TOML keys are the same
//! fields) and the named presets (`--preset small|grid|ssl|board|paper`).

use serde::{Deserialize, Serialize};

use crate::experiment::{
    ConfigError, at_least, at_most, bad, distinct, in_range, non_empty, positive,
};

/// The training objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Sorscher et al.: softmax cross-entropy of the readout against the place-cell code, plus
    /// weight-decay·‖W_hh‖².
    Supervised,
    /// Schaeffer et al. 2023: separation, path-invariance and capacity losses on pairs of
    /// Norm-ReLU states (no readout term).
    Ssl,
}

/// The state nonlinearity φ (as `engram_core::rnn::Activation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ActivationArg {
    /// max(z, 0).
    Relu,
    /// tanh z.
    Tanh,
    /// ReLU, then L2-normalise the state.
    NormRelu,
}

impl ActivationArg {
    /// The core activation.
    pub fn core(self) -> engram_core::rnn::Activation {
        match self {
            ActivationArg::Relu => engram_core::rnn::Activation::Relu,
            ActivationArg::Tanh => engram_core::rnn::Activation::Tanh,
            ActivationArg::NormRelu => engram_core::rnn::Activation::NormRelu,
        }
    }
}

/// The place-cell tuning profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceKind {
    /// Difference of softmaxes (Sorscher et al.'s `DoG`), surround variance s·σ².
    Dos,
    /// One softmax of Gaussian bumps.
    Gaussian,
}

/// The learning rate over the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LrSchedule {
    /// `--lr` at every step.
    Constant,
    /// Cosine annealing (Loshchilov & Hutter 2017, without restarts) from `--lr` at the first step
    /// to `--lr-final` at the last.
    Cosine,
}

/// The optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerArg {
    /// Adam (β₁ 0.9, β₂ 0.999, ε 1e-8, bias-corrected; PyTorch's defaults).
    Adam,
    /// Plain stochastic gradient descent.
    Sgd,
}

/// Parameters of a training run: the flags of `engram rnn train` and its TOML keys. Defaults are
/// the `small` preset (Sorscher et al.'s recipe at a CPU scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TrainConfig {
    /// Recurrent units Ng.
    #[arg(long, default_value_t = 256)]
    pub ng: usize,
    /// Place cells Np (the readout's size).
    #[arg(long, default_value_t = 512)]
    pub np: usize,
    /// Trajectories per step.
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// Steps T per trajectory.
    #[arg(long, default_value_t = 20)]
    pub seq_len: usize,
    /// Optimiser steps.
    #[arg(long, default_value_t = 6000)]
    pub steps: usize,
    /// Learning rate (with a schedule: at the first step).
    #[arg(long, default_value_t = 3e-3, allow_negative_numbers = true)]
    pub lr: f64,
    /// Learning-rate schedule: constant, or cosine from --lr at step 0 to --lr-final at the last step.
    #[arg(long, value_enum, default_value_t = LrSchedule::Constant)]
    pub lr_schedule: LrSchedule,
    /// With --lr-schedule cosine: the learning rate at the last step (0 ≤ lr-final ≤ lr).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub lr_final: f64,
    /// L2 penalty on the recurrent weights: the loss gains weight-decay·‖W_hh‖² (Sorscher et al.).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub weight_decay: f64,
    /// State nonlinearity.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    pub activation: ActivationArg,
    /// A torus (wrap-around motion, periodic place-cell distances) instead of a walled box.
    #[arg(long)]
    pub periodic: bool,
    /// Training objective.
    #[arg(long, value_enum, default_value_t = Objective::Supervised)]
    pub objective: Objective,
    /// Master seeds (list): one training run (one point) per seed; data are keyed (seed, step,
    /// trajectory), place-cell centres and initial weights by the seed.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub seed: Vec<u64>,
    /// Optimiser.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Adam)]
    pub optimizer: OptimizerArg,
    /// Save the full training state every N steps (0: only when stopped).
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub checkpoint_every: usize,
    /// Keep the network every N steps (0: only the final one): written as
    /// `network-step<N>.bin` (`network-seed<S>-step<N>.bin` for several seeds), e.g. to analyse
    /// grid cells over training.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub snapshot_every: usize,
    /// Evaluate held-out decoding error every N steps (and at the end).
    #[arg(long, value_name = "N", default_value_t = 250)]
    pub eval_every: usize,
    /// Held-out trajectories per evaluation (keyed apart from training data).
    #[arg(long, default_value_t = 400)]
    pub eval_batch: usize,
    /// Place-cell profile.
    #[arg(long, value_enum, default_value_t = PlaceKind::Dos)]
    pub place_code: PlaceKind,
    /// Place-cell width σ (m).
    #[arg(long, default_value_t = 0.12, allow_negative_numbers = true)]
    pub sigma: f64,
    /// Difference of softmaxes: the surround's variance is s·σ².
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub surround: f64,
    /// Box side L (m), centred on 0.
    #[arg(long = "box", default_value_t = 2.2, allow_negative_numbers = true)]
    #[serde(rename = "box")]
    pub box_size: f64,
    /// Decoding-error target (cm) of the final check.
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub target_cm: f64,
    /// The decoding target applies to runs of at least this many steps (a shorter --steps makes
    /// that check n/a).
    #[arg(long, default_value_t = 6000)]
    pub target_steps: usize,
    /// SSL: weight of the separation loss.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub sep_weight: f64,
    /// SSL: weight of the path-invariance loss.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub inv_weight: f64,
    /// SSL: weight of the capacity loss.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub cap_weight: f64,
    /// SSL: pairs farther apart than σ_x (m) are separated.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub sigma_x: f64,
    /// SSL: separation scale σ_g of the states: exp(−‖g−g'‖²/(2σ_g²)).
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub sigma_g: f64,
    /// SSL: pairs of states closer than this (m) count as the same place (path invariance).
    #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
    pub inv_radius: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for TrainConfig {}

impl TrainConfig {
    /// The learning rate of step `t` (0-based) of the run's `steps`: `lr` when constant; cosine
    /// annealing lr_t = lr_final + ½ (lr − lr_final)(1 + cos(π t / (steps − 1))), so step 0 uses
    /// `lr` and the last step `lr_final`. A pure function of the step (`libm`'s cos), so a resumed
    /// run follows the same schedule bit for bit.
    ///
    /// ```
    /// use engram::rnn::train::{LrSchedule, TrainConfig};
    /// let c = TrainConfig { lr: 1e-2, lr_schedule: LrSchedule::Cosine, lr_final: 1e-4, steps: 101, ..TrainConfig::default() };
    /// assert_eq!(c.lr_at(0), 1e-2);
    /// assert!((c.lr_at(50) - (1e-4 + 0.5 * (1e-2 - 1e-4))).abs() < 1e-15);
    /// assert!((c.lr_at(100) - 1e-4).abs() < 1e-15);
    /// ```
    pub fn lr_at(&self, t: u64) -> f64 {
        match self.lr_schedule {
            LrSchedule::Constant => self.lr,
            LrSchedule::Cosine => {
                let last = self.steps.saturating_sub(1).max(1) as f64;
                let x = (t as f64 / last).min(1.0);
                self.lr_final
                    + 0.5 * (self.lr - self.lr_final) * (1.0 + libm::cos(core::f64::consts::PI * x))
            }
        }
    }
}

/// The presets: (name, description).
pub const PRESETS: &[(&str, &str)] = &[
    (
        "small",
        "supervised, walled, Ng 256, Np 512, batch 200, T 20, lr 3e-3, 6000 steps: decoding < 10 cm",
    ),
    (
        "grid",
        "small in a periodic box with weight decay 1e-4 (grid-like units emerge, fragile)",
    ),
    (
        "ssl",
        "self-supervised (Norm-ReLU, permuted velocities), Ng 256, batch 32, T 20, 2000 steps",
    ),
    (
        "board",
        "a micro:bit-sized network: Ng 128, Np 128, σ 0.2 m, 6000 steps: decoding < 25 cm",
    ),
    (
        "paper",
        "Sorscher et al.'s scale: Ng 4096, Np 512, batch 200, T 20, lr 1e-4, wd 1e-4, 100 000 steps",
    ),
];

/// The configuration of a preset.
pub fn preset(name: &str) -> Option<TrainConfig> {
    let small = TrainConfig::default();
    Some(match name {
        "small" => small,
        "grid" => TrainConfig {
            periodic: true,
            weight_decay: 1e-4,
            target_cm: 15.0,
            ..small
        },
        "ssl" => TrainConfig {
            objective: Objective::Ssl,
            activation: ActivationArg::NormRelu,
            batch: 32,
            steps: 2000,
            lr: 1e-3,
            target_steps: 2000,
            ..small
        },
        "board" => TrainConfig {
            ng: 128,
            np: 128,
            // 128 cells are ≈ 19 cm apart: σ 0.12 m leaves a top-3 floor of 27 cm, σ 0.2 m 9.6 cm.
            sigma: 0.2,
            target_cm: 25.0,
            ..small
        },
        "paper" => TrainConfig {
            ng: 4096,
            lr: 1e-4,
            weight_decay: 1e-4,
            steps: 100_000,
            checkpoint_every: 1000,
            eval_every: 2000,
            target_cm: 10.0,
            target_steps: 100_000,
            ..small
        },
        _ => return None,
    })
}

/// Most networks a run keeps with `--snapshot-every`.
pub const MAX_SNAPSHOTS: usize = 1000;

/// Largest Ng, Np, batch, T accepted (a step's memory grows with their products; checked again
/// by the estimate).
const MAX_SIZE: usize = 1 << 16;

impl TrainConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("ng", self.ng, 1)?;
        at_most("ng", self.ng, MAX_SIZE)?;
        at_least("np", self.np, 2)?;
        at_most("np", self.np, MAX_SIZE)?;
        at_least("batch", self.batch, 1)?;
        at_most("batch", self.batch, MAX_SIZE)?;
        at_least("seq-len", self.seq_len, 1)?;
        at_most("seq-len", self.seq_len, MAX_SIZE)?;
        at_least("steps", self.steps, 1)?;
        at_most("steps", self.steps, 1 << 40)?;
        positive("lr", self.lr)?;
        in_range("lr", self.lr, 0.0, 10.0)?;
        in_range("lr-final", self.lr_final, 0.0, self.lr)?;
        if self.lr_schedule == LrSchedule::Constant && self.lr_final != 0.0 {
            return Err(bad("lr-final", "applies only with --lr-schedule cosine"));
        }
        in_range("weight-decay", self.weight_decay, 0.0, 10.0)?;
        non_empty("seed", &self.seed)?;
        distinct("seed", &self.seed)?;
        at_least("eval-every", self.eval_every, 1)?;
        if self.snapshot_every > 0 && self.steps / self.snapshot_every > MAX_SNAPSHOTS {
            return Err(bad(
                "snapshot-every",
                format!(
                    "{} steps / {} keeps {} networks; at most {MAX_SNAPSHOTS}",
                    self.steps,
                    self.snapshot_every,
                    self.steps / self.snapshot_every
                ),
            ));
        }
        at_least("eval-batch", self.eval_batch, 1)?;
        at_most("eval-batch", self.eval_batch, MAX_SIZE)?;
        in_range("sigma", self.sigma, 1e-3, 10.0)?;
        in_range("surround", self.surround, 1.0 + 1e-6, 100.0)?;
        in_range("box", self.box_size, 0.2, 100.0)?;
        positive("target-cm", self.target_cm)?;
        in_range("sep-weight", self.sep_weight, 0.0, 1e6)?;
        in_range("inv-weight", self.inv_weight, 0.0, 1e6)?;
        in_range("cap-weight", self.cap_weight, 0.0, 1e6)?;
        in_range("sigma-x", self.sigma_x, 1e-4, 100.0)?;
        in_range("sigma-g", self.sigma_g, 1e-3, 100.0)?;
        in_range("inv-radius", self.inv_radius, 0.0, 100.0)?;
        if self.inv_radius >= self.sigma_x {
            return Err(bad(
                "inv-radius",
                "must be below --sigma-x (same-place pairs must not also be separated)",
            ));
        }
        if self.objective == Objective::Ssl && self.activation != ActivationArg::NormRelu {
            return Err(bad(
                "activation",
                "the ssl objective needs --activation norm-relu (its losses assume unit-norm states)",
            ));
        }
        if self.objective == Objective::Ssl && self.batch < 2 {
            return Err(bad(
                "batch",
                "the ssl objective needs >= 2 permutations per batch",
            ));
        }
        // The walk's largest step (8.572·b·dt, b = 0.13·2π m/s, dt = 0.02 s) must fit the box.
        let max_step =
            engram_core::rnn::trajectory::RAYLEIGH_DRAW_MAX * 0.13 * std::f64::consts::TAU * 0.02;
        if self.box_size <= max_step {
            return Err(bad(
                "box",
                format!(
                    "{} m is not longer than the walk's largest step {max_step:.3} m",
                    self.box_size
                ),
            ));
        }
        Ok(())
    }

    /// The steps at which a run keeps a snapshot of its network: multiples of
    /// `snapshot_every` below `steps` (the final network is the run's output).
    pub fn snapshot_steps(&self) -> Vec<u64> {
        if self.snapshot_every == 0 {
            return Vec::new();
        }
        (1..)
            .map(|k| (k * self.snapshot_every) as u64)
            .take_while(|&s| s < self.steps as u64)
            .collect()
    }

    /// Rows of one step's activations: B·T.
    pub fn rows(&self) -> usize {
        self.batch * self.seq_len
    }

    /// Floating-point operations of one training step (forward + backward GEMMs, 2 per
    /// multiply-add): readout and its two gradients 3·2·BT·Ng·Np, recurrence forward, backward and
    /// ∂W_hh 3·2·BT·Ng², encoder forward and gradient 2·2·B·Ng·Np (+ the input terms).
    pub fn flops_per_step(&self) -> f64 {
        let (bt, b, h, p) = (
            self.rows() as f64,
            self.batch as f64,
            self.ng as f64,
            self.np as f64,
        );
        let readout = if self.objective == Objective::Supervised {
            6.0 * bt * h * p
        } else {
            // SSL: the pair Gram matrix and its gradient, 2·2·(BT)²·Ng.
            4.0 * bt * bt * h
        };
        readout + 6.0 * bt * h * h + 4.0 * b * h * p + 12.0 * bt * h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_schedule_falls_monotonically_from_lr_to_lr_final() {
        let c = TrainConfig {
            lr: 3e-3,
            lr_schedule: LrSchedule::Cosine,
            lr_final: 1e-4,
            steps: 6000,
            ..TrainConfig::default()
        };
        c.validate().unwrap();
        let lrs: Vec<f64> = (0..6000).map(|t| c.lr_at(t)).collect();
        assert_eq!(lrs[0], 3e-3);
        assert!((lrs[5999] - 1e-4).abs() < 1e-18);
        assert!(lrs.windows(2).all(|w| w[1] <= w[0]));
        // Halfway in steps is halfway in rate.
        assert!((c.lr_at(5999 / 2) - 0.5 * (3e-3 + 1e-4)).abs() < 1e-6);
        // A one-step run uses lr; constant ignores the step.
        assert_eq!(
            TrainConfig {
                steps: 1,
                ..c.clone()
            }
            .lr_at(0),
            3e-3
        );
        assert_eq!(TrainConfig::default().lr_at(123), TrainConfig::default().lr);
    }

    #[test]
    fn defaults_and_presets_validate() {
        TrainConfig::default().validate().unwrap();
        for (name, _) in PRESETS {
            preset(name).unwrap().validate().unwrap();
        }
        assert!(preset("nope").is_none());
        assert_eq!(preset("small").unwrap(), TrainConfig::default());
    }

    #[test]
    fn small_is_about_five_gflop() {
        let g = TrainConfig::default().flops_per_step() / 1e9;
        assert!((4.5..5.2).contains(&g), "{g}");
    }

    #[test]
    fn bad_values_name_their_flag() {
        let c = TrainConfig {
            ng: 0,
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().starts_with("ng:"));
        let c = TrainConfig {
            lr: f64::NAN,
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().starts_with("lr:"));
        for (schedule, lr_final) in [
            (LrSchedule::Cosine, 1.0),
            (LrSchedule::Cosine, -1e-4),
            (LrSchedule::Constant, 1e-4),
        ] {
            let c = TrainConfig {
                lr_schedule: schedule,
                lr_final,
                ..TrainConfig::default()
            };
            let e = c.validate().unwrap_err().to_string();
            assert!(e.starts_with("lr-final:"), "{e}");
        }
        let c = TrainConfig {
            objective: Objective::Ssl,
            ..TrainConfig::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .starts_with("activation:")
        );
        let c = TrainConfig {
            seed: vec![1, 1],
            ..TrainConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().starts_with("seed:"));
    }
}
