//! Measured against theory: per-iteration theory and z-scores, and the PASS/FAIL checks.
//!
//! Theory (docs/collapse.md#theory) exists, without ridge, for replace (fixed or fresh design; also
//! with separate σ₀/T₀), for fixed-design accumulate, and for fixed-design accumulate with a separate
//! σ₀ and T₀ = T. The expected error is infinite for T ≤ d + 1; a z-test needs T ≥ d + 4 (finite
//! variance). For the fixed design with one T the test's standard error comes from the Wishart CV
//! formula (`theory::cv2`), otherwise from the repeats; `runs.csv` shows both.

use engram_core::collapse::{Mode, theory};

use super::run::PointResult;
use super::sweep::{DesignSel, Point, RunMode, SweepConfig};
use crate::experiment::Check;

/// |z| below this passes.
pub const Z_LIMIT: f64 = 4.0;

fn synthetic(cfg: &SweepConfig) -> bool {
    cfg.sigma0.is_some() || cfg.samples0.is_some()
}

/// E\[error\] of iteration `n` (1-based), where a closed form exists.
pub fn theory_for(cfg: &SweepConfig, p: &Point, mode: RunMode, n: usize) -> Option<f64> {
    if p.ridge != 0.0 {
        return None;
    }
    let t0 = cfg.samples0.unwrap_or(p.samples);
    let s0 = cfg.sigma0.unwrap_or(p.sigma);
    match mode {
        RunMode::Replace if synthetic(cfg) => {
            theory::expected_error_replace_synthetic(n, p.dim, p.samples, p.sigma, t0, s0)
        }
        RunMode::Replace => theory::expected_error(Mode::Replace, n, p.dim, p.samples, p.sigma),
        RunMode::Accumulate if cfg.design == DesignSel::Fixed && !synthetic(cfg) => {
            theory::expected_error(Mode::Accumulate, n, p.dim, p.samples, p.sigma)
        }
        RunMode::Accumulate if cfg.design == DesignSel::Fixed && t0 == p.samples => {
            theory::expected_error_accumulate_synthetic(n, p.dim, p.samples, p.sigma, s0)
        }
        _ => None,
    }
}

/// Why a point and mode have no finite theory value (shown as the check's reason).
pub fn no_theory_reason(cfg: &SweepConfig, p: &Point, mode: RunMode) -> &'static str {
    let t0 = cfg.samples0.unwrap_or(p.samples);
    if p.ridge != 0.0 {
        "no closed form with ridge (measured only)"
    } else if p.samples < p.dim + 2 || (mode == RunMode::Replace && t0 < p.dim + 2) {
        "E[error] is infinite for T ≤ d + 1 (E tr (XᵀX)⁻¹ diverges)"
    } else {
        match mode {
            RunMode::AccumulateSubsample => {
                "no closed form for accumulate-subsample (measured only)"
            }
            RunMode::Accumulate if cfg.design == DesignSel::Fresh => {
                "no closed form for fresh-design accumulate (measured only)"
            }
            RunMode::Accumulate => "no closed form for accumulate with T0 ≠ T (measured only)",
            RunMode::Replace => "no closed form (measured only)",
        }
    }
}

/// The standard error a z-test uses: from the Wishart CV for the fixed design with one σ/T, else
/// the measured one; `None` when the variance is infinite (T < d + 4) or unknown.
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
    // Fixed design with one T: given X, δₙ ~ N(0, s²(XᵀX)⁻¹) for some s² in every mode with a
    // closed form (σ₀ ≠ σ included), so the Wishart CV applies.
    if cfg.design == DesignSel::Fixed && t0 == p.samples {
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
    /// Its standard error measured from the repeats.
    pub stderr_measured: Option<f64>,
    /// E\[error\] where theory applies.
    pub theory: Option<f64>,
    /// The standard error the z-test uses (see [`test_stderr`]).
    pub stderr_test: Option<f64>,
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
            let se = th.and_then(|t| test_stderr(cfg, &r.point, t, stderr));
            out.push(Row {
                point: r.point,
                mode: m.mode,
                iteration: n,
                mean,
                stderr_measured: stderr,
                theory: th,
                stderr_test: se,
                z: th.zip(se).map(|(t, se)| (mean - t) / se),
            });
        }
    }
    out
}

/// The iterations checked: 1, 10 and the last (those that exist).
pub fn checked_iterations(n: usize) -> Vec<usize> {
    let mut its = vec![1, 10, n];
    its.retain(|&i| i >= 1 && i <= n);
    its.sort_unstable();
    its.dedup();
    its
}

/// The label of a point and mode in the checks table.
pub fn point_label(p: &Point, mode: RunMode) -> String {
    format!(
        "d={} T={} σ={} λ={} {}",
        p.dim,
        p.samples,
        super::plot::short(p.sigma),
        super::plot::short(p.ridge),
        mode.name()
    )
}

/// Every check of a set of results, in point and mode order.
pub fn checks(cfg: &SweepConfig, results: &[&PointResult]) -> Vec<Check> {
    let mut out = Vec::new();
    for r in results {
        let p = &r.point;
        for m in &r.modes {
            let at = point_label(p, m.mode);
            let last = m.mean.len();
            if theory_for(cfg, p, m.mode, 1).is_none() {
                if let Some(&v) = m.mean.last() {
                    out.push(
                        Check::new(format!("E[error], n = {last}"), Some(v))
                            .at(&at)
                            .not_applicable(no_theory_reason(cfg, p, m.mode)),
                    );
                }
                continue;
            }
            for n in checked_iterations(last) {
                let (mean, se_measured) = (m.mean[n - 1], m.stderr[n - 1]);
                let mut c = Check::new(format!("E[error], n = {n}"), Some(mean)).at(&at);
                if let Some(t) = theory_for(cfg, p, m.mode, n) {
                    c = c.theory(t);
                    c = match test_stderr(cfg, p, t, se_measured) {
                        Some(se) => c.z_test(se, Z_LIMIT),
                        None => c.not_applicable("infinite variance for T < d + 4: no z-test"),
                    };
                }
                out.push(c);
            }
            // Accumulate with one σ stays below c·π²/6 (one-sided, at the last iteration).
            if m.mode == RunMode::Accumulate
                && !synthetic(cfg)
                && let Some(c1) = theory_for(cfg, p, m.mode, 1)
            {
                let bound = c1 * theory::PI2_OVER_6;
                let mean = m.mean[last - 1];
                let c = Check::new(format!("≤ c·π²/6, n = {last}"), Some(mean))
                    .at(&at)
                    .theory(bound);
                out.push(match test_stderr(cfg, p, bound, m.stderr[last - 1]) {
                    Some(se) => c.upper_bound(se, Z_LIMIT),
                    None => c.not_applicable("infinite variance for T < d + 4: no test"),
                });
            }
        }
    }
    out
}
