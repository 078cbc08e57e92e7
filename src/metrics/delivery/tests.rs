//! DORA's four keys on a small history built by hand, each expected figure worked out in the
//! comments from the rows alone.
//!
//! October 2026 (31 days), repository `acme/api`; ann is in team `core`, bob in `web`, dee in
//! `data` (repository `acme/etl`, which records no deployment at all). Every production
//! deployment is at 15:00 unless said otherwise; `S` is a deployment to `staging`.
//!
//! | PR | author | first commit | merged | what it is |
//! |---|---|---|---|---|
//! | #1 | ann | Oct 1 08:00 | Oct 1 12:00 | |
//! | #2 | bob | Oct 1 09:00 | Oct 1 13:00 | |
//! | #3 | ann | Oct 2 08:00 | Oct 2 10:00 | |
//! | #4 | bob | Oct 5 08:00 | Oct 5 10:00 | reverted by #5 |
//! | #5 | bob | Oct 6 09:00 | Oct 6 10:00 | `Revert "#4"` |
//! | #6 | ann | Oct 7 08:00 | Oct 7 10:00 | named by incident INC-1 |
//! | #7 | ann | Oct 8 10:00 | Oct 8 11:00 | hotfix (label) naming INC-1 |
//! | #8 | bob | Oct 12 08:00 | Oct 12 10:00 | |
//! | #9 | bob | Oct 13 10:00 | Oct 13 12:00 | "Hot-fix: cache" naming no ticket |
//! | #10 | ann | Oct 20 08:00 | Oct 20 10:00 | named by INC-2, opened Oct 30 |
//! | #11 | ann | Nov 2 08:00 | Nov 2 10:00 | never deployed |
//! | #13 | dependabot[bot] | Oct 22 06:00 | Oct 22 06:00 | |
//! | etl#1 | dee | Oct 9 08:00 | Oct 9 10:00 | |
//!
//! | deployment | when | status | lists | |
//! |---|---|---|---|---|
//! | D1 | Oct 1 | success | #1 #2 | |
//! | D2 | Oct 2 | failure | #3 | failed status |
//! | D3 | Oct 3 | success | #3 | ships #3; D2 recovers: 24 h |
//! | S | Oct 5 11:00 | success | #4 | staging: not counted |
//! | D4 | Oct 5 | success | #4 | #4 reverted Oct 6 10:00 (within 7 days) |
//! | D5 | Oct 6 17:00 | success | #5 | ships the revert: D4 recovers, 26 h |
//! | D6 | Oct 7 | success | #6 | INC-1 opened Oct 8 09:00, resolved 13:00; hotfix #7 |
//! | D7 | Oct 8 16:00 | success | #7 | ships the hotfix: D6 recovers at the later of 13:00 and 16:00, 25 h |
//! | D8 | Oct 12 | success | #8 | the latest deployment before the unnamed hotfix #9 |
//! | D9 | Oct 13 18:00 | success | #9 | ships #9: D8 recovers, 27 h |
//! | D10 | Oct 20 | success | #10 | environment `Production`; INC-2 is 10 days later: no failure |
//! | D11 | Oct 22 | success | #13 | a bot's PR only: team `unassigned` |
//!
//! INC-3 names no PR and fails nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use polars::prelude::*;

use crate::config::Config;
use crate::metrics::{Metric, compute};
use crate::model::{Deployment, Issue, Person, PullRequest, Table};

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
}

fn person(id: &str, team: &str) -> Person {
    Person {
        person: id.into(),
        display_name: None,
        team: team.into(),
        teams: vec![team.into()],
        role: "engineer".into(),
        timezone: "UTC".into(),
        work_start_hour: None,
        work_end_hour: None,
        aliases: vec![],
    }
}

struct Pr {
    repo: &'static str,
    number: i64,
    author: &'static str,
    first_commit: DateTime<Utc>,
    merged: DateTime<Utc>,
    title: &'static str,
    labels: &'static [&'static str],
    reverts: Option<i64>,
    linked_issues: &'static [&'static str],
}

