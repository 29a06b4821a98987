//! Recurrent-network scenarios: f32 steps and sequences under each activation (with the encoder,
//! readout, softmax and top-k decoding), the int8 network, and a network's blob round trip.
//!
//! Sizes are small (I = 2, H = 12, Np = 9; the blob scenario H = 6): the largest keeps under 3 KB
//! on the stack (a 2 KB blob buffer).

use super::Scenario;
use crate::blob::{Aligned, Blob};
use crate::digest::Digest;
use crate::rng::{Rng, key_str};
use crate::rnn::{
    ActScales, Activation, Dims, Meta, Model, ModelNet, ModelWeights, Network, PlaceCodeKind,
    QuantMatrix, QuantNetwork, QuantWeights, Topology, Weights, decode_top_k, grid_centres,
    integrator_weights, quantize_rows, write_model,
};
use crate::softmax::softmax;
use crate::{Error, Result};

const I: usize = 2;
const H: usize = 12;
const NP: usize = 9;
const T: usize = 10;

/// Random weights: N(0, 1) input, N(0, 1/H) recurrent, N(0, 0.1²) bias, N(0, 1) encoder/readout.
struct Random {
    w_ih: [f32; H * I],
    w_hh: [f32; H * H],
    bias: [f32; H],
    w_enc: [f32; H * NP],
    w_dec: [f32; NP * H],
}

impl Random {
    fn new(rng: &mut Rng) -> Self {
        let mut r = Self {
            w_ih: [0.0; H * I],
            w_hh: [0.0; H * H],
            bias: [0.0; H],
            w_enc: [0.0; H * NP],
            w_dec: [0.0; NP * H],
        };
        rng.fill_normal(&mut r.w_ih);
        rng.fill_normal(&mut r.w_hh);
        let s = libm::sqrtf(1.0 / H as f32);
        r.w_hh.iter_mut().for_each(|w| *w *= s);
        rng.fill_normal(&mut r.bias);
        r.bias.iter_mut().for_each(|w| *w *= 0.1);
        rng.fill_normal(&mut r.w_enc);
        rng.fill_normal(&mut r.w_dec);
        r
    }

    fn weights(&self) -> Weights<'_, f32> {
        Weights {
            w_ih: &self.w_ih,
            w_hh: &self.w_hh,
            bias: Some(&self.bias),
            w_enc: Some(&self.w_enc),
            w_dec: &self.w_dec,
        }
    }
}

/// A place code for the scenarios: softmax of the first row of normal draws.
fn code(rng: &mut Rng) -> Result<[f32; NP]> {
    let mut p = [0.0f32; NP];
    rng.fill_normal(&mut p);
    softmax(&mut p)?;
    Ok(p)
}

fn velocities(rng: &mut Rng) -> [f32; T * I] {
    let mut v = [0.0f32; T * I];
    rng.fill_normal(&mut v);
    v.iter_mut().for_each(|x| *x *= 0.05);
    v
}

pub(super) const RNN_F32_RELU: Scenario = Scenario {
    name: "rnn_f32_relu",
    about: "rnn f32 ReLU, I=2 H=12 Np=9: encoder, single steps, a 10-step sequence, readout, softmax, top-3 decode",
    run: |d| rnn_f32(d, Activation::Relu),
};

pub(super) const RNN_F32_TANH: Scenario = Scenario {
    name: "rnn_f32_tanh",
    about: "rnn f32 tanh, I=2 H=12 Np=9: encoder, single steps, a 10-step sequence, readout, softmax, top-3 decode",
    run: |d| rnn_f32(d, Activation::Tanh),
};

pub(super) const RNN_F32_NORM_RELU: Scenario = Scenario {
    name: "rnn_f32_norm_relu",
    about: "rnn f32 Norm-ReLU, I=2 H=12 Np=9: encoder, single steps, a 10-step sequence, readout, softmax, top-3 decode",
    run: |d| rnn_f32(d, Activation::NormRelu),
};

