//! Self-supervised batches (docs/trajectories.md): permutations of one i.i.d. velocity sequence,
//! sharing start and end point bit for bit; the velocity laws against their moments.

// Tests may panic: the no-panic lints guard the library, not its test harness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::type_complexity
)]

use engram_core::rnn::trajectory::{
    SslConfig, SslVelocity, SslWalker, TrajectoryKey, fill_ssl_trajectory, ssl_permutation,
    ssl_velocity,
};

const T: usize = 50;

fn batch(
    cfg: &SslConfig<f32>,
    seed: u64,
    b: u64,
    n: u64,
) -> Vec<(Vec<u32>, Vec<f32>, Vec<f32>, (f32, f32))> {
    (0..n)
        .map(|i| {
            let (mut perm, mut pos, mut disp) =
                (vec![0u32; T], vec![0.0f32; 2 * T], vec![0.0f32; 2 * T]);
            let start = fill_ssl_trajectory(
                cfg,
                TrajectoryKey::new(seed, b, i),
                &mut perm,
                &mut pos,
                &mut disp,
            )
            .unwrap();
            (perm, pos, disp, start)
        })
        .collect()
}

/// Every trajectory of a batch is a permutation of the same displacements: the same multiset
/// (compared as sorted bit patterns), the same start and the same end point, bit for bit; and
/// distinct trajectories take distinct orders.
#[test]
fn batches_are_permutations_of_one_sequence() {
    for periodic in [false, true] {
        for velocity in [
            SslVelocity::Polar { max_speed: 2.048 },
            SslVelocity::Cartesian { max_speed: 1.5 },
        ] {
            let cfg = SslConfig {
                periodic,
                velocity,
                ..SslConfig::<f32>::default()
            };
            let trajs = batch(&cfg, 21, 4, 16);
            let multiset = |d: &[f32]| {
                let mut pairs: Vec<(u32, u32)> = d
                    .chunks(2)
                    .map(|p| (p[0].to_bits(), p[1].to_bits()))
                    .collect();
                pairs.sort_unstable();
                pairs
            };
            let first = &trajs[0];
            for (perm, pos, disp, start) in &trajs {
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..T as u32).collect::<Vec<_>>());
                assert_eq!(multiset(disp), multiset(&first.2));
                assert_eq!(*start, first.3);
                assert_eq!(pos[2 * T - 2..], first.1[2 * T - 2..], "end points differ");
                // Step t is element perm[t] of the shared sequence.
                for (t, &j) in perm.iter().enumerate() {
                    let v = ssl_velocity(&cfg, TrajectoryKey::new(21, 4, 99), u64::from(j));
                    assert_eq!((disp[2 * t], disp[2 * t + 1]), v);
                }
                if periodic {
                    let h = cfg.box_size / 2.0;
                    assert!(pos.iter().all(|p| (-h..h).contains(p)));
                }
            }
            let distinct: std::collections::HashSet<&Vec<u32>> =
                trajs.iter().map(|t| &t.0).collect();
            assert_eq!(distinct.len(), trajs.len());
        }
    }
    // Another batch has another sequence.
    let cfg = SslConfig::<f32>::default();
    assert_ne!(batch(&cfg, 21, 4, 1)[0].3, batch(&cfg, 21, 5, 1)[0].3);
}

/// Positions are the running sums of the displacements from the start, exactly (the grid makes
/// every sum exact), so a permuted path visits the same end point; an open-plane path may leave
/// the square.
#[test]
fn positions_are_exact_running_sums() {
    let cfg = SslConfig::<f32>::default();
    let key = TrajectoryKey::new(22, 0, 3);
    let mut perm = [0u32; T];
    ssl_permutation(key, &mut perm).unwrap();
    let mut walk = SslWalker::new(&cfg, key, &perm).unwrap();
    let (mut x, mut y) = walk.start();
    let mut steps = 0;
    while let Some(s) = walk.step() {
        x += s.dx;
        y += s.dy;
        assert_eq!((s.x, s.y), (x, y));
        // On the 2⁻¹⁶ m grid.
        assert_eq!((s.dx * 65536.0).fract(), 0.0);
        steps += 1;
    }
    assert_eq!(steps, T);
    assert!(walk.step().is_none());
}

