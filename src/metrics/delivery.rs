//! What DORA's four keys are computed from, where SQL cannot say it portably: the deployments
//! to production numbered and each with the next successful one, lists exploded (the PRs a
//! deployment listed, the PRs an incident names, the tickets a hotfix names), and which tickets
//! are incidents and which PRs hotfixes by `[dora]`'s patterns. The four keys themselves are
//! SQL: `queries/metrics/46_deploy_outcomes.sql` (which deployments failed, why, and when they
//! recovered), `47_delivery_monthly.sql` (per team) and `48_delivery_org_monthly.sql`.
//!
//! Definitions and their sources: docs/report.md, "Delivery (DORA)".

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::*;

use super::Metric;
use crate::config::DoraConfig;
use crate::model::TIMESTAMP;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The derived tables of the four keys:
/// - `production_deploys` (deploy_id, source, repo, environment, at, month, month_days, status,
///   failed_status, next_success_at, window_end): every deployment to an environment of
///   `[dora] environments`, numbered in (repo, time) order; `next_success_at` is the next
///   deployment to the same repository and environment that did not fail, `window_end` the end
///   of the window in which a revert, incident or hotfix makes it a failed deployment;
/// - `deploy_prs` (deploy_id, repo, number): the PRs each of them listed (a failed one lists
///   what it tried to ship, which the next one lists again);
/// - `deployed_pr_authors` (repo, number, author): who authored each PR a deployment listed,
///   from `tables` and, when they hold a window of months, `earlier_pr_authors` (the PRs before
///   it the window did not keep, `super::History`): a team "never deployed" only when no
///   deployment ever listed its people's PRs, and a deployment of a year ago listed PRs the
///   window does not hold;
/// - `incident_links` (key, created_at, resolved_at, repo, number): each incident with each PR
///   it names (`owner/name#N`), or one row without a PR when it names none;
/// - `hotfix_links` (repo, number, merged_at, incident_key): each merged hotfix with each
///   ticket it names, or one row without one.
pub fn before_sql(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &DoraConfig,
    earlier_pr_authors: Option<&DataFrame>,
) -> PolarsResult<Vec<(Metric, DataFrame)>> {
    let table = |name: &str| {
        tables
            .get(name)
            .cloned()
            .unwrap_or_else(|| DataFrame::empty().lazy())
    };
    let started = crate::measure::Stopwatch::start();
    let deploys = production(table("deployments"), config)
        .select([
            col("source"),
            col("repo"),
            col("environment"),
            col("at"),
            col("status"),
            col("pr_numbers"),
        ])
        .sort(
            ["repo", "at", "environment"],
            SortMultipleOptions::default()
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .collect()?
        .with_row_index("deploy_id".into(), None)?
        .lazy()
        .with_column(col("deploy_id").cast(DataType::Int64))
        .collect()?;
    let (next_success, month_days) = next_success_and_month_days(&deploys)?;
    let window = i64::from(config.failure_window_days) * MICROS_PER_DAY;
    let production_deploys = deploys
        .clone()
        .lazy()
        .with_columns([
            Series::new("next_success_at".into(), next_success)
                .lit()
                .cast(TIMESTAMP),
            Series::new("month_days".into(), month_days).lit(),
        ])
        .select([
            col("deploy_id"),
            col("source"),
            col("repo"),
            col("environment"),
            col("at"),
            col("at").dt().strftime("%Y-%m").alias("month"),
            col("month_days"),
            col("status"),
            col("status")
                .eq(lit("failure"))
                .fill_null(lit(false))
                .cast(DataType::Int64)
                .alias("failed_status"),
            col("next_success_at"),
            (col("at").cast(DataType::Int64) + lit(window))
                .cast(TIMESTAMP)
                .alias("window_end"),
        ])
        .collect()?;
    let deploy_prs = deploys
        .lazy()
        .select([col("deploy_id"), col("repo"), col("pr_numbers")])
        .explode(
            by_name(["pr_numbers"], true, false),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        )
        .select([
            col("deploy_id"),
            col("repo"),
            col("pr_numbers")
                .strict_cast(DataType::String)
                .cast(DataType::Int64)
                .alias("number"),
        ])
        .filter(col("number").is_not_null())
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()?;
    let listed = deploy_prs
        .clone()
        .lazy()
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::Any);
    let pr_authors = |frame: LazyFrame| frame.select([col("repo"), col("number"), col("author")]);
    let mut authors = vec![pr_authors(table("pull_requests"))];
    if let Some(earlier) = earlier_pr_authors {
        authors.push(pr_authors(earlier.clone().lazy()));
    }
    let deployed_pr_authors = if deploy_prs.height() == 0 {
        DataFrame::new(
            0,
            vec![
                Column::new_empty("repo".into(), &DataType::String),
                Column::new_empty("number".into(), &DataType::Int64),
                Column::new_empty("author".into(), &DataType::String),
            ],
        )?
    } else {
        concat(authors, UnionArgs::default())?
            .join(
                listed,
                [col("repo"), col("number")],
                [col("repo"), col("number")],
                JoinArgs::new(JoinType::Inner),
            )
            .collect()?
    };
    log_table("production_deploys and deploy_prs", &started);
    let started = crate::measure::Stopwatch::start();
    let incidents = incident_links(table("issues"), config)?;
    log_table("incident_links", &started);
    let started = crate::measure::Stopwatch::start();
    let hotfixes = hotfix_links(table("pull_requests"), config)?;
    log_table("hotfix_links", &started);
    Ok(vec![
        (Metric::ProductionDeploys, production_deploys),
        (Metric::DeployPrs, deploy_prs),
        (Metric::DeployedPrAuthors, deployed_pr_authors),
        (Metric::IncidentLinks, incidents),
        (Metric::HotfixLinks, hotfixes),
    ])
}

