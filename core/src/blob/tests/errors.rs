//! One crafted bad input per [`BlobError`] variant: header, table, views, and the writer.

use std::format;
use std::vec::Vec;

use super::*;

#[test]
fn header_errors() {
    let buf = example();
    let b = buf.as_bytes();
    let mut bad = example();
    bad.0[0] = b'E';
    assert_eq!(Blob::parse(bad.as_bytes()), Err(BlobError::BadMagic));

    let mut v2 = example();
    put_u32(&mut v2.0, 8, 2);
    assert_eq!(
        Blob::parse(v2.as_bytes()),
        Err(BlobError::UnsupportedVersion { found: 2 })
    );

    for cut in [0, 1, 8, 31] {
        assert_eq!(
            Blob::parse(&b[..cut]),
            Err(BlobError::Truncated {
                needed: 32,
                found: cut
            })
        );
    }
    for cut in [32, 96, 351, 400, EXAMPLE_LEN - 1] {
        assert_eq!(
            Blob::parse(&b[..cut]),
            Err(BlobError::Truncated {
                needed: EXAMPLE_LEN,
                found: cut
            })
        );
    }

    let mut longer = Aligned::<{ EXAMPLE_LEN + 16 }>::zeroed();
    longer.0[..EXAMPLE_LEN].copy_from_slice(b);
    assert_eq!(
        Blob::parse(longer.as_bytes()),
        Err(BlobError::TrailingBytes {
            expected: EXAMPLE_LEN,
            found: EXAMPLE_LEN + 16
        })
    );
    assert_eq!(
        Blob::parse_prefix(longer.as_bytes()).unwrap().byte_len(),
        EXAMPLE_LEN
    );

    let mut flipped = example();
    flipped.0[400] ^= 0x10;
    let stored = blob_crc(b);
    assert_eq!(
        Blob::parse(flipped.as_bytes()),
        Err(BlobError::ChecksumMismatch {
            stored,
            computed: checksum(&flipped.as_bytes()[32..])
        })
    );

    let mut reserved = example();
    reserved.0[29] = 1;
    assert_eq!(
        Blob::parse(reserved.as_bytes()),
        Err(BlobError::ReservedNotZero { offset: 29 })
    );

    let mut many = example();
    put_u32(&mut many.0, 12, 65);
    assert_eq!(
        Blob::parse(many.as_bytes()),
        Err(BlobError::TooManyTensors { found: 65, max: 64 })
    );

    let mut short = example();
    put_u32(&mut short.0, 16, 300);
    assert_eq!(
        Blob::parse(short.as_bytes()),
        Err(BlobError::BadLength {
            stored: 300,
            needed: 352
        })
    );
}

fn blob_crc(b: &[u8]) -> u32 {
    u32::from_le_bytes(b[20..24].try_into().unwrap())
}

