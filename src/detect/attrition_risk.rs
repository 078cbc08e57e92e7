//! `attrition_risk`: a person's own work falling far below their baseline, or stopping.
//!
//! Two signals, each against the person's own history:
//! - *fading*: two months in a row, both of
//!   - the person's share of their team's actions is at most `fade_ratio` of that share over the
//!     `baseline_months` before (a share, so that a quiet month for everyone is not a fade), and
//!   - their actions per working day they were not known to be away (weekdays, less the days in
//!     the optional `time_off` table: an HR or holiday calendar), against the same rate over the
//!     baseline and divided by the median of the same ratio among their teammates (the team's
//!     own dip in the same months), is at most `working_day_ratio`. A month spent almost entirely on
//!     known leave (fewer than three working days left) is not a fade: a vacation is an absence
//!     followed by a return, not a decline.
//!
//!   Two months, because one quiet month is noise and a second in a row is a trend;
//! - *stopping*: no activity at all for `silent_days` up to the end of the month, and none since
//!   (someone back from a long holiday is not gone), reported in the month the silence reaches
//!   `silent_days` and the month after.
//!
//! Both months of a fade are measured against the same baseline, the `baseline_months` before
//! them, so the first quiet month does not lower the bar for the second.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use polars::prelude::*;

use super::stats::median;
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity, f64_values,
    i64_values, str_values,
};
use crate::period::Month;

pub struct AttritionRisk;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Fewer working days than this left in a month after known time off: the month says nothing
/// about a fade.
const MIN_WORKING_DAYS: usize = 3;

impl Detector for AttritionRisk {
    fn kind(&self) -> FindingKind {
        FindingKind::AttritionRisk
    }

    fn explain(&self) -> &'static str {
        EXPLAIN
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.attrition_risk;
        let mut outcome = Outcome::default();
        let monthly = input.metrics.get("person_monthly");
        if monthly.height() == 0 {
            return Ok(outcome);
        }
        let persons = str_values(monthly, "person")?;
        let last_at = i64_values(monthly, "last_at")?;
        let mut last_seen: BTreeMap<String, i64> = BTreeMap::new();
        for (person, at) in persons.iter().zip(&last_at) {
            if let (Some(person), Some(at)) = (person, at) {
                let seen = last_seen.entry(person.clone()).or_insert(*at);
                *seen = (*seen).max(*at);
            }
        }
        // The month and the one before are both judged against the baseline months before them.
        let previous = input.month.previous();
        let baseline: Vec<Month> = previous
            .trailing(t.baseline_months + 1)
            .into_iter()
            .take(t.baseline_months)
            .collect();
        let first = baseline.first().copied().unwrap_or(previous);
        let off = TimeOff::read(input, first, input.month)?;
        let rates = MonthAgainstBaseline::new(monthly, input.month, &baseline)?;
        let before = MonthAgainstBaseline::new(monthly, previous, &baseline)?;
        // Teammates whose baseline is at least half the minimum count in the team's dip.
        let mate_actions = t.min_baseline_actions / 2.0 * t.baseline_months as f64;
        let (_, end) = input.span();
        for (person, last) in &last_seen {
            if input.roster.is_bot(person) {
                continue;
            }
            let Some(base) = rates.baseline.get(person).cloned() else {
                continue;
            };
            if base.actions / (t.baseline_months as f64) < t.min_baseline_actions {
                continue;
            }
            let now = rates.month.get(person).cloned().unwrap_or_default();
            let ratio = rates.ratio(person);
            let ratio_before = before.ratio(person);
            let per_day = rates.against_team(person, &off, mate_actions);
            let per_day_before = before.against_team(person, &off, mate_actions);
            let silence = t.silent_days * MICROS_PER_DAY;
            // Silent for `silent_days` by the end of the month, and fallen silent since the start
            // of the month before: someone long gone is no longer news.
            let since = super::micros_span(previous, previous).0;
            let stopped = *last >= since - silence && *last < end - silence;
            // Two months in a row, each low both as a share of the team and per working day
            // against the team's own change: one quiet month is noise, a second is a trend.
            let low = |share: Option<f64>, day: Option<f64>| {
                share.is_some_and(|r| r <= t.fade_ratio)
                    && day.is_some_and(|r| r <= t.working_day_ratio)
            };
            let fading = low(ratio, per_day) && low(ratio_before, per_day_before);
            if !stopped && !fading {
                continue;
            }
            let last_day =
                chrono::DateTime::from_timestamp_micros(*last).map(|d| d.date_naive().to_string());
            let actions_before = before.month.get(person).map_or(0.0, |a| a.actions);
            let mut evidence = Evidence::default();
            evidence
                .rounded("actions_per_active_day", now.per_day(), 2)
                .rounded("baseline_actions_per_active_day", base.per_day(), 2)
                .rounded("ratio_to_own_baseline", ratio, 2)
                .rounded("ratio_to_own_baseline_month_before", ratio_before, 2)
                .rounded("per_working_day_against_team", per_day, 2)
                .rounded(
                    "per_working_day_against_team_month_before",
                    per_day_before,
                    2,
                )
                .figure(
                    "working_days_this_month",
                    off.working_days(person, input.month) as i64,
                )
                .figure(
                    "known_days_off_this_month",
                    off.days_off(person, input.month) as i64,
                )
                .figure("active_days_this_month", now.active_days as i64)
                .rounded(
                    "baseline_actions_per_month",
                    Some(base.actions / t.baseline_months as f64),
                    1,
                )
                .figure("last_activity", last_day.clone())
                .figure("stopped", stopped);
            let month = input.month;
            let headline = if stopped {
                format!(
                    "{person} has not been active since {} ({} days or more before the end of \
                     {month}), after a baseline of {:.0} actions a month.",
                    last_day.unwrap_or_default(),
                    t.silent_days,
                    base.actions / t.baseline_months as f64
                )
            } else {
                format!(
                    "For a second month in {month}, {person}'s part in their team's activity stayed \
                     far below their own baseline: {:.0} % of it ({:.0} actions this month, \
                     {:.0} a month before), not explained by known time off.",
                    ratio.unwrap_or(0.0) * 100.0,
                    now.actions,
                    base.actions / t.baseline_months as f64
                )
            };
            outcome.findings.push(Finding {
                kind: FindingKind::AttritionRisk,
                subject: person.clone(),
                period: month.into(),
                severity: if stopped {
                    Severity::Alert
                } else {
                    Severity::Warn
                },
                headline,
                evidence,
                question: format!(
                    "Has anyone checked in with {person} about how their work is going and what \
                     they would like to work on next?"
                ),
                basis: Basis {
                    actions: (now.actions + actions_before + base.actions) as usize,
                    ..Basis::default()
                },
            });
        }
        Ok(outcome)
    }
}

