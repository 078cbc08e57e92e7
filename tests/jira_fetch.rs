//! `teamlens fetch jira` end to end against the fake Jira of `tests/support/fake_jira`: the real
//! binary, the real client code, Jira Cloud's REST v3 wire format.
//!
//! - round trip: simulate → serve → fetch → the stored `issues`, `issue_events` and `comments`
//!   equal the simulator's, row for row, people resolved through the `[[people]]` roster;
//! - incremental: a re-fetch with nothing new costs one search per project, from the stored mark;
//! - killed at ≥ 10 points and resumed: the same dataset as an uninterrupted fetch;
//! - faults (429 with Retry-After, 503, dropped and truncated answers): the fetch completes;
//! - errors: wrong token, unknown project, missing variables, each with a clear message;
//! - what it must show: the micromanager's ticket rewrites and the people-pleaser's mid-sprint
//!   additions in `issue_events`, and the reopen rate in the report's outcome section.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use polars::prelude::*;
use teamlens::model::{Dataset, Issue, IssueEvent, Person};
use teamlens::sources::simulate::{SimConfig, simulate};
use teamlens::store::Store;

use support::fake_jira::{EMAIL, FakeJira, Fault, JiraWorld, TOKEN, account_id};
use support::tables::{assert_same_tables, simulated_sprints, stored_frame, stored_sprints};
use support::teamlens;

fn world(seed: u64, teams: usize, months: u32, scale: f64) -> Dataset {
    simulate(&SimConfig::default_org(seed, teams, months, scale)).dataset
}

fn projects(data: &Dataset) -> Vec<String> {
    let mut out: Vec<String> = data
        .issues
        .iter()
        .filter(|i| i.source == "jira")
        .filter_map(|i| i.project.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The roster of a simulated organisation as `[[people]]`, every person's Jira account listed.
fn roster_toml(people: &[Person]) -> String {
    let mut out = String::new();
    for p in people {
        let mut aliases = p.aliases.clone();
        aliases.push(account_id(&p.person));
        out.push_str(&format!(
            "\n[[people]]\nperson = {:?}\nrole = {:?}\ntimezone = {:?}\naliases = {:?}\n",
            p.person, p.role, p.timezone, aliases
        ));
        if p.teams.is_empty() {
            out.push_str(&format!("team = {:?}\n", p.team));
        } else {
            out.push_str(&format!("teams = {:?}\n", p.teams));
        }
        if let Some(name) = &p.display_name {
            out.push_str(&format!("display_name = {name:?}\n"));
        }
        if let (Some(s), Some(e)) = (p.work_start_hour, p.work_end_hour) {
            out.push_str(&format!("work_start_hour = {s}\nwork_end_hour = {e}\n"));
        }
    }
    out
}

struct Workspace {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

fn workspace(page_size: u32, people: &[Person], extra: &str) -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    std::fs::write(
        &config,
        format!(
            "[jira]\npage_size = {page_size}\nretry_base_ms = 20\nmax_attempts = 5\n{extra}\n{}",
            roster_toml(people)
        ),
    )
    .unwrap();
    Workspace {
        data: dir.path().join("data"),
        config,
        _dir: dir,
    }
}

fn fetch_command(fake: &FakeJira, ws: &Workspace, projects: &[String]) -> assert_cmd::Command {
    let mut command = teamlens();
    command
        .env("JIRA_BASE_URL", fake.base_url())
        .env("JIRA_EMAIL", EMAIL)
        .env("JIRA_API_TOKEN", TOKEN)
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("--config")
        .arg(&ws.config)
        .args(["fetch", "jira"])
        .args(projects)
        .args(["--since", "2020-01-01"]);
    command
}

/// The simulator's Jira rows as the fetch must store them (the site's address in the URLs).
fn expected(data: &Dataset, base_url: &str) -> Dataset {
    let jira = |s: &str| s == "jira";
    Dataset {
        issues: data
            .issues
            .iter()
            .filter(|r| jira(&r.source))
            .map(|i| Issue {
                url: Some(format!("{base_url}/browse/{}", i.key)),
                ..i.clone()
            })
            .collect(),
        issue_events: data
            .issue_events
            .iter()
            .filter(|r| jira(&r.source))
            .cloned()
            .collect(),
        comments: data
            .comments
            .iter()
            .filter(|r| jira(&r.source))
            .cloned()
            .collect(),
        ..Dataset::default()
    }
}

const TABLES: &[&str] = &["issues", "issue_events", "comments"];

/// Only this source's rows are compared: the tests' roster and other sources share the tables.
const SOURCE: Option<&str> = Some("jira");

#[test]
fn a_fetch_stores_exactly_the_simulated_tickets() {
    let data = world(31, 2, 3, 0.6);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(10, &data.people, "");
    let output = fetch_command(&fake, &ws, &keys).assert().success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    assert!(stdout.contains("fetched 2 of 2 Jira projects"), "{stdout}");
    let want = expected(&data, &fake.base_url());
    assert!(want.issues.len() > 20 && want.issue_events.len() > 100);
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
    // Sprints with their dates, from the agile API.
    let sprints = stored_sprints(&ws.data, "jira");
    assert!(sprints.len() > 5, "{sprints:?}");
    assert_eq!(sprints, simulated_sprints(&data, true));
    // The changelog and comments were read page by page (the fake serves at most 4 a page).
    let stats = fake.stats();
    assert!(
        stats.by_endpoint["issue/changelog"] > want.issues.len() as u64,
        "{stats:?}"
    );
    // Comments come with the search; only issues with more than the first ones are paged for.
    let paged = stats.by_endpoint.get("issue/comment").copied().unwrap_or(0);
    assert!(
        paged > 0 && paged < want.issues.len() as u64,
        "{paged} comment requests for {} issues",
        want.issues.len()
    );
    // The roster reached the people table.
    let people = Store::open(&ws.data)
        .unwrap()
        .scan("people")
        .unwrap()
        .collect()
        .unwrap();
    assert_eq!(people.height(), data.people.len());
    // The token is in no file the fetch wrote (nor its basic-auth form).
    let header = support::fake_jira::basic(EMAIL, TOKEN);
    let basic = (
        header.trim_start_matches("Basic ").to_string(),
        TOKEN.to_string(),
    );
    let mut stack = vec![ws.data.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(&basic.0) && !text.contains(&basic.1),
                    "{}",
                    path.display()
                );
            }
        }
    }
    // Nothing left in staging.
    assert!(
        !ws.data
            .join("staging/jira")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
}