#[test]
fn table_errors() {
    let e = |r: Result<(), BlobError>| r.unwrap_err();
    assert_eq!(
        e(parse_edited(|b| b[entry(1, 32)] = 0)),
        BlobError::BadDtype { tensor: 1, code: 0 }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(1, 32)] = 6)),
        BlobError::BadDtype { tensor: 1, code: 6 }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(2, 33)] = 0)),
        BlobError::BadRank { tensor: 2, rank: 0 }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(2, 33)] = 5)),
        BlobError::BadRank { tensor: 2, rank: 5 }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(0, 35)] = 1)),
        BlobError::ReservedNotZero {
            offset: entry(0, 35)
        }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(4, 63)] = 1)),
        BlobError::ReservedNotZero {
            offset: entry(4, 63)
        }
    );
    // "bias" has rank 1: dimension 1 must be zero.
    assert_eq!(
        e(parse_edited(|b| b[entry(1, 40)] = 1)),
        BlobError::BadShape { tensor: 1 }
    );

    // Names: empty, non-UTF-8, NUL then garbage.
    assert_eq!(
        e(parse_edited(|b| b[entry(0, 0)] = 0)),
        BlobError::BadName { tensor: 0 }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(1, 1)] = 0xff)),
        BlobError::BadName { tensor: 1 }
    );
    assert_eq!(
        e(parse_edited(|b| b[entry(2, 20)] = b'x')),
        BlobError::BadName { tensor: 2 }
    );
    // Full 32-byte names are fine.
    parse_edited(|b| b[entry(2, 0)..entry(2, 32)].fill(b'c')).unwrap();
    assert_eq!(
        e(parse_edited(
            |b| b[entry(3, 0)..entry(3, 4)].copy_from_slice(b"w\0\0\0")
        )),
        BlobError::DuplicateName { tensor: 3 }
    );

    // "w" holds 6 f32 = 24 bytes; rank-2 shape [2, 4] would need 32.
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(0, 40), 4))),
        BlobError::DataLength {
            tensor: 0,
            expected: 32,
            found: 24
        }
    );
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(0, 56), 28))),
        BlobError::DataLength {
            tensor: 0,
            expected: 24,
            found: 28
        }
    );
    // 65536 × 65536 elements do not fit u32.
    assert_eq!(
        e(parse_edited(|b| {
            put_u32(b, entry(0, 36), 65536);
            put_u32(b, entry(0, 40), 65536);
        })),
        BlobError::TooLarge { tensor: 0 }
    );
    // 2^30 f32 elements fit u32 but their 2^32 bytes do not.
    assert_eq!(
        e(parse_edited(|b| {
            put_u32(b, entry(0, 36), 1 << 15);
            put_u32(b, entry(0, 40), 1 << 15);
        })),
        BlobError::TooLarge { tensor: 0 }
    );

    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(0, 52), 360))),
        BlobError::BadOffset {
            tensor: 0,
            offset: 360
        }
    );
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(0, 52), 336))),
        BlobError::BadOffset {
            tensor: 0,
            offset: 336
        }
    );
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(0, 52), 0))),
        BlobError::BadOffset {
            tensor: 0,
            offset: 0
        }
    );
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(4, 52), 0xffff_fff0))),
        BlobError::OutOfBounds {
            tensor: 4,
            end: 0xffff_fff0 + 16,
            len: EXAMPLE_LEN
        }
    );
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(4, 52), 448 + 16))),
        BlobError::OutOfBounds {
            tensor: 4,
            end: 480,
            len: EXAMPLE_LEN
        }
    );
    // "codes" (4 bytes) moved onto "w" (24 bytes at 352).
    assert_eq!(
        e(parse_edited(|b| put_u32(b, entry(2, 52), 352))),
        BlobError::Overlap {
            first: 0,
            second: 2
        }
    );
    // Bit 8 of row 0's second word is padding (a row has 40 bits).
    let patterns_at =
        u32::from_le_bytes(example().0[entry(4, 52)..entry(4, 56)].try_into().unwrap());
    let pad = patterns_at as usize + 4 + 1;
    assert_eq!(
        e(parse_edited(|b| b[pad] |= 1)),
        BlobError::BitsPadding { tensor: 4, row: 0 }
    );
    assert_eq!(
        e(parse_edited(|b| b[pad + 8] |= 0x80)),
        BlobError::BitsPadding { tensor: 4, row: 1 }
    );
}

#[test]
fn view_errors() {
    let buf = example();
    let blob = Blob::parse(buf.as_bytes()).unwrap();
    assert_eq!(blob.get("nope"), Err(BlobError::TensorNotFound));
    assert_eq!(blob.get(""), Err(BlobError::TensorNotFound));
    assert_eq!(blob.get("bia"), Err(BlobError::TensorNotFound));
    assert_eq!(blob.get("biases"), Err(BlobError::TensorNotFound));
    let w = blob.get("w").unwrap();
    assert_eq!(
        w.as_i8(),
        Err(BlobError::WrongDtype {
            tensor: 0,
            expected: Dtype::I8,
            found: Dtype::F32
        })
    );
    assert!(matches!(w.as_f64(), Err(BlobError::WrongDtype { .. })));
    assert!(matches!(w.as_i32(), Err(BlobError::WrongDtype { .. })));
    assert!(matches!(w.as_bits_u32(), Err(BlobError::WrongDtype { .. })));
    assert!(matches!(
        blob.get("codes").unwrap().as_f32(),
        Err(BlobError::WrongDtype { .. })
    ));
    assert_eq!(
        w.expect_shape(&[6]),
        Err(BlobError::RankMismatch {
            tensor: 0,
            expected: 1,
            found: 2
        })
    );
    assert_eq!(
        w.expect_shape(&[2, 4]),
        Err(BlobError::ShapeMismatch {
            tensor: 0,
            axis: 1,
            expected: 4,
            found: 3
        })
    );
}

