//! A finding as the report and the retro say it: what it rests on and what its links are, in
//! words. The detector's own fields stay as they are (they are `report.json`'s contract); what is
//! added here is wording, never a judgement.

use serde::Serialize;

use crate::detect::{Finding, FindingKind};

/// A finding with the words the report shows around it. Serialized flat: the finding's own
/// fields, then these.
#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// The team it is about: the team of a `team:` subject, or the person's primary team
    /// (empty when the roster gives none). What a per-team view groups by.
    pub team: String,
    /// What the evidence links are: "Pull requests behind it", "Tickets behind it", or both.
    pub links_label: String,
    /// "Based on 53 PRs, 121 reviews of them and 48 tickets, 2026-10-01 to 2026-10-31."
    pub basis_text: String,
}

impl ReportFinding {
    /// `team` is the team the finding is about (see [`ReportFinding::team`]).
    pub fn new(finding: Finding, team: String) -> ReportFinding {
        ReportFinding {
            links_label: links_label(&finding.evidence.links),
            basis_text: basis_text(&finding),
            team,
            finding,
        }
    }
}

/// Whether a link is to a ticket (Jira, GitHub issues, Linear) rather than to a change under
/// review (a pull request, or a Gerrit, Phabricator or Rietveld change).
fn is_ticket(url: &str) -> bool {
    url.contains("/browse/") || url.contains("/issues/") || url.contains("linear.app/")
}

/// How the list of a finding's links is introduced: by what they are.
pub fn links_label(links: &[String]) -> String {
    let tickets = links.iter().filter(|l| is_ticket(l)).count();
    match (tickets, links.len() - tickets) {
        (0, _) => "Pull requests behind it",
        (_, 0) => "Tickets behind it",
        _ => "Pull requests and tickets behind it",
    }
    .to_string()
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a finding rests on, in a sentence: only the counts it has (an overload finding rests on
/// tickets, not "0 PRs"), each named for what the detector counted.
pub fn basis_text(finding: &Finding) -> String {
    let basis = &finding.basis;
    let mut parts = Vec::new();
    if basis.actions > 0 {
        parts.push(format!(
            "{} (commits, reviews, PRs, comments, ticket changes) over the month and its baseline",
            count(basis.actions, "action", "actions")
        ));
    } else {
        if basis.prs > 0 {
            parts.push(match finding.kind {
                FindingKind::RubberStampReview => count(
                    basis.prs,
                    "approval of a large PR",
                    "approvals of large PRs",
                ),
                FindingKind::KnowledgeSilo => {
                    let changes = count(basis.prs, "change", "changes");
                    match finding.evidence.figures.get("window_months") {
                        Some(months) => {
                            format!("{changes} to its modules over the last {months} months")
                        }
                        None => format!("{changes} to its modules"),
                    }
                }
                FindingKind::OutputOutcomeDivergence => format!(
                    "{} over the month and its baseline",
                    count(basis.prs, "merged PR", "merged PRs")
                ),
                _ => count(basis.prs, "PR", "PRs"),
            });
        }
        if basis.reviews > 0 {
            match finding.kind {
                // The same approvals the PRs count: said once.
                FindingKind::RubberStampReview => {}
                FindingKind::ReviewBottleneck => {
                    parts.push(count(basis.reviews, "review request", "review requests"))
                }
                FindingKind::AbsenteeManager => parts.push(count(
                    basis.reviews,
                    "visible action of the manager",
                    "visible actions of the manager",
                )),
                FindingKind::Micromanagement => {
                    parts.push(count(basis.reviews, "review of them", "reviews of them"))
                }
                _ => parts.push(count(basis.reviews, "review", "reviews")),
            }
        }
        if basis.tickets > 0 {
            parts.push(count(basis.tickets, "ticket", "tickets"));
        }
    }
    let rests_on = match parts.len() {
        0 => String::new(),
        1 => format!("Based on {}, ", parts[0]),
        n => format!(
            "Based on {} and {}, ",
            parts[..n - 1].join(", "),
            parts[n - 1]
        ),
    };
    let period = format!("{} to {}.", finding.period.from, finding.period.to);
    if rests_on.is_empty() {
        format!("Covers {period}")
    } else {
        rests_on + &period
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Basis, Evidence, Period, Severity};

    fn finding(kind: FindingKind, basis: Basis, links: &[&str]) -> Finding {
        Finding {
            kind,
            subject: "team:mobile".into(),
            period: Period {
                from: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                to: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            },
            severity: Severity::Alert,
            headline: String::new(),
            evidence: Evidence {
                figures: Default::default(),
                links: links.iter().map(|l| l.to_string()).collect(),
            },
            question: String::new(),
            basis,
        }
    }

    /// Overload's links are tickets, and it rests on tickets alone: it once said "Pull requests
    /// behind it" and "Based on 0 PRs and 182 tickets".
    #[test]
    fn overload_is_said_to_rest_on_tickets_and_its_links_are_called_tickets() {
        let overload = finding(
            FindingKind::Overload,
            Basis {
                tickets: 182,
                ..Basis::default()
            },
            &[
                "https://acme.atlassian.net/browse/MOBI-466",
                "https://linear.app/acme/issue/MOB-3/slow-start",
            ],
        );
        let shown = ReportFinding::new(overload, "mobile".into());
        assert_eq!(shown.links_label, "Tickets behind it");
        assert_eq!(
            shown.basis_text,
            "Based on 182 tickets, 2026-10-01 to 2026-10-31."
        );
    }

    #[test]
    fn review_links_are_pull_requests_and_each_count_is_named_for_what_it_counts() {
        let micromanagement = finding(
            FindingKind::Micromanagement,
            Basis {
                prs: 53,
                reviews: 121,
                tickets: 1,
                ..Basis::default()
            },
            &[
                "https://github.com/acme/search-api/pull/355",
                "https://go-review.googlesource.com/c/net/+/1000",
            ],
        );
        assert_eq!(
            basis_text(&micromanagement),
            "Based on 53 PRs, 121 reviews of them and 1 ticket, 2026-10-01 to 2026-10-31."
        );
        assert_eq!(
            links_label(&micromanagement.evidence.links),
            "Pull requests behind it"
        );
        assert_eq!(
            links_label(&[
                "https://github.com/acme/api/pull/1".into(),
                "https://github.com/acme/api/issues/2".into()
            ]),
            "Pull requests and tickets behind it"
        );
        let bottleneck = finding(
            FindingKind::ReviewBottleneck,
            Basis {
                prs: 51,
                reviews: 103,
                ..Basis::default()
            },
            &[],
        );
        assert_eq!(
            basis_text(&bottleneck),
            "Based on 51 PRs and 103 review requests, 2026-10-01 to 2026-10-31."
        );
        let burnout = finding(
            FindingKind::BurnoutRisk,
            Basis {
                actions: 680,
                ..Basis::default()
            },
            &[],
        );
        assert_eq!(
            basis_text(&burnout),
            "Based on 680 actions (commits, reviews, PRs, comments, ticket changes) over the \
             month and its baseline, 2026-10-01 to 2026-10-31."
        );
    }
}
