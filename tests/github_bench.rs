//! The GitHub source's cost, as figures (a benchmark, not a timed test; it is ignored by default):
//!
//! ```sh
//! cargo test --test github_bench -- --ignored --nocapture
//! ```
//!
//! On a fake repository of 5,000 PRs (the simulator's, with reviews, requests, timelines,
//! commits, files and comments), it prints the requests and rate-limit points per 1,000 PRs fully
//! fetched by teamlens' GraphQL fetch, the same for the one-call-per-item REST approach the
//! anchors take (list PRs, then reviews, commits, files, timeline, comments and review comments
//! per PR), their ratio, and wall times with 50 ms of latency per request.

mod support;

use std::time::{Duration, Instant};

use teamlens::model::Dataset;
use teamlens::sources::simulate::{SimConfig, simulate};

use support::fake_github::{FakeGitHub, GitHubWorld, TOKEN};
use support::teamlens;

const REPO: &str = "acme/monorepo";
const PRS: usize = 5000;
const LATENCY: Duration = Duration::from_millis(50);

/// A simulated organisation's GitHub activity folded into one repository of `PRS` PRs.
fn monorepo() -> Dataset {
    let all = simulate(&SimConfig::default_org(5, 10, 12, 1.0)).dataset;
    let mut repos: Vec<String> = all.pull_requests.iter().map(|p| p.repo.clone()).collect();
    repos.sort();
    repos.dedup();
    let offset = |repo: &str| repos.iter().position(|r| r == repo).unwrap() as i64 * 100_000;
    let keep = |repo: &str, number: i64| offset(repo) + number;
    let mut out = Dataset {
        people: all.people,
        ..Dataset::default()
    };
    let github = |s: &str| s == "github";
    let mut prs: Vec<_> = all
        .pull_requests
        .into_iter()
        .filter(|p| github(&p.source))
        .collect();
    prs.sort_by_key(|p| std::cmp::Reverse(p.updated_at));
    prs.truncate(PRS);
    assert_eq!(prs.len(), PRS, "the simulated organisation has too few PRs");
    let kept: std::collections::BTreeSet<i64> =
        prs.iter().map(|p| keep(&p.repo, p.number)).collect();
    for mut pr in prs {
        pr.number = keep(&pr.repo, pr.number);
        pr.repo = REPO.into();
        out.pull_requests.push(pr);
    }
    macro_rules! fold {
        ($table:ident) => {
            for mut row in all.$table.into_iter().filter(|r| github(&r.source)) {
                let number = keep(&row.repo, row.number);
                if kept.contains(&number) {
                    row.number = number;
                    row.repo = REPO.into();
                    out.$table.push(row);
                }
            }
        };
    }
    fold!(reviews);
    fold!(review_requests);
    fold!(pr_events);
    fold!(pr_commits);
    for mut row in all.file_changes.into_iter().filter(|r| github(&r.source)) {
        let Some(number) = row.number.map(|n| keep(&row.repo, n)) else {
            continue;
        };
        if kept.contains(&number) {
            row.number = Some(number);
            row.repo = REPO.into();
            out.file_changes.push(row);
        }
    }
    for mut row in all
        .comments
        .into_iter()
        .filter(|r| github(&r.source) && r.target == "pr")
    {
        let number = keep(&row.container, row.item.parse().unwrap());
        if kept.contains(&number) {
            row.item = number.to_string();
            row.container = REPO.into();
            out.comments.push(row);
        }
    }
    out
}

fn per_thousand(count: u64) -> f64 {
    count as f64 * 1000.0 / PRS as f64
}

/// teamlens' fetch of the whole repository; returns (requests, points, seconds).
fn graphql_fetch(fake: &FakeGitHub) -> (u64, u64, f64) {
    let dir = tempfile::tempdir().unwrap();
    fake.reset_stats();
    let started = Instant::now();
    teamlens()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_GRAPHQL_URL", fake.graphql_url())
        .env("GITHUB_API_URL", fake.api_url())
        .arg("--data-dir")
        .arg(dir.path())
        .args(["-q", "fetch", "github", REPO, "--since", "2020-01-01"])
        .assert()
        .success();
    let seconds = started.elapsed().as_secs_f64();
    let stats = fake.stats();
    (stats.requests, stats.points, seconds)
}

