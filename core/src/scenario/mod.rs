//! The registry of named, seeded computations whose [`Digest`]s the cross-target tests compare.
//!
//! Each [`Scenario`] runs a fixed computation through the reference kernels and folds its outputs
//! into a digest. The firmware `xcheck` image runs [`SCENARIOS`] on each target and prints
//! [`report`]; the host runs the same registry through this crate on x86_64; the two must agree bit
//! for bit, and both must equal the golden digests committed in `tests/golden/`.
//!
//! Scenarios keep their working memory on the stack and small (the xcheck image must fit the
//! micro:bit v1's 16 KB of RAM).

mod base;
mod blob;
mod collapse;
mod hopfield;
mod polysemantic;
mod rnn;
mod rnn_data;

use core::fmt;

use crate::Result;
use crate::digest::Digest;

/// A named, seeded computation producing a digest.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Stable name used in reports and golden files (`[a-z0-9_]+`).
    pub name: &'static str,
    /// What it exercises, one line.
    pub about: &'static str,
    /// Runs the computation, pushing its outputs into the digest.
    pub run: fn(&mut Digest) -> Result<()>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .finish()
    }
}

impl Scenario {
    /// Runs the scenario into a fresh digest.
    ///
    /// ```
    /// let s = &engram_core::scenario::SCENARIOS[0];
    /// let d = s.digest().unwrap();
    /// assert!(d.count() > 0);
    /// ```
    pub fn digest(&self) -> Result<Digest> {
        let mut d = Digest::new();
        (self.run)(&mut d)?;
        Ok(d)
    }
}

/// Every scenario, in report order.
pub static SCENARIOS: &[Scenario] = &[
    base::RNG_U64,
    base::RNG_UNIFORM,
    base::GAUSSIAN_F32,
    base::GAUSSIAN_F64,
    base::ZIGGURAT_F32,
    base::ZIGGURAT_F64,
    base::LIBM_F32,
    base::LIBM_F64,
    base::LINALG_F32,
    base::LINALG_F64,
    blob::BLOB_ROUNDTRIP,
    collapse::COLLAPSE_F32,
    collapse::COLLAPSE_F64,
    collapse::COLLAPSE_VARIANTS,
    collapse::COLLAPSE_SHORTCUT,
    hopfield::HOPFIELD_FORMS,
    hopfield::HOPFIELD_RETRIEVAL,
    hopfield::HOPFIELD_DAM_CUBIC,
    hopfield::HOPFIELD_MODERN_F32,
    hopfield::HOPFIELD_KDE_F32,
    hopfield::HOPFIELD_GROWING_F32,
    rnn_data::RNN_TRAJ_WALLED,
    rnn_data::RNN_TRAJ_PERIODIC,
    rnn_data::RNN_TRAJ_SSL,
    rnn_data::RNN_PLACE_CODE,
    rnn::RNN_F32_RELU,
    rnn::RNN_F32_TANH,
    rnn::RNN_F32_NORM_RELU,
    rnn::RNN_INT8,
    rnn::RNN_BLOB,
    polysemantic::POLYSEMANTIC_TRAIN,
];

/// Finds a scenario by name.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The prefix of every report line.
pub const LINE_PREFIX: &str = "engram-xcheck";
/// The report format version (bumped when the line format changes).
pub const REPORT_VERSION: u32 = 1;

/// Counts of a finished report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReportSummary {
    /// Scenarios that produced a digest.
    pub ok: usize,
    /// Scenarios that returned an error.
    pub errors: usize,
}

/// Writes one line for a scenario: `engram-xcheck <name> <digest>` or
/// `engram-xcheck <name> error <message>`. Returns whether it produced a digest.
pub fn report_line<W: fmt::Write>(
    s: &Scenario,
    w: &mut W,
) -> core::result::Result<bool, fmt::Error> {
    match s.digest() {
        Ok(d) => {
            writeln!(w, "{LINE_PREFIX} {} {d}", s.name)?;
            Ok(true)
        }
        Err(e) => {
            writeln!(w, "{LINE_PREFIX} {} error {e}", s.name)?;
            Ok(false)
        }
    }
}

/// Runs every scenario and writes the full report:
///
/// ```text
/// engram-xcheck begin v1 scenarios=<n>
/// engram-xcheck <name> n=<count> fnv=<hash> raw=<type>:<bits>,…
/// engram-xcheck end ok=<n> errors=<n>
/// ```
///
/// ```
/// let mut out = String::new();
/// let summary = engram_core::scenario::report(&mut out).unwrap();
/// assert_eq!(summary.errors, 0);
/// assert!(out.starts_with("engram-xcheck begin v1"));
/// ```
pub fn report<W: fmt::Write>(w: &mut W) -> core::result::Result<ReportSummary, fmt::Error> {
    writeln!(
        w,
        "{LINE_PREFIX} begin v{REPORT_VERSION} scenarios={}",
        SCENARIOS.len()
    )?;
    let mut summary = ReportSummary::default();
    for s in SCENARIOS {
        if report_line(s, w)? {
            summary.ok += 1;
        } else {
            summary.errors += 1;
        }
    }
    writeln!(
        w,
        "{LINE_PREFIX} end ok={} errors={}",
        summary.ok, summary.errors
    )?;
    Ok(summary)
}
