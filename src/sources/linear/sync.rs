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
//!
//! **Moved, trashed and deleted issues.** Rows are keyed by identifier (`PAY-12`); an issue
//! moved to another team keeps its id but gets a new identifier (`WEB-40`), and lists the old
//! ones in `previousIdentifiers`. Whenever an issue is read, its rows under those former keys
//! are removed in the merge that writes its new ones. A trashed issue (`trashed: true`; Linear
//! still returns it, archived, under `includeArchived`) has its rows removed; an archived one
//! that is not trashed is done work and kept. Whether trashing or moving raises `updatedAt` is
//! not documented, and a move out of the team takes the issue out of this team's filter, so
//! every `linear.relist_days` a fetch also lists the team's ids ([`reconcile`]) and the same merge
//! removes the stored issues of the team it no longer lists.

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
    Connection, Issue as WireIssue, IssueId, TeamIssueIdsData, TeamIssuesData, TeamLookupData,
};
use crate::model::{Dataset, Sprint, Table};
use crate::sources::fetch::{ScopeError, lock};
use crate::sources::identities::Identities;
pub use crate::sources::staging::checkpoint_path;
use crate::sources::staging::{
    StagingError, read_checkpoint, read_pages, remove_dir, sanitize, write_checkpoint, write_page,
};
use crate::sources::tickets::{self, Counts, IssueRows, ScopeEstimate};
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

