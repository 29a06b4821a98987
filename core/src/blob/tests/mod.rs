//! Unit tests of the blob format: round trips and the committed example file here, one crafted
//! input per error in [`errors`].

use std::vec::Vec;

use super::*;

mod errors;

const W: [f32; 6] = [0.5, -1.0, f32::INFINITY, -0.0, 1.5e-45, 3.25];
const BIAS: [f64; 3] = [0.5, -0.25, 1e-300];
const CODES: [i8; 4] = [-128, 0, 1, 127];
const IDX: [i32; 4] = [i32::MIN, -1, 0, i32::MAX];
/// Two rows of 40 bits: row 0 has every third bit set, row 1 bits 35..40.
const PATTERNS: [u32; 4] = [0x4924_9249, 0x92, 0, 0xf8];

fn example_specs() -> [TensorSpec<'static>; 5] {
    [
        TensorSpec::new("w", &[2, 3], TensorData::F32(&W)),
        TensorSpec::new("bias", &[3], TensorData::F64(&BIAS)),
        TensorSpec::new("codes", &[2, 2], TensorData::I8(&CODES)),
        TensorSpec::new("idx", &[1, 2, 1, 2], TensorData::I32(&IDX)),
        TensorSpec::new("patterns", &[2, 40], TensorData::BitsU32(&PATTERNS)),
    ]
}

const EXAMPLE_LEN: usize = 464;

fn example() -> Aligned<EXAMPLE_LEN> {
    let mut buf = Aligned::<EXAMPLE_LEN>::zeroed();
    let n = write(buf.as_mut_bytes(), &example_specs()).unwrap();
    assert_eq!(n, EXAMPLE_LEN);
    buf
}

/// Recomputes the header checksum after a deliberate edit, so the structural checks are reached.
fn reseal(bytes: &mut [u8]) {
    let total = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let crc = checksum(&bytes[HEADER_LEN..total.min(bytes.len())]);
    bytes[20..24].copy_from_slice(&crc.to_le_bytes());
}

/// The example with `edit` applied to its bytes and the checksum fixed, parsed.
fn parse_edited(edit: impl FnOnce(&mut [u8])) -> Result<(), BlobError> {
    let mut buf = example();
    edit(buf.as_mut_bytes());
    reseal(buf.as_mut_bytes());
    Blob::parse(buf.as_bytes()).map(|_| ())
}

