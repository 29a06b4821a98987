//! Portable randomness: the same stream on every target.
//!
//! - [`SplitMix64`]: Steele, Lea & Flood (2014), used for seeding and key mixing.
//! - [`Rng`]: xoshiro256++ (Blackman & Vigna, 2019), seeded from SplitMix64 exactly like
//!   `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64` (checked against that crate in the tests).
//! - [`Rng::keyed`]: independent streams keyed by (seed, experiment config, repeat index), so a
//!   result never depends on thread count or on how a sweep is sharded.
//! - Gaussian draws by one of two exact methods, each a stream version ([`Normal`],
//!   docs/rng.md#stream-versions): Box–Muller on direct `libm` calls (v1: [`Rng::normal_pair`],
//!   [`Rng::fill_normal`]) or a 256-layer ziggurat (v2); [`Rng::normal_with`],
//!   [`Rng::fill_normal_with`] take the method.
//! - Gamma and χ² draws by Marsaglia–Tsang ([`Rng::gamma_with`], [`Rng::chi_squared_with`]; the short
//!   forms use Box–Muller normals).
//!
//! The generator is owned here (about 40 lines) rather than taken from a crate, so a silent change of
//! a dependency's seeding can never break the golden digests.

mod gamma;
mod gaussian;
mod normal;
mod splitmix;
mod xoshiro;
mod ziggurat;

pub use normal::Normal;
pub use splitmix::SplitMix64;
pub use xoshiro::Rng;

/// Mixes a string into a 64-bit key word (FNV-1a 64 over its UTF-8 bytes), for naming streams.
///
/// ```
/// use engram_core::rng::{key_str, Rng};
/// let mut a = Rng::keyed(7, &[key_str("collapse"), 3]);
/// let mut b = Rng::keyed(7, &[key_str("hopfield"), 3]);
/// assert_ne!(a.next_u64(), b.next_u64());
/// ```
pub const fn key_str(s: &str) -> u64 {
    crate::digest::fnv1a64(s.as_bytes())
}
