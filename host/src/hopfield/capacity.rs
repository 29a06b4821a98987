//! `engram hopfield capacity`: the classical network's storage capacity (Amit, Gutfreund &
//! Sompolinsky 1985; McEliece et al. 1987; papers.md §2).
//!
//! For each N and load α = P/N (P = round(αN)), each trial draws P random patterns, counts the
//! patterns that are exact fixed points, and runs asynchronous dynamics (a fresh random unit order
//! per sweep, until a fixed point or `max_sweeps`) from cues that are stored patterns with exactly
//! round(flip·N) bits flipped, recording the final overlap m = ξ·s/N with the cued pattern.
//!
//! Check: the load where the mean final overlap first falls below 0.9 (linear interpolation between
//! grid points) lies in [0.12, 0.16] for N = 512 and 1024 — the finite-N estimate of α_c ≈ 0.138.
//! Exact stability is a different criterion: every given pattern is stable up to P ≈ N/(2 ln N),
//! all at once up to N/(4 ln N), and at fixed α the stable fraction goes to 0 as N grows.
//!
//! Stream of trial t at (N, P): `Rng::keyed(seed, [key_str("engram/hopfield/capacity/v1"), N, P,
//! t])`: the patterns (row by row, `fill_random`), then per cue the flips (`flip_exactly`) and the
//! sweep orders (`sweep_order`). The host kernel ([`super::binary`], the default) and the
//! core reference (`--kernel core`) give identical results.

use std::sync::atomic::{AtomicBool, Ordering};

use engram_core::hopfield::{
    BinaryMemory, PatternForm, flip_exactly, run_async, sign_rule, words_for,
};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::binary::{self, BitPatterns, to_u64};
use super::output::{
    Check, ConfigError, Outcome, Report, RunOptions, Verdict, at_least, bad, finish, num,
    par_trials, write_csv,
};
use super::plot::{Figure, Series, VLine, draw};

/// Which implementation runs the dynamics (results are identical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    /// Host fast path (bit-packed u64 / batched GEMM kernels).
    Host,
    /// The core reference kernels.
    Core,
}

/// Parameters of a capacity sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CapacityConfig {
    /// Network sizes N.
    pub n: Vec<usize>,
    /// Loads α = P/N.
    pub alpha: Vec<f64>,
    /// Independent pattern sets per point.
    pub trials: usize,
    /// Cues per pattern set (cue c is pattern c mod P).
    pub cues: usize,
    /// Fraction of bits flipped in a cue.
    pub flip: f64,
    /// Sweep limit of the asynchronous dynamics.
    pub max_sweeps: usize,
    /// Master seed.
    pub seed: u64,
    /// Implementation.
    pub kernel: Kernel,
}

impl Default for CapacityConfig {
    fn default() -> Self {
        Self {
            n: vec![256, 512, 1024],
            alpha: (6..=20).map(|k| f64::from(k) / 100.0).collect(),
            trials: 20,
            cues: 20,
            flip: 0.1,
            max_sweeps: 100,
            seed: 0,
            kernel: Kernel::Host,
        }
    }
}

/// Mean final overlap below which retrieval has failed (the α_c criterion).
pub const OVERLAP_LIMIT: f64 = 0.9;
/// The accepted interval for the crossing load at N = 512 and 1024.
pub const ALPHA_RANGE: (f64, f64) = (0.12, 0.16);
/// The thermodynamic critical load (Amit, Gutfreund & Sompolinsky 1985).
pub const ALPHA_C: f64 = 0.138;

impl CapacityConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.n.is_empty() {
            return Err(bad("n", "needs at least one value"));
        }
        for &n in &self.n {
            at_least("n", n, 2)?;
            if n > 1 << 16 {
                return Err(bad("n", format!("{n} is above the supported 65536")));
            }
        }
        if self.alpha.is_empty() {
            return Err(bad("alpha", "needs at least one value"));
        }
        for &a in &self.alpha {
            if !(a.is_finite() && a > 0.0 && a <= 4.0) {
                return Err(bad("alpha", format!("{a} must be in (0, 4]")));
            }
        }
        at_least("trials", self.trials, 1)?;
        at_least("cues", self.cues, 1)?;
        at_least("max-sweeps", self.max_sweeps, 1)?;
        if !(self.flip.is_finite() && (0.0..=0.5).contains(&self.flip)) {
            return Err(bad("flip", format!("{} must be in [0, 0.5]", self.flip)));
        }
        Ok(())
    }

    /// The (N, P) points in order (N outer).
    pub fn points(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for &n in &self.n {
            for &a in &self.alpha {
                out.push((n, ((a * n as f64).round() as usize).max(1)));
            }
        }
        out
    }
}

