//! `engram xcheck` end to end: the host report; clear errors for missing tools, a missing
//! firmware workspace and files that are not ELF images; and no QEMU left behind when engram is
//! interrupted, killed or times out (against a fake QEMU first on PATH).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engram::xcheck;
use engram_tests::engram_bin;

fn engram() -> Command {
    Command::new(engram_bin())
}

#[test]
fn host_report_matches_library() {
    let out = engram().args(["xcheck", "--host"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        engram::xcheck::host_report()
    );
}

#[test]
fn unknown_target_is_named() {
    let out = engram()
        .args(["xcheck", "--target", "thumbv99-none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown target \"thumbv99-none\""), "{err}");
    assert!(err.contains("thumbv6m-none-eabi"), "{err}");
}

/// With an empty PATH neither QEMU nor probe-rs can be found: the errors say what to install.
#[test]
fn missing_qemu_names_the_install_command() {
    let out = engram()
        .args(["xcheck", "--all"])
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("qemu-system-arm"), "{err}");
    assert!(err.contains("cargo xtask deps"), "{err}");
}

#[test]
fn missing_probe_rs_says_what_to_install() {
    let out = engram()
        .args(["xcheck", "--probe", "nRF52833_xxAA"])
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cargo install probe-rs-tools"), "{err}");
}

#[test]
fn unknown_probe_chip_lists_supported() {
    let out = engram()
        .args(["xcheck", "--probe", "STM32F999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nRF52833_xxAA"), "{err}");
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("engram-xcheck-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first 52 bytes of a 32-bit little-endian ELF executable for `machine` (40 Arm, 243 RISC-V).
fn elf_header(machine: u16) -> Vec<u8> {
    let mut h = b"\x7fELF\x01\x01\x01\x00".to_vec();
    h.extend([0u8; 8]);
    h.extend(2u16.to_le_bytes());
    h.extend(machine.to_le_bytes());
    h.resize(52, 0);
    h
}

/// Writes an executable shell script `name` into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_file_that_is_not_an_elf_is_named() {
    let dir = scratch("not-elf");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "hello, not an image\n").unwrap();
    // Empty PATH: neither QEMU nor a toolchain is needed to reject the file.
    let out = engram()
        .args(["xcheck", "--target", "thumbv6m-none-eabi", "--elf"])
        .arg(&file)
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(
        err.trim_end(),
        format!("error: {}: not an ELF file", file.display())
    );
}

#[test]
fn a_missing_elf_names_the_path() {
    let dir = scratch("missing-elf");
    let file = dir.join("no-such-image");
    let out = engram()
        .args(["xcheck", "--target", "thumbv6m-none-eabi", "--elf"])
        .arg(&file)
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn an_elf_for_another_architecture_is_named() {
    let dir = scratch("riscv-elf");
    let file = dir.join("xcheck");
    std::fs::write(&file, elf_header(243)).unwrap();
    let out = engram()
        .args(["xcheck", "--target", "thumbv7em-none-eabihf", "--elf"])
        .arg(&file)
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("32-bit RISC-V"), "{err}");
    assert!(err.contains("needs 32-bit Arm"), "{err}");
}

