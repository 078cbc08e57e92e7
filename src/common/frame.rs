//! Reading a polars frame's columns into Rust values, and a metric's rows for one month: what
//! metrics, detectors, the report and the git source all do, kept below them all.

use polars::prelude::*;

use crate::period::Month;

/// Reads a column of a frame as `f64` values (nulls as `None`), whatever its numeric type.
pub fn f64_values(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.iter().collect())
}

/// Reads a string column of a frame.
pub fn str_values(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column.str()?.iter().map(|v| v.map(String::from)).collect())
}

/// Rows of a metric for one month.
pub fn for_month(frame: &DataFrame, month: Month) -> PolarsResult<DataFrame> {
    if frame.height() == 0 || frame.column("month").is_err() {
        return Ok(frame.clone());
    }
    frame
        .clone()
        .lazy()
        .filter(col("month").eq(lit(month.to_string())))
        .collect()
}

/// The filter that keeps the rows whose `month` column is one of `months`.
pub fn in_months(months: &[Month]) -> Expr {
    let names: Vec<String> = months.iter().map(Month::to_string).collect();
    col("month").is_in(
        lit(Series::new("months".into(), names)).implode(true),
        false,
    )
}

/// Rows of a metric for several months (a detector's window or baseline).
pub fn for_months(frame: &DataFrame, months: &[Month]) -> PolarsResult<DataFrame> {
    if frame.height() == 0 || frame.column("month").is_err() {
        return Ok(frame.clone());
    }
    frame.clone().lazy().filter(in_months(months)).collect()
}

/// Reads an integer (or timestamp) column of a frame as `i64` values.
pub fn i64_values(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let column = frame.column(name)?.cast(&DataType::Int64)?;
    Ok(column.i64()?.iter().collect())
}

/// The rows of a lazy frame. Counted as its first column's values and nulls, not with `len()`:
/// polars 0.55 rewrites `len()` (or a column's `len()`) over a concatenation (what a window of
/// months reads, `asof::window`) into a sum cast to `UInt128`, a type this build leaves out,
/// and fails.
pub fn count_rows(frame: LazyFrame) -> PolarsResult<usize> {
    let first = nth(0).as_expr();
    let counted = frame
        .select([(first.clone().count() + first.null_count()).alias("rows")])
        .collect()?;
    Ok(counted
        .column("rows")?
        .as_materialized_series()
        .cast(&DataType::UInt64)?
        .u64()?
        .get(0)
        .unwrap_or(0) as usize)
}
