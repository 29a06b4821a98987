//! Simulated rat trajectories for path-integration training (`docs/trajectories.md`).
//!
//! A port of the trajectory generator of Sorscher, Mel, Ganguli & Ocko (2019/2023, repository
//! `grid-pattern-formation`, `trajectory_generator.py`), drawing from the core's portable generator
//! so that the host, the trainer and a board produce the same paths bit for bit:
//!
//! | item | what |
//! | --- | --- |
//! | [`TrajectoryConfig`] | box side L, dt, speed and turning laws, wall rule, [`Boundary`] |
//! | [`Walker`] | one trajectory, one [`Step`] at a time (constant memory: for a board) |
//! | [`fill_trajectory`] | a whole trajectory of T steps into caller slices |
//! | [`SslConfig`], [`SslWalker`], [`ssl_permutation`] | self-supervised batches: permutations of one i.i.d. velocity sequence |
//! | [`TrajectoryKey`] | the stream key (seed, batch, index): a path depends on nothing else |
//!
//! ```
//! use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
//! let cfg = TrajectoryConfig::<f32>::sorscher();
//! let mut walk = Walker::new(&cfg, TrajectoryKey::new(7, 0, 3))?;
//! let (x0, y0) = walk.start();
//! let s = walk.step();
//! // The input of a step is its displacement: position after = position before + (dx, dy).
//! assert_eq!(s.x, x0 + s.dx);
//! assert_eq!(s.y, y0 + s.dy);
//! # Ok::<(), engram_core::Error>(())
//! ```

mod geometry;
mod ssl;
mod walk;

pub use geometry::{wrap_angle, wrap_coord};
pub use ssl::{
    SslConfig, SslStep, SslVelocity, SslWalker, fill_ssl_trajectory, ssl_permutation, ssl_start,
    ssl_velocity,
};
pub use walk::{
    Boundary, RAYLEIGH_DRAW_MAX, Step, TrajectoryConfig, TrajectoryKey, Walker, fill_trajectory,
};
