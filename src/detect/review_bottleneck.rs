#![doc = include_str!("review_bottleneck.md")]

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::stats::{absence_factor, gini, median};
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{f64_values, for_month, for_months, in_months, str_values};
use crate::common::time::{micros_span, within};
use crate::metrics::Metric;

pub struct ReviewBottleneck;

const MICROS_PER_WEEK: i64 = 7 * 24 * 3600 * 1_000_000;
/// 1970-01-01 was a Thursday; shifting by three days makes weeks start on Monday.
const MONDAY_SHIFT: i64 = 3 * 24 * 3600 * 1_000_000;

fn week_of(micros: i64) -> i64 {
    (micros + MONDAY_SHIFT).div_euclid(MICROS_PER_WEEK)
}

impl Detector for ReviewBottleneck {
    fn kind(&self) -> FindingKind {
        FindingKind::ReviewBottleneck
    }

    fn explain(&self) -> &'static str {
        include_str!("review_bottleneck.md")
    }

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        // The pooled window, and the three months `pickup_when_away` compares weeks over.
        let t = &config.thresholds.review_bottleneck;
        t.window_months.max(3) - 1
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.review_bottleneck;
        let load = for_month(input.metrics.get(Metric::ReviewLoad), input.month)?;
        let mut outcome = Outcome::default();
        let teams = str_values(&load, "team")?;
        // A team that merged nothing this month is not judged either, and says so.
        let with_merges: BTreeSet<&str> = teams.iter().flatten().map(String::as_str).collect();
        for team in input.roster.teams() {
            if !with_merges.contains(team) {
                outcome.not_judged.push(NotJudged {
                    kind: FindingKind::ReviewBottleneck,
                    month: None,
                    subject: format!("team:{team}"),
                    reason: format!(
                        "no merged PR with an approval this month (at least {} merged PRs \
                         needed)",
                        t.min_merged_prs
                    ),
                });
            }
        }
        if load.height() == 0 {
            return Ok(outcome);
        }
        let reviewers = str_values(&load, "reviewer")?;
        let merged = f64_values(&load, "merged_prs")?;
        let eligible = f64_values(&load, "eligible_prs")?;
        let approved = f64_values(&load, "approved_prs")?;
        let gates = f64_values(&load, "last_gate_prs")?;

        // Approvals per team, for concentration figures; team sizes for the judgement.
        let mut approvals_by_team: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for i in 0..load.height() {
            let (Some(team), Some(reviewer)) = (&teams[i], &reviewers[i]) else {
                continue;
            };
            approvals_by_team
                .entry(team.clone())
                .or_default()
                .insert(reviewer.clone(), approved[i].unwrap_or(0.0));
        }

        let window = pooled_over_window(input, t.window_months)?;
        let mut judged_teams = BTreeSet::new();
        let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
        for i in 0..load.height() {
            let (Some(team), Some(reviewer)) = (&teams[i], &reviewers[i]) else {
                continue;
            };
            let merged_prs = merged[i].unwrap_or(0.0) as usize;
            let team_size = match sizes.get(team) {
                Some(size) => *size,
                None => {
                    let size = team_size(input, team, approvals_by_team.get(team))?;
                    sizes.insert(team.clone(), size);
                    size
                }
            };
            if merged_prs < t.min_merged_prs || team_size < t.min_team_size {
                if judged_teams.insert(team.clone()) {
                    outcome.not_judged.push(NotJudged {
                        kind: FindingKind::ReviewBottleneck,
                        month: None,
                        subject: format!("team:{team}"),
                        reason: format!(
                            "{merged_prs} merged PRs (at least {} needed) and {team_size} people \
                             who could review (at least {} needed)",
                            t.min_merged_prs, t.min_team_size
                        ),
                    });
                }
                continue;
            }
            judged_teams.insert(team.clone());
            let eligible_prs = eligible[i].unwrap_or(0.0);
            if eligible_prs < t.min_merged_prs as f64 {
                // Most of the team's PRs are their own: too few left to tell a gate from chance.
                if approved[i].unwrap_or(0.0) > 0.0 {
                    outcome.not_judged.push(NotJudged {
                        kind: FindingKind::ReviewBottleneck,
                        month: None,
                        subject: reviewer.clone(),
                        reason: format!(
                            "in {team}: could approve {eligible_prs:.0} of the team's \
                             {merged_prs} merged PRs (the others are their own; at least {} \
                             needed)",
                            t.min_merged_prs
                        ),
                    });
                }
                continue;
            }
            let month_share = approved[i].unwrap_or(0.0) / eligible_prs;
            let pooled = window
                .get(&(team.clone(), reviewer.clone()))
                .copied()
                .unwrap_or_default();
            let approval_share = pooled.approved / pooled.eligible.max(1.0);
            let gate_share = pooled.gates / pooled.eligible.max(1.0);
            // The next busiest approver of the team over the same window, by approvals: the
            // team's PRs both could approve are nearly the same, except where one authors most
            // of them — then a share of their own few eligible PRs (2 of 3) says nothing of how
            // busy they are, and a pair where one writes and the other approves is a gate.
            let runner_up = window
                .iter()
                .filter(|((t_, r), _)| t_ == team && r != reviewer)
                .map(|(_, p)| p.approved)
                .fold(0.0, f64::max);
            if approval_share < t.approval_share
                || gate_share < t.last_gate_share
                || month_share < t.month_share_floor
                || pooled.approved < t.dominance * runner_up
            {
                continue;
            }
            let mut waits = waits_on(input, team, reviewer)?;
            (waits.window_wait_wh, waits.window_others_wait_wh) =
                window_waits(input, team, reviewer, t.window_months)?;
            if !waits.make_prs_wait(t.gate_wait_factor) {
                continue;
            }
            let team_loads = approvals_by_team.get(team).cloned().unwrap_or_default();
            outcome.findings.push(self.finding(
                input,
                team,
                reviewer,
                Shares {
                    waits,
                    merged_prs,
                    eligible_prs: eligible_prs as usize,
                    approved_prs: approved[i].unwrap_or(0.0) as usize,
                    gate_prs: gates[i].unwrap_or(0.0) as usize,
                    month_share,
                    approval_share,
                    gate_share,
                    window_eligible: pooled.eligible as usize,
                    window_months: pooled.months,
                    team_size,
                },
                &team_loads,
            )?);
        }
        Ok(outcome)
    }
}

