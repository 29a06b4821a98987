//! Linear regression iteration: model collapse, data *replaced* or *accumulated*.
//!
//! A chain of least-squares fits, each trained on the previous model's predictions plus fresh noise
//! (Gerstgrasser et al., "Is Model Collapse Inevitable?", arXiv:2404.01413; Dohmatob, Feng & Kempe,
//! "Model Collapse Demystified", arXiv:2402.07712):
//!
//! - X ∈ R^{T×d} with iid N(0, 1) entries, drawn once (fixed design) and reused; w* ~ N(0, I_d).
//! - Iteration 1 (real data): Y₁ = X w* + σE₁. Iteration n ≥ 2: Yₙ = X ŵₙ₋₁ + σEₙ (synthetic).
//! - **replace**: ŵₙ = OLS(X, Yₙ). **accumulate**: ŵₙ = OLS on all n batches stacked, kept as running
//!   sufficient statistics G = Σ XᵢᵀXᵢ and b = Σ XᵢᵀYᵢ, so memory does not grow with n.
//! - Test error of model n: ‖ŵₙ − w*‖² (the excess risk for isotropic test inputs).
//!
//! Theory ([`theory`]): with c = σ²d/(T − d − 1), E\[errorₙ\] = c·n when replacing (collapse) and
//! c·Σᵢ₌₁ⁿ 1/i² ≤ c·π²/6 when accumulating (bounded).
//!
//! Two implementations, both bit-exact across targets:
//! - [`run_chain`]: the literal process (draws X, w*, every noise vector; any mode, fixed or fresh
//!   design, separate σ₀/T₀ for the synthetic rounds, ridge). The reference, and what runs on a board.
//! - [`run_shortcut`]: an exact distributional shortcut for the theorems' setting (fixed design,
//!   no ridge), O(d²) per iteration instead of O(Td²): XᵀX is drawn from its Wishart law by
//!   Bartlett's decomposition and each fit's error term (XᵀX)⁻¹XᵀE as σL⁻ᵀz. The host's sweeps use it;
//!   tests check it against the literal chain statistically.
//!
//! Every normal draw of the family (X, w*, noise, Bartlett's factor and its χ² pivots) is made by
//! [`NORMAL`], the ziggurat: the family's streams are stream v2 (docs/rng.md#stream-versions).

mod chain;
mod config;
mod shortcut;
pub mod theory;

pub use chain::{run_chain, scratch_len};
pub use config::{ChainConfig, Design, Mode, Synthetic};
pub use shortcut::{bartlett_factor, run_shortcut, shortcut_scratch_len};

use crate::rng::Normal;

/// The collapse family's Gaussian method: the 256-layer ziggurat (stream v2). Box–Muller's `log`
/// and `sincos` were ~60 % of the standard sweep's time (docs/rng.md#stream-versions).
pub const NORMAL: Normal = Normal::Ziggurat;
