//! The distribution of the per-sample correlations and the checks that predictability degrades
//! along the chain (docs/scaling.md §Checks).

use super::SampleResult;
use super::chain::Metric;
use super::correlate::Kind;
use crate::experiment::Check;

/// The distribution over samples of one metric's correlation of one kind. An undefined
/// correlation (the metric constant across the family — typical of accuracy — or fewer than 3
/// models) counts as 0 in `mean`, `median` and the quartiles: a sample whose metric does not move
/// with compute is not predictable from it. `mean_defined` leaves them out.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Samples with a defined correlation.
    pub defined: usize,
    /// Samples without.
    pub undefined: usize,
    /// Mean, undefined as 0 (NaN with no samples).
    pub mean: f64,
    /// Mean over the defined samples only.
    pub mean_defined: f64,
    /// Median, undefined as 0.
    pub median: f64,
    /// First quartile, undefined as 0.
    pub q25: f64,
    /// Third quartile, undefined as 0.
    pub q75: f64,
}

/// Quantile by linear interpolation between order statistics (numpy's default) of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = q * (v.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// The distribution of metric `m`'s correlation of kind `k` over `samples`.
///
/// ```
/// use engram::scaling::{SampleResult, stats};
/// use engram::scaling::chain::Metric;
/// use engram::scaling::correlate::Kind;
/// let s = |r: Option<f64>| SampleResult { sample: "x".into(), models: 3, corr: [[r; 3]; 5] };
/// let all = [s(Some(1.0)), s(Some(0.5)), s(None)];
/// let refs: Vec<&SampleResult> = all.iter().collect();
/// let st = stats(&refs, Metric::Accuracy, Kind::Pearson);
/// assert_eq!((st.defined, st.undefined), (2, 1));
/// assert_eq!(st.mean, 0.5);
/// assert_eq!(st.mean_defined, 0.75);
/// assert_eq!(st.median, 0.5);
/// ```
pub fn stats(samples: &[&SampleResult], m: Metric, k: Kind) -> Stats {
    let (mi, ki) = (m as usize, k as usize);
    let vals: Vec<Option<f64>> = samples.iter().map(|s| s.corr[mi][ki]).collect();
    let defined: Vec<f64> = vals.iter().flatten().copied().collect();
    let mut zeroed: Vec<f64> = vals.iter().map(|v| v.unwrap_or(0.0)).collect();
    zeroed.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    Stats {
        defined: defined.len(),
        undefined: vals.len() - defined.len(),
        mean: mean(&zeroed_in_order(&vals)),
        mean_defined: mean(&defined),
        median: quantile(&zeroed, 0.5),
        q25: quantile(&zeroed, 0.25),
        q75: quantile(&zeroed, 0.75),
    }
}

/// Undefined as 0, in sample order (so the mean's summation order is the samples').
fn zeroed_in_order(vals: &[Option<f64>]) -> Vec<f64> {
    vals.iter().map(|v| v.unwrap_or(0.0)).collect()
}

/// Least mean correlation of log p_vocab with compute in the synthetic family (its slope-to-noise
/// ratio gives ≈ 0.93 Pearson; rank correlations of 8 models are a little lower).
pub const SIGNAL: f64 = 0.6;
/// Least drop of the mean correlation from p_vocab to p_choices (measured ≈ 0.4).
pub const DROP_CHOICES: f64 = 0.15;
/// Least drop from p_choices to accuracy (measured ≈ 0.2).
pub const DROP_ACCURACY: f64 = 0.08;
/// Least drop from log p_vocab to −Brier (measured ≈ 0.5).
pub const DROP_BRIER: f64 = 0.2;

/// The checks. Synthetic: for each correlation, (1) mean r(log p_vocab) ≥ [`SIGNAL`]; (2)
/// r(log p_vocab) − r(p_vocab) ≥ 0 (exp is monotone: equal for rank correlations, lower for
/// Pearson since exp bends the line); (3) r(p_vocab) − r(p_choices) ≥ [`DROP_CHOICES`]; (4)
/// r(p_choices) − r(accuracy) ≥ [`DROP_ACCURACY`]; (5) r(log p_vocab) − r(−Brier) ≥
/// [`DROP_BRIER`]. Input files have no theory: the means are reported, not checked.
pub fn checks(synthetic: bool, samples: &[&SampleResult]) -> Vec<Check> {
    let mut out = Vec::new();
    if samples.is_empty() {
        out.push(Check::new("samples analysed", None).not_applicable("no samples"));
        return out;
    }
    for k in Kind::ALL {
        let at = k.symbol();
        let mean = |m: Metric| stats(samples, m, k).mean;
        let (lp, pv, pc, acc, br) = (
            mean(Metric::LogPVocab),
            mean(Metric::PVocab),
            mean(Metric::PChoices),
            mean(Metric::Accuracy),
            mean(Metric::NegBrier),
        );
        if !synthetic {
            for m in Metric::ALL {
                out.push(
                    Check::new(format!("mean correlation of {}", m.label()), Some(mean(m)))
                        .at(at)
                        .not_applicable("measured on the input (no theory)"),
                );
            }
            continue;
        }
        out.push(
            Check::new("mean r(log p_vocab, log10 C)", Some(lp))
                .at(at)
                .at_least(SIGNAL),
        );
        let tol = if k == Kind::Pearson { 0.0 } else { -1e-12 };
        out.push(
            Check::new("r(log p_vocab) − r(p_vocab)", Some(lp - pv))
                .at(at)
                .at_least(tol),
        );
        out.push(
            Check::new("r(p_vocab) − r(p_choices)", Some(pv - pc))
                .at(at)
                .at_least(DROP_CHOICES),
        );
        out.push(
            Check::new("r(p_choices) − r(accuracy)", Some(pc - acc))
                .at(at)
                .at_least(DROP_ACCURACY),
        );
        out.push(
            Check::new("r(log p_vocab) − r(−Brier)", Some(lp - br))
                .at(at)
                .at_least(DROP_BRIER),
        );
    }
    out
}
