//! What `teamlens query` writes as CSV: a file `teamlens import` reads back to the same values.
//!
//! Import reads list columns as `;`-separated text and timestamps as RFC 3339, so those are what
//! the CSV holds: a list's elements joined with `;` (an empty or null list is an empty cell),
//! timestamps as UTC with `Z`, and a struct (which no table has, but SQL can build) as its JSON
//! object. Plain columns are written by polars unchanged. The JSON output is
//! [`crate::report::rows`], where lists are arrays and structs objects.

use std::io::Write;

use polars::prelude::*;

/// Writes `frame` as CSV with a header, in the form `teamlens import` reads.
pub fn write_csv(frame: &DataFrame, out: &mut impl Write) -> PolarsResult<()> {
    let mut frame = importable(frame)?;
    CsvWriter::new(out).include_header(true).finish(&mut frame)
}

/// `frame` with every list, struct and timestamp column turned into the text import reads.
fn importable(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let mut columns = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let dtype = column.dtype();
        if !(dtype.is_nested() || matches!(dtype, DataType::Datetime(..))) {
            columns.push(column.clone());
            continue;
        }
        let mut cells: Vec<Option<String>> = Vec::with_capacity(column.len());
        for i in 0..column.len() {
            cells.push(match column.get(i)? {
                AnyValue::Null => None,
                AnyValue::List(items) => {
                    let mut parts = Vec::with_capacity(items.len());
                    for j in 0..items.len() {
                        if let Some(part) = text(items.get(j)?) {
                            parts.push(part);
                        }
                    }
                    (!parts.is_empty()).then(|| parts.join(";"))
                }
                other => text(other),
            });
        }
        columns.push(Column::new(column.name().clone(), cells));
    }
    DataFrame::new(frame.height(), columns)
}

/// One value as import reads it: text as is, timestamps as RFC 3339 in UTC, nested values as
/// JSON.
fn text(value: AnyValue) -> Option<String> {
    match value {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        AnyValue::Datetime(ticks, unit, _) | AnyValue::DatetimeOwned(ticks, unit, _) => {
            let micros = match unit {
                TimeUnit::Nanoseconds => ticks / 1_000,
                TimeUnit::Microseconds => ticks,
                TimeUnit::Milliseconds => ticks * 1_000,
            };
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        nested @ (AnyValue::List(_) | AnyValue::Struct(..) | AnyValue::StructOwned(_)) => {
            let frame = DataFrame::new(1, vec![Column::new("v".into(), [nested])]).ok()?;
            let rows = crate::report::rows(&frame).ok()?;
            Some(rows.first()?.get("v")?.to_string())
        }
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnValue;

    fn frame() -> DataFrame {
        let teams = <Vec<String> as ColumnValue>::column(
            "teams",
            vec![
                vec!["core".into(), "platform".into()],
                vec![],
                vec!["x,y \"z\"".into()],
            ],
        )
        .unwrap();
        let at = Column::new(
            "at".into(),
            [
                Some(1_790_000_000_000_000i64),
                None,
                Some(1_790_000_000_123_456),
            ],
        )
        .cast(&crate::model::TIMESTAMP)
        .unwrap();
        let n = Column::new("n".into(), [Some(1i64), None, Some(3)]);
        DataFrame::new(3, vec![teams, at, n]).unwrap()
    }

    #[test]
    fn lists_join_with_semicolons_and_timestamps_are_rfc_3339() {
        let mut out = Vec::new();
        write_csv(&frame(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "teams,at,n\n\
             core;platform,2026-09-21T14:13:20Z,1\n\
             ,,\n\
             \"x,y \"\"z\"\"\",2026-09-21T14:13:20.123456Z,3\n"
        );
    }

    #[test]
    fn json_rows_hold_lists_as_arrays_and_structs_as_objects() {
        let mut frame = frame();
        let fields = StructChunked::from_columns(
            "who".into(),
            3,
            &[
                Column::new("login".into(), ["a", "b", "c"]),
                Column::new("prs".into(), [1i64, 2, 3]),
            ],
        )
        .unwrap()
        .into_series()
        .into_column();
        frame.with_column(fields).unwrap();
        let rows = crate::report::rows(&frame).unwrap();
        assert_eq!(rows[0]["teams"], serde_json::json!(["core", "platform"]));
        assert_eq!(rows[1]["teams"], serde_json::json!([]));
        assert_eq!(rows[0]["who"], serde_json::json!({"login": "a", "prs": 1}));
        assert_eq!(rows[2]["at"], "2026-09-21T14:13:20Z");
        let mut out = Vec::new();
        write_csv(&frame, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .ends_with(r#""{""login"":""a"",""prs"":1}""#),
            "{text}"
        );
    }
}
