//! Finding and building the firmware workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::XcheckError;
use super::process;

/// `firmware/` beside this crate in the source tree it was *compiled* from (for tests and tools
/// run inside that tree; an installed `engram` uses [`find_firmware_dir`] instead).
pub fn default_firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("firmware")
}

/// The firmware workspace for a run started in `start`: walking up from `start` (itself, its
/// parent, …), the first directory that is a `firmware/` with a `Cargo.toml`, or that contains
/// `firmware/Cargo.toml` (then its `firmware/`). So `engram xcheck` works from anywhere in the
/// checkout.
///
/// Errors: [`XcheckError::NoFirmwareDir`] naming `start` when none is found.
///
/// ```no_run
/// let fw = engram::xcheck::find_firmware_dir(&std::env::current_dir()?)?;
/// assert!(fw.join("Cargo.toml").is_file());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find_firmware_dir(start: &Path) -> Result<PathBuf, XcheckError> {
    for dir in start.ancestors() {
        if dir.file_name().is_some_and(|n| n == "firmware") && dir.join("Cargo.toml").is_file() {
            return Ok(dir.to_path_buf());
        }
        let fw = dir.join("firmware");
        if fw.join("Cargo.toml").is_file() {
            return Ok(fw);
        }
    }
    Err(XcheckError::NoFirmwareDir {
        start: start.to_path_buf(),
    })
}

/// `dir` if it holds a `Cargo.toml` (a `--firmware-dir` given by hand).
///
/// Errors: [`XcheckError::NotFirmwareDir`] otherwise.
pub fn check_firmware_dir(dir: &Path) -> Result<PathBuf, XcheckError> {
    if dir.join("Cargo.toml").is_file() {
        Ok(dir.to_path_buf())
    } else {
        Err(XcheckError::NotFirmwareDir(dir.to_path_buf()))
    }
}

/// Builds a firmware bin in release mode from `firmware_dir` (cargo reads `firmware/.cargo/config.toml`
/// from the working directory, so it runs there) and returns the ELF's path. cargo runs in its own
/// process group and is stopped (with its rustc processes) on an interrupt.
pub fn build_firmware(
    firmware_dir: &Path,
    triple: &str,
    bin: &str,
    features: &str,
) -> Result<PathBuf, XcheckError> {
    let target_dir = firmware_dir.join("target");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(firmware_dir)
        .args(["build", "--release", "--bin", bin, "--features", features])
        .args(["--target", triple])
        .arg("--target-dir")
        .arg(&target_dir)
        // A parent `cargo test` must not leak its target or flags into the firmware build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let what = format!("cargo build in {}", firmware_dir.display());
    let mut child = process::spawn(&mut cmd, &what)?;
    let Some(status) = child.wait(None)? else {
        // No timeout was set, so `wait` returns only when cargo exits.
        return Err(XcheckError::Io {
            what,
            source: std::io::Error::other("no exit status"),
        });
    };
    if !status.success() {
        return Err(XcheckError::Build {
            bin: bin.to_owned(),
            triple: triple.to_owned(),
            features: features.to_owned(),
            dir: firmware_dir.to_path_buf(),
            status: status.to_string(),
        });
    }
    Ok(target_dir.join(triple).join("release").join(bin))
}