fn pr(
    repo: &'static str,
    number: i64,
    author: &'static str,
    first_commit: DateTime<Utc>,
    merged: DateTime<Utc>,
) -> Pr {
    Pr {
        repo,
        number,
        author,
        first_commit,
        merged,
        title: "Add a thing",
        labels: &[],
        reverts: None,
        linked_issues: &[],
    }
}

fn pull_request(p: Pr) -> PullRequest {
    PullRequest {
        source: "t".into(),
        repo: p.repo.into(),
        number: p.number,
        author: p.author.into(),
        title: Some(p.title.into()),
        url: None,
        created_at: p.first_commit,
        ready_at: None,
        first_commit_at: Some(p.first_commit),
        merged_at: Some(p.merged),
        closed_at: Some(p.merged),
        merged_by: Some(p.author.into()),
        state: Some("merged".into()),
        draft: Some(false),
        additions: Some(10),
        deletions: Some(2),
        changed_files: Some(1),
        labels: p.labels.iter().map(|l| l.to_string()).collect(),
        base_ref: Some("main".into()),
        is_revert: Some(p.reverts.is_some()),
        reverts_number: p.reverts,
        linked_issues: p.linked_issues.iter().map(|l| l.to_string()).collect(),
        updated_at: None,
        attribution: Vec::new(),
    }
}

fn deploy(when: DateTime<Utc>, environment: &str, status: &str, prs: &[i64]) -> Deployment {
    Deployment {
        source: "t".into(),
        repo: "acme/api".into(),
        environment: Some(environment.into()),
        sha: Some(format!("{}", when.timestamp())),
        pr_numbers: prs.iter().map(i64::to_string).collect(),
        at: when,
        status: Some(status.into()),
    }
}

fn incident(
    key: &str,
    issue_type: &str,
    labels: &[&str],
    opened: DateTime<Utc>,
    resolved: Option<DateTime<Utc>>,
    prs: &[&str],
) -> Issue {
    Issue {
        source: "t".into(),
        key: key.into(),
        project: Some("INC".into()),
        title: Some("Something is down".into()),
        issue_type: Some(issue_type.into()),
        reporter: Some("ann".into()),
        assignee: Some("ann".into()),
        status: Some(if resolved.is_some() { "Done" } else { "Open" }.into()),
        status_category: Some(if resolved.is_some() { "done" } else { "todo" }.into()),
        created_at: opened,
        started_at: None,
        resolved_at: resolved,
        reopen_count: Some(0),
        sprint: None,
        estimate: None,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        url: None,
        linked_prs: prs.iter().map(|p| p.to_string()).collect(),
    }
}

