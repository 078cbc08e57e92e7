//! Calendar months: the unit a report covers and detectors judge.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u32,
}

/// A `--month` value that is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a month: write it as YYYY-MM, for example 2026-10")]
pub struct BadMonth(pub String);

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1970..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// This month and the `count - 1` before it, oldest first.
    pub fn trailing(self, count: usize) -> Vec<Month> {
        let mut months = vec![self];
        for _ in 1..count {
            let earliest = months[0];
            months.insert(0, earliest.previous());
        }
        months
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = BadMonth;
    fn from_str(text: &str) -> Result<Month, BadMonth> {
        let bad = || BadMonth(text.to_string());
        let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || month.len() != 2 || !digits(year) || !digits(month) {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        let month = month.parse().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(bad)
    }
}

impl TryFrom<String> for Month {
    type Error = BadMonth;
    fn try_from(text: String) -> Result<Month, BadMonth> {
        text.parse()
    }
}

impl From<Month> for String {
    fn from(month: Month) -> String {
        month.to_string()
    }
}

/// Whole months a report covers, first to last inclusive: one month, a quarter, or any range.
/// Metrics are monthly, so a range is always a run of whole months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSpan {
    pub first: Month,
    pub last: Month,
}

/// A `--from/--to` range that ends before it starts, or a `--quarter` that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSpan {
    #[error("--from {from} is after --to {to}: give the earlier month first")]
    Reversed { from: Month, to: Month },
    #[error("`{0}` is not a quarter: write it as YYYY-QN, for example 2026-Q3")]
    Quarter(String),
}

impl MonthSpan {
    pub fn month(month: Month) -> MonthSpan {
        MonthSpan {
            first: month,
            last: month,
        }
    }

    pub fn new(first: Month, last: Month) -> Result<MonthSpan, BadSpan> {
        if first > last {
            return Err(BadSpan::Reversed {
                from: first,
                to: last,
            });
        }
        Ok(MonthSpan { first, last })
    }

    /// `2026-Q3` (or `2026Q3`): July to September 2026.
    pub fn quarter(text: &str) -> Result<MonthSpan, BadSpan> {
        let bad = || BadSpan::Quarter(text.to_string());
        let upper = text.trim().to_ascii_uppercase();
        let (year, quarter) = upper.split_once('Q').ok_or_else(bad)?;
        let year = year.trim_end_matches('-');
        if year.len() != 4 || quarter.len() != 1 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let quarter: u32 = quarter.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) {
            return Err(bad());
        }
        let first = Month::new(year, quarter * 3 - 2).ok_or_else(bad)?;
        let last = Month::new(year, quarter * 3).ok_or_else(bad)?;
        Ok(MonthSpan { first, last })
    }

    /// Every month of the span, oldest first.
    pub fn months(self) -> Vec<Month> {
        let mut months = vec![self.first];
        while let Some(&latest) = months.last() {
            if latest >= self.last {
                break;
            }
            months.push(latest.next());
        }
        months
    }

    /// How the report names the span: `2026-10`, or `2026-07 to 2026-09`.
    pub fn label(self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{} to {}", self.first, self.last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_print_and_step() {
        let m: Month = "2026-01".parse().unwrap();
        assert_eq!(m.to_string(), "2026-01");
        assert_eq!(m.previous().to_string(), "2025-12");
        assert_eq!(m.previous().next(), m);
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2026, 1, 31).unwrap());
        let trailing: Vec<String> = m.trailing(3).iter().map(|m| m.to_string()).collect();
        assert_eq!(trailing, ["2025-11", "2025-12", "2026-01"]);
    }

    #[test]
    fn spans_cover_whole_months() {
        let q = MonthSpan::quarter("2026-Q3").unwrap();
        let months: Vec<String> = q.months().iter().map(|m| m.to_string()).collect();
        assert_eq!(months, ["2026-07", "2026-08", "2026-09"]);
        assert_eq!(q.label(), "2026-07 to 2026-09");
        assert_eq!(
            MonthSpan::quarter("2025q4").unwrap().last.to_string(),
            "2025-12"
        );
        for bad in ["2026-Q5", "2026", "Q3", "2026-Q0", "26-Q1"] {
            assert!(MonthSpan::quarter(bad).is_err(), "{bad}");
        }
        let m: Month = "2026-10".parse().unwrap();
        assert!(MonthSpan::new(m, m.previous()).is_err());
        assert_eq!(MonthSpan::month(m).label(), "2026-10");
    }

    #[test]
    fn bad_months_are_refused_with_the_format() {
        for text in [
            "2026-13", "2026-1", "26-10", "october", "", "2026-00", "2026/10", "2026-+1",
            "+999-01", "1969-12",
        ] {
            let error = text.parse::<Month>().unwrap_err();
            assert!(error.to_string().contains("YYYY-MM"), "{text}");
        }
    }
}
