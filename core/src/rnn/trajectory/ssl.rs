//! Self-supervised batches (Schaeffer et al. 2023, arXiv:2311.02316): every trajectory of a batch
//! is a random permutation of one i.i.d. velocity sequence, so all of them share their start and
//! their end point and cross each other often.
//!
//! The velocities live on a dyadic grid (multiples of [`SslConfig::QUANTUM`] = 2⁻¹⁶ m), and so does
//! the start: every partial sum start + Σ v is then exact in floating point, and the end point of
//! every permutation is the same *bit for bit*, not just up to rounding.

use super::geometry::wrap_coord;
use super::walk::TrajectoryKey;
use crate::error::check_len;
use crate::{Error, Real, Result};

/// The law of the shared i.i.d. velocity sequence (the paper says "uniform"; both readings are
/// offered). Displacements per step are v·dt, then truncated toward 0 onto the 2⁻¹⁶ m grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SslVelocity<T> {
    /// Speed uniform in [0, `max_speed`), direction uniform in [0, 2π) (two uniform draws).
    Polar {
        /// Largest speed (m/s).
        max_speed: T,
    },
    /// vx and vy independent, each uniform on the grid points of [−`max_speed`·dt,
    /// `max_speed`·dt] (two bounded integer draws).
    Cartesian {
        /// Largest speed per axis (m/s).
        max_speed: T,
    },
}

/// A self-supervised batch's parameters.
///
/// ```
/// use engram_core::rnn::trajectory::{SslConfig, SslVelocity};
/// let cfg = SslConfig::<f32>::default();
/// assert_eq!(cfg.dt, 0.02);
/// assert!(matches!(cfg.velocity, SslVelocity::Polar { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SslConfig<T> {
    /// Side L of the square the shared start is drawn in (m); default 2.2.
    pub box_size: T,
    /// Time step (s); default 0.02.
    pub dt: T,
    /// The velocity law; default `Polar { max_speed: 2.048 }` (mean speed 1.024 m/s, the
    /// supervised recipe's Rayleigh mean b√(π/2)).
    pub velocity: SslVelocity<T>,
    /// `false`: the open plane (no walls; paths may leave the square); `true`: a torus of side L
    /// (positions wrapped into [−L/2, L/2) on output).
    pub periodic: bool,
}

impl<T: Real> Default for SslConfig<T> {
    fn default() -> Self {
        Self {
            box_size: T::from_f64(2.2),
            dt: T::from_f64(0.02),
            velocity: SslVelocity::Polar {
                max_speed: T::from_f64(2.048),
            },
            periodic: false,
        }
    }
}

impl<T: Real> SslConfig<T> {
    /// The grid every displacement and the start lie on: 2⁻¹⁶ m (about 15 µm).
    pub const QUANTUM: f64 = 1.0 / 65_536.0;

    fn max_speed(&self) -> T {
        match self.velocity {
            SslVelocity::Polar { max_speed } | SslVelocity::Cartesian { max_speed } => max_speed,
        }
    }

    /// The largest |dx| or |dy| of one step (m).
    pub fn max_step(&self) -> T {
        self.max_speed() * self.dt
    }

    /// Checks the parameters for sequences of `steps` steps: finite, L > 0, dt > 0,
    /// max speed ≥ 0, and every partial sum within the range where the grid is exact in `T`
    /// (L/2 + steps·max step ≤ 2⁻¹⁶/ε, 128 m for `f32`).
    pub fn validate(&self, steps: usize) -> Result<()> {
        let all = [self.box_size, self.dt, self.max_speed()];
        if !all.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite { what: "ssl config" });
        }
        if !(self.box_size > T::ZERO && self.dt > T::ZERO && self.max_speed() >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "ssl: box size and dt must be > 0, max speed >= 0",
            });
        }
        let reach = self.box_size.to_f64() * 0.5 + steps as f64 * self.max_step().to_f64();
        if reach > Self::QUANTUM / T::EPSILON.to_f64() {
            return Err(Error::InvalidParameter {
                what: "ssl: steps x max step too long for exact sums in this precision",
            });
        }
        Ok(())
    }
}

