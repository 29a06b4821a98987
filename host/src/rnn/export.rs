//! `engram rnn export RUN_DIR --out FILE [--int8]`: a trained network as the core's blob, f32 or
//! int8 (`docs/rnn.md`, "Export and import").
//!
//! The run directory of `engram rnn train` holds `network.bin`, an f32 network blob
//! ([`engram_core::rnn::write_model`]). Export loads it through the core's own checks
//! ([`Model::from_blob`]: what a board accepts) and writes
//!
//! - **f32**: the same network, re-encoded by `write_model` (byte-identical to a canonical blob);
//! - **int8** (`--int8`): weights quantized per row (s_r = max|W[r,·]|/127), activation scales
//!   calibrated on held-out trajectories of the core's walk: a = headroom · max|x| / 32767 over
//!   the inputs v and the states g₀ … g_T of the f32 network ([`ActScales::calibrate`]; headroom
//!   1.25 as for the demo blobs).
//!
//! **Held-out trajectories.** Calibration uses the walks keyed (seed, [`CALIB_BATCH`] = 2⁶³, i),
//! the decoding-error report those keyed (seed, [`EVAL_BATCH`] = 2⁶³ + 1, i), i = 0 … n−1: batch
//! numbers a training run never reaches (its batches are its step numbers; the trainer's own
//! held-out sets use 2⁶⁴ − 1 and just below), so neither set was trained on, whatever the seed.
//! The walk and the start's place code follow the blob's metadata (box,
//! dt, periodic, place code, σ, surround), the decoder its top-k. Trajectories run in parallel;
//! every result is summed in trajectory order, so it does not depend on the thread count.
//!
//! `--out` is never overwritten without `--force`; the file is written to a temporary name and
//! renamed, so a failed export leaves nothing behind. A missing or corrupt input is one line
//! naming the file and the defect.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use engram_core::blob::Blob;
use engram_core::rnn::place::{PlaceCells, PlaceConfig, PlaceProfile};
use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
use engram_core::rnn::{
    ActScales, Dims, Meta, Model, ModelNet, ModelWeights, Network, PlaceCodeKind, QuantMatrix,
    QuantWeights, Weights, model_len, quantize_rows, write_model,
};
use rayon::prelude::*;

/// The file of a run directory that holds the trained f32 network.
pub const NETWORK_FILE: &str = "network.bin";
/// Batch number of the calibration trajectories, 2⁶³: never a training step (a run's batches are
/// its step numbers) nor the trainer's own held-out batches (2⁶⁴ − 1 and just below).
pub const CALIB_BATCH: u64 = 1 << 63;
/// Batch number of the evaluation trajectories, 2⁶³ + 1 (as [`CALIB_BATCH`]).
pub const EVAL_BATCH: u64 = (1 << 63) + 1;

/// How to calibrate activation scales and measure decoding error.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Seed of the held-out trajectories (`--calib-seed`).
    pub seed: u64,
    /// Calibration trajectories (`--calib-trajectories`).
    pub trajectories: usize,
    /// Steps per trajectory, for calibration and evaluation (`--calib-steps`).
    pub steps: usize,
    /// Headroom ≥ 1 over the largest magnitude seen (`--headroom`).
    pub headroom: f32,
    /// Evaluation trajectories; 0 skips the report (`--eval`).
    pub eval: usize,
}

impl Default for Calibration {
    fn default() -> Self {
        Self {
            seed: 0,
            trajectories: 200,
            steps: 20,
            headroom: 1.25,
            eval: 200,
        }
    }
}

impl Calibration {
    /// Checks the flags; the error names the flag.
    pub fn validate(&self, int8: bool) -> anyhow::Result<()> {
        if int8 && self.trajectories == 0 {
            bail!("--calib-trajectories must be at least 1 with --int8");
        }
        if self.steps == 0 || self.steps > 100_000 {
            bail!("--calib-steps must be in 1..=100000");
        }
        if !(self.headroom.is_finite() && (1.0..=1000.0).contains(&self.headroom)) {
            bail!("--headroom must be a number in [1, 1000]");
        }
        if self.trajectories > 1_000_000 || self.eval > 1_000_000 {
            bail!("--calib-trajectories and --eval must be at most 1000000");
        }
        Ok(())
    }
}

