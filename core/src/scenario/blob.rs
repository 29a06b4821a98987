//! The blob format on the target: write a small blob of every dtype into a stack buffer, parse it
//! back, read every tensor through its zero-copy view, and hit the checksum and lookup errors.
//!
//! Values are made from integers and copied, never computed in floating point, so the digest is the
//! same on every target; the buffer (1 KB, 16-aligned) fits the micro:bit v1's 16 KB of RAM.

use super::Scenario;
use crate::blob::{self, Aligned, Blob, BlobError, Dtype, TensorData, TensorSpec, bits};
use crate::digest::Digest;
use crate::rng::{Rng, key_str};
use crate::{Error, Result};

pub(super) const BLOB_ROUNDTRIP: Scenario = Scenario {
    name: "blob_roundtrip",
    about: "write f32/f64/i8/i32/bits tensors into a stack blob, parse it back, view every tensor",
    run: blob_roundtrip,
};

/// The blob buffer (the blob itself is 736 bytes).
const BUF: usize = 1024;
/// A byte inside `readout.w`'s data (which starts right after the 352-byte header and table).
const FLIP_AT: usize = 400;
const BIT_ROWS: usize = 5;
const BITS_PER_ROW: usize = 40;
const WORDS_PER_ROW: usize = bits::words_for(BITS_PER_ROW);

/// An `f32` with a random sign and mantissa and an exponent within 2^±7 (finite, normal).
fn f32_from(rng: &mut Rng) -> f32 {
    let r = rng.next_u32();
    let exponent = 120 + rng.below(15) as u32;
    f32::from_bits((r & 0x8000_0000) | (exponent << 23) | (r & 0x007f_ffff))
}

/// An `f64` with a random sign and mantissa and an exponent within 2^±7.
fn f64_from(rng: &mut Rng) -> f64 {
    let r = rng.next_u64();
    let exponent = 1016 + rng.below(15);
    f64::from_bits((r & 0x8000_0000_0000_0000) | (exponent << 52) | (r & 0x000f_ffff_ffff_ffff))
}

