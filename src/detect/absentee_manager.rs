#![doc = include_str!("absentee_manager.md")]

use polars::prelude::*;

use super::stats::median;
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{f64_values, for_month, str_values};
use crate::common::time::within;
use crate::metrics::Metric;

pub struct AbsenteeManager;

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl Detector for AbsenteeManager {
    fn kind(&self) -> FindingKind {
        FindingKind::AbsenteeManager
    }

    fn explain(&self) -> &'static str {
        include_str!("absentee_manager.md")
    }

    fn lookback_months(&self, _config: &crate::config::Config) -> usize {
        // The manager's actions against the team's PRs opened the month before.
        1
    }

    fn missing(&self, input: &DetectorInput) -> PolarsResult<Option<String>> {
        Ok(super::no_manager(input.roster))
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.absentee_manager;
        let span = input.span();
        let mut outcome = Outcome::default();
        // Every team's pickup (`team_pickups`: `outcome_monthly`'s, or in a team's report the
        // organisation's, which its narrowed tables do not hold).
        let outcomes = for_month(input.metrics.get(Metric::TeamPickups), input.month)?;
        let teams_col = str_values(&outcomes, "team")?;
        let pickups = f64_values(&outcomes, "pickup_p50_h")?;
        let opened = opened_by_team(input, span)?;
        let stale = stale_prs(input, span.1, t.stale_days)?;
        for team in input.roster.teams() {
            let team_pickup = teams_col
                .iter()
                .zip(&pickups)
                .find(|(name, _)| name.as_deref() == Some(team))
                .and_then(|(_, p)| *p);
            let others_pickup = median(
                teams_col
                    .iter()
                    .zip(&pickups)
                    .filter(|(name, _)| name.as_deref() != Some(team))
                    .filter_map(|(_, p)| *p),
            );
            let members = input.roster.members(team);
            let team_opened = opened
                .iter()
                .filter(|(author, _)| {
                    input.roster.team_of(author) == Some(team) && !input.roster.is_manager(author)
                })
                .map(|(_, n)| *n)
                .sum::<usize>();
            let team_stale: Vec<&(String, Option<String>)> = stale
                .iter()
                .filter(|(author, _)| input.roster.team_of(author) == Some(team))
                .collect();
            for manager in input.roster.managers(team) {
                if team_opened < t.min_team_prs {
                    outcome.not_judged.push(NotJudged {
                        kind: FindingKind::AbsenteeManager,
                        month: None,
                        subject: manager.to_string(),
                        reason: format!(
                            "{team_opened} PRs opened by {team} (at least {} needed)",
                            t.min_team_prs
                        ),
                    });
                    continue;
                }
                let responses = actions_of(input, manager, input.month)?;
                let per_pr = responses as f64 / team_opened as f64;
                if per_pr > t.max_actions_per_pr {
                    continue;
                }
                // Absence is a standing state: a manager plainly present the month before (twice
                // the bar) is back from a holiday, not absent.
                let previous = input.month.previous();
                let opened_before = opened_in(input, previous, team)?;
                let before =
                    actions_of(input, manager, previous)? as f64 / opened_before.max(1) as f64;
                if opened_before >= t.min_team_prs && before > 2.0 * t.max_actions_per_pr {
                    continue;
                }
                let ratio = match (team_pickup, others_pickup) {
                    (Some(team), Some(others)) if others > 0.0 => Some(team / others),
                    _ => None,
                };
                let stale_per_person = team_stale.len() as f64 / members.len().max(1) as f64;
                let slow = ratio.is_some_and(|r| r >= t.pickup_ratio);
                let piling = stale_per_person >= t.stale_per_person;
                if !slow && !piling {
                    continue;
                }
                let mut evidence = Evidence::default();
                evidence
                    .figure("manager_actions", responses)
                    .figure("prs_opened_by_team", team_opened)
                    .rounded("manager_actions_per_pr", Some(per_pr), 3)
                    .rounded("team_pickup_p50_h", team_pickup, 1)
                    .rounded("other_teams_pickup_p50_h", others_pickup, 1)
                    .rounded("pickup_ratio", ratio, 2)
                    .figure("stale_prs_at_month_end", team_stale.len())
                    .rounded("stale_prs_per_person", Some(stale_per_person), 2);
                evidence.links = team_stale
                    .iter()
                    .filter_map(|(_, url)| url.clone())
                    .take(input.config.report.evidence_links)
                    .collect();
                let month = input.month;
                outcome.findings.push(Finding {
                    kind: FindingKind::AbsenteeManager,
                    subject: manager.to_string(),
                    period: month.into(),
                    severity: if slow && piling {
                        Severity::Alert
                    } else {
                        Severity::Warn
                    },
                    headline: format!(
                        "In {month}, {manager} (manager of {team}) was visible {responses} times \
                         (reviews, comments, ticket changes) while the team opened {team_opened} \
                         PRs, and {}.",
                        match (slow, piling) {
                            (true, true) => format!(
                                "first reviews took {:.1}× as long as in other teams and {} PRs \
                                 waited untouched for {} days or more",
                                ratio.unwrap_or(0.0),
                                team_stale.len(),
                                t.stale_days
                            ),
                            (true, false) => format!(
                                "first reviews took {:.1}× as long as in other teams",
                                ratio.unwrap_or(0.0)
                            ),
                            _ => format!(
                                "{} PRs waited untouched for {} days or more",
                                team_stale.len(),
                                t.stale_days
                            ),
                        }
                    ),
                    evidence,
                    question: format!(
                        "When {team} is stuck, who do people turn to, and how quickly do they get \
                         an answer? What support does the team need that it is not getting?"
                    ),
                    basis: Basis {
                        prs: team_opened,
                        reviews: responses,
                        tickets: 0,
                        ..Basis::default()
                    },
                });
            }
        }
        Ok(outcome)
    }
}

