//! `teamlens validate` on a history whose truth is known: a regular who leaves, two who stay
//! (one of them an evening committer), and no roster. The corpus figures in docs/detectors.md
//! ("Detectors on real histories") come from the same command over real clones
//! (`tests/data/real/validate.sh` runs it; that section says how).

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::git_repo::{git, init};
use support::teamlens;

const DAY: i64 = 86_400;
/// Monday 2022-01-03 00:00 UTC.
const START: i64 = 1_641_168_000;

/// Two years of weekday commits: ana and cara throughout, ben for the first year only. cara
/// commits every other one in the evening; everyone writes +0100 in their commits.
fn history(dir: &Path) {
    init(dir);
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufWriter::new(child.stdin.take().unwrap());
    let mut mark = 0;
    for day in 0..728 {
        let at = START + day * DAY;
        if (day % 7) >= 5 {
            continue;
        }
        for (who, until) in [("ana", 728), ("ben", 361), ("cara", 728)] {
            if day >= until {
                continue;
            }
            for k in 0..2 {
                mark += 1;
                // 10:00 and 14:00 local (+0100); cara's second commit at 21:00.
                let hour = match (who, k) {
                    ("cara", 1) => 20,
                    (_, 0) => 9,
                    _ => 13,
                };
                let time = at + hour * 3600 + mark % 50 * 60;
                writeln!(out, "commit refs/heads/main\nmark :{mark}").unwrap();
                writeln!(out, "author {who} <{who}@example.com> {time} +0100").unwrap();
                writeln!(out, "committer {who} <{who}@example.com> {time} +0100").unwrap();
                let message = format!("{who} change {mark}\n");
                writeln!(out, "data {}\n{message}", message.len()).unwrap();
                if mark > 1 {
                    writeln!(out, "from :{}", mark - 1).unwrap();
                }
                let text = format!("{mark}\n");
                writeln!(
                    out,
                    "M 100644 inline src/{who}/f{}.rs\ndata {}\n{text}",
                    mark % 7,
                    text.len()
                )
                .unwrap();
            }
        }
    }
    drop(out);
    assert!(child.wait().unwrap().success());
    git(dir, &["reset", "-q", "--hard", "main"]);
}

#[test]
fn validate_counts_departures_not_judged_detectors_and_own_hours() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("team");
    std::fs::create_dir(&repo).unwrap();
    history(&repo);
    let data = tmp.path().join("store");
    support::fetch_git(&data, &repo);
    let out = teamlens()
        .args(["-q", "validate", "--format", "json"])
        .arg(&data)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();

    // 2022-02 to 2023-11: the first month is no one's baseline, December 2023 is not over.
    assert_eq!(json["months"], 22, "{json:#}");
    let attrition = &json["attrition"];
    assert_eq!(attrition["leavers"], 1, "{attrition:#}");
    // ben's silence is said the month it reaches 20 days: the month after his last.
    assert_eq!(
        attrition["recall_with_a_month_after"]["hits"], 1,
        "{attrition:#}"
    );
    assert_eq!(attrition["precision"]["value"], 1.0, "{attrition:#}");

    let rate = |kind: &str| {
        json["base_rates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == kind)
            .unwrap()
            .clone()
    };
    for kind in ["micromanagement", "absentee_manager", "wont_let_go"] {
        let reason = rate(kind)["not_judged_reason"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(reason.contains("manager"), "{kind}: {reason}");
        assert!(rate(kind)["per_100"].is_null());
    }
    assert!(
        rate("rubber_stamp_review")["not_judged_reason"]
            .as_str()
            .unwrap()
            .contains("landed")
    );
    assert!(
        rate("overload")["not_judged_reason"]
            .as_str()
            .unwrap()
            .contains("tickets")
    );
    // Judged detectors have a rate over the person-months of three people.
    assert_eq!(
        rate("attrition_risk")["subject_months"],
        22 + 22 + 11,
        "{:#}",
        rate("attrition_risk")
    );

    // In their own +0100: ana and ben always in hours, cara half in the evening.
    let hours = &json["after_hours"];
    assert_eq!(hours["people"], 3, "{hours:#}");
    assert_eq!(hours["mostly_in_hours"]["hits"], 2, "{hours:#}");
    let quartiles = hours["quartiles"].as_array().unwrap();
    assert!(
        (quartiles[2].as_f64().unwrap() - 0.5).abs() < 0.01,
        "{hours:#}"
    );
}

/// docs/detectors.md's table of the detectors on real histories is what `teamlens validate`
/// printed for the record `explain` and every report quote (`assets/track_record.json`, its
/// `--format json`).
#[test]
fn docs_show_the_track_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let record = std::fs::read_to_string(root.join("assets/track_record.json")).unwrap();
    let validation: teamlens::validate::Validation = serde_json::from_str(&record).unwrap();
    let docs = std::fs::read_to_string(root.join("docs/detectors.md")).unwrap();
    let (start, end) = ("<!-- validate -->\n", "<!-- /validate -->");
    let block = &docs[docs
        .find(start)
        .expect("docs/detectors.md has the validate table")
        + start.len()..docs.find(end).unwrap()];
    assert_eq!(block.trim(), validation.table().trim());
}
