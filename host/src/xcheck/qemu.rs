//! Running an image under QEMU.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::error::XcheckError;
use super::process;
use super::targets::Target;

/// Runs an ELF under QEMU with semihosting, kills it after `timeout`, and returns what it printed.
/// A non-zero exit (a failed scenario or a panic exits through semihosting with 1) is an error.
///
/// QEMU never outlives the call (nor, on Linux, engram): it is killed on the timeout, on every
/// error path and on an interrupt (see [`install_signal_handler`](super::install_signal_handler)).
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
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let runner = format!("QEMU {}", target.machine);
    let mut child = process::spawn(&mut cmd, &runner)?;
    // Drain both pipes on threads so a chatty guest cannot block on a full pipe.
    let mut stdout = child.child_mut().stdout.take();
    let mut stderr = child.child_mut().stderr.take();
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
    // On `Err` (an interrupt) QEMU is already dead, so the pipe threads finish on their own.
    let status = child.wait(Some(timeout))?;
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
