//! Cross-target regression: run the core's scenarios on emulated or real boards and compare every
//! digest with the host's, bit for bit.
//!
//! | module | what |
//! | --- | --- |
//! | `targets` | the emulated targets ([`TARGETS`]) and their QEMU machines |
//! | `firmware` | finding ([`find_firmware_dir`]) and building ([`build_firmware`]) the firmware |
//! | `elf` | [`check_elf`]: a given image is an ELF for the target |
//! | `qemu`, `probe` | running an image under QEMU or on a board through probe-rs |
//! | `process` | children that never outlive engram; SIGINT/SIGTERM/SIGHUP stop them |
//! | `tools` | what is installed ([`missing_tools`]) |
//! | `report`, `compare` | parsing a report and comparing it with the host's |
//! | `error` | [`XcheckError`] |
//!
//! ```no_run
//! use engram::xcheck::{self, TARGETS};
//! let fw = xcheck::find_firmware_dir(&std::env::current_dir().unwrap())?;
//! for target in TARGETS {
//!     let outcome = xcheck::check_qemu_target(target, &fw, None, std::time::Duration::from_secs(60))?;
//!     println!("{}", outcome.comparison);
//! }
//! # Ok::<(), engram::xcheck::XcheckError>(())
//! ```

mod compare;
mod elf;
mod error;
mod firmware;
mod probe;
mod process;
mod qemu;
mod report;
mod targets;
mod tools;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use compare::{Comparison, Mismatch, compare};
pub use elf::check_elf;
pub use error::{INSTALL_COMMAND, XcheckError};
pub use firmware::{build_firmware, check_firmware_dir, default_firmware_dir, find_firmware_dir};
pub use probe::{PROBE_CHIPS, ProbeChip, check_probe};
pub use process::{check_interrupt, install_signal_handler};
pub use qemu::run_qemu;
pub use report::{Outcome, ParseError, RawValue, Report, parse_report};
pub use targets::{TARGETS, Target, find_target};
pub use tools::{find_on_path, missing_run_tools, missing_tools, target_installed};

/// The host's report: every scenario run through `engram-core` on this machine.
pub fn host_report() -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = engram_core::scenario::report(&mut out);
    out
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
/// its report with the host's. With `elf` no Rust toolchain is needed or run: the file is checked
/// to be an ELF for the target ([`check_elf`]) and `firmware_dir` is not used.
pub fn check_qemu_target(
    target: &Target,
    firmware_dir: &Path,
    elf: Option<&Path>,
    timeout: Duration,
) -> Result<TargetOutcome, XcheckError> {
    let missing = match elf {
        Some(_) => missing_run_tools(target),
        None => missing_tools(target),
    };
    if !missing.is_empty() {
        return Err(XcheckError::MissingTools(missing));
    }
    let elf = match elf {
        Some(p) => {
            check_elf(p, target.triple)?;
            p.to_path_buf()
        }
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
    elf: PathBuf,
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
