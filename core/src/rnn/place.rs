//! Place-cell codes: the supervised recipe's targets (Sorscher et al. 2019/2023, `place_cells.py`;
//! `docs/trajectories.md`).
//!
//! Np centres cᵢ in the box (uniform from a keyed stream, [`uniform_centres`], or on a lattice,
//! [`grid_centres`](super::grid_centres)); a position x is coded by
//!
//! ```text
//! d²ᵢ = dxᵢ² + dyᵢ²          dx = |x − cₓ| (periodic: min(dx, L − dx)), same for y
//! Gaussian:                   u = softmax(−d²/(2σ²))
//! difference of softmaxes:    u = softmax(−d²/(2σ²)) − softmax(−d²/(2sσ²))     (s = surround scale)
//!                             u ← u + |min u|,  u ← u / Σ u
//! ```
//!
//! exactly as the original (its `DoG` option, `surround_scale` s = 2 multiplying the *variance*:
//! the surround's width is √2·σ). A position is decoded as the mean of the k best centres
//! ([`PlaceCells::decode`], through [`decode_top_k`](super::decode_top_k)).

use super::decode::{Topology, decode_top_k};
use crate::error::{area, check_len};
use crate::rng::Rng;
use crate::rng::key_str;
use crate::softmax::softmax;
use crate::{Error, Real, Result};

/// The tuning profile of the place cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlaceProfile<T> {
    /// Gaussian bumps normalised by a softmax over the cells.
    Gaussian,
    /// Difference of softmaxes, shifted to be ≥ 0 and normalised to sum 1 (the original's `DoG`).
    DifferenceOfSoftmaxes {
        /// s: the surround's variance is s·σ² (default 2).
        surround_scale: T,
    },
}

/// Place-cell parameters; [`sorscher`](Self::sorscher) gives the published ones.
///
/// ```
/// use engram_core::rnn::place::{PlaceConfig, PlaceProfile};
/// let cfg = PlaceConfig::<f32>::sorscher();
/// assert_eq!(cfg.sigma, 0.12);
/// assert_eq!(cfg.profile, PlaceProfile::DifferenceOfSoftmaxes { surround_scale: 2.0 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaceConfig<T> {
    /// Width σ of the centre Gaussian (m); default 0.12.
    pub sigma: T,
    /// Gaussian or difference of softmaxes (default, surround scale 2).
    pub profile: PlaceProfile<T>,
    /// Side L of the square box centred on 0 (m); default 2.2.
    pub box_size: T,
    /// Periodic distances (a torus of side L); default `false`.
    pub periodic: bool,
}

impl<T: Real> PlaceConfig<T> {
    /// σ = 0.12 m, difference of softmaxes with surround scale 2, L = 2.2 m, walled.
    pub fn sorscher() -> Self {
        Self {
            sigma: T::from_f64(0.12),
            profile: PlaceProfile::DifferenceOfSoftmaxes {
                surround_scale: T::from_f64(2.0),
            },
            box_size: T::from_f64(2.2),
            periodic: false,
        }
    }

    fn validate(&self) -> Result<()> {
        let s = match self.profile {
            PlaceProfile::Gaussian => T::ONE,
            PlaceProfile::DifferenceOfSoftmaxes { surround_scale } => surround_scale,
        };
        if !(self.sigma.is_finite() && self.box_size.is_finite() && s.is_finite()) {
            return Err(Error::NonFinite {
                what: "place cells: sigma, box size or surround scale",
            });
        }
        if !(self.sigma > T::ZERO && self.box_size > T::ZERO && s > T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "place cells: sigma, box size and surround scale must be > 0",
            });
        }
        Ok(())
    }
}

impl<T: Real> Default for PlaceConfig<T> {
    fn default() -> Self {
        Self::sorscher()
    }
}

