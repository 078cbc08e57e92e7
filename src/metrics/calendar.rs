//! Working time: the calendar each wait is measured against on the working clock.
//!
//! A wait is counted in the working time of the person waited on: their time zone and hours
//! (the roster), the organisation's weekend and holidays (`[calendar]`), and their own days off
//! (`time_off`). SQL cannot walk a calendar, so this module lays each calendar out as a table the
//! metric SQL joins by day, and the SQL stays portable (DuckDB runs it unchanged):
//!
//! - `person_calendars` (person, calendar, placed): whose calendar is which, by number; `placed`
//!   is false for the people the roster does not place (no time zone, or UTC with no hours), who
//!   get the organisation's calendar, number 0 ([`DEFAULT_CALENDAR`]).
//! - `working_time` (calendar, day, before_s, a_start_s, a_len_s, b_start_s, b_len_s): one row per
//!   calendar and UTC day, the day as days since 1970-01-01 (what
//!   `CAST(FLOOR(EXTRACT(EPOCH FROM t) / 86400) AS BIGINT)` gives: numbers join faster than
//!   text, and a year of 2,000 people with their own days off is 800,000 rows). `before_s` is
//!   the working seconds before that day's UTC midnight
//!   (counted from the first day of the table); `a_*` and `b_*` are the at most two working
//!   stretches within that UTC day (epoch seconds and length; a stretch of length 0 is none).
//!   Two, because a working day in a zone far from UTC crosses UTC midnight: 09–18 in Los
//!   Angeles is 17:00–02:00 UTC, so one UTC day holds the end of one working day and the start
//!   of the next.
//!
//! The working time up to an instant `t` on day `d` is then `before_s + clamp(t − a_start_s, 0,
//! a_len_s) + clamp(t − b_start_s, 0, b_len_s)`, and a wait is the difference of two such values:
//! an equality join on (calendar, day) and arithmetic, as `queries/metrics/20_review_waits.sql`
//! does. People who share a zone and hours share a calendar; only someone with days off has one
//! of their own.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use super::Metric;
use crate::config::CalendarConfig;

const SECONDS_PER_DAY: i64 = 86_400;
/// The organisation's calendar, for everyone the roster does not place: what the SQL takes for
/// a person `person_calendars` does not list.
pub const DEFAULT_CALENDAR: i64 = 0;
/// Its key among the calendars, sorting before every shape's.
const DEFAULT_KEY: &str = "";

/// The most days before the data's last that calendars are laid out for. A git history can hold
/// a change dated 1970, and 2,000 people with days off each have a calendar: over 56 years that
/// would be 40 million rows. A report shows its period and the months before it for trends and
/// baselines, all well inside this; a wait older than it has no working time (NULL: not
/// computed, not 0) and keeps its wall-clock one.
const MAX_SPAN_DAYS: i64 = 5 * 366;

/// Timestamp columns whose days a wait can start or end on: the span the table must cover. A
/// team's report keeps the rows that set the organisation's span (`crate::scope`), so that
/// its calendars are laid out over the same days.
pub const SPAN_COLUMNS: &[(&str, &[&str])] = &[
    (
        "pull_requests",
        &["created_at", "ready_at", "merged_at", "closed_at"],
    ),
    ("reviews", &["submitted_at"]),
    ("review_requests", &["requested_at", "removed_at"]),
    ("issues", &["created_at", "resolved_at"]),
    ("issue_events", &["at"]),
];

/// One calendar's shape: a zone and working hours.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    zone: String,
    start_hour: i64,
    end_hour: i64,
}

impl Shape {
    fn id(&self) -> String {
        format!("{} {:02}-{:02}", self.zone, self.start_hour, self.end_hour)
    }
}

