//! The fake GitHub speaks GitHub's wire format: the repository's own documents validate and page
//! through a simulated organisation, and every fault shows on the wire as specified.

mod support;

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use teamlens::model::Dataset;
use teamlens::sources::simulate::{SimConfig, simulate};

use support::fake_github::{
    FakeGitHub, Fault, FaultKind, GitHubWorld, Release, TOKEN, cursor, document, with_fragments,
};

fn dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| simulate(&SimConfig::default_org(7, 2, 2, 0.5)).dataset)
}

fn fake() -> FakeGitHub {
    FakeGitHub::start(GitHubWorld::from_dataset(dataset().clone()))
}

/// The repository with the most PRs in the simulated world.
fn busiest_repo() -> (String, String, usize) {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for pr in dataset()
        .pull_requests
        .iter()
        .filter(|p| p.source == "github")
    {
        *counts.entry(&pr.repo).or_default() += 1;
    }
    let (repo, n) = counts.into_iter().max_by_key(|(_, n)| *n).unwrap();
    let (o, name) = repo.split_once('/').unwrap();
    (o.to_string(), name.to_string(), n)
}

/// Variables of `repository_sync` reading only `what` (`PullRequests`, `Issues`, …).
fn sync(owner: &str, name: &str, first: i64, what: &str) -> Value {
    let mut vars = json!({"owner": owner, "name": name, "first": first});
    for w in ["PullRequests", "Issues", "Deployments", "Releases"] {
        vars[format!("with{w}")] = json!(w == what);
    }
    vars
}