fn tables() -> BTreeMap<&'static str, LazyFrame> {
    let mut tables = BTreeMap::new();
    for spec in crate::model::TABLES {
        tables.insert(spec.name, crate::model::empty_frame(spec).lazy());
    }
    let people = vec![
        person("ann", "core"),
        person("bob", "web"),
        person("dee", "data"),
    ];
    tables.insert("people", Person::to_frame(people).unwrap().lazy());
    let api = "acme/api";
    let prs = vec![
        pr(api, 1, "ann", at(10, 1, 8), at(10, 1, 12)),
        pr(api, 2, "bob", at(10, 1, 9), at(10, 1, 13)),
        pr(api, 3, "ann", at(10, 2, 8), at(10, 2, 10)),
        pr(api, 4, "bob", at(10, 5, 8), at(10, 5, 10)),
        Pr {
            title: "Revert \"Add a thing\"",
            reverts: Some(4),
            ..pr(api, 5, "bob", at(10, 6, 9), at(10, 6, 10))
        },
        pr(api, 6, "ann", at(10, 7, 8), at(10, 7, 10)),
        Pr {
            title: "Fix the outage",
            labels: &["HotFix"],
            linked_issues: &["INC-1"],
            ..pr(api, 7, "ann", at(10, 8, 10), at(10, 8, 11))
        },
        pr(api, 8, "bob", at(10, 12, 8), at(10, 12, 10)),
        Pr {
            title: "Hot-fix: cache",
            ..pr(api, 9, "bob", at(10, 13, 10), at(10, 13, 12))
        },
        pr(api, 10, "ann", at(10, 20, 8), at(10, 20, 10)),
        pr(api, 11, "ann", at(11, 2, 8), at(11, 2, 10)),
        pr(api, 13, "dependabot[bot]", at(10, 22, 6), at(10, 22, 6)),
        pr("acme/etl", 1, "dee", at(10, 9, 8), at(10, 9, 10)),
    ];
    tables.insert(
        "pull_requests",
        PullRequest::to_frame(prs.into_iter().map(pull_request).collect())
            .unwrap()
            .lazy(),
    );
    let deployments = vec![
        deploy(at(10, 1, 15), "production", "success", &[1, 2]),
        deploy(at(10, 2, 15), "production", "failure", &[3]),
        deploy(at(10, 3, 15), "production", "success", &[3]),
        deploy(at(10, 5, 11), "staging", "success", &[4]),
        deploy(at(10, 5, 15), "production", "success", &[4]),
        deploy(at(10, 6, 17), "production", "success", &[5]),
        deploy(at(10, 7, 15), "production", "success", &[6]),
        deploy(at(10, 8, 16), "production", "success", &[7]),
        deploy(at(10, 12, 15), "production", "success", &[8]),
        deploy(at(10, 13, 18), "production", "success", &[9]),
        deploy(at(10, 20, 15), "Production", "success", &[10]),
        deploy(at(10, 22, 15), "production", "success", &[13]),
    ];
    tables.insert(
        "deployments",
        Deployment::to_frame(deployments).unwrap().lazy(),
    );
    let issues = vec![
        incident(
            "INC-1",
            "incident",
            &[],
            at(10, 8, 9),
            Some(at(10, 8, 13)),
            &["acme/api#6"],
        ),
        incident(
            "INC-2",
            "incident",
            &[],
            at(10, 30, 9),
            Some(at(10, 30, 12)),
            &["acme/api#10"],
        ),
        incident("INC-3", "incident", &[], at(10, 14, 9), None, &[]),
    ];
    tables.insert("issues", Issue::to_frame(issues).unwrap().lazy());
    tables
}

/// One row of a frame, found by the values of some text columns.
fn row(frame: &DataFrame, keys: &[(&str, &str)]) -> usize {
    let matches: Vec<usize> = (0..frame.height())
        .filter(|&i| {
            keys.iter().all(|(column, value)| {
                frame.column(column).unwrap().str().unwrap().get(i) == Some(*value)
            })
        })
        .collect();
    assert_eq!(matches.len(), 1, "{keys:?} in {frame}");
    matches[0]
}

/// A cell as a number (NULL as `None`).
fn number(frame: &DataFrame, column: &str, row: usize) -> Option<f64> {
    frame
        .column(column)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .get(row)
}

fn text(frame: &DataFrame, column: &str, row: usize) -> Option<String> {
    frame
        .column(column)
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .get(row)
        .map(str::to_string)
}

fn close(actual: Option<f64>, expected: f64, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: NULL, expected {expected}"));
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: {actual}, expected {expected}"
    );
}

