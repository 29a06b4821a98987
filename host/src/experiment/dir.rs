//! The results-directory policy: engram writes only into a new or empty directory, or into one
//! that holds its own earlier run of the same experiment (`--resume`), and never overwrites a file
//! it did not write. What it wrote is listed in `.engram/manifest.json`; finished points are in
//! `.engram/points.jsonl` (the checkpoint: one JSON line per point, appended as each finishes);
//! long points keep their own state in `.engram/state/`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, anyhow, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The bookkeeping folder inside a results directory.
pub const META: &str = ".engram";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Manifest {
    experiment: String,
    files: Vec<String>,
}

/// A results directory, opened under the policy above.
#[derive(Debug)]
pub struct ResultsDir {
    path: PathBuf,
    manifest: Mutex<Manifest>,
}

/// What was found in a directory before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Nothing there, or an empty directory.
    Empty,
    /// An earlier run of the same experiment.
    EarlierRun,
}

fn io_ctx(path: &Path, what: &str) -> String {
    format!("{what} {}", path.display())
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader (or a resume after
/// SIGKILL) sees either the old or the new file, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("engram-tmp");
    std::fs::write(&tmp, bytes).with_context(|| io_ctx(&tmp, "writing"))?;
    std::fs::rename(&tmp, path).with_context(|| io_ctx(path, "writing"))
}

impl ResultsDir {
    /// Looks at `path` without changing anything: empty/absent, an earlier run of `experiment`, or
    /// an error naming what is in the way.
    pub fn inspect(path: &Path, experiment: &str) -> anyhow::Result<Found> {
        if !path.exists() {
            return Ok(Found::Empty);
        }
        if !path.is_dir() {
            bail!("--out {}: exists and is not a directory", path.display());
        }
        let manifest = path.join(META).join("manifest.json");
        if manifest.exists() {
            let m: Manifest = serde_json::from_str(
                &std::fs::read_to_string(&manifest)
                    .with_context(|| io_ctx(&manifest, "reading"))?,
            )
            .with_context(|| io_ctx(&manifest, "parsing"))?;
            if m.experiment != experiment {
                bail!(
                    "--out {}: holds an engram {} run, not {experiment}: choose another --out",
                    path.display(),
                    m.experiment
                );
            }
            return Ok(Found::EarlierRun);
        }
        let mut entries = std::fs::read_dir(path).with_context(|| io_ctx(path, "reading"))?;
        if let Some(e) = entries.next() {
            let e = e.with_context(|| io_ctx(path, "reading"))?;
            bail!(
                "--out {}: not empty and not an engram results directory (it holds {:?}); engram \
                 never writes over files it did not write: choose a new or empty --out",
                path.display(),
                e.file_name()
            );
        }
        Ok(Found::Empty)
    }

    /// Creates (or reopens, for `resume`) the results directory of `experiment`.
    ///
    /// Refuses a non-empty directory engram did not write, another experiment's directory, an
    /// earlier run without `resume` (naming `--resume`), and `resume` with nothing to resume.
    pub fn open(path: &Path, experiment: &str, resume: bool) -> anyhow::Result<Self> {
        let found = Self::inspect(path, experiment)?;
        match (found, resume) {
            (Found::EarlierRun, false) => bail!(
                "--out {}: already holds an engram {experiment} run: pass --resume to continue \
                 it, or choose another --out",
                path.display()
            ),
            (Found::Empty, true) => {
                bail!("--resume: {} holds no engram run to resume", path.display())
            }
            _ => {}
        }
        std::fs::create_dir_all(path.join(META)).with_context(|| io_ctx(path, "creating"))?;
        let mpath = path.join(META).join("manifest.json");
        let manifest = if found == Found::EarlierRun {
            serde_json::from_str(
                &std::fs::read_to_string(&mpath).with_context(|| io_ctx(&mpath, "reading"))?,
            )
            .with_context(|| io_ctx(&mpath, "parsing"))?
        } else {
            Manifest {
                experiment: experiment.to_owned(),
                files: Vec::new(),
            }
        };
        let dir = ResultsDir {
            path: path.to_path_buf(),
            manifest: Mutex::new(manifest),
        };
        dir.save_manifest()?;
        Ok(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    fn save_manifest(&self) -> anyhow::Result<()> {
        let m = self
            .manifest
            .lock()
            .map_err(|_| anyhow!("internal: manifest lock poisoned"))?;
        write_atomic(
            &self.path.join(META).join("manifest.json"),
            (serde_json::to_string_pretty(&*m)? + "\n").as_bytes(),
        )
    }

    /// Claims `name` for writing: refuses if a file of that name exists that engram did not write.
    /// Returns its path.
    pub fn claim(&self, name: &str) -> anyhow::Result<PathBuf> {
        let path = self.path.join(name);
        {
            let mut m = self
                .manifest
                .lock()
                .map_err(|_| anyhow!("internal: manifest lock poisoned"))?;
            if !m.files.iter().any(|f| f == name) {
                if path.exists() {
                    bail!(
                        "{}: exists and was not written by engram; it is left alone — move it \
                         away or choose another --out",
                        path.display()
                    );
                }
                m.files.push(name.to_owned());
            }
        }
        self.save_manifest()?;
        Ok(path)
    }

    /// Writes a whole file (claimed first; atomically).
    pub fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.claim(name)?;
        write_atomic(&path, bytes)
    }

    /// Writes a CSV table: header + rows of already formatted cells.
    pub fn write_csv(
        &self,
        name: &str,
        header: &[&str],
        rows: &[Vec<String>],
    ) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header)?;
        for r in rows {
            w.write_record(r)?;
        }
        let bytes = w.into_inner().map_err(|e| anyhow!("{name}: {e}"))?;
        self.write(name, &bytes)
    }

    fn checkpoint_path(&self) -> PathBuf {
        self.path.join(META).join("points.jsonl")
    }

    /// Appends a finished point to the checkpoint (flushed to the OS before returning).
    pub fn append_point<T: Serialize>(&self, index: usize, output: &T) -> anyhow::Result<()> {
        let line = serde_json::to_string(&CheckpointLine { index, output })?;
        let path = self.checkpoint_path();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| io_ctx(&path, "opening"))?;
        f.write_all(format!("{line}\n").as_bytes())
            .with_context(|| io_ctx(&path, "writing"))?;
        f.sync_data().with_context(|| io_ctx(&path, "writing"))
    }

    /// Rewrites the checkpoint in point order (after a run, so it reads like an uninterrupted one).
    pub fn rewrite_points<T: Serialize>(&self, done: &BTreeMap<usize, T>) -> anyhow::Result<()> {
        let mut text = String::new();
        for (&index, output) in done {
            text.push_str(&serde_json::to_string(&CheckpointLine { index, output })?);
            text.push('\n');
        }
        write_atomic(&self.checkpoint_path(), text.as_bytes())
    }

    /// Reads the checkpoint. A last line cut short (SIGKILL, a full disk) is dropped with a
    /// warning, and its point runs again; damage elsewhere is an error naming the line.
    pub fn read_points<T: DeserializeOwned>(&self) -> anyhow::Result<BTreeMap<usize, T>> {
        read_points(&self.path)
    }

    /// Where a long point keeps its state.
    pub fn state_path(&self, index: usize) -> PathBuf {
        self.path
            .join(META)
            .join("state")
            .join(format!("point-{index}.bin"))
    }
}

