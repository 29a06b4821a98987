//! Property tests of the blob format: random tensor sets round-trip bit for bit, and parsing any
//! bytes (random, or a valid blob corrupted or truncated) never panics and never returns an `Ok`
//! that breaks the format's promises.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use engram_core::blob::{
    self, ALIGN, Blob, BlobError, Dtype, HEADER_LEN, TensorData, TensorSpec, bits,
};
use proptest::prelude::*;

/// A tensor's data, owned.
#[derive(Debug, Clone)]
enum Owned {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I8(Vec<i8>),
    I32(Vec<i32>),
    Bits(Vec<u32>),
}

impl Owned {
    fn data(&self) -> TensorData<'_> {
        match self {
            Owned::F32(v) => TensorData::F32(v),
            Owned::F64(v) => TensorData::F64(v),
            Owned::I8(v) => TensorData::I8(v),
            Owned::I32(v) => TensorData::I32(v),
            Owned::Bits(v) => TensorData::BitsU32(v),
        }
    }

    /// Every element's bits, widened, so NaNs compare by payload.
    fn bits(&self) -> Vec<u64> {
        match self {
            Owned::F32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
            Owned::F64(v) => v.iter().map(|x| x.to_bits()).collect(),
            Owned::I8(v) => v.iter().map(|&x| x as u64).collect(),
            Owned::I32(v) => v.iter().map(|&x| x as u64).collect(),
            Owned::Bits(v) => v.iter().map(|&x| u64::from(x)).collect(),
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    shape: Vec<usize>,
    data: Owned,
}

/// Stored elements for a shape (words, for bits).
fn stored(dtype: Dtype, shape: &[usize]) -> usize {
    match (dtype, shape.split_last()) {
        (Dtype::BitsU32, Some((&n, rows))) => rows.iter().product::<usize>() * bits::words_for(n),
        _ => shape.iter().product(),
    }
}

fn case() -> impl Strategy<Value = Case> {
    let dtype = prop::sample::select(Dtype::ALL.to_vec());
    (dtype, prop::collection::vec(0usize..5, 1..=4), 0usize..70).prop_flat_map(
        |(dtype, mut shape, bits_n)| {
            if dtype == Dtype::BitsU32 {
                *shape.last_mut().unwrap() = bits_n;
            }
            let n = stored(dtype, &shape);
            let data = match dtype {
                Dtype::F32 => prop::collection::vec(any::<u32>(), n)
                    .prop_map(|v| Owned::F32(v.into_iter().map(f32::from_bits).collect()))
                    .boxed(),
                Dtype::F64 => prop::collection::vec(any::<u64>(), n)
                    .prop_map(|v| Owned::F64(v.into_iter().map(f64::from_bits).collect()))
                    .boxed(),
                Dtype::I8 => prop::collection::vec(any::<i8>(), n)
                    .prop_map(Owned::I8)
                    .boxed(),
                Dtype::I32 => prop::collection::vec(any::<i32>(), n)
                    .prop_map(Owned::I32)
                    .boxed(),
                _ => {
                    let last = *shape.last().unwrap();
                    let wpr = bits::words_for(last);
                    let pad = match last % 32 {
                        0 => u32::MAX,
                        r => (1u32 << r) - 1,
                    };
                    prop::collection::vec(any::<u32>(), n)
                        .prop_map(move |mut v| {
                            // Clear each row's padding bits, as the format requires.
                            for row in v.chunks_mut(wpr.max(1)) {
                                if let Some(w) = row.last_mut() {
                                    *w &= pad;
                                }
                            }
                            Owned::Bits(v)
                        })
                        .boxed()
                }
            };
            data.prop_map(move |data| Case {
                shape: shape.clone(),
                data,
            })
        },
    )
}

/// Names of 1..=32 UTF-8 bytes (some multi-byte), unique by construction of the map.
fn tensors() -> impl Strategy<Value = BTreeMap<String, Case>> {
    prop::collection::btree_map("[a-z0-9_.é]{1,16}", case(), 1..6)
}

/// 16-aligned storage for `len` bytes (a `Vec<u8>` need not be aligned).
fn aligned_vec(len: usize) -> Vec<u128> {
    vec![0u128; len.div_ceil(16)]
}

fn write_all(map: &BTreeMap<String, Case>) -> (Vec<u128>, usize) {
    let specs: Vec<TensorSpec<'_>> = map
        .iter()
        .map(|(name, c)| TensorSpec::new(name, &c.shape, c.data.data()))
        .collect();
    let len = blob::encoded_len(&specs).unwrap();
    let mut store = aligned_vec(len);
    let out: &mut [u8] = bytemuck::cast_slice_mut(&mut store);
    assert_eq!(blob::write(out, &specs).unwrap(), len);
    (store, len)
}

/// Every typed view of the tensor's own dtype, as widened bits.
fn view_bits(t: &blob::Tensor<'_>) -> Result<Vec<u64>, BlobError> {
    Ok(match t.dtype() {
        Dtype::F32 => t.as_f32()?.iter().map(|x| u64::from(x.to_bits())).collect(),
        Dtype::F64 => t.as_f64()?.iter().map(|x| x.to_bits()).collect(),
        Dtype::I8 => t.as_i8()?.iter().map(|&x| x as u64).collect(),
        Dtype::I32 => t.as_i32()?.iter().map(|&x| x as u64).collect(),
        Dtype::BitsU32 => t.as_bits_u32()?.iter().map(|&x| u64::from(x)).collect(),
    })
}

/// What an `Ok` parse promises: every tensor is in bounds, aligned from the blob start, reachable
/// by name, viewable as its own dtype (when the bytes are 16-aligned) with the right length, and
/// no other dtype; names are unique and data ranges disjoint.
fn check_consistent(blob: &Blob<'_>, input: &[u8]) {
    let bytes = blob.as_bytes();
    assert!(bytes.len() <= input.len() && bytes.len() >= HEADER_LEN);
    assert_eq!(bytes.as_ptr(), input.as_ptr());
    assert_eq!(blob.tensors().len(), blob.tensor_count());
    let base = bytes.as_ptr() as usize;
    let mut ranges = Vec::new();
    for (i, t) in blob.tensors().enumerate() {
        assert_eq!(t.index(), i);
        assert!(!t.name().is_empty() && t.name().len() <= blob::NAME_MAX);
        assert_eq!(blob.get(t.name()).unwrap(), t);
        assert!((1..=blob::MAX_RANK).contains(&t.rank()));
        assert_eq!(t.len(), t.shape().iter().product::<usize>());
        let start = t.bytes().as_ptr() as usize - base;
        assert!(start + t.bytes().len() <= bytes.len());
        assert_eq!(start % ALIGN, 0);
        assert!(start >= HEADER_LEN + blob::ENTRY_LEN * blob.tensor_count());
        let n = stored(t.dtype(), t.shape());
        assert_eq!(t.bytes().len(), n * t.dtype().size());
        if base.is_multiple_of(ALIGN) {
            assert_eq!(view_bits(&t).unwrap().len(), n);
        }
        for other in Dtype::ALL {
            if other != t.dtype() {
                let r = match other {
                    Dtype::F32 => t.as_f32().map(|_| ()),
                    Dtype::F64 => t.as_f64().map(|_| ()),
                    Dtype::I8 => t.as_i8().map(|_| ()),
                    Dtype::I32 => t.as_i32().map(|_| ()),
                    Dtype::BitsU32 => t.as_bits_u32().map(|_| ()),
                };
                assert!(matches!(r, Err(BlobError::WrongDtype { .. })));
            }
        }
        if !t.bytes().is_empty() {
            ranges.push((start, start + t.bytes().len()));
        }
    }
    ranges.sort_unstable();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0), "disjoint data");
}

