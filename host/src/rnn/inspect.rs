//! `engram rnn inspect FILE`: print a network blob (sizes, activation, dtype, metadata, checksum,
//! tensor table, flash and RAM cost) or name its defect.
//!
//! Loading is the core's own check ([`Model::from_blob`]): the same code a board runs, so a blob
//! this accepts is one the firmware accepts.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use engram_core::blob::Blob;
use engram_core::rnn::{Model, ModelNet};

/// `bytes` copied to a 16-byte aligned buffer (the blob's typed views need aligned data).
fn aligned_copy(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut store = vec![0u8; bytes.len() + 16];
    let off = store.as_ptr().align_offset(16).min(16);
    if let Some(dst) = store.get_mut(off..off + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
    (store, off)
}

/// The report for a network blob's bytes, or the one-line defect (`Err`).
///
/// ```
/// let err = engram::rnn::inspect::report(b"not a blob at all, but long enough to have a header").unwrap_err();
/// assert_eq!(err, "bad magic (not an engram blob)");
/// ```
pub fn report(bytes: &[u8]) -> Result<String, String> {
    let (store, off) = aligned_copy(bytes);
    let data = store.get(off..off + bytes.len()).unwrap_or(&[]);
    let blob = Blob::parse(data).map_err(|e| e.to_string())?;
    let model = Model::from_blob(&blob).map_err(|e| e.to_string())?;
    Ok(render(&blob, &model))
}

/// The report for the blob in `path`; the error names the file and the defect.
pub fn report_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    report(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn render(blob: &Blob<'_>, m: &Model<'_>) -> String {
    let d = m.dims;
    let meta = &m.meta;
    let mut s = String::new();
    let params = d.params(m.has_bias, m.has_encoder);
    let dtype = m.net.dtype();
    let _ = writeln!(
        s,
        "engram rnn blob: {} bytes, {} tensors, CRC-32C {:08x} (format v{})",
        blob.byte_len(),
        blob.tensor_count(),
        blob.checksum(),
        engram_core::blob::VERSION
    );
    let _ = writeln!(
        s,
        "network: I = {}, H = {}, Np = {}; activation {}; weights {}; bias {}; encoder {}",
        d.inputs,
        d.hidden,
        d.places,
        meta.activation,
        dtype,
        yes_no(m.has_bias),
        yes_no(m.has_encoder)
    );
    let _ = writeln!(
        s,
        "parameters: {params} ({} bytes of weight data in the blob)",
        weight_bytes(blob)
    );
    if let ModelNet::Int8(q) = m.net {
        let a = q.scales();
        let _ = writeln!(
            s,
            "int8 scheme: per-row weight scales, 16-bit activations a_v = {:e}, a_g = {:e}",
            a.input, a.state
        );
    }
    let _ = writeln!(
        s,
        "box: {} m x {} m ({}), dt = {} s, place code {} (sigma = {} m, surround ratio {}), decode top-{}",
        meta.box_width,
        meta.box_height,
        if meta.periodic { "periodic" } else { "walled" },
        meta.dt,
        meta.place_code.name(),
        meta.sigma,
        meta.surround,
        meta.decode_k
    );
    let ram = run_ram_bytes(dtype == engram_core::blob::Dtype::I8, d);
    let _ = writeln!(
        s,
        "run RAM (FixedRnn state, scratch, logits): {ram} bytes; flash: {} bytes (the blob)",
        blob.byte_len()
    );
    let _ = writeln!(s, "tensors:");
    for t in blob.tensors() {
        let shape: Vec<String> = t.shape().iter().map(ToString::to_string).collect();
        let _ = writeln!(
            s,
            "  {:<14} {:<4} [{}] {} bytes",
            t.name(),
            t.dtype(),
            shape.join(", "),
            t.bytes().len()
        );
    }
    s
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Bytes of every tensor but the metadata and centres.
fn weight_bytes(blob: &Blob<'_>) -> usize {
    blob.tensors()
        .filter(|t| !matches!(t.name(), "rnn.config" | "rnn.geometry" | "centres"))
        .map(|t| t.bytes().len())
        .sum()
}

/// RAM of a `FixedRnn<I, H, Np>` (its fields; the model handle aside): f32 g, next, z (3·4H),
/// i16 q, qnext (2·2H), i16 qv (2I), f32 logits (4Np). The same for f32 and int8 weights.
pub fn run_ram_bytes(_int8: bool, d: engram_core::rnn::Dims) -> usize {
    12 * d.hidden + 4 * d.hidden + 2 * d.inputs + 4 * d.places
}
