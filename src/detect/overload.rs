//! `overload`: a team taking on more than it can finish (the people-pleaser's team).
//!
//! Four signals per team and month, from its tickets (a ticket belongs to its assignee's team):
//! 1. scope added to running sprints — the share of the month's sprint assignments made more
//!    than `sprint_grace_hours` after the sprint started (its `started_at` in the `sprints`
//!    table; for a sprint the table does not list, its first ticket's planning);
//! 2. work in progress per person at the end of the month (the ticket's last status change
//!    before then was into an in-progress status) above the team's agreement `wip_per_person`;
//! 3. committed vs completed — the share of the tickets of sprints ending in the month that were
//!    done by the sprint's end (`ended_at`, else two weeks after its start), at most
//!    `completion_ratio`;
//! 4. unplanned work — the share of tickets created in the month labelled `unplanned` or typed
//!    `incident`, at least `unplanned_share`.
//!
//! Fires on `min_signals` of them at once.

use std::collections::{BTreeMap, HashMap, HashSet};

use polars::prelude::*;

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
    i64_values, str_values,
};

pub struct Overload;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const SPRINT_DAYS: i64 = 14;

#[derive(Default)]
struct TeamFigures {
    assignments: usize,
    added_mid_sprint: usize,
    in_progress_at_end: usize,
    sprint_tickets_ending: usize,
    completed_in_sprint: usize,
    created: usize,
    unplanned: usize,
    links: Vec<String>,
}

impl Detector for Overload {
    fn kind(&self) -> FindingKind {
        FindingKind::Overload
    }

    fn explain(&self) -> &'static str {
        "A team taking on more than it can finish. Four signals per team and month: the share of \
         sprint assignments made more than sprint_grace_hours after the sprint was planned \
         (scope added to a running sprint); tickets in progress per person at the month's end \
         above wip_per_person; the share of tickets of sprints ending in the month done by the \
         sprint's end at most completion_ratio; the share of the month's new tickets that are \
         unplanned (label `unplanned`, or incidents) at least unplanned_share. It fires on \
         min_signals of them."
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.overload;
        let (start, end) = input.span();
        let mut outcome = Outcome::default();
        let issues = input
            .table("issues")
            .select([
                col("key"),
                col("assignee"),
                col("issue_type"),
                col("labels"),
                col("url"),
                col("created_at").cast(DataType::Int64).alias("created_us"),
                col("resolved_at")
                    .cast(DataType::Int64)
                    .alias("resolved_us"),
            ])
            .with_column(
                col("labels")
                    .list()
                    .contains(lit("unplanned"), false)
                    .fill_null(lit(false))
                    .alias("unplanned"),
            )
            .drop(by_name(["labels"], true, false))
            .collect()?;
        if issues.height() == 0 {
            return Ok(outcome);
        }
        // Borrowed, not copied: a year of a large organisation is hundreds of thousands of
        // tickets, and these maps only point into the frame.
        let keys = issues.column("key")?.str()?;
        let assignees = issues.column("assignee")?.str()?;
        let types = issues.column("issue_type")?.str()?;
        let urls = issues.column("url")?.str()?;
        let created = issues.column("created_us")?.i64()?;
        let resolved = issues.column("resolved_us")?.i64()?;
        let unplanned = issues.column("unplanned")?.bool()?;
        let mut team_of_key: HashMap<&str, &str> = HashMap::new();
        let mut resolved_of: HashMap<&str, Option<i64>> = HashMap::new();
        let mut figures: BTreeMap<String, TeamFigures> = BTreeMap::new();
        for i in 0..issues.height() {
            let (Some(key), Some(assignee)) = (keys.get(i), assignees.get(i)) else {
                continue;
            };
            let Some(team) = input.roster.team_of(assignee) else {
                continue;
            };
            team_of_key.insert(key, team);
            resolved_of.insert(key, resolved.get(i));
            if created.get(i).is_some_and(|c| c >= start && c < end) {
                let f = figures.entry(team.to_string()).or_default();
                f.created += 1;
                if unplanned.get(i).unwrap_or(false) || types.get(i) == Some("incident") {
                    f.unplanned += 1;
                    if let Some(url) = urls.get(i) {
                        f.links.push(url.to_string());
                    }
                }
            } else if !figures.contains_key(team) {
                figures.insert(team.to_string(), TeamFigures::default());
            }
        }

        for key in in_progress_at(input, end)? {
            if let Some(team) = team_of_key.get(key.as_str()) {
                figures
                    .entry(team.to_string())
                    .or_default()
                    .in_progress_at_end += 1;
            }
        }

