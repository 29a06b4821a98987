//! Running the xcheck image on a real board through the `probe-rs` command.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::elf::check_elf;
use super::error::XcheckError;
use super::firmware::build_firmware;
use super::process;
use super::tools::{find_on_path, target_installed};
use super::{TargetOutcome, outcome_against_host};

/// A chip `engram xcheck --probe` knows how to build for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeChip {
    /// probe-rs chip name.
    pub chip: &'static str,
    /// Rust target triple.
    pub triple: &'static str,
    /// The board it is on.
    pub board: &'static str,
}

/// Chips with a firmware memory layout (`firmware/memory/`).
pub const PROBE_CHIPS: &[ProbeChip] = &[ProbeChip {
    chip: "nRF52833_xxAA",
    triple: "thumbv7em-none-eabihf",
    board: "BBC micro:bit v2",
}];

const INSTALL_PROBE_RS: &str = "install it with `cargo install probe-rs-tools --locked` (10–30 minutes to build) \
     or a prebuilt release, see https://probe.rs/docs/getting-started/installation/";

/// Builds the board xcheck image for `chip`, flashes and runs it with `probe-rs run`, and compares
/// its report with the host's. Without `probe-rs`, without a connected probe, or for an unknown chip
/// it fails with a message that says what to install or plug in.
pub fn check_probe(
    chip: &str,
    firmware_dir: &Path,
    elf: Option<&Path>,
    timeout: Duration,
) -> Result<TargetOutcome, XcheckError> {
    let known = PROBE_CHIPS
        .iter()
        .find(|c| c.chip.eq_ignore_ascii_case(chip))
        .ok_or_else(|| {
            XcheckError::Probe(format!(
                "chip {chip:?} has no firmware memory layout; supported: {}",
                PROBE_CHIPS
                    .iter()
                    .map(|c| format!("{} ({})", c.chip, c.board))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let Some(probe_rs) = find_on_path("probe-rs") else {
        return Err(XcheckError::Probe(format!(
            "`probe-rs` is not on PATH: {INSTALL_PROBE_RS}; then plug the {} in over USB",
            known.board
        )));
    };
    if elf.is_none() && !target_installed(known.triple) {
        return Err(XcheckError::MissingTools(vec![format!(
            "Rust target {0} (`rustup target add {0}`)",
            known.triple
        )]));
    }
    let elf = match elf {
        Some(p) => {
            check_elf(p, known.triple)?;
            p.to_path_buf()
        }
        None => build_firmware(firmware_dir, known.triple, "xcheck", "board")?,
    };
    let runner = format!("probe-rs {}", known.chip);
    let mut cmd = Command::new(&probe_rs);
    cmd.args(["run", "--chip", known.chip])
        .arg(&elf)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = process::spawn(&mut cmd, &runner)?;
    let mut stdout = child.child_mut().stdout.take();
    let mut stderr = child.child_mut().stderr.take();
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = stderr.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = stdout.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let status = child.wait(Some(timeout))?;
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
    if output.contains("No connected probes were found") {
        return Err(XcheckError::Probe(format!(
            "probe-rs found no debug probe: plug the {} in over USB (its on-board CMSIS-DAP probe), \
             check `probe-rs list`, then retry",
            known.board
        )));
    }
    match status {
        None => {
            return Err(XcheckError::Run {
                runner,
                triple: known.triple.into(),
                why: format!("no exit within {} s (killed)", timeout.as_secs()),
                output,
            });
        }
        Some(s) if !s.success() => {
            return Err(XcheckError::Run {
                runner,
                triple: known.triple.into(),
                why: format!("exited with {s}"),
                output,
            });
        }
        Some(_) => {}
    }
    outcome_against_host(known.triple, runner, elf, output)
}
