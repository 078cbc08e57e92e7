//! The metric SQL on Spark: the distributed path, run in local mode.
//!
//! A simulated store is written by the binary; `scripts/spark_metrics.py`, the script the docs
//! give to `spark-submit` for a cluster, runs here with `--master local[2]` over the store's own
//! Hive-style Parquet files (the files its manifest names), renders every file of
//! `queries/metrics/` for Spark SQL with sqlglot, and writes each result as Parquet; each must
//! equal polars' for the same store, row for row (`support::other_engines`, shared with
//! `tests/duckdb_metrics.rs`). Needs Java 17 or later and `pip install pyspark sqlglot` (which
//! puts `spark-submit` on PATH); without them the test says so loudly and passes, unless
//! `TEAMLENS_REQUIRE_SPARK=1` (CI) makes it fail.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use polars::prelude::*;
use support::other_engines::{self as engines, root};

/// `program` as found on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// What this machine lacks to run Spark, if anything.
fn missing() -> Option<String> {
    if !engines::runs("java", &["-version"]) {
        return Some(
            "no Java runtime (`java -version` fails): install Java 17 or later (Debian: \
             apt-get install openjdk-17-jre-headless)"
                .into(),
        );
    }
    if !engines::runs("python3", &["-c", "import pyspark, sqlglot"]) {
        return Some(
            "python3 cannot import pyspark and sqlglot: pip install pyspark sqlglot".into(),
        );
    }
    if on_path("spark-submit").is_none() {
        return Some(
            "pyspark is installed but spark-submit is not on PATH: add the bin folder pip \
             installed it into (python3 -m pip show -f pyspark)"
                .into(),
        );
    }
    None
}

/// A result Spark wrote: a folder of `part-*.parquet` files, read as one frame.
fn read_spark_result(dir: &Path) -> DataFrame {
    let mut parts: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: no result from Spark ({e})", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    parts.sort();
    assert!(
        !parts.is_empty(),
        "{}: Spark wrote no Parquet file",
        dir.display()
    );
    let mut frames = parts.iter().map(|p| engines::read_parquet(p));
    let mut frame = frames.next().unwrap();
    for part in frames {
        frame.vstack_mut(&part).unwrap();
    }
    frame
}

#[test]
fn metric_sql_gives_the_same_results_on_spark() {
    if !engines::available(
        "metric_sql_gives_the_same_results_on_spark",
        "TEAMLENS_REQUIRE_SPARK",
        missing(),
    ) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (data, computed) = engines::simulated_store(work.path());
    let derived = work.path().join("derived");
    engines::hand_over_derived(&computed, &derived);

    // The command of docs/scale.md, in local mode: no SQL files named, so the script takes every
    // file of queries/metrics/ beside it. One session for all of them; a quiet log, and few
    // shuffle partitions for a store this small (Spark's default is 200 per join).
    let out = work.path().join("spark");
    let started = Instant::now();
    let output = Command::new("spark-submit")
        .current_dir(work.path())
        .args(["--master", "local[2]"])
        .args(["--conf", "spark.log.level=FATAL"])
        .args(["--conf", "spark.sql.shuffle.partitions=4"])
        .arg(root().join("scripts/spark_metrics.py"))
        .arg(&data)
        .arg(&derived)
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        output.status.success(),
        "Spark could not run the metric SQL (the last lines it printed):\n{}",
        lines[lines.len().saturating_sub(40)..].join("\n")
    );
    eprintln!(
        "spark-submit ran {} metric files in {:.1} s",
        engines::metric_files().len(),
        started.elapsed().as_secs_f64()
    );
    engines::assert_same_results("spark", &computed, |name| {
        read_spark_result(&out.join(name))
    });
}
