//! `engram rnn inspect FILE` end to end: the committed demo blobs are printed; a corrupt or an
//! inconsistent blob, or a missing file, gives one line naming the file and the defect, exit 2.

use std::path::PathBuf;
use std::process::{Command, Output};

use engram_tests::engram_bin;

fn inspect(path: &std::path::Path) -> Output {
    Command::new(engram_bin())
        .args(["rnn", "inspect"])
        .arg(path)
        .output()
        .unwrap()
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../firmware/data")
        .join(name)
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("engram-rnn-inspect-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).unwrap();
    p
}

fn stderr_line(o: &Output) -> String {
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    e
}

#[test]
fn demo_blobs_are_described() {
    for (name, dtype) in [
        ("rnn-integrator-f32.bin", "weights f32"),
        ("rnn-integrator-i8.bin", "weights i8"),
    ] {
        let o = inspect(&data(name));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            out.contains("I = 2, H = 64, Np = 144; activation relu"),
            "{out}"
        );
        assert!(out.contains(dtype), "{out}");
        assert!(out.contains("CRC-32C"), "{out}");
        assert!(out.contains("w_dec"), "{out}");
    }
}

#[test]
fn a_flipped_byte_is_a_checksum_error() {
    let mut bytes = std::fs::read(data("rnn-integrator-f32.bin")).unwrap();
    bytes[5000] ^= 1;
    let p = tmp("flipped.bin", &bytes);
    let o = inspect(&p);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr_line(&o);
    assert!(e.contains("flipped.bin") && e.contains("checksum"), "{e}");
}

#[test]
fn an_inconsistent_blob_names_its_defect() {
    use engram_core::blob::{self, Blob, TensorData, TensorSpec};
    // The demo blob, rewritten with has_bias = 1 but no bias tensor.
    let bytes = std::fs::read(data("rnn-integrator-f32.bin")).unwrap();
    let mut store = vec![0u8; bytes.len() + 16];
    let off = store.as_ptr().align_offset(16);
    store[off..off + bytes.len()].copy_from_slice(&bytes);
    let parsed = Blob::parse(&store[off..off + bytes.len()]).unwrap();
    let mut config = parsed.get("rnn.config").unwrap().as_i32().unwrap().to_vec();
    config[6] = 1;
    let shapes: Vec<Vec<usize>> = parsed.tensors().map(|t| t.shape().to_vec()).collect();
    let specs: Vec<TensorSpec<'_>> = parsed
        .tensors()
        .zip(&shapes)
        .map(|(t, s)| {
            let data = if t.name() == "rnn.config" {
                TensorData::I32(&config)
            } else if let Ok(f) = t.as_f32() {
                TensorData::F32(f)
            } else {
                TensorData::I32(t.as_i32().unwrap())
            };
            TensorSpec::new(t.name(), s, data)
        })
        .collect();
    let mut out = vec![0u8; blob::encoded_len(&specs).unwrap()];
    blob::write(&mut out, &specs).unwrap();
    let p = tmp("nobias.bin", &out);
    let o = inspect(&p);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr_line(&o);
    assert!(e.contains("missing tensor `bias`"), "{e}");
}

#[test]
fn a_missing_file_is_named() {
    let o = inspect(std::path::Path::new("/nonexistent/net.bin"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_line(&o).contains("/nonexistent/net.bin"));
}