/// A network's f32 weights, owned, with its sizes, metadata and centres.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedNet {
    /// Sizes.
    pub dims: Dims,
    /// Metadata.
    pub meta: Meta,
    /// W_ih, H × I.
    pub w_ih: Vec<f32>,
    /// W_hh, H × H.
    pub w_hh: Vec<f32>,
    /// b, H.
    pub bias: Option<Vec<f32>>,
    /// W_enc, H × Np.
    pub w_enc: Option<Vec<f32>>,
    /// W_dec, Np × H.
    pub w_dec: Vec<f32>,
    /// Centres, Np × 2.
    pub centres: Vec<f32>,
}

/// An int8 matrix, owned.
#[derive(Debug, Clone, PartialEq)]
struct OwnedQ {
    q: Vec<i8>,
    scale: Vec<f32>,
}

impl OwnedQ {
    fn new(w: &[f32], rows: usize, cols: usize) -> anyhow::Result<Self> {
        let mut q = vec![0i8; rows * cols];
        let mut scale = vec![0.0f32; rows];
        quantize_rows(w, rows, cols, &mut q, &mut scale)?;
        Ok(Self { q, scale })
    }

    fn view(&self) -> QuantMatrix<'_> {
        QuantMatrix {
            q: &self.q,
            scale: &self.scale,
        }
    }
}

impl OwnedNet {
    /// The core's hand-built exact path integrator (`engram_core::rnn::integrator_weights`):
    /// `h` units, Gaussian place cells (σ = 0.12 m) on a `side × side` grid in the 2.2 m box,
    /// ReLU, top-3 decoding — a known network for tests and examples.
    ///
    /// ```
    /// let net = engram::rnn::export::OwnedNet::integrator(16, 6)?;
    /// assert_eq!((net.dims.hidden, net.dims.places), (16, 36));
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn integrator(h: usize, side: usize) -> anyhow::Result<Self> {
        use engram_core::rnn::{Activation, grid_centres, integrator_weights};
        let np = side * side;
        let mut centres = vec![0.0f32; 2 * np];
        grid_centres(side, 2.2, &mut centres)?;
        let (mut ih, mut hh, mut enc, mut dec) = (
            vec![0.0; 2 * h],
            vec![0.0; h * h],
            vec![0.0; h * np],
            vec![0.0; np * h],
        );
        integrator_weights(h, 1.6, 0.12, &centres, &mut ih, &mut hh, &mut enc, &mut dec)?;
        Ok(OwnedNet {
            dims: Dims::new(2, h, np),
            meta: Meta {
                activation: Activation::Relu,
                place_code: PlaceCodeKind::Gaussian,
                periodic: false,
                decode_k: 3,
                box_width: 2.2,
                box_height: 2.2,
                dt: 0.02,
                sigma: 0.12,
                surround: 0.0,
            },
            w_ih: ih,
            w_hh: hh,
            bias: None,
            w_enc: Some(enc),
            w_dec: dec,
            centres,
        })
    }

    /// The f32 network of a loaded model (`None` for an int8 one).
    pub fn from_model(m: &Model<'_>) -> Option<Self> {
        let ModelNet::F32(net) = m.net else {
            return None;
        };
        let w = net.weights();
        Some(Self {
            dims: m.dims,
            meta: m.meta,
            w_ih: w.w_ih.to_vec(),
            w_hh: w.w_hh.to_vec(),
            bias: w.bias.map(<[f32]>::to_vec),
            w_enc: w.w_enc.map(<[f32]>::to_vec),
            w_dec: w.w_dec.to_vec(),
            centres: m.centres.to_vec(),
        })
    }

