//! `teamlens fetch github`: which repositories, one [`sync_repository`] each, what each page
//! and repository tell the observer; and `--dry-run`, which estimates the cost instead.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::auth::{self, AuthError, RealSurroundings};
use super::client::{ClientError, ClientStats, Endpoints, GitHubClient, Policy};
use super::documents::Document;
use super::normalize::SOURCE;
use super::org;
use super::sync::{
    Counts, Include, RepoOutcome, SyncContext, SyncError, repo_state, staging_dir, sync_repository,
};
use super::wire::SearchCountData;
use crate::common::repo_name::RepoName;
use crate::config::{Config, GitHubConfig};
use crate::sources::fetch::{
    Estimate, Fetch, FetchContext, FetchError, FetchSummary, Observer, rate_limit, read_so_far,
    runtime, waits_told, warnings_note,
};
use crate::sources::identities::identities;
use crate::store::Store;

const NOTHING_TO_FETCH: &str = "nothing to fetch: name repositories (`teamlens fetch github \
    OWNER/NAME`), an organisation (`--org ORG`), or list them under [github] in teamlens.toml \
    (`teamlens init --org ORG` writes one)";

/// The GitHub source of a fetch: the repositories named, and every repository of the
/// organisations named.
pub struct GitHub<'a> {
    config: &'a Config,
    repositories: Vec<String>,
    organizations: Vec<String>,
}

impl<'a> GitHub<'a> {
    pub fn new(config: &'a Config, repositories: Vec<String>, organizations: Vec<String>) -> Self {
        GitHub {
            config,
            repositories,
            organizations,
        }
    }

