#![doc = include_str!("micromanagement.md")]

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::stats::median;
use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
    review_rows, reviews_of_prs_reviewed_in, signal,
};
use crate::common::frame::{i64_values, str_values};
use crate::common::time::within;

pub struct Micromanagement;

/// Per person: the distinct PRs or tickets behind each signal.
#[derive(Default)]
struct Counts {
    reviewed: BTreeSet<(String, i64)>,
    changes_after_approval: BTreeSet<(String, i64)>,
    commits_on_others: BTreeSet<(String, i64)>,
    rewrites: BTreeSet<String>,
    reassignments: BTreeSet<String>,
}

impl Detector for Micromanagement {
    fn kind(&self) -> FindingKind {
        FindingKind::Micromanagement
    }

    fn explain(&self) -> &'static str {
        include_str!("micromanagement.md")
    }

    fn lookback_months(&self, _config: &crate::config::Config) -> usize {
        // The month's reviews and changes; older reviews of the same PRs come with their PRs.
        0
    }

    fn missing(&self, input: &DetectorInput) -> PolarsResult<Option<String>> {
        Ok(super::no_manager(input.roster))
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.micromanagement;
        let span = input.span();
        let mut outcome = Outcome::default();
        let reviews = review_rows(&reviews_of_prs_reviewed_in(input, span)?)?;
        let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
        // Team PRs reviewed in the month, by the author's team.
        let mut team_prs: BTreeMap<String, BTreeSet<(String, i64)>> = BTreeMap::new();
        let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut approved_by: BTreeMap<(String, i64), Vec<(String, i64)>> = BTreeMap::new();
        let mut author_of: BTreeMap<(String, i64), &str> = BTreeMap::new();
        // Reviews given in the month, per PR: what a team's finding rests on.
        let mut reviews_in_span: BTreeMap<(String, i64), usize> = BTreeMap::new();
        for review in &reviews {
            let key = (review.repo.clone(), review.number);
            author_of.insert(key.clone(), review.author.as_str());
            if review.in_span {
                *reviews_in_span.entry(key.clone()).or_default() += 1;
            }
            if review.in_span
                && let Some(team) = input.roster.team_of(&review.author)
            {
                team_prs
                    .entry(team.to_string())
                    .or_default()
                    .insert(key.clone());
                let mine = counts.entry(review.reviewer.clone()).or_default();
                mine.reviewed.insert(key.clone());
                let peer_approved_before = approved_by.get(&key).is_some_and(|approvals| {
                    approvals
                        .iter()
                        .any(|(who, at)| *who != review.reviewer && *at < review.submitted_us)
                });
                if review.state == "changes_requested" && peer_approved_before {
                    mine.changes_after_approval.insert(key.clone());
                    if let Some(url) = &review.url {
                        links
                            .entry(review.reviewer.clone())
                            .or_default()
                            .push(url.clone());
                    }
                }
            }
            if review.state == "approved" {
                approved_by
                    .entry(key)
                    .or_default()
                    .push((review.reviewer.clone(), review.submitted_us));
            }
        }
        commits_on_others(input, span, &mut counts, &mut links)?;
        ticket_changes(input, span, &mut counts)?;
        let tickets_by_team = tickets_touched(input, span)?;

        for team in input.roster.teams() {
            for manager in input.roster.managers(team) {
                let members: Vec<&str> = input
                    .roster
                    .members(team)
                    .into_iter()
                    .filter(|m| *m != manager)
                    .collect();
                let prs: BTreeSet<&(String, i64)> = team_prs
                    .get(team)
                    .map(|prs| prs.iter().collect())
                    .unwrap_or_default();
                // The manager's own PRs are not theirs to micromanage.
                let prs: BTreeSet<&(String, i64)> = prs
                    .into_iter()
                    .filter(|key| author_of.get(*key) != Some(&manager))
                    .collect();
                let others_prs = prs.len();
                if members.len() + 1 < t.min_team_size || others_prs < t.min_team_prs {
                    outcome.not_judged.push(NotJudged {
                        kind: FindingKind::Micromanagement,
                        month: None,
                        subject: manager.to_string(),
                        reason: format!(
                            "{others_prs} reviewed PRs of others in {team} (at least {} needed) \
                             and {} people in the team (at least {} needed)",
                            t.min_team_prs,
                            members.len() + 1,
                            t.min_team_size
                        ),
                    });
                    continue;
                }
                let tickets = tickets_by_team.get(team).copied().unwrap_or(0).max(1) as f64;
                let denominator = others_prs.max(1) as f64;
                let shares = |person: &str| -> [f64; 5] {
                    let Some(c) = counts.get(person) else {
                        return [0.0; 5];
                    };
                    let in_team = |set: &BTreeSet<(String, i64)>| {
                        set.iter().filter(|k| prs.contains(k)).count() as f64
                    };
                    [
                        in_team(&c.reviewed) / denominator,
                        in_team(&c.changes_after_approval) / denominator,
                        in_team(&c.commits_on_others) / denominator,
                        c.rewrites.len() as f64 / tickets,
                        c.reassignments.len() as f64 / tickets,
                    ]
                };
                let mine = shares(manager);
                let normal: Vec<Option<f64>> = (0..5)
                    .map(|i| median(members.iter().map(|m| shares(m)[i])))
                    .collect();
                let limits = [
                    t.review_share,
                    t.changes_after_approval_share,
                    t.commits_on_others_share,
                    t.ticket_rewrite_share,
                    t.reassignment_share,
                ];
                let over: Vec<bool> = mine
                    .iter()
                    .zip(limits)
                    .map(|(value, limit)| *value >= limit && *value > 0.0)
                    .collect();
                let signals = over.iter().filter(|o| **o).count();
                if signals < t.min_signals {
                    continue;
                }
                let names = [
                    "review_share",
                    "changes_after_peer_approval_share",
                    "commits_on_others_prs_share",
                    "ticket_rewrite_share",
                    "reassignment_share",
                ];
                let mut evidence = Evidence::default();
                for i in 0..5 {
                    signal(&mut evidence, names[i], mine[i], normal[i], over[i]);
                }
                evidence
                    .figure("signals_over_threshold", signals)
                    .figure("team_prs_reviewed", others_prs)
                    .figure("team_tickets_changed", tickets as usize);
                let mut urls = links.get(manager).cloned().unwrap_or_default();
                urls.sort();
                urls.dedup();
                urls.truncate(input.config.report.evidence_links);
                evidence.links = urls;
                let described: Vec<&str> = [
                    "reviewed most of the team's PRs",
                    "asked for changes after peers had approved",
                    "pushed commits to others' PRs",
                    "rewrote others' tickets",
                    "re-assigned others' tickets",
                ]
                .iter()
                .zip(&over)
                .filter(|(_, o)| **o)
                .map(|(d, _)| *d)
                .collect();
                let month = input.month;
                outcome.findings.push(Finding {
                    kind: FindingKind::Micromanagement,
                    subject: manager.to_string(),
                    period: month.into(),
                    severity: if signals >= 4 {
                        Severity::Alert
                    } else {
                        Severity::Warn
                    },
                    headline: format!(
                        "In {month}, {manager} (manager of {team}) {}: {signals} of 5 control \
                         signals at once (reviewed {:.0} % of the team's PRs; the team's normal \
                         is {:.0} %).",
                        described.join(", "),
                        mine[0] * 100.0,
                        normal[0].unwrap_or(0.0) * 100.0
                    ),
                    evidence,
                    question: format!(
                        "Which decisions on {team_s} PRs and tickets could the people doing the \
                         work make themselves, and what would {manager} need to see to trust that?",
                        team_s = super::possessive(team),
                    ),
                    basis: Basis {
                        prs: others_prs,
                        // The reviews of those PRs in the month, not every review the
                        // organisation gave.
                        reviews: prs
                            .iter()
                            .map(|key| reviews_in_span.get(*key).copied().unwrap_or(0))
                            .sum(),
                        tickets: tickets as usize,
                        ..Basis::default()
                    },
                });
            }
        }
        Ok(outcome)
    }
}

