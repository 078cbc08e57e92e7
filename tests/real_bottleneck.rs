//! review_bottleneck against the independent count of the real corpus: on every month where
//! `tests/data/real/*/approvals_monthly.tsv` (written by `regenerate.py`, which shares no code
//! with teamlens) sees a clear dominant approver over three months (≥ 70 % of ≥ 15 changes with
//! an approver, runner-up at most half), teamlens must name that person; on every clearly
//! shared month (top ≤ 35 %, three approvers ≥ 15 %) it must name no one.
//!
//! teamlens reads each whole clone as a new user would — `fetch git`, no roster, no thresholds
//! changed — and reports every month of the history in one run. The clones are not in the
//! repository: the test is ignored by default and reads them from `TEAMLENS_CORPUS_CLONES`
//! (default `/work/.mirror`, laid out as `<owner>+<name>/repo`, as the project's fetch tool
//! brings them). Run it with a release build:
//!
//!     cargo build --release && CARGO_BIN_EXE_teamlens=target/release/teamlens cargo test --test real_bottleneck -- --ignored --nocapture
//!
//! It prints the agreement table docs/sources.md shows and every disagreement, and fails on any
//! (`TEAMLENS_CORPUS_ONLY=owner/name,…` reads only those repositories).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use support::corpus::{self, rows};
use support::{read_json, teamlens};

/// Every id a person of `identities.tsv` may appear under, in lower case.
fn ids_of_people(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows(&dir.join("identities.tsv")) {
        out.entry(row["person"].clone())
            .or_default()
            .insert(row["value"].to_lowercase());
    }
    out
}

/// Months where teamlens and the count differ by definition, each with the reason; any other
/// difference fails the test.
const EXPLAINED: &[(&str, &str, &str)] = &[(
    "golang/net",
    "2015-01",
    "the count's window is dominated by Ian Lance Taylor (78 %), but in January itself Dave \
     Cheney approved 43 % and Ian 39 %: review_bottleneck also asks the month itself for \
     month_share_floor (40 %), as a gate who has stopped gating is no longer one",
)];

#[derive(Default)]
struct Tally {
    dominant: usize,
    dominant_named: usize,
    /// Dominant months teamlens said it could not judge (with the reason, under not judged).
    dominant_not_judged: usize,
    /// Differences listed in [`EXPLAINED`].
    explained: usize,
    shared: usize,
    shared_quiet: usize,
    other_findings: usize,
}

