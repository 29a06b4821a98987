//! The Hopfield demo (docs/hopfield.md): six letters, E N G R A M, stored as ±1 patterns of N = 25 on
//! the 5×5 LED matrix, retrieved by a classical Hopfield network and by a dense associative memory.
//!
//! Six patterns in 25 units is a load α = P/N = 0.24, far above the classical network's critical
//! load α_c ≈ 0.138 — and the letters are correlated besides (most share the left column), which
//! makes it worse. The classical network (Hebbian pattern form, [`PatternForm`]) therefore falls
//! into mixtures and spurious states, or onto the wrong letter, while the dense associative memory
//! with F(x) = x^[`DEGREE`] ([`PolyMemory`], Krotov & Hopfield 2016) retrieves the same cue.
//!
//! With these glyphs, even the *stored* G, R, A and M are not fixed points of the classical
//! network (only E and N are), so from a cue with [`FLIPS`] = 3 flipped pixels it never retrieves
//! G, R, A or M, and retrieves E and N from 76 % and 65 % of them. The dense memory retrieves
//! 3-flip cues about as often as an ideal nearest-neighbour lookup would (a host run of the core
//! over 200 random cues per letter: x⁵ retrieves 197, 172, 199, 189, 193, 177 of E N G R A M,
//! where the intended letter is the cue's strictly nearest for 192, 152, 197, 185, 187, 161 —
//! ties may go either way; x³ retrieves only 118 of the Ms). Hence x⁵ rather than x³. The committed [`SCRIPT`] (seed 1) shows the classical network retrieve
//! E but fail on G (clean and corrupted) and R, while the dense memory retrieves every cue: see
//! the table there.
//!
//! Pairwise Hamming distances of the glyphs below (E N G R A M):
//!
//! ```text
//!      E  N  G  R  A  M
//!   E  0 13  6  6  8 13
//!   N 13  0 13  9  9  2      N and M differ in 2 pixels only: a cue of either with
//!   G  6 13  0 12  8 13      2 or more flips may be as near the other letter, where
//!   R  6  9 12  0  4 11      even an ideal nearest-neighbour memory may "fail".
//!   A  8  9  8  4  0  9
//!   M 13  2 13 11  9  0
//! ```
//!
//! ## Controls ([`Event`], decoded from button polls by [`PressDecoder`])
//!
//! | input | action |
//! | --- | --- |
//! | A | corrupt: a new cue, the intended letter with [`FLIPS`] random pixels flipped |
//! | B | step: the asynchronous dynamics up to the next pixel flip (or the fixed point) |
//! | A+B together | next letter, shown clean (stepping it shows whether the stored letter is stable) |
//! | long press (A or B, [`LONG_PRESS_POLLS`] polls) | switch classical ↔ dense and show the last cue again |
//!
//! B runs asynchronous unit updates, in the sweep order the core's [`run_async`] would use, until
//! one unit **flips** (at most 2N − 1 updates); a whole sweep without a flip is the fixed point,
//! reported with its verdict. Why not one sweep per press: from a 3-pixel corruption one sweep
//! usually corrects everything at once, so there is nothing to watch. Why not one bare unit
//! update: a unit that agrees with its field does not change, so most presses would show nothing
//! and a retrieval would take dozens of presses. One flip per press makes the pattern visibly
//! settle pixel by pixel, each press strictly lowering the energy. The stepped trajectory *is*
//! `run_async`'s: each presentation of a cue keys its own stream of sweep orders, and at the first
//! fixed point the demo replays `run_async` from the cue with that stream and checks that it ends
//! in the same state, with the same overlaps, after the same number of sweeps.
//!
//! ## Randomness
//!
//! Everything is deterministic from [`SEED`]: the k-th presentation (cue) draws its flipped pixels
//! from `Rng::keyed(SEED, ["demo/hopfield/cue", k])` and its sweep orders from
//! `Rng::keyed(SEED, ["demo/hopfield/sweeps", k, net])`, so a script of presses always gives the
//! same output, on every target.
//!
//! ## Log
//!
//! One line per action, through [`BoardIo::log`] (semihosting under QEMU, defmt on the board): the
//! energy of the active network (classical E = −½(Σ_μ m_μ² − P N), dense E = −Σ_μ m_μ⁵, both
//! exact integers), the overlap m = ξ·s with the intended letter (25 = retrieved) and the nearest
//! stored letter with its overlap.

