//! The crate's error type.

use core::fmt;

use crate::blob::BlobError;

/// Everything that can go wrong in a core kernel.
///
/// `Display` writes a one-line message naming the problem without allocating.
///
/// ```
/// use engram_core::{Error, linalg};
/// let err = linalg::dot(&[1.0f32, 2.0], &[1.0]).unwrap_err();
/// assert_eq!(err, Error::DimensionMismatch { what: "dot: b", expected: 2, found: 1 });
/// assert_eq!(format!("{err}"), "dot: b has length 1, expected 2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A slice's length does not match the dimensions it was given with.
    DimensionMismatch {
        /// Which argument (`kernel: argument`).
        what: &'static str,
        /// The length the dimensions imply.
        expected: usize,
        /// The length passed.
        found: usize,
    },
    /// A caller-provided scratch slice is shorter than the kernel needs.
    ScratchTooSmall {
        /// Which kernel.
        what: &'static str,
        /// Elements needed.
        needed: usize,
        /// Elements provided.
        found: usize,
    },
    /// Cholesky found a pivot that is not positive (the matrix is not positive definite).
    NotPositiveDefinite {
        /// The column whose pivot failed.
        column: usize,
    },
    /// An input or an intermediate result is NaN or infinite.
    NonFinite {
        /// What was not finite.
        what: &'static str,
    },
    /// A parameter is outside its valid range (e.g. a negative standard deviation).
    InvalidParameter {
        /// Which parameter, and the rule it breaks.
        what: &'static str,
    },
    /// A fixed-capacity container is full.
    CapacityExceeded {
        /// Which container.
        what: &'static str,
        /// Its capacity.
        capacity: usize,
    },
    /// A weights/patterns blob could not be written or parsed.
    Blob(BlobError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what} has length {found}, expected {expected}"),
            Error::ScratchTooSmall {
                what,
                needed,
                found,
            } => write!(f, "{what}: scratch has {found} elements, needs {needed}"),
            Error::NotPositiveDefinite { column } => write!(
                f,
                "matrix is not positive definite (Cholesky pivot {column} is not > 0)"
            ),
            Error::NonFinite { what } => write!(f, "{what} is not finite (NaN or infinite)"),
            Error::InvalidParameter { what } => write!(f, "invalid parameter: {what}"),
            Error::CapacityExceeded { what, capacity } => {
                write!(f, "{what} is full (capacity {capacity})")
            }
            Error::Blob(e) => write!(f, "blob: {e}"),
        }
    }
}

impl core::error::Error for Error {}

impl From<BlobError> for Error {
    fn from(e: BlobError) -> Self {
        Error::Blob(e)
    }
}

/// Returns `Err(DimensionMismatch)` unless `found == expected`.
#[inline]
pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> crate::Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what,
            expected,
            found,
        })
    }
}

/// `rows * cols`, or a `DimensionMismatch` naming `what` when the product overflows `usize`.
#[inline]
pub(crate) fn area(what: &'static str, rows: usize, cols: usize) -> crate::Result<usize> {
    rows.checked_mul(cols).ok_or(Error::DimensionMismatch {
        what,
        expected: usize::MAX,
        found: 0,
    })
}
