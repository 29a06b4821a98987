//! `engram hopfield dense`: the dense associative memory E(s) = −Σ_μ F(ξ^μ·s) with F(x) = xⁿ
//! (Krotov & Hopfield 2016) against the classical network on the same patterns (papers.md §2).
//!
//! Error-free capacity of F = xⁿ: P ≈ N^{n−1}/(2(2n−3)!! ln N) (≈ 360 at N = 100, n = 3), where the
//! classical network (n = 2) holds ≈ N/(2 ln N) ≈ 11. Each trial draws P random patterns and counts
//! how many are exact fixed points of each network (every unit's field agrees with its sign; a zero
//! field keeps it). Both networks see the same patterns: stream `Rng::keyed(seed,
//! [key_str("engram/hopfield/dense/v1"), N, P, trial])`. Kernels: the core's `PolyMemory` (exact
//! `i128`) and `PatternForm`.
//!
//! Check (at N = 100, n = 3, P = 200): ≥ 95 % of the patterns are stable in the dense memory, none
//! in the classical network.

use std::sync::atomic::{AtomicBool, Ordering};

use engram_core::hopfield::{BinaryMemory, PatternForm, PolyMemory, sign_rule, words_for};
use engram_core::rng::{Rng, key_str};
use serde::{Deserialize, Serialize};

use super::output::{
    Check, ConfigError, Outcome, Report, RunOptions, Verdict, at_least, bad, finish, num,
    par_trials, write_csv,
};
use super::plot::{Figure, Series, VLine, draw};

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DenseConfig {
    /// Units N.
    pub n: usize,
    /// Degree n of F(x) = xⁿ (≥ 2; 2 is the classical network).
    pub degree: u32,
    /// Pattern counts P swept.
    pub p: Vec<usize>,
    /// The P at which the check is made (must be one of `p`).
    pub check_p: usize,
    /// Pattern sets per point.
    pub trials: usize,
    /// Master seed.
    pub seed: u64,
}

impl Default for DenseConfig {
    fn default() -> Self {
        Self {
            n: 100,
            degree: 3,
            p: vec![10, 25, 50, 100, 150, 200, 300, 400],
            check_p: 200,
            trials: 10,
            seed: 0,
        }
    }
}

/// Minimum stable fraction of the dense memory at the check point.
pub const DENSE_MIN: f64 = 0.95;

/// (2n−3)!! for n ≥ 2.
fn double_factorial(k: u32) -> f64 {
    (1..=k).rev().step_by(2).map(f64::from).product()
}

/// Krotov & Hopfield's error-free capacity N^{n−1}/(2(2n−3)!! ln N).
pub fn poly_capacity(n: usize, degree: u32) -> f64 {
    let nf = n as f64;
    nf.powi(degree as i32 - 1) / (2.0 * double_factorial(2 * degree - 3) * nf.ln())
}

impl DenseConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least("n", self.n, 2)?;
        if self.degree < 2 {
            return Err(bad("degree", format!("{} must be >= 2", self.degree)));
        }
        if self.p.is_empty() {
            return Err(bad("p", "needs at least one value"));
        }
        for &p in &self.p {
            at_least("p", p, 1)?;
        }
        if !self.p.contains(&self.check_p) {
            return Err(bad(
                "check-p",
                format!("{} is not one of --p {:?}", self.check_p, self.p),
            ));
        }
        at_least("trials", self.trials, 1)?;
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
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// The checks at `check_p`.
pub fn checks(cfg: &DenseConfig, results: &[PointResult]) -> Vec<Check> {
    let at = results.iter().find(|r| r.p == cfg.check_p);
    let d_what = format!(
        "stable fraction, F(x) = x^{}, N = {}, P = {}",
        cfg.degree, cfg.n, cfg.check_p
    );
    let c_what = format!(
        "stable fraction, classical, N = {}, P = {}",
        cfg.n, cfg.check_p
    );
    let cap = poly_capacity(cfg.n, cfg.degree);
    let Some(r) = at else {
        return vec![
            Check::missing(d_what, Some(cap), &format!("≥ {DENSE_MIN}")),
            Check::missing(c_what, Some(0.0), "= 0"),
        ];
    };
    vec![
        Check {
            check: format!("{d_what} (capacity {cap:.0})"),
            measured: r.dense,
            theory: Some(1.0),
            tolerance: format!("≥ {DENSE_MIN}"),
            verdict: Verdict::from_bool(r.dense >= DENSE_MIN),
        },
        Check {
            check: format!(
                "{c_what} (capacity {:.0})",
                cfg.n as f64 / (2.0 * (cfg.n as f64).ln())
            ),
            measured: r.classical,
            theory: Some(0.0),
            tolerance: "= 0".to_owned(),
            verdict: Verdict::from_bool(r.classical == 0.0),
        },
    ]
}

