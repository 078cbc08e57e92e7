//! `report --team` and `retro --team` read only what the team's report needs (`src/scope.rs`)
//! and say what the organisation's analysis scoped to the team says: the same findings, metric
//! rows, trends, stuck items and charts' data, in report.json, data/*.csv, report.md and
//! retro.md. What must differ is named, and only that is left out of the comparison: the rows
//! the coverage counts (`coverage.tables`, `coverage.excluded` and the deployments of
//! `coverage.deployments`: a narrowed report counts the rows it read), and what only the whole
//! organisation gives (`teamlens::scope::LEFT_OUT`,
//! `LEFT_OUT_OF_SEVERAL`), which the narrowed report leaves out and says so (`narrowed`).
//!
//! The organisation is simulated with work across teams the simulator does not make: an
//! engineer of one team approves three in four PRs of another team (and is that team's bottleneck, a
//! finding shown in the reviewer's own team's report), an engineer of a third team writes PRs
//! in a fourth team's repository (whose modules, rework and deployments they then share), and a
//! person belongs to two teams.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::Duration;
use serde_json::Value;
use support::{read_json, teamlens};
use teamlens::model::{Dataset, Review, ReviewRequest};
use teamlens::scope::{LEFT_OUT, LEFT_OUT_OF_SEVERAL, WHOLE_ORG};
use teamlens::sources::simulate::{SimConfig, simulate};

const MONTH: &str = "2026-10";

/// The organisation's store and the teams the tests read.
struct Org {
    data: PathBuf,
    /// Whose engineer approves every recent PR of `reviewed`.
    reviewer_team: String,
    reviewed: String,
    /// Whose repository `visiting` writes PRs in.
    owner: String,
    visiting: String,
    /// The team with findings of the most kinds in the organisation's report.
    most_findings: String,
    /// People and PR rows in the whole store, which a narrowed report reads far fewer of.
    people: usize,
    prs: usize,
}

fn org() -> &'static Org {
    static ORG: OnceLock<Org> = OnceLock::new();
    ORG.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("team-scope-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep();
        let data = dir.join("data");
        let mut sim = SimConfig::default_org(7, 6, 6, 1.0);
        sim.teams[2].ai = Some(teamlens::sources::simulate::AiUse {
            share: 0.4,
            lag: true,
        });
        let names: Vec<String> = sim.teams.iter().map(|t| t.name.clone()).collect();
        let mut dataset = simulate(&sim).dataset;
        let reviewer_team = names[2].clone();
        let reviewed = names[3].clone();
        let owner = names[5].clone();
        let visiting = names[4].clone();
        cross_team_work(&mut dataset, &reviewer_team, &reviewed, &owner, &visiting);
        // A person of two teams: an engineer of the micromanaged team also in the first.
        let twice = dataset
            .people
            .iter_mut()
            .find(|p| p.team == names[1] && p.role == "engineer")
            .unwrap();
        twice.teams = vec![names[1].clone(), names[0].clone()];
        let people = dataset.people.len();
        let prs = dataset.pull_requests.len();
        {
            let mut store = support::writable_store(&data);
            store
                .replace_tables(dataset.into_frames().unwrap(), None)
                .unwrap();
        }
        let whole = dir.join("organisation");
        run_report(&data, &[], &whole, false);
        let report = read_json(&whole.join("report.json"));
        let mut kinds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in report["findings"].as_array().unwrap() {
            kinds
                .entry(f["team"].as_str().unwrap_or_default().to_string())
                .or_default()
                .insert(f["kind"].as_str().unwrap().to_string());
        }
        let most_findings = kinds
            .iter()
            .filter(|(team, _)| names.contains(team))
            .max_by_key(|(_, k)| k.len())
            .map(|(team, _)| team.clone())
            .unwrap();
        assert!(
            kinds[&most_findings].len() >= 2,
            "no team has findings of two kinds: {kinds:?}"
        );
        Org {
            data,
            reviewer_team,
            reviewed,
            owner,
            visiting,
            most_findings,
            people,
            prs,
        }
    })
}