const EXPLAIN: &str = "A person's activity falling far below their own baseline, or stopping. \
    Fading: two months in a row, the person's share of their team's actions is at most \
    fade_ratio of their baseline share (the baseline_months before), and their actions per \
    working day (weekdays less known time off from the optional time_off table) against their \
    baseline's, divided by the median of the same among their teammates, at most \
    working_day_ratio (a share and the team's change, so a quiet summer for everyone is not a \
    fade; known time off, so a vacation is not; two months, since one quiet month is noise). A \
    month with fewer than three working days left after known time off is not a fade. Stopping: \
    no activity for silent_days up to the end of the month and none since (reported once). \
    People whose baseline has fewer than min_baseline_actions actions a month are not judged.";

/// Known time off (the `time_off` table), as each person's weekdays away.
#[derive(Debug, Default)]
struct TimeOff {
    days: BTreeMap<String, BTreeSet<NaiveDate>>,
}

impl TimeOff {
    /// The weekdays away from `first` to `last` (whole months); none when the table is absent.
    fn read(input: &DetectorInput, first: Month, last: Month) -> PolarsResult<TimeOff> {
        let mut off = TimeOff::default();
        let Some(table) = input.tables.get("time_off") else {
            return Ok(off);
        };
        let (start, end) = super::micros_span(first, last);
        let rows = table
            .clone()
            .filter(
                col("first_day")
                    .cast(DataType::Int64)
                    .lt(lit(end))
                    .and(col("last_day").cast(DataType::Int64).gt_eq(lit(start))),
            )
            .select([
                col("person"),
                col("first_day").cast(DataType::Int64),
                col("last_day").cast(DataType::Int64),
            ])
            .collect()?;
        let persons = str_values(&rows, "person")?;
        let firsts = i64_values(&rows, "first_day")?;
        let lasts = i64_values(&rows, "last_day")?;
        let date =
            |micros: i64| chrono::DateTime::from_timestamp_micros(micros).map(|d| d.date_naive());
        for ((person, from), to) in persons.iter().zip(firsts).zip(lasts) {
            let (Some(person), Some(from), Some(to)) =
                (person, from.and_then(date), to.and_then(date))
            else {
                continue;
            };
            let days = off.days.entry(person.clone()).or_default();
            let mut day = from.max(first.first_day());
            while day <= to.min(last.last_day()) {
                if !is_weekend(day) {
                    days.insert(day);
                }
                day = day.succ_opt().unwrap_or(NaiveDate::MAX);
            }
        }
        Ok(off)
    }

