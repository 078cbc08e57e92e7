//! Detectors: read metrics and tables, emit [`Finding`]s with their evidence and a question for a
//! retrospective. One file per detector behind [`Detector`].
//!
//! A detector that cries wolf on a healthy team does harm: it points at a person. So every
//! detector needs enough data before it judges (and says so when it cannot), fires only on a
//! combination of signals, and is tested on simulated teams with and without its pattern.
//!
//! - `finding.rs`: what a detector says ([`Finding`], [`Evidence`], [`NotJudged`]);
//! - `input.rs`: what it reads ([`DetectorInput`]: the month, metrics, tables, configuration and
//!   roster) and the review joins several detectors share;
//! - this file: the [`Detector`] trait, the list of detectors ([`all`]) and running them
//!   ([`run_all`]); one file per detector beside it, its description in `<name>.md`.

mod absentee_manager;
mod ai_output_without_outcome;
mod attrition_risk;
mod burnout_risk;
pub mod explain;
pub mod figures;
mod finding;
mod input;
mod knowledge_silo;
mod micromanagement;
mod output_outcome_divergence;
mod overload;
pub mod record;
mod review_bottleneck;
mod rubber_stamp_review;
pub(crate) mod stats;
mod wont_let_go;

use polars::prelude::*;

use crate::identity::Roster;

pub use absentee_manager::AbsenteeManager;
pub use ai_output_without_outcome::AiOutputWithoutOutcome;
pub use attrition_risk::AttritionRisk;
pub use burnout_risk::BurnoutRisk;
pub use finding::{
    Basis, Evidence, Finding, FindingKind, NotJudged, Period, Severity, possessive, signal,
};
pub use input::{DetectorInput, ReviewRow, review_rows, reviews_of_prs_reviewed_in, rows_of};
pub use knowledge_silo::KnowledgeSilo;
pub use micromanagement::Micromanagement;
pub use output_outcome_divergence::OutputOutcomeDivergence;
pub use overload::Overload;
pub use review_bottleneck::ReviewBottleneck;
pub use rubber_stamp_review::RubberStampReview;
pub use wont_let_go::WontLetGo;

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
    /// How many months before the judged one it reads (metrics, tables or both): a report
    /// reads the store from that many months before its first month (`analysis::Window`), so
    /// a month's report costs the months it judges, not every month stored. Rows of older
    /// months that are still alive then (a PR open for a year, a ticket's history) come with
    /// them (`asof::window`); what needs the whole history is `metrics::History`'s.
    fn lookback_months(&self, config: &crate::config::Config) -> usize;
    /// What the detector needs that the data does not hold (a roster's managers, tickets, review
    /// times), and how to provide it. When it says something the detector is not run, and the
    /// report says it was not judged and why: silence must not read as "all is well".
    fn missing(&self, _input: &DetectorInput) -> PolarsResult<Option<String>> {
        Ok(None)
    }
    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome>;
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
        Box::new(AiOutputWithoutOutcome),
    ]
}

/// The most months before a judged month that any detector reads.
pub fn lookback_months(config: &crate::config::Config) -> usize {
    all()
        .iter()
        .map(|d| d.lookback_months(config))
        .max()
        .unwrap_or(0)
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
