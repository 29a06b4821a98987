//! `engram rnn analyze` end to end, with tiny sizes (seconds in debug): on the firmware's
//! hand-built integrator blob (decoding beats chance, both nulls counted, the grid-preset test n/a
//! without a training configuration) and on a short `grid`-style run trained here through the
//! library (200 steps, 32 units; the binomial test against the initialisation null applies and states its threshold);
//! the outputs' shapes; bad arguments are one line with exit status 2.

use std::path::{Path, PathBuf};
use std::process::Command;

use engram::experiment::registry::run_config;
use engram::experiment::{RunOptions, Verdict};
use engram::rnn::analyze::{Analyze, AnalyzeConfig, SCORES_HEADER};
use engram::rnn::npy;
use engram::rnn::train::{Train, TrainConfig};
use engram::signals::Stop;
use engram_tests::{engram_bin, workspace_root};

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("analyze", name)
}

fn opts(dir: &Path) -> RunOptions {
    engram_tests::quiet_opts(dir)
}

fn small(cfg: AnalyzeConfig) -> AnalyzeConfig {
    AnalyzeConfig {
        trajectories: 40,
        steps: 20,
        bins: 10,
        shifts: 2,
        top: 4,
        ..cfg
    }
}

/// The scores.csv rows, and the ratemaps.npy shape, of a results directory.
fn outputs(dir: &Path, units: usize, bins: usize) -> Vec<Vec<String>> {
    let a = npy::read(&dir.join("ratemaps.npy")).unwrap();
    assert_eq!(a.shape, [units, bins, bins]);
    let csv = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), SCORES_HEADER.join(","));
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), units);
    for f in ["ratemaps.svg", "autocorr.svg", "nulls.svg", "nulls.csv"] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    rows
}