fn ok_json(fake: &FakeGitHub, query: &str, variables: Value) -> Value {
    let r = fake.graphql(TOKEN, query, variables).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn pages_of_pull_requests_walk_the_whole_repository_once() {
    let fake = fake();
    let (owner, name, total) = busiest_repo();
    assert!(total > 20, "the simulated repo has {total} PRs");
    let query = document("repository_sync");
    let mut after = Value::Null;
    let mut seen = HashSet::new();
    let mut previous: Option<(String, i64)> = None;
    let mut pages = 0;
    loop {
        let body = ok_json(&fake, &query, {
            let mut v = sync(&owner, &name, 7, "PullRequests");
            v["pullRequestsAfter"] = after.clone();
            v
        });
        assert!(body.get("errors").is_none(), "{body}");
        let prs = &body["data"]["repository"]["pullRequests"];
        assert_eq!(prs["totalCount"], json!(total));
        for pr in prs["nodes"].as_array().unwrap() {
            assert!(
                seen.insert(pr["id"].as_str().unwrap().to_string()),
                "seen twice: {pr}"
            );
            let key = (
                pr["updatedAt"].as_str().unwrap().to_string(),
                pr["number"].as_i64().unwrap(),
            );
            if let Some(prev) = &previous {
                assert!(*prev > key, "not ordered by updatedAt DESC, number DESC");
            }
            previous = Some(key);
            assert_eq!(
                pr["headRefName"],
                json!(format!("feature/{}", pr["number"]))
            );
        }
        pages += 1;
        let info = &prs["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].clone();
        assert!(after.is_string());
    }
    assert_eq!(seen.len(), total);
    assert_eq!(pages, total.div_ceil(7));
    let stats = fake.stats();
    assert_eq!(stats.log.len(), pages);
    assert_eq!(stats.by_operation["RepositorySync"], pages as u64);
    assert_eq!(
        stats.log[1].variables["pullRequestsAfter"],
        json!(cursor(6))
    );
}

#[test]
fn every_document_of_the_repository_validates_and_runs() {
    let fake = fake();
    let (owner, name, _) = busiest_repo();
    let page = ok_json(
        &fake,
        &document("repository_sync"),
        sync(&owner, &name, 5, "PullRequests"),
    );
    let pr = &page["data"]["repository"]["pullRequests"]["nodes"][0];
    let id = pr["id"].as_str().unwrap();
    for doc in [
        "pr_comments",
        "pr_commits",
        "pr_files",
        "pr_review_threads",
        "pr_reviews",
        "pr_timeline",
    ] {
        let body = ok_json(&fake, &document(doc), json!({"id": id}));
        assert!(body.get("errors").is_none(), "{doc}: {body}");
        assert!(body["data"]["node"].is_object(), "{doc}: {body}");
    }
    for what in ["Deployments", "Releases", "Issues"] {
        let body = ok_json(
            &fake,
            &document("repository_sync"),
            sync(&owner, &name, 10, what),
        );
        assert!(body.get("errors").is_none(), "{what}: {body}");
        let key = format!("{}{}", what[..1].to_lowercase(), &what[1..]);
        assert!(
            body["data"]["repository"][&key]["nodes"].is_array(),
            "{what}: {body}"
        );
        assert!(body["data"]["repository"].get("pullRequests").is_none());
    }
    for doc in ["org_repositories", "org_teams"] {
        let body = ok_json(&fake, &document(doc), json!({"login": owner, "first": 10}));
        assert!(body.get("errors").is_none(), "{doc}: {body}");
        assert!(body["data"]["organization"].is_object(), "{doc}: {body}");
    }
    let teams = ok_json(
        &fake,
        &document("org_teams"),
        json!({"login": owner, "first": 10}),
    );
    let edges = &teams["data"]["organization"]["teams"]["nodes"][0]["members"]["edges"];
    assert!(
        edges
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["role"] == "MAINTAINER")
    );
    let search = ok_json(
        &fake,
        &document("search_count"),
        json!({"query": format!("repo:{owner}/{name} is:pr updated:>=2000-01-02T03:04:05Z")}),
    );
    let (_, _, total) = busiest_repo();
    assert_eq!(search["data"]["search"]["issueCount"], json!(total));
}

#[test]
fn a_pull_request_looks_like_its_rows() {
    let fake = fake();
    let data = dataset();
    // A merged PR with reviews, commits and timeline events.
    let pr = data
        .pull_requests
        .iter()
        .find(|p| {
            p.state.as_deref() == Some("merged")
                && data
                    .reviews
                    .iter()
                    .any(|r| r.repo == p.repo && r.number == p.number)
        })
        .unwrap();
    let (owner, name) = pr.repo.split_once('/').unwrap();
    let query = with_fragments(
        "query One($owner: String!, $name: String!, $n: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $n) { ...PullRequestFields } } }",
    );
    let body = ok_json(
        &fake,
        &query,
        json!({"owner": owner, "name": name, "n": pr.number}),
    );
    assert!(body.get("errors").is_none(), "{body}");
    let got = &body["data"]["repository"]["pullRequest"];
    assert_eq!(got["number"], json!(pr.number));
    assert_eq!(got["state"], "MERGED");
    assert_eq!(
        got["author"]["login"],
        json!(pr.author.trim_end_matches("[bot]"))
    );
    let reviews = data
        .reviews
        .iter()
        .filter(|r| r.repo == pr.repo && r.number == pr.number)
        .count();
    assert_eq!(got["reviews"]["nodes"].as_array().unwrap().len(), reviews);
    let commits = data
        .pr_commits
        .iter()
        .filter(|c| c.repo == pr.repo && c.number == pr.number)
        .count();
    assert_eq!(
        got["commits"]["nodes"].as_array().unwrap().len(),
        commits.min(100)
    );
    let timeline = got["timelineItems"]["nodes"].as_array().unwrap();
    assert!(timeline.iter().any(|t| t["__typename"] == "MergedEvent"));
}

#[test]
fn first_above_100_and_unknown_fields_are_graphql_errors() {
    let fake = fake();
    let (owner, name, _) = busiest_repo();
    let body = ok_json(
        &fake,
        &document("repository_sync"),
        sync(&owner, &name, 101, "PullRequests"),
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("101") && message.contains("limit of 100"),
        "{message}"
    );
    assert!(body.get("data").is_none());

    let body = ok_json(
        &fake,
        "query { repository(owner: \"a\", name: \"b\") { nameWithOwner noSuchField } }",
        json!({}),
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("noSuchField"),
        "{body}"
    );
}

#[test]
fn an_unknown_repository_is_not_found() {
    let fake = fake();
    let body = ok_json(
        &fake,
        &document("repository_sync"),
        sync("nope", "missing", 10, "PullRequests"),
    );
    assert_eq!(body["data"]["repository"], Value::Null);
    assert_eq!(body["errors"][0]["type"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["repository"]));
    assert_eq!(
        body["errors"][0]["message"],
        "Could not resolve to a Repository with the name 'nope/missing'."
    );
    let r = fake.rest(TOKEN, "/repos/nope/missing/pulls").unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "Not Found");
}