/// `person_calendars` and `working_time` for the days the tables span.
///
/// `origin`: the day `before_s` counts from (0 at its midnight; days before it negative), the
/// table's first day when `None`. A wait is a difference of two `before_s`, so where they count
/// from changes no wait; but they are floating-point sums, and a wait is computed the same to
/// the last bit only from the same `before_s`. An analysis passes its window's first day, so
/// the window of months and the whole history (`TEAMLENS_WHOLE_HISTORY`) give the same bits.
pub fn frames(
    tables: &BTreeMap<&'static str, LazyFrame>,
    calendar: &CalendarConfig,
    origin: Option<NaiveDate>,
) -> PolarsResult<Vec<(Metric, DataFrame)>> {
    let default = Shape {
        zone: calendar.timezone.clone(),
        start_hour: calendar.work_start_hour,
        end_hour: calendar.work_end_hour,
    };
    let mut persons = Vec::new();
    let mut calendar_ids = Vec::new();
    let mut placed = Vec::new();
    // Calendar id → its shape and the days off it leaves out.
    let mut calendars: BTreeMap<String, (Shape, BTreeSet<NaiveDate>)> = BTreeMap::new();
    calendars.insert(DEFAULT_KEY.to_string(), (default.clone(), BTreeSet::new()));
    let days_off = days_off(tables)?;
    if let Some(people) = tables.get("people") {
        let people = people
            .clone()
            .select([
                col("person"),
                col("timezone"),
                col("work_start_hour"),
                col("work_end_hour"),
            ])
            .collect()?;
        let person = people.column("person")?.str()?;
        let zone = people.column("timezone")?.str()?;
        let start = people.column("work_start_hour")?.i64()?;
        let end = people.column("work_end_hour")?.i64()?;
        for i in 0..people.height() {
            let Some(id) = person.get(i) else { continue };
            let zone = zone.get(i).unwrap_or("UTC");
            let (start, end) = (start.get(i), end.get(i));
            // The roster's default zone is UTC: UTC with no hours says nothing of where someone
            // is, so it is the organisation's calendar. A zone chrono-tz does not know (an import
            // can carry one) is the same.
            let known_zone = zone.parse::<Tz>().is_ok();
            let is_placed = known_zone && (zone != "UTC" || start.is_some() || end.is_some());
            let mut shape = if is_placed {
                Shape {
                    zone: zone.to_string(),
                    start_hour: start.unwrap_or(default.start_hour),
                    end_hour: end.unwrap_or(default.end_hour),
                }
            } else {
                default.clone()
            };
            if !(0..=23).contains(&shape.start_hour)
                || !(1..=24).contains(&shape.end_hour)
                || shape.start_hour >= shape.end_hour
            {
                shape.start_hour = default.start_hour;
                shape.end_hour = default.end_hour;
            }
            let calendar_id = match days_off.get(id) {
                Some(off) => {
                    let own = format!("{} off:{id}", shape.id());
                    calendars.insert(own.clone(), (shape, off.clone()));
                    own
                }
                None if !is_placed => DEFAULT_KEY.to_string(),
                None => {
                    let shared = shape.id();
                    calendars.insert(shared.clone(), (shape, BTreeSet::new()));
                    shared
                }
            };
            persons.push(id.to_string());
            calendar_ids.push(calendar_id);
            placed.push(is_placed);
        }
    }
    // Calendars by number, the default's 0: its key sorts first.
    let number: BTreeMap<&str, i64> = calendars
        .keys()
        .enumerate()
        .map(|(i, key)| (key.as_str(), i as i64))
        .collect();
    let calendar_numbers: Vec<i64> = calendar_ids
        .iter()
        .map(|key| number[key.as_str()])
        .collect();
    let person_calendars = DataFrame::new(
        persons.len(),
        vec![
            Column::new("person".into(), persons),
            Column::new("calendar".into(), calendar_numbers),
            Column::new("placed".into(), placed),
        ],
    )?;

    let mut rows = Rows::default();
    if let Some((first, last)) = span(tables)? {
        // A day either side: a working day in a zone behind or ahead of UTC reaches into them.
        let (first, last) = (first - Duration::days(1), last + Duration::days(1));
        let first = origin.map_or(first, |origin| first.min(origin));
        let mut shapes: BTreeMap<&Shape, Vec<(NaiveDate, i64, i64)>> = BTreeMap::new();
        for (shape, _) in calendars.values() {
            shapes
                .entry(shape)
                .or_insert_with(|| working_days(shape, calendar, first, last));
        }
        for (key, (shape, off)) in &calendars {
            let stretches = shapes[shape]
                .iter()
                .filter(|(day, _, _)| !off.contains(day))
                .map(|&(_, start, end)| (start, end));
            rows.push_calendar(number[key.as_str()], stretches, first, last, origin);
        }
    }
    Ok(vec![
        (Metric::PersonCalendars, person_calendars),
        (Metric::WorkingTime, rows.into_frame()?),
    ])
}

