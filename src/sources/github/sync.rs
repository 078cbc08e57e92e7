//! One repository's fetch: incremental, resumable, checkpointed after every page.
//!
//! **Incremental.** Pull requests and issues are read most recently updated first, deployments
//! and releases newest first, and reading stops at the first item older than the high-water
//! mark of the last fetch (or `--since` on the first). An old PR updated since is therefore read
//! again, and its rows are replaced, not duplicated ([`crate::store::Store::merge`]). With
//! nothing new, the whole check is one request.
//!
//! **Resumable.** Each page's normalized rows are written to
//! `<data>/staging/github/<owner>/<name>/page-NNNNNN.json` and then the checkpoint (cursors, the
//! marks being raised, pages written) is replaced, both atomically. Nothing reaches the store
//! until the repository is read to the end; then one atomic commit merges every staged page and
//! records the new marks with the run's id, and the staging folder is removed. A process killed
//! at any moment leaves the store as it was plus a checkpoint to continue from; a kill after the
//! commit is recognised by the run id and the stale staging folder is dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use polars::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{Answer, ClientError, GitHubClient};
use super::documents::Document;
use super::normalize::{self, SOURCE};
use super::wire::{Connection, IssueNode, PullRequestNode, RepositorySyncData};
use crate::common::repo_name::RepoName;
use crate::model::{Dataset, Deployment, Table};
use crate::sources::fetch::{ScopeError, lock};
use crate::sources::identities::Identities;
pub use crate::sources::staging::checkpoint_path;
use crate::sources::staging::{
    StagingError, read_checkpoint, read_pages, remove_dir, sanitize, write_checkpoint, write_page,
};
use crate::store::{Replacement, Store, StoreError};

/// Deployments are read again this far before the last one seen: their status may still change.
const DEPLOYMENT_SETTLE: Duration = Duration::days(1);
/// Releases are dated by publication but listed by creation; a draft may wait this long.
const RELEASE_DRAFT_WINDOW: Duration = Duration::days(30);

/// Why a repository's fetch stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{repo}: {source}")]
    Client {
        repo: RepoName,
        #[source]
        source: ClientError,
    },
    #[error(
        "{repo}: not found on GitHub, or not visible to the credentials from {origin}: check the \
         name and that the token can read it"
    )]
    NotFound { repo: RepoName, origin: String },
    #[error(
        "{repo}: GitHub's answer to {operation} did not have the expected shape: {message}; nothing from it was stored. Run the fetch again to resume; if this repeats, report it with the output of -vv"
    )]
    Shape {
        repo: RepoName,
        operation: &'static str,
        message: String,
    },
    #[error("{repo}: GitHub reported errors and no data for {operation}: {message}")]
    Query {
        repo: RepoName,
        operation: &'static str,
        message: String,
    },
    #[error(
        "{path}: the fetch checkpoint is damaged ({message}); delete {dir} to start this repository's fetch over"
    )]
    Checkpoint {
        path: PathBuf,
        dir: PathBuf,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ScopeError for SyncError {
    fn is_resumable(&self) -> bool {
        matches!(self, SyncError::Client { .. } | SyncError::Query { .. })
    }

    /// The credentials, the hourly budget and the network are every repository's; so is the
    /// store.
    fn stops_all(&self) -> bool {
        match self {
            SyncError::Client { source, .. } => source.is_global(),
            other => matches!(other, SyncError::Store(_)),
        }
    }
}

/// What a fetch reads besides pull requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Include {
    pub issues: bool,
    pub deployments: bool,
    pub releases: bool,
}

/// What every repository's fetch shares.
pub struct SyncContext<'a> {
    pub client: &'a GitHubClient,
    pub store: &'a Mutex<Store>,
    /// `<data>/staging/github`.
    pub staging_root: PathBuf,
    /// How far back a first fetch reaches.
    pub since: DateTime<Utc>,
    pub page_size: u32,
    pub include: Include,
    pub identities: Identities,
}

/// Counts of what one repository's fetch read, for the progress line and the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub pull_requests: usize,
    pub issues: usize,
    pub deployments: usize,
    pub pages: u32,
}

/// What one repository's fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoOutcome {
    pub repo: RepoName,
    pub counts: Counts,
    /// The fetch continued a checkpoint left by an interrupted run.
    pub resumed: bool,
    /// GraphQL errors GitHub reported beside the data that was kept.
    pub warnings: Vec<String>,
}

