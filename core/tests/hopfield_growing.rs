//! Growing (CRP-prior) memories: cluster discovery, both assignment rules, capacity behaviour.
// Tests may panic: the no-panic lints guard the library, not its test harness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use engram_core::Error;
use engram_core::hopfield::{AssignRule, Assigned, CrpConfig, FullPolicy, GrowingMemory};
use engram_core::rng::Rng;

const CENTRES: [[f64; 2]; 3] = [[10.0, 0.0], [-10.0, 5.0], [0.0, -12.0]];

fn config(rule: AssignRule, full: FullPolicy) -> CrpConfig<f64> {
    CrpConfig {
        alpha: 1.0,
        sigma2: 0.25,
        prior_var: 100.0,
        rule,
        full,
    }
}

/// A stream of 300 points, cluster chosen at random, σ = 0.2 noise (inside the model's σ = 0.5).
fn stream(seed: u64) -> Vec<(usize, [f64; 2])> {
    let mut rng = Rng::keyed(seed, &[30]);
    (0..300)
        .map(|_| {
            let c = rng.below(3) as usize;
            let (a, b): (f64, f64) = rng.normal_pair();
            (c, [CENTRES[c][0] + 0.2 * a, CENTRES[c][1] + 0.2 * b])
        })
        .collect()
}

#[test]
fn three_clusters_three_memories() {
    for rule in [AssignRule::Hard, AssignRule::Soft] {
        for seed in 0..5 {
            let mut mem =
                GrowingMemory::<f64, 8, 2>::new(config(rule, FullPolicy::Error), [0.0; 2]).unwrap();
            let mut label_of = [usize::MAX; 3];
            for (c, x) in stream(seed) {
                let k = mem.observe(&x).unwrap().index();
                if label_of[c] == usize::MAX {
                    label_of[c] = k;
                }
                assert_eq!(label_of[c], k, "{rule:?}: cluster {c} split");
                let (r, r_new) = mem.responsibilities();
                let total: f64 = r.iter().sum::<f64>() + r_new;
                assert!((total - 1.0).abs() < 1e-12);
            }
            assert_eq!(mem.len(), 3, "{rule:?} seed {seed}");
            assert_eq!(mem.seen(), 300);
            let counts: f64 = mem.counts().iter().sum();
            assert!((counts - 300.0).abs() < 1e-9, "counts sum to the data seen");
            for (c, &k) in label_of.iter().enumerate() {
                let rho = mem.mean(k).unwrap();
                let err = libm::hypot(rho[0] - CENTRES[c][0], rho[1] - CENTRES[c][1]);
                assert!(err < 0.1, "{rule:?}: memory {k} at {rho:?}");
            }
        }
    }
}

#[test]
fn hard_counts_are_integers_and_means_are_averages() {
    let mut mem =
        GrowingMemory::<f64, 4, 2>::new(config(AssignRule::Hard, FullPolicy::Error), [0.0; 2])
            .unwrap();
    let pts = [[10.0, 0.0], [10.5, 0.5], [9.5, -0.5], [10.0, 1.0]];
    for (i, p) in pts.iter().enumerate() {
        let a = mem.observe(p).unwrap();
        assert_eq!(
            a,
            if i == 0 {
                Assigned::Created(0)
            } else {
                Assigned::Existing(0)
            }
        );
    }
    assert_eq!(mem.count(0), Some(4.0));
    let rho = mem.mean(0).unwrap();
    assert!((rho[0] - 10.0).abs() < 1e-12 && (rho[1] - 0.25).abs() < 1e-12);
}

#[test]
fn full_with_error_policy_leaves_state_unchanged() {
    for rule in [AssignRule::Hard, AssignRule::Soft] {
        let mut mem =
            GrowingMemory::<f64, 2, 2>::new(config(rule, FullPolicy::Error), [0.0; 2]).unwrap();
        mem.observe(&CENTRES[0]).unwrap();
        mem.observe(&CENTRES[1]).unwrap();
        let before = mem.clone();
        let err = mem.observe(&CENTRES[2]).unwrap_err();
        assert_eq!(
            err,
            Error::CapacityExceeded {
                what: "GrowingMemory",
                capacity: 2
            }
        );
        assert_eq!(mem.means(), before.means());
        assert_eq!(mem.counts(), before.counts());
        assert_eq!(mem.seen(), before.seen());
        // Data near existing memories are still accepted.
        assert_eq!(mem.observe(&[10.1, 0.1]).unwrap(), Assigned::Existing(0));
    }
}

