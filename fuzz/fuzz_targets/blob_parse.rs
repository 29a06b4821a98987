//! Fuzzes `engram_core::blob::Blob::parse` on arbitrary bytes.
//!
//! Each input is parsed three ways: as given; 16-byte aligned with the header checksum refitted
//! (so mutations reach the header and table checks instead of stopping at the CRC); and the same
//! one byte past an aligned address (every typed view must then report `Misaligned`, not panic).
//! On `Ok`, every tensor is looked up by name and viewed through every typed view, and the
//! format's promises are asserted.
//!
//! Run: `cargo +nightly fuzz run blob_parse` (from the repository root or from `fuzz/`).
#![no_main]

use engram_core::blob::{self, ALIGN, Blob, BlobError, Dtype, HEADER_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check(data);
    check_prefix(data);

    // 16-aligned copies (a Vec<u128> is 16-aligned), at offset 0 and 1.
    let mut store = vec![0u128; data.len().div_ceil(16) + 1];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut store);
    for shift in [0, 1] {
        let buf = &mut bytes[shift..shift + data.len()];
        buf.copy_from_slice(data);
        reseal(buf);
        check(buf);
        check_prefix(buf);
    }
});

/// Refits the header checksum over the bytes the header claims, clamped to the input.
fn reseal(buf: &mut [u8]) {
    if buf.len() < HEADER_LEN {
        return;
    }
    let total = u32::from_le_bytes([buf[16], buf[17], buf[18], buf[19]]) as usize;
    let end = total.clamp(HEADER_LEN, buf.len());
    let crc = blob::checksum(&buf[HEADER_LEN..end]);
    buf[20..24].copy_from_slice(&crc.to_le_bytes());
}

fn check(input: &[u8]) {
    if let Ok(b) = Blob::parse(input) {
        assert_eq!(b.byte_len(), input.len());
        touch(&b, input);
    }
}

fn check_prefix(input: &[u8]) {
    if let Ok(b) = Blob::parse_prefix(input) {
        assert!(b.byte_len() <= input.len());
        touch(&b, input);
    }
}

fn touch(b: &Blob<'_>, input: &[u8]) {
    let base = input.as_ptr() as usize;
    let table_end = HEADER_LEN + blob::ENTRY_LEN * b.tensor_count();
    assert_eq!(b.tensors().len(), b.tensor_count());
    let mut n = 0;
    for t in b.tensors() {
        n += 1;
        assert_eq!(b.get(t.name()), Ok(t));
        assert_eq!(b.tensor(t.index()), Some(t));
        assert!((1..=blob::MAX_RANK).contains(&t.rank()));
        assert_eq!(t.shape().len(), t.rank());
        assert!(t.expect_shape(t.shape()).is_ok());
        let start = t.bytes().as_ptr() as usize - base;
        assert!(start.is_multiple_of(ALIGN));
        assert!(start >= table_end || t.bytes().is_empty());
        assert!(start + t.bytes().len() <= b.byte_len());
        let views = [
            (Dtype::F32, t.as_f32().map(|v| v.len())),
            (Dtype::F64, t.as_f64().map(|v| v.len())),
            (Dtype::I8, t.as_i8().map(|v| v.len())),
            (Dtype::I32, t.as_i32().map(|v| v.len())),
            (Dtype::BitsU32, t.as_bits_u32().map(|v| v.len())),
        ];
        for (dtype, r) in views {
            if dtype != t.dtype() {
                assert!(matches!(r, Err(BlobError::WrongDtype { .. })));
            } else if t.bytes().is_empty()
                || (t.bytes().as_ptr() as usize).is_multiple_of(dtype.size())
            {
                // Element alignment equals element size for these types on the fuzzing host.
                assert_eq!(r.unwrap() * dtype.size(), t.bytes().len());
            } else {
                assert!(matches!(r, Err(BlobError::Misaligned { .. })));
            }
        }
        if let Ok(words) = t.as_bits_u32() {
            let n_bits = *t.shape().last().unwrap();
            let wpr = blob::bits::words_for(n_bits);
            for row in words.chunks(wpr.max(1)) {
                for j in 0..n_bits {
                    assert!(blob::bits::get(row, j).is_some());
                }
                assert_eq!(blob::bits::get(row, wpr * 32), None);
            }
        }
        // Display never fails.
        let _ = format!("{:?} {}", t.shape(), t.dtype());
    }
    assert_eq!(n, b.tensor_count());
    assert_eq!(b.get(""), Err(BlobError::TensorNotFound));
}
