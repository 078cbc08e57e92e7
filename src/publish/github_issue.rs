//! `teamlens publish github-issue OWNER/REPO`: the report as this month's issue, created the
//! first time and updated in place afterwards, so a re-run (a fixed roster, a re-run workflow)
//! never opens a second one.
//!
//! The issue is found again by its first label (`teamlens-report` by default) and its title
//! (the report's: month, teams, audience), among open and closed issues, page by page; the
//! oldest such issue is the one kept. A closed issue is updated and left closed.
//!
//! GitHub takes at most 65,536 characters in an issue's or a comment's body ("body is too long
//! (maximum is 65536 characters)", its 422 Validation Failed). The body holds the report from
//! its start (title, summary, teams, trends, findings, then the appendix) up to [`PART`] bytes,
//! cut between sections (`split`); the rest continues in comments of the same size, each
//! starting with a hidden marker (`<!-- teamlens:continuation K of N -->`), and the body says
//! "Continued in N comments below" (and links the full report with `--link`). Each part ends
//! with [`END_OF_PART`] before teamlens's own lines, so the parts read back in order are the
//! report's Markdown, whole. On a re-run teamlens's comments (those starting with the marker,
//! in the order GitHub lists them) are edited to the new parts, surplus ones deleted and
//! missing ones added; what is unchanged is not written, so a second run writes nothing.
//!
//! Writes that create (the issue, a label, a comment) are never sent twice blindly: when
//! GitHub's answer is lost (`ClientError::Uncertain`), everything is read again and compared
//! with what should be, up to [`ROUNDS`] times, so a comment GitHub did create is found by its
//! marker and an issue by its label and title rather than made again.

use std::sync::Arc;

use serde_json::{Value, json};

use super::split::split;
use super::{PublishError, Report, thousands};
use crate::common::repo_name::RepoName;
use crate::config::Config;
use crate::sources::fetch::Observer;
use crate::sources::github::client::{ClientError, GitHubClient, Write};
use crate::sources::github::fetch::github_client;

/// GitHub's limit on an issue's or comment's body, in characters.
pub const LIMIT: usize = 65_536;
/// Bytes of the report in the body or in one comment: with the marker, the end of part and the
/// notes (well under 1,000 bytes) a body stays under [`LIMIT`] characters.
pub const PART: usize = 60_000;
/// How a continuation comment starts: `<!-- teamlens:continuation 2 of 3 -->`.
pub const CONTINUATION: &str = "<!-- teamlens:continuation ";
/// The line after each part of the report, before teamlens's own lines.
pub const END_OF_PART: &str = "<!-- teamlens:end of part -->";
/// Rounds of reading what exists and writing what differs, when answers are lost.
pub const ROUNDS: u32 = 4;
/// GitHub's longest label name.
const MAX_LABEL: usize = 50;
/// Pages of 100 issues read when looking for the issue (10,000 issues with its label).
const MAX_PAGES: usize = 100;

/// The labels as given: trimmed, without repeats; the first finds the issue again.
pub fn labels(given: Vec<String>) -> Result<Vec<String>, PublishError> {
    let mut out: Vec<String> = Vec::new();
    for label in given {
        let label = label.trim().to_string();
        if label.is_empty() || label.chars().count() > MAX_LABEL || label.contains(',') {
            return Err(PublishError::BadArgument(format!(
                "`{label}` is not a label teamlens can find issues by: give 1 to {MAX_LABEL} \
                 characters without a comma, such as teamlens-report"
            )));
        }
        if !out.iter().any(|l| l.eq_ignore_ascii_case(&label)) {
            out.push(label);
        }
    }
    if out.is_empty() {
        out.push("teamlens-report".into());
    }
    Ok(out)
}

/// What the issue should be.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub title: String,
    pub labels: Vec<String>,
    pub body: String,
    /// The continuation comments, in order.
    pub comments: Vec<String>,
}

