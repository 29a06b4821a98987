//! `engram rnn gridscore FILE...`: grid scores of rate maps a user brings, as CSV on stdout,
//! equal to DeepMind's `scores.py` to ≤ 1e-3 (tested against SciPy-made fixtures,
//! `tests/fixtures/gridscore/`).
//!
//! Inputs: a `.csv` file holds one map, rows = y bins, values separated by commas (`nan`, `NaN`
//! or an empty field = an unvisited bin); a `.npy` file holds a float32 or float64 array of shape
//! (units, n, n) or (n, n). Maps must be square (else an error naming the file). Output: the
//! header `file,unit,score60_mean,score60_minmax,score90,spacing,orientation` and one row per
//! map in argument order (unit = index in the file; spacing in bins, orientation in degrees,
//! `NaN` when the autocorrelogram has fewer than three peaks).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use rayon::prelude::*;

use super::autocorr::{NanPolicy, autocorrelogram};
use super::scores::GridScorer;
use super::spacing::spacing;

/// The CSV header.
pub const HEADER: &str = "file,unit,score60_mean,score60_minmax,score90,spacing,orientation";

/// The maps of one file: side n and the maps (each n² values, rows = y).
#[derive(Debug, Clone, PartialEq)]
pub struct MapFile {
    /// Side.
    pub n: usize,
    /// Maps.
    pub maps: Vec<Vec<f64>>,
}

/// Largest file read (1 GiB).
const MAX_BYTES: u64 = 1 << 30;

fn read_bytes(path: &Path) -> anyhow::Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    if meta.len() > MAX_BYTES {
        bail!("{}: larger than 1 GiB", path.display());
    }
    std::fs::read(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))
}

/// Parses one CSV map (rows = y bins).
pub fn parse_csv(text: &str, name: &str) -> anyhow::Result<MapFile> {
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let row = line
            .split(',')
            .map(|f| {
                let f = f.trim();
                if f.is_empty() || f.eq_ignore_ascii_case("nan") {
                    Ok(f64::NAN)
                } else {
                    f.parse::<f64>()
                        .map_err(|_| anyhow!("{name}: line {}: `{f}` is not a number", i + 1))
                }
            })
            .collect::<anyhow::Result<Vec<f64>>>()?;
        rows.push(row);
    }
    let n = rows.len();
    if n == 0 {
        bail!("{name}: no map (empty file)");
    }
    if let Some(r) = rows.iter().find(|r| r.len() != n) {
        bail!(
            "{name}: map is not square ({n} rows, a row of {} values); only n x n maps are scored",
            r.len()
        );
    }
    Ok(MapFile {
        n,
        maps: vec![rows.concat()],
    })
}

/// Parses a `.npy` array of shape (units, n, n) or (n, n), float32 or float64 (kept exact),
/// little-endian, C order, through the host's one NPY reader ([`crate::rnn::npy::parse_f64`]).
pub fn parse_npy(bytes: &[u8], name: &str) -> anyhow::Result<MapFile> {
    let (shape, vals) = crate::rnn::npy::parse_f64(bytes).map_err(|e| anyhow!("{name}: {e}"))?;
    let (r, c) = match shape[..] {
        [_, r, c] | [r, c] => (r, c),
        _ => bail!(
            "{name}: array of shape {} must have shape (units, n, n) or (n, n)",
            crate::rnn::npy::shape_str(&shape)
        ),
    };
    if r != c {
        bail!("{name}: maps are not square ({r} x {c}); only n x n maps are scored");
    }
    if r == 0 {
        return Ok(MapFile {
            n: 0,
            maps: Vec::new(),
        });
    }
    Ok(MapFile {
        n: r,
        maps: vals.chunks_exact(r * c).map(<[f64]>::to_vec).collect(),
    })
}

/// Reads a map file by extension (`.npy`, otherwise CSV).
pub fn read_maps(path: &Path) -> anyhow::Result<MapFile> {
    let name = path.display().to_string();
    let bytes = read_bytes(path)?;
    let f = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        parse_npy(&bytes, &name)?
    } else {
        let text = String::from_utf8(bytes).map_err(|_| anyhow!("{name}: not UTF-8 text"))?;
        parse_csv(&text, &name)?
    };
    if f.n < 2 {
        bail!(
            "{name}: map side {} is too small (at least 2 x 2 bins)",
            f.n
        );
    }
    Ok(f)
}

/// Scores every map of every file; the CSV text (header included).
pub fn run(files: &[PathBuf], nan: NanPolicy) -> anyhow::Result<String> {
    let loaded: Vec<MapFile> = files
        .iter()
        .map(|p| read_maps(p))
        .collect::<anyhow::Result<_>>()?;
    let mut out = String::from(HEADER);
    out.push('\n');
    for (path, f) in files.iter().zip(&loaded) {
        let scorer = GridScorer::new(f.n);
        let rows: Vec<String> = f
            .maps
            .par_iter()
            .enumerate()
            .map(|(u, m)| {
                let sac = autocorrelogram(m, f.n, nan)
                    .with_context(|| format!("{}: map {u}", path.display()))?;
                let s = scorer.score_sac(&sac);
                let sp = spacing(&sac, f.n);
                Ok(format!(
                    "{},{u},{},{},{},{},{}",
                    csv_field(&path.display().to_string()),
                    s.score60_mean,
                    s.score60_minmax,
                    s.score90,
                    sp.spacing,
                    sp.orientation
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        for r in rows {
            let _ = writeln!(out, "{r}");
        }
    }
    Ok(out)
}

/// A CSV field, quoted when it holds a comma, quote or newline.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
