//! File import: a folder of `<table>.csv`, `<table>.jsonl` or `<table>.parquet` in the normalized
//! schema. This is how users of GitLab, Bitbucket or a home-grown tracker bring their data, and how
//! anyone tests the analysis on hand-made data.
//!
//! Values are checked, not guessed: timestamps must be RFC 3339 (`2026-10-05T09:30:00Z`, any
//! offset, stored as UTC), a column the schema does not know is rejected with the list of valid
//! ones, list columns are `;`-separated in CSV and arrays in JSON Lines, and a bad value is
//! reported with its file, line and column.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use polars::prelude::*;
use serde_json::Value;

use super::{Batch, Source, SourceError};
use crate::model::{self, TIMESTAMP, TableSpec};

/// Reads a folder of table files.
pub struct FileImport {
    folder: PathBuf,
}

impl FileImport {
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        FileImport {
            folder: folder.into(),
        }
    }
}

/// Why a file could not be imported: the file, where in it, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default())]
pub struct ImportError {
    pub file: PathBuf,
    pub location: Option<String>,
    pub message: String,
}

impl ImportError {
    fn new(file: &Path, location: Option<String>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_path_buf(),
            location,
            message: message.into(),
        }
    }
}

/// Required columns that may still hold nulls: an unmerged PR, an unresolved or unassigned
/// ticket, a field set for the first time or cleared.
const NULLABLE_REQUIRED: &[&str] = &["merged_at", "resolved_at", "assignee", "from", "to"];

const REVIEW_STATES: &[&str] = &["approved", "changes_requested", "commented", "dismissed"];
const ROLES: &[&str] = &["manager", "lead", "engineer", "bot", "external"];

impl Source for FileImport {
    fn name(&self) -> &'static str {
        "import"
    }

    fn load(&mut self) -> Result<Batch, SourceError> {
        let files = table_files(&self.folder)?;
        if files.is_empty() {
            return Err(ImportError::new(
                &self.folder,
                None,
                format!(
                    "no table files found; expected files named <table>.csv, <table>.jsonl or \
                     <table>.parquet with <table> one of: {}",
                    table_names()
                ),
            )
            .into());
        }
        let mut frames = Vec::new();
        for (spec, path) in files {
            let frame = read_table(spec, &path)?;
            check_values(spec, &path, &frame)?;
            frames.push((spec.name, frame));
        }
        Ok(Batch {
            frames,
            state: serde_json::json!({ "folder": self.folder.display().to_string() }),
        })
    }
}

fn table_names() -> String {
    model::TABLES
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the table files of a folder; rejects data files whose name is not a table and tables
/// given twice.
fn table_files(folder: &Path) -> Result<Vec<(&'static TableSpec, PathBuf)>, ImportError> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| ImportError::new(folder, None, format!("cannot read the folder: {e}")))?;
    let mut found: BTreeMap<&'static str, (&'static TableSpec, PathBuf)> = BTreeMap::new();
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Some(extension) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !matches!(extension, "csv" | "jsonl" | "parquet") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let spec = model::table_spec(stem).ok_or_else(|| {
            ImportError::new(
                &path,
                None,
                format!("`{stem}` is not a table; the tables are: {}", table_names()),
            )
        })?;
        if let Some((_, earlier)) = found.get(spec.name) {
            return Err(ImportError::new(
                &path,
                None,
                format!(
                    "table `{}` is also given by {}; keep one of them",
                    spec.name,
                    earlier.display()
                ),
            ));
        }
        found.insert(spec.name, (spec, path));
    }
    Ok(found.into_values().collect())
}

/// Reads one file and converts every column to the table's schema.
fn read_table(spec: &TableSpec, path: &Path) -> Result<DataFrame, ImportError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let schema = (spec.schema)();
    let raw = match extension {
        "csv" => read_csv(path)?,
        "parquet" => read_parquet(path)?,
        _ => return read_jsonl(spec, path),
    };
    let height = raw.height();
    let mut columns = Vec::new();
    for column in raw.columns() {
        let name = column.name().as_str();
        let Some(target) = schema.get(name) else {
            return Err(unknown_column(spec, path, name));
        };
        columns.push(convert_column(path, column, target)?);
    }
    let frame =
        DataFrame::new(height, columns).map_err(|e| ImportError::new(path, None, e.to_string()))?;
    finish(spec, path, frame)
}

