//! Running one network on the held-out trajectories and scoring its units: rate maps, grid
//! scores, the shifted null, decoding error vs time ([`analyse`]).

use engram_core::rng::{Rng, key_str};
use engram_core::rnn::place::PlaceCells;
use engram_core::rnn::trajectory::{TrajectoryKey, Walker};
use engram_core::rnn::{Meta, decode_top_k};
use serde::{Deserialize, Serialize};

use super::super::export::{OwnedNet, place_config, walk_config};
use super::super::grid::ratemap::RateMaps;
use super::super::grid::{GridScorer, UnitScore, score_map};
use super::ANALYZE_BATCH;
use super::config::{AnalyzeConfig, Point};
use crate::experiment::PointCtx;

/// What one point measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeOutput {
    /// Per unit.
    pub units: Vec<UnitScore>,
    /// score60 of the shifted maps (unit-major, `shifts` per unit).
    pub shifted60: Vec<f64>,
    /// Rate maps (trained network only; empty for the initialisation), `bins²` per unit.
    pub maps: Vec<NanVec>,
    /// Mean decoding error at step t = 1 … T (m).
    pub error: Vec<f64>,
    /// Mean chance error at step t (m).
    pub chance: Vec<f64>,
}

/// A rate map flattened row by row; NaN marks an unvisited bin (the checkpoint keeps NaN exactly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NanVec(pub Vec<f64>);

/// One held-out trajectory's positions, states (T × H) and per-step errors.
struct Walked {
    xy: Vec<[f32; 2]>,
    states: Vec<f32>,
    error: Vec<f64>,
    chance: Vec<f64>,
}

fn walk_one(cfg: &AnalyzeConfig, net: &OwnedNet, i: usize) -> anyhow::Result<Walked> {
    let meta: &Meta = &net.meta;
    let key = TrajectoryKey::new(cfg.data_seed, ANALYZE_BATCH, i as u64);
    let mut w = Walker::new(&walk_config(meta)?, key)?;
    let network = net.network()?;
    let (h, np) = (net.dims.hidden, net.dims.places);
    let mut g = vec![0.0f32; h];
    if net.w_enc.is_some() {
        let cells = PlaceCells::new(&net.centres, place_config(meta)?)?;
        let (mut code, mut scratch) = (vec![0.0f32; np], vec![0.0f32; np]);
        let (x0, y0) = w.start();
        cells.encode([x0, y0], &mut code, &mut scratch)?;
        network.encode(&code, &mut g)?;
    }
    let topo = meta.topology();
    let k = meta.decode_k.clamp(1, np);
    let mut top = vec![0usize; k];
    let (mut next, mut logits) = (vec![0.0f32; h], vec![0.0f32; np]);
    let mut out = Walked {
        xy: Vec::with_capacity(cfg.steps),
        states: Vec::with_capacity(cfg.steps * h),
        error: Vec::with_capacity(cfg.steps),
        chance: Vec::with_capacity(cfg.steps),
    };
    let mut rng = Rng::keyed(
        cfg.data_seed,
        &[key_str("engram/rnn/analyze/chance/v1"), i as u64],
    );
    let mut fake = vec![0.0f32; np];
    for _ in 0..cfg.steps {
        let s = w.step();
        network.step(&[s.dx, s.dy], &g, &mut next)?;
        std::mem::swap(&mut g, &mut next);
        network.readout(&g, &mut logits)?;
        let d = decode_top_k(&logits, &net.centres, topo, &mut top)?;
        out.error.push(f64::from(topo.distance(d, [s.x, s.y])));
        fake.fill(0.0);
        let mut picked = 0;
        while picked < k {
            let j = rng.below(np as u64) as usize;
            if fake[j] == 0.0 {
                fake[j] = 1.0;
                picked += 1;
            }
        }
        let c = decode_top_k(&fake, &net.centres, topo, &mut top)?;
        out.chance.push(f64::from(topo.distance(c, [s.x, s.y])));
        out.xy.push([s.x, s.y]);
        out.states.extend_from_slice(&g);
    }
    Ok(out)
}

