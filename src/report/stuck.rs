//! Stuck items: the oldest pull requests and tickets still waiting at the end of the period.
//!
//! This selects rows (open at a date, oldest first); it computes no metric. A PR is waiting when
//! it was opened by the end of the period and neither merged nor closed by then; a ticket when it
//! was started (moved into progress) and not resolved. Bots' PRs are left out. Tickets come
//! longest in their current status first: since their last status change in `issue_events`
//! (a ticket started in March and moved back to "To Do" last week has waited a week in "To Do",
//! not 221 days in progress), or since they were started when no change is recorded.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

/// One waiting pull request.
#[derive(Debug, Clone, Serialize)]
pub struct StuckPr {
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: String,
    pub team: String,
    pub opened: String,
    pub age_days: i64,
    pub draft: bool,
}

/// One ticket in progress.
#[derive(Debug, Clone, Serialize)]
pub struct StuckTicket {
    pub key: String,
    pub title: String,
    pub url: Option<String>,
    pub assignee: String,
    pub team: String,
    pub status: String,
    pub started: String,
    /// Days since it was started.
    pub age_days: i64,
    /// The day it moved into its current status (its last status change before the period's
    /// end, or the day it was started when none is recorded).
    pub status_since: String,
    /// Days in its current status at the period's end.
    pub days_in_status: i64,
}

/// The oldest waiting PRs and tickets, oldest first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StuckItems {
    /// The day they were waiting at (the period's last day).
    pub as_of: Option<String>,
    pub prs: Vec<StuckPr>,
    pub tickets: Vec<StuckTicket>,
    /// How many were waiting in all (the lists show the oldest `limit`).
    pub prs_waiting: usize,
    pub tickets_waiting: usize,
    /// Every team's `limit` oldest, in the same order, for a team's view ([`StuckItems::for_teams`]).
    #[serde(skip)]
    team_prs: Vec<StuckPr>,
    #[serde(skip)]
    team_tickets: Vec<StuckTicket>,
    /// Per team: how many PRs and tickets were waiting in all.
    #[serde(skip)]
    waiting_by_team: BTreeMap<String, (usize, usize)>,
}

impl StuckItems {
    /// What a view of some teams shows: their `limit` oldest PRs and tickets, and how many of
    /// theirs were waiting.
    pub fn for_teams(&self, teams: &[String], limit: usize) -> StuckItems {
        let ours = |team: &str| teams.iter().any(|t| t == team);
        let (prs_waiting, tickets_waiting) = self
            .waiting_by_team
            .iter()
            .filter(|(team, _)| ours(team))
            .fold((0, 0), |(p, t), (_, (a, b))| (p + a, t + b));
        StuckItems {
            as_of: self.as_of.clone(),
            prs: self
                .team_prs
                .iter()
                .filter(|p| ours(&p.team))
                .take(limit)
                .cloned()
                .collect(),
            tickets: self
                .team_tickets
                .iter()
                .filter(|t| ours(&t.team))
                .take(limit)
                .cloned()
                .collect(),
            prs_waiting,
            tickets_waiting,
            ..StuckItems::default()
        }
    }

    /// Renames what the lists show (people and titles), for pseudonyms.
    pub fn rename(&mut self, person: impl Fn(&str) -> String, text: impl Fn(&str) -> String) {
        for pr in self.prs.iter_mut().chain(self.team_prs.iter_mut()) {
            pr.author = person(&pr.author);
            pr.title = text(&pr.title);
        }
        for ticket in self.tickets.iter_mut().chain(self.team_tickets.iter_mut()) {
            if !ticket.assignee.is_empty() {
                ticket.assignee = person(&ticket.assignee);
            }
            ticket.title = text(&ticket.title);
        }
    }
}

