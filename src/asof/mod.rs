//! The data as it stood at a moment: what a report, retro or eval for a period may see.
//!
//! A report for June must say the same thing in December, after more data has arrived. The
//! store holds everything fetched so far, so before any identity, metric or detector reads it,
//! [`as_of`] cuts every table to what existed before the period's end and puts back the values
//! rows had then:
//!
//! - rows created at or after the end are dropped (PRs, reviews, requests, events, commits,
//!   comments, tickets, ticket events, deployments, sprints that had not started);
//! - a PR merged, closed or made ready later was open (or a draft) at the end; a review request
//!   removed later was still standing; a sprint completed later was running;
//! - a git change exists once it has landed on the branch read (`commits.landed_at`, and a git
//!   PR's `merged_at`, which is when it landed): a PR written in 2014 that a subtree merge
//!   brought in in 2023 was never open in 2022;
//! - a ticket's status, category, assignee, title and sprint are what its first change of that
//!   field after the end changed them from; `resolved_at` and `reopen_count` are recounted from
//!   the status changes before the end, with each status's category as the tickets stored today
//!   use it.
//!
//! What the store does not keep a history of stays as last read: a PR's size, title, labels and
//! `updated_at`, a ticket's estimate and labels, the files of a PR still open at the end, a
//! sprint's completion.
//! The roster (`people`, `time_off`) is configuration, not history, and is not cut.

mod membership;
mod window;

use std::collections::BTreeMap;

use polars::prelude::*;

pub use window::{WindowError, Windowed, window};

/// Every table as it stood before `end` (microseconds since the epoch, exclusive). The tables
/// named in `collect` are cut once, into memory, as soon as their cut is complete: the tables
/// the analysis reads many times (`model::READ_REPEATEDLY`), whose cut would otherwise run again
/// at every read. Cut before the others refer to them, they are what the lazy cuts of
/// `file_changes` and the rest join to, so the uncut frames are not kept alive beside them.
pub fn as_of(
    tables: BTreeMap<&'static str, LazyFrame>,
    end: i64,
    collect: &[&str],
) -> PolarsResult<BTreeMap<&'static str, LazyFrame>> {
    as_of_with(tables, end, collect, None)
}

/// [`as_of`], with each ticket status's category given (`categories`, as
/// [`status_categories`] makes it) rather than taken from `tables`' tickets: what a window of
/// months passes ([`window`]), whose tickets are not all the store's.
pub fn as_of_with(
    mut tables: BTreeMap<&'static str, LazyFrame>,
    end: i64,
    collect: &[&str],
    categories: Option<LazyFrame>,
) -> PolarsResult<BTreeMap<&'static str, LazyFrame>> {
    fn cut(
        tables: &mut BTreeMap<&'static str, LazyFrame>,
        name: &'static str,
        f: &dyn Fn(LazyFrame) -> LazyFrame,
    ) {
        if let Some(frame) = tables.remove(name) {
            tables.insert(name, f(frame));
        }
    }
    let settle =
        |tables: &mut BTreeMap<&'static str, LazyFrame>, name: &'static str| -> PolarsResult<()> {
            if collect.contains(&name)
                && let Some(frame) = tables.remove(name)
            {
                tables.insert(name, frame.collect()?.lazy());
            }
            Ok(())
        };
    cut(&mut tables, "pull_requests", &|f| pull_requests(f, end));
    settle(&mut tables, "pull_requests")?;
    cut(&mut tables, "reviews", &|f| {
        f.filter(before("submitted_at", end))
    });
    settle(&mut tables, "reviews")?;
    cut(&mut tables, "review_requests", &|f| {
        f.filter(before("requested_at", end))
            .with_column(unless_before("removed_at", end))
    });
    settle(&mut tables, "review_requests")?;
    cut(&mut tables, "pr_events", &|f| f.filter(before("at", end)));
    settle(&mut tables, "pr_events")?;
    cut(&mut tables, "pr_commits", &|f| {
        f.filter(before("authored_at", end))
    });
    // A commit pushed before its PR was opened is seen with the PR, not before it.
    if let (Some(commits), Some(prs)) = (tables.remove("pr_commits"), tables.get("pull_requests")) {
        tables.insert("pr_commits", of_existing_prs(commits, prs.clone()));
    }
    settle(&mut tables, "pr_commits")?;
    cut(&mut tables, "comments", &|f| {
        f.filter(before("created_at", end))
    });
    settle(&mut tables, "comments")?;
    cut(&mut tables, "commits", &|f| {
        f.filter(commit_landed_before(end))
    });
    settle(&mut tables, "commits")?;
    cut(&mut tables, "deployments", &|f| f.filter(before("at", end)));
    settle(&mut tables, "deployments")?;
    cut(&mut tables, "sprints", &|f| {
        f.filter(col("started_at").is_null().or(before("started_at", end)))
    });
    settle(&mut tables, "sprints")?;
    let events = tables.remove("issue_events");
    if let Some(issues) = tables.remove("issues") {
        let issues = match &events {
            Some(events) => {
                let categories = categories.unwrap_or_else(|| status_categories(issues.clone()));
                issues_as_of(issues, events.clone(), end, categories)
            }
            None => issues.filter(before("created_at", end)),
        };
        tables.insert("issues", issues);
    }
    settle(&mut tables, "issues")?;
    if let Some(events) = events {
        let events = events.filter(before("at", end));
        // Changes of a ticket that did not exist yet (an import's or a move's back-dated
        // history) are seen with the ticket.
        let events = match tables.get("issues") {
            Some(issues) => events
                .join(
                    issues
                        .clone()
                        .select([col("key"), lit(true).alias("__issue_seen")])
                        .unique(None, UniqueKeepStrategy::Any),
                    [col("key")],
                    [col("key")],
                    left_join(),
                )
                .filter(col("__issue_seen").fill_null(lit(false)))
                .drop(by_name(["__issue_seen"], true, false)),
            None => events,
        };
        tables.insert("issue_events", events);
    }
    settle(&mut tables, "issue_events")?;
    // Files have no time of their own: a git file change exists with its commit, a PR's with
    // its PR.
    if let Some(files) = tables.remove("file_changes") {
        let files = match (tables.get("commits"), tables.get("pull_requests")) {
            (Some(commits), Some(prs)) => file_changes(files, commits.clone(), prs.clone()),
            _ => files,
        };
        tables.insert("file_changes", files);
    }
    settle(&mut tables, "file_changes")?;
    Ok(tables)
}

