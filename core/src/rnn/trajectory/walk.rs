//! The supervised recipe's random walk in a square box, walled or periodic.

use super::geometry::{wrap_angle, wrap_coord};
use crate::error::check_len;
use crate::rng::{Rng, key_str};
use crate::{Error, Real, Result};

/// The largest Rayleigh draw the generator can make in units of the scale b:
/// √(−2 ln 2⁻⁵³) ≈ 8.5717 for `f64` (uniforms in (0, 1] have 53 bits), √(−2 ln 2⁻²⁴) ≈ 5.768
/// for `f32`; rounded up to cover both.
pub const RAYLEIGH_DRAW_MAX: f64 = 8.572;

/// What happens at the edges of the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Boundary {
    /// Solid walls with the original's avoidance rule (slow down and turn away near a wall).
    Walled,
    /// A torus: no walls; positions wrap into [−L/2, L/2) after every step.
    Periodic,
}

/// The walk's parameters. [`sorscher`](Self::sorscher) gives the published values.
///
/// Per step (dt seconds), from the state (x, y, θ) before the step:
///
/// ```text
/// v  ~ Rayleigh(b)                    v = b·√(−2 ln u), u uniform in (0, 1]
/// z  ~ N(0, 1)                        Box–Muller (Rng::normal)
/// walled and d_wall < border and |a| < π/2:      (a = heading relative to the nearest wall's normal)
///     v ← v · wall_speed_factor,  turn_wall = sign(a)·(π/2 − |a|)
/// turn = turn_wall + dt·(μ + σ·z)
/// (dx, dy) = (v·dt)·(cos θ, sin θ)    the step's input (m)
/// (x, y) ← (x, y) + (dx, dy)          periodic: each coordinate wrapped into [−L/2, L/2)
/// θ ← wrap(θ + turn) into [−π, π)
/// ```
///
/// As in the original, the turn computed near a wall applies from the *next* step: the step
/// itself still moves along θ, at a quarter of the speed. See `docs/trajectories.md`.
///
/// ```
/// use engram_core::rnn::trajectory::{Boundary, TrajectoryConfig};
/// let cfg = TrajectoryConfig::<f64>::sorscher();
/// assert_eq!(cfg.box_size, 2.2);
/// assert_eq!(cfg.turn_sigma, 11.52);
/// assert_eq!(TrajectoryConfig::<f64>::periodic().boundary, Boundary::Periodic);
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrajectoryConfig<T> {
    /// Side L of the square box centred on 0 (m); default 2.2.
    pub box_size: T,
    /// Time step (s); default 0.02.
    pub dt: T,
    /// Rayleigh scale b of the speed (m/s); default 0.13·2π.
    pub speed_scale: T,
    /// Standard deviation σ of the random turning rate (rad/s); default 5.76·2 = 11.52.
    pub turn_sigma: T,
    /// Mean μ of the random turning rate (rad/s); default 0.
    pub turn_mean: T,
    /// Distance to a wall under which the avoidance rule acts (m); default 0.03.
    pub border: T,
    /// Speed factor of a step taken near a wall heading into it; default 0.25.
    pub wall_speed_factor: T,
    /// Walls or a torus.
    pub boundary: Boundary,
}

impl<T: Real> TrajectoryConfig<T> {
    /// The published walled configuration: L = 2.2 m, dt = 0.02 s, b = 0.13·2π m/s,
    /// σ = 11.52 rad/s, μ = 0, border 0.03 m, wall speed factor 0.25.
    pub fn sorscher() -> Self {
        Self {
            box_size: T::from_f64(2.2),
            dt: T::from_f64(0.02),
            speed_scale: T::from_f64(0.13 * 2.0 * core::f64::consts::PI),
            turn_sigma: T::from_f64(5.76 * 2.0),
            turn_mean: T::ZERO,
            border: T::from_f64(0.03),
            wall_speed_factor: T::from_f64(0.25),
            boundary: Boundary::Walled,
        }
    }

    /// [`sorscher`](Self::sorscher) on a torus (the original's `periodic` option).
    pub fn periodic() -> Self {
        Self {
            boundary: Boundary::Periodic,
            ..Self::sorscher()
        }
    }

    /// The largest possible displacement of one step: `RAYLEIGH_DRAW_MAX`·b·dt (m).
    pub fn max_step(&self) -> T {
        T::from_f64(RAYLEIGH_DRAW_MAX) * self.speed_scale * self.dt
    }

