//! The analysis on review histories nobody on this project made up: rust-lang/cargo's bors merges
//! (an excerpt in `tests/data/`), brought in through `teamlens import` as a user would.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{findings_of, import, report};

fn cargo_history() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cargo_bors_reviews_excerpt.tsv")
}

/// Converts the TSV (one row per merged PR and approver) into `pull_requests.csv` and `reviews.csv`.
fn import_folder(dir: &Path) {
    let text = std::fs::read_to_string(cargo_history())
        .expect("tests/data/cargo_bors_reviews_excerpt.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (date, id, author, reviewer, first) = (
        at("date_utc"),
        at("change_id"),
        at("author"),
        at("reviewer"),
        at("first_authored_at"),
    );
    let mut prs = String::from("repo,number,author,created_at,first_commit_at,merged_at,url\n");
    let mut reviews = String::from("repo,number,reviewer,state,submitted_at\n");
    let mut seen = std::collections::BTreeSet::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        if seen.insert(f[id].to_string()) {
            prs.push_str(&format!(
                "rust-lang/cargo,{},{},{},{},{},https://github.com/rust-lang/cargo/pull/{}\n",
                f[id], f[author], f[first], f[first], f[date], f[id]
            ));
        }
        reviews.push_str(&format!(
            "rust-lang/cargo,{},{},approved,{}\n",
            f[id], f[reviewer], f[date]
        ));
    }
    std::fs::write(dir.join("pull_requests.csv"), prs).unwrap();
    std::fs::write(dir.join("reviews.csv"), reviews).unwrap();
}

fn bottlenecks(report: &Value) -> Vec<String> {
    findings_of(report, "review_bottleneck")
        .iter()
        .map(|f| f["subject"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cargo_2017_waited_on_one_reviewer_and_2023_did_not() {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("cargo");
    std::fs::create_dir(&folder).unwrap();
    import_folder(&folder);
    let data = work.path().join("data");
    import(&data, &folder);

    // January 2017: alexcrichton approved 44 of 48 merges (92 %).
    let january = report(&data, "2017-01", &work.path().join("2017-01"));
    assert_eq!(bottlenecks(&january), ["alexcrichton"]);
    let figures = &january["findings"][0]["evidence"]["figures"];
    assert!(
        figures["approval_share_this_month"].as_f64().unwrap() > 0.9,
        "{figures:#}"
    );

    // October 2023: epage and weihanglo each approved 42 %: shared, not a gate.
    let october = report(&data, "2023-10", &work.path().join("2023-10"));
    assert!(
        bottlenecks(&october).is_empty(),
        "{:#}",
        october["findings"]
    );
}