struct Shares {
    merged_prs: usize,
    eligible_prs: usize,
    approved_prs: usize,
    gate_prs: usize,
    /// Approval share in the month alone.
    month_share: f64,
    /// Approval and last-gate shares over the window.
    approval_share: f64,
    gate_share: f64,
    window_eligible: usize,
    window_months: usize,
    team_size: usize,
    /// How long the team's PRs waited on the person and on the others, asked.
    waits: Waits,
}

/// One reviewer's approvals of one team's PRs, summed over the window's months.
#[derive(Debug, Clone, Copy, Default)]
struct Pooled {
    eligible: f64,
    approved: f64,
    gates: f64,
    months: usize,
}

/// Approvals per (team, reviewer) over the `window_months` ending with the month. The PRs a
/// reviewer could approve are counted in every month of the window, including months in which
/// they approved nothing.
fn pooled_over_window(
    input: &DetectorInput,
    window_months: usize,
) -> PolarsResult<BTreeMap<(String, String), Pooled>> {
    let months = input.month.trailing(window_months.max(1));
    let in_window = |frame: &DataFrame| for_months(frame, &months);
    let load = in_window(input.metrics.get(Metric::ReviewLoad))?;
    let teams = str_values(&load, "team")?;
    let reviewers = str_values(&load, "reviewer")?;
    let approved = f64_values(&load, "approved_prs")?;
    let gates = f64_values(&load, "last_gate_prs")?;
    let mut pooled: BTreeMap<(String, String), Pooled> = BTreeMap::new();
    for i in 0..load.height() {
        let (Some(team), Some(reviewer)) = (&teams[i], &reviewers[i]) else {
            continue;
        };
        let entry = pooled.entry((team.clone(), reviewer.clone())).or_default();
        entry.approved += approved[i].unwrap_or(0.0);
        entry.gates += gates[i].unwrap_or(0.0);
    }

    let phases = in_window(input.metrics.get(Metric::PrPhases))?;
    let mut merged_by_team: BTreeMap<String, f64> = BTreeMap::new();
    let mut own: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut team_months: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let phase_months = str_values(&phases, "month")?;
    for ((team, author), month) in str_values(&phases, "team")?
        .into_iter()
        .zip(str_values(&phases, "author")?)
        .zip(phase_months)
    {
        let Some(team) = team else { continue };
        *merged_by_team.entry(team.clone()).or_default() += 1.0;
        team_months.entry(team.clone()).or_default().extend(month);
        if let Some(author) = author {
            *own.entry((team, author)).or_default() += 1.0;
        }
    }
    for ((team, reviewer), entry) in pooled.iter_mut() {
        let merged = merged_by_team.get(team).copied().unwrap_or(0.0);
        let theirs = own
            .get(&(team.clone(), reviewer.clone()))
            .copied()
            .unwrap_or(0.0);
        entry.eligible = merged - theirs;
        entry.months = team_months.get(team).map_or(0, BTreeSet::len);
    }
    Ok(pooled)
}