    /// Checks every parameter: all finite; L > 0, dt > 0, b ≥ 0, σ ≥ 0, border ≥ 0,
    /// wall speed factor in [0, 1]; and one step shorter than L (so a periodic wrap needs one
    /// correction).
    pub fn validate(&self) -> Result<()> {
        let all = [
            self.box_size,
            self.dt,
            self.speed_scale,
            self.turn_sigma,
            self.turn_mean,
            self.border,
            self.wall_speed_factor,
        ];
        if !all.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite {
                what: "trajectory config",
            });
        }
        let rule = |ok: bool, what: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(Error::InvalidParameter { what })
            }
        };
        rule(self.box_size > T::ZERO, "trajectory: box size must be > 0")?;
        rule(self.dt > T::ZERO, "trajectory: dt must be > 0")?;
        rule(
            self.speed_scale >= T::ZERO,
            "trajectory: speed scale must be >= 0",
        )?;
        rule(
            self.turn_sigma >= T::ZERO,
            "trajectory: turn sigma must be >= 0",
        )?;
        rule(self.border >= T::ZERO, "trajectory: border must be >= 0")?;
        rule(
            self.wall_speed_factor >= T::ZERO && self.wall_speed_factor <= T::ONE,
            "trajectory: wall speed factor must be in [0, 1]",
        )?;
        rule(
            self.max_step() < self.box_size,
            "trajectory: the largest step (8.572 b dt) must be shorter than the box",
        )
    }
}

impl<T: Real> Default for TrajectoryConfig<T> {
    fn default() -> Self {
        Self::sorscher()
    }
}

/// The key of one trajectory's random stream: `Rng::keyed(seed, [key_str("rnn_trajectory"),
/// batch, index])`. A path depends on these three numbers and the config only, so the host, the
/// trainer (any thread count, any sharding) and a board draw the same path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TrajectoryKey {
    /// Master seed.
    pub seed: u64,
    /// Batch (training step) number.
    pub batch: u64,
    /// Index of the trajectory within its batch.
    pub index: u64,
}

impl TrajectoryKey {
    /// The key (seed, batch, index).
    pub const fn new(seed: u64, batch: u64, index: u64) -> Self {
        Self { seed, batch, index }
    }

    /// The stream of a named purpose (`"rnn_trajectory"`, `"rnn_ssl_perm"`, …) for this key.
    pub(crate) fn rng(&self, purpose: &str) -> Rng {
        Rng::keyed(self.seed, &[key_str(purpose), self.batch, self.index])
    }
}

/// One step of a walk: the state after it, and its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step<T> {
    /// Position after the step (m); wrapped into [−L/2, L/2) on the torus.
    pub x: T,
    /// Position after the step (m).
    pub y: T,
    /// The heading the step moved along (rad, in [−π, π)): the original's `target_hd`.
    pub heading: T,
    /// Displacement of the step (m): the network's input, (v·dt)·cos θ.
    pub dx: T,
    /// Displacement of the step (m): (v·dt)·sin θ.
    pub dy: T,
    /// Speed of the step (m/s), after any wall slowdown.
    pub speed: T,
    /// Whether the wall rule acted on this step (slowed it and turned the next heading).
    pub slowed: bool,
}

/// One trajectory, generated a step at a time in constant memory.
///
/// [`new`](Self::new) draws the start (x, y uniform in the box, θ uniform in [0, 2π)) and then
/// takes one step whose output is discarded, as the original does (it generates T + 1 steps and
/// starts the sequence at the position after the first); [`start`](Self::start) is the position
/// after that step, the network's initial position. Each step consumes exactly three 64-bit draws
/// (one uniform for the speed, two for the Gaussian turn), whatever the boundary, so a walled and
/// a periodic walk with the same key draw the same speeds and turns.
#[derive(Debug, Clone)]
pub struct Walker<T> {
    cfg: TrajectoryConfig<T>,
    rng: Rng,
    x: T,
    y: T,
    heading: T,
    start: (T, T),
}

impl<T: Real> Walker<T> {
    /// Starts the trajectory keyed by `key` (see [`TrajectoryKey`]).
    ///
    /// Errors: [`Error::InvalidParameter`] / [`Error::NonFinite`] from [`TrajectoryConfig::validate`].
    pub fn new(cfg: &TrajectoryConfig<T>, key: TrajectoryKey) -> Result<Self> {
        cfg.validate()?;
        let mut rng = key.rng("rnn_trajectory");
        let half = cfg.box_size * T::from_f64(0.5);
        let x = cfg.box_size * rng.uniform::<T>() - half;
        let y = cfg.box_size * rng.uniform::<T>() - half;
        let heading = wrap_angle((T::PI + T::PI) * rng.uniform::<T>());
        let mut w = Self {
            cfg: *cfg,
            rng,
            x,
            y,
            heading,
            start: (x, y),
        };
        // The original's step t = 0: taken, never shown to the network.
        w.step();
        w.start = (w.x, w.y);
        Ok(w)
    }

    /// The position the sequence starts from (before its first step): the original's
    /// `init_x, init_y`.
    pub fn start(&self) -> (T, T) {
        self.start
    }

    /// The current position.
    pub fn position(&self) -> (T, T) {
        (self.x, self.y)
    }