/// Polar law: speed uniform on [0, vmax) (mean vmax/2, variance vmax²/12), direction uniform
/// (E cos = E sin = 0, variance ½). Cartesian law: each axis uniform on [−vmax, vmax] (variance
/// vmax²/3). z-tests, |z| < 4, on 40 000 draws each (the 2⁻¹⁶ m truncation is far below the
/// tests' resolution).
#[test]
fn velocity_laws_match_their_moments() {
    let n = 40_000u64;
    let zt = |m: f64, e: f64, sd: f64| (m - e) / (sd / libm::sqrt(n as f64));
    let vmax = 2.048f64;
    let cfg = SslConfig::<f64> {
        velocity: SslVelocity::Polar { max_speed: vmax },
        ..SslConfig::default()
    };
    let (mut s1, mut s2, mut c1, mut c2) = (0.0, 0.0, 0.0, 0.0);
    for j in 0..n {
        let (dx, dy) = ssl_velocity(&cfg, TrajectoryKey::new(23, 0, 0), j);
        let r = libm::sqrt(dx * dx + dy * dy);
        let v = r / cfg.dt;
        s1 += v;
        s2 += v * v;
        if r > 0.0 {
            c1 += dx / r;
            c2 += (dx / r) * (dx / r);
        }
    }
    let nf = n as f64;
    let (m, m2) = (s1 / nf, s2 / nf);
    let za = zt(m, vmax / 2.0, vmax / libm::sqrt(12.0));
    // E v² = vmax²/3, Var v² = vmax⁴(1/5 − 1/9).
    let zb = zt(
        m2,
        vmax * vmax / 3.0,
        vmax * vmax * libm::sqrt(1.0 / 5.0 - 1.0 / 9.0),
    );
    let zc = zt(c1 / nf, 0.0, libm::sqrt(0.5));
    // E cos² = ½, Var cos² = 1/8.
    let zd = zt(c2 / nf, 0.5, libm::sqrt(1.0 / 8.0));
    eprintln!("polar: mean speed {m} (z {za:.2}), E v² {m2} (z {zb:.2}), cos (z {zc:.2}, {zd:.2})");
    for z in [za, zb, zc, zd] {
        assert!(z.abs() < 4.0, "{za} {zb} {zc} {zd}");
    }

    let vmax = 1.5f64;
    let cfg = SslConfig::<f64> {
        velocity: SslVelocity::Cartesian { max_speed: vmax },
        ..SslConfig::default()
    };
    let (mut x1, mut x2) = (0.0, 0.0);
    for j in 0..n {
        let (dx, _) = ssl_velocity(&cfg, TrajectoryKey::new(24, 0, 0), j);
        let v = dx / cfg.dt;
        x1 += v;
        x2 += v * v;
    }
    let za = zt(x1 / nf, 0.0, vmax / libm::sqrt(3.0));
    // E v² = vmax²/3, Var v² = vmax⁴(1/5 − 1/9).
    let zb = zt(
        x2 / nf,
        vmax * vmax / 3.0,
        vmax * vmax * libm::sqrt(1.0 / 5.0 - 1.0 / 9.0),
    );
    eprintln!("cartesian: mean vx (z {za:.2}), E vx² (z {zb:.2})");
    assert!(za.abs() < 4.0 && zb.abs() < 4.0, "{za} {zb}");
}

#[test]
fn bad_inputs_are_errors() {
    // 128 m of reach is the exact-sum limit in f32: 5000 steps of up to 4 cm exceed it.
    let cfg = SslConfig::<f32>::default();
    assert!(cfg.validate(5000).is_err());
    assert!(cfg.validate(1000).is_ok());
    let bad = SslConfig::<f32> {
        dt: -1.0,
        ..SslConfig::default()
    };
    assert!(bad.validate(10).is_err());
    let (mut perm, mut pos, mut disp) = ([0u32; 4], [0.0f32; 8], [0.0f32; 6]);
    assert!(
        fill_ssl_trajectory(
            &cfg,
            TrajectoryKey::default(),
            &mut perm,
            &mut pos,
            &mut disp
        )
        .is_err()
    );
    // An index outside 0..T ends the walk.
    let perm = [0u32, 7];
    let mut w = SslWalker::new(&cfg, TrajectoryKey::default(), &perm).unwrap();
    assert!(w.step().is_some());
    assert!(w.step().is_none());
}
