//! The versioned weights/patterns blob format: written by the host (or a board), parsed zero-copy
//! on the board, used by every model family.
//!
//! A blob is a 32-byte header, a table of 64-byte tensor entries, and each tensor's data at a
//! 16-byte aligned offset. [`write()`] makes one into a caller's buffer without allocating
//! ([`encoded_len`] sizes it); [`Blob::parse`] checks it completely up front and then hands out
//! [`Tensor`]s whose typed views (`as_f32`, `as_bits_u32`, …) borrow the bytes in place. Hold the
//! bytes in an [`Aligned`] buffer (or embed a file with [`include_aligned!`](crate::include_aligned))
//! and no view can be misaligned.
//!
//! ```
//! use engram_core::blob::{self, bits, Aligned, Blob, TensorData, TensorSpec};
//! let weights = [0.25f32, -0.5, 1.0, 2.0, -4.0, 8.0];
//! let mut pattern = [0u32; 1];
//! bits::pack(&mut pattern, [true, false, true, true, false])?;
//! let specs = [
//!     TensorSpec::new("w", &[2, 3], TensorData::F32(&weights)),
//!     TensorSpec::new("xi", &[1, 5], TensorData::BitsU32(&pattern)),
//! ];
//! let mut buf = Aligned::<512>::zeroed();
//! let len = blob::write(buf.as_mut_bytes(), &specs)?;
//! assert_eq!(len, blob::encoded_len(&specs)?);
//!
//! let blob = Blob::parse(&buf.as_bytes()[..len])?;
//! let w = blob.get("w")?.expect_shape(&[2, 3])?.as_f32()?;
//! assert_eq!(w, &weights);
//! let xi = blob.get("xi")?.as_bits_u32()?;
//! assert_eq!(bits::sign(xi, 1), Some(-1));
//! # Ok::<(), blob::BlobError>(())
//! ```
//!
//! # Format, version 1
//! All integers are little-endian; offsets count bytes from the blob's first byte.
//!
//! **Header** (32 bytes, offset 0):
//!
//! | offset | size | field | rule |
//! | ---: | ---: | --- | --- |
//! | 0 | 8 | magic | [`MAGIC`] = `89 45 4E 47 52 41 4D 0A` (`\x89ENGRAM\n`) |
//! | 8 | 4 | version `u32` | [`VERSION`] = 1 |
//! | 12 | 4 | tensor count `u32` | ≤ [`MAX_TENSORS`] = 64 |
//! | 16 | 4 | total length `u32` | header + table + data, ≥ 32 + 64 · count |
//! | 20 | 4 | checksum `u32` | CRC-32C ([`checksum`]) of bytes `32..total length` |
//! | 24 | 8 | reserved | zero |
//!
//! **Tensor table** (offset 32): `count` entries of 64 bytes, entry `i` at `32 + 64 · i`:
//!
//! | offset | size | field | rule |
//! | ---: | ---: | --- | --- |
//! | 0 | 32 | name | 1..=[`NAME_MAX`] (32) bytes of UTF-8, no NUL, NUL-padded; unique in the blob |
//! | 32 | 1 | dtype `u8` | a [`Dtype`] code: 1 `f32`, 2 `f64`, 3 `i8`, 4 `i32`, 5 `bits_u32` |
//! | 33 | 1 | rank `u8` | 1..=[`MAX_RANK`] (4) |
//! | 34 | 2 | reserved | zero |
//! | 36 | 16 | shape `[u32; 4]` | logical dims, outermost first; dims past the rank zero |
//! | 52 | 4 | data offset `u32` | a multiple of [`ALIGN`] (16), ≥ 32 + 64 · count |
//! | 56 | 4 | data length `u32` | exactly the stored elements × element size |
//! | 60 | 4 | reserved | zero |
//!
//! **Data**: each tensor's elements row-major, little-endian, at its offset; `offset + length` ≤
//! total length; no two tensors' (non-empty) data overlap; the bytes between them are zero when
//! written (and covered by the checksum). The writer lays the data out in table order, each at the
//! next multiple of 16, and rounds the total length up to a multiple of 16.
//!
//! **Sizes**: the element count (product of the dims) and the data length must fit in `u32`; zero
//! dims are allowed (an empty tensor, data length 0). For [`Dtype::BitsU32`] the last dim `n` is the
//! bit axis: a shape `[rows…, n]` stores `rows × ceil(n / 32)` `u32` words, bit `j` of a row's word
//! `k` is element `32k + j`, a set bit is +1 and a clear bit −1, and the padding bits past `n` in
//! a row's last word must be zero (see [`bits`]).
//!
//! **Compatibility**: a reader rejects any version but its own; a future version that only appends
//! fields can use the reserved bytes (which version 1 requires to be zero).
//!
//! **Checks**: the header is not covered by the checksum, but every header field is checked against
//! the rest (magic, version, reserved zero, count limit, lengths), and the checksum covers the table
//! and data. [`Blob::parse`] checks every rule above before it returns.

mod aligned;
pub mod bits;
mod dtype;
mod error;
mod format;
mod parse;
mod tensor;
mod write;

pub use aligned::Aligned;
pub use dtype::Dtype;
pub use error::BlobError;
pub use format::{
    ALIGN, ENTRY_LEN, HEADER_LEN, MAGIC, MAX_RANK, MAX_TENSORS, NAME_MAX, VERSION, checksum,
};
pub use parse::{Blob, Tensors};
pub use tensor::Tensor;
pub use write::{TensorData, TensorSpec, encoded_len, write};

#[cfg(test)]
mod tests;
