//! Metrics SQL cannot say portably: lists to explode, weekly buckets. Polars lazy expressions.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::Metric;
use crate::config::Config;
use crate::model::TIMESTAMP;

/// Tables the SQL metrics read besides the normalized ones:
/// - `bots` (login): people with role `bot` and the config's `report.bots`;
/// - `memberships` (person, team): one row per team a person belongs to (`people.team` and
///   `people.teams`), what team aggregates join so that a person in two teams counts in both;
/// - `pr_failures` (repo, number, failure_kind): merged PRs later reverted, or named by an
///   incident ticket (`[dora]`'s incident types and labels) as its cause;
/// - `pr_deploys` (repo, number, deployed_at): the first deployment to production (`[dora]
///   environments`) that shipped each PR;
/// - the tables of DORA's four keys ([`super::delivery::before_sql`]);
/// - `pr_ai` (source, repo, number, ai_assisted, evidence, tool, recorded): each PR's class,
///   made with an assistant or by an agent ([`super::ai::pr_ai`]);
/// - `pr_rework` (repo, number, reworked): merged PRs whose files changed again within 21 days
///   ([`super::ai::pr_rework`]);
/// - `status_categories` (status, status_category): each ticket status's category, as the
///   stored tickets use it (`crate::asof::status_categories`);
/// - `status_moves` (source, key, at, from_status, to_status, next_at, first): every status
///   change with the ticket's next one and whether it is the ticket's first, which
///   `status_intervals` turns into time in each status. Finding a change's successor is a sort
///   here; in SQL without window functions it is a self-join that cost 9 s at 2,000 people.
///
/// `history`: the whole history's facts when `tables` hold a window of months
/// ([`super::History`]): the status categories come from it.
pub fn before_sql(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    history: Option<&super::History>,
) -> PolarsResult<Vec<(Metric, DataFrame)>> {
    let table = |name: &str| {
        tables
            .get(name)
            .cloned()
            .unwrap_or_else(|| DataFrame::empty().lazy())
    };

    let bots = bots(tables, config)?;

    let reverted = table("pull_requests")
        .filter(
            col("is_revert")
                .eq(lit(true))
                .and(col("reverts_number").is_not_null()),
        )
        .select([
            col("repo"),
            col("reverts_number").alias("number"),
            lit("revert").alias("failure_kind"),
        ]);
    // The incidents' PRs, read and parsed once for both tables (collecting `issues` as of the
    // period's end replays their history).
    let delivery = crate::measure::timed("derived: delivery", || {
        super::delivery::before_sql(tables, &config.dora, history.map(|h| &h.earlier_pr_authors))
    })?;
    let caused = delivery
        .iter()
        .find(|(metric, _)| *metric == Metric::IncidentLinks)
        .map(|(_, links)| links.clone())
        .unwrap_or_default()
        .lazy()
        .filter(col("number").is_not_null())
        .select([
            col("repo"),
            col("number"),
            lit("incident").alias("failure_kind"),
        ]);
    let pr_failures = concat([reverted, caused], UnionArgs::default())?
        .group_by_stable([col("repo"), col("number")])
        .agg([col("failure_kind").first()])
        .collect()?;

    let pr_deploys = super::delivery::production(table("deployments"), &config.dora)
        .filter(
            col("status")
                .neq(lit("failure"))
                .or(col("status").is_null()),
        )
        .select([col("repo"), col("pr_numbers"), col("at")])
        .explode(
            by_name(["pr_numbers"], true, false),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        )
        .with_column(
            col("pr_numbers")
                .strict_cast(DataType::String)
                .cast(DataType::Int64)
                .alias("number"),
        )
        .filter(col("number").is_not_null())
        .group_by([col("repo"), col("number")])
        .agg([col("at").min().cast(TIMESTAMP).alias("deployed_at")])
        .collect()?;

    let memberships = memberships(&table("people").collect()?)?;
    let status_moves = crate::measure::timed("derived: status_moves", || {
        status_moves(table("issue_events"))
    })?;
    let status_categories = match history {
        Some(history) => history.status_categories.clone(),
        None => crate::asof::status_categories(table("issues"))
            .sort(["status"], Default::default())
            .collect()?,
    };

    let pr_ai = crate::measure::timed("derived: pr_ai", || super::ai::pr_ai(tables, &config.ai))?;
    let pr_rework = crate::measure::timed("derived: pr_rework", || super::ai::pr_rework(tables))?;
    let mut frames = vec![
        (Metric::PrAi, pr_ai),
        (Metric::PrRework, pr_rework),
        (Metric::StatusCategories, status_categories),
        (Metric::StatusMoves, status_moves),
        (Metric::Bots, bots),
        (Metric::Memberships, memberships),
        (Metric::PrFailures, pr_failures),
        (Metric::PrDeploys, pr_deploys),
    ];
    frames.extend(delivery);
    Ok(frames)
}

