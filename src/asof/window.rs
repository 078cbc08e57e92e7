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
//! activity. Those readers get the window's rows (after the cut) and the rest, cut the same
//! way, and nothing else.
//!
//! **Why a filter on the old partitions, not a summary of each partition in the manifest.**
//! Every month of a real store keeps a few PRs open for good (0.2 % of a simulated year's PRs
//! are never closed), so no month before the window can be skipped whole by a per-partition
//! bound on when its rows close; only a row-level test says which rows are needed. That test
//! reads a few columns: Parquet's reader decodes the filter's columns of an old partition
//! (timestamps and PR numbers, integers) and only the matching rows of the others. A summary
//! would also have to be written by every writer of the store and be missing from stores
//! written before it, while the Parquet footer is in every file already. The filter on PR
//! numbers is a superset (numbers repeat across repositories); the exact test, on repository
//! and number, runs on the few rows it lets through.

use std::collections::BTreeMap;

use polars::prelude::*;

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

/// The rows the months `first` to `last` need (see the module documentation).
pub fn window(store: &Store, first: Month, last: Month) -> Result<Windowed, WindowError> {
    read(store, first, last).map_err(|e| match e {
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

fn read(store: &Store, first: Month, last: Month) -> Result<Windowed, Failure> {
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
    let mut tables = Tables::new();
    let mut rest = Tables::new();

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

    // PRs: the window's, and of older months those still open at its start or named by it.
    let done_before_start = |column: &str| before(column, start).fill_null(lit(false));
    let alive = done_before_start("merged_at")
        .or(done_before_start("closed_at"))
        .not();
    let named_numbers = numbers(&named, "number")?;
    let old_prs = marked(
        scan("pull_requests", Months::Before)?.filter(
            alive
                .clone()
                .or(col("number").is_in(named_numbers.lit().implode(true), false)),
        ),
        named.clone().lazy(),
        &["repo", "number"],
        &["repo", "number"],
        "__named",
    )
    .filter(alive.clone().or(col("__named")))
    .drop(by_name(["__named"], true, false));
    let prs = in_memory(
        "pull_requests",
        concat(
            [old_prs, scan("pull_requests", Months::Inside)?],
            UnionArgs::default(),
        )?,
    )?;
    // The PRs that can have rows in the months before the window: those opened before it, and,
    // for commits, those whose first commit was written before it.
    let pr_keys_where = |keep: Expr| -> PolarsResult<(DataFrame, Series)> {
        let keys = prs
            .clone()
            .filter(keep)
            .select([col("repo"), col("number")])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?;
        let numbers = numbers(&keys, "number")?;
        Ok((keys, numbers))
    };
    let opened_before = before("created_at", start).fill_null(lit(true));
    let (old_keys, old_numbers) = pr_keys_where(opened_before.clone())?;
    let (early_keys, early_numbers) =
        pr_keys_where(opened_before.or(before("first_commit_at", start).fill_null(lit(true))))?;
    let (pr_keys, pr_numbers) = pr_keys_where(lit(true))?;
    tables.insert("pull_requests", prs);

    // Every row of those PRs, whatever its month. A row is a PR's commit, review, request,
    // timeline event or comment: only the commits are written before a PR is opened (and seen
    // with it, `super::as_of`); the others follow its opening.
    let of_prs = |frame: LazyFrame, (keys, numbers): (&DataFrame, &Series), keep: bool| {
        let frame = if keep {
            frame.filter(col("number").is_in(numbers.clone().lit().implode(true), false))
        } else {
            frame
        };
        let marked = marked(
            frame,
            keys.clone().lazy(),
            &["repo", "number"],
            &["repo", "number"],
            "__kept",
        );
        if keep {
            marked.filter(col("__kept"))
        } else {
            marked.filter(col("__kept").not())
        }
        .drop(by_name(["__kept"], true, false))
    };
    for table in ["reviews", "review_requests", "pr_events", "pr_commits"] {
        let before_window = if table == "pr_commits" {
            (&early_keys, &early_numbers)
        } else {
            (&old_keys, &old_numbers)
        };
        let frame = concat(
            [
                of_prs(scan(table, Months::Before)?, before_window, true),
                scan(table, Months::Inside)?,
            ],
            UnionArgs::default(),
        )?;
        let frame = if model::READ_REPEATEDLY.contains(&table) {
            in_memory(table, frame)?
        } else {
            frame
        };
        tables.insert(table, frame);
        rest.insert(
            table,
            of_prs(scan(table, Months::Before)?, before_window, false),
        );
    }

    // Tickets: the window's, and of older months those not done before its start or named by
    // a change or comment of the window or later.
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
    let named_tickets = named_tickets
        .column("key")?
        .as_materialized_series()
        .clone();
    let open_at_start = col("status_category")
        .neq(lit("done"))
        .fill_null(lit(true))
        .or(col("resolved_at").is_null())
        .or(before("resolved_at", start).not());
    let needed_ticket = open_at_start
        .clone()
        .or(col("key").is_in(named_tickets.lit().implode(true), false));
    let issues = in_memory(
        "issues",
        concat(
            [
                scan("issues", Months::Before)?.filter(needed_ticket.clone()),
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
    let ticket_keys = ticket_keys.column("key")?.as_materialized_series().clone();
    let ticket_of = |column: &str| {
        col(column)
            .is_in(ticket_keys.clone().lit().implode(true), false)
            .fill_null(lit(false))
    };
    let of_kept_tickets = ticket_of("key");
    tables.insert("issues", issues);
    let old_tickets = scan("issues", Months::Before)?
        .filter(needed_ticket.clone().not().and(before("created_at", end)));
    tables.insert(
        "issue_events",
        in_memory(
            "issue_events",
            concat(
                [
                    scan("issue_events", Months::Before)?.filter(of_kept_tickets.clone()),
                    scan("issue_events", Months::Inside)?,
                    scan("issue_events", Months::After)?.filter(of_kept_tickets.clone()),
                ],
                UnionArgs::default(),
            )?,
        )?,
    );
    // A change of a ticket that is not one of the window's counts, as over the whole store, if
    // its ticket is stored (and so older than the window).
    rest.insert(
        "issue_events",
        marked(
            scan("issue_events", Months::Before)?.filter(of_kept_tickets.clone().not()),
            old_tickets.clone().select([col("key")]),
            &["key"],
            &["key"],
            "__seen",
        )
        .filter(col("__seen"))
        .drop(by_name(["__seen"], true, false)),
    );
    rest.insert("issues", old_tickets);

    // Comments of the PRs and tickets kept.
    let pr_item_texts = old_numbers.cast(&DataType::String)?;
    let comment_of_kept = |frame: LazyFrame| {
        marked(
            frame.with_column(col("item").cast(DataType::Int64).alias("__number")),
            old_keys.clone().lazy(),
            &["container", "__number"],
            &["repo", "number"],
            "__kept_pr",
        )
        .with_column(
            col("target")
                .eq(lit("pr"))
                .and(col("__kept_pr"))
                .or(col("target").eq(lit("issue")).and(ticket_of("item")))
                .fill_null(lit(false))
                .alias("__kept"),
        )
        .drop(by_name(["__number", "__kept_pr"], true, false))
    };
    let old_comments = |keep: bool| -> Result<LazyFrame, Failure> {
        let frame = scan("comments", Months::Before)?;
        let frame = if keep {
            frame.filter(
                col("item")
                    .is_in(pr_item_texts.clone().lit().implode(true), false)
                    .or(ticket_of("item")),
            )
        } else {
            frame
        };
        let kept = comment_of_kept(frame);
        Ok(if keep {
            kept.filter(col("__kept"))
        } else {
            kept.filter(col("__kept").not())
        }
        .drop(by_name(["__kept"], true, false)))
    };
    tables.insert(
        "comments",
        concat(
            [old_comments(true)?, scan("comments", Months::Inside)?],
            UnionArgs::default(),
        )?,
    );
    rest.insert("comments", old_comments(false)?);

    // Git commits: those that landed in the window or later, or name a kept PR; after it, only
    // those the cut keeps (landed before the end).
    let commit_of_kept = |frame: LazyFrame| {
        marked(
            frame,
            early_keys.clone().lazy(),
            &["repo", "pr_number"],
            &["repo", "number"],
            "__kept_pr",
        )
        .with_column(
            before("landed_at", start)
                .not()
                .fill_null(lit(false))
                .or(col("__kept_pr"))
                .alias("__kept"),
        )
        .drop(by_name(["__kept_pr"], true, false))
    };
    let kept_old_commits = commit_of_kept(
        scan("commits", Months::Before)?.filter(
            before("landed_at", start)
                .not()
                .fill_null(lit(false))
                .or(col("pr_number")
                    .is_in(early_numbers.clone().lit().implode(true), false)
                    .fill_null(lit(false))),
        ),
    )
    .filter(col("__kept"))
    .drop(by_name(["__kept"], true, false));
    let commits = concat(
        [
            kept_old_commits.clone(),
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
    let commit_shas = commit_keys.column("sha")?.as_materialized_series().clone();
    tables.insert("commits", commits);
    let old_commits = commit_of_kept(scan("commits", Months::Before)?)
        .filter(col("__kept").not().and(commit_landed_before(end)))
        .drop(by_name(["__kept"], true, false));
    rest.insert("commits", old_commits.clone());

    // File changes of the kept commits and PRs, read once into memory: the table has no
    // months, so every read of it would read every month's.
    let file_of_kept = |frame: LazyFrame| {
        let frame = marked(
            frame,
            pr_keys.clone().lazy(),
            &["repo", "number"],
            &["repo", "number"],
            "__kept_pr",
        );
        marked(
            frame,
            commit_keys.clone().lazy(),
            &["repo", "sha"],
            &["repo", "sha"],
            "__kept_commit",
        )
        .with_column(col("__kept_pr").or(col("__kept_commit")).alias("__kept"))
        .drop(by_name(["__kept_pr", "__kept_commit"], true, false))
    };
    tables.insert(
        "file_changes",
        file_of_kept(
            scan("file_changes", Months::All)?.filter(
                col("number")
                    .is_in(pr_numbers.clone().lit().implode(true), false)
                    .fill_null(lit(false))
                    .or(col("sha")
                        .is_in(commit_shas.lit().implode(true), false)
                        .fill_null(lit(false))),
            ),
        )
        .filter(col("__kept"))
        .drop(by_name(["__kept"], true, false))
        .collect()?
        .lazy(),
    );

    // The rest of the PRs, cut as the whole store is; their commits, kept by the cut where
    // their PR is among them.
    let old_prs_left = super::pull_requests(
        marked(
            scan("pull_requests", Months::Before)?,
            named.lazy(),
            &["repo", "number"],
            &["repo", "number"],
            "__named",
        )
        .filter(alive.or(col("__named")).not())
        .drop(by_name(["__named"], true, false)),
        end,
    );
    let left_keys = old_prs_left
        .clone()
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let pr_commits_left = rest
        .remove("pr_commits")
        .unwrap_or_else(|| DataFrame::empty().lazy());
    rest.insert(
        "pr_commits",
        marked(
            pr_commits_left,
            left_keys.clone().lazy(),
            &["repo", "number"],
            &["repo", "number"],
            "__seen",
        )
        .filter(col("__seen"))
        .drop(by_name(["__seen"], true, false)),
    );
    if let Some(requests) = rest.remove("review_requests") {
        rest.insert(
            "review_requests",
            requests.with_column(super::unless_before("removed_at", end)),
        );
    }
    rest.insert("pull_requests", old_prs_left);

    // How many rows the rest holds, per table: what the coverage adds to the window's. Where
    // the cut keeps every row of the months before the window (their times are before its
    // end, and nothing else decides), the rest's are the stored rows less the window's: the
    // manifest has the first, the window's are few.
    let stored_before = |table: &str| -> usize {
        store
            .manifest()
            .tables
            .get(table)
            .map(|t| {
                t.files
                    .iter()
                    .filter(|f| matches!(f.partition(), Partition::Month(m) if m < first))
                    .map(|f| f.rows)
                    .sum()
            })
            .unwrap_or(0)
    };
    let mut kept_before: Vec<(&'static str, LazyFrame)> = Vec::new();
    for table in ["reviews", "review_requests", "pr_events"] {
        kept_before.push((
            table,
            of_prs(
                scan(table, Months::Before)?,
                (&old_keys, &old_numbers),
                true,
            ),
        ));
    }
    kept_before.push(("comments", old_comments(true)?));
    kept_before.push((
        "issues",
        scan("issues", Months::Before)?.filter(needed_ticket.clone()),
    ));
    kept_before.push(("commits", kept_old_commits));
    let mut rest_rows = BTreeMap::new();
    for (table, kept) in kept_before {
        let kept = crate::common::frame::count_rows(kept)?;
        rest_rows.insert(table, stored_before(table).saturating_sub(kept));
    }
    for table in ["pull_requests", "pr_commits", "issue_events"] {
        rest_rows.insert(
            table,
            crate::common::frame::count_rows(rest[table].clone())?,
        );
    }
    // A file change counts with its commit or its PR, if the rest has it.
    let left_commit_keys = old_commits
        .select([col("repo"), col("sha")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let left_files = file_of_kept(scan("file_changes", Months::All)?)
        .filter(col("__kept").not())
        .drop(by_name(["__kept"], true, false));
    let left_files = marked(
        left_files,
        left_keys.lazy(),
        &["repo", "number"],
        &["repo", "number"],
        "__pr_seen",
    );
    let left_files = marked(
        left_files,
        left_commit_keys.lazy(),
        &["repo", "sha"],
        &["repo", "sha"],
        "__commit_seen",
    )
    .filter(col("__pr_seen").or(col("__commit_seen")));
    rest_rows.insert(
        "file_changes",
        crate::common::frame::count_rows(left_files)?,
    );

    // Small tables, read whole.
    for table in ["people", "time_off", "sprints", "deployments"] {
        tables.insert(table, in_memory(table, scan(table, Months::All)?)?);
    }
    for spec in model::TABLES {
        tables
            .entry(spec.name)
            .or_insert_with(|| model::empty_frame(spec).lazy());
        rest.entry(spec.name)
            .or_insert_with(|| model::empty_frame(spec).lazy());
    }
    let categories = super::status_categories(
        scan("issues", Months::All)?.select([col("status"), col("status_category")]),
    )
    .collect()?
    .lazy();
    Ok(Windowed {
        tables,
        rest,
        rest_rows,
        categories,
    })
}

/// `frame` with a boolean column `name`: whether its `left` columns match a row of `keys`'
/// `right` columns (a semi join's test, without polars' `semi_anti_join` feature), in
/// `frame`'s order.
fn marked(
    frame: LazyFrame,
    keys: LazyFrame,
    left: &[&str],
    right: &[&str],
    name: &str,
) -> LazyFrame {
    let right_exprs: Vec<Expr> = right.iter().map(|c| col(*c)).collect();
    let mut selected = right_exprs.clone();
    selected.push(lit(true).alias(name));
    frame
        .join(
            keys.select(selected).unique(None, UniqueKeepStrategy::Any),
            left.iter().map(|c| col(*c)).collect::<Vec<_>>(),
            right_exprs,
            left_join(),
        )
        .with_column(col(name).fill_null(lit(false)))
}

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

/// A frame's integer column's distinct values.
fn numbers(frame: &DataFrame, column: &str) -> PolarsResult<Series> {
    frame
        .column(column)?
        .as_materialized_series()
        .drop_nulls()
        .unique()
}