/// `x` truncated toward 0 onto the 2⁻¹⁶ grid (exact: the integer fits `T` after validation).
fn on_grid<T: Real>(x: f64) -> T {
    let k = (x * 65_536.0) as i64;
    T::from_f64(k as f64 * SslConfig::<T>::QUANTUM)
}

/// The shared start of batch `key.batch` (`key.index` is ignored): uniform in the square, on the
/// grid. Stream `Rng::keyed(seed, [key_str("rnn_ssl_start"), batch, 0])`.
pub fn ssl_start<T: Real>(cfg: &SslConfig<T>, key: TrajectoryKey) -> (T, T) {
    let mut rng = TrajectoryKey::new(key.seed, key.batch, 0).rng("rnn_ssl_start");
    let l = cfg.box_size.to_f64();
    let x = l * rng.uniform::<f64>() - 0.5 * l;
    let y = l * rng.uniform::<f64>() - 0.5 * l;
    (on_grid(x), on_grid(y))
}

/// The j-th displacement (m) of batch `key.batch`'s shared sequence (`key.index` is ignored),
/// drawn by random access from `Rng::keyed(seed, [key_str("rnn_ssl_velocity"), batch, j])`, so a
/// permuted trajectory needs no stored sequence.
pub fn ssl_velocity<T: Real>(cfg: &SslConfig<T>, key: TrajectoryKey, j: u64) -> (T, T) {
    let mut rng = TrajectoryKey::new(key.seed, key.batch, j).rng("rnn_ssl_velocity");
    let step = cfg.max_step().to_f64();
    match cfg.velocity {
        SslVelocity::Polar { .. } => {
            let r = step * rng.uniform::<f64>();
            let (s, c) = libm::sincos(2.0 * core::f64::consts::PI * rng.uniform::<f64>());
            (on_grid(r * c), on_grid(r * s))
        }
        SslVelocity::Cartesian { .. } => {
            let k = (step * 65_536.0) as u64;
            let span = k.saturating_mul(2).saturating_add(1);
            let vx = rng.below(span) as f64 - k as f64;
            let vy = rng.below(span) as f64 - k as f64;
            (on_grid(vx / 65_536.0), on_grid(vy / 65_536.0))
        }
    }
}

/// Fills `perm` with a uniformly random permutation of 0..T (T = `perm.len()`): Fisher–Yates on
/// the stream `Rng::keyed(seed, [key_str("rnn_ssl_perm"), batch, index])`.
///
/// Errors: [`Error::InvalidParameter`] when T exceeds `u32::MAX`.
pub fn ssl_permutation(key: TrajectoryKey, perm: &mut [u32]) -> Result<()> {
    if u32::try_from(perm.len()).is_err() {
        return Err(Error::InvalidParameter {
            what: "ssl_permutation: more than u32::MAX steps",
        });
    }
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i as u32;
    }
    key.rng("rnn_ssl_perm").shuffle(perm);
    Ok(())
}

/// One step of a self-supervised trajectory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SslStep<T> {
    /// Position after the step (m); wrapped on the torus.
    pub x: T,
    /// Position after the step (m).
    pub y: T,
    /// Displacement input of the step (m).
    pub dx: T,
    /// Displacement input of the step (m).
    pub dy: T,
    /// Which element of the shared sequence this step is.
    pub source: u32,
}

