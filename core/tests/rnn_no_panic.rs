//! No public entry point of the network half of `engram_core::rnn` panics, whatever it is given:
//! arbitrary sizes, slices of the wrong length, NaN and ±∞ anywhere, any bytes as a blob. Every
//! call must return `Ok` or `Err` (proptest reports a panic as a failure).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use engram_core::blob::Blob;
use engram_core::rng::Rng;
use engram_core::rnn::{
    ActScales, Activation, Dims, Meta, Model, ModelWeights, Network, PlaceCodeKind, QuantMatrix,
    QuantNetwork, QuantWeights, Topology, Weights, decode_top_k, grid_centres, integrator_weights,
    model_len, quantize_rows, top_k, write_model,
};
use proptest::prelude::*;

fn near(expected: usize, delta: i8) -> usize {
    if delta.unsigned_abs() > 2 {
        expected
    } else {
        expected.saturating_add_signed(delta as isize)
    }
}

fn floats(len: usize, seed: u64, wild: bool) -> Vec<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..len)
        .map(|_| {
            let r = rng.next_u32();
            if wild && r.is_multiple_of(7) {
                f32::from_bits(rng.next_u32())
            } else {
                rng.uniform::<f32>() * 4.0 - 2.0
            }
        })
        .collect()
}

fn codes(len: usize, seed: u64) -> Vec<i8> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.next_u32() as i8).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn network_entry_points_never_panic(
        i in 0usize..4, h in 0usize..12, p in 0usize..8,
        d1 in -4i8..4, d2 in -4i8..4, d3 in -4i8..4,
        seed in any::<u64>(), wild in any::<bool>(), act in 0usize..3,
        steps in 0usize..5, batch in 0usize..3, k in 0usize..5, periodic in any::<bool>(),
    ) {
        let a = Activation::ALL[act];
        let dims = Dims::new(i, h, p);
        let w_ih = floats(near(h * i, d1), seed, wild);
        let w_hh = floats(near(h * h, d2), seed ^ 1, wild);
        let bias = floats(near(h, d3), seed ^ 2, wild);
        let w_enc = floats(near(h * p, d1), seed ^ 3, wild);
        let w_dec = floats(near(p * h, d2), seed ^ 4, wild);
        let w = Weights { w_ih: &w_ih, w_hh: &w_hh, bias: Some(&bias), w_enc: Some(&w_enc), w_dec: &w_dec };
        let v = floats(near(steps * i * batch.max(1), d3), seed ^ 5, wild);
        let g = floats(near(h * batch.max(1), d1), seed ^ 6, wild);
        let mut out = vec![0.0f32; near(steps * h * batch.max(1), d2)];
        let mut logits = floats(near(p, d3), seed ^ 7, wild);
        let centres = floats(near(2 * p, d1), seed ^ 8, wild);
        let topo = if periodic { Topology::Torus { width: 2.2f32, height: if wild { f32::NAN } else { 2.2 } } } else { Topology::Walled };
        let mut top = vec![0usize; k];
        let _ = top_k(&logits, &mut top);
        let _ = decode_top_k(&logits, &centres, topo, &mut top);
        let _ = topo.distance([1.0, f32::NAN], [0.0, 0.0]);
        if let Ok(net) = Network::new(dims, a, w) {
            let _ = net.encode(&logits, &mut out);
            let _ = net.step(&v, &g, &mut out);
            let _ = net.readout(&g, &mut logits);
            let _ = net.sequence(&v, &g, &mut out);
            let _ = net.batch(&v, &g, &mut out, batch);
        }
        // int8
        let qi = codes(w_ih.len(), seed);
        let qh = codes(w_hh.len(), seed ^ 9);
        let qe = codes(w_enc.len(), seed ^ 10);
        let qd = codes(w_dec.len(), seed ^ 11);
        let si = floats(near(h, d1), seed ^ 12, wild);
        let sd = floats(near(p, d2), seed ^ 13, wild);
        let qw = QuantWeights {
            w_ih: QuantMatrix { q: &qi, scale: &si },
            w_hh: QuantMatrix { q: &qh, scale: &si },
            bias: Some(&bias),
            w_enc: Some(QuantMatrix { q: &qe, scale: &si }),
            w_dec: QuantMatrix { q: &qd, scale: &sd },
        };
        let scales = ActScales { input: g.first().copied().unwrap_or(0.0), state: 1e-3 };
        let _ = ActScales::calibrate(scales.input, 1.0, if wild { f32::NAN } else { 1.0 });
        if let Ok(q) = QuantNetwork::new(dims, a, qw, scales) {
            let gq: Vec<i16> = (0..near(h, d3)).map(|j| (j as i16).wrapping_mul(4099)).collect();
            let mut oq = vec![0i16; near(steps * h, d1)];
            let (mut qv, mut z) = (vec![0i16; near(i, d2)], vec![0.0f32; near(h, d3)]);
            let _ = q.encode(&logits, &mut oq);
            let _ = q.step(&v, &gq, &mut oq, &mut qv, &mut z);
            let _ = q.readout(&gq, &mut logits);
            let _ = q.sequence(&v, &gq, &mut oq, &mut qv, &mut z);
        }
        let mut qout = vec![0i8; near(h * i, d3)];
        let mut sout = vec![0.0f32; near(h, d1)];
        let _ = quantize_rows(&w_ih, h, i, &mut qout, &mut sout);
        // Blob writer and loader.
        let meta = Meta {
            activation: a, place_code: PlaceCodeKind::Unspecified, periodic, decode_k: k,
            box_width: 2.2, box_height: if wild { -1.0 } else { 2.2 }, dt: 0.02, sigma: 0.1, surround: 0.0,
        };
        for weights in [ModelWeights::F32(w), ModelWeights::Int8(qw, scales)] {
            if let Ok(n) = model_len(dims, &meta, weights, &centres) {
                let mut buf = vec![0u8; n + 32];
                let off = buf.as_ptr().align_offset(16);
                let buf = &mut buf[off..off + n];
                let written = write_model(buf, dims, &meta, weights, &centres).unwrap();
                let blob = Blob::parse(&buf[..written]).unwrap();
                let model = Model::from_blob(&blob);
                prop_assert!(model.is_ok(), "{:?}", model.err());
            }
        }
        let mut c = vec![0.0f32; near(2 * p * p, d1)];
        let _ = grid_centres(p, if wild { f32::NAN } else { 2.2 }, &mut c);
        let (mut a1, mut a2, mut a3, mut a4) = (vec![0.0f32; near(2 * h, d1)], vec![0.0f32; near(h * h, d2)], vec![0.0f32; near(h * p, d3)], vec![0.0f32; near(p * h, d1)]);
        let _ = integrator_weights(h, 1.6f32, 0.1, &centres, &mut a1, &mut a2, &mut a3, &mut a4);
    }

    /// A valid network blob with random bytes changed anywhere past the header and the checksum
    /// recomputed: structurally valid blobs with nonsense in them.
    #[test]
    fn corrupted_but_checksummed_blobs_never_panic(seed in any::<u64>(), flips in 1usize..8, int8 in any::<bool>()) {
        let (h, p) = (4usize, 4usize);
        let mut rng = Rng::seed_from_u64(seed);
        let mut centres = vec![0.0f32; 2 * p];
        grid_centres(2, 2.0, &mut centres).unwrap();
        let (mut a1, mut a2, mut a3, mut a4) = (vec![0.0f32; 2 * h], vec![0.0f32; h * h], vec![0.0f32; h * p], vec![0.0f32; p * h]);
        integrator_weights(h, 1.6f32, 0.1, &centres, &mut a1, &mut a2, &mut a3, &mut a4).unwrap();
        let w = Weights { w_ih: &a1, w_hh: &a2, bias: None, w_enc: Some(&a3), w_dec: &a4 };
        let (mut q1, mut q2, mut q3, mut q4) = (vec![0i8; 2 * h], vec![0i8; h * h], vec![0i8; h * p], vec![0i8; p * h]);
        let (mut s1, mut s2, mut s3, mut s4) = (vec![0.0f32; h], vec![0.0f32; h], vec![0.0f32; h], vec![0.0f32; p]);
        quantize_rows(&a1, h, 2, &mut q1, &mut s1).unwrap();
        quantize_rows(&a2, h, h, &mut q2, &mut s2).unwrap();
        quantize_rows(&a3, h, p, &mut q3, &mut s3).unwrap();
        quantize_rows(&a4, p, h, &mut q4, &mut s4).unwrap();
        let qw = QuantWeights {
            w_ih: QuantMatrix { q: &q1, scale: &s1 }, w_hh: QuantMatrix { q: &q2, scale: &s2 }, bias: None,
            w_enc: Some(QuantMatrix { q: &q3, scale: &s3 }), w_dec: QuantMatrix { q: &q4, scale: &s4 },
        };
        let weights = if int8 { ModelWeights::Int8(qw, ActScales { input: 1e-4, state: 1e-4 }) } else { ModelWeights::F32(w) };
        let meta = Meta {
            activation: Activation::Relu, place_code: PlaceCodeKind::Gaussian, periodic: false, decode_k: 3,
            box_width: 2.0, box_height: 2.0, dt: 0.02, sigma: 0.1, surround: 0.0,
        };
        let dims = Dims::new(2, h, p);
        let n = model_len(dims, &meta, weights, &centres).unwrap();
        let mut buf = vec![0u8; n + 16];
        let off = buf.as_ptr().align_offset(16);
        let b = &mut buf[off..off + n];
        write_model(b, dims, &meta, weights, &centres).unwrap();
        for _ in 0..flips {
            let at = 32 + rng.below((n - 32) as u64) as usize;
            b[at] = rng.next_u32() as u8;
        }
        let crc = engram_core::blob::checksum(&b[32..]);
        b[20..24].copy_from_slice(&crc.to_le_bytes());
        if let Ok(blob) = Blob::parse(b) {
            let _ = Model::from_blob(&blob);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_loader(bytes in proptest::collection::vec(any::<u8>(), 0..600), header in any::<bool>()) {
        let mut b = bytes;
        if header && b.len() >= 32 {
            b[..8].copy_from_slice(&engram_core::blob::MAGIC);
            b[8..12].copy_from_slice(&1u32.to_le_bytes());
        }
        if let Ok(blob) = Blob::parse(&b) {
            let _ = Model::from_blob(&blob);
        }
    }
}
