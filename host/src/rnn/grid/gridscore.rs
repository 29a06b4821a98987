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

/// Parses a `.npy` array of shape (units, n, n) or (n, n), float32 or float64, little-endian, C
/// order. (A minimal reader of its own: the host's shared `.npy` module was not yet in the tree.)
pub fn parse_npy(bytes: &[u8], name: &str) -> anyhow::Result<MapFile> {
    let bad = |why: &str| anyhow!("{name}: {why}");
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a NumPy .npy file (bad magic)"));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported .npy version {v}"))),
    };
    let header = bytes
        .get(start..start + hlen)
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))?;
        let rest = header[at + key.len() + 2..]
            .trim_start()
            .strip_prefix(':')?;
        Some(rest.trim_start())
    };
    let descr = field("descr").ok_or_else(|| bad("header has no 'descr'"))?;
    let size = if descr.starts_with("'<f4'") {
        4
    } else if descr.starts_with("'<f8'") {
        8
    } else {
        return Err(bad(
            "dtype must be little-endian float32 or float64 (a.astype('<f4'))",
        ));
    };
    let fortran = field("fortran_order").ok_or_else(|| bad("header has no 'fortran_order'"))?;
    let shape_txt = field("shape").ok_or_else(|| bad("header has no 'shape'"))?;
    let inner = shape_txt
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("unreadable shape"))?;
    let shape: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("unreadable shape")))
        .collect::<anyhow::Result<_>>()?;
    let (units, r, c) = match shape[..] {
        [u, r, c] => (u, r, c),
        [r, c] => (1, r, c),
        _ => return Err(bad("array must have shape (units, n, n) or (n, n)")),
    };
    if fortran.starts_with("True") && units > 1 {
        return Err(bad("Fortran order: save np.ascontiguousarray(a)"));
    }
    if r != c {
        bail!("{name}: maps are not square ({r} x {c}); only n x n maps are scored");
    }
    let count = units
        .checked_mul(r)
        .and_then(|v| v.checked_mul(c))
        .ok_or_else(|| bad("shape too large"))?;
    let data = &bytes[start + hlen..];
    if data.len() != count * size {
        return Err(bad(&format!(
            "data has {} bytes, the shape needs {}",
            data.len(),
            count * size
        )));
    }
    let vals: Vec<f64> = if size == 4 {
        data.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
            .collect()
    } else {
        data.chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .collect()
    };
    let mut vals = vals;
    if fortran.starts_with("True") {
        // A single 2-D map in Fortran order: transpose to rows = first index.
        let t: Vec<f64> = (0..r * c).map(|i| vals[(i % c) * r + i / c]).collect();
        vals = t;
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
