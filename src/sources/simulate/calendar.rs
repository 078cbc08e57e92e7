//! Who is at work when: time zones, working hours, weekends, company holidays, vacations and
//! departures, and arithmetic in a person's working time.
//!
//! Every wait in the simulated world is drawn in *working hours of the person who acts*, then laid
//! onto the calendar here, so a PR opened on Friday evening waits over the weekend, and a PR whose
//! only reviewer is on vacation waits until they are back. That is what gives the data its weekly
//! rhythm and what makes "pickup time while the manager is away" a meaningful figure.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;

/// One simulated person's calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub tz: Tz,
    /// Local hour the working day starts.
    pub start_hour: u32,
    /// Local hour the working day ends (at most 24).
    pub end_hour: u32,
    /// Days off, as inclusive ranges.
    pub away: Vec<(NaiveDate, NaiveDate)>,
    /// The last day at the company, for someone leaving.
    pub last_day: Option<NaiveDate>,
}

/// Company holidays observed by everyone: New Year, Easter (Good Friday, Easter Monday), Labour
/// Day, Christmas to New Year's Eve.
pub fn is_company_holiday(date: NaiveDate) -> bool {
    let (month, day) = (date.month(), date.day());
    if matches!(
        (month, day),
        (1, 1) | (5, 1) | (12, 24) | (12, 25) | (12, 26) | (12, 31)
    ) {
        return true;
    }
    let easter = easter_sunday(date.year());
    date == easter - Duration::days(2) || date == easter + Duration::days(1)
}

/// Easter Sunday of a year (the anonymous Gregorian algorithm).
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A local wall-clock time in a zone, as UTC. Times in a DST gap move forward an hour.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let resolved = tz.from_local_datetime(&local).earliest().or_else(|| {
        tz.from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
    });
    match resolved {
        Some(at) => at.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&local),
    }
}

impl Calendar {
    /// Employed, not on a weekend, a holiday or away.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date)
            && !is_company_holiday(date)
            && self.last_day.is_none_or(|last| date <= last)
            && !self
                .away
                .iter()
                .any(|(from, to)| (*from..=*to).contains(&date))
    }

    /// Still at the company on that day.
    pub fn is_employed(&self, date: NaiveDate) -> bool {
        self.last_day.is_none_or(|last| date <= last)
    }

    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.tz).naive_local()
    }

    /// The person's UTC offset at a moment, in minutes (what git records with a commit).
    pub fn offset_minutes(&self, at: DateTime<Utc>) -> i64 {
        i64::from(at.with_timezone(&self.tz).offset().fix().local_minus_utc() / 60)
    }

    /// A moment on a local date, `hours` after midnight (fractions allowed).
    pub fn at(&self, date: NaiveDate, hours: f64) -> DateTime<Utc> {
        let seconds = (hours.clamp(0.0, 23.999) * 3600.0) as i64;
        local_to_utc(
            self.tz,
            date.and_time(NaiveTime::MIN) + Duration::seconds(seconds),
        )
    }

    /// The moment `hours` of this person's working time after `from`, or `None` when they leave
    /// the company first (or nothing is found within two years).
    pub fn after_working_hours(&self, from: DateTime<Utc>, hours: f64) -> Option<DateTime<Utc>> {
        let mut now = self.local(from);
        let mut remaining = (hours.max(0.0) * 3600.0).round() as i64;
        for _ in 0..730 {
            let date = now.date();
            if !self.is_employed(date) {
                return None;
            }
            if self.is_working_day(date) {
                let start =
                    date.and_time(NaiveTime::MIN) + Duration::hours(i64::from(self.start_hour));
                let end = date.and_time(NaiveTime::MIN) + Duration::hours(i64::from(self.end_hour));
                let begin = now.max(start);
                if begin < end {
                    let available = (end - begin).num_seconds();
                    if remaining <= available {
                        return Some(local_to_utc(self.tz, begin + Duration::seconds(remaining)));
                    }
                    remaining -= available;
                }
            }
            now = date.succ_opt()?.and_time(NaiveTime::MIN);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Calendar {
        Calendar {
            tz: chrono_tz::Europe::Berlin,
            start_hour: 9,
            end_hour: 17,
            away: vec![(
                NaiveDate::from_ymd_opt(2026, 10, 12).unwrap(),
                NaiveDate::from_ymd_opt(2026, 10, 16).unwrap(),
            )],
            last_day: NaiveDate::from_ymd_opt(2026, 12, 31),
        }
    }

    #[test]
    fn easter_falls_on_the_known_dates() {
        assert_eq!(
            easter_sunday(2026),
            NaiveDate::from_ymd_opt(2026, 4, 5).unwrap()
        );
        assert_eq!(
            easter_sunday(2025),
            NaiveDate::from_ymd_opt(2025, 4, 20).unwrap()
        );
        assert!(is_company_holiday(
            NaiveDate::from_ymd_opt(2026, 4, 3).unwrap()
        ));
    }

    #[test]
    fn friday_afternoon_waits_run_over_the_weekend() {
        let calendar = berlin();
        // Friday 2026-10-02 16:00 Berlin (14:00 UTC) plus two working hours: Monday 10:00 Berlin.
        let friday = Utc.with_ymd_and_hms(2026, 10, 2, 14, 0, 0).unwrap();
        let done = calendar.after_working_hours(friday, 2.0).unwrap();
        assert_eq!(done, Utc.with_ymd_and_hms(2026, 10, 5, 8, 0, 0).unwrap());
    }

    #[test]
    fn a_week_away_delays_everything_until_the_return() {
        let calendar = berlin();
        let friday = Utc.with_ymd_and_hms(2026, 10, 9, 14, 0, 0).unwrap();
        let done = calendar.after_working_hours(friday, 2.0).unwrap();
        assert_eq!(done, Utc.with_ymd_and_hms(2026, 10, 19, 8, 0, 0).unwrap());
    }

    #[test]
    fn nobody_works_after_leaving() {
        let mut calendar = berlin();
        calendar.last_day = NaiveDate::from_ymd_opt(2026, 10, 2);
        let friday = Utc.with_ymd_and_hms(2026, 10, 2, 14, 0, 0).unwrap();
        assert_eq!(calendar.after_working_hours(friday, 2.0), None);
    }

    #[test]
    fn offsets_follow_daylight_saving_time() {
        let calendar = berlin();
        assert_eq!(
            calendar.offset_minutes(Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap()),
            120
        );
        assert_eq!(
            calendar.offset_minutes(Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()),
            60
        );
    }
}
