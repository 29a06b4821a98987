//! `engram rnn analyze RUN_DIR` (or `--weights BLOB`): the grid-cell analysis of a trained path
//! integrator, with significance against two nulls (docs/gridscore.md#engram-rnn-analyze).
//!
//! The network runs on held-out trajectories of the core's walk (walled or periodic as its
//! metadata says), keyed (`--data-seed`, [`ANALYZE_BATCH`], i): a batch number no training step,
//! evaluation or export calibration uses. Per unit: the rate map (`--bins` × `--bins`, the mean
//! state per bin over every step of every trajectory, [`RateMaps`]), its autocorrelogram, score60
//! (mean and min-max forms), score90, spacing and orientation (DeepMind's `scores.py`, in f64).
//! Per step t: the decoding error (top-k readout, the blob's k) beside chance (k random place
//! cells decoded the same way, as the trainer's chance).
//!
//! **Nulls, never a best-unit score.** (a) *shifted*: each unit's map rebuilt `--shifts` times
//! after circularly shifting the sequence of positions against the states by a keyed offset in
//! [N/10, 9N/10) (N samples), pooled over units; (b) *initialisation*: the same architecture at
//! initialisation — the trainer's own [`Params::init`] with the run's seed (`--init-seed` with
//! `--weights`), the same centres and metadata — run on the same trajectories. Every report counts
//! units above each null's 99th percentile, with the initialised network's counts beside them.
//! For a network trained like the `grid` preset (periodic box, weight decay > 0), the check is a
//! binomial tail test: k units above the initialisation null's p99 out of H, P(X ≥ k) < 0.01 for
//! X ~ Binomial(H, 0.01).
//!
//! Modules: units above the initialisation null's p99 with a finite spacing, grouped by spacing
//! ([`cluster`], ratio 1.2); other units have no module.

use std::path::{Path, PathBuf};

use engram_core::rng::{Rng, key_str};
use engram_core::rnn::place::PlaceCells;
use engram_core::rnn::trajectory::{TrajectoryKey, Walker};
use engram_core::rnn::{Meta, decode_top_k};
use serde::{Deserialize, Serialize};

use super::export::{OwnedNet, network_path, place_config, read_f32_network, walk_config};
use super::grid::heatmap::{Panel, draw_maps};
use super::grid::modules::cluster;
use super::grid::null::{count_above, percentile};
use super::grid::ratemap::RateMaps;
use super::grid::{GridScorer, NanPolicy, UnitScore, autocorrelogram, score_map};
use super::pattern::histogram_series;
use super::train::config::TrainConfig;
use super::train::model::{Params, Shape};
use super::train::network_file;
use crate::experiment::plot::{Figure, Marker, Series, VLine, draw_grid};
use crate::experiment::{
    Check, ConfigError, Done, Estimate, Experiment, Files, PointCtx, ResultsDir, Size, at_least,
    at_most, bad,
};

/// Batch number of the analysis trajectories, 2⁶⁴ − 17: no training step (< 2⁴⁰), not the
/// trainer's held-out batches (2⁶⁴ − 1 … 2⁶⁴ − 4), not export's calibration and evaluation (2⁶³,
/// 2⁶³ + 1).
pub const ANALYZE_BATCH: u64 = u64::MAX - 16;

/// Significance level of the nulls (their 99th percentile) and of the binomial test.
pub const ALPHA: f64 = 0.01;

/// Parameters: the arguments of `engram rnn analyze` and their TOML keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct AnalyzeConfig {
    /// The results directory of `engram rnn train` (network.bin or network-seed<S>.bin, and
    /// config.toml).
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: Option<PathBuf>,
    /// A network blob instead of a run directory (f32; its initialisation null uses --init-seed).
    #[arg(long, value_name = "BLOB", conflicts_with = "run_dir")]
    pub weights: Option<PathBuf>,
    /// With --weights: the seed of the initialisation null (the trainer's init function).
    #[arg(long, default_value_t = 0)]
    pub init_seed: u64,
    /// Rate-map bins per side.
    #[arg(long, default_value_t = 20)]
    pub bins: usize,
    /// Held-out trajectories.
    #[arg(long, default_value_t = 1000)]
    pub trajectories: usize,
    /// Steps per trajectory.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Circular shifts per unit of the shifted null.
    #[arg(long, default_value_t = 4)]
    pub shifts: usize,
    /// Seed of the held-out trajectories (keys (data-seed, 2^64-17, i)).
    #[arg(long, default_value_t = 0)]
    pub data_seed: u64,
    /// Units drawn in the rate-map and autocorrelogram figures (the best by score60).
    #[arg(long, default_value_t = 16)]
    pub top: usize,
}

