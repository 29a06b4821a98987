//! The path-integration demo (`docs/rnn.md`): a trained recurrent network loaded
//! from a blob in flash integrates the velocity of a trajectory the board generates itself, and
//! the log compares the true position with the position decoded from the network's place-cell
//! readout.
//!
//! **The network** is the `board` preset of `engram rnn train` (Sorscher et al.'s supervised
//! recipe at a micro:bit's size: H = 128 ReLU units, Np = 128 place cells with a difference-of-
//! softmaxes code, σ = 0.12 m, walled 2.2 m box, trained on 20-step walks), exported by
//! `engram rnn export` as an f32 blob and an int8 one (int8 weights with per-row scales, 16-bit
//! activations calibrated on held-out walks): `firmware/data/rnn-board-{f32,i8}.bin`. Which blobs
//! an image embeds is the bin's choice (`src/bin/rnn.rs`): the micro:bit v2 image both, the QEMU
//! images (every target, so that they print one blessed log) the int8 one only — the micro:bit v1
//! cannot hold the 199 KB f32 blob beside the code in its 256 KB of flash.
//!
//! Each trajectory is Sorscher et al.'s walk ([`Walker`], [`STEPS`] steps in the network's box,
//! dt from its metadata), keyed (`SEED`, 0, k) for the k-th trajectory — the same path on every
//! target and on the host, and not one the network was trained on (it was trained under seed 0).
//! The start's place code (the blob's kind and σ) sets g₀ = W_enc p(x₀); every network in the
//! image steps on the same inputs. One step every [`STEP_POLLS`] button polls (100 ms on the
//! micro:bit v2); every [`LOG_EVERY`] steps the demo logs the true position, each network's decoded
//! position (mean of the top-k centres) and error, and the shown network's confidence (largest
//! softmax probability), and shows the true and the decoded position on the 5 × 5 LEDs (each LED a
//! 0.44 m square of the box). After [`STEPS`] steps the next step starts the next trajectory.
//!
//! | input | action |
//! | --- | --- |
//! | A | restart: abandon this trajectory, start the next one |
//! | B | switch the network the LEDs show (f32 ↔ int8), if the image holds both |

use core::fmt;

use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile};
use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
use engram_core::rnn::{FixedRnn, Meta, PlaceCodeKind, Topology};
use engram_core::softmax::log_sum_exp;
use engram_core::{Error, Real as _, Result};

use crate::io::{BoardIo, Buttons, Frame, Press};

/// Inputs I (the displacement per step).
pub const I: usize = 2;
/// Hidden units H of the `board` network.
pub const H: usize = 128;
/// Place cells Np of the `board` network.
pub const NP: usize = 128;
/// Steps per trajectory (the training sequence length).
pub const STEPS: usize = 20;
/// Log a line every this many steps.
pub const LOG_EVERY: usize = 5;
/// Button polls per step.
pub const STEP_POLLS: usize = 10;
/// The seed of the trajectories (the network was trained under seed 0).
pub const SEED: u64 = 1;
/// Largest decoder k the demo supports (the blob's own k is used, at most this).
pub const K_MAX: usize = 8;
/// The demo's claim: mean final error below 25 cm (the `board` preset's target) ...
pub const CLAIM_M: f32 = 0.25;
/// ... and, with both networks, the int8 one's within the f32 one's + 2 cm.
pub const MARGIN_M: f32 = 0.02;

/// The network the demo runs.
pub type Net = FixedRnn<I, H, NP>;

/// Trajectories of the headless (QEMU) run.
pub const TRAJECTORIES: u32 = 6;

/// The QEMU button script: wait, B (switch the shown network), wait, A in the middle of a
/// trajectory (restart with the next one), then nothing: the run ends after [`TRAJECTORIES`]
/// completed trajectories.
pub const SCRIPT: &[Press] = &[
    Press::hold(Buttons::NONE, 60),
    Press::tap(Buttons::B),
    Press::hold(Buttons::NONE, 300),
    Press::tap(Buttons::A),
];

/// Final-position errors of completed trajectories.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Completed trajectories.
    pub trajectories: u32,
    /// Σ final error of the f32 network (m), if present.
    pub sum_f32: f32,
    /// Σ final error of the int8 network (m), if present.
    pub sum_i8: f32,
    /// Whether the image has the f32 network.
    pub has_f32: bool,
    /// Whether the image has the int8 network.
    pub has_i8: bool,
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

    /// The claim: every network's mean final error is below [`CLAIM_M`], and with both, int8 is
    /// within f32 + [`MARGIN_M`].
    pub fn claim_holds(&self) -> bool {
        let f = !self.has_f32 || self.mean_f32() < CLAIM_M;
        let q = !self.has_i8 || self.mean_i8() < CLAIM_M;
        let both = !(self.has_f32 && self.has_i8) || self.mean_i8() <= self.mean_f32() + MARGIN_M;
        self.trajectories > 0 && f && q && both
    }
}

/// The trajectory in progress.
struct Run {
    k: u64,
    t: usize,
    walk: Walker<f32>,
}

