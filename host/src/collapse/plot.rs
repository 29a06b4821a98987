//! SVG plots reproducing the paper's figure: test error vs iteration, replace vs accumulate,
//! theory dashed; one panel per (d, T, λ), one colour per σ.

use std::path::Path;

use anyhow::anyhow;
use plotters::prelude::*;

use super::checks::theory_for;
use super::run::PointResult;
use super::sweep::{RunMode, SweepConfig};
use crate::report::PALETTE;

/// A number with at most 6 significant digits and no trailing zeros (0.010000000000000002 → 0.01).
fn short(x: f64) -> String {
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

fn panels(results: &[PointResult]) -> Vec<(usize, usize, f64)> {
    let mut keys: Vec<(usize, usize, f64)> = Vec::new();
    for r in results {
        let k = (r.point.dim, r.point.samples, r.point.ridge);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Draws one SVG with a panel per (d, T, λ).
pub fn plot(
    path: &Path,
    cfg: &SweepConfig,
    results: &[PointResult],
    scale: Scale,
) -> anyhow::Result<()> {
    let keys = panels(results);
    if keys.is_empty() {
        return Ok(());
    }
    let cols = keys.len().min(3);
    let rows = keys.len().div_ceil(cols);
    let (pw, ph) = (460u32, 360u32);
    let root = SVGBackend::new(path, (pw * cols as u32, ph * rows as u32 + 40)).into_drawing_area();
    let e = |e: DrawingAreaErrorKind<_>| anyhow!("plotting {}: {e:?}", path.display());
    root.fill(&WHITE).map_err(e)?;
    let (title, body) = root.split_vertically(40);
    let caption = match scale {
        Scale::Log => {
            "test error ‖ŵₙ − w*‖² — ● replace  ▲ accumulate  ✕ accumulate-subsample  - - theory"
        }
        Scale::LinearNormalised => {
            "test error ÷ c, c = σ²d/(T−d−1) — ● replace (→ n)  ▲ accumulate (→ π²/6)  - - theory"
        }
    };
    title.titled(caption, ("sans-serif", 16)).map_err(e)?;
    let areas = body.split_evenly((rows, cols));
    let n = cfg.iterations;
    for (area, &(d, t, ridge)) in areas.iter().zip(&keys) {
        let in_panel: Vec<&PointResult> = results
            .iter()
            .filter(|r| (r.point.dim, r.point.samples, r.point.ridge) == (d, t, ridge))
            .collect();
        let norm = |r: &PointResult| match scale {
            Scale::Log => 1.0,
            Scale::LinearNormalised => {
                engram_core::collapse::theory::first_fit_error(d, t, r.point.sigma)
                    .filter(|c| *c > 0.0)
                    .unwrap_or(1.0)
            }
        };
        let mut lo = f64::INFINITY;
        let mut hi = 0.0f64;
        for r in &in_panel {
            let c = norm(r);
            for m in &r.modes {
                for (i, v) in m.mean.iter().enumerate() {
                    let v = v / c;
                    if v > 0.0 {
                        lo = lo.min(v);
                    }
                    hi = hi.max(v);
                    if let Some(th) = theory_for(cfg, &r.point, m.mode, i + 1) {
                        hi = hi.max(th / c);
                    }
                }
            }
        }
        if !lo.is_finite() {
            lo = 1e-12;
        }
        let label = if ridge > 0.0 {
            format!("d = {d}, T = {t}, λ = {ridge}")
        } else {
            format!("d = {d}, T = {t}")
        };
        let x_range = 1f64..n.max(2) as f64;
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(label, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(56);
        // Two chart types (log and linear y) need two code paths in plotters.
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc("iteration n")
                    .x_label_formatter(&|x| format!("{x:.0}"))
                    .y_desc(match scale {
                        Scale::Log => "test error",
                        Scale::LinearNormalised => "test error / c",
                    })
                    .light_line_style(WHITE.mix(0.0))
                    .draw()
                    .map_err(e)?;
                for (si, r) in in_panel.iter().enumerate() {
                    let color = PALETTE[si % PALETTE.len()];
                    let c = norm(r);
                    let label = format!("σ² = {}", short(r.point.sigma * r.point.sigma));
                    let mut labelled = false;
                    for m in &r.modes {
                        let pts: Vec<(f64, f64)> = m
                            .mean
                            .iter()
                            .enumerate()
                            .map(|(i, v)| ((i + 1) as f64, (v / c).max(lo)))
                            .collect();
                        let series = chart
                            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                            .map_err(e)?;
                        if !labelled {
                            series.label(label.clone()).legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                            });
                            labelled = true;
                        }
                        let every = (n / 10).max(1);
                        let marks = pts
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| i % every == 0)
                            .map(|(_, p)| *p);
                        match m.mode {
                            RunMode::Replace => {
                                chart
                                    .draw_series(marks.map(|p| Circle::new(p, 3, color.filled())))
                                    .map_err(e)?;
                            }
                            RunMode::Accumulate => {
                                chart
                                    .draw_series(
                                        marks.map(|p| TriangleMarker::new(p, 4, color.filled())),
                                    )
                                    .map_err(e)?;
                            }
                            RunMode::AccumulateSubsample => {
                                chart
                                    .draw_series(
                                        marks.map(|p| Cross::new(p, 4, color.stroke_width(2))),
                                    )
                                    .map_err(e)?;
                            }
                        }
                        let theory: Vec<(f64, f64)> = (1..=n)
                            .filter_map(|i| {
                                theory_for(cfg, &r.point, m.mode, i)
                                    .map(|t| (i as f64, (t / c).max(lo)))
                            })
                            .collect();
                        if !theory.is_empty() {
                            chart
                                .draw_series(DashedLineSeries::new(
                                    theory,
                                    6,
                                    4,
                                    color.mix(0.9).stroke_width(1),
                                ))
                                .map_err(e)?;
                        }
                    }
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK.mix(0.3))
                    .position(match scale {
                        Scale::Log => SeriesLabelPosition::LowerRight,
                        Scale::LinearNormalised => SeriesLabelPosition::UpperLeft,
                    })
                    .draw()
                    .map_err(e)?;
            }};
        }
        match scale {
            Scale::Log => draw!(
                builder
                    .build_cartesian_2d(x_range, (lo * 0.8..hi * 1.25).log_scale())
                    .map_err(e)?
            ),
            Scale::LinearNormalised => {
                draw!(
                    builder
                        .build_cartesian_2d(x_range, 0.0..hi * 1.05)
                        .map_err(e)?
                )
            }
        }
    }
    root.present().map_err(e)?;
    Ok(())
}
