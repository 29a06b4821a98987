//! `engram hopfield dense`: the dense associative memory E(s) = −Σ_μ F(ξ^μ·s) with F(x) = xⁿ
//! (Krotov & Hopfield 2016) against the classical network on the same patterns (docs/hopfield.md).
//!
//! Error-free capacity of F = xⁿ: P ≈ N^{n−1}/(2(2n−3)!! ln N) (≈ 360 at N = 100, n = 3), where the
//! classical network (n = 2) holds ≈ N/(2 ln N) ≈ 11. Each trial draws P random patterns and counts
//! how many are exact fixed points of each network (every unit's field agrees with its sign; a zero
//! field keeps it). Both networks see the same patterns: stream `Rng::keyed(seed,
//! [key_str("engram/hopfield/dense/v1"), N, P, trial])`. Kernels: the core's `PolyMemory` (exact
//! `i128`) and `PatternForm`.
//!
//! Check (at N = 100, n = 3, P = 200): ≥ 95 % of the patterns are stable in the dense memory, none
//! in the classical network. Each check applies only where its premise holds for the configuration:
//! the dense one below the dense capacity, the classical one where theory expects (almost) no
//! stable pattern — P above N/(2 ln N) and fewer than 0.1 stable patterns expected over all trials
//! by the signal-to-noise estimate [`classical_stable_fraction`]; otherwise the check is n/a with the
//! reason.

use engram_core::hopfield::{BinaryMemory, PatternForm, PolyMemory, sign_rule, words_for};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::num;
use crate::experiment::plot::{Figure, Marker, Series, VLine, draw};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad, distinct, non_empty,
};

/// Parameters of the dense-memory sweep: the flags of `engram hopfield dense` and its TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct DenseConfig {
    /// Units N.
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// Degree n of F(x) = xⁿ.
    #[arg(long, default_value_t = 3)]
    pub degree: u32,
    /// Pattern counts P (list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10,25,50,100,150,200,300,400"
    )]
    pub p: Vec<usize>,
    /// The P of the check (one of --p).
    #[arg(long, default_value_t = 200)]
    pub check_p: usize,
    /// Pattern sets per point.
    #[arg(long, default_value_t = 10)]
    pub trials: usize,
    /// Master seed; results depend only on (config, seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl Default for DenseConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for DenseConfig {}

/// Minimum stable fraction of the dense memory at the check point.
pub const DENSE_MIN: f64 = 0.95;
/// Largest N.
pub const MAX_N: usize = 1 << 16;
/// Largest P.
pub const MAX_P: usize = 1 << 16;
/// Largest number of trials per point.
pub const MAX_TRIALS: usize = 1 << 20;
/// The classical "keeps none" check applies only when theory expects fewer than this many stable
/// patterns over all trials of the check point.
pub const CLASSICAL_NONE_EXPECTED: f64 = 0.1;

/// (2n−3)!! for n ≥ 2.
fn double_factorial(k: u32) -> f64 {
    (1..=k).rev().step_by(2).map(f64::from).product()
}

/// Krotov & Hopfield's error-free capacity N^{n−1}/(2(2n−3)!! ln N).
pub fn poly_capacity(n: usize, degree: u32) -> f64 {
    let nf = n as f64;
    nf.powi(degree as i32 - 1) / (2.0 * double_factorial(2 * degree - 3) * nf.ln())
}

/// The classical network's capacity N/(2 ln N) (McEliece et al. 1987).
pub fn classical_capacity(n: usize) -> f64 {
    n as f64 / (2.0 * (n as f64).ln())
}

/// Φ(x), the standard normal CDF (Abramowitz & Stegun 7.1.26 for erfc, |error| < 1.5·10⁻⁷).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 {
        1.0 - erfc / 2.0
    } else {
        erfc / 2.0
    }
}

