//! Significance against the two nulls: thresholds and counts per seed ([`Counts`]), the binomial
//! tail test ([`binomial_tail`], [`binomial_threshold`], [`binomial_rule`]) and the checks.

use super::super::grid::null::{count_above, percentile};
use super::run::AnalyzeOutput;
use super::{Analyze, Kind};
use crate::experiment::{Check, Done};

/// Significance level of the nulls (their 99th percentile) and of the binomial test.
pub const ALPHA: f64 = 0.01;

/// P(X ≥ k) for X ~ Binomial(n, p), from the pmf's recursion pₖ₊₁ = pₖ (n − k)/(k + 1) · p/(1 − p):
/// the upper terms summed directly when k lies above the mean n·p (so a tail of 1e-21 is not lost
/// to 1 − Σ cancellation, which floors at ~1e-15), 1 − the lower terms otherwise. Exact to rounding
/// for the sizes here: (1 − p)ⁿ > 1e-300 for n·p < 690.
///
/// ```
/// use engram::rnn::analyze::binomial_tail;
/// assert_eq!(binomial_tail(0, 10, 0.01), 1.0);
/// assert!((binomial_tail(1, 1, 0.25) - 0.25).abs() < 1e-15);
/// assert!((binomial_tail(2, 2, 0.5) - 0.25).abs() < 1e-15);
/// // 29 of 256 units above a p99: far below what 1 − Σ could resolve.
/// assert!((binomial_tail(29, 256, 0.01) / 1.6602908136956603e-21 - 1.0).abs() < 1e-12);
/// ```
pub fn binomial_tail(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let ratio = p / (1.0 - p);
    let mut pmf = (1.0 - p).powi(n as i32);
    let upper = k as f64 > n as f64 * p;
    let (mut below, mut above) = (0.0, 0.0);
    for j in 0..=n {
        if j < k {
            below += pmf;
        } else if upper {
            above += pmf;
        } else {
            break;
        }
        pmf *= (n - j) as f64 / (j + 1) as f64 * ratio;
    }
    if upper { above } else { (1.0 - below).max(0.0) }
}

/// The smallest k with P(X ≥ k) < `alpha`, X ~ Binomial(n, p) (n + 1 if none).
pub fn binomial_threshold(n: usize, p: f64, alpha: f64) -> usize {
    (0..=n)
        .find(|&k| binomial_tail(k, n, p) < alpha)
        .unwrap_or(n + 1)
}

/// Gives `check` (measured: k units above a null's p99 out of `h`) the binomial tail rule: it
/// passes iff P(X ≥ k) < [`ALPHA`] for X ~ Binomial(h, ALPHA) — k ≥ [`binomial_threshold`], which
/// the rule states (e.g. ≥ 8 of 256, ≥ 3 of 32).
pub fn binomial_rule(check: Check, h: usize) -> Check {
    let kmin = binomial_threshold(h, ALPHA, ALPHA);
    check.rule(
        format!("≥ {kmin} of {h} (binomial tail p < 0.01)"),
        move |v| v >= kmin as f64,
    )
}

/// A seed's two finished points.
pub(super) struct Pair<'a> {
    pub(super) trained: &'a AnalyzeOutput,
    pub(super) init: &'a AnalyzeOutput,
}

/// Thresholds and counts of a seed: p99 of the trained network's shifted maps, of the initialised
/// network's shifted maps and of the initialised network's units; the counts of each network's
/// units above them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    /// p99 of the trained network's shifted null.
    pub shift_p99: f64,
    /// p99 of the initialised network's shifted null.
    pub init_shift_p99: f64,
    /// p99 of the initialised network's units (the initialisation null).
    pub init_p99: f64,
    /// Trained units above `shift_p99`.
    pub above_shift: usize,
    /// Trained units above `init_p99`.
    pub above_init: usize,
    /// Initialised units above `init_shift_p99`.
    pub init_above_shift: usize,
    /// Initialised units above `init_p99`.
    pub init_above_init: usize,
}

impl Counts {
    /// The counts of a trained network's analysis against its initialisation's.
    pub fn of(trained: &AnalyzeOutput, init: &AnalyzeOutput) -> Counts {
        let s60 = |o: &AnalyzeOutput| o.units.iter().map(|u| u.score60).collect::<Vec<f64>>();
        let (t, i) = (s60(trained), s60(init));
        let shift_p99 = percentile(&trained.shifted60, 99.0);
        let init_shift_p99 = percentile(&init.shifted60, 99.0);
        let init_p99 = percentile(&i, 99.0);
        Counts {
            shift_p99,
            init_shift_p99,
            init_p99,
            above_shift: count_above(&t, shift_p99),
            above_init: count_above(&t, init_p99),
            init_above_shift: count_above(&i, init_shift_p99),
            init_above_init: count_above(&i, init_p99),
        }
    }
}

