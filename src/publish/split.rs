//! The body splitter: a Markdown text cut into parts that each fit a size limit, cut where a
//! reader notices least. The parts concatenated are the text, byte for byte: a GitHub issue and
//! its continuation comments, or a step summary's first part, lose nothing they carry.
//!
//! Sizes are counted in UTF-8 bytes. GitHub's limits are in characters; a text never has more
//! characters than bytes, so a part within a byte budget is within the same character limit
//! whatever GitHub counts (code points or UTF-16 units).

/// Splits `text` into parts of at most `first` bytes (the first part) and `rest` bytes (every
/// later part). Each cut is, by preference, before a heading line (`#…`) in the second half of
/// the part, else after the part's last full line, else (a single line longer than a part) at
/// the last character boundary that fits. A budget below 4 bytes is taken as 4, so a character
/// always fits and the parts always end.
pub fn split(text: &str, first: usize, rest: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut budget = first.max(4);
    while text.len() - start > budget {
        let end = cut(text, start, start + budget);
        parts.push(&text[start..end]);
        start = end;
        budget = rest.max(4);
    }
    if start < text.len() || parts.is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

/// Where the part starting at `start` ends, at most at `limit` (< `text.len()`), past `start`.
fn cut(text: &str, start: usize, limit: usize) -> usize {
    let end = floor_char_boundary(text, limit);
    let window = &text[start..end];
    // `start + p` for each line that starts within the part or right after it; a heading line
    // begins a section, the place where a reader expects a break.
    let mut last_line = None;
    let mut last_heading = None;
    for (i, _) in window.match_indices('\n') {
        let p = i + 1;
        last_line = Some(p);
        if text[start + p..].starts_with('#') {
            last_heading = Some(p);
        }
    }
    let half = (end - start) / 2;
    let chosen = match (last_heading, last_line) {
        (Some(heading), _) if heading >= half => heading,
        (_, Some(line)) => line,
        _ if window.is_empty() => return next_char_boundary(text, start),
        _ => window.len(),
    };
    start + chosen
}

/// The largest character boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first character boundary of `text` after `at` (a character that does not fit a budget
/// still has to go somewhere).
fn next_char_boundary(text: &str, at: usize) -> usize {
    let mut next = at + 1;
    while next < text.len() && !text.is_char_boundary(next) {
        next += 1;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, first: usize, rest: usize) -> Vec<&str> {
        let parts = split(text, first, rest);
        assert_eq!(parts.concat(), text, "the parts are the text");
        for (i, part) in parts.iter().enumerate() {
            let budget = if i == 0 { first } else { rest }.max(4);
            assert!(
                part.len() <= budget,
                "part {i} is {} bytes (budget {budget})",
                part.len()
            );
            assert!(!part.is_empty() || text.is_empty(), "part {i} is empty");
        }
        parts
    }

    #[test]
    fn a_text_that_fits_is_one_part() {
        assert_eq!(
            check("# Report\nall of it\n", 100, 10),
            ["# Report\nall of it\n"]
        );
        assert_eq!(check("", 100, 10), [""]);
    }

    #[test]
    fn parts_end_before_a_heading_when_one_is_in_their_second_half() {
        let text = "# Title\nintro line\n## Summary\none two three\n## Findings\nfour five six\n";
        let parts = check(text, 45, 45);
        assert_eq!(
            parts,
            [
                "# Title\nintro line\n## Summary\none two three\n",
                "## Findings\nfour five six\n"
            ]
        );
    }

    #[test]
    fn without_a_heading_late_enough_parts_end_after_a_line() {
        let text = "## A\nline one is long enough\nline two is long enough\nline three\n";
        let parts = check(text, 40, 30);
        assert_eq!(parts[0], "## A\nline one is long enough\n");
        assert_eq!(parts[1], "line two is long enough\n");
    }

    #[test]
    fn a_line_longer_than_a_part_is_cut_between_characters() {
        let text = format!("{}\n", "é".repeat(30));
        let parts = check(&text, 7, 7);
        assert!(parts.len() > 5, "{parts:?}");
        // Three two-byte characters fit 7 bytes; the last part also has the newline.
        assert!(
            parts.iter().all(|p| p.trim_end().chars().count() == 3),
            "{parts:?}"
        );
    }

    #[test]
    fn a_budget_too_small_for_a_character_still_moves_on() {
        let text = "😀😀😀";
        let parts = check(text, 1, 1);
        assert_eq!(parts, ["😀", "😀", "😀"]);
    }

    #[test]
    fn a_large_report_keeps_every_byte() {
        let mut text = String::from("# Engineering report\n## Summary\n");
        for i in 0..3000 {
            text.push_str(&format!(
                "### Finding {i}\n| a | b |\n|---|---|\n| {i} | ✓ — x |\n\n"
            ));
        }
        let parts = check(&text, 60_000, 60_000);
        assert!(parts.len() >= 2);
        assert!(parts[1].starts_with("### Finding"), "{}", &parts[1][..40]);
    }
}
