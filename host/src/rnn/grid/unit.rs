//! One unit's grid scores in one record: score60 (mean and min-max forms), score90, spacing and
//! orientation — what `pattern-formation` and `analyze` report per unit.

use serde::{Deserialize, Serialize};

use super::autocorr::{NanPolicy, autocorrelogram};
use super::scores::GridScorer;
use super::spacing::spacing;

/// One unit's scores (spacing in m, orientation in degrees in [0, 60); NaN where undefined).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnitScore {
    /// score60, mean form.
    pub score60: f64,
    /// score60, min-max form.
    pub score60_minmax: f64,
    /// score90.
    pub score90: f64,
    /// Grid spacing (m).
    pub spacing: f64,
    /// Orientation (degrees).
    pub orientation: f64,
}

/// Scores of one `n × n` map (unvisited bins become 0, as DeepMind's scorer does), its spacing
/// converted to metres with `bin_m`, the side of one bin.
pub fn score_map(scorer: &GridScorer, map: &[f64], bin_m: f64) -> anyhow::Result<UnitScore> {
    let sac = autocorrelogram(map, scorer.n(), NanPolicy::Zero)?;
    let s = scorer.score_sac(&sac);
    let sp = spacing(&sac, scorer.n());
    Ok(UnitScore {
        score60: s.score60_mean,
        score60_minmax: s.score60_minmax,
        score90: s.score90,
        spacing: sp.spacing * bin_m,
        orientation: sp.orientation,
    })
}
