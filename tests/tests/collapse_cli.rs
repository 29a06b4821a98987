//! `engram collapse` end to end: determinism across thread counts, shard + merge identity, resume
//! after an interruption, agreement with the core reference, and one-line errors for bad input.

use std::path::Path;
use std::process::Command;

use engram_tests::engram_bin;

fn engram(args: &[&str]) -> std::process::Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> std::path::PathBuf {
    engram_tests::fresh_dir("test", name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A small sweep over every code path: shortcut (fixed, no ridge), literal (ridge), subsample.
const SWEEP: &[&str] = &[
    "collapse",
    "--dim",
    "3,5",
    "--samples",
    "12,20",
    "--sigma",
    "0.5,1",
    "--ridge",
    "0,0.1",
    "--iterations",
    "12",
    "--repeats",
    "40",
    "--mode",
    "all",
];

fn run_sweep(out: &Path, extra: &[&str]) {
    let mut args: Vec<&str> = SWEEP.to_vec();
    let out_s = out.to_str().unwrap();
    args.extend(["--out", out_s]);
    args.extend(extra);
    let o = engram(&args);
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn one_and_two_threads_write_identical_files() {
    let (a, b) = (tmp("t1"), tmp("t2"));
    run_sweep(&a, &["--threads", "1"]);
    run_sweep(&b, &["--threads", "2"]);
    assert_eq!(read(&a.join("runs.csv")), read(&b.join("runs.csv")));
    assert_eq!(read(&a.join("config.toml")), read(&b.join("config.toml")));
    let sa: serde_json::Value = serde_json::from_str(&read(&a.join("summary.json"))).unwrap();
    let sb: serde_json::Value = serde_json::from_str(&read(&b.join("summary.json"))).unwrap();
    assert_eq!(sa["checks"], sb["checks"]);
    assert_eq!(sa["provenance"]["threads"], 1);
    assert_eq!(sb["provenance"]["threads"], 2);
    for f in ["report.md", "test_error.svg", "test_error_normalised.svg"] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn shards_merge_into_the_unsharded_files() {
    let whole = tmp("whole");
    run_sweep(&whole, &[]);
    let shards: Vec<_> = (0..3).map(|i| tmp(&format!("shard{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        run_sweep(dir, &["--shard", &format!("{i}/3")]);
    }
    let merged = tmp("merged");
    let mut args = vec!["collapse", "merge"];
    let shard_strs: Vec<String> = shards.iter().map(|d| d.display().to_string()).collect();
    args.extend(shard_strs.iter().map(String::as_str));
    let merged_s = merged.display().to_string();
    args.extend(["--out", &merged_s]);
    let o = engram(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&whole.join("runs.csv")),
        read(&merged.join("runs.csv"))
    );
    assert_eq!(
        read(&whole.join("config.toml")),
        read(&merged.join("config.toml"))
    );
    let sw: serde_json::Value = serde_json::from_str(&read(&whole.join("summary.json"))).unwrap();
    let sm: serde_json::Value = serde_json::from_str(&read(&merged.join("summary.json"))).unwrap();
    assert_eq!(sw["checks"], sm["checks"]);

    // A missing shard is an error that names the missing points.
    let partial = tmp("partial");
    let partial_s = partial.display().to_string();
    let o = engram(&[
        "collapse",
        "merge",
        &shard_strs[0],
        &shard_strs[1],
        "--out",
        &partial_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing from the shards"));
}

/// Cut `runs.csv` back to its first point (as if Ctrl-C had stopped the run), resume, and get the
/// uninterrupted file back byte for byte: finished work is kept, nothing is recomputed differently.
/// A run killed mid-way (its checkpoint holds one finished point and a line cut short) resumes to
/// files identical to an uninterrupted run's, at another thread count; without `--resume` the
/// directory is protected.
#[test]
fn resume_after_interruption_completes_identically() {
    let whole = tmp("resume-whole");
    run_sweep(&whole, &["--threads", "2"]);
    let full = read(&whole.join("runs.csv"));
    let part = tmp("resume-part");
    std::fs::create_dir_all(part.join(".engram")).unwrap();
    for f in ["config.toml", ".engram/manifest.json"] {
        std::fs::copy(whole.join(f), part.join(f)).unwrap();
    }
    let cp = std::path::Path::new(".engram").join(engram::experiment::dir::CHECKPOINT);
    let bytes = std::fs::read(whole.join(&cp)).unwrap();
    let lens = engram::experiment::dir::record_lengths(&whole).unwrap();
    // One whole point, then half of the next record (SIGKILL while writing).
    std::fs::write(part.join(&cp), &bytes[..lens[0] + lens[1] / 2]).unwrap();
    let o = engram(&[SWEEP, &["--out", part.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    // `--resume --out DIR` alone uses the saved configuration.
    let o = engram(&[
        "collapse",
        "--resume",
        "--out",
        part.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&part.join("runs.csv")), full);
    // A differing flag on resume names the field.
    let o = engram(&[
        "collapse",
        "--resume",
        "--out",
        part.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume: seed is 3 here but 0"));
}

/// The host's numbers are the core reference's: recompute one literal-path point (ridge > 0) with
/// `engram_core::collapse::run_chain` and the documented stream keys, and compare bit for bit.
#[test]
fn host_means_equal_core_reference() {
    use engram::collapse::{PointResult, SweepConfig};
    use engram_core::collapse::{Mode, run_chain, scratch_len};
    use engram_core::rng::Rng;

    let out = tmp("core-agree");
    run_sweep(&out, &[]);
    let cfg: SweepConfig =
        engram::experiment::config::read_config(&out.join("config.toml")).unwrap();
    let results = engram::experiment::dir::read_points::<PointResult>(&out).unwrap();
    let r = results.values().find(|r| r.point.ridge > 0.0).unwrap();
    for (mi, mode) in [Mode::Replace, Mode::Accumulate].into_iter().enumerate() {
        let chain = cfg.chain(&r.point, mode);
        let mut scratch = vec![0.0; scratch_len(&chain)];
        let mut errors = vec![0.0; cfg.iterations];
        let mut sum = vec![0.0; cfg.iterations];
        for rep in 0..cfg.repeats {
            let mut rng = Rng::keyed(cfg.seed, &cfg.stream_key(&r.point, rep));
            run_chain(&chain, &mut rng, &mut scratch, &mut errors).unwrap();
            for (s, e) in sum.iter_mut().zip(&errors) {
                *s += e;
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / cfg.repeats as f64).collect();
        assert_eq!(r.modes[mi].mean, mean, "{mode:?}");
    }
}

fn expect_error(args: &[&str], needle: &str) {
    let o = engram(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    let lines = err.trim_end().lines().count();
    assert_eq!(lines, 1, "{args:?}: error is not one line: {err:?}");
}

#[test]
fn bad_input_gives_one_line_errors_naming_the_field() {
    expect_error(
        &[
            "collapse",
            "--dim",
            "10",
            "--samples",
            "5",
            "--print-config",
        ],
        "samples: T = 5 < d = 10",
    );
    expect_error(
        &["collapse", "--sigma", "-1", "--print-config"],
        "sigma: -1 must be",
    );
    expect_error(
        &["collapse", "--repeats", "0", "--print-config"],
        "repeats: must be >= 1",
    );
    let cfg = tmp("cfg");
    std::fs::create_dir_all(&cfg).unwrap();
    let unknown = cfg.join("unknown.toml");
    std::fs::write(&unknown, "dims = [3]\n").unwrap();
    expect_error(
        &[
            "collapse",
            "--config",
            unknown.to_str().unwrap(),
            "--print-config",
        ],
        "unknown field `dims`",
    );
    let malformed = cfg.join("malformed.toml");
    std::fs::write(&malformed, "dim = [3\n").unwrap();
    expect_error(
        &[
            "collapse",
            "--config",
            malformed.to_str().unwrap(),
            "--print-config",
        ],
        "malformed.toml",
    );
    // clap reports bad flag values itself (exit 2), naming the flag.
    let o = engram(&["collapse", "--shard", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard"));
}

#[test]
fn flags_override_the_config_file() {
    let dir = tmp("override");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.toml");
    std::fs::write(
        &path,
        "dim = [4, 6]\nsamples-mult = 3\nsigma = 0.5\nrepeats = 7\n",
    )
    .unwrap();
    let o = engram(&[
        "collapse",
        "--config",
        path.to_str().unwrap(),
        "--repeats",
        "9",
        "--print-config",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let c: engram::collapse::SweepConfig =
        engram::experiment::config::from_toml(&text, "stdout").unwrap();
    assert_eq!(c.dim, vec![4, 6]);
    assert_eq!(c.samples_mult, Some(vec![3.0]));
    assert_eq!(c.samples, None);
    assert_eq!(c.repeats, 9);
    assert_eq!(c.sigma, vec![0.5]);
}

#[test]
fn help_shows_every_default() {
    let o = engram(&["collapse", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for d in [
        "[default: 32]",
        "[default: 100]",
        "[default: 1]",
        "[default: 50]",
        "[default: 0]",
        "[default: both]",
        "[default: fixed]",
        "[default: σ]",
        "[default: T]",
        "[default: all cores]",
    ] {
        assert!(help.contains(d), "--help lacks {d}:\n{help}");
    }
}
