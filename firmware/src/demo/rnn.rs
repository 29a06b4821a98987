//! The path-integration demo (papers.md §3; `docs/rnn.md`): a recurrent network loaded from a blob
//! in flash integrates the velocity of a trajectory generated on the board, and the log compares
//! the true position with the position decoded from the network's place-cell readout.
//!
//! **The network is hand-built, not trained**: `engram_core::rnn::integrator_weights` with H = 64
//! ReLU units, W_hh = I, each unit tuned to one direction, a 12 × 12 grid of place-cell centres
//! (Np = 144) over the 2.2 m box, an encoder from the start position's Gaussian place code and a
//! readout whose logits are −‖x − c_j‖²/2σ² (σ = 0.12 m) up to a constant. It path-integrates
//! exactly while its states stay positive (everywhere in the box), so the decoding error is that
//! of the top-3 decoder on a grid with 18 cm spacing plus the encoder's centre-of-mass bias — a
//! known answer for the kernels, the int8 scheme and the board, until a trained network (the
//! trainer's export) replaces the blob. Both blobs are in flash (`firmware/data/`, regenerated
//! byte for byte by `core/tests/rnn_demo_blob.rs`): the f32 one (92 KB) and the int8 one
//! (26 KB, int8 weights with per-row scales, 16-bit activations).
//!
//! Each trajectory is Sorscher et al.'s walk ([`Walker`], 20 steps of dt = 0.02 s in the walled
//! 2.2 m box), keyed (`SEED`, 0, k) for the k-th trajectory, so every target draws the same paths
//! as the host. Every [`LOG_EVERY`] steps the demo logs the true position, both networks' decoded
//! positions (mean of the top-3 centres) and their errors, and the f32 readout's confidence (the
//! largest softmax probability); the display shows the true position and the f32 decoded one on
//! the 5 × 5 LEDs (each LED a 0.44 m square of the box).

use core::fmt;

use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile};
use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
use engram_core::rnn::{FixedRnn, Topology};
use engram_core::softmax::log_sum_exp;
use engram_core::{Error, Real as _, Result};

use crate::io::{BoardIo, Buttons, Frame};

/// Inputs I (the displacement per step).
pub const I: usize = 2;
/// Hidden units H.
pub const H: usize = 64;
/// Place cells Np.
pub const NP: usize = 144;
/// Steps per trajectory.
pub const STEPS: usize = 20;
/// Log a line every this many steps.
pub const LOG_EVERY: usize = 5;
/// The seed of the trajectories.
pub const SEED: u64 = 1;
/// Top-k of the decoder.
pub const K: usize = 3;
/// The claim's margin: the int8 network's mean final error is within the f32 one's + 2 cm.
pub const MARGIN_M: f32 = 0.02;

/// The network the demo runs.
pub type Net = FixedRnn<I, H, NP>;

/// Final-position errors accumulated over trajectories.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Trajectories run.
    pub trajectories: u32,
    /// Σ final error of the f32 network (m).
    pub sum_f32: f32,
    /// Σ final error of the int8 network (m).
    pub sum_i8: f32,
}

impl Summary {
    /// Mean final error of the f32 network (m).
    pub fn mean_f32(&self) -> f32 {
        self.sum_f32 / (self.trajectories.max(1) as f32)
    }

    /// Mean final error of the int8 network (m).
    pub fn mean_i8(&self) -> f32 {
        self.sum_i8 / (self.trajectories.max(1) as f32)
    }

    /// The demo's claim: it path-integrates (mean f32 error < 10 cm) and the int8 network's mean
    /// error is within the f32 one's + [`MARGIN_M`].
    pub fn claim_holds(&self) -> bool {
        self.trajectories > 0
            && self.mean_f32() < 0.10
            && self.mean_i8() <= self.mean_f32() + MARGIN_M
    }
}

/// The demo: the two networks (owned by the caller, so they live in one place on the stack) and
/// the running summary.
pub struct RnnDemo<'n> {
    f32_net: &'n mut Net,
    i8_net: &'n mut Net,
    next: u64,
    summary: Summary,
    was_a: bool,
}

/// Which LED of the 5 × 5 display covers `xy` in a box of side `side` centred on 0 (row 0 on top).
fn led(xy: [f32; 2], side: f32) -> (usize, usize) {
    let cell = |v: f32| {
        let k = ((v / side + 0.5) * 5.0) as i32;
        k.clamp(0, 4) as usize
    };
    (4 - cell(xy[1]), cell(xy[0]))
}