fn blob_roundtrip(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(7, &[key_str("blob_roundtrip")]);
    let mut w = [0f32; 6 * 8];
    for x in w.iter_mut() {
        *x = f32_from(&mut rng);
    }
    // Special values must survive bit for bit too (a quiet NaN: the digest canonicalises NaNs, the
    // bit comparison below does not).
    let specials = [
        -0.0f32,
        f32::INFINITY,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(1),
    ];
    for (x, s) in w.iter_mut().zip(specials) {
        *x = s;
    }
    let mut b = [0f64; 4];
    for x in b.iter_mut() {
        *x = f64_from(&mut rng);
    }
    let mut q = [0i8; 3 * 5 * 4];
    for x in q.iter_mut() {
        *x = rng.next_u32() as u8 as i8;
    }
    let mut idx = [0i32; 2 * 3 * 2];
    for x in idx.iter_mut() {
        *x = rng.next_u32() as i32;
    }
    let mut patterns = [0u32; BIT_ROWS * WORDS_PER_ROW];
    for row in patterns.chunks_exact_mut(WORDS_PER_ROW) {
        let signs = [0u8; BITS_PER_ROW].map(|_| rng.next_u32() >> 31 == 1);
        bits::pack(row, signs)?;
    }

    let specs = [
        TensorSpec::new("readout.w", &[6, 8], TensorData::F32(&w)),
        TensorSpec::new("readout.b", &[4], TensorData::F64(&b)),
        TensorSpec::new("codes", &[3, 5, 4], TensorData::I8(&q)),
        TensorSpec::new("index", &[2, 1, 3, 2], TensorData::I32(&idx)),
        TensorSpec::new(
            "patterns",
            &[BIT_ROWS, BITS_PER_ROW],
            TensorData::BitsU32(&patterns),
        ),
    ];
    let mut buf = Aligned::<BUF>::zeroed();
    let len = blob::write(buf.as_mut_bytes(), &specs)?;
    d.push_u64(blob::encoded_len(&specs)? as u64);
    d.push_u64(len as u64);

    let bytes = buf.as_bytes().get(..len).ok_or(BlobError::OutputTooSmall {
        needed: len,
        found: BUF,
    })?;
    let parsed = Blob::parse(bytes)?;
    d.push_u64(u64::from(parsed.checksum()));
    d.push_u64(parsed.tensor_count() as u64);
    let mut changed = 0u64;
    for (t, spec) in parsed.tensors().zip(&specs) {
        d.push_u64(key_str(t.name()));
        d.push_u64(u64::from(t.dtype().code()));
        for &dim in t.shape() {
            d.push_u64(dim as u64);
        }
        changed += u64::from(t.name() != spec.name || t.shape() != spec.shape);
        match (t.dtype(), spec.data) {
            (Dtype::F32, TensorData::F32(src)) => {
                let v = t.as_f32()?;
                d.push_reals(v);
                changed += count_changed(v, src, |x| u64::from(x.to_bits()));
            }
            (Dtype::F64, TensorData::F64(src)) => {
                let v = t.as_f64()?;
                d.push_reals(v);
                changed += count_changed(v, src, f64::to_bits);
            }
            (Dtype::I8, TensorData::I8(src)) => {
                let v = t.as_i8()?;
                v.iter().for_each(|&x| d.push_i64(i64::from(x)));
                changed += count_changed(v, src, |x| x as u64);
            }
            (Dtype::I32, TensorData::I32(src)) => {
                let v = t.as_i32()?;
                v.iter().for_each(|&x| d.push_i64(i64::from(x)));
                changed += count_changed(v, src, |x| x as u64);
            }
            (Dtype::BitsU32, TensorData::BitsU32(src)) => {
                let v = t.as_bits_u32()?;
                v.iter().for_each(|&x| d.push_u64(u64::from(x)));
                changed += count_changed(v, src, u64::from);
                // The first row's signs through the bit helpers.
                for j in 0..BITS_PER_ROW {
                    d.push_i64(i64::from(bits::sign(v, j).unwrap_or(0)));
                }
            }
            _ => changed += 1,
        }
    }
    d.push_u64(changed);
    if changed != 0 {
        return Err(Error::InvalidParameter {
            what: "blob_roundtrip: a value did not survive write and parse bit for bit",
        });
    }

    // Errors are part of the contract: a lookup miss, a wrong view, a wrong shape, a flipped bit.
    d.push_u64(error_code(parsed.get("missing").map(|_| ())));
    d.push_u64(error_code(
        parsed.get("codes").and_then(|t| t.as_f32()).map(|_| ()),
    ));
    d.push_u64(error_code(
        parsed
            .get("codes")
            .and_then(|t| t.expect_shape(&[3, 4, 5]))
            .map(|_| ()),
    ));
    if let Some(byte) = buf.as_mut_bytes().get_mut(FLIP_AT) {
        *byte ^= 0x20;
    }
    let corrupt = buf.as_bytes().get(..len).unwrap_or(&[]);
    match Blob::parse(corrupt) {
        Err(BlobError::ChecksumMismatch { stored, computed }) => {
            d.push_u64(u64::from(stored));
            d.push_u64(u64::from(computed));
        }
        other => d.push_u64(error_code(other.map(|_| ()))),
    }
    Ok(())
}

/// How many elements differ in their bits.
fn count_changed<T: Copy>(got: &[T], want: &[T], bits: impl Fn(T) -> u64) -> u64 {
    let differ = got
        .iter()
        .zip(want)
        .filter(|&(&g, &w)| bits(g) != bits(w))
        .count();
    (differ + got.len().abs_diff(want.len())) as u64
}

/// A stable number for an outcome: 0 for `Ok`, else the error's position in a fixed list.
fn error_code(r: core::result::Result<(), BlobError>) -> u64 {
    match r {
        Ok(()) => 0,
        Err(BlobError::TensorNotFound) => 1,
        Err(BlobError::WrongDtype { tensor, .. }) => 0x200 | tensor as u64,
        Err(BlobError::ShapeMismatch {
            tensor,
            axis,
            expected,
            found,
        }) => {
            0x300
                | (tensor as u64) << 4
                | axis as u64
                | (expected as u64) << 16
                | (found as u64) << 24
        }
        Err(BlobError::ChecksumMismatch { .. }) => 4,
        Err(_) => 0xff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_exactly_and_deterministically() {
        let a = BLOB_ROUNDTRIP.digest().unwrap();
        let b = BLOB_ROUNDTRIP.digest().unwrap();
        assert_eq!(a, b);
        // 2 lengths, crc, count, 5 × (name, dtype, dims…, values…), changed, 3 errors, crc pair.
        let dims = 2 + 1 + 3 + 4 + 2;
        let values = 48 + 4 + 60 + 12 + 10 + BITS_PER_ROW;
        assert_eq!(a.count() as usize, 4 + 5 * 2 + dims + values + 1 + 3 + 2);
    }
}