/// Where each connection stops: items older than these are already stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Marks {
    pub pull_requests: Option<DateTime<Utc>>,
    pub issues: Option<DateTime<Utc>>,
    pub deployments: Option<DateTime<Utc>>,
    pub releases: Option<DateTime<Utc>>,
}

impl Marks {
    fn raise(slot: &mut Option<DateTime<Utc>>, seen: DateTime<Utc>) {
        if slot.is_none_or(|current| seen > current) {
            *slot = Some(seen);
        }
    }
}

/// What the manifest keeps per repository under the `github` source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepoState {
    /// The newest item of each connection stored so far.
    pub marks: Marks,
    pub default_branch: Option<String>,
    /// The run whose pages were committed last.
    pub last_run: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    /// The earliest `--since` a fetch of this repository started from: nothing older was read,
    /// so a repair never rewinds past it (and never adds what the first fetch left out).
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
}

/// Rewinds the marks of every repository in the `github` source state so that the next fetch
/// reads again every item updated since `from` (or, with `None`, everything since the
/// repository's first `--since`): what `teamlens fetch --repair` does when a file holding
/// GitHub rows of that month (or of any month) was lost. A PR's rows all carry times at or
/// before its `updatedAt`, so re-reading the items updated since the start of a month brings
/// back every row of that month's partitions; the merge replaces them by key, so the rows
/// still stored are not duplicated.
pub fn rewind(source_state: &mut Value, from: Option<DateTime<Utc>>) {
    let Some(Value::Object(repositories)) = source_state.get_mut("repositories") else {
        return;
    };
    for value in repositories.values_mut() {
        let Ok(mut state) = serde_json::from_value::<RepoState>(value.clone()) else {
            continue;
        };
        let floor = match (from, state.since) {
            (Some(from), Some(since)) => Some(from.max(since)),
            (from, since) => from.or(since),
        };
        let marks = &mut state.marks;
        for mark in [
            &mut marks.pull_requests,
            &mut marks.issues,
            &mut marks.deployments,
            &mut marks.releases,
        ] {
            // No floor at all (a state from before `since` was kept): read from the repair's
            // own `--since`.
            *mark = mark.zip(floor).map(|(current, floor)| current.min(floor));
        }
        if let Ok(rewound) = serde_json::to_value(&state) {
            *value = rewound;
        }
    }
}