impl Issue {
    /// The issue for `report`: its Markdown cut into the body and continuation comments.
    pub fn of(report: &Report, labels: &[String], link: Option<&str>) -> Issue {
        let markdown = report.markdown_for_github();
        let parts = split(&markdown, PART, PART);
        let more = parts.len() - 1;
        let mut notes = Vec::new();
        match more {
            0 => {}
            1 => notes.push("_Continued in 1 comment below._".to_string()),
            n => notes.push(format!("_Continued in {n} comments below._")),
        }
        if let Some(link) = link {
            notes.push(format!("[The full report: HTML, charts and data]({link})"));
        }
        notes.push(
            "<sub>Published by teamlens. Running `teamlens publish github-issue` again updates \
             this issue and its continuation comments in place.</sub>"
                .to_string(),
        );
        let body = format!("{}\n\n{END_OF_PART}\n{}\n", parts[0], notes.join("\n\n"));
        let comments = parts[1..]
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let k = i + 1;
                format!(
                    "{CONTINUATION}{k} of {more} -->\n{part}\n\n{END_OF_PART}\n\
                     <sub>Part {} of {} of the report.</sub>\n",
                    k + 1,
                    more + 1
                )
            })
            .collect();
        Issue {
            title: report.title(),
            labels: labels.to_vec(),
            body,
            comments,
        }
    }

    /// What `--dry-run` prints: the title, labels, sizes, then each text as it would be sent.
    pub fn dry_run(&self, repo: &RepoName) -> String {
        let n = self.comments.len();
        let mut out = format!(
            "dry run: nothing was sent. Would create this issue in {repo}, or update the one \
             labelled `{}` titled so (open or closed):\ntitle: {}\nlabels: {}\nbody: {} \
             characters\n",
            self.labels[0],
            self.title,
            self.labels.join(", "),
            thousands(self.body.chars().count())
        );
        for (i, comment) in self.comments.iter().enumerate() {
            out.push_str(&format!(
                "comment {} of {n}: {} characters\n",
                i + 1,
                thousands(comment.chars().count())
            ));
        }
        out.push_str(&format!("--- body ---\n{}", self.body));
        for (i, comment) in self.comments.iter().enumerate() {
            out.push_str(&format!("--- comment {} of {n} ---\n{comment}", i + 1));
        }
        out
    }
}

/// Creates or updates the issue in `repo`, telling `say` what was done.
pub fn publish(
    config: &Config,
    observer: Arc<dyn Observer>,
    repo: &RepoName,
    issue: &Issue,
    say: &dyn Fn(&str),
) -> Result<(), PublishError> {
    let runtime =
        crate::sources::fetch::runtime().map_err(|e| PublishError::Runtime(e.to_string()))?;
    runtime.block_on(async {
        let client = github_client(config, false, observer)?;
        let mut round = 0;
        loop {
            round += 1;
            match settle(&client, repo, issue).await {
                Ok(done) => {
                    say(&done);
                    return Ok(());
                }
                Err(Step::Lost(message)) if round < ROUNDS => {
                    say(&format!(
                        "GitHub's answer was lost ({message}); reading what exists before going on"
                    ));
                }
                Err(Step::Lost(_)) => {
                    return Err(PublishError::Unsettled {
                        repo: repo.clone(),
                        attempts: round,
                    });
                }
                Err(Step::Failed(error)) => return Err(*error),
            }
        }
    })
}

/// Why one round stopped.
enum Step {
    /// A write's answer was lost (or what it changed moved meanwhile): read again.
    Lost(String),
    Failed(Box<PublishError>),
}

impl From<PublishError> for Step {
    fn from(error: PublishError) -> Self {
        Step::Failed(Box::new(error))
    }
}

/// The issue and a comment as GitHub has them.
struct Existing {
    number: u64,
    url: String,
    body: String,
    labels: Vec<String>,
    closed: bool,
}

