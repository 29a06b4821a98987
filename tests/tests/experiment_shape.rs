//! The shared experiment shape end to end, through the `engram` binary: numbers unchanged by the
//! move onto it (golden files from before; collapse's `c1`, `c2` re-blessed for its move to random
//! stream v2, docs/rng.md#stream-versions), signals keep finished work, resume, the results-
//! directory policy, and one clear line for each class of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use engram_tests::{engram_bin, golden_path};

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("shape", name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ok(args: &[&str]) -> Output {
    let o = engram(args);
    assert!(
        o.status.success(),
        "{args:?}\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The columns of a CSV file by name.
fn columns(text: &str) -> Vec<(String, Vec<String>)> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.clone(),
                rows.iter()
                    .map(|r| r.get(i).unwrap_or(&"").to_string())
                    .collect(),
            )
        })
        .collect()
}

/// Every column of `old` (renamed through `rename`, minus `skip`) equals the new file's, bit for bit.
fn same_columns(old: &Path, new: &Path, rename: &[(&str, &str)], skip: &[&str]) {
    let (a, b) = (columns(&read(old)), columns(&read(new)));
    for (name, values) in &a {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let want = rename
            .iter()
            .find(|(o, _)| o == name)
            .map_or(name.as_str(), |(_, n)| n);
        let (_, got) = b
            .iter()
            .find(|(n, _)| n == want)
            .unwrap_or_else(|| panic!("{}: no column {want}", new.display()));
        assert_eq!(got, values, "{}: column {want} changed", new.display());
    }
}

#[test]
fn numbers_are_those_of_the_code_before_the_shape() {
    let g = golden_path("experiments");
    let out = tmp("golden");
    let c1 = out.join("c1");
    ok(&[
        "collapse",
        "--dim",
        "4,6",
        "--samples",
        "20,30",
        "--sigma",
        "0.5,1",
        "--iterations",
        "12",
        "--repeats",
        "30",
        "--mode",
        "all",
        "--threads",
        "2",
        "--out",
        c1.to_str().unwrap(),
    ]);
    same_columns(&g.join("c1/runs.csv"), &c1.join("runs.csv"), &[], &[]);
    // σ₀/T₀ run: replace is unchanged; with T₀ ≠ T accumulate still has no closed form.
    let c2 = out.join("c2");
    ok(&[
        "collapse",
        "--dim",
        "5",
        "--samples",
        "15",
        "--sigma",
        "1",
        "--sigma0",
        "2",
        "--samples0",
        "18",
        "--iterations",
        "10",
        "--repeats",
        "20",
        "--threads",
        "1",
        "--out",
        c2.to_str().unwrap(),
    ]);
    same_columns(&g.join("c2/runs.csv"), &c2.join("runs.csv"), &[], &[]);
    // Capacity: every column but the standard error, which now uses trials as the unit (fixed).
    let h1 = out.join("h1");
    ok(&[
        "hopfield",
        "capacity",
        "--n",
        "100,200",
        "--alpha",
        "0.05,0.1,0.15,0.2",
        "--trials",
        "4",
        "--cues",
        "5",
        "--out",
        h1.to_str().unwrap(),
    ]);
    same_columns(
        &g.join("h1/capacity.csv"),
        &h1.join("capacity.csv"),
        &[],
        &["overlap_stderr"],
    );
}

fn wait_for_points(dir: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if engram::experiment::dir::record_lengths(dir).is_ok_and(|r| r.len() >= n) {
            return;
        }
        std::thread::yield_now();
    }
    panic!("no finished point in {} within the deadline", dir.display());
}

