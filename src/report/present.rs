//! A finding as the report and the retro say it: a heading that says what was seen, the figures
//! that decide it in words (each with its unit, its threshold and the usual level beside it, from
//! [`crate::detect::figures`]), the figures that argue against it said in sentences, what it rests
//! on and what its links are. The detector's own fields stay as they are (they are
//! `report.json`'s contract); what is added here is wording, never a judgement.

use serde::Serialize;
use serde_json::Value;

use crate::config::Thresholds;
use crate::detect::figures::{self, Bound, Figure, Unit};
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
    /// What was seen, as a heading: "Most of payments' merges waited for mira".
    pub title: String,
    /// The figures of its evidence table, most important first.
    pub figures_shown: Vec<ShownFigure>,
    /// Figures that weaken it (or settle a doubt), each said in a sentence.
    pub notes: Vec<String>,
    /// The two or three figures that decide it, in a sentence: what the summary says.
    pub deciding: String,
    /// What the evidence links are: "Pull requests behind it", "Tickets behind it", or both.
    pub links_label: String,
    /// "Based on 53 PRs, 121 reviews of them and 48 tickets, 2026-10-01 to 2026-10-31."
    pub basis_text: String,
}

/// One figure as the evidence table shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ShownFigure {
    /// The detector's name for it (a key of `evidence.figures`).
    pub name: String,
    pub label: String,
    /// With its unit: `74 %`, `27.7 h`, `35 PRs`.
    pub value: String,
    /// `60 % or more`; empty when the figure is held to none.
    pub threshold: String,
    /// Whether the value is past its threshold; `None` without one.
    pub reached: Option<bool>,
    /// The usual level, with its unit; empty when there is none.
    pub usual: String,
    /// Whose usual level it is: `the rest of the team`, `other teams`.
    pub usual_whose: String,
}

impl ShownFigure {
    /// `Share of the team's PRs they reviewed: 74 % (threshold 60 % or more; the rest of the
    /// team: 24 %)`.
    pub fn sentence(&self) -> String {
        let mut context = Vec::new();
        if !self.threshold.is_empty() {
            let missed = if self.reached == Some(false) {
                ", not reached"
            } else {
                ""
            };
            context.push(format!("threshold {}{missed}", self.threshold));
        }
        if !self.usual.is_empty() {
            context.push(format!("{}: {}", self.usual_whose, self.usual));
        }
        if context.is_empty() {
            format!("{}: {}", self.label, self.value)
        } else {
            format!("{}: {} ({})", self.label, self.value, context.join("; "))
        }
    }
}

impl ReportFinding {
    /// `team` is the team the finding is about (see [`ReportFinding::team`]), `thresholds` the
    /// ones the detectors ran with.
    pub fn new(finding: Finding, team: String, thresholds: &Thresholds) -> ReportFinding {
        let figures_shown = shown_figures(&finding, thresholds);
        let deciding = deciding(&figures_shown);
        ReportFinding {
            title: title(&finding, &team),
            notes: notes(&finding, &team, &figures_shown),
            figures_shown,
            deciding,
            links_label: links_label(&finding.evidence.links),
            basis_text: basis_text(&finding),
            team,
            finding,
        }
    }
}

/// `payments'`, `search's`.
fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

fn figure_number(finding: &Finding, name: &str) -> Option<f64> {
    finding.evidence.figures.get(name).and_then(number)
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|v| v.is_finite()),
        Value::String(s) => s.parse::<f64>().ok().filter(|v| v.is_finite()),
        _ => None,
    }
}