fn unknown_column(spec: &TableSpec, path: &Path, name: &str) -> ImportError {
    let valid: Vec<String> = (spec.schema)()
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    let suggestion = valid
        .iter()
        .map(|v| (strsim::jaro_winkler(&name.to_lowercase(), v), v))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| format!(" (did you mean `{v}`?)"))
        .unwrap_or_default();
    ImportError::new(
        path,
        None,
        format!(
            "unknown column `{}` for table `{}`{suggestion}; valid columns: {}",
            truncate(name),
            spec.name,
            valid.join(", ")
        ),
    )
}

/// Fills defaults and brings the frame to the exact schema.
fn finish(spec: &TableSpec, path: &Path, mut frame: DataFrame) -> Result<DataFrame, ImportError> {
    let height = frame.height();
    if (spec.schema)().contains("source") && frame.column("source").is_err() {
        frame
            .with_column(Column::new("source".into(), vec!["import"; height]))
            .map_err(|e| ImportError::new(path, None, e.to_string()))?;
    }
    // A list column the file leaves out is empty lists, as an empty cell is: the same rows
    // whether or not a file has the column (`teamlens query --format csv` writes every column).
    for (name, dtype) in (spec.schema)().iter() {
        if matches!(dtype, DataType::List(_)) && frame.column(name).is_err() {
            let empty = <Vec<String> as model::ColumnValue>::column(name, vec![Vec::new(); height])
                .map_err(|e| ImportError::new(path, None, e.to_string()))?;
            frame
                .with_column(empty)
                .map_err(|e| ImportError::new(path, None, e.to_string()))?;
        }
    }
    let derive_state = spec.name == "pull_requests" && frame.column("state").is_err();
    let frame = crate::store::conform(spec, frame)
        .map_err(|e| ImportError::new(path, None, e.to_string()))?;
    if !derive_state {
        return Ok(frame);
    }
    frame
        .lazy()
        .with_column(
            when(col("merged_at").is_not_null())
                .then(lit("merged"))
                .when(col("closed_at").is_not_null())
                .then(lit("closed"))
                .otherwise(lit("open"))
                .alias("state"),
        )
        .collect()
        .map_err(|e| ImportError::new(path, None, e.to_string()))
}

fn read_csv(path: &Path) -> Result<DataFrame, ImportError> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|reader| reader.finish())
        .map_err(|e| ImportError::new(path, None, format!("not a readable CSV file: {e}")))
}

fn read_parquet(path: &Path) -> Result<DataFrame, ImportError> {
    let file = File::open(path).map_err(|e| ImportError::new(path, None, e.to_string()))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| ImportError::new(path, None, format!("not a readable Parquet file: {e}")))
}

/// Converts a column read from a file to the schema's type. Text is parsed strictly; other
/// types are cast only when the cast cannot lose meaning.
fn convert_column(path: &Path, column: &Column, target: &DataType) -> Result<Column, ImportError> {
    let name = column.name().clone();
    let source_type = column.dtype();
    if source_type == target {
        return Ok(column.clone());
    }
    if source_type == &DataType::String {
        let text = column
            .str()
            .map_err(|e| ImportError::new(path, None, e.to_string()))?;
        let values: Vec<Option<&str>> = text.iter().collect();
        return parse_text_column(path, name.as_str(), &values, target, 2);
    }
    let converted = match (source_type, target) {
        (DataType::Datetime(unit, _), DataType::Datetime(..)) => {
            // Instants are stored as UTC ticks whatever the zone: keep the instant, drop the zone.
            let ticks = column.cast(&DataType::Int64);
            let factor = match unit {
                TimeUnit::Nanoseconds => 1_000i64,
                TimeUnit::Microseconds => 1,
                TimeUnit::Milliseconds => -1_000,
            };
            ticks
                .and_then(|t| {
                    let t = t.as_materialized_series().clone();
                    let micros = if factor > 1 {
                        t / factor
                    } else if factor < -1 {
                        t * (-factor)
                    } else {
                        t
                    };
                    micros.cast(&TIMESTAMP)
                })
                .map(Column::from)
        }
        (DataType::Date, DataType::Datetime(..)) => column.cast(target),
        (_, DataType::List(_)) => Err(PolarsError::ComputeError("not a list".into())),
        _ => column.strict_cast(target),
    };
    converted.map_err(|e| {
        ImportError::new(
            path,
            Some(format!("column `{name}`")),
            format!("type {source_type} cannot become {target}: {e}"),
        )
    })
}