#[test]
fn misaligned_bytes_parse_but_views_say_misaligned() {
    // The same blob one byte past a 16-aligned address: every offset is still a multiple of 16
    // from the blob start (so it parses, checksum included), but no element is aligned in memory.
    let mut shifted = Aligned::<{ EXAMPLE_LEN + 1 }>::zeroed();
    shifted.0[1..].copy_from_slice(example().as_bytes());
    let bytes = &shifted.as_bytes()[1..];
    let blob = Blob::parse(bytes).unwrap();
    assert_eq!(
        blob.get("w").unwrap().as_f32(),
        Err(BlobError::Misaligned {
            tensor: 0,
            align: core::mem::align_of::<f32>()
        })
    );
    assert!(matches!(
        blob.get("bias").unwrap().as_f64(),
        Err(BlobError::Misaligned { tensor: 1, .. })
    ));
    assert!(matches!(
        blob.get("idx").unwrap().as_i32(),
        Err(BlobError::Misaligned { tensor: 3, .. })
    ));
    assert!(matches!(
        blob.get("patterns").unwrap().as_bits_u32(),
        Err(BlobError::Misaligned { tensor: 4, .. })
    ));
    // Bytes and i8 views need no alignment.
    assert_eq!(blob.get("codes").unwrap().as_i8().unwrap(), &CODES);
    assert_eq!(blob.get("w").unwrap().bytes(), &bytes[352..376]);
}

#[test]
fn writer_errors() {
    let f = [0.0f32; 4];
    let one = |name, shape, data| write(&mut [0u8; 1024], &[TensorSpec::new(name, shape, data)]);
    assert_eq!(
        one("", &[4], TensorData::F32(&f)),
        Err(BlobError::BadName { tensor: 0 })
    );
    assert_eq!(
        one("a\0b", &[4], TensorData::F32(&f)),
        Err(BlobError::BadName { tensor: 0 })
    );
    let long = "abcdefghijklmnopqrstuvwxyz0123456";
    assert_eq!(
        one(long, &[4], TensorData::F32(&f)),
        Err(BlobError::NameTooLong { tensor: 0, len: 33 })
    );
    assert!(one(&long[..32], &[4], TensorData::F32(&f)).is_ok());
    assert!(one("ünïcødé", &[4], TensorData::F32(&f)).is_ok());
    assert_eq!(
        one("x", &[], TensorData::F32(&f)),
        Err(BlobError::BadRank { tensor: 0, rank: 0 })
    );
    assert_eq!(
        one("x", &[1, 1, 1, 1, 4], TensorData::F32(&f)),
        Err(BlobError::BadRank { tensor: 0, rank: 5 })
    );
    assert_eq!(
        one("x", &[2, 3], TensorData::F32(&f)),
        Err(BlobError::DataLength {
            tensor: 0,
            expected: 6,
            found: 4
        })
    );
    // 33 bits per row take 2 words per row.
    assert_eq!(
        one("x", &[2, 33], TensorData::BitsU32(&[0; 2])),
        Err(BlobError::DataLength {
            tensor: 0,
            expected: 4,
            found: 2
        })
    );
    assert_eq!(
        one("x", &[2, 33], TensorData::BitsU32(&[0, 1, 0, 2])),
        Err(BlobError::BitsPadding { tensor: 0, row: 1 })
    );
    assert_eq!(
        one("x", &[1 << 16, 1 << 16], TensorData::I8(&[])),
        Err(BlobError::TooLarge { tensor: 0 })
    );
    #[cfg(target_pointer_width = "64")]
    assert_eq!(
        one("x", &[1 << 32], TensorData::I8(&[])),
        Err(BlobError::TooLarge { tensor: 0 })
    );
    let two = [
        TensorSpec::new("same", &[4], TensorData::F32(&f)),
        TensorSpec::new("same", &[1], TensorData::I8(&[1])),
    ];
    assert_eq!(
        encoded_len(&two),
        Err(BlobError::DuplicateName { tensor: 1 })
    );
    assert_eq!(
        write(&mut [0u8; 1024], &two),
        Err(BlobError::DuplicateName { tensor: 1 })
    );

    let names: Vec<std::string::String> = (0..=MAX_TENSORS).map(|i| format!("t{i}")).collect();
    let many: Vec<TensorSpec<'_>> = names
        .iter()
        .map(|n| TensorSpec::new(n, &[1], TensorData::I8(&[0])))
        .collect();
    assert_eq!(
        encoded_len(&many),
        Err(BlobError::TooManyTensors { found: 65, max: 64 })
    );
    let mut big = std::vec![0u8; encoded_len(&many[..MAX_TENSORS]).unwrap()];
    let n = write(&mut big, &many[..MAX_TENSORS]).unwrap();
    assert_eq!(Blob::parse(&big[..n]).unwrap().tensor_count(), MAX_TENSORS);
}

