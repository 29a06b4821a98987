//! `engram scaling` end to end: the committed three-model family (tests/fixtures/scaling/) as CSV
//! and as lm-evaluation-harness JSONL give the same per-sample correlations, equal to SciPy's;
//! a malformed row is one line naming file:line with exit 2; the synthetic quick tier passes.

use std::path::PathBuf;
use std::process::{Command, Output};

use engram_tests::engram_bin;

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    engram_tests::fresh_dir("scaling", name)
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scaling")
        .join(name)
        .display()
        .to_string()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// samples.csv as (header, rows of cells).
fn table(dir: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("samples.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn get(t: &(Vec<String>, Vec<Vec<String>>), sample: usize, col: &str) -> f64 {
    let c = t.0.iter().position(|h| h == col).unwrap();
    t.1[sample][c].parse().unwrap()
}

#[test]
fn csv_and_jsonl_agree_with_scipy() {
    let models = fixture("models.csv");
    let a = tmp("csv");
    let a_s = a.display().to_string();
    ok(&engram(&[
        "scaling",
        &fixture("family.csv"),
        "--models",
        &models,
        "--out",
        &a_s,
    ]));
    let t = table(&a);
    assert_eq!(t.1.len(), 2);
    // SciPy (pearsonr, spearmanr, kendalltau) on the fixture's chains: sample 0 improves on
    // every metric; in sample 1 choice B gains faster than the correct choice A, so
    // p_choices(correct) falls while log p_vocab(correct) rises.
    for m in [
        "log_p_vocab",
        "p_vocab",
        "p_choices",
        "accuracy",
        "neg_brier",
    ] {
        for k in ["spearman", "kendall"] {
            assert_eq!(get(&t, 0, &format!("{m}_{k}")), 1.0, "{m} {k}");
        }
    }
    let near = |v: f64, w: f64| assert!((v - w).abs() < 1e-9, "{v} vs {w}");
    near(get(&t, 0, "p_vocab_pearson"), 0.9662020250915946);
    near(get(&t, 0, "accuracy_pearson"), 0.9819805060619656);
    near(get(&t, 1, "log_p_vocab_spearman"), 1.0);
    near(get(&t, 1, "p_choices_pearson"), -0.9527108632000061);
    near(get(&t, 1, "p_choices_kendall"), -1.0);
    near(get(&t, 1, "accuracy_pearson"), -0.8660254037844387);
    near(get(&t, 1, "accuracy_kendall"), -0.816496580927726);
    near(get(&t, 1, "neg_brier_pearson"), -0.9657038348103804);

    let b = tmp("jsonl");
    let b_s = b.display().to_string();
    ok(&engram(&[
        "scaling",
        &fixture("small.jsonl"),
        &fixture("medium.jsonl"),
        &fixture("large.jsonl"),
        "--models",
        &models,
        "--out",
        &b_s,
    ]));
    for f in ["samples.csv", "correlations.csv"] {
        assert_eq!(
            std::fs::read_to_string(a.join(f)).unwrap(),
            std::fs::read_to_string(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let fam = std::fs::read_to_string(a.join("family.csv")).unwrap();
    assert!(fam.lines().nth(1).unwrap().starts_with("small,100000000,"));
    assert!(a.join("correlations.svg").is_file());
}

#[test]
fn model_names_map_jsonl_files() {
    let out = tmp("names");
    let out_s = out.display().to_string();
    // the files' stems do not matter when --model-name names them
    ok(&engram(&[
        "scaling",
        &fixture("large.jsonl"),
        &fixture("small.jsonl"),
        &fixture("medium.jsonl"),
        "--model-name",
        "large,small,medium",
        "--models",
        &fixture("models.csv"),
        "--out",
        &out_s,
    ]));
    let o = engram(&[
        "scaling",
        &fixture("large.jsonl"),
        "--model-name",
        "huge",
        "--models",
        &fixture("models.csv"),
        "--out",
        &tmp("names2").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("large.jsonl:1: model \"huge\""), "{err}");
}

#[test]
fn malformed_rows_name_file_and_line_and_exit_2() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(fixture("family.csv")).unwrap();
    let cases = [
        (
            good.replace("medium,1,B,-0.8,0", "medium,1,B,minus,0"),
            ":15: loglik",
        ),
        (good.replace("large,0,C,-2,0", "large,0,C,-2"), ":10:"),
        (
            good.replace("small,1,C,-4,0", "small,1,C,-4,1"),
            ":13: sample \"1\"",
        ),
        (
            good.replace("large,1,B,-0.1,0", "large,1,B,-0.1,yes"),
            ":18: correct",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let f = dir.join(format!("bad{i}.csv"));
        std::fs::write(&f, text).unwrap();
        let o = engram(&[
            "scaling",
            &f.display().to_string(),
            "--models",
            &fixture("models.csv"),
            "--out",
            &dir.join(format!("out{i}")).display().to_string(),
        ]);
        assert_eq!(o.status.code(), Some(2), "case {i}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let at = format!("bad{i}.csv{want}");
        assert!(err.contains(&at), "case {i}: {err} lacks {at}");
    }
    let o = engram(&["scaling", "--print-config"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--synthetic"));
}

#[test]
fn synthetic_quick_tier_passes_its_checks() {
    let out = tmp("synth");
    let out_s = out.display().to_string();
    let o = engram(&[
        "scaling",
        "--synthetic",
        "--synth-samples",
        "400",
        "--out",
        &out_s,
    ]);
    ok(&o);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["failed"], 0);
    assert_eq!(s["passed"], 15);
    // the written fixture reads back to the same per-sample correlations
    let back = tmp("synth-back");
    ok(&engram(&[
        "scaling",
        &out.join("fixture.csv").display().to_string(),
        "--models",
        &out.join("fixture_models.csv").display().to_string(),
        "--out",
        &back.display().to_string(),
    ]));
    assert_eq!(
        std::fs::read(out.join("samples.csv")).unwrap(),
        std::fs::read(back.join("samples.csv")).unwrap()
    );
}
