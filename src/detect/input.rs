//! What a detector reads: the month, the metrics, the tables as analysed, the configuration and
//! the roster (who is on which team, in which role), and the joins of reviews to their PRs that
//! several detectors share.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::knowledge_silo;
use crate::common::frame::{i64_values, str_values};
use crate::common::time::{micros_span, within};
use crate::config::Config;
use crate::identity::Roster;
use crate::metrics::Metrics;
use crate::period::Month;

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

/// Rows of a table that match `filter` (0 when the store has no such table).
pub fn rows_of(input: &DetectorInput, table: &str, filter: Expr) -> PolarsResult<usize> {
    let Some(frame) = input.tables.get(table) else {
        return Ok(0);
    };
    crate::common::frame::count_rows(frame.clone().filter(filter))
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