use core::fmt;

use engram_core::hopfield::{
    BinaryMemory, Outcome, PatternForm, PolyMemory, flip_exactly, overlap, run_async, sweep_order,
    update_unit,
};
use engram_core::rng::{Rng, key_str};
use engram_core::{Error, Result};

use crate::io::{BoardIo, Buttons, Frame, Press};

/// Units: the 5×5 display, unit 5·row + column (row 0 on top).
pub const N: usize = 25;
/// Stored letters.
pub const P: usize = 6;
/// Degree n of the dense memory's F(x) = xⁿ.
pub const DEGREE: u32 = 5;
/// Pixels flipped by a corruption (button A).
pub const FLIPS: usize = 3;
/// The seed of every random draw of the demo.
pub const SEED: u64 = 1;
/// Polls a button must be held for a long press. The board polls once per display refresh
/// (10 ms), so this is half a second.
pub const LONG_PRESS_POLLS: usize = 50;

const A: Press = Press::tap(Buttons::A);
const B: Press = Press::tap(Buttons::B);
const A_AND_B: Press = Press::tap(Buttons::AB);
const LONG_A: Press = Press::hold(Buttons::A, LONG_PRESS_POLLS + 5);
const LONG_B: Press = Press::hold(Buttons::B, LONG_PRESS_POLLS + 5);

/// The button script the QEMU image runs through [`ScriptedIo`](crate::io::ScriptedIo) (one
/// [`Press`] per entry; B presses: one per pixel flip, plus one that finds the fixed point).
///
/// | presses | what the log shows |
/// | --- | --- |
/// | A, B×4 | E with 3 pixels flipped (overlap 19): the classical network retrieves E |
/// | long B, B×4 | the same cue on the dense memory: retrieves E |
/// | long A, A+B ×2, B×4 | back to classical; letter G, clean: the classical network moves even the stored G into a spurious state (overlap 19, nearest E) |
/// | A, B×8 | G with 3 flips: 7 flips later a spurious state (overlap with G 9, nearest A 21) — FAILED |
/// | long B, B×4 | the same cue on the dense memory: retrieves G (overlap 25) |
/// | A, B×4 | a new corrupted G, dense: retrieves G |
/// | A+B, A, B×4 | letter R with 3 flips, dense: retrieves R |
/// | long B, B×6 | the same R cue on the classical network: spurious state (overlap 17, nearest A 21) — FAILED |
#[rustfmt::skip]
pub const SCRIPT: &[Press] = &[
    A, B, B, B, B,
    LONG_B, B, B, B, B,
    LONG_A, A_AND_B, A_AND_B, B, B, B, B,
    A, B, B, B, B, B, B, B, B,
    LONG_B, B, B, B, B,
    A, B, B, B, B,
    A_AND_B, A, B, B, B, B,
    LONG_B, B, B, B, B, B, B,
];

/// The letters' names, in storage order.
pub const NAMES: [char; P] = ['E', 'N', 'G', 'R', 'A', 'M'];

/// Packs a 5×5 glyph (`#` lit = +1, anything else −1) into one word: bit 5·row + column.
const fn glyph(rows: [&[u8; 5]; 5]) -> u32 {
    let mut word = 0u32;
    let mut r = 0;
    while r < 5 {
        let mut c = 0;
        while c < 5 {
            if rows[r][c] == b'#' {
                word |= 1 << (5 * r + c);
            }
            c += 1;
        }
        r += 1;
    }
    word
}

