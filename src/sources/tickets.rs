//! What the two trackers, Jira and Linear, do alike to the store: read the keys a project (or
//! team) has there, and replace a set of issues — their `issues`, `issue_events` and `comments`
//! rows — in one merge. A moved or deleted issue's rows go in the same merge that writes the
//! new ones, so a kill leaves the old state or the new one.

use std::collections::BTreeSet;

use polars::prelude::*;

use crate::model::{Comment, Issue, IssueEvent, Table};
use crate::store::{Replacement, Store, StoreError};

/// The keys of `source`'s issues of `project` in the store.
pub fn stored_keys(
    store: &Store,
    source: &str,
    project: &str,
) -> Result<BTreeSet<String>, StoreError> {
    let failed = |source| StoreError::Polars {
        context: format!("reading the stored issues of {project}"),
        source,
    };
    let frame = store
        .scan(Issue::NAME)?
        .filter(
            col("source")
                .eq(lit(source.to_string()))
                .and(col("project").eq(lit(project.to_string()))),
        )
        .select([col("key")])
        .collect()
        .map_err(failed)?;
    let keys = frame
        .column("key")
        .and_then(|c| c.str().cloned())
        .map_err(failed)?;
    Ok(keys.iter().flatten().map(str::to_string).collect())
}

/// The rows of a set of issues as a tracker writes them.
#[derive(Debug, Default)]
pub struct IssueRows {
    pub issues: Vec<Issue>,
    pub issue_events: Vec<IssueEvent>,
    pub comments: Vec<Comment>,
}

/// The replacements that remove every row of `source` under `keys` (the issues read again, and
/// the keys moved or deleted issues had) and write `rows`. `what` names the project or team in
/// an error.
pub fn replace_issues(
    source: &str,
    keys: impl IntoIterator<Item = String>,
    rows: IssueRows,
    what: &str,
) -> Result<Vec<Replacement>, StoreError> {
    let keys = lit(Series::new(
        "keys".into(),
        keys.into_iter().collect::<Vec<_>>(),
    ))
    .implode(true);
    let ours = || col("source").eq(lit(source.to_string()));
    let frame = |result: PolarsResult<DataFrame>, table: &str| {
        result.map_err(|source| StoreError::Polars {
            context: format!("preparing the {table} of {what}"),
            source,
        })
    };
    Ok(vec![
        Replacement {
            table: Issue::NAME,
            remove: ours().and(col("key").is_in(keys.clone(), false)),
            rows: frame(Issue::to_frame(rows.issues), "issues")?,
        },
        Replacement {
            table: IssueEvent::NAME,
            remove: ours().and(col("key").is_in(keys.clone(), false)),
            rows: frame(IssueEvent::to_frame(rows.issue_events), "issue events")?,
        },
        Replacement {
            table: Comment::NAME,
            remove: ours()
                .and(col("target").eq(lit("issue")))
                .and(col("item").is_in(keys, false)),
            rows: frame(Comment::to_frame(rows.comments), "comments")?,
        },
    ])
}