/// PRs opened in the span, per author.
fn opened_by_team(input: &DetectorInput, span: (i64, i64)) -> PolarsResult<Vec<(String, usize)>> {
    let opened = input
        .table("pull_requests")
        .filter(within("created_at", span))
        .group_by([col("author")])
        .agg([len().alias("n")])
        .collect()?;
    let authors = str_values(&opened, "author")?;
    let counts = f64_values(&opened, "n")?;
    Ok(authors
        .into_iter()
        .zip(counts)
        .filter_map(|(a, n)| Some((a?, n? as usize)))
        .collect())
}

/// PRs opened by a team's members (not its managers) in a month.
fn opened_in(
    input: &DetectorInput,
    month: crate::period::Month,
    team: &str,
) -> PolarsResult<usize> {
    let span = crate::common::time::micros_span(month, month);
    Ok(opened_by_team(input, span)?
        .iter()
        .filter(|(author, _)| {
            input.roster.team_of(author) == Some(team) && !input.roster.is_manager(author)
        })
        .map(|(_, n)| *n)
        .sum())
}

/// The person's actions in a month (`person_monthly`, sprint planning excluded).
fn actions_of(
    input: &DetectorInput,
    person: &str,
    month: crate::period::Month,
) -> PolarsResult<usize> {
    let month = for_month(input.metrics.get(Metric::PersonMonthly), month)?;
    let persons = str_values(&month, "person")?;
    let actions = f64_values(&month, "actions")?;
    Ok(persons
        .iter()
        .zip(actions)
        .find(|(p, _)| p.as_deref() == Some(person))
        .and_then(|(_, a)| a)
        .unwrap_or(0.0) as usize)
}

/// Open, non-draft PRs at `end` that have been ready for at least `stale_days` without a single
/// review: (author, url).
fn stale_prs(
    input: &DetectorInput,
    end: i64,
    stale_days: i64,
) -> PolarsResult<Vec<(String, Option<String>)>> {
    let before = end - stale_days * MICROS_PER_DAY;
    let open_at_end = |name: &str| {
        col(name)
            .is_null()
            .or(col(name).cast(DataType::Int64).gt_eq(lit(end)))
    };
    let candidates = input
        .table("pull_requests")
        .filter(
            col("ready_at")
                .cast(DataType::Int64)
                .lt(lit(before))
                .and(open_at_end("merged_at"))
                .and(open_at_end("closed_at"))
                .and(col("author").str().ends_with(lit("[bot]")).not()),
        )
        .select([col("repo"), col("number"), col("author"), col("url")])
        .collect()?;
    if candidates.height() == 0 {
        return Ok(Vec::new());
    }
    // The candidates are few and the reviews millions: keep the reviews of the candidates'
    // numbers (an integer test) before matching repository and number.
    let numbers = candidates
        .column("number")?
        .as_materialized_series()
        .clone();
    let reviewed = input
        .table("reviews")
        .filter(
            col("submitted_at")
                .cast(DataType::Int64)
                .lt(lit(end))
                .and(col("number").is_in(lit(numbers).implode(true), false)),
        )
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::First)
        .with_column(lit(true).alias("reviewed"));
    let stale = candidates
        .lazy()
        .join(
            reviewed,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(col("reviewed").is_null())
        .select([col("author"), col("url")])
        .collect()?;
    Ok(str_values(&stale, "author")?
        .into_iter()
        .zip(str_values(&stale, "url")?)
        .filter_map(|(a, u)| Some((a?, u)))
        .collect())
}
