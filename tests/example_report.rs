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
    for dir in ["charts", "data", "teams"] {
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

fn example(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reports/example")
            .join(file),
    )
    .unwrap()
}

/// The part of the demo's report.md a manager reads: everything before `## Appendix`.
fn before_the_appendix(markdown: &str) -> Vec<&str> {
    let lines: Vec<&str> = markdown.lines().collect();
    let appendix = lines
        .iter()
        .position(|l| *l == "## Appendix")
        .expect("report.md has an `## Appendix` heading");
    lines[..appendix].to_vec()
}

/// Read in five minutes: at most 120 lines of Markdown before the appendix, opening with at
/// most three points, each with its figures against their thresholds and its question, then the
/// table of teams, the trends, then the findings; the tables only some readers need come after `## Appendix`.
#[test]
fn the_demo_report_is_short_before_its_appendix_and_opens_with_three_points() {
    let markdown = example("report.md");
    let head = before_the_appendix(&markdown);
    assert!(
        head.len() <= 120,
        "{} lines of report.md before the appendix (at most 120)",
        head.len()
    );
    let sections: Vec<&str> = head
        .iter()
        .filter(|l| l.starts_with("## "))
        .copied()
        .collect();
    // The organisation's report: the summary, its table of teams, the trends, the findings.
    assert_eq!(sections.len(), 4, "{sections:?}");
    assert!(sections[0] == "## Summary" && sections[1].ends_with("Teams"));
    assert!(sections[2].ends_with("Trends"));
    assert!(sections[3].starts_with("## Findings"), "{sections:?}");
    let points: Vec<&&str> = head
        .iter()
        .skip_while(|l| **l != "## Summary")
        .take_while(|l| !l.ends_with("Trends"))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!((1..=3).contains(&points.len()), "{points:#?}");
    for point in points {
        assert!(
            point.contains("(threshold ") && point.contains("**Question:**"),
            "a summary point without its thresholds or question: {point}"
        );
    }
    for table in [
        "Outcomes per team",
        "Output per team",
        "Review flow",
        "Team health",
    ] {
        assert!(
            !head.iter().any(|l| l.contains(table)),
            "{table} is before the appendix"
        );
        assert!(
            markdown.contains(&format!("### {table}")),
            "{table} is gone"
        );
    }
}

/// Evidence in words: no figure under the detector's key, no internal factor, every finding's
/// table with its thresholds and usual levels; headings say what was seen, not "Kind — subject".
#[test]
fn the_demo_reports_evidence_is_in_words_under_headings_that_observe() {
    let markdown = example("report.md");
    let head = before_the_appendix(&markdown).join("\n");
    for raw in [
        "gini",
        "absence factor",
        "over threshold",
        "team normal",
        "approval_share",
        "True",
        "signals over threshold",
    ] {
        assert!(!head.contains(raw), "`{raw}` in the report:\n{head}");
    }
    let findings = head.matches("\n### <a id=\"finding-").count();
    assert!(findings >= 3, "{findings} findings");
    assert_eq!(
        head.matches("| Evidence | Value | Threshold | Usual level |")
            .count(),
        findings
    );
    assert!(head.contains("### <a id=\"finding-4\"></a>Most of payments' merges waited for mira"));
    for verdict in [" — selin (", "1. Micromanagement", "Review bottleneck — "] {
        assert!(
            !head.contains(verdict),
            "a heading reads as a verdict: {verdict}"
        );
    }
    // The pickup while the gate was away weakens the bottleneck, and is said so.
    assert!(head.contains("While mira was away (2 weeks), first reviews came about as fast"));
}

/// The wrong labels of the report before: overload's tickets called pull requests, "Based on 0
/// PRs", a stuck ticket in "To Do" counted as days in progress.
#[test]
fn the_demo_report_labels_what_it_shows_as_what_it_is() {
    let markdown = example("report.md");
    let overload = markdown
        .split("\n### ")
        .find(|s| s.contains("took on more than it finished · _overload"))
        .expect("the demo's overload finding");
    assert!(overload.contains("Tickets behind it: [MOBI-"), "{overload}");
    assert!(overload.contains("_Based on 182 tickets,"), "{overload}");
    assert!(!markdown.contains("Based on 0 "), "a basis of nothing");
    assert!(!markdown.contains("review requests and"));
    assert!(
        markdown.contains(
            "| Ticket | Title | Assignee | Team | Status | In this status since | Days in this \
             status |"
        ) && !markdown.contains("Days in progress")
    );
}

/// No leaderboard: the reviewer table lists people by team and name, never by a figure.
#[test]
fn the_demo_reports_reviewers_are_listed_by_team_and_name() {
    let markdown = example("report.md");
    let table = markdown
        .split("\n\n")
        .find(|b| b.starts_with("| Team | Reviewer |"))
        .expect("the reviewer table");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].to_string(),
                cells[2].trim_end_matches(" (manager)").to_string(),
            )
        })
        .collect();
    assert!(rows.len() > 20, "{} reviewers", rows.len());
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(rows, sorted, "the reviewer table is not by team and name");
    let json: serde_json::Value = serde_json::from_str(&example("report.json")).unwrap();
    let listed: Vec<(String, String)> = json["metrics"]["review_waits_by_reviewer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["team"].as_str().unwrap().to_string(),
                r["reviewer"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, sorted);
}
