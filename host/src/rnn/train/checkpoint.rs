//! A training run's full state in the core blob format: parameters, optimiser moments and update
//! count, steps done (which is also the generator's position: data are keyed (seed, step, index)),
//! the running loss and the evaluation history — everything a resumed run needs to continue to the
//! bits an uninterrupted run reaches.
//!
//! | tensor | dtype | shape |
//! | --- | --- | --- |
//! | `w_ih`, `w_hh`, `w_enc`, `w_dec` | f32 | as the network blob |
//! | `adam.m.<w>`, `adam.v.<w>` | f32 | the same |
//! | `train.counters` | f64 | [5]: steps done, optimiser updates, Σ loss and steps since the last evaluation, first step's loss |
//! | `train.history` | f64 | [rows, 7]: the evaluation rows ([`EvalRow`]; NaN for none) |
//! | `train.snapshots` | f64 | [n]: the steps of the networks kept (`--snapshot-every`; absent: none) |
//! | `snap.<k>.<w>` | f32 | network k's weights, as `<w>` |

use engram_core::blob::{self, Blob, TensorData, TensorSpec};

use super::config::TrainConfig;
use super::model::{NAMES, Params, Shape};
use super::optim::Optimizer;
use super::step::Net;

/// One evaluation: step, losses and the held-out metrics.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvalRow {
    /// Steps done.
    pub step: u64,
    /// Mean training loss over the steps since the previous row.
    pub train_loss: f64,
    /// Held-out cross-entropy (supervised).
    pub eval_loss: Option<f64>,
    /// Held-out decoding error (cm; supervised).
    pub decode_cm: Option<f64>,
    /// SSL: mean ‖g − g'‖² over same-place pairs of the held-out batches.
    pub same: Option<f64>,
    /// SSL: mean ‖g − g'‖² over separated pairs.
    pub diff: Option<f64>,
}

const COLS: usize = 6;

