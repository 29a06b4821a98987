//! `rnn`: a path-integrating recurrent network, loaded from blobs in flash, integrates trajectories
//! generated on the board; the log compares true and decoded positions for the f32 and int8
//! networks. The logic is `engram_firmware::demo::rnn` (which says what the network is: a
//! hand-built integrator, not a trained one); this bin only picks the board:
//!
//! - `--features qemu` (every target): runs [`TRAJECTORIES`] trajectories and prints the log and a
//!   summary; exits 0 iff the demo's claim holds (mean f32 error < 10 cm, int8 within f32 + 2 cm).
//! - `--features board` (micro:bit v2): each press of button A runs the next trajectory; the LEDs
//!   show the true and the decoded position, the log goes over defmt; runs until reset.
#![no_std]
#![no_main]

use engram_firmware as fw;

/// The f32 network (92 KB of flash).
static F32_BLOB: &[u8] = engram_core::include_aligned!("../../data/rnn-integrator-f32.bin");
/// The int8 network (26 KB of flash).
static I8_BLOB: &[u8] = engram_core::include_aligned!("../../data/rnn-integrator-i8.bin");

/// Trajectories of the headless (QEMU) run.
#[cfg(all(feature = "qemu", not(feature = "board")))]
const TRAJECTORIES: usize = 6;

#[cfg(all(feature = "qemu", not(feature = "board")))]
mod scripted {
    use core::fmt::Write as _;

    use engram_firmware as fw;
    use fw::demo::rnn::{Net, RnnDemo, Summary};
    use fw::io::ScriptedIo;

    fn run(io: &mut ScriptedIo) -> engram_core::Result<Summary> {
        // Borrowed inside their `Result`s, not moved out: one copy of each network on the stack.
        let mut f32_net = Net::from_blob(super::F32_BLOB);
        let mut i8_net = Net::from_blob(super::I8_BLOB);
        let (f32_net, i8_net) = match (&mut f32_net, &mut i8_net) {
            (Ok(f), Ok(q)) => (f, q),
            (Err(e), _) | (_, Err(e)) => return Err((*e).into()),
        };
        let mut demo = RnnDemo::new(f32_net, i8_net);
        demo.describe(io);
        for _ in 0..super::TRAJECTORIES {
            demo.run_trajectory(io)?;
        }
        Ok(demo.summary())
    }

    pub fn main() -> ! {
        let mut io = ScriptedIo::new(fw::out::Writer::new(), &[]);
        let ok = match run(&mut io) {
            Ok(s) => {
                let claim = s.claim_holds();
                let mut out = fw::out::Writer::new();
                let _ = writeln!(
                    out,
                    "engram-demo rnn done: {} trajectories x {} steps, mean final error f32 {:.1} cm, int8 {:.1} cm ({})",
                    s.trajectories,
                    fw::demo::rnn::STEPS,
                    100.0 * s.mean_f32(),
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
        let mut demo = RnnDemo::new(f32_net, i8_net);
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
