//! `rnn-grid-emergence` end to end at a tiny size (two seeds of a 120-step `grid`-style run, 32
//! units, a snapshot at step 60; seconds in debug): the plumbing and the outputs, not the
//! science — the checks are there with their stated threshold, `emergence.csv` holds the untrained
//! network and every analysed step per seed, its final counts equal `engram rnn analyze` on the
//! written network, the figure is drawn; the entry runs at `--full` only; bad tables are named.

use std::path::{Path, PathBuf};

use engram::experiment::registry::{Tier, registry, run_config};
use engram::experiment::{Experiment, RunOptions, Verdict};
use engram::rnn::analyze::{Analyze, AnalyzeConfig};
use engram::rnn::emergence::{EMERGENCE_HEADER, EmergenceConfig, GridEmergence};
use engram::rnn::train::TrainConfig;
use engram::signals::Stop;

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("emergence", name)
}

fn opts(dir: &Path) -> RunOptions {
    engram_tests::quiet_opts(dir)
}

fn sampling() -> AnalyzeConfig {
    AnalyzeConfig {
        trajectories: 40,
        steps: 10,
        bins: 10,
        shifts: 2,
        ..AnalyzeConfig::default()
    }
}

fn tiny() -> EmergenceConfig {
    EmergenceConfig {
        train: TrainConfig {
            ng: 32,
            np: 64,
            batch: 16,
            seq_len: 10,
            steps: 120,
            lr: 1e-2,
            periodic: true,
            weight_decay: 1e-4,
            eval_every: 30,
            eval_batch: 20,
            checkpoint_every: 60,
            snapshot_every: 60,
            seed: vec![3, 4],
            ..TrainConfig::default()
        },
        analysis: sampling(),
    }
}

#[test]
fn tiny_run_writes_the_curve_and_checks_every_seed() {
    let dir = tmp("run");
    let out = run_config::<GridEmergence>(tiny(), &opts(&dir), &Stop::new()).unwrap();
    assert!(!out.summary.interrupted);
    let checks = &out.summary.checks;
    for seed in ["seed=3", "seed=4"] {
        let mine: Vec<_> = checks.iter().filter(|c| c.point == seed).collect();
        // The trainer's three, the binomial test on the final network, the best snapshot.
        assert_eq!(mine.len(), 5, "{checks:?}");
        let binomial = mine
            .iter()
            .find(|c| c.what.starts_with("final network (step 120)"))
            .unwrap_or_else(|| panic!("{checks:?}"));
        assert_ne!(binomial.verdict, Verdict::NotApplicable, "{binomial:?}");
        assert_eq!(binomial.tolerance, "≥ 3 of 32 (binomial tail p < 0.01)");
        let best = mine
            .iter()
            .find(|c| c.what.starts_with("most units above that null"))
            .unwrap();
        assert_eq!(best.verdict, Verdict::NotApplicable);
    }

    let csv = std::fs::read_to_string(dir.join("emergence.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), EMERGENCE_HEADER.join(","));
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let steps: Vec<(&str, &str)> = rows.iter().map(|r| (&*r[0], &*r[1])).collect();
    assert_eq!(
        steps,
        [
            ("3", "0"),
            ("3", "60"),
            ("3", "120"),
            ("4", "0"),
            ("4", "60"),
            ("4", "120")
        ]
    );
    for r in &rows {
        assert_eq!(r[2], "32");
        assert_eq!(r[6], "3", "binomial threshold for 32 units");
        let k: f64 = r[4].parse().unwrap();
        let frac: f64 = r[5].parse().unwrap();
        assert_eq!(frac, k / 32.0);
        // The untrained network against its own p99: at most 1 % of 32 rounds to 0 or 1.
        if r[1] == "0" {
            assert!(k <= 1.0, "{r:?}");
        }
    }
    assert!(dir.join("emergence.svg").exists());
    let svg = std::fs::read_to_string(dir.join("emergence.svg")).unwrap();
    assert!(svg.contains("binomial threshold"), "the threshold is drawn");

    // The final network's count is what `engram rnn analyze` finds on the written network.
    let net = dir.join("network-seed3.bin");
    assert!(net.exists() && dir.join("network-seed4.bin").exists());
    let adir = tmp("analyze");
    let cfg = AnalyzeConfig {
        weights: Some(net),
        init_seed: 3,
        ..sampling()
    };
    run_config::<Analyze>(cfg, &opts(&adir), &Stop::new()).unwrap();
    let nulls = std::fs::read_to_string(adir.join("nulls.csv")).unwrap();
    let trained: Vec<&str> = nulls.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(trained[1], "trained");
    let last = &rows[2];
    assert_eq!(
        (trained[5], trained[6]),
        (&*last[3], &*last[4]),
        "init p99 and count"
    );
    assert_eq!(
        (trained[3], trained[4]),
        (&*last[7], &*last[8]),
        "shifted p99 and count"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&adir);
}

#[test]
fn registered_for_full_only_and_skipped_below() {
    let all = registry();
    let e = all.iter().find(|e| e.name == "rnn-grid-emergence").unwrap();
    assert_eq!(e.tiers, [Tier::Full]);
    assert!(!e.runs_at(Tier::Quick) && !e.runs_at(Tier::Default));
    let toml = (e.config)(Tier::Full).unwrap();
    assert!(toml.contains("seed = [0, 1, 2]") && toml.contains("snapshot-every = 500"));
    assert!(toml.contains("periodic = true") && toml.contains("weight-decay = 0.0001"));
    // A quick reproduction of it alone runs nothing.
    let dir = tmp("reproduce");
    let only = engram::reproduce::select(&["rnn-grid-emergence".to_owned()]).unwrap();
    let r = engram::reproduce::run(&only, Tier::Quick, &dir, 1, false, &Stop::new()).unwrap();
    assert!(r.parts.is_empty());
    assert!(!dir.join("rnn-grid-emergence").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_tables_name_their_key() {
    let mut c = tiny();
    c.analysis.weights = Some(PathBuf::from("x.bin"));
    let e = GridEmergence::new(c).err().unwrap().to_string();
    assert!(e.starts_with("analysis.run-dir:"), "{e}");
    let mut c = tiny();
    c.analysis.bins = 2;
    let e = GridEmergence::new(c).err().unwrap().to_string();
    assert!(e.starts_with("analysis.bins:"), "{e}");
    let mut c = tiny();
    c.train.snapshot_every = 0;
    c.train.ng = 0;
    let e = GridEmergence::new(c).err().unwrap().to_string();
    assert!(e.starts_with("train.ng:"), "{e}");
}