    /// The heading the next step will move along, in [−π, π).
    pub fn heading(&self) -> T {
        self.heading
    }

    /// The wall rule for the current state: `Some(turn)` when the nearest wall is closer than
    /// the border and the heading points into it (|a| < π/2), with turn = sign(a)·(π/2 − |a|).
    fn wall_turn(&self) -> Option<T> {
        let half = self.cfg.box_size * T::from_f64(0.5);
        let quarter = T::PI * T::from_f64(0.5);
        // Walls in the original's order: right (θ = 0), top (π/2), left (π), bottom (3π/2);
        // the first minimal distance wins, like numpy's argmin.
        let dists = [half - self.x, half - self.y, half + self.x, half + self.y];
        let normals = [T::ZERO, quarter, T::PI, T::PI * T::from_f64(1.5)];
        let mut best = 0usize;
        let mut d_wall = dists[0];
        for (i, &d) in dists.iter().enumerate().skip(1) {
            if d < d_wall {
                d_wall = d;
                best = i;
            }
        }
        let theta = normals.get(best).copied().unwrap_or(T::ZERO);
        let a = wrap_angle(self.heading - theta);
        if d_wall < self.cfg.border && a.abs() < quarter {
            let sign = if a > T::ZERO {
                T::ONE
            } else if a < T::ZERO {
                -T::ONE
            } else {
                T::ZERO
            };
            Some(sign * (quarter - a.abs()))
        } else {
            None
        }
    }

    /// Takes one step (see [`TrajectoryConfig`] for the formulas) and returns it.
    pub fn step(&mut self) -> Step<T> {
        let cfg = self.cfg;
        let two = T::ONE + T::ONE;
        let u = T::unit_open0(self.rng.next_u64());
        let mut speed = cfg.speed_scale * (-(two * u.ln())).sqrt();
        let z: T = self.rng.normal();
        let mut turn = T::ZERO;
        let mut slowed = false;
        if cfg.boundary == Boundary::Walled
            && let Some(t) = self.wall_turn()
        {
            speed *= cfg.wall_speed_factor;
            turn = t;
            slowed = true;
        }
        turn += cfg.dt * (cfg.turn_mean + cfg.turn_sigma * z);
        let length = speed * cfg.dt;
        let (s, c) = self.heading.sin_cos();
        let (dx, dy) = (length * c, length * s);
        let heading = self.heading;
        self.x += dx;
        self.y += dy;
        if cfg.boundary == Boundary::Periodic {
            self.x = wrap_coord(self.x, cfg.box_size);
            self.y = wrap_coord(self.y, cfg.box_size);
        }
        self.heading = wrap_angle(self.heading + turn);
        Step {
            x: self.x,
            y: self.y,
            heading,
            dx,
            dy,
            speed,
            slowed,
        }
    }
}

/// Fills one whole trajectory of T steps, T = `heading.len()`: `pos` and `disp` are T×2
/// row-major (x, y per step: position after the step and its displacement input), `heading`
/// the heading of each step. Returns the start position. The same numbers as T calls of
/// [`Walker::step`].
///
/// Errors: [`Error::DimensionMismatch`] unless `pos` and `disp` have 2T elements; config errors
/// as [`Walker::new`].
///
/// ```
/// use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, fill_trajectory};
/// let cfg = TrajectoryConfig::<f32>::sorscher();
/// let (mut pos, mut disp, mut hd) = ([0.0f32; 40], [0.0f32; 40], [0.0f32; 20]);
/// let start = fill_trajectory(&cfg, TrajectoryKey::new(1, 0, 0), &mut pos, &mut disp, &mut hd)?;
/// // Path integration: the last position is the start plus every displacement (up to rounding).
/// let sx = disp.chunks(2).fold(start.0, |x, d| x + d[0]);
/// assert!((sx - pos[38]).abs() < 1e-5);
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn fill_trajectory<T: Real>(
    cfg: &TrajectoryConfig<T>,
    key: TrajectoryKey,
    pos: &mut [T],
    disp: &mut [T],
    heading: &mut [T],
) -> Result<(T, T)> {
    let steps = heading.len();
    let len = steps.checked_mul(2).ok_or(Error::DimensionMismatch {
        what: "fill_trajectory: pos",
        expected: usize::MAX,
        found: pos.len(),
    })?;
    check_len("fill_trajectory: pos", len, pos.len())?;
    check_len("fill_trajectory: disp", len, disp.len())?;
    let mut walk = Walker::new(cfg, key)?;
    for ((p, d), h) in pos
        .chunks_exact_mut(2)
        .zip(disp.chunks_exact_mut(2))
        .zip(heading.iter_mut())
    {
        let s = walk.step();
        if let ([px, py], [vx, vy]) = (p, d) {
            *px = s.x;
            *py = s.y;
            *vx = s.dx;
            *vy = s.dy;
        }
        *h = s.heading;
    }
    Ok(walk.start())
}
