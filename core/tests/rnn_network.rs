//! Properties of the recurrent network kernels: Norm-ReLU states have unit norm or are zero; a
//! sequence is its steps; a batch is its sequences; the fixed-size wrapper is the runtime kernel
//! bit for bit (f32 and int8); top-k decoding recovers known positions.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod rnn_support;

use engram_core::rng::Rng;
use engram_core::rnn::{
    Activation, Dims, FixedRnn, ModelWeights, Network, QuantNetwork, Topology, Weights,
    decode_top_k, top_k,
};
use proptest::prelude::*;
use rnn_support::*;

fn normal(rng: &mut Rng, n: usize, scale: f32) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    rng.fill_normal(&mut v);
    v.iter_mut().for_each(|x| *x *= scale);
    v
}

struct Random {
    dims: Dims,
    w_ih: Vec<f32>,
    w_hh: Vec<f32>,
    bias: Vec<f32>,
    w_enc: Vec<f32>,
    w_dec: Vec<f32>,
}

impl Random {
    fn new(seed: u64, i: usize, h: usize, p: usize) -> Self {
        let mut rng = Rng::seed_from_u64(seed);
        let s = 1.0 / (h as f32).max(1.0);
        Self {
            dims: Dims::new(i, h, p),
            w_ih: normal(&mut rng, h * i, 1.0),
            w_hh: normal(&mut rng, h * h, libm::sqrtf(s)),
            bias: normal(&mut rng, h, 0.1),
            w_enc: normal(&mut rng, h * p, 1.0),
            w_dec: normal(&mut rng, p * h, 1.0),
        }
    }

    fn net(&self, a: Activation, bias: bool) -> Network<'_, f32> {
        Network::new(
            self.dims,
            a,
            Weights {
                w_ih: &self.w_ih,
                w_hh: &self.w_hh,
                bias: bias.then_some(&self.bias[..]),
                w_enc: Some(&self.w_enc),
                w_dec: &self.w_dec,
            },
        )
        .unwrap()
    }
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn norm_relu_has_unit_norm_or_is_zero(z in proptest::collection::vec(-1e3f32..1e3, 1..200)) {
        let mut g = z.clone();
        Activation::NormRelu.apply(&mut g);
        let sq: f64 = g.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        prop_assert!(g.iter().all(|&x| x >= 0.0));
        if z.iter().any(|&x| x > 0.0) {
            prop_assert!((sq - 1.0).abs() < 1e-5 * z.len() as f64, "{sq}");
        } else {
            prop_assert_eq!(sq, 0.0);
        }
    }

    #[test]
    fn sequence_is_its_steps_and_batch_is_its_sequences(
        seed in any::<u64>(), i in 1usize..4, h in 1usize..24, p in 1usize..10,
        steps in 0usize..12, b in 1usize..4, act in 0usize..3, bias in any::<bool>(),
    ) {
        let r = Random::new(seed, i, h, p);
        let net = r.net(Activation::ALL[act], bias);
        let mut rng = Rng::seed_from_u64(seed ^ 1);
        let v = normal(&mut rng, b * steps * i, 0.5);
        let g0 = normal(&mut rng, b * h, 0.5);
        let mut batch = vec![0.0f32; b * steps * h];
        net.batch(&v, &g0, &mut batch, b).unwrap();
        for s in 0..b {
            let vs = &v[s * steps * i..(s + 1) * steps * i];
            let mut seq = vec![0.0f32; steps * h];
            net.sequence(vs, &g0[s * h..(s + 1) * h], &mut seq).unwrap();
            prop_assert_eq!(bits(&seq), bits(&batch[s * steps * h..(s + 1) * steps * h]));
            let mut g = g0[s * h..(s + 1) * h].to_vec();
            for t in 0..steps {
                let mut next = vec![0.0f32; h];
                net.step(&vs[t * i..(t + 1) * i], &g, &mut next).unwrap();
                prop_assert_eq!(bits(&next), bits(&seq[t * h..(t + 1) * h]));
                g = next;
            }
        }
    }

    #[test]
    fn top_1_of_distance_logits_is_the_nearest_centre(
        seed in any::<u64>(), np in 1usize..60, x in -1.0f32..1.0, y in -1.0f32..1.0,
    ) {
        let mut rng = Rng::seed_from_u64(seed);
        let centres: Vec<f32> = (0..2 * np).map(|_| rng.uniform::<f32>() * 2.2 - 1.1).collect();
        let logits: Vec<f32> = centres
            .chunks_exact(2)
            .map(|c| -((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1])))
            .collect();
        let mut top = [0usize; 1];
        let xy = decode_top_k(&logits, &centres, Topology::Walled, &mut top).unwrap();
        let nearest = (0..np)
            .min_by(|&a, &b| (-logits[a]).partial_cmp(&(-logits[b])).unwrap().then(a.cmp(&b)))
            .unwrap();
        prop_assert_eq!(top[0], nearest);
        prop_assert_eq!(xy, [centres[2 * nearest], centres[2 * nearest + 1]]);
    }
}

