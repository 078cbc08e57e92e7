//! What a fetch shows while it runs: a progress bar per repository on a terminal (indicatif),
//! plain log lines when stderr is not a terminal (CI logs, pipes), nothing with `--quiet`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::common::repo_name::RepoName;
use crate::sources::git::sync::{GitObserver, GitOutcome};
use crate::sources::github::client::ClientStats;
use crate::sources::github::fetch::Observer;
use crate::sources::github::sync::{Counts, RepoOutcome, SyncError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bars,
    Lines,
    Quiet,
}

/// The fetch [`Observer`] of the command line.
pub struct FetchProgress {
    mode: Mode,
    multi: MultiProgress,
    bars: Mutex<BTreeMap<String, ProgressBar>>,
}

impl FetchProgress {
    /// Bars on a terminal, lines otherwise, nothing when `quiet`.
    pub fn new(quiet: bool) -> FetchProgress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        };
        let multi = MultiProgress::with_draw_target(if mode == Mode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        FetchProgress {
            mode,
            multi,
            bars: Mutex::new(BTreeMap::new()),
        }
    }

    fn line(&self, text: &str) {
        match self.mode {
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
            Mode::Lines => eprintln!("{text}"),
            Mode::Quiet => {}
        }
    }

    fn bar(&self, repo: &RepoName) -> Option<ProgressBar> {
        self.bar_named(&repo.to_string())
    }

    /// The bar named `name` (a repository, `linear TEAM`, a Jira project…), made on first use.
    fn bar_named(&self, repo: &str) -> Option<ProgressBar> {
        if self.mode != Mode::Bars {
            return None;
        }
        let mut bars = self.bars.lock().ok()?;
        let bar = bars.entry(repo.to_string()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(repo.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Some(bar.clone())
    }
}

/// `300 pull requests, 12 issues, 4 deployments (page 3)`.
fn describe(counts: &Counts) -> String {
    format!(
        "{} pull requests, {} issues, {} deployments (page {})",
        counts.pull_requests, counts.issues, counts.deployments, counts.pages
    )
}

/// `rate limit 4,812 of 5,000 points left`, when GitHub has said.
fn budget(stats: &ClientStats) -> String {
    match (stats.remaining, stats.limit) {
        (Some(remaining), Some(limit)) => {
            format!("rate limit {remaining} of {limit} points left")
        }
        _ => "rate limit not reported yet".into(),
    }
}

/// Keys named in a finished line about removed issues; the rest are counted (and logged at -v).
const REMOVED_KEYS_SHOWN: usize = 10;

/// `; 2 issues removed (no longer in the project, or deleted): PAY-1, PAY-3`: which stored issues
/// a fetch removed, so a user who misses one in the report can tell why. Every key is also logged
/// at info level (`-v`), and the line names the first [`REMOVED_KEYS_SHOWN`].
fn removed_note(source: &str, removed: &[String], why: &str) -> String {
    if removed.is_empty() {
        return String::new();
    }
    for key in removed {
        tracing::info!("{source}: removed {key} ({why})");
    }
    let shown: Vec<&str> = removed
        .iter()
        .take(REMOVED_KEYS_SHOWN)
        .map(String::as_str)
        .collect();
    let mut text = format!(
        "; {} issue{} removed ({why}): {}",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" },
        shown.join(", ")
    );
    if removed.len() > shown.len() {
        text.push_str(&format!(
            " and {} more (-v lists them)",
            removed.len() - shown.len()
        ));
    }
    text
}

impl Observer for FetchProgress {
    fn repository_started(&self, repo: &RepoName, resumed_hint: bool) {
        let text = if resumed_hint {
            "resuming an interrupted fetch"
        } else {
            "fetching"
        };
        match self.bar(repo) {
            Some(bar) => bar.set_message(text),
            None => self.line(&format!("{repo}: {text}")),
        }
    }

    fn page(&self, repo: &RepoName, counts: &Counts, stats: &ClientStats) {
        let text = format!("{}; {}", describe(counts), budget(stats));
        match self.bar(repo) {
            Some(bar) => bar.set_message(text),
            None => self.line(&format!("{repo}: {text}")),
        }
    }

    fn waiting(&self, message: &str) {
        self.line(message);
    }

    fn repository_finished(&self, outcome: &RepoOutcome, stats: &ClientStats) {
        let mut text = format!("done: {}; {}", describe(&outcome.counts), budget(stats));
        if !outcome.warnings.is_empty() {
            text.push_str(&format!(
                "; GitHub reported {} error(s) beside the data, which was kept (-v lists them)",
                outcome.warnings.len()
            ));
            for warning in &outcome.warnings {
                tracing::info!("{}: {warning}", outcome.repo);
            }
        }
        match self.bar(&outcome.repo) {
            Some(bar) => bar.finish_with_message(text),
            None => self.line(&format!("{}: {text}", outcome.repo)),
        }
    }

    fn repository_failed(&self, repo: &RepoName, error: &SyncError) {
        let text = if error.is_resumable() {
            "stopped (progress is saved: the same command resumes)"
        } else {
            "failed"
        };
        match self.bar(repo) {
            Some(bar) => bar.abandon_with_message(text),
            None => self.line(&format!("{repo}: {text}")),
        }
    }
}

impl GitObserver for FetchProgress {
    fn started(&self, repo: &str, resumed: bool) {
        let text = if resumed {
            "resuming an interrupted read"
        } else {
            "reading commits"
        };
        match self.bar_named(repo) {
            Some(bar) => bar.set_message(text),
            None => self.line(&format!("{repo}: {text}")),
        }
    }

    fn progress(&self, repo: &str, done: usize, total: usize) {
        let text = format!("{done} of {total} commits read");
        match self.bar_named(repo) {
            Some(bar) => bar.set_message(text),
            None => self.line(&format!("{repo}: {text}")),
        }
    }

    fn finished(&self, outcome: &GitOutcome) {
        let text = format!("done: {} commits", outcome.commits);
        match self.bar_named(&outcome.repo) {
            Some(bar) => bar.finish_with_message(text),
            None => self.line(&format!("{}: {text}", outcome.repo)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Linear: the same bars and lines, one per team.
// ---------------------------------------------------------------------------------------------

mod linear {
    use super::FetchProgress;
    use crate::sources::linear::client::ClientStats;
    use crate::sources::linear::fetch::Observer;
    use crate::sources::linear::sync::{SyncError, TeamOutcome};
    use crate::sources::tickets::Counts;

    /// `120 issues, 840 history events, 64 comments (page 3)`.
    fn describe(counts: &Counts) -> String {
        format!(
            "{} issues, {} history events, {} comments (page {})",
            counts.issues, counts.events, counts.comments, counts.pages
        )
    }

    /// `rate limit 4,812 of 5,000 requests left`, when Linear has said.
    fn budget(stats: &ClientStats) -> String {
        match (stats.requests_remaining, stats.requests_limit) {
            (Some(remaining), Some(limit)) => {
                let mut text = format!("rate limit {remaining} of {limit} requests left");
                if let (Some(left), Some(limit)) =
                    (stats.complexity_remaining, stats.complexity_limit)
                {
                    text.push_str(&format!(", {left} of {limit} complexity points"));
                }
                text
            }
            _ => "rate limit not reported yet".into(),
        }
    }

    impl FetchProgress {
        /// Says `text` on the team's bar (named `linear KEY` beside the repositories' bars).
        fn team_message(&self, team: &str, text: &str, end: Option<bool>) {
            let name = format!("linear {team}");
            match self.bar_named(&name) {
                Some(bar) => match end {
                    None => bar.set_message(text.to_string()),
                    Some(true) => bar.finish_with_message(text.to_string()),
                    Some(false) => bar.abandon_with_message(text.to_string()),
                },
                None => self.line(&format!("{name}: {text}")),
            }
        }
    }

    impl Observer for FetchProgress {
        fn team_started(&self, team: &str, resumed_hint: bool) {
            let text = if resumed_hint {
                "resuming an interrupted fetch"
            } else {
                "fetching"
            };
            self.team_message(team, text, None);
        }

        fn page(&self, team: &str, counts: &Counts, stats: &ClientStats) {
            self.team_message(
                team,
                &format!("{}; {}", describe(counts), budget(stats)),
                None,
            );
        }

        fn waiting(&self, message: &str) {
            self.line(message);
        }

        fn team_finished(&self, outcome: &TeamOutcome, stats: &ClientStats) {
            let mut text = format!("done: {}; {}", describe(&outcome.counts), budget(stats));
            text.push_str(&super::removed_note(
                &format!("linear {}", outcome.team),
                &outcome.removed,
                "moved out of the team, or trashed",
            ));
            if !outcome.warnings.is_empty() {
                text.push_str(&format!(
                    "; Linear reported {} error(s) beside the data, which was kept (-v lists them)",
                    outcome.warnings.len()
                ));
                for warning in &outcome.warnings {
                    tracing::info!("linear {}: {warning}", outcome.team);
                }
            }
            self.team_message(&outcome.team, &text, Some(true));
        }

        fn team_failed(&self, team: &str, error: &SyncError) {
            let text = if error.is_resumable() {
                "stopped (progress is saved: the same command resumes)"
            } else {
                "failed"
            };
            self.team_message(team, text, Some(false));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Jira: the same bars and lines, one per project.
// ---------------------------------------------------------------------------------------------

mod jira {
    use super::FetchProgress;
    use crate::sources::jira::client::ClientStats;
    use crate::sources::jira::fetch::Observer;
    use crate::sources::jira::sync::{ProjectOutcome, SkippedIssue, SyncError};
    use crate::sources::tickets::Counts;

    /// `; 1 issue skipped (Jira refused to read it: deleted, or hidden by issue security):
    /// OPS-7 (404)`: issues the search returned that Jira then would not give, each with its
    /// status code; the first ten are named.
    fn skipped_note(skipped: &[SkippedIssue]) -> String {
        if skipped.is_empty() {
            return String::new();
        }
        let shown: Vec<String> = skipped
            .iter()
            .take(super::REMOVED_KEYS_SHOWN)
            .map(|s| format!("{} ({})", s.key, s.status))
            .collect();
        let mut text = format!(
            "; {} issue{} skipped (Jira refused to read it: deleted, or hidden by issue \
             security): {}",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            shown.join(", ")
        );
        if skipped.len() > shown.len() {
            text.push_str(&format!(" and {} more", skipped.len() - shown.len()));
        }
        text
    }

    /// `120 issues, 840 changes, 96 comments (page 3)`.
    fn describe(counts: &Counts) -> String {
        format!(
            "{} issues, {} changes, {} comments (page {})",
            counts.issues, counts.events, counts.comments, counts.pages
        )
    }

    /// `41 requests, 2 rate-limited`.
    fn requests(stats: &ClientStats) -> String {
        let mut text = format!("{} requests", stats.requests);
        if stats.rate_limited > 0 {
            text.push_str(&format!(", {} rate-limited", stats.rate_limited));
        }
        text
    }

    fn name(project: &str) -> String {
        format!("jira {project}")
    }

    impl FetchProgress {
        fn say(&self, project: &str, text: &str) {
            match self.bar_named(&name(project)) {
                Some(bar) => bar.set_message(text.to_string()),
                None => self.line(&format!("{}: {text}", name(project))),
            }
        }
    }

    impl Observer for FetchProgress {
        fn project_started(&self, project: &str, resumed_hint: bool) {
            let text = if resumed_hint {
                "resuming an interrupted fetch"
            } else {
                "fetching"
            };
            self.say(project, text);
        }

        fn page(&self, project: &str, counts: &Counts, stats: &ClientStats) {
            self.say(
                project,
                &format!("{}; {}", describe(counts), requests(stats)),
            );
        }

        fn waiting(&self, message: &str) {
            self.line(message);
        }

        fn project_finished(&self, outcome: &ProjectOutcome, stats: &ClientStats) {
            let mut text = format!("done: {}; {}", describe(&outcome.counts), requests(stats));
            text.push_str(&super::removed_note(
                &name(&outcome.project),
                &outcome.removed,
                "no longer in the project, or deleted",
            ));
            text.push_str(&skipped_note(&outcome.skipped));
            match self.bar_named(&name(&outcome.project)) {
                Some(bar) => bar.finish_with_message(text),
                None => self.line(&format!("{}: {text}", name(&outcome.project))),
            }
        }

        fn note(&self, project: &str, message: &str) {
            self.line(&format!("{}: {message}", name(project)));
        }

        fn project_failed(&self, project: &str, error: &SyncError) {
            let text = if error.is_resumable() {
                "stopped (progress is saved: the same command resumes)"
            } else {
                "failed"
            };
            match self.bar_named(&name(project)) {
                Some(bar) => bar.abandon_with_message(text),
                None => self.line(&format!("{}: {text}", name(project))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::removed_note;

    #[test]
    fn removed_issues_are_named_up_to_ten() {
        assert_eq!(removed_note("jira PAY", &[], "gone"), "");
        assert_eq!(
            removed_note("jira PAY", &["PAY-3".to_string()], "gone"),
            "; 1 issue removed (gone): PAY-3"
        );
        let many: Vec<String> = (1..=12).map(|n| format!("PAY-{n}")).collect();
        assert_eq!(
            removed_note("jira PAY", &many, "gone"),
            "; 12 issues removed (gone): PAY-1, PAY-2, PAY-3, PAY-4, PAY-5, PAY-6, PAY-7, PAY-8, \
             PAY-9, PAY-10 and 2 more (-v lists them)"
        );
    }
}