#[test]
fn a_refetch_searches_from_the_stored_mark_and_replaces_changed_tickets() {
    let data = world(32, 2, 2, 0.5);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(25, &data.people, "");
    fetch_command(&fake, &ws, &keys).assert().success();

    fake.reset_stats();
    fetch_command(&fake, &ws, &keys).assert().success();
    let stats = fake.stats();
    assert_eq!(
        stats.by_endpoint["search/jql"],
        keys.len() as u64,
        "{stats:?}"
    );
    assert!(
        stats.jql.iter().all(|q| !q.contains("2020-01-01")),
        "the second search starts from the mark: {:?}",
        stats.jql
    );
    // Only the tickets at the mark's minute are read again.
    assert!(
        stats
            .by_endpoint
            .get("issue/changelog")
            .copied()
            .unwrap_or(0)
            <= 2 * keys.len() as u64,
        "{stats:?}"
    );

    // A ticket is moved on: a new status change now. The re-fetch replaces its rows.
    let mut want = expected(&data, &fake.base_url());
    let changed = fake.with_world(|w| {
        let issue = w.issues[0].clone();
        let at = chrono::Utc::now() - chrono::Duration::minutes(5);
        let at = chrono::DateTime::from_timestamp(at.timestamp(), 0).unwrap();
        let event = IssueEvent {
            source: "jira".into(),
            key: issue.key.clone(),
            at,
            actor: issue.reporter.clone().unwrap(),
            field: "priority".into(),
            from: Some("Medium".into()),
            to: Some("High".into()),
        };
        w.events.push(event.clone());
        event
    });
    want.issue_events.push(changed);
    fake.reset_stats();
    fetch_command(&fake, &ws, &keys).assert().success();
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
}

#[test]
fn a_fetch_killed_at_many_points_resumes_to_the_same_dataset() {
    let data = world(33, 2, 2, 0.6);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    fake.set_latency(Duration::from_millis(10));
    let ws = workspace(5, &data.people, "");
    // Deterministic "random" kill points: after 2 to 10 more requests each time.
    let mut step: u64 = 7;
    let env = [
        ("JIRA_BASE_URL", fake.base_url()),
        ("JIRA_EMAIL", EMAIL.to_string()),
        ("JIRA_API_TOKEN", TOKEN.to_string()),
    ];
    let kills = support::faults::kill_fetch_until_it_finishes(
        || support::faults::source_fetch_process(&env, &ws.data, &ws.config, "jira", &keys),
        || fake.stats().requests,
        || {
            step = (step * 31 + 17) % 9 + 2;
            step
        },
        14,
    );
    assert!(kills >= 10, "only {kills} kills before the fetch finished");
    fake.set_latency(Duration::ZERO);
    fetch_command(&fake, &ws, &keys).assert().success();
    assert_same_tables(&ws.data, &expected(&data, &fake.base_url()), TABLES, SOURCE);
}

#[test]
fn rate_limits_server_errors_and_broken_answers_are_survived() {
    let data = world(34, 1, 2, 0.5);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(10, &data.people, "");
    fake.inject(Fault::TooManyRequests { retry_after: 1 }, 1);
    fake.fault_every(5, Fault::Unavailable);
    let started = Instant::now();
    fetch_command(&fake, &ws, &keys).assert().success();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_same_tables(&ws.data, &expected(&data, &fake.base_url()), TABLES, SOURCE);

    for fault in [Fault::Drop, Fault::Truncated] {
        let ws = workspace(10, &data.people, "");
        fake.clear_faults();
        fake.fault_every(4, fault.clone());
        fake.reset_stats();
        fetch_command(&fake, &ws, &keys).assert().success();
        assert!(fake.stats().faults > 3, "{fault:?}");
        assert_same_tables(&ws.data, &expected(&data, &fake.base_url()), TABLES, SOURCE);
    }

    // A rate limit that never lifts stops the fetch with a resumable message.
    let ws = workspace(10, &data.people, "");
    fake.clear_faults();
    fake.inject(Fault::TooManyRequests { retry_after: 0 }, 50);
    let output = fetch_command(&fake, &ws, &keys).assert().failure();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(stderr.contains("429"), "{stderr}");
}

#[test]
fn credentials_and_projects_fail_with_clear_messages() {
    let data = world(35, 1, 1, 0.4);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(10, &data.people, "");

    let output = fetch_command(&fake, &ws, &keys)
        .env("JIRA_API_TOKEN", "wrong-token-123")
        .arg("-vv")
        .assert()
        .failure()
        .code(1);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.get_output().stdout),
        String::from_utf8_lossy(&output.get_output().stderr)
    );
    assert!(
        all.contains("401") && all.contains("JIRA_API_TOKEN"),
        "{all}"
    );
    assert!(
        !all.contains("wrong-token-123") && !all.contains(TOKEN),
        "{all}"
    );

    let output = fetch_command(&fake, &ws, &["NOPE".to_string()])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(
        stderr.contains("NOPE") && stderr.contains("no such Jira project"),
        "{stderr}"
    );

    let output = fetch_command(&fake, &ws, &keys)
        .env_remove("JIRA_EMAIL")
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(stderr.contains("JIRA_EMAIL is not set"), "{stderr}");

    let output = fetch_command(&fake, &ws, &keys)
        .env_remove("JIRA_BASE_URL")
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(stderr.contains("JIRA_BASE_URL"), "{stderr}");
}

