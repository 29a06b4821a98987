//! What a training run reports: [`TrainOutput`] (the point's result, with the trained network
//! and any [`Snapshot`]s), its checks, and the files (`network.bin`, `network-step<N>.bin`,
//! `loss.csv`, `final.csv`, SVG curves).

use engram_core::rnn::{Dims, Meta, ModelWeights, PlaceCodeKind, Weights, model_len, write_model};
use serde::{Deserialize, Serialize};

use super::Train;
use super::checkpoint::EvalRow;
use super::config::{Objective, TrainConfig};
use super::data::HostPlaceCells;
use super::eval::DECODE_K;
use super::model::Params;
use crate::experiment::plot::{Figure, Marker, Series, draw_grid};
use crate::experiment::{Check, Done, Files, ResultsDir};

/// The result of one training run (one seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutput {
    /// The seed.
    pub seed: u64,
    /// Steps done.
    pub steps: u64,
    /// The first step's training loss.
    pub first_loss: f64,
    /// Every evaluation.
    pub history: Vec<EvalRow>,
    /// Supervised: decoding error of the true codes (cm).
    pub floor_cm: Option<f64>,
    /// Supervised: decoding error of three random cells (cm).
    pub chance_cm: Option<f64>,
    /// SSL: same-place / separated distance ratio with positions shuffled across states (null).
    pub null_ratio: Option<f64>,
    /// SSL: the same ratio for the untrained (initial) network.
    pub untrained_ratio: Option<f64>,
    /// The trained network: the core network blob, base64.
    pub network: String,
    /// The networks kept during training (`--snapshot-every`), in step order.
    #[serde(default)]
    pub snapshots: Vec<Snapshot>,
}

/// A network kept during training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Steps done when it was kept.
    pub step: u64,
    /// The core network blob, base64.
    pub network: String,
}

impl Snapshot {
    /// The network blob's bytes.
    pub fn network_blob(&self) -> anyhow::Result<Vec<u8>> {
        b64_decode(&self.network)
    }
}

impl TrainOutput {
    /// The last evaluation.
    pub fn last(&self) -> Option<&EvalRow> {
        self.history.last()
    }

    /// SSL: the final same-place / separated distance ratio.
    pub fn ssl_ratio(&self) -> Option<f64> {
        let r = self.last()?;
        Some(r.same? / r.diff?)
    }

    /// The network blob's bytes (`engram_core::blob::Blob::parse`, then
    /// `engram_core::rnn::Model::from_blob`).
    pub fn network_blob(&self) -> anyhow::Result<Vec<u8>> {
        b64_decode(&self.network)
    }
}

/// The file name of a seed's network: `network.bin` for a single-seed run, else
/// `network-seed<S>.bin`.
pub fn network_file(cfg: &TrainConfig, seed: u64) -> String {
    if cfg.seed.len() == 1 {
        "network.bin".to_owned()
    } else {
        format!("network-seed{seed}.bin")
    }
}

/// The file name of a seed's network kept at `step`: `network-step<N>.bin` for a single-seed
/// run, else `network-seed<S>-step<N>.bin`.
pub fn snapshot_file(cfg: &TrainConfig, seed: u64, step: u64) -> String {
    if cfg.seed.len() == 1 {
        format!("network-step{step}.bin")
    } else {
        format!("network-seed{seed}-step{step}.bin")
    }
}

