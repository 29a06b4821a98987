//! Board I/O for the demos: a log, a 5×5 LED display and two buttons (the BBC micro:bit's), behind
//! one small trait so the same demo logic runs on a board and headless in QEMU.
//!
//! Implementations: [`ScriptedIo`] (headless: frames as text, buttons from a script built with
//! [`expand`]) and, with the `board` feature, `board::microbit::MicrobitIo` (the micro:bit v2's LED
//! matrix and buttons A/B).

use core::fmt::{self, Write as _};

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

    /// Logs one formatted line (no `'\n'`) through [`log`](Self::log), formatted on the stack.
    ///
    /// A line longer than [`LOG_LINE_CAPACITY`] bytes is logged cut short, ending in `~`, and the
    /// call returns [`fmt::Error`].
    fn log_fmt(&mut self, args: fmt::Arguments<'_>) -> fmt::Result {
        let mut line = StackLine::new();
        let fitted = line.write_fmt(args);
        if fitted.is_err() {
            line.mark_cut();
        }
        self.log(line.as_str());
        fitted
    }
}

/// Bytes a [`BoardIo::log_fmt`] line may hold.
pub const LOG_LINE_CAPACITY: usize = 160;

/// A fixed-capacity text buffer that refuses (with [`fmt::Error`]) what does not fit. It keeps
/// one byte in reserve for the `~` that marks a cut line, and cuts only at character boundaries.
struct StackLine {
    buf: [u8; LOG_LINE_CAPACITY],
    len: usize,
}

impl StackLine {
    const fn new() -> Self {
        Self {
            buf: [0; LOG_LINE_CAPACITY],
            len: 0,
        }
    }

    /// Appends `~` in the reserved byte.
    fn mark_cut(&mut self) {
        if let Some(b) = self.buf.get_mut(self.len) {
            *b = b'~';
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        self.buf
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl fmt::Write for StackLine {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let free = (LOG_LINE_CAPACITY - 1).saturating_sub(self.len);
        // The longest prefix that fits and ends on a character boundary.
        let mut take = s.len().min(free);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        if let (Some(dst), Some(src)) = (
            self.buf.get_mut(self.len..self.len + take),
            s.as_bytes().get(..take),
        ) {
            dst.copy_from_slice(src);
            self.len += take;
        }
        if take == s.len() {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// One press in a button script: `buttons` held for `polls` polls, then one poll released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    /// The buttons held.
    pub buttons: Buttons,
    /// For how many polls (at least 1).
    pub polls: usize,
}

impl Press {
    /// A short press: held for 2 polls.
    pub const fn tap(buttons: Buttons) -> Self {
        Self { buttons, polls: 2 }
    }

    /// A press held for `polls` polls.
    pub const fn hold(buttons: Buttons, polls: usize) -> Self {
        Self { buttons, polls }
    }
}

/// The number of polls a script of presses takes (each press: its polls plus one released).
pub const fn script_len(presses: &[Press]) -> usize {
    let mut len = 0;
    let mut k = 0;
    while k < presses.len() {
        len += presses[k].polls + 1;
        k += 1;
    }
    len
}

/// Expands presses into one [`Buttons`] per poll, for [`ScriptedIo`]: evaluated at compile time
/// into a `static` (`LEN` must be [`script_len`]`(presses)`, or the build fails).
///
/// ```ignore
/// const PRESSES: &[Press] = &[Press::tap(Buttons::A), Press::hold(Buttons::B, 50)];
/// static SCRIPT: [Buttons; script_len(PRESSES)] = expand(PRESSES);
/// ```
pub const fn expand<const LEN: usize>(presses: &[Press]) -> [Buttons; LEN] {
    assert!(
        LEN == script_len(presses),
        "expand: LEN must be script_len(presses)"
    );
    let mut out = [Buttons::NONE; LEN];
    let mut at = 0;
    let mut k = 0;
    while k < presses.len() {
        let mut j = 0;
        while j < presses[k].polls {
            out[at] = presses[k].buttons;
            at += 1;
            j += 1;
        }
        at += 1; // released
        k += 1;
    }
    out
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
