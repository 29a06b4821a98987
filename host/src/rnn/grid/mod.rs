//! Grid-cell analysis in f64 (docs/gridscore.md): rate maps ([`ratemap`]), spatial
//! autocorrelograms ([`autocorr`]), cubic-spline rotation matching `scipy.ndimage.rotate`
//! ([`rotate`]), the grid scores of DeepMind's `scores.py` (Banino et al. 2018; Sorscher et al.
//! 2019/2023) ([`scores`]), grid spacing and orientation ([`spacing`]), modules ([`modules`]) and
//! the `engram rnn gridscore` command ([`gridscore`]).
//!
//! Every map is square, `n × n`, row-major with rows = y bins (`map[y·n + x]`).

pub mod autocorr;
pub mod gridscore;
pub mod heatmap;
pub mod modules;
pub mod null;
pub mod ratemap;
pub mod rotate;
pub mod scores;
pub mod spacing;
pub mod synthetic;
pub mod unit;

pub use autocorr::{NanPolicy, autocorrelogram};
pub use scores::{GridScorer, Scores};
pub use unit::{UnitScore, score_map};

/// What is wrong with a map handed to the analysis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// The map's length is not `n²` for the `n` given.
    #[error("map has {len} values, expected {n} x {n} = {expected}")]
    Size {
        /// Values given.
        len: usize,
        /// Side claimed.
        n: usize,
        /// n².
        expected: usize,
    },
    /// A map smaller than 2 × 2 has no autocorrelogram ring.
    #[error("map side {0} is too small (at least 2 x 2 bins)")]
    TooSmall(usize),
    /// An infinite value (NaN is allowed: an unvisited bin).
    #[error("map has an infinite value at row {row}, column {col}")]
    Infinite {
        /// Row (y bin).
        row: usize,
        /// Column (x bin).
        col: usize,
    },
}

/// Checks that `map` is a finite-or-NaN `n × n` map.
pub fn check_map(map: &[f64], n: usize) -> Result<(), GridError> {
    if n < 2 {
        return Err(GridError::TooSmall(n));
    }
    let expected = n.saturating_mul(n);
    if map.len() != expected {
        return Err(GridError::Size {
            len: map.len(),
            n,
            expected,
        });
    }
    if let Some(i) = map.iter().position(|v| v.is_infinite()) {
        return Err(GridError::Infinite {
            row: i / n,
            col: i % n,
        });
    }
    Ok(())
}