/// Expected fraction of patterns that are exact fixed points of the classical network (signal-to-
/// noise estimate): a unit's field is N − 1 plus crosstalk, a sum of (P − 1)(N − 1) ±1 terms, so a
/// unit flips with probability Φ(−√((N − 1)/(P − 1))) and a pattern is stable when none of its N
/// units flips: (1 − Φ(−√((N − 1)/(P − 1))))^N.
pub fn classical_stable_fraction(n: usize, p: usize) -> f64 {
    if p <= 1 {
        return 1.0;
    }
    let q = normal_cdf(-((n as f64 - 1.0) / (p as f64 - 1.0)).sqrt());
    (1.0 - q).powf(n as f64)
}

impl DenseConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("n", self.n, 2)?;
        at_most("n", self.n, MAX_N)?;
        if self.degree < 2 {
            return Err(bad("degree", format!("{} must be >= 2", self.degree)));
        }
        non_empty("p", &self.p)?;
        for &p in &self.p {
            at_least("p", p, 1)?;
            at_most("p", p, MAX_P)?;
        }
        distinct("p", &self.p)?;
        if !self.p.contains(&self.check_p) {
            return Err(bad(
                "check-p",
                format!("{} is not one of --p {:?}", self.check_p, self.p),
            ));
        }
        at_least("trials", self.trials, 1)?;
        at_most("trials", self.trials, MAX_TRIALS)?;
        // The core's exact i128 energy bounds N, P and the degree together.
        let w = vec![0u32; words_for(self.n)];
        for &p in &self.p {
            let xi = w.repeat(p);
            let pf = PatternForm::new(&xi, p, self.n).map_err(|e| bad("p", e.to_string()))?;
            PolyMemory::new(pf, self.degree).map_err(|e| bad("degree", e.to_string()))?;
        }
        Ok(())
    }
}

/// Stable fractions at one P.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// P.
    pub p: usize,
    /// Fraction stable in the dense memory.
    pub dense: f64,
    /// Fraction stable in the classical network.
    pub classical: f64,
}

fn stable<M: BinaryMemory>(mem: &M, s: &[u32], cache: &mut [i32]) -> anyhow::Result<bool> {
    mem.init_cache(s, cache)?;
    for i in 0..mem.n() {
        let si = if (s[i / 32] >> (i % 32)) & 1 == 1 {
            1
        } else {
            -1
        };
        if sign_rule(mem.field(s, cache, i)?, si) != si {
            return Ok(false);
        }
    }
    Ok(true)
}

fn run_trial(cfg: &DenseConfig, p: usize, t: usize) -> anyhow::Result<(usize, usize)> {
    let n = cfg.n;
    let key = [
        key_str("engram/hopfield/dense/v1"),
        n as u64,
        p as u64,
        t as u64,
    ];
    let mut rng = Rng::keyed(cfg.seed, &key);
    let w = words_for(n);
    let xi = super::binary::random_patterns(&mut rng, p, n)?;
    let classical = PatternForm::new(&xi, p, n)?;
    let dense = PolyMemory::new(classical, cfg.degree)?;
    let mut cache = vec![0i32; p];
    let (mut d, mut c) = (0, 0);
    for row in xi.chunks_exact(w) {
        d += usize::from(stable(&dense, row, &mut cache)?);
        c += usize::from(stable(&classical, row, &mut cache)?);
    }
    Ok((d, c))
}

