//! `teamlens fetch jira`: the account's time zone and the site's statuses first, then one
//! [`sync_project`] per project, and what to tell the user as it goes; and `--dry-run`, which
//! counts what a fetch would read instead.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::client::{ClientError, ClientStats, Credentials, JiraClient, Policy};
use super::normalize::{AccountInfo, Mapping, SOURCE, bot_id};
use super::sync::{
    ProjectOutcome, SkippedIssue, SyncContext, SyncError, staging_dir, sync_project,
};
use super::wire::{BoardPage, Myself, SprintPage, StatusDefinition};
use crate::config::JiraConfig;
use crate::model::Sprint;
use crate::sources::fetch::{
    Estimate, Fetch, FetchContext, FetchError, FetchSummary, Observer, lock, runtime, waits_logged,
    waits_told,
};
use crate::sources::identities::identities;
use crate::sources::tickets::{
    Counts, REMOVED_KEYS_SHOWN, ScopeEstimate, done, estimate_table as estimate_table_of,
    removed_note,
};
use crate::store::Store;

const NOTHING_TO_FETCH: &str = "nothing to fetch from Jira: name projects (`teamlens fetch jira \
    KEY`) or list them as projects under [jira] in teamlens.toml";

/// The Jira source of a fetch: the projects named.
pub struct Jira<'a> {
    config: &'a JiraConfig,
    projects: Vec<String>,
}

impl<'a> Jira<'a> {
    pub fn new(config: &'a JiraConfig, projects: Vec<String>) -> Self {
        Jira { config, projects }
    }

    /// The projects' keys as Jira spells them.
    fn projects(&self) -> Vec<String> {
        let mut projects: Vec<String> = self
            .projects
            .iter()
            .map(|p| p.trim().to_uppercase())
            .collect();
        projects.dedup();
        projects
    }

    /// A client for the site, telling `waits` when it waits.
    fn client(
        &self,
        credentials: Credentials,
        waits: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<JiraClient, FetchError> {
        JiraClient::new(credentials, Policy::from_config(self.config), waits)
            .map_err(FetchError::own)
    }

    /// The site and the account, from the environment and `[jira]`.
    fn credentials(&self) -> Result<Credentials, FetchError> {
        Credentials::discover(self.config, |name| std::env::var(name).ok()).map_err(FetchError::own)
    }
}

impl Fetch for Jira<'_> {
    /// Missing credentials are said before anything is written.
    fn check(&self) -> Result<(), FetchError> {
        self.credentials().map(drop)
    }

    /// How many issues each project's fetch would read and about how many requests that
    /// takes, from Jira's own count; no issue is read, nothing is stored.
    fn estimate(&self, ctx: &FetchContext<'_>) -> Result<Estimate, FetchError> {
        let projects = self.projects();
        let credentials = self.credentials()?;
        let store = ctx.stored()?;
        let since = ctx.since_or_a_year_ago();
        runtime()?.block_on(async {
            let client = self.client(credentials, waits_logged())?;
            let estimates =
                estimate(&client, store.as_ref(), &projects, since, self.config).await?;
            Ok(estimate_table(&estimates, &client.stats()))
        })
    }

    fn fetch(&self, ctx: &FetchContext<'_>) -> Result<FetchSummary, FetchError> {
        let projects = self.projects();
        if projects.is_empty() {
            return Err(FetchError::NothingToFetch(NOTHING_TO_FETCH));
        }
        let credentials = self.credentials()?;
        tracing::info!("Jira at {} as {}", credentials.base_url, credentials.email);
        let since = ctx.since_or_a_year_ago();
        runtime()?.block_on(async {
            let client = self.client(credentials, waits_told(&ctx.observer))?;
            fetch(
                &client,
                ctx.open_store()?,
                ctx,
                &projects,
                since,
                self.config,
            )
            .await
        })
    }
}

/// A project as progress shows it.
fn shown(project: &str) -> String {
    format!("jira {project}")
}