struct Comment {
    id: u64,
    body: String,
}

/// One round: reads what exists, writes what differs; what was done, in words.
async fn settle(client: &GitHubClient, repo: &RepoName, issue: &Issue) -> Result<String, Step> {
    let errors = Errors { client, repo };
    let found = find(client, repo, issue, &errors).await?;
    let missing_labels: Vec<&String> = issue
        .labels
        .iter()
        .filter(|l| {
            !found
                .as_ref()
                .is_some_and(|f| f.labels.iter().any(|h| h.eq_ignore_ascii_case(l)))
        })
        .collect();
    for label in &missing_labels {
        ensure_label(client, repo, label, &errors).await?;
    }
    let base = format!("/repos/{}/{}", encode(&repo.owner), encode(&repo.name));
    let (existing, created, body_changed) = match found {
        None => {
            let answer = client
                .rest_write(
                    "POST /repos/{owner}/{repo}/issues",
                    Write::Post,
                    &format!("{base}/issues"),
                    Some(
                        &json!({"title": issue.title, "body": issue.body, "labels": issue.labels}),
                    ),
                )
                .await
                .map_err(|e| errors.of(e, "create the issue"))?;
            let created = existing_issue(&answer, "POST /repos/{owner}/{repo}/issues")?;
            if !created
                .labels
                .iter()
                .any(|l| l.eq_ignore_ascii_case(&issue.labels[0]))
            {
                return Err(Step::from(PublishError::LabelsDropped {
                    number: created.number,
                    repo: repo.clone(),
                    label: issue.labels[0].clone(),
                    origin: client.origin().to_string(),
                }));
            }
            (created, true, true)
        }
        Some(found) => {
            let mut change = serde_json::Map::new();
            if found.body != issue.body {
                change.insert("body".into(), json!(issue.body));
            }
            if !missing_labels.is_empty() {
                let mut labels = found.labels.clone();
                labels.extend(missing_labels.iter().map(|l| l.to_string()));
                change.insert("labels".into(), json!(labels));
            }
            let changed = !change.is_empty();
            if changed {
                let path = format!("{base}/issues/{}", found.number);
                client
                    .rest_write(
                        "PATCH /repos/{owner}/{repo}/issues/{number}",
                        Write::Patch,
                        &path,
                        Some(&Value::Object(change)),
                    )
                    .await
                    .map_err(|e| errors.of(e, "update the issue"))?;
            }
            (found, false, changed)
        }
    };
    let comments = sync_comments(client, &base, existing.number, issue, &errors).await?;
    let mut what = Vec::new();
    if !created && body_changed {
        what.push("the body".to_string());
    }
    what.extend(comments.said());
    let sizes = format!(
        "body {} characters, {} continuation comment{}",
        thousands(issue.body.chars().count()),
        issue.comments.len(),
        if issue.comments.len() == 1 { "" } else { "s" }
    );
    let closed = if existing.closed {
        " (closed; left closed)"
    } else {
        ""
    };
    Ok(if created {
        format!(
            "created issue #{} in {repo}: {} ({sizes})",
            existing.number, existing.url
        )
    } else if what.is_empty() {
        format!(
            "issue #{} in {repo} is already up to date{closed}: {} ({sizes})",
            existing.number, existing.url
        )
    } else {
        format!(
            "updated issue #{} in {repo}{closed}: {} ({}; {sizes})",
            existing.number,
            existing.url,
            what.join(", ")
        )
    })
}

