//! `engram rnn trajectories` end to end: the CSV header and row count, values identical to the
//! core generator, determinism by seed, NPY shapes and the JSON sidecar, and one-line errors
//! (exit 2) for bad flags.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engram_core::rnn::place::{PlaceCells, PlaceConfig, uniform_centres};
use engram_core::rnn::trajectory::{TrajectoryConfig, TrajectoryKey, Walker};
use engram_tests::engram_bin;

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = engram_tests::fresh_dir("rnn", name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_ok(args: &[&str]) {
    let o = engram(args);
    assert!(
        o.status.success(),
        "{args:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn trajectories(out: &Path, extra: &[&str]) {
    let o = out.display().to_string();
    let mut a = vec!["rnn", "trajectories", "--quiet", "--out", &o];
    a.extend(extra);
    run_ok(&a);
}

/// The shape in an NPY v1.0 header, after checking magic, alignment and dtype; and the data's
/// f32 values.
fn read_npy(p: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(p).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + len) % 64, 0);
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"));
    let shape = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let data: Vec<f32> = bytes[10 + len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(data.len(), shape.iter().product::<usize>());
    (shape, data)
}

/// CSV: header, B·T rows of B trajectories × t = 0..T−1, every value equal to the core's walk
/// (f32 printed round-trip exact), place-cell columns equal to the core's code.
#[test]
fn csv_matches_the_core_generator() {
    let dir = tmp("csv");
    let out = dir.join("t.csv");
    trajectories(
        &out,
        &[
            "--batch",
            "5",
            "--seq-len",
            "30",
            "--seed",
            "9",
            "--targets",
            "16",
        ],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let expect: Vec<String> = ["batch", "t", "x", "y", "heading", "vx", "vy"]
        .iter()
        .map(|s| s.to_string())
        .chain((0..16).map(|j| format!("p{j}")))
        .collect();
    assert_eq!(header, expect.join(","));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 5 * 30);

    let cfg = TrajectoryConfig::<f32>::sorscher();
    let mut centres = vec![0.0f32; 32];
    uniform_centres(2.2, 9, &mut centres).unwrap();
    let cells = PlaceCells::new(&centres, PlaceConfig::sorscher()).unwrap();
    let (mut code, mut scratch) = (vec![0.0f32; 16], vec![0.0f32; 16]);
    for b in 0..5 {
        let mut w = Walker::new(&cfg, TrajectoryKey::new(9, 0, b)).unwrap();
        for t in 0..30 {
            let row = &rows[(b * 30 + t) as usize];
            assert_eq!(row.len(), 7 + 16);
            assert_eq!(
                (row[0], row[1]),
                (b.to_string().as_str(), t.to_string().as_str())
            );
            let v: Vec<f32> = row[2..].iter().map(|s| s.parse().unwrap()).collect();
            let s = w.step();
            assert_eq!(v[..5], [s.x, s.y, s.heading, s.dx, s.dy]);
            cells.encode([s.x, s.y], &mut code, &mut scratch).unwrap();
            assert_eq!(v[5..], code[..]);
        }
    }
}

/// Same seed: the same bytes (whatever the thread count); another seed: other trajectories.
#[test]
fn output_is_determined_by_the_seed() {
    let dir = tmp("seed");
    let (a, b, c) = (dir.join("a.csv"), dir.join("b.csv"), dir.join("c.csv"));
    trajectories(&a, &["--batch", "40", "--seq-len", "10", "--seed", "3"]);
    let o = Command::new(engram_bin())
        .env("RAYON_NUM_THREADS", "1")
        .args([
            "rnn",
            "trajectories",
            "--quiet",
            "--batch",
            "40",
            "--seq-len",
            "10",
            "--seed",
            "3",
        ])
        .arg("--out")
        .arg(&b)
        .output()
        .unwrap();
    assert!(o.status.success());
    trajectories(&c, &["--batch", "40", "--seq-len", "10", "--seed", "4"]);
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));
}

