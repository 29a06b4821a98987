//! Board transport: defmt over RTT (`probe-rs run` prints it), `panic-probe` for panics, and a
//! semihosting exit that `probe-rs run` turns into its own exit status.

use core::fmt;

use defmt_rtt as _;
use panic_probe as _;

use crate::line::LineBuf;

/// Text output as defmt logs: each line becomes one `defmt::println!("{=str}", line)`.
///
/// A line longer than the buffer (192 bytes) is logged in several pieces.
pub struct Writer {
    line: LineBuf,
}

impl Writer {
    /// A writer with an empty line buffer.
    pub const fn new() -> Self {
        Self {
            line: LineBuf::new(),
        }
    }

    /// Logs a pending partial line.
    pub fn flush(&mut self) -> fmt::Result {
        self.line.flush(&mut log_line)
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.line.push(s, &mut log_line)
    }
}

fn log_line(text: &str) -> fmt::Result {
    let text = text.strip_suffix('\n').unwrap_or(text);
    defmt::println!("{=str}", text);
    Ok(())
}
