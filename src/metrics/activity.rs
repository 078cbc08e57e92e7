//! Who did something when, in their own local time.
//!
//! Burnout, attrition and absence are about a person's own rhythm, so every visible action (a
//! commit, a review, a PR opened, a comment, a ticket change) is placed in the actor's time zone
//! and judged against their own working hours. Time zones are resolved through a small table of
//! UTC offsets per zone and UTC hour, joined to the events, so daylight-saving time is exact and
//! no per-row time-zone arithmetic runs in Rust.
//!
//! Sprint-planning moves (`issue_events.field = 'sprint'`) are not counted: they are made in bulk,
//! often by a tool or at planning time, and say nothing about when the person works.

use std::collections::BTreeMap;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;
/// Working hours assumed when the roster does not say.
const DEFAULT_START_HOUR: i64 = 9;
const DEFAULT_END_HOUR: i64 = 18;

/// `activity_local` and `person_monthly` with their columns and no rows: what SQL metrics read
/// when there is no roster or no activity, so they return nothing instead of failing.
pub fn empty_frames() -> PolarsResult<Vec<(&'static str, DataFrame)>> {
    let text = |name: &str| Column::new_empty(name.into(), &DataType::String);
    let int = |name: &str| Column::new_empty(name.into(), &DataType::Int64);
    let flag = |name: &str| Column::new_empty(name.into(), &DataType::Boolean);
    let time = |name: &str| Column::new_empty(name.into(), &crate::model::TIMESTAMP);
    let local = DataFrame::new(
        0,
        vec![
            text("person"),
            text("team"),
            text("role"),
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
    for name in [
        "actions",
        "own_work",
        "reviews",
        "comments",
        "ticket_changes",
        "active_days",
        "after_hours_actions",
        "weekend_actions",
    ] {
        monthly.push(int(name));
    }
    monthly.push(time("last_at"));
    Ok(vec![
        ("activity_local", local),
        ("person_monthly", DataFrame::new(0, monthly)?),
    ])
}

/// The tables built here:
/// - `activity_local` (person, team, role, kind, at, month, local_day, local_hour, weekend,
///   after_hours): one row per action, `local_day` counted in days since 1970-01-01 local time;
/// - `person_monthly` (team, person, role, month, actions, own_work, reviews, comments,
///   ticket_changes, active_days, after_hours_actions, weekend_actions, last_at).
pub fn frames(
    tables: &BTreeMap<&'static str, LazyFrame>,
    bots: &DataFrame,
) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
    let table = |name: &str| tables.get(name).cloned();
    let mut parts = Vec::new();
    let event = |frame: LazyFrame, person: &str, at: &str, kind: &str| {
        frame.select([
            col(person).cast(DataType::String).alias("person"),
            col(at).cast(DataType::Int64).alias("at_us"),
            lit(kind).alias("kind"),
        ])
    };
    if let Some(commits) = table("pr_commits") {
        parts.push(event(
            commits.filter(col("is_merge").fill_null(lit(false)).not()),
            "author",
            "authored_at",
            "commit",
        ));
    }
    if let Some(reviews) = table("reviews") {
        parts.push(event(reviews, "reviewer", "submitted_at", "review"));
    }
    if let Some(prs) = table("pull_requests") {
        parts.push(event(prs, "author", "created_at", "pr"));
    }
    if let Some(comments) = table("comments") {
        parts.push(event(comments, "author", "created_at", "comment"));
    }
    if let Some(events) = table("issue_events") {
        parts.push(event(
            events.filter(col("field").neq(lit("sprint"))),
            "actor",
            "at",
            "ticket",
        ));
    }
    let people = table("people")
        .unwrap_or_else(|| DataFrame::empty().lazy())
        .collect()?;
    if parts.is_empty() || people.height() == 0 {
        return Ok(Vec::new());
    }
    let bot_logins: Vec<String> = bots
        .column("login")
        .ok()
        .and_then(|c| {
            c.str()
                .ok()
                .map(|s| s.iter().flatten().map(String::from).collect())
        })
        .unwrap_or_default();
    let events = concat(parts, UnionArgs::default())?
        .filter(
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
        )
        .collect()?;
    if events.height() == 0 {
        return Ok(Vec::new());
    }
    let first = events.column("at_us")?.i64()?.min().unwrap_or(0);
    let last = events.column("at_us")?.i64()?.max().unwrap_or(0);
    let offsets = zone_offsets(&people, first, last)?;

    let roster = people.clone().lazy().select([
        col("person"),
        col("team"),
        col("role"),
        col("timezone"),
        col("work_start_hour")
            .fill_null(lit(DEFAULT_START_HOUR))
            .alias("start_hour"),
        col("work_end_hour")
            .fill_null(lit(DEFAULT_END_HOUR))
            .alias("end_hour"),
    ]);
    let local = events
        .lazy()
        .join(
            roster,
            [col("person")],
            [col("person")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("team").fill_null(lit("unassigned")),
            col("role").fill_null(lit("unknown")),
            col("timezone").fill_null(lit("UTC")),
            col("start_hour").fill_null(lit(DEFAULT_START_HOUR)),
            col("end_hour").fill_null(lit(DEFAULT_END_HOUR)),
            (col("at_us") / lit(MICROS_PER_HOUR)).alias("utc_hour"),
        ])
        .join(
            offsets.lazy(),
            [col("timezone"), col("utc_hour")],
            [col("timezone"), col("utc_hour")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(
            (col("at_us") + col("offset_minutes").fill_null(lit(0i64)) * lit(60_000_000i64))
                .alias("local_us"),
        )
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
        .with_columns([
            col("weekend")
                .or(col("local_hour").lt(col("start_hour")))
                .or(col("local_hour").gt_eq(col("end_hour")))
                .alias("after_hours"),
            col("at").dt().strftime("%Y-%m").alias("month"),
        ])
        .select([
            col("person"),
            col("team"),
            col("role"),
            col("kind"),
            col("at"),
            col("month"),
            col("local_day"),
            col("local_hour"),
            col("weekend"),
            col("after_hours"),
        ])
        .collect()?;

    let is = |kind: &str| col("kind").eq(lit(kind)).cast(DataType::Int64).sum();
    let monthly = local
        .clone()
        .lazy()
        .group_by([col("team"), col("person"), col("role"), col("month")])
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
        .sort(["team", "person", "month"], Default::default())
        .collect()?;
    Ok(vec![("activity_local", local), ("person_monthly", monthly)])
}

/// UTC offset in minutes of every roster time zone for every UTC hour from `first` to `last`.
/// Unknown zone names count as UTC (the roster check reports them).
fn zone_offsets(people: &DataFrame, first_us: i64, last_us: i64) -> PolarsResult<DataFrame> {
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
    let first_hour = first_us.div_euclid(MICROS_PER_HOUR);
    let last_hour = last_us.div_euclid(MICROS_PER_HOUR);
    let mut names = Vec::new();
    let mut hours = Vec::new();
    let mut offsets = Vec::new();
    for zone in &zones {
        let tz: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        for hour in first_hour..=last_hour {
            let at: DateTime<Utc> = DateTime::from_timestamp(hour * 3600, 0).unwrap_or_default();
            let offset = tz
                .offset_from_utc_datetime(&at.naive_utc())
                .fix()
                .local_minus_utc();
            names.push(zone.clone());
            hours.push(hour);
            offsets.push(i64::from(offset / 60));
        }
    }
    DataFrame::new(
        names.len(),
        vec![
            Column::new("timezone".into(), names),
            Column::new("utc_hour".into(), hours),
            Column::new("offset_minutes".into(), offsets),
        ],
    )
}
