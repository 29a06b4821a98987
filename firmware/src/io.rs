//! Board I/O for the demos: a log, a 5×5 LED display and two buttons (the BBC micro:bit's), behind
//! one small trait so the same demo logic runs on a board and headless in QEMU.

use core::fmt::Write as _;

use crate::out::Writer;

/// A 5×5 LED frame, `frame[row][column]`, row 0 at the top; `true` is lit.
pub type Frame = [[bool; 5]; 5];

/// The state of the two buttons at one poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Buttons {
    /// Button A (left) is pressed.
    pub a: bool,
    /// Button B (right) is pressed.
    pub b: bool,
}

impl Buttons {
    /// Neither button pressed.
    pub const NONE: Self = Self { a: false, b: false };
    /// Only A pressed.
    pub const A: Self = Self { a: true, b: false };
    /// Only B pressed.
    pub const B: Self = Self { a: false, b: true };
    /// Both pressed.
    pub const AB: Self = Self { a: true, b: true };
}

/// What a demo may do with the board.
pub trait BoardIo {
    /// Logs one line of text (no `'\n'`).
    fn log(&mut self, line: &str);
    /// Shows a frame on the display until the next call.
    fn show(&mut self, frame: &Frame);
    /// Polls the buttons.
    fn buttons(&mut self) -> Buttons;
}

/// Headless board: logs and frames go to the transport's [`Writer`] as text, button presses come
/// from a fixed script (one entry per [`BoardIo::buttons`] call, then no buttons pressed).
///
/// A frame is one line, rows top to bottom separated by `/`, `#` lit and `.` dark:
/// `frame 2 ..#../.###./#####/.###./..#..` (2 = frames shown before this one).
pub struct ScriptedIo {
    out: Writer,
    script: &'static [Buttons],
    polls: usize,
    frames: usize,
    ok: bool,
}

impl ScriptedIo {
    /// A scripted board writing to `out`.
    pub fn new(out: Writer, script: &'static [Buttons]) -> Self {
        Self {
            out,
            script,
            polls: 0,
            frames: 0,
            ok: true,
        }
    }

    /// Whether every line so far reached the host completely (flushes first).
    pub fn ok(&mut self) -> bool {
        let flushed = self.out.flush().is_ok();
        self.ok && flushed
    }

    /// Whether the whole script has been consumed.
    pub fn script_done(&self) -> bool {
        self.polls >= self.script.len()
    }
}

impl BoardIo for ScriptedIo {
    fn log(&mut self, line: &str) {
        self.ok &= writeln!(self.out, "{line}").is_ok();
    }

    fn show(&mut self, frame: &Frame) {
        let mut text = [b'/'; 29];
        for (row, chunk) in frame.iter().zip(text.chunks_mut(6)) {
            for (&lit, c) in row.iter().zip(chunk.iter_mut()) {
                *c = if lit { b'#' } else { b'.' };
            }
        }
        let text = core::str::from_utf8(&text).unwrap_or("?");
        self.ok &= writeln!(self.out, "frame {} {text}", self.frames).is_ok();
        self.frames += 1;
    }

    fn buttons(&mut self) -> Buttons {
        let b = self
            .script
            .get(self.polls)
            .copied()
            .unwrap_or(Buttons::NONE);
        self.polls = self.polls.saturating_add(1);
        b
    }
}
