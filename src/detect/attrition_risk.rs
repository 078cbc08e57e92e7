#![doc = include_str!("attrition_risk.md")]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use polars::prelude::*;

use super::{Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity};
use crate::common::frame::{f64_values, i64_values, str_values};
use crate::config::FadeTest;
use crate::metrics::Metric;
use crate::period::Month;

pub struct AttritionRisk;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Fewer working days than this left in a month after known time off: the month says nothing
/// about a fade.
const MIN_WORKING_DAYS: usize = 3;
/// A whole working week without a single action, followed by a return: a holiday. For someone
/// whose days away the `time_off` table does not list, such a run counts as time off.
const AWAY_WEEKDAYS: usize = 5;

impl Detector for AttritionRisk {
    fn kind(&self) -> FindingKind {
        FindingKind::AttritionRisk
    }

    fn explain(&self) -> &'static str {
        include_str!("attrition_risk.md")
    }

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        // The month before and the baseline months before it; and the silent days before the
        // month before, within which a last action makes someone newly silent.
        let t = &config.thresholds.attrition_risk;
        let silent_months = 1 + usize::try_from(t.silent_days.max(0))
            .unwrap_or(0)
            .div_ceil(28);
        (t.baseline_months + 1).max(silent_months)
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.attrition_risk;
        let mut outcome = Outcome::default();
        let monthly = input.metrics.get(Metric::PersonMonthly);
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
        let mut off = TimeOff::read(input, first, input.month)?;
        off.observed_from = first_observed_day(input)?;
        off.add_unlisted_absences(&active_days(input, first, input.month)?, t.fade_ratio);
        let actions = Actions::new(monthly, input.month, previous, &baseline)?;
        let work = Work::read(input, first, input.month)?;
        // Teammates whose baseline is at least half the minimum count in the team's change.
        let fades = Fades::new(
            [previous, input.month],
            &baseline,
            &off,
            &work,
            &actions,
            t.min_baseline_actions / 2.0,
            t.fade_test,
            t.team_change_without_own_prs,
        );
        let (_, end) = input.span();
        for (person, last) in &last_seen {
            if input.roster.is_bot(person) {
                continue;
            }
            if !actions.team.contains_key(person) {
                continue;
            }
            let Some(base_per_month) = actions.baseline_per_month(person, &off, &baseline) else {
                continue;
            };
            if base_per_month < t.min_baseline_actions {
                continue;
            }
            let silence = t.silent_days * MICROS_PER_DAY;
            // Silent for `silent_days` by the end of the month, and fallen silent since the start
            // of the month before: someone long gone is no longer news.
            let since = crate::common::time::micros_span(previous, previous).0;
            let stopped = *last >= since - silence && *last < end - silence;
            let fade = fades.judge(person);
            let fading = fade.as_ref().is_some_and(|f| {
                f.ratio(0) <= t.fade_ratio
                    && f.ratio(1) <= t.fade_ratio
                    && f.p_value <= t.fade_p_value
            });
            if !stopped && !fading {
                continue;
            }
            let last_day =
                chrono::DateTime::from_timestamp_micros(*last).map(|d| d.date_naive().to_string());
            let now = actions.month.get(person).cloned().unwrap_or_default();
            let actions_before = actions.before.get(person).map_or(0.0, |a| a.actions);
            let base_actions = actions.baseline.get(person).map_or(0.0, |a| a.actions);
            let items = |month: Month| work.items(person, month);
            let mut evidence = Evidence::default();
            evidence
                .figure(
                    "prs_opened_this_month",
                    work.opened(person, input.month) as i64,
                )
                .figure(
                    "prs_reviewed_this_month",
                    work.reviewed(person, input.month) as i64,
                )
                .figure("work_items_this_month", items(input.month) as i64)
                .figure("work_items_month_before", items(previous) as i64)
                .rounded(
                    "expected_work_items_this_month",
                    fade.as_ref().map(|f| f.expected[1]),
                    1,
                )
                .rounded(
                    "expected_work_items_month_before",
                    fade.as_ref().map(|f| f.expected[0]),
                    1,
                )
                .rounded(
                    "ratio_to_expected_this_month",
                    fade.as_ref().map(|f| f.ratio(1)),
                    2,
                )
                .rounded(
                    "ratio_to_expected_month_before",
                    fade.as_ref().map(|f| f.ratio(0)),
                    2,
                )
                .rounded(
                    "team_change_this_month",
                    fade.as_ref().map(|f| f.team_change[1]),
                    2,
                )
                .rounded(
                    "team_change_month_before",
                    fade.as_ref().map(|f| f.team_change[0]),
                    2,
                )
                .rounded(
                    "baseline_work_items_per_working_day",
                    fade.as_ref().map(|f| f.baseline_items / f.baseline_days),
                    2,
                )
                .figure(
                    "fade_p_value",
                    fade.as_ref().map(|f| format!("{:.1e}", f.p_value)),
                )
                .rounded(
                    "baseline_dispersion",
                    fade.as_ref().map(|f| f.dispersion),
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
                .rounded("baseline_actions_per_month", Some(base_per_month), 1)
                .figure("last_activity", last_day.clone())
                .figure("stopped", stopped);
            let month = input.month;
            let headline = match (&fade, stopped) {
                (Some(f), false) => format!(
                    "For a second month in {month}, {person} took on far less work than their own \
                     baseline leads one to expect: {} PRs opened or reviewed against {:.0} \
                     expected ({:.0} %), and {} against {:.0} the month before, not explained \
                     by known time off or the team's own change (p = {:.1e}).",
                    f.items[1],
                    f.expected[1],
                    f.ratio(1) * 100.0,
                    f.items[0],
                    f.expected[0],
                    f.p_value
                ),
                _ => format!(
                    "{person} has not been active since {} ({} days or more before the end of \
                     {month}), after a baseline of {base_per_month:.0} actions a month.",
                    last_day.unwrap_or_default(),
                    t.silent_days,
                ),
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
                    prs: work.opened_total(person) as usize,
                    reviews: work.reviewed_total(person) as usize,
                    actions: (now.actions + actions_before + base_actions) as usize,
                    ..Basis::default()
                },
            });
        }
        Ok(outcome)
    }
}