#[test]
#[ignore = "reads whole clones of the corpus; see the module doc"]
fn review_bottleneck_agrees_with_the_independent_count() {
    let clones = PathBuf::from(
        std::env::var("TEAMLENS_CORPUS_CLONES").unwrap_or_else(|_| "/work/.mirror".into()),
    );
    let manifest = rows(&corpus::dir().join("manifest.tsv"));
    let mut table = Vec::new();
    let mut disagreements = Vec::new();
    let mut total = Tally::default();
    // `TEAMLENS_CORPUS_ONLY=golang/text,golang/sys` reads only those.
    let only: Option<Vec<String>> = std::env::var("TEAMLENS_CORPUS_ONLY")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    for entry in &manifest {
        let name = &entry["repo"];
        if only.as_ref().is_some_and(|o| !o.contains(name)) {
            continue;
        }
        let mirror = clones.join(name.replace('/', "+")).join("repo");
        assert!(
            mirror.exists(),
            "{} is missing: bring it with the fetch tool (github:{name})",
            mirror.display()
        );
        let dir = corpus::dir().join(name.replace('/', "__"));
        let counted = rows(&dir.join("approvals_monthly.tsv"));
        let first = counted.first().unwrap()["month"].clone();
        let last = counted.last().unwrap()["month"].clone();

        let work = tempfile::tempdir().unwrap();
        // A bare clone sharing the mirror's objects: a repository as `git clone` leaves it.
        let clone = work.path().join("clone.git");
        let cloned = std::process::Command::new("git")
            .args(["clone", "-q", "--bare", "--shared"])
            .arg(&mirror)
            .arg(&clone)
            .status()
            .unwrap();
        assert!(cloned.success(), "git clone of {}", mirror.display());
        let config = work.path().join("teamlens.toml");
        std::fs::write(
            &config,
            format!(
                "[git]\nownership = false\n[git.names]\n\"{}\" = \"{name}\"\n",
                clone.display()
            ),
        )
        .unwrap();
        let data = work.path().join("data");
        let started = std::time::Instant::now();
        teamlens()
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .args(["-q", "fetch", "git"])
            .arg(&clone)
            .timeout(std::time::Duration::from_secs(3600))
            .assert()
            .success();
        let out = work.path().join("report");
        teamlens()
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .args(["-q", "report", "--from", &first, "--to", &last, "--out"])
            .arg(&out)
            .timeout(std::time::Duration::from_secs(3600))
            .assert()
            .success();
        let report = read_json(&out.join("report.json"));
        eprintln!("{name}: read and reported in {:.0?}", started.elapsed());

        // month → subjects named by review_bottleneck
        let mut named: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for finding in report["findings"].as_array().unwrap() {
            if finding["kind"] != "review_bottleneck" {
                continue;
            }
            let month = finding["period"]["from"].as_str().unwrap()[..7].to_string();
            named
                .entry(month)
                .or_default()
                .insert(finding["subject"].as_str().unwrap().to_lowercase());
        }
        // month → review_bottleneck's not-judged subjects and reasons
        let mut not_judged: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for entry in report["not_judged"].as_array().unwrap() {
            if entry["kind"] != "review_bottleneck" {
                continue;
            }
            not_judged
                .entry(entry["month"].as_str().unwrap_or_default().to_string())
                .or_default()
                .push((
                    entry["subject"].as_str().unwrap().to_lowercase(),
                    entry["reason"].as_str().unwrap().to_string(),
                ));
        }
        let people = ids_of_people(&dir);
        let mut tally = Tally::default();
        let mut judged_months = BTreeSet::new();
        for row in &counted {
            let month = &row["month"];
            let found = named.get(month).cloned().unwrap_or_default();
            if row["dominant"] == "yes" {
                judged_months.insert(month.clone());
                tally.dominant += 1;
                let top = &row["w3_top_approver"];
                let ids = people.get(top).cloned().unwrap_or_default();
                let unjudged = not_judged.get(month).and_then(|entries| {
                    entries
                        .iter()
                        .find(|(subject, _)| subject.starts_with("team:") || ids.contains(subject))
                });
                if found.iter().any(|s| ids.contains(s)) {
                    tally.dominant_named += 1;
                } else if let Some((subject, reason)) = unjudged {
                    tally.dominant_not_judged += 1;
                    eprintln!("{name} {month}: not judged ({subject}: {reason})");
                } else if let Some((_, _, why)) =
                    EXPLAINED.iter().find(|(r, m, _)| r == name && m == month)
                {
                    tally.explained += 1;
                    eprintln!("{name} {month}: differs by definition: {why}");
                } else {
                    disagreements.push(format!(
                        "{name} {month}: the count's dominant approver {top} ({} of changes) \
                         not named; teamlens named {found:?}",
                        row["w3_top_share"]
                    ));
                }
            } else if row["shared"] == "yes" {
                judged_months.insert(month.clone());
                tally.shared += 1;
                if found.is_empty() {
                    tally.shared_quiet += 1;
                } else {
                    disagreements.push(format!(
                        "{name} {month}: shared in the count (top {}), teamlens named {found:?}",
                        row["w3_top_share"]
                    ));
                }
            }
        }
        tally.other_findings = named
            .iter()
            .filter(|(m, _)| !judged_months.contains(*m))
            .map(|(_, s)| s.len())
            .sum();
        table.push(format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            tally.dominant,
            tally.dominant_named,
            tally.dominant_not_judged,
            tally.explained,
            tally.shared,
            tally.shared_quiet,
            tally.other_findings
        ));
        total.dominant += tally.dominant;
        total.dominant_named += tally.dominant_named;
        total.dominant_not_judged += tally.dominant_not_judged;
        total.explained += tally.explained;
        total.shared += tally.shared;
        total.shared_quiet += tally.shared_quiet;
        total.other_findings += tally.other_findings;
    }
    println!(
        "| repository | dominant months | teamlens named the approver | not judged (said why) | \
         differ by definition | shared months | teamlens named no one | findings in other months |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for line in &table {
        println!("{line}");
    }
    println!(
        "| **all** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** |",
        total.dominant,
        total.dominant_named,
        total.dominant_not_judged,
        total.explained,
        total.shared,
        total.shared_quiet,
        total.other_findings
    );
    for line in &disagreements {
        println!("  {line}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}
