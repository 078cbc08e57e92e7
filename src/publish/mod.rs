//! `teamlens publish`: a written report sent to where people read it — this month's GitHub issue
//! (`github_issue`), the GitHub Actions step summary (`step_summary`), a Slack message (`slack`)
//! or any webhook (`webhook`).
//!
//! A publisher reads the report folder `teamlens report` wrote (report.md and report.json) and
//! sends what is in it: it never analyses again, and never writes into the folder. Each target
//! keeps within the limits of where it sends (GitHub's 65,536 characters a body, 1 MiB a step
//! summary, Slack's Block Kit limits), cutting a long report with `split` and saying where the
//! rest is. `--dry-run` prints exactly what would be sent, needs no credentials and sends
//! nothing.
//!
//! Credentials: GitHub's come from the sources' discovery (`GITHUB_TOKEN`, `gh auth token`, a
//! GitHub App) and go through the GitHub client; a webhook URL is the credential itself, held in
//! a `SecretString` from the moment it is read and never shown (`post`).

pub mod github_issue;
mod post;
pub mod slack;
pub mod split;
pub mod step_summary;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use crate::common::repo_name::RepoName;
use crate::config::Config;
use crate::sources::fetch::Observer;
use crate::sources::github::client::ClientError;
use crate::sources::github::fetch::ConnectError;

/// The largest report.md or report.json read: a report of 2,000 people is a few megabytes; a
/// file far larger is not a report.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Where a report goes.
pub enum Target {
    /// This month's issue in a repository, found again by its first label and its title.
    GitHubIssue {
        repository: String,
        labels: Vec<String>,
    },
    /// The file `GITHUB_STEP_SUMMARY` names.
    StepSummary,
    /// A Slack incoming webhook: the URL given, else `SLACK_WEBHOOK_URL`.
    Slack { url: Option<SecretString> },
    /// Any URL taking a JSON POST: the URL given, else `TEAMLENS_WEBHOOK_URL`.
    Webhook { url: Option<SecretString> },
}

/// One `teamlens publish`.
pub struct Request<'a> {
    pub target: Target,
    /// The report folder.
    pub report: PathBuf,
    /// A link to the full report, shown with what is sent (an http(s) URL, checked by the CLI).
    pub link: Option<String>,
    pub dry_run: bool,
    pub config: &'a Config,
    /// Told when a client waits before trying again (rate limits, back-off).
    pub observer: Arc<dyn Observer>,
    /// The environment: `GITHUB_STEP_SUMMARY`, `SLACK_WEBHOOK_URL`, `TEAMLENS_WEBHOOK_URL`.
    pub var: &'a dyn Fn(&str) -> Option<String>,
}

/// Sends the report as `request` says, telling `say` what was done (or, in a dry run, what
/// would be sent).
pub fn run(request: Request<'_>, say: &dyn Fn(&str)) -> Result<(), PublishError> {
    // The arguments first: a mistyped repository or URL is said before anything is read.
    let link = request.link.as_deref();
    let observer = request.observer.clone();
    let waiting = move |message: &str| observer.waiting(message);
    match request.target {
        Target::GitHubIssue { repository, labels } => {
            let repo = RepoName::parse(&repository).map_err(PublishError::BadArgument)?;
            let labels = github_issue::labels(labels)?;
            let report = Report::read(&request.report)?;
            let issue = github_issue::Issue::of(&report, &labels, link);
            if request.dry_run {
                say(&issue.dry_run(&repo));
                return Ok(());
            }
            github_issue::publish(request.config, request.observer, &repo, &issue, say)
        }
        Target::StepSummary => {
            let report = Report::read(&request.report)?;
            step_summary::publish(&report, link, request.var, request.dry_run, say)
        }
        Target::Slack { url } => {
            let url = post::WebhookUrl::find(url, "SLACK_WEBHOOK_URL", request.var)?;
            let report = Report::read(&request.report)?;
            let message = slack::message(&report, link);
            if request.dry_run {
                say(&slack::dry_run(&message, url.as_ref()));
                return Ok(());
            }
            let url = url.ok_or(PublishError::NoWebhook {
                variable: "SLACK_WEBHOOK_URL",
                what: "Slack incoming webhook's URL (the Slack app's Incoming Webhooks page)",
                after: "slack",
            })?;
            slack::send(&request.config.publish, &url, &message, say, &waiting)
        }
        Target::Webhook { url } => {
            let url = post::WebhookUrl::find(url, "TEAMLENS_WEBHOOK_URL", request.var)?;
            let report = Report::read(&request.report)?;
            let payload = webhook::payload(&report, link);
            if request.dry_run {
                say(&webhook::dry_run(&payload, url.as_ref()));
                return Ok(());
            }
            let url = url.ok_or(PublishError::NoWebhook {
                variable: "TEAMLENS_WEBHOOK_URL",
                what: "URL to POST the report's JSON to",
                after: "webhook",
            })?;
            webhook::send(&request.config.publish, &url, &payload, say, &waiting)
        }
    }
}