/// A signed position with 3 decimals, fixed width.
struct Pos([f32; 2]);

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:+.3}, {:+.3})", self.0[0], self.0[1])
    }
}

impl<'n> RnnDemo<'n> {
    /// The demo over the f32 and int8 networks, loaded by the caller with
    /// [`Net::from_blob`] from their blobs in flash.
    pub fn new(f32_net: &'n mut Net, i8_net: &'n mut Net) -> Self {
        Self {
            f32_net,
            i8_net,
            next: 0,
            summary: Summary::default(),
            was_a: false,
        }
    }

    /// The summary so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Logs the two networks (sizes, dtype, box) once.
    pub fn describe(&self, io: &mut impl BoardIo) {
        let m = self.f32_net.model();
        let _ = io.log_fmt(format_args!(
            "engram-demo rnn: hand-built integrator I={} H={} Np={} {} (f32 and int8 blobs in flash), walled box {} m, top-{} decoding",
            m.dims.inputs, m.dims.hidden, m.dims.places, m.meta.activation, m.meta.box_width, K
        ));
    }

    /// Button A (pressed, after being released) runs the next trajectory; otherwise nothing.
    ///
    /// Errors: those of [`run_trajectory`](Self::run_trajectory).
    pub fn poll(&mut self, io: &mut impl BoardIo) -> Result<()> {
        let Buttons { a, .. } = io.buttons();
        let pressed = a && !self.was_a;
        self.was_a = a;
        if pressed {
            self.run_trajectory(io)?;
        }
        Ok(())
    }

    /// Runs the next trajectory through both networks, logging every [`LOG_EVERY`] steps and
    /// showing the positions; returns the final errors (f32, int8) in metres.
    ///
    /// Errors: a kernel error (none for the committed blobs).
    pub fn run_trajectory(&mut self, io: &mut impl BoardIo) -> Result<(f32, f32)> {
        let k = self.next;
        self.next += 1;
        let model = *self.f32_net.model();
        let cfg = TrajectoryConfig::<f32>::sorscher();
        let mut walk = Walker::new(&cfg, TrajectoryKey::new(SEED, 0, k))?;
        let (x0, y0) = walk.start();
        let cells = PlaceCells::new(
            model.centres,
            PlaceConfig {
                sigma: model.meta.sigma,
                profile: PlaceProfile::Gaussian,
                box_size: model.meta.box_width,
                periodic: model.meta.periodic,
            },
        )?;
        let mut p = [0.0f32; NP];
        cells.encode([x0, y0], &mut p, &mut [])?;
        self.f32_net.encode(&p)?;
        self.i8_net.encode(&p)?;
        let _ = io.log_fmt(format_args!("traj {k} start {}", Pos([x0, y0])));
        let topology: Topology<f32> = model.meta.topology();
        let mut errors = (0.0f32, 0.0f32);
        let mut top = [0usize; K];
        for t in 1..=STEPS {
            let s = walk.step();
            let v = [s.dx, s.dy];
            self.f32_net.step(&v)?;
            self.i8_net.step(&v)?;
            if t % LOG_EVERY != 0 {
                continue;
            }
            let truth = [s.x, s.y];
            let df = self.f32_net.decode(&mut top)?;
            // The largest softmax probability, exp(max − log Σ exp), without a copy of the logits.
            let logits = self.f32_net.logits()?;
            let top_logit = logits
                .iter()
                .fold(f32::MIN, |m, &x| if x > m { x } else { m });
            let conf = (top_logit - log_sum_exp(logits)?).exp();
            let dq = self.i8_net.decode(&mut top)?;
            let (ef, eq) = (topology.distance(df, truth), topology.distance(dq, truth));
            errors = (ef, eq);
            let _ = io.log_fmt(format_args!(
                "traj {k} t={t:2} true {} f32 {} err {:5.1} cm conf {:.2} | int8 {} err {:5.1} cm",
                Pos(truth),
                Pos(df),
                100.0 * ef,
                conf,
                Pos(dq),
                100.0 * eq
            ));
            let mut frame: Frame = [[false; 5]; 5];
            for xy in [truth, df] {
                let (r, c) = led(xy, model.meta.box_width);
                if let Some(px) = frame.get_mut(r).and_then(|row| row.get_mut(c)) {
                    *px = true;
                }
            }
            io.show(&frame);
        }
        self.summary.trajectories += 1;
        self.summary.sum_f32 += errors.0;
        self.summary.sum_i8 += errors.1;
        if !(errors.0.is_finite() && errors.1.is_finite()) {
            return Err(Error::NonFinite {
                what: "rnn demo: decoding error",
            });
        }
        Ok(errors)
    }
}