/// The first day the data covers (of anyone's activity): working days before it are not part
/// of anyone's baseline, so a store that starts mid-month does not make that month look quiet.
fn first_observed_day(input: &DetectorInput) -> PolarsResult<Option<NaiveDate>> {
    Ok(input
        .metrics
        .observed_from_us()?
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(|d| d.date_naive()))
}

/// Each person's days with at least one action, in their own time zone, from a month before
/// `first` to the end of `last`.
fn active_days(
    input: &DetectorInput,
    first: Month,
    last: Month,
) -> PolarsResult<BTreeMap<String, BTreeSet<NaiveDate>>> {
    let local = input.metrics.get(Metric::ActivityLocal);
    let mut days: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    if local.height() == 0 {
        return Ok(days);
    }
    let day_number = |day: NaiveDate| (day - NaiveDate::default()).num_days();
    let from = day_number(first.previous().first_day());
    let to = day_number(last.last_day());
    let frame = local
        .clone()
        .lazy()
        .select([col("person"), col("local_day").cast(DataType::Int64)])
        .filter(
            col("local_day")
                .gt_eq(lit(from))
                .and(col("local_day").lt_eq(lit(to))),
        )
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    for (person, day) in str_values(&frame, "person")?
        .into_iter()
        .zip(i64_values(&frame, "local_day")?)
    {
        if let (Some(person), Some(day)) = (person, day) {
            days.entry(person)
                .or_default()
                .insert(NaiveDate::default() + chrono::Duration::days(day));
        }
    }
    Ok(days)
}

/// Known time off (the `time_off` table), as each person's weekdays away, and the first day the
/// data covers.
#[derive(Debug, Default)]
struct TimeOff {
    days: BTreeMap<String, BTreeSet<NaiveDate>>,
    /// People with at least one row in the `time_off` table: their days away are known.
    listed: BTreeSet<String>,
    /// Weekdays before this one are not working days of anyone's record: the data does not
    /// cover them.
    observed_from: Option<NaiveDate>,
}

