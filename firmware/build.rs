//! Picks the memory layout for (target, transport), writes it to `$OUT_DIR/memory.x`, puts that
//! directory on the linker search path and adds the runtime's linker scripts.
//!
//! The layouts are readable files under `memory/`; see the table in `LAYOUTS`.

use std::{env, fs, path::PathBuf};

/// (target triple, transport feature, file under `memory/`, what it describes).
const LAYOUTS: &[(&str, &str, &str, &str)] = &[
    (
        "thumbv7em-none-eabihf",
        "qemu",
        "mps2-an386.x",
        "QEMU mps2-an386 -cpu cortex-m4",
    ),
    (
        "thumbv7em-none-eabihf",
        "board",
        "nrf52833.x",
        "BBC micro:bit v2 (nRF52833)",
    ),
    (
        "thumbv6m-none-eabi",
        "qemu",
        "nrf51822-microbit.x",
        "QEMU microbit (nRF51822, 16 KB RAM)",
    ),
    (
        "thumbv8m.main-none-eabihf",
        "qemu",
        "mps2-an505.x",
        "QEMU mps2-an505 -cpu cortex-m33",
    ),
    (
        "riscv32imac-unknown-none-elf",
        "qemu",
        "riscv-virt.x",
        "QEMU riscv32 virt -bios none",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=memory");

    let target = env::var("TARGET").unwrap_or_default();
    let qemu = env::var_os("CARGO_FEATURE_QEMU").is_some();
    let board = env::var_os("CARGO_FEATURE_BOARD").is_some();
    if qemu == board {
        // Neither or both transports: src/lib.rs stops the build with a compile_error! that says so.
        return;
    }
    let transport = if board { "board" } else { "qemu" };

    let Some(&(_, _, file, _)) = LAYOUTS
        .iter()
        .find(|(t, f, _, _)| *t == target && *f == transport)
    else {
        let supported: Vec<String> = LAYOUTS
            .iter()
            .map(|(t, f, _, what)| format!("  --target {t} --features {f}   ({what})"))
            .collect();
        panic!(
            "engram-firmware has no memory layout for target `{target}` with transport `{transport}`.\n\
             Supported combinations:\n{}",
            supported.join("\n")
        );
    };

    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let src = manifest_dir.join("memory").join(file);
    let layout = fs::read(&src).unwrap_or_else(|e| panic!("reading {}: {e}", src.display()));
    fs::write(out_dir.join("memory.x"), layout).expect("writing $OUT_DIR/memory.x");
    println!("cargo:rustc-link-search={}", out_dir.display());

    if target.starts_with("thumb") {
        // cortex-m-rt's link.x INCLUDEs memory.x.
        println!("cargo:rustc-link-arg=--nmagic");
        println!("cargo:rustc-link-arg=-Tlink.x");
        if board {
            println!("cargo:rustc-link-arg=-Tdefmt.x");
        }
    } else if target.starts_with("riscv") {
        // riscv-rt's link.x INCLUDEs memory.x only with its `memory` feature (enabled in
        // Cargo.toml); older riscv-rt needs `-Tmemory.x` before `-Tlink.x` instead.
        println!("cargo:rustc-link-arg=-Tlink.x");
    }
}
