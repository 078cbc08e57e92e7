//! Who did something when, in their own local time.
//!
//! Burnout, attrition and absence are about a person's own rhythm, so every visible action (a
//! commit, a review, a PR opened, a comment, a ticket change) is placed in the actor's time zone
//! and judged against their own working hours. A commit carries the UTC offset its author's
//! clock recorded, the best word on where they were, and is placed by it; other actions by the
//! roster's time zone, or, where the roster gives none (UTC, its default), by the offset the
//! person's own commits record most often. What git alone records is read as git records it: a
//! clone's commits are actions (not its merges, nor GitHub's squash commits, nor commits a PR's
//! fetch already has), its changes and trailer reviews are not (a change opens with its first
//! commit; a review is dated when the change landed, not when the reviewer worked). Time zones are resolved through a small table of
//! UTC offsets per zone and UTC hour, joined to the events, so daylight-saving time is exact and
//! no per-row time-zone arithmetic runs in Rust.
//!
//! Sprint-planning moves (`issue_events.field = 'sprint'`) are not counted: they are made in bulk,
//! often by a tool or at planning time, and say nothing about when the person works.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use super::Metric;
use crate::identity::GITHUB_SYSTEM_ACCOUNTS;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
/// `commits.source` of a clone's commits (`sources::git::SOURCE`; sources sit above metrics).
const GIT_SOURCE: &str = "git";
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;
/// Working hours assumed when the roster does not say.
const DEFAULT_START_HOUR: i64 = 9;
const DEFAULT_END_HOUR: i64 = 18;

/// `activity_local` and `person_monthly` with their columns and no rows: what SQL metrics read
/// when there is no roster or no activity, so they return nothing instead of failing.
pub fn empty_frames() -> PolarsResult<Vec<(Metric, DataFrame)>> {
    let text = |name: &str| Column::new_empty(name.into(), &DataType::String);
    let int = |name: &str| Column::new_empty(name.into(), &DataType::Int64);
    let flag = |name: &str| Column::new_empty(name.into(), &DataType::Boolean);
    let time = |name: &str| Column::new_empty(name.into(), &crate::model::TIMESTAMP);
    let local = DataFrame::new(
        0,
        vec![
            text("person"),
            text("kind"),
            time("at"),
            text("month"),
            int("local_day"),
            int("local_hour"),
            flag("weekend"),
            flag("after_hours"),
        ],
    )?;
    let mut monthly = vec![text("team"), text("person"), text("role"), text("month")];
    for name in MONTHLY_COUNTS {
        monthly.push(int(name));
    }
    monthly.push(time("last_at"));
    Ok(vec![
        (Metric::ActivityLocal, local),
        (Metric::PersonMonthly, DataFrame::new(0, monthly)?),
    ])
}

/// Which actions [`actions`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    /// Every kind.
    All,
    /// Commits only: what a person's usual offset is counted from.
    Commits,
}

/// The PR commits a clone's commit is already counted with, when its SHA is among theirs.
pub enum Pushed {
    /// `tables`' own `pr_commits`.
    OfTables,
    /// These (`sha`): a part of the history is read, and the PR commits are all of them.
    These(Box<LazyFrame>),
    /// None: only whether any action is there is asked.
    Ignored,
}

/// Where each kind of action is read: its table and the column of its time. A team's report
/// keeps the organisation's first action by these columns (`crate::scope`), so that the first
/// day the data covers, which attrition counts working days from, stays the organisation's.
pub const ACTION_TIMES: [(&str, &str); 6] = [
    ("pr_commits", "authored_at"),
    ("commits", "authored_at"),
    ("reviews", "submitted_at"),
    ("pull_requests", "created_at"),
    ("comments", "created_at"),
    ("issue_events", "at"),
];

/// The time column of an action's table in [`ACTION_TIMES`].
fn action_time(table: &str) -> &'static str {
    ACTION_TIMES
        .iter()
        .find(|(name, _)| *name == table)
        .map_or("at", |(_, at)| *at)
}