    /// The repositories named, as OWNER/NAME; nothing at all named is an error.
    fn named(&self) -> Result<Vec<RepoName>, FetchError> {
        let named = self
            .repositories
            .iter()
            .map(|r| RepoName::parse(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(FetchError::BadScope)?;
        if named.is_empty() && self.organizations.is_empty() {
            return Err(FetchError::NothingToFetch(NOTHING_TO_FETCH));
        }
        Ok(named)
    }

    /// Runs `then` with a client and the repositories to read (those named, then the
    /// organisations'), on a runtime of its own.
    fn connected<T>(
        &self,
        ctx: &FetchContext<'_>,
        then: impl AsyncFnOnce(&GitHubClient, &[RepoName], DateTime<Utc>) -> Result<T, FetchError>,
    ) -> Result<T, FetchError> {
        let named = self.named()?;
        let since = ctx.since_or_a_year_ago();
        runtime()?.block_on(async {
            let client = github_client(self.config, ctx.wait, ctx.observer.clone())
                .map_err(FetchError::own)?;
            let repositories = repositories(&client, &named, &self.organizations).await?;
            then(&client, &repositories, since).await
        })
    }
}

impl Fetch for GitHub<'_> {
    fn estimate(&self, ctx: &FetchContext<'_>) -> Result<Estimate, FetchError> {
        self.connected(ctx, async |client, repositories, since| {
            let store = ctx.stored()?;
            let state = store
                .as_ref()
                .and_then(|s| s.manifest().sources.get(SOURCE));
            let estimates = estimate(client, state, repositories, since, &self.config.github)
                .await
                .map_err(FetchError::own)?;
            Ok(estimate_table(&estimates, &client.stats()))
        })
    }

    fn fetch(&self, ctx: &FetchContext<'_>) -> Result<FetchSummary, FetchError> {
        self.connected(ctx, async |client, repositories, since| {
            let store = ctx.open_store()?;
            let summary =
                fetch(client, store, ctx, repositories, since, &self.config.github).await?;
            let stats = client.stats();
            let cost = format!(
                "{} requests ({} retried), {} rate-limit points{}",
                stats.requests,
                stats.retries,
                stats.points,
                match (stats.remaining, stats.limit) {
                    (Some(remaining), Some(limit)) => format!(", {remaining} of {limit} left"),
                    _ => String::new(),
                }
            );
            Ok(summary.with_totals(repositories.len(), "repositories", ctx.data_dir, cost))
        })
    }
}

/// Why a GitHub client could not be made: no credentials, or none it can use.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A GitHub client with the credentials found in the usual places, telling `observer` when it
/// waits. Must be called inside a tokio runtime.
pub fn github_client(
    config: &Config,
    wait_for_reset: bool,
    observer: Arc<dyn Observer>,
) -> Result<GitHubClient, ConnectError> {
    let endpoints = Endpoints::resolve(&config.github, |name| std::env::var(name).ok());
    let (credential, origin) =
        auth::discover(&config.github, &endpoints.api_host(), &RealSurroundings)?;
    tracing::info!(
        "GitHub at {} with the credentials from {origin}",
        endpoints.graphql_url
    );
    Ok(GitHubClient::new(
        &endpoints,
        credential,
        origin,
        Policy::from_config(&config.github, wait_for_reset),
        waits_told(&observer),
    )?)
}

/// The repositories named, then the organisations' (archived repositories and forks left
/// out), without repeats, in the order given.
pub async fn repositories(
    client: &GitHubClient,
    named: &[RepoName],
    organizations: &[String],
) -> Result<Vec<RepoName>, FetchError> {
    let mut out: Vec<RepoName> = Vec::new();
    for repo in named {
        if !out.contains(repo) {
            out.push(repo.clone());
        }
    }
    for name in organizations {
        let listed = org::repositories(client, name)
            .await
            .map_err(FetchError::own)?;
        for repository in listed {
            if !repository.archived && !repository.fork && !out.contains(&repository.name) {
                out.push(repository.name);
            }
        }
    }
    if out.is_empty() {
        return Err(FetchError::NothingToFetch(NOTHING_TO_FETCH));
    }
    Ok(out)
}

/// Fetches every repository in turn. A repository that fails is reported and the others go on,
/// except when the failure concerns them all (credentials, the hourly budget): then the fetch
/// stops, with each repository's checkpoint kept for the next run.
async fn fetch(
    client: &GitHubClient,
    store: Store,
    ctx: &FetchContext<'_>,
    repositories: &[RepoName],
    since: DateTime<Utc>,
    config: &GitHubConfig,
) -> Result<FetchSummary, FetchError> {
    let identities = identities(&store)?;
    let store = Mutex::new(store);
    let sync = SyncContext {
        client,
        store: &store,
        staging_root: ctx.staging_root(SOURCE),
        since,
        page_size: config.page_size,
        include: Include {
            issues: config.issues,
            deployments: config.deployments,
            releases: config.releases,
        },
        identities,
    };
    let page = |counts: &Counts| format!("{}; {}", describe(counts), budget(&client.stats()));
    let read = async |repo: &RepoName, on_page: &(dyn Fn(&Counts) + Sync)| {
        let outcome = sync_repository(&sync, repo, on_page).await?;
        Ok::<_, SyncError>(finished(&outcome, &client.stats()))
    };
    let staging = |repo: &RepoName| staging_dir(&sync.staging_root, repo);
    let summary = FetchSummary::new("repositories");
    let observer = ctx.observer.as_ref();
    Ok(summary
        .each_scope(
            repositories,
            observer,
            RepoName::to_string,
            staging,
            page,
            read,
        )
        .await)
}

/// `300 pull requests, 12 issues, 4 deployments (page 3)`.
fn describe(counts: &Counts) -> String {
    let read = [
        (counts.pull_requests, "pull requests"),
        (counts.issues, "issues"),
        (counts.deployments, "deployments"),
    ];
    read_so_far(&read, counts.pages)
}

/// `rate limit 4812 of 5000 points left`, when GitHub has said.
fn budget(stats: &ClientStats) -> String {
    rate_limit(stats.remaining, stats.limit, "points")
}

/// A repository's finished line; GitHub's errors beside the data are logged (`-v`).
fn finished(outcome: &RepoOutcome, stats: &ClientStats) -> String {
    let done = format!("done: {}; {}", describe(&outcome.counts), budget(stats));
    let shown = outcome.repo.to_string();
    done + &warnings_note("GitHub", &shown, &outcome.warnings)
}

/// The dry run's table: a row per repository, the totals, and what the estimate cost.
fn estimate_table(estimates: &[RepoEstimate], stats: &ClientStats) -> Estimate {
    let columns = [
        "repository",
        "PRs to read",
        "issues to read",
        "requests",
        "points",
    ];
    let mut table = Estimate::new(&columns);
    for e in estimates {
        let points = e.points();
        table.row(&[&e.repo, &e.pull_requests, &e.issues, &e.requests, &points]);
    }
    let requests: i64 = estimates.iter().map(|e| e.requests).sum();
    let points: i64 = estimates.iter().map(|e| e.points()).sum();
    let left = match (stats.remaining, stats.limit) {
        (Some(remaining), Some(limit)) => format!("; {remaining} of {limit} points left this hour"),
        _ => String::new(),
    };
    table.totals = vec![
        format!(
            "total: about {requests} requests and {points} points, plus one request per PR or \
             issue with more than 100 timeline items, commits or files{left}"
        ),
        format!("(the estimate itself took {} requests)", stats.requests),
    ];
    table
}

/// What `--dry-run` expects one repository's fetch to cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoEstimate {
    pub repo: RepoName,
    /// PRs and issues updated since the repository's mark (or `--since`).
    pub pull_requests: i64,
    pub issues: i64,
    /// `RepositorySync` requests: one per page of the longer of the two streams.
    pub requests: i64,
    /// Points GitHub says one such request costs (its `rateLimit(dryRun: true)`).
    pub points_per_request: i64,
}