/// The checks at `check_p`: the dense memory keeps ≥ 95 % of the patterns; the classical network
/// keeps none — applicable only where theory expects (almost) none, i.e. P well above its
/// capacity N/(2 ln N).
pub fn checks(cfg: &DenseConfig, results: &[&PointResult]) -> Vec<Check> {
    let r = results.iter().find(|r| r.p == cfg.check_p);
    let cap = poly_capacity(cfg.n, cfg.degree);
    let ccap = classical_capacity(cfg.n);
    let dense = Check::new(
        format!(
            "stable fraction, F(x) = x^{}, N = {}, P = {} (capacity {cap:.0})",
            cfg.degree, cfg.n, cfg.check_p
        ),
        r.map(|r| r.dense),
    )
    .theory(1.0);
    let dense = if (cfg.check_p as f64) > cap {
        dense.not_applicable(format!(
            "P = {} is above the dense capacity {cap:.0}: retrieval is not expected",
            cfg.check_p
        ))
    } else {
        dense.at_least(DENSE_MIN)
    };
    let classical = Check::new(
        format!(
            "stable fraction, classical, N = {}, P = {} (capacity N/(2 ln N) = {ccap:.0})",
            cfg.n, cfg.check_p
        ),
        r.map(|r| r.classical),
    )
    .theory(0.0);
    let expected =
        classical_stable_fraction(cfg.n, cfg.check_p) * (cfg.check_p * cfg.trials) as f64;
    let classical = if cfg.check_p as f64 <= ccap {
        classical.not_applicable(format!(
            "P = {} is at or below the classical capacity N/(2 ln N) = {ccap:.1}: the patterns \
             are expected to be stable",
            cfg.check_p
        ))
    } else if expected >= CLASSICAL_NONE_EXPECTED {
        classical.not_applicable(format!(
            "P = {} is too close to the classical capacity N/(2 ln N) = {ccap:.1}: theory \
             expects {expected:.2} of the {} patterns stable, so none is not the prediction",
            cfg.check_p,
            cfg.check_p * cfg.trials
        ))
    } else {
        classical.rule("= 0", |v| v == 0.0)
    };
    vec![dense, classical]
}

/// The CSV columns.
pub const HEADER: [&str; 5] = ["N", "P", "stable_dense", "stable_classical", "patterns"];

/// The dense-memory sweep as an [`Experiment`].
#[derive(Debug, Clone)]
pub struct Dense {
    cfg: DenseConfig,
}

impl Experiment for Dense {
    type Config = DenseConfig;
    type Point = usize;
    type Output = PointResult;

    const NAME: &'static str = "hopfield-dense";
    const TITLE: &'static str = "dense associative memory";
    const RESULTS: &'static str = "hopfield/dense";
    const UNIT: &'static str = "trials";

    fn new(cfg: DenseConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        Ok(Dense { cfg })
    }

    fn config(&self) -> &DenseConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Dense associative memory E(s) = −Σ_μ F(ξ^μ·s), F(x) = xⁿ (Krotov & Hopfield 2016): \
         error-free capacity N^{n−1}/(2(2n−3)!! ln N) against N/(2 ln N) for the classical \
         network, on the same random patterns."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "engram-core PolyMemory (exact i128) and PatternForm reference kernels".to_owned()
    }

    fn points(&self) -> Vec<usize> {
        self.cfg.p.clone()
    }

    fn label(&self, p: &usize) -> String {
        format!("N={} P={p}", self.cfg.n)
    }

    fn work(&self, _p: &usize) -> u64 {
        self.cfg.trials as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let pmax = c.p.iter().copied().max().unwrap_or(1) as u64;
        // Patterns (packed bits), the overlap cache (i32 per pattern) per worker.
        let memory = Size::of("p", pmax)
            .times("n", c.n.div_ceil(8) as u64)?
            .plus(Size::of("p", pmax).times("", 4)?)?
            .times("", threads)?;
        // Stability of every pattern: N fields of P terms, twice (dense and classical).
        let work: f64 =
            c.p.iter()
                .map(|&p| (c.trials * p) as f64 * (c.n * p) as f64 * 4.0)
                .sum();
        Ok(Estimate::new(
            memory,
            Size::of("p", c.p.len() as u64).times("", 100)?,
            work,
            1e9 * threads as f64,
            "n/p/trials",
        ))
    }

    fn run_point(&self, &p: &usize, ctx: &PointCtx<'_>) -> anyhow::Result<Option<PointResult>> {
        let Some(tr) = ctx.par_map(self.cfg.trials, |t| run_trial(&self.cfg, p, t))? else {
            return Ok(None);
        };
        let total = (p * self.cfg.trials) as f64;
        Ok(Some(PointResult {
            p,
            dense: tr.iter().map(|t| t.0).sum::<usize>() as f64 / total,
            classical: tr.iter().map(|t| t.1).sum::<usize>() as f64 / total,
        }))
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
                    cfg.n.to_string(),
                    r.p.to_string(),
                    num(r.dense),
                    num(r.classical),
                    (r.p * cfg.trials).to_string(),
                ]
            })
            .collect();
        out.write_csv("dense.csv", &HEADER, &rows)?;
        let mut files = Files {
            data: vec!["dense.csv".to_owned()],
            plots: Vec::new(),
        };
        if !results.is_empty() {
            plot(out, cfg, &results)?;
            files.plots.push("stable.svg".to_owned());
        }
        Ok(files)
    }
}