/// Every action of a person (no bot) in `tables`: `person`, `at_us`, `kind`, `kind_code` and
/// `own_offset` (the UTC offset the actor's own clock recorded, for commits), lazily; `None`
/// when no table holds any. What `activity_local` places in local time, what
/// `metrics::History` reads of the months before a window, and what [`first_action_at`] looks
/// for. `span` (microseconds, both ends inclusive) keeps only the actions of that span, each
/// table filtered on its time column before anything else, so that a scan reads little of it.
pub fn actions(
    tables: &BTreeMap<&'static str, LazyFrame>,
    bots: &DataFrame,
    kinds: Kinds,
    pushed: Pushed,
    span: Option<(i64, i64)>,
) -> PolarsResult<Option<LazyFrame>> {
    let table = |name: &str| {
        tables.get(name).cloned().map(|frame| match span {
            Some((from, to)) => {
                let at = col(action_time(name)).cast(DataType::Int64);
                frame.filter(at.clone().gt_eq(lit(from)).and(at.lt_eq(lit(to))))
            }
            None => frame,
        })
    };
    let mut parts = Vec::new();
    // `own_offset`: the UTC offset the actor's own clock recorded with the action (a commit's
    // author date), the best word on where they were; other actions have none.
    let event = |frame: LazyFrame, person: &str, at: &str, kind: &str, own_offset: Expr| {
        frame.select([
            col(person).cast(DataType::String).alias("person"),
            col(at).cast(DataType::Int64).alias("at_us"),
            lit(kind).alias("kind"),
            lit(kind_code(kind)).alias("kind_code"),
            own_offset.cast(DataType::Int64).alias("own_offset"),
        ])
    };
    let none = || lit(NULL).cast(DataType::Int64);
    let not_git = || col("source").neq(lit(GIT_SOURCE)).fill_null(lit(true));
    if let Some(commits) = table("pr_commits") {
        parts.push(event(
            commits.filter(col("is_merge").fill_null(lit(false)).not()),
            "author",
            action_time("pr_commits"),
            "commit",
            col("author_tz_offset_minutes"),
        ));
    }
    // A clone's commits are its authors' own work at their own time. Merges are not (they say
    // when a change landed), nor commits GitHub made (a squash merge is authored when the
    // button was pressed), nor commits a PR's fetch already counted.
    if let Some(commits) = table("commits") {
        let clone = commits.filter(
            col("source")
                .eq(lit(GIT_SOURCE))
                .and(col("files").is_not_null())
                .and(
                    col("committer")
                        .is_in(
                            lit(Series::new("github".into(), GITHUB_SYSTEM_ACCOUNTS)).implode(true),
                            false,
                        )
                        .not()
                        .fill_null(lit(true)),
                ),
        );
        let pushed = match pushed {
            // Whether a clone's commit was pushed with a PR is asked of every PR commit, in the
            // span or not.
            Pushed::OfTables => tables
                .get("pr_commits")
                .map(|c| c.clone().select([col("sha")])),
            Pushed::These(shas) => Some(*shas),
            Pushed::Ignored => None,
        };
        let clone = match pushed {
            // The clone's commits are read first: most stores hold none, and then the PR
            // commits' SHAs (millions) are never gathered for the test.
            Some(pushed) => {
                let read = clone
                    .select([
                        col("author"),
                        col("authored_at"),
                        col("author_tz_offset_minutes"),
                        col("sha"),
                    ])
                    .collect()?;
                if read.height() == 0 {
                    read.lazy()
                } else {
                    let shas = read.column("sha")?.as_materialized_series().clone();
                    read.lazy()
                        .join(
                            pushed
                                .filter(col("sha").is_in(shas.lit().implode(true), false))
                                .select([col("sha"), lit(true).alias("__pushed")])
                                .unique(None, UniqueKeepStrategy::Any),
                            [col("sha")],
                            [col("sha")],
                            JoinArgs::new(JoinType::Left),
                        )
                        .filter(col("__pushed").is_null())
                }
            }
            None => clone,
        };
        parts.push(event(
            clone,
            "author",
            action_time("commits"),
            "commit",
            col("author_tz_offset_minutes"),
        ));
    }
    if kinds == Kinds::Commits {
        return Ok(Some(without_bots(parts, bots)?));
    }
    // A review read from a commit's trailers is dated when the change landed, which says
    // nothing about when the reviewer worked; a change read from git is opened by its first
    // commit, already counted.
    if let Some(reviews) = table("reviews") {
        parts.push(event(
            reviews.filter(not_git()),
            "reviewer",
            action_time("reviews"),
            "review",
            none(),
        ));
    }
    if let Some(prs) = table("pull_requests") {
        parts.push(event(
            prs.filter(not_git()),
            "author",
            action_time("pull_requests"),
            "pr",
            none(),
        ));
    }
    if let Some(comments) = table("comments") {
        parts.push(event(
            comments,
            "author",
            action_time("comments"),
            "comment",
            none(),
        ));
    }
    if let Some(events) = table("issue_events") {
        parts.push(event(
            events.filter(col("field").neq(lit("sprint"))),
            "actor",
            action_time("issue_events"),
            "ticket",
            none(),
        ));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(without_bots(parts, bots)?))
}

