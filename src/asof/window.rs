//! The rows a window of months needs, read without reading every month stored.
//!
//! A report judges its months and looks back a few more (trends, baselines, a detector's own
//! window: `analysis::Window`). Reading every stored month for it made a month's report on a
//! three-year store three times the cost of the same report on a one-year store. [`window`]
//! reads the window's month partitions whole, never opens the partitions of later months it
//! cannot see (the as-of cut would drop their rows), and of the months before the window keeps
//! only the rows the window still needs, so that [`super::as_of`] over what it returns gives the
//! window's months exactly what it gives them over the whole store:
//!
//! - **pull requests** still open at the window's start (not merged or closed before it: a PR
//!   opened years ago and still open is a stuck item), and those a row of the window names (a
//!   review, request, timeline event, commit or comment of the window, a commit's PR, a
//!   deployment's PR);
//! - **every row of those PRs and of the window's own PRs**, whatever its month: a PR's first
//!   review, its commits written before it was opened, the approval a detector compares a later
//!   review with; git commits that landed in the window or name one of those PRs; the file
//!   changes of those commits and PRs;
//! - **tickets** not done before the window's start (in progress, reopened, or resolved in the
//!   window) and those a change or comment of the window or later names, with **every change of
//!   those tickets**, the later ones included (the cut puts a ticket's fields back from its
//!   first later change);
//! - the roster, known time off, sprints and deployments whole: small, and read whole by the
//!   delivery metrics (a deployment's number and the first deployment that shipped a PR are
//!   over all of them).
//!
//! What is left over ([`Windowed::rest`]) is what only the whole history uses: who is who
//! (an account's names over the years), the rows the report says it read, the first day of
//! activity, who authored the PRs the deployments before the window listed (whether a team ever
//! deployed). Those readers get the window's rows (after the cut) and the rest, cut the same
//! way, and nothing else.
//!
//! **Why a filter on the old partitions, not a summary of each partition in the manifest.**
//! Every month of a real store keeps a few PRs open for good (0.2 % of a simulated year's PRs
//! are never closed), so no month before the window can be skipped whole by a per-partition
//! bound on when its rows close; only a row-level test says which rows are needed. Each table's
//! months before the window are read once, and the test, `is_in` on one key column
//! ([`super::membership`]), splits them into the window's and the rest's: reading the rows costs
//! less than telling them apart (docs/scale.md), so the test is what must be cheap. A summary
//! would also have to be written by every writer of the store and be missing from stores
//! written before it.
//!
//! **Revisited with measurements (docs/scale.md, "The old rows told apart by `is_in`").** On a
//! 36-month store this read still costs 1.2–2.1 s beyond a 12-month store's, now mostly reading
//! the earlier months' rows. A summary per partition still cannot skip a month (the PRs open for
//! good); what could is a chain of derived states, each the state at a month's end made from the
//! one before and that month's partitions (the rows still alive, which partitions hold each PR's
//! and ticket's rows, the rest's evidence and counts before identities), kept as derived files
//! keyed by their partitions' checksums. It was not built: the rest's facts are not sums a chain
//! can carry as they are (a clone's commit counts for `metrics::History` unless a PR commit of
//! the window has its SHA; the coverage's self-reviews are decided after identities), and the
//! table read whole on every report, `file_changes`, has no months to chain.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::membership::{marked, marked_lazily};
use super::{before, commit_landed_before, left_join};
use crate::common::time::micros_span;
use crate::model;
use crate::period::Month;
use crate::store::{Partition, Store, StoreError};

/// The normalized tables by name.
pub type Tables = BTreeMap<&'static str, LazyFrame>;

/// Why the window could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the rows the months from {first} on need: {source}")]
    Polars {
        first: Month,
        #[source]
        source: PolarsError,
    },
}

