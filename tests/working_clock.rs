//! The working clock on a simulated organisation: people in several time zones (with daylight
//! saving), their own working hours, vacations in `time_off`, weekends. The simulator draws every
//! wait in the working time of the person who acts, so its data is full of waits across nights,
//! weekends and days away; this checks the working clock against each reviewer's own calendar,
//! worked out here independently with chrono-tz, wait by wait.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use polars::prelude::*;
use support::teamlens;
use teamlens::common::frame;
use teamlens::config::Config;
use teamlens::metrics::{self, Metric};
use teamlens::store::Store;

fn instants(frame: &DataFrame, name: &str) -> Vec<Option<DateTime<Utc>>> {
    frame::i64_values(frame, name)
        .unwrap()
        .into_iter()
        .map(|v| v.and_then(DateTime::from_timestamp_micros))
        .collect()
}

fn numbers(data: &DataFrame, name: &str) -> Vec<Option<f64>> {
    frame::f64_values(data, name).unwrap()
}

fn texts(data: &DataFrame, name: &str) -> Vec<Option<String>> {
    frame::str_values(data, name).unwrap()
}

/// A reviewer's working calendar as the roster and `time_off` give it.
struct Calendar {
    zone: Tz,
    start: u32,
    end: u32,
    away: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Whether `at` is inside the person's working hours on a working day of theirs.
    fn at_work(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let day = local.date_naive();
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.away.contains(&day)
            && (self.start..self.end).contains(&local.hour())
    }
}

#[test]
fn every_wait_on_the_working_clock_agrees_with_the_reviewers_own_calendar() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    teamlens()
        .args([
            "-q", "simulate", "--seed", "5", "--teams", "6", "--months", "6", "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    let store = Store::open(&data).unwrap();
    let tables = store.scan_all().unwrap();
    let computed = metrics::compute(&tables, &Config::default(), None).unwrap();

    // Each person's calendar from the stored roster and time off.
    let people = tables["people"].clone().collect().unwrap();
    let time_off = tables["time_off"].clone().collect().unwrap();
    let mut away: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    let (who, first, last) = (
        texts(&time_off, "person"),
        instants(&time_off, "first_day"),
        instants(&time_off, "last_day"),
    );
    for i in 0..time_off.height() {
        let (Some(person), Some(first), Some(last)) = (&who[i], first[i], last[i]) else {
            continue;
        };
        let days = away.entry(person.clone()).or_default();
        for day in first.date_naive().iter_days() {
            if day > last.date_naive() {
                break;
            }
            days.insert(day);
        }
    }
    let (person, zone) = (texts(&people, "person"), texts(&people, "timezone"));
    let (start, end) = (
        numbers(&people, "work_start_hour"),
        numbers(&people, "work_end_hour"),
    );
    let mut calendars = BTreeMap::new();
    for i in 0..people.height() {
        let (Some(person), Some(zone)) = (&person[i], &zone[i]) else {
            continue;
        };
        calendars.insert(
            person.clone(),
            Calendar {
                zone: zone.parse().unwrap(),
                start: start[i].unwrap_or(9.0) as u32,
                end: end[i].unwrap_or(18.0) as u32,
                away: away.remove(person).unwrap_or_default(),
            },
        );
    }
    assert!(
        calendars
            .values()
            .map(|c| c.zone.name())
            .collect::<BTreeSet<_>>()
            .len()
            > 1,
        "the simulated organisation should span several time zones"
    );

    let waits = computed.get(Metric::ReviewWaits);
    let (reviewer, from, to) = (
        texts(waits, "reviewer"),
        instants(waits, "clock_start"),
        instants(waits, "clock_end"),
    );
    let (wall, working) = (numbers(waits, "wait_h"), numbers(waits, "wait_wh"));
    let (mut same_day, mut across_nights, mut off_hours, mut checked) = (0, 0, 0, 0);
    for i in 0..waits.height() {
        let (Some(wall), Some(from), Some(to)) = (wall[i], from[i], to[i]) else {
            continue;
        };
        let working = working[i].expect("every ended wait has a working time");
        assert!(
            working <= wall + 1e-6 && working >= 0.0,
            "wait {i}: {working} working hours within {wall} wall-clock hours"
        );
        let Some(calendar) = reviewer[i].as_ref().and_then(|r| calendars.get(r)) else {
            continue;
        };
        checked += 1;
        let local = |t: DateTime<Utc>| t.with_timezone(&calendar.zone).date_naive();
        if local(from) == local(to) && calendar.at_work(from) && calendar.at_work(to) {
            // Both ends inside one working day of the reviewer: every hour of it was working time.
            same_day += 1;
            assert!(
                (working - wall).abs() < 1e-6,
                "wait {i} within one working day: {working} working, {wall} wall-clock hours"
            );
        } else if (to - from).num_hours() >= 24 * 7 {
            // A week or more: at least a weekend's 48 hours and every night are not working time.
            across_nights += 1;
            assert!(
                wall - working >= 48.0,
                "wait {i} over a week: {working} working, {wall} wall-clock hours"
            );
        }
        // A wait of under three days that never touches the reviewer's working hours (a
        // night, a weekend, a vacation): no working time at all. Sampled every 15 minutes, so a
        // working stretch shorter than that could hide between samples: held to 15 minutes.
        if (to - from).num_hours() < 72 {
            let mut at = from;
            let mut touches_work = false;
            while at <= to {
                touches_work |= calendar.at_work(at);
                at += chrono::Duration::minutes(15);
            }
            if !touches_work && !calendar.at_work(to) {
                off_hours += 1;
                assert!(
                    working <= 0.25,
                    "wait {i} outside the reviewer's working time: {working} working hours"
                );
            }
        }
    }
    assert!(checked > 500, "{checked} waits with a known reviewer");
    assert!(same_day > 50, "{same_day} waits inside one working day");
    assert!(
        across_nights > 10,
        "{across_nights} waits of a week or more"
    );
    assert!(off_hours >= 5, "{off_hours} waits outside working time");
    eprintln!(
        "{checked} waits checked: {same_day} inside one working day, {across_nights} of a week or more, {off_hours} outside working time"
    );
}
