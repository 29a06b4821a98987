//! `engram rnn train` end to end: a tiny supervised run whose checks pass (the loss falls,
//! decoding beats chance; the full-length target n/a with the reason), its files (a network blob
//! the core loads, loss.csv, final.csv, curves.svg), `--print-config` of a preset, `--resume` of a
//! finished run, and one-line errors with exit status 2 for bad flags.

use std::path::PathBuf;
use std::process::{Command, Output};

use engram_tests::engram_bin;

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("train-cli", name)
}

const TINY: &[&str] = &[
    "rnn",
    "train",
    "--ng",
    "32",
    "--np",
    "64",
    "--sigma",
    "0.3",
    "--batch",
    "32",
    "--seq-len",
    "10",
    "--steps",
    "150",
    "--lr",
    "0.01",
    "--eval-every",
    "50",
    "--eval-batch",
    "100",
    "--checkpoint-every",
    "50",
    "--threads",
    "2",
];

#[test]
fn a_tiny_run_passes_its_checks_and_writes_a_loadable_network() {
    let out = tmp("tiny");
    let o = out.display().to_string();
    let mut args = TINY.to_vec();
    args.extend(["--out", &o]);
    let r = engram(&args);
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(
        r.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("n/a (run of 150 steps"), "{stdout}");
    let bytes = std::fs::read(out.join("network.bin")).unwrap();
    let blob = engram_core::blob::Blob::parse(&bytes).unwrap();
    let m = engram_core::rnn::Model::from_blob(&blob).unwrap();
    assert_eq!((m.dims.hidden, m.dims.places, m.meta.decode_k), (32, 64, 3));
    let csv = std::fs::read_to_string(out.join("loss.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    assert!(csv.starts_with("seed,step,train_loss,eval_loss,decode_cm"));
    assert!(out.join("curves.svg").exists() && out.join("final.csv").exists());

    // Resuming a finished run does nothing and reports the same checks.
    let r = engram(&["rnn", "train", "--resume", "--out", &o]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(std::fs::read(out.join("network.bin")).unwrap(), bytes);
}

#[test]
fn presets_print_and_bad_flags_exit_2() {
    let r = engram(&["rnn", "train", "--preset", "board", "--print-config"]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success());
    assert!(
        text.contains("ng = 128") && text.contains("np = 128"),
        "{text}"
    );
    let r = engram(&[
        "rnn",
        "train",
        "--preset",
        "paper",
        "--steps",
        "7",
        "--print-config",
    ]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(
        text.contains("ng = 4096") && text.contains("steps = 7"),
        "{text}"
    );
    for (args, flag) in [
        (vec!["--ng", "0"], "ng:"),
        (vec!["--lr", "-1"], "lr:"),
        (vec!["--objective", "ssl"], "activation:"),
        (vec!["--preset", "huge"], "preset:"),
        (vec!["--seed", "1,1"], "seed:"),
    ] {
        let mut a = vec!["rnn", "train", "--print-config"];
        a.extend(args);
        let r = engram(&a);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{a:?}: {err}");
        assert!(err.contains(flag), "{a:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
