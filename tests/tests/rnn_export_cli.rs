//! `engram rnn export` and `engram rnn import` end to end: a run's network.bin written as f32
//! (byte-identical, canonical) and int8 blobs that `engram rnn inspect` reads; --out never
//! overwritten without --force; a missing, corrupt or int8 network.bin named in one line (exit 2);
//! NPY arrays → blob → inspect with every weight bit-identical; a grid-pattern-formation-shaped
//! PyTorch state dict (tests/fixtures/npy, made by make_fixtures.py) imported without transposes
//! reproduces torch's forward pass; every shape and format defect named with the flag and file.
//! The firmware's board blobs: the int8 one is the export of the f32 one, and (ignored: minutes)
//! training and exporting again gives both byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engram::rnn::export::{OwnedNet, with_model};
use engram::rnn::npy;
use engram_core::rnn::ModelNet;
use engram_tests::{engram_bin, workspace_root};

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = engram_tests::fresh_dir("rnn-export", name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn ok(args: &[&str]) -> String {
    let o = engram(args);
    assert!(
        o.status.success(),
        "{args:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs a command that must fail with exit status 2 and one line on stderr; returns the line.
fn fails(args: &[&str]) -> String {
    let o = engram(args);
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

/// The hand-built integrator, H = 16 on a 6 × 6 grid (an exact path integrator).
fn integrator() -> OwnedNet {
    OwnedNet::integrator(16, 6).unwrap()
}

/// A run directory holding the integrator as network.bin.
fn run_dir(name: &str) -> (PathBuf, Vec<u8>) {
    let dir = tmp(name);
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let bytes = integrator().f32_blob().unwrap();
    std::fs::write(run.join("network.bin"), &bytes).unwrap();
    (dir, bytes)
}

const QUICK: [&str; 4] = ["--eval", "20", "--calib-trajectories", "20"];

/// "decoding error NAME: X cm mean …" → X.
fn error_cm(out: &str, name: &str) -> f64 {
    let key = format!("decoding error {name}: ");
    let line = out.lines().find(|l| l.starts_with(&key)).unwrap();
    line[key.len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn export_writes_f32_and_int8_blobs_that_inspect_reads() {
    let (dir, net_bytes) = run_dir("ok");
    let run = dir.join("run");
    let f = dir.join("f32.bin");
    let out = ok(&[&["rnn", "export", &s(&run), "--out", &s(&f)], &QUICK[..]].concat());
    assert!(
        out.contains("f32 network blob") && out.contains("H = 16, Np = 36"),
        "{out}"
    );
    // f32: the canonical encoding of the same network.
    assert_eq!(std::fs::read(&f).unwrap(), net_bytes);
    let f32_cm = error_cm(&out, "f32");
    assert!(f32_cm < 25.0, "{out}");
    let i = dir.join("i8.bin");
    let out = ok(&[
        &["rnn", "export", &s(&run), "--out", &s(&i), "--int8"],
        &QUICK[..],
    ]
    .concat());
    assert!(
        out.contains("i8 network blob") && out.contains("a_g = "),
        "{out}"
    );
    assert_eq!(error_cm(&out, "f32"), f32_cm, "{out}");
    assert!(error_cm(&out, "int8") <= f32_cm + 2.0, "{out}");
    let shown = ok(&["rnn", "inspect", &s(&i)]);
    assert!(
        shown.contains("I = 2, H = 16, Np = 36; activation relu"),
        "{shown}"
    );
    assert!(
        shown.contains("weights i8") && shown.contains("act.scale"),
        "{shown}"
    );
    assert!(ok(&["rnn", "inspect", &s(&f)]).contains("weights f32"));
    // Deterministic: the same flags give the same bytes; a blob file is accepted as RUN_DIR.
    let again = dir.join("again.bin");
    ok(&[
        &[
            "rnn",
            "export",
            &s(&run.join("network.bin")),
            "--out",
            &s(&again),
            "--int8",
        ],
        &QUICK[..],
    ]
    .concat());
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&i).unwrap());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn export_never_overwrites_without_force() {
    let (dir, net_bytes) = run_dir("force");
    let run = dir.join("run");
    let out = dir.join("w.bin");
    std::fs::write(&out, b"keep me").unwrap();
    let e = fails(&["rnn", "export", &s(&run), "--out", &s(&out), "--eval", "0"]);
    assert!(
        e.contains("--out") && e.contains("exists") && e.contains("--force"),
        "{e}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    ok(&[
        "rnn",
        "export",
        &s(&run),
        "--out",
        &s(&out),
        "--eval",
        "0",
        "--force",
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), net_bytes);
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_or_corrupt_network_is_named_in_one_line() {
    let (dir, net_bytes) = run_dir("bad");
    let run = dir.join("run");
    let out = s(&dir.join("w.bin"));
    // No such directory, and a directory without network.bin.
    let e = fails(&["rnn", "export", &s(&dir.join("nope")), "--out", &out]);
    assert!(
        e.contains("nope") && e.contains("no such run directory"),
        "{e}"
    );
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = fails(&["rnn", "export", &s(&empty), "--out", &out]);
    assert!(e.contains("network.bin") && e.contains("missing"), "{e}");
    // A flipped byte (checksum), a truncated file, not a blob.
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "flip",
            {
                let mut b = net_bytes.clone();
                b[net_bytes.len() / 2] ^= 0x10;
                b
            },
            "checksum",
        ),
        (
            "trunc",
            net_bytes[..net_bytes.len() - 7].to_vec(),
            "network.bin",
        ),
        (
            "junk",
            b"definitely not a blob, but long enough for a header".to_vec(),
            "magic",
        ),
    ];
    for (name, bytes, want) in cases {
        std::fs::write(run.join("network.bin"), &bytes).unwrap();
        let e = fails(&["rnn", "export", &s(&run), "--out", &out]);
        assert!(e.contains("network.bin") && e.contains(want), "{name}: {e}");
        assert!(!dir.join("w.bin").exists());
    }
    // An int8 network.bin is not what a trainer writes: refused, named.
    std::fs::write(run.join("network.bin"), &net_bytes).unwrap();
    let i = dir.join("i8.bin");
    ok(&[
        &["rnn", "export", &s(&run), "--out", &s(&i), "--int8"],
        &QUICK[..],
    ]
    .concat());
    let e = fails(&["rnn", "export", &s(&i), "--out", &out]);
    assert!(e.contains("i8.bin") && e.contains("int8"), "{e}");
    // Bad flags name themselves.
    let e = fails(&[
        "rnn",
        "export",
        &s(&run),
        "--out",
        &out,
        "--headroom",
        "0.5",
    ]);
    assert!(e.contains("--headroom"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

fn save(dir: &Path, name: &str, shape: &[usize], data: &[f32]) -> String {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    npy::write(&mut f, shape, data).unwrap();
    s(&p)
}

#[test]
fn npy_arrays_round_trip_through_import_bit_for_bit() {
    let dir = tmp("import");
    let net = integrator();
    let (h, np) = (net.dims.hidden, net.dims.places);
    let w_ih = save(&dir, "w_ih.npy", &[h, 2], &net.w_ih);
    let w_hh = save(&dir, "w_hh.npy", &[h, h], &net.w_hh);
    let w_enc = save(&dir, "w_enc.npy", &[h, np], net.w_enc.as_ref().unwrap());
    let w_dec = save(&dir, "w_dec.npy", &[np, h], &net.w_dec);
    let centres = save(&dir, "centres.npy", &[np, 2], &net.centres);
    let bias: Vec<f32> = (0..h).map(|r| 0.001 * r as f32).collect();
    let b = save(&dir, "b.npy", &[h], &bias);
    let out = dir.join("net.bin");
    let args = [
        "rnn",
        "import",
        "--w-ih",
        &w_ih,
        "--w-hh",
        &w_hh,
        "--w-enc",
        &w_enc,
        "--w-dec",
        &w_dec,
        "--centres",
        &centres,
        "--place-code",
        "gaussian",
        "--out",
        &s(&out),
    ];
    let printed = ok(&[&args[..], &QUICK[..]].concat());
    assert!(printed.contains("f32 network blob"), "{printed}");
    // Exactly the blob of the same network (same metadata): every weight bit-identical.
    assert_eq!(std::fs::read(&out).unwrap(), net.f32_blob().unwrap());
    assert!(ok(&["rnn", "inspect", &s(&out)]).contains("I = 2, H = 16, Np = 36"));
    // With a bias, int8 and a difference-of-softmaxes code: the metadata follow the flags.
    let out8 = dir.join("net8.bin");
    let printed = ok(&[
        &args[..args.len() - 4],
        &[
            "--b",
            &b,
            "--int8",
            "--surround-scale",
            "2",
            "--periodic",
            "--box",
            "2.2",
        ],
        &["--out", &s(&out8)],
        &QUICK[..],
    ]
    .concat());
    assert!(
        printed.contains("i8 network blob") && printed.contains("bias yes"),
        "{printed}"
    );
    let shown = ok(&["rnn", "inspect", &s(&out8)]);
    assert!(
        shown.contains("weights i8; bias yes; encoder yes"),
        "{shown}"
    );
    assert!(
        shown.contains("(periodic)") && shown.contains("difference-of-softmaxes"),
        "{shown}"
    );
    assert!(shown.contains("surround ratio 1.414"), "{shown}");
    with_model(&std::fs::read(&out8).unwrap(), |m| {
        let ModelNet::Int8(q) = m.net else {
            panic!("not int8")
        };
        assert_eq!(q.weights().bias.unwrap(), &bias[..]);
        Ok(())
    })
    .unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

fn fixture(name: &str) -> String {
    s(&workspace_root().join("tests/fixtures/npy").join(name))
}

fn gpf_args(out: &Path) -> Vec<String> {
    [
        "rnn",
        "import",
        "--w-ih",
        &fixture("RNN.weight_ih_l0.npy"),
        "--w-hh",
        &fixture("RNN.weight_hh_l0.npy"),
        "--w-enc",
        &fixture("encoder.weight.npy"),
        "--w-dec",
        &fixture("decoder.weight.npy"),
        "--centres",
        &fixture("place_cells.us.npy"),
        "--out",
        &s(out),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

fn run_args(args: &[String], extra: &[&str]) -> Output {
    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    a.extend(extra);
    engram(&a)
}

#[test]
fn a_pytorch_state_dict_imports_without_transposes_and_matches_torch() {
    let dir = tmp("torch");
    let out = dir.join("gpf.bin");
    let o = run_args(
        &gpf_args(&out),
        &["--eval", "5", "--calib-trajectories", "5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |n: &str| npy::read(Path::new(&fixture(n))).unwrap();
    let (v, p0, want) = (
        read("ref_v.npy"),
        read("ref_p0.npy"),
        read("ref_logits.npy"),
    );
    let (t, np) = (want.shape[0], want.shape[1]);
    with_model(&std::fs::read(&out).unwrap(), |m| {
        let ModelNet::F32(net) = m.net else {
            panic!("not f32")
        };
        let h = m.dims.hidden;
        assert_eq!((m.dims.inputs, h, np), (2, 8, 10));
        let mut g0 = vec![0.0f32; h];
        net.encode(&p0.data, &mut g0)?;
        let mut states = vec![0.0f32; t * h];
        net.sequence(&v.data, &g0, &mut states)?;
        let mut logits = vec![0.0f32; np];
        for k in 0..t {
            net.readout(&states[k * h..(k + 1) * h], &mut logits)?;
            for (j, (&a, &b)) in logits
                .iter()
                .zip(&want.data[k * np..(k + 1) * np])
                .enumerate()
            {
                // Different summation orders in f32: a few ulps of the terms' scale.
                assert!(
                    (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                    "t={k} j={j}: {a} vs torch {b}"
                );
            }
        }
        Ok(())
    })
    .unwrap();
    // A float64 array with a version-2.0 header is read (rounded once to f32).
    let mut args = gpf_args(&dir.join("f8.bin"));
    let i = args.iter().position(|a| a == "--w-hh").unwrap();
    args[i + 1] = fixture("w_hh_f8_v2.npy");
    let o = run_args(&args, &["--eval", "0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(dir.join("f8.bin")).unwrap(),
        std::fs::read(&out).unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn import_names_the_flag_file_and_expected_shape() {
    let dir = tmp("shapes");
    let base = gpf_args(&dir.join("x.bin"));
    let with = |flag: &str, file: &str| {
        let mut a = base.clone();
        let i = a.iter().position(|x| x == flag).unwrap();
        a[i + 1] = file.to_string();
        a
    };
    let cases = [
        (
            "--w-ih",
            fixture("decoder.weight.npy"),
            "expected (H, I) = (8, I)",
        ),
        ("--w-hh", fixture("encoder.weight.npy"), "expected (H, H)"),
        (
            "--w-dec",
            fixture("encoder.weight.npy"),
            "expected (Np, H) = (Np, 8)",
        ),
        (
            "--w-enc",
            fixture("RNN.weight_hh_l0.npy"),
            "expected (H, Np) = (8, 10)",
        ),
        (
            "--centres",
            fixture("RNN.weight_ih_l0.npy"),
            "expected (Np, 2) = (10, 2)",
        ),
        ("--w-hh", fixture("fortran.npy"), "Fortran order"),
        ("--w-hh", fixture("int64.npy"), "dtype '<i8'"),
        ("--w-hh", fixture("big_endian.npy"), "'>f4'"),
        ("--w-hh", fixture("make_fixtures.py"), "bad magic"),
        ("--w-hh", s(&dir.join("absent.npy")), "cannot read"),
    ];
    for (flag, file, want) in cases {
        let a = with(flag, &file);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let e = fails(&a);
        let name = Path::new(&file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            e.contains(flag) && e.contains(&name) && e.contains(want),
            "{flag} {name}: {e}"
        );
    }
    // A NaN is named with its index; centres outside the box; bad metadata flags.
    let nan = save(&dir, "nan.npy", &[8, 8], &{
        let mut w = vec![0.0f32; 64];
        w[8 * 3 + 5] = f32::NAN;
        w
    });
    let e = fails(
        &with("--w-hh", &nan)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        e.contains("nan.npy") && e.contains("element [3, 5] is not finite"),
        "{e}"
    );
    let far = save(&dir, "far.npy", &[10, 2], &[5.0; 20]);
    let e = fails(
        &with("--centres", &far)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(e.contains("--centres") && e.contains("outside"), "{e}");
    for (flag, value) in [("--sigma", "0"), ("--box", "-1"), ("--decode-k", "11")] {
        let mut a: Vec<&str> = base.iter().map(String::as_str).collect();
        a.extend([flag, value]);
        let e = fails(&a);
        assert!(e.contains(flag), "{e}");
    }
    assert!(!dir.join("x.bin").exists());
    let _ = std::fs::remove_dir_all(dir);
}

/// `firmware/data/<name>`.
fn firmware_data(name: &str) -> PathBuf {
    workspace_root().join("firmware/data").join(name)
}

/// The committed board blobs: the f32 one is canonical (export gives back its bytes) and the int8
/// one is exactly `engram rnn export --int8` of it (calibration is deterministic).
#[test]
fn committed_board_int8_blob_is_the_export_of_the_f32_one() {
    let dir = tmp("board");
    let f = firmware_data("rnn-board-f32.bin");
    let (f32_out, i8_out) = (dir.join("f32.bin"), dir.join("i8.bin"));
    ok(&[
        "rnn",
        "export",
        &s(&f),
        "--out",
        &s(&f32_out),
        "--eval",
        "0",
    ]);
    ok(&[
        "rnn",
        "export",
        &s(&f),
        "--out",
        &s(&i8_out),
        "--int8",
        "--eval",
        "0",
    ]);
    assert!(std::fs::read(&f32_out).unwrap() == std::fs::read(&f).unwrap());
    assert!(
        std::fs::read(&i8_out).unwrap()
            == std::fs::read(firmware_data("rnn-board-i8.bin")).unwrap(),
        "firmware/data/rnn-board-i8.bin is not the export of rnn-board-f32.bin"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The release `engram` binary (training needs optimised code).
fn engram_release() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "engram",
            "--bin",
            "engram",
        ])
        .status()
        .unwrap();
    assert!(status.success(), "cargo build --release -p engram failed");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("release/engram")
}

/// Regenerating the board blobs from scratch gives the committed bytes: `engram rnn train
/// --preset board --threads 2` (deterministic at a fixed thread count), then `engram rnn export`
/// (f32, and --int8). Minutes of training, so not in CI.
#[test]
#[ignore = "trains the board network for minutes: cargo test -p engram-tests --test rnn_export_cli -- --ignored"]
fn board_blobs_regenerate_byte_for_byte() {
    let dir = tmp("board-train");
    let run = dir.join("run");
    let bin = engram_release();
    let o = Command::new(&bin)
        .args([
            "rnn",
            "train",
            "--preset",
            "board",
            "--threads",
            "2",
            "--yes",
            "--out",
        ])
        .arg(&run)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (name, int8) in [("rnn-board-f32.bin", false), ("rnn-board-i8.bin", true)] {
        let out = dir.join(name);
        let mut cmd = Command::new(&bin);
        cmd.args(["rnn", "export"]).arg(&run).arg("--out").arg(&out);
        if int8 {
            cmd.arg("--int8");
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            std::fs::read(&out).unwrap() == std::fs::read(firmware_data(name)).unwrap(),
            "{name}: regenerated bytes differ from the committed file"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
