//! One project's fetch: incremental, resumable, checkpointed after every search page.
//!
//! **Incremental.** Issues are searched with JQL `project = KEY AND updated >= "…" ORDER BY
//! updated ASC`, from the newest `updated` stored by the last fetch (or `--since` on the first),
//! in the time zone of the account (`/myself`), since JQL reads dates in it. The bound is
//! rounded down to the minute, JQL's resolution, so an issue at the boundary is read again and
//! replaced, never lost. Every issue read has its whole changelog, comments and remote links read
//! with it, and all its rows are replaced at the merge.
//!
//! **An issue Jira will not read is skipped and named.** Between the search and the reading of
//! an issue's changelog, comments and links the issue can be deleted, or hidden by an issue
//! security level: Jira answers 404 (or 403) for that one issue. It is skipped, the rest of the
//! project is stored, and the fetch names it (a warning, the project's finished line, and the
//! manifest's `sources.jira.projects.<KEY>.skipped`, with Jira's status code), until a later
//! fetch reads it or the listing of keys no longer finds it. Its rows stored earlier are kept,
//! as those of a deleted issue are until the listing. A 404 of the search itself is an unknown
//! project.
//!
//! **Resumable.** As for GitHub: each page's rows go to
//! `<data>/staging/jira/<KEY>/page-NNNNNN.json`, then the checkpoint (the next page token, the
//! mark being raised) is replaced, both atomically; nothing reaches the store until the project
//! is read to the end, and then one [`Store::merge`] writes the rows and the new mark together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Timelike, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{ClientError, JiraClient};
use super::normalize::{self, IssueParts, Mapping, SOURCE};
use super::wire::{ChangelogPage, CommentPage, History, IssueNode, RemoteLink, SearchPage};
use crate::model::{Dataset, Sprint, Table};
use crate::sources::fetch::{ScopeError, lock};
use crate::sources::identities::Identities;
pub use crate::sources::staging::checkpoint_path;
use crate::sources::staging::{
    StagingError, read_checkpoint, read_pages, remove_dir, sanitize, write_checkpoint, write_page,
};
use crate::sources::tickets::{self, Counts, IssueRows};
use crate::store::{Replacement, Store, StoreError};

/// Why a project's fetch stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{project}: {source}")]
    Client {
        project: String,
        #[source]
        source: ClientError,
    },
    #[error(
        "{project}: no such Jira project, or not visible to the account in JIRA_EMAIL ({message}); \
         check the key"
    )]
    UnknownProject { project: String, message: String },
    #[error(
        "{path}: the fetch checkpoint is damaged ({message}); delete {dir} to start this project's fetch over"
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
        matches!(
            self,
            SyncError::Client {
                source: ClientError::Server { .. }
                    | ClientError::RateLimited { .. }
                    | ClientError::Network { .. },
                ..
            }
        )
    }

    /// Credentials and the site concern every project, and so does what would resume: the
    /// same command then continues every project where it stopped.
    fn stops_all(&self) -> bool {
        let site = |source: &ClientError| {
            matches!(
                source,
                ClientError::Unauthorized { .. } | ClientError::Setup(_)
            )
        };
        self.is_resumable() || matches!(self, SyncError::Client { source, .. } if site(source))
    }
}

/// What every project's fetch shares.
pub struct SyncContext<'a> {
    pub client: &'a JiraClient,
    pub store: &'a Mutex<Store>,
    /// `<data>/staging/jira`.
    pub staging_root: PathBuf,
    pub since: DateTime<Utc>,
    pub page_size: u32,
    pub mapping: Mapping,
    pub identities: Identities,
    /// The zone JQL reads dates in: the account's.
    pub zone: chrono_tz::Tz,
    /// Each project's sprints from the agile API, stored with its issues in one commit.
    pub sprints: std::collections::BTreeMap<String, Vec<Sprint>>,
}

/// What one project's fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectOutcome {
    pub project: String,
    pub counts: Counts,
    pub resumed: bool,
    /// Keys removed because the project no longer has them (deleted or moved away).
    pub removed: Vec<String>,
    /// Issues the search returned that Jira then refused to read; not stored by this fetch.
    pub skipped: Vec<SkippedIssue>,
}

