//! Running the points of a sweep: repeats in parallel, results independent of the thread count.

use engram_core::collapse::{ChainConfig, NORMAL, run_chain, scratch_len};
use engram_core::linalg;
use engram_core::rng::Rng;
use serde::{Deserialize, Serialize};

use super::batched::{BatchedScratch, shortcut_batched};
use super::sweep::{Point, RunMode, SweepConfig};
use crate::experiment::PointCtx;

thread_local! {
    /// Per-thread workspace of the batched shortcut (reused across chains; results never depend on it).
    static SCRATCH: std::cell::RefCell<BatchedScratch> = std::cell::RefCell::new(BatchedScratch::default());
}

/// Per-iteration statistics of one mode at one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeStats {
    /// The mode.
    pub mode: RunMode,
    /// Mean test error per iteration (index 0 = iteration 1).
    pub mean: Vec<f64>,
    /// Standard error of the mean per iteration (`None` with a single repeat).
    pub stderr: Vec<Option<f64>>,
}

/// Everything measured at one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// The point.
    pub point: Point,
    /// One entry per mode, in the sweep's mode order.
    pub modes: Vec<ModeStats>,
}

/// A chain that could not run (reported with the point's parameters).
#[derive(Debug, Clone, thiserror::Error)]
#[error("d={d} T={t} sigma={sigma} ridge={ridge} repeat {repeat}: {error}")]
pub struct RunError {
    d: usize,
    t: usize,
    sigma: f64,
    ridge: f64,
    repeat: usize,
    error: engram_core::Error,
}

/// The test errors of one repeat, one vector per mode (sweep mode order).
fn run_repeat(
    cfg: &SweepConfig,
    p: &Point,
    repeat: usize,
    modes: &[RunMode],
) -> Result<Vec<Vec<f64>>, engram_core::Error> {
    let key = cfg.stream_key(p, repeat);
    let n = cfg.iterations;
    let mut out = vec![Vec::new(); modes.len()];
    let core_modes: Vec<usize> = (0..modes.len())
        .filter(|&i| modes[i] != RunMode::AccumulateSubsample)
        .collect();
    if cfg.uses_shortcut(p) && !core_modes.is_empty() {
        let (mut rep, mut acc) = (vec![0.0; n], vec![0.0; n]);
        let mut rng = Rng::keyed(cfg.seed, &key);
        // Bit-identical to the core's run_shortcut, and faster from d = 4 up (benches/collapse).
        SCRATCH.with_borrow_mut(|ws| {
            shortcut_batched(p.dim, p.samples, p.sigma, &mut rng, ws, &mut rep, &mut acc)
        })?;
        for &i in &core_modes {
            out[i] = if modes[i] == RunMode::Replace {
                rep.clone()
            } else {
                acc.clone()
            };
        }
    } else {
        for &i in &core_modes {
            let chain = cfg.chain(
                p,
                modes[i]
                    .core()
                    .unwrap_or(engram_core::collapse::Mode::Replace),
            );
            let mut scratch = vec![0.0; scratch_len(&chain)];
            let mut errors = vec![0.0; n];
            run_chain(
                &chain,
                &mut Rng::keyed(cfg.seed, &key),
                &mut scratch,
                &mut errors,
            )?;
            out[i] = errors;
        }
    }
    for (i, m) in modes.iter().enumerate() {
        if *m == RunMode::AccumulateSubsample {
            let chain = cfg.chain(p, engram_core::collapse::Mode::Accumulate);
            out[i] = run_subsample(&chain, &mut Rng::keyed(cfg.seed, &key))?;
        }
    }
    Ok(out)
}