/// People who could review a team's PRs: its non-bot members; without a roster, everyone who
/// authored or approved one of its merged PRs in the month (an open-source project's contributors).
fn team_size(
    input: &DetectorInput,
    team: &str,
    approvers: Option<&BTreeMap<String, f64>>,
) -> PolarsResult<usize> {
    let members = input.roster.members(team).len();
    if members > 0 {
        return Ok(members);
    }
    let mut people: BTreeSet<String> = approvers
        .map(|a| a.keys().cloned().collect())
        .unwrap_or_default();
    let authors = for_month(input.metrics.get(Metric::PrPhases), input.month)?
        .lazy()
        .filter(col("team").eq(lit(team)))
        .select([col("author")])
        .collect()?;
    people.extend(str_values(&authors, "author")?.into_iter().flatten());
    Ok(people.len())
}

impl ReviewBottleneck {
    fn finding(
        &self,
        input: &DetectorInput,
        team: &str,
        person: &str,
        shares: Shares,
        team_loads: &BTreeMap<String, f64>,
    ) -> PolarsResult<Finding> {
        let t = &input.config.thresholds.review_bottleneck;
        let month = input.month;
        let waits = shares.waits;
        let pickup = pickup_when_away(input, team, person)?;

        // Everyone in the team counts for concentration, including members who approved nothing.
        let mut loads: BTreeMap<&str, f64> = input
            .roster
            .members(team)
            .into_iter()
            .map(|m| (m, 0.0))
            .collect();
        for (reviewer, n) in team_loads {
            loads.insert(reviewer, *n);
        }
        let load_values: Vec<f64> = loads.values().copied().collect();

        let mut evidence = Evidence::default();
        evidence
            .figure("merged_prs", shares.merged_prs)
            .figure("prs_they_could_approve", shares.eligible_prs)
            .figure("approved_prs", shares.approved_prs)
            .rounded("approval_share_this_month", Some(shares.month_share), 3)
            .rounded("approval_share", Some(shares.approval_share), 3)
            .figure("last_gate_prs", shares.gate_prs)
            .rounded("last_gate_share", Some(shares.gate_share), 3)
            .figure("window_months", shares.window_months)
            .figure("window_prs_they_could_approve", shares.window_eligible)
            .rounded("pr_hours_waiting_on_them", waits.blocking_hours, 1)
            .rounded("their_median_wait_h", waits.median_wait_h, 1)
            .rounded("others_median_wait_h", waits.others_median_wait_h, 1)
            .rounded("window_median_wait_wh", waits.window_wait_wh, 1)
            .rounded(
                "window_others_median_wait_wh",
                waits.window_others_wait_wh,
                1,
            )
            .rounded("pickup_p50_h_when_present", pickup.present, 1)
            .rounded("pickup_p50_h_when_away", pickup.away, 1)
            .figure("weeks_away", pickup.weeks_away)
            .rounded("approval_gini", gini(&load_values), 3)
            .figure("approval_absence_factor", absence_factor(&load_values))
            .figure("team_size", shares.team_size);
        evidence.links = if waits.links.is_empty() {
            approved_links(input, team, person)?
        } else {
            waits.links
        };
        evidence.links.truncate(input.config.report.evidence_links);

        let role = if input.roster.is_manager(person) {
            " (manager)"
        } else {
            ""
        };
        let window = if shares.window_months > 1 {
            format!(
                " ({:.0} % over the last {} months)",
                shares.approval_share * 100.0,
                shares.window_months
            )
        } else {
            String::new()
        };
        let waited = match waits.blocking_hours {
            Some(hours) => {
                format!("the team's PRs spent {hours:.0} PR-hours waiting on {person} alone")
            }
            None => "how long the PRs waited is not recorded (their source records no review \
                     requests)"
                .to_string(),
        };
        let headline = format!(
            "{person}{role} approved {} of {} merged PRs in {team} ({:.0} %){window} and gave the \
             last approval before merge on {} of them; {waited}.",
            shares.approved_prs,
            shares.eligible_prs,
            shares.month_share * 100.0,
            shares.gate_prs,
        );
        let question = format!(
            "Most of {team_s} merges in {month} waited for {person}'s approval. Which changes could \
             someone else approve with confidence, and what would they need to do it?",
            team_s = super::possessive(team),
        );
        let severity = if shares.approval_share >= t.alert_share {
            Severity::Alert
        } else {
            Severity::Warn
        };
        Ok(Finding {
            kind: FindingKind::ReviewBottleneck,
            subject: person.to_string(),
            period: month.into(),
            severity,
            headline,
            evidence,
            question,
            basis: Basis {
                prs: shares.merged_prs,
                reviews: waits.requests,
                tickets: 0,
                ..Basis::default()
            },
        })
    }
}

