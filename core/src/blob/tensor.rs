//! [`Tensor`]: one parsed tensor, borrowed from the blob, with zero-copy typed views.

use core::fmt;

use super::format::{Entry, MAX_RANK};
use super::{BlobError, Dtype};

/// One tensor of a parsed [`Blob`](super::Blob): its name, dtype, shape and data, all borrowed from
/// the blob's bytes.
///
/// The typed views (`as_f32`, …) reinterpret the stored bytes in place with
/// [`bytemuck::try_cast_slice`]: they fail with [`BlobError::WrongDtype`] when asked for another
/// dtype, and with [`BlobError::Misaligned`] when the blob's bytes do not start at an address
/// aligned enough for the element type (every data offset is a multiple of 16 from the blob start,
/// so holding the blob in an [`Aligned`](super::Aligned) buffer guarantees success).
///
/// ```
/// use engram_core::blob::{self, Aligned, Blob, BlobError, Dtype, TensorData, TensorSpec};
/// let w = [0.5f32, -1.0, 2.0, 0.25, 8.0, -0.0];
/// let mut buf = Aligned::<512>::zeroed();
/// let n = blob::write(
///     buf.as_mut_bytes(),
///     &[TensorSpec::new("w", &[2, 3], TensorData::F32(&w))],
/// )?;
/// let blob = Blob::parse(&buf.as_bytes()[..n])?;
/// let t = blob.get("w")?.expect_shape(&[2, 3])?;
/// assert_eq!((t.name(), t.dtype(), t.shape(), t.len()), ("w", Dtype::F32, &[2, 3][..], 6));
/// assert_eq!(t.as_f32()?, &w);
/// assert_eq!(t.bytes().len(), 24);
/// assert!(matches!(t.as_i8(), Err(BlobError::WrongDtype { .. })));
/// assert!(matches!(t.expect_shape(&[3, 2]), Err(BlobError::ShapeMismatch { axis: 0, .. })));
/// # Ok::<(), BlobError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tensor<'a> {
    index: usize,
    name: &'a str,
    dtype: Dtype,
    rank: usize,
    dims: [usize; MAX_RANK],
    elements: usize,
    data: &'a [u8],
}

/// `Tensor { index, name, dtype, shape, bytes }` (the data's length, not its contents).
impl fmt::Debug for Tensor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tensor")
            .field("index", &self.index)
            .field("name", &self.name)
            .field("dtype", &self.dtype)
            .field("shape", &self.shape())
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl<'a> Tensor<'a> {
    /// A tensor from a checked entry of `blob` (its exact bytes); `None` only if the entry does not
    /// fit, which the parser has ruled out.
    pub(super) fn from_entry(blob: &'a [u8], index: usize, e: &Entry<'a>) -> Option<Tensor<'a>> {
        let sizes = e.sizes(index).ok()?;
        let mut dims = [0usize; MAX_RANK];
        for (d, &s) in dims.iter_mut().zip(e.shape()) {
            *d = usize::try_from(s).ok()?;
        }
        Some(Tensor {
            index,
            name: e.name,
            dtype: e.dtype,
            rank: e.rank,
            dims,
            elements: sizes.elements,
            data: blob.get(e.offset..e.offset.checked_add(e.len)?)?,
        })
    }

    /// Its index in the tensor table (the order it was written in).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Its name (1 to 32 bytes of UTF-8).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Its element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Its number of dimensions (1 to 4).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Its logical shape, outermost dimension first (row-major). For [`Dtype::BitsU32`] the last
    /// dimension counts bits, not stored words.
    pub fn shape(&self) -> &[usize] {
        self.dims.get(..self.rank).unwrap_or(&[])
    }

    /// Logical element count: the product of the shape (bits, for [`Dtype::BitsU32`]).
    pub fn len(&self) -> usize {
        self.elements
    }

    /// Whether it has no elements (some dimension is zero).
    pub fn is_empty(&self) -> bool {
        self.elements == 0
    }

    /// Its stored data: little-endian elements (words for [`Dtype::BitsU32`]), no padding.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    /// Itself, if its shape is exactly `shape`; else [`BlobError::RankMismatch`] or
    /// [`BlobError::ShapeMismatch`] naming the first axis that differs.
    pub fn expect_shape(self, shape: &[usize]) -> Result<Self, BlobError> {
        if shape.len() != self.rank {
            return Err(BlobError::RankMismatch {
                tensor: self.index,
                expected: shape.len(),
                found: self.rank,
            });
        }
        for (axis, (&want, &have)) in shape.iter().zip(self.shape()).enumerate() {
            if want != have {
                return Err(BlobError::ShapeMismatch {
                    tensor: self.index,
                    axis,
                    expected: want,
                    found: have,
                });
            }
        }
        Ok(self)
    }

    fn view<T: bytemuck::Pod>(&self, want: Dtype) -> Result<&'a [T], BlobError> {
        if self.dtype != want {
            return Err(BlobError::WrongDtype {
                tensor: self.index,
                expected: want,
                found: self.dtype,
            });
        }
        if cfg!(target_endian = "big") && core::mem::size_of::<T>() > 1 {
            return Err(BlobError::BigEndianTarget);
        }
        if self.data.is_empty() {
            // No element to misalign: an empty tensor views fine wherever it sits.
            return Ok(&[]);
        }
        bytemuck::try_cast_slice(self.data).map_err(|_| BlobError::Misaligned {
            tensor: self.index,
            align: core::mem::align_of::<T>(),
        })
    }

    /// The data as `f32`s, without copying.
    pub fn as_f32(&self) -> Result<&'a [f32], BlobError> {
        self.view(Dtype::F32)
    }

    /// The data as `f64`s, without copying.
    pub fn as_f64(&self) -> Result<&'a [f64], BlobError> {
        self.view(Dtype::F64)
    }

    /// The data as `i8`s, without copying (never misaligned).
    pub fn as_i8(&self) -> Result<&'a [i8], BlobError> {
        self.view(Dtype::I8)
    }

    /// The data as `i32`s, without copying.
    pub fn as_i32(&self) -> Result<&'a [i32], BlobError> {
        self.view(Dtype::I32)
    }

    /// The packed ±1 words, without copying: `rows × ceil(n / 32)` words for a logical shape
    /// `[rows…, n]`, row after row (see [`Dtype::BitsU32`] and [`bits`](super::bits)).
    ///
    /// ```
    /// use engram_core::blob::{self, bits, Aligned, Blob, TensorData, TensorSpec};
    /// // Two rows of 40 ±1 values: 2 words per row.
    /// let mut words = [0u32; 4];
    /// bits::pack(&mut words[..2], (0..40).map(|j| j % 3 == 0))?;
    /// bits::pack(&mut words[2..], (0..40).map(|j| j >= 35))?;
    /// let mut buf = Aligned::<256>::zeroed();
    /// let n = blob::write(
    ///     buf.as_mut_bytes(),
    ///     &[TensorSpec::new("p", &[2, 40], TensorData::BitsU32(&words))],
    /// )?;
    /// let blob = Blob::parse(&buf.as_bytes()[..n])?;
    /// let p = blob.get("p")?.as_bits_u32()?;
    /// let row1 = &p[2..4];
    /// assert_eq!(bits::sign(row1, 36), Some(1));
    /// assert_eq!(bits::sign(row1, 0), Some(-1));
    /// # Ok::<(), engram_core::blob::BlobError>(())
    /// ```
    pub fn as_bits_u32(&self) -> Result<&'a [u32], BlobError> {
        self.view(Dtype::BitsU32)
    }
}
