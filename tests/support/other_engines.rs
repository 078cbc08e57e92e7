//! The metric SQL on another engine (DuckDB, Spark), compared with teamlens's own results: what
//! `tests/duckdb_metrics.rs` and `tests/spark_metrics.rs` share. A small simulated store is
//! written by the binary, polars computes every metric as the product does, the tables teamlens
//! computes beside the SQL are handed over as Parquet, and each engine's result must equal
//! polars' row for row.

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;
use teamlens::config::Config;
use teamlens::metrics::{self, Metrics};
use teamlens::store::Store;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of `queries/metrics/`, in name order (the order the product runs them).
pub fn metric_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("queries/metrics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// True when `program args…` runs and exits 0.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Skips a test loudly (returning false) when `missing` names something, or fails it when the
/// environment variable `require` is `1` (CI): an engine test must not pass silently unrun.
pub fn available(test: &str, require: &str, missing: Option<String>) -> bool {
    let Some(missing) = missing else {
        return true;
    };
    if std::env::var(require).is_ok_and(|v| v == "1") {
        panic!("{require}=1 but {missing}");
    }
    eprintln!("\n!!! SKIPPED {test}: {missing} ({require}=1 makes this a failure) !!!\n");
    false
}

/// A simulated store in `work/data` (five teams, four months) and teamlens's metrics over it.
pub fn simulated_store(work: &Path) -> (PathBuf, Metrics) {
    let data = work.join("data");
    super::teamlens()
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
    (data, computed)
}

/// The tables teamlens computes beside the SQL (lists exploded, team memberships, every action
/// in its actor's own time zone, the working calendars, …): every frame of `computed` that no
/// file of `queries/metrics/` defines, written to `dir/<name>.parquet`, as a distributed run
/// takes them from teamlens. Returns their names.
pub fn hand_over_derived(computed: &Metrics, dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let sql: Vec<String> = metric_files()
        .iter()
        .map(|f| metrics::metric_name(f))
        .collect();
    let mut names = Vec::new();
    for name in computed.names() {
        if sql.iter().any(|s| s == name) {
            continue;
        }
        let frame = computed.named(name).unwrap();
        assert!(frame.width() > 0, "derived table {name} has no columns");
        write_parquet(frame, &dir.join(format!("{name}.parquet")));
        names.push(name.to_string());
    }
    for needed in ["bots", "memberships", "working_time", "status_moves"] {
        assert!(
            names.iter().any(|n| n == needed),
            "derived table {needed} missing"
        );
    }
    names
}

pub fn read_parquet(path: &Path) -> DataFrame {
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

/// Every metric file's result on `engine` (`result(name)`) equals polars', column names, row
/// count and each row; returns how many were compared.
pub fn assert_same_results(
    engine: &str,
    computed: &Metrics,
    result: impl Fn(&str) -> DataFrame,
) -> usize {
    let mut compared = 0;
    for file in metric_files() {
        let name = metrics::metric_name(&file);
        let ours = computed.named(&name).unwrap();
        let theirs = result(&name);
        assert!(ours.height() > 0, "{name}: polars gave no rows to compare");
        assert_eq!(
            ours.get_column_names(),
            theirs.get_column_names(),
            "{name}: columns differ between polars and {engine}"
        );
        assert_eq!(
            ours.height(),
            theirs.height(),
            "{name}: row counts differ between polars and {engine}"
        );
        let (a, b) = (canonical_rows(ours), canonical_rows(&theirs));
        if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
            panic!(
                "{name}: rows differ between polars and {engine}; first difference (columns {:?}):\n  polars {:?}\n  {engine} {:?}",
                ours.get_column_names(),
                a[i],
                b[i]
            );
        }
        compared += 1;
    }
    assert_eq!(compared, metric_files().len());
    compared
}