/// Follows a REST list to its end through its `Link: <…>; rel="next"` headers.
fn rest_pages(fake: &FakeGitHub, first: &str) -> Vec<serde_json::Value> {
    let mut items = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next.take() {
        let response = fake.rest(TOKEN, &path).unwrap();
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        if let serde_json::Value::Array(page) = response.json() {
            items.extend(page);
        }
        next = response.header("link").and_then(|link| {
            link.split(',')
                .find(|l| l.contains("rel=\"next\""))
                .and_then(|l| {
                    let url = l.split(['<', '>']).nth(1)?;
                    Some(url.strip_prefix(&fake.api_url()).unwrap_or(url).to_string())
                })
        });
    }
    items
}

/// The per-PR REST approach over the first `limit` PRs: list them, then six calls per PR.
fn rest_fetch(fake: &FakeGitHub, limit: usize) -> u64 {
    fake.reset_stats();
    let pulls = rest_pages(
        fake,
        &format!("/repos/{REPO}/pulls?state=all&sort=updated&direction=desc&per_page=100"),
    );
    for pull in pulls.iter().take(limit) {
        let n = pull["number"].as_i64().unwrap();
        for path in [
            format!("/repos/{REPO}/pulls/{n}/reviews?per_page=100"),
            format!("/repos/{REPO}/pulls/{n}/commits?per_page=100"),
            format!("/repos/{REPO}/pulls/{n}/files?per_page=100"),
            format!("/repos/{REPO}/pulls/{n}/comments?per_page=100"),
            format!("/repos/{REPO}/issues/{n}/timeline?per_page=100"),
            format!("/repos/{REPO}/issues/{n}/comments?per_page=100"),
        ] {
            rest_pages(fake, &path);
        }
    }
    fake.stats().requests
}

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
fn requests_and_points_per_thousand_prs() {
    let world = monorepo();
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    // The REST baseline needs far more than GitHub's 5,000 requests an hour; the fake lets it.
    fake.set_budget(10_000_000);

    let (requests, points, seconds) = graphql_fetch(&fake);
    let rest_requests = rest_fetch(&fake, PRS);
    println!(
        "repository of {PRS} PRs ({} reviews, {} timeline events, {} commits, {} files, {} comments)",
        world.reviews.len(),
        world.pr_events.len(),
        world.pr_commits.len(),
        world.file_changes.len(),
        world.comments.len()
    );
    println!(
        "teamlens GraphQL: {requests} requests, {points} points = {:.1} requests and {:.0} points per 1,000 PRs; {seconds:.1} s without latency",
        per_thousand(requests),
        per_thousand(points)
    );
    println!(
        "per-PR REST baseline: {rest_requests} requests = {:.0} per 1,000 PRs ({:.0}x the GraphQL fetch)",
        per_thousand(rest_requests),
        rest_requests as f64 / requests as f64
    );
    println!(
        "at GitHub's 5,000 requests (REST) or points (GraphQL) an hour: teamlens {:.2} h, REST baseline {:.1} h",
        points as f64 / 5000.0,
        rest_requests as f64 / 5000.0
    );

    fake.set_latency(LATENCY);
    let (_, _, latent_seconds) = graphql_fetch(&fake);
    // The REST baseline at 50 ms would take tens of minutes; time its first 100 PRs and scale.
    let sample = 100;
    let started = Instant::now();
    let sample_requests = rest_fetch(&fake, sample);
    let sample_seconds = started.elapsed().as_secs_f64();
    let rest_estimate = sample_seconds / sample_requests as f64 * rest_requests as f64;
    println!(
        "with {} ms latency per request: teamlens {latent_seconds:.1} s; REST baseline about {:.0} s ({sample_requests} requests took {sample_seconds:.1} s, scaled to {rest_requests}), one request at a time",
        LATENCY.as_millis(),
        rest_estimate
    );
    assert!(
        per_thousand(requests) <= 15.0,
        "goal: at most 15 requests per 1,000 PRs"
    );
    assert!(
        rest_requests >= requests * 100,
        "goal: 100 times fewer requests than per-PR REST"
    );
}
