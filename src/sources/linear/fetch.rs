//! `teamlens fetch linear`: one [`sync_team`] per team key, and what to tell the user as it
//! goes; and `--dry-run`, which counts what a fetch would read instead.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::client::{ClientStats, LinearClient, Policy, api_key, api_url};
use super::normalize::TypeRules;
use super::sync::{SyncContext, SyncError, TeamOutcome, staging_dir, sync_team};
use super::{SOURCE, parse_team_key};
use crate::config::LinearConfig;
use crate::sources::fetch::{
    Estimate, Fetch, FetchContext, FetchError, FetchSummary, rate_limit, runtime, waits_logged,
    waits_told, warnings_note,
};
use crate::sources::identities::identities;
use crate::sources::tickets::{
    Counts, ScopeEstimate, done, estimate_table as estimate_table_of, removed_note,
};
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

    /// A client for Linear at `url`, telling `waits` when it waits.
    fn client(
        &self,
        url: &str,
        key: SecretString,
        wait_for_reset: bool,
        waits: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<LinearClient, FetchError> {
        let policy = Policy::from_config(self.config, wait_for_reset);
        LinearClient::new(url, key, policy, waits).map_err(FetchError::own)
    }
}

impl Fetch for Linear<'_> {
    /// What a fetch would read, counted from ids; nothing is stored.
    fn estimate(&self, ctx: &FetchContext<'_>) -> Result<Estimate, FetchError> {
        let (teams, key, url) = self.connect()?;
        let since = ctx.since_or_a_year_ago();
        let store = ctx.stored()?;
        runtime()?.block_on(async {
            let client = self.client(&url, key, ctx.wait, waits_logged())?;
            let (estimates, counted) =
                estimate(&client, store.as_ref(), &teams, since, self.config)
                    .await
                    .map_err(FetchError::own)?;
            Ok(estimate_table(&estimates, counted))
        })
    }

    fn fetch(&self, ctx: &FetchContext<'_>) -> Result<FetchSummary, FetchError> {
        let (teams, key, url) = self.connect()?;
        let since = ctx.since_or_a_year_ago();
        runtime()?.block_on(async {
            let client = self.client(&url, key, ctx.wait, waits_told(&ctx.observer))?;
            fetch(&client, ctx.open_store()?, ctx, &teams, since, self.config).await
        })
    }
}

/// Counts what a fetch of `teams` would read, each from its stored mark (or `since`); reads
/// ids only and stores nothing. Gives the requests made to count too.
pub async fn estimate(
    client: &LinearClient,
    store: Option<&Store>,
    teams: &[String],
    since: DateTime<Utc>,
    config: &LinearConfig,
) -> Result<(Vec<ScopeEstimate>, i64), SyncError> {
    let (mut out, mut counted) = (Vec::new(), 0);
    for team in teams {
        let state = store
            .map(|s| super::sync::team_state(s.manifest().sources.get(SOURCE), team))
            .unwrap_or_default();
        let team = super::sync::estimate_team(
            client,
            &state,
            team,
            since,
            i64::from(config.page_size),
            chrono::TimeDelta::days(i64::from(config.relist_days)),
        )
        .await?;
        out.push(team.estimate);
        counted += team.counted_with;
    }
    Ok((out, counted))
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
    let page = |counts: &Counts| {
        let read = counts.describe("history events");
        format!("{read}; {}", budget(&client.stats()))
    };
    let staging = |team: &String| staging_dir(&sync.staging_root, team);
    let summary = FetchSummary::new("teams");
    let summary = summary
        .each_scope(
            teams,
            observer,
            |team| shown(team),
            staging,
            page,
            async |team, on_page| {
                let outcome = sync_team(&sync, team, on_page).await?;
                Ok::<_, SyncError>(finished(&outcome, &client.stats()))
            },
        )
        .await;
    let stats = client.stats();
    let left = match (stats.requests_remaining, stats.requests_limit) {
        (Some(remaining), Some(limit)) => format!(", {remaining} of {limit} requests left"),
        _ => String::new(),
    };
    let cost = format!(
        "{} requests ({} retried), {} complexity points{left}",
        stats.requests, stats.retries, stats.complexity
    );
    Ok(summary.with_totals(teams.len(), "Linear teams", ctx.data_dir, cost))
}

/// `rate limit 4812 of 5000 requests left, 180000 of 200000 complexity points`, when Linear
/// has said.
fn budget(stats: &ClientStats) -> String {
    let mut text = rate_limit(stats.requests_remaining, stats.requests_limit, "requests");
    let requests = stats.requests_remaining.zip(stats.requests_limit);
    let complexity = stats.complexity_remaining.zip(stats.complexity_limit);
    if let (Some(_), Some((left, limit))) = (requests, complexity) {
        text.push_str(&format!(", {left} of {limit} complexity points"));
    }
    text
}

/// A team's finished line: what it read, the issues it removed, and Linear's errors beside
/// the data (logged at `-v`).
fn finished(outcome: &TeamOutcome, stats: &ClientStats) -> String {
    let why = "moved out of the team, or trashed";
    let scope = shown(&outcome.team);
    let removed = removed_note(&scope, &outcome.removed, why);
    let done = done(&outcome.counts, "history events", &budget(stats));
    done + &removed + &warnings_note("Linear", &scope, &outcome.warnings)
}

/// The dry run's table: a row per team, then the totals.
fn estimate_table(estimates: &[ScopeEstimate], counted: i64) -> Estimate {
    let (mut table, issues, requests) = estimate_table_of("linear team", "ids", estimates);
    table.totals.push(format!(
        "linear total: {issues} issues, about {requests} requests, plus one per further page of a \
         long history or comment thread; {counted} requests made to count, nothing stored"
    ));
    table
}