#[test]
fn integrator_blob_decodes_and_reports_both_nulls() {
    let dir = tmp("integrator");
    let blob = workspace_root().join("firmware/data/rnn-integrator-f32.bin");
    let cfg = small(AnalyzeConfig {
        weights: Some(blob),
        ..AnalyzeConfig::default()
    });
    let out = run_config::<Analyze>(cfg, &opts(&dir), &Stop::new()).unwrap();
    let checks = &out.summary.checks;
    assert_eq!(checks.len(), 3, "{checks:?}");
    // The exact integrator decodes far better than chance at the last step.
    assert_eq!(checks[0].verdict, Verdict::Pass, "{checks:?}");
    assert!(checks[0].measured.unwrap() < 20.0, "{checks:?}");
    assert_eq!(checks[1].verdict, Verdict::NotApplicable);
    assert!(checks[1].what.contains("shifted null's p99"));
    assert_eq!(checks[2].verdict, Verdict::NotApplicable);
    assert!(checks[2].reason.as_deref().unwrap().contains("--weights"));
    let rows = outputs(&dir, 64, 10);
    for r in &rows {
        let s60: f64 = r[1].parse().unwrap();
        assert!(s60.is_finite() && (-2.0..=2.0).contains(&s60), "{r:?}");
        assert!(r[7] == "true" || r[7] == "false");
    }
    let nulls = std::fs::read_to_string(dir.join("nulls.csv")).unwrap();
    assert_eq!(nulls.lines().count(), 3, "{nulls}");
    assert!(nulls.lines().nth(2).unwrap().starts_with("0,init,64,"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trained_grid_run_gets_the_binomial_test() {
    let run = tmp("train");
    let cfg = TrainConfig {
        ng: 32,
        np: 64,
        batch: 32,
        seq_len: 10,
        steps: 200,
        lr: 1e-2,
        periodic: true,
        weight_decay: 1e-4,
        eval_every: 50,
        eval_batch: 20,
        checkpoint_every: 0,
        seed: vec![3],
        ..TrainConfig::default()
    };
    run_config::<Train>(cfg, &opts(&run), &Stop::new()).unwrap();
    assert!(run.join("network.bin").exists());
    let dir = tmp("trained");
    // Held-out trajectories as long as the training ones.
    let cfg = small(AnalyzeConfig {
        run_dir: Some(run.clone()),
        steps: 10,
        ..AnalyzeConfig::default()
    });
    let out = run_config::<Analyze>(cfg.clone(), &opts(&dir), &Stop::new()).unwrap();
    let checks = &out.summary.checks;
    assert_eq!(checks.len(), 3, "{checks:?}");
    assert!(checks.iter().all(|c| c.point == "seed=3"), "{checks:?}");
    // 200 steps already beat chance.
    assert_eq!(checks[0].verdict, Verdict::Pass, "{checks:?}");
    // The grid-preset test applies: a real verdict, the threshold stated (32 units: P(X ≥ 3) =
    // 4.0e-3, P(X ≥ 2) = 0.041, so k ≥ 3).
    let b = &checks[2];
    assert_ne!(b.verdict, Verdict::NotApplicable, "{b:?}");
    assert_eq!(b.tolerance, "≥ 3 of 32 (binomial tail p < 0.01)");
    assert_eq!(
        b.verdict == Verdict::Pass,
        b.measured.unwrap() >= 3.0,
        "{b:?}"
    );
    let rows = outputs(&dir, 32, 10);
    let above: usize = rows.iter().filter(|r| r[8] == "true").count();
    assert_eq!(above as f64, b.measured.unwrap());
    // Deterministic: the same analysis again writes the same scores.
    let dir2 = tmp("trained2");
    let cfg_again = cfg.clone();
    run_config::<Analyze>(cfg, &opts(&dir2), &Stop::new()).unwrap();
    assert_eq!(
        std::fs::read(dir.join("scores.csv")).unwrap(),
        std::fs::read(dir2.join("scores.csv")).unwrap()
    );
    // Trained without weight decay (not the grid preset's recipe): the test is n/a with the reason.
    let mut t: TrainConfig =
        engram::experiment::config::read_config(&run.join("config.toml")).unwrap();
    t.weight_decay = 0.0;
    std::fs::write(
        run.join("config.toml"),
        engram::experiment::config::to_toml(&t).unwrap(),
    )
    .unwrap();
    let dir3 = tmp("trained3");
    let out = run_config::<Analyze>(cfg_again, &opts(&dir3), &Stop::new()).unwrap();
    let b = &out.summary.checks[2];
    assert_eq!(b.verdict, Verdict::NotApplicable, "{b:?}");
    assert!(
        b.reason.as_deref().unwrap().contains("grid preset"),
        "{b:?}"
    );
    let _ = std::fs::remove_dir_all(&dir3);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
    let _ = std::fs::remove_dir_all(&run);
}

/// A run of several seeds holds `network-seed<S>.bin`, no `network.bin`: every seed is analysed.
#[test]
fn a_multi_seed_run_is_analysed_seed_by_seed() {
    let run = tmp("train-seeds");
    let cfg = TrainConfig {
        ng: 16,
        np: 32,
        batch: 8,
        seq_len: 5,
        steps: 5,
        eval_every: 5,
        eval_batch: 8,
        checkpoint_every: 0,
        seed: vec![4, 7],
        ..TrainConfig::default()
    };
    run_config::<Train>(cfg, &opts(&run), &Stop::new()).unwrap();
    assert!(!run.join("network.bin").exists());
    let dir = tmp("trained-seeds");
    let cfg = small(AnalyzeConfig {
        run_dir: Some(run.clone()),
        steps: 5,
        ..AnalyzeConfig::default()
    });
    let out = run_config::<Analyze>(cfg, &opts(&dir), &Stop::new()).unwrap();
    let points: std::collections::BTreeSet<&str> = out
        .summary
        .checks
        .iter()
        .map(|c| c.point.as_str())
        .collect();
    assert_eq!(points, ["seed=4", "seed=7"].into_iter().collect());
    let _ = std::fs::remove_dir_all(run);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_arguments_are_one_line_exit_2() {
    for args in [
        vec!["rnn", "analyze", "--trajectories", "5"],
        vec!["rnn", "analyze", "/nonexistent/run"],
        vec!["rnn", "analyze", "--weights", "/nonexistent/blob.bin"],
    ] {
        let o = Command::new(engram_bin()).args(&args).output().unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.trim().lines().count(), 1, "{e}");
        assert!(!e.contains("panicked"), "{e}");
    }
}