/// The demo's organisation: the micromanaged team (index 1) and the people-pleaser's overloaded
/// team (index 3).
#[test]
fn personas_show_in_issue_events_and_the_reopen_rate_in_the_report() {
    let data = world(42, 4, 3, 0.8);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(50, &data.people, "");
    // Everything but Jira stored as the simulator made it; Jira fetched from the fake.
    let mut others = data.clone();
    others.issues.retain(|r| r.source != "jira");
    others.issue_events.retain(|r| r.source != "jira");
    others.comments.retain(|r| r.source != "jira");
    {
        let mut store = support::writable_store(&ws.data);
        let frames = others.into_frames().unwrap();
        store.replace_tables(frames, None).unwrap();
    }
    fetch_command(&fake, &ws, &keys).assert().success();

    let managers: Vec<&Person> = data.people.iter().filter(|p| p.role == "manager").collect();
    let team_of = |person: &str| {
        data.people
            .iter()
            .find(|p| p.person == person)
            .map(|p| p.team.clone())
    };
    let events = stored_frame(&ws.data, "issue_events", SOURCE);
    let issues = stored_frame(&ws.data, "issues", SOURCE);
    let text = |f: &DataFrame, c: &str| -> Vec<Option<String>> {
        f.column(c)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let (keys_col, actors, fields) = (
        text(&events, "key"),
        text(&events, "actor"),
        text(&events, "field"),
    );
    let (issue_keys, assignees, labels_col) = (
        text(&issues, "key"),
        text(&issues, "assignee"),
        issues.column("labels").unwrap().clone(),
    );
    let assignee_of = |key: &str| {
        issue_keys
            .iter()
            .position(|k| k.as_deref() == Some(key))
            .and_then(|i| assignees[i].clone())
    };
    // Rewrites: a manager changing the title of a ticket assigned to someone else, per team.
    let mut rewrites_by_team = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..events.height() {
        let (Some(key), Some(actor), Some(field)) = (&keys_col[i], &actors[i], &fields[i]) else {
            continue;
        };
        if field == "title"
            && managers.iter().any(|m| &m.person == actor)
            && assignee_of(key).is_some_and(|a| &a != actor)
        {
            *rewrites_by_team.entry(team_of(actor).unwrap()).or_default() += 1;
        }
    }
    let micromanager_team = managers
        .iter()
        .map(|m| m.team.clone())
        .max_by_key(|t| rewrites_by_team.get(t).copied().unwrap_or(0))
        .unwrap();
    let most = rewrites_by_team[&micromanager_team];
    assert!(most >= 5, "{rewrites_by_team:?}");
    let others_max = rewrites_by_team
        .iter()
        .filter(|(t, _)| **t != micromanager_team)
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    assert!(most > 3 * others_max.max(1), "{rewrites_by_team:?}");
    // The simulator's micromanaged team is the second of default_org.
    let plans = SimConfig::default_org(42, 4, 3, 0.8).teams;
    assert_eq!(micromanager_team, plans[1].name, "{rewrites_by_team:?}");

    // Mid-sprint additions, read as the overload detector reads them: sprint assignments made
    // more than a day after the sprint's first one. The people-pleaser's team (the fourth) has
    // the most, and every ticket the simulator labelled added-mid-sprint is among them.
    let at_us: Vec<Option<i64>> = events
        .column("at")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    let tos = text(&events, "to");
    let mut first_assignment = std::collections::BTreeMap::<String, i64>::new();
    for i in 0..events.height() {
        if let (Some("sprint"), Some(to), Some(at)) = (fields[i].as_deref(), &tos[i], at_us[i]) {
            let first = first_assignment.entry(to.clone()).or_insert(at);
            *first = (*first).min(at);
        }
    }
    let mut late_by_team = std::collections::BTreeMap::<String, usize>::new();
    let mut late_keys = std::collections::BTreeSet::new();
    for i in 0..events.height() {
        if let (Some("sprint"), Some(to), Some(at), Some(key)) =
            (fields[i].as_deref(), &tos[i], at_us[i], &keys_col[i])
            && at > first_assignment[to] + 24 * 3_600_000_000
        {
            let team = assignee_of(key)
                .and_then(|a| team_of(&a))
                .unwrap_or_default();
            *late_by_team.entry(team).or_default() += 1;
            late_keys.insert(key.clone());
        }
    }
    let labelled: Vec<String> = (0..issues.height())
        .filter(|&i| {
            labels_col
                .list()
                .unwrap()
                .get_as_series(i)
                .is_some_and(|s| {
                    s.str()
                        .unwrap()
                        .iter()
                        .any(|l| l == Some("added-mid-sprint"))
                })
        })
        .filter_map(|i| issue_keys[i].clone())
        .collect();
    assert!(labelled.len() >= 5, "{}", labelled.len());
    let busiest = late_by_team
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(t, _)| t.clone())
        .unwrap();
    assert_eq!(busiest, plans[3].name, "{late_by_team:?}");
    assert!(late_by_team[&plans[3].name] >= 5, "{late_by_team:?}");
    // Every ticket the simulator planned into a running sprint has its sprint change stored.
    let with_sprint_event: std::collections::BTreeSet<&String> = (0..events.height())
        .filter(|&i| fields[i].as_deref() == Some("sprint"))
        .filter_map(|i| keys_col[i].as_ref())
        .collect();
    assert!(labelled.iter().all(|k| with_sprint_event.contains(k)));

    // The report's outcome section has the reopen rate, as it has on the simulated data itself.
    let report = support::report(&ws.data, "2026-10", &ws.data.with_file_name("report"));
    let outcomes = report["metrics"]["outcome_by_team"]
        .as_array()
        .expect("outcomes");
    let reopen: Vec<f64> = outcomes
        .iter()
        .filter_map(|r| r["reopen_rate"].as_f64())
        .collect();
    assert!(!reopen.is_empty(), "{outcomes:?}");
    let direct = tempfile::tempdir().unwrap();
    {
        let mut store = support::writable_store(&direct.path().join("data"));
        store
            .replace_tables(data.clone().into_frames().unwrap(), None)
            .unwrap();
    }
    let reference = support::report(
        &direct.path().join("data"),
        "2026-10",
        &direct.path().join("report"),
    );
    let rates = |r: &serde_json::Value| -> Vec<(String, Option<f64>)> {
        r["metrics"]["outcome_by_team"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["team"].to_string(), o["reopen_rate"].as_f64()))
            .collect()
    };
    assert_eq!(rates(&report), rates(&reference));
    // The detectors find the same on fetched tickets as on the simulated ones, the
    // micromanagement and overload findings included.
    let findings = |r: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].to_string(),
                    f["subject"].to_string(),
                    f["headline"].to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(findings(&report), findings(&reference));
    let kinds: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    for kind in ["\"micromanagement\"", "\"overload\""] {
        assert!(kinds.iter().any(|k| k == kind), "{kind}: {kinds:?}");
    }
    let markdown =
        std::fs::read_to_string(ws.data.with_file_name("report").join("report.md")).unwrap();
    assert!(markdown.to_lowercase().contains("reopen"), "{markdown}");
}

