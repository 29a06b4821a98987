//! `engram rnn trajectories`: batches of simulated trajectories (and optionally their place-cell
//! targets) written as CSV or NumPy `.npy`, from the core's generator
//! ([`engram_core::rnn::trajectory`]) — the same bits a board or the trainer draws for the same
//! (seed, batch, index). See `docs/trajectories.md`.
//!
//! Output is streamed in chunks of trajectories generated in parallel (rayon); the file depends
//! only on the arguments, never on the thread count.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use engram_core::rnn::place::{PlaceCells, PlaceConfig, uniform_centres};
use engram_core::rnn::trajectory::{Boundary, TrajectoryConfig, TrajectoryKey, Walker};
use rayon::prelude::*;
use serde_json::json;

use super::npy;

/// Columns of the trajectory array, in order.
pub const COLUMNS: [&str; 5] = ["x", "y", "heading", "vx", "vy"];
/// The largest output accepted: 2³⁰ values (4 GiB of `f32`) over all arrays.
pub const MAX_VALUES: u64 = 1 << 30;
/// Values generated per chunk (bounds memory whatever the sizes): 2²² (16 MiB of `f32`).
const CHUNK_VALUES: usize = 1 << 22;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoriesConfig {
    /// Trajectories B (`--batch`).
    pub batch: usize,
    /// Steps T per trajectory (`--seq-len`).
    pub seq_len: usize,
    /// Master seed (`--seed`); trajectory i is keyed (seed, 0, i), centres by seed.
    pub seed: u64,
    /// Torus instead of walls (`--periodic`).
    pub periodic: bool,
    /// Box side L in m (`--box`).
    pub box_size: f32,
    /// Time step in s (`--dt`).
    pub dt: f32,
    /// Place cells Np for targets (`--targets`), if any.
    pub targets: Option<usize>,
}

impl Default for TrajectoriesConfig {
    fn default() -> Self {
        Self {
            batch: 200,
            seq_len: 20,
            seed: 0,
            periodic: false,
            box_size: 2.2,
            dt: 0.02,
            targets: None,
        }
    }
}

/// A bad argument: the message names the flag.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

impl TrajectoriesConfig {
    /// The core walk's configuration.
    pub fn walk(&self) -> TrajectoryConfig<f32> {
        let base = if self.periodic {
            TrajectoryConfig::periodic()
        } else {
            TrajectoryConfig::sorscher()
        };
        TrajectoryConfig {
            box_size: self.box_size,
            dt: self.dt,
            ..base
        }
    }

    /// The place cells' configuration (σ = 0.12 m, difference of softmaxes, surround scale 2).
    pub fn place(&self) -> PlaceConfig<f32> {
        PlaceConfig {
            box_size: self.box_size,
            periodic: self.periodic,
            ..PlaceConfig::sorscher()
        }
    }

    /// Columns per step over all arrays: 5 (+ Np).
    pub fn width(&self) -> usize {
        COLUMNS.len() + self.targets.unwrap_or(0)
    }

    /// Checks every argument before anything is allocated or written; the error names the flag.
    pub fn validate(&self) -> Result<(), ArgError> {
        let bad = |m: &str| Err(ArgError(m.to_string()));
        if self.batch == 0 {
            return bad("--batch must be at least 1");
        }
        if self.seq_len == 0 {
            return bad("--seq-len must be at least 1");
        }
        if !(self.box_size.is_finite() && self.box_size > 0.0) {
            return bad("--box must be a finite length > 0 (m)");
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return bad("--dt must be a finite time > 0 (s)");
        }
        if self.walk().validate().is_err() {
            return Err(ArgError(format!(
                "--box {} is shorter than the largest possible step at --dt {} ({:.3} m): use a larger box or a smaller dt",
                self.box_size,
                self.dt,
                self.walk().max_step()
            )));
        }
        if let Some(np) = self.targets
            && np < 2
        {
            return bad("--targets must be at least 2 place cells");
        }
        let values = (self.batch as u64)
            .checked_mul(self.seq_len as u64)
            .and_then(|v| v.checked_mul(self.width() as u64));
        match values {
            Some(v) if v <= MAX_VALUES => Ok(()),
            _ => Err(ArgError(format!(
                "--batch {} x --seq-len {} x {} columns exceeds the limit of {MAX_VALUES} values",
                self.batch,
                self.seq_len,
                self.width()
            ))),
        }
    }

