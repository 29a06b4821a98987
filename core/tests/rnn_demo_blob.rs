//! The firmware `rnn` demo's weights (`firmware/data/rnn-integrator-{f32,i8}.bin`) are exactly what
//! this construction makes: the hand-built integrator (`engram_core::rnn::integrator_weights`) with
//! H = 64 units, offset c = 1.6 m, σ = 0.12 m, on a 12 × 12 grid of place-cell centres over the
//! 2.2 m box (Np = 144), ReLU, no bias, with an encoder; the int8 blob quantizes it per row, with
//! activation scales calibrated on 50 walker trajectories (seed 1) with headroom 1.25.
//!
//! Regenerate after an intended change with `ENGRAM_BLESS=1 cargo test -p engram-core --test
//! rnn_demo_blob` and commit the files.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod rnn_support;

use std::path::PathBuf;

use engram_core::rnn::{Activation, ModelWeights};
use rnn_support::*;

/// Hidden units of the demo network.
const H: usize = 64;
/// Centres per side of the grid (Np = 144).
const GRID: usize = 12;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../firmware/data")
}

fn blobs() -> [(&'static str, Vec<u8>); 2] {
    let net = integrator(H, GRID);
    let meta = integrator_meta();
    let f32_bytes = blob_bytes(
        net.dims,
        &meta,
        ModelWeights::F32(net.weights()),
        &net.centres,
    );
    let q = OwnedI8::quantize(&net);
    let scales = calibrate(&net.network(Activation::Relu), &net.centres, 1, 50);
    let i8_bytes = blob_bytes(
        net.dims,
        &meta,
        ModelWeights::Int8(q.weights(), scales),
        &net.centres,
    );
    [
        ("rnn-integrator-f32.bin", f32_bytes),
        ("rnn-integrator-i8.bin", i8_bytes),
    ]
}

#[test]
fn committed_demo_blobs_are_regenerated_byte_for_byte() {
    let bless = std::env::var_os("ENGRAM_BLESS").is_some();
    for (name, bytes) in blobs() {
        let path = data_dir().join(name);
        if bless {
            std::fs::write(&path, &bytes).unwrap();
            eprintln!("blessed {}", path.display());
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}\nbless with ENGRAM_BLESS=1 cargo test -p engram-core --test rnn_demo_blob",
                path.display()
            )
        });
        assert!(
            committed == bytes,
            "{} differs from the construction ({} vs {} bytes); bless with ENGRAM_BLESS=1 if intended",
            path.display(),
            committed.len(),
            bytes.len()
        );
        // And it loads as the network it claims to be.
        let model = load(&committed).unwrap();
        assert_eq!(model.dims.hidden, H);
        assert_eq!(model.dims.places, GRID * GRID);
    }
}