/// One person with a GitHub login, two e-mails and a Jira account in the roster: a plain
/// `teamlens fetch` of both sources stores them as one id, `people --unmatched` does not list
/// any of their accounts, and the report counts them once (as on the simulated data itself).
#[test]
fn one_person_across_github_and_jira_is_counted_once() {
    use support::fake_github::{FakeGitHub, GitHubWorld, TOKEN as GITHUB_TOKEN};
    let data = world(36, 1, 2, 0.6);
    let keys = projects(&data);
    let person = data
        .pull_requests
        .iter()
        .map(|p| p.author.clone())
        .find(|a| {
            data.issues
                .iter()
                .any(|i| i.assignee.as_deref() == Some(a.as_str()))
        })
        .unwrap();
    let login = format!("{person}-gh");
    let home_email = format!("{person}.home@example.org");

    let mut github_rows = data.clone();
    github_rows.issues.clear();
    github_rows.issue_events.clear();
    github_rows.comments.retain(|c| c.source == "github");
    github_rows.time_off.clear();
    let mut github = GitHubWorld::from_dataset(github_rows.clone());
    github.login_of.insert(person.clone(), login.clone());
    let fake_github = FakeGitHub::start(github);
    // On Jira the person has their account (in the roster) and changes tickets and comments
    // from two older accounts the roster does not list, which show the two e-mails.
    let work_email = format!("{person}@acme.example");
    let mut jira = JiraWorld::from_dataset(&data);
    jira.history_account.insert(
        person.clone(),
        ("712020:old-account-1".into(), home_email.clone()),
    );
    jira.comment_account.insert(
        person.clone(),
        ("712020:old-account-2".into(), work_email.to_uppercase()),
    );
    assert!(
        data.issue_events.iter().any(|e| e.actor == person)
            && data
                .comments
                .iter()
                .any(|c| c.author == person && c.source == "jira")
    );
    let fake_jira = FakeJira::start(jira);

    let mut people = data.people.clone();
    for p in people.iter_mut().filter(|p| p.person == person) {
        p.aliases = vec![login.to_uppercase(), work_email.clone(), home_email.clone()];
    }
    let mut repos: Vec<String> = data.pull_requests.iter().map(|p| p.repo.clone()).collect();
    repos.sort();
    repos.dedup();
    // roster_toml adds each person's Jira account.
    let ws = workspace(
        20,
        &people,
        &format!(
            "projects = {keys:?}\n\n[github]\nrepositories = {repos:?}\npage_size = 50\n\
             retry_base_ms = 20\nmin_remaining_points = 0\n"
        ),
    );
    teamlens()
        .env("JIRA_BASE_URL", fake_jira.base_url())
        .env("JIRA_EMAIL", EMAIL)
        .env("JIRA_API_TOKEN", TOKEN)
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("GITHUB_GRAPHQL_URL", fake_github.graphql_url())
        .env("GITHUB_API_URL", fake_github.api_url())
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("--config")
        .arg(&ws.config)
        .args(["fetch", "--since", "2020-01-01"])
        .assert()
        .success();

    assert_same_tables(
        &ws.data,
        &expected(&data, &fake_jira.base_url()),
        TABLES,
        SOURCE,
    );
    let store = Store::open(&ws.data).unwrap();
    let authors = store
        .scan("pull_requests")
        .unwrap()
        .filter(col("author").eq(lit(person.as_str())))
        .collect()
        .unwrap();
    assert!(authors.height() > 0);
    let roster = store.scan("people").unwrap().collect().unwrap();
    assert_eq!(roster.height(), data.people.len());

    let output = teamlens()
        .arg("--data-dir")
        .arg(&ws.data)
        .args(["people", "--unmatched"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    for alias in [
        login.as_str(),
        home_email.as_str(),
        &account_id(&person),
        "712020:old-account",
    ] {
        assert!(!stdout.contains(alias), "{alias}: {stdout}");
    }

    let output = teamlens()
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("people")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{person} |")))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains(&login.to_uppercase()) && line.contains(&home_email),
        "{line}"
    );

    // The report counts the person once: the same authors per team as on the simulated data.
    let fetched = support::report(&ws.data, "2026-10", &ws.data.with_file_name("report"));
    let direct = tempfile::tempdir().unwrap();
    {
        let mut store = support::writable_store(&direct.path().join("data"));
        let mut rows = github_rows.clone();
        rows.issues = data.issues.clone();
        rows.issue_events = data.issue_events.clone();
        rows.comments = data.comments.clone();
        store
            .replace_tables(rows.into_frames().unwrap(), None)
            .unwrap();
    }
    let reference = support::report(
        &direct.path().join("data"),
        "2026-10",
        &direct.path().join("report"),
    );
    let authors = |r: &serde_json::Value| -> Vec<(String, i64)> {
        r["metrics"]["output_by_team"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["team"].to_string(), o["authors"].as_i64().unwrap_or(-1)))
            .collect()
    };
    assert!(!authors(&fetched).is_empty());
    assert_eq!(authors(&fetched), authors(&reference));
    assert!(
        !authors(&fetched)
            .iter()
            .any(|(t, _)| t.contains("unassigned")),
        "{:?}",
        authors(&fetched)
    );
}

/// A person in two teams (`teams = [...]` in the roster) counts in both teams' figures and once
/// in the organisation's: their PRs and tickets are added to the second team's counts, and the
/// organisation totals equal those of the same data with a one-team roster.
#[test]
fn a_person_in_two_teams_counts_in_each_and_once_overall() {
    let data = world(38, 2, 2, 0.6);
    let keys = projects(&data);
    let month = "2026-10";
    let in_month = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.is_some_and(|t| t.format("%Y-%m").to_string() == month)
    };
    let team_of = |person: &str| {
        data.people
            .iter()
            .find(|p| p.person == person)
            .map(|p| p.team.clone())
            .unwrap()
    };
    let engineers: Vec<&Person> = data
        .people
        .iter()
        .filter(|p| p.role == "engineer")
        .collect();
    let merged_by = |person: &str| {
        data.pull_requests
            .iter()
            .filter(|p| p.author == person && in_month(p.merged_at))
            .count() as i64
    };
    let resolved_by = |person: &str| {
        data.issues
            .iter()
            .filter(|i| i.assignee.as_deref() == Some(person) && in_month(i.resolved_at))
            .count() as i64
    };
    let person = engineers
        .iter()
        .map(|p| p.person.clone())
        .find(|p| merged_by(p) > 0 && resolved_by(p) > 0)
        .unwrap();
    let home = team_of(&person);
    let second = data
        .people
        .iter()
        .map(|p| p.team.clone())
        .find(|t| *t != home && t != "bots")
        .unwrap();

    let mut people = data.people.clone();
    for p in people.iter_mut().filter(|p| p.person == person) {
        p.teams = vec![home.clone(), second.clone()];
    }
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(50, &people, "");
    // The GitHub side is stored directly; the Jira fetch writes the roster and the tickets.
    {
        let mut rows = data.clone();
        rows.issues.clear();
        rows.issue_events.clear();
        rows.comments.retain(|c| c.source != "jira");
        rows.people.clear();
        let frames = rows
            .into_frames()
            .unwrap()
            .into_iter()
            .filter(|(_, f)| f.height() > 0)
            .collect();
        let mut store = support::writable_store(&ws.data);
        store.replace_tables(frames, None).unwrap();
    }
    fetch_command(&fake, &ws, &keys).assert().success();
    let stored = Store::open(&ws.data)
        .unwrap()
        .scan("people")
        .unwrap()
        .filter(col("person").eq(lit(person.as_str())))
        .collect()
        .unwrap();
    assert_eq!(
        stored.column("team").unwrap().str().unwrap().get(0),
        Some(home.as_str())
    );
    let listed = teamlens()
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("people")
        .assert()
        .success();
    let listed = String::from_utf8_lossy(&listed.get_output().stdout).to_string();
    assert!(
        listed.contains(&format!("{person} | {home}, {second} |")),
        "{listed}"
    );

    let fetched = support::report(&ws.data, month, &ws.data.with_file_name("report"));
    let direct = tempfile::tempdir().unwrap();
    {
        let mut store = support::writable_store(&direct.path().join("data"));
        store
            .replace_tables(data.clone().into_frames().unwrap(), None)
            .unwrap();
    }
    let reference = support::report(
        &direct.path().join("data"),
        month,
        &direct.path().join("report"),
    );
    let by_team = |r: &serde_json::Value, team: &str, field: &str| -> i64 {
        r["metrics"]["outcome_by_team"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["team"] == team)
            .and_then(|o| o[field].as_i64())
            .unwrap_or(0)
    };
    for field in ["prs_merged", "tickets_resolved"] {
        assert_eq!(
            by_team(&fetched, &home, field),
            by_team(&reference, &home, field),
            "{field}"
        );
    }
    assert_eq!(
        by_team(&fetched, &second, "prs_merged"),
        by_team(&reference, &second, "prs_merged") + merged_by(&person)
    );
    assert_eq!(
        by_team(&fetched, &second, "tickets_resolved"),
        by_team(&reference, &second, "tickets_resolved") + resolved_by(&person)
    );
    let authors = |r: &serde_json::Value, team: &str| -> Option<i64> {
        r["metrics"]["output_by_team"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["team"] == team)
            .and_then(|o| o["authors"].as_i64())
    };
    assert_eq!(
        authors(&fetched, &second),
        authors(&reference, &second).map(|a| a + 1)
    );
    // Once in the organisation: the totals are those of the one-team roster, and less than the
    // sum over teams, which counts the person twice.
    let organisation = |r: &serde_json::Value| -> serde_json::Value {
        let rows = r["metrics"]["organisation"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 1, "{rows:?}");
        rows[0].clone()
    };
    assert_eq!(organisation(&fetched), organisation(&reference));
    let org = organisation(&fetched);
    let team_sum: i64 = fetched["metrics"]["outcome_by_team"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["prs_merged"].as_i64())
        .sum();
    assert_eq!(
        org["prs_merged"].as_i64().unwrap() + merged_by(&person),
        team_sum
    );
    let human_merged = data
        .pull_requests
        .iter()
        .filter(|p| in_month(p.merged_at) && !p.author.ends_with("[bot]"))
        .filter(|p| {
            data.people
                .iter()
                .any(|q| q.person == p.author && q.role != "bot")
        })
        .count() as i64;
    assert_eq!(org["prs_merged"].as_i64().unwrap(), human_merged);
}