struct Waits {
    /// `None` when the team's source records no review requests (git, an import without
    /// them): how long PRs waited on someone is then not known, which is not zero hours.
    blocking_hours: Option<f64>,
    median_wait_h: Option<f64>,
    others_median_wait_h: Option<f64>,
    requests: usize,
    links: Vec<String>,
    /// The median working-time wait on the person, and on the team's other reviewers, over
    /// the window the shares are pooled on: what [`Waits::make_prs_wait`] compares.
    window_wait_wh: Option<f64>,
    window_others_wait_wh: Option<f64>,
}

impl Waits {
    /// Whether the team's PRs wait on the person: asked, they answer at least `factor` times
    /// later than the team's other reviewers (medians of the working-time waits over the window
    /// the shares are pooled on: a month's few requests are noisy, and wall-clock hours would
    /// make a reviewer in another time zone slow). A
    /// reviewer everyone asks first can approve most of a small team's PRs — the senior of a
    /// team of four, asked two and a half times as often — and still answer as soon as anyone
    /// else: that is a habit of the team, not a gate, and on the simulated teams no threshold
    /// was tuned on it was every false alarm (docs/detectors.md, issue #21). A gate is what the
    /// work waits on. Where no review request is recorded (git) the waits are unknown and the
    /// approvals decide alone, as do a `factor` of 0 and a month in which only the person was
    /// asked.
    fn make_prs_wait(&self, factor: f64) -> bool {
        match (self.window_wait_wh, self.window_others_wait_wh) {
            (Some(theirs), Some(others)) if factor > 0.0 => theirs >= factor * others,
            _ => true,
        }
    }
}

