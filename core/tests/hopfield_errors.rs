//! Every hopfield entry point reports bad input as an `Error`, never a panic.
// Tests may panic: the no-panic lints guard the library, not its test harness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use engram_core::Error;
use engram_core::hopfield::{
    BinaryMemory, DenseForm, ExpMemory, GaussianKde, ModernHopfield, PackedPatterns, PatternForm,
    PolyMemory, hebbian, hebbian_packed, log_sum_exp, normalize, normalize_rows, pack_signs,
    participation_ratio, run_async, run_sync, softmax, sweep_order, sync_step, unpack_signs,
    update_unit,
};
use engram_core::rng::Rng;

fn dim(r: Result<impl core::fmt::Debug, Error>) {
    assert!(matches!(r, Err(Error::DimensionMismatch { .. })), "{r:?}");
}
fn invalid(r: Result<impl core::fmt::Debug, Error>) {
    assert!(matches!(r, Err(Error::InvalidParameter { .. })), "{r:?}");
}
fn nonfinite(r: Result<impl core::fmt::Debug, Error>) {
    assert!(matches!(r, Err(Error::NonFinite { .. })), "{r:?}");
}
fn scratch(r: Result<impl core::fmt::Debug, Error>) {
    assert!(matches!(r, Err(Error::ScratchTooSmall { .. })), "{r:?}");
}

#[test]
fn non_pm1_entries() {
    invalid(pack_signs(&[1, -1, 2], &mut [0u32; 1]));
    invalid(pack_signs(&[0], &mut [0u32; 1]));
    invalid(hebbian(&[1, 1, -1, 3], 2, 2, &mut [0i32; 4]));
    let mut st = PackedPatterns::<1, 1>::new(3).unwrap();
    invalid(st.push_signs(&[1, -1, -128]));
}

#[test]
fn dimension_mismatches() {
    dim(pack_signs(&[1; 33], &mut [0u32; 1]));
    dim(unpack_signs(&[0u32; 2], &mut [0i8; 32]));
    dim(hebbian(&[1; 5], 2, 3, &mut [0i32; 9]));
    dim(hebbian(&[1; 6], 2, 3, &mut [0i32; 8]));
    dim(hebbian_packed(&[0u32; 3], 2, 3, &mut [0i32; 9]));
    dim(DenseForm::new(&[0i32; 8], 3));
    dim(PatternForm::new(&[0u32; 3], 2, 33));

    let xi = [0u32; 4];
    let net = PatternForm::new(&xi, 2, 40).unwrap();
    let mut m = [0i32; 2];
    dim(net.init_cache(&[0u32; 1], &mut m));
    scratch(net.init_cache(&[0u32; 2], &mut [0i32; 1]));
    invalid(net.field(&[0u32; 2], &m, 40));
    invalid(net.apply_flip(&mut m, 0, 0));
    let mut s = [0u32; 2];
    let mut rng = Rng::seed_from_u64(1);
    dim(run_async(
        &net,
        &mut s,
        &mut m,
        &mut [0u16; 39],
        &mut rng,
        5,
    ));
    dim(run_async(
        &net,
        &mut [0u32; 1],
        &mut m,
        &mut [0u16; 40],
        &mut rng,
        5,
    ));
    scratch(run_async(
        &net,
        &mut s,
        &mut [0i32; 1],
        &mut [0u16; 40],
        &mut rng,
        5,
    ));
    scratch(run_sync(&net, &mut s, &mut m, &mut [0u32; 3], 5));
    scratch(sync_step(&net, &mut s, &mut m, &mut [0u32; 1]));
    invalid(update_unit(&net, &mut s, &mut m, 99));
    // An order holding an index ≥ N is an error, not an out-of-bounds access.
    invalid(engram_core::hopfield::async_sweep(
        &net,
        &mut s,
        &mut m,
        &[0u16, 40],
    ));
    // N too large for the index type.
    let mut big = vec![0u16; 70_000];
    invalid(sweep_order(&mut big, &mut rng));

    let x = [0.0f32; 6];
    dim(ModernHopfield::new(&x, 2, 4, 1.0));
    let mh = ModernHopfield::new(&x, 2, 3, 1.0).unwrap();
    dim(mh.update(&[0.0; 3], &mut [0.0; 2], &mut [0.0; 2]));
    dim(mh.weights(&[0.0; 2], &mut [0.0; 2]));
    dim(GaussianKde::new(&x, 4, 2, 1.0));
    let kde = GaussianKde::new(&x, 2, 3, 1.0).unwrap();
    dim(kde.step(&[0.0; 3], &mut [0.0; 3], &mut [0.0; 3]));
    dim(kde.run(&mut [0.0; 2], &mut [0.0; 5], 0.1, 3));
    dim(normalize_rows(&mut [1.0f64; 5], 2, 3));
}

