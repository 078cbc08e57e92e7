//! A whole `teamlens fetch linear` run: one [`sync_team`] per team key, and what to tell the
//! user as it goes.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::SOURCE;
use super::client::{ClientError, ClientStats, LinearClient};
use super::normalize::TypeRules;
use super::sync::{SyncContext, SyncError, TeamOutcome, checkpoint_path, staging_dir, sync_team};
use crate::config::LinearConfig;
use crate::sources::tickets::Counts;
use crate::store::{Store, StoreError};

/// Told what happens, so the command line can show progress bars or log lines.
pub trait Observer: Sync {
    fn team_started(&self, team: &str, resumed_hint: bool);
    fn page(&self, team: &str, counts: &Counts, stats: &ClientStats);
    fn waiting(&self, message: &str);
    fn team_finished(&self, outcome: &TeamOutcome, stats: &ClientStats);
    fn team_failed(&self, team: &str, error: &SyncError);
}

/// What a fetch did, team by team.
#[derive(Debug, Default)]
pub struct FetchSummary {
    pub outcomes: Vec<TeamOutcome>,
    pub failures: Vec<SyncError>,
    pub stats: ClientStats,
    /// Every team was tried; nothing stopped early.
    pub complete: bool,
}

/// Why a fetch could not start.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "nothing to fetch from Linear: name team keys (`teamlens fetch linear PAY CORE`) or list \
         them as `teams = [\"PAY\"]` under [linear] in teamlens.toml"
    )]
    NothingToFetch,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Counts what a fetch of `teams` would read, each from its stored mark (or `since`); reads
/// ids only and stores nothing.
pub async fn estimate(
    client: &LinearClient,
    store: Option<&Store>,
    teams: &[String],
    since: DateTime<Utc>,
    config: &LinearConfig,
) -> Result<Vec<super::sync::TeamEstimate>, SyncError> {
    let mut out = Vec::new();
    for team in teams {
        let state = store
            .map(|s| super::sync::team_state(s.manifest().sources.get(SOURCE), team))
            .unwrap_or_default();
        out.push(
            super::sync::estimate_team(
                client,
                &state,
                team,
                since,
                i64::from(config.page_size),
                chrono::TimeDelta::days(i64::from(config.relist_days)),
            )
            .await?,
        );
    }
    Ok(out)
}

/// Fetches every team in turn. A team that fails is reported and the others go on, except
/// when the failure concerns them all (the key, the rate limit, the network): then the fetch
/// stops, with each team's checkpoint kept for the next run.
pub async fn fetch(
    client: &LinearClient,
    store: Store,
    data_dir: &Path,
    teams: &[String],
    since: DateTime<Utc>,
    config: &LinearConfig,
    observer: &dyn Observer,
) -> Result<FetchSummary, FetchError> {
    if teams.is_empty() {
        return Err(FetchError::NothingToFetch);
    }
    let identities = crate::sources::identities::identities(&store)?;
    let store = Mutex::new(store);
    let ctx = SyncContext {
        client,
        store: &store,
        staging_root: data_dir.join("staging").join(SOURCE),
        since,
        page_size: config.page_size,
        identities,
        types: TypeRules::from_config(config),
        relist_after: chrono::TimeDelta::days(i64::from(config.relist_days)),
    };
    let mut summary = FetchSummary {
        complete: true,
        ..FetchSummary::default()
    };
    let on_page = |team: &str, counts: &Counts| observer.page(team, counts, &client.stats());
    for team in teams {
        let resumed_hint = checkpoint_path(&staging_dir(&ctx.staging_root, team)).exists();
        observer.team_started(team, resumed_hint);
        match sync_team(&ctx, team, &on_page).await {
            Ok(outcome) => {
                observer.team_finished(&outcome, &client.stats());
                summary.outcomes.push(outcome);
            }
            Err(error) => {
                observer.team_failed(team, &error);
                let stops_all = matches!(
                    &error,
                    SyncError::Client {
                        source: ClientError::Unauthorized { .. }
                            | ClientError::NoKey
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