/// Work across teams: an engineer of `reviewer_team` is asked for and gives the last approval
/// of three in four PRs of `reviewed` merged in the last three months; an engineer of `visiting` writes a
/// copy of every third PR `owner` merged in the last four months in `owner`'s repository, on
/// the same files, approved by one of `owner`'s engineers.
fn cross_team_work(
    dataset: &mut Dataset,
    reviewer_team: &str,
    reviewed: &str,
    owner: &str,
    visiting: &str,
) {
    let engineer = |team: &str| {
        dataset
            .people
            .iter()
            .find(|p| p.team == team && p.role == "engineer")
            .unwrap()
            .person
            .clone()
    };
    let (reviewer, visitor, owner_engineer) =
        (engineer(reviewer_team), engineer(visiting), engineer(owner));
    let team_of: BTreeMap<String, String> = dataset
        .people
        .iter()
        .map(|p| (p.person.clone(), p.team.clone()))
        .collect();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 10, 31)
        .unwrap()
        .and_hms_opt(23, 59, 59)
        .unwrap()
        .and_utc();
    let mut reviews = Vec::new();
    let mut requests = Vec::new();
    let mut seen = 0;
    for pr in &dataset.pull_requests {
        let Some(merged) = pr.merged_at else { continue };
        if team_of.get(&pr.author).map(String::as_str) != Some(reviewed)
            || merged < end - Duration::days(92)
        {
            continue;
        }
        // Three PRs of four: the fourth, which the reviewer never sees, still counts in the
        // reviewed team's shares.
        seen += 1;
        if seen % 4 == 0 {
            continue;
        }
        let asked = pr.ready_at.unwrap_or(pr.created_at);
        requests.push(ReviewRequest {
            source: pr.source.clone(),
            repo: pr.repo.clone(),
            number: pr.number,
            requested: reviewer.clone(),
            requested_by: Some(pr.author.clone()),
            requested_at: asked,
            removed_at: None,
        });
        reviews.push(Review {
            source: pr.source.clone(),
            repo: pr.repo.clone(),
            number: pr.number,
            reviewer: reviewer.clone(),
            reviewer_name: None,
            state: "approved".into(),
            submitted_at: merged - Duration::minutes(5),
            comment_count: Some(0),
        });
    }
    let owners_repo = format!("acme/{owner}-api");
    let mut next = dataset
        .pull_requests
        .iter()
        .filter(|p| p.repo == owners_repo)
        .map(|p| p.number)
        .max()
        .unwrap();
    let mut prs = Vec::new();
    let mut files = Vec::new();
    let originals: Vec<_> = dataset
        .pull_requests
        .iter()
        .filter(|p| {
            p.repo == owners_repo
                && p.merged_at.is_some_and(|m| m >= end - Duration::days(122))
                && team_of.get(&p.author).map(String::as_str) == Some(owner)
        })
        .step_by(3)
        .cloned()
        .collect();
    for original in originals {
        next += 1;
        let shift = Duration::hours(2);
        let merged = original.merged_at.unwrap() + shift;
        let mut pr = original.clone();
        pr.number = next;
        pr.author = visitor.clone();
        pr.merged_by = Some(visitor.clone());
        pr.url = Some(format!("https://github.com/{owners_repo}/pull/{next}"));
        pr.created_at += shift;
        pr.ready_at = pr.ready_at.map(|t| t + shift);
        pr.first_commit_at = pr.first_commit_at.map(|t| t + shift);
        pr.merged_at = Some(merged);
        pr.closed_at = Some(merged);
        pr.is_revert = Some(false);
        pr.reverts_number = None;
        for file in dataset
            .file_changes
            .iter()
            .filter(|f| f.repo == owners_repo && f.number == Some(original.number))
        {
            let mut file = file.clone();
            file.number = Some(next);
            files.push(file);
        }
        reviews.push(Review {
            source: pr.source.clone(),
            repo: owners_repo.clone(),
            number: next,
            reviewer: owner_engineer.clone(),
            reviewer_name: None,
            state: "approved".into(),
            submitted_at: merged - Duration::minutes(30),
            comment_count: Some(1),
        });
        prs.push(pr);
    }
    assert!(!prs.is_empty() && !reviews.is_empty());
    dataset.pull_requests.extend(prs);
    dataset.file_changes.extend(files);
    dataset.reviews.extend(reviews);
    dataset.review_requests.extend(requests);
}

/// `teamlens report --month MONTH [--team …] --out OUT`, narrowed or (`whole`) the
/// organisation's analysis scoped to the teams.
fn run_report(data: &Path, teams: &[&str], out: &Path, whole: bool) {
    let mut command = teamlens();
    command
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "report", "--month", MONTH, "--out"])
        .arg(out);
    for team in teams {
        command.args(["--team", team]);
    }
    if whole {
        command.env(WHOLE_ORG, "1");
    } else {
        command.env_remove(WHOLE_ORG);
    }
    command.assert().success();
}

