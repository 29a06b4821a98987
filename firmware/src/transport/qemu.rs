//! Semihosting transport for QEMU: text to the host's stdout, exit status through `SYS_EXIT`.

use core::fmt::{self, Write as _};
use core::panic::PanicInfo;

use super::semihosting::{exit, sh};
use crate::line::LineBuf;

/// Text output to the host's stdout, one semihosting write per line.
pub struct Writer {
    stream: Option<sh::hio::HostStream>,
    line: LineBuf,
}

impl Writer {
    /// Opens the host's stdout. If that fails, every write returns [`fmt::Error`].
    pub fn new() -> Self {
        Self {
            stream: sh::hio::hstdout().ok(),
            line: LineBuf::new(),
        }
    }

    /// Writes out a pending partial line.
    pub fn flush(&mut self) -> fmt::Result {
        let Self { stream, line } = self;
        line.flush(&mut |text| write_host(stream, text))
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let Self { stream, line } = self;
        line.push(s, &mut |text| write_host(stream, text))
    }
}

fn write_host(stream: &mut Option<sh::hio::HostStream>, text: &str) -> fmt::Result {
    match stream {
        Some(s) => s.write_all(text.as_bytes()).map_err(|()| fmt::Error),
        None => Err(fmt::Error),
    }
}

/// Prints the panic on the host's stderr and ends QEMU with a non-zero status.
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    if let Ok(mut err) = sh::hio::hstderr() {
        let _ = writeln!(err, "engram-firmware: {info}");
    }
    exit(false)
}