#[test]
fn every_error_displays() {
    let errors = [
        BlobError::BadMagic,
        BlobError::UnsupportedVersion { found: 2 },
        BlobError::Truncated {
            needed: 32,
            found: 3,
        },
        BlobError::ChecksumMismatch {
            stored: 1,
            computed: 2,
        },
        BlobError::ReservedNotZero { offset: 29 },
        BlobError::BadLength {
            stored: 1,
            needed: 32,
        },
        BlobError::TrailingBytes {
            expected: 32,
            found: 33,
        },
        BlobError::TooManyTensors { found: 65, max: 64 },
        BlobError::BadDtype { tensor: 0, code: 9 },
        BlobError::BadRank { tensor: 0, rank: 5 },
        BlobError::BadShape { tensor: 0 },
        BlobError::BadName { tensor: 0 },
        BlobError::NameTooLong { tensor: 0, len: 33 },
        BlobError::DuplicateName { tensor: 1 },
        BlobError::DataLength {
            tensor: 0,
            expected: 4,
            found: 3,
        },
        BlobError::TooLarge { tensor: 0 },
        BlobError::BadOffset {
            tensor: 0,
            offset: 8,
        },
        BlobError::OutOfBounds {
            tensor: 0,
            end: 99,
            len: 98,
        },
        BlobError::Overlap {
            first: 0,
            second: 1,
        },
        BlobError::BitsPadding { tensor: 0, row: 2 },
        BlobError::TensorNotFound,
        BlobError::WrongDtype {
            tensor: 0,
            expected: Dtype::F32,
            found: Dtype::I8,
        },
        BlobError::RankMismatch {
            tensor: 0,
            expected: 1,
            found: 2,
        },
        BlobError::ShapeMismatch {
            tensor: 0,
            axis: 1,
            expected: 4,
            found: 3,
        },
        BlobError::Misaligned {
            tensor: 0,
            align: 4,
        },
        BlobError::BigEndianTarget,
        BlobError::OutputTooSmall {
            needed: 2,
            found: 1,
        },
    ];
    let mut seen = std::collections::BTreeSet::new();
    for e in errors {
        let s = format!("{e}");
        assert!(!s.is_empty() && !s.contains('\n'));
        assert!(seen.insert(s), "messages are distinct");
        assert_eq!(format!("{}", crate::Error::from(e)), format!("blob: {e}"));
    }
    assert_eq!(
        format!(
            "{}",
            BlobError::WrongDtype {
                tensor: 3,
                expected: Dtype::F32,
                found: Dtype::BitsU32
            }
        ),
        "tensor 3: is bits_u32, asked for f32"
    );
}

#[test]
fn dtype_codes_round_trip() {
    for d in Dtype::ALL {
        assert_eq!(Dtype::from_code(d.code()), Some(d));
    }
    assert!((6..=255).all(|c| Dtype::from_code(c).is_none()));
}
