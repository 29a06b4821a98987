//! Bit-for-bit comparison of two xcheck reports.

use std::fmt;

use super::report::{Outcome, RawValue, Report};

/// One way two reports disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The reference has a scenario the other report lacks.
    Missing {
        /// Scenario name.
        scenario: String,
    },
    /// The other report has a scenario the reference lacks.
    Unexpected {
        /// Scenario name.
        scenario: String,
    },
    /// Both have the scenario with different outcomes.
    Differs {
        /// Scenario name.
        scenario: String,
        /// The reference outcome.
        expected: Outcome,
        /// The other outcome.
        actual: Outcome,
    },
    /// The other report has no `end` line: the run was cut short (crash, timeout, reset).
    Incomplete,
}

/// The comparison of a report against a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Label of the reference (e.g. `host x86_64`).
    pub expected_label: String,
    /// Label of the compared report (e.g. a target triple).
    pub actual_label: String,
    /// Scenarios equal bit for bit.
    pub matched: Vec<String>,
    /// Every disagreement.
    pub mismatches: Vec<Mismatch>,
}

impl Comparison {
    /// `true` when every scenario matched and the report was complete.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Compares `actual` to the reference `expected`, scenario by scenario, bit for bit.
///
/// ```
/// use engram::xcheck::{compare, host_report, parse_report};
/// let host = parse_report(&host_report()).unwrap();
/// let same = compare(&host, "host", &host.clone(), "copy");
/// assert!(same.passed());
/// ```
pub fn compare(
    expected: &Report,
    expected_label: &str,
    actual: &Report,
    actual_label: &str,
) -> Comparison {
    let mut matched = Vec::new();
    let mut mismatches = Vec::new();
    for (name, exp) in &expected.scenarios {
        match actual.scenarios.get(name) {
            None => mismatches.push(Mismatch::Missing {
                scenario: name.clone(),
            }),
            Some(act) if act == exp && matches!(act, Outcome::Digest { .. }) => {
                matched.push(name.clone())
            }
            Some(act) => mismatches.push(Mismatch::Differs {
                scenario: name.clone(),
                expected: exp.clone(),
                actual: act.clone(),
            }),
        }
    }
    for name in actual.scenarios.keys() {
        if !expected.scenarios.contains_key(name) {
            mismatches.push(Mismatch::Unexpected {
                scenario: name.clone(),
            });
        }
    }
    if !actual.complete {
        mismatches.push(Mismatch::Incomplete);
    }
    Comparison {
        expected_label: expected_label.to_owned(),
        actual_label: actual_label.to_owned(),
        matched,
        mismatches,
    }
}

/// The first raw value that differs, with its index.
fn first_raw_difference(a: &[RawValue], b: &[RawValue]) -> Option<(usize, RawValue, RawValue)> {
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i, *x, *y))
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (e, a) = (&self.expected_label, &self.actual_label);
        for m in &self.mismatches {
            match m {
                Mismatch::Missing { scenario } => {
                    writeln!(f, "MISMATCH {scenario} on {a}: missing (present on {e})")?
                }
                Mismatch::Unexpected { scenario } => {
                    writeln!(f, "MISMATCH {scenario} on {a}: not produced by {e}")?
                }
                Mismatch::Incomplete => writeln!(
                    f,
                    "MISMATCH report from {a} has no end line: the run was cut short"
                )?,
                Mismatch::Differs {
                    scenario,
                    expected,
                    actual,
                } => {
                    writeln!(f, "MISMATCH {scenario} on {a}")?;
                    writeln!(f, "  {e:>12}: {expected}")?;
                    writeln!(f, "  {a:>12}: {actual}")?;
                    if let (Outcome::Digest { raw: re, .. }, Outcome::Digest { raw: ra, .. }) =
                        (expected, actual)
                    {
                        match first_raw_difference(re, ra) {
                            Some((i, x, y)) => {
                                let ulps = x.ulp_distance(y).map_or_else(
                                    || "types differ".to_owned(),
                                    |u| format!("{u} ulp"),
                                );
                                writeln!(
                                    f,
                                    "  first differing value #{i}: {e} {x} vs {a} {y}: {ulps}"
                                )?;
                            }
                            None => writeln!(
                                f,
                                "  the first {} values agree; the difference is later in the stream",
                                re.len().min(ra.len())
                            )?,
                        }
                    }
                }
            }
        }
        write!(
            f,
            "{a} vs {e}: {} scenarios equal bit for bit, {} mismatches",
            self.matched.len(),
            self.mismatches.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xcheck::{host_report, parse_report};

    fn host() -> Report {
        parse_report(&host_report()).unwrap()
    }

    /// Flipping one bit of one raw value and of the hash must be reported with the ulp distance.
    #[test]
    fn perturbed_digest_fails() {
        let expected = host();
        let mut actual = expected.clone();
        let (name, outcome) = actual
            .scenarios
            .iter_mut()
            .find(|(_, o)| matches!(o, Outcome::Digest { raw, .. } if raw.iter().any(|r| matches!(r, RawValue::F32(_)))))
            .unwrap();
        let name = name.clone();
        if let Outcome::Digest { fnv, raw, .. } = outcome {
            *fnv ^= 1;
            for r in raw.iter_mut() {
                if let RawValue::F32(b) = r {
                    *b ^= 1; // one ulp (same sign, same binade unless at a boundary)
                    break;
                }
            }
        }
        let c = compare(&expected, "host", &actual, "thumbv6m-none-eabi");
        assert!(!c.passed());
        assert_eq!(c.mismatches.len(), 1);
        let text = c.to_string();
        assert!(
            text.contains(&format!("MISMATCH {name} on thumbv6m-none-eabi")),
            "{text}"
        );
        assert!(text.contains("1 ulp"), "{text}");
    }

    #[test]
    fn hash_only_difference_is_reported() {
        let expected = host();
        let mut actual = expected.clone();
        if let Some(Outcome::Digest { fnv, .. }) = actual.scenarios.values_mut().next() {
            *fnv = fnv.wrapping_add(1);
        }
        let c = compare(&expected, "host", &actual, "t");
        assert!(!c.passed());
        assert!(c.to_string().contains("later in the stream"));
    }

    #[test]
    fn missing_extra_incomplete_and_errors_fail() {
        let expected = host();
        let mut actual = expected.clone();
        let first = actual.scenarios.keys().next().unwrap().clone();
        actual.scenarios.remove(&first);
        actual
            .scenarios
            .insert("zzz".into(), Outcome::Error("boom".into()));
        actual.complete = false;
        let c = compare(&expected, "host", &actual, "t");
        assert_eq!(c.mismatches.len(), 3);
        // An error on both sides is still a failure, not a match.
        let mut both = expected.clone();
        both.scenarios
            .insert("e".into(), Outcome::Error("x".into()));
        let c = compare(&both, "host", &both.clone(), "t");
        assert!(!c.passed());
    }
}
