//! The transport, chosen by cargo feature (`qemu` or `board`; lib.rs rejects neither/both).

#[cfg(all(feature = "board", not(feature = "qemu")))]
mod board;
#[cfg(all(feature = "qemu", not(feature = "board")))]
mod qemu;
#[cfg(any(feature = "qemu", feature = "board"))]
mod semihosting;

#[cfg(all(feature = "board", not(feature = "qemu")))]
pub use board::Writer;
#[cfg(all(feature = "qemu", not(feature = "board")))]
pub use qemu::Writer;

/// Ends the program: exit status 0 if `ok`, non-zero otherwise (QEMU's own exit status under
/// the `qemu` transport; `probe-rs run`'s under `board`).
#[cfg(any(
    all(feature = "qemu", not(feature = "board")),
    all(feature = "board", not(feature = "qemu"))
))]
pub fn exit(ok: bool) -> ! {
    semihosting::exit(ok)
}

/// Stand-ins while lib.rs's `compile_error!` reports a missing or doubled transport, so that the
/// error is the only message the build prints.
#[cfg(not(any(
    all(feature = "qemu", not(feature = "board")),
    all(feature = "board", not(feature = "qemu"))
)))]
mod unconfigured {
    /// Stand-in text output (never built into an image).
    pub struct Writer;

    impl Writer {
        /// Stand-in.
        pub fn new() -> Self {
            Self
        }

        /// Stand-in.
        pub fn flush(&mut self) -> core::fmt::Result {
            Err(core::fmt::Error)
        }
    }

    impl core::fmt::Write for Writer {
        fn write_str(&mut self, _: &str) -> core::fmt::Result {
            Err(core::fmt::Error)
        }
    }

    /// Stand-in.
    pub fn exit(_ok: bool) -> ! {
        loop {
            core::hint::spin_loop();
        }
    }
}

#[cfg(not(any(
    all(feature = "qemu", not(feature = "board")),
    all(feature = "board", not(feature = "qemu"))
)))]
pub use unconfigured::{Writer, exit};