        // Sprint assignments: each sprint's planning moment is its first assignment.
        let sprints = input
            .table("issue_events")
            .filter(col("field").eq(lit("sprint")).and(col("to").is_not_null()))
            .select([
                col("key"),
                col("to").alias("sprint"),
                col("at").cast(DataType::Int64).alias("at_us"),
            ])
            .collect()?;
        let sprint_keys = sprints.column("key")?.str()?;
        let sprint_names = sprints.column("sprint")?.str()?;
        let sprint_at = sprints.column("at_us")?.i64()?;
        let mut planned: HashMap<&str, i64> = HashMap::new();
        let mut members: HashMap<&str, HashSet<&str>> = HashMap::new();
        for i in 0..sprints.height() {
            if let (Some(name), Some(at)) = (sprint_names.get(i), sprint_at.get(i)) {
                let first = planned.entry(name).or_insert(at);
                *first = (*first).min(at);
                if let Some(key) = sprint_keys.get(i) {
                    members.entry(name).or_default().insert(key);
                }
            }
        }
        // A sprint starts and ends when the tracker says (the `sprints` table); a sprint it does
        // not list started at its first assignment and lasts SPRINT_DAYS.
        let known = sprint_spans(input)?;
        let start_of = |name: &str, first: i64| known.get(name).map_or(first, |span| span.0);
        let grace = t.sprint_grace_hours * MICROS_PER_HOUR;
        for i in 0..sprints.height() {
            let (Some(key), Some(name), Some(at)) =
                (sprint_keys.get(i), sprint_names.get(i), sprint_at.get(i))
            else {
                continue;
            };
            if at < start || at >= end {
                continue;
            }
            let Some(team) = team_of_key.get(key) else {
                continue;
            };
            let f = figures.entry(team.to_string()).or_default();
            f.assignments += 1;
            if planned
                .get(name)
                .is_some_and(|first| at > start_of(name, *first) + grace)
            {
                f.added_mid_sprint += 1;
            }
        }
        let sprint_length = SPRINT_DAYS * 24 * MICROS_PER_HOUR;
        for (name, first) in &planned {
            let sprint_end = known
                .get(*name)
                .and_then(|span| span.1)
                .unwrap_or(start_of(name, *first) + sprint_length);
            if sprint_end < start || sprint_end >= end {
                continue;
            }
            for key in members.get(name).into_iter().flatten() {
                let Some(team) = team_of_key.get(key) else {
                    continue;
                };
                let f = figures.entry(team.to_string()).or_default();
                f.sprint_tickets_ending += 1;
                if resolved_of
                    .get(key)
                    .copied()
                    .flatten()
                    .is_some_and(|r| r <= sprint_end)
                {
                    f.completed_in_sprint += 1;
                }
            }
        }

        for (team, f) in figures {
            let people = input.roster.members(&team).len().max(1);
            if f.assignments + f.created < t.min_tickets {
                outcome.not_judged.push(NotJudged {
                    kind: FindingKind::Overload,
                    subject: format!("team:{team}"),
                    reason: format!(
                        "{} tickets planned or created in the month (at least {} needed)",
                        f.assignments + f.created,
                        t.min_tickets
                    ),
                });
                continue;
            }
            let mid_share = f.added_mid_sprint as f64 / f.assignments.max(1) as f64;
            let wip = f.in_progress_at_end as f64 / people as f64;
            let completion = (f.sprint_tickets_ending > 0)
                .then(|| f.completed_in_sprint as f64 / f.sprint_tickets_ending as f64);
            let unplanned_share = f.unplanned as f64 / f.created.max(1) as f64;
            let over = [
                f.assignments > 0 && mid_share >= t.added_mid_sprint_share,
                wip > t.wip_per_person,
                completion.is_some_and(|c| c <= t.completion_ratio),
                f.created >= t.min_tickets && unplanned_share >= t.unplanned_share,
            ];
            let signals = over.iter().filter(|o| **o).count();
            if signals < t.min_signals {
                continue;
            }
            let mut evidence = Evidence::default();
            evidence
                .rounded("added_mid_sprint_share", Some(mid_share), 3)
                .figure("sprint_assignments", f.assignments)
                .rounded("wip_per_person_at_month_end", Some(wip), 2)
                .figure("wip_agreement_per_person", t.wip_per_person)
                .rounded("sprint_completion_ratio", completion, 3)
                .rounded("unplanned_share", Some(unplanned_share), 3)
                .figure("tickets_created", f.created)
                .figure("signals_over_threshold", signals);
            evidence.links = f
                .links
                .iter()
                .take(input.config.report.evidence_links)
                .cloned()
                .collect();
            let mut described = Vec::new();
            if over[0] {
                described.push(format!(
                    "{:.0} % of sprint work was added after the sprint started",
                    mid_share * 100.0
                ));
            }
            if over[1] {
                described.push(format!("{wip:.1} tickets in progress per person"));
            }
            if over[2] {
                described.push(format!(
                    "{:.0} % of sprint tickets were done by the sprint's end",
                    completion.unwrap_or(0.0) * 100.0
                ));
            }
            if over[3] {
                described.push(format!(
                    "{:.0} % of new tickets were unplanned",
                    unplanned_share * 100.0
                ));
            }
            let month = input.month;
            outcome.findings.push(Finding {
                kind: FindingKind::Overload,
                subject: format!("team:{team}"),
                period: month.into(),
                severity: if signals >= 3 {
                    Severity::Alert
                } else {
                    Severity::Warn
                },
                headline: format!(
                    "In {month}, {team} took on more than it finished: {}.",
                    described.join("; ")
                ),
                evidence,
                question: format!(
                    "What did {team} say yes to this month that was not in the plan, and what \
                     could it have said not yet to?"
                ),
                basis: Basis {
                    prs: 0,
                    reviews: 0,
                    tickets: f.assignments + f.created,
                    ..Basis::default()
                },
            });
        }
        Ok(outcome)
    }
}