/// A written report as a publisher reads it.
pub struct Report {
    pub dir: PathBuf,
    /// report.md as written.
    pub markdown: String,
    /// report.json as written (the webhook passes its summary and findings on unchanged).
    pub json: Value,
    /// What the publishers read of report.json.
    pub facts: Facts,
}

/// What the publishers read of report.json; every other field is left as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// Absent from reports written before it was added (version 1).
    pub schema_version: Option<u32>,
    /// `2026-10`, or `2026-07 to 2026-09`.
    pub label: String,
    pub period: Period,
    /// `manager` or `team`.
    pub audience: String,
    pub anonymized: bool,
    /// The teams the report is about; empty for the whole organisation.
    pub scope: Vec<String>,
    pub summary: Vec<SummaryItem>,
    pub findings: Vec<Finding>,
    /// The teamlens that wrote it.
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// One of the summary's points.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SummaryItem {
    pub title: String,
    pub text: String,
    pub severity: String,
    pub question: String,
}

/// A finding, as far as a message about it needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Finding {
    pub title: String,
    pub headline: String,
    pub severity: String,
    pub question: String,
    pub team: String,
}

impl Report {
    /// Reads report.md and report.json of `dir`; a missing, unreadable or foreign file is an
    /// error naming it and what to do.
    pub fn read(dir: &Path) -> Result<Report, PublishError> {
        if !dir.exists() {
            return Err(PublishError::NoReport {
                dir: dir.to_path_buf(),
                missing: "the folder",
            });
        }
        if !dir.is_dir() {
            return Err(PublishError::NotAFolder {
                path: dir.to_path_buf(),
            });
        }
        let markdown = read_text(dir, "report.md")?;
        let json_path = dir.join("report.json");
        let text = read_text(dir, "report.json")?;
        let json: Value = serde_json::from_str(&text).map_err(|e| PublishError::Corrupt {
            path: json_path.clone(),
            message: format!("{e}"),
        })?;
        if !json.is_object() {
            return Err(PublishError::Corrupt {
                path: json_path,
                message: "it is not a JSON object".into(),
            });
        }
        let facts: Facts =
            serde_json::from_value(json.clone()).map_err(|e| PublishError::Corrupt {
                path: json_path.clone(),
                message: e.to_string(),
            })?;
        if facts.label.trim().is_empty() {
            return Err(PublishError::Corrupt {
                path: json_path,
                message: "it has no `label` (the period it reports)".into(),
            });
        }
        Ok(Report {
            dir: dir.to_path_buf(),
            markdown,
            json,
            facts,
        })
    }

    /// `Engineering report 2026-10`, with the teams of a team's report and the audience when it
    /// is the team: what the issue is titled and the Slack message headed, so that each report
    /// (month, teams, audience) has an issue of its own.
    pub fn title(&self) -> String {
        let facts = &self.facts;
        let mut title = format!("Engineering report {}", one_line(&facts.label));
        if !facts.scope.is_empty() {
            title.push_str(" — ");
            title.push_str(&one_line(&facts.scope.join(", ")));
        }
        if facts.audience == "team" {
            title.push_str(" (for the team)");
        }
        cut_chars(title.trim(), 200)
    }

    /// report.md as GitHub shows it in an issue or a step summary: the same text, except that a
    /// chart embedded by a relative path (`![Trends](charts/trends.svg)`), which GitHub would
    /// show as a broken image, says which chart it is and that it is in the full report.
    pub fn markdown_for_github(&self) -> String {
        charts_named(&self.markdown)
    }
}