impl Default for AnalyzeConfig {
    fn default() -> Self {
        crate::experiment::defaults()
    }
}

impl crate::experiment::ExperimentConfig for AnalyzeConfig {}

/// The trained network or the same architecture at initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The network analysed.
    Trained,
    /// [`Params::init`] with the run's seed (the initialisation null).
    Init,
}

/// One point: a seed's trained network or its initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The run's seed.
    pub seed: u64,
    /// Which network.
    pub kind: Kind,
}

/// What one point measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeOutput {
    /// Per unit.
    pub units: Vec<UnitScore>,
    /// score60 of the shifted maps (unit-major, `shifts` per unit).
    pub shifted60: Vec<f64>,
    /// Rate maps (trained network only; empty for the initialisation), `bins²` per unit.
    pub maps: Vec<NanVec>,
    /// Mean decoding error at step t = 1 … T (m).
    pub error: Vec<f64>,
    /// Mean chance error at step t (m).
    pub chance: Vec<f64>,
}

/// A rate map flattened row by row; NaN marks an unvisited bin (the checkpoint keeps NaN exactly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NanVec(pub Vec<f64>);

/// P(X ≥ k) for X ~ Binomial(n, p), summed from the pmf's recursion (exact to rounding for the
/// sizes here: (1 − p)ⁿ > 1e-300 for n·p < 690).
///
/// ```
/// use engram::rnn::analyze::binomial_tail;
/// assert_eq!(binomial_tail(0, 10, 0.01), 1.0);
/// assert!((binomial_tail(1, 1, 0.25) - 0.25).abs() < 1e-15);
/// assert!((binomial_tail(2, 2, 0.5) - 0.25).abs() < 1e-15);
/// ```
pub fn binomial_tail(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let mut pmf = (1.0 - p).powi(n as i32);
    let mut below = 0.0;
    for j in 0..k {
        below += pmf;
        pmf *= (n - j) as f64 / (j + 1) as f64 * p / (1.0 - p);
    }
    (1.0 - below).max(0.0)
}

/// The smallest k with P(X ≥ k) < `alpha`, X ~ Binomial(n, p) (n + 1 if none).
pub fn binomial_threshold(n: usize, p: f64, alpha: f64) -> usize {
    (0..=n)
        .find(|&k| binomial_tail(k, n, p) < alpha)
        .unwrap_or(n + 1)
}

/// The networks analysed: (seed, file, trained network).
type Nets = Vec<(u64, PathBuf, OwnedNet)>;

/// The analysis as an [`Experiment`]: points (seed, trained) and (seed, init) per seed.
#[derive(Debug, Clone)]
pub struct Analyze {
    cfg: AnalyzeConfig,
    /// (seed, network file, trained network).
    nets: Nets,
    /// The run's training configuration (None with --weights).
    train: Option<TrainConfig>,
}

impl Analyze {
    /// Whether the network was trained like the `grid` preset (periodic, weight decay > 0).
    pub fn grid_trained(&self) -> bool {
        self.train
            .as_ref()
            .is_some_and(|t| t.periodic && t.weight_decay > 0.0)
    }

    fn net(&self, seed: u64) -> anyhow::Result<&OwnedNet> {
        self.nets
            .iter()
            .find(|n| n.0 == seed)
            .map(|n| &n.2)
            .ok_or_else(|| anyhow::anyhow!("internal: no network for seed {seed}"))
    }

    /// File-name suffix of a seed: empty for one network, `-seed<S>` for several.
    fn suffix(&self, seed: u64) -> String {
        if self.nets.len() == 1 {
            String::new()
        } else {
            format!("-seed{seed}")
        }
    }
}

/// The same architecture as `net` at initialisation: the trainer's [`Params::init`] with `seed`,
/// no bias (the trainer has none), an encoder iff `net` has one, the same metadata and centres.
pub fn init_network(net: &OwnedNet, seed: u64) -> OwnedNet {
    let p = Params::<f32>::init(
        Shape {
            h: net.dims.hidden,
            p: net.dims.places,
        },
        seed,
    );
    OwnedNet {
        dims: net.dims,
        meta: net.meta,
        w_ih: p.w_ih,
        w_hh: p.w_hh,
        bias: None,
        w_enc: net.w_enc.as_ref().map(|_| p.w_enc),
        w_dec: p.w_dec,
        centres: net.centres.clone(),
    }
}

