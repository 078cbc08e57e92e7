//! From GitHub's answers to the normalized tables of [`crate::model`].
//!
//! The rules, each chosen to match what GitHub means rather than what its fields are called:
//! - People are named by their canonical roster id: a login (case-insensitive, as GitHub treats
//!   logins) or commit e-mail found among a person's aliases becomes that person's id; anything
//!   else stays as GitHub spells it. Bots keep REST's `name[bot]` spelling.
//! - `ready_at` is the first "ready for review" event; a PR that was never a draft was ready
//!   when it was opened; a PR still (or closed as) a draft has none.
//! - Review requests come from the timeline, not from `reviewRequests` (which lists only the
//!   requests still pending): every "review requested" event is a request, and a "request
//!   removed" event closes the latest open request of that reviewer.
//! - A commit's author is the GitHub account of its e-mail, or the login in a
//!   `users.noreply.github.com` address, or the e-mail; its time-zone offset is the one git
//!   recorded with the author date.
//! - Ticket keys (`PAY-123`) are read from the PR's title and body, as Jira's and Linear's GitHub
//!   integrations read them; issues the PR closes on GitHub are `owner/name#N`.
//! - A revert is a PR whose title is `Revert "…"` (GitHub's revert button) or whose body says
//!   `Reverts owner/name#N`, which also names the reverted PR.
//! - A deployment ships the PRs merged into the default branch since the previous successful
//!   deployment to the same environment ([`ship_merged_prs`]); GitHub records the deployed commit,
//!   not the PRs, and this is what a deployment of the branch head ships.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::wire::{
    Actor, CommentNode, CommitNode, DeploymentNode, GitActor, IssueNode, PullRequestNode,
    ReleaseNode, RequestedReviewer, TimelineNode,
};
use crate::model::{
    Comment, Deployment, FileChange, Issue, IssueEvent, PrCommit, PrEvent, PullRequest, Review,
    ReviewRequest,
};
use crate::sources::identities::Identities;

/// The `source` column of every row this source writes.
pub const SOURCE: &str = "github";

/// GitHub's placeholder for a deleted account.
const GHOST: &str = "ghost";

/// GitHub's accounts in the roster's words ([`Identities`] is every source's).
impl Identities {
    fn actor(&self, actor: Option<&Actor>) -> String {
        actor.map_or_else(|| GHOST.to_string(), |a| self.resolve(&a.id()))
    }

    fn optional_actor(&self, actor: Option<&Actor>) -> Option<String> {
        actor.map(|a| self.resolve(&a.id()))
    }

    /// Who a commit's author or committer is: their GitHub account, the login in a noreply
    /// address, their e-mail, or their name, in that order.
    fn git_actor(&self, actor: Option<&GitActor>) -> Option<String> {
        let actor = actor?;
        if let Some(user) = &actor.user {
            return Some(self.resolve(&user.login));
        }
        if let Some(email) = actor.email.as_deref().filter(|e| !e.is_empty()) {
            if let Some(login) = noreply_login(email) {
                return Some(self.resolve(login));
            }
            return Some(self.resolve(email));
        }
        actor.name.as_deref().map(|name| self.resolve(name))
    }
}

/// A commit message's trailers (as git reads them, `Key: value`) and its attribution lines
/// other than those trailers: what `crate::identity::assistants` reads of a message.
fn message_marks(headline: Option<&str>, body: Option<&str>) -> (Vec<String>, Vec<String>) {
    let body = body.unwrap_or_default();
    let message = format!("{}\n\n{body}", headline.unwrap_or_default());
    let trailers: Vec<String> = crate::sources::git::message::trailers(&message)
        .into_iter()
        .map(|t| format!("{}: {}", t.key, t.value))
        .collect();
    let mut attribution = crate::common::attribution::attribution_lines(body);
    attribution.retain(|line| !trailers.contains(line));
    (trailers, attribution)
}

