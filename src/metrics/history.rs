//! What the metrics read of the whole history when they are computed over a window of months.
//!
//! A report's metrics are computed over the months it reads (`analysis::Window`,
//! `asof::window`), but a few facts are about all of time: the first day the data covers (a
//! person's working days before it are not part of their baseline), where someone usually is
//! (the offset their own commits record most often places their other actions), each ticket
//! status's category (a status only old tickets are in still names a category), the incidents
//! that name no PR (the coverage says how many). [`History`] holds them, small: one value, a
//! row per person, per status. [`History::compute`] reads them from the whole history as it
//! stood, given as lazy tables (the window's rows and the rest of the store's, only the columns
//! each fact needs are read), and the metrics take them from it instead of from their tables.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{activity, delivery, derived};
use crate::config::Config;

/// The whole history's facts the metrics read (see the module documentation).
#[derive(Debug, Clone)]
pub struct History {
    /// The first action anyone (no bot) took, in microseconds: `activity_local`'s earliest.
    pub first_action_us: Option<i64>,
    /// Each person's usual UTC offset (`person`, `usual_offset`), as
    /// `activity::usual_offsets` gives it over every commit.
    pub usual_offsets: DataFrame,
    /// Each ticket status's category over every ticket (`crate::asof::status_categories`).
    pub status_categories: DataFrame,
    /// Incidents that name no PR (an `incident_links` row without one).
    pub incidents_without_pr: usize,
}

impl History {
    /// The facts of `tables`, the whole history as it stood (person columns as stored; the
    /// `people` table with the bots identity found); `renamed` maps each merged account to its
    /// person (`identity::Identities::renamed`), so a person's offsets are counted over all
    /// their accounts.
    pub fn compute(
        tables: &BTreeMap<&'static str, LazyFrame>,
        renamed: &BTreeMap<String, String>,
        config: &Config,
    ) -> PolarsResult<History> {
        let table = |name: &str| {
            tables
                .get(name)
                .cloned()
                .unwrap_or_else(|| DataFrame::empty().lazy())
        };
        let bots = derived::bots(table("people"), config)?;
        // Per account and offset: commits and the earliest action. Bots are never merged into
        // a person, so leaving them out before the merges leaves out the same actions.
        let (first_action_us, usual_offsets) = match activity::actions(tables, &bots)? {
            None => (None, no_offsets()?),
            Some(actions) => {
                let first = actions
                    .clone()
                    .select([col("at_us").min()])
                    .collect()?
                    .column("at_us")?
                    .i64()?
                    .get(0);
                let counted = activity::offset_counts(actions).collect()?;
                // Summed over each person's accounts.
                let person: Vec<Option<&str>> = counted
                    .column("person")?
                    .str()?
                    .iter()
                    .map(|p| p.map(|p| renamed.get(p).map_or(p, String::as_str)))
                    .collect();
                let merged = DataFrame::new(
                    counted.height(),
                    vec![
                        Column::new("person".into(), person),
                        counted.column("own_offset")?.clone(),
                        counted.column("actions")?.clone(),
                    ],
                )?
                .lazy()
                .group_by([col("person"), col("own_offset")])
                .agg([col("actions").sum()]);
                (first, activity::usual_offsets(merged).collect()?)
            }
        };
        let status_categories = crate::asof::status_categories(table("issues"))
            .sort(["status"], Default::default())
            .collect()?;
        let links = delivery::incident_links(table("issues"), &config.dora)?;
        let incidents_without_pr = if links.height() > 0 {
            links.column("number")?.null_count()
        } else {
            0
        };
        Ok(History {
            first_action_us,
            usual_offsets,
            status_categories,
            incidents_without_pr,
        })
    }
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
