#![doc = include_str!("output_outcome_divergence.md")]

use std::collections::BTreeMap;

use polars::prelude::*;

use super::stats::median;
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{f64_values, for_months, str_values};
use crate::metrics::Metric;
use crate::period::Month;

pub struct OutputOutcomeDivergence;

/// One team's merged PRs over a set of months.
#[derive(Default)]
struct Window {
    prs: usize,
    authors: std::collections::BTreeSet<String>,
    months: std::collections::BTreeSet<String>,
    cycle_h: Vec<f64>,
    failed: Vec<f64>,
    size: Vec<f64>,
    slowest: Vec<(f64, String)>,
    /// Days team members were active, summed over people and months.
    active_days: f64,
    /// PRs the team's people opened.
    opened: f64,
    /// Sizes (lines changed) of the PRs the team's people opened, merged or not.
    opened_size: Vec<f64>,
}

impl Window {
    /// Merged PRs per active author per month.
    fn per_author_month(&self, months: usize) -> Option<f64> {
        (!self.authors.is_empty() && months > 0)
            .then(|| self.prs as f64 / self.authors.len() as f64 / months as f64)
    }

    /// Merged PRs per active person-day; per author-month when activity days are unknown.
    fn output(&self, months: usize) -> Option<f64> {
        if self.active_days > 0.0 {
            Some(self.prs as f64 / self.active_days)
        } else {
            self.per_author_month(months)
        }
    }

    /// Opened PRs per active person-day.
    fn opened_per_day(&self) -> Option<f64> {
        (self.active_days > 0.0).then(|| self.opened / self.active_days)
    }

    fn failure_rate(&self) -> Option<f64> {
        (!self.failed.is_empty())
            .then(|| self.failed.iter().sum::<f64>() / self.failed.len() as f64)
    }
}

impl Detector for OutputOutcomeDivergence {
    fn kind(&self) -> FindingKind {
        FindingKind::OutputOutcomeDivergence
    }

    fn explain(&self) -> &'static str {
        include_str!("output_outcome_divergence.md")
    }

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        config.thresholds.output_outcome_divergence.baseline_months
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.output_outcome_divergence;
        let months = input.month.trailing(t.baseline_months + 1);
        let baseline_months: Vec<String> = months[..t.baseline_months]
            .iter()
            .map(Month::to_string)
            .collect();
        let current = input.month.to_string();

        let phases = for_months(input.metrics.get(Metric::PrPhases), &months)?;
        let mut outcome = Outcome::default();
        if phases.height() == 0 {
            return Ok(outcome);
        }
        let teams = str_values(&phases, "team")?;
        let month_of = str_values(&phases, "month")?;
        let authors = str_values(&phases, "author")?;
        let urls = str_values(&phases, "url")?;
        let cycle = f64_values(&phases, "cycle_h")?;
        let failed = f64_values(&phases, "failed")?;
        let size = f64_values(&phases, "size")?;

        let mut windows: BTreeMap<String, (Window, Window)> = BTreeMap::new();
        for i in 0..phases.height() {
            let (Some(team), Some(month)) = (&teams[i], &month_of[i]) else {
                continue;
            };
            let (base, now) = windows.entry(team.clone()).or_default();
            let window = if *month == current { now } else { base };
            window.prs += 1;
            window.months.insert(month.clone());
            if let Some(author) = &authors[i] {
                window.authors.insert(author.clone());
            }
            window.cycle_h.extend(cycle[i]);
            window.failed.extend(failed[i]);
            window.size.extend(size[i]);
            if let (Some(hours), Some(url)) = (cycle[i], &urls[i]) {
                window.slowest.push((hours, url.clone()));
            }
        }

        let output = for_months(input.metrics.get(Metric::OutputMonthly), &months)?;
        add_to_windows(&mut windows, &output, "prs_opened", &current, |w, v| {
            w.opened += v
        })?;
        add_opened_sizes(input, &mut windows, &months, &current)?;
        let activity = for_months(input.metrics.get(Metric::ActiveDays), &months)?;
        add_to_windows(&mut windows, &activity, "active_days", &current, |w, v| {
            w.active_days += v
        })?;

        for (team, (base, now)) in windows {
            let base_monthly = base.prs as f64 / t.baseline_months as f64;
            if base.months.len() < t.baseline_months
                || (now.prs as f64) < t.min_merged_prs as f64
                || base_monthly < t.min_merged_prs as f64
            {
                outcome.not_judged.push(NotJudged {
                    kind: FindingKind::OutputOutcomeDivergence,
                    month: None,
                    subject: format!("team:{team}"),
                    reason: format!(
                        "{} merged PRs this month and {:.0} a month over {} baseline month(s) with data \
                         (at least {} a month over {} months needed)",
                        now.prs,
                        base_monthly,
                        base.months.len(),
                        t.min_merged_prs,
                        t.baseline_months
                    ),
                });
                continue;
            }
            if let Some(finding) = judge(input, &team, &baseline_months, base, now) {
                outcome.findings.push(finding);
            }
        }
        Ok(outcome)
    }
}