#[test]
fn bad_tokens_are_refused_and_tokens_can_be_revoked() {
    let fake = fake();
    let q = "query { rateLimit { remaining } }";
    let r = fake.graphql("wrong", q, json!({})).unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["message"], "Bad credentials");
    assert_eq!(fake.graphql(TOKEN, q, json!({})).unwrap().status, 200);
    fake.set_tokens(&["fresh"]);
    assert_eq!(fake.graphql(TOKEN, q, json!({})).unwrap().status, 401);
    assert_eq!(fake.graphql("fresh", q, json!({})).unwrap().status, 200);
    let r = support::fake_github::client::request(
        "POST",
        &fake.graphql_url(),
        &[("Authorization", "TOKEN fresh")],
        Some(&json!({"query": q}).to_string()),
    )
    .unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn rate_limit_headers_decrease_and_dry_run_is_free() {
    let fake = fake();
    let (owner, name, _) = busiest_repo();
    let vars = sync(&owner, &name, 100, "PullRequests");
    let r1 = fake
        .graphql(TOKEN, &document("repository_sync"), vars.clone())
        .unwrap();
    let remaining = |r: &support::fake_github::client::HttpResponse| {
        r.header("x-ratelimit-remaining")
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(r1.header("x-ratelimit-resource"), Some("graphql"));
    assert_eq!(r1.header("x-ratelimit-limit"), Some("5000"));
    let cost = r1.json()["data"]["rateLimit"]["cost"].as_u64().unwrap();
    // 1 + 100 × 8 connections + 100 × 30 thread comments = 3801 requests → 38 points.
    assert_eq!(cost, 38);
    assert_eq!(remaining(&r1), 5000 - cost);
    let mut dry = vars.clone();
    dry["dryRun"] = json!(true);
    let r2 = fake
        .graphql(TOKEN, &document("repository_sync"), dry)
        .unwrap();
    let body = r2.json();
    assert_eq!(body["data"].as_object().unwrap().len(), 1, "{body}");
    assert_eq!(body["data"]["rateLimit"]["cost"], json!(cost));
    assert_eq!(remaining(&r2), 5000 - cost);
    let r3 = fake
        .graphql(TOKEN, &document("repository_sync"), vars.clone())
        .unwrap();
    assert_eq!(remaining(&r3), 5000 - 2 * cost);
    assert_eq!(fake.stats().points, 2 * cost);

    let rest1 = fake
        .rest(
            TOKEN,
            &format!("/repos/{owner}/{name}/pulls?state=all&per_page=10"),
        )
        .unwrap();
    let rest2 = fake
        .rest(
            TOKEN,
            &format!("/repos/{owner}/{name}/pulls?state=all&per_page=10&page=2"),
        )
        .unwrap();
    assert_eq!(rest1.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(remaining(&rest1), remaining(&rest2) + 1);

    fake.set_budget(10);
    let r = fake
        .graphql(TOKEN, &document("repository_sync"), vars)
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["errors"][0]["type"], "RATE_LIMITED");
    fake.set_budget(0);
    let r = fake
        .graphql(TOKEN, "query { rateLimit { cost } }", json!({}))
        .unwrap();
    assert_eq!(r.json()["errors"][0]["type"], "RATE_LIMITED");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
}

#[test]
fn rest_pages_carry_link_headers() {
    let fake = fake();
    let (owner, name, total) = busiest_repo();
    let mut url =
        format!("/repos/{owner}/{name}/pulls?state=all&sort=updated&direction=desc&per_page=10");
    let mut numbers = HashSet::new();
    loop {
        let r = fake.rest(TOKEN, &url).unwrap();
        assert_eq!(r.status, 200);
        for pr in r.json().as_array().unwrap() {
            assert!(numbers.insert(pr["number"].as_i64().unwrap()));
            assert!(pr["user"]["type"].is_string());
        }
        let Some(link) = r.header("link") else { break };
        let Some(next) = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| l.split(['<', '>']).nth(1).unwrap().to_string())
        else {
            break;
        };
        url = next.strip_prefix(&fake.api_url()).unwrap().to_string();
    }
    assert_eq!(numbers.len(), total);
    let n = numbers.iter().next().unwrap();
    for sub in ["reviews", "commits", "files"] {
        let r = fake
            .rest(TOKEN, &format!("/repos/{owner}/{name}/pulls/{n}/{sub}"))
            .unwrap();
        assert_eq!(r.status, 200, "{sub}");
        assert!(r.json().is_array());
    }
    for sub in ["timeline", "comments"] {
        let r = fake
            .rest(TOKEN, &format!("/repos/{owner}/{name}/issues/{n}/{sub}"))
            .unwrap();
        assert_eq!(r.status, 200, "{sub}");
    }
    assert!(
        fake.stats()
            .by_route
            .contains_key("GET /repos/{o}/{n}/pulls/{number}/reviews")
    );
}

#[test]
fn each_fault_shows_on_the_wire() {
    let fake = fake();
    let q = "query { rateLimit { remaining } }";
    let send = || fake.graphql(TOKEN, q, json!({}));

    fake.inject(
        Fault::SecondaryLimit {
            retry_after: Some(7),
        },
        1,
    );
    let r = send().unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit")
    );

    fake.inject(Fault::SecondaryLimit { retry_after: None }, 1);
    let r = send().unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(r.header("retry-after"), None);

    fake.inject(Fault::TooManyRequests { retry_after: 3 }, 1);
    let r = send().unwrap();
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("3"));

    fake.inject(Fault::BadGateway, 1);
    let r = send().unwrap();
    assert_eq!(r.status, 502);
    assert!(r.body.contains("<html>"));

    fake.inject(Fault::ConnectionReset, 1);
    assert!(send().is_err());

    fake.inject(Fault::Truncated, 1);
    let e = send().unwrap_err();
    assert!(e.contains("truncated"), "{e}");

    fake.inject(Fault::MalformedJson, 1);
    let r = send().unwrap();
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.body).is_err());

    fake.inject(Fault::ExpiredToken, 1);
    let r = send().unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["message"], "Bad credentials");

    let (owner, name, _) = busiest_repo();
    fake.inject(Fault::PartialError, 1);
    let body = ok_json(
        &fake,
        &document("repository_sync"),
        sync(&owner, &name, 3, "PullRequests"),
    );
    let error = &body["errors"][0];
    assert_eq!(error["type"], "FORBIDDEN");
    let path: Vec<Value> = error["path"].as_array().unwrap().clone();
    let mut at = &body["data"];
    for p in &path {
        at = match p {
            Value::String(k) => &at[k.as_str()],
            Value::Number(i) => &at[i.as_u64().unwrap() as usize],
            _ => unreachable!(),
        };
    }
    assert!(at.is_null(), "{path:?}");
    assert_eq!(
        body["data"]["repository"]["pullRequests"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    fake.inject(Fault::Latency(Duration::from_millis(300)), 1);
    let start = Instant::now();
    assert_eq!(send().unwrap().status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));

    // Nothing queued any more: requests are served.
    assert_eq!(send().unwrap().status, 200);
    let stats = fake.stats();
    assert_eq!(stats.faults, 10);
    assert_eq!(stats.by_status[&0], 1);
    assert_eq!(stats.by_status[&403], 2);

    // A seeded schedule is reproducible.
    let outcomes = |seed| {
        fake.random_faults(
            seed,
            0.5,
            &[FaultKind::BadGateway, FaultKind::TooManyRequests],
        );
        let statuses: Vec<u16> = (0..20).map(|_| send().unwrap().status).collect();
        fake.clear_faults();
        statuses
    };
    let a = outcomes(42);
    assert_eq!(a, outcomes(42));
    assert!(a.contains(&200) && a.iter().any(|s| *s != 200), "{a:?}");
}