/// An issue the search returned whose changelog, comments or remote links Jira then refused:
/// deleted since the search, or hidden by an issue security level (404), or not permitted
/// (403). Kept in the manifest under the project (`skipped`) until a fetch reads the issue or
/// the listing of keys no longer finds it, so that what reads the store can say which issues
/// its rows lack or hold only as they were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedIssue {
    pub key: String,
    /// Jira's status code: 404 or 403.
    pub status: u16,
    /// The request Jira refused (`/rest/api/3/issue/KEY/changelog`, …).
    pub path: String,
    /// The issue's `updated` as the search gave it.
    pub updated: Option<DateTime<Utc>>,
    /// When the fetch skipped it.
    pub at: DateTime<Utc>,
}

/// The issues of `project` the fetches so far skipped and no fetch has read since, from the
/// `jira` source state of the manifest.
pub fn skipped_issues(source_state: Option<&Value>, project: &str) -> Vec<SkippedIssue> {
    source_state
        .and_then(|s| s.get("projects"))
        .and_then(|p| p.get(project))
        .and_then(|p| p.get("skipped"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Writes a project's state (and its skipped issues, when there are any) into the `jira`
/// source state.
fn put_project(
    source_state: &mut Value,
    project: &str,
    state: &ProjectState,
    skipped: &[SkippedIssue],
) {
    let Some(object) = source_state.as_object_mut() else {
        return;
    };
    let projects = object.entry("projects").or_insert_with(|| json!({}));
    if !projects.is_object() {
        *projects = json!({});
    }
    let mut value = serde_json::to_value(state).unwrap_or(Value::Null);
    if let Some(value) = value.as_object_mut()
        && !skipped.is_empty()
    {
        value.insert(
            "skipped".into(),
            serde_json::to_value(skipped).unwrap_or(Value::Null),
        );
    }
    if let Some(projects) = projects.as_object_mut() {
        projects.insert(project.to_string(), value);
    }
}

/// What the manifest keeps per project under the `jira` source.
pub type ProjectState = tickets::ScopeState;

/// A project's state from the `jira` source state of the manifest.
pub fn project_state(source_state: Option<&Value>, project: &str) -> ProjectState {
    tickets::scope_state(source_state, "projects", project)
}

/// Rewinds the mark of every project in the `jira` source state so that the next fetch reads
/// again every issue updated since `from` (with `None`, since the fetch's `--since`): what
/// `teamlens fetch --repair` does when a file holding this source's rows of that month (or of
/// any month) was lost. An issue's rows all carry times at or before its last update, and the
/// merge replaces them by key. Jira's search is `updated >= mark`, so `from` itself is read.
pub fn rewind(source_state: &mut Value, from: Option<DateTime<Utc>>) {
    tickets::rewind_marks(source_state, "projects", from, chrono::TimeDelta::zero());
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    run: String,
    started_at: DateTime<Utc>,
    /// Issues updated before this are stored already.
    bound: DateTime<Utc>,
    next_page_token: Option<String>,
    done: bool,
    newest: Option<DateTime<Utc>>,
    pages: u32,
    counts: Counts,
    /// Accounts the roster does not know, with what Jira says about them.
    #[serde(default)]
    accounts: BTreeMap<String, normalize::AccountInfo>,
    /// Issues Jira refused to read after the search returned them.
    #[serde(default)]
    skipped: Vec<SkippedIssue>,
}

/// The fields a search asks for.
fn fields(mapping: &Mapping) -> String {
    [
        "summary",
        "status",
        "issuetype",
        "labels",
        "assignee",
        "reporter",
        "created",
        "updated",
        "project",
        "priority",
        "comment",
        mapping.story_points_field.as_str(),
        mapping.sprint_field.as_str(),
    ]
    .join(",")
}

/// Where a search starts from a mark: its minute, since JQL compares minutes.
pub fn search_bound(mark: DateTime<Utc>) -> DateTime<Utc> {
    mark.with_second(0)
        .and_then(|b| b.with_nanosecond(0))
        .unwrap_or(mark)
}

/// The JQL of a project's search from a bound.
pub fn jql(project: &str, bound: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    let local = bound.with_timezone(&zone);
    format!(
        "project = \"{}\" AND updated >= \"{}\" ORDER BY updated ASC, key ASC",
        project.replace(['"', '\\'], ""),
        local.format("%Y-%m-%d %H:%M")
    )
}

/// Fetches one project to the end and merges it into the store.
pub async fn sync_project(
    ctx: &SyncContext<'_>,
    project: &str,
    on_page: &(dyn Fn(&Counts) + Sync),
) -> Result<ProjectOutcome, SyncError> {
    let dir = staging_dir(&ctx.staging_root, project);
    let state = {
        let store = lock(ctx.store);
        project_state(store.manifest().sources.get(SOURCE), project)
    };
    let (mut checkpoint, resumed) = match read_checkpoint::<Checkpoint>(&dir)? {
        Some(c) if state.last_run.as_deref() != Some(c.run.as_str()) => (c, true),
        stale => {
            if stale.is_some() {
                remove_dir(&dir)?;
            }
            let started_at = Utc::now();
            let bound = search_bound(state.mark.unwrap_or(ctx.since));
            (
                Checkpoint {
                    run: format!("{}", started_at.format("%Y%m%dT%H%M%S%.6fZ")),
                    started_at,
                    bound,
                    next_page_token: None,
                    done: false,
                    newest: state.mark,
                    pages: 0,
                    counts: Counts::default(),
                    accounts: BTreeMap::new(),
                    skipped: Vec::new(),
                },
                false,
            )
        }
    };
    let client_error = |source| SyncError::Client {
        project: project.to_string(),
        source,
    };
    // This project's own copy: it learns statuses and app accounts as issues are read.
    let mut mapping = ctx.mapping.clone();
    for (id, info) in checkpoint.accounts.iter().filter(|(_, i)| i.bot) {
        mapping
            .app_accounts
            .entry(id.clone())
            .or_insert_with(|| normalize::bot_id(info.display_name.as_deref(), id));
    }

    while !checkpoint.done {
        let mut query = vec![
            ("jql", jql(project, checkpoint.bound, ctx.zone)),
            ("maxResults", ctx.page_size.to_string()),
            ("fields", fields(&ctx.mapping)),
        ];
        if let Some(token) = &checkpoint.next_page_token {
            query.push(("nextPageToken", token.clone()));
        }
        let page: SearchPage = match ctx.client.get("/rest/api/3/search/jql", &query).await {
            Ok(page) => page,
            Err(ClientError::Rejected {
                status: 400,
                message,
                ..
            }) if message.contains("project") => {
                return Err(SyncError::UnknownProject {
                    project: project.to_string(),
                    message,
                });
            }
            Err(ClientError::NotFound { message, .. }) => {
                return Err(SyncError::UnknownProject {
                    project: project.to_string(),
                    message,
                });
            }
            Err(e) => return Err(client_error(e)),
        };
        let mut rows = Dataset::default();
        // The categories of statuses the site's list lacks, as the page's issues carry them,
        // before any of their changelogs is read.
        for node in &page.issues {
            if let Some(status) = &node.fields.status
                && let Some(category) = &status.status_category
            {
                mapping.learn(&status.name, &category.key);
            }
        }
        for node in &page.issues {
            let updated = normalize::parse_time(&node.fields.updated);
            if let Some(updated) = updated
                && checkpoint.newest.is_none_or(|n| updated > n)
            {
                checkpoint.newest = Some(updated);
            }
            let issue = match read_issue(ctx, &mapping, node, &mut checkpoint.accounts).await {
                Ok(issue) => issue,
                Err(error) => match refused(&error) {
                    Some((status, path)) => {
                        tracing::warn!(
                            "jira {project}: {} skipped: Jira answered {status} for {path} \
                             (deleted since the search, or hidden by issue security); the rest \
                             of {project} is stored",
                            node.key
                        );
                        checkpoint.skipped.retain(|s| s.key != node.key);
                        checkpoint.skipped.push(SkippedIssue {
                            key: node.key.clone(),
                            status,
                            path: path.to_string(),
                            updated,
                            at: Utc::now(),
                        });
                        continue;
                    }
                    None => return Err(client_error(error)),
                },
            };
            checkpoint.skipped.retain(|s| s.key != node.key);
            for (id, info) in checkpoint.accounts.iter().filter(|(_, i)| i.bot) {
                mapping
                    .app_accounts
                    .entry(id.clone())
                    .or_insert_with(|| normalize::bot_id(info.display_name.as_deref(), id));
            }
            checkpoint.counts.issues += 1;
            checkpoint.counts.events += issue.events.len();
            checkpoint.counts.comments += issue.comments.len();
            rows.issues.extend(issue.issue);
            rows.issue_events.extend(issue.events);
            rows.comments.extend(issue.comments);
        }
        checkpoint.next_page_token = page.next_page_token.clone();
        checkpoint.done =
            page.next_page_token.is_none() || page.is_last == Some(true) || page.issues.is_empty();
        checkpoint.pages += 1;
        checkpoint.counts.pages = checkpoint.pages;
        write_page(&dir, checkpoint.pages, &rows)?;
        write_checkpoint(&dir, &checkpoint)?;
        on_page(&checkpoint.counts);
    }

    commit(ctx, project, &dir, &checkpoint)?;
    remove_dir(&dir)?;
    Ok(ProjectOutcome {
        project: project.to_string(),
        counts: checkpoint.counts,
        resumed,
        removed: Vec::new(),
        skipped: checkpoint.skipped,
    })
}

/// Jira's refusal to read one issue (its status code and the request), as opposed to a failure
/// that concerns the whole project or site.
fn refused(error: &ClientError) -> Option<(u16, &str)> {
    match error {
        ClientError::NotFound { path, .. } => Some((404, path)),
        ClientError::Forbidden { path, .. } => Some((403, path)),
        _ => None,
    }
}

/// One issue with its whole changelog, comments and remote links.
async fn read_issue(
    ctx: &SyncContext<'_>,
    mapping: &Mapping,
    node: &IssueNode,
    accounts: &mut BTreeMap<String, normalize::AccountInfo>,
) -> Result<normalize::IssueRows, ClientError> {
    let key = node.key.as_str();
    let mut histories: Vec<History> = Vec::new();
    let mut start_at = 0i64;
    loop {
        let page: ChangelogPage = ctx
            .client
            .get(
                &format!("/rest/api/3/issue/{key}/changelog"),
                &[
                    ("startAt", start_at.to_string()),
                    ("maxResults", "100".into()),
                ],
            )
            .await?;
        let read = page.values.len() as i64;
        histories.extend(page.values);
        start_at = page.start_at + read;
        let last = page
            .is_last
            .unwrap_or_else(|| page.total.is_none_or(|t| start_at >= t));
        if last || read == 0 {
            break;
        }
    }
    // The search answers the first comments with the issue; the rest are paged for.
    let inline = node.fields.comment.as_ref().filter(|c| c.start_at == 0);
    let mut comments = inline.map(|c| c.comments.clone()).unwrap_or_default();
    let complete = inline.is_some_and(|c| c.comments.len() as i64 >= c.total);
    let mut start_at = comments.len() as i64;
    if !complete {
        loop {
            let page: CommentPage = ctx
                .client
                .get(
                    &format!("/rest/api/3/issue/{key}/comment"),
                    &[
                        ("startAt", start_at.to_string()),
                        ("maxResults", "100".into()),
                    ],
                )
                .await?;
            let read = page.comments.len() as i64;
            comments.extend(page.comments);
            start_at = page.start_at + read;
            if read == 0 || start_at >= page.total {
                break;
            }
        }
    }
    let links: Vec<RemoteLink> = ctx
        .client
        .get(&format!("/rest/api/3/issue/{key}/remotelink"), &[])
        .await?;
    let parts = IssueParts {
        node,
        histories: &histories,
        comments: &comments,
        links: &links,
    };
    normalize::unknown_accounts(&parts, &ctx.identities, accounts);
    Ok(normalize::issue(
        parts,
        ctx.client.base_url(),
        mapping,
        &ctx.identities,
    ))
}

fn commit(
    ctx: &SyncContext<'_>,
    project: &str,
    dir: &Path,
    checkpoint: &Checkpoint,
) -> Result<(), SyncError> {
    let staged = latest_versions(read_pages(dir, checkpoint.pages)?);
    let mut keys: BTreeSet<String> = staged.issues.iter().map(|i| i.key.clone()).collect();
    let read = keys.clone();
    // A moved issue's rows under its former keys go: its id is the same, its key is new.
    keys.extend(
        staged
            .issue_events
            .iter()
            .filter(|e| e.field == "key")
            .filter_map(|e| e.from.clone()),
    );
    let mut replacements = tickets::replace_issues(
        SOURCE,
        keys,
        IssueRows {
            issues: staged.issues,
            issue_events: staged.issue_events,
            comments: staged.comments,
        },
        project,
    )?;
    let ours = || col("source").eq(lit(SOURCE));
    let frame = |result: PolarsResult<DataFrame>, table: &str| {
        result.map_err(|source| StoreError::Polars {
            context: format!("preparing {table} of {project}"),
            source,
        })
    };
    let sprints = ctx.sprints.get(project).cloned().unwrap_or_default();
    if !sprints.is_empty() {
        // The project's sprints by id: their names, starts and ends change as a team plans. A
        // board shared by several projects has its sprints once per project (key: source, id,
        // project), so fetching one project leaves the others' rows alone.
        let ids: Vec<String> = sprints.iter().map(|s| s.id.clone()).collect();
        replacements.push(Replacement {
            table: Sprint::NAME,
            remove: ours()
                .and(col("project").eq(lit(project.to_string())))
                .and(col("id").is_in(lit(Series::new("ids".into(), ids)).implode(true), false)),
            rows: frame(Sprint::to_frame(sprints), "sprints")?,
        });
    }
    let mut store = lock(ctx.store);
    let mut source_state = store
        .manifest()
        .sources
        .get(SOURCE)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let previous = project_state(Some(&source_state), project);
    // Skipped before and not read now, then skipped by this run.
    let mut skipped: Vec<SkippedIssue> = skipped_issues(Some(&source_state), project)
        .into_iter()
        .filter(|s| !read.contains(&s.key))
        .filter(|s| !checkpoint.skipped.iter().any(|n| n.key == s.key))
        .collect();
    skipped.extend(checkpoint.skipped.iter().cloned());
    let state = ProjectState {
        mark: checkpoint.newest,
        last_run: Some(checkpoint.run.clone()),
        fetched_at: Some(checkpoint.started_at),
        // A first fetch stores what the project has now: it counts as a listing.
        listed_at: previous.listed_at.or(Some(checkpoint.started_at)),
    };
    put_project(&mut source_state, project, &state, &skipped);
    if let Some(object) = source_state.as_object_mut() {
        let accounts = object.entry("accounts").or_insert_with(|| json!({}));
        if !accounts.is_object() {
            *accounts = json!({});
        }
        if let Some(accounts) = accounts.as_object_mut() {
            for (id, info) in &checkpoint.accounts {
                accounts.insert(
                    id.clone(),
                    serde_json::to_value(info).unwrap_or(Value::Null),
                );
            }
        }
    }
    store.merge(replacements, Some((SOURCE, source_state)))?;
    Ok(())
}

/// Whether a project's keys are due to be listed again (`relist_days` after the last time).
pub fn relist_due(state: &ProjectState, relist_days: u32, now: DateTime<Utc>) -> bool {
    state
        .listed_at
        .is_none_or(|at| now - at >= chrono::Duration::days(i64::from(relist_days)))
}

/// Keys per search page when only keys are asked for (Jira serves up to 5000 then).
pub(crate) const KEYS_PAGE: u32 = 1000;

/// The JQL of every issue of a project: what [`relist_project`] lists (ordered by key) and
/// `--dry-run` counts.
pub(crate) fn listing_jql(project: &str) -> String {
    format!("project = \"{}\"", project.replace(['"', '\\'], ""))
}

/// Lists every key of a project (a search for keys only, all pages) and removes the stored
/// issues of the project that are not among them, with their events and comments: Jira's
/// search no longer returns a deleted issue, nor one moved to another project (which comes back
/// under its new key when that project is fetched). Returns the keys removed.
pub async fn relist_project(
    ctx: &SyncContext<'_>,
    project: &str,
) -> Result<Vec<String>, SyncError> {
    let started_at = Utc::now();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![
            ("jql", format!("{} ORDER BY key ASC", listing_jql(project))),
            ("maxResults", KEYS_PAGE.to_string()),
            ("fields", "key".to_string()),
        ];
        if let Some(token) = &token {
            query.push(("nextPageToken", token.clone()));
        }
        let page: KeyPage = ctx
            .client
            .get("/rest/api/3/search/jql", &query)
            .await
            .map_err(|source| SyncError::Client {
                project: project.to_string(),
                source,
            })?;
        let read = page.issues.len();
        listed.extend(page.issues.into_iter().map(|i| i.key));
        match page.next_page_token {
            Some(next) if read > 0 && page.is_last != Some(true) => token = Some(next),
            _ => break,
        }
    }
    let mut store = lock(ctx.store);
    let gone: Vec<String> = tickets::stored_keys(&store, SOURCE, project)?
        .into_iter()
        .filter(|key| !listed.contains(key))
        .collect();
    let replacements = if gone.is_empty() {
        Vec::new()
    } else {
        tickets::replace_issues(SOURCE, gone.clone(), IssueRows::default(), project)?
    };
    let mut source_state = store
        .manifest()
        .sources
        .get(SOURCE)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let mut state = project_state(Some(&source_state), project);
    state.listed_at = Some(started_at);
    // A skipped issue no longer listed is gone: nothing is left to name.
    let skipped: Vec<SkippedIssue> = skipped_issues(Some(&source_state), project)
        .into_iter()
        .filter(|s| listed.contains(&s.key))
        .collect();
    put_project(&mut source_state, project, &state, &skipped);
    store.merge(replacements, Some((SOURCE, source_state)))?;
    Ok(gone)
}

/// A page of a keys-only search.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyPage {
    #[serde(default)]
    issues: Vec<KeyNode>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    is_last: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct KeyNode {
    key: String,
}

/// One dataset from a run's pages, keeping for each issue only the rows of the last page that
/// read it (an issue updated while the run was paging moves to the end of the search).
fn latest_versions(pages: Vec<Dataset>) -> Dataset {
    let mut page_of: BTreeMap<String, usize> = BTreeMap::new();
    for (index, page) in pages.iter().enumerate() {
        for issue in &page.issues {
            page_of.insert(issue.key.clone(), index);
        }
    }
    let mut out = Dataset::default();
    for (index, page) in pages.into_iter().enumerate() {
        let here = |k: &str| page_of.get(k) == Some(&index);
        out.issues
            .extend(page.issues.into_iter().filter(|i| here(&i.key)));
        out.issue_events
            .extend(page.issue_events.into_iter().filter(|e| here(&e.key)));
        out.comments
            .extend(page.comments.into_iter().filter(|c| here(&c.item)));
    }
    out
}

/// Where a project's unfinished fetch keeps its pages and checkpoint.
pub fn staging_dir(staging_root: &Path, project: &str) -> PathBuf {
    staging_root.join(sanitize(project))
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn jql_reads_the_bound_in_the_accounts_zone() {
        let bound = Utc.with_ymd_and_hms(2026, 10, 5, 22, 30, 0).unwrap();
        assert_eq!(
            jql("OPS", bound, chrono_tz::Europe::Berlin),
            "project = \"OPS\" AND updated >= \"2026-10-06 00:30\" ORDER BY updated ASC, key ASC"
        );
    }
}
