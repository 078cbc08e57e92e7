#![doc = include_str!("overload.md")]

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{i64_values, str_values};

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
        include_str!("overload.md")
    }

    fn lookback_months(&self, _config: &crate::config::Config) -> usize {
        // A sprint ending in the month started in it or in the month before (its first
        // assignment when the tracker lists no sprint).
        1
    }

    fn missing(&self, input: &DetectorInput) -> PolarsResult<Option<String>> {
        let tickets = super::rows_of(input, "issues", lit(true))?;
        Ok((tickets == 0).then(|| {
            "no tickets: fetch them from Jira, Linear or GitHub issues (teamlens fetch jira, \
             linear or github) to judge it"
                .to_string()
        }))
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.overload;
        let mut outcome = Outcome::default();
        let figures = team_figures(input)?;
        for (team, f) in figures {
            let people = input.roster.members(&team).len().max(1);
            if f.assignments + f.created < t.min_tickets {
                outcome.not_judged.push(NotJudged {
                    kind: FindingKind::Overload,
                    month: None,
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

/// Every team's four signals in the month, computed by polars: a year of a large organisation
/// is hundreds of thousands of tickets and millions of ticket changes, so nothing here walks
/// them row by row; only the per-team counts (a few hundred rows) come back to Rust.
///
/// A ticket belongs to its assignee's primary team; a team with tickets but none in the month
/// still gets an entry, so it is reported as not judged.
fn team_figures(input: &DetectorInput) -> PolarsResult<BTreeMap<String, TeamFigures>> {
    let t = &input.config.thresholds.overload;
    let (start, end) = input.span();
    let team_of_person = {
        let (people, teams): (Vec<&str>, Vec<&str>) = input
            .roster
            .people
            .iter()
            .map(|(person, entry)| (person.as_str(), entry.team.as_str()))
            .unzip();
        df!("assignee" => people, "team" => teams)?
    };
    // The tickets whose assignee has a team.
    let tickets = input
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
        .filter(col("key").is_not_null().and(col("assignee").is_not_null()))
        // In the tickets' order: the evidence links are the month's first unplanned tickets, and
        // a key listed twice belongs to its last row's team.
        .join(
            team_of_person.lazy(),
            [col("assignee")],
            [col("assignee")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Inner)
            },
        )
        .with_column(
            col("labels")
                .list()
                .contains(lit("unplanned"), false)
                .fill_null(lit(false))
                .or(col("issue_type").eq(lit("incident")).fill_null(lit(false)))
                .alias("unplanned"),
        )
        .select([
            col("key"),
            col("team"),
            col("created_us"),
            col("resolved_us"),
            col("unplanned"),
            col("url"),
        ])
        .collect()?;
    let mut figures: BTreeMap<String, TeamFigures> = BTreeMap::new();
    if tickets.height() == 0 {
        return Ok(figures);
    }
    let teams = tickets.column("team")?.unique()?;
    for team in teams.str()?.iter().flatten() {
        figures.insert(team.to_string(), TeamFigures::default());
    }
    // A key listed twice belongs to its last row's team.
    let team_of_key = tickets
        .clone()
        .lazy()
        .select([col("key"), col("team"), col("resolved_us")])
        .unique_stable_generic(Some(vec![col("key")]), UniqueKeepStrategy::Last);
    let count = |name: &str| len().cast(DataType::Int64).alias(name);
    let sum = |flag: Expr, name: &str| flag.cast(DataType::Int64).sum().alias(name);

    let created = tickets
        .clone()
        .lazy()
        .filter(
            col("created_us")
                .gt_eq(lit(start))
                .and(col("created_us").lt(lit(end))),
        )
        .group_by([col("team")])
        .agg([
            count("created"),
            sum(col("unplanned"), "unplanned"),
            col("url")
                .filter(col("unplanned").and(col("url").is_not_null()))
                .head(Some(input.config.report.evidence_links))
                .alias("links"),
        ])
        .collect()?;
    for row in per_team(&created, &["created", "unplanned"])? {
        let f = figures.entry(row.team).or_default();
        f.created = row.counts[0];
        f.unplanned = row.counts[1];
    }
    let links = created.column("links")?.list()?;
    for (team, urls) in created
        .column("team")?
        .str()?
        .iter()
        .zip(links.amortized_iter())
    {
        let (Some(team), Some(urls)) = (team, urls) else {
            continue;
        };
        if let Some(f) = figures.get_mut(team) {
            f.links = urls
                .as_ref()
                .str()?
                .iter()
                .flatten()
                .map(String::from)
                .collect();
        }
    }

    let in_progress = in_progress_at(input, end)?
        .lazy()
        .inner_join(team_of_key.clone(), col("key"), col("key"))
        .group_by([col("team")])
        .agg([count("in_progress")])
        .collect()?;
    for row in per_team(&in_progress, &["in_progress"])? {
        figures.entry(row.team).or_default().in_progress_at_end = row.counts[0];
    }

    // Sprint assignments. A sprint starts and ends when the tracker says (the `sprints` table);
    // a sprint it does not list started at its first assignment and lasts SPRINT_DAYS.
    let assignments = input
        .table("issue_events")
        .filter(col("field").eq(lit("sprint")).and(col("to").is_not_null()))
        .select([
            col("key"),
            col("to").alias("sprint"),
            col("at").cast(DataType::Int64).alias("at_us"),
        ])
        .filter(col("at_us").is_not_null())
        .collect()?;
    let sprint_length = SPRINT_DAYS * 24 * MICROS_PER_HOUR;
    let spans = assignments
        .clone()
        .lazy()
        .group_by([col("sprint")])
        .agg([col("at_us").min().alias("first_us")])
        .join(
            sprint_spans(input)?,
            [col("sprint")],
            [col("sprint")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col("sprint"),
            col("start_us").fill_null(col("first_us")).alias("start_us"),
            col("end_us"),
        ])
        .with_column(
            col("end_us")
                .fill_null(col("start_us") + lit(sprint_length))
                .alias("end_us"),
        );
    let grace = t.sprint_grace_hours * MICROS_PER_HOUR;
    let planned = assignments
        .clone()
        .lazy()
        .filter(
            col("at_us")
                .gt_eq(lit(start))
                .and(col("at_us").lt(lit(end))),
        )
        .inner_join(team_of_key.clone(), col("key"), col("key"))
        .inner_join(spans.clone(), col("sprint"), col("sprint"))
        .group_by([col("team")])
        .agg([
            count("assignments"),
            sum(
                col("at_us").gt(col("start_us") + lit(grace)),
                "added_mid_sprint",
            ),
        ])
        .collect()?;
    for row in per_team(&planned, &["assignments", "added_mid_sprint"])? {
        let f = figures.entry(row.team).or_default();
        f.assignments = row.counts[0];
        f.added_mid_sprint = row.counts[1];
    }
    // Committed vs completed: each ticket of a sprint ending in the month, once per sprint.
    let sprint_members = assignments
        .lazy()
        .filter(col("key").is_not_null())
        .select([col("sprint"), col("key")])
        .unique(None, UniqueKeepStrategy::Any);
    let ending = spans
        .filter(
            col("end_us")
                .gt_eq(lit(start))
                .and(col("end_us").lt(lit(end))),
        )
        .inner_join(sprint_members, col("sprint"), col("sprint"))
        .inner_join(team_of_key, col("key"), col("key"))
        .group_by([col("team")])
        .agg([
            count("ending"),
            sum(
                col("resolved_us")
                    .lt_eq(col("end_us"))
                    .fill_null(lit(false)),
                "completed",
            ),
        ])
        .collect()?;
    for row in per_team(&ending, &["ending", "completed"])? {
        let f = figures.entry(row.team).or_default();
        f.sprint_tickets_ending = row.counts[0];
        f.completed_in_sprint = row.counts[1];
    }
    Ok(figures)
}

/// One row of a per-team aggregate: the team and its counts, in the order asked for.
struct TeamCounts {
    team: String,
    counts: Vec<usize>,
}

fn per_team(frame: &DataFrame, counts: &[&str]) -> PolarsResult<Vec<TeamCounts>> {
    let teams = str_values(frame, "team")?;
    let columns = counts
        .iter()
        .map(|name| i64_values(frame, name))
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok(teams
        .into_iter()
        .enumerate()
        .filter_map(|(i, team)| {
            Some(TeamCounts {
                team: team?,
                counts: columns
                    .iter()
                    .map(|c| c[i].unwrap_or(0).max(0) as usize)
                    .collect(),
            })
        })
        .collect())
}

/// The tickets in progress at `end` (a frame of their `key`s): those whose last status change
/// before then went to a status of the in-progress category. The last change is found by
/// polars within each ticket's changes, and each distinct status name (a few dozen) is
/// categorised once.
fn in_progress_at(input: &DetectorInput, end: i64) -> PolarsResult<DataFrame> {
    let last = input
        .table("issue_events")
        .filter(
            col("field")
                .eq(lit("status"))
                .and(col("at").cast(DataType::Int64).lt(lit(end))),
        )
        .group_by([col("key")])
        .agg([col("to").get(col("at").arg_max(), false)])
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
    last.lazy()
        .filter(col("to").is_in(
            lit(Series::new("in_progress".into(), in_progress)).implode(true),
            false,
        ))
        .select([col("key")])
        .collect()
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

/// Start and end (microseconds) of every sprint the `sprints` table knows with a start:
/// `sprint`, `start_us`, `end_us`; a name listed twice counts as its last row.
fn sprint_spans(input: &DetectorInput) -> PolarsResult<LazyFrame> {
    let Some(table) = input.tables.get("sprints") else {
        return Ok(df!(
            "sprint" => Vec::<String>::new(),
            "start_us" => Vec::<i64>::new(),
            "end_us" => Vec::<i64>::new(),
        )?
        .lazy());
    };
    Ok(table
        .clone()
        .filter(
            col("started_at")
                .is_not_null()
                .and(col("name").is_not_null()),
        )
        .select([
            col("name").alias("sprint"),
            col("started_at").cast(DataType::Int64).alias("start_us"),
            col("ended_at").cast(DataType::Int64).alias("end_us"),
        ])
        .unique_stable_generic(Some(vec![col("sprint")]), UniqueKeepStrategy::Last))
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
