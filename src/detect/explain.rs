//! `teamlens explain KIND`: a detector's description, its track record on real histories and its
//! thresholds with their current values. The description is the detector's `<name>.md`, the same
//! text as its module documentation, so the two cannot drift apart; here it is laid out for a
//! terminal.

use super::{FindingKind, detector, record};
use crate::config::Config;

/// The column at which descriptions are wrapped.
const WIDTH: usize = 96;

/// Why a kind could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("this build has no detector for {}", .0.name())]
    NoDetector(FindingKind),
    #[error("cannot show the thresholds: {0}")]
    Thresholds(#[from] toml::ser::Error),
}

/// What `teamlens explain` prints for one kind.
pub fn explain(kind: FindingKind, config: &Config) -> Result<String, ExplainError> {
    let detector = detector(kind).ok_or(ExplainError::NoDetector(kind))?;
    let thresholds = toml::Table::try_from(&config.thresholds)?;
    let mut text = format!("{} ({})\n\n", kind.title(), kind.name());
    text.push_str(&for_terminal(detector.explain(), WIDTH));
    text.push_str("\n\n");
    if let Some(record) = record::track_record(kind) {
        text.push_str(&wrap(&record, WIDTH, ""));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Thresholds ([thresholds.{}] in teamlens.toml, current values):\n",
        kind.name()
    ));
    if let Some(toml::Value::Table(values)) = thresholds.get(kind.name()) {
        for (key, value) in values {
            text.push_str(&format!("  {key} = {value}\n"));
        }
    }
    Ok(text)
}

/// A description in Markdown, as plain text: paragraphs wrapped at `width`, list items kept one
/// per line with a hanging indent, code and emphasis marks dropped.
fn for_terminal(markdown: &str, width: usize) -> String {
    let plain = markdown.replace(['`', '*'], "");
    let mut blocks = Vec::new();
    for block in plain.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let mut items: Vec<(String, String)> = Vec::new();
        for line in block.lines() {
            match list_marker(line) {
                Some((marker, rest)) => items.push((marker.to_string(), rest.to_string())),
                None => match items.last_mut() {
                    Some((_, text)) => {
                        text.push(' ');
                        text.push_str(line.trim());
                    }
                    None => items.push((String::new(), line.trim().to_string())),
                },
            }
        }
        let laid_out: Vec<String> = items
            .iter()
            .map(|(marker, text)| match marker.as_str() {
                "" => wrap(text, width, ""),
                marker => format!("  {marker} {}", wrap(text, width - 4, "    ")),
            })
            .collect();
        blocks.push(laid_out.join("\n"));
    }
    blocks.join("\n\n")
}

/// `- text` or `1. text`: the marker and the text after it.
fn list_marker(line: &str) -> Option<(&str, &str)> {
    let (marker, rest) = line.split_once(' ')?;
    let numbered = marker.ends_with('.')
        && marker.len() > 1
        && marker[..marker.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit());
    (marker == "-" || numbered).then_some((marker, rest))
}

/// Wraps text at `width` columns on spaces; lines after the first start with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            out.push_str(indent);
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_one_item_a_line_and_paragraphs_wrap() {
        let text = for_terminal(
            "A `thing` that *matters*.\n\nTwo signals:\n\n- one, which\n  goes on;\n- two.\n\n1. first\n2. second",
            20,
        );
        assert_eq!(
            text,
            "A thing that\nmatters.\n\nTwo signals:\n\n  - one, which goes\n    on;\n  - two.\n\n  1. first\n  2. second"
        );
    }

    #[test]
    fn every_kind_is_explained_with_its_thresholds() {
        let config = Config::default();
        for kind in FindingKind::ALL {
            let text = explain(kind, &config).unwrap();
            assert!(text.contains(&format!("[thresholds.{}]", kind.name())));
            assert!(!text.contains('`'), "{}", kind.name());
        }
    }
}
