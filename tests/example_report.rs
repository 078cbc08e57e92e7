//! `reports/example/` must be what `teamlens demo` writes today for the default seed, so the
//! example a newcomer reads is the tool's real output.

use std::path::Path;

use assert_cmd::Command;

#[test]
fn the_checked_in_example_is_the_current_demo_report() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("demo");
    Command::cargo_bin("teamlens")
        .unwrap()
        .args(["-q", "demo", "--out"])
        .arg(&out)
        .assert()
        .success();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/example");
    for file in [
        "report.md",
        "charts/review_load_share.svg",
        "charts/output_outcome_by_month.svg",
    ] {
        let fresh = std::fs::read_to_string(out.join(file)).unwrap();
        let kept = std::fs::read_to_string(example.join(file)).unwrap_or_default();
        assert!(
            fresh == kept,
            "reports/example/{file} is out of date: run `cargo run --release -- demo --out reports/example` and commit it"
        );
    }
}