/// The tickets in progress at `end`: those whose last status change before then went to a status
/// of the in-progress category. A year of tickets is hundreds of thousands of keys, so the last
/// change is found by polars within each ticket's changes, each distinct status name (a few
/// dozen) is categorised once, and only the keys in progress come back.
fn in_progress_at(input: &DetectorInput, end: i64) -> PolarsResult<Vec<String>> {
    let last = input
        .table("issue_events")
        .filter(
            col("field")
                .eq(lit("status"))
                .and(col("at").cast(DataType::Int64).lt(lit(end))),
        )
        .group_by([col("key")])
        .agg([col("to")
            .sort_by([col("at")], SortMultipleOptions::default())
            .last()])
        .collect()?;
    let in_progress: Vec<String> = last
        .column("to")?
        .unique()?
        .str()?
        .iter()
        .flatten()
        .filter(|status| status_category(status) == "in_progress")
        .map(String::from)
        .collect();
    let keys = last
        .lazy()
        .filter(col("to").is_in(
            lit(Series::new("in_progress".into(), in_progress)).implode(true),
            false,
        ))
        .select([col("key")])
        .collect()?;
    Ok(str_values(&keys, "key")?.into_iter().flatten().collect())
}

/// The category of a workflow status by its name, as Jira's default workflows and Linear's
/// state types name them: to do, in progress or done.
pub fn status_category(status: &str) -> &'static str {
    let name = status.trim().to_ascii_lowercase();
    const TODO: &[&str] = &[
        "to do",
        "todo",
        "backlog",
        "open",
        "new",
        "triage",
        "selected for development",
        "unstarted",
    ];
    const DONE: &[&str] = &[
        "done",
        "closed",
        "resolved",
        "canceled",
        "cancelled",
        "won't do",
        "completed",
        "duplicate",
    ];
    if TODO.contains(&name.as_str()) {
        "todo"
    } else if DONE.contains(&name.as_str()) {
        "done"
    } else {
        "in_progress"
    }
}

/// Start and end (microseconds) of every sprint the `sprints` table knows with a start, by name.
fn sprint_spans(input: &DetectorInput) -> PolarsResult<BTreeMap<String, (i64, Option<i64>)>> {
    let Some(table) = input.tables.get("sprints") else {
        return Ok(BTreeMap::new());
    };
    let sprints = table
        .clone()
        .filter(col("started_at").is_not_null())
        .select([
            col("name"),
            col("started_at").cast(DataType::Int64).alias("start_us"),
            col("ended_at").cast(DataType::Int64).alias("end_us"),
        ])
        .collect()?;
    let names = str_values(&sprints, "name")?;
    let starts = i64_values(&sprints, "start_us")?;
    let ends = i64_values(&sprints, "end_us")?;
    Ok(names
        .into_iter()
        .zip(starts)
        .zip(ends)
        .filter_map(|((name, start), end)| Some((name?, (start?, end))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::status_category;

    #[test]
    fn statuses_map_to_their_categories_by_name() {
        assert_eq!(status_category("To Do"), "todo");
        assert_eq!(status_category("In Review"), "in_progress");
        assert_eq!(status_category("Won't Do"), "done");
        assert_eq!(status_category("Done"), "done");
    }
}
