//! Detectors: read metrics and tables, emit [`Finding`]s with their evidence and a question for a
//! retrospective. One file per detector behind [`Detector`].
//!
//! A detector that cries wolf on a healthy team does harm: it points at a person. So every
//! detector needs enough data before it judges (and says so when it cannot), fires only on a
//! combination of signals, and is tested on simulated teams with and without its pattern.

mod absentee_manager;
mod attrition_risk;
mod burnout_risk;
mod knowledge_silo;
mod micromanagement;
mod output_outcome_divergence;
mod overload;
pub mod record;
mod review_bottleneck;
mod rubber_stamp_review;
pub(crate) mod stats;
mod wont_let_go;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common::frame::{i64_values, str_values};
use crate::common::time::{micros_span, within};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::period::Month;

pub use absentee_manager::AbsenteeManager;
pub use attrition_risk::AttritionRisk;
pub use burnout_risk::BurnoutRisk;
pub use knowledge_silo::KnowledgeSilo;
pub use micromanagement::Micromanagement;
pub use output_outcome_divergence::OutputOutcomeDivergence;
pub use overload::Overload;
pub use review_bottleneck::ReviewBottleneck;
pub use rubber_stamp_review::RubberStampReview;
pub use wont_let_go::WontLetGo;

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
        }
    }

    /// Every kind, in report order.
    pub const ALL: [FindingKind; 10] = [
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

/// Everything a detector may read. Detectors never fetch, write or render.
pub struct DetectorInput<'a> {
    pub month: Month,
    pub metrics: &'a Metrics,
    pub tables: &'a BTreeMap<&'static str, LazyFrame>,
    pub config: &'a Config,
    pub roster: &'a Roster,
    /// What several detectors compute from the same input, computed once.
    shared: Shared,
}

/// Results shared between detectors of one run: module knowledge over millions of file changes
/// is read by both `knowledge_silo` and `wont_let_go`.
#[derive(Default)]
struct Shared {
    modules: std::sync::OnceLock<Vec<knowledge_silo::ModuleKnowledge>>,
    /// Held while module knowledge is computed, so that two detectors running side by side
    /// compute it once: the second waits for the first's result.
    computing_modules: std::sync::Mutex<()>,
}

impl<'a> DetectorInput<'a> {
    pub fn new(
        month: Month,
        metrics: &'a Metrics,
        tables: &'a BTreeMap<&'static str, LazyFrame>,
        config: &'a Config,
        roster: &'a Roster,
    ) -> Self {
        Self {
            month,
            metrics,
            tables,
            config,
            roster,
            shared: Shared::default(),
        }
    }

    /// Knowledge per module over the window ending with the month (see `knowledge_silo`),
    /// computed on first use.
    pub fn module_knowledge(&self) -> PolarsResult<&[knowledge_silo::ModuleKnowledge]> {
        if let Some(modules) = self.shared.modules.get() {
            return Ok(modules);
        }
        let _computing = self
            .shared
            .computing_modules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(modules) = self.shared.modules.get() {
            return Ok(modules);
        }
        let modules = knowledge_silo::module_knowledge(self)?;
        Ok(self.shared.modules.get_or_init(|| modules))
    }
}

/// What a detector concluded for one month.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub not_judged: Vec<NotJudged>,
}

/// One failure mode, detected.
/// `Send + Sync` because [`run_all`] runs detectors side by side.
pub trait Detector: Send + Sync {
    fn kind(&self) -> FindingKind;
    /// What `teamlens explain KIND` prints before the thresholds: the pattern, the signals and
    /// how they combine, in plain words.
    fn explain(&self) -> &'static str;
    /// What the detector needs that the data does not hold (a roster's managers, tickets, review
    /// times), and how to provide it. When it says something the detector is not run, and the
    /// report says it was not judged and why: silence must not read as "all is well".
    fn missing(&self, _input: &DetectorInput) -> PolarsResult<Option<String>> {
        Ok(None)
    }
    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome>;
}

/// Rows of a table that match `filter` (0 when the store has no such table).
pub fn rows_of(input: &DetectorInput, table: &str, filter: Expr) -> PolarsResult<usize> {
    let Some(frame) = input.tables.get(table) else {
        return Ok(0);
    };
    let counted = frame
        .clone()
        .filter(filter)
        .select([len().alias("rows")])
        .collect()?;
    Ok(counted.column("rows")?.u32()?.get(0).unwrap_or(0) as usize)
}

/// The subject of a detector that could not judge anyone at all.
pub const EVERYONE: &str = "all teams";

/// What the manager-persona detectors say when the roster names no manager.
pub fn no_manager(roster: &Roster) -> Option<String> {
    let any = roster.people.values().any(|e| e.role == "manager");
    (!any).then(|| {
        "no one in the roster is a manager: give each team's manager role = \"manager\" in \
         teamlens.toml ([[people]]) to judge it"
            .to_string()
    })
}

