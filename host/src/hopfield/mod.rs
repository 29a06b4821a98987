//! `engram hopfield`: associative memories (docs/hopfield.md), reproduced and checked against theory.
//!
//! | subcommand | module | what | check |
//! | --- | --- | --- | --- |
//! | `capacity` | [`capacity`] | classical network, α = P/N sweep | α where the mean final overlap < 0.9 ∈ [0.12, 0.16] |
//! | `dense` | [`dense`] | Krotov–Hopfield F(x) = xⁿ vs classical | ≥ 95 % of P = 200 stable at N = 100, n = 3; classical none (where theory predicts none) |
//! | `modern` | [`modern`] | continuous network (Ramsauer et al.) | β = 16 retrieves in one step; β = 2 mixes (PR > M/10) |
//! | `kde-capacity` | [`kde`] | Gaussian-KDE memories on the sphere | slope of ln N50 vs D within 10 % of α_c(β) |
//! | `grow` | [`grow`] | CRP growing memory on a Gaussian mixture | K ± 1 memories in ≥ 90 % of seeds, purity > 0.95 |
//!
//! Every run writes a results directory (CSV, `summary.json` with provenance, SVG plots,
//! `report.md`); trials run in parallel on a rayon pool, each from its own stream
//! `Rng::keyed(seed, [key_str("engram/hopfield/<sub>/v1"), parameters…, trial])`, and are reduced in
//! trial order, so results depend only on (config, seed), never on the thread count.
//!
//! Host fast paths, checked against the core reference: [`binary`] (bit-packed `u64` popcount
//! kernels, exactly equal to the core's classical dynamics), [`sync`] (batched synchronous steps
//! with incremental fields, exactly equal too) and [`retrieval`] (batched softmax
//! retrieval with faer GEMMs, within a stated error model of the core's modern update).

pub mod binary;
pub mod capacity;
pub mod dense;
pub mod fields;

pub mod grow;
pub mod kde;
pub mod modern;
pub mod retrieval;
pub mod sync;

/// Shortest round-trip text of a float, so a CSV read back gives the same bits.
pub fn num(x: f64) -> String {
    format!("{x}")
}

/// The sweep of each reproduction tier for the capacity experiment.
pub fn capacity_tier(t: crate::experiment::registry::Tier) -> capacity::CapacityConfig {
    use crate::experiment::registry::Tier;
    let base = capacity::CapacityConfig::default();
    match t {
        Tier::Quick => capacity::CapacityConfig {
            n: vec![512],
            alpha: (8..=20).map(|k| f64::from(k) / 100.0).collect(),
            trials: 8,
            cues: 10,
            ..base
        },
        Tier::Default => base,
        Tier::Full => capacity::CapacityConfig {
            n: vec![256, 512, 1024, 2048],
            alpha: (50..=200)
                .step_by(5)
                .map(|k| f64::from(k) / 1000.0)
                .collect(),
            trials: 100,
            ..base
        },
    }
}

/// The sweep of each reproduction tier for the dense-memory experiment.
pub fn dense_tier(t: crate::experiment::registry::Tier) -> dense::DenseConfig {
    use crate::experiment::registry::Tier;
    let base = dense::DenseConfig::default();
    match t {
        Tier::Quick => dense::DenseConfig {
            p: vec![10, 50, 200],
            trials: 2,
            ..base
        },
        Tier::Default => base,
        Tier::Full => dense::DenseConfig {
            p: vec![10, 25, 50, 100, 150, 200, 250, 300, 350, 400, 500],
            trials: 50,
            ..base
        },
    }
}

/// The run of each reproduction tier for the growing-memory experiment.
pub fn grow_tier(t: crate::experiment::registry::Tier) -> grow::GrowConfig {
    use crate::experiment::registry::Tier;
    let base = grow::GrowConfig::default();
    match t {
        Tier::Quick => grow::GrowConfig {
            k: 4,
            n: 500,
            seeds: 10,
            ..base
        },
        Tier::Default => base,
        Tier::Full => grow::GrowConfig {
            k: 16,
            n: 10000,
            seeds: 200,
            ..base
        },
    }
}

/// The sweep of each reproduction tier for the modern-network experiment.
pub fn modern_tier(t: crate::experiment::registry::Tier) -> modern::ModernConfig {
    use crate::experiment::registry::Tier;
    let base = modern::ModernConfig::default();
    match t {
        Tier::Quick => modern::ModernConfig {
            dim: Some(32),
            patterns: 256,
            queries: 256,
            beta: vec![0.5, 2.0, 16.0],
            ..base
        },
        Tier::Default => base,
        Tier::Full => modern::ModernConfig {
            patterns: 4096,
            queries: 4096,
            beta: vec![0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
            ..base
        },
    }
}

/// The searches of each reproduction tier for the KDE-capacity experiment.
pub fn kde_tier(t: crate::experiment::registry::Tier) -> kde::KdeConfig {
    use crate::experiment::registry::Tier;
    let base = kde::KdeConfig::default();
    match t {
        Tier::Quick => kde::KdeConfig {
            beta: vec![1.0],
            dims: kde::DimLists::new(&[vec![8, 11, 14, 17]]),
            probes: 64,
            ..base
        },
        Tier::Default => base,
        Tier::Full => kde::KdeConfig {
            beta: vec![0.5, 1.0],
            dims: kde::DimLists::new(&[
                (12..=30).step_by(2).collect(),
                (8..=22).step_by(2).collect(),
            ]),
            probes: 512,
            max_n: 1 << 20,
            ..base
        },
    }
}

/// The registry entries of the family, in report order.
pub fn registry() -> Vec<crate::experiment::registry::Entry> {
    vec![
        crate::register!(
            "hopfield",
            capacity::Capacity,
            "classical capacity: α where retrieval fails ≈ 0.138",
            capacity_tier
        ),
        crate::register!(
            "hopfield",
            dense::Dense,
            "dense memory F(x) = x³: ≥ 95 % of P = 200 stable at N = 100, classical none",
            dense_tier
        ),
        crate::register!(
            "hopfield",
            modern::Modern,
            "modern network: one-step retrieval at β = 16, metastable mixtures at β = 2",
            modern_tier
        ),
        crate::register!(
            "hopfield",
            kde::KdeCapacity,
            "Gaussian-KDE memories: slope of ln N50 vs D within 10 % of α_c(β)",
            kde_tier
        ),
        crate::register!(
            "hopfield",
            grow::Grow,
            "growing CRP memory: K ± 1 memories, purity > 0.95 on K Gaussians",
            grow_tier
        ),
    ]
}