/// The login in `12345+login@users.noreply.github.com` or `login@users.noreply.github.com`.
fn noreply_login(email: &str) -> Option<&str> {
    let local = email.strip_suffix("@users.noreply.github.com")?;
    let login = local.split_once('+').map_or(local, |(_, login)| login);
    (!login.is_empty()).then_some(login)
}

/// Every row one pull request contributes to the normalized tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullRequestRows {
    pub pull_request: Option<PullRequest>,
    pub reviews: Vec<Review>,
    pub review_requests: Vec<ReviewRequest>,
    pub events: Vec<PrEvent>,
    pub commits: Vec<PrCommit>,
    pub comments: Vec<Comment>,
    pub files: Vec<FileChange>,
}

/// Normalizes one pull request whose connections have all been read to the end.
pub fn pull_request(repo: &str, node: PullRequestNode, who: &Identities) -> PullRequestRows {
    let number = node.number;
    let timeline: Vec<TimelineNode> = node
        .timeline_items
        .map(|c| c.into_items().collect())
        .unwrap_or_default();
    let commits: Vec<CommitNode> = node
        .commits
        .map(|c| c.into_items().collect())
        .unwrap_or_default();

    let ready_at = timeline
        .iter()
        .filter(|t| t.typename == "ReadyForReviewEvent")
        .filter_map(|t| t.created_at)
        .min()
        .or((!node.is_draft).then_some(node.created_at));
    let first_commit_at = commits.iter().map(|c| c.commit.authored_date).min();
    let title = node.title.clone().unwrap_or_default();
    let body = node.body.clone().unwrap_or_default();
    let reverts_number = reverted_pr(repo, &body);
    let mut linked_issues = ticket_keys(&format!("{title}\n{body}"));
    for reference in node
        .closing_issues_references
        .map(|c| c.into_items().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let key = format!(
            "{}#{}",
            reference.repository.name_with_owner, reference.number
        );
        if !linked_issues.contains(&key) {
            linked_issues.push(key);
        }
    }

    let mut rows = PullRequestRows {
        pull_request: Some(PullRequest {
            source: SOURCE.into(),
            repo: repo.to_string(),
            number,
            author: who.actor(node.author.as_ref()),
            title: node.title,
            url: node.url,
            created_at: node.created_at,
            ready_at,
            first_commit_at,
            merged_at: node.merged_at,
            closed_at: node.closed_at,
            merged_by: who.optional_actor(node.merged_by.as_ref()),
            state: node.state.map(|s| s.to_lowercase()),
            draft: Some(node.is_draft && node.closed_at.is_none()),
            additions: node.additions,
            deletions: node.deletions,
            changed_files: node.changed_files,
            labels: node
                .labels
                .map(|c| c.into_items().map(|l| l.name).collect())
                .unwrap_or_default(),
            base_ref: node.base_ref_name,
            is_revert: Some(title.starts_with("Revert \"") || reverts_number.is_some()),
            reverts_number,
            linked_issues,
            updated_at: Some(node.updated_at),
            attribution: crate::common::attribution::attribution_lines(&body),
        }),
        ..PullRequestRows::default()
    };

    for review in node
        .reviews
        .map(|c| c.into_items().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let Some(submitted_at) = review.submitted_at else {
            continue; // a pending review: not submitted, not visible to the author yet
        };
        if review.state == "PENDING" {
            continue;
        }
        rows.reviews.push(Review {
            source: SOURCE.into(),
            repo: repo.to_string(),
            number,
            reviewer: who.actor(review.author.as_ref()),
            reviewer_name: None,
            state: review.state.to_lowercase(),
            submitted_at,
            comment_count: review.comments.map(|c| c.total_count),
        });
    }

    for item in &timeline {
        let Some(at) = item.created_at else { continue };
        let actor = who.optional_actor(item.actor.as_ref());
        let Some(kind) = pr_event_kind(&item.typename) else {
            continue;
        };
        match kind {
            "review_requested" => {
                if let Some(requested) = reviewer_id(item.requested_reviewer.as_ref(), who) {
                    rows.review_requests.push(ReviewRequest {
                        source: SOURCE.into(),
                        repo: repo.to_string(),
                        number,
                        requested,
                        requested_by: actor.clone(),
                        requested_at: at,
                        removed_at: None,
                    });
                }
            }
            "review_request_removed" => {
                if let Some(requested) = reviewer_id(item.requested_reviewer.as_ref(), who)
                    && let Some(open) = rows.review_requests.iter_mut().rev().find(|r| {
                        r.requested == requested && r.removed_at.is_none() && r.requested_at <= at
                    })
                {
                    open.removed_at = Some(at);
                }
            }
            _ => {}
        }
        rows.events.push(PrEvent {
            source: SOURCE.into(),
            repo: repo.to_string(),
            number,
            kind: kind.to_string(),
            actor,
            at,
        });
    }

    for commit in commits {
        let commit = commit.commit;
        let (trailers, attribution) = message_marks(
            commit.message_headline.as_deref(),
            commit.message_body.as_deref(),
        );
        let author = who
            .git_actor(commit.author.as_ref())
            .unwrap_or_else(|| GHOST.to_string());
        rows.commits.push(PrCommit {
            source: SOURCE.into(),
            repo: repo.to_string(),
            number,
            sha: commit.oid,
            author,
            committer: who.git_actor(commit.committer.as_ref()),
            authored_at: commit.authored_date,
            author_tz_offset_minutes: commit
                .author
                .as_ref()
                .and_then(|a| a.date.as_deref())
                .and_then(offset_minutes),
            is_merge: commit.parents.map(|p| p.total_count > 1),
            message_headline: commit.message_headline,
            trailers,
            attribution,
        });
    }

    let conversation = node.comments.map(|c| c.into_items().collect::<Vec<_>>());
    for comment in conversation.unwrap_or_default() {
        rows.comments
            .push(comment_row("pr", repo, number, &comment, false, who));
    }
    let threads = node
        .review_threads
        .map(|c| c.into_items().collect::<Vec<_>>());
    for thread in threads.unwrap_or_default() {
        for comment in thread
            .comments
            .map(|c| c.into_items().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            rows.comments
                .push(comment_row("pr", repo, number, &comment, true, who));
        }
    }

    for file in node
        .files
        .map(|c| c.into_items().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        rows.files.push(FileChange {
            source: SOURCE.into(),
            repo: repo.to_string(),
            sha: None,
            number: Some(number),
            path: file.path,
            additions: file.additions,
            deletions: file.deletions,
        });
    }
    rows
}

