//! [`Blob`]: a parsed, fully checked blob borrowing its bytes, and its tensor iterator.

use core::fmt;
use core::iter::FusedIterator;

use super::format::{
    E_LEN, E_OFFSET, Entry, HEADER_LEN, Header, MAX_TENSORS, NAME_MAX, Sizes,
    first_bad_padding_row, read_u32, table_end,
};
use super::{BlobError, Dtype, Tensor, checksum};

/// A parsed blob: the header, tensor table and data, borrowed zero-copy.
///
/// [`Blob::parse`] checks everything up front — magic, version, lengths, checksum, and every table
/// entry (name, dtype, rank, shape, data length, offset alignment and bounds, no overlap with the
/// header, the table or another tensor, no duplicate name, zero padding bits) — so the accessors
/// cannot fail on structure: only a lookup ([`BlobError::TensorNotFound`]) or a view
/// ([`BlobError::WrongDtype`], [`BlobError::Misaligned`]) can.
///
/// Checking costs one CRC pass over the blob plus O(n²) comparisons of the at most 64 table entries;
/// lookups by name scan the table.
///
/// ```
/// use engram_core::blob::{self, Aligned, Blob, TensorData, TensorSpec};
/// let mut buf = Aligned::<512>::zeroed();
/// let n = blob::write(
///     buf.as_mut_bytes(),
///     &[
///         TensorSpec::new("bias", &[3], TensorData::F64(&[0.5, -0.25, 1.0])),
///         TensorSpec::new("codes", &[2, 2], TensorData::I8(&[-128, 0, 1, 127])),
///     ],
/// )?;
/// let blob = Blob::parse(&buf.as_bytes()[..n])?;
/// assert_eq!(blob.tensor_count(), 2);
/// assert_eq!(blob.byte_len(), n);
/// let names: Vec<&str> = blob.tensors().map(|t| t.name()).collect();
/// assert_eq!(names, ["bias", "codes"]);
/// assert_eq!(blob.get("codes")?.as_i8()?, &[-128, 0, 1, 127]);
/// // Trailing bytes (e.g. the rest of a flash sector) are an error unless asked for.
/// assert!(Blob::parse(buf.as_bytes()).is_err());
/// assert_eq!(Blob::parse_prefix(buf.as_bytes())?, blob);
/// # Ok::<(), engram_core::blob::BlobError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Blob<'a> {
    bytes: &'a [u8],
    count: usize,
    crc: u32,
}

impl<'a> Blob<'a> {
    /// Parses and checks a blob that is exactly `bytes` ([`BlobError::TrailingBytes`] if `bytes` is
    /// longer than the header's total length).
    pub fn parse(bytes: &'a [u8]) -> Result<Blob<'a>, BlobError> {
        Self::parse_inner(bytes, true)
    }

    /// Parses and checks a blob at the start of `bytes`, ignoring whatever follows it (a blob
    /// stored in a larger flash region).
    pub fn parse_prefix(bytes: &'a [u8]) -> Result<Blob<'a>, BlobError> {
        Self::parse_inner(bytes, false)
    }

    fn parse_inner(bytes: &'a [u8], strict: bool) -> Result<Blob<'a>, BlobError> {
        let header = Header::decode(bytes)?;
        if header.count > MAX_TENSORS {
            return Err(BlobError::TooManyTensors {
                found: header.count,
                max: MAX_TENSORS,
            });
        }
        let needed = table_end(header.count);
        if header.total < needed {
            return Err(BlobError::BadLength {
                stored: header.total,
                needed,
            });
        }
        let Some(blob) = bytes.get(..header.total) else {
            return Err(BlobError::Truncated {
                needed: header.total,
                found: bytes.len(),
            });
        };
        if strict && bytes.len() > header.total {
            return Err(BlobError::TrailingBytes {
                expected: header.total,
                found: bytes.len(),
            });
        }
        let computed = checksum(blob.get(HEADER_LEN..).unwrap_or(&[]));
        if computed != header.crc {
            return Err(BlobError::ChecksumMismatch {
                stored: header.crc,
                computed,
            });
        }
        for i in 0..header.count {
            let e = Entry::decode(blob, i, header.count)?;
            let sizes = e.sizes(i)?;
            check_bits_padding(blob, i, &e, &sizes)?;
            for j in 0..i {
                if raw_name(blob, j) == raw_name(blob, i) {
                    return Err(BlobError::DuplicateName { tensor: i });
                }
                let (start, len) = raw_range(blob, j);
                let overlaps = len > 0
                    && e.len > 0
                    && start < e.offset.saturating_add(e.len)
                    && e.offset < start.saturating_add(len);
                if overlaps {
                    return Err(BlobError::Overlap {
                        first: j,
                        second: i,
                    });
                }
            }
        }
        Ok(Blob {
            bytes: blob,
            count: header.count,
            crc: header.crc,
        })
    }

    /// The blob's bytes (exactly its total length, header included).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The blob's total length in bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// How many tensors it holds.
    pub fn tensor_count(&self) -> usize {
        self.count
    }

    /// The CRC-32C stored in (and checked against) the header.
    pub fn checksum(&self) -> u32 {
        self.crc
    }

    /// The tensor at `index` in the table, if `index < tensor_count()`.
    pub fn tensor(&self, index: usize) -> Option<Tensor<'a>> {
        if index >= self.count {
            return None;
        }
        let e = Entry::decode(self.bytes, index, self.count).ok()?;
        Tensor::from_entry(self.bytes, index, &e)
    }

    /// The tensor called `name`, or [`BlobError::TensorNotFound`].
    pub fn get(&self, name: &str) -> Result<Tensor<'a>, BlobError> {
        let want = name.as_bytes();
        (0..self.count)
            .find(|&i| {
                let raw = raw_name(self.bytes, i);
                // Stored names are NUL-padded, and contain no NUL themselves.
                !want.is_empty()
                    && raw.get(..want.len()) == Some(want)
                    && raw.get(want.len()).is_none_or(|&b| b == 0)
            })
            .and_then(|i| self.tensor(i))
            .ok_or(BlobError::TensorNotFound)
    }

    /// Every tensor, in table order.
    pub fn tensors(&self) -> Tensors<'a> {
        Tensors {
            blob: *self,
            next: 0,
        }
    }
}

