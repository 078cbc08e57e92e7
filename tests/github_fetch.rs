//! `teamlens fetch github` end to end against the fake GitHub of `tests/support/fake_github`:
//! the real binary, the real client code, GitHub's wire format.
//!
//! - round trip: simulate → serve → fetch → the stored tables equal the simulator's, row for row;
//! - incremental: a re-fetch with nothing new costs one request per repository, and changed PRs
//!   are rewritten, not duplicated;
//! - killed at random points and resumed: the same dataset as an uninterrupted fetch;
//! - every injected fault: the fetch completes correctly, or stops with a clear, resumable message.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use polars::prelude::*;
use teamlens::model::{Comment, Dataset, FileChange, Person, PrCommit, PrEvent, Review, Table};
use teamlens::sources::simulate::{SimConfig, simulate};
use teamlens::store::Store;

use support::fake_github::{FakeGitHub, Fault, GitHubWorld, TOKEN};
use support::tables::{assert_same_tables, rows, stored_frame};
use support::teamlens;

/// A small simulated organisation's GitHub rows (its Jira tickets are another source).
fn github_world(seed: u64, teams: usize, months: u32, scale: f64) -> Dataset {
    let all = simulate(&SimConfig::default_org(seed, teams, months, scale)).dataset;
    let github = |source: &str| source == "github";
    Dataset {
        people: all.people,
        pull_requests: all
            .pull_requests
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        reviews: all
            .reviews
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        review_requests: all
            .review_requests
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        pr_events: all
            .pr_events
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        pr_commits: all
            .pr_commits
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        comments: all
            .comments
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        file_changes: all
            .file_changes
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        deployments: all
            .deployments
            .into_iter()
            .filter(|r| github(&r.source))
            .collect(),
        ..Dataset::default()
    }
}

fn repositories(world: &Dataset) -> Vec<String> {
    let mut repos: Vec<String> = world.pull_requests.iter().map(|p| p.repo.clone()).collect();
    repos.sort();
    repos.dedup();
    repos
}

/// A workspace: a data directory and a config that keeps retries and waits short.
struct Workspace {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

fn workspace(page_size: u32) -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    std::fs::write(
        &config,
        format!(
            "[github]\npage_size = {page_size}\nretry_base_ms = 20\nsecondary_limit_wait_secs = 1\n\
             max_attempts = 4\nmin_remaining_points = 0\n"
        ),
    )
    .unwrap();
    Workspace {
        data: dir.path().join("data"),
        config,
        _dir: dir,
    }
}

/// `teamlens fetch github REPOS… --since 2020-01-01` against the fake, with its token.
fn fetch_command(fake: &FakeGitHub, ws: &Workspace, repos: &[String]) -> assert_cmd::Command {
    let mut command = teamlens();
    command
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_GRAPHQL_URL", fake.graphql_url())
        .env("GITHUB_API_URL", fake.api_url())
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("--config")
        .arg(&ws.config)
        .args(["fetch", "github"])
        .args(repos)
        .args(["--since", "2020-01-01"]);
    command
}

/// The tables a GitHub fetch writes.
const TABLES: &[&str] = &[
    "pull_requests",
    "reviews",
    "review_requests",
    "pr_events",
    "pr_commits",
    "comments",
    "file_changes",
    "deployments",
];

/// GitHub's rows are all the store holds in these tests.
const SOURCE: Option<&str> = None;

#[test]
fn a_fetch_stores_exactly_the_simulated_organisation() {
    let world = github_world(21, 2, 3, 0.6);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(25);
    let output = fetch_command(&fake, &ws, &repos).assert().success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).to_string();
    assert!(stdout.contains("fetched 2 of 2 repositories"), "{stdout}");
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
    // What was fetched makes a report, even before a roster says who is in which team.
    let report = support::report(&ws.data, "2026-09", &ws.data.with_file_name("report"));
    assert!(report["findings"].is_array(), "{report}");
    assert!(
        !Path::new(&ws.data)
            .join("staging/github/acme")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
}

