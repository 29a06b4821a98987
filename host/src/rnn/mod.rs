//! Recurrent networks on the host (docs/rnn.md, docs/training.md): training data ([`trajectories`]).

pub mod analyze;
pub mod emergence;
pub mod export;
pub mod grid;
pub mod import;
pub mod inspect;
pub mod npy;
pub mod pattern;
pub mod train;
pub mod trajectories;

/// The recurrent-network family's experiments for `engram reproduce`.
pub fn registry() -> Vec<crate::experiment::registry::Entry> {
    vec![
        crate::register!(
            "rnn",
            train::Train,
            "path integrators trained on a CPU: the loss falls, held-out decoding beats chance and reaches its target",
            train::tier
        ),
        crate::register!(
            "rnn",
            pattern::PatternFormation,
            "pattern formation: non-negative PCA and Sorscher et al.'s Lagrangian give hexagons, unconstrained stripes/squares",
            pattern::tier
        ),
        crate::register!(
            "rnn",
            emergence::GridEmergence,
            "grid-like units over training (grid preset, 3 seeds): more units above the untrained network's p99 than its 1 % allows",
            emergence::tier,
            only: &[crate::experiment::registry::Tier::Full]
        ),
    ]
}