fn load(cfg: &AnalyzeConfig) -> anyhow::Result<(Nets, Option<TrainConfig>)> {
    let read = |p: &Path| -> anyhow::Result<OwnedNet> {
        let net = read_f32_network(p)?;
        if net.dims.inputs != 2 {
            anyhow::bail!(
                "{}: the network has I = {} inputs; the walk feeds 2",
                p.display(),
                net.dims.inputs
            );
        }
        walk_config(&net.meta).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        Ok(net)
    };
    match (&cfg.run_dir, &cfg.weights) {
        (Some(dir), None) => {
            let path = network_path(dir)?;
            if path == *dir {
                anyhow::bail!(
                    "{}: is a file; give a run directory, or --weights for a blob",
                    dir.display()
                );
            }
            let conf = dir.join("config.toml");
            let train: TrainConfig = crate::experiment::config::read_config(&conf)?;
            let mut nets = Vec::new();
            for &seed in &train.seed {
                let p = dir.join(network_file(&train, seed));
                nets.push((seed, p.clone(), read(&p)?));
            }
            Ok((nets, Some(train)))
        }
        (None, Some(w)) => Ok((vec![(cfg.init_seed, w.clone(), read(w)?)], None)),
        _ => anyhow::bail!("give RUN_DIR (a run of `engram rnn train`) or --weights BLOB"),
    }
}

/// One held-out trajectory's positions, states (T × H) and per-step errors.
struct Walked {
    xy: Vec<[f32; 2]>,
    states: Vec<f32>,
    error: Vec<f64>,
    chance: Vec<f64>,
}

fn walk_one(cfg: &AnalyzeConfig, net: &OwnedNet, i: usize) -> anyhow::Result<Walked> {
    let meta: &Meta = &net.meta;
    let key = TrajectoryKey::new(cfg.data_seed, ANALYZE_BATCH, i as u64);
    let mut w = Walker::new(&walk_config(meta)?, key)?;
    let network = net.network()?;
    let (h, np) = (net.dims.hidden, net.dims.places);
    let mut g = vec![0.0f32; h];
    if net.w_enc.is_some() {
        let cells = PlaceCells::new(&net.centres, place_config(meta)?)?;
        let (mut code, mut scratch) = (vec![0.0f32; np], vec![0.0f32; np]);
        let (x0, y0) = w.start();
        cells.encode([x0, y0], &mut code, &mut scratch)?;
        network.encode(&code, &mut g)?;
    }
    let topo = meta.topology();
    let k = meta.decode_k.clamp(1, np);
    let mut top = vec![0usize; k];
    let (mut next, mut logits) = (vec![0.0f32; h], vec![0.0f32; np]);
    let mut out = Walked {
        xy: Vec::with_capacity(cfg.steps),
        states: Vec::with_capacity(cfg.steps * h),
        error: Vec::with_capacity(cfg.steps),
        chance: Vec::with_capacity(cfg.steps),
    };
    let mut rng = Rng::keyed(
        cfg.data_seed,
        &[key_str("engram/rnn/analyze/chance/v1"), i as u64],
    );
    let mut fake = vec![0.0f32; np];
    for _ in 0..cfg.steps {
        let s = w.step();
        network.step(&[s.dx, s.dy], &g, &mut next)?;
        std::mem::swap(&mut g, &mut next);
        network.readout(&g, &mut logits)?;
        let d = decode_top_k(&logits, &net.centres, topo, &mut top)?;
        out.error.push(f64::from(topo.distance(d, [s.x, s.y])));
        fake.fill(0.0);
        let mut picked = 0;
        while picked < k {
            let j = rng.below(np as u64) as usize;
            if fake[j] == 0.0 {
                fake[j] = 1.0;
                picked += 1;
            }
        }
        let c = decode_top_k(&fake, &net.centres, topo, &mut top)?;
        out.chance.push(f64::from(topo.distance(c, [s.x, s.y])));
        out.xy.push([s.x, s.y]);
        out.states.extend_from_slice(&g);
    }
    Ok(out)
}

impl Experiment for Analyze {
    type Config = AnalyzeConfig;
    type Point = Point;
    type Output = AnalyzeOutput;

