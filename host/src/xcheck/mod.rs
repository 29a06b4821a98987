//! Cross-target regression: run the core's scenarios on emulated or real boards and compare every
//! digest with the host's, bit for bit.
//!
//! ```no_run
//! use engram::xcheck::{self, TARGETS};
//! let fw = xcheck::default_firmware_dir();
//! for target in TARGETS {
//!     let outcome = xcheck::check_qemu_target(target, &fw, None, std::time::Duration::from_secs(60))?;
//!     println!("{}", outcome.comparison);
//! }
//! # Ok::<(), engram::xcheck::XcheckError>(())
//! ```

mod compare;
mod probe;
mod qemu;
mod report;
mod tools;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use compare::{Comparison, Mismatch, compare};
pub use probe::{PROBE_CHIPS, ProbeChip, check_probe};
pub use qemu::{TARGETS, Target, build_firmware, find_target, run_qemu};
pub use report::{Outcome, ParseError, RawValue, Report, parse_report};
pub use tools::{XcheckError, find_on_path, missing_tools, target_installed};

/// The host's report: every scenario run through `engram-core` on this machine.
pub fn host_report() -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = engram_core::scenario::report(&mut out);
    out
}

/// `firmware/` beside this crate in the source tree.
pub fn default_firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("firmware")
}

/// The result of checking one target.
#[derive(Debug, Clone)]
pub struct TargetOutcome {
    /// The target's triple.
    pub triple: String,
    /// What ran it (`QEMU mps2-an386`, `probe nRF52833_xxAA`).
    pub runner: String,
    /// The ELF that ran.
    pub elf: PathBuf,
    /// The target's report compared with the host's.
    pub comparison: Comparison,
    /// The raw output, for logs.
    pub output: String,
}

/// Builds (unless `elf` is given) and runs the xcheck image for `target` under QEMU, then compares
/// its report with the host's.
pub fn check_qemu_target(
    target: &Target,
    firmware_dir: &Path,
    elf: Option<&Path>,
    timeout: Duration,
) -> Result<TargetOutcome, XcheckError> {
    let missing = missing_tools(target);
    if !missing.is_empty() {
        return Err(XcheckError::MissingTools(missing));
    }
    let elf = match elf {
        Some(p) => p.to_path_buf(),
        None => build_firmware(firmware_dir, target.triple, "xcheck", "qemu")?,
    };
    let output = run_qemu(target, &elf, timeout)?;
    outcome_against_host(
        target.triple,
        format!("QEMU {}", target.machine),
        elf,
        output,
    )
}

/// Parses a target's output and compares its report with the host's.
pub(crate) fn outcome_against_host(
    triple: &str,
    runner: String,
    elf: std::path::PathBuf,
    output: String,
) -> Result<TargetOutcome, XcheckError> {
    let report_error = |triple: &str, error, output: &str| XcheckError::Report {
        triple: triple.to_owned(),
        error,
        output: output.to_owned(),
    };
    let actual = parse_report(&output).map_err(|e| report_error(triple, e, &output))?;
    let host = parse_report(&host_report()).map_err(|e| report_error("host", e, ""))?;
    Ok(TargetOutcome {
        triple: triple.to_owned(),
        runner,
        elf,
        comparison: compare(&host, host_label(), &actual, triple),
        output,
    })
}

/// `host <arch>`, the reference's label in comparisons.
pub fn host_label() -> &'static str {
    concat!("host ", env!("ENGRAM_HOST_TRIPLE"))
}