    /// Borrowed weights.
    pub fn weights(&self) -> Weights<'_, f32> {
        Weights {
            w_ih: &self.w_ih,
            w_hh: &self.w_hh,
            bias: self.bias.as_deref(),
            w_enc: self.w_enc.as_deref(),
            w_dec: &self.w_dec,
        }
    }

    /// The f32 network (checks the weights).
    pub fn network(&self) -> anyhow::Result<Network<'_, f32>> {
        Ok(Network::new(
            self.dims,
            self.meta.activation,
            self.weights(),
        )?)
    }

    /// The f32 blob.
    pub fn f32_blob(&self) -> anyhow::Result<Vec<u8>> {
        blob_bytes(
            self.dims,
            &self.meta,
            ModelWeights::F32(self.weights()),
            &self.centres,
        )
    }

    /// The int8 blob with activation `scales` (weights quantized per row).
    pub fn int8_blob(&self, scales: ActScales) -> anyhow::Result<Vec<u8>> {
        let (i, h, p) = (self.dims.inputs, self.dims.hidden, self.dims.places);
        let w_ih = OwnedQ::new(&self.w_ih, h, i)?;
        let w_hh = OwnedQ::new(&self.w_hh, h, h)?;
        let w_enc = match &self.w_enc {
            Some(e) => Some(OwnedQ::new(e, h, p)?),
            None => None,
        };
        let w_dec = OwnedQ::new(&self.w_dec, p, h)?;
        let w = QuantWeights {
            w_ih: w_ih.view(),
            w_hh: w_hh.view(),
            bias: self.bias.as_deref(),
            w_enc: w_enc.as_ref().map(OwnedQ::view),
            w_dec: w_dec.view(),
        };
        blob_bytes(
            self.dims,
            &self.meta,
            ModelWeights::Int8(w, scales),
            &self.centres,
        )
    }
}

/// A network blob in a fresh buffer ([`model_len`], then [`write_model`]).
pub fn blob_bytes(
    dims: Dims,
    meta: &Meta,
    weights: ModelWeights<'_>,
    centres: &[f32],
) -> anyhow::Result<Vec<u8>> {
    let n = model_len(dims, meta, weights, centres)?;
    let mut out = vec![0u8; n];
    let written = write_model(&mut out, dims, meta, weights, centres)?;
    out.truncate(written);
    Ok(out)
}

/// `bytes` in a 16-byte-aligned buffer (the blob's typed views need alignment): the buffer and
/// the offset of the copy in it.
pub fn aligned(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut store = vec![0u8; bytes.len() + 16];
    let off = store.as_ptr().align_offset(16).min(16);
    store[off..off + bytes.len()].copy_from_slice(bytes);
    (store, off)
}

