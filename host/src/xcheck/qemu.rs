//! The emulated targets: building the firmware and running it under QEMU.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use super::tools::XcheckError;

/// An MCU target and the QEMU machine that runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Rust target triple.
    pub triple: &'static str,
    /// QEMU executable.
    pub qemu: &'static str,
    /// Debian package that provides it.
    pub qemu_package: &'static str,
    /// QEMU `-machine`.
    pub machine: &'static str,
    /// QEMU `-cpu`, if the machine needs one.
    pub cpu: Option<&'static str>,
    /// What the machine is.
    pub about: &'static str,
}

/// Every emulated target, in the order the matrix runs them.
pub const TARGETS: &[Target] = &[
    Target {
        triple: "thumbv7em-none-eabihf",
        qemu: "qemu-system-arm",
        qemu_package: "qemu-system-arm",
        machine: "mps2-an386",
        cpu: Some("cortex-m4"),
        about: "Arm MPS2 AN386, Cortex-M4F (the micro:bit v2's core)",
    },
    Target {
        triple: "thumbv6m-none-eabi",
        qemu: "qemu-system-arm",
        qemu_package: "qemu-system-arm",
        machine: "microbit",
        cpu: None,
        about: "BBC micro:bit v1, nRF51822 Cortex-M0, 16 KB RAM",
    },
    Target {
        triple: "thumbv8m.main-none-eabihf",
        qemu: "qemu-system-arm",
        qemu_package: "qemu-system-arm",
        machine: "mps2-an505",
        cpu: Some("cortex-m33"),
        about: "Arm MPS2 AN505, Cortex-M33",
    },
    Target {
        triple: "riscv32imac-unknown-none-elf",
        qemu: "qemu-system-riscv32",
        qemu_package: "qemu-system-riscv",
        machine: "virt",
        cpu: None,
        about: "QEMU RISC-V virt, RV32IMAC",
    },
];

/// Looks a target up by triple.
pub fn find_target(triple: &str) -> Result<&'static Target, XcheckError> {
    TARGETS.iter().find(|t| t.triple == triple).ok_or_else(|| {
        XcheckError::UnknownTarget(
            triple.to_owned(),
            TARGETS
                .iter()
                .map(|t| t.triple)
                .collect::<Vec<_>>()
                .join(", "),
        )
    })
}

/// Builds a firmware bin in release mode from `firmware_dir` (cargo reads `firmware/.cargo/config.toml`
/// from the working directory, so it runs there) and returns the ELF's path.
pub fn build_firmware(
    firmware_dir: &Path,
    triple: &str,
    bin: &str,
    features: &str,
) -> Result<PathBuf, XcheckError> {
    let target_dir = firmware_dir.join("target");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(firmware_dir)
        .args(["build", "--release", "--bin", bin, "--features", features])
        .args(["--target", triple])
        .arg("--target-dir")
        .arg(&target_dir)
        // A parent `cargo test` must not leak its target or flags into the firmware build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .map_err(|source| XcheckError::Io {
            what: format!("running cargo in {}", firmware_dir.display()),
            source,
        })?;
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

/// Runs an ELF under QEMU with semihosting, kills it after `timeout`, and returns what it printed.
/// A non-zero exit (a failed scenario or a panic exits through semihosting with 1) is an error.
pub fn run_qemu(target: &Target, elf: &Path, timeout: Duration) -> Result<String, XcheckError> {
    let mut cmd = Command::new(target.qemu);
    cmd.args(["-machine", target.machine]);
    if let Some(cpu) = target.cpu {
        cmd.args(["-cpu", cpu]);
    }
    if target.qemu == "qemu-system-riscv32" {
        cmd.args(["-bios", "none"]);
    }
    cmd.args([
        "-nographic",
        "-monitor",
        "none",
        "-serial",
        "none",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
    ])
    .arg(elf)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let runner = format!("QEMU {}", target.machine);
    let mut child = cmd.spawn().map_err(|source| XcheckError::Io {
        what: format!("starting {}", target.qemu),
        source,
    })?;
    // Drain both pipes on threads so a chatty guest cannot block on a full pipe.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = stdout.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = stderr.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let status = child
        .wait_timeout(timeout)
        .map_err(|source| XcheckError::Io {
            what: format!("waiting for {}", target.qemu),
            source,
        })?;
    let timed_out = status.is_none();
    if timed_out {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut output = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if !err.is_empty() {
        output.push_str(&err);
    }
    match status {
        None => Err(XcheckError::Run {
            runner,
            triple: target.triple.to_owned(),
            why: format!("no exit within {} s (killed)", timeout.as_secs()),
            output,
        }),
        Some(s) if !s.success() => Err(XcheckError::Run {
            runner,
            triple: target.triple.to_owned(),
            why: format!("exited with {s}"),
            output,
        }),
        Some(_) => Ok(output),
    }
}