#[test]
fn full_with_merge_policy_merges_into_nearest() {
    for rule in [AssignRule::Hard, AssignRule::Soft] {
        let mut mem =
            GrowingMemory::<f64, 2, 2>::new(config(rule, FullPolicy::MergeIntoNearest), [0.0; 2])
                .unwrap();
        mem.observe(&CENTRES[0]).unwrap();
        mem.observe(&CENTRES[1]).unwrap();
        // (0, −12) is nearer (10, 0) than (−10, 5).
        let a = mem.observe(&CENTRES[2]).unwrap();
        assert_eq!(a, Assigned::Merged(0), "{rule:?}");
        assert_eq!(mem.len(), 2);
        assert_eq!(mem.seen(), 3);
        let total: f64 = mem.counts().iter().sum();
        assert!((total - 3.0).abs() < 1e-12);
        assert!(
            mem.mean(0).unwrap()[1] < -1.0,
            "memory 0 moved towards the datum"
        );
    }
}

#[test]
fn zero_capacity_is_an_error_not_a_panic() {
    for full in [FullPolicy::Error, FullPolicy::MergeIntoNearest] {
        for rule in [AssignRule::Hard, AssignRule::Soft] {
            let mut mem = GrowingMemory::<f32, 0, 3>::new(
                CrpConfig {
                    alpha: 1.0f32,
                    sigma2: 1.0,
                    prior_var: 1.0,
                    rule,
                    full,
                },
                [0.0; 3],
            )
            .unwrap();
            assert!(matches!(
                mem.observe(&[1.0, 2.0, 3.0]),
                Err(Error::CapacityExceeded { capacity: 0, .. })
            ));
        }
    }
}

#[test]
fn soft_rule_spreads_between_close_memories() {
    let mut mem =
        GrowingMemory::<f64, 4, 1>::new(config(AssignRule::Soft, FullPolicy::Error), [0.0])
            .unwrap();
    mem.observe(&[-1.0]).unwrap();
    // Far enough to be new under σ² = 0.25, prior_var = 100.
    assert_eq!(mem.observe(&[1.5]).unwrap(), Assigned::Created(1));
    // Half-way between the two: both memories move towards it.
    let before = [mem.mean(0).unwrap()[0], mem.mean(1).unwrap()[0]];
    assert!(matches!(
        mem.observe(&[0.25]).unwrap(),
        Assigned::Existing(_)
    ));
    let (r, _) = mem.responsibilities();
    assert!(r[0] > 0.1 && r[1] > 0.1, "{r:?}");
    assert!(mem.mean(0).unwrap()[0] > before[0]);
    assert!(mem.mean(1).unwrap()[0] < before[1]);
}

#[test]
fn parameter_and_input_errors() {
    let ok = config(AssignRule::Hard, FullPolicy::Error);
    for bad in [
        CrpConfig { alpha: 0.0, ..ok },
        CrpConfig { sigma2: -1.0, ..ok },
        CrpConfig {
            prior_var: -0.1,
            ..ok
        },
    ] {
        assert!(matches!(
            GrowingMemory::<f64, 2, 2>::new(bad, [0.0; 2]),
            Err(Error::InvalidParameter { .. })
        ));
    }
    assert!(matches!(
        GrowingMemory::<f64, 2, 2>::new(
            CrpConfig {
                alpha: f64::NAN,
                ..ok
            },
            [0.0; 2]
        ),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        GrowingMemory::<f64, 2, 2>::new(ok, [0.0, f64::INFINITY]),
        Err(Error::NonFinite { .. })
    ));
    let mut mem = GrowingMemory::<f64, 2, 2>::new(ok, [0.0; 2]).unwrap();
    assert!(matches!(
        mem.observe(&[1.0]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        mem.observe(&[1.0, f64::NAN]),
        Err(Error::NonFinite { .. })
    ));
    // A distance that overflows is reported, not turned into NaN responsibilities.
    assert!(matches!(
        mem.observe(&[1e300, 1e300]),
        Err(Error::NonFinite { .. })
    ));
    assert_eq!(mem.seen(), 0);
    assert!(mem.is_empty());
}