/// `column` (a timestamp) is before `end`.
fn before(column: &str, end: i64) -> Expr {
    col(column).cast(DataType::Int64).lt(lit(end))
}

/// `column` as it was at `end`: empty when it happened at or after it.
fn unless_before(column: &str, end: i64) -> Expr {
    when(before(column, end))
        .then(col(column))
        .otherwise(lit(NULL).cast(timestamp()))
        .alias(column)
}

fn timestamp() -> DataType {
    crate::model::TIMESTAMP
}

fn commit_landed_before(end: i64) -> Expr {
    coalesce(&[
        col("landed_at").cast(DataType::Int64),
        col("authored_at").cast(DataType::Int64),
    ])
    .lt(lit(end))
}

/// A PR that existed at `end`: opened before it, and, read from git, landed before it.
fn pull_request_existed(end: i64) -> Expr {
    // The git source's rows (`sources::git::SOURCE`, not imported: sources sit above this).
    let from_git = col("source").eq(lit("git"));
    before("created_at", end).and(
        from_git
            .fill_null(lit(false))
            .not()
            .or(before("merged_at", end).fill_null(lit(false))),
    )
}

fn pull_requests(prs: LazyFrame, end: i64) -> LazyFrame {
    prs.filter(pull_request_existed(end))
        .with_columns([
            // A PR made ready later was a draft at the end.
            when(
                col("ready_at")
                    .is_not_null()
                    .and(before("ready_at", end).not()),
            )
            .then(lit(true))
            .otherwise(col("draft"))
            .alias("draft"),
            when(
                col("merged_at")
                    .is_not_null()
                    .and(before("merged_at", end).not()),
            )
            .then(lit(NULL).cast(DataType::String))
            .otherwise(col("merged_by"))
            .alias("merged_by"),
        ])
        .with_columns([
            unless_before("merged_at", end),
            unless_before("closed_at", end),
            unless_before("ready_at", end),
        ])
        .with_column(
            when(col("state").is_null())
                .then(lit(NULL).cast(DataType::String))
                .when(col("merged_at").is_not_null())
                .then(lit("merged"))
                .when(col("closed_at").is_not_null())
                .then(lit("closed"))
                .otherwise(lit("open"))
                .alias("state"),
        )
}

/// Rows of PRs that existed at the end.
fn of_existing_prs(rows: LazyFrame, prs: LazyFrame) -> LazyFrame {
    rows.join(
        pr_keys(prs),
        [col("repo"), col("number")],
        [col("repo"), col("number")],
        left_join(),
    )
    .filter(col("__pr_seen").fill_null(lit(false)))
    .drop(by_name(["__pr_seen"], true, false))
}

/// Each PR's key once, marked, for a left join that tells which rows have their PR (a semi join
/// without polars' `semi_anti_join` feature).
fn pr_keys(prs: LazyFrame) -> LazyFrame {
    prs.select([col("repo"), col("number"), lit(true).alias("__pr_seen")])
        .unique(None, UniqueKeepStrategy::Any)
}

/// A file change whose commit (git) or PR had come to exist before the end. A git commit and
/// the change it belongs to land together, so asking for either never keeps a file too early.
fn file_changes(files: LazyFrame, commits: LazyFrame, prs: LazyFrame) -> LazyFrame {
    let commit_keys = commits
        .select([col("repo"), col("sha"), lit(true).alias("__commit_seen")])
        .unique(None, UniqueKeepStrategy::Any);
    files
        .join(
            commit_keys,
            [col("repo"), col("sha")],
            [col("repo"), col("sha")],
            left_join(),
        )
        .join(
            pr_keys(prs),
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            left_join(),
        )
        .filter(
            // Either will do: an imported file change may name a commit no `commits` row has.
            col("__commit_seen")
                .fill_null(lit(false))
                .or(col("__pr_seen").fill_null(lit(false))),
        )
        .drop(by_name(["__commit_seen", "__pr_seen"], true, false))
}