/// The stored letters, one packed ±1 pattern (one `u32`) each, in flash.
pub static LETTERS: [u32; P] = [
    glyph([b"#####", b"#....", b"####.", b"#....", b"#####"]), // E
    glyph([b"#...#", b"##..#", b"#.#.#", b"#..##", b"#...#"]), // N
    glyph([b".####", b"#....", b"#..##", b"#...#", b".####"]), // G
    glyph([b"####.", b"#...#", b"####.", b"#..#.", b"#...#"]), // R
    glyph([b".###.", b"#...#", b"#####", b"#...#", b"#...#"]), // A
    glyph([b"#...#", b"##.##", b"#.#.#", b"#...#", b"#...#"]), // M
];

/// The display frame of a packed state.
pub fn frame_of(state: u32) -> Frame {
    let mut frame = [[false; 5]; 5];
    for (r, row) in frame.iter_mut().enumerate() {
        for (c, lit) in row.iter_mut().enumerate() {
            *lit = (state >> (5 * r + c)) & 1 == 1;
        }
    }
    frame
}

/// Which network retrieves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// Classical Hopfield network, Hebbian weights (pattern form).
    Classical,
    /// Dense associative memory, F(x) = x^[`DEGREE`].
    Dense,
}

impl Net {
    /// Its name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Net::Classical => "classical",
            Net::Dense => "dense",
        }
    }

    fn other(self) -> Self {
        match self {
            Net::Classical => Net::Dense,
            Net::Dense => Net::Classical,
        }
    }

    fn key(self) -> u64 {
        match self {
            Net::Classical => 0,
            Net::Dense => 1,
        }
    }
}

/// A decoded button action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A alone, released before a long press.
    A,
    /// B alone, released before a long press.
    B,
    /// A and B both down at some poll of one press (a chord), released before a long press.
    Both,
    /// A press held for [`LONG_PRESS_POLLS`] polls: reported while still held, once.
    Long,
}

/// Turns button polls into [`Event`]s. A press lasts from the first poll with a button down to
/// the first poll with none; short presses are reported at release, a long press as soon as it
/// reaches [`LONG_PRESS_POLLS`] (its release is then ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PressDecoder {
    held: usize,
    a: bool,
    b: bool,
    long_sent: bool,
}

impl PressDecoder {
    /// A decoder with no press in progress.
    pub const fn new() -> Self {
        Self {
            held: 0,
            a: false,
            b: false,
            long_sent: false,
        }
    }

    /// Feeds one poll; returns the event it completes, if any.
    pub fn feed(&mut self, now: Buttons) -> Option<Event> {
        if now.a || now.b {
            self.held = self.held.saturating_add(1);
            self.a |= now.a;
            self.b |= now.b;
            if self.held >= LONG_PRESS_POLLS && !self.long_sent {
                self.long_sent = true;
                return Some(Event::Long);
            }
            return None;
        }
        if self.held == 0 {
            return None;
        }
        let event = match (self.long_sent, self.a, self.b) {
            (true, _, _) => None,
            (false, true, true) => Some(Event::Both),
            (false, true, false) => Some(Event::A),
            (false, false, _) => Some(Event::B),
        };
        *self = Self::new();
        event
    }
}

/// Retrievals of one network: presentations stepped to a fixed point, and how many of those
/// ended exactly on the intended letter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Presentations that reached a fixed point.
    pub settled: u32,
    /// Of those, the ones whose fixed point is the intended letter (overlap 25).
    pub retrieved: u32,
}

/// What the demo has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// The classical network's retrievals.
    pub classical: Tally,
    /// The dense memory's retrievals.
    pub dense: Tally,
    /// Log lines that did not fit [`LOG_LINE_CAPACITY`](crate::io::LOG_LINE_CAPACITY).
    pub cut_lines: u32,
}

