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

/// Every path of `value`'s keys, `[]` for the items of an array: `findings[].evidence.links`.
fn key_paths(
    value: &serde_json::Value,
    prefix: &str,
    into: &mut std::collections::BTreeSet<String>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                key_paths(item, &path, into);
                into.insert(path);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), into);
            }
        }
        _ => {}
    }
}

/// `report.json` may gain fields, never lose one: every key the example had before it carried a
/// `schema_version` is still there (the test above keeps the example current).
#[test]
fn report_json_keeps_every_key_it_had_and_says_its_schema_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("reports/example/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        json["schema_version"],
        serde_json::json!(teamlens::report::SCHEMA_VERSION)
    );
    let mut now = std::collections::BTreeSet::new();
    key_paths(&json, "", &mut now);
    let before = std::fs::read_to_string(root.join("tests/data/report_json_keys.txt")).unwrap();
    let lost: Vec<&str> = before
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter(|l| !now.contains(*l))
        .collect();
    assert!(lost.is_empty(), "report.json lost these keys: {lost:?}");
}