/// `--dry-run` asks Jira to count the issues each project's search would return (the fetch's
/// own JQL, from the stored mark), reads no issue, and stores nothing, not even the roster.
#[test]
fn a_dry_run_counts_the_issues_a_fetch_would_read() {
    let data = world(39, 1, 2, 0.4);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(50, &data.people, "");
    let result = fetch_command(&fake, &ws, &keys)
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    let count = data
        .issues
        .iter()
        .filter(|i| i.project.as_deref() == Some(keys[0].as_str()))
        .count();
    assert!(count > 50, "{count}");
    let requests = count.div_ceil(50) + 2 * count;
    assert!(
        stdout.contains(&format!("{} | {count} | {requests}", keys[0])),
        "{stdout}"
    );
    let stats = fake.stats();
    let endpoints: Vec<&String> = stats.by_endpoint.keys().collect();
    assert_eq!(
        endpoints,
        vec!["myself", "search/approximate-count"],
        "{stdout}"
    );
    assert!(!ws.data.exists(), "a dry run stores nothing");

    // After a fetch, the count is made with the JQL the next fetch sends.
    fetch_command(&fake, &ws, &keys).assert().success();
    fake.reset_stats();
    fetch_command(&fake, &ws, &keys)
        .arg("--dry-run")
        .assert()
        .success();
    let counted = fake.stats().jql;
    fake.reset_stats();
    fetch_command(&fake, &ws, &keys).assert().success();
    let searched = fake.stats().jql;
    assert_eq!(counted.len(), 1);
    assert!(
        searched[0].starts_with(&format!("{} ORDER BY", counted[0])),
        "{counted:?} {searched:?}"
    );
    assert!(
        stdout.contains(&format!("{} | {count} | {requests} | no", keys[0])),
        "no listing is due on a first fetch: {stdout}"
    );

    // With the listing of every key due, the dry run counts the project and the listing's pages.
    let config = std::fs::read_to_string(&ws.config).unwrap();
    std::fs::write(
        &ws.config,
        config.replacen("[jira]\n", "[jira]\nrelist_days = 0\n", 1),
    )
    .unwrap();
    fake.reset_stats();
    let result = fetch_command(&fake, &ws, &keys[..1])
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    let line: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{} | ", keys[0])))
        .unwrap_or_else(|| panic!("{stdout}"))
        .split(" | ")
        .collect();
    assert_eq!(line[3], "yes, 1 request", "{stdout}");
    let fetch_requests: i64 = line[2].parse().unwrap();
    assert!(
        stdout.contains(&format!("about {} requests", fetch_requests + 1)),
        "the total counts the listing: {stdout}"
    );
    assert_eq!(
        fake.stats().jql.last(),
        Some(&format!("project = \"{}\"", keys[0])),
        "the listing counted with its own JQL"
    );

    let result = fetch_command(&fake, &ws, &["NOPE".to_string()])
        .arg("--dry-run")
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&result.get_output().stderr).to_string();
    assert!(
        stderr.contains("NOPE") && stderr.contains("check the key"),
        "{stderr}"
    );
}

