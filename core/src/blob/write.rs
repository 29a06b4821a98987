//! The writer: [`write()`] a blob into a caller's buffer (no allocation, so it also runs on a board),
//! and [`encoded_len`] to size that buffer first.

use super::format::{
    ALIGN, ENTRY_LEN, Entry, HEADER_LEN, Header, MAX_RANK, MAX_TENSORS, Sizes, align_up,
    check_name, first_bad_padding_row, table_end,
};
use super::{BlobError, Dtype, checksum};

/// A tensor's data as given to the writer: row-major elements (packed words for bits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TensorData<'a> {
    /// [`Dtype::F32`] elements (every bit pattern, NaN payloads included, is kept).
    F32(&'a [f32]),
    /// [`Dtype::F64`] elements.
    F64(&'a [f64]),
    /// [`Dtype::I8`] elements.
    I8(&'a [i8]),
    /// [`Dtype::I32`] elements.
    I32(&'a [i32]),
    /// [`Dtype::BitsU32`] words: `ceil(n / 32)` per row of `n` bits, padding bits zero
    /// (see [`bits::pack`](super::bits::pack)).
    BitsU32(&'a [u32]),
}

impl TensorData<'_> {
    /// The dtype it is stored as.
    ///
    /// ```
    /// use engram_core::blob::{Dtype, TensorData};
    /// assert_eq!(TensorData::I32(&[1, 2]).dtype(), Dtype::I32);
    /// ```
    pub const fn dtype(&self) -> Dtype {
        match self {
            TensorData::F32(_) => Dtype::F32,
            TensorData::F64(_) => Dtype::F64,
            TensorData::I8(_) => Dtype::I8,
            TensorData::I32(_) => Dtype::I32,
            TensorData::BitsU32(_) => Dtype::BitsU32,
        }
    }

    /// Elements given (words, for bits).
    ///
    /// ```
    /// assert_eq!(engram_core::blob::TensorData::F64(&[1.0; 3]).len(), 3);
    /// ```
    pub const fn len(&self) -> usize {
        match self {
            TensorData::F32(d) => d.len(),
            TensorData::F64(d) => d.len(),
            TensorData::I8(d) => d.len(),
            TensorData::I32(d) => d.len(),
            TensorData::BitsU32(d) => d.len(),
        }
    }

    /// Whether no element is given.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One tensor to write: a name, a logical shape and the data.
///
/// The name is 1 to [`NAME_MAX`](super::NAME_MAX) bytes of UTF-8 without NUL and unique in the
/// blob; the shape has 1 to [`MAX_RANK`](super::MAX_RANK) dimensions (zero dimensions are allowed);
/// the data holds exactly the product of the shape elements, or for bits `rows × ceil(n / 32)`
/// words for a shape `[rows…, n]`.
///
/// ```
/// use engram_core::blob::{TensorData, TensorSpec};
/// let spec = TensorSpec::new("readout", &[2, 3], TensorData::F32(&[0.0; 6]));
/// assert_eq!(spec.name, "readout");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TensorSpec<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its logical shape, outermost first.
    pub shape: &'a [usize],
    /// Its data, row-major.
    pub data: TensorData<'a>,
}

impl<'a> TensorSpec<'a> {
    /// A spec from its parts.
    pub const fn new(name: &'a str, shape: &'a [usize], data: TensorData<'a>) -> Self {
        Self { name, shape, data }
    }

    /// Checks the spec on its own and returns its table entry (offset 0) and sizes.
    fn plan(&self, tensor: usize) -> Result<(Entry<'a>, Sizes), BlobError> {
        check_name(tensor, self.name)?;
        let rank = self.shape.len();
        if rank == 0 || rank > MAX_RANK {
            return Err(BlobError::BadRank { tensor, rank });
        }
        let mut dims = [0u32; MAX_RANK];
        for (d, &s) in dims.iter_mut().zip(self.shape) {
            *d = u32::try_from(s).map_err(|_| BlobError::TooLarge { tensor })?;
        }
        let dtype = self.data.dtype();
        let sizes = Sizes::of(tensor, dtype, dims.get(..rank).unwrap_or(&[]))?;
        if self.data.len() != sizes.stored {
            return Err(BlobError::DataLength {
                tensor,
                expected: sizes.stored,
                found: self.data.len(),
            });
        }
        if let TensorData::BitsU32(words) = self.data {
            let word = |k: usize| words.get(k).copied().unwrap_or(0);
            if let Some(row) = first_bad_padding_row(&sizes, word) {
                return Err(BlobError::BitsPadding { tensor, row });
            }
        }
        let entry = Entry {
            name: self.name,
            dtype,
            rank,
            dims,
            offset: 0,
            len: sizes.bytes,
        };
        Ok((entry, sizes))
    }
}

/// The length in bytes of the blob [`write()`] makes from `tensors`, after checking them exactly as
/// `write` does (so the host can size a `Vec` and know `write` will succeed).
///
/// The layout: header, table, then each tensor's data in order at the next multiple of 16, and
/// the total rounded up to a multiple of 16.
///
/// ```
/// use engram_core::blob::{self, TensorData, TensorSpec};
/// let t = [TensorSpec::new("x", &[3], TensorData::I8(&[1, 2, 3]))];
/// // 32-byte header + one 64-byte entry + 3 data bytes, padded to 16.
/// assert_eq!(blob::encoded_len(&t)?, 112);
/// # Ok::<(), blob::BlobError>(())
/// ```
pub fn encoded_len(tensors: &[TensorSpec<'_>]) -> Result<usize, BlobError> {
    let mut end = data_start(tensors)?;
    for (i, spec) in tensors.iter().enumerate() {
        let (_, sizes) = spec.plan(i)?;
        if tensors
            .get(..i)
            .unwrap_or(&[])
            .iter()
            .any(|t| t.name == spec.name)
        {
            return Err(BlobError::DuplicateName { tensor: i });
        }
        end = place(end, sizes.bytes, i)?.1;
    }
    let total = align_up(end).ok_or(BlobError::TooLarge {
        tensor: tensors.len(),
    })?;
    if u32::try_from(total).is_err() {
        return Err(BlobError::TooLarge {
            tensor: tensors.len(),
        });
    }
    Ok(total)
}

/// Writes a blob of `tensors` at the start of `out` and returns its length ([`encoded_len`]).
///
/// Nothing is written unless every tensor checks out and `out` is long enough
/// ([`BlobError::OutputTooSmall`]). Bytes of `out` past the returned length are left untouched.
/// To view the result zero-copy, write into an [`Aligned`](super::Aligned) buffer.
///
/// ```
/// use engram_core::blob::{self, Aligned, Blob, BlobError, TensorData, TensorSpec};
/// let t = [TensorSpec::new("x", &[2], TensorData::I32(&[-7, 9]))];
/// let mut small = [0u8; 64];
/// assert_eq!(
///     blob::write(&mut small, &t),
///     Err(BlobError::OutputTooSmall { needed: 112, found: 64 })
/// );
/// let mut buf = Aligned::<112>::zeroed();
/// assert_eq!(blob::write(buf.as_mut_bytes(), &t)?, 112);
/// assert_eq!(Blob::parse(buf.as_bytes())?.get("x")?.as_i32()?, &[-7, 9]);
/// # Ok::<(), BlobError>(())
/// ```
pub fn write(out: &mut [u8], tensors: &[TensorSpec<'_>]) -> Result<usize, BlobError> {
    let total = encoded_len(tensors)?;
    let found = out.len();
    let too_small = BlobError::OutputTooSmall {
        needed: total,
        found,
    };
    let out = out.get_mut(..total).ok_or(too_small)?;
    out.fill(0);
    let mut end = data_start(tensors)?;
    for (i, spec) in tensors.iter().enumerate() {
        let (mut entry, sizes) = spec.plan(i)?;
        let (offset, next) = place(end, sizes.bytes, i)?;
        entry.offset = offset;
        end = next;
        let dst = out.get_mut(offset..next).ok_or(too_small)?;
        put_data(dst, spec.data);
        let slot = out.get_mut(table_end(i)..table_end(i + 1));
        if !slot.is_some_and(|slot| entry.encode(slot)) {
            return Err(too_small);
        }
    }
    let crc = checksum(out.get(HEADER_LEN..).unwrap_or(&[]));
    let header = Header {
        count: tensors.len(),
        total,
        crc,
    };
    if !header.encode(out) {
        return Err(too_small);
    }
    Ok(total)
}

/// Where the data region starts, after checking the tensor count.
fn data_start(tensors: &[TensorSpec<'_>]) -> Result<usize, BlobError> {
    if tensors.len() > MAX_TENSORS {
        return Err(BlobError::TooManyTensors {
            found: tensors.len(),
            max: MAX_TENSORS,
        });
    }
    Ok(table_end(tensors.len()))
}

// The data region starts aligned: 32 + 64·n is a multiple of 16.
const _: () = assert!(HEADER_LEN.is_multiple_of(ALIGN) && ENTRY_LEN.is_multiple_of(ALIGN));

/// Places `bytes` of data at the next aligned offset from `end`: (offset, new end), both within
/// the format's `u32` offsets.
fn place(end: usize, bytes: usize, tensor: usize) -> Result<(usize, usize), BlobError> {
    let too_large = BlobError::TooLarge { tensor };
    let offset = align_up(end).ok_or(too_large)?;
    let next = offset.checked_add(bytes).ok_or(too_large)?;
    if u32::try_from(next).is_err() {
        return Err(too_large);
    }
    Ok((offset, next))
}

/// Copies the data little-endian into `dst` (exactly its byte length).
fn put_data(dst: &mut [u8], data: TensorData<'_>) {
    fn put<T: Copy, const N: usize>(dst: &mut [u8], src: &[T], le: fn(T) -> [u8; N]) {
        for (d, &s) in dst.chunks_exact_mut(N).zip(src) {
            d.copy_from_slice(&le(s));
        }
    }
    match data {
        TensorData::F32(s) => put(dst, s, f32::to_le_bytes),
        TensorData::F64(s) => put(dst, s, f64::to_le_bytes),
        TensorData::I8(s) => put(dst, s, i8::to_le_bytes),
        TensorData::I32(s) => put(dst, s, i32::to_le_bytes),
        TensorData::BitsU32(s) => put(dst, s, u32::to_le_bytes),
    }
}
