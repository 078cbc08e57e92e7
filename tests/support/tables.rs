//! Comparing what a fetch stored with the simulated world it fetched from, table by table: what
//! the GitHub, Jira and Linear end-to-end tests all check.

use std::path::Path;

use polars::prelude::*;
use teamlens::model::{Dataset, Sprint, Table};
use teamlens::store::Store;

/// Each row of a frame as text, sorted, so two frames compare regardless of row order.
pub fn rows(frame: &DataFrame) -> Vec<String> {
    let mut out: Vec<String> = (0..frame.height())
        .map(|i| format!("{:?}", frame.get_row(i).unwrap().0))
        .collect();
    out.sort();
    out
}

/// A table of the world, as the store holds it.
pub fn world_frame(world: &Dataset, table: &str) -> DataFrame {
    world
        .clone()
        .into_frames()
        .unwrap()
        .into_iter()
        .find(|(name, _)| *name == table)
        .map(|(_, frame)| frame)
        .unwrap_or_else(|| panic!("no table {table}"))
}

/// A stored table: the rows of one source when `source` is given (tickets from Jira and Linear
/// share the tables), else all of them.
pub fn stored_frame(data: &Path, table: &str, source: Option<&str>) -> DataFrame {
    let scan = Store::open(data).unwrap().scan(table).unwrap();
    match source {
        Some(source) => scan.filter(col("source").eq(lit(source.to_string()))),
        None => scan,
    }
    .collect()
    .unwrap()
}

/// Fails with the first rows that differ, table by table.
pub fn assert_same_tables(data: &Path, want: &Dataset, tables: &[&str], source: Option<&str>) {
    let frames = want.clone().into_frames().unwrap();
    let mut problems = Vec::new();
    for table in tables {
        let (_, frame) = frames
            .iter()
            .find(|(name, _)| name == table)
            .unwrap_or_else(|| panic!("no table {table}"));
        let want = rows(frame);
        let got = rows(&stored_frame(data, table, source));
        if want != got {
            let missing: Vec<&String> = want.iter().filter(|r| !got.contains(r)).take(3).collect();
            let extra: Vec<&String> = got.iter().filter(|r| !want.contains(r)).take(3).collect();
            problems.push(format!(
                "{table}: {} rows stored, {} expected\n  missing: {missing:#?}\n  unexpected: {extra:#?}",
                got.len(),
                want.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The columns of a sprint the tracker tests compare.
const SPRINT_COLUMNS: [&str; 4] = ["name", "started_at", "ended_at", "completed_at"];

/// The stored sprints of `source` as (name, start, end, completion), sorted.
pub fn stored_sprints(data: &Path, source: &str) -> Vec<String> {
    let frame = stored_frame(data, "sprints", Some(source))
        .select(SPRINT_COLUMNS)
        .unwrap();
    rows(&frame)
}

/// The world's sprints as [`stored_sprints`] gives them; without completion dates when the
/// source does not know them.
pub fn simulated_sprints(data: &Dataset, completed: bool) -> Vec<String> {
    let sprints: Vec<Sprint> = data
        .sprints
        .iter()
        .map(|s| Sprint {
            completed_at: s.completed_at.filter(|_| completed),
            ..s.clone()
        })
        .collect();
    rows(
        &Sprint::to_frame(sprints)
            .unwrap()
            .select(SPRINT_COLUMNS)
            .unwrap(),
    )
}