/// NPY: a (B, T, 5) float32 array equal to the CSV's values, a (B, T, Np) targets array summing
/// to 1 per step, and a JSON sidecar with the box, dt, seed, start positions and columns.
#[test]
fn npy_arrays_and_sidecar() {
    let dir = tmp("npy");
    let (npy, csv) = (dir.join("walk.npy"), dir.join("walk.csv"));
    let args = [
        "--batch",
        "4",
        "--seq-len",
        "25",
        "--seed",
        "5",
        "--periodic",
        "--targets",
        "32",
    ];
    trajectories(&npy, &args);
    trajectories(&csv, &args);
    let (shape, data) = read_npy(&npy);
    assert_eq!(shape, [4, 25, 5]);
    let from_csv: Vec<f32> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .flat_map(|l| {
            l.split(',')
                .skip(2)
                .take(5)
                .map(|s| s.parse::<f32>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(data, from_csv);
    // The torus: every position in [−1.1, 1.1).
    assert!(
        data.chunks(5)
            .all(|r| (-1.1..1.1).contains(&r[0]) && (-1.1..1.1).contains(&r[1]))
    );

    let (tshape, codes) = read_npy(&dir.join("walk.targets.npy"));
    assert_eq!(tshape, [4, 25, 32]);
    for step in codes.chunks(32) {
        let s: f32 = step.iter().sum();
        assert!((s - 1.0).abs() < 1e-5 && step.iter().all(|&u| u >= 0.0));
    }

    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("walk.json")).unwrap()).unwrap();
    assert_eq!(meta["shape"], serde_json::json!([4, 25, 5]));
    assert_eq!(
        meta["columns"],
        serde_json::json!(["x", "y", "heading", "vx", "vy"])
    );
    assert_eq!(meta["seed"], 5);
    assert_eq!(meta["boundary"], "periodic");
    assert_eq!(meta["targets"]["file"], "walk.targets.npy");
    assert_eq!(meta["targets"]["centres"].as_array().unwrap().len(), 32);
    let start = meta["start"].as_array().unwrap();
    assert_eq!(start.len(), 4);
    let w = Walker::new(
        &TrajectoryConfig::<f32>::periodic(),
        TrajectoryKey::new(5, 0, 2),
    )
    .unwrap();
    let s2 = [
        start[2][0].as_f64().unwrap() as f32,
        start[2][1].as_f64().unwrap() as f32,
    ];
    assert_eq!(s2, [w.start().0, w.start().1]);
}

/// Bad input: one line naming the flag (or file), exit status 2, nothing written.
#[test]
fn bad_flags_exit_2() {
    let dir = tmp("bad");
    let out = dir.join("x.csv");
    let o_s = out.display().to_string();
    let cases: [(&[&str], &str); 8] = [
        (&["--batch", "0"], "--batch"),
        (&["--seq-len", "0"], "--seq-len"),
        (&["--box", "-2"], "--box"),
        (&["--box", "0.05"], "--box"),
        (&["--dt", "0"], "--dt"),
        (&["--targets", "1"], "--targets"),
        (&["--batch", "100000000", "--seq-len", "1000"], "--batch"),
        (&["--batch", "many"], "--batch"),
    ];
    for (extra, flag) in cases {
        let mut a = vec!["rnn", "trajectories", "--quiet", "--out", &o_s];
        a.extend(extra);
        let o = engram(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {err}");
        assert!(err.contains(flag), "{a:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        if !extra.contains(&"many") {
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
        assert!(!out.exists());
    }
    // An existing file is never overwritten without --force.
    std::fs::write(&out, "keep").unwrap();
    let o = engram(&[
        "rnn",
        "trajectories",
        "--quiet",
        "--batch",
        "2",
        "--out",
        &o_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep");
    run_ok(&[
        "rnn",
        "trajectories",
        "--quiet",
        "--batch",
        "2",
        "--seq-len",
        "3",
        "--force",
        "--out",
        &o_s,
    ]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        1 + 6
    );
    // .npy: an existing sidecar blocks the run too, before any file is written.
    let npy = dir.join("y.npy");
    std::fs::write(dir.join("y.json"), "{}").unwrap();
    let o = engram(&[
        "rnn",
        "trajectories",
        "--quiet",
        "--out",
        &npy.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!npy.exists());
}
