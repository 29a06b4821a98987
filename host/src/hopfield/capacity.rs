//! `engram hopfield capacity`: the classical network's storage capacity (Amit, Gutfreund &
//! Sompolinsky 1985; McEliece et al. 1987; docs/hopfield.md).
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

use engram_core::hopfield::{
    BinaryMemory, PatternForm, flip_exactly, run_async, sign_rule, words_for,
};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::binary::{self, BitPatterns, to_u64};
use super::num;
use crate::experiment::plot::{Figure, Marker, Series, VLine, draw};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, distinct, in_range, non_empty,
};

pub use crate::experiment::Kernel;

/// Parameters of a capacity sweep: the flags of `engram hopfield capacity` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct CapacityConfig {
    /// Network sizes N (list).
    #[arg(long, value_delimiter = ',', default_value = "256,512,1024")]
    pub n: Vec<usize>,
    /// Loads α = P/N (list).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,0.2"
    )]
    pub alpha: Vec<f64>,
    /// Independent pattern sets per point (the unit of the standard errors).
    #[arg(long, default_value_t = 20)]
    pub trials: usize,
    /// Cues per pattern set (cue c is pattern c mod P).
    #[arg(long, default_value_t = 20)]
    pub cues: usize,
    /// Fraction of bits flipped in a cue.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub flip: f64,
    /// Sweep limit of the asynchronous dynamics.
    #[arg(long, default_value_t = 100)]
    pub max_sweeps: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Implementation (identical results).
    #[arg(long, value_enum, default_value_t = Kernel::Host)]
    pub kernel: Kernel,
}

impl Default for CapacityConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for CapacityConfig {}

/// Mean final overlap below which retrieval has failed (the α_c criterion).
pub const OVERLAP_LIMIT: f64 = 0.9;
/// The accepted interval for the crossing load at N = 512 and 1024.
pub const ALPHA_RANGE: (f64, f64) = (0.12, 0.16);
/// The thermodynamic critical load (Amit, Gutfreund & Sompolinsky 1985).
pub const ALPHA_C: f64 = 0.138;