/// What a narrowed report leaves out (`teamlens::scope`), by its report.json path.
fn left_out(several: bool) -> Vec<&'static str> {
    let mut parts: Vec<&str> = LEFT_OUT.to_vec();
    if several {
        parts.extend(LEFT_OUT_OF_SEVERAL);
    }
    parts
}

/// The data file of a part left out, if it has one.
fn data_file(part: &str) -> Option<String> {
    match part {
        "trends" => Some("data/trends.csv".into()),
        part => part
            .strip_prefix("charts.")
            .map(|chart| format!("data/{chart}.csv")),
    }
}

/// Removes `path` (dot-separated) from a JSON value.
fn remove(value: &mut Value, path: &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap();
    let mut at = value;
    for part in parts {
        at = &mut at[part];
    }
    if let Some(object) = at.as_object_mut() {
        object.remove(last);
    }
}

/// The first place two JSON values differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{path}.{k}")),
                _ => Some(format!("{path}.{k}: only in one")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!(
            "{path}: {} against {}",
            truncate(&a.to_string()),
            truncate(&b.to_string())
        )),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(400).collect()
}

/// report.md without what may differ: the coverage's counts of rows read (rows, exclusions,
/// deployments), the sentence that
/// says what was read, the links to what is left out, and (for several teams) the trends and
/// DORA's keys sections, whose organisation-wide figures are left out.
fn comparable_markdown(text: &str, parts: &[&str]) -> Vec<String> {
    let files: Vec<String> = parts.iter().filter_map(|p| data_file(p)).collect();
    let charts: Vec<String> = parts
        .iter()
        .filter_map(|p| p.strip_prefix("charts."))
        .map(|c| format!("(charts/{c}.svg)"))
        .collect();
    let several = parts.contains(&"trends");
    let mut lines = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("## ") || line.starts_with("### ") {
            skipping =
                several && (line.contains("id=\"trends\"") || line.contains("id=\"delivery\""));
        }
        if skipping
            || line.trim().is_empty()
            || line.starts_with("Rows: ")
            || line.starts_with("Excluded: ")
            || line.starts_with("Deployments: ")
            || line.starts_with("Read for ")
            || charts.iter().any(|c| line.contains(c.as_str()))
        {
            continue;
        }
        let mut line = line.to_string();
        for file in &files {
            line = line.replace(&format!("[{file}]({file}), "), "");
            line = line.replace(&format!(", [{file}]({file})"), "");
        }
        lines.push(line);
    }
    lines
}

