//! Running the points of a sweep: repeats in parallel, results independent of the thread count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use engram_core::collapse::{
    ChainConfig, run_chain, run_shortcut, scratch_len, shortcut_scratch_len,
};
use engram_core::linalg;
use engram_core::rng::Rng;
use rayon::prelude::*;

use super::batched::{BatchedScratch, shortcut_batched};
use super::sweep::{Point, RunMode, SweepConfig};

/// From this dimension on, the batched shortcut is faster than the core's scalar one.
const BATCHED_MIN_DIM: usize = 24;

thread_local! {
    /// Per-thread workspace of the batched shortcut (reused across chains; results never depend on it).
    static SCRATCH: std::cell::RefCell<BatchedScratch> = std::cell::RefCell::new(BatchedScratch::default());
}

/// Per-iteration statistics of one mode at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeStats {
    /// The mode.
    pub mode: RunMode,
    /// Mean test error per iteration (index 0 = iteration 1).
    pub mean: Vec<f64>,
    /// Standard error of the mean per iteration (`None` with a single repeat).
    pub stderr: Vec<Option<f64>>,
}

/// Everything measured at one point.
#[derive(Debug, Clone, PartialEq)]
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
        // Both paths give identical bits; the batched one pays from about d = 24 (benches/collapse).
        if p.dim >= BATCHED_MIN_DIM {
            SCRATCH.with_borrow_mut(|ws| {
                shortcut_batched(p.dim, p.samples, p.sigma, &mut rng, ws, &mut rep, &mut acc)
            })?;
        } else {
            let mut scratch = vec![0.0; shortcut_scratch_len(p.dim)];
            run_shortcut(
                p.dim,
                p.samples,
                p.sigma,
                &mut rng,
                &mut scratch,
                &mut rep,
                &mut acc,
            )?;
        }
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
/// Draw order: w*, X as in the core chain; then per iteration the noise (T normals) and the
/// subsample (a partial Fisher–Yates shuffle of the pool, T `below` draws).
pub fn run_subsample(
    cfg: &ChainConfig<f64>,
    rng: &mut Rng,
) -> Result<Vec<f64>, engram_core::Error> {
    cfg.validate()?;
    let (d, t) = (cfg.dim, cfg.samples);
    let mut w_star = vec![0.0; d];
    rng.fill_normal(&mut w_star);
    let mut x = vec![0.0; t * d];
    rng.fill_normal(&mut x);
    let mut pool: Vec<(usize, f64)> = Vec::with_capacity(t * cfg.iterations);
    let mut w_gen = w_star.clone();
    let mut e = vec![0.0; t];
    let mut xs = vec![0.0; t * d];
    let mut ys = vec![0.0; t];
    let mut g = vec![0.0; d * d];
    let mut errors = Vec::with_capacity(cfg.iterations);
    for _ in 0..cfg.iterations {
        rng.fill_normal(&mut e);
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

/// Runs every repeat of a point (in parallel on the current rayon pool) and reduces them in repeat
/// order, so the result does not depend on the thread count. Returns `Ok(None)` if `stop` was set.
pub fn run_point(
    cfg: &SweepConfig,
    p: &Point,
    stop: &AtomicBool,
    on_repeat: &(dyn Fn() + Sync),
) -> Result<Option<PointResult>, RunError> {
    let modes = cfg.mode.modes();
    let per_repeat: Vec<Option<Vec<Vec<f64>>>> = (0..cfg.repeats)
        .into_par_iter()
        .map(|r| {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let res = run_repeat(cfg, p, r, &modes).map_err(|error| RunError {
                d: p.dim,
                t: p.samples,
                sigma: p.sigma,
                ridge: p.ridge,
                repeat: r,
                error,
            })?;
            on_repeat();
            Ok(Some(res))
        })
        .collect::<Result<_, RunError>>()?;
    let Some(per_repeat) = per_repeat.into_iter().collect::<Option<Vec<_>>>() else {
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

/// Runs `points` on a pool of `threads` threads, calling `on_done` for each finished point *in
/// canonical order* as soon as it and every earlier point are done (so a checkpoint file grows in
/// order). Stops early, keeping what finished, when `stop` is set. Returns the finished results.
pub fn run_points(
    cfg: &SweepConfig,
    points: &[Point],
    threads: usize,
    stop: &AtomicBool,
    on_repeat: &(dyn Fn() + Sync),
    on_done: &mut dyn FnMut(&PointResult) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<PointResult>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let (tx, rx) = mpsc::channel::<(usize, Result<Option<PointResult>, RunError>)>();
    let mut finished = Vec::new();
    std::thread::scope(|s| -> anyhow::Result<()> {
        s.spawn(|| {
            pool.install(|| {
                points
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (k, p)| {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let r = run_point(cfg, p, stop, on_repeat);
                        if r.is_err() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        let _ = tx.send((k, r));
                    });
            });
        });
        let mut pending = BTreeMap::new();
        let mut next = 0usize;
        let mut first_error = None;
        for (k, r) in rx {
            match r {
                Ok(Some(res)) => {
                    pending.insert(k, res);
                }
                Ok(None) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
            while let Some(res) = pending.remove(&next) {
                on_done(&res)?;
                finished.push(res);
                next += 1;
            }
        }
        if let Some(e) = first_error {
            return Err(e.into());
        }
        // Interrupted: later points that did finish are kept too (files are keyed by point, and a
        // resumed or merged run restores the canonical order).
        for res in std::mem::take(&mut pending).into_values() {
            on_done(&res)?;
            finished.push(res);
        }
        Ok(())
    })?;
    Ok(finished)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collapse::sweep::Preset;

    /// Setting the stop flag (what Ctrl-C does) once the first point's repeats are done keeps that
    /// point — with the same numbers as an uninterrupted run — and starts nothing after it.
    #[test]
    fn stop_keeps_finished_points() {
        let mut cfg = Preset::Standard.config();
        cfg.dim = vec![4, 6];
        cfg.samples_mult = Some(vec![3.0, 4.0, 5.0, 6.0]);
        cfg.repeats = 8;
        cfg.iterations = 5;
        let points = cfg.points();
        let never = AtomicBool::new(false);
        let full = run_points(&cfg, &points, 1, &never, &|| {}, &mut |_| Ok(())).unwrap();
        assert_eq!(full.len(), points.len());

        // One worker, so the order of repeats is fixed: stop after the first point's last repeat.
        let stop = AtomicBool::new(false);
        let repeats_done = std::sync::atomic::AtomicUsize::new(0);
        let on_repeat = || {
            if repeats_done.fetch_add(1, Ordering::SeqCst) + 1 == cfg.repeats {
                stop.store(true, Ordering::SeqCst);
            }
        };
        let mut written = Vec::new();
        let partial = run_points(&cfg, &points, 1, &stop, &on_repeat, &mut |r| {
            written.push(r.point.index);
            Ok(())
        })
        .unwrap();
        assert_eq!(partial.len(), 1, "only the first point finished");
        assert_eq!(written, vec![0]);
        assert_eq!(partial[0], full[0]);
    }
}
