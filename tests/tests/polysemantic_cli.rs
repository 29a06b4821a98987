//! `engram polysemantic` end to end at a tiny size: the files, results independent of the thread
//! count, and one-line errors (exit 2) for bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

use engram_tests::engram_bin;

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("poly", name)
}

const TINY: &[&str] = &[
    "polysemantic",
    "--n",
    "6",
    "--m",
    "12,24,48",
    "--seeds",
    "4",
    "--steps",
    "300",
    "--lr",
    "0.01",
    "--no-check",
];

fn run(name: &str, threads: &str) -> PathBuf {
    let out = tmp(name);
    let o_s = out.display().to_string();
    let mut a = TINY.to_vec();
    a.extend(["--threads", threads, "--out", &o_s]);
    let o = engram(&a);
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[test]
fn tiny_run_writes_its_files_independent_of_threads() {
    let a = run("t1", "1");
    let b = run("t2", "2");
    for f in ["runs.csv", "counts.csv"] {
        let x = std::fs::read(a.join(f)).unwrap();
        assert_eq!(x, std::fs::read(b.join(f)).unwrap(), "{f} differs");
    }
    let runs = std::fs::read_to_string(a.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 3 * 4);
    assert!(a.join("count_vs_m.svg").is_file());
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("summary.json")).unwrap()).unwrap();
    assert!(!s["checks"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (flag, value) in [
        ("--lr", "0"),
        ("--n", "1"),
        ("--lambda", "-1"),
        ("--seeds", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let o = engram(&["polysemantic", &arg, "--print-config"]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(flag.trim_start_matches("--")), "{err}");
    }
}