/// What a derived table cost, in the debug log beside each metric's.
fn log_table(name: &str, started: &crate::measure::Stopwatch) {
    tracing::debug!(
        metric = name,
        seconds = started.seconds(),
        cpu_seconds = started.cpu_seconds(),
        "metric computed"
    );
}

/// The deployments to the environments `[dora] environments` names, compared without case.
pub fn production(deployments: LazyFrame, config: &DoraConfig) -> LazyFrame {
    let names: Vec<String> = config
        .environments
        .iter()
        .map(|e| e.trim().to_lowercase())
        .collect();
    deployments.filter(col("environment").str().to_lowercase().is_in(
        lit(Series::new("environments".into(), names)).implode(true),
        false,
    ))
}

/// The tickets that are incidents: of a type in `[dora] incident_types`, or carrying a label
/// of `incident_labels` (compared without case). Columns `key`, `created_at`, `resolved_at`,
/// `linked_prs`.
pub fn incidents(issues: LazyFrame, config: &DoraConfig) -> PolarsResult<LazyFrame> {
    let types = Series::new("types".into(), config.incident_types.clone());
    let of_type = col("issue_type")
        .is_in(lit(types).implode(true), false)
        .fill_null(lit(false));
    let columns = [
        col("key"),
        col("created_at"),
        col("resolved_at"),
        col("linked_prs"),
    ];
    if config.incident_labels.is_empty() {
        return Ok(issues.filter(of_type).select(columns));
    }
    let by_type = issues.clone().filter(of_type).select([col("key")]);
    let keys = {
        let labels: Vec<String> = config
            .incident_labels
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect();
        let by_label = issues
            .clone()
            .select([col("key"), col("labels")])
            .explode(
                by_name(["labels"], true, false),
                ExplodeOptions {
                    empty_as_null: false,
                    keep_nulls: false,
                },
            )
            .filter(col("labels").str().to_lowercase().is_in(
                lit(Series::new("labels".into(), labels)).implode(true),
                false,
            ))
            .select([col("key")]);
        concat([by_type, by_label], UnionArgs::default())?
    };
    Ok(issues.select(columns).join(
        keys.unique_stable(None, UniqueKeepStrategy::First),
        [col("key")],
        [col("key")],
        JoinArgs::new(JoinType::Inner),
    ))
}