fn comment_row(
    target: &str,
    repo: &str,
    number: i64,
    comment: &CommentNode,
    is_review_thread: bool,
    who: &Identities,
) -> Comment {
    Comment {
        source: SOURCE.into(),
        target: target.into(),
        container: repo.to_string(),
        item: number.to_string(),
        author: who.actor(comment.author.as_ref()),
        created_at: comment.created_at,
        is_review_thread: Some(is_review_thread),
    }
}

/// The `pr_events.kind` of a timeline item type, for the types the source asks for.
fn pr_event_kind(typename: &str) -> Option<&'static str> {
    Some(match typename {
        "ReadyForReviewEvent" => "ready_for_review",
        "ConvertToDraftEvent" => "converted_to_draft",
        "ReviewRequestedEvent" => "review_requested",
        "ReviewRequestRemovedEvent" => "review_request_removed",
        "ReviewDismissedEvent" => "review_dismissed",
        "MergedEvent" => "merged",
        "ClosedEvent" => "closed",
        "ReopenedEvent" => "reopened",
        "HeadRefForcePushedEvent" => "head_ref_force_pushed",
        "AssignedEvent" => "assigned",
        _ => return None,
    })
}

/// A requested reviewer as `review_requests.requested` names it: a person, or `team:<slug>`.
fn reviewer_id(reviewer: Option<&RequestedReviewer>, who: &Identities) -> Option<String> {
    let reviewer = reviewer?;
    if reviewer.typename == "Team" {
        return reviewer.slug.as_ref().map(|slug| format!("team:{slug}"));
    }
    let login = reviewer.login.as_ref()?;
    let actor = Actor {
        typename: reviewer.typename.clone(),
        login: login.clone(),
    };
    Some(who.resolve(&actor.id()))
}

