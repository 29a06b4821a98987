//! The firmware `rnn` demo's weights (`firmware/data/rnn-integrator-{f32,i8}.bin`) are exactly what
//! this construction makes: the hand-built integrator (`engram_core::rnn::integrator_weights`) with
//! H = 64 units, offset c = 1.6 m, σ = 0.12 m, on a 12 × 12 grid of place-cell centres over the
//! 2.2 m box (Np = 144), ReLU, no bias, with an encoder; the int8 blob quantizes it per row, with
//! activation scales calibrated on 50 walker trajectories (seed 1) with headroom 1.25.
//!
//! Regenerate after an intended change with `ENGRAM_BLESS=1 cargo test -p engram-core --test
//! rnn_demo_blob` and commit the files.
//!
//! The demo itself now runs the trained `board` network (`firmware/data/rnn-board-{f32,i8}.bin`,
//! made by `engram rnn train --preset board` and `engram rnn export`; their byte-for-byte
//! regeneration is tested in `tests/tests/rnn_export_cli.rs`). Here the core runs both on the
//! demo's walks exactly as the board does (`firmware/src/demo/rnn.rs`; the kernels are bit-exact
//! across targets, so these are the board's figures, f32 beside int8): mean final-position error
//! below 25 cm and int8 within f32 + 2 cm.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod rnn_support;

use std::path::PathBuf;

use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile};
use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
use engram_core::rnn::{Activation, Model, ModelNet, ModelWeights, PlaceCodeKind, decode_top_k};
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

/// The final-position error of `model` on the demo's walk k (keys (1, 0, k), 20 steps), computed
/// as `firmware/src/demo/rnn.rs` does.
fn demo_final_error(model: &Model<'_>, k: u64) -> f32 {
    let meta = model.meta;
    let base = if meta.periodic {
        TrajectoryConfig::<f32>::periodic()
    } else {
        TrajectoryConfig::sorscher()
    };
    let walk = TrajectoryConfig {
        box_size: meta.box_width,
        dt: if meta.dt > 0.0 { meta.dt } else { base.dt },
        ..base
    };
    let profile = match meta.place_code {
        PlaceCodeKind::DifferenceOfSoftmaxes => PlaceProfile::DifferenceOfSoftmaxes {
            surround_scale: meta.surround * meta.surround,
        },
        _ => PlaceProfile::Gaussian,
    };
    let cells = PlaceCells::new(
        model.centres,
        PlaceConfig {
            sigma: meta.sigma,
            profile,
            box_size: meta.box_width,
            periodic: meta.periodic,
        },
    )
    .unwrap();
    let (h, np) = (model.dims.hidden, model.dims.places);
    let mut w = Walker::new(&walk, TrajectoryKey::new(1, 0, k)).unwrap();
    let (x0, y0) = w.start();
    let (mut p, mut scratch) = (vec![0.0f32; np], vec![0.0f32; np]);
    cells.encode([x0, y0], &mut p, &mut scratch).unwrap();
    let mut logits = vec![0.0f32; np];
    let mut truth = [0.0f32; 2];
    match model.net {
        ModelNet::F32(net) => {
            let (mut g, mut next) = (vec![0.0f32; h], vec![0.0f32; h]);
            net.encode(&p, &mut g).unwrap();
            for _ in 0..20 {
                let s = w.step();
                net.step(&[s.dx, s.dy], &g, &mut next).unwrap();
                std::mem::swap(&mut g, &mut next);
                truth = [s.x, s.y];
            }
            net.readout(&g, &mut logits).unwrap();
        }
        ModelNet::Int8(net) => {
            let (mut g, mut next) = (vec![0i16; h], vec![0i16; h]);
            let (mut qv, mut z) = ([0i16; 2], vec![0.0f32; h]);
            net.encode(&p, &mut g).unwrap();
            for _ in 0..20 {
                let s = w.step();
                net.step(&[s.dx, s.dy], &g, &mut next, &mut qv, &mut z)
                    .unwrap();
                std::mem::swap(&mut g, &mut next);
                truth = [s.x, s.y];
            }
            net.readout(&g, &mut logits).unwrap();
        }
    }
    let mut top = vec![0usize; meta.decode_k];
    let xy = decode_top_k(&logits, model.centres, meta.topology(), &mut top).unwrap();
    meta.topology().distance(xy, truth)
}

#[test]
fn board_blobs_path_integrate_on_the_demo_walks() {
    let read = |name: &str| std::fs::read(data_dir().join(name)).unwrap();
    let (f, q) = (read("rnn-board-f32.bin"), read("rnn-board-i8.bin"));
    let (mf, mq) = (load(&f).unwrap(), load(&q).unwrap());
    assert_eq!((mf.dims.hidden, mf.dims.places), (128, 128));
    assert_eq!(mf.meta, mq.meta);
    assert_eq!(mf.centres, mq.centres);
    let n = 100u64;
    let mean = |m: &Model<'_>| (0..n).map(|k| demo_final_error(m, k)).sum::<f32>() / n as f32;
    let (ef, eq) = (mean(&mf), mean(&mq));
    eprintln!(
        "board network on the demo's walks (1, 0, k), k < {n}: mean final error f32 {:.2} cm, int8 {:.2} cm",
        100.0 * ef,
        100.0 * eq
    );
    assert!(ef < 0.25, "f32 {ef}");
    assert!(eq <= ef + 0.02, "f32 {ef} int8 {eq}");
}
