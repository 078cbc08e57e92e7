//! Holidays from an iCalendar file (RFC 5545), the format HR systems and team calendars export.
//!
//! Only what a holiday calendar says is read: each event's days. An all-day event
//! (`DTSTART;VALUE=DATE:20261225`) covers its start day up to its `DTEND`, which RFC 5545 makes
//! exclusive (one day when there is none); a timed event covers the days its start and end fall
//! on, as written (a holiday calendar's times are its own local ones). A yearly recurring event
//! (`RRULE:FREQ=YEARLY`, with `COUNT` or `UNTIL` honoured) is a holiday in every year up to
//! [`LAST_YEAR`]; any other recurrence is refused by name, since guessing it would put working
//! days into the calendar. The parsing itself is the `icalendar` crate's.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};

/// The last year a yearly holiday is repeated into.
pub const LAST_YEAR: i32 = 2100;

/// The longest event read as a holiday; longer ones are likely not holidays (a whole quarter's
/// "office closed" marker) and would silently remove months of working time.
const MAX_EVENT_DAYS: i64 = 31;

/// The days an iCalendar document's events cover.
pub fn read_ics(text: &str) -> Result<BTreeSet<NaiveDate>, String> {
    let unfolded = icalendar::parser::unfold(text);
    let calendar = icalendar::parser::read_calendar(&unfolded)
        .map_err(|e| format!("not an iCalendar file: {}", first_line(&e)))?;
    let mut days = BTreeSet::new();
    let mut events = 0;
    let mut stack: Vec<&icalendar::parser::Component> = calendar.components.iter().collect();
    while let Some(component) = stack.pop() {
        stack.extend(component.components.iter());
        if component.name.as_str() != "VEVENT" {
            continue;
        }
        events += 1;
        let value = |name: &str| {
            component
                .properties
                .iter()
                .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
                .map(|p| p.val.as_str().trim().to_string())
        };
        let summary = value("SUMMARY").unwrap_or_else(|| "an event".into());
        let start = match value("DTSTART") {
            Some(text) => date(&text).ok_or_else(|| {
                format!("event \"{summary}\": DTSTART \"{text}\" is not a date (YYYYMMDD)")
            })?,
            None => return Err(format!("event \"{summary}\" has no DTSTART")),
        };
        let all_day = value("DTSTART").is_some_and(|text| text.len() == 8);
        let end = match value("DTEND") {
            Some(text) => {
                let end = date(&text).ok_or_else(|| {
                    format!("event \"{summary}\": DTEND \"{text}\" is not a date (YYYYMMDD)")
                })?;
                // An all-day event's end is the day after its last; a timed one's is its last.
                if all_day && end > start {
                    end - Duration::days(1)
                } else {
                    end.max(start)
                }
            }
            None => start,
        };
        if (end - start).num_days() >= MAX_EVENT_DAYS {
            return Err(format!(
                "event \"{summary}\" lasts {} days ({start} to {end}): a holiday calendar's events last at most {MAX_EVENT_DAYS}; give time off per person in the time_off table instead",
                (end - start).num_days() + 1
            ));
        }
        let years = match value("RRULE") {
            None => vec![0],
            Some(rule) => yearly_offsets(&rule, start)
                .map_err(|why| format!("event \"{summary}\": RRULE \"{rule}\": {why}"))?,
        };
        for offset in years {
            let mut day = start;
            while day <= end {
                if let Some(shifted) = day.with_year(day.year() + offset) {
                    days.insert(shifted);
                }
                day += Duration::days(1);
            }
        }
    }
    if events == 0 {
        return Err("it has no events (VEVENT): export the holiday calendar's events".into());
    }
    Ok(days)
}

/// `YYYYMMDD` at the start of a DATE or DATE-TIME value.
fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..8)?, "%Y%m%d").ok()
}

/// The years after its first in which a yearly rule repeats an event starting on `start`.
fn yearly_offsets(rule: &str, start: NaiveDate) -> Result<Vec<i32>, String> {
    let mut frequency = None;
    let mut count: Option<i32> = None;
    let mut until: Option<NaiveDate> = None;
    let mut interval = 1;
    for part in rule.split(';') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key.to_ascii_uppercase().as_str() {
            "FREQ" => frequency = Some(value.to_ascii_uppercase()),
            "COUNT" => count = value.parse().ok().filter(|n| *n > 0),
            "UNTIL" => until = date(value),
            "INTERVAL" => interval = value.parse().ok().filter(|n| *n > 0).unwrap_or(1),
            // A yearly holiday on a fixed date names its month and day again; anything that
            // moves it (BYDAY: "the last Monday of May") cannot be read as a fixed date.
            "BYMONTH" if value.parse() == Ok(start.month()) => {}
            "BYMONTHDAY" if value.parse() == Ok(start.day()) => {}
            "WKST" => {}
            _ => {
                return Err(format!(
                    "only a yearly event on a fixed date is read ({part} is not); list each year's date as its own event"
                ));
            }
        }
    }
    if frequency.as_deref() != Some("YEARLY") {
        return Err(
            "only a yearly recurring event is read; list each date of other recurring days as its own event"
                .into(),
        );
    }
    let mut offsets = Vec::new();
    let mut offset = 0;
    while start.year() + offset <= LAST_YEAR {
        if count.is_some_and(|count| offsets.len() as i32 >= count)
            || until.is_some_and(|until| {
                start
                    .with_year(start.year() + offset)
                    .is_none_or(|day| day > until)
            })
        {
            break;
        }
        offsets.push(offset);
        offset += interval;
    }
    Ok(offsets)
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    const CALENDAR: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//HR//Holidays//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20260501\r\nSUMMARY:Labour\r\n  Day\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:3\r\nDTSTART;TZID=Europe/Berlin:20261003T000000\r\nDTEND;TZID=Europe/Berlin:20261003T235900\r\nSUMMARY:Unity\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn all_day_ends_are_exclusive_and_yearly_rules_repeat() {
        let days: Vec<NaiveDate> = read_ics(CALENDAR).unwrap().into_iter().collect();
        assert_eq!(
            days,
            [
                "2026-05-01",
                "2026-10-03",
                "2026-12-24",
                "2026-12-25",
                "2026-12-26",
                "2027-05-01"
            ]
            .map(day)
        );
    }

    #[test]
    fn what_cannot_be_read_is_refused_by_name() {
        let weekly = CALENDAR.replace("FREQ=YEARLY;COUNT=2", "FREQ=WEEKLY");
        let error = read_ics(&weekly).unwrap_err();
        assert!(
            error.contains("Labour Day") && error.contains("yearly"),
            "{error}"
        );
        let floating = CALENDAR.replace("FREQ=YEARLY;COUNT=2", "FREQ=YEARLY;BYDAY=-1MO");
        assert!(read_ics(&floating).unwrap_err().contains("BYDAY=-1MO"));
        assert!(
            read_ics("hello")
                .unwrap_err()
                .starts_with("not an iCalendar")
        );
        let empty = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
        assert!(read_ics(empty).unwrap_err().contains("no events"));
        let long = CALENDAR.replace("DTEND;VALUE=DATE:20261227", "DTEND;VALUE=DATE:20270301");
        assert!(read_ics(&long).unwrap_err().contains("lasts 67 days"));
    }
}