/// Adds a per-team, per-month figure of a metric to each team's current or baseline window.
fn add_to_windows(
    windows: &mut BTreeMap<String, (Window, Window)>,
    frame: &DataFrame,
    column: &str,
    current: &str,
    add: fn(&mut Window, f64),
) -> PolarsResult<()> {
    let teams = str_values(frame, "team")?;
    let months = str_values(frame, "month")?;
    let values = f64_values(frame, column)?;
    for ((team, month), value) in teams.iter().zip(&months).zip(values) {
        let (Some(team), Some(month), Some(value)) = (team, month, value) else {
            continue;
        };
        if let Some((base, now)) = windows.get_mut(team) {
            add(if month == current { now } else { base }, value);
        }
    }
    Ok(())
}

/// Adds the size of every PR a team's people opened in the months (bots left out) to the team's
/// current or baseline window: splitting shows first in the PRs opened, while the PRs merged in
/// the first month of it are still mostly the larger ones started before.
fn add_opened_sizes(
    input: &DetectorInput,
    windows: &mut BTreeMap<String, (Window, Window)>,
    months: &[Month],
    current: &str,
) -> PolarsResult<()> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(());
    };
    let Some(prs) = input.tables.get("pull_requests") else {
        return Ok(());
    };
    let prs = prs
        .clone()
        .filter(crate::common::time::within(
            "created_at",
            crate::common::time::micros_span(*first, *last),
        ))
        .select([
            col("author"),
            col("created_at").dt().strftime("%Y-%m").alias("month"),
            (col("additions").fill_null(lit(0i64)) + col("deletions").fill_null(lit(0i64)))
                .cast(DataType::Float64)
                .alias("size"),
        ])
        .collect()?;
    let authors = str_values(&prs, "author")?;
    let month_of = str_values(&prs, "month")?;
    let sizes = f64_values(&prs, "size")?;
    for ((author, month), size) in authors.iter().zip(&month_of).zip(sizes) {
        let (Some(author), Some(month), Some(size)) = (author, month, size) else {
            continue;
        };
        if input.roster.is_bot(author) {
            continue;
        }
        let Some(team) = input.roster.team_of(author) else {
            continue;
        };
        if let Some((base, now)) = windows.get_mut(team) {
            if month == current { now } else { base }
                .opened_size
                .push(size);
        }
    }
    Ok(())
}

fn ratio(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(now), Some(before)) if before > 0.0 => Some(now / before - 1.0),
        _ => None,
    }
}