#[test]
fn logins_and_commit_emails_become_the_rosters_people() {
    let world = github_world(22, 1, 2, 0.5);
    let repos = repositories(&world);
    let mut github = GitHubWorld::from_dataset(world.clone());
    // On GitHub everyone has a login other than their roster id, which the roster lists.
    let mut people = Vec::new();
    for person in &world.people {
        if person.person.ends_with("[bot]") {
            people.push(person.clone());
            continue;
        }
        let login = format!("{}-gh", person.person);
        github.login_of.insert(person.person.clone(), login.clone());
        people.push(Person {
            aliases: vec![
                login.to_uppercase(),
                format!("{}@acme.example", person.person),
            ],
            ..person.clone()
        });
    }
    let ws = workspace(50);
    support::writable_store(&ws.data)
        .replace_tables(vec![("people", Person::to_frame(people).unwrap())], None)
        .unwrap();
    let fake = FakeGitHub::start(github);
    fetch_command(&fake, &ws, &repos).assert().success();
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

/// Moves three PRs of the world forward: each gets a new comment-free approval now, as if a
/// reviewer had come back to it.
fn touch_three_prs(fake: &FakeGitHub) -> Dataset {
    fake.with_world(|w| {
        let when = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let numbers: Vec<(String, i64)> = w
            .data
            .pull_requests
            .iter()
            .filter(|p| p.merged_at.is_some())
            .take(3)
            .map(|p| (p.repo.clone(), p.number))
            .collect();
        for (i, (repo, number)) in numbers.iter().enumerate() {
            let at = when + chrono::Duration::minutes(i as i64);
            let pr = w
                .data
                .pull_requests
                .iter_mut()
                .find(|p| &p.repo == repo && p.number == *number)
                .unwrap();
            pr.updated_at = Some(at);
            pr.title = Some(format!(
                "{} (retitled)",
                pr.title.clone().unwrap_or_default()
            ));
            w.data.reviews.push(Review {
                source: "github".into(),
                repo: repo.clone(),
                number: *number,
                reviewer: "late-reviewer".into(),
                reviewer_name: None,
                state: "commented".into(),
                submitted_at: at,
                comment_count: Some(0),
            });
        }
        w.data.clone()
    })
}

#[test]
fn a_refetch_reads_only_what_changed_and_rewrites_it_in_place() {
    let world = github_world(23, 2, 2, 0.5);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(50);
    fetch_command(&fake, &ws, &repos).assert().success();

    fake.reset_stats();
    fetch_command(&fake, &ws, &repos).assert().success();
    assert_eq!(
        fake.stats().requests,
        repos.len() as u64,
        "a re-fetch with nothing new costs one request per repository: {:?}",
        fake.stats().by_operation
    );
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);

    let changed = touch_three_prs(&fake);
    fake.reset_stats();
    fetch_command(&fake, &ws, &repos).assert().success();
    let stats = fake.stats();
    assert_eq!(
        stats.requests,
        repos.len() as u64,
        "{:?}",
        stats.by_operation
    );
    let read: usize = stats
        .log
        .iter()
        .filter(|r| r.operation == "RepositorySync")
        .count();
    assert_eq!(read, repos.len());
    assert_same_tables(&ws.data, &changed, TABLES, SOURCE);
}

#[test]
fn a_fetch_killed_at_random_points_resumes_to_the_same_dataset() {
    let world = github_world(24, 2, 2, 0.6);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    fake.set_latency(Duration::from_millis(15));
    let ws = workspace(10);
    // Deterministic "random" kill points: after 1 to 5 more requests each time.
    let mut step: u64 = 7;
    let kills = support::faults::kill_fetch_until_it_finishes(
        || support::faults::fetch_process(&fake, &ws.data, &ws.config, &repos),
        || fake.stats().requests,
        || {
            step = (step * 31 + 17) % 5 + 1;
            step
        },
        12,
    );
    assert!(
        kills >= 10,
        "only {kills} kills before the fetch finished: make the world bigger"
    );
    fake.set_latency(Duration::ZERO);
    fetch_command(&fake, &ws, &repos).assert().success();
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

/// Runs a fetch with `fault` injected `times` times at the start; returns the command's result.
fn fetch_with_fault(
    fault: Fault,
    times: usize,
) -> (Dataset, Workspace, FakeGitHub, assert_cmd::assert::Assert) {
    let world = github_world(25, 1, 2, 0.5);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(50);
    fake.inject(fault, times);
    let result = fetch_command(&fake, &ws, &repos).assert();
    (world, ws, fake, result)
}

fn stderr_of(result: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&result.get_output().stderr).to_string()
}

#[test]
fn transient_faults_are_retried_and_the_data_is_whole() {
    for (fault, times) in [
        (
            Fault::SecondaryLimit {
                retry_after: Some(1),
            },
            1,
        ),
        (Fault::SecondaryLimit { retry_after: None }, 1),
        (Fault::TooManyRequests { retry_after: 1 }, 1),
        (Fault::BadGateway, 3),
        (Fault::ConnectionReset, 2),
        (Fault::Truncated, 2),
        (Fault::MalformedJson, 2),
    ] {
        let label = format!("{fault:?}");
        let (world, ws, fake, result) = fetch_with_fault(fault, times);
        let stderr = stderr_of(&result);
        result.success();
        assert!(fake.stats().faults >= times as u64, "{label}");
        assert_same_tables(&ws.data, &world, TABLES, SOURCE);
        assert!(!stderr.contains(TOKEN), "{label}: {stderr}");
    }
}

