//! Training batches from the core's generator, and the place-cell targets on a host SIMD path.
//!
//! Trajectory b of training step s is the core walk keyed `TrajectoryKey::new(seed, s, b)`
//! (`docs/trajectories.md`), so a batch depends on (seed, step, index) only: the step is the
//! generator's whole position, and a resumed run draws what an uninterrupted one draws. Held-out
//! trajectories use batch number [`EVAL_BATCH`], which no training step reaches. Self-supervised
//! batches are the core's permutations of one i.i.d. velocity sequence, keyed the same way.
//!
//! Layout (time-major, so that the rows of one time step are contiguous): row t·B + b.
//!
//! **Place code on the host** ([`HostPlaceCells`]): the core's formula (`engram_core::rnn::place`)
//! with the shared vectorised exp ([`crate::simd::softmax_lse`]: ≤ 3 ulp per exp, 16 interleaved
//! partial sums) and products by −1/((2σ)σ) instead of divisions. Error model (tested against the
//! core's `PlaceCells::encode`): with a, b the two softmaxes and S the normalising sum,
//! |Δuᵢ| ≤ K·ε·(uᵢ + max_j(a_j + b_j)/S), K = 2(Np + 32).

use engram_core::rnn::place::uniform_centres;
use engram_core::rnn::trajectory::{
    SslConfig, TrajectoryConfig, TrajectoryKey, fill_ssl_trajectory, fill_trajectory,
};
use rayon::prelude::*;

use super::config::{Objective, PlaceKind, TrainConfig};
use crate::simd::{ExpFloat, Kernel, exp_shifted_sum, lane_min, run_simd};

/// The batch number of the held-out evaluation trajectories.
pub const EVAL_BATCH: u64 = u64::MAX;

/// Place cells for the host: centres (SoA), σ, profile, box.
#[derive(Debug, Clone)]
pub struct HostPlaceCells {
    /// Centres, Np × 2 row-major (as the core and the blob store them).
    pub centres: Vec<f32>,
    cx: Vec<f32>,
    cy: Vec<f32>,
    /// σ (m).
    pub sigma: f32,
    /// Surround variance scale s for the difference of softmaxes; `None` for a Gaussian code.
    pub surround: Option<f32>,
    /// Box side (m).
    pub box_size: f32,
    /// Periodic distances.
    pub periodic: bool,
}

impl HostPlaceCells {
    /// The configuration's cells: `uniform_centres(L, seed)`.
    pub fn new(cfg: &TrainConfig, seed: u64) -> anyhow::Result<Self> {
        let mut centres = vec![0.0f32; 2 * cfg.np];
        uniform_centres(cfg.box_size as f32, seed, &mut centres)
            .map_err(|e| anyhow::anyhow!("place cells: {e}"))?;
        Ok(Self::from_centres(
            centres,
            cfg.sigma as f32,
            (cfg.place_code == PlaceKind::Dos).then_some(cfg.surround as f32),
            cfg.box_size as f32,
            cfg.periodic,
        ))
    }

    /// Cells at the given centres (Np × 2).
    pub fn from_centres(
        centres: Vec<f32>,
        sigma: f32,
        surround: Option<f32>,
        box_size: f32,
        periodic: bool,
    ) -> Self {
        let cx = centres.iter().step_by(2).copied().collect();
        let cy = centres.iter().skip(1).step_by(2).copied().collect();
        HostPlaceCells {
            centres,
            cx,
            cy,
            sigma,
            surround,
            box_size,
            periodic,
        }
    }

    /// Np.
    pub fn len(&self) -> usize {
        self.cx.len()
    }

    /// Whether there are no cells (never after [`new`](Self::new)).
    pub fn is_empty(&self) -> bool {
        self.cx.is_empty()
    }

    /// The core's configuration of the same cells (for the reference and for decoding).
    pub fn core_config(&self) -> engram_core::rnn::place::PlaceConfig<f32> {
        use engram_core::rnn::place::{PlaceConfig, PlaceProfile};
        PlaceConfig {
            sigma: self.sigma,
            profile: match self.surround {
                Some(s) => PlaceProfile::DifferenceOfSoftmaxes { surround_scale: s },
                None => PlaceProfile::Gaussian,
            },
            box_size: self.box_size,
            periodic: self.periodic,
        }
    }

