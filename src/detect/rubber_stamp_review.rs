#![doc = include_str!("rubber_stamp_review.md")]

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity, review_rows,
    reviews_of_prs_reviewed_in,
};
use crate::common::frame::{i64_values, str_values};
use crate::detect::stats::median;

pub struct RubberStampReview;

const MICROS_PER_MINUTE: i64 = 60_000_000;

#[derive(Default)]
struct Tally {
    approvals_of_large: usize,
    stamps: Vec<(i64, String, f64)>,
    stamps_this_month: usize,
    minutes: Vec<f64>,
}

impl Detector for RubberStampReview {
    fn kind(&self) -> FindingKind {
        FindingKind::RubberStampReview
    }

    fn explain(&self) -> &'static str {
        include_str!("rubber_stamp_review.md")
    }

    fn lookback_months(&self, _config: &crate::config::Config) -> usize {
        // Stamps are counted over the month and the one before.
        1
    }

    fn missing(&self, input: &DetectorInput) -> PolarsResult<Option<String>> {
        // Reviews read from git (trailers, bors, Gerrit) are dated when the change landed.
        let timed = super::rows_of(input, "reviews", col("source").neq(lit("git")))?;
        Ok((timed == 0).then(|| {
            "no review with its own time: reviews read from commit trailers and merge messages \
             are dated when the change landed, so how soon an approval followed the request is \
             not recorded; fetch the pull requests from GitHub (teamlens fetch github) to judge \
             it"
            .to_string()
        }))
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.rubber_stamp_review;
        // The month and the one before: a habit shows over weeks, and a month with few large PRs
        // should not hide it.
        let (month_start, _) = input.span();
        let span = crate::common::time::micros_span(input.month.previous(), input.month);
        let mut outcome = Outcome::default();
        let reviews = review_rows(&reviews_of_prs_reviewed_in(input, span)?)?;
        if reviews.is_empty() {
            return Ok(outcome);
        }
        let requests = requests_of(input, span)?;
        let mut seen: BTreeMap<(&str, i64, &str), ()> = BTreeMap::new();
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        for review in &reviews {
            let first = seen
                .insert((&review.repo, review.number, &review.reviewer), ())
                .is_none();
            if !review.in_span
                || review.state != "approved"
                || review.size < t.min_lines
                || input.roster.is_bot(&review.reviewer)
            {
                continue;
            }
            let tally = tallies.entry(review.reviewer.clone()).or_default();
            tally.approvals_of_large += 1;
            let asked = requests
                .get(&(review.repo.clone(), review.number, review.reviewer.clone()))
                .and_then(|times| times.iter().rev().find(|at| **at <= review.submitted_us))
                .copied()
                .or(review.ready_us);
            let Some(asked) = asked else { continue };
            let minutes = (review.submitted_us - asked) as f64 / MICROS_PER_MINUTE as f64;
            tally.minutes.push(minutes);
            if first
                && review.comment_count == 0
                && minutes >= 0.0
                && minutes <= t.max_minutes as f64
            {
                tally
                    .stamps
                    .push((review.size, review.url.clone().unwrap_or_default(), minutes));
                if review.submitted_us >= month_start {
                    tally.stamps_this_month += 1;
                }
            }
        }
        for (reviewer, tally) in tallies {
            let count = tally.stamps.len();
            let share = count as f64 / tally.approvals_of_large.max(1) as f64;
            if count < t.min_count || share < t.min_share || tally.stamps_this_month == 0 {
                continue;
            }
            let mut stamps = tally.stamps;
            stamps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let lines: Vec<f64> = stamps.iter().map(|s| s.0 as f64).collect();
            let mut evidence = Evidence::default();
            evidence
                .figure("stamps_over_two_months", count)
                .figure("stamps_this_month", tally.stamps_this_month)
                .figure("approvals_of_prs_over_min_lines", tally.approvals_of_large)
                .rounded("stamp_share", Some(share), 3)
                .rounded("median_lines_stamped", median(lines), 0)
                .rounded(
                    "median_minutes_to_approve",
                    median(stamps.iter().map(|s| s.2)),
                    1,
                )
                .rounded(
                    "median_minutes_to_approve_all_large",
                    median(tally.minutes.iter().copied()),
                    1,
                );
            evidence.links = stamps
                .iter()
                .map(|s| s.1.clone())
                .filter(|u| !u.is_empty())
                .take(input.config.report.evidence_links)
                .collect();
            let team = input.roster.team_of(&reviewer).unwrap_or("their team");
            let month = input.month;
            outcome.findings.push(Finding {
                kind: FindingKind::RubberStampReview,
                subject: reviewer.clone(),
                period: month.into(),
                severity: if share >= 0.8 {
                    Severity::Alert
                } else {
                    Severity::Warn
                },
                headline: format!(
                    "Over {} and {month}, {reviewer} approved {count} PRs of {} lines or more \
                     within {} minutes of being asked and without a comment ({:.0} % of their \
                     approvals of PRs that size).",
                    month.previous(),
                    t.min_lines,
                    t.max_minutes,
                    share * 100.0
                ),
                evidence,
                question: format!(
                    "What does an approval mean in {team}: has the change been read, run or \
                     discussed elsewhere? Would smaller PRs or pairing make review real again?"
                ),
                basis: Basis {
                    prs: tally.approvals_of_large,
                    reviews: tally.approvals_of_large,
                    tickets: 0,
                    ..Basis::default()
                },
            });
        }
        Ok(outcome)
    }
}

/// Request times per (repo, number, reviewer) of the PRs reviewed in the span, oldest first.
fn requests_of(
    input: &DetectorInput,
    span: (i64, i64),
) -> PolarsResult<BTreeMap<(String, i64, String), Vec<i64>>> {
    let touched = input
        .table("reviews")
        .filter(crate::common::time::within("submitted_at", span))
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::First);
    let requests = input
        .table("review_requests")
        .join(
            touched,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .select([
            col("repo"),
            col("number"),
            col("requested"),
            col("requested_at").cast(DataType::Int64).alias("at"),
        ])
        .sort(["at"], Default::default())
        .collect()?;
    let repos = str_values(&requests, "repo")?;
    let numbers = i64_values(&requests, "number")?;
    let requested = str_values(&requests, "requested")?;
    let at = i64_values(&requests, "at")?;
    let mut map: BTreeMap<(String, i64, String), Vec<i64>> = BTreeMap::new();
    for i in 0..requests.height() {
        if let (Some(repo), Some(number), Some(who), Some(at)) =
            (&repos[i], numbers[i], &requested[i], at[i])
        {
            map.entry((repo.clone(), number, who.clone()))
                .or_default()
                .push(at);
        }
    }
    Ok(map)
}
