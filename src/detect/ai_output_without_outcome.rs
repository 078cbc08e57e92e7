#![doc = include_str!("ai_output_without_outcome.md")]

use std::collections::BTreeMap;

use polars::prelude::*;

use super::stats::wilson;
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{f64_values, str_values};
use crate::metrics::Metric;

pub struct AiOutputWithoutOutcome;

/// One group's merged PRs (AI-assisted or other) over a window of months.
#[derive(Default, Clone, Copy)]
struct Group {
    prs: u64,
    failed: u64,
    reworked: u64,
}

impl Group {
    fn rate(self, part: u64) -> Option<f64> {
        (self.prs > 0).then(|| part as f64 / self.prs as f64)
    }
}

/// A team's AI-assisted and other PRs, in the window and in the baseline before it.
#[derive(Default)]
struct Team {
    ai: Group,
    other: Group,
    ai_before: u64,
    all_before: u64,
}

impl Detector for AiOutputWithoutOutcome {
    fn kind(&self) -> FindingKind {
        FindingKind::AiOutputWithoutOutcome
    }

    fn explain(&self) -> &'static str {
        include_str!("ai_output_without_outcome.md")
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.ai_output_without_outcome;
        let months = input.month.trailing(t.window_months + t.baseline_months);
        let names: Vec<String> = months.iter().map(ToString::to_string).collect();
        let window = &names[names.len().saturating_sub(t.window_months)..];
        let frame = input.metrics.get(Metric::AiMonthly);
        let mut outcome = Outcome::default();
        if frame.height() == 0 {
            return Ok(outcome);
        }
        let teams = str_values(frame, "team")?;
        let month_of = str_values(frame, "month")?;
        let group = str_values(frame, "grp")?;
        let prs = f64_values(frame, "prs")?;
        let failed = f64_values(frame, "failed")?;
        let reworked = f64_values(frame, "reworked")?;
        let mut by_team: BTreeMap<String, Team> = BTreeMap::new();
        for i in 0..frame.height() {
            let (Some(team), Some(month), Some(grp)) = (&teams[i], &month_of[i], &group[i]) else {
                continue;
            };
            if !names.contains(month) {
                continue;
            }
            let count = |v: Option<f64>| v.unwrap_or(0.0).max(0.0) as u64;
            let entry = by_team.entry(team.clone()).or_default();
            let ai = grp == "ai";
            if window.contains(month) {
                let g = if ai { &mut entry.ai } else { &mut entry.other };
                g.prs += count(prs[i]);
                g.failed += count(failed[i]);
                g.reworked += count(reworked[i]);
            } else {
                entry.all_before += count(prs[i]);
                if ai {
                    entry.ai_before += count(prs[i]);
                }
            }
        }
        for (team, figures) in by_team {
            if figures.ai.prs == 0 {
                continue;
            }
            if figures.ai.prs < t.min_ai_prs || figures.other.prs < t.min_other_prs {
                outcome.not_judged.push(NotJudged {
                    kind: FindingKind::AiOutputWithoutOutcome,
                    month: None,
                    subject: format!("team:{team}"),
                    reason: format!(
                        "{} AI-assisted and {} other merged PRs over {} month(s) (at least {} and {} needed)",
                        figures.ai.prs,
                        figures.other.prs,
                        window.len(),
                        t.min_ai_prs,
                        t.min_other_prs
                    ),
                });
                continue;
            }
            if let Some(finding) = judge(input, &team, window, &figures) {
                outcome.findings.push(finding);
            }
        }
        Ok(outcome)
    }
}

/// How much worse one outcome of the AI-assisted PRs is: the ratio of the rates, when it holds
/// up — enough such PRs, and the AI-assisted rate's interval wholly above the other PRs' rate.
fn lag(ai: Group, other: Group, pick: fn(Group) -> u64, min: u64) -> (Option<f64>, bool) {
    let (Some(ai_rate), Some(other_rate)) = (ai.rate(pick(ai)), other.rate(pick(other))) else {
        return (None, false);
    };
    let ratio = if other_rate > 0.0 {
        Some(ai_rate / other_rate)
    } else if ai_rate > 0.0 {
        Some(f64::INFINITY)
    } else {
        None
    };
    let holds =
        pick(ai) >= min && wilson(pick(ai), ai.prs).is_some_and(|(low, _)| low > other_rate);
    (ratio, holds)
}

