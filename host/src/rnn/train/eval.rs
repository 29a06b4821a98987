//! Held-out evaluation: the decoding error of the trained network on trajectories it never saw,
//! beside the two references that frame it — chance and the place code's own floor.
//!
//! - **Decoding error**: every state's logits are decoded as the mean of the k = 3 best place
//!   cells' centres (the core's `decode_top_k`, circular on a torus) and compared with the true
//!   position; the mean over all T·B states, in cm.
//! - **Floor**: the same decoder applied to the true place code (≈ 4 cm for Sorscher's 512 cells,
//!   `docs/trajectories.md`): a network cannot do better through this decoder.
//! - **Chance**: the decoder applied to three random distinct cells per state (an untrained
//!   readout's ranking): ≈ 96 cm in the 2.2 m box.

use engram_core::rng::{Rng, key_str};
use engram_core::rnn::{Topology, decode_top_k};
use faer::Par;
use rayon::prelude::*;

use super::config::{Objective, TrainConfig};
use super::data::{Batch, EVAL_BATCH, HostPlaceCells, generate};
use super::forward::{Forward, forward};
use super::loss::cross_entropy;
use super::model::Params;

/// Decoder k.
pub const DECODE_K: usize = 3;

/// The held-out set and its fixed references.
#[derive(Debug, Clone)]
pub struct EvalSet {
    /// The trajectories (batch [`EVAL_BATCH`]).
    pub batch: Batch,
    /// Decoding error of the true codes (cm).
    pub floor_cm: f64,
    /// Decoding error of three random cells (cm).
    pub chance_cm: f64,
}

fn topology(cells: &HostPlaceCells) -> Topology<f32> {
    if cells.periodic {
        Topology::Torus {
            width: cells.box_size,
            height: cells.box_size,
        }
    } else {
        Topology::Walled
    }
}

/// Mean decoding error (cm) of `scores` (n × Np, one row per position in `pos`).
pub fn decode_error_cm(cells: &HostPlaceCells, scores: &[f32], pos: &[f32]) -> anyhow::Result<f64> {
    let np = cells.len();
    let topo = topology(cells);
    let n = pos.len() / 2;
    let sums: Vec<f64> = scores
        .par_chunks(64 * np)
        .zip(pos.par_chunks(64 * 2))
        .map(|(s, p)| {
            let mut acc = 0.0f64;
            let mut top = [0usize; DECODE_K];
            for (row, xy) in s.chunks_exact(np).zip(p.chunks_exact(2)) {
                let d = decode_top_k(row, &cells.centres, topo, &mut top)
                    .map_err(|e| anyhow::anyhow!("decoding: {e}"))?;
                acc += f64::from(topo.distance(d, [xy[0], xy[1]]));
            }
            Ok(acc)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(100.0 * sums.iter().sum::<f64>() / n.max(1) as f64)
}

impl EvalSet {
    /// The held-out set of a run: `eval_batch` trajectories keyed (seed, [`EVAL_BATCH`], i).
    pub fn new(cfg: &TrainConfig, cells: &HostPlaceCells, seed: u64) -> anyhow::Result<Self> {
        let batch = generate(
            cfg,
            cells,
            seed,
            EVAL_BATCH,
            cfg.eval_batch,
            Objective::Supervised,
        )?;
        let floor_cm = decode_error_cm(cells, &batch.y, &batch.pos)?;
        let np = cells.len();
        let n = batch.pos.len() / 2;
        let mut fake = vec![0.0f32; n * np];
        for (r, row) in fake.chunks_exact_mut(np).enumerate() {
            let mut rng = Rng::keyed(seed, &[key_str("rnn_train_chance"), r as u64]);
            let mut picked = 0;
            while picked < DECODE_K.min(np) {
                let j = rng.below(np as u64) as usize;
                if row[j] == 0.0 {
                    row[j] = 1.0;
                    picked += 1;
                }
            }
        }
        let chance_cm = decode_error_cm(cells, &fake, &batch.pos)?;
        Ok(EvalSet {
            batch,
            floor_cm,
            chance_cm,
        })
    }
}

/// The held-out cross-entropy and decoding error (cm) of `params`.
pub fn evaluate(
    cfg: &TrainConfig,
    params: &Params<f32>,
    cells: &HostPlaceCells,
    set: &EvalSet,
    par: Par,
) -> anyhow::Result<(f64, f64)> {
    let b = &set.batch;
    let mut fwd = Forward::default();
    forward(
        params,
        cfg.activation,
        &b.v,
        &b.p0,
        b.b,
        b.t,
        true,
        &mut fwd,
        par,
    );
    let err = decode_error_cm(cells, &fwd.logits, &b.pos)?;
    let loss = cross_entropy(&mut fwd.logits, &b.y, cells.len());
    Ok((loss, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_chance_of_sorscher_cells() {
        let cfg = TrainConfig {
            eval_batch: 200,
            ..TrainConfig::default()
        };
        let cells = HostPlaceCells::new(&cfg, 0).unwrap();
        let set = EvalSet::new(&cfg, &cells, 0).unwrap();
        // docs/trajectories.md: floor 4.16 cm over uniform positions (bound 3.5–5).
        assert!((3.0..6.0).contains(&set.floor_cm), "{}", set.floor_cm);
        assert!((80.0..110.0).contains(&set.chance_cm), "{}", set.chance_cm);
    }
}