#[test]
fn the_world_can_change_while_serving() {
    let fake = fake();
    let (owner, name, _) = busiest_repo();
    let repo = format!("{owner}/{name}");
    let now = chrono::Utc::now();
    let changed: Vec<i64> = fake.with_world(|w| {
        let mut numbers = Vec::new();
        for pr in w
            .data
            .pull_requests
            .iter_mut()
            .filter(|p| p.repo == repo)
            .take(3)
        {
            pr.updated_at = Some(now);
            numbers.push(pr.number);
        }
        for n in &numbers {
            w.data.reviews.push(teamlens::model::Review {
                source: "github".into(),
                repo: repo.clone(),
                number: *n,
                reviewer: "late-reviewer".into(),
                reviewer_name: None,
                state: "approved".into(),
                submitted_at: now,
                comment_count: Some(2),
            });
        }
        numbers
    });
    let body = ok_json(
        &fake,
        &document("repository_sync"),
        sync(&owner, &name, 3, "PullRequests"),
    );
    let nodes = body["data"]["repository"]["pullRequests"]["nodes"]
        .as_array()
        .unwrap();
    let mut got: Vec<i64> = nodes
        .iter()
        .map(|n| n["number"].as_i64().unwrap())
        .collect();
    let mut want = changed.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    for n in nodes {
        let reviews = n["reviews"]["nodes"].as_array().unwrap();
        let last = reviews.last().unwrap();
        assert_eq!(last["author"]["login"], "late-reviewer");
        assert_eq!(last["comments"]["totalCount"], 2);
    }
}

#[test]
fn a_page_of_100_prs_is_fast() {
    let mut data = dataset().clone();
    // Grow one repository to 5,000 PRs.
    let (owner, name, _) = busiest_repo();
    let repo = format!("{owner}/{name}");
    // Copies of the repository's PRs, each with copies of its reviews, commits, events,
    // comments and files.
    let original = data.clone();
    let template: Vec<_> = original
        .pull_requests
        .iter()
        .filter(|p| p.repo == repo)
        .collect();
    let mut number = 100_000;
    while data.pull_requests.iter().filter(|p| p.repo == repo).count() < 5000 {
        for pr in &template {
            number += 1;
            let same = |r: &str, n: i64| r == pr.repo && n == pr.number;
            data.pull_requests.push(teamlens::model::PullRequest {
                number,
                ..(*pr).clone()
            });
            for r in original.reviews.iter().filter(|r| same(&r.repo, r.number)) {
                data.reviews.push(teamlens::model::Review {
                    number,
                    ..r.clone()
                });
            }
            for c in original
                .pr_commits
                .iter()
                .filter(|c| same(&c.repo, c.number))
            {
                data.pr_commits.push(teamlens::model::PrCommit {
                    number,
                    ..c.clone()
                });
            }
            for e in original
                .pr_events
                .iter()
                .filter(|e| same(&e.repo, e.number))
            {
                data.pr_events.push(teamlens::model::PrEvent {
                    number,
                    ..e.clone()
                });
            }
            for c in original.comments.iter().filter(|c| {
                c.target == "pr" && c.container == pr.repo && c.item == pr.number.to_string()
            }) {
                data.comments.push(teamlens::model::Comment {
                    item: number.to_string(),
                    ..c.clone()
                });
            }
        }
    }
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(data));
    let vars = sync(&owner, &name, 100, "PullRequests");
    let query = document("repository_sync");
    ok_json(&fake, &query, vars.clone());
    // The best of three, as the machine may be busy.
    let mut elapsed = Duration::MAX;
    let mut body = Value::Null;
    for _ in 0..3 {
        let start = Instant::now();
        body = ok_json(&fake, &query, vars.clone());
        elapsed = elapsed.min(start.elapsed());
    }
    assert!(
        body["data"]["repository"]["pullRequests"]["totalCount"]
            .as_u64()
            .unwrap()
            >= 5000
    );
    let nodes = body["data"]["repository"]["pullRequests"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(nodes.len(), 100);
    assert!(
        nodes
            .iter()
            .any(|n| !n["reviews"]["nodes"].as_array().unwrap().is_empty())
    );
    eprintln!("a page of 100 PRs of 5,000: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(300), "{elapsed:?}");
}

fn at(hour: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2026, 10, 5, hour, 0, 0)
        .unwrap()
}

