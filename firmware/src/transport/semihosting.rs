//! The one semihosting API both architectures share (`hio` streams and `debug::exit`).

#[cfg(target_arch = "arm")]
pub(crate) use cortex_m_semihosting as sh;
#[cfg(all(target_arch = "riscv32", feature = "qemu"))]
pub(crate) use riscv_semihosting as sh;

/// Semihosting exit: QEMU (and `probe-rs run`) end with status 0 for success and 1 otherwise.
pub(crate) fn exit(ok: bool) -> ! {
    sh::debug::exit(if ok {
        sh::debug::EXIT_SUCCESS
    } else {
        sh::debug::EXIT_FAILURE
    });
    // Only reached without a debugger or emulator listening for semihosting.
    loop {
        core::hint::spin_loop();
    }
}