/// Parses text values for one column; `first_line` is the file line of the first value, for
/// messages.
fn parse_text_column(
    path: &Path,
    name: &str,
    values: &[Option<&str>],
    target: &DataType,
    first_line: usize,
) -> Result<Column, ImportError> {
    let error = |row: usize, value: &str, expected: &str| {
        ImportError::new(
            path,
            Some(format!("line {}, column `{name}`", row + first_line)),
            format!("`{}` is not {expected}", truncate(value)),
        )
    };
    let cleaned = values
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()));
    let column = match target {
        DataType::String => Column::new(name.into(), cleaned.collect::<Vec<_>>()),
        DataType::Int64 => {
            let mut out = Vec::with_capacity(values.len());
            for (row, value) in cleaned.enumerate() {
                out.push(match value {
                    None => None,
                    Some(v) => Some(
                        v.parse::<i64>()
                            .map_err(|_| error(row, v, "a whole number"))?,
                    ),
                });
            }
            Column::new(name.into(), out)
        }
        DataType::Float64 => {
            let mut out = Vec::with_capacity(values.len());
            for (row, value) in cleaned.enumerate() {
                out.push(match value {
                    None => None,
                    Some(v) => Some(
                        v.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                            .ok_or_else(|| error(row, v, "a number"))?,
                    ),
                });
            }
            Column::new(name.into(), out)
        }
        DataType::Boolean => {
            let mut out = Vec::with_capacity(values.len());
            for (row, value) in cleaned.enumerate() {
                out.push(match value.map(str::to_ascii_lowercase).as_deref() {
                    None => None,
                    Some("true" | "1" | "yes") => Some(true),
                    Some("false" | "0" | "no") => Some(false),
                    Some(v) => return Err(error(row, v, "true or false")),
                });
            }
            Column::new(name.into(), out)
        }
        DataType::Datetime(..) => {
            let mut out = Vec::with_capacity(values.len());
            for (row, value) in cleaned.enumerate() {
                out.push(match value {
                    None => None,
                    Some(v) => Some(parse_timestamp(v).ok_or_else(|| {
                        error(row, v, "an RFC 3339 timestamp such as 2026-10-05T09:30:00Z")
                    })?),
                });
            }
            Column::new(name.into(), out)
                .cast(&TIMESTAMP)
                .map_err(|e| ImportError::new(path, None, e.to_string()))?
        }
        DataType::List(_) => {
            let lists: Vec<Vec<String>> = cleaned
                .map(|v| {
                    v.map(|v| {
                        v.split(';')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default()
                })
                .collect();
            <Vec<String> as model::ColumnValue>::column(name, lists)
                .map_err(|e| ImportError::new(path, None, e.to_string()))?
        }
        other => {
            return Err(ImportError::new(
                path,
                Some(format!("column `{name}`")),
                format!("unsupported type {other}"),
            ));
        }
    };
    Ok(column)
}

/// RFC 3339 with any offset (converted to UTC), or a bare date (midnight UTC).
fn parse_timestamp(text: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_micros());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

fn truncate(value: &str) -> String {
    const LIMIT: usize = 60;
    if value.chars().count() <= LIMIT {
        value.to_string()
    } else {
        format!("{}…", value.chars().take(LIMIT).collect::<String>())
    }
}

/// Reads JSON Lines: one object per line, keys are columns; arrays for list columns.
fn read_jsonl(spec: &TableSpec, path: &Path) -> Result<DataFrame, ImportError> {
    let schema = (spec.schema)();
    let file = File::open(path).map_err(|e| ImportError::new(path, None, e.to_string()))?;
    let mut seen: Vec<String> = Vec::new();
    let mut rows: Vec<serde_json::Map<String, Value>> = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|e| {
            ImportError::new(
                path,
                Some(format!("line {line_number}")),
                format!("cannot read: {e}"),
            )
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line).map_err(|e| {
            ImportError::new(
                path,
                Some(format!("line {line_number}")),
                format!("not valid JSON: {e}"),
            )
        })?;
        let Value::Object(object) = value else {
            return Err(ImportError::new(
                path,
                Some(format!("line {line_number}")),
                "each line must be a JSON object",
            ));
        };
        for key in object.keys() {
            if !schema.contains(key) {
                return Err(unknown_column(spec, path, key));
            }
            if !seen.contains(key) {
                seen.push(key.clone());
            }
        }
        rows.push(object);
    }
    let mut columns = Vec::new();
    for name in seen {
        let target = schema.get(&name).cloned().unwrap_or(DataType::String);
        let values: Vec<Option<&Value>> = rows.iter().map(|r| r.get(&name)).collect();
        columns.push(json_column(path, &name, &values, &target)?);
    }
    let frame = DataFrame::new(rows.len(), columns)
        .map_err(|e| ImportError::new(path, None, e.to_string()))?;
    finish(spec, path, frame)
}

