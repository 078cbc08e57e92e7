//! What the two trackers, Jira and Linear, do alike to the store: keep a state per project (or
//! team) in the manifest, read the keys it has in the store, and replace a set of issues —
//! their `issues`, `issue_events` and `comments` rows — in one merge. A moved or deleted issue's
//! rows go in the same merge that writes the new ones, so a kill leaves the old state or the
//! new one.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Comment, Issue, IssueEvent, Table};
use crate::sources::fetch::{Estimate, read_so_far};
use crate::store::{Replacement, Store, StoreError};

/// What one project's or team's fetch read so far, for its progress line; kept in its
/// checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub issues: usize,
    /// Changelog (Jira) or history (Linear) entries: the `issue_events` rows.
    pub events: usize,
    pub comments: usize,
    pub pages: u32,
}

impl Counts {
    /// `120 issues, 840 changes, 96 comments (page 3)`, the events called `events`.
    pub fn describe(&self, events: &str) -> String {
        read_so_far(
            &[
                (self.issues, "issues"),
                (self.events, events),
                (self.comments, "comments"),
            ],
            self.pages,
        )
    }
}

/// What the manifest keeps per Jira project or Linear team, under the source's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeState {
    /// The newest update time of the issues stored so far (Jira's `updated`, Linear's
    /// `updatedAt`): where the next fetch's search starts.
    pub mark: Option<DateTime<Utc>>,
    pub last_run: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    /// When every key (Jira) or id (Linear) was last listed to find deleted, trashed and moved
    /// issues (or when the first fetch stored what there was).
    #[serde(default)]
    pub listed_at: Option<DateTime<Utc>>,
}

