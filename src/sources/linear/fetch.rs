//! `teamlens fetch linear`: one [`sync_team`] per team key, and what to tell the user as it
//! goes; and `--dry-run`, which counts what a fetch would read instead.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::client::{ClientStats, LinearClient, Policy, api_key, api_url};
use super::normalize::TypeRules;
use super::sync::{
    SyncContext, SyncError, TeamEstimate, TeamOutcome, checkpoint_path, staging_dir, sync_team,
};
use super::{SOURCE, parse_team_key};
use crate::config::LinearConfig;
use crate::sources::fetch::{
    Estimate, Fetch, FetchContext, FetchError, FetchSummary, each_scope, runtime, waits_logged,
    waits_told,
};
use crate::sources::identities::identities;
use crate::sources::tickets::{Counts, listing_due, removed_note};
use crate::store::Store;

const NOTHING_TO_FETCH: &str = "nothing to fetch from Linear: name team keys (`teamlens fetch \
    linear PAY CORE`) or list them as `teams = [\"PAY\"]` under [linear] in teamlens.toml";

/// The Linear source of a fetch: the teams named, by key.
pub struct Linear<'a> {
    config: &'a LinearConfig,
    teams: Vec<String>,
}

impl<'a> Linear<'a> {
    pub fn new(config: &'a LinearConfig, teams: Vec<String>) -> Self {
        Linear { config, teams }
    }