/// The UTC offset in minutes of a git timestamp such as `2026-10-05T11:30:00+02:00`.
fn offset_minutes(git_date: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(git_date)
        .ok()
        .map(|d| i64::from(d.offset().local_minus_utc()) / 60)
}

/// The PR a body's `Reverts owner/name#N` (GitHub's revert button) or `Reverts #N` names, when it
/// is in the same repository.
fn reverted_pr(repo: &str, body: &str) -> Option<i64> {
    body.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("Reverts ")?;
        let (target, number) = rest.split_once('#')?;
        if !(target.is_empty() || target.eq_ignore_ascii_case(repo)) {
            return None;
        }
        let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// Ticket keys (`PAY-123`: an upper-case project key, a dash, a number) in order of first
/// appearance.
/// How far past the fetch's clock a time may be before it is taken for a wrong clock.
const FUTURE_SLACK: chrono::Duration = chrono::Duration::hours(24);

/// Repairs times of a pull request that cannot be true, so no duration computed from them is
/// negative or reaches into the future: a creation time after `now` becomes `now`, and a
/// ready, merge or close time before the creation becomes the creation time. Returns a note per
/// repair; the fetch shows them (GitHub has been seen to return such times after repository
/// imports and clock faults, and one of them would otherwise skew every median it enters).
pub fn repair_times(pr: &mut PullRequest, now: DateTime<Utc>) -> Vec<String> {
    let mut notes = Vec::new();
    let number = pr.number;
    if pr.created_at > now + FUTURE_SLACK {
        notes.push(format!(
            "PR #{number}: created_at {} is in the future; set to the fetch time",
            pr.created_at.to_rfc3339()
        ));
        pr.created_at = now;
    }
    let created = pr.created_at;
    for (name, slot) in [
        ("ready_at", &mut pr.ready_at),
        ("merged_at", &mut pr.merged_at),
        ("closed_at", &mut pr.closed_at),
    ] {
        if let Some(at) = *slot {
            if at > now + FUTURE_SLACK {
                notes.push(format!(
                    "PR #{number}: {name} {} is in the future; set to the fetch time",
                    at.to_rfc3339()
                ));
                *slot = Some(now);
            } else if at < created {
                notes.push(format!(
                    "PR #{number}: {name} {} is before created_at {} (out of order); set to \
                     created_at",
                    at.to_rfc3339(),
                    created.to_rfc3339()
                ));
                *slot = Some(created);
            }
        }
    }
    notes
}

pub fn ticket_keys(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut keys: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && bytes[i].is_ascii_uppercase() {
            let mut j = i + 1;
            while j < bytes.len()
                && (bytes[j].is_ascii_uppercase() || bytes[j].is_ascii_digit() || bytes[j] == b'_')
            {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'-' && j - i >= 2 {
                let mut k = j + 1;
                while k < bytes.len() && bytes[k].is_ascii_digit() {
                    k += 1;
                }
                let ends_cleanly = k == bytes.len() || !bytes[k].is_ascii_alphanumeric();
                if k > j + 1 && bytes[j + 1] != b'0' && ends_cleanly {
                    let key = text[i..k].to_string();
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                    i = k;
                    continue;
                }
            }
            i = j;
            continue;
        }
        i += 1;
    }
    keys
}

/// Every row one GitHub issue contributes: the ticket, its field changes, its comments.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRows {
    pub issue: Issue,
    pub events: Vec<IssueEvent>,
    pub comments: Vec<Comment>,
}

