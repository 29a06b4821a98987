//! `rnn-pattern-formation` at its quick tier through the shared runner: every check passes
//! (synthetic maps; non-negative → hexagons, unconstrained → stripes/squares, in both the PCA form
//! and Sorscher et al.'s Lagrangian form), the data and figures are written, and the walled
//! random-centre variant's units mostly collapse to one map. The quick tier's thresholds hold with
//! margin over seeds 0–7 (docs/gridscore.md#pattern-formation: Lagrangian non-negative median
//! score60 0.60–0.84, 34–59 % of units > 0.8; unconstrained median ≤ 0.04).

use engram::experiment::registry::{Tier, run_config};
use engram::experiment::{RunOptions, Verdict};
use engram::rnn::pattern::{PatternFormation, tier};
use engram::signals::Stop;

#[test]
fn quick_tier_checks_pass_and_outputs_exist() {
    let dir = std::env::temp_dir().join(format!("engram-pattern-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut opts = RunOptions::new(&dir, 2);
    opts.progress = false;
    opts.yes = true;
    let out = run_config::<PatternFormation>(tier(Tier::Quick), &opts, &Stop::new()).unwrap();
    let checks = &out.summary.checks;
    assert_eq!(checks.len(), 13, "{checks:?}");
    for c in checks {
        assert_ne!(c.verdict, Verdict::Fail, "{c:?}");
    }
    let passed = checks.iter().filter(|c| c.verdict == Verdict::Pass).count();
    assert_eq!(passed, checks.len() - 1, "{checks:?}");
    // The Lagrangian form is checked like the PCA form: hexagons with G ≥ 0, not without.
    for (variant, what) in [
        ("lagrangian-non-negative", "median score60"),
        (
            "lagrangian-non-negative",
            "fraction of units with score60 > 0.8",
        ),
        ("lagrangian-unconstrained", "median score60"),
        (
            "lagrangian-unconstrained",
            "median score90 − median score60",
        ),
    ] {
        let c = checks
            .iter()
            .find(|c| c.point == variant && c.what == what)
            .unwrap_or_else(|| panic!("{variant}: {what} missing: {checks:?}"));
        assert_eq!(c.verdict, Verdict::Pass, "{c:?}");
    }
    for f in ["scores.csv", "maps.svg", "scores.svg"] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    let walled: Vec<f64> = csv
        .lines()
        .filter(|l| l.starts_with("walled-random,"))
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(walled.len(), 32);
    // Most units reach one and the same map (score equal to 1e-4).
    let first = walled[0];
    let same = walled.iter().filter(|s| (*s - first).abs() < 1e-4).count();
    assert!(same >= 16, "{walled:?}");
    for v in ["lagrangian-non-negative,", "lagrangian-unconstrained,"] {
        assert_eq!(csv.lines().filter(|l| l.starts_with(v)).count(), 32, "{v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