impl Summary {
    /// The demo's claim: the classical network failed at least once and the dense memory
    /// retrieved every cue it settled, and every log line was whole.
    pub fn claim_holds(&self) -> bool {
        self.classical.retrieved < self.classical.settled
            && self.dense.settled > 0
            && self.dense.retrieved == self.dense.settled
            && self.cut_lines == 0
    }
}

/// The demo's state machine: feed it one button poll at a time with [`poll`](Self::poll).
#[derive(Debug, Clone)]
pub struct HopfieldDemo {
    classical: PatternForm<'static>,
    dense: PolyMemory<'static>,
    net: Net,
    letter: usize,
    /// Presentations so far (the key of the current cue's randomness).
    presentation: u64,
    cue: [u32; 1],
    state: [u32; 1],
    /// Overlaps with every letter: the cache of both networks.
    overlaps: [i32; P],
    /// The current sweep's unit order, and the next position in it (N: draw a new order).
    order: [u16; N],
    pos: usize,
    /// Sweep orders of the current presentation.
    rng: Rng,
    /// Sweeps started since the cue was shown, and the flips in the latest one.
    sweeps: usize,
    flips_this_sweep: usize,
    /// B presses since the cue was shown.
    steps: usize,
    /// Whether the fixed point has been reported.
    settled: bool,
    decoder: PressDecoder,
    summary: Summary,
}

impl HopfieldDemo {
    /// Builds both networks, logs the set-up and shows the first letter, clean, on the classical
    /// network.
    ///
    /// Errors: those of [`PatternForm::new`] and [`PolyMemory::new`] (none for these constants).
    pub fn new(io: &mut impl BoardIo) -> Result<Self> {
        let classical = PatternForm::new(&LETTERS, P, N)?;
        let dense = PolyMemory::new(classical, DEGREE)?;
        let mut demo = Self {
            classical,
            dense,
            net: Net::Classical,
            letter: 0,
            presentation: 0,
            cue: [0],
            state: [0],
            overlaps: [0; P],
            order: [0; N],
            pos: N,
            rng: Rng::seed_from_u64(SEED),
            sweeps: 0,
            flips_this_sweep: 0,
            steps: 0,
            settled: false,
            decoder: PressDecoder::new(),
            summary: Summary::default(),
        };
        let mut names = [0u8; P];
        for (b, c) in names.iter_mut().zip(NAMES) {
            *b = c as u8;
        }
        let names = core::str::from_utf8(&names).unwrap_or("?");
        demo.say(
            io,
            format_args!(
                "engram-demo hopfield N={N} P={P} letters={names} load=0.24 (classical limit 0.138) \
                 dense=x^{DEGREE} flips={FLIPS} seed={SEED}"
            ),
        );
        demo.show_letter(io)?;
        Ok(demo)
    }

    /// Polls the buttons once and performs the action a completed press asks for.
    ///
    /// Errors: those of the core's update rules (none for a consistent state), and
    /// [`Error::InvalidParameter`] if a stepped retrieval ever differs from [`run_async`]'s.
    pub fn poll(&mut self, io: &mut impl BoardIo) -> Result<()> {
        match self.decoder.feed(io.buttons()) {
            Some(Event::A) => self.corrupt(io),
            Some(Event::B) => self.step(io),
            Some(Event::Both) => {
                self.letter = (self.letter + 1) % P;
                self.show_letter(io)
            }
            Some(Event::Long) => {
                self.net = self.net.other();
                let net = self.net.name();
                self.say(io, format_args!("switch to {net}: the same cue again"));
                self.present(io, "cue again")
            }
            None => Ok(()),
        }
    }

    /// The retrievals so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// The network in use.
    pub fn net(&self) -> Net {
        self.net
    }

    /// The displayed state (packed, bit 5·row + column).
    pub fn state(&self) -> u32 {
        self.state[0]
    }