/// The `issues.key` of a GitHub issue.
pub fn issue_key(repo: &str, number: i64) -> String {
    format!("{repo}#{number}")
}

/// Normalizes one issue whose connections have all been read to the end. GitHub issues have no
/// "in progress" state: an open issue with an assignee counts as in progress, from its first
/// assignment.
pub fn issue(repo: &str, node: IssueNode, who: &Identities) -> IssueRows {
    let key = issue_key(repo, node.number);
    let labels: Vec<String> = node
        .labels
        .map(|c| c.into_items().map(|l| l.name).collect())
        .unwrap_or_default();
    let assignee = node
        .assignees
        .and_then(|c| c.into_items().next())
        .map(|a| who.resolve(&a.login));
    let closed = node.state.as_deref() == Some("CLOSED");
    let timeline: Vec<TimelineNode> = node
        .timeline_items
        .map(|c| c.into_items().collect())
        .unwrap_or_default();

    let mut events = Vec::new();
    for item in &timeline {
        let Some(at) = item.created_at else { continue };
        let actor = who.actor(item.actor.as_ref());
        let target = || reviewer_id(item.assignee.as_ref(), who);
        let label = || item.label.as_ref().map(|l| l.name.clone());
        let (field, from, to) = match item.typename.as_str() {
            "AssignedEvent" => ("assignee", None, target()),
            "UnassignedEvent" => ("assignee", target(), None),
            "LabeledEvent" => ("labels", None, label()),
            "UnlabeledEvent" => ("labels", label(), None),
            "RenamedTitleEvent" => (
                "title",
                item.previous_title.clone(),
                item.current_title.clone(),
            ),
            "ClosedEvent" => ("status", Some("open".into()), Some("closed".into())),
            "ReopenedEvent" => ("status", Some("closed".into()), Some("open".into())),
            _ => continue,
        };
        events.push(IssueEvent {
            source: SOURCE.into(),
            key: key.clone(),
            at,
            actor,
            field: field.into(),
            from,
            to,
        });
    }
    let edits = node
        .user_content_edits
        .map(|c| c.into_items().collect::<Vec<_>>());
    for edit in edits.unwrap_or_default() {
        // GitHub lists the original text as the oldest "edit"; it is not a change.
        let Some(at) = edit.edited_at.filter(|at| *at > node.created_at) else {
            continue;
        };
        events.push(IssueEvent {
            source: SOURCE.into(),
            key: key.clone(),
            at,
            actor: who.actor(edit.editor.as_ref()),
            field: "description".into(),
            from: None,
            to: None,
        });
    }
    events.sort_by_key(|e| e.at);

    let started_at = events
        .iter()
        .filter(|e| e.field == "assignee" && e.to.is_some())
        .map(|e| e.at)
        .min();
    let resolved_at = closed.then(|| {
        events
            .iter()
            .filter(|e| e.field == "status" && e.to.as_deref() == Some("closed"))
            .map(|e| e.at)
            .max()
            .or(node.closed_at)
    });
    let reopen_count = events
        .iter()
        .filter(|e| e.field == "status" && e.to.as_deref() == Some("open"))
        .count() as i64;
    let status_category = if closed {
        "done"
    } else if assignee.is_some() {
        "in_progress"
    } else {
        "todo"
    };

    let comments = node
        .comments
        .map(|c| c.into_items().collect::<Vec<_>>())
        .unwrap_or_default()
        .iter()
        .map(|c| comment_row("issue", repo, node.number, c, false, who))
        .collect();

    IssueRows {
        issue: Issue {
            source: SOURCE.into(),
            key,
            project: Some(repo.to_string()),
            title: node.title,
            issue_type: Some(issue_type(&labels).into()),
            reporter: who.optional_actor(node.author.as_ref()),
            assignee,
            status: node.state.map(|s| s.to_lowercase()),
            status_category: Some(status_category.into()),
            created_at: node.created_at,
            started_at,
            resolved_at: resolved_at.flatten(),
            reopen_count: Some(reopen_count),
            sprint: None,
            estimate: None,
            labels,
            url: node.url,
            linked_prs: Vec::new(),
        },
        events,
        comments,
    }
}