/// A hand-made world with what the simulator does not produce: GitHub issues, releases, team
/// review requests, a bot's commit, a closed draft, a closing reference.
fn tiny_world() -> GitHubWorld {
    use teamlens::model::*;
    let person = |id: &str, role: &str| Person {
        person: id.into(),
        display_name: Some(id.to_uppercase()),
        team: "core".into(),
        teams: Vec::new(),
        role: role.into(),
        timezone: "UTC".into(),
        work_start_hour: None,
        work_end_hour: None,
        aliases: Vec::new(),
    };
    let pr = |number: i64, state: &str, draft: Option<bool>, ready: Option<u32>| PullRequest {
        source: "github".into(),
        repo: "acme/tiny".into(),
        number,
        author: "ben".into(),
        title: Some(format!("PR {number}")),
        url: None,
        created_at: at(1),
        ready_at: ready.map(at),
        first_commit_at: None,
        merged_at: (state == "merged").then(|| at(5)),
        closed_at: (state != "open").then(|| at(5)),
        merged_by: (state == "merged").then(|| "ana".into()),
        state: Some(state.into()),
        draft,
        additions: Some(3),
        deletions: Some(1),
        changed_files: Some(1),
        labels: vec!["x".into(), "a".into()],
        base_ref: Some("main".into()),
        is_revert: None,
        reverts_number: (number == 1).then_some(7),
        linked_issues: if number == 1 {
            vec!["acme/tiny#2".into(), "OPS-9".into()]
        } else {
            Vec::new()
        },
        updated_at: Some(at(if number == 1 { 6 } else { 4 })),
        attribution: Vec::new(),
    };
    let request = |requested: &str, removed: Option<u32>| ReviewRequest {
        source: "github".into(),
        repo: "acme/tiny".into(),
        number: 1,
        requested: requested.into(),
        requested_by: Some("ben".into()),
        requested_at: at(2),
        removed_at: removed.map(at),
    };
    let event = |kind: &str, actor: &str, hour: u32| PrEvent {
        source: "github".into(),
        repo: "acme/tiny".into(),
        number: 1,
        kind: kind.into(),
        actor: Some(actor.into()),
        at: at(hour),
    };
    let issue_event = |field: &str, from: Option<&str>, to: Option<&str>, hour: u32| IssueEvent {
        source: "github".into(),
        key: "acme/tiny#2".into(),
        at: at(hour),
        actor: "ana".into(),
        field: field.into(),
        from: from.map(Into::into),
        to: to.map(Into::into),
    };
    let data = Dataset {
        people: vec![person("ana", "manager"), person("ben", "engineer")],
        pull_requests: vec![
            pr(1, "merged", None, Some(1)),
            pr(3, "closed", Some(true), None),
        ],
        review_requests: vec![request("team:core", None), request("ana", Some(3))],
        pr_events: vec![
            event("review_requested", "ben", 2),
            event("review_requested", "ben", 2),
            event("review_request_removed", "ben", 3),
            event("merged", "ana", 5),
        ],
        pr_commits: vec![PrCommit {
            source: "github".into(),
            repo: "acme/tiny".into(),
            number: 1,
            sha: "c0ffee".into(),
            author: "dependabot[bot]".into(),
            committer: Some("web-flow".into()),
            authored_at: at(1),
            author_tz_offset_minutes: Some(120),
            is_merge: Some(true),
            message_headline: Some("Bump".into()),
            trailers: Vec::new(),
            attribution: Vec::new(),
        }],
        issues: vec![Issue {
            source: "github".into(),
            key: "acme/tiny#2".into(),
            project: Some("acme/tiny".into()),
            title: Some("Broken".into()),
            issue_type: Some("bug".into()),
            reporter: Some("ana".into()),
            assignee: Some("ben".into()),
            status: Some("closed".into()),
            status_category: Some("done".into()),
            created_at: at(1),
            started_at: None,
            resolved_at: Some(at(7)),
            reopen_count: None,
            sprint: None,
            estimate: None,
            labels: vec!["bug".into()],
            url: None,
            linked_prs: Vec::new(),
        }],
        issue_events: vec![
            issue_event("assignee", None, Some("ben"), 2),
            issue_event("labels", None, Some("bug"), 2),
            issue_event("description", None, None, 3),
            issue_event("title", Some("Broke"), Some("Broken"), 4),
            issue_event("description", None, None, 5),
            issue_event("status", Some("open"), Some("closed"), 7),
        ],
        comments: vec![
            Comment {
                source: "github".into(),
                target: "pr".into(),
                container: "acme/tiny".into(),
                item: "1".into(),
                author: "ana".into(),
                created_at: at(2),
                is_review_thread: Some(true),
            },
            Comment {
                source: "github".into(),
                target: "issue".into(),
                container: "acme/tiny".into(),
                item: "2".into(),
                author: "ben".into(),
                created_at: at(3),
                is_review_thread: None,
            },
        ],
        ..Dataset::default()
    };
    let mut world = GitHubWorld::from_dataset(data);
    world.releases.push(Release {
        repo: "acme/tiny".into(),
        tag: "v1.0".into(),
        at: at(6),
        sha: "c0ffee".into(),
    });
    world
        .closing_issues
        .insert(("acme/tiny".into(), 1), vec![("acme/tiny".into(), 2)]);
    world
}

