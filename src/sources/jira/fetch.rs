//! A whole `teamlens fetch jira` run: the account's time zone and the site's statuses first,
//! then one [`sync_project`] per project, and what to tell the user as it goes.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::client::{ClientError, ClientStats, JiraClient};
use super::normalize::{AccountInfo, Mapping, SOURCE, bot_id};
use super::sync::{
    ProjectOutcome, SyncContext, SyncError, checkpoint_path, staging_dir, sync_project,
};
use super::wire::{BoardPage, Myself, SprintPage, StatusDefinition};
use crate::config::JiraConfig;
use crate::model::Sprint;
use crate::sources::tickets::Counts;
use crate::store::{Store, StoreError};

/// Told what happens, so the command line can show progress bars or log lines.
pub trait Observer: Sync {
    fn project_started(&self, project: &str, resumed_hint: bool);
    fn page(&self, project: &str, counts: &Counts, stats: &ClientStats);
    fn waiting(&self, message: &str);
    fn project_finished(&self, outcome: &ProjectOutcome, stats: &ClientStats);
    fn project_failed(&self, project: &str, error: &SyncError);
    /// Something the user should know that does not stop the fetch (a part of the site that
    /// could not be read and was skipped).
    fn note(&self, project: &str, message: &str);
}

/// What a fetch did, project by project.
#[derive(Debug, Default)]
pub struct FetchSummary {
    pub outcomes: Vec<ProjectOutcome>,
    pub failures: Vec<SyncError>,
    pub stats: ClientStats,
    /// Every project was tried; nothing stopped early.
    pub complete: bool,
}

/// Why a fetch could not start.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "nothing to fetch from Jira: name projects (`teamlens fetch jira KEY`) or list them as \
         projects under [jira] in teamlens.toml"
    )]
    NothingToFetch,
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn lock_store(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Fetches every project in turn. A project that fails is reported and the others go on,
/// unless the failure concerns them all (credentials): then the fetch stops.
pub async fn fetch(
    client: &JiraClient,
    store: Store,
    data_dir: &Path,
    projects: &[String],
    since: DateTime<Utc>,
    config: &JiraConfig,
    observer: &dyn Observer,
) -> Result<FetchSummary, FetchError> {
    if projects.is_empty() {
        return Err(FetchError::NothingToFetch);
    }
    let myself: Myself = client.get("/rest/api/3/myself", &[]).await?;
    let zone = myself
        .time_zone
        .as_deref()
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let mut mapping = Mapping::from_config(config);
    let statuses: Vec<StatusDefinition> = client.get("/rest/api/3/status", &[]).await?;
    for status in &statuses {
        if let Some(category) = &status.status_category {
            mapping.learn(&status.name, &category.key);
        }
    }
    // Each project's sprints go into the same commit as its issues: a fetch that fails stores
    // nothing.
    let mut sprints = std::collections::BTreeMap::new();
    for project in projects {
        let read = read_sprints(client, project, &mut mapping, observer).await?;
        sprints.insert(project.clone(), read);
    }
    // App accounts earlier fetches found, so that a changelog naming one by id alone (an
    // assignee change) stores it as the same bot.
    if let Some(accounts) = store
        .manifest()
        .sources
        .get(SOURCE)
        .and_then(|s| s.get("accounts"))
        .and_then(|a| a.as_object())
    {
        for (id, info) in accounts {
            if let Ok(info) = serde_json::from_value::<AccountInfo>(info.clone())
                && info.bot
            {
                mapping
                    .app_accounts
                    .insert(id.clone(), bot_id(info.display_name.as_deref(), id));
            }
        }
    }
    let identities = crate::sources::identities::identities(&store)?;
    let store = Mutex::new(store);
    let ctx = SyncContext {
        client,
        store: &store,
        staging_root: data_dir.join("staging").join(SOURCE),
        since,
        page_size: config.page_size,
        mapping,
        identities,
        zone,
        sprints,
    };
    let mut summary = FetchSummary {
        complete: true,
        ..FetchSummary::default()
    };
    for project in projects {
        let resumed_hint = checkpoint_path(&staging_dir(&ctx.staging_root, project)).exists();
        observer.project_started(project, resumed_hint);
        let on_page =
            |project: &str, counts: &Counts| observer.page(project, counts, &client.stats());
        let synced = match sync_project(&ctx, project, &on_page).await {
            Ok(mut outcome) => {
                let state = super::sync::project_state(
                    lock_store(&store).manifest().sources.get(SOURCE),
                    project,
                );
                if super::sync::relist_due(&state, config.relist_days, Utc::now()) {
                    super::sync::relist_project(&ctx, project)
                        .await
                        .map(|removed| {
                            outcome.removed = removed;
                            outcome
                        })
                } else {
                    Ok(outcome)
                }
            }
            Err(error) => Err(error),
        };
        match synced {
            Ok(outcome) => {
                observer.project_finished(&outcome, &client.stats());
                summary.outcomes.push(outcome);
            }
            Err(error) => {
                observer.project_failed(project, &error);
                let global = error.is_global() || error.is_resumable();
                summary.failures.push(error);
                if global {
                    summary.complete = false;
                    break;
                }
            }
        }
    }
    summary.stats = client.stats();
    Ok(summary)
}

/// What fetching one project would read, from Jira's count of the issues its search matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub project: String,
    /// Issues updated since the stored mark (or `--since`), as Jira counts them.
    pub issues: i64,
    /// Search pages, plus a changelog and a remote-links request per issue: the least a fetch
    /// sends (long changelogs and comment threads add pages).
    pub requests: i64,
    /// Pages of the keys-only listing of the whole project when one is due (`relist_days`
    /// after the last), else 0.
    pub listing_requests: i64,
}