/// The oldest issue (not pull request) with the first label and the title, open or closed.
async fn find(
    client: &GitHubClient,
    repo: &RepoName,
    issue: &Issue,
    errors: &Errors<'_>,
) -> Result<Option<Existing>, Step> {
    const OPERATION: &str = "GET /repos/{owner}/{repo}/issues";
    let mut url = Some(format!(
        "{}/repos/{}/{}/issues?labels={}&state=all&sort=created&direction=asc&per_page=100",
        client.api_url(),
        encode(&repo.owner),
        encode(&repo.name),
        encode(&issue.labels[0])
    ));
    let mut pages = 0;
    while let Some(next) = url.take() {
        pages += 1;
        let Some(page) = client
            .rest_page(OPERATION, &next)
            .await
            .map_err(|e| errors.of(e, "read the issues"))?
        else {
            return Err(errors.unknown());
        };
        let items = page
            .body
            .as_array()
            .ok_or_else(|| Step::from(answer_lacks(OPERATION, "a list of issues", &page.body)))?;
        for item in items {
            if item.get("pull_request").is_some() {
                continue;
            }
            if item["title"].as_str() == Some(issue.title.as_str()) {
                return existing_issue(item, OPERATION).map(Some);
            }
        }
        if pages < MAX_PAGES {
            url = page.next;
        }
    }
    Ok(None)
}

/// Creates `label` when the repository lacks it.
async fn ensure_label(
    client: &GitHubClient,
    repo: &RepoName,
    label: &str,
    errors: &Errors<'_>,
) -> Result<(), Step> {
    let base = format!("/repos/{}/{}", encode(&repo.owner), encode(&repo.name));
    let exists = client
        .rest_get(
            "GET /repos/{owner}/{repo}/labels/{name}",
            &format!("{base}/labels/{}", encode(label)),
        )
        .await
        .map_err(|e| errors.of(e, "read the labels"))?;
    if exists.is_some() {
        return Ok(());
    }
    let created = client
        .rest_write(
            "POST /repos/{owner}/{repo}/labels",
            Write::Post,
            &format!("{base}/labels"),
            Some(&json!({
                "name": label,
                "color": "5319e7",
                "description": "Engineering reports published by teamlens",
            })),
        )
        .await;
    match created {
        Ok(_) => Ok(()),
        // Created meanwhile (by a run a moment ago, or the lost answer of ours): it exists.
        Err(ClientError::Rejected {
            status: 422,
            details,
            ..
        }) if details.iter().any(|d| d.contains("already_exists")) => Ok(()),
        Err(ClientError::Forbidden { message, .. }) => {
            Err(Step::from(PublishError::LabelRefused {
                origin: client.origin().to_string(),
                repo: repo.clone(),
                label: label.to_string(),
                message,
            }))
        }
        Err(error) => Err(errors.of(error, "create a label")),
    }
}

/// What was done to the continuation comments.
#[derive(Default)]
struct CommentChanges {
    added: usize,
    edited: usize,
    removed: usize,
}

impl CommentChanges {
    fn said(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (n, what) in [
            (self.added, "added"),
            (self.edited, "edited"),
            (self.removed, "removed"),
        ] {
            if n > 0 {
                let s = if n == 1 { "" } else { "s" };
                out.push(format!("{n} comment{s} {what}"));
            }
        }
        out
    }
}