/// Every detector this build has, in report order.
pub fn all() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(ReviewBottleneck),
        Box::new(Micromanagement),
        Box::new(AbsenteeManager),
        Box::new(WontLetGo),
        Box::new(Overload),
        Box::new(BurnoutRisk),
        Box::new(KnowledgeSilo),
        Box::new(AttritionRisk),
        Box::new(OutputOutcomeDivergence),
        Box::new(RubberStampReview),
    ]
}

/// The detector of a kind (`None` only for a kind this build does not detect).
pub fn detector(kind: FindingKind) -> Option<Box<dyn Detector>> {
    all().into_iter().find(|d| d.kind() == kind)
}

/// Runs every detector, [`DETECTOR_LANES`] at a time; the outcome does not depend on which
/// finished first: findings sorted by severity (worst first), then kind and subject.
pub fn run_all(input: &DetectorInput) -> Result<Outcome, DetectError> {
    let detectors = all();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let lanes = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, DETECTOR_LANES);
    let mut results: Vec<(usize, Result<Outcome, DetectError>)> = std::thread::scope(|scope| {
        let lanes: Vec<_> = (0..lanes)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(crate::metrics::PLANNING_STACK_BYTES)
                    .spawn_scoped(scope, || {
                        let mut done = Vec::new();
                        loop {
                            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(detector) = detectors.get(n) else {
                                return done;
                            };
                            done.push((n, run_one(detector.as_ref(), input)));
                        }
                    })
            })
            .collect();
        let mut results = Vec::new();
        for handle in lanes.into_iter().flatten() {
            match handle.join() {
                Ok(done) => results.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    });
    // A lane the system would not start leaves its detectors to this thread.
    let ran: std::collections::BTreeSet<usize> = results.iter().map(|(n, _)| *n).collect();
    for (n, detector) in detectors.iter().enumerate() {
        if !ran.contains(&n) {
            results.push((n, run_one(detector.as_ref(), input)));
        }
    }
    results.sort_by_key(|(n, _)| *n);
    let mut outcome = Outcome::default();
    for (_, found) in results {
        let mut found = found?;
        for entry in &mut found.not_judged {
            entry.month.get_or_insert_with(|| input.month.to_string());
        }
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

/// Detectors run side by side, this many at a time (at most the machine's cores). Each runs
/// polars queries that use every core only part of the time; two at a time fill the gaps. The
/// debug log's per-detector CPU seconds are the process's, so they include the other lane's.
const DETECTOR_LANES: usize = 2;

fn run_one(detector: &dyn Detector, input: &DetectorInput) -> Result<Outcome, DetectError> {
    let started = crate::measure::Stopwatch::start();
    let error = |source| DetectError {
        kind: detector.kind(),
        source,
    };
    if let Some(reason) = detector.missing(input).map_err(error)? {
        return Ok(Outcome {
            not_judged: vec![NotJudged {
                kind: detector.kind(),
                subject: EVERYONE.to_string(),
                reason,
                month: None,
            }],
            ..Outcome::default()
        });
    }
    let found = detector.detect(input).map_err(error)?;
    tracing::debug!(
        detector = ?detector.kind(),
        seconds = started.seconds(),
        cpu_seconds = started.cpu_seconds(),
        "detector ran"
    );
    Ok(found)
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
    /// The primary team, which a person's own work is attributed to.
    pub team: String,
    /// Every team the person belongs to, the primary first.
    pub teams: Vec<String>,
    pub role: String,
}

impl RosterEntry {
    fn is_in(&self, team: &str) -> bool {
        self.teams.iter().any(|t| t == team)
    }
}

impl Roster {
    /// Teams with at least one non-bot member, in name order.
    pub fn teams(&self) -> Vec<&str> {
        let mut teams: Vec<&str> = self
            .people
            .values()
            .filter(|e| e.role != "bot")
            .flat_map(|e| e.teams.iter().map(String::as_str))
            .collect();
        teams.sort_unstable();
        teams.dedup();
        teams
    }

    /// The manager(s) of a team.
    pub fn managers(&self, team: &str) -> Vec<&str> {
        self.people
            .iter()
            .filter(|(_, e)| e.is_in(team) && e.role == "manager")
            .map(|(p, _)| p.as_str())
            .collect()
    }

    pub fn team_of(&self, person: &str) -> Option<&str> {
        self.people.get(person).map(|e| e.team.as_str())
    }

    /// A bot by the roster's role or by GitHub's `[bot]` suffix.
    pub fn is_bot(&self, person: &str) -> bool {
        person.ends_with("[bot]") || self.role(person) == Some("bot")
    }
}

impl Roster {
    /// The roster of the `people` table among `tables` (empty when there is none).
    pub fn from_tables(tables: &BTreeMap<&'static str, LazyFrame>) -> PolarsResult<Roster> {
        match tables.get("people") {
            Some(people) => Roster::from_people(&people.clone().collect()?),
            None => Ok(Roster::default()),
        }
    }

    pub fn from_people(people: &DataFrame) -> PolarsResult<Roster> {
        let mut roster = Roster::default();
        if people.height() == 0 {
            return Ok(roster);
        }
        let persons = people.column("person")?.str()?;
        let teams = people.column("team")?.str()?;
        let roles = people.column("role")?.str()?;
        let memberships = match people.column("teams") {
            Ok(column) => Some(column.list()?.clone()),
            Err(_) => None,
        };
        for (i, ((person, team), role)) in persons
            .iter()
            .zip(teams.iter())
            .zip(roles.iter())
            .enumerate()
        {
            if let Some(person) = person {
                let team = team.unwrap_or("unassigned").to_string();
                let mut all = vec![team.clone()];
                if let Some(list) = memberships.as_ref().and_then(|m| m.get_as_series(i)) {
                    for other in list.str()?.iter().flatten() {
                        if !all.iter().any(|t| t == other) {
                            all.push(other.to_string());
                        }
                    }
                }
                roster.people.insert(
                    person.to_string(),
                    RosterEntry {
                        team,
                        teams: all,
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
            .filter(|(_, e)| e.is_in(team) && e.role != "bot")
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

impl DetectorInput<'_> {
    /// A normalized table, or an empty frame when the store has none.
    pub fn table(&self, name: &str) -> LazyFrame {
        self.tables
            .get(name)
            .cloned()
            .unwrap_or_else(|| DataFrame::empty().lazy())
    }

    /// The month's span in microseconds.
    pub fn span(&self) -> (i64, i64) {
        micros_span(self.month, self.month)
    }
}

/// The reviews of the PRs that got a review in `span`, each with its PR's author, URL, size and
/// ready time: what the review detectors read. Reviews outside the span are kept (a peer's
/// approval from the day before matters), flagged by `in_span`. Bots' reviews are dropped.
pub fn reviews_of_prs_reviewed_in(
    input: &DetectorInput,
    span: (i64, i64),
) -> PolarsResult<DataFrame> {
    let reviews = input.table("reviews");
    let touched = reviews
        .clone()
        .filter(within("submitted_at", span))
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::First);
    let prs = input.table("pull_requests").select([
        col("repo"),
        col("number"),
        col("author"),
        col("url"),
        (col("additions").fill_null(lit(0i64)) + col("deletions").fill_null(lit(0i64)))
            .alias("size"),
        col("ready_at").cast(DataType::Int64).alias("ready_us"),
    ]);
    reviews
        .join(
            touched,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            prs,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("reviewer")
                .str()
                .ends_with(lit("[bot]"))
                .not()
                .and(col("reviewer").neq(col("author"))),
        )
        .with_columns([
            col("submitted_at")
                .cast(DataType::Int64)
                .alias("submitted_us"),
            within("submitted_at", span).alias("in_span"),
        ])
        .sort(["repo", "number", "submitted_us"], Default::default())
        .collect()
}

/// One review row, as the review detectors read it.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub repo: String,
    pub number: i64,
    pub reviewer: String,
    pub state: String,
    pub submitted_us: i64,
    pub comment_count: i64,
    pub author: String,
    pub url: Option<String>,
    pub size: i64,
    pub ready_us: Option<i64>,
    pub in_span: bool,
}

/// The rows of [`reviews_of_prs_reviewed_in`], in (repo, number, time) order. Each value is
/// moved out of its column, not copied again: a month of a large organisation is hundreds of
/// thousands of reviews.
pub fn review_rows(frame: &DataFrame) -> PolarsResult<Vec<ReviewRow>> {
    let mut repo = str_values(frame, "repo")?;
    let number = i64_values(frame, "number")?;
    let mut reviewer = str_values(frame, "reviewer")?;
    let mut state = str_values(frame, "state")?;
    let submitted = i64_values(frame, "submitted_us")?;
    let comments = i64_values(frame, "comment_count")?;
    let mut author = str_values(frame, "author")?;
    let mut url = str_values(frame, "url")?;
    let size = i64_values(frame, "size")?;
    let ready = i64_values(frame, "ready_us")?;
    let in_span: Vec<bool> = frame
        .column("in_span")?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    let mut rows = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let (Some(repo), Some(number), Some(reviewer), Some(submitted_us), Some(author)) = (
            repo[i].take(),
            number[i],
            reviewer[i].take(),
            submitted[i],
            author[i].take(),
        ) else {
            continue;
        };
        rows.push(ReviewRow {
            repo,
            number,
            reviewer,
            state: state[i].take().unwrap_or_default(),
            submitted_us,
            comment_count: comments[i].unwrap_or(0),
            author,
            url: url[i].take(),
            size: size[i].unwrap_or(0),
            ready_us: ready[i],
            in_span: in_span[i],
        });
    }
    Ok(rows)
}

/// The signal a detector compares, with the level normal for the rest of the team, as evidence.
pub fn signal(evidence: &mut Evidence, name: &str, value: f64, normal: Option<f64>, over: bool) {
    evidence
        .rounded(name, Some(value), 3)
        .rounded(&format!("{name}_team_normal"), normal, 3)
        .figure(&format!("{name}_over_threshold"), over);
}
