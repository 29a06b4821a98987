//! `engram hopfield kde-capacity`: how many random points a Gaussian KDE holds as memories
//! (Schaeffer et al., arXiv:2402.10202; papers.md §2, "KDE view").
//!
//! N iid points uniform on the sphere of radius √D in R^D, bandwidth σ² = 1/β. From each probe datum
//! run mean-shift (the modern Hopfield update on equal-norm points) until a step is shorter than
//! 10⁻⁹·√D or 100 steps; the datum is a *memory* if the limit lies within 0.1·√D of it and the datum
//! is still the nearest point to the limit. N runs over the grid round(2^(k/2)), searched upward or
//! downward from e^{α_c D}/4 until the memory fraction brackets ½; N50 is interpolated linearly in
//! ln N. Laplace estimate (papers.md): ln N* ≈ α_c(β)·D with
//!
//! ```text
//! α_c(β) = β(1 − u₀) − ½ ln(1 − u₀²),   u₀ = (√(1 + 4β²) − 1)/(2β)
//! ```
//!
//! (α_c = 0.3870 at β = ½, 0.6226 at β = 1). Check: the least-squares slope of ln N50 against D is
//! within 10 % of α_c(β) for every β.
//!
//! Stream of dataset t at (D, N): `Rng::keyed(seed, [key_str("engram/hopfield/kde/v1"), D, N, t])`
//! (normal rows, normalised, scaled by √D; shared by every β). Each point uses ⌈probes/N⌉ datasets
//! with up to N probes each. Kernels: host batched `f64` mean-shift ([`Batched::kde`], default) or
//! the core's `GaussianKde::run`.

use std::sync::atomic::{AtomicBool, Ordering};

use engram_core::hopfield::{GaussianKde, normalize_rows};
use engram_core::rng::{Rng, key_str};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::capacity::Kernel;
use super::output::{
    Check, ConfigError, Outcome, Report, RunOptions, Verdict, at_least, bad, finish, num,
    par_trials, positive, write_csv,
};
use super::plot::{Figure, Series, draw};
use super::retrieval::{Batched, RowInfo};

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct KdeConfig {
    /// Inverse bandwidths β = 1/σ².
    pub beta: Vec<f64>,
    /// Dimensions D, one list per β.
    pub dims: Vec<Vec<usize>>,
    /// Probes per (β, D, N).
    pub probes: usize,
    /// Mean-shift step limit.
    pub max_iter: usize,
    /// Largest N searched.
    pub max_n: usize,
    /// Master seed.
    pub seed: u64,
    /// Implementation.
    pub kernel: Kernel,
}

impl Default for KdeConfig {
    fn default() -> Self {
        Self {
            beta: vec![0.5, 1.0],
            dims: vec![vec![12, 16, 20, 24, 28], vec![8, 11, 14, 17, 20]],
            probes: 128,
            max_iter: 100,
            max_n: 1 << 17,
            seed: 0,
            kernel: Kernel::Host,
        }
    }
}

/// Relative tolerance of the slope check.
pub const SLOPE_TOL: f64 = 0.10;

/// The Laplace-method capacity exponent α_c(β) (papers.md §2).
pub fn alpha_c(beta: f64) -> f64 {
    let u0 = ((1.0 + 4.0 * beta * beta).sqrt() - 1.0) / (2.0 * beta);
    beta * (1.0 - u0) - 0.5 * (1.0 - u0 * u0).ln()
}

impl KdeConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.beta.is_empty() {
            return Err(bad("beta", "needs at least one value"));
        }
        for &b in &self.beta {
            positive("beta", b)?;
        }
        if self.dims.len() != self.beta.len() {
            return Err(bad(
                "dims",
                format!(
                    "give one D list per β ({} β, {} lists; separate lists with ';')",
                    self.beta.len(),
                    self.dims.len()
                ),
            ));
        }
        for l in &self.dims {
            if l.len() < 2 {
                return Err(bad(
                    "dims",
                    "each list needs at least 2 dimensions for a slope",
                ));
            }
            for &d in l {
                at_least("dims", d, 1)?;
            }
        }
        at_least("probes", self.probes, 1)?;
        at_least("max-iter", self.max_iter, 1)?;
        at_least("max-n", self.max_n, 4)?;
        Ok(())
    }
}

/// round(2^(k/2)).
pub fn grid_n(k: u32) -> usize {
    2f64.powf(f64::from(k) / 2.0).round() as usize
}

/// The memory fraction at one (β, D, N).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridPoint {
    /// β.
    pub beta: f64,
    /// D.
    pub d: usize,
    /// N.
    pub n: usize,
    /// Probes that are memories / probes.
    pub fraction: f64,
    /// Probes.
    pub probes: usize,
}