/// An issue's type from its labels: `bug`, `incident`, `chore` (chores, dependencies,
/// maintenance), else `feature`.
fn issue_type(labels: &[String]) -> &'static str {
    let has = |names: &[&str]| {
        labels
            .iter()
            .any(|l| names.iter().any(|n| l.eq_ignore_ascii_case(n)))
    };
    if has(&["incident"]) {
        "incident"
    } else if has(&["bug"]) {
        "bug"
    } else if has(&["chore", "dependencies", "maintenance"]) {
        "chore"
    } else {
        "feature"
    }
}

/// A deployment as GitHub records it; which PRs it shipped is worked out by [`ship_merged_prs`].
pub fn deployment(repo: &str, node: DeploymentNode) -> Deployment {
    let status = node
        .latest_status
        .map(|s| match s.state.as_str() {
            "SUCCESS" | "INACTIVE" => Some("success".to_string()),
            "FAILURE" | "ERROR" => Some("failure".to_string()),
            _ => None,
        })
        .unwrap_or(None);
    Deployment {
        source: SOURCE.into(),
        repo: repo.to_string(),
        environment: node.environment,
        sha: node.commit_oid,
        pr_numbers: Vec::new(),
        at: node.created_at,
        status,
    }
}

/// A published release as a deployment to the environment `release`; drafts are not releases.
pub fn release(repo: &str, node: ReleaseNode) -> Option<Deployment> {
    if node.is_draft {
        return None;
    }
    Some(Deployment {
        source: SOURCE.into(),
        repo: repo.to_string(),
        environment: Some("release".into()),
        sha: node.tag_commit.map(|c| c.oid),
        pr_numbers: Vec::new(),
        at: node.published_at.unwrap_or(node.created_at),
        status: Some("success".into()),
    })
}