/// Counts what a fetch of `projects` would read, reading no issue and storing nothing: the
/// account's zone, then one `search/approximate-count` per project with the JQL the fetch
/// would send, and one more of the whole project when its listing of keys is due.
pub async fn estimate(
    client: &JiraClient,
    store: Option<&Store>,
    projects: &[String],
    since: DateTime<Utc>,
    config: &JiraConfig,
) -> Result<Vec<Estimate>, EstimateError> {
    if projects.is_empty() {
        return Err(FetchError::NothingToFetch.into());
    }
    let myself: Myself = client
        .get("/rest/api/3/myself", &[])
        .await
        .map_err(FetchError::from)?;
    let zone = myself
        .time_zone
        .as_deref()
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let mut out = Vec::new();
    for project in projects {
        let state = store
            .map(|s| super::sync::project_state(s.manifest().sources.get(SOURCE), project))
            .unwrap_or_default();
        let bound = super::sync::search_bound(state.mark.unwrap_or(since));
        let jql = super::sync::jql(project, bound, zone);
        let count_jql = jql.split(" ORDER BY").next().unwrap_or(&jql).to_string();
        let count = approximate_count(client, project, &count_jql).await?;
        // As the fetch decides after its search: a project never listed counts the search as
        // its listing, so only `relist_days = 0` lists it at once.
        let now = Utc::now();
        let after_search = super::sync::ProjectState {
            listed_at: state.listed_at.or(Some(now)),
            ..state.clone()
        };
        let listing_requests = if super::sync::relist_due(&after_search, config.relist_days, now) {
            let keys =
                approximate_count(client, project, &super::sync::listing_jql(project)).await?;
            let page = i64::from(super::sync::KEYS_PAGE);
            ((keys + page - 1) / page).max(1)
        } else {
            0
        };
        let page = i64::from(config.page_size.max(1));
        let pages = ((count + page - 1) / page).max(1);
        out.push(Estimate {
            project: project.clone(),
            issues: count,
            requests: pages + 2 * count,
            listing_requests,
        });
    }
    Ok(out)
}

/// Jira's count of the issues `jql` matches; a project Jira does not know is named.
async fn approximate_count(
    client: &JiraClient,
    project: &str,
    jql: &str,
) -> Result<i64, EstimateError> {
    match client
        .post::<ApproximateCount>(
            "/rest/api/3/search/approximate-count",
            &serde_json::json!({ "jql": jql }),
        )
        .await
    {
        Ok(answer) => Ok(answer.count),
        Err(ClientError::Rejected {
            status: 400,
            message,
            ..
        }) if message.contains("project") => Err(EstimateError::UnknownProject {
            project: project.to_string(),
            message,
        }),
        Err(e) => Err(FetchError::from(e).into()),
    }
}

/// Jira's answer to `search/approximate-count`.
#[derive(Debug, serde::Deserialize)]
struct ApproximateCount {
    count: i64,
}

