//! The metric SQL on DuckDB, beside teamlens's own analysis in the same `teamlens bench` run.
//!
//! Why: #27's goal puts teamlens's whole analysis (metrics, detectors, report) at no more than
//! what a general-purpose column engine takes for the metric SQL alone, on the same columns of
//! the same files. Measured in another session, the two figures drift with the machine's load;
//! measured alternately in one run, their ratio means something.
//!
//! DuckDB runs in a child `python3` (the first on `PATH`; the `duckdb` module from PyPI) with
//! the script `duckdb_time.py` embedded here, so the binary carries what it measures with. The
//! tables teamlens computes beside the SQL (team memberships, every action in local time, the
//! working calendars, …) are computed once by teamlens, as the analysis does, and handed over as
//! Parquet; that is not timed. DuckDB then reads the analysis columns
//! ([`model::ANALYSIS_COLUMNS`]) of the files the store's manifest lists into memory (its load,
//! reported apart), and runs every file of `queries/metrics/` unchanged (the SQL alone).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::metrics::{self, BUILTIN_SQL};
use crate::model;
use crate::period::Month;
use crate::store::Store;

/// The script DuckDB runs in, embedded so an installed binary can measure without the sources.
const SCRIPT: &str = include_str!("duckdb_time.py");

/// The Python that runs DuckDB.
const PYTHON: &str = "python3";

/// Why DuckDB could not be measured (the benchmark goes on without it only when DuckDB is
/// absent; a failure once it is present is an error, not a silent gap).
#[derive(Debug, thiserror::Error)]
pub enum DuckDbError {
    #[error("handing the derived tables to DuckDB: {0}")]
    Analysis(#[from] crate::analysis::AnalysisError),
    #[error("handing the tables to DuckDB: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("writing {path} for DuckDB: {message}")]
    Write { path: PathBuf, message: String },
    #[error("running DuckDB ({PYTHON} with the duckdb module): {0}")]
    Run(String),
}

/// One DuckDB run: its load and its SQL, in seconds, and each metric's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DuckDbRun {
    pub load_seconds: f64,
    pub sql_seconds: f64,
    pub metrics: std::collections::BTreeMap<String, f64>,
}

/// What DuckDB is handed for one store: the spec the script reads, and the folder holding the
/// derived tables (removed when this is dropped).
pub struct Prepared {
    spec: serde_json::Value,
    _dir: tempfile::TempDir,
}

/// Whether `python3` can import duckdb; when not, what to install.
pub fn missing() -> Option<String> {
    let imports = Command::new(PYTHON)
        .args(["-c", "import duckdb"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!imports).then(|| format!("{PYTHON} cannot import duckdb (pip install duckdb)"))
}

/// Computes the derived tables of `store` for `month` as the analysis does (cut as of the
/// month's end, identities applied) and writes them, with an empty file for every table the
/// store has none of, where DuckDB will read them.
pub fn prepare(store_dir: &Path, month: Month, config: &Config) -> Result<Prepared, DuckDbError> {
    let dir = tempfile::Builder::new()
        .prefix("teamlens-duckdb-")
        .tempdir()
        .map_err(|e| DuckDbError::Write {
            path: std::env::temp_dir(),
            message: e.to_string(),
        })?;
    let store = Store::open(store_dir)?;
    let mut tables = serde_json::Map::new();
    for (table, columns) in model::ANALYSIS_COLUMNS {
        let files: Vec<String> = match store.manifest().tables.get(*table) {
            Some(entry) if !entry.files.is_empty() => entry
                .files
                .iter()
                .map(|f| store.root().join(&f.path).to_string_lossy().into_owned())
                .collect(),
            // The SQL reads every table, so a table with no rows is still a table.
            _ => {
                let spec = model::table_spec(table)
                    .ok_or_else(|| crate::store::StoreError::UnknownTable((*table).into()))?;
                let mut empty = model::empty_frame(spec)
                    .select(columns.iter().copied())
                    .map_err(|e| write_error(dir.path(), e))?;
                let path = dir.path().join(format!("{table}.empty.parquet"));
                write_parquet(&mut empty, &path)?;
                vec![path.to_string_lossy().into_owned()]
            }
        };
        tables.insert(
            (*table).to_string(),
            serde_json::json!({ "files": files, "columns": columns }),
        );
    }
    // Every month, as the SQL DuckDB runs reads every stored file.
    let span = crate::period::MonthSpan::month(month);
    let read = crate::analysis::Read::whole(&store, crate::analysis::Window::of(span, config))?;
    let analysed = crate::analysis::Loaded::settle(read, config)?;
    let computed = metrics::compute(&analysed.tables, config, None)
        .map_err(|e| DuckDbError::Analysis(e.into()))?;
    let sql: Vec<&str> = BUILTIN_SQL.iter().map(|(m, _)| m.name()).collect();
    let mut derived = serde_json::Map::new();
    for name in computed.names().filter(|n| !sql.contains(n)) {
        let path = dir.path().join(format!("{name}.parquet"));
        let mut frame = computed
            .named(name)
            .map_err(|e| DuckDbError::Run(e.to_string()))?
            .clone();
        write_parquet(&mut frame, &path)?;
        derived.insert(name.to_string(), path.to_string_lossy().into_owned().into());
    }
    let metrics: Vec<(&str, &str)> = BUILTIN_SQL
        .iter()
        .map(|(m, sql)| (m.name(), *sql))
        .collect();
    Ok(Prepared {
        spec: serde_json::json!({ "tables": tables, "derived": derived, "metrics": metrics }),
        _dir: dir,
    })
}

/// One timed run of DuckDB over what [`prepare`] handed it.
pub fn run(prepared: &Prepared) -> Result<DuckDbRun, DuckDbError> {
    let mut child = Command::new(PYTHON)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| DuckDbError::Run(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(prepared.spec.to_string().as_bytes())
            .map_err(|e| DuckDbError::Run(e.to_string()))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| DuckDbError::Run(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = stderr
            .chars()
            .rev()
            .take(2_000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(DuckDbError::Run(format!("{}: {tail}", output.status)));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| DuckDbError::Run(format!("no result line in {:?}", stdout.trim())))
}

fn write_parquet(frame: &mut DataFrame, path: &Path) -> Result<(), DuckDbError> {
    let file = std::fs::File::create(path).map_err(|e| write_error(path, e))?;
    ParquetWriter::new(file)
        .finish(frame)
        .map_err(|e| write_error(path, e))?;
    Ok(())
}

fn write_error(path: &Path, error: impl std::fmt::Display) -> DuckDbError {
    DuckDbError::Write {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
