//! SVG plots reproducing the paper's figure: test error vs iteration, replace vs accumulate,
//! theory dashed; one panel per (d, T, λ), one colour per σ. Drawn by the shared plot helper.

use super::checks::theory_for;
use super::run::PointResult;
use super::sweep::{RunMode, SweepConfig};
use crate::experiment::ResultsDir;
use crate::experiment::plot::{Figure, Marker, Series, draw_grid};

/// A number with at most 6 significant digits and no trailing zeros (0.010000000000000002 → 0.01).
pub(crate) fn short(x: f64) -> String {
    let s = format!("{x:.6e}");
    let v: f64 = s.parse().unwrap_or(x);
    format!("{v}")
}

/// How the y axis is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Raw test error, log scale (σ² spans decades).
    Log,
    /// Test error divided by c = σ²d/(T−d−1), linear: every σ falls on n and Σ1/i².
    LinearNormalised,
}

fn panels(results: &[&PointResult]) -> Vec<(usize, usize, f64)> {
    let mut keys: Vec<(usize, usize, f64)> = Vec::new();
    for r in results {
        let k = (r.point.dim, r.point.samples, r.point.ridge);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Draws `name`: one panel per (d, T, λ).
pub fn plot(
    dir: &ResultsDir,
    name: &str,
    cfg: &SweepConfig,
    results: &[&PointResult],
    scale: Scale,
) -> anyhow::Result<()> {
    let keys = panels(results);
    if keys.is_empty() {
        return Ok(());
    }
    let caption = match scale {
        Scale::Log => {
            "test error ‖ŵₙ − w*‖² — ● replace  ▲ accumulate  ✕ accumulate-subsample  - - theory"
        }
        Scale::LinearNormalised => {
            "test error ÷ c, c = σ²d/(T−d−1) — ● replace (→ n)  ▲ accumulate (→ π²/6)  - - theory"
        }
    };
    let n = cfg.iterations;
    let figs: Vec<Figure> = keys
        .iter()
        .map(|&(d, t, ridge)| {
            let mut series = Vec::new();
            for (si, r) in results
                .iter()
                .filter(|r| (r.point.dim, r.point.samples, r.point.ridge) == (d, t, ridge))
                .enumerate()
            {
                let c = match scale {
                    Scale::Log => 1.0,
                    Scale::LinearNormalised => {
                        engram_core::collapse::theory::first_fit_error(d, t, r.point.sigma)
                            .filter(|c| *c > 0.0 && c.is_finite())
                            .unwrap_or(1.0)
                    }
                };
                for (mi, m) in r.modes.iter().enumerate() {
                    series.push(Series {
                        label: if mi == 0 {
                            format!("σ² = {}", short(r.point.sigma * r.point.sigma))
                        } else {
                            String::new()
                        },
                        points: m
                            .mean
                            .iter()
                            .enumerate()
                            .map(|(i, v)| ((i + 1) as f64, v / c))
                            .collect(),
                        color: si,
                        dashed: false,
                        marker: match m.mode {
                            RunMode::Replace => Marker::SparseCircle,
                            RunMode::Accumulate => Marker::Triangle,
                            RunMode::AccumulateSubsample => Marker::Cross,
                        },
                    });
                    let theory: Vec<(f64, f64)> = (1..=n)
                        .filter_map(|i| {
                            theory_for(cfg, &r.point, m.mode, i).map(|th| (i as f64, th / c))
                        })
                        .collect();
                    if !theory.is_empty() {
                        series.push(Series {
                            label: String::new(),
                            points: theory,
                            color: si,
                            dashed: true,
                            marker: Marker::None,
                        });
                    }
                }
            }
            Figure {
                title: if ridge > 0.0 {
                    format!("d = {d}, T = {t}, λ = {ridge}")
                } else {
                    format!("d = {d}, T = {t}")
                },
                x_desc: "iteration n".to_owned(),
                y_desc: match scale {
                    Scale::Log => "test error".to_owned(),
                    Scale::LinearNormalised => "test error / c".to_owned(),
                },
                log_x: false,
                log_y: scale == Scale::Log,
                y_range: None,
                legend_upper: scale == Scale::LinearNormalised,
                legend_right: scale == Scale::Log,
                series,
                vlines: Vec::new(),
            }
        })
        .collect();
    draw_grid(dir, name, Some(caption), &figs, (460, 360))
}