/// Deleted and moved tickets: an issue moved to another fetched project comes back under its
/// new key with a `Key` change in its changelog, and its rows under the old key are removed at
/// once; an issue deleted in Jira vanishes from every search, so its rows stay until the
/// periodic listing of each project's keys (`relist_days`, a week by default) removes them.
#[test]
fn deleted_and_moved_issues_leave_no_stale_rows() {
    let mut data = world(41, 2, 1, 0.4);
    let keys = projects(&data);
    assert_eq!(keys.len(), 2, "{keys:?}");
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let ws = workspace(50, &data.people, "");
    fetch_command(&fake, &ws, &keys).assert().success();
    assert_same_tables(&ws.data, &expected(&data, &fake.base_url()), TABLES, SOURCE);

    let in_first = |data: &Dataset| -> Vec<String> {
        data.issues
            .iter()
            .filter(|i| i.project.as_deref() == Some(keys[0].as_str()))
            .map(|i| i.key.clone())
            .collect()
    };
    let first = in_first(&data);
    let (deleted, moved) = (first[0].clone(), first[1].clone());
    data.issues.retain(|i| i.key != deleted);
    data.issue_events.retain(|e| e.key != deleted);
    data.comments.retain(|c| c.item != deleted);
    let new_key = format!("{}-9000", keys[1]);
    let now =
        chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0) - chrono::Duration::seconds(5);
    let mut mover = None;
    for issue in data.issues.iter_mut().filter(|i| i.key == moved) {
        issue.key = new_key.clone();
        issue.project = Some(keys[1].clone());
        mover = issue.reporter.clone();
    }
    for event in data.issue_events.iter_mut().filter(|e| e.key == moved) {
        event.key = new_key.clone();
    }
    for comment in data.comments.iter_mut().filter(|c| c.item == moved) {
        comment.item = new_key.clone();
        comment.container = keys[1].clone();
    }
    data.issue_events.push(IssueEvent {
        source: "jira".into(),
        key: new_key.clone(),
        at: now,
        actor: mover.unwrap(),
        field: "key".into(),
        from: Some(moved.clone()),
        to: Some(new_key.clone()),
    });
    fake.with_world(|w| *w = JiraWorld::from_dataset(&data));
    fetch_command(&fake, &ws, &keys).assert().success();
    let stored: Vec<String> = stored_frame(&ws.data, "issues", SOURCE)
        .column("key")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    assert!(
        stored.contains(&new_key) && !stored.contains(&moved),
        "{stored:?}"
    );
    assert!(
        stored.contains(&deleted),
        "not listed again within the week"
    );
    assert_eq!(stored.len(), data.issues.len() + 1);

    let config = std::fs::read_to_string(&ws.config).unwrap();
    std::fs::write(
        &ws.config,
        config.replacen("[jira]\n", "[jira]\nrelist_days = 0\n", 1),
    )
    .unwrap();
    let result = fetch_command(&fake, &ws, &keys).assert().success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&result.get_output().stderr).to_string();
    assert!(
        format!("{stdout}{stderr}").contains(&format!(
            "1 issue removed (no longer in the project, or deleted): {deleted}"
        )),
        "{stdout}{stderr}"
    );
    assert_same_tables(&ws.data, &expected(&data, &fake.base_url()), TABLES, SOURCE);
    let listings = fake
        .stats()
        .jql
        .iter()
        .filter(|q| !q.contains("updated >="))
        .count();
    assert_eq!(
        listings, 2,
        "one listing per project, in the last fetch only"
    );
}

/// Accounts nobody in the roster has are listed with suggestions.
#[test]
fn unmatched_accounts_are_listed_with_suggestions() {
    let data = world(37, 1, 1, 0.4);
    let keys = projects(&data);
    let mut jira = JiraWorld::from_dataset(&data);
    let person = data.issues[0].reporter.clone().unwrap();
    jira.emails
        .insert(person.clone(), format!("{person}@acme.example"));
    let fake = FakeJira::start(jira);
    // The roster knows this person under another id, without their Jira account or e-mail.
    let renamed = format!("{person}2");
    let mut people = data.people.clone();
    for p in people.iter_mut().filter(|p| p.person == person) {
        p.person = renamed.clone();
        p.aliases.clear();
    }
    assert!(
        people
            .iter()
            .any(|p| p.person == renamed && p.display_name.is_some())
    );
    let ws = workspace(20, &people, "");
    fetch_command(&fake, &ws, &keys).assert().success();
    let output = teamlens()
        .arg("--data-dir")
        .arg(&ws.data)
        .args(["people", "--unmatched"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&account_id(&person)))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("issues.reporter"), "{line}");
    assert!(line.contains(&format!("{person}@acme.example")), "{line}");
    assert!(
        line.contains(&format!("{renamed} (same display name)")),
        "{line}"
    );
}

/// A sprint renamed after its tickets were planned: the changelog still says the old name, the
/// agile API and the issues the new one. The stored events name it as it is called now, so the
/// overload detector groups a sprint's assignments under one name.
#[test]
fn renamed_sprints_are_named_as_they_are_now() {
    let data = world(38, 1, 2, 0.5);
    let keys = projects(&data);
    let mut jira = JiraWorld::from_dataset(&data);
    let sprint = data
        .issue_events
        .iter()
        .find(|e| e.field == "sprint" && e.source == "jira")
        .and_then(|e| e.to.clone())
        .unwrap();
    let renamed = format!("{sprint} (release train)");
    jira.renamed_sprints.insert(sprint.clone(), renamed.clone());
    let fake = FakeJira::start(jira);
    let ws = workspace(20, &data.people, "");
    fetch_command(&fake, &ws, &keys).assert().success();

    let rename = |value: &Option<String>| {
        value.as_ref().map(|v| {
            if *v == sprint {
                renamed.clone()
            } else {
                v.clone()
            }
        })
    };
    let mut want = expected(&data, &fake.base_url());
    for issue in &mut want.issues {
        issue.sprint = rename(&issue.sprint);
    }
    let mut renamed_events = 0;
    for event in want.issue_events.iter_mut().filter(|e| e.field == "sprint") {
        if event.to.as_deref() == Some(sprint.as_str()) {
            renamed_events += 1;
        }
        event.from = rename(&event.from);
        event.to = rename(&event.to);
    }
    assert!(renamed_events >= 2, "{renamed_events}");
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
    let stats = fake.stats();
    assert!(
        stats.by_endpoint.keys().any(|k| k.contains("agile")),
        "{stats:?}"
    );
}

/// The `jira` source state of the manifest.
fn jira_state(ws: &Workspace) -> serde_json::Value {
    Store::open(&ws.data)
        .unwrap()
        .manifest()
        .sources
        .get("jira")
        .cloned()
        .unwrap_or_default()
}

fn output_text(output: &assert_cmd::assert::Assert) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.get_output().stdout),
        String::from_utf8_lossy(&output.get_output().stderr)
    )
}

/// The simulator's rows less those of `keys`.
fn without(mut want: Dataset, keys: &[&str]) -> Dataset {
    want.issues.retain(|i| !keys.contains(&i.key.as_str()));
    want.issue_events
        .retain(|e| !keys.contains(&e.key.as_str()));
    want.comments.retain(|c| !keys.contains(&c.item.as_str()));
    want
}