/// The narrowed report of `teams` says what the organisation's analysis scoped to them says.
fn assert_same_report(teams: &[&str]) {
    let org = org();
    let dir = tempfile::tempdir().unwrap();
    let (narrow, whole) = (dir.path().join("narrow"), dir.path().join("whole"));
    run_report(&org.data, teams, &narrow, false);
    run_report(&org.data, teams, &whole, true);
    let several = teams.len() > 1;
    let parts = left_out(several);

    let mut a = read_json(&narrow.join("report.json"));
    let mut b = read_json(&whole.join("report.json"));
    // The narrowed report read the teams' rows, not the organisation's, and says so.
    let read = &a["narrowed"];
    assert!(read.is_object(), "not narrowed: {read}");
    assert!(b["narrowed"].is_null());
    let listed: Vec<&str> = read["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listed, parts);
    let people_read = read["people_read"].as_u64().unwrap() as usize;
    assert!(
        people_read > 0 && people_read * 2 < org.people,
        "read {people_read} of {} people",
        org.people
    );
    let rows = |report: &Value, table: &str| {
        report["coverage"]["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == table)
            .map_or(0, |t| t["rows"].as_u64().unwrap() as usize)
    };
    assert!(
        rows(&a, "pull_requests") * 2 < org.prs,
        "read {} of {} PRs",
        rows(&a, "pull_requests"),
        org.prs
    );
    assert_eq!(rows(&b, "pull_requests"), org.prs);
    // What it leaves out it does not show, rather than show the organisation's figures computed
    // from its own rows.
    for part in &parts {
        match *part {
            "metrics.organisation" | "metrics.org_trend" | "trends" => {
                let at = part.split('.').fold(&a, |v, p| &v[p]);
                assert_eq!(at, &Value::Array(Vec::new()), "{part}");
            }
            chart if chart.starts_with("charts.") => {
                let name = chart.strip_prefix("charts.").unwrap();
                assert!(a["charts"].get(name).is_none(), "{chart} drawn");
                assert!(b["charts"].get(name).is_some(), "{chart} not drawn");
            }
            _ => {}
        }
    }
    for report in [&mut a, &mut b] {
        for path in [
            "narrowed",
            "coverage.tables",
            "coverage.excluded",
            "coverage.deployments.deployments",
            "coverage.deployments.other_environments",
        ]
        .iter()
        .chain(&parts)
        {
            remove(report, path);
        }
        let files: Vec<String> = parts.iter().filter_map(|p| data_file(p)).collect();
        if let Some(list) = report["data_files"].as_array_mut() {
            list.retain(|f| !files.iter().any(|x| f == x));
        }
    }
    if let Some(difference) = first_difference(&a, &b, "report.json") {
        panic!("{teams:?}: the narrowed report differs at {difference}");
    }

    for entry in std::fs::read_dir(whole.join("data")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let path = format!("data/{name}");
        let narrowed = narrow.join(&path);
        if parts.iter().filter_map(|p| data_file(p)).any(|f| f == path) {
            assert!(!narrowed.exists(), "{path} written though left out");
            continue;
        }
        assert_eq!(
            std::fs::read_to_string(&narrowed).unwrap(),
            std::fs::read_to_string(whole.join(&path)).unwrap(),
            "{teams:?}: {path}"
        );
    }
    let markdown = |dir: &Path| {
        comparable_markdown(
            &std::fs::read_to_string(dir.join("report.md")).unwrap(),
            &parts,
        )
    };
    let (ma, mb) = (markdown(&narrow), markdown(&whole));
    if let Some((x, y)) = ma.iter().zip(&mb).find(|(x, y)| x != y) {
        panic!(
            "{teams:?}: report.md differs:\n{}\nagainst\n{}",
            truncate(x),
            truncate(y)
        );
    }
    assert_eq!(ma.len(), mb.len(), "{teams:?}: report.md's length");
}

#[test]
fn the_team_with_findings_of_several_kinds() {
    let team = &org().most_findings;
    assert_same_report(&[team]);
}

#[test]
fn a_team_whose_engineer_reviews_another_teams_prs() {
    let org = org();
    assert_same_report(&[&org.reviewer_team]);
    // The reviewer is the other team's bottleneck: a finding about the other team's PRs,
    // shown in the reviewer's own team's report.
    let dir = tempfile::tempdir().unwrap();
    run_report(&org.data, &[&org.reviewer_team], dir.path(), false);
    let report = read_json(&dir.path().join("report.json"));
    let found = support::findings_of(&report, "review_bottleneck")
        .into_iter()
        .any(|f| f["headline"].as_str().unwrap().contains(&org.reviewed));
    assert!(found, "no bottleneck in {}'s PRs", org.reviewed);
}

#[test]
fn the_team_whose_prs_another_team_reviews() {
    assert_same_report(&[&org().reviewed]);
}

#[test]
fn a_team_owning_a_repository_another_team_changes() {
    let org = org();
    assert_same_report(&[&org.owner]);
    assert_same_report(&[&org.visiting]);
}

#[test]
fn several_teams_narrow_to_their_union() {
    let org = org();
    assert_same_report(&[&org.reviewer_team, &org.reviewed]);
}

#[test]
fn a_teams_retro_says_the_same() {
    let org = org();
    let dir = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for whole in [false, true] {
        let out = dir.path().join(if whole { "whole" } else { "narrow" });
        let mut command = teamlens();
        command
            .arg("--data-dir")
            .arg(&org.data)
            .args(["-q", "retro", "--since", "2026-09-01", "--team"])
            .arg(&org.reviewer_team)
            .arg("--out")
            .arg(&out);
        if whole {
            command.env(WHOLE_ORG, "1");
        } else {
            command.env_remove(WHOLE_ORG);
        }
        command.assert().success();
        written.push(std::fs::read_to_string(out.join("retro.md")).unwrap());
    }
    assert_eq!(written[0], written[1]);
    assert!(written[0].contains("review bottleneck"), "{}", written[0]);
}
