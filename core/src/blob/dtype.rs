//! [`Dtype`]: the element types a blob stores.

use core::fmt;

/// The element type of a stored tensor, with its one-byte code in the tensor table.
///
/// Every type is stored little-endian. [`Dtype::BitsU32`] packs ±1 patterns 32 to a word: the last
/// dimension `n` of the logical shape is the bit axis, each row (every index over the leading
/// dimensions) takes `ceil(n / 32)` words, bit `j` of word `k` of a row is element `32k + j`, a set
/// bit means +1 and a clear bit −1, and the padding bits past `n` in a row's last word are zero.
///
/// ```
/// use engram_core::blob::Dtype;
/// assert_eq!(Dtype::from_code(3), Some(Dtype::I8));
/// assert_eq!(Dtype::I8.code(), 3);
/// assert_eq!(Dtype::F64.size(), 8);
/// assert_eq!(Dtype::BitsU32.size(), 4); // bytes per stored word
/// assert_eq!(Dtype::from_code(0), None); // a zeroed table entry is never valid
/// assert_eq!(format!("{}", Dtype::BitsU32), "bits_u32");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Dtype {
    /// IEEE 754 binary32 (code 1).
    F32 = 1,
    /// IEEE 754 binary64 (code 2).
    F64 = 2,
    /// Two's-complement 8-bit integer (code 3).
    I8 = 3,
    /// Two's-complement 32-bit integer (code 4).
    I32 = 4,
    /// Bit-packed ±1 patterns in `u32` words (code 5).
    BitsU32 = 5,
}

impl Dtype {
    /// Every dtype, in code order.
    pub const ALL: [Dtype; 5] = [
        Dtype::F32,
        Dtype::F64,
        Dtype::I8,
        Dtype::I32,
        Dtype::BitsU32,
    ];

    /// The dtype with this table code, if any.
    pub const fn from_code(code: u8) -> Option<Dtype> {
        match code {
            1 => Some(Dtype::F32),
            2 => Some(Dtype::F64),
            3 => Some(Dtype::I8),
            4 => Some(Dtype::I32),
            5 => Some(Dtype::BitsU32),
            _ => None,
        }
    }

    /// The table code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Bytes per stored element (per word for [`Dtype::BitsU32`]); also the alignment a typed view
    /// of it needs.
    pub const fn size(self) -> usize {
        match self {
            Dtype::I8 => 1,
            Dtype::F32 | Dtype::I32 | Dtype::BitsU32 => 4,
            Dtype::F64 => 8,
        }
    }

    /// Lower-case name: `f32`, `f64`, `i8`, `i32`, `bits_u32`.
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
            Dtype::I8 => "i8",
            Dtype::I32 => "i32",
            Dtype::BitsU32 => "bits_u32",
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
