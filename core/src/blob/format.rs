//! The byte layout shared by the reader and the writer: constants, the checksum, table entries and
//! the size rules (see the table in the module docs).

use super::{BlobError, Dtype};

/// The 8 magic bytes that start every blob: `0x89 "ENGRAM" 0x0a`.
///
/// Like PNG's signature, the high first byte catches 7-bit transfers and the final line feed
/// catches line-ending conversion; the format version is a separate header field.
pub const MAGIC: [u8; 8] = *b"\x89ENGRAM\n";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Bytes in the header.
pub const HEADER_LEN: usize = 32;
/// Bytes in one tensor-table entry.
pub const ENTRY_LEN: usize = 64;
/// Longest tensor name, in UTF-8 bytes.
pub const NAME_MAX: usize = 32;
/// Most dimensions a tensor may have.
pub const MAX_RANK: usize = 4;
/// Most tensors one blob may hold.
pub const MAX_TENSORS: usize = 64;
/// Alignment of every tensor's data offset from the blob start (and of [`Aligned`](super::Aligned)).
pub const ALIGN: usize = 16;

// Header field offsets.
const H_VERSION: usize = 8;
const H_COUNT: usize = 12;
const H_TOTAL: usize = 16;
const H_CRC: usize = 20;
const H_RESERVED: usize = 24;

// Table-entry field offsets.
const E_DTYPE: usize = 32;
const E_RANK: usize = 33;
const E_RESERVED0: usize = 34;
const E_SHAPE: usize = 36;
pub(super) const E_OFFSET: usize = 52;
pub(super) const E_LEN: usize = 56;
const E_RESERVED1: usize = 60;

static CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// CRC-32C (Castagnoli; `crc::CRC_32_ISCSI`: reflected polynomial 0x82F63B78, init and final XOR
/// 0xFFFFFFFF) of `bytes`: the blob header stores this over every byte after the header.
///
/// ```
/// assert_eq!(engram_core::blob::checksum(b"123456789"), 0xe306_9283);
/// ```
pub fn checksum(bytes: &[u8]) -> u32 {
    CRC.checksum(bytes)
}

/// The little-endian `u32` at `at`, if `bytes` is long enough.
pub(super) fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let b: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Writes `v` little-endian at `at`; `false` if `bytes` is too short.
pub(super) fn write_u32(bytes: &mut [u8], at: usize, v: u32) -> bool {
    match at.checked_add(4).and_then(|end| bytes.get_mut(at..end)) {
        Some(dst) => {
            dst.copy_from_slice(&v.to_le_bytes());
            true
        }
        None => false,
    }
}

/// `a` rounded up to a multiple of [`ALIGN`], or `None` on overflow.
pub(super) const fn align_up(a: usize) -> Option<usize> {
    match a.checked_add(ALIGN - 1) {
        Some(x) => Some(x / ALIGN * ALIGN),
        None => None,
    }
}

/// Length of the header plus a table of `count` entries.
pub(super) const fn table_end(count: usize) -> usize {
    HEADER_LEN + ENTRY_LEN * count
}

/// The decoded fixed fields of a header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Header {
    pub count: usize,
    pub total: usize,
    pub crc: u32,
}

impl Header {
    /// Checks magic, version and reserved bytes, and decodes the rest (lengths unchecked).
    pub(super) fn decode(bytes: &[u8]) -> Result<Header, BlobError> {
        let Some(h) = bytes.get(..HEADER_LEN) else {
            return Err(BlobError::Truncated {
                needed: HEADER_LEN,
                found: bytes.len(),
            });
        };
        if h.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(BlobError::BadMagic);
        }
        let field = |at| read_u32(h, at).ok_or(BlobError::BadMagic);
        let version = field(H_VERSION)?;
        if version != VERSION {
            return Err(BlobError::UnsupportedVersion { found: version });
        }
        check_zero(h, H_RESERVED, HEADER_LEN, 0)?;
        Ok(Header {
            count: field(H_COUNT)? as usize,
            total: field(H_TOTAL)? as usize,
            crc: field(H_CRC)?,
        })
    }

    /// Writes the header into `out[..HEADER_LEN]` (which must already be zeroed).
    pub(super) fn encode(&self, out: &mut [u8]) -> bool {
        match out.get_mut(..MAGIC.len()) {
            Some(m) => m.copy_from_slice(&MAGIC),
            None => return false,
        }
        write_u32(out, H_VERSION, VERSION)
            && write_u32(out, H_COUNT, self.count as u32)
            && write_u32(out, H_TOTAL, self.total as u32)
            && write_u32(out, H_CRC, self.crc)
    }
}