    const NAME: &'static str = "rnn-analyze";
    const TITLE: &'static str = "grid-cell analysis of a path integrator, against two nulls";
    const RESULTS: &'static str = "rnn/analyze";
    const UNIT: &'static str = "trajectories";

    fn new(cfg: AnalyzeConfig) -> anyhow::Result<Self> {
        at_least("bins", cfg.bins, 4)?;
        at_most("bins", cfg.bins, 200)?;
        at_least("trajectories", cfg.trajectories, 1)?;
        at_most("trajectories", cfg.trajectories, 1_000_000)?;
        at_least("steps", cfg.steps, 1)?;
        at_most("steps", cfg.steps, 100_000)?;
        at_least("shifts", cfg.shifts, 1)?;
        at_most("shifts", cfg.shifts, 1000)?;
        at_most("top", cfg.top, 256)?;
        if cfg.trajectories.saturating_mul(cfg.steps) < 10 {
            return Err(bad("trajectories", "trajectories x steps must be at least 10").into());
        }
        let (nets, train) = load(&cfg)?;
        Ok(Analyze { cfg, nets, train })
    }

    fn config(&self) -> &AnalyzeConfig {
        &self.cfg
    }

    fn intro(&self) -> String {
        "Grid-cell analysis of a path-integrating RNN (docs/gridscore.md): per unit, the rate map \
         on held-out trajectories, its autocorrelogram and DeepMind's grid scores (scores.py: \
         score60 mean and min-max forms, score90), spacing and orientation, modules by spacing; \
         decoding error vs time beside chance. Significance, never a best-unit score: units are \
         counted above the 99th percentile of two nulls — maps rebuilt after circularly shifting \
         positions against activity, and the same architecture at initialisation (the trainer's \
         init with the run's seed) — with the initialised network's counts beside them."
            .to_owned()
    }

    fn kernels(&self) -> String {
        "engram-core f32 network (reference step, top-k decoder, walk); grid scores in f64"
            .to_owned()
    }

    fn points(&self) -> Vec<Point> {
        self.nets
            .iter()
            .flat_map(|n| [Kind::Trained, Kind::Init].map(|kind| Point { seed: n.0, kind }))
            .collect()
    }

    fn label(&self, p: &Point) -> String {
        let k = match p.kind {
            Kind::Trained => "trained",
            Kind::Init => "init",
        };
        format!("seed={} {k}", p.seed)
    }

    fn work(&self, _p: &Point) -> u64 {
        self.cfg.trajectories as u64
    }

    fn estimate(&self) -> Result<Estimate, ConfigError> {
        let c = &self.cfg;
        let h = self.nets.iter().map(|n| n.2.dims.hidden).max().unwrap_or(1) as u64;
        let np = self.nets.iter().map(|n| n.2.dims.places).max().unwrap_or(1) as u64;
        let samples =
            Size::of("trajectories", c.trajectories as u64).times("steps", c.steps as u64)?;
        let memory = samples.clone().times("", h * 12)?;
        let output = Size::of("", h)
            .times("bins", (c.bins * c.bins) as u64)?
            .times("", 4 * self.nets.len() as u64)?;
        let flops = 4.0
            * self.nets.len() as f64
            * (samples.get() as f64 * (h * h + 2 * h * np) as f64
                + (h * (1 + c.shifts as u64)) as f64 * 3e5 * (c.bins as f64 / 20.0).powi(4));
        Ok(Estimate::new(
            memory,
            output,
            flops,
            2e9,
            "trajectories/steps/shifts/bins",
        ))
    }