impl<'a> Pair<'a> {
    /// A seed's trained and initialised points, if both finished.
    pub(super) fn find(done: &'a [Done<'a, Analyze>], seed: u64) -> Option<Self> {
        let get = |k: Kind| {
            done.iter()
                .find(|d| d.point.seed == seed && d.point.kind == k)
                .map(|d| d.output)
        };
        Some(Pair {
            trained: get(Kind::Trained)?,
            init: get(Kind::Init)?,
        })
    }

    /// The seed's thresholds and counts.
    pub(super) fn counts(&self) -> Counts {
        Counts::of(self.trained, self.init)
    }
}

/// The checks of every seed with both points finished: decoding beats chance at the last step;
/// the shifted-null count (reported); the initialisation-null count (the binomial test for a
/// network trained like the `grid` preset, else n/a with the reason).
pub(super) fn checks(a: &Analyze, done: &[Done<'_, Analyze>]) -> Vec<Check> {
    let mut checks = Vec::new();
    for seed in a.seeds() {
        let Some(pair) = Pair::find(done, seed) else {
            continue;
        };
        let at = format!("seed={seed}");
        let t = pair.trained;
        let last = t.error.last().copied().unwrap_or(f64::NAN);
        let ch = t.chance.last().copied().unwrap_or(f64::NAN);
        checks.push(
            Check::new(
                format!(
                    "decoding error at step {} (cm; chance {:.1} cm)",
                    t.error.len(),
                    100.0 * ch
                ),
                Some(100.0 * last),
            )
            .at(&at)
            .rule(format!("< chance {:.1}", 100.0 * ch), |v| v < 100.0 * ch),
        );
        let c = pair.counts();
        let h = t.units.len();
        checks.push(
                Check::new(
                    format!(
                        "units above the shifted null's p99 = {:.3} (initialised network: {} of {h} above its own shifted p99 {:.3})",
                        c.shift_p99, c.init_above_shift, c.init_shift_p99
                    ),
                    Some(c.above_shift as f64),
                )
                .at(&at)
                .not_applicable("reported, not checked: the shifted null is weak (white-noise-like)"),
            );
        let what = format!(
            "units above the initialisation null's p99 = {:.3} (initialised network: {} of {h}); P(X ≥ k) = {:.2e}, X ~ Binomial({h}, 0.01)",
            c.init_p99,
            c.init_above_init,
            binomial_tail(c.above_init, h, ALPHA)
        );
        let check = Check::new(what, Some(c.above_init as f64)).at(&at);
        checks.push(if a.grid_trained() {
            binomial_rule(check, h)
        } else if a.train.is_none() {
            check.not_applicable(
                "no training configuration (--weights): the grid-preset test needs RUN_DIR",
            )
        } else {
            check.not_applicable(
                "not trained like the grid preset (periodic box with weight decay > 0)",
            )
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_and_threshold() {
        // P(X ≥ 1) = 1 − 0.99^n.
        let n = 64;
        assert!((binomial_tail(1, n, 0.01) - (1.0 - 0.99f64.powi(64))).abs() < 1e-12);
        let k = binomial_threshold(n, 0.01, 0.01);
        assert!(binomial_tail(k, n, 0.01) < 0.01 && binomial_tail(k - 1, n, 0.01) >= 0.01);
        // 256 units: mean 2.56, at least 7 are needed.
        assert_eq!(binomial_threshold(256, 0.01, 0.01), 8);
        assert_eq!(binomial_tail(n + 1, n, 0.01), 0.0);
        // Against exact rational sums (Python's fractions): P(X ≥ k), X ~ Binomial(256, 0.01).
        for (k, exact) in [
            (8, 0.004633041567300301),
            (29, 1.6602908136956603e-21),
            (45, 4.039437783993035e-41),
        ] {
            let t = binomial_tail(k, 256, 0.01);
            assert!((t / exact - 1.0).abs() < 1e-12, "k {k}: {t} vs {exact}");
        }
        // Both branches meet: the tail is monotone across the mean.
        let tails: Vec<f64> = (0..=20).map(|k| binomial_tail(k, 256, 0.01)).collect();
        assert!(tails.windows(2).all(|w| w[1] < w[0]));
    }
}
