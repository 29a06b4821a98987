//! `engram xcheck` end to end: the host report, and clear errors when tools are missing.

use std::process::Command;

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
