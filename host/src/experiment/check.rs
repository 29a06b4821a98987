//! Measured against theory: one check type for every experiment, its verdict and the table that
//! shows it.

use serde::{Deserialize, Serialize};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Within tolerance.
    Pass,
    /// Outside tolerance, or a non-finite measurement.
    Fail,
    /// Not applicable to this configuration, or not evaluated (the reason says why).
    NotApplicable,
}

impl Verdict {
    /// `PASS`, `FAIL` or `n/a`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotApplicable => "n/a",
        }
    }
}

/// One row of a checks table: what was measured, beside what theory says, with the tolerance and
/// the verdict.
///
/// ```
/// use engram::experiment::{Check, Verdict};
/// let c = Check::new("α where overlap < 0.9", Some(0.141))
///     .theory(0.138)
///     .within(0.12, 0.16);
/// assert_eq!(c.verdict, Verdict::Pass);
/// let c = Check::new("E[error]", Some(f64::INFINITY)).theory(1.0).z_test(0.1, 4.0);
/// assert_eq!(c.verdict, Verdict::Fail);
/// assert_eq!(c.reason.as_deref(), Some("measured value is +∞"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The parameter point the check belongs to (`d=32 T=100 σ=1 replace`), empty for a global one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub point: String,
    /// What is checked (`E[error], n = 10`).
    pub what: String,
    /// The measured value (`None`: not measured, e.g. the run stopped before it).
    pub measured: Option<f64>,
    /// The theory value or reference, if there is one.
    pub theory: Option<f64>,
    /// The tolerance in words (`±0.589`, `∈ [0.12, 0.16]`, `≥ 0.95`).
    pub tolerance: String,
    /// The z-score, where the check is a z-test.
    pub z: Option<f64>,
    /// The outcome.
    pub verdict: Verdict,
    /// Why a check is n/a or failed for a reason other than the tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How a non-finite number reads in a message.
pub fn describe_non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "+∞"
    } else {
        "−∞"
    }
}

impl Check {
    /// A check of `what` with the value measured (not yet judged: n/a until a rule is applied).
    pub fn new(what: impl Into<String>, measured: Option<f64>) -> Self {
        Check {
            point: String::new(),
            what: what.into(),
            measured,
            theory: None,
            tolerance: "—".to_owned(),
            z: None,
            verdict: Verdict::NotApplicable,
            reason: None,
        }
    }

    /// Sets the parameter point.
    pub fn at(mut self, point: impl Into<String>) -> Self {
        self.point = point.into();
        self
    }

    /// Sets the theory value.
    pub fn theory(mut self, t: f64) -> Self {
        self.theory = Some(t);
        self
    }

    /// Marks the check not applicable, with the reason (the measured value is still shown).
    pub fn not_applicable(mut self, reason: impl Into<String>) -> Self {
        self.verdict = Verdict::NotApplicable;
        self.reason = Some(reason.into());
        self
    }

    /// A failed check whose measurement could not be made (e.g. no crossing on the grid).
    pub fn failed(mut self, tolerance: impl Into<String>, reason: impl Into<String>) -> Self {
        self.tolerance = tolerance.into();
        self.verdict = Verdict::Fail;
        self.reason = Some(reason.into());
        self
    }

    /// The measured value, or the verdict for a missing or non-finite one: a missing value is
    /// n/a ("not measured"), a non-finite one fails ("measured value is NaN").
    fn finite_measured(&mut self) -> Option<f64> {
        match self.measured {
            None => {
                self.verdict = Verdict::NotApplicable;
                self.reason
                    .get_or_insert_with(|| "not measured (run stopped early?)".to_owned());
                None
            }
            Some(v) if !v.is_finite() => {
                self.verdict = Verdict::Fail;
                self.reason = Some(format!("measured value is {}", describe_non_finite(v)));
                None
            }
            Some(v) => Some(v),
        }
    }

    /// Applies a rule `ok(measured)` with the tolerance described by `tolerance`.
    pub fn rule(mut self, tolerance: impl Into<String>, ok: impl FnOnce(f64) -> bool) -> Self {
        self.tolerance = tolerance.into();
        if let Some(v) = self.finite_measured() {
            self.verdict = if ok(v) { Verdict::Pass } else { Verdict::Fail };
        }
        self
    }

    /// Passes when `lo ≤ measured ≤ hi`.
    pub fn within(self, lo: f64, hi: f64) -> Self {
        self.rule(format!("∈ [{lo}, {hi}]"), |v| (lo..=hi).contains(&v))
    }

    /// Passes when `measured ≥ min`.
    pub fn at_least(self, min: f64) -> Self {
        self.rule(format!("≥ {min}"), |v| v >= min)
    }

    /// Passes when `measured ≤ max`.
    pub fn at_most(self, max: f64) -> Self {
        self.rule(format!("≤ {max}"), |v| v <= max)
    }