    fn say(&mut self, io: &mut impl BoardIo, args: fmt::Arguments<'_>) {
        if io.log_fmt(args).is_err() {
            self.summary.cut_lines += 1;
        }
    }

    fn letter_pattern(&self) -> u32 {
        LETTERS.get(self.letter).copied().unwrap_or(0)
    }

    fn letter_name(&self) -> char {
        NAMES.get(self.letter).copied().unwrap_or('?')
    }

    /// The intended letter, clean.
    fn show_letter(&mut self, io: &mut impl BoardIo) -> Result<()> {
        self.presentation += 1;
        self.cue = [self.letter_pattern()];
        let name = self.letter_name();
        self.say(io, format_args!("letter {name}"));
        self.present(io, "clean")
    }

    /// A fresh cue: the intended letter with [`FLIPS`] pixels flipped.
    fn corrupt(&mut self, io: &mut impl BoardIo) -> Result<()> {
        self.presentation += 1;
        let mut rng = Rng::keyed(SEED, &[key_str("demo/hopfield/cue"), self.presentation]);
        self.cue = [self.letter_pattern()];
        flip_exactly(&mut self.cue, N, FLIPS, &mut rng)?;
        self.present(io, "corrupted")
    }

    fn sweep_rng(&self) -> Rng {
        Rng::keyed(
            SEED,
            &[
                key_str("demo/hopfield/sweeps"),
                self.presentation,
                self.net.key(),
            ],
        )
    }

    /// Shows the cue on the active network: state = cue, fresh sweep stream.
    fn present(&mut self, io: &mut impl BoardIo, what: &str) -> Result<()> {
        self.state = self.cue;
        self.rng = self.sweep_rng();
        self.pos = N;
        self.sweeps = 0;
        self.flips_this_sweep = 0;
        self.steps = 0;
        self.settled = false;
        self.classical.init_cache(&self.state, &mut self.overlaps)?;
        let (name, net) = (self.letter_name(), self.net.name());
        let (m, energy) = (self.overlap()?, self.energy()?);
        let (near, near_m) = self.nearest();
        self.say(
            io,
            format_args!(
                "cue {name} {what} net={net} energy={energy} overlap={m} nearest={near}:{near_m}"
            ),
        );
        io.show(&frame_of(self.state[0]));
        Ok(())
    }

    /// Asynchronous unit updates in the current sweep order (drawing a new order at the end of a
    /// sweep) until one flips its unit — returned — or a whole sweep flips none: `None`, a fixed
    /// point. At most 2N − 1 updates; at a fixed point, none.
    fn advance(&mut self) -> Result<Option<usize>> {
        loop {
            if self.pos >= N {
                if self.sweeps > 0 && self.flips_this_sweep == 0 {
                    return Ok(None);
                }
                sweep_order(&mut self.order, &mut self.rng)?;
                self.sweeps += 1;
                self.pos = 0;
                self.flips_this_sweep = 0;
            }
            let unit = self.order.get(self.pos).map_or(N, |&u| usize::from(u));
            self.pos += 1;
            let flipped = match self.net {
                Net::Classical => {
                    update_unit(&self.classical, &mut self.state, &mut self.overlaps, unit)?
                }
                Net::Dense => update_unit(&self.dense, &mut self.state, &mut self.overlaps, unit)?,
            };
            if flipped {
                self.flips_this_sweep += 1;
                return Ok(Some(unit));
            }
        }
    }

