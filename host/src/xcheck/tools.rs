//! Finding the external tools xcheck needs.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::targets::Target;

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
    missing.extend(missing_run_tools(target));
    missing
}

/// What is missing to *run* an already built image for `target` (QEMU only: no Rust toolchain
/// is asked for, `rustc` is not run).
pub fn missing_run_tools(target: &Target) -> Vec<String> {
    if find_on_path(target.qemu).is_none() {
        vec![format!(
            "{} (Debian: package {} from bookworm-backports, QEMU ≥ 10)",
            target.qemu, target.qemu_package
        )]
    } else {
        Vec::new()
    }
}