/// The first and last UTC day any wait can touch, from the tables' timestamps.
fn span(
    tables: &BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<Option<(NaiveDate, NaiveDate)>> {
    let mut bounds: Option<(i64, i64)> = None;
    for (table, columns) in SPAN_COLUMNS {
        let Some(frame) = tables.get(table) else {
            continue;
        };
        let schema = frame.clone().collect_schema()?;
        let present: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| schema.contains(c))
            .collect();
        if present.is_empty() {
            continue;
        }
        let mut exprs = Vec::new();
        for column in &present {
            let micros = col(*column).cast(DataType::Int64);
            exprs.push(micros.clone().min().alias(format!("{column}_min")));
            exprs.push(micros.max().alias(format!("{column}_max")));
        }
        let found = frame.clone().select(exprs).collect()?;
        for column in found.columns() {
            if let Some(value) = column.i64()?.get(0) {
                bounds = Some(match bounds {
                    None => (value, value),
                    Some((low, high)) => (low.min(value), high.max(value)),
                });
            }
        }
    }
    Ok(bounds.and_then(|(low, high)| {
        let day =
            |micros: i64| DateTime::<Utc>::from_timestamp_micros(micros).map(|t| t.date_naive());
        let (first, last) = (day(low)?, day(high)?);
        Some((first.max(last - Duration::days(MAX_SPAN_DAYS)), last))
    }))
}

/// Each person's days off (`time_off`, both ends inclusive, local days stored as midnights).
fn days_off(
    tables: &BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<BTreeMap<String, BTreeSet<NaiveDate>>> {
    let mut off: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    let Some(time_off) = tables.get("time_off") else {
        return Ok(off);
    };
    let frame = time_off
        .clone()
        .select([
            col("person"),
            col("first_day").cast(DataType::Int64),
            col("last_day").cast(DataType::Int64),
        ])
        .collect()?;
    let person = frame.column("person")?.str()?;
    let first = frame.column("first_day")?.i64()?;
    let last = frame.column("last_day")?.i64()?;
    let day = |micros: Option<i64>| {
        micros
            .and_then(DateTime::<Utc>::from_timestamp_micros)
            .map(|t| t.date_naive())
    };
    for i in 0..frame.height() {
        let (Some(id), Some(first), Some(last)) =
            (person.get(i), day(first.get(i)), day(last.get(i)))
        else {
            continue;
        };
        // A range over a year long is a data error, not leave; it would blank the calendar.
        if (last - first).num_days() > 366 {
            continue;
        }
        let days = off.entry(id.to_string()).or_default();
        let mut d = first;
        while d <= last {
            days.insert(d);
            d += Duration::days(1);
        }
    }
    Ok(off)
}

/// A shape's working days from `first` to `last` (local dates) as UTC epoch-second stretches,
/// weekends and holidays left out.
fn working_days(
    shape: &Shape,
    calendar: &CalendarConfig,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<(NaiveDate, i64, i64)> {
    let zone: Tz = shape.zone.parse().unwrap_or(Tz::UTC);
    let at = |day: NaiveDate, hour: i64| {
        let (day, hour) = if hour == 24 {
            (day + Duration::days(1), 0)
        } else {
            (day, hour)
        };
        let local = day.and_hms_opt(hour as u32, 0, 0)?;
        // A working day that starts in a daylight-saving gap starts when the clock resumes.
        zone.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.timestamp())
    };
    let mut days = Vec::new();
    let mut day = first;
    while day <= last {
        if !calendar.weekend_days.contains(&day.weekday())
            && !calendar.holiday_days.contains(&day)
            && let (Some(start), Some(end)) = (at(day, shape.start_hour), at(day, shape.end_hour))
            && end > start
        {
            days.push((day, start, end));
        }
        day += Duration::days(1);
    }
    days
}

/// `working_time`'s columns, filled calendar by calendar.
#[derive(Default)]
struct Rows {
    calendar: Vec<i64>,
    day: Vec<i64>,
    before_s: Vec<f64>,
    a_start_s: Vec<f64>,
    a_len_s: Vec<f64>,
    b_start_s: Vec<f64>,
    b_len_s: Vec<f64>,
}

impl Rows {
    /// One calendar's rows for every UTC day from `first` to `last`, from its working stretches
    /// in time order, `before_s` counted from `origin` (see [`frames`]).
    fn push_calendar(
        &mut self,
        id: i64,
        stretches: impl Iterator<Item = (i64, i64)>,
        first: NaiveDate,
        last: NaiveDate,
        origin: Option<NaiveDate>,
    ) {
        let rows_before = self.before_s.len();
        let epoch_day = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp() / SECONDS_PER_DAY)
                .unwrap_or(0)
        };
        let (first_day, last_day) = (epoch_day(first), epoch_day(last));
        // The stretches split at UTC midnights, in time order: each piece belongs to one day.
        let mut pieces = stretches
            .flat_map(|(start, end)| {
                let mut split = Vec::with_capacity(2);
                let mut from = start;
                while from < end {
                    let day = from.div_euclid(SECONDS_PER_DAY);
                    let to = end.min((day + 1) * SECONDS_PER_DAY);
                    split.push((day, from, to - from));
                    from = to;
                }
                split
            })
            .peekable();
        let mut before = 0.0;
        for day in first_day..=last_day {
            // Two working days' stretches at most share a UTC day (each is under 24 hours and
            // they start 24 hours apart); a third would be a calendar error, merged into the
            // second rather than lost.
            let mut a = (0, 0);
            let mut b = (0, 0);
            while let Some(&(piece_day, start, len)) = pieces.peek() {
                if piece_day > day {
                    break;
                }
                pieces.next();
                if piece_day < day {
                    continue;
                }
                if a.1 == 0 {
                    a = (start, len);
                } else if b.1 == 0 {
                    b = (start, len);
                } else {
                    b.1 = start + len - b.0;
                }
            }
            self.calendar.push(id);
            self.day.push(day);
            self.before_s.push(before);
            self.a_start_s.push(a.0 as f64);
            self.a_len_s.push(a.1 as f64);
            self.b_start_s.push(b.0 as f64);
            self.b_len_s.push(b.1 as f64);
            before += (a.1 + b.1) as f64;
        }
        // Whole seconds below 2^53: the shift is exact.
        if let Some(origin) = origin.filter(|o| *o >= first && *o <= last) {
            let at_origin = self.before_s[rows_before + (origin - first).num_days() as usize];
            for value in &mut self.before_s[rows_before..] {
                *value -= at_origin;
            }
        }
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        DataFrame::new(
            self.calendar.len(),
            vec![
                Column::new("calendar".into(), self.calendar),
                Column::new("day".into(), self.day),
                Column::new("before_s".into(), self.before_s),
                Column::new("a_start_s".into(), self.a_start_s),
                Column::new("a_len_s".into(), self.a_len_s),
                Column::new("b_start_s".into(), self.b_start_s),
                Column::new("b_len_s".into(), self.b_len_s),
            ],
        )
    }
}

