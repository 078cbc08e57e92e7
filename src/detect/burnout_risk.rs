#![doc = include_str!("burnout_risk.md")]

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::{Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity};
use crate::common::frame::{f64_values, i64_values, str_values};
use crate::metrics::Metric;
use crate::period::Month;

pub struct BurnoutRisk;

/// Actions and after-hours actions per person and month.
type Monthly = BTreeMap<(String, String), (f64, f64, f64)>;

impl Detector for BurnoutRisk {
    fn kind(&self) -> FindingKind {
        FindingKind::BurnoutRisk
    }

    fn explain(&self) -> &'static str {
        include_str!("burnout_risk.md")
    }

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        // The baseline months, and the after-hours trend over the last three.
        config.thresholds.burnout_risk.baseline_months.max(2)
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.burnout_risk;
        let mut outcome = Outcome::default();
        let monthly = input.metrics.get(Metric::PersonMonthly);
        if monthly.height() == 0 {
            return Ok(outcome);
        }
        let mut figures: Monthly = BTreeMap::new();
        let persons = str_values(monthly, "person")?;
        let months = str_values(monthly, "month")?;
        let actions = f64_values(monthly, "actions")?;
        let after = f64_values(monthly, "after_hours_actions")?;
        let weekend = f64_values(monthly, "weekend_actions")?;
        for i in 0..monthly.height() {
            if let (Some(person), Some(month)) = (&persons[i], &months[i]) {
                figures.insert(
                    (person.clone(), month.clone()),
                    (
                        actions[i].unwrap_or(0.0),
                        after[i].unwrap_or(0.0),
                        weekend[i].unwrap_or(0.0),
                    ),
                );
            }
        }
        let month_activity = month_activity(input)?;
        let fortnights = busiest_fortnights(&month_activity, input.month)?;
        let evenings = after_hours_days(&month_activity)?;
        let active_days: BTreeMap<(String, String), f64> = persons
            .iter()
            .zip(&months)
            .zip(f64_values(monthly, "active_days")?)
            .filter_map(|((p, m), d)| Some(((p.clone()?, m.clone()?), d?)))
            .collect();
        let this = input.month.to_string();
        let baseline: Vec<String> = input
            .month
            .trailing(t.baseline_months + 1)
            .iter()
            .take(t.baseline_months)
            .map(Month::to_string)
            .collect();
        let people: BTreeSet<&String> = figures
            .keys()
            .filter(|(_, m)| *m == this)
            .map(|(p, _)| p)
            .collect();
        for person in people {
            // Someone the roster does not know has no known time zone or working hours: their
            // "after hours" would be UTC's, which says nothing about them.
            if input.roster.is_bot(person) || input.roster.role(person).is_none() {
                continue;
            }
            let (total, after_hours, weekend_actions) = figures[&(person.clone(), this.clone())];
            if total < t.min_actions as f64 {
                continue;
            }
            let share = after_hours / total;
            // The median of the baseline months' shares: a drift that began last month must not
            // raise the bar it is measured against.
            let base_share = super::stats::median(
                baseline
                    .iter()
                    .filter_map(|m| figures.get(&(person.clone(), m.clone())))
                    .filter(|f| f.0 >= t.min_actions as f64)
                    .map(|f| f.1 / f.0),
            );
            // The actions the judgement rests on: the month's and the baseline months'.
            let judged_actions = total
                + baseline
                    .iter()
                    .filter_map(|m| figures.get(&(person.clone(), m.clone())))
                    .map(|f| f.0)
                    .sum::<f64>();
            let (active, window_days, window_start) =
                fortnights.get(person).copied().unwrap_or((0, 14, 0));
            let fortnight_share = active as f64 / window_days.max(1) as f64;
            let rest_signal = window_days >= 14 && fortnight_share >= t.fortnight_active_share;
            if share < t.after_hours_share {
                continue;
            }
            // A high share with nothing to compare it with is someone's habit as much as a
            // drift (volunteers' evenings, a person who has always worked late): not judged.
            let Some(base) = base_share else {
                outcome.not_judged.push(super::NotJudged {
                    kind: FindingKind::BurnoutRisk,
                    subject: person.clone(),
                    reason: format!(
                        "{:.0} % of their actions fell outside working hours, but no earlier \
                         month of the {} before had {} actions to compare with: a rise cannot be \
                         told from a habit",
                        share * 100.0,
                        t.baseline_months,
                        t.min_actions
                    ),
                    month: None,
                });
                continue;
            };
            if share - base < t.rise || share < t.rise_factor * base {
                continue;
            }
            let days = |month: &String| active_days.get(&(person.clone(), month.clone())).copied();
            let usual_days = super::stats::median(
                baseline
                    .iter()
                    .filter(|m| {
                        figures
                            .get(&(person.clone(), (*m).clone()))
                            .is_some_and(|f| f.0 >= t.min_actions as f64)
                    })
                    .filter_map(days),
            );
            let days_now = days(&this).unwrap_or(0.0);
            if let Some(usual) = usual_days.filter(|u| days_now < t.usual_days_share * u) {
                // A holiday month: the share of its few actions rests on an evening or two.
                outcome.not_judged.push(super::NotJudged {
                    kind: FindingKind::BurnoutRisk,
                    subject: person.clone(),
                    reason: format!(
                        "{:.0} % of their actions fell outside working hours, up from {:.0} %, \
                         but they were active on {days_now:.0} days against {usual:.0} in their \
                         usual month: a month mostly away, whose share rests on a few evenings",
                        share * 100.0,
                        base * 100.0
                    ),
                    month: None,
                });
                continue;
            }
            let trend: Vec<Option<f64>> = input
                .month
                .trailing(3)
                .iter()
                .map(|m| {
                    figures
                        .get(&(person.clone(), m.to_string()))
                        .filter(|f| f.0 > 0.0)
                        .map(|f| (f.1 / f.0 * 1000.0).round() / 1000.0)
                })
                .collect();
            let mut evidence = Evidence::default();
            evidence
                .figure("actions", total as i64)
                .rounded("after_hours_share", Some(share), 3)
                .rounded("baseline_after_hours_share", Some(base), 3)
                .rounded("weekend_share", Some(weekend_actions / total), 3)
                .figure("after_hours_share_last_3_months", trend)
                .figure("busiest_fortnight_active_days", active)
                .figure("active_days", days_now as i64)
                .rounded("usual_active_days", usual_days, 1)
                .figure(
                    "days_with_after_hours_work",
                    evenings.get(person).copied().unwrap_or(0),
                )
                .figure(
                    "busiest_fortnight_start",
                    chrono::DateTime::from_timestamp(window_start * 86_400, 0)
                        .map(|d| d.date_naive().to_string()),
                );
            let month = input.month;
            let headline = {
                format!(
                    "In {month}, {:.0} % of {person}'s activity fell outside their working hours \
                     or at weekends (their own time zone), up from {:.0} % before.",
                    share * 100.0,
                    base * 100.0
                ) + &if rest_signal {
                    format!(" They were active on {active} of {window_days} days in a row.")
                } else {
                    String::new()
                }
            };
            outcome.findings.push(Finding {
                kind: FindingKind::BurnoutRisk,
                subject: person.clone(),
                period: month.into(),
                severity: if rest_signal {
                    Severity::Alert
                } else {
                    Severity::Warn
                },
                headline,
                evidence,
                question: "Is the work that lands in evenings and weekends planned, or is it what \
                           does not fit in the day? What could the team take off the plate?"
                    .to_string(),
                basis: Basis {
                    actions: judged_actions as usize,
                    ..Basis::default()
                },
            });
        }
        Ok(outcome)
    }
}