fn judge(
    input: &DetectorInput,
    team: &str,
    baseline: &[String],
    base: Window,
    mut now: Window,
) -> Option<Finding> {
    let t = &input.config.thresholds.output_outcome_divergence;
    // Both windows measured the same way: per active day only when both have activity days.
    let (output_now, output_before) = if now.active_days > 0.0 && base.active_days > 0.0 {
        (now.output(1), base.output(baseline.len()))
    } else {
        (
            now.per_author_month(1),
            base.per_author_month(baseline.len()),
        )
    };
    let per_day = now.active_days > 0.0 && base.active_days > 0.0;
    let merged_rise = ratio(output_now, output_before);
    // Output is PRs opened: a backlog flushed after the holidays merges more without opening
    // more, and the first month of splitting opens many more PRs than it can merge yet.
    let opened_rise = if per_day {
        ratio(now.opened_per_day(), base.opened_per_day())
    } else {
        ratio(Some(now.opened), Some(base.opened / baseline.len() as f64))
    };
    let output_rise = opened_rise.or(merged_rise)?;
    if output_rise < t.output_rise {
        return None;
    }
    let cycle_now = median(now.cycle_h.iter().copied());
    let cycle_before = median(base.cycle_h.iter().copied());
    let cycle_rise = ratio(cycle_now, cycle_before);
    let failure_now = now.failure_rate();
    let failure_before = base.failure_rate();
    let failure_rise = match (failure_now, failure_before) {
        (Some(a), Some(b)) => Some(a - b),
        _ => None,
    };
    let size_now = median(now.size.iter().copied());
    let size_before = median(base.size.iter().copied());
    let size_change = ratio(size_now, size_before);
    let opened_size_now = median(now.opened_size.iter().copied());
    let opened_size_before = median(base.opened_size.iter().copied());
    let opened_size_change = ratio(opened_size_now, opened_size_before);

    let slower = cycle_rise.is_some_and(|r| r >= t.cycle_time_rise);
    let less_safe = failure_rise.is_some_and(|r| r >= t.failure_rate_rise);
    // Splitting shows first in the PRs opened (the first month of it still merges mostly the
    // larger PRs started before), later in those merged; either counts. Cut finer, work should
    // also get through faster: when cycle time falls by less than the PRs shrank, each changed
    // line takes longer from first commit to merge, and the extra PRs are not buying speed.
    let shrink = [opened_size_change, size_change]
        .into_iter()
        .flatten()
        .filter(|c| *c <= -t.size_drop && cycle_rise.is_some_and(|r| r > *c))
        .reduce(f64::min);
    let splitting = shrink.is_some();
    if !(slower || less_safe || splitting) {
        return None;
    }

    let mut evidence = Evidence::default();
    evidence
        .figure("prs_merged", now.prs)
        .rounded(
            "prs_merged_per_month_baseline",
            Some(base.prs as f64 / baseline.len() as f64),
            1,
        )
        .figure("active_authors", now.authors.len())
        .figure("active_authors_baseline", base.authors.len())
        .rounded("prs_per_author", now.per_author_month(1), 2)
        .rounded(
            "prs_per_author_baseline",
            base.per_author_month(baseline.len()),
            2,
        )
        .rounded("active_person_days", Some(now.active_days), 0)
        .rounded(
            "active_person_days_per_month_baseline",
            Some(base.active_days / baseline.len() as f64),
            1,
        )
        .rounded(
            "prs_per_active_day",
            per_day.then_some(output_now).flatten(),
            3,
        )
        .rounded(
            "prs_per_active_day_baseline",
            per_day.then_some(output_before).flatten(),
            3,
        )
        .rounded("prs_opened", Some(now.opened), 0)
        .rounded(
            "prs_opened_per_month_baseline",
            Some(base.opened / baseline.len() as f64),
            1,
        )
        .rounded("merged_rise", merged_rise, 3)
        .rounded("opened_rise", opened_rise, 3)
        .rounded("output_rise", Some(output_rise), 3)
        .rounded("cycle_p50_h", cycle_now, 1)
        .rounded("cycle_p50_h_baseline", cycle_before, 1)
        .rounded("cycle_time_change", cycle_rise, 3)
        .rounded("pr_failure_rate", failure_now, 3)
        .rounded("pr_failure_rate_baseline", failure_before, 3)
        // The same two figures under their names before report.json's schema 5, which never
        // loses a key: they were never DORA's change failure rate (deployments), see
        // `pr_failure_rate`.
        .rounded("change_failure_rate", failure_now, 3)
        .rounded("change_failure_rate_baseline", failure_before, 3)
        .rounded("median_pr_size", size_now, 0)
        .rounded("median_pr_size_baseline", size_before, 0)
        .rounded("median_opened_pr_size", opened_size_now, 0)
        .rounded("median_opened_pr_size_baseline", opened_size_before, 0)
        .rounded("opened_size_change", opened_size_change, 3)
        .figure("baseline_months", baseline.join(", "))
        .figure("pr_splitting", splitting);
    now.slowest
        .sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    evidence.links = now
        .slowest
        .into_iter()
        .map(|(_, url)| url)
        .take(input.config.report.evidence_links)
        .collect();

    let mut worse = Vec::new();
    if let (true, Some(r)) = (slower, cycle_rise) {
        worse.push(format!("median cycle time rose {:.0} %", r * 100.0));
    }
    if let (true, Some(r)) = (less_safe, failure_rise) {
        worse.push(format!(
            "the share of merged PRs that failed rose {:.0} points",
            r * 100.0
        ));
    }
    if splitting {
        worse.push(format!(
            "the median PR shrank {:.0} % without shipping faster",
            -shrink.unwrap_or(0.0) * 100.0
        ));
    }
    let headline = format!(
        "{team} opened {:.0} % more PRs per {} than in {} while {}.",
        output_rise * 100.0,
        if per_day {
            "active person-day"
        } else {
            "author"
        },
        baseline.join(", "),
        worse.join(" and ")
    );
    let question = format!(
        "{team} is opening more PRs, but its work is not reaching users faster or more safely. \
         Are we cutting work finer, rushing it, or waiting longer on reviews, and what would \
         let the extra work actually ship sooner?"
    );
    let severity = if slower && less_safe {
        Severity::Alert
    } else {
        Severity::Warn
    };
    Some(Finding {
        kind: FindingKind::OutputOutcomeDivergence,
        subject: format!("team:{team}"),
        period: input.month.into(),
        severity,
        headline,
        evidence,
        question,
        basis: Basis {
            prs: now.prs + base.prs,
            reviews: 0,
            tickets: 0,
            ..Basis::default()
        },
    })
}
