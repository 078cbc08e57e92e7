#![doc = include_str!("wont_let_go.md")]

use polars::prelude::*;

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{f64_values, for_month, str_values};
use crate::common::time::within;
use crate::metrics::Metric;

pub struct WontLetGo;

impl Detector for WontLetGo {
    fn kind(&self) -> FindingKind {
        FindingKind::WontLetGo
    }

    fn explain(&self) -> &'static str {
        include_str!("wont_let_go.md")
    }

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        // Module knowledge, shared with `knowledge_silo`, over its window.
        config.thresholds.knowledge_silo.window_months.max(1) - 1
    }

    fn missing(&self, input: &DetectorInput) -> PolarsResult<Option<String>> {
        Ok(super::no_manager(input.roster))
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.wont_let_go;
        let span = input.span();
        let mut outcome = Outcome::default();
        let phases = for_month(input.metrics.get(Metric::PrPhases), input.month)?;
        if phases.height() == 0 {
            return Ok(outcome);
        }
        let teams = str_values(&phases, "team")?;
        let authors = str_values(&phases, "author")?;
        let approvals = f64_values(&phases, "approvals")?;
        let urls = str_values(&phases, "url")?;
        let modules = input.module_knowledge()?;
        for team in input.roster.teams() {
            let rows: Vec<usize> = (0..phases.height())
                .filter(|i| teams[*i].as_deref() == Some(team))
                .collect();
            for manager in input.roster.managers(team) {
                if rows.len() < t.min_team_prs {
                    outcome.not_judged.push(NotJudged {
                        kind: FindingKind::WontLetGo,
                        month: None,
                        subject: manager.to_string(),
                        reason: format!(
                            "{} merged PRs in {team} (at least {} needed)",
                            rows.len(),
                            t.min_team_prs
                        ),
                    });
                    continue;
                }
                let own: Vec<usize> = rows
                    .iter()
                    .copied()
                    .filter(|i| authors[*i].as_deref() == Some(manager))
                    .collect();
                let share = own.len() as f64 / rows.len() as f64;
                // Or against the team's median engineer: a share of the team's PRs shrinks as
                // the team grows, what one person writes does not.
                let median_engineer = median_engineer_prs(input, team, &rows, &authors);
                let ratio = own.len() as f64 / median_engineer.max(1.0);
                if share < t.author_share && ratio < t.median_engineer_ratio {
                    continue;
                }
                let unapproved: Vec<usize> = own
                    .iter()
                    .copied()
                    .filter(|i| approvals[*i].unwrap_or(0.0) == 0.0)
                    .collect();
                let dismissals = dismissals_by(input, manager, span)?;
                let silo = modules
                    .iter()
                    .filter(|m| {
                        m.truck_factor == 1
                            && m.holders.first().map(String::as_str) == Some(manager)
                    })
                    .map(|m| (m, m.change_share(manager)))
                    .filter(|(_, s)| *s >= t.silo_change_share)
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                let signs = [
                    unapproved.len() >= t.unapproved_merges,
                    dismissals >= t.dismissals,
                    silo.is_some(),
                ];
                let count = signs.iter().filter(|s| **s).count();
                if count == 0 {
                    continue;
                }
                let mut evidence = Evidence::default();
                evidence
                    .figure("team_merged_prs", rows.len())
                    .figure("manager_merged_prs", own.len())
                    .rounded("median_engineer_merged_prs", Some(median_engineer), 1)
                    .rounded("manager_prs_against_median_engineer", Some(ratio), 2)
                    .rounded("manager_share_of_merged_prs", Some(share), 3)
                    .figure("merged_without_approval", unapproved.len())
                    .figure("reviews_dismissed", dismissals);
                if let Some((module, change_share)) = silo {
                    evidence
                        .figure(
                            "module_only_they_know",
                            format!("{}:{}", module.repo, module.module),
                        )
                        .rounded("their_share_of_its_changes", Some(change_share), 3);
                }
                evidence.links = unapproved
                    .iter()
                    .filter_map(|i| urls[*i].clone())
                    .take(input.config.report.evidence_links)
                    .collect();
                let mut described = Vec::new();
                if signs[0] {
                    described.push(format!(
                        "merged {} of their own PRs without an approval",
                        unapproved.len()
                    ));
                }
                if signs[1] {
                    described.push(format!("dismissed {dismissals} reviews of others"));
                }
                if let Some((module, change_share)) = silo {
                    described.push(format!(
                        "made {:.0} % of the changes to {}, which only they know",
                        change_share * 100.0,
                        module.module
                    ));
                }
                let month = input.month;
                outcome.findings.push(Finding {
                    kind: FindingKind::WontLetGo,
                    subject: manager.to_string(),
                    period: month.into(),
                    severity: if count >= 2 {
                        Severity::Alert
                    } else {
                        Severity::Warn
                    },
                    headline: format!(
                        "In {month}, {manager} (manager of {team}) authored {} of the team's {} \
                         merged PRs ({:.0} %) and {}.",
                        own.len(),
                        rows.len(),
                        share * 100.0,
                        described.join(", ")
                    ),
                    evidence,
                    question: format!(
                        "Which parts of {team_s} code could the team own without {manager}, and \
                         what would it take to hand the next change there to someone else?",
                        team_s = super::possessive(team),
                    ),
                    basis: Basis {
                        prs: rows.len(),
                        reviews: 0,
                        tickets: 0,
                        ..Basis::default()
                    },
                });
            }
        }
        Ok(outcome)
    }
}

/// The merged PRs of the month of the team's median engineer (its members other than managers
/// and bots, those who merged nothing included); the team's rows are `rows` of `authors`.
fn median_engineer_prs(
    input: &DetectorInput,
    team: &str,
    rows: &[usize],
    authors: &[Option<String>],
) -> f64 {
    let managers = input.roster.managers(team);
    let mut counts: std::collections::BTreeMap<&str, f64> = input
        .roster
        .members(team)
        .into_iter()
        .filter(|m| !managers.contains(m) && !input.roster.is_bot(m))
        .map(|m| (m, 0.0))
        .collect();
    for author in rows.iter().filter_map(|i| authors[*i].as_deref()) {
        if let Some(n) = counts.get_mut(author) {
            *n += 1.0;
        }
    }
    super::stats::median(counts.into_values()).unwrap_or(0.0)
}

/// Reviews the person dismissed in the span (`review_dismissed` timeline events).
fn dismissals_by(input: &DetectorInput, person: &str, span: (i64, i64)) -> PolarsResult<usize> {
    crate::common::frame::count_rows(
        input.table("pr_events").filter(
            col("kind")
                .eq(lit("review_dismissed"))
                .and(col("actor").eq(lit(person)))
                .and(within("at", span)),
        ),
    )
}