/// Each incident with each PR it names, parsed from `owner/name#N`; an incident that names
/// none keeps one row with no PR, so that the incidents no deployment can be blamed for are
/// still counted. The links are exploded by polars and parsed in one pass over the column.
pub(super) fn incident_links(issues: LazyFrame, config: &DoraConfig) -> PolarsResult<DataFrame> {
    let links = incidents(issues, config)?
        .explode(
            by_name(["linked_prs"], true, false),
            ExplodeOptions {
                empty_as_null: true,
                keep_nulls: true,
            },
        )
        .with_column(col("linked_prs").cast(DataType::String))
        .sort(
            ["key"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .collect()?;
    let keys = links.column("key")?.str()?;
    let texts = links.column("linked_prs")?.str()?;
    let mut rows: Vec<usize> = Vec::new();
    let mut repo_out: Vec<Option<String>> = Vec::new();
    let mut number_out: Vec<Option<i64>> = Vec::new();
    let mut i = 0;
    while i < links.height() {
        // One incident's rows, consecutive after the sort.
        let mut end = i + 1;
        while end < links.height() && keys.get(end) == keys.get(i) {
            end += 1;
        }
        let mut named: Vec<(String, i64)> = Vec::new();
        for j in i..end {
            if let Some(pr) = texts.get(j).and_then(super::derived::parse_pr_reference)
                && !named.contains(&pr)
            {
                named.push(pr);
            }
        }
        if named.is_empty() {
            rows.push(i);
            repo_out.push(None);
            number_out.push(None);
        }
        for (repo, number) in named {
            rows.push(i);
            repo_out.push(Some(repo));
            number_out.push(Some(number));
        }
        i = end;
    }
    let index = IdxCa::from_vec(
        "index".into(),
        rows.into_iter().map(|r| r as IdxSize).collect(),
    );
    let mut out = links
        .select(["key", "created_at", "resolved_at"])?
        .take(&index)?;
    out.with_column(Column::new("repo".into(), repo_out))?;
    out.with_column(Column::new("number".into(), number_out))?;
    Ok(out)
}

/// Each merged hotfix (a label of `[dora] hotfix_labels`, or a title containing one of
/// `hotfix_title_words`, both compared without case) with each ticket it names.
fn hotfix_links(pull_requests: LazyFrame, config: &DoraConfig) -> PolarsResult<DataFrame> {
    let merged = pull_requests.filter(col("merged_at").is_not_null());
    let title = col("title").str().to_lowercase();
    let by_title = config
        .hotfix_title_words
        .iter()
        .map(|w| {
            title
                .clone()
                .str()
                .contains_literal(lit(w.trim().to_lowercase()))
        })
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    let mut keys = vec![
        merged
            .clone()
            .filter(by_title.fill_null(lit(false)))
            .select([col("repo"), col("number")]),
    ];
    if !config.hotfix_labels.is_empty() {
        let labels: Vec<String> = config
            .hotfix_labels
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect();
        keys.push(
            merged
                .clone()
                .select([col("repo"), col("number"), col("labels")])
                .explode(
                    by_name(["labels"], true, false),
                    ExplodeOptions {
                        empty_as_null: false,
                        keep_nulls: false,
                    },
                )
                .filter(col("labels").str().to_lowercase().is_in(
                    lit(Series::new("labels".into(), labels)).implode(true),
                    false,
                ))
                .select([col("repo"), col("number")]),
        );
    }
    let keys = concat(keys, UnionArgs::default())?.unique_stable(None, UniqueKeepStrategy::First);
    merged
        .select([
            col("repo"),
            col("number"),
            col("merged_at"),
            col("linked_issues"),
        ])
        .join(
            keys,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .explode(
            by_name(["linked_issues"], true, false),
            ExplodeOptions {
                empty_as_null: true,
                keep_nulls: true,
            },
        )
        .select([
            col("repo"),
            col("number"),
            col("merged_at"),
            col("linked_issues")
                .cast(DataType::String)
                .alias("incident_key"),
        ])
        .sort(
            ["repo", "number", "incident_key"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// For each deployment (rows in `deploy_id` order): the next deployment to the same repository
/// and environment whose status is not `failure` (microseconds), and the days of its month.
/// One pass over the borrowed columns in (repository, environment, time) order.
fn next_success_and_month_days(deploys: &DataFrame) -> PolarsResult<(Vec<Option<i64>>, Vec<i64>)> {
    let n = deploys.height();
    let repo = deploys.column("repo")?.str()?;
    let environment = deploys.column("environment")?.str()?;
    let at = deploys.column("at")?.cast(&DataType::Int64)?;
    let at = at.i64()?;
    let status = deploys.column("status")?.str()?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        (repo.get(a), environment.get(a), at.get(a)).cmp(&(
            repo.get(b),
            environment.get(b),
            at.get(b),
        ))
    });
    let mut next = vec![None; n];
    let mut following: Option<i64> = None;
    let mut group: Option<(Option<&str>, Option<&str>)> = None;
    for &i in order.iter().rev() {
        let key = (repo.get(i), environment.get(i));
        if group != Some(key) {
            group = Some(key);
            following = None;
        }
        next[i] = following.filter(|f| Some(*f) > at.get(i));
        if status.get(i) != Some("failure") {
            following = at.get(i);
        }
    }
    let month_days = (0..n)
        .map(|i| {
            at.get(i)
                .and_then(DateTime::from_timestamp_micros)
                .map_or(0, |t| days_in_month(t.date_naive()))
        })
        .collect();
    Ok((next, month_days))
}

/// The number of days of a date's month.
fn days_in_month(date: NaiveDate) -> i64 {
    let first = date.with_day(1).unwrap_or(date);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (next - first).num_days()
}

#[cfg(test)]
mod tests;
