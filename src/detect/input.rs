//! What a detector reads: the month, the metrics, the tables as analysed, the configuration and
//! the roster (who is on which team, in which role), and the joins of reviews to their PRs that
//! several detectors share.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::knowledge_silo;
use crate::common::frame::{i64_values, str_values};
use crate::common::time::{micros_span, within};
use crate::config::Config;
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
    let counted = frame
        .clone()
        .filter(filter)
        .select([len().alias("rows")])
        .collect()?;
    Ok(counted.column("rows")?.u32()?.get(0).unwrap_or(0) as usize)
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