fn rnn_f32(d: &mut Digest, a: Activation) -> Result<()> {
    let mut rng = Rng::keyed(60, &[key_str("rnn_f32"), a.code() as u64]);
    let r = Random::new(&mut rng);
    let net = Network::new(Dims::new(I, H, NP), a, r.weights())?;
    let mut centres = [0.0f32; 2 * NP];
    grid_centres(3, 2.2, &mut centres)?;
    for _ in 0..2 {
        let p = code(&mut rng)?;
        let v = velocities(&mut rng);
        let mut g0 = [0.0f32; H];
        net.encode(&p, &mut g0)?;
        d.push_reals(&g0);
        let mut g1 = [0.0f32; H];
        net.step(v.get(..I).unwrap_or(&[]), &g0, &mut g1)?;
        d.push_reals(&g1);
        let mut states = [0.0f32; T * H];
        net.sequence(&v, &g0, &mut states)?;
        d.push_reals(&states);
        let mut logits = [0.0f32; NP];
        net.readout(states.get((T - 1) * H..).unwrap_or(&[]), &mut logits)?;
        d.push_reals(&logits);
        let mut top = [0usize; 3];
        for topology in [
            Topology::Walled,
            Topology::Torus {
                width: 2.2,
                height: 2.2,
            },
        ] {
            let xy = decode_top_k(&logits, &centres, topology, &mut top)?;
            d.push_reals(&xy);
            top.iter().for_each(|&j| d.push_u64(j as u64));
        }
        d.push_real(softmax(&mut logits)?);
        d.push_reals(&logits);
    }
    Ok(())
}

pub(super) const RNN_INT8: Scenario = Scenario {
    name: "rnn_int8",
    about: "rnn int8 weights + 16-bit activations, I=2 H=12 Np=9, each activation: quantize, encode, 10-step sequence, readout",
    run: rnn_int8,
};

fn rnn_int8(d: &mut Digest) -> Result<()> {
    let mut rng = Rng::keyed(61, &[key_str("rnn_int8")]);
    let r = Random::new(&mut rng);
    let (mut q_ih, mut q_hh, mut q_enc, mut q_dec) =
        ([0i8; H * I], [0i8; H * H], [0i8; H * NP], [0i8; NP * H]);
    let (mut s_ih, mut s_hh, mut s_enc, mut s_dec) = ([0.0f32; H], [0.0; H], [0.0; H], [0.0; NP]);
    d.push_real(quantize_rows(&r.w_ih, H, I, &mut q_ih, &mut s_ih)?);
    d.push_real(quantize_rows(&r.w_hh, H, H, &mut q_hh, &mut s_hh)?);
    d.push_real(quantize_rows(&r.w_enc, H, NP, &mut q_enc, &mut s_enc)?);
    d.push_real(quantize_rows(&r.w_dec, NP, H, &mut q_dec, &mut s_dec)?);
    d.push_reals(&s_hh);
    q_hh.iter().for_each(|&q| d.push_i64(i64::from(q)));
    let w = QuantWeights {
        w_ih: QuantMatrix {
            q: &q_ih,
            scale: &s_ih,
        },
        w_hh: QuantMatrix {
            q: &q_hh,
            scale: &s_hh,
        },
        bias: Some(&r.bias),
        w_enc: Some(QuantMatrix {
            q: &q_enc,
            scale: &s_enc,
        }),
        w_dec: QuantMatrix {
            q: &q_dec,
            scale: &s_dec,
        },
    };
    let scales = ActScales::calibrate(0.2, 4.0, 1.25)?;
    for a in Activation::ALL {
        let net = QuantNetwork::new(Dims::new(I, H, NP), a, w, scales)?;
        let p = code(&mut rng)?;
        let v = velocities(&mut rng);
        let mut g0 = [0i16; H];
        net.encode(&p, &mut g0)?;
        let mut states = [0i16; T * H];
        let (mut qv, mut z) = ([0i16; I], [0.0f32; H]);
        net.sequence(&v, &g0, &mut states, &mut qv, &mut z)?;
        g0.iter()
            .chain(states.iter())
            .for_each(|&q| d.push_i64(i64::from(q)));
        d.push_reals(&z);
        let mut logits = [0.0f32; NP];
        net.readout(states.get((T - 1) * H..).unwrap_or(&[]), &mut logits)?;
        d.push_reals(&logits);
    }
    Ok(())
}

pub(super) const RNN_BLOB: Scenario = Scenario {
    name: "rnn_blob",
    about: "rnn hand-built integrator H=6 Np=9 written as f32 and int8 blobs, parsed, run 10 steps and decoded",
    run: rnn_blob,
};

