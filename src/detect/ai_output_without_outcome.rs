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
    /// The PRs whose 21 days the data cover: rework's denominator (the rest are not recorded).
    rework_prs: u64,
}

impl Group {
    /// Failed PRs over merged PRs.
    fn failure(self) -> (u64, u64) {
        (self.failed, self.prs)
    }

    /// Reworked PRs over the PRs whose rework is known.
    fn rework(self) -> (u64, u64) {
        (self.reworked, self.rework_prs)
    }
}

fn rate((part, whole): (u64, u64)) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
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

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        let t = &config.thresholds.ai_output_without_outcome;
        (t.window_months + t.baseline_months).max(1) - 1
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
        let rework_prs = f64_values(frame, "rework_prs")?;
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
                g.rework_prs += count(rework_prs[i]);
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

/// How much worse one outcome of the AI-assisted PRs is: the ratio of the rates, and whether it
/// holds up — at least `needed` times the other PRs' rate, enough such PRs, and the two rates'
/// 95 % (Wilson) intervals apart, the AI-assisted one wholly above: a few unlucky PRs, or a
/// handful of other PRs, are no pattern.
fn lag(
    ai: Group,
    other: Group,
    pick: fn(Group) -> (u64, u64),
    min: u64,
    needed: f64,
) -> (Option<f64>, bool) {
    let (Some(ai_rate), Some(other_rate)) = (rate(pick(ai)), rate(pick(other))) else {
        return (None, false);
    };
    let ratio = if other_rate > 0.0 {
        Some(ai_rate / other_rate)
    } else if ai_rate > 0.0 {
        Some(f64::INFINITY)
    } else {
        None
    };
    let (ai_part, ai_whole) = pick(ai);
    let (other_part, other_whole) = pick(other);
    let other_high = wilson(other_part, other_whole).map_or(1.0, |(_, high)| high);
    let holds = ai_part >= min
        && ratio.is_some_and(|r| r >= needed)
        && wilson(ai_part, ai_whole).is_some_and(|(low, _)| low > other_high);
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
    let (failure_ratio, failure_holds) =
        lag(f.ai, f.other, Group::failure, t.min_failed, t.outcome_ratio);
    let (rework_ratio, rework_holds) =
        lag(f.ai, f.other, Group::rework, t.min_failed, t.outcome_ratio);
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
        .rounded("ai_failure_rate", rate(f.ai.failure()), 3)
        .rounded("other_failure_rate", rate(f.other.failure()), 3)
        .rounded("failure_ratio", finite(failure_ratio), 2)
        .rounded("ai_rework_rate", rate(f.ai.rework()), 3)
        .rounded("other_rework_rate", rate(f.other.rework()), 3)
        .rounded("rework_ratio", finite(rework_ratio), 2)
        .figure("ai_failed", f.ai.failed)
        .figure("window", window.join(", "));
    let mut worse = Vec::new();
    if failure_lags {
        worse.push(format!(
            "{:.0} % of them failed against {:.0} % of its other PRs",
            rate(f.ai.failure()).unwrap_or(0.0) * 100.0,
            rate(f.other.failure()).unwrap_or(0.0) * 100.0
        ));
    }
    if rework_lags {
        worse.push(format!(
            "{:.0} % were reworked within 21 days against {:.0} %",
            rate(f.ai.rework()).unwrap_or(0.0) * 100.0,
            rate(f.other.rework()).unwrap_or(0.0) * 100.0
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