fn plot(dir: &ResultsDir, cfg: &DenseConfig, results: &[&PointResult]) -> anyhow::Result<()> {
    let pts = |f: &dyn Fn(&PointResult) -> f64| -> Vec<(f64, f64)> {
        results.iter().map(|r| (r.p as f64, f(r))).collect()
    };
    draw(
        dir,
        "stable.svg",
        &Figure {
            title: format!("exactly stable patterns, N = {}", cfg.n),
            x_desc: "stored patterns P".to_owned(),
            y_desc: "stable fraction".to_owned(),
            log_x: true,
            log_y: false,
            y_range: Some((-0.02, 1.02)),
            legend_upper: false,
            legend_right: false,
            series: vec![
                Series {
                    label: format!("dense, F(x) = x^{}", cfg.degree),
                    points: pts(&|r| r.dense),
                    color: 0,
                    dashed: false,
                    marker: Marker::Circle,
                },
                Series {
                    label: "classical".to_owned(),
                    points: pts(&|r| r.classical),
                    color: 1,
                    dashed: false,
                    marker: Marker::Circle,
                },
            ],
            vlines: vec![
                VLine {
                    x: poly_capacity(cfg.n, cfg.degree),
                    label: "N^(n-1)/(2(2n-3)!! ln N)".to_owned(),
                    color: 0,
                },
                VLine {
                    x: classical_capacity(cfg.n),
                    label: "N/(2 ln N)".to_owned(),
                    color: 1,
                },
            ],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_formula() {
        assert!((poly_capacity(100, 3) - 361.9).abs() < 0.5);
        assert_eq!(double_factorial(3), 3.0);
        assert_eq!(double_factorial(5), 15.0);
    }

    #[test]
    fn validation() {
        let c = DenseConfig {
            check_p: 7,
            ..DenseConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "check-p");
        let c = DenseConfig {
            degree: 1,
            ..DenseConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "degree");
        let c = DenseConfig {
            degree: 40,
            ..DenseConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "degree");
        let c = DenseConfig {
            p: vec![10, 200, 10],
            ..DenseConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "p");
        let c = DenseConfig {
            n: usize::MAX,
            ..DenseConfig::default()
        };
        assert_eq!(c.validate().unwrap_err().field, "n");
    }

    #[test]
    fn classical_check_applies_only_above_capacity() {
        // Default: P = 200 ≫ N/(2 ln N) ≈ 11 at N = 100: applicable, and none is stable.
        let cfg = DenseConfig::default();
        let r = PointResult {
            p: 200,
            dense: 1.0,
            classical: 0.0,
        };
        let c = checks(&cfg, &[&r]);
        assert_eq!(c[0].verdict, crate::experiment::Verdict::Pass);
        assert_eq!(c[1].verdict, crate::experiment::Verdict::Pass);
        // N = 60, P = 5 (below N/(2 ln N) ≈ 7.3) and P = 20 (theory expects ≈ 8 % stable): n/a.
        for p in [5, 20] {
            let cfg = DenseConfig {
                n: 60,
                p: vec![p],
                check_p: p,
                trials: 3,
                ..DenseConfig::default()
            };
            let r = PointResult {
                p,
                dense: 1.0,
                classical: 0.1,
            };
            let c = checks(&cfg, &[&r]);
            assert_eq!(
                c[1].verdict,
                crate::experiment::Verdict::NotApplicable,
                "{p}"
            );
        }
        let f = classical_stable_fraction(60, 20);
        assert!((0.05..0.12).contains(&f), "{f}");
        assert!(classical_stable_fraction(100, 200) < 1e-9);
    }
}