#[test]
fn issues_releases_teams_and_bots_follow_the_mapping() {
    let fake = FakeGitHub::start(tiny_world());
    let mut vars = sync("acme", "tiny", 10, "PullRequests");
    vars["withIssues"] = json!(true);
    vars["withReleases"] = json!(true);
    let body = ok_json(&fake, &document("repository_sync"), vars);
    assert!(body.get("errors").is_none(), "{body}");
    let repo = &body["data"]["repository"];
    let prs = repo["pullRequests"]["nodes"].as_array().unwrap();
    assert_eq!(prs[0]["number"], 1, "most recently updated first");
    let pr = &prs[0];
    assert_eq!(
        pr["body"],
        "Reverts acme/tiny#7\nCloses acme/tiny#2\nCloses OPS-9"
    );
    assert_eq!(pr["isDraft"], false);
    assert_eq!(pr["mergedBy"]["login"], "ana");
    assert_eq!(pr["labels"]["nodes"], json!([{"name": "x"}, {"name": "a"}]));
    assert_eq!(
        pr["closingIssuesReferences"]["nodes"],
        json!([{"number": 2, "repository": {"nameWithOwner": "acme/tiny"}}])
    );
    let timeline: Vec<(String, Value)> = pr["timelineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["__typename"].as_str().unwrap().to_string(),
                t["requestedReviewer"].clone(),
            )
        })
        .collect();
    assert_eq!(
        timeline,
        vec![
            (
                "ReviewRequestedEvent".into(),
                json!({"__typename": "Team", "slug": "core"})
            ),
            (
                "ReviewRequestedEvent".into(),
                json!({"__typename": "User", "login": "ana"})
            ),
            (
                "ReviewRequestRemovedEvent".into(),
                json!({"__typename": "User", "login": "ana"})
            ),
            ("MergedEvent".into(), Value::Null),
        ]
    );
    let commit = &pr["commits"]["nodes"][0]["commit"];
    assert_eq!(commit["author"]["user"], Value::Null);
    assert_eq!(commit["author"]["name"], "dependabot[bot]");
    assert_eq!(
        commit["author"]["email"],
        "49699333+dependabot[bot]@users.noreply.github.com"
    );
    assert_eq!(commit["author"]["date"], "2026-10-05T03:00:00+02:00");
    assert_eq!(commit["authoredDate"], "2026-10-05T01:00:00Z");
    assert_eq!(commit["committer"]["user"]["login"], "web-flow");
    assert_eq!(commit["parents"]["totalCount"], 2);
    let draft = &prs[1];
    assert_eq!(
        (draft["isDraft"].clone(), draft["state"].clone()),
        (json!(true), json!("CLOSED"))
    );

    let issue = &repo["issues"]["nodes"][0];
    assert_eq!(issue["state"], "CLOSED");
    assert_eq!(issue["closedAt"], "2026-10-05T07:00:00Z");
    assert_eq!(issue["updatedAt"], "2026-10-05T07:00:00Z");
    assert_eq!(issue["author"]["login"], "ana");
    assert_eq!(issue["assignees"]["nodes"], json!([{"login": "ben"}]));
    let kinds: Vec<&str> = issue["timelineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "AssignedEvent",
            "LabeledEvent",
            "RenamedTitleEvent",
            "ClosedEvent"
        ]
    );
    let rename = &issue["timelineItems"]["nodes"][2];
    assert_eq!(
        (
            rename["previousTitle"].as_str(),
            rename["currentTitle"].as_str()
        ),
        (Some("Broke"), Some("Broken"))
    );
    assert_eq!(
        issue["timelineItems"]["nodes"][0]["assignee"]["login"],
        "ben"
    );
    let edits: Vec<&str> = issue["userContentEdits"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["editedAt"].as_str().unwrap())
        .collect();
    assert_eq!(edits, ["2026-10-05T05:00:00Z", "2026-10-05T03:00:00Z"]);
    assert_eq!(issue["comments"]["nodes"][0]["author"]["login"], "ben");

    let release = &repo["releases"]["nodes"][0];
    assert_eq!(release["tagName"], "v1.0");
    assert_eq!(release["tagCommit"]["oid"], "c0ffee");

    let id = issue["id"].as_str().unwrap();
    let comments = ok_json(&fake, &document("issue_comments"), json!({"id": id}));
    assert_eq!(
        comments["data"]["node"]["comments"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let count = ok_json(
        &fake,
        &document("search_count"),
        json!({"query": "repo:acme/tiny is:issue updated:>=2026-10-05T06:00:00Z"}),
    );
    assert_eq!(count["data"]["search"]["issueCount"], 1);

    let rest = fake
        .rest(TOKEN, "/repos/acme/tiny/issues/2/timeline")
        .unwrap()
        .json();
    let events: Vec<&str> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["assigned", "labeled", "renamed", "closed"]);
    let rest = fake
        .rest(TOKEN, "/repos/acme/tiny/pulls/1/commits")
        .unwrap()
        .json();
    assert_eq!(rest[0]["author"]["login"], "dependabot[bot]");
    assert_eq!(rest[0]["author"]["type"], "Bot");
    let rest = fake
        .rest(TOKEN, "/repos/acme/tiny/issues/1/timeline")
        .unwrap()
        .json();
    assert_eq!(rest[0]["requested_team"]["slug"], "core");
}