#[test]
fn each_deployment_fails_for_its_reason_and_recovers_when_its_failures_end() {
    let metrics = compute(&tables(), &Config::default(), None).unwrap();
    let outcomes = metrics.get(Metric::DeployOutcomes);
    // Eleven deployments to production (D1–D11); the staging one is not among them, and
    // `Production` is compared without case.
    assert_eq!(outcomes.height(), 11, "{outcomes}");
    let at_ = |day: u32, hour: u32| {
        (0..outcomes.height())
            .find(|&i| {
                number(outcomes, "at", i).map(|v| v as i64)
                    == Some(at(10, day, hour).timestamp_micros())
            })
            .unwrap_or_else(|| panic!("no deployment on Oct {day} {hour}:00 in {outcomes}"))
    };
    /// A deployment by its day and hour, whether it failed, why, and its recovery in hours.
    type Expected = ((u32, u32), i64, Option<&'static str>, Option<f64>);
    let expected: [Expected; 11] = [
        ((1, 15), 0, None, None),
        // D2's own status; the next deployment that did not fail is D3, 24 h later.
        ((2, 15), 1, Some("failed status"), Some(24.0)),
        ((3, 15), 0, None, None),
        // #4 reverted by #5 on Oct 6 10:00, within the week; #5 shipped with D5 at 17:00: 26 h.
        ((5, 15), 1, Some("revert"), Some(26.0)),
        ((6, 17), 0, None, None),
        // INC-1 names #6 (resolved Oct 8 13:00) and hotfix #7 names INC-1 (shipped by D7 at
        // Oct 8 16:00): recovered at the later, 25 h after Oct 7 15:00.
        ((7, 15), 1, Some("incident"), Some(25.0)),
        ((8, 16), 0, None, None),
        // #9 names no ticket: it fails the latest deployment before it merged, D8; shipped by D9
        // on Oct 13 18:00: 27 h.
        ((12, 15), 1, Some("hotfix"), Some(27.0)),
        ((13, 18), 0, None, None),
        // INC-2 names #10 but is opened ten days after D10: outside the window.
        ((20, 15), 0, None, None),
        ((22, 15), 0, None, None),
    ];
    for ((day, hour), failed, reason, recovery) in expected {
        let i = at_(day, hour);
        let what = format!("deployment of Oct {day} {hour}:00");
        assert_eq!(number(outcomes, "failed", i), Some(failed as f64), "{what}");
        assert_eq!(
            text(outcomes, "failure_reason", i).as_deref(),
            reason,
            "{what}"
        );
        match recovery {
            Some(hours) => close(number(outcomes, "recovery_h", i), hours, &what),
            None => assert_eq!(number(outcomes, "recovery_h", i), None, "{what}"),
        }
    }
    // D6 failed for both the incident and its hotfix; the evidence names each.
    let d6 = at_(7, 15);
    assert_eq!(number(outcomes, "incident", d6), Some(1.0));
    assert_eq!(number(outcomes, "hotfixed", d6), Some(1.0));
    assert_eq!(text(outcomes, "incident_key", d6).as_deref(), Some("INC-1"));
    assert_eq!(number(outcomes, "hotfix_pr", d6), Some(7.0));
    assert_eq!(number(outcomes, "revert_pr", at_(5, 15)), Some(5.0));
}

#[test]
fn the_organisation_counts_each_deployment_once() {
    let metrics = compute(&tables(), &Config::default(), None).unwrap();
    let org = metrics.get(Metric::DeliveryOrgMonthly);
    let october = row(org, &[("month", "2026-10")]);
    // D1–D11 on eleven different days; 11 × 7 / 31 per week.
    close(number(org, "deployments", october), 11.0, "deployments");
    close(number(org, "deploy_days", october), 11.0, "deploy days");
    close(
        number(org, "deploys_per_week", october),
        11.0 * 7.0 / 31.0,
        "per week",
    );
    // Only acme/api deploys (acme/etl records none): the median repository is acme/api.
    close(
        number(org, "repo_deploys_per_week_p50", october),
        11.0 * 7.0 / 31.0,
        "median repository",
    );
    // D2, D4, D6 and D8 failed: 4 of 11.
    close(number(org, "failed_deployments", october), 4.0, "failed");
    close(
        number(org, "change_failure_rate", october),
        4.0 / 11.0,
        "change failure rate",
    );
    // Recoveries 24, 26, 25 and 27 h: the median is 25.5.
    close(number(org, "recoveries", october), 4.0, "recoveries");
    close(number(org, "recovery_p50_h", october), 25.5, "recovery p50");
    // Lead times of the people's PRs merged in October (first commit → first production
    // deployment that shipped it; the bot's PR is left out): #1 7, #2 6, #3 31 (D2 failed, D3
    // shipped it), #4 7 (not the staging deployment's 3), #5 8, #6 7, #7 6, #8 7, #9 8, #10 7;
    // etl#1 was never deployed. Sorted 6 6 7 7 7 7 7 8 8 31: median 7, p90 at position 8.1,
    // 8 + 0.1 × 23 = 10.3.
    close(number(org, "deployed_prs", october), 10.0, "deployed PRs");
    close(
        number(org, "lead_time_p50_h", october),
        7.0,
        "lead time p50",
    );
    close(
        number(org, "lead_time_p90_h", october),
        10.3,
        "lead time p90",
    );
    // November: #11 merged and not deployed, and no deployment: 0 deployments, no failure rate.
    let november = row(org, &[("month", "2026-11")]);
    close(
        number(org, "deployments", november),
        0.0,
        "November deployments",
    );
    close(
        number(org, "repo_deploys_per_week_p50", november),
        0.0,
        "November, median repository",
    );
    assert_eq!(number(org, "change_failure_rate", november), None);
    assert_eq!(number(org, "lead_time_p50_h", november), None);
    // The trends read the same figures from org_monthly, where the PR-based share is named for
    // what it is: #4 reverted, #6 named by INC-1, #10 by INC-2: 3 of the 11 October PRs.
    let trends = metrics.get(Metric::OrgMonthly);
    let october = row(trends, &[("month", "2026-10")]);
    close(
        number(trends, "change_failure_rate", october),
        4.0 / 11.0,
        "trend CFR",
    );
    close(
        number(trends, "recovery_p50_h", october),
        25.5,
        "trend recovery",
    );
    close(
        number(trends, "pr_failure_rate", october),
        3.0 / 11.0,
        "PR failure rate",
    );
}

#[test]
fn a_deployment_counts_in_each_team_whose_prs_it_shipped() {
    let metrics = compute(&tables(), &Config::default(), None).unwrap();
    let teams = metrics.get(Metric::DeliveryMonthly);
    // core (ann): D1 (with bob's #2), D2, D3, D6, D7, D10; D2 and D6 failed; recoveries 24 and
    // 25 h. Lead times #1 7, #3 31, #6 7, #7 6, #10 7: median 7, p90 at 3.6: 7 + 0.6 × 24 = 21.4.
    let core = row(teams, &[("team", "core"), ("month", "2026-10")]);
    close(number(teams, "deployments", core), 6.0, "core deployments");
    close(
        number(teams, "deploys_per_week", core),
        6.0 * 7.0 / 31.0,
        "core per week",
    );
    close(
        number(teams, "change_failure_rate", core),
        2.0 / 6.0,
        "core CFR",
    );
    close(number(teams, "recovery_p50_h", core), 24.5, "core recovery");
    close(
        number(teams, "lead_time_p50_h", core),
        7.0,
        "core lead time p50",
    );
    close(
        number(teams, "lead_time_p90_h", core),
        21.4,
        "core lead time p90",
    );
    // web (bob): D1, D4, D5, D8, D9; D4 and D8 failed (26 and 27 h). Lead times 6 7 7 8 8:
    // median 7, p90 at 3.6: 8.
    let web = row(teams, &[("team", "web"), ("month", "2026-10")]);
    close(number(teams, "deployments", web), 5.0, "web deployments");
    close(number(teams, "failed_deployments", web), 2.0, "web failed");
    close(number(teams, "change_failure_rate", web), 0.4, "web CFR");
    close(number(teams, "recovery_p50_h", web), 26.5, "web recovery");
    close(
        number(teams, "lead_time_p90_h", web),
        8.0,
        "web lead time p90",
    );
    // D11 shipped only a bot's PR.
    let unassigned = row(teams, &[("team", "unassigned"), ("month", "2026-10")]);
    close(
        number(teams, "deployments", unassigned),
        1.0,
        "unassigned deployments",
    );
    // data's repository records no deployment: not recorded, not 0.
    let data = row(teams, &[("team", "data"), ("month", "2026-10")]);
    assert_eq!(
        number(teams, "deployments", data),
        None,
        "data: not recorded"
    );
    assert_eq!(number(teams, "change_failure_rate", data), None);
    close(
        number(teams, "deployed_prs", data),
        0.0,
        "data deployed PRs",
    );
    // core deploys, just not in November: 0 there, and no failure rate.
    let november = row(teams, &[("team", "core"), ("month", "2026-11")]);
    close(
        number(teams, "deployments", november),
        0.0,
        "core in November",
    );
    assert_eq!(number(teams, "change_failure_rate", november), None);
    // outcome_monthly carries the team's DORA rate, and its own PR-based share beside it:
    // core's PRs #1 #3 #6 #7 #10, of which #6 and #10 were named by incidents: 2 of 5.
    let outcomes = metrics.get(Metric::OutcomeMonthly);
    let core = row(outcomes, &[("team", "core"), ("month", "2026-10")]);
    close(
        number(outcomes, "change_failure_rate", core),
        2.0 / 6.0,
        "outcome CFR",
    );
    close(
        number(outcomes, "pr_failure_rate", core),
        0.4,
        "outcome PR failure rate",
    );
}

#[test]
fn what_counts_is_configured() {
    // Staging only: one deployment (S, #4), which #5 reverts the next morning: 1 of 1 failed.
    // Lead time now ends there: #4's is 3 h, and no other PR has one.
    let config =
        Config::parse("[dora]\nenvironments = [\"Staging\"]\nfailure_window_days = 1\n").unwrap();
    let metrics = compute(&tables(), &config, None).unwrap();
    let org = metrics.get(Metric::DeliveryOrgMonthly);
    let october = row(org, &[("month", "2026-10")]);
    close(
        number(org, "deployments", october),
        1.0,
        "staging deployments",
    );
    close(
        number(org, "change_failure_rate", october),
        1.0,
        "staging CFR",
    );
    close(
        number(org, "deployed_prs", october),
        1.0,
        "staging deployed PRs",
    );
    close(
        number(org, "lead_time_p50_h", october),
        3.0,
        "staging lead time",
    );

    // A one-day window keeps D2 (its status), D4 (revert after 19 h), D6 (INC-1 after 18 h)
    // and D8 (hotfix after 21 h); a label makes a `bug` an incident: BUG-9, labelled
    // SEV1 naming #10, opened Oct 21 09:00 (18 h after D10) fails D10 too: 5 of 11.
    let mut tables = tables();
    let issues = vec![
        incident(
            "INC-1",
            "incident",
            &[],
            at(10, 8, 9),
            Some(at(10, 8, 13)),
            &["acme/api#6"],
        ),
        incident(
            "BUG-9",
            "bug",
            &["SEV1"],
            at(10, 21, 9),
            Some(at(10, 21, 11)),
            &["acme/api#10"],
        ),
    ];
    tables.insert("issues", Issue::to_frame(issues).unwrap().lazy());
    let config =
        Config::parse("[dora]\nfailure_window_days = 1\nincident_labels = [\"sev1\"]\n").unwrap();
    let metrics = compute(&tables, &config, None).unwrap();
    let org = metrics.get(Metric::DeliveryOrgMonthly);
    let october = row(org, &[("month", "2026-10")]);
    close(
        number(org, "failed_deployments", october),
        5.0,
        "with a label and a day",
    );
    // Without the label the bug is no incident, and D10 did not fail.
    let metrics = compute(
        &tables,
        &Config::parse("[dora]\nfailure_window_days = 1\n").unwrap(),
        None,
    )
    .unwrap();
    let org = metrics.get(Metric::DeliveryOrgMonthly);
    close(
        number(org, "failed_deployments", october),
        4.0,
        "without the label",
    );
}

#[test]
fn with_no_deployment_recorded_the_keys_are_not_recorded_rather_than_zero() {
    let mut tables = tables();
    let spec = crate::model::table_spec("deployments").unwrap();
    tables.insert("deployments", crate::model::empty_frame(spec).lazy());
    let metrics = compute(&tables, &Config::default(), None).unwrap();
    assert_eq!(metrics.get(Metric::DeployOutcomes).height(), 0);
    let org = metrics.get(Metric::DeliveryOrgMonthly);
    let october = row(org, &[("month", "2026-10")]);
    for column in [
        "deployments",
        "deploy_days",
        "deploys_per_week",
        "change_failure_rate",
    ] {
        assert_eq!(number(org, column, october), None, "{column}");
    }
    assert_eq!(number(org, "lead_time_p50_h", october), None);
    let teams = metrics.get(Metric::DeliveryMonthly);
    let core = row(teams, &[("team", "core"), ("month", "2026-10")]);
    assert_eq!(number(teams, "deployments", core), None);
}

#[test]
fn a_team_deployed_for_before_the_window_deployed_though_the_window_holds_none_of_its_prs() {
    // dee's team `data` deployed once, in September, PR etl#40 (merged before the window, so a
    // window of months holds the deployment, read whole, but not the PR); nothing since. Over
    // the whole history its October is 0 deployments; it is "not recorded" only for a team no
    // deployment ever was counted for.
    let mut tables = tables();
    let september = Deployment {
        repo: "acme/etl".into(),
        ..deploy(at(9, 15, 15), "production", "success", &[40])
    };
    let deployments = concat(
        [
            tables["deployments"].clone(),
            Deployment::to_frame(vec![september]).unwrap().lazy(),
        ],
        UnionArgs::default(),
    )
    .unwrap();
    tables.insert("deployments", deployments);
    let data_in_october = |history: Option<&crate::metrics::History>| {
        let reach = crate::metrics::Reach {
            history,
            first_day: None,
        };
        let metrics =
            crate::metrics::compute_for_analysis(&tables, &Config::default(), None, &reach)
                .unwrap();
        let teams = metrics.get(Metric::DeliveryMonthly);
        let data = row(teams, &[("team", "data"), ("month", "2026-10")]);
        number(teams, "deployments", data)
    };
    // Without the earlier PRs' authors (as the window's SQL once saw it): never deployed.
    assert_eq!(data_in_october(None), None);
    let categories = crate::asof::status_categories(
        tables["issues"]
            .clone()
            .select([col("status"), col("status_category")]),
    )
    .collect()
    .unwrap();
    let history = crate::metrics::History {
        acted_before: None,
        usual_offsets: df!("person" => Vec::<String>::new(), "usual_offset" => Vec::<i64>::new())
            .unwrap(),
        status_categories: categories,
        earlier_pr_authors: df!(
            "repo" => ["acme/etl"],
            "number" => [40i64],
            "author" => ["dee"],
        )
        .unwrap(),
    };
    close(
        data_in_october(Some(&history)),
        0.0,
        "data deployed in September",
    );
}

/// The simulator plants every kind of failure (a failed status, reverts, incidents blamed on a
/// PR, hotfixes for them) and their recovery, and says so from its own bookkeeping
/// (`Simulation::delivery`), not from the rows. Computed from that with the definitions, each
/// deployment's reasons and recovery must be what the SQL finds in the rows.
#[test]
fn the_simulators_planted_failures_are_the_failed_deployments() {
    use crate::sources::simulate::{SimConfig, simulate};
    let simulation = simulate(&SimConfig::default_org(7, 4, 3, 1.0));
    let truth = &simulation.delivery;
    let mut tables = BTreeMap::new();
    for (name, frame) in simulation.dataset.clone().into_frames().unwrap() {
        tables.insert(name, frame.lazy());
    }
    let metrics = compute(&tables, &Config::default(), None).unwrap();
    let outcomes = metrics.get(Metric::DeployOutcomes);

    let window = chrono::Duration::days(7);
    let mut deployments = truth.deployments.clone();
    deployments.sort_by(|a, b| (&a.repo, a.at).cmp(&(&b.repo, b.at)));
    // The deployment that shipped each PR: the first listing it whose status did not fail.
    let mut shipped: BTreeMap<(&str, i64), usize> = BTreeMap::new();
    for (i, d) in deployments.iter().enumerate() {
        if !d.failed {
            for &pr in &d.prs {
                shipped.entry((d.repo.as_str(), pr)).or_insert(i);
            }
        }
    }
    let shipped_at = |repo: &str, pr: i64| shipped.get(&(repo, pr)).map(|&j| deployments[j].at);
    // (repo, at) → (failed status, incident, revert, hotfix, recovered at)
    type Expected = (bool, bool, bool, bool, Option<DateTime<Utc>>);
    let mut expected: BTreeMap<(String, i64), Expected> = BTreeMap::new();
    let mut kinds = [0usize; 4];
    for (i, d) in deployments.iter().enumerate() {
        let within = |t: DateTime<Utc>| t > d.at && t <= d.at + window;
        let mine = |repo: &str, pr: i64| repo == d.repo && shipped.get(&(repo, pr)) == Some(&i);
        let mut ends: Vec<Option<DateTime<Utc>>> = Vec::new();
        if d.failed {
            ends.push(
                deployments[i + 1..]
                    .iter()
                    .take_while(|n| n.repo == d.repo)
                    .find(|n| !n.failed)
                    .map(|n| n.at),
            );
        }
        let reverts: Vec<_> = truth
            .reverts
            .iter()
            .filter(|r| mine(&r.repo, r.of) && within(r.merged_at))
            .collect();
        ends.extend(reverts.iter().map(|r| shipped_at(&r.repo, r.number)));
        let incidents: Vec<_> = truth
            .incidents
            .iter()
            .filter(|n| mine(&n.repo, n.cause) && within(n.opened))
            .collect();
        ends.extend(incidents.iter().map(|n| n.resolved));
        let hotfixes: Vec<_> = truth
            .hotfixes
            .iter()
            .filter(|h| incidents.iter().any(|n| n.key == h.incident) && within(h.merged_at))
            .collect();
        ends.extend(hotfixes.iter().map(|h| shipped_at(&h.repo, h.number)));
        let flags = [
            d.failed,
            !incidents.is_empty(),
            !reverts.is_empty(),
            !hotfixes.is_empty(),
        ];
        for (count, flag) in kinds.iter_mut().zip(flags) {
            *count += usize::from(flag);
        }
        let recovered = if ends.is_empty() || ends.iter().any(Option::is_none) {
            None
        } else {
            ends.into_iter().flatten().max()
        };
        expected.insert(
            (d.repo.clone(), d.at.timestamp_micros()),
            (flags[0], flags[1], flags[2], flags[3], recovered),
        );
    }
    assert!(
        kinds.iter().all(|&n| n > 0),
        "the simulator planted every kind of failure (status, incident, revert, hotfix): {kinds:?}"
    );
    assert_eq!(
        outcomes.height(),
        expected.len(),
        "deployments to production"
    );
    let mut failed = 0;
    for i in 0..outcomes.height() {
        let repo = text(outcomes, "repo", i).unwrap();
        let at = number(outcomes, "at", i).unwrap() as i64;
        let (status, incident, revert, hotfix, recovered) = expected
            .get(&(repo.clone(), at))
            .unwrap_or_else(|| panic!("{repo} at {at}: deployed, but not by the simulator"));
        let flag = |column: &str| number(outcomes, column, i) == Some(1.0);
        let what = format!("{repo} deployment at {at}");
        assert_eq!(flag("failed_status"), *status, "{what}: status");
        assert_eq!(flag("incident"), *incident, "{what}: incident");
        assert_eq!(flag("reverted"), *revert, "{what}: revert");
        assert_eq!(flag("hotfixed"), *hotfix, "{what}: hotfix");
        let any = *status || *incident || *revert || *hotfix;
        assert_eq!(flag("failed"), any, "{what}: failed");
        failed += usize::from(any);
        let hours = recovered
            .filter(|_| any)
            .map(|r| (r.timestamp_micros() - at) as f64 / 3_600_000_000.0);
        match hours {
            Some(h) => close(number(outcomes, "recovery_h", i), h, &what),
            None => assert_eq!(number(outcomes, "recovery_h", i), None, "{what}: recovery"),
        }
    }
    assert!(failed > 0);
    // The organisation's change failure rate is the failed share of the month's deployments.
    let org = metrics.get(Metric::DeliveryOrgMonthly);
    for i in 0..org.height() {
        let month = text(org, "month", i).unwrap();
        let in_month: Vec<&Expected> = expected
            .iter()
            .filter(|((_, at), _)| {
                DateTime::from_timestamp_micros(*at)
                    .is_some_and(|t| t.format("%Y-%m").to_string() == month)
            })
            .map(|(_, e)| e)
            .collect();
        if in_month.is_empty() {
            assert_eq!(number(org, "change_failure_rate", i), None, "{month}");
            continue;
        }
        let failed = in_month.iter().filter(|e| e.0 || e.1 || e.2 || e.3).count();
        close(
            number(org, "change_failure_rate", i),
            failed as f64 / in_month.len() as f64,
            &format!("{month}: change failure rate"),
        );
    }
}