/// The actions of `parts` that are no bot's (`bots.login`, or a login ending in `[bot]`).
fn without_bots(parts: Vec<LazyFrame>, bots: &DataFrame) -> PolarsResult<LazyFrame> {
    let bot_logins: Vec<String> = bots
        .column("login")
        .ok()
        .and_then(|c| {
            c.str()
                .ok()
                .map(|s| s.iter().flatten().map(String::from).collect())
        })
        .unwrap_or_default();
    Ok(concat(parts, UnionArgs::default())?.filter(
        col("person")
            .str()
            .ends_with(lit("[bot]"))
            .not()
            .and(
                col("person")
                    .is_in(
                        lit(Series::new("bots".into(), bot_logins)).implode(true),
                        false,
                    )
                    .not(),
            )
            .and(col("at_us").is_not_null()),
    ))
}

/// How many of each person's actions ([`actions`]) recorded each UTC offset: `person`,
/// `own_offset`, `actions` (a `u32`).
pub fn offset_counts(actions: LazyFrame) -> LazyFrame {
    actions
        .filter(col("own_offset").is_not_null())
        .group_by([col("person"), col("own_offset")])
        .agg([len().alias("actions")])
}

/// Each person's usual UTC offset (`person`, `usual_offset`): the one their own commits record
/// most often, the smaller on a tie, from [`offset_counts`].
pub fn usual_offsets(counts: LazyFrame) -> LazyFrame {
    counts
        .filter(col("own_offset").is_not_null())
        .sort_by_exprs(
            [col("actions"), col("own_offset")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .group_by([col("person")])
        .agg([col("own_offset").first().alias("usual_offset")])
}

/// The kinds of action, in `activity_local.kind`.
const KINDS: [&str; 5] = ["commit", "review", "pr", "comment", "ticket"];

/// A kind's number, what the monthly counts compare instead of the string.
fn kind_code(kind: &str) -> i32 {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0) as i32
}

/// The counting columns of `person_monthly`, in order.
const MONTHLY_COUNTS: [&str; 9] = [
    "actions",
    "own_work",
    "reviews",
    "comments",
    "ticket_changes",
    "active_days",
    "pr_active_days",
    "after_hours_actions",
    "weekend_actions",
];

/// The time of the first action of anyone (microseconds), as `activity_local` would hold it:
/// what attrition reads as the first day the data covers. Found without building every
/// action: the first action is no earlier than the earliest time any action table holds, so
/// the actions of a day from there are built (a day, then a week, a month, …), and the first
/// window holding one holds the first.
pub fn first_action_at(
    tables: &BTreeMap<&'static str, LazyFrame>,
    bots: &DataFrame,
) -> PolarsResult<Option<i64>> {
    let mut earliest: Option<i64> = None;
    for (name, at) in ACTION_TIMES {
        let Some(frame) = tables.get(name) else {
            continue;
        };
        let first = frame
            .clone()
            .select([col(at).cast(DataType::Int64).min()])
            .collect()?;
        if let Some(t) = first.column(at)?.i64()?.get(0) {
            earliest = Some(earliest.map_or(t, |e| e.min(t)));
        }
    }
    let Some(from) = earliest else {
        return Ok(None);
    };
    for days in [Some(1), Some(8), Some(64), Some(512), None] {
        let window = days.map(|d: i64| (from, from.saturating_add(d * MICROS_PER_DAY)));
        let Some(events) = actions(tables, bots, Kinds::All, Pushed::OfTables, window)? else {
            return Ok(None);
        };
        let first = events.select([col("at_us").min()]).collect()?;
        if let Some(t) = first.column("at_us")?.i64()?.get(0) {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// The tables built here:
/// - `activity_local` (person, kind, at, month, local_day, local_hour, weekend, after_hours): one
///   row per action, `month` the UTC month, `local_day` counted in days since 1970-01-01 in the
///   actor's time zone;
/// - `person_monthly` (team, person, role, month, actions, own_work, reviews, comments,
///   ticket_changes, active_days, pr_active_days, after_hours_actions, weekend_actions, last_at):
///   `team` is the person's primary team, `active_days` counts local days with any action and
///   `pr_active_days` those with pull-request work (a commit, a review, a PR opened, a comment).
///
/// The actions of a year of a large organisation are ten million rows, so every per-row step is
/// a column operation: the roster is joined once on the person, and a time zone's offset and the
/// UTC month are looked up by position in small tables indexed by UTC hour, not joined or
/// formatted per row. Team and role are joined after the monthly aggregation, on a few thousand
/// rows.
///
/// `usual`: each person's usual offset (`person`, `usual_offset`, as [`usual_offsets`] gives
/// it) over the whole history, when `tables` hold only some of it (a window of months); `None`
/// to take it from `tables`' own commits.
pub fn frames(
    tables: &BTreeMap<&'static str, LazyFrame>,
    bots: &DataFrame,
    usual: Option<&DataFrame>,
) -> PolarsResult<Vec<(Metric, DataFrame)>> {
    let Some(events) = actions(tables, bots, Kinds::All, Pushed::OfTables, None)? else {
        return Ok(Vec::new());
    };
    let events = events.collect()?;
    if events.height() == 0 {
        return Ok(Vec::new());
    }
    let table = |name: &str| tables.get(name).cloned();
    // Without a roster everyone is in UTC with the default hours, in no team: output per active
    // day still counts, and the detectors that judge a person's rhythm skip people the roster
    // does not know.
    let people = match table("people") {
        Some(people) => people.collect()?,
        None => DataFrame::empty(),
    };
    let people = match crate::model::table_spec("people") {
        Some(spec) if people.height() == 0 => crate::model::empty_frame(spec),
        _ => people,
    };
    let first = events.column("at_us")?.i64()?.min().unwrap_or(0);
    let last = events.column("at_us")?.i64()?.max().unwrap_or(0);
    let hours = HourTables::build(&people, first, last)?;

    let zone_of_person = hours.zone_ids(&people)?;
    let roster = DataFrame::new(
        people.height(),
        vec![
            people.column("person")?.clone(),
            Column::new("zone".into(), zone_of_person),
            people
                .column("work_start_hour")?
                .cast(&DataType::Int64)?
                .with_name("start_hour".into()),
            people
                .column("work_end_hour")?
                .cast(&DataType::Int64)?
                .with_name("end_hour".into()),
        ],
    )?;
    let hour_index = (col("at_us").floor_div(lit(MICROS_PER_HOUR)) - lit(hours.first_hour))
        .cast(DataType::Int64);
    // Each person's usual offset: where the roster gives no time zone (UTC is its default), it
    // places their other actions.
    let usual_offset = match usual {
        Some(usual) => usual.clone().lazy(),
        None => usual_offsets(offset_counts(events.clone().lazy())),
    };
    let with_codes = events
        .lazy()
        .join(
            roster.lazy(),
            [col("person")],
            [col("person")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            usual_offset,
            [col("person")],
            [col("person")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            // Unknown people and zones count as UTC, with the default working hours.
            (col("zone").fill_null(lit(hours.utc_zone)) * lit(hours.span) + hour_index.clone())
                .alias("offset_index"),
            col("zone")
                .fill_null(lit(hours.utc_zone))
                .eq(lit(hours.utc_zone))
                .alias("zone_unknown"),
            hour_index.alias("hour_index"),
            col("start_hour").fill_null(lit(DEFAULT_START_HOUR)),
            col("end_hour").fill_null(lit(DEFAULT_END_HOUR)),
        ])
        .with_columns([
            // The action's own offset; else the roster's zone; in UTC (the roster's default, or
            // no roster), the person's usual offset when their commits record one.
            coalesce(&[
                col("own_offset"),
                when(col("zone_unknown"))
                    .then(col("usual_offset"))
                    .otherwise(lit(NULL).cast(DataType::Int64)),
                lit(hours.offset_minutes.clone()).gather(col("offset_index"), true),
            ])
            .alias("offset_minutes"),
        ])
        .with_columns([
            (col("at_us") + col("offset_minutes") * lit(60_000_000i64)).alias("local_us"),
            lit(hours.month.clone())
                .gather(col("hour_index"), true)
                .alias("month"),
            lit(hours.month_index.clone())
                .gather(col("hour_index"), true)
                .alias("month_index"),
        ])
        .with_columns([
            col("local_us")
                .floor_div(lit(MICROS_PER_DAY))
                .alias("local_day"),
            (col("local_us").floor_div(lit(MICROS_PER_HOUR)) % lit(24i64)).alias("local_hour"),
        ])
        .with_columns([
            // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays, 5 and 6 at weekends.
            ((col("local_day") + lit(3i64)) % lit(7i64))
                .gt_eq(lit(5i64))
                .alias("weekend"),
            col("at_us").cast(crate::model::TIMESTAMP).alias("at"),
        ])
        .with_column(
            col("weekend")
                .or(col("local_hour").lt(col("start_hour")))
                .or(col("local_hour").gt_eq(col("end_hour")))
                .alias("after_hours"),
        )
        .select([
            col("person"),
            col("kind"),
            col("at"),
            col("month"),
            col("local_day"),
            col("local_hour"),
            col("weekend"),
            col("after_hours"),
            col("month_index"),
            col("kind_code"),
            // The local day of pull-request work, null for ticket changes: counted per person
            // and month below without a filter inside the aggregation.
            when(col("kind_code").neq(lit(kind_code("ticket"))))
                .then(col("local_day"))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("pr_day"),
        ])
        .collect()?;
    // The monthly counts group and compare integers; the strings are for the table's readers.
    let local = with_codes.drop_many(["month_index", "kind_code", "pr_day"]);

    let is = |kind: &str| {
        col("kind_code")
            .eq(lit(kind_code(kind)))
            .cast(DataType::Int64)
            .sum()
    };
    let team_and_role = people.clone().lazy().select([
        col("person"),
        col("team").fill_null(lit("unassigned")),
        col("role").fill_null(lit("unknown")),
    ]);
    let monthly = with_codes
        .lazy()
        .group_by([col("person"), col("month_index")])
        .agg([
            len().cast(DataType::Int64).alias("actions"),
            (is("commit") + is("pr")).alias("own_work"),
            is("review").alias("reviews"),
            is("comment").alias("comments"),
            is("ticket").alias("ticket_changes"),
            col("local_day")
                .n_unique()
                .cast(DataType::Int64)
                .alias("active_days"),
            // `n_unique` counts null as a value: one less when the month had ticket changes.
            (col("pr_day").n_unique().cast(DataType::Int64)
                - col("pr_day").null_count().gt(lit(0)).cast(DataType::Int64))
            .alias("pr_active_days"),
            col("after_hours")
                .cast(DataType::Int64)
                .sum()
                .alias("after_hours_actions"),
            col("weekend")
                .cast(DataType::Int64)
                .sum()
                .alias("weekend_actions"),
            col("at").max().alias("last_at"),
        ])
        .join(
            hours.month_names()?.lazy(),
            [col("month_index")],
            [col("month_index")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            team_and_role,
            [col("person")],
            [col("person")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("team").fill_null(lit("unassigned")),
            col("role").fill_null(lit("unknown")),
        ])
        .select(
            [col("team"), col("person"), col("role"), col("month")]
                .into_iter()
                .chain(MONTHLY_COUNTS.iter().map(|name| col(*name)))
                .chain([col("last_at")])
                .collect::<Vec<_>>(),
        )
        .sort(["team", "person", "month"], Default::default())
        .collect()?;
    Ok(vec![
        (Metric::ActivityLocal, local),
        (Metric::PersonMonthly, monthly),
    ])
}

/// Lookup tables indexed by UTC hour from the first action to the last: each roster time zone's
/// UTC offset (zone after zone, `span` hours each) and the UTC month, so that placing ten million
/// actions in time is a positional gather instead of a join or a date formatting per row.
struct HourTables {
    zones: Vec<String>,
    /// The index of `UTC` in `zones`: where unknown people and zones are placed.
    utc_zone: i64,
    first_hour: i64,
    span: i64,
    /// Offset in minutes, at `zone * span + (utc_hour - first_hour)`.
    offset_minutes: Series,
    /// `YYYY-MM` of each UTC hour, at `utc_hour - first_hour`.
    month: Series,
    /// The same month as a number (year × 12 + month − 1), what the monthly counts group by.
    month_index: Series,
}

impl HourTables {
    /// Unknown zone names count as UTC (the roster check reports them). Daylight-saving time is
    /// exact: the offset is chrono-tz's for each hour.
    fn build(people: &DataFrame, first_us: i64, last_us: i64) -> PolarsResult<Self> {
        let mut zones: Vec<String> = people
            .column("timezone")?
            .str()?
            .iter()
            .flatten()
            .map(String::from)
            .collect();
        zones.push("UTC".to_string());
        zones.sort();
        zones.dedup();
        let utc_zone = zones.iter().position(|z| z == "UTC").unwrap_or(0) as i64;
        let first_hour = first_us.div_euclid(MICROS_PER_HOUR);
        let last_hour = last_us.div_euclid(MICROS_PER_HOUR);
        let span = last_hour - first_hour + 1;
        let instants: Vec<DateTime<Utc>> = (first_hour..=last_hour)
            .map(|hour| DateTime::from_timestamp(hour * 3600, 0).unwrap_or_default())
            .collect();
        let mut offsets = Vec::with_capacity(zones.len() * instants.len());
        for zone in &zones {
            let tz: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
            offsets.extend(instants.iter().map(|at| {
                i64::from(
                    tz.offset_from_utc_datetime(&at.naive_utc())
                        .fix()
                        .local_minus_utc()
                        / 60,
                )
            }));
        }
        let months: Vec<String> = instants
            .iter()
            .map(|at| at.format("%Y-%m").to_string())
            .collect();
        let month_index: Vec<i64> = instants
            .iter()
            .map(|at| i64::from(at.year()) * 12 + i64::from(at.month0()))
            .collect();
        Ok(Self {
            zones,
            utc_zone,
            first_hour,
            span,
            offset_minutes: Series::new("offset_minutes".into(), offsets),
            month: Series::new("month".into(), months),
            month_index: Series::new("month_index".into(), month_index),
        })
    }

    /// `month_index` → `month`, one row per month of the span.
    fn month_names(&self) -> PolarsResult<DataFrame> {
        DataFrame::new(
            self.month.len(),
            vec![self.month_index.clone().into(), self.month.clone().into()],
        )?
        .unique_stable(None, UniqueKeepStrategy::First, None)
    }

    /// Each roster person's zone index; unknown zones are UTC.
    fn zone_ids(&self, people: &DataFrame) -> PolarsResult<Vec<i64>> {
        Ok(people
            .column("timezone")?
            .str()?
            .iter()
            .map(|zone| {
                zone.and_then(|z| self.zones.iter().position(|known| known == z))
                    .map_or(self.utc_zone, |i| i as i64)
            })
            .collect())
    }
}