/// What was seen, as a heading: an observation about the team or the person, not a verdict.
pub fn title(finding: &Finding, team: &str) -> String {
    let person = finding.subject.as_str();
    let team_name = if team.is_empty() { "the team" } else { team };
    let teams = if team.is_empty() {
        "their team's".to_string()
    } else {
        possessive(team)
    };
    let over = |name: &str| {
        finding
            .evidence
            .figures
            .get(&format!("{name}_over_threshold"))
            == Some(&Value::Bool(true))
    };
    match finding.kind {
        FindingKind::ReviewBottleneck => format!("Most of {teams} merges waited for {person}"),
        FindingKind::Micromanagement if over("review_share") => format!(
            "{person}, manager of {team_name}, reviewed most of its PRs and changed others' work"
        ),
        FindingKind::Micromanagement => {
            format!("{person}, manager of {team_name}, changed others' PRs and tickets")
        }
        FindingKind::AbsenteeManager => {
            format!("{teams} work waited while its manager, {person}, was seldom seen")
        }
        FindingKind::WontLetGo => {
            format!("{person}, manager of {team_name}, still writes and gates much of its code")
        }
        FindingKind::Overload => format!("{team_name} took on more than it finished"),
        FindingKind::BurnoutRisk => {
            format!(
                "{} work moved into evenings and weekends",
                possessive(person)
            )
        }
        FindingKind::KnowledgeSilo => {
            let modules = finding
                .evidence
                .figures
                .keys()
                .filter(|n| figures::is_module(n))
                .count();
            match modules {
                1 => format!("One of {teams} modules is known by one person only"),
                n => format!("{n} of {teams} modules are known by one person only"),
            }
        }
        FindingKind::AttritionRisk => match finding.evidence.figures.get("stopped") {
            Some(Value::Bool(true)) => match finding.evidence.figures.get("last_activity") {
                Some(Value::String(day)) => format!("{person} has not been active since {day}"),
                _ => format!("{person} has stopped being active"),
            },
            _ => format!("{person} has taken on far less work for two months"),
        },
        FindingKind::OutputOutcomeDivergence => {
            format!("{team_name} opened more PRs without shipping sooner or more safely")
        }
        FindingKind::RubberStampReview => {
            format!("{person} approved large PRs within minutes, without a comment")
        }
        FindingKind::AiOutputWithoutOutcome => {
            format!("{team_name}'s AI-assisted work rose, and more of it came back")
        }
    }
}
/// The figures of the evidence table, in the order of importance the figures table gives; a
/// knowledge silo's modules, one each.
fn shown_figures(finding: &Finding, thresholds: &Thresholds) -> Vec<ShownFigure> {
    let figures = &finding.evidence.figures;
    if finding.kind == FindingKind::KnowledgeSilo {
        let figure = figures::module_figure();
        return figures
            .iter()
            .filter(|(name, _)| figures::is_module(name))
            .map(|(name, module)| {
                let holder = module["holder"].as_str().unwrap_or_default();
                let label = figure
                    .label
                    .replace("{module}", name)
                    .replace("{holder}", holder);
                row(figure, name, label, &module[figure.name], None, thresholds)
            })
            .collect();
    }
    figures::of(finding.kind)
        .filter(|f| f.shown)
        .filter_map(|figure| {
            let value = figures.get(figure.name)?;
            if value.is_null() {
                return None;
            }
            let usual = figure.usual.and_then(|u| figures.get(u.figure));
            let label = fill(figure.label, finding);
            Some(row(figure, figure.name, label, value, usual, thresholds))
        })
        .collect()
}

/// A label with the figures it names (`{window_months}`) put in.
fn fill(label: &str, finding: &Finding) -> String {
    let mut text = label.to_string();
    while let Some(start) = text.find('{') {
        let Some(end) = text[start..].find('}').map(|e| start + e) else {
            break;
        };
        let name = &text[start + 1..end];
        let value = finding
            .evidence
            .figures
            .get(name)
            .map_or_else(String::new, plain);
        text.replace_range(start..=end, &value);
    }
    text
}

/// A value without a unit: `3`, `0.5`, `2026-10-09`.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(_) => number(value).map_or_else(String::new, |v| trim(v, 1)),
        other => other.to_string(),
    }
}

/// `3`, `2.5`: at most `digits` decimals, none when whole.
fn trim(value: f64, digits: usize) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.digits$}")
    }
}

fn row(
    figure: &Figure,
    name: &str,
    label: String,
    value: &Value,
    usual: Option<&Value>,
    thresholds: &Thresholds,
) -> ShownFigure {
    let threshold = figure.threshold.map(|t| (t, (t.value)(thresholds)));
    ShownFigure {
        name: name.to_string(),
        label,
        value: show(figure.unit, value),
        threshold: threshold.map_or_else(String::new, |(t, limit)| {
            bound_text(figure.unit, t.bound, limit)
        }),
        reached: threshold.and_then(|(t, _)| number(value).map(|v| t.reached(v, thresholds))),
        usual: usual
            .filter(|u| !u.is_null())
            .map_or_else(String::new, |u| show(figure.unit, u)),
        usual_whose: figure
            .usual
            .filter(|_| usual.is_some_and(|u| !u.is_null()))
            .map_or_else(String::new, |u| u.whose.to_string()),
    }
}

