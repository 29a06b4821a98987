//! [`Aligned`]: bytes at a 16-byte aligned address, so every typed view of a blob held in them
//! succeeds; and [`include_aligned!`](crate::include_aligned) to embed a blob file in flash.

/// `N` bytes starting at a 16-byte aligned address.
///
/// Every tensor's data sits at a multiple of 16 from the blob start, so a blob held in an
/// `Aligned` buffer can be viewed as any element type without [`BlobError::Misaligned`](super::BlobError::Misaligned).
/// Use it for a stack or static buffer to [`write()`](super::write()) into, or for a blob embedded in
/// flash:
///
/// ```
/// use engram_core::blob::{Aligned, Blob};
/// // In firmware: `include_bytes!("weights.bin")`; here, the crate's own example blob.
/// static WEIGHTS: Aligned<{ include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/blob/testdata/example.bin")).len() }> =
///     Aligned(*include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/blob/testdata/example.bin")));
///
/// let blob = Blob::parse(WEIGHTS.as_bytes())?;
/// assert_eq!(WEIGHTS.as_bytes().as_ptr() as usize % 16, 0);
/// assert_eq!(blob.get("w")?.as_f32()?.len(), 6);
/// # Ok::<(), engram_core::blob::BlobError>(())
/// ```
///
/// [`include_aligned!`](crate::include_aligned) does the same without spelling the path twice.
/// A stack buffer for the writer:
///
/// ```
/// use engram_core::blob::{self, Aligned, TensorData, TensorSpec};
/// let mut buf = Aligned::<256>::zeroed();
/// let n = blob::write(buf.as_mut_bytes(), &[TensorSpec::new("v", &[4], TensorData::F32(&[1.0; 4]))])?;
/// assert_eq!(n, 112);
/// # Ok::<(), engram_core::blob::BlobError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, align(16))]
pub struct Aligned<const N: usize>(pub [u8; N]);

impl<const N: usize> Aligned<N> {
    /// Wraps `bytes`.
    pub const fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// `N` zero bytes.
    pub const fn zeroed() -> Self {
        Self([0; N])
    }

    /// The bytes (their address is a multiple of 16).
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, mutably.
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl<const N: usize> Default for Aligned<N> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<const N: usize> AsRef<[u8]> for Aligned<N> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> AsMut<[u8]> for Aligned<N> {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

/// Embeds a file like [`include_bytes!`], but 16-byte aligned: evaluates to a `&'static [u8]`
/// held in a static [`Aligned`](crate::blob::Aligned), ready for [`Blob::parse`](crate::blob::Blob::parse)
/// and every typed view. The path is relative to the file that invokes the macro, as for
/// `include_bytes!`. On a board the bytes stay in flash.
///
/// ```
/// use engram_core::blob::Blob;
/// // In firmware: `engram_core::include_aligned!("../weights.bin")`.
/// static WEIGHTS: &[u8] = engram_core::include_aligned!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/src/blob/testdata/example.bin"
/// ));
/// assert_eq!(WEIGHTS.as_ptr() as usize % 16, 0);
/// let blob = Blob::parse(WEIGHTS)?;
/// assert_eq!(blob.get("bias")?.as_f64()?, &[0.5, -0.25, 1e-300]);
/// # Ok::<(), engram_core::blob::BlobError>(())
/// ```
#[macro_export]
macro_rules! include_aligned {
    ($($path:tt)+) => {{
        const LEN: usize = ::core::include_bytes!($($path)+).len();
        static ALIGNED: $crate::blob::Aligned<LEN> =
            $crate::blob::Aligned(*::core::include_bytes!($($path)+));
        ALIGNED.as_bytes()
    }};
}