fn opt(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The saved state of a run.
#[derive(Debug, Clone)]
pub struct State {
    /// The network and optimiser.
    pub net: Net,
    /// Σ training loss since the last evaluation.
    pub acc_loss: f64,
    /// Steps since the last evaluation.
    pub acc_steps: u64,
    /// The first step's loss (NaN before it).
    pub first_loss: f64,
    /// Evaluations so far.
    pub history: Vec<EvalRow>,
    /// The networks kept so far (`--snapshot-every`): (step, parameters).
    pub snapshots: Vec<(u64, Params<f32>)>,
}

/// The state as a blob.
pub fn encode(s: &State) -> anyhow::Result<Vec<u8>> {
    let p = &s.net.params;
    let (h, np) = (p.shape.h, p.shape.p);
    let shapes: [[usize; 2]; 4] = [[h, 2], [h, h], [h, np], [np, h]];
    let m_names: Vec<String> = NAMES.iter().map(|n| format!("adam.m.{n}")).collect();
    let v_names: Vec<String> = NAMES.iter().map(|n| format!("adam.v.{n}")).collect();
    let counters = [
        s.net.step as f64,
        s.net.opt.k as f64,
        s.acc_loss,
        s.acc_steps as f64,
        s.first_loss,
    ];
    let mut hist = Vec::with_capacity(s.history.len() * COLS);
    for r in &s.history {
        hist.extend([
            r.step as f64,
            r.train_loss,
            r.eval_loss.unwrap_or(f64::NAN),
            r.decode_cm.unwrap_or(f64::NAN),
            r.same.unwrap_or(f64::NAN),
            r.diff.unwrap_or(f64::NAN),
        ]);
    }
    let hist_shape = [s.history.len(), COLS];
    let mut specs = Vec::new();
    for (k, t) in p.tensors().into_iter().enumerate() {
        specs.push(TensorSpec::new(NAMES[k], &shapes[k], TensorData::F32(t)));
    }
    for (k, t) in s.net.opt.m.tensors().into_iter().enumerate() {
        specs.push(TensorSpec::new(&m_names[k], &shapes[k], TensorData::F32(t)));
    }
    for (k, t) in s.net.opt.v.tensors().into_iter().enumerate() {
        specs.push(TensorSpec::new(&v_names[k], &shapes[k], TensorData::F32(t)));
    }
    specs.push(TensorSpec::new(
        "train.counters",
        &[5],
        TensorData::F64(&counters),
    ));
    specs.push(TensorSpec::new(
        "train.history",
        &hist_shape,
        TensorData::F64(&hist),
    ));
    let snap_steps: Vec<f64> = s.snapshots.iter().map(|(k, _)| *k as f64).collect();
    let snap_shape = [snap_steps.len()];
    let snap_names: Vec<Vec<String>> = (0..s.snapshots.len())
        .map(|k| NAMES.iter().map(|n| format!("snap.{k}.{n}")).collect())
        .collect();
    if !s.snapshots.is_empty() {
        specs.push(TensorSpec::new(
            "train.snapshots",
            &snap_shape,
            TensorData::F64(&snap_steps),
        ));
    }
    for (k, (_, sp)) in s.snapshots.iter().enumerate() {
        for (j, t) in sp.tensors().into_iter().enumerate() {
            specs.push(TensorSpec::new(
                &snap_names[k][j],
                &shapes[j],
                TensorData::F32(t),
            ));
        }
    }
    let len = blob::encoded_len(&specs).map_err(|e| anyhow::anyhow!("checkpoint: {e}"))?;
    let mut out = vec![0u8; len];
    blob::write(&mut out, &specs).map_err(|e| anyhow::anyhow!("checkpoint: {e}"))?;
    Ok(out)
}

/// The state from a blob written by [`encode`] for this configuration.
pub fn decode(bytes: &[u8], cfg: &TrainConfig) -> anyhow::Result<State> {
    // Typed views need aligned bytes: copy into u64 words.
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    let aligned: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    aligned[..bytes.len()].copy_from_slice(bytes);
    let blob = Blob::parse(&aligned[..bytes.len()])
        .map_err(|e| anyhow::anyhow!("checkpoint is damaged: {e}"))?;
    let shape = Shape {
        h: cfg.ng,
        p: cfg.np,
    };
    let (h, np) = (shape.h, shape.p);
    let shapes: [[usize; 2]; 4] = [[h, 2], [h, h], [h, np], [np, h]];
    let read = |prefix: &str| -> anyhow::Result<Params<f32>> {
        let mut p = Params::<f32>::zeros(shape);
        for (k, t) in p.tensors_mut().into_iter().enumerate() {
            let name = format!("{prefix}{}", NAMES[k]);
            let v = blob
                .get(&name)
                .and_then(|t| t.expect_shape(&shapes[k]))
                .and_then(|t| t.as_f32())
                .map_err(|e| anyhow::anyhow!("checkpoint tensor {name}: {e}"))?;
            t.copy_from_slice(v);
        }
        Ok(p)
    };
    let params = read("")?;
    let m = read("adam.m.")?;
    let v = read("adam.v.")?;
    let snapshots = match blob.get("train.snapshots") {
        Err(engram_core::blob::BlobError::TensorNotFound) => Vec::new(),
        t => {
            let steps = t
                .and_then(|t| t.as_f64())
                .map_err(|e| anyhow::anyhow!("checkpoint tensor train.snapshots: {e}"))?;
            steps
                .iter()
                .enumerate()
                .map(|(k, &step)| Ok((step as u64, read(&format!("snap.{k}."))?)))
                .collect::<anyhow::Result<Vec<_>>>()?
        }
    };
    let c = blob
        .get("train.counters")
        .and_then(|t| t.expect_shape(&[5]))
        .and_then(|t| t.as_f64())
        .map_err(|e| anyhow::anyhow!("checkpoint tensor train.counters: {e}"))?;
    let hist_t = blob
        .get("train.history")
        .map_err(|e| anyhow::anyhow!("checkpoint tensor train.history: {e}"))?;
    let hist = hist_t
        .as_f64()
        .map_err(|e| anyhow::anyhow!("checkpoint tensor train.history: {e}"))?;
    let history = hist
        .chunks_exact(COLS)
        .map(|r| EvalRow {
            step: r[0] as u64,
            train_loss: r[1],
            eval_loss: opt(r[2]),
            decode_cm: opt(r[3]),
            same: opt(r[4]),
            diff: opt(r[5]),
        })
        .collect();
    let mut o = Optimizer::new(cfg.optimizer, cfg.lr, &params);
    o.m = m;
    o.v = v;
    o.k = c[1] as u64;
    Ok(State {
        net: Net::restore(params, o, c[0] as u64),
        acc_loss: c[2],
        acc_steps: c[3] as u64,
        first_loss: c[4],
        history,
        snapshots,
    })
}