/// Calls `f` with the model in `bytes`, or returns the core's one-line defect.
pub fn with_model<R>(
    bytes: &[u8],
    f: impl FnOnce(&Model<'_>) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    let (store, off) = aligned(bytes);
    let data = &store[off..off + bytes.len()];
    let blob = Blob::parse(data).map_err(|e| anyhow::anyhow!("{e}"))?;
    let model = Model::from_blob(&blob).map_err(|e| anyhow::anyhow!("{e}"))?;
    f(&model)
}

/// The walk of the blob's box: Sorscher et al.'s, walled or periodic, side and dt from the
/// metadata (dt 0 = unknown → 0.02 s).
///
/// Errors: a non-square box (the walk is square), or a box too small for the walk's steps.
pub fn walk_config(meta: &Meta) -> anyhow::Result<TrajectoryConfig<f32>> {
    if meta.box_width != meta.box_height {
        bail!(
            "the walk needs a square box, the network's is {} m x {} m",
            meta.box_width,
            meta.box_height
        );
    }
    let base = if meta.periodic {
        TrajectoryConfig::periodic()
    } else {
        TrajectoryConfig::sorscher()
    };
    let cfg = TrajectoryConfig {
        box_size: meta.box_width,
        dt: if meta.dt > 0.0 { meta.dt } else { base.dt },
        ..base
    };
    cfg.validate()
        .map_err(|e| anyhow::anyhow!("the network's box and dt do not suit the walk: {e}"))?;
    Ok(cfg)
}

/// The place code the network's start state is encoded from: the blob's kind and σ; a
/// difference of softmaxes has surround variance scale s = ratio² (the blob stores the ratio
/// σ_surround/σ).
///
/// Errors: a blob that records no place code or no σ (its encoder cannot be fed).
pub fn place_config(meta: &Meta) -> anyhow::Result<PlaceConfig<f32>> {
    if meta.sigma <= 0.0 {
        bail!("the network records no place-cell sigma (rnn.geometry[3] = 0)");
    }
    let profile = match meta.place_code {
        PlaceCodeKind::Gaussian => PlaceProfile::Gaussian,
        PlaceCodeKind::DifferenceOfSoftmaxes => {
            if meta.surround <= 0.0 {
                bail!("the network's difference-of-softmaxes code has no surround ratio");
            }
            PlaceProfile::DifferenceOfSoftmaxes {
                surround_scale: meta.surround * meta.surround,
            }
        }
        PlaceCodeKind::Unspecified => {
            bail!("the network records no place code (rnn.config[8] = 0)")
        }
    };
    Ok(PlaceConfig {
        sigma: meta.sigma,
        profile,
        box_size: meta.box_width,
        periodic: meta.periodic,
    })
}

/// One held-out trajectory: the start's place code (empty without an encoder), the inputs
/// (T × 2) and the true positions (T × 2).
struct Path2 {
    code: Vec<f32>,
    v: Vec<f32>,
    xy: Vec<[f32; 2]>,
}

fn held_out(
    meta: &Meta,
    centres: &[f32],
    encoder: bool,
    key: TrajectoryKey,
    steps: usize,
) -> anyhow::Result<Path2> {
    let mut w = Walker::new(&walk_config(meta)?, key)?;
    let (x0, y0) = w.start();
    let mut code = Vec::new();
    if encoder {
        let cells = PlaceCells::new(centres, place_config(meta)?)?;
        code = vec![0.0f32; cells.len()];
        let mut scratch = vec![0.0f32; cells.len()];
        cells.encode([x0, y0], &mut code, &mut scratch)?;
    }
    let mut v = Vec::with_capacity(2 * steps);
    let mut xy = Vec::with_capacity(steps);
    for _ in 0..steps {
        let s = w.step();
        v.extend([s.dx, s.dy]);
        xy.push([s.x, s.y]);
    }
    Ok(Path2 { code, v, xy })
}

fn need_planar(dims: Dims) -> anyhow::Result<()> {
    if dims.inputs != 2 {
        bail!(
            "the network has I = {} inputs; the walk feeds 2 (a planar displacement)",
            dims.inputs
        );
    }
    Ok(())
}

/// Activation scales for `net` from `cal.trajectories` held-out walks of `cal.steps` steps
/// (keyed (seed, [`CALIB_BATCH`], i)): the largest |v| and |g| (g₀ included) of the f32 network.
pub fn calibrate(net: &OwnedNet, cal: &Calibration) -> anyhow::Result<ActScales> {
    need_planar(net.dims)?;
    let network = net.network()?;
    let h = net.dims.hidden;
    let one = |i: usize| -> anyhow::Result<(f32, f32)> {
        let key = TrajectoryKey::new(cal.seed, CALIB_BATCH, i as u64);
        let p = held_out(&net.meta, &net.centres, net.w_enc.is_some(), key, cal.steps)?;
        let mut g0 = vec![0.0f32; h];
        if net.w_enc.is_some() {
            network.encode(&p.code, &mut g0)?;
        }
        let mut states = vec![0.0f32; cal.steps * h];
        network.sequence(&p.v, &g0, &mut states)?;
        let max = |xs: &[f32]| xs.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        Ok((max(&p.v), max(&g0).max(max(&states))))
    };
    let maxima: Vec<(f32, f32)> = (0..cal.trajectories)
        .into_par_iter()
        .map(one)
        .collect::<anyhow::Result<_>>()?;
    let (mv, mg) = maxima
        .iter()
        .fold((0.0f32, 0.0f32), |(a, b), &(v, g)| (a.max(v), b.max(g)));
    if !(mv.is_finite() && mg.is_finite()) {
        bail!("the f32 network's states overflow on the calibration trajectories");
    }
    Ok(ActScales::calibrate(mv, mg, cal.headroom)?)
}

/// Decoding error of a network on held-out walks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodingError {
    /// Trajectories.
    pub trajectories: usize,
    /// Steps per trajectory.
    pub steps: usize,
    /// Mean over every step of every trajectory (m).
    pub mean: f64,
    /// Mean over trajectories of the last step's error (m).
    pub final_mean: f64,
}