/// Each status's category (`status`, `status_category`) as the tickets stored use it: a status
/// history names statuses, not their categories, and a status no stored ticket is in has none
/// (its category is not recorded, not guessed). Where tickets in one status disagree, the
/// category most of them give it, the first by name on a tie: a function of the tickets, not
/// of the order they are read in, so a window of months (`window`) and the whole store agree.
/// The time-in-status metric reads it too.
pub fn status_categories(issues: LazyFrame) -> LazyFrame {
    issues
        .filter(
            col("status")
                .is_not_null()
                .and(col("status_category").is_not_null()),
        )
        .group_by([col("status"), col("status_category")])
        .agg([len().alias("__tickets")])
        .sort_by_exprs(
            [col("status"), col("__tickets"), col("status_category")],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        )
        .group_by_stable([col("status")])
        .agg([col("status_category").first()])
}

/// Tickets created before the end, with the fields their later changes rewrote put back, each
/// status's category as `categories` says.
fn issues_as_of(
    issues: LazyFrame,
    events: LazyFrame,
    end: i64,
    categories: LazyFrame,
) -> LazyFrame {
    let category_of = |status: &str, alias: &str| {
        categories.clone().select([
            col("status").alias(status),
            col("status_category").alias(alias),
        ])
    };
    let later = events.clone().filter(before("at", end).not());
    // The value a field had at the end: what its first later change changed it from.
    let first_later = |field: &str| {
        later
            .clone()
            .filter(col("field").eq(lit(field)))
            .group_by([col("key")])
            .agg([
                col("from")
                    .sort_by([col("at")], SortMultipleOptions::default())
                    .first()
                    .alias(format!("__{field}")),
                lit(true).alias(format!("__{field}_changed")),
            ])
    };
    let status_moves = events
        .filter(col("field").eq(lit("status")))
        .join(
            category_of("from", "__from_category"),
            [col("from")],
            [col("from")],
            left_join(),
        )
        .join(
            category_of("to", "__to_category"),
            [col("to")],
            [col("to")],
            left_join(),
        );
    let reopened = |e: &LazyFrame, within: Expr| {
        e.clone().filter(
            within.and(
                col("__from_category")
                    .eq(lit("done"))
                    .and(col("__to_category").neq(lit("done")).fill_null(lit(true))),
            ),
        )
    };
    let later_reopens = reopened(&status_moves, before("at", end).not())
        .group_by([col("key")])
        .agg([len().cast(DataType::Int64).alias("__later_reopens")]);
    let last_done_before = status_moves
        .clone()
        .filter(before("at", end).and(col("__to_category").eq(lit("done"))))
        .group_by([col("key")])
        .agg([col("at").max().alias("__last_done")]);
    let mut frame = issues.filter(before("created_at", end));
    for field in ["status", "assignee", "title", "sprint"] {
        frame = frame
            .join(first_later(field), [col("key")], [col("key")], left_join())
            .with_column(
                when(col(format!("__{field}_changed")).fill_null(lit(false)))
                    .then(col(format!("__{field}")))
                    .otherwise(col(field))
                    .alias(field),
            )
            .drop(by_name([format!("__{field}")], true, false));
    }
    frame
        .join(
            category_of("status", "__category"),
            [col("status")],
            [col("status")],
            left_join(),
        )
        .join(later_reopens, [col("key")], [col("key")], left_join())
        .join(last_done_before, [col("key")], [col("key")], left_join())
        .with_column(unless_before("started_at", end))
        .with_columns([
            // A status no stored ticket has today: in progress once started, else to do.
            coalesce(&[
                col("__category"),
                when(col("started_at").is_not_null())
                    .then(lit("in_progress"))
                    .otherwise(lit("todo")),
            ])
            .alias("__category"),
        ])
        .with_columns([
            when(col("__status_changed").fill_null(lit(false)))
                .then(col("__category"))
                .otherwise(col("status_category"))
                .alias("status_category"),
            when(
                col("resolved_at")
                    .is_not_null()
                    .and(before("resolved_at", end)),
            )
            .then(col("resolved_at"))
            .when(col("__category").eq(lit("done")))
            .then(col("__last_done"))
            .otherwise(lit(NULL).cast(timestamp()))
            .alias("resolved_at"),
            (col("reopen_count") - col("__later_reopens").fill_null(lit(0i64)))
                .alias("reopen_count"),
        ])
        .drop(by_name(
            [
                "__category",
                "__later_reopens",
                "__last_done",
                "__status_changed",
                "__assignee_changed",
                "__title_changed",
                "__sprint_changed",
            ],
            true,
            false,
        ))
}

/// A left join that keeps the left rows in their order, as the tables were read: the metrics and
/// detectors must see the same rows in the same order whether or not later data was cut.
fn left_join() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Left);
    args.maintain_order = MaintainOrderJoin::Left;
    args
}