/// Fetches every project in turn. A project that fails is reported and the others go on,
/// unless the failure concerns them all (credentials): then the fetch stops.
async fn fetch(
    client: &JiraClient,
    store: Store,
    ctx: &FetchContext<'_>,
    projects: &[String],
    since: DateTime<Utc>,
    config: &JiraConfig,
) -> Result<FetchSummary, FetchError> {
    let observer = ctx.observer.as_ref();
    let myself: Myself = client
        .get("/rest/api/3/myself", &[])
        .await
        .map_err(FetchError::own)?;
    let zone = myself
        .time_zone
        .as_deref()
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let mut mapping = Mapping::from_config(config);
    let statuses: Vec<StatusDefinition> = client
        .get("/rest/api/3/status", &[])
        .await
        .map_err(FetchError::own)?;
    for status in &statuses {
        if let Some(category) = &status.status_category {
            mapping.learn(&status.name, &category.key);
        }
    }
    // Each project's sprints go into the same commit as its issues: a fetch that fails stores
    // nothing.
    let mut sprints = std::collections::BTreeMap::new();
    for project in projects {
        let read = read_sprints(client, project, &mut mapping, observer)
            .await
            .map_err(FetchError::own)?;
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
    let identities = identities(&store)?;
    let store = Mutex::new(store);
    let sync = SyncContext {
        client,
        store: &store,
        staging_root: ctx.staging_root(SOURCE),
        since,
        page_size: config.page_size,
        mapping,
        identities,
        zone,
        sprints,
    };
    let page = |counts: &Counts| {
        let read = counts.describe("changes");
        format!("{read}; {}", requests(&client.stats()))
    };
    let read = async |project: &String, on_page: &(dyn Fn(&Counts) + Sync)| {
        let mut outcome = sync_project(&sync, project, on_page).await?;
        let state =
            super::sync::project_state(lock(&store).manifest().sources.get(SOURCE), project);
        if super::sync::relist_due(&state, config.relist_days, Utc::now()) {
            outcome.removed = super::sync::relist_project(&sync, project).await?;
        }
        Ok::<_, SyncError>(finished(&outcome, &client.stats()))
    };
    let summary = FetchSummary::new("projects")
        .each_scope(
            projects,
            observer,
            |project| shown(project),
            |project| staging_dir(&sync.staging_root, project),
            page,
            read,
        )
        .await;
    let stats = client.stats();
    let cost = format!(
        "{} requests ({} retried, {} rate-limited)",
        stats.requests, stats.retries, stats.rate_limited,
    );
    Ok(summary.with_totals(projects.len(), "Jira projects", ctx.data_dir, cost))
}

/// `41 requests, 2 rate-limited`.
fn requests(stats: &ClientStats) -> String {
    let mut text = format!("{} requests", stats.requests);
    if stats.rate_limited > 0 {
        text.push_str(&format!(", {} rate-limited", stats.rate_limited));
    }
    text
}

/// A project's finished line: what it read, and the issues it removed or skipped.
fn finished(outcome: &ProjectOutcome, stats: &ClientStats) -> String {
    let why = "no longer in the project, or deleted";
    let removed = removed_note(&shown(&outcome.project), &outcome.removed, why);
    let done = done(&outcome.counts, "changes", &requests(stats));
    done + &removed + &skipped_note(&outcome.skipped)
}

/// `; 1 issue skipped (Jira refused to read it: deleted, or hidden by issue security):
/// OPS-7 (404)`: issues the search returned that Jira then would not give, each with its
/// status code; the first ten are named.
fn skipped_note(skipped: &[SkippedIssue]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = skipped
        .iter()
        .take(REMOVED_KEYS_SHOWN)
        .map(|s| format!("{} ({})", s.key, s.status))
        .collect();
    let mut text = format!(
        "; {} issue{} skipped (Jira refused to read it: deleted, or hidden by issue \
         security): {}",
        skipped.len(),
        if skipped.len() == 1 { "" } else { "s" },
        shown.join(", ")
    );
    if skipped.len() > shown.len() {
        text.push_str(&format!(" and {} more", skipped.len() - shown.len()));
    }
    text
}

/// The dry run's table: a row per project, then the totals.
fn estimate_table(estimates: &[ScopeEstimate], stats: &ClientStats) -> Estimate {
    let (mut table, issues, requests) = estimate_table_of("jira project", "keys", estimates);
    table.totals.push(format!(
        "jira total: {issues} issues, about {requests} requests, plus one per further page of a \
         long changelog or comment thread; {} requests made to estimate, nothing stored",
        stats.requests
    ));
    table
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
) -> Result<Vec<ScopeEstimate>, FetchError> {
    if projects.is_empty() {
        return Err(FetchError::NothingToFetch(NOTHING_TO_FETCH));
    }
    let myself: Myself = client
        .get("/rest/api/3/myself", &[])
        .await
        .map_err(FetchError::own)?;
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
        out.push(ScopeEstimate {
            key: project.clone(),
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
) -> Result<i64, FetchError> {
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
        }) if message.contains("project") => Err(FetchError::own(UnknownProject {
            project: project.to_string(),
            message,
        })),
        Err(e) => Err(FetchError::own(e)),
    }
}

/// Jira's answer to `search/approximate-count`.
#[derive(Debug, serde::Deserialize)]
struct ApproximateCount {
    count: i64,
}

/// A project the count refused: Jira does not know its key.
#[derive(Debug, thiserror::Error)]
#[error("jira project {project}: Jira does not know it ({message}); check the key")]
pub struct UnknownProject {
    pub project: String,
    pub message: String,
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
                        &shown(project),
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
                            &shown(project),
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