/// `bots` (login): people with role `bot` and the config's `report.bots`.
pub fn bots(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
) -> PolarsResult<DataFrame> {
    let people = tables
        .get("people")
        .cloned()
        .unwrap_or_else(|| DataFrame::empty().lazy());
    let configured = DataFrame::new(
        config.report.bots.len(),
        vec![Column::new("login".into(), config.report.bots.clone())],
    )?;
    concat(
        [
            people
                .filter(col("role").eq(lit("bot")))
                .select([col("person").alias("login")]),
            configured.lazy(),
        ],
        UnionArgs::default(),
    )?
    .unique_stable(None, UniqueKeepStrategy::First)
    .collect()
}

/// Status changes in ticket and time order, each with the ticket's next change (`next_at`, null
/// for its last) and whether it is the ticket's first (`first`).
fn status_moves(events: LazyFrame) -> PolarsResult<DataFrame> {
    let same_ticket = |offset: i64| {
        col("source")
            .shift(lit(offset))
            .eq(col("source"))
            .and(col("key").shift(lit(offset)).eq(col("key")))
            .fill_null(lit(false))
    };
    events
        .filter(col("field").eq(lit("status")))
        .select([
            col("source"),
            col("key"),
            col("at"),
            col("from").alias("from_status"),
            col("to").alias("to_status"),
        ])
        .sort(["source", "key", "at"], Default::default())
        .with_columns([
            when(same_ticket(-1))
                .then(col("at").shift(lit(-1)))
                .otherwise(lit(NULL).cast(crate::model::TIMESTAMP))
                .alias("next_at"),
            same_ticket(1).not().alias("first"),
        ])
        .collect()
}

/// One row per (person, team): the primary team and every other of `teams`, each once.
fn memberships(people: &DataFrame) -> PolarsResult<DataFrame> {
    let mut persons: Vec<String> = Vec::new();
    let mut teams: Vec<String> = Vec::new();
    if people.height() > 0 {
        let person = people.column("person")?.str()?;
        let team = people.column("team")?.str()?;
        let others = match people.column("teams") {
            Ok(column) => Some(column.list()?.clone()),
            Err(_) => None,
        };
        for i in 0..people.height() {
            let Some(id) = person.get(i) else { continue };
            let mut mine: Vec<String> = team.get(i).map(str::to_string).into_iter().collect();
            if let Some(list) = others.as_ref().and_then(|o| o.get_as_series(i)) {
                for other in list.str()?.iter().flatten() {
                    if !mine.iter().any(|t| t == other) {
                        mine.push(other.to_string());
                    }
                }
            }
            for t in mine {
                persons.push(id.to_string());
                teams.push(t);
            }
        }
    }
    DataFrame::new(
        persons.len(),
        vec![
            Column::new("person".into(), persons),
            Column::new("team".into(), teams),
        ],
    )
}

/// `owner/name#123` → (`owner/name`, 123).
pub(super) fn parse_pr_reference(text: &str) -> Option<(String, i64)> {
    let (repo, number) = text.trim().rsplit_once('#')?;
    Some((repo.to_string(), number.parse().ok()?))
}

/// Metrics built on the SQL ones:
/// - `phases_weekly` (week_start, prs, coding_h, pickup_h, review_h, merge_h): median hours of
///   each phase of the PRs merged in each ISO week (Monday start).
pub fn after_sql(frames: &BTreeMap<String, DataFrame>) -> PolarsResult<Vec<(Metric, DataFrame)>> {
    let Some(phases) = frames.get(Metric::PrPhases.name()) else {
        return Ok(Vec::new());
    };
    let weekly = phases
        .clone()
        .lazy()
        .with_column(
            col("merged_at")
                .dt()
                .truncate(lit("1w"))
                .dt()
                .date()
                .alias("week_start"),
        )
        .group_by([col("week_start")])
        .agg([
            len().cast(DataType::Int64).alias("prs"),
            col("coding_h").median(),
            col("pickup_h").median(),
            col("review_h").median(),
            col("merge_h").median(),
        ])
        .sort(["week_start"], Default::default())
        .collect()?;
    Ok(vec![(Metric::PhasesWeekly, weekly)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pr_references_parse_and_nonsense_is_skipped() {
        assert_eq!(
            parse_pr_reference("acme/api#12"),
            Some(("acme/api".into(), 12))
        );
        assert_eq!(parse_pr_reference("acme/api#x"), None);
        assert_eq!(parse_pr_reference("no number"), None);
    }
}