    /// Weekdays of the month the person was known to be away.
    fn days_off(&self, person: &str, month: Month) -> usize {
        self.days.get(person).map_or(0, |days| {
            days.range(month.first_day()..=month.last_day()).count()
        })
    }

    /// Weekdays of the month the person was not known to be away.
    fn working_days(&self, person: &str, month: Month) -> usize {
        let weekdays = month
            .first_day()
            .iter_days()
            .take_while(|d| *d <= month.last_day())
            .filter(|d| !is_weekend(*d))
            .count();
        weekdays.saturating_sub(self.days_off(person, month))
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Actions and active days of one person over some months.
#[derive(Debug, Clone, Default)]
struct Activity {
    team: String,
    actions: f64,
    active_days: f64,
}

impl Activity {
    fn per_day(&self) -> Option<f64> {
        (self.active_days > 0.0).then(|| self.actions / self.active_days)
    }
}

/// Each person's activity in a month and over the baseline months before it.
struct MonthAgainstBaseline {
    month_of: Month,
    baseline_of: Vec<Month>,
    month: BTreeMap<String, Activity>,
    baseline: BTreeMap<String, Activity>,
    /// Actions of each team's people, in the month and over the baseline.
    team_month: BTreeMap<String, f64>,
    team_baseline: BTreeMap<String, f64>,
}

impl MonthAgainstBaseline {
    fn new(
        monthly: &DataFrame,
        month: Month,
        baseline: &[Month],
    ) -> PolarsResult<MonthAgainstBaseline> {
        let this = month.to_string();
        let baseline_names: Vec<String> = baseline.iter().map(ToString::to_string).collect();
        let teams = str_values(monthly, "team")?;
        let persons = str_values(monthly, "person")?;
        let months = str_values(monthly, "month")?;
        let actions = f64_values(monthly, "actions")?;
        let days = f64_values(monthly, "active_days")?;
        let mut rates = MonthAgainstBaseline {
            month_of: month,
            baseline_of: baseline.to_vec(),
            month: BTreeMap::new(),
            baseline: BTreeMap::new(),
            team_month: BTreeMap::new(),
            team_baseline: BTreeMap::new(),
        };
        for i in 0..monthly.height() {
            let (Some(person), Some(month)) = (&persons[i], &months[i]) else {
                continue;
            };
            let (target, team_total) = if *month == this {
                (&mut rates.month, &mut rates.team_month)
            } else if baseline_names.contains(month) {
                (&mut rates.baseline, &mut rates.team_baseline)
            } else {
                continue;
            };
            *team_total
                .entry(teams[i].clone().unwrap_or_default())
                .or_default() += actions[i].unwrap_or(0.0);
            let entry = target.entry(person.clone()).or_default();
            entry.team = teams[i].clone().unwrap_or_default();
            entry.actions += actions[i].unwrap_or(0.0);
            entry.active_days += days[i].unwrap_or(0.0);
        }
        Ok(rates)
    }

    /// The person's share of their team's actions in the month against the same share over the
    /// baseline.
    fn ratio(&self, person: &str) -> Option<f64> {
        let base = self.baseline.get(person)?;
        let base_share = base.actions / self.team_baseline.get(&base.team).copied()?;
        let now = self.month.get(person).map_or(0.0, |a| a.actions);
        let team_now = self.team_month.get(&base.team).copied().unwrap_or(0.0);
        (base_share > 0.0 && team_now > 0.0).then(|| now / team_now / base_share)
    }

    /// The person's actions per working day (known time off left out) in the month against the
    /// same over the baseline; none when the month leaves fewer than [`MIN_WORKING_DAYS`].
    fn per_working_day(&self, person: &str, off: &TimeOff) -> Option<f64> {
        let base = self.baseline.get(person)?;
        let base_days: usize = self
            .baseline_of
            .iter()
            .map(|m| off.working_days(person, *m))
            .sum();
        let days = off.working_days(person, self.month_of);
        if base_days == 0 || base.actions <= 0.0 || days < MIN_WORKING_DAYS {
            return None;
        }
        let now = self.month.get(person).map_or(0.0, |a| a.actions);
        Some(now / days as f64 / (base.actions / base_days as f64))
    }

    /// [`Self::per_working_day`] divided by the median of the same among the person's teammates
    /// whose baseline has at least `mate_actions` actions: the team's own dip in the same month
    /// (a release freeze, a summer when nobody's leave was recorded) is not the person's.
    fn against_team(&self, person: &str, off: &TimeOff, mate_actions: f64) -> Option<f64> {
        let own = self.per_working_day(person, off)?;
        let team = &self.baseline.get(person)?.team;
        let mates = self
            .baseline
            .iter()
            .filter(|(p, a)| p.as_str() != person && &a.team == team && a.actions >= mate_actions)
            .filter_map(|(p, _)| self.per_working_day(p, off));
        let factor = median(mates).filter(|f| *f > 0.0).unwrap_or(1.0);
        Some(own / factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly(rows: &[(&str, &str, &str, f64)]) -> DataFrame {
        df! {
            "team" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "person" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "month" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "actions" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "active_days" => rows.iter().map(|_| 10.0).collect::<Vec<_>>(),
        }
        .unwrap()
    }

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn known_time_off_is_not_counted_as_working_days() {
        let mut off = TimeOff::default();
        // Two weeks away in August 2026 (22 weekdays): ten weekdays off, weekends ignored.
        let mut day = NaiveDate::from_ymd_opt(2026, 8, 10).unwrap();
        while day <= NaiveDate::from_ymd_opt(2026, 8, 23).unwrap() {
            if !is_weekend(day) {
                off.days.entry("ada".into()).or_default().insert(day);
            }
            day = day.succ_opt().unwrap();
        }
        assert_eq!(off.days_off("ada", month("2026-08")), 10);
        assert_eq!(off.working_days("ada", month("2026-08")), 11);
        assert_eq!(off.working_days("bo", month("2026-08")), 21);
    }

    #[test]
    fn a_vacation_is_not_a_fade_but_the_same_drop_without_one_is() {
        let baseline = [month("2026-05"), month("2026-06"), month("2026-07")];
        let mut rows = Vec::new();
        for person in ["ada", "bo", "cy", "di"] {
            for m in ["2026-05", "2026-06", "2026-07"] {
                rows.push(("core", person, m, 100.0));
            }
        }
        // In August ada does half her usual work, as do the others; bo does a quarter.
        rows.push(("core", "ada", "2026-08", 50.0));
        rows.push(("core", "bo", "2026-08", 25.0));
        rows.push(("core", "cy", "2026-08", 50.0));
        rows.push(("core", "di", "2026-08", 50.0));
        let frame = monthly(&rows);
        let rates = MonthAgainstBaseline::new(&frame, month("2026-08"), &baseline).unwrap();
        let none = TimeOff::default();
        // Against the team's own dip, ada is where she was; bo is at half.
        let ada = rates.against_team("ada", &none, 0.0).unwrap();
        let bo = rates.against_team("bo", &none, 0.0).unwrap();
        assert!((ada - 1.0).abs() < 1e-9, "{ada}");
        assert!((bo - 0.5).abs() < 1e-9, "{bo}");
        // With bo's two weeks of leave known, his quarter came from eleven working days: his
        // rate per working day is that of his teammates, so no fade.
        let mut off = TimeOff::default();
        let mut day = NaiveDate::from_ymd_opt(2026, 8, 10).unwrap();
        while day <= NaiveDate::from_ymd_opt(2026, 8, 23).unwrap() {
            if !is_weekend(day) {
                off.days.entry("bo".into()).or_default().insert(day);
            }
            day = day.succ_opt().unwrap();
        }
        let bo = rates.against_team("bo", &off, 0.0).unwrap();
        assert!(bo > 0.9, "{bo}");
        // A month spent almost entirely away says nothing.
        for d in 1..=31 {
            let day = NaiveDate::from_ymd_opt(2026, 8, d).unwrap();
            if !is_weekend(day) {
                off.days.entry("cy".into()).or_default().insert(day);
            }
        }
        assert_eq!(rates.per_working_day("cy", &off), None);
    }
}