    fn run_point(&self, p: &Point, ctx: &PointCtx<'_>) -> anyhow::Result<Option<AnalyzeOutput>> {
        let c = &self.cfg;
        let trained = self.net(p.seed)?;
        let init;
        let net = match p.kind {
            Kind::Trained => trained,
            Kind::Init => {
                init = init_network(trained, p.seed);
                &init
            }
        };
        let Some(walks) = ctx.par_map(c.trajectories, |i| walk_one(c, net, i))? else {
            return Ok(None);
        };
        let h = net.dims.hidden;
        let side = f64::from(net.meta.box_width);
        let n = c.bins;
        let proto = RateMaps::new(n, 0, side);
        let bins: Vec<usize> = walks
            .iter()
            .flat_map(|w| {
                w.xy.iter()
                    .map(|q| proto.bin(f64::from(q[0]), f64::from(q[1])))
            })
            .collect();
        let total = bins.len();
        let mut counts = vec![0u64; n * n];
        for &b in &bins {
            counts[b] += 1;
        }
        let mut error = vec![0.0; c.steps];
        let mut chance = vec![0.0; c.steps];
        for w in &walks {
            for t in 0..c.steps {
                error[t] += w.error[t] / c.trajectories as f64;
                chance[t] += w.chance[t] / c.trajectories as f64;
            }
        }
        let scorer = GridScorer::new(n);
        let bin_m = side / n as f64;
        let map_of = |u: usize, shift: usize| -> Vec<f64> {
            let mut sums = vec![0.0f64; n * n];
            let mut i = 0usize;
            for w in &walks {
                for t in 0..c.steps {
                    sums[bins[(i + shift) % total]] += f64::from(w.states[t * h + u]);
                    i += 1;
                }
            }
            sums.iter()
                .zip(&counts)
                .map(|(s, &k)| if k == 0 { f64::NAN } else { s / k as f64 })
                .collect()
        };
        let per_unit = |u: usize| -> anyhow::Result<(UnitScore, Vec<f64>, Vec<f64>)> {
            let map = map_of(u, 0);
            let s = score_map(&scorer, &map, bin_m)?;
            let mut rng = Rng::keyed(
                c.data_seed,
                &[
                    key_str("engram/rnn/analyze/shift/v1"),
                    p.seed,
                    p.kind as u64,
                    u as u64,
                ],
            );
            let lo = (total / 10).max(1);
            let span = (total - 2 * lo.min(total / 2)).max(1) as u64;
            let shifted = (0..c.shifts)
                .map(|_| {
                    let off = lo + rng.below(span) as usize;
                    score_map(&scorer, &map_of(u, off % total), bin_m).map(|s| s.score60)
                })
                .collect::<anyhow::Result<Vec<f64>>>()?;
            Ok((s, shifted, map))
        };
        let Some(res) = ctx.par_map(h, per_unit)? else {
            return Ok(None);
        };
        let keep_maps = p.kind == Kind::Trained;
        let mut out = AnalyzeOutput {
            units: Vec::with_capacity(h),
            shifted60: Vec::with_capacity(h * c.shifts),
            maps: Vec::new(),
            error,
            chance,
        };
        for (s, sh, m) in res {
            out.units.push(s);
            out.shifted60.extend(sh);
            if keep_maps {
                out.maps.push(NanVec(m));
            }
        }
        Ok(Some(out))
    }

