//! One Linear team's fetch: incremental, resumable, checkpointed after every page.
//!
//! **Incremental.** Issues are asked for with a filter on the team's key and on `updatedAt`
//! (after the newest issue stored, or since `--since` on the first fetch), ordered by
//! `updatedAt`; Linear does the filtering, so the order of the pages does not matter and a
//! re-fetch with nothing new is one request. An issue updated since is read again whole (history
//! and all), and its rows are replaced, not duplicated ([`Store::merge`]).
//!
//! **Nested connections.** Each issue comes with the first page of its history, labels,
//! attachments and comments; any that has more is followed to the end (`issue_*.graphql`) before
//! the issue is normalized.
//!
//! **Resumable.** Each page's rows go to `<data>/staging/linear/<TEAM>/page-NNNNNN.json`, then
//! the checkpoint (cursor, bound, newest issue seen, pages written) is replaced, both
//! atomically. Nothing reaches the store until the team is read to the end; then one atomic
//! commit merges every staged page and records the new mark with the run's id, and the staging
//! folder is removed. A kill after the commit is recognised by the run id.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::SOURCE;
use super::client::{Answer, ClientError, GraphqlError, LinearClient};
use super::documents::Document;
use super::normalize::{self, TypeRules};
use super::wire::{
    Connection, Issue as WireIssue, TeamIssueIdsData, TeamIssuesData, TeamLookupData,
};
use crate::model::{Comment, Dataset, Issue, IssueEvent, Sprint, Table};
use crate::sources::github::normalize::Identities;
pub use crate::sources::staging::checkpoint_path;
use crate::sources::staging::{
    StagingError, read_checkpoint, read_pages, remove_dir, write_checkpoint, write_page,
};
use crate::store::{Replacement, Store, StoreError};

/// Why a team's fetch stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Linear team {team}: {source}")]
    Client {
        team: String,
        #[source]
        source: ClientError,
    },
    #[error(
        "Linear team {team}: no team has this key, or the key in LINEAR_API_KEY cannot see it: check \
         the key (the prefix of its issue identifiers, such as PAY in PAY-12)"
    )]
    NotFound { team: String },
    #[error(
        "Linear team {team}: the answer to {operation} did not have the expected shape: {message}; nothing from it was stored. Run the fetch again to resume; if this repeats, report it with the output of -vv"
    )]
    Shape {
        team: String,
        operation: &'static str,
        message: String,
    },
    #[error(
        "{path}: the fetch checkpoint is damaged ({message}); delete {dir} to start this team's fetch over"
    )]
    Checkpoint {
        path: PathBuf,
        dir: PathBuf,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// True when running the same command again continues where this one stopped.
    pub fn is_resumable(&self) -> bool {
        matches!(
            self,
            SyncError::Client {
                source: ClientError::RateLimited { .. }
                    | ClientError::Server { .. }
                    | ClientError::Network { .. }
                    | ClientError::Malformed { .. },
                ..
            }
        )
    }
}

/// What every team's fetch shares.
pub struct SyncContext<'a> {
    pub client: &'a LinearClient,
    pub store: &'a Mutex<Store>,
    /// `<data>/staging/linear`.
    pub staging_root: PathBuf,
    pub since: DateTime<Utc>,
    pub page_size: u32,
    pub identities: Identities,
    pub types: TypeRules,
}

/// What one team's fetch read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub issues: usize,
    pub events: usize,
    pub comments: usize,
    pub pages: u32,
}

/// What one team's fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamOutcome {
    pub team: String,
    pub counts: Counts,
    pub resumed: bool,
    /// GraphQL errors Linear reported beside the data that was kept.
    pub warnings: Vec<String>,
}

/// What the manifest keeps per team under the `linear` source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamState {
    /// The newest `updatedAt` stored so far.
    pub mark: Option<DateTime<Utc>>,
    pub last_run: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// A team's state in the `linear` source state of the manifest.
