//! `attrition_risk`: a person's own work falling far below their baseline, or stopping.
//!
//! Two signals, each against the person's own history (never against colleagues):
//! - *fading*: two months in a row, the person's actions at most `fade_ratio` of their monthly
//!   average over the `baseline_months` before each. One quiet month is noise (a two-week
//!   holiday halves a month); a second in a row is a trend;
//! - *stopping*: no activity at all for `silent_days` up to the end of the month, and none since
//!   (someone back from a long holiday is not gone). A stop is reported once, in the month its
//!   silence reaches `silent_days`.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::period::Month;
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity, f64_values,
    i64_values, str_values,
};

pub struct AttritionRisk;

const MICROS_PER_DAY: i64 = 86_400_000_000;

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
        // The month and the one before are each judged against the baseline months before them.
        let previous = input.month.previous();
        let baseline_of = |month: Month| -> Vec<String> {
            month
                .trailing(t.baseline_months + 1)
                .iter()
                .take(t.baseline_months)
                .map(ToString::to_string)
                .collect()
        };
        let rates = MonthAgainstBaseline::new(monthly, input.month, &baseline_of(input.month))?;
        let before = MonthAgainstBaseline::new(monthly, previous, &baseline_of(previous))?;
        let (start, end) = input.span();
        for (person, last) in &last_seen {
            if input.roster.is_bot(person) {
                continue;
            }
            let Some(base) = rates.baseline.get(person).copied() else {
                continue;
            };
            if base.actions / (t.baseline_months as f64) < t.min_baseline_actions {
                continue;
            }
            let now = rates.month.get(person).copied().unwrap_or_default();
            let ratio = rates.ratio(person);
            let ratio_before = before.ratio(person);
            let silence = t.silent_days * MICROS_PER_DAY;
            let stopped = *last >= start - silence && *last < end - silence;
            // Two months in a row: one quiet month is noise, a second is a trend.
            let fading = ratio.is_some_and(|r| r <= t.fade_ratio)
                && ratio_before.is_some_and(|r| r <= t.fade_ratio);
            if !stopped && !fading {
                continue;
            }
            let last_day = chrono::DateTime::from_timestamp_micros(*last)
                .map(|d| d.date_naive().to_string());
            let mut evidence = Evidence::default();
            evidence
                .rounded("actions_per_active_day", now.per_day(), 2)
                .rounded("baseline_actions_per_active_day", base.per_day(), 2)
                .rounded("ratio_to_own_baseline", ratio, 2)
                .rounded("ratio_to_own_baseline_month_before", ratio_before, 2)
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
                    "For a second month in {month}, {person}'s activity stayed far below their \
                     own baseline: {:.0} actions, {:.0} % of their monthly average of {:.0}.",
                    now.actions,
                    ratio.unwrap_or(0.0) * 100.0,
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
                basis: Basis::default(),
            });
        }
        Ok(outcome)
    }
}

const EXPLAIN: &str = "A person's activity falling far below their own baseline, or stopping. \
    Fading: two months in a row, the person's actions at most fade_ratio of their monthly average \
    over the baseline_months before each (one quiet month is noise, such as a holiday; a second \
    in a row is a trend). Stopping: no activity for silent_days up to the end of the month and \
    none since (reported once). People whose baseline has fewer than min_baseline_actions \
    actions a month are not judged.";

/// Actions and active days of one person over some months.
#[derive(Debug, Clone, Copy, Default)]
struct Activity {
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
    baseline_months: usize,
    month: BTreeMap<String, Activity>,
    baseline: BTreeMap<String, Activity>,
}

impl MonthAgainstBaseline {
    fn new(monthly: &DataFrame, month: Month, baseline: &[String]) -> PolarsResult<MonthAgainstBaseline> {
        let this = month.to_string();
        let persons = str_values(monthly, "person")?;
        let months = str_values(monthly, "month")?;
        let actions = f64_values(monthly, "actions")?;
        let days = f64_values(monthly, "active_days")?;
        let mut rates = MonthAgainstBaseline {
            baseline_months: baseline.len().max(1),
            month: BTreeMap::new(),
            baseline: BTreeMap::new(),
        };
        for i in 0..monthly.height() {
            let (Some(person), Some(month)) = (&persons[i], &months[i]) else {
                continue;
            };
            let target = if *month == this {
                &mut rates.month
            } else if baseline.contains(month) {
                &mut rates.baseline
            } else {
                continue;
            };
            let entry = target.entry(person.clone()).or_default();
            entry.actions += actions[i].unwrap_or(0.0);
            entry.active_days += days[i].unwrap_or(0.0);
        }
        Ok(rates)
    }

    /// The person's actions in the month against their monthly average over the baseline.
    fn ratio(&self, person: &str) -> Option<f64> {
        let now = self.month.get(person).copied().unwrap_or_default();
        let baseline = self.baseline.get(person)?.actions / self.baseline_months as f64;
        (baseline > 0.0).then(|| now.actions / baseline)
    }
}