    fn checks(&self, done: &[Done<'_, Self>]) -> Vec<Check> {
        let mut checks = Vec::new();
        for (seed, _, _) in &self.nets {
            let Some(pair) = Pair::find(done, *seed) else {
                continue;
            };
            let at = format!("seed={seed}");
            let t = pair.trained;
            let last = t.error.last().copied().unwrap_or(f64::NAN);
            let ch = t.chance.last().copied().unwrap_or(f64::NAN);
            checks.push(
                Check::new(
                    format!(
                        "decoding error at step {} (cm; chance {:.1} cm)",
                        t.error.len(),
                        100.0 * ch
                    ),
                    Some(100.0 * last),
                )
                .at(&at)
                .rule(format!("< chance {:.1}", 100.0 * ch), |v| v < 100.0 * ch),
            );
            let c = pair.counts();
            let h = t.units.len();
            checks.push(
                Check::new(
                    format!(
                        "units above the shifted null's p99 = {:.3} (initialised network: {} of {h} above its own shifted p99 {:.3})",
                        c.shift_p99, c.init_above_shift, c.init_shift_p99
                    ),
                    Some(c.above_shift as f64),
                )
                .at(&at)
                .not_applicable("reported, not checked: the shifted null is weak (white-noise-like)"),
            );
            let kmin = binomial_threshold(h, ALPHA, ALPHA);
            let what = format!(
                "units above the initialisation null's p99 = {:.3} (initialised network: {} of {h}); P(X ≥ k) = {:.2e}, X ~ Binomial({h}, 0.01)",
                c.init_p99,
                c.init_above_init,
                binomial_tail(c.above_init, h, ALPHA)
            );
            let check = Check::new(what, Some(c.above_init as f64)).at(&at);
            checks.push(if self.grid_trained() {
                check.rule(
                    format!("≥ {kmin} of {h} (binomial tail p < 0.01)"),
                    move |v| v >= kmin as f64,
                )
            } else if self.train.is_none() {
                check.not_applicable(
                    "no training configuration (--weights): the grid-preset test needs RUN_DIR",
                )
            } else {
                check.not_applicable(
                    "not trained like the grid preset (periodic box with weight decay > 0)",
                )
            });
        }
        checks
    }

    fn write_outputs(&self, out: &ResultsDir, done: &[Done<'_, Self>]) -> anyhow::Result<Files> {
        let mut files = Files::default();
        let mut rows = Vec::new();
        for (seed, _, net) in &self.nets {
            let Some(pair) = Pair::find(done, *seed) else {
                continue;
            };
            let sfx = self.suffix(*seed);
            let c = pair.counts();
            let t = pair.trained;
            let n = self.cfg.bins;
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
            super::npy::write(&mut bytes, &[t.maps.len(), n, n], &flat)?;
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
            order.truncate(self.cfg.top);
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

/// A seed's two finished points.
struct Pair<'a> {
    trained: &'a AnalyzeOutput,
    init: &'a AnalyzeOutput,
}

/// Thresholds and counts of a seed.
struct Counts {
    shift_p99: f64,
    init_shift_p99: f64,
    init_p99: f64,
    above_shift: usize,
    above_init: usize,
    init_above_shift: usize,
    init_above_init: usize,
}

impl<'a> Pair<'a> {
    fn find(done: &'a [Done<'a, Analyze>], seed: u64) -> Option<Self> {
        let get = |k: Kind| {
            done.iter()
                .find(|d| d.point.seed == seed && d.point.kind == k)
                .map(|d| d.output)
        };
        Some(Pair {
            trained: get(Kind::Trained)?,
            init: get(Kind::Init)?,
        })
    }

    fn counts(&self) -> Counts {
        let s60 = |o: &AnalyzeOutput| o.units.iter().map(|u| u.score60).collect::<Vec<f64>>();
        let (t, i) = (s60(self.trained), s60(self.init));
        let shift_p99 = percentile(&self.trained.shifted60, 99.0);
        let init_shift_p99 = percentile(&self.init.shifted60, 99.0);
        let init_p99 = percentile(&i, 99.0);
        Counts {
            shift_p99,
            init_shift_p99,
            init_p99,
            above_shift: count_above(&t, shift_p99),
            above_init: count_above(&t, init_p99),
            init_above_shift: count_above(&i, init_shift_p99),
            init_above_init: count_above(&i, init_p99),
        }
    }
}

fn scores_figure(t: &AnalyzeOutput, i: &AnalyzeOutput, c: &Counts) -> Figure {
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

fn decoding_figure(t: &AnalyzeOutput, i: &AnalyzeOutput, dt: f32) -> Figure {
    let line = |label: &str, ys: &[f64], color: usize, dashed: bool| Series {
        label: label.to_owned(),
        points: ys
            .iter()
            .enumerate()
            .map(|(k, &y)| ((k + 1) as f64, 100.0 * y))
            .collect(),
        color,
        dashed,
        marker: if dashed {
            Marker::None
        } else {
            Marker::SparseCircle
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_and_threshold() {
        // P(X ≥ 1) = 1 − 0.99^n.
        let n = 64;
        assert!((binomial_tail(1, n, 0.01) - (1.0 - 0.99f64.powi(64))).abs() < 1e-12);
        let k = binomial_threshold(n, 0.01, 0.01);
        assert!(binomial_tail(k, n, 0.01) < 0.01 && binomial_tail(k - 1, n, 0.01) >= 0.01);
        // 256 units: mean 2.56, at least 7 are needed.
        assert_eq!(binomial_threshold(256, 0.01, 0.01), 8);
        assert_eq!(binomial_tail(n + 1, n, 0.01), 0.0);
    }

    #[test]
    fn nan_fields_survive_the_checkpoint() {
        let dir = std::env::temp_dir().join(format!("engram-analyze-nan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = crate::experiment::ResultsDir::open(&dir, "rnn-analyze", false).unwrap();
        let u = UnitScore {
            score60: 0.5,
            score60_minmax: -0.25,
            score90: 0.0,
            spacing: f64::NAN,
            orientation: f64::NAN,
        };
        d.append_point(0, &(u, NanVec(vec![1.0, f64::NAN])))
            .unwrap();
        let back: std::collections::BTreeMap<usize, (UnitScore, NanVec)> = d.read_points().unwrap();
        let (b, v) = &back[&0];
        assert!(b.spacing.is_nan() && b.score60 == 0.5);
        assert!(v.0[0] == 1.0 && v.0[1].is_nan());
    }
}