/// The decoding error (top-k of the readout, the blob's k and topology) of the network in
/// `model` on `n` walks of `steps` steps keyed (seed, [`EVAL_BATCH`], i).
pub fn decoding_error(
    model: &Model<'_>,
    seed: u64,
    n: usize,
    steps: usize,
) -> anyhow::Result<DecodingError> {
    need_planar(model.dims)?;
    let (h, np) = (model.dims.hidden, model.dims.places);
    let topology = model.meta.topology();
    let k = model.meta.decode_k;
    let one = |i: usize| -> anyhow::Result<(f64, f64)> {
        let key = TrajectoryKey::new(seed, EVAL_BATCH, i as u64);
        let p = held_out(&model.meta, model.centres, model.has_encoder, key, steps)?;
        let mut logits = vec![0.0f32; np];
        let mut top = vec![0usize; k];
        let (mut sum, mut last) = (0.0f64, 0.0f64);
        let mut score = |logits: &[f32], t: usize| -> anyhow::Result<()> {
            let xy = engram_core::rnn::decode_top_k(logits, model.centres, topology, &mut top)?;
            let e = f64::from(topology.distance(xy, p.xy[t]));
            sum += e;
            last = e;
            Ok(())
        };
        match model.net {
            ModelNet::F32(net) => {
                let mut g = vec![0.0f32; h];
                let mut next = vec![0.0f32; h];
                if model.has_encoder {
                    net.encode(&p.code, &mut g)?;
                }
                for t in 0..steps {
                    net.step(&p.v[2 * t..2 * t + 2], &g, &mut next)?;
                    std::mem::swap(&mut g, &mut next);
                    net.readout(&g, &mut logits)?;
                    score(&logits, t)?;
                }
            }
            ModelNet::Int8(net) => {
                let mut g = vec![0i16; h];
                let mut next = vec![0i16; h];
                let (mut qv, mut z) = (vec![0i16; 2], vec![0.0f32; h]);
                if model.has_encoder {
                    net.encode(&p.code, &mut g)?;
                }
                for t in 0..steps {
                    net.step(&p.v[2 * t..2 * t + 2], &g, &mut next, &mut qv, &mut z)?;
                    std::mem::swap(&mut g, &mut next);
                    net.readout(&g, &mut logits)?;
                    score(&logits, t)?;
                }
            }
        }
        Ok((sum, last))
    };
    let per: Vec<(f64, f64)> = (0..n)
        .into_par_iter()
        .map(one)
        .collect::<anyhow::Result<_>>()?;
    let (mut sum, mut last) = (0.0f64, 0.0f64);
    for (s, l) in &per {
        sum += s;
        last += l;
    }
    let n_f = n.max(1) as f64;
    Ok(DecodingError {
        trajectories: n,
        steps,
        mean: sum / (n_f * steps.max(1) as f64),
        final_mean: last / n_f,
    })
}

/// Writes `bytes` to `path`: refused if it exists unless `force`; written to a temporary file in
/// the same directory and renamed, so a failure leaves no partial file. `flag` names the option
/// in errors.
pub fn write_new(path: &Path, bytes: &[u8], force: bool, flag: &str) -> anyhow::Result<()> {
    if !force && (path.exists() || path.is_symlink()) {
        bail!(
            "{flag}: {} exists (pass --force to overwrite)",
            path.display()
        );
    }
    if path.is_dir() {
        bail!("{flag}: {} is a directory", path.display());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| anyhow::anyhow!("{flag}: cannot write {}: {e}", path.display()));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// What to export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportConfig {
    /// The run directory (or a network blob file).
    pub run_dir: PathBuf,
    /// The output blob.
    pub out: PathBuf,
    /// Quantize to int8.
    pub int8: bool,
    /// Overwrite `out`.
    pub force: bool,
    /// Calibration and evaluation.
    pub calibration: Calibration,
}

