//! The results-directory policy: engram writes only into a new or empty directory, or into one
//! that holds its own earlier run of the same experiment (`--resume`), and never overwrites a file
//! it did not write. What it wrote is listed in `.engram/manifest.json`; finished points are in
//! `.engram/points.bin` (the checkpoint: one record per point, appended as each finishes); long
//! points keep their own state in `.engram/state/`.
//!
//! A checkpoint record is `[u32 length][u32 CRC-32C of the payload][payload]` (little-endian), the
//! payload the CBOR encoding of `{index, output}`: CBOR keeps every f64 exactly, NaN and ±∞
//! included (a measurement that overflowed is reported as such, not lost). A record cut short (a
//! SIGKILL or a full disk while writing) can only be the last one: it is dropped and its point runs
//! again; a complete record whose CRC does not match is damage, reported with its offset.

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
        self.path.join(META).join(CHECKPOINT)
    }

    /// Appends a finished point to the checkpoint (flushed to the OS before returning).
    pub fn append_point<T: Serialize>(&self, index: usize, output: &T) -> anyhow::Result<()> {
        let rec = record(index, output)?;
        let path = self.checkpoint_path();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| io_ctx(&path, "opening"))?;
        f.write_all(&rec)
            .with_context(|| io_ctx(&path, "writing"))?;
        f.sync_data().with_context(|| io_ctx(&path, "writing"))
    }

    /// Rewrites the checkpoint in point order (after a run, so it reads like an uninterrupted one).
    pub fn rewrite_points<T: Serialize>(&self, done: &BTreeMap<usize, T>) -> anyhow::Result<()> {
        let mut bytes = Vec::new();
        for (&index, output) in done {
            bytes.extend(record(index, output)?);
        }
        write_atomic(&self.checkpoint_path(), &bytes)
    }

    /// Reads the checkpoint. A last record cut short (SIGKILL, a full disk) is dropped with a
    /// warning, and its point runs again; damage elsewhere is an error naming the offset.
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

/// The checkpoint's file name inside [`META`].
pub const CHECKPOINT: &str = "points.bin";

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

#[derive(Serialize, Deserialize)]
struct CheckpointRecord<T> {
    index: usize,
    output: T,
}

/// One checkpoint record: length, CRC-32C and the CBOR payload.
fn record<T: Serialize>(index: usize, output: &T) -> anyhow::Result<Vec<u8>> {
    let mut payload = Vec::new();
    ciborium::into_writer(&CheckpointRecord { index, output }, &mut payload)
        .map_err(|e| anyhow!("encoding point {index} for the checkpoint: {e}"))?;
    let len = u32::try_from(payload.len())
        .map_err(|_| anyhow!("point {index}: its output is larger than 4 GiB"))?;
    let mut rec = Vec::with_capacity(payload.len() + 8);
    rec.extend(len.to_le_bytes());
    rec.extend(CRC.checksum(&payload).to_le_bytes());
    rec.extend(payload);
    Ok(rec)
}

/// Reads the checkpoint of the results directory `dir` (see [`ResultsDir::read_points`]).
pub fn read_points<T: DeserializeOwned>(dir: &Path) -> anyhow::Result<BTreeMap<usize, T>> {
    let path = dir.join(META).join(CHECKPOINT);
    let mut out = BTreeMap::new();
    if !path.exists() {
        return Ok(out);
    }
    let bytes = std::fs::read(&path).with_context(|| io_ctx(&path, "reading"))?;
    let mut at = 0usize;
    while at < bytes.len() {
        let head = bytes.get(at..at + 8);
        let len = head
            .and_then(|h| h.get(..4))
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| u32::from_le_bytes(b) as usize);
        let body = len.and_then(|l| bytes.get(at + 8..at + 8 + l));
        let (Some(head), Some(body)) = (head, body) else {
            eprintln!(
                "note: {} ends in a record cut short (the run was killed while writing); that \
                 point runs again",
                path.display()
            );
            break;
        };
        let crc = head
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes);
        if crc != Some(CRC.checksum(body)) {
            bail!(
                "{} at byte {at}: damaged checkpoint record (CRC mismatch)",
                path.display()
            );
        }
        let rec: CheckpointRecord<T> = ciborium::from_reader(body).map_err(|e| {
            anyhow!(
                "{} at byte {at}: damaged checkpoint record: {e}",
                path.display()
            )
        })?;
        if out.insert(rec.index, rec.output).is_some() {
            bail!(
                "{} at byte {at}: point {} appears twice",
                path.display(),
                rec.index
            );
        }
        at += 8 + body.len();
    }
    Ok(out)
}

/// The byte lengths of the checkpoint's records, in file order (for tools and tests that cut a
/// checkpoint short on purpose).
pub fn record_lengths(dir: &Path) -> anyhow::Result<Vec<usize>> {
    let path = dir.join(META).join(CHECKPOINT);
    let bytes = std::fs::read(&path).with_context(|| io_ctx(&path, "reading"))?;
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(b) = bytes
        .get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
    {
        let len = 8 + u32::from_le_bytes(b) as usize;
        if at + len > bytes.len() {
            break;
        }
        out.push(len);
        at += len;
    }
    Ok(out)
}

/// The configuration saved in a results directory (`config.toml`), if any.
pub fn saved_config_path(dir: &Path) -> Option<PathBuf> {
    let p = dir.join("config.toml");
    p.exists().then_some(p)
}
