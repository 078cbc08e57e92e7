//! `attrition_risk`: a person's own work falling far below their baseline, or stopping.
//!
//! Two signals, each against the person's own history (never against colleagues):
//! - *fading*: own work (PRs opened, commits) per active day in the month at most `fade_ratio`
//!   of the same rate over the `baseline_months` before. Per active day, so that a two-week
//!   holiday is not a fade; own work, because reviews asked of a person keep coming after they
//!   have lost interest;
//! - *stopping*: no activity at all for `silent_days` up to the end of the month, and none since
//!   (someone back from a long holiday is not gone). A stop is reported once, in the month its
//!   silence reaches `silent_days`.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity, f64_values,
    i64_values, str_values,
};

pub struct AttritionRisk;

const MICROS_PER_DAY: i64 = 86_400_000_000;

#[derive(Default, Clone, Copy)]
struct Month {
    own_work: f64,
    active_days: f64,
}

impl Detector for AttritionRisk {
    fn kind(&self) -> FindingKind {
        FindingKind::AttritionRisk
    }

    fn explain(&self) -> &'static str {
        "A person's own work falling far below their own baseline, or stopping. Fading: own work \
         (PRs opened, commits) per active day in the month at most fade_ratio of the rate over \
         the baseline_months before (per active day, so a holiday is not a fade). Stopping: no \
         activity for silent_days up to the end of the month and none since (reported once). \
         People whose baseline has fewer than min_baseline_work actions a month are not judged."
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.attrition_risk;
        let mut outcome = Outcome::default();
        let monthly = input.metrics.get("person_monthly");
        if monthly.height() == 0 {
            return Ok(outcome);
        }
        let persons = str_values(monthly, "person")?;
        let months = str_values(monthly, "month")?;
        let own = f64_values(monthly, "own_work")?;
        let active = f64_values(monthly, "active_days")?;
        let last_at = i64_values(monthly, "last_at")?;
        let mut figures: BTreeMap<(String, String), Month> = BTreeMap::new();
        let mut last_seen: BTreeMap<String, i64> = BTreeMap::new();
        for i in 0..monthly.height() {
            let (Some(person), Some(month)) = (&persons[i], &months[i]) else {
                continue;
            };
            figures.insert(
                (person.clone(), month.clone()),
                Month {
                    own_work: own[i].unwrap_or(0.0),
                    active_days: active[i].unwrap_or(0.0),
                },
            );
            if let Some(at) = last_at[i] {
                let seen = last_seen.entry(person.clone()).or_insert(at);
                *seen = (*seen).max(at);
            }
        }
        let (start, end) = input.span();
        let baseline_months: Vec<String> = input
            .month
            .trailing(t.baseline_months + 1)
            .iter()
            .take(t.baseline_months)
            .map(ToString::to_string)
            .collect();
        let this = input.month.to_string();
        for (person, last) in &last_seen {
            if input.roster.is_bot(person) {
                continue;
            }
            let base: Vec<Month> = baseline_months
                .iter()
                .filter_map(|m| figures.get(&(person.clone(), m.clone())).copied())
                .collect();
            let base_work: f64 = base.iter().map(|m| m.own_work).sum();
            let base_days: f64 = base.iter().map(|m| m.active_days).sum();
            if base_work / (t.baseline_months as f64) < t.min_baseline_work || base_days <= 0.0 {
                continue;
            }
            let base_rate = base_work / base_days;
            let now = figures
                .get(&(person.clone(), this.clone()))
                .copied()
                .unwrap_or_default();
            let silence = t.silent_days * MICROS_PER_DAY;
            let stopped = *last >= start - silence && *last < end - silence;
            let rate = (now.active_days > 0.0).then(|| now.own_work / now.active_days);
            let fading = rate.is_some_and(|r| r <= t.fade_ratio * base_rate) && now.active_days >= 3.0;
            if !stopped && !fading {
                continue;
            }
            let last_day = chrono::DateTime::from_timestamp_micros(*last)
                .map(|d| d.date_naive().to_string());
            let mut evidence = Evidence::default();
            evidence
                .rounded("own_work_per_active_day", rate, 2)
                .rounded("baseline_own_work_per_active_day", Some(base_rate), 2)
                .figure("own_work_this_month", now.own_work as i64)
                .rounded(
                    "baseline_own_work_per_month",
                    Some(base_work / t.baseline_months as f64),
                    1,
                )
                .figure("active_days_this_month", now.active_days as i64)
                .figure("last_activity", last_day.clone())
                .figure("stopped", stopped);
            let month = input.month;
            let headline = if stopped {
                format!(
                    "{person} has not been active since {} ({} days or more before the end of \
                     {month}), after a baseline of {:.0} PRs and commits a month.",
                    last_day.unwrap_or_default(),
                    t.silent_days,
                    base_work / t.baseline_months as f64
                )
            } else {
                format!(
                    "In {month}, {person}'s own work per active day fell to {:.0} % of their own \
                     baseline ({:.2} against {:.2}).",
                    rate.unwrap_or(0.0) / base_rate * 100.0,
                    rate.unwrap_or(0.0),
                    base_rate
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