fn rnn_blob(d: &mut Digest) -> Result<()> {
    const HB: usize = 6;
    let mut rng = Rng::keyed(62, &[key_str("rnn_blob")]);
    let mut centres = [0.0f32; 2 * NP];
    grid_centres(3, 2.2, &mut centres)?;
    let (mut w_ih, mut w_hh, mut w_enc, mut w_dec) = (
        [0.0f32; HB * I],
        [0.0f32; HB * HB],
        [0.0f32; HB * NP],
        [0.0f32; NP * HB],
    );
    integrator_weights(
        HB, 1.6, 0.5, &centres, &mut w_ih, &mut w_hh, &mut w_enc, &mut w_dec,
    )?;
    let (mut q_ih, mut q_hh, mut q_enc, mut q_dec) = (
        [0i8; HB * I],
        [0i8; HB * HB],
        [0i8; HB * NP],
        [0i8; NP * HB],
    );
    let (mut s_ih, mut s_hh, mut s_enc, mut s_dec) =
        ([0.0f32; HB], [0.0; HB], [0.0; HB], [0.0; NP]);
    quantize_rows(&w_ih, HB, I, &mut q_ih, &mut s_ih)?;
    quantize_rows(&w_hh, HB, HB, &mut q_hh, &mut s_hh)?;
    quantize_rows(&w_enc, HB, NP, &mut q_enc, &mut s_enc)?;
    quantize_rows(&w_dec, NP, HB, &mut q_dec, &mut s_dec)?;
    let f = Weights {
        w_ih: &w_ih,
        w_hh: &w_hh,
        bias: None,
        w_enc: Some(&w_enc),
        w_dec: &w_dec,
    };
    let q = QuantWeights {
        w_ih: QuantMatrix {
            q: &q_ih,
            scale: &s_ih,
        },
        w_hh: QuantMatrix {
            q: &q_hh,
            scale: &s_hh,
        },
        bias: None,
        w_enc: Some(QuantMatrix {
            q: &q_enc,
            scale: &s_enc,
        }),
        w_dec: QuantMatrix {
            q: &q_dec,
            scale: &s_dec,
        },
    };
    let meta = Meta {
        activation: Activation::Relu,
        place_code: PlaceCodeKind::Gaussian,
        periodic: false,
        decode_k: 3,
        box_width: 2.2,
        box_height: 2.2,
        dt: 0.02,
        sigma: 0.5,
        surround: 0.0,
    };
    let dims = Dims::new(I, HB, NP);
    let p = code(&mut rng)?;
    let v = velocities(&mut rng);
    let scales = ActScales::calibrate(0.2, 3.2, 1.0)?;
    for weights in [ModelWeights::F32(f), ModelWeights::Int8(q, scales)] {
        let mut buf = Aligned::<2048>::zeroed();
        let n =
            write_model(buf.as_mut_bytes(), dims, &meta, weights, &centres).map_err(Error::from)?;
        let blob = Blob::parse(buf.as_bytes().get(..n).unwrap_or(&[]))?;
        d.push_u64(n as u64);
        d.push_u64(u64::from(blob.checksum()));
        let model = Model::from_blob(&blob).map_err(Error::from)?;
        let mut logits = [0.0f32; NP];
        match model.net {
            ModelNet::F32(net) => {
                let mut g0 = [0.0f32; HB];
                net.encode(&p, &mut g0)?;
                let mut states = [0.0f32; T * HB];
                net.sequence(&v, &g0, &mut states)?;
                d.push_reals(&states);
                net.readout(states.get((T - 1) * HB..).unwrap_or(&[]), &mut logits)?;
            }
            ModelNet::Int8(net) => {
                let mut g0 = [0i16; HB];
                net.encode(&p, &mut g0)?;
                let mut states = [0i16; T * HB];
                let (mut qv, mut z) = ([0i16; I], [0.0f32; HB]);
                net.sequence(&v, &g0, &mut states, &mut qv, &mut z)?;
                states.iter().for_each(|&s| d.push_i64(i64::from(s)));
                net.readout(states.get((T - 1) * HB..).unwrap_or(&[]), &mut logits)?;
            }
        }
        d.push_reals(&logits);
        let mut top = [0usize; 3];
        d.push_reals(&decode_top_k(
            &logits,
            model.centres,
            model.meta.topology(),
            &mut top,
        )?);
    }
    Ok(())
}
