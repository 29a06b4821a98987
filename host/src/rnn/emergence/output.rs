//! The files of `engram rnn grid-emergence`: `emergence.csv` (per seed and analysed network: the
//! null's p99, the units above it, the binomial threshold, decoding), `emergence.svg` (the fraction
//! above the untrained network's p99 over training, per seed; held-out decoding error), and each
//! seed's final network.

use super::super::analyze::{ALPHA, binomial_threshold};
use super::super::train::network_file;
use super::{EmergenceConfig, GridEmergence};
use crate::experiment::plot::{Figure, Marker, Series, draw_grid};
use crate::experiment::{Done, Files, ResultsDir};

/// The columns of `emergence.csv` (one row per seed and network; step 0 is the untrained network
/// against its own p99).
pub const EMERGENCE_HEADER: [&str; 11] = [
    "seed",
    "step",
    "units",
    "init_p99",
    "above_init_p99",
    "fraction_above_init_p99",
    "binomial_threshold",
    "shift_p99",
    "above_shift_p99",
    "decode_last_cm",
    "chance_last_cm",
];

fn last_cm(v: &[f64]) -> String {
    (100.0 * v.last().copied().unwrap_or(f64::NAN)).to_string()
}

/// Writes `emergence.csv`, `emergence.svg` and the final networks.
pub(super) fn write(
    cfg: &EmergenceConfig,
    out: &ResultsDir,
    done: &[Done<'_, GridEmergence>],
) -> anyhow::Result<Files> {
    let mut files = Files::default();
    let mut rows = Vec::new();
    let mut fractions = Vec::new();
    let mut decoding = Vec::new();
    let mut threshold = None;
    for (k, d) in done.iter().enumerate() {
        let o = d.output;
        let name = network_file(&cfg.train, o.seed);
        out.write(&name, &o.train.network_blob()?)?;
        files.data.push(name);
        let curve = o.curve();
        let h = o.init.units.len();
        let kmin = binomial_threshold(h, ALPHA, ALPHA);
        threshold = Some((kmin, h));
        let Some(first) = curve.first().map(|p| p.3) else {
            continue;
        };
        let mut points = vec![(0.0, first.init_above_init as f64 / h.max(1) as f64)];
        rows.push(vec![
            o.seed.to_string(),
            "0".to_owned(),
            h.to_string(),
            first.init_p99.to_string(),
            first.init_above_init.to_string(),
            (first.init_above_init as f64 / h.max(1) as f64).to_string(),
            kmin.to_string(),
            first.init_shift_p99.to_string(),
            first.init_above_shift.to_string(),
            last_cm(&o.init.error),
            last_cm(&o.init.chance),
        ]);
        for (a, (step, above, h, c)) in o.trained.iter().zip(&curve) {
            let frac = *above as f64 / (*h).max(1) as f64;
            points.push((*step as f64, frac));
            rows.push(vec![
                o.seed.to_string(),
                step.to_string(),
                h.to_string(),
                c.init_p99.to_string(),
                above.to_string(),
                frac.to_string(),
                kmin.to_string(),
                c.shift_p99.to_string(),
                c.above_shift.to_string(),
                last_cm(&a.analysis.error),
                last_cm(&a.analysis.chance),
            ]);
        }
        fractions.push(Series {
            label: format!("seed {}", o.seed),
            points,
            color: k,
            dashed: false,
            marker: Marker::SparseCircle,
        });
        decoding.push(Series {
            label: format!("seed {}", o.seed),
            points: o
                .train
                .history
                .iter()
                .filter_map(|r| r.decode_cm.map(|e| (r.step as f64, e)))
                .collect(),
            color: k,
            dashed: false,
            marker: Marker::SparseCircle,
        });
    }
    out.write_csv("emergence.csv", &EMERGENCE_HEADER, &rows)?;
    files.data.push("emergence.csv".to_owned());
    if done.is_empty() {
        return Ok(files);
    }
    let steps = (0.0, cfg.train.steps as f64);
    let level = |label: String, y: f64, color: usize| Series {
        label,
        points: vec![(steps.0, y), (steps.1, y)],
        color,
        dashed: true,
        marker: Marker::None,
    };
    let mut title = "units above the untrained network's p99".to_owned();
    if let Some((kmin, h)) = threshold {
        fractions.push(level(
            format!("binomial threshold: {kmin} of {h} (p < 0.01)"),
            kmin as f64 / h.max(1) as f64,
            6,
        ));
        title = format!("{title} (check: ≥ {kmin} of {h})");
    }
    fractions.push(level("the null's own 1 %".to_owned(), ALPHA, 7));
    let figs = [
        Figure {
            title,
            x_desc: "training step".to_owned(),
            y_desc: "fraction of units".to_owned(),
            log_x: false,
            log_y: false,
            y_range: None,
            legend_upper: true,
            legend_right: false,
            series: fractions,
            vlines: Vec::new(),
        },
        Figure {
            title: "held-out decoding error (trainer)".to_owned(),
            x_desc: "training step".to_owned(),
            y_desc: "error (cm)".to_owned(),
            log_x: false,
            log_y: true,
            y_range: None,
            legend_upper: false,
            legend_right: true,
            series: decoding,
            vlines: Vec::new(),
        },
    ];
    draw_grid(
        out,
        "emergence.svg",
        Some("grid-like units over training, per seed"),
        &figs,
        (520, 380),
    )?;
    files.plots.push("emergence.svg".to_owned());
    Ok(files)
}
