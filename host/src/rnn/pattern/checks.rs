//! The checks: the scorer on synthetic maps, and each variant's units against its expectation.

use engram_core::rng::{Rng, key_str};

use super::super::grid::null::{count_above, median};
use super::super::grid::synthetic::{hexagonal, noise, square};
use super::super::grid::{GridScorer, NanPolicy};
use super::PatternResult;
use super::config::Variant;
use crate::experiment::Check;

/// The synthetic-map checks of the scorer (ideal hexagonal and square lattices, white noise).
pub fn synthetic_checks(seed: u64) -> Vec<Check> {
    let n = 20;
    let scorer = GridScorer::new(n);
    let sc = |m: &[f64]| scorer.score(m, NanPolicy::Zero).ok();
    let hex: Vec<f64> = [(5.0, 0.0), (7.0, 13.0), (10.0, 27.0)]
        .iter()
        .filter_map(|&(p, a)| sc(&hexagonal(n, p, a, [0.3, 1.1, 2.0])).map(|s| s.score60_mean))
        .collect();
    let sq: Vec<(f64, f64)> = [(6.0, 0.0), (8.0, 20.0)]
        .iter()
        .filter_map(|&(p, a)| sc(&square(n, p, a, [0.4, 1.3])).map(|s| (s.score60_mean, s.score90)))
        .collect();
    let noise60: Vec<f64> = (0..64)
        .filter_map(|i| {
            let mut rng = Rng::keyed(seed, &[key_str("engram/rnn/grid/noise/v1"), i]);
            sc(&noise(n, &mut rng)).map(|s| s.score60_mean)
        })
        .collect();
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    vec![
        Check::new(
            "ideal hexagonal lattice: min score60 (3 periods)",
            Some(min(&hex)),
        )
        .rule("> 1", |v| v > 1.0),
        Check::new(
            "square lattice: max score60",
            Some(max(&sq.iter().map(|s| s.0).collect::<Vec<_>>())),
        )
        .rule("< 0", |v| v < 0.0),
        Check::new(
            "square lattice: min score90",
            Some(min(&sq.iter().map(|s| s.1).collect::<Vec<_>>())),
        )
        .rule("> 1", |v| v > 1.0),
        Check::new(
            "white noise: mean score60 (64 maps)",
            Some(noise60.iter().sum::<f64>() / noise60.len().max(1) as f64),
        )
        .rule("< 0.15", |v| v < 0.15),
    ]
}

/// The checks of one variant's units (see the module documentation).
pub fn variant_checks(r: &PatternResult) -> Vec<Check> {
    let s60: Vec<f64> = r.units.iter().map(|u| u.score60).collect();
    let s90: Vec<f64> = r.units.iter().map(|u| u.score90).collect();
    let n = s60.len().max(1) as f64;
    let name = r.variant.name();
    match r.variant {
        Variant::NonNegative | Variant::LagrangianNonNegative => vec![
            Check::new("median score60", Some(median(&s60)))
                .at(name)
                .rule("> 0.5", |v| v > 0.5),
            Check::new(
                "fraction of units with score60 > 0.8",
                Some(count_above(&s60, 0.8) as f64 / n),
            )
            .at(name)
            .at_least(0.25),
        ],
        Variant::Unconstrained | Variant::LagrangianUnconstrained => {
            let (m60, m90) = (median(&s60), median(&s90));
            vec![
                Check::new("median score60", Some(m60))
                    .at(name)
                    .rule("< 0.3", |v| v < 0.3),
                Check::new("median score90 − median score60", Some(m90 - m60))
                    .at(name)
                    .rule("> 0", |v| v > 0.0),
            ]
        }
        Variant::WalledRandom => vec![
            Check::new("median score60", Some(median(&s60)))
                .at(name)
                .not_applicable("reported, not checked: the RNN's walled random-centre covariance"),
        ],
    }
}
