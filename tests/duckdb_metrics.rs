//! The store and the metric SQL run unchanged on DuckDB: the way out to a distributed engine.
//!
//! A simulated store is written by the binary; `tests/support/duckdb_metrics.py` reads its
//! Hive-style Parquet files with DuckDB's `read_parquet(…, hive_partitioning = true)` and runs
//! every file of `queries/metrics/` as it is; each result must equal polars' for the same store,
//! column by column (`support::other_engines`, shared with `tests/spark_metrics.rs`). Needs
//! `pip install duckdb`; without it the test says so loudly and passes, unless
//! `TEAMLENS_REQUIRE_DUCKDB=1` (CI) makes it fail.

mod support;

use std::process::Command;

use support::other_engines::{self as engines, metric_files, root};

#[test]
fn metric_sql_gives_the_same_results_on_duckdb() {
    let missing = (!engines::runs("python3", &["-c", "import duckdb"]))
        .then(|| "python3 cannot import duckdb: pip install duckdb".to_string());
    if !engines::available(
        "metric_sql_gives_the_same_results_on_duckdb",
        "TEAMLENS_REQUIRE_DUCKDB",
        missing,
    ) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (data, computed) = engines::simulated_store(work.path());
    let derived = work.path().join("derived");
    engines::hand_over_derived(&computed, &derived);

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
    engines::assert_same_results("duckdb", &computed, |name| {
        engines::read_parquet(&out.join(format!("{name}.parquet")))
    });
}