impl TimeOff {
    /// The weekdays away from `first` to `last` (whole months); none when the table is absent.
    fn read(input: &DetectorInput, first: Month, last: Month) -> PolarsResult<TimeOff> {
        let mut off = TimeOff::default();
        let Some(table) = input.tables.get("time_off") else {
            return Ok(off);
        };
        let listed = table
            .clone()
            .select([col("person").cast(DataType::String)])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?;
        off.listed = str_values(&listed, "person")?
            .into_iter()
            .flatten()
            .collect();
        let (start, end) = crate::common::time::micros_span(first, last);
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
        for ((person, from), to) in persons.iter().zip(firsts).zip(lasts) {
            let (Some(person), Some(from), Some(to)) =
                (person, from.and_then(date_of), to.and_then(date_of))
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

    /// For each person the `time_off` table lists nothing for (a roster gap, or no HR calendar
    /// at all), every run of at least [`AWAY_WEEKDAYS`] weekdays without a single action between
    /// two active days is taken as time off, if the return is one: a holiday nobody recorded is
    /// an absence followed by a return, and counted as working days it reads as a fade (on the
    /// simulated teams whose days away the roster leaves out, most false alarms were summer
    /// holidays). A holiday ends: over as many weekdays after the silence as it lasted (at
    /// least [`AWAY_WEEKDAYS`] of them in the data), the person is active on at least
    /// `usual_share` (the fade threshold, `fade_ratio`) of the share of weekdays they usually
    /// are. A fade's silent weeks do not end that way: the work stays low after them, so they
    /// stay working days and the fade test sees them (on the development seeds most missed
    /// fades were a first faded month whose silent weeks had been read as holidays). A silence
    /// that has not ended is the stop signal's.
    fn add_unlisted_absences(
        &mut self,
        active: &BTreeMap<String, BTreeSet<NaiveDate>>,
        usual_share: f64,
    ) {
        for (person, days) in active {
            if self.listed.contains(person) {
                continue;
            }
            let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
                continue;
            };
            let weekdays_between = |from: NaiveDate, to: NaiveDate| -> Vec<NaiveDate> {
                from.iter_days()
                    .take_while(|d| *d <= to)
                    .filter(|d| !is_weekend(*d))
                    .collect()
            };
            let span = weekdays_between(first, last);
            let usual =
                span.iter().filter(|d| days.contains(d)).count() as f64 / span.len().max(1) as f64;
            let mut away = Vec::new();
            for (before, after) in days.iter().zip(days.iter().skip(1)) {
                let idle: Vec<NaiveDate> = before
                    .iter_days()
                    .skip(1)
                    .take_while(|d| d < after)
                    .filter(|d| !is_weekend(*d))
                    .collect();
                if idle.len() < AWAY_WEEKDAYS {
                    continue;
                }
                let back: Vec<NaiveDate> = weekdays_between(*after, last)
                    .into_iter()
                    .take(idle.len())
                    .collect();
                let back_share =
                    back.iter().filter(|d| days.contains(d)).count() as f64 / back.len() as f64;
                let returned = back.len() < AWAY_WEEKDAYS || back_share >= usual_share * usual;
                if returned {
                    away.extend(idle);
                }
            }
            if !away.is_empty() {
                self.days.entry(person.clone()).or_default().extend(away);
            }
        }
    }

    /// Weekdays of the month the data covers.
    fn weekdays(&self, month: Month) -> usize {
        let from = self.observed_from.unwrap_or(NaiveDate::MIN);
        month
            .first_day()
            .iter_days()
            .take_while(|d| *d <= month.last_day())
            .filter(|d| !is_weekend(*d) && *d >= from)
            .count()
    }

    /// Weekdays of the month the person was known to be away.
    fn days_off(&self, person: &str, month: Month) -> usize {
        let first = month
            .first_day()
            .max(self.observed_from.unwrap_or(NaiveDate::MIN));
        match self.days.get(person) {
            Some(days) if first <= month.last_day() => days.range(first..=month.last_day()).count(),
            _ => 0,
        }
    }

    /// Weekdays of the month the data covers and the person was not known to be away.
    fn working_days(&self, person: &str, month: Month) -> usize {
        self.weekdays(month)
            .saturating_sub(self.days_off(person, month))
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Adds `(person, month_us, n)` rows to per-person, per-month counts.
fn add_counts(counts: &mut BTreeMap<(String, Month), f64>, frame: &DataFrame) -> PolarsResult<()> {
    let persons = str_values(frame, "person")?;
    let months = i64_values(frame, "month_us")?;
    let n = f64_values(frame, "n")?;
    for ((person, month), n) in persons.into_iter().zip(months).zip(n) {
        if let (Some(person), Some(month), Some(n)) =
            (person, month.and_then(date_of).map(Month::of), n)
        {
            *counts.entry((person, month)).or_default() += n;
        }
    }
    Ok(())
}

fn date_of(micros: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_micros(micros).map(|d| d.date_naive())
}

/// Actions and active days of one person over some months.
#[derive(Debug, Clone, Default)]
struct Activity {
    actions: f64,
    active_days: f64,
}

/// Each person's actions (`person_monthly`) in the month, the month before and the baseline, and
/// their team.
#[derive(Debug, Default)]
struct Actions {
    month: BTreeMap<String, Activity>,
    before: BTreeMap<String, Activity>,
    baseline: BTreeMap<String, Activity>,
    team: BTreeMap<String, String>,
}

impl Actions {
    fn new(
        monthly: &DataFrame,
        month: Month,
        previous: Month,
        baseline: &[Month],
    ) -> PolarsResult<Actions> {
        let teams = str_values(monthly, "team")?;
        let persons = str_values(monthly, "person")?;
        let months = str_values(monthly, "month")?;
        let actions = f64_values(monthly, "actions")?;
        let days = f64_values(monthly, "active_days")?;
        let mut out = Actions::default();
        // The team of each person's latest month up to the one judged.
        let mut latest: BTreeMap<String, Month> = BTreeMap::new();
        for i in 0..monthly.height() {
            let (Some(person), Some(Ok(at))) = (&persons[i], months[i].as_deref().map(str::parse))
            else {
                continue;
            };
            let at: Month = at;
            if at > month {
                continue;
            }
            if latest.get(person).is_none_or(|m| *m <= at) {
                latest.insert(person.clone(), at);
                out.team
                    .insert(person.clone(), teams[i].clone().unwrap_or_default());
            }
            let target = if at == month {
                &mut out.month
            } else if at == previous {
                &mut out.before
            } else if baseline.contains(&at) {
                &mut out.baseline
            } else {
                continue;
            };
            let entry = target.entry(person.clone()).or_default();
            entry.actions += actions[i].unwrap_or(0.0);
            entry.active_days += days[i].unwrap_or(0.0);
        }
        Ok(out)
    }

    /// The person's baseline actions per month the data covers; none without a baseline.
    fn baseline_per_month(&self, person: &str, off: &TimeOff, baseline: &[Month]) -> Option<f64> {
        let actions = self.baseline.get(person)?.actions;
        let covered: f64 = baseline
            .iter()
            .map(|m| {
                let all = TimeOff::default().weekdays(*m);
                off.weekdays(*m) as f64 / all.max(1) as f64
            })
            .sum();
        (covered > 0.0).then(|| actions / covered)
    }
}

/// Pieces of work each person took on per month: PRs opened, and other people's PRs reviewed
/// (each PR once a month, however many reviews of it they submitted).
#[derive(Debug, Default)]
struct Work {
    opened: BTreeMap<(String, Month), f64>,
    reviewed: BTreeMap<(String, Month), f64>,
    /// PRs each person reviewed, by the PRs' author and month: (reviewer, author, month).
    reviewed_of: BTreeMap<(String, String, Month), f64>,
}

impl Work {
    /// Counted by polars (a year of a large organisation is a million PRs and reviews); only
    /// the per-person, per-month counts come back to Rust.
    fn read(input: &DetectorInput, first: Month, last: Month) -> PolarsResult<Work> {
        let mut work = Work::default();
        let Some(prs) = input.tables.get("pull_requests") else {
            return Ok(work);
        };
        let (start, end) = crate::common::time::micros_span(first, last);
        let within = |name: &str| {
            col(name)
                .cast(DataType::Int64)
                .gt_eq(lit(start))
                .and(col(name).cast(DataType::Int64).lt(lit(end)))
        };
        // The first microsecond of the UTC month of a time stamp.
        let month_start = |name: &str| {
            col(name)
                .cast(crate::model::TIMESTAMP)
                .dt()
                .truncate(lit("1mo"))
                .cast(DataType::Int64)
                .alias("month_us")
        };
        let opened = prs
            .clone()
            .filter(within("created_at"))
            .select([
                col("author").cast(DataType::String).alias("person"),
                month_start("created_at"),
            ])
            .group_by([col("person"), col("month_us")])
            .agg([len().cast(DataType::Float64).alias("n")])
            .collect()?;
        add_counts(&mut work.opened, &opened)?;
        let Some(reviews) = input.tables.get("reviews") else {
            return Ok(work);
        };
        let pr_authors = prs.clone().select([
            col("repo").cast(DataType::String),
            col("number").cast(DataType::Int64),
            col("author").cast(DataType::String).alias("pr_author"),
        ]);
        let reviewed = reviews
            .clone()
            .filter(within("submitted_at"))
            .select([
                col("repo").cast(DataType::String),
                col("number").cast(DataType::Int64),
                col("reviewer").cast(DataType::String).alias("person"),
                month_start("submitted_at"),
            ])
            .join(
                pr_authors,
                [col("repo"), col("number")],
                [col("repo"), col("number")],
                JoinArgs::new(JoinType::Left),
            )
            // Self-activity is not review; each PR counts once a month however many reviews.
            .filter(
                col("pr_author")
                    .eq(col("person"))
                    .fill_null(lit(false))
                    .not(),
            )
            .select([
                col("person"),
                col("month_us"),
                col("repo"),
                col("number"),
                col("pr_author"),
            ])
            .unique(None, UniqueKeepStrategy::Any)
            .group_by([col("person"), col("pr_author"), col("month_us")])
            .agg([len().cast(DataType::Float64).alias("n")])
            .collect()?;
        let reviewers = str_values(&reviewed, "person")?;
        let authors = str_values(&reviewed, "pr_author")?;
        let months = i64_values(&reviewed, "month_us")?;
        let counts = f64_values(&reviewed, "n")?;
        for (((reviewer, author), month), n) in
            reviewers.into_iter().zip(authors).zip(months).zip(counts)
        {
            let (Some(reviewer), Some(month), Some(n)) =
                (reviewer, month.and_then(date_of).map(Month::of), n)
            else {
                continue;
            };
            *work.reviewed.entry((reviewer.clone(), month)).or_default() += n;
            if let Some(author) = author {
                *work
                    .reviewed_of
                    .entry((reviewer, author, month))
                    .or_default() += n;
            }
        }
        Ok(work)
    }

    fn opened(&self, person: &str, month: Month) -> f64 {
        self.opened
            .get(&(person.to_string(), month))
            .copied()
            .unwrap_or(0.0)
    }

    fn reviewed(&self, person: &str, month: Month) -> f64 {
        self.reviewed
            .get(&(person.to_string(), month))
            .copied()
            .unwrap_or(0.0)
    }

    /// The PRs of `author` that `reviewer` reviewed in `month`.
    fn reviewed_of(&self, reviewer: &str, author: &str, month: Month) -> f64 {
        self.reviewed_of
            .get(&(reviewer.to_string(), author.to_string(), month))
            .copied()
            .unwrap_or(0.0)
    }

    fn items(&self, person: &str, month: Month) -> f64 {
        self.opened(person, month) + self.reviewed(person, month)
    }

    fn opened_total(&self, person: &str) -> f64 {
        self.opened
            .iter()
            .filter(|((p, _), _)| p == person)
            .map(|(_, n)| n)
            .sum()
    }

    fn reviewed_total(&self, person: &str) -> f64 {
        self.reviewed
            .iter()
            .filter(|((p, _), _)| p == person)
            .map(|(_, n)| n)
            .sum()
    }
}

/// What the fade test found for one person: the month before (index 0) and the month (1).
#[derive(Debug, Clone, PartialEq)]
struct Fade {
    items: [f64; 2],
    expected: [f64; 2],
    team_change: [f64; 2],
    baseline_items: f64,
    baseline_days: f64,
    /// How much more the person's baseline months swing around their own rate than a Poisson
    /// count would (at least 1): shown always, and the counts are divided by it before the test
    /// under `fade_test = "quasi-poisson"`.
    dispersion: f64,
    /// The chance of so few pieces of work or fewer over the two months, were the person's rate
    /// what it was over the baseline (allowing for their usual month-to-month swing under the
    /// quasi-Poisson test).
    p_value: f64,
}

impl Fade {
    fn ratio(&self, index: usize) -> f64 {
        self.items[index] / self.expected[index]
    }
}

/// What the fade test reads of one person: their baseline, and the month before (index 0) and
/// the month (1).
#[derive(Debug, Clone, Default)]
struct Record {
    team: String,
    baseline_items: f64,
    baseline_days: f64,
    /// Counts in the team's change: enough baseline actions, some baseline work.
    mate: bool,
    days: [usize; 2],
    items: [f64; 2],
    /// Each baseline month's work and working days, for the person's own month-to-month swing.
    monthly: Vec<(f64, usize)>,
    /// The teammates' reviews of this person's own PRs, observed and expected at the
    /// teammates' baseline rates, month before and month: taken out of the team's change when
    /// judging this person with `team_change_without_own_prs` (a fader's missing PRs are
    /// reviews their teammates do not do); zero otherwise.
    echo: [(f64, f64); 2],
}

/// Fewer baseline months with working days than this: the swing cannot be measured, and the
/// plain Poisson allowance stands.
const MIN_DISPERSION_MONTHS: usize = 3;

impl Record {
    /// The person's baseline months' dispersion around their own rate: Pearson's χ² over the
    /// months they worked, divided by its degrees of freedom, and at least 1. A person whose
    /// work comes in bursts (a release month, a quiet month between projects) swings far more
    /// than a Poisson count does, and the exact test, which takes a large count as precise,
    /// reads their ordinary quiet months as fades (on the unseen seeds, the false alarms with
    /// a hundred pieces of work a month at two thirds of it). Dividing the counts by the
    /// dispersion is the quasi-Poisson allowance: the same rate, tested as if on fewer, noisier
    /// observations.
    fn dispersion(&self) -> f64 {
        if self.baseline_days <= 0.0 || self.baseline_items <= 0.0 {
            return 1.0;
        }
        let rate = self.baseline_items / self.baseline_days;
        let judged: Vec<(f64, f64)> = self
            .monthly
            .iter()
            .filter(|(_, days)| *days >= MIN_WORKING_DAYS)
            .map(|(items, days)| (*items, rate * *days as f64))
            .collect();
        if judged.len() < MIN_DISPERSION_MONTHS {
            return 1.0;
        }
        let chi_square: f64 = judged
            .iter()
            .map(|(items, expected)| (items - expected).powi(2) / expected)
            .sum();
        (chi_square / (judged.len() - 1) as f64).max(1.0)
    }

    /// The work the baseline rate leads one to expect in month `i` (0 when not working).
    fn expected(&self, i: usize) -> f64 {
        if self.days[i] < MIN_WORKING_DAYS || self.baseline_days <= 0.0 {
            return 0.0;
        }
        self.baseline_items / self.baseline_days * self.days[i] as f64
    }
}

/// The fade test of one month for everyone: each person's record, and each team's observed and
/// expected work among the people who count in its change.
struct Fades {
    /// Whether the counts are divided by each person's own dispersion.
    test: FadeTest,
    records: BTreeMap<String, Record>,
    /// Per team: observed and expected work of its people who count, month before and month.
    teams: BTreeMap<String, [(f64, f64); 2]>,
}

impl Fades {
    /// `mate_actions`: teammates with fewer baseline actions a month than this do not count in
    /// the team's change; `test` and `without_own_prs`: attrition_risk's `fade_test` and
    /// `team_change_without_own_prs`.
    #[allow(clippy::too_many_arguments)]
    fn new(
        months: [Month; 2],
        baseline: &[Month],
        off: &TimeOff,
        work: &Work,
        actions: &Actions,
        mate_actions: f64,
        test: FadeTest,
        without_own_prs: bool,
    ) -> Fades {
        let mut records = BTreeMap::new();
        let mut teams: BTreeMap<String, [(f64, f64); 2]> = BTreeMap::new();
        for (person, team) in &actions.team {
            let mut record = Record {
                team: team.clone(),
                baseline_items: baseline.iter().map(|m| work.items(person, *m)).sum(),
                baseline_days: baseline
                    .iter()
                    .map(|m| off.working_days(person, *m) as f64)
                    .sum(),
                monthly: baseline
                    .iter()
                    .map(|m| (work.items(person, *m), off.working_days(person, *m)))
                    .collect(),
                ..Record::default()
            };
            for (i, month) in months.into_iter().enumerate() {
                record.days[i] = off.working_days(person, month);
                record.items[i] = work.items(person, month);
            }
            record.mate = record.baseline_items > 0.0
                && record.baseline_days > 0.0
                && actions
                    .baseline_per_month(person, off, baseline)
                    .is_some_and(|a| a >= mate_actions);
            if record.mate {
                let sums = teams.entry(team.clone()).or_default();
                for (i, sum) in sums.iter_mut().enumerate() {
                    if record.days[i] >= MIN_WORKING_DAYS {
                        sum.0 += record.items[i];
                        sum.1 += record.expected(i);
                    }
                }
            }
            records.insert(person.clone(), record);
        }
        // Each person's echo: what their teammates reviewed of their PRs, and would have at
        // the teammates' own baseline rates. Only the pairs that reviewed at all are visited
        // (every pair of the organisation's people was, once per person: quadratic in them);
        // sorted by reviewer, so each person's echo is summed over their teammates in the
        // same order as before.
        if without_own_prs {
            let pairs: BTreeSet<(&str, &str)> = work
                .reviewed_of
                .keys()
                .map(|(reviewer, author, _)| (reviewer.as_str(), author.as_str()))
                .collect();
            let mut echoes: BTreeMap<&str, [(f64, f64); 2]> = BTreeMap::new();
            for (mate, person) in pairs {
                let (Some(record), Some(other)) = (records.get(person), records.get(mate)) else {
                    continue;
                };
                if mate == person || !other.mate || other.team != record.team {
                    continue;
                }
                let baseline_reviews: f64 = baseline
                    .iter()
                    .map(|m| work.reviewed_of(mate, person, *m))
                    .sum();
                let echo = echoes.entry(person).or_default();
                for (i, month) in months.into_iter().enumerate() {
                    if other.days[i] >= MIN_WORKING_DAYS {
                        echo[i].0 += work.reviewed_of(mate, person, month);
                        echo[i].1 += baseline_reviews / other.baseline_days * other.days[i] as f64;
                    }
                }
            }
            let echoes: Vec<(String, [(f64, f64); 2])> = echoes
                .into_iter()
                .map(|(person, echo)| (person.to_string(), echo))
                .collect();
            for (person, echo) in echoes {
                if let Some(record) = records.get_mut(&person) {
                    record.echo = echo;
                }
            }
        }
        Fades {
            test,
            records,
            teams,
        }
    }

    /// The work the person's teammates took on in month `i` against what their own baselines
    /// lead one to expect: 1 with no teammate to compare with; none when the whole team stopped.
    fn team_change(&self, record: &Record, i: usize) -> Option<f64> {
        let (mut observed, mut expected) = self
            .teams
            .get(&record.team)
            .map_or((0.0, 0.0), |sums| sums[i]);
        if record.mate && record.days[i] >= MIN_WORKING_DAYS {
            observed -= record.items[i];
            expected -= record.expected(i);
        }
        observed -= record.echo[i].0;
        expected -= record.echo[i].1;
        if expected <= 1e-9 {
            Some(1.0)
        } else {
            (observed > 1e-9).then(|| observed / expected)
        }
    }

    /// The fade test for a person; none when there is no baseline to compare with, a month is
    /// almost all known time off, or their whole team stopped.
    fn judge(&self, person: &str) -> Option<Fade> {
        let record = self.records.get(person)?;
        let (baseline_items, baseline_days) = (record.baseline_items, record.baseline_days);
        if baseline_items <= 0.0 || baseline_days <= 0.0 {
            return None;
        }
        let mut fade = Fade {
            items: record.items,
            expected: [0.0; 2],
            team_change: [1.0; 2],
            baseline_items,
            baseline_days,
            dispersion: record.dispersion(),
            p_value: 1.0,
        };
        // The two months' exposure, in the baseline's working days.
        let mut exposure = 0.0;
        for i in 0..2 {
            if record.days[i] < MIN_WORKING_DAYS {
                return None;
            }
            let change = self.team_change(record, i)?;
            fade.team_change[i] = change;
            fade.expected[i] = record.expected(i) * change;
            exposure += record.days[i] as f64 * change;
        }
        let observed = fade.items[0] + fade.items[1];
        let divisor = match self.test {
            FadeTest::Poisson => 1.0,
            FadeTest::QuasiPoisson => fade.dispersion,
        };
        fade.p_value = binomial_cdf(
            observed / divisor,
            (observed + baseline_items) / divisor,
            exposure / (exposure + baseline_days),
        );
        Some(fade)
    }
}

/// P(X ≤ k) for X ~ Binomial(n, p): given that the person took on `n` pieces of work over the
/// baseline and the two months together, the chance that `k` or fewer fell in the two months
/// when their rate did not change (`p`: the months' share of the exposure). Summed in logs, so
/// that large counts do not underflow.
fn binomial_cdf(k: f64, n: f64, p: f64) -> f64 {
    let (k, n) = (k.max(0.0).round() as u64, n.max(0.0).round() as u64);
    if k >= n || p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    let mut term = n as f64 * ln_q;
    let mut terms = vec![term];
    for i in 0..k {
        term += ((n - i) as f64 / (i + 1) as f64).ln() + ln_p - ln_q;
        terms.push(term);
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
    (max + sum.ln()).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    fn away(off: &mut TimeOff, person: &str, from: (u32, u32), to: (u32, u32)) {
        let mut day = NaiveDate::from_ymd_opt(2026, from.0, from.1).unwrap();
        while day <= NaiveDate::from_ymd_opt(2026, to.0, to.1).unwrap() {
            if !is_weekend(day) {
                off.days.entry(person.into()).or_default().insert(day);
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn known_time_off_and_days_before_the_data_are_not_working_days() {
        let mut off = TimeOff::default();
        // Two weeks away in August 2026 (21 weekdays): ten weekdays off, weekends ignored.
        away(&mut off, "ada", (8, 10), (8, 23));
        assert_eq!(off.days_off("ada", month("2026-08")), 10);
        assert_eq!(off.working_days("ada", month("2026-08")), 11);
        assert_eq!(off.working_days("bo", month("2026-08")), 21);
        // Data from 17 August: the weekdays before are nobody's working days, and a month before
        // the data has none.
        off.observed_from = NaiveDate::from_ymd_opt(2026, 8, 17);
        assert_eq!(off.working_days("bo", month("2026-08")), 11);
        assert_eq!(off.working_days("ada", month("2026-08")), 6);
        assert_eq!(off.working_days("ada", month("2026-07")), 0);
        assert_eq!(off.days_off("ada", month("2026-07")), 0);
    }

    /// Active on every weekday of August 2026 except `idle` (inclusive ranges of days).
    fn august_active_except(idle: &[(u32, u32)]) -> BTreeSet<NaiveDate> {
        (1..=31)
            .map(|d| NaiveDate::from_ymd_opt(2026, 8, d).unwrap())
            .filter(|d| !is_weekend(*d))
            .filter(|d| !idle.iter().any(|(a, b)| (*a..=*b).contains(&d.day())))
            .collect()
    }

    #[test]
    fn a_silent_working_week_and_a_return_is_unlisted_time_off() {
        let mut off = TimeOff::default();
        off.listed.insert("listed".into());
        let active: BTreeMap<String, BTreeSet<NaiveDate>> = [
            // Two weeks away (10 to 21 August) and back: ten weekdays off.
            ("ada".to_string(), august_active_except(&[(10, 21)])),
            // Four weekdays without an action is not a holiday.
            ("bo".to_string(), august_active_except(&[(11, 14)])),
            // Silent since 17 August: no return yet, which is the stop signal's to judge.
            ("cy".to_string(), august_active_except(&[(17, 31)])),
            // The roster lists their days away: nothing is inferred.
            ("listed".to_string(), august_active_except(&[(10, 21)])),
        ]
        .into();
        off.add_unlisted_absences(&active, 0.75);
        assert_eq!(off.days_off("ada", month("2026-08")), 10);
        assert_eq!(off.working_days("ada", month("2026-08")), 11);
        assert_eq!(off.days_off("bo", month("2026-08")), 0);
        assert_eq!(off.days_off("cy", month("2026-08")), 0);
        assert_eq!(off.days_off("listed", month("2026-08")), 0);
    }

    #[test]
    fn a_silence_after_which_the_work_stays_low_is_no_holiday() {
        let mut off = TimeOff::default();
        // Active every weekday of June and July, then silent 3 to 14 August, then back on one
        // weekday in four: a fade whose silent fortnight did not end in a return.
        let mut fading: BTreeSet<NaiveDate> = NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .iter_days()
            .take_while(|d| *d < NaiveDate::from_ymd_opt(2026, 8, 1).unwrap())
            .filter(|d| !is_weekend(*d))
            .collect();
        let mut returned = fading.clone();
        fading.extend(
            [17, 21, 27, 31, 1].iter().enumerate().map(|(i, d)| {
                NaiveDate::from_ymd_opt(2026, if i < 4 { 8 } else { 9 }, *d).unwrap()
            }),
        );
        // The same silence, then back every weekday: a holiday.
        returned.extend(
            NaiveDate::from_ymd_opt(2026, 8, 17)
                .unwrap()
                .iter_days()
                .take_while(|d| *d <= NaiveDate::from_ymd_opt(2026, 9, 4).unwrap())
                .filter(|d| !is_weekend(*d)),
        );
        let active: BTreeMap<String, BTreeSet<NaiveDate>> = [
            ("fades".to_string(), fading),
            ("back".to_string(), returned),
        ]
        .into();
        off.add_unlisted_absences(&active, 0.75);
        assert_eq!(off.days_off("fades", month("2026-08")), 0);
        assert_eq!(off.days_off("back", month("2026-08")), 10);
    }

    #[test]
    fn the_binomial_tail_matches_known_values_and_survives_large_counts() {
        // P(X ≤ 2) for Binomial(10, 0.5) = 56 / 1024.
        assert!((binomial_cdf(2.0, 10.0, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_cdf(10.0, 10.0, 0.3), 1.0);
        assert_eq!(binomial_cdf(3.0, 10.0, 0.0), 1.0);
        assert!(binomial_cdf(0.0, 10.0, 1.0) == 0.0);
        // 0.75^4000 underflows a plain product; in logs the tail is tiny but positive.
        let tail = binomial_cdf(500.0, 4000.0, 0.25);
        assert!(tail > 0.0 && tail < 1e-20, "{tail}");
        let median = binomial_cdf(1000.0, 4000.0, 0.25);
        assert!((0.5..0.52).contains(&median), "{median}");
    }

    /// A team whose people each took on `per_month` pieces of work a month from March to July
    /// 2026, and then what `after` says in August and September.
    struct Team {
        work: Work,
        actions: Actions,
        off: TimeOff,
        baseline: Vec<Month>,
        test: FadeTest,
        without_own_prs: bool,
    }

    impl Team {
        fn new(people: &[(&str, f64, [f64; 2])]) -> Team {
            let baseline: Vec<Month> = ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
                .iter()
                .map(|m| month(m))
                .collect();
            let mut work = Work::default();
            let mut actions = Actions::default();
            for (person, per_month, after) in people {
                for m in &baseline {
                    // Split between PRs opened and reviewed: only their sum counts.
                    work.opened
                        .insert((person.to_string(), *m), per_month / 2.0);
                    work.reviewed
                        .insert((person.to_string(), *m), per_month / 2.0);
                }
                for (m, items) in [month("2026-08"), month("2026-09")].into_iter().zip(after) {
                    work.opened.insert((person.to_string(), m), *items);
                }
                actions.team.insert(person.to_string(), "core".into());
                actions.baseline.insert(
                    person.to_string(),
                    Activity {
                        actions: 100.0 * baseline.len() as f64,
                        active_days: 15.0 * baseline.len() as f64,
                    },
                );
            }
            Team {
                work,
                actions,
                off: TimeOff::default(),
                baseline,
                test: FadeTest::Poisson,
                without_own_prs: false,
            }
        }

        fn judge(&self, person: &str) -> Option<Fade> {
            Fades::new(
                [month("2026-08"), month("2026-09")],
                &self.baseline,
                &self.off,
                &self.work,
                &self.actions,
                20.0,
                self.test,
                self.without_own_prs,
            )
            .judge(person)
        }
    }

    fn fading(fade: &Option<Fade>) -> bool {
        fade.as_ref()
            .is_some_and(|f| f.ratio(0) <= 0.75 && f.ratio(1) <= 0.75 && f.p_value <= 0.001)
    }

    #[test]
    fn two_months_of_far_less_work_than_expected_is_a_fade_and_steady_work_is_not() {
        // March to July have 22, 21, 21, 22, 23 weekdays; August 21, September 22.
        let team = Team::new(&[
            ("ada", 20.0, [20.0, 21.0]),
            ("bo", 20.0, [5.0, 5.0]),
            ("cy", 20.0, [21.0, 20.0]),
            ("di", 20.0, [19.0, 22.0]),
        ]);
        let bo = team.judge("bo");
        assert!(fading(&bo), "{bo:?}");
        let bo = bo.unwrap();
        assert!((bo.ratio(1) - 0.24).abs() < 0.03, "{bo:?}");
        assert!(bo.p_value < 1e-6, "{bo:?}");
        assert!((bo.team_change[1] - 1.0).abs() < 0.1, "{bo:?}");
        let ada = team.judge("ada");
        assert!(!fading(&ada), "{ada:?}");
        assert!(ada.unwrap().p_value > 0.3);
    }

    #[test]
    fn the_teams_own_dip_is_not_a_fade() {
        // Everyone does half as much in August and September (a freeze, unrecorded leave).
        let team = Team::new(&[
            ("ada", 20.0, [10.0, 10.0]),
            ("bo", 20.0, [9.0, 10.0]),
            ("cy", 20.0, [10.0, 11.0]),
            ("di", 20.0, [11.0, 10.0]),
        ]);
        let bo = team.judge("bo").unwrap();
        assert!((bo.team_change[0] - 0.5).abs() < 0.05, "{bo:?}");
        assert!(bo.ratio(0) > 0.85 && bo.ratio(1) > 0.85, "{bo:?}");
        assert!(!fading(&Some(bo)));
        // The whole team stopping is not one person's fade.
        let team = Team::new(&[("ada", 20.0, [0.0, 0.0]), ("bo", 20.0, [0.0, 0.0])]);
        assert_eq!(team.judge("bo"), None);
    }

    #[test]
    fn known_time_off_explains_a_quiet_month_and_a_month_away_is_not_judged() {
        let mut team = Team::new(&[
            ("ada", 20.0, [20.0, 20.0]),
            ("bo", 20.0, [5.0, 5.0]),
            ("cy", 20.0, [20.0, 20.0]),
        ]);
        // bo's quarter of the usual work came from a quarter of the working days each month.
        // August has 21 weekdays and September 22: away for 15 and 17 of them.
        away(&mut team.off, "bo", (8, 1), (8, 23));
        away(&mut team.off, "bo", (9, 1), (9, 23));
        let bo = team.judge("bo").unwrap();
        assert!(bo.ratio(0) > 0.75 && bo.ratio(1) > 0.75, "{bo:?}");
        assert!(!fading(&Some(bo)));
        // Away all September but a day or two: the month says nothing.
        away(&mut team.off, "bo", (9, 1), (9, 28));
        assert_eq!(team.judge("bo"), None);
    }

    #[test]
    fn a_drop_within_someones_usual_swing_is_not_a_fade_but_the_same_drop_from_a_steady_pace_is() {
        // Both took on a hundred pieces of work a month on average from March to July, and two
        // thirds of it in August and September, beside steady teammates. The steady one's
        // months were all near a hundred; the bursty one's went 150, 50, 150, 50, 100 (releases
        // and the quiet months between).
        let mates = [("cy", 20.0, [20.0, 20.0]), ("di", 20.0, [20.0, 20.0])];
        let mut steady =
            Team::new(&[[("steady", 100.0, [66.0, 66.0])].as_slice(), &mates].concat());
        steady.test = FadeTest::QuasiPoisson;
        let mut team = Team::new(&[[("bursty", 100.0, [66.0, 66.0])].as_slice(), &mates].concat());
        team.test = FadeTest::QuasiPoisson;
        for (m, items) in team
            .baseline
            .clone()
            .into_iter()
            .zip([150.0, 50.0, 150.0, 50.0, 100.0])
        {
            team.work.opened.insert(("bursty".into(), m), items / 2.0);
            team.work.reviewed.insert(("bursty".into(), m), items / 2.0);
        }
        let steady = steady.judge("steady").unwrap();
        let bursty = team.judge("bursty").unwrap();
        assert!((steady.dispersion - 1.0).abs() < 1e-9, "{steady:?}");
        assert!(bursty.dispersion > 20.0, "{bursty:?}");
        // The same expectation and the same ratio: only the swing differs.
        assert!(
            (steady.ratio(1) - bursty.ratio(1)).abs() < 0.01,
            "{steady:?} {bursty:?}"
        );
        assert!(fading(&Some(steady)));
        assert!(!fading(&Some(bursty.clone())), "{bursty:?}");
        assert!(bursty.p_value > 0.01, "{bursty:?}");
    }

    #[test]
    fn the_teammates_reviews_of_the_persons_own_prs_can_be_left_out_of_the_teams_change() {
        // bo fades to a quarter; cy and di reviewed six of bo's PRs a month, one after the
        // fade, and are otherwise as busy as before (15 pieces of work against 20).
        let mut team = Team::new(&[
            ("bo", 20.0, [5.0, 5.0]),
            ("cy", 20.0, [15.0, 15.0]),
            ("di", 20.0, [15.0, 15.0]),
        ]);
        for mate in ["cy", "di"] {
            for m in team.baseline.clone() {
                team.work
                    .reviewed_of
                    .insert((mate.into(), "bo".into(), m), 6.0);
            }
            for m in [month("2026-08"), month("2026-09")] {
                team.work
                    .reviewed_of
                    .insert((mate.into(), "bo".into(), m), 1.0);
            }
        }
        // Counted whole, the team's change echoes bo's own fade and lowers bo's bar.
        let echoed = team.judge("bo").unwrap();
        assert!(echoed.team_change[0] < 0.8, "{echoed:?}");
        // Without the reviews of bo's PRs, the teammates are as busy as usual.
        team.without_own_prs = true;
        let net = team.judge("bo").unwrap();
        assert!((0.95..1.1).contains(&net.team_change[0]), "{net:?}");
        assert!(net.ratio(0) < echoed.ratio(0), "{net:?} {echoed:?}");
        // cy's own judgement leaves out reviews of cy's PRs only (none here), so bo's fade
        // and di's quieter months still count in cy's team's change.
        let cy = team.judge("cy").unwrap();
        assert!(cy.team_change[0] < 0.8, "{cy:?}");
        // A reviewer of bo's PRs on another team is no teammate: bo's echo leaves them out.
        team.actions.team.insert("ed".into(), "web".into());
        team.actions.baseline.insert(
            "ed".into(),
            Activity {
                actions: 500.0,
                active_days: 75.0,
            },
        );
        for m in team.baseline.clone() {
            team.work.opened.insert(("ed".into(), m), 10.0);
            team.work
                .reviewed_of
                .insert(("ed".into(), "bo".into(), m), 8.0);
        }
        let beside = team.judge("bo").unwrap();
        assert_eq!(beside.team_change, net.team_change, "{beside:?} {net:?}");
    }

    #[test]
    fn the_swing_is_not_measured_on_fewer_than_three_working_months() {
        let record = |monthly: Vec<(f64, usize)>| Record {
            baseline_items: monthly.iter().map(|m| m.0).sum(),
            baseline_days: monthly.iter().map(|m| m.1 as f64).sum(),
            monthly,
            ..Record::default()
        };
        // Two months worked (the rest almost all away): no swing can be told from two.
        let two = record(vec![(150.0, 20), (10.0, 20), (0.0, 1), (0.0, 0), (0.0, 2)]);
        assert_eq!(two.dispersion(), 1.0);
        let three = record(vec![
            (150.0, 20),
            (10.0, 20),
            (80.0, 20),
            (0.0, 0),
            (0.0, 2),
        ]);
        assert!(three.dispersion() > 20.0, "{}", three.dispersion());
        // Less swing than a Poisson count: never below 1.
        let flat = record(vec![
            (20.0, 20),
            (20.0, 20),
            (20.0, 20),
            (20.0, 20),
            (20.0, 20),
        ]);
        assert_eq!(flat.dispersion(), 1.0);
    }

    #[test]
    fn the_same_drop_stands_out_for_someone_busy_but_not_for_someone_with_little_work() {
        // Both take on half of their usual work two months running, beside steady teammates.
        let steady = [("cy", 20.0, [20.0, 20.0]), ("di", 20.0, [20.0, 20.0])];
        let busy = Team::new(&[[("busy", 40.0, [20.0, 20.0])].as_slice(), &steady].concat())
            .judge("busy")
            .unwrap();
        let quiet = Team::new(&[[("quiet", 4.0, [2.0, 2.0])].as_slice(), &steady].concat())
            .judge("quiet")
            .unwrap();
        assert!(
            busy.ratio(1) < 0.6 && quiet.ratio(1) < 0.6,
            "{busy:?} {quiet:?}"
        );
        assert!(busy.p_value <= 0.001, "{busy:?}");
        assert!(quiet.p_value > 0.05, "{quiet:?}");
    }
}
