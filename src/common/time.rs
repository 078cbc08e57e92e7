//! Time helpers every layer uses: a month's span in microseconds (the stored timestamps' unit),
//! a filter on it, day numbers, and durations as people read them.

use std::time::Duration;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::period::Month;

/// The first microsecond of `first` and the first microsecond after `last` (UTC).
pub fn micros_span(first: Month, last: Month) -> (i64, i64) {
    let start = |month: Month| {
        month
            .first_day()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_micros()
    };
    (start(first), start(last.next()))
}

/// `column` (a timestamp) falls in `[start, end)` microseconds.
pub fn within(column: &str, (start, end): (i64, i64)) -> Expr {
    col(column)
        .cast(DataType::Int64)
        .gt_eq(lit(start))
        .and(col(column).cast(DataType::Int64).lt(lit(end)))
}

/// Day number (from 1970-01-01) of a date.
pub fn day_number(date: NaiveDate) -> i64 {
    date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default())
        .num_days()
}

/// `1 h 5 min`, `3 min 20 s`, `45 s`, `250 ms`.
pub fn human_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 3600 {
        format!("{} h {} min", seconds / 3600, (seconds % 3600) / 60)
    } else if seconds >= 60 {
        format!("{} min {} s", seconds / 60, seconds % 60)
    } else if seconds >= 1 {
        format!("{seconds} s")
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(Duration::from_secs(3900)), "1 h 5 min");
        assert_eq!(human_duration(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
    }
}