/// Why a fetch could not be estimated.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("jira project {project}: Jira does not know it ({message}); check the key")]
    UnknownProject { project: String, message: String },
}

fn sprint_time(text: &Option<String>) -> Option<DateTime<Utc>> {
    text.as_deref().and_then(super::normalize::parse_time)
}

/// Why the agile API would not answer for a project or board, when that is no reason to stop
/// the fetch: no Jira Software on the site (404), or the account (or its token's scopes) not
/// allowed to read boards and sprints (403, and the 401 some sites give the agile API alone:
/// the credentials were accepted by `/myself` already).
fn agile_refusal(error: &ClientError) -> Option<String> {
    let (status, message) = match error {
        ClientError::NotFound { message, .. } => (404, message),
        ClientError::Forbidden { message, .. } => (403, message),
        ClientError::Unauthorized { message, .. } => (401, message),
        _ => return None,
    };
    let why = match status {
        404 => "no agile API on this site (Jira Software)",
        _ => "the account in JIRA_EMAIL may not read boards and sprints",
    };
    Some(if message.is_empty() {
        format!("Jira answered {status}: {why}")
    } else {
        format!("Jira answered {status}: {why} (Jira says: {message})")
    })
}

/// The sprints of a project's boards (agile API), so that sprint changes name each sprint as it
/// is called now, and the `sprints` rows with their start, end and completion. Kanban boards
/// have no sprints, and a project without a board has none: both are skipped. A site without
/// the agile API, or one that refuses it to the account, is skipped with a note: sprint changes
/// are then named as the changelog wrote them, and the overload detector dates a sprint from
/// its first assignment.
async fn read_sprints(
    client: &JiraClient,
    project: &str,
    mapping: &mut Mapping,
    observer: &dyn Observer,
) -> Result<Vec<Sprint>, ClientError> {
    let mut rows = Vec::new();
    let mut boards = Vec::new();
    let mut start_at = 0i64;
    loop {
        let page: BoardPage = match client
            .get(
                "/rest/agile/1.0/board",
                &[
                    ("projectKeyOrId", project.to_string()),
                    ("startAt", start_at.to_string()),
                ],
            )
            .await
        {
            Ok(page) => page,
            // An unknown project: its search says so.
            Err(ClientError::Rejected { .. }) => return Ok(rows),
            Err(e) => match agile_refusal(&e) {
                Some(why) => {
                    observer.note(
                        project,
                        &format!("sprints not read: the boards of {project}: {why}"),
                    );
                    return Ok(rows);
                }
                None => return Err(e),
            },
        };
        let read = page.values.len() as i64;
        boards.extend(page.values);
        start_at = page.start_at + read;
        if read == 0 || page.is_last.unwrap_or(true) {
            break;
        }
    }
    for board in boards
        .iter()
        .filter(|b| b.kind.as_deref() != Some("kanban"))
    {
        let mut start_at = 0i64;
        loop {
            let page: SprintPage = match client
                .get(
                    &format!("/rest/agile/1.0/board/{}/sprint", board.id),
                    &[("startAt", start_at.to_string())],
                )
                .await
            {
                Ok(page) => page,
                // A board that does not support sprints.
                Err(ClientError::Rejected { .. }) => break,
                Err(e) => match agile_refusal(&e) {
                    Some(why) => {
                        observer.note(
                            project,
                            &format!("sprints of board {} not read: {why}", board.id),
                        );
                        break;
                    }
                    None => return Err(e),
                },
            };
            let read = page.values.len() as i64;
            for sprint in page.values {
                // A sprint shown on two of the project's boards is one row.
                if rows.iter().any(|r: &Sprint| r.id == sprint.id.to_string()) {
                    continue;
                }
                rows.push(Sprint {
                    source: SOURCE.into(),
                    id: sprint.id.to_string(),
                    name: sprint.name.clone(),
                    project: Some(project.to_string()),
                    started_at: sprint_time(&sprint.start_date),
                    ended_at: sprint_time(&sprint.end_date),
                    completed_at: sprint_time(&sprint.complete_date),
                });
                mapping
                    .sprint_names
                    .insert(sprint.id.to_string(), sprint.name);
            }
            start_at = page.start_at + read;
            if read == 0 || page.is_last.unwrap_or(true) {
                break;
            }
        }
    }
    Ok(rows)
}