/// The state of project or team `name`, kept under `group` (`projects` or `teams`) of the
/// source's state; the default when there is none or it cannot be read.
pub fn scope_state(source_state: Option<&Value>, group: &str, name: &str) -> ScopeState {
    source_state
        .and_then(|s| s.get(group))
        .and_then(|g| g.get(name))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Sets the mark of every project or team under `group` to at most `from` less `margin` (with
/// `None`, clears it, so the next fetch starts at its `--since`): what `fetch --repair` does
/// when a file holding the source's rows was lost. `margin` is for a search whose mark is
/// exclusive.
pub fn rewind_marks(
    source_state: &mut Value,
    group: &str,
    from: Option<DateTime<Utc>>,
    margin: TimeDelta,
) {
    let Some(Value::Object(entries)) = source_state.get_mut(group) else {
        return;
    };
    for value in entries.values_mut() {
        if let Some(object) = value.as_object_mut() {
            let mark = object
                .get("mark")
                .and_then(|m| serde_json::from_value::<DateTime<Utc>>(m.clone()).ok());
            let rewound = match (mark, from) {
                (Some(mark), Some(from)) => Some(mark.min(from - margin)),
                _ => None,
            };
            object.insert(
                "mark".into(),
                serde_json::to_value(rewound).unwrap_or(Value::Null),
            );
        }
    }
}

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

/// Keys named in a finished line about removed issues; the rest are counted (and logged at -v).
pub const REMOVED_KEYS_SHOWN: usize = 10;

/// `; 2 issues removed (no longer in the project, or deleted): PAY-1, PAY-3`: which stored issues
/// a fetch removed, so a user who misses one in the report can tell why. Every key is also logged
/// at info level (`-v`), and the line names the first [`REMOVED_KEYS_SHOWN`].
pub fn removed_note(scope: &str, removed: &[String], why: &str) -> String {
    if removed.is_empty() {
        return String::new();
    }
    for key in removed {
        tracing::info!("{scope}: removed {key} ({why})");
    }
    let shown: Vec<&str> = removed
        .iter()
        .take(REMOVED_KEYS_SHOWN)
        .map(String::as_str)
        .collect();
    let mut text = format!(
        "; {} issue{} removed ({why}): {}",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" },
        shown.join(", ")
    );
    if removed.len() > shown.len() {
        text.push_str(&format!(
            " and {} more (-v lists them)",
            removed.len() - shown.len()
        ));
    }
    text
}

/// The start of a project's or team's finished line: `done: ` what it read (`events` naming
/// its history entries), `; ` and what it cost.
pub fn done(counts: &Counts, events: &str, cost: &str) -> String {
    format!("done: {}; {cost}", counts.describe(events))
}

/// What fetching one project or team would read, for `--dry-run`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeEstimate {
    /// The project's or team's key.
    pub key: String,
    /// Issues updated since the stored mark (or `--since`), as the tracker counts them.
    pub issues: i64,
    /// The least requests the fetch sends (long histories and comment threads add pages).
    pub requests: i64,
    /// Pages of the listing of every key or id, when one is due (`relist_days` after the
    /// last); else 0.
    pub listing_requests: i64,
}

/// A tracker's dry-run table: a row per project or team, the first column called `scope`,
/// the last saying whether the listing of its `listed` (keys, ids) is due; and the issues and
/// requests of them all, for the totals line the tracker says.
pub fn estimate_table(
    scope: &str,
    listed: &str,
    estimates: &[ScopeEstimate],
) -> (Estimate, i64, i64) {
    let listing = format!("listing of {listed} due");
    let mut table = Estimate::new(&[scope, "issues to read", "requests (at least)", &listing]);
    for e in estimates {
        let due = listing_due(e.listing_requests);
        table.row(&[&e.key, &e.issues, &e.requests, &due]);
    }
    let issues = estimates.iter().map(|e| e.issues).sum();
    let requests = estimates
        .iter()
        .map(|e| e.requests + e.listing_requests)
        .sum();
    (table, issues, requests)
}

/// The dry runs' column for a tracker's periodic listing: `no`, or `yes, 3 requests`.
fn listing_due(requests: i64) -> String {
    match requests {
        0 => "no".to_string(),
        1 => "yes, 1 request".to_string(),
        n => format!("yes, {n} requests"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_issues_are_named_up_to_ten() {
        assert_eq!(removed_note("jira PAY", &[], "gone"), "");
        assert_eq!(
            removed_note("jira PAY", &["PAY-3".to_string()], "gone"),
            "; 1 issue removed (gone): PAY-3"
        );
        let many: Vec<String> = (1..=12).map(|n| format!("PAY-{n}")).collect();
        assert_eq!(
            removed_note("jira PAY", &many, "gone"),
            "; 12 issues removed (gone): PAY-1, PAY-2, PAY-3, PAY-4, PAY-5, PAY-6, PAY-7, PAY-8, \
             PAY-9, PAY-10 and 2 more (-v lists them)"
        );
    }
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_state_is_read_from_its_group_and_defaults_when_absent() {
        let state = serde_json::json!({
            "teams": { "PAY": { "mark": at(5), "last_run": "r1", "fetched_at": at(6) } }
        });
        let pay = scope_state(Some(&state), "teams", "PAY");
        assert_eq!(pay.mark, Some(at(5)));
        assert_eq!(pay.last_run.as_deref(), Some("r1"));
        assert_eq!(pay.listed_at, None, "a state from before listings has none");
        assert_eq!(
            scope_state(Some(&state), "projects", "PAY"),
            ScopeState::default()
        );
        assert_eq!(scope_state(None, "teams", "PAY"), ScopeState::default());
    }

    #[test]
    fn rewinding_moves_marks_back_never_forward() {
        let mut state = serde_json::json!({
            "projects": { "OLD": { "mark": at(3) }, "NEW": { "mark": at(20) } }
        });
        rewind_marks(&mut state, "projects", Some(at(10)), TimeDelta::seconds(1));
        let mark = |state: &Value, name: &str| scope_state(Some(state), "projects", name).mark;
        assert_eq!(mark(&state, "OLD"), Some(at(3)));
        assert_eq!(mark(&state, "NEW"), Some(at(10) - TimeDelta::seconds(1)));
        rewind_marks(&mut state, "projects", None, TimeDelta::zero());
        assert_eq!(mark(&state, "OLD"), None, "a whole loss reads from --since");
        // Another group is left alone.
        let before = state.clone();
        rewind_marks(&mut state, "teams", Some(at(1)), TimeDelta::zero());
        assert_eq!(state, before);
    }
}