pub fn team_state(source_state: Option<&Value>, team: &str) -> TeamState {
    source_state
        .and_then(|s| s.get("teams"))
        .and_then(|t| t.get(team))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Rewinds the mark of every team in the `linear` source state so that the next fetch reads
/// again every issue updated since `from` (with `None`, since the fetch's `--since`): what
/// `teamlens fetch --repair` does when a file holding this source's rows of that month (or of
/// any month) was lost. An issue's rows all carry times at or before its last update, and the
/// merge replaces them by key. Linear's mark is exclusive, so the mark is set a second before
/// `from`.
pub fn rewind(source_state: &mut Value, from: Option<DateTime<Utc>>) {
    let Some(Value::Object(entries)) = source_state.get_mut("teams") else {
        return;
    };
    for value in entries.values_mut() {
        if let Some(object) = value.as_object_mut() {
            let mark = object
                .get("mark")
                .and_then(|m| serde_json::from_value::<DateTime<Utc>>(m.clone()).ok());
            let rewound = match (mark, from) {
                (Some(mark), Some(from)) => Some(mark.min(from - chrono::Duration::seconds(1))),
                _ => None,
            };
            object.insert(
                "mark".into(),
                serde_json::to_value(rewound).unwrap_or(Value::Null),
            );
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    run: String,
    started_at: DateTime<Utc>,
    /// Issues updated after this (or at it, on a first fetch) are read.
    bound: DateTime<Utc>,
    /// The bound is inclusive (`--since`) rather than the last mark (exclusive).
    inclusive: bool,
    after: Option<String>,
    done: bool,
    newest: Option<DateTime<Utc>>,
    pages: u32,
    counts: Counts,
    warnings: Vec<String>,
}

/// Fetches one team to the end and merges it into the store; `on_page` is told after every
/// checkpointed page.
pub async fn sync_team(
    ctx: &SyncContext<'_>,
    team: &str,
    on_page: &(dyn Fn(&str, &Counts) + Sync),
) -> Result<TeamOutcome, SyncError> {
    let dir = staging_dir(&ctx.staging_root, team);
    let state = {
        let store = lock(ctx.store);
        team_state(store.manifest().sources.get(SOURCE), team)
    };
    let (mut checkpoint, resumed) = match read_checkpoint::<Checkpoint>(&dir)? {
        Some(checkpoint) if state.last_run.as_deref() != Some(checkpoint.run.as_str()) => {
            (checkpoint, true)
        }
        stale => {
            if stale.is_some() {
                remove_dir(&dir)?;
            }
            if state.last_run.is_none() {
                // A team never fetched: a wrong key is named as such rather than read as empty.
                look_up(ctx, team).await?;
            }
            (new_checkpoint(ctx, &state), false)
        }
    };

    let mut first = ctx.page_size;
    while !checkpoint.done {
        let comparator = if checkpoint.inclusive { "gte" } else { "gt" };
        let variables = json!({
            "filter": {
                "team": { "key": { "eq": team } },
                "updatedAt": { comparator: timestamp(checkpoint.bound) },
            },
            "first": first,
            "after": checkpoint.after,
        });
        let answer = match ctx.client.query(Document::TeamIssues, variables).await {
            Ok(answer) => answer,
            Err(ClientError::Rejected { message, .. })
                if first > 1 && message.to_lowercase().contains("complex") =>
            {
                // Issues with long first pages can make a query too complex: ask for fewer.
                first = (first / 2).max(1);
                continue;
            }
            Err(source) => return Err(client_error(team, source)),
        };
        note_warnings(&mut checkpoint.warnings, "TeamIssues", &answer.errors);
        let data: TeamIssuesData = decode(team, "TeamIssues", answer.data)?;
        let next = data.issues.next_cursor().map(str::to_string);
        let mut page = Dataset::default();
        for node in data.issues.nodes {
            if checkpoint.newest.is_none_or(|n| node.updated_at > n) {
                checkpoint.newest = Some(node.updated_at);
            }
            let node = complete(ctx, team, node, &mut checkpoint.warnings).await?;
            let rows = normalize::issue(node, &ctx.identities, &ctx.types);
            checkpoint.counts.issues += 1;
            checkpoint.counts.events += rows.events.len();
            checkpoint.counts.comments += rows.comments.len();
            page.issues.extend(rows.issue);
            page.issue_events.extend(rows.events);
            page.comments.extend(rows.comments);
            for sprint in rows.sprints {
                if !page.sprints.iter().any(|s| s.id == sprint.id) {
                    page.sprints.push(sprint);
                }
            }
        }
        match next {
            Some(after) => checkpoint.after = Some(after),
            None => checkpoint.done = true,
        }
        checkpoint.pages += 1;
        checkpoint.counts.pages = checkpoint.pages;
        write_page(&dir, checkpoint.pages, &page)?;
        write_checkpoint(&dir, &checkpoint)?;
        on_page(team, &checkpoint.counts);
    }

    commit(ctx, team, &dir, &checkpoint)?;
    remove_dir(&dir)?;
    Ok(TeamOutcome {
        team: team.to_string(),
        counts: checkpoint.counts,
        resumed,
        warnings: checkpoint.warnings,
    })
}

fn client_error(team: &str, source: ClientError) -> SyncError {
    SyncError::Client {
        team: team.to_string(),
        source,
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// What fetching one team would read.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamEstimate {
    pub team: String,
    /// Issues updated since the stored mark (or `--since`).
    pub issues: i64,
    /// Pages of `TeamIssues` at the configured page size: the least a fetch sends (issues with
    /// long histories or comment threads add follow-ups).
    pub requests: i64,
    /// Requests made to count.
    pub counted_with: i64,
}

/// Page size of the id-only count: ids cost Linear one complexity point each.
const ID_PAGE: i64 = 250;

/// Counts a team's issues a fetch would read (the same filter and bound as [`sync_team`]),
/// reading ids only and storing nothing.
pub async fn estimate_team(
    client: &LinearClient,
    state: &TeamState,
    team: &str,
    since: DateTime<Utc>,
    page_size: i64,
) -> Result<TeamEstimate, SyncError> {
    let answer = client
        .query(Document::TeamLookup, json!({ "key": team }))
        .await
        .map_err(|source| client_error(team, source))?;
    let data: TeamLookupData = decode(team, "TeamLookup", answer.data)?;
    if !data
        .teams
        .nodes
        .iter()
        .any(|t| t.key.eq_ignore_ascii_case(team))
    {
        return Err(SyncError::NotFound {
            team: team.to_string(),
        });
    }
    let bound = state.mark.unwrap_or(since);
    let comparator = if state.mark.is_none() { "gte" } else { "gt" };
    let mut after: Option<String> = None;
    let (mut issues, mut counted_with) = (0i64, 1i64);
    loop {
        let variables = json!({
            "filter": {
                "team": { "key": { "eq": team } },
                "updatedAt": { comparator: timestamp(bound) },
            },
            "first": ID_PAGE,
            "after": after,
        });
        let answer = client
            .query(Document::TeamIssueIds, variables)
            .await
            .map_err(|source| client_error(team, source))?;
        counted_with += 1;
        let data: TeamIssueIdsData = decode(team, "TeamIssueIds", answer.data)?;
        issues += data.issues.nodes.len() as i64;
        match data.issues.next_cursor() {
            Some(cursor) => after = Some(cursor.to_string()),
            None => break,
        }
    }
    let page_size = page_size.max(1);
    Ok(TeamEstimate {
        team: team.to_string(),
        issues,
        requests: ((issues + page_size - 1) / page_size).max(1),
        counted_with,
    })
}

/// Fails with [`SyncError::NotFound`] when Linear knows no team with the key.
async fn look_up(ctx: &SyncContext<'_>, team: &str) -> Result<(), SyncError> {
    let answer = ctx
        .client
        .query(Document::TeamLookup, json!({ "key": team }))
        .await
        .map_err(|source| client_error(team, source))?;
    let data: TeamLookupData = decode(team, "TeamLookup", answer.data)?;
    if data
        .teams
        .nodes
        .iter()
        .any(|t| t.key.eq_ignore_ascii_case(team))
    {
        Ok(())
    } else {
        Err(SyncError::NotFound {
            team: team.to_string(),
        })
    }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn new_checkpoint(ctx: &SyncContext<'_>, state: &TeamState) -> Checkpoint {
    let started_at = Utc::now();
    Checkpoint {
        run: format!("{}", started_at.format("%Y%m%dT%H%M%S%.6fZ")),
        started_at,
        bound: state.mark.unwrap_or(ctx.since),
        inclusive: state.mark.is_none(),
        after: None,
        done: false,
        newest: state.mark,
        pages: 0,
        counts: Counts::default(),
        warnings: Vec::new(),
    }
}

fn note_warnings(warnings: &mut Vec<String>, operation: &str, errors: &[GraphqlError]) {
    for error in errors {
        warnings.push(format!("{operation}: {}", error.user_message()));
    }
}

fn decode<T: DeserializeOwned>(
    team: &str,
    operation: &'static str,
    data: Value,
) -> Result<T, SyncError> {
    serde_json::from_value(data).map_err(|e| SyncError::Shape {
        team: team.to_string(),
        operation,
        message: e.to_string(),
    })
}

/// Reads the rest of one connection of an issue, after `after`, into `items`.
async fn follow<T: DeserializeOwned>(
    ctx: &SyncContext<'_>,
    team: &str,
    (document, id, field): (Document, &str, &str),
    mut after: Option<String>,
    items: &mut Vec<T>,
    warnings: &mut Vec<String>,
) -> Result<(), SyncError> {
    let operation = document.operation_name();
    loop {
        let answer: Answer = ctx
            .client
            .query(document, json!({ "id": id, "after": after }))
            .await
            .map_err(|source| client_error(team, source))?;
        note_warnings(warnings, operation, &answer.errors);
        let issue = answer.data.get("issue").cloned().unwrap_or(Value::Null);
        let Some(connection) = issue.get(field).filter(|c| !c.is_null()) else {
            // The issue went away (deleted mid-fetch): keep what was read.
            return Ok(());
        };
        let page: Connection<T> = decode(team, operation, connection.clone())?;
        after = page.next_cursor().map(str::to_string);
        items.extend(page.nodes);
        if after.is_none() {
            return Ok(());
        }
    }
}

async fn complete_one<T: DeserializeOwned>(
    ctx: &SyncContext<'_>,
    team: &str,
    target: (Document, &str, &str),
    connection: &mut Option<Connection<T>>,
    warnings: &mut Vec<String>,
) -> Result<(), SyncError> {
    let Some(after) = connection
        .as_ref()
        .and_then(|c| c.next_cursor())
        .map(str::to_string)
    else {
        return Ok(());
    };
    let mut whole = connection.take().unwrap_or_default();
    follow(ctx, team, target, Some(after), &mut whole.nodes, warnings).await?;
    whole.page_info = None;
    *connection = Some(whole);
    Ok(())
}

/// Follows every connection of an issue that has more than its first page.
async fn complete(
    ctx: &SyncContext<'_>,
    team: &str,
    mut node: WireIssue,
    warnings: &mut Vec<String>,
) -> Result<WireIssue, SyncError> {
    let id = node.id.clone();
    let id = id.as_str();
    use Document::*;
    complete_one(
        ctx,
        team,
        (IssueHistory, id, "history"),
        &mut node.history,
        warnings,
    )
    .await?;
    complete_one(
        ctx,
        team,
        (IssueLabels, id, "labels"),
        &mut node.labels,
        warnings,
    )
    .await?;
    let attachments = (IssueAttachments, id, "attachments");
    complete_one(ctx, team, attachments, &mut node.attachments, warnings).await?;
    complete_one(
        ctx,
        team,
        (IssueComments, id, "comments"),
        &mut node.comments,
        warnings,
    )
    .await?;
    Ok(node)
}

/// One atomic commit: every staged issue's rows replace the stored ones, and the team's mark.
fn commit(
    ctx: &SyncContext<'_>,
    team: &str,
    dir: &Path,
    checkpoint: &Checkpoint,
) -> Result<(), SyncError> {
    let pages = read_pages(dir, checkpoint.pages)?;
    let staged = latest_versions(pages);
    let keys: BTreeSet<String> = staged.issues.iter().map(|i| i.key.clone()).collect();
    let keys = lit(Series::new(
        "keys".into(),
        keys.into_iter().collect::<Vec<_>>(),
    ))
    .implode(true);
    let cycles: Vec<String> = staged.sprints.iter().map(|s| s.id.clone()).collect();
    let cycles = lit(Series::new("cycles".into(), cycles)).implode(true);
    let ours = || col("source").eq(lit(SOURCE));
    let frame = |result: PolarsResult<DataFrame>, table: &str| {
        result.map_err(|source| StoreError::Polars {
            context: format!("preparing the {table} of Linear team {team}"),
            source,
        })
    };
    let replacements = vec![
        Replacement {
            table: Sprint::NAME,
            remove: ours().and(col("id").is_in(cycles, false)),
            rows: frame(Sprint::to_frame(staged.sprints), "cycles")?,
        },
        Replacement {
            table: Issue::NAME,
            remove: ours().and(col("key").is_in(keys.clone(), false)),
            rows: frame(Issue::to_frame(staged.issues), "issues")?,
        },
        Replacement {
            table: IssueEvent::NAME,
            remove: ours().and(col("key").is_in(keys.clone(), false)),
            rows: frame(IssueEvent::to_frame(staged.issue_events), "issue events")?,
        },
        Replacement {
            table: Comment::NAME,
            remove: ours()
                .and(col("target").eq(lit("issue")))
                .and(col("item").is_in(keys, false)),
            rows: frame(Comment::to_frame(staged.comments), "comments")?,
        },
    ];
    let mut store = lock(ctx.store);
    let mut source_state = store
        .manifest()
        .sources
        .get(SOURCE)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let state = TeamState {
        mark: checkpoint.newest,
        last_run: Some(checkpoint.run.clone()),
        fetched_at: Some(checkpoint.started_at),
    };
    if let Some(Value::Object(teams)) = source_state
        .as_object_mut()
        .map(|o| o.entry("teams").or_insert_with(|| json!({})))
    {
        teams.insert(
            team.to_string(),
            serde_json::to_value(&state).unwrap_or(Value::Null),
        );
    }
    store.merge(replacements, Some((SOURCE, source_state)))?;
    Ok(())
}

/// An issue read on two pages (updated while the fetch ran) keeps only its later version.
fn latest_versions(pages: Vec<Dataset>) -> Dataset {
    let mut issue_page: BTreeMap<String, usize> = BTreeMap::new();
    for (index, page) in pages.iter().enumerate() {
        for issue in &page.issues {
            issue_page.insert(issue.key.clone(), index);
        }
    }
    let mut out = Dataset::default();
    for (index, page) in pages.into_iter().enumerate() {
        let here = |k: &str| issue_page.get(k) == Some(&index);
        out.issues
            .extend(page.issues.into_iter().filter(|i| here(&i.key)));
        out.issue_events
            .extend(page.issue_events.into_iter().filter(|e| here(&e.key)));
        out.comments
            .extend(page.comments.into_iter().filter(|c| here(&c.item)));
        // A cycle as the newest page saw it.
        for sprint in page.sprints {
            out.sprints.retain(|s| s.id != sprint.id);
            out.sprints.push(sprint);
        }
    }
    out
}

/// `<staging>/<TEAM>`.
pub fn staging_dir(staging_root: &Path, team: &str) -> PathBuf {
    let cleaned: String = team
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    staging_root.join(if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    })
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
