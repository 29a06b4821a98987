//! One training step — data, forward, loss, backward, update — and the state it advances.

use faer::Par;

use super::backward::{readout_backward, recurrent_backward};
use super::config::{Objective, TrainConfig};
use super::data::{Batch, HostPlaceCells, generate};
use super::forward::{Forward, forward};
use super::loss::{SslLoss, cross_entropy, l2};
use super::model::{Params, Shape};
use super::optim::Optimizer;

/// What a step's data depend on: the configuration, the seed and the place cells.
#[derive(Debug, Clone)]
pub struct DataSource {
    /// The run's configuration.
    pub cfg: TrainConfig,
    /// Its seed.
    pub seed: u64,
    /// Its place cells (centres from the seed).
    pub cells: HostPlaceCells,
}

impl DataSource {
    /// The source of run `seed`.
    pub fn new(cfg: &TrainConfig, seed: u64) -> anyhow::Result<Self> {
        Ok(DataSource {
            cfg: cfg.clone(),
            seed,
            cells: HostPlaceCells::new(cfg, seed)?,
        })
    }

    /// The batch of training step `step` (0-based).
    pub fn batch(&self, step: u64) -> anyhow::Result<Batch> {
        generate(
            &self.cfg,
            &self.cells,
            self.seed,
            step,
            self.cfg.batch,
            self.cfg.objective,
        )
    }

    /// The self-supervised loss's options.
    pub fn ssl(&self) -> SslLoss {
        let c = &self.cfg;
        SslLoss {
            sigma_x: c.sigma_x,
            sigma_g: c.sigma_g,
            inv_radius: c.inv_radius,
            sep: c.sep_weight,
            inv: c.inv_weight,
            cap: c.cap_weight,
            box_size: c.box_size,
            periodic: c.periodic,
        }
    }
}

/// The state a training run advances: parameters, optimiser, steps done, and scratch.
#[derive(Debug, Clone)]
pub struct Net {
    /// Parameters.
    pub params: Params<f32>,
    /// Optimiser state.
    pub opt: Optimizer<f32>,
    /// Steps done (the next batch is number `step`).
    pub step: u64,
    fwd: Forward<f32>,
    grads: Params<f32>,
    dg: Vec<f32>,
    dzt: Vec<f32>,
}

impl Net {
    /// A fresh network for run `seed`.
    pub fn new(cfg: &TrainConfig, seed: u64) -> Self {
        let params = Params::init(
            Shape {
                h: cfg.ng,
                p: cfg.np,
            },
            seed,
        );
        Net {
            opt: Optimizer::new(cfg.optimizer, cfg.lr, &params),
            grads: Params::zeros(params.shape),
            params,
            step: 0,
            fwd: Forward::default(),
            dg: Vec::new(),
            dzt: Vec::new(),
        }
    }

    /// A network from saved parameters and optimiser.
    pub fn restore(params: Params<f32>, opt: Optimizer<f32>, step: u64) -> Self {
        Net {
            grads: Params::zeros(params.shape),
            params,
            opt,
            step,
            fwd: Forward::default(),
            dg: Vec::new(),
            dzt: Vec::new(),
        }
    }

    /// The loss of `batch` and the gradients, without updating (tests, benches).
    pub fn loss_and_grads(&mut self, src: &DataSource, batch: &Batch, par: Par) -> f64 {
        let cfg = &src.cfg;
        let sup = cfg.objective == Objective::Supervised;
        forward(
            &self.params,
            cfg.activation,
            &batch.v,
            &batch.p0,
            batch.b,
            batch.t,
            sup,
            &mut self.fwd,
            par,
        );
        let h = cfg.ng;
        let mut loss = l2(&self.params.w_hh, cfg.weight_decay);
        if sup {
            loss += cross_entropy(&mut self.fwd.logits, &batch.y, cfg.np);
            readout_backward(
                &self.params,
                &self.fwd,
                &self.fwd.logits,
                &mut self.grads,
                &mut self.dg,
                par,
            );
        } else {
            let n = batch.b * batch.t;
            let g = &self.fwd.s[batch.b * h..];
            loss += src
                .ssl()
                .eval(g, h, &batch.pos, Some(&mut self.dg), par)
                .total;
            debug_assert_eq!(self.dg.len(), n * h);
            self.grads.w_dec.iter_mut().for_each(|w| *w = 0.0);
        }
        recurrent_backward(
            &self.params,
            cfg.activation,
            &batch.v,
            &batch.p0,
            &self.fwd,
            &mut self.dg,
            cfg.weight_decay as f32,
            &mut self.grads,
            &mut self.dzt,
            par,
        );
        loss
    }

    /// The gradients of the last [`loss_and_grads`](Self::loss_and_grads).
    pub fn grads(&self) -> &Params<f32> {
        &self.grads
    }

    /// One step on `batch` (the batch of step `self.step`): returns its loss, or an error naming
    /// the step if the loss or a gradient is not finite (the parameters are left untouched).
    pub fn train_step(&mut self, src: &DataSource, batch: &Batch, par: Par) -> anyhow::Result<f64> {
        let loss = self.loss_and_grads(src, batch, par);
        let bad = if !loss.is_finite() {
            Some("the loss".to_owned())
        } else {
            self.grads
                .first_non_finite()
                .map(|t| format!("the gradient of {t}"))
        };
        if let Some(what) = bad {
            anyhow::bail!(
                "diverged at step {}: {what} is not finite (loss {loss}); lower --lr",
                self.step + 1
            );
        }
        self.opt.step(&mut self.params, &self.grads);
        self.step += 1;
        Ok(loss)
    }
}