    /// d²ⱼ = dx² + dy² for one position (periodic minimum image on a torus).
    #[inline(always)]
    fn sq_dist(&self, x: f32, y: f32, out: &mut [f32]) {
        let l = self.box_size;
        let periodic = self.periodic;
        for ((o, &cx), &cy) in out.iter_mut().zip(&self.cx).zip(&self.cy) {
            let mut dx = (x - cx).abs();
            let mut dy = (y - cy).abs();
            if periodic {
                dx = dx.min(l - dx);
                dy = dy.min(l - dy);
            }
            *o = dx * dx + dy * dy;
        }
    }

    /// The code of one position into `out` (Np), `scratch` (Np) for the distances and the surround.
    ///
    /// The core's operations in passes over Np: zⱼ = −d²ⱼ·k, the softmax as
    /// [`crate::simd::softmax_lse`] computes it (its max is −d²_min·k: rounding is monotone, so the
    /// largest z belongs to the nearest centre), both softmaxes of the difference in one exp pass.
    #[inline(always)]
    fn encode_one(&self, x: f32, y: f32, out: &mut [f32], scratch: &mut [f32]) {
        let s = self.sigma;
        let k1 = 1.0 / ((2.0 * s) * s);
        self.sq_dist(x, y, scratch);
        let dmin = lane_min(scratch);
        let top1 = -(dmin * k1);
        let Some(surround) = self.surround else {
            for (o, &d) in out.iter_mut().zip(scratch.iter()) {
                *o = -d * k1;
            }
            let inv = 1.0 / exp_shifted_sum(out, top1);
            for o in out.iter_mut() {
                *o *= inv;
            }
            return;
        };
        let k2 = 1.0 / ((2.0 * surround) * (s * s));
        let top2 = -(dmin * k2);
        let (mut acc1, mut acc2) = ([0.0f32; 16], [0.0f32; 16]);
        let mut oc = out.chunks_exact_mut(16);
        let mut sc = scratch.chunks_exact_mut(16);
        for (o, d) in (&mut oc).zip(&mut sc) {
            for k in 0..16 {
                let (e1, e2) = (
                    f32::fast_exp(-d[k] * k1 - top1),
                    f32::fast_exp(-d[k] * k2 - top2),
                );
                o[k] = e1;
                d[k] = e2;
                acc1[k] += e1;
                acc2[k] += e2;
            }
        }
        for ((o, d), (a1, a2)) in oc
            .into_remainder()
            .iter_mut()
            .zip(sc.into_remainder())
            .zip(acc1.iter_mut().zip(acc2.iter_mut()))
        {
            let (e1, e2) = (
                f32::fast_exp(-*d * k1 - top1),
                f32::fast_exp(-*d * k2 - top2),
            );
            *o = e1;
            *d = e2;
            *a1 += e1;
            *a2 += e2;
        }
        let inv1 = 1.0 / acc1.iter().fold(0.0f32, |t, &v| t + v);
        let inv2 = 1.0 / acc2.iter().fold(0.0f32, |t, &v| t + v);
        for (o, &b) in out.iter_mut().zip(scratch.iter()) {
            *o = *o * inv1 - b * inv2;
        }
        let shift = lane_min(out).abs();
        let mut acc = [0.0f32; 16];
        let mut chunks = out.chunks_exact_mut(16);
        for c in &mut chunks {
            for (a, o) in acc.iter_mut().zip(c.iter_mut()) {
                *o += shift;
                *a += *o;
            }
        }
        for (a, o) in acc.iter_mut().zip(chunks.into_remainder()) {
            *o += shift;
            *a += *o;
        }
        let inv = 1.0 / acc.iter().sum::<f32>();
        for o in out.iter_mut() {
            *o *= inv;
        }
    }

    /// The codes of `pos` (n × 2) into `out` (n × Np), rows in parallel (vectorised exp).
    pub fn encode_rows(&self, pos: &[f32], out: &mut [f32]) {
        let np = self.len();
        const ROWS: usize = 32;
        out.par_chunks_mut(ROWS * np)
            .zip(pos.par_chunks(ROWS * 2))
            .for_each_init(
                || vec![0.0f32; np],
                |scratch, (out, pos)| {
                    run_simd(EncodeRows {
                        cells: self,
                        pos,
                        out,
                        scratch,
                    })
                },
            );
    }
}