    /// The team keys, the API key and Linear's URL.
    fn connect(&self) -> Result<(Vec<String>, SecretString, String), FetchError> {
        let teams: Vec<String> = self
            .teams
            .iter()
            .map(|t| parse_team_key(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(FetchError::BadScope)?;
        let var = |name: &str| std::env::var(name).ok();
        let key = api_key(var).map_err(FetchError::own)?;
        let url = api_url(self.config, var);
        tracing::info!("Linear at {url}, with the key in LINEAR_API_KEY");
        Ok((teams, key, url))
    }
}

impl Fetch for Linear<'_> {
    /// What a fetch would read, counted from ids; nothing is stored.
    fn estimate(&self, ctx: &FetchContext<'_>) -> Result<Estimate, FetchError> {
        let (teams, key, url) = self.connect()?;
        let since = ctx.since_or_a_year_ago();
        let store = ctx.stored()?;
        runtime()?.block_on(async {
            let client = LinearClient::new(
                &url,
                key,
                Policy::from_config(self.config, ctx.wait),
                waits_logged(),
            )
            .map_err(FetchError::own)?;
            let estimates = estimate(&client, store.as_ref(), &teams, since, self.config)
                .await
                .map_err(FetchError::own)?;
            Ok(estimate_table(&estimates))
        })
    }

    fn fetch(&self, ctx: &FetchContext<'_>) -> Result<FetchSummary, FetchError> {
        let (teams, key, url) = self.connect()?;
        let since = ctx.since_or_a_year_ago();
        runtime()?.block_on(async {
            let client = LinearClient::new(
                &url,
                key,
                Policy::from_config(self.config, ctx.wait),
                waits_told(&ctx.observer),
            )
            .map_err(FetchError::own)?;
            let store = ctx.open_store()?;
            let mut summary = fetch(&client, store, ctx, &teams, since, self.config).await?;
            let stats = client.stats();
            summary.totals = Some(format!(
                "fetched {} of {} Linear teams into {}: {} requests ({} retried), {} complexity points{}",
                summary.fetched,
                teams.len(),
                ctx.data_dir.display(),
                stats.requests,
                stats.retries,
                stats.complexity,
                match (stats.requests_remaining, stats.requests_limit) {
                    (Some(remaining), Some(limit)) =>
                        format!(", {remaining} of {limit} requests left"),
                    _ => String::new(),
                }
            ));
            Ok(summary)
        })
    }
}

/// Counts what a fetch of `teams` would read, each from its stored mark (or `since`); reads
/// ids only and stores nothing.
pub async fn estimate(
    client: &LinearClient,
    store: Option<&Store>,
    teams: &[String],
    since: DateTime<Utc>,
    config: &LinearConfig,
) -> Result<Vec<TeamEstimate>, SyncError> {
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

/// A team as progress shows it, beside the repositories.
fn shown(team: &str) -> String {
    format!("linear {team}")
}

/// Fetches every team in turn. A team that fails is reported and the others go on, except
/// when the failure concerns them all (the key, the rate limit, the network): then the fetch
/// stops, with each team's checkpoint kept for the next run.
async fn fetch(
    client: &LinearClient,
    store: Store,
    ctx: &FetchContext<'_>,
    teams: &[String],
    since: DateTime<Utc>,
    config: &LinearConfig,
) -> Result<FetchSummary, FetchError> {
    if teams.is_empty() {
        return Err(FetchError::NothingToFetch(NOTHING_TO_FETCH));
    }
    let identities = identities(&store)?;
    let store = Mutex::new(store);
    let sync = SyncContext {
        client,
        store: &store,
        staging_root: ctx.staging_root(SOURCE),
        since,
        page_size: config.page_size,
        identities,
        types: TypeRules::from_config(config),
        relist_after: chrono::TimeDelta::days(i64::from(config.relist_days)),
    };
    let observer = ctx.observer.as_ref();
    let on_page = |team: &str, counts: &Counts| {
        let text = format!("{}; {}", describe(counts), budget(&client.stats()));
        observer.progressed(&shown(team), &text);
    };
    let summary = each_scope(
        teams,
        observer,
        FetchSummary::new("teams"),
        |team| shown(team),
        |team| checkpoint_path(&staging_dir(&sync.staging_root, team)).exists(),
        async |team| {
            let outcome = sync_team(&sync, team, &on_page).await?;
            Ok::<_, SyncError>(finished(&outcome, &client.stats()))
        },
    )
    .await;
    Ok(summary)
}

/// `120 issues, 840 history events, 64 comments (page 3)`.
fn describe(counts: &Counts) -> String {
    format!(
        "{} issues, {} history events, {} comments (page {})",
        counts.issues, counts.events, counts.comments, counts.pages
    )
}

/// `rate limit 4,812 of 5,000 requests left`, when Linear has said.
fn budget(stats: &ClientStats) -> String {
    match (stats.requests_remaining, stats.requests_limit) {
        (Some(remaining), Some(limit)) => {
            let mut text = format!("rate limit {remaining} of {limit} requests left");
            if let (Some(left), Some(limit)) = (stats.complexity_remaining, stats.complexity_limit)
            {
                text.push_str(&format!(", {left} of {limit} complexity points"));
            }
            text
        }
        _ => "rate limit not reported yet".into(),
    }
}

/// A team's finished line: what it read, the issues it removed, and Linear's errors beside
/// the data (logged at `-v`).
fn finished(outcome: &TeamOutcome, stats: &ClientStats) -> String {
    let mut text = format!("done: {}; {}", describe(&outcome.counts), budget(stats));
    text.push_str(&removed_note(
        &shown(&outcome.team),
        &outcome.removed,
        "moved out of the team, or trashed",
    ));
    if !outcome.warnings.is_empty() {
        text.push_str(&format!(
            "; Linear reported {} error(s) beside the data, which was kept (-v lists them)",
            outcome.warnings.len()
        ));
        for warning in &outcome.warnings {
            tracing::info!("linear {}: {warning}", outcome.team);
        }
    }
    text
}

/// The dry run's table: a row per team, then the totals.
fn estimate_table(estimates: &[TeamEstimate]) -> Estimate {
    let issues: i64 = estimates.iter().map(|e| e.issues).sum();
    let requests: i64 = estimates
        .iter()
        .map(|e| e.requests + e.listing_requests)
        .sum();
    let counted: i64 = estimates.iter().map(|e| e.counted_with).sum();
    Estimate {
        columns: &[
            "linear team",
            "issues to read",
            "requests (at least)",
            "listing of ids due",
        ],
        rows: estimates
            .iter()
            .map(|e| {
                vec![
                    e.team.clone(),
                    e.issues.to_string(),
                    e.requests.to_string(),
                    listing_due(e.listing_requests),
                ]
            })
            .collect(),
        totals: vec![format!(
            "linear total: {issues} issues, about {requests} requests, plus one per further \
             page of a long history or comment thread; {counted} requests made to count, \
             nothing stored"
        )],
    }
}
