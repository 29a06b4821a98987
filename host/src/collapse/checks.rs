//! Measured against theory: per-iteration theory and z-scores, and the PASS/FAIL checks.
//!
//! Theory (papers.md §1) exists for replace (fixed or fresh design; also with separate σ₀/T₀) and
//! for fixed-design accumulate, all without ridge. A z-test needs T ≥ d + 4 (finite variance);
//! for d + 2 ≤ T < d + 4 theory is shown untested. For the fixed design with one σ/T the standard
//! error comes from the Wishart CV formula (`theory::cv2`), otherwise from the repeats.

use engram_core::collapse::{Mode, theory};
use serde::{Deserialize, Serialize};

use super::run::PointResult;
use super::sweep::{DesignSel, Point, RunMode, SweepConfig};

/// |z| below this passes.
pub const Z_LIMIT: f64 = 4.0;

/// E\[error\] of iteration `n` (1-based), where theory applies.
pub fn theory_for(cfg: &SweepConfig, p: &Point, mode: RunMode, n: usize) -> Option<f64> {
    if p.ridge != 0.0 {
        return None;
    }
    let synthetic = cfg.sigma0.is_some() || cfg.samples0.is_some();
    match mode {
        RunMode::Replace if synthetic => theory::expected_error_replace_synthetic(
            n,
            p.dim,
            p.samples,
            p.sigma,
            cfg.samples0.unwrap_or(p.samples),
            cfg.sigma0.unwrap_or(p.sigma),
        ),
        RunMode::Replace => theory::expected_error(Mode::Replace, n, p.dim, p.samples, p.sigma),
        RunMode::Accumulate if !synthetic && cfg.design == DesignSel::Fixed => {
            theory::expected_error(Mode::Accumulate, n, p.dim, p.samples, p.sigma)
        }
        _ => None,
    }
}

/// The standard error a z-test uses, or `None` when the point is not testable.
pub fn test_stderr(
    cfg: &SweepConfig,
    p: &Point,
    theory_value: f64,
    measured: Option<f64>,
) -> Option<f64> {
    let t0 = cfg.samples0.unwrap_or(p.samples);
    if p.samples < p.dim + 4 || t0 < p.dim + 4 {
        return None;
    }
    let synthetic = cfg.sigma0.is_some() || cfg.samples0.is_some();
    if cfg.design == DesignSel::Fixed && !synthetic {
        let cv2 = theory::cv2(p.dim, p.samples)?;
        Some(theory_value * (cv2 / cfg.repeats as f64).sqrt())
    } else {
        measured.filter(|s| *s > 0.0)
    }
}

/// One line of `runs.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The point.
    pub point: Point,
    /// The mode.
    pub mode: RunMode,
    /// 1-based iteration.
    pub iteration: usize,
    /// Mean test error over the repeats.
    pub mean: f64,
    /// Its standard error (from the repeats).
    pub stderr: Option<f64>,
    /// E\[error\] where theory applies.
    pub theory: Option<f64>,
    /// (mean − theory)/stderr_test where testable.
    pub z: Option<f64>,
}

/// The rows of one point, mode by mode, iteration by iteration.
pub fn rows(cfg: &SweepConfig, r: &PointResult) -> Vec<Row> {
    let mut out = Vec::new();
    for m in &r.modes {
        for (i, (&mean, &stderr)) in m.mean.iter().zip(&m.stderr).enumerate() {
            let n = i + 1;
            let th = theory_for(cfg, &r.point, m.mode, n);
            let z =
                th.and_then(|t| test_stderr(cfg, &r.point, t, stderr).map(|se| (mean - t) / se));
            out.push(Row {
                point: r.point,
                mode: m.mode,
                iteration: n,
                mean,
                stderr,
                theory: th,
                z,
            });
        }
    }
    out
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Within tolerance.
    Pass,
    /// Outside tolerance.
    Fail,
    /// Theory shown, no test (T < d + 4: infinite variance).
    Untested,
    /// No theory: measured only.
    Measured,
}