/// Of `items` (oldest first): the first `limit` overall, and the first `limit` of each team,
/// counting each team's items in `waiting` (`.0` for PRs, `.1` for tickets, by `tickets`).
fn keep_per_team<T: Clone>(
    items: Vec<T>,
    team: impl Fn(&T) -> &str,
    limit: usize,
    waiting: &mut BTreeMap<String, (usize, usize)>,
    tickets: bool,
) -> (Vec<T>, Vec<T>) {
    let shown: Vec<T> = items.iter().take(limit).cloned().collect();
    let mut kept = Vec::new();
    for item in items {
        let entry = waiting.entry(team(&item).to_string()).or_default();
        let seen = if tickets { &mut entry.1 } else { &mut entry.0 };
        *seen += 1;
        if *seen <= limit {
            kept.push(item);
        }
    }
    (shown, kept)
}

fn end_of(day: NaiveDate) -> i64 {
    day.succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_micros())
        .unwrap_or(i64::MAX)
}

fn micros(column: &str) -> Expr {
    col(column).cast(DataType::Int64)
}

fn date_of(micros: Option<i64>) -> String {
    micros
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

/// The `limit` oldest PRs and tickets waiting at the end of `as_of`.
pub fn collect(
    tables: &BTreeMap<&'static str, LazyFrame>,
    teams: &BTreeMap<String, String>,
    bots: &[String],
    as_of: NaiveDate,
    limit: usize,
) -> PolarsResult<StuckItems> {
    let end = end_of(as_of);
    let team_of = |person: &str| {
        teams
            .get(person)
            .cloned()
            .unwrap_or_else(|| "unassigned".into())
    };
    let age = |start: Option<i64>| start.map_or(0, |s| (end - s) / 86_400_000_000);
    let mut items = StuckItems {
        as_of: Some(as_of.to_string()),
        ..StuckItems::default()
    };

    if let Some(prs) = tables.get("pull_requests") {
        let done = micros("merged_at")
            .fill_null(micros("closed_at"))
            .fill_null(lit(i64::MAX));
        let bot_list = Series::new("bots".into(), bots.to_vec());
        let open = prs
            .clone()
            .filter(
                micros("created_at")
                    .lt(lit(end))
                    .and(done.gt_eq(lit(end)))
                    .and(col("author").str().ends_with(lit("[bot]")).not())
                    .and(
                        col("author")
                            .is_in(lit(bot_list).implode(true), false)
                            .not(),
                    ),
            )
            .sort(["created_at"], Default::default())
            .collect()?;
        items.prs_waiting = open.height();
        let repos = crate::common::frame::str_values(&open, "repo")?;
        let numbers = crate::common::frame::i64_values(&open, "number")?;
        let titles = crate::common::frame::str_values(&open, "title")?;
        let urls = crate::common::frame::str_values(&open, "url")?;
        let authors = crate::common::frame::str_values(&open, "author")?;
        let created = crate::common::frame::i64_values(&open, "created_at")?;
        let drafts = open
            .column("draft")?
            .cast(&DataType::Boolean)?
            .bool()?
            .iter()
            .collect::<Vec<_>>();
        let mut all = Vec::with_capacity(open.height());
        for i in 0..open.height() {
            let author = authors[i].clone().unwrap_or_default();
            all.push(StuckPr {
                repo: repos[i].clone().unwrap_or_default(),
                number: numbers[i].unwrap_or_default(),
                title: titles[i].clone().unwrap_or_default(),
                url: urls[i].clone(),
                team: team_of(&author),
                author,
                opened: date_of(created[i]),
                age_days: age(created[i]),
                draft: drafts[i].unwrap_or(false),
            });
        }
        (items.prs, items.team_prs) =
            keep_per_team(all, |p| &p.team, limit, &mut items.waiting_by_team, false);
    }

    if let Some(issues) = tables.get("issues") {
        let open = issues.clone().filter(
            micros("started_at").lt(lit(end)).and(
                micros("resolved_at")
                    .fill_null(lit(i64::MAX))
                    .gt_eq(lit(end)),
            ),
        );
        let open = match tables.get("issue_events") {
            Some(events) => open.join(
                events
                    .clone()
                    .filter(
                        col("field")
                            .eq(lit("status"))
                            .and(micros("at").lt(lit(end))),
                    )
                    .group_by([col("key")])
                    .agg([micros("at").max().alias("status_changed_us")]),
                [col("key")],
                [col("key")],
                JoinArgs::new(JoinType::Left),
            ),
            None => open.with_column(lit(NULL).cast(DataType::Int64).alias("status_changed_us")),
        };
        let open = open
            .with_column(
                col("status_changed_us")
                    .fill_null(micros("started_at"))
                    .alias("status_since_us"),
            )
            .sort(["status_since_us", "key"], Default::default())
            .collect()?;
        items.tickets_waiting = open.height();
        let keys = crate::common::frame::str_values(&open, "key")?;
        let titles = crate::common::frame::str_values(&open, "title")?;
        let urls = crate::common::frame::str_values(&open, "url")?;
        let assignees = crate::common::frame::str_values(&open, "assignee")?;
        let statuses = crate::common::frame::str_values(&open, "status")?;
        let started = crate::common::frame::i64_values(&open, "started_at")?;
        let since = crate::common::frame::i64_values(&open, "status_since_us")?;
        let mut all = Vec::with_capacity(open.height());
        for i in 0..open.height() {
            let assignee = assignees[i].clone().unwrap_or_default();
            all.push(StuckTicket {
                key: keys[i].clone().unwrap_or_default(),
                title: titles[i].clone().unwrap_or_default(),
                url: urls[i].clone(),
                team: if assignee.is_empty() {
                    "unassigned".into()
                } else {
                    team_of(&assignee)
                },
                assignee,
                status: statuses[i].clone().unwrap_or_default(),
                started: date_of(started[i]),
                age_days: age(started[i]),
                status_since: date_of(since[i]),
                days_in_status: age(since[i]),
            });
        }
        (items.tickets, items.team_tickets) =
            keep_per_team(all, |t| &t.team, limit, &mut items.waiting_by_team, true);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: &str) -> i64 {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    fn datetimes(name: &str, days: &[Option<&str>]) -> Column {
        Series::new(
            name.into(),
            days.iter().map(|d| d.map(at)).collect::<Vec<_>>(),
        )
        .cast(&crate::model::TIMESTAMP)
        .unwrap()
        .into()
    }

    /// A ticket started in March and moved back to "To Do" on 20 October has waited 11 days in
    /// "To Do" at the end of October, not 221 days in progress; one with no status change
    /// recorded has been in its status since it was started. The longest in its status comes
    /// first.
    #[test]
    fn a_stuck_ticket_shows_the_time_in_its_current_status() {
        let issues = DataFrame::new(
            2,
            vec![
                Column::new("key".into(), ["MOBI-13", "MOBI-16"]),
                Column::new("title".into(), ["Cache user settings", "Log bulk delete"]),
                Column::new("url".into(), [None::<&str>, None]),
                Column::new("assignee".into(), ["ivan", "leila"]),
                Column::new("status".into(), ["To Do", "In Progress"]),
                datetimes("started_at", &[Some("2026-03-24"), Some("2026-09-01")]),
                datetimes("resolved_at", &[None, None]),
            ],
        )
        .unwrap();
        let events = DataFrame::new(
            4,
            vec![
                Column::new("key".into(), ["MOBI-13", "MOBI-13", "MOBI-13", "MOBI-16"]),
                Column::new("field".into(), ["status", "status", "status", "title"]),
                datetimes(
                    "at",
                    &[
                        Some("2026-03-24"),
                        Some("2026-10-20"),
                        // After the period: the report says what stood at its end.
                        Some("2026-11-03"),
                        Some("2026-10-30"),
                    ],
                ),
            ],
        )
        .unwrap();
        let tables = BTreeMap::from([("issues", issues.lazy()), ("issue_events", events.lazy())]);
        let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let stuck = collect(&tables, &BTreeMap::new(), &[], day, 10).unwrap();
        let shown: Vec<(&str, &str, &str, i64, i64)> = stuck
            .tickets
            .iter()
            .map(|t| {
                (
                    t.key.as_str(),
                    t.status.as_str(),
                    t.status_since.as_str(),
                    t.days_in_status,
                    t.age_days,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("MOBI-16", "In Progress", "2026-09-01", 60, 60),
                ("MOBI-13", "To Do", "2026-10-20", 11, 221),
            ]
        );
    }
}