    /// Button B: runs the dynamics to the next pixel flip and shows it, or reports the fixed point.
    fn step(&mut self, io: &mut impl BoardIo) -> Result<()> {
        let flipped = self.advance()?;
        self.steps += 1;
        let (net, steps, sweep) = (self.net.name(), self.steps, self.sweeps);
        let (m, energy) = (self.overlap()?, self.energy()?);
        let (near, near_m) = self.nearest();
        let Some(unit) = flipped else {
            self.say(
                io,
                format_args!(
                    "step {steps} net={net} sweep {sweep}: no pixel flips energy={energy} \
                     overlap={m} nearest={near}:{near_m}"
                ),
            );
            if !self.settled {
                self.settled = true;
                self.check_replay()?;
                self.report_fixed_point(io, m);
            }
            return Ok(());
        };
        let (row, col) = (unit / 5, unit % 5);
        let lit = if (self.state[0] >> unit) & 1 == 1 {
            "on"
        } else {
            "off"
        };
        self.say(
            io,
            format_args!(
                "step {steps} net={net} sweep {sweep}: pixel ({row},{col}) {lit} energy={energy} \
                 overlap={m} nearest={near}:{near_m}"
            ),
        );
        io.show(&frame_of(self.state[0]));
        Ok(())
    }

    fn report_fixed_point(&mut self, io: &mut impl BoardIo, m: i32) {
        let retrieved = self.state[0] == self.letter_pattern();
        let tally = match self.net {
            Net::Classical => &mut self.summary.classical,
            Net::Dense => &mut self.summary.dense,
        };
        tally.settled += 1;
        tally.retrieved += u32::from(retrieved);
        let (net, sweeps, name) = (self.net.name(), self.sweeps, self.letter_name());
        let other = LETTERS.iter().position(|&l| l == self.state[0]);
        let (near, near_m) = self.nearest();
        match (retrieved, other.and_then(|k| NAMES.get(k))) {
            (true, _) => self.say(
                io,
                format_args!(
                    "fixed point net={net} after {sweeps} sweeps: retrieved {name} (overlap {m})"
                ),
            ),
            (false, Some(wrong)) => self.say(
                io,
                format_args!(
                    "fixed point net={net} after {sweeps} sweeps: FAILED, wrong letter {wrong} \
                     (overlap with {name} {m})"
                ),
            ),
            (false, None) => self.say(
                io,
                format_args!(
                    "fixed point net={net} after {sweeps} sweeps: FAILED, spurious state \
                     (overlap with {name} {m}, nearest {near}:{near_m})"
                ),
            ),
        }
    }

    /// Replays this presentation with the core's [`run_async`]: same stream of sweep orders, so it
    /// must reach the same fixed point after the same number of sweeps.
    fn check_replay(&self) -> Result<()> {
        let mut s = self.cue;
        let mut m = [0i32; P];
        let mut order = [0u16; N];
        let mut rng = self.sweep_rng();
        let out = match self.net {
            Net::Classical => run_async(
                &self.classical,
                &mut s,
                &mut m,
                &mut order,
                &mut rng,
                self.sweeps,
            )?,
            Net::Dense => run_async(
                &self.dense,
                &mut s,
                &mut m,
                &mut order,
                &mut rng,
                self.sweeps,
            )?,
        };
        let fixed = Outcome::FixedPoint {
            sweeps: self.sweeps,
        };
        if out == fixed && s == self.state && m == self.overlaps {
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                what: "hopfield demo: the stepped retrieval differs from run_async",
            })
        }
    }

    /// Overlap of the state with the intended letter.
    fn overlap(&self) -> Result<i32> {
        overlap(&self.state, &[self.letter_pattern()], N)
    }

    /// The active network's energy (exact; the classical one widened from `i64`).
    fn energy(&self) -> Result<i128> {
        match self.net {
            Net::Classical => self
                .classical
                .energy(&self.state, &self.overlaps)
                .map(i128::from),
            Net::Dense => self.dense.energy(&self.state, &self.overlaps),
        }
    }

    /// The stored letter with the largest overlap (the first on a tie), and that overlap.
    fn nearest(&self) -> (char, i32) {
        let mut best = ('?', i32::MIN);
        for (&m, &name) in self.overlaps.iter().zip(NAMES.iter()) {
            if m > best.1 {
                best = (name, m);
            }
        }
        best
    }
}