impl Verdict {
    /// `PASS`, `FAIL`, `n/a`, `measured`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Untested => "n/a (T < d+4)",
            Verdict::Measured => "measured",
        }
    }
}

/// One row of the checks table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// d.
    pub d: usize,
    /// T.
    pub t: usize,
    /// σ.
    pub sigma: f64,
    /// λ.
    pub ridge: f64,
    /// Mode name.
    pub mode: String,
    /// `E\[error\]` (z-test) or `<= c·π²/6` (bound).
    pub what: String,
    /// Iteration.
    pub iteration: usize,
    /// Measured mean.
    pub measured: f64,
    /// Theory value (expected error, or the bound).
    pub theory: Option<f64>,
    /// Tolerance: ±4·stderr for the z-test, +4·stderr for the bound.
    pub tolerance: Option<f64>,
    /// z-score.
    pub z: Option<f64>,
    /// Outcome.
    pub verdict: Verdict,
}

/// The iterations checked: 1, 10 and the last (those that exist).
pub fn checked_iterations(n: usize) -> Vec<usize> {
    let mut its = vec![1, 10, n];
    its.retain(|&i| i >= 1 && i <= n);
    its.dedup();
    its.sort_unstable();
    its.dedup();
    its
}

/// Every check of a set of results, in point and mode order.
pub fn checks(cfg: &SweepConfig, results: &[PointResult]) -> Vec<Check> {
    let mut out = Vec::new();
    for r in results {
        let p = &r.point;
        for m in &r.modes {
            let base = |what: &str, iteration: usize, measured: f64| Check {
                d: p.dim,
                t: p.samples,
                sigma: p.sigma,
                ridge: p.ridge,
                mode: m.mode.name().to_owned(),
                what: what.to_owned(),
                iteration,
                measured,
                theory: None,
                tolerance: None,
                z: None,
                verdict: Verdict::Measured,
            };
            let last = m.mean.len();
            if theory_for(cfg, p, m.mode, 1).is_none() {
                if let Some(&v) = m.mean.last() {
                    out.push(base("measured (no closed form)", last, v));
                }
                continue;
            }
            for n in checked_iterations(last) {
                let (mean, se_measured) = (m.mean[n - 1], m.stderr[n - 1]);
                let th = theory_for(cfg, p, m.mode, n);
                let mut c = base("E[error]", n, mean);
                c.theory = th;
                match th.and_then(|t| test_stderr(cfg, p, t, se_measured).map(|se| (t, se))) {
                    Some((t, se)) => {
                        let z = (mean - t) / se;
                        c.tolerance = Some(Z_LIMIT * se);
                        c.z = Some(z);
                        c.verdict = if z.abs() < Z_LIMIT {
                            Verdict::Pass
                        } else {
                            Verdict::Fail
                        };
                    }
                    None => c.verdict = Verdict::Untested,
                }
                out.push(c);
            }
            // Accumulate stays below c·π²/6 (one-sided, at the last iteration).
            if m.mode == RunMode::Accumulate
                && let Some(c1) = theory_for(cfg, p, m.mode, 1)
            {
                let bound = c1 * theory::PI2_OVER_6;
                let mean = m.mean[last - 1];
                let mut c = base("<= c·π²/6", last, mean);
                c.theory = Some(bound);
                match test_stderr(cfg, p, bound, m.stderr[last - 1]) {
                    Some(se) => {
                        c.tolerance = Some(Z_LIMIT * se);
                        c.z = Some((mean - bound) / se);
                        c.verdict = if mean <= bound + Z_LIMIT * se {
                            Verdict::Pass
                        } else {
                            Verdict::Fail
                        };
                    }
                    None => c.verdict = Verdict::Untested,
                }
                out.push(c);
            }
        }
    }
    out
}