/// Every document under `queries/github` (whatever the client adds later) validates against the
/// schema and runs without errors against the fake.
#[test]
fn every_query_document_runs_against_the_fake() {
    use support::fake_github::world::b64;
    let fake = FakeGitHub::start(tiny_world());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/github");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            name.strip_suffix(".graphql").map(str::to_string)
        })
        .filter(|n| n != "fragments")
        .collect();
    names.sort();
    assert!(names.len() > 5);
    for name in names {
        let text = document(&name);
        let header = text.split('{').next().unwrap();
        let mut vars = serde_json::Map::new();
        for var in header.split('$').skip(1) {
            let var: String = var
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let value = match var.as_str() {
                "owner" | "login" => json!("acme"),
                "name" => json!("tiny"),
                "slug" => json!("platform"),
                "first" => json!(10),
                "query" => json!("repo:acme/tiny is:pr updated:>=2026-01-02T03:04:05Z"),
                "id" if text.contains("on PullRequestReviewThread") => {
                    json!(format!("PRRT_{}", b64("acme/tiny#1#0")))
                }
                "id" if text.contains("on Issue ") || text.contains("on Issue{") => {
                    json!(format!("I_{}", b64("acme/tiny#2")))
                }
                "id" => json!(format!("PR_{}", b64("acme/tiny#1"))),
                v if v.starts_with("with") => json!(true),
                _ => continue,
            };
            vars.insert(var, value);
        }
        let body = ok_json(&fake, &text, Value::Object(vars));
        assert!(body.get("errors").is_none(), "{name}: {body}");
        let data = body["data"].as_object().unwrap();
        assert!(data.values().all(|v| !v.is_null()), "{name}: {body}");
    }
}

#[test]
fn connections_honour_states_item_types_order_and_last() {
    let fake = FakeGitHub::start(tiny_world());
    let body = ok_json(
        &fake,
        r#"query {
          repository(owner: "acme", name: "tiny") {
            merged: pullRequests(first: 10, states: [MERGED]) { totalCount nodes { number } }
            oldest: pullRequests(first: 1, orderBy: {field: CREATED_AT, direction: ASC}) { nodes { number } }
            newest: pullRequests(last: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { edges { cursor node { number } } }
            pr: pullRequest(number: 1) {
              timelineItems(first: 10, itemTypes: [MERGED_EVENT]) { totalCount nodes { __typename } }
              labels(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { name } }
            }
          }
        }"#,
        json!({}),
    );
    assert!(body.get("errors").is_none(), "{body}");
    let repo = &body["data"]["repository"];
    assert_eq!(repo["merged"]["totalCount"], 1);
    assert_eq!(repo["merged"]["nodes"], json!([{"number": 1}]));
    assert_eq!(repo["oldest"]["nodes"], json!([{"number": 1}]));
    assert_eq!(repo["newest"]["edges"][0]["node"]["number"], 3);
    assert_eq!(repo["newest"]["edges"][0]["cursor"], json!(cursor(1)));
    assert_eq!(repo["pr"]["timelineItems"]["totalCount"], 1);
    let labels = &repo["pr"]["labels"];
    assert_eq!(labels["totalCount"], 2);
    assert_eq!(
        labels["pageInfo"],
        json!({"hasNextPage": true, "endCursor": cursor(0)})
    );
    let next = ok_json(
        &fake,
        "query($after: String) { repository(owner: \"acme\", name: \"tiny\") { pullRequest(number: 1) { labels(first: 5, after: $after) { nodes { name } } } } }",
        json!({"after": cursor(0)}),
    );
    assert_eq!(
        next["data"]["repository"]["pullRequest"]["labels"]["nodes"],
        json!([{"name": "a"}])
    );
    let bad = ok_json(
        &fake,
        "query { repository(owner: \"acme\", name: \"tiny\") { pullRequests(first: 5, after: \"nonsense\") { totalCount } } }",
        json!({}),
    );
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not appear to be a valid cursor"),
        "{bad}"
    );
    let missing = ok_json(
        &fake,
        "query { repository(owner: \"acme\", name: \"tiny\") { pullRequests { nodes { number } } } }",
        json!({}),
    );
    assert!(
        missing["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("You must provide a `first` or `last` value"),
        "{missing}"
    );
    let node = ok_json(
        &fake,
        "query($id: ID!) { node(id: $id) { __typename id } }",
        json!({"id": "nope"}),
    );
    assert_eq!(node["data"]["node"], Value::Null);
    assert_eq!(node["errors"][0]["type"], "NOT_FOUND");
}