/// `60 % or more`, `3.0 tickets or fewer`, `more than 3.0 tickets`, `1 in 1,000 or rarer`.
fn bound_text(unit: Unit, bound: Bound, limit: f64) -> String {
    let shown = show_number(unit, limit);
    match (unit, bound) {
        (Unit::Chance, _) => format!("{shown} or rarer"),
        (_, Bound::AtLeast) => format!("{shown} or more"),
        (_, Bound::AtMost) => format!("{shown} or less"),
        (_, Bound::Above) => format!("more than {shown}"),
    }
}

/// A figure's value with its unit.
pub fn show(unit: Unit, value: &Value) -> String {
    match (unit, value) {
        (_, Value::Null) => "—".to_string(),
        (Unit::Shares, Value::Array(items)) => items
            .iter()
            .map(|v| show(Unit::Share, v))
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
        (Unit::Text, Value::String(s)) => s.clone(),
        _ => match number(value) {
            Some(v) => show_number(unit, v),
            None => plain(value),
        },
    }
}

fn percent(fraction: f64) -> String {
    // 0.445 is 44.5 %, shown as 45 % as the headlines round it, not as 44.4999… rounds.
    let p = (fraction * 100.0 * 1e6).round() / 1e6;
    if p.abs() < 10.0 && (p * 10.0).round() != 0.0 {
        format!("{:.1} %", (p * 10.0).round() / 10.0)
    } else {
        format!("{:.0} %", p.round())
    }
}

/// `1 PR`, `35 PRs`, `1 person`.
fn counted(n: f64, plural: &str) -> String {
    let number = trim(n, 1);
    if plural.is_empty() {
        return number;
    }
    let noun = match (n == 1.0, plural) {
        (false, _) => plural.to_string(),
        (true, "people") => "person".to_string(),
        (true, p) => p.strip_suffix('s').unwrap_or(p).to_string(),
    };
    format!("{number} {noun}")
}

fn show_number(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Share | Unit::Shares => percent(v),
        Unit::Change => {
            let sign = if v > 0.0 {
                "+"
            } else if v < 0.0 {
                "−"
            } else {
                ""
            };
            format!("{sign}{}", percent(v.abs()))
        }
        Unit::Hours if v >= 48.0 => format!("{:.1} d", v / 24.0),
        Unit::Hours => format!("{v:.1} h"),
        Unit::Minutes => format!("{} min", trim((v * 10.0).round() / 10.0, 1)),
        Unit::Count(noun) => counted(v.round(), noun),
        Unit::Rate("") => format!("{v:.2}"),
        Unit::Rate(noun) if v.abs() < 1.0 => format!("{v:.2} {noun}"),
        Unit::Rate(noun) => format!("{v:.1} {noun}"),
        Unit::Times => format!("{v:.1}×"),
        Unit::Text => trim(v, 3),
        Unit::Chance if v >= 0.01 => percent(v),
        Unit::Chance => {
            let odds = 1.0 / v.max(f64::MIN_POSITIVE);
            if odds >= 1e6 {
                format!("1 in {:.1} million", odds / 1e6)
            } else {
                // Two significant figures: 1 in 310,000, not 1 in 312,500.
                let scale = 10f64.powi(odds.log10().floor() as i32 - 1).max(1.0);
                format!(
                    "1 in {}",
                    thousands(((odds / scale).round() * scale) as u64)
                )
            }
        }
    }
}

/// `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The two figures that decide a finding, in a sentence, each with its threshold and usual
/// level: those past their threshold first, then those with a usual level beside them.
fn deciding(rows: &[ShownFigure]) -> String {
    let past = rows.iter().filter(|r| r.reached == Some(true));
    let usual = rows
        .iter()
        .filter(|r| r.reached != Some(true) && !r.usual.is_empty());
    let mut chosen: Vec<String> = past
        .chain(usual)
        .take(2)
        .map(ShownFigure::sentence)
        .collect();
    if chosen.is_empty() {
        chosen.extend(rows.first().map(ShownFigure::sentence));
    }
    for later in chosen.iter_mut().skip(1) {
        *later = lower_first(later);
    }
    if chosen.is_empty() {
        String::new()
    } else {
        format!("{}.", chosen.join("; "))
    }
}