/// The month's actions in each person's local time (person, local day, after hours, weekend),
/// filtered once from `activity_local` for the two readings below.
fn month_activity(input: &DetectorInput) -> PolarsResult<DataFrame> {
    let local = input.metrics.get(Metric::ActivityLocal);
    if local.height() == 0 {
        return Ok(DataFrame::empty());
    }
    local
        .clone()
        .lazy()
        .filter(col("month").eq(lit(input.month.to_string())))
        .select([
            col("person"),
            col("local_day"),
            col("after_hours"),
            col("weekend"),
        ])
        .collect()
}

/// Per person: the local days of the month with an action outside working hours or at a
/// weekend. A share of actions can rest on one evening's work; these days say how many evenings.
fn after_hours_days(month_activity: &DataFrame) -> PolarsResult<BTreeMap<String, usize>> {
    if month_activity.height() == 0 {
        return Ok(BTreeMap::new());
    }
    let days = month_activity
        .clone()
        .lazy()
        .filter(col("after_hours").or(col("weekend")))
        .group_by([col("person")])
        .agg([col("local_day")
            .n_unique()
            .cast(DataType::Int64)
            .alias("days")])
        .collect()?;
    let persons = str_values(&days, "person")?;
    let counts = i64_values(&days, "days")?;
    Ok(persons
        .into_iter()
        .zip(counts)
        .filter_map(|(person, days)| Some((person?, usize::try_from(days?).ok()?)))
        .collect())
}

/// Per person: the most active 14-day window inside the month (active days, window length,
/// first local day of the window).
fn busiest_fortnights(
    month_activity: &DataFrame,
    month: Month,
) -> PolarsResult<BTreeMap<String, (usize, i64, i64)>> {
    if month_activity.height() == 0 {
        return Ok(BTreeMap::new());
    }
    let days = month_activity
        .clone()
        .lazy()
        .select([col("person"), col("local_day")])
        .unique(None, UniqueKeepStrategy::First)
        .sort(["person", "local_day"], Default::default())
        .collect()?;
    let persons = str_values(&days, "person")?;
    let local_days = i64_values(&days, "local_day")?;
    let mut by_person: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (person, day) in persons.into_iter().zip(local_days) {
        if let (Some(person), Some(day)) = (person, day) {
            by_person.entry(person).or_default().push(day);
        }
    }
    let first = crate::common::time::day_number(month.first_day());
    let last = crate::common::time::day_number(month.last_day());
    let mut result = BTreeMap::new();
    for (person, days) in by_person {
        let mut best = (0usize, 14i64, first);
        let mut start = first;
        while start + 13 <= last {
            let active = days
                .iter()
                .filter(|d| **d >= start && **d < start + 14)
                .count();
            if active > best.0 {
                best = (active, 14, start);
            }
            start += 1;
        }
        result.insert(person, best);
    }
    Ok(result)
}
