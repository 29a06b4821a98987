//! Parsing the `engram-xcheck` report that the firmware prints and the host produces.

use std::collections::BTreeMap;
use std::fmt;

use engram_core::scenario::LINE_PREFIX;

/// One raw value as printed in a digest (`f32:3f800000`, `f64:…`, `u64:…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawValue {
    /// An f32's bits.
    F32(u32),
    /// An f64's bits.
    F64(u64),
    /// An integer.
    U64(u64),
}

impl RawValue {
    /// The value as a float (integers as themselves), for human-readable mismatch reports.
    pub fn as_f64(self) -> f64 {
        match self {
            RawValue::F32(b) => f64::from(f32::from_bits(b)),
            RawValue::F64(b) => f64::from_bits(b),
            RawValue::U64(b) => b as f64,
        }
    }

    /// Distance in units in the last place between two values of the same float type: the number of
    /// representable values between them (integers: absolute difference). `None` for mixed types.
    pub fn ulp_distance(self, other: RawValue) -> Option<u64> {
        fn ordered32(b: u32) -> i64 {
            let i = b as i32;
            i64::from(if i < 0 { i32::MIN.wrapping_sub(i) } else { i })
        }
        fn ordered64(b: u64) -> i128 {
            let i = b as i64;
            i128::from(if i < 0 { i64::MIN.wrapping_sub(i) } else { i })
        }
        match (self, other) {
            (RawValue::F32(a), RawValue::F32(b)) => Some(ordered32(a).abs_diff(ordered32(b))),
            (RawValue::F64(a), RawValue::F64(b)) => {
                Some(u64::try_from(ordered64(a).abs_diff(ordered64(b))).unwrap_or(u64::MAX))
            }
            (RawValue::U64(a), RawValue::U64(b)) => Some(a.abs_diff(b)),
            _ => None,
        }
    }
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::F32(b) => write!(f, "f32:{b:08x} ({:e})", f32::from_bits(*b)),
            RawValue::F64(b) => write!(f, "f64:{b:016x} ({:e})", f64::from_bits(*b)),
            RawValue::U64(b) => write!(f, "u64:{b:016x} ({b})"),
        }
    }
}

/// A scenario's outcome in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The scenario produced a digest.
    Digest {
        /// Number of values folded in.
        count: u64,
        /// FNV-1a 64 over the canonical bits.
        fnv: u64,
        /// The first few values.
        raw: Vec<RawValue>,
    },
    /// The scenario returned an error (its message).
    Error(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Digest { count, fnv, raw } => {
                write!(f, "n={count} fnv={fnv:016x} raw=")?;
                for (i, r) in raw.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    match r {
                        RawValue::F32(b) => write!(f, "f32:{b:08x}")?,
                        RawValue::F64(b) => write!(f, "f64:{b:016x}")?,
                        RawValue::U64(b) => write!(f, "u64:{b:016x}")?,
                    }
                }
                Ok(())
            }
            Outcome::Error(msg) => write!(f, "error {msg}"),
        }
    }
}

/// A parsed report: scenario name → outcome, plus whether the `end` line was seen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Outcomes by scenario name, in name order.
    pub scenarios: BTreeMap<String, Outcome>,
    /// Scenario count announced by the `begin` line.
    pub announced: Option<usize>,
    /// Whether the `end` line was seen (a report without it was cut short).
    pub complete: bool,
}

/// Why a report could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A line starting with the prefix is malformed.
    #[error("line {line}: {why}: {text:?}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        why: &'static str,
        /// The line.
        text: String,
    },
    /// The same scenario appears twice.
    #[error("line {line}: scenario {name} appears twice")]
    Duplicate {
        /// 1-based line number.
        line: usize,
        /// Scenario name.
        name: String,
    },
    /// No `engram-xcheck begin` line at all.
    #[error("no `{LINE_PREFIX} begin` line: this is not an xcheck report")]
    NoReport,
}

fn parse_raw(s: &str) -> Option<RawValue> {
    let (ty, hex) = s.split_once(':')?;
    match ty {
        "f32" => u32::from_str_radix(hex, 16).ok().map(RawValue::F32),
        "f64" => u64::from_str_radix(hex, 16).ok().map(RawValue::F64),
        "u64" => u64::from_str_radix(hex, 16).ok().map(RawValue::U64),
        _ => None,
    }
}