impl ScopeError for SyncError {
    fn is_resumable(&self) -> bool {
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

    /// The key, the rate limit and the network are every team's; so is the store.
    fn stops_all(&self) -> bool {
        let client = matches!(self, SyncError::Client { source, .. } if source.is_global());
        client || matches!(self, SyncError::Store(_))
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
    /// How long a team's listing of ids is trusted (`linear.relist_days`): a fetch this long
    /// after the last listing lists every id of the team again ([`reconcile`]).
    pub relist_after: chrono::TimeDelta,
}

/// What one team's fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamOutcome {
    pub team: String,
    pub counts: Counts,
    pub resumed: bool,
    /// GraphQL errors Linear reported beside the data that was kept.
    pub warnings: Vec<String>,
    /// Keys whose rows the merge removed and did not write again: trashed issues, issues the
    /// team's listing no longer has (moved away, deleted), former keys of moved issues.
    pub removed: Vec<String>,
}

/// What the manifest keeps per team under the `linear` source.
pub type TeamState = crate::sources::tickets::ScopeState;

/// A team's state in the `linear` source state of the manifest.
pub fn team_state(source_state: Option<&Value>, team: &str) -> TeamState {
    crate::sources::tickets::scope_state(source_state, "teams", team)
}

/// Rewinds the mark of every team in the `linear` source state so that the next fetch reads
/// again every issue updated since `from` (with `None`, since the fetch's `--since`): what
/// `teamlens fetch --repair` does when a file holding this source's rows of that month (or of
/// any month) was lost. An issue's rows all carry times at or before its last update, and the
/// merge replaces them by key. Linear's mark is exclusive, so the mark is set a second before
/// `from`.
pub fn rewind(source_state: &mut Value, from: Option<DateTime<Utc>>) {
    crate::sources::tickets::rewind_marks(
        source_state,
        "teams",
        from,
        chrono::TimeDelta::seconds(1),
    );
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
    /// Trashed issues read, with the page that read them (1-based).
    #[serde(default)]
    trashed: BTreeMap<String, u32>,
    /// The identifiers issues read had before they moved between teams.
    #[serde(default)]
    former: BTreeSet<String>,
}

/// Fetches one team to the end and merges it into the store; `on_page` is told after every
/// checkpointed page.
pub async fn sync_team(
    ctx: &SyncContext<'_>,
    team: &str,
    on_page: &(dyn Fn(&Counts) + Sync),
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

    let listing_due = relist_due(&state, ctx.relist_after, checkpoint.started_at);
    let mut first = ctx.page_size;
    while !checkpoint.done {
        let comparator = if checkpoint.inclusive { "gte" } else { "gt" };
        let filter = json!({
            "team": { "key": { "eq": team } },
            "updatedAt": { comparator: timestamp(checkpoint.bound) },
        });
        let after = checkpoint.after.clone();
        let data = issues_page(ctx, team, filter, &mut first, after, &mut checkpoint).await?;
        for node in &data.issues.nodes {
            if checkpoint.newest.is_none_or(|n| node.updated_at > n) {
                checkpoint.newest = Some(node.updated_at);
            }
        }
        match data.issues.next_cursor() {
            Some(after) => checkpoint.after = Some(after.to_string()),
            None => checkpoint.done = true,
        }
        stage(ctx, team, &dir, data.issues.nodes, &mut checkpoint).await?;
        on_page(&checkpoint.counts);
    }

    let listed = if listing_due {
        Some(reconcile(ctx, team, &dir, &mut checkpoint, &mut first, on_page).await?)
    } else {
        None
    };
    let removed = commit(ctx, team, &dir, &checkpoint, listed.as_ref())?;
    remove_dir(&dir)?;
    Ok(TeamOutcome {
        team: team.to_string(),
        counts: checkpoint.counts,
        resumed,
        warnings: checkpoint.warnings,
        removed,
    })
}

/// Whether a fetch starting at `now` lists the team's ids, when a listing is trusted for
/// `relist_after`. A first fetch does not (it reads everything it stores, and counts as a
/// listing); a store written before listings were kept has no `listed_at`, and is listed.
fn relist_due(state: &TeamState, relist_after: chrono::TimeDelta, now: DateTime<Utc>) -> bool {
    state.last_run.is_some() && state.listed_at.is_none_or(|at| now - at >= relist_after)
}

/// One page of `TeamIssues` under `filter`, asked again with half as many issues while Linear
/// finds the query too complex (issues with long first pages make it so).
async fn issues_page(
    ctx: &SyncContext<'_>,
    team: &str,
    filter: Value,
    first: &mut u32,
    after: Option<String>,
    checkpoint: &mut Checkpoint,
) -> Result<TeamIssuesData, SyncError> {
    loop {
        let variables = json!({ "filter": filter, "first": *first, "after": after });
        match ctx.client.query(Document::TeamIssues, variables).await {
            Ok(answer) => {
                note_warnings(&mut checkpoint.warnings, "TeamIssues", &answer.errors);
                return decode(team, "TeamIssues", answer.data);
            }
            Err(ClientError::Rejected { message, .. })
                if *first > 1 && message.to_lowercase().contains("complex") =>
            {
                *first = (*first / 2).max(1);
            }
            Err(source) => return Err(client_error(team, source)),
        }
    }
}

/// Normalizes a page of issues into the next staged page, then checkpoints. A trashed issue
/// gives no rows: it is noted with the page, so that the merge removes its rows unless a later
/// page has it back. The identifiers a moved issue had are noted for removal.
async fn stage(
    ctx: &SyncContext<'_>,
    team: &str,
    dir: &Path,
    nodes: Vec<WireIssue>,
    checkpoint: &mut Checkpoint,
) -> Result<(), SyncError> {
    let number = checkpoint.pages + 1;
    let mut page = Dataset::default();
    for node in nodes {
        checkpoint
            .former
            .extend(node.previous_identifiers.iter().flatten().cloned());
        if node.trashed == Some(true) {
            checkpoint.trashed.insert(node.identifier.clone(), number);
            continue;
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
    checkpoint.pages = number;
    checkpoint.counts.pages = number;
    write_page(dir, number, &page)?;
    write_checkpoint(dir, checkpoint)?;
    Ok(())
}

/// The periodic listing, for what an `updatedAt` filter cannot be trusted to show: whether
/// Linear raises `updatedAt` when an issue is trashed or moved is not documented, and an issue
/// moved to another team no longer matches this team's filter at all. Lists every id of the
/// team (archived and trashed included) and reads, as more staged pages, the listed issues
/// updated since `--since` that are neither stored nor staged (moved in, or back from the
/// trash, without a newer `updatedAt`). Returns the identifiers the team has, trashed ones left
/// out: the merge removes every stored or staged issue of the team not among them.
///
/// The listing is not checkpointed (it is ids only); a run killed after it lists again, and
/// the pages it read are staged already, so they are not read twice.
async fn reconcile(
    ctx: &SyncContext<'_>,
    team: &str,
    dir: &Path,
    checkpoint: &mut Checkpoint,
    first: &mut u32,
    on_page: &(dyn Fn(&Counts) + Sync),
) -> Result<BTreeSet<String>, SyncError> {
    let team_filter = json!({ "team": { "key": { "eq": team } } });
    let (ids, _) = issue_ids(ctx.client, team, &team_filter).await?;
    let live: Vec<IssueId> = ids
        .into_iter()
        .filter(|i| i.trashed != Some(true))
        .collect();
    let mut known = tickets::stored_keys(&lock(ctx.store), SOURCE, team)?;
    let (staged, _) = latest_versions(read_pages(dir, checkpoint.pages)?, &checkpoint.trashed);
    known.extend(staged.issues.into_iter().map(|i| i.key));
    let missing: Vec<String> = live
        .iter()
        .filter(|i| !known.contains(&i.identifier))
        .filter(|i| i.updated_at.is_none_or(|at| at >= ctx.since))
        .map(|i| i.id.clone())
        .collect();
    let chunk = usize::try_from(ctx.page_size.max(1)).unwrap_or(1);
    for ids in missing.chunks(chunk) {
        let filter = json!({
            "team": { "key": { "eq": team } },
            "id": { "in": ids },
        });
        let mut after: Option<String> = None;
        loop {
            let data = issues_page(ctx, team, filter.clone(), first, after, checkpoint).await?;
            after = data.issues.next_cursor().map(str::to_string);
            stage(ctx, team, dir, data.issues.nodes, checkpoint).await?;
            on_page(&checkpoint.counts);
            if after.is_none() {
                break;
            }
        }
    }
    Ok(live.into_iter().map(|i| i.identifier).collect())
}

/// Every issue of `filter`, ids only, in pages of [`ID_PAGE`]; and how many requests it took.
async fn issue_ids(
    client: &LinearClient,
    team: &str,
    filter: &Value,
) -> Result<(Vec<IssueId>, i64), SyncError> {
    let mut after: Option<String> = None;
    let (mut ids, mut requests) = (Vec::new(), 0i64);
    loop {
        let variables = json!({ "filter": filter, "first": ID_PAGE, "after": after });
        let answer = client
            .query(Document::TeamIssueIds, variables)
            .await
            .map_err(|source| client_error(team, source))?;
        requests += 1;
        let data: TeamIssueIdsData = decode(team, "TeamIssueIds", answer.data)?;
        after = data.issues.next_cursor().map(str::to_string);
        ids.extend(data.issues.nodes);
        if after.is_none() {
            return Ok((ids, requests));
        }
    }
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

/// What fetching one team would read: its requests are pages of `TeamIssues` at the
/// configured page size, its listing's pages come from Linear's count of the team's issues,
/// archived included.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamEstimate {
    pub estimate: ScopeEstimate,
    /// Requests made to count.
    pub counted_with: i64,
}

/// Page size of the id-only count and listing: ids cost Linear one complexity point each.
const ID_PAGE: i64 = 250;

/// Counts a team's issues a fetch would read (the same filter and bound as [`sync_team`]),
/// reading ids only and storing nothing.
pub async fn estimate_team(
    client: &LinearClient,
    state: &TeamState,
    team: &str,
    since: DateTime<Utc>,
    page_size: i64,
    relist_after: chrono::TimeDelta,
) -> Result<TeamEstimate, SyncError> {
    let answer = client
        .query(Document::TeamLookup, json!({ "key": team }))
        .await
        .map_err(|source| client_error(team, source))?;
    let data: TeamLookupData = decode(team, "TeamLookup", answer.data)?;
    let Some(found) = data
        .teams
        .nodes
        .iter()
        .find(|t| t.key.eq_ignore_ascii_case(team))
    else {
        return Err(SyncError::NotFound {
            team: team.to_string(),
        });
    };
    let listing_requests = if relist_due(state, relist_after, Utc::now()) {
        let ids = found.issue_count.unwrap_or(0);
        ((ids + ID_PAGE - 1) / ID_PAGE).max(1)
    } else {
        0
    };
    let bound = state.mark.unwrap_or(since);
    let comparator = if state.mark.is_none() { "gte" } else { "gt" };
    let filter = json!({
        "team": { "key": { "eq": team } },
        "updatedAt": { comparator: timestamp(bound) },
    });
    let (ids, requests) = issue_ids(client, team, &filter).await?;
    let (issues, counted_with) = (ids.len() as i64, requests + 1);
    let page_size = page_size.max(1);
    let estimate = ScopeEstimate {
        key: team.to_string(),
        issues,
        requests: ((issues + page_size - 1) / page_size).max(1),
        listing_requests,
    };
    Ok(TeamEstimate {
        estimate,
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
        trashed: BTreeMap::new(),
        former: BTreeSet::new(),
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
/// The same merge removes the rows of trashed issues, those under the former identifiers of
/// moved ones and, with a listing (`listed`), those of every stored or staged issue of the
/// team the listing does not have; so a kill leaves the old state or the new one. Returns the
/// keys removed and not written again.
fn commit(
    ctx: &SyncContext<'_>,
    team: &str,
    dir: &Path,
    checkpoint: &Checkpoint,
    listed: Option<&BTreeSet<String>>,
) -> Result<Vec<String>, SyncError> {
    let pages = read_pages(dir, checkpoint.pages)?;
    let (mut staged, mut gone) = latest_versions(pages, &checkpoint.trashed);
    let mut store = lock(ctx.store);
    if let Some(listed) = listed {
        let known = tickets::stored_keys(&store, SOURCE, team)?;
        let staged_keys = staged.issues.iter().map(|i| i.key.clone());
        gone.extend(
            known
                .into_iter()
                .chain(staged_keys)
                .filter(|k| !listed.contains(k)),
        );
    }
    staged.issues.retain(|i| !gone.contains(&i.key));
    staged.issue_events.retain(|e| !gone.contains(&e.key));
    staged.comments.retain(|c| !gone.contains(&c.item));
    let written: BTreeSet<String> = staged.issues.iter().map(|i| i.key.clone()).collect();
    let mut removed: BTreeSet<String> = gone;
    removed.extend(
        checkpoint
            .former
            .iter()
            .filter(|k| !written.contains(*k))
            .cloned(),
    );
    let keys: Vec<String> = written.union(&removed).cloned().collect();
    let cycles: Vec<String> = staged.sprints.iter().map(|s| s.id.clone()).collect();
    let cycles = lit(Series::new("cycles".into(), cycles)).implode(true);
    let ours = || col("source").eq(lit(SOURCE));
    let frame = |result: PolarsResult<DataFrame>, table: &str| {
        result.map_err(|source| StoreError::Polars {
            context: format!("preparing the {table} of Linear team {team}"),
            source,
        })
    };
    let mut replacements = vec![Replacement {
        table: Sprint::NAME,
        remove: ours().and(col("id").is_in(cycles, false)),
        rows: frame(Sprint::to_frame(staged.sprints), "cycles")?,
    }];
    replacements.extend(tickets::replace_issues(
        SOURCE,
        keys,
        IssueRows {
            issues: staged.issues,
            issue_events: staged.issue_events,
            comments: staged.comments,
        },
        &format!("Linear team {team}"),
    )?);
    let mut source_state = store
        .manifest()
        .sources
        .get(SOURCE)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let previous = team_state(Some(&source_state), team);
    let state = TeamState {
        mark: checkpoint.newest,
        last_run: Some(checkpoint.run.clone()),
        fetched_at: Some(checkpoint.started_at),
        listed_at: match listed {
            Some(_) => Some(checkpoint.started_at),
            None => previous.listed_at.or(Some(checkpoint.started_at)),
        },
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
    Ok(removed.into_iter().collect())
}

/// An issue read on two pages (updated while the fetch ran) keeps only its later version; one
/// whose latest reading found it trashed keeps none, and is among the keys returned beside.
fn latest_versions(
    pages: Vec<Dataset>,
    trashed: &BTreeMap<String, u32>,
) -> (Dataset, BTreeSet<String>) {
    let mut issue_page: BTreeMap<String, usize> = BTreeMap::new();
    for (index, page) in pages.iter().enumerate() {
        for issue in &page.issues {
            issue_page.insert(issue.key.clone(), index);
        }
    }
    // Page numbers are 1-based; a trashing read after the last rows wins.
    let gone: BTreeSet<String> = trashed
        .iter()
        .filter(|(key, page)| {
            issue_page
                .get(*key)
                .is_none_or(|&i| i + 1 < **page as usize)
        })
        .map(|(key, _)| key.clone())
        .collect();
    let mut out = Dataset::default();
    for (index, page) in pages.into_iter().enumerate() {
        let here = |k: &str| issue_page.get(k) == Some(&index) && !gone.contains(k);
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
    (out, gone)
}

/// `<staging>/<TEAM>`.
pub fn staging_dir(staging_root: &Path, team: &str) -> PathBuf {
    staging_root.join(sanitize(team))
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
    use crate::model::Issue;

    fn page(keys: &[&str]) -> Dataset {
        let issues = keys
            .iter()
            .map(|key| Issue {
                source: SOURCE.into(),
                key: key.to_string(),
                project: Some("PAY".into()),
                title: None,
                issue_type: None,
                reporter: None,
                assignee: None,
                status: None,
                status_category: None,
                created_at: DateTime::<Utc>::UNIX_EPOCH,
                started_at: None,
                resolved_at: None,
                reopen_count: None,
                sprint: None,
                estimate: None,
                labels: Vec::new(),
                url: None,
                linked_prs: Vec::new(),
            })
            .collect();
        Dataset {
            issues,
            ..Dataset::default()
        }
    }

    #[test]
    fn the_latest_reading_of_an_issue_decides_whether_it_was_trashed() {
        // PAY-1 read, then trashed on page 2; PAY-2 trashed on page 1, then back on page 2;
        // PAY-3 trashed and never read with rows.
        let pages = vec![page(&["PAY-1"]), page(&["PAY-2"])];
        let trashed = BTreeMap::from([
            ("PAY-1".to_string(), 2),
            ("PAY-2".to_string(), 1),
            ("PAY-3".to_string(), 2),
        ]);
        let (kept, gone) = latest_versions(pages, &trashed);
        let kept: Vec<&str> = kept.issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(kept, vec!["PAY-2"]);
        assert_eq!(
            gone.into_iter().collect::<Vec<_>>(),
            vec!["PAY-1".to_string(), "PAY-3".to_string()]
        );
    }

    #[test]
    fn a_first_fetch_does_not_list_and_a_week_later_one_does() {
        let now = Utc::now();
        let week = chrono::TimeDelta::days(7);
        let fresh = TeamState::default();
        assert!(!relist_due(&fresh, week, now));
        let old_store = TeamState {
            last_run: Some("r".into()),
            ..TeamState::default()
        };
        assert!(relist_due(&old_store, week, now));
        let listed = |days: i64| TeamState {
            listed_at: Some(now - chrono::Duration::days(days)),
            ..old_store.clone()
        };
        assert!(!relist_due(&listed(6), week, now));
        assert!(relist_due(&listed(7), week, now));
        // `relist_days = 0`: every fetch after the first lists, even one straight after.
        assert!(relist_due(&listed(0), chrono::TimeDelta::zero(), now));
        assert!(!relist_due(&fresh, chrono::TimeDelta::zero(), now));
    }
}