    /// The place-cell centres (Np × 2) for `--targets`, from `uniform_centres(L, seed)`.
    pub fn centres(&self) -> anyhow::Result<Vec<f32>> {
        let np = self.targets.unwrap_or(0);
        let mut c = vec![0.0f32; 2 * np];
        uniform_centres(self.box_size, self.seed, &mut c)?;
        Ok(c)
    }
}

/// Trajectories `first..first + n`: start positions (n × 2), steps (n × T × 5) and, with
/// targets, codes (n × T × Np).
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Start positions, n × 2.
    pub start: Vec<f32>,
    /// x, y, heading, vx, vy per step, n × T × 5.
    pub steps: Vec<f32>,
    /// Place-cell codes, n × T × Np (empty without targets).
    pub codes: Vec<f32>,
}

/// Generates trajectories `first..first + n` (in parallel; the result does not depend on the
/// thread count). `centres` is empty without targets.
pub fn generate(
    cfg: &TrajectoriesConfig,
    centres: &[f32],
    first: usize,
    n: usize,
) -> anyhow::Result<Chunk> {
    let t = cfg.seq_len;
    let np = cfg.targets.unwrap_or(0);
    let walk = cfg.walk();
    let cells = if np > 0 {
        Some(PlaceCells::new(centres, cfg.place())?)
    } else {
        None
    };
    let one = |i: usize| -> anyhow::Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
        let mut w = Walker::new(&walk, TrajectoryKey::new(cfg.seed, 0, i as u64))?;
        let (x0, y0) = w.start();
        let mut steps = Vec::with_capacity(t * COLUMNS.len());
        let mut codes = vec![0.0f32; t * np];
        let mut scratch = vec![0.0f32; np];
        for k in 0..t {
            let s = w.step();
            steps.extend_from_slice(&[s.x, s.y, s.heading, s.dx, s.dy]);
            if let Some(cells) = &cells {
                cells.encode([s.x, s.y], &mut codes[k * np..(k + 1) * np], &mut scratch)?;
            }
        }
        Ok((vec![x0, y0], steps, codes))
    };
    let parts: Vec<_> = (first..first + n)
        .into_par_iter()
        .map(one)
        .collect::<anyhow::Result<_>>()?;
    let mut chunk = Chunk {
        start: Vec::with_capacity(2 * n),
        steps: Vec::with_capacity(n * t * COLUMNS.len()),
        codes: Vec::with_capacity(n * t * np),
    };
    for (s, st, c) in parts {
        chunk.start.extend(s);
        chunk.steps.extend(st);
        chunk.codes.extend(c);
    }
    Ok(chunk)
}

/// The files a run writes: the data file, and for `.npy` the targets array and the JSON sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPaths {
    /// `FILE`: CSV, or the (B, T, 5) array.
    pub data: PathBuf,
    /// `.npy` with targets: `<stem>.targets.npy`, the (B, T, Np) array.
    pub targets: Option<PathBuf>,
    /// `.npy`: `<stem>.json`.
    pub sidecar: Option<PathBuf>,
}

impl OutputPaths {
    /// The paths for `out` (NPY when it ends in `.npy`, CSV otherwise).
    pub fn new(out: &Path, cfg: &TrajectoriesConfig) -> Self {
        if is_npy(out) {
            let with = |ext: &str| out.with_extension(ext);
            Self {
                data: out.to_path_buf(),
                targets: cfg.targets.map(|_| with("targets.npy")),
                sidecar: Some(with("json")),
            }
        } else {
            Self {
                data: out.to_path_buf(),
                targets: None,
                sidecar: None,
            }
        }
    }