/// Reads a repository's state from the `github` source state of the manifest.
pub fn repo_state(source_state: Option<&Value>, repo: &RepoName) -> RepoState {
    source_state
        .and_then(|s| s.get("repositories"))
        .and_then(|r| r.get(repo.to_string()))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stream {
    PullRequests,
    Issues,
    Deployments,
    Releases,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Cursor {
    after: Option<String>,
    done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    run: String,
    started_at: DateTime<Utc>,
    /// Items older than these end their stream.
    bounds: Marks,
    /// The streams this run reads (issues, deployments and releases can be turned off).
    wanted: BTreeSet<Stream>,
    cursors: BTreeMap<Stream, Cursor>,
    /// The newest items seen in this run: the marks once it is committed.
    newest: Marks,
    default_branch: Option<String>,
    pages: u32,
    counts: Counts,
    warnings: Vec<String>,
}

/// Fetches one repository to the end and merges it into the store; `on_page` is told after
/// every checkpointed page.
pub async fn sync_repository(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    on_page: &(dyn Fn(&Counts) + Sync),
) -> Result<RepoOutcome, SyncError> {
    let dir = staging_dir(&ctx.staging_root, repo);
    let state = {
        let store = lock(ctx.store);
        repo_state(store.manifest().sources.get(SOURCE), repo)
    };
    let (mut checkpoint, resumed) = match read_checkpoint::<Checkpoint>(&dir)? {
        Some(checkpoint) if state.last_run.as_deref() != Some(checkpoint.run.as_str()) => {
            (checkpoint, true)
        }
        stale => {
            if stale.is_some() {
                remove_dir(&dir)?;
            }
            (new_checkpoint(ctx, &state), false)
        }
    };

    let mut first = ctx.page_size;
    while checkpoint.cursors.values().any(|c| !c.done) {
        let variables = sync_variables(repo, first, &checkpoint);
        let answer = match ctx.client.query(Document::RepositorySync, variables).await {
            Ok(answer) => answer,
            Err(ClientError::Server { status, .. })
                if matches!(status, 502 | 504) && first > 10 =>
            {
                // Large pages of large PRs can time out on GitHub's side: ask for fewer.
                first = (first / 2).max(10);
                continue;
            }
            Err(source) => {
                return Err(SyncError::Client {
                    repo: repo.clone(),
                    source,
                });
            }
        };
        let page = read_page(ctx, repo, &mut checkpoint, answer).await?;
        checkpoint.pages += 1;
        checkpoint.counts.pages = checkpoint.pages;
        write_page(&dir, checkpoint.pages, &page)?;
        write_checkpoint(&dir, &checkpoint)?;
        on_page(&checkpoint.counts);
    }

    commit(ctx, repo, &dir, &checkpoint, &state)?;
    remove_dir(&dir)?;
    Ok(RepoOutcome {
        repo: repo.clone(),
        counts: checkpoint.counts,
        resumed,
        warnings: checkpoint.warnings,
    })
}

fn new_checkpoint(ctx: &SyncContext<'_>, state: &RepoState) -> Checkpoint {
    let started_at = Utc::now();
    let marks = &state.marks;
    let bounds = Marks {
        pull_requests: Some(marks.pull_requests.unwrap_or(ctx.since)),
        issues: Some(marks.issues.unwrap_or(ctx.since)),
        deployments: Some(
            marks
                .deployments
                .map_or(ctx.since, |m| m - DEPLOYMENT_SETTLE),
        ),
        releases: Some(marks.releases.unwrap_or(ctx.since)),
    };
    let mut cursors = BTreeMap::new();
    let mut wanted_streams = BTreeSet::new();
    for (stream, wanted) in [
        (Stream::PullRequests, true),
        (Stream::Issues, ctx.include.issues),
        (Stream::Deployments, ctx.include.deployments),
        (Stream::Releases, ctx.include.releases),
    ] {
        cursors.insert(
            stream,
            Cursor {
                after: None,
                done: !wanted,
            },
        );
        if wanted {
            wanted_streams.insert(stream);
        }
    }
    Checkpoint {
        run: format!("{}", started_at.format("%Y%m%dT%H%M%S%.6fZ")),
        started_at,
        bounds,
        wanted: wanted_streams,
        cursors,
        newest: state.marks.clone(),
        default_branch: state.default_branch.clone(),
        pages: 0,
        counts: Counts::default(),
        warnings: Vec::new(),
    }
}

fn sync_variables(repo: &RepoName, first: u32, checkpoint: &Checkpoint) -> Value {
    let cursor = |stream| checkpoint.cursors.get(&stream).cloned().unwrap_or_default();
    let (prs, issues, deployments, releases) = (
        cursor(Stream::PullRequests),
        cursor(Stream::Issues),
        cursor(Stream::Deployments),
        cursor(Stream::Releases),
    );
    json!({
        "owner": repo.owner,
        "name": repo.name,
        "first": first,
        "withPullRequests": !prs.done,
        "pullRequestsAfter": prs.after,
        "withIssues": !issues.done,
        "issuesAfter": issues.after,
        "withDeployments": !deployments.done,
        "deploymentsAfter": deployments.after,
        "withReleases": !releases.done,
        "releasesAfter": releases.after,
    })
}

/// Turns one `RepositorySync` answer into normalized rows, following every overflowing
/// connection of its PRs and issues, and advances the checkpoint's cursors.
async fn read_page(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    checkpoint: &mut Checkpoint,
    answer: Answer,
) -> Result<Dataset, SyncError> {
    let operation = Document::RepositorySync.operation_name();
    let not_found = answer
        .errors
        .iter()
        .any(|e| e.kind.as_deref() == Some("NOT_FOUND"));
    let data: RepositorySyncData = decode(repo, operation, answer.data)?;
    let Some(repository) = data.repository else {
        if not_found {
            return Err(SyncError::NotFound {
                repo: repo.clone(),
                origin: ctx.client.origin().to_string(),
            });
        }
        return Err(SyncError::Query {
            repo: repo.clone(),
            operation,
            message: error_text(&answer.errors),
        });
    };
    note_warnings(checkpoint, &answer.errors);
    if let Some(branch) = repository.default_branch_ref {
        checkpoint.default_branch = Some(branch.name);
    }
    let repo_text = repo.to_string();
    let mut page = Dataset::default();

    if let Some(connection) = repository.pull_requests {
        let bound = checkpoint.bounds.pull_requests;
        let next = connection.next_cursor().map(str::to_string);
        let mut reached_bound = false;
        let mut numbers = BTreeSet::new();
        for node in connection.into_items() {
            if bound.is_some_and(|b| node.updated_at < b) {
                reached_bound = true;
                break;
            }
            if !numbers.insert(node.number) {
                checkpoint.warnings.push(format!(
                    "PR #{} twice in one page; the first kept",
                    node.number
                ));
                continue;
            }
            Marks::raise(&mut checkpoint.newest.pull_requests, node.updated_at);
            let node = complete_pull_request(ctx, repo, node, &mut checkpoint.warnings).await?;
            let mut rows = normalize::pull_request(&repo_text, node, &ctx.identities);
            if let Some(pr) = rows.pull_request.as_mut() {
                let notes = normalize::repair_times(pr, Utc::now());
                checkpoint.warnings.extend(notes);
            }
            checkpoint.counts.pull_requests += 1;
            page.pull_requests.extend(rows.pull_request);
            page.reviews.extend(rows.reviews);
            page.review_requests.extend(rows.review_requests);
            page.pr_events.extend(rows.events);
            page.pr_commits.extend(rows.commits);
            page.comments.extend(rows.comments);
            page.file_changes.extend(rows.files);
        }
        advance(checkpoint, Stream::PullRequests, next, reached_bound);
    }

    if let Some(connection) = repository.issues {
        let bound = checkpoint.bounds.issues;
        let next = connection.next_cursor().map(str::to_string);
        let mut reached_bound = false;
        for node in connection.into_items() {
            if bound.is_some_and(|b| node.updated_at < b) {
                reached_bound = true;
                break;
            }
            Marks::raise(&mut checkpoint.newest.issues, node.updated_at);
            let node = complete_issue(ctx, repo, node, &mut checkpoint.warnings).await?;
            let rows = normalize::issue(&repo_text, node, &ctx.identities);
            checkpoint.counts.issues += 1;
            page.issues.push(rows.issue);
            page.issue_events.extend(rows.events);
            page.comments.extend(rows.comments);
        }
        advance(checkpoint, Stream::Issues, next, reached_bound);
    }

    if let Some(connection) = repository.deployments {
        let bound = checkpoint.bounds.deployments;
        let next = connection.next_cursor().map(str::to_string);
        let mut reached_bound = false;
        for node in connection.into_items() {
            if bound.is_some_and(|b| node.created_at < b) {
                reached_bound = true;
                break;
            }
            Marks::raise(&mut checkpoint.newest.deployments, node.created_at);
            checkpoint.counts.deployments += 1;
            page.deployments
                .push(normalize::deployment(&repo_text, node));
        }
        advance(checkpoint, Stream::Deployments, next, reached_bound);
    }

    if let Some(connection) = repository.releases {
        let bound = checkpoint.bounds.releases;
        let next = connection.next_cursor().map(str::to_string);
        let mut reached_bound = false;
        for node in connection.into_items() {
            if bound.is_some_and(|b| node.created_at < b - RELEASE_DRAFT_WINDOW) {
                reached_bound = true;
                break;
            }
            Marks::raise(&mut checkpoint.newest.releases, node.created_at);
            if let Some(release) = normalize::release(&repo_text, node)
                && bound.is_none_or(|b| release.at >= b)
            {
                checkpoint.counts.deployments += 1;
                page.deployments.push(release);
            }
        }
        advance(checkpoint, Stream::Releases, next, reached_bound);
    }
    Ok(page)
}

fn advance(checkpoint: &mut Checkpoint, stream: Stream, next: Option<String>, reached_bound: bool) {
    let cursor = checkpoint.cursors.entry(stream).or_default();
    match next {
        Some(after) if !reached_bound => cursor.after = Some(after),
        _ => cursor.done = true,
    }
}

fn note_warnings(checkpoint: &mut Checkpoint, errors: &[super::client::GraphqlError]) {
    for error in errors {
        let path = error.path_text();
        checkpoint.warnings.push(if path.is_empty() {
            error.message.clone()
        } else {
            format!("{path}: {}", error.message)
        });
    }
}

fn error_text(errors: &[super::client::GraphqlError]) -> String {
    if errors.is_empty() {
        return "no repository in the answer".into();
    }
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn decode<T: DeserializeOwned>(
    repo: &RepoName,
    operation: &'static str,
    data: Value,
) -> Result<T, SyncError> {
    serde_json::from_value(data).map_err(|e| SyncError::Shape {
        repo: repo.clone(),
        operation,
        message: e.to_string(),
    })
}

/// Reads the rest of one connection of a node (`node(id:) { … on Type { field(after:) } }`),
/// starting after `after` (or from the start), appending to `items`.
async fn follow<T: DeserializeOwned>(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    (document, id, field): (Document, &str, &str),
    mut after: Option<String>,
    items: &mut Vec<Option<T>>,
    warnings: &mut Vec<String>,
) -> Result<(), SyncError> {
    let operation = document.operation_name();
    loop {
        let answer = ctx
            .client
            .query(document, json!({ "id": id, "after": after }))
            .await
            .map_err(|source| SyncError::Client {
                repo: repo.clone(),
                source,
            })?;
        for error in &answer.errors {
            warnings.push(format!("{operation} {id}: {}", error.message));
        }
        let node = answer.data.get("node").cloned().unwrap_or(Value::Null);
        let Some(connection) = node.get(field).filter(|c| !c.is_null()) else {
            // The item went away (or GitHub could not load this part): keep what was read.
            return Ok(());
        };
        let page: Connection<T> = decode(repo, operation, connection.clone())?;
        after = page.next_cursor().map(str::to_string);
        items.extend(page.nodes);
        if after.is_none() {
            return Ok(());
        }
    }
}

/// Where a connection of a node must be read on from: `Some(None)` from the start (GitHub
/// nulled it with an error), `Some(Some(c))` after `c`, `None` when it is complete.
fn rest_of<T>(connection: &Option<Connection<T>>) -> Option<Option<String>> {
    match connection {
        None => Some(None),
        Some(c) => c.next_cursor().map(|cursor| Some(cursor.to_string())),
    }
}

/// Reads the rest of one connection of a node in place (from the start when GitHub nulled it).
async fn complete<T: DeserializeOwned>(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    target: (Document, &str, &str),
    connection: &mut Option<Connection<T>>,
    warnings: &mut Vec<String>,
) -> Result<(), SyncError> {
    if let Some(after) = rest_of(connection) {
        let mut whole = connection.take().unwrap_or_default();
        follow(ctx, repo, target, after, &mut whole.nodes, warnings).await?;
        whole.page_info = None;
        *connection = Some(whole);
    }
    Ok(())
}

async fn complete_pull_request(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    mut node: PullRequestNode,
    warnings: &mut Vec<String>,
) -> Result<PullRequestNode, SyncError> {
    let id = node.id.clone();
    let id = id.as_str();
    use Document::*;
    complete(
        ctx,
        repo,
        (PullRequestReviews, id, "reviews"),
        &mut node.reviews,
        warnings,
    )
    .await?;
    let threads = (PullRequestReviewThreads, id, "reviewThreads");
    complete(ctx, repo, threads, &mut node.review_threads, warnings).await?;
    let comments = (PullRequestComments, id, "comments");
    complete(ctx, repo, comments, &mut node.comments, warnings).await?;
    let timeline = (PullRequestTimeline, id, "timelineItems");
    complete(ctx, repo, timeline, &mut node.timeline_items, warnings).await?;
    complete(
        ctx,
        repo,
        (PullRequestCommits, id, "commits"),
        &mut node.commits,
        warnings,
    )
    .await?;
    complete(
        ctx,
        repo,
        (PullRequestFiles, id, "files"),
        &mut node.files,
        warnings,
    )
    .await?;
    if let Some(threads) = node.review_threads.as_mut() {
        for thread in threads.nodes.iter_mut().flatten() {
            let target = (ReviewThreadComments, thread.id.as_str(), "comments");
            complete(ctx, repo, target, &mut thread.comments, warnings).await?;
        }
    }
    Ok(node)
}

async fn complete_issue(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    mut node: IssueNode,
    warnings: &mut Vec<String>,
) -> Result<IssueNode, SyncError> {
    let id = node.id.clone();
    let id = id.as_str();
    use Document::*;
    let timeline = (IssueTimeline, id, "timelineItems");
    complete(ctx, repo, timeline, &mut node.timeline_items, warnings).await?;
    let edits = (IssueEdits, id, "userContentEdits");
    complete(ctx, repo, edits, &mut node.user_content_edits, warnings).await?;
    complete(
        ctx,
        repo,
        (IssueComments, id, "comments"),
        &mut node.comments,
        warnings,
    )
    .await?;
    Ok(node)
}

/// Merges every staged page of a finished run into the store, in one commit with the new marks.
fn commit(
    ctx: &SyncContext<'_>,
    repo: &RepoName,
    dir: &Path,
    checkpoint: &Checkpoint,
    previous: &RepoState,
) -> Result<(), SyncError> {
    let pages = read_pages(dir, checkpoint.pages)?;
    let staged = latest_versions(pages);
    let repo_text = repo.to_string();
    let mut store = lock(ctx.store);

    let pr_numbers: BTreeSet<i64> = staged.pull_requests.iter().map(|p| p.number).collect();
    let issue_keys: BTreeSet<String> = staged.issues.iter().map(|i| i.key.clone()).collect();
    let issue_numbers: Vec<String> = issue_keys
        .iter()
        .filter_map(|k| k.rsplit_once('#').map(|(_, n)| n.to_string()))
        .collect();
    let numbers = lit(Series::new(
        "numbers".into(),
        pr_numbers.iter().copied().collect::<Vec<_>>(),
    ))
    .implode(true);
    let number_texts = lit(Series::new(
        "items".into(),
        pr_numbers.iter().map(i64::to_string).collect::<Vec<_>>(),
    ))
    .implode(true);
    let keys = lit(Series::new(
        "keys".into(),
        issue_keys.iter().cloned().collect::<Vec<_>>(),
    ))
    .implode(true);
    let issue_items = lit(Series::new("items".into(), issue_numbers)).implode(true);
    let ours = || col("source").eq(lit(SOURCE));
    let this_repo = || ours().and(col("repo").eq(lit(repo_text.clone())));
    let these_prs = || this_repo().and(col("number").is_in(numbers.clone(), false));

    let deployments = deployments_after_merge(&store, repo, &staged, checkpoint, previous)?;
    let frame = |result: PolarsResult<DataFrame>, table: &str| {
        result.map_err(|source| StoreError::Polars {
            context: format!("preparing {table} of {repo}"),
            source,
        })
    };
    use crate::model::{
        Comment, Deployment as DeploymentRow, FileChange, Issue, IssueEvent, PrCommit, PrEvent,
        PullRequest, Review, ReviewRequest,
    };
    let replacements = vec![
        Replacement {
            table: PullRequest::NAME,
            remove: these_prs(),
            rows: frame(PullRequest::to_frame(staged.pull_requests), "pull requests")?,
        },
        Replacement {
            table: Review::NAME,
            remove: these_prs(),
            rows: frame(Review::to_frame(staged.reviews), "reviews")?,
        },
        Replacement {
            table: ReviewRequest::NAME,
            remove: these_prs(),
            rows: frame(
                ReviewRequest::to_frame(staged.review_requests),
                "review requests",
            )?,
        },
        Replacement {
            table: PrEvent::NAME,
            remove: these_prs(),
            rows: frame(PrEvent::to_frame(staged.pr_events), "timeline events")?,
        },
        Replacement {
            table: PrCommit::NAME,
            remove: these_prs(),
            rows: frame(PrCommit::to_frame(staged.pr_commits), "commits")?,
        },
        Replacement {
            table: FileChange::NAME,
            remove: these_prs(),
            rows: frame(FileChange::to_frame(staged.file_changes), "files")?,
        },
        Replacement {
            table: Comment::NAME,
            remove: ours().and(col("container").eq(lit(repo_text.clone()))).and(
                (col("target")
                    .eq(lit("pr"))
                    .and(col("item").is_in(number_texts, false)))
                .or(col("target")
                    .eq(lit("issue"))
                    .and(col("item").is_in(issue_items, false))),
            ),
            rows: frame(Comment::to_frame(staged.comments), "comments")?,
        },
        Replacement {
            table: Issue::NAME,
            remove: ours().and(col("key").is_in(keys.clone(), false)),
            rows: frame(Issue::to_frame(staged.issues), "issues")?,
        },
        Replacement {
            table: IssueEvent::NAME,
            remove: ours().and(col("key").is_in(keys, false)),
            rows: frame(IssueEvent::to_frame(staged.issue_events), "issue events")?,
        },
        Replacement {
            table: DeploymentRow::NAME,
            remove: this_repo(),
            rows: frame(DeploymentRow::to_frame(deployments), "deployments")?,
        },
    ];

    let mut source_state = store
        .manifest()
        .sources
        .get(SOURCE)
        .cloned()
        .unwrap_or_else(|| json!({}));
    let state = RepoState {
        marks: checkpoint.newest.clone(),
        default_branch: checkpoint.default_branch.clone(),
        last_run: Some(checkpoint.run.clone()),
        fetched_at: Some(checkpoint.started_at),
        since: Some(previous.since.map_or(ctx.since, |s| s.min(ctx.since))),
    };
    if !source_state.is_object() {
        source_state = json!({});
    }
    let repositories = source_state
        .as_object_mut()
        .map(|o| o.entry("repositories").or_insert_with(|| json!({})));
    if let Some(Value::Object(repositories)) = repositories {
        repositories.insert(
            repo_text,
            serde_json::to_value(&state).unwrap_or(Value::Null),
        );
    }
    store.merge(replacements, Some((SOURCE, source_state)))?;
    Ok(())
}

/// The repository's deployments once this run is merged: the stored ones outside the re-read
/// window, the ones just read, and for each the PRs it shipped.
fn deployments_after_merge(
    store: &Store,
    repo: &RepoName,
    staged: &Dataset,
    checkpoint: &Checkpoint,
    previous: &RepoState,
) -> Result<Vec<Deployment>, SyncError> {
    let repo_text = repo.to_string();
    let stored = store
        .scan(Deployment::NAME)?
        .filter(
            col("source")
                .eq(lit(SOURCE))
                .and(col("repo").eq(lit(repo_text.clone()))),
        )
        .collect()
        .map_err(|source| StoreError::Polars {
            context: format!("reading the deployments of {repo}"),
            source,
        })?;
    let stored: Vec<Deployment> =
        deployment_rows(&stored).map_err(|source| StoreError::Polars {
            context: format!("reading the deployments of {repo}"),
            source,
        })?;
    let read_deployments = checkpoint.wanted.contains(&Stream::Deployments);
    let read_releases = checkpoint.wanted.contains(&Stream::Releases);
    let mut deployments: Vec<Deployment> = stored
        .into_iter()
        .filter(|d| {
            let release = d.environment.as_deref() == Some("release");
            let bound = if release {
                checkpoint.bounds.releases.filter(|_| read_releases)
            } else {
                checkpoint.bounds.deployments.filter(|_| read_deployments)
            };
            bound.is_none_or(|b| d.at < b)
        })
        .collect();
    deployments.extend(staged.deployments.iter().cloned());

    let merged = merged_prs(store, repo, staged, checkpoint, previous)?;
    normalize::ship_merged_prs(&mut deployments, &merged);
    Ok(deployments)
}

/// Every PR of the repository merged into its default branch, after this run's merge.
fn merged_prs(
    store: &Store,
    repo: &RepoName,
    staged: &Dataset,
    checkpoint: &Checkpoint,
    previous: &RepoState,
) -> Result<Vec<(i64, DateTime<Utc>)>, SyncError> {
    let branch = checkpoint
        .default_branch
        .clone()
        .or_else(|| previous.default_branch.clone());
    let restaged: BTreeSet<i64> = staged.pull_requests.iter().map(|p| p.number).collect();
    let into_branch = |base: Option<&str>| match (&branch, base) {
        (Some(branch), Some(base)) => branch == base,
        _ => true,
    };
    let stored = store
        .scan(crate::model::PullRequest::NAME)?
        .filter(
            col("source")
                .eq(lit(SOURCE))
                .and(col("repo").eq(lit(repo.to_string())))
                .and(col("merged_at").is_not_null()),
        )
        .select([col("number"), col("merged_at"), col("base_ref")])
        .collect()
        .map_err(|source| StoreError::Polars {
            context: format!("reading the merged PRs of {repo}"),
            source,
        })?;
    let mut merged = Vec::new();
    let numbers = stored.column("number").and_then(|c| c.i64().cloned());
    let times = stored
        .column("merged_at")
        .and_then(|c| c.cast(&DataType::Int64))
        .and_then(|c| c.i64().cloned());
    let bases = stored.column("base_ref").and_then(|c| c.str().cloned());
    if let (Ok(numbers), Ok(times), Ok(bases)) = (numbers, times, bases) {
        for ((number, micros), base) in numbers.iter().zip(times.iter()).zip(bases.iter()) {
            if let (Some(number), Some(micros)) = (number, micros)
                && !restaged.contains(&number)
                && into_branch(base)
                && let Some(at) = DateTime::<Utc>::from_timestamp_micros(micros)
            {
                merged.push((number, at));
            }
        }
    }
    for pr in &staged.pull_requests {
        if let Some(at) = pr.merged_at
            && into_branch(pr.base_ref.as_deref())
        {
            merged.push((pr.number, at));
        }
    }
    Ok(merged)
}

/// The stored deployments of one repository as rows.
fn deployment_rows(frame: &DataFrame) -> PolarsResult<Vec<Deployment>> {
    let text = |name: &str| -> PolarsResult<Vec<Option<String>>> {
        Ok(frame
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let (sources, repos, environments, shas, statuses) = (
        text("source")?,
        text("repo")?,
        text("environment")?,
        text("sha")?,
        text("status")?,
    );
    let at: Vec<Option<i64>> = frame
        .column("at")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let mut rows = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let Some(at) = at[i].and_then(DateTime::<Utc>::from_timestamp_micros) else {
            continue;
        };
        rows.push(Deployment {
            source: sources[i].clone().unwrap_or_default(),
            repo: repos[i].clone().unwrap_or_default(),
            environment: environments[i].clone(),
            sha: shas[i].clone(),
            pr_numbers: Vec::new(),
            at,
            status: statuses[i].clone(),
        });
    }
    Ok(rows)
}

/// One dataset from a run's pages, keeping for each PR and issue only the rows of the last page
/// that read it (a PR updated while the run was paging can appear twice).
fn latest_versions(pages: Vec<Dataset>) -> Dataset {
    let mut pr_page: BTreeMap<i64, usize> = BTreeMap::new();
    let mut issue_page: BTreeMap<String, usize> = BTreeMap::new();
    for (index, page) in pages.iter().enumerate() {
        for pr in &page.pull_requests {
            pr_page.insert(pr.number, index);
        }
        for issue in &page.issues {
            issue_page.insert(issue.key.clone(), index);
        }
    }
    let mut out = Dataset::default();
    let mut seen_deployments = BTreeSet::new();
    for (index, page) in pages.into_iter().enumerate() {
        let pr_here = |n: i64| pr_page.get(&n) == Some(&index);
        let issue_here = |k: &str| issue_page.get(k) == Some(&index);
        out.pull_requests
            .extend(page.pull_requests.into_iter().filter(|r| pr_here(r.number)));
        out.reviews
            .extend(page.reviews.into_iter().filter(|r| pr_here(r.number)));
        out.review_requests.extend(
            page.review_requests
                .into_iter()
                .filter(|r| pr_here(r.number)),
        );
        out.pr_events
            .extend(page.pr_events.into_iter().filter(|r| pr_here(r.number)));
        out.pr_commits
            .extend(page.pr_commits.into_iter().filter(|r| pr_here(r.number)));
        out.file_changes.extend(
            page.file_changes
                .into_iter()
                .filter(|r| r.number.is_some_and(pr_here)),
        );
        out.comments.extend(
            page.comments
                .into_iter()
                .filter(|c| match c.target.as_str() {
                    "pr" => c.item.parse().is_ok_and(pr_here),
                    _ => issue_here(&normalize::issue_key(
                        &c.container,
                        c.item.parse().unwrap_or(-1),
                    )),
                }),
        );
        out.issues
            .extend(page.issues.into_iter().filter(|i| issue_here(&i.key)));
        out.issue_events
            .extend(page.issue_events.into_iter().filter(|e| issue_here(&e.key)));
        for deployment in page.deployments {
            let key = (
                deployment.environment.clone(),
                deployment.sha.clone(),
                deployment.at,
            );
            if seen_deployments.insert(key) {
                out.deployments.push(deployment);
            }
        }
    }
    out
}

/// Where a repository's unfinished fetch keeps its pages and checkpoint.
pub fn staging_dir(staging_root: &Path, repo: &RepoName) -> PathBuf {
    staging_root
        .join(sanitize(&repo.owner))
        .join(sanitize(&repo.name))
}

impl From<StagingError> for SyncError {
    fn from(error: StagingError) -> Self {
        match error {
            StagingError::Damaged { path, dir, message } => {
                SyncError::Checkpoint { path, dir, message }
            }
            StagingError::Store(error) => SyncError::Store(error),
        }
    }
}
