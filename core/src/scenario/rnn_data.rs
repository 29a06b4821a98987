//! Training-data scenarios of the recurrent networks: walled, periodic and self-supervised
//! trajectories and the place-cell code, all in `f32` (the board's and the trainer's type).
//!
//! Each keeps well under 2 KB of stack: trajectories are generated a step at a time, the largest
//! array is the place-code scenario's 64 centres plus code and scratch (1 KB).

use super::Scenario;
use crate::Result;
use crate::digest::Digest;
use crate::rng::{Rng, key_str};
use crate::rnn::Topology;
use crate::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile, uniform_centres};
use crate::rnn::trajectory::{
    SslConfig, SslVelocity, SslWalker, Step, TrajectoryConfig, TrajectoryKey, Walker,
    ssl_permutation,
};

fn push_step(d: &mut Digest, s: &Step<f32>) {
    d.push_reals(&[s.x, s.y, s.heading, s.dx, s.dy, s.speed]);
    d.push_u64(u64::from(s.slowed));
}

/// Four trajectories of 150 steps each; the number of wall contacts goes in too.
fn walks(d: &mut Digest, cfg: &TrajectoryConfig<f32>, seed: u64) -> Result<()> {
    let mut contacts = 0u64;
    for index in 0..4 {
        let mut w = Walker::new(cfg, TrajectoryKey::new(seed, 1, index))?;
        let (x0, y0) = w.start();
        d.push_reals(&[x0, y0]);
        for _ in 0..150 {
            let s = w.step();
            contacts += u64::from(s.slowed);
            push_step(d, &s);
        }
    }
    d.push_u64(contacts);
    Ok(())
}

pub(super) const RNN_TRAJ_WALLED: Scenario = Scenario {
    name: "rnn_traj_walled",
    about: "Sorscher walk in the 2.2 m walled box, f32: 4 trajectories x 150 steps (speed, turns, wall rule)",
    run: |d| walks(d, &TrajectoryConfig::sorscher(), 60),
};

pub(super) const RNN_TRAJ_PERIODIC: Scenario = Scenario {
    name: "rnn_traj_periodic",
    about: "Sorscher walk on the 2.2 m torus, f32: 4 trajectories x 150 steps (wrap-around)",
    run: |d| walks(d, &TrajectoryConfig::periodic(), 61),
};

pub(super) const RNN_TRAJ_SSL: Scenario = Scenario {
    name: "rnn_traj_ssl",
    about: "self-supervised batch, f32: 4 permutations of one 32-step velocity sequence, polar (plane) and cartesian (torus)",
    run: rnn_traj_ssl,
};

fn rnn_traj_ssl(d: &mut Digest) -> Result<()> {
    let configs = [
        SslConfig::<f32>::default(),
        SslConfig {
            velocity: SslVelocity::Cartesian { max_speed: 1.5 },
            periodic: true,
            ..SslConfig::default()
        },
    ];
    for cfg in &configs {
        for index in 0..4 {
            let key = TrajectoryKey::new(62, 0, index);
            let mut perm = [0u32; 32];
            ssl_permutation(key, &mut perm)?;
            let mut w = SslWalker::new(cfg, key, &perm)?;
            let (x0, y0) = w.start();
            d.push_reals(&[x0, y0]);
            while let Some(s) = w.step() {
                d.push_reals(&[s.x, s.y, s.dx, s.dy]);
                d.push_u64(u64::from(s.source));
            }
        }
    }
    Ok(())
}

pub(super) const RNN_PLACE_CODE: Scenario = Scenario {
    name: "rnn_place_code",
    about: "place cells, f32, 64 keyed centres: difference-of-softmaxes (walled) and Gaussian (torus) codes, top-3 decoding",
    run: rnn_place_code,
};

fn rnn_place_code(d: &mut Digest) -> Result<()> {
    const NP: usize = 64;
    let mut centres = [0.0f32; 2 * NP];
    uniform_centres(2.2, 63, &mut centres)?;
    d.push_reals(&centres);
    let configs = [
        PlaceConfig::<f32>::sorscher(),
        PlaceConfig {
            profile: PlaceProfile::Gaussian,
            periodic: true,
            ..PlaceConfig::sorscher()
        },
    ];
    let mut rng = Rng::keyed(63, &[key_str("rnn_place_code")]);
    let (mut code, mut scratch, mut top) = ([0.0f32; NP], [0.0f32; NP], [0usize; 3]);
    for cfg in configs {
        let cells = PlaceCells::new(&centres, cfg)?;
        for _ in 0..6 {
            let p = [
                2.2 * (rng.uniform::<f32>() - 0.5),
                2.2 * (rng.uniform::<f32>() - 0.5),
            ];
            cells.encode(p, &mut code, &mut scratch)?;
            d.push_reals(&code);
            let xy = cells.decode(&code, &mut top)?;
            d.push_reals(&xy);
            for &i in &top {
                d.push_u64(i as u64);
            }
            d.push_real(cells.topology().distance(xy, p));
        }
    }
    // The error metric the trainer reports, walled and on the torus.
    let torus = Topology::Torus {
        width: 2.2f32,
        height: 2.2,
    };
    d.push_real(torus.distance([1.0, -1.0], [-1.05, 1.08]));
    Ok(())
}