#[derive(Serialize, Deserialize)]
struct CheckpointLine<T> {
    index: usize,
    output: T,
}

/// Reads the checkpoint of the results directory `dir` (see [`ResultsDir::read_points`]).
pub fn read_points<T: DeserializeOwned>(dir: &Path) -> anyhow::Result<BTreeMap<usize, T>> {
    let path = dir.join(META).join("points.jsonl");
    let mut out = BTreeMap::new();
    if !path.exists() {
        return Ok(out);
    }
    let text = std::fs::read_to_string(&path).with_context(|| io_ctx(&path, "reading"))?;
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        match serde_json::from_str::<CheckpointLine<T>>(line) {
            Ok(l) if !last || complete => {
                if out.insert(l.index, l.output).is_some() {
                    bail!(
                        "{} line {}: point {} appears twice",
                        path.display(),
                        i + 1,
                        l.index
                    );
                }
            }
            _ if last => eprintln!(
                "note: {} ends in a line cut short (the run was killed while writing); that \
                 point runs again",
                path.display()
            ),
            Err(e) => bail!("{} line {}: damaged checkpoint: {e}", path.display(), i + 1),
            Ok(_) => {}
        }
    }
    Ok(out)
}

/// The configuration saved in a results directory (`config.toml`), if any.
pub fn saved_config_path(dir: &Path) -> Option<PathBuf> {
    let p = dir.join("config.toml");
    p.exists().then_some(p)
}
