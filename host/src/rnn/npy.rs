//! NumPy `.npy` files: the one reader and writer of the host crate (`engram rnn trajectories`
//! writes them, `engram rnn import` reads them).
//!
//! # Format (NumPy's `numpy.lib.format`, versions 1.0, 2.0 and 3.0)
//!
//! ```text
//! \x93NUMPY  major minor  header_len (u16 LE in 1.0; u32 LE in 2.0 and 3.0)
//! header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//!         space-padded and ended by '\n' so the data starts on a 64-byte boundary
//! data:   Π shape elements, little-endian, C (row-major) order
//! ```
//!
//! The reader accepts `'<f4'` (float32) and `'<f8'` (float64, each value rounded to the nearest
//! f32 once) in C order and refuses everything else with a message that says what to do:
//! Fortran order (`np.save(path, np.ascontiguousarray(a))`), big-endian or other dtypes
//! (`a.astype('<f4')`), object arrays (pickles are never read), a data length that does not match
//! the shape. A 0- or 1-dimensional array in Fortran order has the same bytes as in C order and is
//! accepted. The writer makes version 1.0 (2.0 when the header exceeds 65 535 bytes) `'<f4'` C-order
//! files, as `np.save` does.

use std::io::Write;
use std::path::Path;

/// Magic string of every `.npy` file.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Alignment of the data start (NumPy ≥ 1.14 pads the header to 64 bytes).
pub const ALIGN: usize = 64;

/// The element type stored in a file the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NpyDtype {
    /// `'<f4'`: little-endian float32.
    F32,
    /// `'<f8'`: little-endian float64 (rounded to f32 when read).
    F64,
}

impl NpyDtype {
    /// NumPy's `descr` string.
    pub fn descr(self) -> &'static str {
        match self {
            NpyDtype::F32 => "<f4",
            NpyDtype::F64 => "<f8",
        }
    }

    fn size(self) -> usize {
        match self {
            NpyDtype::F32 => 4,
            NpyDtype::F64 => 8,
        }
    }
}

/// An array read from a `.npy` file, as f32 in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Its shape (empty for a 0-d array).
    pub shape: Vec<usize>,
    /// Its dtype in the file.
    pub dtype: NpyDtype,
    /// Its elements in C order (f64 files rounded to f32).
    pub data: Vec<f32>,
}

/// What is wrong with a `.npy` file: a one-line message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpyError {
    /// Not an `.npy` file.
    #[error("not a NumPy .npy file (bad magic)")]
    Magic,
    /// A format version this reader does not know.
    #[error("unsupported .npy format version {0}.{1} (expected 1.0, 2.0 or 3.0)")]
    Version(u8, u8),
    /// The file ends inside the preamble or header.
    #[error("truncated .npy header")]
    Truncated,
    /// The header dict is malformed.
    #[error("bad .npy header: {0}")]
    Header(String),
    /// A dtype other than `'<f4'` or `'<f8'`.
    #[error(
        "dtype '{0}' is not supported (need float32 '<f4' or float64 '<f8'; save a.astype('<f4'))"
    )]
    Dtype(String),
    /// Fortran (column-major) order with more than one dimension.
    #[error(
        "array is in Fortran order (e.g. a transposed view); save np.ascontiguousarray(a) instead"
    )]
    Fortran,
    /// The data does not have Π shape × item size bytes.
    #[error("data is {found} bytes, but shape {shape} of {descr} needs {expected}")]
    Length {
        /// Bytes the shape needs.
        expected: u64,
        /// Bytes present.
        found: u64,
        /// The shape, as NumPy prints it.
        shape: String,
        /// The dtype.
        descr: &'static str,
    },
}

/// The shape as NumPy prints it: `(3, 4)`, `(7,)`, `()`.
pub fn shape_str(shape: &[usize]) -> String {
    match shape {
        [] => "()".into(),
        [n] => format!("({n},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
            format!("({})", dims.join(", "))
        }
    }
}

/// The header (preamble, dict, padding) of a little-endian f32 C-order array of `shape`: version
/// 1.0, or 2.0 if the padded header does not fit a u16. The data starts on a 64-byte boundary.
///
/// ```
/// let h = engram::rnn::npy::header_f32(&[3, 4]);
/// assert_eq!(h.len() % 64, 0);
/// assert!(h.starts_with(b"\x93NUMPY\x01\x00"));
/// let a = engram::rnn::npy::parse(&[h, vec![0u8; 48]].concat())?;
/// assert_eq!(a.shape, [3, 4]);
/// # Ok::<(), engram::rnn::npy::NpyError>(())
/// ```
pub fn header_f32(shape: &[usize]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': {}, }}",
        shape_str(shape)
    );
    let (version, prefix) = if (10 + dict.len() + 1).div_ceil(ALIGN) * ALIGN - 10 <= 0xffff {
        (1u8, 10)
    } else {
        (2u8, 12)
    };
    let total = (prefix + dict.len() + 1).div_ceil(ALIGN) * ALIGN;
    let mut h = Vec::with_capacity(total);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&[version, 0]);
    let len = total - prefix;
    if version == 1 {
        h.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        h.extend_from_slice(&(len as u32).to_le_bytes());
    }
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h
}