/// Links to the team's PRs merged this month that the person approved, latest first: the
/// evidence when no review request was recorded to rank them by waiting time.
fn approved_links(input: &DetectorInput, team: &str, person: &str) -> PolarsResult<Vec<String>> {
    let Some(reviews) = input.tables.get("reviews") else {
        return Ok(Vec::new());
    };
    let phases = for_month(input.metrics.get(Metric::PrPhases), input.month)?;
    if phases.height() == 0 {
        return Ok(Vec::new());
    }
    let approved = reviews
        .clone()
        .filter(
            col("reviewer")
                .eq(lit(person))
                .and(col("state").eq(lit("approved"))),
        )
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::Any);
    let frame = phases
        .lazy()
        .filter(col("team").eq(lit(team)).and(col("url").is_not_null()))
        .join(
            approved,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .sort(
            ["merged_at", "url"],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .select([col("url")])
        .collect()?;
    Ok(str_values(&frame, "url")?.into_iter().flatten().collect())
}

/// The person's review clocks on the team's PRs this month, against everyone else's.
fn waits_on(input: &DetectorInput, team: &str, person: &str) -> PolarsResult<Waits> {
    let waits = for_month(input.metrics.get(Metric::ReviewWaits), input.month)?;
    let mut result = Waits {
        blocking_hours: None,
        median_wait_h: None,
        others_median_wait_h: None,
        requests: 0,
        links: Vec::new(),
        window_wait_wh: None,
        window_others_wait_wh: None,
    };
    if waits.height() == 0 {
        return Ok(result);
    }
    let teams = str_values(&waits, "team")?;
    let reviewers = str_values(&waits, "reviewer")?;
    let urls = str_values(&waits, "url")?;
    let wait_h = f64_values(&waits, "wait_h")?;
    let blocking_h = f64_values(&waits, "blocking_h")?;
    let mut theirs = Vec::new();
    let mut others = Vec::new();
    let mut blocking: Vec<(f64, String)> = Vec::new();
    for i in 0..waits.height() {
        if teams[i].as_deref() != Some(team) {
            continue;
        }
        result.requests += 1;
        if reviewers[i].as_deref() == Some(person) {
            theirs.extend(wait_h[i]);
            if let Some(hours) = blocking_h[i] {
                *result.blocking_hours.get_or_insert(0.0) += hours;
                if let Some(url) = &urls[i] {
                    blocking.push((hours, url.clone()));
                }
            }
        } else {
            others.extend(wait_h[i]);
        }
    }
    if result.requests > 0 {
        result.blocking_hours.get_or_insert(0.0);
    }
    blocking.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    result.links = blocking.into_iter().map(|(_, url)| url).collect();
    result.links.dedup();
    result.median_wait_h = median(theirs);
    result.others_median_wait_h = median(others);
    Ok(result)
}

/// The median working-time wait of the review requests of the team's PRs over the
/// `window_months` ending with the month: on the person, and on everyone else asked (wall-clock
/// hours where the working time is unknown).
fn window_waits(
    input: &DetectorInput,
    team: &str,
    person: &str,
    window_months: usize,
) -> PolarsResult<(Option<f64>, Option<f64>)> {
    let waits = input.metrics.get(Metric::ReviewWaits);
    if waits.height() == 0 {
        return Ok((None, None));
    }
    let months = input.month.trailing(window_months.max(1));
    let frame = waits
        .clone()
        .lazy()
        .filter(col("team").eq(lit(team)).and(in_months(&months)))
        .select([
            col("reviewer"),
            col("wait_wh").fill_null(col("wait_h")).alias("wait"),
        ])
        .collect()?;
    let reviewers = str_values(&frame, "reviewer")?;
    let (mut theirs, mut others) = (Vec::new(), Vec::new());
    for (reviewer, wait) in reviewers.iter().zip(f64_values(&frame, "wait")?) {
        let Some(wait) = wait else { continue };
        if reviewer.as_deref() == Some(person) {
            theirs.push(wait);
        } else {
            others.push(wait);
        }
    }
    Ok((median(theirs), median(others)))
}

struct Pickup {
    present: Option<f64>,
    away: Option<f64>,
    weeks_away: usize,
}

/// Median pickup of the team's PRs (not the person's own) that became ready in weeks the person
/// reviewed something, against weeks they reviewed nothing, over the month and the two before.
fn pickup_when_away(input: &DetectorInput, team: &str, person: &str) -> PolarsResult<Pickup> {
    let (start, end) = micros_span(input.month.trailing(3)[0], input.month);
    let in_window = |name: &str| within(name, (start, end));
    let present_weeks: BTreeSet<i64> = match input.tables.get("reviews") {
        Some(reviews) => {
            let frame = reviews
                .clone()
                .filter(
                    col("reviewer")
                        .eq(lit(person))
                        .and(in_window("submitted_at")),
                )
                .select([col("submitted_at").cast(DataType::Int64)])
                .collect()?;
            frame
                .column("submitted_at")?
                .i64()?
                .iter()
                .flatten()
                .map(week_of)
                .collect()
        }
        None => BTreeSet::new(),
    };
    let prs = input
        .metrics
        .get(Metric::PrPhases)
        .clone()
        .lazy()
        .filter(
            col("team")
                .eq(lit(team))
                .and(col("author").neq(lit(person)))
                .and(in_window("ready_at")),
        )
        .select([col("ready_at").cast(DataType::Int64), col("pickup_h")])
        .collect()?;
    let ready = prs.column("ready_at")?.i64()?;
    let pickup = f64_values(&prs, "pickup_h")?;
    let mut present = Vec::new();
    let mut away = Vec::new();
    let mut away_weeks = BTreeSet::new();
    for (ready_at, pickup_h) in ready.iter().zip(pickup) {
        let (Some(ready_at), Some(pickup_h)) = (ready_at, pickup_h) else {
            continue;
        };
        let week = week_of(ready_at);
        if present_weeks.contains(&week) {
            present.push(pickup_h);
        } else {
            away.push(pickup_h);
            away_weeks.insert(week);
        }
    }
    Ok(Pickup {
        present: median(present),
        away: median(away),
        weeks_away: away_weeks.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits(theirs: Option<f64>, others: Option<f64>) -> Waits {
        Waits {
            blocking_hours: None,
            median_wait_h: None,
            others_median_wait_h: None,
            requests: 0,
            links: Vec::new(),
            window_wait_wh: theirs,
            window_others_wait_wh: others,
        }
    }

    /// A reviewer asked first who answers as soon as the others is no gate; one the team's PRs
    /// wait on twice as long is; without review requests (git) the approvals decide alone.
    #[test]
    fn a_gate_is_what_the_prs_wait_on() {
        assert!(!waits(Some(3.2), Some(3.0)).make_prs_wait(2.0));
        assert!(!waits(Some(0.2), Some(20.0)).make_prs_wait(2.0));
        assert!(waits(Some(9.0), Some(3.0)).make_prs_wait(2.0));
        assert!(waits(None, None).make_prs_wait(2.0));
        assert!(waits(Some(9.0), None).make_prs_wait(2.0));
        assert!(
            waits(Some(1.0), Some(3.0)).make_prs_wait(0.0),
            "0 turns the rule off"
        );
    }
}
