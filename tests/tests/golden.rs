//! The host's scenario digests equal the committed golden digests, bit for bit.
//!
//! This catches numerical drift between engram versions (a libm bump, a changed summation order)
//! even on machines without QEMU. Bless an intended change with
//! `ENGRAM_BLESS=1 cargo test -p engram-tests --test golden`.

use engram_tests::check_golden;

#[test]
fn host_digests_equal_golden() {
    check_golden("xcheck.txt", &engram::xcheck::host_report());
}

#[test]
fn every_scenario_succeeds_on_the_host() {
    let report = engram::xcheck::parse_report(&engram::xcheck::host_report()).unwrap();
    assert!(report.complete);
    assert!(report.scenarios.len() >= 6, "{report:?}");
    for (name, outcome) in &report.scenarios {
        assert!(
            matches!(outcome, engram::xcheck::Outcome::Digest { .. }),
            "{name}: {outcome}"
        );
    }
}