/// What one point measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// N.
    pub n: usize,
    /// P.
    pub p: usize,
    /// Fraction of stored patterns that are exact fixed points.
    pub stable: f64,
    /// Mean final overlap over all cues.
    pub overlap: f64,
    /// Its standard error.
    pub overlap_se: f64,
    /// Fraction of cues ending exactly on the cued pattern.
    pub exact: f64,
    /// Mean sweeps per cue.
    pub sweeps: f64,
}

/// (stable patterns, per-cue (final overlap m/N, sweeps)).
type Trial = (usize, Vec<(f64, usize)>);

fn run_trial(cfg: &CapacityConfig, n: usize, p: usize, t: usize) -> anyhow::Result<Trial> {
    let key = [
        key_str("engram/hopfield/capacity/v1"),
        n as u64,
        p as u64,
        t as u64,
    ];
    let mut rng = Rng::keyed(cfg.seed, &key);
    let w = words_for(n);
    let xi = super::binary::random_patterns(&mut rng, p, n)?;
    let flips = (cfg.flip * n as f64).round() as usize;
    let mut cues = Vec::with_capacity(cfg.cues);
    match cfg.kernel {
        Kernel::Host => {
            let pats = BitPatterns::from_u32(&xi, p, n)?;
            let mut m = vec![0i32; p];
            let stable = (0..p)
                .filter(|&mu| pats.is_stable(pats.row(mu), &mut m))
                .count();
            let mut order = vec![0u32; n];
            for c in 0..cfg.cues {
                let mu = c % p;
                let mut s32 = xi[mu * w..(mu + 1) * w].to_vec();
                flip_exactly(&mut s32, n, flips, &mut rng)?;
                let mut s = to_u64(&s32, n)?;
                let out =
                    binary::run_async(&pats, &mut s, &mut m, &mut order, &mut rng, cfg.max_sweeps)?;
                cues.push((f64::from(m[mu]) / n as f64, out.sweeps()));
            }
            Ok((stable, cues))
        }
        Kernel::Core => {
            let net = PatternForm::new(&xi, p, n)?;
            let mut m = vec![0i32; p];
            let mut stable = 0;
            for mu in 0..p {
                let s = &xi[mu * w..(mu + 1) * w];
                net.init_cache(s, &mut m)?;
                let mut ok = true;
                for i in 0..n {
                    let si = if (s[i / 32] >> (i % 32)) & 1 == 1 {
                        1
                    } else {
                        -1
                    };
                    if sign_rule(net.field(s, &m, i)?, si) != si {
                        ok = false;
                        break;
                    }
                }
                stable += usize::from(ok);
            }
            let mut order = vec![0u32; n];
            for c in 0..cfg.cues {
                let mu = c % p;
                let mut s = xi[mu * w..(mu + 1) * w].to_vec();
                flip_exactly(&mut s, n, flips, &mut rng)?;
                let out = run_async(&net, &mut s, &mut m, &mut order, &mut rng, cfg.max_sweeps)?;
                cues.push((f64::from(m[mu]) / n as f64, out.sweeps()));
            }
            Ok((stable, cues))
        }
    }
}

fn reduce(n: usize, p: usize, trials: &[Trial]) -> PointResult {
    let stable: usize = trials.iter().map(|t| t.0).sum();
    let all: Vec<(f64, usize)> = trials.iter().flat_map(|t| t.1.iter().copied()).collect();
    let k = all.len() as f64;
    let mean = all.iter().map(|c| c.0).sum::<f64>() / k;
    let var = all.iter().map(|c| (c.0 - mean).powi(2)).sum::<f64>() / (k - 1.0).max(1.0);
    PointResult {
        n,
        p,
        stable: stable as f64 / (p * trials.len()) as f64,
        overlap: mean,
        overlap_se: (var / k).sqrt(),
        exact: all.iter().filter(|c| c.0 == 1.0).count() as f64 / k,
        sweeps: all.iter().map(|c| c.1 as f64).sum::<f64>() / k,
    }
}