/// What [`window`] read.
pub struct Windowed {
    /// Every row the window needs, not yet cut (`super::as_of` cuts them): the tables the
    /// analysis reads many times (`model::READ_REPEATEDLY`) in memory with their analysis
    /// columns (`model::ANALYSIS_COLUMNS`), as `Store::analysis_tables` holds them, the others
    /// lazy scans.
    pub tables: Tables,
    /// The rows of the months before the window that `tables` leaves out, as the as-of cut at
    /// the window's end keeps them (lazy scans, nothing held): with `tables` after the cut,
    /// the whole history as it stood, for what reads all of it (identities, `metrics::History`,
    /// the coverage). The timeline events and file changes are only counted (`rest_rows`).
    pub rest: Tables,
    /// How many rows of each table `rest` holds, as the cut keeps them (tables it holds none
    /// of are not named): counted here, where most are the stored rows less the window's.
    pub rest_rows: BTreeMap<&'static str, usize>,
    /// Each ticket status's category over every stored ticket (`super::status_categories`):
    /// what the cut gives a status a ticket had at the end, as over the whole store.
    pub categories: LazyFrame,
}

/// The rows the months `first` to `last` need (see the module documentation). `for_teams`: the
/// read of some teams' narrowed report (`scope::narrows`), whose narrowing keeps the file
/// changes of the teams' repositories and of the data's last week: those are left a lazy scan,
/// which narrowing's filter reaches, instead of every file change being told apart here, and the
/// rest's are not counted (a narrowed report's coverage counts what it read).
pub fn window(
    store: &Store,
    first: Month,
    last: Month,
    for_teams: bool,
) -> Result<Windowed, WindowError> {
    read(store, first, last, for_teams).map_err(|e| match e {
        Failure::Store(e) => WindowError::Store(e),
        Failure::Polars(source) => WindowError::Polars { first, source },
    })
}

enum Failure {
    Store(StoreError),
    Polars(PolarsError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl From<PolarsError> for Failure {
    fn from(e: PolarsError) -> Self {
        Failure::Polars(e)
    }
}

/// Which partitions a read takes.
#[derive(Clone, Copy)]
enum Months {
    /// Before the window.
    Before,
    /// The window's.
    Inside,
    /// After the window.
    After,
    /// The window's and after.
    FromInside,
    /// Every partition, and unpartitioned tables.
    All,
}

/// Logs what a part of the read cost since the last (`TEAMLENS_LOG=teamlens=debug`), and
/// starts the next.
fn lap(watch: &mut crate::measure::Stopwatch, part: &str) {
    tracing::debug!(
        part,
        seconds = watch.seconds(),
        cpu_seconds = watch.cpu_seconds(),
        "window read"
    );
    *watch = crate::measure::Stopwatch::start();
}

fn read(store: &Store, first: Month, last: Month, for_teams: bool) -> Result<Windowed, Failure> {
    let mut watch = crate::measure::Stopwatch::start();
    let start = micros_span(first, first).0;
    let end = micros_span(last, last).1;
    let scan = |table: &str, months: Months| {
        store.scan_partitions(table, move |partition| match (months, partition) {
            (Months::All, _) => true,
            (_, Partition::Whole | Partition::Unknown) => false,
            (Months::Before, Partition::Month(m)) => m < first,
            (Months::Inside, Partition::Month(m)) => m >= first && m <= last,
            (Months::After, Partition::Month(m)) => m > last,
            (Months::FromInside, Partition::Month(m)) => m >= first,
        })
    };
    // The rest's columns of a table, with those a test of which rows are the window's reads.
    let lean = |table: &str, more: &[&str]| -> Vec<Expr> {
        let mut columns: Vec<&str> = REST_COLUMNS
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, c)| c.to_vec())
            .unwrap_or_default();
        for column in more {
            if !columns.contains(column) {
                columns.push(column);
            }
        }
        columns.into_iter().map(col).collect()
    };
    let mut tables = Tables::new();
    let mut rest = Tables::new();
    let mut rest_rows = BTreeMap::new();
    // The seconds of the reads only the rest needs (its reviews, requests, PR commits and
    // commits; the other tables' rest comes from the read that finds the window's rows).
    let mut rest_alone = 0.0;