/// What an export or import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The activation scales (int8).
    pub scales: Option<ActScales>,
    /// Decoding error of the f32 network, if evaluated.
    pub f32_error: Option<DecodingError>,
    /// Decoding error of the written int8 network, if evaluated.
    pub int8_error: Option<DecodingError>,
}

/// The network file of a run directory (or `run_dir` itself if it is a file).
pub fn network_path(run_dir: &Path) -> anyhow::Result<PathBuf> {
    if run_dir.is_file() {
        return Ok(run_dir.to_path_buf());
    }
    if !run_dir.is_dir() {
        bail!(
            "{}: no such run directory (give the --out directory of `engram rnn train`)",
            run_dir.display()
        );
    }
    let p = run_dir.join(NETWORK_FILE);
    if !p.is_file() {
        let mut seeds: Vec<String> = std::fs::read_dir(run_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with("network-seed") && !n.contains("-step") && n.ends_with(".bin")
            })
            .collect();
        seeds.sort();
        if let Some(first) = seeds.first() {
            bail!(
                "{}: a run of several seeds ({}); give one network file, e.g. {}",
                run_dir.display(),
                seeds.join(", "),
                run_dir.join(first).display()
            );
        }
        bail!(
            "{}: missing (a finished `engram rnn train` run holds its network in {NETWORK_FILE})",
            p.display()
        );
    }
    Ok(p)
}

/// Reads the f32 network in `path`; a defect is one line naming the file.
pub fn read_f32_network(path: &Path) -> anyhow::Result<OwnedNet> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    f32_network(&bytes, &path.display().to_string())
}

/// The f32 network in a blob's `bytes` (errors begin with `origin`, e.g. its file name).
pub fn f32_network(bytes: &[u8], origin: &str) -> anyhow::Result<OwnedNet> {
    let net = with_model(bytes, |m| Ok(OwnedNet::from_model(m)))
        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    net.ok_or_else(|| {
        anyhow::anyhow!(
            "{origin}: holds int8 weights; export needs the f32 network the trainer writes"
        )
    })
}

/// Encodes `net` as f32 or int8 (calibrating), evaluates if asked, and writes `out`.
pub fn encode_and_write(
    net: &OwnedNet,
    int8: bool,
    cal: &Calibration,
    out: &Path,
    force: bool,
) -> anyhow::Result<Written> {
    cal.validate(int8)?;
    if !force && (out.exists() || out.is_symlink()) {
        bail!(
            "--out: {} exists (pass --force to overwrite)",
            out.display()
        );
    }
    let f32_bytes = net.f32_blob()?;
    let eval = |bytes: &[u8]| -> anyhow::Result<Option<DecodingError>> {
        if cal.eval == 0 {
            return Ok(None);
        }
        with_model(bytes, |m| {
            decoding_error(m, cal.seed, cal.eval, cal.steps).map(Some)
        })
    };
    let f32_error = eval(&f32_bytes)?;
    let (bytes, scales, int8_error) = if int8 {
        let scales = calibrate(net, cal)?;
        let b = net.int8_blob(scales)?;
        let e = eval(&b)?;
        (b, Some(scales), e)
    } else {
        (f32_bytes, None, None)
    };
    // What is written must load back (the core checked it while writing; check the file's bytes).
    with_model(&bytes, |_| Ok(()))?;
    write_new(out, &bytes, force, "--out")?;
    Ok(Written {
        path: out.to_path_buf(),
        bytes,
        scales,
        f32_error,
        int8_error,
    })
}

