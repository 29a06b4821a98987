//! Cross-target regression under QEMU: each MCU target's xcheck image must reproduce the host's
//! scenario digests bit for bit.
//!
//! These need the embedded Rust targets and QEMU; `cargo xtask test` installs them and runs these
//! with `--ignored`. By hand: `cargo xtask deps`, then
//! `cargo test -p engram-tests --test xtarget -- --ignored`.

use std::time::Duration;

use engram::xcheck::{self, find_target};

fn check(triple: &str) {
    let target = find_target(triple).unwrap();
    let outcome = xcheck::check_qemu_target(
        target,
        &xcheck::default_firmware_dir(),
        None,
        Duration::from_secs(120),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    println!("{}", outcome.comparison);
    assert!(
        outcome.comparison.passed(),
        "{triple} differs from the host:\n{}",
        outcome.comparison
    );
    assert!(outcome.comparison.matched.len() >= 6);
}

#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn thumbv7em_cortex_m4_matches_host() {
    check("thumbv7em-none-eabihf");
}

#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn thumbv6m_microbit_v1_matches_host() {
    check("thumbv6m-none-eabi");
}

#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn thumbv8m_cortex_m33_matches_host() {
    check("thumbv8m.main-none-eabihf");
}

#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn riscv32imac_virt_matches_host() {
    check("riscv32imac-unknown-none-elf");
}

/// The demo bins print the same text on every target, equal to the blessed expectation in
/// `tests/golden/firmware/<demo>.txt` (knurling-style snapshot; bless with `ENGRAM_BLESS=1`).
fn check_demo(demo: &str) {
    let fw = xcheck::default_firmware_dir();
    let mut outputs = Vec::new();
    for target in xcheck::TARGETS {
        let elf = xcheck::build_firmware(&fw, target.triple, demo, "qemu")
            .unwrap_or_else(|e| panic!("{e}"));
        let out = xcheck::run_qemu(target, &elf, Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("{e}"));
        outputs.push((target.triple, out));
    }
    let (first_triple, first) = &outputs[0];
    for (triple, out) in &outputs[1..] {
        assert_eq!(
            out, first,
            "demo {demo}: {triple} differs from {first_triple}"
        );
    }
    engram_tests::check_golden(&format!("firmware/{demo}.txt"), first);
}

#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn collapse_demo_output_is_blessed_on_every_target() {
    check_demo("collapse");
}

#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn hopfield_demo_output_is_blessed_on_every_target() {
    check_demo("hopfield");
}

/// A path-integrating network loaded from f32 and int8 blobs in flash, on trajectories generated
/// on the board: identical log on every target, the demo's claim holds (exit 0).
#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn rnn_demo_output_is_blessed_on_every_target() {
    check_demo("rnn");
}

/// n = 8, m = 16 autoencoders trained on the board (16 runs, 400 AdamW steps): identical log on
/// every target, equal to the host's `engram polysemantic` runs for the same points.
#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn polysemantic_demo_output_is_blessed_on_every_target() {
    check_demo("polysemantic");
}

/// N = 1024, P = 100 patterns in flash (12.8 KB): a cue with 10 % of bits flipped is retrieved,
/// identically on every target, within the micro:bit v1's 16 KB of RAM.
#[test]
#[ignore = "needs QEMU and the embedded targets: run by `cargo xtask test`"]
fn capacity_probe_output_is_blessed_on_every_target() {
    check_demo("capacity_probe");
}
