//! The files of `engram rnn analyze`: `ratemaps.npy`, `scores.csv`, `nulls.csv`, and the figures
//! (top units' rate maps and autocorrelograms, score histograms against both nulls, decoding
//! error vs time).

use super::super::grid::heatmap::{Panel, draw_maps};
use super::super::grid::modules::cluster;
use super::super::grid::{NanPolicy, autocorrelogram};
use super::super::pattern::histogram_series;
use super::Analyze;
use super::nulls::{Counts, Pair};
use super::run::AnalyzeOutput;
use crate::experiment::plot::{Figure, Series, VLine, draw_grid};
use crate::experiment::{Done, Files, ResultsDir};

/// Writes every seed's files (with `-seed<S>` when several) and `nulls.csv`.
pub(super) fn write(
    a: &Analyze,
    out: &ResultsDir,
    done: &[Done<'_, Analyze>],
) -> anyhow::Result<Files> {
    let mut files = Files::default();
    let mut rows = Vec::new();
    for (seed, _, net) in &a.nets {
        let Some(pair) = Pair::find(done, *seed) else {
            continue;
        };
        let sfx = a.suffix(*seed);
        let c = pair.counts();
        let t = pair.trained;
        let n = a.cfg.bins;
        for (kind, o, sp99, ip99, a_s, a_i) in [
            (
                "trained",
                t,
                c.shift_p99,
                c.init_p99,
                c.above_shift,
                c.above_init,
            ),
            (
                "init",
                pair.init,
                c.init_shift_p99,
                c.init_p99,
                c.init_above_shift,
                c.init_above_init,
            ),
        ] {
            rows.push(vec![
                seed.to_string(),
                kind.to_owned(),
                o.units.len().to_string(),
                sp99.to_string(),
                a_s.to_string(),
                ip99.to_string(),
                a_i.to_string(),
                (100.0 * o.error.last().copied().unwrap_or(f64::NAN)).to_string(),
                (100.0 * o.chance.last().copied().unwrap_or(f64::NAN)).to_string(),
            ]);
        }
        // ratemaps.npy: units × n × n, float32.
        let flat: Vec<f32> = t
            .maps
            .iter()
            .flat_map(|m| m.0.iter().map(|&v| v as f32))
            .collect();
        let mut bytes = Vec::new();
        super::super::npy::write(&mut bytes, &[t.maps.len(), n, n], &flat)?;
        let name = format!("ratemaps{sfx}.npy");
        out.write(&name, &bytes)?;
        files.data.push(name);
        // scores.csv.
        let s60: Vec<f64> = t.units.iter().map(|u| u.score60).collect();
        let sig: Vec<bool> = s60.iter().map(|&s| s > c.init_p99).collect();
        let spac: Vec<f64> = t
            .units
            .iter()
            .zip(&sig)
            .map(|(u, &ok)| if ok { u.spacing } else { f64::NAN })
            .collect();
        let modules = cluster(&spac, 1.2);
        let srows: Vec<Vec<String>> = t
            .units
            .iter()
            .enumerate()
            .map(|(u, s)| {
                vec![
                    u.to_string(),
                    s.score60.to_string(),
                    s.score60_minmax.to_string(),
                    s.score90.to_string(),
                    s.spacing.to_string(),
                    s.orientation.to_string(),
                    modules.assignment[u].map_or(String::new(), |m| m.to_string()),
                    (s.score60 > c.shift_p99).to_string(),
                    sig[u].to_string(),
                ]
            })
            .collect();
        let name = format!("scores{sfx}.csv");
        out.write_csv(&name, &SCORES_HEADER, &srows)?;
        files.data.push(name);
        // Figures: the best units' maps and autocorrelograms, honestly labelled.
        let mut order: Vec<usize> = (0..s60.len()).collect();
        order.sort_by(|&a, &b| s60[b].total_cmp(&s60[a]));
        order.truncate(a.cfg.top);
        let (mut maps, mut sacs) = (Vec::new(), Vec::new());
        for &u in &order {
            let s = t.units[u];
            let caption = format!("#{u}: g60 {:.2} g90 {:.2}", s.score60, s.score90);
            let m = &t.maps[u].0;
            sacs.push(Panel {
                caption: caption.clone(),
                n: 2 * n - 1,
                values: autocorrelogram(m, n, NanPolicy::Zero)?,
            });
            maps.push(Panel {
                caption,
                n,
                values: m.clone(),
            });
        }
        if !maps.is_empty() {
            let head = format!(
                "top {} of {} units by score60 ({} above the init null's p99 {:.2})",
                maps.len(),
                s60.len(),
                c.above_init,
                c.init_p99
            );
            for (name, panels) in [
                (format!("ratemaps{sfx}.svg"), &maps),
                (format!("autocorr{sfx}.svg"), &sacs),
            ] {
                draw_maps(out, &name, &head, panels, 4, 200)?;
                files.plots.push(name);
            }
        }
        let figs = vec![
            scores_figure(t, pair.init, &c),
            decoding_figure(t, pair.init, net.meta.dt),
        ];
        let name = format!("nulls{sfx}.svg");
        draw_grid(
            out,
            &name,
            Some("score60 against both nulls; decoding error vs time"),
            &figs,
            (460, 340),
        )?;
        files.plots.push(name);
    }
    out.write_csv("nulls.csv", &NULLS_HEADER, &rows)?;
    files.data.push("nulls.csv".to_owned());
    Ok(files)
}

/// The columns of `scores.csv`.
pub const SCORES_HEADER: [&str; 9] = [
    "unit",
    "score60_mean",
    "score60_minmax",
    "score90",
    "spacing",
    "orientation",
    "module",
    "above_shift_p99",
    "above_init_p99",
];

/// The columns of `nulls.csv` (one row per seed and network).
pub const NULLS_HEADER: [&str; 9] = [
    "seed",
    "network",
    "units",
    "shift_p99",
    "above_shift_p99",
    "init_p99",
    "above_init_p99",
    "decode_last_cm",
    "chance_last_cm",
];

pub(super) fn scores_figure(t: &AnalyzeOutput, i: &AnalyzeOutput, c: &Counts) -> Figure {
    let s60 = |o: &AnalyzeOutput| o.units.iter().map(|u| u.score60).collect::<Vec<f64>>();
    let mut shifted = histogram_series("shifted null (trained)", &t.shifted60, 2, true);
    let n_sh = t.shifted60.len().max(1) as f64 / t.units.len().max(1) as f64;
    for p in &mut shifted.points {
        p.1 /= n_sh;
    }
    Figure {
        title: format!(
            "score60: {} / {} above init p99, {} above shifted p99",
            c.above_init,
            t.units.len(),
            c.above_shift
        ),
        x_desc: "score60".to_owned(),
        y_desc: "units (shifted null: per shift)".to_owned(),
        log_x: false,
        log_y: false,
        y_range: None,
        legend_upper: true,
        legend_right: false,
        series: vec![
            histogram_series("trained units", &s60(t), 0, false),
            histogram_series("initialisation (null)", &s60(i), 1, true),
            shifted,
        ],
        vlines: vec![
            VLine {
                x: c.init_p99,
                label: format!("init p99 = {:.2}", c.init_p99),
                color: 1,
            },
            VLine {
                x: c.shift_p99,
                label: format!("shifted p99 = {:.2}", c.shift_p99),
                color: 2,
            },
        ],
    }
}

pub(super) fn decoding_figure(t: &AnalyzeOutput, i: &AnalyzeOutput, dt: f32) -> Figure {
    let line = |label: &str, ys: &[f64], color: usize, dashed: bool| {
        let points = ys
            .iter()
            .enumerate()
            .map(|(k, &y)| ((k + 1) as f64, 100.0 * y))
            .collect();
        Series::line(label, points, color, dashed)
    };
    Figure {
        title: format!("decoding error vs time (step {dt} s)"),
        x_desc: "step t".to_owned(),
        y_desc: "error (cm)".to_owned(),
        log_x: false,
        log_y: false,
        y_range: None,
        legend_upper: true,
        legend_right: false,
        series: vec![
            line("trained", &t.error, 0, false),
            line("initialisation", &i.error, 1, false),
            line("chance (k random cells)", &t.chance, 2, true),
        ],
        vlines: Vec::new(),
    }
}
