//! What the metrics read of the months before a window.
//!
//! A report's metrics are computed over the months it reads (`analysis::Window`,
//! `asof::window`), but a few facts reach further back: where someone usually is (the offset
//! their own commits record most often places their other actions, over every commit they
//! made), each ticket status's category (a status only old tickets are in still names one),
//! and whether anyone acted before the window at all (the first day the data covers bounds a
//! person's working days, `attrition_risk`). [`History`] holds them, small: a row per person,
//! per status, one flag. [`History::compute`] reads them from the window's tables and the rest
//! of the store's (`asof::Windowed::rest`), of which it reads only the commits' authors and
//! offsets, the tickets' statuses, and one action if there is one.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::activity::{self, Kinds, Pushed};
use super::derived;
use crate::config::Config;

type Tables = BTreeMap<&'static str, LazyFrame>;

/// The whole history's facts the metrics read (see the module documentation).
#[derive(Debug, Clone)]
pub struct History {
    /// The window's first moment, in microseconds, when someone (no bot) acted before it: the
    /// data covers the window whole. `None` when no one did.
    pub acted_before: Option<i64>,
    /// Each person's usual UTC offset (`person`, `usual_offset`), as
    /// `activity::usual_offsets` gives it over every commit.
    pub usual_offsets: DataFrame,
    /// Each ticket status's category over every ticket (`crate::asof::status_categories`).
    pub status_categories: DataFrame,
    /// The rest's PRs (`repo`, `number`, `author` as the person identities merged the account
    /// into): who authored a PR a deployment before the window listed, which decides whether a
    /// team ever deployed (`deployed_pr_authors`, `queries/metrics/47_delivery_monthly.sql`).
    pub earlier_pr_authors: DataFrame,
}

impl History {
    /// The facts of the window's `tables` (cut to its end, identities applied) and of the
    /// `rest` of the store before the window (cut the same way, accounts as stored: `renamed`
    /// maps each merged account to its person), `start` the window's first moment.
    pub fn compute(
        tables: &Tables,
        rest: &Tables,
        renamed: &BTreeMap<String, String>,
        config: &Config,
        start: i64,
    ) -> PolarsResult<History> {
        let table = |tables: &Tables, name: &str| {
            tables
                .get(name)
                .cloned()
                .unwrap_or_else(|| DataFrame::empty().lazy())
        };
        let bots = derived::bots(tables, config)?;
        let acted_before = match activity::actions(rest, &bots, Kinds::All, Pushed::Ignored, None)?
        {
            Some(actions) => (actions.limit(1).collect()?.height() > 0).then_some(start),
            None => None,
        };
        // Each person's commits per offset: the window's (persons merged already) and the
        // rest's (accounts as stored, merged here). A clone's commit counts unless a PR's
        // commit of either has its SHA.
        let pushed = concat(
            [
                table(tables, "pr_commits").select([col("sha")]),
                table(rest, "pr_commits").select([col("sha")]),
            ],
            UnionArgs::default(),
        )?;
        let mut counts = Vec::new();
        if let Some(actions) =
            activity::actions(tables, &bots, Kinds::Commits, Pushed::OfTables, None)?
        {
            counts.push(activity::offset_counts(actions).collect()?);
        }
        if let Some(actions) = activity::actions(
            rest,
            &bots,
            Kinds::Commits,
            Pushed::These(Box::new(pushed)),
            None,
        )? {
            let counted = activity::offset_counts(actions).collect()?;
            counts.push(with_persons(counted, "person", renamed)?);
        }
        let usual_offsets = match counts.is_empty() {
            true => no_offsets()?,
            false => activity::usual_offsets(
                concat(
                    counts.into_iter().map(DataFrame::lazy).collect::<Vec<_>>(),
                    UnionArgs::default(),
                )?
                .group_by([col("person"), col("own_offset")])
                .agg([col("actions").sum()]),
            )
            .collect()?,
        };
        let statuses = |tables: &Tables| {
            table(tables, "issues").select([col("status"), col("status_category")])
        };
        let status_categories = crate::asof::status_categories(concat(
            [statuses(tables), statuses(rest)],
            UnionArgs::default(),
        )?)
        .sort(["status"], Default::default())
        .collect()?;
        let earlier_pr_authors = with_persons(
            table(rest, "pull_requests")
                .select([col("repo"), col("number"), col("author")])
                .collect()?,
            "author",
            renamed,
        )?;
        Ok(History {
            acted_before,
            usual_offsets,
            status_categories,
            earlier_pr_authors,
        })
    }
}

/// `frame` with the accounts of its `column` (as stored: the rest's) replaced by the person
/// identities merged each into (`renamed`; an account merged into no one stays itself).
fn with_persons(
    mut frame: DataFrame,
    column: &str,
    renamed: &BTreeMap<String, String>,
) -> PolarsResult<DataFrame> {
    let persons = {
        let accounts = frame.column(column)?.str()?;
        let persons: Vec<Option<&str>> = accounts
            .iter()
            .map(|a| a.map(|a| renamed.get(a).map_or(a, String::as_str)))
            .collect();
        Column::new(column.into(), persons)
    };
    frame.with_column(persons)?;
    Ok(frame)
}

/// No one's usual offset, with the columns.
fn no_offsets() -> PolarsResult<DataFrame> {
    DataFrame::new(
        0,
        vec![
            Column::new_empty("person".into(), &DataType::String),
            Column::new_empty("usual_offset".into(), &DataType::Int64),
        ],
    )
}