/// Writes `xs` as little-endian f32 (the data part of a `'<f4'` file).
pub fn write_f32s(w: &mut impl Write, xs: &[f32]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4 * xs.len().min(1 << 16));
    for chunk in xs.chunks(1 << 16) {
        buf.clear();
        for x in chunk {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// A whole `'<f4'` file: header and data. `data.len()` must equal Π `shape`.
///
/// Errors: an I/O error, or `InvalidInput` when the lengths disagree.
pub fn write(w: &mut impl Write, shape: &[usize], data: &[f32]) -> std::io::Result<()> {
    let n: Option<usize> = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if n != Some(data.len()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("npy: {} values for shape {}", data.len(), shape_str(shape)),
        ));
    }
    w.write_all(&header_f32(shape))?;
    write_f32s(w, data)
}

/// The shape, dtype and data bytes of a whole `.npy` file (every check of [`parse`]).
fn parse_raw(bytes: &[u8]) -> Result<(Vec<usize>, NpyDtype, &[u8]), NpyError> {
    if bytes.len() < 8 || &bytes[..6] != MAGIC {
        return Err(if bytes.len() < 8 && MAGIC.starts_with(bytes) {
            NpyError::Truncated
        } else {
            NpyError::Magic
        });
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (len_bytes, utf8) = match (major, minor) {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        _ => return Err(NpyError::Version(major, minor)),
    };
    let start = 8 + len_bytes;
    let len_field = bytes.get(8..start).ok_or(NpyError::Truncated)?;
    let header_len = len_field
        .iter()
        .rev()
        .fold(0usize, |a, &b| (a << 8) | usize::from(b));
    let end = start.checked_add(header_len).ok_or(NpyError::Truncated)?;
    let raw = bytes.get(start..end).ok_or(NpyError::Truncated)?;
    let text: String = if utf8 {
        std::str::from_utf8(raw)
            .map_err(|_| NpyError::Header("not UTF-8".into()))?
            .to_owned()
    } else {
        // Latin-1: every byte is the code point of the same value.
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let h = parse_header(&text)?;
    let dtype = match h.descr.as_str() {
        "<f4" => NpyDtype::F32,
        "<f8" => NpyDtype::F64,
        other => return Err(NpyError::Dtype(other.to_string())),
    };
    if h.fortran && h.shape.len() > 1 {
        return Err(NpyError::Fortran);
    }
    let data = &bytes[end..];
    let expected = h
        .shape
        .iter()
        .try_fold(dtype.size() as u64, |a, &d| a.checked_mul(d as u64));
    let found = data.len() as u64;
    if expected != Some(found) {
        return Err(NpyError::Length {
            expected: expected.unwrap_or(u64::MAX),
            found,
            shape: shape_str(&h.shape),
            descr: dtype.descr(),
        });
    }
    Ok((h.shape, dtype, data))
}

/// Parses a whole `.npy` file's bytes.
///
/// Errors: [`NpyError`] naming the defect.
pub fn parse(bytes: &[u8]) -> Result<NpyArray, NpyError> {
    let (shape, dtype, data) = parse_raw(bytes)?;
    let values = match dtype {
        NpyDtype::F32 => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        NpyDtype::F64 => data
            .chunks_exact(8)
            .map(|c| {
                let b = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
                f64::from_le_bytes(b) as f32
            })
            .collect(),
    };
    Ok(NpyArray {
        shape,
        dtype,
        data: values,
    })
}

/// Parses a whole `.npy` file's bytes keeping float64 values exact (float32 values widened):
/// the shape and the elements in C order. Same checks and errors as [`parse`].
///
/// ```
/// let mut f = engram::rnn::npy::header_f32(&[2]);
/// f.extend([1.5f32, -2.0].iter().flat_map(|x| x.to_le_bytes()));
/// let (shape, v) = engram::rnn::npy::parse_f64(&f)?;
/// assert_eq!((shape, v), (vec![2], vec![1.5, -2.0]));
/// # Ok::<(), engram::rnn::npy::NpyError>(())
/// ```
pub fn parse_f64(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), NpyError> {
    let (shape, dtype, data) = parse_raw(bytes)?;
    let values = match dtype {
        NpyDtype::F32 => data
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        NpyDtype::F64 => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
    };
    Ok((shape, values))
}

/// Reads and parses the file at `path`; the error is one line naming the file and the defect.
pub fn read(path: &Path) -> anyhow::Result<NpyArray> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The three fields of a header dict.
#[derive(Debug)]
struct Header {
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
}

/// A token of the header's Python literal.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Int(usize),
    Bool(bool),
    Punct(char),
}

fn tokens(text: &str) -> Result<Vec<Tok>, NpyError> {
    let bad = |m: &str| NpyError::Header(m.to_string());
    let mut out = Vec::new();
    let mut it = text.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            c if c.is_whitespace() => {
                it.next();
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ':' | ',' => {
                out.push(Tok::Punct(c));
                it.next();
            }
            '\'' | '"' => {
                it.next();
                let mut s = String::new();
                loop {
                    match it.next() {
                        Some(ch) if ch == c => break,
                        Some('\\') => return Err(bad("escapes in strings are not supported")),
                        Some(ch) => s.push(ch),
                        None => return Err(bad("unterminated string")),
                    }
                }
                out.push(Tok::Str(s));
            }
            '0'..='9' => {
                let mut n = 0usize;
                while let Some(&d) = it.peek() {
                    let Some(v) = d.to_digit(10) else { break };
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(v as usize))
                        .ok_or_else(|| bad("a dimension overflows"))?;
                    it.next();
                }
                // Python 2 era files may write long integers as `3L`.
                if it.peek() == Some(&'L') {
                    it.next();
                }
                out.push(Tok::Int(n));
            }
            'A'..='Z' | 'a'..='z' => {
                let mut w = String::new();
                while let Some(&ch) = it.peek() {
                    if !ch.is_ascii_alphanumeric() && ch != '_' {
                        break;
                    }
                    w.push(ch);
                    it.next();
                }
                out.push(match w.as_str() {
                    "True" => Tok::Bool(true),
                    "False" => Tok::Bool(false),
                    _ => return Err(NpyError::Header(format!("unexpected word `{w}`"))),
                });
            }
            other => return Err(NpyError::Header(format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

fn parse_header(text: &str) -> Result<Header, NpyError> {
    let bad = |m: &str| NpyError::Header(m.to_string());
    let toks = tokens(text)?;
    let mut i = 0usize;
    let next = |i: &mut usize| {
        let t = toks.get(*i).cloned();
        *i += 1;
        t
    };
    if next(&mut i) != Some(Tok::Punct('{')) {
        return Err(bad("does not start with `{`"));
    }
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        match next(&mut i) {
            Some(Tok::Punct('}')) => break,
            Some(Tok::Str(key)) => {
                if next(&mut i) != Some(Tok::Punct(':')) {
                    return Err(bad("expected `:` after a key"));
                }
                match key.as_str() {
                    "descr" => match next(&mut i) {
                        Some(Tok::Str(s)) => descr = Some(s),
                        // A structured dtype is a list: `[('a', '<f4'), …]`.
                        _ => return Err(NpyError::Dtype("structured".into())),
                    },
                    "fortran_order" => match next(&mut i) {
                        Some(Tok::Bool(b)) => fortran = Some(b),
                        _ => return Err(bad("fortran_order is not True or False")),
                    },
                    "shape" => {
                        if next(&mut i) != Some(Tok::Punct('(')) {
                            return Err(bad("shape is not a tuple"));
                        }
                        let mut dims = Vec::new();
                        loop {
                            match next(&mut i) {
                                Some(Tok::Punct(')')) => break,
                                Some(Tok::Int(n)) => {
                                    dims.push(n);
                                    match next(&mut i) {
                                        Some(Tok::Punct(',')) => {}
                                        Some(Tok::Punct(')')) => break,
                                        _ => return Err(bad("malformed shape tuple")),
                                    }
                                }
                                _ => return Err(bad("shape holds a non-integer")),
                            }
                        }
                        shape = Some(dims);
                    }
                    other => return Err(NpyError::Header(format!("unknown key '{other}'"))),
                }
                match next(&mut i) {
                    Some(Tok::Punct(',')) => {}
                    Some(Tok::Punct('}')) => break,
                    _ => return Err(bad("expected `,` or `}` after a value")),
                }
            }
            _ => return Err(bad("expected a key or `}`")),
        }
    }
    if i != toks.len() {
        return Err(bad("text after the closing `}`"));
    }
    Ok(Header {
        descr: descr.ok_or_else(|| bad("no 'descr'"))?,
        fortran: fortran.ok_or_else(|| bad("no 'fortran_order'"))?,
        shape: shape.ok_or_else(|| bad("no 'shape'"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dict: &str, version: u8, data: &[u8]) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(&[version, 0]);
        if version == 1 {
            v.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        } else {
            v.extend_from_slice(&(dict.len() as u32).to_le_bytes());
        }
        v.extend_from_slice(dict.as_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn header_is_aligned_and_parsable() {
        let h = header_f32(&[3, 20, 5]);
        assert_eq!(h.len() % 64, 0);
        assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
        let len = u16::from_le_bytes([h[8], h[9]]) as usize;
        assert_eq!(len + 10, h.len());
        let text = std::str::from_utf8(&h[10..]).unwrap();
        assert!(
            text.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 20, 5), }")
        );
        assert!(text.ends_with('\n'));
        assert!(
            std::str::from_utf8(&header_f32(&[7])[10..])
                .unwrap()
                .contains("(7,)")
        );
        assert!(
            std::str::from_utf8(&header_f32(&[])[10..])
                .unwrap()
                .contains("'shape': ()")
        );
    }

    #[test]
    fn write_then_parse_round_trips_bits() {
        let data = [1.5f32, -0.0, f32::MIN_POSITIVE, 3.0e38, -7.25, 0.1];
        for shape in [vec![6], vec![2, 3], vec![1, 2, 3, 1]] {
            let mut buf = Vec::new();
            write(&mut buf, &shape, &data).unwrap();
            let a = parse(&buf).unwrap();
            assert_eq!(a.shape, shape);
            assert_eq!(a.dtype, NpyDtype::F32);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.data), bits(&data));
        }
        assert!(write(&mut Vec::new(), &[4], &data).is_err());
    }

    #[test]
    fn big_headers_use_version_2() {
        let shape = vec![1usize; 30_000];
        let h = header_f32(&shape);
        assert_eq!(&h[..8], b"\x93NUMPY\x02\x00");
        assert_eq!(h.len() % 64, 0);
        let a = parse(&[h, vec![0u8; 4]].concat()).unwrap();
        assert_eq!(a.shape.len(), 30_000);
    }

    #[test]
    fn f64_v2_and_odd_spacing_are_read() {
        let data: Vec<u8> = [1.0f64, -2.5, 1e-50]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let a = parse(&file(
            "{\"shape\":(3,),\"descr\":\"<f8\",\"fortran_order\":False}\n",
            2,
            &data,
        ))
        .unwrap();
        assert_eq!(a.dtype, NpyDtype::F64);
        assert_eq!(a.data, [1.0, -2.5, 0.0]);
        // 0-d, and a 1-d array flagged Fortran (same bytes).
        let a = parse(&file(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
            1,
            &2.0f32.to_le_bytes(),
        ))
        .unwrap();
        assert_eq!((a.shape.len(), a.data[0]), (0, 2.0));
        assert!(
            parse(&file(
                "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
                3,
                &[0; 4]
            ))
            .is_ok()
        );
    }

    #[test]
    fn defects_are_named() {
        let ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"PK\x03\x04 a zip".to_vec(), "bad magic"),
            (b"\x93NUM".to_vec(), "truncated"),
            (file(ok, 4, &[0; 16]), "version 4.0"),
            (file(&ok.replace("<f4", "<i8"), 1, &[0; 32]), "dtype '<i8'"),
            (file(&ok.replace("<f4", ">f4"), 1, &[0; 16]), "'>f4'"),
            (file(&ok.replace("<f4", "|O"), 1, &[0; 16]), "'|O'"),
            (
                file(
                    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                    1,
                    &[0; 8],
                ),
                "structured",
            ),
            (
                file(&ok.replace("False", "True"), 1, &[0; 16]),
                "Fortran order",
            ),
            (file(ok, 1, &[0; 12]), "data is 12 bytes"),
            (file(ok, 1, &[0; 20]), "needs 16"),
            (
                file(&ok.replace("(2, 2)", "(2, x)"), 1, &[]),
                "bad .npy header",
            ),
            (file(&ok[..30], 1, &[]), "bad .npy header"),
            (
                file(&ok.replace("'shape'", "'shap'"), 1, &[0; 16]),
                "unknown key",
            ),
            (file(ok, 1, &[])[..20].to_vec(), "truncated"),
        ];
        for (bytes, want) in cases {
            let e = parse(&bytes).unwrap_err().to_string();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
            assert!(!e.contains('\n'));
        }
    }
}