    // The PRs the window's rows name.
    let pr_key = |repo: Expr, number: Expr| [repo.alias("repo"), number.alias("number")];
    let named = concat(
        [
            scan("reviews", Months::Inside)?.select(pr_key(col("repo"), col("number"))),
            scan("review_requests", Months::Inside)?.select(pr_key(col("repo"), col("number"))),
            scan("pr_events", Months::Inside)?.select(pr_key(col("repo"), col("number"))),
            scan("pr_commits", Months::Inside)?.select(pr_key(col("repo"), col("number"))),
            scan("comments", Months::Inside)?
                .filter(col("target").eq(lit("pr")))
                .select(pr_key(col("container"), col("item").cast(DataType::Int64))),
            scan("commits", Months::FromInside)?.select(pr_key(col("repo"), col("pr_number"))),
            scan("deployments", Months::FromInside)?
                .select([col("repo"), col("pr_numbers")])
                .explode(
                    by_name(["pr_numbers"], true, false),
                    ExplodeOptions {
                        empty_as_null: false,
                        keep_nulls: false,
                    },
                )
                .select(pr_key(
                    col("repo"),
                    col("pr_numbers")
                        .strict_cast(DataType::String)
                        .cast(DataType::Int64),
                )),
        ],
        UnionArgs::default(),
    )?
    .filter(col("repo").is_not_null().and(col("number").is_not_null()))
    .unique(None, UniqueKeepStrategy::Any)
    .collect()?;
    lap(&mut watch, "the PRs its rows name");

    // PRs: the window's, and of older months those still open at its start or named by it.
    // The older months' PRs are read once: the kept whole, the rest's lean.
    let done_before_start = |column: &str| before(column, start).fill_null(lit(false));
    let alive = done_before_start("merged_at")
        .or(done_before_start("closed_at"))
        .not();
    let old_prs = marked(
        scan("pull_requests", Months::Before)?,
        &named,
        &["repo", "number"],
        &["repo", "number"],
        "__named",
    )?
    .with_column(alive.or(col("__named")).alias("__kept"))
    .collect()?;
    // Every row of a kept PR (another source's row of it too), as the cut sees a PR's rows.
    let kept_old_keys = old_prs
        .clone()
        .lazy()
        .filter(col("__kept"))
        .select([col("repo"), col("number")])
        .collect()?;
    let kept_old_prs = marked(
        old_prs
            .clone()
            .lazy()
            .drop(by_name(["__named", "__kept"], true, false)),
        &kept_old_keys,
        &["repo", "number"],
        &["repo", "number"],
        "__kept",
    )?
    .filter(col("__kept"))
    .drop(by_name(["__kept"], true, false));
    let rest_prs = old_prs
        .lazy()
        .filter(col("__kept").not().and(super::pull_request_existed(end)))
        .select(lean("pull_requests", &[]))
        .collect()?;
    rest_rows.insert("pull_requests", rest_prs.height());
    let prs = in_memory(
        "pull_requests",
        concat(
            [kept_old_prs, scan("pull_requests", Months::Inside)?],
            UnionArgs::default(),
        )?,
    )?;
    let left_pr_keys = rest_prs.select(["repo", "number"])?;
    rest.insert("pull_requests", rest_prs.lazy());
    // The PRs that can have rows in the months before the window: those opened before it, and,
    // for commits, those whose first commit was written before it.
    let keys_where = |keep: Expr| -> PolarsResult<DataFrame> {
        prs.clone()
            .filter(keep)
            .select([col("repo"), col("number")])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()
    };
    let opened_before = before("created_at", start).fill_null(lit(true));
    let old_keys = keys_where(opened_before.clone())?;
    let early_keys =
        keys_where(opened_before.or(before("first_commit_at", start).fill_null(lit(true))))?;
    let pr_keys = keys_where(lit(true))?;
    tables.insert("pull_requests", prs);
    lap(&mut watch, "pull requests");

    // Every row of those PRs, whatever its month. A row is a PR's commit, review, request,
    // timeline event or comment: only the commits are written before a PR is opened (and seen
    // with it, `super::as_of`); the others follow its opening.
    for table in ["reviews", "review_requests", "pr_events", "pr_commits"] {
        let before_window = if table == "pr_commits" {
            &early_keys
        } else {
            &old_keys
        };
        // One read of the months before: the kept rows whole, the rest's lean.
        let old = marked(
            scan(table, Months::Before)?,
            before_window,
            &["repo", "number"],
            &["repo", "number"],
            "__kept",
        )?
        .collect()?;
        let kept = old
            .clone()
            .lazy()
            .filter(col("__kept"))
            .drop(by_name(["__kept"], true, false))
            .collect()?;
        let frame = concat(
            [kept.clone().lazy(), scan(table, Months::Inside)?],
            UnionArgs::default(),
        )?;
        tables.insert(table, in_memory(table, frame)?);
        if table == "pr_events" {
            // Only counted.
            rest_rows.insert(table, old.height() - kept.height());
            continue;
        }
        let alone = crate::measure::Stopwatch::start();
        let mut left = old.lazy().filter(col("__kept").not());
        if table == "pr_commits" {
            // Seen by the cut with their PR, if the rest has it.
            left = marked(
                left,
                &left_pr_keys,
                &["repo", "number"],
                &["repo", "number"],
                "__seen",
            )?
            .filter(col("__seen"));
        }
        let left = left.select(lean(table, &[])).collect()?;
        rest_alone += alone.seconds();
        rest_rows.insert(table, left.height());
        rest.insert(table, left.lazy());
    }
    lap(&mut watch, "reviews, requests, events, PR commits");