/// SIGTERM (what Slurm sends) and SIGHUP (a closed terminal) stop a run like Ctrl-C: finished
/// points are written, the exit status is 128 + the signal, and `--resume` completes the run with
/// files identical to an uninterrupted one.
#[test]
fn signals_keep_finished_points_and_resume_completes_identically() {
    let sweep = [
        "collapse",
        "--dim",
        "20",
        "--samples",
        "30,35,40,45,50,55,60,65,70,75,80,85",
        "--sigma",
        "1",
        "--ridge",
        "0.1",
        "--iterations",
        "40",
        "--repeats",
        "150",
        "--threads",
        "1",
    ];
    let whole = tmp("sig-whole");
    ok(&[&sweep[..], &["--out", whole.to_str().unwrap()]].concat());
    for (sig, code) in [(libc_sigterm(), 143), (libc_sighup(), 129)] {
        let part = tmp(&format!("sig-{sig}"));
        let child = Command::new(engram_bin())
            .args(sweep)
            .args(["--out", part.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_points(&part, 1);
        let _ = Command::new("kill")
            .args([format!("-{sig}"), child.id().to_string()])
            .status();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value =
            serde_json::from_str(&read(&part.join("summary.json"))).unwrap();
        let done = summary["points_done"].as_u64().unwrap();
        assert!(done >= 1, "finished points are kept");
        let rows = read(&part.join("runs.csv")).lines().count() - 1;
        assert_eq!(
            rows as u64,
            done * 2 * 40,
            "runs.csv holds every finished point"
        );
        if done < 12 {
            assert_eq!(summary["interrupted"], true);
            ok(&[
                "collapse",
                "--resume",
                "--out",
                part.to_str().unwrap(),
                "--threads",
                "2",
            ]);
        }
        assert_eq!(read(&part.join("runs.csv")), read(&whole.join("runs.csv")));
    }
}

fn libc_sigterm() -> i32 {
    15
}
fn libc_sighup() -> i32 {
    1
}

fn expect_error(args: &[&str], needle: &str) {
    let o = engram(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {err:?}"
    );
}

#[test]
fn a_users_files_are_never_overwritten() {
    let dir = tmp("user");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report.md"), "my notes").unwrap();
    expect_error(
        &[
            "collapse",
            "--dim",
            "3",
            "--samples",
            "10",
            "--repeats",
            "5",
            "--out",
            dir.to_str().unwrap(),
        ],
        "not an engram results directory",
    );
    assert_eq!(read(&dir.join("report.md")), "my notes");
    // Another experiment's directory is refused too.
    let c = tmp("other");
    ok(&[
        "collapse",
        "--dim",
        "3",
        "--samples",
        "10",
        "--repeats",
        "5",
        "--iterations",
        "3",
        "--out",
        c.to_str().unwrap(),
    ]);
    expect_error(
        &[
            "hopfield",
            "capacity",
            "--n",
            "64",
            "--alpha",
            "0.1",
            "--trials",
            "2",
            "--cues",
            "2",
            "--resume",
            "--out",
            c.to_str().unwrap(),
        ],
        "holds an engram collapse run",
    );
}

#[test]
fn each_class_of_bad_input_gets_one_line_and_exit_2() {
    let out = tmp("bad");
    let o = out.to_str().unwrap();
    // Absurd sizes: refused before anything is allocated or created, naming the flag.
    expect_error(
        &["collapse", "--samples-mult", "1e300", "--out", o],
        "samples-mult",
    );
    expect_error(
        &["collapse", "--samples0", "9223372036854775807", "--out", o],
        "samples0",
    );
    expect_error(
        &["collapse", "--iterations", "10000000000", "--out", o],
        "iterations",
    );
    expect_error(
        &[
            "hopfield",
            "capacity",
            "--trials",
            "1000000000000",
            "--out",
            o,
        ],
        "trials",
    );
    expect_error(&["collapse", "--threads", "100000", "--out", o], "threads");
    // Non-finite results: σ so large the errors overflow.
    expect_error(&["collapse", "--sigma", "1e153", "--out", o], "sigma");
    // Duplicate points.
    expect_error(
        &["collapse", "--dim", "4,4", "--out", o],
        "dim: 4 is given twice",
    );
    expect_error(
        &[
            "collapse",
            "--dim",
            "10",
            "--samples-mult",
            "3,3.04",
            "--out",
            o,
        ],
        "samples-mult: two values give T = 30",
    );
    // A seed TOML cannot record.
    expect_error(
        &["collapse", "--seed", "18446744073709551615", "--out", o],
        "seed:",
    );
    assert!(!out.exists(), "a refused run leaves no results folder");
    // A config file that never ends.
    expect_error(
        &["collapse", "--config", "/dev/zero", "--out", o],
        "larger than",
    );
    // I/O errors name the path.
    expect_error(
        &[
            "collapse",
            "--dim",
            "3",
            "--samples",
            "10",
            "--out",
            "/proc/engram-no/x",
        ],
        "/proc/engram-no/x",
    );
}

#[test]
fn merge_errors_name_the_shard() {
    let base = [
        "collapse",
        "--dim",
        "3,4",
        "--samples",
        "12",
        "--repeats",
        "5",
        "--iterations",
        "4",
    ];
    let (a, b, c) = (tmp("m0"), tmp("m1"), tmp("mx"));
    ok(&[&base[..], &["--shard", "0/2", "--out", a.to_str().unwrap()]].concat());
    ok(&[
        &base[..],
        &[
            "--shard",
            "0/2",
            "--seed",
            "1",
            "--out",
            b.to_str().unwrap(),
        ],
    ]
    .concat());
    let o = engram(&[
        "collapse",
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        c.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(b.to_str().unwrap()) && err.contains("seed"),
        "{err}"
    );
    let o = engram(&[
        "collapse",
        "merge",
        a.to_str().unwrap(),
        "--out",
        c.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing from the shards"));
}

/// `engram reproduce --quick` passes every check, writes a self-contained HTML report with the
/// figures inline, and a second run reuses finished parts. (This debug-build test runs the
/// experiments that are fast without optimisation; `cargo xtask test` runs the whole registry
/// with the release binary.)
#[test]
fn reproduce_quick_passes_and_reuses_finished_parts() {
    let out = tmp("reproduce");
    let only = "collapse,hopfield-capacity,hopfield-dense,hopfield-modern,hopfield-grow";
    let o = ok(&[
        "reproduce",
        "--quick",
        "--only",
        only,
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(" 0 failed"), "{text}");
    let html = read(&out.join("report.html"));
    assert!(html.contains("<svg"), "figures inline");
    assert!(!html.contains("src=\""), "no external references");
    for name in [
        "collapse",
        "hopfield-capacity",
        "hopfield-dense",
        "hopfield-modern",
        "hopfield-grow",
    ] {
        assert!(out.join(name).join("summary.json").exists(), "{name} ran");
        assert!(html.contains(name), "{name} in the report");
    }
    assert!(read(&out.join("report.md")).contains("| PASS"));
    let parts = text.lines().filter(|l| l.contains(" passed ")).count();
    assert_eq!(parts, 5, "{text}");
    assert!(
        !out.join("hopfield-kde-capacity").exists(),
        "--only selects"
    );
    let again = ok(&[
        "reproduce",
        "--quick",
        "--only",
        only,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout)
            .matches("(reused)")
            .count(),
        parts,
        "a second run reuses every finished part"
    );
    let o = engram(&[
        "reproduce",
        "--only",
        "nosuch",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}
