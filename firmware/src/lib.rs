//! # engram-firmware
//!
//! Shared runtime of the firmware images (one bin per demo under `src/bin/`): the transport that
//! carries text lines to the host and the exit status back, chosen by cargo feature.
//!
//! - `qemu`: semihosting. [`out::Writer`] writes to the host's stdout, [`exit`] ends QEMU with
//!   status 0 or 1, and a panic prints its message on the host's stderr and exits non-zero.
//! - `board`: defmt over RTT (one `defmt::println!` per line), `panic-probe`, and a semihosting
//!   exit that `probe-rs run` turns into its exit status.
//!
//! A bin needs only this crate:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use core::fmt::Write as _;
//! use engram_firmware as fw;
//!
//! #[fw::entry]
//! fn main() -> ! {
//!     let mut out = fw::out::Writer::new();
//!     let ok = writeln!(out, "hello").is_ok();
//!     fw::exit(ok && out.flush().is_ok())
//! }
//! ```
#![no_std]

#[cfg(not(any(feature = "qemu", feature = "board")))]
compile_error!(
    "engram-firmware needs a transport: build with `--features qemu` (semihosting, for QEMU) \
     or `--features board` (defmt-rtt + panic-probe, run by probe-rs)"
);

#[cfg(all(feature = "qemu", feature = "board"))]
compile_error!(
    "engram-firmware: the `qemu` and `board` features are exclusive transports; enable exactly one"
);

#[cfg(all(feature = "board", not(target_arch = "arm")))]
compile_error!("engram-firmware: the `board` transport supports Arm Cortex-M boards only");

#[cfg(not(any(target_arch = "arm", target_arch = "riscv32")))]
compile_error!(
    "engram-firmware builds for MCU targets only: pass `--target` (thumbv6m-none-eabi, \
     thumbv7em-none-eabihf, thumbv8m.main-none-eabihf or riscv32imac-unknown-none-elf)"
);

#[cfg(all(feature = "stack-usage", not(target_arch = "arm")))]
compile_error!("engram-firmware: `stack-usage` relies on cortex-m-rt's stack painting (Arm only)");

// The critical-section implementation links only if the crate is referenced.
#[cfg(target_arch = "arm")]
use cortex_m as _;
#[cfg(target_arch = "riscv32")]
use riscv as _;

/// The reset entry point attribute of the target's runtime: `#[engram_firmware::entry]` on a
/// `fn main() -> !`.
#[cfg(target_arch = "arm")]
pub use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
pub use riscv_rt::entry;

#[cfg(all(feature = "board", target_arch = "arm"))]
pub mod board;
pub mod demo;
pub mod io;
mod line;
#[cfg(all(feature = "stack-usage", target_arch = "arm"))]
pub mod stack;
mod transport;

/// Text output to the host.
pub mod out {
    pub use crate::transport::Writer;
}

pub use transport::exit;

/// The whole `main` of a demo that prints its results and ends: runs `run`, then prints
/// `engram-demo <name> done` or `engram-demo <name> error <e>` and [`finish`]es.
pub fn run_demo<E: core::fmt::Display>(
    name: &str,
    run: impl FnOnce(&mut out::Writer) -> Result<(), E>,
) -> ! {
    use core::fmt::Write as _;
    let mut out = out::Writer::new();
    let ok = match run(&mut out) {
        Ok(()) => {
            let _ = writeln!(out, "engram-demo {name} done");
            true
        }
        Err(e) => {
            let _ = writeln!(out, "engram-demo {name} error {e}");
            false
        }
    };
    finish(out, ok)
}

/// Ends a bin: flushes `out`, prints `engram-firmware stack-high-water=<bytes>` with the
/// `stack-usage` feature (not a report line: digest and golden comparisons are of builds without
/// it), and exits with success iff `ok` and every line reached the host.
pub fn finish(mut out: out::Writer, ok: bool) -> ! {
    let flushed = out.flush().is_ok();
    #[cfg(feature = "stack-usage")]
    {
        use core::fmt::Write as _;
        let _ = writeln!(
            out,
            "engram-firmware stack-high-water={}",
            stack::high_water()
        );
        let _ = out.flush();
    }
    exit(ok && flushed)
}