/// Accumulate-subsample (Kazdan et al., "Collapse or Thrive?", arXiv:2410.16713): every iteration's
/// rows join a pool, and each fit uses T rows drawn without replacement from the pooled nT rows, so
/// the compute per fit stays fixed. Fixed design: the pool holds (row of X, target) pairs.
///
/// Draw order (normals by the family's [`NORMAL`]): w*, X as in the core chain; then per iteration
/// the noise (T normals) and the subsample (a partial Fisher–Yates shuffle of the pool, T `below`
/// draws).
pub fn run_subsample(
    cfg: &ChainConfig<f64>,
    rng: &mut Rng,
) -> Result<Vec<f64>, engram_core::Error> {
    cfg.validate()?;
    let (d, t) = (cfg.dim, cfg.samples);
    let mut w_star = vec![0.0; d];
    rng.fill_normal_with(NORMAL, &mut w_star);
    let mut x = vec![0.0; t * d];
    rng.fill_normal_with(NORMAL, &mut x);
    let mut pool: Vec<(usize, f64)> = Vec::with_capacity(t * cfg.iterations);
    let mut w_gen = w_star.clone();
    let mut e = vec![0.0; t];
    let mut xs = vec![0.0; t * d];
    let mut ys = vec![0.0; t];
    let mut g = vec![0.0; d * d];
    let mut errors = Vec::with_capacity(cfg.iterations);
    for _ in 0..cfg.iterations {
        rng.fill_normal_with(NORMAL, &mut e);
        for (r, &er) in e.iter().enumerate() {
            let pred = linalg::dot(&x[r * d..(r + 1) * d], &w_gen)?;
            pool.push((r, pred + cfg.sigma * er));
        }
        let len = pool.len();
        for k in 0..t {
            let j = k + rng.below((len - k) as u64) as usize;
            pool.swap(k, j);
        }
        for (k, &(r, y)) in pool[..t].iter().enumerate() {
            xs[k * d..(k + 1) * d].copy_from_slice(&x[r * d..(r + 1) * d]);
            ys[k] = y;
        }
        linalg::gram(&xs, t, d, &mut g)?;
        for i in 0..d {
            g[i * d + i] += cfg.ridge;
        }
        let mut w = vec![0.0; d];
        linalg::matvec_t(&xs, t, d, &ys, &mut w)?;
        linalg::cholesky(&mut g, d)?;
        linalg::cholesky_solve(&g, d, &mut w)?;
        let err: f64 = w.iter().zip(&w_star).map(|(a, b)| (a - b) * (a - b)).sum();
        if !err.is_finite() {
            return Err(engram_core::Error::NonFinite {
                what: "accumulate-subsample: test error",
            });
        }
        errors.push(err);
        w_gen = w;
    }
    Ok(errors)
}

/// Runs every repeat of a point (in parallel on the run's pool) and reduces them in repeat
/// order, so the result does not depend on the thread count. Returns `Ok(None)` if the run was
/// asked to stop first.
pub fn run_point(
    cfg: &SweepConfig,
    p: &Point,
    ctx: &PointCtx<'_>,
) -> anyhow::Result<Option<PointResult>> {
    let modes = cfg.mode.modes();
    let per_repeat = ctx.par_map(cfg.repeats, |r| {
        run_repeat(cfg, p, r, &modes).map_err(|error| {
            anyhow::Error::from(RunError {
                d: p.dim,
                t: p.samples,
                sigma: p.sigma,
                ridge: p.ridge,
                repeat: r,
                error,
            })
        })
    })?;
    let Some(per_repeat) = per_repeat else {
        return Ok(None);
    };
    let n = cfg.iterations;
    let rf = cfg.repeats as f64;
    let modes = modes
        .iter()
        .enumerate()
        .map(|(mi, &mode)| {
            let (mut s1, mut s2) = (vec![0.0; n], vec![0.0; n]);
            for rep in &per_repeat {
                for (i, &v) in rep[mi].iter().enumerate() {
                    s1[i] += v;
                    s2[i] += v * v;
                }
            }
            let mean: Vec<f64> = s1.iter().map(|s| s / rf).collect();
            let stderr = mean
                .iter()
                .zip(&s2)
                .map(|(m, s)| {
                    (cfg.repeats > 1).then(|| {
                        let var = ((s / rf - m * m) * rf / (rf - 1.0)).max(0.0);
                        (var / rf).sqrt()
                    })
                })
                .collect();
            ModeStats { mode, mean, stderr }
        })
        .collect();
    Ok(Some(PointResult { point: *p, modes }))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;
    use crate::collapse::sweep::Preset;
    use crate::signals::Stop;

    /// Raising the stop flag (what a signal does) while a point runs makes it return `None`; the
    /// same point run to the end is independent of the thread count.
    #[test]
    fn stop_returns_none_and_threads_do_not_matter() {
        let mut cfg = Preset::Standard.config();
        cfg.dim = vec![4];
        cfg.samples_mult = Some(vec![3.0]);
        cfg.repeats = 8;
        cfg.iterations = 5;
        let p = cfg.points().unwrap()[0];
        let (never, abort) = (Stop::new(), AtomicBool::new(false));
        let bar = indicatif::ProgressBar::hidden();
        let ctx = PointCtx::detached(&never, &abort, &bar);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let a = one.install(|| run_point(&cfg, &p, &ctx)).unwrap().unwrap();
        let b = two.install(|| run_point(&cfg, &p, &ctx)).unwrap().unwrap();
        assert_eq!(a, b);

        let stop = Stop::new();
        let done = AtomicUsize::new(0);
        let ctx = PointCtx::detached(&stop, &abort, &bar);
        let r = one
            .install(|| {
                ctx.par_map(cfg.repeats, |_| {
                    if done.fetch_add(1, Ordering::SeqCst) == 2 {
                        stop.request();
                    }
                    Ok(())
                })
            })
            .unwrap();
        assert!(r.is_none());
        assert_eq!(
            done.load(Ordering::SeqCst),
            3,
            "nothing starts after the stop"
        );
    }
}