/// Runs the sweep into `opts.out`; Ctrl-C keeps the finished points.
pub fn run(cfg: &DenseConfig, opts: &RunOptions, stop: &AtomicBool) -> anyhow::Result<Outcome> {
    cfg.validate()?;
    let (config, provenance) = opts.begin(
        cfg,
        "engram-core PolyMemory (exact i128) and PatternForm reference kernels",
    )?;
    let bar = opts.bar((cfg.p.len() * cfg.trials) as u64, "trials");
    let pool = opts.pool()?;
    let mut results = Vec::new();
    for &p in &cfg.p {
        let Some(tr) =
            pool.install(|| par_trials(cfg.trials, stop, &bar, |t| run_trial(cfg, p, t)))?
        else {
            break;
        };
        let total = (p * cfg.trials) as f64;
        results.push(PointResult {
            p,
            dense: tr.iter().map(|t| t.0).sum::<usize>() as f64 / total,
            classical: tr.iter().map(|t| t.1).sum::<usize>() as f64 / total,
        });
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    bar.finish_and_clear();
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
    write_csv(
        &opts.out.join("dense.csv"),
        &["N", "P", "stable_dense", "stable_classical", "patterns"],
        &rows,
    )?;
    let mut plots = Vec::new();
    if !results.is_empty() {
        let pts = |f: &dyn Fn(&PointResult) -> f64| -> Vec<(f64, f64)> {
            results.iter().map(|r| (r.p as f64, f(r))).collect()
        };
        draw(
            &opts.out.join("stable.svg"),
            &Figure {
                title: format!("exactly stable patterns, N = {}", cfg.n),
                x_desc: "stored patterns P".to_owned(),
                y_desc: "stable fraction".to_owned(),
                log_x: true,
                y_range: Some((-0.02, 1.02)),
                legend_upper: false,
                series: vec![
                    Series {
                        label: format!("dense, F(x) = x^{}", cfg.degree),
                        points: pts(&|r| r.dense),
                        color: 0,
                        dashed: false,
                    },
                    Series {
                        label: "classical".to_owned(),
                        points: pts(&|r| r.classical),
                        color: 1,
                        dashed: false,
                    },
                ],
                vlines: vec![
                    VLine {
                        x: poly_capacity(cfg.n, cfg.degree),
                        label: "N^(n-1)/(2(2n-3)!! ln N)".to_owned(),
                        color: 0,
                    },
                    VLine {
                        x: cfg.n as f64 / (2.0 * (cfg.n as f64).ln()),
                        label: "N/(2 ln N)".to_owned(),
                        color: 1,
                    },
                ],
            },
        )?;
        plots.push("stable.svg".to_owned());
    }
    let checks = checks(cfg, &results);
    finish(
        &opts.out,
        Report {
            experiment: "hopfield-dense",
            title: "dense associative memory",
            intro: "Dense associative memory E(s) = −Σ_μ F(ξ^μ·s), F(x) = xⁿ (Krotov & Hopfield \
                    2016): error-free capacity N^{n−1}/(2(2n−3)!! ln N) against N/(2 ln N) for the \
                    classical network, on the same random patterns.",
            config,
            points: (cfg.p.len(), results.len()),
            interrupted: results.len() < cfg.p.len(),
            provenance,
            plots,
            data: vec!["dense.csv".to_owned(), "config.toml".to_owned()],
        },
        checks,
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
    }
}
