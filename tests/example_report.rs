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
    let mut files = vec![
        "report.md".to_string(),
        "report.html".to_string(),
        "report.json".to_string(),
    ];
    for dir in ["charts", "data"] {
        let mut names: Vec<String> = std::fs::read_dir(out.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        // PNG bytes depend on the rasteriser; they must exist, the SVGs must match.
        names.retain(|n| {
            let png = n.ends_with(".png");
            if png {
                assert!(
                    example.join(dir).join(n).exists(),
                    "reports/example/{dir}/{n} is missing"
                );
            }
            !png
        });
        names.sort();
        assert!(!names.is_empty(), "the demo wrote no {dir}/");
        files.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
    }
    for file in &files {
        let fresh = std::fs::read_to_string(out.join(file)).unwrap();
        let kept = std::fs::read_to_string(example.join(file)).unwrap_or_default();
        assert!(
            fresh == kept,
            "reports/example/{file} is out of date: run `cargo test --no-run --locked && \
             $CARGO_TARGET_DIR/debug/teamlens demo --out reports/example` (or `cargo run --release \
             -- demo --out reports/example`) and commit it"
        );
    }
}