/// teamlens's comments on the issue made the issue's continuation, in order.
async fn sync_comments(
    client: &GitHubClient,
    base: &str,
    number: u64,
    issue: &Issue,
    errors: &Errors<'_>,
) -> Result<CommentChanges, Step> {
    let ours = our_comments(client, base, number, errors).await?;
    let mut changes = CommentChanges::default();
    for (i, wanted) in issue.comments.iter().enumerate() {
        match ours.get(i) {
            Some(comment) if comment.body == *wanted => {}
            Some(comment) => {
                let path = format!("{base}/issues/comments/{}", comment.id);
                let edited = client
                    .rest_write(
                        "PATCH /repos/{owner}/{repo}/issues/comments/{id}",
                        Write::Patch,
                        &path,
                        Some(&json!({"body": wanted})),
                    )
                    .await;
                match edited {
                    Ok(_) => changes.edited += 1,
                    Err(ClientError::Rejected { status: 404, .. }) => {
                        return Err(Step::Lost(format!(
                            "comment {} was removed meanwhile",
                            comment.id
                        )));
                    }
                    Err(error) => return Err(errors.of(error, "edit a comment")),
                }
            }
            None => {
                client
                    .rest_write(
                        "POST /repos/{owner}/{repo}/issues/{number}/comments",
                        Write::Post,
                        &format!("{base}/issues/{number}/comments"),
                        Some(&json!({"body": wanted})),
                    )
                    .await
                    .map_err(|e| errors.of(e, "add a comment"))?;
                changes.added += 1;
            }
        }
    }
    for comment in ours.iter().skip(issue.comments.len()) {
        let path = format!("{base}/issues/comments/{}", comment.id);
        match client
            .rest_write(
                "DELETE /repos/{owner}/{repo}/issues/comments/{id}",
                Write::Delete,
                &path,
                None,
            )
            .await
        {
            // Gone already: what was wanted.
            Ok(_) | Err(ClientError::Rejected { status: 404, .. }) => changes.removed += 1,
            Err(error) => return Err(errors.of(error, "remove a comment")),
        }
    }
    Ok(changes)
}

/// The issue's comments that teamlens wrote (they start with [`CONTINUATION`]), oldest first.
async fn our_comments(
    client: &GitHubClient,
    base: &str,
    number: u64,
    errors: &Errors<'_>,
) -> Result<Vec<Comment>, Step> {
    const OPERATION: &str = "GET /repos/{owner}/{repo}/issues/{number}/comments";
    let mut url = Some(format!(
        "{}{base}/issues/{number}/comments?per_page=100",
        client.api_url()
    ));
    let mut ours = Vec::new();
    let mut pages = 0;
    while let Some(next) = url.take() {
        pages += 1;
        let Some(page) = client
            .rest_page(OPERATION, &next)
            .await
            .map_err(|e| errors.of(e, "read the issue's comments"))?
        else {
            return Err(Step::Lost(format!("issue #{number} was not found")));
        };
        let items = page
            .body
            .as_array()
            .ok_or_else(|| Step::from(answer_lacks(OPERATION, "a list of comments", &page.body)))?;
        for item in items {
            let body = item["body"].as_str().unwrap_or_default();
            if !body.starts_with(CONTINUATION) {
                continue;
            }
            let id = item["id"]
                .as_u64()
                .ok_or_else(|| Step::from(answer_lacks(OPERATION, "id", item)))?;
            ours.push(Comment {
                id,
                body: body.to_string(),
            });
        }
        if pages < MAX_PAGES * 10 {
            url = page.next;
        }
    }
    Ok(ours)
}

fn existing_issue(item: &Value, operation: &'static str) -> Result<Existing, Step> {
    let number = item["number"]
        .as_u64()
        .ok_or_else(|| Step::from(answer_lacks(operation, "number", item)))?;
    Ok(Existing {
        number,
        url: item["html_url"].as_str().unwrap_or_default().to_string(),
        body: item["body"].as_str().unwrap_or_default().to_string(),
        labels: item["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["name"].as_str().or_else(|| l.as_str()))
            .map(str::to_string)
            .collect(),
        closed: item["state"].as_str() == Some("closed"),
    })
}

fn answer_lacks(operation: &'static str, field: &'static str, answer: &Value) -> PublishError {
    PublishError::Answer {
        operation,
        field,
        excerpt: super::cut_chars(&answer.to_string(), 200),
    }
}

/// GitHub's errors in the words of what was being done.
struct Errors<'a> {
    client: &'a GitHubClient,
    repo: &'a RepoName,
}