fn json_column(
    path: &Path,
    name: &str,
    values: &[Option<&Value>],
    target: &DataType,
) -> Result<Column, ImportError> {
    if let DataType::List(_) = target {
        let mut lists = Vec::with_capacity(values.len());
        for (row, value) in values.iter().enumerate() {
            lists.push(match value {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s.clone()),
                        other => Ok(other.to_string()),
                    })
                    .collect::<Result<Vec<_>, ImportError>>()?,
                Some(Value::String(s)) => s.split(';').map(|s| s.trim().to_string()).collect(),
                Some(other) => {
                    return Err(ImportError::new(
                        path,
                        Some(format!("line {}, column `{name}`", row + 1)),
                        format!("`{}` is not a list", truncate(&other.to_string())),
                    ));
                }
            });
        }
        return <Vec<String> as model::ColumnValue>::column(name, lists)
            .map_err(|e| ImportError::new(path, None, e.to_string()));
    }
    // Scalars go through the same strict text parser as CSV, so both formats accept the same values;
    // an object or array where one value belongs is a wrong shape, not text to keep.
    let texts: Vec<Option<String>> = values
        .iter()
        .enumerate()
        .map(|(row, v)| match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(nested @ (Value::Object(_) | Value::Array(_))) => Err(ImportError::new(
                path,
                Some(format!("row {}, column `{name}`", row + 1)),
                format!(
                    "`{}` is a JSON {}; give a single value",
                    truncate(&nested.to_string()),
                    if nested.is_object() {
                        "object"
                    } else {
                        "array"
                    }
                ),
            )),
            Some(other) => Ok(Some(other.to_string())),
        })
        .collect::<Result<_, _>>()?;
    let borrowed: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
    parse_text_column(path, name, &borrowed, target, 1)
}

/// Pairs of time columns where the second cannot come before the first: a pull request merged
/// or closed before it was opened, a ticket resolved before it was created. Such rows make
/// negative durations that every median and percentile would silently absorb.
const TIME_ORDER: &[(&str, &str, &str)] = &[
    ("pull_requests", "created_at", "merged_at"),
    ("pull_requests", "created_at", "closed_at"),
    ("pull_requests", "created_at", "ready_at"),
    ("issues", "created_at", "resolved_at"),
    ("issues", "created_at", "started_at"),
];

