//! Detectors: read metrics and tables, emit [`Finding`]s with their evidence and a question for a
//! retrospective. One file per detector behind [`Detector`].
//!
//! A detector that cries wolf on a healthy team does harm: it points at a person. So every
//! detector needs enough data before it judges (and says so when it cannot), fires only on a
//! combination of signals, and is tested on simulated teams with and without its pattern.

mod output_outcome_divergence;
mod review_bottleneck;
pub(crate) mod stats;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::period::Month;

pub use output_outcome_divergence::OutputOutcomeDivergence;
pub use review_bottleneck::ReviewBottleneck;

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
        }
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
}

/// Everything a detector may read. Detectors never fetch, write or render.
pub struct DetectorInput<'a> {
    pub month: Month,
    pub metrics: &'a Metrics,
    pub tables: &'a BTreeMap<&'static str, LazyFrame>,
    pub config: &'a Config,
    pub roster: &'a Roster,
}

/// What a detector concluded for one month.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub not_judged: Vec<NotJudged>,
}

/// One failure mode, detected.
pub trait Detector {
    fn kind(&self) -> FindingKind;
    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome>;
}

/// Every detector this build has, in report order.
pub fn all() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(ReviewBottleneck),
        Box::new(OutputOutcomeDivergence),
    ]
}

/// Runs every detector; findings sorted by severity (worst first), then kind and subject.
pub fn run_all(input: &DetectorInput) -> Result<Outcome, DetectError> {
    let mut outcome = Outcome::default();
    for detector in all() {
        let found = detector.detect(input).map_err(|source| DetectError {
            kind: detector.kind(),
            source,
        })?;
        outcome.findings.extend(found.findings);
        outcome.not_judged.extend(found.not_judged);
    }
    outcome.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.subject.cmp(&b.subject))
    });
    Ok(outcome)
}

/// A detector failed on the data (a bug or a table in an unexpected shape).
#[derive(Debug, thiserror::Error)]
#[error("detector {}: {source}", kind.name())]
pub struct DetectError {
    pub kind: FindingKind,
    #[source]
    pub source: PolarsError,
}

/// The people table as detectors need it: who is in which team, with which role.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub people: BTreeMap<String, RosterEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    pub team: String,
    pub role: String,
}

impl Roster {
    pub fn from_people(people: &DataFrame) -> PolarsResult<Roster> {
        let mut roster = Roster::default();
        if people.height() == 0 {
            return Ok(roster);
        }
        let persons = people.column("person")?.str()?;
        let teams = people.column("team")?.str()?;
        let roles = people.column("role")?.str()?;
        for ((person, team), role) in persons.iter().zip(teams.iter()).zip(roles.iter()) {
            if let Some(person) = person {
                roster.people.insert(
                    person.to_string(),
                    RosterEntry {
                        team: team.unwrap_or("unassigned").to_string(),
                        role: role.unwrap_or("engineer").to_string(),
                    },
                );
            }
        }
        Ok(roster)
    }

    /// Non-bot members of a team.
    pub fn members(&self, team: &str) -> Vec<&str> {
        self.people
            .iter()
            .filter(|(_, e)| e.team == team && e.role != "bot")
            .map(|(p, _)| p.as_str())
            .collect()
    }

    pub fn role(&self, person: &str) -> Option<&str> {
        self.people.get(person).map(|e| e.role.as_str())
    }

    pub fn is_manager(&self, person: &str) -> bool {
        self.role(person) == Some("manager")
    }
}

/// Reads a column of a frame as `f64` values (nulls as `None`), whatever its numeric type.
pub fn f64_values(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.iter().collect())
}

/// Reads a string column of a frame.
pub fn str_values(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column.str()?.iter().map(|v| v.map(String::from)).collect())
}

/// Rows of a metric for one month.
pub fn for_month(frame: &DataFrame, month: Month) -> PolarsResult<DataFrame> {
    if frame.height() == 0 || frame.column("month").is_err() {
        return Ok(frame.clone());
    }
    frame
        .clone()
        .lazy()
        .filter(col("month").eq(lit(month.to_string())))
        .collect()
}