/// Non-merge commits in the span pushed by someone other than the PR's author.
fn commits_on_others(
    input: &DetectorInput,
    span: (i64, i64),
    counts: &mut BTreeMap<String, Counts>,
    links: &mut BTreeMap<String, Vec<String>>,
) -> PolarsResult<()> {
    let commits = input
        .table("pr_commits")
        .filter(within("authored_at", span).and(col("is_merge").fill_null(lit(false)).not()))
        .select([col("repo"), col("number"), col("author").alias("pusher")])
        .join(
            input.table("pull_requests").select([
                col("repo"),
                col("number"),
                col("author"),
                col("url"),
            ]),
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("pusher").neq(col("author")))
        .unique(
            Some(cols(["repo", "number", "pusher"])),
            UniqueKeepStrategy::First,
        )
        .collect()?;
    let repos = str_values(&commits, "repo")?;
    let numbers = i64_values(&commits, "number")?;
    let pushers = str_values(&commits, "pusher")?;
    let urls = str_values(&commits, "url")?;
    for i in 0..commits.height() {
        let (Some(repo), Some(number), Some(pusher)) = (&repos[i], numbers[i], &pushers[i]) else {
            continue;
        };
        counts
            .entry(pusher.clone())
            .or_default()
            .commits_on_others
            .insert((repo.clone(), number));
        if let Some(url) = &urls[i] {
            links.entry(pusher.clone()).or_default().push(url.clone());
        }
    }
    Ok(())
}

