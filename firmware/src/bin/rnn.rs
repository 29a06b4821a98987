//! `rnn`: a trained path-integrating recurrent network (the `board` preset of `engram rnn train`,
//! exported by `engram rnn export`), loaded from blobs in flash, integrates trajectories the board
//! generates; the log compares true and decoded positions. The logic is
//! `engram_firmware::demo::rnn`; this bin picks the board and the blobs it embeds:
//!
//! | image | embeds |
//! | --- | --- |
//! | `--features board` (micro:bit v2, 512 KB flash) | f32 (199 KB) and int8 (52 KB) |
//! | `--features qemu` (every target) | int8 only: the micro:bit v1 (256 KB) cannot hold the f32 blob beside the code, and every QEMU target must print the same blessed log |
//!
//! - `--features qemu`: the button script `demo::rnn::SCRIPT` through `ScriptedIo` until
//!   `TRAJECTORIES` trajectories are complete; prints the log and a summary and exits 0 iff the
//!   demo's claim holds (mean final error below 25 cm).
//! - `--features board` (micro:bit v2): one step every 100 ms, the LEDs show the true and the
//!   decoded position; A restarts with the next trajectory, B switches the LEDs between the f32
//!   and the int8 network; the log goes over defmt; runs until reset.
#![no_std]
#![no_main]

use engram_firmware as fw;

/// The f32 network (board image only).
#[cfg(all(feature = "board", not(feature = "qemu")))]
static F32_BLOB: &[u8] = engram_core::include_aligned!("../../data/rnn-board-f32.bin");
/// The int8 network.
static I8_BLOB: &[u8] = engram_core::include_aligned!("../../data/rnn-board-i8.bin");

#[cfg(all(feature = "qemu", not(feature = "board")))]
mod scripted {
    use core::fmt::Write as _;

    use engram_firmware as fw;
    use fw::demo::rnn::{Net, RnnDemo, SCRIPT, STEPS, Summary, TRAJECTORIES};
    use fw::io::{Buttons, ScriptedIo, expand, script_len};

    /// The script, one entry per button poll, in flash.
    static POLLS: [Buttons; script_len(SCRIPT)] = expand(SCRIPT);

    fn run(io: &mut ScriptedIo) -> engram_core::Result<Summary> {
        // Borrowed inside its `Result`, not moved out: one copy of the network on the stack.
        let mut i8_net = Net::from_blob(super::I8_BLOB);
        let i8_net = match &mut i8_net {
            Ok(q) => q,
            Err(e) => return Err((*e).into()),
        };
        let mut demo = RnnDemo::new(None, Some(i8_net))?;
        demo.describe(io);
        while demo.summary().trajectories < TRAJECTORIES {
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
                    "engram-demo rnn done: {} trajectories x {} steps, mean final error int8 {:.1} cm ({})",
                    s.trajectories,
                    STEPS,
                    100.0 * s.mean_i8(),
                    if claim { "as claimed" } else { "CLAIM FAILED" }
                );
                claim && out.flush().is_ok()
            }
            Err(e) => {
                let mut out = fw::out::Writer::new();
                let _ = writeln!(out, "engram-demo rnn error {e}");
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
    use fw::demo::rnn::{Net, RnnDemo};

    pub fn main() -> ! {
        let Some(mut io) = MicrobitIo::take() else {
            let mut out = fw::out::Writer::new();
            let _ = writeln!(out, "engram-demo rnn error: peripherals already taken");
            fw::exit(false)
        };
        // Borrowed inside their `Result`s, not moved out: one copy of each network on the stack.
        let mut f32_net = Net::from_blob(super::F32_BLOB);
        let mut i8_net = Net::from_blob(super::I8_BLOB);
        let (f32_net, i8_net) = match (&mut f32_net, &mut i8_net) {
            (Ok(f), Ok(q)) => (f, q),
            (Err(e), _) | (_, Err(e)) => fail((*e).into()),
        };
        let mut demo = match RnnDemo::new(Some(f32_net), Some(i8_net)) {
            Ok(d) => d,
            Err(e) => fail(e),
        };
        demo.describe(&mut io);
        loop {
            if let Err(e) = demo.poll(&mut io) {
                fail(e)
            }
        }
    }

    fn fail(e: engram_core::Error) -> ! {
        let mut out = fw::out::Writer::new();
        let _ = writeln!(out, "engram-demo rnn error {e}");
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
    #[cfg(not(any(
        all(feature = "qemu", not(feature = "board")),
        all(feature = "board", not(feature = "qemu"))
    )))]
    {
        fw::exit(false)
    }
}