/// The demo: the networks (owned by the caller, so they live in one place on the stack), the
/// trajectory in progress and the running summary.
pub struct RnnDemo<'n> {
    f32_net: Option<&'n mut Net>,
    i8_net: Option<&'n mut Net>,
    /// The LEDs show the int8 network (else the f32 one).
    show_i8: bool,
    meta: Meta,
    next: u64,
    run: Option<Run>,
    polls: usize,
    summary: Summary,
    was: Buttons,
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

/// One network's decoded position and error at a logged step (`None`: not in the image).
type Decoded = Option<([f32; 2], f32)>;

/// " f32 (x, y) err e cm" or nothing.
struct Part(&'static str, Decoded);

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some((xy, e)) => write!(f, " | {} {} err {:5.1} cm", self.0, Pos(xy), 100.0 * e),
            None => Ok(()),
        }
    }
}

/// The place code the network's start state is encoded from (the blob's kind and σ; a
/// difference of softmaxes has surround variance scale s = ratio², the blob storing σ_surround/σ).
pub fn place_config(meta: &Meta) -> PlaceConfig<f32> {
    let profile = match meta.place_code {
        PlaceCodeKind::DifferenceOfSoftmaxes => PlaceProfile::DifferenceOfSoftmaxes {
            surround_scale: meta.surround * meta.surround,
        },
        _ => PlaceProfile::Gaussian,
    };
    PlaceConfig {
        sigma: meta.sigma,
        profile,
        box_size: meta.box_width,
        periodic: meta.periodic,
    }
}

/// The walk in the network's box (walled or periodic; dt from the metadata, 0.02 s if unknown).
pub fn walk_config(meta: &Meta) -> TrajectoryConfig<f32> {
    let base = if meta.periodic {
        TrajectoryConfig::periodic()
    } else {
        TrajectoryConfig::sorscher()
    };
    TrajectoryConfig {
        box_size: meta.box_width,
        dt: if meta.dt > 0.0 { meta.dt } else { base.dt },
        ..base
    }
}

impl<'n> RnnDemo<'n> {
    /// The demo over the networks the image holds (at least one), loaded by the caller with
    /// [`Net::from_blob`] from their blobs in flash. With both, they must be the same network
    /// (metadata and centres).
    ///
    /// Errors: [`Error::InvalidParameter`] with no network or two different ones.
    pub fn new(f32_net: Option<&'n mut Net>, i8_net: Option<&'n mut Net>) -> Result<Self> {
        let meta = match (&f32_net, &i8_net) {
            (Some(f), Some(q)) => {
                let (a, b) = (f.model(), q.model());
                if a.meta != b.meta || a.centres != b.centres {
                    return Err(Error::InvalidParameter {
                        what: "rnn demo: the f32 and int8 blobs are not the same network",
                    });
                }
                a.meta
            }
            (Some(n), None) | (None, Some(n)) => n.model().meta,
            (None, None) => {
                return Err(Error::InvalidParameter {
                    what: "rnn demo: no network",
                });
            }
        };
        if meta.decode_k > K_MAX || meta.box_width != meta.box_height {
            return Err(Error::InvalidParameter {
                what: "rnn demo: decode k above 8 or a non-square box",
            });
        }
        let summary = Summary {
            has_f32: f32_net.is_some(),
            has_i8: i8_net.is_some(),
            ..Summary::default()
        };
        Ok(Self {
            show_i8: f32_net.is_none(),
            f32_net,
            i8_net,
            meta,
            next: 0,
            run: None,
            polls: 0,
            summary,
            was: Buttons::NONE,
        })
    }

    /// The summary so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Logs the network (sizes, activation, box, place code, the blobs in this image) once.
    pub fn describe(&self, io: &mut impl BoardIo) {
        let Some(m) = self
            .f32_net
            .as_deref()
            .or(self.i8_net.as_deref())
            .map(Net::model)
        else {
            return;
        };
        let blobs = match (self.summary.has_f32, self.summary.has_i8) {
            (true, true) => "f32 and int8",
            (true, false) => "f32",
            _ => "int8",
        };
        let _ = io.log_fmt(format_args!(
            "engram-demo rnn: trained I={} H={} Np={} {}, {} box {} m, {} sigma {} m, top-{}; blobs: {}",
            m.dims.inputs,
            m.dims.hidden,
            m.dims.places,
            m.meta.activation,
            if m.meta.periodic { "periodic" } else { "walled" },
            m.meta.box_width,
            m.meta.place_code.name(),
            m.meta.sigma,
            m.meta.decode_k,
            blobs
        ));
    }

