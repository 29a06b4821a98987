//! `hopfield`: six letters (E N G R A M) stored in a 25-unit Hopfield network on the 5×5 LED
//! matrix; button A corrupts the shown letter, B steps the retrieval to the next pixel flip, A+B
//! shows the next letter, and a long press switches between the classical network (which fails at
//! this load, α = 0.24 > 0.138) and the dense associative memory F(x) = x⁵ (which retrieves). The
//! logic is `engram_firmware::demo::hopfield`; this bin only picks the board:
//!
//! - `--features qemu` (every target): the committed button script
//!   ([`SCRIPT`](fw::demo::hopfield::SCRIPT)) through `ScriptedIo`, frames and log as text; exits
//!   0 at the end of the script if the demo's claim held (classical failed at least once, dense
//!   retrieved every cue), 1 otherwise or on any error.
//! - `--features board` (micro:bit v2): the LED matrix and buttons A/B, log over defmt; runs
//!   until reset (an internal error exits through semihosting with status 1).
#![no_std]
#![no_main]

use engram_firmware as fw;

#[cfg(all(feature = "qemu", not(feature = "board")))]
mod scripted {
    use core::fmt::Write as _;

    use engram_firmware as fw;
    use fw::demo::hopfield::{HopfieldDemo, SCRIPT, Summary};
    use fw::io::{Buttons, ScriptedIo, expand, script_len};

    /// The script, one entry per button poll, in flash.
    static POLLS: [Buttons; script_len(SCRIPT)] = expand(SCRIPT);

    fn run(io: &mut ScriptedIo) -> engram_core::Result<Summary> {
        let mut demo = HopfieldDemo::new(io)?;
        while !io.script_done() {
            demo.poll(io)?;
        }
        Ok(demo.summary())
    }

    pub fn main() -> ! {
        let mut io = ScriptedIo::new(fw::out::Writer::new(), &POLLS);
        let ok = match run(&mut io) {
            Ok(s) => {
                let claim = s.claim_holds();
                let mut out = fw::out::Writer::new();
                let _ = writeln!(
                    out,
                    "engram-demo hopfield done: classical retrieved {}/{}, dense retrieved {}/{} ({})",
                    s.classical.retrieved,
                    s.classical.settled,
                    s.dense.retrieved,
                    s.dense.settled,
                    if claim { "as claimed" } else { "CLAIM FAILED" }
                );
                claim && out.flush().is_ok()
            }
            Err(e) => {
                let mut out = fw::out::Writer::new();
                let _ = writeln!(out, "engram-demo hopfield error {e}");
                let _ = out.flush();
                false
            }
        };
        let io_ok = io.ok();
        fw::finish(fw::out::Writer::new(), ok && io_ok)
    }
}

#[cfg(all(feature = "board", not(feature = "qemu")))]
mod microbit {
    use core::fmt::Write as _;

    use engram_firmware as fw;
    use fw::board::microbit::MicrobitIo;
    use fw::demo::hopfield::HopfieldDemo;

    pub fn main() -> ! {
        let Some(mut io) = MicrobitIo::take() else {
            let mut out = fw::out::Writer::new();
            let _ = writeln!(out, "engram-demo hopfield error: peripherals already taken");
            fw::exit(false)
        };
        let mut demo = match HopfieldDemo::new(&mut io) {
            Ok(demo) => demo,
            Err(e) => fail(e),
        };
        loop {
            if let Err(e) = demo.poll(&mut io) {
                fail(e)
            }
        }
    }

    fn fail(e: engram_core::Error) -> ! {
        let mut out = fw::out::Writer::new();
        let _ = writeln!(out, "engram-demo hopfield error {e}");
        let _ = out.flush();
        fw::exit(false)
    }
}

#[fw::entry]
fn main() -> ! {
    #[cfg(all(feature = "qemu", not(feature = "board")))]
    {
        scripted::main()
    }
    #[cfg(all(feature = "board", not(feature = "qemu")))]
    {
        microbit::main()
    }
    // Neither or both transports: the library's compile_error! explains.
    #[cfg(not(any(
        all(feature = "qemu", not(feature = "board")),
        all(feature = "board", not(feature = "qemu"))
    )))]
    {
        fw::exit(false)
    }
}
