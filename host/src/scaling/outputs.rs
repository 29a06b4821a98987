//! The data files and the figure of `engram scaling` (listed in the module documentation).

use super::chain::Metric;
use super::correlate::Kind;
use super::{Part, SampleResult, Scaling, stats, synthetic};
use crate::experiment::plot::{Figure, Marker, Series, draw_grid, histogram_steps};
use crate::experiment::{Done, Experiment, Files, ResultsDir};

/// Most rows of the synthetic fixture written as `fixture.csv` (about 40 bytes a row).
pub const FIXTURE_ROWS: usize = 2_000_000;

fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x}"))
}

/// Writes every output of a run.
pub fn write(exp: &Scaling, out: &ResultsDir, done: &[Done<'_, Scaling>]) -> anyhow::Result<Files> {
    let samples: Vec<&SampleResult> = done.iter().flat_map(|d| d.output.samples.iter()).collect();
    let mut files = Files::default();

    let mut header = vec!["sample".to_owned(), "models".to_owned()];
    for m in Metric::ALL {
        for k in Kind::ALL {
            header.push(format!("{}_{}", m.name(), k.name()));
        }
    }
    let rows: Vec<Vec<String>> = samples
        .iter()
        .map(|s| {
            let mut r = vec![s.sample.clone(), s.models.to_string()];
            r.extend(s.corr.iter().flat_map(|row| row.iter().map(|v| cell(*v))));
            r
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    out.write_csv("samples.csv", &h, &rows)?;
    files.data.push("samples.csv".to_owned());

    let mut rows = Vec::new();
    for m in Metric::ALL {
        for k in Kind::ALL {
            let st = stats(&samples, m, k);
            rows.push(vec![
                m.name().to_owned(),
                k.name().to_owned(),
                st.defined.to_string(),
                st.undefined.to_string(),
                format!("{}", st.mean),
                format!("{}", st.mean_defined),
                format!("{}", st.median),
                format!("{}", st.q25),
                format!("{}", st.q75),
            ]);
        }
    }
    out.write_csv(
        "correlations.csv",
        &[
            "metric",
            "correlation",
            "defined",
            "undefined",
            "mean",
            "mean_defined",
            "median",
            "q25",
            "q75",
        ],
        &rows,
    )?;
    files.data.push("correlations.csv".to_owned());

    let parts: Vec<&Part> = done.iter().map(|d| d.output).collect();
    let rows: Vec<Vec<String>> = exp
        .family()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut n = 0u64;
            let mut sums = [0.0f64; 5];
            for p in &parts {
                if let Some(ms) = p.models.get(i) {
                    n += ms.samples;
                    for (a, b) in sums.iter_mut().zip(ms.sums) {
                        *a += b;
                    }
                }
            }
            let mut r = vec![
                f.name.clone(),
                format!("{}", f.params),
                format!("{}", f.tokens),
                format!("{}", f.log10_compute),
                n.to_string(),
            ];
            r.extend(sums.iter().map(|s| {
                if n == 0 {
                    String::new()
                } else {
                    format!("{}", s / n as f64)
                }
            }));
            r
        })
        .collect();
    out.write_csv(
        "family.csv",
        &[
            "model",
            "params",
            "tokens",
            "log10_compute",
            "samples",
            "mean_log_p_vocab",
            "mean_p_vocab",
            "mean_p_choices",
            "accuracy",
            "brier",
        ],
        &rows,
    )?;
    files.data.push("family.csv".to_owned());

    let cfg = exp.config();
    if cfg.synthetic && cfg.synth_samples * cfg.synth_models * cfg.synth_choices <= FIXTURE_ROWS {
        write_fixture(exp, out)?;
        files.data.push("fixture.csv".to_owned());
        files.data.push("fixture_models.csv".to_owned());
    }

    if !samples.is_empty() {
        plot(out, &samples)?;
        files.plots.push("correlations.svg".to_owned());
    }
    Ok(files)
}

/// The synthetic family as input files (`engram scaling fixture.csv --models
/// fixture_models.csv` gives the same `samples.csv`).
fn write_fixture(exp: &Scaling, out: &ResultsDir) -> anyhow::Result<()> {
    let cfg = exp.config();
    let fam = exp.family();
    let mut rows = Vec::new();
    for s in 0..cfg.synth_samples {
        for (m, c, ll, ok) in synthetic::sample_rows(cfg.seed, s as u64, fam, cfg.synth_choices) {
            rows.push(vec![
                fam.get(m).map_or_else(String::new, |f| f.name.clone()),
                s.to_string(),
                c.to_string(),
                format!("{ll}"),
                u8::from(ok).to_string(),
            ]);
        }
    }
    out.write_csv(
        "fixture.csv",
        &["model", "sample", "choice", "loglik", "correct"],
        &rows,
    )?;
    let rows: Vec<Vec<String>> = fam
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                format!("{}", f.params),
                format!("{}", f.tokens),
            ]
        })
        .collect();
    out.write_csv("fixture_models.csv", &["model", "params", "tokens"], &rows)
}

/// One panel per correlation kind: the histogram of each metric's per-sample correlation (defined
/// samples only), with its mean (undefined as 0) in the legend.
fn plot(out: &ResultsDir, samples: &[&SampleResult]) -> anyhow::Result<()> {
    let figs: Vec<Figure> = Kind::ALL
        .iter()
        .map(|&k| {
            let series = Metric::ALL
                .iter()
                .enumerate()
                .map(|(i, &m)| {
                    let vals: Vec<f64> = samples
                        .iter()
                        .filter_map(|s| s.corr[m as usize][k as usize])
                        .collect();
                    let st = stats(samples, m, k);
                    Series {
                        label: format!(
                            "{} (mean {:.2}, {} undefined)",
                            m.label(),
                            st.mean,
                            st.undefined
                        ),
                        points: histogram_steps(&vals, 20, -1.0, 1.0),
                        color: i,
                        dashed: false,
                        marker: Marker::None,
                    }
                })
                .collect();
            Figure {
                title: format!("per-sample {} with log10 compute", k.symbol()),
                x_desc: k.symbol().to_owned(),
                y_desc: "fraction of samples".to_owned(),
                log_x: false,
                log_y: false,
                y_range: None,
                legend_upper: true,
                legend_right: false,
                series,
                vlines: Vec::new(),
            }
        })
        .collect();
    draw_grid(
        out,
        "correlations.svg",
        Some(&format!(
            "Predictability of each sample's metrics from compute ({} samples)",
            samples.len()
        )),
        &figs,
        (620, 460),
    )
}