/// An issue the search returns but Jira will not read (deleted since, or hidden by issue
/// security: 404; 403) is skipped and named, with its status code, in the output and in the
/// manifest; the rest of its project is stored. A later fetch that reads it drops it from the
/// list, and so does the listing of keys once it is gone.
#[test]
fn an_issue_jira_refuses_is_skipped_and_named_and_the_project_stored() {
    let data = world(43, 1, 1, 0.4);
    let keys = projects(&data);
    let mut jira = JiraWorld::from_dataset(&data);
    let (deleted, hidden) = (data.issues[2].key.clone(), data.issues[5].key.clone());
    jira.unreadable.insert(deleted.clone(), 404);
    jira.unreadable.insert(hidden.clone(), 403);
    let fake = FakeJira::start(jira);
    let ws = workspace(10, &data.people, "");
    let output = fetch_command(&fake, &ws, &keys).assert().success();
    let text = output_text(&output);
    assert!(text.contains("fetched 1 of 1 Jira projects"), "{text}");
    assert!(
        text.contains("2 issues skipped") && text.contains("hidden by issue security"),
        "{text}"
    );
    for (key, status) in [(&deleted, 404), (&hidden, 403)] {
        assert!(text.contains(&format!("{key} ({status})")), "{text}");
        assert!(
            text.contains(&format!("{key} skipped: Jira answered {status}")),
            "{text}"
        );
    }
    assert!(!text.contains("JIRA_BASE_URL"), "{text}");
    let want = expected(&data, &fake.base_url());
    assert_same_tables(
        &ws.data,
        &without(want.clone(), &[&deleted, &hidden]),
        TABLES,
        SOURCE,
    );
    let skipped = |ws: &Workspace| -> Vec<(String, u64)> {
        let state = jira_state(ws);
        state["projects"][&keys[0]]["skipped"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|s| {
                        (
                            s["key"].as_str().unwrap().to_string(),
                            s["status"].as_u64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut named = skipped(&ws);
    named.sort();
    let mut want_named = vec![(deleted.clone(), 404), (hidden.clone(), 403)];
    want_named.sort();
    assert_eq!(named, want_named);

    // The hidden issue is readable again and changed: the next fetch reads it and no longer
    // names it; the deleted one stays named (its rows, if any, go with the listing).
    let changed = fake.with_world(|w| {
        w.unreadable.remove(&hidden);
        let at = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)
            - chrono::Duration::seconds(5);
        let event = IssueEvent {
            source: "jira".into(),
            key: hidden.clone(),
            at,
            actor: data.issues[5].reporter.clone().unwrap(),
            field: "priority".into(),
            from: Some("Medium".into()),
            to: Some("High".into()),
        };
        w.events.push(event.clone());
        event
    });
    let output = fetch_command(&fake, &ws, &keys).assert().success();
    assert!(!output_text(&output).contains("skipped"));
    let mut want = without(want, &[&deleted]);
    want.issue_events.push(changed);
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
    assert_eq!(skipped(&ws), vec![(deleted.clone(), 404)]);
    // The report says which ticket its rows may lack.
    let month = data.issues[0].created_at.format("%Y-%m").to_string();
    let out = tempfile::tempdir().unwrap();
    let report = support::report(&ws.data, &month, &out.path().join("report"));
    assert_eq!(
        report["coverage"]["unreadable"],
        serde_json::json!([format!("{deleted} (Jira answered 404)")])
    );

    // Deleted for good: the listing no longer finds it, so nothing is left to name.
    fake.with_world(|w| w.issues.retain(|i| i.key != deleted));
    let config = std::fs::read_to_string(&ws.config).unwrap();
    std::fs::write(
        &ws.config,
        config.replacen("[jira]\n", "[jira]\nrelist_days = 0\n", 1),
    )
    .unwrap();
    fetch_command(&fake, &ws, &keys).assert().success();
    assert_eq!(skipped(&ws), Vec::new());
    assert!(
        jira_state(&ws)["projects"][&keys[0]]["mark"].is_string(),
        "the project's state is kept beside the list"
    );
}

/// A 404 for the project's search itself is no skipped issue: the project fails with a clear
/// message and nothing of it is stored.
#[test]
fn a_search_answering_404_is_a_clear_error_and_stores_nothing() {
    let data = world(44, 1, 1, 0.3);
    let keys = projects(&data);
    let mut jira = JiraWorld::from_dataset(&data);
    jira.search_refused = Some(404);
    let fake = FakeJira::start(jira);
    let ws = workspace(10, &data.people, "");
    let output = fetch_command(&fake, &ws, &keys).assert().failure().code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(
        stderr.contains(&keys[0]) && stderr.contains("no such Jira project"),
        "{stderr}"
    );
    let store = Store::open(&ws.data).unwrap();
    for table in ["issues", "issue_events", "comments", "sprints"] {
        assert_eq!(
            store.manifest().tables.get(table).map_or(0, |t| t.rows),
            0,
            "{table}"
        );
    }
    assert!(
        store
            .manifest()
            .sources
            .get("jira")
            .and_then(|s| s.get("projects"))
            .is_none()
    );
}

/// The agile API refused to the account (403; 401 where a site answers so for it alone): the
/// fetch goes on without sprints and says so, as for a site without the agile API.
#[test]
fn a_refused_agile_api_is_skipped_with_a_note() {
    let data = world(45, 1, 1, 0.4);
    let keys = projects(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    for (boards, sprints, note) in [
        (Some(403), None, "sprints not read: the boards of"),
        (Some(401), None, "sprints not read: the boards of"),
        (Some(404), None, "no agile API on this site"),
        (None, Some(403), "sprints of board 1 not read"),
    ] {
        fake.with_world(|w| {
            w.boards_refused = boards;
            w.sprints_refused = sprints;
        });
        let ws = workspace(20, &data.people, "");
        let output = fetch_command(&fake, &ws, &keys).assert().success();
        let text = output_text(&output);
        let status = boards.or(sprints).unwrap();
        assert!(
            text.contains(note) && text.contains(&format!("Jira answered {status}")),
            "{text}"
        );
        assert!(text.contains("fetched 1 of 1 Jira projects"), "{text}");
        assert_same_tables(&ws.data, &expected(&data, &fake.base_url()), TABLES, SOURCE);
        assert!(stored_sprints(&ws.data, "jira").is_empty());
    }
}

/// Statuses the site's `/status` list lacks (as team-managed projects' can be) take the
/// category each issue carries (`fields.status.statusCategory`), not a guess from the name.
#[test]
fn statuses_missing_from_the_site_list_take_the_issues_own_category() {
    let data = world(46, 1, 1, 0.4);
    let keys = projects(&data);
    let renamed: std::collections::BTreeMap<String, String> = [
        ("Done", "Concluído"),
        ("To Do", "Tarefas pendentes"),
        ("In Review", "Em revisão"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let mut jira = JiraWorld::from_dataset(&data);
    jira.renamed_statuses = renamed.clone();
    let fake = FakeJira::start(jira);
    let ws = workspace(100, &data.people, "");
    fetch_command(&fake, &ws, &keys).assert().success();
    let rename = |s: &Option<String>| s.as_ref().map(|s| renamed.get(s).unwrap_or(s).clone());
    let mut want = expected(&data, &fake.base_url());
    let done = want
        .issues
        .iter()
        .filter(|i| i.status_category.as_deref() == Some("done"))
        .count();
    let todo = want
        .issues
        .iter()
        .filter(|i| i.status_category.as_deref() == Some("todo"))
        .count();
    assert!(done > 5 && todo > 0, "{done} done, {todo} to do");
    for issue in &mut want.issues {
        issue.status = rename(&issue.status);
    }
    for event in want.issue_events.iter_mut().filter(|e| e.field == "status") {
        event.from = rename(&event.from);
        event.to = rename(&event.to);
    }
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
}

/// Issue types as a localized site names them, with Jira's hierarchy: names of the maintained
/// table (Portuguese, French, German…) and, for names no table has, the `hierarchyLevel` and
/// `subtask` flag (epics and above are features, subtasks chores).
#[test]
fn localized_issue_types_map_by_hierarchy_and_name() {
    let data = world(47, 1, 1, 0.5);
    let keys = projects(&data);
    let kind = |id: &str, name: &str, level: i64| {
        serde_json::json!({
            "self": format!("/rest/api/3/issuetype/{id}"),
            "id": id,
            "description": "",
            "iconUrl": format!("/rest/api/2/universal_avatar/view/type/issuetype/avatar/{id}"),
            "name": name,
            "subtask": level < 0,
            "avatarId": 10318,
            "hierarchyLevel": level,
        })
    };
    let mut jira = JiraWorld::from_dataset(&data);
    jira.issue_types = [
        (
            "bug",
            vec![kind("10004", "Bogue", 0), kind("10014", "Fehler", 0)],
        ),
        ("incident", vec![kind("10005", "Incidente", 0)]),
        (
            "feature",
            vec![
                kind("10001", "História", 0),
                kind("10000", "Iniciativa estratégica", 1),
            ],
        ),
        (
            "chore",
            vec![
                kind("10002", "Tarefa", 0),
                kind("10003", "Subtarefa técnica", -1),
            ],
        ),
    ]
    .into_iter()
    .map(|(t, v)| (t.to_string(), v))
    .collect();
    let fake = FakeJira::start(jira);
    let ws = workspace(50, &data.people, "");
    fetch_command(&fake, &ws, &keys).assert().success();
    let want = expected(&data, &fake.base_url());
    let kinds: std::collections::BTreeSet<Option<&str>> = want
        .issues
        .iter()
        .map(|i| i.issue_type.as_deref())
        .collect();
    assert!(
        kinds.contains(&Some("bug"))
            && kinds.contains(&Some("feature"))
            && kinds.contains(&Some("chore")),
        "{kinds:?}"
    );
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
}

/// An app account ("Automation for Jira", `accountType: "app"`) is a bot: its changes and
/// comments are stored under `Automation for Jira[bot]`, the suffix every bot filter reads, and
/// the manifest keeps the account with its bot flag.
#[test]
fn automation_accounts_are_stored_as_bots() {
    const AUTOMATION: &str = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077";
    let mut data = world(48, 1, 1, 0.4);
    let keys = projects(&data);
    let mut changed = 0;
    for (n, event) in data
        .issue_events
        .iter_mut()
        .filter(|e| e.source == "jira" && e.field == "status")
        .enumerate()
    {
        if n % 3 == 0 {
            event.actor = "automation".into();
            changed += 1;
        }
    }
    assert!(changed > 5, "{changed}");
    let comment = data
        .comments
        .iter_mut()
        .find(|c| c.source == "jira")
        .unwrap();
    comment.author = "automation".into();
    let mut jira = JiraWorld::from_dataset(&data);
    jira.apps.insert(
        "automation".into(),
        (AUTOMATION.into(), "Automation for Jira".into()),
    );
    let fake = FakeJira::start(jira);
    let ws = workspace(20, &data.people, "");
    fetch_command(&fake, &ws, &keys).assert().success();
    let mut want = expected(&data, &fake.base_url());
    let bot = "Automation for Jira[bot]";
    for event in want
        .issue_events
        .iter_mut()
        .filter(|e| e.actor == "automation")
    {
        event.actor = bot.into();
    }
    for comment in want
        .comments
        .iter_mut()
        .filter(|c| c.author == "automation")
    {
        comment.author = bot.into();
    }
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
    let state = jira_state(&ws);
    let account = &state["accounts"][AUTOMATION];
    assert_eq!(account["bot"], serde_json::json!(true), "{state}");
    assert_eq!(account["display_name"], "Automation for Jira");
    // No other account is flagged.
    let flagged = state["accounts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["bot"] == true)
        .count();
    assert_eq!(flagged, 1, "{state}");
}

/// A board every project lists (a release train's): each project's fetch stores the board's
/// sprints under that project, and fetching one project again leaves the others' rows.
#[test]
fn a_board_shared_by_projects_keeps_its_sprints_under_each() {
    let data = world(49, 2, 1, 0.3);
    let keys = projects(&data);
    assert_eq!(keys.len(), 2, "{keys:?}");
    let day =
        |d: u32| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 10, d, 8, 0, 0).single();
    let shared: Vec<teamlens::model::Sprint> =
        [("555001", "Train 1", 1), ("555002", "Train 2", 15)]
            .into_iter()
            .map(|(id, name, start)| teamlens::model::Sprint {
                source: "jira".into(),
                id: id.into(),
                name: name.into(),
                project: None,
                started_at: day(start),
                ended_at: day(start + 13),
                completed_at: None,
            })
            .collect();
    let mut jira = JiraWorld::from_dataset(&data);
    jira.shared_board = shared.clone();
    let fake = FakeJira::start(jira);
    let ws = workspace(50, &data.people, "");
    let projects_of = |ws: &Workspace| -> Vec<(String, String)> {
        let frame = stored_frame(&ws.data, "sprints", SOURCE);
        let ids = frame.column("id").unwrap().str().unwrap().clone();
        let projects = frame.column("project").unwrap().str().unwrap().clone();
        let mut out: Vec<(String, String)> = ids
            .iter()
            .zip(projects.iter())
            .filter_map(|(i, p)| Some((i?.to_string(), p?.to_string())))
            .filter(|(i, _)| i.starts_with("5550"))
            .collect();
        out.sort();
        out
    };
    let mut want: Vec<(String, String)> = shared
        .iter()
        .flat_map(|s| keys.iter().map(|k| (s.id.clone(), k.clone())))
        .collect();
    want.sort();
    fetch_command(&fake, &ws, &keys).assert().success();
    assert_eq!(projects_of(&ws), want);
    fetch_command(&fake, &ws, &keys[1..]).assert().success();
    assert_eq!(projects_of(&ws), want);
    // Every sprint once per project that lists it.
    let frame = stored_frame(&ws.data, "sprints", SOURCE);
    let pairs: std::collections::BTreeSet<(Option<&str>, Option<&str>)> = frame
        .column("id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(frame.column("project").unwrap().str().unwrap().iter())
        .collect();
    assert_eq!(pairs.len(), frame.height());
}
