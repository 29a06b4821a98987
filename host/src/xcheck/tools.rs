//! Finding the external tools xcheck needs, and its error type.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::qemu::Target;
use super::report::ParseError;

/// The one command that installs everything the emulated cross-target checks need.
pub const INSTALL_COMMAND: &str = "cargo xtask deps";

/// What can stop a cross-target check.
#[derive(Debug, thiserror::Error)]
pub enum XcheckError {
    /// Tools are missing; each entry names the tool and how to get it.
    #[error("missing tools:\n{}\ninstall them with `{INSTALL_COMMAND}` (rustup targets and QEMU from Debian's bookworm-backports)", .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    MissingTools(Vec<String>),
    /// An unknown target triple.
    #[error("unknown target {0:?}; supported: {1}")]
    UnknownTarget(String, String),
    /// `cargo build` of the firmware failed.
    #[error(
        "building firmware `{bin}` for {triple} failed (exit {status}); run `cargo build --release --bin {bin} --features {features} --target {triple}` in {dir} to see why"
    )]
    Build {
        /// Firmware binary.
        bin: String,
        /// Target triple.
        triple: String,
        /// Cargo features.
        features: String,
        /// Firmware directory.
        dir: PathBuf,
        /// Exit status.
        status: String,
    },
    /// The emulator or probe run failed, timed out or exited non-zero.
    #[error("{runner} on {triple}: {why}\n--- output ---\n{output}")]
    Run {
        /// `QEMU …` or `probe-rs …`.
        runner: String,
        /// Target triple.
        triple: String,
        /// What went wrong.
        why: String,
        /// What it printed.
        output: String,
    },
    /// The run's output is not a valid report.
    #[error("report from {triple}: {error}\n--- output ---\n{output}")]
    Report {
        /// Target triple.
        triple: String,
        /// The parse error.
        error: ParseError,
        /// What it printed.
        output: String,
    },
    /// No probe-rs, no probe, or an unsupported chip.
    #[error("{0}")]
    Probe(String),
    /// An I/O error starting a process.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

/// The first executable called `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Whether the Rust standard library for `triple` is installed (`rustup target add` done).
pub fn target_installed(triple: &str) -> bool {
    let Ok(out) = Command::new("rustc").args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir()
}

/// Everything missing to build and emulate `target`, each with how to get it.
pub fn missing_tools(target: &Target) -> Vec<String> {
    let mut missing = Vec::new();
    if !target_installed(target.triple) {
        missing.push(format!(
            "Rust target {0} (`rustup target add {0}`)",
            target.triple
        ));
    }
    if find_on_path(target.qemu).is_none() {
        missing.push(format!(
            "{} (Debian: package {} from bookworm-backports, QEMU ≥ 10)",
            target.qemu, target.qemu_package
        ));
    }
    missing
}