/// How far past the clock a time may be (time zones mislabelled as UTC reach 14 hours).
const FUTURE_SLACK_HOURS: i64 = 24;

/// The first row (0-based) where `predicate` holds.
fn first_row_where(
    path: &Path,
    frame: &DataFrame,
    predicate: Expr,
) -> Result<Option<usize>, ImportError> {
    let found = frame
        .clone()
        .lazy()
        .with_row_index("__row", None)
        .filter(predicate)
        .select([col("__row")])
        .limit(1)
        .collect()
        .map_err(|e| ImportError::new(path, None, e.to_string()))?;
    if found.height() == 0 {
        return Ok(None);
    }
    Ok(found
        .column("__row")
        .ok()
        .and_then(|c| c.idx().ok()?.get(0))
        .map(|row| row as usize))
}

fn cell(frame: &DataFrame, column: &str, row: usize) -> String {
    frame
        .column(column)
        .ok()
        .and_then(|c| c.get(row).ok())
        .map(|v| v.to_string().trim_matches('"').to_string())
        .unwrap_or_default()
}

/// Times after the clock (a wrong clock or time zone in the export) and times out of order.
fn check_times(spec: &TableSpec, path: &Path, frame: &DataFrame) -> Result<(), ImportError> {
    let limit =
        (chrono::Utc::now() + chrono::Duration::hours(FUTURE_SLACK_HOURS)).timestamp_micros();
    for column in frame.columns() {
        if column.dtype() != &TIMESTAMP {
            continue;
        }
        let name = column.name().as_str();
        let micros = col(name).cast(DataType::Int64);
        if let Some(row) = first_row_where(path, frame, micros.gt(lit(limit)))? {
            return Err(ImportError::new(
                path,
                Some(format!("row {}, column `{name}`", row + 1)),
                format!(
                    "{} is in the future; check the export's clock and time zone",
                    cell(frame, name, row)
                ),
            ));
        }
    }
    for (table, earlier, later) in TIME_ORDER {
        if *table != spec.name || frame.column(earlier).is_err() || frame.column(later).is_err() {
            continue;
        }
        let before = col(*later)
            .cast(DataType::Int64)
            .lt(col(*earlier).cast(DataType::Int64));
        if let Some(row) = first_row_where(path, frame, before)? {
            return Err(ImportError::new(
                path,
                Some(format!("row {}, column `{later}`", row + 1)),
                format!(
                    "{later} {} is before {earlier} {}; a duration cannot be negative (check the \
                     columns are not swapped and carry their time zones)",
                    cell(frame, later, row),
                    cell(frame, earlier, row)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks what a schema cannot: identity columns present on every row, known review states and
/// roles, valid time zones, no duplicate pull request, no time in the future or out of order.
fn check_values(spec: &TableSpec, path: &Path, frame: &DataFrame) -> Result<(), ImportError> {
    check_times(spec, path, frame)?;
    for name in spec.required {
        if NULLABLE_REQUIRED.contains(name) {
            continue;
        }
        if let Ok(column) = frame.column(name)
            && let Some(row) = first_null(column)
        {
            return Err(ImportError::new(
                path,
                Some(format!("row {}", row + 1)),
                format!("column `{name}` is empty; every row needs it"),
            ));
        }
    }
    let check_set = |column: &str, allowed: &[&str]| -> Result<(), ImportError> {
        let Ok(values) = frame.column(column).and_then(|c| c.str().cloned()) else {
            return Ok(());
        };
        for (row, value) in values.iter().enumerate() {
            if let Some(value) = value
                && !allowed.contains(&value)
            {
                return Err(ImportError::new(
                    path,
                    Some(format!("row {}, column `{column}`", row + 1)),
                    format!(
                        "`{}` is not one of: {}",
                        truncate(value),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    };
    match spec.name {
        "reviews" => check_set("state", REVIEW_STATES)?,
        "people" => {
            check_set("role", ROLES)?;
            if let Ok(zones) = frame.column("timezone").and_then(|c| c.str().cloned()) {
                for (row, zone) in zones.iter().enumerate() {
                    if let Some(zone) = zone
                        && zone.parse::<chrono_tz::Tz>().is_err()
                    {
                        return Err(ImportError::new(
                            path,
                            Some(format!("row {}, column `timezone`", row + 1)),
                            format!(
                                "`{}` is not an IANA time zone such as Europe/Berlin",
                                truncate(zone)
                            ),
                        ));
                    }
                }
            }
        }
        "pull_requests" => {
            let keys = frame
                .clone()
                .lazy()
                .group_by([col("repo"), col("number")])
                .agg([len().alias("n")])
                .filter(col("n").gt(lit(1)))
                .limit(1)
                .collect()
                .map_err(|e| ImportError::new(path, None, e.to_string()))?;
            if keys.height() > 0 {
                let repo = keys
                    .column("repo")
                    .ok()
                    .and_then(|c| c.str().ok()?.get(0).map(String::from));
                let number = keys
                    .column("number")
                    .ok()
                    .and_then(|c| c.i64().ok()?.get(0));
                return Err(ImportError::new(
                    path,
                    None,
                    format!(
                        "pull request {}#{} appears more than once; keep one row per pull request",
                        repo.unwrap_or_default(),
                        number.unwrap_or_default()
                    ),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn first_null(column: &Column) -> Option<usize> {
    if column.null_count() == 0 {
        return None;
    }
    let mask = column.is_null();
    mask.iter().position(|v| v == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn import(files: &[(&str, &str)]) -> Result<Batch, String> {
        let dir = folder(files);
        FileImport::new(dir.path())
            .load()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn csv_with_the_minimal_columns_is_completed_to_the_schema() {
        let batch = import(&[(
            "pull_requests.csv",
            "repo,number,author,created_at,merged_at\n\
             acme/api,1,ada,2026-10-01T09:00:00Z,2026-10-02T10:00:00+02:00\n\
             acme/api,2,bo,2026-10-03T09:00:00Z,\n",
        )])
        .unwrap();
        let (name, frame) = &batch.frames[0];
        assert_eq!(*name, "pull_requests");
        assert_eq!(
            frame.schema().as_ref(),
            &<crate::model::PullRequest as crate::model::Table>::schema()
        );
        let state = frame.column("state").unwrap().str().unwrap().clone();
        assert_eq!(state.get(0), Some("merged"));
        assert_eq!(state.get(1), Some("open"));
        let merged = frame
            .column("merged_at")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap();
        let expected = DateTime::parse_from_rfc3339("2026-10-02T08:00:00Z").unwrap();
        assert_eq!(
            merged.i64().unwrap().get(0),
            Some(expected.timestamp_micros())
        );
    }

    #[test]
    fn time_off_is_imported_as_local_days() {
        let batch = import(&[(
            "time_off.csv",
            "person,first_day,last_day,kind\nada,2026-08-10,2026-08-21,vacation\n",
        )])
        .unwrap();
        let (name, frame) = &batch.frames[0];
        assert_eq!(*name, "time_off");
        let first = frame
            .column("first_day")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap();
        let expected = DateTime::parse_from_rfc3339("2026-08-10T00:00:00Z").unwrap();
        assert_eq!(
            first.i64().unwrap().get(0),
            Some(expected.timestamp_micros())
        );
    }

    #[test]
    fn jsonl_lists_and_csv_lists_agree() {
        let csv = import(&[(
            "people.csv",
            "person,role,team,timezone,aliases\nada,engineer,core,Europe/Berlin,ada@x.org;ada-gh\n",
        )])
        .unwrap();
        let jsonl = import(&[(
            "people.jsonl",
            r#"{"person":"ada","role":"engineer","team":"core","timezone":"Europe/Berlin","aliases":["ada@x.org","ada-gh"]}"#,
        )])
        .unwrap();
        assert!(csv.frames[0].1.equals_missing(&jsonl.frames[0].1));
    }

    #[test]
    fn an_unknown_column_is_named_with_the_valid_ones() {
        let error = import(&[(
            "reviews.csv",
            "repo,number,reviewer,state,submitted_at,mood\nacme/api,1,ada,approved,2026-10-01T09:00:00Z,happy\n",
        )])
        .unwrap_err();
        assert!(error.contains("unknown column `mood`"), "{error}");
        assert!(error.contains("submitted_at"), "{error}");
    }

    #[test]
    fn a_bad_timestamp_names_its_line_and_column() {
        let error = import(&[(
            "reviews.csv",
            "repo,number,reviewer,state,submitted_at\nacme/api,1,ada,approved,2026-10-01T09:00:00Z\nacme/api,2,ada,approved,yesterday\n",
        )])
        .unwrap_err();
        assert!(error.contains("line 3, column `submitted_at`"), "{error}");
        assert!(error.contains("RFC 3339"), "{error}");
    }

    #[test]
    fn bad_values_are_refused() {
        let state = import(&[(
            "reviews.csv",
            "repo,number,reviewer,state,submitted_at\nacme/api,1,ada,lgtm,2026-10-01T09:00:00Z\n",
        )])
        .unwrap_err();
        assert!(state.contains("`lgtm` is not one of"), "{state}");
        let zone = import(&[(
            "people.csv",
            "person,role,team,timezone\nada,engineer,core,Mars/Olympus\n",
        )])
        .unwrap_err();
        assert!(zone.contains("IANA time zone"), "{zone}");
        let missing = import(&[(
            "pull_requests.csv",
            "repo,number,author,created_at\nacme/api,1,ada,2026-10-01T09:00:00Z\n",
        )])
        .unwrap_err();
        assert!(missing.contains("required column `merged_at`"), "{missing}");
        let duplicate = import(&[(
            "pull_requests.csv",
            "repo,number,author,created_at,merged_at\nacme/api,1,ada,2026-10-01T09:00:00Z,\nacme/api,1,bo,2026-10-01T09:00:00Z,\n",
        )])
        .unwrap_err();
        assert!(
            duplicate.contains("acme/api#1 appears more than once"),
            "{duplicate}"
        );
        let empty_key = import(&[(
            "pull_requests.csv",
            "repo,number,author,created_at,merged_at\nacme/api,,ada,2026-10-01T09:00:00Z,\n",
        )])
        .unwrap_err();
        assert!(empty_key.contains("`number` is empty"), "{empty_key}");
    }

    #[test]
    fn unknown_table_files_and_empty_folders_are_explained() {
        let error = import(&[("pullrequests.csv", "a\n1\n")]).unwrap_err();
        assert!(error.contains("`pullrequests` is not a table"), "{error}");
        let error = import(&[("notes.txt", "hello")]).unwrap_err();
        assert!(error.contains("no table files found"), "{error}");
    }

    #[test]
    fn parquet_files_are_read_and_zoned_instants_kept() {
        let dir = tempfile::tempdir().unwrap();
        let at = DateTime::parse_from_rfc3339("2026-10-01T09:00:00Z")
            .unwrap()
            .timestamp_micros();
        let mut frame = df!(
            "repo" => ["acme/api"],
            "number" => [1i32],
            "reviewer" => ["ada"],
            "state" => ["approved"],
            "submitted_at" => [at * 1000],
        )
        .unwrap();
        frame
            .with_column(
                frame
                    .column("submitted_at")
                    .unwrap()
                    .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))
                    .unwrap(),
            )
            .unwrap();
        let file = File::create(dir.path().join("reviews.parquet")).unwrap();
        ParquetWriter::new(file).finish(&mut frame).unwrap();
        let batch = FileImport::new(dir.path()).load().unwrap();
        let stored = batch.frames[0]
            .1
            .column("submitted_at")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap();
        assert_eq!(stored.i64().unwrap().get(0), Some(at));
        assert_eq!(
            batch.frames[0].1.column("number").unwrap().dtype(),
            &DataType::Int64
        );
    }
}