/// N50 at one (β, D).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct N50 {
    /// β.
    pub beta: f64,
    /// D.
    pub d: usize,
    /// ln N50 (NaN if not bracketed).
    pub ln_n50: f64,
}

fn dataset(seed: u64, d: usize, n: usize, t: usize) -> anyhow::Result<Vec<f64>> {
    let key = [
        key_str("engram/hopfield/kde/v1"),
        d as u64,
        n as u64,
        t as u64,
    ];
    let mut x = vec![0.0f64; n * d];
    Rng::keyed(seed, &key).fill_normal(&mut x);
    normalize_rows(&mut x, n, d)?;
    let r = (d as f64).sqrt();
    x.iter_mut().for_each(|v| *v *= r);
    Ok(x)
}

fn nearest(x: &[f64], d: usize, xi: &[f64]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (mu, row) in x.chunks_exact(d).enumerate() {
        let d2: f64 = row.iter().zip(xi).map(|(a, b)| (a - b) * (a - b)).sum();
        if d2 < best.1 {
            best = (mu, d2);
        }
    }
    best.0
}

/// Memories among the first `k` data of one dataset.
fn memories(
    cfg: &KdeConfig,
    beta: f64,
    x: &[f64],
    n: usize,
    d: usize,
    k: usize,
) -> anyhow::Result<usize> {
    let r = (d as f64).sqrt();
    let tol = 1e-9 * r;
    let mut xi: Vec<f64> = x[..k * d].to_vec();
    match cfg.kernel {
        Kernel::Host => {
            let net = Batched::kde(x, n, d, beta)?.with_block(32);
            let mut active: Vec<usize> = (0..k).collect();
            let mut q = xi.clone();
            for _ in 0..cfg.max_iter {
                if active.is_empty() {
                    break;
                }
                let mut out = vec![0.0f64; q.len()];
                let mut info = vec![RowInfo::default(); active.len()];
                net.step(&q, &mut out, &mut info)?;
                let mut next_active = Vec::new();
                let mut next_q = Vec::new();
                for (j, &p) in active.iter().enumerate() {
                    let (old, new) = (&q[j * d..(j + 1) * d], &out[j * d..(j + 1) * d]);
                    let step: f64 = old
                        .iter()
                        .zip(new)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt();
                    xi[p * d..(p + 1) * d].copy_from_slice(new);
                    if step > tol {
                        next_active.push(p);
                        next_q.extend_from_slice(new);
                    }
                }
                active = next_active;
                q = next_q;
            }
        }
        Kernel::Core => {
            let kde = GaussianKde::new(x, n, d, beta)?;
            let mut scratch = vec![0.0f64; n + d];
            for p in 0..k {
                kde.run(&mut xi[p * d..(p + 1) * d], &mut scratch, tol, cfg.max_iter)?;
            }
        }
    }
    let mut count = 0;
    for p in 0..k {
        let lim = &xi[p * d..(p + 1) * d];
        let datum = &x[p * d..(p + 1) * d];
        let dist: f64 = lim
            .iter()
            .zip(datum)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        if dist <= 0.1 * r && nearest(x, d, lim) == p {
            count += 1;
        }
    }
    Ok(count)
}

fn evaluate(cfg: &KdeConfig, beta: f64, d: usize, n: usize) -> anyhow::Result<GridPoint> {
    let sets = cfg.probes.div_ceil(n);
    let per: Vec<(usize, usize)> = (0..sets)
        .into_par_iter()
        .map(|t| {
            let k = n.min(cfg.probes - t * n);
            let x = dataset(cfg.seed, d, n, t)?;
            Ok((memories(cfg, beta, &x, n, d, k)?, k))
        })
        .collect::<anyhow::Result<_>>()?;
    let (mem, tot) = per.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok(GridPoint {
        beta,
        d,
        n,
        fraction: mem as f64 / tot as f64,
        probes: tot,
    })
}

/// Searches the grid for the bracket of ½ at (β, D); returns the points evaluated (ascending N) and
/// ln N50, or `None` if stopped.
fn search(
    cfg: &KdeConfig,
    beta: f64,
    d: usize,
    stop: &AtomicBool,
) -> anyhow::Result<Option<(Vec<GridPoint>, f64)>> {
    let guess = (alpha_c(beta) * d as f64).exp() / 4.0;
    let k_max = (2.0 * (cfg.max_n as f64).log2()).floor() as u32;
    let mut k = ((2.0 * guess.log2()).round() as u32).clamp(2, k_max);
    let mut pts: Vec<GridPoint> = Vec::new();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let g = evaluate(cfg, beta, d, grid_n(k))?;
        pts.push(g);
        pts.sort_by_key(|p| p.n);
        let above = pts.iter().rev().find(|p| p.fraction >= 0.5);
        let below = pts.iter().find(|p| p.fraction < 0.5);
        match (above, below) {
            (Some(a), Some(b)) if a.n < b.n && grid_n(k_of(a.n) + 1) == b.n => {
                let (la, lb) = ((a.n as f64).ln(), (b.n as f64).ln());
                let ln50 = la + (a.fraction - 0.5) / (a.fraction - b.fraction) * (lb - la);
                return Ok(Some((pts, ln50)));
            }
            _ if g.fraction >= 0.5 && k < k_max => k += 1,
            _ if g.fraction < 0.5 && k > 2 => k -= 1,
            _ => return Ok(Some((pts, f64::NAN))),
        }
    }
}