/// Runs `net` — point `p`'s network — on the held-out trajectories of `cfg` and scores every unit:
/// its rate map, scores and `cfg.shifts` shifted maps' score60 (offsets keyed by (data seed, p's
/// seed and kind, unit)); the mean decoding error and chance per step. Keeps the rate maps iff
/// `keep_maps`. `Ok(None)` if `ctx` was stopped.
pub fn analyse(
    cfg: &AnalyzeConfig,
    net: &OwnedNet,
    p: Point,
    keep_maps: bool,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<AnalyzeOutput>> {
    let c = cfg;
    let Some(walks) = ctx.par_map(c.trajectories, |i| walk_one(c, net, i))? else {
        return Ok(None);
    };
    let h = net.dims.hidden;
    let side = f64::from(net.meta.box_width);
    let n = c.bins;
    let proto = RateMaps::new(n, 0, side);
    let bins: Vec<usize> = walks
        .iter()
        .flat_map(|w| {
            w.xy.iter()
                .map(|q| proto.bin(f64::from(q[0]), f64::from(q[1])))
        })
        .collect();
    let total = bins.len();
    let mut counts = vec![0u64; n * n];
    for &b in &bins {
        counts[b] += 1;
    }
    let mut error = vec![0.0; c.steps];
    let mut chance = vec![0.0; c.steps];
    for w in &walks {
        for t in 0..c.steps {
            error[t] += w.error[t] / c.trajectories as f64;
            chance[t] += w.chance[t] / c.trajectories as f64;
        }
    }
    let scorer = GridScorer::new(n);
    let bin_m = side / n as f64;
    let map_of = |u: usize, shift: usize| -> Vec<f64> {
        let mut sums = vec![0.0f64; n * n];
        let mut i = 0usize;
        for w in &walks {
            for t in 0..c.steps {
                sums[bins[(i + shift) % total]] += f64::from(w.states[t * h + u]);
                i += 1;
            }
        }
        sums.iter()
            .zip(&counts)
            .map(|(s, &k)| if k == 0 { f64::NAN } else { s / k as f64 })
            .collect()
    };
    let per_unit = |u: usize| -> anyhow::Result<(UnitScore, Vec<f64>, Vec<f64>)> {
        let map = map_of(u, 0);
        let s = score_map(&scorer, &map, bin_m)?;
        let mut rng = Rng::keyed(
            c.data_seed,
            &[
                key_str("engram/rnn/analyze/shift/v1"),
                p.seed,
                p.kind as u64,
                u as u64,
            ],
        );
        let lo = (total / 10).max(1);
        let span = (total - 2 * lo.min(total / 2)).max(1) as u64;
        let shifted = (0..c.shifts)
            .map(|_| {
                let off = lo + rng.below(span) as usize;
                score_map(&scorer, &map_of(u, off % total), bin_m).map(|s| s.score60)
            })
            .collect::<anyhow::Result<Vec<f64>>>()?;
        Ok((s, shifted, map))
    };
    let Some(res) = ctx.par_map(h, per_unit)? else {
        return Ok(None);
    };
    let mut out = AnalyzeOutput {
        units: Vec::with_capacity(h),
        shifted60: Vec::with_capacity(h * c.shifts),
        maps: Vec::new(),
        error,
        chance,
    };
    for (s, sh, m) in res {
        out.units.push(s);
        out.shifted60.extend(sh);
        if keep_maps {
            out.maps.push(NanVec(m));
        }
    }
    Ok(Some(out))
}

/// Floating-point operations of analysing one network of `h` units and `np` place cells (the
/// walk, the recurrence and readout per sample; the scorer per map, ≈ 3·10⁵ at 20 × 20 bins).
pub fn flops(cfg: &AnalyzeConfig, h: u64, np: u64) -> f64 {
    let samples = cfg.trajectories as f64 * cfg.steps as f64;
    4.0 * (samples * (h * h + 2 * h * np) as f64
        + (h * (1 + cfg.shifts as u64)) as f64 * 3e5 * (cfg.bins as f64 / 20.0).powi(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_fields_survive_the_checkpoint() {
        let dir = std::env::temp_dir().join(format!("engram-analyze-nan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = crate::experiment::ResultsDir::open(&dir, "rnn-analyze", false).unwrap();
        let u = UnitScore {
            score60: 0.5,
            score60_minmax: -0.25,
            score90: 0.0,
            spacing: f64::NAN,
            orientation: f64::NAN,
        };
        d.append_point(0, &(u, NanVec(vec![1.0, f64::NAN])))
            .unwrap();
        let back: std::collections::BTreeMap<usize, (UnitScore, NanVec)> = d.read_points().unwrap();
        let (b, v) = &back[&0];
        assert!(b.spacing.is_nan() && b.score60 == 0.5);
        assert!(v.0[0] == 1.0 && v.0[1].is_nan());
    }
}
