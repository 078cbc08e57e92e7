//! `teamlens publish step-summary`: the report's Markdown appended to the GitHub Actions step
//! summary, the file `GITHUB_STEP_SUMMARY` names, which the workflow run's page shows.
//!
//! GitHub shows at most 1 MiB of summary per step and drops a larger one whole ("upload
//! aborted, supports content up to a size of 1024k", <https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary>).
//! What the step wrote before counts, so the report gets what is left: all of it when it fits,
//! else its beginning (summary and findings come first in report.md), cut between sections by
//! `split`, and a line saying how much more the full report holds and where. What is already in
//! the file is kept: the report is appended, never written over.

use std::io::Write;
use std::path::PathBuf;

use super::{PublishError, Report, thousands};

/// GitHub's limit for one step's summary, in bytes.
pub const LIMIT: u64 = 1024 * 1024;

/// Room kept for the line that says where the rest is.
const NOTE_ROOM: usize = 1024;

/// Appends the report to the step summary, or says in a dry run what would be appended.
pub fn publish(
    report: &Report,
    link: Option<&str>,
    var: &dyn Fn(&str) -> Option<String>,
    dry_run: bool,
    say: &dyn Fn(&str),
) -> Result<(), PublishError> {
    let path = var("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    let existing = path
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or(0, |m| m.len());
    let text = text(report, link, existing);
    if dry_run {
        let to = match &path {
            Some(path) => format!("the step summary {}", path.display()),
            None => "the step summary GITHUB_STEP_SUMMARY names (not set here)".to_string(),
        };
        match &text {
            Some(text) => say(&format!(
                "dry run: would append {} bytes to {to}; nothing was written\n{text}",
                thousands(text.len())
            )),
            None => say(&format!(
                "dry run: {to} already holds {} bytes, so nothing would fit under GitHub's 1 MiB a step; nothing was written",
                thousands(existing as usize)
            )),
        }
        return Ok(());
    }
    let path = path.ok_or(PublishError::NoStepSummary)?;
    let text = text.ok_or_else(|| PublishError::StepSummaryFull {
        path: path.clone(),
        size: existing,
    })?;
    let failed = |source| PublishError::StepSummary {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.flush().map_err(failed)?;
    say(&format!(
        "appended the report for {} ({} bytes) to the step summary {}",
        report.facts.label,
        thousands(text.len()),
        path.display()
    ));
    Ok(())
}

/// What is appended to a summary already holding `existing` bytes: the report, whole or cut to
/// what is left of the limit with a line saying where the rest is; `None` when not even a
/// useful beginning fits.
fn text(report: &Report, link: Option<&str>, existing: u64) -> Option<String> {
    let left = usize::try_from(LIMIT.saturating_sub(existing)).unwrap_or(0);
    let separator = if existing > 0 { "\n" } else { "" };
    let markdown = report.markdown_for_github();
    let link_line = link
        .map(|link| format!("\n[The full report: HTML, charts and data]({link})\n"))
        .unwrap_or_default();
    let whole = format!("{separator}{markdown}{link_line}");
    if whole.len() <= left {
        return Some(whole);
    }
    let room = left.checked_sub(separator.len() + NOTE_ROOM)?;
    if room < 4 * NOTE_ROOM {
        return None;
    }
    let first = super::split::split(&markdown, room, room)[0];
    let more = markdown.len() - first.len();
    let whereto = match link {
        Some(link) => format!("in [the full report]({link})"),
        None => "in the full report (report.md and report.html of the report folder)".to_string(),
    };
    Some(format!(
        "{separator}{first}\n\n---\n_A step summary holds at most 1 MiB: the report's other {} bytes are {whereto}._\n",
        thousands(more)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::Facts;
    use super::*;

    fn report(markdown: String) -> Report {
        Report {
            dir: "r".into(),
            markdown,
            json: serde_json::Value::Null,
            facts: Facts {
                label: "2026-10".into(),
                ..Facts::default()
            },
        }
    }

    #[test]
    fn a_report_that_fits_is_appended_whole_after_a_blank_line() {
        let r = report("# Engineering report\n![Trends](charts/trends.svg)\n".into());
        let text = text(&r, Some("https://ci.example/1"), 10).unwrap();
        assert_eq!(
            text,
            "\n# Engineering report\n_Chart “Trends”: charts/trends.svg in the full report._\n\n\
             [The full report: HTML, charts and data](https://ci.example/1)\n"
        );
    }

    #[test]
    fn a_report_larger_than_what_is_left_is_cut_between_sections() {
        let mut markdown = String::from("# Engineering report\n## Summary\nfirst\n");
        for i in 0..20_000 {
            markdown.push_str(&format!("## Section {i}\nsome text of the section\n"));
        }
        let existing = LIMIT - 200_000;
        let text = text(&report(markdown.clone()), None, existing).unwrap();
        assert!(text.len() as u64 + existing <= LIMIT, "{}", text.len());
        assert!(text.starts_with("\n# Engineering report\n## Summary\nfirst\n"));
        let body = text.split("\n\n---\n_A step summary").next().unwrap();
        assert!(markdown.starts_with(&body[1..]));
        assert!(
            body.ends_with("some text of the section\n"),
            "cut after a section"
        );
        assert!(text.contains("bytes are in the full report"));
        assert!(super::text(&report(markdown), None, LIMIT - 100).is_none());
    }
}
