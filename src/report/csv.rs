//! The tables behind the charts as CSV, safe to open in a spreadsheet.
//!
//! Text cells are user input: a cell starting with `=`, `+`, `-`, `@` (or a tab or carriage
//! return) would be read as a formula by Excel, LibreOffice or Google Sheets, so it is prefixed
//! with `'`, which spreadsheets show as text. Numbers are written as numbers (a negative number is
//! a number, not a formula). Every cell is quoted when it holds a separator, quote or line break.

use serde_json::Value;

/// A text cell made inert for spreadsheets and quoted for CSV.
pub fn text_cell(text: &str) -> String {
    let inert = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if inert.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", inert.replace('"', "\"\""))
    } else {
        inert
    }
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => text_cell(s),
        Some(other) => text_cell(&other.to_string()),
    }
}

/// A CSV document with the given columns, read from JSON objects (a missing field is empty).
pub fn table(columns: &[&str], rows: &[Value]) -> String {
    let mut out = columns
        .iter()
        .map(|c| text_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = columns.iter().map(|c| cell(row.get(*c))).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for hostile in ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx"] {
            let written = text_cell(hostile);
            assert!(
                written.starts_with('\'') || written.starts_with("\"'"),
                "{hostile} → {written}"
            );
        }
        assert_eq!(text_cell("a,b"), "\"a,b\"");
        assert_eq!(text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        let csv = table(
            &["name", "delta"],
            &[serde_json::json!({"name": "=1+2", "delta": -3.5})],
        );
        assert_eq!(csv, "name,delta\n'=1+2,-3.5\n");
    }
}