/// A real HTTP client (octocrab over hyper, keep-alive) talks to the fake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn octocrab_talks_to_the_fake() {
    let fake = FakeGitHub::start(tiny_world());
    let octocrab = octocrab::Octocrab::builder()
        .base_uri(fake.api_url())
        .unwrap()
        .personal_token(TOKEN.to_string())
        .build()
        .unwrap();
    for _ in 0..3 {
        let data: Value = octocrab
            .graphql(&json!({
                "query": "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { pullRequests(first: 5) { totalCount } } }",
                "variables": {"o": "acme", "n": "tiny"},
            }))
            .await
            .unwrap();
        assert_eq!(data["repository"]["pullRequests"]["totalCount"], 2);
    }
    let pulls: Value = octocrab
        .get("/repos/acme/tiny/pulls?state=all", None::<&()>)
        .await
        .unwrap();
    assert_eq!(pulls.as_array().unwrap().len(), 2);
    let stats = fake.stats();
    assert_eq!(stats.requests, 4, "{:?}", stats.log);
    assert_eq!(stats.by_status[&200], 4);
}

/// Every PR of a simulated repository, as served, carries exactly its rows.
#[test]
fn served_pull_requests_carry_exactly_their_rows() {
    let fake = fake();
    let data = dataset();
    let (owner, name, _) = busiest_repo();
    let repo = format!("{owner}/{name}");
    let mut after = Value::Null;
    let mut checked = 0;
    loop {
        let mut vars = sync(&owner, &name, 50, "PullRequests");
        vars["pullRequestsAfter"] = after;
        let body = ok_json(&fake, &document("repository_sync"), vars);
        assert!(body.get("errors").is_none(), "{body}");
        let prs = &body["data"]["repository"]["pullRequests"];
        for node in prs["nodes"].as_array().unwrap() {
            let number = node["number"].as_i64().unwrap();
            let row = data
                .pull_requests
                .iter()
                .find(|p| p.repo == repo && p.number == number)
                .unwrap();
            let count = |n: usize| json!(n);
            let len = |v: &Value| count(v.as_array().unwrap().len());
            let reviews = data
                .reviews
                .iter()
                .filter(|r| r.repo == repo && r.number == number)
                .count();
            assert_eq!(len(&node["reviews"]["nodes"]), count(reviews.min(50)));
            let events = data
                .pr_events
                .iter()
                .filter(|e| e.repo == repo && e.number == number)
                .count();
            assert_eq!(len(&node["timelineItems"]["nodes"]), count(events.min(100)));
            let commits = data
                .pr_commits
                .iter()
                .filter(|c| c.repo == repo && c.number == number)
                .count();
            assert_eq!(len(&node["commits"]["nodes"]), count(commits.min(100)));
            let files = data
                .file_changes
                .iter()
                .filter(|f| f.repo == repo && f.number == Some(number))
                .count();
            assert_eq!(len(&node["files"]["nodes"]), count(files.min(100)));
            let (threads, plain): (Vec<_>, Vec<_>) = data
                .comments
                .iter()
                .filter(|c| c.target == "pr" && c.container == repo && c.item == number.to_string())
                .partition(|c| c.is_review_thread == Some(true));
            assert_eq!(len(&node["comments"]["nodes"]), count(plain.len().min(50)));
            let served_thread_comments: usize = node["reviewThreads"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["comments"]["nodes"].as_array().unwrap().len())
                .sum();
            if threads.len() <= 90 {
                assert_eq!(served_thread_comments, threads.len());
            }
            assert_eq!(
                node["isDraft"],
                json!(row.draft == Some(true) || row.ready_at.is_none())
            );
            assert_eq!(node["mergedAt"].is_null(), row.merged_at.is_none());
            let body_lines = node["body"].as_str().unwrap().lines().count();
            assert_eq!(
                body_lines,
                row.linked_issues.len() + usize::from(row.reverts_number.is_some())
            );
            let author = node["author"]["login"].as_str().unwrap();
            assert_eq!(author, row.author.trim_end_matches("[bot]"));
            assert_eq!(
                node["author"]["__typename"],
                if row.author.ends_with("[bot]") {
                    "Bot"
                } else {
                    "User"
                }
            );
            checked += 1;
        }
        if !prs["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = prs["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(checked, busiest_repo().2);
}