/// Byte offset of field `at` of table entry `i`.
fn entry(i: usize, at: usize) -> usize {
    HEADER_LEN + ENTRY_LEN * i + at
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn round_trip_every_dtype() {
    let buf = example();
    let blob = Blob::parse(buf.as_bytes()).unwrap();
    assert_eq!(blob.tensor_count(), 5);
    assert_eq!(blob.byte_len(), EXAMPLE_LEN);
    assert_eq!(blob.checksum(), checksum(&buf.as_bytes()[HEADER_LEN..]));

    let w = blob.get("w").unwrap().expect_shape(&[2, 3]).unwrap();
    let bits: Vec<u32> = w.as_f32().unwrap().iter().map(|x| x.to_bits()).collect();
    let want: Vec<u32> = W.iter().map(|x| x.to_bits()).collect();
    assert_eq!(
        bits, want,
        "f32 round-trips bit for bit (-0.0, subnormal, inf)"
    );
    let bias = blob.get("bias").unwrap().as_f64().unwrap();
    assert_eq!(
        bias.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        BIAS.map(f64::to_bits)
    );
    assert_eq!(blob.get("codes").unwrap().as_i8().unwrap(), &CODES);
    let idx = blob.get("idx").unwrap();
    assert_eq!(idx.shape(), &[1, 2, 1, 2]);
    assert_eq!(idx.as_i32().unwrap(), &IDX);
    let p = blob.get("patterns").unwrap();
    assert_eq!(
        (p.shape(), p.len(), p.bytes().len()),
        (&[2, 40][..], 80, 16)
    );
    let words = p.as_bits_u32().unwrap();
    assert_eq!(words, &PATTERNS);
    for j in 0..40 {
        assert_eq!(bits::get(&words[..2], j), Some(j % 3 == 0));
        assert_eq!(bits::get(&words[2..], j), Some(j >= 35));
    }

    let names: Vec<&str> = blob.tensors().map(|t| t.name()).collect();
    assert_eq!(names, ["w", "bias", "codes", "idx", "patterns"]);
    assert_eq!(blob.tensors().len(), 5);
    for (i, t) in blob.into_iter().enumerate() {
        assert_eq!(t.index(), i);
        assert_eq!(blob.tensor(i), Some(t));
        assert_eq!(blob.get(t.name()), Ok(t));
        let offset = t.bytes().as_ptr() as usize - buf.as_bytes().as_ptr() as usize;
        assert_eq!(offset % ALIGN, 0);
    }
    assert_eq!(blob.tensor(5), None);
}

#[test]
fn header_known_answer_and_layout() {
    let buf = example();
    let b = buf.as_bytes();
    assert_eq!(&b[..8], b"\x89ENGRAM\n");
    assert_eq!(&b[8..20], &[1, 0, 0, 0, 5, 0, 0, 0, 0xd0, 0x01, 0, 0]);
    assert_eq!(&b[24..32], &[0; 8]);
    // Entry 0: "w", f32, rank 2, shape [2, 3, 0, 0], data at 352 (= 32 + 5 * 64), 24 bytes.
    let e0 = &b[32..96];
    assert_eq!(&e0[..2], b"w\0");
    assert!(e0[1..32].iter().all(|&c| c == 0));
    assert_eq!(&e0[32..36], &[1, 2, 0, 0]);
    assert_eq!(
        &e0[36..52],
        &[2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(&e0[52..64], &[0x60, 1, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[352..356], &0.5f32.to_le_bytes());
    // Padding between tensors is zero: "w" ends at 376, "bias" starts at 384.
    assert_eq!(&b[376..384], &[0; 8]);
    assert_eq!(
        u32::from_le_bytes(b[96 + 52..96 + 56].try_into().unwrap()),
        384
    );
}

#[test]
fn example_file_is_what_the_writer_makes() {
    // The committed file pins the format: a change to the writer's bytes breaks this test.
    // Regenerate deliberately with ENGRAM_BLESS=1.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/blob/testdata/example.bin");
    let buf = example();
    if std::env::var_os("ENGRAM_BLESS").is_some() {
        std::fs::write(path, buf.as_bytes()).unwrap();
    }
    let file = std::fs::read(path).unwrap();
    assert_eq!(file, buf.as_bytes());
}

#[test]
fn empty_blob_and_empty_tensors() {
    let mut buf = Aligned::<256>::zeroed();
    let n = write(buf.as_mut_bytes(), &[]).unwrap();
    assert_eq!(n, HEADER_LEN);
    let blob = Blob::parse(&buf.as_bytes()[..n]).unwrap();
    assert_eq!((blob.tensor_count(), blob.tensors().count()), (0, 0));
    assert_eq!(blob.checksum(), checksum(&[]));

    let specs = [
        TensorSpec::new("none", &[0, 3], TensorData::F32(&[])),
        TensorSpec::new("nobits", &[4, 0], TensorData::BitsU32(&[])),
        TensorSpec::new("after", &[1], TensorData::F64(&[2.0])),
    ];
    let n = write(buf.as_mut_bytes(), &specs).unwrap();
    // Misaligned on purpose: empty views still succeed, non-empty ones do not.
    let mut shifted = Aligned::<257>::zeroed();
    shifted.0[1..=n].copy_from_slice(&buf.as_bytes()[..n]);
    for bytes in [&buf.as_bytes()[..n], &shifted.as_bytes()[1..=n]] {
        let blob = Blob::parse(bytes).unwrap();
        let none = blob.get("none").unwrap();
        assert!(none.is_empty());
        assert_eq!(none.as_f32().unwrap(), &[] as &[f32]);
        assert_eq!(
            blob.get("nobits").unwrap().as_bits_u32().unwrap(),
            &[] as &[u32]
        );
    }
    let blob = Blob::parse(&buf.as_bytes()[..n]).unwrap();
    assert_eq!(blob.get("after").unwrap().as_f64().unwrap(), &[2.0]);
}

#[test]
fn writer_touches_only_its_bytes() {
    let mut buf = Aligned::<600>::new([0xa5; 600]);
    let n = write(buf.as_mut_bytes(), &example_specs()).unwrap();
    assert!(buf.as_bytes()[n..].iter().all(|&b| b == 0xa5));
    assert_eq!(&buf.as_bytes()[..n], example().as_bytes());
    let mut small = Aligned::<{ EXAMPLE_LEN - 1 }>::new([7; EXAMPLE_LEN - 1]);
    assert_eq!(
        write(small.as_mut_bytes(), &example_specs()),
        Err(BlobError::OutputTooSmall {
            needed: EXAMPLE_LEN,
            found: EXAMPLE_LEN - 1
        })
    );
    assert!(
        small.as_bytes().iter().all(|&b| b == 7),
        "nothing written on error"
    );
}