/// The first load at which the mean overlap falls below `limit`, linearly interpolated between
/// the grid points on either side; `None` if it never does (or is below it at the first point).
pub fn crossing(points: &[(f64, f64)], limit: f64) -> Option<f64> {
    points.windows(2).find_map(|w| {
        let ((a0, m0), (a1, m1)) = (w[0], w[1]);
        (m0 >= limit && m1 < limit).then(|| a0 + (m0 - limit) / (m0 - m1) * (a1 - a0))
    })
}

/// The checks: the crossing load for N = 512 and 1024 (other N are reported, not checked).
pub fn checks(cfg: &CapacityConfig, results: &[PointResult]) -> Vec<Check> {
    let mut out = Vec::new();
    for &n in &cfg.n {
        let pts: Vec<(f64, f64)> = results
            .iter()
            .filter(|r| r.n == n)
            .map(|r| (r.p as f64 / n as f64, r.overlap))
            .collect();
        let tested = n == 512 || n == 1024;
        let what = format!("α where mean overlap < {OVERLAP_LIMIT}, N = {n}");
        let tol = if tested {
            format!("∈ [{}, {}]", ALPHA_RANGE.0, ALPHA_RANGE.1)
        } else {
            "reported".to_owned()
        };
        let Some(a) = crossing(&pts, OVERLAP_LIMIT) else {
            if tested {
                out.push(Check {
                    verdict: if pts.len() == cfg.alpha.len() {
                        Verdict::Fail
                    } else {
                        Verdict::Missing
                    },
                    ..Check::missing(
                        format!("{what} (no crossing on the grid)"),
                        Some(ALPHA_C),
                        &tol,
                    )
                });
            }
            continue;
        };
        if tested {
            out.push(Check {
                check: what,
                measured: a,
                theory: Some(ALPHA_C),
                tolerance: tol,
                verdict: Verdict::from_bool((ALPHA_RANGE.0..=ALPHA_RANGE.1).contains(&a)),
            });
        }
    }
    out
}

/// The CSV columns.
pub const HEADER: [&str; 9] = [
    "N",
    "P",
    "alpha",
    "stable_fraction",
    "mean_overlap",
    "overlap_stderr",
    "exact_fraction",
    "mean_sweeps",
    "cues",
];

/// Runs the sweep into `opts.out`; Ctrl-C (`stop`) keeps the finished points.
pub fn run(cfg: &CapacityConfig, opts: &RunOptions, stop: &AtomicBool) -> anyhow::Result<Outcome> {
    cfg.validate()?;
    let (config, provenance) = opts.begin(
        cfg,
        match cfg.kernel {
            Kernel::Host => {
                "host bit-packed u64 popcount overlaps, i32 sign-mask fields (pulp dispatch), exact"
            }
            Kernel::Core => "engram-core PatternForm reference (run_async)",
        },
    )?;
    let points = cfg.points();
    let bar = opts.bar((points.len() * cfg.trials) as u64, "trials");
    let pool = opts.pool()?;
    let mut results = Vec::new();
    for &(n, p) in &points {
        let trials =
            pool.install(|| par_trials(cfg.trials, stop, &bar, |t| run_trial(cfg, n, p, t)))?;
        let Some(trials) = trials else { break };
        results.push(reduce(n, p, &trials));
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    bar.finish_and_clear();
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.n.to_string(),
                r.p.to_string(),
                num(r.p as f64 / r.n as f64),
                num(r.stable),
                num(r.overlap),
                num(r.overlap_se),
                num(r.exact),
                num(r.sweeps),
                (cfg.trials * cfg.cues).to_string(),
            ]
        })
        .collect();
    write_csv(&opts.out.join("capacity.csv"), &HEADER, &rows)?;
    let mut plots = Vec::new();
    if !results.is_empty() {
        plot(&opts.out, cfg, &results)?;
        plots = vec!["overlap.svg".to_owned(), "stable.svg".to_owned()];
    }
    let checks = checks(cfg, &results);
    finish(
        &opts.out,
        Report {
            experiment: "hopfield-capacity",
            title: "classical capacity",
            intro: "Classical Hopfield network, Hebbian W = Σ ξξᵀ (zero diagonal), asynchronous \
                    updates from cues with a fraction of bits flipped. Critical load α_c ≈ 0.138 \
                    (Amit, Gutfreund & Sompolinsky 1985); finite-N estimate: the load where the mean \
                    final overlap falls below 0.9 (≈ 0.14 for N ≈ 500–1000). Exact stability of a \
                    given pattern up to P ≈ N/(2 ln N), of all patterns up to N/(4 ln N) \
                    (McEliece et al. 1987).",
            config,
            points: (points.len(), results.len()),
            interrupted: results.len() < points.len(),
            provenance,
            plots,
            data: vec!["capacity.csv".to_owned(), "config.toml".to_owned()],
        },
        checks,
    )
}