    // Tickets: the window's, and of older months those not done before its start or named by
    // a change or comment of the window or later. The older months' tickets are read once.
    let named_tickets = concat(
        [
            scan("issue_events", Months::FromInside)?.select([col("key")]),
            scan("comments", Months::Inside)?
                .filter(col("target").eq(lit("issue")))
                .select([col("item").alias("key")]),
        ],
        UnionArgs::default(),
    )?
    .filter(col("key").is_not_null())
    .unique(None, UniqueKeepStrategy::Any)
    .collect()?;
    let of = |frame: LazyFrame, column: &str, keys: &DataFrame, name: &str| {
        marked(frame, keys, &[column], &["key"], name)
    };
    let open_at_start = col("status_category")
        .neq(lit("done"))
        .fill_null(lit(true))
        .or(col("resolved_at").is_null())
        .or(before("resolved_at", start).not());
    let old_tickets = of(
        scan("issues", Months::Before)?,
        "key",
        &named_tickets,
        "__named",
    )?
    .with_column(open_at_start.or(col("__named")).alias("__kept"))
    .drop(by_name(["__named"], true, false))
    .collect()?;
    let kept_old_tickets = old_tickets
        .clone()
        .lazy()
        .filter(col("__kept"))
        .select([col("key")])
        .collect()?;
    let rest_tickets = old_tickets
        .clone()
        .lazy()
        .filter(col("__kept").not().and(before("created_at", end)))
        .select(lean("issues", &[]))
        .collect()?;
    rest_rows.insert("issues", rest_tickets.height());
    let left_ticket_keys =
        rest_tickets
            .select(["key"])?
            .unique_stable(None, UniqueKeepStrategy::Any, None)?;
    rest.insert("issues", rest_tickets.lazy());
    let issues = in_memory(
        "issues",
        concat(
            [
                of(
                    old_tickets.lazy().drop(by_name(["__kept"], true, false)),
                    "key",
                    &kept_old_tickets,
                    "__kept",
                )?
                .filter(col("__kept"))
                .drop(by_name(["__kept"], true, false)),
                scan("issues", Months::Inside)?,
            ],
            UnionArgs::default(),
        )?,
    )?;
    let ticket_keys = issues
        .clone()
        .select([col("key")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    tables.insert("issues", issues);
    // The changes of the months before the window, read once: those of its tickets it keeps;
    // those of the rest's tickets (seen with them by the cut) it counts.
    let old_events = of(
        of(
            scan("issue_events", Months::Before)?,
            "key",
            &ticket_keys,
            "__kept",
        )?,
        "key",
        &left_ticket_keys,
        "__left",
    )?
    .filter(col("__kept").or(col("__left")))
    .collect()?;
    let split = |keep: &str| -> PolarsResult<DataFrame> {
        old_events
            .clone()
            .lazy()
            .filter(col(keep))
            .drop(by_name(["__kept", "__left"], true, false))
            .collect()
    };
    let kept_events = split("__kept")?;
    rest_rows.insert("issue_events", split("__left")?.height());
    drop(old_events);
    tables.insert(
        "issue_events",
        in_memory(
            "issue_events",
            concat(
                [
                    kept_events.lazy(),
                    scan("issue_events", Months::Inside)?,
                    of(
                        scan("issue_events", Months::After)?,
                        "key",
                        &ticket_keys,
                        "__kept",
                    )?
                    .filter(col("__kept"))
                    .drop(by_name(["__kept"], true, false)),
                ],
                UnionArgs::default(),
            )?,
        )?,
    );
    // Whether one of the rest's is anyone's action is asked of a scan, which stops at the
    // first.
    rest.insert(
        "issue_events",
        marked_lazily(
            scan("issue_events", Months::Before)?.select(lean("issue_events", &[])),
            left_ticket_keys.clone().lazy(),
            &["key"],
            &["key"],
            "__left",
        )
        .filter(col("__left"))
        .drop(by_name(["__left"], true, false)),
    );
    lap(&mut watch, "tickets and their changes");

    // Comments of the PRs and tickets kept, and the rest's, from one read.
    let old_comments = of(
        marked(
            scan("comments", Months::Before)?
                .with_column(col("item").cast(DataType::Int64).alias("__number")),
            &old_keys,
            &["container", "__number"],
            &["repo", "number"],
            "__kept_pr",
        )?,
        "item",
        &ticket_keys,
        "__kept_ticket",
    )?
    .with_column(
        col("target")
            .eq(lit("pr"))
            .and(col("__kept_pr"))
            .or(col("target").eq(lit("issue")).and(col("__kept_ticket")))
            .fill_null(lit(false))
            .alias("__kept"),
    )
    .drop(by_name(
        ["__number", "__kept_pr", "__kept_ticket"],
        true,
        false,
    ))
    .collect()?;
    let kept_comments = old_comments
        .clone()
        .lazy()
        .filter(col("__kept"))
        .drop(by_name(["__kept"], true, false))
        .collect()?;
    let left_comments = old_comments
        .lazy()
        .filter(col("__kept").not())
        .select(lean("comments", &[]))
        .collect()?;
    tables.insert(
        "comments",
        concat(
            [kept_comments.lazy(), scan("comments", Months::Inside)?],
            UnionArgs::default(),
        )?,
    );
    rest_rows.insert("comments", left_comments.height());
    rest.insert("comments", left_comments.lazy());
    lap(&mut watch, "comments");

    // Git commits: those that landed in the window or later, or name a kept PR; after it, only
    // those the cut keeps (landed before the end).
    // The months before are read once: the kept whole, the rest's lean.
    let old_commits = marked(
        scan("commits", Months::Before)?,
        &early_keys,
        &["repo", "pr_number"],
        &["repo", "number"],
        "__kept_pr",
    )?
    .with_column(
        before("landed_at", start)
            .not()
            .fill_null(lit(false))
            .or(col("__kept_pr"))
            .alias("__kept"),
    )
    .drop(by_name(["__kept_pr"], true, false))
    .collect()?;
    let kept_commits = old_commits
        .clone()
        .lazy()
        .filter(col("__kept"))
        .drop(by_name(["__kept"], true, false))
        .collect()?;
    let commits = concat(
        [
            kept_commits.lazy(),
            scan("commits", Months::Inside)?,
            scan("commits", Months::After)?.filter(commit_landed_before(end)),
        ],
        UnionArgs::default(),
    )?;
    let commit_keys = commits
        .clone()
        .select([col("repo"), col("sha")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    tables.insert("commits", commits);
    let alone = crate::measure::Stopwatch::start();
    let left_commits = old_commits
        .lazy()
        .filter(col("__kept").not().and(commit_landed_before(end)))
        .select(lean("commits", &[]))
        .collect()?;
    rest_alone += alone.seconds();
    rest_rows.insert("commits", left_commits.height());
    let left_commit_keys = left_commits.select(["repo", "sha"])?;
    rest.insert("commits", left_commits.lazy());
    lap(&mut watch, "commits");

    // File changes of the kept commits and PRs, read once into memory: the table has no
    // months, so every read of it would read every month's. Those of the rest's are counted,
    // from the same read. A team's read leaves them to narrowing, which reads a few
    // repositories' (`for_teams`).
    if for_teams {
        // Kept by the window's PRs or commits, each key set distinct already: nothing of the
        // rest's keys is gathered, and narrowing's filter reaches the scan.
        let kept_by = |keys: &DataFrame, key: &str, name: &str| {
            keys.clone()
                .lazy()
                .select([col("repo"), col(key), lit(true).alias(name)])
        };
        tables.insert(
            "file_changes",
            scan("file_changes", Months::All)?
                .join(
                    kept_by(&pr_keys, "number", "__pr_kept"),
                    [col("repo"), col("number")],
                    [col("repo"), col("number")],
                    left_join(),
                )
                .join(
                    kept_by(&commit_keys, "sha", "__commit_kept"),
                    [col("repo"), col("sha")],
                    [col("repo"), col("sha")],
                    left_join(),
                )
                .filter(
                    col("__pr_kept")
                        .fill_null(lit(false))
                        .or(col("__commit_kept").fill_null(lit(false))),
                )
                .drop(by_name(["__pr_kept", "__commit_kept"], true, false)),
        );
    } else {
        // Kept by a PR or commit of the window's, left by one of the rest's (the two are apart).
        let pr = ["repo", "number"];
        let commit = ["repo", "sha"];
        let mut files = scan("file_changes", Months::All)?;
        for (keys, columns, name) in [
            (&pr_keys, &pr, "__pr_kept"),
            (&left_pr_keys, &pr, "__pr_left"),
            (&commit_keys, &commit, "__commit_kept"),
            (&left_commit_keys, &commit, "__commit_left"),
        ] {
            files = marked(files, keys, columns, columns, name)?;
        }
        let marks = ["__pr_kept", "__pr_left", "__commit_kept", "__commit_left"];
        let files = files
            .with_columns([
                col("__pr_kept").or(col("__commit_kept")).alias("__kept"),
                col("__pr_left").or(col("__commit_left")).alias("__left"),
            ])
            .drop(by_name(marks, true, false))
            .filter(col("__kept").or(col("__left")))
            .collect()?;
        rest_rows.insert(
            "file_changes",
            files
                .clone()
                .lazy()
                .filter(col("__kept").not())
                .collect()?
                .height(),
        );
        tables.insert(
            "file_changes",
            files
                .lazy()
                .filter(col("__kept"))
                .drop(by_name(["__kept", "__left"], true, false))
                .collect()?
                .lazy(),
        );
    }
    lap(&mut watch, "file changes");

    // Small tables, read whole.
    for table in ["people", "time_off", "sprints", "deployments"] {
        tables.insert(table, in_memory(table, scan(table, Months::All)?)?);
    }
    for spec in model::TABLES {
        tables
            .entry(spec.name)
            .or_insert_with(|| model::empty_frame(spec).lazy());
    }
    let categories = super::status_categories(
        scan("issues", Months::All)?.select([col("status"), col("status_category")]),
    )
    .collect()?
    .lazy();
    lap(&mut watch, "status categories");
    tracing::debug!(
        seconds = rest_alone,
        "window read: the reads only the rest needs"
    );
    Ok(Windowed {
        tables,
        rest,
        rest_rows,
        categories,
    })
}

/// The columns of the rest ([`Windowed::rest`]) its readers read: every person column the
/// analysis holds and the names they sign with (who is who), the commits' offsets and times
/// (`metrics::History`), what the coverage counts and spans, the tickets' statuses and what
/// makes one an incident. Its PR timeline events and file changes are only counted; its
/// ticket changes are only asked whether one is anyone's action, and stay a scan.
pub const REST_COLUMNS: &[(&str, &[&str])] = &[
    (
        "pull_requests",
        &[
            "source",
            "repo",
            "number",
            "author",
            "merged_by",
            "created_at",
            "merged_at",
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
            "submitted_at",
        ],
    ),
    ("review_requests", &["requested"]),
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
        ],
    ),
    ("comments", &["author", "created_at"]),
    (
        "issues",
        &[
            "source",
            "key",
            "project",
            "assignee",
            "status",
            "status_category",
            "created_at",
            "resolved_at",
            "issue_type",
            "labels",
            "linked_prs",
        ],
    ),
    ("issue_events", &["source", "key", "actor", "at", "field"]),
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
            "author_tz_offset_minutes",
            "files",
            "pr_number",
        ],
    ),
];

/// A table the analysis reads many times, in memory with its analysis columns; others as they
/// are.
fn in_memory(table: &str, frame: LazyFrame) -> PolarsResult<LazyFrame> {
    if !model::READ_REPEATEDLY.contains(&table) {
        return Ok(frame);
    }
    let columns = model::ANALYSIS_COLUMNS
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, columns)| columns.iter().map(|c| col(*c)).collect::<Vec<_>>());
    let frame = match columns {
        Some(columns) => frame.select(columns),
        None => frame,
    };
    Ok(frame.collect()?.lazy())
}
