//! The versioned weights/patterns blob format (written by the host, parsed zero-copy on the board).

use core::fmt;

/// Everything that can be wrong with a blob.
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
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
        }
    }
}