/// `Err(ReservedNotZero)` naming the first non-zero byte of `bytes[from..to]` (`base` is the
/// offset of `bytes` in the blob).
fn check_zero(bytes: &[u8], from: usize, to: usize, base: usize) -> Result<(), BlobError> {
    let field = bytes.get(from..to).unwrap_or(&[]);
    match field.iter().position(|&b| b != 0) {
        Some(i) => Err(BlobError::ReservedNotZero {
            offset: base + from + i,
        }),
        None => Ok(()),
    }
}

/// One decoded tensor-table entry.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry<'a> {
    pub name: &'a str,
    pub dtype: Dtype,
    pub rank: usize,
    pub dims: [u32; MAX_RANK],
    pub offset: usize,
    pub len: usize,
}

impl<'a> Entry<'a> {
    /// Decodes and checks entry `index` of `blob` (exactly the blob's bytes, header and table of
    /// `count` entries included) on its own: name, dtype, rank, shape, data length, offset alignment
    /// and bounds. Cross-entry rules (duplicates, overlap) are the parser's.
    pub(super) fn decode(
        blob: &'a [u8],
        index: usize,
        count: usize,
    ) -> Result<Entry<'a>, BlobError> {
        let start = table_end(index);
        let e = blob
            .get(start..start + ENTRY_LEN)
            .ok_or(BlobError::Truncated {
                needed: start + ENTRY_LEN,
                found: blob.len(),
            })?;
        let name = decode_name(e.get(..NAME_MAX).unwrap_or(&[]))
            .ok_or(BlobError::BadName { tensor: index })?;
        let code = e.get(E_DTYPE).copied().unwrap_or(0);
        let dtype = Dtype::from_code(code).ok_or(BlobError::BadDtype {
            tensor: index,
            code,
        })?;
        let rank = usize::from(e.get(E_RANK).copied().unwrap_or(0));
        if rank == 0 || rank > MAX_RANK {
            return Err(BlobError::BadRank {
                tensor: index,
                rank,
            });
        }
        check_zero(e, E_RESERVED0, E_SHAPE, start)?;
        check_zero(e, E_RESERVED1, ENTRY_LEN, start)?;
        let mut dims = [0u32; MAX_RANK];
        for (axis, d) in dims.iter_mut().enumerate() {
            *d = read_u32(e, E_SHAPE + 4 * axis).unwrap_or(0);
            if axis >= rank && *d != 0 {
                return Err(BlobError::BadShape { tensor: index });
            }
        }
        let field = |at| read_u32(e, at).map_or(0, |v| v as usize);
        let (offset, len) = (field(E_OFFSET), field(E_LEN));
        let entry = Entry {
            name,
            dtype,
            rank,
            dims,
            offset,
            len,
        };
        let expected = entry.sizes(index)?.bytes;
        if len != expected {
            return Err(BlobError::DataLength {
                tensor: index,
                expected,
                found: len,
            });
        }
        if offset % ALIGN != 0 || offset < table_end(count) {
            return Err(BlobError::BadOffset {
                tensor: index,
                offset,
            });
        }
        let end = offset
            .checked_add(len)
            .ok_or(BlobError::TooLarge { tensor: index })?;
        if end > blob.len() {
            return Err(BlobError::OutOfBounds {
                tensor: index,
                end,
                len: blob.len(),
            });
        }
        Ok(entry)
    }

    /// The shape as used dims.
    pub(super) fn shape(&self) -> &[u32] {
        self.dims.get(..self.rank).unwrap_or(&[])
    }

    /// Element count, row layout and byte length implied by shape and dtype.
    pub(super) fn sizes(&self, tensor: usize) -> Result<Sizes, BlobError> {
        Sizes::of(tensor, self.dtype, self.shape())
    }

    /// Encodes into a zeroed 64-byte table slot.
    pub(super) fn encode(&self, slot: &mut [u8]) -> bool {
        let Some(n) = slot.get_mut(..self.name.len()) else {
            return false;
        };
        n.copy_from_slice(self.name.as_bytes());
        let Some([dtype, rank]) = slot.get_mut(E_DTYPE..E_RESERVED0) else {
            return false;
        };
        *dtype = self.dtype.code();
        *rank = self.rank as u8;
        let mut ok = true;
        for (axis, &d) in self.dims.iter().enumerate() {
            ok &= write_u32(slot, E_SHAPE + 4 * axis, d);
        }
        ok && write_u32(slot, E_OFFSET, self.offset as u32)
            && write_u32(slot, E_LEN, self.len as u32)
    }
}