fn parse_digest(rest: &str) -> Option<Outcome> {
    let mut count = None;
    let mut fnv = None;
    let mut raw = None;
    for field in rest.split_whitespace() {
        if let Some(v) = field.strip_prefix("n=") {
            count = v.parse().ok();
        } else if let Some(v) = field.strip_prefix("fnv=") {
            fnv = u64::from_str_radix(v, 16).ok();
        } else if let Some(v) = field.strip_prefix("raw=") {
            raw = if v.is_empty() {
                Some(Vec::new())
            } else {
                v.split(',').map(parse_raw).collect::<Option<Vec<_>>>()
            };
        } else {
            return None;
        }
    }
    Some(Outcome::Digest {
        count: count?,
        fnv: fnv?,
        raw: raw?,
    })
}

/// Parses a report out of arbitrary output (QEMU or probe-rs logs may surround it): only lines
/// whose first word is `engram-xcheck` (after optional log decoration ending in the prefix) count.
///
/// ```
/// let text = engram::xcheck::host_report();
/// let report = engram::xcheck::parse_report(&text).unwrap();
/// assert!(report.complete);
/// assert_eq!(report.announced, Some(report.scenarios.len()));
/// ```
pub fn parse_report(text: &str) -> Result<Report, ParseError> {
    let mut report = Report::default();
    let mut seen_begin = false;
    for (i, full) in text.lines().enumerate() {
        let line_no = i + 1;
        // probe-rs prefixes defmt lines with a timestamp/level; take what follows the prefix.
        let Some(pos) = full.find(LINE_PREFIX) else {
            continue;
        };
        let line = full[pos..].trim_end();
        let malformed = |why| ParseError::Malformed {
            line: line_no,
            why,
            text: line.to_owned(),
        };
        let rest = line[LINE_PREFIX.len()..].trim_start();
        let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        match name {
            "begin" => {
                seen_begin = true;
                let n = tail
                    .split_whitespace()
                    .find_map(|f| f.strip_prefix("scenarios="))
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| malformed("begin line without scenarios=N"))?;
                report.announced = Some(n);
            }
            "end" => report.complete = true,
            _ => {
                let outcome = if let Some(msg) = tail.strip_prefix("error ") {
                    Outcome::Error(msg.to_owned())
                } else {
                    parse_digest(tail).ok_or_else(|| malformed("digest is not n=… fnv=… raw=…"))?
                };
                if report.scenarios.insert(name.to_owned(), outcome).is_some() {
                    return Err(ParseError::Duplicate {
                        line: line_no,
                        name: name.to_owned(),
                    });
                }
            }
        }
    }
    if !seen_begin {
        return Err(ParseError::NoReport);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulp_distance_crosses_zero() {
        let a = RawValue::F32(0x0000_0001); // smallest positive subnormal
        let b = RawValue::F32(0x8000_0001); // smallest negative subnormal
        assert_eq!(a.ulp_distance(b), Some(2));
        let one = RawValue::F32(1.0f32.to_bits());
        let next = RawValue::F32(1.0f32.to_bits() + 3);
        assert_eq!(one.ulp_distance(next), Some(3));
        let x = RawValue::F64(1.0f64.to_bits());
        let y = RawValue::F64((-1.0f64).to_bits());
        assert_eq!(
            x.ulp_distance(y),
            Some(2 * 1.0f64.to_bits()),
            "±1 are 2·bits(1) apart"
        );
        assert_eq!(a.ulp_distance(x), None);
    }

    #[test]
    fn parses_surrounding_noise_and_errors() {
        let text = "boot\n[INFO] engram-xcheck begin v1 scenarios=2\n\
                    engram-xcheck a n=2 fnv=00000000000000ff raw=f32:3f800000,u64:0000000000000002\n\
                    engram-xcheck b error matrix is not positive definite\n\
                    engram-xcheck end ok=1 errors=1\n";
        let r = parse_report(text).unwrap();
        assert!(r.complete);
        assert_eq!(r.scenarios.len(), 2);
        assert_eq!(
            r.scenarios["b"],
            Outcome::Error("matrix is not positive definite".into())
        );
        assert_eq!(
            r.scenarios["a"].to_string(),
            "n=2 fnv=00000000000000ff raw=f32:3f800000,u64:0000000000000002"
        );
    }

    #[test]
    fn rejects_malformed_and_duplicates() {
        assert_eq!(parse_report("hello\n"), Err(ParseError::NoReport));
        let bad = "engram-xcheck begin v1 scenarios=1\nengram-xcheck a n=x fnv=1 raw=\n";
        assert!(matches!(
            parse_report(bad),
            Err(ParseError::Malformed { line: 2, .. })
        ));
        let dup = "engram-xcheck begin v1 scenarios=1\nengram-xcheck a n=1 fnv=1 raw=\nengram-xcheck a n=1 fnv=1 raw=\n";
        assert!(matches!(
            parse_report(dup),
            Err(ParseError::Duplicate { line: 3, .. })
        ));
    }
}
