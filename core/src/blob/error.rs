//! [`BlobError`]: everything that can be wrong with a blob, when writing, parsing or viewing it.

use core::fmt;

use super::Dtype;

/// Everything that can be wrong with a blob.
///
/// Tensors are named by their index in the tensor table (`tensor`), so the error is `Copy`, needs
/// no lifetime and converts into [`crate::Error`]. `Display` writes one line without allocating.
///
/// ```
/// use engram_core::blob::{Blob, BlobError};
/// let err = Blob::parse(b"not a blob, just some bytes long enough").unwrap_err();
/// assert_eq!(err, BlobError::BadMagic);
/// assert_eq!(format!("{err}"), "bad magic (not an engram blob)");
/// // It converts into the crate's error, so `?` works in kernels returning `engram_core::Result`.
/// let e: engram_core::Error = err.into();
/// assert_eq!(format!("{e}"), "blob: bad magic (not an engram blob)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum BlobError {
    /// The first bytes are not the blob magic.
    BadMagic,
    /// The format version is not one this build reads.
    UnsupportedVersion {
        /// The version found in the header.
        found: u32,
    },
    /// The input ends before the header, tensor table or a tensor's data ends.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
    /// The stored checksum does not match the contents.
    ChecksumMismatch {
        /// Checksum in the header.
        stored: u32,
        /// Checksum computed over the contents.
        computed: u32,
    },
    /// A reserved byte (header or table entry) is not zero.
    ReservedNotZero {
        /// Offset of the first non-zero reserved byte from the blob start.
        offset: usize,
    },
    /// The header's total length is smaller than the header plus the tensor table.
    BadLength {
        /// Total length stored in the header.
        stored: usize,
        /// Length of the header plus the tensor table.
        needed: usize,
    },
    /// The input is longer than the header's total length ([`Blob::parse`](super::Blob::parse)
    /// is strict; [`Blob::parse_prefix`](super::Blob::parse_prefix) ignores trailing bytes).
    TrailingBytes {
        /// Total length stored in the header.
        expected: usize,
        /// Length of the input.
        found: usize,
    },
    /// More tensors than [`MAX_TENSORS`](super::MAX_TENSORS).
    TooManyTensors {
        /// How many were given or stored.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// A table entry's dtype code is not a known [`Dtype`].
    BadDtype {
        /// The tensor's index.
        tensor: usize,
        /// The code found.
        code: u8,
    },
    /// A tensor's rank is not in `1..=`[`MAX_RANK`](super::MAX_RANK).
    BadRank {
        /// The tensor's index.
        tensor: usize,
        /// The rank found.
        rank: usize,
    },
    /// A tensor has a dimension past its rank that is not zero (in a stored table entry).
    BadShape {
        /// The tensor's index.
        tensor: usize,
    },
    /// A name is empty, contains a NUL byte, is not NUL-padded, or is not UTF-8.
    BadName {
        /// The tensor's index.
        tensor: usize,
    },
    /// A name is longer than [`NAME_MAX`](super::NAME_MAX) bytes (writer only).
    NameTooLong {
        /// The tensor's index.
        tensor: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// Two tensors have the same name.
    DuplicateName {
        /// Index of the second tensor with the name.
        tensor: usize,
    },
    /// A tensor's data length (bytes stored, or elements given to the writer) does not match its
    /// shape and dtype.
    DataLength {
        /// The tensor's index.
        tensor: usize,
        /// Length the shape and dtype imply (bytes when parsing, elements when writing).
        expected: usize,
        /// Length stored or given.
        found: usize,
    },
    /// A size does not fit the format's `u32` fields (or overflows while being computed).
    TooLarge {
        /// The tensor's index, or the tensor count when the total length overflows.
        tensor: usize,
    },
    /// A tensor's data offset is not a multiple of [`ALIGN`](super::ALIGN) or points into the
    /// header or the tensor table.
    BadOffset {
        /// The tensor's index.
        tensor: usize,
        /// The stored offset.
        offset: usize,
    },
    /// A tensor's data runs past the blob's total length.
    OutOfBounds {
        /// The tensor's index.
        tensor: usize,
        /// Where its data ends.
        end: usize,
        /// The blob's total length.
        len: usize,
    },
    /// Two tensors' data overlap.
    Overlap {
        /// The earlier tensor's index.
        first: usize,
        /// The later tensor's index.
        second: usize,
    },
    /// A [`Dtype::BitsU32`] tensor has a padding bit set (bits past the last element of a row
    /// must be zero, so word-wise popcounts are exact).
    BitsPadding {
        /// The tensor's index.
        tensor: usize,
        /// The row (index over the leading dimensions) with the stray bit.
        row: usize,
    },
    /// No tensor has the name asked for.
    TensorNotFound,
    /// A tensor was viewed as a dtype other than its own.
    WrongDtype {
        /// The tensor's index.
        tensor: usize,
        /// The dtype asked for.
        expected: Dtype,
        /// The dtype stored.
        found: Dtype,
    },
    /// A tensor's rank is not the one asked for.
    RankMismatch {
        /// The tensor's index.
        tensor: usize,
        /// The rank asked for.
        expected: usize,
        /// The rank stored.
        found: usize,
    },
    /// A tensor's dimension is not the one asked for.
    ShapeMismatch {
        /// The tensor's index.
        tensor: usize,
        /// The axis that differs.
        axis: usize,
        /// The dimension asked for.
        expected: usize,
        /// The dimension stored.
        found: usize,
    },
    /// A tensor's data is not aligned in memory for a zero-copy typed view (the blob's bytes do
    /// not start at a 16-byte aligned address: hold them in an [`Aligned`](super::Aligned)).
    Misaligned {
        /// The tensor's index.
        tensor: usize,
        /// The alignment the view needs.
        align: usize,
    },
    /// Typed views reinterpret little-endian bytes in place, so they are unavailable on a
    /// big-endian target (use [`Tensor::bytes`](super::Tensor::bytes) there).
    BigEndianTarget,
    /// The output buffer is too small for the blob.
    OutputTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BlobError::BadMagic => f.write_str("bad magic (not an engram blob)"),
            BlobError::UnsupportedVersion { found } => {
                write!(f, "unsupported format version {found}")
            }
            BlobError::Truncated { needed, found } => {
                write!(f, "truncated: needs {needed} bytes, has {found}")
            }
            BlobError::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch: stored {stored:08x}, computed {computed:08x}"
            ),
            BlobError::ReservedNotZero { offset } => {
                write!(f, "reserved byte at offset {offset} is not zero")
            }
            BlobError::BadLength { stored, needed } => write!(
                f,
                "total length {stored} is shorter than the header and table ({needed} bytes)"
            ),
            BlobError::TrailingBytes { expected, found } => write!(
                f,
                "input has {found} bytes but the blob is {expected} (trailing bytes)"
            ),
            BlobError::TooManyTensors { found, max } => {
                write!(f, "{found} tensors, at most {max} allowed")
            }
            BlobError::BadDtype { tensor, code } => {
                write!(f, "tensor {tensor}: unknown dtype code {code}")
            }
            BlobError::BadRank { tensor, rank } => {
                write!(f, "tensor {tensor}: rank {rank} is not in 1..=4")
            }
            BlobError::BadShape { tensor } => {
                write!(f, "tensor {tensor}: a dimension past the rank is not zero")
            }
            BlobError::BadName { tensor } => write!(
                f,
                "tensor {tensor}: name is empty, contains NUL, is not NUL-padded or not UTF-8"
            ),
            BlobError::NameTooLong { tensor, len } => {
                write!(
                    f,
                    "tensor {tensor}: name is {len} bytes, at most 32 allowed"
                )
            }
            BlobError::DuplicateName { tensor } => {
                write!(f, "tensor {tensor}: name used by an earlier tensor")
            }
            BlobError::DataLength {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor {tensor}: data length {found} does not match its shape ({expected})"
            ),
            BlobError::TooLarge { tensor } => {
                write!(
                    f,
                    "tensor {tensor}: size does not fit the format's u32 fields"
                )
            }
            BlobError::BadOffset { tensor, offset } => write!(
                f,
                "tensor {tensor}: data offset {offset} is unaligned or inside the header/table"
            ),
            BlobError::OutOfBounds { tensor, end, len } => write!(
                f,
                "tensor {tensor}: data ends at {end}, past the blob's length {len}"
            ),
            BlobError::Overlap { first, second } => {
                write!(f, "tensors {first} and {second} overlap")
            }
            BlobError::BitsPadding { tensor, row } => {
                write!(f, "tensor {tensor}: row {row} has a padding bit set")
            }
            BlobError::TensorNotFound => f.write_str("no tensor with that name"),
            BlobError::WrongDtype {
                tensor,
                expected,
                found,
            } => write!(f, "tensor {tensor}: is {found}, asked for {expected}"),
            BlobError::RankMismatch {
                tensor,
                expected,
                found,
            } => write!(f, "tensor {tensor}: rank {found}, expected {expected}"),
            BlobError::ShapeMismatch {
                tensor,
                axis,
                expected,
                found,
            } => write!(
                f,
                "tensor {tensor}: dimension {axis} is {found}, expected {expected}"
            ),
            BlobError::Misaligned { tensor, align } => write!(
                f,
                "tensor {tensor}: data is not {align}-byte aligned in memory"
            ),
            BlobError::BigEndianTarget => f.write_str("typed views need a little-endian target"),
            BlobError::OutputTooSmall { needed, found } => {
                write!(f, "output buffer has {found} bytes, needs {needed}")
            }
        }
    }
}

impl core::error::Error for BlobError {}