/// Fills `pr_numbers` of one repository's deployments: each ships the PRs merged (at or before
/// it) since the previous successful deployment to the same environment, in merge order. A
/// failed deployment lists what it tried to ship, which the next one ships again.
pub fn ship_merged_prs(deployments: &mut [Deployment], merged: &[(i64, DateTime<Utc>)]) {
    let mut merged: Vec<(i64, DateTime<Utc>)> = merged.to_vec();
    merged.sort_by_key(|&(number, at)| (at, number));
    let mut by_environment: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (index, deployment) in deployments.iter().enumerate() {
        by_environment
            .entry(deployment.environment.clone())
            .or_default()
            .push(index);
    }
    for (_, mut indices) in by_environment {
        indices.sort_by_key(|&i| deployments[i].at);
        let mut next = 0;
        let mut pending: Vec<i64> = Vec::new();
        for i in indices {
            while next < merged.len() && merged[next].1 <= deployments[i].at {
                pending.push(merged[next].0);
                next += 1;
            }
            deployments[i].pr_numbers = pending.iter().map(i64::to_string).collect();
            if deployments[i].status.as_deref() == Some("success") {
                pending.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Person;

    #[test]
    fn commit_messages_keep_trailers_and_attribution_lines_only() {
        let body = "The lexer dropped a token.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
        let (trailers, attribution) = message_marks(Some("Fix the parser"), Some(body));
        assert_eq!(trailers, ["Co-Authored-By: Claude <noreply@anthropic.com>"]);
        assert_eq!(
            attribution,
            ["🤖 Generated with [Claude Code](https://claude.com/claude-code)"]
        );
        assert_eq!(message_marks(Some("Fix"), None), (Vec::new(), Vec::new()));
    }

    #[test]
    fn impossible_times_are_repaired_and_noted() {
        let mut pr: PullRequest = serde_json::from_value(serde_json::json!({
            "source": "github", "repo": "acme/app", "number": 7, "author": "ann",
            "created_at": "2026-10-05T09:00:00Z", "merged_at": "2026-10-01T09:00:00Z",
            "closed_at": "2999-01-01T00:00:00Z", "labels": [], "linked_issues": [],
        }))
        .unwrap();
        let now = "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let notes = repair_times(&mut pr, now);
        assert_eq!(pr.merged_at, Some(pr.created_at));
        assert_eq!(pr.closed_at, Some(now));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("PR #7: merged_at") && notes[0].contains("out of order"));
        assert!(
            repair_times(&mut pr, now).is_empty(),
            "a repaired PR needs no more repair"
        );
    }

    #[test]
    fn ticket_keys_are_found_in_order_without_false_friends() {
        assert_eq!(
            ticket_keys("Hotfix for INC-3: fix PAY-12 and PAY-12 (see UTF-8, feature/OPS-4)"),
            vec!["INC-3", "PAY-12", "UTF-8", "OPS-4"]
        );
        assert!(ticket_keys("Bump serde from 1.2.0 to 1.3.0").is_empty());
        assert!(ticket_keys("A-1 PAY-0 PAY-12a").is_empty());
    }

    #[test]
    fn noreply_addresses_give_the_login() {
        assert_eq!(
            noreply_login("49699333+dependabot[bot]@users.noreply.github.com"),
            Some("dependabot[bot]")
        );
        assert_eq!(noreply_login("ada@users.noreply.github.com"), Some("ada"));
        assert_eq!(noreply_login("ada@example.com"), None);
    }

    #[test]
    fn reverts_name_the_reverted_pr_of_the_same_repository() {
        assert_eq!(reverted_pr("acme/api", "Reverts acme/api#12\n"), Some(12));
        assert_eq!(reverted_pr("acme/api", "Reverts #7"), Some(7));
        assert_eq!(reverted_pr("acme/api", "Reverts other/repo#7"), None);
    }

    #[test]
    fn git_offsets_come_from_the_author_date() {
        assert_eq!(offset_minutes("2026-10-05T11:30:00+02:00"), Some(120));
        assert_eq!(offset_minutes("2026-10-05T11:30:00-05:30"), Some(-330));
        assert_eq!(offset_minutes("yesterday"), None);
    }

    #[test]
    fn a_deployment_ships_what_was_merged_since_the_last_success() {
        let at = |h: i64| DateTime::<Utc>::from_timestamp(h * 3600, 0).unwrap();
        let deploy = |h: i64, status: &str| Deployment {
            source: SOURCE.into(),
            repo: "acme/api".into(),
            environment: Some("production".into()),
            sha: None,
            pr_numbers: Vec::new(),
            at: at(h),
            status: Some(status.into()),
        };
        let mut deployments = vec![
            deploy(10, "success"),
            deploy(20, "failure"),
            deploy(30, "success"),
        ];
        ship_merged_prs(
            &mut deployments,
            &[(1, at(5)), (2, at(15)), (3, at(25)), (4, at(40))],
        );
        let shipped: Vec<Vec<String>> = deployments.iter().map(|d| d.pr_numbers.clone()).collect();
        assert_eq!(shipped, vec![vec!["1"], vec!["2"], vec!["2", "3"]]);
    }

    #[test]
    fn bots_keep_their_rest_spelling_and_people_their_roster_id() {
        let people = vec![Person {
            person: "ada".into(),
            display_name: None,
            team: "core".into(),
            teams: Vec::new(),
            role: "engineer".into(),
            timezone: "UTC".into(),
            work_start_hour: None,
            work_end_hour: None,
            aliases: vec!["Ada-Acme".into()],
        }];
        let who = Identities::from_people(&people);
        assert_eq!(who.resolve("ada-acme"), "ada");
        let bot = Actor {
            typename: "Bot".into(),
            login: "dependabot".into(),
        };
        assert_eq!(who.actor(Some(&bot)), "dependabot[bot]");
        assert_eq!(who.actor(None), "ghost");
    }
}