/// A known code: logits built from four centres symmetric about a point decode to that point.
#[test]
fn top_k_mean_of_a_symmetric_code_is_its_centre() {
    let centres = [0.3f32, 0.2, 0.5, 0.2, 0.4, 0.1, 0.4, 0.3, -1.0, -1.0];
    let logits = [2.0f32, 2.0, 2.0, 2.0, 5.0 - 10.0];
    let mut top = [0usize; 4];
    let xy = decode_top_k(&logits, &centres, Topology::Walled, &mut top).unwrap();
    assert_eq!(top, [0, 1, 2, 3]);
    assert!(
        (xy[0] - 0.4).abs() < 1e-7 && (xy[1] - 0.2).abs() < 1e-7,
        "{xy:?}"
    );
    // On a torus, centres straddling the wrap point average across it.
    let centres = [1.05f32, 0.0, -1.05, 0.0, 1.0, 0.0, -1.0, 0.0];
    let torus = Topology::Torus {
        width: 2.2,
        height: 2.2,
    };
    let xy = decode_top_k(&[1.0f32; 4], &centres, torus, &mut top).unwrap();
    assert!(
        (xy[0].abs() - 1.1).abs() < 1e-5 && xy[1].abs() < 1e-6,
        "{xy:?}"
    );
    let mut t = [0usize; 3];
    top_k(&[1.0f32, 3.0, 2.0, 3.0], &mut t).unwrap();
    assert_eq!(t, [1, 3, 2]);
}

#[test]
fn fixed_wrapper_is_the_runtime_kernel_bit_for_bit() {
    const H: usize = 16;
    const NP: usize = 25;
    let net = integrator(H, 5);
    let meta = integrator_meta();
    let f32_bytes = aligned(&blob_bytes(
        net.dims,
        &meta,
        ModelWeights::F32(net.weights()),
        &net.centres,
    ));
    let q8 = OwnedI8::quantize(&net);
    let f = net.network(Activation::Relu);
    let scales = calibrate(&f, &net.centres, 3, 10);
    let i8_bytes = aligned(&blob_bytes(
        net.dims,
        &meta,
        ModelWeights::Int8(q8.weights(), scales),
        &net.centres,
    ));
    let q = QuantNetwork::new(net.dims, Activation::Relu, q8.weights(), scales).unwrap();
    let mut fixed_f = FixedRnn::<2, H, NP>::from_blob(f32_bytes).unwrap();
    let mut fixed_q = FixedRnn::<2, H, NP>::from_blob(i8_bytes).unwrap();
    assert!(FixedRnn::<2, H, 24>::from_blob(f32_bytes).is_err());
    for k in 0..5 {
        let (x0, v, _) = trajectory(4, k, 20);
        let p: [f32; NP] = place_code(&net.centres, x0, SIGMA).try_into().unwrap();
        fixed_f.encode(&p).unwrap();
        fixed_q.encode(&p).unwrap();
        let mut g = vec![0.0f32; H];
        f.encode(&p, &mut g).unwrap();
        let mut qg = vec![0i16; H];
        q.encode(&p, &mut qg).unwrap();
        let (mut qv, mut z) = ([0i16; 2], [0.0f32; H]);
        let mut logits = [0.0f32; NP];
        for t in 0..20 {
            let vt: [f32; 2] = v[2 * t..2 * t + 2].try_into().unwrap();
            fixed_f.step(&vt).unwrap();
            fixed_q.step(&vt).unwrap();
            let mut next = vec![0.0f32; H];
            f.step(&vt, &g, &mut next).unwrap();
            g = next;
            let mut qnext = vec![0i16; H];
            q.step(&vt, &qg, &mut qnext, &mut qv, &mut z).unwrap();
            qg = qnext;
            assert_eq!(bits(&fixed_f.state()), bits(&g));
            assert_eq!(&fixed_q.state_codes()[..], &qg[..]);
            f.readout(&g, &mut logits).unwrap();
            assert_eq!(bits(fixed_f.logits().unwrap()), bits(&logits));
            q.readout(&qg, &mut logits).unwrap();
            assert_eq!(bits(fixed_q.logits().unwrap()), bits(&logits));
        }
        let mut top = [0usize; 3];
        let a = fixed_f.decode(&mut top).unwrap();
        f.readout(&g, &mut logits).unwrap();
        let b = decode_top_k(&logits, &net.centres, Topology::Walled, &mut top).unwrap();
        assert_eq!(bits(&a), bits(&b));
    }
}

/// The hand-built integrator integrates exactly while its states stay positive: the state after
/// T steps is U x_T + c·1 up to rounding, for every activation-free step of a trajectory.
#[test]
fn integrator_state_is_the_linear_code_of_the_position() {
    let h = 12;
    let net = integrator(h, 4);
    let f = net.network(Activation::Relu);
    let (x0, v, xs) = trajectory(5, 0, 20);
    let g0: Vec<f32> = net
        .w_ih
        .chunks_exact(2)
        .map(|u| u[0] * x0[0] + u[1] * x0[1] + OFFSET)
        .collect();
    let mut states = vec![0.0f32; 20 * h];
    f.sequence(&v, &g0, &mut states).unwrap();
    for (t, x) in xs.iter().enumerate() {
        for (r, u) in net.w_ih.chunks_exact(2).enumerate() {
            let want = u[0] * x[0] + u[1] * x[1] + OFFSET;
            assert!((states[t * h + r] - want).abs() < 1e-5, "t={t} r={r}");
        }
    }
}
