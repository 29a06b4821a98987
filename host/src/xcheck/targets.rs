//! The emulated targets: each MCU triple and the QEMU machine that runs it.

use super::error::XcheckError;

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