fn k_of(n: usize) -> u32 {
    (2.0 * (n as f64).log2()).round() as u32
}

/// Least-squares slope of y on x.
pub fn slope(pts: &[(f64, f64)]) -> f64 {
    let k = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / k,
        pts.iter().map(|p| p.1).sum::<f64>() / k,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// One check per β: the slope of ln N50 vs D against α_c(β).
pub fn checks(cfg: &KdeConfig, n50: &[N50]) -> Vec<Check> {
    cfg.beta
        .iter()
        .zip(&cfg.dims)
        .map(|(&b, dims)| {
            let th = alpha_c(b);
            let what = format!("slope of ln N50 vs D, β = {b}, D ∈ {dims:?}");
            let tol = format!("±{:.0} %", SLOPE_TOL * 100.0);
            let pts: Vec<(f64, f64)> = n50
                .iter()
                .filter(|r| r.beta == b && r.ln_n50.is_finite())
                .map(|r| (r.d as f64, r.ln_n50))
                .collect();
            let done = n50.iter().filter(|r| r.beta == b).count();
            if done < dims.len() || pts.len() < 2 {
                let mut c = Check::missing(what, Some(th), &tol);
                if done == dims.len() {
                    c.verdict = Verdict::Fail;
                }
                return c;
            }
            let s = slope(&pts);
            Check {
                check: what,
                measured: s,
                theory: Some(th),
                tolerance: tol,
                verdict: Verdict::from_bool(((s - th) / th).abs() <= SLOPE_TOL),
            }
        })
        .collect()
}

/// Runs the search for every (β, D) into `opts.out`; Ctrl-C keeps the finished (β, D).
pub fn run(cfg: &KdeConfig, opts: &RunOptions, stop: &AtomicBool) -> anyhow::Result<Outcome> {
    cfg.validate()?;
    let (config, provenance) = opts.begin(
        cfg,
        match cfg.kernel {
            Kernel::Host => {
                "host batched f64 mean-shift: faer GEMMs + vectorised exp (pulp), 32 probes per block"
            }
            Kernel::Core => "engram-core GaussianKde<f64>::run reference, one probe at a time",
        },
    )?;
    let jobs: Vec<(f64, usize)> = cfg
        .beta
        .iter()
        .zip(&cfg.dims)
        .flat_map(|(&b, ds)| ds.iter().map(move |&d| (b, d)))
        .collect();
    let bar = opts.bar(jobs.len() as u64, "(β, D) searches");
    let pool = opts.pool()?;
    let mut grid = Vec::new();
    let mut n50 = Vec::new();
    let found = pool.install(|| {
        par_trials(jobs.len(), stop, &bar, |j| {
            search(cfg, jobs[j].0, jobs[j].1, stop)
        })
    })?;
    let found: Vec<Option<(Vec<GridPoint>, f64)>> = found.unwrap_or_default();
    for (&(beta, d), f) in jobs.iter().zip(found) {
        if let Some((pts, ln50)) = f {
            grid.extend(pts);
            n50.push(N50 {
                beta,
                d,
                ln_n50: ln50,
            });
        }
    }
    bar.finish_and_clear();
    write_csv(
        &opts.out.join("kde_grid.csv"),
        &["beta", "D", "N", "memory_fraction", "probes"],
        &grid
            .iter()
            .map(|g| {
                vec![
                    num(g.beta),
                    g.d.to_string(),
                    g.n.to_string(),
                    num(g.fraction),
                    g.probes.to_string(),
                ]
            })
            .collect::<Vec<_>>(),
    )?;
    write_csv(
        &opts.out.join("kde_n50.csv"),
        &["beta", "D", "ln_N50", "N50", "alpha_c_times_D"],
        &n50.iter()
            .map(|r| {
                vec![
                    num(r.beta),
                    r.d.to_string(),
                    num(r.ln_n50),
                    num(r.ln_n50.exp()),
                    num(alpha_c(r.beta) * r.d as f64),
                ]
            })
            .collect::<Vec<_>>(),
    )?;
    let plots = if grid.is_empty() {
        Vec::new()
    } else {
        plot(&opts.out, cfg, &grid, &n50)?
    };
    let checks = checks(cfg, &n50);
    finish(
        &opts.out,
        Report {
            experiment: "hopfield-kde-capacity",
            title: "Gaussian-KDE memory capacity",
            intro: "Gaussian KDE of N random points on the sphere of radius √D, bandwidth σ² = 1/β; a \
                    datum is a memory if mean-shift started at it comes back to it. Laplace estimate \
                    (papers.md §2): ln N50 ≈ α_c(β)·D, α_c(β) = β(1 − u₀) − ½ ln(1 − u₀²), \
                    u₀ = (√(1+4β²) − 1)/(2β).",
            config,
            points: (jobs.len(), n50.len()),
            interrupted: n50.len() < jobs.len(),
            provenance,
            plots,
            data: vec![
                "kde_grid.csv".to_owned(),
                "kde_n50.csv".to_owned(),
                "config.toml".to_owned(),
            ],
        },
        checks,
    )
}

fn plot(
    dir: &std::path::Path,
    cfg: &KdeConfig,
    grid: &[GridPoint],
    n50: &[N50],
) -> anyhow::Result<Vec<String>> {
    let mut series = Vec::new();
    let mut c = 0;
    for (&b, dims) in cfg.beta.iter().zip(&cfg.dims) {
        for &d in dims {
            let pts: Vec<(f64, f64)> = grid
                .iter()
                .filter(|g| g.beta == b && g.d == d)
                .map(|g| (g.n as f64, g.fraction))
                .collect();
            if !pts.is_empty() {
                series.push(Series {
                    label: format!("β = {b}, D = {d}"),
                    points: pts,
                    color: c,
                    dashed: false,
                });
                c += 1;
            }
        }
    }
    draw(
        &dir.join("fraction.svg"),
        &Figure {
            title: "fraction of probes that are memories".to_owned(),
            x_desc: "N (stored points)".to_owned(),
            y_desc: "memory fraction".to_owned(),
            log_x: true,
            y_range: Some((-0.02, 1.02)),
            legend_upper: false,
            series,
            vlines: Vec::new(),
        },
    )?;
    let mut series = Vec::new();
    for (k, (&b, dims)) in cfg.beta.iter().zip(&cfg.dims).enumerate() {
        let pts: Vec<(f64, f64)> = n50
            .iter()
            .filter(|r| r.beta == b && r.ln_n50.is_finite())
            .map(|r| (r.d as f64, r.ln_n50))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let (mx, my) = (
            pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64,
            pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64,
        );
        let a = alpha_c(b);
        let (d0, d1) = (dims[0] as f64, dims[dims.len() - 1] as f64);
        series.push(Series {
            label: format!("β = {b}: measured ln N50"),
            points: pts,
            color: k,
            dashed: false,
        });
        series.push(Series {
            label: format!("slope α_c = {a:.4}"),
            points: vec![(d0, my + a * (d0 - mx)), (d1, my + a * (d1 - mx))],
            color: k,
            dashed: true,
        });
    }
    draw(
        &dir.join("n50.svg"),
        &Figure {
            title: "ln N50 vs D, theory slope α_c(β) through the data's centroid".to_owned(),
            x_desc: "dimension D".to_owned(),
            y_desc: "ln N50".to_owned(),
            log_x: false,
            y_range: None,
            legend_upper: true,
            series,
            vlines: Vec::new(),
        },
    )?;
    Ok(vec!["fraction.svg".to_owned(), "n50.svg".to_owned()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_c_values() {
        assert!((alpha_c(0.25) - 0.2197).abs() < 1e-4);
        assert!((alpha_c(0.5) - 0.3870).abs() < 1e-4);
        assert!((alpha_c(1.0) - 0.6226).abs() < 1e-4);
    }

    #[test]
    fn grid_and_slope() {
        assert_eq!(grid_n(2), 2);
        assert_eq!(grid_n(3), 3);
        assert_eq!(grid_n(7), 11);
        assert_eq!(k_of(grid_n(13)), 13);
        assert!((slope(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]) - 2.0).abs() < 1e-12);
    }

    /// The host batched mean-shift and the core's classify every probe alike.
    #[test]
    fn host_and_core_agree() {
        let mut cfg = KdeConfig::default();
        let (d, n) = (6usize, 40usize);
        let x = dataset(1, d, n, 0).unwrap();
        let host = memories(&cfg, 1.0, &x, n, d, 20).unwrap();
        cfg.kernel = Kernel::Core;
        assert_eq!(host, memories(&cfg, 1.0, &x, n, d, 20).unwrap());
    }
}