/// `Blob { len, tensors, checksum }` (not the bytes).
impl fmt::Debug for Blob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blob")
            .field("len", &self.bytes.len())
            .field("tensors", &self.count)
            .field("checksum", &format_args!("{:08x}", self.crc))
            .finish()
    }
}

impl<'a> IntoIterator for Blob<'a> {
    type Item = Tensor<'a>;
    type IntoIter = Tensors<'a>;
    fn into_iter(self) -> Tensors<'a> {
        self.tensors()
    }
}

impl<'a> IntoIterator for &Blob<'a> {
    type Item = Tensor<'a>;
    type IntoIter = Tensors<'a>;
    fn into_iter(self) -> Tensors<'a> {
        self.tensors()
    }
}

/// Iterator over a blob's tensors in table order ([`Blob::tensors`]).
#[derive(Debug, Clone)]
pub struct Tensors<'a> {
    blob: Blob<'a>,
    next: usize,
}

impl<'a> Iterator for Tensors<'a> {
    type Item = Tensor<'a>;

    fn next(&mut self) -> Option<Tensor<'a>> {
        let t = self.blob.tensor(self.next)?;
        self.next += 1;
        Some(t)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.blob.count.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Tensors<'_> {}
impl FusedIterator for Tensors<'_> {}

/// The raw 32-byte name field of entry `i` (empty if out of range).
fn raw_name(blob: &[u8], i: usize) -> &[u8] {
    let start = table_end(i);
    blob.get(start..start + NAME_MAX).unwrap_or(&[])
}

/// The stored (offset, length) of entry `i`'s data.
fn raw_range(blob: &[u8], i: usize) -> (usize, usize) {
    let start = table_end(i);
    let field = |at: usize| read_u32(blob, start + at).map_or(0, |v| v as usize);
    (field(E_OFFSET), field(E_LEN))
}

/// `Err(BitsPadding)` if a bits tensor has a padding bit set in some row.
fn check_bits_padding(
    blob: &[u8],
    tensor: usize,
    e: &Entry<'_>,
    sizes: &Sizes,
) -> Result<(), BlobError> {
    if e.dtype != Dtype::BitsU32 {
        return Ok(());
    }
    let word = |k: usize| read_u32(blob, e.offset + 4 * k).unwrap_or(0);
    match first_bad_padding_row(sizes, word) {
        Some(row) => Err(BlobError::BitsPadding { tensor, row }),
        None => Ok(()),
    }
}