fn judge(input: &DetectorInput, team: &str, window: &[String], f: &Team) -> Option<Finding> {
    let t = &input.config.thresholds.ai_output_without_outcome;
    let total = f.ai.prs + f.other.prs;
    let share = f.ai.prs as f64 / total as f64;
    let share_before = (f.all_before > 0).then(|| f.ai_before as f64 / f.all_before as f64);
    let rose = share >= t.min_share
        && share_before.is_none_or(|before| share >= before * (1.0 + t.share_rise));
    if !rose {
        return None;
    }
    let (failure_ratio, failure_holds) = lag(f.ai, f.other, |g| g.failed, t.min_failed);
    let (rework_ratio, rework_holds) = lag(f.ai, f.other, |g| g.reworked, t.min_failed);
    let failure_lags = failure_holds && failure_ratio.is_some_and(|r| r >= t.outcome_ratio);
    let rework_lags = rework_holds && rework_ratio.is_some_and(|r| r >= t.outcome_ratio);
    if !(failure_lags || rework_lags) {
        return None;
    }
    let finite = |r: Option<f64>| r.filter(|r| r.is_finite());
    let mut evidence = Evidence::default();
    evidence
        .figure("ai_prs", f.ai.prs)
        .figure("other_prs", f.other.prs)
        .rounded("ai_share", Some(share), 3)
        .rounded("ai_share_baseline", share_before, 3)
        .rounded("ai_failure_rate", f.ai.rate(f.ai.failed), 3)
        .rounded("other_failure_rate", f.other.rate(f.other.failed), 3)
        .rounded("failure_ratio", finite(failure_ratio), 2)
        .rounded("ai_rework_rate", f.ai.rate(f.ai.reworked), 3)
        .rounded("other_rework_rate", f.other.rate(f.other.reworked), 3)
        .rounded("rework_ratio", finite(rework_ratio), 2)
        .figure("ai_failed", f.ai.failed)
        .figure("window", window.join(", "));
    let mut worse = Vec::new();
    if failure_lags {
        worse.push(format!(
            "{:.0} % of them failed against {:.0} % of its other PRs",
            f.ai.rate(f.ai.failed).unwrap_or(0.0) * 100.0,
            f.other.rate(f.other.failed).unwrap_or(0.0) * 100.0
        ));
    }
    if rework_lags {
        worse.push(format!(
            "{:.0} % were reworked within 21 days against {:.0} %",
            f.ai.rate(f.ai.reworked).unwrap_or(0.0) * 100.0,
            f.other.rate(f.other.reworked).unwrap_or(0.0) * 100.0
        ));
    }
    let headline = format!(
        "{:.0} % of {team}'s merged PRs in {} were made with an assistant{}; {}.",
        share * 100.0,
        window.join(" and "),
        match share_before {
            Some(before) => format!(" (up from {:.0} %)", before * 100.0),
            None => String::new(),
        },
        worse.join(", and ")
    );
    let question = format!(
        "{team} ships more work made with assistants, and more of it comes back. Where do the \
         assistants help us, and does our review of their changes look at what goes wrong later \
         — tests, the edges of the change, who understands it?"
    );
    Some(Finding {
        kind: FindingKind::AiOutputWithoutOutcome,
        subject: format!("team:{team}"),
        period: input.month.into(),
        severity: if failure_lags && rework_lags {
            Severity::Warn
        } else {
            Severity::Info
        },
        headline,
        evidence,
        question,
        basis: Basis {
            prs: (f.ai.prs + f.other.prs) as usize,
            ..Basis::default()
        },
    })
}
