//! What can stop a cross-target check.

use std::path::PathBuf;

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
    /// No `firmware/Cargo.toml` in the starting directory or any parent.
    #[error(
        "no firmware workspace (firmware/Cargo.toml) in {} or any parent directory: run from the engram checkout, or pass --firmware-dir DIR (or --elf FILE to run a built image)",
        .start.display()
    )]
    NoFirmwareDir {
        /// Where the search started (the current directory).
        start: PathBuf,
    },
    /// `--firmware-dir` names a directory without a `Cargo.toml`.
    #[error("--firmware-dir {}: no Cargo.toml there (expected engram's firmware/ workspace)", .0.display())]
    NotFirmwareDir(PathBuf),
    /// The file given as an image does not start with the ELF magic.
    #[error("{}: not an ELF file", .0.display())]
    NotElf(PathBuf),
    /// An ELF file for another architecture than the target's.
    #[error("{}: an ELF for {found}, but {triple} needs {expected}", .path.display())]
    ElfMachine {
        /// The ELF.
        path: PathBuf,
        /// What the header says (class and machine).
        found: String,
        /// The target triple it was meant for.
        triple: String,
        /// What that target needs.
        expected: String,
    },
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
    /// SIGINT, SIGTERM or SIGHUP arrived while a child (QEMU, cargo, probe-rs) ran; the child was
    /// killed and reaped. See [`install_signal_handler`](super::install_signal_handler).
    #[error("interrupted by {} while {what} ran; it was stopped", signal_name(*.signal))]
    Interrupted {
        /// The signal number.
        signal: i32,
        /// The child that was stopped.
        what: String,
    },
    /// An I/O error starting a process or reading a file.
    #[error("{what}: {source}")]
    Io {
        /// What was being done (or the file).
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

impl XcheckError {
    /// The conventional exit status for a run ended by a signal: 128 + the signal's number (130 for
    /// SIGINT, 143 for SIGTERM, 129 for SIGHUP); `None` for every other error (exit status 2).
    pub fn signal_exit_code(&self) -> Option<u8> {
        match self {
            Self::Interrupted { signal, .. } => u8::try_from(128 + *signal).ok(),
            _ => None,
        }
    }
}

/// `SIGINT`, `SIGTERM`, `SIGHUP`, or `signal N`.
pub(crate) fn signal_name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}
