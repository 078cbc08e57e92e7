//! The store and the metric SQL run unchanged on DuckDB: the way out to a distributed engine.
//!
//! A simulated store is written by the binary; `tests/support/duckdb_metrics.py` reads its
//! Hive-style Parquet files with DuckDB's `read_parquet(…, hive_partitioning = true)` and runs
//! every file of `queries/metrics/` as it is; each result must equal polars' for the same store,
//! column by column. Needs `pip install duckdb`; without it the test says so loudly and passes,
//! unless `TEAMLENS_REQUIRE_DUCKDB=1` (CI) makes it fail.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;
use teamlens::config::Config;
use teamlens::metrics;
use teamlens::store::Store;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn metric_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("queries/metrics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

fn read_parquet(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

fn write_parquet(frame: &DataFrame, path: &Path) {
    let mut frame = frame.clone();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
}

/// A column as numbers (timestamps as microseconds), or None for text.
fn numbers(column: &Column) -> Option<Vec<Option<f64>>> {
    let column = match column.dtype() {
        DataType::Datetime(_, _) => column
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap(),
        DataType::Boolean => column.cast(&DataType::Int64).unwrap(),
        _ => column.clone(),
    };
    if !column.dtype().is_primitive_numeric() {
        return None;
    }
    let values = column.cast(&DataType::Float64).unwrap();
    Some(values.f64().unwrap().iter().collect())
}

fn texts(column: &Column) -> Vec<Option<String>> {
    let column = column.cast(&DataType::String).unwrap();
    column
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(String::from))
        .collect()
}

/// Rows as comparable keys, in a canonical order: both engines may order ties differently.
fn canonical_rows(frame: &DataFrame) -> Vec<Vec<String>> {
    let columns: Vec<Vec<String>> = frame
        .columns()
        .iter()
        .map(|column| match numbers(column) {
            // Rounded so that float sums in another order compare equal.
            Some(values) => values
                .iter()
                .map(|v| v.map_or("null".into(), |v| format!("{:.11e}", v)))
                .collect(),
            None => texts(column)
                .into_iter()
                .map(|v| v.unwrap_or_else(|| "null".into()))
                .collect(),
        })
        .collect();
    let mut rows: Vec<Vec<String>> = (0..frame.height())
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect();
    rows.sort();
    rows
}

fn duckdb_available() -> bool {
    Command::new("python3")
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn metric_sql_gives_the_same_results_on_duckdb() {
    if !duckdb_available() {
        if std::env::var("TEAMLENS_REQUIRE_DUCKDB").is_ok_and(|v| v == "1") {
            panic!(
                "TEAMLENS_REQUIRE_DUCKDB=1 but python3 cannot import duckdb: pip install duckdb"
            );
        }
        eprintln!(
            "\n!!! SKIPPED metric_sql_gives_the_same_results_on_duckdb: python3 cannot import \
             duckdb (pip install duckdb; TEAMLENS_REQUIRE_DUCKDB=1 makes this a failure) !!!\n"
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    support::teamlens()
        .args([
            "-q", "simulate", "--seed", "11", "--teams", "5", "--months", "4", "--out",
        ])
        .arg(&data)
        .assert()
        .success();

    // polars, as the product runs the metrics.
    let store = Store::open(&data).unwrap();
    let tables = store.scan_all().unwrap();
    let computed = metrics::compute(&tables, &Config::default(), None).unwrap();

    // The derived tables the SQL reads are computed by teamlens before it (lists exploded,
    // team memberships, every action in its actor's own time zone, the working calendars): handed to DuckDB as
    // Parquet, as a distributed run would take them from teamlens.
    let derived = work.path().join("derived");
    std::fs::create_dir_all(&derived).unwrap();
    for name in [
        "bots",
        "pr_failures",
        "pr_deploys",
        "memberships",
        "activity_local",
        "person_monthly",
        "person_calendars",
        "working_time",
        "status_categories",
        "status_moves",
        "production_deploys",
        "deploy_prs",
        "incident_links",
        "hotfix_links",
        "pr_ai",
        "pr_rework",
    ] {
        let frame = computed.named(name).unwrap();
        assert!(frame.width() > 0, "derived table {name} missing");
        write_parquet(frame, &derived.join(format!("{name}.parquet")));
    }

    let out = work.path().join("duckdb");
    let output = Command::new("python3")
        .arg(root().join("tests/support/duckdb_metrics.py"))
        .arg(&data)
        .arg(&derived)
        .arg(&out)
        .args(metric_files())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "DuckDB could not run the metric SQL:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mut compared = 0;
    for file in metric_files() {
        let name = metrics::metric_name(&file);
        let ours = computed.named(&name).unwrap();
        let theirs = read_parquet(&out.join(format!("{name}.parquet")));
        assert!(ours.height() > 0, "{name}: polars gave no rows to compare");
        assert_eq!(
            ours.get_column_names(),
            theirs.get_column_names(),
            "{name}: columns differ"
        );
        assert_eq!(ours.height(), theirs.height(), "{name}: row counts differ");
        let (a, b) = (canonical_rows(ours), canonical_rows(&theirs));
        if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
            panic!(
                "{name}: rows differ between polars and DuckDB; first difference (columns {:?}):\n  polars {:?}\n  duckdb {:?}",
                ours.get_column_names(),
                a[i],
                b[i]
            );
        }
        compared += 1;
    }
    assert_eq!(compared, metric_files().len());
}