#[test]
fn beta_and_nan() {
    let x = [1.0f64, 0.0, 0.0, 1.0];
    for beta in [0.0, -1.0, -f64::MIN_POSITIVE] {
        invalid(ModernHopfield::new(&x, 2, 2, beta));
        invalid(GaussianKde::new(&x, 2, 2, beta));
    }
    for beta in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        nonfinite(ModernHopfield::new(&x, 2, 2, beta));
        nonfinite(GaussianKde::new(&x, 2, 2, beta));
    }
    nonfinite(ModernHopfield::new(&[1.0, f64::NAN], 1, 2, 1.0));
    nonfinite(GaussianKde::new(&[f64::INFINITY, 0.0], 1, 2, 1.0));
    let mh = ModernHopfield::new(&x, 2, 2, 1.0).unwrap();
    nonfinite(mh.energy(&[f64::NAN, 0.0], &mut [0.0; 2]));
    let kde = GaussianKde::new(&x, 2, 2, 1.0).unwrap();
    nonfinite(kde.nll(&[0.0, f64::NAN], &mut [0.0; 2]));
    nonfinite(normalize(&mut [f32::NAN, 1.0]));
    invalid(normalize(&mut [0.0f32, 0.0]));
    invalid(normalize::<f32>(&mut []));
    nonfinite(softmax(&mut [0.0f64, f64::NAN]));
    invalid(log_sum_exp::<f32>(&[]));
    invalid(participation_ratio(&[0.0f32]));
    // Empty shapes.
    invalid(ModernHopfield::<f32>::new(&[], 0, 3, 1.0));
    invalid(GaussianKde::<f32>::new(&[], 2, 0, 1.0));
}

#[test]
fn capacity_and_bounds() {
    let mut st = PackedPatterns::<1, 1>::new(8).unwrap();
    st.push_signs(&[1; 8]).unwrap();
    assert_eq!(
        st.push_signs(&[-1; 8]),
        Err(Error::CapacityExceeded {
            what: "PackedPatterns",
            capacity: 1
        })
    );
    assert!(matches!(
        st.push_random(&mut Rng::seed_from_u64(0)),
        Err(Error::CapacityExceeded { .. })
    ));
    assert_eq!(st.len(), 1);
    // Integer bounds: refused instead of overflowing.
    invalid(PatternForm::new(&[], 1 << 20, 1 << 12));
    let xi = [u32::MAX; 32];
    let pf = PatternForm::new(&xi, 1, 1024).unwrap();
    invalid(PolyMemory::new(pf, 13));
    invalid(PolyMemory::new(pf, 1));
    // A cache inconsistent with the state gives an error (or garbage), never a panic.
    let net = PolyMemory::new(pf, 12).unwrap();
    let m = [i32::MAX];
    assert!(net.field(&xi, &m, 0).is_err());
    assert!(net.energy(&xi, &m).is_err());
    let e = ExpMemory::new(pf);
    assert!(e.field(&xi, &[i32::MIN], 0).is_ok());
    let pat = PatternForm::new(&xi, 1, 1024).unwrap();
    assert!(pat.apply_flip(&mut [i32::MAX], 0, 1).is_err());
}