    /// Passes when |measured − theory| ≤ `rel`·|theory| (call [`theory`](Self::theory) first).
    pub fn relative(self, rel: f64) -> Self {
        let t = self.theory;
        self.rule(format!("±{} %", rel * 100.0), |v| {
            t.is_some_and(|t| (v - t).abs() <= rel * t.abs())
        })
    }

    /// A z-test against the theory value with standard error `se`: passes when
    /// |measured − theory| / se < `limit`; the tolerance shown is ±limit·se.
    pub fn z_test(mut self, se: f64, limit: f64) -> Self {
        self.tolerance = format!("±{}", fmt4(limit * se));
        let Some(t) = self.theory else {
            return self.not_applicable("no theory value");
        };
        if let Some(v) = self.finite_measured() {
            if !(se.is_finite() && se > 0.0) {
                return self.not_applicable("standard error is not a positive finite number");
            }
            let z = (v - t) / se;
            self.z = Some(z);
            self.verdict = if z.abs() < limit {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
        }
        self
    }

    /// A one-sided test: passes when measured ≤ theory + limit·se (a bound that may be touched
    /// within the noise); the tolerance shown is +limit·se.
    pub fn upper_bound(mut self, se: f64, limit: f64) -> Self {
        self.tolerance = format!("+{}", fmt4(limit * se));
        let Some(t) = self.theory else {
            return self.not_applicable("no theory value");
        };
        if let Some(v) = self.finite_measured() {
            if !(se.is_finite() && se > 0.0) {
                return self.not_applicable("standard error is not a positive finite number");
            }
            self.z = Some((v - t) / se);
            self.verdict = if v <= t + limit * se {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
        }
        self
    }
}

/// Counts (passed, failed).
pub fn tally(checks: &[Check]) -> (usize, usize) {
    (
        checks.iter().filter(|c| c.verdict == Verdict::Pass).count(),
        checks.iter().filter(|c| c.verdict == Verdict::Fail).count(),
    )
}

/// A number for a table: 4 significant decimals, whole numbers from 10⁴ on, `—` for none, and
/// NaN/±∞ spelt out.
pub fn fmt4(v: f64) -> String {
    if !v.is_finite() {
        describe_non_finite(v).to_owned()
    } else if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        format!("{v:.4e}")
    } else if v.abs() >= 1e4 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), fmt4)
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The checks as a Markdown table (also what the terminal shows).
pub fn checks_table(checks: &[Check]) -> String {
    let with_point = checks.iter().any(|c| !c.point.is_empty());
    let mut s = String::new();
    if with_point {
        s.push_str("| point | check | measured | theory | tolerance | z | result |\n");
        s.push_str("|---|---|---|---|---|---|---|\n");
    } else {
        s.push_str("| check | measured | theory | tolerance | z | result |\n");
        s.push_str("|---|---|---|---|---|---|\n");
    }
    for c in checks {
        let result = match &c.reason {
            Some(r) => format!("{} ({})", c.verdict.label(), escape(r)),
            None => c.verdict.label().to_owned(),
        };
        if with_point {
            s.push_str(&format!("| {} ", escape(&c.point)));
        }
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            escape(&c.what),
            cell(c.measured),
            cell(c.theory),
            escape(&c.tolerance),
            c.z.map_or_else(|| "—".to_owned(), |z| format!("{z:+.2}")),
            result
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_test_passes_and_fails() {
        let c = Check::new("x", Some(1.3)).theory(1.0).z_test(0.1, 4.0);
        assert_eq!(c.verdict, Verdict::Pass);
        assert!((c.z.unwrap() - 3.0).abs() < 1e-12);
        let c = Check::new("x", Some(1.5)).theory(1.0).z_test(0.1, 4.0);
        assert_eq!(c.verdict, Verdict::Fail);
    }

    #[test]
    fn missing_and_non_finite() {
        let c = Check::new("x", None).at_least(0.5);
        assert_eq!(c.verdict, Verdict::NotApplicable);
        let c = Check::new("x", Some(f64::NAN)).at_least(0.5);
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(c.reason.as_deref(), Some("measured value is NaN"));
        let c = Check::new("x", Some(1.0))
            .theory(1.0)
            .z_test(f64::INFINITY, 4.0);
        assert_eq!(c.verdict, Verdict::NotApplicable);
    }

    #[test]
    fn bound_is_one_sided() {
        let c = Check::new("x", Some(0.5)).theory(1.0).upper_bound(0.1, 4.0);
        assert_eq!(c.verdict, Verdict::Pass);
        let c = Check::new("x", Some(1.5)).theory(1.0).upper_bound(0.1, 4.0);
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(c.tolerance, "+0.4000");
    }

    #[test]
    fn table_shows_reasons_and_points() {
        let t = checks_table(&[Check::new("a|b", Some(1.0))
            .at("d=1")
            .not_applicable("no theory")]);
        assert!(t.contains("| d=1 | a\\|b | 1.0000 | — | — | — | n/a (no theory) |"));
    }
}