/// Outside any engram checkout, `--all` says in one line how to point it at the firmware.
#[test]
fn no_firmware_workspace_names_the_flag() {
    let dir = scratch("no-firmware");
    let out = engram()
        .args(["xcheck", "--all"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--firmware-dir"), "{err}");
    assert!(err.contains(&dir.display().to_string()), "{err}");
    let out = engram()
        .args(["xcheck", "--all", "--firmware-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("no Cargo.toml"),
        "{}",
        stderr_of(&out)
    );
}

/// The firmware workspace is found by walking up from the current directory.
#[test]
fn firmware_workspace_is_found_from_subdirectories() {
    let root = engram_tests::workspace_root();
    let fw = root.join("firmware");
    for start in [
        root.clone(),
        root.join("tests").join("golden"),
        fw.clone(),
        fw.join("src"),
    ] {
        assert_eq!(xcheck::find_firmware_dir(&start).unwrap(), fw, "{start:?}");
    }
    // From a subdirectory the CLI gets past the firmware search to the tool check.
    let out = engram()
        .args(["xcheck", "--all"])
        .current_dir(root.join("tests").join("golden"))
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("missing tools"),
        "{}",
        stderr_of(&out)
    );
}

/// With --elf only QEMU is run: a PATH holding nothing but a fake QEMU (which prints the host's
/// report) is enough, so no cargo or rustc is looked for or started.
#[test]
fn elf_runs_without_a_rust_toolchain() {
    let dir = scratch("elf-no-toolchain");
    let report = dir.join("report.txt");
    std::fs::write(&report, xcheck::host_report()).unwrap();
    script(
        &dir,
        "qemu-system-arm",
        &format!("exec /bin/cat '{}'", report.display()),
    );
    let elf = dir.join("xcheck");
    std::fs::write(&elf, elf_header(40)).unwrap();
    let out = engram()
        .args(["xcheck", "--target", "thumbv7em-none-eabihf", "--elf"])
        .arg(&elf)
        .env("PATH", &dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", stderr_of(&out));
    assert!(stdout.contains("xcheck: 1 passed, 0 failed"), "{stdout}");
}

/// A fake `qemu-system-arm` that records its pid in `$FAKE_QEMU_PIDFILE` and sleeps.
#[cfg(target_os = "linux")]
mod hung_qemu {
    use super::*;
    use std::process::{Child, ExitStatus, Stdio};
    use std::time::{Duration, Instant};

    const DEADLINE: Duration = Duration::from_secs(60);
    const POLL: Duration = Duration::from_millis(20);

    /// Polls `f` until it returns `Some`, for at most [`DEADLINE`].
    fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(Instant::now() < end, "gave up waiting for {what}");
            std::thread::sleep(POLL);
        }
    }

    /// `(state, start time)` of a process from `/proc/<pid>/stat`, `None` if there is none.
    fn proc_stat(pid: u32) -> Option<(char, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the command: state is field 3 of stat(5), start time field 22.
        Some((fields[0].chars().next()?, fields[19].parse().ok()?))
    }

    /// The fake QEMU, identified by pid and start time (so a reused pid is not mistaken for it).
    struct Fake {
        pid: u32,
        start: u64,
    }

    impl Fake {
        fn alive(&self) -> bool {
            matches!(proc_stat(self.pid), Some((s, t)) if t == self.start && !matches!(s, 'Z' | 'X'))
        }
    }

    impl Drop for Fake {
        /// Never leak the sleeper, even when an assertion failed.
        fn drop(&mut self) {
            if self.alive() {
                let _ = Command::new("kill")
                    .args(["-KILL", &self.pid.to_string()])
                    .status();
            }
        }
    }

    /// Starts `engram xcheck` on a valid-looking ELF with a fake QEMU that never exits, and waits
    /// until the fake runs.
    fn start(name: &str, timeout_secs: u32) -> (Child, Fake, PathBuf) {
        let dir = scratch(name);
        script(
            &dir,
            "qemu-system-arm",
            "echo $$ > \"$FAKE_QEMU_PIDFILE\"\nexec sleep 1000",
        );
        let elf = dir.join("xcheck");
        std::fs::write(&elf, elf_header(40)).unwrap();
        let pidfile = dir.join("qemu.pid");
        let path = std::env::join_paths(std::iter::once(dir.clone()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        let child = engram()
            .args(["xcheck", "--target", "thumbv7em-none-eabihf", "--elf"])
            .arg(&elf)
            .args(["--timeout", &timeout_secs.to_string()])
            .env("PATH", path)
            .env("FAKE_QEMU_PIDFILE", &pidfile)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid: u32 = poll("the fake QEMU's pid file", || {
            let s = std::fs::read_to_string(&pidfile).ok()?;
            s.strip_suffix('\n')?.parse().ok()
        });
        let (_, start) = proc_stat(pid).expect("the fake QEMU is running");
        let fake = Fake { pid, start };
        assert!(fake.alive());
        (child, fake, dir)
    }

    fn wait(child: &mut Child) -> ExitStatus {
        poll("engram to exit", || child.try_wait().unwrap())
    }

    fn stderr(mut child: Child) -> String {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut s).unwrap();
        s
    }

    /// SIGTERM, SIGINT and SIGHUP to engram kill QEMU, and engram exits with 128 + the signal.
    #[test]
    fn signals_stop_qemu_and_exit_128_plus_signal() {
        for (sig, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
            let (mut child, fake, _) = start(&format!("sig{sig}"), 600);
            let sent = Command::new("kill")
                .args([&format!("-{sig}"), &child.id().to_string()])
                .status()
                .unwrap();
            assert!(sent.success());
            let status = wait(&mut child);
            assert_eq!(status.code(), Some(code), "SIG{sig}");
            poll("the fake QEMU to die", || (!fake.alive()).then_some(()));
            let err = stderr(child);
            assert!(err.contains(&format!("interrupted by SIG{sig}")), "{err}");
            assert!(err.contains("QEMU mps2-an386"), "{err}");
        }
    }

    /// SIGKILL cannot be caught: the kernel kills QEMU (PR_SET_PDEATHSIG) when engram dies.
    #[test]
    fn sigkill_of_engram_kills_qemu() {
        let (mut child, fake, _) = start("sigkill", 600);
        child.kill().unwrap();
        let status = wait(&mut child);
        assert_eq!(status.signal(), Some(9));
        poll("the fake QEMU to die", || (!fake.alive()).then_some(()));
    }

    /// On the timeout path QEMU is killed and the run fails with exit status 2.
    #[test]
    fn timeout_kills_qemu() {
        let (mut child, fake, _) = start("timeout", 5);
        let status = wait(&mut child);
        assert_eq!(status.code(), Some(2));
        assert!(!fake.alive());
        let err = stderr(child);
        assert!(err.contains("no exit within 5 s (killed)"), "{err}");
    }
}
