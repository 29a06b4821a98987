//! Recurrent networks on the host (papers.md §3): training data ([`trajectories`]).

pub mod inspect;
pub mod npy;
pub mod trajectories;
