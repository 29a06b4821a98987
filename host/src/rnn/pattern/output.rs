//! The files of `engram rnn pattern-formation`: `scores.csv`, `maps.svg` (the best and the median
//! units of each variant) and `scores.svg` (score histograms against the initialisation null).

use super::super::grid::heatmap::{Panel, draw_maps};
use super::super::grid::null::{count_above, percentile};
use super::config::PatternConfig;
use super::{PatternFormation, PatternResult};
use crate::experiment::plot::{Figure, Series, VLine, draw_grid};
use crate::experiment::{Done, Files, ResultsDir};

const HEADER: [&str; 9] = [
    "variant",
    "unit",
    "score60_mean",
    "score60_minmax",
    "score90",
    "spacing_m",
    "orientation_deg",
    "null_score60",
    "above_null_p99",
];

/// Writes `scores.csv` and the figures of the finished variants.
pub(super) fn write(
    cfg: &PatternConfig,
    out: &ResultsDir,
    done: &[Done<'_, PatternFormation>],
) -> anyhow::Result<Files> {
    let mut rows = Vec::new();
    for d in done {
        let r = d.output;
        let p99 = percentile(&r.null60, 99.0);
        for (u, s) in r.units.iter().enumerate() {
            rows.push(vec![
                r.variant.name().to_owned(),
                u.to_string(),
                s.score60.to_string(),
                s.score60_minmax.to_string(),
                s.score90.to_string(),
                s.spacing.to_string(),
                s.orientation.to_string(),
                r.null60.get(u).copied().unwrap_or(f64::NAN).to_string(),
                (s.score60 > p99).to_string(),
            ]);
        }
    }
    out.write_csv("scores.csv", &HEADER, &rows)?;
    let mut files = Files {
        data: vec!["scores.csv".to_owned()],
        plots: Vec::new(),
    };
    if done.is_empty() {
        return Ok(files);
    }
    let n = cfg.score_bins;
    let mut panels = Vec::new();
    for d in done {
        let r = d.output;
        let mut order: Vec<usize> = (0..r.units.len()).collect();
        order.sort_by(|&a, &b| r.units[b].score60.total_cmp(&r.units[a].score60));
        // The best four and the median unit of each variant, honestly labelled.
        let pick: Vec<usize> = order
            .iter()
            .take(4)
            .copied()
            .chain(order.get(order.len() / 2).copied())
            .collect();
        for (k, &u) in pick.iter().enumerate() {
            let s = r.units[u];
            panels.push(Panel {
                caption: format!(
                    "{}{} #{u}: g60 {:.2} g90 {:.2}",
                    r.variant.name(),
                    if k == 4 { " (median)" } else { "" },
                    s.score60,
                    s.score90
                ),
                n,
                values: r.maps[u].clone(),
            });
        }
    }
    draw_maps(
        out,
        "maps.svg",
        "pattern formation: top 4 units and the median unit of each variant (rows)",
        &panels,
        5,
        220,
    )?;
    let figs: Vec<Figure> = done.iter().map(|d| histogram_figure(d.output)).collect();
    draw_grid(
        out,
        "scores.svg",
        Some("score60: units vs the readouts at initialisation"),
        &figs,
        (420, 320),
    )?;
    files.plots = vec!["maps.svg".to_owned(), "scores.svg".to_owned()];
    Ok(files)
}

/// Histogram (as a step line) of the units' score60 against the null's, with the null's p99.
fn histogram_figure(r: &PatternResult) -> Figure {
    let s60: Vec<f64> = r.units.iter().map(|u| u.score60).collect();
    let p99 = percentile(&r.null60, 99.0);
    Figure {
        title: format!(
            "{}: {} of {} above null p99",
            r.variant.name(),
            count_above(&s60, p99),
            s60.len()
        ),
        x_desc: "score60".to_owned(),
        y_desc: "units".to_owned(),
        log_x: false,
        log_y: false,
        y_range: None,
        legend_upper: true,
        legend_right: false,
        series: vec![
            histogram_series("units", &s60, 0, false),
            histogram_series("initialisation (null)", &r.null60, 1, true),
        ],
        vlines: vec![VLine {
            x: p99,
            label: format!("null p99 = {p99:.2}"),
            color: 1,
        }],
    }
}

/// A histogram of `xs` over [−1, 2] in bins of 0.1, as (bin centre, count) points.
pub fn histogram_series(label: &str, xs: &[f64], color: usize, dashed: bool) -> Series {
    let (lo, w, bins) = (-1.0, 0.1, 30usize);
    let mut counts = vec![0usize; bins];
    for &x in xs.iter().filter(|x| x.is_finite()) {
        let b = (((x - lo) / w).floor().max(0.0) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let points = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (lo + (b as f64 + 0.5) * w, c as f64))
        .collect();
    Series::line(label, points, color, dashed)
}