/// `text` with each relative image (`![alt](path)`) replaced by `_Chart “alt”: path in the full
/// report._`; images from the web and everything else as they are.
fn charts_named(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("![") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let parsed = after.find("](").and_then(|close| {
            let alt = &after[..close];
            let target_start = close + 2;
            let target_len = after[target_start..].find(')')?;
            let target = &after[target_start..target_start + target_len];
            let relative = !target.contains(':')
                && !target.starts_with('/')
                && !target.starts_with('#')
                && !alt.contains(['\n', '['])
                && !target.contains(['\n', ' ']);
            relative.then_some((alt, target, target_start + target_len + 1))
        });
        match parsed {
            Some((alt, target, consumed)) => {
                out.push_str(&format!("_Chart “{alt}”: {target} in the full report._"));
                rest = &after[consumed..];
            }
            None => {
                out.push_str("![");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn read_text(dir: &Path, name: &'static str) -> Result<String, PublishError> {
    let path = dir.join(name);
    let metadata = match std::fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PublishError::NoReport {
                dir: dir.to_path_buf(),
                missing: name,
            });
        }
        Err(source) => return Err(PublishError::Read { path, source }),
    };
    if metadata.len() > MAX_FILE {
        return Err(PublishError::Corrupt {
            path,
            message: format!(
                "it is {} bytes, more than any report's ({MAX_FILE} at most)",
                metadata.len()
            ),
        });
    }
    let bytes = std::fs::read(&path).map_err(|source| PublishError::Read {
        path: path.clone(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| PublishError::Corrupt {
        path,
        message: format!(
            "it is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// `text` on one line: newlines and other control characters as spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` cut to `max` characters, the last of them `…` when cut.
pub(crate) fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `23,456`: a count as people read it.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl From<ConnectError> for PublishError {
    fn from(error: ConnectError) -> Self {
        PublishError::Connect(Box::new(error))
    }
}

/// Why a report could not be published. Each names what is wrong and what to do; none holds a
/// credential or a webhook URL.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "no report in {dir}: {missing} is missing. Write the report with `teamlens report` \
         (without --out it goes to reports/<YYYY-MM>), or name its folder with --report DIR"
    )]
    NoReport { dir: PathBuf, missing: &'static str },
    #[error("{path} is not a folder: name the report folder with --report DIR")]
    NotAFolder { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a report teamlens wrote: {message}. Write the report again with \
         `teamlens report`"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("{0}")]
    BadArgument(String),
    #[error(transparent)]
    Connect(Box<ConnectError>),
    #[error(
        "GitHub has no repository {repo}, or the credentials from {origin} cannot see it (404 \
         Not Found): check the name, and give the token access to the repository"
    )]
    UnknownRepository { repo: RepoName, origin: String },
    #[error(
        "issues are turned off in {repo} (410 Gone): turn them on in the repository's Settings → \
         General → Features, or publish to another repository"
    )]
    IssuesDisabled { repo: RepoName },
    #[error(
        "the credentials from {origin} may not {action} in {repo} (403: {message}): give the \
         token Issues: read and write (a fine-grained token or a GitHub App) or the repo scope \
         (a classic token); in GitHub Actions, add `permissions: issues: write` to the job"
    )]
    WriteRefused {
        origin: String,
        repo: RepoName,
        action: String,
        message: String,
    },
    #[error(
        "the credentials from {origin} may not create the label `{label}` in {repo} (403: \
         {message}): create the label in the repository's Issues → Labels, or give the token \
         Issues: read and write (in GitHub Actions, `permissions: issues: write`)"
    )]
    LabelRefused {
        origin: String,
        repo: RepoName,
        label: String,
        message: String,
    },
    #[error(
        "GitHub created issue #{number} in {repo} without the label `{label}`, which the \
         credentials from {origin} may not set, so the next run could not find it: add the label \
         to the issue by hand, and publish with a token of someone with triage or write access"
    )]
    LabelsDropped {
        number: u64,
        repo: RepoName,
        label: String,
        origin: String,
    },
    #[error("could not {action} in {repo}: {source}")]
    GitHub {
        action: &'static str,
        repo: RepoName,
        #[source]
        source: Box<ClientError>,
    },
    #[error(
        "GitHub's answers about {repo} kept being lost ({attempts} rounds of checking what \
         exists): run the same command again, which finds what was done and finishes the rest"
    )]
    Unsettled { repo: RepoName, attempts: u32 },
    #[error("GitHub's answer to {operation} lacks `{field}`: {excerpt}")]
    Answer {
        operation: &'static str,
        field: &'static str,
        excerpt: String,
    },
    #[error(
        "GITHUB_STEP_SUMMARY is not set: it names the step summary's file inside a GitHub \
         Actions job. Run this in a workflow step, or try it with --dry-run"
    )]
    NoStepSummary,
    #[error(
        "the step summary {path} already holds {size} bytes, and GitHub shows at most 1 MiB \
         (1,048,576 bytes) a step: nothing was added. Publish from a step of its own"
    )]
    StepSummaryFull { path: PathBuf, size: u64 },
    #[error("cannot append to the step summary {path}: {source}")]
    StepSummary {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no webhook URL: set {variable} to the {what}, or give it after `{after}` (the variable \
         keeps it out of shell history and process lists)"
    )]
    NoWebhook {
        variable: &'static str,
        what: &'static str,
        after: &'static str,
    },
    #[error("the webhook URL from {origin} {problem}")]
    BadWebhookUrl { origin: String, problem: String },
    #[error("cannot start the network runtime: {0}")]
    Runtime(String),
    #[error("{0}")]
    Slack(String),
    #[error("{0}")]
    Webhook(String),
}