/// Title and description rewrites and re-assignments of tickets assigned to someone else.
fn ticket_changes(
    input: &DetectorInput,
    span: (i64, i64),
    counts: &mut BTreeMap<String, Counts>,
) -> PolarsResult<()> {
    let changes = input
        .table("issue_events")
        .filter(
            within("at", span).and(
                col("field").is_in(
                    lit(Series::new(
                        "fields".into(),
                        ["title", "description", "assignee"],
                    ))
                    .implode(true),
                    false,
                ),
            ),
        )
        .select([col("key"), col("actor"), col("field"), col("from")])
        .join(
            input.table("issues").select([col("key"), col("assignee")]),
            [col("key")],
            [col("key")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("actor").neq(col("assignee").fill_null(lit(""))))
        .collect()?;
    let keys = str_values(&changes, "key")?;
    let actors = str_values(&changes, "actor")?;
    let fields = str_values(&changes, "field")?;
    let froms = str_values(&changes, "from")?;
    for i in 0..changes.height() {
        let (Some(key), Some(actor), Some(field)) = (&keys[i], &actors[i], &fields[i]) else {
            continue;
        };
        let entry = counts.entry(actor.clone()).or_default();
        match field.as_str() {
            "assignee" if froms[i].is_some() => {
                entry.reassignments.insert(key.clone());
            }
            "title" | "description" => {
                entry.rewrites.insert(key.clone());
            }
            _ => {}
        }
    }
    Ok(())
}

/// Tickets (by their assignee's team) with any change in the span.
fn tickets_touched(
    input: &DetectorInput,
    span: (i64, i64),
) -> PolarsResult<BTreeMap<String, usize>> {
    let touched = input
        .table("issue_events")
        .filter(within("at", span))
        .select([col("key")])
        .unique(None, UniqueKeepStrategy::First)
        .join(
            input.table("issues").select([col("key"), col("assignee")]),
            [col("key")],
            [col("key")],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let mut by_team: BTreeMap<String, usize> = BTreeMap::new();
    for assignee in str_values(&touched, "assignee")?.into_iter().flatten() {
        if let Some(team) = input.roster.team_of(&assignee) {
            *by_team.entry(team.to_string()).or_default() += 1;
        }
    }
    Ok(by_team)
}