    fn all(&self) -> impl Iterator<Item = &PathBuf> {
        std::iter::once(&self.data)
            .chain(self.targets.iter())
            .chain(self.sidecar.iter())
    }
}

/// Whether `p` names an `.npy` file.
pub fn is_npy(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

fn create(path: &Path, force: bool) -> anyhow::Result<BufWriter<File>> {
    let mut o = OpenOptions::new();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    let f = o.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "--out: {} exists (pass --force to overwrite)",
                path.display()
            )
        } else {
            anyhow::anyhow!("--out: cannot create {}: {e}", path.display())
        }
    })?;
    Ok(BufWriter::new(f))
}

/// What a run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The files, data first.
    pub paths: OutputPaths,
    /// Rows (CSV) or B·T steps.
    pub steps: u64,
}

/// Validates `cfg`, refuses existing files unless `force`, and writes the trajectories to `out`
/// (CSV or `.npy` + targets + sidecar). `progress` shows a bar over trajectories.
pub fn write(
    cfg: &TrajectoriesConfig,
    out: &Path,
    force: bool,
    progress: bool,
) -> anyhow::Result<Written> {
    cfg.validate()?;
    let paths = OutputPaths::new(out, cfg);
    if !force && let Some(p) = paths.all().find(|p| p.exists()) {
        anyhow::bail!("--out: {} exists (pass --force to overwrite)", p.display());
    }
    let centres = cfg.centres()?;
    let (b, t) = (cfg.batch, cfg.seq_len);
    let np = cfg.targets.unwrap_or(0);
    let per_traj = t * cfg.width();
    let chunk = (CHUNK_VALUES / per_traj.max(1)).clamp(1, 4096);
    let bar = crate::report::progress_bar(progress, b as u64, "trajectories");

    let as_npy = paths.sidecar.is_some();
    let mut data = create(&paths.data, force)?;
    let mut targets = match &paths.targets {
        Some(p) => Some(create(p, force)?),
        None => None,
    };
    if as_npy {
        data.write_all(&npy::header_f32(&[b, t, COLUMNS.len()]))?;
        if let Some(w) = targets.as_mut() {
            w.write_all(&npy::header_f32(&[b, t, np]))?;
        }
    } else {
        let mut header = String::from("batch,t,x,y,heading,vx,vy");
        for j in 0..np {
            header.push_str(&format!(",p{j}"));
        }
        writeln!(data, "{header}")?;
    }
    let mut starts = Vec::with_capacity(2 * b);
    let mut first = 0;
    while first < b {
        let n = chunk.min(b - first);
        let c = generate(cfg, &centres, first, n)?;
        if as_npy {
            npy::write_f32s(&mut data, &c.steps)?;
            if let Some(w) = targets.as_mut() {
                npy::write_f32s(w, &c.codes)?;
            }
        } else {
            let mut line = String::new();
            for i in 0..n {
                for k in 0..t {
                    line.clear();
                    line.push_str(&format!("{},{k}", first + i));
                    let row = (i * t + k) * COLUMNS.len();
                    for v in &c.steps[row..row + COLUMNS.len()] {
                        line.push_str(&format!(",{v}"));
                    }
                    let row = (i * t + k) * np;
                    for v in &c.codes[row..row + np] {
                        line.push_str(&format!(",{v}"));
                    }
                    writeln!(data, "{line}")?;
                }
            }
        }
        starts.extend(c.start.chunks(2).map(|p| [p[0], p[1]]));
        first += n;
        bar.set_position(first as u64);
    }
    data.flush()?;
    if let Some(w) = targets.as_mut() {
        w.flush()?;
    }
    bar.finish_and_clear();
    if let Some(side) = &paths.sidecar {
        let name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let centres_xy: Vec<[f32; 2]> = centres.chunks(2).map(|c| [c[0], c[1]]).collect();
        let place = paths.targets.as_ref().map(|p| {
            let pc = cfg.place();
            json!({
                "file": name(p),
                "shape": [b, t, np],
                "np": np,
                "profile": "difference of softmaxes",
                "sigma_m": pc.sigma,
                "surround_scale": 2.0,
                "periodic_distances": cfg.periodic,
                "centres_key": "uniform_centres(box, seed): Rng::keyed(seed, [key_str(\"rnn_place_centres\")])",
                "centres": centres_xy,
            })
        });
        let walk = cfg.walk();
        let meta = json!({
            "generator": "engram rnn trajectories (Sorscher et al. walk; docs/trajectories.md)",
            "engram_version": env!("CARGO_PKG_VERSION"),
            "file": name(&paths.data),
            "shape": [b, t, COLUMNS.len()],
            "dtype": "float32",
            "columns": COLUMNS,
            "column_meaning": {
                "x": "position after step t (m)",
                "y": "position after step t (m)",
                "heading": "direction of step t's motion (rad, [-pi, pi))",
                "vx": "displacement of step t (m): the network input",
                "vy": "displacement of step t (m): the network input",
            },
            "boundary": if walk.boundary == Boundary::Periodic { "periodic" } else { "walled" },
            "box_m": cfg.box_size,
            "dt_s": cfg.dt,
            "speed_scale_m_per_s": walk.speed_scale,
            "turn_sigma_rad_per_s": walk.turn_sigma,
            "border_m": walk.border,
            "wall_speed_factor": walk.wall_speed_factor,
            "seed": cfg.seed,
            "stream_key": "trajectory i: Rng::keyed(seed, [key_str(\"rnn_trajectory\"), 0, i])",
            "start": starts,
            "targets": place,
        });
        let mut w = create(side, force)?;
        serde_json::to_writer_pretty(&mut w, &meta)?;
        writeln!(w)?;
        w.flush()?;
    }
    Ok(Written {
        paths,
        steps: (b as u64) * (t as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_do_not_change_the_data() {
        let cfg = TrajectoriesConfig {
            batch: 6,
            seq_len: 5,
            targets: Some(8),
            ..TrajectoriesConfig::default()
        };
        let c = cfg.centres().unwrap();
        let all = generate(&cfg, &c, 0, 6).unwrap();
        let a = generate(&cfg, &c, 0, 2).unwrap();
        let b = generate(&cfg, &c, 2, 4).unwrap();
        assert_eq!(all.steps, [a.steps, b.steps].concat());
        assert_eq!(all.codes, [a.codes, b.codes].concat());
        assert_eq!(all.start, [a.start, b.start].concat());
    }

    #[test]
    fn validation_names_the_flag() {
        let ok = TrajectoriesConfig::default();
        assert!(ok.validate().is_ok());
        let cases = [
            (
                TrajectoriesConfig {
                    batch: 0,
                    ..ok.clone()
                },
                "--batch",
            ),
            (
                TrajectoriesConfig {
                    seq_len: 0,
                    ..ok.clone()
                },
                "--seq-len",
            ),
            (
                TrajectoriesConfig {
                    box_size: -1.0,
                    ..ok.clone()
                },
                "--box",
            ),
            (
                TrajectoriesConfig {
                    box_size: 0.05,
                    ..ok.clone()
                },
                "--box",
            ),
            (
                TrajectoriesConfig {
                    dt: f32::NAN,
                    ..ok.clone()
                },
                "--dt",
            ),
            (
                TrajectoriesConfig {
                    targets: Some(1),
                    ..ok.clone()
                },
                "--targets",
            ),
            (
                TrajectoriesConfig {
                    batch: usize::MAX,
                    seq_len: usize::MAX,
                    ..ok.clone()
                },
                "--batch",
            ),
            (
                TrajectoriesConfig {
                    batch: 1 << 20,
                    seq_len: 1 << 10,
                    ..ok.clone()
                },
                "limit",
            ),
        ];
        for (cfg, flag) in cases {
            let e = cfg.validate().unwrap_err().to_string();
            assert!(e.contains(flag), "{e}");
            assert!(!e.contains('\n'));
        }
    }
}
