//! Which lines of a commit message or a PR description say who or what made the change: the
//! *attribution lines* the sources store, so that [`crate::identity::assistants`] can tell
//! AI-assisted work at analysis time without the whole body being kept.
//!
//! The rule knows no tool by name, so a marker added later under `[ai]` is still found in what
//! was stored before: a line is kept when it reads as an attribution — an attribution verb
//! followed by `with`, `by`, `using`, `via`, `in` or `automatically` ("Generated with
//! [Claude Code](…)", "Made with Cursor", "PR created automatically by Jules for task …",
//! "Link to Devin run: …" through `link to`), a trailer-like `<verb>-by:` or `<verb>-with:` line
//! (`Generated-by:`, `Co-authored-by:`, `Made-with: Cursor`, which a squashed commit carries in
//! the middle of its body, where git reads no trailer), a robot emoji, or a link to an agent's task or
//! session page (a URL whose path names `task`, `tasks`, `session`, `sessions`, `run` or `runs`),
//! and a person's disclosure that a model helped ([`crate::common::disclosure`]: "This change
//! was driven by Codex", "LLM disclosure: …").
//! A commit's trailers are also stored on their own (`commits.trailers`); a PR description has
//! none, so its `Co-authored-by:` lines are kept here. At most
//! [`MAX_LINES`] lines of at most [`MAX_CHARS`] characters each are kept: the column stays small
//! on a history of a million commits, and a description that is all attribution is not one.

/// Lines kept per message at most.
pub const MAX_LINES: usize = 8;
/// Characters kept of a line at most (longer lines are cut, on a character boundary).
pub const MAX_CHARS: usize = 240;

/// Words that, followed by one of [`LINKS`], make a line an attribution.
const VERBS: &[&str] = &[
    "generated",
    "created",
    "made",
    "written",
    "built",
    "authored",
    "co-authored",
    "assisted",
    "powered",
    "produced",
    "opened",
    "drafted",
    "implemented",
];

/// The words after a verb that make it an attribution ("made with", "written by").
const LINKS: &[&str] = &["with", "by", "using", "via", "in", "automatically"];

/// Path words of a URL that name an agent's task or session page.
const TASK_PATHS: &[&str] = &["task", "tasks", "session", "sessions", "run", "runs"];

/// The attribution lines of `body` (a commit message or a PR description), trimmed, in order.
pub fn attribution_lines(body: &str) -> Vec<String> {
    let mut kept = Vec::new();
    for line in body.lines() {
        let line = line.trim();
        if line.is_empty() || !is_attribution(line) {
            continue;
        }
        kept.push(cut(line));
        if kept.len() == MAX_LINES {
            break;
        }
    }
    kept
}

/// Whether one line reads as an attribution (see the module's rule).
pub fn is_attribution(line: &str) -> bool {
    if line.contains('🤖') {
        return true;
    }
    let lower = line.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let verb_then_link = words
        .windows(2)
        .any(|pair| VERBS.contains(&pair[0]) && LINKS.contains(&pair[1]));
    // A trailer-like line (`Generated-by: …`, `Co-authored-by: …`, `Made-with: Cursor`): in a PR
    // description, or in the middle of a squashed commit's body, where git reads no trailer.
    let verb_by = words.iter().any(|w| {
        w.split_once('-')
            .is_some_and(|(verb, link)| VERBS.contains(&verb) && LINKS.contains(&link))
            || w.strip_suffix("-by")
                .is_some_and(|verb| VERBS.contains(&verb))
    });
    if verb_then_link
        || verb_by
        || lower.contains("link to ")
        || crate::common::disclosure::disclosed(line).is_some()
    {
        return true;
    }
    lower
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '<' || c == '>')
        .filter(|token| token.starts_with("https://") || token.starts_with("http://"))
        .any(|url| {
            url.split(['/', '?', '#'])
                .skip(3)
                .any(|segment| TASK_PATHS.contains(&segment))
        })
}

fn cut(line: &str) -> String {
    match line.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => line[..at].to_string(),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributions_of_the_assistants_are_kept() {
        let body = "Fix the parser\n\nThe lexer dropped a token.\n\n\
                    🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n\
                    Co-Authored-By: Claude <noreply@anthropic.com>\n";
        assert_eq!(
            attribution_lines(body),
            vec![
                "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
                "Co-Authored-By: Claude <noreply@anthropic.com>"
            ]
        );
        for line in [
            "Made with [Cursor](https://cursor.com)",
            "*PR created automatically by Jules for task [123](https://jules.google.com/task/123)*",
            "Link to Devin run: https://app.devin.ai/sessions/abc",
            "https://chatgpt.com/codex/tasks/task_e_68a1",
            "Generated-by: Claude Code (Claude Opus 4.6) following the guidelines",
            "This change was driven by Codex at Byron's request",
            "LLM disclosure: I used LLM to fix grammar errors",
        ] {
            assert!(is_attribution(line), "{line}");
        }
    }

    #[test]
    fn a_trailer_like_line_in_a_squashed_body_is_an_attribution() {
        assert!(is_attribution("Made-with: Cursor"));
        assert!(is_attribution("Generated-with: an assistant"));
        let body = "Fix formatting (#446)\n\n* Fix tests\n\nMade-with: Cursor\n\n* Formatting";
        assert_eq!(
            attribution_lines(body),
            vec!["Made-with: Cursor".to_string()]
        );
        assert!(!is_attribution("Made-up numbers removed"));
        assert!(!is_attribution("well-made change"));
    }

    #[test]
    fn ordinary_lines_are_not_attributions() {
        for line in [
            "The cache is created lazily",
            "See https://github.com/acme/api/issues/12",
            "Closes #12",
            "We use copilot for this now",
            "Signed-off-by: Ann <ann@example.org>",
        ] {
            assert!(!is_attribution(line), "{line}");
        }
        // Kept by the rule although no assistant is named: stored, and then no marker of any
        // assistant matches it, so nothing is recognised from it.
        assert!(is_attribution("Fix the build when made with clang"));
    }

    #[test]
    fn lines_are_bounded_in_count_and_length() {
        let long = format!("Generated with {}", "x".repeat(1000));
        let body = std::iter::repeat_n(long.as_str(), 20)
            .collect::<Vec<_>>()
            .join("\n");
        let kept = attribution_lines(&body);
        assert_eq!(kept.len(), MAX_LINES);
        assert!(kept.iter().all(|l| l.chars().count() == MAX_CHARS));
    }
}
