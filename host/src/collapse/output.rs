//! `runs.csv`: one row per point, mode and iteration.

use super::checks::rows;
use super::run::PointResult;
use super::sweep::{DesignSel, SweepConfig};
use crate::experiment::ResultsDir;

/// The columns of `runs.csv`. `stderr_measured` is the standard error of the mean over the
/// repeats; `stderr_test` is the one the z-test uses (from the Wishart CV for the fixed design with
/// one σ/T, else the measured one), so `z = (mean − theory)/stderr_test`.
pub const RUNS_HEADER: [&str; 14] = [
    "d",
    "T",
    "sigma",
    "ridge",
    "design",
    "sigma0",
    "samples0",
    "mode",
    "iteration",
    "mean",
    "stderr_measured",
    "theory",
    "stderr_test",
    "z",
];

/// Shortest round-trip text of a float (`{}`), so reading a file back gives the same bits.
fn num(x: f64) -> String {
    format!("{x}")
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// Writes `runs.csv` for `results` (in point order).
pub fn write_runs(
    dir: &ResultsDir,
    cfg: &SweepConfig,
    results: &[&PointResult],
) -> anyhow::Result<()> {
    let design = match cfg.design {
        DesignSel::Fixed => "fixed",
        DesignSel::Fresh => "fresh",
    };
    let mut table = Vec::new();
    for r in results {
        for row in rows(cfg, r) {
            let p = row.point;
            table.push(vec![
                p.dim.to_string(),
                p.samples.to_string(),
                num(p.sigma),
                num(p.ridge),
                design.to_owned(),
                num(cfg.sigma0.unwrap_or(p.sigma)),
                cfg.samples0.unwrap_or(p.samples).to_string(),
                row.mode.name().to_owned(),
                row.iteration.to_string(),
                num(row.mean),
                opt(row.stderr_measured),
                opt(row.theory),
                opt(row.stderr_test),
                opt(row.z),
            ]);
        }
    }
    dir.write_csv("runs.csv", &RUNS_HEADER, &table)
}