/// The working seconds between two instants on a calendar laid out by [`frames`]: what the SQL
/// computes, in Rust, for tests and for [`crate::metrics`]' users who hold a frame already.
pub fn working_seconds(
    working_time: &DataFrame,
    calendar: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<f64> {
    let at = |t: DateTime<Utc>| -> Option<f64> {
        let day = t.timestamp().div_euclid(SECONDS_PER_DAY);
        let ids = working_time.column("calendar").ok()?.i64().ok()?;
        let days = working_time.column("day").ok()?.i64().ok()?;
        let i = (0..working_time.height())
            .find(|&i| ids.get(i) == Some(calendar) && days.get(i) == Some(day))?;
        let value = |name: &str| working_time.column(name).ok()?.f64().ok()?.get(i);
        let seconds = t.timestamp_micros() as f64 / 1e6;
        let clamp = |start: f64, len: f64| (seconds - start).max(0.0).min(len);
        Some(
            value("before_s")?
                + clamp(value("a_start_s")?, value("a_len_s")?)
                + clamp(value("b_start_s")?, value("b_len_s")?),
        )
    };
    Some(at(to)? - at(from)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn micros(text: &str) -> i64 {
        utc(text).timestamp_micros()
    }

    /// A store's worth of tables: people with their zones and hours, one PR for the span.
    fn tables(
        people: &[(&str, &str, Option<i64>, Option<i64>)],
        span: (&str, &str),
        time_off: &[(&str, &str, &str)],
    ) -> BTreeMap<&'static str, LazyFrame> {
        let people = df!(
            "person" => people.iter().map(|p| p.0).collect::<Vec<_>>(),
            "timezone" => people.iter().map(|p| p.1).collect::<Vec<_>>(),
            "work_start_hour" => people.iter().map(|p| p.2).collect::<Vec<_>>(),
            "work_end_hour" => people.iter().map(|p| p.3).collect::<Vec<_>>(),
        )
        .unwrap();
        let stamp = |values: Vec<i64>| {
            Series::new("t".into(), values)
                .cast(&crate::model::TIMESTAMP)
                .unwrap()
        };
        let prs = DataFrame::new(
            1,
            vec![
                stamp(vec![micros(span.0)])
                    .with_name("created_at".into())
                    .into(),
                stamp(vec![micros(span.1)])
                    .with_name("merged_at".into())
                    .into(),
            ],
        )
        .unwrap();
        let midnight = |day: &str| micros(&format!("{day}T00:00:00Z"));
        let off = DataFrame::new(
            time_off.len(),
            vec![
                Column::new(
                    "person".into(),
                    time_off.iter().map(|t| t.0).collect::<Vec<_>>(),
                ),
                stamp(time_off.iter().map(|t| midnight(t.1)).collect())
                    .with_name("first_day".into())
                    .into(),
                stamp(time_off.iter().map(|t| midnight(t.2)).collect())
                    .with_name("last_day".into())
                    .into(),
            ],
        )
        .unwrap();
        BTreeMap::from([
            ("people", people.lazy()),
            ("pull_requests", prs.lazy()),
            ("time_off", off.lazy()),
        ])
    }

    fn laid_out(
        tables: &BTreeMap<&'static str, LazyFrame>,
        calendar: &CalendarConfig,
    ) -> (DataFrame, DataFrame) {
        let mut frames = frames(tables, calendar, None).unwrap().into_iter();
        let (_, people) = frames.next().unwrap();
        let (_, working) = frames.next().unwrap();
        (people, working)
    }

    fn calendar_of(people: &DataFrame, person: &str) -> i64 {
        let persons = people.column("person").unwrap().str().unwrap();
        let i = (0..people.height())
            .find(|&i| persons.get(i) == Some(person))
            .unwrap();
        people
            .column("calendar")
            .unwrap()
            .i64()
            .unwrap()
            .get(i)
            .unwrap()
    }

    fn hours(working: &DataFrame, calendar: i64, from: &str, to: &str) -> f64 {
        working_seconds(working, calendar, utc(from), utc(to)).unwrap() / 3600.0
    }

    /// The case: a PR opened on Friday at 18:00 and reviewed on Monday at 10:00 waited
    /// one working hour of a 09–18 reviewer, not 64.
    #[test]
    fn friday_evening_to_monday_morning_is_one_working_hour() {
        let t = tables(
            &[("rev", "Europe/Berlin", Some(9), Some(18))],
            ("2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z"),
            &[],
        );
        let (people, working) = laid_out(&t, &CalendarConfig::default());
        let calendar = calendar_of(&people, "rev");
        // Friday 2026-11-13 18:00 Berlin (17:00 UTC) → Monday 2026-11-16 10:00 Berlin (09:00 UTC).
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-11-13T17:00:00Z",
                "2026-11-16T09:00:00Z"
            ),
            1.0
        );
        // Within a day, and across a night.
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-11-16T09:00:00Z",
                "2026-11-16T12:30:00Z"
            ),
            3.5
        );
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-11-16T16:00:00Z",
                "2026-11-17T09:00:00Z"
            ),
            2.0
        );
    }

    /// Los Angeles's 09–18 is 17:00–02:00 UTC: a UTC day holds two stretches, and a wait across
    /// the UTC midnight is still counted once.
    #[test]
    fn a_working_day_across_utc_midnight() {
        let t = tables(
            &[("la", "America/Los_Angeles", None, None)],
            ("2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z"),
            &[],
        );
        let (people, working) = laid_out(&t, &CalendarConfig::default());
        let calendar = calendar_of(&people, "la");
        // Tuesday 2026-11-17 08:00 PST (16:00 UTC) to 19:00 PST (03:00 UTC Wednesday): 9 hours.
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-11-17T16:00:00Z",
                "2026-11-18T03:00:00Z"
            ),
            9.0
        );
        // Friday 17:00 PST to Monday 10:00 PST: 1 + 1 hours.
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-11-21T01:00:00Z",
                "2026-11-23T18:00:00Z"
            ),
            2.0
        );
    }

    #[test]
    fn holidays_weekends_days_off_and_the_default_calendar() {
        let mut calendar = CalendarConfig {
            timezone: "Europe/Berlin".into(),
            holidays: vec!["2026-12-24".into(), "2026-12-25".into()],
            ..CalendarConfig::default()
        };
        calendar.validate().unwrap();
        let t = tables(
            &[
                ("unplaced", "UTC", None, None),
                ("utc", "UTC", Some(8), Some(16)),
                ("away", "Europe/Berlin", Some(9), Some(18)),
            ],
            ("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            &[("away", "2026-12-21", "2026-12-22")],
        );
        let (people, working) = laid_out(&t, &calendar);
        assert_eq!(calendar_of(&people, "unplaced"), DEFAULT_CALENDAR);
        let utc = calendar_of(&people, "utc");
        assert!(utc != DEFAULT_CALENDAR && utc != calendar_of(&people, "away"));
        let placed = people.column("placed").unwrap().bool().unwrap();
        assert_eq!(
            (0..3).map(|i| placed.get(i)).collect::<Vec<_>>(),
            [Some(false), Some(true), Some(true)]
        );
        // Wednesday 23rd 17:00 Berlin to Monday 28th 10:00 Berlin: one hour on the 23rd, the
        // 24th and 25th holidays, a weekend, one hour on the 28th.
        let default = DEFAULT_CALENDAR;
        assert_eq!(
            hours(
                &working,
                default,
                "2026-12-23T16:00:00Z",
                "2026-12-28T09:00:00Z"
            ),
            2.0
        );
        // The same wait for someone on leave on the 21st and 22nd: Monday 21st 09:00 Berlin to
        // Wednesday 23rd 10:00 Berlin is one hour.
        let away = calendar_of(&people, "away");
        assert_eq!(
            hours(
                &working,
                away,
                "2026-12-21T08:00:00Z",
                "2026-12-23T09:00:00Z"
            ),
            1.0
        );
        assert_eq!(
            hours(
                &working,
                default,
                "2026-12-21T08:00:00Z",
                "2026-12-23T09:00:00Z"
            ),
            19.0
        );
    }

    /// A PR dated 1970 (a git history can hold one) does not lay calendars out over 56 years:
    /// the days end five years before the data's last, and a wait before them has no working
    /// time rather than a wrong one.
    #[test]
    fn calendars_cover_at_most_five_years_before_the_data_ends() {
        let t = tables(
            &[("rev", "Europe/Berlin", Some(9), Some(18))],
            ("1970-01-01T00:00:00Z", "2026-11-30T00:00:00Z"),
            &[],
        );
        let (people, working) = laid_out(&t, &CalendarConfig::default());
        let calendar = calendar_of(&people, "rev");
        let per_calendar = working.height() / 2;
        assert!(
            (5 * 365..=5 * 366 + 3).contains(&per_calendar),
            "{per_calendar} days a calendar"
        );
        let old = working_seconds(
            &working,
            calendar,
            utc("1970-01-02T09:00:00Z"),
            utc("1970-01-05T09:00:00Z"),
        );
        assert_eq!(old, None);
    }

    /// Berlin leaves daylight-saving time on 2026-10-25: the working day stays 09–18 local, so
    /// 08:00 UTC is 09:00 after and 10:00 before.
    #[test]
    fn daylight_saving_time_moves_the_working_day_in_utc() {
        let t = tables(
            &[("rev", "Europe/Berlin", Some(9), Some(18))],
            ("2026-10-20T00:00:00Z", "2026-10-31T00:00:00Z"),
            &[],
        );
        let (people, working) = laid_out(&t, &CalendarConfig::default());
        let calendar = calendar_of(&people, "rev");
        // Friday 23rd (CEST, UTC+2): 07:00–16:00 UTC. Monday 26th (CET, UTC+1): 08:00–17:00 UTC.
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-10-23T06:00:00Z",
                "2026-10-23T08:00:00Z"
            ),
            1.0
        );
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-10-26T07:00:00Z",
                "2026-10-26T09:00:00Z"
            ),
            1.0
        );
        assert_eq!(
            hours(
                &working,
                calendar,
                "2026-10-23T15:00:00Z",
                "2026-10-26T09:00:00Z"
            ),
            2.0
        );
    }
}
