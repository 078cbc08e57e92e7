//! A whole `teamlens fetch github` run: which repositories, one [`sync_repository`] each, and
//! what to tell the user as it goes; and `--dry-run`, which estimates the cost instead.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::client::{ClientError, ClientStats, GitHubClient};
use super::documents::Document;
use super::normalize::SOURCE;
use super::org::{self, OrgError};
use super::sync::{
    Counts, Include, RepoOutcome, SyncContext, SyncError, checkpoint_path, repo_state, staging_dir,
    sync_repository,
};
use super::wire::SearchCountData;
use crate::common::repo_name::RepoName;
use crate::config::GitHubConfig;
use crate::sources::identities::identities;
use crate::store::{Store, StoreError};

/// What the user asked to fetch.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub repositories: Vec<RepoName>,
    pub organizations: Vec<String>,
    pub since: DateTime<Utc>,
}

/// Told what happens, so the command line can show progress bars or log lines.
pub trait Observer: Sync {
    fn repository_started(&self, repo: &RepoName, resumed_hint: bool);
    fn page(&self, repo: &RepoName, counts: &Counts, stats: &ClientStats);
    fn waiting(&self, message: &str);
    fn repository_finished(&self, outcome: &RepoOutcome, stats: &ClientStats);
    fn repository_failed(&self, repo: &RepoName, error: &SyncError);
}

/// What a fetch did, repository by repository.
#[derive(Debug, Default)]
pub struct FetchSummary {
    pub outcomes: Vec<RepoOutcome>,
    pub failures: Vec<SyncError>,
    pub stats: ClientStats,
    /// The repositories were all given; nothing stopped early.
    pub complete: bool,
}

/// Why a fetch could not start or had to stop for every repository.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "nothing to fetch: name repositories (`teamlens fetch github OWNER/NAME`), an organisation \
         (`--org ORG`), or list them under [github] in teamlens.toml (`teamlens init --org ORG` \
         writes one)"
    )]
    NothingToFetch,
    #[error(transparent)]
    Org(#[from] OrgError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The repositories a request names, organisations expanded (archived repositories and forks
/// left out), without repeats, in the order given.
pub async fn repositories(
    client: &GitHubClient,
    request: &FetchRequest,
) -> Result<Vec<RepoName>, FetchError> {
    let mut out: Vec<RepoName> = Vec::new();
    for repo in &request.repositories {
        if !out.contains(repo) {
            out.push(repo.clone());
        }
    }
    for name in &request.organizations {
        for repository in org::repositories(client, name).await? {
            if !repository.archived && !repository.fork && !out.contains(&repository.name) {
                out.push(repository.name);
            }
        }
    }
    if out.is_empty() {
        return Err(FetchError::NothingToFetch);
    }
    Ok(out)
}

/// Fetches every repository in turn. A repository that fails is reported and the others go on,
/// except when the failure concerns them all (credentials, the hourly budget): then the fetch
/// stops, with each repository's checkpoint kept for the next run.
pub async fn fetch(
    client: &GitHubClient,
    store: Store,
    data_dir: &Path,
    repositories: &[RepoName],
    since: DateTime<Utc>,
    config: &GitHubConfig,
    observer: &dyn Observer,
) -> Result<FetchSummary, FetchError> {
    let identities = identities(&store)?;
    let store = Mutex::new(store);
    let ctx = SyncContext {
        client,
        store: &store,
        staging_root: data_dir.join("staging").join(SOURCE),
        since,
        page_size: config.page_size,
        include: Include {
            issues: config.issues,
            deployments: config.deployments,
            releases: config.releases,
        },
        identities,
    };
    let mut summary = FetchSummary {
        complete: true,
        ..FetchSummary::default()
    };
    let on_page = |repo: &RepoName, counts: &Counts| observer.page(repo, counts, &client.stats());
    for repo in repositories {
        let resumed_hint = checkpoint_path(&staging_dir(&ctx.staging_root, repo)).exists();
        observer.repository_started(repo, resumed_hint);
        match sync_repository(&ctx, repo, &on_page).await {
            Ok(outcome) => {
                observer.repository_finished(&outcome, &client.stats());
                summary.outcomes.push(outcome);
            }
            Err(error) => {
                observer.repository_failed(repo, &error);
                let stops_all = matches!(
                    &error,
                    SyncError::Client {
                        source: ClientError::Unauthorized { .. }
                            | ClientError::RateLimited { .. }
                            | ClientError::Network { .. },
                        ..
                    } | SyncError::Store(_)
                );
                summary.failures.push(error);
                if stops_all {
                    summary.complete = false;
                    break;
                }
            }
        }
    }
    summary.stats = client.stats();
    Ok(summary)
}

/// What `--dry-run` expects one repository's fetch to cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub repo: RepoName,
    /// PRs and issues updated since the repository's mark (or `--since`).
    pub pull_requests: i64,
    pub issues: i64,
    /// `RepositorySync` requests: one per page of the longer of the two streams.
    pub requests: i64,
    /// Points GitHub says one such request costs (its `rateLimit(dryRun: true)`).
    pub points_per_request: i64,
}

impl Estimate {
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
) -> Result<Vec<Estimate>, ClientError> {
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
        out.push(Estimate {
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
