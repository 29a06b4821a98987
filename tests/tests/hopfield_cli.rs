//! `engram hopfield` end to end: each subcommand's checks at reduced size, results independent of
//! the thread count and of the kernel (host fast path vs core reference), the exit status of a
//! failed check, and one-line errors (exit 2) for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engram_core::blob::{self, TensorData, TensorSpec};
use engram_tests::engram_bin;

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("hopfield", name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs `hopfield <args> --out <dir>` and returns the dir; asserts exit 0 (all checks passed).
fn run_ok(name: &str, args: &[&str]) -> PathBuf {
    let out = tmp(name);
    let mut a = vec!["hopfield"];
    a.extend(args);
    let o_s = out.display().to_string();
    a.extend(["--out", &o_s]);
    let o = engram(&a);
    assert!(
        o.status.success(),
        "{a:?}\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("summary.json"))).unwrap()
}

fn assert_all_pass(dir: &Path, files: &[&str]) {
    let s = summary(dir);
    assert_eq!(s["failed"], 0, "{s:#}");
    assert!(s["passed"].as_u64().unwrap() >= 1, "{s:#}");
    for c in s["checks"].as_array().unwrap() {
        assert_eq!(c["verdict"], "pass", "{c:#}");
    }
    for f in files
        .iter()
        .chain(&["summary.json", "report.md", "config.toml"])
    {
        assert!(dir.join(f).is_file(), "{f} missing in {}", dir.display());
    }
    assert!(s["provenance"]["engram_version"].is_string());
    assert!(read(&dir.join("report.md")).contains("| PASS |"));
}

const CAPACITY: &[&str] = &[
    "capacity",
    "--n",
    "512",
    "--alpha",
    "0.1,0.12,0.14,0.16,0.18",
    "--trials",
    "5",
    "--cues",
    "16",
];

#[test]
fn capacity_check_passes_and_is_thread_and_kernel_independent() {
    let a = run_ok("cap1", &[CAPACITY, &["--threads", "1"]].concat());
    assert_all_pass(&a, &["capacity.csv", "overlap.svg", "stable.svg"]);
    let b = run_ok("cap2", &[CAPACITY, &["--threads", "2"]].concat());
    assert_eq!(read(&a.join("capacity.csv")), read(&b.join("capacity.csv")));
    assert_eq!(summary(&a)["checks"], summary(&b)["checks"]);
    assert_eq!(summary(&b)["provenance"]["threads"], 2);
    // The core reference gives the same numbers as the host kernel, bit for bit.
    let small = [
        "capacity", "--n", "100", "--alpha", "0.1,0.2", "--trials", "2", "--cues", "4",
    ];
    let h = run_ok("cap-host", &[&small[..], &["--no-check"]].concat());
    let c = run_ok(
        "cap-core",
        &[&small[..], &["--no-check", "--kernel", "core"]].concat(),
    );
    assert_eq!(read(&h.join("capacity.csv")), read(&c.join("capacity.csv")));
}

#[test]
fn dense_check_passes_and_a_failed_check_exits_nonzero() {
    let d = run_ok("dense", &["dense", "--p", "25,200", "--trials", "2"]);
    assert_all_pass(&d, &["dense.csv", "stable.svg"]);
    // A grid of loads that never crosses the 0.9 overlap fails the capacity check: exit 1, unless
    // --no-check. (Far above the dense capacity the dense check is n/a, not a FAIL: its premise
    // does not hold.)
    let out = tmp("dense-fail");
    let o_s = out.display().to_string();
    let args = [
        "hopfield", "capacity", "--n", "512", "--alpha", "0.25,0.3", "--trials", "1", "--cues",
        "2", "--out", &o_s,
    ];
    let o = engram(&args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL"));
    let out2 = tmp("dense-nocheck");
    let o2_s = out2.display().to_string();
    let mut args2 = args.to_vec();
    args2.pop();
    args2.extend([o2_s.as_str(), "--no-check"]);
    assert_eq!(engram(&args2).status.code(), Some(0));
}

const MODERN: &[&str] = &[
    "modern",
    "--patterns",
    "256",
    "--queries",
    "100",
    "--beta",
    "2,16",
];

#[test]
fn modern_checks_pass_and_are_thread_independent() {
    let a = run_ok("modern1", &[MODERN, &["--threads", "1"]].concat());
    assert_all_pass(&a, &["modern.csv", "retrieval.svg", "participation.svg"]);
    let b = run_ok("modern2", &[MODERN, &["--threads", "2"]].concat());
    assert_eq!(read(&a.join("modern.csv")), read(&b.join("modern.csv")));
    // The core reference passes the same checks.
    let c = run_ok("modern-core", &[MODERN, &["--kernel", "core"]].concat());
    assert_all_pass(&c, &["modern.csv"]);
}

#[test]
fn kde_capacity_smoke_and_thread_independence() {
    let args = [
        "kde-capacity",
        "--beta",
        "1",
        "--dims",
        "4,6",
        "--probes",
        "16",
        "--no-check",
    ];
    let a = run_ok("kde1", &[&args[..], &["--threads", "1"]].concat());
    let b = run_ok("kde2", &[&args[..], &["--threads", "2"]].concat());
    for f in [
        "kde_grid.csv",
        "kde_n50.csv",
        "fraction.svg",
        "n50.svg",
        "report.md",
    ] {
        assert!(a.join(f).is_file(), "{f}");
    }
    assert_eq!(read(&a.join("kde_grid.csv")), read(&b.join("kde_grid.csv")));
    assert_eq!(read(&a.join("kde_n50.csv")), read(&b.join("kde_n50.csv")));
    assert_eq!(summary(&a)["checks"].as_array().unwrap().len(), 1);
}

#[test]
fn grow_checks_pass() {
    let a = run_ok(
        "grow1",
        &["grow", "--seeds", "10", "--n", "400", "--threads", "1"],
    );
    assert_all_pass(&a, &["grow.csv", "memories.svg"]);
    let b = run_ok(
        "grow2",
        &["grow", "--seeds", "10", "--n", "400", "--threads", "2"],
    );
    assert_eq!(read(&a.join("grow.csv")), read(&b.join("grow.csv")));
}

fn expect_error(args: &[&str], needle: &str) {
    let mut a = vec!["hopfield"];
    a.extend(args);
    let out = tmp("err");
    let o_s = out.display().to_string();
    a.extend(["--out", &o_s]);
    let o = engram(&a);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{a:?}: {err}");
    assert!(err.contains(needle), "{a:?}: {err:?} lacks {needle:?}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{a:?}: not one line: {err:?}"
    );
}

fn write_blob(path: &Path, name: &str, shape: &[usize], data: &[f32]) {
    let specs = [TensorSpec::new(name, shape, TensorData::F32(data))];
    let mut buf = vec![0u8; blob::encoded_len(&specs).unwrap()];
    let len = blob::write(&mut buf, &specs).unwrap();
    std::fs::write(path, &buf[..len]).unwrap();
}

#[test]
fn bad_input_gives_one_line_errors_and_exit_2() {
    expect_error(
        &["modern", "--beta", "-1"],
        "beta: -1 must be a finite number > 0",
    );
    expect_error(
        &["modern", "--beta", "0,16", "--retrieve-beta", "16"],
        "beta: 0 must be",
    );
    expect_error(
        &["kde-capacity", "--beta", "0", "--dims", "4,6"],
        "beta: 0 must be",
    );
    expect_error(
        &["kde-capacity", "--dims", "4,6"],
        "dims: give one D list per β",
    );
    // A malformed --dims value is a clap error (exit 2) naming the flag and the bad entry.
    let o = engram(&["hopfield", "kde-capacity", "--dims", "4,x;5,6"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("dims: \"x\""), "{err}");
    expect_error(
        &["capacity", "--flip", "0.9"],
        "flip: 0.9 must be in [0, 0.5]",
    );
    expect_error(
        &["capacity", "--alpha", "-0.1"],
        "alpha: -0.1 must be in (0, 4]",
    );
    expect_error(&["dense", "--check-p", "7"], "check-p: 7 is not one of --p");
    expect_error(&["grow", "--k", "20"], "k: 20 is more than the 16 axes");
    expect_error(&["grow", "--threads", "0"], "threads: must be >= 1");
    // Capacity exceeded: 8 clusters cannot fit 4 memories.
    expect_error(
        &["grow", "--seeds", "2", "--n", "200", "--capacity", "4"],
        "capacity exceeded",
    );

    let dir = tmp("blobs");
    std::fs::create_dir_all(&dir).unwrap();
    let x: Vec<f32> = (0..64).map(|i| (i as f32 * 0.1).sin()).collect();
    let good = dir.join("good.blob");
    write_blob(&good, "patterns", &[2, 32], &x);
    let g = good.to_str().unwrap();
    // Pattern length ≠ d.
    expect_error(
        &["modern", "--patterns-file", g, "--dim", "64"],
        "rows have length 32, but --dim is 64",
    );
    // Missing tensor.
    expect_error(
        &["modern", "--patterns-file", g, "--tensor", "xi"],
        "tensor \"xi\"",
    );
    // NaN data.
    let mut bad = x.clone();
    bad[40] = f32::NAN;
    let nan = dir.join("nan.blob");
    write_blob(&nan, "patterns", &[2, 32], &bad);
    expect_error(
        &["modern", "--patterns-file", nan.to_str().unwrap()],
        "pattern 1 has a NaN or infinite entry at 8",
    );
    // Empty pattern set.
    let empty = dir.join("empty.blob");
    write_blob(&empty, "patterns", &[0, 32], &[]);
    expect_error(
        &["modern", "--patterns-file", empty.to_str().unwrap()],
        "empty pattern set",
    );
    // Not a blob / corrupted blob.
    let junk = dir.join("junk.blob");
    std::fs::write(&junk, b"definitely not a blob").unwrap();
    expect_error(
        &["modern", "--patterns-file", junk.to_str().unwrap()],
        "not a valid blob",
    );
    let mut bytes = std::fs::read(&good).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let corrupt = dir.join("corrupt.blob");
    std::fs::write(&corrupt, &bytes).unwrap();
    expect_error(
        &["modern", "--patterns-file", corrupt.to_str().unwrap()],
        "not a valid blob",
    );
    expect_error(
        &["modern", "--patterns-file", "/nonexistent/p.blob"],
        "patterns: reading /nonexistent/p.blob",
    );

    // A good blob runs (its patterns replace the random ones; checks are not expected to pass).
    let ok = run_ok(
        "blob-run",
        &[
            "modern",
            "--patterns-file",
            g,
            "--queries",
            "8",
            "--beta",
            "2,16",
            "--no-check",
        ],
    );
    let s = summary(&ok);
    assert_eq!(s["config"]["dim"], 32);
    assert_eq!(s["config"]["patterns"], 2);
}

#[test]
fn help_shows_every_default() {
    for (sub, defaults) in [
        (
            "capacity",
            &[
                "[default: 256,512,1024]",
                "[default: 20]",
                "[default: 0.1]",
                "[default: 100]",
                "[default: host]",
                "[default: 0]",
                "[default: all cores]",
            ][..],
        ),
        (
            "dense",
            &[
                "[default: 100]",
                "[default: 3]",
                "[default: 200]",
                "[default: 10]",
            ][..],
        ),
        (
            "modern",
            &[
                "[default: 64",
                "[default: 1024]",
                "[default: 0.5]",
                "[default: 16]",
                "[default: 2]",
                "[default: patterns]",
            ][..],
        ),
        (
            "kde-capacity",
            &[
                "[default: 0.5,1]",
                "[default: 128]",
                "[default: 12,16,20,24,28;8,11,14,17,20]",
            ][..],
        ),
        (
            "grow",
            &[
                "[default: 8]",
                "[default: 10]",
                "[default: 2000]",
                "[default: 50]",
                "[default: 25]",
                "[default: 64]",
            ][..],
        ),
    ] {
        let o = engram(&["hopfield", sub, "--help"]);
        let help = String::from_utf8_lossy(&o.stdout);
        for d in defaults {
            assert!(help.contains(d), "hopfield {sub} --help lacks {d}:\n{help}");
        }
    }
}
