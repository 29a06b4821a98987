//! Recurrent networks on the host (papers.md §3): training data ([`trajectories`]).

pub mod grid;
pub mod inspect;
pub mod trajectories;
