//! The normalized tables: one schema per table, column names in one place.
//!
//! Every source (GitHub, Jira, Linear, git, file import, the simulator) produces these tables and
//! nothing else, so everything downstream is source-agnostic. Each table is declared once with
//! [`table!`]: the macro yields a row struct (used by the simulator and the fetchers, which build
//! rows one at a time), the polars [`Schema`] (used by the store and the importer to check files),
//! the list of columns an import must provide, and the column whose month partitions the table on disk.
//!
//! Timestamps are naive `Datetime(us)` holding UTC: every source converts to UTC at the boundary,
//! and local time is derived later from the person's zone or the commit's offset.

use chrono::{DateTime, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// The polars type every timestamp column has.
pub const TIMESTAMP: DataType = DataType::Datetime(TimeUnit::Microseconds, None);

/// A Rust value type that can fill one column of a normalized table.
///
/// Implemented for the handful of types the tables use, so that a row struct can be turned into a
/// column-oriented [`DataFrame`] without per-table code.
pub trait ColumnValue: Sized {
    /// The polars type of a column of these values.
    fn dtype() -> DataType;
    /// Builds one column from the values of all rows.
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column>;
}

impl ColumnValue for String {
    fn dtype() -> DataType {
        DataType::String
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for Option<String> {
    fn dtype() -> DataType {
        DataType::String
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for i64 {
    fn dtype() -> DataType {
        DataType::Int64
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for Option<i64> {
    fn dtype() -> DataType {
        DataType::Int64
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for Option<f64> {
    fn dtype() -> DataType {
        DataType::Float64
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for bool {
    fn dtype() -> DataType {
        DataType::Boolean
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for Option<bool> {
    fn dtype() -> DataType {
        DataType::Boolean
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        Ok(Column::new(name.into(), values))
    }
}

impl ColumnValue for DateTime<Utc> {
    fn dtype() -> DataType {
        TIMESTAMP
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        let micros: Vec<i64> = values.iter().map(|t| t.timestamp_micros()).collect();
        Column::new(name.into(), micros).cast(&TIMESTAMP)
    }
}

impl ColumnValue for Option<DateTime<Utc>> {
    fn dtype() -> DataType {
        TIMESTAMP
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        let micros: Vec<Option<i64>> = values
            .iter()
            .map(|t| t.map(|t| t.timestamp_micros()))
            .collect();
        Column::new(name.into(), micros).cast(&TIMESTAMP)
    }
}

impl ColumnValue for Vec<String> {
    fn dtype() -> DataType {
        DataType::List(Box::new(DataType::String))
    }
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        let total: usize = values.iter().map(Vec::len).sum();
        let mut builder = ListStringChunkedBuilder::new(name.into(), values.len(), total);
        for list in &values {
            builder.append_values_iter(list.iter().map(String::as_str));
        }
        Ok(builder.finish().into_series().into_column())
    }
}

/// What every normalized table offers, whatever its columns.
pub trait Table: Sized {
    /// The table's name: its directory in the store and its name in SQL.
    const NAME: &'static str;
    /// The columns a file import must provide; the others are filled with nulls or defaults.
    const REQUIRED: &'static [&'static str];
    /// The timestamp column whose month partitions the table on disk, if any.
    const PARTITION_BY: Option<&'static str>;
    /// The table's schema, in column order.
    fn schema() -> Schema;
    /// Turns rows into a frame with exactly [`Table::schema`].
    fn to_frame(rows: Vec<Self>) -> PolarsResult<DataFrame>;
}

/// Declares a normalized table: its row struct, schema, required columns and partition column.
macro_rules! table {
    (
        $(#[$meta:meta])*
        $row:ident = $name:literal,
        required: [$($required:literal),* $(,)?],
        partition_by: $partition:expr,
        { $($(#[$field_meta:meta])* $field:ident : $ty:ty),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $row {
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        impl Table for $row {
            const NAME: &'static str = $name;
            const REQUIRED: &'static [&'static str] = &[$($required),*];
            const PARTITION_BY: Option<&'static str> = $partition;

            fn schema() -> Schema {
                Schema::from_iter([
                    $(Field::new(stringify!($field).into(), <$ty as ColumnValue>::dtype()),)*
                ])
            }

            fn to_frame(rows: Vec<Self>) -> PolarsResult<DataFrame> {
                let height = rows.len();
                $(let mut $field: Vec<$ty> = Vec::with_capacity(height);)*
                for row in rows {
                    $($field.push(row.$field);)*
                }
                DataFrame::new(height, vec![
                    $(<$ty as ColumnValue>::column(stringify!($field), $field)?,)*
                ])
            }
        }
    };
}

table! {
    /// A person of the roster. Every other table names people by `person`.
    Person = "people",
    required: ["person", "role", "team", "timezone"],
    partition_by: None,
    {
        /// Canonical id, what other tables name as author, reviewer, actor or assignee.
        person: String,
        display_name: Option<String>,
        /// The person's primary team: the one per-event metrics (`pr_phases`, `review_waits`)
        /// and detectors attribute their work to.
        team: String,
        /// Every team the person belongs to, the primary first; empty means `team` alone. Team
        /// aggregates count the person in each (through the derived `memberships` table) and
        /// organisation totals once, so a person in two teams is not counted twice overall.
        teams: Vec<String>,
        /// `manager`, `lead`, `engineer`, `bot` or `external`.
        role: String,
        /// IANA time zone, e.g. `Europe/Berlin`.
        timezone: String,
        /// Local hour the working day starts (0–23); 9 when unknown.
        work_start_hour: Option<i64>,
        /// Local hour the working day ends (1–24); 18 when unknown.
        work_end_hour: Option<i64>,
        /// Other names of the same person: logins, e-mails, tracker account ids.
        aliases: Vec<String>,
    }
}

table! {
    /// A pull request (or merge request, or Gerrit change).
    PullRequest = "pull_requests",
    required: ["repo", "number", "author", "created_at", "merged_at"],
    partition_by: Some("created_at"),
    {
        source: String,
        /// `owner/name`.
        repo: String,
        number: i64,
        author: String,
        title: Option<String>,
        url: Option<String>,
        created_at: DateTime<Utc>,
        /// When the PR left draft (equal to `created_at` for PRs opened ready).
        ready_at: Option<DateTime<Utc>>,
        /// The earliest authored date of the PR's commits.
        first_commit_at: Option<DateTime<Utc>>,
        merged_at: Option<DateTime<Utc>>,
        closed_at: Option<DateTime<Utc>>,
        merged_by: Option<String>,
        /// `open`, `merged` or `closed`.
        state: Option<String>,
        draft: Option<bool>,
        additions: Option<i64>,
        deletions: Option<i64>,
        changed_files: Option<i64>,
        labels: Vec<String>,
        base_ref: Option<String>,
        /// True when the PR reverts an earlier one.
        is_revert: Option<bool>,
        /// The number of the PR this one reverts, when known.
        reverts_number: Option<i64>,
        /// Ticket keys the PR closes or references.
        linked_issues: Vec<String>,
        updated_at: Option<DateTime<Utc>>,
        /// The description's attribution lines (`crate::common::attribution`): what says who or
        /// what made the change ("Generated with …"), not the whole description. Empty when
        /// none, and in stores written before it (nothing recorded then).
        #[serde(default)]
        attribution: Vec<String>,
    }
}

table! {
    /// A submitted review of a pull request.
    Review = "reviews",
    required: ["repo", "number", "reviewer", "state", "submitted_at"],
    partition_by: Some("submitted_at"),
    {
        source: String,
        repo: String,
        number: i64,
        reviewer: String,
        /// The name the review was signed with, where the source gives one apart from the id
        /// (a trailer's `Name <email>`): evidence for [`crate::identity`].
        reviewer_name: Option<String>,
        /// `approved`, `changes_requested`, `commented` or `dismissed`.
        state: String,
        submitted_at: DateTime<Utc>,
        comment_count: Option<i64>,
    }
}

table! {
    /// A request for one reviewer (a person or a team) to review a pull request.
    ReviewRequest = "review_requests",
    required: ["repo", "number", "requested", "requested_at"],
    partition_by: Some("requested_at"),
    {
        source: String,
        repo: String,
        number: i64,
        /// The person (or `team:<name>`) asked to review.
        requested: String,
        requested_by: Option<String>,
        requested_at: DateTime<Utc>,
        removed_at: Option<DateTime<Utc>>,
    }
}

table! {
    /// A timeline event of a pull request.
    PrEvent = "pr_events",
    required: ["repo", "number", "kind", "at"],
    partition_by: Some("at"),
    {
        source: String,
        repo: String,
        number: i64,
        /// `ready_for_review`, `converted_to_draft`, `review_requested`, `review_request_removed`,
        /// `review_dismissed`, `merged`, `closed`, `reopened`, `head_ref_force_pushed`, `assigned`, …
        kind: String,
        actor: Option<String>,
        at: DateTime<Utc>,
    }
}

table! {
    /// A commit pushed to a pull request.
    PrCommit = "pr_commits",
    required: ["repo", "number", "sha", "author", "authored_at"],
    partition_by: Some("authored_at"),
    {
        source: String,
        repo: String,
        number: i64,
        sha: String,
        author: String,
        committer: Option<String>,
        authored_at: DateTime<Utc>,
        /// The author's UTC offset in minutes when the commit was written, when known.
        author_tz_offset_minutes: Option<i64>,
        /// A merge commit, such as an "update branch" merge of the base branch into the PR.
        is_merge: Option<bool>,
        message_headline: Option<String>,
        /// The message's trailers as `Key: value` lines, as `commits.trailers`.
        #[serde(default)]
        trailers: Vec<String>,
        /// The message's attribution lines (`crate::common::attribution`).
        #[serde(default)]
        attribution: Vec<String>,
    }
}

table! {
    /// A comment on a pull request or a ticket.
    Comment = "comments",
    required: ["target", "container", "item", "author", "created_at"],
    partition_by: Some("created_at"),
    {
        source: String,
        /// `pr` or `issue`.
        target: String,
        /// The repository (`owner/name`) or the tracker project.
        container: String,
        /// The PR number or the ticket key.
        item: String,
        author: String,
        created_at: DateTime<Utc>,
        is_review_thread: Option<bool>,
    }
}

table! {
    /// A ticket in GitHub Issues, Jira or Linear.
    Issue = "issues",
    required: ["source", "key", "created_at", "resolved_at", "assignee"],
    partition_by: Some("created_at"),
    {
        source: String,
        key: String,
        project: Option<String>,
        title: Option<String>,
        /// `bug`, `incident`, `feature` or `chore`.
        issue_type: Option<String>,
        reporter: Option<String>,
        assignee: Option<String>,
        status: Option<String>,
        /// `todo`, `in_progress` or `done`.
        status_category: Option<String>,
        created_at: DateTime<Utc>,
        /// First move into an in-progress status.
        started_at: Option<DateTime<Utc>>,
        /// Last move into a done status.
        resolved_at: Option<DateTime<Utc>>,
        /// Moves from a done status back to an open one.
        reopen_count: Option<i64>,
        sprint: Option<String>,
        estimate: Option<f64>,
        labels: Vec<String>,
        url: Option<String>,
        /// Pull requests (`owner/name#N`) the ticket links to; for an incident, the suspected cause.
        linked_prs: Vec<String>,
    }
}

table! {
    /// One change of one field of a ticket.
    IssueEvent = "issue_events",
    required: ["source", "key", "at", "actor", "field", "from", "to"],
    partition_by: Some("at"),
    {
        source: String,
        key: String,
        at: DateTime<Utc>,
        actor: String,
        /// `status`, `assignee`, `title`, `description`, `sprint`, `estimate`, `priority` or `labels`.
        field: String,
        from: Option<String>,
        to: Option<String>,
    }
}

table! {
    /// A commit on a default branch, from a git repository.
    Commit = "commits",
    required: ["repo", "sha", "author", "authored_at"],
    partition_by: Some("authored_at"),
    {
        source: String,
        repo: String,
        sha: String,
        author: String,
        /// The name the commit gives its author (after `.mailmap`), as written: the evidence
        /// [`crate::identity`] merges one person's addresses by.
        author_name: Option<String>,
        authored_at: DateTime<Utc>,
        /// When the commit reached the branch read: the commit time of the first-parent commit
        /// that brought it in (git); empty when the source cannot tell. A report as of a month's
        /// end sees only commits that had landed by then (`crate::asof`).
        landed_at: Option<DateTime<Utc>>,
        author_tz_offset_minutes: Option<i64>,
        committer: Option<String>,
        committer_name: Option<String>,
        files: Option<i64>,
        additions: Option<i64>,
        deletions: Option<i64>,
        /// Trailers as `Key: value` lines (Reviewed-by, Co-authored-by, Acked-by, …).
        trailers: Vec<String>,
        pr_number: Option<i64>,
        /// The message's first line.
        #[serde(default)]
        message_headline: Option<String>,
        /// The message's attribution lines (`crate::common::attribution`): with the first line
        /// and the trailers, what `crate::identity::assistants` reads; not the whole message.
        #[serde(default)]
        attribution: Vec<String>,
    }
}

table! {
    /// A file touched by a commit or a pull request.
    FileChange = "file_changes",
    required: ["repo", "path"],
    partition_by: None,
    {
        source: String,
        repo: String,
        sha: Option<String>,
        number: Option<i64>,
        path: String,
        additions: Option<i64>,
        deletions: Option<i64>,
    }
}

table! {
    /// A deployment or release of a repository.
    Deployment = "deployments",
    required: ["repo", "at"],
    partition_by: Some("at"),
    {
        source: String,
        repo: String,
        environment: Option<String>,
        sha: Option<String>,
        /// The merged PR numbers this deployment shipped for the first time.
        pr_numbers: Vec<String>,
        at: DateTime<Utc>,
        /// `success` or `failure`.
        status: Option<String>,
    }
}

table! {
    /// Known time off: a person's vacation, leave or sick days, from an HR or holiday calendar.
    /// Optional: detectors that compare a person's activity over time (attrition) count only the
    /// working days the person was not known to be away. Days are the person's local calendar
    /// days, stored as midnight timestamps (an import gives them as `YYYY-MM-DD`), both inclusive.
    TimeOff = "time_off",
    required: ["person", "first_day", "last_day"],
    partition_by: None,
    {
        source: String,
        person: String,
        first_day: DateTime<Utc>,
        last_day: DateTime<Utc>,
        /// `vacation`, `leave`, `sick` or `holiday` (free text; not interpreted).
        kind: Option<String>,
    }
}

table! {
    /// A sprint (Jira, from the agile API) or cycle (Linear): when it ran. `issue_events` name
    /// it (`field = 'sprint'`) when a ticket moves into it; the overload detector measures
    /// "scope added after the sprint started" from `started_at`, and falls back to a sprint's
    /// first assignment for sprints this table does not know.
    Sprint = "sprints",
    required: ["source", "id", "name"],
    partition_by: None,
    {
        source: String,
        /// The tracker's id (Jira's sprint id, Linear's cycle id).
        id: String,
        /// As `issue_events` name it.
        name: String,
        /// Jira project key or Linear team key.
        project: Option<String>,
        started_at: Option<DateTime<Utc>>,
        ended_at: Option<DateTime<Utc>>,
        /// When it was closed (Jira's `completeDate`); empty while it runs.
        completed_at: Option<DateTime<Utc>>,
    }
}

/// The description of one table, usable without knowing its row type.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub partition_by: Option<&'static str>,
    pub schema: fn() -> Schema,
}

const fn spec<T: Table>() -> TableSpec {
    TableSpec {
        name: T::NAME,
        required: T::REQUIRED,
        partition_by: T::PARTITION_BY,
        schema: T::schema,
    }
}

/// Every normalized table, in the order the store and the docs list them.
pub const TABLES: &[TableSpec] = &[
    spec::<Person>(),
    spec::<PullRequest>(),
    spec::<Review>(),
    spec::<ReviewRequest>(),
    spec::<PrEvent>(),
    spec::<PrCommit>(),
    spec::<Comment>(),
    spec::<Issue>(),
    spec::<IssueEvent>(),
    spec::<Commit>(),
    spec::<FileChange>(),
    spec::<Deployment>(),
    spec::<TimeOff>(),
    spec::<Sprint>(),
];

/// The tables and columns the analysis reads (metrics, detectors and the report): what
/// `Store::analysis_tables` holds in memory of the tables in [`READ_REPEATEDLY`], and what the
/// benchmark's floor scans. `tests/bench.rs` checks the list is complete by running the analysis
/// on tables that hold only these columns.
pub const ANALYSIS_COLUMNS: &[(&str, &[&str])] = &[
    (
        "people",
        &[
            "person",
            "display_name",
            "aliases",
            "team",
            "teams",
            "role",
            "timezone",
            "work_start_hour",
            "work_end_hour",
        ],
    ),
    (
        "pull_requests",
        &[
            "source",
            "repo",
            "number",
            "author",
            "title",
            "url",
            "created_at",
            "ready_at",
            "first_commit_at",
            "merged_at",
            "closed_at",
            "merged_by",
            "state",
            "draft",
            "additions",
            "deletions",
            "is_revert",
            "reverts_number",
            "labels",
            "linked_issues",
            "attribution",
        ],
    ),
    (
        "reviews",
        &[
            "source",
            "repo",
            "number",
            "reviewer",
            "reviewer_name",
            "state",
            "submitted_at",
            "comment_count",
        ],
    ),
    (
        "review_requests",
        &["repo", "number", "requested", "requested_at", "removed_at"],
    ),
    ("pr_events", &["repo", "number", "kind", "actor", "at"]),
    (
        "pr_commits",
        &[
            "repo",
            "number",
            "sha",
            "author",
            "authored_at",
            "author_tz_offset_minutes",
            "is_merge",
            "message_headline",
            "trailers",
            "attribution",
        ],
    ),
    (
        "comments",
        &["target", "container", "item", "author", "created_at"],
    ),
    (
        "issues",
        &[
            "source",
            "key",
            "project",
            "title",
            "issue_type",
            "assignee",
            "status",
            "status_category",
            "created_at",
            "started_at",
            "resolved_at",
            "reopen_count",
            "sprint",
            "estimate",
            "labels",
            "url",
            "linked_prs",
        ],
    ),
    (
        "issue_events",
        &["source", "key", "at", "actor", "field", "from", "to"],
    ),
    (
        "commits",
        &[
            "source",
            "repo",
            "sha",
            "author",
            "author_name",
            "committer",
            "committer_name",
            "authored_at",
            "landed_at",
            "author_tz_offset_minutes",
            "files",
            "trailers",
            "pr_number",
            "message_headline",
            "attribution",
        ],
    ),
    (
        "file_changes",
        &["repo", "sha", "number", "path", "additions", "deletions"],
    ),
    (
        "deployments",
        &[
            "source",
            "repo",
            "environment",
            "pr_numbers",
            "at",
            "status",
        ],
    ),
    ("time_off", &["person", "first_day", "last_day"]),
    ("sprints", &["source", "name", "started_at", "ended_at"]),
];

/// The tables the analysis reads many times (several metrics, detectors and the report), which
/// `Store::analysis_tables` reads into memory once. The others are each read by one metric or
/// detector and stay lazy scans.
pub const READ_REPEATEDLY: &[&str] = &[
    "people",
    "pull_requests",
    "reviews",
    "review_requests",
    "pr_commits",
    "issues",
    "issue_events",
    "deployments",
    "time_off",
    "sprints",
];

/// Looks a table up by name.
pub fn table_spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// An empty frame with a table's schema, for tables a source did not provide.
pub fn empty_frame(spec: &TableSpec) -> DataFrame {
    DataFrame::empty_with_schema(&(spec.schema)())
}

/// Rows of every table, as a source produces them before they reach the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub people: Vec<Person>,
    pub pull_requests: Vec<PullRequest>,
    pub reviews: Vec<Review>,
    pub review_requests: Vec<ReviewRequest>,
    pub pr_events: Vec<PrEvent>,
    pub pr_commits: Vec<PrCommit>,
    pub comments: Vec<Comment>,
    pub issues: Vec<Issue>,
    pub issue_events: Vec<IssueEvent>,
    pub commits: Vec<Commit>,
    pub file_changes: Vec<FileChange>,
    pub deployments: Vec<Deployment>,
    pub time_off: Vec<TimeOff>,
    #[serde(default)]
    pub sprints: Vec<Sprint>,
}

impl Dataset {
    /// Converts every table to a frame, keyed by table name, in [`TABLES`] order.
    pub fn into_frames(self) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
        Ok(vec![
            (Person::NAME, Person::to_frame(self.people)?),
            (
                PullRequest::NAME,
                PullRequest::to_frame(self.pull_requests)?,
            ),
            (Review::NAME, Review::to_frame(self.reviews)?),
            (
                ReviewRequest::NAME,
                ReviewRequest::to_frame(self.review_requests)?,
            ),
            (PrEvent::NAME, PrEvent::to_frame(self.pr_events)?),
            (PrCommit::NAME, PrCommit::to_frame(self.pr_commits)?),
            (Comment::NAME, Comment::to_frame(self.comments)?),
            (Issue::NAME, Issue::to_frame(self.issues)?),
            (IssueEvent::NAME, IssueEvent::to_frame(self.issue_events)?),
            (Commit::NAME, Commit::to_frame(self.commits)?),
            (FileChange::NAME, FileChange::to_frame(self.file_changes)?),
            (Deployment::NAME, Deployment::to_frame(self.deployments)?),
            (TimeOff::NAME, TimeOff::to_frame(self.time_off)?),
            (Sprint::NAME, Sprint::to_frame(self.sprints)?),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rows_become_a_frame_with_the_declared_schema() {
        let at = Utc.with_ymd_and_hms(2026, 10, 5, 9, 30, 0).unwrap();
        let review = Review {
            source: "sim".into(),
            repo: "acme/api".into(),
            number: 7,
            reviewer: "dana".into(),
            reviewer_name: None,
            state: "approved".into(),
            submitted_at: at,
            comment_count: None,
        };
        let frame = Review::to_frame(vec![review]).unwrap();
        assert_eq!(frame.schema().as_ref(), &Review::schema());
        let micros = frame
            .column("submitted_at")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap();
        assert_eq!(micros.i64().unwrap().get(0), Some(at.timestamp_micros()));
    }

    #[test]
    fn list_columns_keep_their_values() {
        let frame = Person::to_frame(vec![Person {
            person: "ada".into(),
            display_name: None,
            team: "core".into(),
            teams: Vec::new(),
            role: "engineer".into(),
            timezone: "UTC".into(),
            work_start_hour: None,
            work_end_hour: None,
            aliases: vec!["ada@example.com".into(), "ada-gh".into()],
        }])
        .unwrap();
        let aliases = frame
            .column("aliases")
            .unwrap()
            .list()
            .unwrap()
            .get_as_series(0)
            .unwrap();
        assert_eq!(aliases.len(), 2);
    }

    #[test]
    fn every_required_column_exists_in_its_schema() {
        for spec in TABLES {
            let schema = (spec.schema)();
            for column in spec.required {
                assert!(schema.contains(column), "{}.{column}", spec.name);
            }
            if let Some(column) = spec.partition_by {
                assert_eq!(
                    schema.get(column),
                    Some(&TIMESTAMP),
                    "{}.{column}",
                    spec.name
                );
            }
        }
    }
}