impl Errors<'_> {
    fn unknown(&self) -> Step {
        Step::from(PublishError::UnknownRepository {
            repo: self.repo.clone(),
            origin: self.client.origin().to_string(),
        })
    }

    fn of(&self, error: ClientError, action: &'static str) -> Step {
        match error {
            ClientError::Uncertain { .. } => Step::Lost(error.to_string()),
            ClientError::Rejected { status: 404, .. } => self.unknown(),
            ClientError::Rejected { status: 410, .. } => Step::from(PublishError::IssuesDisabled {
                repo: self.repo.clone(),
            }),
            ClientError::Forbidden { message, .. } => Step::from(PublishError::WriteRefused {
                origin: self.client.origin().to_string(),
                repo: self.repo.clone(),
                action: action.to_string(),
                message,
            }),
            source => Step::from(PublishError::GitHub {
                action,
                repo: self.repo.clone(),
                source: Box::new(source),
            }),
        }
    }
}

/// A path segment or query value percent-encoded: every byte but letters, digits and `-._~`.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Facts;
    use super::*;

    fn report(markdown: &str) -> Report {
        Report {
            dir: "r".into(),
            markdown: markdown.to_string(),
            json: Value::Null,
            facts: Facts {
                label: "2026-10".into(),
                scope: vec!["payments".into()],
                ..Facts::default()
            },
        }
    }

    /// The report's Markdown read back from the body and comments, as a reader of the issue
    /// would: each part is what comes before the last end-of-part line, after the marker line.
    fn read_back(issue: &Issue) -> String {
        let part = |text: &str| {
            let end = text.rfind(&format!("\n\n{END_OF_PART}")).unwrap();
            text[..end].to_string()
        };
        let mut out = part(&issue.body);
        for comment in &issue.comments {
            let first_line = comment.find('\n').unwrap();
            out.push_str(&part(&comment[first_line + 1..]));
        }
        out
    }

    #[test]
    fn a_short_report_is_the_body_alone() {
        let issue = Issue::of(&report("# R\nshort\n"), &["teamlens-report".into()], None);
        assert_eq!(issue.title, "Engineering report 2026-10 — payments");
        assert!(issue.comments.is_empty());
        assert!(!issue.body.contains("Continued"));
        assert_eq!(read_back(&issue), "# R\nshort\n");
    }

    #[test]
    fn a_long_report_continues_in_comments_each_under_the_limit_and_nothing_is_lost() {
        let mut markdown = String::from("# Engineering report\n## Summary\n");
        for i in 0..4000 {
            markdown.push_str(&format!(
                "### Finding {i} <!-- teamlens:end of part -->\n| a | b |\n|---|---|\n| {i} | é — ✓ |\n\n"
            ));
        }
        let issue = Issue::of(
            &report(&markdown),
            &["x".into()],
            Some("https://ci.example/1"),
        );
        assert!(issue.comments.len() >= 3, "{}", issue.comments.len());
        let n = issue.comments.len();
        assert!(
            issue
                .body
                .contains(&format!("_Continued in {n} comments below._"))
        );
        assert!(issue.body.contains("(https://ci.example/1)"));
        for text in std::iter::once(&issue.body).chain(&issue.comments) {
            assert!(text.chars().count() < LIMIT, "{}", text.chars().count());
        }
        for (i, comment) in issue.comments.iter().enumerate() {
            assert!(comment.starts_with(&format!("{CONTINUATION}{} of {n} -->\n", i + 1)));
        }
        assert_eq!(read_back(&issue), markdown);
    }

    #[test]
    fn labels_are_checked_and_kept_in_order_without_repeats() {
        assert_eq!(labels(vec![]).unwrap(), ["teamlens-report"]);
        assert_eq!(
            labels(vec!["report".into(), " Report ".into(), "monthly".into()]).unwrap(),
            ["report", "monthly"]
        );
        for bad in ["", "a,b", &"x".repeat(51)] {
            assert!(labels(vec![bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_percent_encoded_in_paths() {
        assert_eq!(encode("team lens/ü"), "team%20lens%2F%C3%BC");
        assert_eq!(encode("teamlens-report"), "teamlens-report");
    }
}