/// Fills `out` (Np × 2, row-major (x, y)) with centres uniform in the box [−L/2, L/2)²: centre i
/// takes draws 2i (x) and 2i + 1 (y) of `Rng::keyed(seed, [key_str("rnn_place_centres")])`, each
/// L·u − L/2, so the first centres do not depend on Np.
///
/// Errors: [`Error::DimensionMismatch`] for an odd length; [`Error::InvalidParameter`] for a box
/// that is not finite and > 0.
///
/// ```
/// use engram_core::rnn::place::uniform_centres;
/// let (mut a, mut b) = ([0.0f32; 8], [0.0f32; 16]);
/// uniform_centres(2.2, 1, &mut a)?;
/// uniform_centres(2.2, 1, &mut b)?;
/// assert_eq!(a, b[..8]);
/// assert!(b.iter().all(|c| (-1.1..1.1).contains(c)));
/// # Ok::<(), engram_core::Error>(())
/// ```
pub fn uniform_centres<T: Real>(box_size: T, seed: u64, out: &mut [T]) -> Result<()> {
    if !(box_size.is_finite() && box_size > T::ZERO) {
        return Err(Error::InvalidParameter {
            what: "uniform_centres: box size must be finite and > 0",
        });
    }
    check_len("uniform_centres: out", out.len() / 2 * 2, out.len())?;
    let mut rng = Rng::keyed(seed, &[key_str("rnn_place_centres")]);
    let half = box_size * T::from_f64(0.5);
    for c in out.iter_mut() {
        *c = box_size * rng.uniform::<T>() - half;
    }
    Ok(())
}

/// A population of place cells over borrowed centres.
///
/// ```
/// use engram_core::rnn::place::{PlaceCells, PlaceConfig, uniform_centres};
/// let mut centres = [0.0f32; 2 * 64];
/// uniform_centres(2.2, 0, &mut centres)?;
/// let cells = PlaceCells::new(&centres, PlaceConfig::sorscher())?;
/// let (mut code, mut scratch) = ([0.0f32; 64], [0.0f32; 64]);
/// cells.encode([0.3, -0.2], &mut code, &mut scratch)?;
/// assert!(code.iter().all(|&u| u >= 0.0));
/// assert!((code.iter().sum::<f32>() - 1.0).abs() < 1e-5);
/// let xy = cells.decode(&code, &mut [0usize; 3])?;
/// assert!((xy[0] - 0.3).abs() < 0.4 && (xy[1] + 0.2).abs() < 0.4);
/// # Ok::<(), engram_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PlaceCells<'a, T> {
    centres: &'a [T],
    cfg: PlaceConfig<T>,
}

impl<'a, T: Real> PlaceCells<'a, T> {
    /// Cells at `centres` (Np × 2, row-major (x, y), Np ≥ 1, all finite).
    ///
    /// Errors: [`Error::DimensionMismatch`] for an odd or empty length; [`Error::NonFinite`];
    /// [`Error::InvalidParameter`] for σ, L or s not > 0.
    pub fn new(centres: &'a [T], cfg: PlaceConfig<T>) -> Result<Self> {
        cfg.validate()?;
        if centres.is_empty() || !centres.len().is_multiple_of(2) {
            return Err(Error::DimensionMismatch {
                what: "PlaceCells: centres (Np x 2, Np >= 1)",
                expected: (centres.len() / 2).max(1) * 2,
                found: centres.len(),
            });
        }
        if !centres.iter().all(|c| c.is_finite()) {
            return Err(Error::NonFinite {
                what: "PlaceCells: centres",
            });
        }
        Ok(Self { centres, cfg })
    }

    /// Number of cells Np.
    pub fn len(&self) -> usize {
        self.centres.len() / 2
    }

    /// Always `false` (a population has at least one cell).
    pub fn is_empty(&self) -> bool {
        self.centres.is_empty()
    }

