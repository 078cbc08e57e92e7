//! `attrition_risk`: a person's own work falling far below their baseline, or stopping.
//!
//! Two signals, each against the person's own history (never against colleagues):
//! - *fading*: two months in a row, the person's share of their team's actions at most
//!   `fade_ratio` of that share over the `baseline_months` before. A share, so that a quiet
//!   month for everyone (summer) is not a fade; two months, because one quiet month is noise (a
//!   two-week holiday halves a month) and a second in a row is a trend;
//! - *stopping*: no activity at all for `silent_days` up to the end of the month, and none since
//!   (someone back from a long holiday is not gone), reported in the month the silence reaches
//!   `silent_days` and the month after.
//!
//! Both months of a fade are measured against the same baseline, the `baseline_months` before
//! them, so the first quiet month does not lower the bar for the second.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity, f64_values,
    i64_values, str_values,
};
use crate::period::Month;

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
        // The month and the one before are both judged against the baseline months before them.
        let previous = input.month.previous();
        let baseline: Vec<String> = previous
            .trailing(t.baseline_months + 1)
            .iter()
            .take(t.baseline_months)
            .map(ToString::to_string)
            .collect();
        let rates = MonthAgainstBaseline::new(monthly, input.month, &baseline)?;
        let before = MonthAgainstBaseline::new(monthly, previous, &baseline)?;
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
            let silence = t.silent_days * MICROS_PER_DAY;
            // Silent for `silent_days` by the end of the month, and fallen silent since the start
            // of the month before: someone long gone is no longer news.
            let since = super::micros_span(previous, previous).0;
            let stopped = *last >= since - silence && *last < end - silence;
            // Two months in a row: one quiet month is noise, a second is a trend.
            let fading = ratio.is_some_and(|r| r <= t.fade_ratio)
                && ratio_before.is_some_and(|r| r <= t.fade_ratio);
            if !stopped && !fading {
                continue;
            }
            let last_day =
                chrono::DateTime::from_timestamp_micros(*last).map(|d| d.date_naive().to_string());
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
                    "For a second month in {month}, {person}'s part in their team's activity stayed \
                     far below their own baseline: {:.0} % of it ({:.0} actions this month, \
                     {:.0} a month before).",
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
                basis: Basis::default(),
            });
        }
        Ok(outcome)
    }
}

const EXPLAIN: &str = "A person's activity falling far below their own baseline, or stopping. \
    Fading: two months in a row, the person's share of their team's actions at most fade_ratio of \
    that share over the baseline_months before (a share, so a quiet summer for everyone is not a \
    fade; two months, since one quiet month, such as a holiday, is noise). Stopping: no activity for silent_days up to the end of the month and \
    none since (reported once). People whose baseline has fewer than min_baseline_actions \
    actions a month are not judged.";

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
        baseline: &[String],
    ) -> PolarsResult<MonthAgainstBaseline> {
        let this = month.to_string();
        let teams = str_values(monthly, "team")?;
        let persons = str_values(monthly, "person")?;
        let months = str_values(monthly, "month")?;
        let actions = f64_values(monthly, "actions")?;
        let days = f64_values(monthly, "active_days")?;
        let mut rates = MonthAgainstBaseline {
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
            } else if baseline.contains(month) {
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
}