/// Trajectory `key.index` of self-supervised batch `key.batch`, a step at a time: step t moves by
/// the shared sequence's element `perm[t]` (from [`ssl_permutation`]).
///
/// ```
/// use engram_core::rnn::trajectory::{SslConfig, SslWalker, TrajectoryKey, ssl_permutation};
/// let cfg = SslConfig::<f32>::default();
/// let mut ends = [(0.0f32, 0.0f32); 2];
/// for (i, end) in ends.iter_mut().enumerate() {
///     let key = TrajectoryKey::new(3, 0, i as u64);
///     let mut perm = [0u32; 20];
///     ssl_permutation(key, &mut perm)?;
///     let mut walk = SslWalker::new(&cfg, key, &perm)?;
///     while let Some(s) = walk.step() {
///         *end = (s.x, s.y);
///     }
/// }
/// assert_eq!(ends[0], ends[1]); // same end point, bit for bit
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SslWalker<'a, T> {
    cfg: SslConfig<T>,
    key: TrajectoryKey,
    perm: &'a [u32],
    t: usize,
    start: (T, T),
    x: T,
    y: T,
}

impl<'a, T: Real> SslWalker<'a, T> {
    /// Starts the trajectory; `perm` must be a permutation of 0..T (not checked beyond range:
    /// an index ≥ T is an error at its step).
    ///
    /// Errors: config errors from [`SslConfig::validate`] with T = `perm.len()`.
    pub fn new(cfg: &SslConfig<T>, key: TrajectoryKey, perm: &'a [u32]) -> Result<Self> {
        cfg.validate(perm.len())?;
        let start = ssl_start(cfg, key);
        Ok(Self {
            cfg: *cfg,
            key,
            perm,
            t: 0,
            start,
            x: start.0,
            y: start.1,
        })
    }

    /// The shared start (on the grid; wrapped on the torus).
    pub fn start(&self) -> (T, T) {
        self.wrapped(self.start.0, self.start.1)
    }

    fn wrapped(&self, x: T, y: T) -> (T, T) {
        if self.cfg.periodic {
            (
                wrap_coord(x, self.cfg.box_size),
                wrap_coord(y, self.cfg.box_size),
            )
        } else {
            (x, y)
        }
    }

    /// The next step, or `None` after T steps or at an index outside 0..T.
    pub fn step(&mut self) -> Option<SslStep<T>> {
        let &source = self.perm.get(self.t)?;
        if source as usize >= self.perm.len() {
            return None;
        }
        let (dx, dy) = ssl_velocity(&self.cfg, self.key, u64::from(source));
        // Exact: every term is on the grid and within the validated range.
        self.x += dx;
        self.y += dy;
        self.t += 1;
        let (x, y) = self.wrapped(self.x, self.y);
        Some(SslStep {
            x,
            y,
            dx,
            dy,
            source,
        })
    }
}

/// Fills trajectory `key.index` of a self-supervised batch: `perm` (length T) receives its
/// permutation, `pos` and `disp` (T×2 row-major) the positions after each step and the
/// displacements. Returns the shared start.
///
/// Errors: [`Error::DimensionMismatch`] unless `pos` and `disp` have 2T elements; config errors.
pub fn fill_ssl_trajectory<T: Real>(
    cfg: &SslConfig<T>,
    key: TrajectoryKey,
    perm: &mut [u32],
    pos: &mut [T],
    disp: &mut [T],
) -> Result<(T, T)> {
    let len = perm.len().checked_mul(2).ok_or(Error::InvalidParameter {
        what: "fill_ssl_trajectory: too many steps",
    })?;
    check_len("fill_ssl_trajectory: pos", len, pos.len())?;
    check_len("fill_ssl_trajectory: disp", len, disp.len())?;
    ssl_permutation(key, perm)?;
    let mut walk = SslWalker::new(cfg, key, perm)?;
    for (p, d) in pos.chunks_exact_mut(2).zip(disp.chunks_exact_mut(2)) {
        let s = walk.step().ok_or(Error::InvalidParameter {
            what: "fill_ssl_trajectory: permutation index out of range",
        })?;
        if let ([px, py], [vx, vy]) = (p, d) {
            *px = s.x;
            *py = s.y;
            *vx = s.dx;
            *vy = s.dy;
        }
    }
    Ok(walk.start())
}