impl CapacityConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        non_empty("n", &self.n)?;
        for &n in &self.n {
            at_least("n", n, 2)?;
            at_most("n", n, 1 << 16)?;
        }
        distinct("n", &self.n)?;
        non_empty("alpha", &self.alpha)?;
        for &a in &self.alpha {
            if !(a.is_finite() && a > 0.0 && a <= 4.0) {
                return Err(bad("alpha", format!("{a} must be in (0, 4]")));
            }
        }
        at_least("trials", self.trials, 1)?;
        at_least("cues", self.cues, 1)?;
        at_least("max-sweeps", self.max_sweeps, 1)?;
        in_range("flip", self.flip, 0.0, 0.5)?;
        let pts = self.points();
        for (i, p) in pts.iter().enumerate() {
            if pts.iter().skip(i + 1).any(|q| q == p) {
                return Err(bad(
                    "alpha",
                    format!(
                        "two loads give P = {} at N = {}: the point would run twice; remove one",
                        p.1, p.0
                    ),
                ));
            }
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// N.
    pub n: usize,
    /// P.
    pub p: usize,
    /// Fraction of stored patterns that are exact fixed points.
    pub stable: f64,
    /// Mean final overlap over all cues.
    pub overlap: f64,
    /// Its standard error, with trials (pattern sets) as the unit: cues of one pattern set are
    /// correlated, so the spread of the per-trial means is what measures the uncertainty.
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
    // Standard error over trials: per-trial means (equal cue counts, so their mean is `mean`).
    let per_trial: Vec<f64> = trials
        .iter()
        .map(|t| t.1.iter().map(|c| c.0).sum::<f64>() / t.1.len().max(1) as f64)
        .collect();
    let nt = per_trial.len() as f64;
    let var = per_trial.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (nt - 1.0).max(1.0);
    PointResult {
        n,
        p,
        stable: stable as f64 / (p * trials.len()) as f64,
        overlap: mean,
        overlap_se: (var / nt).sqrt(),
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
pub fn checks(cfg: &CapacityConfig, results: &[&PointResult]) -> Vec<Check> {
    let mut out = Vec::new();
    for &n in &cfg.n {
        if n != 512 && n != 1024 {
            continue;
        }
        let pts: Vec<(f64, f64)> = results
            .iter()
            .filter(|r| r.n == n)
            .map(|r| (r.p as f64 / n as f64, r.overlap))
            .collect();
        let what = format!("α where mean overlap < {OVERLAP_LIMIT}, N = {n}");
        let c = Check::new(what, crossing(&pts, OVERLAP_LIMIT)).theory(ALPHA_C);
        out.push(match c.measured {
            Some(_) => c.within(ALPHA_RANGE.0, ALPHA_RANGE.1),
            None if pts.len() < cfg.alpha.len() => {
                c.not_applicable("not every load of N was run (interrupted or sharded)")
            }
            None => c.failed(
                format!("∈ [{}, {}]", ALPHA_RANGE.0, ALPHA_RANGE.1),
                "no crossing on the grid of --alpha",
            ),
        });
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

/// The classical capacity sweep as an [`Experiment`].
#[derive(Debug, Clone)]
pub struct Capacity {
    cfg: CapacityConfig,
}

impl Experiment for Capacity {
    type Config = CapacityConfig;
    type Point = (usize, usize);
    type Output = PointResult;

    const NAME: &'static str = "hopfield-capacity";
    const TITLE: &'static str = "classical capacity";
    const RESULTS: &'static str = "hopfield/capacity";
    const UNIT: &'static str = "trials";

    fn new(cfg: CapacityConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(Capacity { cfg })
    }

    fn config(&self) -> &CapacityConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Classical Hopfield network, Hebbian W = Σ ξξᵀ (zero diagonal), asynchronous updates from \
         cues with a fraction of bits flipped (docs/hopfield.md#capacity-experiment). Critical load \
         α_c ≈ 0.138 (Amit, Gutfreund & Sompolinsky 1985); finite-N estimate: the load where the \
         mean final overlap falls below 0.9 (≈ 0.14 for N ≈ 500–1000). Exact stability of a given \
         pattern up to P ≈ N/(2 ln N), of all patterns up to N/(4 ln N) (McEliece et al. 1987)."
            .to_owned()
    }

    fn kernels(&self) -> String {
        match self.cfg.kernel {
            Kernel::Host => {
                "host bit-packed u64 popcount overlaps, i32 sign-mask fields (pulp dispatch), exact"
            }
            Kernel::Core => "engram-core PatternForm reference (run_async)",
        }
        .to_owned()
    }

    fn points(&self) -> Vec<(usize, usize)> {
        self.cfg.points()
    }

    fn label(&self, &(n, p): &(usize, usize)) -> String {
        format!("N={n} P={p}")
    }

    fn work(&self, _p: &(usize, usize)) -> u64 {
        self.cfg.trials as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let mut memory = Size::constant(0);
        let mut work = 0.0;
        for (n, p) in c.points() {
            // Patterns packed (two copies), overlaps, order: per worker.
            let m = Size::of("n", n as u64)
                .times("alpha", p as u64)?
                .times("", 1)?
                .plus(Size::of("n", n as u64).times("", 16)?)?;
            if m.get() > memory.get() {
                memory = m;
            }
            work += (c.trials * c.cues) as f64 * (n * p) as f64 * 8.0;
        }
        Ok(Estimate::new(
            memory.times("", threads)?,
            Size::of("n", c.n.len() as u64)
                .times("alpha", c.alpha.len() as u64)?
                .times("", 200)?,
            work,
            2e9 * threads as f64,
            "n/alpha/trials/cues",
        ))
    }

    fn run_point(
        &self,
        &(n, p): &(usize, usize),
        ctx: &PointCtx<'_>,
    ) -> anyhow::Result<Option<PointResult>> {
        let trials = ctx.par_map(self.cfg.trials, |t| run_trial(&self.cfg, n, p, t))?;
        Ok(trials.map(|t| reduce(n, p, &t)))
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let results: Vec<&PointResult> = done.iter().map(|d| d.output).collect();
        checks(&self.cfg, &results)
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let cfg = &self.cfg;
        let results: Vec<&PointResult> = done.iter().map(|d| d.output).collect();
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
        out.write_csv("capacity.csv", &HEADER, &rows)?;
        let mut files = Files {
            data: vec!["capacity.csv".to_owned()],
            plots: Vec::new(),
        };
        if !results.is_empty() {
            plot(out, cfg, &results)?;
            files.plots = vec!["overlap.svg".to_owned(), "stable.svg".to_owned()];
        }
        Ok(files)
    }
}

fn plot(dir: &ResultsDir, cfg: &CapacityConfig, results: &[&PointResult]) -> anyhow::Result<()> {
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
                marker: Marker::Circle,
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
        marker: Marker::None,
    });
    draw(
        dir,
        "overlap.svg",
        &Figure {
            title: format!(
                "mean final overlap from cues with {} % of bits flipped",
                cfg.flip * 100.0
            ),
            x_desc: "load α = P/N".to_owned(),
            y_desc: "mean final overlap m".to_owned(),
            log_x: false,
            log_y: false,
            legend_right: false,
            y_range: None,
            legend_upper: false,
            series: s,
            vlines: vlines.clone(),
        },
    )?;
    draw(
        dir,
        "stable.svg",
        &Figure {
            title: "fraction of stored patterns that are exact fixed points".to_owned(),
            x_desc: "load α = P/N".to_owned(),
            y_desc: "stable fraction".to_owned(),
            log_x: false,
            log_y: false,
            legend_right: false,
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
