//! What a detector says: the kinds of finding, their severity, the evidence (figures and
//! links), the data a finding was based on, and what could not be judged. These are what the
//! report, the retro, `eval` and `validate` read; nothing here computes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::period::Month;

/// The kinds of finding, as named in `report.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ReviewBottleneck,
    Micromanagement,
    AbsenteeManager,
    WontLetGo,
    Overload,
    BurnoutRisk,
    KnowledgeSilo,
    AttritionRisk,
    OutputOutcomeDivergence,
    RubberStampReview,
    AiOutputWithoutOutcome,
}

impl FindingKind {
    /// The name used in `report.json`, the config and `teamlens explain`.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::ReviewBottleneck => "review_bottleneck",
            FindingKind::Micromanagement => "micromanagement",
            FindingKind::AbsenteeManager => "absentee_manager",
            FindingKind::WontLetGo => "wont_let_go",
            FindingKind::Overload => "overload",
            FindingKind::BurnoutRisk => "burnout_risk",
            FindingKind::KnowledgeSilo => "knowledge_silo",
            FindingKind::AttritionRisk => "attrition_risk",
            FindingKind::OutputOutcomeDivergence => "output_outcome_divergence",
            FindingKind::RubberStampReview => "rubber_stamp_review",
            FindingKind::AiOutputWithoutOutcome => "ai_output_without_outcome",
        }
    }

    /// How the report, the retro and their summaries head a finding of this kind: the name in
    /// words, as a reader writes it ("Won't let go", not "Wont let go").
    pub fn title(self) -> &'static str {
        match self {
            FindingKind::ReviewBottleneck => "Review bottleneck",
            FindingKind::Micromanagement => "Micromanagement",
            FindingKind::AbsenteeManager => "Absentee manager",
            FindingKind::WontLetGo => "Won't let go",
            FindingKind::Overload => "Overload",
            FindingKind::BurnoutRisk => "Burnout risk",
            FindingKind::KnowledgeSilo => "Knowledge silo",
            FindingKind::AttritionRisk => "Attrition risk",
            FindingKind::OutputOutcomeDivergence => "Output-outcome divergence",
            FindingKind::RubberStampReview => "Rubber-stamp review",
            FindingKind::AiOutputWithoutOutcome => "AI-assisted output without outcome",
        }
    }

    /// Every kind, in report order.
    pub const ALL: [FindingKind; 11] = [
        FindingKind::ReviewBottleneck,
        FindingKind::Micromanagement,
        FindingKind::AbsenteeManager,
        FindingKind::WontLetGo,
        FindingKind::Overload,
        FindingKind::BurnoutRisk,
        FindingKind::KnowledgeSilo,
        FindingKind::AttritionRisk,
        FindingKind::OutputOutcomeDivergence,
        FindingKind::RubberStampReview,
        FindingKind::AiOutputWithoutOutcome,
    ];

    /// The kind with this report.json name.
    pub fn from_name(name: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// How much a finding should worry its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warn,
    Alert,
}

/// The dates a finding covers, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl From<Month> for Period {
    fn from(month: Month) -> Period {
        Period {
            from: month.first_day(),
            to: month.last_day(),
        }
    }
}

/// The numbers behind a finding, and links to the PRs and tickets they come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Named figures (shares as 0–1 fractions, durations in hours, counts).
    pub figures: BTreeMap<String, serde_json::Value>,
    /// URLs of the PRs and tickets that show the pattern best.
    pub links: Vec<String>,
}

impl Evidence {
    pub fn figure(&mut self, name: &str, value: impl Into<serde_json::Value>) -> &mut Self {
        self.figures.insert(name.to_string(), value.into());
        self
    }

    /// A figure rounded to `digits` decimals, or null when it is not a number.
    pub fn rounded(&mut self, name: &str, value: Option<f64>, digits: i32) -> &mut Self {
        let value = value.filter(|v| v.is_finite()).map(|v| {
            let scale = 10f64.powi(digits);
            (v * scale).round() / scale
        });
        self.figure(name, value)
    }
}

/// How much data a finding rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    pub prs: usize,
    pub reviews: usize,
    pub tickets: usize,
    /// Visible actions (commits, reviews, PRs opened, comments, ticket changes) the finding was
    /// judged on, for the detectors that read a person's activity rather than PRs (burnout,
    /// attrition): the month and the baseline months it was compared with.
    #[serde(default)]
    pub actions: usize,
}

/// One thing a detector saw, worded for a retrospective: evidence and a question, never a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// A person id or `team:<name>`.
    pub subject: String,
    pub period: Period,
    pub severity: Severity,
    pub headline: String,
    pub evidence: Evidence,
    pub question: String,
    pub basis: Basis,
}

/// A subject a detector looked at but could not judge, and why (too little data, too small a team).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotJudged {
    pub kind: FindingKind,
    pub subject: String,
    pub reason: String,
    /// The month it was not judged in (`YYYY-MM`), set by [`run_all`]: a report over several
    /// months says which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
}

/// The signal a detector compares, with the level normal for the rest of the team, as evidence.
pub fn signal(evidence: &mut Evidence, name: &str, value: f64, normal: Option<f64>, over: bool) {
    evidence
        .rounded(name, Some(value), 3)
        .rounded(&format!("{name}_team_normal"), normal, 3)
        .figure(&format!("{name}_over_threshold"), over);
}

/// A name's possessive as English writes it: "mira's", but "payments'" for a name ending in s,
/// as team names often do.
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn possessives_of_names_ending_in_s_take_only_the_apostrophe() {
        assert_eq!(super::possessive("mira"), "mira's");
        assert_eq!(super::possessive("payments"), "payments'");
    }
}