/// The place code of a block of rows, as one SIMD kernel (see [`crate::simd::Kernel`]).
struct EncodeRows<'a> {
    cells: &'a HostPlaceCells,
    pos: &'a [f32],
    out: &'a mut [f32],
    scratch: &'a mut [f32],
}

impl Kernel for EncodeRows<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let np = self.cells.len();
        for (row, xy) in self.out.chunks_exact_mut(np).zip(self.pos.chunks_exact(2)) {
            self.cells.encode_one(xy[0], xy[1], row, self.scratch);
        }
    }
}

/// One batch: inputs, true positions, the start's code and the targets, time-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Trajectories B.
    pub b: usize,
    /// Steps T.
    pub t: usize,
    /// Displacements, T·B × 2.
    pub v: Vec<f32>,
    /// Positions after each step, T·B × 2.
    pub pos: Vec<f32>,
    /// Start positions, B × 2.
    pub start: Vec<f32>,
    /// Place code of each start (the encoder's input), B × Np.
    pub p0: Vec<f32>,
    /// Place code of each position (the supervised targets), T·B × Np; empty for ssl.
    pub y: Vec<f32>,
}

/// Generates batch `batch` (a training step, or [`EVAL_BATCH`]) of `b` trajectories under `seed`.
pub fn generate(
    cfg: &TrainConfig,
    cells: &HostPlaceCells,
    seed: u64,
    batch: u64,
    b: usize,
    objective: Objective,
) -> anyhow::Result<Batch> {
    let t = cfg.seq_len;
    let walk = {
        let mut w = if cfg.periodic {
            TrajectoryConfig::<f32>::periodic()
        } else {
            TrajectoryConfig::<f32>::sorscher()
        };
        w.box_size = cfg.box_size as f32;
        w
    };
    let ssl = SslConfig::<f32> {
        box_size: cfg.box_size as f32,
        periodic: cfg.periodic,
        ..SslConfig::default()
    };
    type Traj = ((f32, f32), Vec<f32>, Vec<f32>);
    let trajs: Vec<Traj> = (0..b)
        .into_par_iter()
        .map(|i| {
            let key = TrajectoryKey::new(seed, batch, i as u64);
            let (mut pos, mut disp) = (vec![0.0f32; 2 * t], vec![0.0f32; 2 * t]);
            let start = match objective {
                Objective::Supervised => {
                    let mut hd = vec![0.0f32; t];
                    fill_trajectory(&walk, key, &mut pos, &mut disp, &mut hd)
                }
                Objective::Ssl => {
                    let mut perm = vec![0u32; t];
                    fill_ssl_trajectory(&ssl, key, &mut perm, &mut pos, &mut disp)
                }
            }
            .map_err(|e| anyhow::anyhow!("trajectory {i} of batch {batch}: {e}"))?;
            Ok((start, pos, disp))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut out = Batch {
        b,
        t,
        v: vec![0.0; 2 * t * b],
        pos: vec![0.0; 2 * t * b],
        start: vec![0.0; 2 * b],
        p0: vec![0.0; b * cells.len()],
        y: Vec::new(),
    };
    for (i, (start, pos, disp)) in trajs.iter().enumerate() {
        out.start[2 * i] = start.0;
        out.start[2 * i + 1] = start.1;
        for s in 0..t {
            let r = s * b + i;
            out.pos[2 * r..2 * r + 2].copy_from_slice(&pos[2 * s..2 * s + 2]);
            out.v[2 * r..2 * r + 2].copy_from_slice(&disp[2 * s..2 * s + 2]);
        }
    }
    cells.encode_rows(&out.start, &mut out.p0);
    if objective == Objective::Supervised {
        out.y = vec![0.0; t * b * cells.len()];
        cells.encode_rows(&out.pos, &mut out.y);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::rnn::place::PlaceCells;

    /// The host code against the core's, under the error model in the module docs.
    fn against_core(periodic: bool, dos: bool) {
        let cfg = TrainConfig {
            np: 512,
            periodic,
            place_code: if dos {
                PlaceKind::Dos
            } else {
                PlaceKind::Gaussian
            },
            ..TrainConfig::default()
        };
        let cells = HostPlaceCells::new(&cfg, 5).unwrap();
        let core = PlaceCells::new(&cells.centres, cells.core_config()).unwrap();
        let np = cells.len();
        let n = 300;
        let pos: Vec<f32> = (0..2 * n)
            .map(|i| ((i as f32 * 0.618_034).fract() - 0.5) * 2.3)
            .collect();
        let mut host = vec![0.0f32; n * np];
        cells.encode_rows(&pos, &mut host);
        let (mut want, mut scratch) = (vec![0.0f32; np], vec![0.0f32; np]);
        let k = 2.0 * (np as f64 + 32.0);
        let eps = f32::EPSILON as f64;
        let mut worst = 0.0f64;
        for (r, xy) in pos.chunks_exact(2).enumerate() {
            core.encode([xy[0], xy[1]], &mut want, &mut scratch)
                .unwrap();
            // a, b and S in f64 for the bound.
            let d2: Vec<f64> = cells
                .centres
                .chunks_exact(2)
                .map(|c| {
                    let (mut dx, mut dy) =
                        ((xy[0] - c[0]).abs() as f64, (xy[1] - c[1]).abs() as f64);
                    if periodic {
                        dx = dx.min(2.2 - dx);
                        dy = dy.min(2.2 - dy);
                    }
                    dx * dx + dy * dy
                })
                .collect();
            let soft = |var: f64| {
                let z: Vec<f64> = d2.iter().map(|d| -d / (2.0 * var)).collect();
                let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(|v| v / s).collect::<Vec<f64>>()
            };
            let a = soft(0.0144);
            let (scale, b) = if dos {
                let b = soft(2.0 * 0.0144);
                let diff: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
                let low = diff.iter().cloned().fold(f64::INFINITY, f64::min).abs();
                let s: f64 = diff.iter().map(|d| d + low).sum();
                (s, b)
            } else {
                (1.0, vec![0.0; np])
            };
            let top = a.iter().zip(&b).map(|(x, y)| x + y).fold(0.0, f64::max) / scale;
            for (j, (&h, &w)) in host[r * np..(r + 1) * np].iter().zip(&want).enumerate() {
                let bound = k * eps * (w as f64 + top);
                let err = (h as f64 - w as f64).abs();
                worst = worst.max(err / bound);
                assert!(
                    err <= bound,
                    "row {r} cell {j}: host {h} core {w} bound {bound}"
                );
            }
        }
        eprintln!("place code host vs core: worst error {worst:.3} of the bound");
    }

    #[test]
    fn host_place_code_matches_core_walled_dos() {
        against_core(false, true);
    }

    #[test]
    fn host_place_code_matches_core_periodic_gaussian() {
        against_core(true, false);
    }

    #[test]
    fn batches_are_keyed_by_seed_step_and_index() {
        let cfg = TrainConfig {
            np: 16,
            batch: 5,
            seq_len: 4,
            ..TrainConfig::default()
        };
        let cells = HostPlaceCells::new(&cfg, 0).unwrap();
        let a = generate(&cfg, &cells, 0, 7, 5, Objective::Supervised).unwrap();
        assert_eq!(
            a,
            generate(&cfg, &cells, 0, 7, 5, Objective::Supervised).unwrap()
        );
        assert_ne!(
            a.v,
            generate(&cfg, &cells, 0, 8, 5, Objective::Supervised)
                .unwrap()
                .v
        );
        // Trajectory 3 is the core walk keyed (0, 7, 3), time-major.
        let walk = TrajectoryConfig::<f32>::sorscher();
        let (mut pos, mut disp, mut hd) = ([0.0f32; 8], [0.0f32; 8], [0.0f32; 4]);
        let start = fill_trajectory(
            &walk,
            TrajectoryKey::new(0, 7, 3),
            &mut pos,
            &mut disp,
            &mut hd,
        )
        .unwrap();
        assert_eq!((a.start[6], a.start[7]), start);
        for s in 0..4 {
            assert_eq!(a.v[2 * (s * 5 + 3)], disp[2 * s]);
            assert_eq!(a.pos[2 * (s * 5 + 3) + 1], pos[2 * s + 1]);
        }
        let ssl = generate(&cfg, &cells, 0, 7, 5, Objective::Ssl).unwrap();
        assert!(ssl.y.is_empty());
        // Every permutation ends at the same place.
        let last = &ssl.pos[2 * 3 * 5..];
        assert!(last.chunks(2).all(|p| p == &last[..2]));
    }
}