/// Parses `input` both ways; on `Ok`, checks the promises.
fn parse_any(input: &[u8]) {
    for parsed in [Blob::parse(input), Blob::parse_prefix(input)] {
        match parsed {
            Ok(blob) => check_consistent(&blob, input),
            Err(e) => assert!(!format!("{e}").is_empty()),
        }
    }
}

/// Rewrites the header checksum over `bytes[32..total]` (clamped to the input), so corruption
/// reaches the structural checks instead of stopping at the checksum.
fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let total = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let end = total.clamp(HEADER_LEN, bytes.len());
    let crc = blob::checksum(&bytes[HEADER_LEN..end]);
    bytes[20..24].copy_from_slice(&crc.to_le_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_tensor_sets_round_trip(map in tensors()) {
        let (store, len) = write_all(&map);
        let bytes = &bytemuck::cast_slice::<u128, u8>(&store)[..len];
        let blob = Blob::parse(bytes).unwrap();
        check_consistent(&blob, bytes);
        prop_assert_eq!(blob.tensor_count(), map.len());
        for ((name, case), t) in map.iter().zip(blob.tensors()) {
            prop_assert_eq!(t.name(), name.as_str());
            prop_assert_eq!(t.shape(), case.shape.as_slice());
            prop_assert_eq!(t.dtype(), case.data.data().dtype());
            prop_assert_eq!(view_bits(&t).unwrap(), case.data.bits());
            prop_assert_eq!(blob.get(name).unwrap(), t);
        }
        // The writer is deterministic.
        let (again, len2) = write_all(&map);
        prop_assert_eq!(len2, len);
        prop_assert_eq!(again, store);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), fix_crc: bool) {
        let mut store = aligned_vec(bytes.len());
        let buf: &mut [u8] = &mut bytemuck::cast_slice_mut::<u128, u8>(&mut store)[..bytes.len()];
        buf.copy_from_slice(&bytes);
        parse_any(buf);
        if fix_crc {
            reseal(buf);
            parse_any(buf);
        }
        // Bytes with a valid header prefix reach the table checks.
        if buf.len() >= HEADER_LEN {
            buf[..8].copy_from_slice(&blob::MAGIC);
            buf[8..12].copy_from_slice(&1u32.to_le_bytes());
            let count = u32::from(buf[12] % 8);
            buf[12..16].copy_from_slice(&count.to_le_bytes());
            let total = buf.len() as u32;
            buf[16..20].copy_from_slice(&total.to_le_bytes());
            buf[24..32].fill(0);
            reseal(buf);
            parse_any(buf);
        }
    }

    #[test]
    fn corrupted_blobs_never_panic(
        map in tensors(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in any::<prop::sample::Index>(),
        shift: bool,
        fix_crc: bool,
    ) {
        let (store, len) = write_all(&map);
        let valid = &bytemuck::cast_slice::<u128, u8>(&store)[..len];
        // Optionally one byte past an aligned address: parses the same, views are misaligned.
        let mut moved = aligned_vec(len + 1);
        let at = usize::from(shift);
        let buf = &mut bytemuck::cast_slice_mut::<u128, u8>(&mut moved)[at..at + len];
        buf.copy_from_slice(valid);
        for (i, x) in &flips {
            buf[i.index(len)] ^= x;
        }
        if fix_crc {
            reseal(buf);
        }
        parse_any(buf);
        let cut = cut.index(len + 1);
        parse_any(&buf[..cut]);
        // A flipped byte in the checksummed part is always caught unless the CRC is refitted.
        if !fix_crc && flips.iter().all(|(i, _)| i.index(len) >= HEADER_LEN) && flips.len() == 1 {
            let is_checksum_error = matches!(Blob::parse(buf), Err(BlobError::ChecksumMismatch { .. }));
            prop_assert!(is_checksum_error);
        }
    }
}
