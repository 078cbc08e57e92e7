//! Template filters: formatting numbers, and escaping user text for Markdown and links.
//!
//! Titles, names and labels are user input. HTML templates are auto-escaped by minijinja; in
//! Markdown, [`markdown_escape`] backslash-escapes every character that could start markup, so a
//! title like `| pipe | [link](javascript:…)` stays text. Links are shown only for http(s) URLs.

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment};

/// The template environment with every filter registered. `.html` templates are auto-escaped.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("md", |text: Value| markdown_escape(&display(&text)));
    env.add_filter("hours", |v: Value| format_hours(number(&v)));
    // A wait on the report's clock: working hours stay hours (48 working hours are not two
    // days), wall-clock hours become days from 48 as `hours` does.
    env.add_filter("wait", |v: Value, clock: String| match clock.as_str() {
        "working" => number(&v).map_or_else(|| "—".to_string(), |h| format!("{h:.1} h")),
        _ => format_hours(number(&v)),
    });
    env.add_filter("pct", |v: Value| {
        number(&v).map_or_else(|| "—".to_string(), |v| format!("{:.1} %", v * 100.0))
    });
    env.add_filter("num", |v: Value| {
        number(&v).map_or_else(|| "—".to_string(), format_number)
    });
    env.add_filter("figure", |v: Value| match number(&v) {
        Some(n) => format_number(n),
        None if v.is_none() || v.is_undefined() => "—".to_string(),
        None => markdown_escape(&display(&v)),
    });
    // In HTML the auto-escaping makes text safe; backslashes would show.
    env.add_filter("figure_html", |v: Value| match number(&v) {
        Some(n) => format_number(n),
        None if v.is_none() || v.is_undefined() => "—".to_string(),
        None => display(&v),
    });
    env.add_filter("humanize", |name: String| name.replace('_', " "));
    // A name that is no kind (a user's own template over an older report.json) shows as it is.
    env.add_filter("kind_title", |kind: String| {
        crate::detect::FindingKind::from_name(&kind)
            .map_or_else(|| kind.replace('_', " "), |k| k.title().to_string())
    });
    env.add_filter("url", |url: String| safe_url(&url));
    env.add_filter("link_label", |url: String| {
        markdown_escape(&link_label(&url))
    });
    env
}

fn display(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else {
        value.to_string()
    }
}

fn number(value: &Value) -> Option<f64> {
    f64::try_from(value.clone()).ok().filter(|v| v.is_finite())
}

fn format_hours(hours: Option<f64>) -> String {
    match hours {
        None => "—".into(),
        Some(h) if h >= 48.0 => format!("{:.1} d", h / 24.0),
        Some(h) => format!("{h:.1} h"),
    }
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() < 1.0 {
        format!("{value:.3}")
    } else {
        format!("{value:.1}")
    }
}

/// Backslash-escapes the characters that could start Markdown markup and flattens line breaks,
/// so user text can sit in a table cell or a sentence without becoming markup, a link or raw
/// HTML, while names like `mira (manager)` and `acme/api#12` stay readable in the source.
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            // Parentheses, `!` and a `#` inside a line are markup only next to brackets, which
            // are escaped, or at the start of a line.
            '#' if i > 0 => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The URL if it is http(s) and has nothing that could break out of a link; `#` otherwise.
pub fn safe_url(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let allowed = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')' | '`'));
    if allowed {
        url.trim().to_string()
    } else {
        "#".into()
    }
}

/// `https://github.com/acme/api/pull/12` → `acme/api#12`; other URLs as they are.
pub fn link_label(url: &str) -> String {
    let path = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split_once('/')
        .map_or("", |(_, path)| path);
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [owner, repo, "pull" | "issues", number, ..] => format!("{owner}/{repo}#{number}"),
        [.., "browse", key] => key.to_string(),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_markup_in_user_text_stays_text() {
        let escaped =
            markdown_escape("| pipe | [link](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!escaped.contains("[link]("), "{escaped}");
        assert!(escaped.contains("\\|"), "{escaped}");
        assert!(escaped.contains("\\<img"), "{escaped}");
        assert_eq!(markdown_escape("two\nlines"), "two lines");
        assert_eq!(
            markdown_escape("mira (manager) on acme/api#12"),
            "mira (manager) on acme/api#12"
        );
        assert_eq!(markdown_escape("# heading"), "\\# heading");
    }

    #[test]
    fn finding_kinds_are_headed_in_words() {
        let env = environment();
        let title = |kind: &str| {
            env.render_str("{{ k | kind_title }}", minijinja::context! { k => kind })
                .unwrap()
        };
        assert_eq!(title("wont_let_go"), "Won't let go");
        assert_eq!(title("rubber_stamp_review"), "Rubber-stamp review");
        assert_eq!(title("review_bottleneck"), "Review bottleneck");
        assert_eq!(title("some_future_kind"), "some future kind");
    }

    #[test]
    fn only_http_links_survive() {
        assert_eq!(safe_url("javascript:alert(1)"), "#");
        assert_eq!(safe_url("https://x.org/a\" onclick=\"y"), "#");
        assert_eq!(
            safe_url("https://github.com/acme/api/pull/3"),
            "https://github.com/acme/api/pull/3"
        );
    }

    #[test]
    fn link_labels_are_short() {
        assert_eq!(
            link_label("https://github.com/acme/api/pull/12"),
            "acme/api#12"
        );
        assert_eq!(
            link_label("https://acme.atlassian.net/browse/PAY-7"),
            "PAY-7"
        );
    }

    #[test]
    fn html_templates_escape_and_markdown_ones_do_not_need_to() {
        let mut env = environment();
        env.add_template("t.html", "{{ title }}").unwrap();
        let html = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { title => "</script><img src=x onerror=alert(1)>" })
            .unwrap();
        assert!(!html.contains("<img"), "{html}");
        assert_eq!(format_hours(Some(50.0)), "2.1 d");
        assert_eq!(format_hours(None), "—");
    }
}