    /// One button poll: A (on press) restarts with the next trajectory, B switches the shown
    /// network; every [`STEP_POLLS`] polls the trajectory advances one step (a new one starts
    /// after the last step).
    ///
    /// Errors: those of [`step`](Self::step).
    pub fn poll(&mut self, io: &mut impl BoardIo) -> Result<()> {
        let now = io.buttons();
        let (a, b) = (now.a && !self.was.a, now.b && !self.was.b);
        self.was = now;
        if b {
            if self.summary.has_f32 && self.summary.has_i8 {
                self.show_i8 = !self.show_i8;
                let _ = io.log_fmt(format_args!(
                    "button B: the LEDs show the {} network",
                    if self.show_i8 { "int8" } else { "f32" }
                ));
            } else {
                io.log("button B: this image holds one network");
            }
        }
        if a {
            io.log("button A: restart");
            self.start(io)?;
        }
        self.polls += 1;
        if self.polls >= STEP_POLLS {
            self.polls = 0;
            self.step(io)?;
        }
        Ok(())
    }

    /// Starts the next trajectory: its start, the start's place code, g₀ of every network.
    ///
    /// Errors: a kernel error (none for the committed blobs).
    pub fn start(&mut self, io: &mut impl BoardIo) -> Result<()> {
        let k = self.next;
        self.next += 1;
        let walk = Walker::new(&walk_config(&self.meta), TrajectoryKey::new(SEED, 0, k))?;
        let (x0, y0) = walk.start();
        let centres = match self.f32_net.as_deref().or(self.i8_net.as_deref()) {
            Some(n) => n.model().centres,
            None => &[],
        };
        let cells = PlaceCells::new(centres, place_config(&self.meta))?;
        let (mut p, mut scratch) = ([0.0f32; NP], [0.0f32; NP]);
        cells.encode([x0, y0], &mut p, &mut scratch)?;
        for net in [self.f32_net.as_deref_mut(), self.i8_net.as_deref_mut()]
            .into_iter()
            .flatten()
        {
            net.encode(&p)?;
        }
        let _ = io.log_fmt(format_args!("traj {k} start {}", Pos([x0, y0])));
        self.run = Some(Run { k, t: 0, walk });
        Ok(())
    }

    /// One step of every network (starting the next trajectory first if none is in progress);
    /// logs and shows every [`LOG_EVERY`] steps; after the last step records the final errors.
    /// Returns the final errors (f32, int8; 0 for a network not in the image) when a trajectory
    /// completes.
    ///
    /// Errors: a kernel error (none for the committed blobs); a non-finite decoding error.
    pub fn step(&mut self, io: &mut impl BoardIo) -> Result<Option<(f32, f32)>> {
        if self.run.is_none() {
            self.start(io)?;
        }
        let Some(run) = self.run.as_mut() else {
            return Ok(None);
        };
        let s = run.walk.step();
        run.t += 1;
        let (k, t) = (run.k, run.t);
        let v = [s.dx, s.dy];
        for net in [self.f32_net.as_deref_mut(), self.i8_net.as_deref_mut()]
            .into_iter()
            .flatten()
        {
            net.step(&v)?;
        }
        if t % LOG_EVERY != 0 && t < STEPS {
            return Ok(None);
        }
        let truth = [s.x, s.y];
        let topology: Topology<f32> = self.meta.topology();
        let mut top = [0usize; K_MAX];
        let top = top.get_mut(..self.meta.decode_k).unwrap_or(&mut []);
        let mut decode = |net: Option<&mut Net>| -> Result<Decoded> {
            match net {
                Some(n) => {
                    let xy = n.decode(top)?;
                    Ok(Some((xy, topology.distance(xy, truth))))
                }
                None => Ok(None),
            }
        };
        let df = decode(self.f32_net.as_deref_mut())?;
        let dq = decode(self.i8_net.as_deref_mut())?;
        let shown = if self.show_i8 { dq } else { df };
        // The largest softmax probability of the shown network, exp(max − log Σ exp).
        let shown_net = if self.show_i8 {
            self.i8_net.as_deref_mut()
        } else {
            self.f32_net.as_deref_mut()
        };
        let conf = match shown_net {
            Some(n) => {
                let logits = n.logits()?;
                let top_logit = logits
                    .iter()
                    .fold(f32::MIN, |m, &x| if x > m { x } else { m });
                (top_logit - log_sum_exp(logits)?).exp()
            }
            None => 0.0,
        };
        let _ = io.log_fmt(format_args!(
            "traj {k} t={t:2} true {}{}{} conf {:.2}",
            Pos(truth),
            Part("f32", df),
            Part("int8", dq),
            conf
        ));
        let mut frame: Frame = [[false; 5]; 5];
        let mut lit = [truth, truth];
        if let Some((xy, _)) = shown {
            lit[1] = xy;
        }
        for xy in lit {
            let (r, c) = led(xy, self.meta.box_width);
            if let Some(px) = frame.get_mut(r).and_then(|row| row.get_mut(c)) {
                *px = true;
            }
        }
        io.show(&frame);
        if t < STEPS {
            return Ok(None);
        }
        let ef = df.map_or(0.0, |d| d.1);
        let eq = dq.map_or(0.0, |d| d.1);
        if !(ef.is_finite() && eq.is_finite()) {
            return Err(Error::NonFinite {
                what: "rnn demo: decoding error",
            });
        }
        self.summary.trajectories += 1;
        self.summary.sum_f32 += ef;
        self.summary.sum_i8 += eq;
        self.run = None;
        Ok(Some((ef, eq)))
    }
}