fn plot(
    dir: &std::path::Path,
    cfg: &CapacityConfig,
    results: &[PointResult],
) -> anyhow::Result<()> {
    let series = |f: &dyn Fn(&PointResult) -> f64| -> Vec<Series> {
        cfg.n
            .iter()
            .enumerate()
            .map(|(k, &n)| Series {
                label: format!("N = {n}"),
                points: results
                    .iter()
                    .filter(|r| r.n == n)
                    .map(|r| (r.p as f64 / n as f64, f(r)))
                    .collect(),
                color: k,
                dashed: false,
            })
            .collect()
    };
    let mut vlines = vec![VLine {
        x: ALPHA_C,
        label: "α_c = 0.138".to_owned(),
        color: 7,
    }];
    for (k, &n) in cfg.n.iter().enumerate() {
        let ln = (n as f64).ln();
        vlines.push(VLine {
            x: 1.0 / (2.0 * ln),
            label: format!("N/(2lnN), N={n}"),
            color: k,
        });
        vlines.push(VLine {
            x: 1.0 / (4.0 * ln),
            label: "N/(4lnN)".to_owned(),
            color: k,
        });
    }
    let mut s = series(&|r| r.overlap);
    let (a0, a1) = (
        cfg.alpha.iter().copied().fold(f64::INFINITY, f64::min),
        cfg.alpha.iter().copied().fold(0.0, f64::max),
    );
    s.push(Series {
        label: format!("overlap {OVERLAP_LIMIT}"),
        points: vec![(a0, OVERLAP_LIMIT), (a1, OVERLAP_LIMIT)],
        color: 7,
        dashed: true,
    });
    draw(
        &dir.join("overlap.svg"),
        &Figure {
            title: format!(
                "mean final overlap from cues with {} % of bits flipped",
                cfg.flip * 100.0
            ),
            x_desc: "load α = P/N".to_owned(),
            y_desc: "mean final overlap m".to_owned(),
            log_x: false,
            y_range: None,
            legend_upper: false,
            series: s,
            vlines: vlines.clone(),
        },
    )?;
    draw(
        &dir.join("stable.svg"),
        &Figure {
            title: "fraction of stored patterns that are exact fixed points".to_owned(),
            x_desc: "load α = P/N".to_owned(),
            y_desc: "stable fraction".to_owned(),
            log_x: false,
            y_range: Some((-0.02, 1.02)),
            legend_upper: false,
            series: series(&|r| r.stable),
            vlines,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_interpolates() {
        let pts = [(0.1, 0.99), (0.12, 0.95), (0.14, 0.85), (0.16, 0.5)];
        let a = crossing(&pts, 0.9).unwrap();
        assert!((a - 0.13).abs() < 1e-12);
        assert_eq!(crossing(&pts[..2], 0.9), None);
    }

    #[test]
    fn host_and_core_kernels_agree() {
        let mut cfg = CapacityConfig {
            n: vec![100],
            alpha: vec![0.1, 0.2],
            trials: 3,
            cues: 4,
            ..CapacityConfig::default()
        };
        let host: Vec<_> = (0..3)
            .map(|t| run_trial(&cfg, 100, 15, t).unwrap())
            .collect();
        cfg.kernel = Kernel::Core;
        let core: Vec<_> = (0..3)
            .map(|t| run_trial(&cfg, 100, 15, t).unwrap())
            .collect();
        assert_eq!(host, core);
    }

    #[test]
    fn validation_names_fields() {
        let c = CapacityConfig {
            flip: 0.7,
            ..CapacityConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "flip");
        let c = CapacityConfig {
            alpha: vec![],
            ..CapacityConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "alpha");
    }
}