#[test]
fn a_server_that_keeps_failing_stops_the_fetch_resumably() {
    // Every attempt fails: the fetch retries, asks for smaller pages (GitHub answers 502 when a
    // page takes too long), and gives up with its checkpoint.
    let (world, ws, fake, result) = fetch_with_fault(Fault::BadGateway, 40);
    let stderr = stderr_of(&result);
    result.failure();
    assert!(stderr.contains("HTTP 502"), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    fake.clear_faults();
    let repos = repositories(&world);
    fetch_command(&fake, &ws, &repos).assert().success();
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

#[test]
fn a_refused_token_is_named_by_where_it_came_from_never_shown() {
    let (_, _, _, result) = fetch_with_fault(Fault::ExpiredToken, 1);
    let stderr = stderr_of(&result);
    result.failure();
    assert!(
        stderr.contains("401") && stderr.contains("GITHUB_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[test]
fn partial_errors_keep_the_data_and_say_so() {
    let (_, ws, _, result) = fetch_with_fault(Fault::PartialError, 1);
    let stderr = stderr_of(&result);
    let result = result.success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    assert!(stdout.contains("fetched 1 of 1"), "{stdout}");
    assert!(stderr.contains("error(s) beside the data"), "{stderr}");
    assert!(
        Store::open(&ws.data)
            .unwrap()
            .manifest()
            .rows("pull_requests")
            > 0
    );
}

#[test]
fn a_spent_rate_limit_stops_cleanly_and_the_next_run_resumes() {
    let world = github_world(26, 1, 2, 0.6);
    let repos = repositories(&world);
    // What one request costs, measured on a fetch of the same world.
    let probe = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    fetch_command(&probe, &workspace(10), &repos)
        .assert()
        .success();
    let probe_stats = probe.stats();
    let per_request = probe_stats.points / probe_stats.requests;
    assert!(
        probe_stats.requests >= 4,
        "the world is too small for this test"
    );

    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(10);
    fake.set_budget(per_request * 5 / 2);
    let result = fetch_command(&fake, &ws, &repos).assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(
        stderr.contains("rate limit") && stderr.contains("resets at"),
        "{stderr}"
    );
    assert!(stderr.contains("--wait"), "{stderr}");
    assert!(
        ws.data.join("staging/github").exists(),
        "no checkpoint was kept"
    );
    fake.set_budget(5000);
    fake.reset_stats();
    fetch_command(&fake, &ws, &repos).assert().success();
    let first = fake
        .stats()
        .log
        .into_iter()
        .find(|r| r.operation == "RepositorySync")
        .unwrap();
    assert!(
        first.variables["pullRequestsAfter"].is_string(),
        "the second run started over instead of resuming: {:?}",
        first.variables
    );
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

#[test]
fn an_unknown_repository_is_reported_and_the_others_are_fetched() {
    let world = github_world(27, 1, 1, 0.4);
    let mut repos = repositories(&world);
    repos.push("acme/does-not-exist".into());
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(50);
    let result = fetch_command(&fake, &ws, &repos).assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(
        stderr.contains("acme/does-not-exist: not found on GitHub"),
        "{stderr}"
    );
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

#[test]
fn dry_run_estimates_without_fetching() {
    let world = github_world(28, 1, 2, 0.5);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(50);
    let result = fetch_command(&fake, &ws, &repos)
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    let prs = world.pull_requests.len();
    assert!(
        stdout.contains(&format!("{} | {prs} |", repos[0])),
        "{stdout}"
    );
    assert!(stdout.contains("points"), "{stdout}");
    assert!(Store::open(&ws.data).is_err(), "a dry run wrote data");
    let ops: HashMap<String, u64> = fake.stats().by_operation.into_iter().collect();
    assert!(ops.contains_key("SearchCount"), "{ops:?}");
}

/// One PR whose every connection overflows its first page: 300 timeline events, 150 commits,
/// 130 files, 60 reviews, 60 conversation comments and 100 review-thread comments.
fn with_one_enormous_pr(world: &mut Dataset) {
    let pr = world
        .pull_requests
        .iter_mut()
        .find(|p| p.merged_at.is_some())
        .unwrap();
    let (repo, number, author) = (pr.repo.clone(), pr.number, pr.author.clone());
    let start = pr.created_at;
    let at = |i: i64| start + chrono::Duration::minutes(i);
    for i in 0..300 {
        world.pr_events.push(PrEvent {
            source: "github".into(),
            repo: repo.clone(),
            number,
            kind: "head_ref_force_pushed".into(),
            actor: Some(author.clone()),
            at: at(i),
        });
    }
    for i in 0..150 {
        world.pr_commits.push(PrCommit {
            source: "github".into(),
            repo: repo.clone(),
            number,
            sha: format!("{:040x}", 0xabc000 + i),
            author: author.clone(),
            committer: Some(author.clone()),
            authored_at: at(i),
            author_tz_offset_minutes: Some(-300),
            is_merge: Some(false),
            message_headline: Some(format!("Step {i}")),
            trailers: Vec::new(),
            attribution: Vec::new(),
        });
    }
    for i in 0..130 {
        world.file_changes.push(FileChange {
            source: "github".into(),
            repo: repo.clone(),
            sha: None,
            number: Some(number),
            path: format!("src/generated/file_{i:03}.rs"),
            additions: Some(i),
            deletions: Some(1),
        });
    }
    for i in 0..60 {
        world.reviews.push(Review {
            source: "github".into(),
            repo: repo.clone(),
            number,
            reviewer: "olga".into(),
            reviewer_name: None,
            state: "commented".into(),
            submitted_at: at(i) + chrono::Duration::seconds(30),
            comment_count: Some(0),
        });
    }
    for i in 0..160 {
        world.comments.push(Comment {
            source: "github".into(),
            target: "pr".into(),
            container: repo.clone(),
            item: number.to_string(),
            author: "olga".into(),
            created_at: at(i) + chrono::Duration::seconds(40),
            is_review_thread: Some(i >= 60),
        });
    }
    let latest = at(300);
    let pr = world
        .pull_requests
        .iter_mut()
        .find(|p| p.repo == repo && p.number == number)
        .unwrap();
    pr.updated_at = Some(latest.max(pr.updated_at.unwrap_or(latest)));
}

/// The number of the PR [`with_one_enormous_pr`] chose.
fn enormous_number(world: &Dataset) -> i64 {
    world
        .pr_commits
        .iter()
        .find(|c| c.message_headline.as_deref() == Some("Step 0"))
        .unwrap()
        .number
}

#[test]
fn every_overflowing_connection_of_a_pr_is_followed_to_the_end() {
    let mut world = github_world(29, 1, 1, 0.4);
    with_one_enormous_pr(&mut world);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(20);
    fetch_command(&fake, &ws, &repos).assert().success();
    let operations = fake.stats().by_operation;
    for follow_up in [
        "PullRequestTimeline",
        "PullRequestCommits",
        "PullRequestFiles",
        "PullRequestReviews",
        "PullRequestComments",
        "PullRequestReviewThreads",
    ] {
        assert!(
            operations.contains_key(follow_up),
            "{follow_up} never sent: {operations:?}"
        );
    }
    // The first 100 events come with the PR; the rest take one request per 100.
    let number = enormous_number(&world);
    let events = world
        .pr_events
        .iter()
        .filter(|e| e.number == number)
        .count();
    assert!(events > 300);
    assert_eq!(
        operations["PullRequestTimeline"] as usize,
        (events - 100).div_ceil(100)
    );
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

/// Three GitHub issues with assignments, labels, a renamed title, a close and a reopen, body
/// edits and a comment, normalized as the GitHub source defines it.
fn github_issues(world: &mut Dataset) {
    use teamlens::model::{Issue, IssueEvent};
    let repo = world.pull_requests[0].repo.clone();
    let t = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 9, d, h, 0, 0).unwrap();
    let event = |key: &str, at, actor: &str, field: &str, from: Option<&str>, to: Option<&str>| {
        IssueEvent {
            source: "github".into(),
            key: key.into(),
            at,
            actor: actor.into(),
            field: field.into(),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        }
    };
    let issue = |n: i64, labels: &[&str], kind: &str| Issue {
        source: "github".into(),
        key: format!("{repo}#{n}"),
        project: Some(repo.clone()),
        title: Some(format!("Issue {n}")),
        issue_type: Some(kind.into()),
        reporter: Some("olga".into()),
        assignee: None,
        status: Some("open".into()),
        status_category: Some("todo".into()),
        created_at: t(1, 9),
        started_at: None,
        resolved_at: None,
        reopen_count: Some(0),
        sprint: None,
        estimate: None,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        url: Some(format!("https://github.com/{repo}/issues/{n}")),
        linked_prs: Vec::new(),
    };
    let k1 = format!("{repo}#1001");
    let k2 = format!("{repo}#1002");
    world.issues.push(Issue {
        assignee: Some("teo".into()),
        status: Some("closed".into()),
        status_category: Some("done".into()),
        started_at: Some(t(2, 10)),
        resolved_at: Some(t(6, 15)),
        reopen_count: Some(1),
        title: Some("Checkout fails on Safari".into()),
        ..issue(1001, &["bug"], "bug")
    });
    world.issue_events.extend([
        event(&k1, t(1, 10), "olga", "labels", None, Some("bug")),
        event(&k1, t(2, 10), "olga", "assignee", None, Some("teo")),
        event(
            &k1,
            t(2, 11),
            "olga",
            "title",
            Some("Issue 1001"),
            Some("Checkout fails on Safari"),
        ),
        event(&k1, t(3, 9), "olga", "description", None, None),
        event(&k1, t(4, 16), "teo", "status", Some("open"), Some("closed")),
        event(&k1, t(5, 9), "olga", "status", Some("closed"), Some("open")),
        event(&k1, t(6, 15), "teo", "status", Some("open"), Some("closed")),
    ]);
    world.issues.push(Issue {
        assignee: Some("olga".into()),
        status_category: Some("in_progress".into()),
        // In progress from its first assignment, though it changed hands since.
        started_at: Some(t(2, 12)),
        ..issue(1002, &["dependencies"], "chore")
    });
    world.issue_events.extend([
        event(&k2, t(2, 12), "olga", "assignee", None, Some("teo")),
        event(&k2, t(3, 11), "olga", "assignee", Some("teo"), None),
        event(&k2, t(3, 12), "olga", "assignee", None, Some("olga")),
        event(&k2, t(3, 13), "olga", "labels", Some("triage"), None),
    ]);
    world.issues.push(issue(1003, &[], "feature"));
    world.comments.push(Comment {
        source: "github".into(),
        target: "issue".into(),
        container: repo.clone(),
        item: "1001".into(),
        author: "teo".into(),
        created_at: t(2, 12),
        is_review_thread: Some(false),
    });
}

#[test]
fn github_issues_arrive_with_their_events_and_edits() {
    let mut world = github_world(30, 1, 1, 0.4);
    github_issues(&mut world);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(50);
    fetch_command(&fake, &ws, &repos).assert().success();
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
    let mut want_issues = rows(&teamlens::model::Issue::to_frame(world.issues.clone()).unwrap());
    let mut got_issues = rows(&stored_frame(&ws.data, "issues", SOURCE));
    want_issues.sort();
    got_issues.sort();
    assert_eq!(got_issues, want_issues);
    let want_events =
        rows(&teamlens::model::IssueEvent::to_frame(world.issue_events.clone()).unwrap());
    assert_eq!(
        rows(&stored_frame(&ws.data, "issue_events", SOURCE)),
        want_events
    );
}

#[test]
fn releases_count_as_deployments_of_what_was_merged_before_them() {
    let world = github_world(31, 1, 2, 0.5);
    let repos = repositories(&world);
    let mut github = GitHubWorld::from_dataset(world.clone());
    let first_merge = world
        .pull_requests
        .iter()
        .filter_map(|p| p.merged_at)
        .min()
        .unwrap();
    let released_at = first_merge + chrono::Duration::days(20);
    github.releases.push(support::fake_github::Release {
        repo: repos[0].clone(),
        tag: "v1.0.0".into(),
        at: released_at,
        sha: "f".repeat(40),
    });
    let fake = FakeGitHub::start(github);
    let ws = workspace(50);
    fetch_command(&fake, &ws, &repos).assert().success();
    let releases = stored_frame(&ws.data, "deployments", SOURCE)
        .lazy()
        .filter(col("environment").eq(lit("release")))
        .collect()
        .unwrap();
    assert_eq!(releases.height(), 1);
    let shipped = releases
        .column("pr_numbers")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(0)
        .unwrap()
        .len();
    let merged_before = world
        .pull_requests
        .iter()
        .filter(|p| p.merged_at.is_some_and(|m| m <= released_at))
        .count();
    assert_eq!(shipped, merged_before);
}

#[test]
fn init_proposes_a_config_and_a_plain_fetch_reads_it() {
    let world = github_world(32, 2, 1, 0.4);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    let init = |force: bool| {
        let mut command = teamlens();
        command
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_GRAPHQL_URL", fake.graphql_url())
            .env("GITHUB_API_URL", fake.api_url())
            .arg("--config")
            .arg(&config)
            .args(["init", "--org", "acme"]);
        if force {
            command.arg("--force");
        }
        command.assert()
    };
    let first = init(false).success();
    assert!(
        String::from_utf8_lossy(&first.get_output().stdout)
            .contains("proposed teams from its GitHub teams"),
        "{first:?}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    for repo in repositories(&world) {
        assert!(text.contains(&format!("\"{repo}\"")), "{text}");
    }
    assert!(text.contains("role = \"manager\""), "{text}");
    // The proposals are a roster the config loader reads: every simulated person with their team.
    let loaded = teamlens::config::Config::load(&config, true).unwrap();
    let mut got: Vec<(String, Vec<String>)> = loaded
        .people
        .iter()
        .map(|p| (p.person.clone(), p.memberships()))
        .collect();
    got.sort();
    let mut want: Vec<(String, Vec<String>)> = world
        .people
        .iter()
        .filter(|p| p.role != "bot" && p.role != "external")
        .map(|p| {
            (
                p.person.clone(),
                vec![support::fake_github::world::team_slug(&p.team)],
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
    for team in want.iter().map(|(_, t)| &t[0]) {
        assert!(
            text.contains(&format!(
                "# team \"{team}\": proposed from GitHub team acme/{team} ("
            )),
            "{text}"
        );
    }
    let again = init(false).failure();
    assert!(String::from_utf8_lossy(&again.get_output().stderr).contains("--force"));
    init(true).success();

    let data = dir.path().join("data");
    teamlens()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_GRAPHQL_URL", fake.graphql_url())
        .env("GITHUB_API_URL", fake.api_url())
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["fetch", "--since", "2020-01-01"])
        .assert()
        .success();
    assert_same_tables(&data, &world, TABLES, SOURCE);
}

#[test]
fn the_token_appears_nowhere_even_at_debug_level() {
    let world = github_world(33, 1, 1, 0.4);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world));
    let ws = workspace(50);
    let mut outputs = Vec::new();
    for fault in [
        Fault::BadGateway,
        Fault::ExpiredToken,
        Fault::PartialError,
        Fault::Truncated,
    ] {
        fake.inject(fault, 1);
        let run = fetch_command(&fake, &ws, &repos).arg("-vv").assert();
        outputs.push(String::from_utf8_lossy(&run.get_output().stdout).to_string());
        outputs.push(String::from_utf8_lossy(&run.get_output().stderr).to_string());
    }
    for output in &outputs {
        assert!(!output.contains(TOKEN), "{output}");
    }
    let mut pending = vec![ws.data.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
                    "{} holds the token",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn without_github_token_the_gh_clis_login_is_used() {
    let world = github_world(34, 1, 1, 0.4);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(50);
    // A stand-in for the GitHub CLI that knows the fake's host and prints its token.
    let bin = ws.data.parent().unwrap().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let gh = bin.join("gh");
    std::fs::write(
        &gh,
        format!(
            "#!/bin/sh\n[ \"$1 $2 $3 $4\" = \"auth token --hostname 127.0.0.1\" ] && echo {TOKEN} && exit 0\nexit 1\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let result = fetch_command(&fake, &ws, &repos)
        .env_remove("GITHUB_TOKEN")
        .env("PATH", &bin)
        .arg("-v")
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&result.get_output().stderr).to_string();
    assert!(stderr.contains("gh auth token"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);

    // With neither a token nor gh nor an App, the message says what to set.
    let result = fetch_command(&fake, &ws, &repos)
        .env_remove("GITHUB_TOKEN")
        .env("PATH", ws.data.parent().unwrap())
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&result.get_output().stderr).to_string();
    assert!(
        stderr.contains("set GITHUB_TOKEN") && stderr.contains("gh auth login"),
        "{stderr}"
    );
}

/// A workspace whose config authenticates as the GitHub App 4242 with the test key.
fn app_workspace() -> Workspace {
    let ws = workspace(20);
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/github-app-test-key.pem");
    let mut config = std::fs::read_to_string(&ws.config).unwrap();
    config.push_str(&format!(
        "app_id = 4242\ninstallation_id = 77\nprivate_key_path = {:?}\n",
        key.display().to_string()
    ));
    std::fs::write(&ws.config, config).unwrap();
    ws
}

fn app_fetch(fake: &FakeGitHub, ws: &Workspace, repos: &[String]) -> assert_cmd::assert::Assert {
    fetch_command(fake, ws, repos)
        .env_remove("GITHUB_TOKEN")
        .env("PATH", ws.data.parent().unwrap())
        .assert()
}

const APP_PUBLIC_KEY: &str = include_str!("data/github-app-test-key.pub.pem");

#[test]
fn a_github_app_mints_installation_tokens_and_renews_them_before_they_expire() {
    let world = github_world(35, 1, 2, 0.5);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    fake.set_tokens(&[]);

    // Tokens that last an hour: one is minted for the whole fetch.
    fake.enable_app(4242, APP_PUBLIC_KEY, Duration::from_secs(3600));
    let ws = app_workspace();
    app_fetch(&fake, &ws, &repos).success();
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
    assert_eq!(fake.minted_tokens(), 1);

    // Tokens about to expire (under a minute left) are renewed before they are used.
    fake.enable_app(4242, APP_PUBLIC_KEY, Duration::from_secs(45));
    let ws = app_workspace();
    fake.reset_stats();
    app_fetch(&fake, &ws, &repos).success();
    let graphql: u64 = fake.stats().by_operation.values().sum();
    assert_eq!(fake.minted_tokens(), graphql, "one fresh token per request");
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);

    // A token revoked mid-run is replaced once, and the fetch goes on.
    fake.enable_app(4242, APP_PUBLIC_KEY, Duration::from_secs(3600));
    let ws = app_workspace();
    // The first request mints the token; the second, a query, is refused.
    fake.inject(Fault::Latency(Duration::ZERO), 1);
    fake.inject(Fault::ExpiredToken, 1);
    app_fetch(&fake, &ws, &repos).success();
    assert_eq!(fake.minted_tokens(), 2);
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

#[test]
fn an_app_github_does_not_know_is_refused_with_a_clear_message() {
    let world = github_world(36, 1, 1, 0.4);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world));
    fake.enable_app(999, APP_PUBLIC_KEY, Duration::from_secs(3600));
    let ws = app_workspace();
    let result = app_fetch(&fake, &ws, &repos).failure();
    let stderr = String::from_utf8_lossy(&result.get_output().stderr).to_string();
    assert!(stderr.contains("GitHub App 4242"), "{stderr}");
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
}

#[test]
fn with_wait_a_spent_rate_limit_is_waited_out() {
    let world = github_world(37, 1, 1, 0.5);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let ws = workspace(10);
    fake.set_budget_window(10, Duration::from_secs(3));
    let started = Instant::now();
    let result = fetch_command(&fake, &ws, &repos)
        .arg("--wait")
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&result.get_output().stderr).to_string();
    assert!(
        stderr.contains("waiting") && stderr.contains("until it resets"),
        "{stderr}"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_same_tables(&ws.data, &world, TABLES, SOURCE);
}

/// `teamlens init --org acme` against `fake`, writing `config`; returns what it said.
fn run_init(fake: &FakeGitHub, config: &Path) -> String {
    let output = teamlens()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_GRAPHQL_URL", fake.graphql_url())
        .env("GITHUB_API_URL", fake.api_url())
        .arg("--config")
        .arg(config)
        .args(["init", "--org", "acme"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stderr}");
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// The roster of a written teamlens.toml, as the config loader reads it: (person, teams), sorted.
fn roster_of(config: &Path) -> Vec<(String, Vec<String>)> {
    let loaded = teamlens::config::Config::load(config, true)
        .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(config).unwrap()));
    let mut got: Vec<(String, Vec<String>)> = loaded
        .people
        .iter()
        .map(|p| (p.person.clone(), p.memberships()))
        .collect();
    got.sort();
    got
}

fn roster(entries: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = entries
        .iter()
        .map(|(p, teams)| (p.to_string(), teams.iter().map(|t| t.to_string()).collect()))
        .collect();
    out.sort();
    out
}

/// A merged PR of `repo` by `author`, reviewed by `reviewers`, merged `days_ago` days before now.
fn reviewed_pr(world: &mut Dataset, repo: &str, author: &str, reviewers: &[&str], days_ago: i64) {
    let number = world.pull_requests.len() as i64 + 1;
    let merged = Utc::now() - chrono::Duration::days(days_ago);
    let created = merged - chrono::Duration::hours(20);
    world.pull_requests.push(teamlens::model::PullRequest {
        source: "github".into(),
        repo: repo.into(),
        number,
        author: author.into(),
        title: Some(format!("Change {number}")),
        url: None,
        created_at: created,
        ready_at: Some(created),
        first_commit_at: None,
        merged_at: Some(merged),
        closed_at: Some(merged),
        merged_by: Some(author.into()),
        state: Some("merged".into()),
        draft: Some(false),
        additions: Some(10),
        deletions: Some(2),
        changed_files: Some(1),
        labels: Vec::new(),
        base_ref: Some("main".into()),
        is_revert: Some(false),
        reverts_number: None,
        linked_issues: Vec::new(),
        updated_at: Some(merged),
        attribution: Vec::new(),
    });
    for (i, reviewer) in reviewers.iter().enumerate() {
        world.reviews.push(Review {
            source: "github".into(),
            repo: repo.into(),
            number,
            reviewer: reviewer.to_string(),
            reviewer_name: None,
            state: "approved".into(),
            submitted_at: created + chrono::Duration::hours(2 + i as i64),
            comment_count: Some(0),
        });
    }
}

/// Two groups who review each other (ann, bob, cem in acme/ledger; dan, eve in acme/ui), one
/// review across them, and old PRs (outside the 90 days) that would join the groups.
fn review_world() -> Dataset {
    let mut world = Dataset::default();
    for days in [5, 20, 40] {
        reviewed_pr(&mut world, "acme/ledger", "ann", &["bob"], days);
        reviewed_pr(&mut world, "acme/ledger", "bob", &["cem"], days + 1);
        reviewed_pr(&mut world, "acme/ledger", "cem", &["ann", "bob"], days + 2);
        reviewed_pr(&mut world, "acme/ui", "dan", &["eve"], days + 3);
        reviewed_pr(&mut world, "acme/ui", "eve", &["dan"], days + 4);
    }
    reviewed_pr(&mut world, "acme/ui", "dan", &["ann"], 10);
    for days in [120, 150, 200] {
        reviewed_pr(&mut world, "acme/ledger", "ann", &["eve"], days);
        reviewed_pr(&mut world, "acme/ui", "eve", &["ann"], days + 1);
    }
    reviewed_pr(&mut world, "acme/ui", "dependabot[bot]", &["dan"], 3);
    world
}

#[test]
fn init_without_github_teams_proposes_teams_from_codeowners() {
    let mut github = GitHubWorld::from_dataset(review_world());
    github.no_teams = true;
    let file = |github: &mut GitHubWorld, repo: &str, path: &str, text: &str| {
        github
            .files
            .insert((repo.to_string(), path.to_string()), text.to_string());
    };
    // GitHub reads .github/CODEOWNERS before the root's: the root file must be ignored.
    file(
        &mut github,
        "acme/ledger",
        ".github/CODEOWNERS",
        "# Ledger owners\n*            @ann @bob\n/reports/    @cem @ann\n/docs/ @acme/writers\n",
    );
    file(&mut github, "acme/ledger", "CODEOWNERS", "* @zed\n");
    file(
        &mut github,
        "acme/ui",
        "docs/CODEOWNERS",
        "*.tsx @dan @eve\n",
    );
    let fake = FakeGitHub::start(github);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    let said = run_init(&fake, &config);
    assert!(said.contains("proposed teams from CODEOWNERS"), "{said}");
    assert_eq!(
        roster_of(&config),
        roster(&[
            ("ann", &["ledger"]),
            ("bob", &["ledger"]),
            ("cem", &["ledger"]),
            ("dan", &["ui"]),
            ("eve", &["ui"]),
        ])
    );
    let text = std::fs::read_to_string(&config).unwrap();
    for line in [
        "# team \"ledger\": proposed from CODEOWNERS of acme/ledger (* /reports/): confirm or rename",
        "# team \"ui\": proposed from CODEOWNERS of acme/ui (*.tsx): confirm or rename",
        "@acme/writers, whose members these credentials cannot see",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(!text.contains("zed"), "{text}");
}

#[test]
fn init_without_teams_or_codeowners_proposes_teams_from_the_review_graph() {
    let mut github = GitHubWorld::from_dataset(review_world());
    github.no_teams = true;
    let fake = FakeGitHub::start(github);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    let said = run_init(&fake, &config);
    assert!(
        said.contains("proposed teams from who reviews whom"),
        "{said}"
    );
    // The old PRs across the groups and the one recent review across do not join them; the bot
    // is no one's teammate.
    assert_eq!(
        roster_of(&config),
        roster(&[
            ("ann", &["ledger"]),
            ("bob", &["ledger"]),
            ("cem", &["ledger"]),
            ("dan", &["ui"]),
            ("eve", &["ui"]),
        ])
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains(
            "# team \"ledger\": proposed from the review graph: 3 people who reviewed each \
             other's PRs merged since "
        ) && text.contains("9 of their 9 PRs in acme/ledger: confirm or rename"),
        "{text}"
    );
    assert!(text.contains("7 of their 7 PRs in acme/ui"), "{text}");
    assert!(!text.contains("dependabot"), "{text}");
}
