//! A whole `teamlens fetch jira` run: the account's time zone and the site's statuses first,
//! then one [`sync_project`] per project, and what to tell the user as it goes.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::client::{ClientError, ClientStats, JiraClient};
use super::normalize::{Mapping, SOURCE};
use super::sync::{
    Counts, ProjectOutcome, SyncContext, SyncError, checkpoint_path, staging_dir, sync_project,
};
use super::wire::{BoardPage, Myself, SprintPage, StatusDefinition};
use crate::config::JiraConfig;
use crate::store::{Store, StoreError};

/// Told what happens, so the command line can show progress bars or log lines.
pub trait Observer: Sync {
    fn project_started(&self, project: &str, resumed_hint: bool);
    fn page(&self, project: &str, counts: &Counts, stats: &ClientStats);
    fn waiting(&self, message: &str);
    fn project_finished(&self, outcome: &ProjectOutcome, stats: &ClientStats);
    fn project_failed(&self, project: &str, error: &SyncError);
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
    for project in projects {
        read_sprints(client, project, &mut mapping).await?;
    }
    let identities = crate::sources::github::fetch::identities(&store)?;
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
        match sync_project(&ctx, project, &on_page).await {
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

/// The sprints of a project's boards (agile API), so that sprint changes name each sprint as it
/// is called now. Kanban boards have no sprints, and a project without a board (or a site
/// without Jira Software) has none: both are skipped.
async fn read_sprints(
    client: &JiraClient,
    project: &str,
    mapping: &mut Mapping,
) -> Result<(), ClientError> {
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
            Err(ClientError::NotFound { .. } | ClientError::Rejected { .. }) => return Ok(()),
            Err(e) => return Err(e),
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
                Err(ClientError::NotFound { .. } | ClientError::Rejected { .. }) => break,
                Err(e) => return Err(e),
            };
            let read = page.values.len() as i64;
            for sprint in page.values {
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
    Ok(())
}