/// A stored name: 1..=32 UTF-8 bytes without NUL, then NUL padding to 32 bytes.
fn decode_name(field: &[u8]) -> Option<&str> {
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let (name, pad) = field.split_at_checked(len)?;
    if name.is_empty() || pad.iter().any(|&b| b != 0) {
        return None;
    }
    core::str::from_utf8(name).ok()
}

/// Checks a name the writer was given: 1..=32 bytes, no NUL.
pub(super) fn check_name(tensor: usize, name: &str) -> Result<(), BlobError> {
    if name.len() > NAME_MAX {
        return Err(BlobError::NameTooLong {
            tensor,
            len: name.len(),
        });
    }
    if name.is_empty() || name.bytes().any(|b| b == 0) {
        return Err(BlobError::BadName { tensor });
    }
    Ok(())
}

/// What a shape and dtype imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sizes {
    /// Logical elements: the product of the dims (fits `u32`).
    pub elements: usize,
    /// Stored elements: `elements`, or rows × words per row for bits.
    pub stored: usize,
    /// Bits per row (the last dim) for [`Dtype::BitsU32`]; 0 otherwise.
    pub bits_per_row: usize,
    /// Data length in bytes (fits `u32`).
    pub bytes: usize,
}

impl Sizes {
    /// The sizes of a tensor, `TooLarge` when the element count or the byte length exceeds `u32`.
    pub(super) fn of(tensor: usize, dtype: Dtype, shape: &[u32]) -> Result<Sizes, BlobError> {
        let too_large = BlobError::TooLarge { tensor };
        let max = u64::from(u32::MAX);
        let product = |dims: &[u32]| -> Result<u64, BlobError> {
            if dims.contains(&0) {
                return Ok(0);
            }
            // All dims ≥ 1, so a partial product past u32::MAX means the whole one is too.
            dims.iter().try_fold(1u64, |acc, &d| {
                let p = acc * u64::from(d);
                if p > max { Err(too_large) } else { Ok(p) }
            })
        };
        let elements = product(shape)?;
        let (stored, bits_per_row) = match (dtype, shape.split_last()) {
            (Dtype::BitsU32, Some((&n, rows))) => {
                // With a zero dim there is nothing to store (and the rows need not fit u32).
                let stored = if elements == 0 {
                    0
                } else {
                    // rows × ceil(n/32) ≤ rows × n = elements ≤ u32::MAX.
                    product(rows)? * u64::from(n).div_ceil(32)
                };
                (stored, n as usize)
            }
            _ => (elements, 0),
        };
        // stored ≤ u32::MAX and size ≤ 8, so this cannot overflow u64.
        let bytes = stored * dtype.size() as u64;
        if bytes > max {
            return Err(too_large);
        }
        let to_usize = |v: u64| usize::try_from(v).map_err(|_| too_large);
        Ok(Sizes {
            elements: to_usize(elements)?,
            stored: to_usize(stored)?,
            bits_per_row,
            bytes: to_usize(bytes)?,
        })
    }

    /// Words per row of a bits tensor (`ceil(bits_per_row / 32)`).
    pub(super) fn words_per_row(&self) -> usize {
        self.bits_per_row.div_ceil(32)
    }
}

/// Mask of the padding bits of a row's last word (0 when the row fills its words exactly).
pub(super) const fn padding_mask(bits_per_row: usize) -> u32 {
    match bits_per_row % 32 {
        0 => 0,
        r => !((1u32 << r) - 1),
    }
}

/// First row of a bits tensor whose last word has a padding bit set; `word(i)` reads stored word `i`.
pub(super) fn first_bad_padding_row(
    sizes: &Sizes,
    mut word: impl FnMut(usize) -> u32,
) -> Option<usize> {
    let mask = padding_mask(sizes.bits_per_row);
    let wpr = sizes.words_per_row();
    if mask == 0 || wpr == 0 {
        return None;
    }
    (0..sizes.stored / wpr).find(|&row| word((row + 1) * wpr - 1) & mask != 0)
}