    /// The centres (Np × 2).
    pub fn centres(&self) -> &'a [T] {
        self.centres
    }

    /// The parameters.
    pub fn config(&self) -> PlaceConfig<T> {
        self.cfg
    }

    /// The box's topology for decoding and errors ([`Topology::Torus`] when periodic).
    pub fn topology(&self) -> Topology<T> {
        if self.cfg.periodic {
            Topology::Torus {
                width: self.cfg.box_size,
                height: self.cfg.box_size,
            }
        } else {
            Topology::Walled
        }
    }

    /// Squared distance from `pos` to centre i: dx² + dy² (x first), with dx = |x − cₓ| or on the
    /// torus min(dx, L − dx).
    fn sq_dist(&self, pos: [T; 2], c: &[T]) -> T {
        let [x, y] = pos;
        let (cx, cy) = match c {
            [cx, cy] => (*cx, *cy),
            _ => (T::ZERO, T::ZERO),
        };
        let (mut dx, mut dy) = ((x - cx).abs(), (y - cy).abs());
        if self.cfg.periodic {
            dx = dx.min(self.cfg.box_size - dx);
            dy = dy.min(self.cfg.box_size - dy);
        }
        dx * dx + dy * dy
    }

    /// The code of position `pos` into `out` (length Np); `scratch` (length ≥ Np) is used by the
    /// difference of softmaxes only (pass `&mut []` for a Gaussian code).
    ///
    /// Arithmetic, in this order: z₁ᵢ = (−d²ᵢ) / ((2σ)·σ); out = softmax(z₁) ([`softmax`]); for
    /// the difference of softmaxes z₂ᵢ = (−d²ᵢ) / ((2s)·(σ·σ)), out −= softmax(z₂), m = min out
    /// (first minimum), out += |m|, then out /= Σ out (sum sequential in i from +0.0).
    ///
    /// Errors: [`Error::DimensionMismatch`] for `out`; [`Error::ScratchTooSmall`];
    /// [`Error::NonFinite`] for a non-finite position; [`Error::InvalidParameter`] when a
    /// difference code is constant (Np = 1), which cannot be normalised.
    pub fn encode(&self, pos: [T; 2], out: &mut [T], scratch: &mut [T]) -> Result<()> {
        let np = self.len();
        check_len("PlaceCells::encode: out", np, out.len())?;
        if !(pos[0].is_finite() && pos[1].is_finite()) {
            return Err(Error::NonFinite {
                what: "PlaceCells::encode: position",
            });
        }
        let two = T::ONE + T::ONE;
        let sigma = self.cfg.sigma;
        let c1 = two * sigma * sigma;
        for (o, c) in out.iter_mut().zip(self.centres.chunks_exact(2)) {
            *o = -self.sq_dist(pos, c) / c1;
        }
        softmax(out)?;
        let PlaceProfile::DifferenceOfSoftmaxes { surround_scale } = self.cfg.profile else {
            return Ok(());
        };
        let found = scratch.len();
        let surround = scratch.get_mut(..np).ok_or(Error::ScratchTooSmall {
            what: "PlaceCells::encode",
            needed: np,
            found,
        })?;
        let c2 = (two * surround_scale) * (sigma * sigma);
        for (s, c) in surround.iter_mut().zip(self.centres.chunks_exact(2)) {
            *s = -self.sq_dist(pos, c) / c2;
        }
        softmax(surround)?;
        let mut low = T::ZERO;
        for (i, (o, &s)) in out.iter_mut().zip(surround.iter()).enumerate() {
            *o -= s;
            if i == 0 || *o < low {
                low = *o;
            }
        }
        let shift = low.abs();
        let mut sum = T::ZERO;
        for o in out.iter_mut() {
            *o += shift;
            sum += *o;
        }
        if sum <= T::ZERO {
            return Err(Error::InvalidParameter {
                what: "PlaceCells::encode: constant difference code (Np = 1?)",
            });
        }
        for o in out.iter_mut() {
            *o = *o / sum;
        }
        Ok(())
    }

    /// Codes a whole sequence: `pos` is T × 2, `out` T × Np (row t = the code of position t).
    ///
    /// Errors: as [`encode`](Self::encode), and [`Error::DimensionMismatch`] for the sizes.
    pub fn encode_many(&self, pos: &[T], out: &mut [T], scratch: &mut [T]) -> Result<()> {
        let np = self.len();
        let rows = pos.len() / 2;
        check_len("PlaceCells::encode_many: pos", rows * 2, pos.len())?;
        check_len(
            "PlaceCells::encode_many: out",
            area("PlaceCells::encode_many: out", rows, np)?,
            out.len(),
        )?;
        for (p, o) in pos.chunks_exact(2).zip(out.chunks_exact_mut(np)) {
            if let [x, y] = p {
                self.encode([*x, *y], o, scratch)?;
            }
        }
        Ok(())
    }

    /// The decoded position of a code (or of logits: only their order matters): the mean of the
    /// centres of the k = `top.len()` largest entries, `top` receiving their indices (best
    /// first); on the torus a circular mean. See [`decode_top_k`](super::decode_top_k).
    pub fn decode(&self, code: &[T], top: &mut [usize]) -> Result<[T; 2]> {
        decode_top_k(code, self.centres, self.topology(), top)
    }
}