impl RepoEstimate {
    pub fn points(&self) -> i64 {
        self.requests * self.points_per_request
    }
}

/// Estimates each repository's fetch with two searches (counts only, so the search API's
/// 1,000-result cap does not matter) and a dry run of the first request.
pub async fn estimate(
    client: &GitHubClient,
    source_state: Option<&serde_json::Value>,
    repositories: &[RepoName],
    since: DateTime<Utc>,
    config: &GitHubConfig,
) -> Result<Vec<RepoEstimate>, ClientError> {
    let mut out = Vec::new();
    for repo in repositories {
        let state = repo_state(source_state, repo);
        let count = |kind: &str, mark: Option<DateTime<Utc>>| {
            let from = mark.unwrap_or(since).format("%Y-%m-%dT%H:%M:%SZ");
            format!("repo:{repo} is:{kind} updated:>={from}")
        };
        let pull_requests = search_count(client, &count("pr", state.marks.pull_requests)).await?;
        let issues = if config.issues {
            search_count(client, &count("issue", state.marks.issues)).await?
        } else {
            0
        };
        let page = i64::from(config.page_size);
        let pages = ((pull_requests.max(issues) + page - 1) / page).max(1);
        let dry = client
            .query(
                Document::RepositorySync,
                json!({
                    "owner": repo.owner, "name": repo.name, "first": config.page_size,
                    "withPullRequests": true, "withIssues": config.issues,
                    "withDeployments": config.deployments, "withReleases": config.releases,
                    "dryRun": true,
                }),
            )
            .await?;
        let points_per_request = dry
            .data
            .pointer("/rateLimit/cost")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(1);
        out.push(RepoEstimate {
            repo: repo.clone(),
            pull_requests,
            issues,
            requests: pages,
            points_per_request,
        });
    }
    Ok(out)
}

async fn search_count(client: &GitHubClient, query: &str) -> Result<i64, ClientError> {
    let answer = client
        .query(Document::SearchCount, json!({ "query": query }))
        .await?;
    let data: Option<SearchCountData> = serde_json::from_value(answer.data).ok();
    Ok(data.map_or(0, |d| d.search.issue_count))
}