/// Runs `engram rnn export`.
pub fn export(cfg: &ExportConfig) -> anyhow::Result<Written> {
    cfg.calibration.validate(cfg.int8)?;
    let path = network_path(&cfg.run_dir)?;
    let net = read_f32_network(&path)?;
    encode_and_write(&net, cfg.int8, &cfg.calibration, &cfg.out, cfg.force)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// A report of what was written: file, size, checksum, network, scales, decoding errors.
pub fn describe(w: &Written, cal: &Calibration) -> String {
    let mut s = String::new();
    let _ = with_model(&w.bytes, |m| {
        let (store, off) = aligned(&w.bytes);
        let crc = Blob::parse(&store[off..off + w.bytes.len()])
            .map(|b| b.checksum())
            .unwrap_or(0);
        let d = m.dims;
        let _ = writeln!(
            s,
            "wrote {}: {} network blob, {} bytes, CRC-32C {crc:08x}; I = {}, H = {}, Np = {}, {}, {} box {} m, bias {}, encoder {}",
            w.path.display(),
            m.net.dtype(),
            w.bytes.len(),
            d.inputs,
            d.hidden,
            d.places,
            m.meta.activation,
            if m.meta.periodic {
                "periodic"
            } else {
                "walled"
            },
            m.meta.box_width,
            if m.has_bias { "yes" } else { "no" },
            if m.has_encoder { "yes" } else { "no" },
        );
        Ok(())
    });
    if let Some(a) = w.scales {
        let _ = writeln!(
            s,
            "int8: per-row weight scales; activation scales a_v = {:e}, a_g = {:e} (headroom {} over {} held-out trajectories x {} steps, keys (seed {}, batch 2^63, i))",
            a.input, a.state, cal.headroom, cal.trajectories, cal.steps, cal.seed
        );
    }
    let line = |name: &str, e: &DecodingError| {
        format!(
            "decoding error {name}: {:.2} cm mean over all steps, {:.2} cm at step {} ({} held-out trajectories, keys (seed {}, batch 2^63+1, i))",
            100.0 * e.mean,
            100.0 * e.final_mean,
            e.steps,
            e.trajectories,
            cal.seed
        )
    };
    if let Some(e) = &w.f32_error {
        let _ = writeln!(s, "{}", line("f32", e));
    }
    if let Some(e) = &w.int8_error {
        let _ = writeln!(s, "{}", line("int8", e));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_blob_round_trips_and_int8_stays_close() {
        let net = OwnedNet::integrator(16, 6).unwrap();
        let bytes = net.f32_blob().unwrap();
        let back = with_model(&bytes, |m| Ok(OwnedNet::from_model(m))).unwrap();
        assert_eq!(back.as_ref(), Some(&net));
        let cal = Calibration {
            trajectories: 20,
            eval: 40,
            ..Calibration::default()
        };
        let scales = calibrate(&net, &cal).unwrap();
        // The integrator's states are U x + c·1 with c = 1.6 m: |g| ≤ 1.6 + 1.1·√2 < 3.2.
        assert!(scales.state > 1.25 * 1.6 / 32767.0 && scales.state < 1.25 * 3.2 / 32767.0);
        let q = net.int8_blob(scales).unwrap();
        let ef = with_model(&bytes, |m| decoding_error(m, 0, 40, 20)).unwrap();
        let eq = with_model(&q, |m| decoding_error(m, 0, 40, 20)).unwrap();
        // A 6 × 6 grid (44 cm spacing): the top-3 decoder is coarse, but it path-integrates.
        assert!(ef.mean < 0.25, "{ef:?}");
        assert!(eq.mean <= ef.mean + 0.02, "{ef:?} {eq:?}");
        // Thread-count independent and deterministic.
        let again = with_model(&q, |m| decoding_error(m, 0, 40, 20)).unwrap();
        assert_eq!(again, eq);
    }

    #[test]
    fn place_config_follows_the_metadata() {
        let mut m = OwnedNet::integrator(16, 6).unwrap().meta;
        assert_eq!(place_config(&m).unwrap().profile, PlaceProfile::Gaussian);
        m.place_code = PlaceCodeKind::DifferenceOfSoftmaxes;
        assert!(place_config(&m).is_err());
        m.surround = 2.0f32.sqrt();
        let PlaceProfile::DifferenceOfSoftmaxes { surround_scale } =
            place_config(&m).unwrap().profile
        else {
            panic!()
        };
        assert!((surround_scale - 2.0).abs() < 1e-6);
        m.place_code = PlaceCodeKind::Unspecified;
        assert!(
            place_config(&m)
                .unwrap_err()
                .to_string()
                .contains("no place code")
        );
        m.box_height = 1.0;
        assert!(walk_config(&m).unwrap_err().to_string().contains("square"));
    }
}