/// What argues against a finding, or settles a doubt the figures raise, in sentences.
fn notes(finding: &Finding, team: &str, rows: &[ShownFigure]) -> Vec<String> {
    let mut notes = Vec::new();
    let person = finding.subject.as_str();
    let n = |name: &str| figure_number(finding, name);
    let hours = |v: f64| show_number(Unit::Hours, v);
    match finding.kind {
        FindingKind::ReviewBottleneck => {
            if let (Some(away), Some(present), Some(weeks)) = (
                n("pickup_p50_h_when_away"),
                n("pickup_p50_h_when_present"),
                n("weeks_away").filter(|w| *w > 0.0),
            ) {
                let time = counted(weeks, "weeks");
                if away <= present * 1.25 {
                    notes.push(format!(
                        "While {person} was away ({time}), first reviews came about as fast as \
                         while they were there ({} at the median, against {}): the team can \
                         review without them, which weakens the finding.",
                        hours(away),
                        hours(present)
                    ));
                } else {
                    notes.push(format!(
                        "While {person} was away ({time}), first reviews took {} at the median, \
                         against {} while they were there: the team waited longer without them.",
                        hours(away),
                        hours(present)
                    ));
                }
            }
            if let (Some(theirs), Some(others)) =
                (n("their_median_wait_h"), n("others_median_wait_h"))
                && theirs <= others
            {
                notes.push(format!(
                    "PRs waited no longer for {person}'s review than for others' ({} against \
                     {} at the median): the load is concentrated, the reviews are not slow.",
                    hours(theirs),
                    hours(others)
                ));
            }
        }
        FindingKind::AttritionRisk => {
            if let Some(off) = n("known_days_off_this_month").filter(|d| *d > 0.0) {
                notes.push(format!(
                    "{person} had {} of known time off this month: part of the quiet may be \
                     that.",
                    counted(off, "days")
                ));
            }
        }
        FindingKind::OutputOutcomeDivergence => {
            if let (Some(now), Some(before)) = (n("pr_failure_rate"), n("pr_failure_rate_baseline"))
                && now <= before
            {
                notes.push(format!(
                    "The share of merged PRs that failed did not rise ({} against {} before): what {} \
                     shipped was no less safe.",
                    percent(now),
                    percent(before),
                    if team.is_empty() { "the team" } else { team }
                ));
            }
            if let Some(change) = n("cycle_time_change").filter(|c| *c < 0.0) {
                notes.push(format!(
                    "Median cycle time fell ({}): the PRs got through faster, if not by as \
                     much as they shrank.",
                    show_number(Unit::Change, change)
                ));
            }
        }
        _ => {}
    }
    // A signal of a multi-signal detector that is not past its threshold counts for nothing.
    let missed: Vec<&ShownFigure> = rows.iter().filter(|r| r.reached == Some(false)).collect();
    if !missed.is_empty() {
        let said: Vec<String> = missed
            .iter()
            .map(|r| {
                format!(
                    "{} ({}, threshold {})",
                    lower_first(&r.label),
                    r.value,
                    r.threshold
                )
            })
            .collect();
        notes.push(format!(
            "Not past {}: {}; {} not count towards the finding.",
            if missed.len() == 1 {
                "its threshold"
            } else {
                "their thresholds"
            },
            said.join("; "),
            if missed.len() == 1 {
                "it does"
            } else {
                "they do"
            }
        ));
    }
    notes
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
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
                FindingKind::AiOutputWithoutOutcome => format!(
                    "{}, AI-assisted and other, over the months judged",
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

    fn with_figures(kind: FindingKind, subject: &str, figures: serde_json::Value) -> Finding {
        let mut f = finding(kind, Basis::default(), &[]);
        f.subject = subject.into();
        f.evidence.figures = serde_json::from_value(figures).unwrap();
        f
    }

    /// The demo's review bottleneck: a heading that says what was seen, the figures in words in
    /// order of importance with thresholds and usual levels, the internal factors left to
    /// report.json, and the pickup while mira was away — no slower — said as weakening it.
    #[test]
    fn a_bottleneck_is_headed_by_what_was_seen_and_its_evidence_is_in_words() {
        let bottleneck = with_figures(
            FindingKind::ReviewBottleneck,
            "mira",
            serde_json::json!({
                "approval_absence_factor": 1, "approval_gini": 0.404, "approval_share": 0.75,
                "approval_share_this_month": 0.7, "approved_prs": 35, "last_gate_prs": 35,
                "last_gate_share": 0.735, "merged_prs": 51, "others_median_wait_h": 10.7,
                "pickup_p50_h_when_away": 22.0, "pickup_p50_h_when_present": 20.1,
                "pr_hours_waiting_on_them": 2457.3, "prs_they_could_approve": 50,
                "team_size": 6, "their_median_wait_h": 27.7, "weeks_away": 2,
                "window_months": 3, "window_prs_they_could_approve": 136
            }),
        );
        let shown = ReportFinding::new(bottleneck, "payments".into(), &Thresholds::default());
        assert_eq!(shown.title, "Most of payments' merges waited for mira");
        let rows: Vec<String> = shown.figures_shown.iter().map(|r| r.sentence()).collect();
        assert_eq!(
            rows,
            [
                "Share of the team's merged PRs they approved, last 3 months: 75 % (threshold \
                 60 % or more)",
                "Share whose last approval before merge was theirs, last 3 months: 74 % \
                 (threshold 50 % or more)",
                "Share they approved this month: 70 % (threshold 40 % or more)",
                "Time the team's PRs waited on them alone (wall-clock): 2457 PR-hours",
                "Median wait for their review (wall-clock): 27.7 h (other reviewers: 10.7 h)",
            ]
        );
        let json = serde_json::to_string(&shown.figures_shown).unwrap();
        assert!(
            !json.contains("gini") && !json.contains("absence"),
            "{json}"
        );
        assert_eq!(
            shown.notes,
            [
                "While mira was away (2 weeks), first reviews came about as fast as while they \
              were there (22.0 h at the median, against 20.1 h): the team can review without \
              them, which weakens the finding."
            ]
        );
        assert_eq!(
            shown.deciding,
            "Share of the team's merged PRs they approved, last 3 months: 75 % (threshold 60 % \
             or more); share whose last approval before merge was theirs, last 3 months: 74 % \
             (threshold 50 % or more)."
        );
    }

    /// A signal short of its threshold is said not to count; units and rates read as such.
    #[test]
    fn a_signal_short_of_its_threshold_is_said_not_to_count() {
        let overload = with_figures(
            FindingKind::Overload,
            "team:mobile",
            serde_json::json!({
                "added_mid_sprint_share": 0.643, "signals_over_threshold": 3,
                "sprint_assignments": 112, "sprint_completion_ratio": 0.548,
                "tickets_created": 70, "unplanned_share": 0.2, "wip_agreement_per_person": 3,
                "wip_per_person_at_month_end": 6.4
            }),
        );
        let shown = ReportFinding::new(overload, "mobile".into(), &Thresholds::default());
        assert_eq!(shown.title, "mobile took on more than it finished");
        let wip = &shown.figures_shown[1];
        assert_eq!(
            (wip.value.as_str(), wip.threshold.as_str(), wip.reached),
            ("6.4 tickets", "more than 3.0 tickets", Some(true))
        );
        assert_eq!(shown.figures_shown[2].reached, Some(false));
        assert_eq!(
            shown.notes,
            [
                "Not past its threshold: share of sprint tickets done by the sprint's end (55 %, \
              threshold 35 % or less); it does not count towards the finding."
            ]
        );
        assert_eq!(
            show(Unit::Chance, &serde_json::json!("3.6e-7")),
            "1 in 2.8 million"
        );
        assert_eq!(
            show(Unit::Chance, &serde_json::json!("3.2e-6")),
            "1 in 310,000"
        );
        assert_eq!(
            show(Unit::Rate("actions"), &serde_json::json!(0.35)),
            "0.35 actions"
        );
        assert_eq!(show(Unit::Share, &serde_json::json!(0.445)), "45 %");
        assert_eq!(show(Unit::Share, &serde_json::json!(0.083)), "8.3 %");
        assert_eq!(show(Unit::Count("PRs"), &serde_json::json!(1)), "1 PR");
        assert_eq!(show(Unit::Change, &serde_json::json!(-0.543)), "−54 %");
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
        let shown = ReportFinding::new(overload, "mobile".into(), &Thresholds::default());
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