/// The trained network as a core blob (f32, with encoder, no bias), base64.
pub fn network_b64(
    cfg: &TrainConfig,
    cells: &HostPlaceCells,
    p: &Params<f32>,
) -> anyhow::Result<String> {
    let dims = Dims::new(2, cfg.ng, cfg.np);
    let meta = Meta {
        activation: cfg.activation.core(),
        place_code: match cells.surround {
            Some(_) => PlaceCodeKind::DifferenceOfSoftmaxes,
            None => PlaceCodeKind::Gaussian,
        },
        periodic: cfg.periodic,
        decode_k: DECODE_K,
        box_width: cfg.box_size as f32,
        box_height: cfg.box_size as f32,
        dt: 0.02,
        sigma: cfg.sigma as f32,
        // σ_surround/σ: the surround's variance is s·σ².
        surround: cells.surround.map_or(0.0, f32::sqrt),
    };
    let w = ModelWeights::F32(Weights {
        w_ih: &p.w_ih,
        w_hh: &p.w_hh,
        bias: None,
        w_enc: Some(&p.w_enc),
        w_dec: &p.w_dec,
    });
    let e = |e: engram_core::rnn::ModelError| anyhow::anyhow!("network blob: {e}");
    let mut buf = vec![0u8; model_len(dims, &meta, w, &cells.centres).map_err(e)?];
    write_model(&mut buf, dims, &meta, w, &cells.centres).map_err(e)?;
    Ok(b64_encode(&buf))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                s.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Decodes [`b64_encode`]'s output.
pub fn b64_decode(s: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let val = |c: u8| -> anyhow::Result<u32> {
        B64.iter()
            .position(|&b| b == c)
            .map(|p| p as u32)
            .ok_or_else(|| anyhow::anyhow!("network: not base64"))
    };
    for q in s.as_bytes().chunks(4) {
        if q.len() != 4 {
            anyhow::bail!("network: base64 length is not a multiple of 4");
        }
        let pad = q.iter().filter(|&&c| c == b'=').count();
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&b[..3 - pad]);
    }
    Ok(out)
}

/// The checks of one run.
pub fn checks(cfg: &TrainConfig, o: &TrainOutput) -> Vec<Check> {
    let at = format!("seed={}", o.seed);
    let last = o.last();
    let mut v = vec![
        Check::new(
            "training loss, last evaluation window (nat)",
            last.map(|r| r.train_loss),
        )
        .theory(o.first_loss)
        .rule("< first step's loss", |x| x < o.first_loss)
        .at(&at),
    ];
    let shortened = (o.steps as usize) < cfg.target_steps;
    match cfg.objective {
        Objective::Supervised => {
            let err = last.and_then(|r| r.decode_cm);
            let chance = o.chance_cm.unwrap_or(f64::NAN);
            v.push(
                Check::new("held-out decoding error (cm) vs chance", err)
                    .theory(chance)
                    .rule("< chance", |x| x < chance)
                    .at(&at),
            );
            let c = Check::new(
                "held-out decoding error (cm) vs target; theory = place-code floor",
                err,
            )
            .theory(o.floor_cm.unwrap_or(f64::NAN))
            .at(&at);
            v.push(if shortened {
                c.not_applicable(format!(
                    "run of {} steps; the {} cm target assumes >= {} (--steps overrides the preset)",
                    o.steps, cfg.target_cm, cfg.target_steps
                ))
            } else {
                c.at_most(cfg.target_cm)
            });
        }
        Objective::Ssl => {
            let null = o.null_ratio.unwrap_or(f64::NAN);
            let c = Check::new(
                "same-place / different-place ‖g − g'‖² ratio; theory = shuffled-place null",
                o.ssl_ratio(),
            )
            .theory(null)
            .at(&at);
            v.push(if shortened {
                c.not_applicable(format!(
                    "run of {} steps; the check assumes >= {}",
                    o.steps, cfg.target_steps
                ))
            } else {
                c.rule("< null / 2", |x| x < null / 2.0)
            });
            let untrained = o.untrained_ratio.unwrap_or(f64::NAN);
            v.push(
                Check::new(
                    "same-place / different-place ratio; theory = untrained network",
                    o.ssl_ratio(),
                )
                .theory(untrained)
                .rule("< untrained", |x| x < untrained)
                .at(&at),
            );
        }
    }
    v
}

fn cell(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v}"))
}

fn figure(
    title: &str,
    y_desc: &str,
    done: &[Done<'_, Train>],
    y: impl Fn(&EvalRow) -> Option<f64>,
) -> Figure {
    Figure {
        title: title.to_owned(),
        x_desc: "step".to_owned(),
        y_desc: y_desc.to_owned(),
        log_x: false,
        log_y: false,
        y_range: None,
        legend_upper: false,
        legend_right: false,
        series: done
            .iter()
            .enumerate()
            .map(|(k, d)| Series {
                label: format!("seed {}", d.output.seed),
                points: d
                    .output
                    .history
                    .iter()
                    .filter_map(|r| y(r).map(|v| (r.step as f64, v)))
                    .collect(),
                color: k,
                dashed: false,
                marker: Marker::SparseCircle,
            })
            .collect(),
        vlines: Vec::new(),
    }
}

/// Writes the networks, `loss.csv`, `final.csv` and the curves.
pub fn write(
    cfg: &TrainConfig,
    out: &ResultsDir,
    done: &[Done<'_, Train>],
) -> anyhow::Result<Files> {
    let mut files = Files::default();
    let mut rows = Vec::new();
    let mut finals = Vec::new();
    for d in done {
        let o = d.output;
        let name = network_file(cfg, o.seed);
        out.write(&name, &o.network_blob()?)?;
        files.data.push(name);
        for snap in &o.snapshots {
            let name = snapshot_file(cfg, o.seed, snap.step);
            out.write(&name, &snap.network_blob()?)?;
            files.data.push(name);
        }
        for r in &o.history {
            rows.push(vec![
                o.seed.to_string(),
                r.step.to_string(),
                format!("{}", r.train_loss),
                cell(r.eval_loss),
                cell(r.decode_cm),
                cell(r.same),
                cell(r.diff),
            ]);
        }
        let last = o.last();
        finals.push(vec![
            o.seed.to_string(),
            o.steps.to_string(),
            format!("{}", o.first_loss),
            cell(last.map(|r| r.train_loss)),
            cell(last.and_then(|r| r.decode_cm)),
            cell(o.floor_cm),
            cell(o.chance_cm),
            cell(o.ssl_ratio()),
            cell(o.null_ratio),
            cell(o.untrained_ratio),
        ]);
    }
    out.write_csv(
        "loss.csv",
        &[
            "seed",
            "step",
            "train_loss",
            "eval_loss",
            "decode_cm",
            "same_sq_dist",
            "diff_sq_dist",
        ],
        &rows,
    )?;
    out.write_csv(
        "final.csv",
        &[
            "seed",
            "steps",
            "first_loss",
            "last_loss",
            "decode_cm",
            "floor_cm",
            "chance_cm",
            "ssl_ratio",
            "null_ratio",
            "untrained_ratio",
        ],
        &finals,
    )?;
    files
        .data
        .extend(["loss.csv".to_owned(), "final.csv".to_owned()]);
    let mut figs = vec![figure("training loss", "loss (nat)", done, |r| {
        Some(r.train_loss)
    })];
    match cfg.objective {
        Objective::Supervised => {
            let mut f = figure("held-out decoding error", "error (cm)", done, |r| {
                r.decode_cm
            });
            if let Some(o) = done.first().map(|d| d.output) {
                let steps = (0.0, o.steps as f64);
                for (label, v, c) in [
                    ("chance", o.chance_cm, 6),
                    ("place-code floor", o.floor_cm, 7),
                ] {
                    if let Some(v) = v {
                        f.series.push(Series {
                            label: label.to_owned(),
                            points: vec![(steps.0, v), (steps.1, v)],
                            color: c,
                            dashed: true,
                            marker: Marker::None,
                        });
                    }
                }
            }
            f.log_y = true;
            figs.push(f);
        }
        Objective::Ssl => figs.push(figure(
            "same-place / separated ‖g − g'‖²",
            "ratio",
            done,
            |r| Some(r.same? / r.diff?),
        )),
    }
    draw_grid(out, "curves.svg", Some("rnn train"), &figs, (640, 440))?;
    files.plots.push("curves.svg".to_owned());
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..10 {
            let v: Vec<u8> = (0..n as u8)
                .map(|i| i.wrapping_mul(97).wrapping_add(3))
                .collect();
            assert_eq!(b64_decode(&b64_encode(&v)).unwrap(), v);
        }
        assert_eq!(b64_encode(b"Man"), "TWFu");
        assert_eq!(b64_encode(b"Ma"), "TWE=");
        assert!(b64_decode("TW!u").is_err());
    }
}
